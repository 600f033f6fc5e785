"""The values of NumPy's writing calls, as new arrays: what ``np.copyto(y, v)``, ``np.add.at(y, i, v)``
and ``np.subtract.at(y, i, v)`` leave in ``y``.

Pass 4 (:mod:`srcad.passes.desugar`) writes such a call, made as a statement on a local array, as
``y[...] = added_at(y, i, v)``: the write into ``y`` is then an ordinary subscript assignment,
which the alias analysis, the save-and-restore of the backward sweep and forward mode already handle
(views of ``y`` see the new values, as they see NumPy's). Each function below computes on a copy of
``y`` with NumPy's own function, so its casting rules, its errors (``np.add.at`` of floats into an
integer array raises) and its accumulation of repeated indices are NumPy's exactly. Their rules are
in :mod:`srcad.rules.writes`.
"""

from __future__ import annotations

import numpy as np

from ._registry import helper
from .containers import _float_dtype
from .broadcasting import unbroadcast


def _copy_of(a, what: str):
    if not isinstance(a, np.ndarray):
        raise TypeError(f"{what}: the array written into must be a numpy.ndarray, not "
                        f"{type(a).__name__}")
    return a.copy()


@helper
def copied_into(dst, src, casting="same_kind", where=True):
    """What ``np.copyto(dst, src, casting, where)`` leaves in ``dst``, as a new array."""
    out = _copy_of(dst, "np.copyto")
    np.copyto(out, src, casting=casting, where=where)
    return out


@helper
def added_at(a, indices, b):
    """What ``np.add.at(a, indices, b)`` leaves in ``a``, as a new array (repeated indices add up)."""
    out = _copy_of(a, "np.add.at")
    np.add.at(out, indices, b)
    return out


@helper
def subtracted_at(a, indices, b):
    """What ``np.subtract.at(a, indices, b)`` leaves in ``a``, as a new array."""
    out = _copy_of(a, "np.subtract.at")
    np.subtract.at(out, indices, b)
    return out


def _carries(ans) -> bool:
    """Whether the array written into holds real or complex numbers (an integer one carries none)."""
    return np.issubdtype(np.asarray(ans).dtype, np.inexact)


@helper(linear_in="g")
def unadd_at(g, ans, indices, b):
    """Adjoint of ``added_at`` for ``b``: ``g`` gathered at ``indices``, summed to ``b``'s shape."""
    if not _carries(ans):
        return np.zeros(np.shape(b), dtype=_float_dtype(b))
    return unbroadcast(np.asarray(g)[indices], b)


@helper(linear_in="g")
def uncopyto_src(g, ans, src, where):
    """Adjoint of ``copied_into`` for ``src``: ``g`` where ``where`` holds, summed to ``src``'s shape."""
    if not _carries(ans):
        return np.zeros(np.shape(src), dtype=_float_dtype(src))
    return unbroadcast(np.where(where, g, 0.0), src)


@helper(linear_in="t")
def copyto_src_tangent(t, ans, src, where):
    """Tangent of ``copied_into`` for ``src``: ``t`` broadcast where ``where`` holds, else 0."""
    if not _carries(ans):
        return np.zeros(np.shape(ans), dtype=_float_dtype(ans))
    return np.where(where, np.broadcast_to(t, np.shape(ans)), 0.0)


@helper(linear_in="t")
def add_at_tangent(t, ans, indices):
    """Tangent of ``added_at`` for ``b``: ``t`` added at ``indices`` into zeros shaped like the
    array written into."""
    out = np.zeros(np.shape(ans), dtype=np.result_type(np.asarray(ans).dtype, np.asarray(t).dtype,
                                                       np.float64))
    if _carries(ans):
        np.add.at(out, indices, t)
    return out
