"""Reading generated code: :func:`source` and :func:`show`.

Accepts a function made by ``grad``/``value_and_grad``, a ``vjp_fn`` from :func:`srcad.vjp`, one
made by ``jacfwd``, ``jacrev``, ``hvp``, ``hessian`` or ``per_example_grad`` (the code its calls
run, :class:`srcad.api.display.Made`), or, in
forward mode, a plain function, a method or a partial (:mod:`srcad.api.callables`), or a derived
one (forward mode over its gradient code, what :func:`srcad.hvp` runs). Guarantees: the text returned is exactly the source srcad compiled and runs
(the most recent transformation, for a derived function specialized on function arguments or on the
number of ``*args``); asking for it transforms only what was not transformed yet.
"""

from __future__ import annotations

import types
from collections.abc import Sequence
from typing import Literal

from ..passes.parse import Specialization, parse
from ..passes.reverse import Options
from ..pipeline import jvp_transform
from .callables import unwrap
from .derived import Derived
from .display import Made
from .signatures import AnyFunction
from .specialize import specialization
from .vjp import VJPFunction


def source(derived: AnyFunction, *, mode: Literal["reverse", "forward"] = "reverse",
           argnums: int | Sequence[int] = 0, optimize: bool = True) -> str:
    """The generated source code of a derived function (``srcad.grad(f)``, a ``vjp_fn``, or what
    ``jacfwd``, ``jacrev``, ``hvp``, ``hessian`` or ``per_example_grad`` made: the code a call runs).
    ``source(f, mode="forward", argnums=0)`` is the JVP function of a plain function ``f`` that
    :func:`srcad.jvp` runs, with tangents for the arguments ``argnums``."""
    if mode == "forward":
        positions = (argnums,) if isinstance(argnums, int) else tuple(argnums)
        static = Specialization()
        if isinstance(derived, Derived):
            derived = derived.transformed().function  # forward mode over its generated code
            derived = getattr(derived, "python", derived)  # (jit=True's: its Python code)
        else:  # a method, a callable object, a partial: its function, what is bound constant
            target = unwrap(derived)
            derived = target.function
            positions = tuple(target.position(k) for k in positions)
            if isinstance(derived, types.FunctionType) and (target.args or target.kwargs):
                static = specialization(derived, target.args, target.kwargs)
        if not isinstance(derived, types.FunctionType):
            parse(derived)  # raises the error that explains why
        return str(jvp_transform(derived, positions, static, Options(optimize=optimize))[2])
    if mode != "reverse":
        raise ValueError(f"mode must be 'reverse' or 'forward', not {mode!r}")
    if isinstance(derived, VJPFunction):
        return derived.source
    if isinstance(derived, Made):  # jacfwd(f), jacrev(f), hvp(f), hessian(f), per_example_grad(f)
        return derived.code()
    if not isinstance(derived, Derived):
        raise TypeError(f"srcad.source expects a function made by srcad.grad, srcad.value_and_grad "
                        f"or a vjp_fn, got {derived!r}; for a plain function use "
                        "srcad.source(f, mode='forward'), and for a Hessian-vector product "
                        "srcad.source(srcad.grad(f), mode='forward')")
    return derived.latest_source()


def show(derived: AnyFunction) -> None:
    """Print the generated source code of a derived function."""
    print(source(derived), end="")
