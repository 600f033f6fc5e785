"""Pass 10 (forward mode), forward: A-normal form -> the Jacobian-vector product function.

Accepts: what :mod:`srcad.passes.reverse` accepts -- a :class:`srcad.passes.anf.Normalized`
function, the :class:`srcad.passes.ops.Op` of its simple statements, its
:class:`srcad.passes.activity.Activity` for the parameters that carry a tangent, the alias guards
(:func:`srcad.passes.alias.guards`) -- and those parameters; ``reals``, the variables
:mod:`srcad.passes.shapes` proves real (from the kinds of a specialized transformation).
Guarantees: returns a :class:`srcad.passes.codegen.Generated` function
``jvp_f(<f's parameters>, *, x_dot, ...)`` returning ``(value, tangent)``: the value of ``f`` and the
directional derivative of that value along the tangents given for the parameters. Its body is ``f``'s
statements in their order, control flow unchanged (forward mode needs no tape), each statement that
assigns an active variable ``y`` paired with one that assigns ``y_dot``:

* a primitive: the sum, over its operands that carry a tangent, of the rule table's JVP templates
  (:mod:`srcad.rules`), without the run-time refusal of complex operands (``real_operands``) where
  ``reals`` holds every operand; a variable assigned from nothing that carries a tangent gets
  ``zero_tangent(y)``, so every path leaves ``y_dot`` defined;
* the tangent statement comes after the primal one, or before it when the statement overwrites one of
  its own operands (``y = y * x``), reading the operand's old value;
* ``a, b = x`` unpacks ``x_dot``; ``x[i] = v`` writes ``x_dot[i] = v_dot`` (into a tangent the
  function owns: one that may be shared is copied when assigned); ``items.append(v)``,
  ``v = items.pop()`` and a list's other methods (:mod:`srcad.passes.lists`) keep a list of
  tangents beside the list (reverse mode's own stack, so forward mode runs over generated
  gradients: forward over reverse);
* a call to a user's function calls its JVP function ``jvp_g`` (made once per function and set of
  parameters with a tangent), which returns ``(value, tangent)``.

Comments quote the user's line above each group, as in reverse mode.
"""

from __future__ import annotations

import copy
import dataclasses

import gast

from .. import rules
from ..errors import NoGradientRuleError
from ..rules.template import instantiate
from .codegen import Comments, Context, Generated, Guards, distinct, writes_only_fresh_arrays
from .value_kinds import call_kinds, drop_real_check
from .written import float_arrays, written_arrays
from . import lists
from .alias import alias_groups
from .ops import OpKind
from .closures import call_arguments
from .parse import local_names, parameter_names
from .statements import rewrap
from .syntax import (assign as _assign, call as _call, function as _function, load,
                     returned_names, store)


def forward(parsed, normalized, ops, activity, wrt, namer, helpers, callees, tangent_params,
            guards, *, name, options, reals=frozenset(), facts=None):
    """``tangent_params``: the names of the tangent parameters, one per ``wrt`` entry (see
    :func:`tangent_parameter_names`). ``callees(fn, wrt, location, static)`` returns the name of the
    JVP function of a called function and its tangent parameters' names. ``guards``: the result of
    :func:`srcad.passes.alias.guards` for this function. ``facts``: pass 9's
    :class:`~srcad.passes.shapes.Shapes`, whose real numbers specialize a callee's JVP function
    (:func:`srcad.passes.value_kinds.call_kinds`), as in reverse mode."""
    ctx = Context(parsed, normalized, ops, activity, namer, helpers, options)
    comments = Comments(parsed, normalized)
    tangents = dict(zip(wrt, tangent_params))
    for p, t in tangents.items():
        namer.use_tangent(p, t)
    return _Forward(ctx, comments, Guards(ctx, comments, guards), callees, tangents, reals,
                    facts).run(tangent_params, name)


def tangent_parameter_names(namer, wrt) -> list:
    """The tangent parameters of a JVP function, ``<param>_dot``; allocated first by the namer of
    the function, so a caller computes the same names from the same function."""
    return [namer.tangent(p) for p in wrt]


class _Forward:
    """The one sweep of forward mode; comments and guards are the code generation it shares with
    reverse mode (:mod:`srcad.passes.codegen`)."""

    def __init__(self, ctx, comments, guards, callees, tangents, reals=frozenset(), facts=None):
        self.ctx = ctx
        self.reals = reals  # variables proven real: no real_operands check for them
        self.facts = facts  # pass 9's Shapes: what specializes a callee's JVP function
        self.comments = comments
        self.guards = guards
        self.callees = callees
        self.tangents = tangents  # parameter -> the name of its tangent parameter
        self.counters = set(ctx.normalized.loop_counts.values())  # trip counts: no tangent
        self.bound = local_names(ctx.normalized.tree)  # (as passes 5 and 6 left it)
        self.written = written_arrays(ctx.ops)  # arrays written into by x[i] = ...
        self.floats = float_arrays(ctx.ops, ctx.parsed, ctx.normalized.tree)  # ... with no cast
        groups = alias_groups(ctx.ops)  # and the names that may share their memory
        self.shares_written = {n for w in self.written for n in groups.get(w, {w})}
        self.returned = returned_names(ctx.normalized.tree)
        self.callers = set(tangents.values())  # tangents the caller holds too (see simple)

    def run(self, tangent_params, name) -> Generated:
        tree = self.ctx.normalized.tree
        comment, helpers = self.comments.comment, self.ctx.helpers
        params = parameter_names(tree.args)
        out = tree.body[-1].value.id
        body = [comment("the function, each value followed by its tangent (<name>_dot: the "
                        "derivative of <name> along the tangents given)")]
        if self.ctx.normalized.subscript_writes:
            copies = [p for p in params if p in self.written] \
                if writes_only_fresh_arrays(self.ctx.normalized, self.ctx.ops) else params
            if copies:
                body.append(comment("the function writes into arrays: never into the caller's"))
                body.extend(distinct(self.ctx, params))
                for p in copies:
                    body.append(_assign(p, _call(helpers.name("private_copy"), load(p))))
                    if p in self.tangents:
                        body.append(_assign(self.tangents[p], _call(
                            helpers.name("private_copy"), load(self.tangents[p]))))
        body += lists.private_copies(self.ctx, params, comment, self.tangents)
        # a parameter with no tangent given that is assigned an active value later: zero until then
        unseeded = [p for p in params + [a.id for a in tree.args.kwonlyargs]
                    if self.active(p) and p not in self.tangents]
        if unseeded:
            body.append(comment(f"no tangent given for {', '.join(unseeded)}: zero until "
                                "assigned"))
            body += [s for p in unseeded for s in self.zero_if_active(p)]
        body += self.block(tree.body[:-1])
        if self.ctx.activity.is_active(out):
            tangent = load(self.tangent(out))
        else:
            tangent = _call(helpers.name("zero_tangent"), load(out))
        body.append(gast.Return(value=gast.Tuple(elts=[load(out), tangent], ctx=gast.Load())))
        extra = [gast.Name(id=t, ctx=gast.Param(), annotation=None, type_comment=None)
                 for t in tangent_params]
        args = gast.arguments(args=list(tree.args.args), posonlyargs=list(tree.args.posonlyargs),
                              vararg=tree.args.vararg, kwonlyargs=list(tree.args.kwonlyargs) + extra,
                              kw_defaults=list(tree.args.kw_defaults) + [None] * len(extra),
                              kwarg=tree.args.kwarg, defaults=list(tree.args.defaults))
        return Generated([_function(name, args, self.comments.tidy(body))], self.comments.texts)

    def tangent(self, name) -> str:
        return self.ctx.namer.tangent(name)

    def active(self, name) -> bool:
        # (a global or enclosing variable is a constant: it has no tangent variable, even where
        # activity marks it, e.g. read into a variable the stack also gives active values)
        return self.ctx.activity.is_active(name) and name in self.bound

    def tangent_of(self, atom):
        """The tangent of an operand: its variable, or zeros (a constant, an inactive name)."""
        if isinstance(atom, gast.Name) and self.active(atom.id):
            return load(self.tangent(atom.id))
        return _call(self.ctx.helpers.name("zero_tangent"), atom)

    # -- blocks ------------------------------------------------------------------------------------

    def block(self, stmts, parent=None) -> list:
        pairs = []
        for stmt in stmts:
            if isinstance(stmt, gast.If):
                new = [gast.If(test=stmt.test, body=self.block(stmt.body, stmt) or [gast.Pass()],
                               orelse=self.block(stmt.orelse, stmt))]
            elif isinstance(stmt, gast.For):
                body = self.block(stmt.body, stmt)
                if self.active(stmt.target.id):  # (a loop index another statement makes active)
                    body = self.zero_if_active(stmt.target.id) + body
                new = [gast.For(target=stmt.target, iter=stmt.iter, body=body or [gast.Pass()],
                                orelse=[], type_comment=None)]
            elif isinstance(stmt, gast.While):
                new = [gast.While(test=stmt.test, body=self.block(stmt.body, stmt) or [gast.Pass()],
                                  orelse=[])]
            elif isinstance(stmt, (gast.With, gast.Try)):  # tangents under the same context
                new = [rewrap(stmt, self.block(stmt.body, stmt), self.ctx)]  # managers, handlers
            else:
                new = self.simple(stmt)
            pairs.append((stmt, new))
        return self.comments.with_comments(pairs, parent)

    def simple(self, stmt) -> list:
        if self.is_counter(stmt):
            return []  # trip counts: only reverse mode needs them
        op = self.ctx.ops.get(stmt)
        restored = _restored_entry(self, stmt)
        if restored is not None:
            return [stmt] + restored
        if op is None or op.kind is OpKind.EFFECT:
            return [stmt]
        # Tangents share as the primal values do (a copy's tangent is the tangent, a view's a view
        # of it; srcad.api makes every name that may share a written array carry a tangent), so
        # writes need no check; 'v += e', which srcad runs as 'v = v + e', does.
        guard = self.guards.guard(stmt) if stmt in self.ctx.normalized.augmented \
            or stmt in self.ctx.normalized.iterated or op.kind is OpKind.CALL else \
            self.guards.guard_item(stmt, op)
        if op.kind is OpKind.EXTEND:  # (xs.extend(v): v must be a list, tuple or array)
            guard = self.guards.guard_extend(stmt, op)
        location = self.ctx.parsed.location(op.node) if op.node is not None else None
        if op.kind in lists.kinds():  # xs.append(v), v = xs.pop(), ...
            return guard + lists.tangents(self, stmt, op)
        if op.kind is OpKind.SETITEM:
            x = op.targets[0]
            if not self.active(x):
                return guard + [stmt]
            value = self.tangent_of(op.args["value"])
            if x not in self.floats:  # NumPy casts the value to x's dtype (integers: no tangent)
                value = _call(self.ctx.helpers.name("cast_like"), value, load(x))
            write = gast.Assign(targets=[gast.Subscript(
                value=load(self.tangent(x)), slice=stmt.targets[0].slice, ctx=gast.Store())],
                value=value, type_comment=None)
            return guard + [stmt, write]
        if op.kind is OpKind.UNPACK:
            return guard + self.unpack(stmt, op)
        operands = [(p, n) for p, n in op.diff_operands() if self.active(n)]
        targets = [t for t in op.targets if self.active(t)]
        if not targets or not operands:
            value = stmt.value if isinstance(stmt, gast.Assign) else None
            return guard + [stmt] + [s for t in targets for s in self.zero_if_active(t, value)]
        if op.kind is OpKind.UNKNOWN:
            raise op.error(location)
        if op.kind is OpKind.CALL:
            return guard + self.call(stmt, op, operands)
        if op.rule.origin is rules.RuleOrigin.DERIVED:
            raise NoGradientRuleError(
                f"forward mode does not differentiate a call to {op.rule.name} (a function made by "
                "srcad) inside another function yet", location,
                hint="differentiate the outer function in reverse mode (srcad.grad, srcad.vjp), "
                     "or give its value to srcad.stop_gradient")
        if op.rule.custom is not None:
            raise NoGradientRuleError(
                f"{op.rule.name} has a custom VJP (srcad.defvjp) and no JVP: forward mode cannot "
                "use a VJP", location,
                hint="differentiate it in reverse mode, or wrap the value in srcad.stop_gradient")
        return guard + self.rule(stmt, op, operands, location)

    def is_counter(self, stmt) -> bool:
        if isinstance(stmt, gast.AugAssign):
            return isinstance(stmt.target, gast.Name) and stmt.target.id in self.counters
        return isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name) \
            and stmt.targets[0].id in self.counters

    def zero_if_active(self, target, value=None) -> list:
        """``target_dot = <the zero tangent of target>`` (:func:`_zero`) where it is active."""
        if not self.active(target):
            return []
        return [_assign(self.tangent(target), _zero(self.ctx.helpers, target, value))]

    def assign_tangent(self, target, expr, op=None):
        """``target_dot = expr``; copied first if ``target`` (or a name that may share its memory:
        ``z = np.reshape(y, ...)``) is written into and ``expr`` may be another variable's tangent
        while the primal value is new (``y = x + c``: ``y_dot`` is ``x_dot``). Where the primal
        shares (``y = x``, views), the tangent shares alike."""
        if target in self.shares_written and op is not None and not op.rule.identity and (
                isinstance(expr, gast.Name) or self.is_broadcast(expr)):
            expr = _call(self.ctx.helpers.name("private_copy"), expr)
        return _assign(self.tangent(target), expr)

    # -- statements --------------------------------------------------------------------------------

    def unpack(self, stmt, op) -> list:
        x = op.args["x"]
        active = [t for t in op.targets if self.active(t)]
        if not active:
            return [stmt]
        if not (isinstance(x, gast.Name) and self.active(x.id)):
            return [stmt] + [s for t in active for s in self.zero_if_active(t)]
        names = [store(self.tangent(t)) if self.active(t) else store(self.ctx.namer.fresh("unused"))
                 for t in op.targets]
        unpack = gast.Assign(targets=[gast.Tuple(elts=names, ctx=gast.Store())],
                             value=load(self.tangent(x.id)), type_comment=None)
        if x.id in op.targets:  # 'a, x = x': the tangent first, from the old value
            return [unpack, stmt]
        return [stmt, unpack]

    def call(self, stmt, op, operands) -> list:
        target = op.targets[0]
        location = self.ctx.parsed.location(op.node)
        params = list(dict.fromkeys(o.param for o, _ in operands))
        static = op.static
        if self.facts is not None and not static.values:
            static = dataclasses.replace(static, values=call_kinds(op, self.facts))
        jvp_name, tangent_params = self.callees(op.callee, params, location, static)
        jvp_fn = self.ctx.helpers.function(jvp_name)
        args, keywords = call_arguments(op)  # (a nested def: every argument by keyword)
        tangents = {}
        for o, name in operands:
            tangents.setdefault(o.param, name)
        keywords = keywords + [gast.keyword(arg=t, value=load(self.tangent(tangents[p])))
                               for p, t in zip(params, tangent_params)]
        overwritten = target in {n for _, n in operands}
        value = self.ctx.namer.fresh(f"{target}_new") if overwritten else target
        new = [_assign(gast.Tuple(elts=[store(value), store(self.tangent(target))],
                                  ctx=gast.Store()),
                       gast.Call(func=load(jvp_fn), args=args, keywords=keywords))]
        if value != target:
            new.append(_assign(target, load(value)))
        return new

    def rule(self, stmt, op, operands, location) -> list:
        target = op.targets[0]
        rule = op.rule
        spec = rule.tangents
        joint = rule.joint_jvp
        used = [joint] if joint is not None else [spec.get(o.param) or "" for o, _ in operands]
        uses_ans = any("ans" in {n.id for n in gast.walk(gast.parse(t, mode="eval"))
                                 if isinstance(n, gast.Name)} for t in used if t)
        overwrites = target in {n.id for a in op.args.values() if not isinstance(a, rules.Default)
                                for n in gast.walk(a) if isinstance(n, gast.Name)}
        ans = target
        prologue = []
        if overwrites and uses_ans:  # the new value under another name until the tangent is made
            ans = self.ctx.namer.fresh(f"{target}_new")
            prologue = [_assign(ans, stmt.value)]
        bindings = dict(op.args)
        bindings["ans"] = load(ans)
        if joint is not None:
            for p in rule.params:
                if not isinstance(op.args[p], rules.Default):
                    bindings[f"t_{p}"] = self.tangent_of(op.args[p])
            if rule.vararg is not None:  # *operands: the tuple of their tangents
                bindings[f"t_{rule.vararg}"] = gast.Tuple(
                    elts=[self.tangent_of(e) for e in op.args[rule.vararg].elts], ctx=gast.Load())
            expr = instantiate(joint, bindings, self.ctx.helpers, self.ctx.options.optimize)
        else:
            terms = []
            for operand, name in operands:
                base = operand.param
                template = spec.get(base)
                if template is None:
                    raise NoGradientRuleError(
                        f"srcad has no forward-mode (JVP) rule for {rule.name} with respect to "
                        f"'{base}'" + (" (a derivative of this order is not implemented)"
                                       if rule.origin is rules.RuleOrigin.HELPER else ""),
                        location)
                local = {**bindings, "t": load(self.tangent(name))}
                if operand.index is not None:  # an entry of *operands
                    local["k"] = gast.Constant(value=operand.index, kind=None)
                term = instantiate(template, local, self.ctx.helpers, self.ctx.options.optimize)
                if self.ctx.options.optimize:
                    term = drop_real_check(term, self.ctx.helpers.name("real_operands"),
                                           self.reals)
                if self.needs_broadcast(rule, base, template, op):
                    term = _call(self.ctx.helpers.name("broadcast_tangent"), term, load(ans))
                terms.append(term)
            if len(terms) > 1:  # the terms together cover every operand's shape
                terms = [t.args[0] if self.is_broadcast(t) else t for t in terms]
            expr = terms[0]
            for term in terms[1:]:
                expr = gast.BinOp(left=expr, op=gast.Add(), right=term)
        if isinstance(expr, gast.Name) and not (rule.view or getattr(rule, "identity", False)):
            # 'a * 1.0' simplified to 'a_dot': the value is a new array, so must its tangent be
            # where a write into one could change the other's: in a function that writes into
            # arrays, or where the caller gets one back and holds the other
            if self.ctx.normalized.subscript_writes \
                    or target in self.returned and expr.id in self.callers:
                expr = _call(self.ctx.helpers.name("copied"), expr)
            elif expr.id in self.callers:
                self.callers.add(self.tangent(target))
        tangent = self.assign_tangent(target, expr, op)
        if prologue:
            return prologue + [tangent, _assign(target, load(ans))]
        if overwrites:
            return [tangent, stmt]
        return [stmt, tangent]

    def needs_broadcast(self, rule, param, template, op) -> bool:
        """Would this one term leave the tangent smaller than the value (``y = x + c``, a scalar
        ``x`` varying, ``c`` an array)? Only for an elementwise rule whose template reads neither
        ``ans`` nor another operand that could broadcast."""
        if not rule.broadcasts:
            return False
        names = {n.id for n in gast.walk(gast.parse(template, mode="eval")) if isinstance(n, gast.Name)}
        others = [p for p in rules.differentiable_params(rule) if p != param]
        if "ans" in names or any(p in names for p in others):
            return False
        return any(isinstance(v, gast.Name) for p, v in op.args.items() if p != param)

    def is_broadcast(self, expr) -> bool:
        return isinstance(expr, gast.Call) and isinstance(expr.func, gast.Name) \
            and expr.func.id == self.ctx.helpers.name("broadcast_tangent")


def _restored_entry(fwd, stmt):
    """``restore_entry(d, key, old)`` of a gradient's code (``fwd``: its forward sweep) for ``d``'s
    tangent: the same call ([] where ``d`` has none); None for another statement."""
    from .. import runtime
    if not (isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Call)
            and isinstance(stmt.value.func, gast.Name)
            and fwd.ctx.parsed.namespace.lookup(stmt.value.func.id, None)
            is runtime.restore_entry and len(stmt.value.args) == 3):
        return None
    d, key, old = stmt.value.args
    if not (isinstance(d, gast.Name) and fwd.active(d.id)):
        return []
    return [gast.Expr(value=_call(fwd.ctx.helpers.name("restore_entry"),
                                  load(fwd.tangent(d.id)), copy.deepcopy(key),
                                  fwd.tangent_of(old)))]


def _zero(helpers, target: str, value=None):
    """The zero tangent of ``target``: ``zero_tangent(target)``, or ``[]`` where ``target`` was
    just assigned a new empty list (``value``), which is what that call gives."""
    if isinstance(value, gast.List) and not value.elts:
        return gast.List(elts=[], ctx=gast.Load())
    return _call(helpers.name("zero_tangent"), load(target))
