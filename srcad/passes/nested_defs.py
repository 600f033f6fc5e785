"""Part of pass 2, fence: a ``def`` written inside the function being differentiated.

Accepts: a nested ``gast.FunctionDef`` met by the fence (:mod:`srcad.passes.fence`).
Guarantees: :func:`check_nested` raises an :class:`~srcad.errors.UnsupportedSyntaxError` at the
first thing srcad cannot follow (a def inside it, non-constant defaults, decorators, calls of other
nested defs or itself, use other than a call or an argument of a call (pass 6 refuses one given to
a function it cannot read: :mod:`srcad.passes.closures`), a call where its ``def`` may not have
run, a change
in place of an enclosing variable, also by ``np.copyto``/``np.add.at``), and otherwise records it
in ``parsed.nested`` as a :class:`~srcad.passes.parse.NestedFunction` (its captured variables).
"""

from __future__ import annotations

import gast

from ..rules.methods import MUTATING_METHODS
from .parse import NestedFunction, own_nodes, parameter_names
from .syntax import defined_before
from .writing_calls import writing_call


def check_nested(fence, node: gast.FunctionDef):
    """A ``def`` inside the function (``fence`` checking it): allowed if srcad can lift it (see
    parse.NestedFunction); refused at the first thing it cannot follow."""
    parent = fence.parsed.tree
    if any(isinstance(n, (gast.FunctionDef, gast.Lambda)) for n in own_nodes(node)):
        fence.fail(node, "a 'def' inside a nested 'def' is not supported")
    for default in node.args.defaults:
        if not isinstance(default, gast.Constant):
            fence.fail(default, "a nested function's defaults must be constants")
    if node.decorator_list:
        fence.fail(node.decorator_list[0], "decorators on a nested function are not supported")
    outer_names = set(parameter_names(parent.args)) | {
        n.id for n in own_nodes(parent) if isinstance(n, gast.Name)
        and isinstance(n.ctx, gast.Store)} | {n.name for n in own_nodes(parent)
                                              if isinstance(n, gast.FunctionDef)}
    siblings = {n.name for n in own_nodes(parent) if isinstance(n, gast.FunctionDef)}
    own = set(parameter_names(node.args)) | {n.id for n in gast.walk(node) if isinstance(
        n, gast.Name) and isinstance(n.ctx, gast.Store)}
    for use in gast.walk(node):  # lifted out, it could not reach the other defs (or itself)
        if isinstance(use, gast.Name) and isinstance(use.ctx, gast.Load) \
                and use.id in siblings - own:
            what = "itself (recursion)" if use.id == node.name else \
                f"the nested function '{use.id}'"
            fence.fail(use, f"the nested function '{node.name}' uses {what}: a nested 'def' "
                           "that calls a nested 'def' is not supported; define them at the top "
                           "level of the module (recursion works there)")
    type(fence)(fence.parsed).check_function(node, frozenset(outer_names))
    uses = [n for n in own_nodes(parent) if isinstance(n, gast.Name) and n.id == node.name]
    calls = {id(n.func) for n in own_nodes(parent) if isinstance(n, gast.Call)}
    passed = {id(a) for n in own_nodes(parent) if isinstance(n, gast.Call)
              for a in n.args + [k.value for k in n.keywords]}  # (pass 6 checks the callee)
    for use in uses:
        if id(use) not in calls and id(use) not in passed:
            fence.fail(use, f"the nested function '{node.name}' may only be called here or "
                           "passed to a function of yours, not stored, returned or rebound "
                           "(srcad differentiates calls to it)",
                       hint=f"call '{node.name}' where it is needed, or pass it to a function "
                            "of yours; to choose between functions, write an 'if' that calls "
                            "the one it needs")
        if not defined_before(parent, node, use):
            fence.fail(use, f"the nested function '{node.name}' is called here, where its "
                           "'def' may not have run (Python would raise an error): srcad "
                           "follows a nested function called after its 'def', in the same "
                           "block or in statements nested in it; define it before (and "
                           "outside) the code that calls it")
    defs = [n for n in own_nodes(parent) if isinstance(n, gast.FunctionDef)
            and n.name == node.name]
    if len(defs) > 1:
        fence.fail(defs[1], f"'{node.name}' is defined twice")
    inner_locals = set(parameter_names(node.args)) | {
        n.id for n in gast.walk(node) if isinstance(n, gast.Name)
        and isinstance(n.ctx, gast.Store)}
    outer_locals = set(parameter_names(parent.args)) | {
        n.id for n in own_nodes(parent) if isinstance(n, gast.Name)
        and isinstance(n.ctx, gast.Store)}
    captured = sorted({n.id for n in gast.walk(node) if isinstance(n, gast.Name)
                       and isinstance(n.ctx, gast.Load) and n.id not in inner_locals
                       and n.id in outer_locals})
    for n in gast.walk(node):  # a change in place of an enclosing variable: not seen by srcad
        root = n.value if isinstance(n, (gast.Subscript, gast.Attribute)) else None
        while isinstance(root, (gast.Subscript, gast.Attribute)):
            root = root.value
        changes = isinstance(getattr(n, "ctx", None), (gast.Store, gast.Del)) or (
            isinstance(n, gast.Attribute) and n.attr in MUTATING_METHODS | {"append"})
        written = writing_call(n, fence.parsed.namespace, inner_locals)
        if written is not None and written[0].id not in inner_locals:  # np.copyto(y, v)
            changes, root = True, written[0]
        if changes and isinstance(root, gast.Name) and root.id in captured:
            fence.fail(n, f"the nested function '{node.name}' changes '{root.id}' of the "
                         "enclosing function in place, which srcad does not follow: pass it "
                         "as an argument and return the new value")
    fence.parsed.nested[node.name] = NestedFunction(node, fence.parsed, tuple(captured))
