"""Helpers of the rules of :mod:`srcad.rules.numpy_more`, part 2: assembly (``np.column_stack``,
``np.r_``/``np.c_``, ``np.append``, ``np.select``, ``np.rollaxis``, ``np.nan_to_num``), ``np.einsum`` with ``...``,
``np.meshgrid``, ``np.cross`` with its axes, ``np.gradient``, running extrema, ``np.linspace``'s
tangent and ``x.item(i)``.

Accepts: nothing; importing registers the helpers below.
Guarantees: as :mod:`.numpy_more`'s: each helper in the code reverse mode generates declares its own
derivative; the parameters not named there are read only for shapes, masks and positions, where the
helper is piecewise constant; what a helper cannot differentiate it refuses.
"""

from __future__ import annotations

import numpy as np

from ._registry import helper
from .broadcasting import _normalize_axis, _unsupported, unbroadcast
from .containers import _float_dtype, adjoint_like
from .namespaces import as_array, part_along, zeros_shaped


def _along(x, axis):
    """``x`` with ``axis`` moved to the end."""
    return np.moveaxis(as_array(x), axis, -1)


# ---- assembly: np.column_stack, np.append, np.select, np.rollaxis, splits --------------------

@helper(linear_in="g")
def uncolumn_stack(g, tup):
    """Adjoint of ``np.column_stack(tup)``: ``g`` cut into the columns each array became."""
    widths = [1 if np.ndim(a) < 2 else np.shape(a)[1] for a in tup]
    pieces = np.split(as_array(g), np.cumsum(widths)[:-1].tolist(), axis=1)
    return adjoint_like(tup, [np.reshape(p, np.shape(a)) for p, a in zip(pieces, tup)])


def _index_pieces(items, kind):
    """``(pieces, axis)``: the arrays ``np.r_[items]`` (``kind`` 0) or ``np.c_[items]`` (1)
    concatenates, each item converted as it converts it alone (a slice to its range, a number to
    one entry; for ``np.c_`` a vector to a column), and the axis it concatenates them along."""
    if any(isinstance(item, str) for item in items):
        raise _unsupported("srcad differentiates np.r_ and np.c_ without a directive string "
                           "(use np.concatenate or np.stack)")
    convert = np.c_ if kind else np.r_
    return [convert[item] for item in items], (-1 if kind else 0)


@helper(linear_in="g")
def unindex_concatenation(g, items, k, kind):
    """Adjoint of ``np.r_[items]`` / ``np.c_[items]`` (``kind`` 0 / 1) with respect to item ``k``:
    its piece of ``g``, in the item's shape; a real item gets a real cotangent."""
    pieces, axis = _index_pieces(items, kind)
    ends = np.cumsum([np.shape(p)[axis] for p in pieces])
    part = np.take(as_array(g), np.arange(ends[k] - np.shape(pieces[k])[axis], ends[k]), axis=axis)
    part = np.reshape(part, np.shape(items[k]))
    return np.real(part) if np.iscomplexobj(part) and not np.iscomplexobj(items[k]) else part


@helper(linear_in="t")
def index_concatenation_tangent(t, items, k, kind):
    """Tangent of ``np.r_[items]`` / ``np.c_[items]`` along ``t``, a tangent of item ``k``: the
    converted tangent in its piece, zeros elsewhere."""
    pieces, axis = _index_pieces(items, kind)
    converted = (np.c_ if kind else np.r_)[np.reshape(t, np.shape(items[k]))]
    dtype = np.result_type(converted, float)
    return np.concatenate([converted if j == k else np.zeros(np.shape(p), dtype=dtype)
                           for j, p in enumerate(pieces)], axis=axis)


@helper(linear_in="g")
def unappend(g, arr, values, axis, part):
    """Adjoint of ``np.append(arr, values, axis)`` with respect to ``arr`` (``part`` 0) or
    ``values`` (1)."""
    if axis is None:
        g = np.ravel(g)
        piece = g[:np.size(arr)] if part == 0 else g[np.size(arr):]
        return np.reshape(piece, np.shape((arr, values)[part]))
    first = np.shape(arr)[axis]
    g = as_array(g)
    n = g.shape[axis]
    piece = part_along(g, 0, first, axis) if part == 0 else part_along(g, first, n, axis)
    return np.reshape(piece, np.shape((arr, values)[part]))


@helper(linear_in="t")
def append_tangent(t, arr, values, axis, part):
    """Tangent of ``np.append`` along the tangent of ``arr`` (``part`` 0) or ``values`` (1)."""
    zero = zeros_shaped(np.shape((arr, values)[1 - part]), _float_dtype(t), t)
    return np.append(t, zero, axis) if part == 0 else np.append(zero, t, axis)


def _first_true(condlist, shape):
    """For each entry: the index of the first true condition, ``len(condlist)`` for none."""
    chosen = len(condlist)  # (an array, in the conditions' library, after the first np.where)
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
        return np.select(condlist, [zeros_shaped(np.shape(c), _float_dtype(t), t)
                                    for c in choicelist], t)
    return np.select(condlist, list(t), zeros_shaped((), _float_dtype(*t), t[0]))


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
    return np.transpose(g, np.argsort(order).tolist())


def nan_to_num_checked(copy):
    """Refuse ``np.nan_to_num(x, copy=False)`` (it writes into ``x``)."""
    if not copy:
        raise _unsupported("srcad: np.nan_to_num(x, copy=False) changes x in place; its gradient "
                           "is not supported (leave copy=True)")


@helper(linear_in="g")
def unnan_to_num(g, x, copy=True):
    """Adjoint of ``np.nan_to_num(x)``: ``g`` where ``x`` is finite, 0 where a constant replaced
    a NaN or an infinity (for a complex ``x``, of its real and imaginary parts apart, as NumPy
    replaces them; the tangent is the same map)."""
    nan_to_num_checked(copy)
    if np.iscomplexobj(x):
        x = as_array(x)
        return (np.where(np.isfinite(x.real), np.real(g), 0.0)
                + 1j * np.where(np.isfinite(x.imag), np.imag(g), 0.0))[()]
    return np.where(np.isfinite(x), g, 0.0)[()]


_REPLACED = {"nan": np.isnan, "posinf": np.isposinf, "neginf": np.isneginf}


@helper(linear_in="g")
def replaced_adjoint(g, x, which):
    """The adjoint of ``np.nan_to_num(x, nan=value)`` (``posinf``, ``neginf``: ``which``) with
    respect to ``value`` (real, as NumPy requires), before ``unbroadcast``: ``g`` where ``value``
    replaced an entry; for a complex ``x`` the replaced real parts give ``Re g``, the replaced
    imaginary parts ``-Im g`` (JAX's convention: ``g = dL/du - 1j dL/dv``)."""
    replaced = _REPLACED[which]
    if np.iscomplexobj(x):
        x = as_array(x)
        return np.where(replaced(x.real), np.real(g), 0.0) - np.where(replaced(x.imag),
                                                                        np.imag(g), 0.0)
    return np.where(replaced(x), g, 0.0)


@helper(linear_in="t")
def replaced_tangent(t, x, which):
    """The tangent of ``np.nan_to_num(x, nan=value)`` along ``t``, the tangent of ``value``."""
    replaced = _REPLACED[which]
    if np.iscomplexobj(x):
        x = as_array(x)
        return np.where(replaced(x.real), t, 0.0) + 1j * np.where(replaced(x.imag), t, 0.0)
    return np.where(replaced(x), t, 0.0)


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
        return np.zeros(np.shape(xi[k]), dtype=_float_dtype(xi[k]))
    gk = as_array(gk)
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
        g = as_array(g)
        g3 = np.stack([np.zeros_like(g), np.zeros_like(g), g], axis=-1)
    else:
        g3 = _along(g, axisc)
    pad = lambda v: v if v.shape[-1] == 3 else np.concatenate(  # noqa: E731
        [v, np.zeros(v.shape[:-1] + (1,), dtype=v.dtype)], axis=-1)
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
    """Adjoint of one axis of ``np.gradient`` (first-order one-sided differences at the edges),
    with ``g``'s own operations (nothing computed on another library's arrays): the central
    differences' ``g / 2h`` taken from the entry after and given to the entry before, the edges'
    ``g / h`` likewise."""
    g = np.moveaxis(as_array(g), axis, 0)
    row, middle = np.zeros_like(g[:1]), np.zeros_like(g[1:-1])
    inner, first, last = g[1:-1] / (2 * h), g[:1] / h, g[-1:] / h
    out = (np.concatenate([row, row, inner]) - np.concatenate([inner, row, row])
           + np.concatenate([-first, first, middle]) + np.concatenate([middle, -last, last]))
    return np.moveaxis(out, 0, axis)


@helper(linear_in="g")
def ungradient(g, f, varargs, axis=None, edge_order=1):
    """Adjoint of ``np.gradient(f, *varargs, axis=axis)``: ``g`` is one adjoint (one axis) or one per
    axis (``None`` for a piece that carries none)."""
    axes, spacing = _gradient_axes(f, varargs, axis, edge_order)
    pieces = [g] if len(axes) == 1 else list(g)
    total = None
    for piece, k, h in zip(pieces, axes, spacing):
        if piece is not None and np.shape(piece) != np.shape(f):
            raise _unsupported(  # (Dask's np.gradient of a 1-d array is a list of one array)
                f"srcad: the gradient of np.gradient reached it shaped {np.shape(piece)}, not as "
                f"its array {np.shape(f)}: the library's np.gradient returned another structure "
                "than NumPy's", hint="pass axis=0 for a 1-d array, or convert with np.asarray")
        if piece is not None:
            part = _ungradient_axis(piece, k, h)
            total = part if total is None else total + part
    if total is None:
        return np.zeros(np.shape(f), dtype=_float_dtype(f))
    return total.astype(_float_dtype(f), copy=False)


@helper(linear_in="t")
def item_tangent(t, args):
    """Tangent of ``a.item(*args)``: the tangent's entry there, a Python number as the value is."""
    return as_array(t).item(*args)


# ---- running extrema: np.maximum.accumulate, np.minimum.accumulate ---------------------------

@helper(nondiff=True)
def accumulate_index(a, ans, axis=0):
    """For each entry of ``np.maximum.accumulate(a, axis)`` (or ``minimum``): the index of the last
    entry of ``a`` up to it equal to the running extremum (whose value it is)."""
    a = as_array(a)
    shape = [1] * a.ndim
    shape[axis] = a.shape[axis]
    positions = as_array(np.reshape(np.arange(a.shape[axis]), shape), like=a)
    return np.maximum.accumulate(np.where(a == ans, positions, 0), axis=axis)


# ---- np.linspace -----------------------------------------------------------------------------

@helper(nondiff=True)
def linspace_steps(num, endpoint, ans):
    """``np.linspace(0.0, 1.0, num, endpoint)`` in the real floating type of ``ans`` (the samples):
    each sample's weight on ``stop``."""
    dtype = np.real(as_array(ans)).dtype
    return np.linspace(0.0, 1.0, num, endpoint, dtype=dtype if dtype.kind == "f" else np.float64)


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
    a = as_array(a)
    result = zeros_shaped(a.shape, _float_dtype(a, g), a)
    if not args:
        result[...] = g
    elif len(args) == 1 and not isinstance(args[0], tuple):
        result.reshape(-1)[args[0]] = g  # (a view of result)
    else:
        index = args[0] if len(args) == 1 else args
        result[tuple(index)] = g
    return result[()] if not a.ndim else result
