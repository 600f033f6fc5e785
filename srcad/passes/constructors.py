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

:func:`initializer_tree` rewrites ``__init__``'s parsed tree for srcad to differentiate (pass 1
of a call specialized with ``initializer``, :class:`~srcad.passes.parse.Specialization`): the
attributes become locals and the function returns ``new_object(self, names, *values)``
(:mod:`srcad.runtime.instances`), ``self`` holding the class; ``super().__init__(...)`` is inlined.
The rule of ``new_object`` is registered here: each value gets its attribute's adjoint.
"""

from __future__ import annotations

import abc
import copy
import dataclasses
import functools
import inspect
import types

import gast

from ..rules.registry import RULES, Rule, RuleOrigin
from ..runtime.instances import new_object

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
    if dataclasses.is_dataclass(cls) and _generated(init):
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
    found = _Rewrite(cls, init, tree).run()
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
    return hook in ("__setattr__", "__delattr__") and _generated(cls.__dict__[hook]) \
        and getattr(getattr(cls, "__dataclass_params__", None), "frozen", False)


def _generated(init) -> bool:  # the __init__ that dataclasses wrote (no source file)?
    return getattr(getattr(init, "__code__", None), "co_filename", "") == "<string>"


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


def descriptor_refusal(cls, names):
    """The reason an attribute set by ``__init__`` cannot be an instance attribute (a property,
    a slot, another descriptor of the class of that name), or None."""
    for name in names:
        static = inspect.getattr_static(cls, name, None)
        if static is not None and hasattr(type(static), "__get__") and not isinstance(
                static, (types.FunctionType, staticmethod, classmethod)):
            return (f"'{name}' is a {type(static).__name__} of {cls.__qualname__}, which "
                    f"'self.{name} = ...' would run")
    return None


# -- the rewriting of __init__ ----------------------------------------------------------------------

def initializer_tree(parsed, cls):
    """Rewrite ``parsed.tree`` (``cls``'s ``__init__`` or a base's) as described in the module
    docstring; raises :class:`~srcad.errors.UnsupportedSyntaxError` where it cannot."""
    found = _Rewrite(cls, parsed.fn, parsed.tree).run()
    if isinstance(found, str):
        from ..errors import UnsupportedSyntaxError
        raise UnsupportedSyntaxError(f"srcad cannot build {cls.__qualname__} here: {found}",
                                     parsed.location(parsed.tree))
    parsed.tree = found[0]
    parsed.namespace.extra[found[2]] = new_object


class _Refused(Exception):
    pass


class _Rewrite:
    """``__init__`` with its attributes made locals (see :func:`initializer_tree`)."""

    def __init__(self, cls, fn, tree):
        self.cls, self.fn, self.tree = cls, fn, copy.deepcopy(tree)
        self.taken = {n.id for n in gast.walk(self.tree) if isinstance(n, gast.Name)}
        self.taken |= set(fn.__globals__) | set(fn.__code__.co_freevars)
        self.attributes: dict = {}  # attribute -> its local

    def fresh(self, hint):
        name, k = hint, 1
        while name in self.taken:
            k += 1
            name = f"{hint}_{k}"
        self.taken.add(name)
        return name

    def run(self):
        params = self.tree.args.posonlyargs + self.tree.args.args
        if not params:
            return f"{self.cls.__qualname__}.__init__ takes no 'self'"
        self_name = params[0].id
        try:
            body = self.body(self.tree.body, self_name, self.fn, self.owner(self.fn))
        except _Refused as exc:
            return str(exc)
        refusal = descriptor_refusal(self.cls, self.attributes)
        if refusal is not None:
            return refusal
        names = tuple(self.attributes)
        maker = self.fresh("new_object")
        last = self.tree.body[-1] if self.tree.body else self.tree
        call = gast.Call(func=_name(maker), args=[_name(self_name), gast.Constant(
            value=names, kind=None)] + [_name(v) for v in self.attributes.values()], keywords=[])
        ret = gast.Return(value=call)
        for node in gast.walk(ret):
            gast.copy_location(node, last)
            node.end_lineno, node.end_col_offset = last.end_lineno, last.end_col_offset
        self.tree.body = body + [ret]
        return self.tree, names, maker

    def owner(self, fn):
        for c in self.cls.__mro__:
            if c.__dict__.get("__init__") is fn:
                return c
        raise _Refused(f"srcad cannot tell which class of {self.cls.__qualname__} defines "
                       f"{fn.__qualname__}")

    def refuse(self, node, what):
        raise _Refused(f"{self.fn.__qualname__} {what} (line {getattr(node, 'lineno', '?')}); "
                       "srcad builds an object from the attributes its __init__ sets, when "
                       "__init__ does nothing else with 'self'")

    def body(self, stmts, self_name, fn, owner) -> list:
        out = []
        for stmt in stmts:
            if isinstance(stmt, gast.Expr) and _super_init(stmt.value):
                out += self.inline_super(stmt, self_name, fn, owner)
                continue
            for node in gast.walk(stmt):
                if isinstance(node, gast.Return):
                    self.refuse(node, "returns early")
                if isinstance(node, (gast.FunctionDef, gast.Lambda, gast.ClassDef)) \
                        and _mentions(node, self_name):
                    self.refuse(node, "uses 'self' in a nested function")
            if isinstance(stmt, (gast.Assign, gast.AugAssign, gast.AnnAssign)):
                value = getattr(stmt, "value", None)
                if value is not None:
                    stmt.value = self.reads(value, self_name)
                targets = stmt.targets if isinstance(stmt, gast.Assign) else [stmt.target]
                new_targets = [self.target(t, self_name, isinstance(stmt, gast.AugAssign))
                               for t in targets]
                if isinstance(stmt, gast.Assign):
                    stmt.targets = new_targets
                else:
                    stmt.target = new_targets[0]
                    if isinstance(stmt, gast.AnnAssign) and isinstance(stmt.target, gast.Name):
                        stmt.simple = 1
            if _mentions(stmt, self_name):
                node = next(n for n in gast.walk(stmt) if isinstance(n, gast.Name)
                            and n.id == self_name)
                self.refuse(node, "uses 'self' otherwise than to set an attribute at its top "
                            "level or read one it set")
            out.append(stmt)
        return out

    def target(self, node, self_name, augmented):
        if _self_attribute(node, self_name):
            if augmented and node.attr not in self.attributes:
                self.refuse(node, f"changes 'self.{node.attr}' before setting it")
            if node.attr not in self.attributes:
                self.attributes[node.attr] = self.fresh(f"{self_name}_{node.attr}")
            return gast.copy_location(gast.Name(id=self.attributes[node.attr], ctx=gast.Store(),
                                                annotation=None, type_comment=None), node)
        if isinstance(node, (gast.Tuple, gast.List)):
            node.elts = [self.target(e, self_name, augmented) for e in node.elts]
            return node
        if isinstance(node, gast.Starred):
            node.value = self.target(node.value, self_name, augmented)
            return node
        return self.reads(node, self_name)

    def reads(self, node, self_name):
        """``node`` with each ``self.a`` read of an attribute set before made its local."""
        attributes = self.attributes
        refuse = self.refuse

        class Reads(gast.NodeTransformer):
            def visit_Attribute(self, n):
                if _self_attribute(n, self_name) and isinstance(n.ctx, gast.Load):
                    if n.attr not in attributes:
                        refuse(n, f"reads 'self.{n.attr}' before it sets it")
                    return gast.copy_location(gast.Name(id=attributes[n.attr], ctx=gast.Load(),
                                                        annotation=None, type_comment=None), n)
                self.generic_visit(n)
                return n
        return Reads().visit(node)

    def inline_super(self, stmt, self_name, fn, owner) -> list:
        """``super().__init__(args)``: the base's ``__init__`` body, its locals renamed, after
        its parameters are assigned the arguments."""
        call = stmt.value
        mro = self.cls.__mro__
        base = next(c for c in mro[mro.index(owner) + 1:] if "__init__" in c.__dict__)
        init = base.__dict__["__init__"]
        if init is object.__init__:
            if call.args or call.keywords:
                self.refuse(stmt, "passes arguments to object.__init__")
            return []
        if not isinstance(init, types.FunctionType) or _generated(init):
            self.refuse(stmt, f"calls the __init__ of {base.__qualname__}, which is not a "
                        "Python function srcad reads")
        if init.__globals__ is not fn.__globals__ or set(init.__code__.co_freevars) - {
                "__class__"}:
            self.refuse(stmt, f"calls the __init__ of {base.__qualname__}, defined in another "
                        "module or scope")
        if any(isinstance(a, gast.Starred) for a in call.args) or any(
                k.arg is None for k in call.keywords):
            self.refuse(stmt, "passes '*' or '**' arguments to super().__init__")
        from .parse import parse
        tree = copy.deepcopy(parse(init).tree)
        params = [a.id for a in tree.args.posonlyargs + tree.args.args]
        args = tree.args
        if args.vararg is not None or args.kwarg is not None or args.kwonlyargs:
            self.refuse(stmt, f"calls {init.__qualname__}, which takes '*', '**' or keyword-only "
                        "parameters")
        if len(call.args) + 1 > len(params):
            self.refuse(stmt, f"passes too many arguments to {init.__qualname__}")
        renamed = {params[0]: self_name}
        local = {n.id for n in gast.walk(tree) if isinstance(n, gast.Name)
                 and isinstance(n.ctx, (gast.Store, gast.Param))} - {params[0]}
        for name in sorted(local):
            renamed[name] = self.fresh(f"{base.__name__.lower()}_{name}")
        bound = dict(zip(params[1:], call.args))
        for k in call.keywords:
            if k.arg not in params[1:] or k.arg in bound:
                self.refuse(stmt, f"passes '{k.arg}' to {init.__qualname__}, which cannot take it")
            bound[k.arg] = k.value
        defaults = dict(zip(params[len(params) - len(init.__defaults__ or ()):],
                            init.__defaults__ or ()))
        out = []
        for p in params[1:]:
            if p in bound:
                value = self.reads(bound[p], self_name)
            elif p in defaults and isinstance(defaults[p], (int, float, complex, str, bool,
                                                            type(None))):
                value = gast.Constant(value=defaults[p], kind=None)
            else:
                self.refuse(stmt, f"leaves the parameter '{p}' of {init.__qualname__} to a "
                            "default srcad does not copy (or passes nothing for it)")
            assign = gast.Assign(targets=[gast.Name(id=renamed[p], ctx=gast.Store(),
                                                    annotation=None, type_comment=None)],
                                 value=value, type_comment=None)
            out.append(_located(assign, stmt))
        for node in gast.walk(tree):
            if isinstance(node, gast.Name) and node.id in renamed:
                node.id = renamed[node.id]
        return out + self.body(tree.body, self_name, init, base)


def _located(new, old):
    for node in gast.walk(new):
        gast.copy_location(node, old)
        node.end_lineno, node.end_col_offset = old.end_lineno, old.end_col_offset
    return new


def _name(name):
    return gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None)


def _self_attribute(node, self_name) -> bool:
    return isinstance(node, gast.Attribute) and isinstance(node.value, gast.Name) \
        and node.value.id == self_name


def _mentions(node, name) -> bool:
    return any(isinstance(n, gast.Name) and n.id == name for n in gast.walk(node))


def _super_init(value) -> bool:
    """``super().__init__(...)``."""
    return isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute) \
        and value.func.attr == "__init__" and isinstance(value.func.value, gast.Call) \
        and isinstance(value.func.value.func, gast.Name) and value.func.value.func.id == "super" \
        and not value.func.value.args
