"""``grad(f, holomorphic=True)``: the complex derivative f'(z) of a holomorphic function.

Accepts: a function of complex arguments (those of ``argnums``) with a complex scalar value.
Guarantees: the derived function returns ``f'(z)`` (JAX's ``holomorphic=True``): the vector-Jacobian
product of ``f`` with the cotangent 1, which for a holomorphic ``f`` is the derivative itself. The
claim that ``f`` is holomorphic is checked at every call, not trusted: one forward-mode product
along a random complex direction ``v`` must equal ``sum(f'(z) * v)`` (the Cauchy-Riemann equations
in one test; a function using ``conj``, ``abs``, ``real``, ``imag`` or ``angle`` of its argument
fails it for almost every ``v``), or the call raises :class:`SrcadError` at the function's
definition. A real argument, a real value or a non-scalar value is refused, as JAX refuses them.
See ``docs/complex.md``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import Location, SrcadError
from .derived import Derived
from .forward import jvp
from .structure import describe
from .views import enter
from .vjp import vjp


class Holomorphic(Derived):  # type: ignore[type-arg]
    """:func:`srcad.grad` and :func:`srcad.value_and_grad` with ``holomorphic=True``."""

    _source = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs:
            raise SrcadError("grad(..., holomorphic=True): pass the arguments positionally")
        args = self.bound.args + args
        args, _, boundary = enter(args, {})  # (array_api_strict's, torch's: views)
        value, aux, result = self._holomorphic(args)
        if boundary is not None:  # (the value in the arguments' library, a gradient its argument's)
            value, aux = boundary.back(value), boundary.back(aux)
            result = boundary.gradients(result, [args[k] for k in self.positions],
                                        self.argnums_is_tuple)
        if self.has_aux:
            return ((value, aux), result) if self.with_value else (result, aux)
        return (value, result) if self.with_value else result

    def _holomorphic(self, args: tuple[Any, ...]) -> tuple[Any, Any, Any]:
        """``(value, aux, gradients)`` at ``args`` (viewed: srcad.api.views)."""
        count = len(args)
        for k in self.positions:
            if not -count <= k < count:
                raise SrcadError(f"srcad.grad: argnums={k}, but it was called with {count} "
                                 "positional arguments")
            if not np.iscomplexobj(args[k]) or isinstance(args[k], (list, tuple, dict)):
                raise SrcadError(
                    f"grad(..., holomorphic=True) differentiates with respect to complex "
                    f"arguments, but argument {k} is real ({describe(args[k])})",
                    self._location(), "pass it as complex (x.astype(complex)), or drop "
                                      "holomorphic=True for a real argument")
        fun = self.bound.function
        aux = None
        if self.has_aux:
            value, vjp_fn, aux = vjp(fun, *args, has_aux=True,
                                     specialize=self.options.specialize)
        else:
            value, vjp_fn = vjp(fun, *args, specialize=self.options.specialize)
        self._source = vjp_fn.source
        if np.ndim(value) != 0 or not np.iscomplexobj(value) or isinstance(value, (tuple, list)):
            raise SrcadError(
                "grad(..., holomorphic=True) differentiates a function with a complex scalar "
                f"value, but it returned {describe(value)}", self._location(),
                "for a real value drop holomorphic=True; for an array value use srcad.vjp or "
                "srcad.jacrev")
        grads = vjp_fn(np.ones((), dtype=np.result_type(value))[()])
        chosen = tuple(grads[k] for k in self.positions)
        self._check_holomorphic(fun, args, chosen)
        return value, aux, (chosen if self.argnums_is_tuple else chosen[0])

    def _check_holomorphic(self, fun: Any, args: tuple[Any, ...], grads: tuple[Any, ...]) -> None:
        """One JVP along a random complex direction must be ``sum(f'(z) * v)``."""
        rng = np.random.default_rng(len(args))
        tangents: list[Any] = [None] * len(args)
        expected: Any = 0.0
        scale = 0.0
        for k, g in zip(self.positions, grads):
            shape = np.shape(args[k])
            v = rng.normal(size=shape) + 1j * rng.normal(size=shape)
            tangents[k] = v if shape else complex(v)
            expected = expected + np.sum(np.asarray(g) * v)
            scale += float(np.sum(np.abs(g) * np.abs(v)))
        out = jvp(fun, args, tangents, has_aux=True) if self.has_aux else jvp(fun, args, tangents)
        tangent = out[1]
        if not abs(complex(tangent) - complex(expected)) <= 1e-7 * scale + 1e-12:
            raise SrcadError(
                f"grad(..., holomorphic=True) of {fun.__qualname__}: the function is not "
                "holomorphic at this point (its derivative along a complex direction is not "
                "f'(z) times it: the Cauchy-Riemann equations fail), so it has no complex "
                "derivative to return", self._location(),
                "a function that uses conj, abs, real, imag or angle of its argument is not "
                "holomorphic: differentiate a real function of it (grad without holomorphic=True "
                "gives JAX's gradient for that)")

    def _location(self) -> Location | None:
        code = getattr(self.bound.function, "__code__", None)
        return Location(code.co_filename, code.co_firstlineno, 0) if code is not None else None

    def _repr_html_(self) -> str:
        """Jupyter's display: the vector-Jacobian product its calls run (before the first call,
        the one a call with one argument per parameter runs; see :mod:`srcad.api.display`)."""
        from .display import render
        from .vjp import vjp_source

        return render(repr(self), lambda: str(self._source) if self._source is not None
                      else vjp_source(self._original), self.bound.function)

    def latest_source(self) -> str:
        if self._source is None:
            raise SrcadError("grad(..., holomorphic=True): call it once first; its code is the "
                             "vector-Jacobian product of the function, made at the first call")
        return str(self._source)
