"""Pass 10, reverse: the backward sweep -- the statements from last to first, each one's adjoint.

Accepts: the A-normal-form statements of a function, its :class:`srcad.passes.codegen.Context`, its
:class:`srcad.passes.reverse.saves.Sites`, the shapes facts of :mod:`srcad.passes.shapes`, and
``callees`` (the forward/backward pair of a called user function).
Guarantees: :meth:`Sweep.block` returns the backward sweep. Each statement assigning an active
variable gets one assignment per operand that needs a gradient, instantiated from the rule table. The
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

from ...errors import NoGradientRuleError
from ...rules.template import instantiate
from ..codegen import has_code
from ..value_kinds import real_atom
from ..written import float_arrays
from ..ops import OpKind
from ..statements import backward
from ..syntax import assign, assigned, call, is_simple, load, loads, store
from ..lists import kinds as list_kinds
from . import calls, lists
from .loops import pop_in_place, replayed_range
from .saves import Marker, Site, Step
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
        adjoint = self.adjoint(stmt, op, defined, self.sites.of(stmt))
        if self.ctx.options.debug_nans:
            adjoint = self.check_finite(stmt, op, adjoint)
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

    # -- one statement's adjoint, by kind ----------------------------------------------------------

    def adjoint(self, stmt, op, defined, sites) -> list:
        if op.kind in list_kinds():
            return self.list_method(stmt, op, defined)
        if op.kind is OpKind.SETITEM:
            return self.setitem(op, defined)
        if op.kind is OpKind.CALL or (op.kind is OpKind.RULE and op.rule.custom is not None):
            return self.call(stmt, op, defined, sites)
        live = [t for t in op.targets if t in defined]
        for t in op.targets:  # the variables assigned here held other values before this statement
            defined.pop(t, None)
        if not live:
            return []
        active = self.ctx.activity
        if op.kind is OpKind.UNKNOWN:
            if any(active.is_active(name) for _, name in op.diff_operands()):
                raise op.error(self.ctx.location(op.node))
            return []
        old = {s.var: self.sites.saved_name(s) for s in sites if s.var in
               {name for _, name in op.diff_operands()}}  # operands this statement overwrites
        if op.kind is OpKind.UNPACK:
            contributions = self.unpack(op, live, old)
        else:
            contributions = self.rule(op, old)
        # The statement's own target last: its adjoint is the ``g`` every other template reads.
        order = sorted(contributions, key=lambda name: name in op.targets)
        statements = [self.accumulate(name, contributions[name], defined) for name in order]
        statements = [s for s in statements if s is not None]
        if not self.ctx.options.debug_nans:
            pop_in_place(sites, old, statements)
        return statements

    def unpack(self, op, live, old) -> dict:
        x = op.args["x"]
        parts = [load(self.ctx.namer.adjoint(t)) if t in live
                 else gast.Constant(value=None, kind=None) for t in op.targets]
        expr = call(self.ctx.helpers.name("unpack_adjoint"),
                    gast.Tuple(elts=parts, ctx=gast.Load()), load(old.get(x.id, x.id)))
        return {x.id: [expr]} if self.ctx.activity.is_active(x.id) else {}

    def rule(self, op, old) -> dict:
        """One template per active operand, reading the old value of an operand it overwrote."""
        ctx = self.ctx
        bindings = dict(op.args)
        for operand, name in op.diff_operands():
            if name in old and operand.index is not None:  # an overwritten *operands entry
                bindings[operand.param] = gast.Tuple(elts=[
                    load(old[e.id]) if isinstance(e, gast.Name) and e.id in old else e
                    for e in bindings[operand.param].elts], ctx=gast.Load())
            elif name in old:
                bindings[operand.param] = load(old[name])
        bindings["g"] = load(ctx.namer.adjoint(op.targets[0]))
        bindings["ans"] = load(op.targets[0])
        contributions: dict[str, list] = {}
        for operand, name in op.diff_operands():
            if not ctx.activity.is_active(name):
                continue
            if operand.param not in op.rule.vjps:  # a rule for forward mode only
                raise NoGradientRuleError(
                    f"srcad has no reverse-mode rule for {op.rule.name} with respect to "
                    f"'{_text(operand)}' (it has a forward-mode rule only)", ctx.location(op.node),
                    hint="differentiate this code in forward mode (srcad.jvp, srcad.hvp)")
            local = bindings if operand.index is None else {
                **bindings, "k": gast.Constant(value=operand.index, kind=None)}
            expr = instantiate(op.rule.vjps[operand.param], local, ctx.helpers,
                               ctx.options.optimize)
            if ctx.options.optimize:
                expr = self.drop_unbroadcast(self.drop_real_check(expr), op, operand)
            contributions.setdefault(name, []).append(expr)
        return contributions

    def call(self, stmt, op, defined, sites) -> list:
        """A call to a user's function, or to one with a user's VJP (see :mod:`.calls`)."""
        target = op.targets[0]
        live = target in defined
        defined.pop(target, None)
        if not live:
            return []
        if op.kind is OpKind.CALL:
            operands = [(o, n) for o, n in op.diff_operands() if self.ctx.activity.is_active(n)]
            if not operands:
                return []
            result = calls.adjoint_call(self.ctx, self.comments, self.callees, self.sites, op,
                                        operands, sites)
        else:
            result = calls.adjoint_custom(self.ctx, op)
            if result is None:
                return []
        if result.primal is not None:
            self.rewrites[stmt] = result.primal
            if sites and sites[0].in_loop:  # saved afresh each iteration: keep every iteration's
                self.sites.add(stmt, Site(result.saved, True, True))
        statements = [self.accumulate(name, exprs, defined)
                      for name, exprs in result.contributions.items()]
        return result.statements + [s for s in statements if s is not None]

    def list_method(self, stmt, op, defined) -> list:
        """``xs.append(v)``, ``v = xs.pop()``, ...: the adjoint list changed back
        (:mod:`.lists`; the list itself is changed back by the restores of :mod:`.saves`)."""
        return lists.adjoint(self, op, defined)

    def setitem(self, op, defined) -> list:
        """``x[index] = value``: the value gets ``dx[index]`` (through ``cast_like`` where ``x`` may
        hold integers, which the cast truncates); the overwritten part gets nothing."""
        x = op.targets[0]
        if x not in defined:
            return []
        helpers = self.ctx.helpers
        dx = self.ctx.namer.adjoint(x)
        index = op.args["index"]
        block = []
        value = op.args["value"]
        if isinstance(value, gast.Name) and self.ctx.activity.is_active(value.id):
            basic = range_variables(self.ctx.normalized.tree) | {helpers.name("slice")}
            whole = load(dx)
            if x not in self.floats:
                whole = call(helpers.name("cast_like"), whole, load(x))
            if any(isinstance(n, (gast.Name, gast.List)) for n in gast.walk(index)
                   if not (isinstance(n, gast.Name) and n.id in basic)):
                # an index held in a variable may be an array that repeats a position
                expr = call(helpers.name("unsetitem"), whole, index, load(value.id))
            else:
                part = gast.Subscript(value=whole, slice=index, ctx=gast.Load())
                expr = call(helpers.name("unbroadcast"), part, load(value.id))
            if value.id == x:  # x[index] = x: its part of dx, taken before dx[index] is zeroed
                part = self.ctx.namer.fresh(f"{dx}_written")
                block.append(assign(part, expr))
                block.append(assign(dx, call(helpers.name("zero_at"), load(dx), index)))
                block.extend(s for s in [self.accumulate(x, [load(part)], defined)] if s is not None)
                return block
            block.extend(s for s in [self.accumulate(value.id, [expr], defined)] if s is not None)
        block.append(assign(dx, call(helpers.name("zero_at"), load(dx), index)))
        return block

    def drop_unbroadcast(self, expr, op, operand):
        """``unbroadcast(e, x)`` is ``e`` when every other operand is a scalar constant, or when
        :mod:`srcad.passes.shapes` proves ``x`` has the result's shape."""
        if not (isinstance(expr, gast.Call) and isinstance(expr.func, gast.Name)
                and expr.func.id == self.ctx.helpers.name("unbroadcast")):
            return expr
        if operand.index is not None:
            return expr  # an entry of *operands: the others include the whole tuple
        others = [v for p, v in op.args.items() if p != operand.param]
        if all(isinstance(v, gast.Constant) and isinstance(v.value, (int, float))
               and not isinstance(v.value, bool) for v in others):
            return expr.args[0]
        value = op.args.get(operand.param)
        if self.ctx.options.shapes and isinstance(value, gast.Name) \
                and self.facts.same(value.id, op.targets[0]):
            return expr.args[0]  # the shapes are equal (srcad.passes.shapes): nothing was broadcast
        return expr

    def drop_real_check(self, expr):
        """``real_operands(e, f, (x, ...))`` is ``e`` when :mod:`srcad.passes.shapes` proves every
        operand real (``Shapes.reals``, from the kinds of a specialized transformation)."""
        if isinstance(expr, gast.Call) and isinstance(expr.func, gast.Name) \
                and expr.func.id == self.ctx.helpers.name("real_operands") \
                and isinstance(expr.args[2], gast.Tuple) \
                and all(real_atom(e, self.facts.reals) for e in expr.args[2].elts):
            return expr.args[0]
        return expr

    def check_finite(self, stmt, op, block) -> list:
        """After each adjoint the statement computes: stop at the first NaN or inf, naming the
        user's line and the values involved (``debug_nans``)."""
        ctx = self.ctx
        adjoints = ctx.namer.adjoint_names()
        origin = ctx.normalized.origin[stmt]
        where = f"{ctx.parsed.filename}:{origin.lineno}: {ctx.parsed.statement_text(origin)}"
        values = list(dict.fromkeys(list(op.targets) + [n for _, n in op.diff_operands()]))
        out = []
        for item in block:
            out.append(item)
            if isinstance(item, gast.Assign) and isinstance(item.targets[0], gast.Name) \
                    and item.targets[0].id in adjoints:
                name = item.targets[0].id
                involved = gast.Dict(keys=[gast.Constant(value=v, kind=None) for v in values],
                                     values=[load(v) for v in values])
                out.append(gast.Expr(value=call(ctx.helpers.name("check_finite"), load(name),
                                                gast.Constant(value=name, kind=None),
                                                gast.Constant(value=where, kind=None), involved)))
        return out


def _text(operand) -> str:
    return operand.param if operand.index is None else f"{operand.param}[{operand.index}]"


def range_variables(tree) -> set:
    """Variables of ``for ... in range(...)`` loops assigned nowhere else: always integers."""
    loops = {n.target.id for n in gast.walk(tree) if isinstance(n, gast.For)
             and isinstance(n.iter, gast.Call) and isinstance(n.iter.func, gast.Name)
             and n.iter.func.id == "range"}
    targets = {t.id for n in gast.walk(tree) if isinstance(n, gast.Assign)
               for t in gast.walk(n.targets[0])
               if isinstance(t, gast.Name) and isinstance(t.ctx, gast.Store)}
    return loops - targets


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
