"""Runtime helpers: the second order of linear algebra (``det``, ``slogdet``, ``solve``,
``cholesky``, ``eigh``, ``pinv``) and of ``np.prod``, ``np.cumprod`` and ``np.sinc``.

Accepts: an adjoint ``g`` (or a tangent ``t``) and the primal operands and results the rule names.
Guarantees: each ``*_d<param>`` helper is the tangent of a VJP helper of :mod:`.linalg` or
:mod:`.broadcasting` along the tangent ``t`` of that parameter (it is what the helper's ``jvp=``
names: forward mode over the gradient code gives Hessian-vector products); it is itself linear in
``g`` and ``t``. Stacked matrices (leading batch axes) are handled where NumPy's function handles
them. At a degenerate point (repeated eigenvalues: :func:`srcad.runtime.linalg.inverse_gaps`; a
singular matrix for ``det``) a result that does not depend on an arbitrary choice is returned, and
one that would is refused with an :class:`~srcad.errors.UnsupportedOperationError` (located at the
user's line by the derived function), never a number.
"""

from __future__ import annotations

import numpy as np

from ._registry import helper
from .containers import _float_dtype
from .broadcasting import _expand_reduced, _reduced_axes, _unsupported, unbroadcast
from .linalg import column_coupling, inverse_gaps, mT, solve_matmul, solve_outer, solve_transposed
from .tangents import cumprod_tangent
from .namespaces import as_array, eye_like, refuse_other_library


def _sym(x):
    return (x + mT(x)) / 2


def _inv_or_refuse(a, what):
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        raise _unsupported(f"srcad: the second derivative of {what} at a singular matrix is not "
                           "implemented") from None


# ---- second order of inv, det, slogdet, solve -------------------------------------------------

@helper
def det_adjoint_da(g, a, ans, t):
    """Tangent of ``det_adjoint(g, a, ans)`` along ``t`` (a tangent of ``a``, ``ans`` held):
    -g det(a) (a^-1 t a^-1)^T; refused at a singular ``a`` (the adjugate's derivative)."""
    inv = _inv_or_refuse(a, "np.linalg.det")
    return -(as_array(g) * ans)[..., None, None] * mT(inv @ t @ inv)


@helper
def det_adjoint_dans(g, a, t):
    """Tangent of ``det_adjoint(g, a, ans)`` along ``t``, a tangent of ``ans``: g t a^-T (0 at a
    singular ``a``, where the helper uses the adjugate and does not read ``ans``)."""
    try:
        inv = np.linalg.inv(a)
    except np.linalg.LinAlgError:
        return np.zeros(np.shape(a), dtype=_float_dtype(a))
    return (as_array(g) * t)[..., None, None] * mT(inv)


@helper
def slogdet_adjoint_da(g, a, t):
    """Tangent of ``slogdet_adjoint(g, a)`` along ``t``: -g (a^-1 t a^-1)^T."""
    inv = np.linalg.inv(a)
    return -as_array(g[1])[..., None, None] * mT(inv @ t @ inv)


def _solve_dg(g, a, b, ans, t):
    """The tangent of a^-T g along ``t``, a tangent of ``a``: -a^-T t^T a^-T g (stacked)."""
    return -solve_transposed(a, solve_matmul(mT(t), solve_transposed(a, g, b), b), b)


@helper
def solve_db_da(g, a, b, ans, t):
    """Tangent of ``solve_db(g, a, b, ans)`` along ``t``, a tangent of ``a``."""
    return unbroadcast(_solve_dg(g, a, b, ans, t), b)


@helper
def solve_da_da(g, a, b, ans, t):
    """Tangent of ``solve_da(g, a, b, ans)`` along ``t``, a tangent of ``a`` (``ans`` held)."""
    return unbroadcast(solve_outer(_solve_dg(g, a, b, ans, t), ans, b), a)


@helper
def solve_da_dans(g, a, b, t):
    """Tangent of ``solve_da(g, a, b, ans)`` along ``t``, a tangent of the solution ``ans``."""
    return unbroadcast(solve_outer(solve_transposed(a, g, b), t, b), a)


# ---- cholesky, eigh, pinv ---------------------------------------------------------------------

def _cholesky_middle(L, phi):
    """L^-T Phi(phi) L^-1, Phi taking the lower triangle and halving the diagonal."""
    n = L.shape[-1]
    phi = np.tril(phi) / (1 + eye_like(phi, n, phi.dtype))
    return np.linalg.solve(mT(L), mT(np.linalg.solve(mT(L), mT(phi))))


@helper
def cholesky_adjoint_dl(g, ans, t):
    """Tangent of ``cholesky_adjoint(g, L)`` along ``t``, a tangent of the factor L."""
    refuse_other_library(ans, "np.linalg.cholesky", "Dask's returns the upper factor",
                         only="dask")
    L = ans
    s = _cholesky_middle(L, mT(L) @ g)
    ds = -np.linalg.solve(mT(L), mT(t) @ s) + _cholesky_middle(L, mT(t) @ g) \
        - mT(np.linalg.solve(mT(L), mT(s @ t)))
    return _sym(ds)


@helper
def eigh_adjoint_dans(g, ans, t):
    """Tangent of ``eigh_adjoint(g, (w, V))`` along ``t`` = (dw, dV), the tangents of the
    eigenvalues and eigenvectors."""
    w, v = ans
    gw, gv = g
    dw, dv = t
    n = w.shape[-1]
    gw = np.zeros_like(w) if gw is None else as_array(gw)
    dw = np.zeros_like(w) if dw is None else as_array(dw)
    dv = np.zeros_like(v) if dv is None else as_array(dv)
    inner = np.zeros(np.shape(v), dtype=_float_dtype(v)) if gv is None else mT(v) @ gv
    dinner = np.zeros(np.shape(v), dtype=_float_dtype(v)) if gv is None else mT(dv) @ gv
    off = inverse_gaps(w, column_coupling(gv), "np.linalg.eigh")
    doff = -(dw[..., None, :] - dw[..., :, None]) * off ** 2
    middle = off * inner + eye_like(w, n, w.dtype) * gw[..., None, :]
    dmiddle = doff * inner + off * dinner
    return _sym(dv @ middle @ mT(v) + v @ dmiddle @ mT(v) + v @ middle @ mT(dv))


@helper
def pinv_adjoint_da(g, a, ans, t):
    """Tangent of ``pinv_adjoint(g, a, p)`` along ``t``, a tangent of ``a``."""
    p = ans
    gt = mT(g)
    return -(t @ p) @ gt @ p @ mT(p) - mT(p) @ p @ gt @ (p @ t)


@helper
def pinv_adjoint_dans(g, a, ans, t):
    """Tangent of ``pinv_adjoint(g, a, p)`` along ``t``, a tangent of ``p`` (the pseudo-inverse)."""
    p, d = ans, t
    a = as_array(a)
    eye_m, eye_n = eye_like(p, a.shape[-2], p.dtype), eye_like(p, a.shape[-1], p.dtype)
    gt = mT(g)
    return (-mT(d) @ g @ mT(p) - mT(p) @ g @ mT(d) - (a @ d) @ gt @ p @ mT(p)
            + (eye_m - a @ p) @ gt @ (d @ mT(p) + p @ mT(d))
            + (mT(d) @ p + mT(p) @ d) @ gt @ (eye_n - p @ a) - mT(p) @ p @ gt @ (d @ a))


# ---- products and sinc ------------------------------------------------------------------------

@helper
def unprod_da(g, a, axis, keepdims, t):
    """Tangent of ``unprod(g, a, ...)`` along ``t``: g times the tangent of the product of the
    other entries (left and right partial products and their tangents: exact with zeros)."""
    dtype = _float_dtype(a, t)  # (complex for a complex product)
    a, t = np.asarray(a, dtype=dtype), np.asarray(t, dtype=dtype)
    if a.ndim == 0:
        return np.zeros((), dtype=dtype)
    axes = _reduced_axes(a.shape, axis)
    g = _expand_reduced(g, a.shape, axis, keepdims)
    kept = [k for k in range(a.ndim) if k not in axes]
    order = kept + list(axes)

    def flat(x):
        moved = np.transpose(np.broadcast_to(x, a.shape), order)
        return moved.reshape(moved.shape[:len(kept)] + (-1,)), moved.shape

    x, shape = flat(a)
    v, _ = flat(t)
    ones = np.ones(x.shape[:-1] + (1,), dtype=dtype)
    zeros = np.zeros(x.shape[:-1] + (1,), dtype=dtype)

    def scan(x, v):  # exclusive partial products and their tangents
        factors = np.concatenate([ones, x[..., :-1]], axis=-1)
        partial = np.cumprod(factors, axis=-1)
        return partial, cumprod_tangent(np.concatenate([zeros, v[..., :-1]], axis=-1), factors,
                                        partial, -1)

    left, dleft = scan(x, v)
    right, dright = scan(np.flip(x, -1), np.flip(v, -1))
    right, dright = np.flip(right, -1), np.flip(dright, -1)
    dothers = (dleft * right + left * dright).reshape(shape)
    return g * np.transpose(dothers, np.argsort(order))


@helper
def uncumprod_da(g, a, axis, t):
    """Tangent of ``uncumprod(g, a, ...)`` along ``t`` (exact with zeros)."""
    shape = np.shape(a)
    if axis is None:
        a, g, t, axis = np.ravel(a), np.ravel(g), np.ravel(t), 0
    dtype = _float_dtype(a, g, t)  # (complex for a complex product)
    a = np.moveaxis(np.asarray(a, dtype=dtype), axis, -1)
    g = np.moveaxis(as_array(g), axis, -1)
    t = np.moveaxis(np.broadcast_to(np.asarray(t, dtype=dtype), np.shape(np.moveaxis(a, -1, axis))),
                    axis, -1)
    result = np.zeros(np.broadcast_shapes(a.shape, g.shape), dtype=dtype)
    for i in range(a.shape[-1]):  # d out_j / d a_i = prod_{k <= j, k != i} a_k, for j >= i
        others, dothers = a.copy(), t.copy()
        others[..., i], dothers[..., i] = 1, 0
        partial = cumprod_tangent(dothers, others, np.cumprod(others, axis=-1), -1)[..., i:]
        result[..., i] = np.sum(g[..., i:] * partial, axis=-1)
    return np.reshape(np.moveaxis(result, -1, axis), shape)


@helper
def sinc_second(x):
    """The second derivative of ``np.sinc``: -pi^2 sinc(x) - 2 sinc'(x) / x, and its Taylor series
    near 0 (-pi^2/3 at 0)."""
    x = np.asarray(x, dtype=_float_dtype(x))
    small = np.abs(x) < 1e-2
    safe = np.where(small, 1.0, x)
    p2 = np.pi ** 2 * x * x
    series = -np.pi ** 2 / 3 + np.pi ** 2 * p2 / 10 - np.pi ** 2 * p2 ** 2 / 168 \
        + np.pi ** 2 * p2 ** 3 / 6480
    first = (np.cos(np.pi * safe) - np.sinc(safe)) / safe
    return np.where(small, series, -np.pi ** 2 * np.sinc(safe) - 2 * first / safe)
