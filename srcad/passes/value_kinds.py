"""The kinds of the numbers and arrays a call passes: what a specialized transformation assumes.

Accepts: the argument values of one call, parameter by parameter (:func:`value_kinds`, which
:mod:`srcad.api.specialize` calls when a derived function is specialized, the default).
Guarantees: :func:`value_kinds` returns ``(parameter, ValueKind)`` pairs, hashable, for the
arguments that are a Python ``float``, ``int``, ``bool`` or ``complex`` (exactly: not a subclass),
a NumPy scalar (``np.float64(1.0)``) or a NumPy ``ndarray`` (exactly: not ``np.matrix`` or a masked
array), each with its dtype and number of dimensions; and, for real arrays of one or more
dimensions, the first parameter before it whose argument has the same shape (so the key of a
transformation names which arrays share a shape, never the shapes themselves: a training loop
whose last batch is smaller keeps its transformation). Any other argument has no entry: the code is
the general code for it. Every call whose arguments have the same kinds runs the same code, so
what the analyses conclude from the kinds (:mod:`srcad.passes.shapes`) holds for each of them:

* :meth:`ValueKind.scalar` -- a real number or a 0-d real array: its shape is ``()``, so NumPy
  broadcasting with it keeps the other operand's shape (its broadcast set is empty);
* :meth:`ValueKind.python_float` -- a Python ``float``: its zero adjoint is ``0.0``.

A called function is specialized too (:func:`call_kinds`): a parameter whose argument the
caller's analysis proves a real number at every run of the call (:data:`REAL_NUMBER`) is a
scalar there, and real.

Complex values are no scalar here: ``unbroadcast`` takes the real part of a complex gradient for a
real operand, which dropping it would lose.
"""

from __future__ import annotations

import dataclasses

import numpy as np

@dataclasses.dataclass(frozen=True)
class ValueKind:
    """The kind of one argument: ``kind`` is ``"float"``, ``"int"``, ``"bool"``, ``"complex"``
    (Python numbers), ``"scalar"`` (a NumPy scalar), ``"array"`` (an ``ndarray``) or ``"real"``
    (a real number of a type not known: what a caller proves of a callee's argument); ``dtype`` and
    ``ndim`` for the NumPy ones; ``shape_of``: for a real array, the earlier parameter whose array
    has the same shape (None: none)."""

    kind: str
    dtype: object = None  # np.dtype of a NumPy scalar or array
    ndim: int = 0
    shape_of: str | None = None

    def scalar(self) -> bool:
        """Shape ``()`` and real: a Python or NumPy real number, or a 0-d real array."""
        if self.kind in ("float", "int", "bool", "real"):
            return True
        if self.kind in ("scalar", "array"):
            return self.ndim == 0 and self.dtype.kind in "fiub"
        return False

    def python_float(self) -> bool:
        return self.kind == "float"

    def __str__(self) -> str:
        if self.kind == "real":
            return "real number"
        if self.dtype is None:
            return self.kind
        if self.kind == "scalar":
            return f"numpy {self.dtype.name}"
        text = f"{self.dtype.name} array ({self.ndim}-d"
        return text + (f", the shape of {self.shape_of})" if self.shape_of else ")")


_FLOAT, _INT, _BOOL, _COMPLEX = (ValueKind(k) for k in ("float", "int", "bool", "complex"))
REAL_NUMBER = ValueKind("real")
REAL_VALUE = ValueKind("real value")  # real, of any shape: what a caller proves of an argument
#                                       when it summarizes a callee (srcad.summaries)
_SIMPLE = {float: _FLOAT, int: _INT, bool: _BOOL, complex: _COMPLEX}


def value_kinds(values) -> tuple:
    """``(parameter, ValueKind)`` for each ``(parameter, value)`` of ``values`` that is a number
    or an array (see the module docstring), in the order given."""
    found = []
    shapes = {}  # shape -> the first parameter with a real array of that shape
    for name, value in values:
        kind = _SIMPLE.get(type(value))
        if kind is None:
            t = type(value)
            if t is np.ndarray:
                shape_of = None
                if value.ndim and value.dtype.kind in "fiub":
                    shape_of = shapes.setdefault(value.shape, name)
                    shape_of = None if shape_of == name else shape_of
                kind = ValueKind("array", value.dtype, value.ndim, shape_of)
            elif isinstance(value, np.generic) and t.__module__ == "numpy":
                kind = ValueKind("scalar", value.dtype)
            else:
                continue
        found.append((name, kind))
    return tuple(found)


def call_kinds(op, facts) -> tuple:
    """``(parameter, REAL_NUMBER)`` for each parameter of the callee of the call ``op`` whose
    argument is a real number at every run of the call, as the caller's shape facts ``facts``
    (:class:`srcad.passes.shapes.Shapes`) prove it: a variable of the empty broadcast set (the
    shape ``()``: a number, or what elementwise operations make of numbers) that holds real values
    only, or a real number constant; and a parameter the call leaves to its default, a real
    number. The callee's pair is then made for those kinds."""
    import inspect

    import gast

    found = []
    for param, value in op.args.items():
        if not isinstance(param, str):  # (an extra argument of '*args', a closure's slot)
            continue
        if isinstance(value, gast.Constant) and type(value.value) in (int, float, bool) \
                or isinstance(value, gast.Name) and facts.sets.get(value.id) == frozenset() \
                and value.id in facts.reals:
            found.append((param, REAL_NUMBER))
    try:
        defaults = inspect.signature(op.callee).parameters.values()
    except (TypeError, ValueError):  # (a nested function lifted, a builtin)
        defaults = ()
    for p in defaults:
        if p.name not in op.args and type(p.default) in (int, float, bool) \
                and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
            found.append((p.name, REAL_NUMBER))
    return tuple(found)


def describe(kinds) -> str:
    """``x: float, W: float64 array (2-d)``: what a specialization assumed, for its header."""
    return ", ".join(f"{name}: {kind}" for name, kind in kinds)


# -- which variables hold real values (for the reverse pass: no run-time refusal of complex ones) --

_REAL_OPERATORS = frozenset({"operator.add", "operator.sub", "operator.mul", "operator.truediv",
                             "operator.neg", "operator.pos"})
_preserving: dict = {}  # rule table version -> the ids of the rules whose results are real for
#                         real operands (the operators above, NumPy's ufuncs)


def _real_preserving() -> frozenset:
    from ..rules import RULES
    found = _preserving.get(RULES.version)
    if found is None:
        by_rule: dict = {}
        for fn, rule in list(RULES.items()):
            by_rule.setdefault(id(rule), (rule, []))[1].append(fn)
        found = frozenset(key for key, (rule, fns) in by_rule.items()
                          if rule.name in _REAL_OPERATORS
                          or (rule.elementwise and all(isinstance(f, np.ufunc) for f in fns)))
        _preserving.clear()
        _preserving[RULES.version] = found
    return found


def real_names(params, kinds, definitions, stores, calls=None) -> frozenset:
    """The variables that hold a real value (a Python ``int``, ``float`` or ``bool``, a real NumPy
    scalar or array) at every point of every run, given ``kinds`` (parameter -> ValueKind),
    ``definitions`` (variable -> ``[(statement, Op)]``, the statements that assign it) and
    ``stores`` (variable -> how many times the function assigns it). Such a value is: a parameter
    holding a real number or array on entry; the result of a ``math`` function (a float, for any
    argument); or of ``+``, ``-``, ``*``, ``/`` or a NumPy ufunc of real values (never ``**``: a
    negative float to a fractional power is a complex number); or a real number constant. A
    variable assigned otherwise, or also by a statement that is not one of ``definitions``, is not
    one. A call of a user's function gives a real value where ``calls`` (a
    :class:`srcad.summaries.Summaries`) proves the callee returns one for the real arguments.
    The greatest fixed point: sound by induction over the run, as each assignment of a
    variable in the set gives a real value when what it reads is real."""
    from .ops import OpKind

    preserving = _real_preserving()
    real = set()
    for name, defs in definitions.items():
        if stores.get(name, 0) == len(defs) and (name not in params or _real_kind(kinds.get(name))):
            real.add(name)
    real |= {p for p in params if p not in definitions and not stores.get(p)
             and _real_kind(kinds.get(p))}

    def gives_real(op) -> bool:
        if op.kind is OpKind.CALL and calls is not None and len(op.targets) == 1:
            return calls.result_real(op, real)
        if op.kind is not OpKind.RULE or len(op.targets) != 1 or op.rule is None:
            return False
        rule = op.rule
        if rule.name.startswith("math."):
            return True
        if rule.identity:
            return real_atom(op.args.get("x"), real)
        if id(rule) not in preserving or rule.vararg is not None:
            return False
        return all(real_atom(value, real) for value in op.args.values())

    changed = True
    while changed:
        changed = False
        for name in [n for n in real if n in definitions]:
            if not all(gives_real(op) for _, op in definitions[name]):
                real.discard(name)
                changed = True
    return frozenset(real)


_ARITHMETIC = _REAL_OPERATORS | {"operator.pow", "operator.floordiv", "operator.mod",
                                  "operator.matmul", "operator.abs"}


def numeric_names(params, kinds, definitions, stores, reals, reductions) -> frozenset:
    """The variables that never hold a list, tuple or string (for pass 9: Python's ``+`` and ``*``
    broadcast them): those in ``reals``, and those assigned only by statements that give a number
    or a NumPy value -- a number constant, a ``math`` function, an elementwise rule (a NumPy
    array or scalar), a rule named in ``reductions`` (``np.sum``: a NumPy value for any argument),
    an arithmetic operator (``+``, ``*``, ``**``, ``@``...) of such values, a copy of one; a
    parameter of a kind (``kinds``) on entry. A greatest fixed point, as :func:`real_names`."""
    from .ops import OpKind

    preserving = _real_preserving()
    numeric = set(reals) | {name for name, defs in definitions.items()
                            if stores.get(name, 0) == len(defs)
                            and (name not in params or kinds.get(name) is not None)}
    numeric |= {p for p in params if p not in definitions and not stores.get(p)
                and kinds.get(p) is not None}  # (a kind: a number or a NumPy value on entry)

    def atom(value) -> bool:
        import gast

        from ..rules import Default

        if isinstance(value, gast.Name):
            return value.id in numeric
        return isinstance(value, (gast.Constant, Default)) \
            and type(value.value) in (int, float, bool, complex)

    def gives(op) -> bool:
        if op.kind is not OpKind.RULE or len(op.targets) != 1 or op.rule is None:
            return False
        rule = op.rule
        if rule.identity:
            return atom(op.args.get("x"))
        if rule.name.startswith("math.") or rule.name in reductions and rule.custom is None:
            return True
        if rule.name in _ARITHMETIC:  # (of numbers: a number; of lists, '+' and '*' join)
            return all(atom(value) for value in op.args.values())
        return (rule.elementwise or id(rule) in preserving) and rule.vararg is None  # an array

    changed = True
    while changed:
        changed = False
        for name in [n for n in numeric if n in definitions and n not in reals]:
            if not all(gives(op) for _, op in definitions[name]):
                numeric.discard(name)
                changed = True
    return frozenset(numeric)


def drop_real_check(expr, helper: str, real):
    """``real_operands(e, f, (x, ...))`` (``helper``: the name the generated code calls it by) is
    ``e`` where every operand is certainly real (:func:`real_atom`, ``real`` the names proven so)."""
    import gast

    if isinstance(expr, gast.Call) and isinstance(expr.func, gast.Name) \
            and expr.func.id == helper and isinstance(expr.args[2], gast.Tuple) \
            and all(real_atom(e, real) for e in expr.args[2].elts):
        return expr.args[0]
    return expr


def real_atom(value, real) -> bool:
    """Whether ``value`` (an operand: a name, a constant, a rule's default) is certainly real,
    the names in ``real`` being so."""
    import gast

    from ..rules import Default

    if isinstance(value, gast.Name):
        return value.id in real
    if isinstance(value, (gast.Constant, Default)):
        return value.value is None or type(value.value) in (int, float, bool)
    return False


def _real_kind(kind) -> bool:
    if kind is None:
        return False
    if kind.kind in ("float", "int", "bool", "real", "real value"):
        return True
    return kind.dtype is not None and kind.dtype.kind in "fiub"
