"""Part of pass 11, in place: which gradient buffers the generated code owns.

Accepts: the statements of a backward sweep (the reverse pass's, before pass 11), the adjoint
variables it may update in place, the pairs (adjoint, variable) of certain NumPy arrays, the names
that certainly hold integers and the function's :class:`srcad.rules.template.Helpers`.
Guarantees: :meth:`Ownership.chosen` is the set of adjoints ``d`` that own their buffer once the
copies :meth:`Ownership.copies` lists are made, and are worth rewriting (:mod:`srcad.passes.inplace`).
``d`` owns its buffer when no other variable can hold ``d``'s array, or a view of it, whenever
``d`` is changed in place. The analysis is flow-insensitive: it holds if

1. every assignment to ``d`` (a single name as target) makes a new object: ``zeros_like(...)`` or
   ``unindex(...)`` (new zeros, with a gradient added in); ``d + e + ...`` (a new array; rewritten,
   ``d``'s own); ``zero_at(d, i)`` (a copy; rewritten, ``d``'s own); ``snapshot(...)`` (a copy: of
   an array, or a new list or dict gradient with the same entries); an arithmetic operation
   (NumPy's operators allocate their result); or any other expression, which is then copied:
   ``d = snapshot(...)``;
2. every other read of ``d`` is the ``d`` of ``d = d + ...`` or ``d = zero_at(d, i)``, the first
   argument of ``check_finite`` (which keeps nothing), or a *read of its entries*: ``d``, or
   ``d[i]``, ``unbroadcast(...)``, ``unsetitem(...)``, ``cast_like(...)`` of one (an array, a view of
   ``d`` at most, never a container) that is the operand of an arithmetic operation (whose result
   is new), the argument of ``snapshot`` or the value of ``y = ...``, then copied: ``y =
   snapshot(...)``.

Anything else -- ``d`` in a tuple target, passed to another function, stored in a container,
changed by a list method -- leaves ``d`` out. (The gradient of a list or dict is changed in place
only by replacing an entry, never by changing the entry itself: another gradient may hold it.) A name is chosen when it owns its buffer and either
has something to rewrite that the copies pay for (a zeroing, an ``unindex`` term: each saves a
whole array, or list, per run) or needs no copy and is made only by ``zeros_like`` and
sums (a weight's gradient summed over a loop: ``dW += e``).
"""

from __future__ import annotations

import dataclasses

import gast

_HELPERS = ("zeros_like", "zero_at", "unindex", "unbroadcast", "unsetitem", "cast_like",
            "check_finite", "snapshot", "slice", "add_at", "zeroed_at")
_READERS = ("unbroadcast", "unsetitem", "cast_like")  # a part of their first argument, or a copy


def chain(value, name):
    """The terms ``e1, e2, ...`` if ``value`` is ``name + e1 + e2 + ...`` (left-associated)."""
    terms = []
    while isinstance(value, gast.BinOp) and isinstance(value.op, gast.Add):
        terms.insert(0, value.right)
        value = value.left
    if isinstance(value, gast.Name) and value.id == name and terms:
        return terms
    return None


def is_call(node, name) -> bool:
    return name is not None and isinstance(node, gast.Call) and isinstance(node.func, gast.Name) \
        and node.func.id == name


@dataclasses.dataclass
class _Facts:
    """What the sweep does with one adjoint."""
    kinds: list = dataclasses.field(default_factory=list)    # (kind, value) of each assignment
    copies: set = dataclasses.field(default_factory=set)     # id() of the assignments to copy
    bad: bool = False
    other_reads: bool = False  # read other than in its own 'd = d + e' (the old rule's test)


class Ownership:
    """See the module docstring."""

    def __init__(self, stmts, adjoints, arrays: dict, integers, helpers):
        self.adjoints = adjoints
        self.arrays = arrays      # adjoint -> the variable it is the gradient of (an ndarray)
        self.integers = integers
        self.helpers = helpers
        self.names = {key: (helpers.used(key) if helpers is not None else key) for key in _HELPERS}
        self.facts = {d: _Facts() for d in adjoints}
        self._parents: dict = {}  # id() of an expression -> the expression it is part of
        for stmt in stmts:
            self._statement(stmt)

    # -- what the rewrite asks -----------------------------------------------------------------------

    def chosen(self) -> set:
        chosen = set()
        for d, facts in self.facts.items():
            if facts.bad:
                continue
            kinds = [kind for kind, _ in facts.kinds]
            if not set(kinds) & {"zeros", "new", "copy", "other"}:
                continue  # (never made in the sweep: not shown to be new)
            gain = "zero" in kinds or any(
                self.indexed_read(d, term) is not None
                for kind, value in facts.kinds if kind == "sum" for term in chain(value, d))
            free = not facts.other_reads and set(kinds) <= {"zeros", "sum"}
            if gain or free:
                chosen.add(d)
        return chosen

    def copies(self, chosen) -> set:
        """id() of the assignments whose value the rewrite copies, for the names ``chosen``."""
        return set().union(*(self.facts[d].copies for d in chosen)) if chosen else set()

    def helper(self, key) -> str:
        """The name of helper ``key`` in the generated function (made available if it was not)."""
        if self.names.get(key) is None:
            self.names[key] = self.helpers.name(key) if self.helpers is not None else key
        return self.names[key]

    def primal(self, d):
        """The variable ``d`` is the gradient of, if it is certainly a NumPy array."""
        return self.arrays.get(d)

    def indexed_read(self, d, term):
        """``(e, x, i)`` if ``term`` is ``unindex(e, x, i)``: the gradient ``e`` of ``x[i]``."""
        if is_call(term, self.names["unindex"]) and len(term.args) == 3 and not term.keywords \
                and isinstance(term.args[1], gast.Name):
            return tuple(term.args)
        return None

    def certainly_shaped(self, d) -> bool:
        """Is ``d`` certainly an array of the shape of its variable ``x`` (an array) wherever it is
        changed? Every assignment is ``zeros_like(x)``, ``unindex(e, x, i)``, a sum or zeroing of ``d``
        itself, or an arithmetic operation of which ``x`` is an operand (it broadcasts to ``x``'s
        shape at least)."""
        x = self.primal(d)
        for kind, value in self.facts[d].kinds:
            if kind == "zeros" and not (isinstance(value.args[0], gast.Name)
                                        and value.args[0].id == x):
                return False
            if kind == "new" and x not in _operands(value) and not (
                    is_call(value, self.names["unindex"]) and len(value.args) == 3
                    and isinstance(value.args[1], gast.Name) and value.args[1].id == x):
                return False
            if kind in ("copy", "other"):
                return False
        return True

    def basic(self, index) -> bool:
        """Can ``index`` never repeat a position (integers, slices: no integer array)?"""
        if isinstance(index, gast.Tuple):
            return all(self.basic(part) for part in index.elts)
        if isinstance(index, gast.Constant):
            return not isinstance(index.value, (list, tuple))
        if isinstance(index, gast.Name):
            return index.id in self.integers
        return isinstance(index, gast.Slice) or is_call(index, self.names["slice"])

    # -- the walk ------------------------------------------------------------------------------------

    def _statement(self, stmt):
        if isinstance(stmt, (gast.For, gast.While, gast.If, gast.With, gast.Try)):
            for field in ("test", "iter", "target", "items", "handlers"):
                part = getattr(stmt, field, None)
                self._refuse_reads(part if isinstance(part, list) else [part])
            for field in ("body", "orelse", "finalbody"):
                for inner in getattr(stmt, field, None) or []:
                    self._statement(inner)
            for handler in getattr(stmt, "handlers", None) or []:
                for inner in handler.body:
                    self._statement(inner)
            return
        allowed: set = set()  # id() of the reads of adjoints accounted for
        if isinstance(stmt, gast.Assign):
            self._assign(stmt, allowed)
        elif isinstance(stmt, gast.Expr) and is_call(stmt.value, self.names["check_finite"]) \
                and stmt.value.args and isinstance(stmt.value.args[0], gast.Name):
            allowed.add(id(stmt.value.args[0]))
        elif isinstance(stmt, gast.AugAssign) and isinstance(stmt.target, gast.Name) \
                and stmt.target.id in self.facts:
            self.facts[stmt.target.id].bad = True
        for node in gast.walk(stmt):
            if isinstance(node, gast.Name) and node.id in self.facts and id(node) not in allowed \
                    and isinstance(node.ctx, gast.Load):
                self.facts[node.id].bad = True

    def _refuse_reads(self, nodes):
        for part in nodes:
            if part is None:
                continue
            for node in gast.walk(part):
                if isinstance(node, gast.Name) and node.id in self.facts:
                    self.facts[node.id].bad = True

    def _assign(self, stmt, allowed):
        target = stmt.targets[0]
        if len(stmt.targets) != 1 or not isinstance(target, gast.Name):
            self._refuse_reads(stmt.targets)  # a tuple, a subscript: not followed
            return
        y, value = target.id, stmt.value
        if y in self.facts:
            kind = self._kind(y, value, allowed)
            self.facts[y].kinds.append((kind, value))
            if kind == "other":
                self.facts[y].copies.add(id(stmt))
        whole = is_call(value, self.names["snapshot"]) and value.args
        self._reads(value, stmt, y, allowed, whole)

    def _kind(self, d, value, allowed) -> str:
        if chain(value, d) is not None:
            leftmost = value
            while isinstance(leftmost, gast.BinOp):
                leftmost = leftmost.left
            allowed.add(id(leftmost))
            return "sum"
        if is_call(value, self.names["zeros_like"]) and len(value.args) == 1:
            return "zeros"
        if is_call(value, self.names["zero_at"]) and len(value.args) == 2 \
                and isinstance(value.args[0], gast.Name) and value.args[0].id == d:
            allowed.add(id(value.args[0]))
            return "zero"
        if is_call(value, self.names["snapshot"]):
            return "copy"
        if isinstance(value, (gast.BinOp, gast.UnaryOp)) or is_call(value, self.names["unindex"]):
            return "new"  # (unindex: zeros with the gradient added in, or a container adjoint)
        return "other"

    def _reads(self, node, stmt, target, allowed, copied):
        """Account for the reads of adjoints in ``node`` (see the module docstring, 2.)."""
        if isinstance(node, gast.Name):
            d = node.id
            if d not in self.facts or id(node) in allowed or not isinstance(node.ctx, gast.Load):
                return
            self.facts[d].other_reads = True
            if d == target:
                return  # 'd = f(d)': refused by the final walk
            top = node
            while True:  # up through the reads of entries: d[i], unbroadcast(d[i], v), ...
                up = self._parents.get(id(top))
                if isinstance(up, gast.Subscript) and up.value is top \
                        or any(is_call(up, self.names[k]) and up.args and up.args[0] is top
                               for k in _READERS):
                    top = up
                else:
                    break
            if top is stmt.value:
                self.facts[d].copies.add(id(stmt))   # y = <entries of d>: copied
            elif isinstance(self._parents.get(id(top)), (gast.BinOp, gast.UnaryOp)) or (
                    copied and top is stmt.value.args[0]):
                pass  # a new array, or a copy
            else:
                return  # anywhere else: refused by the final walk
            if any(isinstance(n, gast.Name) and n.id == d and n is not node
                   for n in gast.walk(top)):
                return  # d read twice in it (d[d]): refused
            allowed.add(id(node))
            return
        for child in gast.iter_child_nodes(node):
            self._parents[id(child)] = node
            self._reads(child, stmt, target, allowed, copied)


def _operands(value) -> set:
    """The names that are operands of the arithmetic expression ``value`` (through its operators)."""
    if isinstance(value, gast.BinOp):
        return _operands(value.left) | _operands(value.right)
    if isinstance(value, gast.UnaryOp):
        return _operands(value.operand)
    return {value.id} if isinstance(value, gast.Name) else set()
