"""Linear algebra and second order (issue #16): every linear-algebra rule, ``np.prod``,
``np.cumprod``, ``np.sinc`` and every mode of ``np.linalg.norm`` in reverse mode (central finite
differences), forward mode (``srcad.jvp`` against differences along random directions) and
Hessian-vector products (``srcad.hvp`` against differences of ``srcad.grad``); stacked matrices;
autograd as a second oracle; the end-to-end Hessians of a Gaussian-process likelihood and of ridge
regression; and the refusals at degenerate points (repeated eigenvalues and singular values, rank
deficiency, unsupported modes), each a located SrcadError naming the user's line.
"""

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

import srcad
from gradcheck import check_grad, make_function
from rulecheck import check_hvp, check_jvp


def mat(*shape):
    return lambda rng: rng.normal(size=shape)


def spd(*batch, n=3):
    def make(rng):
        m = rng.normal(size=batch + (n, n))
        return m @ np.swapaxes(m, -1, -2) + n * np.eye(n)
    return make


def uniform(lo, hi, *shape):
    return lambda rng: rng.uniform(lo, hi, size=shape)


def const(value):
    return lambda rng: np.array(value, dtype=float)


SYM = "(x + np.swapaxes(x, -1, -2)) / 2"

# (expression in x, y; input makers): the value may be an array, contracted with a random cotangent
CASES = [
    # the helpers that had no second order before issue #16
    ("np.linalg.det(x)", [mat(3, 3)]),
    ("np.linalg.det(x)", [mat(2, 3, 3)]),
    ("np.linalg.slogdet(x)[1]", [spd()]),
    ("np.linalg.slogdet(x)[1]", [spd(2)]),
    ("np.linalg.slogdet(-x)[1] * np.linalg.slogdet(x)[0]", [spd()]),
    ("np.linalg.inv(x)", [spd(2, 2)]),
    ("np.linalg.solve(x, y)", [spd(), mat(3)]),
    ("np.linalg.solve(x, y)", [mat(3, 3), mat(3, 2)]),
    ("np.linalg.solve(x, y)", [spd(2), mat(2, 3, 2)]),
    ("np.linalg.solve(x, y)", [spd(2), mat(3)]),  # a vector broadcast against a stack
    ("np.linalg.solve(x, y)", [spd(), mat(2, 3, 2)]),  # a matrix against a stack of columns
    ("np.linalg.solve(x, x @ y)", [spd(), mat(3)]),  # the same matrix in both places
    (f"np.linalg.cholesky({SYM})", [spd()]),
    (f"np.linalg.cholesky({SYM})", [spd(2)]),
    (f"np.linalg.eigh({SYM})[0]", [spd()]),
    (f"np.linalg.eigh({SYM})[1] ** 2", [spd()]),
    (f"np.linalg.eigh({SYM})[0][..., None, :] * np.linalg.eigh({SYM})[1] ** 2", [spd(2)]),
    ("np.linalg.pinv(x)", [mat(3, 2)]),
    ("np.linalg.pinv(x)", [mat(2, 2, 3)]),
    ("np.prod(x)", [mat(4)]),
    ("np.prod(x * np.array([1.0, 0.0, 1.0, 1.0]))", [mat(4)]),  # one zero
    ("np.prod(x * np.array([1.0, 0.0, 0.0, 1.0]))", [mat(4)]),  # two zeros
    ("np.prod(x, axis=1)", [mat(3, 4)]),
    ("np.prod(x * np.array([1.0, 0.0, 1.0]), axis=(0, 2), keepdims=True)", [mat(2, 2, 3)]),
    ("np.cumprod(x)", [mat(4)]),
    ("np.cumprod(x * np.array([[1.0], [0.0], [1.0]]), axis=0)", [mat(3, 2)]),
    ("np.cumprod(x * np.array([1.0, 0.0, 1.0]))", [mat(2, 3)]),
    ("np.sinc(x)", [const([0.0, 1e-3, -0.02, 0.3, -1.2, 2.5])]),
    # np.linalg.norm, every mode
    ("np.linalg.norm(x)", [mat(4)]),
    ("np.linalg.norm(x)", [mat(3, 2)]),
    ("np.linalg.norm(x, 'fro')", [mat(3, 2)]),
    ("np.linalg.norm(x, 'nuc')", [mat(3, 3)]),
    ("np.linalg.norm(x, 'nuc')", [mat(2, 4)]),
    ("np.linalg.norm(x, 2)", [mat(3, 3)]),
    ("np.linalg.norm(x, 2)", [mat(4, 2)]),
    ("np.linalg.norm(x, -2)", [mat(3, 3)]),
    ("np.linalg.norm(x, -2)", [mat(2, 3)]),
    ("np.linalg.norm(x, 1)", [mat(3, 3)]),
    ("np.linalg.norm(x, -1)", [mat(3, 3)]),
    ("np.linalg.norm(x, np.inf)", [mat(3, 3)]),
    ("np.linalg.norm(x, -np.inf)", [mat(3, 3)]),
    ("np.linalg.norm(x, 1)", [mat(4)]),
    ("np.linalg.norm(x, -1)", [mat(4)]),
    ("np.linalg.norm(x, 2)", [mat(4)]),
    ("np.linalg.norm(x, -2)", [mat(4)]),
    ("np.linalg.norm(x, 3)", [mat(4)]),
    ("np.linalg.norm(x, 0.5)", [uniform(0.5, 1.0, 4)]),
    ("np.linalg.norm(x, np.inf)", [mat(4)]),
    ("np.linalg.norm(x, -np.inf)", [mat(4)]),
    ("np.linalg.norm(x, axis=1)", [mat(3, 4)]),
    ("np.linalg.norm(x, 3, axis=0, keepdims=True)", [mat(3, 4)]),
    ("np.linalg.norm(x, 'nuc', axis=(1, 2))", [mat(2, 3, 3)]),
    ("np.linalg.norm(x, 2, axis=(0, 2), keepdims=True)", [mat(3, 2, 3)]),
    ("np.linalg.norm(x, 'fro', axis=(2, 0))", [mat(3, 2, 3)]),
    ("np.linalg.norm(x, np.inf, axis=(1, 0))", [mat(3, 3)]),
    # the rules added by issue #16
    ("np.linalg.svd(x, compute_uv=False)", [mat(3, 2)]),
    ("np.linalg.svd(x, compute_uv=False)", [mat(2, 2, 4)]),
    ("np.linalg.svd(x, full_matrices=False)[0] ** 2", [mat(4, 3)]),
    ("np.linalg.svd(x, full_matrices=False)[2] ** 2", [mat(2, 3)]),
    ("np.linalg.svd(x)[1] + np.sum(np.linalg.svd(x)[0] ** 3)", [mat(3, 3)]),
    ("np.linalg.svd(x, full_matrices=False)[0][..., 0] ** 2", [mat(2, 4, 3)]),
    ("np.sum(np.abs(np.linalg.svd(x, False)[0]), axis=0) * np.linalg.svd(x, False)[1]", [mat(4, 2)]),
    (f"np.linalg.eigvalsh({SYM})", [spd()]),
    (f"np.linalg.eigvalsh({SYM})", [spd(2)]),
    ("np.linalg.qr(x)[0]", [mat(4, 3)]),
    ("np.linalg.qr(x)[1]", [mat(3, 3)]),
    ("np.linalg.qr(x)[0] * np.linalg.qr(x)[1][..., :1, :]", [mat(2, 3, 3)]),
    ("np.linalg.qr(x, mode='reduced')[1]", [mat(5, 2)]),
    ("np.linalg.lstsq(x, y)[0]", [mat(4, 2), mat(4)]),
    ("np.linalg.lstsq(x, y, rcond=None)[0]", [mat(5, 3), mat(5, 2)]),
    ("np.linalg.lstsq(x, y)[0]", [mat(2, 4), mat(2)]),  # underdetermined: the least-norm solution
    ("np.linalg.lstsq(x, y)[0]", [mat(3, 3), mat(3)]),
    ("np.linalg.matrix_power(x, 3)", [mat(3, 3)]),
    ("np.linalg.matrix_power(x, 0)", [mat(3, 3)]),
    ("np.linalg.matrix_power(x, 1)", [mat(2, 3, 3)]),
    ("np.linalg.matrix_power(x, -2)", [spd()]),
    ("np.linalg.matrix_power(x, 2)", [mat(2, 3, 3)]),
]


def _case_params():
    return [pytest.param(expr, makers, id=f"{k}-{expr[:50]}") for k, (expr, makers) in enumerate(CASES)]


def _weighted(expr, makers, seed):
    names = ["x", "y"][:len(makers)]
    rng = np.random.default_rng(seed)
    args = [make(rng) for make in makers]
    value = eval(expr, {"np": np}, dict(zip(names, args)))
    w = rng.normal(size=np.shape(value))
    f = make_function(f"""
        def f({', '.join(names)}):
            return np.sum(({expr}) * w)
        """, {"w": w})
    return f, args


@pytest.mark.parametrize("expr, makers", _case_params())
def test_reverse_mode_against_finite_differences(expr, makers):
    f, args = _weighted(expr, makers, 1)
    check_grad(f, args, argnums=tuple(range(len(args))), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("expr, makers", _case_params())
def test_forward_mode_against_differences(expr, makers):
    names = ["x", "y"][:len(makers)]
    rng = np.random.default_rng(2)
    args = [make(rng) for make in makers]
    f = make_function(f"""
        def f({', '.join(names)}):
            return {expr}
        """)
    for positions in [tuple(range(len(args)))] + [(k,) for k in range(len(args))] * (len(args) > 1):
        check_jvp(f, args, positions, rtol=1e-4, atol=1e-5, seed=len(positions))


@pytest.mark.parametrize("expr, makers", _case_params())
def test_hessian_vector_products_against_differences_of_the_gradient(expr, makers):
    f, args = _weighted(expr, makers, 3)
    for k in range(len(args)):
        for seed in (0, 1):
            check_hvp(f, args, k, rtol=1e-4, atol=1e-4, seed=seed)


# ---- autograd, a second oracle ---------------------------------------------------------------------

AUTOGRAD_CASES = [
    ("np.linalg.det(x)", [mat(3, 3)]),
    ("np.linalg.slogdet(x)[1]", [spd()]),
    ("np.linalg.inv(x)", [spd()]),
    ("np.linalg.solve(x, y)", [spd(), mat(3, 2)]),
    (f"np.linalg.cholesky({SYM})", [spd()]),
    (f"np.linalg.eigh({SYM})[1] ** 2", [spd()]),
    ("np.linalg.pinv(x)", [mat(3, 2)]),
    ("np.prod(x)", [mat(4)]),
    ("np.linalg.norm(x, 'nuc')", [mat(3, 3)]),
    ("np.linalg.norm(x, 3)", [mat(4)]),
    ("np.linalg.svd(x, full_matrices=False)[0] ** 2", [mat(4, 3)]),
    ("np.linalg.svd(x, compute_uv=False)", [mat(3, 4)]),
]  # (autograd has no gradient of cumprod, matrix_power or the matrix 2-norm)


@pytest.mark.parametrize("expr, makers", [pytest.param(e, m, id=e[:40]) for e, m in AUTOGRAD_CASES])
def test_gradient_and_hessian_agree_with_autograd(expr, makers):
    names = ["x", "y"][:len(makers)]
    rng = np.random.default_rng(4)
    args = [make(rng) for make in makers]
    value = eval(expr, {"np": np}, dict(zip(names, args)))
    w = rng.normal(size=np.shape(value))
    src = f"""
        def f({', '.join(names)}):
            return np.sum(({expr}) * w)
        """
    f = make_function(src, {"w": w})
    fa = make_function(src.replace("np.", "anp."), {"w": w, "anp": anp})
    np.testing.assert_allclose(srcad.grad(f)(*args), autograd.grad(fa)(*args), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(srcad.hessian(f)(*args), autograd.hessian(fa)(*args), rtol=1e-6,
                               atol=1e-8)


# ---- end-to-end Hessians ---------------------------------------------------------------------------

def _finite_difference_hessian(f, x, eps=1e-6):
    g = srcad.grad(f)
    columns = []
    for e in np.eye(len(x)):
        columns.append((np.asarray(g(x + eps * e)) - np.asarray(g(x - eps * e))) / (2 * eps))
    return np.stack(columns, axis=1)


GP_SOURCE = """
    def gp_nll(theta):
        ell, sf2, sn2 = np.exp(theta[0]), np.exp(theta[1]), np.exp(theta[2])
        K = sf2 * np.exp(-0.5 * D / ell ** 2) + sn2 * np.eye(len(y))
        sign, logdet = np.linalg.slogdet(K)
        alpha = np.linalg.solve(K, y)
        return 0.5 * y @ alpha + 0.5 * logdet + 0.5 * len(y) * np.log(2 * np.pi)
    """

GP_CHOLESKY_SOURCE = """
    def gp_nll(theta):
        ell, sf2, sn2 = np.exp(theta[0]), np.exp(theta[1]), np.exp(theta[2])
        K = sf2 * np.exp(-0.5 * D / ell ** 2) + sn2 * np.eye(len(y))
        L = np.linalg.cholesky(K)
        z = np.linalg.solve(L, y)
        return 0.5 * z @ z + np.sum(np.log(np.diagonal(L))) + 0.5 * len(y) * np.log(2 * np.pi)
    """


def _gp_data():
    rng = np.random.default_rng(7)
    X = rng.uniform(-2, 2, size=(8, 2))
    D = np.sum((X[:, None, :] - X[None, :, :]) ** 2, axis=-1)
    y = np.sin(X[:, 0]) + 0.1 * rng.normal(size=8)
    return {"D": D, "y": y}


@pytest.mark.parametrize("source", [GP_SOURCE, GP_CHOLESKY_SOURCE], ids=["slogdet-solve", "cholesky"])
def test_hessian_of_a_gaussian_process_likelihood(source):
    data = _gp_data()
    f = make_function(source, data)
    # the oracle: autograd on the slogdet-and-solve form (the same function of theta)
    fa = make_function(GP_SOURCE.replace("np.", "anp."), {**data, "anp": anp})
    for theta in (np.array([0.1, -0.3, -1.5]), np.array([-0.4, 0.6, -0.2])):
        H = srcad.hessian(f)(theta)
        np.testing.assert_allclose(H, H.T, rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(H, _finite_difference_hessian(f, theta), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(H, autograd.hessian(fa)(theta), rtol=1e-7, atol=1e-9)
        v = np.array([0.3, -1.0, 0.5])
        np.testing.assert_allclose(srcad.hvp(f)(theta, v), H @ v, rtol=1e-10, atol=1e-12)


RIDGE_SOURCE = """
    def ridge(theta):
        lam = np.exp(theta[0])
        A = X.T @ X + lam * np.eye(X.shape[1])
        w = np.linalg.solve(A, X.T @ y) * theta[1]
        w_inv = np.linalg.inv(A) @ (X.T @ y)
        return np.sum((Xv @ w - yv) ** 2) + np.sum((Xv @ w_inv - yv) ** 2) * theta[1] ** 2
    """


def test_hessian_of_ridge_regression():
    rng = np.random.default_rng(8)
    data = {"X": rng.normal(size=(10, 3)), "y": rng.normal(size=10), "Xv": rng.normal(size=(6, 3)),
            "yv": rng.normal(size=6)}
    f = make_function(RIDGE_SOURCE, data)
    fa = make_function(RIDGE_SOURCE.replace("np.", "anp."), {**data, "anp": anp})
    theta = np.array([0.4, 0.9])
    H = srcad.hessian(f)(theta)
    np.testing.assert_allclose(H, _finite_difference_hessian(f, theta), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(H, autograd.hessian(fa)(theta), rtol=1e-8, atol=1e-10)


def test_hessian_of_ridge_objective_in_the_weights_is_exact():
    rng = np.random.default_rng(9)
    X, y = rng.normal(size=(7, 3)), rng.normal(size=7)
    f = make_function("""
        def objective(w, lam):
            A = X.T @ X + lam * np.eye(3)
            w_star = np.linalg.solve(A, X.T @ y)
            return np.sum((X @ w - y) ** 2) + lam * w @ w + np.sum((w - w_star) ** 2)
        """, {"X": X, "y": y})
    H = srcad.hessian(f)(rng.normal(size=3), 0.5)
    np.testing.assert_allclose(H, 2 * X.T @ X + 2 * 0.5 * np.eye(3) + 2 * np.eye(3), rtol=1e-12)


def test_grad_of_grad_through_prod_with_zeros_and_sinc_at_zero():
    f = make_function("""
        def f(x):
            return np.prod(np.array([x, 0.0, x ** 2, 3.0])) + np.sinc(x - 0.5) + np.prod(np.array([x, x, 2.0]))
        """)
    second = srcad.grad(srcad.grad(f))
    x = 0.5  # sinc at 0: its second derivative there is -pi^2 / 3
    np.testing.assert_allclose(second(x), -np.pi ** 2 / 3 + 4.0, rtol=1e-10)
    fa = lambda x: anp.sinc(x - 0.3) * anp.prod(anp.array([x, x, 2.0]))  # noqa: E731
    g = make_function("""
        def g(x):
            return np.sinc(x - 0.3) * np.prod(np.array([x, x, 2.0]))
        """)
    # (autograd's sinc has no derivative at 0: compare away from it)
    np.testing.assert_allclose(srcad.grad(srcad.grad(g))(0.7), autograd.grad(autograd.grad(fa))(0.7),
                               rtol=1e-10)


def test_a_loop_of_solves_and_values_changing_between_calls():
    f = make_function("""
        def f(a, b):
            x = b
            for _ in range(3):
                x = np.linalg.solve(a, x) + np.linalg.det(a) * x
            return np.sum(x ** 2)
        """)
    rng = np.random.default_rng(10)
    for _ in range(2):  # the same derived functions, new values
        a, b = spd()(rng) / 3, rng.normal(size=3)
        check_grad(f, [a, b], argnums=(0, 1), rtol=1e-4, atol=1e-5)
        for k in (0, 1):
            check_hvp(f, [a, b], k, rtol=1e-4, atol=1e-4)


# ---- conventions and refusals at degenerate points ------------------------------------------------

def _rotated(values, seed=0):
    """Q diag(values) R^T with random orthogonal Q and R: repeated singular values whose singular
    vectors are no coordinate axes."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(len(values), len(values))))
    r, _ = np.linalg.qr(rng.normal(size=(len(values), len(values))))
    return q @ np.diag(values) @ r.T, q @ np.diag(values) @ q.T


def _refused_at(f, args, line_text, derivative=srcad.grad):
    with pytest.raises(srcad.SrcadError) as info:
        derivative(f)(*args)
    assert info.value.location is not None and line_text in info.value.location.line
    return info.value


def test_svd_with_repeated_singular_values():
    x, _ = _rotated([2.0, 2.0, 1.0])
    vectors = make_function("""
        def f(x):
            u, s, vt = np.linalg.svd(x)
            return np.sum(u[:, 0] ** 2 * np.arange(3.0))
        """)
    error = _refused_at(vectors, [x], "np.linalg.svd(x)")
    assert "repeated" in error.message
    # U diag(s) Vt is x itself, whatever the basis, but its gradient through the factors is a
    # limit 0/0 that the adjoint's values cannot give: refused, never a guess
    whole = make_function("""
        def f(x):
            u, s, vt = np.linalg.svd(x)
            return np.sum((u * s) @ vt)
        """)
    _refused_at(whole, [x], "np.linalg.svd(x)")
    # the vectors of the distinct singular value alone: defined
    distinct = make_function("""
        def f(x):
            u, s, vt = np.linalg.svd(x)
            return np.sum(u[:, 2] ** 2 * np.arange(3.0)) + np.sum(vt[2] ** 4)
        """)
    check_grad(distinct, [x], rtol=1e-4, atol=1e-5)
    # singular values alone: equal weights on the repeated ones are well defined, unequal are not
    even = make_function("""
        def f(x):
            return np.sum(np.linalg.svd(x, compute_uv=False) * np.array([1.0, 1.0, 3.0]))
        """)
    check_grad(even, [x], rtol=1e-4, atol=1e-5)
    # second order: forward mode needs the singular values' tangent, which is not defined along a
    # direction that splits the repeated ones (refused), and is along one that moves them together
    with pytest.raises(srcad.UnsupportedOperationError, match="repeated"):
        srcad.hvp(even)(x, np.random.default_rng(1).normal(size=(3, 3)))
    np.testing.assert_allclose(srcad.jvp(even, (x,), (x,))[1], even(x), rtol=1e-10)
    uneven = make_function("""
        def f(x):
            return np.sum(np.linalg.svd(x, compute_uv=False) * np.array([1.0, 2.0, 3.0]))
        """)
    _refused_at(uneven, [x], "np.linalg.svd(x, compute_uv=False)")


def test_eigh_and_eigvalsh_with_repeated_eigenvalues():
    _, x = _rotated([1.0, 1.0, 3.0])
    vectors = make_function("""
        def f(x):
            w, v = np.linalg.eigh(x)
            return np.sum(v ** 2 * np.arange(9.0).reshape(3, 3))
        """)
    _refused_at(vectors, [x], "np.linalg.eigh(x)")
    distinct = make_function("""
        def f(x):
            w, v = np.linalg.eigh((x + x.T) / 2)
            return np.sum(v[:, 2] ** 2 * np.arange(3.0)) + w[0] + w[1]
        """)
    check_grad(distinct, [x], rtol=1e-4, atol=1e-5)
    trace = make_function("""
        def f(x):
            return np.sum(np.linalg.eigvalsh((x + x.T) / 2) * np.array([2.0, 2.0, 1.0]))
        """)
    check_grad(trace, [x], rtol=1e-4, atol=1e-5)
    with pytest.raises(srcad.UnsupportedOperationError, match="repeated"):
        srcad.hvp(trace)(x, np.random.default_rng(1).normal(size=(3, 3)))
    np.testing.assert_allclose(srcad.jvp(trace, (x,), (x,))[1], trace(x), rtol=1e-10)
    uneven = make_function("""
        def f(x):
            return np.sum(np.linalg.eigvalsh(x) * np.array([1.0, 2.0, 3.0]))
        """)
    _refused_at(uneven, [x], "np.linalg.eigvalsh(x)")
    forward = make_function("""
        def f(x):
            return np.linalg.eigvalsh(x)
        """)
    with pytest.raises(srcad.SrcadError) as info:
        srcad.jvp(forward, (x,), (np.ones((3, 3)),))
    assert "np.linalg.eigvalsh(x)" in info.value.location.line


def test_second_order_refusals_are_located():
    det = make_function("""
        def f(x):
            return np.linalg.det(x) ** 2
        """)
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    check_grad(det, [singular], rtol=1e-4, atol=1e-5)  # the adjugate: first order is fine
    # (a refusal inside the gradient code, which forward mode differentiates for a
    # Hessian-vector product, is located there)
    with pytest.raises(srcad.UnsupportedOperationError) as info:
        srcad.hvp(det)(singular, np.ones((2, 2)))
    assert "singular" in info.value.message and info.value.location is not None
    two_norm = make_function("""
        def f(x):
            return np.linalg.norm(x, 2)
        """)
    with pytest.raises(srcad.UnsupportedOperationError) as info:
        srcad.hvp(two_norm)(np.eye(3), np.arange(9.0).reshape(3, 3))
    assert "repeated" in info.value.message and info.value.location is not None
    p_norm = make_function("""
        def f(x):
            return np.linalg.norm(x, 1.5)
        """)
    with pytest.raises(srcad.UnsupportedOperationError, match="not finite"):
        srcad.hvp(p_norm)(np.array([0.0, 1.0, 2.0]), np.ones(3))


@pytest.mark.parametrize("line", [
    "np.linalg.svd(x)[0]",                      # non-square with full_matrices=True
    "np.linalg.qr(x.T)[0]",                     # wide
    "np.linalg.qr(x, mode='complete')[0]",      # the extra columns are not determined
    "np.linalg.lstsq(x @ np.ones((2, 2)), np.ones(4))[0]",  # rank deficient
    "np.linalg.lstsq(x, np.ones(4))[1]",        # residuals: reverse mode refuses
])
def test_unsupported_modes_are_refused_at_run_time_at_the_line(line):
    f = make_function(f"""
        def f(x):
            return np.sum({line})
        """)
    x = np.random.default_rng(0).normal(size=(4, 2))
    _refused_at(f, [x], line)


def test_eig_is_refused_with_a_located_error():
    f = make_function("""
        def f(x):
            w, v = np.linalg.eig(x)
            return np.sum(w.real)
        """)
    error = _refused_at(f, [np.eye(2)], "np.linalg.eig(x)")
    assert "np.linalg.eig" in error.message


def test_lstsq_forward_mode_gives_every_result():
    f = make_function("""
        def f(a, b):
            x, residuals, rank, s = np.linalg.lstsq(a, b)
            return x, residuals, s
        """)
    rng = np.random.default_rng(5)
    check_jvp(f, [rng.normal(size=(5, 2)), rng.normal(size=(5, 3))], (0, 1), rtol=1e-4, atol=1e-6)


def test_a_branch_between_factorizations():
    f = make_function("""
        def f(a, b):
            if np.linalg.det(a) > 0:
                q, r = np.linalg.qr(a)
                y = np.linalg.solve(r, q.T @ b)
            else:
                u, s, vt = np.linalg.svd(a)
                y = vt.T @ ((u.T @ b) / s)
            return np.sum(np.sinc(y)) + np.linalg.norm(a, 'nuc')
        """)
    rng = np.random.default_rng(12)
    a = rng.normal(size=(3, 3))
    for sign in (1.0, -1.0):  # each branch: solve(a, b) by QR or by the SVD
        a_here = a if np.linalg.det(a) * sign > 0 else a[::-1].copy()
        b = rng.normal(size=3)
        check_grad(f, [a_here, b], argnums=(0, 1), rtol=1e-4, atol=1e-5)
        check_jvp(f, [a_here, b], (0, 1), rtol=1e-4, atol=1e-5)
        for k in (0, 1):
            check_hvp(f, [a_here, b], k, rtol=1e-4, atol=1e-4)


EXPORTED = '''
import numpy as np


def fit(a, b):
    x = np.linalg.solve(a.T @ a, a.T @ b)  # (lstsq: its rank, an integer, is no exported case yet)
    u, sv, vt = np.linalg.svd(a, full_matrices=False)
    return np.sum(np.sinc(x)) + np.sum(u ** 2 * sv) + np.prod(vt) + np.linalg.norm(a, 2)
'''


def test_export_copies_the_new_helpers(tmp_path):
    import importlib.util

    def load(path, name):
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    (tmp_path / "fit_module.py").write_text(EXPORTED)
    fit = load(tmp_path / "fit_module.py", "fit_module").fit
    rng = np.random.default_rng(13)
    args = [rng.normal(size=(5, 3)), rng.normal(size=5)]
    derived = srcad.grad(fit, argnums=(0, 1))
    expected = derived(*args)
    check_grad(fit, args, argnums=(0, 1), rtol=1e-4, atol=1e-5)
    text = srcad.export(derived, str(tmp_path / "exported.py"))
    assert not any("srcad" in line for line in text.splitlines() if line.startswith(("import", "from")))
    _, grads = load(tmp_path / "exported.py", "exported").grad_fit(*args)
    for a, b in zip(grads, expected):
        np.testing.assert_array_equal(a, b)
