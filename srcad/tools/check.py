"""Checking gradients: ``srcad.check_grads``, which says *which line* is wrong.

``check_grads(f, args)`` compares srcad's gradient with central finite differences (element by
element for small arguments) and with a random-direction test. On a mismatch it does not stop at
"wrong": it checks the gradient rule of every line of ``f`` on its own, at the values that line
really saw in this call, against finite differences of that one operation, and names the first
line whose rule disagrees (descending into the functions ``f`` calls). A wrong rule -- most often
a custom VJP given with ``srcad.defvjp`` -- is found that way; if every line agrees, the mismatch
is in how srcad combined them, and the report says so.

Accepts: a scalar-valued Python function and one call's arguments (numbers, arrays, or containers
of them). Guarantees: returns srcad's gradients when they agree with finite differences (and, if
asked, forward mode and Hessian-vector products do too); raises :class:`GradientCheckError` otherwise,
with the line :mod:`srcad.tools.localize` finds. Finite differences live here; the fault localizer,
which prepares each function through the pipeline's own front half, lives in ``localize``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import SrcadError
from . import values
from .localize import LineReport, Localizer, find_faulty_line

__all__ = ["GradientCheckError", "check_grads", "find_faulty_line", "LineReport", "Localizer"]


class GradientCheckError(SrcadError, AssertionError):
    """``check_grads`` found srcad's gradient to disagree with finite differences."""


def _name(fun) -> str:
    """How ``fun`` reads in a report (a method, a partial: its function's name)."""
    from ..api.callables import unwrap
    target = unwrap(fun).function
    return getattr(target, "__qualname__", repr(target))


def _where(k, path) -> str:
    return f"argument {k}" + "".join(f".{key}" if isinstance(key, values.Attribute)
                                     else f"[{key!r}]" for key in path)


def _differences(f, x, eps, elementwise):
    """Central differences of scalar ``f(value)`` at ``x``, element by element (None if not
    ``elementwise``)."""
    x = np.asarray(x, dtype=float)
    if not elementwise:
        return None
    grad = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        e = np.zeros(x.shape)
        e[idx] = eps
        delta = e if x.shape else eps
        grad[idx] = (f(values.shifted(x, delta)) - f(values.shifted(x, -delta))) / (2 * eps)
    return grad


def _check_leaf(fun, args, k, path, g, eps, rtol, atol, rng):
    """The problem with the gradient ``g`` of the entry ``path`` of argument ``k``, or None."""
    where = _where(k, path)
    x = values.get(args[k], path)

    def f(value):
        moved = list(args)
        moved[k] = values.replace(args[k], path, value)
        return fun(*moved)

    if g is None or not (np.isscalar(g) or isinstance(g, np.ndarray)):
        return f"{where}: srcad gives {g!r} as its gradient, not a number or an array"
    if np.shape(g) != np.shape(x):
        return f"{where}: gradient of shape {np.shape(g)} for an argument of shape {np.shape(x)}"
    expected = _differences(f, x, eps, np.size(x) <= 1000)
    if expected is not None and not np.allclose(g, expected, rtol=rtol, atol=atol):
        worst = tuple(int(i) for i in np.unravel_index(
            np.argmax(np.abs(np.asarray(g) - expected)), np.shape(g)))
        return (f"{where}: srcad gives {np.asarray(g)[worst]:.6g} at "
                f"{worst if np.ndim(g) else 'the value'}, finite differences "
                f"{np.asarray(expected)[worst]:.6g}")
    v = rng.normal(size=np.shape(x))
    lhs = float(np.sum(v * np.asarray(g)))
    rhs = (f(values.shifted(x, eps * v)) - f(values.shifted(x, -eps * v))) / (2 * eps)
    if not np.isclose(lhs, rhs, rtol=rtol, atol=atol):
        return f"{where}: along a random direction srcad gives {lhs:.6g}, finite differences {rhs:.6g}"
    return None


def check_grads(fun: Callable[..., Any], args: Sequence[Any], order: int = 1,
                modes: Sequence[str] = ("rev",), argnums: int | Sequence[int] | None = None,
                eps: float = 1e-6, rtol: float = 1e-5, atol: float = 1e-7, seed: int = 0) -> Any:
    """Check srcad's gradient of scalar ``fun`` at ``args`` against finite differences.

    ``argnums``: the arguments to check (default: every argument that is or holds floats). An
    argument that is a list, tuple or dict is checked entry by entry (each float inside it). Raises
    :class:`GradientCheckError` on a mismatch, naming the first line whose gradient rule disagrees;
    returns the gradients otherwise. ``modes``: ``"rev"`` checks the gradient (reverse mode),
    ``"fwd"`` also checks a JVP along a random direction (forward mode). ``order=2`` also checks a
    Hessian-vector product along a random direction against differences of the gradient (forward
    over reverse); arguments that are numbers or arrays only.
    """
    from ..api import grad

    if order not in (1, 2):
        raise SrcadError("check_grads: order must be 1 or 2")
    if not set(modes) <= {"rev", "fwd"} or "rev" not in modes:
        raise SrcadError("check_grads: modes must include 'rev' and may add 'fwd'")
    from ..api.views import enter
    args = list(enter(tuple(args), {})[0])  # (array_api_strict's, torch's: NumPy views)
    ks = tuple(k for k, a in enumerate(args) if values.has_float(a)) if argnums is None else (
        (argnums,) if isinstance(argnums, int) else tuple(argnums))
    if not ks:
        raise SrcadError("check_grads: no float argument to check")
    leaves = {}
    for k in ks:
        if not isinstance(k, int) or not -len(args) <= k < len(args):
            raise SrcadError(f"check_grads: argnums={argnums!r} names no argument of the "
                             f"{len(args)} given")
        if isinstance(args[k], (list, tuple, dict)) or values.object_attributes(args[k]) \
                is not None:
            leaves[k] = list(values.leaves(args[k]))
            if not leaves[k]:
                raise SrcadError(f"check_grads: argument {k} (a {type(args[k]).__name__}) holds no "
                                 "float to check")
        else:
            leaves[k] = [((), args[k])]
    grads = grad(fun, argnums=ks)(*args)
    rng = np.random.default_rng(seed)
    problems = []
    for k, g in zip(ks, grads):
        for path, _ in leaves[k]:
            try:
                g_leaf = values.get(g, path)
            except (KeyError, IndexError, TypeError):
                problems.append(f"{_where(k, path)}: srcad's gradient {g!r} has no entry there")
                continue
            problem = _check_leaf(fun, args, k, path, g_leaf, eps, rtol, atol, rng)
            if problem is not None:
                problems.append(problem)
    if not problems:
        plain_ks = [k for k in ks if not isinstance(args[k], (list, tuple, dict))
                    and values.object_attributes(args[k]) is None]
        if "fwd" in modes:
            problems += _check_forward(fun, args, plain_ks, eps, rtol, atol, rng)
        if order == 2:
            problems += _check_second_order(fun, args, plain_ks, eps, rtol, atol, rng)
        if problems:
            raise GradientCheckError(f"srcad's derivatives of {_name(fun)} disagree with "
                                     "finite differences:\n  " + "\n  ".join(problems))
        return grads[0] if isinstance(argnums, int) else grads
    localizer = Localizer(eps=eps, rtol=max(rtol, 1e-4), seed=seed)
    try:
        culprit = localizer.localize(fun, args, ks)
    except Exception as exc:  # noqa: BLE001 -- the mismatch is still reported, never an internal error
        culprit = None
        localizer.unchecked.append(f"the search for the line stopped ({type(exc).__name__}: {exc})")
    if culprit is not None:
        where = f"the first line whose gradient rule disagrees:\n  {culprit}"
    elif localizer.unchecked:
        where = ("no line whose gradient rule could be checked on its own disagrees, but these "
                 "could not be checked:\n  " + "\n  ".join(localizer.unchecked) +
                 "\nthe mismatch may come from one of them, or from how srcad combined the lines")
    else:
        where = ("every line's gradient rule agrees with finite differences on its own: the "
                 "mismatch is in how srcad combined them (please report it, with this function)")
    raise GradientCheckError(f"srcad's gradient of {_name(fun)} disagrees with finite "
                             "differences:\n  " + "\n  ".join(problems) + f"\n{where}")


def _direction(x, rng):
    v = rng.normal(size=np.shape(x))
    return float(v) if np.ndim(x) == 0 and not isinstance(x, np.ndarray) else v


def _moved(args, k, v, e):
    new = list(args)
    x = args[k]
    new[k] = float(x) + e * v if np.ndim(x) == 0 and not isinstance(x, np.ndarray) \
        else np.asarray(x, dtype=float) + e * np.asarray(v)
    return new


def _check_forward(fun, args, ks, eps, rtol, atol, rng) -> list:
    """srcad.jvp along a random direction of each argument against central differences."""
    from ..api import jvp

    problems = []
    for k in ks:
        v = _direction(args[k], rng)
        tangents = [None] * len(args)
        tangents[k] = v
        _, t = jvp(fun, args, tangents)
        expected = (fun(*_moved(args, k, v, eps)) - fun(*_moved(args, k, v, -eps))) / (2 * eps)
        if not np.allclose(t, expected, rtol=rtol, atol=max(atol, 1e-6)):
            problems.append(f"argument {k}: forward mode (srcad.jvp) gives {t!r:.60} along a "
                            f"random direction, finite differences {expected!r:.60}")
    return problems


def _check_second_order(fun, args, ks, eps, rtol, atol, rng) -> list:
    """srcad.hvp along a random direction against central differences of srcad.grad."""
    from ..api import grad, hvp

    problems = []
    for k in ks:
        v = _direction(args[k], rng)
        hv = np.asarray(hvp(fun, k)(*args, v))
        g = grad(fun, k)
        e = 1e-5
        expected = (np.asarray(g(*_moved(args, k, v, e))) - np.asarray(g(*_moved(args, k, v, -e)))) \
            / (2 * e)
        if not np.allclose(hv, expected, rtol=max(rtol, 1e-4), atol=max(atol, 1e-5)):
            worst = np.unravel_index(np.argmax(np.abs(hv - expected)), np.shape(hv)) \
                if np.ndim(hv) else ()
            problems.append(f"argument {k}: the Hessian-vector product (srcad.hvp) gives "
                            f"{np.asarray(hv)[worst]!r} at {worst}, differences of the gradient "
                            f"{np.asarray(expected)[worst]!r}")
    return problems
