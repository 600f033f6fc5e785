"""Runtime helpers: ``np.linalg.eig`` and ``np.linalg.eigvals`` (VJPs, JVPs and the second order of
each).

Accepts: an adjoint ``g`` (or a tangent ``t``), the matrix ``a`` (read for its type, real or
complex, and its size) and NumPy's results ``ans``: ``(w, v)`` of ``eig``, ``w`` of ``eigvals``;
stacked matrices (leading batch axes), real or complex, float64 or float32, as NumPy takes them.
Guarantees: the derivative of NumPy's own eigenvectors, not of one of their possible scalings.
LAPACK's ``geev``, which NumPy calls, scales each eigenvector to Euclidean norm 1 and makes its
largest-modulus component (the first of equal ones) real, so the tangent of column ``j`` of ``v``
is determined: ``u_j + c_j v_j`` with ``u = V (F o M)``, ``M = V^-1 dA V``, ``F_ij = 1 / (w_j -
w_i)`` off the diagonal, and the complex ``c_j`` fixed by the two real constraints
``Re(v_j^H dv_j) = 0`` (the norm) and ``Im(dv_kj / v_kj) = 0`` (``k`` the row of that component);
the eigenvalues' tangent is ``diag(M)``. Forward mode computes that map, reverse mode its adjoint
under JAX's convention for complex cotangents (docs/complex.md): a real matrix gets a real
gradient, a real result (a real matrix whose eigenvalues are all real) a real tangent.

Refused (:class:`~srcad.errors.UnsupportedOperationError`, located by the derived function at the
user's line), never a number:

* two eigenvalues numerically repeated: ``|w_i - w_j| <= sqrt(eps) (kappa_i + kappa_j) |A|_F``,
  ``kappa_j`` the condition number of ``w_j`` (the norm of row ``j`` of ``V^-1``: the columns of
  ``V`` have norm 1) and ``eps`` the machine epsilon of the matrix's precision (``sqrt(eps)`` is
  1.5e-8 for float64, 3.5e-4 for float32). The rounding error of ``w_j`` is about ``eps kappa_j
  |A|``, so outside that band the gaps ``w_j - w_i`` (and the derivative, which divides by them)
  are known to about ``sqrt(eps)``; inside it the eigenvalues are not differentiable (repeated) or
  their derivative is not determined by the computed factors (a defective matrix's eigenvalues,
  split by rounding);
* an eigenvector matrix that is singular or not finite (a defective matrix);
* a complex matrix that is a real one times a phase (to ``sqrt(eps)``: a real matrix stored as
  complex, say) with complex eigenvalues: LAPACK's complex routine orders each conjugate pair by a
  tie, and a perturbation reorders NumPy's results (the real routine, which NumPy calls for a real
  matrix, orders them stably);
* where the tangent of an eigenvector that LAPACK rotates to make a component real (every one of
  a complex matrix; those of the complex eigenvalues of a real one) is needed, or a gradient
  reaches it, two components of its largest modulus to ``sqrt(eps)`` relative: LAPACK's choice of
  component could flip under a perturbation, and NumPy's eigenvector jumps by a phase with it.

For a real matrix, LAPACK's real routine only scales a real eigenvector and makes the largest
component of a complex pair's vector real of either sign: the sign of each is what its algorithm's
path gives, and that changes under small perturbations (for random 6 x 6 matrices, a step of 1e-6
flips some eigenvector's sign about one time in seven). NumPy's eigenvectors of a real matrix are
smooth between those flips; the derivative here is that of the piece the matrix lies on.

The second order: the VJPs' derivatives are written out (``eig_adjoint_dans``: forward mode through
each step of :func:`_eig_adjoint`; ``eigvals_adjoint_da`` in closed form).
"""

from __future__ import annotations

import numpy as np

from ._registry import helper
from .broadcasting import _unsupported
from .fft import cotangent_like
from .linalg import mT
from .namespaces import as_array, eye_like

_EIG = "np.linalg.eig"
_EIGVALS = "np.linalg.eigvals"
_VALUES_HINT = ("differentiate a function of the matrix that stays smooth there, or perturb the "
                "matrix; np.linalg.eigh and eigvalsh take a symmetric (Hermitian) one")


def _root_eps(x):
    """sqrt(eps) of the precision of ``x`` (float32 and complex64: 3.5e-4; else 1.5e-8)."""
    dtype = np.result_type(x, np.float32)
    return float(np.sqrt(np.finfo(dtype if np.issubdtype(dtype, np.inexact) else np.float64).eps))


def _like(d, x):
    """The tangent ``d`` of the result ``x``: real where NumPy's result is real."""
    return d if np.iscomplexobj(x) else np.real(d)


def _parts(pair, ans):
    """``(gw, gv)`` (or ``(dw, dv)``) with a None or missing part as zeros, each as the cotangent
    of its result (the real part where that is real)."""
    w, v = ans
    first, second = pair if isinstance(pair, (tuple, list)) else (pair, None)
    first = np.zeros_like(w) if first is None else cotangent_like(as_array(first), w)
    second = np.zeros_like(v) if second is None else cotangent_like(as_array(second), v)
    return first, second


def _inverse(v, what):
    """V^-1; refused where NumPy's eigenvectors do not span (a defective matrix)."""
    try:
        vinv = np.linalg.inv(v)
    except np.linalg.LinAlgError:
        vinv = None
    if vinv is None or not np.all(np.isfinite(vinv)):
        raise _unsupported(f"srcad: the derivative of {what} at a defective matrix (its "
                           "eigenvectors do not span the space) is not defined", _VALUES_HINT)
    return vinv


def _gaps(w, vinv, a, what):
    """F with F_ij = 1 / (w_j - w_i) off the diagonal, 0 on it; refused where two eigenvalues are
    numerically repeated (the module's docstring: ``sqrt(eps) (kappa_i + kappa_j) |A|_F``)."""
    n = w.shape[-1]
    diff = w[..., None, :] - w[..., :, None]
    kappa = np.linalg.norm(vinv, axis=-1)  # (the columns of V have norm 1)
    size = np.linalg.norm(as_array(a), axis=(-2, -1))[..., None, None]
    band = _root_eps(vinv) * (kappa[..., None, :] + kappa[..., :, None]) * size
    eye = eye_like(w, n, bool)
    _refuse_tied_order(a, w, size[..., 0, 0], what)
    if np.any((np.abs(diff) <= band) & ~eye):
        raise _unsupported(f"srcad: the derivative of {what} at repeated (or numerically repeated) "
                           "eigenvalues is not defined (NumPy's eigenvalues and eigenvectors are "
                           "not differentiable there, or not to the precision of the matrix)",
                           _VALUES_HINT)
    return np.where(eye, 0, 1 / np.where(eye, 1, diff))


def _refuse_tied_order(a, w, size, what):
    """Refuse a complex matrix that is a real one times a phase (``e^{i theta} R``: a real matrix
    stored as complex, say) with complex eigenvalues (relative to that phase): they come in pairs
    ``e^{i theta} lambda``, ``e^{i theta} conj(lambda)``, which LAPACK's complex QR iteration
    orders by a tie (its shift is as close to one as to the other), so the order of NumPy's
    eigenvalues, and of its eigenvectors, changes under a perturbation: not differentiable."""
    if not np.iscomplexobj(a) or np.shape(a)[-1] < 2:
        return
    a = as_array(a)
    flat = a.reshape(a.shape[:-2] + (-1,))
    largest = np.take_along_axis(flat, np.argmax(np.abs(flat), axis=-1)[..., None], axis=-1)
    phase = np.exp(-1j * np.angle(largest))  # (..., 1)
    band = _root_eps(a) * size[..., None]
    real = np.max(np.abs(np.imag(flat * phase)), axis=-1, keepdims=True) <= band
    paired = np.abs(np.imag(w * phase)) > band
    if np.any(real & paired):
        raise _unsupported(
            f"srcad: the derivative of {what} of a complex matrix that is a real one times a phase "
            "(a real matrix stored as complex, say) with complex eigenvalues is not defined: they "
            "come in conjugate pairs whose order LAPACK's complex routine sets by a tie, and a "
            "perturbation reorders NumPy's results",
            "pass the real matrix (np.real(a)): NumPy's real routine orders the pairs stably")


def _rotated(a, w):
    """The columns (..., n) whose eigenvector LAPACK rotates to make a component real: all of a
    complex matrix's; of a real one, those of complex eigenvalues (the others are real vectors,
    only scaled)."""
    if np.iscomplexobj(a):
        return np.ones(np.shape(w), dtype=bool)
    return np.imag(w) != 0


def _largest(v, needed, what):
    """``(mask, vk)``: the one-hot mask (..., n, n) of row k_j of each column, its largest-modulus
    component (the first of equal ones, as LAPACK picks it), and that component v[k_j, j]; refused
    where a column of ``needed`` (..., n) has two components of that modulus to sqrt(eps)."""
    n = v.shape[-1]
    if n == 0:  # (an empty matrix: no eigenvectors)
        return np.zeros(v.shape, dtype=bool), np.zeros(v.shape[:-1], v.dtype)
    size = np.abs(v)
    mask = np.arange(n)[:, None] == np.argmax(size, axis=-2)[..., None, :]
    if n > 1 and np.any(needed):
        top = np.max(size, axis=-2)
        second = np.max(np.where(mask, 0, size), axis=-2)
        if np.any(needed & (second >= top * (1 - _root_eps(v)))):
            raise _unsupported(
                f"srcad: the derivative of the eigenvectors of {what} is not defined where one has "
                "two components of the largest modulus (LAPACK makes the first of them real: a "
                "perturbation can make it pick the other, and NumPy's eigenvector changes phase)",
                "perturb the matrix, or use np.linalg.eigvals for the eigenvalues alone")
    return mask, np.sum(np.where(mask, v, 0), axis=-2)


def _normalised(u, v, mask, vk):
    """``u_j + c_j v_j`` with the complex ``c_j`` that keeps |v_j| = 1 and v[k_j, j] real."""
    u = u - v * np.real(np.sum(np.conj(v) * u, axis=-2, keepdims=True))
    return u - 1j * v * np.imag(np.sum(np.where(mask, u, 0), axis=-2, keepdims=True) / vk[..., None, :])


# ---- eig ----------------------------------------------------------------------------------------

@helper(linear_in="t", nonlinear=("a", "ans"))
def eig_tangent(t, a, ans):
    """Tangent of ``np.linalg.eig`` along ``t``: ``(diag(M), V (F o M) + V diag(c))``, ``M = V^-1 t
    V`` and ``c`` the correction that keeps NumPy's normalisation (the module's docstring)."""
    w, v = ans
    vinv = _inverse(v, _EIG)
    f = _gaps(w, vinv, a, _EIG)
    mask, vk = _largest(v, _rotated(a, w), _EIG)
    m = vinv @ t @ v
    dw = np.diagonal(m, axis1=-2, axis2=-1).copy()
    return _like(dw, w), _like(_normalised(v @ (f * m), v, mask, vk), v)


def _eig_adjoint(g, a, ans, t=None):
    """The adjoint of :func:`eig_tangent` applied to ``g`` = (gw, gv), and, for ``t`` = (dw, dv), a
    tangent of ``ans``, its derivative along ``t`` (else None): each step of the adjoint followed by
    its tangent (``d`` + name)."""
    w, v = ans
    gw, gv = _parts(g, ans)
    vinv = _inverse(v, _EIG)
    f = _gaps(w, vinv, a, _EIG)
    # (at a tie, NumPy's eigenvector jumps by a phase: every gradient that reaches it is refused,
    # even one of abs(v), which a first-order test of its phase could not tell from one that is
    # merely stationary there)
    mask, vk = _largest(v, _rotated(a, w) & np.any(gv != 0, axis=-2), _EIG)
    n = w.shape[-1]
    # the phase: dv = dv1 - i v Im(dv1[k] / v_k); its adjoint adds -i Im(sum(gv * v)) / v_k at k
    s = np.sum(gv * v, axis=-2, keepdims=True)
    g1 = gv - 1j * np.where(mask, np.imag(s) / vk[..., None, :], 0)
    # the norm: dv1 = dv0 - v Re(v^H dv0); its adjoint subtracts conj(v) Re(sum(g1 * v))
    s1 = np.sum(g1 * v, axis=-2, keepdims=True)
    g0 = g1 - np.conj(v) * np.real(s1)
    # dv0 = V (F o M), dw = diag(M), M = V^-1 dA V
    middle = f * (mT(v) @ g0) + np.where(eye_like(gw, n, bool), gw[..., None, :], 0)
    ga = cotangent_like(mT(vinv) @ middle @ mT(v), a)
    if t is None:
        return ga, None
    dw, dv = _parts(t, ans)
    ds = np.sum(gv * dv, axis=-2, keepdims=True)
    dvk = np.sum(np.where(mask, dv, 0), axis=-2)[..., None, :]
    vk = vk[..., None, :]
    dg1 = -1j * np.where(mask, np.imag(ds) / vk - np.imag(s) * dvk / vk ** 2, 0)
    ds1 = np.sum(dg1 * v + g1 * dv, axis=-2, keepdims=True)
    dg0 = dg1 - np.conj(dv) * np.real(s1) - np.conj(v) * np.real(ds1)
    df = -f * f * (dw[..., None, :] - dw[..., :, None])
    dmiddle = df * (mT(v) @ g0) + f * (mT(dv) @ g0 + mT(v) @ dg0)
    dvinv = -vinv @ dv @ vinv
    dga = (mT(dvinv) @ middle @ mT(v) + mT(vinv) @ dmiddle @ mT(v)
           + mT(vinv) @ middle @ mT(dv))
    return ga, cotangent_like(dga, a)


@helper(linear_in="g", jvp={"ans": "eig_adjoint_dans(g, a, ans, t)"})
def eig_adjoint(g, a, ans):
    """Adjoint of ``np.linalg.eig``: V^-T (diag(gw) + F o (V^T g0)) V^T, ``g0`` the eigenvectors'
    adjoint ``gv`` through the adjoint of NumPy's normalisation (see :func:`_eig_adjoint`)."""
    return _eig_adjoint(g, a, ans)[0]


@helper
def eig_adjoint_dans(g, a, ans, t):
    """Tangent of ``eig_adjoint(g, a, ans)`` along ``t`` = (dw, dv), a tangent of ``ans``."""
    return _eig_adjoint(g, a, ans, t)[1]


# ---- eigvals ------------------------------------------------------------------------------------

def _vectors(a, ans):
    """``(w, v, vinv, f)``: NumPy's eigenvalues and eigenvectors of ``a`` in the order of ``ans``
    (``np.linalg.eigvals(a)``, the same LAPACK routine without the vectors), ``V^-1`` and F."""
    w, v = np.linalg.eig(a)
    ans = as_array(ans)
    if not np.array_equal(w, ans):  # (the same values in the same order, but for rounding)
        order = np.argmin(np.abs(ans[..., :, None] - w[..., None, :]), axis=-1)
        w = np.take_along_axis(w, order, axis=-1)
        v = np.take_along_axis(v, order[..., None, :], axis=-1)
        size = np.linalg.norm(as_array(a), axis=(-2, -1))[..., None]
        if np.any(np.sort(order, axis=-1) != np.arange(w.shape[-1])) \
                or np.any(np.abs(w - ans) > _root_eps(v) * size):
            raise _unsupported(f"srcad: the derivative of {_EIGVALS} is not defined here (its "
                               "eigenvalues could not be paired with np.linalg.eig's)", _VALUES_HINT)
    vinv = _inverse(v, _EIGVALS)
    return w, v, vinv, _gaps(w, vinv, a, _EIGVALS)


@helper(linear_in="t", nonlinear=("a",))
def eigvals_tangent(t, a, ans):
    """Tangent of ``np.linalg.eigvals`` along ``t``: diag(V^-1 t V)."""
    w, v, vinv, _ = _vectors(a, ans)
    return _like(np.sum(vinv * mT(t @ v), axis=-1), ans)


@helper(linear_in="g", jvp={"a": "eigvals_adjoint_da(g, a, ans, t)"})
def eigvals_adjoint(g, a, ans):
    """Adjoint of ``np.linalg.eigvals``: V^-T diag(g) V^T (its real part for a real matrix)."""
    w, v, vinv, _ = _vectors(a, ans)
    g = cotangent_like(as_array(g), ans)
    return cotangent_like(mT(vinv) @ (g[..., :, None] * mT(v)), a)


@helper
def eigvals_adjoint_da(g, a, ans, t):
    """Tangent of ``eigvals_adjoint(g, a, ans)`` along ``t``, a tangent of ``a``: V^-T ((g_i - g_j)
    (F o M)_ji) V^T, ``M = V^-1 t V`` (the eigenvectors' tangent ``V (F o M)``; a component along
    each eigenvector would cancel: V^-T diag(g) V^T does not depend on their scaling)."""
    w, v, vinv, f = _vectors(a, ans)
    g = cotangent_like(as_array(g), ans)
    inner = (g[..., :, None] - g[..., None, :]) * mT(f * (vinv @ t @ v))
    return cotangent_like(mT(vinv) @ inner @ mT(v), a)
