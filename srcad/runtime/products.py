"""Runtime helpers: the adjoints of products (matmul, dot, tensordot, einsum, outer, kron, inner).

Accepts: an adjoint ``g`` and the primal operands of the product.
Guarantees: the result is shaped like the operand it is the gradient of (summed over the axes it
was broadcast along; a real operand gets a real adjoint, see
:func:`~srcad.runtime.fft.cotangent_like`); stacked matrices (leading batch axes) are handled where
NumPy's function handles them. NumPy's functions, which another library's arrays reach by
dispatch. (Linear algebra: :mod:`srcad.runtime.linalg`.)
"""

from __future__ import annotations

import numpy as np

from ._registry import helper
from .containers import _float_dtype
from .broadcasting import _unsupported, unbroadcast
from .fft import cotangent_like
from .numpy_more_arrays import einsum_without_ellipsis
from .namespaces import as_array, as_float_array, foreign_array


def _sparse(value) -> bool:
    """Is ``value`` a scipy.sparse matrix or array (a constant factor: srcad.passes.foreign)?"""
    return (type(value).__module__ or "").startswith("scipy.sparse")

def _matrix_and_matrix_or_vector(x, y) -> bool:
    """The common cases of ``x @ y``, with a direct formula: (matrix, vector), (vector, matrix),
    (matrix, matrix), both arrays."""
    return type(x) is np.ndarray and type(y) is np.ndarray and x.ndim <= 2 and y.ndim <= 2 \
        and x.ndim + y.ndim >= 3


def _real_pair(g, x, y) -> bool:
    """:func:`_matrix_and_matrix_or_vector`, with ``g`` an array too, and all three real floats."""
    return type(x) is np.ndarray and type(y) is np.ndarray and type(g) is np.ndarray \
        and x.ndim <= 2 and y.ndim <= 2 and x.ndim + y.ndim >= 3 \
        and x.dtype.kind == "f" and y.dtype.kind == "f" and g.dtype.kind == "f"


@helper(linear_in=("g", "y"))
def matmul_dx(g, x, y):
    """Adjoint of ``x @ y`` with respect to ``x`` (vectors, matrices and stacks of matrices). A real ``x`` gets a real
    adjoint (:func:`~srcad.runtime.fft.cotangent_like`)."""
    if _real_pair(g, x, y):  # (the common cases at once: real, so no cotangent_like)
        if y.ndim == 1:               # matrix @ vector
            return np.multiply.outer(g, y)
        if x.ndim == 1:               # vector @ matrix
            return y @ g
        return g @ y.T                # matrix @ matrix
    return cotangent_like(_matmul_dx(g, x, y), x)


def _matmul_dx(g, x, y):
    if _matrix_and_matrix_or_vector(x, y):  # (first: two ndarrays, so neither is sparse)
        if y.ndim == 1:               # matrix @ vector
            return np.multiply.outer(g, y)
        if x.ndim == 1:               # vector @ matrix
            return y @ g
        return g @ y.T                # matrix @ matrix
    if _sparse(x):
        raise _unsupported("srcad: no gradient with respect to a scipy.sparse matrix")
    if _sparse(y):  # (a constant: x @ A)
        return g @ y.T
    x, y, g = as_array(x), as_array(y), as_array(g)
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
    """Adjoint of ``x @ y`` with respect to ``y``. A real ``y`` gets a real
    adjoint (:func:`~srcad.runtime.fft.cotangent_like`)."""
    if _real_pair(g, x, y):  # (the common cases at once, as in matmul_dx)
        if x.ndim == 1:               # vector @ matrix
            return np.multiply.outer(x, g)
        return x.T @ g                # matrix @ vector, matrix @ matrix
    return cotangent_like(_matmul_dy(g, x, y), y)


def _matmul_dy(g, x, y):
    if _matrix_and_matrix_or_vector(x, y):  # (first: two ndarrays, so neither is sparse)
        if x.ndim == 1:               # vector @ matrix
            return np.multiply.outer(x, g)
        return x.T @ g                # matrix @ vector, matrix @ matrix
    if _sparse(y):
        raise _unsupported("srcad: no gradient with respect to a scipy.sparse matrix")
    if _sparse(x):  # (a constant: A @ y)
        return x.T @ g
    x, y, g = as_array(x), as_array(y), as_array(g)
    if x.ndim == 1:
        if y.ndim == 1:
            return g * x
        return unbroadcast(x[:, None] * g[..., None, :], y)
    gm = g[..., :, None] if y.ndim == 1 else g
    result = np.swapaxes(x, -1, -2) @ gm
    if y.ndim == 1:
        result = result[..., 0]
    return unbroadcast(result, y)


@helper(linear_in=("g", "other"))
def vdot_adjoint(g, x, other, conjugated):
    """Adjoint of ``np.vdot(a, b) = sum(conj(a) * b)`` (flattened) for its operand ``x``:
    ``conj(g * b)`` for ``a`` (``conjugated``: vdot conjugates it), ``g * conj(a)`` for ``b``,
    shaped like ``x`` (a real ``x`` gets a real adjoint)."""
    d = np.conj(g * as_array(other)) if conjugated else g * np.conj(other)
    return cotangent_like(np.reshape(d, np.shape(x)), x)


@helper(linear_in=("g", "y"))
def dot_dx(g, x, y):
    """Adjoint of ``np.dot(x, y)`` with respect to ``x``: of a product by a scalar, of a matrix
    product, or (more dimensions) of ``np.tensordot`` over x's last axis and y's second-to-last."""
    if np.ndim(x) == 0 or np.ndim(y) == 0:
        return unbroadcast(g * y, x)
    if np.ndim(x) > 2 or np.ndim(y) > 2:
        return tensordot_da(g, x, y, _dot_axes(x, y))
    return matmul_dx(g, x, y)


@helper(linear_in=("g", "x"))
def dot_dy(g, x, y):
    """Adjoint of ``np.dot(x, y)`` with respect to ``y``."""
    if np.ndim(x) == 0 or np.ndim(y) == 0:
        return unbroadcast(g * x, y)
    if np.ndim(x) > 2 or np.ndim(y) > 2:
        return tensordot_db(g, x, y, _dot_axes(x, y))
    return matmul_dy(g, x, y)


def _dot_axes(x, y):
    """``np.dot(x, y)`` is ``np.tensordot(x, y, axes)``: x's last axis with y's second-to-last
    (its only one for a vector), the result's axes in the same order."""
    return [np.ndim(x) - 1], [max(np.ndim(y) - 2, 0)]


def _tensordot_axes(a, b, axes):
    if isinstance(axes, int):
        return list(range(np.ndim(a) - axes, np.ndim(a))), list(range(axes))
    axes_a, axes_b = axes
    axes_a = [axes_a] if isinstance(axes_a, int) else list(axes_a)
    axes_b = [axes_b] if isinstance(axes_b, int) else list(axes_b)
    return [k % np.ndim(a) for k in axes_a], [k % np.ndim(b) for k in axes_b]


@helper(linear_in=("g", "b"))
def tensordot_da(g, a, b, axes=2):
    """Adjoint of ``np.tensordot(a, b, axes)`` with respect to ``a``. A real ``a`` gets a real
    adjoint (:func:`~srcad.runtime.fft.cotangent_like`)."""
    return cotangent_like(_tensordot_da(g, a, b, axes), a)


def _tensordot_da(g, a, b, axes=2):
    axes_a, axes_b = _tensordot_axes(a, b, axes)
    free_a = [k for k in range(np.ndim(a)) if k not in axes_a]
    free_b = [k for k in range(np.ndim(b)) if k not in axes_b]
    g_b_axes = list(range(len(free_a), len(free_a) + len(free_b)))
    result = np.tensordot(g, b, axes=(g_b_axes, free_b))  # axes: free_a, then b's contracted axes
    order = free_a + [axes_a[axes_b.index(k)] for k in sorted(axes_b)]
    return np.transpose(result, tuple(np.argsort(order).tolist()))


@helper(linear_in=("g", "a"))
def tensordot_db(g, a, b, axes=2):
    """Adjoint of ``np.tensordot(a, b, axes)`` with respect to ``b``. A real ``b`` gets a real
    adjoint (:func:`~srcad.runtime.fft.cotangent_like`)."""
    return cotangent_like(_tensordot_db(g, a, b, axes), b)


def _tensordot_db(g, a, b, axes=2):
    axes_a, axes_b = _tensordot_axes(a, b, axes)
    free_a = [k for k in range(np.ndim(a)) if k not in axes_a]
    free_b = [k for k in range(np.ndim(b)) if k not in axes_b]
    g_a_axes = list(range(len(free_a)))
    result = np.tensordot(a, g, axes=(free_a, g_a_axes))  # axes: a's contracted axes, then free_b
    order = [axes_b[axes_a.index(k)] for k in sorted(axes_a)] + free_b
    return np.transpose(result, tuple(np.argsort(order).tolist()))


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


@helper(linear_in="g", jvp={"operands": "einsum_adjoint_tangent(g, subscripts, operands, k, t)",
                            "subscripts": "einsum_adjoint_tangent(g, subscripts, operands, k, "
                                          "None, t)"})
def einsum_adjoint(g, subscripts, operands, k):
    """Adjoint of ``np.einsum(subscripts, *operands)`` with respect to ``operands[k]``
    (``k == -1``: ``subscripts``, an array in the sublist form); real for a real operand
    (:func:`~srcad.runtime.fft.cotangent_like`)."""
    return cotangent_like(_einsum_adjoint(g, subscripts, operands, k),
                          subscripts if k == -1 else operands[k])


def _einsum_adjoint(g, subscripts, operands, k):
    subscripts, operands, k = einsum_normal(subscripts, operands, k)
    inputs, output = _einsum_parts(subscripts, operands)
    target = inputs[k]
    shape = np.shape(operands[k])
    if len(set(target)) != len(target):
        # a repeated index takes a diagonal: differentiate with respect to the diagonal, then
        # write that onto the diagonal of zeros (einsum gives a writeable view of it)
        unique = "".join(dict.fromkeys(target))
        sizes = {c: n for c, n in zip(target, shape)}
        diagonal = np.einsum(f"{target}->{unique}", as_array(operands[k]))
        reduced_inputs = inputs[:k] + [unique] + inputs[k + 1:]
        spec = ",".join(reduced_inputs) + "->" + output
        part = einsum_adjoint(g, spec, list(operands[:k]) + [diagonal] + list(operands[k + 1:]), k)
        if foreign_array(part) or foreign_array(operands[k]):
            return _on_the_diagonal(part, target, unique, sizes, _float_dtype(operands[k], g))
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


def _on_the_diagonal(part, target, unique, sizes, dtype):
    """``part`` (axes ``unique``) on the diagonal of zeros with axes ``target`` (letters repeated),
    in ``part``'s library, nothing written in place: kept where the repeated axes' positions are
    equal (``np.where``: an infinity stays on the diagonal, where a 0/1 product would spread NaN)."""
    dims = [sizes[c] for c in target]
    first = {c: target.index(c) for c in unique}
    grids = np.indices(dims, sparse=True)
    mask = np.ones([1] * len(dims), dtype=bool)
    for i, c in enumerate(target):
        if i != first[c]:
            mask = mask & (grids[i] == grids[first[c]])
    expanded = np.reshape(part, [sizes[c] if i == first[c] else 1 for i, c in enumerate(target)])
    mask = as_array(np.broadcast_to(mask, dims), like=expanded)
    return as_float_array(np.where(mask, expanded, 0), dtype)


@helper(linear_in=("g", "b"))
def outer_da(g, a, b):
    """Adjoint of ``np.outer`` with respect to ``a``. A real ``a`` gets a real
    adjoint (:func:`~srcad.runtime.fft.cotangent_like`)."""
    return cotangent_like(_outer_da(g, a, b), a)


def _outer_da(g, a, b):
    return np.reshape(as_array(g) @ np.ravel(b), np.shape(a))


@helper(linear_in=("g", "a"))
def outer_db(g, a, b):
    """Adjoint of ``np.outer`` with respect to ``b``. A real ``b`` gets a real
    adjoint (:func:`~srcad.runtime.fft.cotangent_like`)."""
    return cotangent_like(_outer_db(g, a, b), b)


def _outer_db(g, a, b):
    return np.reshape(np.ravel(a) @ as_array(g), np.shape(b))


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
    """Adjoint of ``np.kron(a, b)`` with respect to ``a``. A real ``a`` gets a real
    adjoint (:func:`~srcad.runtime.fft.cotangent_like`)."""
    return cotangent_like(_kron_da(g, a, b), a)


def _kron_da(g, a, b):
    blocks, _, b_, a_idx, b_idx, g_idx = _kron_blocks(g, a, b)
    return np.reshape(np.einsum(f"{g_idx},{b_idx}->{a_idx}", blocks, b_), np.shape(a))


@helper(linear_in=("g", "a"))
def kron_db(g, a, b):
    """Adjoint of ``np.kron(a, b)`` with respect to ``b``. A real ``b`` gets a real
    adjoint (:func:`~srcad.runtime.fft.cotangent_like`)."""
    return cotangent_like(_kron_db(g, a, b), b)


def _kron_db(g, a, b):
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
