"""Specialisation on the kinds of the numbers and arrays passed (issue #17).

A derived function is transformed once per kind of its arguments (a Python float, an int, a NumPy
scalar, an array's dtype and number of dimensions, which arrays share a shape): the kinds let pass 9
drop ``unbroadcast``, ``zeros_like`` and the run-time refusal of complex operands where they prove
them needless. Every gradient here is checked against central differences (or, for Hessian-vector
products, against differences of srcad.grad), and against the general code (``specialize=False``);
a value that is a float at one call and an array at the next must never run the float's code.
"""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest

import goldens
import srcad
from gradcheck import directional, make_function, numeric_grad


def scalar_loop(x, y0, n):
    y = y0
    for i in range(n):
        y = y * x + math.sin(y)
    return y


def product_sum(x, y):
    return np.sum(np.sin(x * y) + x)


def scaled(a, X):
    return np.sum(a * X + np.tanh(a)) + a * a


def same_shapes(x, w):
    for i in range(3):
        a = x * w
        x = np.tanh(np.sin(a) + x)
    return np.sum(x)


def kind_changes(x, n):
    y = 1.0
    for i in range(n):
        y = y * x + np.sin(y)
    return np.sum(y)


def rebinds_parameter(x, w):
    x = x * w
    return np.sum(np.cos(x))


def _close(a, b, rtol=1e-5, atol=1e-6):
    assert np.shape(a) == np.shape(b), (np.shape(a), np.shape(b))
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float),
                               rtol=rtol, atol=atol)


def _check(df, f, args, argnums):
    """``df(*args)`` against central differences and against the general code."""
    grads = df(*args)
    general = srcad.grad(f, argnums=argnums, specialize=False)(*args)
    ks = (argnums,) if isinstance(argnums, int) else argnums
    gs = (grads,) if isinstance(argnums, int) else grads
    hs = (general,) if isinstance(argnums, int) else general
    for k, g, h in zip(ks, gs, hs):
        _close(g, numeric_grad(f, list(args), k))
        _close(g, h, rtol=1e-12, atol=1e-12)
        assert np.shape(g) == np.shape(args[k])
    return grads


# ---- gradients, kind by kind -------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    (0.5, 0.3, 20),                      # Python floats
    (0.5, 1, 5),                         # an int start
    (np.float64(0.5), 0.3, 7),           # a NumPy scalar
    (np.float32(0.5), np.float32(0.3), 4),
    (np.array(0.5), 0.3, 6),             # a 0-d array
])
def test_scalar_loop_gradient(args):
    df = srcad.grad(scalar_loop)
    _check(df, scalar_loop, args, 0)
    _check(srcad.grad(scalar_loop, argnums=(0, 1)), scalar_loop, args, (0, 1))


def test_gradient_with_respect_to_an_int_argument():
    f = make_function("""
        def f(k, x):
            return k * x + k * k
    """)
    g = srcad.grad(f, argnums=(0, 1))(3, 2.0)
    _close(g[0], 2.0 + 6.0)
    _close(g[1], 3.0)
    _check(srcad.grad(f, argnums=(0, 1)), f, (3, 2.0), (0, 1))


@pytest.mark.parametrize("x, y", [
    (0.7, 1.3),
    (np.array(0.7), np.array(1.3)),
    (0.7, np.array([1.0, -2.0, 0.5])),
    (np.array([0.7]), np.array([1.0, -2.0, 0.5])),
    (np.array([[0.7], [0.2]]), np.array([1.0, -2.0, 0.5])),
    (np.linspace(0.1, 1.0, 6).reshape(2, 3), np.linspace(-1, 1, 6).reshape(2, 3)),
])
def test_products_of_every_kind(x, y):
    _check(srcad.grad(product_sum, argnums=(0, 1)), product_sum, (x, y), (0, 1))


@pytest.mark.parametrize("a", [0.4, np.float64(-0.3), np.array(1.2)])
def test_a_scalar_parameter_broadcast_against_an_array(a):
    X = np.linspace(-1.0, 2.0, 12).reshape(3, 4)
    df = srcad.grad(scaled, argnums=(0, 1))
    _check(df, scaled, (a, X), (0, 1))
    text = srcad.source(df)
    assert "specialized for: a: " in text
    assert "unbroadcast(" in text  # a's gradient is summed over X's shape


def test_arrays_of_one_shape_share_a_base():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(5), rng.standard_normal(5)
    df = srcad.grad(same_shapes, argnums=(0, 1))
    _check(df, same_shapes, (x, w), (0, 1))
    text = srcad.source(df)
    assert "specialized for: x: float64 array (1-d), w: float64 array (1-d, the shape of x)" \
        in text
    assert "unbroadcast" not in text
    # the same kinds, other shapes: w broadcast against x -- another specialization
    w2 = rng.standard_normal(1)
    _check(df, same_shapes, (x, w2), (0, 1))
    assert "unbroadcast" in srcad.source(df)
    _check(df, same_shapes, (x, w), (0, 1))  # and back


def test_a_value_that_changes_kind_in_the_function():
    for x in (0.8, np.array([0.3, 0.8, -0.5]), np.array(0.8)):
        _check(srcad.grad(kind_changes), kind_changes, (x, 4), 0)
    df = srcad.grad(kind_changes)
    df(np.array([0.3, 0.8]), 3)
    assert "unbroadcast" in srcad.source(df)  # y starts a number, becomes an array


@pytest.mark.parametrize("x, w", [(0.5, np.array([1.0, 2.0, -1.0])), (0.5, 2.0),
                                  (np.array(0.5), np.array([1.0, 2.0]))])
def test_a_parameter_rebound_to_another_shape(x, w):
    _check(srcad.grad(rebinds_parameter, argnums=(0, 1)), rebinds_parameter, (x, w), (0, 1))


def test_a_float_parameter_rebound_to_an_array():
    f = make_function("""
        def f(x, n):
            x = np.full(n, x) * np.arange(n)
            return np.sum(np.sin(x) * x)
    """)
    _check(srcad.grad(f), f, (0.5, 4), 0)


def test_complex_values_keep_their_run_time_checks():
    f = make_function("""
        def f(x, z):
            return np.sum(np.abs(x * z) ** 2) + x
    """)
    for z in (1.0 + 2.0j, np.complex128(0.5 - 1.0j), np.array([1.0 + 1.0j, 2.0])):
        g = srcad.grad(f)(0.7, z)
        assert not np.iscomplexobj(g)
        _close(g, numeric_grad(f, [0.7, z], 0))


def test_a_negative_float_to_a_fractional_power_is_complex():
    # (-2.0) ** 0.5 is a complex number in Python: no real analysis may call it real
    f = make_function("""
        def f(x):
            y = x ** 0.5
            return (y * y).real + math.sin(x)
    """, {"math": math})
    g = srcad.grad(f)(-2.0)
    h = srcad.grad(f, specialize=False)(-2.0)
    _close(g, h, rtol=1e-12, atol=1e-12)
    _close(g, numeric_grad(f, [-2.0], 0))


def test_subclasses_of_float_and_ndarray_get_the_general_code():
    class Value(float):
        pass

    df = srcad.grad(product_sum, argnums=(0, 1))
    df(Value(0.5), 2.0)
    assert "specialized for: y: float" in srcad.source(df)
    assert "x:" not in srcad.source(df).split("specialized for:")[1].splitlines()[0]
    _check(df, product_sum, (Value(0.5), 2.0), (0, 1))


# ---- one derived function, calls of different kinds --------------------------------------------

def test_float_then_array_then_float_each_get_their_own_code():
    df = srcad.grad(product_sum, argnums=(0, 1))
    calls = [(0.5, 1.5), (0.5, np.array([1.0, 2.0, 3.0])), (0.5, 1.5),
             (np.array([0.5, 0.1, 0.2]), 1.5), (0.5, 1.5), (np.array(0.5), np.array([1.0, 2.0]))]
    sources = set()
    for args in calls:
        grads = _check(df, product_sum, args, (0, 1))
        assert np.shape(grads[0]) == np.shape(args[0])
        sources.add(srcad.source(df))
    assert len(sources) == 4
    assert len(df._cache) == 4


def test_the_float_code_never_runs_for_an_array():
    # the float code has dx = dsin_x_times_y * y, no unbroadcast: an array y at a later call
    # would make the gradient of a float an array
    df = srcad.grad(product_sum)
    g = df(0.5, 2.0)
    assert isinstance(g, float)
    float_code = srcad.source(df)
    assert "unbroadcast" not in float_code
    g = df(0.5, np.array([2.0, 3.0]))
    assert np.ndim(g) == 0
    _close(g, numeric_grad(product_sum, [0.5, np.array([2.0, 3.0])], 0))
    assert srcad.source(df) != float_code


def test_the_cache_is_bounded_and_a_smaller_last_batch_reuses_the_code():
    f = make_function("""
        def f(X, w):
            return np.sum(np.tanh(X * w))
    """)
    df = srcad.grad(f, argnums=1)
    for n in (32, 32, 7):  # a training loop whose last batch is smaller
        X = np.ones((n, 3))
        _close(df(X, np.array([0.1, 0.2, 0.3])), numeric_grad(f, [X, np.array([0.1, 0.2, 0.3])], 1))
    assert len(df._cache) == 1
    made = 0
    for dtype in (np.float64, np.float32, np.float16):
        for ndim in range(1, 23):
            X = np.ones((1,) * ndim, dtype=dtype)
            df(X, 0.5)
            made += 1
            assert len(df._cache) <= 64
    assert made > 64
    _close(df(np.ones(3), 0.5), numeric_grad(f, [np.ones(3), 0.5], 1))


def test_two_threads_transform_at_once():
    results, errors = {}, []
    df = srcad.grad(product_sum, argnums=(0, 1))

    def run(key, args):
        try:
            for _ in range(5):
                results[key] = df(*args)
        except Exception as exc:  # noqa: BLE001 -- reported below
            errors.append(exc)

    cases = {"floats": (0.5, 1.5), "array": (0.5, np.array([1.0, 2.0])),
             "0-d": (np.array(0.5), np.array(1.5)), "2-d": (np.ones((2, 2)), np.ones((2, 2)))}
    threads = [threading.Thread(target=run, args=item) for item in cases.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for key, args in cases.items():
        for k in (0, 1):
            _close(results[key][k], numeric_grad(product_sum, list(args), k))


# ---- the code ----------------------------------------------------------------------------------

def test_the_specialized_scalar_loop_has_no_dispatch_left():
    df = srcad.grad(scalar_loop)
    assert "specialized for" not in srcad.source(df)  # no call yet: the general code
    df(0.5, 0.3, 10)
    text = srcad.source(df)
    assert "# specialized for: x: float, y0: float, n: int" in text
    for helper in ("unbroadcast", "zeros_like", "real_operands"):
        assert helper not in text, helper
    general = srcad.grad(scalar_loop, specialize=False)
    general(0.5, 0.3, 10)
    text = srcad.source(general)
    assert "specialized for" not in text
    assert "unbroadcast" in text and "zeros_like" in text


def test_golden_specialized_scalar_loop():
    df = srcad.grad(scalar_loop)
    df(0.5, 0.3, 10)
    goldens.check("scalar_loop_specialized", srcad.source(df))


def test_export_writes_the_general_code_unless_asked(tmp_path):
    df = srcad.grad(scalar_loop)
    df(0.5, 0.3, 10)
    marker = "# ---- the generated code"
    general = srcad.export(df, str(tmp_path / "general.py")).split(marker)[1]
    assert "specialized for" not in general and "= unbroadcast(" in general
    special = srcad.export(df, str(tmp_path / "special.py"), specialize=True).split(marker)[1]
    assert "specialized for: x: float" in special and "unbroadcast(" not in special
    assert srcad.source(df) in special  # (the latest call's code, unchanged by export)
    for path in ("general.py", "special.py"):
        namespace: dict = {}
        exec(compile((tmp_path / path).read_text(), path, "exec"), namespace)
        value, grad = namespace["grad_scalar_loop"](0.5, 0.3, 10)
        _close(grad, numeric_grad(scalar_loop, [0.5, 0.3, 10], 0))


def test_vjp_is_specialized_too():
    out, vjp_fn = srcad.vjp(product_sum, 0.5, 1.5)
    assert "specialized for: x: float, y: float" in vjp_fn.source
    assert "unbroadcast" not in vjp_fn.source
    gx, gy = vjp_fn(1.0)
    _close(gx, numeric_grad(product_sum, [0.5, 1.5], 0))
    _close(gy, numeric_grad(product_sum, [0.5, 1.5], 1))
    out, vjp_fn = srcad.vjp(product_sum, 0.5, 1.5, specialize=False)
    assert "specialized for" not in vjp_fn.source and "unbroadcast" in vjp_fn.source
    out, vjp_fn = srcad.vjp(product_sum, 0.5, np.array([1.5, 2.0]))
    gx, gy = vjp_fn(1.0)
    _close(gx, numeric_grad(product_sum, [0.5, np.array([1.5, 2.0])], 0))


# ---- forward mode and Hessian-vector products --------------------------------------------------

@pytest.mark.parametrize("x, y", [(0.5, 1.5), (0.5, np.array([1.0, 2.0])),
                                  (np.array([0.3, 0.4]), np.array([1.0, 2.0])),
                                  (np.array(0.5), 1.5)])
def test_forward_mode(x, y):
    for k, v in ((0, np.ones_like(x) * 0.7 if np.ndim(x) else 0.7),
                 (1, np.ones_like(y) * -0.4 if np.ndim(y) else -0.4)):
        tangents = [None, None]
        tangents[k] = v
        _, t = srcad.jvp(product_sum, (x, y), tangents)
        _close(t, directional(product_sum, [x, y], k, v))


@pytest.mark.parametrize("args", [(0.5, 0.3, 5), (np.array(0.5), 0.3, 5)])
def test_hvp_of_the_scalar_loop(args):
    v = 1.0 if np.ndim(args[0]) == 0 else np.ones_like(args[0])
    hv = srcad.hvp(scalar_loop)(*args, v)
    g = srcad.grad(scalar_loop, specialize=False)
    expected = directional(lambda *a: g(*a), list(args), 0, v)
    _close(hv, expected, rtol=1e-4, atol=1e-5)
    _close(hv, srcad.hvp(scalar_loop, specialize=False)(*args, v), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("x, y", [(0.5, 1.5), (np.array([0.3, 0.4]), np.array([1.0, 2.0])),
                                  (np.array([0.3, 0.4]), 1.5)])
def test_hvp_of_products(x, y):
    v = np.ones_like(x) * 0.3 if np.ndim(x) else 0.3
    hv = srcad.hvp(product_sum)(x, y, v)
    g = srcad.grad(product_sum, specialize=False)
    _close(hv, directional(lambda *a: g(*a), [x, y], 0, v), rtol=1e-4, atol=1e-5)


def test_the_remembered_keys_follow_shapes_and_replaced_defaults():
    # Derived functions remember the key of a call of numbers and arrays by the arguments' types,
    # dtypes and shapes (api/specialize.py: QuickKeys): a new shape relation, a new kind, or
    # defaults replaced must each reach the right code.
    f = make_function("""
def f(a, b, act=np.tanh):
    return np.sum(act(a * b))
""")
    df = srcad.grad(f, argnums=(0, 1))
    a, b = np.array([0.3, -0.5, 0.8]), np.array([1.2, 0.4, -0.7])
    for args in [(a, b), (a, b[:, None]), (a, b), (0.4, b), (a, 0.9), (a, b)]:
        got = df(*args)
        for k in (0, 1):
            want = numeric_grad(f, args, k)
            np.testing.assert_allclose(got[k], want, rtol=1e-6, atol=1e-8)
    f.__defaults__ = (np.sin,)  # (act is called: the key holds the function)
    got = df(a, b)
    np.testing.assert_allclose(got[0], b * np.cos(a * b), rtol=1e-12)
    f.__defaults__ = (np.tanh,)
    np.testing.assert_allclose(df(a, b)[0], b * (1 - np.tanh(a * b) ** 2), rtol=1e-12)


def test_a_power_in_an_array_loop_keeps_the_shapes_proven():
    # u ** 3 may be complex (pass 9 does not call it real), but it is a number or an array, never
    # a list: '+' and '*' of it still broadcast, so the loop needs no unbroadcast (shapes.py)
    f = make_function("""
def f(u, a, b, dt):
    t = 0.0
    while t < 0.3:
        u = u + dt * (a * u - b * u ** 3)
        t = t + 0.1
    return np.sum(u ** 2)
""")
    args = (np.linspace(0.1, 0.9, 5), np.linspace(0.5, 1.5, 5), np.linspace(1.0, 0.2, 5), 0.1)
    for k in (0, 1, 2):
        assert np.allclose(srcad.grad(f, argnums=k)(*args), numeric_grad(f, args, k), rtol=1e-6)
    df = srcad.grad(f, argnums=(1, 2))
    df(*args)
    assert "unbroadcast" not in srcad.source(df)
