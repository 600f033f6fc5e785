"""The rules added for the port of autograd's suite, each on more forms than the port has: negative
axes, broadcasting, keyword and positional arguments, complex values, float32. Every case is
checked by harness.py's oracle (reverse mode against autograd and central differences, forward
mode and Hessian-vector products against central differences); refusals must be located."""

import numpy as np
import pytest

import srcad
from gradcheck import make_function

from .harness import Port, run

port = Port("new rules", seed=5)
R, C = port.R, port.C

CASES = [
    # np.dot of arrays of more than two dimensions (np.tensordot over x's last, y's second-to-last)
    ("np.dot(x, y)", [R(2, 2, 3), R(3)]), ("np.dot(x, y)", [R(2, 3), R(4, 3, 2)]),
    ("np.dot(x, y)", [R(2, 1, 3), R(2, 3, 2)]), ("np.dot(x, y)", [R(3), R(2, 3, 4)]),
    ("np.dot(x, y)", [C(2, 2, 3), R(3, 2)]), ("x.dot(y)", [R(2, 2, 3), R(3, 2)]),
    # np.row_stack (np.vstack)
    ("np.row_stack((x, y))", [R(3), R(3)]), ("np.row_stack([x, y, x])", [R(2, 3), R(1, 3)]),
    # np.partition
    ("np.partition(x, 1)", [R(4)]), ("np.partition(x, -1)", [R(4)]),
    ("np.partition(x, (0, 2), axis=-2)", [R(4, 3)]), ("np.partition(x, 2, 0)", [R(3, 2, 2)]),
    ("np.partition(x, [1, 3], axis=None)", [R(2, 3)]), ("np.partition(x * y, 1)", [R(3, 4), R(4)]),
    ("np.partition(x, 1, kind='introselect')", [R(3)]),
    # np.real_if_close
    ("np.real_if_close(x * (1 + 0j))", [R(3)]), ("np.real_if_close(x + 1e-20j)", [R(2, 2)]),
    ("np.real_if_close(x)", [C(3)]), ("np.real_if_close(x, tol=1000) * y", [R(3), R(2, 3)]),
    # complex variances and norms
    ("np.var(x, axis=-1)", [C(3, 4)]), ("np.var(x, 0, ddof=1, keepdims=True)", [C(3, 2)]),
    ("np.std(x, axis=(0, 2))", [C(2, 3, 2)]), ("np.var(x * y)", [C(3), R(2, 3)]),
    ("np.linalg.norm(x, axis=-1, keepdims=True)", [C(3, 2)]), ("np.linalg.norm(x, 3, -2)", [C(3, 2)]),
    ("np.linalg.norm(x, 1)", [C(4)]), ("np.linalg.norm(x, np.inf)", [C(4)]),
    ("np.linalg.norm(x, -np.inf)", [C(4)]), ("np.linalg.norm(x, 0.5)", [C(4)]),
    ("np.linalg.norm(x, 'fro', (0, 2))", [C(2, 3, 2)]), ("np.linalg.norm(x * y)", [C(3), R(3)]),
    ("np.linalg.norm(x, 'nuc')", [C(3, 2)]), ("np.linalg.norm(x, 'nuc')", [C(2, 4)]),
    ("np.linalg.norm(x, 'nuc', (2, 0))", [C(3, 2, 3)]), ("np.linalg.norm(x * (1 + 1j), 'nuc')", [R(3, 3)]),
    # eigh reading the upper triangle
    ("np.linalg.eigh(x + x.T, 'U')[0]", [R(3, 3)]), ("np.linalg.eigh(x + x.T, UPLO='U')[1] ** 2",
                                                      [R(3, 3)]),
    ("np.linalg.eigh(x @ np.swapaxes(x, -1, -2), UPLO='U')[0]", [R(2, 3, 3)]),
    # np.r_ and np.c_ (were refused)
    ("np.r_[x, 2.0, y, 0:2]", [R(3), R()]), ("np.r_[x, y[::-1]]", [R(2, 3), R(1, 3)]),
    ("np.c_[x, y, x]", [R(3), R(3)]), ("np.c_[x, y]", [R(2, 2), R(2)]), ("np.r_[x, y]", [C(2), R(2)]),
    ("np.r_[x]", [R()]),
    # np.pad's constant (was: a silent zero gradient)
    ("np.pad(x, ((1, 0), (0, 2)), constant_values=y)", [R(2, 2), R()]),
    ("np.pad(x, 1, 'constant', constant_values=y * x[0])", [R(3), R()]),
    # np.einsum's sublist form, second order
    ("np.einsum(x, [0, 1], y, [1, 2], [0, 2])", [R(2, 3), R(3, 2)]),
    ("np.einsum(x, [Ellipsis, 1], y, [1])", [R(2, 2, 3), R(3)]),
    ("np.einsum(x, [0, 0])", [R(3, 3)]), ("np.einsum(x, [0, 1], x, [0, 1])", [R(2, 3)]),
]

for expr, args in CASES:
    names = ["x", "y", "z"][:len(args)]
    port.expr("case", ", ".join(names), expr, *args, argnums=tuple(range(len(args))))


@pytest.mark.parametrize("check", port.checks, ids=[expr for expr, _ in CASES])
def test_new_rule_in_every_mode(check):
    result = run(check)
    assert result.passed, {m: (o.status, o.message) for m, o in result.outcomes.items()}


@pytest.mark.parametrize("expr", ["np.dot(x.reshape(1, 2, 2), x[:2])", "np.row_stack((x, x))",
                                  "np.partition(x, 1)", "np.real_if_close(x + 0j)",
                                  "np.var(x * (1 + 1j))", "np.linalg.norm(x * (1 + 1j), 3)",
                                  "np.linalg.eigh(np.outer(x, x) + np.eye(4), 'U')[0]"])
def test_float32_in_float32_out(expr):
    f = make_function(f"""
        def f(x):
            return np.sum(np.real({expr}) ** 2)
        """)
    x = np.array([0.3, -0.7, 1.1, 0.2], dtype=np.float32)
    assert srcad.grad(f)(x).dtype == np.float32


def test_index_concatenation_refuses_directive_strings():
    f = make_function("""
        def f(x):
            return np.sum(np.r_['0,2', x, x] ** 2)
        """)
    with pytest.raises(srcad.SrcadError, match="directive") as info:
        srcad.grad(f)(np.ones(3))
    assert info.value.location is not None and info.value.location.lineno == 3


@pytest.mark.parametrize("ord", [2, -2, 1, np.inf])
def test_second_derivatives_of_complex_matrix_norms_other_than_nuclear_are_refused(ord):
    f = make_function(f"""
        def f(x):
            return np.linalg.norm(x * (1 + 0.5j), {ord!r})
        """, {"inf": np.inf})
    x = np.array([[1.0, 0.3], [-0.2, 2.0], [0.4, 0.1]])
    srcad.grad(f)(x)  # (first order: differentiated)
    with pytest.raises(srcad.SrcadError, match="complex") as info:
        srcad.hvp(f)(x, np.ones_like(x))
    assert info.value.location is not None


def test_pad_refuses_per_axis_constants():
    f = make_function("""
        def f(x, c):
            return np.sum(np.pad(x, 1, constant_values=((c, 0.0), (1.0, c))))
        """)
    with pytest.raises(srcad.SrcadError, match="constant_values") as info:
        srcad.grad(f, argnums=1)(np.ones((2, 2)), 0.5)
    assert info.value.location is not None


def test_partition_refuses_order():
    f = make_function("""
        def f(x):
            return np.sum(np.partition(x, 1, order=None) + np.partition(x, 1, order='a'))
        """)
    with pytest.raises(srcad.SrcadError, match="order") as info:
        srcad.grad(f)(np.ones(3))
    assert info.value.location is not None


# ---- SciPy (srcad/rules/scipy_more.py) -----------------------------------------------------------

scipy_port = Port("new scipy rules", seed=6)
P = scipy_port.U
SCIPY_CASES = [
    ("special.jv(-1.5, x)", [P(0.5, 3.0, (3,))]), ("special.jv(np.array([[0], [2]]), x)", [P(0.5, 3.0, (3,))]),
    ("special.yn(1, x) * y", [P(0.5, 3.0, (2, 3)), R(3)]), ("special.iv(0.5, x)", [P(0.2, 3.0, (4,))]),
    ("special.ive(3, x)", [R(2, 2)]), ("special.j1(x) + special.y1(x)", [P(0.5, 4.0, (3,))]),
    ("special.rgamma(x)", [P(-2.5, 3.0, (4,))]), ("special.erfcinv(x)", [P(0.1, 1.9, (3,))]),
    ("special.beta(x, y)", [P(0.5, 2.0, (2, 3)), P(0.5, 2.0, (3,))]),
    ("special.betainc(1.5, 2.0, x)", [P(0.1, 0.9, (2, 2))]),
    ("special.gammaincc(np.array([1.0, 2.5]), x)", [P(0.5, 2.0, (3, 2))]),
    ("stats.chi2.logpdf(x, df=y, scale=z)", [P(0.5, 2.0, (3,)), P(2.5, 4.0, (3,)), P(0.5, 2.0, ())]),
    ("stats.chi2.cdf(x, 3, loc=y)", [P(1.0, 2.0, (2, 3)), P(0.0, 0.4, (3,))]),
    ("stats.t.pdf(x, y)", [R(2, 3), P(2.5, 4.0, (3,))]),
    ("stats.t.logcdf(x, 5.0, y)", [R(4), R()]),
    ("stats.gamma.cdf(x, 2.0, scale=y)", [P(0.5, 2.0, (3,)), P(0.5, 2.0, (3,))]),
    ("stats.beta.pdf(x, y, 2.0)", [P(0.2, 0.8, (3,)), P(1.5, 3.0, (3,))]),
    ("stats.norm.logsf(x, loc=y)", [R(3), R(3)]), ("stats.norm.sf(x, scale=y)", [R(3), P(0.5, 2.0, (3,))]),
    ("stats.poisson.pmf(np.array([2, 0, 5]), x)", [P(0.5, 3.0, (3,))]),
    ("stats.poisson.cdf(np.array([[2], [4]]), x)", [P(0.5, 3.0, (3,))]),
    ("stats.multivariate_normal.pdf(x, y)", [R(2, 3), R(3)]),
    ("stats.multivariate_normal.entropy(cov=x @ x.T + np.eye(3))", [R(3, 3)]),
    ("stats.dirichlet.logpdf(x / np.sum(x), y)", [P(0.5, 2.0, (3,)), P(1.2, 3.0, (3,))]),
    ("spla.solve_sylvester(x, y + 4 * np.eye(2), z)", [R(3, 3) + 4 * np.eye(3), R(2, 2), R(3, 2)]),
    ("spla.sqrtm(x @ x.T + np.eye(3))", [R(3, 3)]), ("spla.sqrtm(x)", [R(2, 2)]),
    ("spla.solve_banded((0, 1), x + np.array([[0.0], [3.0]]), y)", [R(2, 3), R(3, 2)]),
    ("signal.convolve(x, y, 'same')", [R(2, 3, 2), R(2, 2, 1)]),
    ("signal.convolve(x, y, 'valid')", [R(2, 3), R(3, 4)]), ("signal.convolve(x, y)", [C(3), R(2)]),
]


def _scipy_namespace():
    import scipy.linalg
    import scipy.signal
    import scipy.special
    import scipy.stats
    return {"special": scipy.special, "stats": scipy.stats, "spla": scipy.linalg,
            "signal": scipy.signal}


for expr, args in SCIPY_CASES:
    names = ["x", "y", "z"][:len(args)]
    scipy_port.expr("case", ", ".join(names), expr, *args, argnums=tuple(range(len(args))),
                    namespace=_scipy_namespace())


@pytest.mark.parametrize("check", scipy_port.checks, ids=[expr for expr, _ in SCIPY_CASES])
def test_new_scipy_rule_in_every_mode(check):
    result = run(check)
    assert result.passed, {m: (o.status, o.message) for m, o in result.outcomes.items()}


@pytest.mark.parametrize("expr, param", [
    ("special.jv(x, 1.5)", "'v'"), ("special.iv(x, 2.0)", "'v'"), ("special.betainc(x, 2.0, 0.3)", "'a'"),
    ("special.gammainc(x, 0.7)", "'a'"), ("stats.t.cdf(0.3, x)", "'df'"),
    ("stats.beta.cdf(0.3, 2.0, x)", "'b'"), ("stats.chi2.cdf(1.3, x)", "'df'"),
])
def test_parameters_without_a_derivative_are_refused_never_zero(expr, param):
    f = make_function(f"""
        def f(x):
            return np.sum({expr})
        """, _scipy_namespace())
    with pytest.raises(srcad.SrcadError, match=param) as info:
        srcad.grad(f)(2.5)
    assert info.value.location is not None and info.value.location.lineno == 3
    with pytest.raises(srcad.SrcadError, match=param):
        srcad.jvp(f, (2.5,), (1.0,))


@pytest.mark.parametrize("expr", ["special.jv(1.5, x + 1.0)", "special.ive(2, x)",
                                  "special.betainc(2.0, 3.0, x * 0.4)", "stats.t.pdf(x, 3.0)",
                                  "stats.norm.logsf(x)", "signal.convolve(x, x[:2])",
                                  "spla.solve_sylvester(np.diag(x + 3.0), np.eye(4), np.outer(x, x))",
                                  "stats.dirichlet.logpdf(x / np.sum(x), x + 1.0)"])
def test_scipy_float32_in_float32_out(expr):
    f = make_function(f"""
        def f(x):
            return np.sum(np.real({expr}) ** 2)
        """, _scipy_namespace())
    x = np.array([0.3, 0.7, 1.1, 0.2], dtype=np.float32)
    g = srcad.grad(f)(x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, srcad.grad(f)(x.astype(np.float64)), rtol=1e-3, atol=1e-4)
