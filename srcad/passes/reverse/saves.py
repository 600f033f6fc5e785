"""Pass 10, reverse: what the primal sweep saves and the backward sweep restores.

Accepts: the A-normal-form statements of the function and their :class:`srcad.passes.ops.Op`.
Guarantees:

* :func:`find_sites` returns the :class:`Sites` of the function: a :class:`Site` for every assignment
  that may overwrite a value the backward sweep could read (any assignment in a loop, and outside
  loops any assignment to a name assigned before), for the variable of each ``for`` loop, and for
  each change of a list by its methods (``xs.append(v)``: nothing is saved, the backward sweep
  undoes it, :func:`srcad.passes.reverse.lists.undo`, where it reads the list or a name that may
  hold it; what the undo reads -- the value popped, an index -- is then restored as read).
* Both sweeps mark where values may be saved or restored with a :class:`Marker` (a :class:`Step` and
  the sites of one statement or loop), before it is known what the backward sweep reads.
* :func:`plan_saves` decides, once the backward sweep is written, which of those saves and restores
  are needed -- only those of a value the statement's own adjoint reads, or that a backward
  statement after the restore reads (:mod:`.liveness`) -- and returns a :class:`SavePlan`:
  the statements each marker becomes (a local ``a_old = a`` outside loops, the stack inside them; a
  subscript write saves only the part it overwrites, and is restored also where the backward sweep
  reads only a name that may share the array's memory, a view ``v = y[0:2]``, or where the array
  was passed to a call whose backward runs), the stack's name, and the variables restored.
  :func:`apply_plan` puts those statements in place of the markers.
* :func:`definitely_assigned`: the names every path through the primal sweep assigns.
"""

from __future__ import annotations

import copy
import dataclasses
import enum

import gast

from ..alias import alias_groups
from ..lists import changed_list
from ..lists import sharers as list_sharers
from ..ops import OpKind
from .lists import undo, undo_reads
from .mappings import mapping_names
from ..syntax import assign, call, load, store


class Step(enum.Enum):
    """What a marker stands for."""

    SAVE = "save"  # primal sweep, before a statement: save what it overwrites
    PUSH = "push"  # primal sweep, end of an iteration: push the loop variable
    POP = "pop"    # backward sweep, start of a reversed iteration: pop the loop variable
    PRE = "pre"    # backward sweep, before a statement's adjoint: pop what it saved in a loop
    POST = "post"  # backward sweep, after a statement's adjoint: restore what it overwrote


@dataclasses.dataclass(eq=False)
class Site:
    """A place where the primal sweep overwrites ``var`` (the whole of it, or ``var[index]``)."""

    var: str
    in_loop: bool
    predeclare: bool
    index: object = None      # for x[index] = ...: only that part is saved
    header: bool = False      # the variable of a for loop, assigned by the loop itself
    saved: str | None = None  # the name the old value is read under (allocated when first needed)
    sharers: frozenset = frozenset()  # for x[index] = ...: names that may see the write (views of x)
    mapping: bool = False     # for x[index] = ...: x is a dict (the key may be new)
    undo: object = None       # for xs.append(v), v = xs.pop(), ...: its Op (undone, never saved)
    direct: bool = False      # in a loop: popped straight into var before the adjoint, which
    # reads the old value under var's own name (the adjoint reads no new value of var)

    def read_in(self, reads) -> bool:
        """Does the backward sweep read the value this site overwrites: the variable itself or,
        for a write into part of an array, a name that may share its memory (``v = x[0:2]``)?"""
        return self.var in reads or not self.sharers.isdisjoint(reads)


@dataclasses.dataclass(eq=False)
class Marker:
    """A place in a sweep where the sites of one statement (or loop) may be saved or restored."""

    step: Step
    sites: list


class Sites:
    """The sites of a function: by statement (or loop), and each site's siblings."""

    def __init__(self, namer):
        self.namer = namer
        self.by_stmt: dict = {}  # simple statement or loop -> [Site]
        self.groups: dict = {}   # id(site) -> the sites of its statement

    def add(self, stmt, site: Site) -> None:
        group = self.by_stmt.setdefault(stmt, [])
        group.append(site)
        self.groups[id(site)] = group

    def drop(self, stmt) -> None:
        """No site for ``stmt`` (a loop whose variable the backward sweep computes again)."""
        self.by_stmt.pop(stmt, None)

    def of(self, stmt) -> list:
        return self.by_stmt.get(stmt, [])

    def all(self):
        return (site for sites in self.by_stmt.values() for site in sites)

    def siblings(self, site: Site) -> list:
        """The sites of the statement ``site`` belongs to."""
        return self.groups[id(site)]

    def saved_name(self, site: Site) -> str:
        """The name the old value of ``site`` is kept under, allocated on first use."""
        if site.saved is None:
            site.saved = self.namer.fresh(f"{site.var}_old")
        return site.saved


def entry(loop) -> tuple:
    """The key of the site of a ``for`` loop's variable as the loop starts: the value the
    variable held before it, which the backward sweep restores after the reversed loop."""
    return ("entry", loop)


def find_sites(stmts, ops, params, namer, dict_params=frozenset(), invariants=frozenset()) -> Sites:
    """See the module docstring. ``dict_params``: the parameters given a dict at the call (the
    transformation is specialized on it: :mod:`srcad.api.specialize`); ``invariants``: assignments
    in loops that compute the same value each time (:mod:`.invariants`): no site."""
    sites = Sites(namer)
    groups = alias_groups(ops)
    groups.update({name: seen | {name} for name, seen in list_sharers(ops).items()})
    _find(sites, stmts, ops, set(params), set(params), in_loop=False, groups=groups,
          invariants=invariants)
    dicts = mapping_names(stmts, ops, params, dict_params)
    for site in sites.all():
        site.mapping = site.index is not None and site.var in dicts
    return sites


def _find(sites, stmts, ops, assigned: set, definite: set, in_loop: bool, groups,
          invariants=frozenset()) -> None:
    def inner(body, known, loop=in_loop):
        _find(sites, body, ops, assigned, known, loop, groups, invariants)

    for stmt in stmts:
        if isinstance(stmt, gast.If):
            then_definite, else_definite = set(definite), set(definite)
            inner(stmt.body, then_definite)
            inner(stmt.orelse, else_definite)
            definite |= then_definite & else_definite
        elif isinstance(stmt, (gast.With, gast.Try)):  # the body runs to its end
            inner(stmt.body, definite)
        elif isinstance(stmt, (gast.For, gast.While)):
            known = set(definite)
            if isinstance(stmt, gast.For):
                var = stmt.target.id
                if in_loop or var in assigned:  # the value before the loop, restored after it
                    sites.add(entry(stmt), Site(var, in_loop, var not in definite))
                sites.add(stmt, Site(var, True, False, header=True))
                assigned.add(var)
                known.add(var)
            inner(stmt.body, known, True)
        elif isinstance(stmt, gast.Assign):
            op = ops[stmt]
            for var in op.targets:
                if (in_loop or var in assigned) and stmt not in invariants:
                    index, sharers = None, frozenset()
                    if op.kind is OpKind.SETITEM:  # in place: views of var see it too
                        index, sharers = op.args["index"], frozenset(groups.get(var, ()))
                    sites.add(stmt, Site(var, in_loop, var not in definite, index, sharers=sharers))
                assigned.add(var)
                definite.add(var)
        items = changed_list(ops[stmt]) if stmt in ops else None
        if items is not None:  # changed in place by a method: undone in the backward sweep
            sites.add(stmt, Site(items, in_loop, False, sharers=frozenset(groups.get(items, ())),
                                 undo=ops[stmt]))


def definitely_assigned(stmts, ops, params, extra) -> set:
    """The names assigned on every path through ``stmts``: the parameters, and the targets of
    assignments outside loops and on both sides of an if; ``extra`` maps a statement to names it
    also assigns (a call's saved values, in the form the primal sweep runs it)."""
    definite = set(params)
    _definite(stmts, ops, extra, definite)
    return definite


def _definite(stmts, ops, extra, definite: set) -> None:
    for stmt in stmts:
        if isinstance(stmt, gast.If):
            then_definite, else_definite = set(definite), set(definite)
            _definite(stmt.body, ops, extra, then_definite)
            _definite(stmt.orelse, ops, extra, else_definite)
            definite |= then_definite & else_definite
        elif isinstance(stmt, (gast.With, gast.Try)):  # the body runs to its end
            _definite(stmt.body, ops, extra, definite)
        elif isinstance(stmt, gast.Assign):  # (a loop may run no iteration: it adds nothing)
            definite.update(ops[stmt].targets)
            definite.update(extra.get(stmt, ()))


@dataclasses.dataclass(frozen=True)
class SavePlan:
    """What is saved and restored: the statements each :class:`Marker` becomes, the stack's name
    (``None`` if nothing is pushed), the variables the backward sweep restores, and the sites
    saved (by ``id``)."""

    expansions: dict  # Marker -> [statement]
    stack: str | None
    restored: frozenset
    kept: frozenset

    def needed(self, site: Site) -> bool:
        return id(site) in self.kept


def plan_saves(blocks, reads, sites: Sites, helpers, comments, passed=frozenset(),
               live=None, shape_only=frozenset()) -> SavePlan:
    """The :class:`SavePlan` for the markers of ``blocks`` (lists of statements, visited in order:
    the backward sweep, then the primal sweep), given the names the backward sweep reads and those
    ``passed`` to calls whose backward it runs (which read what the caller passed as it was: a
    change in place after the call, ``x[i] = v`` or ``xs.append(v)``, is undone before it).
    ``live``: :func:`srcad.passes.reverse.liveness.restores_live` of the backward sweep: a whole
    variable is restored only where a later backward statement reads it (without it: wherever
    the backward sweep reads it at all). ``shape_only``: the names the backward sweep reads for
    their shape only (:func:`srcad.passes.reverse.shape_reads.read_for_shape_only`): in a loop, what
    is pushed for them is ``shape_only(x)``, a stand-in without the array's memory."""
    reads = set(reads) | {site.var for site in sites.all()
                          if (site.index is not None or site.undo is not None)
                          and site.read_in(passed)}
    while True:  # undoing a list's change reads more (the value popped, an index); restoring
        # x[i] writes into what the name x holds, so x must be restored too
        extra = set().union(*(undo_reads(s.undo) for s in sites.all()
                              if s.undo is not None and s.read_in(reads)))
        extra |= {site.var for site in sites.all() if site.index is not None
                  and site.read_in(reads)}
        if extra <= reads:
            break
        reads |= extra
    planner = _Planner(frozenset(reads), sites, helpers, comments, live, shape_only)
    for block in blocks:
        for marker in markers(block):
            planner.expansions[marker] = planner.expand(marker)
    return SavePlan(planner.expansions, planner.stack, frozenset(planner.restored),
                    frozenset(id(s) for s in sites.all() if planner.needed(s)))


def markers(stmts):
    """The markers in ``stmts``, in order, nested blocks included."""
    for stmt in stmts:
        if isinstance(stmt, Marker):
            yield stmt
        elif isinstance(stmt, gast.If):
            yield from markers(stmt.body)
            yield from markers(stmt.orelse)
        elif isinstance(stmt, (gast.For, gast.While, gast.With, gast.Try)):
            yield from markers(stmt.body)


def apply_plan(stmts, plan: SavePlan) -> list:
    """``stmts`` with each marker replaced by its statements of ``plan`` (nested blocks too)."""
    out = []
    for stmt in stmts:
        if isinstance(stmt, Marker):
            out.extend(plan.expansions[stmt])
            continue
        if isinstance(stmt, gast.If):
            stmt.body, stmt.orelse = apply_plan(stmt.body, plan), apply_plan(stmt.orelse, plan)
        elif isinstance(stmt, (gast.For, gast.While, gast.With, gast.Try)):
            stmt.body = apply_plan(stmt.body, plan)
        out.append(stmt)
    return out


class _Planner:
    """Builds a :class:`SavePlan`, one marker at a time (names are allocated in that order)."""

    def __init__(self, reads, sites, helpers, comments, live, shape_only=frozenset()):
        self.reads = reads
        self.shape_only = shape_only
        self.live = live
        self.sites = sites
        self.helpers = helpers
        self.comments = comments
        self.expansions: dict = {}
        self.stack: str | None = None
        self.restored: set = set()

    def needed(self, site) -> bool:
        """Does the backward sweep read the old value of ``site``: its own adjoint (under the
        saved name, or the variable's for a direct pop), or a later statement after the restore?"""
        return (site.saved is not None and site.saved in self.reads) or site.direct \
            or self.read_after(site)

    def read_after(self, site) -> bool:
        """Is the value the backward sweep restores at ``site`` read after the restore?"""
        if self.live is not None and site.index is None and site.undo is None:
            step = Step.POP if site.header else Step.PRE if site.direct else Step.POST
            after = self.live.get((id(site), step))
            if after is not None:
                return after
        return site.read_in(self.reads)

    def _stand_in(self, step, site) -> bool:
        """Is what a loop pushes at ``site`` read for its shape only (whole variable, and the
        name its old value is read under, if any)?"""
        return step is Step.SAVE and site.in_loop and site.index is None and site.undo is None \
            and not site.mapping and site.var in self.shape_only \
            and (site.saved is None or site.saved not in self.reads
                 or site.saved in self.shape_only)

    def stack_name(self) -> str:
        if self.stack is None:
            self.stack = self.sites.namer.fresh("stack")
        return self.stack

    def expand(self, marker) -> list:
        forward = marker.step in (Step.SAVE, Step.PUSH)
        out = []
        for site in (marker.sites if forward else reversed(marker.sites)):
            if self.needed(site):
                out.extend(self.expand_site(marker.step, site))
        if out and forward:
            names = ", ".join(dict.fromkeys(
                f"the shape of {s.var}" if self._stand_in(marker.step, s) else s.var
                for s in marker.sites if self.needed(s) and s.undo is None))
            out.insert(0, self.comments.comment(
                f"save {names} (overwritten here; the backward pass reads it)"
                if marker.step is Step.SAVE else
                f"save {names}, the loop variable (the backward pass reads it)"))
        return out

    def expand_site(self, step, site) -> list:
        var = site.var
        if site.undo is not None:  # a list changed in place: changed back, nothing saved
            if step is not Step.POST:
                return []
            self.restored.add(var)
            return undo(site.undo, self.helpers, self.sites.namer)
        part = load(var) if site.index is None else call(
            self.helpers.name("snapshot"),
            gast.Subscript(value=load(var), slice=site.index, ctx=gast.Load()))
        restore_target = store(var) if site.index is None else gast.Subscript(
            value=load(var), slice=site.index, ctx=gast.Store())
        if site.mapping:  # the key may be new: saved as absent, restored by deleting it
            part = call(self.helpers.name("entry"), load(var), site.index)
            restore_target = (var, site.index)
        elif self._stand_in(step, site):
            part = call(self.helpers.name("shape_only"), part)
        if not site.in_loop:
            saved = self.sites.saved_name(site)
            if step is Step.SAVE:
                return [assign(saved, part)]
            if step is Step.POST and self.read_after(site):
                self.restored.add(var)
                return _flat(self.restore(restore_target, load(saved)))
            return []
        stack = self.stack_name()
        if step in (Step.SAVE, Step.PUSH):
            return [gast.Expr(value=gast.Call(
                func=gast.Attribute(value=load(stack), attr="append", ctx=gast.Load()),
                args=[part], keywords=[]))]
        pop = gast.Call(func=gast.Attribute(value=load(stack), attr="pop", ctx=gast.Load()),
                        args=[], keywords=[])
        if step is Step.POP:
            self.restored.add(var)
            return [assign(store(var), pop)]
        # a statement's loop sites are popped in one go before its adjoint if any is read there
        read_there = any((s.saved is not None and s.saved in self.reads) or s.direct
                         for s in self.sites.siblings(site) if s.in_loop)
        if step is Step.PRE:
            if not read_there:
                return []
            if site.direct:  # the old value straight back in place: the adjoint reads it there
                self.restored.add(var)
                return [assign(store(var), pop)]
            return [assign(self.sites.saved_name(site), pop)]
        if read_there:  # POST: restore from the value popped before the adjoint
            if site.direct or not self.read_after(site):
                return []
            self.restored.add(var)
            return _flat(self.restore(restore_target, load(site.saved)))
        self.restored.add(var)
        return _flat(self.restore(restore_target, pop))

    def restore(self, target, value):
        """``target = value``, or for an entry of a dict ``restore_entry(d, key, value)`` (a
        value popped from the stack first given a name: the call is a statement of its own, which
        forward mode over this code follows, see :mod:`srcad.passes.forward`)."""
        if isinstance(target, tuple):
            var, index = target
            if not isinstance(value, gast.Name):
                old = self.sites.namer.fresh(f"{var}_old")
                return [assign(old, value), self.restore(target, load(old))]
            return gast.Expr(value=call(self.helpers.name("restore_entry"), load(var),
                                        copy.deepcopy(index), value))
        return assign(target, value)


def _flat(stmts) -> list:
    return stmts if isinstance(stmts, list) else [stmts]

