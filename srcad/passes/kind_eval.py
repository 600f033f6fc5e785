"""Part of pass 6, ops: the kinds (:mod:`srcad.passes.kinds`) of what a call of the user's code
returns, read from its source before it runs -- the object a constructor builds, the new object a
method or an operator method returns (``Vec(x) + Vec(y)``, ``Model.create(W)``) -- so that calls on
it resolve as on objects passed in.

Accepts: a class or a Python function and the kinds of the call's arguments.
Guarantees: :func:`construction_kind` is the :class:`~srcad.passes.kinds.Instance` a constructor
call builds, its attributes' kinds read from ``__init__`` (``Instance(cls, None)``: not known);
:func:`call_result` the join of the kinds of every value the function may return. Both are
conservative: a value srcad cannot follow (what a call it cannot read returns, a global object,
a list or attribute changed in place, a call nested deeper than :data:`DEPTH`, a recursive call of
a call being evaluated) is :data:`~srcad.passes.kinds.UNKNOWN`, on which no call is resolved;
arithmetic on data is data. Each (function, kinds of the arguments) is evaluated once per
outermost evaluation (:class:`_Memo`): a function that calls itself twice (a pairwise sum, a
radix-2 FFT) costs one evaluation per distinct call, not one per path through the call tree.
"""

from __future__ import annotations

import builtins
import dataclasses
import inspect
import threading
import types

import gast

from . import constructors as C
from .initializer import initializer_tree
from . import kinds as K
from ..runtime.instances import build, new_object

DEPTH = 6
_IN_PROGRESS = object()


class _Memo(threading.local):
    """The evaluations of one outermost call (per thread): ``depth``, how deep the evaluation
    is now, and ``results``, (function, argument kinds) -> the kind it returns
    (``_IN_PROGRESS`` while it is being evaluated: a recursive call reads UNKNOWN), forgotten
    when the outermost evaluation ends (the user's functions may change before the next)."""

    def __init__(self):
        self.depth = 0
        self.results = {}
        self.evaluations = 0  # how many function bodies were evaluated (the tests count them)


_memo = _Memo()


def _remembered(key, evaluate, cut):
    """``evaluate()``, once per ``key`` during the outermost evaluation; ``cut`` (what srcad
    does not know) for a key being evaluated (recursion) or past :data:`DEPTH`."""
    try:
        found = _memo.results.get(key, cut)
        known = key in _memo.results
    except TypeError:  # (an argument kind that cannot be hashed: not remembered)
        key, known = None, False
    if (known and found is _IN_PROGRESS) or _memo.depth > DEPTH:
        return cut
    if known:
        return found
    if key is not None:
        _memo.results[key] = _IN_PROGRESS
    _memo.depth += 1
    result = cut
    try:
        _memo.evaluations += 1
        result = evaluate()
    finally:
        _memo.depth -= 1
        if _memo.depth == 0:
            _memo.results.clear()
        elif key is not None:
            _memo.results[key] = result
    return result


def _key(tag, fn, args, keywords):
    return (tag, fn, tuple(args), tuple(sorted(keywords.items())))


def construction_kind(cls, args, keywords):
    """The kind of ``cls(*args, **keywords)`` (kinds in, see the module docstring)."""
    found = C.construction(cls)
    if isinstance(found, str):
        return K.Instance(cls, None)
    try:
        bound = found.signature().bind(*args, **keywords)
    except TypeError:
        return K.Instance(cls, None)
    bound.apply_defaults()
    values = dict(bound.arguments)
    if found.form in ("namedtuple", "dataclass"):
        kinds = [(n, _value_kind(values[n]) if n in values else K.kind_of(dict(found.defaults)
                                                                             .get(n)))
                 for n in found.names]
        return K.Instance(cls, tuple(kinds))
    if found.form == "empty":
        return K.Instance(cls, ())
    env = {name: _value_kind(v) for name, v in values.items()}
    evaluated = _remembered(_key("init", found.init, [cls], env),
                            lambda: _evaluate_init(found, env), None)
    return K.Instance(cls, evaluated)


def _value_kind(value):
    """A bound argument: a kind already, or a default value."""
    if isinstance(value, (K._Named, K.Instance, K.Sequence, K.Mapping, K.Function, K.Union,
                          K.ListOf)):
        return value
    return K.kind_of(value)


def _evaluate_init(found, env):
    from .parse import parse
    try:
        parsed = parse(found.init)
        initializer_tree(parsed, found.cls)
        tree = parsed.tree
        self_name = (tree.args.posonlyargs + tree.args.args)[0].id
        env = dict(env)
        env[self_name] = K.Function(found.cls)
        evaluator = _Evaluator(found.init, parsed.namespace)
        evaluator.function(tree, env)
        call = tree.body[-1].value
        locals_ = [a.id for a in call.args[2:]]
        return tuple((name, evaluator.env.get(local, K.UNKNOWN))
                     for name, local in zip(found.names, locals_))
    except Exception:  # noqa: BLE001 -- refused where it is differentiated; unknown here
        return None


def call_result(fn, args, keywords):
    """The kind of what ``fn(*args, **keywords)`` returns (kinds in)."""
    if not isinstance(fn, types.FunctionType):
        return K.UNKNOWN
    from .user_calls import library_function
    if library_function(fn) is not None:  # (never read, as for differentiation: a library's
        return K.UNKNOWN                  # code is not the user's, and reading it may take long)
    return _remembered(_key("call", fn, args, keywords),
                       lambda: _evaluate_call(fn, args, keywords), K.UNKNOWN)


def _evaluate_call(fn, args, keywords):
    from .parse import parse
    try:
        parsed = parse(fn)
        bound = inspect.signature(fn).bind(*args, **keywords)
        bound.apply_defaults()
        env = {}
        for name, value in bound.arguments.items():
            kind = inspect.signature(fn).parameters[name].kind
            env[name] = K.UNKNOWN if kind in (inspect.Parameter.VAR_POSITIONAL,
                                              inspect.Parameter.VAR_KEYWORD) \
                else _value_kind(value)
        return _Evaluator(fn, parsed.namespace).function(parsed.tree, env)
    except Exception:  # noqa: BLE001 -- (refused where it is differentiated)
        return K.UNKNOWN


def method_result(kind, attr, args, keywords):
    """The kind of ``obj.attr(*args)`` for ``obj`` of kind ``kind`` (an instance)."""
    if not isinstance(kind, K.Instance):
        return K.UNKNOWN
    from .constructors import is_namedtuple_class
    if attr == "_replace" and not args and is_namedtuple_class(kind.cls):
        from .kind_flow import replaced_kind
        return replaced_kind(kind, keywords)
    if kind.attribute(attr) is not None:
        held = kind.attribute(attr)
        return call_result(held.fn, args, keywords) if isinstance(held, K.Function) \
            else K.UNKNOWN
    static = inspect.getattr_static(kind.cls, attr, None)
    if isinstance(static, types.FunctionType):
        return call_result(static, [kind] + list(args), keywords)
    if isinstance(static, staticmethod):
        return call_result(static.__func__, args, keywords)
    if isinstance(static, classmethod):
        return call_result(static.__func__, [K.Function(kind.cls)] + list(args), keywords)
    return K.UNKNOWN


OPERATORS = {gast.Add: "add", gast.Sub: "sub", gast.Mult: "mul", gast.Div: "truediv",
             gast.FloorDiv: "floordiv", gast.Mod: "mod", gast.Pow: "pow", gast.MatMult: "matmul",
             gast.USub: "neg", gast.UAdd: "pos"}


def callable_result(kind, args, keywords):
    """The kind of ``f(*args)`` for ``f`` of kind ``kind``: a class, a function, a callable
    object."""
    if isinstance(kind, K.Function):
        fn = kind.fn
        from .constructors import is_user_class
        if is_user_class(fn):
            return construction_kind(fn, args, keywords)
        if fn is dataclasses.replace and len(args) == 1 and isinstance(args[0], K.Instance) \
                and dataclasses.is_dataclass(args[0].cls):  # (as pass 6 reads it: kind_flow)
            from .kind_flow import replaced_kind
            return replaced_kind(args[0], keywords)
        if isinstance(fn, types.MethodType) and isinstance(fn.__self__, type):
            return call_result(fn.__func__, [K.Function(fn.__self__)] + list(args), keywords)
        if _rules().lookup(fn) is not None:
            return K.DATA if not any(K.is_object(a) or isinstance(a, (K.Sequence, K.Mapping))
                                     or K.holds_objects(a) or a is K.UNKNOWN for a in args) \
                else K.UNKNOWN
        return call_result(fn, args, keywords)
    if isinstance(kind, K.Instance):
        return method_result(kind, "__call__", args, keywords)
    return K.UNKNOWN


def _rules():
    from .. import rules
    return rules


class _Evaluator:
    """The kinds of the locals of one function (a flow-insensitive join, as
    :class:`~srcad.passes.kind_flow.KindFlow`), on its source before A-normal form."""

    def __init__(self, fn, namespace):
        self.fn, self.namespace = fn, namespace
        self.env: dict = {}

    def function(self, tree, env):
        self.env = dict(env)
        for _ in range(4):
            before = dict(self.env)
            returned = self.block(tree.body)
            if self.env == before:
                break
        return K.NONE if returned is None else returned

    def block(self, stmts):
        returned = None
        for stmt in stmts:
            if isinstance(stmt, gast.Return):
                kind = K.NONE if stmt.value is None else self.expr(stmt.value)
                returned = K.join(returned, kind)
            elif isinstance(stmt, (gast.Assign, gast.AnnAssign, gast.AugAssign)):
                value = stmt.value
                if value is None:
                    continue
                kind = self.expr(value) if not isinstance(stmt, gast.AugAssign) else \
                    self.expr(gast.BinOp(left=stmt.target, op=stmt.op, right=value))
                for target in (stmt.targets if isinstance(stmt, gast.Assign) else [stmt.target]):
                    self.bind(target, kind)
            elif isinstance(stmt, (gast.If, gast.While, gast.For, gast.With, gast.Try)):
                if isinstance(stmt, gast.For):
                    self.bind(stmt.target, K.element(self.expr(stmt.iter))
                              if not _is_range(stmt.iter) else K.DATA)
                for part in ("body", "orelse", "finalbody"):
                    returned = K.join(returned, self.block(getattr(stmt, part, [])))
                for handler in getattr(stmt, "handlers", []):
                    returned = K.join(returned, self.block(handler.body))
            elif isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Call) \
                    and isinstance(stmt.value.func, gast.Attribute) \
                    and isinstance(stmt.value.func.value, gast.Name):
                self.bind(stmt.value.func.value, K.UNKNOWN)  # (a method may change it)
            elif isinstance(stmt, (gast.FunctionDef, gast.ClassDef, gast.Delete)):
                for node in gast.walk(stmt):
                    if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store):
                        self.bind(node, K.UNKNOWN)
        return returned

    def bind(self, target, kind):
        if isinstance(target, gast.Name):
            self.env[target.id] = K.join(self.env.get(target.id), kind)
        elif isinstance(target, (gast.Tuple, gast.List)):
            for t, k in zip(target.elts, K.tuple_items(kind, len(target.elts))):
                self.bind(t, k)
        elif isinstance(target, gast.Subscript):
            base = target.value
            while isinstance(base, (gast.Subscript, gast.Attribute)):
                base = base.value
            if isinstance(base, gast.Name):
                self.env[base.id] = K.UNKNOWN  # (a container changed: not followed)

    def expr(self, node):
        if isinstance(node, gast.Constant):
            return K.NONE if node.value is None else K.DATA
        if isinstance(node, gast.Name):
            if node.id in self.env:
                return self.env[node.id]
            if node.id in set(self.fn.__code__.co_varnames) | set(self.fn.__code__.co_cellvars):
                return K.UNKNOWN
            return self.static(node.id)
        if isinstance(node, gast.Attribute):
            from .kind_flow import attribute_kind
            base = self.expr(node.value)
            if isinstance(base, K.Function) and isinstance(base.fn, (types.ModuleType, type)):
                value = inspect.getattr_static(base.fn, node.attr, None)
                if isinstance(value, (classmethod, staticmethod)):
                    return K.Function(getattr(base.fn, node.attr))
                return _static_kind(getattr(base.fn, node.attr, None))
            return attribute_kind(base, node.attr)
        if isinstance(node, gast.Subscript):
            base = self.expr(node.value)
            if base is K.DATA:
                return K.DATA
            if isinstance(base, K.Instance) and not issubclass(base.cls, tuple):
                return method_result(base, "__getitem__", [self.expr(node.slice)], {})
            if isinstance(node.slice, gast.Constant):
                return K.item(base, node.slice.value)
            return K.element(base) if not isinstance(node.slice, gast.Slice) else K.UNKNOWN
        if isinstance(node, (gast.Tuple, gast.List)):
            items = tuple(self.expr(e) for e in node.elts)
            if all(k is K.DATA or k is K.NONE for k in items):
                return K.DATA
            return K.Sequence(list if isinstance(node, gast.List) else tuple, items)
        if isinstance(node, gast.Dict):
            if not all(isinstance(k, gast.Constant) for k in node.keys):
                return K.UNKNOWN
            items = tuple((k.value, self.expr(v)) for k, v in zip(node.keys, node.values))
            return K.DATA if all(k in (K.DATA, K.NONE) for _, k in items) else K.Mapping(items)
        if isinstance(node, (gast.BinOp, gast.UnaryOp)):
            operands = [node.left, node.right] if isinstance(node, gast.BinOp) else [node.operand]
            kinds = [self.expr(o) for o in operands]
            if isinstance(node, gast.BinOp) and isinstance(node.op, gast.Add) and any(
                    isinstance(k, (K.Sequence, K.ListOf)) for k in kinds):
                return K.concatenated(*kinds)
            if any(K.is_object(k) or isinstance(k, (K.Sequence, K.Mapping, K.ListOf))
                   for k in kinds):
                name = OPERATORS.get(type(node.op))
                if name is None or not isinstance(kinds[0], K.Instance):
                    return K.UNKNOWN
                return method_result(kinds[0], f"__{name}__", kinds[1:], {})
            return K.DATA
        if isinstance(node, gast.IfExp):
            return K.join(self.expr(node.body), self.expr(node.orelse))
        if isinstance(node, gast.BoolOp):
            found = None
            for value in node.values:
                found = K.join(found, self.expr(value))
            return found
        if isinstance(node, (gast.Compare, gast.JoinedStr)):
            return K.DATA
        if isinstance(node, gast.Call):
            if any(isinstance(a, gast.Starred) for a in node.args) or any(
                    k.arg is None for k in node.keywords):
                return K.UNKNOWN
            args = [self.expr(a) for a in node.args]
            keywords = {k.arg: self.expr(k.value) for k in node.keywords}
            func = self.expr(node.func)
            if isinstance(func, K.Function) and func.fn in (new_object, build) and args \
                    and isinstance(args[0], K.Function) and isinstance(args[0].fn, type):
                if func.fn is build:  # (in generated code: an object built)
                    return construction_kind(args[0].fn, args[1:], keywords)
                names = node.args[1].value if len(node.args) > 1 and isinstance(
                    node.args[1], gast.Constant) else None
                return K.UNKNOWN if not isinstance(names, tuple) else K.Instance(
                    args[0].fn, tuple(zip(names, args[2:])))
            if isinstance(node.func, gast.Attribute):
                receiver = self.expr(node.func.value)
                if isinstance(receiver, K.Instance):
                    return method_result(receiver, node.func.attr, args, keywords)
                if receiver is K.DATA:
                    return K.DATA  # an array method
            return callable_result(self.expr(node.func), args, keywords)
        return K.UNKNOWN

    def static(self, name):
        try:
            value = self.namespace.lookup(name)
        except KeyError:
            return K.UNKNOWN
        return _static_kind(value)


def _static_kind(value):
    """A global: a module, a class or a function is itself; data is data; an object (which may
    change between calls) is not followed."""
    kind = K.kind_of(value)
    return kind if isinstance(kind, K.Function) or kind in (K.DATA, K.NONE) else K.UNKNOWN


def _is_range(node) -> bool:
    return isinstance(node, gast.Call) and isinstance(node.func, gast.Name) \
        and node.func.id == "range" and builtins.range is range
