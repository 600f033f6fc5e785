"""Pass 10, reverse: a list changed in place by its own methods (:mod:`srcad.passes.lists`) -- the
statement's adjoint, and the statement that undoes it in the backward sweep.

Accepts: an :class:`~srcad.passes.ops.Op` of kind ``APPEND``, ``EXTEND``, ``INSERT``, ``POP`` or
``REVERSE`` and the :class:`~srcad.passes.reverse.sweep.Sweep` reversing it.
Guarantees: the adjoint of a list ``xs`` is a list ``dxs`` (a
:class:`~srcad.runtime.containers.ListAdjoint`) with one entry per item ``xs`` holds at that point
of the backward sweep. Walking back over a statement, :func:`adjoint` changes ``dxs`` as the
statement changed ``xs``, backwards, and :func:`undo` gives the statement that changes ``xs`` back
(run after the adjoint, where the backward sweep reads ``xs`` or a name that may share it, see
:mod:`srcad.passes.reverse.saves`), so the backward sweep sees every list as it was:

===================  ======================================  =====================================
statement            adjoint (where ``dxs`` is assigned)     undo
===================  ======================================  =====================================
``xs.append(v)``     ``dv = dxs.pop()``                      ``xs.pop()``
``xs.extend(vs)``    ``dvs = pop_extended(dxs, vs)``         ``for _ in range(len(vs)): xs.pop()``
``xs.insert(i, v)``  ``dv = dxs.pop(inserted_at(i, xs))``    ``xs.pop(inserted_at(i, xs))``
``v = xs.pop()``     ``dxs.append(dv)``                      ``xs.append(v)``
``v = xs.pop(i)``    ``dxs.insert(popped_at(i, xs), dv)``    ``xs.insert(popped_at(i, xs), v)``
``xs.reverse()``     ``dxs.reverse()``                       ``xs.reverse()``
===================  ======================================  =====================================

(``dv = dv + ...`` where ``dv`` is assigned already; ``inserted_at``/``popped_at`` only where the
index is not a constant that says the position, such as ``0``; a value with no gradient gets its
entries dropped.) :func:`undo_reads` names what the undo reads besides the list.
"""

from __future__ import annotations

import copy

import gast

from ..ops import OpKind
from ..syntax import call, load, store


def adjoint(sweep, op, defined) -> list:
    """The adjoint statements of ``op`` (see the module docstring); updates ``defined``."""
    ctx = sweep.ctx
    items = op.args["x"].id
    d_items = ctx.namer.adjoint(items)
    if op.kind is OpKind.POP:
        target = op.targets[0]
        live = target in defined
        defined.pop(target, None)
        if not ctx.activity.is_active(items) or not (live or items in defined):
            return []
        out = []
        if items not in defined:
            out.append(sweep.zero(items))
            defined[items] = True
        value = load(ctx.namer.adjoint(target)) if live else call(
            ctx.helpers.name("zeros_like"), load(target))
        return out + [_put_back(d_items, op, value, ctx.helpers)]
    if items not in defined:
        return []  # no gradient reaches the list after this statement
    if op.kind is OpKind.REVERSE:
        return [_method(d_items, "reverse")]
    value = op.args["value"]
    helpers = ctx.helpers
    if op.kind is OpKind.APPEND:
        taken = _call_method(d_items, "pop")
    elif op.kind is OpKind.INSERT:
        taken = _call_method(d_items, "pop", _inserted_at(op, helpers))
    else:
        taken = call(helpers.name("pop_extended"), load(d_items), copy.deepcopy(value))
    if isinstance(value, gast.Name) and ctx.activity.is_active(value.id):
        new = sweep.accumulate(value.id, [taken], defined)
        return [new] if new is not None else []
    if op.kind is OpKind.EXTEND:  # no gradient to what was added: its entries are dropped
        return [_pop_times(d_items, value, ctx.helpers, ctx.namer)]
    return [gast.Expr(value=taken)]


def undo(op, helpers, namer) -> list:
    """The statements that change the list of ``op`` back to what it was before ``op``."""
    items = op.args["x"].id
    if op.kind is OpKind.APPEND:
        return [_method(items, "pop")]
    if op.kind is OpKind.EXTEND:
        return [_pop_times(items, op.args["value"], helpers, namer)]
    if op.kind is OpKind.INSERT:
        return [_method(items, "pop", _inserted_at(op, helpers))]
    if op.kind is OpKind.POP:
        return [_put_back(items, op, load(op.targets[0]), helpers)]
    return [_method(items, "reverse")]


def undo_reads(op) -> set:
    """The names :func:`undo` reads: the list, and the value popped, the index, or what was added
    by ``extend`` (its length)."""
    names = {op.args["x"].id} | (set(op.targets) if op.kind is OpKind.POP else set())
    parts = [op.args.get("index")] + ([op.args["value"]] if op.kind is OpKind.EXTEND else [])
    return names | {n.id for part in parts if part is not None for n in gast.walk(part)
                    if isinstance(n, gast.Name)}


def _put_back(items, op, value, helpers):
    """``items.append(value)``, or ``items.insert(<where op popped>, value)``."""
    index = op.args.get("index")
    constant = _constant(index)
    if index is None or constant == -1:
        return _method(items, "append", value)
    if constant is not None and constant >= 0:
        return _method(items, "insert", index, value)
    position = call(helpers.name("popped_at"), copy.deepcopy(index), load(op.args["x"].id))
    return _method(items, "insert", position, value)


def _inserted_at(op, helpers):
    """The position ``op`` (``xs.insert(i, v)``) put its value at, read after it."""
    index = op.args["index"]
    if _constant(index) == 0:
        return index
    return call(helpers.name("inserted_at"), copy.deepcopy(index), load(op.args["x"].id))


def _pop_times(items, value, helpers, namer):
    """``for _ in range(len(value)): items.pop()``."""
    step = "_" if "_" not in namer.taken else namer.fresh("step")
    count = call(helpers.name("len"), copy.deepcopy(value))
    return gast.For(target=store(step), iter=call(helpers.name("range"), count),
                    body=[_method(items, "pop")], orelse=[], type_comment=None)


def _call_method(name, method, *args):
    return gast.Call(func=gast.Attribute(value=load(name), attr=method, ctx=gast.Load()),
                     args=[copy.deepcopy(a) for a in args], keywords=[])


def _method(name, method, *args):
    return gast.Expr(value=_call_method(name, method, *args))


def _constant(node):
    """The integer ``node`` stands for if it is a constant (``0``, ``-1``), else None."""
    if isinstance(node, gast.Constant) and isinstance(node.value, int) \
            and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub):
        inner = _constant(node.operand)
        return -inner if inner is not None else None
    return None
