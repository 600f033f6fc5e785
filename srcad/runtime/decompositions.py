"""Runtime helpers: the singular value decomposition, ``eigvalsh`` and QR (VJPs, JVPs and the
second order of each).

Accepts: an adjoint ``g`` (or a tangent ``t``) and the primal operands and results the rule names.
``svd``: the reduced decomposition (``full_matrices=False``, or a square matrix); ``qr``: mode
``'reduced'`` of a square or tall matrix, of full rank.
Guarantees: results shaped like the value they belong to; stacked matrices (leading batch axes)
handled where NumPy's function handles them. Where a derivative would depend on the arbitrary basis
of repeated singular values or eigenvalues, or divide by a zero singular value, the call is refused
(:class:`~srcad.errors.UnsupportedOperationError`, located by the derived function: at the user's
line, or for a Hessian at the line of the gradient code forward mode runs over), never a number.
The second order of the SVD's and QR's VJPs (which are rational functions of the factors) is taken
by the complex step: the helper's own formula evaluated at ``factors + i h tangents``, whose
imaginary part over ``h`` is the directional derivative to rounding error (no difference is taken).
"""

from __future__ import annotations

import numpy as np

from ._registry import helper
from .containers import _float_dtype
from .broadcasting import _unsupported, refuse_complex, refuse_complex_vectors
from .linalg import column_coupling, inverse_gaps, mT
from .linalg2 import _sym
from .namespaces import as_array, eye_like

_STEP = 1e-30  # the complex step: h^2 underflows against every first-order term


def _complex_step(fn, primals, tangents):
    """The derivative of the analytic ``fn`` at ``primals`` along ``tangents`` (None: held)."""
    moved = [p if d is None else np.asarray(p, dtype=complex) + 1j * _STEP * as_array(d)
             for p, d in zip(primals, tangents)]
    dtype = _float_dtype(*primals)  # (complex128 inside; the derivative in the primals' type)
    return (np.imag(fn(*moved)) / _STEP).astype(np.real(np.zeros((), dtype)).dtype, copy=False)


def _parts(g, n):
    return tuple(g) if isinstance(g, (tuple, list)) else (g,) + (None,) * (n - 1)


def _refuse_zero_singular(s, what):
    if np.any(as_array(s) == 0):
        raise _unsupported(f"srcad: the derivative of {what} at a matrix of deficient rank is not "
                           "implemented (it divides by a zero singular value)")


# ---- svd ----------------------------------------------------------------------------------------

def _check_reduced(a, full_matrices, compute_uv):
    refuse_complex_vectors(a, "the singular value decomposition")
    m, n = np.shape(a)[-2:]
    if compute_uv and full_matrices and m != n:
        raise _unsupported("srcad differentiates np.linalg.svd of a non-square matrix with "
                           "full_matrices=False only (the extra columns of the full U or V are "
                           "not determined by the matrix)")


def svd_tangent_parts(a, u, s, vt, da, vectors=True):
    """(dU, ds, dVt) of the reduced SVD a = U diag(s) Vt along ``da`` (Townsend's formulas);
    ``vectors=False``: ds alone."""
    v = mT(vt)
    p = mT(u) @ da @ v
    ds = np.diagonal(p, axis1=-2, axis2=-1).copy()
    if not vectors:  # repeated values: differentiable where da moves them together
        inverse_gaps(s, np.abs(p + mT(p)) + np.abs(ds[..., None, :] - ds[..., :, None]),
                     "np.linalg.svd (its singular values)")
        return None, ds, None
    ps, sp = p * s[..., None, :], s[..., :, None] * p
    f = inverse_gaps(s ** 2, np.ones(np.shape(p)), "np.linalg.svd (its U and V)")
    du = u @ (f * (ps + mT(ps)))
    dv = v @ (f * (sp + mT(sp)))
    m, n = np.shape(a)[-2:]
    k = s.shape[-1]
    if m > k or n > k:
        _refuse_zero_singular(s, "np.linalg.svd (its U and V)")
    if m > k:
        du = du + (da @ v - u @ (mT(u) @ da @ v)) / s[..., None, :]
    if n > k:
        dv = dv + (mT(da) @ u - v @ (mT(v) @ mT(da) @ u)) / s[..., None, :]
    return du, ds, mT(dv)


@helper(linear_in="t", nonlinear=("a", "ans"))
def svd_tangent(t, a, ans, full_matrices=True, compute_uv=True):
    """Tangent of ``np.linalg.svd`` along ``t``: (dU, ds, dVt), or ds with ``compute_uv=False``."""
    _check_reduced(a, full_matrices, compute_uv)
    if not compute_uv:
        u, s, vt = np.linalg.svd(a, full_matrices=False)
        return svd_tangent_parts(a, u, s, vt, t, vectors=False)[1]
    return svd_tangent_parts(a, *ans, t)


def _svd_adjoint_core(gu, gs, gvt, u, s, vt, mask, rectangular):
    """Townsend's adjoint of the reduced SVD, analytic in (u, s, vt) (``mask``: the entries of F
    set to 0, where singular values repeat without coupling, and its diagonal)."""
    v, gv = mT(vt), mT(gvt)
    diff = (s ** 2)[..., None, :] - (s ** 2)[..., :, None]
    f = np.where(mask, 0, 1 / np.where(mask, 1, diff))
    j = f * (mT(u) @ gu - mT(gu) @ u)
    k = f * (mT(v) @ gv - mT(gv) @ v)
    middle = j * s[..., None, :] + s[..., :, None] * k + eye_like(s, s.shape[-1], s.dtype) * gs[..., None, :]
    result = u @ middle @ vt
    m, n = u.shape[-2], v.shape[-2]
    if rectangular and m > s.shape[-1]:
        result = result + ((gu - u @ (mT(u) @ gu)) / s[..., None, :]) @ vt
    if rectangular and n > s.shape[-1]:
        result = result + (u / s[..., None, :]) @ (mT(gv) - (mT(gv) @ v) @ vt)
    return result


def _svd_mask(g, ans):
    """The arguments of :func:`_svd_adjoint_core` for the adjoint ``g`` at the factors ``ans``:
    a None part of ``g`` is zeros; repeated singular values coupled by ``g`` are refused."""
    u, s, vt = ans
    gu, gs, gvt = _parts(g, 3)
    gu = np.zeros_like(u) if gu is None else as_array(gu)
    gs = np.zeros_like(s) if gs is None else as_array(gs)
    gvt = np.zeros_like(vt) if gvt is None else as_array(gvt)
    f = inverse_gaps(s ** 2, column_coupling(gu, mT(gvt)), "np.linalg.svd (its U and V)")
    mask = (f == 0)
    rectangular = not (_none_or_zero(gu) and _none_or_zero(gvt))
    if rectangular and u.shape[-2] != vt.shape[-1]:
        _refuse_zero_singular(s, "np.linalg.svd (its U and V)")
    return gu, gs, gvt, mask, rectangular


def _none_or_zero(x):
    return not np.any(x)


@helper(linear_in="g", jvp={"a": "svd_adjoint_da(g, a, ans, full_matrices, compute_uv, t)",
                            "ans": "svd_adjoint_dans(g, a, ans, full_matrices, compute_uv, t)"})
def svd_adjoint(g, a, ans, full_matrices=True, compute_uv=True):
    """Adjoint of ``np.linalg.svd`` (reduced). Singular values alone: U diag(g) Vt, refused where
    repeated values get different gradients; with U and V, Townsend's formula."""
    _check_reduced(a, full_matrices, compute_uv)
    if not compute_uv:
        u, s, vt = np.linalg.svd(a, full_matrices=False)
        g = as_array(g)
        inverse_gaps(s, g[..., None, :] - g[..., :, None], "np.linalg.svd (its singular values)")
        return (u * g[..., None, :]) @ vt
    gu, gs, gvt, mask, rectangular = _svd_mask(g, ans)
    return _svd_adjoint_core(gu, gs, gvt, *ans, mask, rectangular)


@helper
def svd_adjoint_da(g, a, ans, full_matrices, compute_uv, t):
    """Tangent of ``svd_adjoint`` along ``t``, a tangent of ``a`` (read only without U and V):
    d(U diag(g) Vt); repeated singular values with equal ``g`` do not couple."""
    if compute_uv:
        return np.zeros(np.shape(a), dtype=_float_dtype(a))
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    v, g = mT(vt), as_array(g)
    p = mT(u) @ t @ v
    x = p * s[..., None, :] + s[..., :, None] * mT(p)  # U's rotation, times F
    y = s[..., :, None] * p + mT(p) * s[..., None, :]  # V's
    inner = x * g[..., None, :] - g[..., :, None] * mT(y)
    gaps = g[..., None, :] - g[..., :, None]
    f = inverse_gaps(s ** 2, gaps, "np.linalg.svd (its singular values, second order)")
    # repeated values, equal weights: g_i (P_ij - P_ji) / (s_i + s_j), the limit of F_ij inner_ij
    repeated = (f == 0) & ~eye_like(s, s.shape[-1], bool)
    if np.any(repeated):
        total = s[..., :, None] + s[..., None, :]
        _refuse_zero_singular(np.where(repeated, total, 1), "np.linalg.svd (second order)")
        limit = g[..., :, None] * (p - mT(p)) / np.where(repeated, total, 1)
        inner = np.where(repeated, limit, f * inner)
    else:
        inner = f * inner
    result = u @ inner @ vt
    m, n = np.shape(a)[-2:]
    k = s.shape[-1]
    if m > k or n > k:
        _refuse_zero_singular(s, "np.linalg.svd (its singular values, second order)")
    if m > k:
        result = result + ((t @ v - u @ p) / s[..., None, :] * g[..., None, :]) @ vt
    if n > k:
        result = result + (u * (g / s)[..., None, :]) @ (mT(u) @ t - p @ vt)
    return result


@helper
def svd_adjoint_dans(g, a, ans, full_matrices, compute_uv, t):
    """Tangent of ``svd_adjoint`` along ``t`` = (dU, ds, dVt), a tangent of the factors."""
    if not compute_uv:
        return np.zeros(np.shape(a), dtype=_float_dtype(a))
    gu, gs, gvt, mask, rectangular = _svd_mask(g, ans)
    du, ds, dvt = _parts(t, 3)
    return _complex_step(lambda u, s, vt: _svd_adjoint_core(gu, gs, gvt, u, s, vt, mask, rectangular),
                         ans, (du, ds, dvt))


# ---- eigvalsh -----------------------------------------------------------------------------------

@helper(linear_in="t", nonlinear=("a",))
def eigvalsh_tangent(t, a):
    """Tangent of ``np.linalg.eigvalsh``: diag(V^T t V) for the symmetric part of ``t``; refused
    where repeated eigenvalues are coupled by ``t`` (they are not differentiable there)."""
    refuse_complex(a, "the eigenvalues")
    w, v = np.linalg.eigh(a)
    inner = mT(v) @ _sym(t) @ v
    d = np.diagonal(inner, axis1=-2, axis2=-1).copy()
    # repeated eigenvalues are differentiable along t only where t moves them together
    inverse_gaps(w, np.abs(inner) + np.abs(d[..., None, :] - d[..., :, None]), "np.linalg.eigvalsh")
    return d


@helper(linear_in="g", jvp={"a": "eigvalsh_adjoint_da(g, a, t)"})
def eigvalsh_adjoint(g, a):
    """Adjoint of ``np.linalg.eigvalsh``: V diag(g) V^T (symmetric); refused where repeated
    eigenvalues get different gradients."""
    refuse_complex(a, "the eigenvalues")
    w, v = np.linalg.eigh(a)
    g = as_array(g)
    inverse_gaps(w, g[..., None, :] - g[..., :, None], "np.linalg.eigvalsh")
    return (v * g[..., None, :]) @ mT(v)


@helper
def eigvalsh_adjoint_da(g, a, t):
    """Tangent of ``eigvalsh_adjoint(g, a)`` along ``t``: V (F o V^T t V o (g_j - g_i)) V^T, F as
    in :func:`inverse_gaps` (repeated eigenvalues with equal ``g``: no coupling)."""
    w, v = np.linalg.eigh(a)
    g = as_array(g)
    gaps = g[..., None, :] - g[..., :, None]
    inner = (mT(v) @ _sym(t) @ v) * gaps
    return v @ (inverse_gaps(w, gaps, "np.linalg.eigvalsh (second order)") * inner) @ mT(v)


# ---- qr -----------------------------------------------------------------------------------------

def _check_qr(a, mode):
    refuse_complex(a, "the QR decomposition")  # (the formulas are for real matrices)
    m, n = np.shape(a)[-2:]
    if mode not in ("reduced", "complete") or (mode == "complete" and m != n) or m < n:
        raise _unsupported(f"srcad differentiates np.linalg.qr in mode 'reduced' of a square or "
                           f"tall matrix only (here: mode {mode!r}, a {m}x{n} matrix)")


def _right_solve_rt(y, r):
    """y R^-T."""
    return mT(np.linalg.solve(r, mT(y)))


def _copyltu(m):
    lower = np.tril(m, -1)
    return lower + mT(lower) + eye_like(m, m.shape[-1], m.dtype) * np.diagonal(m, axis1=-2, axis2=-1)[..., None, :]


def _qr_adjoint_core(gq, gr, q, r):
    m = r @ mT(gr) - mT(gq) @ q
    return _right_solve_rt(gq + q @ _copyltu(m), r)


@helper(linear_in="t", nonlinear=("ans",))
def qr_tangent(t, a, ans, mode="reduced"):
    """Tangent of ``np.linalg.qr`` along ``t``: (dQ, dR)."""
    _check_qr(a, mode)
    q, r = ans
    _refuse_zero_singular(np.diagonal(r, axis1=-2, axis2=-1), "np.linalg.qr")
    x = mT(np.linalg.solve(mT(r), mT(mT(q) @ t)))  # Q^T t R^-1
    lower = np.tril(x, -1)
    dr = (x - lower + mT(lower)) @ r
    dq = mT(np.linalg.solve(mT(r), mT(t))) - q @ (x - lower + mT(lower))
    return dq, dr


@helper(linear_in="g", jvp={"ans": "qr_adjoint_dans(g, a, ans, mode, t)"})
def qr_adjoint(g, a, ans, mode="reduced"):
    """Adjoint of ``np.linalg.qr`` (reduced, square or tall, full rank)."""
    _check_qr(a, mode)
    q, r = ans
    _refuse_zero_singular(np.diagonal(r, axis1=-2, axis2=-1), "np.linalg.qr")
    gq, gr = _parts(g, 2)
    gq = np.zeros_like(q) if gq is None else as_array(gq)
    gr = np.zeros_like(r) if gr is None else as_array(gr)
    return _qr_adjoint_core(gq, gr, q, r)


@helper
def qr_adjoint_dans(g, a, ans, mode, t):
    """Tangent of ``qr_adjoint`` along ``t`` = (dQ, dR)."""
    q, r = ans
    gq, gr = _parts(g, 2)
    gq = np.zeros_like(q) if gq is None else as_array(gq)
    gr = np.zeros_like(r) if gr is None else as_array(gr)
    return _complex_step(lambda q, r: _qr_adjoint_core(gq, gr, q, r), (q, r), _parts(t, 2))
