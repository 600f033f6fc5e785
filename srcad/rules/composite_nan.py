"""Composite rules (:mod:`srcad.rules.composites`), NaN-ignoring order statistics:
``np.nanmedian``, ``np.nanquantile``, ``np.nanpercentile``.

Accepts: nothing; importing registers the entries.
Guarantees: as :mod:`srcad.rules.composite_stats`. Each function reduces its slices as NumPy's
does (``numpy/lib/_nanfunctions_impl.py``: the reduced axes moved to the end and merged, each
slice without its NaNs given to ``np.median``/``np.quantile``/``np.percentile``, whose rules
srcad has), so values, tie conventions and the quantile ``method``s differentiated are those of
the rules of ``np.median``/``np.quantile``. An all-NaN slice gives NaN (with NumPy's warning), a
constant: its entries get a zero gradient. ``out=`` is refused at the user's line;
``overwrite_input`` is taken and has no effect (NumPy may, not must, overwrite).
"""

from __future__ import annotations

import warnings

import numpy as np

from ..errors import UnsupportedOperationError
from .composite_stats import cast, nan_mask
from .composites import defcomposite, internal


def reduced_axes(ndim, axis):
    """``axis`` (None, an int or a tuple) as a tuple of non-negative axes of an array of ``ndim``
    dimensions (NumPy's ``normalize_axis_tuple``)."""
    if axis is None:
        return tuple(range(ndim))
    return np.lib.array_utils.normalize_axis_tuple(axis, ndim, "axis")


def first_type(results):
    """The type of the first of ``results`` where they are not all of one type, else None
    (NumPy's ``apply_along_axis`` gives its result the first slice's type)."""
    first = np.result_type(results[0])
    return None if all(np.result_type(r) == first for r in results) else first


def weak_level(q):
    """Whether ``q`` is a Python number (NumPy's ``weak_q``: the result keeps ``a``'s type)."""
    return type(q) in (int, float)


internal(nondiff=(reduced_axes, first_type, weak_level))

_OUT = "srcad does not differentiate np.nanmedian/np.nanquantile/np.nanpercentile with out="


def _slices(a, axes):
    """The slices ``a`` reduces over ``axes``: the rows of a 2-d array, and the shape of what is
    kept."""
    kept = a.ndim - len(axes)
    moved = np.moveaxis(a, axes, tuple(range(kept, a.ndim)))
    rest = moved.shape[:kept]
    return np.reshape(moved, (-1, a.size // max(1, int(np.prod(rest, dtype=int))))), rest


def _without_nans(row):
    mask = nan_mask(row)
    if mask is None or not np.any(mask):
        return row
    return row[~mask]


def _assemble(results, rest, qshape, a, axes, keepdims):
    """The results of the slices (each of shape ``qshape``) in NumPy's layout (its ``_ureduce``
    and ``apply_along_axis``): ``qshape`` first, then the axes kept (of length 1 where reduced,
    with ``keepdims``). (Where several axes are reduced and ``q`` has two dimensions or more,
    NumPy moves the axes ``-1, 0, ...`` to the front: so does this.)"""
    out = np.reshape(np.stack(results), rest + qshape)
    if len(qshape) and len(rest):
        start = len(rest) if len(axes) == 1 else -1
        out = np.moveaxis(out, tuple([start + i for i in range(len(qshape))]),
                          tuple(range(len(qshape))))
    if keepdims:
        out = np.expand_dims(out, tuple([k - a.ndim for k in axes]))
    return out


def nanmedian(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    if out is not None:
        raise UnsupportedOperationError(_OUT)
    a = np.asarray(a)
    if a.size == 0:
        return np.nanmean(a, axis, keepdims=keepdims)
    axes = reduced_axes(a.ndim, axis)
    rows, rest = _slices(a, axes)
    results = []
    for i in range(rows.shape[0]):
        row = _without_nans(rows[i])
        if row.size == 0:
            warnings.warn("All-NaN slice encountered", RuntimeWarning, stacklevel=2)
            results.append(np.full((), np.nan, dtype=row.dtype))
        else:
            results.append(np.median(row))
    return _assemble(results, rest, (), a, axes, keepdims)


def _nanquantile(a, q, axis, method, keepdims, percent):
    a = np.asarray(a)
    if a.dtype.kind == "c":
        raise TypeError("a must be an array of real numbers")
    weak = weak_level(q)
    levels = np.true_divide(q, 100) if percent else np.asarray(q)
    if not (np.all(0 <= levels) and np.all(levels <= 1)):
        raise ValueError("Percentiles must be in the range [0, 100]" if percent else
                         "Quantiles must be in the range [0, 1]")
    if a.size == 0:
        return np.nanmean(a, axis, keepdims=keepdims)
    axes = reduced_axes(a.ndim, axis)
    rows, rest = _slices(a, axes)
    results = []
    for i in range(rows.shape[0]):
        row = _without_nans(rows[i])
        if row.size == 0:
            warnings.warn("All-NaN slice encountered", RuntimeWarning, stacklevel=2)
            results.append(np.full(levels.shape, np.nan, dtype=row.dtype))
        else:  # (NumPy: the levels of np.nanpercentile divided by 100, weak if q was a number)
            results.append(np.quantile(row, float(levels) if weak else levels, method=method))
    dtype = first_type(results) if len(rest) else None
    if dtype is not None:
        results = [cast(r, dtype) for r in results]
    return _assemble(results, rest, levels.shape, a, axes, keepdims)


def nanquantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                keepdims=False):
    if out is not None:
        raise UnsupportedOperationError(_OUT)
    return _nanquantile(a, q, axis, method, keepdims, False)


def nanpercentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                  keepdims=False):
    if out is not None:
        raise UnsupportedOperationError(_OUT)
    return _nanquantile(a, q, axis, method, keepdims, True)


_NOTE = ("`weights=` is not taken; the gradient as np.quantile's (methods linear, lower, higher, "
         "midpoint, nearest); an all-NaN slice gives NaN and a zero gradient")
defcomposite(np.nanmedian, nanmedian, note="an all-NaN slice gives NaN and a zero gradient")
defcomposite(np.nanquantile, nanquantile, note=_NOTE)
defcomposite(np.nanpercentile, nanpercentile, note=_NOTE)
