"""Helpers the generated code calls. Small, plain NumPy; no srcad machinery at run time.

Every helper takes the primal values it needs (for their shapes) and returns an adjoint shaped like the
primal it belongs to. Conventions at points where a derivative is undefined are stated where they are
decided, and collected in docs/rules.md.
"""

from __future__ import annotations

import numpy as np

from ..errors import NonScalarOutputError


# ---- adjoints of lists, tuples and dicts -----------------------------------------------------------
# Gradients reaching a list from several places must add element by element, but ``+`` on lists
# concatenates. The adjoint of a container is therefore one of these: a list, tuple or dict whose
# ``+`` adds matching entries (and treats None, "no gradient", as zero).

def _add(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return a + b


class _SequenceAdjoint:
    def __add__(self, other):
        if isinstance(other, (list, tuple)):
            return type(self)(_add(a, b) for a, b in zip(self, other))
        return NotImplemented

    __radd__ = __add__

    def __iadd__(self, other):  # 'd += e' (srcad.inplace) adds entries, never extends the list
        return self + other


class ListAdjoint(_SequenceAdjoint, list):
    pass


class TupleAdjoint(_SequenceAdjoint, tuple):
    pass


class DictAdjoint(dict):
    def __add__(self, other):
        if isinstance(other, dict):
            return DictAdjoint((k, _add(v, other.get(k))) for k, v in self.items())
        return NotImplemented

    __radd__ = __add__

    def __iadd__(self, other):
        return self + other


def adjoint_like(x, parts):
    """A container adjoint shaped like container ``x`` with entries ``parts``."""
    if isinstance(x, dict):
        return DictAdjoint(parts)
    if isinstance(x, list):
        return ListAdjoint(parts)
    return TupleAdjoint(parts)


def plain(g, x):
    """The gradient of argument ``x`` as the user sees it: containers become plain lists, tuples
    and dicts, and an array of floats gets the floating type of ``x`` (float32 in, float32 out)."""
    if isinstance(g, DictAdjoint):
        return {k: plain(v, x[k]) for k, v in g.items()}
    if isinstance(g, ListAdjoint):
        return [plain(v, xv) for v, xv in zip(g, x)]
    if isinstance(g, TupleAdjoint):
        return tuple(plain(v, xv) for v, xv in zip(g, x))
    dtype = getattr(x, "dtype", None)
    if dtype is not None and dtype.kind == "f" and getattr(g, "dtype", dtype) != dtype \
            and getattr(g, "dtype", None) is not None and g.dtype.kind == "f":
        return np.asarray(g).astype(dtype)[()] if np.ndim(g) == 0 else np.asarray(g).astype(dtype)
    return g


def _unsupported(message):
    from ..errors import UnsupportedOperationError
    return UnsupportedOperationError(message)


_SCALAR_TYPES = frozenset({float, int, np.float64, np.float32, np.int64})


def unbroadcast(g, x):
    """Sum ``g`` down to the shape of ``x``: the adjoint of NumPy broadcasting ``x`` up to ``g``'s shape."""
    tg, tx = type(g), type(x)
    if tg in _SCALAR_TYPES and tx in _SCALAR_TYPES:  # the fast paths: nothing was broadcast
        return g
    if tg is np.ndarray and tx is np.ndarray and g.shape == x.shape:
        return g
    if isinstance(x, (list, tuple)):
        from ..errors import SrcadError
        raise SrcadError(
            "a list or tuple met '+' or '*' where srcad expected numbers or arrays: srcad "
            "treats '+' and '*' as list concatenation and repetition only for lists it can see "
            "being built (a literal, or '+' of one); convert the argument with np.asarray, or "
            "build the list inside the function")
    shape = np.shape(x)
    if np.shape(g) == shape:
        return g
    g = np.asarray(g)
    if g.ndim < len(shape):  # a scalar zero adjoint: it broadcasts wherever it is added
        return g[()] if g.ndim == 0 else g
    extra = g.ndim - len(shape)
    if extra > 0:
        g = g.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    if not shape:  # a Python or NumPy scalar: give back a scalar
        return g[()]
    return g


def unsum(g, x, axis=None, keepdims=False):
    """Adjoint of ``np.sum(x, axis, keepdims)``: spread ``g`` back over the summed axes."""
    shape = np.shape(x)
    if not shape:  # NumPy lets a 0-d value be reduced along axis 0 or -1: nothing to spread
        return np.reshape(g, ())[()]
    if axis is not None and not keepdims:
        g = np.expand_dims(g, _normalize_axis(axis, len(shape)))
    return np.broadcast_to(g, shape).copy()


def unmean(g, x, axis=None, keepdims=False):
    """Adjoint of ``np.mean(x, axis, keepdims)``: ``unsum`` divided by the number averaged."""
    shape = np.shape(x)
    if axis is None or not shape:
        count = int(np.prod(shape))
    else:
        count = int(np.prod([shape[a] for a in _normalize_axis(axis, len(shape))]))
    return unsum(g, x, axis, keepdims) / count


def unmax(g, x, ans, axis=None, keepdims=False):
    """Adjoint of ``np.max``/``np.min`` (``ans`` is the result): ``g`` goes to the entries equal to
    the extremum, split evenly between them at a tie."""
    shape = np.shape(x)
    if not shape:
        return np.reshape(g, ())[()]
    if axis is not None and not keepdims:
        axes = _normalize_axis(axis, len(shape))
        g, ans = np.expand_dims(g, axes), np.expand_dims(ans, axes)
    elif axis is None and not keepdims:
        g, ans = np.reshape(g, (1,) * len(shape)), np.reshape(ans, (1,) * len(shape))
    mask = np.asarray(x) == ans
    count = mask.sum(axis=axis, keepdims=True) if axis is not None else mask.sum()
    result = g * mask / count
    return result[()] if not shape else result


def unrepeat_sequence(g, x):
    """Adjoint of ``x * n`` for a list or tuple ``x`` (repetition): each entry's copies summed."""
    n = len(x)
    parts = [g[k] for k in range(n)]
    for start in range(n, len(g), n):
        parts = [p + q for p, q in zip(parts, g[start:start + n])]
    return adjoint_like(x, parts)


def _normalize_axis(axis, ndim):
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(a % ndim if ndim else a for a in axes)


def _matrix_and_matrix_or_vector(x, y) -> bool:
    """The common cases of ``x @ y``, with a direct formula: (matrix, vector), (vector, matrix),
    (matrix, matrix), both arrays."""
    return type(x) is np.ndarray and type(y) is np.ndarray and x.ndim <= 2 and y.ndim <= 2 \
        and x.ndim + y.ndim >= 3


def matmul_dx(g, x, y):
    """Adjoint of ``x @ y`` with respect to ``x`` (vectors, matrices and stacks of matrices)."""
    if _matrix_and_matrix_or_vector(x, y):
        if y.ndim == 1:               # matrix @ vector
            return np.outer(g, y)
        if x.ndim == 1:               # vector @ matrix
            return y @ g
        return g @ y.T                # matrix @ matrix
    x, y, g = np.asarray(x), np.asarray(y), np.asarray(g)
    if y.ndim == 1:
        if x.ndim == 1:  # inner product: g is a scalar
            return g * y
        return unbroadcast(g[..., None] * y, x)
    gm = g[..., None, :] if x.ndim == 1 else g
    result = gm @ np.swapaxes(y, -1, -2)
    if x.ndim == 1:
        result = result[..., 0, :]
    return unbroadcast(result, x)


def matmul_dy(g, x, y):
    """Adjoint of ``x @ y`` with respect to ``y``."""
    if _matrix_and_matrix_or_vector(x, y):
        if x.ndim == 1:               # vector @ matrix
            return np.outer(x, g)
        return x.T @ g                # matrix @ vector, matrix @ matrix
    x, y, g = np.asarray(x), np.asarray(y), np.asarray(g)
    if x.ndim == 1:
        if y.ndim == 1:
            return g * x
        return unbroadcast(x[:, None] * g[..., None, :], y)
    gm = g[..., :, None] if y.ndim == 1 else g
    result = np.swapaxes(x, -1, -2) @ gm
    if y.ndim == 1:
        result = result[..., 0]
    return unbroadcast(result, y)


def dot_dx(g, x, y):
    """Adjoint of ``np.dot(x, y)`` with respect to ``x`` (scalars, vectors and matrices)."""
    if np.ndim(x) == 0 or np.ndim(y) == 0:
        return unbroadcast(g * y, x)
    _check_dot(x, y)
    return matmul_dx(g, x, y)


def dot_dy(g, x, y):
    """Adjoint of ``np.dot(x, y)`` with respect to ``y``."""
    if np.ndim(x) == 0 or np.ndim(y) == 0:
        return unbroadcast(g * x, y)
    _check_dot(x, y)
    return matmul_dy(g, x, y)


def _check_dot(x, y):
    if np.ndim(x) > 2 or np.ndim(y) > 2:
        raise _unsupported(
            "srcad: the gradient of np.dot is implemented for scalars, vectors and matrices; "
            "use np.matmul or np.tensordot for arrays of more dimensions")


def power_dx(x, y):
    """d(x ** y)/dx = y * x ** (y - 1), and 0 where y == 0 (even at x == 0, where x ** -1 would
    divide by zero)."""
    if np.ndim(x) == 0 and np.ndim(y) == 0:
        if y == 0:
            return 0.0 * x
        try:
            return y * x ** (y - 1)
        except ZeroDivisionError:  # Python's 0.0 ** -0.5: inf (with a warning), as NumPy gives
            return y * np.float64(x) ** (y - 1)
    y = np.asarray(y)
    return y * np.power(x, np.where(y == 0, 1, y - 1))


def log_or_zero(x):
    """``log(x)``, with 0 where ``x == 0``: d(x**y)/dy = x**y * log(x) is 0 at x = 0 (for y > 0)."""
    if np.ndim(x) == 0:
        return np.log(x) if x != 0 else 0.0
    x = np.asarray(x)
    return np.log(np.where(x == 0, 1, x))


def unindex(g, x, index):
    """Adjoint of ``x[index]``: ``g`` scattered into zeros shaped like ``x`` (repeated indices add up)."""
    if isinstance(x, dict):
        return DictAdjoint((k, g if k == index else zeros_like(v)) for k, v in x.items())
    if isinstance(x, (tuple, list)):
        if isinstance(index, slice):
            parts = [zeros_like(v) for v in x]
            for k, part in zip(range(*index.indices(len(x))), g):
                parts[k] = part
            return adjoint_like(x, parts)
        return adjoint_like(x, [g if k == index % len(x) else zeros_like(v) for k, v in enumerate(x)])
    result = np.zeros(np.shape(x), dtype=_float_dtype(x, g))
    np.add.at(result, index, g)
    return result


def unpack_adjoint(parts, x):
    """Adjoint of unpacking ``a, b, ... = x``: the adjoints of the parts (None where no gradient
    reached a part) reassembled into the structure of ``x``."""
    if isinstance(x, (tuple, list)):
        return adjoint_like(x, [zeros_like(v) if p is None else p for p, v in zip(parts, x)])
    x = np.asarray(x)
    return np.stack([np.zeros(x.shape[1:], dtype=_float_dtype(x)) if p is None else p for p in parts])


def zeros_like(x):
    """A zero adjoint for ``x``: same shape, floating point (integers promote as in NumPy).
    ``None`` (a variable not assigned yet, see the reverse pass) gets 0.0."""
    if x is None:
        return 0.0
    if isinstance(x, dict):
        return DictAdjoint((k, zeros_like(v)) for k, v in x.items())
    if isinstance(x, (tuple, list)):
        return adjoint_like(x, [zeros_like(v) for v in x])
    if isinstance(x, (int, float, bool)):
        return 0.0
    if isinstance(x, complex):
        return 0j
    return np.zeros(np.shape(x), dtype=_float_dtype(x))


def _float_dtype(*values):
    dtype = np.result_type(*[np.asarray(v).dtype for v in values])
    return dtype if np.issubdtype(dtype, np.inexact) else np.float64


def seed_scalar(out):
    """The seed of reverse mode for ``grad``: d(out)/d(out) = 1, shaped and typed like ``out``."""
    if isinstance(out, (float, int)) and not isinstance(out, bool):
        return 1.0
    if isinstance(out, (np.ndarray, np.generic)) and out.shape == ():
        return np.ones((), dtype=_float_dtype(out))[()]
    shape = getattr(out, "shape", None)
    what = f"an array of shape {shape}" if shape is not None else f"a value of type {type(out).__name__}"
    raise NonScalarOutputError(
        f"grad needs a function with a scalar value, but it returned {what}",
        hint="grad differentiates a scalar: use srcad.vjp (or srcad.jacrev) for an array or tuple "
             "output")


def zero_at(g, index):
    """``g`` with ``g[index]`` set to zero, as a new array: the adjoint of the value that
    ``x[index] = ...`` overwrote (no gradient flows to it)."""
    if isinstance(g, (list, dict)):
        g = type(g)(g)
        g[index] = zeros_like(g[index])
        return g
    g = np.array(g, dtype=_float_dtype(g), copy=True)
    g[index] = 0
    return g


def unsetitem(g, index, value):
    """The gradient of ``value`` in ``x[index] = value``: ``g[index]`` summed to ``value``'s shape,
    where only the write that survives counts when an index array repeats a position (NumPy keeps
    the last)."""
    part = np.asarray(g)[index]
    if _advanced(index):
        ids = np.full(np.shape(g), -1)
        order = np.arange(part.size).reshape(part.shape)
        ids[index] = order
        part = part * (ids[index] == order)
    return unbroadcast(part, value)


def _advanced(index) -> bool:
    """Does ``index`` use an integer array or list (which may repeat a position)?"""
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, (list, np.ndarray)) and np.asarray(p).dtype.kind in "iu" for p in parts)


def list_copy(values):
    """A new list with the same entries (the stack, for a backward that may run again)."""
    return list(values)


def snapshot(value):
    """A copy of ``value`` that later in-place writes cannot change (for saving ``x[index]``)."""
    return value.copy() if isinstance(value, np.ndarray) else value


def private_copy(x):
    """A copy of an argument the function writes into, so the caller's array is never modified."""
    if isinstance(x, np.ndarray):
        return x.copy()
    if isinstance(x, list):
        return list(x)
    return x



# ---- reductions and scans -----------------------------------------------------------------------

def _reduced_axes(shape, axis):
    if axis is None or not shape:
        return tuple(range(len(shape)))
    return _normalize_axis(axis, len(shape))


def _expand_reduced(g, shape, axis, keepdims):
    """``g`` of a reduction, with the reduced axes put back (size 1), ready to broadcast."""
    if keepdims:
        return np.asarray(g)
    return np.reshape(g, [1 if k in _reduced_axes(shape, axis) else n for k, n in enumerate(shape)])


def unprod(g, a, ans, axis=None, keepdims=False):
    """Adjoint of ``np.prod``: ``g`` times the product of the *other* entries (exact with zeros)."""
    a = np.asarray(a)
    if a.ndim == 0:
        return g
    axes = _reduced_axes(a.shape, axis)
    g = _expand_reduced(g, a.shape, axis, keepdims)
    kept = [k for k in range(a.ndim) if k not in axes]
    moved = np.transpose(a, kept + list(axes))
    flat = moved.reshape(moved.shape[:len(kept)] + (-1,))
    ones = np.ones(flat.shape[:-1] + (1,), dtype=flat.dtype)
    left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    right = np.flip(np.cumprod(np.concatenate([ones, np.flip(flat, -1)[..., :-1]], axis=-1), -1), -1)
    others = (left * right).reshape(moved.shape)
    others = np.transpose(others, np.argsort(kept + list(axes)))
    return g * others


def unvar(g, a, axis=None, ddof=0, keepdims=False):
    """Adjoint of ``np.var``: 2 (a - mean) / (N - ddof), times ``g``."""
    a = np.asarray(a)
    count = int(np.prod([a.shape[k] for k in _reduced_axes(a.shape, axis)]))
    g = _expand_reduced(g, a.shape, axis, keepdims)
    return g * 2 * (a - a.mean(axis=axis, keepdims=True)) / (count - ddof)


def unstd(g, a, ans, axis=None, ddof=0, keepdims=False):
    """Adjoint of ``np.std``: that of ``var`` over 2 std; 0 where the std is 0 (a constant slice)."""
    ans = np.asarray(ans)
    safe = np.where(ans == 0, 1, ans)
    return unvar(np.where(ans == 0, 0, np.asarray(g) / (2 * safe)), a, axis, ddof, keepdims)


def uncumsum(g, a, axis=None):
    """Adjoint of ``np.cumsum``: a cumulative sum from the other end."""
    if axis is None:
        return np.reshape(np.flip(np.cumsum(np.flip(np.ravel(g)))), np.shape(a))
    return np.flip(np.cumsum(np.flip(g, axis), axis), axis)


def uncumprod(g, a, ans, axis=None):
    """Adjoint of ``np.cumprod`` (exact with zeros: each entry's partial products recomputed)."""
    shape = np.shape(a)
    if axis is None:
        a, g, ans, axis = np.ravel(a), np.ravel(g), np.ravel(ans), 0
    a, g = np.moveaxis(np.asarray(a, dtype=float), axis, -1), np.moveaxis(np.asarray(g), axis, -1)
    n = a.shape[-1]
    result = np.zeros(np.broadcast_shapes(a.shape, g.shape))
    for i in range(n):  # d out_j / d a_i = prod_{k <= j, k != i} a_k for j >= i
        others = a.copy()
        others[..., i] = 1
        partial = np.cumprod(others, axis=-1)[..., i:]
        result[..., i] = np.sum(g[..., i:] * partial, axis=-1)
    result = np.moveaxis(result, -1, axis)
    return np.reshape(result, shape)


def _diagonal_index(shape, offset, axis1, axis2):
    """Index arrays selecting the ``offset`` diagonal of axes (axis1, axis2) moved to the end."""
    n, m = shape[axis1], shape[axis2]
    length = max(0, min(n - max(-offset, 0), m - max(offset, 0)))
    k = np.arange(length)
    return k + max(-offset, 0), k + max(offset, 0)


def undiagonal(g, a, offset=0, axis1=0, axis2=1):
    """Adjoint of ``np.diagonal``: ``g`` written back on the diagonal of zeros shaped like ``a``."""
    a = np.asarray(a)
    axis1, axis2 = axis1 % a.ndim, axis2 % a.ndim
    result = np.zeros(a.shape, dtype=_float_dtype(a, g))
    moved = np.moveaxis(result, (axis1, axis2), (-2, -1))  # a view: writes land in result
    rows, cols = _diagonal_index(a.shape, offset, axis1, axis2)
    moved[..., rows, cols] = g
    return result


def untrace(g, a, offset=0, axis1=0, axis2=1):
    """Adjoint of ``np.trace``."""
    a = np.asarray(a)
    rows, _ = _diagonal_index(a.shape, offset, axis1 % a.ndim, axis2 % a.ndim)
    return undiagonal(np.repeat(np.asarray(g)[..., None], len(rows), axis=-1), a, offset, axis1, axis2)


def unnorm(g, x, ans, ord=None, axis=None, keepdims=False):
    """Adjoint of ``np.linalg.norm`` for the vector and matrix norms NumPy computes.

    At a point where the norm is not differentiable (x = 0 for the 2-norm, ties for the max-norms,
    0 for the 1-norm's |x|), the gradient is 0 there, or split evenly between tied entries."""
    x = np.asarray(x)
    matrix = (axis is None and x.ndim == 2 and ord is not None) or (isinstance(axis, tuple) and len(axis) == 2) \
        or ord in ("fro", "nuc")
    if axis is None and not matrix:
        ax = None
    else:
        ax = axis
    if matrix:
        ax = (0, 1) if axis is None else tuple(a % x.ndim for a in axis)
        gx = _expand_reduced(g, x.shape, ax, keepdims)
        ansx = _expand_reduced(ans, x.shape, ax, keepdims)
        if ord in (None, "fro"):
            return gx * x / np.where(ansx == 0, 1, ansx)
        moved = np.moveaxis(x, ax, (-2, -1))
        gm = np.moveaxis(gx, ax, (-2, -1))
        if ord == "nuc":
            u, _, vt = np.linalg.svd(moved, full_matrices=False)
            return np.moveaxis(gm * (u @ vt), (-2, -1), ax)
        if ord in (2, -2):
            u, s, vt = np.linalg.svd(moved, full_matrices=False)
            k = 0 if ord == 2 else -1
            outer = u[..., :, k, None] * vt[..., None, k, :]
            return np.moveaxis(gm * outer, (-2, -1), ax)
        if ord in (1, -1, np.inf, -np.inf):
            sums_axis = -2 if ord in (1, -1) else -1  # column sums for 1, row sums for inf
            sums = np.sum(np.abs(moved), axis=sums_axis, keepdims=True)
            target = sums.max(axis=-1 if sums_axis == -2 else -2, keepdims=True) if ord in (1, np.inf) \
                else sums.min(axis=-1 if sums_axis == -2 else -2, keepdims=True)
            pick = (sums == target)
            pick = pick / pick.sum(axis=-1 if sums_axis == -2 else -2, keepdims=True)
            return np.moveaxis(gm * pick * np.sign(moved), (-2, -1), ax)
        raise _unsupported(f"srcad: gradient of the matrix norm ord={ord!r}")
    gx = _expand_reduced(g, x.shape, ax, keepdims)
    ansx = _expand_reduced(ans, x.shape, ax, keepdims)
    if ord is None or ord == 2:
        return gx * x / np.where(ansx == 0, 1, ansx)
    if ord == 1:
        return gx * np.sign(x)
    if ord in (np.inf, -np.inf):
        pick = np.abs(x) == ansx
        return gx * np.sign(x) * pick / np.sum(pick, axis=ax, keepdims=True)
    if ord == 0:
        return np.zeros_like(x, dtype=_float_dtype(x))
    p = float(ord)
    safe = np.where(ansx == 0, 1, ansx)
    return gx * np.sign(x) * np.abs(x) ** (p - 1) / safe ** (p - 1)


# ---- products -----------------------------------------------------------------------------------

def _tensordot_axes(a, b, axes):
    if isinstance(axes, int):
        return list(range(np.ndim(a) - axes, np.ndim(a))), list(range(axes))
    axes_a, axes_b = axes
    axes_a = [axes_a] if isinstance(axes_a, int) else list(axes_a)
    axes_b = [axes_b] if isinstance(axes_b, int) else list(axes_b)
    return [k % np.ndim(a) for k in axes_a], [k % np.ndim(b) for k in axes_b]


def tensordot_da(g, a, b, axes=2):
    """Adjoint of ``np.tensordot(a, b, axes)`` with respect to ``a``."""
    axes_a, axes_b = _tensordot_axes(a, b, axes)
    free_a = [k for k in range(np.ndim(a)) if k not in axes_a]
    free_b = [k for k in range(np.ndim(b)) if k not in axes_b]
    g_b_axes = list(range(len(free_a), len(free_a) + len(free_b)))
    result = np.tensordot(g, b, axes=(g_b_axes, free_b))  # axes: free_a, then b's contracted axes
    order = free_a + [axes_a[axes_b.index(k)] for k in sorted(axes_b)]
    return np.transpose(result, np.argsort(order))


def tensordot_db(g, a, b, axes=2):
    """Adjoint of ``np.tensordot(a, b, axes)`` with respect to ``b``."""
    axes_a, axes_b = _tensordot_axes(a, b, axes)
    free_a = [k for k in range(np.ndim(a)) if k not in axes_a]
    free_b = [k for k in range(np.ndim(b)) if k not in axes_b]
    g_a_axes = list(range(len(free_a)))
    result = np.tensordot(a, g, axes=(free_a, g_a_axes))  # axes: a's contracted axes, then free_b
    order = [axes_b[axes_a.index(k)] for k in sorted(axes_a)] + free_b
    return np.transpose(result, np.argsort(order))


def _einsum_parts(subscripts, operands):
    subscripts = subscripts.replace(" ", "")
    if "." in subscripts:
        raise _unsupported("srcad: the gradient of einsum with '...' is not implemented")
    if "->" in subscripts:
        inputs, output = subscripts.split("->")
    else:
        inputs = subscripts
        letters = inputs.replace(",", "")
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    return inputs.split(","), output


def einsum_adjoint(g, subscripts, operands, k):
    """Adjoint of ``np.einsum(subscripts, *operands)`` with respect to ``operands[k]``."""
    inputs, output = _einsum_parts(subscripts, operands)
    target = inputs[k]
    shape = np.shape(operands[k])
    if len(set(target)) != len(target):
        # a repeated index takes a diagonal: differentiate with respect to the diagonal, then
        # write that onto the diagonal of zeros (einsum gives a writeable view of it)
        unique = "".join(dict.fromkeys(target))
        sizes = {c: n for c, n in zip(target, shape)}
        diagonal = np.einsum(f"{target}->{unique}", np.asarray(operands[k]))
        reduced_inputs = inputs[:k] + [unique] + inputs[k + 1:]
        spec = ",".join(reduced_inputs) + "->" + output
        part = einsum_adjoint(g, spec, list(operands[:k]) + [diagonal] + list(operands[k + 1:]), k)
        result = np.zeros(shape, dtype=_float_dtype(operands[k], g))
        np.einsum(f"{target}->{unique}", result)[...] = np.reshape(part, [sizes[c] for c in unique])
        return result
    others = [(s, op) for j, (s, op) in enumerate(zip(inputs, operands)) if j != k]
    available = set(output) | {c for s, _ in others for c in s}
    kept = "".join(c for c in target if c in available)
    spec = ",".join([output] + [s for s, _ in others]) + "->" + kept
    result = np.einsum(spec, g, *[op for _, op in others])
    # indices summed in this operand alone: the gradient is constant along them
    expanded = np.reshape(result, [shape[i] if c in available else 1 for i, c in enumerate(target)])
    return np.broadcast_to(expanded, shape).copy()


def outer_da(g, a, b):
    return np.reshape(np.asarray(g) @ np.ravel(b), np.shape(a))


def outer_db(g, a, b):
    return np.reshape(np.ravel(a) @ np.asarray(g), np.shape(b))


def _kron_blocks(g, a, b):
    """``g`` of ``np.kron(a, b)`` as blocks ``(a_0, b_0, a_1, b_1, ...)``, and einsum letters."""
    blocks = np.reshape(g, [n for pair in zip(np.shape(a), np.shape(b)) for n in pair])
    letters = "abcdefghij"
    a_idx, b_idx = letters[:np.ndim(a)], letters[np.ndim(a):2 * np.ndim(a)]
    return blocks, a_idx, b_idx, "".join(x + y for x, y in zip(a_idx, b_idx))


def kron_da(g, a, b):
    """Adjoint of ``np.kron(a, b)`` with respect to ``a`` (operands of equal dimension)."""
    blocks, a_idx, b_idx, g_idx = _kron_blocks(g, a, b)
    return np.einsum(f"{g_idx},{b_idx}->{a_idx}", blocks, np.asarray(b))


def kron_db(g, a, b):
    """Adjoint of ``np.kron(a, b)`` with respect to ``b``."""
    blocks, a_idx, b_idx, g_idx = _kron_blocks(g, a, b)
    return np.einsum(f"{g_idx},{a_idx}->{b_idx}", blocks, np.asarray(a))


def inner_da(g, a, b):
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * b, a)
    return tensordot_da(g, a, b, (-1, -1))


def inner_db(g, a, b):
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * a, b)
    return tensordot_db(g, a, b, (-1, -1))


# ---- shape and assembly -------------------------------------------------------------------------

def unconcatenate(g, arrays, axis=0):
    """Adjoint of ``np.concatenate(arrays, axis)``: ``g`` cut back into pieces like ``arrays``."""
    if axis is None:
        sizes = [np.size(a) for a in arrays]
        pieces = np.split(np.ravel(g), np.cumsum(sizes)[:-1])
        return adjoint_like(arrays, [np.reshape(p, np.shape(a)) for p, a in zip(pieces, arrays)])
    sizes = [np.shape(a)[axis] for a in arrays]
    return adjoint_like(arrays, list(np.split(g, np.cumsum(sizes)[:-1], axis=axis)))


def unstack(g, arrays, axis=0):
    """Adjoint of ``np.stack(arrays, axis)``."""
    return adjoint_like(arrays, [np.take(g, k, axis=axis) for k in range(len(arrays))])


def unhstack(g, arrays):
    """Adjoint of ``np.hstack``: along axis 0 for 1-d pieces, axis 1 otherwise."""
    pieces = [np.atleast_1d(a) for a in arrays]
    axis = 0 if pieces[0].ndim == 1 else 1
    parts = unconcatenate(g, pieces, axis)
    return adjoint_like(arrays, [np.reshape(p, np.shape(a)) for p, a in zip(parts, arrays)])


def unvstack(g, arrays):
    """Adjoint of ``np.vstack``: pieces as at least 2-d along axis 0."""
    parts = unconcatenate(g, [np.atleast_2d(a) for a in arrays], 0)
    return adjoint_like(arrays, [np.reshape(p, np.shape(a)) for p, a in zip(parts, arrays)])


def unsplit(g, ary, ans, axis=0):
    """Adjoint of ``np.split``/``np.array_split`` (``g`` holds one adjoint per piece)."""
    parts = [np.zeros(np.shape(piece)) if part is None else part for part, piece in zip(g, ans)]
    return np.concatenate(parts, axis=axis)


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


def unrepeat(g, a, repeats, axis=None):
    """Adjoint of ``np.repeat``: each entry's copies summed."""
    a = np.asarray(a)
    flat_axis = 0 if axis is None else axis % max(a.ndim, 1)
    source = np.ravel(a) if axis is None else a
    n = source.shape[flat_axis] if source.ndim else 1
    counts = np.broadcast_to(np.asarray(repeats), (n,))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    g = np.asarray(g)
    summed = np.add.reduceat(g, starts, axis=flat_axis) if g.shape[flat_axis] else np.zeros(source.shape)
    summed = np.where(np.reshape(counts == 0, [-1 if k == flat_axis else 1 for k in range(source.ndim)]),
                      0, summed) if source.ndim else summed
    return np.reshape(summed, a.shape)


def unpad(g, array, pad_width, mode="constant"):
    """Adjoint of ``np.pad`` in constant mode: the interior of ``g``."""
    if mode != "constant":
        raise _unsupported(f"srcad: the gradient of np.pad is implemented for mode='constant' "
                                  f"only, not {mode!r}")
    shape = np.shape(array)
    widths = np.broadcast_to(np.asarray(pad_width), (len(shape), 2))
    return np.asarray(g)[tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, shape))]


def unsort(g, a, axis=-1):
    """Adjoint of ``np.sort``: each entry of ``g`` back to where its value came from."""
    if axis is None:
        order = np.argsort(np.ravel(a), kind="stable")
        result = np.zeros(np.size(a), dtype=_float_dtype(a, g))
        result[order] = g
        return np.reshape(result, np.shape(a))
    order = np.argsort(a, axis=axis, kind="stable")
    result = np.zeros(np.shape(a), dtype=_float_dtype(a, g))
    np.put_along_axis(result, order, g, axis=axis)
    return result


def untake(g, a, indices, axis=None):
    """Adjoint of ``np.take``: ``g`` added at ``indices`` (repeated indices add up)."""
    result = np.zeros(np.shape(a), dtype=_float_dtype(a, g))
    if axis is None:
        flat = np.ravel(result)  # a view of result
        np.add.at(flat, np.ravel(indices), np.ravel(g))
        return result
    moved = np.moveaxis(result, axis, 0)
    np.add.at(moved, indices, np.moveaxis(g, list(range(axis, axis + np.ndim(indices))),
                                          list(range(np.ndim(indices)))))
    return result


def untake_along_axis(g, arr, indices, axis):
    """Adjoint of ``np.take_along_axis``."""
    arr = np.asarray(arr)
    if axis is None:
        return np.reshape(untake(g, np.ravel(arr), indices), arr.shape)
    axis = axis % arr.ndim
    result = np.zeros(arr.shape, dtype=_float_dtype(arr, g))
    grids = np.indices(np.shape(indices), sparse=True)
    index = tuple(indices if k == axis else grids[k] for k in range(arr.ndim))
    np.add.at(result, index, g)
    return result


def undiag(g, v, k=0):
    """Adjoint of ``np.diag``: the diagonal of ``g`` (for a vector ``v``) or ``g`` put on the
    diagonal of zeros shaped like the matrix ``v``."""
    if np.ndim(v) == 1:
        return np.diagonal(g, k).copy()
    return undiagonal(g, v, k, 0, 1)


def unarray(g, obj):
    """Adjoint of ``np.array(obj)`` for a (nested) list or tuple of values."""
    if isinstance(obj, (list, tuple)):
        g = np.asarray(g)
        return adjoint_like(obj, [unarray(g[k], item) for k, item in enumerate(obj)])
    return unbroadcast(g, obj) if np.ndim(g) else g


def unastype(g, a, dtype):
    """Adjoint of ``a.astype(dtype)``: ``g`` in ``a``'s floating type; zero for a cast to an
    integer or boolean type (whose result is piecewise constant)."""
    if np.dtype(dtype).kind in "biu":
        return zeros_like(a)
    return np.asarray(g).astype(_float_dtype(a), copy=False)


def unsum_sequence(g, iterable):
    """Adjoint of the builtin ``sum(iterable)``."""
    if isinstance(iterable, (list, tuple)):
        return adjoint_like(iterable, [unbroadcast(g, item) for item in iterable])
    return np.broadcast_to(g, np.shape(iterable)).copy()


def extremum_adjoint(g, args, k, ans):
    """Adjoint of the builtin ``max``/``min`` of several values (or of one sequence): the first
    argument equal to the result gets the gradient."""
    if len(args) == 1:
        seq = args[0]
        first = next(j for j, v in enumerate(seq) if v == ans)
        return adjoint_like(seq, [g if j == first else zeros_like(v) for j, v in enumerate(seq)]) \
            if isinstance(seq, (list, tuple)) else unindex(g, seq, first)
    first = next(j for j, v in enumerate(args) if v == ans)
    return g if k == first else zeros_like(args[k])


def clip_adjoint(g, a, a_min, a_max):
    """Adjoint of ``np.clip``: ``g`` where ``a`` lies inside [a_min, a_max] (bounds included)."""
    inside = np.ones(np.shape(a), dtype=bool)
    if a_min is not None:
        inside &= np.asarray(a) >= a_min
    if a_max is not None:
        inside &= np.asarray(a) <= a_max
    return unbroadcast(g * inside, a)


def sinc_adjoint(g, x):
    """Adjoint of ``np.sinc``: (cos(pi x) - sinc(x)) / x, and 0 at x = 0."""
    x = np.asarray(x)
    safe = np.where(x == 0, 1, x)
    return g * np.where(x == 0, 0, (np.cos(np.pi * safe) - np.sinc(safe)) / safe)


# ---- linear algebra -----------------------------------------------------------------------------

def mT(x):
    """The transpose of the last two axes (a stack of matrices)."""
    return np.swapaxes(x, -1, -2)


def det_adjoint(g, a, ans):
    """Adjoint of ``np.linalg.det``: g det(a) inv(a)^T (a must be invertible)."""
    g, ans = np.asarray(g), np.asarray(ans)
    return (g * ans)[..., None, None] * mT(np.linalg.inv(a))


def slogdet_adjoint(g, a):
    """Adjoint of ``np.linalg.slogdet`` (only the log-determinant carries a gradient)."""
    glog = np.asarray(g[1])
    return glog[..., None, None] * mT(np.linalg.inv(a))


def solve_da(g, a, b, ans):
    """Adjoint of ``np.linalg.solve(a, b)`` with respect to ``a``."""
    gb = solve_db(g, a, b, ans)
    if np.ndim(b) == 1:
        return -np.multiply.outer(gb, ans) if np.ndim(a) == 2 else -gb[..., :, None] * ans[..., None, :]
    return -gb @ mT(ans)


def solve_db(g, a, b, ans):
    """Adjoint of ``np.linalg.solve(a, b)`` with respect to ``b``: solve(a^T, g)."""
    if np.ndim(b) == 1:
        return np.linalg.solve(mT(a), np.asarray(g)[..., None])[..., 0]
    return np.linalg.solve(mT(a), g)


def cholesky_adjoint(g, ans):
    """Adjoint of ``np.linalg.cholesky`` (``ans`` = L), as a symmetric matrix: the gradient with
    respect to a symmetric ``a`` (NumPy reads only its lower triangle). Murray (2016)."""
    L = ans
    n = L.shape[-1]
    phi = mT(L) @ g
    phi = np.tril(phi) / (1 + np.eye(n))
    s = np.linalg.solve(mT(L), mT(np.linalg.solve(mT(L), mT(phi))))
    return (s + mT(s)) / 2


def eigh_adjoint(g, ans):
    """Adjoint of ``np.linalg.eigh`` (distinct eigenvalues), symmetric like the input."""
    w, v = ans
    gw, gv = g
    gw = np.zeros_like(w) if gw is None else np.asarray(gw)
    inner = np.zeros(np.shape(v)) if gv is None else mT(v) @ gv
    diff = w[..., None, :] - w[..., :, None]
    off = np.where(np.eye(w.shape[-1], dtype=bool), 0, 1 / np.where(diff == 0, 1, diff))
    middle = off * inner
    middle = middle + np.eye(w.shape[-1]) * gw[..., None, :]
    result = v @ middle @ mT(v)
    return (result + mT(result)) / 2


def pinv_adjoint(g, a, ans):
    """Adjoint of ``np.linalg.pinv`` (for a matrix of constant rank; Golub and Pereyra)."""
    p = ans
    a = np.asarray(a)
    eye_m = np.eye(a.shape[-2])
    eye_n = np.eye(a.shape[-1])
    gt = mT(g)
    return (-mT(p) @ g @ mT(p) + (eye_m - a @ p) @ gt @ p @ mT(p)
            + mT(p) @ p @ gt @ (eye_n - p @ a))


def call_vjp(vjp, g, ans, args, kwargs):
    """Call a user's VJP (srcad.defvjp) and check what it returns: one gradient per positional
    argument (None: no gradient, taken as zero)."""
    grads = vjp(g, ans, *args, **kwargs)
    if len(args) == 1 and not isinstance(grads, (tuple, list)):
        grads = (grads,)
    name = getattr(vjp, "__qualname__", repr(vjp))
    if not isinstance(grads, (tuple, list)) or len(grads) != len(args):
        from ..errors import SrcadError
        raise SrcadError(f"the VJP {name} must return one gradient per positional argument "
                         f"({len(args)}), as a tuple; it returned {grads!r:.80}")
    return tuple(zeros_like(a) if d is None else d for d, a in zip(grads, args))


def check_unshared(value, others, names, message):
    """Refuse a write into an array that another live variable shares (see srcad.alias)."""
    if not isinstance(value, np.ndarray):
        return
    for other, name in zip(others, names):
        if isinstance(other, np.ndarray) and np.may_share_memory(value, other):
            from ..errors import AliasingError
            raise AliasingError(message.format(name=name))


def check_not_array(value, message):
    """Refuse to pass an array to a function that changes that argument in place (srcad.alias)."""
    if isinstance(value, np.ndarray):
        from ..errors import AliasingError
        raise AliasingError(message)


def check_finite(value, name, where, involved):
    """``debug_nans``: stop at the first NaN or inf in an adjoint, saying where and with what."""
    try:
        finite = bool(np.all(np.isfinite(value)))
    except TypeError:  # a list or tuple adjoint
        finite = all(np.all(np.isfinite(v)) for v in value if v is not None)
    if finite:
        return

    def summary(v):
        a = np.asarray(v, dtype=float) if not isinstance(v, (list, tuple)) else None
        if a is None:
            return f"{type(v).__name__} of {len(v)}"
        if a.size <= 6:
            return np.array2string(a, precision=4)
        return (f"array{a.shape}: min {np.nanmin(a):.4g}, max {np.nanmax(a):.4g}, "
                f"{int(np.isnan(a).sum())} nan, {int(np.isinf(a).sum())} inf")
    # Speak of the user's variables: the names on the user's line. The others are srcad's names for
    # parts of the line's expression (log_h for np.log(h)), or a user's name renamed (t_2 for t).
    import re
    line = re.match(r"^(.+?):(\d+): (.*)$", where, re.S)
    user = set(re.findall(r"[A-Za-z_]\w*", line.group(3) if line else where))

    def own(var):  # the user's name for srcad's variable ``var``, or None
        if var in user:
            return var
        base = re.sub(r"_\d+$", "", var)
        return base if base != var and base in user else None

    of = next((v for v in involved if name == "d" + v or re.fullmatch(f"d{re.escape(v)}_\\d+",
                                                                      name)), None)
    bad = "nan" if np.isnan(value).any() else "inf"
    if of is None or own(of) == of:
        what = f"the gradient {name}"
    elif own(of) is not None:
        what = f"the gradient of {own(of)} ({name}: srcad renamed {own(of)} to {of})"
    else:
        what = (f"the gradient {name} of {of} (srcad's name for a part of the expression on this "
                "line)")
    mine = [f"{k} = {summary(v)}" for k, v in involved.items() if own(k) == k]
    mine += [f"{own(k)} (renamed {k}) = {summary(v)}" for k, v in involved.items()
             if own(k) not in (None, k)]
    parts = [f"{k} = {summary(v)}" for k, v in involved.items() if own(k) is None]
    details = ("\n  values: " + "; ".join(mine) if mine else "") + (
        "\n  intermediate values: " + "; ".join(parts) if parts else "")
    from ..errors import NonFiniteError
    raise NonFiniteError(f"{what} became {bad} at {where}{details}")


# ---- forward mode (srcad.jvp) -------------------------------------------------------------------
# Tangents are shaped like the values they belong to. A container's tangent is a container of the same
# kind (a plain list for a list, so that '+' on two list tangents concatenates as on the lists).

def zero_tangent(x):
    """The tangent of a value no tangent reached: zeros shaped and typed like ``x`` (floating
    point), containers of zeros for containers, ``None`` for ``None``."""
    if x is None:
        return None
    if isinstance(x, (_SequenceAdjoint, DictAdjoint)):
        return zeros_like(x)
    if isinstance(x, dict):
        return {k: zero_tangent(v) for k, v in x.items()}
    if isinstance(x, list):
        return [zero_tangent(v) for v in x]
    if isinstance(x, tuple):
        return tuple(zero_tangent(v) for v in x)
    if isinstance(x, (str, bytes, range, slice)) or callable(x):
        return None
    return zeros_like(x)


def one_like(x, name="x"):
    """The unit tangent of a scalar argument (``grad`` of a derivative differentiates by forward
    mode, one direction per scalar argument)."""
    if np.ndim(x) != 0 or isinstance(x, (list, tuple, dict)):
        from ..errors import SrcadError
        raise SrcadError(
            f"grad of a derivative differentiates with respect to scalar arguments, but '{name}' "
            f"has shape {np.shape(x)}",
            hint="for arrays use srcad.hessian, srcad.hvp or srcad.jacfwd(srcad.grad(f))")
    return 1.0 if isinstance(x, (int, float)) else np.ones((), dtype=_float_dtype(x))[()]


def broadcast_tangent(v, ans):
    """``v`` broadcast to the shape of ``ans`` (``y = x + c`` with only a scalar ``x`` varying:
    the tangent of ``y`` is ``x``'s tangent in every entry)."""
    if type(v) in _SCALAR_TYPES and type(ans) in _SCALAR_TYPES:
        return v
    shape = np.shape(ans)
    if np.shape(v) == shape:
        return v
    return np.broadcast_to(v, shape).copy()


def tangent_sum(v):
    """The tangent of the builtin ``sum(iterable)``: the sum of the entries' tangents."""
    if isinstance(v, (list, tuple)):
        total = 0.0
        for item in v:
            total = total + item
        return total
    return np.sum(v, axis=0)


def extremum_tangent(v, args, k, ans):
    """Tangent of the builtin ``max``/``min`` of several values (or of one sequence): the tangent
    of the first argument equal to the result (the convention of the VJP)."""
    if len(args) == 1:
        first = next(j for j, value in enumerate(args[0]) if value == ans)
        return v[first]
    first = next(j for j, value in enumerate(args) if value == ans)
    return v if k == first else zero_tangent(args[k])


def reduction_tangent(p, v, axis=None, keepdims=False):
    """Tangent of a reduction along ``axis`` whose partial derivatives are ``p`` (shaped like the
    input): the partials times the tangent, summed along the reduced axes."""
    product = np.multiply(p, v)
    if np.ndim(product) == 0:
        return product
    return np.sum(product, axis=axis, keepdims=keepdims)


def astype_tangent(v, dtype):
    """Tangent of ``a.astype(dtype)``: zero for a cast to integers or booleans."""
    if np.dtype(dtype).kind in "biu":
        return np.zeros(np.shape(v))
    return np.asarray(v).astype(dtype)


def split_tangent(v, ans, axis=0):
    """Tangent of ``np.split``/``np.array_split``: ``v`` cut where the result was cut."""
    sizes = [np.shape(part)[axis] for part in ans]
    return np.split(v, np.cumsum(sizes)[:-1], axis)


def sort_tangent(v, a, axis=-1):
    """Tangent of ``np.sort``: the tangent entries follow their values."""
    order = np.argsort(a, axis=axis, kind="stable")
    if axis is None:
        return np.ravel(v)[order]
    return np.take_along_axis(np.asarray(v), order, axis=axis)


def cumprod_tangent(v, a, ans, axis=None):
    """Tangent of ``np.cumprod``: sum over i <= j of v_i times the product of the other a_k, k <= j
    (exact at zeros too)."""
    a, v = np.asarray(a, dtype=float), np.asarray(v, dtype=float)
    if axis is None:
        a, v, axis = a.ravel(), v.ravel(), 0
    if np.all(a != 0):
        return ans * np.cumsum(v / a, axis=axis)
    a, v = np.moveaxis(a, axis, -1), np.moveaxis(v, axis, -1)
    n = a.shape[-1]
    out = np.zeros(a.shape)
    for i in range(n):
        factors = a.copy()
        factors[..., i] = v[..., i]
        part = np.cumprod(factors, axis=-1)
        part[..., :i] = 0
        out += part
    return np.moveaxis(out, -1, axis)


def einsum_tangent(v, subscripts, operands, k):
    """Tangent of ``np.einsum`` with respect to ``operands[k]``: the same contraction, with the
    tangent in place of that operand."""
    return np.einsum(subscripts, *operands[:k], v, *operands[k + 1:])


def einsum_adjoint_tangent(g, subscripts, operands, k, v):
    """Tangent of ``einsum_adjoint(g, subscripts, operands, k)`` along tangents ``v`` of the
    operands (it is linear in each operand other than the k-th)."""
    total = np.zeros(np.shape(operands[k]))
    for j in range(len(operands)):
        if j != k and v[j] is not None:
            changed = list(operands[:j]) + [v[j]] + list(operands[j + 1:])
            total = total + einsum_adjoint(g, subscripts, changed, k)
    return total


def slogdet_tangent(v, a):
    """Tangent of ``np.linalg.slogdet``: (0, trace(a^-1 v))."""
    sign, _ = np.linalg.slogdet(a)
    return (np.zeros_like(sign), np.trace(np.linalg.solve(a, v), axis1=-2, axis2=-1))


def cholesky_tangent(v, ans):
    """Tangent of ``np.linalg.cholesky`` for a symmetric tangent ``v``: L Phi(L^-1 v L^-T), where
    Phi takes the lower triangle and halves the diagonal."""
    L = ans
    inner = np.linalg.solve(L, mT(np.linalg.solve(L, mT(v))))
    n = L.shape[-1]
    return L @ (np.tril(inner) - np.eye(n) * inner / 2)


def eigh_tangent(v, ans):
    """Tangent of ``np.linalg.eigh`` (distinct eigenvalues): eigenvalues diag(V^T v V), vectors
    V (F o V^T v V) with F_ij = 1 / (w_j - w_i) off the diagonal."""
    w, vecs = ans
    inner = mT(vecs) @ v @ vecs
    diff = w[..., None, :] - w[..., :, None]
    off = np.where(np.eye(w.shape[-1], dtype=bool), 0, 1 / np.where(diff == 0, 1, diff))
    return (np.diagonal(inner, axis1=-2, axis2=-1).copy(), vecs @ (off * inner))


def pinv_tangent(v, a, ans):
    """Tangent of ``np.linalg.pinv`` for a matrix of constant rank (Golub and Pereyra)."""
    p = ans
    a = np.asarray(a)
    eye_m, eye_n = np.eye(a.shape[-2]), np.eye(a.shape[-1])
    return (-p @ v @ p + p @ mT(p) @ mT(v) @ (eye_m - a @ p)
            + (eye_n - p @ a) @ mT(v) @ mT(p) @ p)


def exponent_tangent(v, scale, x):
    """``v * scale * log(x)``: the tangent of ``x ** y`` from the exponent's tangent ``v``; 0 where
    ``v`` is 0 (an exponent that does not vary, as in ``x ** 3`` with a negative ``x``, whose log is
    undefined) and where ``x`` is 0."""
    if np.ndim(v) == 0 and np.ndim(scale) == 0 and np.ndim(x) == 0:
        return v * scale * np.log(x) if v != 0 and x != 0 else 0.0 * v
    v, x = np.asarray(v), np.asarray(x)
    moving = (v != 0) & (x != 0)
    return np.where(moving, v * scale * np.log(np.where(moving, x, 1)), 0.0)



def _norm_is_euclidean(x, ord, axis) -> bool:
    """Is this ``np.linalg.norm`` the 2-norm of vectors or the Frobenius norm of matrices?"""
    matrix = (axis is None and np.ndim(x) == 2 and ord is not None) or (
        isinstance(axis, tuple) and len(axis) == 2) or ord in ("fro", "nuc")
    return ord in (None, "fro") or (ord == 2 and not matrix)


def unnorm_dx(g, x, ans, ord, axis, keepdims, v):
    """Tangent of ``unnorm(g, x, ans, ...)`` along ``v``, a tangent of ``x`` (second order of
    ``np.linalg.norm``): for the 2- and Frobenius norms ``g x / ans`` is linear in ``x``; the 1-,
    0- and max-norms' gradients are piecewise constant in ``x``."""
    if _norm_is_euclidean(x, ord, axis):
        return unnorm(g, v, ans, ord, axis, keepdims)
    if ord in (1, 0, np.inf, -np.inf) and not (np.ndim(x) == 2 and axis is None):
        return np.zeros(np.shape(x))
    raise _unsupported(f"srcad: no second-order rule for np.linalg.norm with ord={ord!r}")


def unnorm_dans(g, x, ans, ord, axis, keepdims, v):
    """Tangent of ``unnorm(g, x, ans, ...)`` along ``v``, a tangent of the norm ``ans``."""
    if _norm_is_euclidean(x, ord, axis):
        ans = np.asarray(ans)
        return unnorm(-np.asarray(g) * v / np.where(ans == 0, 1, ans), x, ans, ord, axis, keepdims)
    if ord in (1, 0, np.inf, -np.inf) and not (np.ndim(x) == 2 and axis is None):
        return np.zeros(np.shape(x))
    raise _unsupported(f"srcad: no second-order rule for np.linalg.norm with ord={ord!r}")
