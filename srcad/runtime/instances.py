"""Runtime helpers: objects the differentiated function builds itself (``Quad(A)``, ``P(a=x)``,
``p._replace(a=y)``; see :mod:`srcad.passes.constructors`).

Accepts: a class srcad has checked can be built from its attribute values alone (a named tuple, a
dataclass with its generated ``__init__``, a class whose ``__init__`` only binds attributes), the
names of its attributes and their values; the adjoints and tangents srcad computes for them.
Guarantees: :func:`build` is the class called; :func:`new_object` builds the instance as Python would (a named tuple through its own
``__new__``; any other object ``object.__new__(cls)`` with its attributes set in that order, as its
``__init__`` would set them). Its adjoint gives each value the adjoint of its attribute
(:func:`object_part`): the part of an :class:`~srcad.runtime.objects.ObjectAdjoint` (or of a named
tuple's tuple adjoint), zeros where no gradient reached the attribute. Any other adjoint reaching an
object (a number, an array: a value used as if it were one) raises a
:class:`~srcad.errors.SrcadError`, never a silent zero. Its tangent is an ``ObjectAdjoint`` of the
attributes' tangents (a tuple adjoint for a named tuple), which
:func:`~srcad.runtime.objects.attribute_tangent` reads.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._registry import helper
from .containers import TupleAdjoint, zeros_like
from .objects import ObjectAdjoint, is_namedtuple


@helper
def build(cls, *args, **kwargs):
    """``cls(*args, **kwargs)``: an object the function builds with its class's ``__init__``,
    where no gradient flows through it (where one does, srcad calls the ``__init__`` it read)."""
    return cls(*args, **kwargs)


@helper
def new_object(cls, names, *values):
    """An instance of ``cls`` whose attributes ``names`` hold ``values`` (no ``__init__`` run:
    srcad has run what it computes)."""
    if issubclass(cls, tuple):
        return tuple.__new__(cls, values)
    obj = object.__new__(cls)
    for name, value in zip(names, values):
        object.__setattr__(obj, name, value)
    return obj


def _zero(g) -> bool:
    return g is None or (isinstance(g, numbers.Number) and not isinstance(g, bool) and g == 0)


def _wrong(g, ans):
    from ..errors import SrcadError
    raise SrcadError(f"srcad: the gradient of the {type(ans).__name__} built here came out as a "
                     f"{type(g).__name__}, as if the object were used as a number or an array; "
                     "srcad cannot tell how it reaches the object's attributes (use its "
                     "attributes in the computation instead)")


@helper(linear_in="g")
def object_part(g, ans, names, k):
    """Adjoint of the ``k``-th value of ``new_object(cls, names, *values)`` (``ans``): the
    gradient of the attribute ``names[k]`` in ``g``, zeros if none reached it."""
    value = ans[k] if is_namedtuple(ans) else getattr(ans, names[k])
    if isinstance(g, ObjectAdjoint):
        part = g.parts.get(names[k])
    elif isinstance(g, tuple) and is_namedtuple(ans) and len(g) == len(names):
        part = g[k]  # (a tuple adjoint, or a tangent that is a named tuple)
    elif isinstance(g, type(ans)) and not isinstance(g, (np.ndarray, numbers.Number)):
        part = getattr(g, names[k])  # (a tangent: an object of the class)
    elif _zero(g):
        part = None
    else:
        _wrong(g, ans)
    return zeros_like(value) if part is None else part


@helper(linear_in="t")
def object_tangent(t, ans, names, k):
    """The part of the tangent of ``new_object(cls, names, *values)`` (``ans``) that the tangent
    ``t`` of its ``k``-th value gives: that attribute's tangent, zero elsewhere."""
    if is_namedtuple(ans):
        return TupleAdjoint(t if j == k else zeros_like(v) for j, v in enumerate(ans))
    return ObjectAdjoint({names[k]: t})
