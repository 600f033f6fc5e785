"""Pass 11c, numba-ready (``jit=True`` only): the generated functions in the Python numba compiles.

Accepts: the generated functions of one transformation, tidied (pass 11b): ``(gast function,
comments)`` pairs, as :class:`srcad.pipeline.Program` holds them.
Guarantees: new functions (the trees handed in are not changed) computing the same values, with

* **descending ranges**: ``for i in reversed(range(...))`` becomes ``for i in range(last, stop,
  -step)`` (numba has no ``reversed``), for ``range(n)``, ``range(a, b)`` and ``range(a, b, s)``
  with ``s`` a positive integer literal (the first index of the descending range is then
  ``b - 1 - (b - a - 1) % s``: the last of the ascending one, or below ``a`` when it is empty),
  ``range(a, b, -s)`` counting up from its last entry, ``b + 1 + (a - b - 1) % s``,
  and for the first ``k`` entries of ``range(n)`` and ``range(a, b)``, ``reversed(range(...)[:k])``
  (a loop left by ``break``: the stop becomes ``min(b, a + k)``);
* **one tape per saved variable**: in a function whose tape (``stack``) is a local list used only
  by ``stack.append(e)`` and ``v = stack.pop()``, each saved variable gets a list of its own
  (``stack_h`` for ``h``; the variable of ``e`` is its root name: ``h``, ``shape_only(h)``,
  ``snapshot(states[t])``). Every pop takes back what the push of the same variable saved (the
  reverse pass pairs them so), so each list pops in the reverse order of its own pushes, as the
  one tape did; each list then holds values of one type, which numba's typed lists need (one list
  of floats and ints would make the ints floats). Where a push or a pop is of another form, or
  the variables pushed are not those popped, the tape is left as it is.

* **expressions fused**: a temporary assigned once, from one arithmetic operation or elementwise
  call of ``np``/``math`` (``a_times_u = a * u``) or from another name (``ddiff = du``), and read
  once, by an assignment or expression statement later in
  the same block, is written into that statement (``u = u + dt * (a * u - b * u_pow_three)``), so
  that numba computes the whole expression in one loop, without an array for each operation.
  Only where nothing between the two statements assigns a name the expression reads or may
  write into an array (a subscript or an attribute assigned, an augmented assignment, a call
  other than a tape's ``append``, an elementwise function or a helper that only reads: the
  expression may read a view of that array), and never into a conditional expression,
  ``and``/``or``, a lambda or a comprehension (which may not evaluate it). The operations are evaluated in the same order on
  the same values, so the numbers are the same.

* **default keywords dropped**: ``np.sum(v, axis=None, keepdims=False)`` (forward mode's
  templates spell out NumPy's defaults) becomes ``np.sum(v)``, for NumPy's reductions, as numba
  takes neither keyword.

Nothing else changes: what numba cannot type is refused at the first call, by
:mod:`srcad.jit.compile`, which compiles these functions. The functions stay plain Python, so
``srcad.show`` shows the code numba compiles, and ``jit="auto"`` runs it when numba refuses.
"""

from __future__ import annotations

import copy

import gast

from .syntax import call, load, store

TAPE = "stack"


def numba_ready(generated: list) -> list:
    """``(function, comments)`` pairs -> new pairs, rewritten as the module docstring says."""
    out = []
    for function, comments in generated:
        function = copy.deepcopy(function)
        _descending_ranges(function)
        _default_keywords(function)
        _split_tape(function)
        _fuse(function, comments)
        out.append((function, comments))
    return out


def compiled_header(jit: str) -> str:
    """The line the generated text's header gets for ``Options.jit`` (none without it)."""
    return {"on": "\ncompiled with numba at the first call (jit=True)",
            "auto": "\ncompiled with numba at the first call (jit='auto')"}.get(jit, "")


# ---- default keywords ------------------------------------------------------------------------

_REDUCTIONS = frozenset({"sum", "mean", "prod", "max", "min", "amax", "amin", "std", "var",
                         "all", "any", "nansum", "nanmean", "nanprod", "nanmax", "nanmin"})
_DEFAULTS = {"axis": None, "keepdims": False}


def _default_keywords(function) -> None:
    for node in gast.walk(function):
        if isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute) \
                and isinstance(node.func.value, gast.Name) and node.func.value.id == "np" \
                and node.func.attr in _REDUCTIONS:
            node.keywords = [k for k in node.keywords if not (
                k.arg in _DEFAULTS and isinstance(k.value, gast.Constant)
                and k.value.value is _DEFAULTS[k.arg])]


# ---- descending ranges ----------------------------------------------------------------------------

def _descending_ranges(function) -> None:
    for node in gast.walk(function):
        if isinstance(node, gast.For):
            descending = _descending(node.iter)
            if descending is not None:
                node.iter = descending


def _descending(iterator):
    """``range(...)`` counting down for ``reversed(range(...))`` and ``reversed(range(...)[:k])``
    (the first ``k`` of them, ``k >= 0``: a loop's iterations counted) (None: another form)."""
    if not (_is_call_of(iterator, "reversed") and len(iterator.args) == 1):
        return None
    inner, count = iterator.args[0], None
    if isinstance(inner, gast.Subscript) and isinstance(inner.slice, gast.Slice) \
            and inner.slice.lower is None and inner.slice.step is None \
            and inner.slice.upper is not None:
        inner, count = inner.value, inner.slice.upper
    if not (_is_call_of(inner, "range") and 1 <= len(inner.args) <= 3):
        return None
    zero, one = gast.Constant(value=0, kind=None), gast.Constant(value=1, kind=None)
    args = inner.args
    a, b = (zero, args[0]) if len(args) == 1 else (args[0], args[1])
    step = args[2] if len(args) == 3 else one
    if isinstance(step, gast.UnaryOp) and isinstance(step.op, gast.USub) and _int(step.operand):
        step = gast.Constant(value=-step.operand.value, kind=None)
    if _int(step) and step.value < 0 and count is None:
        # range(a, b, -s) -> range(b + 1 + (a - b - 1) % s, a + 1, s): its last entry first
        # (a - k s for the largest k with a - k s > b), or past a when it is empty
        positive = gast.Constant(value=-step.value, kind=None)
        rest = gast.BinOp(left=_sub(_sub(a, b), one), op=gast.Mod(), right=positive)
        first = gast.BinOp(left=_add(b, one), op=gast.Add(), right=rest)
        return call("range", first, _add(a, one), copy.deepcopy(positive))
    if not (_int(step) and step.value > 0):
        return None
    if count is not None:  # range(a, b)[:k] is range(a, min(b, a + k)) (no product: see below)
        if step.value != 1:
            return None
        b = call("min", copy.deepcopy(b), gast.BinOp(left=copy.deepcopy(a), op=gast.Add(),
                                                     right=copy.deepcopy(count)))
    if step.value == 1:  # range(a, b) -> range(b - 1, a - 1, -1)
        return call("range", _sub(b, one), _sub(a, one), _neg(one))
    # range(a, b, s) -> range(b - 1 - (b - a - 1) % s, a - 1, -s): the last of the ascending
    # range first, or below a when it is empty; no integer product, which srcad.jit.compile
    # refuses (numba's integers wrap around)
    rest = gast.BinOp(left=_sub(_sub(b, a), one), op=gast.Mod(), right=copy.deepcopy(step))
    first = _sub(_sub(b, one), rest)
    return call("range", first, _sub(a, one), _neg(step))


def _sub(x, y):
    """``x - y``, folded where both are integer literals (``-1``, not ``0 - 1``)."""
    if _int(x) and _int(y):
        return gast.Constant(value=x.value - y.value, kind=None)
    return gast.BinOp(left=copy.deepcopy(x), op=gast.Sub(), right=copy.deepcopy(y))


def _add(x, y):
    """``x + y``, folded where both are integer literals."""
    if _int(x) and _int(y):
        return gast.Constant(value=x.value + y.value, kind=None)
    return gast.BinOp(left=copy.deepcopy(x), op=gast.Add(), right=copy.deepcopy(y))


def _neg(x):
    if _int(x):
        return gast.Constant(value=-x.value, kind=None)
    return gast.UnaryOp(op=gast.USub(), operand=copy.deepcopy(x))


def _int(x) -> bool:
    return isinstance(x, gast.Constant) and type(x.value) is int


def _is_call_of(node, name: str) -> bool:
    return isinstance(node, gast.Call) and isinstance(node.func, gast.Name) \
        and node.func.id == name and not node.keywords


# ---- one tape per saved variable ------------------------------------------------------------------

def _split_tape(function) -> None:
    pushes, pops, others, init = [], [], 0, None
    for node in gast.walk(function):
        if isinstance(node, gast.Expr) and _is_tape_call(node.value, "append", 1):
            pushes.append(node)
        elif isinstance(node, gast.Assign) and _is_tape_call(node.value, "pop", 0):
            pops.append(node)
        elif isinstance(node, gast.Assign) and len(node.targets) == 1 \
                and _is_name(node.targets[0], TAPE) and isinstance(node.value, gast.List) \
                and not node.value.elts and init is None:
            init = node
        elif isinstance(node, gast.Name) and node.id == TAPE:
            others += 1
    # each push and pop names the tape once, the initialization once: nothing else may
    if init is None or others != len(pushes) + len(pops) + 1:
        return
    push_keys = [_root(node.value.args[0]) for node in pushes]
    pop_keys = [_root(node.targets[0]) if len(node.targets) == 1 else None for node in pops]
    if None in push_keys or None in pop_keys or set(push_keys) != set(pop_keys):
        return
    taken = {node.id for node in gast.walk(function) if isinstance(node, gast.Name)}
    names: dict = {}
    for key in push_keys:  # (in the order of the first push: deterministic)
        if key not in names:
            name, k = f"{TAPE}_{key}", 2
            while name in taken:
                name, k = f"{TAPE}_{key}_{k}", k + 1
            taken.add(name)
            names[key] = name
    for node, key in zip(pushes, push_keys):
        node.value.func.value = load(names[key])
    for node, key in zip(pops, pop_keys):
        node.value.func.value = load(names[key])
    _replace_statement(function, init, [gast.Assign(targets=[store(name)], value=gast.List(
        elts=[], ctx=gast.Load()), type_comment=None) for name in names.values()])


def _is_tape_call(node, method: str, count: int) -> bool:
    return isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute) \
        and node.func.attr == method and _is_name(node.func.value, TAPE) \
        and len(node.args) == count and not node.keywords


def _is_name(node, name: str) -> bool:
    return isinstance(node, gast.Name) and node.id == name


def _root(node):
    """The variable a push saves or a pop restores: ``h``, ``shape_only(h)``, ``snapshot(x[i])``
    (None: another form)."""
    if isinstance(node, gast.Call) and isinstance(node.func, gast.Name) \
            and node.func.id in ("shape_only", "snapshot") and len(node.args) == 1:
        node = node.args[0]
    while isinstance(node, gast.Subscript):
        node = node.value
    return node.id if isinstance(node, gast.Name) else None


def _replace_statement(tree, old, new: list) -> None:
    for node in gast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            stmts = getattr(node, field, None)
            if isinstance(stmts, list) and any(s is old for s in stmts):
                k = next(i for i, s in enumerate(stmts) if s is old)
                stmts[k:k + 1] = new
                return


# ---- expressions fused ----------------------------------------------------------------------------

_ELEMENTWISE = frozenset({
    "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "arcsinh",
    "arccosh", "arctanh", "exp", "expm1", "exp2", "log", "log1p", "log2", "log10", "sqrt",
    "cbrt", "square", "abs", "absolute", "fabs", "negative", "sign", "reciprocal", "maximum",
    "minimum", "add", "subtract", "multiply", "divide", "true_divide", "power", "asin", "acos",
    "atan", "asinh", "acosh", "atanh", "hypot", "arctan2", "atan2", "floor", "ceil"})
_OPERATORS = (gast.Add, gast.Sub, gast.Mult, gast.Div, gast.Pow, gast.FloorDiv, gast.Mod)
_PURE_HELPERS = frozenset({"shape_only", "snapshot", "unbroadcast", "unsum", "unmean", "seed_scalar",
                           "zeros_like", "matmul_dx", "matmul_dy", "cast_like", "power_dx"})


def _fusable(expr) -> bool:
    """One operation on names and constants, without side effects."""
    if isinstance(expr, gast.BinOp):
        return isinstance(expr.op, _OPERATORS) and _atoms(expr.left, expr.right)
    if isinstance(expr, gast.UnaryOp):
        return isinstance(expr.op, (gast.USub, gast.UAdd)) and _atoms(expr.operand)
    if isinstance(expr, gast.Call) and _elementwise(expr.func) and not expr.keywords:
        return _atoms(*expr.args)
    return False


def _elementwise(func) -> bool:
    return isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name) \
        and func.value.id in ("np", "math") and func.attr in _ELEMENTWISE


def _atoms(*nodes) -> bool:
    return all(isinstance(n, (gast.Name, gast.Constant)) or (_fusable(n)) for n in nodes)


def _fuse(function, comments: dict) -> None:
    loads, stores = _counts(function)
    params = {a.id for a in function.args.args + function.args.kwonlyargs
              + function.args.posonlyargs if isinstance(a, gast.Name)}
    changed = True
    while changed:
        changed = False
        for stmts in _blocks(function):
            k = 0
            while k < len(stmts):
                if _fuse_one(stmts, k, loads, stores, params):
                    changed = True
                    _drop_dangling_line_comment(stmts, k, comments)
                    continue  # (the next statement is now at k)
                k += 1


def _fuse_one(stmts, k, loads, stores, params) -> bool:
    stmt = stmts[k]
    if not (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], gast.Name)
            and (_fusable(stmt.value) or isinstance(stmt.value, gast.Name))):
        return False
    name = stmt.targets[0].id
    if loads.get(name) != 1 or stores.get(name) != 1 or name in params:
        return False
    reads = {n.id for n in gast.walk(stmt.value) if isinstance(n, gast.Name)}
    for j in range(k + 1, len(stmts)):
        later = stmts[j]
        use = _the_use(later, name)
        if use is not None:
            if not isinstance(later, (gast.Assign, gast.AugAssign, gast.Expr)):
                return False  # (a return keeps its names: dh0, the gradient of h0)
            parent, field, index = use
            value = copy.deepcopy(stmt.value)
            if index is None:
                setattr(parent, field, value)
            else:
                getattr(parent, field)[index] = value
            del stmts[k]
            loads[name] = 0
            return True
        if any(isinstance(n, gast.Name) and n.id == name for n in gast.walk(later)):
            return False  # (read inside a compound statement, or assigned)
        changes = _may_change(later)
        if changes & reads or (MEMORY in changes and reads):
            return False
    return False


def _drop_dangling_line_comment(stmts, k, comments: dict) -> None:
    """Remove the ``# line N: ...`` comment before position ``k`` if the statement fused away
    was the last it headed (the next is another comment, or none)."""
    if k == 0 or not _is_line_comment(stmts[k - 1], comments):
        return
    if k == len(stmts) or _is_comment(stmts[k], comments):
        del stmts[k - 1]


def _is_comment(stmt, comments: dict) -> bool:
    return isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Name) \
        and stmt.value.id in comments


def _is_line_comment(stmt, comments: dict) -> bool:
    return _is_comment(stmt, comments) and comments[stmt.value.id].startswith("line ")


def _the_use(stmt, name):
    """``(parent, field, index)`` where ``stmt`` reads ``name`` outside any conditional
    evaluation (None: it does not, or only inside one)."""
    def visit(node, lazy):
        for field, value in gast.iter_fields(node):
            items = value if isinstance(value, list) else [value]
            for index, child in enumerate(items):
                if not isinstance(child, gast.AST):
                    continue
                if isinstance(child, gast.Name) and child.id == name \
                        and isinstance(child.ctx, gast.Load):
                    return None if lazy else (node, field, index if isinstance(value, list)
                                              else None)
                if isinstance(child, (gast.stmt,)) and child is not stmt:
                    continue
                found = visit(child, lazy or isinstance(child, (
                    gast.IfExp, gast.BoolOp, gast.Lambda, gast.ListComp, gast.SetComp,
                    gast.DictComp, gast.GeneratorExp)))
                if found is not None:
                    return found
        return None
    if isinstance(stmt, (gast.Assign, gast.AugAssign, gast.Expr, gast.Return)):
        return visit(stmt, False)
    return None


MEMORY = "<memory>"  # (in what _may_change returns: any array, through a view, may change)


def _may_change(stmt) -> set:
    """The names ``stmt`` assigns, writes into, or passes to a call that may change them; with
    :data:`MEMORY` where it writes into an array or may (a subscript or attribute written, an
    augmented assignment, a call that may change its arguments): another name may be a view of
    that array (``B_item = B[:, j]`` before ``B[:, j] = ...``), so any name read may change."""
    out = set()
    for node in gast.walk(stmt):
        if isinstance(node, (gast.Name,)) and isinstance(node.ctx, (gast.Store, gast.Del)):
            out.add(node.id)
        elif isinstance(node, (gast.Subscript, gast.Attribute)) and \
                isinstance(node.ctx, (gast.Store, gast.Del)):
            out |= {n.id for n in gast.walk(node.value) if isinstance(n, gast.Name)} | {MEMORY}
        elif isinstance(node, gast.AugAssign):
            out |= {n.id for n in gast.walk(node.target) if isinstance(n, gast.Name)} | {MEMORY}
        elif isinstance(node, gast.Call) and _tape_pop(node):
            out.add(node.func.value.id)  # (the tape changes; no array does)
        elif isinstance(node, gast.Call) and not _harmless(node):
            for arg in list(node.args) + [kw.value for kw in node.keywords] + [node.func]:
                out |= {n.id for n in gast.walk(arg) if isinstance(n, gast.Name)} | {MEMORY}
    return out


def _tape_pop(call) -> bool:
    func = call.func
    return isinstance(func, gast.Attribute) and func.attr == "pop" and not call.args \
        and isinstance(func.value, gast.Name) and func.value.id.startswith(TAPE)


def _harmless(call) -> bool:
    """A call that changes none of its arguments: a tape's ``append``, an elementwise function of
    ``np``/``math``, one of srcad's helpers that only read theirs."""
    func = call.func
    if isinstance(func, gast.Attribute) and func.attr == "append" \
            and isinstance(func.value, gast.Name) and func.value.id.startswith(TAPE):
        return True
    return _elementwise(func) or (isinstance(func, gast.Name) and func.id in _PURE_HELPERS)


def _counts(function):
    loads: dict = {}
    stores: dict = {}
    for node in gast.walk(function):
        if isinstance(node, gast.Name):
            table = loads if isinstance(node.ctx, gast.Load) else stores
            table[node.id] = table.get(node.id, 0) + 1
    return loads, stores


def _blocks(function):
    """Every statement list of ``function`` (its body, the bodies of its loops and branches)."""
    for node in gast.walk(function):
        for field in ("body", "orelse", "finalbody"):
            stmts = getattr(node, field, None)
            if isinstance(stmts, list) and stmts and isinstance(stmts[0], gast.stmt):
                yield stmts
