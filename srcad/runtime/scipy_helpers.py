"""Runtime helpers of the SciPy rules (:mod:`srcad.rules.scipy_rules`): special functions the
templates need (digamma, polygamma, Bessel functions and their derivatives) and the adjoints of
``scipy.stats.multivariate_normal.logpdf`` and ``scipy.linalg``.

Accepts: an adjoint ``g`` (or a tangent ``t``) and the primal values the rule names.
Guarantees: imported only when SciPy is (importing srcad does not import SciPy: the rules are
registered the first time srcad meets a call after SciPy was imported); each helper declares its
own derivative (Hessian-vector products), or names the parameters it has none for (a tangent
reaching one is an error, never a zero).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
import scipy.special

from ._registry import helper
from .broadcasting import refuse_complex, unsum
from .linalg import mT


# ---- special functions --------------------------------------------------------------------------

@helper(jvp={"x": "t * special_polygamma(1, x)"})
def special_digamma(x):
    """``scipy.special.digamma``: the derivative of ``gammaln``."""
    return scipy.special.digamma(x)


@helper(jvp={"x": "t * special_polygamma(n + 1, x)"})
def special_polygamma(n, x):
    """``scipy.special.polygamma(n, x)``: the derivative of order ``n + 1`` of ``gammaln``."""
    return scipy.special.polygamma(n, x)


@helper(jvp={"a": "t * multi_polygamma(n + 1, a, d)"})
def multi_polygamma(n, a, d):
    """``sum_j polygamma(n, a - j / 2)`` for ``j < d``: the derivative of order ``n + 1`` of
    ``multigammaln(a, d)``."""
    return sum(scipy.special.polygamma(n, np.asarray(a) - j / 2) for j in range(d))


@helper(jvp={"x": "t * i1_prime(x)"})
def special_i1(x):
    """``scipy.special.i1``: the derivative of ``i0``."""
    return scipy.special.i1(x)


@helper(jvp={"x": "t * i1_second(x)"})
def i1_prime(x):
    """The derivative of ``i1``: ``i0(x) - i1(x) / x`` (1/2 at 0)."""
    x = np.asarray(x, dtype=float)
    zero = x == 0
    safe = np.where(zero, 1.0, x)
    return np.where(zero, 0.5, scipy.special.i0(x) - scipy.special.i1(x) / safe)[()]


@helper(nonlinear=("x",))
def i1_second(x):
    """The second derivative of ``i1``: ``i1(x) (1 + 1/x^2) - i1'(x) / x`` (0 at 0), from the
    modified Bessel equation."""
    x = np.asarray(x, dtype=float)
    zero = x == 0
    safe = np.where(zero, 1.0, x)
    value = scipy.special.i1(x) * (1 + 1 / safe ** 2) - i1_prime(x) / safe
    return np.where(zero, 0.0, value)[()]


@helper(jvp={"x": "t * (i1e_prime(x) - np.sign(x) * i0e_prime(x))"})
def i0e_prime(x):
    """The derivative of ``i0e = exp(-|x|) i0``: ``i1e(x) - sign(x) i0e(x)`` (the sign's jump at 0
    taken as no derivative)."""
    return scipy.special.i1e(x) - np.sign(x) * scipy.special.i0e(x)


@helper(jvp={"x": "t * i1e_second(x)"})
def i1e_prime(x):
    """The derivative of ``i1e = exp(-|x|) i1``: ``i0e(x) - i1e(x) (sign(x) + 1/x)`` (1/2 at 0)."""
    x = np.asarray(x, dtype=float)
    zero = x == 0
    safe = np.where(zero, 1.0, x)
    value = scipy.special.i0e(x) - scipy.special.i1e(x) * (np.sign(x) + 1 / safe)
    return np.where(zero, 0.5, value)[()]


@helper(nonlinear=("x",))
def i1e_second(x):
    """The second derivative of ``i1e``: ``i0e'(x) - i1e'(x) (sign(x) + 1/x) + i1e(x) / x^2`` (0
    at 0, where it jumps from 1 to -1, as the sign's jump is taken there)."""
    x = np.asarray(x, dtype=float)
    zero = x == 0
    safe = np.where(zero, 1.0, x)
    value = i0e_prime(safe) - i1e_prime(safe) * (np.sign(safe) + 1 / safe) \
        + scipy.special.i1e(safe) / safe ** 2
    return np.where(zero, 0.0, value)[()]


# ---- scipy.special.logsumexp ----------------------------------------------------------------------

@helper(jvp={"a": "lse_weights(a, lse, axis, b, keepdims) * t",
             "lse": "-lse_weights(a, lse, axis, b, keepdims) * unsum(t, a, axis, keepdims)",
             "b": "np.exp(a - unsum(lse, a, axis, keepdims)) * t"})
def lse_weights(a, lse, axis, b, keepdims):
    """``b * exp(a - lse)`` (``b`` None: 1), ``lse`` put back along the reduced axes: the
    derivative of ``logsumexp(a, axis, b, keepdims)`` with respect to ``a`` (and, without ``b``,
    to ``b``)."""
    weights = np.exp(np.asarray(a) - unsum(lse, a, axis, keepdims))
    return weights if b is None else b * weights


# ---- scipy.stats.multivariate_normal.logpdf ---------------------------------------------------

def _covariance(cov, n):
    cov = np.asarray(cov, dtype=np.result_type(cov, 1.0))
    if cov.ndim == 0:
        return cov * np.eye(n)
    if cov.ndim == 1:
        return np.diag(cov)
    return cov


def _residual(x, mean):
    return np.asarray(x) if mean is None else np.asarray(x) - mean


@helper(linear_in="v", jvp={"cov": "-mvn_apply_inverse(mvn_cov_times(t, mvn_apply_inverse(v, "
                                    "mean, cov)), mean, cov)"})
def mvn_apply_inverse(v, mean, cov):
    """``cov^-1 v``, row by row (``v`` one vector or a stack, along its last axis: the dimension,
    which ``mean`` (an array; read for its shape only) or a matrix ``cov`` must give, as SciPy
    reads it)."""
    v = np.asarray(v)
    dim = np.shape(mean)[-1] if np.ndim(mean) else np.shape(cov)[-1] if np.ndim(cov) == 2 else None
    if dim is None or v.ndim == 0 or v.shape[-1] != dim:
        from ..errors import UnsupportedOperationError
        raise UnsupportedOperationError(
            "srcad differentiates multivariate_normal.logpdf where mean (an array) or cov (a "
            "matrix) gives the dimension and x has it as its last axis (SciPy reads other shapes "
            "otherwise)")
    try:
        return np.linalg.solve(_covariance(cov, dim), v[..., None])[..., 0]
    except np.linalg.LinAlgError:
        from ..errors import UnsupportedOperationError
        raise UnsupportedOperationError(
            "srcad differentiates multivariate_normal.logpdf at an invertible covariance only "
            "(this one is singular: allow_singular=True's pseudo-inverse is not differentiated "
            "yet)") from None


@helper(jvp={"x": "mvn_apply_inverse(t, mean, cov)", "mean": "-mvn_apply_inverse(t, mean, cov)",
             "cov": "-mvn_apply_inverse(mvn_cov_times(t, mvn_solved(x, mean, cov)), mean, cov)"})
def mvn_solved(x, mean, cov):
    """``cov^-1 (x - mean)``, row by row (``x`` one point or a stack of points)."""
    return mvn_apply_inverse(_residual(x, mean), mean, cov)


def _full_matrix(cov):
    if np.ndim(cov) != 2:
        from ..errors import UnsupportedOperationError
        raise UnsupportedOperationError(
            "srcad differentiates multivariate_normal.logpdf with respect to a covariance given "
            "as a full matrix only (this one has shape %s)" % (np.shape(cov),))


@helper(linear_in="t")
def mvn_cov_times(t, s):
    """``t @ s`` row by row: a covariance's tangent ``t`` (a full matrix) times ``s``."""
    _full_matrix(t)
    return np.einsum("ij,...j->...i", t, s)


@helper(linear_in="t", nonlinear=("x", "mean", "cov"))
def mvn_cov_tangent(t, x, mean, cov):
    """Tangent of ``multivariate_normal.logpdf`` along ``t`` in ``cov`` (a full matrix):
    ``(S^T t S - trace(cov^-1 t)) / 2``."""
    _full_matrix(cov)
    s = mvn_solved(x, mean, cov)
    return 0.5 * (np.einsum("...i,ij,...j->...", s, t, s) - np.trace(np.linalg.solve(cov, t)))


@helper(linear_in="cov")
def full_matrix(cov):
    """``cov`` itself, refused unless it is a full matrix (where its gradient is needed)."""
    _full_matrix(cov)
    return cov


@helper(linear_in=("s", "u", "g"))
def weighted_outer(s, u, g):
    """``sum_k g_k s_k u_k^T`` over the points ``k`` (one point: ``g s u^T``)."""
    n = np.shape(s)[-1]
    return np.einsum("ki,kj,k->ij", np.reshape(s, (-1, n)), np.reshape(u, (-1, n)),
                     np.reshape(g, (-1,)))


# ---- scipy.linalg ---------------------------------------------------------------------------------

def _trans_code(trans) -> int:
    return {0: 0, 1: 1, 2: 1, "N": 0, "T": 1, "C": 1}[trans]


def _triangle(m, lower, unit_diagonal=False):
    part = np.tril(m) if lower else np.triu(m)
    if unit_diagonal:
        part = part - np.diag(np.diagonal(part)) if part.ndim == 2 else part
    return part


def _outer(u, v):
    """``u v^T`` for vectors, ``u @ v.T`` for matrices (one right-hand side per column)."""
    return np.outer(u, v) if np.ndim(u) == 1 else u @ np.swapaxes(v, -1, -2)


@helper(nondiff=True)
def flipped(trans):
    """The other ``trans`` of ``solve_triangular``: 1 for 0, 0 for 1 (a real ``a``: 2 is 1)."""
    return 1 - _trans_code(trans)


@helper(linear_in="b", jvp={"a": "-solve_tri(a, tri_apply(t, solve_tri(a, b, trans, lower, "
                                  "unit_diagonal), trans, lower, unit_diagonal), trans, lower, "
                                  "unit_diagonal)"})
def solve_tri(a, b, trans=0, lower=False, unit_diagonal=False):
    """``scipy.linalg.solve_triangular(a, b, trans, lower, unit_diagonal)``."""
    return scipy.linalg.solve_triangular(a, b, trans=trans, lower=lower,
                                         unit_diagonal=unit_diagonal)


@helper(linear_in="t", nonlinear=("x",))
def tri_apply(t, x, trans, lower, unit_diagonal):
    """``op(tri(t)) @ x``: the triangle of ``t`` that ``solve_triangular`` reads (its diagonal
    left out for a unit diagonal), transposed as ``trans`` says, times ``x``."""
    part = _triangle(np.asarray(t), lower, unit_diagonal)
    return (part.T if _trans_code(trans) else part) @ x


@helper(linear_in=("gb", "x"))
def solve_tri_grad(gb, x, trans, lower, unit_diagonal):
    """The adjoint of ``solve_triangular`` with respect to ``a``, from ``gb = op(A)^-T g`` (the
    adjoint of ``b``) and the result ``x``: ``-gb x^T`` (``-x gb^T`` for ``trans``), on the
    triangle it reads."""
    grad = -_outer(gb, x) if not _trans_code(trans) else -_outer(x, gb)
    return _triangle(grad, lower, unit_diagonal)


@helper(linear_in="g", jvp={"a": "expm_frechet2(mT(a), g, mT(t))"})
def expm_adjoint(g, a):
    """Adjoint of ``scipy.linalg.expm``: the Fréchet derivative at ``a^T`` applied to ``g`` (the
    upper right block of ``expm([[a^T, g], [0, a^T]])``; Mathias 1996, Al-Mohy and Higham 2009)."""
    return expm_frechet(mT(a), g)


@helper(linear_in="e", jvp={"a": "expm_frechet2(a, e, t)"})
def expm_frechet(a, e):
    """The Fréchet derivative of ``expm`` at ``a`` in the direction ``e``: the upper right block of
    ``expm([[a, e], [0, a]])``."""
    a = np.asarray(a)
    n = a.shape[-1]
    e = np.asarray(e, dtype=np.result_type(a, e, 1.0))
    block = np.zeros(a.shape[:-2] + (2 * n, 2 * n), dtype=np.result_type(a, e, 1.0))
    block[..., :n, :n] = a
    block[..., n:, n:] = a
    block[..., :n, n:] = e
    return scipy.linalg.expm(block)[..., :n, n:]


@helper(linear_in=("e", "t"), nonlinear=("a",))
def expm_frechet2(a, e, t):
    """The second Fréchet derivative of ``expm`` at ``a`` in the directions ``e`` and ``t``: the
    upper right block of ``expm`` of the block matrix ``[[a, e, t, 0], [0, a, 0, t], [0, 0, a, e],
    [0, 0, 0, a]]`` (Higham and Relton 2014)."""
    a = np.asarray(a)
    n = a.shape[-1]
    dtype = np.result_type(a, e, t, 1.0)
    block = np.zeros(a.shape[:-2] + (4 * n, 4 * n), dtype=dtype)
    for k in range(4):
        block[..., k * n:(k + 1) * n, k * n:(k + 1) * n] = a
    block[..., :n, n:2 * n] = e
    block[..., :n, 2 * n:3 * n] = t
    block[..., n:2 * n, 3 * n:] = t
    block[..., 2 * n:3 * n, 3 * n:] = e
    return scipy.linalg.expm(block)[..., :n, 3 * n:]


@helper(linear_in=("g", "ans"), jvp={"c": "cho_solve_dc_dc(g, c, lower, ans, t)",
                                     "b": "np.zeros(np.shape(c), dtype=np.result_type(c, g))"})
def cho_solve_dc(g, c, lower, b, ans):
    """Adjoint of ``cho_solve((c, lower), b)`` (``x = (L L^T)^-1 b``) with respect to the factor
    ``c`` (``L``, or ``U = L^T`` for ``lower=False``), on the triangle it reads:
    ``-(gb x^T + x gb^T) L`` with ``gb = A^-1 g``. A complex factor is refused (``A = L L^H``
    is not holomorphic in it)."""
    refuse_complex(c, "scipy.linalg.cho_solve's factor")
    gb = scipy.linalg.cho_solve((c, lower), g)
    sym = _outer(gb, ans)
    sym = sym + sym.T
    factor = np.tril(c) if lower else np.triu(c)
    grad = -(sym @ factor) if lower else -(factor @ sym)
    return _triangle(grad, lower)


@helper(nonlinear=("g", "c", "ans", "t"))
def cho_solve_dc_dc(g, c, lower, ans, t):
    """Tangent of ``cho_solve_dc(g, c, lower, b, ans)`` along a tangent ``t`` of the factor ``c``
    (``ans`` held; ``b`` is not read): with ``dA = dL L^T + L dL^T``, ``gb = A^-1 g`` moves by
    ``-A^-1 dA gb``, and the adjoint ``-(gb x^T + x gb^T) L`` by the product rule."""
    factor = _triangle(np.asarray(c), lower)
    d = _triangle(np.asarray(t), lower)
    gb = scipy.linalg.cho_solve((c, lower), g)
    da = d @ factor.T + factor @ d.T if lower else factor.T @ d + d.T @ factor
    dgb = -scipy.linalg.cho_solve((c, lower), da @ gb)
    sym, dsym = _outer(gb, ans), _outer(dgb, ans)
    sym, dsym = sym + sym.T, dsym + dsym.T
    grad = -(dsym @ factor + sym @ d) if lower else -(d @ sym + factor @ dsym)
    return _triangle(grad, lower)


@helper(linear_in="b", jvp={"c_and_lower": "cho_solve_tangent(t, c_and_lower, "
                                           "cho_solved(c_and_lower, b))"})
def cho_solved(c_and_lower, b):
    """``scipy.linalg.cho_solve(c_and_lower, b)``."""
    return scipy.linalg.cho_solve(c_and_lower, b)


def _tangent_part(t):
    """The tangent of the factor in the tangent of ``(c, lower)``."""
    return t[0] if isinstance(t, (tuple, list)) else t


@helper(linear_in="t", nonlinear=("c_and_lower", "ans"))
def cho_solve_tangent(t, c_and_lower, ans):
    """Tangent of ``cho_solve((c, lower), b)`` along the factor's tangent: ``-A^-1 dA x`` with
    ``dA = dL L^T + L dL^T`` (``U^T dU + dU^T U`` for ``lower=False``), on the triangle it reads."""
    c, lower = c_and_lower
    refuse_complex(c, "scipy.linalg.cho_solve's factor")
    d = _triangle(np.asarray(_tangent_part(t)), lower)
    factor = _triangle(np.asarray(c), lower)
    da = d @ factor.T + factor @ d.T if lower else factor.T @ d + d.T @ factor
    return -scipy.linalg.cho_solve(c_and_lower, da @ ans)


@helper(linear_in="t", nonlinear=("c",))
def cho_factor_tangent(t, c, lower):
    """Tangent of ``cho_factor(a, lower)``: that of the Cholesky factor (for the symmetric part of
    ``t``, as ``np.linalg.cholesky``'s) in its triangle, ``t``'s own entries in the other."""
    from .tangents import cholesky_tangent
    t = np.asarray(t)
    factor = _triangle(np.asarray(c), lower)
    if lower:
        through = cholesky_tangent(t, factor)
        rest = np.triu(t, 1)
    else:
        through = cholesky_tangent(t.T, factor.T).T
        rest = np.tril(t, -1)
    return (through + rest, 0.0)


@helper(linear_in="g", jvp={"c": "cho_factor_adjoint_dc(g, c, lower, t)"})
def cho_factor_adjoint(g, a, c, lower):
    """Adjoint of ``cho_factor(a, lower)``: ``c`` holds the factor in one triangle and ``a``'s own
    entries in the other; the factor's share goes through the adjoint of the Cholesky
    factorization (symmetric, as ``np.linalg.cholesky``'s), the other triangle's to ``a``
    directly."""
    from .linalg import cholesky_adjoint
    gc = np.asarray(g[0]) if g[0] is not None else np.zeros_like(c)
    factor = np.tril(c) if lower else np.triu(c)
    own = _triangle(gc, lower)
    if lower:
        through = cholesky_adjoint(own, factor)
    else:
        through = cholesky_adjoint(own.T, factor.T)
    rest = gc - own
    return through + rest


@helper(nonlinear=("g", "c", "t"))
def cho_factor_adjoint_dc(g, c, lower, t):
    """Tangent of ``cho_factor_adjoint(g, a, c, lower)`` along a tangent ``t`` of ``c``: that of
    the Cholesky adjoint along the factor's tangent (its triangle); the other triangle's share
    does not depend on ``c``."""
    from .linalg2 import cholesky_adjoint_dl
    gc = np.asarray(g[0]) if g[0] is not None else np.zeros_like(c)
    own, factor, d = _triangle(gc, lower), _triangle(np.asarray(c), lower), _triangle(
        np.asarray(t), lower)
    if lower:
        return cholesky_adjoint_dl(own, factor, d)
    return cholesky_adjoint_dl(own.T, factor.T, d.T)


@helper(linear_in="g", jvp={"ans": "cholesky_adjoint_dl(g, ans, t) if lower else "
                                   "cholesky_adjoint_dl(g.T, ans.T, t.T)"})
def scipy_cholesky_adjoint(g, ans, lower):
    """Adjoint of ``scipy.linalg.cholesky(a, lower)`` (``ans`` = L, or U = L^T): that of
    ``np.linalg.cholesky``, symmetric."""
    from .linalg import cholesky_adjoint
    return cholesky_adjoint(g, ans) if lower else cholesky_adjoint(g.T, ans.T)

