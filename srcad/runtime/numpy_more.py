"""Helpers of the rules of :mod:`srcad.rules.numpy_more` (differences, convolution, order
statistics, averages, interpolation, polynomials, assembly, ``np.gradient``, ``np.cross``).

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
from .containers import _float_dtype, adjoint_like


@helper(nondiff=True)
def no_gradient(function, param, why):
    """Refuse a gradient with respect to a parameter the rule of ``function`` does not
    differentiate, though the result depends on it (never a silent zero)."""
    raise _unsupported(f"srcad: no gradient of {function} with respect to '{param}' ({why}); "
                       f"pass a constant there")


def _along(x, axis):
    """``x`` with ``axis`` moved to the end."""
    return np.moveaxis(np.asarray(x), axis, -1)


# ---- np.diff ---------------------------------------------------------------------------------

def _diff_parts(a, axis, prepend, append):
    """The sizes, along ``axis``, of what np.diff concatenates: prepend, a, append."""
    a = np.asarray(a)
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
    g = np.asarray(g)
    for _ in range(n):  # the adjoint of one difference: -diff of g padded with a zero each side
        widths = [(0, 0)] * g.ndim
        widths[axis] = (1, 1)
        g = -np.diff(np.pad(g, widths), axis=axis)
    start = sum(sizes[:part])
    piece = np.take(g, np.arange(start, start + sizes[part]), axis=axis)
    target = {0: prepend, 1: a, 2: append}[part]
    if np.ndim(target) != np.ndim(a):  # a scalar (or lower-dimensional) value was broadcast
        return unbroadcast(np.sum(piece, axis=axis), target)
    return np.reshape(piece, np.shape(target))


@helper(linear_in="t")
def diff_tangent(t, a, n, axis, prepend, append, part):
    """Tangent of ``np.diff`` along the tangent ``t`` of one of its parts (see :func:`undiff`):
    the others held fixed."""
    a = np.asarray(a)
    axis, sizes = _diff_parts(a, axis, prepend, append)
    shape = list(a.shape)
    pieces = []
    for k, value in enumerate((prepend, a, append)):
        if sizes[k] == 0:
            continue
        shape[axis] = sizes[k]
        pieces.append(np.broadcast_to(t, shape) if k == part else np.zeros(shape))
    return np.diff(np.concatenate(pieces, axis=axis), n=n, axis=axis)


# ---- np.convolve, np.correlate ---------------------------------------------------------------

@helper(linear_in=("g", "v"))
def unconvolve(g, a, v, mode, later=False):
    """Adjoint of ``np.convolve(a, v, mode)`` with respect to ``a`` (the convolution is symmetric:
    with respect to ``v``, ``unconvolve(g, v, a, mode)``): ``g`` placed in the full result, then
    correlated with ``v``. ``later``: the result sits half an entry later in the full one, as
    ``np.correlate``'s 'same' result does when its second argument is the longer."""
    n, m = np.size(a), np.size(v)
    g = np.ravel(g)
    full = np.zeros(n + m - 1, dtype=np.result_type(g, v, float))
    offset = (n + m - 1 - g.size + bool(later)) // 2
    full[offset:offset + g.size] = g
    return np.reshape(np.correlate(full, np.ravel(v), "valid"), np.shape(a))


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
    a = np.asarray(a)
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
        w = np.zeros(b.shape)
        for index, share in ((lo, 1.0 - frac), (hi, frac)):
            if share == 0.0:
                continue
            tied = b == s[..., index:index + 1]
            w = w + share * tied / np.maximum(np.sum(tied, axis=-1, keepdims=True), 1)
        weights.append(w)
    return b, weights, [a.shape[k] for k in kept], kept, axes


@helper(linear_in="g")
def unquantile(g, a, q, axis=None, keepdims=False, method="linear", overwrite_input=False):
    """Adjoint of ``np.quantile(a, q, axis, keepdims=...)`` (``np.median``: ``q = 0.5``;
    ``np.percentile``: ``q / 100``): each quantile's gradient goes to the one or two entries it
    interpolates, split evenly among entries tied with one."""
    a_ = np.asarray(a)
    b, weights, kept_shape, kept, axes = _order_weights(a_, q, axis, method, overwrite_input)
    g = np.reshape(np.asarray(g), (len(weights), *kept_shape, 1))
    total = sum(gk * w for gk, w in zip(g, weights))
    total = np.reshape(total, kept_shape + [a_.shape[k] for k in axes])
    result = np.transpose(total, np.argsort(kept + list(axes)))
    return result.astype(_float_dtype(a_, g), copy=False) if a_.ndim else result[()]


@helper(linear_in="t")
def quantile_tangent(t, a, q, axis=None, keepdims=False, method="linear", overwrite_input=False,
                     ans=None):
    """Tangent of a quantile along the tangent ``t`` of ``a``: the same weights as
    :func:`unquantile`, applied to ``t``; shaped like ``ans``."""
    a_ = np.asarray(a)
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
    a = np.asarray(a)
    w = np.asarray(weights)
    if w.shape != a.shape and axis is not None and w.ndim == 1:
        shape = [1] * a.ndim
        shape[_normalize_axis(axis, a.ndim)[0]] = w.shape[0]
        w = np.reshape(w, shape)
    return np.broadcast_to(w, a.shape)


@helper(jvp={"weights": "(average_weights(t, a, axis) - average_share(weights, a, axis) * "
                        "np.sum(average_weights(t, a, axis), axis, keepdims=True)) / "
                        "np.sum(average_weights(weights, a, axis), axis, keepdims=True)"})
def average_share(weights, a, axis=None):
    """Each entry's share in ``np.average(a, axis, weights)``: its weight over the sum of the
    weights along ``axis`` (``weights`` None: one over the count), shaped like ``a``."""
    a = np.asarray(a)
    w = np.ones(a.shape) if weights is None else average_weights(weights, a, axis)
    return w / np.sum(w, axis=axis, keepdims=True)


@helper(linear_in="g")
def unaverage_weights(g, weights, a, axis=None):
    """Adjoint of :func:`average_weights`: ``g`` (shaped like ``a``) summed back onto ``weights``."""
    a = np.asarray(a)
    w = np.asarray(weights)
    if w.shape != a.shape and axis is not None and w.ndim == 1:
        k = _normalize_axis(axis, a.ndim)[0]
        return np.sum(np.asarray(g), axis=tuple(j for j in range(a.ndim) if j != k))
    return unbroadcast(g, weights)


# ---- np.interp -------------------------------------------------------------------------------

def _interval(x, xp):
    """For each ``x``: the index ``i`` of its interval ``[xp[i], xp[i + 1])`` and whether it lies
    inside ``[xp[0], xp[-1])``."""
    xp = np.asarray(xp)
    i = np.searchsorted(xp, x, side="right") - 1
    inside = (i >= 0) & (i < xp.size - 1)
    return np.clip(i, 0, max(xp.size - 2, 0)), inside


@helper(linear_in="fp")
def interp_slope(x, xp, fp):
    """d np.interp(x, xp, fp) / dx: the slope of the interval holding ``x`` (at a knot, the
    interval to its right; 0 at the last knot and outside ``[xp[0], xp[-1]]``)."""
    xp, fp = np.asarray(xp, dtype=float), np.asarray(fp)
    if xp.size < 2:
        return np.zeros(np.shape(x))[()]
    i, inside = _interval(x, xp)
    slope = (fp[i + 1] - fp[i]) / (xp[i + 1] - xp[i])
    return np.where(inside, slope, 0.0)[()]


@helper
def uninterp_fp_dx(gt, x, xp, fp):
    """The tangent of :func:`uninterp_fp` along a tangent of ``x`` (``gt``: ``g`` times it): inside
    an interval the weights ``1 - f`` and ``f`` change by ``-/+ 1 / (xp[i + 1] - xp[i])``."""
    xp = np.asarray(xp, dtype=float)
    result = np.zeros(np.shape(fp), dtype=np.result_type(gt, float))
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
    result = np.zeros(np.shape(fp), dtype=np.result_type(g, float))
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

@helper(linear_in="p", jvp={"x": "t * polyval_dx(np.polyder(p) if np.size(p) > 1 else "
                                  "np.zeros(1), x)"})
def polyval_dx(p, x):
    """d np.polyval(p, x) / dx."""
    if np.size(p) <= 1:
        return np.zeros(np.shape(x))[()] * np.sum(p)
    return np.polyval(np.polyder(np.asarray(p)), x)


@helper
def polyval_powers_dx(g, x, n):
    """The tangent of :func:`unpolyval_p` along ``x`` (``g`` already multiplied by that tangent):
    ``sum(g * d(x ** (n - 1 - i))/dx)`` for each coefficient ``i``."""
    x = np.asarray(x)
    out = np.zeros(n, dtype=np.result_type(g, x, float))
    for i in range(n - 1):
        k = n - 1 - i
        out[i] = np.sum(g * k * x ** (k - 1))
    return out


@helper(linear_in="g", jvp={"x": "polyval_powers_dx(g * t, x, np.size(p))"})
def unpolyval_p(g, p, x):
    """Adjoint of ``np.polyval(p, x)`` with respect to the coefficients ``p``:
    ``sum(g * x ** (n - 1 - i))``."""
    n = np.size(p)
    x = np.asarray(x)
    g = np.broadcast_to(g, np.broadcast_shapes(np.shape(g), x.shape))
    out = np.array([np.sum(g * x ** (n - 1 - i)) for i in range(n)],
                   dtype=np.result_type(g, x, float))
    return np.reshape(out, np.shape(p))


# ---- assembly: np.column_stack, np.append, np.select, np.rollaxis, splits --------------------

@helper(linear_in="g")
def uncolumn_stack(g, tup):
    """Adjoint of ``np.column_stack(tup)``: ``g`` cut into the columns each array became."""
    widths = [1 if np.ndim(a) < 2 else np.shape(a)[1] for a in tup]
    pieces = np.split(np.asarray(g), np.cumsum(widths)[:-1], axis=1)
    return adjoint_like(tup, [np.reshape(p, np.shape(a)) for p, a in zip(pieces, tup)])


@helper(linear_in="g")
def unappend(g, arr, values, axis, part):
    """Adjoint of ``np.append(arr, values, axis)`` with respect to ``arr`` (``part`` 0) or
    ``values`` (1)."""
    if axis is None:
        g = np.ravel(g)
        piece = g[:np.size(arr)] if part == 0 else g[np.size(arr):]
        return np.reshape(piece, np.shape((arr, values)[part]))
    first = np.shape(arr)[axis]
    g = np.asarray(g)
    n = g.shape[axis]
    piece = np.take(g, np.arange(0, first) if part == 0 else np.arange(first, n), axis=axis)
    return np.reshape(piece, np.shape((arr, values)[part]))


@helper(linear_in="t")
def append_tangent(t, arr, values, axis, part):
    """Tangent of ``np.append`` along the tangent of ``arr`` (``part`` 0) or ``values`` (1)."""
    zero = np.zeros(np.shape((arr, values)[1 - part]))
    return np.append(t, zero, axis) if part == 0 else np.append(zero, t, axis)


def _first_true(condlist, shape):
    """For each entry: the index of the first true condition, ``len(condlist)`` for none."""
    chosen = np.full(shape, len(condlist))
    for k in range(len(condlist) - 1, -1, -1):
        chosen = np.where(np.broadcast_to(condlist[k], shape), k, chosen)
    return chosen


@helper(linear_in="g")
def unselect(g, condlist, choicelist, default, k):
    """Adjoint of ``np.select(condlist, choicelist, default)`` with respect to ``choicelist[k]``
    (``k == -1``: ``default``): ``g`` where that one was chosen."""
    chosen = _first_true(condlist, np.shape(g))
    if k == -1:
        return unbroadcast(np.where(chosen == len(condlist), g, 0.0), default)
    return unbroadcast(np.where(chosen == k, g, 0.0), choicelist[k])


@helper(linear_in="g")
def unselect_choices(g, condlist, choicelist):
    """Adjoint of ``np.select`` with respect to the whole ``choicelist``."""
    return adjoint_like(choicelist, [unselect(g, condlist, choicelist, 0, k)
                                     for k in range(len(choicelist))])


@helper(linear_in="t")
def select_tangent(t, condlist, choicelist, default, k):
    """Tangent of ``np.select`` along the tangent of ``choicelist`` (``k`` 0) or ``default``
    (``k == -1``)."""
    if k == -1:
        return np.select(condlist, [np.zeros(np.shape(c)) for c in choicelist], t)
    return np.select(condlist, list(t), 0.0)


@helper(linear_in="g")
def unrollaxis(g, a, axis, start=0):
    """Adjoint of ``np.rollaxis(a, axis, start)``: the inverse permutation."""
    n = np.ndim(a)
    axis = axis % n
    start = start + n if start < 0 else start
    if axis < start:
        start -= 1
    order = [k for k in range(n) if k != axis]
    order.insert(start, axis)
    return np.transpose(g, np.argsort(order))


def nan_to_num_checked(copy):
    """Refuse ``np.nan_to_num(x, copy=False)`` (it writes into ``x``)."""
    if not copy:
        raise _unsupported("srcad: np.nan_to_num(x, copy=False) changes x in place; its gradient "
                           "is not supported (leave copy=True)")


@helper(linear_in="g")
def unnan_to_num(g, x, copy=True):
    """Adjoint of ``np.nan_to_num(x)``: ``g`` where ``x`` is finite, 0 where a constant replaced
    a NaN or an infinity."""
    nan_to_num_checked(copy)
    return np.where(np.isfinite(x), g, 0.0)[()]


# ---- np.einsum with '...' --------------------------------------------------------------------

def einsum_without_ellipsis(subscripts, operands):
    """``subscripts`` (no spaces) with each ``...`` written as letters of its own, right-aligned
    across operands as NumPy broadcasts them (the implicit output: those letters first). An axis of
    ``...`` that broadcasts (sizes differ among operands) is refused."""
    from string import ascii_letters
    inputs, arrow, output = subscripts.partition("->")
    terms = inputs.split(",")
    free = [c for c in ascii_letters if c not in subscripts]
    counts = [np.ndim(op) - (len(t) - 3) for t, op in zip(terms, operands) if "..." in t]
    n = max(counts, default=0)
    letters = "".join(free[:n])
    sizes = {}
    for j, (t, op) in enumerate(zip(terms, operands)):
        if "..." in t:
            m = np.ndim(op) - (len(t) - 3)
            terms[j] = t.replace("...", letters[n - m:])
            for c, size in zip(letters[n - m:], np.shape(op)[t.index("..."):]):
                sizes.setdefault(c, set()).add(size)
    if any(len(s) > 1 for s in sizes.values()):
        raise _unsupported("srcad: the gradient of einsum where '...' broadcasts (an axis of "
                           "size 1 against a longer one) is not implemented")
    if arrow:
        output = output.replace("...", letters)
    else:
        joined = "".join(terms)
        output = letters + "".join(sorted(c for c in set(joined) if joined.count(c) == 1
                                          and c not in letters))
    return ",".join(terms) + "->" + output


# ---- np.meshgrid ----------------------------------------------------------------------------

def _meshgrid_axis(n, k, indexing):
    """The axis of ``np.meshgrid``'s results along which its ``k``-th of ``n`` inputs varies."""
    if indexing == "xy" and n >= 2 and k < 2:
        return 1 - k
    return k


@helper(linear_in="g")
def unmeshgrid(g, xi, k, indexing="xy"):
    """Adjoint of ``np.meshgrid(*xi, indexing=indexing)`` with respect to ``xi[k]``: the ``k``-th
    result's adjoint summed over every axis but the one ``xi[k]`` lies along (the other results
    do not depend on it)."""
    gk = g[k]
    if gk is None:
        return np.zeros(np.shape(xi[k]))
    gk = np.asarray(gk)
    axis = _meshgrid_axis(len(xi), k, indexing)
    summed = np.sum(gk, axis=tuple(j for j in range(gk.ndim) if j != axis))
    return np.reshape(summed, np.shape(xi[k]))


@helper(linear_in="t")
def meshgrid_tangent(t, xi, sparse=False, indexing="xy"):
    """Tangent of ``np.meshgrid(*xi)``: the meshgrid of the tangents ``t`` (one per input),
    in new arrays."""
    return np.meshgrid(*t, copy=True, sparse=sparse, indexing=indexing)


# ---- np.cross --------------------------------------------------------------------------------

def _cross_axes(axisa, axisb, axisc, axis):
    return (axis, axis, axis) if axis is not None else (axisa, axisb, axisc)


def _cross_adjoint(g, a, b, axisa, axisb, axisc, axis, wrt):
    axisa, axisb, axisc = _cross_axes(axisa, axisb, axisc, axis)
    A, B = _along(a, axisa), _along(b, axisb)
    na, nb = A.shape[-1], B.shape[-1]
    if na == nb == 2:  # the result is the z-component alone
        g3 = np.stack(np.broadcast_arrays(0.0, 0.0, np.asarray(g)), axis=-1)
    else:
        g3 = _along(g, axisc)
    pad = lambda v: v if v.shape[-1] == 3 else np.concatenate(  # noqa: E731
        [v, np.zeros(v.shape[:-1] + (1,))], axis=-1)
    A3, B3 = pad(A), pad(B)
    if wrt == "a":
        d = np.cross(B3, g3)[..., :na]
        d = unbroadcast(d, A)
        return np.moveaxis(d, -1, axisa)
    d = np.cross(g3, A3)[..., :nb]
    d = unbroadcast(d, B)
    return np.moveaxis(d, -1, axisb)


@helper(linear_in=("g", "b"))
def uncross_a(g, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Adjoint of ``np.cross(a, b, axisa, axisb, axisc, axis)`` with respect to ``a``:
    ``b x g`` (2-vectors as 3-vectors with a zero third component)."""
    return _cross_adjoint(g, a, b, axisa, axisb, axisc, axis, "a")


@helper(linear_in=("g", "a"))
def uncross_b(g, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Adjoint of ``np.cross`` with respect to ``b``: ``g x a``."""
    return _cross_adjoint(g, a, b, axisa, axisb, axisc, axis, "b")


# ---- np.gradient -----------------------------------------------------------------------------

def _gradient_axes(f, varargs, axis, edge_order):
    if edge_order != 1:
        raise _unsupported("srcad: the gradient of np.gradient is implemented for edge_order=1")
    n = np.ndim(f)
    axes = tuple(range(n)) if axis is None else _normalize_axis(axis, n)
    if len(varargs) == 0:
        spacing = [1.0] * len(axes)
    elif len(varargs) == 1 and np.ndim(varargs[0]) == 0:
        spacing = [varargs[0]] * len(axes)
    elif len(varargs) == len(axes) and all(np.ndim(h) == 0 for h in varargs):
        spacing = list(varargs)
    else:
        raise _unsupported("srcad: the gradient of np.gradient is implemented for scalar spacings "
                           "(not coordinate arrays)")
    return axes, spacing


def _ungradient_axis(g, axis, h):
    """Adjoint of one axis of ``np.gradient`` (first-order one-sided differences at the edges)."""
    g = np.moveaxis(np.asarray(g), axis, 0)
    out = np.zeros(g.shape, dtype=np.result_type(g, float))
    interior = g[1:-1] / (2 * h)
    out[2:] += interior
    out[:-2] -= interior
    out[1] += g[0] / h
    out[0] -= g[0] / h
    out[-1] += g[-1] / h
    out[-2] -= g[-1] / h
    return np.moveaxis(out, 0, axis)


@helper(linear_in="g")
def ungradient(g, f, varargs, axis=None, edge_order=1):
    """Adjoint of ``np.gradient(f, *varargs, axis=axis)``: ``g`` is one adjoint (one axis) or one per
    axis (``None`` for a piece that carries none)."""
    axes, spacing = _gradient_axes(f, varargs, axis, edge_order)
    pieces = [g] if len(axes) == 1 else list(g)
    total = np.zeros(np.shape(f))
    for piece, k, h in zip(pieces, axes, spacing):
        if piece is not None:
            total = total + _ungradient_axis(piece, k, h)
    return total.astype(_float_dtype(f), copy=False)


# ---- running extrema: np.maximum.accumulate, np.minimum.accumulate ---------------------------

@helper(nondiff=True)
def accumulate_index(a, ans, axis=0):
    """For each entry of ``np.maximum.accumulate(a, axis)`` (or ``minimum``): the index of the last
    entry of ``a`` up to it equal to the running extremum (whose value it is)."""
    a = np.asarray(a)
    shape = [1] * a.ndim
    shape[axis] = a.shape[axis]
    positions = np.reshape(np.arange(a.shape[axis]), shape)
    return np.maximum.accumulate(np.where(a == ans, positions, 0), axis=axis)


# ---- np.linspace -----------------------------------------------------------------------------

@helper(linear_in="t")
def linspace_tangent(t, weights, ans):
    """Tangent of ``np.linspace`` along one end's tangent ``t``: ``weights`` (one per sample)
    times ``t``, shaped like ``ans`` (the samples along axis 0)."""
    w = np.reshape(weights, (-1,) + (1,) * (np.ndim(ans) - 1))
    return np.broadcast_to(w * t, np.shape(ans)).copy()


# ---- x.item(i) -------------------------------------------------------------------------------

@helper(linear_in="g")
def unitem(g, a, args):
    """Adjoint of ``a.item(*args)``: ``g`` at the entry read, zeros elsewhere."""
    a = np.asarray(a)
    result = np.zeros(a.shape, dtype=_float_dtype(a, g))
    if not args:
        result[...] = g
    elif len(args) == 1 and not isinstance(args[0], tuple):
        result.flat[args[0]] = g
    else:
        index = args[0] if len(args) == 1 else args
        result[tuple(index)] = g
    return result[()] if not a.ndim else result
