"""Values the backward sweep reads for their shape only (issue #17, tape memory): in a loop, the
reverse pass pushes ``shape_only(x)`` for a name whose every backward read is the second argument
of ``unbroadcast``, ``unsum`` or ``unmean``, a read-only stand-in with ``x``'s shape and dtype and
no memory of its own (arrays of a kilobyte or more). Checked: the stand-in gives those helpers
exactly what the array gives them (every shape pair of a broadcasting table, real and complex
gradients, float32), gradients through loops that use it against central differences and as
Hessian-vector products, and the generated code shows it where, and only where, it applies."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import srcad
from gradcheck import check_grad, make_function
from rulecheck import check_hvp
from srcad.runtime import shape_only, unbroadcast, unmean, unsum

SHAPES = [(300,), (2, 300), (1, 300), (3, 1, 300), (300, 1)]  # (a kilobyte or more in float32)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128])
def test_the_stand_in_reads_as_the_array_for_the_shape_helpers(shape, dtype):
    x = np.arange(np.prod(shape), dtype=dtype).reshape(shape) + 1
    stand_in = shape_only(x)
    assert stand_in.shape == x.shape and stand_in.dtype == x.dtype
    assert not stand_in.flags.writeable and stand_in.strides == (0,) * x.ndim
    rng = np.random.default_rng(0)
    for g_shape in {np.broadcast_shapes(shape, other) for other in SHAPES
                    if _broadcasts(shape, other)}:
        for g in (rng.normal(size=g_shape), rng.normal(size=g_shape) * (1 + 1j)):
            np.testing.assert_array_equal(unbroadcast(g, stand_in), unbroadcast(g, x))
    for axis, keep in itertools.product([None, 0, -1], [False, True]):
        g = np.sum(x, axis=axis, keepdims=keep)
        np.testing.assert_array_equal(unsum(g, stand_in, axis, keep), unsum(g, x, axis, keep))
        np.testing.assert_array_equal(unmean(g, stand_in, axis, keep), unmean(g, x, axis, keep))


def _broadcasts(a, b) -> bool:
    try:
        np.broadcast_shapes(a, b)
        return True
    except ValueError:
        return False


def test_small_arrays_and_numbers_are_kept_as_they_are():
    for value in (np.ones(100), 1.5, np.float64(2.0), np.arange(300), [1.0, 2.0], None):
        assert shape_only(value) is value


LOOPS = {
    "a while loop of broadcasting products": ("""
def f(u, a):
    t = 0.0
    while t < 0.3:
        du = a * u - u ** 3
        u = u + 0.1 * du
        t = t + 0.1
    return np.sum(u ** 2)
""", (np.linspace(0.1, 0.9, 300).reshape(2, 150), np.linspace(-0.5, 0.5, 150))),
    "matrix products summed, a bias added": ("""
def f(W, U, xs, b):
    h = np.zeros(W.shape[0])
    for t in range(xs.shape[0]):
        h = np.tanh(W @ h + U @ xs[t] + b)
    return np.sum(h ** 2)
""", (np.eye(130) * 0.5 + 0.01, np.ones((130, 3)) * 0.1, np.linspace(-1, 1, 12).reshape(4, 3),
      np.linspace(-0.2, 0.2, 130))),
    "a mean over rows in a loop": ("""
def f(X, w):
    total = 0.0
    for k in range(3):
        Z = np.tanh(X * w + k)
        total = total + np.mean(Z)
    return total
""", (np.linspace(-1, 1, 600).reshape(3, 200), np.linspace(0.5, 1.5, 200))),
}


@pytest.mark.parametrize("name", LOOPS)
def test_loops_saving_shapes_give_the_right_gradients(name):
    source, args = LOOPS[name]
    f = make_function(source, name="f")
    for k in range(len(args)):
        check_grad(f, args, argnums=k)
    check_hvp(f, args, 0)
    general = srcad.grad(f, argnums=tuple(range(len(args))), specialize=False)(*args)
    for got, want in zip(srcad.grad(f, argnums=tuple(range(len(args))))(*args), general):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_the_generated_code_saves_shapes_where_only_shapes_are_read():
    source, args = LOOPS["matrix products summed, a bias added"]
    f = make_function(source, name="f")
    df = srcad.grad(f, argnums=(0, 1))
    df(*args)
    text = srcad.source(df)
    assert "stack.append(shape_only(W_at_h))" in text
    assert "# save the shape of W_at_h" in text
    assert "stack.append(h)" in text  # (h's value is read: the adjoint of tanh, W @ h)


SAME_SHAPE_AS_A_PARAMETER = """
def f(x, w):
    total = 0.0
    for k in range(3):
        s = np.sin(x * w + 0.5)
        total = total + np.sum(s)
        x = x * 0.9 + 0.1 * s
        z = np.exp(1j * s) * w
        total = total + np.sum(np.abs(z) ** 2 + np.real(z))
    return total
"""


@pytest.mark.parametrize("n", [5, 400])
def test_a_shape_read_names_a_parameter_of_the_same_shape(n):
    # s has x's shape (pass 9: x and w share a shape, the kinds say), and both are real: the
    # backward sweep reads x's shape instead of keeping s, which is then not saved at all; z is
    # complex, so nothing real stands in for its shape
    f = make_function(SAME_SHAPE_AS_A_PARAMETER, name="f")
    x, w = np.linspace(-1, 1, n), np.linspace(0.5, 1.5, n)
    check_grad(f, (x, w), argnums=0)
    check_grad(f, (x, w), argnums=1)
    check_hvp(f, (x, w), 0)
    df = srcad.grad(f)
    df(x, w)
    text = srcad.source(df)
    assert "unsum(dsum_s, x)" in text
    assert "stack.append(s)" not in text and "shape_only(s)" not in text
    general = srcad.source(srcad.grad(f, specialize=False))
    assert "unsum(dsum_s, s)" in general  # (no kinds: nothing proven)
