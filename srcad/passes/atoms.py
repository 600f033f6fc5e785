"""Pass 5, anf (its expressions): an expression as an atom, or as one operation over atoms.

Accepts: an expression of the desugared function (:mod:`srcad.passes.desugar`), handed over by the
statement it is in: :class:`Expressions` is part of :class:`srcad.passes.anf._Anf`, whose
``emit_assign`` emits the statements computing the operands (in the order Python evaluates them),
whose ``statement`` normalizes the loop of a comprehension and whose ``control``
(:mod:`srcad.passes.control`) a conditional expression; ``namer``, ``locals`` and ``parsed`` are
the function's.
Guarantees (the atoms and operations listed in :mod:`srcad.passes.anf`):

* :meth:`Expressions.atom` returns an atom with the value of the expression, after emitting the
  statements that compute it, each operation assigned to a temporary named by :mod:`srcad.naming`
  (``-2`` is a constant, not an operation); a conditional expression becomes an ``if`` assigning
  one name, a comprehension (or ``d.values()``, ``d.items()``, ``d.keys()`` read as a sequence) the
  loop of :func:`~srcad.passes.desugar.comprehension_loop`, its list the atom;
* :meth:`Expressions.operation` returns one operation whose operands are atoms; a called function
  stays a static dotted name (``np.exp``) or becomes ``a.method`` for an atom ``a``; ``*seq`` and
  ``**mapping`` are expanded (:mod:`srcad.passes.unpacking`), a dict or set display or
  comprehension becomes ``dict(<list of pairs>)`` / ``set(<list>)``;
* :meth:`Expressions.index` returns an index of atoms, slices of atoms and tuples of those, kept
  inline.

Refused, with a located :class:`~srcad.errors.UnsupportedSyntaxError`: ``and``/``or`` outside a
condition unless its operands are comparisons, ``not`` or booleans calling nothing (it returns one
of its operands), and any expression not listed here.
"""

from __future__ import annotations

import copy

import gast

from ..errors import UnsupportedSyntaxError
from .control import dict_view
from .desugar import comprehension_loop
from . import holders, unpacking
from .syntax import load


def dotted_name_of(node) -> bool:
    """Is ``node`` a chain of names (``np.linalg.norm``)?"""
    while isinstance(node, gast.Attribute):
        node = node.value
    return isinstance(node, gast.Name)


def _is_boolean(node) -> bool:
    """Is ``node`` certainly a bool: a comparison, ``not``, or and/or of those?"""
    if isinstance(node, gast.BoolOp):
        return all(_is_boolean(v) for v in node.values)
    if isinstance(node, gast.UnaryOp):
        return isinstance(node.op, gast.Not)
    return isinstance(node, gast.Compare) or (isinstance(node, gast.Constant)
                                              and isinstance(node.value, bool))


def returns_an_operand(node) -> bool:
    """Is ``node`` an ``and``/``or`` whose value is one of its operands, not certainly a bool (or
    one that calls something: its operands run only as far as Python's short circuit goes)?"""
    return isinstance(node, gast.BoolOp) and not (_is_boolean(node) and not _has_call(node))


def _has_call(node) -> bool:
    return any(isinstance(n, gast.Call) for n in gast.walk(node))


class Expressions:
    """The atoms and operations of the function an :class:`srcad.passes.anf._Anf` normalizes (see
    the module docstring)."""

    def is_static(self, node) -> bool:  # (mentions no local: cannot depend on the inputs)
        return holders.is_static(node, self.locals)

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
        if isinstance(node, gast.IfExp) or returns_an_operand(node):
            name = self.namer.fresh("choice")
            self.control.choice(self.as_choice(node), name)
            return load(name)
        view = dict_view(self.control, node)  # d.values() -> [v for v in d.values()]
        if isinstance(node, (gast.ListComp, gast.GeneratorExp)) or view is not None:
            return self.comprehension(view or node)
        op = self.operation(node)
        name = self.namer.temp(op)
        self.emit_assign(name, op, node)
        return load(name)

    def as_choice(self, node):
        """``node`` as an ``IfExp``: ``a and b`` is ``b if a else a``, ``a or b`` is ``a if a else
        b``, ``a`` evaluated once (an atom), the others only where Python evaluates them."""
        if isinstance(node, gast.IfExp):
            return node
        first = self.atom(node.values[0])
        rest = node.values[1] if len(node.values) == 2 else gast.copy_location(
            gast.BoolOp(op=node.op, values=node.values[1:]), node)
        if getattr(first, "lineno", None) is None:  # (a temporary: located at the expression)
            gast.copy_location(first, node.values[0])
        again = copy.deepcopy(first)
        body, orelse = (rest, again) if isinstance(node.op, gast.And) else (again, rest)
        return gast.copy_location(gast.IfExp(test=first, body=body, orelse=orelse), node)

    def comprehension(self, node):
        """The name of the list a comprehension builds, after the loop that builds it."""
        built = comprehension_loop(node, self.namer)
        self.emit(built.start, node)
        self.locals = self.locals | built.names
        self.control.rebound = set()
        self.statement(built.loop)
        return load(built.items)

    def operation(self, node):
        """``node`` as one operation over atoms (its operands' statements are emitted first)."""
        if isinstance(node, gast.BinOp):
            new = gast.BinOp(left=self.atom(node.left), op=node.op, right=self.atom(node.right))
        elif isinstance(node, gast.UnaryOp):
            new = gast.UnaryOp(op=node.op, operand=self.atom(node.operand))
        elif isinstance(node, (gast.DictComp, gast.SetComp, gast.Set)):
            new = unpacking.collection(self, node)  # dict(<list of pairs>), set(<list>)
        elif isinstance(node, gast.Call) and unpacking.as_display(self, node) is not None:
            new = unpacking.display(self, unpacking.as_display(self, node))  # dict(a=x, **m)
        elif isinstance(node, gast.Call):
            new = gast.Call(func=self.callee(node.func), args=[self.atom(a) for a in
                                                               self.expand(node.args)],
                            keywords=[k for kw in node.keywords for k in self.keyword(kw)])
        elif isinstance(node, gast.Subscript):
            new = gast.Subscript(value=self.atom(node.value), slice=self.index(node.slice),
                                 ctx=gast.Load())
        elif isinstance(node, gast.Attribute):
            new = gast.Attribute(value=self.atom(node.value), attr=node.attr, ctx=gast.Load())
        elif isinstance(node, (gast.Tuple, gast.List)):
            new = type(node)(elts=[self.atom(e) for e in self.expand(node.elts)], ctx=gast.Load())
        elif isinstance(node, gast.Dict):  # constant keys, '**' of known keys (the fence checks)
            new = unpacking.display(self, node)
        elif isinstance(node, gast.Compare):
            new = gast.Compare(left=self.atom(node.left), ops=node.ops,
                               comparators=[self.atom(c) for c in node.comparators])
        elif isinstance(node, (gast.ListComp, gast.GeneratorExp)):
            new = self.comprehension(node)
        elif isinstance(node, gast.BoolOp) and not returns_an_operand(node):
            new = node  # 'a > 0 and b < 1' is a bool (as a condition srcad saved is)
        elif isinstance(node, gast.BoolOp):  # 'x or default': one of its operands
            return self.atom(node)
        elif isinstance(node, (gast.JoinedStr, gast.Name, gast.Constant, gast.Attribute)):
            new = node
        else:
            raise UnsupportedSyntaxError(f"'{type(node).__name__}' is not supported here",
                                         self.parsed.location(node))
        return gast.copy_location(new, node)

    def expand(self, items) -> list:
        """``*seq`` (of a length :mod:`srcad.passes.unpacking` sees) as its elements."""
        return unpacking.expand(self, items)

    def callee(self, func):
        root = func.value if isinstance(func, gast.Subscript) else func
        if self.is_static(func) and dotted_name_of(root):
            return func
        if isinstance(func, gast.Attribute):  # a method of a local value: x.sum()
            return gast.copy_location(
                gast.Attribute(value=self.atom(func.value), attr=func.attr, ctx=gast.Load()), func)
        return self.atom(func)

    def keyword(self, kw) -> list:
        """The keyword arguments ``kw`` stands for (``**m``: one per key of ``m``)."""
        return unpacking.keywords(self, kw)

    def index(self, node):
        """An index expression built of atoms, slices and tuples (kept inline, never a temp)."""
        if isinstance(node, gast.Slice):
            parts = [None if p is None else self.atom(p) for p in (node.lower, node.upper, node.step)]
            return gast.copy_location(gast.Slice(*parts), node)
        if isinstance(node, gast.Tuple):
            return gast.copy_location(gast.Tuple(elts=[self.index(e) for e in node.elts],
                                                 ctx=gast.Load()), node)
        return self.atom(node)
