"""Arrays of other libraries than NumPy: Dask's, CuPy's, array-api-strict's.

Accepts: any Python value.
Guarantees: :func:`foreign_array` is true exactly for a value that is not NumPy's (an array or a
scalar) but an array of a library whose operators are elementwise, as NumPy's (Dask, CuPy,
array-api-strict), that implements NumPy's dispatch protocol (``__array_function__``, NEP 18:
Dask, CuPy) or the Array API standard (``__array_namespace__``), with a ``shape`` and a
``dtype``. Another class with these protocols stays what it was: an object. srcad treats such a
value as data, as it treats a NumPy array: its operators and NumPy's functions applied to it are
differentiated with the rule table, and the runtime helpers compute with its own operations (no
copy to NumPy).
:func:`namespace` is the module of its array operations.
"""

from __future__ import annotations

import numpy as np

from ._registry import helper


_LIBRARIES = frozenset({"dask", "cupy", "cupyx", "array_api_strict"})  # (operators elementwise)


def foreign_array(value) -> bool:
    """Whether ``value`` is an array of another library (module docstring): of one whose
    operators are known to be elementwise, as NumPy's arrays' (another class with these protocols
    may define ``*`` as a matrix product, as ``np.matrix`` does: it stays an object)."""
    if isinstance(value, (np.ndarray, np.generic)):  # (NumPy's scalars have a namespace too)
        return False
    t = type(value)
    return (t.__module__ or "").split(".")[0] in _LIBRARIES \
        and (hasattr(t, "__array_function__") or hasattr(t, "__array_namespace__")) \
        and hasattr(value, "shape") and hasattr(value, "dtype")


def namespace(*values):
    """The array namespace of the first foreign array among ``values`` (its
    ``__array_namespace__()``, else ``array_api_compat``'s), NumPy where there is none."""
    for value in values:
        if foreign_array(value):
            get = getattr(value, "__array_namespace__", None)
            if get is not None:
                return get()
            import array_api_compat  # (the jit-free extra for other arrays: srcad[arrays])
            return array_api_compat.array_namespace(value)
    return np


def numpy_dtype(value):
    """The NumPy dtype of a foreign array's dtype (Dask's and CuPy's are NumPy's; an Array API
    library's is named like NumPy's), read without computing anything."""
    dtype = value.dtype
    try:
        return np.dtype(dtype)
    except TypeError:
        # (torch.float32, array_api_strict.float64: named after NumPy's, behind a prefix)
        return np.dtype(str(getattr(dtype, "name", dtype)).rpartition(".")[2])


def ones_scalar(out):
    """A 0-d one of ``out``'s floating type (float64 for others), in ``out``'s own library."""
    xp = namespace(out)
    if numpy_dtype(out).kind == "f":
        return xp.ones_like(out)
    return xp.ones((), dtype=xp.float64)


def as_array(x, like=None):
    """``x`` itself where it is another library's array, or a NumPy array and ``like`` is not
    another library's (computing nothing, copying nothing to the host); where ``like`` is another
    library's array, an array of its library (CuPy's functions refuse NumPy's arrays, even 0-d);
    else ``np.asarray(x)``."""
    if like is None:  # (the common case, at once)
        return x if type(x) is np.ndarray or foreign_array(x) else np.asarray(x)
    if foreign_array(x):
        return x
    if foreign_array(like):
        return namespace(like).asarray(x)
    return x if type(x) is np.ndarray else np.asarray(x)


def spread(g, shape, like):
    """``np.broadcast_to(g, shape)``; where ``g`` and ``like`` (of that shape) are Dask arrays,
    chunked as ``like`` along the dimensions it broadcasts (Dask gives one chunk there, which the
    next operation with ``like`` would split again: a rechunk, data moved between workers)."""
    chunks = getattr(like, "chunks", None)
    if chunks is None or not foreign_array(g) or not hasattr(g, "chunks") \
            or tuple(like.shape) != tuple(shape):
        return np.broadcast_to(g, shape)
    import dask.array as da
    new = len(shape) - g.ndim
    own = ((1,),) * new + tuple(g.chunks)
    sizes = (1,) * new + tuple(g.shape)
    merged = tuple(c if size == 1 and n != 1 else o
                   for c, o, size, n in zip(chunks, own, sizes, shape))
    return da.broadcast_to(g, tuple(shape), chunks=merged)


def part_along(x, start, stop, axis):
    """``np.take(x, np.arange(start, stop), axis=axis)`` as a slice (any library's array)."""
    return x[(slice(None),) * (axis % x.ndim) + (slice(start, stop),)]


def zeros_shaped(shape, dtype, like):
    """Zeros of ``shape`` and the NumPy dtype ``dtype`` in the library of ``like`` (NumPy's for
    NumPy's values)."""
    if not foreign_array(like):
        return np.zeros(shape, dtype=dtype)
    xp = namespace(like)
    return xp.zeros(tuple(shape), dtype=getattr(xp, np.dtype(dtype).name))


def eye_like(like, n, dtype):
    """``np.eye(n, dtype=dtype)`` in the library of ``like`` (NumPy's for NumPy's values)."""
    if not foreign_array(like):
        return np.eye(n, dtype=dtype)
    xp = namespace(like)
    return xp.eye(n, dtype=getattr(xp, np.dtype(dtype).name))


def zeros_of(x, dtype, like=None):
    """Zeros of ``x``'s shape and the NumPy dtype ``dtype``, in the library of ``like`` (default:
    ``x``'s own; a Dask array: chunked as ``x``)."""
    xp = namespace(x if like is None else like)
    dtype = getattr(xp, np.dtype(dtype).name)
    if like is None or like is x:
        return xp.zeros_like(x, dtype=dtype)
    return xp.zeros(tuple(np.shape(x)), dtype=dtype)


def _basic(index) -> bool:
    """An index that selects each position once: integers, slices, ``...`` and ``None``."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, slice)
               or (isinstance(p, (int, np.integer)) and not isinstance(p, bool)) for p in parts)


_ONE_HOT_LIMIT = 1 << 24  # entries of the 0/1 matrix of a scatter-add by index array (128 MB)


def _index_array(index):
    """``(axis, indices)`` for an index made of full slices and one integer index array (a NumPy
    array or list, at ``axis``); None for any other."""
    found = _one_among_full_slices(index, lambda p: isinstance(p, (np.ndarray, list)))
    if found is None:
        return None
    indices = np.asarray(found[1])
    return (found[0], indices) if indices.dtype.kind in "iu" else None


def _one_among_full_slices(index, chosen):
    """``(position, part)`` of the one part of ``index`` that is ``chosen``, the others full
    slices; None for any other index."""
    parts = index if isinstance(index, tuple) else (index,)
    found = [k for k, p in enumerate(parts) if chosen(p)]
    if len(found) != 1 or any(not (isinstance(p, slice) and p == slice(None))
                              for k, p in enumerate(parts) if k != found[0]):
        return None
    return found[0], parts[found[0]]


def gathered_adjoint(g, shape, indices, axis, dtype):
    """The adjoint of gathering ``indices`` (NumPy integers; CuPy's too, for CuPy's ``g``) along
    ``axis`` of an array of
    ``shape`` (``axis=None``: of its flattened entries): ``g`` summed into the positions it was
    read from (repeated positions add up), in ``g``'s library, computing nothing: the library's
    own scatter-add where it has one (CuPy), else a product of ``g`` with a constant 0/1 matrix
    (Dask), refused above :data:`_ONE_HOT_LIMIT` entries of it."""
    size = int(np.prod(shape)) if axis is None else shape[axis]
    flat = (indices.reshape(-1) if foreign_array(indices) else np.ravel(indices)) % max(size, 1)
    if scatters(g):  # (the library's own scatter-add)
        xp = namespace(g)
        result = xp.zeros(tuple(shape), dtype=getattr(xp, np.dtype(dtype).name))
        if axis is None:
            return scatter_add(result.reshape(-1), flat, g.reshape(-1)).reshape(shape)
        g = g.reshape(tuple(shape[:axis]) + (flat.size,) + tuple(shape[axis + 1:]))
        return scatter_add(result, (slice(None),) * axis + (flat,), g)
    if flat.size * size > _ONE_HOT_LIMIT:
        from ..errors import UnsupportedOperationError
        raise UnsupportedOperationError(
            f"srcad adds a gradient at {flat.size} indices into {size} positions of a "
            f"{type(g).__name__} by a product with a 0/1 matrix, which would be too large here",
            hint="index with integers and slices, or convert the array with np.asarray")
    one_hot = np.zeros((flat.size, size), dtype=dtype)
    np.add.at(one_hot, (np.arange(flat.size), flat), 1)
    if axis is None:
        return np.reshape(summed_at(np.reshape(g, (flat.size,)), one_hot, 0), shape)
    lead = tuple(shape[:axis])
    g = np.reshape(g, lead + (flat.size,) + tuple(shape[axis + 1:]))
    return np.moveaxis(summed_at(g, one_hot, axis), -1, axis)


def summed_at(g, ones, axis):
    """``np.tensordot(g, ones, axes=([axis], [0]))`` for a constant 0/1 matrix ``ones`` of real
    floats: each entry of the result the sum of the entries of ``g`` it selects, as ``np.add.at``
    sums them. An infinity or NaN of ``g`` reaches only the entries that select it (in the product
    ``0 * inf`` would make every other entry NaN): the finite entries are summed by the product,
    the non-finite ones counted by products of masks and put where they land."""
    if np.iscomplexobj(g):  # (the real and imaginary parts apart: 1j * inf is not (0, inf))
        re, im = summed_at(np.real(g), ones, axis), summed_at(np.imag(g), ones, axis)
        pair = np.stack([re, im], axis=-1)
        pair = pair.rechunk({pair.ndim - 1: 2}) if hasattr(pair, "rechunk") else pair
        return pair.view(np.result_type(re.dtype, np.complex64))[..., 0]
    axes = ([axis], [0])
    finite = np.isfinite(g)
    result = np.tensordot(np.where(finite, g, 0), ones, axes=axes)
    for value, mask in ((np.inf, g == np.inf), (-np.inf, g == -np.inf), (np.nan, np.isnan(g))):
        hits = np.tensordot(mask.astype(ones.dtype), ones, axes=axes)
        result = result + np.where(hits > 0, value, 0).astype(result.dtype)
    return result


def scatters(x) -> bool:
    """Whether ``x`` is an array of a library with a scatter-add of its own (CuPy's
    ``cupyx.scatter_add``, NumPy's ``np.add.at`` on the GPU)."""
    return foreign_array(x) and (type(x).__module__ or "").split(".")[0] == "cupy"


def scatter_add(result, index, g):
    """``result`` with ``g`` added at ``index`` (repeated positions of an index array add up):
    ``np.add.at`` for a NumPy array, ``cupyx.scatter_add`` for CuPy's; for another library's, an
    assignment where the index selects each position once, and a product with a 0/1 matrix for
    full slices and one integer index array (:func:`gathered_adjoint`). Other index arrays into another library's array are
    refused: their scatter-add is not built."""
    if isinstance(result, np.ndarray):
        np.add.at(result, index, g)
        return result
    if scatters(result):
        import cupyx
        xp = namespace(result)
        parts = index if isinstance(index, tuple) else (index,)
        cupyx.scatter_add(result, tuple(xp.asarray(p) if isinstance(p, (np.ndarray, list)) else p
                                        for p in parts), g)
        return result
    found = _index_array(index)
    if found is not None:
        axis, indices = found
        return result + gathered_adjoint(g, tuple(result.shape), indices, axis,
                                         numpy_dtype(result))
    if _basic(index):
        parts = index if isinstance(index, tuple) else (index,)
        if any(p is None for p in parts):  # (a new axis of size 1: g has it, the entries not)
            index = tuple(p for p in parts if p is not None)
            g = g.reshape(result[index].shape) if hasattr(g, "reshape") else g
        selected = result[index]
        if 0 in tuple(np.shape(selected)):  # (nothing to add: Dask fails to assign an empty part)
            return result
        result[index] = selected + g
        return result
    found = _lazy_position(index)
    if found is not None:  # (x[np.argmax(x)] on Dask: g where the position is, nothing computed)
        axis, i = found
        n = result.shape[axis]
        positions = np.arange(n).reshape((n,) + (1,) * (result.ndim - axis - 1))
        return result + np.where(positions == i % max(n, 1), np.expand_dims(g, axis), 0)
    parts = index if isinstance(index, tuple) else (index,)
    what = "through a boolean mask" if any(
        getattr(p, "dtype", None) is not None and numpy_dtype(p).kind == "b" for p in parts) \
        else "at these index arrays"
    from ..errors import UnsupportedOperationError
    raise UnsupportedOperationError(
        f"srcad cannot yet add a gradient {what} into a {type(result).__module__.split('.')[0]} "
        "array (a scatter-add of another library than NumPy)",
        hint="index with integers, slices, or one integer array among full slices; or convert "
             "the array with np.asarray")


def _lazy_position(index):
    """``(axis, i)`` for an index of full slices and one 0-d integer array of another library
    (``x[np.argmax(x)]`` on Dask: not computed); None for any other."""
    return _one_among_full_slices(index, lambda p: foreign_array(p) and p.ndim == 0
                                  and numpy_dtype(p).kind in "iu")


def float_copy(g, dtype):
    """A copy of another library's array ``g`` as the NumPy dtype ``dtype``, in its library."""
    xp = namespace(g)
    return xp.astype(g, getattr(xp, np.dtype(dtype).name), copy=True)


def as_float_array(x, dtype):
    """``x`` as an array of the NumPy dtype ``dtype``: ``np.asarray`` for a NumPy value, the
    array's own ``astype`` for another library's (nothing computed)."""
    if foreign_array(x):
        xp = namespace(x)
        return xp.astype(x, getattr(xp, np.dtype(dtype).name))
    return np.asarray(x, dtype=dtype)


def copy_array(x):
    """A copy of another library's array, in its library (Dask: a new array of the same graph,
    which a write into the copy does not change)."""
    copy = getattr(x, "copy", None)
    if callable(copy):
        return copy()
    return namespace(x).asarray(x, copy=True)


def may_share(written, other) -> bool:
    """Whether a write into another library's array ``written`` may change ``other``: the same
    object, or, in a library with views (all but Dask, whose slices are copies), any array of it
    (where the library cannot say which memory a view shares: refused rather than guessed)."""
    if other is written:
        return True
    if not foreign_array(other) or type(other) is not type(written):
        return False
    library = (type(written).__module__ or "").split(".")[0]
    if library == "cupy":  # (the bounds of their memory, as np.may_share_memory)
        import cupy
        return bool(cupy.may_share_memory(written, other))
    return library != "dask"


def refuse_other_library(x, what: str, why: str, only=None) -> None:
    """Refuse another library's array (of the library ``only`` names: ``"dask"``; else any) reaching
    the derivative of ``what``, whose implementation there computes something else than NumPy's
    (``why``): its derivative would belong to neither."""
    if foreign_array(x) and (only is None or type(x).__module__.split(".")[0] == only):
        from ..errors import UnsupportedOperationError
        raise UnsupportedOperationError(
            f"srcad does not differentiate {what} of a {type(x).__module__.split('.')[0]} array: "
            f"{why}", hint="compute it on a NumPy array (np.asarray), or give it a gradient with "
                           "srcad.defvjp")


@helper(nondiff=True)
def expect_namespace(actual, expected: str, where: str):
    """The check srcad puts after ``xp = array_namespace(z)`` in a function it did not specialize
    on its own arguments (:func:`srcad.passes.array_namespaces.insert_checks`): ``actual`` is
    the module named ``expected`` the code was made for, or this raises."""
    if getattr(actual, "__name__", None) != expected:
        from ..errors import Location, SrcadError
        filename, _, line = where.rpartition(":")
        raise SrcadError(
            f"srcad made this code for the array namespace {expected} (what the same getter gives "
            f"on the arrays of the call differentiated), and here it is "
            f"{getattr(actual, '__name__', actual)}", Location(filename, int(line), 0),
            hint="give the function you differentiate arrays of one library, or pass xp to "
                 "this function as a parameter")
