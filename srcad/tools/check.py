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

from ..errors import SrcadError


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
    run: int = 1  # which run of the line (in a loop, or a function called several times)

    def __str__(self):
        when = f" (at its {_ordinal(self.run)} run in this call)" if self.run > 1 else ""
        return (f"{self.filename}:{self.lineno}: {self.text}{when}\n"
                f"    the gradient rule of {self.operation} for '{self.argument}' gives "
                f"{self.rule:.6g} along a random direction; finite differences give "
                f"{self.differences:.6g}")


def _is_float(x) -> bool:
    """A value finite differences can perturb: a float, a NumPy float or an array of floats."""
    return (isinstance(x, (float, np.floating)) and not isinstance(x, bool)) or (
        isinstance(x, np.ndarray) and x.dtype.kind == "f")


def _leaves(x, path=()):
    """``(path, value)`` for every float entry of ``x`` (``x`` itself, or inside nested lists,
    tuples and dicts; ``path`` is the sequence of keys and indices that reaches it)."""
    if isinstance(x, dict):
        for key, value in x.items():
            yield from _leaves(value, path + (key,))
    elif isinstance(x, (list, tuple)):
        for k, value in enumerate(x):
            yield from _leaves(value, path + (k,))
    elif _is_float(x):
        yield path, x


def _has_float(x) -> bool:
    return next(_leaves(x), None) is not None


def _rebuild(x, items):
    """A container of ``x``'s type holding ``items`` (a dict's items, or a sequence's entries)."""
    if isinstance(x, dict):
        new = dict(x) if type(x) is dict else type(x)(x)
        new.update(items)
        return new
    if isinstance(x, tuple) and hasattr(x, "_fields"):  # a namedtuple
        return type(x)(*items)
    return type(x)(items)


def _get(x, path):
    for key in path:
        x = x[key]
    return x


def _replace(x, path, value):
    """``x`` with the entry at ``path`` replaced by ``value`` (containers copied, not modified)."""
    if not path:
        return value
    if isinstance(x, dict):
        return _rebuild(x, {path[0]: _replace(x[path[0]], path[1:], value)})
    items = list(x)
    items[path[0]] = _replace(items[path[0]], path[1:], value)
    return _rebuild(x, items)


def _shifted(x, delta):
    return np.asarray(x, dtype=float) + delta if np.ndim(x) else float(x) + delta


def _where(k, path) -> str:
    return f"argument {k}" + "".join(f"[{key!r}]" for key in path)


def _differences(f, x, eps, elementwise):
    """Central differences of scalar ``f(value)`` at ``x``, element by element (None if not
    ``elementwise``)."""
    x = np.asarray(x, dtype=float)
    if not elementwise:
        return None
    grad = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        e = np.zeros(x.shape)
        e[idx] = eps
        delta = e if x.shape else eps
        grad[idx] = (f(_shifted(x, delta)) - f(_shifted(x, -delta))) / (2 * eps)
    return grad


def _check_leaf(fun, args, k, path, g, eps, rtol, atol, rng):
    """The problem with the gradient ``g`` of the entry ``path`` of argument ``k``, or None."""
    where = _where(k, path)
    x = _get(args[k], path)

    def f(value):
        moved = list(args)
        moved[k] = _replace(args[k], path, value)
        return fun(*moved)

    if g is None or not (np.isscalar(g) or isinstance(g, np.ndarray)):
        return f"{where}: srcad gives {g!r} as its gradient, not a number or an array"
    if np.shape(g) != np.shape(x):
        return f"{where}: gradient of shape {np.shape(g)} for an argument of shape {np.shape(x)}"
    expected = _differences(f, x, eps, np.size(x) <= 1000)
    if expected is not None and not np.allclose(g, expected, rtol=rtol, atol=atol):
        worst = tuple(int(i) for i in np.unravel_index(
            np.argmax(np.abs(np.asarray(g) - expected)), np.shape(g)))
        return (f"{where}: srcad gives {np.asarray(g)[worst]:.6g} at "
                f"{worst if np.ndim(g) else 'the value'}, finite differences "
                f"{np.asarray(expected)[worst]:.6g}")
    v = rng.normal(size=np.shape(x))
    lhs = float(np.sum(v * np.asarray(g)))
    rhs = (f(_shifted(x, eps * v)) - f(_shifted(x, -eps * v))) / (2 * eps)
    if not np.isclose(lhs, rhs, rtol=rtol, atol=atol):
        return f"{where}: along a random direction srcad gives {lhs:.6g}, finite differences {rhs:.6g}"
    return None


def check_grads(fun, args, order=1, modes=("rev",), argnums=None, eps=1e-6, rtol=1e-5,
                atol=1e-7, seed=0):
    """Check srcad's gradient of scalar ``fun`` at ``args`` against finite differences.

    ``argnums``: the arguments to check (default: every argument that is or holds floats). An
    argument that is a list, tuple or dict is checked entry by entry (each float inside it). Raises
    :class:`GradientCheckError` on a mismatch, naming the first line whose gradient rule disagrees;
    returns the gradients otherwise. ``modes``: ``"rev"`` checks the gradient (reverse mode),
    ``"fwd"`` also checks a JVP along a random direction (forward mode). ``order=2`` also checks a
    Hessian-vector product along a random direction against differences of the gradient (forward
    over reverse); arguments that are numbers or arrays only.
    """
    from ..api import grad

    if order not in (1, 2):
        raise SrcadError("check_grads: order must be 1 or 2")
    if not set(modes) <= {"rev", "fwd"} or "rev" not in modes:
        raise SrcadError("check_grads: modes must include 'rev' and may add 'fwd'")
    args = list(args)
    ks = tuple(k for k, a in enumerate(args) if _has_float(a)) if argnums is None else (
        (argnums,) if isinstance(argnums, int) else tuple(argnums))
    if not ks:
        raise SrcadError("check_grads: no float argument to check")
    leaves = {}
    for k in ks:
        if not isinstance(k, int) or not -len(args) <= k < len(args):
            raise SrcadError(f"check_grads: argnums={argnums!r} names no argument of the "
                             f"{len(args)} given")
        if isinstance(args[k], (list, tuple, dict)):
            leaves[k] = list(_leaves(args[k]))
            if not leaves[k]:
                raise SrcadError(f"check_grads: argument {k} (a {type(args[k]).__name__}) holds no "
                                 "float to check")
        else:
            leaves[k] = [((), args[k])]
    grads = grad(fun, argnums=ks)(*args)
    rng = np.random.default_rng(seed)
    problems = []
    for k, g in zip(ks, grads):
        for path, _ in leaves[k]:
            try:
                g_leaf = _get(g, path)
            except (KeyError, IndexError, TypeError):
                problems.append(f"{_where(k, path)}: srcad's gradient {g!r} has no entry there")
                continue
            problem = _check_leaf(fun, args, k, path, g_leaf, eps, rtol, atol, rng)
            if problem is not None:
                problems.append(problem)
    if not problems:
        plain_ks = [k for k in ks if not isinstance(args[k], (list, tuple, dict))]
        if "fwd" in modes:
            problems += _check_forward(fun, args, plain_ks, eps, rtol, atol, rng)
        if order == 2:
            problems += _check_second_order(fun, args, plain_ks, eps, rtol, atol, rng)
        if problems:
            raise GradientCheckError(f"srcad's derivatives of {fun.__qualname__} disagree with "
                                     "finite differences:\n  " + "\n  ".join(problems))
        return grads[0] if isinstance(argnums, int) else grads
    localizer = _Localizer(eps=eps, rtol=max(rtol, 1e-4), seed=seed)
    culprit = localizer.localize(fun, args, ks)
    if culprit is not None:
        where = f"the first line whose gradient rule disagrees:\n  {culprit}"
    elif localizer.unchecked:
        where = ("no line whose gradient rule could be checked on its own disagrees, but these "
                 "could not be checked:\n  " + "\n  ".join(localizer.unchecked) +
                 "\nthe mismatch may come from one of them, or from how srcad combined the lines")
    else:
        where = ("every line's gradient rule agrees with finite differences on its own: the "
                 "mismatch is in how srcad combined them (please report it, with this function)")
    raise GradientCheckError(f"srcad's gradient of {fun.__qualname__} disagrees with finite "
                             "differences:\n  " + "\n  ".join(problems) + f"\n{where}")


def _direction(x, rng):
    v = rng.normal(size=np.shape(x))
    return float(v) if np.ndim(x) == 0 and not isinstance(x, np.ndarray) else v


def _moved(args, k, v, e):
    new = list(args)
    x = args[k]
    new[k] = float(x) + e * v if np.ndim(x) == 0 and not isinstance(x, np.ndarray) \
        else np.asarray(x, dtype=float) + e * np.asarray(v)
    return new


def _check_forward(fun, args, ks, eps, rtol, atol, rng) -> list:
    """srcad.jvp along a random direction of each argument against central differences."""
    from ..api import jvp

    problems = []
    for k in ks:
        v = _direction(args[k], rng)
        tangents = [None] * len(args)
        tangents[k] = v
        _, t = jvp(fun, args, tangents)
        expected = (fun(*_moved(args, k, v, eps)) - fun(*_moved(args, k, v, -eps))) / (2 * eps)
        if not np.allclose(t, expected, rtol=rtol, atol=max(atol, 1e-6)):
            problems.append(f"argument {k}: forward mode (srcad.jvp) gives {t!r:.60} along a "
                            f"random direction, finite differences {expected!r:.60}")
    return problems


def _check_second_order(fun, args, ks, eps, rtol, atol, rng) -> list:
    """srcad.hvp along a random direction against central differences of srcad.grad."""
    from ..api import grad, hvp

    problems = []
    for k in ks:
        v = _direction(args[k], rng)
        hv = np.asarray(hvp(fun, k)(*args, v))
        g = grad(fun, k)
        e = 1e-5
        expected = (np.asarray(g(*_moved(args, k, v, e))) - np.asarray(g(*_moved(args, k, v, -e)))) \
            / (2 * e)
        if not np.allclose(hv, expected, rtol=max(rtol, 1e-4), atol=max(atol, 1e-5)):
            worst = np.unravel_index(np.argmax(np.abs(hv - expected)), np.shape(hv)) \
                if np.ndim(hv) else ()
            problems.append(f"argument {k}: the Hessian-vector product (srcad.hvp) gives "
                            f"{np.asarray(hv)[worst]!r} at {worst}, differences of the gradient "
                            f"{np.asarray(expected)[worst]!r}")
    return problems


# -- the line that is wrong ------------------------------------------------------------------------
#
# The function's A-normal form is run once, instrumented to keep the operands of every active
# statement each time it runs; then, in order of execution, each run of a statement with a gradient
# rule is checked on its own against finite differences of that one operation, and each run of a
# call to a user function (or a nested def) is checked by doing the same inside the callee, with the
# arguments it got. What cannot be checked is noted in ``_Localizer.unchecked``, so that the report
# never blames srcad for a mismatch that may lie in a line it did not check.

def find_faulty_line(fun, args, eps=1e-6, rtol=1e-4, seed=0, argnums=None):
    """The first line of ``fun`` (in order of execution) whose gradient rule, checked on its own at
    the values of this call, disagrees with finite differences of that operation; or None.
    ``argnums``: the arguments whose gradient matters (default: every argument holding floats)."""
    args = list(args)
    ks = tuple(k for k, a in enumerate(args) if _has_float(a)) if argnums is None else (
        (argnums,) if isinstance(argnums, int) else tuple(argnums))
    return _Localizer(eps=eps, rtol=rtol, seed=seed).localize(fun, args, ks)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


class _CannotCheck(Exception):
    """Why a call or a line could not be checked (goes into ``_Localizer.unchecked``)."""


@dataclasses.dataclass
class _Prepared:
    """A function (or a nested def, lifted) through the passes, with its instrumented copy."""

    parsed: object
    normalized: object
    ops: dict
    activity: object
    helpers: object
    user_fn: object
    recorder: object = None
    index: dict = dataclasses.field(default_factory=dict)  # record number -> statement
    names: dict = dataclasses.field(default_factory=dict)  # statement -> the names recorded
    checkers: dict = dataclasses.field(default_factory=dict)  # statement -> compiled check


class _Localizer:
    MAX_DEPTH = 12      # calls inside calls followed (recursion stops here)
    BUDGET = 5000       # runs of statements checked, over all calls

    def __init__(self, eps, rtol, seed):
        self.eps, self.rtol = eps, rtol
        self.rng = np.random.default_rng(seed)
        self.unchecked: list = []
        self.prepared: dict = {}
        self.budget = self.BUDGET

    def note(self, text):
        if text not in self.unchecked:
            self.unchecked.append(text)

    def localize(self, fun, args, ks):
        """The first faulty line of ``fun`` called with ``args`` (gradients wanted for ``ks``)."""
        import inspect

        from ..passes.parse import parse

        if not isinstance(fun, types.FunctionType):
            self.note(f"{getattr(fun, '__qualname__', fun)!r} is not a Python function: its lines "
                      "were not checked")
            return None
        try:
            signature = inspect.signature(fun, follow_wrapped=False)
            named = [p.name for p in signature.parameters.values()
                     if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
            has_varargs = any(p.kind == p.VAR_POSITIONAL for p in signature.parameters.values())
            params = named + ([f"*{k}" for k in range(len(args) - len(named))] if has_varargs
                              else [])
            static = {}
            if has_varargs:
                static["*args"] = max(len(args) - len(named), 0)
            for name in parse(fun).called_parameters():
                k = named.index(name) if name in named else None
                if k is not None and k < len(args) and callable(args[k]):
                    static[name] = args[k]
            wrt = [params[k] for k in ks if -len(params) <= k < len(params)]
        except Exception as exc:  # noqa: BLE001 -- reported, never hidden
            self.note(f"{fun.__qualname__}: could not be prepared for checking "
                      f"({type(exc).__name__}: {exc})")
            return None
        return self.find(fun, args, {}, wrt, static, depth=0, where=fun.__qualname__)

    # -- one function ----------------------------------------------------------------------------

    def prepare(self, fun, wrt, static) -> _Prepared:
        from ..passes import activity as activity_pass
        from ..passes.syntax import simple_statements as _simple_statements
        from ..passes.fence import fence
        from ..passes.lower import lower
        from ..naming import Namer
        from ..passes.normalize import normalize
        from ..passes.ops import classify, sequence_names
        from ..passes.parse import NestedFunction, parse
        from ..rules.template import Helpers

        try:
            key = (fun, tuple(wrt), tuple(sorted(static.items(), key=lambda item: item[0])))
            hash(key)
        except TypeError:
            key = None
        if key is not None and key in self.prepared:
            return self.prepared[key]
        if isinstance(fun, NestedFunction):
            parsed, user_fn = fun.parsed(), fun.parent.fn
        else:
            parsed, user_fn = parse(fun), fun
        static = dict(static)
        if "*args" in static:
            parsed.specialize_varargs(static.pop("*args"))
            varargs = [n for names in parsed.varargs.values() for n in names]
            wrt = [varargs[int(p[1:])] if p.startswith("*") else p for p in wrt]
        parsed.static = {k: v for k, v in static.items() if k in parsed.called_parameters()}
        fence(parsed)
        namer = Namer.for_function(parsed.tree)
        parsed.tree = lower(parsed.tree, namer)
        normalized = normalize(parsed, namer)
        helpers = Helpers(namer, parsed.namespace, normalized.locals)
        simple = list(_simple_statements(normalized.tree.body))
        sequences = sequence_names(simple)
        ops = {stmt: classify(stmt, parsed, normalized.locals, helpers, sequences)
               for stmt in simple}
        out = normalized.tree.body[-1].value.id
        activity = activity_pass.analyze(list(ops.values()), list(wrt), [out])
        prepared = _Prepared(parsed, normalized, ops, activity, helpers, user_fn)
        prepared.recorder = self.instrument(prepared, defaults=not isinstance(fun, NestedFunction))
        if key is not None:
            self.prepared[key] = prepared
        return prepared

    def instrument(self, prep, defaults):
        """The A-normal form with a call to the recording hook after each active statement."""
        import copy

        from ..passes.emit import emit
        from ..passes.load import Entry, load

        hook = "__srcad_record__"
        normalized, ops, activity = prep.normalized, prep.ops, prep.activity

        def instrument(stmts):
            out = []
            for stmt in stmts:
                if isinstance(stmt, (gast.If, gast.For, gast.While)):
                    stmt.body = instrument(stmt.body)
                    stmt.orelse = instrument(stmt.orelse)
                    out.append(stmt)
                    continue
                op = ops.get(stmt)
                if op is None or not op.targets or op.kind not in ("rule", "call") \
                        or not any(activity.is_active(n) for _, n in op.diff_operands()):
                    out.append(stmt)
                    continue
                k = len(prep.index)
                prep.index[k] = stmt
                # the operands, recorded *before* the statement runs (``y = np.tanh(y)`` overwrites
                # one); the checks recompute the result
                names = {n.id for n in gast.walk(stmt.value) if isinstance(n, gast.Name)
                         and n.id in normalized.locals}
                if op.kind == "call":  # every argument, to call the callee with
                    names |= {n.id for a in list(op.args.values()) + list(op.node.args) +
                              [kw.value for kw in op.node.keywords]
                              for n in gast.walk(a) if isinstance(n, gast.Name)}
                names = sorted(names)
                prep.names[stmt] = names
                env = gast.Dict(keys=[gast.Constant(value=n, kind=None) for n in names],
                                values=[gast.Name(id=n, ctx=gast.Load(), annotation=None,
                                                  type_comment=None) for n in names])
                out.append(gast.Expr(value=gast.Call(
                    func=gast.Name(id=hook, ctx=gast.Load(), annotation=None, type_comment=None),
                    args=[gast.Constant(value=k, kind=None), env], keywords=[])))
                out.append(stmt)
            return out

        tree = copy.copy(normalized.tree)  # its statements are instrumented in place
        tree.body = instrument(list(normalized.tree.body))
        tree.name = "recorded"
        text = emit([(tree, {})], "srcad: check_grads recording run")
        bound = dict(prep.helpers.bound)
        bound[hook] = None  # set for each run (see record)
        filename = f"<srcad check_grads of {prep.parsed.fn.__qualname__} at " \
                   f"{prep.parsed.filename}:{prep.parsed.tree.lineno}>"
        entry = Entry("recorded", prep.user_fn, bound, defaults=defaults)
        recorded = load(text, filename, [entry])["recorded"]
        return recorded

    def record(self, prep, args, kwargs):
        """Run the instrumented function: ``[(statement, {name: value}, run number)]`` in order of
        execution (values copied: later writes into an array do not change them)."""
        records, runs = [], {}
        truncated = []

        def hook(k, env):
            if len(records) >= self.BUDGET:
                truncated.append(k)
                return
            stmt = prep.index[k]
            runs[stmt] = runs.get(stmt, 0) + 1
            records.append((stmt, {n: _snapshot(v) for n, v in env.items()}, runs[stmt]))

        cell = _hook_cell(prep.recorder)
        cell.cell_contents = hook
        try:
            prep.recorder(*args, **kwargs)
        finally:
            cell.cell_contents = None
        if truncated:
            self.note(f"{prep.parsed.fn.__qualname__}: only its first {self.BUDGET} operations "
                      "were recorded")
        return records

    def find(self, fun, args, kwargs, wrt, static, depth, where):
        try:
            prep = self.prepare(fun, wrt, static)
            records = self.record(prep, args, kwargs)
        except Exception as exc:  # noqa: BLE001 -- reported, never hidden
            self.note(f"{where}: its lines could not be checked ({type(exc).__name__}: {exc})")
            return None
        for stmt, env, run in records:
            if self.budget <= 0:
                self.note(f"the check stopped after {self.BUDGET} runs of lines; later ones "
                          "were not checked")
                return None
            self.budget -= 1
            op = prep.ops[stmt]
            origin = prep.normalized.origin[stmt]
            line = f"{prep.parsed.filename}:{origin.lineno}: {prep.parsed.statement_text(origin)}"
            try:
                if op.kind == "call":
                    report = self.check_call(prep, stmt, op, env, depth, line)
                else:
                    report = self.check_rule(prep, stmt, op, env, run)
            except _CannotCheck as exc:
                self.note(f"{line}\n    {exc}")
                continue
            if report is not None:
                return report
        return None

    # -- a call: the same, one level down --------------------------------------------------------

    def check_call(self, prep, stmt, op, env, depth, line):
        from ..passes.parse import NestedFunction

        callee = op.callee
        name = getattr(callee, "__qualname__", repr(callee))
        if not isinstance(callee, (types.FunctionType, NestedFunction)):
            raise _CannotCheck(f"the call to {name} (not a Python function) was not checked")
        if depth + 1 > self.MAX_DEPTH:
            raise _CannotCheck(f"the call to {name} was not checked: calls more than "
                               f"{self.MAX_DEPTH} deep (recursion) are not followed")
        wrt = [p for p, a in op.args.items() if isinstance(a, gast.Name)
               and prep.activity.is_active(a.id)]
        if not wrt:
            return None
        if isinstance(callee, NestedFunction):  # the lifted function takes every argument by name
            args = []
            kwargs = {p: self.value(a, env, prep) for p, a in op.args.items()}
        else:
            args = [self.value(a, env, prep) for a in op.node.args]
            kwargs = {kw.arg: self.value(kw.value, env, prep) for kw in op.node.keywords}
        return self.find(callee, args, kwargs, wrt, dict(op.static), depth + 1,
                         f"{line}\n    (in {name})")

    @staticmethod
    def value(atom, env, prep):
        """The value of an argument of a call, at this run."""
        from ..passes.parse import dotted_name, resolve_dotted

        if isinstance(atom, gast.Constant):
            return atom.value
        if isinstance(atom, gast.Name) and atom.id in env:
            return env[atom.id]
        if dotted_name(atom) is not None:
            return resolve_dotted(atom, prep.parsed.namespace, prep.parsed.filename)
        raise _CannotCheck(f"the argument '{gast.unparse(atom)}' could not be evaluated, so this "
                           "call was not checked")

    # -- a line with a gradient rule ------------------------------------------------------------

    def check_rule(self, prep, stmt, op, env, run):
        if op.rule is None or not op.rule.vjps:
            return None
        checker = prep.checkers.get(stmt)
        if checker is None:
            checker = prep.checkers[stmt] = self.compile_check(prep, stmt, op)
        operation, vjps, names = checker
        rng, eps = self.rng, self.eps
        by_name = {}  # an operand used twice (``x * x``) gets the sum of its rules' gradients
        for param, name, vjp in vjps:
            by_name.setdefault(name, []).append(vjp)
        try:
            ans = operation(*[env[n] for n in names])
        except Exception as exc:  # noqa: BLE001 -- reported, never hidden
            raise _CannotCheck(f"running this line again raised {type(exc).__name__}: {exc}") \
                from None
        if not _has_float(ans):
            return None  # no gradient flows through an integer (or a non-number)
        for name, rules_of_name in by_name.items():
            x = env.get(name)
            if not _has_float(x):
                continue
            g = _random_like(ans, rng, fill=0.0)
            try:
                direction = _random_like(x, rng, fill=None)
                analytic = sum(_dot(vjp(*[env[n] for n in names], ans, g), direction)
                               for vjp in rules_of_name)

                def at(t):
                    moved = dict(env)
                    moved[name] = _axpy(x, t, direction)
                    return operation(*[moved[n] for n in names])

                numeric = (_dot(g, at(eps)) - _dot(g, at(-eps))) / (2 * eps)
            except Exception as exc:  # noqa: BLE001 -- reported, never hidden
                raise _CannotCheck(f"checking the gradient rule of {op.rule.name} for '{name}' "
                                   f"raised {type(exc).__name__}: {exc}") from None
            if not np.isclose(analytic, numeric, rtol=self.rtol, atol=1e-6):
                origin = prep.normalized.origin[stmt]
                return LineReport(prep.parsed.filename, origin.lineno,
                                  prep.parsed.statement_text(origin), op.rule.name, name,
                                  analytic, numeric, run)
        return None

    def compile_check(self, prep, stmt, op):
        """``operation(names...)`` computing the statement, and one ``vjp_k(names..., ans, g)``
        per active operand giving its rule's gradient."""
        from ..passes.emit import emit
        from ..passes.load import Entry, load
        from ..rules.template import instantiate

        helpers = prep.helpers
        names = prep.names[stmt]

        def name_node(n, ctx=None):
            return gast.Name(id=n, ctx=ctx or gast.Load(), annotation=None, type_comment=None)

        def function(fname, params, value):
            return gast.FunctionDef(
                name=fname, args=gast.arguments(
                    args=[name_node(n, gast.Param()) for n in params], posonlyargs=[],
                    vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]),
                body=[gast.Return(value=value)], decorator_list=[], returns=None,
                type_comment=None, type_params=[])

        results = []
        for param, name in op.diff_operands():
            if not prep.activity.is_active(name):
                continue
            bindings = dict(op.args)
            bindings["g"] = name_node("g__")
            bindings["ans"] = name_node("ans__")
            if op.rule.custom is not None:  # the user's VJP: call it as the generated code would
                if param.index is not None:
                    position = len(op.rule.params) + param.index
                else:
                    position = op.rule.params.index(param.param)
                if position >= len(op.node.args):
                    continue  # passed by keyword: the VJP gives gradients of positional ones
                call = gast.Call(
                    func=name_node(helpers.name("call_vjp")),
                    args=[name_node(helpers.value(op.rule.custom, "vjp")),
                          bindings["g"], bindings["ans"],
                          gast.Tuple(elts=list(op.node.args), ctx=gast.Load()),
                          gast.Dict(keys=[gast.Constant(value=kw.arg, kind=None)
                                          for kw in op.node.keywords],
                                    values=[kw.value for kw in op.node.keywords])], keywords=[])
                expr = gast.Subscript(value=call, slice=gast.Constant(value=position, kind=None),
                                      ctx=gast.Load())
            elif param.index is not None:
                expr = instantiate(op.rule.vjps[param.param], {**bindings, "k": gast.Constant(
                    value=param.index, kind=None)}, helpers)
            else:
                expr = instantiate(op.rule.vjps[param.param], bindings, helpers)
            if expr is not None:
                results.append((param, name, expr))
        defs = [function("operation", names, op.node)] + [
            function(f"vjp_{k}", names + ["ans__", "g__"], expr)
            for k, (_, _, expr) in enumerate(results)]
        source = emit([(d, {}) for d in defs], "srcad: check_grads, one line")
        origin = prep.normalized.origin[stmt]
        entries = [Entry(d.name, prep.user_fn, helpers.bound, defaults=False) for d in defs]
        functions = load(source, f"<srcad check of {prep.parsed.filename}:{origin.lineno}>",
                         entries)
        vjps = [(param, name, functions[f"vjp_{k}"])
                for k, (param, name, _) in enumerate(results)]
        return functions["operation"], vjps, names


def _walk_statements(stmts):
    """Every statement of a body, also inside ifs and loops, in order."""
    for stmt in stmts:
        yield stmt
        if isinstance(stmt, (gast.If, gast.For, gast.While)):
            yield from _walk_statements(stmt.body)
            yield from _walk_statements(stmt.orelse)


def _hook_cell(fn):
    return fn.__closure__[fn.__code__.co_freevars.index("__srcad_record__")]


def _snapshot(value):
    """A copy of ``value`` that later writes into arrays (``y[i] = ...``) do not change."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
        return type(value)(_snapshot(v) for v in value)
    if type(value) is dict:
        return {k: _snapshot(v) for k, v in value.items()}
    return value


def _random_like(x, rng, fill):
    """Random normal numbers shaped like ``x``'s float entries (``fill`` at its other entries)."""
    if isinstance(x, dict):
        return {k: _random_like(v, rng, fill) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return _rebuild(x, [_random_like(v, rng, fill) for v in x])
    if _is_float(x):
        return rng.normal(size=np.shape(x)) if np.ndim(x) else float(rng.normal())
    if fill is not None and isinstance(x, (int, np.integer, np.ndarray)):
        return np.zeros(np.shape(x)) if np.ndim(x) else fill
    return None


def _axpy(x, t, d):
    """``x + t * d`` for the float entries of ``x`` (``d`` from :func:`_random_like`)."""
    if d is None:
        return x
    if isinstance(x, dict):
        return _rebuild(x, {k: _axpy(v, t, d[k]) for k, v in x.items()})
    if isinstance(x, (list, tuple)):
        return _rebuild(x, [_axpy(v, t, dv) for v, dv in zip(x, d)])
    return _shifted(x, t * d)


def _dot(a, b) -> float:
    """The sum of the products of matching numeric entries (None and non-numbers count as 0)."""
    if a is None or b is None:
        return 0.0
    if isinstance(a, dict) and isinstance(b, dict):
        return sum((_dot(v, b.get(k)) for k, v in a.items()), 0.0)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return sum((_dot(u, v) for u, v in zip(a, b)), 0.0)
    try:
        return float(np.sum(np.asarray(a, dtype=float) * np.asarray(b, dtype=float)))
    except (TypeError, ValueError):
        return 0.0
