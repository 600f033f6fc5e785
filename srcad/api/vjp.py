"""Reverse mode for any output: :func:`vjp` (with its :class:`VJPFunction`) and :func:`jacrev`.

Accepts a plain Python function whose source srcad can read (or a bound method, a callable object, a
``functools.partial`` of one: :mod:`srcad.api.callables`, what is bound is constant), with outputs
of any shape (arrays, tuples of arrays); not a function made by ``grad`` (reverse over reverse is not supported: the error
says to use forward mode over it). Guarantees: the forward sweep runs once per :func:`vjp` call and
the returned ``vjp_fn``'s first call uses what it saved; the backward consumes that (it pops the
stack and restores arrays in place, where views saved by the forward see them), so each later call
runs the forward sweep again on the same primals: ``vjp_fn`` may be called any number of times,
always giving what :func:`srcad.grad` gives. It refuses (SrcadError) a
cotangent that does not nest like the output with leaves of its shapes; gradients come back in the
structure and types of the primals. The generated forward/backward pair is made once per user
function and number of arguments (cached weakly per function, see :mod:`srcad.pipeline`).
"""

from __future__ import annotations

import types
from collections.abc import Callable, Sequence
from typing import Any, Literal, cast, overload

import numpy as np

from ..errors import SrcadError
from ..passes.parse import parse
from ..pipeline import vjp_transform
from ..passes.reverse import Options
from ..results import PerFunction, located_error, positional
from ..runtime import plain, zero_tangent, zeros_like
from ..runtime.containers import kept_value, snapshot
from ..runtime.namespaces import foreign_array
from .aux import split_aux
from .callables import refuse_foreign_arrays, unwrap
from .views import enter, mixing_refused, viewing
from .derived import Derived
from .grads import jit_mode
from .display import Made, render
from .nans import all_finite, has_nan, refuse_nan_derivative
from .signatures import AnyFunction, P
from .specialize import specialization
from .structure import (argnums_tuple, check_array_args, check_cotangent, describe, result_dtype,
                        unshared)


_NO_AUX = object()  # (VJPFunction's aux when the function has none)


class VJPFunction:
    """``vjp_fn`` of :func:`vjp`: call it with a cotangent shaped like the output (a tuple for a
    tuple output); it returns one gradient per primal. It may be called any number of times: the
    first call uses what :func:`vjp`'s forward sweep saved, each later one runs that sweep again
    (the backward consumes what it reads)."""

    def __init__(self, forward: Callable[..., Any], backward: Callable[..., Any], saved: Any,
                 primals: tuple[Any, ...], text: str, out: Any = None,
                 call: tuple[tuple[Any, ...], dict[str, Any]] = ((), {}),
                 aux: Any = _NO_AUX, function: Any = None, files: Any = None,
                 compiled: Any = None, boundary: Any = None) -> None:
        self._forward, self._backward, self._saved = forward, backward, saved
        self._boundary = boundary  # arrays viewed (srcad.api.views): the gradients given back
        self._compiled = compiled  # jit: the Transformed whose function takes the cotangent
        self._files = files  # generated function -> its source's file (errors located by it)
        self._function = function  # the user's (named by an error)
        self._primals, self.source, self._out = primals, text, out  # source: the generated code
        self._aux = aux  # has_aux: the output is (out, aux), and aux gets a zero cotangent
        # the forward's arguments as they were: the caller may change its arrays before a later
        # call
        self._again = (tuple(_copied(a) for a in call[0]), _copied(call[1]))

    def __call__(self, cotangent: Any) -> tuple[Any, ...]:
        _, _, cotangent, _ = enter((), {}, cotangent)  # (strict's, torch's: views, srcad.api.views)
        grads = self._gradients(cotangent)
        if self._boundary is None:
            return grads
        return tuple(self._boundary.gradients(grads, self._primals, True))

    def _gradients(self, cotangent: Any) -> tuple[Any, ...]:
        check_cotangent(self._out, cotangent)
        if self._aux is not _NO_AUX:
            cotangent = (cotangent, zeros_like(self._aux))
        saved, self._saved = self._saved, None
        try:
            # (the cotangent copied: a gradient that is the cotangent itself, f = x + 0.0, must
            # not be the caller's array)
            if self._compiled is not None:  # (jit: both sweeps in one compiled function)
                args, kwargs = self._again
                grads = self._compiled.function(_copied(cotangent), *args, **kwargs)[1]
            else:
                if saved is None:
                    saved = self._forward(*self._again[0], **self._again[1])[1]
                grads = self._backward(saved, _copied(cotangent))
        except SrcadError as exc:  # raised by a runtime helper: at the user's line
            located = located_error(exc, self._files)
            if located is None:
                raise
            raise located from None
        if has_nan(grads) and all_finite(self._out, cotangent):
            refuse_nan_derivative("vjp", self._function, "the cotangent")
        return tuple(unshared(tuple(plain(g, x) for g, x in zip(grads, self._primals))))

    def __repr__(self) -> str:
        name = getattr(self._function, "__qualname__", None)
        return f"<srcad vjp function of {name}>" if name else "<srcad vjp function>"

    def _repr_html_(self) -> str:
        """Jupyter's display: the forward/backward pair it runs (see :mod:`srcad.api.display`)."""
        return render(repr(self), lambda: self.source, self._function)


def _copied(value: Any) -> Any:
    """``value`` with its arrays copied, at any depth of lists, tuples and dicts."""
    if isinstance(value, np.ndarray) or foreign_array(value):  # (Dask's, CuPy's: in its library)
        return snapshot(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_copied(v) for v in value) if not hasattr(value, "_fields") \
            else type(value)(*(_copied(v) for v in value))
    if isinstance(value, dict):
        return {k: _copied(v) for k, v in value.items()}
    return value


@overload
def vjp(fun: AnyFunction, *primals: Any, has_aux: Literal[False] = False,
        specialize: bool = True, jit: bool | str = False) -> tuple[Any, VJPFunction]: ...


@overload
def vjp(fun: AnyFunction, *primals: Any, has_aux: Literal[True],
        specialize: bool = True, jit: bool | str = False) -> tuple[Any, VJPFunction, Any]: ...


def vjp(fun: AnyFunction, *primals: Any, has_aux: bool = False, specialize: bool = True,
        jit: bool | str = False) -> tuple[Any, VJPFunction] | tuple[Any, VJPFunction, Any]:
    """``(fun(*primals), vjp_fn)``: ``vjp_fn(v)`` is v^T times the Jacobian of ``fun`` at
    ``primals``, one gradient per primal, for outputs of any shape (arrays, tuples). The forward
    sweep runs once; ``vjp_fn`` reuses what it saved. The output returned is a copy (the backward
    restores arrays written in place, which the output may hold). ``has_aux=True``: ``fun`` returns
    ``(out, aux)``; the result is ``(out, vjp_fn, aux)``, ``vjp_fn`` taking a cotangent of ``out``
    alone (aux gets none), as in JAX. ``specialize=False``: the general code, not specialized on
    the kinds of the numbers and arrays passed (see :func:`srcad.grad`). ``jit=True``/``"auto"``:
    each ``vjp_fn`` call runs one function compiled with numba, both sweeps in it, taking the
    cotangent (the forward sweep run again at the primals kept; docs/jit.md)."""
    mode = jit_mode(jit)
    if isinstance(fun, Derived):
        raise SrcadError(f"srcad.vjp/jacrev of {fun!r}: reverse mode over a derivative is not "
                         "supported", hint="use forward mode over it: srcad.jvp, srcad.jacfwd"
                                           "(srcad.grad(f)), srcad.hessian or srcad.hvp")
    bound = unwrap(fun)  # a method's self, a partial's arguments: constants
    if not isinstance(bound.function, types.FunctionType):
        parse(bound.function)  # raises the error that explains why
    args, kwargs = bound.call_args(primals, {})
    args, kwargs, primals, boundary = enter(args, kwargs, primals)  # (strict's, torch's: views)
    refuse_foreign_arrays(args, kwargs, range(len(bound.args), len(args)))
    forward, backward, text, files = vjp_transform(bound.function, len(args), len(bound.args),
                                            specialization(bound.function, args, kwargs,
                                                           specialize))
    try:
        # (on copies: the tape may hold the arrays it was given, which the caller may change
        # before calling vjp_fn)
        with mixing_refused(boundary, files=files):  # (a view met its library's own arrays)
            out, saved = forward(*_copied(args), **_copied(kwargs))
    except SrcadError as exc:  # raised by a runtime helper: at the user's line
        located = located_error(exc, files)
        if located is None:
            raise
        raise located from None
    # the backward restores arrays the forward wrote in place: the output (and aux) given back
    # must not change when vjp_fn is called, so they are copies (one copy of the output per call)
    out = kept_value(out)
    compiled = None
    if mode:  # (one generated function with both sweeps, taking the cotangent: compiled)
        compiled = _seeded(bound.function, tuple(range(len(bound.args), len(args))), specialize,
                           mode).transformed(args, kwargs)
        text, files = compiled.source, compiled.files
    back = (lambda v: v) if boundary is None or not boundary.holds(args) else boundary.back
    if has_aux:
        out, aux = split_aux(bound.function, out, "vjp")
        return back(out), VJPFunction(forward, backward, saved, primals, text, out,
                                      (args, kwargs), aux, bound.function, files, compiled,
                                      boundary), back(aux)
    return back(out), VJPFunction(forward, backward, saved, primals, text, out, (args, kwargs),
                                  function=bound.function, files=files, compiled=compiled,
                                  boundary=boundary)


_SEEDED = PerFunction()  # function -> {(positions, specialize, mode): Derived}


def _seeded(function: Any, positions: tuple[int, ...], specialize: bool, mode: str
            ) -> Derived[Any]:
    """The derived function whose transformations take the output's cotangent first (both
    sweeps in one function), compiled with numba: one per user function and key, cached."""
    key = (positions, specialize, mode)
    found: Derived[Any] | None = _SEEDED.get(function, key)
    if found is None:
        found = Derived(function, positions, with_value=False,
                        options=Options(specialize=specialize, jit=mode, seeded=True))
        _SEEDED.put(function, key, found)
    return found


def jacrev(fun: Callable[P, Any], argnums: int | Sequence[int] = 0, *,
           jit: bool | str = False) -> Callable[P, Any]:
    """The Jacobian of ``fun`` with respect to argument(s) ``argnums``, by reverse mode (one
    vector-Jacobian product per output entry); shaped ``out.shape + argument.shape``. A tuple output
    gives one Jacobian per part (a tuple; with several ``argnums``, a tuple per part). ``jit``:
    each product compiled with numba (see :func:`vjp`)."""
    ks = argnums_tuple("srcad.jacrev", argnums)
    jit_mode(jit)  # (checked now)
    ran: list[str] = []  # the code of the latest call (shown in Jupyter)

    def jacobian(*args: Any) -> Any:
        check_array_args("jacrev", args, ks)
        out, f_vjp = vjp(fun, *args, jit=jit)
        ran[:] = [f_vjp.source]
        parts = list(out) if isinstance(out, (tuple, list)) else [out]
        if any(isinstance(p, (tuple, list, dict)) or p is None for p in parts):
            name = getattr(fun, "__qualname__", fun)
            raise SrcadError(f"srcad.jacrev: {name} returns {describe(out)}; jacrev takes an "
                             "array (or number) or a tuple of arrays",
                             hint="return the parts as one flat tuple, or use srcad.vjp with a "
                                  "cotangent of the output's structure")
        results = []
        for j, part in enumerate(parts):
            shape = np.shape(part)
            rows = []
            for index in np.ndindex(shape):
                cotangent = np.zeros(shape, dtype=result_dtype(part, part))
                cotangent[index] = 1.0
                seed: Any = cotangent if shape else cotangent[()]
                if isinstance(out, (tuple, list)):
                    seed = type(out)(seed if i == j else zero_tangent(p)
                                     for i, p in enumerate(parts))
                grads = f_vjp(seed)
                rows.append([np.asarray(grads[k], dtype=result_dtype(grads[k], args[k]))
                             for k in ks])
            jac = tuple(np.stack([r[i] for r in rows]).reshape(shape + np.shape(args[k]))
                        if rows else np.zeros(shape + np.shape(args[k])) for i, k in enumerate(ks))
            results.append(jac[0] if isinstance(argnums, int) else jac)
        return type(out)(results) if isinstance(out, (tuple, list)) else results[0]
    return cast(Callable[P, Any], Made(viewing(jacobian), "jacrev", fun,
                                       lambda: ran[0] if ran else vjp_source(fun)))


def vjp_source(fun: AnyFunction) -> str:
    """The forward/backward pair :func:`vjp` runs for ``fun`` called with one argument per
    positional parameter (what ``jacrev(fun)`` shows before its first call)."""
    if isinstance(fun, Derived):
        vjp(fun)  # raises the error that explains why
    bound = unwrap(fun)
    if not isinstance(bound.function, types.FunctionType):
        parse(bound.function)  # raises the error that explains why
    count = len(positional(bound.function))
    static = specialization(bound.function, bound.args, bound.kwargs)
    return str(vjp_transform(bound.function, count, len(bound.args), static)[2])
