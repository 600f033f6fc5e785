"""Pass 9, shapes. Analysis: which variables certainly have the same shape (for the reverse pass).

Accepts: a :class:`srcad.passes.anf.Normalized` function and the :class:`srcad.passes.ops.Op` of its simple
statements.
Guarantees: :func:`analyze` returns a :class:`Shapes` whose ``same(a, b)`` is true only if, at every
point of every run, the value of ``a`` and the value of ``b`` have the same shape. The reverse pass then
writes ``g`` for ``unbroadcast(g, a)`` where ``a`` has the shape of the statement's result: no call, and
no need to keep ``a`` (often a temporary saved in a loop only for its shape).

How: each variable gets a *broadcast set*, the set of base shapes its shape is the broadcast of
(:class:`Base` values, and :class:`Static` ones for global arrays), or :data:`UNKNOWN`. A
parameter, and the result of any operation that is not elementwise (``rule.elementwise``:
``np.sum``, ``@``, indexing, a call), is a base of its own; an elementwise operation's result has
the union of its operands' sets (a number constant adds nothing: broadcasting with a scalar keeps a
shape; so does a reduction over every axis, ``np.sum(x)``: its shape is ``()``). Broadcasting is
associative, commutative and idempotent, so equal sets mean equal shapes. The analysis is
per variable and flow-insensitive: a variable assigned in several places keeps a set only if every
assignment gives the same one, assuming the same of the others (an optimistic fixed point, which
is sound by induction over the run: the first assignment establishes the set and every later one
preserves it); otherwise it is a base of its own. At the fixed point every set is checked against
every assignment of its variable, until none changes: an assignment whose operands have no set
(a global array, ``y = y * G``; a name no statement of the analysis assigns) gives none, so its
variable has none either. A parameter assigned in the function is such a
variable whose first assignment is the call (``x = np.tanh(x * w)`` keeps ``x``'s set on entry).

Kinds (``kinds``: the ``(parameter, ValueKind)`` pairs of a specialized transformation, see
:mod:`srcad.passes.value_kinds`) prove more, for every call that reaches that transformation: a
parameter holding a real number or a 0-d real array has the empty set on entry (a scalar's shape,
which broadcasting keeps), and a real array with the shape of an earlier parameter's array shares
that parameter's base. ``Shapes.floats`` lists the parameters that hold a Python
``float`` and are never assigned: their zero adjoint is ``0.0`` (see the reverse pass);
``Shapes.reals`` the variables that never hold a complex value
(:func:`srcad.passes.value_kinds.real_names`): a rule's run-time refusal of complex operands
(``real_operands``) is not needed for them.

Python's ``+`` and ``*`` broadcast only numbers and arrays: of a list or tuple they concatenate or
repeat. An operation written ``a + b`` or ``a * b`` is elementwise here only where it cannot join
sequences (:func:`_may_join`, from what is proven a number or a NumPy value, never a list:
:func:`~srcad.passes.value_kinds.numeric_names`, a real value, or what constants, ufuncs,
reductions and operators of such values make); otherwise its result is a shape of its own, and
the ``unbroadcast`` that refuses a list at run time stays. Without kinds (the general code) a
parameter is not proven so.

Calls (``calls``: a :class:`srcad.summaries.Summaries`, or None): the result of a call to a user's
function has the union of its arguments' sets where the callee returns a broadcast of its
parameters' shapes (``y = step(y, r)`` in a loop keeps ``y`` a number), and is real where the
callee returns a real value for the real arguments; without a summary it is a shape of its own.
"""

from __future__ import annotations

import collections
import dataclasses
import enum

import gast

from .. import rules
from .ops import OpKind
from .parse import parameter_names
from .value_kinds import numeric_names, real_atom, real_names


@dataclasses.dataclass(frozen=True)
class Shapes:
    sets: dict  # variable -> frozenset of Base and Static shapes
    floats: frozenset = frozenset()  # parameters that hold a Python float, never assigned
    reals: frozenset = frozenset()  # variables that hold real values only (value_kinds.real_names)

    def same(self, a: str, b: str) -> bool:
        return a in self.sets and b in self.sets and self.sets[a] == self.sets[b]


@dataclasses.dataclass(frozen=True)
class Base:
    """A base shape: the shape of the variable ``name`` (a parameter, or a variable assigned once
    outside loops), one shape for the whole run."""
    name: str


@dataclasses.dataclass(frozen=True)
class Static:
    """The shape of a global array, the same in the whole run; ``text`` is its expression's
    ``gast.dump`` (the same expression, the same array)."""
    text: str


class Unknown(enum.Enum):
    """A variable whose shape is not one broadcast set for the whole run (assigned in ways that
    disagree, or the variable of a ``for`` loop)."""
    UNKNOWN = enum.auto()


UNKNOWN = Unknown.UNKNOWN


def analyze(normalized, ops, kinds=(), calls=None) -> Shapes:
    in_loops = {id(n) for loop in gast.walk(normalized.tree) if isinstance(loop, (gast.For, gast.While))
                for n in gast.walk(loop)}
    definitions: dict[str, list] = {}
    for stmt, op in ops.items():
        if op.kind in (OpKind.RULE, OpKind.UNPACK, OpKind.CALL, OpKind.UNKNOWN, OpKind.POP) and op.targets:
            for target in op.targets:
                definitions.setdefault(target, []).append((stmt, op))
    # A base shape must be one shape for the whole run: a parameter's shape on entry, or a
    # variable assigned once, outside loops.
    params = parameter_names(normalized.tree.args)
    stable = {var for var, defs in definitions.items()
              if len(defs) == 1 and id(defs[0][0]) not in in_loops and var not in params}
    kinds = {p: k for p, k in kinds if p in params}
    stores = collections.Counter(n.id for n in gast.walk(normalized.tree) if isinstance(n, gast.Name)
                                 and not isinstance(n.ctx, (gast.Load, gast.Param)))
    sets = {}
    for p in params:
        if p not in definitions:
            sets[p] = _parameter(p, kinds.get(p) if p not in stores else None, kinds)
        elif stores[p] == len(definitions[p]):
            # assigned again, by the statements below only: it keeps its set on entry if every
            # assignment gives that set (the fixed point checks it), as any other variable
            sets[p] = _parameter(p, kinds.get(p), kinds)
        else:
            sets[p] = UNKNOWN
    for loop in gast.walk(normalized.tree):
        if isinstance(loop, gast.For) and isinstance(loop.target, gast.Name):
            sets[loop.target.id] = UNKNOWN
    # (first: '+' and '*' broadcast only where their operands are numbers or arrays, not lists)
    reals = real_names(params, kinds, definitions, stores, calls) if kinds else frozenset()
    numeric = numeric_names(params, kinds, definitions, stores, reals, _FULL_REDUCTIONS)
    changed = True
    while changed:
        changed = False
        for var, defs in definitions.items():
            if sets.get(var) is UNKNOWN:
                continue
            results = [_result(op, var, sets, var in stable, calls, reals, numeric)
                       for _, op in defs]
            if any(r is UNKNOWN for r in results):
                new = UNKNOWN
            else:
                known = [r for r in results if r is not None]
                if not known:
                    continue
                new = known[0] if all(r == known[0] for r in known) else UNKNOWN
            if var in sets and sets[var] != new:
                new = UNKNOWN  # it changed: give up on it
            if sets.get(var) != new:
                sets[var] = new
                changed = True
    changed = True
    while changed:  # the check of the optimistic fixed point: a set stands only if every
        changed = False  # assignment gives it (one reading a name with no set, a global, does not)
        for var, defs in definitions.items():
            current = sets.get(var)
            if current is not None and current is not UNKNOWN and any(
                    _result(op, var, sets, var in stable, calls, reals, numeric) != current
                    for _, op in defs):
                sets[var] = UNKNOWN
                changed = True
    floats = frozenset(p for p, k in kinds.items() if k.python_float() and p not in stores)
    return Shapes({var: s for var, s in sets.items() if s is not UNKNOWN}, floats, reals)


def _parameter(p, kind, kinds):
    """The broadcast set of parameter ``p`` on entry, of kind ``kind`` (None: not known): empty for a real scalar, the base of the first parameter of the same shape
    (:attr:`ValueKind.shape_of`), else its own."""
    if kind is None:
        return frozenset({Base(p)})
    if kind.scalar():
        return frozenset()
    while kind.shape_of is not None and kind.shape_of in kinds:  # (one step: shape_of is first)
        p, kind = kind.shape_of, kinds[kind.shape_of]
    return frozenset({Base(p)})


def describe(facts: Shapes, ops) -> dict:
    """``facts`` as notes for the printer: statement -> ``["shape of h: broadcast of W_at_x, b"]``
    for each target whose broadcast set is known (``a constant``: a global array)."""
    notes = {}
    for stmt, op in ops.items():
        for target in op.targets:
            if target not in facts.sets:
                continue
            parts = sorted(shape.name if isinstance(shape, Base) else "a constant"
                           for shape in facts.sets[target])
            text = ("its own" if parts == [target] else
                    f"broadcast of {', '.join(parts)}" if parts else "a scalar's")
            notes.setdefault(stmt, []).append(f"shape of {target}: {text}")
    return notes


# reductions whose result, over every axis (``axis=None``, no ``keepdims``), is a scalar
_FULL_REDUCTIONS = frozenset({"numpy.sum", "numpy.mean", "numpy.prod", "numpy.max", "numpy.min",
                              "numpy.var", "numpy.std", "numpy.nansum", "numpy.nanmean",
                              "numpy.median", "numpy.norm", "numpy.vdot"})


def _constant(value, wanted) -> bool:
    """Whether ``value`` (an argument node or a rule's default) is the constant ``wanted``."""
    return value is None or isinstance(value, (gast.Constant, rules.Default)) \
        and value.value is wanted


def _result(op, var, sets, stable, calls=None, reals=frozenset(), numeric=frozenset()):
    """The broadcast set ``op`` gives ``var``; None if an operand's is not known yet; UNKNOWN."""
    base = frozenset({Base(var)}) if stable else UNKNOWN
    if op.kind is OpKind.CALL and calls is not None and len(op.targets) == 1:
        found = calls.result_set(op, sets, reals)  # (srcad.summaries: the callee's result)
        return base if found is UNKNOWN else found
    if op.kind is not OpKind.RULE or len(op.targets) != 1:
        return base
    rule = op.rule
    if isinstance(op.node, gast.Constant) and type(op.node.value) in (int, float, bool):
        return frozenset()  # (a number: ``total = 0.0``)
    if rule.name in _FULL_REDUCTIONS and rule.custom is None \
            and _constant(op.args.get("axis"), None) and _constant(op.args.get("keepdims"), False):
        return frozenset()  # (a reduction over every axis: a scalar, shape ())
    if rule.identity:
        return _atom(op.args["x"], sets)
    if not rule.elementwise or rule.vararg is not None:
        return base
    if isinstance(op.node, gast.BinOp) and _may_join(op.node.op, list(op.args.values()), numeric):
        return base  # ('+' and '*' of a list or tuple: concatenation, repetition)
    union = frozenset()
    for value in op.args.values():
        part = _atom(value, sets)
        if part is None or part is UNKNOWN:
            return part
        union |= part
    return union


def _may_join(operator, operands, numeric) -> bool:
    """Whether Python's ``a + b`` (``operator`` Add) or ``a * b`` (Mult) may concatenate or
    repeat a list, tuple or string rather than broadcast: ``+`` where no operand is proven a
    number or NumPy value (a sequence and a number raise ``TypeError``); ``*`` where some operand
    is not, unless both are one name (a sequence times itself raises) or one is a float constant
    (so is a sequence times a float)."""
    proven = [real_atom(value, numeric) for value in operands]
    if isinstance(operator, gast.Add):
        return not any(proven)
    if not isinstance(operator, gast.Mult) or all(proven):
        return False
    names = {v.id for v in operands if isinstance(v, gast.Name)}
    if len(names) == 1 and all(isinstance(v, gast.Name) for v in operands):
        return False
    return not any(isinstance(v, (gast.Constant, rules.Default))
                   and type(v.value) in (float, complex) for v in operands)


def _atom(value, sets):
    if isinstance(value, gast.Name):
        return sets.get(value.id)
    if isinstance(value, (gast.Constant, rules.Default)) \
            and (value.value is None or isinstance(value.value, (int, float, bool))):
        return frozenset()  # a number (or an absent bound, np.clip(a, None, 1)): keeps a shape
    return frozenset({Static(gast.dump(value))})  # a global array, the same in the whole run
