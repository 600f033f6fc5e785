"""Rules, family 7: functions whose result carries no gradient, and :func:`stop_gradient`.

Accepts: nothing; importing registers the entries below in :data:`srcad.rules.RULES`.
Guarantees: a gradient (or tangent) reaching the result of one of these stops there: they are
piecewise constant, integer or boolean valued, shape queries, or constructors (``fresh=True``:
those return a new array). Calling a function with no rule at all on a value that needs a gradient
is an error, not a zero. An entry here must carry no gradient in *any* of its arguments: a function
with a differentiable argument among others (``np.bincount``'s ``weights``, ``np.arange``'s
``start`` and ``step``, ``np.heaviside``'s ``x2``) has a rule of its own elsewhere.
"""

from __future__ import annotations

import builtins
import math
import operator

import numpy as np

from .registry import defnondiff


def stop_gradient(x):
    """Return ``x`` unchanged; no gradient flows back through it (a constant to srcad)."""
    return x


stop_gradient.__module__ = "srcad.rules"  # its public home (srcad.rules.stop_gradient, srcad.stop_gradient)

defnondiff(
    stop_gradient,
    # piecewise constant or integer valued
    np.floor, np.ceil, np.round, np.rint, np.trunc, np.fix, np.floor_divide,
    operator.floordiv, builtins.round, builtins.int, builtins.bool, math.floor, math.ceil,
    math.trunc, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
    np.bool_, np.argmax, np.argmin, np.argsort, np.isnan, np.isinf, np.isfinite,
    np.logical_and, np.logical_or, np.logical_not, np.logical_xor,
    np.greater, np.greater_equal, np.less, np.less_equal, np.equal, np.not_equal,
    # (not '&', '|', '^': on masks and integers no gradient reaches them, but on dicts and sets
    # they merge values, which srcad does not differentiate: refused where a gradient flows)
    operator.not_, operator.invert,
    np.invert, np.bitwise_and, np.bitwise_or, np.bitwise_xor, operator.lt, operator.le,
    operator.gt, operator.ge, operator.eq, operator.ne,
    # shapes and sizes
    np.shape, np.ndim, np.size, builtins.len, builtins.range, builtins.isinstance,
    np.argwhere, np.nonzero, np.flatnonzero, np.searchsorted, np.count_nonzero, np.any, np.all,
    np.isclose, np.allclose, np.array_equal, np.digitize,
    # predicates, indices and dtypes (bool, integer or type results)
    np.isposinf, np.isneginf, np.signbit, np.isreal, np.iscomplex, np.isrealobj, np.iscomplexobj,
    np.isscalar, np.array_equiv, np.isin, np.argpartition, np.lexsort, np.nanargmax, np.nanargmin,
    np.tril_indices, np.triu_indices, np.diag_indices, np.indices, np.unravel_index,
    np.ravel_multi_index, np.may_share_memory, np.shares_memory, np.result_type, np.promote_types,
    np.can_cast, np.issubdtype, np.min_scalar_type, np.iinfo, np.finfo, np.ix_, np.iterable,
    *((np.isdtype,) if hasattr(np, "isdtype") else ()),  # (NumPy >= 2.0)
)
defnondiff(  # constructors
    np.zeros, np.ones, np.empty, np.eye, np.identity,
    np.zeros_like, np.ones_like, np.empty_like, fresh=True,
)
