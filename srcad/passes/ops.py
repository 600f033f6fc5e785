"""Pass 6, ops: what each A-normal-form statement computes -- its primitive, its bound operands, and
which operands can carry a gradient.

Accepts: one statement of the forms listed in :mod:`srcad.passes.anf`.
Guarantees: :func:`classify` returns an :class:`Op` that the activity, reverse and forward passes share,
so all agree on which operands are differentiable (:meth:`Op.diff_operands`, as :class:`Operand`
values). Its ``kind`` is an :class:`OpKind`. It never raises for a statement that needs no gradient: a
call srcad cannot differentiate is classified ``OpKind.UNKNOWN`` with the reason, and the error is
raised only if a gradient must flow through it (see :meth:`Op.error`). A call that changes values in
place or reads variables it is not passed (:func:`srcad.passes.holders.changed_by`) is such a call,
with what it may change among its targets, so a gradient through those refuses it too; a method call
resolves by what its object holds (:func:`srcad.passes.holders.holders`); a list's ``append``,
``extend``, ``insert``, ``pop`` and ``reverse`` on a local are classified by
:func:`srcad.passes.lists.classify`. Calls on objects of known class were made calls of their
classes' functions before (:mod:`srcad.passes.objects`, which also says what it could not
resolve, refused here like an unknown call); an attribute of an object (``self.W``) has the rule
of ``getattr``."""

from __future__ import annotations

import dataclasses
import enum
import operator
import types

import gast
import numpy as np

from .. import rules
from ..rules import composites, python as python_rules
from ..rules.custom import checkpoint, custom_vjp
from ..errors import Location, NoGradientRuleError
from ..runtime.instances import build
from . import closures, holders, lists, user_calls
from . import objects as objects_pass
from .syntax import index_value, load
from . import array_namespaces
from .holders import OPAQUE, Sequences, is_static as _is_static, resolve_static
from .parse import ExtraArgument, Specialization, dotted_name

sequence_names = holders.sequence_names  # (front reads it here)

_BINOPS = {
    gast.Add: operator.add, gast.Sub: operator.sub, gast.Mult: operator.mul,
    gast.Div: operator.truediv, gast.Pow: operator.pow, gast.MatMult: operator.matmul,
    gast.Mod: operator.mod, gast.FloorDiv: operator.floordiv,
    gast.BitAnd: operator.and_, gast.BitOr: operator.or_, gast.BitXor: operator.xor,
}
_UNARY = {gast.USub: operator.neg, gast.UAdd: operator.pos, gast.Not: operator.not_,
          gast.Invert: operator.invert}

_COPY, _CONCAT, _REPEAT, _NONDIFF = (python_rules.COPY, python_rules.CONCATENATION,
                                     python_rules.REPETITION, python_rules.NONDIFF)


class OpKind(enum.Enum):
    """What a statement does; see :class:`Op`."""

    RULE = "rule"          # a primitive with a rule, including copies and constants
    UNPACK = "unpack"      # a, b = x
    SETITEM = "setitem"    # x[index] = value
    CALL = "call"          # a call to a user's Python function, ``args`` bound to its parameters
    APPEND = "append"      # items.append(value): ``targets`` is the list
    POP = "pop"            # value = items.pop() or items.pop(index), ``args["x"]`` the list
    EXTEND = "extend"      # items.extend(value): ``targets`` is the list
    INSERT = "insert"      # items.insert(index, value): ``targets`` is the list
    REVERSE = "reverse"    # items.reverse(): ``targets`` is the list (see srcad.passes.lists)
    UNKNOWN = "unknown"    # no rule; ``Op.reason`` says why
    EFFECT = "effect"      # print/assert/raise, loop counters: nothing to differentiate


@dataclasses.dataclass(frozen=True)
class Operand:
    """Where a gradient can enter an :class:`Op`: the rule's parameter ``param`` (``None`` for an
    operation with no rule; for a call, an :class:`~srcad.passes.parse.ExtraArgument` for an
    argument the callee's ``*args`` takes) and, for a ``*param`` parameter, the position ``index``
    in it."""

    param: str | ExtraArgument | None
    index: int | None = None


@dataclasses.dataclass
class Op:
    """One statement seen as ``targets = rule(args)``; ``kind`` (an :class:`OpKind`) says which
    form. For a call, ``callee`` is the function, ``args`` maps its parameters (an
    :class:`~srcad.passes.parse.ExtraArgument` for each argument its ``*args`` takes) to the
    arguments, ``static`` is the :class:`~srcad.passes.parse.Specialization` it is specialized on
    (functions passed for called parameters, number of extra arguments), ``recompute`` true for
    srcad.checkpoint (run again in the backward sweep).
    """

    kind: OpKind
    targets: tuple
    rule: rules.Rule | None = None
    args: dict = dataclasses.field(default_factory=dict)
    node: object = None
    reason: str = ""
    callee: object = None
    static: Specialization = Specialization()  # for a call: what the callee is specialized on
    recompute: bool = False  # for a call: srcad.checkpoint (run again in the backward sweep)
    hint: str | None = None  # for UNKNOWN: what to write instead, where the reason knows it
    receiver: str | None = None  # a method's rule: the name of the value taken for an array

    def diff_operands(self) -> list:
        """``(Operand, name)`` for each operand a gradient can flow to (local names only)."""
        kind = self.kind
        if kind is OpKind.UNPACK:
            x = self.args["x"]
            return [(Operand("x"), x.id)] if isinstance(x, gast.Name) else []
        if kind in (OpKind.SETITEM, OpKind.APPEND, OpKind.EXTEND, OpKind.INSERT):
            return [(Operand(p), self.args[p].id) for p in ("x", "value")
                    if isinstance(self.args[p], gast.Name)]
        if kind in (OpKind.POP, OpKind.REVERSE):
            return [(Operand("x"), self.args["x"].id)]
        if kind is OpKind.UNKNOWN:
            return [(Operand(None), n.id) for a in self.args.values() for n in gast.walk(a)
                    if isinstance(n, gast.Name)]
        if kind is OpKind.CALL:  # (a function value passed: its slots carry the gradient)
            skip = closures.closure_parameters(self.static)
            return [(Operand(p), a.id) for p, a in self.args.items()
                    if isinstance(a, gast.Name) and p not in skip]
        if self.rule is None:
            return []
        operands = []
        for p in rules.differentiable_params(self.rule):
            value = self.args.get(p)
            if p == self.rule.vararg:  # *operands: one entry per position
                operands += [(Operand(p, k), v.id) for k, v in enumerate(value.elts)
                             if isinstance(v, gast.Name)]
            elif isinstance(value, gast.Name):
                operands.append((Operand(p), value.id))
        return operands

    def error(self, location: Location) -> NoGradientRuleError:
        return NoGradientRuleError(self.reason, location, hint=self.hint or (
            "give it a gradient with srcad.defvjp or @srcad.custom_vjp (docs/rules.md), or wrap "
            "the value in srcad.stop_gradient if no gradient should flow"))


def classify(stmt, parsed, locals_, helpers, sequences=frozenset()) -> Op:
    """See the module docstring. ``sequences``: see :func:`sequence_names` (a
    :class:`~srcad.passes.holders.Sequences` also says what each local holds)."""
    held = sequences.holders(parsed, locals_) if isinstance(sequences, Sequences) else {}
    listed = lists.classify(stmt, locals_, held)  # xs.append(v), v = xs.pop(), ...
    if isinstance(listed, str):  # 'xs.append(xs)': a call that changes xs, refused if need be
        targets = tuple(t.id for t in getattr(stmt, "targets", ()))
        return dataclasses.replace(_side_effect(targets, stmt.value, {}, parsed, locals_, held,
                                                sequences), reason=listed)
    if listed is not None:
        return listed
    if isinstance(stmt, (gast.Expr, gast.Assert, gast.Raise, gast.Return, gast.AugAssign, gast.Break,
                         gast.Pass, gast.FunctionDef)):
        return Op(OpKind.EFFECT, ())
    target = stmt.targets[0]
    value = stmt.value
    if isinstance(target, gast.Subscript):
        return Op(OpKind.SETITEM, (target.value.id,), args={
            "x": target.value, "value": value,
            "index": index_value(target.slice, helpers.name("slice"))},
            node=target)
    if isinstance(target, gast.Tuple):
        return Op(OpKind.UNPACK, tuple(t.id for t in target.elts), args={"x": value}, node=value)
    targets = (target.id,)
    refusal = objects_pass.refusal(value, parsed.objects)
    if refusal is not None:  # a call or operator on an object srcad cannot see into
        changed, operands = objects_pass.operands(value, targets, locals_)
        return Op(OpKind.UNKNOWN, targets + changed, args=operands, node=value, reason=refusal,
                  hint=getattr(refusal, "hint", None))
    if isinstance(value, gast.Name) and value.id in locals_:
        return Op(OpKind.RULE, targets, _COPY, {"x": value}, value)
    if isinstance(value, (gast.Name, gast.Constant, gast.Attribute, gast.JoinedStr)) \
            and _is_static(value, locals_):
        return Op(OpKind.RULE, targets, _NONDIFF, {}, value)
    if isinstance(value, (gast.Tuple, gast.List)) and _is_static(value, locals_):
        return Op(OpKind.RULE, targets, _NONDIFF, {}, value)
    if isinstance(value, gast.BinOp):
        left, right = (isinstance(v, gast.Name) and v.id in sequences
                       for v in (value.left, value.right))
        if isinstance(value.op, gast.Add) and (left or right):
            return Op(OpKind.RULE, targets, _CONCAT, {"x": value.left, "y": value.right}, value)
        if isinstance(value.op, gast.Mult) and (left or right):
            seq, count = (value.left, value.right) if left else (value.right, value.left)
            return Op(OpKind.RULE, targets, _REPEAT, {"x": seq, "n": count}, value)
        return _apply(targets, rules.lookup(_BINOPS[type(value.op)]), [value.left, value.right], {},
                      value, _op_text(value.op))
    if isinstance(value, gast.UnaryOp):
        return _apply(targets, rules.lookup(_UNARY[type(value.op)]), [value.operand], {}, value,
                      "unary operator")
    if isinstance(value, (gast.Compare, gast.JoinedStr, gast.BoolOp)):
        return Op(OpKind.RULE, targets, _NONDIFF, {}, value)
    if isinstance(value, (gast.Tuple, gast.List)):
        rule = python_rules.container("tuple" if isinstance(value, gast.Tuple) else "list",
                                      len(value.elts))
        return Op(OpKind.RULE, targets, rule, dict(zip(rule.params, value.elts)), value)
    if isinstance(value, gast.Dict):  # {"W": a, "b": b}: each value gets g[its key]
        if _is_static(value, locals_):
            return Op(OpKind.RULE, targets, _NONDIFF, {}, value)
        rule = python_rules.dictionary(tuple(key.value for key in value.keys))
        return Op(OpKind.RULE, targets, rule, dict(zip(rule.params, value.values)), value)
    if isinstance(value, gast.Subscript):
        held = resolve_static(value.value, parsed) if _is_static(value.value, locals_) else None
        if held is np.r_ or held is np.c_:  # np.r_[a, b, 1:3]: a concatenation of the items
            index = index_value(value.slice, helpers.name("slice"))
            items = index.elts if isinstance(index, gast.Tuple) else [index]
            return _apply(targets, rules.lookup(held), items, {}, value,
                          "np.c_" if held is np.c_ else "np.r_")
        if not isinstance(held, (np.ndarray, list, tuple, dict, str, type(None))):
            return Op(OpKind.UNKNOWN, targets, args={"index": value.slice}, node=value,
                      reason="no gradient rule for indexing this object")
        index = index_value(value.slice, helpers.name("slice"))
        return _apply(targets, rules.lookup(operator.getitem), [value.value, index], {}, value,
                      "indexing")
    if isinstance(value, gast.Attribute):  # attribute of a local value: x.T, x.shape, self.W
        if objects_pass.read_as_object(value, parsed.objects):  # (unknown: checked at run time)
            return _apply(targets, rules.lookup(getattr),
                          [value.value, gast.Constant(value=value.attr, kind=None)], {}, value,
                          f"attribute '.{value.attr}'")
        if value.attr in rules.NONDIFF_ATTRIBUTES:
            return Op(OpKind.RULE, targets, _NONDIFF, {}, value)
        fn = rules.ATTRIBUTES.get(value.attr)
        return _apply(targets, rules.lookup(fn) if fn else None, [value.value], {}, value,
                      f"attribute '.{value.attr}'")
    if isinstance(value, gast.Call):  # (out=None is no argument)
        keywords = {k.arg: k.value for k in value.keywords if k.arg != "out"
                    or not (isinstance(k.value, gast.Constant) and k.value.value is None)}
        func = value.func
        effect = _side_effect(targets, value, keywords, parsed, locals_, held, sequences)
        if effect is not None:
            return effect
        if isinstance(func, gast.Attribute) and not _is_static(func, locals_):
            return _method_call(targets, func, value, keywords, parsed, locals_, held)
        if isinstance(func, gast.Name) and func.id in parsed.nested:
            return user_calls.nested_call(targets, parsed.nested[func.id], value, keywords,
                                          parsed, locals_)
        if isinstance(func, gast.Name) and isinstance(parsed.static.get(func.id),
                                                      closures.Closure):
            return closures.closure_call(targets, func.id, parsed.static[func.id], value,
                                         keywords, parsed)  # a function the caller made
        if isinstance(func, gast.Name) and func.id in parsed.static:
            obj = parsed.static[func.id]  # a parameter holding a function (specialized on it)
            what = f"'{func.id}' ({getattr(obj, '__qualname__', obj)!s})"
            return _call_object(targets, obj, value, keywords, what, parsed, locals_)
        if _is_static(func, locals_):
            obj = resolve_static(func, parsed)
            if isinstance(func, gast.Attribute) and isinstance(getattr(obj, "__self__", None),
                                                               np.ndarray):
                return _method_call(targets, func, value, keywords)  # W.dot(x), W a global array
            what = f"'{dotted_name(func) or 'this function'}'"
            return _call_object(targets, obj, value, keywords, what, parsed, locals_)
        # a call of a local value (r = y.reshape; r(3)): the callee is an operand too
        op = _apply(targets, None, [func] + value.args, keywords, value, "this call")
        if isinstance(func, gast.Name):  # (what the value is, and what to write instead)
            op.reason = (f"srcad cannot tell which function '{func.id}' holds here (a value the "
                         "function computed: what a call returned, an item of a container), so "
                         "it cannot differentiate this call")
            op.hint = ("call a function srcad sees by name (a module function, a nested def or "
                       "lambda of this function), or pass the function to a function of yours "
                       "as an argument")
        return op
    return Op(OpKind.UNKNOWN, targets, args={}, node=value,
              reason=f"'{type(value).__name__}' cannot be differentiated")


def _method_call(targets, func, node, keywords, parsed=None, locals_=(), held=None) -> Op:
    """``x.sum(axis=0)``: the rule of the matching function, with ``x`` first -- if ``x`` may be an
    array. If ``x`` holds a module (``xp = np``), the module's function; if it may hold another
    object (see :mod:`srcad.passes.holders`), a call srcad cannot see into (``x`` one of its
    targets: the method may change it). A method without a rule may change its arguments (``rng.
    shuffle(y)``): they are its targets too."""
    holder = (held or {}).get(func.value.id) if isinstance(func.value, gast.Name) else None
    passed = tuple(a.id for a in list(node.args) + list(keywords.values())
                   if isinstance(a, gast.Name) and a.id in locals_ and a.id not in targets)
    if holder is OPAQUE:
        op = _apply(targets + (func.value.id,) + passed, None, [func.value] + node.args, keywords,
                    node, f"'{func.value.id}.{func.attr}()': '{func.value.id}' may not be an array, "
                    "and srcad cannot see into its method")
        if array_namespaces.assigned_by_getter(func.value.id, parsed):
            op.reason = (f"srcad cannot tell which array namespace '{func.value.id}' holds here, "
                         f"so it cannot differentiate '{func.value.id}.{func.attr}()'")
            op.hint = array_namespaces.HINT
        return op
    if holder is not None:  # a module
        obj = getattr(holder, func.attr, None)
        what = f"'{func.value.id}.{func.attr}' ({holder.__name__}.{func.attr})"
        return _call_object(targets, obj, node, keywords, what, parsed, locals_)
    fn = rules.METHODS.get(func.attr)
    args = node.args
    if func.attr in rules.PACKED_METHODS and len(args) > 1:
        args = [gast.Tuple(elts=list(args), ctx=gast.Load())]
    what = f"method '.{func.attr}()'"
    receiver = func.value.id if isinstance(func.value, gast.Name) else None
    if fn is None and func.attr in ("values", "items"):  # a dict's view, outside a for header
        what += (f" (a dict's values are followed in 'for v in {func.value.id}.{func.attr}()' and "
                 f"'{func.value.id}[key]': write the loop, or a list of {func.value.id}[key])")
    op = _apply(targets if fn else targets + passed, rules.lookup(fn) if fn else None,
                [func.value] + args, keywords, node, what)
    if op.kind is OpKind.RULE and op.rule.params is not None:
        op.receiver = receiver  # (checked once activity is known: passes.receivers)
    return _integer_cast(op, parsed, locals_)


def _integer_cast(op, parsed, locals_):
    """``x.astype(int)`` (``np.astype(x, np.int32)``): no gradient, as NumPy's ``floor``; its
    result carries no dependence on what is differentiated (so ``c.take(idx)`` with it is
    plain). ``op`` itself for any other."""
    if op.kind is not OpKind.RULE or op.rule not in (rules.lookup(rules.astype),
                                                     rules.lookup(getattr(np, "astype", None))):
        return op
    node = op.args.get("dtype")
    if isinstance(node, gast.Constant):
        dtype = node.value
    elif parsed is not None and isinstance(node, (gast.Name, gast.Attribute)) \
            and _is_static(node, locals_):
        dtype = resolve_static(node, parsed)
    else:
        return op
    try:
        kind = np.dtype(dtype).kind
    except TypeError:
        return op
    return Op(OpKind.RULE, op.targets, _NONDIFF, {}, op.node) if kind in "iub" else op


def _side_effect(targets, node, keywords, parsed, locals_, held, sequences):
    """A call that changes a local in place or reads locals it is not passed
    (:func:`~srcad.passes.holders.changed_by`): an ``OpKind.UNKNOWN`` whose targets include what it
    may change, so it is refused if a gradient flows through it or what it changed. Else None."""
    change = holders.changed_by(node, keywords, parsed, locals_, held, sequences)
    if change is None:
        return None
    names, reason = change
    everything = {f"arg{k}": a for k, a in enumerate([node.func] + list(node.args))}
    everything.update({f"kw_{k}": v for k, v in keywords.items()})
    everything.update({f"changed_{n}": load(n) for n in names})
    return Op(OpKind.UNKNOWN, targets + tuple(n for n in names if n not in targets),
              args=everything, node=node, reason=reason)


def _call_object(targets, obj, node, keywords, what, parsed, locals_) -> Op:
    """A call to a known object: its rule if it has one, else its composite rule's implementation
    (:mod:`srcad.rules.composites`), else its source if it is a Python function of the user's (a
    custom_vjp without a VJP yet counts as its function); a function of an installed library
    without a rule is refused (:func:`~.user_calls.library_function`)."""
    if obj is build:  # an object built by its __init__ (srcad.passes.constructors)
        return user_calls.initializer_call(targets, node, keywords, parsed, locals_)
    derived_rule = getattr(obj, "_srcad_rule", None)  # a call to srcad.grad(f) (api.Derived)
    if derived_rule is not None and rules.lookup(obj) is None and derived_rule() is not None:
        return _apply(targets, derived_rule(), node.args, keywords, node, what)
    if rules.lookup(obj) is None and isinstance(obj, checkpoint):
        op = _call_object(targets, obj.fn, node, keywords, what, parsed, locals_)
        if op.kind is OpKind.CALL:
            op.recompute = True
        return op
    composite = composites.lookup(obj) if rules.lookup(obj) is None else None
    if composite is not None:  # a NumPy function differentiated through srcad's implementation
        return user_calls.composite_call(targets, composite, node, keywords, what, parsed, locals_)
    if rules.lookup(obj) is None and isinstance(obj, custom_vjp):
        obj = obj.fn  # no VJP given yet: differentiate its source
    if rules.lookup(obj) is None and isinstance(obj, types.FunctionType):
        library = user_calls.library_function(obj)
        if library is not None:  # a library's private source is never read
            return _apply(targets, None, node.args, keywords, node, f"'{library}'")
        return user_calls.user_call(targets, obj, node, keywords, what, parsed, locals_)
    return _integer_cast(_apply(targets, rules.lookup(obj), node.args, keywords, node, what),
                         parsed, locals_)


def _apply(targets, rule, args, keywords, node, what) -> Op:
    everything = {f"arg{k}": a for k, a in enumerate(args)}
    everything.update({f"kw_{k}": v for k, v in keywords.items()})
    if rule is None:
        return Op(OpKind.UNKNOWN, targets, args=everything, node=node,
                  reason=f"srcad has no gradient rule for {what}")
    candidates = [rule] + rules.overloads_of(rule)
    for candidate in candidates:
        try:
            bound = candidate.bind(list(args), keywords)
        except TypeError as exc:
            error = exc
            continue
        rule = candidate
        break
    else:
        return Op(OpKind.UNKNOWN, targets, args=everything, node=node, reason=str(error))
    if not rule.differentiable:  # (its facts kept: np.zeros_like is fresh)
        return Op(OpKind.RULE, targets, _nondiff(rule), {}, node)
    if rule.vararg is not None:
        bound[rule.vararg] = gast.Tuple(elts=bound[rule.vararg], ctx=gast.Load())
    return Op(OpKind.RULE, targets, rule, bound, node)


def _nondiff(rule):
    """:data:`_NONDIFF` with the facts of ``rule`` (a function without a gradient)."""
    return dataclasses.replace(_NONDIFF, fresh=True) if rule.fresh else _NONDIFF


def _op_text(op) -> str:
    return f"the operator '{type(op).__name__}'"
