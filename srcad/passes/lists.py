"""Lists changed in place by their own methods: ``xs.append(v)``, ``xs.extend(vs)``,
``xs.insert(i, v)``, ``v = xs.pop()``, ``v = xs.pop(i)``, ``xs.reverse()`` on a local ``xs``
(part of passes 2, 5, 6 and 8; reverse mode's side is :mod:`srcad.passes.reverse.lists`).

Accepts: statements of the user's function (pass 2, fence; pass 5, anf) or of its A-normal form
(pass 6, ops; pass 8, alias).
Guarantees:

* :func:`is_list_method`: the syntax the fence lets through as an expression statement (one of the
  methods above on a local name, with its number of plain arguments); pass 5 makes the arguments
  atoms and gives a bare ``xs.pop()`` a target (``popped = xs.pop()``), so pass 6 sees every pop
  as an assignment;
* :func:`classify`: the :class:`~srcad.passes.ops.Op` of such a statement: ``OpKind.APPEND``,
  ``EXTEND``, ``INSERT``, ``REVERSE`` (``targets`` is the list, ``args`` its ``x``, ``value`` and
  ``index``) or ``POP`` (``targets`` the value popped; ``args["x"]`` the list, ``args["index"]`` the
  position, if given); a string (the reason) for a form srcad refuses if a gradient flows through
  it (``xs.append(xs)``, ``i = xs.pop(i)``). A method call on a local that may hold a user's object
  (:data:`~srcad.passes.holders.OPAQUE`: its ``append`` may be anything) is ``OpKind.UNKNOWN``, the
  object among its targets, so it is refused if a gradient flows through it;
* :func:`changed_list`: the list an op changes in place (None for any other op), :func:`mutated`:
  every list changed so, :func:`fresh_lists`: whether each of those is made by the function itself
  (a display, a comprehension, ``+``, ``*``); where not, :func:`private_copies` copies the lists
  of the parameters first, so the caller's lists are never changed;
* :func:`sharers`: the names that see a list's change (the same list, or one holding it), for the
  alias pass and the restores of reverse mode;
* :func:`tangents`: forward mode's statements (the same method on the list of tangents);
* :func:`changed_in_loop`: a method changing the list a ``for`` loop runs over (refused by the
  fence: srcad runs a loop over the items a list has when the loop starts).
"""

from __future__ import annotations

import copy

import gast

from . import ops as _ops
from .syntax import assign, call, load

# method -> (fewest, most) positional arguments
METHODS = {"append": (1, 1), "extend": (1, 1), "insert": (2, 2), "pop": (0, 1), "reverse": (0, 0)}


def is_list_method(value) -> bool:
    """``xs.append(v)``, ``xs.extend(vs)``, ``xs.insert(i, v)``, ``xs.pop()``, ``xs.pop(i)`` or
    ``xs.reverse()`` with ``xs`` a name and plain positional arguments."""
    if not (isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute)
            and isinstance(value.func.value, gast.Name) and value.func.attr in METHODS
            and not value.keywords
            and not any(isinstance(a, gast.Starred) for a in value.args)):
        return False
    fewest, most = METHODS[value.func.attr]
    return fewest <= len(value.args) <= most


def kinds():
    """The op kinds of the methods above."""
    kind = _ops.OpKind
    return (kind.APPEND, kind.EXTEND, kind.INSERT, kind.POP, kind.REVERSE)


def classify(stmt, locals_, held):
    """The :class:`~srcad.passes.ops.Op` of ``stmt`` if it calls one of the methods on a local
    list (see the module docstring), a reason to refuse it, or None. ``held``:
    :func:`srcad.passes.holders.holders`."""
    Op, OpKind = _ops.Op, _ops.OpKind
    if isinstance(stmt, gast.Expr):
        value, targets = stmt.value, ()
    elif isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name):
        value, targets = stmt.value, (stmt.targets[0].id,)
    else:
        return None
    if not is_list_method(value) or value.func.value.id not in locals_:
        return None
    items, method, args = value.func.value, value.func.attr, list(value.args)
    if held.get(items.id) is not None:  # a module or a user's object: not a list's method
        everything = {f"arg{k}": a for k, a in enumerate([items] + args)}
        return Op(OpKind.UNKNOWN, targets + (items.id,), args=everything, node=value,
                  reason=f"'{items.id}.{method}()': '{items.id}' may not be a list, and srcad "
                         "cannot see into its method")
    if (method == "pop") != bool(targets):
        return None  # 'v = xs.append(a)' (None): a call that changes xs (pass 6 refuses it)
    read = {n.id for a in args for n in gast.walk(a) if isinstance(n, gast.Name)}
    if items.id in read:
        return f"'{items.id}.{method}(...)' puts the list into itself, which srcad does not " \
               "differentiate"
    if set(targets) & (read | {items.id}):
        return f"'{targets[0]} = {items.id}.pop(...)' overwrites a value the pop reads, which " \
               "srcad does not differentiate: assign the value popped to a new name"
    if method == "pop" and args and not (isinstance(args[0], gast.Name) or (
            isinstance(args[0], gast.Constant) and isinstance(args[0].value, int)
            and not isinstance(args[0].value, bool))):
        return f"'{items.id}.pop({ast_text(args[0])})' takes a key: srcad differentiates a " \
               "list's pop only (for a dict, read the value and build a new dict)"
    if method == "pop":
        return Op(OpKind.POP, targets, args={"x": items, **({"index": args[0]} if args else {})},
                  node=value)
    kind = {"append": OpKind.APPEND, "extend": OpKind.EXTEND, "insert": OpKind.INSERT,
            "reverse": OpKind.REVERSE}[method]
    named = dict(zip({"append": ["value"], "extend": ["value"], "insert": ["index", "value"],
                      "reverse": []}[method], args))
    return Op(kind, (items.id,), args={"x": items, **named}, node=value)


def ast_text(node) -> str:
    import ast

    import gast as _gast
    try:
        return ast.unparse(_gast.gast_to_ast(node))
    except Exception:  # noqa: BLE001 -- only for a message
        return "..."


def changed_list(op):
    """The name of the list ``op`` changes in place, or None."""
    if op.kind in kinds():
        return op.args["x"].id
    return None


def mutated(ops) -> set:
    """The locals some statement changes in place with a list method."""
    return {name for name in map(changed_list, ops.values()) if name is not None}


def fresh_lists(ops, params) -> bool:
    """Is every list changed in place made by the function itself: each assignment to it a list
    display, ``+`` or ``*`` of sequences (a comprehension is built so), or a copy of such a list;
    none a parameter? (If not, the generated code works on copies of the parameters.)"""
    from ..rules import python as python_rules
    changed = mutated(ops)
    if changed & set(params):
        return False
    made, other, copies = set(), set(), []
    for op in ops.values():
        for target in op.targets:
            if changed_list(op) == target:
                continue  # changed in place, not assigned
            if op.kind is _ops.OpKind.RULE and op.rule is python_rules.COPY:
                copies.append((target, op.args["x"].id))
            elif op.kind is _ops.OpKind.RULE and (
                    isinstance(op.node, gast.List) or op.rule.fresh
                    or op.rule in (python_rules.CONCATENATION, python_rules.REPETITION)):
                made.add(target)
            else:
                other.add(target)
    fresh = (made | {t for t, _ in copies}) - other - set(params)
    while True:  # a copy is fresh if what it copies is
        stale = {t for t, source in copies if source not in fresh}
        if not stale & fresh:
            return changed <= fresh
        fresh -= stale


def tangents(fwd, stmt, op) -> list:
    """Forward mode (:mod:`srcad.passes.forward`, as ``fwd``): ``stmt``, then the same method on
    the list of tangents (``xs_dot.append(v_dot)``, ``v_dot = xs_dot.pop(i)``, ...), which
    mirrors the list item for item."""
    items = op.args["x"].id
    index = [op.args["index"]] if "index" in op.args else []
    if op.kind is _ops.OpKind.POP:
        target = op.targets[0]
        if not fwd.active(items):
            return [stmt] + fwd.zero_if_active(target)
        name = fwd.tangent(target) if fwd.active(target) else fwd.ctx.namer.fresh("unused")
        return [stmt, assign(name, _method_call(fwd.tangent(items), "pop", *index))]
    if not fwd.active(items):
        return [stmt]
    value = [fwd.tangent_of(op.args["value"])] if "value" in op.args else []
    return [stmt, gast.Expr(value=_method_call(fwd.tangent(items), stmt.value.func.attr,
                                               *index, *value))]


def _method_call(name, method, *args):
    return gast.Call(func=gast.Attribute(value=load(name), attr=method, ctx=gast.Load()),
                     args=[copy.deepcopy(a) for a in args], keywords=[])


def sharing(ops) -> set:
    """The lists changed in place by their methods and the names that see the change
    (:func:`sharers`)."""
    return set().union(*(seen | {name} for name, seen in sharers(ops).items()))


def private_copies(ctx, params, comment, tangents=None) -> list:
    """Where the function changes lists it may not have made (:func:`fresh_lists`): statements
    copying the lists in each parameter those lists may be or be part of (``p = copy_lists(p)``,
    and its tangent's, ``tangents`` mapping a parameter to that name), so the caller's lists are
    never changed."""
    if fresh_lists(ctx.ops, params):
        return []
    changed = sharing(ctx.ops)
    copy_name = ctx.helpers.name("copy_lists")
    out = [comment("the function changes lists in place: never the caller's")]
    for p in [p for p in params if p in changed]:
        out.append(assign(p, call(copy_name, load(p))))
        if tangents and p in tangents:
            out.append(assign(tangents[p], call(copy_name, load(tangents[p]))))
    return out


def changed_in_loop(loop):
    """For a ``for`` loop of the user's function over a list (``for v in xs``, or through
    ``enumerate``, ``zip``, ``reversed``): the first call in its body of one of the methods above on
    that list, or None. Python's loop sees the items added or removed as it goes; srcad runs the
    loop over the items the list has when the loop starts, so such a loop is refused."""
    names = set(_iterated_names(loop.iter))
    for node in gast.walk(gast.Module(body=loop.body, type_ignores=[])):
        if is_list_method(node) and node.func.value.id in names:
            return node
    return None


def _iterated_names(node):
    if isinstance(node, gast.Name):
        yield node.id
    elif isinstance(node, gast.Call) and isinstance(node.func, gast.Name) \
            and node.func.id in ("enumerate", "zip", "reversed"):
        for arg in node.args:
            yield from _iterated_names(arg)


def sharers(ops) -> dict:
    """Each list changed in place -> the other names that see the change: those that may be the
    same list (``ys = xs``, what a user's function or an unknown call returned for it, an item
    taken out of a list holding it) and those that may hold it, at any depth (``[xs]``,
    ``rows.append(xs)``, ``rows + [...]`` of such a list). An item taken out of the list itself
    (``v = xs.pop()``, ``v = xs[0]``) is not among them: changing the list does not change it.
    A flow-insensitive points-to analysis: each name may hold some of the objects made by the
    statements, the parameters and the items of the parameters, and each object may hold others."""
    points, contents = _points_to(ops)
    found = {}
    for changed in mutated(ops):
        objects = points.get(changed, set())
        found[changed] = {n for n, held in points.items() if n != changed
                          and (held & objects or _holds(held, objects, contents))}
    return found


def _holds(held, objects, contents) -> bool:
    seen, todo = set(), list(held)
    while todo:
        obj = todo.pop()
        for inner in contents.get(obj, ()):
            if inner in objects:
                return True
            if inner not in seen:
                seen.add(inner)
                todo.append(inner)
    return False


def _points_to(ops):
    """``(points, contents)``: name -> the objects it may hold, object -> the objects it may hold
    (an object is the statement that made it, or a parameter, or the items of a parameter)."""
    from ..rules import python as python_rules
    from .alias import _names, _sources
    kind = _ops.OpKind
    points, contents = {}, {}

    def objects(name):
        if name not in points:  # a parameter, or a name no statement assigns (a loop's)
            points[name] = {("param", name)}
            contents[("param", name)] = {("items", name)}
            contents[("items", name)] = {("items", name)}
        return points[name]

    for op in ops.values():
        for target in op.targets:
            points.setdefault(target, set())
    rules = []  # (what the statement does, targets, sources)
    for op in ops.values():
        changed = changed_list(op)
        if changed is not None and op.kind is not kind.POP:
            value = op.args.get("value")
            names = _names([value]) if value is not None else []
            rules.append(("into_items" if op.kind is kind.EXTEND else "into", [changed], names))
        elif op.kind is kind.SETITEM:
            rules.append(("into", list(op.targets), _names([op.args["value"]])))
        elif op.kind in (kind.UNPACK, kind.POP) or (op.kind is kind.RULE
                                                    and isinstance(op.node, gast.Subscript)):
            rules.append(("item", list(op.targets), _sources(op)))
        elif op.kind is kind.RULE and op.rule.holds_operands:
            rules.append(("new_holding", list(op.targets), _sources(op)))
        elif op.kind is kind.RULE and (op.rule in (python_rules.CONCATENATION,
                                                   python_rules.REPETITION)
                                       or op.rule.name in ("list", "tuple")):
            rules.append(("new_holding_items", list(op.targets),
                          [a.id for a in op.args.values() if isinstance(a, gast.Name)]))
        elif op.kind is kind.RULE and not (op.rule.identity or op.rule.view
                                           or op.rule.custom is not None):
            rules.append(("new", list(op.targets), []))
        elif op.targets:  # a copy, a view, a user's or an unknown function: may return an operand
            rules.append(("may_be", list(op.targets), _sources(op)))
    grown = True
    while grown:
        grown = False

        def add(table, key, new):
            nonlocal grown
            old = table.setdefault(key, set())
            if not new <= old:
                old |= new
                grown = True

        for rule, targets, sources in rules:
            held = set().union(*(objects(s) for s in sources)) if sources else set()
            items = set().union(*(contents.get(o, set()) for o in held)) if held else set()
            for target in targets:
                made = ("made", target)
                if rule == "into":
                    for obj in objects(target):
                        add(contents, obj, held)
                elif rule == "into_items":
                    for obj in objects(target):
                        add(contents, obj, items)
                elif rule == "item":
                    add(points, target, items)
                elif rule == "new":
                    add(points, target, {made})
                elif rule == "new_holding":
                    add(points, target, {made})
                    add(contents, made, held)
                elif rule == "new_holding_items":
                    add(points, target, {made})
                    add(contents, made, items)
                else:  # may be an operand, or a new object holding operands or their items
                    add(points, target, held | {made})
                    add(contents, made, held | items)
    return points, contents
