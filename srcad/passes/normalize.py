"""Pass 3, normalize: the fenced function -> A-normal form (one operation per statement).

Accepts: a ``gast.FunctionDef`` that passed :mod:`srcad.fence`.
Guarantees: the returned function has the same signature and computes the same values, and its body
is a list of statements of exactly these forms:

* ``name = OP`` where OP is an *atom* or one operation whose operands are atoms:
  ``a <op> b``, ``-a``, ``f(a, k=b)``, ``a[index]``, ``a.attr``, ``(a, b, ...)``, ``[a, b, ...]``,
  ``a < b`` (comparisons, chained or not);
* ``(n1, n2, ...) = a`` (unpacking; targets are names, nested targets become temporaries);
* ``print(...)`` and ``assert ...`` kept as written (they are run, never differentiated);
* ``x[index] = a`` (a subscript write to a local ``x``);
* ``if name: ...`` / ``else: ...`` with normalized bodies, where ``name`` is not assigned in the
  branches (the backward sweep re-reads it to take the same branch); the condition is computed
  by ``cond = <test>``, kept whole when it calls nothing (a comparison carries no gradient);
* ``for name in range(a, ...):`` whose body starts with ``<count> += 1``: a loop over anything else
  (an array's first axis, a list, ``enumerate``, ``zip``, ``reversed``) becomes a loop over indices
  whose body starts by reading the items (``row = X[row_index]``); ``for name in <static>:`` stays;
* ``while <test>:`` (the test kept whole, re-evaluated each time) whose body starts with
  ``<count> += 1``; ``if flag: break`` (as left by :mod:`srcad.lower`);
* a final ``return name``.

Each loop is preceded by ``<count> = 0``: its trip count, the only thing the reverse sweep needs to
run it backwards (``Normalized.loop_counts`` maps the loop to the counter's name). Conditional
expressions ``a if c else b`` become ``if`` statements assigning the same variable.

An *atom* is a local name, a constant, or a static expression with no local name in it (``np.pi``,
``(0, 1)``, ``-2``). An index is built of atoms, slices of atoms and tuples of those. A called function is
a static dotted name (``np.exp``), or ``a.method`` for a local ``a``. Augmented assignment becomes plain
assignment (``x += e`` -> ``x = x + e``: the caller's arrays are never mutated). The final operation of
a user's assignment writes the user's own variable; temporaries are named by :mod:`srcad.naming`.

Side table: ``Normalized.origin`` maps every new statement to the user's statement it came from (for
comments and error locations). Locations: each new statement carries the line and column of the
expression it computes.
"""

from __future__ import annotations

import builtins
import dataclasses

import gast

from ..errors import UnsupportedSyntaxError
from .syntax import load, store
from .parse import own_nodes, parameter_names, resolve_dotted


@dataclasses.dataclass
class Normalized:
    tree: gast.FunctionDef
    origin: dict  # new statement -> the user's statement it came from
    locals: frozenset  # names assigned or bound as parameters in the function, temporaries included
    loop_counts: dict  # loop statement -> the name of its trip counter
    subscript_writes: bool  # does the function write into arrays (x[i] = ...)?
    augmented: set = dataclasses.field(default_factory=set)  # 'v = v op e' made from 'v op= e'


def normalize(parsed, namer) -> Normalized:
    """Bring ``parsed.tree`` into A-normal form (see the module docstring)."""
    return _Normalizer(parsed, namer).run()


def _is_boolean(node) -> bool:
    """Is ``node`` certainly a bool: a comparison, ``not``, or and/or of those?"""
    if isinstance(node, gast.BoolOp):
        return all(_is_boolean(v) for v in node.values)
    if isinstance(node, gast.UnaryOp):
        return isinstance(node.op, gast.Not)
    return isinstance(node, gast.Compare) or (isinstance(node, gast.Constant)
                                              and isinstance(node.value, bool))


def dotted_name_of(node) -> bool:
    """Is ``node`` a chain of names (``np.linalg.norm``)?"""
    while isinstance(node, gast.Attribute):
        node = node.value
    return isinstance(node, gast.Name)


def local_names(tree: gast.FunctionDef) -> frozenset:
    names = set(parameter_names(tree.args))
    names |= {n.id for n in own_nodes(tree) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}
    names |= {n.name for n in own_nodes(tree) if isinstance(n, gast.FunctionDef)}
    return frozenset(names)


class _Normalizer:
    def __init__(self, parsed, namer):
        self.parsed = parsed
        self.namer = namer
        self.locals = local_names(parsed.tree)
        self.origin = {}
        self.body: list = []
        self.user_stmt = None
        self.loop_counts = {}
        self.augmented = set()
        self.rebound = set()  # names the body of the loop being normalized assigns

    def run(self) -> Normalized:
        tree = self.parsed.tree
        body = self.block(tree.body)
        new = gast.FunctionDef(name=tree.name, args=tree.args, body=body, decorator_list=[],
                               returns=None, type_comment=None, type_params=[])
        gast.copy_location(new, tree)
        writes = any(isinstance(n, gast.Subscript) and isinstance(n.ctx, gast.Store)
                     for n in gast.walk(new))
        return Normalized(new, self.origin, local_names(new), self.loop_counts, writes,
                          self.augmented)

    def block(self, stmts) -> list:
        """Normalize a list of statements into a new list (the current one is kept aside)."""
        outer_body, outer_stmt = self.body, self.user_stmt
        self.body = []
        for stmt in stmts:
            self.user_stmt = stmt
            self.statement(stmt)
        body, self.body, self.user_stmt = self.body, outer_body, outer_stmt
        return body

    # -- statements ------------------------------------------------------------------------------

    def emit(self, stmt, where):
        if getattr(where, "lineno", None) is None:  # a generated atom: use the user's statement
            where = self.user_stmt
        gast.copy_location(stmt, where)
        stmt.end_lineno = getattr(where, "end_lineno", stmt.lineno)
        stmt.end_col_offset = getattr(where, "end_col_offset", stmt.col_offset)
        self.origin[stmt] = self.user_stmt
        self.body.append(stmt)

    def statement(self, stmt):
        if isinstance(stmt, gast.Assign):
            if len(stmt.targets) == 1:
                self.assign(stmt.targets[0], stmt.value)
            else:  # a = b = e: evaluate once, then bind each target
                value = self.atom(stmt.value)
                for target in stmt.targets:
                    self.assign(target, value)
        elif isinstance(stmt, gast.AnnAssign):
            if stmt.value is not None:  # 'z: float' alone declares nothing to compute
                self.assign(stmt.target, stmt.value)
        elif isinstance(stmt, gast.AugAssign):
            target = stmt.target  # a Name or a subscript of a Name: the fence rejects the rest
            current = gast.copy_location(self.as_load(target), target)
            value = gast.copy_location(gast.BinOp(left=current, op=stmt.op, right=stmt.value), stmt)
            self.assign(target, value)
            if isinstance(target, gast.Name):  # in place for an array: see srcad.alias
                self.augmented.add(self.body[-1])
        elif isinstance(stmt, gast.If):
            test = stmt.test
            assigned = {n.id for n in gast.walk(gast.Module(body=stmt.body + stmt.orelse,
                                                            type_ignores=[]))
                        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}
            if isinstance(test, gast.Name) and test.id in assigned:
                # the backward sweep must see the decision, not what the branch made of it
                cond = self.condition(test, self.namer.fresh("cond"))
            else:
                cond = self.condition(test)
            body = self.block(stmt.body) or [gast.Pass()]
            orelse = self.block(stmt.orelse)
            self.emit(gast.If(test=cond, body=body, orelse=orelse), stmt)
        elif isinstance(stmt, gast.For):
            self.for_loop(stmt)
        elif isinstance(stmt, gast.While):
            count = self.counter(stmt)
            body = [self.increment(count, stmt)] + self.block(stmt.body)
            test = stmt.test
            if any(isinstance(n, gast.Call) for n in gast.walk(test)):
                # a test with calls is computed before the loop and again at the end of each
                # iteration; not once the loop is left by 'break' (the body must still end with
                # 'if flag: break', so the re-evaluation comes before it, guarded)
                name = self.namer.fresh("cond")
                self.condition(test, name)
                again = self.block_of(lambda: self.condition(test, name))
                last = body[-1] if body else None
                if isinstance(last, gast.If) and any(isinstance(b, gast.Break) for b in last.body):
                    stay = self.namer.fresh("cond")
                    guard = gast.Assign(targets=[store(stay)], value=gast.UnaryOp(
                        op=gast.Not(), operand=last.test), type_comment=None)
                    guarded = gast.If(test=load(stay), body=again, orelse=[])
                    body[-1:-1] = self.block_of(lambda: (self.emit(guard, stmt),
                                                         self.emit(guarded, stmt)))
                else:
                    body += again
                test = load(name)
            loop = gast.While(test=test, body=body, orelse=[])
            self.emit(loop, stmt)
            self.loop_counts[loop] = count
        elif isinstance(stmt, gast.Break):
            self.emit(stmt, stmt)
        elif isinstance(stmt, gast.FunctionDef):  # a nested def runs as written (srcad.parse)
            self.emit(stmt, stmt)
        elif isinstance(stmt, gast.Return):
            value = stmt.value
            if isinstance(value, gast.Name):
                ret = value
            elif isinstance(value, gast.IfExp):  # return a if c else b
                ret = load(self.namer.fresh("out"))
                self.choice(value, ret.id)
            else:
                ret = load(self.namer.fresh("out"))
                self.emit(gast.Assign(targets=[store(ret.id)], value=self.operation(value),
                                      type_comment=None), value)
            self.emit(gast.Return(value=ret), stmt)
        elif isinstance(stmt, gast.Expr):
            value = stmt.value
            if isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute) \
                    and value.func.attr == "append":  # items.append(x): x made an atom
                call = gast.Call(func=value.func, args=[self.atom(value.args[0])], keywords=[])
                self.emit(gast.Expr(value=call), stmt)
            elif not (isinstance(value, gast.Constant) and isinstance(value.value, str)):
                self.emit(stmt, stmt)  # print(...): run as written
        elif isinstance(stmt, gast.Assert):
            self.emit(stmt, stmt)
        elif isinstance(stmt, gast.Pass):
            pass
        else:  # the fence lets nothing else through
            raise UnsupportedSyntaxError(f"'{type(stmt).__name__}' is not supported",
                                         self.parsed.location(stmt))

    def as_load(self, target):
        if isinstance(target, gast.Name):
            return load(target.id)
        return gast.Subscript(value=load(target.value.id), slice=target.slice, ctx=gast.Load())

    def condition(self, test, name=None):
        """The name holding ``test``. A condition without calls is computed whole (it carries no
        gradient and has no side effect); one with calls is brought into A-normal form like any
        other code, ``and``/``or`` and chained comparisons becoming nested ``if``s so that they
        still stop at the first operand that decides."""
        if isinstance(test, gast.Name) and name is None:
            return load(test.id)
        name = name or self.namer.fresh("cond")
        if not any(isinstance(n, gast.Call) for n in gast.walk(test)):
            self.emit(gast.Assign(targets=[store(name)], value=test, type_comment=None), test)
            return load(name)
        if isinstance(test, gast.BoolOp):
            self.condition(test.values[0], name)
            rest = test.values[1:]
            rest = rest[0] if len(rest) == 1 else gast.copy_location(
                gast.BoolOp(op=test.op, values=rest), test)
            decided = load(name) if isinstance(test.op, gast.And) else gast.UnaryOp(
                op=gast.Not(), operand=load(name))
            then = self.block_of(lambda: self.condition(rest, name))
            decision = self.namer.fresh("cond")  # the branch below reassigns 'name'
            self.emit(gast.Assign(targets=[store(decision)], value=decided, type_comment=None), test)
            self.emit(gast.If(test=load(decision), body=then, orelse=[]), test)
            return load(name)
        if isinstance(test, gast.Compare) and len(test.ops) > 1:
            first = gast.copy_location(gast.Compare(left=test.left, ops=test.ops[:1],
                                                    comparators=test.comparators[:1]), test)
            rest = gast.copy_location(gast.Compare(left=test.comparators[0], ops=test.ops[1:],
                                                   comparators=test.comparators[1:]), test)
            return self.condition(gast.BoolOp(op=gast.And(), values=[first, rest]), name)
        self.emit(gast.Assign(targets=[store(name)], value=self.operation(test)
                              if not self.is_atom(test) else test, type_comment=None), test)
        return load(name)

    def block_of(self, emit) -> list:
        """The statements that ``emit()`` produces, as a separate list."""
        outer = self.body
        self.body = []
        emit()
        body, self.body = self.body, outer
        return body

    def choice(self, node, target: str):
        """``target = a if c else b`` as an ``if`` statement."""
        cond = self.condition(node.test)
        body = self.block([gast.copy_location(
            gast.Assign(targets=[store(target)], value=node.body, type_comment=None), node.body)])
        orelse = self.block([gast.copy_location(
            gast.Assign(targets=[store(target)], value=node.orelse, type_comment=None), node.orelse)])
        self.emit(gast.If(test=cond, body=body, orelse=orelse), node)

    def comprehension(self, node):
        """``[e for v in seq if c]`` (or a generator expression, made a list) as a loop that
        builds the list: ``items = []``, ``for v' in seq: if c: items = items + [e]``. Its variables
        get fresh names, as they are local to the comprehension in Python."""
        import copy

        node = copy.deepcopy(node)
        renames = {}
        for generator in node.generators:
            for target in gast.walk(generator.target):
                if isinstance(target, gast.Name):
                    renames[target.id] = self.namer.fresh(target.id)
        # Python evaluates the first iterable in the enclosing scope (``[v for v in v]`` reads the
        # outer ``v``); everything else -- the element, the conditions, later iterables -- in the
        # comprehension's own scope, where the targets are local.
        first_iter = node.generators[0].iter
        node.generators[0].iter = gast.Constant(value=None, kind=None)
        for child in gast.walk(node):
            if isinstance(child, gast.Name) and child.id in renames:
                child.id = renames[child.id]
        node.generators[0].iter = first_iter
        items = self.namer.fresh("items")
        self.emit(gast.Assign(targets=[store(items)], value=gast.List(elts=[], ctx=gast.Load()),
                              type_comment=None), node)
        self.locals = self.locals | set(renames.values()) | {items}
        self.rebound = set()
        body = [gast.copy_location(gast.Assign(
            targets=[store(items)], value=gast.BinOp(
                left=load(items), op=gast.Add(),
                right=gast.List(elts=[node.elt], ctx=gast.Load())), type_comment=None), node)]
        for generator in reversed(node.generators):
            for test in reversed(generator.ifs):
                body = [gast.copy_location(gast.If(test=test, body=body, orelse=[]), test)]
            body = [gast.copy_location(gast.For(target=generator.target, iter=generator.iter,
                                                body=body, orelse=[], type_comment=None), node)]
        for stmt in body:
            self.statement(stmt)
        return load(items)

    def counter(self, loop) -> str:
        count = self.namer.fresh("iterations")
        self.emit(gast.Assign(targets=[store(count)], value=gast.Constant(value=0, kind=None),
                              type_comment=None), loop)
        return count

    def increment(self, count, loop):
        stmt = gast.AugAssign(target=store(count), op=gast.Add(),
                              value=gast.Constant(value=1, kind=None))
        gast.copy_location(stmt, loop)
        self.origin[stmt] = loop
        return stmt

    def builtin(self, name, node):
        """A builtin the loop lowering calls by name; refuse if the user's module shadows it."""
        if self.parsed.namespace.lookup(name, None) is not getattr(builtins, name):
            raise UnsupportedSyntaxError(
                f"this loop needs the builtin '{name}', which the module redefines",
                self.parsed.location(node))
        return load(name)

    def is_builtin_call(self, node, name, keywords=()):
        if not (isinstance(node, gast.Call) and isinstance(node.func, gast.Name)
                and node.func.id == name and node.func.id not in self.locals):
            return False
        obj = resolve_dotted(node.func, self.parsed.namespace, self.parsed.filename)
        return obj is getattr(builtins, name) and all(k.arg in keywords for k in node.keywords)

    def for_loop(self, stmt):
        target, it = stmt.target, stmt.iter
        if self.is_builtin_call(it, "range") and isinstance(target, gast.Name):
            header = gast.Call(func=it.func, args=[self.atom(a) for a in it.args], keywords=[])
            loop_var, items = target.id, []
        elif self.is_static(it):
            loop_var = target.id if isinstance(target, gast.Name) else self.namer.fresh("item")
            header, items = it, ([] if isinstance(target, gast.Name) else [(target, load(loop_var))])
        else:
            # the loop runs over the sequence as it is when the loop starts, even if the body
            # rebinds the name ('for v in x: x = x * 2')
            self.rebound = {n.id for n in gast.walk(gast.Module(body=stmt.body, type_ignores=[]))
                            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}
            length, item = self.indexable(it)
            hint = target.id if isinstance(target, gast.Name) else "item"
            loop_var = self.namer.fresh(f"{hint}_index")
            header = gast.Call(func=self.builtin("range", it), args=[length], keywords=[])
            items = [(target, item)]
        count = self.counter(stmt)
        outer_body = self.body
        self.body = [self.increment(count, stmt)]
        for tgt, value in items:
            if callable(value):
                value = value(load(loop_var))
            self.assign(tgt, gast.copy_location(value, stmt.iter) if hasattr(value, "_fields")
                        else value)
        head = self.body
        self.body = outer_body
        body = head + self.block(stmt.body)
        loop = gast.For(target=store(loop_var), iter=gast.copy_location(header, it), body=body,
                        orelse=[], type_comment=None)
        self.emit(loop, stmt)
        self.loop_counts[loop] = count

    def indexable(self, it):
        """``(length, item)`` for an iterable: its length as an atom, and a function from an index
        name to the expression of the item at that index (emitting any statement it needs)."""
        if self.is_builtin_call(it, "enumerate", keywords=("start",)) and \
                len(it.args) + len(it.keywords) in (1, 2):
            length, item = self.indexable(it.args[0])
            start = it.args[1] if len(it.args) == 2 else (it.keywords[0].value if it.keywords
                                                          else None)
            if start is None:
                return length, lambda k: gast.Tuple(elts=[k, item(k)], ctx=gast.Load())
            start = self.atom(start)

            def counted(k):
                shifted = self.atom(gast.copy_location(gast.BinOp(left=k, op=gast.Add(),
                                                                  right=start), it))
                return gast.Tuple(elts=[shifted, item(k)], ctx=gast.Load())
            return length, counted
        if self.is_builtin_call(it, "zip") and it.args:
            parts = [self.indexable(a) for a in it.args]
            if len(parts) == 1:
                length = parts[0][0]
            else:
                length = self.atom(gast.copy_location(gast.Call(
                    func=self.builtin("min", it), args=[p[0] for p in parts], keywords=[]), it))
            return length, lambda k: gast.Tuple(elts=[p[1](k) for p in parts], ctx=gast.Load())
        if self.is_builtin_call(it, "reversed") and len(it.args) == 1:
            length, item = self.indexable(it.args[0])

            def backwards(k):
                last = gast.BinOp(left=length, op=gast.Sub(), right=gast.Constant(value=1, kind=None))
                last = self.atom(gast.copy_location(last, it))
                return item(self.atom(gast.copy_location(
                    gast.BinOp(left=last, op=gast.Sub(), right=k), it)))
            return length, backwards
        sequence = self.atom(it)
        if isinstance(sequence, gast.Name) and sequence.id in self.rebound:
            items = self.namer.fresh(f"{sequence.id}_items")
            self.emit(gast.Assign(targets=[store(items)], value=sequence, type_comment=None), it)
            sequence = load(items)
        length = self.atom(gast.copy_location(gast.Call(func=self.builtin("len", it),
                                                        args=[sequence], keywords=[]), it))
        return length, lambda k: gast.Subscript(value=sequence, slice=k, ctx=gast.Load())

    def assign(self, target, value):
        if isinstance(value, gast.IfExp) and isinstance(target, gast.Name):
            self.choice(value, target.id)
            return
        if isinstance(target, gast.Subscript):
            atom = self.atom(value)
            index = self.index(target.slice)
            write = gast.Subscript(value=load(target.value.id), slice=index, ctx=gast.Store())
            self.emit(gast.Assign(targets=[write], value=atom, type_comment=None), target)
            return
        if isinstance(target, gast.Name):
            op = value if self.is_atom(value) else self.operation(value)
            self.emit(gast.Assign(targets=[store(target.id)], value=self.fold(op), type_comment=None),
                      value)
            return
        # tuple or list target
        elts = target.elts
        if isinstance(value, (gast.Tuple, gast.List)) and len(value.elts) == len(elts):
            # (a, b) = (e1, e2): evaluate every right-hand side before binding any target
            assigned = {n.id for t in elts for n in gast.walk(t) if isinstance(n, gast.Name)}
            parts = []
            for elt in value.elts:
                part = self.atom(elt)
                if isinstance(part, gast.Name) and part.id in assigned:
                    copy = self.namer.fresh(part.id + "_old")
                    self.emit(gast.Assign(targets=[store(copy)], value=part, type_comment=None), elt)
                    part = load(copy)
                parts.append(part)
            for sub, part in zip(elts, parts):
                self.assign(sub, part)
            return
        source = self.atom(value)
        names, nested = [], []
        for sub in elts:
            if isinstance(sub, gast.Name):
                names.append(store(sub.id))
            else:
                temp = self.namer.fresh("unpacked")
                names.append(store(temp))
                nested.append((sub, load(temp)))
        self.emit(gast.Assign(targets=[gast.Tuple(elts=names, ctx=gast.Store())], value=source,
                              type_comment=None), value)
        for sub, temp in nested:
            self.assign(sub, temp)

    # -- expressions -----------------------------------------------------------------------------

    def is_static(self, node) -> bool:
        """An expression that mentions no local variable (its value cannot depend on the inputs)."""
        return not any(isinstance(n, gast.Name) and n.id in self.locals for n in gast.walk(node))

    def is_atom(self, node) -> bool:
        if isinstance(node, (gast.Name, gast.Constant)):
            return True
        if isinstance(node, gast.Attribute):
            return self.is_static(node)
        if isinstance(node, gast.UnaryOp) and isinstance(node.op, (gast.USub, gast.UAdd)):
            return isinstance(node.operand, gast.Constant)
        if isinstance(node, (gast.Tuple, gast.List)):
            return self.is_static(node) and all(self.is_atom(e) for e in node.elts)
        if isinstance(node, gast.Dict):
            return self.is_static(node) and all(self.is_atom(v) for v in node.values)
        return False

    def fold(self, node):
        """``-2`` as a constant, not as an operation on a constant."""
        if (isinstance(node, gast.UnaryOp) and isinstance(node.op, (gast.USub, gast.UAdd))
                and isinstance(node.operand, gast.Constant)
                and isinstance(node.operand.value, (int, float, complex))
                and not isinstance(node.operand.value, bool)):
            value = node.operand.value
            return gast.copy_location(
                gast.Constant(value=-value if isinstance(node.op, gast.USub) else value, kind=None),
                node)
        return node

    def atom(self, node):
        """An atom with the value of ``node``; emits the statements computing it."""
        if self.is_atom(node):
            return self.fold(node)
        if isinstance(node, gast.IfExp):
            name = self.namer.fresh("choice")
            self.choice(node, name)
            return load(name)
        if isinstance(node, (gast.ListComp, gast.GeneratorExp)):
            return self.comprehension(node)
        op = self.operation(node)
        name = self.namer.temp(op)
        self.emit(gast.Assign(targets=[store(name)], value=op, type_comment=None), node)
        return load(name)

    def operation(self, node):
        """``node`` as one operation over atoms (its operands' statements are emitted first)."""
        if isinstance(node, gast.BinOp):
            new = gast.BinOp(left=self.atom(node.left), op=node.op, right=self.atom(node.right))
        elif isinstance(node, gast.UnaryOp):
            new = gast.UnaryOp(op=node.op, operand=self.atom(node.operand))
        elif isinstance(node, gast.Call):
            new = gast.Call(func=self.callee(node.func), args=[self.atom(a) for a in
                                                               self.expand(node.args)],
                            keywords=[self.keyword(k) for k in node.keywords])
        elif isinstance(node, gast.Subscript):
            new = gast.Subscript(value=self.atom(node.value), slice=self.index(node.slice),
                                 ctx=gast.Load())
        elif isinstance(node, gast.Attribute):
            new = gast.Attribute(value=self.atom(node.value), attr=node.attr, ctx=gast.Load())
        elif isinstance(node, (gast.Tuple, gast.List)):
            new = type(node)(elts=[self.atom(e) for e in self.expand(node.elts)], ctx=gast.Load())
        elif isinstance(node, gast.Dict):  # constant keys (the fence checks)
            new = gast.Dict(keys=list(node.keys), values=[self.atom(v) for v in node.values])
        elif isinstance(node, gast.Compare):
            new = gast.Compare(left=self.atom(node.left), ops=node.ops,
                               comparators=[self.atom(c) for c in node.comparators])
        elif isinstance(node, (gast.ListComp, gast.GeneratorExp)):
            new = self.comprehension(node)
        elif isinstance(node, gast.BoolOp) and _is_boolean(node) \
                and not any(isinstance(n, gast.Call) for n in gast.walk(node)):
            new = node  # 'a > 0 and b < 1' is a bool (as a condition srcad saved is)
        elif isinstance(node, gast.BoolOp):
            raise UnsupportedSyntaxError(
                "'and'/'or' are only supported in conditions (they return one of their operands)",
                self.parsed.location(node))
        elif isinstance(node, (gast.JoinedStr, gast.Name, gast.Constant, gast.Attribute)):
            new = node
        else:
            raise UnsupportedSyntaxError(f"'{type(node).__name__}' is not supported here",
                                         self.parsed.location(node))
        return gast.copy_location(new, node)

    def expand(self, items) -> list:
        """``*args`` (the function's own, of known length) as its elements."""
        out = []
        for item in items:
            if isinstance(item, gast.Starred) and isinstance(item.value, gast.Name) \
                    and item.value.id in self.parsed.varargs:
                out += [load(n) for n in self.parsed.varargs[item.value.id]]
            else:
                out.append(item)
        return out

    def callee(self, func):
        root = func.value if isinstance(func, gast.Subscript) else func
        if self.is_static(func) and dotted_name_of(root):
            return func
        if isinstance(func, gast.Attribute):  # a method of a local value: x.sum()
            return gast.copy_location(
                gast.Attribute(value=self.atom(func.value), attr=func.attr, ctx=gast.Load()), func)
        return self.atom(func)

    def keyword(self, kw):
        if kw.arg is None:
            raise UnsupportedSyntaxError("'**kwargs' in a call is not supported yet",
                                         self.parsed.location(kw.value))
        return gast.keyword(arg=kw.arg, value=self.atom(kw.value))

    def index(self, node):
        """An index expression built of atoms, slices and tuples (kept inline, never a temp)."""
        if isinstance(node, gast.Slice):
            parts = [None if p is None else self.atom(p) for p in (node.lower, node.upper, node.step)]
            return gast.copy_location(gast.Slice(*parts), node)
        if isinstance(node, gast.Tuple):
            return gast.copy_location(gast.Tuple(elts=[self.index(e) for e in node.elts],
                                                 ctx=gast.Load()), node)
        return self.atom(node)
