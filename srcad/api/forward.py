"""Forward mode: :func:`jvp`, :func:`jacfwd`, and second order by forward over reverse,
:func:`hvp` and :func:`hessian`.

Accepts a plain Python function whose source srcad can read, a bound method, a callable object or a
``functools.partial`` of one (:mod:`srcad.api.callables`: what is bound is constant, and the
primals, tangents and ``argnums`` are the call's own), or a function made by ``grad`` (forward
mode then runs over the gradient code srcad generated for it: Hessian-vector products). Primals
and tangents may be numbers, arrays, or lists, tuples and dicts of them; a tangent must have its
primal's structure (``None`` holds a primal constant). Guarantees: the output tangent has the
output's structure and is never the caller's own tangent array (or a view of it); the JVP function
is generated once per user function, set of positions with a tangent and number of ``*args``
(cached weakly per function, see :mod:`srcad.pipeline`).
"""

from __future__ import annotations

import copy
import inspect
import types
from collections.abc import Callable, Sequence
from typing import Any, Literal, cast, overload

import numpy as np

from ..errors import SrcadError
from ..passes.parse import parse
from ..passes.reverse import Options
from ..pipeline import jvp_transform
from ..results import located_error
from .aux import split_aux
from .callables import refuse_foreign_arrays, unwrap
from .views import enter, mixing_refused, viewing
from .derived import Derived
from .display import Made
from .grads import jit_mode
from .nans import all_finite, has_nan, refuse_nan_derivative
from .reading import source
from .signatures import AnyFunction, P
from .specialize import specialization
from .structure import (argnums_tuple, basis, check_array_args, describe, plain_tangent,
                        same_structure, stack_columns)


def _forward_target(fun: Any, primals: tuple[Any, ...], kwargs: dict[str, Any]
                    ) -> tuple[Any, Callable[[Any], Any] | None]:
    """The plain Python function forward mode transforms for ``fun`` (``primals`` and ``kwargs``:
    all its arguments, the bound ones included), and how to read its result (None: as it is). A
    derived function (``grad(f)``) gives the gradient code srcad generated for it (forward over
    reverse), read by :meth:`Derived.output_of`."""
    if isinstance(fun, Derived):
        if fun.has_aux:
            raise SrcadError(f"forward mode over {fun!r}: a derived function with has_aux is not "
                             "supported", hint="use srcad.grad(f) of a function without aux "
                                               "(srcad.hvp, srcad.jvp over it)")
        t = fun.transformed(primals, kwargs)
        target = getattr(t.function, "python", t.function)  # (jit=True's: its Python code)
        return target, lambda pair: fun.output_of(fun.structured(pair, t, primals, kwargs))
    if not isinstance(fun, types.FunctionType):
        parse(fun)  # raises the error that explains why
    return fun, None


def _check_arity(target: Any, primals: tuple[Any, ...], kwargs: dict[str, Any] | None = None
                 ) -> None:
    """Raise :class:`SrcadError` unless ``target`` can be called with ``primals``."""
    code = getattr(target, "__code__", None)
    if code is not None and not code.co_flags & inspect.CO_VARARGS and not kwargs:
        defaults = len(target.__defaults__ or ())
        if code.co_argcount - defaults <= len(primals) <= code.co_argcount:
            return  # (the common case, checked without building a signature)
    try:
        inspect.signature(target).bind(*primals, **(kwargs or {}))
    except TypeError as exc:
        raise SrcadError(f"srcad.jvp: the primals do not fit "
                         f"{getattr(target, '__qualname__', target)}: {exc}") from None


@overload
def jvp(fun: AnyFunction, primals: Sequence[Any], tangents: Sequence[Any],
        has_aux: Literal[False] = False, *, jit: bool | str = False) -> tuple[Any, Any]: ...


@overload
def jvp(fun: AnyFunction, primals: Sequence[Any], tangents: Sequence[Any],
        has_aux: Literal[True], *, jit: bool | str = False) -> tuple[Any, Any, Any]: ...


def jvp(fun: AnyFunction, primals: Sequence[Any], tangents: Sequence[Any], has_aux: bool = False,
        *, jit: bool | str = False) -> tuple[Any, Any] | tuple[Any, Any, Any]:
    """``(fun(*primals), tangent_out)``: the derivative of ``fun`` at ``primals`` along ``tangents``
    (one per primal, shaped like it; ``None`` for a primal held constant), by forward mode: a
    function srcad generates with each statement followed by its tangent (``srcad.source(fun,
    mode="forward")`` shows it). ``fun`` may be a function made by srcad (``srcad.grad(f)``):
    that gives Hessian-vector products (forward over reverse). ``has_aux=True``: ``fun`` returns
    ``(out, aux)``; the result is ``(out, tangent_out, aux)``, as in JAX (aux's tangent, which
    forward mode computes along, is dropped). ``jit=True``/``"auto"``: the JVP
    function compiled with numba, as for :func:`srcad.grad` (docs/jit.md)."""
    options = Options(jit=jit_mode(jit))
    if has_aux:
        (out, aux), (tangent, _) = _jvp(fun, primals, tangents, True, options)
        if any(isinstance(t, np.ndarray) and isinstance(tangent, np.ndarray)
               and np.shares_memory(t, tangent) for t in tangents):
            tangent = tangent.copy()  # never the caller's own tangent array (or a view of it)
        return out, tangent, aux
    return _jvp(fun, primals, tangents, False, options)


def _jvp(fun: Any, primals: Sequence[Any], tangents: Sequence[Any], split: bool = False,
         options: Options = Options()) -> tuple[Any, Any]:
    """:func:`jvp`; ``split``: check that the output is a pair (``has_aux``) before reading it."""
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise SrcadError(f"srcad.jvp: {len(primals)} primals but {len(tangents)} tangents")
    for k, (x, t) in enumerate(zip(primals, tangents)):
        if t is not None and not same_structure(x, t):
            raise SrcadError(f"srcad.jvp: the tangent of argument {k} is not shaped like the "
                             f"argument ({describe(t)} for {describe(x)})")
    bound = fun.bound if isinstance(fun, Derived) else unwrap(fun)  # a method's self, a partial's
    if not isinstance(fun, Derived):
        fun = bound.function
    primals, kwargs = bound.call_args(primals, {})
    tangents = (None,) * len(bound.args) + tangents  # (what is bound is constant)
    primals, kwargs, tangents, boundary = enter(primals, kwargs, tangents)
    primals = tuple(primals)
    refuse_foreign_arrays(primals, kwargs, [k for k, t in enumerate(tangents) if t is not None])
    target, read_result = _forward_target(fun, primals, kwargs)
    _check_arity(target, primals, kwargs)
    positions = tuple(k for k, t in enumerate(tangents) if t is not None)
    function, names, _, files = jvp_transform(target, positions,  # (specialized on the kinds)
                                              specialization(target, primals, kwargs, True),
                                              options)
    try:
        with mixing_refused(boundary, files=files):  # (a view met its library's own arrays)
            out, tangent = function(*primals, **kwargs,
                                    **{names[j]: tangents[k] for j, k in enumerate(positions)})
    except SrcadError as exc:  # raised by a runtime helper: at the user's line
        located = located_error(exc, files)
        if located is None:
            raise
        raise located from None
    if split:  # (the pair checked before reading it; the tangent has the output's structure)
        split_aux(target, out, "jvp")
    if read_result is not None:
        out, tangent = read_result(out), read_result(tangent)
    tangent = plain_tangent(tangent, out)
    if has_nan(tangent) and all_finite(out, primals, tangents):
        refuse_nan_derivative("jvp", fun, "the point and the tangents")
    if any(isinstance(t, np.ndarray) and isinstance(tangent, np.ndarray)
           and np.shares_memory(t, tangent) for t in tangents):
        tangent = tangent.copy()  # never the caller's own tangent array (or a view of it)
    if boundary is None:
        return out, tangent
    return (boundary.back(out) if boundary.holds(primals) else out), boundary.back(tangent)


def jacfwd(fun: Callable[P, Any], argnums: int | Sequence[int] = 0, *,
           jit: bool | str = False) -> Callable[P, Any]:
    """The Jacobian of ``fun`` with respect to argument(s) ``argnums`` by forward mode (one JVP per
    input entry), shaped ``out.shape + argument.shape``; a tuple output gives one per part (with
    several ``argnums``, a tuple per part), as :func:`srcad.jacrev`. ``jit``: the JVP function
    compiled with numba (see :func:`jvp`)."""
    jit_mode(jit)  # (checked now)
    ks = argnums_tuple("srcad.jacfwd", argnums)
    call: Callable[..., Any] = fun

    def jacobian(*args: Any) -> Any:
        check_array_args("jacfwd", args, ks)
        results = []
        out = None
        for k in ks:
            columns = []
            for e in basis(args[k]):
                tangents = [None] * len(args)
                tangents[k] = e
                out, t = jvp(fun, args, tangents, jit=jit)
                columns.append(t)
            if out is None:
                out = call(*args)
            results.append(stack_columns(columns, out, args[k]))
        if isinstance(argnums, int):
            return results[0]
        if isinstance(out, (tuple, list)):  # per output part, then per argument (as jacrev)
            return type(out)(tuple(r[j] for r in results) for j in range(len(out)))
        return tuple(results)
    return cast(Callable[P, Any], Made(viewing(jacobian), "jacfwd", fun,
                                       lambda: source(fun, mode="forward", argnums=ks)))


def _require_one_argnum(what: str, argnums: Any) -> None:
    if not isinstance(argnums, int):
        raise SrcadError(f"srcad.{what} takes one argument number (argnums=int)")


def hvp(fun: AnyFunction, argnums: int = 0, *, specialize: bool = True,
        jit: bool | str = False) -> Callable[..., Any]:
    """``hvp(fun)(*args, v)``: the Hessian of scalar ``fun`` (with respect to argument
    ``argnums``) times ``v``, as forward mode over the generated gradient: one JVP of the gradient
    code, never forming the Hessian. Costs a small multiple of one gradient. ``specialize``: that
    of the gradient code (see :func:`srcad.grad`); ``jit``: that JVP compiled with numba (see
    :func:`jvp`)."""
    return _hvp(fun, argnums, specialize, jit)


def _hvp(fun: AnyFunction, argnums: int, specialize: bool = True, jit: bool | str = False
         ) -> Made:
    """:func:`hvp`, as the :class:`Made` function :func:`hessian` reads the code of."""
    _require_one_argnum("hvp", argnums)
    # (jit: numba-ready gradient code, which forward mode differentiates and jvp compiles;
    # without elementwise loops, whose entries' '/' forward mode would differentiate as Python's)
    g = Derived(fun, argnums, False, Options(specialize=bool(specialize), jit=jit_mode(jit),
                                             loops=False))

    def product(*args: Any) -> Any:
        if len(args) < 2:
            raise SrcadError("srcad.hvp(fun) is called as (*args, v): the arguments, then the "
                             "direction v")
        *primals, v = args
        if not -len(primals) <= argnums < len(primals):
            raise SrcadError(f"srcad.hvp: argnums={argnums}, but it was called with "
                             f"{len(primals)} arguments and v")
        tangents: list[Any] = [None] * len(primals)
        tangents[argnums] = v
        primals, _, tangents, boundary = enter(tuple(primals), {}, tangents)  # (views: here, so
        _, hv = jvp(g, primals, tangents, jit=jit)                        # the NaN check reads them)
        if has_nan(hv) and all_finite(primals, v) and all_finite(fun(*copy.deepcopy(primals))):
            refuse_nan_derivative("hvp", fun, "the point and the direction")
        return hv if boundary is None else boundary.back(hv)
    return Made(product, "hvp", fun, lambda: source(g, mode="forward", argnums=argnums),
                "(forward mode over the gradient code)")


def hessian(fun: Callable[P, Any], argnums: int = 0, *, jit: bool | str = False
            ) -> Callable[P, Any]:
    """The Hessian of scalar ``fun`` with respect to argument ``argnums``, shaped
    ``x.shape + x.shape``: one Hessian-vector product (forward over reverse) per entry of ``x``.
    ``jit``: that product compiled with numba (see :func:`jvp`)."""
    _require_one_argnum("hessian", argnums)
    product = _hvp(fun, argnums, jit=jit)

    def hess(*args: Any) -> Any:
        check_array_args("hessian", args, (argnums,))
        x = args[argnums]
        columns = [product(*args, e) for e in basis(x)]
        return stack_columns(columns, x, x)
    return cast(Callable[P, Any], Made(viewing(hess), "hessian", fun, product.code,
                                       "(one Hessian-vector product per entry: forward mode over "
                                       "the gradient code)"))


def linearize(fun: AnyFunction, *primals: Any) -> tuple[Any, Callable[..., Any]]:
    """``(fun(*primals), f_jvp)``, JAX's ``linearize``: ``f_jvp(*tangents)`` is the derivative of
    ``fun`` at ``primals`` along ``tangents`` (one per primal, ``None`` for a constant one), i.e.
    ``jvp(fun, primals, tangents)[1]``. srcad keeps copies of the primals (taken now: the caller
    may change its arrays later) and runs its forward-mode function again at them on each call, so
    each ``f_jvp`` call costs one JVP (the function and its tangent, about 2-3 times the function),
    not the linear part alone as JAX's does; the JVP function is generated once and cached."""
    from .vjp import _copied

    viewed, _, boundary = enter(primals, {})  # (array_api_strict's, torch's: views, copied)
    kept = tuple(_copied(p) for p in viewed)
    out, _ = jvp(fun, _copied(kept), (None,) * len(kept))
    back = (lambda value: value) if boundary is None else boundary.back

    def f_jvp(*tangents: Any) -> Any:
        if len(tangents) != len(kept):
            raise SrcadError(f"srcad.linearize: f_jvp takes one tangent per primal ({len(kept)}), "
                             f"got {len(tangents)}")
        return back(jvp(fun, _copied(kept), tangents)[1])

    f_jvp.__doc__ = f"The JVP of {getattr(fun, '__qualname__', fun)} at the primals given."
    return back(out), f_jvp
