"""Part of pass 6, ops: which classes srcad can build inside the differentiated function, and how.

Accepts: a class the function calls (``Quad(A)``, ``P(a=x)``, ``cls(W)`` in a class method).
Guarantees: :func:`construction` gives a :class:`Construction` -- how an instance is built from
its attribute values -- or the reason (a string naming the line of ``__init__`` where there is
one) why srcad cannot prove a build from the attribute values is the object Python builds:

* ``"namedtuple"``: a named tuple with its generated ``__new__`` (fields bound as the call binds);
* ``"dataclass"``: a dataclass with its generated ``__init__``, no ``__post_init__``, no
  ``InitVar``, no ``default_factory`` left to run;
* ``"init"``: a class whose ``__init__`` (a Python function) only binds attributes at its top
  level (``self.a = <expression>``, ``self.a += ...``), computes locals that do not involve
  ``self``, reads back the attributes it already set, and calls ``super().__init__(...)`` of a
  base whose ``__init__`` is of the same kind (or ``object``'s, without arguments);
* ``"empty"``: ``object.__init__``, called without arguments.

Refused: a metaclass other than ``type`` (or an ``ABCMeta`` with abstract methods), ``__new__``,
``__slots__``, ``__setattr__``, ``__getattr__``, ``__getattribute__``, ``__delattr__``, ``__del__``
(not those ``dataclass(frozen=True)`` writes, which only raise), an attribute name that is a descriptor of the class (a property, a slot), and any other use of
``self`` in ``__init__`` (a method called on it, ``self`` passed or returned, an attribute read
before it is set, an attribute set inside a branch or loop, an early ``return``).

The ``"init"`` form is the one :mod:`srcad.passes.initializer` can rewrite: :func:`construction`
asks it, and pass 1 of a call specialized with ``initializer`` reads ``__init__`` rewritten by its
:func:`~srcad.passes.initializer.initializer_tree`, returning ``new_object(self, names, *values)``
(:mod:`srcad.runtime.instances`). The rule of ``new_object`` is registered here: each value gets
its attribute's adjoint.
"""

from __future__ import annotations

import abc
import dataclasses
import functools
import inspect
import types

from ..rules.registry import RULES, Rule, RuleOrigin
from ..runtime.instances import new_object
from .initializer import Rewrite, dataclass_generated

RULES[new_object] = Rule("srcad.runtime.new_object", ("cls", "names"), {}, {"values": "object_part(g, ans, names, k)"},
                         vararg="values", tangents={"values": "object_tangent(t, ans, names, k)"},
                         holds_operands=True, origin=RuleOrigin.HELPER)

_HOOKS = ("__new__", "__setattr__", "__getattr__", "__getattribute__", "__delattr__", "__del__")


@dataclasses.dataclass(frozen=True)
class Construction:
    cls: type
    form: str                      # "namedtuple", "dataclass", "init", "empty"
    names: tuple                   # the attributes, in the order they are set
    init: object = None            # the __init__ (form "init")
    defaults: tuple = ()           # dataclass: (name, default) of fields set without a parameter

    def signature(self):
        """How a call of the class binds (without ``self``)."""
        if self.form == "init":
            params = list(inspect.signature(self.init).parameters.values())[1:]
            return inspect.Signature(params)
        return inspect.signature(self.cls)


def is_namedtuple_class(cls) -> bool:
    return isinstance(cls, type) and issubclass(cls, tuple) and hasattr(cls, "_fields")


def is_user_class(obj) -> bool:
    """A class srcad builds itself when the function calls it (not a builtin or NumPy type, not
    one with a rule)."""
    from .. import rules
    return isinstance(obj, type) and rules.lookup(obj) is None \
        and obj.__module__ not in ("builtins", "abc", "typing", "collections", "types") \
        and not (obj.__module__ or "").startswith(("numpy", "srcad")) \
        and not issubclass(obj, (BaseException, int, float, complex, str, bytes, list, dict,
                                 set, frozenset)) \
        and (not issubclass(obj, tuple) or is_namedtuple_class(obj)) \
        and not any(isinstance(c.__dict__.get(m), (types.BuiltinFunctionType,
                                                   types.WrapperDescriptorType))
                    for c in obj.__mro__ if c not in (object, tuple)
                    for m in ("__new__", "__init__"))  # (written in C: functools.partial)


def construction(cls):
    """A :class:`Construction`, or the reason srcad cannot build ``cls`` (see the module)."""
    inits = tuple(c.__dict__.get("__init__") for c in cls.__mro__)
    return _construction(cls, inits)


@functools.lru_cache(maxsize=256)
def _construction(cls, _inits):
    what = cls.__qualname__
    meta = type(cls)
    if meta is not type and not (meta is abc.ABCMeta and not getattr(cls, "__abstractmethods__",
                                                                      None)):
        return f"{what} has the metaclass {meta.__name__}"
    namedtuple = is_namedtuple_class(cls)
    for c in cls.__mro__[:-1]:
        if c is tuple and namedtuple:
            continue
        for hook in _HOOKS:
            if hook in c.__dict__ and not (namedtuple and hook == "__new__"
                                           and _namedtuples_new(c.__dict__[hook])) \
                    and not _frozen_hook(c, hook):
                return f"{what} defines '{hook}' ({c.__qualname__})"
        if "__slots__" in c.__dict__ and not (namedtuple and c.__dict__["__slots__"] == ()):
            return f"{what} has '__slots__' ({c.__qualname__})"
    if namedtuple:
        if cls.__init__ is not object.__init__:
            return f"{what} defines '__init__'"
        return Construction(cls, "namedtuple", tuple(cls._fields))
    init = cls.__init__
    if dataclasses.is_dataclass(cls) and dataclass_generated(init):
        return _dataclass(cls)
    if init is object.__init__:
        return Construction(cls, "empty", ())
    if not isinstance(init, types.FunctionType):
        return f"{what}.__init__ is not a Python function srcad can read"
    from .parse import parse
    try:
        tree = parse(init).tree
    except Exception as exc:  # noqa: BLE001 -- no source: refused, with the reason
        return f"srcad cannot read {what}.__init__ ({exc})"
    found = Rewrite(cls, init, tree).run()
    if isinstance(found, str):
        return found
    return Construction(cls, "init", found[1], init)


def _namedtuples_new(fn) -> bool:
    fn = getattr(fn, "__func__", fn)
    return (getattr(fn, "__doc__", None) or "").startswith("Create new instance of ") and \
        getattr(getattr(fn, "__code__", None), "co_filename", "") == "<string>"


def _frozen_hook(cls, hook) -> bool:
    """A frozen dataclass's own ``__setattr__``/``__delattr__`` (they only raise; its
    ``__init__`` sets fields by ``object.__setattr__``, as ``new_object`` does)?"""
    return hook in ("__setattr__", "__delattr__") and dataclass_generated(cls.__dict__[hook]) \
        and getattr(getattr(cls, "__dataclass_params__", None), "frozen", False)


def _dataclass(cls):
    what = cls.__qualname__
    if hasattr(cls, "__post_init__"):
        return (f"{what} has a __post_init__, which srcad does not run when it builds the object "
                "from its fields")
    all_fields = getattr(cls, "__dataclass_fields__", {})
    if any(f._field_type is dataclasses._FIELD_INITVAR for f in all_fields.values()):
        return f"{what} has an InitVar field"
    defaults = []
    for f in dataclasses.fields(cls):
        if not f.init:
            if f.default is dataclasses.MISSING:
                return f"the field '{f.name}' of {what} is set outside __init__'s parameters"
            defaults.append((f.name, f.default))
    return Construction(cls, "dataclass", tuple(f.name for f in dataclasses.fields(cls)),
                        defaults=tuple(defaults))
