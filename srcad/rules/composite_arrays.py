"""Composite rules (:mod:`srcad.rules.composites`), arrays, polynomials and ranges:
``np.cumulative_sum``, ``np.cumulative_prod``, ``np.dstack``, ``np.broadcast_arrays``,
``np.unstack``, ``np.diagflat``, ``np.ediff1d``, ``np.delete``, ``np.insert``, ``np.resize``,
``np.logspace``, ``np.geomspace``, ``np.fft.fftfreq``, ``np.fft.rfftfreq``, ``np.fft.hfft``,
``np.fft.ihfft``, ``np.polyadd``, ``np.polysub``, ``np.polymul``, ``np.polyder``,
``np.polyint``, ``np.vander``, ``np.modf``, ``np.divmod``, ``np.frexp``.

Accepts: nothing; importing registers the entries.
Guarantees: as :mod:`srcad.rules.composite_stats`. Functions that select entries (``np.delete``,
``np.insert``) find which entry goes where by running NumPy's own function on their positions
(:func:`deleted_positions`, :func:`insertion_codes`, no gradient) and take the values there;
``include_initial`` puts a slice of the empty sum's or product's value first
(:func:`initial_slice`, no gradient).
``np.polymul`` drops leading zero coefficients as NumPy does (its ``poly1d``): a gradient with
respect to a coefficient dropped so is refused (its derivative is not defined: the result's length
changes), at run time, at the user's line. ``poly1d`` arguments are not taken (a poly1d result).
"""

from __future__ import annotations

import numpy as np

from ..errors import UnsupportedOperationError
from .composite_stats import array_of, cast
from .composites import defcomposite, internal
from .registry import defrule


def deleted_positions(n, obj):
    """The positions ``np.delete`` keeps of an axis of length ``n`` (its own answer)."""
    return np.delete(np.arange(n), obj)


def insertion_codes(arr, obj, values, axis):
    """Where each entry of ``np.insert(arr, obj, values, axis)`` comes from: ``k`` for the
    ``k``-th entry of ``arr`` (flat), ``arr.size + j`` for the ``j``-th of ``values``."""
    codes = np.arange(arr.size).reshape(arr.shape)
    value_codes = arr.size + np.arange(np.size(values)).reshape(np.shape(values))
    return np.insert(codes, obj, value_codes, axis)


def frexp_exponent(x):
    return np.frexp(x)[1]



internal(nondiff=(deleted_positions, insertion_codes, frexp_exponent))


def poly_coefficients(a):
    """``np.poly1d(a).coeffs``: ``a`` (1-d) without its leading zeros (``[0]`` if all are)."""
    a = np.atleast_1d(a)
    if a.ndim > 1:
        raise ValueError("Polynomial must be 1d only.")
    nonzero = np.flatnonzero(a)
    return a[nonzero[0]:] if len(nonzero) else np.zeros(1, a.dtype)


_TRIMMED = ("no_gradient('np.polymul', 'a1, a2', 'a leading zero coefficient, which NumPy drops: "
            "the length of the result changes there')")
internal(defrule(poly_coefficients, "a", name="srcad.rules.composites.poly_coefficients",
                 a=f"g if np.size(ans) == np.size(a) else {_TRIMMED}",
                 jvp={"a": f"t if np.size(ans) == np.size(a) else {_TRIMMED}"}))


_POLY1D = ("srcad differentiates NumPy's polynomial functions on arrays of coefficients, not on "
           "np.poly1d objects (pass p.coeffs)")


def _cumulative(x, axis, include_initial):
    x = np.atleast_1d(x)
    if axis is None:
        if x.ndim >= 2:
            raise ValueError("For arrays which have more than one dimension ``axis`` argument "
                             "is required.")
        axis = 0
    return x, axis


def initial_slice(res, axis, initial):
    """One slice of ``res`` along ``axis``, every entry ``initial`` (the empty sum's 0, the empty
    product's 1), of ``res``'s type: what ``include_initial=True`` puts first (no gradient)."""
    shape = list(res.shape)
    shape[axis] = 1
    return np.full(shape, initial, res.dtype)


internal(nondiff=(initial_slice,))


def cumulative_sum(x, /, *, axis=None, dtype=None, include_initial=False):
    x, axis = _cumulative(x, axis, include_initial)
    res = np.cumsum(x, axis=axis, dtype=dtype)
    if include_initial:
        res = np.concatenate([initial_slice(res, axis, 0), res], axis=axis)
    return res


def cumulative_prod(x, /, *, axis=None, dtype=None, include_initial=False):
    x, axis = _cumulative(x, axis, include_initial)
    res = np.cumprod(x, axis=axis, dtype=dtype)
    if include_initial:
        res = np.concatenate([initial_slice(res, axis, 1), res], axis=axis)
    return res


def dstack(tup):
    return np.concatenate([np.atleast_3d(a) for a in tup], 2)


def broadcast_shape(arrays):
    """The shape ``arrays`` broadcast to."""
    return np.broadcast_shapes(*[np.shape(a) for a in arrays])


internal(nondiff=(broadcast_shape,))


def broadcast_arrays(*args):
    shape = broadcast_shape(args)
    return tuple([np.broadcast_to(a, shape) for a in args])


def unstack(x, /, *, axis=0):
    if x.ndim == 0:
        raise ValueError("Input array must be at least 1-d.")
    return tuple([np.take(x, i, axis=axis) for i in range(x.shape[axis])])


def diagflat(v, k=0):
    return np.diag(np.ravel(v), k)


def ediff1d(ary, to_end=None, to_begin=None):
    ary = np.ravel(ary)
    dtype = ary.dtype
    parts = []
    if to_begin is not None:
        if not np.can_cast(np.asarray(to_begin), dtype, casting="same_kind"):
            raise TypeError("dtype of `to_begin` must be compatible with input `ary` under the "
                            "`same_kind` rule.")
        parts.append(np.ravel(cast(to_begin, dtype)))
    parts.append(ary[1:] - ary[:-1])
    if to_end is not None:
        if not np.can_cast(np.asarray(to_end), dtype, casting="same_kind"):
            raise TypeError("dtype of `to_end` must be compatible with input `ary` under the "
                            "`same_kind` rule.")
        parts.append(np.ravel(cast(to_end, dtype)))
    if len(parts) == 1:
        return parts[0]
    return np.concatenate(parts)


def delete(arr, obj, axis=None):
    arr = array_of(arr)
    if axis is None:
        if arr.ndim != 1:
            arr = np.ravel(arr)
        axis = arr.ndim - 1
    return np.take(arr, deleted_positions(arr.shape[axis], obj), axis=axis)


def insert(arr, obj, values, axis=None):
    arr = np.asarray(arr)  # (Dask's np.take does not take the n-d indices below: computed)
    values = np.asarray(values)
    pool = np.concatenate((np.ravel(arr), np.ravel(cast(values, arr.dtype))))
    return np.take(pool, insertion_codes(arr, obj, values, axis))


def resize(a, new_shape):
    if isinstance(new_shape, (int, np.integer)):
        new_shape = (new_shape,)
    a = np.ravel(a)
    new_size = 1
    for dim_length in new_shape:
        new_size = new_size * dim_length
        if dim_length < 0:
            raise ValueError("all elements of `new_shape` must be non-negative")
    if a.size == 0 or new_size == 0:
        return np.zeros(new_shape, a.dtype)
    repeats = (new_size + a.size - 1) // a.size
    return np.reshape(np.concatenate((a,) * repeats)[:new_size], new_shape)


def logspace(start, stop, num=50, endpoint=True, base=10.0):
    if not isinstance(base, (float, int)) and np.ndim(base):
        ndmax = len(broadcast_shape((start, stop, base)))  # (NumPy: np.array(a, ndmin=ndmax))
        start = np.reshape(start, (1,) * (ndmax - np.ndim(start)) + np.shape(start))
        stop = np.reshape(stop, (1,) * (ndmax - np.ndim(stop)) + np.shape(stop))
        base = np.reshape(base, (1,) * (ndmax - np.ndim(base)) + np.shape(base))
        base = np.expand_dims(base, 0)
    return np.power(base, np.linspace(start, stop, num, endpoint))


def geomspace(start, stop, num=50, endpoint=True, axis=0):
    start = np.asarray(start)
    stop = np.asarray(stop)
    if np.any(start == 0) or np.any(stop == 0):
        raise ValueError("Geometric sequence cannot include zero")
    dt = np.result_type(start, stop, float(num), np.float64)
    start = cast(start, dt)
    stop = cast(stop, dt)
    out_sign = np.sign(start)
    start = start / out_sign
    stop = stop / out_sign
    result = cast(logspace(np.log10(start), np.log10(stop), num, endpoint, 10.0), dt)
    if num > 0:
        result[0] = start
        if num > 1:
            if endpoint:
                result[-1] = stop
    result = result * out_sign
    if axis != 0:
        result = np.moveaxis(result, 0, axis)
    return result


def fftfreq(n, d=1.0):
    N = (n - 1) // 2 + 1
    results = np.concatenate((np.arange(0, N, dtype=int), np.arange(-(n // 2), 0, dtype=int)))
    return results * (1.0 / (n * d))


def rfftfreq(n, d=1.0):
    return np.arange(0, n // 2 + 1, dtype=int) * (1.0 / (n * d))


_SWAPPED = {None: "forward", "backward": "forward", "ortho": "ortho", "forward": "backward"}


def hfft(a, n=None, axis=-1, norm=None):
    a = array_of(a)
    if n is None:
        n = (a.shape[axis] - 1) * 2
    return np.fft.irfft(np.conjugate(a), n, axis, norm=_SWAPPED[norm])


def ihfft(a, n=None, axis=-1, norm=None):
    a = np.asarray(a)
    if n is None:
        n = a.shape[axis]
    return np.conjugate(np.fft.rfft(a, n, axis, norm=_SWAPPED[norm]))


def polyadd(a1, a2):
    if isinstance(a1, np.poly1d) or isinstance(a2, np.poly1d):
        raise UnsupportedOperationError(_POLY1D)
    a1 = np.atleast_1d(a1)
    a2 = np.atleast_1d(a2)
    diff = len(a2) - len(a1)
    if diff == 0:
        return a1 + a2
    if diff > 0:
        return np.concatenate((np.zeros(diff, a1.dtype), a1)) + a2
    return a1 + np.concatenate((np.zeros(abs(diff), a2.dtype), a2))


def polysub(a1, a2):
    # (a1 - a2 is a1 + (-a2) exactly, in floating point as in integers)
    if isinstance(a2, np.poly1d):
        raise UnsupportedOperationError(_POLY1D)
    return polyadd(a1, -np.atleast_1d(a2))


def polymul(a1, a2):
    if isinstance(a1, np.poly1d) or isinstance(a2, np.poly1d):
        raise UnsupportedOperationError(_POLY1D)
    return np.convolve(poly_coefficients(a1), poly_coefficients(a2))


def polyder(p, m=1):
    if isinstance(p, np.poly1d):
        raise UnsupportedOperationError(_POLY1D)
    m = int(m)
    if m < 0:
        raise ValueError("Order of derivative must be positive (see polyint)")
    p = np.asarray(p)
    for _ in range(m):
        n = len(p) - 1
        p = p[:-1] * np.arange(n, 0, -1)
    return p


def polyint(p, m=1, k=None):
    if isinstance(p, np.poly1d):
        raise UnsupportedOperationError(_POLY1D)
    m = int(m)
    if m < 0:
        raise ValueError("Order of integral must be positive (see polyder)")
    if k is None:
        k = np.zeros(m, float)
    k = np.atleast_1d(k)
    if len(k) == 1 and m > 1:
        k = k[0] * np.ones(m, float)
    if len(k) < m:
        raise ValueError("k must be a scalar or a rank-1 array of length 1 or >m.")
    p = np.asarray(p)
    for j in range(m):
        p = np.concatenate((p / np.arange(len(p), 0, -1), k[j:j + 1]))
    return p


def vander(x, N=None, increasing=False):
    x = np.asarray(x)
    if x.ndim != 1:
        raise ValueError("x must be a one-dimensional array or sequence.")
    if N is None:
        N = len(x)
    dtype = np.promote_types(x.dtype, int)
    x = cast(x, dtype)
    if N == 0:
        return np.zeros((len(x), 0), dtype)
    powers = np.cumprod(np.repeat(x[:, None], N - 1, axis=1), axis=1)
    v = np.concatenate((np.ones((len(x), 1), dtype), powers), axis=1)
    if not increasing:
        v = v[:, ::-1]
    return v


def modf(x, /):
    x = np.multiply(x, 1.0)  # (an integer argument: float64, as NumPy's loop)
    whole = np.trunc(x)
    return np.copysign(np.where(np.isinf(x), 0, x - whole), x), whole


def divmod_(x1, x2, /):
    return np.floor_divide(x1, x2), np.remainder(x1, x2)


def frexp(x, /):
    exponent = frexp_exponent(x)
    return np.ldexp(x, -exponent), exponent


for _fn, _impl in ((np.cumulative_sum, cumulative_sum), (np.cumulative_prod, cumulative_prod),
                   (np.dstack, dstack), (np.broadcast_arrays, broadcast_arrays),
                   (np.unstack, unstack), (np.diagflat, diagflat), (np.ediff1d, ediff1d),
                   (np.delete, delete), (np.insert, insert), (np.resize, resize),
                   (np.logspace, logspace), (np.geomspace, geomspace),
                   (np.polyadd, polyadd), (np.polysub, polysub), (np.polymul, polymul),
                   (np.polyder, polyder), (np.polyint, polyint), (np.vander, vander),
                   (np.modf, modf), (np.divmod, divmod_), (np.frexp, frexp)):
    defcomposite(_fn, _impl)
for _fn, _impl in ((np.fft.fftfreq, fftfreq), (np.fft.rfftfreq, rfftfreq), (np.fft.hfft, hfft),
                   (np.fft.ihfft, ihfft)):
    defcomposite(_fn, _impl, name=f"numpy.fft.{_fn.__name__}")
