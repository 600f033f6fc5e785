"""Pass 10, reverse: one statement's adjoint, by the kind of operation it performs.

Accepts: a simple statement of the A-normal form, its :class:`srcad.passes.ops.Op`, the
:class:`srcad.passes.reverse.sweep.Sweep` walking back over it (its context, shape facts, saves and
callees), ``defined`` (the adjoints assigned so far on the current path) and the statement's
:class:`srcad.passes.reverse.saves.Site` s.
Guarantees: :func:`adjoint` returns the statements that send the gradient of the statement's
targets to its operands: one contribution per operand that needs a gradient, instantiated from the
rule table (:func:`rule`), or for a tuple unpacked (:func:`unpack`), a call to a user's function
or to one with a user's VJP (:func:`user_call`, :mod:`.calls`), a subscript write
(:func:`setitem`) or a list's method (:mod:`.lists`). A template reads the old value of an operand
the statement overwrote; ``unbroadcast`` and ``real_operands`` are dropped where the shapes pass
proves them no-ops (:func:`drop_unbroadcast`, :func:`drop_real_check`). It updates ``defined``:
the targets' adjoints are spent, the operands' assigned. :func:`check_finite` adds the checks of
``debug_nans`` after each adjoint.
"""

from __future__ import annotations

import gast

from ...errors import NoGradientRuleError
from ...rules.template import instantiate
from .. import value_kinds
from ..ops import OpKind
from ..syntax import assign, call, load
from ..lists import kinds as list_kinds
from . import calls, lists
from .loops import pop_in_place
from .saves import Site


def adjoint(sweep, stmt, op, defined, sites) -> list:
    """The adjoint statements of ``stmt`` (see the module docstring)."""
    if op.kind in list_kinds():
        # xs.append(v), v = xs.pop(), ...: the adjoint list changed back (the list itself is
        # changed back by the restores of .saves)
        return lists.adjoint(sweep, op, defined)
    if op.kind is OpKind.SETITEM:
        return setitem(sweep, op, defined)
    if op.kind is OpKind.CALL or (op.kind is OpKind.RULE and op.rule.custom is not None):
        return user_call(sweep, stmt, op, defined, sites)
    live = [t for t in op.targets if t in defined]
    for t in op.targets:  # the variables assigned here held other values before this statement
        defined.pop(t, None)
    if not live:
        return []
    active = sweep.ctx.activity
    if op.kind is OpKind.UNKNOWN:
        if any(active.is_active(name) for _, name in op.diff_operands()):
            raise op.error(sweep.ctx.location(op.node))
        return []
    old = {s.var: sweep.sites.saved_name(s) for s in sites if s.var in
           {name for _, name in op.diff_operands()}}  # operands this statement overwrites
    if op.kind is OpKind.UNPACK:
        contributions = unpack(sweep, op, live, old)
    else:
        contributions = rule(sweep, op, old)
    # The statement's own target last: its adjoint is the ``g`` every other template reads.
    order = sorted(contributions, key=lambda name: name in op.targets)
    statements = [sweep.accumulate(name, contributions[name], defined) for name in order]
    statements = [s for s in statements if s is not None]
    if not sweep.ctx.options.debug_nans:
        pop_in_place(sites, old, statements)
    return statements


def unpack(sweep, op, live, old) -> dict:
    """``a, b = x``: ``unpack_adjoint((da, db), x)`` for ``x`` (``None`` for a dead target)."""
    ctx = sweep.ctx
    x = op.args["x"]
    parts = [load(ctx.namer.adjoint(t)) if t in live
             else gast.Constant(value=None, kind=None) for t in op.targets]
    expr = call(ctx.helpers.name("unpack_adjoint"),
                gast.Tuple(elts=parts, ctx=gast.Load()), load(old.get(x.id, x.id)))
    return {x.id: [expr]} if ctx.activity.is_active(x.id) else {}


def rule(sweep, op, old) -> dict:
    """One template per active operand, reading the old value of an operand it overwrote."""
    ctx = sweep.ctx
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
            expr = drop_unbroadcast(sweep, drop_real_check(sweep, expr), op, operand)
        contributions.setdefault(name, []).append(expr)
    return _squared(op, contributions)


def _squared(op, contributions) -> dict:
    """``x * x``: the two contributions ``g * x`` and ``x * g`` to ``dx`` as one, ``2 * (g * x)``
    (one pass over the array, not three)."""
    x, y = op.args.get("x"), op.args.get("y")
    if op.rule.name == "operator.mul" and isinstance(x, gast.Name) and isinstance(y, gast.Name) \
            and x.id == y.id and len(contributions.get(x.id, ())) == 2:
        contributions[x.id] = [gast.BinOp(left=gast.Constant(value=2, kind=None), op=gast.Mult(),
                                          right=contributions[x.id][0])]
    return contributions


def user_call(sweep, stmt, op, defined, sites) -> list:
    """A call to a user's function, or to one with a user's VJP (see :mod:`.calls`)."""
    target = op.targets[0]
    live = target in defined
    defined.pop(target, None)
    if not live:
        return []
    if op.kind is OpKind.CALL:
        operands = [(o, n) for o, n in op.diff_operands() if sweep.ctx.activity.is_active(n)]
        if not operands:
            return []
        result = calls.adjoint_call(sweep.ctx, sweep.comments, sweep.callees, sweep.sites, op,
                                    operands, sites, sweep.facts)
    else:
        result = calls.adjoint_custom(sweep.ctx, op)
        if result is None:
            return []
    if result.primal is not None:
        sweep.rewrites[stmt] = result.primal
        if sites and sites[0].in_loop:  # saved afresh each iteration: keep every iteration's
            sweep.sites.add(stmt, Site(result.saved, True, True))
    statements = [sweep.accumulate(name, exprs, defined)
                  for name, exprs in result.contributions.items()]
    return result.statements + [s for s in statements if s is not None]


def setitem(sweep, op, defined) -> list:
    """``x[index] = value``: the value gets ``dx[index]`` (through ``cast_like`` where ``x`` may
    hold integers, which the cast truncates); the overwritten part gets nothing."""
    x = op.targets[0]
    if x not in defined:
        return []
    ctx = sweep.ctx
    helpers = ctx.helpers
    dx = ctx.namer.adjoint(x)
    index = op.args["index"]
    block = []
    value = op.args["value"]
    if isinstance(value, gast.Name) and ctx.activity.is_active(value.id):
        basic = range_variables(ctx.normalized.tree) | {helpers.name("slice")}
        whole = load(dx)
        if x not in sweep.floats:
            whole = call(helpers.name("cast_like"), whole, load(x))
        if any(isinstance(n, (gast.Name, gast.List)) for n in gast.walk(index)
               if not (isinstance(n, gast.Name) and n.id in basic)):
            # an index held in a variable may be an array that repeats a position
            expr = call(helpers.name("unsetitem"), whole, index, load(value.id))
        else:
            part = gast.Subscript(value=whole, slice=index, ctx=gast.Load())
            expr = call(helpers.name("unbroadcast"), part, load(value.id))
        if value.id == x:  # x[index] = x: its part of dx, taken before dx[index] is zeroed
            part = ctx.namer.fresh(f"{dx}_written")
            block.append(assign(part, expr))
            block.append(assign(dx, call(helpers.name("zero_at"), load(dx), index)))
            block.extend(s for s in [sweep.accumulate(x, [load(part)], defined)] if s is not None)
            return block
        block.extend(s for s in [sweep.accumulate(value.id, [expr], defined)] if s is not None)
    block.append(assign(dx, call(helpers.name("zero_at"), load(dx), index)))
    return block


def drop_unbroadcast(sweep, expr, op, operand):
    """``unbroadcast(e, x)`` is ``e`` when every other operand is a scalar constant, or when
    :mod:`srcad.passes.shapes` proves ``x`` has the result's shape."""
    if not (isinstance(expr, gast.Call) and isinstance(expr.func, gast.Name)
            and expr.func.id == sweep.ctx.helpers.name("unbroadcast")):
        return expr
    if operand.index is not None:
        return expr  # an entry of *operands: the others include the whole tuple
    others = [v for p, v in op.args.items() if p != operand.param]
    if all(isinstance(v, gast.Constant) and isinstance(v.value, (int, float))
           and not isinstance(v.value, bool) for v in others):
        return expr.args[0]
    value = op.args.get(operand.param)
    if sweep.ctx.options.shapes and isinstance(value, gast.Name) \
            and sweep.facts.same(value.id, op.targets[0]):
        return expr.args[0]  # the shapes are equal (srcad.passes.shapes): nothing was broadcast
    return expr


def drop_real_check(sweep, expr):
    """``real_operands(e, f, (x, ...))`` is ``e`` when :mod:`srcad.passes.shapes` proves every
    operand real (``Shapes.reals``, from the kinds of a specialized transformation)."""
    return value_kinds.drop_real_check(expr, sweep.ctx.helpers.name("real_operands"),
                                       sweep.facts.reals)


def check_finite(sweep, stmt, op, block) -> list:
    """After each adjoint the statement computes: stop at the first NaN or inf, naming the
    user's line and the values involved (``debug_nans``)."""
    ctx = sweep.ctx
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
