"""Pass 8, alias. Analysis: writes into arrays that other live names may share (side table for the reverse pass).

Accepts: a :class:`srcad.passes.anf.Normalized` function and the :class:`srcad.passes.ops.Op` of its simple
statements.
Guarantees: ``guards(...)`` maps each statement that mutates an array in the user's program -- a
subscript write ``y[i] = e``, or an augmented assignment ``y += e`` (in place for NumPy arrays, which
srcad differentiates as ``y = y + e``) -- to the names that may share ``y``'s memory there and are
read afterwards. For those, and only those, the primal sweep checks at run time that the memory is
not shared (``check_unshared``), because srcad gives each name its own adjoint: if ``y = x`` then
``y[0] = 5`` changes ``x`` too, a gradient computed as if it did not would be wrong, and srcad
refuses with an error at that line instead.

"May share" is a flow-insensitive over-approximation (copies ``y = x``, views such as ``x[1:]``,
``x.T``, ``x.reshape(...)``, unpacking; the functions, methods and attributes whose rule -- as
pass 6, ops, resolved it, whatever name it was called by -- says ``view=True``; calls srcad cannot
resolve and the user's functions may return their arguments); "read afterwards" means read later
in the same block or an enclosing one, or anywhere in an enclosing loop unless the name is first
assigned afresh in each iteration. A name not yet assigned where the write happens is left out (it
cannot be shared yet).
"""

from __future__ import annotations

import dataclasses
import threading

import gast

from .. import rules
from ..results import Bounded
from .ops import OpKind
from .parse import dotted_name, parameter_names


def guards(normalized, ops) -> dict:
    params = parameter_names(normalized.tree.args)
    groups = alias_groups(ops)
    result = {}
    _walk(normalized.tree.body, normalized, ops, groups, set(params), [], result)
    return result


def describe(guards) -> dict:
    """``guards`` as notes for the printer: statement -> ``["alias: may share y, z"]``."""
    return {stmt: [f"alias: may share {', '.join(others)}"] for stmt, others in guards.items()}


def shared_writes(ops) -> list:
    """For forward mode's activity: each subscript write as ``(the names that may share the array
    written, the names of the values written)``: a value written reaches every one of them, so
    their tangents are written alike (``z = y; z[0] = s`` changes ``y``)."""
    groups = alias_groups(ops)
    return [(sorted(groups.get(op.targets[0], {op.targets[0]})),
             [name for _, name in op.diff_operands()])
            for op in ops.values() if op.kind is OpKind.SETITEM]


def alias_groups(ops) -> dict:
    """Union-find over names that may hold the same array."""
    parent = {}

    def find(name):
        parent.setdefault(name, name)
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    def union(a, b):
        parent[find(a)] = find(b)

    for op in ops.values():
        if not op.targets:
            continue
        node = op.node
        sources = []
        rule = op.rule if op.kind is OpKind.RULE else None
        if op.kind is OpKind.UNPACK:
            sources = [n.id for n in gast.walk(op.args["x"]) if isinstance(n, gast.Name)]
        elif rule is not None and (rule.identity or rule.holds_operands or rule.view):
            # the operand itself, a container holding it, or (the rule says) a view of it
            sources = [a.id for a in op.args.values() if isinstance(a, gast.Name)]
        elif isinstance(node, gast.Subscript) and isinstance(node.value, gast.Name):
            sources = [node.value.id]  # basic indexing gives a view
        elif op.kind in (OpKind.CALL, OpKind.UNKNOWN) or (rule is not None
                                                           and rule.custom is not None):
            # a function of the user's, or one srcad cannot resolve (x.view()), may return its
            # argument or a view of it
            sources = [n.id for a in op.args.values() for n in gast.walk(a)
                       if isinstance(n, gast.Name)]
        for target in op.targets:
            for source in sources:
                union(target, source)
    groups = {}
    for name in list(parent):
        groups.setdefault(find(name), set()).add(name)
    return {name: groups[find(name)] for name in parent}


def _reads(stmts) -> set:
    return {n.id for s in stmts for n in gast.walk(s)
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)}


def _first_assigned_each_iteration(loop) -> set:
    local, seen = set(), set()
    for stmt in loop.body:
        if isinstance(stmt, gast.Assign):
            seen |= _reads([stmt])
            for target in gast.walk(stmt.targets[0]):
                if isinstance(target, gast.Name) and target.id not in seen:
                    local.add(target.id)
                    seen.add(target.id)
        else:
            seen |= {n.id for n in gast.walk(stmt) if isinstance(n, gast.Name)}
    return local


@dataclasses.dataclass(frozen=True)
class After:
    """In ``_walk``'s context: the statements after an enclosing block, run after it."""
    stmts: list


@dataclasses.dataclass(frozen=True)
class Loop:
    """In ``_walk``'s context: an enclosing loop, whose body runs again."""
    stmt: gast.For | gast.While


@dataclasses.dataclass(frozen=True)
class Bound:
    """In ``_walk``'s context: the variable of an enclosing ``for`` loop, bound in its body."""
    name: str


def _walk(stmts, normalized, ops, groups, assigned, context, result):
    """``assigned``: names certainly bound here (updated in place); ``context``: what encloses
    ``stmts``, innermost last: an :class:`After` for each enclosing block, a :class:`Loop` and,
    for a ``for``, a :class:`Bound` for each enclosing loop."""
    for k, stmt in enumerate(stmts):
        rest = stmts[k + 1:]
        if isinstance(stmt, (gast.If, gast.For, gast.While)):
            inner = context + [After(rest)]
            if isinstance(stmt, (gast.For, gast.While)):
                inner.append(Loop(stmt))
                if isinstance(stmt, gast.For):
                    inner.append(Bound(stmt.target.id))
            branches = []
            for block in (stmt.body, getattr(stmt, "orelse", [])):
                branch = set(assigned)
                _walk(block, normalized, ops, groups, branch, inner, result)
                branches.append(branch)
            if isinstance(stmt, gast.If):  # assigned on both paths: assigned after the if
                assigned |= branches[0] & branches[1]
            continue
        op = ops.get(stmt)
        mutated = None
        if op is not None and op.kind is OpKind.SETITEM:
            mutated = op.targets[0]
        elif stmt in normalized.augmented:
            mutated = stmt.targets[0].id
        if mutated is not None:
            later = _reads(rest)
            bound = set(assigned)
            for enclosing in context:
                if isinstance(enclosing, After):
                    later |= _reads(enclosing.stmts)
                elif isinstance(enclosing, Bound):
                    bound.add(enclosing.name)
                elif isinstance(enclosing, Loop):  # its body runs again
                    loop = enclosing.stmt
                    later |= _reads(loop.body) - _first_assigned_each_iteration(loop)
            others = sorted((groups.get(mutated, set()) - {mutated}) & later & bound)
            if others:
                result[stmt] = others
        if op is not None:
            assigned.update(op.targets)


_MUTATION_CACHE = Bounded(256)  # code object -> mutated_parameters' answer
_MUTATION_LOCK = threading.Lock()


def _view_method(attr) -> bool:
    """Does the ndarray method or attribute ``attr`` give a view (its rule says ``view=True``, or it
    has no rule and is known to, ``x.view()``)?"""
    fn = rules.METHODS.get(attr) or rules.ATTRIBUTES.get(attr)
    return attr in rules.VIEW_ONLY_METHODS or (fn is not None and rules.RULES[fn].view)


def _resolve(node, fn):
    """The object the dotted name ``node`` denotes in ``fn``'s globals or closure, or None."""
    name = dotted_name(node)
    if name is None:
        return None
    root, *attrs = name.split(".")
    closure = dict(zip(fn.__code__.co_freevars, getattr(fn, "__closure__", None) or ()))
    try:
        obj = closure[root].cell_contents if root in closure else fn.__globals__[root]
        for attr in attrs:
            obj = getattr(obj, attr)
    except (KeyError, AttributeError, ValueError):
        return None
    return obj


def mutated_parameters(fn) -> dict:
    """``{parameter: line}`` for the parameters ``fn`` changes in place: a subscript write or an
    augmented assignment (in place for arrays) to the parameter or to a name bound to it or to a
    view of it (a method, attribute or function whose rule says ``view=True``, whatever name the
    function is called by). Read from ``fn``'s source (syntax only); cached per function."""
    from ..errors import SrcadError
    from .parse import parse

    code = getattr(fn, "__code__", None)
    if code is None:
        return {}
    found = _MUTATION_CACHE.get(code)
    if found is not None:
        return found
    try:
        tree = parse(fn).tree
    except SrcadError:
        return {}
    params = parameter_names(tree.args)
    root = {p: p for p in params}  # name -> the parameter it may share memory with

    def source_root(node):
        while isinstance(node, (gast.Subscript, gast.Attribute)):
            node = node.value
        if isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute) \
                and _view_method(node.func.attr):
            return source_root(node.func.value)
        if isinstance(node, gast.Call) and node.args:
            rule = rules.lookup(_resolve(node.func, fn))
            if rule is not None and rule.view:  # np.reshape(p, ...), or under another name
                return source_root(node.args[0])
        return root.get(node.id) if isinstance(node, gast.Name) else None

    for _ in range(2):  # flow-insensitive: twice lets a later binding reach an earlier loop
        for node in gast.walk(tree):
            if isinstance(node, gast.Assign) and isinstance(node.targets[0], gast.Name):
                found = source_root(node.value)
                if found is not None:
                    root.setdefault(node.targets[0].id, found)
    mutated = {}
    for node in gast.walk(tree):
        target = None
        if isinstance(node, gast.AugAssign):
            target = node.target
        elif isinstance(node, gast.Assign) and isinstance(node.targets[0], gast.Subscript):
            target = node.targets[0]
        if target is not None:
            while isinstance(target, gast.Subscript):
                target = target.value
            if isinstance(target, gast.Name) and target.id in root:
                mutated.setdefault(root[target.id], node.lineno)
    with _MUTATION_LOCK:
        _MUTATION_CACHE[code] = mutated
    return mutated
