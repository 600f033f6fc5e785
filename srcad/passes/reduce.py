"""Pass 1a, reduce: ``functools.reduce(f, items[, initial])`` written as the loop it runs.

Runs right after parse, before the lambdas are rewritten (:mod:`srcad.front`), so that a lambda
given to ``reduce`` becomes a local function the loop calls.
Accepts: the :class:`~srcad.passes.parse.Parsed` function of pass 1.
Guarantees: each call of ``functools.reduce`` (by any name that denotes it) in a statement's own
expressions, evaluated whenever the statement runs (not inside a lambda, a comprehension, a branch
of a conditional expression or the second operand of ``and``/``or``, nor in a ``while`` test), is
replaced by a variable computed just before the statement, as Python's ``reduce`` computes it::

    reduced_fn = f                     # (only where f is not a name: a lambda, a partial)
    reduced = initial                  # with an initial value; without one:
    for reduced_item in items:         #   reduced_first = True
        reduced = f(reduced, reduced_item)   # the first item taken as the start, and
                                       #   TypeError raised if there is none, as reduce does

so every later pass sees an ordinary loop of calls (of a rule, a function of the user's, a lambda
made a local function). A call of ``reduce`` anywhere else, or with other than two or three
positional arguments, is refused at its line with the loop to write instead.
"""

from __future__ import annotations

import copy
import functools

import gast

from ..errors import UnsupportedSyntaxError
from ..naming import Namer
from .parse import dotted_name, local_names, resolve_dotted

_BLOCKS = ("body", "orelse", "finalbody", "handlers")
_CONDITIONAL = (gast.Lambda, gast.ListComp, gast.SetComp, gast.DictComp, gast.GeneratorExp)
_HINT = ("write the loop: 'acc = initial' then 'for item in items: acc = f(acc, item)' (without "
         "an initial value, start from the first item)")


def lower_reduce(parsed) -> None:
    """Rewrite the calls of ``functools.reduce`` in ``parsed.tree`` (see the module docstring)."""
    tree = parsed.tree
    if not any(isinstance(n, gast.Call) and _is_reduce(n.func, parsed, None)
               for n in gast.walk(tree)):
        return
    _Reduce(parsed).block(tree.body)


def _is_reduce(func, parsed, locals_) -> bool:
    name = dotted_name(func)
    if name is None or (locals_ is not None and name.split(".")[0] in locals_):
        return False
    try:
        return resolve_dotted(func, parsed.namespace, parsed.filename) is functools.reduce
    except Exception:  # noqa: BLE001 (an undefined name: reported by later passes)
        return False


class _Reduce:
    def __init__(self, parsed):
        self.parsed = parsed
        self.locals = local_names(parsed.tree)
        self.namer = Namer.for_function(parsed.tree)

    def fail(self, node, message):
        raise UnsupportedSyntaxError(message, self.parsed.location(node), hint=_HINT)

    def block(self, statements: list):
        k = 0
        while k < len(statements):
            stmt = statements[k]
            if isinstance(stmt, gast.FunctionDef):
                found = self.reduce_in(stmt)
                if found is not None:
                    self.fail(found, "functools.reduce inside a nested 'def' is not supported")
                k += 1
                continue
            before = []
            for field, value in gast.iter_fields(stmt):
                if field in _BLOCKS:
                    continue
                if isinstance(stmt, gast.While) and field == "test":
                    found = self.reduce_in(value)
                    if found is not None:
                        self.fail(found, "functools.reduce in a 'while' test is not supported "
                                         "(it runs at every test)")
                    continue
                setattr(stmt, field, self.expression(value, before, False))
            statements[k:k] = before
            k += len(before) + 1
            for field in ("body", "orelse", "finalbody"):
                if isinstance(getattr(stmt, field, None), list):
                    self.block(getattr(stmt, field))
            for handler in getattr(stmt, "handlers", None) or ():
                self.block(handler.body)

    def reduce_in(self, node):
        return next((n for n in gast.walk(node) if isinstance(n, gast.Call)
                     and _is_reduce(n.func, self.parsed, self.locals)), None)

    def expression(self, node, before, conditional):
        """``node`` with each reduce call replaced by its variable (statements into ``before``,
        in the order Python evaluates the calls)."""
        if isinstance(node, list):
            return [self.expression(n, before, conditional) for n in node]
        if not isinstance(node, gast.AST):
            return node
        if isinstance(node, gast.Call) and _is_reduce(node.func, self.parsed, self.locals):
            if conditional:
                self.fail(node, "functools.reduce here (in a lambda, a comprehension, a "
                                "conditional expression or after 'and'/'or') is not supported: "
                                "srcad writes it as a loop before the statement, which would "
                                "run it where Python might not")
            node.args = self.expression(node.args, before, conditional)
            return self.loop(node, before)
        for field, value in gast.iter_fields(node):
            inner = conditional or isinstance(node, _CONDITIONAL) or (
                isinstance(node, gast.IfExp) and field in ("body", "orelse"))
            if isinstance(node, gast.BoolOp) and field == "values":
                new = [self.expression(value[0], before, conditional)] + [
                    self.expression(v, before, True) for v in value[1:]]
            else:
                new = self.expression(value, before, inner)
            setattr(node, field, new)
        return node

    def loop(self, call, before):
        """The statements of ``reduce(f, items[, initial])`` (into ``before``); its variable."""
        if call.keywords or any(isinstance(a, gast.Starred) for a in call.args) \
                or len(call.args) not in (2, 3):
            self.fail(call, "functools.reduce takes two or three positional arguments here "
                            "(the function, the items, an initial value)")
        fn, items = call.args[0], call.args[1]
        acc, item = self.namer.fresh("reduced"), self.namer.fresh("reduced_item")
        where = _Located(call)
        if dotted_name(fn) is None:  # a lambda, a partial: made once, as reduce is given it
            held = self.namer.fresh("reduced_fn")
            before.append(where(gast.Assign(targets=[_name(held, gast.Store())], value=fn,
                                            type_comment=None)))
            fn = _name(held)
        step = where(gast.Assign(targets=[_name(acc, gast.Store())], value=gast.Call(
            func=copy.deepcopy(fn), args=[_name(acc), _name(item)], keywords=[]),
            type_comment=None))
        if len(call.args) == 3:
            before.append(where(gast.Assign(targets=[_name(acc, gast.Store())], value=call.args[2],
                                            type_comment=None)))
            body = [step]
        else:
            first = self.namer.fresh("reduced_first")
            before += [where(gast.Assign(targets=[_name(acc, gast.Store())],
                                         value=gast.Constant(value=None, kind=None),
                                         type_comment=None)),
                       where(gast.Assign(targets=[_name(first, gast.Store())],
                                         value=gast.Constant(value=True, kind=None),
                                         type_comment=None))]
            body = [where(gast.If(test=_name(first), body=[
                where(gast.Assign(targets=[_name(acc, gast.Store())], value=_name(item),
                                  type_comment=None)),
                where(gast.Assign(targets=[_name(first, gast.Store())],
                                  value=gast.Constant(value=False, kind=None),
                                  type_comment=None))], orelse=[step]))]
        before.append(where(gast.For(target=_name(item, gast.Store()), iter=items, body=body,
                                     orelse=[], type_comment=None)))
        if len(call.args) == 2:
            error = where(gast.Call(func=_name("TypeError"), args=[gast.Constant(
                value="reduce() of empty iterable with no initial value", kind=None)],
                keywords=[]))
            before.append(where(gast.If(test=_name(first), body=[
                where(gast.Raise(exc=error, cause=None))], orelse=[])))
        return where(_name(acc))


def _name(name, ctx=None):
    return gast.Name(id=name, ctx=ctx or gast.Load(), annotation=None, type_comment=None)


class _Located:
    """Places new nodes at the ``reduce`` call (its line stands for them in errors and comments)."""

    def __init__(self, call):
        self.call = call

    def __call__(self, node):
        gast.copy_location(node, self.call)
        node.end_lineno = getattr(self.call, "end_lineno", node.lineno)
        node.end_col_offset = getattr(self.call, "end_col_offset", node.col_offset)
        return node
