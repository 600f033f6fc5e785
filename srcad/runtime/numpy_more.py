"""Helpers of the rules of :mod:`srcad.rules.numpy_more`, part 1: differences, convolution, order
statistics, averages, interpolation, polynomials (part 2, assembly, ``np.cross``, ``np.gradient``,
``np.meshgrid``, ``np.einsum``'s ``...``, running extrema: :mod:`.numpy_more_arrays`).

Accepts: nothing; importing registers the helpers below.
Guarantees: each helper that appears in the code reverse mode generates declares its own derivative
(``@helper(linear_in=..., jvp=...)``), so that forward mode over that code (Hessian-vector products)
differentiates it; the parameters not named there are read only for shapes, masks and positions,
where the helper is piecewise constant. What a helper cannot differentiate it refuses
(``UnsupportedOperationError``), never approximates.
"""

from __future__ import annotations

import numpy as np

from ._registry import helper
from .broadcasting import _normalize_axis, _unsupported, unbroadcast
from .containers import _float_dtype
from .namespaces import (as_array, as_float_array, foreign_array, part_along, refuse_other_library,
                         zeros_shaped)
from .fft import cotangent_like


@helper(nondiff=True)
def no_gradient(function, param, why):
    """Refuse a gradient with respect to a parameter the rule of ``function`` does not
    differentiate, though the result depends on it (never a silent zero)."""
    raise _unsupported(f"srcad: no gradient of {function} with respect to '{param}' ({why}); "
                       f"pass a constant there")


# ---- np.diff ---------------------------------------------------------------------------------

def _diff_parts(a, axis, prepend, append):
    """The sizes, along ``axis``, of what np.diff concatenates: prepend, a, append."""
    a = as_array(a)
    axis = axis % a.ndim

    def size(v):
        if v is None:
            return 0
        return np.shape(v)[axis] if np.ndim(v) == a.ndim else 1

    return axis, [size(prepend), a.shape[axis], size(append)]


@helper(linear_in="g")
def undiff(g, a, n, axis, prepend, append, part):
    """Adjoint of ``np.diff(a, n, axis, prepend=..., append=...)`` with respect to ``a``
    (``part`` 1), ``prepend`` (0) or ``append`` (2); ``None`` stands for one not given."""
    axis, sizes = _diff_parts(a, axis, prepend, append)
    g = as_array(g)
    for _ in range(n):  # the adjoint of one difference: -diff of g padded with a zero each side
        widths = [(0, 0)] * g.ndim
        widths[axis] = (1, 1)
        g = -np.diff(np.pad(g, widths), axis=axis)
    start = sum(sizes[:part])
    piece = part_along(g, start, start + sizes[part], axis)
    target = {0: prepend, 1: a, 2: append}[part]
    if np.ndim(target) != np.ndim(a):  # a scalar (or lower-dimensional) value was broadcast
        return unbroadcast(np.sum(piece, axis=axis), target)
    return np.reshape(piece, np.shape(target))


@helper(linear_in="t")
def diff_tangent(t, a, n, axis, prepend, append, part):
    """Tangent of ``np.diff`` along the tangent ``t`` of one of its parts (see :func:`undiff`):
    the others held fixed."""
    a = as_array(a)
    axis, sizes = _diff_parts(a, axis, prepend, append)
    shape = list(a.shape)
    pieces = []
    for k, value in enumerate((prepend, a, append)):
        if sizes[k] == 0:
            continue
        shape[axis] = sizes[k]
        pieces.append(np.broadcast_to(t, shape) if k == part
                      else zeros_shaped(shape, _float_dtype(t), t))
    return np.diff(np.concatenate(pieces, axis=axis), n=n, axis=axis)


# ---- np.convolve, np.correlate ---------------------------------------------------------------

@helper(linear_in=("g", "v"))
def unconvolve(g, a, v, mode, later=False):
    """Adjoint of ``np.convolve(a, v, mode)`` with respect to ``a`` (the convolution is symmetric:
    with respect to ``v``, ``unconvolve(g, v, a, mode)``): ``g`` placed in the full result, then
    correlated with ``v`` (as a convolution with ``v`` reversed: ``np.correlate`` would conjugate a
    complex ``v``; the transpose of a complex-linear map has none). ``later``: the result sits half
    an entry later in the full one, as ``np.correlate``'s 'same' result does when its second
    argument is the longer. A real ``a`` gets a real cotangent."""
    n, m = np.size(a), np.size(v)
    g = np.ravel(g)
    offset = (n + m - 1 - g.size + bool(later)) // 2
    full = np.pad(as_float_array(g, _float_dtype(g, v)), (offset, n + m - 1 - offset - g.size))
    return cotangent_like(np.reshape(np.convolve(full, np.flip(np.ravel(v)), "valid"), np.shape(a)),
                          a)


# ---- order statistics: np.median, np.percentile, np.quantile -----------------------------------

_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def _order_weights(a, q, axis, method, overwrite_input):
    """``(b, weights, out_shape)``: ``a`` with the reduced axes flattened into the last one, and for
    each quantile of ``q`` (flattened) an array shaped like ``b`` of the weight each entry has in
    that quantile (ties share a position's weight evenly)."""
    if overwrite_input:
        raise _unsupported("srcad: the gradient of a quantile with overwrite_input=True is not "
                           "supported (NumPy reorders the argument in place)")
    if method not in _METHODS:
        raise _unsupported(f"srcad: the gradient of a quantile with method={method!r} is not "
                           f"implemented (it knows: {', '.join(_METHODS)})")
    a = as_array(a)
    axes = tuple(range(a.ndim)) if axis is None else _normalize_axis(axis, a.ndim)
    kept = [k for k in range(a.ndim) if k not in axes]
    b = np.transpose(a, kept + list(axes))
    b = np.reshape(b, b.shape[:len(kept)] + (-1,))
    s = np.sort(b, axis=-1)
    n = b.shape[-1]
    weights = []
    for qk in np.ravel(np.asarray(q, dtype=float)):
        position = qk * (n - 1)
        lo = int(np.floor(position))
        frac = position - lo
        if method == "lower":
            frac = 0.0
        elif method == "higher":
            lo, frac = (lo, 0.0) if frac == 0 else (lo + 1, 0.0)
        elif method == "midpoint":
            frac = 0.5 if frac > 0 else 0.0
        elif method == "nearest":
            lo, frac = int(np.around(position)), 0.0
        hi = min(lo + 1, n - 1)
        w = np.zeros(b.shape, dtype=_float_dtype(b))
        for index, share in ((lo, float(1.0 - frac)), (hi, float(frac))):  # (Python floats: no widening)
            if share == 0.0:
                continue
            tied = np.asarray(b == s[..., index:index + 1], dtype=w.dtype)
            w = w + share * tied / np.maximum(np.sum(tied, axis=-1, keepdims=True), 1)
        weights.append(w)
    return b, weights, [a.shape[k] for k in kept], kept, axes


def _refuse_quantile_of_other_library(a):
    what = "a quantile (np.quantile, np.percentile, np.median)"
    refuse_other_library(a, what, "Dask's is approximate across chunks", only="dask")
    refuse_other_library(a, what, "its adjoint sorts on NumPy's arrays (not yet on CuPy's)")


@helper(linear_in="g")
def unquantile(g, a, q, axis=None, keepdims=False, method="linear", overwrite_input=False):
    """Adjoint of ``np.quantile(a, q, axis, keepdims=...)`` (``np.median``: ``q = 0.5``;
    ``np.percentile``: ``q / 100``): each quantile's gradient goes to the one or two entries it
    interpolates, split evenly among entries tied with one."""
    _refuse_quantile_of_other_library(a)
    a_ = as_array(a)
    b, weights, kept_shape, kept, axes = _order_weights(a_, q, axis, method, overwrite_input)
    g = np.reshape(as_array(g), (len(weights), *kept_shape, 1))
    total = sum(gk * w for gk, w in zip(g, weights))
    total = np.reshape(total, kept_shape + [a_.shape[k] for k in axes])
    result = np.transpose(total, np.argsort(kept + list(axes)))
    return result.astype(_float_dtype(a_, g), copy=False) if a_.ndim else result[()]


@helper(linear_in="t")
def quantile_tangent(t, a, q, axis=None, keepdims=False, method="linear", overwrite_input=False,
                     ans=None):
    """Tangent of a quantile along the tangent ``t`` of ``a``: the same weights as
    :func:`unquantile`, applied to ``t``; shaped like ``ans``."""
    _refuse_quantile_of_other_library(a)
    a_ = as_array(a)
    b, weights, kept_shape, kept, axes = _order_weights(a_, q, axis, method, overwrite_input)
    tb = np.transpose(np.broadcast_to(t, a_.shape), kept + list(axes))
    tb = np.reshape(tb, b.shape)
    values = np.stack([np.sum(w * tb, axis=-1) for w in weights])
    return np.reshape(values, np.shape(ans))


# ---- np.average ------------------------------------------------------------------------------

@helper(linear_in="weights")
def average_weights(weights, a, axis=None):
    """``np.average``'s weights as NumPy applies them: broadcast to ``a``'s shape (1-D weights lie
    along ``axis``)."""
    a = as_array(a)
    w = as_array(weights)
    if w.shape != a.shape and axis is not None and w.ndim == 1:
        shape = [1] * a.ndim
        shape[_normalize_axis(axis, a.ndim)[0]] = w.shape[0]
        w = np.reshape(w, shape)
    return np.broadcast_to(w, a.shape)


@helper(nondiff=True)
def nan_count(a, axis=None, keepdims=False):
    """The number of entries of ``a`` that are not NaN along ``axis`` (at least 1), in ``a``'s
    floating type (an integer count would make a float32 gradient float64)."""
    return np.maximum(np.sum(~np.isnan(a), axis, dtype=_float_dtype(a), keepdims=keepdims), 1)


@helper(jvp={"weights": "(average_weights(t, a, axis) - average_share(weights, a, axis) * "
                        "np.sum(average_weights(t, a, axis), axis, keepdims=True)) / "
                        "np.sum(average_weights(weights, a, axis), axis, keepdims=True)"})
def average_share(weights, a, axis=None):
    """Each entry's share in ``np.average(a, axis, weights)``: its weight over the sum of the
    weights along ``axis`` (``weights`` None: one over the count), shaped like ``a``."""
    a = as_array(a)
    w = np.ones(a.shape, dtype=_float_dtype(a)) if weights is None else average_weights(weights, a, axis)
    return w / np.sum(w, axis=axis, keepdims=True)


@helper(linear_in="g")
def unaverage_weights(g, weights, a, axis=None):
    """Adjoint of :func:`average_weights`: ``g`` (shaped like ``a``) summed back onto ``weights``."""
    a = as_array(a)
    w = as_array(weights)
    if w.shape != a.shape and axis is not None and w.ndim == 1:
        k = _normalize_axis(axis, a.ndim)[0]
        return np.sum(as_array(g), axis=tuple(j for j in range(a.ndim) if j != k))
    return unbroadcast(g, weights)


# ---- np.interp -------------------------------------------------------------------------------

def _interval(x, xp):
    """For each ``x``: the index ``i`` of its interval ``[xp[i], xp[i + 1])`` and whether it lies
    inside ``[xp[0], xp[-1])``."""
    xp = as_array(xp)
    i = np.searchsorted(xp, x, side="right") - 1
    inside = (i >= 0) & (i < xp.size - 1)
    return np.clip(i, 0, max(xp.size - 2, 0)), inside


@helper(linear_in="fp")
def interp_slope(x, xp, fp):
    """d np.interp(x, xp, fp) / dx: the slope of the interval holding ``x`` (at a knot, the
    interval to its right; 0 at the last knot and outside ``[xp[0], xp[-1]]``)."""
    xp, fp = np.asarray(xp, dtype=float), as_array(fp)
    if xp.size < 2:
        return np.zeros(np.shape(x), dtype=_float_dtype(x))[()]
    i, inside = _interval(x, xp)
    slope = (fp[i + 1] - fp[i]) / (xp[i + 1] - xp[i])
    return np.where(inside, slope, 0.0)[()]


@helper
def uninterp_fp_dx(gt, x, xp, fp):
    """The tangent of :func:`uninterp_fp` along a tangent of ``x`` (``gt``: ``g`` times it): inside
    an interval the weights ``1 - f`` and ``f`` change by ``-/+ 1 / (xp[i + 1] - xp[i])``."""
    xp = np.asarray(xp, dtype=float)
    result = np.zeros(np.shape(fp), dtype=_float_dtype(gt))
    if xp.size < 2:
        return result
    gt = np.ravel(np.broadcast_to(gt, np.shape(x)))
    i, inside = _interval(np.ravel(x), xp)
    change = np.where(inside, gt / (xp[i + 1] - xp[i]), 0.0)
    np.add.at(result, i, -change)
    np.add.at(result, i + 1, change)
    return result


@helper(linear_in="g", jvp={"x": "uninterp_fp_dx(g * t, x, xp, fp)"})
def uninterp_fp(g, x, xp, fp, left=None, right=None):
    """Adjoint of ``np.interp(x, xp, fp, left, right)`` with respect to ``fp``: each value's
    gradient goes to the two knots around it, by the interpolation weights (outside the range, to
    the end knot, unless ``left``/``right`` replaced it)."""
    xp = np.asarray(xp, dtype=float)
    g = np.ravel(np.broadcast_to(g, np.shape(x)))
    x = np.ravel(x)
    result = np.zeros(np.shape(fp), dtype=_float_dtype(g))
    if xp.size == 1:
        below, above = x < xp[0], x > xp[0]
        np.add.at(result, 0, np.sum(g[~((below & (left is not None)) | (above & (right is not None)))]))
        return result
    i, inside = _interval(x, xp)
    frac = np.where(inside, (x - xp[i]) / (xp[i + 1] - xp[i]), 0.0)
    np.add.at(result, i, np.where(inside, g * (1 - frac), 0.0))
    np.add.at(result, i + 1, np.where(inside, g * frac, 0.0))
    at_end = x == xp[-1]
    np.add.at(result, xp.size - 1, np.sum(g[at_end]))
    if left is None:
        np.add.at(result, 0, np.sum(g[x < xp[0]]))
    if right is None:
        np.add.at(result, xp.size - 1, np.sum(g[x > xp[-1]]))
    return result


# ---- np.polyval ------------------------------------------------------------------------------

@helper(linear_in="p")
def polynomial_derivative(p):
    """The coefficients of the derivative of the polynomial ``p`` (at least one), in ``p``'s
    floating type (``np.polyder`` multiplies by integers of type int64: float32 became float64)."""
    p = as_array(p)
    n = p.size - 1
    if n < 1:
        return np.zeros(1, dtype=_float_dtype(p))
    return p[:-1] * as_array(np.arange(n, 0, -1, dtype=_float_dtype(p)), like=p)


@helper(linear_in="p", jvp={"x": "t * polyval_dx(polynomial_derivative(p), x)"})
def polyval_dx(p, x):
    """d np.polyval(p, x) / dx."""
    if np.size(p) <= 1:
        return np.zeros(np.shape(x), dtype=_float_dtype(p, x))[()] * np.sum(p)
    return np.polyval(polynomial_derivative(p), x)


@helper
def polyval_powers_dx(g, x, n):
    """The tangent of :func:`unpolyval_p` along ``x`` (``g`` already multiplied by that tangent):
    ``sum(g * d(x ** (n - 1 - i))/dx)`` for each coefficient ``i``."""
    x = as_array(x)
    out = np.zeros(n, dtype=_float_dtype(g, x))
    for i in range(n - 1):
        k = n - 1 - i
        out[i] = np.sum(g * k * x ** (k - 1))
    return out


@helper(linear_in="g", jvp={"x": "polyval_powers_dx(g * t, x, np.size(p))"})
def unpolyval_p(g, p, x):
    """Adjoint of ``np.polyval(p, x)`` with respect to the coefficients ``p``:
    ``sum(g * x ** (n - 1 - i))``."""
    n = np.size(p)
    x = as_array(x)
    g = np.broadcast_to(g, np.broadcast_shapes(np.shape(g), x.shape))
    sums = [np.sum(g * x ** (n - 1 - i)) for i in range(n)]
    if foreign_array(x) and n:  # (CuPy's 0-d sums: stacked in its library)
        return np.reshape(as_float_array(np.stack(sums), _float_dtype(g, x)), np.shape(p))
    return np.reshape(np.array(sums, dtype=_float_dtype(g, x)), np.shape(p))
