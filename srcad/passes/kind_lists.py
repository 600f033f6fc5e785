"""Part of pass 6, ops: the lists a function fills with objects itself, whose entries srcad
follows (a :class:`~srcad.passes.kinds.ListOf` in :class:`~srcad.passes.kind_flow.KindFlow`).

Accepts: a function in A-normal form (pass 5).
Guarantees: :func:`growing_lists` names the locals that start as ``[]``, are otherwise only
extended by themselves (``items = items + [layer]``: what a comprehension becomes) or appended to,
and that nothing else may change: never passed to a call other than ``len``, never written by
index, never changed by another method, and not changed through a copy (``other = items``). The
entries of such a list are exactly what was added to it, so its kind is the join of their kinds.
"""

from __future__ import annotations

import gast
def growing_lists(tree, params) -> frozenset:
    """The locals that start as ``[]`` and are otherwise only extended by themselves (``items =
    items + [layer]``, what a comprehension becomes) or appended to: lists whose entries are
    exactly what was added (their kind a :class:`~srcad.passes.kinds.ListOf`)."""
    empty, other = set(), set(params)
    for node in gast.walk(tree):
        if isinstance(node, gast.Assign) and isinstance(node.targets[0], gast.Name):
            name, value = node.targets[0].id, node.value
            if isinstance(value, gast.List) and not value.elts:
                empty.add(name)
            elif not (isinstance(value, gast.BinOp) and isinstance(value.op, gast.Add)
                      and isinstance(value.left, gast.Name) and value.left.id == name):
                other.add(name)
        elif isinstance(node, (gast.Assign, gast.For, gast.AugAssign)):
            targets = node.targets if isinstance(node, gast.Assign) else [node.target]
            other |= {n.id for t in targets for n in gast.walk(t) if isinstance(n, gast.Name)}
    found = empty - other
    copies = {}  # 'b = a': b -> a
    for node in gast.walk(tree):
        if isinstance(node, gast.Assign) and isinstance(node.targets[0], gast.Name) \
                and isinstance(node.value, gast.Name) and node.value.id in found:
            copies[node.targets[0].id] = node.value.id
    return frozenset(found - _changed_or_passed(tree, found | set(copies), copies))


def _changed_or_passed(tree, names, copies) -> set:
    """The lists of ``names`` (or lists they were copied to, ``copies``) that something other than
    their own ``append`` may change: passed to a call other than ``len``, written by index,
    changed by another method (their entries would not be those added)."""
    bad = set()
    for node in gast.walk(tree):
        if isinstance(node, gast.Call):
            own = isinstance(node.func, gast.Attribute) and isinstance(node.func.value, gast.Name)
            if own and node.func.value.id in names and (node.func.attr != "append"
                                                        or node.func.value.id in copies):
                bad.add(node.func.value.id)
            if not (isinstance(node.func, gast.Name) and node.func.id == "len"):
                bad |= {a.id for a in list(node.args) + [k.value for k in node.keywords]
                        if isinstance(a, gast.Name) and a.id in names}
        elif isinstance(node, (gast.Assign, gast.AugAssign)):
            targets = node.targets if isinstance(node, gast.Assign) else [node.target]
            bad |= {t.value.id for t in targets if isinstance(t, gast.Subscript)
                    and isinstance(t.value, gast.Name) and t.value.id in names}
    return {copies.get(n, n) for n in bad}
