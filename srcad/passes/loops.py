"""The loops of pass 11c (:mod:`srcad.passes.numba_ready`, ``jit=True`` only): runs of elementwise
statements over 1-d float64 arrays of one shape written as one loop over their entries.

numba compiles ``u = u + dt * (a * u - b * u3)`` on arrays into a loop that handles broadcasting
for any shapes; on arrays of 1,000 that loop is about four times slower than a plain loop over
the entries, and each statement allocates. Where the kinds the transformation is specialized on
prove every array of a statement a 1-d float64 array of one shape, the statement, and the
statements of the same shape that follow it, become one loop:

    u_next = np.empty_like(u)
    for i in range(len(u)):
        u_next[i] = u[i] + dt * (a[i] * u[i] - b[i] * u3[i])
    u = u_next

Accepts: the main generated function (a gast tree, changed in place), its comments (read: the
comment lines between the statements of a loop move into it) and the
:class:`~srcad.passes.value_kinds.ValueKind` of its parameters (``Specialization.values``; empty:
nothing changes).
Guarantees: the same numbers. From the kinds of its names (:mod:`srcad.passes.loop_kinds`: real
numbers, and 1-d float64 arrays of the shape of a parameter), a statement is rewritten only if it is

* ``x = e``, ``e`` an elementwise expression of names and constants whose kind is an array: the
  loop writes a new array, as NumPy does, bound to ``x`` before the loop where the loop reads no
  earlier value of ``x``, else after it (``u_next``). A name that nothing outside the loop reads
  or assigns, and that the loop assigns before reading, is a number in the loop, one entry at a
  time (``ddiff = dt * du[i]``): its array was never seen;
* ``x = y`` (within a loop, after ``y``'s assignment in it): ``x`` is bound to the same array;
* ``d += e`` (``-=``, ``*=``), where ``d`` is an *accumulator*: a local assigned only
  ``zeros_like(...)`` and changed only in place, read only as an operand of an operator or an
  elementwise function, or returned; so no other name holds ``d``'s array or a view of it, and
  the entries of ``d`` that the loop changes are read by no other entry's computation.

Every array the loop reads or writes is then read at the same index as the entry it computes, and
written arrays are new or accumulators: entry ``i`` of the loop computes what the statements
computed at entry ``i``, in the same order, with the same scalar operations. Where NumPy's
array operations differ from scalar Python's, the loop uses NumPy's: ``a / b`` of an entry is
``np.divide`` (a zero divisor gives an infinity, as on arrays, where ``/`` of numbers raises).
A part of an expression without an array (``dt * 2``) is evaluated once per entry, so it must be
one that cannot raise: names, constants, ``+``, ``-``, ``*``; otherwise the statement is left as
it is (an empty array would evaluate it not at all).
"""

from __future__ import annotations

import builtins
import copy

import gast
import numpy as np

from .fusion import _is_comment
from .loop_kinds import _SCOPES, ARITHMETIC, combine, dotted, evaluate, infer, is_array, \
    parameter_kinds, scope_nodes, ufunc
from .syntax import assign, load, store

_SAFE_SCALAR = (gast.Add, gast.Sub, gast.Mult)  # (cannot raise on numbers)
_IN_PLACE = (gast.Add, gast.Sub, gast.Mult)


def lower(function, comments: dict, value_kinds, resolve=None) -> None:
    """Rewrite ``function`` as the module docstring says (``resolve``: the object a free name of
    the generated code reads, see :func:`resolver`; None: nothing changes)."""
    params = parameter_kinds(function, value_kinds)
    if resolve is None or not any(is_array(k) for k in params.values()):
        return
    assigned = {n.id for n in gast.walk(function) if isinstance(n, gast.Name)
                and not isinstance(n.ctx, gast.Load)}  # (parameters too, nested scopes too)
    if {"np", "len", "range"} & assigned or resolve("np") is not np \
            or resolve("len") is not builtins.len or resolve("range") is not builtins.range:
        return  # (the loops are written with NumPy's np.empty_like and the builtins)
    helpers = frozenset(name for name, helper in _helpers().items()
                        if name not in assigned and resolve(name) is helper)
    kinds = infer(function, params, helpers)
    names = _Names(function)
    index = names.fresh("i")
    counts: dict = {}
    for node in gast.walk(function):
        if isinstance(node, gast.Name):
            counts[node.id] = counts.get(node.id, 0) + 1
    accumulators = _accumulators(function, kinds, params, helpers)
    for block in list(_blocks(function)):  # (listed first: the loops are added to them)
        k = 0
        while k < len(block):
            run = _run(block, k, kinds, accumulators, comments)
            loop = _loop(block[k:k + run], kinds, index, names, comments, counts) if run \
                else None
            if loop is None:
                k += 1
                continue
            block[k:k + run] = loop
            k += len(loop)


def resolver(entry):
    """What each free name of the generated function of ``entry`` (a
    :class:`~srcad.passes.load.Entry`) reads, as :mod:`srcad.passes.load` binds it: srcad's
    helpers, then the user's globals and builtins (a name of the user's closure: unknown, its
    cell may change)."""
    user = entry.user_fn
    freevars = set(user.__code__.co_freevars)
    namespace = user.__globals__
    builtin = namespace.get("__builtins__", builtins)
    builtin = builtin if isinstance(builtin, dict) else vars(builtin)

    def resolve(name):
        if name in entry.bound:
            return entry.bound[name]
        if name in freevars:
            return _UNKNOWN
        return namespace[name] if name in namespace else builtin.get(name, _UNKNOWN)
    return resolve


_UNKNOWN = object()


def _helpers() -> dict:
    from ..runtime import broadcasting, checks, containers
    return {"zeros_like": containers.zeros_like, "unsum": broadcasting.unsum,
            "seed_scalar": checks.seed_scalar}


# ---- which statements ------------------------------------------------------------------------------

def _parents(function) -> dict:
    return {id(child): node for node in gast.walk(function)
            for child in gast.iter_child_nodes(node)}


def _accumulators(function, kinds: dict, params: dict, helpers=frozenset()) -> set:
    """The locals assigned only ``zeros_like(...)``, changed only in place, read only as operands
    of operators and elementwise functions or returned (module docstring)."""
    parents = _parents(function)
    candidates = {name for name, kind in kinds.items()
                  if is_array(kind) and kind[0] == "array"} - set(params)
    for node in scope_nodes(function):
        if not isinstance(node, gast.Name) or node.id not in candidates:
            continue
        parent = parents.get(id(node))
        if isinstance(node.ctx, gast.Load):
            ok = _operand_of(parent) or _returned(node, parents)
        elif isinstance(node.ctx, gast.Store):
            ok = (isinstance(parent, gast.AugAssign) and isinstance(parent.op, _IN_PLACE)) or (
                isinstance(parent, gast.Assign) and len(parent.targets) == 1
                and isinstance(parent.value, gast.Call) and dotted(parent.value.func)
                == "zeros_like" and "zeros_like" in helpers)
        else:
            ok = False
        if not ok:
            candidates.discard(node.id)
    return candidates


def _operand_of(parent) -> bool:
    return isinstance(parent, (gast.BinOp, gast.UnaryOp)) or (
        isinstance(parent, gast.Call) and ufunc(parent)) or isinstance(
        parent, gast.AugAssign)


def _returned(node, parents) -> bool:
    parent = parents.get(id(node))
    while isinstance(parent, gast.Tuple):
        parent = parents.get(id(parent))
    return isinstance(parent, gast.Return)


def _elementwise_tree(expr, kinds) -> bool:
    """Names and constants under operators and elementwise functions; each part without an array
    one that cannot raise."""
    if isinstance(expr, (gast.Name, gast.Constant)):
        return True
    if not is_array(evaluate(expr, kinds)):
        return _safe_scalar(expr)
    if isinstance(expr, gast.BinOp) and isinstance(expr.op, ARITHMETIC):
        return _elementwise_tree(expr.left, kinds) and _elementwise_tree(expr.right, kinds)
    if isinstance(expr, gast.UnaryOp) and isinstance(expr.op, (gast.USub, gast.UAdd)):
        return _elementwise_tree(expr.operand, kinds)
    if isinstance(expr, gast.Call) and ufunc(expr) and not expr.keywords:
        return all(_elementwise_tree(a, kinds) for a in expr.args)
    return False


def _safe_scalar(expr) -> bool:
    if isinstance(expr, (gast.Name, gast.Constant)):
        return True
    if isinstance(expr, gast.BinOp) and isinstance(expr.op, _SAFE_SCALAR):
        return _safe_scalar(expr.left) and _safe_scalar(expr.right)
    if isinstance(expr, gast.UnaryOp) and isinstance(expr.op, (gast.USub, gast.UAdd)):
        return _safe_scalar(expr.operand)
    return False


def _base_of(stmt, kinds: dict, accumulators: set):
    """The parameter whose shape the statement's arrays have, if it can be a loop; else None."""
    if isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 \
            and isinstance(stmt.targets[0], gast.Name) \
            and isinstance(stmt.value, (gast.BinOp, gast.UnaryOp, gast.Call)):
        kind = evaluate(stmt.value, kinds)
        if is_array(kind) and _elementwise_tree(stmt.value, kinds) \
                and _array_leaf(stmt.value, kinds) is not None:
            return kind[1]
    if isinstance(stmt, gast.AugAssign) and isinstance(stmt.target, gast.Name) \
            and stmt.target.id in accumulators and isinstance(stmt.op, _IN_PLACE):
        kind = combine([kinds[stmt.target.id], evaluate(stmt.value, kinds)])
        if is_array(kind) and _elementwise_tree(stmt.value, kinds):
            return kind[1]
    return None


def _array_leaf(expr, kinds: dict):
    """The first name in ``expr`` holding an array (not an optional one), or None."""
    for node in gast.walk(expr):
        if isinstance(node, gast.Name) and kinds.get(node.id, ("",))[0] == "array":
            return node.id
    return None


def _run(block, k, kinds, accumulators, comments) -> int:
    """How many statements from ``k`` can be one loop (0: none), comments between them included:
    statements of one base, and aliases ``x = y`` of a name an earlier one assigned."""
    base = _base_of(block[k], kinds, accumulators)
    if base is None:
        return 0
    assigned = _assigned(block[k])
    end = j = k + 1
    while j < len(block):
        stmt = block[j]
        if _is_comment(stmt, comments):
            j += 1
            continue
        alias = isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 \
            and isinstance(stmt.targets[0], gast.Name) and isinstance(stmt.value, gast.Name) \
            and stmt.value.id in assigned
        if not alias and _base_of(stmt, kinds, accumulators) != base:
            break
        assigned |= _assigned(stmt)
        end = j = j + 1
    return end - k


def _assigned(stmt) -> set:
    return {stmt.targets[0].id} if isinstance(stmt, gast.Assign) else set()


# ---- the loop ----------------------------------------------------------------------------------------

class _Names:
    """Fresh names, none of the function's."""

    def __init__(self, function):
        self.taken = {n.id for n in gast.walk(function) if isinstance(n, gast.Name)}

    def fresh(self, hint: str) -> str:
        name, k = hint, 2
        while name in self.taken:
            name, k = f"{hint}{k}", k + 1
        self.taken.add(name)
        return name


def _locals(run: list, counts: dict, comments: dict) -> tuple:
    """The names assigned in ``run`` that nothing outside it reads or assigns and that the run
    assigns before it reads (in the loop they are numbers, one entry at a time); and the names
    the run reads before it assigns them."""
    inside: dict = {}
    read_first, assigned = set(), set()
    for stmt in run:
        if _is_comment(stmt, comments):
            continue
        for node in gast.walk(stmt):
            if isinstance(node, gast.Name):
                inside[node.id] = inside.get(node.id, 0) + 1
        value_names = {n.id for n in gast.walk(stmt.value) if isinstance(n, gast.Name)}
        if isinstance(stmt, gast.AugAssign):
            value_names.add(stmt.target.id)
        read_first |= value_names - assigned
        assigned |= _assigned(stmt)
    return {name for name in assigned - read_first if inside[name] == counts.get(name)}, \
        read_first


def _reference(run: list, kinds: dict, local: set, comments: dict):
    """An array of the run's shape bound before the loop (its length, and what ``np.empty_like``
    copies: all the run's arrays are float64), or None."""
    assigned: set = set()
    for stmt in run:
        if _is_comment(stmt, comments):
            continue
        names = [n.id for n in gast.walk(stmt.value) if isinstance(n, gast.Name)]
        if isinstance(stmt, gast.AugAssign):
            names.insert(0, stmt.target.id)
        for name in names:
            if name not in assigned and name not in local \
                    and kinds.get(name, ("",))[0] == "array":
                return name
        assigned |= _assigned(stmt)
    return None


def _loop(run: list, kinds: dict, index: str, names: _Names, comments: dict, counts: dict):
    """The statements of ``run`` as one loop over the entries (module docstring); None where
    there is no array to take the length of."""
    local, read_first = _locals(run, counts, comments)
    reference = _reference(run, kinds, local, comments)
    if reference is None:
        return None
    current: dict = {}  # name -> the new array holding its value, from its assignment in the run
    before, body, rebind = [], [], {}
    for stmt in run:
        if _is_comment(stmt, comments):
            body.append(stmt)
            continue
        value = _entrywise(stmt.value, kinds, current, local, index)
        if isinstance(stmt, gast.AugAssign):
            body.append(gast.AugAssign(target=_entry(stmt.target.id, index, gast.Store()),
                                       op=stmt.op, value=value))
            continue
        target = stmt.targets[0].id
        source = stmt.value.id if isinstance(stmt.value, gast.Name) else None
        if target in local:
            body.append(assign(store(target), value))
        elif source in current:  # (an alias of an array made in the run: the same array)
            current[target] = rebind[target] = current[source]
        else:  # (a new array: the target's own name where the run reads no earlier value)
            direct = target not in read_first and target not in current
            new = target if direct else names.fresh(f"{target}_next")
            before.append(assign(store(new), gast.Call(
                func=_np("empty_like"), args=[load(reference)], keywords=[])))
            body.append(gast.Assign(targets=[_entry(new, index, gast.Store())], value=value))
            current[target] = new
            if not direct:
                rebind[target] = new
    loop = gast.For(target=store(index), iter=gast.Call(
        func=load("range"), args=[gast.Call(func=load("len"), args=[load(reference)],
                                            keywords=[])],
        keywords=[]), body=body, orelse=[], type_comment=None)
    after = [assign(store(target), load(new)) for target, new in rebind.items()]
    return before + [loop] + after


def _np(attr: str):
    return gast.Attribute(value=load("np"), attr=attr, ctx=gast.Load())


def _entry(name: str, index: str, ctx):
    return gast.Subscript(value=load(name), slice=load(index), ctx=ctx)


def _entrywise(expr, kinds, current, local, index):
    """``expr`` on entry ``index`` of its arrays (the names in ``current`` read from their new
    arrays, those in ``local`` as numbers); ``/`` with an array operand as ``np.divide``."""
    if isinstance(expr, gast.Name):
        if is_array(kinds.get(expr.id)) and expr.id not in local:
            return _entry(current.get(expr.id, expr.id), index, gast.Load())
        return load(expr.id)
    if isinstance(expr, gast.Constant) or not is_array(evaluate(expr, kinds)):
        return copy.deepcopy(expr)
    if isinstance(expr, gast.BinOp):
        left = _entrywise(expr.left, kinds, current, local, index)
        right = _entrywise(expr.right, kinds, current, local, index)
        if isinstance(expr.op, gast.Div):
            return gast.Call(func=_np("divide"), args=[left, right], keywords=[])
        return gast.BinOp(left=left, op=expr.op, right=right)
    if isinstance(expr, gast.UnaryOp):
        return gast.UnaryOp(op=expr.op, operand=_entrywise(expr.operand, kinds, current, local, index))
    return gast.Call(func=copy.deepcopy(expr.func), keywords=[],
                     args=[_entrywise(a, kinds, current, local, index) for a in expr.args])


def _blocks(function):
    """The statement lists of ``function``'s own scope (not of a function defined in it)."""
    for node in [function, *scope_nodes(function)]:
        if node is not function and isinstance(node, _SCOPES):
            continue
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list) and block and isinstance(block[0], gast.stmt):
                yield block
