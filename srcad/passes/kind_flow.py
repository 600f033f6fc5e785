"""Part of pass 6, ops: the kinds of a function's locals (:mod:`srcad.passes.kinds`), and what
knowing them assumed.

Accepts: the A-normal form of pass 5 and its :class:`~srcad.passes.parse.Parsed` (``kinds``: the
kinds of the parameters that hold objects, ``static``: the functions its parameters hold).
Guarantees: :meth:`KindFlow.run` gives the kind of every local, the join of the kinds of every
value assigned to it (a flow-insensitive fixpoint: a local assigned a layer of one class in one
place and of another elsewhere may hold either). Parameters not described by the specialization
are UNKNOWN; results of operations with a rule on no object are DATA; an object the function
builds is an Instance of its class with its attributes' kinds (:mod:`srcad.passes.kind_eval`);
what a call of the user's function, method or operator method returns has the kind read from its
source where srcad can follow it (:func:`~srcad.passes.kind_eval.call_result`), else UNKNOWN; a
list the function fills itself (:mod:`srcad.passes.kind_lists`) is a ListOf its entries' kinds. Where a kind comes from an object read by a global or closure name
(:func:`static_kind`), an :class:`Assumption` is kept in ``parsed.assumptions``, which the guard of
the transformation checks at every call. :func:`narrow` and :func:`decided_by_none` are what an
``isinstance`` test and a test of ``None`` tell of a kind, for :mod:`srcad.passes.objects`.
"""

from __future__ import annotations

import builtins
import dataclasses
import inspect
import types

import gast

from . import array_namespaces, constructors, foreign, kind_eval
from .constructors import is_user_class
from .kind_lists import growing_lists
from . import kinds as K
from .holders import is_static, resolve_static
from .parse import dotted_name
from ..runtime.instances import build, new_object

SUPER = K._Named("SUPER")  # the kind of 'super()' (see srcad.passes.objects)


class Assumption:
    """What a transformation assumed of a value it read by name, checked again at every call:
    ``holds()`` is false once the global object ``expression`` has another kind (a layer replaced,
    an attribute rebound), or the class attribute ``name`` of ``cls`` is another object (a method
    redefined)."""

    def __init__(self, namespace=None, expression=None, kind=None, cls=None, name=None,
                 value=None):
        self.namespace, self.expression, self.kind = namespace, expression, kind
        self.cls, self.name, self.value = cls, name, value

    def holds(self) -> bool:
        try:
            if self.cls is not None:
                return inspect.getattr_static(self.cls, self.name, None) is self.value
            root, *attrs = self.expression.split(".")
            obj = self.namespace.lookup(root)
            for attr in attrs:
                obj = getattr(obj, attr)
            return K.kind_of(obj) == self.kind
        except Exception:  # noqa: BLE001 -- gone, or raising now: transform again
            return False


class KindFlow:
    """The kinds of the locals of one function in A-normal form (see the module docstring)."""

    def __init__(self, parsed, tree, locals_):
        self.parsed, self.tree, self.locals = parsed, tree, locals_
        self.params = [a.id for a in tree.args.posonlyargs + tree.args.args
                       + tree.args.kwonlyargs]
        self.kinds: dict = {}

    def run(self) -> dict:
        self.growing = growing_lists(self.tree, self.params)
        for _ in range(20):  # a fixpoint: kinds only grow (join), so this ends
            before = dict(self.kinds)
            self.kinds = {p: self.parameter_kind(p) for p in self.params}
            self.infer(self.tree.body, before)
            if self.kinds == before:
                return {n: K.data_lists(k) for n, k in self.kinds.items()}
        return {n: K.UNKNOWN for n in self.kinds}

    def parameter_kind(self, name):
        if name in self.parsed.kinds:
            return self.parsed.kinds[name]
        if name in self.parsed.static:
            return K.Function(self.parsed.static[name])
        return K.UNKNOWN

    def infer(self, stmts, previous):
        for stmt in stmts:
            if isinstance(stmt, (gast.If, gast.While)):
                self.infer(stmt.body, previous)
                self.infer(stmt.orelse, previous)
            elif isinstance(stmt, gast.For):
                if isinstance(stmt.target, gast.Name):
                    self.bind_kind(stmt.target.id, self.loop_kind(stmt.iter))
                self.infer(stmt.body, previous)
            elif isinstance(stmt, gast.Assign):
                target = stmt.targets[0]
                if isinstance(target, gast.Name) and target.id in self.growing \
                        and isinstance(stmt.value, gast.List) and not stmt.value.elts:
                    self.bind_kind(target.id, K.ListOf(None))  # (a list the function fills)
                elif isinstance(target, gast.Name) and array_namespaces.getter_call(
                        stmt.value, self.parsed, self.locals):  # xp = array_namespace(x)
                    module = self.parsed.namespaces.get(target.id)
                    self.bind_kind(target.id, K.UNKNOWN if module is None else K.Function(module))
                elif isinstance(target, gast.Name):
                    self.bind_kind(target.id, self.value_kind(stmt.value, previous))
                elif isinstance(target, gast.Tuple):
                    parts = K.tuple_items(self.value_kind(stmt.value, previous), len(target.elts))
                    for t, kind in zip(target.elts, parts):
                        self.bind_kind(t.id, kind)
                elif isinstance(target, gast.Subscript) and isinstance(target.value, gast.Name) \
                        and self.atom_kind(stmt.value, previous) not in (K.DATA, K.NONE):
                    self.bind_kind(target.value.id, K.UNKNOWN)  # a list of objects changed
            elif isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Call) \
                    and isinstance(stmt.value.func, gast.Attribute) \
                    and isinstance(stmt.value.func.value, gast.Name) and stmt.value.args \
                    and self.atom_kind(stmt.value.args[-1], previous) not in (K.DATA, K.NONE):
                name = stmt.value.func.value.id
                if name in self.growing and stmt.value.func.attr == "append":
                    self.bind_kind(name, K.ListOf(self.atom_kind(stmt.value.args[-1], previous)))
                else:
                    self.bind_kind(name, K.UNKNOWN)  # items.insert(0, layer)

    def bind_kind(self, name, kind):
        self.kinds[name] = K.join(self.kinds.get(name), kind)

    def loop_kind(self, it):
        if isinstance(it, gast.Call) and dotted_name(it.func) == "range":
            return K.DATA
        if is_static(it, self.locals):
            return K.element(static_kind(self.parsed, it))
        return K.UNKNOWN

    def atom_kind(self, node, previous):
        if isinstance(node, gast.Name) and node.id in self.locals:
            found = self.kinds.get(node.id)
            return found if found is not None else previous.get(node.id, K.DATA if node.id
                                                                not in self.params else K.UNKNOWN)
        if isinstance(node, gast.Constant):
            return K.NONE if node.value is None else K.DATA
        if is_static(node, self.locals):
            return static_kind(self.parsed, node)
        return K.UNKNOWN

    def display(self, node, kind_of):
        items = tuple(kind_of(e) for e in node.elts)
        if all(k is K.DATA or k is K.NONE for k in items):
            return K.DATA
        return K.Sequence(list if isinstance(node, gast.List) else tuple, items)

    def value_kind(self, value, previous):
        atom = lambda node: self.atom_kind(node, previous)  # noqa: E731
        if isinstance(value, (gast.Name, gast.Constant)) or (
                isinstance(value, gast.Attribute) and is_static(value, self.locals)):
            return atom(value)
        if isinstance(value, gast.Attribute):
            return attribute_kind(atom(value.value), value.attr)
        if isinstance(value, gast.Subscript):
            base = atom(value.value)
            index = value.slice
            if base is K.DATA:
                return K.DATA
            if isinstance(base, K.Instance) and not issubclass(base.cls, tuple):
                return kind_eval.method_result(base, "__getitem__", [atom(index)], {})
            if isinstance(index, gast.Constant):
                return K.item(base, index.value)
            if isinstance(index, gast.Slice) and isinstance(base, K.Sequence) and all(
                    p is None or isinstance(p, gast.Constant) for p in
                    (index.lower, index.upper, index.step)):
                parts = [None if p is None else p.value for p in (index.lower, index.upper,
                                                                   index.step)]
                return K.Sequence(base.cls, base.items[slice(*parts)])
            return K.element(base) if not isinstance(index, gast.Slice) else K.UNKNOWN
        if isinstance(value, (gast.Tuple, gast.List)):
            return self.display(value, atom)
        if isinstance(value, gast.Dict):
            items = tuple((k.value, atom(v)) for k, v in zip(value.keys, value.values))
            return K.DATA if all(k is K.DATA or k is K.NONE for _, k in items) \
                else K.Mapping(items)
        if isinstance(value, gast.BinOp):
            left, right = atom(value.left), atom(value.right)
            if isinstance(value.op, gast.Add) and (isinstance(left, K.Sequence)
                                                   or isinstance(right, K.Sequence)):
                return K.concatenated(left, right)
            if foreign.is_sparse_kind(left) or foreign.is_sparse_kind(right):
                return foreign.product_kind(value.op, left, right)
            if isinstance(left, K.Instance) and K.is_object(left):
                return kind_eval.method_result(left, operator_method(value.op), [right], {})
            if left is K.DATA and isinstance(right, K.Instance) \
                    and getattr(right.cls, "__array_ufunc__", True) is None:  # (see constructed)
                return kind_eval.method_result(right, operator_method(value.op).replace(
                    "__", "__r", 1), [left], {})
            if K.is_object(left) or K.is_object(right) or isinstance(left, K.Sequence) \
                    or isinstance(right, K.Sequence) or K.holds_objects(left) \
                    or K.holds_objects(right):
                return K.UNKNOWN
            return K.DATA
        if isinstance(value, gast.UnaryOp) and isinstance(atom(value.operand), K.Instance):
            return kind_eval.method_result(atom(value.operand), operator_method(value.op), [], {})
        if isinstance(value, gast.Call):
            return self.call_kind(value, atom)
        return K.DATA  # comparisons, boolean operators, f-strings

    def call_kind(self, call, atom):
        from .. import rules
        args = [atom(a) for a in call.args] + [atom(k.value) for k in call.keywords]
        func = call.func
        keywords = {k.arg: atom(k.value) for k in call.keywords if k.arg is not None}
        if isinstance(func, gast.Attribute) and not is_static(func, self.locals):
            receiver = atom(func.value)
            if receiver is K.DATA:
                return K.DATA  # an array method
            if isinstance(receiver, K.Function) and isinstance(receiver.fn, types.ModuleType):
                obj = getattr(receiver.fn, func.attr, None)
            elif isinstance(receiver, K.Instance):
                positional = [atom(a) for a in call.args]
                if func.attr == "_replace" and K.is_object(receiver) \
                        and constructors.is_namedtuple_class(receiver.cls):
                    return replaced_kind(receiver, keywords)
                return kind_eval.method_result(receiver, func.attr, positional, keywords)
            else:
                return K.UNKNOWN
        elif isinstance(func, gast.Name) and func.id in self.locals:
            kind = atom(func)
            if not isinstance(kind, K.Function):
                return K.UNKNOWN
            obj = kind.fn
        elif is_static(func, self.locals):
            try:
                obj = resolve_static(func, self.parsed)
            except Exception:  # noqa: BLE001 -- (reported by pass 6)
                return K.UNKNOWN
        else:
            return K.UNKNOWN
        if obj is builtins.super:
            return SUPER
        if (sparse := foreign.call_result_kind(obj)) is not None:
            return sparse
        if obj is build and call.args:  # (in generated code: an object built by __init__)
            cls = self.atom_kind(call.args[0], {})
            if isinstance(cls, K.Function) and isinstance(cls.fn, type):
                return kind_eval.construction_kind(cls.fn, args[1:len(call.args)], keywords)
            return K.UNKNOWN
        if obj is new_object and len(call.args) >= 2:  # (in generated code: an object built)
            cls, names = self.atom_kind(call.args[0], {}), _constant_names(call.args[1])
            if isinstance(cls, K.Function) and isinstance(cls.fn, type) and names is not None:
                return K.Instance(cls.fn, tuple(zip(names, args[2:])))
            return K.UNKNOWN
        if obj in (builtins.list, builtins.tuple) and len(args) == 1 \
                and isinstance(args[0], K.Sequence):
            return K.Sequence(obj, args[0].items)
        if obj is builtins.list and len(args) == 1 and isinstance(args[0], K.ListOf):
            return args[0]
        if obj is dataclasses.replace and call.args and isinstance(args[0], K.Instance) \
                and dataclasses.is_dataclass(args[0].cls):
            return replaced_kind(args[0], keywords)
        if is_user_class(obj):  # an object the function makes
            return kind_eval.construction_kind(obj, [atom(a) for a in call.args], keywords)
        if isinstance(obj, types.MethodType) and isinstance(obj.__self__, type) \
                and isinstance(obj.__func__, types.FunctionType):  # Model.create(W)
            return kind_eval.call_result(obj.__func__, [K.Function(obj.__self__)]
                                         + [atom(a) for a in call.args], keywords)
        if isinstance(obj, types.FunctionType) and rules.lookup(obj) is None:
            return kind_eval.call_result(obj, [atom(a) for a in call.args], keywords)
        rule = rules.lookup(obj) if not isinstance(obj, (list, dict)) else None
        if rule is not None and not any(K.is_object(a) or isinstance(a, (K.Sequence, K.Mapping))
                                        or K.holds_objects(a) for a in args):
            return K.DATA
        return K.UNKNOWN


def attribute_kind(kind, attr):
    from .. import rules
    if isinstance(kind, K.Union):
        found = None
        for option in kind.options:
            found = K.join(found, attribute_kind(option, attr))
        return found
    if isinstance(kind, K.Instance):
        static = inspect.getattr_static(kind.cls, attr, None)
        if isinstance(static, property) or (hasattr(type(static), "__get__")
                                            and hasattr(type(static), "__set__")
                                            and kind.attribute(attr) is None):
            return K.UNKNOWN  # a property: what its getter returns
        if kind.attribute(attr) is not None:
            return kind.attribute(attr)
        if static is not None and not hasattr(type(static), "__get__"):
            return K.kind_of(static)  # a class attribute
        return K.UNKNOWN
    if isinstance(kind, K.Function) and isinstance(kind.fn, types.ModuleType):
        return K.kind_of(getattr(kind.fn, attr, None))
    if kind is K.DATA or attr in rules.NONDIFF_ATTRIBUTES or attr in rules.ATTRIBUTES:
        return K.DATA
    return K.UNKNOWN


def static_kind(parsed, node):
    """The kind of a static expression (``MODEL``, ``MODEL.layers``, ``(1, 2)``). Where it reaches
    an object (not a module, not a function), that object's kind is an assumption of the
    transformation (``parsed.assumptions``), checked again at every call."""
    if isinstance(node, gast.Constant):
        return K.NONE if node.value is None else K.DATA
    if isinstance(node, (gast.Tuple, gast.List)):
        items = tuple(static_kind(parsed, e) for e in node.elts)
        return K.DATA if all(k is K.DATA or k is K.NONE for k in items) else K.Sequence(
            list if isinstance(node, gast.List) else tuple, items)
    try:
        value = resolve_static(node, parsed)
    except Exception:  # noqa: BLE001 -- an undefined name: the fence has said so already
        return K.UNKNOWN
    kind = K.kind_of(value)
    name = dotted_name(node if not isinstance(node, gast.Subscript) else node.value)
    if name is not None and kind is not K.DATA and kind is not K.NONE:
        parts = name.split(".")
        obj, k = parsed.namespace.lookup(parts[0], None), 1
        while isinstance(obj, types.ModuleType) and k < len(parts):
            obj, k = getattr(obj, parts[k], None), k + 1
        root = K.kind_of(obj)
        if isinstance(root, (K.Instance, K.Sequence, K.Mapping)):
            assume(parsed, Assumption(parsed.namespace, ".".join(parts[:k]), root))
    return kind


def assume(parsed, assumption):
    """Keep ``assumption`` with the transformation of ``parsed`` (once)."""
    for old in parsed.assumptions:
        if old.cls is assumption.cls and old.name == assumption.name \
                and old.expression == assumption.expression \
                and old.namespace is assumption.namespace:
            return
    parsed.assumptions.append(assumption)


def narrow(kind, cls) -> tuple:
    """``(inside, outside)``: the kinds a value of kind ``kind`` has where ``isinstance(value,
    cls)`` is true and where it is false (None: no narrowing known)."""
    options = list(kind.options) if isinstance(kind, K.Union) else [kind]
    inside = [o for o in options if isinstance(o, K.Instance) and issubclass(o.cls, cls)]
    outside = [o for o in options if not (isinstance(o, K.Instance) and issubclass(o.cls, cls))]
    if not inside and kind is K.UNKNOWN:
        inside = [K.Instance(cls, None)]
    return joined(inside), joined(outside)


def isinstance_test(value, parsed, locals_):
    """``(x, C)`` for ``isinstance(x, C)``, ``x`` a local and ``C`` a class; else None."""
    if not (isinstance(value, gast.Call) and len(value.args) == 2 and not value.keywords
            and isinstance(value.args[0], gast.Name) and value.args[0].id in locals_
            and is_static(value.func, locals_) and is_static(value.args[1], locals_)):
        return None
    try:
        fn = resolve_static(value.func, parsed)
        cls = resolve_static(value.args[1], parsed)
    except Exception:  # noqa: BLE001 -- (reported by pass 6)
        return None
    return (value.args[0].id, cls) if fn is builtins.isinstance and isinstance(cls, type) \
        else None


def decided_by_none(value, path_kind):
    """For ``x.a is None`` (or ``is not None``): its value where the kinds decide it
    (``path_kind(x.a)``), else None."""
    if not (isinstance(value, gast.Compare) and len(value.ops) == 1
            and isinstance(value.ops[0], (gast.Is, gast.IsNot))
            and isinstance(value.comparators[0], gast.Constant)
            and value.comparators[0].value is None):
        return None
    none = K.may_be_none(path_kind(value.left))
    return None if none is None else none == isinstance(value.ops[0], gast.Is)


def joined(options):
    """The join of ``options`` (None for none)."""
    found = None
    for option in options:
        found = K.join(found, option)
    return found


def operator_method(op) -> str:
    """``__add__`` for ``+``, ... (``__op__`` for an operator without one srcad follows)."""
    return f"__{kind_eval.OPERATORS.get(type(op), 'op')}__"


def replaced_kind(kind, keywords):
    """The kind of ``p._replace(a=...)`` / ``dataclasses.replace(p, a=...)``."""
    if kind.attributes is None:
        return K.Instance(kind.cls, None)
    return K.Instance(kind.cls, tuple((n, keywords.get(n, k)) for n, k in kind.attributes))


def _constant_names(node):
    """The names of ``new_object(cls, names, ...)``: a constant tuple of strings, or None."""
    if isinstance(node, gast.Constant) and isinstance(node.value, tuple):
        return node.value
    if isinstance(node, gast.Tuple) and all(isinstance(e, gast.Constant) for e in node.elts):
        return tuple(e.value for e in node.elts)
    return None
