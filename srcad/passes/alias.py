"""Pass 8, alias. Analysis: writes into arrays that other live names may share (side table for the reverse pass).

Accepts: a :class:`srcad.passes.anf.Normalized` function and the :class:`srcad.passes.ops.Op` of its simple
statements.
Guarantees: ``guards(...)`` maps each statement that mutates an array in the user's program -- a
subscript write ``y[i] = e``, or an augmented assignment ``y += e`` (in place for NumPy arrays, which
srcad differentiates as ``y = y + e``) -- to the names that may share ``y``'s memory there and are
read afterwards. For those, and only those, the primal sweep checks at run time that the memory is
not shared (``check_unshared``), because srcad gives each name its own adjoint: if ``y = x`` then
``y[0] = 5`` changes ``x`` too, a gradient computed as if it did not would be wrong, and srcad
refuses with an error at that line instead.

"May share" is a flow-insensitive over-approximation (copies ``y = x``, views such as ``x[1:]``,
``x.T``, ``x.reshape(...)``, unpacking; the functions, methods and attributes whose rule -- as
pass 6, ops, resolved it, whatever name it was called by -- says ``view=True``; calls srcad cannot
resolve and the user's functions may return their arguments); "read afterwards" means live
(:func:`live_after`: read on some path before being assigned again, loops going round included).
A name live there but not assigned on every path to the write cannot be read to check it: such a
write is refused when it runs (:class:`Shared`'s ``unbound``).

Containers: a tuple, list or dict display, ``lst + [y]``, ``[y] * n``, ``lst.append(y)`` and
``lst[i] = y`` hold ``y`` itself, so a write into ``y`` changes them (and whatever holds them);
the run-time check looks into them (``check_unshared``). A subscript write is compared by the
part it writes (``q[:, i]`` does not change ``q[:, j]``). A list changed by its own methods
(``xs.append(v)``, ``v = xs.pop()``, ...: :mod:`srcad.passes.lists`) is a write into it too; the
names it is checked against are those that may be the same list or hold it
(:func:`srcad.passes.lists.sharers`), not the items taken out of it.
"""

from __future__ import annotations

import dataclasses

import gast

from ..rules import python as python_rules
from .lists import changed_list
from .lists import sharers as list_sharers
from .ops import OpKind
from .parse import parameter_names


def guards(normalized, ops) -> dict:
    params = parameter_names(normalized.tree.args)
    groups = alias_groups(ops)
    groups.update({name: seen | {name} for name, seen in list_sharers(ops).items()})
    result = {}

    def writes(stmt) -> bool:  # (the statements _walk asks about)
        op = ops.get(stmt)
        return stmt in normalized.augmented or op is not None and (
            op.kind is OpKind.SETITEM or changed_list(op) is not None)

    _walk(normalized.tree.body, normalized, ops, groups, set(params), [], result,
          live_after(normalized.tree.body, writes))
    return result


def describe(guards) -> dict:
    """``guards`` as notes for the printer: statement -> ``["alias: may share y, z"]``."""
    def note(others):
        unbound = sorted(getattr(others, "unbound", ()))
        return f"alias: may share {', '.join(others)}" + (
            f" ({', '.join(unbound)}: not assigned on every path here, so refused when run)"
            if unbound else "")
    return {stmt: [note(others)] for stmt, others in guards.items()}


def shared_writes(ops) -> list:
    """For forward mode's activity: each subscript write as ``(the names that may share the array
    written, the names of the values written)``: a value written reaches every one of them, so
    their tangents are written alike (``z = y; z[0] = s`` changes ``y``)."""
    groups = alias_groups(ops)
    seen = list_sharers(ops)
    writes = []
    for op in ops.values():
        if op.kind is OpKind.SETITEM:
            writes.append((sorted(groups.get(op.targets[0], {op.targets[0]})),
                           [name for _, name in op.diff_operands()]))
        elif changed_list(op) is not None:  # a list changed by its methods: and whatever holds it
            changed = changed_list(op)
            writes.append((sorted(seen[changed] | {changed}),
                           [name for _, name in op.diff_operands()]))
    return writes


def alias_groups(ops) -> dict:
    """Each name -> the names a write into it may change: itself, the names that may be the same
    array or share its memory (union-find over copies, views, unpacking, items taken out of
    containers, unknown calls), and, transitively, the containers that may hold any of those
    (``lst[i] = y`` and ``lst.append(y)``: a write into ``y`` changes ``lst``, not the reverse)."""
    parent = {}

    def find(name):
        parent.setdefault(name, name)
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    holders = {}  # name -> the containers that item assignments or appends put it in
    for op in ops.values():
        if not op.targets:
            continue
        for target in op.targets:
            find(target)
            for source in _sources(op):
                if op.kind in _HOLDING:
                    holders.setdefault(source, set()).add(target)
                    find(source)
                else:
                    parent[find(target)] = find(source)
    members = {}
    for name in list(parent):
        members.setdefault(find(name), set()).add(name)
    held_by = {}  # group -> the groups of the containers holding one of its members
    for item, containers in holders.items():
        held_by.setdefault(find(item), set()).update(find(c) for c in containers)
    changed = {}
    for root in members:
        reached, todo = {root}, [root]
        while todo:
            for container in held_by.get(todo.pop(), ()):
                if container not in reached:
                    reached.add(container)
                    todo.append(container)
        changed[root] = set().union(*(members[r] for r in reached))
    return {name: changed[find(name)] for name in parent}


_HOLDING = (OpKind.APPEND, OpKind.EXTEND, OpKind.INSERT, OpKind.SETITEM)  # x now holds value


def _names(nodes) -> list:
    return [n.id for a in nodes for n in gast.walk(a) if isinstance(n, gast.Name)]


def _sources(op) -> list:
    """The names whose memory the targets of ``op`` may share, or whose values they may hold."""
    node = op.node
    rule = op.rule if op.kind is OpKind.RULE else None
    if op.kind in (OpKind.UNPACK, OpKind.POP):  # an item of the container
        return _names([op.args["x"]])
    if op.kind in _HOLDING:  # a list (or dict) now holds the value
        return _names([op.args["value"]]) if "value" in op.args else _names(op.args.values())
    if rule is not None and (rule.identity or rule.holds_operands or rule.view
                             or rule in (python_rules.CONCATENATION, python_rules.REPETITION)):
        # the operand itself, a container holding it (or its items: lst + [y], [y] * 3), or (the
        # rule says) a view of it (an operand in *operands too: np.einsum('ij->ji', y))
        return [n.id for a in op.args.values()
                for n in (a.elts if isinstance(a, gast.Tuple) else [a]) if isinstance(n, gast.Name)]
    if isinstance(node, gast.Subscript) and isinstance(node.value, gast.Name):
        return [node.value.id]  # basic indexing gives a view; a container's item is itself
    if isinstance(node, gast.Attribute) and isinstance(node.value, gast.Name):
        return [node.value.id]  # an object's attribute is the value it holds (x.T: a view)
    if op.kind in (OpKind.CALL, OpKind.UNKNOWN) or (rule is not None and rule.custom is not None):
        # a function of the user's, or one srcad cannot resolve (x.view()), may return its
        # argument or a view of it
        return _names(op.args.values())
    return []


def _reads(nodes) -> set:
    return {n.id for s in nodes for n in gast.walk(s)
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)}


def _stores(stmt) -> set:
    return {n.id for n in gast.walk(stmt) if isinstance(n, gast.Name)
            and isinstance(n.ctx, gast.Store)}


def live_after(stmts, wanted=None) -> dict:
    """Liveness: each simple statement (for which ``wanted(statement)`` is true, if given) -> the
    names that may be read after it before being assigned again (on some path, loops going round
    again included)."""
    result = {}
    _live(stmts, set(), result, wanted)
    return result


def _live(stmts, live: set, result, wanted=None) -> set:
    """The names live before ``stmts`` given those live after; records each statement's."""
    live = set(live)
    for stmt in reversed(stmts):
        if isinstance(stmt, gast.If):
            live = _reads([stmt.test]) | _live(stmt.body, live, result, wanted) \
                | _live(stmt.orelse, live, result, wanted)
        elif isinstance(stmt, gast.With):  # (its context managers read no local)
            live = _live(stmt.body, live, result, wanted)
        elif isinstance(stmt, gast.Try):  # a handler may run anywhere in the body, and reads
            handled = _reads(stmt.handlers)
            live = _live(stmt.body, live | handled, result, wanted) | handled
        elif isinstance(stmt, (gast.For, gast.While)):
            # at the loop's head: live after it, or live at the start of another iteration
            head = set(live)
            while True:
                entry = _live(stmt.body, head, result, wanted)
                if isinstance(stmt, gast.For):
                    entry = entry - _stores(stmt.target)
                new = head | entry | _reads([stmt.iter if isinstance(stmt, gast.For)
                                             else stmt.test])
                if new == head:
                    break
                head = new
            live = head
        else:
            if wanted is None or wanted(stmt):
                result[stmt] = frozenset(live)
            live -= _stores(stmt)  # (live is this call's own set: changed in place)
            live |= _reads([stmt])
    return live


class Shared(list):
    """The names (sorted) that may share what a statement writes and are read afterwards;
    ``unbound``: those among them not assigned on every path to it (the generated code cannot
    read them there to check, so such a write is refused when it runs)."""

    def __init__(self, names, unbound=frozenset()):
        super().__init__(names)
        self.unbound = unbound


@dataclasses.dataclass(frozen=True)
class Bound:
    """In ``_walk``'s context: the variable of an enclosing ``for`` loop, bound in its body."""
    name: str


def _walk(stmts, normalized, ops, groups, assigned, context, result, live):
    """``assigned``: names certainly bound here (updated in place); ``context``: the
    :class:`Bound` variables of the enclosing ``for`` loops; ``live``: :func:`live_after`."""
    for stmt in stmts:
        if isinstance(stmt, (gast.With, gast.Try)):  # the body runs to its end
            _walk(stmt.body, normalized, ops, groups, assigned, context, result, live)
            continue
        if isinstance(stmt, (gast.If, gast.For, gast.While)):
            inner = context + ([Bound(stmt.target.id)] if isinstance(stmt, gast.For) else [])
            branches = []
            for block in (stmt.body, getattr(stmt, "orelse", [])):
                branch = set(assigned)
                _walk(block, normalized, ops, groups, branch, inner, result, live)
                branches.append(branch)
            if isinstance(stmt, gast.If):  # assigned on both paths: assigned after the if
                assigned |= branches[0] & branches[1]
            continue
        op = ops.get(stmt)
        mutated, own = None, set()
        if op is not None and op.kind is OpKind.SETITEM:
            mutated = op.targets[0]
        elif stmt in normalized.augmented:
            mutated = stmt.targets[0].id
        elif op is not None and changed_list(op) is not None:  # xs.append(v), v = xs.pop(), ...
            mutated = changed_list(op)
            own = set(op.targets) if op.kind is OpKind.POP else set()  # an item taken out
        if mutated is not None:
            bound = set(assigned) | {enclosing.name for enclosing in context}
            others = ((groups.get(mutated, set()) - {mutated}) & live.get(stmt, set())) - own
            if op is not None and op.kind in (OpKind.APPEND, OpKind.EXTEND, OpKind.INSERT):
                value = op.args["value"]
                if isinstance(value, gast.Name) and value.id in groups.get(mutated, ()) \
                        and value.id != mutated:
                    others.add(value.id)  # 'xs.extend(ys)' with ys the list xs itself
            if others:
                result[stmt] = Shared(sorted(others), frozenset(others - bound))
        if op is not None:
            assigned.update(op.targets)

