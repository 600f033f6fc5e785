"""The front half of the pipeline, passes 1 to 7: what every mode and check_grads run first.

Accepts: a user's Python function (or a nested def, :class:`srcad.passes.parse.NestedFunction`), the
names of the parameters to differentiate, and ``static``: the functions its called parameters hold
(and ``"*args"``: how many extra positional arguments it gets).
Guarantees: the passes parse, fence, lower, desugar, anf (A-normal form), ops and activity run
in that order, each followed by :func:`srcad.hooks.after` (so ``SRCAD_DEBUG_PASSES=1`` prints the
program after each, with the facts of ops and activity). :func:`analyse` runs all seven for reverse
mode and returns an :class:`Analysed`; :mod:`srcad.pipeline` (grad, vjp, jvp) and
:mod:`srcad.tools.localize` (check_grads) both call these functions, so they analyse the same program.
"""

from __future__ import annotations

import dataclasses

from .hooks import after
from .naming import Namer
from .passes import activity as activity_pass
from .passes.fence import fence
from .passes.lower import lower
from .passes.anf import anf
from .passes.desugar import desugar
from .passes.ops import classify, sequence_names
from .passes.parse import NestedFunction, parse
from .passes.syntax import simple_statements
from .printer import Pass
from .rules.template import Helpers


def read_function(fun, wrt, static):
    """Passes 1 and 2, parse and fence. Returns ``(parsed, fun, wrt, namer)``: ``fun`` the user's
    Python function (a nested def's enclosing one), ``wrt`` with ``*k`` (the k-th extra positional
    argument) replaced by its parameter's name. ``static`` maps parameters to the functions they
    hold (and ``"*args"`` to how many extra arguments there are)."""
    if isinstance(fun, NestedFunction):
        parsed, fun = fun.parsed(), fun.parent.fn
    else:
        parsed = parse(fun)
    static = dict(static or {})
    if "*args" in static:
        parsed.specialize_varargs(static.pop("*args"))
        varargs = [n for names in parsed.varargs.values() for n in names]
        wrt = [varargs[int(p[1:])] if p.startswith("*") else p for p in wrt]
    parsed.static = {k: v for k, v in static.items() if k in parsed.called_parameters()}
    after(Pass.PARSE, parsed.tree.name, parsed.tree)
    fence(parsed)
    after(Pass.FENCE, parsed.tree.name, parsed.tree)
    namer = Namer.for_function(parsed.tree)
    return parsed, fun, wrt, namer


def to_anf(parsed, namer):
    """Passes 3 to 6: lower, desugar, anf (A-normal form) and ops. Returns
    ``(normalized, helpers, ops, out)``: ``ops`` maps each simple statement to its
    :class:`~srcad.passes.ops.Op`, ``out`` is the name the function returns."""
    name = parsed.tree.name
    parsed.tree = lower(parsed.tree, namer)
    after(Pass.LOWER, name, parsed.tree)
    desugared = desugar(parsed, namer)
    after(Pass.DESUGAR, name, desugared.tree)
    normalized = anf(parsed, desugared, namer)
    after(Pass.ANF, name, normalized.tree)
    helpers = Helpers(namer, parsed.namespace, normalized.locals)
    simple = list(simple_statements(normalized.tree.body))
    sequences = sequence_names(simple)
    ops = {stmt: classify(stmt, parsed, normalized.locals, helpers, sequences) for stmt in simple}
    after(Pass.OPS, name, normalized.tree, ops=ops)
    out = normalized.tree.body[-1].value.id
    return normalized, helpers, ops, out


def analyse_activity(normalized, ops, wrt, out, shared=(), constants=frozenset()):
    """Pass 7, activity, for the parameters ``wrt`` and the output ``out`` (``shared`` and
    ``constants``: see :func:`srcad.passes.activity.analyze`)."""
    activity = activity_pass.analyze(list(ops.values()), list(wrt), [out], shared, constants)
    after(Pass.ACTIVITY, normalized.tree.name, normalized.tree, ops=ops, activity=activity)
    return activity


@dataclasses.dataclass
class Analysed:
    """A function through the front half (passes 1 to 7), as reverse mode sees it."""

    parsed: object
    fun: object        # the user's Python function (for a nested def: the enclosing one)
    wrt: list
    namer: Namer
    normalized: object
    helpers: Helpers
    ops: dict
    out: str
    activity: object


def analyse(fun, wrt, static=None) -> Analysed:
    """The front half for reverse mode, run on ``fun``: what :func:`derive` sees before it
    differentiates, and what check_grads checks line by line."""
    parsed, fun, wrt, namer = read_function(fun, wrt, static)
    normalized, helpers, ops, out = to_anf(parsed, namer)
    activity = analyse_activity(normalized, ops, wrt, out)
    return Analysed(parsed, fun, list(wrt), namer, normalized, helpers, ops, out, activity)
