"""Pass 10, reverse: which restores the backward sweep needs, position by position.

Accepts: the backward sweep with its :class:`srcad.passes.reverse.saves.Marker` s still in place
(before :func:`srcad.passes.reverse.saves.apply_plan`), and the names read after it (the gradients
returned).
Guarantees: :func:`restores_live` returns, for each site of a whole variable that a marker restores
(``y = y_old`` after an adjoint, ``y = stack.pop()``, the pop of a loop variable), whether the
variable is among the names read after that restore in the backward sweep (in the order it runs,
loops going round included) before a restore assigns them again. A restore is needed iff it is: a
value is saved and restored only if a later backward statement reads it. One walk back over the
sweep (loops until nothing changes), the set of live names updated in place: linear in the sweep's
length for straight-line code.

Why treating every such restore as an assignment is sound, even those that turn out not to be
needed: on any path from a dropped restore to a read, the last restore of the variable before the
read has the variable live after it, so it is kept, and the read sees the value it restores.
Restores of part of an array (``y[i] = y_i_old``) and the undoing of a list's change
(``xs.pop()``) assign no name; they read the name (and the index, the value put back), so they count
as reads here (their own need is decided as before, by :mod:`srcad.passes.reverse.saves`).
Statements this module does not model -- a ``try`` -- read everything they mention, anywhere.
"""

from __future__ import annotations

import gast

from ..syntax import loads
from .lists import undo_reads
from .saves import Marker, Step


def restores_live(backward, end) -> dict:
    """``(id(site), step) -> whether the site's variable is live just after its restore`` (see
    the module docstring); ``end``: the names read after the backward sweep."""
    after: dict = {}
    _block(backward, set(end), after)
    return after


def _block(stmts, live: set, after: dict) -> set:
    """``live`` (a set of this call's own: changed in place) before ``stmts``."""
    for stmt in reversed(stmts):
        live = _one(stmt, live, after)
    return live


def _one(stmt, live: set, after: dict) -> set:
    if isinstance(stmt, Marker):
        return _marker(stmt, live, after)
    if isinstance(stmt, gast.If):
        return loads([stmt.test]) | _block(stmt.body, set(live), after) \
            | _block(stmt.orelse, set(live), after)
    if isinstance(stmt, (gast.For, gast.While)):
        head = loads([stmt.iter]) if isinstance(stmt, gast.For) else loads([stmt.test])
        targets = {n.id for n in gast.walk(stmt.target) if isinstance(n, gast.Name)} \
            if isinstance(stmt, gast.For) else set()
        body_out = set(live) | (head if isinstance(stmt, gast.While) else set())
        while True:  # the body's end reaches the next iteration or what follows the loop
            body_in = _block(stmt.body, set(body_out), after) - targets
            grown = body_out | body_in
            if grown <= body_out:
                break
            body_out = grown
        return set(live) | body_in | head
    if isinstance(stmt, gast.With):
        return loads(stmt.items) | _block(stmt.body, set(live), after)
    if isinstance(stmt, gast.Try):
        extra = loads(stmt.handlers + stmt.orelse + stmt.finalbody)
        return _block(stmt.body, set(live) | extra, after) | extra
    live |= loads([stmt])  # (an assignment of the backward sweep assigns adjoints)
    return live


def _marker(marker, live: set, after: dict) -> set:
    """The sites of a backward marker run in reverse order: walk them in order."""
    for site in marker.sites:
        if site.undo is not None:
            if marker.step is Step.POST:
                live |= undo_reads(site.undo) | {site.var}
            continue
        if site.index is not None:
            if marker.step is Step.POST:  # restores what the name holds, at the index
                live |= {site.var} | loads([site.index])
            continue
        key = (id(site), marker.step)
        after[key] = after.get(key, False) or site.var in live
        if marker.step is Step.POP or (marker.step is Step.POST and not site.direct) \
                or (marker.step is Step.PRE and site.direct):
            live.discard(site.var)
    return live

