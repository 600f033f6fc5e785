"""Part of pass 6, ops: the statements that replace a call on an object (the building blocks of
:mod:`srcad.passes.object_calls` and :mod:`srcad.passes.constructed`).

Accepts: an A-normal-form statement ``y = <call>`` being rewritten by
:class:`srcad.passes.objects._Resolver` (which holds ``parsed``, ``normalized``, ``namer``,
``helpers``, ``locals`` and ``objects``), and what replaces it: a Python function and its
arguments, or the kinds a variable may have and a statement per kind.
Guarantees: :class:`CallBuilding` builds

* ``y = f(args)`` with ``f`` bound to a name of the generated code (:meth:`~CallBuilding.bind`:
  entered in the function's namespace, a builtin by its own name), the refinement of the kinds it
  is made under (``Objects.refined``) and the refusal of the statement it replaces carried over
  (:meth:`~CallBuilding.replace_call`);
* for a value of several classes (or functions), ``cond = isinstance(obj, C)`` (``obj is f``) and
  ``if cond: <branch> else: ...``, one branch per option, subclasses first, the last option the
  ``else`` (:meth:`~CallBuilding.dispatch`, over :meth:`~CallBuilding.options`);

each new statement located where the statement it replaces is and standing for the same user's
statement (``normalized.origin``, ``normalized.augmented``: :meth:`~CallBuilding.located`).
:meth:`~CallBuilding.refuse` records, in ``Objects.refusals``, why a statement is left as it was
(a :class:`Refusal` also says what to write instead); pass 6 refuses it if a gradient flows.
"""

from __future__ import annotations

import builtins

import gast

from . import kinds as K
from .syntax import load, store


class CallBuilding:
    """The statements :class:`srcad.passes.objects._Resolver` replaces calls with (see the module
    docstring)."""

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
                hint = f"{name}_is_{function_hint(option.fn)}"
                test = gast.Compare(left=load(name), ops=[gast.Is()],
                                    comparators=[load(self.bind(option.fn,
                                                                function_hint(option.fn)))])
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


class Refusal(str):
    """The reason pass 6 refuses a call, and what to write instead (``hint``)."""

    def __new__(cls, reason, hint):
        self = super().__new__(cls, reason)
        self.hint = hint
        return self


def function_hint(fn) -> str:
    return getattr(fn, "__name__", "function").strip("_<>") or "function"
