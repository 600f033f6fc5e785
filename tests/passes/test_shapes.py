"""Pass 9, shapes: which variables certainly have the same shape."""

import numpy as np
import pytest

from srcad.passes import shapes
from srcad.printer import Pass

from .support import GOLDEN_SET, back_analyses, check_golden, front_half, golden_ids


@pytest.mark.parametrize("fn, wrt", GOLDEN_SET, ids=golden_ids())
def test_golden(fn, wrt):
    check_golden("shapes", fn, back_analyses(fn, wrt)[Pass.SHAPES])


def elementwise_then_reduce(x, b):
    y = np.tanh(x) * 2.0
    z = y + b
    s = np.sum(z)
    return s


def reassigned_in_a_loop(x, b):
    y = x
    for _ in range(3):
        y = y + b
    return np.sum(y)


def test_elementwise_results_keep_their_operands_shapes_and_reductions_do_not():
    front = front_half(elementwise_then_reduce, ["x"])["analysed"]
    facts = shapes.analyze(front.normalized, front.ops)
    assert facts.same("y", "x")
    assert not facts.same("z", "x")  # b may broadcast it
    assert not facts.same("s", "x") and not facts.same("s", "z")


def test_a_variable_whose_shape_may_change_is_never_called_the_same():
    front = front_half(reassigned_in_a_loop, ["x"])["analysed"]
    facts = shapes.analyze(front.normalized, front.ops)
    assert not facts.same("y", "x")  # y = y + b may grow each time round
