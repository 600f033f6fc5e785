"""Part of pass 8, alias (:mod:`srcad.passes.mutation`): what a name of a user function may *be*
-- the parameter's object itself, or a view of it -- rather than only hold as an item.

Accepts: the ``_Reader`` of :mod:`srcad.passes.mutation` for one function (this is its mixin).
Guarantees: ``own_roots`` and ``bind_own`` keep ``_Reader.own`` (name -> parameters), a superset of
what each name may be: a display or comprehension is a new container (``ys = [y0]``), what
``list``, ``zip``, ... return a new object; an item, attribute or view of a value may be anything
that value holds. A write into a container, a method that changes it and an augmented assignment
to a name change what the name may be, so ``ys.append(v)`` does not change ``y0``.
"""

from __future__ import annotations

import builtins

import gast

from .parse import dotted_name

# builtins whose results hold their arguments' items (iterating them gives those items)
_PASSING = (enumerate, zip, reversed, iter, list, tuple, sorted, filter)


def _resolve(node, fn):
    """The object the dotted name ``node`` denotes in ``fn``'s globals or closure, or None."""
    name = dotted_name(node)
    if name is None:
        return None
    root, *attrs = name.split(".")
    closure = dict(zip(fn.__code__.co_freevars, getattr(fn, "__closure__", None) or ()))
    try:
        obj = closure[root].cell_contents if root in closure else fn.__globals__[root]
        for attr in attrs:
            obj = getattr(obj, attr)
    except (KeyError, AttributeError, ValueError):
        return None
    return obj


def _flat(r) -> frozenset:
    """The parameters a value of the structure ``r`` may share memory with (see :class:`_Reader`)."""
    if isinstance(r, tuple):
        return frozenset().union(*(_flat(e) for e in r))
    return frozenset(r)


class OwnRoots:
    """The mixin of ``_Reader`` (see the module docstring)."""

    def bind_own(self, target, value, r, where) -> bool:
        """``self.own`` of the names ``target`` binds to ``value`` (of structure ``r``)."""
        if isinstance(target, gast.Name):
            new = self.own.get(target.id, frozenset()) | (
                frozenset(self.own_roots(value, where)) if value is not None else _flat(r))
            if new == self.own.get(target.id, frozenset()):
                return False
            self.own[target.id] = new
            return True
        if isinstance(target, gast.Starred):
            return self.bind_own(target.value, None, _flat(r), where)
        if not isinstance(target, (gast.Tuple, gast.List)):
            return False  # a subscript or attribute target: a write (see _Reader.mutated)
        elts = target.elts
        if not any(isinstance(e, gast.Starred) for e in elts):
            if isinstance(value, (gast.Tuple, gast.List)) and len(value.elts) == len(elts) \
                    and not any(isinstance(e, gast.Starred) for e in value.elts):
                return any([self.bind_own(e, v, self.structure(v), where)
                            for e, v in zip(elts, value.elts)])
            if isinstance(r, tuple) and len(r) == len(elts):
                return any([self.bind_own(e, None, x, where) for e, x in zip(elts, r)])
        return any([self.bind_own(e, None, _flat(r), where) for e in elts])  # (items: all)

    def own_roots(self, node, where=None) -> set:
        """The parameters the value of ``node`` may be (see ``self.own``): a display or a
        comprehension is a new container, what ``list``, ``zip``, ... return a new object; an
        item, attribute or view of a value may be anything it holds."""
        if isinstance(node, gast.Starred):  # (a 'for' target: an item of the iterable)
            return self.source_roots(node.value, where)
        if isinstance(node, gast.Name):
            if node.id in self.copied and where is not None \
                    and self.at.get(id(where), -1) > self.copied[node.id]:
                return set()  # the function's own copy
            return set(self.own.get(node.id, frozenset()))
        if isinstance(node, (gast.List, gast.Set, gast.Dict, gast.ListComp, gast.SetComp,
                             gast.DictComp, gast.GeneratorExp)):
            return set()
        if isinstance(node, gast.IfExp):
            return self.own_roots(node.body, where) | self.own_roots(node.orelse, where)
        if isinstance(node, gast.BoolOp):
            return set().union(*(self.own_roots(v, where) for v in node.values))
        if isinstance(node, gast.Call) and self.user_callee(node) is None:
            callee = _resolve(node.func, self.fn)
            if callee is None and isinstance(node.func, gast.Name):
                callee = getattr(builtins, node.func.id, None)
            if callee in _PASSING:
                return set()  # a new list, tuple or iterator (holding the items)
        return self.source_roots(node, where)
