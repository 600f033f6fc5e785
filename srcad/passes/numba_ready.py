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

* **elementwise loops** (the main function, where its parameters' kinds are known): runs of
  elementwise statements over 1-d float64 arrays of one shape become one loop over the entries
  (:mod:`srcad.passes.loops`), faster in numba than its loops for arrays of any shape.

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

from .fusion import TAPE, fuse
from .loops import lower
from .syntax import call, load, store



def numba_ready(generated: list, kinds=(), resolve=None) -> list:
    """``(function, comments)`` pairs, the main function first -> new pairs, rewritten as the
    module docstring says (``kinds``: the main function's parameters' value kinds; ``resolve``:
    what its free names read, :func:`srcad.passes.loops.resolver`)."""
    out = []
    for k, (function, comments) in enumerate(generated):
        function = copy.deepcopy(function)
        _descending_ranges(function)
        _default_keywords(function)
        _split_tape(function)
        fuse(function, comments)
        if k == 0:
            lower(function, comments, kinds, resolve)
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
