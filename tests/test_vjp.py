"""srcad.vjp and srcad.jacrev, against autograd and finite differences."""

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

import srcad
from gradcheck import make_function

rng = np.random.default_rng(5)


def test_vjp_of_a_tuple_output_against_autograd():
    f = make_function("""
        def f(x, W):
            h = np.tanh(W @ x)
            return h * 2.0, np.sum(h ** 2)
        """)
    x, W = rng.normal(size=3), rng.normal(size=(2, 3))
    out, f_vjp = srcad.vjp(f, x, W)
    np.testing.assert_allclose(out[0], 2 * np.tanh(W @ x))
    v = (rng.normal(size=2), 0.7)

    def scalar(x, W):
        h = anp.tanh(W @ x)
        return anp.sum(h * 2.0 * v[0]) + anp.sum(h ** 2) * v[1]

    expected = autograd.grad(scalar, argnum=(0, 1))(x, W)
    for a, b in zip(f_vjp(v), expected):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_vjp_function_can_be_called_again_through_loops_and_array_writes():
    f = make_function("""
        def f(W, h0):
            states = np.zeros((4, 3))
            h = h0
            for t in range(4):
                h = np.tanh(W @ h + 0.1 * t)
                states[t] = h
            return states
        """)
    W, h0 = rng.normal(size=(3, 3)) * 0.5, rng.normal(size=3)
    out, f_vjp = srcad.vjp(f, W, h0)
    first = f_vjp(np.ones((4, 3)))
    again = f_vjp(np.ones((4, 3)))  # the saved stack and array were not consumed by the first call
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    J = srcad.jacrev(f, argnums=1)(W, h0)

    def g(h0):
        h, rows = h0, []
        for t in range(4):
            h = anp.tanh(W @ h + 0.1 * t)
            rows.append(h)
        return anp.stack(rows)

    np.testing.assert_allclose(J, autograd.jacobian(g)(h0), rtol=1e-10)
    assert J.shape == (4, 3, 3)


def test_jacrev_of_a_scalar_is_the_gradient_and_several_argnums():
    f = make_function("""
        def f(x, y):
            return np.sum(np.sin(x) * y)
        """)
    x, y = rng.normal(size=3), rng.normal(size=3)
    np.testing.assert_allclose(srcad.jacrev(f)(x, y), srcad.grad(f)(x, y))
    Jx, Jy = srcad.jacrev(f, argnums=(0, 1))(x, y)
    np.testing.assert_allclose(Jy, np.sin(x))


def test_vjp_source_and_argument_count():
    f = make_function("""
        def f(x, y):
            return x * y
        """)
    out, f_vjp = srcad.vjp(f, 2.0, 3.0)
    assert "def backward_f(saved, dout):" in srcad.source(f_vjp)
    assert f_vjp(1.0) == (3.0, 2.0)
    with pytest.raises(srcad.SrcadError, match="takes 2 positional"):
        srcad.vjp(f, 1.0, 2.0, 3.0)


def test_jacrev_of_tuple_output_with_differently_shaped_parts_matches_jacfwd():
    from gradcheck import make_function
    f = make_function("""
        def f(x, W):
            return (np.sum(x ** 2), np.tanh(W @ x))
        """)
    rng = np.random.default_rng(4)
    x, W = rng.normal(size=3), rng.normal(size=(2, 3))
    Jr = srcad.jacrev(f, argnums=(0, 1))(x, W)
    Jf = srcad.jacfwd(f, argnums=(0, 1))(x, W)
    assert [tuple(j.shape for j in part) for part in Jr] == [((3,), (2, 3)), ((2, 3), (2, 2, 3))]
    for part_r, part_f in zip(Jr, Jf):
        for a, b in zip(part_r, part_f):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(Jr[0][0], 2 * x)  # the formula, independently of srcad


def test_jacrev_keeps_float32_and_refuses_structured_arguments():
    from gradcheck import make_function
    f = make_function("""
        def f(x):
            return np.sin(x) * 2
        """)
    x = np.linspace(0.1, 0.3, 3).astype(np.float32)
    J = srcad.jacrev(f)(x)
    assert J.dtype == np.float32
    np.testing.assert_allclose(J, np.diag(2 * np.cos(x)), rtol=1e-6)
    with pytest.raises(srcad.SrcadError, match="dict"):
        srcad.jacrev(f)({"a": 1.0})


def _scaled_sine(c):
    def f(x):
        return np.sin(x) * c
    return f


def test_vjp_code_is_made_once_per_function_and_goes_with_it():
    """What docs/api.md says about caching: kept per user function, weakly."""
    import gc
    import weakref

    f = _scaled_sine(2.0)
    _, first = srcad.vjp(f, 1.0)
    _, second = srcad.vjp(f, 0.5)
    assert second.source is first.source  # transformed once
    assert second(1.0) == (2.0 * np.cos(0.5),)
    srcad.jvp(f, (1.0,), (1.0,))
    other = _scaled_sine(3.0)  # another function (the same code): its own transformation
    assert srcad.vjp(other, 1.0)[1](1.0) == (3.0 * np.cos(1.0),)
    alive = weakref.ref(f)
    del f, first, second
    gc.collect()
    assert alive() is None
