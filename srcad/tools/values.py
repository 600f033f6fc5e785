"""Values check_grads perturbs: the float entries of numbers, arrays and nested containers.

Accepts: any argument value (numbers, NumPy arrays, lists, tuples, namedtuples, dicts and objects of
those: an object's entries are its differentiable attributes, see :mod:`srcad.runtime.objects`).
Guarantees: functions that find (:func:`leaves`), read (:func:`get`), replace (:func:`replace`,
never modifying the argument), move (:func:`shifted`, :func:`axpy`), copy (:func:`snapshot`) and
pair (:func:`dot`) the float entries; entries that are not floats are left alone.
"""

from __future__ import annotations

import numpy as np


def is_float(x) -> bool:
    """A value finite differences can perturb: a float, a NumPy float or an array of floats."""
    return (isinstance(x, (float, np.floating)) and not isinstance(x, bool)) or (
        isinstance(x, np.ndarray) and x.dtype.kind == "f")


class Attribute(str):
    """An attribute's name in a path (``.W``), where other entries are keys and indices."""

    def __repr__(self):
        return f"Attribute({str(self)!r})"


def object_attributes(x):
    """The differentiable attributes of an object (:mod:`srcad.runtime.objects`), or None."""
    from ..runtime import objects
    kind = objects.structure(x)
    if kind is None or kind == "namedtuple":
        return None
    return objects.differentiable_attributes(x)


def leaves(x, path=()):
    """``(path, value)`` for every float entry of ``x`` (``x`` itself, or inside nested lists,
    tuples, dicts and objects' attributes; ``path`` is the sequence of keys, indices and
    :class:`Attribute` names that reaches it)."""
    names = object_attributes(x)
    if names is not None:
        for name in names:
            yield from leaves(getattr(x, name), path + (Attribute(name),))
    elif isinstance(x, dict):
        for key, value in x.items():
            yield from leaves(value, path + (key,))
    elif isinstance(x, (list, tuple)):
        for k, value in enumerate(x):
            yield from leaves(value, path + (k,))
    elif is_float(x):
        yield path, x


def has_float(x) -> bool:
    return next(leaves(x), None) is not None


def rebuild(x, items):
    """A container of ``x``'s type holding ``items`` (a dict's items, or a sequence's entries)."""
    if isinstance(x, dict):
        new = dict(x) if type(x) is dict else type(x)(x)
        new.update(items)
        return new
    if isinstance(x, tuple) and hasattr(x, "_fields"):  # a namedtuple
        return type(x)(*items)
    return type(x)(items)


def get(x, path):
    for key in path:
        x = getattr(x, key) if isinstance(key, Attribute) else x[key]
    return x


def replace(x, path, value):
    """``x`` with the entry at ``path`` replaced by ``value`` (containers copied, not modified)."""
    if not path:
        return value
    if isinstance(path[0], Attribute):  # an object: a copy with the attribute replaced
        import copy
        new = copy.copy(x)
        object.__setattr__(new, path[0], replace(getattr(x, path[0]), path[1:], value))
        return new
    if isinstance(x, dict):
        return rebuild(x, {path[0]: replace(x[path[0]], path[1:], value)})
    items = list(x)
    items[path[0]] = replace(items[path[0]], path[1:], value)
    return rebuild(x, items)


def shifted(x, delta):
    return np.asarray(x, dtype=float) + delta if np.ndim(x) else float(x) + delta



def snapshot(value):
    """A copy of ``value`` that later writes into arrays (``y[i] = ...``) do not change."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
        return type(value)(snapshot(v) for v in value)
    if type(value) is dict:
        return {k: snapshot(v) for k, v in value.items()}
    return value


def random_like(x, rng, fill):
    """Random normal numbers shaped like ``x``'s float entries (``fill`` at its other entries)."""
    if isinstance(x, dict):
        return {k: random_like(v, rng, fill) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return rebuild(x, [random_like(v, rng, fill) for v in x])
    if is_float(x):
        return rng.normal(size=np.shape(x)) if np.ndim(x) else float(rng.normal())
    if fill is not None and isinstance(x, (int, np.integer, np.ndarray)):
        return np.zeros(np.shape(x)) if np.ndim(x) else fill
    return None


def axpy(x, t, d):
    """``x + t * d`` for the float entries of ``x`` (``d`` from :func:`random_like`)."""
    if d is None:
        return x
    if isinstance(x, dict):
        return rebuild(x, {k: axpy(v, t, d[k]) for k, v in x.items()})
    if isinstance(x, (list, tuple)):
        return rebuild(x, [axpy(v, t, dv) for v, dv in zip(x, d)])
    return shifted(x, t * d)


def dot(a, b) -> float:
    """The sum of the products of matching numeric entries (None and non-numbers count as 0)."""
    if a is None or b is None:
        return 0.0
    if isinstance(a, dict) and isinstance(b, dict):
        return sum((dot(v, b.get(k)) for k, v in a.items()), 0.0)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return sum((dot(u, v) for u, v in zip(a, b)), 0.0)
    try:
        return float(np.sum(np.asarray(a, dtype=float) * np.asarray(b, dtype=float)))
    except (TypeError, ValueError):
        return 0.0
