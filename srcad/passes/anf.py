"""Pass 5, anf: the desugared function -> A-normal form (one operation per statement).

Accepts: the :class:`~srcad.passes.desugar.Desugared` function of pass 4 and the ``Parsed`` it came
from (for its namespace, its ``*args`` and the locations of errors).
Guarantees: the returned :class:`Normalized` function has the same signature and computes the same
values, and its body is a list of statements of exactly these forms:

* ``name = OP`` where OP is an *atom* or one operation whose operands are atoms:
  ``a <op> b``, ``-a``, ``f(a, k=b)``, ``a[index]``, ``a.attr``, ``(a, b, ...)``, ``[a, b, ...]``,
  ``a < b`` (comparisons, chained or not);
* ``(n1, n2, ...) = a`` (unpacking; targets are names, nested targets become temporaries);
* ``print(...)``, ``warnings.warn(...)``, ``assert ...`` and ``raise ...`` kept as written (they
  are run, never differentiated);
* ``with <context managers>:`` and ``try: ... except ...:`` (the handlers as written, no ``else``)
  holding a normalized body (see :mod:`srcad.passes.statements`);
* a list's ``items.append(a)``, ``.extend(a)``, ``.insert(a, b)``, ``.reverse()``
  (:mod:`srcad.passes.lists`); ``items.pop()`` always assigns (``popped = items.pop()``);
* ``x[index] = a`` (a subscript write to a local ``x``);
* ``if name: ...`` / ``else: ...`` with normalized bodies, where ``name`` is not assigned in the
  branches (the backward sweep re-reads it to take the same branch); the condition is computed
  by ``cond = <test>``, kept whole when it calls nothing (a comparison carries no gradient);
* ``for name in range(a, ...):`` whose body starts with ``<count> += 1``: a loop over anything else
  (an array's first axis, a list, ``enumerate``, ``zip``, ``reversed``) becomes a loop over indices
  whose body starts by reading the items (``row = X[row_index]``); ``for name in <static>:`` stays;
* ``while <test>:`` whose body starts with ``<count> += 1`` (a test that calls nothing kept whole,
  re-evaluated each time; one that calls something a name, recomputed at the end of the body);
  ``if flag: break`` (as left by :mod:`srcad.passes.lower`);
* a final ``return name``.

Each loop is preceded by ``<count> = 0``: its trip count, the only thing the reverse sweep needs to
run it backwards (``Normalized.loop_counts`` maps the loop to the counter's name).

An *atom* is a local name, a constant, or a static expression with no local name in it (``np.pi``,
``(0, 1)``, ``-2``). An index is built of atoms, slices of atoms and tuples of those. A called
function is a static dotted name (``np.exp``), or ``a.method`` for a local ``a``. The final
operation of a user's assignment writes the user's own variable; temporaries are named by
:mod:`srcad.naming`, in the order the operations are evaluated.

Constructs rewritten here rather than in :mod:`srcad.passes.desugar`, because they become statements
that must run where their expression is evaluated (see desugar's docstring): conditional expressions
(``a if c else b`` -> an ``if`` assigning one variable), comprehensions (the loop of
:func:`~srcad.passes.desugar.comprehension_loop`), ``and``/``or`` that call something (nested
``if``\\ s, which still stop at the first operand that decides), ``for`` loops over iterables, and
``while`` tests that call something (computed before the loop and again at the end of each
iteration). :mod:`srcad.passes.control` handles conditions, ``if`` statements and loops,
:mod:`srcad.passes.atoms` the atoms and operations; this module the assignments and the other
statements.

Side tables, in :class:`Normalized`: ``origin`` maps every new statement to the user's statement it
came from (for comments and error locations); ``loop_counts`` each loop to its trip counter;
``augmented`` the statements that write ``v = v op e`` made from ``v op= e``; ``locals`` and
``subscript_writes`` as described on the fields. Locations: each new statement carries the line and
column of the expression it computes.
"""

from __future__ import annotations

import dataclasses

import gast

from ..errors import UnsupportedSyntaxError
from .atoms import Expressions, returns_an_operand
from .control import Control
from . import unpacking
from .lists import is_list_method
from .parse import local_names
from .statements import rewrap
from .syntax import load, store


@dataclasses.dataclass
class Normalized:
    """The function in A-normal form and its side tables (what passes 6 to 12 read)."""

    tree: gast.FunctionDef
    origin: dict  # new statement -> the user's statement it came from
    locals: frozenset  # names assigned or bound as parameters in the function, temporaries included
    loop_counts: dict  # loop statement -> the name of its trip counter
    subscript_writes: bool  # does the function write into arrays (x[i] = ...)?
    augmented: set = dataclasses.field(default_factory=set)  # 'v = v op e' made from 'v op= e'
    constants: set = dataclasses.field(default_factory=set)  # statements with no gradient (keys)
    iterated: dict = dataclasses.field(default_factory=dict)  # 'n = len(x)' of a loop -> 'x'


def anf(parsed, desugared, namer) -> Normalized:
    """Bring ``desugared.tree`` into A-normal form (see the module docstring)."""
    return _Anf(parsed, desugared, namer).run()


class _Anf(Expressions):
    """Normalizes one function: statements are emitted into ``body`` (the block being built), each
    entered in ``origin`` with ``user_stmt``, the user's statement being normalized; the
    expressions in them: :class:`~srcad.passes.atoms.Expressions`."""

    def __init__(self, parsed, desugared, namer):
        self.parsed = parsed
        self.desugared = desugared
        self.namer = namer
        self.locals = desugared.locals
        self.origin = {}
        self.body: list = []
        self.user_stmt = None
        self.loop_counts = {}
        self.augmented = set()
        self.constants = set()
        self.iterated = {}
        self.control = Control(self)

    def run(self) -> Normalized:
        tree = self.desugared.tree
        body = self.block(tree.body)
        new = gast.FunctionDef(name=tree.name, args=tree.args, body=body, decorator_list=[],
                               returns=None, type_comment=None, type_params=[])
        gast.copy_location(new, tree)
        writes = any(isinstance(n, gast.Subscript) and isinstance(n.ctx, gast.Store)
                     for n in gast.walk(new))
        return Normalized(new, self.origin, local_names(new), self.loop_counts, writes,
                          self.augmented, self.constants, self.iterated)

    def user_statement(self, stmt):
        """The user's statement that ``stmt`` (of the desugared tree) stands for."""
        return self.desugared.origin.get(stmt, stmt)

    # -- emitting statements ---------------------------------------------------------------------

    def block(self, stmts) -> list:
        """Normalize a list of statements into a new list (the current one is kept aside)."""
        outer_body, outer_stmt = self.body, self.user_stmt
        self.body = []
        for stmt in stmts:
            self.user_stmt = self.user_statement(stmt)
            self.statement(stmt)
        body, self.body, self.user_stmt = self.body, outer_body, outer_stmt
        return body

    def block_of(self, emit) -> list:
        """The statements that ``emit()`` produces, as a separate list."""
        outer = self.body
        self.body = []
        emit()
        body, self.body = self.body, outer
        return body

    def emit(self, stmt, where):
        """Append ``stmt`` to the block, located at the node ``where`` it computes."""
        if getattr(where, "lineno", None) is None:  # a generated atom: use the user's statement
            where = self.user_stmt
        gast.copy_location(stmt, where)
        stmt.end_lineno = getattr(where, "end_lineno", stmt.lineno)
        stmt.end_col_offset = getattr(where, "end_col_offset", stmt.col_offset)
        self.origin[stmt] = self.user_stmt
        self.body.append(stmt)

    def emit_assign(self, name: str, value, where):
        self.emit(gast.Assign(targets=[store(name)], value=value, type_comment=None), where)

    # -- statements ------------------------------------------------------------------------------

    def statement(self, stmt):
        if isinstance(stmt, gast.Assign):
            if len(stmt.targets) == 1:
                self.assign(stmt.targets[0], stmt.value)
            else:  # a = b = e: evaluate once, then bind each target
                value = self.atom(stmt.value)
                if isinstance(value, (gast.List, gast.Dict, gast.Set)):  # a = b = []: one list
                    name = self.namer.fresh("items")
                    self.emit_assign(name, value, stmt.value)
                    value = load(name)
                for target in stmt.targets:
                    self.assign(target, value)
            if stmt in self.desugared.augmented:  # in place for an array: see srcad.passes.alias
                self.augmented.add(self.body[-1])
        elif isinstance(stmt, gast.If):
            self.control.if_statement(stmt)
        elif isinstance(stmt, gast.For):
            self.control.for_loop(stmt)
        elif isinstance(stmt, gast.While):
            self.control.while_loop(stmt)
        elif isinstance(stmt, (gast.Break, gast.FunctionDef, gast.Assert, gast.Raise)):
            self.emit(stmt, stmt)  # a nested def runs as written (srcad.passes.parse)
        elif isinstance(stmt, (gast.With, gast.Try)):  # (a try's else: after it, srcad.passes.desugar)
            self.emit(rewrap(stmt, self.block(stmt.body)), stmt)
        elif isinstance(stmt, gast.Pass):
            pass  # (an empty 'with' body)
        elif isinstance(stmt, gast.Return):
            value = stmt.value
            if isinstance(value, gast.Name):
                ret = value
            elif isinstance(value, gast.IfExp):  # return a if c else b
                ret = load(self.namer.fresh("out"))
                self.control.choice(value, ret.id)
            else:
                ret = load(self.namer.fresh("out"))
                self.emit_assign(ret.id, self.operation(value), value)
            self.emit(gast.Return(value=ret), stmt)
        elif isinstance(stmt, gast.Expr):
            value = stmt.value
            if is_list_method(value):  # items.append(x), ...: the arguments made atoms
                call = gast.copy_location(gast.Call(
                    func=value.func, args=[self.atom(a) for a in value.args], keywords=[]), value)
                if value.func.attr == "pop":  # a bare 'items.pop()': its value gets a name
                    popped = self.namer.fresh("popped")
                    self.locals = self.locals | {popped}
                    self.emit_assign(popped, call, value)
                else:
                    self.emit(gast.Expr(value=call), stmt)
            else:
                self.emit(stmt, stmt)  # print(...): run as written
        else:  # the fence and desugar let nothing else through
            raise UnsupportedSyntaxError(f"'{type(stmt).__name__}' is not supported",
                                         self.parsed.location(stmt))

    def assign(self, target, value):
        if isinstance(target, gast.Name) and (isinstance(value, gast.IfExp)
                                              or returns_an_operand(value)):
            self.control.choice(self.as_choice(value), target.id)  # (x = a or b: an if)
            return
        if isinstance(target, gast.Subscript):
            atom = self.atom(value)
            index = self.index(target.slice)
            write = gast.Subscript(value=load(target.value.id), slice=index, ctx=gast.Store())
            self.emit(gast.Assign(targets=[write], value=atom, type_comment=None), target)
            return
        if isinstance(target, gast.Name):
            op = value if self.is_atom(value) else self.operation(value)
            self.emit_assign(target.id, self.fold(op), value)
            return
        # tuple or list target
        elts = target.elts
        if any(isinstance(e, gast.Starred) for e in elts):  # a, *rest = value
            unpacking.starred_assignment(self, target, value)
            return
        if isinstance(value, (gast.Tuple, gast.List)) and len(value.elts) == len(elts):
            # (a, b) = (e1, e2): evaluate every right-hand side before binding any target
            assigned = {n.id for t in elts for n in gast.walk(t) if isinstance(n, gast.Name)}
            parts = []
            for elt in value.elts:
                part = self.atom(elt)
                if isinstance(part, gast.Name) and part.id in assigned:
                    copy = self.namer.fresh(part.id + "_old")
                    self.emit_assign(copy, part, elt)
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
