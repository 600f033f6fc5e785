"""Pass 10, reverse: assignments in loops that compute the same value in every iteration.

Accepts: the A-normal-form statements of a function, their :class:`srcad.passes.ops.Op`, and its
parameters.
Guarantees: :func:`loop_invariants` returns the assignments ``t = rule(a, b, ...)`` inside a loop
whose value is the same every time they run, so the primal sweep need not save ``t`` before each
one (``dt_times_k = dt * k`` in ``while t < T:`` where ``dt`` and ``k`` never change): each holds
when, for the outermost loop ``L`` around it,

* ``t`` is assigned by this statement only, in the whole function (no other assignment, parameter,
  loop variable or write into ``t``);
* the rule is a differentiable primitive (a function of its operands: no draw, no user's VJP);
* every name the statement reads is assigned nowhere in ``L``, or is itself such an invariant;
* nothing in ``L`` changes a value in place: every simple statement of ``L`` is a primitive
  assigning only its own targets, an unpacking, or a statement with no value (a loop counter,
  ``print``, ``break``) -- no call to a user's function, no write into an array or list, no
  statement srcad has no rule for, no ``try``.

Then ``t`` holds one value from its first assignment on: every read of it in the backward sweep
sees the value its statement saw.
"""

from __future__ import annotations

import collections

import gast

from ..ops import OpKind
from ..syntax import loads, simple_statements

_PLAIN = (gast.Break, gast.Continue, gast.Pass, gast.AugAssign, gast.Assert, gast.Raise)


def loop_invariants(stmts, ops, params) -> set:
    """See the module docstring: the invariant assignment statements."""
    stores = collections.Counter(n.id for stmt in stmts for n in gast.walk(stmt)
                                 if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store))
    for op in ops.values():  # (a write into part of t, a change by a method: t is a target)
        stores.update(op.targets)
    found: set = set()
    for loop in _outermost_loops(stmts):
        found |= _invariants(loop, ops, stores, set(params))
    return found


def _outermost_loops(stmts):
    for stmt in stmts:
        if isinstance(stmt, (gast.For, gast.While)):
            yield stmt
        elif isinstance(stmt, gast.If):
            yield from _outermost_loops(stmt.body)
            yield from _outermost_loops(stmt.orelse)
        elif isinstance(stmt, gast.With):
            yield from _outermost_loops(stmt.body)


def _invariants(loop, ops, stores, params) -> set:
    if any(isinstance(n, gast.Try) for n in gast.walk(loop)):
        return set()
    written = {n.id for n in gast.walk(loop)
               if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}
    candidates = []
    for stmt in simple_statements(loop.body):
        op = ops.get(stmt)
        if op is None:
            if not isinstance(stmt, _PLAIN):
                return set()
            continue
        own = {n.id for n in gast.walk(stmt)
               if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}
        if op.kind not in (OpKind.RULE, OpKind.UNPACK, OpKind.EFFECT) \
                or not set(op.targets) <= own \
                or (op.kind is OpKind.RULE and (op.rule is None or op.rule.custom is not None)):
            return set()  # it may change a value in place, or run code srcad does not see
        written |= set(op.targets)
        if op.kind is OpKind.RULE and op.rule.vjps and isinstance(stmt, gast.Assign) \
                and len(op.targets) == 1 and isinstance(stmt.targets[0], gast.Name) \
                and stmt.targets[0].id == op.targets[0]:
            target = op.targets[0]
            # assigned here only: one Store of the name, and one Op with it among its targets
            if stores[target] == 2 and target not in params:
                candidates.append(stmt)
    found: set = set()
    grew = True
    while grew:
        grew = False
        invariant_names = {ops[s].targets[0] for s in found}
        for stmt in candidates:
            if stmt in found:
                continue
            reads = loads([stmt.value])
            if all(n not in written or n in invariant_names for n in reads):
                found.add(stmt)
                grew = True
    return found
