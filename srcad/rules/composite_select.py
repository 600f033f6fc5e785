"""Composite rules (:mod:`srcad.rules.composites`), selections and phase: ``np.unwrap``,
``np.trim_zeros``, ``np.extract``, ``np.compress``, ``np.choose``, ``np.sort_complex``, ``np.unique``,
``np.unique_values``, ``np.union1d``.

Accepts: nothing; importing registers the entries.
Guarantees: as :mod:`srcad.rules.composite_stats`. Which entries a selection keeps is found from
values that carry no gradient (:func:`trimmed_slices`, ``np.nonzero`` of the condition), and the
gradient flows to the entries kept (``np.trim_zeros``: the shape of the result depends on the
values; the derivative is that of the slice taken, the entries trimmed get 0). ``np.unwrap``:
the corrections it adds are multiples of ``period``, constant between the jumps: the gradient with
respect to ``p`` is the identity's; ``discont`` is a threshold (no gradient). ``np.choose`` takes
``mode='raise'`` only (an index out of range raises as NumPy's); ``mode='wrap'``/``'clip'`` and
``out=`` are refused at the user's line (``np.compress``'s ``out=`` too). ``np.sort_complex``
takes the entries in the order of NumPy's own ``np.argsort`` (lexicographic: real part, then
imaginary part), as ``np.sort``'s rule does; tied entries are equal, so which goes where does not
change the result. ``np.unique`` takes the first occurrence of each value (NumPy's own index):
where the values are distinct it is a permutation, differentiated as one; a gradient through two
equal values (or slices, with ``axis=``) is refused at run time, at the user's line (moving
either splits their entry of the result in two: no derivative).
"""

from __future__ import annotations

import numpy as np

from ..errors import UnsupportedOperationError
from .composite_arrays import broadcast_shape
from .composite_stats import cast
from .composites import defcomposite, internal
from .registry import defrule


def trimmed_slices(filt, trim, axis):
    """The index ``np.trim_zeros(filt, trim, axis)`` takes (its own ``_arg_trim_zeros``): a
    tuple of slices, or None where nothing is trimmed (``axis=()``)."""
    filt = np.asarray(filt)
    trim = trim.lower()
    if trim not in {"fb", "bf", "f", "b"}:
        raise ValueError(f"unexpected character(s) in `trim`: {trim!r}")
    if axis is None:
        axes = tuple(range(filt.ndim))
    else:
        axes = np.lib.array_utils.normalize_axis_tuple(axis, filt.ndim, "axis")
    if not axes:
        return None
    nonzero = np.argwhere(filt) if filt.dtype != np.object_ else np.argwhere(filt != 0)
    if nonzero.size == 0:
        start = stop = np.zeros(filt.ndim, dtype=np.intp)
    else:
        start = nonzero.min(axis=0)
        stop = nonzero.max(axis=0) + 1
        if "f" not in trim:
            start = (None,) * filt.ndim
        if "b" not in trim:
            stop = (None,) * filt.ndim
    return tuple(slice(start[ax], stop[ax]) if ax in axes else slice(None)
                 for ax in range(filt.ndim))


def kept_positions(condition):
    """The positions where ``condition`` (raveled) is true."""
    return np.nonzero(np.ravel(condition))[0]


internal(nondiff=(trimmed_slices, kept_positions))


def unwrap(p, discont=None, axis=-1, *, period=2 * np.pi):
    p = np.asarray(p)
    dd = np.diff(p, axis=axis)
    if discont is None:
        discont = period / 2
    dtype = np.result_type(dd, period)
    if np.issubdtype(dtype, np.integer):
        interval_high = period // 2
        boundary_ambiguous = period % 2 == 0
    else:
        interval_high = period / 2
        boundary_ambiguous = True
    interval_low = -interval_high
    ddmod = np.mod(dd - interval_low, period) + interval_low
    if boundary_ambiguous:
        ddmod = cast(np.where((ddmod == interval_low) & (dd > 0), interval_high, ddmod), ddmod.dtype)
    ph_correct = ddmod - dd
    ph_correct = cast(np.where(np.abs(dd) < discont, 0, ph_correct), ph_correct.dtype)
    n = p.shape[axis]
    first = cast(np.take(p, np.arange(0, min(n, 1)), axis=axis), dtype)
    rest = np.take(p, np.arange(1, n), axis=axis) + np.cumsum(ph_correct, axis)
    return np.concatenate((first, cast(rest, dtype)), axis=axis)


def trim_zeros(filt, trim="fb", axis=None):
    index = trimmed_slices(filt, trim, axis)
    if index is None:
        return filt
    if len(index) == 1:
        return filt[index[0]]
    return filt[index]


def extract(condition, arr):
    return np.take(np.ravel(arr), kept_positions(condition))


def compress(condition, a, axis=None, out=None):
    if out is not None:
        raise UnsupportedOperationError("srcad does not differentiate np.compress with out=")
    condition = np.asarray(condition)
    if condition.ndim != 1:
        raise ValueError("condition must be a 1-d array")
    if axis is None:
        return np.take(np.ravel(a), kept_positions(condition))
    return np.take(a, kept_positions(condition), axis=axis)


def choose(a, choices, out=None, mode="raise"):
    if out is not None or mode != "raise":
        raise UnsupportedOperationError("srcad differentiates np.choose with mode='raise' only, "
                                        "without out=")
    a = np.asarray(a)
    if not np.issubdtype(a.dtype, np.integer):
        raise TypeError("Cannot cast array data from the index type to int64 according to the "
                        "rule 'safe'")
    n = len(choices)
    if np.any(a < 0) or np.any(a >= n):
        raise ValueError("invalid entry in choice array")
    shape = broadcast_shape([a] + [choices[k] for k in range(n)])
    stacked = np.stack([np.broadcast_to(choices[k], shape) for k in range(n)])
    return np.take_along_axis(stacked, np.broadcast_to(a, shape)[None], axis=0)[0]


def sort_complex(a):
    a = np.asarray(a)
    b = np.take_along_axis(a, np.argsort(a, axis=-1), axis=-1)
    if np.iscomplexobj(b):
        return b
    # (NumPy's own: small integers become complex64, long doubles clongdouble, the rest complex128)
    if b.dtype.char in "bhBH":
        return cast(b, np.dtype(np.complex64))
    if b.dtype.char == "g":
        return cast(b, np.dtype(np.clongdouble))
    return cast(b, np.dtype(np.complex128))


for _fn, _impl in ((np.unwrap, unwrap), (np.trim_zeros, trim_zeros), (np.extract, extract),
                   (np.sort_complex, sort_complex)):
    defcomposite(_fn, _impl)
defcomposite(np.compress, compress, note="`out=` is not taken")
defcomposite(np.choose, choose, note="`mode='raise'` only; `out=` is not taken")


# ---- np.unique, np.unique_values, np.union1d ------------------------------------------------------

def unique_parts(ar, return_inverse, return_counts, axis, equal_nan):
    """NumPy's own ``np.unique(ar, return_index=True, ...)``: the values and the index of the
    first occurrence of each (then the inverse and the counts where asked)."""
    return np.unique(ar, True, return_inverse, return_counts, axis, equal_nan=equal_nan)


def distinct(a, axis):
    """``a`` itself; a gradient through it is refused where two of its entries (slices along
    ``axis``) are equal: each is then one entry of ``np.unique``'s result, which splits in two when
    either moves (the derivative is not defined there)."""
    return a


_TIED = ("no_gradient('np.unique', 'ar', 'two of its values are equal: moving either splits "
         "their entry of the result in two, so the derivative is not defined there')")
_UNTIED = "np.shape(np.unique(a, axis=axis)) == np.shape(a)"
internal(defrule(distinct, "a, axis", name="srcad.rules.composites.distinct",
                 a=f"g if {_UNTIED} else {_TIED}", jvp={"a": f"t if {_UNTIED} else {_TIED}"}),
         nondiff=(unique_parts,))


def unique(ar, return_index=False, return_inverse=False, return_counts=False, axis=None, *,
           equal_nan=True):
    ar = np.asarray(ar)
    if axis is None:
        ar = np.ravel(ar)
    found = unique_parts(ar, return_inverse, return_counts, axis, equal_nan)
    values = np.take(distinct(ar, axis), found[1], axis=0 if axis is None else axis)
    if not (return_index or return_inverse or return_counts):
        return values
    result = (values,)
    if return_index:
        result = result + (found[1],)
    if return_inverse:
        result = result + (found[2],)
    if return_counts:
        result = result + (found[-1],)
    return result


def unique_values(x):
    return unique(x)


def union1d(ar1, ar2):
    return unique(np.concatenate((np.ravel(ar1), np.ravel(ar2))))


defcomposite(np.unique, unique, note="`sorted=` is not taken; a gradient where two values are "
             "equal is refused")
if hasattr(np, "unique_values"):  # (NumPy >= 2.0)
    defcomposite(np.unique_values, unique_values, note="a gradient where two values are equal "
                 "is refused")
defcomposite(np.union1d, union1d, note="a gradient where two values are equal is refused")
