"""Runtime helpers: least squares and matrix powers (VJPs, JVPs and the second order of each),
and the second order of ``np.linalg.norm``.

Accepts: an adjoint ``g`` (or a tangent ``t``) and the primal operands and results the rule names.
``lstsq``: a matrix of full rank (the gradient of its solution in reverse mode; forward mode gives
the tangents of the solution, the residuals and the singular values).
Guarantees: results shaped like the value they belong to; stacked matrices (leading batch axes)
handled where NumPy's function handles them. Where a derivative is undefined or would divide by
zero (a rank-deficient matrix, repeated top singular values of the matrix 2-norm) the call is
refused (:class:`~srcad.errors.UnsupportedOperationError`, located by the derived function), never
a number; the conventions of the first derivatives are those of :func:`srcad.runtime.unnorm`.
"""

from __future__ import annotations

import numpy as np

from ._registry import helper
from .containers import _float_dtype
from .broadcasting import _expand_reduced, _unsupported, refuse_complex, unnorm
from .containers import TupleAdjoint
from .decompositions import _none_or_zero, _parts, _refuse_zero_singular, svd_tangent_parts
from .linalg import inverse_gaps, mT, pinv_adjoint
from .linalg2 import pinv_adjoint_da, pinv_adjoint_dans
from .tangents import pinv_tangent, zero_tangent
from .namespaces import as_array, eye_like, zeros_shaped


# ---- lstsq --------------------------------------------------------------------------------------

def _lstsq_pinv(a, ans, g=None):
    m, n = np.shape(a)[-2:]
    if ans[2] < min(m, n):
        raise _unsupported("srcad differentiates np.linalg.lstsq for a matrix of full rank only "
                           f"(rank {ans[2]} of a {m}x{n} matrix)")
    if g is not None:
        parts = _parts(g, 4)
        if not (_none_or_zero(parts[1]) and _none_or_zero(parts[3])):
            raise _unsupported("srcad differentiates the solution of np.linalg.lstsq, not its "
                               "residuals or singular values (compute them from the solution, "
                               "or with np.linalg.svd)")
    return np.linalg.pinv(a)


def _gx(g):
    """The adjoint of the solution, among those of lstsq's four results."""
    return _parts(g, 4)[0]


@helper(linear_in=("g", "b"), jvp={"a": "lstsq_da_da(g, a, b, ans, t)"})
def lstsq_da(g, a, b, ans):
    """Adjoint of ``np.linalg.lstsq(a, b)`` in ``a``: that of pinv(a), at gx b^T (x = pinv(a) b)."""
    p = _lstsq_pinv(a, ans, g)
    gx = _gx(g)
    if gx is None:
        return np.zeros(np.shape(a), dtype=_float_dtype(a))
    return pinv_adjoint(np.multiply.outer(gx, b) if np.ndim(b) == 1 else gx @ mT(b), a, p)


@helper
def lstsq_da_da(g, a, b, ans, t):
    """Tangent of ``lstsq_da`` along ``t``, a tangent of ``a``."""
    p = _lstsq_pinv(a, ans, g)
    gx = _gx(g)
    if gx is None:
        return np.zeros(np.shape(a), dtype=_float_dtype(a))
    gp = np.multiply.outer(gx, b) if np.ndim(b) == 1 else gx @ mT(b)
    return pinv_adjoint_da(gp, a, p, t) + pinv_adjoint_dans(gp, a, p, pinv_tangent(t, a, p))


@helper(linear_in="g", jvp={"a": "lstsq_db_da(g, a, b, ans, t)"})
def lstsq_db(g, a, b, ans):
    """Adjoint of ``np.linalg.lstsq(a, b)`` in ``b``: pinv(a)^T gx."""
    p = _lstsq_pinv(a, ans, g)
    gx = _gx(g)
    return np.zeros(np.shape(b), dtype=_float_dtype(b)) if gx is None else mT(p) @ gx


@helper
def lstsq_db_da(g, a, b, ans, t):
    """Tangent of ``lstsq_db`` along ``t``, a tangent of ``a``."""
    p = _lstsq_pinv(a, ans, g)
    gx = _gx(g)
    return np.zeros(np.shape(b), dtype=_float_dtype(b)) if gx is None else mT(pinv_tangent(t, a, p)) @ gx


@helper(linear_in=("ta", "tb"), nonlinear=("a", "b", "ans"))
def lstsq_tangent(ta, tb, a, b, ans):
    """Tangent of ``np.linalg.lstsq(a, b)`` (x, residuals, rank, singular values) along ``ta``
    and ``tb`` (None: held). At the solution the residuals' tangent is -2 r.(ta x) + 2 r.tb. A
    :class:`TupleAdjoint`, so that the tangents along ``a`` and along ``b`` add entry by entry."""
    p = _lstsq_pinv(a, ans)
    x, residuals, rank, s = ans
    dtype = np.result_type(a, b)
    ta = zeros_shaped(np.shape(a), dtype, a) if ta is None else as_array(ta)
    tb = zeros_shaped(np.shape(b), dtype, b) if tb is None else as_array(tb)
    dx = pinv_tangent(ta, a, p) @ b + p @ tb
    r = b - a @ x
    dres = np.sum(r * (tb - ta @ x), axis=0) * 2 if np.size(residuals) else np.zeros(np.shape(residuals), dtype=_float_dtype(residuals))
    u, s_, vt = np.linalg.svd(a, full_matrices=False)
    ds = svd_tangent_parts(a, u, s_, vt, ta, vectors=False)[1]
    return TupleAdjoint((dx, np.reshape(dres, np.shape(residuals)), zero_tangent(rank), ds))


# ---- matrix_power -------------------------------------------------------------------------------

def _power_base(a, n):
    return (as_array(a), int(n)) if n >= 0 else (np.linalg.inv(a), -int(n))


def _powers(b, m):
    eye = np.broadcast_to(eye_like(b, b.shape[-1], b.dtype), b.shape)
    out = [eye]
    for _ in range(m):
        out.append(out[-1] @ b)
    return out


def _power_tangent(b, db, m, powers):
    """d(B^m) along dB: the sum over k of B^k dB B^(m-1-k)."""
    total = zeros_shaped(np.broadcast_shapes(np.shape(b), np.shape(db)), _float_dtype(b, db), db)
    for k in range(m):
        total = total + powers[k] @ db @ powers[m - 1 - k]
    return total


@helper(linear_in="t", nonlinear=("a",))
def matrix_power_tangent(t, a, n):
    """Tangent of ``np.linalg.matrix_power(a, n)`` (a negative ``n`` is a power of the inverse)."""
    b, m = _power_base(a, n)
    db = t if n >= 0 else -(b @ t @ b)
    return _power_tangent(b, db, m, _powers(b, m))


@helper(linear_in="g", jvp={"a": "matrix_power_adjoint_da(g, a, n, t)"})
def matrix_power_adjoint(g, a, n):
    """Adjoint of ``np.linalg.matrix_power(a, n)``: the sum over k of (B^T)^k g (B^T)^(m-1-k) for
    B^m, B = a or inv(a); through inv's adjoint for a negative ``n``."""
    b, m = _power_base(a, n)
    bt = mT(b)
    gb = _power_tangent(bt, g, m, _powers(bt, m))
    return gb if n >= 0 else -(bt @ gb @ bt)


@helper
def matrix_power_adjoint_da(g, a, n, t):
    """Tangent of ``matrix_power_adjoint(g, a, n)`` along ``t``."""
    b, m = _power_base(a, n)
    db = t if n >= 0 else -(b @ t @ b)
    bt, dbt = mT(b), mT(db)
    powers = _powers(bt, m)
    dpowers = [_power_tangent(bt, dbt, k, powers) for k in range(m + 1)]
    gb = _power_tangent(bt, g, m, powers)
    dgb = zeros_shaped(np.shape(gb), _float_dtype(gb), gb)
    for k in range(m):
        dgb = dgb + dpowers[k] @ g @ powers[m - 1 - k] + powers[k] @ g @ dpowers[m - 1 - k]
    if n >= 0:
        return dgb
    return -(dbt @ gb @ bt + bt @ dgb @ bt + bt @ gb @ dbt)


# ---- second order of np.linalg.norm -------------------------------------------------------------

def _norm_kind(x, ord, axis):
    """("euclidean" | "matrix" | "vector", the reduced axes) of this ``np.linalg.norm``, as
    :func:`srcad.runtime.unnorm` reads it."""
    ndim = np.ndim(x)
    matrix = (axis is None and ndim == 2 and ord is not None) or (
        isinstance(axis, tuple) and len(axis) == 2) or ord in ("fro", "nuc")
    if ord in (None, "fro") or (ord == 2 and not matrix):
        return "euclidean", axis
    if matrix:
        return "matrix", (0, 1) if axis is None else tuple(a % ndim for a in axis)
    return "vector", axis


def _piecewise_constant(kind, ord) -> bool:
    """Is the norm's gradient piecewise constant (its second derivative 0)?"""
    return ord in ((1, -1, np.inf, -np.inf) if kind == "matrix" else (1, 0, np.inf, -np.inf))


def _matrix_norm_dx(gm, m, dm, ord):
    """The tangent of the 2-, -2- or nuclear norm's gradient ``gm * G(m)`` along ``dm``. The
    nuclear norm's ``G = conj(U V^H)`` does not depend on the singular vectors' phases, so its
    tangent holds for a complex matrix too: ``U ((P - P^H) / (s_i + s_j)) V^H`` with
    ``P = U^H dm V``, conjugated (the 2-norms' are refused for a complex one)."""
    u, s, vt = np.linalg.svd(m, full_matrices=False)
    rows, cols = m.shape[-2:]
    v = np.conj(mT(vt))
    p = np.conj(mT(u)) @ dm @ v
    if ord == "nuc":
        _refuse_zero_singular(s, "the nuclear norm")
        total = s[..., :, None] + s[..., None, :]
        inner = (p - np.conj(mT(p))) / total
        d = u @ inner @ vt
        if rows > s.shape[-1]:
            d = d + ((dm @ v - u @ p) / s[..., None, :]) @ vt
        if cols > s.shape[-1]:
            d = d + (u / s[..., None, :]) @ (np.conj(mT(u)) @ dm - p @ vt)
        return gm * np.conj(d)
    refuse_complex(m, f"the second derivative of the matrix norm ord={ord!r}")
    k = 0 if ord == 2 else s.shape[-1] - 1
    ps, sp = p * s[..., None, :], s[..., :, None] * p
    coupling = np.zeros(np.shape(p), dtype=_float_dtype(p))
    coupling[..., k, :] = coupling[..., :, k] = 1  # a repeated k-th singular value: refused
    f = inverse_gaps(s ** 2, coupling, f"the matrix norm ord={ord}")
    du = (u @ (f * (ps + mT(ps))))[..., :, k]
    dv = (v @ (f * (sp + mT(sp))))[..., :, k]
    if rows > s.shape[-1] or cols > s.shape[-1]:
        _refuse_zero_singular(s[..., k], f"the matrix norm ord={ord}")
    if rows > s.shape[-1]:
        du = du + ((dm @ v - u @ p) / s[..., None, :])[..., :, k]
    if cols > s.shape[-1]:
        dv = dv + ((mT(dm) @ u - v @ mT(p)) / s[..., None, :])[..., :, k]
    return gm * (du[..., :, None] * vt[..., k, None, :] + u[..., :, k, None] * dv[..., None, :])


@helper
def norm_adjoint_dx(g, x, ans, ord, axis, keepdims, t):
    """Tangent of ``unnorm(g, x, ans, ...)`` along ``t``, a tangent of ``x`` (``ans`` held): for
    the 2- and Frobenius norms ``g conj(x) / ans`` is (real-)linear in ``x``; the 1-, 0- and
    max-norms' gradients (and the matrix 1- and inf-norms') are piecewise constant for a real
    ``x`` (a complex entry's ``conj(x) / |x|`` is differentiated); the p-norms' and the matrix 2-,
    -2- and nuclear norms' are differentiated (refused where undefined, and for a complex matrix
    but for the nuclear norm)."""
    kind, ax = _norm_kind(x, ord, axis)
    x = np.asarray(x, dtype=_float_dtype(x))
    if kind == "euclidean":
        return unnorm(g, t, ans, ord, axis, keepdims)
    if _piecewise_constant(kind, ord) and (ord == 0 or not np.iscomplexobj(x)):
        return np.zeros(np.shape(x), dtype=_float_dtype(x))
    if kind == "matrix" and _piecewise_constant(kind, ord):  # (a complex one's: not constant)
        refuse_complex(x, f"the second derivative of the matrix norm ord={ord!r}")
    gx = _expand_reduced(g, x.shape, ax, keepdims)
    if kind == "matrix":
        moved = np.moveaxis(x, ax, (-2, -1))
        dm = np.moveaxis(np.broadcast_to(t, x.shape), ax, (-2, -1))
        d = _matrix_norm_dx(np.moveaxis(gx, ax, (-2, -1)), moved, dm, ord)
        return np.moveaxis(d, (-2, -1), ax)
    if _piecewise_constant(kind, ord):  # a complex x's conj(x) / |x| is not constant
        t = np.broadcast_to(t, x.shape)
        if ord == 1:
            return gx * _sign_tangent(x, t)
        pick = np.abs(x) == np.asarray(_expand_reduced(ans, x.shape, ax, keepdims))
        return gx * pick / np.sum(pick, axis=ax, keepdims=True) * _sign_tangent(x, t)
    p = float(ord)
    if p < 2 and np.any(x == 0):
        raise _unsupported(f"srcad: the second derivative of np.linalg.norm with ord={ord!r} is "
                           "not finite where an entry is 0")
    ansx = np.asarray(_expand_reduced(ans, x.shape, ax, keepdims))
    safe = np.where(ansx == 0, 1, ansx)
    size = np.abs(np.where(x == 0, 1, x))
    if np.iscomplexobj(x) or np.iscomplexobj(t):  # d(|x|^(p-2) conj(x)) along t
        along = (p - 2) * size ** (p - 4) * np.real(np.conj(x) * t) * np.conj(x) \
            + size ** (p - 2) * np.conj(t)
        return gx * (x != 0) * along / safe ** (p - 1)
    return gx * (p - 1) * size ** (p - 2) * (x != 0) * t / safe ** (p - 1)


def _sign_tangent(x, t):
    """The tangent of ``conj(x) / |x|`` (a complex entry's part of a 1- or max-norm's gradient)
    along ``t``: ``(conj(t) - conj(x) Re(conj(x) t) / |x|^2) / |x|``; 0 where x is 0."""
    size = np.abs(x)
    safe = np.where(size == 0, 1, size)
    along = (np.conj(t) - np.conj(x) * np.real(np.conj(x) * t) / safe ** 2) / safe
    return np.where(size == 0, 0, along)


@helper
def norm_adjoint_dans(g, x, ans, ord, axis, keepdims, t):
    """Tangent of ``unnorm(g, x, ans, ...)`` along ``t``, a tangent of the norm ``ans``."""
    kind, ax = _norm_kind(x, ord, axis)
    if kind == "euclidean":
        ans = np.asarray(ans)
        return unnorm(-np.asarray(g) * t / np.where(ans == 0, 1, ans), x, ans, ord, axis, keepdims)
    if kind == "matrix" or _piecewise_constant(kind, ord):  # (matrix norms: ans not read)
        return np.zeros(np.shape(x), dtype=_float_dtype(x))
    x = np.asarray(x, dtype=_float_dtype(x))
    p = float(ord)
    gx = _expand_reduced(g, x.shape, ax, keepdims)
    tx = _expand_reduced(t, x.shape, ax, keepdims)
    ansx = np.asarray(_expand_reduced(ans, x.shape, ax, keepdims))
    safe = np.where(ansx == 0, 1, ansx)
    return -gx * tx * (p - 1) * np.conj(np.sign(x)) * np.abs(x) ** (p - 1) / safe ** p
