"""Runtime helpers: adjoints and tangents of the builtins that make a container of the items of
another -- ``sorted(x, key=..., reverse=...)``, ``dict(pairs)`` (``list(x)`` and ``tuple(x)``:
:mod:`srcad.runtime.lists`).

Accepts: ``x``, the argument those builtins were given (a list, a tuple, an array -- whose items
are its rows -- or a dict, whose items are its keys), and the gradient or tangent of their result.
Guarantees: an adjoint shaped like ``x`` (an array's rows stacked back into an array; a dict gets
zeros: its keys carry no gradient), and a tangent shaped like the result (a list or tuple of the
items' tangents, in the result's order). ``sorted`` passes each item's gradient through the
permutation it made: the same one, found again the same way (a stable sort of the keys), so ties
keep their order as in Python. ``dict(pairs)`` (what a dict comprehension is made into) passes
each key's gradient to the value the dict kept for it.
"""

from __future__ import annotations

import numpy as np

from ._registry import helper
from .containers import DictAdjoint, adjoint_like, unpack_adjoint, zeros_like


def _check(x):
    """Refuse a value whose items srcad cannot follow (an iterator: already consumed)."""
    if not isinstance(x, (list, tuple, dict, np.ndarray)):
        from ..errors import UnsupportedOperationError
        raise UnsupportedOperationError(
            f"a gradient would flow through the items of a {type(x).__name__}, which srcad can "
            "only follow for a list, a tuple or an array",
            hint="make it a list first, in the function that made it")


def _order(x, key, reverse) -> list:
    """The positions of ``x``'s items in the order ``sorted(x, key=key, reverse=reverse)`` gives."""
    _check(x)
    keyed = [key(v) for v in x] if key is not None else list(x)
    return sorted(range(len(keyed)), key=keyed.__getitem__, reverse=reverse)


@helper(linear_in="g")
def unsort_items(g, x, key=None, reverse=False):
    """Adjoint of ``sorted(x, key=key, reverse=reverse)``: entry ``j`` of ``g`` goes back to the
    item that came ``j``-th."""
    if isinstance(x, dict):
        return zeros_like(x)
    parts = [None] * len(x)
    for j, k in enumerate(_order(x, key, reverse)):
        parts[k] = g[j]
    return unpack_adjoint(parts, x)


@helper(linear_in="t")
def sorted_tangent(t, x, key=None, reverse=False):
    """Tangent of ``sorted(x, key=key, reverse=reverse)``: the items' tangents, sorted alike."""
    if isinstance(x, dict):
        return [None] * len(x)
    return [t[k] for k in _order(x, key, reverse)]


@helper(linear_in="g")
def unpairs(g, pairs):
    """Adjoint of ``dict(pairs)``: a dict's gradient as it is; for a sequence of ``(key, value)``
    pairs, each value gets ``g[key]`` where it is the last pair of its key (a later one replaces
    it), zero elsewhere; keys get zero."""
    if isinstance(pairs, dict):
        return DictAdjoint((k, g[k]) for k in pairs)
    last = {pair[0]: k for k, pair in enumerate(pairs)}
    return adjoint_like(pairs, [adjoint_like(pair, [zeros_like(pair[0]), g[pair[0]]
                                                    if last[pair[0]] == k else zeros_like(pair[1])])
                                for k, pair in enumerate(pairs)])


@helper(linear_in="t")
def dict_tangent(t, pairs):
    """Tangent of ``dict(pairs)``: the values' tangents under the keys of ``pairs``."""
    if isinstance(pairs, dict):
        return dict(t)
    return {pair[0]: tangent[1] for pair, tangent in zip(pairs, t)}
