"""Runtime helpers: adjoints and tangents of objects read by attribute (``self.W``, ``p.a``).

Accepts: the objects the generated code reads attributes of -- dataclasses, named tuples,
``types.SimpleNamespace``, classes registered with ``srcad.register_pytree`` (:func:`register`), and
any other instance whose attributes live in its ``__dict__`` or ``__slots__`` -- and the adjoints and
tangents srcad computes for them.
Guarantees: an object's *differentiable attributes* are its fields (a dataclass, a named tuple), the
children its ``flatten`` returns (a registered class), or its own attributes (``vars``, ``__slots__``:
any other object). The adjoint of an object is an :class:`ObjectAdjoint` holding the gradient of
each attribute read (an attribute not read has none: zero); ``+`` adds attribute by attribute.
:func:`unattribute` is the adjoint of reading one attribute: a class attribute that is not a
descriptor, and a registered class's aux data, are constants (no gradient); an attribute that is
none of these (a dataclass's attribute that is not a field, a property read where srcad did not know
the class) is refused with a :class:`~srcad.errors.SrcadError`, never differentiated wrong.
:func:`plain_object` gives an adjoint back in the structure of the object it belongs to: an object of
the same class (made without calling ``__init__``; a registered class through its ``unflatten``),
each differentiable attribute holding its gradient (zeros for those no gradient reached: floats and
arrays of any number type get zeros, as elsewhere in srcad; strings, functions and other values
that carry no gradient are left as they are). A named tuple's adjoint is a tuple adjoint (see
:mod:`.containers`), given back as the named tuple.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import numbers
import types

import numpy as np

from ._registry import helper
from .namespaces import foreign_array, numpy_dtype
from .containers import TupleAdjoint, zeros_like

_REGISTERED: dict = {}  # class -> (flatten, unflatten), see register


def register(cls, flatten, unflatten) -> None:
    """Make ``cls`` a pytree: ``flatten(obj) -> (children, aux)``, ``unflatten(aux, children) ->
    obj`` (JAX's convention). Its gradients are ``unflatten(aux, gradients of the children)``."""
    _REGISTERED[cls] = (flatten, unflatten)


class ObjectAdjoint:
    """The adjoint of an object: attribute name -> gradient, for the attributes a gradient reached."""

    __slots__ = ("parts",)

    def __init__(self, parts=None):
        self.parts = dict(parts or {})

    def __add__(self, other):
        if isinstance(other, ObjectAdjoint):
            parts = dict(self.parts)
            for name, g in other.parts.items():
                parts[name] = g if parts.get(name) is None else (
                    parts[name] if g is None else parts[name] + g)
            return ObjectAdjoint(parts)
        if other is None or (isinstance(other, numbers.Number) and other == 0):
            return self
        return NotImplemented

    __radd__ = __add__

    def __iadd__(self, other):  # 'd += e' (srcad.passes.inplace): a new adjoint, as '+'
        return self + other

    def __repr__(self):
        return f"ObjectAdjoint({self.parts!r})"


def is_namedtuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


_NOT_OBJECTS = (np.ndarray, np.generic, numbers.Number, str, bytes, type(None), list, tuple, dict,
                set, frozenset, range, slice, type, types.FunctionType, types.BuiltinFunctionType,
                types.MethodType, types.ModuleType, functools.partial, np.ufunc, np.dtype)


def structure(x) -> str | None:
    """How srcad reads ``x``'s differentiable attributes: ``"registered"``, ``"namedtuple"``,
    ``"dataclass"``, ``"namespace"``, ``"instance"``, or None for a value that is no object."""
    if type(x) in _REGISTERED:
        return "registered"
    if is_namedtuple(x):
        return "namedtuple"
    if isinstance(x, _NOT_OBJECTS) or (type(x).__module__ or "").split(".")[0] == "srcad" \
            or foreign_array(x):  # (a Dask or CuPy array, an Array API one: an array)
        return None
    if dataclasses.is_dataclass(x):
        return "dataclass"
    if isinstance(x, types.SimpleNamespace):
        return "namespace"
    return "instance" if own_attributes(x) is not None else None


def own_attributes(x) -> list | None:
    """``x``'s own attributes: its ``__dict__``, then its ``__slots__`` that are set (None: it has
    neither)."""
    names = list(vars(x)) if hasattr(x, "__dict__") else None
    for cls in type(x).__mro__:
        slots = cls.__dict__.get("__slots__", ())
        for name in (slots,) if isinstance(slots, str) else slots:
            if name not in ("__dict__", "__weakref__") and hasattr(x, name):
                names = (names or []) + [name]
    return names


def differentiable_attributes(x) -> list:
    """The names of ``x``'s differentiable attributes (see the module docstring); for a registered
    class, those that are children (found by :func:`_child_positions`)."""
    kind = structure(x)
    if kind == "namedtuple":
        return list(type(x)._fields)
    if kind == "dataclass":
        return [f.name for f in dataclasses.fields(x) if hasattr(x, f.name)]
    if kind == "registered":
        return list(_child_positions(x)[0])
    # (not a value a descriptor of the class keeps there, as functools.cached_property does)
    return [name for name in own_attributes(x) or [] if not _descriptor(type(x), name)
            or type(inspect.getattr_static(type(x), name)).__name__ == "member_descriptor"]


def _descriptor(cls, name) -> bool:
    """Does class ``cls`` have a descriptor called ``name`` (a property, a cached property, a
    method, a slot)?"""
    static = inspect.getattr_static(cls, name, _Marker)
    return static is not _Marker and hasattr(type(static), "__get__")


class _Marker:
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name


def _child_positions(x) -> tuple:
    """For an instance of a registered class: ``({attribute name: position among the children},
    children, aux)``. Found by flattening a copy whose attributes are markers (so an attribute is
    a child where its marker comes out), else, where that fails, by identity (an attribute that is
    exactly one child)."""
    flatten, _ = _REGISTERED[type(x)]
    children, aux = flatten(x)
    children = list(children)
    names = own_attributes(x) or []
    positions: dict = {}
    try:
        probe = object.__new__(type(x))
        for name in names:
            object.__setattr__(probe, name, _Marker(name))
        found, _ = flatten(probe)
        found = list(found)
    except Exception:  # noqa: BLE001 -- flatten does more than read attributes: by identity
        found = None
    if found is not None and len(found) == len(children):
        for k, c in enumerate(found):
            if isinstance(c, _Marker):
                positions[c.name] = k
    else:
        for name in names:
            value = getattr(x, name)
            hits = [k for k, c in enumerate(children) if c is value]
            if len(hits) == 1:
                positions[name] = hits[0]
    return positions, children, aux


def _in_aux(aux, value) -> bool:
    """Is ``value`` (by identity) the aux data of a registered class, or inside it?"""
    if aux is value:
        return True
    if isinstance(aux, (tuple, list)):
        return any(_in_aux(a, value) for a in aux)
    if isinstance(aux, dict):
        return any(_in_aux(a, value) for a in aux.values())
    return False


def _refuse(message):
    from ..errors import NoGradientRuleError
    raise NoGradientRuleError(message)


def _constant_attribute(x, name) -> bool:
    """Is ``x.name`` a constant: not a differentiable attribute, but a class attribute that is no
    descriptor (``scale = 2.0`` in the class body) or a registered class's aux data? Refuses an
    attribute srcad cannot tell how to differentiate."""
    what = type(x).__name__
    static = inspect.getattr_static(type(x), name, _Marker)
    if _descriptor(type(x), name):
        _refuse(f"'.{name}' of a {what} is a {type(static).__name__} of its class; srcad "
                "differentiates a property as a call of its function where it knows the class of "
                "the object before running the function (an argument, an attribute of one)")
    if static is not _Marker and name not in (own_attributes(x) or []):
        return True  # a class attribute: the same for every instance
    if structure(x) == "registered":
        _, _, aux = _child_positions(x)
        if _in_aux(aux, getattr(x, name)):
            return True
        _refuse(f"the attribute '.{name}' of a {what} is neither one of the children its "
                "flatten function (srcad.register_pytree) returns nor part of its aux data, so "
                "srcad cannot tell how a gradient reaches the children; read the children "
                "themselves")
    if structure(x) == "dataclass":
        _refuse(f"the attribute '.{name}' of a {what} is not one of its fields, so srcad cannot "
                "tell how a gradient reaches them (it was set outside __init__'s fields); read the "
                "fields themselves, or register the class with srcad.register_pytree")
    _refuse(f"the attribute '.{name}' of a {what} is not one it holds (it comes from __getattr__ "
            "or a descriptor), so srcad cannot tell how a gradient reaches its attributes")


@helper(linear_in="g")
def unattribute(g, x, name):
    """Adjoint of ``x.name``: the gradient ``g`` for that attribute of ``x``, nothing (zero) for the
    others; no gradient for a constant (see :func:`_constant_attribute`)."""
    if is_namedtuple(x) and name in type(x)._fields:
        k = type(x)._fields.index(name)
        return TupleAdjoint(g if j == k else zeros_like(v) for j, v in enumerate(x))
    if structure(x) is None:
        _refuse(f"srcad has no gradient rule for the attribute '.{name}' of a {type(x).__name__}")
    if name in differentiable_attributes(x):
        return ObjectAdjoint({name: g})
    _constant_attribute(x, name)
    return ObjectAdjoint()


@helper(linear_in="t")
def attribute_tangent(t, x, name):
    """Tangent of ``x.name`` from ``t``, the tangent of ``x`` (an object of ``x``'s class, or an
    :class:`ObjectAdjoint` in forward mode over generated code): zero for a constant."""
    from .tangents import zero_tangent

    if isinstance(t, ObjectAdjoint):
        part = t.parts.get(name)
        return zero_tangent(getattr(x, name)) if part is None else part
    if is_namedtuple(x) and name in type(x)._fields:
        return t[type(x)._fields.index(name)]
    if structure(x) is None:
        _refuse(f"srcad has no tangent rule for the attribute '.{name}' of a {type(x).__name__}")
    if name not in differentiable_attributes(x):
        _constant_attribute(x, name)
        return zero_tangent(getattr(x, name))
    if structure(x) == "registered":
        positions = _child_positions(x)[0]
        return list(_REGISTERED[type(x)][0](t)[0])[positions[name]]
    return getattr(t, name)


def object_zeros(x):
    """The adjoint of an object no gradient reached."""
    return ObjectAdjoint()


def plain_object(g, x, plain):
    """The gradient ``g`` of the object ``x`` (an :class:`ObjectAdjoint`, a zero, or already an
    object of ``x``'s class) in ``x``'s structure; ``plain(g, value)`` converts each attribute's."""
    if isinstance(g, type(x)) and not isinstance(g, ObjectAdjoint):
        return g  # (already in its structure: a tangent)
    if isinstance(g, TupleAdjoint) and is_namedtuple(x):
        return type(x)(*[plain(p, v) for p, v in zip(g, x)])
    if not isinstance(g, ObjectAdjoint):
        if g is None or (isinstance(g, numbers.Number) and g == 0):
            g = ObjectAdjoint()
        else:
            from ..errors import SrcadError
            raise SrcadError(f"srcad: the gradient of a {type(x).__name__} came out as a "
                             f"{type(g).__name__} (please report this, with the function)")
    kind = structure(x)

    def part(name, value):
        found = g.parts.get(name)
        return zero_value(value) if found is None else plain(found, value)

    if kind == "namedtuple":
        return type(x)(*[part(name, v) for name, v in zip(type(x)._fields, x)])
    if kind == "registered":
        positions, children, aux = _child_positions(x)
        by_position = {k: name for name, k in positions.items()}
        parts = [part(by_position[k], c) if k in by_position else zero_value(c)
                 for k, c in enumerate(children)]
        return _REGISTERED[type(x)][1](aux, parts)
    if kind == "namespace":
        return types.SimpleNamespace(**{name: part(name, v) for name, v in vars(x).items()})
    names = differentiable_attributes(x)
    new = object.__new__(type(x))
    for name in names:
        object.__setattr__(new, name, part(name, getattr(x, name)))
    return new


def zero_value(x, _seen=None):
    """The zero gradient of ``x`` as the user sees it: zeros for numbers and arrays, the same
    structure for containers and objects, and ``x`` itself for what carries no gradient (strings,
    None, functions, modules, objects srcad does not read)."""
    seen = _seen if _seen is not None else set()
    if isinstance(x, bool) or (isinstance(x, numbers.Number) and not isinstance(x, complex)):
        return 0.0
    if isinstance(x, complex):
        return 0j
    if isinstance(x, (np.ndarray, np.generic)):
        return zeros_like(x) if x.dtype.kind in "biufc" else x
    if foreign_array(x):  # (Dask's, CuPy's: zeros in its library, never the array itself)
        return zeros_like(x) if numpy_dtype(x).kind in "biufc" else x
    if id(x) in seen:
        return x
    seen.add(id(x))
    if type(x) is dict:
        return {k: zero_value(v, seen) for k, v in x.items()}
    if type(x) in (list, tuple):
        return type(x)(zero_value(v, seen) for v in x)
    kind = structure(x)
    if kind is None:
        return x
    if kind == "namedtuple":
        return type(x)(*[zero_value(v, seen) for v in x])
    if kind == "registered":
        _, children, aux = _child_positions(x)
        return _REGISTERED[type(x)][1](aux, [zero_value(c, seen) for c in children])
    if kind == "namespace":
        return types.SimpleNamespace(**{k: zero_value(v, seen) for k, v in vars(x).items()})
    new = object.__new__(type(x))
    for name in differentiable_attributes(x):
        object.__setattr__(new, name, zero_value(getattr(x, name), seen))
    return new
