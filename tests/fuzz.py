"""Differential fuzzing: random differentiable programs, srcad's gradient against finite differences.

A seeded generator writes modules of random functions over the language srcad supports: straight-line
arithmetic, math and NumPy calls on broadcasting shapes, overwritten variables, if/elif/else on
computed values, for and while loops, break and continue, early returns, subscript writes, and calls
to generated helper functions. Every program is run as plain Python first; srcad's gradient must then
match central differences, and a program srcad refuses must be refused with a SrcadError.

Used by tests/test_fuzz.py (a bounded, seeded batch) and by hand for long runs:

    python tests/fuzz.py --count 10000 --seed 0

Values are kept bounded (tanh, sin, x / (1 + x^2), scaled sums) so that differences are accurate; a
mismatch that changes with the step size is a kink (a branch boundary within one step of the input)
and is counted apart, not as a failure.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import sys
import tempfile
import traceback

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import srcad  # noqa: E402
from gradcheck import numeric_grad  # noqa: E402  (the oracle every test uses)

SHAPES = [(), (3,), (2, 3)]
# constants a user's module defines, read by name in f (--user): they broadcast against x and y
GLOBAL_ARRAYS = {"G3": [0.4, -0.8, 1.2], "G21": [[0.6], [-0.3]], "G23": [[0.5, 1.0, -0.2],
                                                                       [1.5, -1.0, 0.3]]}
PARTNER = {(): [()], (3,): [(3,), ()], (2, 3): [(2, 3), (3,), (2, 1), ()]}


class Program:
    """One generated module: helper functions and a function ``f(x, y, n)``. ``user``: also the
    constructs users write that reach srcad's edges (issue #14): writes through aliases, views and
    containers holding arrays, in-place updates of an array a container holds."""

    def __init__(self, rng: random.Random, user: bool = False):
        self.rng = rng
        self.user = user
        self.counter = 0
        self.helpers = []  # (name, source)
        self.x_shape = rng.choice(SHAPES)
        self.y_shape = rng.choice(PARTNER[self.x_shape])
        self.in_helper = False  # helper bodies stay elementwise: callers pass any shape
        self.globals_used = False  # python_call: a user object and globals rebound between calls

    def fresh(self, prefix="v"):
        self.counter += 1
        return f"{prefix}{self.counter}"

    # -- expressions: (source, shape) over an environment name -> shape -------------------------

    def atom(self, env):
        r = self.rng
        if self.user and not self.in_helper and r.random() < 0.1:  # a global array (a constant)
            name = r.choice(sorted(GLOBAL_ARRAYS))
            return name, np.shape(GLOBAL_ARRAYS[name])
        if r.random() < 0.15:
            return f"{r.choice([0.5, 1.5, -0.7, 2.0, 0.3])}", ()
        name = r.choice(sorted(env))
        return name, env[name]

    def expr(self, env, depth=0):
        r = self.rng
        if depth >= 3 or r.random() < 0.25:
            return self.atom(env)
        kind = r.random()
        if kind < 0.35:
            a, sa = self.expr(env, depth + 1)
            b, sb = self.expr(env, depth + 1)
            op = r.choice(["+", "-", "*"])
            try:
                shape = np.broadcast_shapes(sa, sb)
            except ValueError:  # shapes that do not broadcast: reduce one to a scalar
                b, shape = f"(0.3 * np.sum({b}))", sa
            return f"({a} {op} {b})", shape
        if kind < 0.6:
            a, sa = self.expr(env, depth + 1)
            fn = r.choice(["np.sin", "np.cos", "np.tanh", "sq", "soft", "np.exp(-0.5 * sq", "math"])
            if fn == "sq":
                return f"({a} * {a})", sa
            if fn == "soft":
                return f"({a} / (1.0 + {a} * {a}))", sa
            if fn == "np.exp(-0.5 * sq":
                return f"np.exp(-0.5 * {a} * {a})", sa
            if fn == "math":
                return (f"np.sqrt(1.0 + {a} * {a})", sa)
            return f"{fn}({a})", sa
        if kind < 0.72:
            a, sa = self.expr(env, depth + 1)
            if sa == () or self.in_helper:
                return f"(-{a})", sa
            reduction = r.choice(["np.sum", "np.mean"])
            if len(sa) == 2 and r.random() < 0.5:
                axis = r.choice([0, 1, -1])
                keep = r.random() < 0.5
                shape = tuple(1 if k == axis % 2 else n for k, n in enumerate(sa)) if keep \
                    else tuple(n for k, n in enumerate(sa) if k != axis % 2)
                return f"{reduction}({a}, axis={axis}{', keepdims=True' if keep else ''})", shape
            return f"(0.3 * {reduction}({a}))", ()
        if kind < 0.82 and self.helpers:
            name, arity = r.choice(self.helpers)
            args = [self.expr(env, depth + 1) for _ in range(arity)]
            try:
                shape = np.broadcast_shapes(*[s for _, s in args])
            except ValueError:
                args = [(f"(0.3 * np.sum({a}))", ()) for a, _ in args]
                shape = ()
            return f"{name}({', '.join(a for a, _ in args)})", shape
        if kind < 0.9:
            a, sa = self.expr(env, depth + 1)
            return f"(0.5 * {a})", sa
        a, sa = self.expr(env, depth + 1)
        return f"(-{a})", sa

    def scalar_expr(self, env):
        a, sa = self.expr(env)
        return (a, ()) if sa == () and not self.in_helper else (f"(0.3 * np.sum({a}))", ())

    def condition(self, env):
        a, _ = self.scalar_expr(env)
        op = self.rng.choice([">", "<"])
        return f"{a} {op} {self.rng.choice([-0.5, 0.0, 0.4, 1.0])}"

    # -- statements -------------------------------------------------------------------------------

    def block(self, env, depth, in_loop, length=None):
        r = self.rng
        lines = []
        for _ in range(length or r.randint(1, 4)):
            lines += self.statement(env, depth, in_loop)
        return lines

    def statement(self, env, depth, in_loop):
        r = self.rng
        if self.user and not self.in_helper and r.random() < 0.25:
            return r.choice([self.shared_write, self.shared_write, self.user_call,
                             self.user_call, self.python_call])(env)
        kind = r.random()
        if depth >= 2:
            kind = kind * 0.45
        if kind < 0.3:  # new variable, or overwrite one keeping its shape
            value, shape = self.expr(env)
            existing = [n for n in env if env[n] == shape and n[0] in "vw"]  # not x, y, counters
            if existing and r.random() < 0.5:
                name = r.choice(sorted(existing))
            else:
                name = self.fresh()
            env[name] = shape
            return [f"{name} = {value}"]
        if kind < 0.4:
            names = [n for n in env if n[0] in "vw"]
            if not names:
                return []
            name = r.choice(sorted(names))
            value, shape = self.expr(env)
            try:
                fits = np.broadcast_shapes(shape, env[name]) == env[name]
            except ValueError:
                fits = False
            if not fits:
                value = f"(0.3 * np.sum({value}))"
            return [f"{name} {r.choice(['+=', '-=', '*='])} 0.5 * {value}"]
        if kind < 0.45 and not self.in_helper:  # subscript write into a fresh array
            name = self.fresh("w")
            value, _ = self.scalar_expr(env)
            index = r.choice(["0", "1", "-1", "2"])
            lines = [f"{name} = np.zeros(3)", f"{name}[{index}] = {value}"]
            env[name] = (3,)
            if env.get("x") == (3,) and r.random() < 0.5:
                lines = [f"{name} = x.copy()", f"{name}[{index}] = {value}"]
            return lines
        if kind < 0.6:
            return self.if_statement(env, depth, in_loop)
        if kind < 0.75:
            return self.for_loop(env, depth)
        if kind < 0.82:
            return self.while_loop(env, depth)
        if kind < 0.9 and in_loop:
            return [f"if {self.condition(env)}:", f"    {r.choice(['break', 'continue'])}"]
        if kind < 0.95:
            value, _ = self.scalar_expr(env)
            return [f"if {self.condition(env)}:", f"    return {value}"]
        return []

    def shared_write(self, env):
        """A new array, a second way to reach it (another name, a view, a container), a write
        through one of them, and both left readable: NumPy's semantics, which srcad must follow
        exactly or refuse at the write."""
        r = self.rng
        value, shape = self.expr(env)
        if shape == ():
            return []
        base, other = self.fresh("w"), self.fresh("w")
        lines = [f"{base} = {value} * 1.0"]  # a new array: never the caller's
        scalar, _ = self.scalar_expr(env)
        ways = ["name", "slice", "reversed", "flip", "reshape", "tuple", "list", "dict",
                "list copy", "dict copy"]
        if len(shape) == 2:
            ways.append("transpose")
        way = r.choice(ways)
        view = {"name": (base, shape), "slice": (f"{base}[1:]", (shape[0] - 1,) + shape[1:]),
                "reversed": (f"{base}[::-1]", shape), "flip": (f"np.flip({base})", shape),
                "reshape": (f"{base}.reshape(-1)", (int(np.prod(shape)),)),
                "transpose": (f"{base}.T", shape[::-1])}
        if way in view:
            source, other_shape = view[way]
            lines.append(f"{other} = {source}")
            written = r.choice([other, base])
            lines.append(r.choice([f"{other}[0] = {scalar}", f"{base}[-1] = {scalar}",
                                   f"np.add.at({written}, [0, 0, -1], {scalar})",
                                   f"np.subtract.at({written}, 0, {scalar})",
                                   f"np.copyto({written}, {written} * {scalar})"]))
        elif way.endswith("copy"):  # a shallow copy of a container holds the same array
            holder, copied = self.fresh("c"), self.fresh("c")
            if way == "list copy":
                lines.append(f"{holder} = [{base}, 2.0]")
                lines.append(f"{copied} = " + r.choice([f"list({holder})", f"{holder}[:]",
                                                        f"{holder}.copy()",
                                                        f"[e for e in {holder}]"]))
                key = "0"
            else:
                lines.append(f"{holder} = {{'a': {base}, 'b': 2.0}}")
                lines.append(f"{copied} = " + r.choice([f"dict({holder})", f"{holder}.copy()"]))
                key = "'a'"
            lines.append(f"{copied}[{key}] {r.choice(['+=', '-=', '*='])} {scalar}")
            lines.append(f"{other} = {r.choice([holder, copied])}[{key}]")
            other_shape = shape
        else:  # a container holding the array, then an in-place update of the array
            holder = self.fresh("c")
            lines.append({"tuple": f"{holder} = ({base}, 1.0)", "list": f"{holder} = [{base}, 2.0]",
                          "dict": f"{holder} = {{'a': {base}}}"}[way])
            lines.append(f"{base} += {scalar}" if r.random() < 0.5 else f"{base}[0] = {scalar}")
            lines.append(f"{other} = {holder}[{0 if way != 'dict' else repr('a')}]")
            other_shape = shape
        env[base], env[other] = shape, other_shape
        return lines

    def user_call(self, env):
        """Calls as users write them: a module under another name (``xp = np``, the array-API
        idiom), positional and negative axes, a mutating method, an integer cast."""
        r = self.rng
        value, shape = self.expr(env)
        name = self.fresh()
        way = r.choice(["xp", "axis", "sort", "fill", "int", "intwrite", "addat", "copyto"]
                       if shape != () else ["xp", "int", "intwrite"])
        if way == "xp":
            env[name] = shape
            return ["xp = np", f"{name} = xp.tanh({value}) + xp.sum({value})"]
        if way == "axis":
            axis = r.choice(range(-len(shape), len(shape)))
            env[name] = tuple(n for k, n in enumerate(shape) if k != axis % len(shape))
            return [f"{name} = np.{r.choice(['sum', 'mean'])}({value}, {axis})"]
        if way == "int":  # piecewise constant: a zero gradient (a kink at each jump)
            env[name] = shape
            return [f"{name} = np.asarray(3.0 * {value}, dtype=int) * {value}"]
        if way == "intwrite":  # NumPy casts what is written into an integer array
            scalar, _ = self.scalar_expr(env)
            maker = r.choice(["np.zeros(3, dtype=int)", "np.full(3, 2)", "np.arange(3)"])
            env[name] = (3,)
            return [f"{name} = {maker}", f"{name}[{r.choice([0, 1, -1])}] = 3.0 * {scalar}",
                    f"{name} = {name} * {scalar}"]
        base = self.fresh("w")
        env[base] = shape
        scalar, _ = self.scalar_expr(env)
        other, other_shape = self.expr(env)
        try:
            fits = np.broadcast_shapes(other_shape, shape) == shape
        except ValueError:
            fits = False
        if not fits:  # np.copyto broadcasts the values to the array written into, never back
            other = f"(0.3 * np.sum({other}))"
        mutate = {"sort": f"{base}.sort()", "fill": f"{base}.fill({scalar})",
                  "addat": f"np.add.at({base}, [0, -1, 0], {scalar} * {base}[0])",
                  "copyto": f"np.copyto({base}, {other} * {scalar}, where={base} > 0)"}[way]
        return [f"{base} = {value} * 1.0", mutate]

    def python_call(self, env):
        """Python as users write it around arrays: a dict iterated (keys, ``.items()``,
        ``.values()``), a method of a user object (``SCALE.sum()``, not an array's), a global
        number and a global helper that the test rebinds between two calls of one derived
        function (the module's ``REBIND``)."""
        r = self.rng
        value, shape = self.expr(env)
        other, other_shape = self.expr(env)
        name = self.fresh()
        way = r.choice(["keys", "items", "values", "object", "global"])
        if way in ("keys", "items", "values"):
            holder = self.fresh("d")
            try:
                total = np.broadcast_shapes(shape, other_shape)
            except ValueError:
                value, other, total = f"(0.3 * np.sum({value}))", f"(0.3 * np.sum({other}))", ()
            loop = {"keys": (f"for key in {holder}:", f"{holder}[key]"),
                    "items": (f"for key, item in {holder}.items():", "item"),
                    "values": (f"for item in {holder}.values():", "item")}[way]
            env[name] = total
            return [f"{holder} = {{'p': {value}, 'q': {other}}}", f"{name} = 0.0",
                    loop[0], f"    {name} = {name} + 0.5 * {loop[1]}"]
        self.globals_used = True
        env[name] = shape
        if way == "object":
            return [f"{name} = {value} * SCALE.sum()"]
        return [f"{name} = act({value}) * factor"]

    def if_statement(self, env, depth, in_loop):
        r = self.rng
        branches = [("if", self.condition(env))]
        if r.random() < 0.4:
            branches.append(("elif", self.condition(env)))
        has_else = r.random() < 0.6
        if has_else:
            branches.append(("else", None))
        lines, envs = [], []
        for word, test in branches:
            inner = dict(env)
            body = self.block(inner, depth + 1, in_loop) or ["pass"]
            lines.append(f"{word} {test}:" if test else "else:")
            lines += ["    " + line for line in body]
            envs.append(inner)
        if has_else:  # names bound on every path, with one shape, survive the if
            for name in set.intersection(*[set(e) for e in envs]):
                shapes = {e[name] for e in envs}
                if len(shapes) == 1 and name not in env:
                    env[name] = shapes.pop()
        for name in list(env):  # a shape changed on some path: no longer usable
            if any(e.get(name) != env[name] for e in envs):
                del env[name]
        return lines

    def for_loop(self, env, depth):
        r = self.rng
        var = self.fresh("i")
        inner = dict(env)
        inner[var] = ()
        if r.random() < 0.5:
            counts = ['3', '2'] if self.in_helper else ['n', '3', '1, n + 1', '2']
            header = f"for {var} in range({r.choice(counts)}):"
        elif env.get("x") is not None and env["x"] != () and r.random() < 0.6:
            header = f"for {var} in x:"
            inner[var] = env["x"][1:]
        else:
            header = f"for {var} in range(len([0.5, 1.0, 1.5])):"
        body = self.block(inner, depth + 1, True)
        for name in list(env):
            if inner.get(name) != env[name]:
                del env[name]
        return [header] + ["    " + line for line in body or ["pass"]]

    def while_loop(self, env, depth):
        counter = self.fresh("k")
        inner = dict(env)
        inner[counter] = ()
        body = self.block(inner, depth + 1, True)
        for name in list(env):
            if inner.get(name) != env[name]:
                del env[name]
        limit = self.rng.choice([2, 3, 4])
        test = f"{counter} < {limit}"
        if self.rng.random() < 0.5:
            test += f" and {self.condition(env)}"
        return [f"{counter} = 0", f"while {test}:", f"    {counter} = {counter} + 1"] + \
            ["    " + line for line in body]

    def helper(self):
        name = f"helper{len(self.helpers) + 1}"
        arity = self.rng.choice([1, 2])
        params = ["a", "b"][:arity]
        env = {p: () for p in params}
        self.in_helper = True
        body = self.block(env, 1, False, length=self.rng.randint(1, 3))
        value, _ = self.expr(env)
        self.in_helper = False
        lines = [f"def {name}({', '.join(params)}):"] + ["    " + line for line in body] + \
            [f"    return {value}"]
        self.helpers.append((name, arity))
        return "\n".join(lines)

    def module(self):
        helpers = [self.helper() for _ in range(self.rng.choice([0, 1, 2]))]
        env = {"x": self.x_shape, "y": self.y_shape}
        body = self.block(env, 0, False, length=self.rng.randint(2, 6))
        value, _ = self.scalar_expr(env)
        globals_ = ["class Scale:", "    def __init__(self, s):", "        self.s = s", "",
                    "    def sum(self):", "        return self.s", "", "",
                    "SCALE = Scale(1.5)", "factor = 1.5", "", "",
                    "def act(v):", "    return np.tanh(v)", "", "",
                    "def other_act(v):", "    return np.sin(v)", "", "",
                    "REBIND = {'factor': -0.5, 'act': other_act, 'SCALE': Scale(0.5)}", "", ""]
        source = "\n".join(["import math", "import numpy as np", "", "",
                            "def sq(v):", "    return v * v", "", "",
                            "def soft(v):", "    return v / (1.0 + v * v)", ""] +
                           (globals_ if self.globals_used else []) +
                           ([f"{k} = np.array({v!r})" for k, v in sorted(GLOBAL_ARRAYS.items())]
                            + ["", ""] if self.user else []) +
                           [h + "\n\n" for h in helpers] +
                           ["def f(x, y, n):"] + ["    " + line for line in body] +
                           [f"    return {value}", ""])
        return source


def check_program(source, seed, workdir) -> str:
    """'ok', 'invalid' (the program itself fails), 'kink', 'refused' or 'FAIL: ...'."""
    path = os.path.join(workdir, f"fuzz_{seed}.py")
    with open(path, "w") as fh:
        fh.write(source)
    spec = importlib.util.spec_from_file_location(f"fuzz_{seed}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rng = np.random.default_rng(seed)
    f = module.f
    x_shape, y_shape = module.__dict__.get("X_SHAPE"), module.__dict__.get("Y_SHAPE")
    x = rng.uniform(-1, 1, size=x_shape) if x_shape else float(rng.uniform(-1, 1))
    y = rng.uniform(-1, 1, size=y_shape) if y_shape else float(rng.uniform(-1, 1))
    args = [x, y, 3]
    import signal

    def timeout(signum, frame):
        raise TimeoutError
    signal.signal(signal.SIGALRM, timeout)
    signal.alarm(10)  # a generated program that loops for ever is the generator's bug
    try:
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            value = f(*[np.copy(a) if isinstance(a, np.ndarray) else a for a in args])
            # (on copies: a program may change its argument in place, as NumPy lets it)
        if not np.isfinite(value) or np.ndim(value) != 0 or abs(value) > 1e6:
            return "invalid"  # (beyond 1e6, differences of step 1e-6 lose every digit)
    except Exception:
        signal.alarm(0)
        return "invalid"
    derived = srcad.grad(f, argnums=(0, 1))
    try:
        grads = derived(*args)
    except srcad.SrcadError as exc:
        return f"refused: {type(exc).__name__}"
    except Exception:
        return "FAIL: internal error\n" + traceback.format_exc(limit=3)
    finally:
        signal.alarm(0)
    outcome = compare(f, args, grads)
    if outcome is not None:
        return outcome
    rebind = module.__dict__.get("REBIND")
    if rebind:  # the globals f reads change between two calls of one derived function
        for name, value in rebind.items():
            setattr(module, name, value)
        try:
            with np.errstate(over="raise", divide="raise", invalid="raise"):
                value = f(*[np.copy(a) if isinstance(a, np.ndarray) else a for a in args])
        except Exception:
            return "invalid"
        if not np.isfinite(value) or abs(value) > 1e6:
            return "invalid"
        try:
            grads = derived(*args)
        except srcad.SrcadError as exc:
            return f"refused: {type(exc).__name__}"
        except Exception:
            return "FAIL: internal error after rebinding globals\n" + traceback.format_exc(limit=3)
        outcome = compare(f, args, grads)
        if outcome is not None:
            return outcome.replace("FAIL:", "FAIL: after rebinding globals,")
    outcome = check_vjp(f, args, grads)
    return outcome if outcome is not None else check_forward(f, args, grads, rng)


def check_vjp(f, args, grads):
    """srcad.vjp's reusable backward, run twice on one forward, must give what grad gave."""
    try:
        _, vjp_fn = srcad.vjp(f, *args)
        for _ in range(2):
            got = vjp_fn(1.0)
            for k in (0, 1):
                if not np.allclose(got[k], grads[k], rtol=1e-9, atol=1e-12):
                    return (f"FAIL: vjp of argument {k}: {np.round(got[k], 6)} but grad gives "
                            f"{np.round(grads[k], 6)}")
    except srcad.SrcadError:
        return "FAIL: vjp refuses what grad takes\n" + traceback.format_exc(limit=3)
    except Exception:
        return "FAIL: internal error in vjp\n" + traceback.format_exc(limit=3)
    return None


def compare(f, args, grads):
    """None if ``grads`` (with respect to ``x`` and ``y``) are central differences of ``f``;
    'kink' or 'FAIL: ...' otherwise."""
    for k in (0, 1):
        expected = numeric_grad(f, args, k, eps=1e-6)
        if not np.allclose(grads[k], expected, rtol=1e-4, atol=1e-6):
            other = numeric_grad(f, args, k, eps=1e-7)
            if not np.allclose(expected, other, rtol=1e-3, atol=1e-5):
                return "kink"
            return (f"FAIL: gradient of argument {k}\n  srcad:    {np.round(grads[k], 6)}\n"
                    f"  expected: {np.round(expected, 6)}")
        if np.shape(grads[k]) != np.shape(args[k]):
            return f"FAIL: gradient of argument {k} has shape {np.shape(grads[k])}"
    return None


def check_forward(f, args, grads, rng) -> str:
    """Forward mode against the gradient just checked: jvp along a random direction must be the
    gradient's dot product with it; and the Hessian-vector product (forward over reverse) must
    match central differences of the gradient."""
    vs = [rng.normal(size=np.shape(a)) if np.ndim(a) else float(rng.normal()) for a in args[:2]]
    try:
        _, tangent = srcad.jvp(f, args, vs + [None])
        hv = srcad.hvp(f, 0)(*args, vs[0])
    except srcad.SrcadError:
        return "ok"  # (forward mode may refuse what reverse mode takes, with a located error)
    except Exception:
        return "FAIL: internal error in forward mode\n" + traceback.format_exc(limit=3)
    expected = sum(float(np.sum(np.asarray(g) * v)) for g, v in zip(grads, vs))
    if not np.allclose(tangent, expected, rtol=1e-6, atol=1e-8):
        return f"FAIL: jvp {tangent!r} but the gradient gives {expected!r}"
    g = srcad.grad(f, 0)
    e = 1e-5
    moved = [[(a + s * e * vs[0]) if k == 0 else a for k, a in enumerate(args)] for s in (1, -1)]
    try:
        expected_hv = (np.asarray(g(*moved[0])) - np.asarray(g(*moved[1]))) / (2 * e)
    except Exception:
        return "ok"
    if not np.allclose(hv, expected_hv, rtol=1e-3, atol=1e-4):
        other_e = 1e-6
        moved = [[(a + s * other_e * vs[0]) if k == 0 else a for k, a in enumerate(args)]
                 for s in (1, -1)]
        other = (np.asarray(g(*moved[0])) - np.asarray(g(*moved[1]))) / (2 * other_e)
        if not np.allclose(expected_hv, other, rtol=1e-2, atol=1e-3):
            return "kink"
        return f"FAIL: hvp {np.round(hv, 6)} but differences of the gradient give " \
               f"{np.round(expected_hv, 6)}"
    return "ok"


def generate(seed: int, user: bool = False) -> str:
    program = Program(random.Random(seed), user)
    source = program.module()
    return source + f"\nX_SHAPE = {program.x_shape!r}\nY_SHAPE = {program.y_shape!r}\n"


def run(count: int, seed: int = 0, verbose: bool = False, user: bool = False) -> dict:
    results = {"ok": 0, "invalid": 0, "kink": 0, "refused": 0, "fail": []}
    with tempfile.TemporaryDirectory() as workdir:
        for k in range(seed, seed + count):
            source = generate(k, user)
            outcome = check_program(source, k, workdir)
            if outcome.startswith("FAIL"):
                results["fail"].append((k, outcome, source))
                if verbose:
                    print(f"--- seed {k}: {outcome}\n{source}")
            else:
                results[outcome.split(":")[0]] += 1
    return results


def minimize(source: str, seed: int) -> str:
    """Delete lines of a failing program while it still fails (a readable regression test)."""
    with tempfile.TemporaryDirectory() as workdir:
        lines = source.splitlines()
        changed, counter = True, 0
        while changed:
            changed = False
            for k in range(len(lines) - 1, -1, -1):
                if lines[k].startswith(("def ", "import", "X_SHAPE", "Y_SHAPE")) or "return" in lines[k] \
                        and lines[k].startswith("    return"):
                    continue
                trial = lines[:k] + lines[k + 1:]
                counter += 1
                try:
                    compile("\n".join(trial), "trial", "exec")
                    outcome = check_program("\n".join(trial), seed * 1000 + counter, workdir)
                except Exception:
                    continue
                if outcome.startswith("FAIL"):
                    lines, changed = trial, True
        return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--user", action="store_true",
                        help="also the constructs of Program.shared_write (aliases, views, containers)")
    args = parser.parse_args()
    results = run(args.count, args.seed, verbose=True, user=args.user)
    print(f"{args.count} programs from seed {args.seed}: {results['ok']} agree, "
          f"{len(results['fail'])} disagree, {results['refused']} refused, "
          f"{results['invalid']} invalid as plain Python, {results['kink']} at a kink")


if __name__ == "__main__":
    main()
