"""Pass 8, alias: the writes into arrays that another live name may share."""

import gast
import numpy as np
import pytest

from srcad.passes import alias
from srcad.printer import Pass

from .support import GOLDEN_SET, back_analyses, check_golden, first_parameter, front_half, \
    golden_ids, whole_corpus


@pytest.mark.parametrize("fn, wrt", GOLDEN_SET, ids=golden_ids())
def test_golden(fn, wrt):
    check_golden("alias", fn, back_analyses(fn, wrt)[Pass.ALIAS],
                 before=front_half(fn, wrt)[Pass.ANF], facts=True)


def test_only_writes_into_arrays_are_guarded_and_only_by_names_of_the_function():
    for fn in whole_corpus():
        front = front_half(fn, first_parameter(fn))["analysed"]
        normalized = front.normalized
        for stmt, others in alias.guards(normalized, front.ops).items():
            written = isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Subscript)
            assert written or stmt in normalized.augmented, fn.__name__
            assert others and set(others) <= normalized.locals, fn.__name__


def shares_then_writes(x):
    z = x
    z[0] = 2.0
    return np.sum(x * z)


def copies_then_writes(x):
    z = x.copy()
    z[0] = 2.0
    return np.sum(x * z)


def test_a_copy_does_not_share_and_a_second_name_does():
    for fn, expected in ((shares_then_writes, [["x"]]), (copies_then_writes, [])):
        front = front_half(fn, ["x"])["analysed"]
        assert list(alias.guards(front.normalized, front.ops).values()) == expected, fn.__name__


def read_again_in_the_loop(x):
    z = x
    s = 0.0
    for i in range(3):
        s = s + np.sum(x)
        z[i] = 2.0
    return s


def read_after_the_loop(x):
    z = x
    for i in range(3):
        z[i] = 2.0
    return np.sum(x)


def not_read_after_a_write_in_a_loop(x):
    s = np.sum(x)
    z = x
    for i in range(3):
        z[i] = 2.0
    return s


def test_a_write_in_a_loop_is_guarded_by_names_read_after_it_or_in_the_next_iteration():
    for fn, expected in ((read_again_in_the_loop, [["x"]]), (read_after_the_loop, [["x"]]),
                         (not_read_after_a_write_in_a_loop, [])):
        front = front_half(fn, ["x"])["analysed"]
        assert list(alias.guards(front.normalized, front.ops).values()) == expected, fn.__name__
