"""The public constructors of derived functions: :func:`grad` and :func:`value_and_grad`.

Accepts: a function (or a method, a callable object, a partial) and the keywords.
Guarantees: a :class:`~srcad.api.derived.Derived` (or, with ``holomorphic=True``, a
:class:`~srcad.api.holomorphic.Holomorphic`) made with those options; usable as decorators.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, overload

from ..passes.reverse import Options
from .derived import Derived
from .signatures import P


_DOC_KEYWORDS = """

    Keywords: ``has_aux=True``: ``fun`` returns ``(loss, aux)``, only ``loss`` is differentiated;
    ``debug_nans=True`` checks each adjoint as it is computed and raises
    :class:`srcad.NonFiniteError` at the first NaN or inf, naming the user's line and the values;
    ``optimize=False`` generates the raw templates (no simplification); ``shapes=False`` keeps every
    ``unbroadcast``; ``in_place=False`` never updates gradient buffers in place;
    ``holomorphic=True``: ``fun`` is a holomorphic function of complex arguments with a complex
    value, and the result is its complex derivative f'(z) (checked at each call: a function that
    is not holomorphic there is refused; see docs/complex.md). ``specialize=True`` (the default)
    transforms once per kind of the numbers and arrays passed (a Python ``float``, an ``int``, a
    NumPy scalar, an array's dtype and number of dimensions, which arrays share a shape), so
    ``unbroadcast`` and ``zeros_like`` go where the kinds prove them needless; ``specialize=False``
    makes one general transformation, right for arguments of every kind. ``jit=True`` compiles the
    (specialized) generated code with numba at the first call (``pip install "srcad[jit]"``), and
    raises :class:`srcad.JitError`, naming the user's line, where numba cannot compile it;
    ``jit="auto"`` runs such code uncompiled and says so once (a :class:`srcad.JitWarning`); see
    docs/jit.md."""


def _options(has_aux: bool, debug_nans: bool, optimize: bool, shapes: bool,
             in_place: bool, specialize: bool = True, jit: bool | str = False) -> Options:
    """The keywords of :func:`grad` and :func:`value_and_grad` as one :class:`Options`."""
    return Options(optimize=optimize, debug_nans=debug_nans, shapes=optimize and shapes,
                   in_place=optimize and in_place, has_aux=bool(has_aux),
                   specialize=bool(specialize), jit=jit_mode(jit))


def jit_mode(jit: bool | str) -> str:
    """``jit=`` as :attr:`Options.jit`: ``""``, ``"on"`` or ``"auto"``."""
    if jit is False or jit is None:
        return ""
    if jit is True:
        return "on"
    if jit == "auto":
        return "auto"
    raise ValueError(f"jit={jit!r}: expected True, False or 'auto'")


@overload
def grad(fun: Callable[P, Any], argnums: int | Sequence[int] = 0, *, has_aux: bool = False,
         debug_nans: bool = False, optimize: bool = True, shapes: bool = True,
         in_place: bool = True, holomorphic: bool = False,
         specialize: bool = True, jit: bool | str = False) -> Derived[P]: ...


@overload
def grad(fun: None = None, argnums: int | Sequence[int] = 0, *, has_aux: bool = False,
         debug_nans: bool = False, optimize: bool = True, shapes: bool = True,
         in_place: bool = True, holomorphic: bool = False, specialize: bool = True,
         jit: bool | str = False) -> Callable[[Callable[P, Any]], Derived[P]]: ...


def grad(fun: Callable[P, Any] | None = None, argnums: int | Sequence[int] = 0, *, has_aux: bool = False,
         debug_nans: bool = False, optimize: bool = True, shapes: bool = True,
         in_place: bool = True, holomorphic: bool = False, specialize: bool = True,
         jit: bool | str = False) -> Derived[P] | Callable[[Callable[P, Any]], Derived[P]]:
    """The gradient of scalar-valued ``fun`` with respect to positional argument(s) ``argnums``.

    ``argnums`` an int: the result is one gradient, shaped like that argument; a tuple: a tuple of
    gradients. Use as ``srcad.grad(f)``, ``@srcad.grad`` or ``@srcad.grad(argnums=(0, 1))``
    (without ``fun``: a decorator). ``has_aux=True``: ``fun`` returns ``(loss, aux)``, only
    ``loss`` is differentiated and the result is ``(gradient, aux)``, aux as ``fun`` returned it
    (JAX's convention).
    """
    options = _options(has_aux, debug_nans, optimize, shapes, in_place, specialize, jit)
    kind = _kind(holomorphic, options)
    if fun is None:
        return lambda f: kind(f, argnums, with_value=False, options=options)
    return kind(fun, argnums, with_value=False, options=options)


@overload
def value_and_grad(fun: Callable[P, Any], argnums: int | Sequence[int] = 0, *, has_aux: bool = False,
                   debug_nans: bool = False, optimize: bool = True, shapes: bool = True,
                   in_place: bool = True, holomorphic: bool = False,
         specialize: bool = True, jit: bool | str = False) -> Derived[P]: ...


@overload
def value_and_grad(fun: None = None, argnums: int | Sequence[int] = 0, *, has_aux: bool = False,
                   debug_nans: bool = False, optimize: bool = True, shapes: bool = True,
                   in_place: bool = True, holomorphic: bool = False, specialize: bool = True,
                   jit: bool | str = False) -> Callable[[Callable[P, Any]], Derived[P]]: ...


def value_and_grad(fun: Callable[P, Any] | None = None, argnums: int | Sequence[int] = 0, *,
                   has_aux: bool = False, debug_nans: bool = False, optimize: bool = True,
                   shapes: bool = True, in_place: bool = True, holomorphic: bool = False,
                   specialize: bool = True, jit: bool | str = False
                   ) -> Derived[P] | Callable[[Callable[P, Any]], Derived[P]]:
    """Like :func:`grad`, but the derived function returns ``(value, gradient)`` (with
    ``has_aux=True``: ``((loss, aux), gradient)``, as JAX does).
    """
    options = _options(has_aux, debug_nans, optimize, shapes, in_place, specialize, jit)
    kind = _kind(holomorphic, options)
    if fun is None:
        return lambda f: kind(f, argnums, with_value=True, options=options)
    return kind(fun, argnums, with_value=True, options=options)


def _kind(holomorphic: bool, options: Options) -> type[Derived[Any]]:
    """``holomorphic=True``: :class:`srcad.api.holomorphic.Holomorphic` (made from a vjp)."""
    if holomorphic and options.jit:
        raise ValueError("jit is not available with holomorphic=True (complex values)")
    if not holomorphic:
        return Derived
    from .holomorphic import Holomorphic  # (it builds on vjp and jvp, which build on this)
    return Holomorphic


grad.__doc__ = (grad.__doc__ or "").rstrip() + _DOC_KEYWORDS + "\n"
value_and_grad.__doc__ = (value_and_grad.__doc__ or "").rstrip() + _DOC_KEYWORDS + "\n"
