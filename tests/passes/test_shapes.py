"""Pass 9, shapes: which variables certainly have the same shape."""

import gast
import numpy as np
import pytest

from srcad.passes import shapes
from srcad.printer import Pass

from .support import GOLDEN_SET, back_analyses, check_golden, front_half, golden_ids


@pytest.mark.parametrize("fn, wrt", GOLDEN_SET, ids=golden_ids())
def test_golden(fn, wrt):
    check_golden("shapes", fn, back_analyses(fn, wrt)[Pass.SHAPES],
                 before=front_half(fn, wrt)[Pass.ANF], facts=True)


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


def scaled_by_a_global(x, b):
    y = np.multiply(x, np.pi)  # (a ufunc: x * np.pi could repeat a list x, see shapes.py)
    z = np.add(y, b)
    return np.sum(z)


def test_broadcast_sets_hold_base_and_static_shapes():
    front = front_half(scaled_by_a_global, ["x"])["analysed"]
    facts = shapes.analyze(front.normalized, front.ops)
    pi = shapes.Static(gast.dump(gast.parse("np.pi").body[0].value))
    assert facts.sets["x"] == {shapes.Base("x")}
    assert facts.sets["y"] == {shapes.Base("x"), pi}
    assert facts.sets["z"] == {shapes.Base("x"), shapes.Base("b"), pi}
    assert shapes.UNKNOWN not in facts.sets.values()  # unknown shapes are left out
