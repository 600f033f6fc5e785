"""numba implementations of forward mode's run-time helpers (:mod:`srcad.runtime.tangents`), for
``srcad.jvp``, ``hvp``, ``hessian`` and ``jacfwd`` with ``jit=True`` (imported with
:mod:`.overloads`).

Accepts: nothing; importing this module registers the implementations below.
Guarantees: each computes what the Python helper computes, for real numbers and real NumPy
arrays; for other kinds of arguments (containers, objects, complex values) there is no
implementation, so the compilation is refused (:mod:`srcad.jit.compile`). The helpers:
``zero_tangent``, ``broadcast_tangent``, ``reduction_tangent`` (over all axes, or one integer axis
without ``keepdims``), ``tangent_sum`` (of a 1-d or 2-d array), ``real_tangent`` (of a real
tangent), ``copied`` (an array's or a number's tangent), and, for real values, ``abs_tangent``,
``abs_tangent_dx``, ``abs_adjoint`` and ``abs_adjoint_dx`` (the adjoints of ``abs``, which
reverse mode's code calls too).
"""

from __future__ import annotations

import numpy as np
from numba import types

from ..runtime import containers, fft, tangents
from .overloads import _array, _base, _no_axis, _real, _zeros_like, implements


@implements(tangents.zero_tangent)
def _zero_tangent(x):
    if isinstance(_base(x), types.NoneType):
        return lambda x: None
    return _zeros_like(x)  # (a number's or an array's: zeros_like's)


@implements(tangents.broadcast_tangent)
def _broadcast_tangent(v, ans):
    v, ans = _base(v), _base(ans)
    if _real(v) and _real(ans):
        return lambda v, ans: v
    if _real(v) and _array(ans):
        return lambda v, ans: np.full(ans.shape, v)
    if _array(v) and _array(ans) and v.ndim <= ans.ndim:
        return lambda v, ans: np.broadcast_to(v, ans.shape).copy()
    return None


def _is_int(t) -> bool:
    return isinstance(t, types.Integer)


@implements(tangents.reduction_tangent)
def _reduction_tangent(p, v, axis=None, keepdims=False):
    p, v = _base(p), _base(v)
    if not ((_real(p) or _array(p)) and (_real(v) or _array(v))):
        return None
    if _real(p) and _real(v):
        return lambda p, v, axis=None, keepdims=False: p * v
    if _no_axis(axis, keepdims):
        return lambda p, v, axis=None, keepdims=False: np.sum(p * v)
    if _is_int(axis) and (isinstance(keepdims, types.Omitted) or (
            isinstance(keepdims, types.BooleanLiteral) and not keepdims.literal_value)):
        return lambda p, v, axis=None, keepdims=False: np.sum(p * v, axis=axis)
    return None


@implements(tangents.tangent_sum)
def _tangent_sum(v):
    v = _base(v)
    if _array(v) and v.ndim == 1:
        return lambda v: np.sum(v)
    if _array(v) and v.ndim == 2:
        return lambda v: np.sum(v, axis=0)
    return None


@implements(tangents.real_tangent)
def _real_tangent(v, ans):
    if _real(_base(v)) or _array(_base(v)):
        return lambda v, ans: v
    return None


@implements(containers.copied)
def _copied(t):
    t = _base(t)
    if _array(t):
        return lambda t: t.copy()
    if _real(t):
        return lambda t: t
    return None


def _real_or_array(*ts) -> bool:
    return all(_real(_base(t)) or _array(_base(t)) for t in ts)


def _real_only(implementation, *types_):
    """``implementation`` where every argument type is real (a number or a real array); else
    None: no implementation, so the compilation is refused."""
    return implementation if _real_or_array(*types_) else None


# abs's tangents and adjoints: sign(x) times the tangent or adjoint; a zero's own tangent 0
@implements(fft.abs_tangent)
def _abs_tangent(d, x):
    return _real_only(lambda d, x: d * np.sign(x), d, x)


@implements(fft.abs_tangent_dx)
def _abs_tangent_dx(t, d, x):
    return _real_only(lambda t, d, x: 0.0 * d * t, t, d, x)


@implements(fft.abs_adjoint)
def _abs_adjoint(g, x):
    return _real_only(lambda g, x: g * np.sign(x), g, x)


@implements(fft.abs_adjoint_dx)
def _abs_adjoint_dx(t, g, x):
    return _real_only(lambda t, g, x: 0.0 * g * t, t, g, x)
