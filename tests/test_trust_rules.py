"""Issue #14 (trust), the rules at their edges: integer casts, negative axes, NumPy's positional
order (dtype, out), zero repeat counts, np.kron of operands of different ndim, np.linalg.det at a
singular matrix, complex values (refused), and the functions that were wrongly listed as having no
gradient (np.bincount's weights, np.arange's start and step, np.heaviside's x2, np.einsum's
sublist form).

Every gradient is checked against central finite differences (tests/gradcheck.py) in reverse mode
(srcad.grad) and in forward mode (srcad.jvp), in float64 and, where the rule is dtype-sensitive,
in float32 too; every refusal is a located SrcadError.
"""

import numpy as np
import pytest

import srcad
from gradcheck import directional, make_function, numeric_grad

RNG = np.random.default_rng(14)
W = {k: RNG.normal(size=k) for k in [(4,), (3, 4), (2, 3, 4), (4, 2, 3), (3, 2, 2), (3, 3), (2, 2)]}


def both_modes(f, x, rtol=1e-6, atol=1e-7, dtype=np.float64, eps=1e-6):
    """srcad.grad and srcad.jvp of scalar ``f`` at ``x`` (cast to ``dtype``) against central
    differences in float64 (step ``eps``: larger where ``f`` itself computes in float32)."""
    x = np.asarray(x, dtype=dtype)
    g = srcad.grad(f)(x)
    assert np.shape(g) == np.shape(x)
    assert not np.iscomplexobj(g)
    x64 = np.asarray(x, dtype=np.float64)
    np.testing.assert_allclose(g, numeric_grad(f, [x64], 0, eps), rtol=rtol, atol=atol)
    v = np.random.default_rng(0).normal(size=np.shape(x)).astype(dtype)
    _, tangent = srcad.jvp(f, (x,), (v,))
    assert not np.iscomplexobj(tangent)
    np.testing.assert_allclose(tangent, directional(f, [x64], 0, np.asarray(v, np.float64), eps),
                               rtol=rtol, atol=atol)
    return g


def fn(source, **namespace):
    return make_function(source, {"W": W, **namespace})


# ---- integer casts stop the gradient ---------------------------------------------------------

CASTS = [
    "np.sum(np.asarray(x, dtype=int) * x)",
    "np.sum(np.array(x, dtype=np.int64) * x)",
    "np.sum(np.array(x, int) * x)",
    "np.sum(x.astype(int) * x)",
    "np.sum(np.asarray(x, dtype=bool) * x)",
    "np.sum(np.sum(x, dtype=int) * x)",
    "np.sum(np.cumsum(x, dtype=int) * x)",
    "np.sum(np.full(3, x[1], dtype=int)) * x[1]",
    "np.sum(np.full_like(np.arange(3), x[2])) * x[2]",
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("expr", CASTS)
def test_an_integer_cast_stops_the_gradient(expr, dtype):
    f = fn(f"def f(x):\n    return {expr}\n")
    x = np.array([0.3, 1.7, -2.4, 3.1])  # away from the integers: the casts are constant nearby
    tol = dict(rtol=1e-3, atol=1e-4) if dtype == np.float32 else {}
    both_modes(f, x, dtype=dtype, **tol)


WRITES = [  # a float written into an integer (or boolean) array is cast: no gradient reaches it
    ("a = np.zeros(4, dtype=int)", "a[0] = x[1] * 2.7"),
    ("a = np.zeros(4, int)", "a[1:3] = x[:2] * 3.3 + 1"),
    ("a = np.full(4, 2)", "a[[0, 2]] = x[[1, 3]] * 1.9"),  # (the fill value's dtype)
    ("a = np.full(4, 2.0)", "a[[0, 2]] = x[[1, 3]] * 1.9"),
    ("a = np.arange(4)", "a[:] = x * 2.2"),
    ("a = np.zeros(4, dtype=np.int32)", "for i in range(4):\n        a[i] = x[i] * 1.4 + a[i - 1]"),
    ("a = np.zeros(4, dtype=bool)", "a[2] = x[0] * 3.0"),
    ("a = np.zeros(4, dtype=int)", "a[0] += x[0] * 2.5"),
    ("a = x.astype(int) + 1", "a[3] = x[3] * x[0]"),
    ("a = np.zeros(4)", "a[0] = x[1] * 2.7"),  # (float arrays keep it: the same code as before)
    ("a = np.zeros(4, dtype=np.float32)", "a[1] = x[2] * 1.5"),
    ("a = x.copy()", "a[0] = x[1] * 2.7"),
]


@pytest.mark.parametrize("make, write", WRITES)
def test_a_value_written_into_an_integer_array_gets_no_gradient(make, write):
    f = fn(f"def f(x):\n    {make}\n    {write}\n    return np.sum(a * x) + np.sum(a ** 2)\n")
    x = np.array([0.3, 1.7, -2.4, 3.1])  # the casts are constant within 1e-3 of x
    both_modes(f, x, rtol=1e-4, atol=1e-5, eps=1e-3)  # (quadratic: differences are exact,
    # up to the rounding of a float32 array)
    hv = srcad.hvp(f)(x, np.array([1.0, -0.5, 0.2, 0.3]))
    e = 1e-3
    g = srcad.grad(f)
    v = np.array([1.0, -0.5, 0.2, 0.3])
    np.testing.assert_allclose(hv, (g(x + e * v) - g(x - e * v)) / (2 * e), rtol=2e-3, atol=1e-5)


def test_an_integer_input_array_written_into_truncates_as_numpy_does():
    f = fn("def f(x):\n    a = x.copy()\n    a[0] = x[1] * 2.5\n    return np.sum(a)\n")
    np.testing.assert_allclose(srcad.grad(f)(np.array([1, 2, 3])), [0.0, 1.0, 1.0])
    np.testing.assert_allclose(srcad.grad(f)(np.array([1.0, 2.0, 3.0])), [0.0, 3.5, 1.0])


def test_a_write_into_a_float_array_is_not_checked_at_run_time():
    f = fn("def f(x):\n    a = np.zeros(4)\n    b = np.full((4,), 2.0, float)\n"
           "    a[0] = x[1]\n    b[1] = x[0]\n    return np.sum(a * b * x)\n")
    g = srcad.grad(f)
    g(np.ones(4))
    assert "cast_like" not in srcad.source(g)
    assert "cast_like" not in srcad.source(f, mode="forward")


@pytest.mark.parametrize("expr", ["np.sum(np.asarray(x, dtype=np.float64) ** 2 * W[(4,)])",
                                  "np.sum(np.full((2, 4), x, dtype=float) ** 2)",
                                  "np.sum(np.full_like(W[(4,)], x[0]) * W[(4,)]) * x[1]"])
def test_a_float_cast_keeps_the_gradient(expr):
    f = fn(f"def f(x):\n    return {expr}\n")
    both_modes(f, RNG.normal(size=4))


# ---- negative axes ---------------------------------------------------------------------------

NEGATIVE_AXES = [
    ("np.transpose(x, (-1, 0, 1))", (2, 3, 4)),
    ("np.transpose(x, (2, -3, -2))", (2, 3, 4)),
    ("x.transpose(-1, 0, 1)", (2, 3, 4)),
    ("np.take(x, np.array([[0, 1], [3, 3]]), axis=-1)", (3, 4)),
    ("np.take(x, np.array([2, 0]), axis=-2)", (3, 4)),
    ("np.take_along_axis(x, np.array([[0, 3], [1, 1], [2, 0]]), axis=-1)", (3, 4)),
    ("np.sum(x, axis=-2)", (2, 3, 4)),
    ("np.mean(x, axis=(-1, 0))", (2, 3, 4)),
    ("np.max(x, axis=-1)", (3, 4)),
    ("np.prod(x, axis=-1)", (3, 4)),
    ("np.var(x, axis=-1)", (3, 4)),
    ("np.std(x, axis=-2)", (3, 4)),
    ("np.cumsum(x, axis=-1)", (3, 4)),
    ("np.cumprod(x, axis=-2)", (3, 4)),
    ("np.linalg.norm(x, axis=-1)", (3, 4)),
    ("np.concatenate([x, 2 * x], axis=-1)", (3, 4)),
    ("np.stack([x, 2 * x], axis=-1)", (3, 4)),
    ("np.split(x, 2, axis=-1)[1]", (3, 4)),
    ("np.repeat(x, 2, axis=-1)", (3, 4)),
    ("np.repeat(x, [1, 0, 2], axis=-2)", (3, 4)),
    ("np.flip(x, axis=-1)", (3, 4)),
    ("np.roll(x, 1, axis=-1)", (3, 4)),
    ("np.sort(x, axis=-2)", (3, 4)),
    ("np.swapaxes(x, -1, 0)", (2, 3, 4)),
    ("np.moveaxis(x, -1, 0)", (2, 3, 4)),
    ("np.expand_dims(x, -1)", (3, 4)),
    ("np.squeeze(x[None], axis=-3)", (3, 4)),
    ("np.diagonal(x, 0, -1, -2)", (2, 3, 4)),
    ("np.trace(x, 0, -1, -2)", (2, 3, 4)),
    ("np.tensordot(x, W[(4,)], axes=([-1], [0]))", (3, 4)),
    ("np.rot90(x, 1, (-1, -2))", (3, 4)),
    ("np.rot90(x, -1)", (3, 4)),                 # negative counts and offsets too
    ("np.diag(x, -1)", (3,)),
    ("np.diag(x, -1)", (3, 4)),
    ("np.diagonal(x, -1)", (3, 4)),
    ("np.trace(x, -1)", (3, 4)),
    ("np.tril(x, -1)", (3, 4)),
    ("np.triu(x, -1)", (3, 4)),
    ("np.roll(x, -5)", (3, 4)),
    ("np.take(x, np.array([-1, 0, -4]))", (3, 4)),
    ("x[-1, ::-2]", (3, 4)),
    ("np.flip(x, (-1, 0))", (3, 4)),
    ("np.expand_dims(x, (0, -1))", (3, 4)),
    ("np.concatenate([x, x], axis=None)", (3, 4)),
    ("np.sort(x, axis=None)", (3, 4)),
]


@pytest.mark.parametrize("expr, shape", NEGATIVE_AXES)
def test_negative_axes(expr, shape):
    value = eval(expr, {"np": np, "W": W}, {"x": RNG.normal(size=shape)})
    w = np.random.default_rng(1).normal(size=np.shape(value))
    f = fn(f"def f(x):\n    return np.sum(({expr}) * w)\n", w=w)
    both_modes(f, RNG.normal(size=shape), rtol=1e-5, atol=1e-6)


# ---- NumPy's positional order: dtype and out -------------------------------------------------

POSITIONAL = [
    "np.sum(np.sum(x, 1, float) ** 2)",
    "np.sum(np.sum(x, 1, None, None, True) ** 2 * W[(3, 4)])",
    "np.sum(np.mean(x, 0, np.float64) ** 2)",
    "np.sum(np.var(x, 0, np.float64))",
    "np.sum(np.var(x, 0, None, None, 1))",
    "np.sum(np.std(x, 1, float, None, 1))",
    "np.sum(np.prod(x, 1, float) ** 2)",
    "np.sum(np.cumsum(x, 1, float) ** 2)",
    "np.sum(np.cumprod(x, 0, np.float64) ** 2)",
    "np.sum(np.max(x, 1, None, True) * W[(3, 4)])",
    "np.trace(x, 0, 0, 1, float) ** 2",
    "np.sum(x.sum(1, float) ** 2)",
    "np.sum(x.var(0, float))",
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("expr", POSITIONAL)
def test_positional_dtype_binds_as_in_numpy(expr, dtype):
    f = fn(f"def f(x):\n    return {expr}\n")
    tol = dict(rtol=2e-3, atol=1e-3) if dtype == np.float32 else dict(rtol=1e-5, atol=1e-6)
    both_modes(f, RNG.uniform(0.5, 1.5, size=(3, 4)), dtype=dtype, **tol)


@pytest.mark.parametrize("expr", ["np.sum(x, dtype=np.float32) ** 2", "np.mean(x ** 2, dtype=float)",
                                  "np.var(x, dtype=np.float32)"])
def test_a_float_dtype_keyword_is_differentiated(expr):
    """It was refused (tests/test_errors.py rejected ``np.sum(x, dtype=np.float32)``): valid code,
    with a gradient; ``where=`` is what that test rejects now."""
    f = fn(f"def f(x):\n    return {expr}\n")
    both_modes(f, RNG.normal(size=4), rtol=1e-4, atol=1e-4, eps=1e-2)  # quadratics: exact steps


@pytest.mark.parametrize("expr", ["np.sum(x, 0, None, out)", "np.sum(x, axis=0, out=out)",
                                  "np.cumsum(x, 0, None, out)", "np.max(x, 0, out)"])
def test_out_is_refused_with_a_location(expr):
    f = fn(f"def f(x):\n    out = np.zeros(4)\n    y = {expr}\n    return np.sum(y * out)\n")
    with pytest.raises(srcad.SrcadError) as info:
        srcad.grad(f)(RNG.normal(size=(3, 4)))
    assert info.value.location is not None and info.value.location.lineno == 3
    assert "out" in str(info.value)


def test_a_complex_dtype_is_differentiated():
    # (was refused; a real x's cotangent is the real part of the complex one)
    f = fn("def f(x):\n    return np.abs(np.sum(x, dtype=complex) * (1 + 2j))\n")
    both_modes(f, np.array([0.3, -1.2, 0.7, -0.1]))


# ---- np.repeat with a zero count, np.kron of different ndim, np.linalg.det at a singular matrix

@pytest.mark.parametrize("expr, shape", [
    ("np.repeat(x, [0, 1, 2, 3])", (4,)),
    ("np.repeat(x, 0)", (4,)),
    ("np.repeat(x, [0, 2, 0], axis=0)", (3, 4)),
    ("np.repeat(x, 0, axis=1)", (3, 4)),
    ("np.concatenate([np.repeat(x, 0), x])", (4,)),
])
def test_repeat_with_zero_counts(expr, shape):
    value = eval(expr, {"np": np}, {"x": RNG.normal(size=shape)})
    w = np.random.default_rng(2).normal(size=np.shape(value))
    f = fn(f"def f(x):\n    return np.sum(({expr}) * w) + np.sum(x ** 2)\n", w=w)
    both_modes(f, RNG.normal(size=shape))


@pytest.mark.parametrize("expr, shape", [
    ("np.kron(np.arange(1.0, 4.0), x)", (3, 4)),
    ("np.kron(x, W[(3, 3)])", (4,)),
    ("np.kron(W[(2, 3, 4)], x)", (2, 2)),
    ("np.kron(x, W[(4,)])", (2, 3, 4)),
    ("np.kron(x, 2.0)", (3, 4)),
])
def test_kron_of_different_ndim(expr, shape):
    value = eval(expr, {"np": np, "W": W}, {"x": RNG.normal(size=shape)})
    w = np.random.default_rng(3).normal(size=np.shape(value))
    f = fn(f"def f(x):\n    return np.sum(({expr}) * w)\n", w=w)
    both_modes(f, RNG.normal(size=shape), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("matrix", [
    [[1.0, 2.0], [2.0, 4.0]],                               # rank 1
    [[0.0, 0.0], [0.0, 0.0]],                               # rank 0: the gradient is 0
    [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]],    # rank 2
    [[2.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 3.0]],    # rank 2, diagonal
    [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]],    # rank 1: the gradient is 0
    [[0.5, -1.0], [2.0, 3.0]],                              # invertible, as before
])
def test_det_at_a_singular_matrix_is_the_adjugate(matrix):
    f = fn("def f(x):\n    return np.linalg.det(x)\n")
    a = np.array(matrix)
    g = both_modes(f, a, rtol=1e-6, atol=1e-6)
    n = len(a)
    cofactors = np.array([[(-1) ** (i + j) * np.linalg.det(np.delete(np.delete(a, i, 0), j, 1))
                           for j in range(n)] for i in range(n)])  # adj(a)^T
    np.testing.assert_allclose(g, cofactors, atol=1e-10)


def test_det_of_a_stack_with_a_singular_matrix():
    f = fn("def f(x):\n    return np.sum(np.linalg.det(x) * np.array([1.0, -2.0]))\n")
    both_modes(f, np.array([[[1.0, 2.0], [2.0, 4.0]], [[0.5, -1.0], [2.0, 3.0]]]), atol=1e-6)


# ---- complex values reaching the gradient of a real input are refused ------------------------
# (where srcad has no rule for them; abs of a complex value is differentiated: test_rules_fft.py)

COMPLEX = [
    "np.sum(np.real(np.sign(x * (1 + 1j))))",
    "np.sum(np.linalg.svd(np.outer(x, x) * 1j + np.eye(4))[1])",
    "np.sum(np.linalg.eigvalsh(np.outer(x, x) * (1 + 1j)))",
]


def refused(f, x):
    """Both modes refuse ``f`` at ``x`` for its complex values; reverse mode names line 2.
    (srcad.jvp does not locate errors raised at run time yet: srcad/api/forward.py.)"""
    with pytest.raises(srcad.SrcadError, match="complex") as info:
        srcad.grad(f)(x)
    assert info.value.location is not None and info.value.location.lineno == 2
    with pytest.raises(srcad.SrcadError, match="complex"):
        srcad.jvp(f, (x,), (np.ones(np.shape(x)),))


@pytest.mark.parametrize("expr", COMPLEX)
def test_a_complex_value_reaching_the_gradient_is_refused(expr):
    refused(fn(f"def f(x):\n    return {expr}\n"), RNG.normal(size=4))


@pytest.mark.parametrize("expr", [
    "np.sum(np.abs(x.astype(complex)))",
    "np.sum(np.abs(np.array(x, dtype=complex) * (1 + 2j)) ** 2)",
    "np.sum(np.real(np.exp(x.astype(np.complex128) * 1j) * (2 - 1j)))",
    "np.real(np.sum(x, dtype=complex) * (1 + 1j)) + np.sum(x.astype(complex).astype(float) ** 3)",
])
def test_a_real_value_cast_to_complex_is_differentiated(expr):
    # (was refused: a cast to a complex type; its cotangent is the real part, JAX's convention)
    both_modes(fn(f"def f(x):\n    return {expr}\n"), np.array([0.3, -1.2, 0.7, -0.1]))


def test_real_abs_is_unchanged():
    f = fn("def f(x):\n    return np.sum(np.abs(x) * W[(4,)]) + abs(x[0])\n")
    both_modes(f, np.array([0.3, -1.2, 0.7, -0.1]))


# ---- the "no gradient" audit: bincount's weights, arange's start and step, einsum's sublists --

@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("expr", [
    "np.sum(np.bincount(np.array([0, 1, 1, 3]), weights=x) ** 2)",
    "np.sum(np.bincount(np.array([0, 1, 1, 3]), x, 6) * np.arange(6.0))",
    "np.sum(np.arange(x[0], x[0] + 3.0) * W[(3, 4)][0, :3])",
    "np.sum(np.arange(x[0], 5.0, x[1]) ** 2)",
    "np.sum(np.arange(0.0, x[2], 0.5))",       # stop sets the length only: zero
    "np.sum(np.arange(x[0], 4.0, dtype=int) * x)",
    "np.sum(np.einsum(x.reshape(2, 2), [0, 1], [1]) ** 2)",
    "np.einsum(x.reshape(2, 2), [0, 1], W[(2, 2)], [1, 0])",
    "np.sum(np.einsum(W[(2, 2)], [0, 1], x.reshape(2, 2), [1, 2], [0, 2]) ** 2)",
    "np.sum(np.einsum(x, [0], x, [1]) * W[(4,)][:, None])",
    "np.sum(np.heaviside(np.array([0.0, 1.0, -1.0, 0.0]), x) * W[(4,)])",
    "np.sum(np.heaviside(np.array([[0.0], [2.0]]), x[1]) * np.heaviside(x, 0.5))",
])
def test_no_longer_zero(expr, dtype):
    f = fn(f"def f(x):\n    return {expr}\n")
    x = np.array([0.7, 0.45, 3.3, -0.8])
    tol = dict(rtol=2e-3, atol=2e-3) if dtype == np.float32 else dict(rtol=1e-5, atol=1e-6)
    both_modes(f, x, dtype=dtype, **tol)


def test_no_gradient_entries_take_no_differentiable_argument():
    """An entry of rules/nondiff.py must carry no gradient in any argument: the functions that
    have one in some argument have rules."""
    from srcad import rules
    for fn_ in (np.bincount, np.arange, np.einsum, np.heaviside):
        assert rules.lookup(fn_).differentiable
