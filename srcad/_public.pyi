"""Types of the public names srcad re-exports from modules whose own annotations are partial
(srcad.rules, srcad.pytree): read by type checkers only (``srcad/__init__.py`` imports them under
``TYPE_CHECKING``); at run time ``srcad`` imports the real objects. Keep in step with
srcad/rules/custom.py, srcad/rules/nondiff.py and srcad/pytree.py."""

from collections.abc import Callable
from typing import Any, Generic, ParamSpec, TypeVar, overload

_P = ParamSpec("_P")
_R = TypeVar("_R")
_T = TypeVar("_T")
_V = TypeVar("_V", bound=Callable[..., Any])

def stop_gradient(x: _T) -> _T:
    """Return ``x`` unchanged; no gradient flows back through it (a constant to srcad)."""

def defvjp(fn: Callable[..., Any], vjp: _V, *, replace: bool = False) -> _V:
    """Register ``vjp(g, ans, *args)`` as the gradient of ``fn``; returns ``vjp``."""

class custom_vjp(Generic[_P, _R]):
    """Decorator: a function whose gradient the user gives with ``.defvjp``."""
    fn: Callable[_P, _R]
    def __init__(self, fn: Callable[_P, _R]) -> None: ...
    def __call__(self, *args: _P.args, **kwargs: _P.kwargs) -> _R: ...
    @overload
    def defvjp(self, vjp: _V, *, replace: bool = False) -> _V: ...
    @overload
    def defvjp(self, vjp: None = None, *, replace: bool = False) -> Callable[[_V], _V]: ...

class checkpoint(Generic[_P, _R]):
    """Decorator: in reverse mode, keep the call's arguments and run it again in the backward."""
    fn: Callable[_P, _R]
    def __init__(self, fn: Callable[_P, _R]) -> None: ...
    def __call__(self, *args: _P.args, **kwargs: _P.kwargs) -> _R: ...

def register_pytree(cls: type[Any], flatten: Callable[[Any], tuple[Any, Any]],
                    unflatten: Callable[[Any, Any], Any]) -> None:
    """Register ``cls``: ``flatten(obj) -> (children, aux)``, ``unflatten(aux, children) -> obj``."""
