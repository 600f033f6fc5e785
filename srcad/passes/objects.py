"""Part of pass 6, ops: what the objects of a function are, and calls of their methods made calls of
the user's functions.

Accepts: the A-normal form of pass 5 (:class:`~srcad.passes.anf.Normalized`), its
:class:`~srcad.passes.parse.Parsed` (``kinds``: the kinds of the parameters that hold objects, from
the arguments of the call being differentiated, see :mod:`srcad.api.specialize`), its namer and
:class:`~srcad.rules.template.Helpers`.
Guarantees: :func:`resolve` rewrites the tree in place and returns :class:`Objects`, the
:mod:`~srcad.passes.kinds` of every local (also set as ``parsed.objects``). Where the class of an
object is known (its kind is an :class:`~srcad.passes.kinds.Instance`):

* ``y = obj(a)`` becomes ``y = C_call(obj, a)``, ``y = obj.m(a)`` ``y = C_m(obj, a)``, ``y =
  super().m(a)`` ``y = B_m(self, a)`` (the function found along the class's MRO, bound to a name of
  the generated code), and a property read ``y = obj.p`` ``y = C_p(obj)`` (its getter): calls of
  the user's functions, which pass 6 classifies like any other (``obj`` an argument, so a gradient
  reaches its attributes too). A static method is called without ``obj``;
* ``y = obj.attr(a)`` where ``attr`` is an instance attribute holding a callable becomes ``f = obj.attr``
  then ``y = f(a)`` resolved by ``f``'s kind (a layer, a function);
* where a variable may hold objects of several classes (``for layer in layers`` over layers of two
  classes, a kind :class:`~srcad.passes.kinds.Union`), the call becomes an ``if`` on
  ``isinstance(obj, C)`` per class (subclasses first; the last class is the ``else``), each branch
  calling its class's function: ordinary control flow, which both modes differentiate;
* a variable holding one known function (``act = self.act``) is entered in ``parsed.static``, so
  ``act(h)`` is a call of that function.

A call srcad cannot resolve so (a method written in C, an attribute the class does not have, a
variable of unknown class) is left as it is, with the reason in ``Objects.refusals``: pass 6 refuses
it, at its line, if a gradient flows through it -- a user object's call is never a constant. What
the resolution assumed of values read by name (a global object's kind, a class's attribute) is kept
in ``parsed.assumptions`` (:class:`Assumption`), which the guard of the transformation checks at
every call (:class:`srcad.results.Guard`), so a changed object is transformed again.
"""

from __future__ import annotations

import builtins
import dataclasses
import inspect
import types

import gast

from . import kinds as K
from .holders import is_static, resolve_static
from .parse import dotted_name
from .syntax import load, store


@dataclasses.dataclass
class Objects:
    """The kinds of a function's locals, and what pass 6 needs of the rewriting."""

    kinds: dict                                            # local -> kind
    refined: dict = dataclasses.field(default_factory=dict)   # call node -> {name: kind}
    refusals: dict = dataclasses.field(default_factory=dict)  # statement value -> reason

    def kind(self, name, node=None):
        """The kind of the local ``name`` (at the call ``node``, inside a branch of a dispatch)."""
        refined = self.refined.get(node) if node is not None else None
        if refined and name in refined:
            return refined[name]
        return self.kinds.get(name, K.UNKNOWN)


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


_SUPER = K._Named("SUPER")  # the kind of 'super()' (see _Resolver.super_call)


def resolve(parsed, normalized, namer, helpers) -> Objects:
    """See the module docstring."""
    resolver = _Resolver(parsed, normalized, namer, helpers)
    resolver.run()
    parsed.objects = resolver.objects
    return resolver.objects


class _Resolver:
    def __init__(self, parsed, normalized, namer, helpers):
        self.parsed, self.normalized, self.namer, self.helpers = parsed, normalized, namer, helpers
        self.locals = set(normalized.locals)
        self.objects = Objects({})
        self.supers: dict = {}  # local holding super() -> (class it starts after, self's name)
        self.tests: dict = {}  # 'cond = isinstance(x, C)': cond -> (x, C)
        self.refine: dict = {}  # the narrowings in force where a statement is rewritten
        self.new_locals: set = set()

    # -- kinds -----------------------------------------------------------------------------------

    def run(self):
        tree = self.normalized.tree
        params = [a.id for a in tree.args.posonlyargs + tree.args.args + tree.args.kwonlyargs]
        self.params = params
        for _ in range(20):  # a fixpoint: kinds only grow (join), so this ends
            before = dict(self.objects.kinds)
            self.objects.kinds = {}
            for p in params:
                self.objects.kinds[p] = self.parameter_kind(p)
            self.infer(tree.body, before)
            if self.objects.kinds == before:
                break
        else:
            self.objects.kinds = {n: K.UNKNOWN for n in self.objects.kinds}
        for name, kind in self.objects.kinds.items():
            if isinstance(kind, K.Function) and name not in self.parsed.static:
                self.parsed.static[name] = kind.fn  # 'act(h)' calls that function
        tree.body = self.block(tree.body)
        self.normalized.locals = frozenset(self.locals)
        for stmt in list(self.normalized.iterated):  # a loop over a known list needs no check
            if isinstance(self.objects.kind(self.normalized.iterated[stmt]), K.Sequence):
                del self.normalized.iterated[stmt]

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
                if isinstance(target, gast.Name):
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
                    and self.atom_kind(stmt.value.args[0], previous) not in (K.DATA, K.NONE):
                self.bind_kind(stmt.value.func.value.id, K.UNKNOWN)  # items.append(layer)

    def bind_kind(self, name, kind):
        self.objects.kinds[name] = K.join(self.objects.kinds.get(name), kind)

    def loop_kind(self, it):
        if isinstance(it, gast.Call) and dotted_name(it.func) == "range":
            return K.DATA
        if is_static(it, self.locals):
            return K.element(self.static_kind(it))
        return K.UNKNOWN

    def atom_kind(self, node, previous):
        if isinstance(node, gast.Name) and node.id in self.locals:
            found = self.objects.kinds.get(node.id)
            return found if found is not None else previous.get(node.id, K.DATA if node.id
                                                                not in self.params else K.UNKNOWN)
        if isinstance(node, gast.Constant):
            return K.NONE if node.value is None else K.DATA
        if is_static(node, self.locals):
            return self.static_kind(node)
        return K.UNKNOWN

    def static_kind(self, node):
        return static_kind(self.parsed, node)

    def assume(self, assumption):
        assume(self.parsed, assumption)

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
            return self.attribute_kind(atom(value.value), value.attr)
        if isinstance(value, gast.Subscript):
            base = atom(value.value)
            index = value.slice
            if base is K.DATA:
                return K.DATA
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
            if K.is_object(left) or K.is_object(right) or isinstance(left, K.Sequence) \
                    or isinstance(right, K.Sequence):
                return K.UNKNOWN
            return K.DATA
        if isinstance(value, gast.Call):
            return self.call_kind(value, atom)
        return K.DATA  # comparisons, boolean operators, f-strings

    def attribute_kind(self, kind, attr):
        from .. import rules
        if isinstance(kind, K.Union):
            found = None
            for option in kind.options:
                found = K.join(found, self.attribute_kind(option, attr))
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

    def call_kind(self, call, atom):
        from .. import rules
        args = [atom(a) for a in call.args] + [atom(k.value) for k in call.keywords]
        func = call.func
        if isinstance(func, gast.Attribute) and not is_static(func, self.locals):
            receiver = atom(func.value)
            if receiver is K.DATA:
                return K.DATA  # an array method
            if isinstance(receiver, K.Function) and isinstance(receiver.fn, types.ModuleType):
                obj = getattr(receiver.fn, func.attr, None)
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
            return _SUPER
        if obj in (builtins.list, builtins.tuple) and len(args) == 1 \
                and isinstance(args[0], K.Sequence):
            return K.Sequence(obj, args[0].items)
        if isinstance(obj, type) and rules.lookup(obj) is None and not issubclass(
                obj, (int, float, complex, str, bytes, list, tuple, dict, set)) \
                and obj.__new__ is object.__new__:
            return K.Instance(obj, None)  # an object the function makes
        rule = rules.lookup(obj) if not isinstance(obj, (list, dict)) else None
        if rule is not None and not any(K.is_object(a) or isinstance(a, (K.Sequence, K.Mapping))
                                        for a in args):
            return K.DATA
        return K.UNKNOWN

    # -- rewriting -------------------------------------------------------------------------------

    def block(self, stmts, refine=None) -> list:
        """The statements rewritten; ``refine``: the kinds ``isinstance`` tests narrowed here."""
        refine = dict(refine or {})
        out = []
        for stmt in stmts:
            if isinstance(stmt, gast.If):
                body, orelse = self.narrowed(stmt, refine)
                stmt.body = self.block(stmt.body, body)
                stmt.orelse = self.block(stmt.orelse, orelse)
                out.append(stmt)
            elif isinstance(stmt, gast.While):
                stmt.body = self.block(stmt.body, refine)
                out.append(stmt)
            elif isinstance(stmt, gast.For):
                stmt.body = self.block(stmt.body, refine)
                out.append(stmt)
            elif isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name):
                self.refine = refine
                self.note_test(stmt)
                new = self.statement(stmt)
                for part in new:  # what the calls here are passed, narrowed (their callees')
                    for node in gast.walk(part):
                        if isinstance(node, gast.Call) and refine:
                            self.objects.refined[node] = {**refine,
                                                          **self.objects.refined.get(node, {})}
                out += new
            else:
                out.append(stmt)
        return out

    def kind(self, name):
        """The kind of ``name`` here (narrowed by an ``isinstance`` test around)."""
        return self.refine[name] if name in self.refine else self.objects.kind(name)

    def note_test(self, stmt):
        """``cond = isinstance(x, C)``: remember it, to narrow ``x`` under ``if cond``;
        ``cond = x.attr is None`` (or ``is not None``), decided by the kinds: remember the
        decision."""
        value = stmt.value
        self.tests.pop(stmt.targets[0].id, None)
        if isinstance(value, gast.Compare) and len(value.ops) == 1 \
                and isinstance(value.ops[0], (gast.Is, gast.IsNot)) \
                and isinstance(value.comparators[0], gast.Constant) \
                and value.comparators[0].value is None:
            none = K.may_be_none(self.path_kind(value.left))
            if none is not None:
                self.tests[stmt.targets[0].id] = none == isinstance(value.ops[0], gast.Is)
            return
        if not (isinstance(value, gast.Call) and len(value.args) == 2 and not value.keywords
                and isinstance(value.args[0], gast.Name) and value.args[0].id in self.locals
                and is_static(value.func, self.locals) and is_static(value.args[1], self.locals)):
            return
        try:
            fn = resolve_static(value.func, self.parsed)
            cls = resolve_static(value.args[1], self.parsed)
        except Exception:  # noqa: BLE001 -- (reported by pass 6)
            return
        if fn is builtins.isinstance and isinstance(cls, type):
            self.tests[stmt.targets[0].id] = (value.args[0].id, cls)

    def path_kind(self, node):
        """The kind of ``x`` or ``x.a.b`` for a local ``x`` (UNKNOWN for anything else)."""
        if isinstance(node, gast.Name) and node.id in self.locals:
            return self.kind(node.id)
        if isinstance(node, gast.Attribute):
            return self.attribute_kind(self.path_kind(node.value), node.attr)
        return K.UNKNOWN

    def narrowed(self, stmt, refine) -> tuple:
        """The narrowings of the body and the ``else`` of ``if cond:`` after ``cond =
        isinstance(x, C)`` (none for a name the branch assigns). A branch that a test of None
        decided never runs (``if self.bias is not None`` where the attribute is None) is emptied:
        its calls on None are never made."""
        test = self.tests.get(stmt.test.id) if isinstance(stmt.test, gast.Name) else None
        if isinstance(test, bool):
            if test:
                stmt.orelse = []
            else:
                stmt.body = [gast.Pass()]
            return refine, refine
        if test is None:
            return refine, refine
        name, cls = test
        assigned = {n.id for part in stmt.body + stmt.orelse for n in gast.walk(part)
                    if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}
        if name in assigned:
            return refine, refine
        kind = refine.get(name, self.objects.kind(name))
        options = list(kind.options) if isinstance(kind, K.Union) else [kind]
        inside = [o for o in options if isinstance(o, K.Instance) and issubclass(o.cls, cls)]
        outside = [o for o in options if not (isinstance(o, K.Instance)
                                              and issubclass(o.cls, cls))]
        if not inside and kind is K.UNKNOWN:
            inside = [K.Instance(cls, None)]
        return ({**refine, name: _joined(inside)} if inside else refine,
                {**refine, name: _joined(outside)} if outside else refine)

    def statement(self, stmt) -> list:
        value = stmt.value
        if self.objects.kind(stmt.targets[0].id) is _SUPER and isinstance(value, gast.Call) \
                and self.super_call(stmt):
            return []  # 'parent = super()': its uses are resolved statically
        if isinstance(value, gast.Call):
            func = value.func
            if isinstance(func, gast.Name) and func.id in self.locals \
                    and func.id not in self.parsed.static and func.id not in self.parsed.nested:
                return self.call(stmt, func.id, None, self.kind(func.id))
            if isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name) \
                    and func.value.id in self.locals:
                kind = self.kind(func.value.id)
                if K.is_object(kind) or kind is _SUPER:
                    return self.call(stmt, func.value.id, func.attr, kind)
                return [stmt]
            if is_static(func, self.locals):
                return self.static_call(stmt)
            return [stmt]
        if isinstance(value, gast.Attribute) and isinstance(value.value, gast.Name) \
                and value.value.id in self.locals:
            kind = self.kind(value.value.id)
            if K.is_object(kind) or kind is _SUPER:
                return self.read(stmt, value.value.id, value.attr, kind)
        return [stmt]

    def super_call(self, stmt) -> bool:
        """``parent = super()`` (or ``super(C, self)``): remember where the lookup starts."""
        value = stmt.value
        cell = self.parsed.namespace.cells.get("__class__")
        args = value.args if isinstance(value, gast.Call) else []
        if len(args) == 2 and is_static(args[0], self.locals) and isinstance(args[1], gast.Name):
            start, self_name = resolve_static(args[0], self.parsed), args[1].id
        elif not args and cell is not None and self.params:
            start, self_name = cell.cell_contents, self.params[0]
        else:
            return False
        self.supers[stmt.targets[0].id] = (start, self_name)
        return True

    def read(self, stmt, name, attr, kind) -> list:
        """``y = obj.attr``: a property read is a call of its getter; a data attribute stays (pass
        6 gives it the rule of ``getattr``)."""
        if kind is _SUPER:
            found = self.on_super(name, attr)
            if found is None:
                self.refuse(stmt, f"srcad cannot resolve 'super().{attr}' here")
                return [stmt]
            fn, self_name = found
            if isinstance(fn, property) and isinstance(fn.fget, types.FunctionType):
                return [self.replace_call(stmt, fn.fget, f"{self._owner(fn.fget)}_{attr}",
                                          [load(self_name)], [], {})]
            self.refuse(stmt, f"'super().{attr}' is not a property srcad can differentiate")
            return [stmt]

        def branch(option, refined):
            static = inspect.getattr_static(option.cls, attr, None)
            if isinstance(static, property):
                if not isinstance(static.fget, types.FunctionType):
                    self.refuse(stmt, f"the property '.{attr}' of {option.cls.__qualname__} is "
                                "not a Python function srcad can read")
                    return [stmt]
                self.assume(Assumption(cls=option.cls, name=attr, value=static))
                return [self.replace_call(stmt, static.fget, f"{option.cls.__name__}_{attr}",
                                          [load(name)], [], refined)]
            if isinstance(static, (types.FunctionType, staticmethod, classmethod)) \
                    and option.attribute(attr) is None:
                self.refuse(stmt, f"'{name}.{attr}' is a method of {option.cls.__qualname__}: "
                            f"srcad differentiates its calls ('{name}.{attr}(...)'), not the "
                            "method as a value")
            return [stmt]
        options = self.options(kind)
        if len(options) == 1:
            return branch(options[0], {})
        if any(isinstance(inspect.getattr_static(o.cls, attr, None), property) for o in options):
            return self.dispatch(stmt, name, options, branch)
        for option in options:
            branch(option, {})  # (a method read as a value is refused)
        return [stmt]

    def call(self, stmt, name, method, kind) -> list:
        """``y = obj(a)`` (``method`` None) or ``y = obj.method(a)``, ``obj``'s kind ``kind``."""
        value = stmt.value
        if kind is _SUPER:
            found = self.on_super(name, method) if method is not None else None
            if found is None or not isinstance(found[0], types.FunctionType):
                self.refuse(stmt, f"srcad cannot resolve 'super().{method}(...)' to a Python "
                            "function here")
                return [stmt]
            fn, self_name = found
            return [self.replace_call(stmt, fn, f"{self._owner(fn)}_{method}",
                                      [load(self_name)] + list(value.args), value.keywords, {})]
        if isinstance(kind, K.Function):
            return [stmt]  # (in parsed.static: pass 6 calls that function)
        options = self.options(kind)
        if options is None:
            if kind is not K.DATA and method is None:
                self.refuse(stmt, f"srcad cannot tell what '{name}' holds here ({_describe(kind)}), "
                            "so it cannot see into this call; pass the object or function as an "
                            "argument, or keep it in an attribute of one")
            return [stmt]

        def branch(option, refined):
            if isinstance(option, K.Function):
                return [self.replace_call(stmt, option.fn, _function_hint(option.fn),
                                          list(value.args), value.keywords, refined)]
            return self.method_call(stmt, name, method, option, refined)
        if len(options) == 1:
            return branch(options[0], {})
        return self.dispatch(stmt, name, options, branch)

    def method_call(self, stmt, name, method, option, refined) -> list:
        value = stmt.value
        cls = option.cls
        attr = "__call__" if method is None else method
        static = inspect.getattr_static(cls, attr, None)
        if method is not None and option.attribute(method) is not None and not isinstance(
                static, property):
            # an instance attribute holding a callable: read it, then call what it holds
            held = self.namer.fresh(f"{name}_{method}")
            self.locals.add(held)
            self.objects.kinds[held] = option.attribute(method)
            read = self.located(gast.Assign(targets=[store(held)], value=gast.Attribute(
                value=load(name), attr=method, ctx=gast.Load()), type_comment=None), stmt)
            if isinstance(option.attribute(method), K.Function):
                self.parsed.static[held] = option.attribute(method).fn
            then = self.located(gast.Assign(targets=[store(stmt.targets[0].id)], value=gast.Call(
                func=load(held), args=list(value.args), keywords=list(value.keywords)),
                type_comment=None), stmt)
            if refined:
                self.objects.refined[read.value] = dict(refined)
            return [read] + self.statement(then)
        self.assume(Assumption(cls=cls, name=attr, value=static))
        hint = f"{cls.__name__}_{attr.strip('_')}"
        if isinstance(static, types.FunctionType):
            return [self.replace_call(stmt, static, hint, [load(name)] + list(value.args),
                                      value.keywords, refined)]
        if isinstance(static, staticmethod) and isinstance(static.__func__, types.FunctionType):
            return [self.replace_call(stmt, static.__func__, hint, list(value.args),
                                      value.keywords, refined)]
        if isinstance(static, classmethod) and isinstance(static.__func__, types.FunctionType):
            return [self.replace_call(stmt, static.__func__, hint,
                                      [load(self.bind(cls, cls.__name__))] + list(value.args),
                                      value.keywords, refined)]
        if static is None:
            what = f"'{name}' ({cls.__qualname__})"
            self.refuse(stmt, f"{what} has no method '{attr}'" if option.attributes is not None
                        else f"srcad cannot tell what '{name}.{attr}' is ({cls.__qualname__} "
                        "sets its attributes when it runs)")
        else:
            self.refuse(stmt, f"'{name}.{attr}' ({cls.__qualname__}) is a "
                        f"{type(static).__name__}, not a Python function srcad can read")
        return [stmt]

    def static_call(self, stmt) -> list:
        """``y = MODEL(a)``, ``y = MODEL.m(a)`` for an object reached by a static name."""
        value = stmt.value
        func = value.func
        try:
            obj = resolve_static(func, self.parsed)
        except Exception:  # noqa: BLE001 -- (reported by pass 6)
            return [stmt]
        from ..api.callables import _python_call
        if isinstance(obj, types.MethodType) and isinstance(obj.__func__, types.FunctionType) \
                and isinstance(func, gast.Attribute) and not isinstance(obj.__self__, type):
            receiver = func.value
            self.static_kind(receiver)  # (assumed, checked at every call)
            cls = type(obj.__self__)
            static = inspect.getattr_static(cls, func.attr, None)
            if static is not obj.__func__:
                return [stmt]
            self.assume(Assumption(cls=cls, name=func.attr, value=static))
            return [self.replace_call(stmt, obj.__func__, f"{cls.__name__}_{func.attr.strip('_')}",
                                      [receiver] + list(value.args), value.keywords, {})]
        call = _python_call(obj)
        if call is None:
            return [stmt]
        kind = self.static_kind(func)
        cls = type(obj)
        self.assume(Assumption(cls=cls, name="__call__", value=call))
        before = []
        if dotted_name(func) is None:  # MODEL.layers[0](x): the object read first, as a constant
            held = self.namer.fresh(f"{cls.__name__.lower()}_object")
            self.locals.add(held)
            self.objects.kinds[held] = kind
            before.append(self.located(gast.Assign(targets=[store(held)], value=func,
                                                   type_comment=None), stmt))
            func = load(held)
        return before + [self.replace_call(stmt, call, f"{cls.__name__}_call",
                                           [func] + list(value.args), value.keywords, {})]

    def on_super(self, name, attr):
        """The class attribute ``attr`` found after the class ``super()`` starts from, along the
        MRO of the class of the ``self`` it was made with; and that ``self``'s name."""
        if name not in self.supers:
            return None
        start, self_name = self.supers[name]
        kind = self.kind(self_name)
        if not isinstance(kind, K.Instance) or start not in kind.cls.__mro__:
            return None
        mro = kind.cls.__mro__
        for cls in mro[mro.index(start) + 1:]:
            if attr in cls.__dict__:
                value = cls.__dict__[attr]
                self.assume(Assumption(cls=cls, name=attr, value=value))
                return value, self_name
        return None

    # -- building --------------------------------------------------------------------------------

    def options(self, kind):
        """The kinds to dispatch over (subclasses first), or None where srcad cannot. (None is no
        option: calling it or one of its methods fails as Python would.)"""
        if isinstance(kind, K.Union):
            options = [o for o in kind.options if o is not K.NONE]
            if len(options) == 1:
                return options
            if all(isinstance(o, K.Instance) for o in options):
                return sorted(options, key=lambda o: (-len(o.cls.__mro__), o.cls.__qualname__))
            if all(isinstance(o, K.Function) for o in options):
                return sorted(options, key=lambda o: str(getattr(o.fn, "__qualname__", o.fn)))
            return None
        if isinstance(kind, (K.Instance, K.Function)):
            return [kind]
        return None

    def dispatch(self, stmt, name, options, branch) -> list:
        """``if isinstance(name, C1): <branch 1> else: if ...``: one branch per option."""
        orelse = branch(options[-1], {name: options[-1]})
        for option in reversed(options[:-1]):
            if isinstance(option, K.Function):
                hint = f"{name}_is_{_function_hint(option.fn)}"
                test = gast.Compare(left=load(name), ops=[gast.Is()],
                                    comparators=[load(self.bind(option.fn,
                                                                _function_hint(option.fn)))])
            else:
                hint = f"{name}_is_{option.cls.__name__}"
                test = gast.Call(func=load(self.bind(builtins.isinstance, "isinstance")),
                                 args=[load(name), load(self.bind(option.cls,
                                                                  option.cls.__name__))],
                                 keywords=[])
            cond = self.namer.fresh(hint)
            self.locals.add(cond)
            self.objects.kinds[cond] = K.DATA
            decide = self.located(gast.Assign(targets=[store(cond)], value=test, type_comment=None),
                                  stmt)
            choose = self.located(gast.If(test=load(cond), body=branch(option, {name: option}),
                                          orelse=orelse), stmt)
            orelse = [decide, choose]
        return orelse

    def replace_call(self, stmt, fn, hint, args, keywords, refined):
        """``stmt`` with its value the call ``fn(*args, **keywords)`` (``fn`` bound to a name)."""
        call = gast.Call(func=load(self.bind(fn, hint)), args=list(args), keywords=list(keywords))
        gast.copy_location(call, stmt.value)
        new = self.located(gast.Assign(targets=[store(stmt.targets[0].id)], value=call,
                                       type_comment=None), stmt)
        if refined:
            self.objects.refined[call] = dict(refined)
        if stmt.value in self.objects.refusals:
            self.objects.refusals[call] = self.objects.refusals[stmt.value]
        return new

    def located(self, new, stmt):
        """``new`` placed where ``stmt`` is, and standing for the same user's statement."""
        gast.copy_location(new, stmt)
        new.end_lineno = getattr(stmt, "end_lineno", new.lineno)
        new.end_col_offset = getattr(stmt, "end_col_offset", new.col_offset)
        origin = self.normalized.origin.get(stmt)
        if origin is not None:
            self.normalized.origin[new] = origin
        if stmt in self.normalized.augmented:
            self.normalized.augmented.add(new)
        return new

    def bind(self, obj, hint) -> str:
        """A name the generated code (and pass 6) reaches ``obj`` by (a builtin: its own)."""
        if getattr(builtins, hint, None) is obj and hint not in self.locals \
                and self.parsed.namespace.lookup(hint, None) is obj:
            return hint
        name = self.helpers.value(obj, hint)
        self.parsed.namespace.extra[name] = obj
        return name

    def refuse(self, stmt, reason):
        self.objects.refusals[stmt.value] = reason

    @staticmethod
    def _owner(fn) -> str:
        parts = fn.__qualname__.split(".")
        return parts[-2] if len(parts) > 1 else "super"


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


def _joined(options):
    found = None
    for option in options:
        found = K.join(found, option)
    return found


def _function_hint(fn) -> str:
    return getattr(fn, "__name__", "function").strip("_<>") or "function"


def _describe(kind) -> str:
    if kind is K.UNKNOWN:
        return "what a call returned, or a value srcad does not follow"
    if isinstance(kind, K.Union):
        return "values of different kinds: " + ", ".join(sorted(map(repr, kind.options)))
    if isinstance(kind, K.Sequence):
        return "a list or tuple"
    if isinstance(kind, K.Mapping):
        return "a dict"
    return repr(kind)
