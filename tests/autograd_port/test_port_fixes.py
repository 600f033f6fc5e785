"""The defects the port of autograd's suite found in srcad, each pinned by a test of its own
(beyond the ported check that found it): the numbers against finite differences (harness.py's
oracle, in reverse mode, forward mode and second order), the refusals located at the user's line.
"""

import numpy as np
import pytest
import scipy.stats

import srcad
from gradcheck import make_function

from .harness import Port, run


def _passes(port):
    for check in port.checks:
        result = run(check)
        assert result.passed, (check.id, {m: (o.status, o.message) for m, o in
                                          result.outcomes.items()})


# ---- a list argument read as an array gets a list gradient; a float argument a number --------

def test_list_argument_of_an_array_function_gets_a_list_gradient():
    f = make_function("""
        def f(xs, b):
            return np.sum(np.append(xs, b) * np.array([1.0, 2.0, 3.0, 4.0]))
        """)
    dxs, db = srcad.grad(f, argnums=(0, 1))([1.0, 2.0, 3.0], 4.0)
    assert type(dxs) is list and dxs == [1.0, 2.0, 3.0]
    assert np.ndim(db) == 0 and not isinstance(db, np.ndarray) and db == 4.0
    rows = make_function("""
        def rows(m):
            return np.sum(np.array(m) ** 2)
        """)
    dm = srcad.grad(rows)([[1.0, 2.0], [3.0, 4.0]])
    assert type(dm) is list and [type(r) for r in dm] == [list, list]
    np.testing.assert_allclose(np.array(dm), [[2.0, 4.0], [6.0, 8.0]])


# ---- integer scalar types carry no gradient (Hessians through np.int64(...)) ------------------

@pytest.mark.parametrize("cast", ["np.int64", "np.int32", "np.intp", "np.uint8"])
def test_integer_scalar_casts_in_hessians(cast):
    port = Port("fixes", seed=0)
    port.expr("cast", "W", f"rows = {cast}(np.abs(W[:, -1]) * 2)\n"
                           "return np.sum(W[:, :-1][rows % 3] ** 3)", port.R(4, 5))
    _passes(port)


# ---- complex products and cumulative products (were: a wrong Hessian, a crash) ---------------

@pytest.mark.parametrize("expr", ["np.prod(x)", "np.prod(x, axis=0)", "np.prod(x, axis=-1, "
                                  "keepdims=True)", "np.cumprod(x)", "np.cumprod(x, axis=1)",
                                  "np.prod(x * np.array([1.0, 0.0, 1.0]))",
                                  "np.cumprod(x * np.array([1.0, 0.0, 1.0]), axis=1)"])
def test_complex_products_in_every_mode(expr):
    port = Port("fixes", seed=1)
    port.expr("prod", "x", expr, port.C(2, 3))
    port.expr("prod", "x", "np.prod(x)", complex(port.C()))
    _passes(port)


# ---- a gradient of a derivative at a complex argument (was: silently zero) --------------------

def angle(z):
    return np.angle(z) * np.abs(z)


d_angle = srcad.grad(angle)


def penalty(z):
    return np.real(d_angle(z)) ** 2 + 3 * np.imag(d_angle(z))


def test_gradient_through_a_derivative_at_a_complex_argument():
    z = 0.3 + 0.7j
    g = srcad.grad(penalty)(z)
    e = 1e-6
    dx = (penalty(z + e) - penalty(z - e)) / (2 * e)
    dy = (penalty(z + 1j * e) - penalty(z - 1j * e)) / (2 * e)
    np.testing.assert_allclose(g, dx - 1j * dy, rtol=1e-6)


# ---- complex convolutions and correlations (the adjoint conjugated the kernel) ---------------

@pytest.mark.parametrize("expr", ["np.convolve(x, y)", "np.convolve(x, y, 'same')",
                                  "np.convolve(y, x, 'valid')", "np.correlate(x, y)",
                                  "np.correlate(x, y, 'full')", "np.correlate(y, x, 'same')",
                                  "np.correlate(np.real(x), y, 'same')"])
def test_complex_convolutions_in_every_mode(expr):
    port = Port("fixes", seed=2)
    port.expr("convolve", "x, y", expr, port.C(5), port.C(3), argnums=(0, 1))
    port.expr("convolve", "x, y", expr, port.R(5), port.C(3), argnums=(0, 1))
    _passes(port)


# ---- decompositions whose formulas are for real matrices refuse complex ones ----------------

@pytest.mark.parametrize("body", [
    "u, s, vt = np.linalg.svd(x, full_matrices=False)\nreturn np.sum(np.abs(u)) + np.sum(s)",
    "return np.sum(np.linalg.svd(x, compute_uv=False))",
    "return np.sum(np.abs(np.linalg.qr(x)[1]))",
    "return np.sum(np.linalg.eigvalsh(x @ np.conj(x.T)) ** 2)",
])
def test_real_matrix_decompositions_refuse_complex_matrices(body):
    f = make_function("def f(x):\n" + "".join(f"    {line}\n" for line in body.splitlines()))
    x = np.array([[1.0 + 0.5j, 0.3], [-0.2j, 2.0]])
    with pytest.raises(srcad.SrcadError, match="complex") as info:
        srcad.grad(f)(x)
    assert info.value.location is not None
    with pytest.raises(srcad.SrcadError, match="complex"):
        srcad.jvp(f, (x,), (np.ones_like(x),))


# ---- a singular covariance is refused, not a LinAlgError ---------------------------------------

def singular_logpdf(x, mean):
    cov = np.diag([1.0, 1.0, 0.0])
    return scipy.stats.multivariate_normal.logpdf(np.concatenate([x[:2], mean[2:]]), mean, cov,
                                                  allow_singular=True)


def test_singular_covariance_is_refused_at_the_call():
    with pytest.raises(srcad.SrcadError, match="singular") as info:
        srcad.grad(singular_logpdf, argnums=(0, 1))(np.array([0.1, 0.2, 0.0]),
                                                   np.array([0.0, 0.1, 0.0]))
    assert info.value.location is not None and info.value.location.lineno > 0


# ---- kinds are never read from a library's source (was: minutes on scipy.signal) -------------

def test_kind_inference_never_reads_a_library_function(monkeypatch):
    import scipy.signal

    from srcad.passes import kind_eval, kinds, parse
    read = []
    original = parse.parse
    monkeypatch.setattr(parse, "parse", lambda fn, *a, **k: read.append(fn) or original(fn, *a, **k))
    result = kind_eval.call_result(scipy.signal.fftconvolve, [kinds.DATA, kinds.DATA], {})
    assert result is kinds.UNKNOWN and read == []
