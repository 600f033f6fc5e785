"""Pass 11, in place: ``d = d + e`` becomes ``d += e`` for gradient buffers only srcad holds."""

import collections

import gast
import pytest

from srcad.errors import SrcadError
from srcad.printer import Pass

from .support import GOLDEN_SET, back_analyses, check_golden, first_parameter, golden_ids, \
    whole_corpus


@pytest.mark.parametrize("fn, wrt", GOLDEN_SET, ids=golden_ids())
def test_golden(fn, wrt):
    snapshots = back_analyses(fn, wrt)
    check_golden("inplace", fn, snapshots[Pass.INPLACE], before=snapshots[Pass.REVERSE])


def _augmented(function) -> collections.Counter:
    return collections.Counter(gast.unparse(n).strip() for n in gast.walk(function)
                               if isinstance(n, gast.AugAssign))


def test_only_adjoints_are_accumulated_in_place():
    for fn in whole_corpus():
        try:
            snapshots = back_analyses(fn, first_parameter(fn))
        except SrcadError:  # needs what its call gives (a function passed in): tested elsewhere
            continue
        before = snapshots[Pass.SHAPES].program  # the function before differentiation
        theirs = {n.id for n in gast.walk(before) if isinstance(n, gast.Name)}
        added = _augmented(snapshots[Pass.INPLACE].program) - _augmented(
            snapshots[Pass.REVERSE].program)  # (the loop counters' += 1 are the reverse pass's)
        for statement in added:
            target = statement.split()[0].split("[")[0]  # (dhs[t] += e: the buffer dhs)
            assert target.isidentifier() and target not in theirs, f"{fn.__name__}: {statement}"
