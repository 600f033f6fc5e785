"""Pass 4, desugar: the lowered function -> the same function written with fewer constructs.

Accepts: the ``gast.FunctionDef`` that :mod:`srcad.passes.lower` returns (fenced; one final
``return``; no ``continue``; ``break`` only as ``if flag: break`` at the end of a loop body).
Guarantees: a new function (the input tree is not modified; unchanged statements are shared with
it) that computes the same values, in which

* augmented assignment is plain assignment: ``x op= e`` -> ``x = x op e`` and ``x[i] op= e`` ->
  ``x[i] = x[i] op e``, so the caller's arrays are never mutated by it (:mod:`srcad.passes.alias`
  decides later where the update may safely run in place);
* annotated assignment is plain assignment (``x: T = e`` -> ``x = e``; ``x: T`` alone is dropped);
* NumPy's writing calls on a local array are subscript assignments: ``np.add.at(y, i, v)`` ->
  ``y[...] = added_at(y, i, v)`` (likewise ``np.subtract.at`` and ``np.copyto``; see
  :mod:`srcad.passes.writing_calls`);
* docstrings, ``pass``, ``global`` (of names only read) and ``del`` (of names not read again)
  statements are gone;
* nested ``def``s, ``assert``, ``raise``, ``print(...)`` and the handlers of a ``try`` are kept
  exactly as written (they run as written); a ``with`` or ``try`` holds its desugared body, and a
  ``try`` has no ``else`` (its statements follow it: a handler only raises, see
  :mod:`srcad.passes.statements`).

Side tables, in :class:`Desugared`: ``origin`` maps each statement desugar rebuilt to the user's
statement it stands for (statements it left alone stand for themselves); ``augmented`` holds the
assignments made from ``name op= e``; ``locals`` the names the input binds (a bare ``x: T``
binds nothing but makes ``x`` local, and it is dropped here).

What is *not* done here, and why: comprehensions, conditional expressions inside expressions,
``and``/``or`` and chained comparisons that call something, ``for`` loops over iterables and
``while`` tests that call something all become statements that must run exactly where their expression is evaluated,
between the temporaries of the expression around them, and the names they introduce are allocated
in that same order. A pass run before A-normal form would have to hoist them, which changes the
order of the generated statements and names. So :mod:`srcad.passes.anf` rewrites those at the
moment it evaluates them; the rewrite of a comprehension into a loop lives here, in
:func:`comprehension_loop`, which anf calls.
"""

from __future__ import annotations

import copy
import dataclasses

import gast

from .parse import local_names
from .statements import rewrap
from .syntax import load, store
from .writing_calls import as_write, writing_call


@dataclasses.dataclass
class Desugared:
    """The desugared function and its side tables (what pass 5, anf, reads)."""

    tree: gast.FunctionDef
    origin: dict  # statement made here -> the user's statement it stands for
    augmented: set  # 'v = v op e' made from 'v op= e' (a name target only)
    locals: frozenset  # names the input function binds (parameters included)


def desugar(parsed, namer) -> Desugared:
    """Desugar ``parsed.tree`` (see the module docstring). ``namer`` names the functions that
    NumPy's writing calls become (bound in ``parsed.namespace.extra``)."""
    tree = parsed.tree
    rewriter = _Desugar(parsed, namer, local_names(tree))
    new = copy.copy(tree)
    new.body = rewriter.block(tree.body)
    return Desugared(new, rewriter.origin, rewriter.augmented, local_names(tree))


@dataclasses.dataclass
class ComprehensionLoop:
    """A comprehension as statements: ``start`` (``items = []``), then ``loop``, after which the
    list is in ``items``; ``names`` are the comprehension's variables, renamed (and ``items``)."""

    items: str
    names: set
    start: gast.Assign
    loop: gast.For


def comprehension_loop(node, namer) -> ComprehensionLoop:
    """``[e for v in seq if c]`` (or a generator expression, made a list) as a loop building the
    list: ``items = []`` and ``for v' in seq: if c: items = items + [e]``. Its variables get fresh
    names, as they are local to the comprehension in Python."""
    node = copy.deepcopy(node)
    renames = {}
    for generator in node.generators:
        for target in gast.walk(generator.target):
            if isinstance(target, gast.Name):
                renames[target.id] = namer.fresh(target.id)
    # Python evaluates the first iterable in the enclosing scope (``[v for v in v]`` reads the
    # outer ``v``); everything else -- the element, the conditions, later iterables -- in the
    # comprehension's own scope, where the targets are local.
    first_iter = node.generators[0].iter
    node.generators[0].iter = gast.Constant(value=None, kind=None)
    for child in gast.walk(node):
        if isinstance(child, gast.Name) and child.id in renames:
            child.id = renames[child.id]
    node.generators[0].iter = first_iter
    items = namer.fresh("items")
    start = gast.Assign(targets=[store(items)], value=gast.List(elts=[], ctx=gast.Load()),
                        type_comment=None)
    body = [gast.copy_location(gast.Assign(
        targets=[store(items)], value=gast.BinOp(
            left=load(items), op=gast.Add(),
            right=gast.List(elts=[node.elt], ctx=gast.Load())), type_comment=None), node)]
    for generator in reversed(node.generators):
        for test in reversed(generator.ifs):
            body = [gast.copy_location(gast.If(test=test, body=body, orelse=[]),
                                       test)]
        body = [gast.copy_location(gast.For(target=generator.target, iter=generator.iter,
                                            body=body, orelse=[], type_comment=None), node)]
    return ComprehensionLoop(items, set(renames.values()) | {items}, start, body[0])


class _Desugar:
    def __init__(self, parsed, namer, names):
        self.parsed, self.namer, self.names = parsed, namer, names
        self.origin = {}
        self.augmented = set()

    def block(self, stmts) -> list:
        return [new for stmt in stmts for new in self.statement(stmt)]

    def made(self, new, stmt):
        """Record that ``new`` stands for the user's ``stmt``."""
        self.origin[new] = self.origin.get(stmt, stmt)
        return new

    def statement(self, stmt) -> list:
        """The statements standing for ``stmt`` (none, itself, or one rebuilt statement)."""
        if isinstance(stmt, (gast.Pass, gast.Global, gast.Delete)) or _is_docstring(stmt):
            return []  # ('global' only read, 'del' of what nothing reads: srcad.passes.fence)
        if isinstance(stmt, gast.AnnAssign):
            if stmt.value is None:  # 'z: float' alone declares nothing to compute
                return []
            return [self.made(gast.copy_location(gast.Assign(
                targets=[stmt.target], value=stmt.value,
                type_comment=None), stmt), stmt)]
        if isinstance(stmt, gast.AugAssign):
            target = stmt.target  # a Name or a subscript of a Name (the fence)
            current = gast.copy_location(_as_load(target), target)
            value = gast.copy_location(gast.BinOp(left=current, op=stmt.op,
                                                  right=stmt.value), stmt)
            new = self.made(gast.copy_location(
                gast.Assign(targets=[target], value=value, type_comment=None), stmt), stmt)
            if isinstance(target, gast.Name):  # in place for an array: see srcad.passes.alias
                self.augmented.add(new)
            return [new]
        if isinstance(stmt, (gast.If, gast.While, gast.For)):
            new = copy.copy(stmt)
            new.body, new.orelse = self.block(stmt.body), self.block(stmt.orelse)
            return [self.made(new, stmt)]
        if isinstance(stmt, (gast.With, gast.Try)):
            new = self.made(rewrap(stmt, self.block(stmt.body)), stmt)
            return [new] + self.block(getattr(stmt, "orelse", []))
        written = writing_call(stmt, self.parsed.namespace, self.names)
        if written is not None:  # np.add.at(y, i, v) -> y[...] = added_at(y, i, v)
            name, stand_in = written
            alias = self.namer.fresh(stand_in.__name__)
            self.parsed.namespace.extra[alias] = stand_in
            return [self.made(as_write(stmt, name.id, stand_in, alias), stmt)]
        return [stmt]  # assignments, returns, def, assert, raise, print(...), break: as written


def _is_docstring(stmt) -> bool:
    return (isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Constant)
            and isinstance(stmt.value.value, str))


def _as_load(target):
    """The value a target of ``target op= e`` holds before the assignment."""
    if isinstance(target, gast.Name):
        return load(target.id)
    return gast.Subscript(value=load(target.value.id), slice=target.slice, ctx=gast.Load())
