"""Pass 7, activity: the variables between the parameters asked for and the output."""

import pytest

from srcad.printer import Pass

from .support import GOLDEN_SET, check_golden, first_parameter, front_half, golden_ids, \
    whole_corpus


@pytest.mark.parametrize("fn, wrt", GOLDEN_SET, ids=golden_ids())
def test_golden(fn, wrt):
    snapshots = front_half(fn, wrt)
    check_golden("activity", fn, snapshots[Pass.ACTIVITY], before=snapshots[Pass.ANF],
                 facts=True)


def test_varied_and_useful_are_exactly_what_the_ops_reach():
    for fn in whole_corpus():
        wrt = first_parameter(fn)
        front = front_half(fn, wrt)["analysed"]
        activity, ops = front.activity, [op for op in front.ops.values() if op.targets]
        assert set(wrt) <= activity.varied and front.out in activity.useful, fn.__name__
        assert activity.active == activity.varied & activity.useful
        for name in activity.varied - set(wrt):  # reached from a varied operand
            assert any(name in op.targets and any(n in activity.varied for _, n in op.diff_operands())
                       for op in ops), f"{fn.__name__}: {name}"
        for name in activity.useful - {front.out}:  # an operand of something useful
            assert any(name in [n for _, n in op.diff_operands()] and
                       any(t in activity.useful for t in op.targets) for op in ops), \
                f"{fn.__name__}: {name}"
