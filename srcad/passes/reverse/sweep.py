"""Pass 10, reverse: the backward sweep -- the statements from last to first, each one's adjoint.

Accepts: the A-normal-form statements of a function, its :class:`srcad.passes.codegen.Context`, its
:class:`srcad.passes.reverse.saves.Sites`, the shapes facts of :mod:`srcad.passes.shapes`, and
``callees`` (the forward/backward pair of a called user function).
Guarantees: :meth:`Sweep.block` returns the backward sweep. Each statement assigning an active
variable gets one assignment per operand that needs a gradient, instantiated from the rule table
(:mod:`.adjoints`: one statement's adjoint, by kind; this module walks the control flow). The
first contribution to an adjoint assigns it, later ones add to it (gradients arriving by several
paths are summed). ``if c:`` becomes ``if c:`` over the reversed branches; a loop becomes ``for _ in
range(<trip count>):`` (or ``for i in reversed(range(...)):``, :mod:`.loops`) over its reversed
body. A list changed by its methods has a list of adjoints changed back with it (:mod:`.lists`). Where control flow joins, an adjoint that only one path
assigned is zero on the other (``dx = zeros_like(x)``). Before and after each statement's adjoint
stand :class:`srcad.passes.reverse.saves.Marker` s, which :mod:`srcad.passes.reverse.saves` turns into
the restores that are needed. ``defined`` (name -> True) is the set of adjoints assigned so far on the
current path; each method updates it as the sweep moves up.
"""

from __future__ import annotations

import gast

from ..codegen import has_code
from ..written import float_arrays
from ..ops import OpKind
from ..statements import backward
from ..syntax import assign, assigned, call, is_simple, load, loads, store
from . import adjoints
from .loops import replayed_range
from .saves import Marker, Step
from .saves import entry as loop_entry


class Sweep:
    """The backward sweep of one function (see the module docstring)."""

    def __init__(self, ctx, comments, sites, facts, callees, live):
        self.ctx = ctx
        self.comments = comments
        self.sites = sites
        self.facts = facts        # srcad.passes.shapes.Shapes
        self.callees = callees
        self.live = live          # if/loop -> adjoints the sweep may still read after it
        self.rewrites: dict = {}  # a call statement -> its primal form (calls the forward function)
        self.reverse_loops: set = set()  # the loops of the backward sweep (dropped if empty)
        self.body_of: dict = {}  # a loop -> its backward body
        self.floats = float_arrays(ctx.ops, ctx.parsed, ctx.normalized.tree)  # x[i] = v: no cast

    def block(self, stmts, defined, parent=None) -> list:
        """The heart of reverse mode: walk ``stmts`` last to first and emit each one's adjoint."""
        pairs = []
        for stmt in reversed(stmts):
            if isinstance(stmt, gast.If):
                pairs.append((stmt, self.if_(stmt, defined)))
            elif isinstance(stmt, (gast.For, gast.While)):
                pairs.append((stmt, self.loop(stmt, defined)))
            elif isinstance(stmt, (gast.With, gast.Try)):
                pairs.append((stmt, self.block_of(stmt, defined)))
            else:
                pairs.append((stmt, self.simple(stmt, defined)))
        return self.comments.with_comments(pairs, parent)

    def block_of(self, stmt, defined) -> list:
        """A ``with`` or ``try`` (:mod:`srcad.passes.statements`): its body ran to its end; its
        backward sweep runs under the same context managers (a ``try``'s: as it is)."""
        body = self.block(stmt.body, defined, stmt)
        if not has_code(body):
            return []
        return backward(stmt, body, self.ctx.parsed.namespace)

    def if_(self, stmt, defined) -> list:
        then_defined, else_defined = dict(defined), dict(defined)
        body = self.block(stmt.body, then_defined, stmt)
        orelse = self.block(stmt.orelse, else_defined, stmt)
        live = self.live[stmt]
        joined = {n: True for n in {**then_defined, **else_defined}
                  if n in live or (n in then_defined and n in else_defined)}
        body += [self.zero(n) for n in joined if n not in then_defined]
        orelse += [self.zero(n) for n in joined if n not in else_defined]
        defined.clear()
        defined.update(joined)
        if not has_code(body) and not has_code(orelse):
            return []  # nothing to undo or differentiate in either branch (e.g. 'if flag: break')
        return [gast.If(test=stmt.test, body=body, orelse=orelse)]

    def loop(self, stmt, defined) -> list:
        active = self.ctx.activity
        # names the loop reads or writes, also through a call's hidden arguments (a nested def's
        # captured variables)
        occurring = [n for n in assigned([stmt]) + sorted(loads(stmt.body)
                                                          | operand_names(stmt.body, self.ctx.ops))
                     if active.is_active(n)]
        local = self.iteration_local(stmt, defined)
        before = []
        for name in dict.fromkeys(occurring):
            if name not in defined and name not in local:
                before.append(self.zero(name))
                defined[name] = True
        entry = dict(defined)
        body = self.block(stmt.body, defined, stmt)
        body += [self.zero(n) for n in entry if n not in defined and n in self.live[stmt]]
        entry = {n: True for n in entry if n in defined or n in self.live[stmt]}
        defined.clear()
        defined.update(entry)
        self.body_of[stmt] = body
        count = self.ctx.normalized.loop_counts[stmt]
        replayed = replayed_range(self, stmt, count) if isinstance(stmt, gast.For) else None
        if replayed is not None:  # for i in reversed(range(n)): i is not saved
            self.sites.drop(stmt)
            target, header = store(stmt.target.id), replayed
        else:
            if isinstance(stmt, gast.For):
                body.insert(0, Marker(Step.POP, self.sites.of(stmt)))
            namer = self.ctx.namer
            target = store("_" if "_" not in namer.taken else namer.fresh("step"))
            header = call(self.ctx.helpers.name("range"), load(count))
        loop = gast.For(target=target, iter=header, body=body, orelse=[], type_comment=None)
        self.reverse_loops.add(loop)
        after = self.sites.of(loop_entry(stmt)) if isinstance(stmt, gast.For) else []
        return before + [loop] + ([Marker(Step.POST, after)] if after else [])

    def iteration_local(self, loop, defined) -> set:
        """Active names whose adjoint starts afresh in every iteration: not yet needed after the
        loop, and first met in the body as the target of one of its top-level statements."""
        seen, local = set(), set()
        for stmt in loop.body:
            if is_simple(stmt):
                seen.update(loads([stmt]))
                for name in assigned([stmt]):
                    if name not in seen and name not in defined:
                        local.add(name)
                    seen.add(name)
            else:
                seen.update(node.id for node in gast.walk(stmt) if isinstance(node, gast.Name))
        return local

    def simple(self, stmt, defined) -> list:
        op = self.ctx.ops.get(stmt)
        if op is None or op.kind is OpKind.EFFECT:
            return []
        adjoint = adjoints.adjoint(self, stmt, op, defined, self.sites.of(stmt))
        if self.ctx.options.debug_nans:
            adjoint = adjoints.check_finite(self, stmt, op, adjoint)
        sites = self.sites.of(stmt)  # a call may have added the site of its saved values
        loop_sites = [s for s in sites if s.in_loop]
        pre = [Marker(Step.PRE, loop_sites)] if loop_sites else []
        return pre + adjoint + ([Marker(Step.POST, sites)] if sites else [])

    def zero(self, name):
        return assign(self.ctx.namer.adjoint(name), self.zero_of(name))

    def zero_of(self, name):
        """``zeros_like(name)``; ``0.0`` for a parameter that holds a Python float in every call
        this specialization serves (:attr:`srcad.passes.shapes.Shapes.floats`)."""
        if name in self.facts.floats:
            return gast.Constant(value=0.0, kind=None)
        return call(self.ctx.helpers.name("zeros_like"), load(name))

    def accumulate(self, name, exprs, defined):
        """``dname = e1 + e2 + ...``, or ``dname = dname + ...`` if it is already assigned; None
        for ``dname = dname`` (``z = z + e``, where ``z``'s new adjoint is its old one's)."""
        adj = self.ctx.namer.adjoint(name)
        if name not in defined and len(exprs) == 1 and isinstance(exprs[0], gast.Name) \
                and exprs[0].id == adj:
            defined[name] = True
            return None
        if name in defined:
            exprs = [load(adj)] + exprs
        total = exprs[0]
        for extra in exprs[1:]:
            total = gast.BinOp(left=total, op=gast.Add(), right=extra)
        defined[name] = True
        return assign(adj, total)


def operand_names(stmts, ops) -> set:
    """Names whose adjoint the reverse of ``stmts`` may read: the differentiable operands (their
    adjoints accumulate) and the targets of operations with any (their adjoint is ``g``)."""
    names = set()
    for stmt in stmts:
        if is_simple(stmt):
            op = ops.get(stmt)
            if op is not None:
                operands = [name for _, name in op.diff_operands()]
                names.update(operands)
                if operands:
                    names.update(op.targets)
        else:
            names |= operand_names(stmt.body + getattr(stmt, "orelse", []), ops)
    return names


def live_adjoints(stmts, ops, wrt) -> dict:
    """For each if and loop, the names used as operands before it, or anywhere in a loop around
    it (the backward sweep reaches those later), and ``wrt`` (the gradients returned are read
    last). Any other adjoint is dead once the sweep has passed the if or loop: no zero needs to be
    made for it there."""
    live: dict = {}
    _live(stmts, ops, set(), frozenset(wrt), live)
    return live


def _live(stmts, ops, before: set, enclosing: frozenset, live: dict) -> None:
    for stmt in stmts:
        if is_simple(stmt):
            before |= operand_names([stmt], ops)
            continue
        inner = enclosing
        if isinstance(stmt, (gast.For, gast.While)):
            inner = enclosing | operand_names(stmt.body, ops)
        live[stmt] = set(before) | inner
        for block in (stmt.body, getattr(stmt, "orelse", [])):
            _live(block, ops, set(before), inner, live)
        before |= operand_names(stmt.body + getattr(stmt, "orelse", []), ops)
