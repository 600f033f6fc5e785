"""What a callable given to srcad stands for: a Python function, and arguments already bound to it.

Accepts anything callable: a function; a bound method (``model.loss``); an instance of a class
with a ``__call__`` written in Python (``model``); ``functools.partial(f, *a, **k)``, also nested and
of the above; a function made by srcad (which keeps its own). Guarantees: :func:`unwrap` returns a
:class:`Target` such that ``fun(*args, **kwargs)`` is ``target.function(*target.args, *args,
**{**target.kwargs, **kwargs})``, where ``target.function`` is a plain Python function whose source
srcad reads (a method's source is read from its class) -- or ``fun`` itself, unchanged, when it is
none of these (parse then says why it cannot be differentiated).

The semantics are JAX's: the bound arguments (a method's ``self``, a partial's arguments) are
constants, and ``argnums`` counts the arguments of the call, not the bound ones:
``srcad.grad(model.loss)(x, y)`` is the gradient with respect to ``x``. For the gradient with
respect to the object, differentiate the function of the class: ``srcad.grad(Model.loss)(model, x,
y)`` (``model`` is then argument 0, and its gradient has its structure, see
:mod:`srcad.runtime.objects`).
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import types
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import SrcadError
from ..runtime.namespaces import foreign_array
from .display import Made


@dataclasses.dataclass(frozen=True)
class Target:
    """``function`` with ``args`` bound before the call's own positional arguments and ``kwargs``
    under its keywords."""

    function: Any
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = dataclasses.field(default_factory=dict)

    def call_args(self, args: tuple[Any, ...] | list[Any], kwargs: dict[str, Any] | None
                  ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """``(args, kwargs)`` of a call of the function itself, for a call of the callable."""
        return self.args + tuple(args), {**self.kwargs, **(kwargs or {})}

    def position(self, k: int) -> int:
        """The position among the function's parameters of the call's positional argument ``k``
        (a negative ``k`` counts from the end, as before)."""
        return k + len(self.args) if k >= 0 else k

    def describe(self) -> str:
        """How the callable reads in a message: ``Model.loss``, ``functools.partial(f)``."""
        return str(getattr(self.function, "__qualname__", repr(self.function)))


def unwrap(fun: Any) -> Target:
    """See the module docstring. A function made by ``jacfwd``, ``jacrev``, ``hvp``, ``hessian``
    or ``per_example_grad`` is refused (:class:`SrcadError`): srcad does not differentiate it
    again."""
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = {}
    for _ in range(64):  # (a partial of a partial of ... : a bound depth, never a loop)
        if isinstance(fun, Made):
            raise SrcadError(
                f"{fun!r} is a function srcad made; srcad does not differentiate it again",
                hint="for second derivatives differentiate the gradient: srcad.hessian(f), "
                     "srcad.hvp(f), srcad.jacfwd(srcad.grad(f)) or srcad.grad(srcad.grad(f))")
        if isinstance(fun, functools.partial):
            args, kwargs = tuple(fun.args) + args, {**fun.keywords, **kwargs}
            fun = fun.func
        elif isinstance(fun, types.MethodType) and isinstance(fun.__func__, types.FunctionType):
            args, fun = (fun.__self__,) + args, fun.__func__
        elif _python_call(fun) is not None:
            args, fun = (fun,) + args, _python_call(fun)
        else:
            break
    return Target(fun, args, kwargs)


def _python_call(obj: object) -> types.FunctionType | None:
    """The ``__call__`` function of ``obj``'s class if ``obj`` is an instance of a user's class
    whose ``__call__`` is written in Python (never one of srcad's own callables)."""
    if isinstance(obj, (type, types.FunctionType, types.BuiltinFunctionType, types.ModuleType,
                        functools.partial, types.MethodType)):
        return None
    cls = type(obj)
    if (cls.__module__ or "").split(".")[0] == "srcad":
        return None  # grad(f), custom_vjp, checkpoint: srcad's own callables keep their meaning
    call = inspect.getattr_static(cls, "__call__", None)
    return call if isinstance(call, types.FunctionType) else None


def check_argnums(what: str, target: Target, argnums: tuple[int, ...]) -> None:
    """For a callable with bound arguments: refuse an ``argnums`` past the parameters the call
    itself fills, with the number the user wrote (the pipeline would name the shifted one)."""
    if not target.args or not isinstance(target.function, types.FunctionType):
        return
    try:
        params = inspect.signature(target.function, follow_wrapped=False).parameters.values()
    except (TypeError, ValueError):
        return
    if any(p.kind == p.VAR_POSITIONAL for p in params):
        return
    free = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    free = free[len(target.args):]
    for k in argnums:
        if not -len(free) <= k < len(free):
            raise SrcadError(
                f"{what}: argnums={k!r}, but {target.describe()} bound to "
                f"{len(target.args)} argument(s) takes the positional arguments "
                f"({', '.join(free)})",
                hint="argnums counts the arguments of the call (a bound method's self is not one: "
                     "for its gradient differentiate the class's function, "
                     "srcad.grad(Class.method)(obj, ...))")


_PLAIN = frozenset({np.ndarray, float, int, bool, complex})


def refuse_foreign_arrays(args: tuple[Any, ...], kwargs: dict[str, Any],
                          differentiated: Sequence[int] = ()) -> None:
    """Refuse an argument that looks like an array but whose operators are not NumPy's: an
    ``np.matrix`` anywhere (``*`` is a matrix product, ``**`` a matrix power: srcad's rules are
    the elementwise ones, so even as a constant it would give a wrong gradient), a
    ``scipy.sparse`` matrix or array among the ``differentiated`` positions (no rule
    differentiates with respect to one; as a constant, ``A @ x``, it is the rule table's
    business), an array of another library that NumPy's functions do not dispatch to (the Array
    API standard only: ``array_api_strict``) left in a container that :mod:`srcad.api.views`
    does not look into. Looks into lists, tuples, dicts and dataclasses (a bounded depth)."""
    def scan(value: Any, depth: int, sparse: bool) -> str | None:
        if isinstance(value, np.matrix):
            return "an np.matrix"
        if sparse and (type(value).__module__ or "").startswith("scipy.sparse"):
            return f"a scipy.sparse {type(value).__name__}, differentiated"
        if foreign_array(value) and not hasattr(type(value), "__array_function__"):
            return (f"a {type(value).__module__}.{type(value).__name__}, an array of the Array "
                    "API standard without NumPy's dispatch (__array_function__)")
        if depth < 8 and isinstance(value, (list, tuple, dict)):
            items = value.values() if isinstance(value, dict) else value
            return next((found for v in items if (found := scan(v, depth + 1, sparse))), None)
        if depth < 8 and dataclasses.is_dataclass(value) and not isinstance(value, type):
            return next((found for f in dataclasses.fields(value)
                         if (found := scan(getattr(value, f.name, None), depth + 1, sparse))), None)
        return None

    count = len(args)
    positions = {k % count for k in differentiated if count and -count <= k < count}
    for k, value in [*enumerate(args), *kwargs.items()]:
        if type(value) in _PLAIN:
            continue  # (the common case, at once)
        found = scan(value, 0, k in positions)
        if found is not None:
            where = f"argument {k}" if isinstance(k, int) else f"argument '{k}'"
            raise SrcadError(
                f"{where} is {found}: srcad differentiates NumPy arrays, whose '*' and '**' are "
                "elementwise, with respect to dense arrays; with this value its gradient would "
                "be wrong" if "Array API" not in found else
                f"{where} is {found}, in a container srcad does not look into for them (it "
                "views such arrays as NumPy's in lists, tuples, named tuples and dicts of the "
                "arguments, 8 deep)",
                hint="pass np.asarray(value) (for a sparse matrix, value.toarray()), "
                     "and write '@' for a matrix product")
