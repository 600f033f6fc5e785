"""Runtime helpers: the adjoints of products (matmul, dot, tensordot, einsum, outer, kron, inner)
and of linear algebra (inverse, determinants, solve, Cholesky, eigh, pinv).

Accepts: an adjoint ``g`` and the primal operands (and results) of the product or factorization.
Guarantees: the result is shaped like the operand it is the gradient of; stacked matrices (leading
batch axes) are handled where NumPy's function handles them. Plain NumPy only.
"""

from __future__ import annotations

import numpy as np

from ._registry import helper
from .containers import _float_dtype
from .broadcasting import _unsupported, unbroadcast
from .numpy_more_arrays import einsum_without_ellipsis


def _matrix_and_matrix_or_vector(x, y) -> bool:
    """The common cases of ``x @ y``, with a direct formula: (matrix, vector), (vector, matrix),
    (matrix, matrix), both arrays."""
    return type(x) is np.ndarray and type(y) is np.ndarray and x.ndim <= 2 and y.ndim <= 2 \
        and x.ndim + y.ndim >= 3


@helper(linear_in=("g", "y"))
def matmul_dx(g, x, y):
    """Adjoint of ``x @ y`` with respect to ``x`` (vectors, matrices and stacks of matrices)."""
    if _matrix_and_matrix_or_vector(x, y):
        if y.ndim == 1:               # matrix @ vector
            return np.outer(g, y)
        if x.ndim == 1:               # vector @ matrix
            return y @ g
        return g @ y.T                # matrix @ matrix
    x, y, g = np.asarray(x), np.asarray(y), np.asarray(g)
    if y.ndim == 1:
        if x.ndim == 1:  # inner product: g is a scalar
            return g * y
        return unbroadcast(g[..., None] * y, x)
    gm = g[..., None, :] if x.ndim == 1 else g
    result = gm @ np.swapaxes(y, -1, -2)
    if x.ndim == 1:
        result = result[..., 0, :]
    return unbroadcast(result, x)


@helper(linear_in=("g", "x"))
def matmul_dy(g, x, y):
    """Adjoint of ``x @ y`` with respect to ``y``."""
    if _matrix_and_matrix_or_vector(x, y):
        if x.ndim == 1:               # vector @ matrix
            return np.outer(x, g)
        return x.T @ g                # matrix @ vector, matrix @ matrix
    x, y, g = np.asarray(x), np.asarray(y), np.asarray(g)
    if x.ndim == 1:
        if y.ndim == 1:
            return g * x
        return unbroadcast(x[:, None] * g[..., None, :], y)
    gm = g[..., :, None] if y.ndim == 1 else g
    result = np.swapaxes(x, -1, -2) @ gm
    if y.ndim == 1:
        result = result[..., 0]
    return unbroadcast(result, y)


@helper(linear_in=("g", "y"))
def dot_dx(g, x, y):
    """Adjoint of ``np.dot(x, y)`` with respect to ``x`` (scalars, vectors and matrices)."""
    if np.ndim(x) == 0 or np.ndim(y) == 0:
        return unbroadcast(g * y, x)
    _check_dot(x, y)
    return matmul_dx(g, x, y)


@helper(linear_in=("g", "x"))
def dot_dy(g, x, y):
    """Adjoint of ``np.dot(x, y)`` with respect to ``y``."""
    if np.ndim(x) == 0 or np.ndim(y) == 0:
        return unbroadcast(g * x, y)
    _check_dot(x, y)
    return matmul_dy(g, x, y)


def _check_dot(x, y):
    if np.ndim(x) > 2 or np.ndim(y) > 2:
        raise _unsupported(
            "srcad: the gradient of np.dot is implemented for scalars, vectors and matrices; "
            "use np.matmul or np.tensordot for arrays of more dimensions")


def _tensordot_axes(a, b, axes):
    if isinstance(axes, int):
        return list(range(np.ndim(a) - axes, np.ndim(a))), list(range(axes))
    axes_a, axes_b = axes
    axes_a = [axes_a] if isinstance(axes_a, int) else list(axes_a)
    axes_b = [axes_b] if isinstance(axes_b, int) else list(axes_b)
    return [k % np.ndim(a) for k in axes_a], [k % np.ndim(b) for k in axes_b]


@helper(linear_in=("g", "b"))
def tensordot_da(g, a, b, axes=2):
    """Adjoint of ``np.tensordot(a, b, axes)`` with respect to ``a``."""
    axes_a, axes_b = _tensordot_axes(a, b, axes)
    free_a = [k for k in range(np.ndim(a)) if k not in axes_a]
    free_b = [k for k in range(np.ndim(b)) if k not in axes_b]
    g_b_axes = list(range(len(free_a), len(free_a) + len(free_b)))
    result = np.tensordot(g, b, axes=(g_b_axes, free_b))  # axes: free_a, then b's contracted axes
    order = free_a + [axes_a[axes_b.index(k)] for k in sorted(axes_b)]
    return np.transpose(result, np.argsort(order))


@helper(linear_in=("g", "a"))
def tensordot_db(g, a, b, axes=2):
    """Adjoint of ``np.tensordot(a, b, axes)`` with respect to ``b``."""
    axes_a, axes_b = _tensordot_axes(a, b, axes)
    free_a = [k for k in range(np.ndim(a)) if k not in axes_a]
    free_b = [k for k in range(np.ndim(b)) if k not in axes_b]
    g_a_axes = list(range(len(free_a)))
    result = np.tensordot(a, g, axes=(free_a, g_a_axes))  # axes: a's contracted axes, then free_b
    order = [axes_b[axes_a.index(k)] for k in sorted(axes_a)] + free_b
    return np.transpose(result, np.argsort(order))


def _sublist_letters(sublist) -> str:
    return "".join("..." if i is Ellipsis else "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"[i]
                   for i in sublist)


def einsum_normal(subscripts, operands, k):
    """``(spec, arrays, j)``: ``np.einsum(subscripts, *operands)`` in its string form, and the
    index among ``arrays`` of the argument that is ``operands[k]`` (``k == -1``: ``subscripts``).
    The sublist form ``np.einsum(x, [0, 1], y, [1, 2], [0, 2])`` has its arrays at the even
    positions of the whole argument list; it is rewritten with letters."""
    if isinstance(subscripts, str):
        return subscripts, tuple(operands), k
    args = (subscripts, *operands)
    arrays, sublists = args[0::2], args[1::2]
    if len(arrays) > len(sublists):  # an output sublist given: it sat at an even position
        arrays, output = arrays[:-1], "->" + _sublist_letters(arrays[-1])
    else:
        output = ""
    spec = ",".join(_sublist_letters(s) for s in sublists) + output
    return spec, arrays, (k + 1) // 2


def _einsum_parts(subscripts, operands):
    subscripts = subscripts.replace(" ", "")
    if "." in subscripts:  # '...': letters of its own for each axis it stands for
        subscripts = einsum_without_ellipsis(subscripts, operands)
    if "->" in subscripts:
        inputs, output = subscripts.split("->")
    else:
        inputs = subscripts
        letters = inputs.replace(",", "")
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    return inputs.split(","), output


@helper(linear_in="g", jvp={"operands": "einsum_adjoint_tangent(g, subscripts, operands, k, t)"},
        nonlinear=("subscripts",))
def einsum_adjoint(g, subscripts, operands, k):
    """Adjoint of ``np.einsum(subscripts, *operands)`` with respect to ``operands[k]``
    (``k == -1``: ``subscripts``, an array in the sublist form)."""
    subscripts, operands, k = einsum_normal(subscripts, operands, k)
    inputs, output = _einsum_parts(subscripts, operands)
    target = inputs[k]
    shape = np.shape(operands[k])
    if len(set(target)) != len(target):
        # a repeated index takes a diagonal: differentiate with respect to the diagonal, then
        # write that onto the diagonal of zeros (einsum gives a writeable view of it)
        unique = "".join(dict.fromkeys(target))
        sizes = {c: n for c, n in zip(target, shape)}
        diagonal = np.einsum(f"{target}->{unique}", np.asarray(operands[k]))
        reduced_inputs = inputs[:k] + [unique] + inputs[k + 1:]
        spec = ",".join(reduced_inputs) + "->" + output
        part = einsum_adjoint(g, spec, list(operands[:k]) + [diagonal] + list(operands[k + 1:]), k)
        result = np.zeros(shape, dtype=_float_dtype(operands[k], g))
        np.einsum(f"{target}->{unique}", result)[...] = np.reshape(part, [sizes[c] for c in unique])
        return result
    others = [(s, op) for j, (s, op) in enumerate(zip(inputs, operands)) if j != k]
    available = set(output) | {c for s, _ in others for c in s}
    kept = "".join(c for c in target if c in available)
    spec = ",".join([output] + [s for s, _ in others]) + "->" + kept
    result = np.einsum(spec, g, *[op for _, op in others])
    # indices summed in this operand alone: the gradient is constant along them
    expanded = np.reshape(result, [shape[i] if c in available else 1 for i, c in enumerate(target)])
    return np.broadcast_to(expanded, shape).copy()


@helper(linear_in=("g", "b"))
def outer_da(g, a, b):
    return np.reshape(np.asarray(g) @ np.ravel(b), np.shape(a))


@helper(linear_in=("g", "a"))
def outer_db(g, a, b):
    return np.reshape(np.ravel(a) @ np.asarray(g), np.shape(b))


def _kron_blocks(g, a, b):
    """``g`` of ``np.kron(a, b)`` as blocks ``(a_0, b_0, a_1, b_1, ...)``, and einsum letters; the
    operand of fewer dimensions has ones prepended, as ``np.kron`` does (callers reshape back)."""
    ndim = max(np.ndim(a), np.ndim(b))
    a = np.reshape(a, (1,) * (ndim - np.ndim(a)) + np.shape(a))
    b = np.reshape(b, (1,) * (ndim - np.ndim(b)) + np.shape(b))
    blocks = np.reshape(g, [n for pair in zip(np.shape(a), np.shape(b)) for n in pair])
    letters = "abcdefghij"
    a_idx, b_idx = letters[:np.ndim(a)], letters[np.ndim(a):2 * np.ndim(a)]
    return blocks, a, b, a_idx, b_idx, "".join(x + y for x, y in zip(a_idx, b_idx))


@helper(linear_in=("g", "b"))
def kron_da(g, a, b):
    """Adjoint of ``np.kron(a, b)`` with respect to ``a``."""
    blocks, _, b_, a_idx, b_idx, g_idx = _kron_blocks(g, a, b)
    return np.reshape(np.einsum(f"{g_idx},{b_idx}->{a_idx}", blocks, b_), np.shape(a))


@helper(linear_in=("g", "a"))
def kron_db(g, a, b):
    """Adjoint of ``np.kron(a, b)`` with respect to ``b``."""
    blocks, a_, _, a_idx, b_idx, g_idx = _kron_blocks(g, a, b)
    return np.reshape(np.einsum(f"{g_idx},{a_idx}->{b_idx}", blocks, a_), np.shape(b))


@helper(linear_in=("g", "b"))
def inner_da(g, a, b):
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * b, a)
    return tensordot_da(g, a, b, (-1, -1))


@helper(linear_in=("g", "a"))
def inner_db(g, a, b):
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * a, b)
    return tensordot_db(g, a, b, (-1, -1))


@helper(linear_in="x")
def mT(x):
    """The transpose of the last two axes (a stack of matrices)."""
    return np.swapaxes(x, -1, -2)


@helper(linear_in="g", nonlinear=("a", "ans"))
def det_adjoint(g, a, ans):
    """Adjoint of ``np.linalg.det``: g adj(a)^T, which is g det(a) inv(a)^T where ``a`` is
    invertible and still finite where it is singular (the adjugate, from an SVD)."""
    g, ans = np.asarray(g), np.asarray(ans)
    try:
        return (g * ans)[..., None, None] * mT(np.linalg.inv(a))
    except np.linalg.LinAlgError:
        return g[..., None, None] * mT(adjugate(a))


def adjugate(a):
    """The adjugate of (a stack of) square matrices, singular ones included: with a = U S V^T,
    adj(a) = det(U) det(V) V adj(S) U^T, adj(S) the diagonal of the products of the other
    singular values."""
    a = np.asarray(a, dtype=_float_dtype(a))
    u, s, vt = np.linalg.svd(a)
    n = s.shape[-1]
    others = np.stack([np.prod(np.delete(s, i, axis=-1), axis=-1) for i in range(n)], axis=-1) \
        if n > 1 else np.ones_like(s)
    sign = np.linalg.det(u) * np.linalg.det(vt)
    return sign[..., None, None] * (mT(vt) * others[..., None, :]) @ mT(u)


@helper(linear_in="g", nonlinear=("a",))
def slogdet_adjoint(g, a):
    """Adjoint of ``np.linalg.slogdet`` (only the log-determinant carries a gradient)."""
    glog = np.asarray(g[1])
    return glog[..., None, None] * mT(np.linalg.inv(a))


@helper(linear_in="g", nonlinear=("a", "b", "ans"))
def solve_da(g, a, b, ans):
    """Adjoint of ``np.linalg.solve(a, b)`` with respect to ``a``."""
    gb = solve_db(g, a, b, ans)
    if np.ndim(b) == 1:
        return -np.multiply.outer(gb, ans) if np.ndim(a) == 2 else -gb[..., :, None] * ans[..., None, :]
    return -gb @ mT(ans)


@helper(linear_in="g", nonlinear=("a", "b", "ans"))
def solve_db(g, a, b, ans):
    """Adjoint of ``np.linalg.solve(a, b)`` with respect to ``b``: solve(a^T, g)."""
    if np.ndim(b) == 1:
        return np.linalg.solve(mT(a), np.asarray(g)[..., None])[..., 0]
    return np.linalg.solve(mT(a), g)


@helper(linear_in="g", nonlinear=("ans",))
def cholesky_adjoint(g, ans):
    """Adjoint of ``np.linalg.cholesky`` (``ans`` = L), as a symmetric matrix: the gradient with
    respect to a symmetric ``a`` (NumPy reads only its lower triangle). Murray (2016)."""
    L = ans
    n = L.shape[-1]
    phi = mT(L) @ g
    phi = np.tril(phi) / (1 + np.eye(n))
    s = np.linalg.solve(mT(L), mT(np.linalg.solve(mT(L), mT(phi))))
    return (s + mT(s)) / 2


@helper(linear_in="g", nonlinear=("ans",))
def eigh_adjoint(g, ans):
    """Adjoint of ``np.linalg.eigh`` (distinct eigenvalues), symmetric like the input."""
    w, v = ans
    gw, gv = g
    gw = np.zeros_like(w) if gw is None else np.asarray(gw)
    inner = np.zeros(np.shape(v)) if gv is None else mT(v) @ gv
    diff = w[..., None, :] - w[..., :, None]
    off = np.where(np.eye(w.shape[-1], dtype=bool), 0, 1 / np.where(diff == 0, 1, diff))
    middle = off * inner
    middle = middle + np.eye(w.shape[-1]) * gw[..., None, :]
    result = v @ middle @ mT(v)
    return (result + mT(result)) / 2


@helper(linear_in="g", nonlinear=("a", "ans"))
def pinv_adjoint(g, a, ans):
    """Adjoint of ``np.linalg.pinv`` (for a matrix of constant rank; Golub and Pereyra)."""
    p = ans
    a = np.asarray(a)
    eye_m = np.eye(a.shape[-2])
    eye_n = np.eye(a.shape[-1])
    gt = mT(g)
    return (-mT(p) @ g @ mT(p) + (eye_m - a @ p) @ gt @ p @ mT(p)
            + mT(p) @ p @ gt @ (eye_n - p @ a))
