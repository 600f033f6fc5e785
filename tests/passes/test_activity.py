"""Pass 7, activity: the variables between the parameters asked for and the output."""

import pytest

from srcad.printer import Pass

from .support import GOLDEN_SET, check_golden, first_parameter, front_half, golden_ids, \
    whole_corpus


@pytest.mark.parametrize("fn, wrt", GOLDEN_SET, ids=golden_ids())
def test_golden(fn, wrt):
    check_golden("activity", fn, front_half(fn, wrt)[Pass.ACTIVITY])


def test_active_variables_are_varied_and_useful_and_the_output_is_useful():
    for fn in whole_corpus():
        wrt = first_parameter(fn)
        front = front_half(fn, wrt)["analysed"]
        activity = front.activity
        assert set(wrt) <= activity.varied and front.out in activity.useful, fn.__name__
        assert activity.active == activity.varied & activity.useful
        for op in front.ops.values():  # a target of an op none of whose operands varies: not varied
            operands = [name for _, name in op.diff_operands()]
            if op.targets and operands and not any(n in activity.varied for n in operands):
                assert not any(t in activity.varied and t not in wrt and op.kind != "unknown"
                               for t in op.targets if all_assigned_once(front, t)), fn.__name__


def all_assigned_once(front, name) -> bool:
    return sum(name in op.targets for op in front.ops.values()) == 1
