"""Pass 3, lower: early exits -> flags and guarded blocks.

Accepts: the fenced ``gast.FunctionDef`` of pass 2 (``return``, ``break`` and ``continue`` anywhere,
``for ... else``, ``while ... else``) and the transformation's :class:`~srcad.naming.Namer`, which
names the flags.
Guarantees: returns an equivalent function in which

* the only ``return`` is the last statement of the function body;
* the only ``break`` is ``if <flag>: break`` as the last statement of a loop body, and there is no
  ``continue``: a jump sets a flag (``break_flag = True``, ``continue_flag = True``, ``returned = True``)
  and the statements it would skip are wrapped in ``if not <flags>:``;
* loops have no ``else`` (it becomes ``if not break_flag:`` after the loop);
* a ``with`` or ``try`` (:mod:`srcad.passes.statements`) holds its lowered body (its jumps set
  flags inside it; the statements after it are guarded like those after an ``if``); where the
  function is rewritten, a ``try`` has no ``else``: its statements follow the ``try``, guarded by
  the body's jumps (a handler only raises, so they run exactly when the body ran to its end;
  :mod:`srcad.passes.desugar` moves them where there is no jump).

So every statement that runs is reached by straight-line code and ``if`` decisions, which the reverse
pass records; a loop's trip count covers its last, partial iteration. A function with a single final
``return`` and no jumps comes back unchanged (the same object); otherwise the function and every
compound statement on the way to a jump are new nodes (the simple statements are shared), each
placed at the first line of the user's statement it comes from.
"""

from __future__ import annotations

import enum

import gast

from .parse import own_nodes
from .statements import rewrap
from .syntax import load, store


class Jump(enum.Enum):
    """A way out of the statements that follow: what a flag records."""

    RETURN = "return"
    BREAK = "break"
    CONTINUE = "continue"


def lower(tree: gast.FunctionDef, namer) -> gast.FunctionDef:
    """See the module docstring."""
    returns = [n for n in own_nodes(tree) if isinstance(n, gast.Return)]
    jumps = any(isinstance(n, (gast.Break, gast.Continue)) for n in own_nodes(tree))
    loop_else = any(isinstance(n, (gast.For, gast.While)) and n.orelse for n in own_nodes(tree))
    if not jumps and not loop_else and len(returns) == 1 and tree.body[-1] is returns[0]:
        return tree
    return _Lower(namer, tree).run()


def _at(node, where):
    """``node`` located at the first line of ``where`` (a comment then quotes that line only)."""
    node.lineno, node.col_offset = where.lineno, where.col_offset
    node.end_lineno, node.end_col_offset = where.lineno, where.col_offset
    return node


def _assign(name, value, where):
    return _at(gast.Assign(targets=[store(name)], value=value, type_comment=None), where)


def _const(value):
    return gast.Constant(value=value, kind=None)


class _Loop:
    """The flags of one loop, named when a jump first needs them."""

    def __init__(self, namer):
        self.namer = namer
        self.break_flag = None
        self.continue_flag = None

    def flag(self, kind: Jump) -> str:
        if kind is Jump.BREAK:
            if self.break_flag is None:
                self.break_flag = self.namer.fresh("break_flag")
            return self.break_flag
        if self.continue_flag is None:
            self.continue_flag = self.namer.fresh("continue_flag")
        return self.continue_flag


class _Lower:
    def __init__(self, namer, tree):
        self.namer = namer
        self.tree = tree
        self.returned = namer.fresh("returned")
        self.value = namer.fresh("result")

    def run(self) -> gast.FunctionDef:
        tree = self.tree
        body, _ = self.block(tree.body, None)
        prologue = [_assign(self.returned, _const(False), tree),
                    _assign(self.value, _const(None), tree)]
        final = _at(gast.Return(value=load(self.value)), tree.body[-1])
        new = gast.FunctionDef(name=tree.name, args=tree.args, body=prologue + body + [final],
                               decorator_list=[], returns=None, type_comment=None, type_params=[])
        return _at(new, tree)

    def guard(self, exits, loop):
        """``not (flag or flag ...)`` for the jumps in ``exits``."""
        flags = []
        if Jump.RETURN in exits:
            flags.append(self.returned)
        for kind in (Jump.BREAK, Jump.CONTINUE):
            if kind in exits and loop is not None:
                flags.append(loop.flag(kind))
        test = load(flags[0]) if len(flags) == 1 else gast.BoolOp(op=gast.Or(),
                                                                  values=[load(f) for f in flags])
        return gast.UnaryOp(op=gast.Not(), operand=test)

    def block(self, stmts, loop):
        """Lower a list of statements; returns them and the set of :class:`Jump` that may leave it
        (``loop``: the :class:`_Loop` the statements are in, or None)."""
        out, exits = [], set()
        for k, stmt in enumerate(stmts):
            new, stmt_exits = self.statement(stmt, loop)
            out.extend(new)
            exits |= stmt_exits
            if stmt_exits and k + 1 < len(stmts):
                rest, rest_exits = self.block(stmts[k + 1:], loop)
                if rest:
                    out.append(_at(
                        gast.If(test=self.guard(stmt_exits, loop), body=rest, orelse=[]), stmts[k + 1]))
                return out, exits | rest_exits
        return out, exits

    def statement(self, stmt, loop):
        """The statements standing for ``stmt``, and the jumps that may leave them."""
        if isinstance(stmt, gast.Return):
            return [_assign(self.value, stmt.value, stmt),
                    _assign(self.returned, _const(True), stmt)], {Jump.RETURN}
        if isinstance(stmt, gast.Break):
            return [_assign(loop.flag(Jump.BREAK), _const(True), stmt)], {Jump.BREAK}
        if isinstance(stmt, gast.Continue):
            return [_assign(loop.flag(Jump.CONTINUE), _const(True), stmt)], {Jump.CONTINUE}
        if isinstance(stmt, gast.If):
            body, body_exits = self.block(stmt.body, loop)
            orelse, else_exits = self.block(stmt.orelse, loop)
            new = _at(gast.If(test=stmt.test, body=body or [gast.Pass()], orelse=orelse), stmt)
            return [new], body_exits | else_exits
        if isinstance(stmt, (gast.For, gast.While)):
            return self.loop(stmt, loop)
        if isinstance(stmt, (gast.With, gast.Try)):
            body, exits = self.block(stmt.body, loop)
            new = [rewrap(stmt, body)]
            if getattr(stmt, "orelse", None):  # try ... else: after it, when the body got to its end
                rest, rest_exits = self.block(stmt.orelse, loop)
                if exits and rest:
                    rest = [_at(gast.If(test=self.guard(exits, loop), body=rest, orelse=[]),
                                stmt.orelse[0])]
                new, exits = new + rest, exits | rest_exits
            return new, exits
        return [stmt], set()

    def loop(self, stmt, outer):
        """A ``for`` or ``while`` loop (in the loop ``outer``, or None) with its jumps as flags:
        the statements standing for it (flags set before, its ``else`` after) and the jumps
        that may leave them (only a ``return``, or those of its ``else``)."""
        inner = _Loop(self.namer)
        body, body_exits = self.block(stmt.body, inner)
        before, after = [], []
        if inner.continue_flag:
            body.insert(0, _assign(inner.continue_flag, _const(False), stmt))
        stop = []
        if inner.break_flag:
            before.append(_assign(inner.break_flag, _const(False), stmt))
            stop.append(inner.break_flag)
        if Jump.RETURN in body_exits:
            stop.append(self.returned)
        if stop:
            test = load(stop[0]) if len(stop) == 1 else gast.BoolOp(
                op=gast.Or(), values=[load(f) for f in stop])
            body.append(_at(gast.If(test=test, body=[_at(gast.Break(), stmt)], orelse=[]), stmt))
        exits = {Jump.RETURN} & body_exits
        if stmt.orelse:
            orelse, else_exits = self.block(stmt.orelse, outer)
            exits |= else_exits
            if inner.break_flag:
                test = gast.UnaryOp(op=gast.Not(), operand=load(inner.break_flag))
                if Jump.RETURN in body_exits:
                    test = self.guard({Jump.RETURN}, None)
                    test = gast.BoolOp(op=gast.And(), values=[
                        gast.UnaryOp(op=gast.Not(), operand=load(inner.break_flag)), test])
                after.append(_at(gast.If(test=test, body=orelse, orelse=[]), stmt.orelse[0]))
            elif Jump.RETURN in body_exits:
                after.append(_at(gast.If(test=self.guard({Jump.RETURN}, None), body=orelse,
                                         orelse=[]), stmt.orelse[0]))
            else:
                after.extend(orelse)
        if isinstance(stmt, gast.For):
            new = gast.For(target=stmt.target, iter=stmt.iter, body=body, orelse=[],
                           type_comment=None)
        else:
            new = gast.While(test=stmt.test, body=body, orelse=[])
        return before + [_at(new, stmt)] + after, exits
