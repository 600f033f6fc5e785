"""Kinds: what srcad knows, before running a function, of the type of a value it holds -- enough to
resolve ``layer(h)``, ``self.helper(x)`` and ``model.weight`` (a property) to the user's code.

Accepts: Python values (the arguments of a call, the globals a function reads) for :func:`kind_of`,
and kinds for :func:`join`, :func:`attribute`, :func:`item`, :func:`element`.
Guarantees: a kind is hashable and compares equal exactly when srcad would resolve the same calls
on the two values, so a transformation keyed by the kinds of its arguments
(:class:`~srcad.passes.parse.Specialization`) is right for every call with those kinds. The kinds:

* :data:`DATA`: an array (NumPy's, or another library's: :mod:`srcad.runtime.namespaces`), a
  number, a string, or a list, tuple or dict holding only those (and None)
  (methods and attributes are NumPy's);
* :data:`NONE`: None (so ``if self.bias is not None`` is decided before the function runs);
* :data:`UNKNOWN`: srcad cannot tell (what a call of a user's function returned, a parameter of a
  function transformed without arguments);
* :class:`Instance`: an instance of the class ``cls``, with the kinds of its instance attributes
  (``attributes``; None when unknown: an object of a class srcad cannot build itself,
  :mod:`srcad.passes.constructors`). Named tuples,
  dataclasses, ``types.SimpleNamespace`` and every other object with attributes are instances;
* :class:`Sequence` and :class:`Mapping`: a list or tuple, a dict, holding something that is not
  data (layers, functions), with the kind of each entry;
* :class:`ListOf`: a list the function builds (``[Dense(W, b) for W, b in params]``, appends
  to ``[]``) of a length srcad does not know, each entry of the kind ``element``;
* :class:`Function`: a function, a module, a class or any other callable that is not an instance
  of a user's class (compared by identity);
* :class:`Union`: one of several kinds (``for layer in layers`` over layers of two classes).
"""

from __future__ import annotations

import dataclasses
import functools
import numbers
import types

import numpy as np

from ..runtime.namespaces import foreign_array


class _Named:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return self.name


DATA = _Named("DATA")
UNKNOWN = _Named("UNKNOWN")
NONE = _Named("NONE")  # None (an optional attribute: 'if self.bias is not None' decides statically)

_DEPTH = 24  # objects nested deeper than this are UNKNOWN (a cycle is, too)
_SCALARS = (np.ndarray, np.generic, numbers.Number, str, bytes, range, slice, type(Ellipsis))


@dataclasses.dataclass(frozen=True)
class Instance:
    cls: type
    attributes: tuple | None  # ((name, kind), ...) in the object's order; None: not known

    def attribute(self, name):
        """The kind of instance attribute ``name``; None if it is not one (or not known)."""
        for key, kind in self.attributes or ():
            if key == name:
                return kind
        return None

    def __repr__(self):
        return f"Instance({self.cls.__qualname__})"


@dataclasses.dataclass(frozen=True)
class Sequence:
    cls: type  # list or tuple
    items: tuple


@dataclasses.dataclass(frozen=True)
class ListOf:
    element: object  # the join of the kinds of its entries (None: none yet, the list is empty)


@dataclasses.dataclass(frozen=True)
class Mapping:
    items: tuple  # ((key, kind), ...)


class Function:
    """A callable compared by identity (a function, a module, a class, a ufunc, ...)."""

    __slots__ = ("fn",)

    def __init__(self, fn):
        self.fn = fn

    def __eq__(self, other):
        return isinstance(other, Function) and other.fn is self.fn

    def __hash__(self):
        return hash(id(self.fn))

    def __repr__(self):
        return f"Function({getattr(self.fn, '__qualname__', self.fn)!s})"


@dataclasses.dataclass(frozen=True)
class Union:
    options: frozenset  # two or more kinds, none a Union


def holds_objects(kind) -> bool:
    """Is ``kind`` a list the function builds whose entries may be objects (not only data)?"""
    return isinstance(kind, ListOf) and kind.element not in (None, DATA, NONE)


def data_lists(kind):
    """``kind`` with each :class:`ListOf` of data only made :data:`DATA`."""
    if isinstance(kind, ListOf) and not holds_objects(kind):
        return DATA
    return kind


def is_object(kind) -> bool:
    """Is ``kind`` an instance, or a union of instances (and None) only: a value with attributes
    of its own, never an array?"""
    if isinstance(kind, Union):
        return all(isinstance(k, Instance) or k is NONE for k in kind.options)
    return isinstance(kind, Instance)


def may_be_none(kind) -> bool | None:
    """True if a value of kind ``kind`` is certainly None, False if it certainly is not, None if
    srcad cannot tell."""
    if kind is NONE:
        return True
    options = kind.options if isinstance(kind, Union) else (kind,)
    if any(o is NONE or o is UNKNOWN or o is DATA for o in options):
        return None
    return False


def instance_attributes(value) -> list | None:
    """The names of ``value``'s own attributes (its ``__dict__``, then its ``__slots__``), or None
    for a value that has neither."""
    names = list(vars(value)) if hasattr(value, "__dict__") else None
    for cls in type(value).__mro__:
        slots = cls.__dict__.get("__slots__", ())
        for name in (slots,) if isinstance(slots, str) else slots:
            if name not in ("__dict__", "__weakref__") and hasattr(value, name):
                names = (names or []) + [name]
    return names


def kind_of(value, _depth=0, _seen=None):
    """The kind of ``value`` (see the module docstring)."""
    if value is None:
        return NONE
    if isinstance(value, _SCALARS) or foreign_array(value):
        return DATA
    if _depth > _DEPTH:
        return UNKNOWN
    seen = _seen if _seen is not None else set()
    if id(value) in seen:
        return UNKNOWN  # a cycle
    seen.add(id(value))
    try:
        return _kind_of(value, _depth, seen)
    finally:
        seen.discard(id(value))


def _kind_of(value, depth, seen):
    if type(value) in (list, tuple):
        items = tuple(kind_of(v, depth + 1, seen) for v in value)
        return DATA if all(k is DATA or k is NONE for k in items) else Sequence(type(value), items)
    if type(value) is dict:
        items = tuple((k, kind_of(v, depth + 1, seen)) for k, v in value.items())
        if all(k is DATA or k is NONE for _, k in items):
            return DATA
        try:
            hash(items)
        except TypeError:  # (a key that is not hashable)
            return UNKNOWN
        return Mapping(items)
    if isinstance(value, (set, frozenset)):
        return DATA
    if isinstance(value, tuple) and hasattr(type(value), "_fields"):  # a named tuple
        return Instance(type(value), tuple((name, kind_of(v, depth + 1, seen))
                                           for name, v in zip(type(value)._fields, value)))
    if isinstance(value, _FUNCTIONS) or _is_srcads(value):
        return Function(value)
    names = instance_attributes(value)
    if names is None and callable(value):
        return Function(value)
    return Instance(type(value), tuple((name, kind_of(getattr(value, name), depth + 1, seen))
                                       for name in names or ()))


_FUNCTIONS = (types.ModuleType, type, types.FunctionType, types.BuiltinFunctionType,
              types.MethodType, types.BuiltinMethodType, functools.partial, np.ufunc, np.dtype)


def _is_srcads(value) -> bool:
    """One of srcad's own callables (a function made by srcad.grad, a custom_vjp): a function."""
    return (type(value).__module__ or "").split(".")[0] == "srcad" and callable(value)


def join(a, b):
    """The kind of a variable that may hold a value of kind ``a`` or one of kind ``b``."""
    if a is None:
        return b
    if b is None or a == b:
        return a
    if a is UNKNOWN or b is UNKNOWN:
        return UNKNOWN
    if isinstance(a, Instance) and isinstance(b, Instance) and a.cls is b.cls:
        if a.attributes is None or b.attributes is None:
            return Instance(a.cls, None)
        names = [n for n, _ in a.attributes] + [n for n, _ in b.attributes
                                                  if a.attribute(n) is None]
        return Instance(a.cls, tuple((n, join(a.attribute(n), b.attribute(n))
                                      if a.attribute(n) is not None and b.attribute(n) is not None
                                      else UNKNOWN) for n in names))
    if isinstance(a, ListOf) or isinstance(b, ListOf):
        if all(isinstance(x, (ListOf, Sequence)) and getattr(x, "cls", list) is list
               for x in (a, b)):
            return ListOf(join(element(a, None), element(b, None)))
        return UNKNOWN
    if isinstance(a, Sequence) and isinstance(b, Sequence) and a.cls is b.cls \
            and len(a.items) == len(b.items):
        return Sequence(a.cls, tuple(join(x, y) for x, y in zip(a.items, b.items)))
    if isinstance(a, Mapping) and isinstance(b, Mapping) \
            and [k for k, _ in a.items] == [k for k, _ in b.items]:
        return Mapping(tuple((k, join(x, y)) for (k, x), (_, y) in zip(a.items, b.items)))
    if isinstance(a, (Sequence, Mapping)) or isinstance(b, (Sequence, Mapping)):
        return UNKNOWN  # (two lists of different lengths: iterating them is not resolved)
    options = set(a.options if isinstance(a, Union) else (a,))
    for option in (b.options if isinstance(b, Union) else (b,)):
        same = next((o for o in options if isinstance(o, Instance) and isinstance(option, Instance)
                     and o.cls is option.cls), None)
        if same is not None:
            options.discard(same)
            option = join(same, option)
        options.add(option)
    return Union(frozenset(options)) if len(options) > 1 else options.pop()


def element(kind, empty=DATA):
    """The kind of an entry of a value of kind ``kind`` read at an index srcad cannot tell
    (``empty``: for a list or tuple known to be empty)."""
    if kind is DATA:
        return DATA
    if isinstance(kind, ListOf):
        return empty if kind.element is None else kind.element
    if isinstance(kind, Sequence):
        found = None
        for k in kind.items:
            found = join(found, k)
        return empty if found is None else found
    if isinstance(kind, Mapping):
        found = None
        for _, k in kind.items:
            found = join(found, k)
        return DATA if found is None else found
    if isinstance(kind, Instance) and issubclass(kind.cls, tuple) and kind.attributes is not None:
        found = None  # a named tuple
        for _, k in kind.attributes:
            found = join(found, k)
        return DATA if found is None else found
    return UNKNOWN


def item(kind, index):
    """The kind of ``value[index]`` for a constant ``index`` (any other index: :func:`element`)."""
    if isinstance(kind, Sequence) and isinstance(index, int) and -len(kind.items) <= index \
            < len(kind.items):
        return kind.items[index]
    if isinstance(kind, Mapping):
        for key, k in kind.items:
            if key == index and type(key) is type(index):
                return k
        return UNKNOWN
    if isinstance(kind, Instance) and issubclass(kind.cls, tuple) and kind.attributes is not None \
            and isinstance(index, int) and -len(kind.attributes) <= index < len(kind.attributes):
        return kind.attributes[index][1]
    return element(kind)


def tuple_items(kind, count: int) -> list:
    """The kinds of the ``count`` parts of ``a, b, ... = value`` for a value of kind ``kind``."""
    if isinstance(kind, Sequence) and len(kind.items) == count:
        return list(kind.items)
    if isinstance(kind, Instance) and issubclass(kind.cls, tuple) and kind.attributes is not None \
            and len(kind.attributes) == count:
        return [k for _, k in kind.attributes]
    return [element(kind)] * count


def concatenated(a, b):
    """The kind of ``a + b`` for two sequences (None: not a concatenation srcad can follow)."""
    def items(k):
        if k is DATA:
            return None  # (a list of data, of a length srcad does not know)
        return k.items if isinstance(k, Sequence) else None
    if a is DATA and b is DATA:
        return DATA
    if isinstance(a, ListOf) and (b is DATA or isinstance(b, (ListOf, Sequence))):
        return ListOf(join(a.element, element(b, None)))
    left, right = items(a), items(b)
    if left is None or right is None:
        return UNKNOWN
    return Sequence(a.cls, left + right)
