"""A user's script calling every public function of srcad, for ``mypy --strict`` (see
tests/test_user_side_typing.py, which type-checks it and also runs it): srcad's annotations must let
typed code use the whole API without ``Any`` leaking into errors or casts."""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

import srcad


def loss(w: npt.NDArray[np.float64], x: npt.NDArray[np.float64]) -> float:
    return float(np.sum(np.tanh(x @ w) ** 2))


def vector(w: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.sin(w) * 2.0


def with_aux(w: npt.NDArray[np.float64]) -> tuple[float, dict[str, float]]:
    value = float(np.sum(w ** 2))
    return value, {"value": value}


@srcad.custom_vjp
def softplus(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.log1p(np.exp(x))


@softplus.defvjp
def softplus_vjp(g: Any, ans: Any, x: Any) -> tuple[Any]:
    return (g / (1.0 + np.exp(-x)),)


def clipped(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.minimum(x, 1.0)


def clipped_vjp(g: Any, ans: Any, x: Any) -> tuple[Any]:
    return (g * (x < 1.0),)


srcad.defvjp(clipped, clipped_vjp)


@srcad.checkpoint
def segment(h: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.tanh(h)


def uses_all(w: npt.NDArray[np.float64]) -> float:
    frozen = srcad.stop_gradient(np.ones(3))
    return float(np.sum(softplus(w) * segment(w) + clipped(w) * frozen))


class Pair:
    def __init__(self, a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> None:
        self.a, self.b = a, b


srcad.register_pytree(Pair, lambda p: ((p.a, p.b), None), lambda aux, children: Pair(*children))


def main() -> None:
    w = np.array([0.1, -0.2, 0.3])
    x = np.ones((2, 3))

    df: srcad.api.Derived[[npt.NDArray[np.float64], npt.NDArray[np.float64]]] = srcad.grad(loss)
    g = df(w, x)
    both = srcad.grad(loss, argnums=(0, 1))(w, x)
    decorator: Callable[[Callable[..., Any]], srcad.api.Derived[...]] = srcad.grad(argnums=0)
    value, gradient = srcad.value_and_grad(loss)(w, x)
    gradient_aux, aux = srcad.grad(with_aux, has_aux=True, debug_nans=True)(w)
    out, vjp_fn = srcad.vjp(vector, w)
    (vjp_w,) = vjp_fn(np.ones(3))
    out2, vjp_fn2, aux2 = srcad.vjp(with_aux, w, has_aux=True)
    jac: Any = srcad.jacrev(vector)(w)
    primal, tangent = srcad.jvp(vector, (w,), (np.ones(3),))
    primal2, tangent2, aux3 = srcad.jvp(with_aux, (w,), (np.ones(3),), has_aux=True)
    lin_out, f_jvp = srcad.linearize(vector, w)
    jf = srcad.jacfwd(vector, argnums=0)(w)
    hv = srcad.hvp(loss)(w, x, np.ones(3))
    hess = srcad.hessian(loss)(w, x)
    per_example = srcad.per_example_grad(loss, argnums=0, batch_argnums=1)(w, x)
    text: str = srcad.source(df)
    forward_text: str = srcad.source(vector, mode="forward", argnums=0)
    srcad.show(df)
    debugged = srcad.debug(df, stdin=io.StringIO("c\n"), stdout=io.StringIO())(w, x)
    checked = srcad.check_grads(uses_all, (w,))
    with tempfile.TemporaryDirectory() as folder:
        exported: str = srcad.export(df, os.path.join(folder, "exported.py"))
    version: str = srcad.__version__
    errors: list[type[srcad.SrcadError]] = [
        srcad.UnsupportedSyntaxError, srcad.AliasingError, srcad.NonFiniteError,
        srcad.NoGradientRuleError, srcad.SourceUnavailableError, srcad.NonScalarOutputError,
        srcad.UndefinedNameError, srcad.UnsupportedOperationError, srcad.GradientCheckError,
        srcad.JitError]
    warning: type[UserWarning] = srcad.JitWarning
    try:
        srcad.grad(vector)(w)
    except srcad.NonScalarOutputError as exc:
        hint: str | None = exc.hint
        assert hint
    pair_grad = srcad.grad(lambda p: float(np.sum(p.a * p.b)))(Pair(w, w))
    results = [g, both, decorator, value, gradient, gradient_aux, aux, out, vjp_w, out2, vjp_fn2,
               aux2, jac, primal, tangent, primal2, tangent2, aux3, lin_out, f_jvp(np.ones(3)),
               jf, hv, hess, per_example, text, forward_text, debugged, checked, exported,
               version, errors, warning, pair_grad]
    assert all(r is not None for r in results)


if __name__ == "__main__":
    main()
