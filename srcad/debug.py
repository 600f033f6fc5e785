"""Checking gradients: ``srcad.check_grads``, which says *which line* is wrong.

``check_grads(f, args)`` compares srcad's gradient with central finite differences (element by
element for small arguments) and with a random-direction test. On a mismatch it does not stop at
"wrong": it checks the gradient rule of every line of ``f`` on its own, at the values that line
really saw in this call, against finite differences of that one operation, and names the first
line whose rule disagrees (descending into the functions ``f`` calls). A wrong rule -- most often
a custom VJP given with ``srcad.defvjp`` -- is found that way; if every line agrees, the mismatch
is in how srcad combined them, and the report says so.
"""

from __future__ import annotations

import dataclasses
import types

import gast
import numpy as np

from .errors import SrcadError


class GradientCheckError(SrcadError, AssertionError):
    """``check_grads`` found srcad's gradient to disagree with finite differences."""


@dataclasses.dataclass
class LineReport:
    filename: str
    lineno: int
    text: str
    operation: str
    argument: str
    rule: float
    differences: float

    def __str__(self):
        return (f"{self.filename}:{self.lineno}: {self.text}\n"
                f"    the gradient rule of {self.operation} for '{self.argument}' gives "
                f"{self.rule:.6g} along a random direction; finite differences give "
                f"{self.differences:.6g}")


def _float_args(args):
    return tuple(k for k, a in enumerate(args)
                 if isinstance(a, float) or (isinstance(a, np.ndarray) and a.dtype.kind == "f")
                 or isinstance(a, np.floating))


def _perturbed(args, k, delta):
    new = list(args)
    new[k] = np.asarray(args[k], dtype=float) + delta if np.ndim(args[k]) else float(args[k]) + delta
    return new


def _differences(f, args, k, eps, elementwise):
    x = np.asarray(args[k], dtype=float)
    if not elementwise:
        return None
    grad = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        e = np.zeros(x.shape)
        e[idx] = eps
        delta = e if x.shape else eps
        grad[idx] = (f(*_perturbed(args, k, delta)) - f(*_perturbed(args, k, -delta))) / (2 * eps)
    return grad


def check_grads(fun, args, order=1, modes=("rev",), argnums=None, eps=1e-6, rtol=1e-5,
                atol=1e-7, seed=0):
    """Check srcad's gradient of scalar ``fun`` at ``args`` against finite differences.

    ``argnums``: the arguments to check (default: every float argument). Raises
    :class:`GradientCheckError` on a mismatch, naming the first line whose gradient rule disagrees;
    returns the gradients otherwise. Only first order and reverse mode exist so far.
    """
    from .api import grad

    if order != 1:
        raise SrcadError("check_grads: only order=1 exists yet (higher orders need grad of grad)")
    if tuple(modes) != ("rev",):
        raise SrcadError("check_grads: only modes=('rev',) exists yet (no forward mode)")
    args = list(args)
    ks = _float_args(args) if argnums is None else ((argnums,) if isinstance(argnums, int)
                                                   else tuple(argnums))
    if not ks:
        raise SrcadError("check_grads: no float argument to check")
    grads = grad(fun, argnums=ks)(*args)
    rng = np.random.default_rng(seed)
    problems = []
    for k, g in zip(ks, grads):
        if np.shape(g) != np.shape(args[k]):
            problems.append(f"argument {k}: gradient of shape {np.shape(g)} for an argument of "
                            f"shape {np.shape(args[k])}")
            continue
        expected = _differences(fun, args, k, eps, np.size(args[k]) <= 1000)
        if expected is not None and not np.allclose(g, expected, rtol=rtol, atol=atol):
            worst = tuple(int(i) for i in np.unravel_index(
                np.argmax(np.abs(np.asarray(g) - expected)), np.shape(g)))
            problems.append(f"argument {k}: srcad gives {np.asarray(g)[worst]:.6g} at "
                            f"{worst if np.ndim(g) else 'the value'}, finite differences "
                            f"{np.asarray(expected)[worst]:.6g}")
            continue
        v = rng.normal(size=np.shape(args[k]))
        lhs = float(np.sum(v * np.asarray(g)))
        rhs = (fun(*_perturbed(args, k, eps * v)) - fun(*_perturbed(args, k, -eps * v))) / (2 * eps)
        if not np.isclose(lhs, rhs, rtol=rtol, atol=atol):
            problems.append(f"argument {k}: along a random direction srcad gives {lhs:.6g}, "
                            f"finite differences {rhs:.6g}")
    if not problems:
        return grads[0] if isinstance(argnums, int) else grads
    culprit = find_faulty_line(fun, args, eps=eps, rtol=max(rtol, 1e-4), seed=seed)
    where = (f"the first line whose gradient rule disagrees:\n  {culprit}" if culprit else
             "every line's gradient rule agrees with finite differences on its own: the "
             "mismatch is in how srcad combined them (please report it, with this function)")
    raise GradientCheckError(f"srcad's gradient of {fun.__qualname__} disagrees with finite "
                             "differences:\n  " + "\n  ".join(problems) + f"\n{where}")


# -- the line that is wrong ------------------------------------------------------------------------

def find_faulty_line(fun, args, eps=1e-6, rtol=1e-4, seed=0, depth=0):
    """The first line of ``fun`` (in order of execution) whose gradient rule, checked on its own at
    the values of this call, disagrees with finite differences of that operation; or None."""
    from . import activity as activity_pass
    from .api import _simple_statements
    from .fence import fence
    from .lower import lower
    from .naming import Namer
    from .normalize import normalize
    from .ops import classify, sequence_names
    from .parse import parse
    from .template import Helpers

    if not isinstance(fun, types.FunctionType) or depth > 3:
        return None
    parsed = parse(fun)
    fence(parsed)
    namer = Namer.for_function(parsed.tree)
    parsed.tree = lower(parsed.tree, namer)
    normalized = normalize(parsed, namer)
    helpers = Helpers(namer, parsed.namespace, normalized.locals)
    simple = list(_simple_statements(normalized.tree.body))
    sequences = sequence_names(simple)
    ops = {stmt: classify(stmt, parsed, normalized.locals, helpers, sequences) for stmt in simple}
    params = [a.id for a in normalized.tree.args.args]
    wrt = [params[k] for k in _float_args(args) if k < len(params)]
    out = normalized.tree.body[-1].value.id
    activity = activity_pass.analyze(list(ops.values()), wrt, [out])

    records = _record(fun, parsed, normalized, ops, activity, helpers, args)
    rng = np.random.default_rng(seed)
    for stmt, env in records:
        report = _check_statement(stmt, ops[stmt], env, parsed, normalized, helpers, activity,
                                  fun, rng, eps, rtol, depth)
        if report is not None:
            return report
    return None


def _record(fun, parsed, normalized, ops, activity, helpers, args):
    """Run ``fun``'s A-normal form once, keeping the operands of each active statement the first
    time it runs: ``[(statement, {name: value})]`` in order of execution."""
    from .emit import emit
    from .load import Entry, load

    records, seen = [], set()
    hook = "__srcad_record__"
    index = {}

    def record(k, env):
        if k not in seen:
            seen.add(k)
            records.append((index[k], dict(env)))

    def instrument(stmts):
        out = []
        for stmt in stmts:
            if isinstance(stmt, (gast.If, gast.For, gast.While)):
                stmt.body = instrument(stmt.body)
                stmt.orelse = instrument(stmt.orelse)
                out.append(stmt)
                continue
            out.append(stmt)
            op = ops.get(stmt)
            if op is None or not op.targets or op.kind not in ("rule", "call") \
                    or not any(activity.is_active(n) for _, n in op.diff_operands()):
                continue
            k = len(index)
            index[k] = stmt
            names = sorted({n.id for n in gast.walk(stmt.value) if isinstance(n, gast.Name)
                            and n.id in normalized.locals} | set(op.targets))
            env = gast.Dict(keys=[gast.Constant(value=n, kind=None) for n in names],
                            values=[gast.Name(id=n, ctx=gast.Load(), annotation=None,
                                              type_comment=None) for n in names])
            out.append(gast.Expr(value=gast.Call(
                func=gast.Name(id=hook, ctx=gast.Load(), annotation=None, type_comment=None),
                args=[gast.Constant(value=k, kind=None), env], keywords=[])))
        return out

    import copy
    tree = copy.copy(normalized.tree)
    tree.body = instrument(list(normalized.tree.body))
    tree.name = "recorded"
    text = emit([(tree, {})], "srcad: check_grads recording run")
    bound = dict(helpers.bound)
    bound[hook] = record
    filename = f"<srcad check_grads of {fun.__qualname__}>"
    functions = load(text, filename, [Entry("recorded", fun, bound, defaults=True)])
    functions["recorded"](*args)
    return records


def _check_statement(stmt, op, env, parsed, normalized, helpers, activity, fun, rng, eps, rtol,
                     depth):
    """Check one line's rule at its recorded operands, against differences of that operation."""
    from .emit import emit
    from .load import Entry, load
    from .template import instantiate

    operands = [(p, n) for p, n in op.diff_operands() if activity.is_active(n)
                and isinstance(env.get(n), (float, np.ndarray, np.floating))]
    if not operands:
        return None
    origin = normalized.origin[stmt]
    text = parsed.statement_text(origin)
    if op.kind == "call":  # a call: check the called function itself, one level down
        if isinstance(getattr(op, "callee", None), types.FunctionType):
            positional = [env[a.id] if isinstance(a, gast.Name) and a.id in env else None
                          for a in op.node.args]
            if all(isinstance(a, (float, np.ndarray)) for a in positional) and not op.node.keywords:
                return find_faulty_line(op.callee, positional, eps, rtol, 0, depth + 1)
        return None
    if op.rule is None or not op.rule.vjps:
        return None
    names = sorted(env)
    value = op.node
    params = [gast.Name(id=n, ctx=gast.Param(), annotation=None, type_comment=None) for n in names]
    forward = gast.FunctionDef(
        name="operation", args=gast.arguments(args=params, posonlyargs=[], vararg=None,
                                              kwonlyargs=[], kw_defaults=[], kwarg=None,
                                              defaults=[]),
        body=[gast.Return(value=value)], decorator_list=[], returns=None, type_comment=None,
        type_params=[])
    target = op.targets[0]
    results = []
    for param, name in operands:
        g_name, ans_name = "g__", target
        bindings = dict(op.args)
        bindings["g"] = gast.Name(id=g_name, ctx=gast.Load(), annotation=None, type_comment=None)
        bindings["ans"] = gast.Name(id=ans_name, ctx=gast.Load(), annotation=None,
                                    type_comment=None)
        if op.rule.custom is not None:  # the user's VJP: call it as the generated code would
            positions = [k for k, a in enumerate(op.node.args)
                         if isinstance(a, gast.Name) and a.id == name]
            if not positions:
                continue
            call = gast.Call(
                func=gast.Name(id=helpers.name("call_vjp"), ctx=gast.Load(), annotation=None,
                               type_comment=None),
                args=[gast.Name(id=helpers.value(op.rule.custom, "vjp"), ctx=gast.Load(),
                                annotation=None, type_comment=None),
                      bindings["g"], bindings["ans"],
                      gast.Tuple(elts=list(op.node.args), ctx=gast.Load()),
                      gast.Dict(keys=[gast.Constant(value=kw.arg, kind=None)
                                      for kw in op.node.keywords],
                                values=[kw.value for kw in op.node.keywords])], keywords=[])
            results.append((param, name, gast.Subscript(
                value=call, slice=gast.Constant(value=positions[0], kind=None), ctx=gast.Load())))
            continue
        if param.endswith("]"):
            base, k = param[:-1].split("[")
            expr = instantiate(op.rule.vjps[base], {**bindings, "k": gast.Constant(
                value=int(k), kind=None)}, helpers)
        else:
            expr = instantiate(op.rule.vjps[param], bindings, helpers)
        results.append((param, name, expr))
    vjp_params = params + [gast.Name(id="g__", ctx=gast.Param(), annotation=None,
                                     type_comment=None)]
    vjps = []
    for k, (param, name, expr) in enumerate(results):
        if expr is None:
            continue
        vjps.append(gast.FunctionDef(
            name=f"vjp_{k}", args=gast.arguments(args=list(vjp_params), posonlyargs=[], vararg=None,
                                                 kwonlyargs=[], kw_defaults=[], kwarg=None,
                                                 defaults=[]),
            body=[gast.Return(value=expr)], decorator_list=[], returns=None, type_comment=None,
            type_params=[]))
    source = emit([(forward, {})] + [(v, {}) for v in vjps], "srcad: check_grads, one line")
    entries = [Entry("operation", fun, helpers.bound, defaults=False)] + [
        Entry(v.name, fun, helpers.bound, defaults=False) for v in vjps]
    functions = load(source, f"<srcad check of {parsed.filename}:{origin.lineno}>", entries)
    operation = functions["operation"]
    ans = env[target]
    g = rng.normal(size=np.shape(ans)) if np.ndim(ans) else float(rng.normal())
    for k, (param, name, expr) in enumerate(results):
        if expr is None:
            continue
        call_env = dict(env)
        rule_value = functions[f"vjp_{k}"](*[call_env[n] for n in names], g)
        direction = rng.normal(size=np.shape(env[name])) if np.ndim(env[name]) else float(
            rng.normal())

        def at(delta):
            moved = dict(call_env)
            moved[name] = np.asarray(env[name], dtype=float) + delta if np.ndim(env[name]) \
                else float(env[name]) + delta
            return operation(*[moved[n] for n in names])

        numeric = float(np.sum(g * (np.asarray(at(eps * direction)) -
                                    np.asarray(at(-eps * direction))) / (2 * eps)))
        analytic = float(np.sum(np.asarray(rule_value) * direction))
        if not np.isclose(analytic, numeric, rtol=rtol, atol=1e-6):
            return LineReport(parsed.filename, origin.lineno, text, op.rule.name, name, analytic,
                              numeric)
    return None
