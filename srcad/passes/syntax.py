"""Small builders and queries of gast nodes that several passes share (no pass of its own).

Accepts: names and gast nodes. Guarantees: each builder returns a new, complete gast node (every field
set, so :mod:`srcad.passes.emit` can print it); each query only reads its argument (``renamed`` copies).
Every generated node is made here, so the passes read as what they build (``assign(x, call(f, y))``)
rather than as gast's constructors."""

from __future__ import annotations

import copy

import gast


def load(name: str) -> gast.Name:
    """``name`` read."""
    return gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None)


def store(name: str) -> gast.Name:
    """``name`` assigned."""
    return gast.Name(id=name, ctx=gast.Store(), annotation=None, type_comment=None)


def function(name, args, body) -> gast.FunctionDef:
    """``def name(args): body``."""
    return gast.FunctionDef(name=name, args=args, body=body, decorator_list=[], returns=None,
                            type_comment=None, type_params=[])


def assign(target, value) -> gast.Assign:
    """``target = value`` (``target`` a name or a node)."""
    target = store(target) if isinstance(target, str) else target
    return gast.Assign(targets=[target], value=value, type_comment=None)


def call(func: str, *args) -> gast.Call:
    """``func(*args)``."""
    return gast.Call(func=load(func), args=list(args), keywords=[])


def renamed(expr, names: dict):
    """A copy of ``expr`` with the names in ``names`` replaced."""
    expr = copy.deepcopy(expr)
    for node in gast.walk(expr):
        if isinstance(node, gast.Name) and node.id in names:
            node.id = names[node.id]
    return expr


def loads(nodes) -> set:
    """The names read anywhere in the statements ``nodes``."""
    return {n.id for stmt in nodes for n in gast.walk(stmt)
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)}


# Statements that hold blocks: ifs, loops, and the 'with' and 'try' of srcad.passes.statements
# (whose handlers, run as written, are no block of the program).
COMPOUND = (gast.If, gast.For, gast.While, gast.With, gast.Try)


def is_simple(stmt) -> bool:
    """Is ``stmt`` neither an if, a loop, a ``with`` nor a ``try``?"""
    return not isinstance(stmt, COMPOUND)


def assigned(stmts) -> list:
    """Names assigned anywhere in ``stmts`` (in order of first assignment)."""
    names = {}
    for stmt in stmts:
        for node in gast.walk(stmt):
            if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store):
                names.setdefault(node.id, None)
    return list(names)


def simple_statements(stmts):
    """Every statement of an A-normal-form body that is not compound (:data:`COMPOUND`), in order
    (not those of a ``try``'s handlers: they run as written)."""
    for stmt in stmts:
        if isinstance(stmt, COMPOUND):
            yield from simple_statements(stmt.body)
            yield from simple_statements(getattr(stmt, "orelse", []))
        else:
            yield stmt


def index_value(index, slice_name: str):
    """An index as a value expression: ``1:3`` -> ``slice(1, 3, None)`` (``slice_name``: the name
    the builtin ``slice`` has in the generated code); tuples element-wise."""
    if isinstance(index, gast.Slice):
        parts = [p if p is not None else gast.Constant(value=None, kind=None)
                 for p in (index.lower, index.upper, index.step)]
        return gast.Call(func=load(slice_name), args=parts, keywords=[])
    if isinstance(index, gast.Tuple):
        return gast.Tuple(elts=[index_value(e, slice_name) for e in index.elts], ctx=gast.Load())
    return index


def assigned_values(tree, name) -> list:
    """The values assigned to the local ``name`` in the function ``tree`` (``None`` for a binding
    that is not a plain assignment: a parameter, a loop target, an unpacking)."""
    values = [None for a in tree.args.args + tree.args.posonlyargs + tree.args.kwonlyargs
              if a.id == name]
    for node in gast.walk(tree):
        if isinstance(node, gast.Assign):
            for t in node.targets:
                if isinstance(t, gast.Name) and t.id == name:
                    values.append(node.value)
                elif any(isinstance(n, gast.Name) and n.id == name
                         and isinstance(n.ctx, gast.Store) for n in gast.walk(t)):
                    values.append(None)  # (an unpacking; 'name[k] = v' binds nothing)
        elif isinstance(node, (gast.For, gast.AugAssign, gast.AnnAssign, gast.With,
                               gast.NamedExpr)) and any(
                isinstance(n, gast.Name) and n.id == name and isinstance(n.ctx, gast.Store)
                for t in ([node.target] if hasattr(node, "target") else
                          [i.optional_vars for i in node.items if i.optional_vars])
                for n in gast.walk(t)):
            values.append(None)
    return values

def defined_before(tree, definition, use) -> bool:
    """Is ``use`` inside a statement that comes after ``definition`` in the block (a list of
    statements of ``tree``) that holds the ``def``?"""
    parents = {}
    for node in gast.walk(tree):
        for child in gast.iter_child_nodes(node):
            parents[child] = node
    block = None
    for node in gast.walk(tree):
        for field in ("body", "orelse", "finalbody", "handlers"):
            statements = getattr(node, field, None)
            if isinstance(statements, list) and any(s is definition for s in statements):
                block = statements
    if block is None:
        return False
    position = next(k for k, s in enumerate(block) if s is definition)
    node = use
    while node is not None and not any(node is s for s in block):
        node = parents.get(node)
    return node is not None and next(k for k, s in enumerate(block) if s is node) > position

def returned_names(tree) -> set:
    """The names whose values the function returns: the name returned, and what the tuple or list
    displays assigned to a returned name hold (``(out, saved)``)."""
    returned = {tree.body[-1].value.id}
    displays = [n for n in gast.walk(tree) if isinstance(n, gast.Assign)
                and isinstance(n.targets[0], gast.Name) and isinstance(n.value, (gast.Tuple, gast.List))]
    changed = True
    while changed:
        changed = False
        for node in displays:
            if node.targets[0].id in returned:
                for elt in gast.walk(node.value):
                    if isinstance(elt, gast.Name) and elt.id not in returned:
                        returned.add(elt.id)
                        changed = True
    return returned
