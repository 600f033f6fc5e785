"""Pass 10, reverse: the two sweeps, put together into the generated function(s).

Accepts: a :class:`srcad.passes.codegen.Context`, the alias guards and shape facts computed for the
function before this pass, and the parameters to differentiate.
Guarantees: :func:`sweeps` runs the backward sweep (:mod:`.sweep`), then the primal sweep
(:mod:`.primal`), decides what is saved and restored (:mod:`.saves`) and returns both sweeps with
their saves in place, plus the prologue the primal sweep needs (the stack, names assigned later that
are saved before each assignment, private copies of arrays the function writes into).
:func:`whole_function` makes ``name(<f's parameters>)`` returning ``(value, gradients)``;
:func:`split_functions` makes the forward/backward pair used for calls and ``srcad.vjp``. Each
returns a :class:`srcad.passes.codegen.Generated` whose ``sweep`` says where the adjoint statements
lie, for :mod:`srcad.passes.inplace`.
"""

from __future__ import annotations

import dataclasses

import gast

from ..codegen import AdjointSweep, Generated, distinct, writes_only_fresh_arrays
from ..lists import private_copies
from ..lists import sharing as list_sharing
from ..parse import parameter_names
from ..written import integer_names, ndarrays
from ..syntax import assign, assigned, call, function, load, loads, store
from .invariants import loop_invariants
from .liveness import restores_live
from .shape_reads import read_for_shape_only, shape_sources
from .primal import primal_block
from .saves import Marker, SavePlan, Sites, apply_plan, definitely_assigned, find_sites, plan_saves
from .sweep import Sweep, live_adjoints


@dataclasses.dataclass(frozen=True)
class Sweeps:
    forward: list    # the prologue and the primal sweep, saves in place
    backward: list   # the backward sweep, restores in place
    finals: list     # the gradients returned, one per parameter of ``wrt``
    out: str         # the variable the function returns
    plan: SavePlan
    sites: Sites
    definite: frozenset  # assigned on every path by the end of the primal sweep


def sweeps(ctx, comments, guards, facts, callees, wrt) -> Sweeps:
    """See the module docstring."""
    tree = ctx.normalized.tree
    namer, helpers = ctx.namer, ctx.helpers
    out = tree.body[-1].value.id
    stmts = tree.body[:-1]
    params = parameter_names(tree.args)
    invariants = loop_invariants(stmts, ctx.ops, params)
    sites = find_sites(stmts, ctx.ops, params, namer, ctx.parsed.mappings, invariants)
    sweep = Sweep(ctx, comments, sites, facts, callees, live_adjoints(stmts, ctx.ops, wrt))
    defined = {out: True} if ctx.activity.is_active(out) else {}
    backward = sweep.block(stmts, defined)
    finals = [load(namer.adjoint(p)) if p in defined else sweep.zero_of(p) for p in wrt]
    forward = primal_block(stmts, sites, sweep.rewrites, guards, comments)

    # Now that the backward sweep is written, decide what must be saved.
    if ctx.options.shapes:  # (unsum(g, W1 * W1): unsum(g, W1))
        shape_sources(backward, helpers, facts, params)
    reads = loads([s for s in backward if not isinstance(s, Marker)]) | loads(finals)
    passed = {a.id for stmt in sweep.rewrites for a in ctx.ops[stmt].args.values()
              if isinstance(a, gast.Name)}  # (read by the call's backward as they were)
    plan = plan_saves([backward, forward], reads, sites, helpers, comments, passed,
                      restores_live(backward, loads(finals)),
                      read_for_shape_only(backward, helpers) - loads(finals))
    backward = comments.tidy(apply_plan(backward, plan), sweep.reverse_loops)
    unread = set(ctx.normalized.loop_counts.values()) - loads(backward) - loads(finals)
    forward = comments.tidy(_without_counters(apply_plan(forward, plan), unread))

    prologue = []
    if plan.stack is not None:
        prologue.append(comments.comment("values the backward pass needs, saved as loops overwrite "
                                         "them"))
        prologue.append(assign(plan.stack, gast.List(elts=[], ctx=gast.Load())))
    predeclared = [site.var for site in sites.all() if site.predeclare and plan.needed(site)]
    if predeclared:
        names = list(dict.fromkeys(predeclared))
        prologue.append(comments.comment(f"assigned later, saved before each assignment: "
                                         f"{', '.join(names)}"))
        prologue.extend(assign(name, gast.Constant(value=None, kind=None)) for name in names)
    steady = [ctx.ops[stmt].targets[0] for stmt in invariants if ctx.ops[stmt].targets[0] in reads]
    if steady:  # (a loop that runs no iteration leaves them unassigned)
        names = sorted(set(steady))
        prologue.append(comments.comment(f"assigned in a loop, the same value each time, not "
                                         f"saved: {', '.join(names)}"))
        prologue.extend(assign(name, gast.Constant(value=None, kind=None)) for name in names)
    if ctx.normalized.subscript_writes and not writes_only_fresh_arrays(ctx.normalized, ctx.ops):
        prologue.append(comments.comment("the function writes into arrays: never into the "
                                         "caller's"))
        prologue.extend(distinct(ctx, params))
        prologue.extend(assign(p, call(helpers.name("private_copy"), load(p))) for p in params)
    prologue += private_copies(ctx, params, comments.comment)
    kept = {stmt: assigned([primal]) for stmt, primal in sweep.rewrites.items()}
    definite = definitely_assigned(stmts, ctx.ops, params, kept)
    return Sweeps(prologue + forward, backward, finals, out, plan, sites, frozenset(definite))


def _without_counters(stmts, counts) -> list:
    """``stmts`` without the statements of the trip counters ``counts`` (``iterations = 0``,
    ``iterations += 1``) that no backward loop reads (it runs over the loop's own range)."""
    def counter(stmt):
        return isinstance(stmt, (gast.Assign, gast.AugAssign)) and isinstance(
            getattr(stmt, "target", None) or stmt.targets[0], gast.Name) and (
            getattr(stmt, "target", None) or stmt.targets[0]).id in counts

    out = []
    for stmt in stmts:
        if counter(stmt):
            continue
        for field in ("body", "orelse"):
            if isinstance(stmt, (gast.If, gast.For, gast.While, gast.With, gast.Try)) \
                    and hasattr(stmt, field):
                setattr(stmt, field, _without_counters(getattr(stmt, field), counts))
        out.append(stmt)
    return out


def _adjoint_sweep(ctx, out, function, start, stop) -> AdjointSweep:
    """Where the adjoint sweep lies, and what :mod:`srcad.passes.inplace` needs to know: the
    adjoints it may consider are all but the output's (the seed, or the caller's array)."""
    tree = ctx.normalized.tree
    adjoints = frozenset(ctx.namer.adjoint_names() - {ctx.namer.adjoint(out)})
    arrays = frozenset((ctx.namer.adjoint_if_any(x), x) for x in ndarrays(ctx.ops, ctx.parsed, tree)
                       if ctx.namer.adjoint_if_any(x) in adjoints)
    return AdjointSweep(function, start, stop, adjoints, arrays, frozenset(integer_names(tree)),
                        ctx.helpers)


def whole_function(ctx, comments, s: Sweeps, name, argnums_is_tuple) -> Generated:
    """One function ``name(<f's parameters>)`` returning ``(value, gradient)``."""
    tree = ctx.normalized.tree
    namer, out = ctx.namer, s.out
    body = [comments.comment("forward: the function, one operation per line")] + s.forward
    value = out
    if out in s.plan.restored:
        value = namer.fresh(f"{out}_value")
        body.append(comments.comment(f"keep the value returned: the backward pass restores {out}"))
        body.append(assign(value, load(out)))
    elif ctx.options.has_aux and s.plan.restored:  # (aux may hold an array restored in place)
        value = namer.fresh(f"{out}_value")
        body.append(comments.comment("keep the value and aux returned: the backward pass "
                                     "restores arrays they may hold"))
        body.append(assign(value, call(ctx.helpers.name("kept_value"), load(out))))
    body.append(comments.comment(f"backward: d<name> is the gradient of {out} with respect to "
                                 "<name>"))
    args = tree.args
    if ctx.options.seeded:  # (vjp: the caller's cotangent, never changed: see _adjoint_sweep)
        cotangent = namer.fresh("cotangent")
        body.append(assign(namer.adjoint(out), load(cotangent)))
        first = [store(cotangent)]
        args = gast.arguments(args=(first if not args.posonlyargs else []) + list(args.args),
                              posonlyargs=(first if args.posonlyargs else []) + list(
                                  args.posonlyargs), vararg=args.vararg,
                              kwonlyargs=list(args.kwonlyargs),
                              kw_defaults=list(args.kw_defaults), kwarg=args.kwarg,
                              defaults=list(args.defaults))
    else:
        seed = "seed_aux" if ctx.options.has_aux else "seed_scalar"  # (has_aux: (loss, aux))
        body.append(assign(namer.adjoint(out), call(ctx.helpers.name(seed), load(out))))
    start = len(body)
    body.extend(s.backward)
    sweep = _adjoint_sweep(ctx, out, 0, start, len(body))
    grads = gast.Tuple(elts=s.finals, ctx=gast.Load()) if argnums_is_tuple else s.finals[0]
    body.append(gast.Return(value=gast.Tuple(elts=[load(value), grads], ctx=gast.Load())))
    return Generated([function(name, args, body)], comments.texts, sweep)


def split_functions(ctx, comments, s: Sweeps, forward_name, backward_name) -> Generated:
    """Two functions: ``forward_name(<f's parameters>)`` returning ``(value, saved)``, and
    ``backward_name(saved, d<value>)`` returning the gradients of ``wrt`` (a tuple), for calls
    from other generated code: ``saved`` holds exactly what the backward sweep reads. The backward
    consumes it (pops the stack, restores arrays in place): it runs once per forward."""
    tree = ctx.normalized.tree
    namer, helpers, out = ctx.namer, ctx.helpers, s.out
    primal = set(parameter_names(tree.args)) | {
        n.id for st in s.forward for n in gast.walk(st)
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}
    saved = sorted(loads(s.backward + s.finals) & primal)
    saved_tuple = gast.Tuple(elts=[load(n) for n in saved], ctx=gast.Load())
    qualname = getattr(ctx.parsed.fn, "__qualname__", "").split(".<locals>.")[-1]
    shown = qualname if qualname.endswith(f".{tree.name}") else tree.name  # Dense.__call__
    fwd_body = [comments.comment(f"forward: {shown} as written; also returns what the "
                                 f"backward pass reads")]
    unassigned = [n for n in saved if n not in s.definite and n not in _predeclared(s.forward)]
    if unassigned:
        fwd_body.append(comments.comment(f"assigned on some paths only: {', '.join(unassigned)}"))
        fwd_body.extend(assign(n, gast.Constant(value=None, kind=None)) for n in unassigned)
    fwd_body += s.forward
    fwd_body.append(gast.Return(value=gast.Tuple(elts=[load(out), saved_tuple], ctx=gast.Load())))
    saved_param = namer.fresh("saved")
    bwd_body = [comments.comment(f"backward: d<name> is the gradient of {shown}'s value with "
                                 "respect to <name>")]
    if saved:
        bwd_body.append(assign(gast.Tuple(elts=[store(n) for n in saved], ctx=gast.Store()),
                               load(saved_param)))
    seed = namer.adjoint(out)
    seed_param = seed
    if out in list_sharing(ctx.ops):  # its gradient, a list, is changed in place
        seed_param = namer.fresh("cotangent")
        bwd_body.append(comments.comment(f"the backward pass changes the gradient of {out} in "
                                         "place: work on a copy"))
        bwd_body.append(assign(seed, call(helpers.name("copy_lists"), load(seed_param))))
    start = len(bwd_body)
    bwd_body.extend(s.backward)
    sweep = _adjoint_sweep(ctx, out, 1, start, len(bwd_body))
    bwd_body.append(gast.Return(value=gast.Tuple(elts=s.finals, ctx=gast.Load())))
    bwd_args = gast.arguments(args=[store(saved_param), store(seed_param)],
                              posonlyargs=[], vararg=None, kwonlyargs=[], kw_defaults=[],
                              kwarg=None, defaults=[])
    for arg in bwd_args.args:
        arg.ctx = gast.Param()
    return Generated([function(forward_name, tree.args, fwd_body),
                      function(backward_name, bwd_args, bwd_body)], comments.texts, sweep)


def _predeclared(stmts) -> set:
    """Names the prologue already sets to None."""
    return {s.targets[0].id for s in stmts if isinstance(s, gast.Assign)
            and isinstance(s.targets[0], gast.Name) and isinstance(s.value, gast.Constant)
            and s.value.value is None}
