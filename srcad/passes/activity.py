"""Pass 7, activity: which variables lie between the inputs asked for and the output.

Accepts: the A-normal-form statements (passes 4-5), classified by pass 6 (:mod:`srcad.passes.ops`: the
names each :class:`srcad.passes.ops.Op` reads through its differentiable operands), the names of the
parameters to differentiate and the name returned.
Guarantees: ``Activity.active`` is the set of variables that are both *varied* (depend differentiably
on a parameter asked for) and *useful* (the output depends differentiably on them). Only statements
assigning an active variable get an adjoint: this is the pruned graph of the backprop algorithm, so
work that feeds only other arguments, or only values that never reach the output, is not
differentiated. The analysis is per variable and flow-insensitive (a variable assigned anywhere from
a varied value counts as varied everywhere), which is conservative: it can only keep a statement that
a finer analysis would drop, never drop one that matters.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Activity:
    varied: frozenset
    useful: frozenset

    @property
    def active(self) -> frozenset:
        return self.varied & self.useful

    def is_active(self, name: str) -> bool:
        return name in self.varied and name in self.useful


def analyze(ops: list, wrt: list, outputs: list, extra_edges=(), constants=frozenset()) -> Activity:
    """``ops``: the :class:`srcad.passes.ops.Op` of every statement; see the module docstring.
    ``extra_edges``: more (targets, sources) pairs (forward mode: a write into an array reaches
    every name sharing it). ``constants``: names known to hold no derivative (integers)."""
    edges = [(op.targets, [name for _, name in op.diff_operands()]) for op in ops if op.targets]
    edges += [(list(targets), list(sources)) for targets, sources in extra_edges]
    edges = [([t for t in targets if t not in constants], sources) for targets, sources in edges]
    varied = _reach(set(wrt), [(sources, targets) for targets, sources in edges])
    useful = _reach(set(outputs), edges)
    return Activity(frozenset(varied), frozenset(useful))


def _reach(start: set, edges) -> set:
    """Everything reachable from ``start`` along ``edges`` (pairs of name lists: from, to), by a
    worklist: each edge is followed once, so the analysis is linear in the program's size."""
    leaving = {}
    for frm, to in edges:
        for name in frm:
            leaving.setdefault(name, []).append(to)
    reached = set(start)
    todo = list(start)
    while todo:
        name = todo.pop()
        for to in leaving.pop(name, ()):
            for target in to:
                if target not in reached:
                    reached.add(target)
                    todo.append(target)
    return reached
