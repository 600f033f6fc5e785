"""Helpers on the structure of arguments, shared by the public functions of :mod:`srcad.api`.

Accepts what users pass as arguments, tangents and cotangents: Python floats, NumPy scalars and
arrays, and lists, tuples (named tuples included) and dicts nesting them. Guarantees: nothing here
transforms code or keeps state; each function only inspects or builds values.

* :func:`holds_floats` - whether a value is, or contains, something differentiable;
* :func:`same_structure`, :func:`describe` - checking a tangent against its primal, and saying
  what either is in an error message;
* :func:`plain_tangent` - a generated tangent given back in the primal's own structure and type;
* :func:`basis`, :func:`stack_columns`, :func:`result_dtype` - building Jacobians and Hessians
  from one-hot directions;
* :func:`check_array_args` - the argument check every Jacobian-building function starts with;
* :func:`argnums_tuple` - ``argnums`` (an int, or a tuple or list of ints) checked, as a tuple;
* :func:`check_cotangent` - a cotangent given to ``vjp_fn`` checked against the output;
* :func:`unshared` - gradients given back with no array object twice.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from ..errors import SrcadError
from ..runtime import objects, plain
from ..runtime.namespaces import foreign_array


def holds_floats(value: Any) -> bool:
    """Whether ``value`` is a float, complex number or floating or complex array, or a list,
    tuple, dict or object (its differentiable attributes, see :mod:`srcad.runtime.objects`)
    holding one."""
    if isinstance(value, (list, tuple)):
        return any(holds_floats(v) for v in value)
    if isinstance(value, dict):
        return any(holds_floats(v) for v in value.values())
    if objects.structure(value) is not None:
        return any(holds_floats(getattr(value, name))
                   for name in objects.differentiable_attributes(value))
    return isinstance(value, (float, complex)) or (isinstance(value, (np.ndarray, np.generic))
                                                   and value.dtype.kind in "fc")


def same_structure(x: Any, t: Any) -> bool:
    """Whether ``t`` nests like ``x`` (same dict keys, same list/tuple lengths, an object of the
    same class) with leaves of the same shapes: a valid tangent for ``x``. An object's attributes
    that carry no gradient (strings, functions) are not compared."""
    if objects.structure(x) not in (None, "namedtuple"):
        if type(t) is not type(x):
            return False
        names = objects.differentiable_attributes(x)
        if objects.structure(x) == "registered":
            flatten = objects._REGISTERED[type(x)][0]
            return same_structure(list(flatten(x)[0]), list(flatten(t)[0]))
        return names == objects.differentiable_attributes(t) and all(
            getattr(t, n) is not None and same_structure(getattr(x, n), getattr(t, n))
            for n in names if holds_floats(getattr(x, n)) or np.ndim(getattr(x, n)))
    if isinstance(x, dict):
        return isinstance(t, dict) and set(t) == set(x) and all(
            same_structure(x[k], t[k]) for k in x)
    if isinstance(x, (list, tuple)):
        return isinstance(t, (list, tuple)) and len(t) == len(x) and all(
            same_structure(a, b) for a, b in zip(x, t))
    return bool(np.shape(t) == np.shape(x))


def describe(value: Any) -> str:
    """``value``'s structure in words, for an error message: ``a list of 3``, ``shape (2,)``."""
    if isinstance(value, (list, tuple, dict)):
        return f"a {type(value).__name__} of {len(value)}"
    if objects.structure(value) is not None:
        return f"a {type(value).__name__}"
    return f"shape {np.shape(value)}"


def plain_tangent(t: Any, x: Any) -> Any:
    """The tangent ``t`` in the structure and types of the primal ``x``: dicts, lists, tuples and
    named tuples rebuilt as ``x``'s, leaves converted by :func:`srcad.runtime.plain` (which gives
    objects theirs)."""
    if objects.structure(x) not in (None, "namedtuple"):
        return plain(t, x)
    if isinstance(x, dict):
        return {k: plain_tangent(t[k], v) for k, v in x.items()}
    if isinstance(x, (list, tuple)) and isinstance(t, (list, tuple)):
        return type(x)(plain_tangent(a, b) for a, b in zip(t, x)) \
            if not hasattr(x, "_fields") else type(x)(*[plain_tangent(a, b) for a, b in zip(t, x)])
    return plain(t, x)


def basis(x: Any) -> Iterator[Any]:
    """One-hot tangents for ``x``, one per entry, in row-major order."""
    shape = np.shape(x)
    dtype = x.dtype if isinstance(x, np.ndarray) and x.dtype.kind == "f" else np.float64
    for index in np.ndindex(shape):
        e = np.zeros(shape, dtype=dtype)
        e[index] = 1
        yield e if shape else float(e)


def stack_columns(columns: Sequence[Any], out: Any, x: Any) -> Any:
    """Jacobian columns (one tangent of ``out`` per entry of ``x``) -> shaped out.shape + x.shape;
    a tuple output gives a tuple of Jacobians."""
    if isinstance(out, (tuple, list)):
        return type(out)(stack_columns([c[j] for c in columns], part, x)
                         for j, part in enumerate(out))
    cols = [np.asarray(c, dtype=result_dtype(c, x)) for c in columns]
    shape = np.shape(out) + np.shape(x)
    if not cols:
        return np.zeros(shape)
    if not np.shape(x):
        return cols[0].reshape(shape)
    return np.moveaxis(np.stack(cols), 0, -1).reshape(shape)


def result_dtype(c: Any, x: Any) -> type[np.floating[Any]]:
    """The dtype of a Jacobian block of ``c`` with respect to ``x``: float32 when both are float32,
    float64 otherwise."""
    kinds = [np.asarray(v).dtype for v in (c, x)]
    return np.float32 if all(k == np.float32 for k in kinds) else np.float64


def check_array_args(what: str, args: Sequence[Any], ks: Sequence[int]) -> None:
    """Raise :class:`SrcadError` unless each of ``ks`` names a positional argument in ``args``
    that is a number or an array (``what`` names the public function in the message)."""
    for k in ks:
        if not isinstance(k, int) or not -len(args) <= k < len(args):
            raise SrcadError(f"srcad.{what}: argnums={k!r}, but it was called with {len(args)} "
                             "positional arguments")
        if foreign_array(args[k]):
            raise SrcadError(f"srcad.{what}: argument {k} is a {type(args[k]).__module__}."
                             f"{type(args[k]).__name__}; srcad builds Jacobians of NumPy arrays",
                             hint="srcad.grad, vjp and jvp keep the arguments' array type; for a "
                                  "small Jacobian, pass np.asarray(...) (it computes the array)")
        if isinstance(args[k], (list, tuple, dict)) or not (
                isinstance(args[k], (int, float, np.ndarray, np.generic))):
            raise SrcadError(f"srcad.{what}: argument {k} is a {type(args[k]).__name__}; Jacobians "
                             "are taken with respect to numbers and arrays (pass np.asarray(...))")


def argnums_tuple(what: str, argnums: Any) -> tuple[int, ...]:
    """``argnums`` as a tuple of ints: an int gives one, a tuple or list of ints itself; anything
    else (``argnums='w'``, ``1.5``, ``True``) is a :class:`SrcadError` saying what is expected."""
    def valid(k: Any) -> bool:
        return isinstance(k, (int, np.integer)) and not isinstance(k, (bool, np.bool_))
    if valid(argnums):
        return (int(argnums),)
    if isinstance(argnums, (tuple, list)) and all(valid(k) for k in argnums):
        return tuple(int(k) for k in argnums)
    raise SrcadError(f"{what}: argnums={argnums!r}; expected the position of a positional argument "
                     "(an int) or a tuple of them, e.g. argnums=0 or argnums=(0, 1)",
                     hint="argnums counts positional arguments from 0; parameter names are not "
                          "accepted")


def check_cotangent(out: Any, cotangent: Any, path: str = "") -> None:
    """Raise :class:`SrcadError` unless ``cotangent`` nests like ``out`` (a tuple or list of the
    same length for a tuple or list, the same keys for a dict) with leaves of the same shapes."""
    where = f" at {path}" if path else ""
    if isinstance(out, (tuple, list)):
        if not isinstance(cotangent, (tuple, list)) or len(cotangent) != len(out):
            raise SrcadError(f"vjp_fn: the cotangent{where} must be a tuple of {len(out)}, like "
                             f"the output; got {describe(cotangent)}")
        for k, (o, c) in enumerate(zip(out, cotangent)):
            check_cotangent(o, c, f"{path}[{k}]")
    elif isinstance(out, dict):
        if not isinstance(cotangent, dict) or set(cotangent) != set(out):
            raise SrcadError(f"vjp_fn: the cotangent{where} must be a dict with the output's keys "
                             f"{sorted(map(repr, out))}; got {describe(cotangent)}")
        for k in out:
            check_cotangent(out[k], cotangent[k], f"{path}[{k!r}]")
    elif cotangent is None or isinstance(cotangent, (tuple, list, dict)) \
            or np.shape(cotangent) != np.shape(out):
        raise SrcadError(f"vjp_fn: the cotangent{where} must have the output's shape "
                         f"{np.shape(out)}; got {describe(cotangent)}",
                         hint="give zeros (np.zeros_like) for a part of the output with no "
                              "cotangent" if cotangent is None else None)
    elif np.iscomplexobj(cotangent) and not np.iscomplexobj(out):
        raise SrcadError(f"vjp_fn: the cotangent{where} is complex, the output real: a real "
                         "output's cotangent is real (docs/complex.md)")


def unshared(value: Any, _seen: set[int] | None = None, _depth: int = 0) -> Any:
    """``value`` (gradients: arrays in lists, tuples and dicts) with no array object in it twice:
    a later occurrence of an array already met is a copy. Two gradients made from one adjoint
    (``dx = dy = g`` for ``np.sum(x + y)``) are one array in the generated code, which the user
    must not be able to write through."""
    if _seen is None and type(value) is tuple and all(type(v) is np.ndarray for v in value) \
            and len({id(v) for v in value}) == len(value):
        return value  # (the common case, at once: distinct arrays)
    seen = set() if _seen is None else _seen
    if type(value) is np.ndarray:
        if id(value) in seen:
            return value.copy()
        seen.add(id(value))
        return value
    if _depth > 32:
        return value
    if type(value) in (list, tuple):
        return type(value)(unshared(v, seen, _depth + 1) for v in value)
    if type(value) is dict:
        return {k: unshared(v, seen, _depth + 1) for k, v in value.items()}
    return value
