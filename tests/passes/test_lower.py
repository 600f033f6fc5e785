"""Pass 3, lower: break, continue and early returns become flags; one return, at the end."""

import gast
import pytest

from srcad.passes.parse import own_nodes
from srcad.printer import Pass

from .support import GOLDEN_SET, check_golden, first_parameter, front_half, golden_ids, \
    whole_corpus


@pytest.mark.parametrize("fn, wrt", GOLDEN_SET, ids=golden_ids())
def test_golden(fn, wrt):
    snapshots = front_half(fn, wrt)
    check_golden("lower", fn, snapshots[Pass.LOWER], before=snapshots[Pass.FENCE])


def _loops(tree):
    return [n for n in own_nodes(tree) if isinstance(n, (gast.For, gast.While))]


def test_one_final_return_no_continue_and_break_only_last_under_a_flag():
    for fn in whole_corpus():
        tree = front_half(fn, first_parameter(fn))[Pass.LOWER].program
        own = list(own_nodes(tree))
        returns = [n for n in own if isinstance(n, gast.Return)]
        assert returns == [tree.body[-1]], fn.__name__
        assert not any(isinstance(n, gast.Continue) for n in own), fn.__name__
        breaks = [n for n in own if isinstance(n, gast.Break)]
        last = [loop.body[-1] for loop in _loops(tree)]
        flagged = [stmt.body[0] for stmt in last if isinstance(stmt, gast.If)
                   and len(stmt.body) == 1 and not stmt.orelse]
        assert all(any(b is f for f in flagged) for b in breaks), fn.__name__
        assert not any(loop.orelse for loop in _loops(tree)), fn.__name__
