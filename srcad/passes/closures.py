"""Part of pass 6, ops: a function made in the differentiated function (a nested ``def``, a lambda,
a ``functools.partial``) passed to a function of the user's, which calls it.

Accepts: the calls of pass 6 (:mod:`srcad.passes.user_calls`) and the parse of a callee
(:func:`srcad.front.analyse`).
Guarantees: such a function value is a :class:`Closure`: the function it calls (a
:class:`~srcad.passes.parse.NestedFunction`, or the function a partial binds) and the values it
carries (``slots``: the enclosing variables a nested function reads, a partial's bound arguments).
The callee is specialized on it (``Specialization.functions``, as on a module function passed) and
gets one keyword-only parameter per slot (:func:`parameter_names`, the same names on both sides),
to which the caller passes the values (:func:`call_arguments`): they are ordinary parameters of
the callee, so the gradient reaches the variables the function reads (a lambda reading ``k``
passes a gradient to ``k``), in reverse and forward mode alike. A call of the parameter in the
callee is a call of the function it holds, with those parameters for its slots
(:func:`closure_call`); passed on to another function of the user's, it is the same
:class:`Closure` (so recursion reaches the same derivative). The values are the ones Python's
function would see: a nested function reads the enclosing variables when it is called, and the
caller cannot change them while the callee runs; a partial's values are copied when it is made
(:mod:`srcad.passes.partials`).

:func:`check_uses` refuses, at the line, any other use of such a value (stored, returned, passed
to a function srcad cannot read or into ``*args``): the function would run where srcad does not
see it, with no gradient to the values it reads.
"""

from __future__ import annotations

import dataclasses
import types

import gast

from ..errors import UnsupportedSyntaxError
from .parse import NestedFunction
from .syntax import load


@dataclasses.dataclass(eq=False)
class Closure:
    """A function value made in a caller (compared by identity: one per function made)."""

    target: object  # a NestedFunction, or the function a partial calls
    slots: tuple    # the values it carries: captured variables; a partial's 'arg0', ..., keywords
    positional: int = 0  # a partial: how many of ``slots`` are bound positional arguments
    what: str = ""  # how messages name it: "the lambda at line 3", "the nested function 'f'"

    def __post_init__(self):  # (messages and printers name a specialization by it)
        self.__qualname__ = getattr(self.target, "__qualname__", "function")


@dataclasses.dataclass(frozen=True)
class ClosureArgument:
    """A callee's parameter that receives the value ``slot`` of the :class:`Closure` passed for
    its parameter ``param``; ``name`` is the parameter's name in the callee."""

    param: str
    slot: str
    name: str

    def __str__(self) -> str:
        return self.name


def parameter_names(callee, functions) -> dict:
    """``{(param, slot): name}``: the keyword-only parameters ``callee`` gets for the slots of the
    closures in ``functions`` (``(parameter, value)`` pairs); named ``<param>_<slot>``, made unique
    among the names ``callee`` uses. The caller and the callee both compute them from ``callee``."""
    closures = sorted(((p, v) for p, v in functions if isinstance(v, Closure)),
                      key=lambda item: str(item[0]))
    if not closures:
        return {}
    taken = _names(callee)
    found = {}
    for param, closure in closures:
        for slot in closure.slots:
            base = name = f"{param}_{slot}"
            k = 2
            while name in taken:
                name, k = f"{base}_{k}", k + 1
            taken.add(name)
            found[(param, slot)] = name
    return found


def _names(callee) -> set:
    if isinstance(callee, NestedFunction):
        return {n.id for n in gast.walk(callee.node) if isinstance(n, gast.Name)} | {
            callee.node.name} | set(callee.captured)
    names, todo = {getattr(callee, "__name__", "")}, [getattr(callee, "__code__", None)]
    while todo:
        code = todo.pop()
        if code is None:
            continue
        names.update(code.co_varnames, code.co_names, code.co_freevars, code.co_cellvars)
        todo += [c for c in code.co_consts if isinstance(c, types.CodeType)]
    return names


def closure_parameters(static) -> frozenset:
    """The parameters of a call's callee that are given a :class:`Closure` (their argument is the
    function value, which carries no gradient itself: its slots do)."""
    return frozenset(p for p, v in static.functions if isinstance(v, Closure))


def add_parameters(parsed, fun, functions) -> dict:
    """Give the callee's tree its keyword-only parameters for the closures in ``functions``;
    returns ``{(param, slot): name}`` (also kept as ``parsed.closure_arguments``)."""
    names = parameter_names(fun, functions)
    parsed.closure_arguments = names
    if names:
        args = parsed.tree.args
        args.kwonlyargs = args.kwonlyargs + [
            gast.Name(id=n, ctx=gast.Param(), annotation=None, type_comment=None)
            for n in names.values()]
        args.kw_defaults = args.kw_defaults + [None] * len(names)
    return names


def function_value(atom, parsed):
    """The :class:`Closure` the argument ``atom`` holds (a nested def or lambda of ``parsed``, a
    local partial, a parameter given one), and the atoms that hold its slots here; else None."""
    if not isinstance(atom, gast.Name):
        return None
    held = parsed.static.get(atom.id)
    if isinstance(held, Closure):  # passed on: the same closure, its slots this callee's own
        names = parsed.closure_arguments
        return held, [load(names[(atom.id, slot)]) for slot in held.slots]
    closure = parsed.closures.get(atom.id)
    if closure is None:
        if atom.id in parsed.nested:
            nested = parsed.nested[atom.id]
            closure = Closure(nested, tuple(nested.captured), what=describe(nested))
        elif atom.id in parsed.partial_values:
            fn, slots, positional = parsed.partial_values[atom.id]
            closure = Closure(fn, tuple(slot for slot, _ in slots), positional,
                              what=f"the partial '{atom.id}'")
        else:
            return None
        parsed.closures[atom.id] = closure
    if isinstance(closure.target, NestedFunction):
        return closure, [load(name) for name in closure.slots]
    return closure, [load(local) for _, local in parsed.partial_values[atom.id][1]]


def describe(nested) -> str:
    name = nested.node.name
    line = nested.parent.lambdas.get(name)
    if line is not None:
        return f"the lambda at line {line}" if name.startswith("lambda_") else \
            f"the lambda bound to '{name}'"
    return f"the nested function '{name}'"


def closure_call(targets, param, closure, node, keywords, parsed):
    """``y = f(a)`` in a callee whose parameter ``f`` holds ``closure`` (a nested function): a
    call of that function, its captured variables given by the callee's parameters for them."""
    from .user_calls import nested_call
    op = nested_call(targets, closure.target, node, keywords)
    for slot in closure.slots if op.callee is closure.target else ():
        op.args[slot] = load(parsed.closure_arguments[(param, slot)])
    return op


def call_arguments(op) -> tuple:
    """``(args, keywords)`` the generated code passes to the forward (or JVP) function of the
    call ``op``'s callee: the call's own, and each slot of a closure it is given by keyword."""
    slots = [gast.keyword(arg=p.name, value=a) for p, a in op.args.items()
             if isinstance(p, ClosureArgument)]
    if isinstance(op.callee, NestedFunction):  # the lifted function takes every argument
        return [], [gast.keyword(arg=p, value=a) for p, a in op.args.items()
                    if not isinstance(p, ClosureArgument)] + slots
    return list(op.node.args), list(op.node.keywords) + slots


# -- what else may be done with a function value -------------------------------------------------

def check_uses(parsed, ops, origin) -> None:
    """Refuse, at its line, a use of a function value other than a call of it, an argument of a
    call of a user's function specialized on it, a test ``f is None``, or a statement run as
    written (``print(f)``; see the module docstring). ``origin``: statement -> the user's
    statement it came from."""
    values = set(parsed.nested) | set(parsed.partial_values) | {
        p for p, v in parsed.static.items() if isinstance(v, Closure)}
    if not values:
        return
    for nested in parsed.nested.values():  # (it would call the function unseen: its parameter
        read = sorted(set(nested.captured) & values)  # holds no derivative of what that reads)
        if read:
            raise UnsupportedSyntaxError(
                f"{_what(parsed, read[0])} is read by {describe(nested)}: srcad follows a "
                "function made here, or given by the caller, only where this function calls it "
                "or passes it to a function of yours", parsed.location(nested.node),
                hint=f"call '{read[0]}' here and pass its value, or pass '{read[0]}' to "
                     f"{describe(nested)} as an argument")
    for stmt, op in ops.items():
        value = getattr(stmt, "value", None)
        if value is None or isinstance(stmt, gast.FunctionDef) or (
                op is not None and op.kind.value == "effect"):
            continue  # (print, assert, raise: run as written, never differentiated)
        for node in gast.walk(stmt):
            if not (isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load)
                    and node.id in values):
                continue
            if isinstance(value, gast.Call) and node is value.func:
                continue  # called
            if isinstance(value, gast.Compare) and all(isinstance(o, (gast.Is, gast.IsNot))
                                                       for o in value.ops):
                continue  # 'f is None'
            if _passed(node, op):
                continue
            _refuse(parsed, stmt, node, op, origin)


def _passed(node, op) -> bool:
    """Is ``node`` an argument of the call ``op`` bound to a parameter given its closure?"""
    if op is None or op.callee is None or not op.static.functions:
        return False
    given = {p for p, v in op.static.functions if isinstance(v, Closure)}
    return any(a is node and p in given for p, a in op.args.items())


def _refuse(parsed, stmt, node, op, origin):
    what = _what(parsed, node.id)
    value = stmt.value
    from ..runtime.instances import build, new_object
    callee = _callee(value, parsed)
    if callee in (build, new_object):
        message = (f"{what} is stored in an object built here: srcad follows a function made "
                   "here only where it is called or passed to a function of yours")
        hint = ("pass the function to the function of yours that calls it, or keep it in an "
                "object made outside the function differentiated (a module-level function)")
    elif isinstance(value, gast.Call) and (op is None or op.callee is None):
        from .parse import dotted_name
        callee = dotted_name(value.func) or "this function"
        message = (f"{what} is passed to '{callee}', which srcad cannot read: it would call the "
                   "function where srcad does not see it, with no gradient for the values the "
                   "function reads")
        hint = ("pass it to a function of yours (srcad follows it there), or compute the values "
                "with array code in the function itself")
    elif isinstance(value, gast.Call):
        message = (f"{what} is passed where srcad cannot follow it (into '*args', or to a "
                   "function srcad does not specialize on it)")
        hint = "pass it by a named parameter of a module-level function of yours"
    else:
        message = (f"{what} is used otherwise than called or passed to a function of yours "
                   "(stored, returned, compared or copied): srcad follows a function made here "
                   "only where it is called")
        hint = ("call it, or pass it to a function of yours; to choose between functions, "
                "write an 'if' that calls the one it needs")
    where = origin.get(stmt, stmt)
    location = parsed.location(node if hasattr(node, "lineno") else where)
    raise UnsupportedSyntaxError(message, location, hint=hint)


def _callee(value, parsed):
    """The object a call's function denotes by a name srcad bound or the user's (else None)."""
    if not isinstance(value, gast.Call) or not isinstance(value.func, gast.Name):
        return None
    return parsed.namespace.lookup(value.func.id, None)


def _what(parsed, name) -> str:
    if name in parsed.nested:
        what = describe(parsed.nested[name])
        return what[0].upper() + what[1:]
    if name in parsed.partial_values:
        return f"The partial '{name}'"
    held = parsed.static.get(name)
    return f"'{name}' (it holds {held.what or 'a function made by the caller'})"
