"""Helpers the generated code calls. Small, plain NumPy; no srcad machinery at run time.

Every helper takes the primal values it needs (for their shapes) and returns an adjoint shaped like the
primal it belongs to. Conventions at points where a derivative is undefined are stated where they are
decided, and collected in docs/rules.md.
"""

from __future__ import annotations

import numpy as np

from .errors import NonScalarOutputError


def unbroadcast(g, x):
    """Sum ``g`` down to the shape of ``x``: the adjoint of NumPy broadcasting ``x`` up to ``g``'s shape."""
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
    if axis is not None and not keepdims:
        g = np.expand_dims(g, _normalize_axis(axis, len(shape)))
    result = np.broadcast_to(g, shape)
    return result[()] if not shape else result.copy()


def unmean(g, x, axis=None, keepdims=False):
    """Adjoint of ``np.mean(x, axis, keepdims)``: ``unsum`` divided by the number averaged."""
    shape = np.shape(x)
    if axis is None:
        count = int(np.prod(shape))
    else:
        count = int(np.prod([shape[a] for a in _normalize_axis(axis, len(shape))]))
    return unsum(g, x, axis, keepdims) / count


def unmax(g, x, ans, axis=None, keepdims=False):
    """Adjoint of ``np.max``/``np.min`` (``ans`` is the result): ``g`` goes to the entries equal to
    the extremum, split evenly between them at a tie."""
    shape = np.shape(x)
    if axis is not None and not keepdims:
        axes = _normalize_axis(axis, len(shape))
        g, ans = np.expand_dims(g, axes), np.expand_dims(ans, axes)
    elif axis is None and not keepdims:
        g, ans = np.reshape(g, (1,) * len(shape)), np.reshape(ans, (1,) * len(shape))
    mask = np.asarray(x) == ans
    count = mask.sum(axis=axis, keepdims=True) if axis is not None else mask.sum()
    result = g * mask / count
    return result[()] if not shape else result


def _normalize_axis(axis, ndim):
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(a % ndim if ndim else a for a in axes)


def matmul_dx(g, x, y):
    """Adjoint of ``x @ y`` with respect to ``x`` (vectors, matrices and stacks of matrices)."""
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
        raise NotImplementedError(
            "srcad: the gradient of np.dot is implemented for scalars, vectors and matrices; "
            "use np.matmul or np.tensordot for arrays of more dimensions")


def log_or_zero(x):
    """``log(x)``, with 0 where ``x == 0``: d(x**y)/dy = x**y * log(x) is 0 at x = 0 (for y > 0)."""
    if np.ndim(x) == 0:
        return np.log(x) if x != 0 else 0.0
    x = np.asarray(x)
    return np.log(np.where(x == 0, 1, x))


def unindex(g, x, index):
    """Adjoint of ``x[index]``: ``g`` scattered into zeros shaped like ``x`` (repeated indices add up)."""
    if isinstance(x, (tuple, list)):
        if isinstance(index, slice):
            parts = [zeros_like(v) for v in x]
            for k, part in zip(range(*index.indices(len(x))), g):
                parts[k] = part
            return type(x)(parts)
        return type(x)(g if k == index % len(x) else zeros_like(v) for k, v in enumerate(x))
    result = np.zeros(np.shape(x), dtype=_float_dtype(x, g))
    np.add.at(result, index, g)
    return result


def unpack_adjoint(parts, x):
    """Adjoint of unpacking ``a, b, ... = x``: the adjoints of the parts (None where no gradient
    reached a part) reassembled into the structure of ``x``."""
    if isinstance(x, (tuple, list)):
        return type(x)(zeros_like(v) if p is None else p for p, v in zip(parts, x))
    x = np.asarray(x)
    return np.stack([np.zeros(x.shape[1:], dtype=_float_dtype(x)) if p is None else p for p in parts])


def zeros_like(x):
    """A zero adjoint for ``x``: same shape, floating point (integers promote as in NumPy).
    ``None`` (a variable not assigned yet, see the reverse pass) gets 0.0."""
    if x is None:
        return 0.0
    if isinstance(x, (tuple, list)):
        return type(x)(zeros_like(v) for v in x)
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
        hint="use srcad.vjp for functions with non-scalar or tuple outputs")


def gradient_of(dx, x):
    """The final gradient of argument ``x``: a Python float for a Python number, else an array."""
    if isinstance(x, (int, float)) and not isinstance(x, bool) and np.ndim(dx) == 0:
        return float(dx)
    return dx


def zero_at(g, index):
    """``g`` with ``g[index]`` set to zero, as a new array: the adjoint of the value that
    ``x[index] = ...`` overwrote (no gradient flows to it)."""
    if isinstance(g, list):
        g = list(g)
        g[index] = zeros_like(g[index])
        return g
    g = np.array(g, dtype=_float_dtype(g), copy=True)
    g[index] = 0
    return g


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


def add_structured(a, b):
    """``a + b`` for adjoints of lists and tuples: element by element (``+`` would concatenate)."""
    if isinstance(a, (tuple, list)):
        return type(a)(add_structured(x, y) for x, y in zip(a, b))
    return a + b
