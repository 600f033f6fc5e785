"""Runtime helpers: lists changed in place (``xs.append(v)``, ``xs.extend(vs)``, ``xs.insert(i,
v)``, ``xs.pop(i)``) in the code reverse mode generates.

Accepts: the lists of the user's function and their adjoints (:class:`~.containers.ListAdjoint`).
Guarantees: :func:`unlist` is the adjoint of ``list(x)`` and ``tuple(x)`` (:func:`to_list` and
:func:`to_tuple` their tangents); :func:`pop_extended` removes from a list's adjoint the entries
that ``extend`` added and returns them as the adjoint of what was added; :func:`inserted_at` and
:func:`popped_at` give the position ``insert`` and ``pop`` used (negative and out-of-range indices
resolved as Python does), so the backward sweep can undo them; :func:`copy_lists` copies the lists
a backward sweep would change (a ``vjp`` function runs its backward sweep again on the same saved
values; a gradient returned as a list is changed in place); :func:`check_extend` refuses, at the
user's line, an ``extend`` by a value that is not a list, tuple or array. NumPy's functions
(another library's rows stacked in its library); :mod:`srcad.tools.export` copies these too.
"""

from __future__ import annotations

import numpy as np

from ._registry import helper
from .checks import _refuse
from .containers import TupleAdjoint, _float_dtype, adjoint_like, zeros_like
from .namespaces import as_array, foreign_array, zeros_of


@helper(linear_in="g")
def pop_extended(g, items):
    """The adjoint of ``items`` in ``xs.extend(items)``: the last ``len(items)`` entries of ``g``
    (the adjoint of ``xs``), which are removed from ``g``; shaped like ``items`` (an array's rows
    stacked back into an array)."""
    n = len(items)
    parts = g[len(g) - n:]
    del g[len(g) - n:]
    return _shaped_like(items, parts)


def _shaped_like(items, parts):
    """The adjoint of ``items`` (a list, tuple or array) whose items got the adjoints ``parts``."""
    if foreign_array(items):  # (Dask's, CuPy's: the rows' adjoints stacked in its library)
        if not len(parts):
            return zeros_of(items, _float_dtype(items))
        return np.stack([as_array(p, like=items) for p in parts]).reshape(tuple(items.shape))
    if isinstance(items, np.ndarray):
        if not len(parts):
            return np.zeros(np.shape(items), dtype=_float_dtype(items))
        return np.stack([np.asarray(p) for p in parts]).reshape(np.shape(items))
    if isinstance(items, (list, tuple)):
        return adjoint_like(items, list(parts))
    return zeros_like(items)  # a dict's keys, a range: no gradient


@helper(linear_in="g")
def unlist(g, iterable):
    """Adjoint of ``list(iterable)`` and ``tuple(iterable)``: ``g``'s entries, shaped like
    ``iterable`` (an array's rows stacked back into an array)."""
    return _shaped_like(iterable, g)


@helper(linear_in="v")
def to_list(v):
    """Tangent of ``list(iterable)``: the list of the tangent's items."""
    return list(v)


@helper(linear_in="v")
def to_tuple(v):
    """Tangent of ``tuple(iterable)``: the tuple of the tangent's items."""
    return tuple(v)


@helper(nondiff=True)
def inserted_at(index, items):
    """Where ``items.insert(index, v)`` put ``v``, given ``items`` after the insertion."""
    n = len(items) - 1  # the length before
    return min(index, n) if index >= 0 else max(0, n + index)


@helper(nondiff=True)
def popped_at(index, items):
    """Where ``items.pop(index)`` took its value from, given ``items`` after the pop."""
    return index if index >= 0 else len(items) + 1 + index


@helper(linear_in="value")
def copy_lists(value):
    """``value`` with every list in it (in tuples, lists and dicts, at any depth) copied, the same
    list copied once wherever it occurs; arrays and other values are shared."""
    return _copy(value, {})


def _copy(value, memo):
    if not isinstance(value, (list, tuple, dict)):
        return value
    if id(value) in memo:
        return memo[id(value)]
    if isinstance(value, dict):
        new = type(value)((k, _copy(v, memo)) for k, v in value.items())
    elif isinstance(value, list):
        new = [] if type(value) is list else type(value)()
        memo[id(value)] = new
        new.extend(_copy(v, memo) for v in value)
        return new
    elif isinstance(value, TupleAdjoint) or type(value) is tuple:
        new = type(value)(_copy(v, memo) for v in value)
    else:  # a named tuple
        new = type(value)(*(_copy(v, memo) for v in value))
    memo[id(value)] = new
    return new


@helper
def check_extend(value, name, where):
    """Refuse ``xs.extend(name)`` at the user's line ``where`` unless ``value`` is a list, a tuple
    or an array (whose items srcad can count and give back their gradients)."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return
    from ..errors import UnsupportedOperationError
    _refuse(f"{where}: srcad differentiates 'extend' by a list, a tuple or an array, but '{name}' "
            f"is a {type(value).__name__}; extend by list({name})", UnsupportedOperationError)
