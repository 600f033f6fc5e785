"""The front half of the pipeline, passes 1 to 7: what every mode and check_grads run first.

Accepts: a user's Python function (or a nested def, :class:`srcad.passes.parse.NestedFunction`), the
names of the parameters to differentiate (an :class:`~srcad.passes.parse.ExtraArgument` for an
argument its ``*args`` takes, a :class:`~srcad.passes.closures.ClosureArgument` for a value a
function made by the caller carries), and ``static``, a
:class:`~srcad.passes.parse.Specialization`: the functions its called parameters hold (a
:class:`~srcad.passes.closures.Closure` for one the caller made: a keyword parameter per value
it carries is added), how many extra positional arguments it gets, the keyword arguments its
``**kwargs`` gets and the kinds of the objects it is passed (:mod:`srcad.passes.kinds`).
Guarantees: :func:`analyse` runs parse, fence, lower, desugar, anf, ops and activity in that order,
one call each, each followed by :func:`srcad.hooks.after` (so ``SRCAD_DEBUG_PASSES=1`` prints the
program after each, with the facts of ops and activity), and returns an :class:`Analysed`.
:mod:`srcad.pipeline` (grad, vjp, jvp) and :mod:`srcad.tools.localize` (check_grads) both call it,
so they analyse the same program.
"""

from __future__ import annotations

import dataclasses

import gast

from .hooks import after
from .naming import Namer
from .passes import activity as activity_pass
from .passes import alias, array_namespaces, closures, objects
from .passes.anf import anf
from .passes.initializer import initializer_tree
from .passes.desugar import desugar
from .passes.fence import fence
from .passes.idioms import rewrite_idioms
from .passes.lambdas import rewrite_lambdas
from .passes.forward import tangent_parameter_names
from .passes.lists import changed_list
from .passes.lower import lower
from .passes.reduce import lower_reduce
from .passes.ops import Op, OpKind, classify, sequence_names
from .passes.receivers import method_refusal
from .passes.parse import ExtraArgument, NestedFunction, Specialization, local_names, parse
from .passes.syntax import simple_statements
from .printer import Pass
from .rules.python import NONDIFF
from .rules.template import Helpers


@dataclasses.dataclass
class Analysed:
    """A function through the front half (passes 1 to 7)."""

    parsed: object      # srcad.passes.parse.Parsed; its tree as lowered (pass 3)
    fun: object         # the user's Python function (for a nested def: the enclosing one)
    wrt: list           # the parameters differentiated (an ExtraArgument resolved to its name)
    namer: Namer
    normalized: object  # srcad.passes.anf.Normalized (pass 5)
    helpers: Helpers
    ops: dict           # simple statement -> srcad.passes.ops.Op (pass 6)
    out: str            # the name the function returns
    activity: object    # srcad.passes.activity.Activity (pass 7)
    tangents: list      # forward mode: the tangent parameters' names, one per ``wrt``


def analyse(fun, wrt, static=None, *, forward=False) -> Analysed:
    """Passes 1 to 7 on ``fun`` with respect to the parameters ``wrt``. ``forward``: for forward
    mode, whose tangent parameters are named before anything else (so that a caller derives the
    same names), and whose activity follows writes through shared arrays."""
    parsed, fun, wrt = _read(fun, wrt, static)                              # 1
    name = parsed.tree.name
    after(Pass.PARSE, name, parsed.tree)
    lower_reduce(parsed)  # (functools.reduce as the loop it runs: passes.reduce)
    rewrite_idioms(parsed)  # (d.update(m), a, b = zip(*rows) as Python runs them: passes.idioms)
    rewrite_lambdas(parsed)  # (each lambda a nested def, for the fence to check: passes.lambdas)
    fence(parsed)                                                           # 2
    array_namespaces.insert_checks(parsed, local_names(parsed.tree))  # (a callee's getters)
    after(Pass.FENCE, name, parsed.tree)
    namer = Namer.for_function(parsed.tree)
    tangents = tangent_parameter_names(namer, wrt) if forward else []
    parsed.tree = lower(parsed.tree, namer)                                 # 3
    after(Pass.LOWER, name, parsed.tree)
    desugared = desugar(parsed, namer)                                      # 4
    after(Pass.DESUGAR, name, desugared.tree)
    normalized = anf(parsed, desugared, namer)                              # 5
    after(Pass.ANF, name, normalized.tree)
    helpers, ops = _classify(parsed, normalized, namer)                     # 6
    after(Pass.OPS, name, normalized.tree, ops=ops)
    out = normalized.tree.body[-1].value.id
    if forward:                                                             # 7
        activity = activity_pass.analyze(list(ops.values()), wrt, [out], alias.shared_writes(ops),
                                         _stack_constants(parsed, normalized, ops))
    else:
        activity = activity_pass.analyze(list(ops.values()), wrt, [out])
    after(Pass.ACTIVITY, name, normalized.tree, ops=ops, activity=activity)
    for op in ops.values():  # (a method of a value taken for an array, given a varied value)
        refusal = method_refusal(op, activity.varied, parsed.location(op.node)) \
            if op.receiver is not None else None
        if refusal is not None:
            raise refusal
    return Analysed(parsed, fun, wrt, namer, normalized, helpers, ops, out, activity, tangents)


def _read(fun, wrt, static):
    """Pass 1, parse (and its specialization to the call, ``static``, a
    :class:`~srcad.passes.parse.Specialization` or ``None``): ``(parsed, fun, wrt)``, ``fun`` the
    user's Python function (a nested def's enclosing one), ``wrt`` with each
    :class:`~srcad.passes.parse.ExtraArgument` replaced by its parameter's name."""
    callee = fun
    if isinstance(fun, NestedFunction):
        parsed, fun = fun.parsed(), fun.parent.fn
    else:
        parsed = parse(fun)
    static = static or Specialization()
    # a function made by the caller: a parameter per value it carries (passes.closures)
    closure_arguments = closures.add_parameters(parsed, callee, static.functions)
    wrt = [closure_arguments[(p.param, p.slot)] if isinstance(p, closures.ClosureArgument) else p
           for p in wrt]
    if static.initializer is not None:  # '__init__' building an object (passes.initializer)
        initializer_tree(parsed, static.initializer)
    if static.extra_arguments is not None:
        parsed.specialize_varargs(static.extra_arguments)
        varargs = [n for names in parsed.varargs.values() for n in names]
        wrt = [varargs[p.index] if isinstance(p, ExtraArgument) else p for p in wrt]
    # (vjp, jvp, check_grads and srcad.source take no keyword arguments: 'None' is none)
    parsed.specialize_kwargs(static.keywords or ())
    called = parsed.called_parameters()
    parsed.static = {k: v for k, v in static.functions
                     if k in called or isinstance(v, closures.Closure)}
    parsed.mappings = frozenset(static.mappings)
    parsed.namespaces = dict(static.namespaces)
    parsed.speculated = dict(static.speculated)
    varargs = [n for names in parsed.varargs.values() for n in names]
    parsed.kinds = {varargs[p.index] if isinstance(p, ExtraArgument) else p: kind
                    for p, kind in static.objects
                    if not isinstance(p, ExtraArgument) or p.index < len(varargs)}
    return parsed, fun, list(wrt)


def _classify(parsed, normalized, namer):
    """Pass 6, ops: calls on objects resolved to their classes' functions
    (:mod:`srcad.passes.objects`), then the :class:`~srcad.passes.ops.Op` of every simple
    statement, and the
    :class:`~srcad.rules.template.Helpers` its templates will use."""
    helpers = Helpers(namer, parsed.namespace, normalized.locals)
    helpers.bound.update(parsed.namespace.extra)  # (what pass 4 bound: srcad.passes.desugar)
    objects.resolve(parsed, normalized, namer, helpers)  # methods of objects: calls of functions
    helpers.local_names = normalized.locals
    simple = list(simple_statements(normalized.tree.body))
    sequences = sequence_names(simple, parsed)
    ops = {stmt: Op(OpKind.RULE, (stmt.targets[0].id,), NONDIFF, {}, stmt.value)
           if stmt in normalized.constants  # (a mapping's keys, listed by pass 5)
           else classify(stmt, parsed, normalized.locals, helpers, sequences)
           for stmt in simple}
    closures.check_uses(parsed, ops, normalized.origin)  # functions made here: called or passed
    return helpers, ops


def _stack_constants(parsed, normalized, ops) -> frozenset:
    """In code srcad generated (forward mode over a gradient), the variables that hold integers or
    booleans: loop indices and trip counts, and variables assigned values with no derivative (a
    branch's condition) and otherwise only values popped from the stack. The stack gives back to
    a variable only values that variable held (srcad saves and restores each one in place), so a
    popped value is one of those. (In a user's function a list may be used otherwise: there,
    nothing is assumed; nor for a user's list in the generated code, see below.)"""
    if not parsed.filename.startswith("<srcad "):
        return frozenset()
    loops = {n.target.id for n in gast.walk(normalized.tree) if isinstance(n, gast.For)
             and isinstance(n.target, gast.Name)}
    # a pop gives back a value its target held if the list is pushed to only before it is popped
    # and the target is pushed to it (a user's list in the gradient's code is not: the backward
    # sweep undoes the user's pops by pushes, or the target is never pushed)
    popped, mixed, pushed = set(), set(), set()
    for op in ops.values():
        items = changed_list(op)
        if items is not None and (items in popped or op.kind not in (OpKind.APPEND, OpKind.POP)):
            mixed.add(items)
        if op.kind is OpKind.POP:
            popped.add(items)
        if op.kind is OpKind.APPEND and isinstance(op.args["value"], gast.Name):
            pushed.add((items, op.args["value"].id))
    constant, other = set(), set()
    for op in ops.values():
        if op.kind is OpKind.APPEND:
            other.add(op.targets[0])  # the stack itself holds what is pushed
        if op.kind is OpKind.APPEND or (op.kind is OpKind.POP and op.args["x"].id not in mixed
                                        and (op.args["x"].id, op.targets[0]) in pushed):
            continue
        for target in op.targets:
            if op.kind is OpKind.RULE and not op.rule.differentiable:
                constant.add(target)
            else:
                other.add(target)
    return frozenset(loops | (constant - other))
