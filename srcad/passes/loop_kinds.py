"""The kinds of pass 11c's elementwise loops (:mod:`srcad.passes.loops`): which names of a
generated function certainly hold real numbers, and which 1-d float64 arrays of which shape.

Accepts: a generated function (a gast tree, read only) and the kinds of its parameters
(:func:`parameter_kinds`, from the :class:`~srcad.passes.value_kinds.ValueKind` a specialized
transformation holds).
Guarantees: :func:`infer` returns, for each name it can tell, a kind true of every value the name
holds at every point of every run in which the parameters have their kinds: ``REAL`` (a Python or
NumPy real number, never a bool), ``FLOAT`` (a Python or NumPy float), ``("array", p)`` (a 1-d
float64 array of the shape of parameter ``p``'s) or ``("optional", p)`` (that, or None). How: an
optimistic fixed point over every assignment (a name assigned anywhere other than by ``x = e``
or ``x op= e`` has none), each assignment's kind joined into its name's; every operation is
monotone in its operands' kinds, so by induction over the run each value has its name's kind.
What an expression gives (:func:`evaluate`): constants; ``+ - * / **`` and NumPy's elementwise
functions of operands of those kinds (arrays of one shape: NumPy gives a new float64 array of
that shape; numbers only: a number, except ``**``, which can be complex); ``zeros_like`` of an
array; ``unsum`` of a float and an array (a float64 array of its shape); ``np.sum`` of an array
(a float); ``seed_scalar`` of a number (a float); a tape's ``pop()`` (what its ``append`` pushed;
a tape read any other way gives nothing). Anything else has no kind.
"""

from __future__ import annotations

import gast

from .fusion import TAPE, _ELEMENTWISE
from .syntax import load

BOTTOM, UNKNOWN, NONE, REAL, FLOAT = "bottom", "unknown", "none", "real", "float"
ARITHMETIC = (gast.Add, gast.Sub, gast.Mult, gast.Div, gast.Pow)
_FLOAT64 = "float64"
_BINARY = frozenset({"maximum", "minimum", "add", "subtract", "multiply", "divide", "true_divide",
                     "power", "hypot", "arctan2", "atan2"})


def parameter_kinds(function, value_kinds) -> dict:
    """The kinds of ``function``'s parameters, from their :class:`ValueKind`."""
    args = {a.id for a in function.args.args + function.args.posonlyargs}
    out = {}
    for name, vk in value_kinds:
        if name not in args:
            continue
        if vk.kind == "float" or (vk.kind == "scalar" and str(vk.dtype) == _FLOAT64):
            out[name] = FLOAT
        elif vk.kind == "int" or (vk.kind == "scalar" and str(vk.dtype) == "int64"):
            out[name] = REAL
        elif vk.kind == "array" and vk.ndim == 1 and str(vk.dtype) == _FLOAT64:
            out[name] = ("array", vk.shape_of or name)
    return out


def is_array(kind) -> bool:
    return isinstance(kind, tuple)


def join(a, b):
    if a == b or b == BOTTOM:
        return a
    if a == BOTTOM:
        return b
    if {a, b} == {REAL, FLOAT}:
        return REAL
    if is_array(a) and is_array(b) and a[1] == b[1]:
        return ("optional", a[1])
    if NONE in (a, b) and (is_array(a) or is_array(b)):
        return ("optional", (a if is_array(a) else b)[1])
    return UNKNOWN


def combine(kinds: list):
    """The kind of an elementwise operation of operands of these kinds."""
    if UNKNOWN in kinds:
        return UNKNOWN
    if BOTTOM in kinds or NONE in kinds:
        return BOTTOM  # (an operation on None raises: no value)
    bases = {k[1] for k in kinds if is_array(k)}
    if len(bases) > 1:
        return UNKNOWN
    if bases:
        return ("array", bases.pop())
    return FLOAT if FLOAT in kinds else REAL


def infer(function, params: dict, helpers=frozenset()) -> dict:
    """Each name's kind (module docstring); names without one are absent (``UNKNOWN``).
    ``helpers``: the names of srcad's helpers (``zeros_like``, ``unsum``, ``seed_scalar``) that
    the function's names resolve to srcad's own (a user's function of that name is not one)."""
    simple, tapes = set(), {}
    nodes = list(scope_nodes(function))
    for node in nodes:
        if isinstance(node, gast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], gast.Name):
            simple.add(id(node.targets[0]))
        elif isinstance(node, gast.AugAssign) and isinstance(node.target, gast.Name):
            simple.add(id(node.target))
    unknown = {n.id for n in nodes if isinstance(n, gast.Name)
               and isinstance(n.ctx, (gast.Store, gast.Del)) and id(n) not in simple}
    unknown |= _unclean_tapes(function) | nested_names(function)
    kinds = {n.id: BOTTOM for n in nodes if isinstance(n, gast.Name) and id(n) in simple}
    kinds.update((name, kind) for name, kind in params.items() if name not in unknown)
    changed = True  # (from BOTTOM, "no value yet", every kind only grows: the order is free)
    while changed:
        changed = False
        for node in nodes:
            if isinstance(node, gast.Assign) and id(node.targets[0]) in simple:
                name, kind = node.targets[0].id, evaluate(node.value, kinds, tapes, helpers)
            elif isinstance(node, gast.AugAssign) and id(node.target) in simple:
                name = node.target.id
                kind = evaluate(gast.BinOp(left=load(name), op=node.op, right=node.value),
                                kinds, tapes, helpers)
            elif _is_tape_call(node, "append", 1):
                name = ("tape", node.func.value.id)
                kind = evaluate(node.args[0], kinds, tapes, helpers)
            else:
                continue
            table = tapes if isinstance(name, tuple) else kinds
            key = name[1] if isinstance(name, tuple) else name
            new = UNKNOWN if key in unknown else join(table.get(key, BOTTOM), kind)
            if new != table.get(key, BOTTOM):
                table[key] = new
                changed = True
    return {name: kind for name, kind in kinds.items() if kind not in (UNKNOWN, BOTTOM)}


def scope_nodes(function):
    """The nodes of ``function``'s own scope: not those of a function, lambda or class defined
    in it (whose names are others, and whose code the analysis does not follow)."""
    stack = list(gast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, _SCOPES):
            stack.extend(gast.iter_child_nodes(node))


def nested_names(function) -> set:
    """The names read or assigned in a function, lambda or class defined in ``function`` (a
    closure may read or rebind them: they have no kind)."""
    out = set()
    for node in scope_nodes(function):
        if isinstance(node, _SCOPES):
            out |= {n.id for n in gast.walk(node) if isinstance(n, gast.Name)}
    return out


_SCOPES = (gast.FunctionDef, gast.AsyncFunctionDef, gast.Lambda, gast.ClassDef)


def evaluate(expr, kinds: dict, tapes: dict = None, helpers=frozenset()):
    """The kind of ``expr``'s value, given the names' kinds (``helpers``: see :func:`infer`)."""
    tapes = tapes or {}
    if isinstance(expr, gast.Constant):
        if expr.value is None:
            return NONE
        return {int: REAL, float: FLOAT}.get(type(expr.value), UNKNOWN)
    if isinstance(expr, gast.Name):
        return kinds.get(expr.id, UNKNOWN)
    if isinstance(expr, gast.BinOp) and isinstance(expr.op, ARITHMETIC):
        kind = combine([evaluate(expr.left, kinds, tapes, helpers),
                        evaluate(expr.right, kinds, tapes, helpers)])
        if isinstance(expr.op, gast.Pow) and not is_array(kind) and kind != BOTTOM:
            return UNKNOWN  # ((-8) ** 0.5 is complex)
        return kind
    if isinstance(expr, gast.UnaryOp) and isinstance(expr.op, (gast.USub, gast.UAdd)):
        return combine([evaluate(expr.operand, kinds, tapes, helpers)])
    if not isinstance(expr, gast.Call) or expr.keywords:
        return UNKNOWN
    args = [evaluate(a, kinds, tapes, helpers) for a in expr.args]
    if ufunc(expr):
        return combine(args)
    if _is_tape_call(expr, "pop", 0):
        return tapes.get(expr.func.value.id, BOTTOM)
    if not isinstance(expr.func, (gast.Name, gast.Attribute)):
        return UNKNOWN
    name = dotted(expr.func)
    if BOTTOM in args:
        return BOTTOM
    if name not in helpers and name != "np.sum":
        return UNKNOWN
    array = [k[1] if is_array(k) and k[0] == "array" else None for k in args]  # (not optional:
    if name == "zeros_like" and len(args) == 1 and array[0]:  # zeros_like(None) is 0.0)
        return ("array", array[0])
    if name == "unsum" and len(args) == 2 and args[0] == FLOAT and array[1]:
        return ("array", array[1])
    if name == "np.sum" and len(args) == 1 and array[0]:
        return FLOAT
    if name == "seed_scalar" and len(args) == 1 and args[0] in (REAL, FLOAT):
        return FLOAT
    return UNKNOWN


def dotted(func) -> str:
    if isinstance(func, gast.Name):
        return func.id
    if isinstance(func.value, gast.Name):
        return f"{func.value.id}.{func.attr}"
    return ""


def ufunc(call) -> bool:
    """A call of one of NumPy's elementwise functions with its operands only (no ``out``)."""
    func = call.func
    return isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name) \
        and func.value.id == "np" and func.attr in _ELEMENTWISE and not call.keywords \
        and len(call.args) == (2 if func.attr in _BINARY else 1) \
        and not any(isinstance(a, gast.Starred) for a in call.args)


def _is_tape_call(node, method: str, count: int) -> bool:
    return isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute) \
        and node.func.attr == method and isinstance(node.func.value, gast.Name) \
        and node.func.value.id.startswith(TAPE) and len(node.args) == count \
        and not node.keywords


def _unclean_tapes(function) -> set:
    """Tapes read other than by ``.append(e)`` and ``.pop()``, or assigned anything but ``[]``:
    what they pop is not known."""
    clean = {id(n.func.value) for n in scope_nodes(function)
             if _is_tape_call(n, "append", 1) or _is_tape_call(n, "pop", 0)}
    emptied = {id(n.targets[0]) for n in scope_nodes(function) if isinstance(n, gast.Assign)
               and len(n.targets) == 1 and isinstance(n.value, gast.List) and not n.value.elts}
    return {n.id for n in scope_nodes(function) if isinstance(n, gast.Name)
            and n.id.startswith(TAPE) and id(n) not in clean and id(n) not in emptied}
