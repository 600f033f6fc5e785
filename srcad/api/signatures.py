"""The types the public signatures of :mod:`srcad.api` are written with (no behaviour).

* :data:`P` - the parameters of the function differentiated (a :class:`typing.ParamSpec`), so that
  a type checker checks a call of ``srcad.grad(f)`` against ``f``'s parameters;
* :data:`AnyFunction` - a callable srcad can differentiate (a function, a method, a callable object,
  a ``functools.partial``; what srcad reads of it is checked at run time, see
  :mod:`srcad.api.callables`).

``argnums`` is written out where it appears, ``int | Sequence[int]``, so that ``help()`` shows it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ParamSpec, TypeAlias

P = ParamSpec("P")
AnyFunction: TypeAlias = Callable[..., Any]

__all__ = ["AnyFunction", "P"]
