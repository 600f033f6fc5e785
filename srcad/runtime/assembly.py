"""Runtime helpers: the adjoints of shape and assembly functions (concatenate, stack, block, split,
tile, repeat, pad, roll, sort, take, diag, array, astype, a ``dtype=`` argument).

Accepts: an adjoint ``g`` shaped like the function's result and the primal arguments.
Guarantees: the adjoint of each argument, shaped like it (a list of adjoints for a list of arrays).
A cast to an integer or boolean type has a zero adjoint (its result is piecewise constant); a cast
between real and complex types follows JAX's convention (a real value's cotangent is real).
"""

from __future__ import annotations

import numpy as np

from ._registry import helper
from .containers import _float_dtype, adjoint_like, zeros_like
from .broadcasting import _unsupported, unbroadcast
from .linalg import undiagonal
from .namespaces import (as_array, as_float_array, foreign_array, gathered_adjoint, namespace,
                         refuse_other_library, scatter_add, scatters, zeros_shaped)
from .fft import cotangent_like


@helper(linear_in="g")
def unconcatenate(g, arrays, axis=0):
    """Adjoint of ``np.concatenate(arrays, axis)``: ``g`` cut back into pieces like ``arrays``."""
    if axis is None:
        sizes = [int(np.size(a)) for a in arrays]
        pieces = _pieces(np.ravel(g), sizes, 0)
        return adjoint_like(arrays, [cotangent_like(np.reshape(p, np.shape(a)), a)
                                       for p, a in zip(pieces, arrays)])
    sizes = [np.shape(a)[axis] for a in arrays]
    return adjoint_like(arrays, [cotangent_like(p, a) for p, a in zip(
        _pieces(g, sizes, axis), arrays)])


def _pieces(g, sizes, axis):
    """``g`` cut along ``axis`` into consecutive pieces of ``sizes`` (views, as ``np.split``
    makes; by slicing, which every library's arrays take)."""
    axis = axis % max(np.ndim(g), 1)
    bounds = np.concatenate([[0], np.cumsum(sizes)]).tolist()
    return [g[(slice(None),) * axis + (slice(lo, hi),)] for lo, hi in zip(bounds, bounds[1:])]


def _block_depth(arrays) -> int:
    """How deeply ``np.block``'s argument nests lists (NumPy has checked that it is even)."""
    depth = 0
    while isinstance(arrays, list):
        depth, arrays = depth + 1, arrays[0]
    return depth


def _block_ndim(arrays) -> int:
    """The largest ndim of the arrays at the leaves of ``np.block``'s argument."""
    if isinstance(arrays, list):
        return max(_block_ndim(item) for item in arrays)
    return np.ndim(arrays)


def _block_shape(arrays, list_ndim: int, ndim: int, depth: int = 0) -> tuple:
    """The shape of ``np.block`` of the part ``arrays`` (at ``depth`` lists deep) of its argument."""
    if not isinstance(arrays, list):
        return (1,) * (ndim - np.ndim(arrays)) + np.shape(arrays)
    shapes = [_block_shape(item, list_ndim, ndim, depth + 1) for item in arrays]
    axis = ndim - list_ndim + depth  # the outer list joins along axis -list_ndim, the inner along -1
    return shapes[0][:axis] + (sum(s[axis] for s in shapes),) + shapes[0][axis + 1:]


@helper(linear_in="g")
def unblock(g, arrays):
    """Adjoint of ``np.block(arrays)``: ``g`` cut back into pieces like the nested lists ``arrays``
    (each leaf's piece reshaped from the ndim NumPy gave it back to its own)."""
    list_ndim = _block_depth(arrays)
    ndim = max(list_ndim, _block_ndim(arrays))

    def cut(g, arrays, depth):
        if not isinstance(arrays, list):
            return cotangent_like(np.reshape(g, np.shape(arrays)), arrays)
        axis = ndim - list_ndim + depth
        sizes = [_block_shape(item, list_ndim, ndim, depth + 1)[axis] for item in arrays]
        pieces = np.split(g, np.cumsum(sizes)[:-1].tolist(), axis=axis)
        return adjoint_like(arrays, [cut(p, item, depth + 1) for p, item in zip(pieces, arrays)])

    return cut(as_array(g), arrays, 0)


@helper(linear_in="g")
def unstack(g, arrays, axis=0):
    """Adjoint of ``np.stack(arrays, axis)``."""
    return adjoint_like(arrays, [cotangent_like(np.take(g, k, axis=axis), a)
                                 for k, a in enumerate(arrays)])


@helper(linear_in="g")
def unhstack(g, arrays):
    """Adjoint of ``np.hstack``: along axis 0 for 1-d pieces, axis 1 otherwise."""
    pieces = [np.atleast_1d(a) for a in arrays]
    axis = 0 if pieces[0].ndim == 1 else 1
    parts = unconcatenate(g, pieces, axis)
    return adjoint_like(arrays, [cotangent_like(np.reshape(p, np.shape(a)), a)
                                 for p, a in zip(parts, arrays)])


@helper(linear_in="g")
def unvstack(g, arrays):
    """Adjoint of ``np.vstack``: pieces as at least 2-d along axis 0."""
    parts = unconcatenate(g, [np.atleast_2d(a) for a in arrays], 0)
    return adjoint_like(arrays, [cotangent_like(np.reshape(p, np.shape(a)), a)
                                 for p, a in zip(parts, arrays)])


@helper(linear_in="g")
def unsplit(g, ary, ans, axis=0):
    """Adjoint of ``np.split``/``np.array_split`` (``g`` holds one adjoint per piece)."""
    parts = [np.zeros(np.shape(piece), dtype=_float_dtype(piece)) if part is None else part
             for part, piece in zip(g, ans)]
    return np.concatenate(parts, axis=axis)


@helper(linear_in="g")
def untile(g, a, reps):
    """Adjoint of ``np.tile``: the copies summed back onto ``a``'s shape."""
    a_shape = np.shape(a)
    reps = (reps,) if np.ndim(reps) == 0 else tuple(reps)
    ndim = max(len(a_shape), len(reps))
    a_shape = (1,) * (ndim - len(a_shape)) + tuple(a_shape)
    reps = (1,) * (ndim - len(reps)) + reps
    blocks = np.reshape(g, [n for pair in zip(reps, a_shape) for n in pair])
    summed = blocks.sum(axis=tuple(range(0, 2 * ndim, 2)))
    return np.reshape(summed, np.shape(a))


def _unrepeat_lazily(g, a, repeats, axis):
    """:func:`unrepeat` for another library's gradient, with its own operations: the copies of
    each entry summed slice by slice."""
    refuse_other_library(repeats, "np.repeat", "its counts would be computed")
    shape = tuple(np.shape(a))
    if axis is None:
        g, axis, n = g.reshape((-1,)), 0, int(np.prod(shape))
    else:
        axis %= max(len(shape), 1)
        n = shape[axis]
    counts = np.broadcast_to(as_array(repeats), (n,))
    ends = np.cumsum(counts)
    xp = namespace(g)
    pieces = []
    for count, end in zip(counts.tolist(), ends.tolist()):
        index = (slice(None),) * axis + (slice(end - count, end),)
        pieces.append(xp.sum(g[index], axis=axis, keepdims=True))
    summed = xp.concat(pieces, axis=axis) if hasattr(xp, "concat") else xp.concatenate(pieces, axis)
    return xp.reshape(summed, shape)


@helper(linear_in="g")
def unrepeat(g, a, repeats, axis=None):
    """Adjoint of ``np.repeat``: each entry's copies summed (none for a zero count)."""
    if foreign_array(g):
        return _unrepeat_lazily(g, a, repeats, axis)
    a = as_array(a)
    flat_axis = 0 if axis is None else axis % max(a.ndim, 1)
    source = np.ravel(a) if axis is None else a
    n = source.shape[flat_axis] if source.ndim else 1
    counts = np.broadcast_to(as_array(repeats), (n,))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    g = as_array(g)
    # one zero slice appended, so that a zero count at the end still starts inside the array
    pad = [(0, 1) if k == flat_axis else (0, 0) for k in range(g.ndim)]
    summed = np.add.reduceat(np.pad(g, pad), starts, axis=flat_axis) if g.ndim else g
    summed = np.where(np.reshape(counts == 0, [-1 if k == flat_axis else 1 for k in range(source.ndim)]),
                      0, summed) if source.ndim else summed
    return np.reshape(summed, a.shape)


@helper(linear_in="g")
def unpad(g, array, pad_width, mode="constant"):
    """Adjoint of ``np.pad`` in constant mode: the interior of ``g``."""
    if mode != "constant":
        raise _unsupported(f"srcad: the gradient of np.pad is implemented for mode='constant' "
                                  f"only, not {mode!r}")
    shape = np.shape(array)
    widths = np.broadcast_to(as_array(pad_width), (len(shape), 2))
    return as_array(g)[tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, shape))]


def _scalar_constant(constant_values):
    if np.ndim(constant_values) != 0:
        raise _unsupported("srcad differentiates np.pad's constant_values as one number only "
                           "(per-axis constants overlap in the corners)")


@helper(linear_in="g")
def unpad_constant(g, array, pad_width, mode, constant_values):
    """Adjoint of ``np.pad`` with respect to its constant: ``g`` summed over the padding."""
    _scalar_constant(constant_values)
    return np.sum(g) - np.sum(unpad(g, array, pad_width, mode))


@helper(linear_in="t")
def pad_constant_tangent(t, array, pad_width, mode, constant_values):
    """Tangent of ``np.pad`` along ``t``, a tangent of its constant: ``t`` in the padding."""
    _scalar_constant(constant_values)
    if not np.iscomplexobj(array):  # (NumPy keeps the real part of a complex constant)
        t = np.real(t)
    return np.pad(zeros_shaped(np.shape(array), np.float64, array), pad_width, mode,
                  constant_values=1.0) * t


@helper(nondiff=True)
def negated_shift(shift):
    """``-shift`` for ``np.roll``'s adjoint, as the same kind of value (a tuple of Python integers
    stays one: CuPy's ``roll`` takes no NumPy array)."""
    if isinstance(shift, (tuple, list)):
        return tuple(-s for s in shift)
    return -shift


@helper(linear_in="g")
def unsort(g, a, axis=-1):
    """Adjoint of ``np.sort``: each entry of ``g`` back to where its value came from."""
    if hasattr(a, "map_blocks") and foreign_array(a):  # (Dask: block by block, nothing computed)
        return _unsort_lazily(g, a, axis)
    if axis is None:
        if foreign_array(a) or foreign_array(g):  # (CuPy: flattened, as below)
            return np.reshape(unsort(np.ravel(g), np.ravel(a), 0), tuple(np.shape(a)))
        order = np.argsort(np.ravel(a), kind="stable")
        result = np.zeros(np.size(a), dtype=_float_dtype(a, g))
        result[order] = g
        return np.reshape(result, np.shape(a))
    order = np.argsort(a, axis=axis, kind="stable")
    if foreign_array(a) or foreign_array(g):  # (CuPy: g read back through the inverse order)
        g = as_array(g, like=a)
        return np.take_along_axis(g, np.argsort(order, axis=axis), axis=axis).astype(
            _float_dtype(a, g), copy=False)
    result = np.zeros(np.shape(a), dtype=_float_dtype(a, g))
    np.put_along_axis(result, order, g, axis=axis)
    return result


def _unsort_lazily(g, a, axis):
    """:func:`unsort` of a Dask array: ``a`` in one chunk along ``axis`` (as Dask's own sort of it
    takes it), each block's ``g`` put back in the order of its ``a``."""
    if axis is None:
        return np.reshape(_unsort_lazily(np.reshape(g, (-1,)), np.reshape(a, (-1,)), 0), a.shape)
    ax = axis % a.ndim
    dtype = _float_dtype(a, g)
    a = a.rechunk({ax: -1})
    g = namespace(a).asarray(g).rechunk(a.chunks)

    def block(a_block, g_block):
        result = np.zeros(a_block.shape, dtype=dtype)
        np.put_along_axis(result, np.argsort(a_block, axis=ax, kind="stable"), g_block, axis=ax)
        return result
    return a.map_blocks(block, g, dtype=dtype)


def partition_order(a, ans, kth, axis):
    """``(order, axis)``: where ``np.partition(a, kth, axis)`` took each entry of its result from
    (``np.argpartition``'s order, checked against the result ``ans``; ``axis=None``: of the
    flattened array, along axis 0)."""
    a, ans, ax = (np.ravel(a), np.ravel(ans), 0) if axis is None else (as_array(a), ans, axis)
    order = np.argpartition(a, kth, axis=ax)
    if not np.array_equal(np.take_along_axis(a, order, axis=ax), ans, equal_nan=True):
        raise _unsupported("srcad: np.argpartition did not reproduce np.partition's result here "
                           "(the gradient follows the entries it moves)")
    return order, ax


@helper(linear_in="g")
def unpartition(g, a, ans, kth, axis=-1):
    """Adjoint of ``np.partition``: each entry of ``g`` back to where its value came from (a tie
    gives it to one of the equal entries, as ``np.sort``'s does)."""
    order, ax = partition_order(a, ans, kth, axis)
    if foreign_array(order):  # (CuPy: g read back through the inverse order)
        g = as_array(np.ravel(g) if axis is None else g, like=order)
        back = np.take_along_axis(g, np.argsort(order, axis=ax), axis=ax)
        return np.reshape(as_float_array(back, _float_dtype(a, g)), tuple(np.shape(a)))
    result = np.zeros(order.shape, dtype=_float_dtype(a, g))
    np.put_along_axis(result, order, np.ravel(g) if axis is None else g, axis=ax)
    return np.reshape(result, np.shape(a))


@helper(linear_in="g")
def untake(g, a, indices, axis=None):
    """Adjoint of ``np.take``: ``g`` added at ``indices`` (repeated indices add up)."""
    if foreign_array(a) or foreign_array(g):
        if not scatters(g):  # (CuPy's own scatter-add takes its indices where they are)
            refuse_other_library(indices, "np.take", "its indices would be computed")
        if axis is None and np.ndim(a) > 1 and type(a).__module__.startswith("dask"):
            # (np.take hands the call to Dask's own take, whose default differs)
            refuse_other_library(a, "np.take without an axis", "Dask's take gathers along axis 0 "
                                 "where NumPy's flattens the array")
        return gathered_adjoint(g, tuple(np.shape(a)), indices if foreign_array(indices)
                                else as_array(indices),
                                None if axis is None else axis % max(np.ndim(a), 1),
                                _float_dtype(a, g))
    result = np.zeros(np.shape(a), dtype=_float_dtype(a, g))
    if axis is None:
        flat = np.ravel(result)  # a view of result
        np.add.at(flat, np.ravel(indices), np.ravel(g))
        return result
    axis = axis % max(np.ndim(a), 1)  # a negative axis counts from the end of ``a``, not of ``g``
    moved = np.moveaxis(result, axis, 0)
    np.add.at(moved, indices, np.moveaxis(g, list(range(axis, axis + np.ndim(indices))),
                                          list(range(np.ndim(indices)))))
    return result


@helper(linear_in="g")
def untake_along_axis(g, arr, indices, axis):
    """Adjoint of ``np.take_along_axis``."""
    arr = as_array(arr)
    if axis is None:
        return np.reshape(untake(g, np.ravel(arr), indices), arr.shape)
    axis = axis % arr.ndim
    grids = np.indices(np.shape(indices), sparse=True)
    index = tuple(indices if k == axis else grids[k] for k in range(arr.ndim))
    if scatters(arr) or foreign_array(g):  # (CuPy's own scatter-add; a lazy Dask g: refused there)
        return scatter_add(zeros_shaped(arr.shape, _float_dtype(arr, g), g if foreign_array(g)
                                        else arr), index, g)
    result = np.zeros(arr.shape, dtype=_float_dtype(arr, g))
    np.add.at(result, index, g)
    return result


@helper(linear_in="g")
def undiag(g, v, k=0):
    """Adjoint of ``np.diag``: the diagonal of ``g`` (for a vector ``v``) or ``g`` put on the
    diagonal of zeros shaped like the matrix ``v``."""
    if np.ndim(v) == 1:
        return np.diagonal(g, k).copy()
    return undiagonal(g, v, k, 0, 1)


@helper(linear_in="g")
def unarray(g, obj, dtype=None):
    """Adjoint of ``np.array(obj, dtype)`` for a (nested) list or tuple of values: zero for a
    cast to an integer or boolean ``dtype``."""
    if dtype is not None:
        g = dtype_adjoint(g, dtype)
    if isinstance(obj, (list, tuple)):
        g = as_array(g)
        return adjoint_like(obj, [unarray(g[k], item) for k, item in enumerate(obj)])
    return unbroadcast(g, obj) if np.ndim(g) else cotangent_like(g, obj)


def _cast_kind(dtype) -> str:
    """The kind of ``dtype`` (``"f"``, ``"c"``, ``"i"`` ...)."""
    return np.dtype(dtype).kind


@helper(linear_in="g")
def dtype_adjoint(g, dtype):
    """``g``, the adjoint of a result computed in ``dtype`` (``np.sum(x, dtype=...)``): zero for
    an integer or boolean ``dtype``, its real part for a real one (``None``: the result's own
    type, ``g`` unchanged)."""
    if dtype is not None and _cast_kind(dtype) in "biu":
        return np.zeros(np.shape(g), dtype=_float_dtype(np.real(g)))
    if dtype is not None and _cast_kind(dtype) == "f":  # a real result's cotangent is real
        return np.real(g)
    return g


@helper(linear_in="g")
def unastype(g, a, dtype):
    """Adjoint of ``a.astype(dtype)``: ``g`` in ``a``'s floating type; zero for a cast to an
    integer or boolean type (whose result is piecewise constant). A cast to a real type keeps
    the real part of a complex value (its cotangent is real), a real ``a`` cast to a complex type
    gets the real part of ``g`` (JAX's convention, :mod:`srcad.rules.fft`)."""
    kind = _cast_kind(dtype)
    if kind in "biu":
        return zeros_like(a)
    if kind == "f":
        g = np.real(g)
    return as_float_array(cotangent_like(g, a), _float_dtype(a))
