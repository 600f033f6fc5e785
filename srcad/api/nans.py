"""A gradient with NaN in it where the function's value is finite is refused, located.

Accepts: the value and the gradients a derived function (``grad``, ``value_and_grad``) computed;
what ``vjp_fn``, ``jvp`` and ``hvp`` computed.
Guarantees: :func:`refuse_nan` raises :class:`srcad.NonFiniteError` naming the user's line where the
NaN arose; :func:`refuse_nan_derivative`, naming the function, for the other derivatives. A NaN gradient of a finite value is never the right number: it comes from ``0 * inf``,
``inf - inf`` or ``0 / 0`` in the backward sweep (the classic case is ``np.where(x != 0,
np.sin(x) / x, 1.0)``: the branch not taken is still differentiated, and its infinite derivative
times a zero gradient is NaN), so by srcad's principle it is refused rather than returned. To name
the line, the derived function is run once more, transformed with ``debug_nans=True`` (which checks
every adjoint as it is computed); that transformation is made only when a NaN is met, and kept.
With ``debug_nans=True`` given by the user, NaN and inf are reported as they arise; an inf in a
gradient (``np.sqrt`` at 0) is returned as it is: it is the limit of the derivative.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import threading
from typing import Any, NoReturn

import numpy as np

from ..errors import Location, NonFiniteError, SrcadError
from ..results import Bounded
from ..runtime.namespaces import foreign_array

_DEPTH = 32


def _array_has_nan(a: np.ndarray) -> bool:
    """Whether the floating-point array ``a`` holds a NaN (``max`` propagates one; a dot product
    of ``a`` with itself would be cheaper, but it warns where squares overflow)."""
    return a.size > 0 and math.isnan(a.max())


def has_nan(value: Any, _depth: int = 0, _test: Any = np.isnan) -> bool:
    """Does ``value`` (an array, a number, or containers and objects of them) hold a NaN?"""
    if type(value) is float and _test is np.isnan:  # (the common cases, at once)
        return value != value
    if type(value) is np.ndarray and value.dtype.kind == "f" and _test is np.isnan:
        return _array_has_nan(value)
    if type(value) is tuple and _test is np.isnan:  # (gradients: a tuple of arrays, at once)
        for item in value:
            if type(item) is np.ndarray and item.dtype.kind == "f":
                if _array_has_nan(item):
                    return True
            elif has_nan(item, _depth + 1, _test):
                return True
        return False
    if isinstance(value, (np.ndarray, np.generic, float, complex)):
        return np.issubdtype(np.asarray(value).dtype, np.inexact) and bool(_test(value).any())
    if _depth > _DEPTH or value is None or isinstance(value, (int, str, bool)) \
            or foreign_array(value):  # (another library's array: lazy, never computed here)
        return False
    if isinstance(value, dict):
        return any(has_nan(v, _depth + 1, _test) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(has_nan(v, _depth + 1, _test) for v in value)
    if dataclasses.is_dataclass(value):
        return any(has_nan(getattr(value, f.name, None), _depth + 1, _test)
                   for f in dataclasses.fields(value))
    if hasattr(value, "__dict__"):
        return any(has_nan(v, _depth + 1, _test) for v in vars(value).values())
    return any(has_nan(getattr(value, name, None), _depth + 1, _test)
               for cls in type(value).__mro__ for name in cls.__dict__.get("__slots__", ()))


def all_finite(*values: Any) -> bool:
    """Are all the numbers in ``values`` (arrays, numbers, containers and objects of them)
    finite?"""
    return not any(has_nan(v, 0, lambda a: ~np.isfinite(a)) for v in values)


def refuse_nan_derivative(what: str, fun: Any, given: str) -> NoReturn:
    """Raise :class:`NonFiniteError` for a NaN in what ``srcad.<what>`` computed where the value of
    ``fun`` and ``given`` (the point, the direction or the cotangent) are finite: never the right
    number (see the module's docstring). Located at ``fun``'s definition: forward mode and a
    vjp_fn do not rerun to find the line; ``srcad.grad(..., debug_nans=True)`` does."""
    target = getattr(fun, "fun", fun)  # (a function made by srcad.grad: the user's)
    target = getattr(target, "__func__", target)
    code = getattr(target, "__code__", None)
    location = Location(code.co_filename, code.co_firstlineno, 0) if code is not None else None
    name = getattr(target, "__qualname__", repr(target))
    raise NonFiniteError(
        f"srcad.{what} of {name}: the derivative has NaN entries where the function's value"
        f"{', ' if ' and ' in given else ' and '}{given} are finite", location,
        "a NaN derivative comes from 0 * inf, inf - inf or 0 / 0 (with np.where(c, f(x), ...), "
        "the branch not taken is differentiated too: make its input safe as well); "
        "srcad.grad(f, debug_nans=True) on a scalar function names the line where it arises")


def is_finite(value: Any) -> bool:
    if isinstance(value, float):  # (a Python or NumPy float: at once)
        return math.isfinite(value)
    try:
        return bool(np.all(np.isfinite(value)))
    except TypeError:
        return False


def refuse_nan(derived: Any, t: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> NoReturn:
    """Raise the located :class:`NonFiniteError` for a NaN in ``derived``'s gradients at ``args``."""
    debug = getattr(derived, "_debug_nans", None)
    if debug is None:
        debug = copy.copy(derived)
        debug.options = dataclasses.replace(derived.options, debug_nans=True)
        debug._lock, debug._cache, debug._last = threading.Lock(), Bounded(), None
        debug._gradients_by_positions = Bounded()
        derived._debug_nans = debug
    prefix = (f"the gradient of {derived.fun.__qualname__} has NaN entries where its value is "
              "finite (srcad ran it again with debug_nans=True to find where): ")
    hint = ("a NaN gradient comes from 0 * inf, inf - inf or 0 / 0 in the backward sweep; with "
            "np.where(c, f(x), ...), the branch not taken is differentiated too: make its input "
            "safe as well, e.g. np.where(x != 0, np.sin(x) / np.where(x != 0, x, 1.0), 1.0)")
    try:
        debug._run(debug.transformed(args, kwargs), args, kwargs)
    except NonFiniteError as exc:
        raise NonFiniteError(prefix + exc.message, exc.location, hint) from None
    except SrcadError:
        pass
    raise NonFiniteError(prefix.replace(" (srcad ran it again with debug_nans=True to find where)",
                                        "") + "srcad could not tell where", t.return_location, hint)
