"""Part of pass 6, ops (and pass 1 of a call building an object): ``__init__`` rewritten to
compute the attribute values of the object it builds.

Accepts: the parsed tree of ``cls.__init__`` (or of the ``__init__`` of one of ``cls``'s bases)
and the class ``cls`` being built (:mod:`srcad.passes.constructors` decides which classes come
here: the form ``"init"``).
Guarantees: :class:`Rewrite` returns a copy of the tree in which each attribute ``self.a`` becomes
a local (``self_a``), set where ``__init__`` sets it and read where it reads it back, and whose
final statement is ``return new_object(self, names, *values)`` (:mod:`srcad.runtime.instances`),
``self`` holding the class; ``super().__init__(...)`` of a base whose ``__init__`` is a Python
function of the same module is inlined (its parameters assigned the arguments, its locals
renamed). Or the reason it cannot (a string naming the line of ``__init__``): any use of ``self``
other than setting an attribute at the top level of ``__init__`` or reading one it set (a method
called on it, ``self`` passed or returned, an attribute read before it is set, an attribute set
inside a branch or loop, an early ``return``), an attribute name that is a descriptor of the class
(:func:`descriptor_refusal`), a ``super().__init__`` call srcad cannot inline.

:func:`initializer_tree` applies it to ``parsed.tree`` (pass 1 of a call specialized with
``initializer``, :class:`~srcad.passes.parse.Specialization`), raising a located
:class:`~srcad.errors.UnsupportedSyntaxError` where it cannot.
"""

from __future__ import annotations

import copy
import inspect
import types

import gast

from ..naming import first_free
from ..runtime.instances import new_object


def dataclass_generated(fn) -> bool:
    """Is ``fn`` one that :mod:`dataclasses` wrote (an ``__init__``, a frozen ``__setattr__``: no
    source file)?"""
    return getattr(getattr(fn, "__code__", None), "co_filename", "") == "<string>"


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


def initializer_tree(parsed, cls):
    """Rewrite ``parsed.tree`` (``cls``'s ``__init__`` or a base's) as described in the module
    docstring; raises :class:`~srcad.errors.UnsupportedSyntaxError` where it cannot."""
    found = Rewrite(cls, parsed.fn, parsed.tree).run()
    if isinstance(found, str):
        from ..errors import UnsupportedSyntaxError
        raise UnsupportedSyntaxError(f"srcad cannot build {cls.__qualname__} here: {found}",
                                     parsed.location(parsed.tree))
    parsed.tree = found[0]
    parsed.namespace.extra[found[2]] = new_object


class _Refused(Exception):
    pass


class Rewrite:
    """``__init__`` with its attributes made locals (see the module docstring): :meth:`run`
    returns the new tree, the attributes' names and the name bound to ``new_object``, or the
    reason it cannot."""

    def __init__(self, cls, fn, tree):
        self.cls, self.fn, self.tree = cls, fn, copy.deepcopy(tree)
        self.taken = {n.id for n in gast.walk(self.tree) if isinstance(n, gast.Name)}
        self.taken |= set(fn.__globals__) | set(fn.__code__.co_freevars)
        self.attributes: dict = {}  # attribute -> its local

    def fresh(self, hint):
        return first_free(hint, self.taken)  # (the hint as it is: no Namer's clean-up)

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
        if not isinstance(init, types.FunctionType) or dataclass_generated(init):
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
