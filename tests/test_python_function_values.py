"""Locals holding functions, and random draws with differentiable parameters (issue #15).

Random draws: ``rng.normal(loc, scale, size)`` and ``rng.uniform(low, high, size)`` of a
``numpy.random.Generator`` (made inside the function, passed in, or global) and NumPy's global
``np.random.normal``/``np.random.uniform`` (after ``np.random.seed(...)`` in the function) get the
pathwise gradient: srcad computes the sample as NumPy does, ``loc + scale * z`` and ``low + (high
- low) * u`` from the same generator's standard draws, so the samples are bit-identical to the plain
function's. With a fixed seed the function is deterministic, so central differences are an oracle,
in reverse mode, forward mode and Hessian-vector products. What srcad cannot draw so is refused.

Local functions: a local bound to a static function (``f = math.sin``), or to one of several
depending on a branch (dispatched on which it holds at run time), is a call of that function; a
local holding ``functools.partial(F, ...)`` of one function ``F``, only called, is a call of ``F``
with the values bound when the partial was made; the forms srcad does not follow (lambdas, a
nested ``def`` or a partial passed as a value, partials of different functions) are refused at the
user's line."""

import functools
import math

import numpy as np
import pytest

import srcad
from gradcheck import check_grad, directional, make_function, numeric_grad


def relu(v):
    return np.maximum(v, 0.0)


class Noise:
    """An object with a ``normal`` method of its own (not a Generator)."""

    def normal(self, a, b, c):
        return a * b


def make_noise():
    made = []
    made.append(Noise())  # (a list changed by a method: srcad does not follow its entries)
    return made[0]


def apply(h, v):
    return h(v)


def scaled(v, a=2.0):
    return a * v * v


NAMESPACE = {"functools": functools, "partial": functools.partial, "scaled": scaled, "np": np, "math": math, "relu": relu, "make_noise": make_noise,
             "GLOBAL_RNG": np.random.default_rng(11)}

PROGRAMS = {
    "a generator made inside from a constant seed": """
        def f(x, y):
            rng = np.random.default_rng(0)
            s = rng.normal(x, y * y + 0.1, 3)
            return np.sum(np.sin(s) * s)
        """,
    "uniform broadcast to a size": """
        def f(x, y):
            rng = np.random.default_rng(1)
            s = rng.uniform(x, x + y * y + 1.0, size=(2, 3))
            return np.sum(s ** 2 * np.cos(x))
        """,
    "keywords, defaults, scalar parameters and no size": """
        def f(x, y):
            rng = np.random.default_rng(2)
            a = rng.normal(scale=y[0] ** 2 + 0.5, size=3)
            b = rng.normal(x[1])
            c = rng.uniform(high=x * x + 0.1)
            return np.sum(a * x) + b * y[2] + np.sum(c * c)
        """,
    "draws in a loop: each iteration a new draw": """
        def f(x, y):
            rng = np.random.default_rng(3)
            h = x
            for t in range(4):
                h = np.tanh(h + rng.normal(0.1 * h, np.exp(y) * 0.3))
            return np.sum(h * h)
        """,
    "a draw in one branch": """
        def f(x, y):
            rng = np.random.default_rng(4)
            if np.sum(x) > 0:
                s = rng.normal(x, y * y)
            else:
                s = x * y
            return np.sum(s ** 3)
        """,
    "np.random.seed then the global np.random.normal and uniform": """
        def f(x, y):
            np.random.seed(5)
            a = np.random.normal(x, y * y, 3)
            b = np.random.uniform(x, 2.0 + y)
            return np.sum(a * b) + np.sum(np.sin(a))
        """,
    "a local bound to a static function, called repeatedly (f = math.sin)": """
        def f(x, y):
            g = math.sin
            return g(g(g(x[0] * y[1]))) + np.sum(x)
        """,
    "functools.partial of a NumPy function called at once": """
        def f(x, y):
            return np.sum(functools.partial(np.power, x)(2.0) * y) + np.sum(partial(np.dot, y)(x))
        """,
    "partial of a user function, the bound value rebound after (the partial keeps the old)": """
        def f(x, y):
            p = partial(scaled, a=x * y)
            x = x * 3.0
            return np.sum(p(x)) + np.sum(p(y, a=x))
        """,
    "partial made in both branches (other bound values), called in a loop": """
        def f(x, y):
            if y[0] > 0:
                p = partial(scaled, x)
            else:
                p = partial(scaled, y * y)
            h = x
            for t in range(3):
                h = np.sin(p(h))
            return np.sum(h)
        """,
    "a local bound to one of two functions by a branch": """
        def f(x, y):
            act = np.tanh if y[0] > 0 else relu
            h = act(x * y)
            return np.sum(act(h + x))
        """,
}


def _program(name):
    return make_function(PROGRAMS[name], dict(NAMESPACE))


@pytest.mark.parametrize("name", list(PROGRAMS))
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_reverse_forward_and_hvp_against_differences(name, sign):
    f = _program(name)
    rng = np.random.default_rng(7)
    x, y = sign * np.abs(rng.normal(size=3)) + 0.05, rng.normal(size=3)
    check_grad(f, [x, y], argnums=(0, 1))
    v, w = rng.normal(size=3), rng.normal(size=3)
    _, tangent = srcad.jvp(f, (x, y), (v, w))
    expected = directional(f, [x, y], 0, v) + directional(f, [x, y], 1, w)
    np.testing.assert_allclose(tangent, expected, rtol=1e-5, atol=1e-7)
    g = srcad.grad(f)
    e = 1e-5
    np.testing.assert_allclose(srcad.hvp(f)(x, y, v), (g(x + e * v, y) - g(x - e * v, y)) / (2 * e),
                               rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", [n for n in PROGRAMS if "draw" in n or "random" in n
                                  or "uniform" in n or "generator" in n])
def test_the_samples_are_the_plain_functions_bit_for_bit(name):
    f = _program(name)
    x, y = np.array([0.3, -0.7, 1.1]), np.array([0.9, -0.4, 0.2])
    out, _ = srcad.value_and_grad(f, argnums=(0, 1))(x, y)
    assert out == f(x, y)
    primal, _ = srcad.jvp(f, (x, y), (x, y))
    assert primal == f(x, y)


def test_normal_and_uniform_are_numpys_standard_draws_scaled():
    """The fact the rewrite rests on, for the NumPy installed."""
    loc, scale = np.array([0.3, -0.5, 1.2]), np.array([2.0, 0.0, 1.7])
    for size in (None, 3, (4, 3)):
        shape = np.broadcast(loc, scale).shape if size is None else size
        a = np.random.default_rng(9).normal(loc, scale, size)
        b = loc + scale * np.random.default_rng(9).standard_normal(shape)
        assert np.array_equal(a, b)
        a = np.random.default_rng(9).uniform(loc, scale + 3.0, size)
        b = loc + (scale + 3.0 - loc) * np.random.default_rng(9).random(shape)
        assert np.array_equal(a, b)
        np.random.seed(9)
        a = np.random.normal(loc, scale, size)
        np.random.seed(9)
        assert np.array_equal(a, loc + scale * np.random.standard_normal(shape))


def test_a_zero_scale_has_the_gradient_of_the_draw():
    f = make_function("""
        def f(x, s):
            rng = np.random.default_rng(0)
            return np.sum(rng.normal(x, s, 3) ** 2)
        """, dict(NAMESPACE))
    x, s = np.array([0.3, -0.5, 1.2]), np.zeros(3)
    gx, gs = srcad.grad(f, argnums=(0, 1))(x, s)
    np.testing.assert_allclose(gx, 2 * x)
    z = np.random.default_rng(0).standard_normal(3)
    np.testing.assert_allclose(gs, 2 * x * z)  # d/ds (x + s z)^2 at s = 0
    e = 1e-7  # (one-sided: NumPy refuses a negative scale)
    one_sided = [(f(x, e * np.eye(3)[i]) - f(x, s)) / e for i in range(3)]
    np.testing.assert_allclose(gs, one_sided, rtol=1e-5, atol=1e-6)


def test_a_generator_passed_in_draws_as_the_function_would():
    f = make_function("""
        def f(x, rng):
            return np.sum(np.sin(rng.normal(x, 0.5)) + rng.uniform(x, 1.0 + x * x))
        """, dict(NAMESPACE))
    x = np.array([0.3, -0.5, 1.2])
    expected = numeric_grad(lambda x: f(x, np.random.default_rng(2)), [x], 0)
    np.testing.assert_allclose(srcad.grad(f)(x, np.random.default_rng(2)), expected, rtol=1e-5)
    # the generator advances as the plain function advances it
    a, b = np.random.default_rng(2), np.random.default_rng(2)
    srcad.grad(f)(x, a)
    f(x, b)
    assert a.random() == b.random()


def test_a_global_generator_is_read_where_it_is_drawn_from():
    namespace = dict(NAMESPACE)
    f = make_function("""
        def f(x):
            return np.sum(GLOBAL_RNG.normal(x, 2.0) ** 2)
        """, namespace)
    x = np.array([0.3, -0.5, 1.2])
    for seed in (1, 2):
        namespace["GLOBAL_RNG"] = np.random.default_rng(seed)
        f.__globals__["GLOBAL_RNG"] = np.random.default_rng(seed)
        got = srcad.grad(f)(x)
        f.__globals__["GLOBAL_RNG"] = np.random.default_rng(seed)
        z = np.random.default_rng(seed).standard_normal(3)
        np.testing.assert_allclose(got, 2 * (x + 2.0 * z))


def test_a_users_own_normal_method_is_left_to_the_user_class():
    f = make_function("""
        def f(x, noise):
            return np.sum(noise.normal(x, 2.0, 3))
        """, dict(NAMESPACE))
    x = np.array([0.3, -0.5, 1.2])
    np.testing.assert_allclose(srcad.grad(f)(x, Noise()), np.full(3, 2.0))


def test_numpys_own_errors_are_kept():
    f = make_function("""
        def f(x, s):
            rng = np.random.default_rng(0)
            return np.sum(rng.normal(x, s, 3))
        """, dict(NAMESPACE))
    x = np.array([0.3, -0.5, 1.2])
    with pytest.raises(ValueError, match="scale < 0"):
        srcad.grad(f)(x, -np.ones(3))
    with pytest.raises(ValueError):
        srcad.grad(f)(np.ones(4), 1.0)  # parameters of shape (4,) for size 3
    with pytest.raises(ValueError):
        f(np.ones(4), 1.0)


REFUSED = {
    "a .normal() of an object of unknown class that is no Generator": ("""
        def f(x):
            rng = make_noise()
            return np.sum(rng.normal(x, 2.0, 3))
        """, srcad.UnsupportedOperationError, "numpy.random.Generator", 4),
    "partials of two functions by a branch": ("""
        def f(x):
            if x[0] > 0:
                p = partial(np.power, x)
            else:
                p = partial(scaled, x)
            return np.sum(p(2.0))
        """, srcad.SrcadError, "'p'|'partial'", (4, 6, 7)),
}


@pytest.mark.parametrize("name", list(REFUSED))
@pytest.mark.parametrize("mode", ["grad", "jvp", "hvp"])
def test_refused_at_the_users_line(name, mode):
    source, error, message, line = REFUSED[name]
    f = make_function(source, dict(NAMESPACE, apply=apply))
    x = np.array([0.3, -0.5, 1.2])
    with pytest.raises(error, match=message) as info:
        if mode == "grad":
            srcad.grad(f)(x)
        elif mode == "jvp":
            srcad.jvp(f, (x,), (x,))
        else:
            srcad.hvp(f)(x, x)
    assert info.value.location is not None
    if line is not None:
        assert info.value.location.lineno in (line if isinstance(line, tuple) else (line,))


def test_np_random_seed_runs_once_in_the_forward_sweep():
    f = make_function("""
        def f(x):
            np.random.seed(3)
            return np.sum(x * np.random.standard_normal(3))
        """, dict(NAMESPACE))
    x = np.array([0.3, -0.5, 1.2])
    np.random.seed(3)
    z = np.random.standard_normal(3)
    np.testing.assert_allclose(srcad.grad(f)(x), z)
    after_grad = np.random.random()
    f(x)
    assert np.random.random() == after_grad  # the global state as the plain function leaves it


@pytest.mark.parametrize("draw", ["rng.normal(mu, 0.5, 3)", "mu + 0.5 * rng.standard_normal(3)",
                                  "mu + 0.5 * np.random.standard_normal(3)"])
def test_a_checkpointed_function_that_draws_is_refused_where_it_is_called(draw):
    """Run again in the backward sweep, it would draw other numbers: the gradient would be that of
    other values (it was, silently, before the recomputation was checked)."""
    namespace = dict(NAMESPACE, srcad=srcad)
    namespace["noisy"] = make_function(f"""
        @srcad.checkpoint
        def noisy(mu, rng):
            return np.sin({draw})
        """, namespace)
    f = make_function("""
        def f(mu):
            np.random.seed(0)
            rng = np.random.default_rng(0)
            return np.sum(noisy(mu, rng) ** 2)
        """, namespace)
    x = np.array([0.3, -0.5, 1.2])
    for run in (lambda: srcad.grad(f)(x), lambda: srcad.hvp(f)(x, x)):
        with pytest.raises(srcad.UnsupportedOperationError, match="run again") as info:
            run()
        assert info.value.location.lineno == 5
    _, tangent = srcad.jvp(f, (x,), (x,))  # forward mode runs it once
    np.testing.assert_allclose(tangent, directional(f, [x], 0, x), rtol=1e-5, atol=1e-7)


def test_a_deterministic_checkpointed_function_is_not_refused():
    namespace = dict(NAMESPACE, srcad=srcad)
    namespace["cell"] = make_function("""
        @srcad.checkpoint
        def cell(mu, z):
            return np.sin(mu + 0.5 * z)
        """, namespace)
    f = make_function("""
        def f(mu):
            rng = np.random.default_rng(0)
            z = rng.standard_normal(3)
            h = mu
            for t in range(3):
                h = cell(h, z)
            return np.sum(h ** 2)
        """, namespace)
    check_grad(f, [np.array([0.3, -0.5, 1.2])])
