"""The values of NumPy's writing calls, as new arrays: what ``np.copyto(y, v)``, ``np.add.at(y, i, v)``,
``np.subtract.at(y, i, v)``, ``np.put``, ``np.put_along_axis``, ``np.putmask``, ``np.place`` and
``np.fill_diagonal`` leave in ``y``.

Pass 4 (:mod:`srcad.passes.desugar`) writes such a call, made as a statement on a local array, as
``y[...] = added_at(y, i, v)``: the write into ``y`` is then an ordinary subscript assignment,
which the alias analysis, the save-and-restore of the backward sweep and forward mode already handle
(views of ``y`` see the new values, as they see NumPy's). Each function below computes on a copy of
``y`` with NumPy's own function, so its casting rules, its errors (``np.add.at`` of floats into an
integer array raises) and its accumulation of repeated indices are NumPy's exactly. Their rules are
in :mod:`srcad.rules.writes`.

The calls that write values over entries (``np.put`` and the others after ``np.subtract.at``) say
where each entry of the result came from by running NumPy's own function on codes
(:func:`sources`): entry ``k`` of the array keeps code ``k``, the ``j``-th value written (flat, as
NumPy broadcasts or repeats it) is ``-1 - j``. So repeated indices (the last write wins), values
repeated cyclically (``np.put``, ``np.place``, ``np.putmask``), ``mode="wrap"`` and ``wrap=True``
are NumPy's exactly, and a gradient goes to the entry or value that is in the result.
"""

from __future__ import annotations

import numpy as np

from ._registry import helper
from .containers import _float_dtype
from .broadcasting import unbroadcast


def _copy_of(a, what: str):
    if not isinstance(a, np.ndarray):
        from ..errors import UnsupportedOperationError
        raise UnsupportedOperationError(
            f"srcad differentiates {what} writing into a numpy.ndarray, not a "
            f"{type(a).__module__.split('.')[0]}.{type(a).__name__}",
            hint="compute it on a NumPy array, or write through a subscript "
                 "(y[i] = y[i] + v, where i repeats no position)")
    return a.copy()


@helper
def copied_into(dst, src, casting="same_kind", where=True):
    """What ``np.copyto(dst, src, casting, where)`` leaves in ``dst``, as a new array."""
    out = _copy_of(dst, "np.copyto")
    np.copyto(out, src, casting=casting, where=where)
    return out


@helper
def added_at(a, indices, b):
    """What ``np.add.at(a, indices, b)`` leaves in ``a``, as a new array (repeated indices add up)."""
    out = _copy_of(a, "np.add.at")
    np.add.at(out, indices, b)
    return out


@helper
def subtracted_at(a, indices, b):
    """What ``np.subtract.at(a, indices, b)`` leaves in ``a``, as a new array."""
    out = _copy_of(a, "np.subtract.at")
    np.subtract.at(out, indices, b)
    return out


def _carries(ans) -> bool:
    """Whether the array written into holds real or complex numbers (an integer one carries none)."""
    return np.issubdtype(np.asarray(ans).dtype, np.inexact)


@helper(linear_in="g")
def unadd_at(g, ans, indices, b):
    """Adjoint of ``added_at`` for ``b``: ``g`` gathered at ``indices``, summed to ``b``'s shape."""
    if not _carries(ans):
        return np.zeros(np.shape(b), dtype=_float_dtype(b))
    return unbroadcast(np.asarray(g)[indices], b)


@helper(linear_in="g")
def uncopyto_src(g, ans, src, where):
    """Adjoint of ``copied_into`` for ``src``: ``g`` where ``where`` holds, summed to ``src``'s shape."""
    if not _carries(ans):
        return np.zeros(np.shape(src), dtype=_float_dtype(src))
    return unbroadcast(np.where(where, g, 0.0), src)


@helper(linear_in="t")
def copyto_src_tangent(t, ans, src, where):
    """Tangent of ``copied_into`` for ``src``: ``t`` broadcast where ``where`` holds, else 0."""
    if not _carries(ans):
        return np.zeros(np.shape(ans), dtype=_float_dtype(ans))
    return np.where(where, np.broadcast_to(t, np.shape(ans)), 0.0)


@helper(linear_in="t")
def add_at_tangent(t, ans, indices):
    """Tangent of ``added_at`` for ``b``: ``t`` added at ``indices`` into zeros shaped like the
    array written into."""
    out = np.zeros(np.shape(ans), dtype=np.result_type(np.asarray(ans).dtype, np.asarray(t).dtype,
                                                       np.float64))
    if _carries(ans):
        np.add.at(out, indices, t)
    return out


@helper
def put_into(a, ind, v, mode="raise"):
    """What ``np.put(a, ind, v, mode)`` leaves in ``a``, as a new array."""
    out = _copy_of(a, "np.put")
    np.put(out, ind, v, mode=mode)
    return out


@helper
def put_along_axis_into(arr, indices, values, axis):
    """What ``np.put_along_axis(arr, indices, values, axis)`` leaves in ``arr``, as a new array."""
    out = _copy_of(arr, "np.put_along_axis")
    np.put_along_axis(out, indices, values, axis)
    return out


@helper
def putmask_into(a, mask, values):
    """What ``np.putmask(a, mask, values)`` leaves in ``a``, as a new array."""
    out = _copy_of(a, "np.putmask")
    np.putmask(out, mask, values)
    return out


@helper
def placed_into(arr, mask, vals):
    """What ``np.place(arr, mask, vals)`` leaves in ``arr``, as a new array."""
    out = _copy_of(arr, "np.place")
    np.place(out, mask, vals)
    return out


@helper
def diagonal_filled(a, val, wrap=False):
    """What ``np.fill_diagonal(a, val, wrap)`` leaves in ``a``, as a new array."""
    out = _copy_of(a, "np.fill_diagonal")
    np.fill_diagonal(out, val, wrap=wrap)
    return out


@helper(nondiff=True)
def sources(stand_in, a, value_at, *args):
    """Where each entry of ``stand_in(a, *args)`` comes from: ``k`` for ``a``'s own entry ``k``
    (flat), ``-1 - j`` for the ``j``-th entry (flat) of the value written, ``args[value_at]``.
    Computed by the stand-in (NumPy's own function) on codes in place of the values."""
    codes = np.arange(np.size(a), dtype=np.intp).reshape(np.shape(a))
    value = args[value_at]
    value_codes = -1 - np.arange(np.size(value), dtype=np.intp).reshape(np.shape(value))
    args = args[:value_at] + (value_codes,) + args[value_at + 1:]
    return stand_in(codes, *args)


@helper(linear_in="g")
def kept_entries(g, ans, sources):
    """Adjoint (and tangent) of a write for the array written into: ``g`` where its own entries
    stay, zero where values were written over them."""
    if not _carries(ans):
        return np.zeros(np.shape(g), dtype=_float_dtype(g))
    return g * (sources >= 0)


@helper(linear_in="g")
def written_values(g, ans, sources, value):
    """Adjoint of a write for the value written: ``g`` gathered from where each of its entries went
    (summed over repeats), shaped like ``value``."""
    out = np.zeros(np.size(value), dtype=np.result_type(_float_dtype(value), np.asarray(g).dtype))
    if _carries(ans):
        went = sources < 0
        np.add.at(out, -1 - sources[went], np.asarray(g)[went])
    out = np.reshape(out, np.shape(value))
    return out if np.iscomplexobj(value) else np.real(out)


@helper(linear_in="t")
def written_values_tangent(t, ans, sources, value):
    """Tangent of a write for the value written: ``t``'s entries where they went, zero elsewhere."""
    dtype = np.result_type(np.asarray(ans).dtype, np.asarray(t).dtype, np.float64)
    out = np.zeros(np.shape(ans), dtype=dtype)
    went = sources < 0
    if _carries(ans) and np.any(went):
        out[went] = np.ravel(np.broadcast_to(t, np.shape(value)))[-1 - sources[went]]
    return out
