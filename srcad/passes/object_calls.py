"""Part of pass 6, ops: one call on an object made a call of the user's function that Python would
run (:mod:`srcad.passes.objects` walks the function and decides what to rewrite).

Accepts: an A-normal-form statement ``y = obj(a)``, ``y = obj.m(a)``, ``y = super().m(a)``, ``y =
obj.p`` (a property), ``y = MODEL(a)`` (a global object), and the kind of ``obj``.
Guarantees: :class:`Calls` returns the statements that replace it: the call of the function found
along the class's MRO (``inspect.getattr_static``: what Python's lookup finds, without running a
descriptor), bound to a name of the generated code; for a value of several classes, an ``if
isinstance(obj, C)`` per class (both built by :class:`~srcad.passes.call_building.CallBuilding`);
or the statement as it was, with the reason in ``Objects.refusals`` where there is no Python
function to call. Every class attribute it resolved is an
:class:`~srcad.passes.kind_flow.Assumption` of the transformation.
"""

from __future__ import annotations

import ast
import inspect
import types

import gast

from .. import rules
from . import kinds as K
from .call_building import Refusal, function_hint
from .holders import is_static, resolve_static
from .kind_flow import SUPER, Assumption
from .parse import dotted_name, local_names
from .syntax import load, store


class Calls:
    """The calls of :class:`srcad.passes.objects._Resolver` (which holds ``parsed``, ``normalized``,
    ``namer``, ``helpers``, ``locals``, ``objects``, ``supers`` and ``kind``, and builds the new
    statements as :class:`~srcad.passes.call_building.CallBuilding` does)."""

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
        if kind is SUPER:
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
        if kind is SUPER:
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
            if kind is K.UNKNOWN and name in self.params and method is None:
                self.refuse(stmt, Refusal(
                    f"srcad cannot tell what the parameter '{name}' holds, so it cannot see into "
                    "this call: the caller passed a value srcad cannot follow into this function "
                    "(a function a call returned, an item of a list changed in place), or this "
                    "derivative was made before any call (srcad.source of a function given "
                    "objects as arguments: call the derived function once first)",
                    f"pass for '{name}' a function srcad sees: a module-level function, a nested "
                    "def or lambda of the caller, functools.partial(f, ...) made in the caller, "
                    "or an object whose class it knows"))
            elif kind is not K.DATA and method is None:
                made = self.made_by(name)
                if made is not None:
                    self.refuse(stmt, Refusal(
                        f"srcad cannot see into the function '{made}' makes: it is not a function "
                        "of yours srcad can read, so it cannot differentiate this call",
                        "write the computation as array code in the function itself"
                        + (" (np.vectorize(f)(x): the NumPy function of the whole array, "
                           "np.vectorize(math.exp)(x) is np.exp(x))" if "vectorize" in made
                           else "") + ", or call a function of yours srcad can see by name"))
                else:
                    self.refuse(stmt, f"srcad cannot tell what '{name}' holds here "
                                f"({_describe(kind)}), so it cannot see into this call; pass the "
                                "object or function as an argument, or keep it in an attribute "
                                "of one")
            return [stmt]

        def branch(option, refined):
            if isinstance(option, K.Function):
                return [self.replace_call(stmt, option.fn, function_hint(option.fn),
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
        if rules.lookup(obj) is not None:  # a library's method with a rule (scipy.stats.norm.logpdf)
            return [stmt]
        built = self.static_construction(stmt, obj)
        if built is not None:
            return built
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

    def made_by(self, name):
        """The user's expression a temporary of pass 5 holds (``np.vectorize(math.exp)`` for
        ``vectorize_exp``), where ``name`` is not one of the user's names; else None."""
        if name in local_names(self.parsed.tree):
            return None
        for stmt in gast.walk(self.normalized.tree):
            if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name) \
                    and stmt.targets[0].id == name and isinstance(stmt.value, gast.Call):
                return ast.unparse(gast.gast_to_ast(stmt.value))
        return None

    @staticmethod
    def _owner(fn) -> str:
        parts = fn.__qualname__.split(".")
        return parts[-2] if len(parts) > 1 else "super"


def _describe(kind) -> str:
    if kind is K.UNKNOWN:
        return ("what a call of a function returned, or something read from an argument srcad has "
                "not seen: srcad.source before the first call does not know the arguments")
    if isinstance(kind, K.Union):
        return "values of different kinds: " + ", ".join(sorted(map(repr, kind.options)))
    if isinstance(kind, K.Sequence):
        return "a list or tuple"
    if isinstance(kind, K.Mapping):
        return "a dict"
    return repr(kind)
