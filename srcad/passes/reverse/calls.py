"""Pass 10, reverse: the adjoint of a call -- to a user's function, or to one with a user's VJP.

Accepts: the :class:`srcad.passes.ops.Op` of a call statement whose result the backward sweep needs,
its active operands, and ``callees(fn, wrt, location, static)``, which gives the names of the
forward/backward pair generated for a called user function (see :mod:`srcad.pipeline`).
Guarantees: each function returns a :class:`CallAdjoint`: the statements that compute the call's
gradients, and for each operand name the gradient expressions to add to its adjoint.

* A user's function ``y = helper(a, b)``: the primal sweep calls ``forward_helper`` instead, keeping
  what its backward needs (``CallAdjoint.primal``); the adjoint calls ``backward_helper`` with that
  and ``dy``. Under ``srcad.checkpoint`` the primal calls the function itself and the adjoint runs
  its forward again, from the arguments as they were at the call, and checks that it computed the
  same value (``check_recomputed``: a function that draws random numbers or reads changed state
  would not; refused at the call's line).
* A function with a user's VJP (``srcad.defvjp``): call it once, one gradient per positional
  argument.
"""

from __future__ import annotations

import dataclasses

import gast

from ...errors import UnsupportedSyntaxError
from ...naming import function_name
from ..closures import call_arguments
from ..value_kinds import call_kinds
from ..syntax import assign, call, load, renamed, store


@dataclasses.dataclass
class CallAdjoint:
    statements: list     # run before the contributions are added (recomputation, gradient tuple)
    contributions: dict  # operand name -> [gradient expression]
    primal: object = None     # the statement the primal sweep runs in place of the call
    saved: str | None = None  # with ``primal``: the name of what it keeps for the backward


def adjoint_call(ctx, comments, callees, sites, op, operands, statement_sites,
                 facts=None) -> CallAdjoint:
    """A call to a user's function (see the module docstring). ``operands``: the active
    ``(Operand, name)`` pairs; ``statement_sites``: the call statement's saves; ``facts``: the
    caller's :class:`srcad.passes.shapes.Shapes`, whose proofs of which arguments are real
    numbers specialize the callee's pair (:func:`srcad.passes.value_kinds.call_kinds`)."""
    target = op.targets[0]
    namer, helpers = ctx.namer, ctx.helpers
    location = ctx.location(op.node)
    static = op.static
    if facts is not None and not static.values:
        static = dataclasses.replace(static, values=call_kinds(op, facts))
    forward, backward = callees(op.callee, [o.param for o, _ in operands], location, static)
    forward, backward = helpers.function(forward), helpers.function(backward)
    callee_name = function_name(op.callee)  # (a method: Dense_call)
    saved = namer.fresh(f"{callee_name}_saved")
    args, keywords = call_arguments(op)  # (a nested def: every argument by keyword)
    positions = list(enumerate(name for _, name in operands))
    if op.recompute:  # srcad.checkpoint: the primal calls the function itself; the backward
        # runs its forward again from the arguments (kept, as any value the backward reads)
        names = {n.id for a in list(args) + [k.value for k in keywords]
                 for n in gast.walk(a) if isinstance(n, gast.Name)}
        old = {site.var: sites.saved_name(site) for site in statement_sites if site.var in names}
        args = [renamed(a, old) for a in args]  # the arguments as they were at the call
        keywords = [gast.keyword(arg=k.arg, value=renamed(k.value, old)) for k in keywords]
        again = gast.Assign(targets=[gast.Tuple(elts=[store(namer.fresh("unused")), store(saved)],
                                                ctx=gast.Store())],
                            value=gast.Call(func=load(forward), args=list(args),
                                            keywords=list(keywords)), type_comment=None)
        # the values recomputed must be those of the call (not so if it draws random numbers or
        # reads state that changed since): checked, else its gradient would be of other values
        where = f"{ctx.parsed.filename}:{getattr(op.node, 'lineno', 0)}"
        check = gast.Expr(value=call(helpers.name("check_recomputed"), again.targets[0].elts[0],
                                     load(target), gast.Constant(value=callee_name, kind=None),
                                     gast.Constant(value=where, kind=None)))
        check.value.args[0] = load(again.targets[0].elts[0].id)
        grads = call(backward, load(saved), load(namer.adjoint(target)))
        statements, contributions = distribute(namer, grads, positions, f"d{callee_name}_args")
        recompute = comments.comment(f"recompute {callee_name} (srcad.checkpoint): its values "
                                     "were not kept")
        return CallAdjoint([recompute, again, check] + statements, contributions)
    primal = assign(gast.Tuple(elts=[store(target), store(saved)], ctx=gast.Store()),
                    gast.Call(func=load(forward), args=args, keywords=keywords))
    grads = call(backward, load(saved), load(namer.adjoint(target)))
    statements, contributions = distribute(namer, grads, positions, f"d{callee_name}_args")
    return CallAdjoint(statements, contributions, primal, saved)


def adjoint_custom(ctx, op) -> CallAdjoint | None:
    """A function with a user's VJP (srcad.defvjp): call it once, take one gradient per
    positional argument; ``None`` if no argument is active."""
    target = op.targets[0]
    activity, helpers = ctx.activity, ctx.helpers
    node = op.node
    positional = [(k, a.id) for k, a in enumerate(node.args)
                  if isinstance(a, gast.Name) and activity.is_active(a.id)]
    by_keyword = [k.arg for k in node.keywords
                  if isinstance(k.value, gast.Name) and activity.is_active(k.value.id)]
    if not (positional or by_keyword):
        return None
    if by_keyword:
        raise UnsupportedSyntaxError(
            f"pass '{by_keyword[0]}' to {op.rule.name} positionally: its VJP gives gradients "
            "for positional arguments only", ctx.location(node))
    vjp = helpers.value(op.rule.custom, getattr(op.rule.custom, "__name__", "vjp")
                        .replace("<lambda>", "vjp"))
    kwargs = gast.Dict(keys=[gast.Constant(value=k.arg, kind=None) for k in node.keywords],
                       values=[k.value for k in node.keywords])
    grads = call(helpers.name("call_vjp"), load(vjp), load(ctx.namer.adjoint(target)),
                 load(target), gast.Tuple(elts=list(node.args), ctx=gast.Load()), kwargs)
    statements, contributions = distribute(ctx.namer, grads, positional, f"d{target}_args")
    return CallAdjoint(statements, contributions)


def distribute(namer, grads, positions, hint) -> tuple:
    """``grads`` (a call returning a tuple of gradients) evaluated once; entry ``k`` goes to the
    adjoint of ``name`` for each ``(k, name)`` in ``positions``. Returns ``(statements,
    contributions)``."""
    statements = []
    if len(positions) > 1:
        grads_name = namer.fresh(hint)
        statements.append(assign(grads_name, grads))
        grads = load(grads_name)
    contributions: dict[str, list] = {}
    for k, name in positions:
        contributions.setdefault(name, []).append(gast.Subscript(
            value=grads, slice=gast.Constant(value=k, kind=None), ctx=gast.Load()))
    return statements, contributions
