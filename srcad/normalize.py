"""Pass 3, normalize: the fenced function -> A-normal form (one operation per statement).

Accepts: a ``gast.FunctionDef`` that passed :mod:`srcad.fence`.
Guarantees: the returned function has the same signature and computes the same values, and its body
is a list of statements of exactly these forms:

* ``name = OP`` where OP is an *atom* or one operation whose operands are atoms:
  ``a <op> b``, ``-a``, ``f(a, k=b)``, ``a[index]``, ``a.attr``, ``(a, b, ...)``, ``[a, b, ...]``,
  ``a < b`` (comparisons, chained or not);
* ``(n1, n2, ...) = a`` (unpacking; targets are names, nested targets become temporaries);
* ``print(...)`` and ``assert ...`` kept as written (they are run, never differentiated);
* a final ``return name``.

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

import dataclasses

import gast

from .errors import UnsupportedSyntaxError


@dataclasses.dataclass
class Normalized:
    tree: gast.FunctionDef
    origin: dict  # new statement -> the user's statement it came from
    locals: frozenset  # names assigned or bound as parameters in the function, temporaries included


def normalize(parsed, namer) -> Normalized:
    """Bring ``parsed.tree`` into A-normal form (see the module docstring)."""
    return _Normalizer(parsed, namer).run()


def load(name: str) -> gast.Name:
    return gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None)


def store(name: str) -> gast.Name:
    return gast.Name(id=name, ctx=gast.Store(), annotation=None, type_comment=None)


def local_names(tree: gast.FunctionDef) -> frozenset:
    names = {a.id for a in tree.args.args + tree.args.posonlyargs}
    names |= {n.id for n in gast.walk(tree) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}
    return frozenset(names)


class _Normalizer:
    def __init__(self, parsed, namer):
        self.parsed = parsed
        self.namer = namer
        self.locals = local_names(parsed.tree)
        self.origin = {}
        self.body: list = []
        self.user_stmt = None

    def run(self) -> Normalized:
        tree = self.parsed.tree
        for stmt in tree.body:
            self.user_stmt = stmt
            self.statement(stmt)
        new = gast.FunctionDef(name=tree.name, args=tree.args, body=self.body, decorator_list=[],
                               returns=None, type_comment=None, type_params=[])
        gast.copy_location(new, tree)
        return Normalized(new, self.origin, local_names(new))

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
            self.assign(stmt.target, stmt.value)
        elif isinstance(stmt, gast.AugAssign):
            target = stmt.target  # a Name: the fence rejects the other kinds
            value = gast.BinOp(left=load(target.id), op=stmt.op, right=stmt.value)
            gast.copy_location(value, stmt)
            self.assign(store(target.id), value)
        elif isinstance(stmt, gast.Return):
            value = stmt.value
            if isinstance(value, gast.Name):
                ret = value
            else:
                ret = load(self.namer.fresh("out"))
                self.emit(gast.Assign(targets=[store(ret.id)], value=self.operation(value),
                                      type_comment=None), value)
            self.emit(gast.Return(value=ret), stmt)
        elif isinstance(stmt, gast.Expr):
            if not (isinstance(stmt.value, gast.Constant) and isinstance(stmt.value.value, str)):
                self.emit(stmt, stmt)  # print(...): run as written
        elif isinstance(stmt, gast.Assert):
            self.emit(stmt, stmt)
        elif isinstance(stmt, gast.Pass):
            pass
        else:  # the fence lets nothing else through
            raise UnsupportedSyntaxError(f"'{type(stmt).__name__}' is not supported",
                                         self.parsed.location(stmt))

    def assign(self, target, value):
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
            new = gast.Call(func=self.callee(node.func), args=[self.atom(a) for a in node.args],
                            keywords=[self.keyword(k) for k in node.keywords])
        elif isinstance(node, gast.Subscript):
            new = gast.Subscript(value=self.atom(node.value), slice=self.index(node.slice),
                                 ctx=gast.Load())
        elif isinstance(node, gast.Attribute):
            new = gast.Attribute(value=self.atom(node.value), attr=node.attr, ctx=gast.Load())
        elif isinstance(node, (gast.Tuple, gast.List)):
            new = type(node)(elts=[self.atom(e) for e in node.elts], ctx=gast.Load())
        elif isinstance(node, gast.Compare):
            new = gast.Compare(left=self.atom(node.left), ops=node.ops,
                               comparators=[self.atom(c) for c in node.comparators])
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

    def callee(self, func):
        if self.is_static(func):
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
