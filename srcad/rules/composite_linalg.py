"""Composite rules (:mod:`srcad.rules.composites`), linear algebra and products: the Array API
functions of ``np.linalg`` (``outer``, ``cross``, ``diagonal``, ``trace``, ``matrix_transpose``,
``vector_norm``, ``matrix_norm``, ``vecdot``, ``svdvals``), ``np.linalg.multi_dot``, ``cond``,
``tensorinv``, ``tensorsolve``, and ``np.vecdot``, ``np.matvec``, ``np.vecmat``,
``np.matrix_transpose``; ``np.linalg.matmul`` and ``np.linalg.tensordot`` share the rules of
``np.matmul`` and ``np.tensordot`` (:mod:`srcad.rules.linalg`).

Accepts: nothing; importing registers the entries.
Guarantees: as :mod:`srcad.rules.composite_stats`: each function computes what NumPy's computes
(NumPy's source, ``numpy/linalg/_linalg.py``, followed), with the same errors for arguments NumPy
refuses; the ufuncs ``np.vecdot``, ``np.matvec``, ``np.vecmat`` take their operands and ``axis=``
(``vecdot``) only, and agree with NumPy's loops to rounding (a sum of products).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

from .composites import defcomposite, internal


def chain_order(shapes):
    """The split points NumPy's ``multi_dot`` multiplies a chain of matrices of ``shapes`` by
    (its ``_multi_dot_matrix_chain_order``: the cheapest order, the first split of equal cost)."""
    n = len(shapes)
    p = [shape[0] for shape in shapes] + [shapes[-1][1]]
    m = np.zeros((n, n), dtype=np.double)
    s = np.empty((n, n), dtype=np.intp)
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            m[i, j] = np.inf
            for k in range(i, j):
                q = m[i, k] + m[k + 1, j] + p[i] * p[k + 1] * p[j + 1]
                if q < m[i, j]:
                    m[i, j] = q
                    s[i, j] = k
    return s


def moved_axes(n, axes):
    """The axes of ``np.linalg.tensorsolve``'s transpose: ``axes`` moved to the end."""
    allaxes = list(range(n))
    for k in axes:
        allaxes.remove(k)
        allaxes.insert(n, k)
    return allaxes


internal(nondiff=(chain_order, moved_axes, normalize_axis_tuple))


def outer(x1, x2, /):
    x1 = np.asarray(x1)
    x2 = np.asarray(x2)
    if x1.ndim != 1 or x2.ndim != 1:
        raise ValueError("Input arrays must be one-dimensional, but they are "
                         f"x1.ndim={x1.ndim} and x2.ndim={x2.ndim}.")
    return np.outer(x1, x2)


def cross(x1, x2, /, *, axis=-1):
    x1 = np.asarray(x1)
    x2 = np.asarray(x2)
    if x1.shape[axis] != 3 or x2.shape[axis] != 3:
        raise ValueError("Both input arrays must be (arrays of) 3-dimensional vectors, but they "
                         f"are {x1.shape[axis]} and {x2.shape[axis]} dimensional instead.")
    return np.cross(x1, x2, axis=axis)


def diagonal(x, /, *, offset=0):
    return np.diagonal(x, offset, axis1=-2, axis2=-1)


def trace(x, /, *, offset=0, dtype=None):
    return np.trace(x, offset, axis1=-2, axis2=-1, dtype=dtype)


def matrix_transpose(x, /):
    if np.ndim(x) < 2:
        raise ValueError(f"Input array must be at least 2-dimensional, but it is {np.ndim(x)}")
    return np.swapaxes(x, -1, -2)


def vector_norm(x, /, *, axis=None, keepdims=False, ord=2):
    shape = list(np.shape(x))
    if axis is None:
        x = np.ravel(x)
        inner = 0
    elif isinstance(axis, tuple):
        normalized = normalize_axis_tuple(axis, len(shape))
        rest = tuple([i for i in range(len(shape)) if i not in normalized])
        merged = 1
        for i in axis:
            merged = merged * shape[i]
        x = np.reshape(np.transpose(x, axis + rest), (merged,) + tuple([shape[i] for i in rest]))
        inner = 0
    else:
        inner = axis
    res = np.linalg.norm(x, axis=inner, ord=ord)
    if keepdims:
        for i in normalize_axis_tuple(range(len(shape)) if axis is None else axis, len(shape)):
            shape[i] = 1
        res = np.reshape(res, tuple(shape))
    return res


def matrix_norm(x, /, *, keepdims=False, ord="fro"):
    if ord in (2, -2, "nuc"):  # (NumPy's SVD, as NumPy's matrix_norm: Dask's takes matrices
        x = np.asarray(x)      # chunked along one axis only)
    return np.linalg.norm(x, axis=(-2, -1), keepdims=keepdims, ord=ord)


def vecdot(x1, x2, /, *, axis=-1):
    if np.shape(x1)[axis] != np.shape(x2)[axis]:
        raise ValueError("vecdot: the operands' axes to contract differ in length "
                         f"({np.shape(x1)[axis]} and {np.shape(x2)[axis]})")
    return np.sum(np.conj(x1) * x2, axis=axis)


def matvec(x1, x2, /):
    return np.matmul(x1, np.expand_dims(x2, -1))[..., 0]


def vecmat(x1, x2, /):
    return np.matmul(np.conj(x1)[..., None, :], x2)[..., 0, :]


def svdvals(x, /):
    return np.linalg.svd(x, compute_uv=False)


def _chain(arrays, order, i, j):
    if i == j:
        return arrays[i]
    k = order[i, j]
    return np.dot(_chain(arrays, order, i, k), _chain(arrays, order, k + 1, j))


def multi_dot(arrays):
    n = len(arrays)
    if n < 2:
        raise ValueError("Expecting at least two arrays.")
    if n == 2:
        return np.dot(arrays[0], arrays[1])
    arrays = [np.asarray(a) for a in arrays]
    ndim_first = arrays[0].ndim
    ndim_last = arrays[-1].ndim
    if ndim_first == 1:
        arrays[0] = np.atleast_2d(arrays[0])
    if ndim_last == 1:
        arrays[-1] = np.atleast_2d(arrays[-1]).T
    for a in arrays:
        if a.ndim != 2:
            raise np.linalg.LinAlgError(
                f"{a.ndim}-dimensional array given. Array must be two-dimensional")
    if n == 3:
        a0, a1b0 = arrays[0].shape
        b1c0, c1 = arrays[2].shape
        if a0 * b1c0 * (a1b0 + c1) < a1b0 * c1 * (a0 + b1c0):
            result = np.dot(np.dot(arrays[0], arrays[1]), arrays[2])
        else:
            result = np.dot(arrays[0], np.dot(arrays[1], arrays[2]))
    else:
        result = _chain(arrays, chain_order([a.shape for a in arrays]), 0, n - 1)
    if ndim_first == 1 and ndim_last == 1:
        return result[0, 0]
    if ndim_first == 1 or ndim_last == 1:
        return result.ravel()
    return result


def cond(x, p=None):
    x = np.asarray(x)
    if x.size == 0 and np.prod(x.shape[-2:]) == 0:
        raise np.linalg.LinAlgError("cond is not defined on empty arrays")
    if p is None or p == 2 or p == -2:
        s = np.linalg.svd(x, compute_uv=False)
        with np.errstate(all="ignore"):
            if p == -2:
                r = s[..., -1] / s[..., 0]
            else:
                r = s[..., 0] / s[..., -1]
    else:
        if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
            raise np.linalg.LinAlgError("Last 2 dimensions of the array must be square")
        with np.errstate(all="ignore"):
            r = np.linalg.norm(x, p, axis=(-2, -1)) * np.linalg.norm(np.linalg.inv(x), p,
                                                                     axis=(-2, -1))
    nan_mask = np.isnan(r) & ~np.any(np.isnan(x), axis=(-2, -1))
    if np.any(nan_mask):
        r = np.where(nan_mask, np.inf, r)
    if np.ndim(r) == 0:
        r = r[()]
    return r


def tensorinv(a, ind=2):
    a = np.asarray(a)
    oldshape = a.shape
    prod = 1
    if ind > 0:
        invshape = oldshape[ind:] + oldshape[:ind]
        for k in oldshape[ind:]:
            prod = prod * k
    else:
        raise ValueError("Invalid ind argument.")
    return np.reshape(np.linalg.inv(np.reshape(a, (prod, -1))), invshape)


def tensorsolve(a, b, axes=None):
    a = np.asarray(a)
    b = np.asarray(b)
    an = a.ndim
    if axes is not None:
        a = np.transpose(a, moved_axes(an, axes))
    oldshape = a.shape[-(an - b.ndim):]
    prod = 1
    for k in oldshape:
        prod = prod * k
    if a.size != prod ** 2:
        raise np.linalg.LinAlgError("Input arrays must satisfy the requirement "
                                    "prod(a.shape[b.ndim:]) == prod(a.shape[:b.ndim])")
    return np.reshape(np.linalg.solve(np.reshape(a, (prod, prod)), np.ravel(b)), oldshape)


for _fn, _impl in ((np.linalg.outer, outer), (np.linalg.cross, cross),
                   (np.linalg.diagonal, diagonal), (np.linalg.trace, trace),
                   (np.linalg.matrix_transpose, matrix_transpose),
                   (np.matrix_transpose, matrix_transpose),
                   (np.linalg.vector_norm, vector_norm), (np.linalg.matrix_norm, matrix_norm),
                   (np.linalg.vecdot, vecdot), (np.vecdot, vecdot), (np.matvec, matvec),
                   (np.vecmat, vecmat), (np.linalg.svdvals, svdvals),
                   (np.linalg.multi_dot, multi_dot), (np.linalg.cond, cond),
                   (np.linalg.tensorinv, tensorinv), (np.linalg.tensorsolve, tensorsolve)):
    defcomposite(_fn, _impl, name=f"numpy.linalg.{_fn.__name__}"
                 if _fn is getattr(np.linalg, _fn.__name__, None) else None)
