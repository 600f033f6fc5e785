"""Runtime helpers: the derivatives of elementwise functions at their special points.

Accepts: an adjoint ``g`` (or a tangent ``t``, as forward mode calls the same helpers) and the
primal values the rule names.
Guarantees: the derivatives of ``abs`` (:func:`real_sign`), of ``x ** y`` (:func:`power_dx`,
:func:`log_or_zero`: finite where ``y == 0`` or ``x == 0``), of the builtin ``max``/``min`` of
several values (:func:`extremum_adjoint`), of ``np.clip`` (:func:`clip_adjoint`,
:func:`clip_bound_mask`) and of ``np.sinc`` (:func:`sinc_adjoint`: its series near 0). The
conventions where a derivative is undefined (ties, bounds, 0) are stated on each helper and
collected in docs/rules.md. Each helper declares its own derivative with
:func:`srcad.runtime.helper`; the adjoints of broadcasting and reductions are in
:mod:`.broadcasting`.
"""

from __future__ import annotations

import numpy as np

from ._registry import helper
from .broadcasting import refuse_complex, unbroadcast
from .containers import _float_dtype, adjoint_like, unindex, zeros_like
from .namespaces import as_array, as_float_array, foreign_array, numpy_dtype


@helper(nondiff=True)
def real_sign(x):
    """``np.sign(x)`` for the derivative of ``abs``; a complex ``x`` is refused."""
    refuse_complex(x, "the absolute value")
    return np.sign(x)


@helper(jvp={"x": "t * y * power_dx(x, y - 1)",
             "y": "exponent_tangent(t, power_dx(x, y), x) + t * np.where(y == 0, 1.0, power_dx(x, y) / "
                  "np.where(y == 0, 1.0, y))"})
def power_dx(x, y):
    """d(x ** y)/dx = y * x ** (y - 1), and 0 where y == 0 (even at x == 0, where x ** -1 would
    divide by zero)."""
    if np.ndim(x) == 0 and np.ndim(y) == 0:
        if y == 0:
            return 0.0 * x
        try:
            return y * x ** (y - 1)
        except ZeroDivisionError:  # Python's 0.0 ** -0.5: inf (with a warning), as NumPy gives
            return y * np.float64(x) ** (y - 1)
    if type(y) in (int, float):  # (a Python number stays weak, NEP 50: float32 x, float32 result)
        return y * np.power(x, y - 1) if y != 0 else 0.0 * x
    if isinstance(x, np.ndarray):  # (another library's y: x on its side; a Python float stays
        x = as_array(x, like=y)     # weak: float32 y, float32 result)
    y = as_array(y, like=x)
    return y * np.power(x, np.where(y == 0, 1, y - 1))


@helper(linear_in="x")
def float64_at_least(x):
    """``x`` as an array of at least double precision (``np.float_power`` computes in it): its
    own library's array for another library's (nothing computed)."""
    return as_float_array(x, np.result_type(numpy_dtype(x) if foreign_array(x) else x,
                                            np.float64))


@helper(jvp={"x": "t * (x != 0) / np.where(x == 0, 1, x)"})
def log_or_zero(x):
    """``log(x)``, with 0 where ``x == 0``: d(x**y)/dy = x**y * log(x) is 0 at x = 0 (for y > 0)."""
    if np.ndim(x) == 0:
        return np.log(x) if x != 0 else 0.0
    x = as_array(x)
    return np.log(np.where(x == 0, 1, x))


@helper(linear_in="g")
def extremum_adjoint(g, args, k, ans):
    """Adjoint of the builtin ``max``/``min`` of several values (or of one sequence): the first
    argument equal to the result gets the gradient."""
    if len(args) == 1:
        seq = args[0]
        first = next(j for j, v in enumerate(seq) if v == ans)
        return adjoint_like(seq, [g if j == first else zeros_like(v) for j, v in enumerate(seq)]) \
            if isinstance(seq, (list, tuple)) else unindex(g, seq, first)
    first = next(j for j, v in enumerate(args) if v == ans)
    return g if k == first else zeros_like(args[k])


@helper(linear_in="g")
def tie_shared(g, wins, ties):
    """Adjoint of ``np.maximum``/``np.minimum`` for one argument: ``g`` where it ``wins``, half
    of ``g`` at ``ties``, zero elsewhere (one product where there is no tie)."""
    if not foreign_array(ties) and not np.any(ties):  # (another library's: never computed)
        return g * wins
    return g * wins + g * ties * 0.5  # (g's type: 0.5 * ties would be float64, and g with it)


@helper(linear_in="g")
def clip_adjoint(g, a, a_min, a_max):
    """Adjoint of ``np.clip``: ``g`` where ``a`` lies inside [a_min, a_max] (bounds included)."""
    inside = np.ones_like(a, dtype=bool) if foreign_array(a) else np.ones(np.shape(a), dtype=bool)
    if a_min is not None:
        inside = inside & (as_array(a) >= a_min)  # (a new array: a bound of another library's
    if a_max is not None:                          # makes one of that library)
        inside = inside & (as_array(a) <= a_max)
    return unbroadcast(g * inside, a)


@helper(nondiff=True)
def clip_bound_mask(a, a_min, a_max, bound):
    """Where the bound ``bound`` ("a_min" or "a_max") of ``np.clip`` is the result: ``np.clip(a,
    a_min, a_max)`` is ``np.minimum(a_max, np.maximum(a, a_min))``, so ``a_min`` where ``a < a_min
    <= a_max``, ``a_max`` where ``np.maximum(a, a_min) > a_max`` (``a_min > a_max`` included)."""
    a = as_array(a)
    if bound == "a_min":
        return (a < a_min) & (True if a_max is None else as_array(a_min, like=a) <= a_max)
    return (a if a_min is None else np.maximum(a, a_min)) > a_max


@helper(linear_in="g", jvp={"x": "g * t * sinc_second(x)"})
def sinc_adjoint(g, x):
    """Adjoint of ``np.sinc``: (cos(pi x) - sinc(x)) / x, and its Taylor series near 0 (where the
    difference cancels): 0 at x = 0."""
    x = as_float_array(x, _float_dtype(x))
    small = np.abs(x) < 1e-2
    safe = np.where(small, 1, x)
    p2 = np.pi ** 2 * x * x
    series = np.pi ** 2 * x * (-1 / 3 + p2 / 30 - p2 ** 2 / 840 + p2 ** 3 / 45360)
    return g * np.where(small, series, (np.cos(np.pi * safe) - np.sinc(safe)) / safe)
