"""Part of pass 6, ops: objects the function builds, and the operators their classes define, made
operations srcad differentiates (:mod:`srcad.passes.objects` decides where).

Accepts: an A-normal-form statement ``y = C(a, b=c)`` (``C`` a class, or a parameter holding one:
``cls(W)`` in a class method), ``y = p._replace(a=v)``, ``y = dataclasses.replace(p, a=v)``,
``y = M.create(a)`` (a class method called on its class), ``y = a + b`` / ``y = -a`` / ``y =
a[i]`` where ``a`` (or ``b``) is an instance of a class defining the operator method.
Guarantees: for a class :mod:`srcad.passes.constructors` can build,

* a named tuple, a dataclass (its generated ``__init__``), ``object.__init__``: ``y = new_object(C,
  names, *values)``, one value per attribute in the order Python sets them (defaults bound as
  constants, unchanged fields of a ``_replace`` read first as ``p.b``): an operation whose adjoint
  gives each value its attribute's gradient;
* a class whose ``__init__`` only binds attributes: ``y = build(C, a, b=c)``, which calls ``C``
  where no gradient flows and is otherwise a call of ``__init__`` specialized as an
  *initializer* (:func:`srcad.passes.user_calls.initializer_call`), which srcad reads with its attributes made locals and ``return new_object(self, names, ...)``
  (:func:`~srcad.passes.initializer.initializer_tree`);
* an operator: a call of the method Python would call (``Vec___add__(a, b)``; ``__radd__`` with
  the operands swapped where the left operand is data and the class sets ``__array_ufunc__ =
  None``, so NumPy defers to it). Refused where Python could call another method: the right
  operand's class a subclass with the reflected method, a method that may return
  ``NotImplemented``, ``a += b`` where the class defines ``__iadd__``, a ``for`` loop over an
  object whose class defines ``__iter__``.

Anything else is left as it is with the reason in ``Objects.refusals`` (refused by pass 6 where a
gradient flows through it): the object is then built by Python, and is a constant.
"""

from __future__ import annotations

import dataclasses
import inspect
import types

import gast

from . import constructors as C
from . import foreign
from .call_building import Refusal
from .constructors import is_user_class
from . import kinds as K
from .kind_flow import Assumption
from .syntax import index_value, load, store

_SIMPLE = (int, float, complex, str, bytes, bool, type(None))


class Builds:
    """The rewritings of :class:`srcad.passes.objects._Resolver` for objects built in the
    function (mixed in; uses its ``bind``, ``located``, ``replace_call``, ``refuse``)."""

    def static_construction(self, stmt, obj) -> list | None:
        """``y = C(...)``, ``y = C.create(...)`` (a class method), ``y = dataclasses.replace(p,
        ...)`` for a static callee ``obj``; None for any other callee."""
        value = stmt.value
        if is_user_class(obj):
            return self.construct(stmt, obj, value.args, value.keywords)
        if isinstance(obj, types.MethodType) and isinstance(obj.__self__, type) \
                and isinstance(obj.__func__, types.FunctionType):
            cls = obj.__self__
            self.assume(Assumption(cls=cls, name=obj.__func__.__name__,
                                   value=inspect.getattr_static(cls, obj.__func__.__name__)))
            return [self.replace_call(stmt, obj.__func__, f"{cls.__name__}_{obj.__func__.__name__}",
                                      [load(self.bind_class(cls))] + list(value.args),
                                      value.keywords, {})]
        if obj is dataclasses.replace and len(value.args) == 1 \
                and isinstance(value.args[0], gast.Name) and value.args[0].id in self.locals:
            kind = self.kind(value.args[0].id)
            if isinstance(kind, K.Instance) and dataclasses.is_dataclass(kind.cls):
                return self.replaced(stmt, value.args[0].id, kind, value.keywords)
            self.refuse(stmt, Refusal(
                f"srcad cannot tell the class of '{value.args[0].id}' here ({kind!r}), so it "
                "cannot build the object dataclasses.replace makes (it never reads the standard "
                "library's own source)",
                f"pass '{value.args[0].id}' as an argument, or return it from a function of "
                "yours srcad reads, or build the new object with its class: C(a=..., b=...)"))
        return None

    def construct(self, stmt, cls, args, keywords) -> list:
        found = C.construction(cls)
        self.assume(Assumption(cls=cls, name="__init__", value=inspect.getattr_static(
            cls, "__init__", None)))
        for base in cls.__mro__[1:-1]:  # (a base's __init__ is read too: super().__init__)
            if "__init__" in base.__dict__:
                self.assume(Assumption(cls=base, name="__init__", value=base.__dict__["__init__"]))
        if isinstance(found, str):
            self.refuse(stmt, f"srcad cannot build {cls.__qualname__} from its attributes: "
                        f"{found}; build it outside the function and pass it in")
            return [stmt]
        if any(isinstance(a, gast.Starred) for a in args) or any(k.arg is None for k in keywords):
            self.refuse(stmt, f"srcad builds {cls.__qualname__} from arguments it can bind: "
                        "pass them without '*' or '**'")
            return [stmt]
        if found.form == "init":
            from ..runtime.instances import build
            return [self.replace_call(stmt, build, "build", [load(self.bind_class(cls))]
                                      + list(args), keywords, {})]
        try:
            bound = found.signature().bind(*args, **{k.arg: k.value for k in keywords})
        except TypeError as exc:
            self.refuse(stmt, f"{cls.__qualname__}{found.signature()}: {exc}")
            return [stmt]
        values = dict(bound.arguments)
        defaults = dict(found.defaults)
        for name, param in found.signature().parameters.items():
            if name not in values:
                defaults[name] = param.default
        return [self.built(stmt, cls, found.names, values, defaults)]

    def built(self, stmt, cls, names, values, defaults):
        """``y = new_object(cls, names, *values)``, a default where there is no value."""
        from ..runtime.instances import new_object
        operands = []
        for name in names:
            if name in values:
                operands.append(values[name])
                continue
            default = defaults.get(name, dataclasses.MISSING)
            if default is dataclasses.MISSING or type(default).__name__ == "_HAS_DEFAULT_FACTORY_CLASS":
                self.refuse(stmt, f"'{name}' of {cls.__qualname__} would be made by its "
                            "default_factory; pass it")
                return stmt
            operands.append(gast.Constant(value=default, kind=None) if isinstance(
                default, _SIMPLE) else load(self.bind(default, f"{cls.__name__}_{name}")))
        call = gast.Call(func=load(self.bind(new_object, "new_object")), args=[
            load(self.bind_class(cls)), gast.Constant(value=tuple(names), kind=None)]
            + operands, keywords=[])
        gast.copy_location(call, stmt.value)
        return self.located(gast.Assign(targets=[store(stmt.targets[0].id)], value=call,
                                        type_comment=None), stmt)

    def replaced(self, stmt, name, kind, keywords) -> list:
        """``y = p._replace(a=v)`` or ``y = dataclasses.replace(p, a=v)``: a new object of
        ``p``'s class, the other attributes read from ``p``."""
        cls = kind.cls
        found = C.construction(cls)
        if isinstance(found, str) or found.form not in ("namedtuple", "dataclass") \
                or any(k.arg is None for k in keywords):
            self.refuse(stmt, f"srcad cannot build a {cls.__qualname__} from its attributes"
                        + (f": {found}" if isinstance(found, str) else ""))
            return [stmt]
        given = {k.arg: k.value for k in keywords}
        wrong = sorted(set(given) - (set(found.names) - {n for n, _ in found.defaults}))
        if wrong:
            self.refuse(stmt, f"{cls.__qualname__} has no field its __init__ sets named "
                        f"'{wrong[0]}'")
            return [stmt]
        before = []
        values = dict(given)
        for field in found.names:
            if field in given or field in dict(found.defaults):
                continue
            local = self.namer.fresh(f"{name}_{field}")
            self.locals.add(local)
            self.objects.kinds[local] = kind.attribute(field) or K.UNKNOWN
            before.append(self.located(gast.Assign(targets=[store(local)], value=gast.Attribute(
                value=load(name), attr=field, ctx=gast.Load()), type_comment=None), stmt))
            values[field] = load(local)
        return before + [self.built(stmt, cls, found.names, values, dict(found.defaults))]

    def operator(self, stmt) -> list | None:
        """``y = a + b``, ``y = -a``: a call of the class's operator method (see the module
        docstring); None where no operand is an instance."""
        from .kind_flow import operator_method
        value = stmt.value
        operands = [value.left, value.right] if isinstance(value, gast.BinOp) else [value.operand]
        kinds = [self.kind(o.id) if isinstance(o, gast.Name) and o.id in self.locals
                 else self.outside_kind(o) for o in operands]
        if not any(K.is_object(k) for k in kinds):
            return None
        if any(foreign.is_sparse_kind(k) for k in kinds):
            reason = foreign.sparse_operator_refusal(value.op, kinds[0], kinds[-1]) \
                if len(kinds) == 2 else foreign.sparse_operator_refusal(None, None, None)
            if reason is not None:
                self.refuse(stmt, Refusal(reason, foreign.SPARSE_HINT))
            return [stmt] if reason is not None else None
        method = operator_method(value.op)
        left = kinds[0]
        if isinstance(left, K.Instance):
            right = kinds[1] if len(kinds) > 1 else None
            reflected = method.replace("__", "__r", 1)
            if isinstance(right, K.Instance) and right.cls is not left.cls \
                    and issubclass(right.cls, left.cls) and reflected in vars(right.cls):
                return self.refuse_operator(stmt, f"{right.cls.__qualname__} defines {reflected},"
                                            " which Python calls first")
            if stmt in self.normalized.augmented and inspect.getattr_static(
                    left.cls, method.replace("__", "__i", 1), None) is not None:
                return self.refuse_operator(stmt, f"{left.cls.__qualname__} defines "
                                            f"{method.replace('__', '__i', 1)}, which changes the "
                                            "object in place")
            return self.operator_call(stmt, left.cls, method, operands)
        right = kinds[1]
        reflected = method.replace("__", "__r", 1)
        if left is K.DATA and isinstance(right, K.Instance) \
                and getattr(right.cls, "__array_ufunc__", True) is None:
            return self.operator_call(stmt, right.cls, reflected, operands[::-1])
        return self.refuse_operator(stmt, "srcad calls the operator method of the left operand's "
                                    "class (a reflected one, such as __rmul__, only where the "
                                    "class sets '__array_ufunc__ = None', so that NumPy arrays "
                                    "defer to it); write the object first")

    def outside_kind(self, operand):
        """The kind of an operand that is not a local: a sparse matrix's class for a global or
        closure value that is one, or a global object's attribute (``H.A``) that is one
        (:mod:`srcad.passes.foreign`), else data."""
        found = foreign.value_kind(foreign.outside_value(operand, self.parsed, self.locals))
        return found if found is not None else K.DATA

    def operator_call(self, stmt, cls, method, operands) -> list:
        fn = inspect.getattr_static(cls, method, None)
        if not isinstance(fn, types.FunctionType):
            return self.refuse_operator(stmt, f"{cls.__qualname__} has no Python method {method}")
        try:
            source = inspect.getsource(fn)
        except (OSError, TypeError):
            source = "NotImplemented"
        if "NotImplemented" in source:
            return self.refuse_operator(stmt, f"{cls.__qualname__}.{method} may return "
                                        "NotImplemented, and Python would then try another method")
        self.assume(Assumption(cls=cls, name=method, value=fn))
        return [self.replace_call(stmt, fn, f"{cls.__name__}_{method.strip('_')}", operands, [],
                                  {})]

    def bind_class(self, cls) -> str:
        """The name the generated code reaches ``cls`` by: its own where the function sees it."""
        if cls.__name__ not in self.locals \
                and self.parsed.namespace.lookup(cls.__name__, None) is cls:
            return cls.__name__
        return self.bind(cls, cls.__name__)

    def refuse_operator(self, stmt, reason):
        self.refuse(stmt, f"srcad cannot tell which method this operator calls: {reason}")
        return [stmt]

    def item(self, stmt, name, kind) -> list:
        """``y = obj[i]``: a call of its class's ``__getitem__``."""
        if stmt in self.loop_items and (
                inspect.getattr_static(kind.cls, "__iter__", None) is not None
                or inspect.getattr_static(kind.cls, "__len__", None) is None):
            self.refuse(stmt, f"a for loop over a {kind.cls.__qualname__}, whose class defines "
                        "__iter__ or no __len__: srcad iterates with len() and indexing; loop "
                        "over range(len(...)) or over a list")
            return [stmt]
        fn = inspect.getattr_static(kind.cls, "__getitem__", None)
        if not isinstance(fn, types.FunctionType):
            self.refuse(stmt, f"{kind.cls.__qualname__} has no Python method __getitem__")
            return [stmt]
        self.assume(Assumption(cls=kind.cls, name="__getitem__", value=fn))
        index = index_value(stmt.value.slice, self.helpers.name("slice"))
        return [self.replace_call(stmt, fn, f"{kind.cls.__name__}_getitem", [load(name), index],
                                  [], {})]


def loop_items(tree, iterated) -> set:
    """The statements ``v = x[i]`` that begin the body of ``for i in range(n)`` made of ``for v
    in x`` (pass 5): ``n = len(x)`` is in ``iterated``."""
    lengths = {stmt.targets[0].id for stmt in iterated if isinstance(stmt, gast.Assign)}
    found = set()
    for node in gast.walk(tree):
        if isinstance(node, gast.For) and isinstance(node.iter, gast.Call) and node.iter.args \
                and isinstance(node.iter.args[-1], gast.Name) and node.iter.args[-1].id in lengths:
            for stmt in node.body:
                if isinstance(stmt, gast.Assign) and isinstance(stmt.value, gast.Subscript):
                    found.add(stmt)
                    break
    return found

