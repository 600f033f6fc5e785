"""The ``math`` module as compiled code sees it: numba's functions, with Python's errors.

Accepts: nothing; :mod:`srcad.jit.reach` gives this module to numba in place of ``math`` (and its
functions in place of ``math``'s, imported by name: ``from math import log``).
Guarantees: each function here computes what numba's ``math`` function computes, and raises
where Python's raises: CPython's ``math`` raises ``ValueError`` where a result is NaN from
arguments that are not, and ``OverflowError`` (or ``ValueError``) where it is infinite from finite
ones (``math.log(-1.0)``, ``math.exp(1000.0)``, ``math.sin(inf)``), where numba returns the NaN or
the infinity. The runner (:mod:`srcad.jit.compile`) then runs the uncompiled code, whose own error
is raised at the user's line. ``floor``, ``ceil`` and ``trunc`` raise for a NaN, an infinity or a
value of 2**31 or more in size (Python's result is an unbounded int, sums of which numba's would
wrap). Arguments are converted to double first, as Python's ``math`` does (a float32 value too). Every other name (``pi``,
``isnan``, ...) is ``math``'s own.
"""

from __future__ import annotations

import math

import numpy as np
from numba import types
from numba.extending import overload

_ONE = ("acos", "acosh", "asin", "asinh", "atan", "atanh", "cos", "cosh", "erf", "erfc", "exp",
        "expm1", "gamma", "lgamma", "log10", "log1p", "log2", "sin", "sinh", "sqrt", "tan",
        "tanh", "degrees", "radians", "fabs")
_TWO = ("atan2", "copysign", "fmod", "hypot", "pow", "ldexp")
_TO_INT = ("floor", "ceil", "trunc")
_INT_LIMIT = 2.0 ** 31  # (Python's result is an unbounded int: sums of numba's could wrap)


def __getattr__(name: str):
    return getattr(math, name)


def _number(t) -> bool:
    return isinstance(t, (types.Float, types.Integer, types.Boolean))


def _python(name: str):
    real = getattr(math, name)

    def function(*args):
        return real(*args)
    function.__name__ = function.__qualname__ = name
    function.__module__ = __name__
    return function


def _one(real):
    def typing(x):
        if _number(x):
            def impl(x):
                x = np.float64(x)  # (Python's math computes in double, a float32 value too)
                r = real(x)
                if (r != r and x == x) or (math.isinf(r) and not math.isinf(x)):
                    raise ValueError("math domain or range error")
                return r
            return impl
        return None
    return typing


def _two(real):
    def typing(x, y):
        if not (_number(x) and _number(y)):
            return None
        if real is math.ldexp:  # (its exponent stays an integer)
            def impl_ldexp(x, y):
                x = np.float64(x)
                r = real(x, y)
                if math.isinf(r) and not math.isinf(x):
                    raise ValueError("math range error")
                return r
            return impl_ldexp

        def impl(x, y):
            x, y = np.float64(x), np.float64(y)  # (Python's math computes in double)
            r = real(x, y)
            if (r != r and x == x and y == y) or (
                    math.isinf(r) and not math.isinf(x) and not math.isinf(y)):
                raise ValueError("math domain or range error")
            return r
        return impl
    return typing


def _to_int(real):
    def typing(x):
        if isinstance(x, types.Float):
            def impl(x):
                if not abs(x) < _INT_LIMIT:
                    raise ValueError("cannot convert float NaN, infinity or a large value to "
                                     "a 64-bit integer")
                return real(x)
            return impl
        if isinstance(x, (types.Integer, types.Boolean)):
            return lambda x: real(x)
        return None
    return typing


def _log_typing(x, base=None):
    if not _number(x):
        return None
    if base is None or isinstance(base, (types.NoneType, types.Omitted)):
        def impl(x, base=None):
            x = np.float64(x)
            r = math.log(x)
            if (r != r and x == x) or (math.isinf(r) and not math.isinf(x)):
                raise ValueError("math domain error")
            return r
        return impl
    if _number(base):
        def impl_base(x, base=None):
            r = math.log(x) / math.log(base)
            if not (x > 0 and base > 0 and base != 1) and not (x != x or base != base):
                raise ValueError("math domain error")
            return r
        return impl_base
    return None


for _name in _ONE + _TWO + _TO_INT:
    globals()[_name] = _python(_name)
    _make = _one if _name in _ONE else _two if _name in _TWO else _to_int
    overload(globals()[_name])(_make(getattr(math, _name)))


def log(x, base=None):
    return math.log(x) if base is None else math.log(x, base)


overload(log)(_log_typing)
