"""Pass 10, reverse: what the backward sweep reads of a value for its shape only.

Accepts: the backward sweep (with its :class:`srcad.passes.reverse.saves.Marker` s still in place)
and the :class:`~srcad.rules.template.Helpers` that named its runtime helpers.
Guarantees: ``unbroadcast(g, x)``, ``unsum(g, x, ...)`` and ``unmean(g, x, ...)`` read only the
type, shape and dtype of ``x`` (:mod:`srcad.runtime.broadcasting`). So

* :func:`shape_sources` makes such a read name a parameter instead, where pass 9 proves the
  parameter and ``x`` of one shape at every point of every run and both real (so neither is
  complex where the other is not, the one dtype fact the helpers read): ``unsum(g, W1_times_W1)``
  becomes ``unsum(g, W1)``, and ``W1 * W1`` need not be kept for the backward sweep at all;
* :func:`read_for_shape_only` lists the names every backward read of which is such a read: in a
  loop, what is saved for them is ``shape_only(x)``, a stand-in without the array's memory
  (:mod:`srcad.passes.reverse.saves`).
"""

from __future__ import annotations

import gast

from ..syntax import load
from .saves import Marker


_SHAPE_READERS = ("unbroadcast", "unsum", "unmean")  # read only their 2nd argument's type, shape
#                                                       and dtype (srcad.runtime.broadcasting)


def read_for_shape_only(backward, helpers) -> frozenset:
    """The names of which every read in ``backward`` (the backward sweep, its markers aside) is
    the second argument of ``unbroadcast``, ``unsum`` or ``unmean`` (``helpers``: the
    :class:`~srcad.rules.template.Helpers` that named them): a value saved for such a name can be
    a stand-in of its shape and dtype (:func:`srcad.runtime.shape_only`)."""
    readers = {helpers.name_if_used(k) for k in _SHAPE_READERS} - {None}
    if not readers:
        return frozenset()
    shape_reads, names, other = set(), set(), set()
    nodes = [n for stmt in backward if not isinstance(stmt, Marker) for n in gast.walk(stmt)]
    for node in _shape_reads(nodes, readers):
        shape_reads.add(id(node.args[1]))
    for node in nodes:
        if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load):
            (names if id(node) in shape_reads else other).add(node.id)
    return frozenset(names - other)


def shape_sources(backward, helpers, facts, params) -> None:
    """Each shape read of ``backward`` (see the module docstring) of a variable that is not a
    parameter made a read of the first of ``params`` with the same broadcast set, where both are
    real (``facts``: pass 9's :class:`~srcad.passes.shapes.Shapes`); changed in place."""
    readers = {helpers.name_if_used(k) for k in _SHAPE_READERS} - {None}
    by_set: dict = {}
    for p in params:
        found = facts.sets.get(p)
        if found and p in facts.reals:
            by_set.setdefault(found, p)
    if not readers or not by_set:
        return
    nodes = [n for stmt in backward if not isinstance(stmt, Marker) for n in gast.walk(stmt)]
    for node in _shape_reads(nodes, readers):
        x = node.args[1].id
        if x not in params and x in facts.reals and facts.sets.get(x) in by_set:
            node.args[1] = load(by_set[facts.sets[x]])


def _shape_reads(nodes, readers):
    """The calls among ``nodes`` of the helpers named ``readers`` whose second argument is a
    name."""
    for node in nodes:
        if isinstance(node, gast.Call) and isinstance(node.func, gast.Name) \
                and node.func.id in readers and len(node.args) >= 2 \
                and isinstance(node.args[1], gast.Name):
            yield node
