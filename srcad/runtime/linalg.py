"""Runtime helpers: the adjoints of linear algebra (inverse, determinants, solve, Cholesky, eigh,
pinv; diagonal and trace). (Products -- matmul, dot, tensordot, einsum, outer, kron, inner: :mod:`.products`.)

Accepts: an adjoint ``g`` and the primal operands (and results) of the product or factorization.
Guarantees: the result is shaped like the operand it is the gradient of; stacked matrices (leading
batch axes) are handled where NumPy's function handles them. NumPy's functions, which another
library's arrays (Dask's, CuPy's) reach by dispatch; the constants they need (identities, the
diagonal's positions) are made in the operands' library (:mod:`.namespaces`).
"""

from __future__ import annotations

import numpy as np

from ._registry import helper
from .containers import _float_dtype
from .broadcasting import _unsupported, refuse_complex, refuse_complex_vectors, unbroadcast
from .namespaces import (as_array, as_float_array, eye_like, foreign_array, namespace, numpy_dtype,
                         refuse_other_library, scatters, summed_at)
from .fft import cotangent_like


@helper(linear_in="x")
def mT(x):
    """The transpose of the last two axes (a stack of matrices)."""
    return np.swapaxes(x, -1, -2)


@helper(linear_in="g", jvp={"a": "det_adjoint_da(g, a, ans, t)", "ans": "det_adjoint_dans(g, a, t)"})
def det_adjoint(g, a, ans):
    """Adjoint of ``np.linalg.det``: g adj(a)^T, which is g det(a) inv(a)^T where ``a`` is
    invertible and still finite where it is singular (the adjugate, from an SVD)."""
    g, ans = as_array(g), as_array(ans)
    try:
        inverse = np.linalg.inv(a)
    except np.linalg.LinAlgError:
        return g[..., None, None] * mT(adjugate(a))
    if foreign_array(inverse) and not bool(np.all(np.isfinite(inverse))):
        return g[..., None, None] * mT(adjugate(a))  # (CuPy's inv of a singular matrix: inf, NaN)
    return (g * ans)[..., None, None] * mT(inverse)


def adjugate(a):
    """The adjugate of (a stack of) square matrices, singular ones included: with a = U S V^T,
    adj(a) = det(U) det(V) V adj(S) U^T, adj(S) the diagonal of the products of the other
    singular values."""
    a = as_float_array(a, _float_dtype(a))
    u, s, vt = np.linalg.svd(a)
    n = s.shape[-1]
    others = np.stack([np.prod(np.concatenate([s[..., :i], s[..., i + 1:]], axis=-1), axis=-1)
                       for i in range(n)], axis=-1) if n > 1 else np.ones_like(s)
    sign = np.linalg.det(u) * np.linalg.det(vt)
    return sign[..., None, None] * (mT(vt) * others[..., None, :]) @ mT(u)


@helper(linear_in="g", jvp={"a": "slogdet_adjoint_da(g, a, t)"})
def slogdet_adjoint(g, a):
    """Adjoint of ``np.linalg.slogdet`` (only the log-determinant carries a gradient)."""
    refuse_complex(a, "the log-determinant")
    glog = as_array(g[1])
    return glog[..., None, None] * mT(np.linalg.inv(a))


def solve_vectors(b) -> bool:
    """Does ``np.linalg.solve(a, b)`` read ``b`` as a vector (or, under a stack of matrices, a
    vector for each)? NumPy 2: where ``b`` has one dimension."""
    return np.ndim(b) == 1


def solve_matmul(m, x, b):
    """``m @ x``, ``x`` a solution (or right-hand side) of ``np.linalg.solve(a, b)``."""
    if solve_vectors(b):
        return (m @ as_array(x)[..., None])[..., 0]
    return m @ x


def solve_outer(gb, x, b):
    """``-gb x^T``, over the columns (or the vectors, where ``b`` is one) of a solve."""
    if solve_vectors(b):
        return -as_array(gb)[..., :, None] * as_array(x)[..., None, :]
    return -gb @ mT(x)


def solve_transposed(a, g, b):
    """a^-T g, g shaped like a solution of ``np.linalg.solve(a, b)`` (stacked, not summed)."""
    if solve_vectors(b):
        return np.linalg.solve(mT(a), as_array(g)[..., None])[..., 0]
    return np.linalg.solve(mT(a), g)


@helper(linear_in="g", jvp={"a": "solve_da_da(g, a, b, ans, t)", "ans": "solve_da_dans(g, a, b, t)"})
def solve_da(g, a, b, ans):
    """Adjoint of ``np.linalg.solve(a, b)`` with respect to ``a``: -a^-T g x^T (summed over the
    stack axes ``a`` was broadcast along; a real ``a`` gets a real adjoint, see
    :func:`~srcad.runtime.fft.cotangent_like`)."""
    return cotangent_like(unbroadcast(solve_outer(solve_transposed(a, g, b), ans, b), a), a)


@helper(linear_in="g", jvp={"a": "solve_db_da(g, a, b, ans, t)"})
def solve_db(g, a, b, ans):
    """Adjoint of ``np.linalg.solve(a, b)`` with respect to ``b``: a^-T g (summed over the stack
    axes ``b`` was broadcast along; a real ``b`` gets a real adjoint)."""
    return cotangent_like(unbroadcast(solve_transposed(a, g, b), b), b)


@helper(linear_in="t", nonlinear=("a", "ans"))
def solve_tangent(t, a, b, ans):
    """Tangent of ``np.linalg.solve(a, b)`` along ``t``, a tangent of ``a``: -a^-1 t x."""
    if solve_vectors(b):
        return -np.linalg.solve(a, solve_matmul(t, ans, b)[..., None])[..., 0]
    return -np.linalg.solve(a, t @ ans)


@helper(linear_in="g", jvp={"ans": "cholesky_adjoint_dl(g, ans, t)"})
def cholesky_adjoint(g, ans):
    """Adjoint of ``np.linalg.cholesky`` (``ans`` = L), as a symmetric matrix: the gradient with
    respect to a symmetric ``a`` (NumPy reads only its lower triangle). Murray (2016)."""
    refuse_other_library(ans, "np.linalg.cholesky", "Dask's returns the upper factor",
                         only="dask")
    L = ans
    refuse_complex(L, "the Cholesky factor")
    n = L.shape[-1]
    phi = mT(L) @ g
    phi = np.tril(phi) / (1 + eye_like(phi, n, phi.dtype))
    s = np.linalg.solve(mT(L), mT(np.linalg.solve(mT(L), mT(phi))))
    return (s + mT(s)) / 2


def inverse_gaps(w, coupling, what):
    """F with F_ij = 1 / (w_j - w_i) off the diagonal, 0 on it. Where w_i and w_j are repeated
    (equal to 1e-10 of the largest) the entry is 0 if ``coupling`` (an array like F) is zero there
    (to 1e-9 of its largest entry), and the call is refused otherwise. The callers choose the
    coupling so that a 0 there is exact, never a guess at a limit 0/0: the adjoint columns of the
    repeated values' vectors (a function of them would depend on the arbitrary basis of their
    subspace), the differences of weights of repeated values, or 1 (always refused)."""
    w = as_array(w)
    w = w.astype(_float_dtype(w), copy=False)  # (float32 stays float32)
    n = w.shape[-1]
    diff = w[..., None, :] - w[..., :, None]
    scale = np.max(np.abs(w), axis=-1, keepdims=True)[..., None] if n else 0.0
    eye = eye_like(w, n, bool)
    repeated = (np.abs(diff) <= 1e-10 * np.maximum(scale, 1e-300)) & ~eye
    if np.any(repeated):
        c = np.abs(np.broadcast_to(as_float_array(coupling, np.float64), diff.shape))
        if np.any(c[repeated] > 1e-9 * max(float(np.max(c)), 1e-300)):
            raise _unsupported(
                f"srcad: the derivative of {what} at repeated values is not defined (it depends "
                "on the choice of basis of their subspace); perturb the matrix, or differentiate "
                "a function of it that does not depend on that basis")
    return np.where(repeated | eye, 0, 1 / np.where(repeated | eye, 1, diff))


def column_coupling(*adjoints):
    """c_ij = the size of the columns i and j of the adjoints of a factorization's vectors (None:
    zero): where it is 0 the result does not depend on those vectors at all."""
    sizes = sum(np.sum(np.abs(x), axis=-2) for x in adjoints if x is not None)
    sizes = as_float_array(sizes, np.float64)
    return sizes[..., None, :] + sizes[..., :, None] if sizes.ndim else sizes


@helper(linear_in="g", jvp={"ans": "eigh_adjoint_dans(g, ans, t)"})
def eigh_adjoint(g, ans):
    """Adjoint of ``np.linalg.eigh``, symmetric like the input; at repeated eigenvalues, see
    :func:`inverse_gaps`."""
    w, v = ans
    refuse_complex_vectors(v, "the eigendecomposition")
    gw, gv = g
    gw = np.zeros_like(w) if gw is None else as_array(gw)
    inner = np.zeros_like(v) if gv is None else mT(v) @ gv
    off = inverse_gaps(w, column_coupling(gv), "np.linalg.eigh (its eigenvectors)")
    middle = off * inner
    middle = middle + eye_like(w, w.shape[-1], w.dtype) * gw[..., None, :]
    result = v @ middle @ mT(v)
    return (result + mT(result)) / 2


@helper(linear_in="g", jvp={"a": "pinv_adjoint_da(g, a, ans, t)",
                            "ans": "pinv_adjoint_dans(g, a, ans, t)"})
def pinv_adjoint(g, a, ans):
    """Adjoint of ``np.linalg.pinv`` (for a matrix of constant rank; Golub and Pereyra)."""
    p = ans
    a = as_array(a)
    refuse_complex(a, "the pseudo-inverse")
    eye_m = eye_like(p, a.shape[-2], p.dtype)
    eye_n = eye_like(p, a.shape[-1], p.dtype)
    gt = mT(g)
    return (-mT(p) @ g @ mT(p) + (eye_m - a @ p) @ gt @ p @ mT(p)
            + mT(p) @ p @ gt @ (eye_n - p @ a))


def _diagonal_index(shape, offset, axis1, axis2):
    """Index arrays selecting the ``offset`` diagonal of axes (axis1, axis2) moved to the end."""
    n, m = shape[axis1], shape[axis2]
    length = max(0, min(n - max(-offset, 0), m - max(offset, 0)))
    k = np.arange(length)
    return k + max(-offset, 0), k + max(offset, 0)


def _undiagonal_lazily(g, a, offset, axis1, axis2):
    """:func:`undiagonal` for another library's arrays, with their own operations (nothing
    computed): ``g``'s entries spread on the diagonal by a constant 0/1 array (:func:`summed_at`)."""
    shape = tuple(np.shape(a))
    axis1, axis2 = axis1 % len(shape), axis2 % len(shape)
    rows, cols = _diagonal_index(shape, offset, axis1, axis2)
    kind = (numpy_dtype(g) if foreign_array(g) else as_array(g).dtype)
    kind = kind if kind.kind in "fc" else np.dtype(np.float64)
    if scatters(g):  # (CuPy: written on the device, each position of the diagonal once)
        xp = namespace(g)
        other = tuple(n for k, n in enumerate(shape) if k not in (axis1, axis2))
        result = xp.zeros(other + (shape[axis1], shape[axis2]), dtype=getattr(xp, kind.name))
        result[..., xp.asarray(rows), xp.asarray(cols)] = g
        return np.moveaxis(result, (-2, -1), (axis1, axis2))
    ones = np.zeros((len(rows), shape[axis1], shape[axis2]),
                    dtype=kind if kind.kind in "fc" else np.float64)
    ones[np.arange(len(rows)), rows, cols] = 1
    moved = summed_at(g, ones, np.ndim(g) - 1)  # (a's other axes..., n, m)
    return np.moveaxis(moved, (-2, -1), (axis1, axis2))


@helper(linear_in="g")
def undiagonal(g, a, offset=0, axis1=0, axis2=1):
    """Adjoint of ``np.diagonal``: ``g`` written back on the diagonal of zeros shaped like ``a``."""
    if foreign_array(g) or foreign_array(a):
        return _undiagonal_lazily(g, a, offset, axis1, axis2)
    a = as_array(a)
    axis1, axis2 = axis1 % a.ndim, axis2 % a.ndim
    result = np.zeros(a.shape, dtype=_float_dtype(a, g))
    moved = np.moveaxis(result, (axis1, axis2), (-2, -1))  # a view: writes land in result
    rows, cols = _diagonal_index(a.shape, offset, axis1, axis2)
    moved[..., rows, cols] = g
    return result


@helper(linear_in="g")
def untrace(g, a, offset=0, axis1=0, axis2=1):
    """Adjoint of ``np.trace``."""
    a = as_array(a)
    rows, _ = _diagonal_index(a.shape, offset, axis1 % a.ndim, axis2 % a.ndim)
    return undiagonal(np.repeat(as_array(g)[..., None], len(rows), axis=-1), a, offset, axis1, axis2)
