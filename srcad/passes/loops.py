"""Pass 5, anf (its loops): ``for`` and ``while`` loops in A-normal form, with trip counters.

Accepts: a ``for`` or ``while`` statement of the desugared function (:mod:`srcad.passes.desugar`),
given to :class:`Loops` by the pass that owns it, :mod:`srcad.passes.anf`, whose ``atom``,
``condition``, ``assign``, ``block`` and ``emit`` it uses to evaluate expressions in order.
Guarantees (the loop forms listed in :mod:`srcad.passes.anf`):

* ``<count> = 0`` before the loop and ``<count> += 1`` as the first statement of its body; the
  loop is entered in ``loop_counts`` with the counter's name;
* ``for name in range(a, ...)`` keeps its header, its arguments made atoms; ``for name in
  <static>`` stays (a non-name target is unpacked from a fresh loop variable at the top of the body);
* any other ``for`` loop -- over an array's first axis, a list, ``enumerate`` (with a start or
  not), ``zip``, ``reversed``, nested as one likes -- becomes ``for k in range(<length>):`` whose
  body starts by reading the items at ``k``; the sequence is the one the loop started with, even if
  the body rebinds its name (it is then copied first: ``x_items = x``);
* a ``while`` test that calls something is computed before the loop and again at the end of each
  iteration (before the final ``if flag: break``, guarded so that a loop left by ``break`` does not
  evaluate it again); a test without calls is kept whole, re-evaluated by Python.

Every statement is emitted where the user's loop header is evaluated, so temporaries and the names
introduced here are allocated in evaluation order (see :mod:`srcad.passes.desugar` for why this is
not done before A-normal form).
"""

from __future__ import annotations

import builtins

import gast

from ..errors import UnsupportedSyntaxError
from .parse import resolve_dotted
from .syntax import load, store


class Loops:
    def __init__(self, anf):
        self.anf = anf
        self.rebound = set()  # names the body of the loop being normalized assigns

    def counter(self, loop) -> str:
        """``<count> = 0``, emitted before ``loop``; the counter's name."""
        count = self.anf.namer.fresh("iterations")
        self.anf.emit(gast.Assign(targets=[store(count)], value=gast.Constant(value=0, kind=None),
                                  type_comment=None), loop)
        return count

    def increment(self, count, loop):
        """``<count> += 1``, the first statement of the body of ``loop``."""
        stmt = gast.AugAssign(target=store(count), op=gast.Add(),
                              value=gast.Constant(value=1, kind=None))
        gast.copy_location(stmt, loop)
        self.anf.origin[stmt] = self.anf.user_statement(loop)
        return stmt

    def while_loop(self, stmt):
        anf = self.anf
        count = self.counter(stmt)
        body = [self.increment(count, stmt)] + anf.block(stmt.body)
        test = stmt.test
        if any(isinstance(n, gast.Call) for n in gast.walk(test)):
            # a test with calls is computed before the loop and again at the end of each
            # iteration; not once the loop is left by 'break' (the body must still end with
            # 'if flag: break', so the re-evaluation comes before it, guarded)
            name = anf.namer.fresh("cond")
            anf.condition(test, name)
            again = anf.block_of(lambda: anf.condition(test, name))
            last = body[-1] if body else None
            if isinstance(last, gast.If) and any(isinstance(b, gast.Break) for b in last.body):
                stay = anf.namer.fresh("cond")
                guard = gast.Assign(targets=[store(stay)], value=gast.UnaryOp(
                    op=gast.Not(), operand=last.test), type_comment=None)
                guarded = gast.If(test=load(stay), body=again, orelse=[])
                body[-1:-1] = anf.block_of(lambda: (anf.emit(guard, stmt),
                                                    anf.emit(guarded, stmt)))
            else:
                body += again
            test = load(name)
        loop = gast.While(test=test, body=body, orelse=[])
        anf.emit(loop, stmt)
        anf.loop_counts[loop] = count

    def for_loop(self, stmt):
        anf = self.anf
        target, it = stmt.target, stmt.iter
        if self.is_builtin_call(it, "range") and isinstance(target, gast.Name):
            header = gast.Call(func=it.func, args=[anf.atom(a) for a in it.args], keywords=[])
            loop_var, items = target.id, []
        elif anf.is_static(it):
            loop_var = target.id if isinstance(target, gast.Name) else anf.namer.fresh("item")
            header, items = it, ([] if isinstance(target, gast.Name) else [(target, load(loop_var))])
        else:
            # the loop runs over the sequence as it is when the loop starts, even if the body
            # rebinds the name ('for v in x: x = x * 2')
            self.rebound = {n.id for n in gast.walk(gast.Module(body=stmt.body, type_ignores=[]))
                            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}
            length, item = self.indexable(it)
            hint = target.id if isinstance(target, gast.Name) else "item"
            loop_var = anf.namer.fresh(f"{hint}_index")
            header = gast.Call(func=self.builtin("range", it), args=[length], keywords=[])
            items = [(target, item)]
        count = self.counter(stmt)
        outer_body = anf.body
        anf.body = [self.increment(count, stmt)]
        for tgt, value in items:
            if callable(value):
                value = value(load(loop_var))
            anf.assign(tgt, gast.copy_location(value, stmt.iter) if hasattr(value, "_fields")
                       else value)
        head = anf.body
        anf.body = outer_body
        body = head + anf.block(stmt.body)
        loop = gast.For(target=store(loop_var), iter=gast.copy_location(header, it), body=body,
                        orelse=[], type_comment=None)
        anf.emit(loop, stmt)
        anf.loop_counts[loop] = count

    def indexable(self, it):
        """``(length, item)`` for an iterable: its length as an atom, and a function from an index
        name to the expression of the item at that index (emitting any statement it needs)."""
        atom = self.anf.atom
        if self.is_builtin_call(it, "enumerate", keywords=("start",)) and \
                len(it.args) + len(it.keywords) in (1, 2):
            length, item = self.indexable(it.args[0])
            start = it.args[1] if len(it.args) == 2 else (it.keywords[0].value if it.keywords
                                                          else None)
            if start is None:
                return length, lambda k: gast.Tuple(elts=[k, item(k)], ctx=gast.Load())
            start = atom(start)

            def counted(k):
                shifted = atom(gast.copy_location(gast.BinOp(left=k, op=gast.Add(), right=start),
                                                  it))
                return gast.Tuple(elts=[shifted, item(k)], ctx=gast.Load())
            return length, counted
        if self.is_builtin_call(it, "zip") and it.args:
            parts = [self.indexable(a) for a in it.args]
            if len(parts) == 1:
                length = parts[0][0]
            else:
                length = atom(gast.copy_location(gast.Call(
                    func=self.builtin("min", it), args=[p[0] for p in parts], keywords=[]), it))
            return length, lambda k: gast.Tuple(elts=[p[1](k) for p in parts], ctx=gast.Load())
        if self.is_builtin_call(it, "reversed") and len(it.args) == 1:
            length, item = self.indexable(it.args[0])

            def backwards(k):
                last = gast.BinOp(left=length, op=gast.Sub(), right=gast.Constant(value=1, kind=None))
                last = atom(gast.copy_location(last, it))
                return item(atom(gast.copy_location(gast.BinOp(left=last, op=gast.Sub(), right=k),
                                                    it)))
            return length, backwards
        sequence = atom(it)
        if isinstance(sequence, gast.Name) and sequence.id in self.rebound:
            items = self.anf.namer.fresh(f"{sequence.id}_items")
            self.anf.emit_assign(items, sequence, it)
            sequence = load(items)
        length = atom(gast.copy_location(gast.Call(func=self.builtin("len", it),
                                                   args=[sequence], keywords=[]), it))
        return length, lambda k: gast.Subscript(value=sequence, slice=k, ctx=gast.Load())

    def builtin(self, name, node):
        """A builtin the loop lowering calls by name; refuse if the user's module shadows it."""
        parsed = self.anf.parsed
        if parsed.namespace.lookup(name, None) is not getattr(builtins, name):
            raise UnsupportedSyntaxError(
                f"this loop needs the builtin '{name}', which the module redefines",
                parsed.location(node))
        return load(name)

    def is_builtin_call(self, node, name, keywords=()) -> bool:
        """Is ``node`` a call of the builtin ``name`` (with keyword arguments among ``keywords``)?"""
        if not (isinstance(node, gast.Call) and isinstance(node.func, gast.Name)
                and node.func.id == name and node.func.id not in self.anf.locals):
            return False
        parsed = self.anf.parsed
        obj = resolve_dotted(node.func, parsed.namespace, parsed.filename)
        return obj is getattr(builtins, name) and all(k.arg in keywords for k in node.keywords)
