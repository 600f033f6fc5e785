"""The fault localizer of check_grads: the first line of a function whose gradient rule is wrong.

Accepts: a Python function, the arguments of one call, and the arguments whose gradient matters.
Guarantees: :func:`find_faulty_line` returns a :class:`LineReport` naming the first line (in order of
execution, descending into called user functions and nested defs) whose gradient rule, checked on
its own at the values that line saw, disagrees with finite differences of that one operation; or
None. Each function is prepared by the pipeline's own front half (:func:`srcad.front.analyse`:
parse ... activity), so the checker analyses exactly the program grad differentiates. What cannot be
checked is listed in ``Localizer.unchecked``, so a report never blames srcad for a mismatch that may
lie in a line it did not check.

The function's A-normal form is run once, instrumented (:mod:`srcad.tools.instrument`) to keep the
operands of every active statement each time it runs; then each run of a statement with a gradient
rule is checked on its own, and each run of a call is checked by doing the same inside the callee.
"""

from __future__ import annotations

import dataclasses
import types

import gast
import numpy as np

from ..front import analyse
from ..passes.ops import OpKind
from . import values
from .instrument import compile_check, hook_cell, instrument


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


def find_faulty_line(fun, args, eps=1e-6, rtol=1e-4, seed=0, argnums=None):
    """The first line of ``fun`` (in order of execution) whose gradient rule, checked on its own at
    the values of this call, disagrees with finite differences of that operation; or None.
    ``argnums``: the arguments whose gradient matters (default: every argument holding floats)."""
    args = list(args)
    ks = tuple(k for k, a in enumerate(args) if values.has_float(a)) if argnums is None else (
        (argnums,) if isinstance(argnums, int) else tuple(argnums))
    return Localizer(eps=eps, rtol=rtol, seed=seed).localize(fun, args, ks)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


class _CannotCheck(Exception):
    """Why a call or a line could not be checked (goes into ``Localizer.unchecked``)."""


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


class Localizer:
    """One search for the faulty line; ``unchecked`` lists what could not be checked."""


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

        from ..api.callables import unwrap
        from ..api.specialize import specialization
        from ..passes.parse import ExtraArgument

        target = unwrap(fun)  # a method, a partial: its function, with what is bound first
        fun, kwargs = target.function, dict(target.kwargs)
        args, ks = target.args + tuple(args), [target.position(k) for k in ks]
        if not isinstance(fun, types.FunctionType):
            self.note(f"{getattr(fun, '__qualname__', fun)!r} is not a Python function: its lines "
                      "were not checked")
            return None
        try:
            signature = inspect.signature(fun, follow_wrapped=False)
            named = [p.name for p in signature.parameters.values()
                     if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
            has_varargs = any(p.kind == p.VAR_POSITIONAL for p in signature.parameters.values())
            params = named + ([ExtraArgument(k) for k in range(len(args) - len(named))]
                              if has_varargs else [])
            static = specialization(fun, args, kwargs)
            wrt = [params[k] for k in ks if -len(params) <= k < len(params)]
        except Exception as exc:  # noqa: BLE001 -- reported, never hidden
            self.note(f"{fun.__qualname__}: could not be prepared for checking "
                      f"({type(exc).__name__}: {exc})")
            return None
        return self.find(fun, args, kwargs, wrt, static, depth=0, where=fun.__qualname__)

    # -- one function ----------------------------------------------------------------------------

    def prepare(self, fun, wrt, static) -> _Prepared:
        """``fun`` through the pipeline's front half (parse ... activity), and its recording copy;
        made once per (function, parameters, :class:`~srcad.passes.parse.Specialization`)."""
        from ..passes.parse import NestedFunction

        try:
            key = (fun, tuple(wrt), static)
            hash(key)
        except TypeError:
            key = None
        if key is not None and key in self.prepared:
            return self.prepared[key]
        front = analyse(fun, wrt, static)
        prepared = _Prepared(front.parsed, front.normalized, front.ops, front.activity,
                             front.helpers, front.fun)
        prepared.recorder = instrument(prepared, defaults=not isinstance(fun, NestedFunction))
        if key is not None:
            self.prepared[key] = prepared
        return prepared

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
            records.append((stmt, {n: values.snapshot(v) for n, v in env.items()}, runs[stmt]))

        cell = hook_cell(prep.recorder)
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
                if op.kind is OpKind.CALL:
                    report = self.check_call(prep, stmt, op, env, depth, line)
                else:
                    report = self.check_rule(prep, stmt, op, env, run)
            except _CannotCheck as exc:
                self.note(f"{line}\n    {exc}")
                continue
            except Exception as exc:  # noqa: BLE001 -- a line srcad could not check: said, not raised
                self.note(f"{line}\n    could not be checked ({type(exc).__name__}: {exc})")
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
        from ..passes.closures import ClosureArgument
        if any(isinstance(p, ClosureArgument) for p in op.args):
            raise _CannotCheck(f"the call to {name}, given a function made here (a lambda, a "
                               "nested def, a partial), was not checked")
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
        return self.find(callee, args, kwargs, wrt, op.static, depth + 1,
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
            checker = prep.checkers[stmt] = compile_check(prep, stmt, op)
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
        if not values.has_float(ans):
            return None  # no gradient flows through an integer (or a non-number)
        for name, rules_of_name in by_name.items():
            x = env.get(name)
            if not values.has_float(x):
                continue
            g = values.random_like(ans, rng, fill=0.0)
            try:
                direction = values.random_like(x, rng, fill=None)
                analytic = sum(values.dot(vjp(*[env[n] for n in names], ans, g), direction)
                               for vjp in rules_of_name)

                def at(t):
                    moved = dict(env)
                    moved[name] = values.axpy(x, t, direction)
                    return operation(*[moved[n] for n in names])

                numeric = (values.dot(g, at(eps)) - values.dot(g, at(-eps))) / (2 * eps)
            except Exception as exc:  # noqa: BLE001 -- reported, never hidden
                raise _CannotCheck(f"checking the gradient rule of {op.rule.name} for '{name}' "
                                   f"raised {type(exc).__name__}: {exc}") from None
            if not np.isclose(analytic, numeric, rtol=self.rtol, atol=1e-6):
                origin = prep.normalized.origin[stmt]
                return LineReport(prep.parsed.filename, origin.lineno,
                                  prep.parsed.statement_text(origin), op.rule.name, name,
                                  analytic, numeric, run)
        return None


