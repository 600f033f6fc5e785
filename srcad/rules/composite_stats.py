"""Composite rules (:mod:`srcad.rules.composites`), statistics: ``np.ptp``, ``np.cov``,
``np.corrcoef``, ``np.nanvar``, ``np.nanstd``, ``np.nanprod``, ``np.nancumsum``,
``np.nancumprod``, ``np.trapezoid``.

Accepts: nothing; importing registers the entries.
Guarantees: each function below computes what NumPy's function of the same name computes (the same
operations in the same order, the same result type: NumPy's own source, ``numpy/lib``, followed
line by line), for every argument its signature takes; the arguments it leaves out (``out=``,
``where=``, ``np.cov``'s ``dtype=``) make a call not bind (refused where a gradient flows). srcad
reads these functions' source and differentiates them like a user's: keep them to the constructs
and the operations srcad differentiates (docs/supported-python.md). A value a derivative cannot
go through is refused at run time (:func:`refuse_gradient`), at the user's line.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..runtime.namespaces import foreign_array
from .composites import defcomposite, internal
from .registry import defrule


def frequency_weights(w):
    """``w`` itself; its gradient is refused (``np.cov``'s ``fweights`` are integers)."""
    return w


internal(defrule(frequency_weights, "w", name="srcad.rules.composites.frequency_weights",
                 w="no_gradient('np.cov', 'fweights', 'frequency weights are integers')",
                 jvp={"w": "no_gradient('np.cov', 'fweights', 'frequency weights are integers')"}))


def array_of(x):
    """``np.asarray(x)``, but another library's array itself: a Dask array is not computed (the
    functions below then run on it with its own operations, as the library's own versions do)."""
    return x if foreign_array(x) else np.asarray(x)


internal(defrule(array_of, "object", name="srcad.rules.composites.array_of",
                 object="unarray(g, object)", linear_in="object",
                 jvp={"object": "t if ans is object else np.array(t)"}, view=True))


def nan_mask(a):
    """``np.isnan(a)`` for an array of an inexact type, else None (NumPy's ``_replace_nan``)."""
    return np.isnan(a) if issubclass(a.dtype.type, np.inexact) else None


internal(nondiff=(nan_mask, foreign_array))


def cast(x, dtype):
    """``np.asarray(x, dtype=dtype)``, ``x`` itself where it has that type already (no cast: a
    complex value keeps its gradient)."""
    x = array_of(x)
    if x.dtype == dtype:
        return x
    return x.astype(dtype)


def ptp(a, axis=None, keepdims=False):
    return np.max(a, axis=axis, keepdims=keepdims) - np.min(a, axis=axis, keepdims=keepdims)


def cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None):
    if ddof is not None and ddof != int(ddof):
        raise ValueError("ddof must be integer")
    m = array_of(m)
    if m.ndim > 2:
        raise ValueError("m has more than 2 dimensions")
    if y is not None:
        y = array_of(y)
        if y.ndim > 2:
            raise ValueError("y has more than 2 dimensions")
    if y is None:
        dtype = np.result_type(m, np.float64)
    else:
        dtype = np.result_type(m, y, np.float64)
    X = np.atleast_2d(cast(m, dtype))
    if not rowvar and m.ndim != 1:
        X = X.T
    if X.shape[0] == 0:
        return np.array([]).reshape(0, 0)
    if y is not None:
        y = np.atleast_2d(cast(y, dtype))
        if not rowvar and y.shape[0] != 1:
            y = y.T
        X = np.concatenate((X, y), axis=0)
    if ddof is None:
        if bias == 0:
            ddof = 1
        else:
            ddof = 0
    w = None
    if fweights is not None:
        fweights = frequency_weights(np.asarray(fweights, dtype=float))
        if not np.all(fweights == np.around(fweights)):
            raise TypeError("fweights must be integer")
        if fweights.ndim > 1:
            raise RuntimeError("cannot handle multidimensional fweights")
        if fweights.shape[0] != X.shape[1]:
            raise RuntimeError("incompatible numbers of samples and fweights")
        if any(fweights < 0):
            raise ValueError("fweights cannot be negative")
        w = fweights
    if aweights is not None:
        aweights = np.asarray(aweights, dtype=float)
        if aweights.ndim > 1:
            raise RuntimeError("cannot handle multidimensional aweights")
        if aweights.shape[0] != X.shape[1]:
            raise RuntimeError("incompatible numbers of samples and aweights")
        if any(aweights < 0):
            raise ValueError("aweights cannot be negative")
        if w is None:
            w = aweights
        else:
            w = w * aweights
    if w is None:
        avg = np.mean(X, axis=1)
        fact = X.shape[1] - ddof
    else:
        w_sum = np.sum(np.broadcast_to(w, X.shape), axis=1)[0]
        avg = np.sum(np.multiply(X, w), axis=1) / w_sum
        if ddof == 0:
            fact = w_sum
        elif aweights is None:
            fact = w_sum - ddof
        else:
            fact = w_sum - ddof * sum(w * aweights) / w_sum
    if fact <= 0:
        warnings.warn("Degrees of freedom <= 0 for slice", RuntimeWarning, stacklevel=2)
        fact = 0.0
    X = X - avg[:, None]
    if w is None:
        X_T = X.T
    else:
        X_T = (X * w).T
    c = np.dot(X, X_T.conj())
    c = c * np.true_divide(1, fact)
    return c.squeeze()


def corrcoef(x, y=None, rowvar=True):
    c = cov(x, y, rowvar)
    if np.ndim(c) != 2:  # (NumPy: np.diag raises for a scalar covariance)
        return c / c
    d = np.diag(c)
    stddev = np.sqrt(np.real(d))
    c = c / stddev[:, None]
    c = c / stddev[None, :]
    if np.iscomplexobj(c):
        return np.clip(np.real(c), -1, 1) + 1j * np.clip(np.imag(c), -1, 1)
    return np.clip(c, -1, 1)


def _divide_by_count(a, b):
    """NumPy's ``_divide_by_count``: ``a / b`` in ``a``'s type."""
    return cast(a / b, a.dtype)


def nanvar(a, axis=None, dtype=None, ddof=0, keepdims=False):
    a = array_of(a)
    mask = nan_mask(a)
    if mask is None:
        return np.var(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims)
    if dtype is not None and not issubclass(np.dtype(dtype).type, np.inexact):
        raise TypeError("If a is inexact, then dtype must be inexact")
    arr = np.where(mask, 0, a)
    cnt = np.sum(~mask, axis=axis, dtype=np.intp, keepdims=True)
    avg = _divide_by_count(np.sum(arr, axis=axis, dtype=dtype, keepdims=True), cnt)
    arr = cast(arr - avg, arr.dtype)
    arr = np.where(mask, 0, arr)
    if np.iscomplexobj(arr):
        sqr = np.real(arr * arr.conj())
    else:
        sqr = arr * arr
    var = np.sum(sqr, axis=axis, dtype=dtype, keepdims=keepdims)
    if np.ndim(var) < cnt.ndim:
        cnt = cnt.squeeze(axis)
    dof = cnt - ddof
    var = _divide_by_count(var, dof)
    isbad = dof <= 0
    if foreign_array(isbad):  # (no warning: it would compute the array)
        var = np.where(isbad, np.nan, var)
    elif np.any(isbad):
        warnings.warn("Degrees of freedom <= 0 for slice.", RuntimeWarning, stacklevel=2)
        var = np.where(isbad, np.nan, var)
    return var


def nanstd(a, axis=None, dtype=None, ddof=0, keepdims=False):
    return np.sqrt(nanvar(a, axis, dtype, ddof, keepdims))


def nanprod(a, axis=None, dtype=None, keepdims=False):
    a = array_of(a)
    mask = nan_mask(a)
    if mask is not None:
        a = np.where(mask, 1, a)
    return np.prod(a, axis=axis, dtype=dtype, keepdims=keepdims)


def nancumsum(a, axis=None, dtype=None):
    a = array_of(a)
    mask = nan_mask(a)
    if mask is not None:
        a = np.where(mask, 0, a)
    return np.cumsum(a, axis=axis, dtype=dtype)


def nancumprod(a, axis=None, dtype=None):
    a = array_of(a)
    mask = nan_mask(a)
    if mask is not None:
        a = np.where(mask, 1, a)
    return np.cumprod(a, axis=axis, dtype=dtype)


def trapezoid(y, x=None, dx=1.0, axis=-1):
    y = array_of(y)
    if x is None:
        d = dx
    else:
        x = array_of(x)
        if x.ndim == 1:
            d = np.diff(x)
            shape = [1] * y.ndim
            shape[axis] = d.shape[0]
            d = np.reshape(d, shape)
        else:
            d = np.diff(x, axis=axis)
    n = y.shape[axis]
    upper = np.take(y, np.arange(1, n), axis=axis)
    lower = np.take(y, np.arange(0, n - 1), axis=axis)
    return np.sum(d * (upper + lower) / 2.0, axis)


defcomposite(np.ptp, ptp)
defcomposite(np.cov, cov, note="`dtype=` is not taken; no gradient with respect to `fweights`")
defcomposite(np.corrcoef, corrcoef, note="`dtype=` is not taken")
defcomposite(np.nanvar, nanvar, note="`where=`, `mean=`, `correction=` are not taken")
defcomposite(np.nanstd, nanstd, note="`where=`, `mean=`, `correction=` are not taken; at a zero "
             "deviation the gradient is not finite")
defcomposite(np.nanprod, nanprod, note="`initial=`, `where=` are not taken")
defcomposite(np.nancumsum, nancumsum)
defcomposite(np.nancumprod, nancumprod)
defcomposite(np.trapezoid, trapezoid)
