"""Runtime helpers of the calls srcad writes as other code before differentiating them: the values
a ``functools.partial`` holds (:mod:`srcad.passes.partials`), and the checks that keep
``d.update(...)`` and ``a, b = zip(*rows)`` what Python makes of them (:mod:`srcad.passes.idioms`).

Accepts: the objects the function calls or reads, and what srcad read of them before it ran.
Guarantees: :func:`partial_argument` is the ``k``-th bound value (positional ones first, then the
keywords in srcad's order), after checking that the object still binds that function with that
many positional arguments and those keywords; :func:`check_dict_update` that ``d`` is a dict (whose
``update`` srcad writes as key writes); :func:`check_unzip` that ``zip(*rows)`` gives as many
sequences as the names it is unpacked into, raising Python's own ``ValueError`` where it does not.
Otherwise a :class:`~srcad.errors.SrcadError`, never another value. None carries a derivative.
"""

from __future__ import annotations

import functools

from ._registry import helper


@helper(nondiff=True)
def partial_argument(partial, func, k, count, *keywords):
    """The ``k``-th value ``partial`` binds (see the module docstring)."""
    if not (isinstance(partial, functools.partial) and partial.func is func
            and len(partial.args) == count and tuple(partial.keywords) == keywords):
        from ..errors import SrcadError
        raise SrcadError(f"srcad: the functools.partial called here is not the one the derivative "
                         f"was made for (a partial of {getattr(func, '__qualname__', func)} with "
                         f"{count} positional arguments and the keywords {list(keywords)}); "
                         "differentiate the function again after changing it")
    return (partial.args + tuple(partial.keywords.values()))[k]


@helper
def check_dict_update(d, name, where):
    """``d.update(...)`` is written as key writes: ``d`` must be a dict (not a set, a dict
    subclass with its own ``update``, another object with an ``update`` method)."""
    if type(d) is not dict:
        from ..errors import SrcadError
        raise SrcadError(f"{where}: srcad differentiates '{name}.update(...)' where '{name}' is a "
                         f"dict (written as writes of its keys); here it is a "
                         f"{type(d).__name__}. Compute a new value instead (for a dict: "
                         f"'{name} = {{**{name}, ...}}')")


@helper
def check_unzip(rows, count):
    """``a, b = zip(*rows)`` unpacks as many sequences as the shortest row has items: exactly
    ``count``, else Python's ``ValueError``."""
    shortest = min((len(row) for row in rows), default=0)
    if shortest < count:
        raise ValueError(f"not enough values to unpack (expected {count}, got {shortest})")
    if shortest > count:
        raise ValueError(f"too many values to unpack (expected {count})")
