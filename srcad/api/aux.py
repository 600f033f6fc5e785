"""Auxiliary outputs (``has_aux=True``, JAX's convention) for :func:`srcad.vjp` and :func:`srcad.jvp`.

Accepts: what a function returned, and the function. Guarantees: :func:`split_aux` returns
``(out, aux)`` of a function that returned a pair, or raises :class:`~srcad.errors.SrcadError`
saying what it returned instead, at its ``return`` statement where it has one (at its ``def`` where
it has several: the run did not record which it took). ``grad``/``value_and_grad`` seed the pair in
their generated code instead (``seed_aux``, see :mod:`srcad.runtime.checks`).
"""

from __future__ import annotations

import types
from typing import Any

import gast

from ..errors import Location, SrcadError
from ..passes.parse import parse


def split_aux(fun: Any, result: Any, what: str) -> tuple[Any, Any]:
    """``(out, aux)`` of ``result``, what ``fun`` returned with ``has_aux=True`` (see above)."""
    if isinstance(result, tuple) and len(result) == 2:
        return result
    got = f"a tuple of {len(result)} values" if isinstance(result, tuple) else \
        f"a value of type {type(result).__name__}"
    name = getattr(fun, "__qualname__", repr(fun))
    raise SrcadError(f"srcad.{what}(..., has_aux=True): {name} must return a pair (out, aux), "
                     f"but it returned {got}", _return_location(fun),
                     hint="return out, aux (aux may be any value: a dict, a tuple, ...), or drop "
                          "has_aux")


def _return_location(fun: Any) -> Location | None:
    """Where ``fun`` returns: its only ``return``, else its ``def`` line (None: no source)."""
    if not isinstance(fun, types.FunctionType):
        return None
    try:
        parsed = parse(fun)
    except SrcadError:
        return None
    returns = [n for n in gast.walk(parsed.tree) if isinstance(n, gast.Return)]
    node = returns[0] if len(returns) == 1 else parsed.tree
    location: Location | None = parsed.location(node)
    return location
