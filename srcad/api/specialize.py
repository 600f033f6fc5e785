"""What a transformation is specialized on, read from the arguments of a call.

Accepts a user's Python function and the arguments of one call to it. Guarantees:
:func:`specialization` returns the :class:`~srcad.passes.parse.Specialization` the transformation
for that call depends on besides the function: for each parameter the body calls (``act(x)``) or
calls a method of (``xp.sum(x)``), the function or module the call passes there (an array there is
data, and no part of the key); for a function with ``*args``, how many extra arguments it
gets; for one with ``**kwargs``, the names of the keyword arguments it gets; and the
:mod:`~srcad.passes.kinds` of the arguments that are not data (instances of the user's classes,
lists or dicts of them or of functions: their classes and attributes decide what ``layer(h)`` and
``self.helper(x)`` call); and the parameters given a dict (a loop over one goes over its keys, a
write into one may add a key). ``grad`` (:class:`~srcad.api.derived.Derived`), ``vjp`` and ``jvp``
all key their transformations so; a function, module or class the body reaches through a
parameter is never guessed.
"""

from __future__ import annotations

import inspect
import threading
import types
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import SrcadError
from ..passes.kinds import DATA, NONE, Instance, kind_of
from ..passes import array_namespaces
from ..passes.parse import ExtraArgument, Namespace, Specialization, parse
from ..passes.value_kinds import value_kinds
from ..results import Bounded

_lock = threading.Lock()
_called: Bounded = Bounded(256)  # code object -> (called parameters, parameter names, positional
#                                   count, names that bind by keyword)


def specialization(fun: Any, args: Sequence[Any], kwargs: dict[str, Any],
                   kinds: bool = False) -> Specialization:
    """See the module docstring; ``Specialization()`` for what srcad cannot read (its parse
    reports the error when the transformation is made)."""
    if not isinstance(fun, types.FunctionType):
        return Specialization()
    called, params, named, by_name, getters = _read(fun)
    values = _values(fun, params, named, args, kwargs) if kinds else ()
    spaces, speculated = _namespaces(fun, getters, params, named, args, kwargs) if getters \
        else ((), ())
    guessed = array_namespaces.speculate([*args, *kwargs.values()])  # (for the functions it calls)
    if guessed:
        speculated = tuple(sorted({**dict(guessed), **dict(speculated)}.items())) if speculated \
            else guessed
    varargs = fun.__code__.co_flags & inspect.CO_VARARGS
    varkeywords = fun.__code__.co_flags & inspect.CO_VARKEYWORDS
    defaults = _defaults(fun, params, named, args, kwargs)  # the parameters the call leaves
    objects = _objects(params, named, args, {**defaults, **kwargs})
    mappings = tuple(name for k, name in enumerate(params) if isinstance(
        args[k] if k < len(args) and k < named else kwargs.get(name, defaults.get(name)), dict))
    if not called and not varargs and not varkeywords and not objects and not mappings:
        return Specialization(values=values, namespaces=spaces, speculated=speculated) \
            if values or spaces or speculated else Specialization()
    extra = max(len(args) - named, 0) if varargs else None
    keywords = tuple(k for k in kwargs if k not in by_name) if varkeywords and kwargs else None
    functions = []
    for name in called:
        k = params.index(name)
        value = args[k] if k < len(args) else kwargs.get(name, defaults.get(name))
        if (callable(value) or isinstance(value, types.ModuleType)) \
                and not isinstance(dict(objects).get(name), Instance):
            functions.append((name, value))
    return Specialization(tuple(functions), extra, keywords, objects, mappings, values=values,
                          namespaces=spaces, speculated=speculated)


_NUMBERS = frozenset({float, int, bool, complex})


def fingerprint(args: Sequence[Any]) -> tuple[Any, ...] | None:
    """What :func:`specialization` reads of positional arguments that are all Python numbers and
    NumPy arrays (exactly those types): each one's type, or an array's dtype and shape; None for
    any other argument. With the function's code and defaults unchanged, calls with one
    fingerprint (and no keyword arguments) have one specialization: see :class:`QuickKeys`."""
    parts: list[Any] = []
    for value in args:
        t = type(value)
        if t is np.ndarray:
            parts.append((value.dtype, value.shape))
        elif t in _NUMBERS:
            parts.append(t)
        else:
            return None
    return tuple(parts)


class QuickKeys:
    """The specializations of recent calls by :func:`fingerprint`, for one derived function: the
    key of a call of numbers and arrays without reading its arguments again (a few microseconds
    instead of tens). An entry holds while ``fun``'s code and defaults are the same objects, and
    is kept only where the defaults are immutable (:func:`_frozen`: no array, whose shape can
    change in place, no object, list or dict, whose contents decide the key's kinds); at most
    ``limit`` entries."""

    def __init__(self, limit: int = 64):
        self._found: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        self.limit = limit

    def get(self, fun: Any, args: Sequence[Any], make: Any) -> Specialization:
        """The specialization of ``fun`` for ``args`` (positional only): remembered, or
        ``make()``."""
        found = fingerprint(args) if isinstance(fun, types.FunctionType) else None
        if found is None:
            return make()
        entry = self._found.get(found)
        if entry is not None and entry[0] is fun.__code__ and entry[1] is fun.__defaults__ \
                and entry[2] is fun.__kwdefaults__:
            return entry[3]
        key = make()
        if all(_frozen(d) for d in [*(fun.__defaults__ or ()),
                                    *(fun.__kwdefaults__ or {}).values()]):
            if len(self._found) >= self.limit:
                self._found.clear()
            self._found[found] = (fun.__code__, fun.__defaults__, fun.__kwdefaults__, key)
        return key


_FROZEN_TYPES = frozenset({float, int, bool, complex, str, bytes, type(None)})
_FROZEN_KINDS = (types.FunctionType, types.BuiltinFunctionType, types.ModuleType, type, np.ufunc,
                 np.generic)


def _frozen(value: Any) -> bool:
    """Whether what :func:`specialization` reads of the default ``value`` is fixed while the
    defaults tuple is the same object: a number, a string, None, a function, a module, a class, a
    NumPy scalar, or a tuple of those. An array can change shape in place; an object, a list or
    a dict can change what it holds (an object's method, a list's function: the key's kinds)."""
    if type(value) in _FROZEN_TYPES or isinstance(value, _FROZEN_KINDS):
        return True
    return type(value) is tuple and all(_frozen(v) for v in value)


def _values(fun: types.FunctionType, params: list[str], named: int, args: Sequence[Any],
            kwargs: dict[str, Any]) -> tuple[Any, ...]:
    """The kinds of the numbers and arrays the named parameters get (given, or their defaults)."""
    code = fun.__code__
    plain = params[:named] + list(code.co_varnames[code.co_argcount:code.co_argcount
                                                   + code.co_kwonlyargcount])
    defaults = _defaults(fun, params, named, args, kwargs)
    missing = object()
    given = []
    for k, name in enumerate(plain):
        value = args[k] if k < named and k < len(args) else kwargs.get(
            name, defaults.get(name, missing))
        if value is not missing:
            given.append((name, value))
    found: tuple[Any, ...] = value_kinds(given)
    return found


def _namespaces(fun: types.FunctionType, getters: tuple[Any, ...], params: list[str], named: int,
                args: Sequence[Any], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    """The array namespaces the body's ``xp = array_namespace(x)`` get at this call, by name and
    by getter (:func:`srcad.passes.array_namespaces.evaluate`)."""
    given = dict(zip(params[:named], args[:named]))
    given.update(_defaults(fun, params, named, args, kwargs))
    given.update((k, v) for k, v in kwargs.items() if k in params)
    found: tuple[Any, ...] = array_namespaces.evaluate(
        getters, Namespace(fun), fun.__code__.co_filename, given)
    return found  # (namespaces, speculated)


def _defaults(fun: types.FunctionType, params: list[str], named: int, args: Sequence[Any],
              kwargs: dict[str, Any]) -> dict[str, Any]:
    """The default values of the parameters the call gives no argument (a module or an object
    there decides what the body calls, as one passed would)."""
    found = {}
    positional = fun.__defaults__ or ()
    for name, value in zip(params[named - len(positional):named], positional):
        if params.index(name) >= len(args) and name not in kwargs:
            found[name] = value
    for name, value in (fun.__kwdefaults__ or {}).items():
        if name not in kwargs:
            found[name] = value
    return found


_DATA_TYPES = frozenset({float, int, bool, np.ndarray, np.float64, np.float32, type(None)})


def _objects(params: list[str], named: int, args: Sequence[Any], kwargs: dict[str, Any]
             ) -> tuple[Any, ...]:
    """``(parameter, kind)`` for each argument given that is not data (an extra positional one's
    parameter is an :class:`~srcad.passes.parse.ExtraArgument`)."""
    found = []
    for k, value in enumerate(args):
        if type(value) in _DATA_TYPES:
            continue  # (the common case, decided at once)
        kind = kind_of(value)
        if kind is not DATA and kind is not NONE:
            found.append((params[k] if k < named else ExtraArgument(k - named), kind))
    for name, value in kwargs.items():
        if type(value) not in _DATA_TYPES:
            kind = kind_of(value)
            if kind is not DATA and kind is not NONE:
                found.append((name, kind))
    return tuple(found)


def _read(fun: types.FunctionType) -> Any:
    """``(called parameters, parameter names, number of positional ones, names that bind by
    keyword, namespace getters)`` of ``fun``, read once per code object (a redefined function has
    a new one; the getters: :func:`srcad.passes.array_namespaces.statements`)."""
    code = fun.__code__
    with _lock:
        found = _called.get(code)
    if found is None:
        try:
            parsed = parse(fun)
            called, getters = parsed.called_parameters(), array_namespaces.statements(parsed)
        except SrcadError:
            called, getters = [], ()
        signature = inspect.signature(fun, follow_wrapped=False)
        named = sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                    for p in signature.parameters.values())
        by_name = frozenset(p.name for p in signature.parameters.values()
                            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))
        found = (called, list(signature.parameters), named, by_name, getters)
        with _lock:
            _called[code] = found
    return found
