"""Pass 5, anf (its control flow): conditions, ``if`` statements and loops in A-normal form.

Accepts: an ``if``, ``for`` or ``while`` statement, a condition or a conditional expression of the
desugared function (:mod:`srcad.passes.desugar`), handed over by :mod:`srcad.passes.anf`, whose
``atom``, ``operation``, ``assign``, ``block`` and ``emit`` evaluate the expressions in them.
Guarantees (the forms listed in :mod:`srcad.passes.anf`):

* a condition is a name: ``cond = <test>``, the test kept whole when it calls nothing (it carries
  no gradient); one that calls something is in A-normal form like any other code, its
  ``and``/``or`` become nested ``if``\\ s that still stop at the first operand that decides;
* ``if name:`` where ``name`` is not assigned in the branches (the backward sweep re-reads it to
  take the same branch); ``x = a if c else b`` is an ``if`` assigning ``x`` in both branches;
* ``<count> = 0`` before each loop and ``<count> += 1`` as the first statement of its body; the
  loop is entered in ``loop_counts`` with the counter's name;
* ``for name in range(a, ...)`` keeps its header, its arguments made atoms; ``for name in
  <static>`` stays (a non-name target is unpacked from a fresh loop variable at the top of the body);
* any other ``for`` loop -- over an array's first axis, a list, ``enumerate`` (with a start or
  not), ``zip``, ``reversed``, nested as one likes -- becomes ``for k in range(<length>):`` whose
  body starts by reading the items at ``k``; the sequence is the one the loop started with, even if
  the body rebinds its name (it is then copied first: ``x_items = x``);
* a loop over ``np.ndindex(...)`` or an ``itertools`` product, combinations or permutations runs
  over them listed once as the loop starts (``list(np.ndindex(shape))``);
* a loop over a mapping -- ``d.items()``, ``d.values()``, ``d.keys()``, or a local ``d`` every
  assignment of which is a dict display, comprehension or ``dict(...)`` -- runs over its keys,
  listed once as the loop starts (``d_keys = list(d.keys())``, a statement in
  ``Normalized.constants``: the keys carry no gradient), each value read as ``d[key]``; a loop over
  any other value srcad cannot tell is not a mapping has its ``len`` statement in
  ``Normalized.iterated`` (pass 10 checks at run time that it is not a dict or a set);
* a ``while`` test that calls something is computed before the loop and again at the end of each
  iteration (before the final ``if flag: break``, guarded so that a loop left by ``break`` does not
  evaluate it again); a test without calls is kept whole, re-evaluated by Python.

Every statement is emitted where the user's code evaluates it, so temporaries and the names made
here are allocated in evaluation order (see :mod:`srcad.passes.desugar` for why this is not done
before A-normal form).
"""

from __future__ import annotations

import builtins
import itertools

import gast
import numpy as np

from ..errors import UndefinedNameError, UnsupportedSyntaxError
from .parse import dotted_name, resolve_dotted
from .syntax import assigned_values, load, store


# functions returning iterators a loop runs over by index, once listed (no gradient flows
# through them: a call of one is refused where one would)
ITERATORS = (np.ndindex, itertools.product, itertools.combinations, itertools.permutations,
             itertools.combinations_with_replacement)


def _has_call(node) -> bool:
    return any(isinstance(n, gast.Call) for n in gast.walk(node))


def _assigned_in(stmts) -> set:
    return {n.id for n in gast.walk(gast.Module(body=stmts, type_ignores=[]))
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}


class Control:
    """The control flow of the function that an :class:`srcad.passes.anf._Anf` normalizes."""

    def __init__(self, anf):
        self.anf = anf
        self.rebound = set()  # names the body of the loop being normalized assigns

    def if_statement(self, stmt):
        anf = self.anf
        test = stmt.test
        if isinstance(test, gast.Name) and test.id in _assigned_in(stmt.body + stmt.orelse):
            # the backward sweep must see the decision, not what the branch made of it
            cond = self.condition(test, anf.namer.fresh("cond"))
        else:
            cond = self.condition(test)
        body = anf.block(stmt.body) or [gast.Pass()]
        orelse = anf.block(stmt.orelse)
        anf.emit(gast.If(test=cond, body=body, orelse=orelse), stmt)

    def condition(self, test, name=None):
        """The name holding ``test``. A condition without calls is computed whole (it carries no
        gradient and has no side effect); one with calls is brought into A-normal form like any
        other code, ``and``/``or`` becoming nested ``if``s so that they still stop at the first
        operand that decides, and a chained comparison computing each operand once, as Python does
        (:meth:`chain`)."""
        anf = self.anf
        if isinstance(test, gast.Name) and name is None:
            return load(test.id)
        name = name or anf.namer.fresh("cond")
        if not _has_call(test):
            anf.emit_assign(name, test, test)
            return load(name)
        if isinstance(test, gast.BoolOp):
            self.condition(test.values[0], name)
            rest = test.values[1:]
            rest = rest[0] if len(rest) == 1 else gast.copy_location(
                gast.BoolOp(op=test.op, values=rest), test)
            decided = load(name) if isinstance(test.op, gast.And) else gast.UnaryOp(
                op=gast.Not(), operand=load(name))
            then = anf.block_of(lambda: self.condition(rest, name))
            decision = anf.namer.fresh("cond")  # the branch below reassigns 'name'
            anf.emit_assign(decision, decided, test)
            anf.emit(gast.If(test=load(decision), body=then, orelse=[]), test)
            return load(name)
        if isinstance(test, gast.Compare) and len(test.ops) > 1:
            self.chain(test, anf.atom(test.left), test.ops, test.comparators, name)
            return load(name)
        anf.emit_assign(name, test if anf.is_atom(test) else anf.operation(test), test)
        return load(name)

    def chain(self, test, left, ops, comparators, name):
        """``name = left op0 c0 op1 c1 ...`` for a chained comparison ``test`` that calls
        something: each operand computed once, and the ones after the first false comparison not
        at all (``a < f(b) < c``: ``f(b)`` once; ``c`` only if ``a < f(b)``)."""
        anf = self.anf
        right = anf.atom(comparators[0])
        anf.emit_assign(name, gast.Compare(left=left, ops=[ops[0]], comparators=[right]), test)
        if len(ops) > 1:
            then = anf.block_of(lambda: self.chain(test, right, ops[1:], comparators[1:], name))
            decision = anf.namer.fresh("cond")  # the branch below reassigns 'name'
            anf.emit_assign(decision, load(name), test)
            anf.emit(gast.If(test=load(decision), body=then, orelse=[]), test)

    def choice(self, node, target: str):
        """``target = a if c else b`` as an ``if`` statement."""
        anf = self.anf
        cond = self.condition(node.test)
        body = anf.block([gast.copy_location(
            gast.Assign(targets=[store(target)], value=node.body, type_comment=None), node.body)])
        orelse = anf.block([gast.copy_location(
            gast.Assign(targets=[store(target)], value=node.orelse, type_comment=None), node.orelse)])
        anf.emit(gast.If(test=cond, body=body, orelse=orelse), node)

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
        if _has_call(test):
            # a test with calls is computed before the loop and again at the end of each
            # iteration; not once the loop is left by 'break' (the body must still end with
            # 'if flag: break', so the re-evaluation comes before it, guarded)
            name = anf.namer.fresh("cond")
            self.condition(test, name)
            again = anf.block_of(lambda: self.condition(test, name))
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
            parts = [self.indexable(a) for a in self.anf.expand(it.args)]  # (zip(*pairs))
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
        if isinstance(it, gast.Call) and isinstance(it.func, gast.Attribute) and not it.args \
                and not it.keywords and it.func.attr in ("items", "values", "keys") \
                and not self.anf.is_static(it.func.value):
            return self.mapping(it.func.value, it.func.attr, it)
        if isinstance(it, gast.Name) and self.holds_dict(it.id):
            return self.mapping(it, "keys", it)
        if self.is_iterator(it):  # np.ndindex(shape), itertools.product(...): listed first
            it = gast.copy_location(gast.Call(func=self.builtin("list", it), args=[it],
                                              keywords=[]), it)
        sequence = atom(it)
        if isinstance(sequence, gast.Name) and sequence.id in self.rebound:
            items = self.anf.namer.fresh(f"{sequence.id}_items")
            self.anf.emit_assign(items, sequence, it)
            sequence = load(items)
        length = atom(gast.copy_location(gast.Call(func=self.builtin("len", it),
                                                   args=[sequence], keywords=[]), it))
        if isinstance(sequence, gast.Name) and not self.is_sequence(sequence.id):
            self.anf.iterated[self.anf.body[-1]] = sequence.id  # (the statement 'n = len(x)')
        return length, lambda k: gast.Subscript(value=sequence, slice=k, ctx=gast.Load())

    def mapping(self, receiver, view, it):
        """``(length, item)`` for the keys, values or items (``view``) of a mapping: its keys are
        listed once, and a value is read as ``d[key]``."""
        anf = self.anf
        mapping = anf.atom(receiver)
        if isinstance(mapping, gast.Name) and mapping.id in self.rebound:
            copied = anf.namer.fresh(f"{mapping.id}_items")
            anf.emit_assign(copied, mapping, it)
            mapping = load(copied)
        hint = mapping.id if isinstance(mapping, gast.Name) else "mapping"
        keys = anf.namer.fresh(f"{hint}_keys")
        listed = gast.Call(func=self.builtin("list", it), args=[gast.Call(
            func=gast.Attribute(value=mapping, attr="keys", ctx=gast.Load()), args=[],
            keywords=[])], keywords=[])
        anf.emit_assign(keys, gast.copy_location(listed, it), it)
        anf.constants.add(anf.body[-1])
        length = anf.atom(gast.copy_location(gast.Call(func=self.builtin("len", it),
                                                       args=[load(keys)], keywords=[]), it))

        def item(k):
            listed = gast.copy_location(gast.Subscript(value=load(keys), slice=k, ctx=gast.Load()),
                                        it)
            if view == "keys":
                return listed
            key = anf.namer.fresh(f"{hint}_key")
            anf.emit_assign(key, listed, it)
            value = gast.copy_location(gast.Subscript(value=mapping, slice=load(key),
                                                      ctx=gast.Load()), it)
            if view == "values":
                return value
            named = anf.namer.fresh(f"{hint}_value")
            anf.emit_assign(named, value, it)
            return gast.Tuple(elts=[load(key), load(named)], ctx=gast.Load())
        return length, item

    def holds_dict(self, name) -> bool:
        """Is every assignment to the local ``name`` a dict display or ``dict(...)``, or is it a
        parameter given a dict (and never assigned)?"""
        values = assigned_values(self.anf.desugared.tree, name) if name in self.anf.locals else [None]
        if values == [None] and name in self.anf.parsed.mappings:
            return True  # (a parameter's binding, and no other)
        return bool(values) and all(
            isinstance(v, (gast.Dict, gast.DictComp)) or (isinstance(v, gast.Call) and
                                                        self.is_builtin_call(v, "dict"))
            for v in values)

    def is_sequence(self, name) -> bool:
        """Is every assignment to the local ``name`` a list or tuple display, a comprehension, or
        arithmetic (an array or a number), so that it cannot be a dict or a set?"""
        values = assigned_values(self.anf.desugared.tree, name) if name in self.anf.locals else [None]
        return bool(values) and all(isinstance(v, (gast.List, gast.Tuple, gast.ListComp,
                                                   gast.BinOp, gast.UnaryOp)) for v in values)

    def is_iterator(self, node) -> bool:
        """Is ``node`` a call of a function that returns an iterator of index tuples or of
        combinations (:data:`ITERATORS`), run once as the loop starts?"""
        if not (isinstance(node, gast.Call) and self.anf.is_static(node.func)
                and dotted_name(node.func) is not None):
            return False
        parsed = self.anf.parsed
        try:
            obj = resolve_dotted(node.func, parsed.namespace, parsed.filename)
        except UndefinedNameError:
            return False
        return any(obj is f for f in ITERATORS)

    def builtin(self, name, node):
        """A builtin the loop lowering calls by name; refuse if the user's function or module
        shadows it."""
        parsed = self.anf.parsed
        if name in self.anf.locals:
            raise UnsupportedSyntaxError(
                f"this loop needs the builtin '{name}', which the function uses as a variable: "
                "rename the variable", parsed.location(node))
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


def dict_view(control, node):
    """``d.values()`` or ``d.items()`` outside a loop's header, where the local ``d`` certainly
    holds a dict (:meth:`Control.holds_dict`): the list comprehension with its items, ``[v for v in
    d.values()]`` (whose loop reads each value as ``d[key]``); None for anything else."""
    if not (isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute)
            and node.func.attr in ("values", "items") and not node.args and not node.keywords
            and isinstance(node.func.value, gast.Name) and control.holds_dict(node.func.value.id)):
        return None
    return gast.copy_location(gast.ListComp(elt=load("item"), generators=[gast.comprehension(
        target=store("item"), iter=node, ifs=[], is_async=0)]), node)
