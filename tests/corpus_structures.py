"""Functions of arrays held in structures (dataclasses, named tuples, dicts, lists, tuples, a
SimpleNamespace) and of an array's rows taken as items (``list(x)``, ``tuple(x)``, unpacking),
some entries used and some not: run on other libraries' arrays (tests/test_other_arrays.py: Dask;
tests/test_cupy.py: CuPy), their gradients must be NumPy's, in the argument's structure, with
zeros of the argument's library where no gradient reaches (a review found the unused entry of a
dataclass given the Dask array itself as its gradient, and the rows of ``list(x)`` given zeros).

``CASES``: ``(function, make)``, ``make(rng, place)`` giving the arguments with ``place`` applied
to each array (``np.asarray`` for NumPy's; ``da.from_array``, ``cupy.asarray`` for the others).
"""

from __future__ import annotations

import dataclasses
import types
from typing import NamedTuple

import numpy as np


@dataclasses.dataclass
class Params:
    w: object
    b: object
    scale: float = 2.0


class Pair(NamedTuple):
    first: object
    second: object


def dataclass_one_field_unused(p, x):
    return np.sum((x * p.w) ** 2) * p.scale


def dataclass_both_fields(p, x):
    return np.sum(np.tanh(x @ p.w + p.b))


def named_tuple_second_unused(pair):
    return np.sum(np.sin(pair.first))


def dict_one_entry_unused(d):
    return np.sum(d["a"] ** 3)


def list_of_arrays(xs):
    return np.sum(xs[0] * xs[2])


def tuple_nested_in_dict(d):
    u, v = d["uv"]
    return np.sum(u * np.exp(d["w"]))


def namespace_attribute(ns):
    return np.sum(ns.y ** 2)


def rows_as_a_list(x):
    return np.sum(np.stack(list(x)) ** 2)


def rows_as_a_tuple(x):
    rows = tuple(x)
    return np.sum(rows[0] * rows[-1])


def rows_unpacked(x):
    a, b, c = x
    return np.sum(a * c)


def rows_of_a_vector(x):
    return np.sum(np.stack(list(x)) * x[::-1])


def pairs_of_rows(x):  # (the last row's later rows: an empty slice, whose gradient adds nothing)
    total = 0.0
    for i, a in enumerate(x):
        for b in x[i + 1:]:
            total = total + np.exp(-np.sum((a - b) ** 2))
    return total


def _mat(rng, *shape):
    return rng.standard_normal(shape)


CASES = [
    (dataclass_one_field_unused,
     lambda rng, place: (Params(place(_mat(rng, 4)), place(_mat(rng, 4))), place(_mat(rng, 4)))),
    (dataclass_both_fields,
     lambda rng, place: (Params(place(_mat(rng, 3, 2)), place(_mat(rng, 2))),
                         place(_mat(rng, 4, 3)))),
    (named_tuple_second_unused, lambda rng, place: (Pair(place(_mat(rng, 3)), place(_mat(rng, 3))),)),
    (dict_one_entry_unused, lambda rng, place: ({"a": place(_mat(rng, 3)), "b": place(_mat(rng, 2))},)),
    (list_of_arrays, lambda rng, place: ([place(_mat(rng, 2, 2)) for _ in range(3)],)),
    (tuple_nested_in_dict, lambda rng, place: ({"uv": (place(_mat(rng, 3)), place(_mat(rng, 3))),
                                                "w": place(_mat(rng, 3))},)),
    (namespace_attribute,
     lambda rng, place: (types.SimpleNamespace(y=place(_mat(rng, 2, 3)), z=place(_mat(rng, 3))),)),
    (rows_as_a_list, lambda rng, place: (place(_mat(rng, 3, 2)),)),
    (rows_as_a_tuple, lambda rng, place: (place(_mat(rng, 3, 2)),)),
    (rows_unpacked, lambda rng, place: (place(_mat(rng, 3, 2)),)),
    (rows_of_a_vector, lambda rng, place: (place(_mat(rng, 4)),)),
    (pairs_of_rows, lambda rng, place: (place(_mat(rng, 4, 2)),)),
]


def leaves(value):
    """The arrays and numbers of a gradient, in a fixed order (fields, keys, items)."""
    if dataclasses.is_dataclass(value):
        return [leaf for f in dataclasses.fields(value) for leaf in leaves(getattr(value, f.name))]
    if isinstance(value, types.SimpleNamespace):
        return [leaf for k in sorted(vars(value)) for leaf in leaves(vars(value)[k])]
    if isinstance(value, dict):
        return [leaf for k in sorted(value) for leaf in leaves(value[k])]
    if isinstance(value, (list, tuple)):
        return [leaf for v in value for leaf in leaves(v)]
    return [value]
