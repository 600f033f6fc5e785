"""numba implementations of srcad's helpers of indexing, writes and run-time checks, for
``jit=True`` (registered when :mod:`srcad.jit.overloads` is imported; see its docstring for what
an implementation guarantees).

Accepts and guarantees as :mod:`srcad.jit.overloads`; the helpers: ``unindex`` and ``add_at``
(an index picking each position once: an integer, a slice, a tuple of them; an index array may
repeat a position, where ``np.add.at`` adds, and is refused), ``zero_at`` and ``zeroed_at``
(arrays), ``cast_like``, ``power_dx``, ``private_copy`` (numbers and arrays); the checks
``check_sequence``, ``check_item_not_array`` and ``real_operands`` where the kinds of the values
make them pass (an array, real operands); ``check_unshared``, ``check_distinct`` and
``check_not_array`` between arrays and numbers: two arrays are taken to share memory where the
byte ranges they span overlap (more often than ``np.shares_memory``, never less), and
:class:`~srcad.jit.overloads.JitUnsupported` is raised, so the Python code runs and raises the
located ``AliasingError``, or finds no sharing and the compiled code is refused.
"""

from __future__ import annotations

import numpy as np
from numba import literal_unroll, njit, types
from numba.extending import overload

from ..runtime import broadcasting, checks, containers, elementwise
from .overloads import implements, JitUnsupported, _array, _base, _float_dtype, _real


def _basic_index(t) -> bool:
    """An index that picks each position once (an integer, a slice, a tuple of them): there
    ``d[index] += g`` is ``np.add.at``; an index array may repeat a position, and is refused."""
    if isinstance(t, types.BaseTuple):
        return all(_basic_index(item) for item in t.types)
    return isinstance(t, (types.Integer, types.SliceType))


def _result_float(*ts):
    """The floating dtype of a gradient of values of numba types ``ts``: float32 where every
    one is float32, else float64 (as :func:`srcad.runtime.containers._float_dtype`)."""
    dtypes = [t.dtype if isinstance(t, types.Array) else t for t in ts]
    if all(isinstance(d, types.Float) and d.bitwidth == 32 for d in dtypes):
        return np.dtype(np.float32)
    return np.dtype(np.float64)


@implements(containers.unindex)
def _unindex(g, x, index):
    g, x = _base(g), _base(x)
    if not (_array(x) and _basic_index(index) and (_real(g) or _array(g))):
        return None
    dtype = _result_float(x, g)

    def unindex(g, x, index):
        result = np.zeros(x.shape, dtype)
        result[index] += g
        return result
    return unindex


@implements(containers.add_at)
def _add_at(d, index, g, x):
    d, g, x = _base(d), _base(g), _base(x)
    if not (_array(d) and isinstance(d.dtype, types.Float) and d.mutable and _array(x)
            and _basic_index(index) and (_real(g) or _array(g))):
        return None

    def add_at(d, index, g, x):
        if d.shape != x.shape:
            raise JitUnsupported("add_at into a gradient of another shape")
        d[index] += g
        return d
    return add_at


@implements(containers.zeroed_at)
def _zeroed_at(g, index):
    g = _base(g)
    if _array(g) and isinstance(g.dtype, types.Float) and g.mutable and g.ndim:
        def zeroed_at(g, index):
            g[index] = 0
            return g
        return zeroed_at
    return None


@implements(containers.zero_at)
def _zero_at(g, index):
    g = _base(g)
    if _array(g) and g.ndim:
        dtype = _float_dtype(g)

        def zero_at(g, index):
            copy = g.astype(dtype)
            copy[index] = 0
            return copy
        return zero_at
    return None


@implements(broadcasting.cast_like)
def _cast_like(g, x):
    g, x = _base(g), _base(x)
    if not (_real(g) or _array(g)):
        return None
    if isinstance(x, types.Array) and isinstance(x.dtype, (types.Integer, types.Boolean)):
        return lambda g, x: containers.zeros_like(g)
    return lambda g, x: g


@implements(elementwise.power_dx)
def _power_dx(x, y):
    x, y = _base(x), _base(y)
    if _real(x) and _real(y):
        def scalar(x, y):
            if y == 0:
                return 0.0 * x
            return y * x ** (y - 1)
        return scalar
    if _array(x) and _real(y):
        def array_number(x, y):
            if y == 0:
                return 0.0 * x
            return y * np.power(x, y - 1)
        return array_number
    if (_array(x) or _real(x)) and _array(y):
        return lambda x, y: y * np.power(x, np.where(y == 0, 1, y - 1))
    return None


@implements(elementwise.float64_at_least)
def _float64_at_least(x):
    x = _base(x)
    if isinstance(x, types.Array) and x.dtype == types.float64:
        return lambda x: x
    if isinstance(x, types.Array) and isinstance(x.dtype, (types.Integer, types.Boolean)):
        return lambda x: x.astype(np.float64)
    if _real(x):
        return lambda x: np.float64(x)
    return None


@implements(containers.private_copy)
def _private_copy(x):
    x = _base(x)
    if isinstance(x, types.Array):
        return lambda x: x.copy()
    if _real(x):
        return lambda x: x
    return None


@implements(checks.check_sequence)
def _check_sequence(value, name, where):
    if isinstance(_base(value), types.Array):
        return lambda value, name, where: None  # (an array: indexed as Python iterates it)
    return None


@implements(checks.check_item_not_array)
def _check_item_not_array(container, index, name, where, read):
    if isinstance(_base(container), types.Array) or _real(_base(container)):
        return lambda container, index, name, where, read: None  # (not a container: no check)
    return None


def _memory(t) -> bool:
    """Values the aliasing checks compare: arrays (their memory), or numbers and None (none)."""
    t = _base(t)
    return _array(t) or _real(t) or isinstance(t, (types.NoneType, types.Omitted))


def _extent(x):
    """``(first, last)`` byte addresses spanned by an array (``(0, 0)``: none, for a number)."""
    return (0, 0)


@overload(_extent)
def _extent_impl(x):
    if not _array(_base(x)):
        return lambda x: (0, 0)

    def extent(x):
        if x.size == 0:
            return (0, 0)
        lo = x.ctypes.data
        hi = lo
        for k in range(x.ndim):
            step = (x.shape[k] - 1) * x.strides[k]
            if step > 0:
                hi += step
            else:
                lo += step
        return (lo, hi + x.itemsize)
    return extent


@njit(cache=False)
def _overlap(a, b):
    return a[1] > a[0] and b[1] > b[0] and a[0] < b[1] and b[0] < a[1]


@implements(checks.check_unshared)
def _check_unshared(value, others, names, message, index=None):
    if _real(_base(value)):
        return lambda value, others, names, message, index=None: None
    if not (_array(_base(value)) and isinstance(others, types.BaseTuple)
            and all(_memory(t) for t in others.types)):
        return None

    def check_unshared(value, others, names, message, index=None):
        written = _extent(value)  # (the whole array: more than the part written, never less)
        for other in literal_unroll(others):
            if _overlap(written, _extent(other)):
                raise JitUnsupported("a write into an array another variable may share")
    return check_unshared


@implements(checks.check_distinct)
def _check_distinct(values, names, where):
    if not (isinstance(values, types.BaseTuple) and all(_memory(t) for t in values.types)):
        return None

    def check_distinct(values, names, where):
        spans = [(0, 0)]
        for value in literal_unroll(values):
            spans.append(_extent(value))
        for i in range(1, len(spans)):
            for j in range(i + 1, len(spans)):
                if _overlap(spans[i], spans[j]):
                    raise JitUnsupported("arguments that may share memory")
    return check_distinct


@implements(checks.check_not_array)
def _check_not_array(value, message):
    value = _base(value)
    if _real(value) or isinstance(value, types.NoneType):
        return lambda value, message: None  # (a number cannot change in place)
    return None


@implements(broadcasting.real_operands)
def _real_operands(g, function, operands):
    if isinstance(operands, types.BaseTuple) and all(
            _real(t) or (isinstance(t, types.Array) and not isinstance(t.dtype, types.Complex))
            for t in map(_base, operands.types)):
        return lambda g, function, operands: g
    return None
