"""``np.linalg.eig``, ``np.linalg.eigvals`` and what builds on them (``np.roots``, ``np.poly``):
srcad/runtime/eig.py, srcad/rules/linalg.py, srcad/rules/composite_poly.py.

The premise first: LAPACK's ``geev`` (which NumPy calls) returns eigenvectors of norm 1 whose
largest-modulus component is real, so NumPy's eigenvectors are a function of the matrix (for a
real matrix, up to the sign of each, which its algorithm sets: see below), and srcad's tangent of
them is the derivative of that function: checked against central differences of NumPy's own
outputs (complex arrays, not only functions of them that ignore the phase). Then real-valued
functions of them -- the eigenvalues alone, the eigenvectors alone, real and imaginary parts
(of ``v`` for a complex matrix, of ``v ** 2`` for a real one), ``abs`` -- of real matrices with
real eigenvalues, with complex-conjugate pairs, of
complex matrices, of stacks, float32: reverse mode against central differences (in the real and
the imaginary direction of each entry of a complex matrix), forward mode against differences
along random directions, reverse against forward (``<g, J t> = <J^T g, t>``), Hessian-vector
products against differences of ``srcad.grad``, and JAX (``jax.lax.linalg.eig`` with
``enable_eigvec_derivs=True``, whose tangent follows the same normalisation; ``jnp.linalg.eigvals``).
Each refusal (repeated or numerically repeated eigenvalues, a defective matrix, a tie for the
largest component, a real matrix stored as complex, zeros ``np.roots`` strips) is a located
``SrcadError`` at the user's line.

The signs: for a real matrix NumPy calls LAPACK's real routine, which only scales a real
eigenvector and makes the largest component of a complex pair's vector real of either sign, so the
sign of each is whatever its algorithm's path gives; that path changes under small perturbations
(for random 6 x 6 matrices, a step of 1e-6 flips some eigenvector's sign about one time in seven).
NumPy's eigenvectors of a real matrix are smooth between those flips, and srcad's derivative is
that of the piece the matrix lies on; the differences of the outputs are taken with each column's
sign matched to the unperturbed one, and the functions differenced read ``v ** 2`` (which depends
on the phase, not on the sign) rather than ``v`` itself.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import srcad
from gradcheck import check_grad, make_function
from rulecheck import check_hvp, check_jvp

H = 1e-6
RNG = np.random.default_rng(20)


def similar(values, rng=RNG):
    """A real matrix with the real eigenvalues ``values`` (a random similarity)."""
    s = rng.normal(size=(len(values), len(values)))
    return s @ np.diag(values) @ np.linalg.inv(s)


def cmat(*shape, rng=RNG):
    return rng.normal(size=shape) + 1j * rng.normal(size=shape)


REAL_REAL = similar([1.0, 2.0, 3.5, -1.0])            # real matrix, real eigenvalues (real results)
REAL_PAIRS = RNG.normal(size=(5, 5))                  # real matrix, complex-conjugate pairs
COMPLEX = cmat(4, 4)                                  # complex matrix
STACK = RNG.normal(size=(2, 3, 4, 4))                 # stacked real matrices
CSTACK = cmat(3, 3, 3)                                # stacked complex matrices
MATRICES = {"real-real": REAL_REAL, "real-pairs": REAL_PAIRS, "complex": COMPLEX,
            "stack": STACK, "complex-stack": CSTACK}


def _direction(x, rng):
    d = rng.normal(size=np.shape(x))
    return d + 1j * rng.normal(size=np.shape(x)) if np.iscomplexobj(x) else d


def test_the_premise_lapacks_normalisation_of_numpys_eigenvectors():
    for x in list(MATRICES.values()) + [REAL_PAIRS.astype(np.float32), COMPLEX.astype(np.complex64)]:
        w, v = np.linalg.eig(x)
        eps = np.finfo(v.dtype).eps
        np.testing.assert_allclose(np.linalg.norm(v, axis=-2), 1, atol=10 * eps)
        k = np.argmax(np.abs(v), axis=-2)[..., None, :]
        largest = np.take_along_axis(v, k, axis=-2)
        assert np.all(np.imag(largest) == 0)  # exactly real
        if np.iscomplexobj(x):
            assert np.all(np.real(largest) > 0)  # (zgeev: positive; dgeev's pairs: either sign)
        np.testing.assert_array_equal(np.linalg.eigvals(x), w)
    assert np.linalg.eig(REAL_REAL)[1].dtype == np.float64  # all real: NumPy returns real arrays
    assert np.linalg.eig(REAL_PAIRS)[1].dtype == np.complex128


# ---- forward mode: the derivative of NumPy's own outputs ------------------------------------------

def _signs_of(v, moved, determined=False):
    """``moved`` (eigenvectors of a nearby matrix) with each column's sign that of ``v``'s;
    ``determined`` (a complex matrix's): the signs must agree already."""
    signs = np.sign(np.real(np.sum(np.conj(v) * moved, axis=-2, keepdims=True)))
    assert not determined or np.all(signs > 0)
    return moved * signs


def eig_both(x):
    w, v = np.linalg.eig(x)
    return w, v


def eigvals_only(x):
    return np.linalg.eigvals(x)


@pytest.mark.parametrize("name", list(MATRICES))
def test_jvp_is_the_difference_of_numpys_eigenvalues_and_eigenvectors(name):
    x = MATRICES[name]
    d = _direction(x, np.random.default_rng(1))
    (w, v), (dw, dv) = srcad.jvp(eig_both, (x,), (d,))
    (w1, v1), (w2, v2) = np.linalg.eig(x + H * d), np.linalg.eig(x - H * d)
    v1, v2 = _signs_of(v, v1, np.iscomplexobj(x)), _signs_of(v, v2, np.iscomplexobj(x))
    np.testing.assert_allclose(dw, (w1 - w2) / (2 * H), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(dv, (v1 - v2) / (2 * H), rtol=1e-6, atol=1e-7)
    assert dw.dtype == w.dtype and dv.dtype == v.dtype  # (real results: real tangents)
    _, dw_alone = srcad.jvp(eigvals_only, (x,), (d,))
    np.testing.assert_allclose(dw_alone, dw, rtol=1e-12, atol=1e-12)


# ---- reverse mode, forward mode, Hessians of real-valued functions --------------------------------

W = np.random.default_rng(3).normal(size=(5, 5))
C = W + 1j * np.random.default_rng(4).normal(size=(5, 5))
READS = {  # what a function reads of the decomposition (x: a square matrix of size n, or a stack)
    "eigenvalues, real part": "np.sum(np.real(np.linalg.eig(x)[0]) * W[0, :n])",
    "eigenvalues, imaginary part": "np.sum(np.imag(np.linalg.eig(x)[0]) ** 2 * W[1, :n])",
    "eigenvectors squared, real part": "np.sum(np.real(np.linalg.eig(x)[1] ** 2) * W[:n, :n])",
    "eigenvectors squared, imaginary part": "np.sum(np.imag(np.linalg.eig(x)[1] ** 2) * W[:n, :n])",
    "eigenvectors, abs": "np.sum(np.abs(np.linalg.eig(x)[1]) * W[:n, :n])",
    "both, complex weights":
        "np.real(np.sum(np.linalg.eig(x)[1] ** 2 * C[:n, :n] * np.linalg.eig(x)[0][..., None, :]))",
    "eigvals": "np.sum(np.real(np.linalg.eigvals(x) * C[0, :n]))",
    "eigvals, abs": "np.sum(np.abs(np.linalg.eigvals(x)))",
}
COMPLEX_READS = {  # (the eigenvectors of a complex matrix are determined, signs too)
    "eigenvectors, real part": "np.sum(np.real(np.linalg.eig(x)[1]) * W[:n, :n])",
    "eigenvectors, imaginary part": "np.sum(np.imag(np.linalg.eig(x)[1]) * W[:n, :n])",
}


def _reads():
    for name, x in MATRICES.items():
        for read in list(READS) + (list(COMPLEX_READS) if np.iscomplexobj(x) else []):
            yield pytest.param(name, read, id=f"{name}-{read}")


def _function(body, n):
    return make_function(f"""
        def f(x):
            n = {n}
            return {body}
        """, {"W": W, "C": C})


def _by_differences(f, x):
    """JAX's convention: dL/dRe - 1j dL/dIm, entry by entry."""
    g = np.zeros(x.shape, dtype=x.dtype)
    for idx in np.ndindex(x.shape):
        e = np.zeros(x.shape)
        e[idx] = H
        g[idx] = (f(x + e) - f(x - e)) / (2 * H)
        if np.iscomplexobj(x):
            g[idx] -= 1j * (f(x + 1j * e) - f(x - 1j * e)) / (2 * H)
    return g


@pytest.mark.parametrize("name, read", list(_reads()))
def test_every_mode_against_differences(name, read):
    x = MATRICES[name]
    f = _function({**READS, **COMPLEX_READS}[read], x.shape[-1])
    g = srcad.grad(f)(x)
    assert g.dtype == x.dtype  # (a real matrix: a real gradient)
    np.testing.assert_allclose(g, _by_differences(f, x), rtol=1e-5, atol=1e-6)
    rng = np.random.default_rng(5)
    t = _direction(x, rng)
    value, jv = srcad.jvp(f, (x,), (t,))
    np.testing.assert_allclose(jv, (f(x + H * t) - f(x - H * t)) / (2 * H), rtol=1e-5, atol=1e-6)
    # reverse against forward: the real pairing of the gradient with the tangent
    np.testing.assert_allclose(np.real(np.sum(g * t)), jv, rtol=1e-10, atol=1e-10)
    v = _direction(x, rng)
    hv = srcad.hvp(f)(x, v)
    grad = srcad.grad(f)
    np.testing.assert_allclose(hv, (grad(x + H * v) - grad(x - H * v)) / (2 * H), rtol=1e-4,
                               atol=1e-5)


def test_the_rule_tests_checks_on_real_expressions():
    # (the harness of the other rule tests: check_grad, check_jvp, check_hvp)
    f = make_function("""
        def f(x):
            w, v = np.linalg.eig(x)
            return np.sum(np.abs(v) ** 2 * np.real(w)) + np.sum(np.imag(v[0] ** 2) * np.imag(w))
        """)
    check_grad(f, [REAL_PAIRS], rtol=1e-5, atol=1e-6)
    check_jvp(f, [REAL_PAIRS], (0,))
    check_hvp(f, [REAL_PAIRS], 0, rtol=1e-4, atol=1e-5)


def test_the_adjoint_and_the_tangent_in_a_loop_and_through_other_rules():
    f = make_function("""
        def f(x):
            total = 0.0
            for k in range(3):
                w, v = np.linalg.eig(x + k * np.eye(x.shape[0]) * 0.1)
                total = total + np.sum(np.real(np.linalg.solve(v, w * v[:, 0] ** 2)))
            return total
        """)
    check_grad(f, [REAL_PAIRS], rtol=1e-5, atol=1e-6)
    check_hvp(f, [REAL_PAIRS], 0, rtol=1e-4, atol=1e-5)


def test_float32_in_float32_out():
    x = REAL_PAIRS[:3, :3].astype(np.float32)
    f = make_function("""
        def f(x):
            w, v = np.linalg.eig(x)
            return np.sum(np.real(v ** 2) * np.imag(w)) + np.sum(np.abs(np.linalg.eigvals(x)))
        """)
    value, g = srcad.value_and_grad(f)(x)
    assert g.dtype == np.float32 and np.result_type(value) == np.float32
    np.testing.assert_allclose(g, srcad.grad(f)(x.astype(np.float64)), rtol=2e-3, atol=2e-3)
    (w, v), (dw, dv) = srcad.jvp(eig_both, (x,), (np.ones((3, 3), np.float32),))
    assert dw.dtype == np.complex64 and dv.dtype == np.complex64


def test_one_by_one_empty_and_integer_matrices():
    f = make_function("""
        def f(x):
            w, v = np.linalg.eig(x)
            return np.sum(np.real(w) ** 2) + np.sum(np.real(v ** 2)) + np.sum(np.abs(np.linalg.eigvals(x)))
        """)
    for x in (np.array([[2.5]]), np.full((2, 1, 1), -3.0)):
        check_grad(f, [x], rtol=1e-5, atol=1e-6)
        check_jvp(f, [x], (0,))
        check_hvp(f, [x], 0, rtol=1e-4, atol=1e-5)
    for x in (np.zeros((0, 0)), np.zeros((2, 0, 0))):
        assert srcad.grad(f)(x).shape == x.shape and srcad.hvp(f)(x, x).shape == x.shape
        assert srcad.jvp(f, (x,), (x,))[1] == 0
    integers = np.array([[1, 2], [3, 4]])
    np.testing.assert_allclose(srcad.grad(f)(integers), srcad.grad(f)(integers.astype(float)))


# ---- JAX ----------------------------------------------------------------------------------------

def test_agrees_with_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy

    def jax_eig(a):  # (jnp.linalg.eig refuses eigenvector derivatives unless asked for them)
        return jax.lax.linalg.eig(a, compute_left_eigenvectors=False, enable_eigvec_derivs=True)

    for name in ("real-pairs", "complex", "stack"):
        x = MATRICES[name]
        d = _direction(x, np.random.default_rng(6))
        (w, v), (dw, dv) = srcad.jvp(eig_both, (x,), (d,))
        (jw, jvecs), (jdw, jdv) = jax.jvp(jax_eig, (jnp.asarray(x),), (jnp.asarray(d, dtype=x.dtype),))
        np.testing.assert_allclose(w, jw, rtol=1e-12, atol=1e-12)
        signs = _signs_of(v, np.asarray(jvecs)) / np.asarray(jvecs)  # (JAX's LAPACK may differ)
        np.testing.assert_allclose(dw, jdw, rtol=1e-9, atol=1e-11)
        np.testing.assert_allclose(dv, jdv * signs, rtol=1e-9, atol=1e-11)
        n = x.shape[-1]
        f = _function(READS["both, complex weights"], n)
        expected = jax.grad(lambda a: jnp.real(jnp.sum(
            jax_eig(a)[1] ** 2 * C[:n, :n] * jax_eig(a)[0][..., None, :])))(jnp.asarray(x))
        np.testing.assert_allclose(srcad.grad(f)(x), expected, rtol=1e-9, atol=1e-11)
        g = _function(READS["eigvals"], n)
        expected = jax.grad(lambda a: jnp.sum(jnp.real(jnp.linalg.eigvals(a) * C[0, :n])))(jnp.asarray(x))
        np.testing.assert_allclose(srcad.grad(g)(x), expected, rtol=1e-9, atol=1e-11)


# ---- refusals -----------------------------------------------------------------------------------

def _refused(f, args, line, match, derivative=lambda f, args: srcad.grad(f)(*args)):
    with pytest.raises(srcad.SrcadError, match=match) as refused, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        derivative(f, args)
    # (a Hessian's refusal too: the generated gradient forward mode runs over is read back to
    # the user's line)
    assert re.search(rf"<srcad-test-\d+>:{line}:", str(refused.value)), str(refused.value)
    return refused.value


def _jvp(f, args):
    return srcad.jvp(f, tuple(args), tuple(np.ones(np.shape(a)) for a in args))


def _hvp(f, args):
    return srcad.hvp(f)(*args, np.ones(np.shape(args[0])))


VECTORS = """
    def f(x):
        y = x * 1.0
        w, v = np.linalg.eig(y)
        return np.sum(np.real(v ** 2) * np.arange(v.shape[0])) + np.sum(np.real(w))
    """
VALUES = """
    def f(x):
        y = x * 1.0
        return np.sum(np.abs(np.linalg.eigvals(y)))
    """


@pytest.mark.parametrize("x", [similar([1.0, 1.0, 2.0]), np.eye(3), np.zeros((2, 2)),
                               similar([2.0, 2.0 + 1e-10, -1.0]),  # numerically repeated
                               (lambda s: s @ np.diag([1 + 1j, 1 + 1j, 2.0]) @ np.linalg.inv(s))(
                                   cmat(3, 3))],
                         ids=["repeated", "identity", "zero", "nearly repeated", "complex"])
@pytest.mark.parametrize("derivative", [lambda f, a: srcad.grad(f)(*a), _jvp, _hvp],
                         ids=["grad", "jvp", "hvp"])
def test_repeated_eigenvalues_are_refused(x, derivative):
    for source in (VECTORS, VALUES):
        _refused(make_function(source), [x], 4, "repeated", derivative)


def test_a_defective_matrix_is_refused():
    jordan = np.array([[2.0, 1.0], [0.0, 2.0]])
    s = np.array([[1.0, 2.0], [0.5, 3.0]])
    rounded = s @ jordan @ np.linalg.inv(s)  # eigenvalues split by rounding (about 1e-8)
    for x in (jordan, rounded):
        for source in (VECTORS, VALUES):
            _refused(make_function(source), [x], 4, "repeated|defective")


def test_the_threshold_of_numerically_repeated_eigenvalues():
    f = make_function(VALUES)
    # a normal matrix: refused within sqrt(eps) (kappa_i + kappa_j) |A|_F, differentiated outside
    q = np.linalg.qr(np.random.default_rng(7).normal(size=(3, 3)))[0]
    for gap, refused in ((1e-9, True), (1e-5, False)):
        x = q @ np.diag([1.0, 1.0 + gap, 3.0]) @ q.T
        if refused:
            _refused(f, [x], 4, "repeated")
        else:
            check_grad(f, [x], rtol=1e-5, atol=1e-6)


PHASE = """
    def f(x):
        y = x * 1.0
        w, v = np.linalg.eig(y)
        return np.sum(np.real(v[0] * v[1])) + np.sum(np.real(w))
    """


def test_a_tie_for_the_largest_component_is_refused_where_the_eigenvectors_need_it():
    rotation = np.array([[1.0, -2.0], [2.0, 1.0]])  # eigenvectors (1, -+i) / sqrt(2): a tie
    # (NumPy's eigenvectors jump by a phase there: a function of v ** 2 has no derivative, even
    # where it is stationary in their phase, as VECTORS's is; abs(v) is refused too)
    for source in (PHASE, VECTORS, VECTORS.replace("np.real(v ** 2)", "np.abs(v)")):
        _refused(make_function(source), [rotation], 4, "largest modulus")
        error = _refused(make_function(source), [rotation], 4, "largest modulus", _jvp)
        assert "eigvals" in error.hint
    values = make_function("""
        def f(x):
            w, v = np.linalg.eig(x)
            return np.sum(np.imag(w) ** 2)
        """)
    check_grad(values, [rotation], rtol=1e-5, atol=1e-6)  # reverse: the vectors are not read
    check_grad(make_function(VALUES), [rotation], rtol=1e-5, atol=1e-6)
    check_jvp(make_function(VALUES), [rotation], (0,))
    check_hvp(make_function(VALUES), [rotation], 0, rtol=1e-4, atol=1e-5)
    # a real eigenvector of a real matrix is only scaled by LAPACK: a tie there changes nothing
    swap = np.array([[2.0, 1.0], [1.0, 2.0]])  # (1, 1)/sqrt(2), (-1, 1)/sqrt(2): ties, real
    check_grad(make_function(PHASE), [swap], rtol=1e-5, atol=1e-6)
    check_jvp(make_function(PHASE), [swap], (0,))
    check_hvp(make_function(PHASE), [swap], 0, rtol=1e-4, atol=1e-5)


def test_a_real_matrix_stored_as_complex_is_refused():
    # NumPy's complex routine orders each conjugate pair by a tie: a perturbation reorders them
    x = REAL_PAIRS[:3, :3] * (1 + 0.5j)
    d = cmat(3, 3, rng=np.random.default_rng(1))
    jump = np.linalg.eigvals(x + 1e-9 * d) - np.linalg.eigvals(x - 1e-9 * d)
    assert np.max(np.abs(jump)) > 1e-3  # (NumPy's order changes)
    for source in (VECTORS, VALUES):
        for derivative in (lambda f, a: srcad.grad(f)(*a), _jvp):
            error = _refused(make_function(source), [x], 4, "times a phase", derivative)
            assert "np.real" in error.hint
    # a real matrix with real eigenvalues stored as complex has no pairs: differentiated
    x, t = REAL_REAL.astype(complex), cmat(4, 4, rng=np.random.default_rng(2))
    _, dw = srcad.jvp(eigvals_only, (x,), (t,))
    np.testing.assert_allclose(dw, (np.linalg.eigvals(x + H * t) - np.linalg.eigvals(x - H * t))
                               / (2 * H), rtol=1e-6, atol=1e-7)


# ---- np.roots and np.poly -----------------------------------------------------------------------

ROOTS = [np.array([1.0, -3.0, 2.0]), np.array([2.0, 0.5, -1.0, 3.0]), RNG.normal(size=6),
         np.array([1.0, 0.0, 1.0])]  # (the last: roots +-i)


@pytest.mark.parametrize("p", ROOTS, ids=["real roots", "a pair", "degree 5", "+-i"])
def test_roots_in_every_mode(p):
    c = np.random.default_rng(8).normal(size=len(p) - 1) * (1 + 0.3j)
    f = make_function("""
        def f(p):
            r = np.roots(p)
            return np.sum(np.real(c * r)) + np.sum(np.abs(r) ** 2)
        """, {"c": c})
    check_grad(f, [p], rtol=1e-5, atol=1e-6)
    check_jvp(f, [p], (0,))
    check_hvp(f, [p], 0, rtol=1e-4, atol=1e-5)
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy
    expected = jax.grad(lambda q: jnp.sum(jnp.real(c * jnp.roots(q, strip_zeros=False)))
                        + jnp.sum(jnp.abs(jnp.roots(q, strip_zeros=False)) ** 2))(jnp.asarray(p))
    np.testing.assert_allclose(srcad.grad(f)(p), expected, rtol=1e-8, atol=1e-10)


def test_roots_of_complex_coefficients():
    p = cmat(4, rng=np.random.default_rng(9))
    f = make_function("""
        def f(p):
            return np.sum(np.abs(np.roots(p) - 0.5j) ** 2)
        """)
    np.testing.assert_allclose(srcad.grad(f)(p), _by_differences(f, p), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("p, why", [(np.array([0.0, 1.0, -3.0, 2.0]), "leading or trailing zero"),
                                    (np.array([1.0, -3.0, 2.0, 0.0]), "leading or trailing zero"),
                                    (np.array([1.0, -2.0, 1.0]), "repeated")])
def test_roots_refusals(p, why):
    f = make_function("""
        def f(p):
            q = p * 1.0
            return np.sum(np.abs(np.roots(q)))
        """)
    _refused(f, [p], 4, why)


@pytest.mark.parametrize("x", [REAL_PAIRS[:3, :3], COMPLEX[:3, :3], np.array([0.5, -1.0, 2.0]),
                               cmat(3, rng=np.random.default_rng(10))],
                         ids=["real matrix", "complex matrix", "real zeros", "complex zeros"])
def test_poly_in_every_mode(x):
    f = make_function("""
        def f(x):
            return np.real(np.sum(np.poly(x) * np.array([1.0, -0.5, 2.0, 1.5j])))
        """)
    np.testing.assert_allclose(srcad.grad(f)(x), _by_differences(f, x), rtol=1e-5, atol=1e-6)
    if not np.iscomplexobj(x):
        check_jvp(f, [x], (0,))
        check_hvp(f, [x], 0, rtol=1e-4, atol=1e-5)


def test_poly_refusals():
    pairs = make_function("""
        def f(z):
            y = z * 1.0
            return np.sum(np.abs(np.poly(y)))
        """)
    _refused(pairs, [np.array([1 + 1j, 1 - 1j])], 4, "conjugate pairs")
    _refused(pairs, [np.eye(2)], 4, "repeated")  # (the characteristic polynomial, through eigvals)
    # real zeros in conjugate pairs stay pairs: differentiated
    check_grad(pairs, [similar([1.0, 2.0, 4.0])], rtol=1e-5, atol=1e-6)
