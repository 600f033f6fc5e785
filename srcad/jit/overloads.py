"""numba implementations of srcad's run-time helpers, for ``jit=True`` (imported only then).

Accepts: nothing; importing this module (which imports numba) registers, with
``numba.extending.overload``, an implementation for each helper below, used wherever compiled
code calls the Python helper of the same name (:mod:`srcad.runtime`). The generated code is not
changed: it calls ``unbroadcast(g, x)`` compiled or not.
Guarantees: each implementation computes what the Python helper computes, for the kinds of
arguments it accepts: real numbers (``float``, ``int``, ``bool``) and real NumPy arrays
(``float32``/``float64``; integer and boolean arrays where the helper reads only their shape).
For any other kind of argument there is no implementation, so numba's typing fails and the
compilation is refused (:mod:`srcad.jit.compile`); where the Python helper handles a case only at
run time that an implementation does not (an ``unbroadcast`` between arrays of more than two
dimensions and different shapes), it raises :class:`JitUnsupported` when the case is met.

The helpers here: ``seed_scalar``, ``zeros_like``, ``unbroadcast``, ``unsum`` and ``unmean`` (over
all axes, or one integer axis of a 1-d or 2-d array), ``unmax`` (over all axes), ``shape_only``,
``snapshot``, ``matmul_dx``/``matmul_dy`` (real vectors and matrices), and, compiled as written,
those in :data:`_AS_WRITTEN`; those of indexing, writes and run-time checks are in
:mod:`.overloads_checks`, forward mode's in :mod:`.overloads_forward`, imported with this
module.
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.extending import overload

from ..runtime import broadcasting, checks, containers, elementwise, products


IMPLEMENTATIONS: dict = {}  # a helper's name -> its typing functions, or AS_WRITTEN (see implements)
AS_WRITTEN = "as written"


def implements(helper):
    """``numba.extending.overload(helper)``, the typing function also recorded under the
    helper's name, so that a module :func:`srcad.export` wrote registers it for its own copy of
    the helper (:mod:`srcad.jit.exported`)."""
    def register(typing):
        IMPLEMENTATIONS.setdefault(helper.__name__, []).append(typing)
        return overload(helper)(typing)
    return register


class JitUnsupported(Exception):
    """A case met at run time that srcad's compiled helpers do not handle (see the module
    docstring); :mod:`srcad.jit.compile` runs the Python code instead, or refuses."""


def _real(t) -> bool:
    return isinstance(t, (types.Float, types.Integer, types.Boolean))


def _array(t) -> bool:
    return isinstance(t, types.Array) and isinstance(t.dtype, (types.Float, types.Integer,
                                                               types.Boolean))


def _float_dtype(t):
    """NumPy's dtype for the zero adjoint of an array of numba type ``t``: its own floating
    type, float64 for integers and booleans (as :func:`srcad.runtime.containers._float_dtype`)."""
    if isinstance(t.dtype, types.Float):
        return np.dtype(t.dtype.name)
    return np.dtype(np.float64)


def _no_axis(axis, keepdims) -> bool:
    """``axis`` and ``keepdims`` left out, or None and False (their defaults)."""
    return (axis is None or isinstance(axis, (types.NoneType, types.Omitted))) and \
        (keepdims is False or isinstance(keepdims, types.Omitted)
         or (isinstance(keepdims, types.BooleanLiteral) and not keepdims.literal_value))


def _base(t):
    """``t`` without ``Optional`` (a variable a placeholder ``None`` was assigned to first)."""
    return t.type if isinstance(t, types.Optional) else t


@implements(checks.seed_scalar)
def _seed_scalar(out):
    if out == types.float32 or (isinstance(out, types.Array) and out.ndim == 0
                                and out.dtype == types.float32):
        return lambda out: np.float32(1.0)  # (typed like out: float32 stays float32)
    if _real(out):
        return lambda out: 1.0
    if isinstance(out, types.Array) and out.ndim == 0 and isinstance(out.dtype, types.Float):
        return lambda out: 1.0
    return None  # (an array of one dimension or more: not a scalar, refused as in Python)


@implements(containers.zeros_like)
def _zeros_like(x):
    x = _base(x)
    if x == types.float32:
        return lambda x: np.float32(0.0)
    if _real(x) or isinstance(x, types.NoneType):
        return lambda x: 0.0
    if _array(x):
        dtype = _float_dtype(x)
        return lambda x: np.zeros(x.shape, dtype)
    return None


@implements(broadcasting.shape_only)
def _shape_only(x):
    return lambda x: x


@implements(containers.snapshot)
def _snapshot(value):
    value = _base(value)
    if isinstance(value, types.Array):
        return lambda value: value.copy()
    if _real(value):
        return lambda value: value
    return None


def _spread(g, x, axis):
    """``g``, the sum of a 1-d or 2-d ``x`` along the integer ``axis``, spread back over it."""
    return np.full(x.shape, g)


@overload(_spread)
def _spread_impl(g, x, axis):
    if x.ndim == 1 and _real(g):
        return lambda g, x, axis: np.full(x.shape, g)
    if x.ndim == 2 and isinstance(g, types.Array) and g.ndim == 1:
        dtype = np.dtype(g.dtype.name)  # (g's own, as np.broadcast_to gives in Python)

        def spread(g, x, axis):
            out = np.empty(x.shape, dtype)
            along = axis % 2
            for i in range(x.shape[0]):
                for j in range(x.shape[1]):
                    out[i, j] = g[j] if along == 0 else g[i]
            return out
        return spread
    return None


def _reduction_adjoint(mean: bool):
    """The implementation of ``unsum`` (``mean``: ``unmean``, divided by the count) for the types
    of its arguments: all axes, or one integer axis of a 1-d or 2-d array."""
    def typed(g, x, axis=None, keepdims=False):
        g, x = _base(g), _base(x)
        if _no_axis(axis, keepdims) and _real(g):
            if _real(x):
                return lambda g, x, axis=None, keepdims=False: g
            if _array(x) and mean:
                return lambda g, x, axis=None, keepdims=False: np.full(x.shape, g / x.size)
            if _array(x):
                return lambda g, x, axis=None, keepdims=False: np.full(x.shape, g)
        if _by_axis(axis, keepdims, x) and mean:
            return lambda g, x, axis=None, keepdims=False: _spread(g, x, axis) / x.shape[axis]
        if _by_axis(axis, keepdims, x):
            return lambda g, x, axis=None, keepdims=False: _spread(g, x, axis)
        return None
    return typed


implements(broadcasting.unsum)(_reduction_adjoint(mean=False))
implements(broadcasting.unmean)(_reduction_adjoint(mean=True))


def _by_axis(axis, keepdims, x) -> bool:
    """One integer axis of a real 1-d or 2-d array, ``keepdims`` left out or False."""
    return isinstance(axis, types.Integer) and _array(x) and x.ndim in (1, 2) and (
        keepdims is False or isinstance(keepdims, types.Omitted)
        or (isinstance(keepdims, types.BooleanLiteral) and not keepdims.literal_value))


@implements(broadcasting.unmax)
def _unmax(g, x, ans, axis=None, keepdims=False):
    g, x = _base(g), _base(x)
    if not (_no_axis(axis, keepdims) and _real(g)):
        return None
    if _real(x):
        return lambda g, x, ans, axis=None, keepdims=False: g
    if _array(x) and isinstance(x.dtype, types.Float):
        def unmax(g, x, ans, axis=None, keepdims=False):
            mask = x == ans
            return np.where(mask, g / mask.sum(), 0.0).astype(x.dtype)
        return unmax
    return None


@implements(broadcasting.unbroadcast)
def _unbroadcast(g, x):
    g, x = _base(g), _base(x)
    if _real(g) and (_real(x) or _array(x)):
        return lambda g, x: g  # (a number broadcasts wherever it is added: as in Python)
    if not _array(g):
        return None
    if _real(x):
        return lambda g, x: g.sum()
    if not _array(x):
        return None
    if g.ndim == x.ndim:
        return _same_ndim(g.ndim)
    if g.ndim == 2 and x.ndim == 1:
        def rows_summed(g, x):
            total = g.sum(axis=0)
            if x.shape[0] == 1 and total.shape[0] != 1:
                return np.array([total.sum()])
            return total
        return rows_summed
    if x.ndim == 0:
        return lambda g, x: g.sum()  # (a 0-d x: a number, as in Python)
    return _unhandled


def _same_ndim(ndim: int):
    if ndim == 1:
        def vector(g, x):
            if g.shape[0] == x.shape[0]:
                return g
            return np.array([g.sum()])
        return vector
    if ndim == 2:
        def matrix(g, x):
            if g.shape == x.shape:
                return g
            if x.shape[0] == 1 and x.shape[1] == 1:
                return np.full((1, 1), g.sum())
            if x.shape[0] == 1:
                return g.sum(axis=0).reshape((1, g.shape[1]))
            return g.sum(axis=1).reshape((g.shape[0], 1))
        return matrix

    def same_shape(g, x):
        if g.shape == x.shape:
            return g
        raise JitUnsupported("unbroadcast between arrays of more than two dimensions")
    return same_shape


def _unhandled(g, x):
    raise JitUnsupported("unbroadcast between arrays of these numbers of dimensions")


def _real_matrices(*ts) -> bool:
    return all(isinstance(t, types.Array) and isinstance(t.dtype, types.Float) and t.ndim <= 2
               for t in ts)


@implements(products.matmul_dx)
def _matmul_dx(g, x, y):
    g, x, y = _base(g), _base(x), _base(y)
    if not _real_matrices(x, y) or x.ndim + y.ndim < 2:
        return None
    if x.ndim == 1 and y.ndim == 1:  # inner product: g is a number
        return (lambda g, x, y: g * y) if _real(g) else None
    if not _real_matrices(g):
        return None
    if y.ndim == 1:
        return lambda g, x, y: np.outer(g, y)
    if x.ndim == 1:
        return lambda g, x, y: y @ g
    return lambda g, x, y: g @ y.T


@implements(products.matmul_dy)
def _matmul_dy(g, x, y):
    g, x, y = _base(g), _base(x), _base(y)
    if not _real_matrices(x, y) or x.ndim + y.ndim < 2:
        return None
    if x.ndim == 1 and y.ndim == 1:
        return (lambda g, x, y: g * x) if _real(g) else None
    if not _real_matrices(g):
        return None
    if x.ndim == 1:
        return lambda g, x, y: np.outer(x, g)
    return lambda g, x, y: x.T @ g


# helpers whose Python body numba compiles as it is (plain NumPy on numbers and arrays)
_AS_WRITTEN = (elementwise.tie_shared,)


def _as_written(helper):
    IMPLEMENTATIONS[helper.__name__] = AS_WRITTEN
    overload(helper)(lambda *args: helper)


for _helper in _AS_WRITTEN:
    _as_written(_helper)


from . import overloads_checks, overloads_forward  # noqa: E402,F401  (indexing, writes, checks,
# forward mode's helpers: registered too)
