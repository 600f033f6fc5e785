"""Gradients: the :class:`Derived` function that :func:`srcad.grad` and :func:`srcad.value_and_grad` (:mod:`srcad.api.grads`) return.

Accepts a plain Python function (``def`` or ``lambda`` whose source srcad can read), a bound method,
an instance with a ``__call__`` written in Python, a ``functools.partial`` of those (see
:mod:`srcad.api.callables`: the bound arguments are constants and ``argnums`` counts the call's own
arguments), or a function already made by ``grad``/``value_and_grad`` (a derivative of a
derivative). Guarantees: the derived
function is called like the original and returns the gradient(s) in the structure and types of the
arguments differentiated (``(value, gradient)`` for ``value_and_grad``; with ``has_aux``, ``fun``
returns ``(loss, aux)`` and the result is ``(gradient, aux)``, or ``((loss, aux), gradient)``, as in
JAX, only ``loss`` seeded); an error met in generated
code names the user's line (a non-scalar output, the ``return`` the call took).

Transformation is lazy: on the first call (or on ``srcad.source``), once per *static key*, i.e. per
distinct set of functions passed for parameters the body calls (``act(x)`` with ``act=np.tanh``),
per number of ``*args`` and (``specialize=True``, the default) per kind of the numbers and arrays
passed (:mod:`srcad.passes.value_kinds`; :meth:`Derived.general` gives the code without them). A derived function differentiates the function as it is *now*: each
call checks, by identity, what the transformation assumed (:class:`~srcad.results.Guard`: the
user functions' code and defaults, the functions their global names and closure cells held) and
transforms again if any changed (a helper redefined in a later notebook cell, an activation
rebound, ``__defaults__`` replaced, a module reloaded).

What is cached, and where:

* per derived function (a :class:`Derived` instance; nothing is shared between instances): its
  transformations, one per static key, made under the instance's lock so that concurrent first
  calls transform once; the latest one used (what ``srcad.source`` shows); and, for use inside
  another differentiated function, its rule and one gradient function per set of arguments
  holding floats. The transformations and gradient functions are :class:`~srcad.results.Bounded`
  (the 64 used most recently are kept);
* per user function, weakly (an entry goes when the function does): the transformations ``vjp``
  and ``jvp`` make, kept by :mod:`srcad.pipeline`, the 64 used most recently per function;
* process-wide: the text of every generated module, registered with :mod:`linecache` so that
  tracebacks show it, under a name made from the function's file, line and parameters and a short
  hash of the text (so two different texts never share one entry; this grows with the distinct
  texts generated).

Two derived functions can therefore be transformed at once from different threads.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import sys
import threading
import types
from collections.abc import Callable, Sequence
from typing import Any, Generic

import gast
import numpy as np

from .. import rules
from ..errors import Location, NonScalarOutputError, SrcadError
from ..passes.parse import Specialization, parse
from ..passes.reverse import Options
from .. import pipeline
from ..pipeline import Transformed, transform_derivative
from ..results import Bounded, positional
from ..runtime import plain
from .callables import Target, check_argnums, refuse_foreign_arrays, unwrap
from .display import render
from .specialize import QuickKeys, specialization
from .nans import has_nan, is_finite, refuse_nan
from .signatures import AnyFunction, P
from .shipping import reduce_derived
from .structure import argnums_tuple, holds_floats, unshared
from .views import enter, mixing_refused


class Derived(Generic[P]):
    """A function derived by srcad (``grad(f)``, ``value_and_grad(f)``): call it like ``f``.

    It carries ``f``'s name, qualified name, module and docstring, and ``inspect.signature`` gives
    ``f``'s parameters; it has no ``__wrapped__``, so ``inspect.getsource`` does not mistake it for
    ``f`` (read the generated code with :func:`srcad.source`, step into it with
    :func:`srcad.debug`)."""

    def __init__(self, fun: Callable[P, Any], argnums: int | Sequence[int], with_value: bool,
                 options: Options = Options()) -> None:
        if not callable(fun):
            raise TypeError(f"srcad.grad expects a function, got {fun!r}")
        if isinstance(fun, Derived) and (fun.has_aux or options.has_aux):
            raise SrcadError(
                f"grad of {fun!r} with has_aux: derivatives of derivatives do not take auxiliary "
                "values", hint="differentiate a function without aux, or use has_aux only on the "
                               "outermost grad of a plain function")
        if options.jit and isinstance(fun, Derived):
            raise SrcadError(f"grad of {fun!r} with jit: derivatives of derivatives are not "
                             "compiled yet", hint="leave jit off for the outer grad")
        if isinstance(fun, Derived) and (fun.with_value or fun.argnums_is_tuple):
            raise NonScalarOutputError(
                f"grad of {fun!r}: it returns a tuple, and grad differentiates a scalar",
                hint="differentiate srcad.grad(f) with one argnums (an int); for Hessians use "
                     "srcad.hessian or srcad.hvp")
        # a method, a callable object, a partial: its function, and what is bound to it
        self.bound: Target = fun.bound if isinstance(fun, Derived) else unwrap(fun)
        self.fun: Any = fun if isinstance(fun, Derived) else self.bound.function
        self.argnums: tuple[int, ...] = argnums_tuple("srcad.grad", argnums)
        check_argnums("srcad.grad", self.bound, self.argnums)
        self.positions = tuple(self.bound.position(k) for k in self.argnums)  # of fun's parameters
        self.argnums_is_tuple: bool = not isinstance(argnums, (int, np.integer))
        self.with_value: bool = with_value
        self.has_aux: bool = options.has_aux  # fun returns (loss, aux); only loss differentiated
        self.options: Options = options
        self._lock = threading.Lock()
        self._cache: Any = Bounded()  # static key -> Transformed (see transformed), the 64 latest
        self._last: Transformed | None = None  # the transformation used most recently
        self._last_key: Specialization | None = None  # and its static key
        self._keys = QuickKeys()  # the static keys of recent calls of numbers and arrays
        self._rule: Any = None  # see _srcad_rule
        self._gradients_by_positions: Any = Bounded()  # see _hessian_vector_vjp
        self._original: AnyFunction = fun
        functools.update_wrapper(self, fun, updated=())  # (not the inner Derived's own state)
        # not __wrapped__: inspect.getsource(grad(f)) would show f as if it were the derivative
        del self.__wrapped__  # type: ignore[attr-defined]

    __reduce__ = reduce_derived  # (pickled as what made it: srcad.api.shipping)

    @property
    def __signature__(self) -> inspect.Signature:
        """The parameters of the function differentiated (what a call of this one takes)."""
        return inspect.signature(self._original)

    # ---- transformation -------------------------------------------------------------------------

    def transformed(self, args: tuple[Any, ...] | None = None,
                    kwargs: dict[str, Any] | None = None) -> Transformed:
        """The transformation for these arguments of the function (the bound ones included; none
        given: the bound ones alone): one per distinct set of functions passed for parameters the
        body calls (``act(x)`` with ``act=np.tanh``), of classes of the objects passed and (with
        ``specialize``, the default) of kinds of the numbers and arrays passed (see
        :mod:`srcad.api.specialize`), made once each."""
        if args is None:
            args, kwargs = self.bound.args, {**self.bound.kwargs, **(kwargs or {})}
        key = self._static_key(args, kwargs or {})
        t = self.for_key(key)
        self._last, self._last_key = t, key
        return t

    def for_key(self, key: Specialization) -> Transformed:
        """The transformation for the static key ``key`` (made now if there is none, or if what
        it was made from changed)."""
        t = self._current(self._cache.get(key), key)
        if t is None:
            with self._lock:
                t = self._current(self._cache.get(key), key)
                if t is None and isinstance(self.fun, Derived):
                    t = transform_derivative(self.fun, self.positions, self.argnums_is_tuple,
                                             basis=self.fun.for_key(key))
                    self._cache[key] = t
                elif t is None:
                    t = pipeline.transform(self.fun, self.positions, self.argnums_is_tuple,
                                           key, self.options)
                    if self.options.jit:
                        from ..jit.compile import compiled  # (numba: imported at the first call)
                        t = compiled(t, self.options.jit)
                    self._cache[key] = t
        return t

    def general(self) -> Transformed:
        """The transformation of the latest call (or of none) without the kinds of its numbers and
        arrays: the general code, right for arguments of any kind (what ``srcad.export`` writes)."""
        key = self._last_key if self._last_key is not None \
            else self._static_key(self.bound.args, dict(self.bound.kwargs))
        return self.for_key(dataclasses.replace(key, values=()))

    def _current(self, t: Transformed | None, key: Specialization) -> Transformed | None:
        """``t`` if what it was made from is unchanged (see :class:`~srcad.results.Guard`), else
        None: a function it resolved by name rebound, defaults replaced, a module reloaded, or
        (a derivative of a derivative) the inner derived function transformed again."""
        if t is None or not t.current():
            return None
        if t.basis is not None and self.fun.for_key(key) is not t.basis:
            return None
        return t

    def latest_source(self) -> str:
        """The generated source of the transformation used most recently (made now if none)."""
        return str((self._last or self.transformed()).source)

    def _static_key(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Specialization:
        """What the transformation depends on besides the function (see
        :mod:`srcad.api.specialize`); a derivative of a derivative: its inner function's."""
        if isinstance(self.fun, Derived):
            return self.fun._static_key(args, kwargs)
        if kwargs:
            return specialization(self.fun, args, kwargs, self.options.specialize)
        return self._keys.get(self.fun, args, lambda: specialization(
            self.fun, args, kwargs, self.options.specialize))

    # ---- calling --------------------------------------------------------------------------------

    def __call__(self, *call_args: P.args, **call_kwargs: P.kwargs) -> Any:
        args: tuple[Any, ...] = call_args
        kwargs: dict[str, Any] = call_kwargs
        if self.bound.args or self.bound.kwargs:
            args, kwargs = self.bound.call_args(args, kwargs)
        args, kwargs, boundary = enter(args, kwargs)  # (array_api_strict's, torch's: views)
        refuse_foreign_arrays(args, kwargs, self.positions)
        t = self.transformed(args, kwargs)
        if boundary is None:  # (the common case, at once)
            value, grads = self._run(t, args, kwargs)
        else:
            with mixing_refused(boundary, t.locate):  # (a view met its library's own arrays)
                value, grads = self._run(t, args, kwargs)
        if isinstance(self.fun, Derived) and np.ndim(value) != 0:
            raise NonScalarOutputError(
                f"grad of {self.fun!r}: the derivative it returns has shape {np.shape(value)}; "
                "grad differentiates a scalar", t.return_location,
                "for the Hessian of a function of an array use srcad.hessian or srcad.hvp")
        value, grads = self.structured((value, grads), t, args, kwargs)
        if not self.options.debug_nans and has_nan(grads) \
                and is_finite(value[0] if self.has_aux else value):
            refuse_nan(self, t, args, kwargs)
        if boundary is not None:  # (the value in the arguments' library, a gradient its argument's)
            value = boundary.back(value)
            grads = boundary.gradients(grads, self._differentiated_args(t, args, kwargs),
                                       self.argnums_is_tuple)
        return self.output_of((value, grads))

    def _run(self, t: Transformed, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """The generated function of ``t`` called, its errors located at the user's lines."""
        try:
            return t.function(*args, **kwargs)
        except NonScalarOutputError as exc:
            raise NonScalarOutputError(
                f"{self.fun.__qualname__}: {exc.message}",
                return_taken(self.fun, args, kwargs) or t.return_location, exc.hint) from None
        except SrcadError as exc:
            if exc.location is None:  # raised by generated code: say which line of the user's
                location = t.locate(exc.__traceback__)
                if location is not None:
                    raise type(exc)(exc.message, location, exc.hint).with_traceback(
                        exc.__traceback__) from None
            raise
        except Exception as exc:  # an error of the user's code or data, met in generated code
            if isinstance(exc, TypeError) and exc.__traceback__ is not None \
                    and exc.__traceback__.tb_next is None:  # the call itself: as f's would say
                try:
                    inspect.signature(self._original).bind(*args[len(self.bound.args):], **kwargs)
                except TypeError as wrong:
                    raise TypeError(f"{self.fun.__qualname__}(): {wrong}") from None
            location = t.locate(exc.__traceback__)
            if location is not None and hasattr(exc, "add_note"):
                exc.add_note(f"srcad: in the code generated for {location.filename}:"
                             f"{location.lineno}: {location.line.strip()}")
            raise

    def structured(self, pair: tuple[Any, Any], t: Transformed, args: tuple[Any, ...],
                   kwargs: dict[str, Any]) -> tuple[Any, Any]:
        """``(value, gradients)`` of the generated function (or their tangents) with the gradients
        in the structure and types of the arguments differentiated (:func:`srcad.runtime.plain`:
        plain containers, the objects' own classes)."""
        value, grads = pair
        primals = self._differentiated_args(t, args, kwargs)
        grads = tuple(plain(g, x) for g, x in zip(grads, primals)) if self.argnums_is_tuple \
            else plain(grads, primals[0])
        if type(grads) is not np.ndarray:  # (one array: nothing to share with)
            grads = unshared(grads)
        return value, grads

    def _differentiated_args(self, t: Transformed, args: tuple[Any, ...],
                             kwargs: dict[str, Any]) -> list[Any]:
        """The arguments differentiated, in the order of ``argnums`` (defaults filled in)."""
        values = []
        for k in self.positions:
            if k < len(args) and k >= -len(args):
                values.append(args[k])
            else:
                name = t.params[k]
                values.append(kwargs[name] if name in kwargs else t.function.__defaults__[
                    t.params.index(name) - len(t.params)])
        return values

    def output_of(self, pair: tuple[Any, Any]) -> Any:
        """What this derived function returns, from its generated function's ``(value, grads)``
        (with ``has_aux``, ``value`` is ``(loss, aux)``: ``grad`` returns ``(grads, aux)``, as JAX
        does)."""
        if self.with_value:
            return pair
        return (pair[1], pair[0][1]) if self.has_aux else pair[1]

    # ---- inside another differentiated function -------------------------------------------------

    def _srcad_rule(self) -> Any:
        """The rule reverse mode uses for a call to this derived function inside a function being
        differentiated (``np.sum(grad(f)(x) ** 2)``, a gradient penalty): its VJP along ``g`` is a
        Hessian-vector product, computed by forward mode over the generated gradient code
        (``(d grad_x f / d a)^T g`` is the JVP of ``grad_a f`` along ``g`` in ``x``'s place, by the
        symmetry of second derivatives). None where that does not apply."""
        if self.with_value or self.has_aux or self.argnums_is_tuple \
                or not isinstance(self.fun, types.FunctionType) or self.bound.args \
                or self.bound.kwargs:
            return None
        if self._rule is None:
            params = tuple(positional(self.fun))
            self._rule = rules.Rule(f"srcad.grad({self.fun.__qualname__})", params, {},
                                    {p: "<custom>" for p in params},
                                    custom=self._hessian_vector_vjp,
                                    origin=rules.RuleOrigin.DERIVED)
        return self._rule

    def _hessian_vector_vjp(self, g: Any, ans: Any, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
        """The custom VJP of :meth:`_srcad_rule`: one gradient per argument (None for those that
        hold no floats), by one JVP of the gradient with respect to every float argument."""
        from .forward import jvp  # (here: forward mode builds on this module)

        if kwargs:
            raise SrcadError(f"differentiating through {self!r}: pass its arguments positionally")
        positions = tuple(k for k, a in enumerate(args) if holds_floats(a))
        tangents = [None] * len(args)
        tangents[self.argnums[0]] = g
        gradient = self._gradients_by_positions.get(positions)
        if gradient is None:
            gradient = Derived(self.fun, positions, False, self.options)
            self._gradients_by_positions[positions] = gradient
        _, dots = jvp(gradient, args, tangents)
        grads = [None] * len(args)
        for k, d in zip(positions, dots):
            grads[k] = d
        return tuple(grads)

    # ---- as a Python object ---------------------------------------------------------------------

    def __repr__(self) -> str:
        kind = "value_and_grad" if self.with_value else "grad"
        aux = " (has_aux)" if self.has_aux else ""
        return f"<srcad.{kind} of {self.fun.__qualname__}{aux}>"

    def __get__(self, instance: Any, owner: Any) -> Any:  # so a decorated method binds like a function
        return self if instance is None else functools.partial(self, instance)

    def _repr_markdown_(self) -> str:  # (a front end without HTML: the code, or the refusal)
        try:
            return f"```python\n{self.latest_source()}```"
        except SrcadError as exc:
            return f"```text\n{exc}\n```"

    def _repr_html_(self) -> str:
        """Jupyter's display: the generated code, highlighted, the user's lines linked to their
        blocks; a refusal as a short panel (see :mod:`srcad.api.display`)."""
        return render(repr(self), self.latest_source, self.fun)


def return_taken(fun: Callable[..., Any], args: tuple[Any, ...],
                 kwargs: dict[str, Any]) -> Location | None:
    """The ``return`` statement ``fun`` takes for these arguments, where it has several (None
    where it has one, or it cannot tell): found by running ``fun`` once more, traced, which
    only happens on the way to reporting an error."""
    if not isinstance(fun, types.FunctionType):
        return None
    try:
        returns = [n for n in gast.walk(parse(fun).tree) if isinstance(n, gast.Return)]
    except SrcadError:
        return None
    if len(returns) < 2:
        return None
    taken = []

    def trace(frame: types.FrameType, event: str, arg: Any) -> Any:
        if frame.f_code is not fun.__code__:
            return None
        def local(frame: types.FrameType, event: str, arg: Any) -> Any:
            if event == "return":
                taken.append(frame.f_lineno)
            return local
        return local

    previous = sys.gettrace()
    sys.settrace(trace)
    try:
        fun(*args, **kwargs)
    except Exception:  # (it raised this time: say nothing more than before)
        return None
    finally:
        sys.settrace(previous)
    if not taken:
        return None
    line = taken[-1]  # (the outermost call of fun returns last)
    at = [n for n in returns if n.lineno == line]
    return Location(fun.__code__.co_filename, line, at[0].col_offset if at else 0)
