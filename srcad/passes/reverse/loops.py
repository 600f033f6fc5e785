"""Pass 10, reverse: what the backward sweep writes differently in loops -- a range loop replayed
backwards, and an old value popped straight back into its name.

Accepts: a loop of the A-normal form and its backward body (with its
:class:`srcad.passes.reverse.saves.Marker` s), from :class:`srcad.passes.reverse.sweep.Sweep`.
Guarantees: :func:`replayed_range` gives the header ``reversed(range(a, b, s))`` of the backward
loop where that runs over the same values of the loop variable as the primal loop did, backwards
(so the variable needs no save); :func:`pop_in_place` makes ``y = stack.pop()`` come before an
adjoint that reads only the old value of ``y``.
"""

from __future__ import annotations

import builtins
import copy

import gast

from ..syntax import assigned, call, is_simple, load, loads, simple_statements
from . import lists
from .saves import Marker


def replayed_range(sweep, loop, count):
    """``reversed(range(a, b, s))`` -- ``reversed(range(a, b, s)[:<count>])`` where a ``break``
    may leave the loop early -- for ``for i in range(a, b, s):`` whose body assigns neither
    ``i`` nor a name in the range's arguments: the backward loop runs over the same values of
    ``i`` backwards, instead of popping each one (the arguments, read again where the backward
    sweep reaches the loop, are restored to their values there like any other name). None
    for any other loop, or where the backward sweep does not read ``i``."""
    it = loop.iter
    ctx = sweep.ctx
    if not (isinstance(it, gast.Call) and isinstance(it.func, gast.Name)
            and it.func.id == "range" and not it.keywords and 1 <= len(it.args) <= 3
            and "range" not in ctx.normalized.locals
            and ctx.parsed.namespace.lookup("range", None) is builtins.range
            and all(isinstance(a, (gast.Name, gast.Constant)) for a in it.args)
            and isinstance(loop.target, gast.Name)):
        return None
    changed = set(assigned(loop.body)) | {t for stmt in simple_statements(loop.body)
                                           if stmt in ctx.ops for t in ctx.ops[stmt].targets}
    if loop.target.id in changed or any(isinstance(a, gast.Name) and a.id in changed
                                        for a in it.args):
        return None
    if not any(s.header for s in sweep.sites.of(loop)):
        return None
    breaks = _breaks(loop.body)
    if breaks and loop.target.id not in _mentions(sweep.body_of[loop]):
        return None  # range(iterations) says it more simply
    values = call(ctx.helpers.name("range"), *[copy.deepcopy(a) for a in it.args])
    if breaks:
        values = gast.Subscript(value=values, slice=gast.Slice(
            lower=None, upper=load(count), step=None), ctx=gast.Load())
    return call(ctx.helpers.name("reversed"), values)


def pop_in_place(sites, old, statements) -> None:
    """In a loop, an operand the statement overwrites (``y = y - e``) whose adjoint reads only the
    old value is popped straight back into its own name before the adjoint (``y = stack.pop()``),
    which then reads it there: not ``y_old = stack.pop()``, the adjoint, ``y = y_old``. Marks the
    site ``direct`` and renames the old value in ``statements``."""
    read = loads(statements)
    for site in sites:
        if site.in_loop and site.index is None and site.undo is None and not site.header \
                and old.get(site.var) == site.saved and site.saved in read \
                and site.var not in read and sum(s.var == site.var for s in sites) == 1:
            for node in (n for stmt in statements for n in gast.walk(stmt)):
                if isinstance(node, gast.Name) and node.id == site.saved:
                    node.id = site.var
            site.direct = True


def _mentions(stmts) -> set:
    """The names the backward statements ``stmts`` read, and those the restores at their markers
    may read (an index, a value put back in a list)."""
    names = set()
    for stmt in stmts:
        if isinstance(stmt, Marker):
            for site in stmt.sites:
                if site.index is not None:
                    names |= loads([site.index])
                if site.undo is not None:
                    names |= lists.undo_reads(site.undo)
        elif is_simple(stmt):
            names |= loads([stmt])
        else:
            names |= _mentions(stmt.body + getattr(stmt, "orelse", []))
            names |= loads([getattr(stmt, "test", None) or getattr(stmt, "iter", None)
                            or gast.Pass()])
    return names


def _breaks(stmts) -> bool:
    """Is there a ``break`` of this loop in ``stmts`` (not one of a loop inside it)?"""
    for stmt in stmts:
        if isinstance(stmt, gast.Break):
            return True
        if isinstance(stmt, (gast.If, gast.With, gast.Try)) and _breaks(
                stmt.body + getattr(stmt, "orelse", [])):
            return True
    return False
