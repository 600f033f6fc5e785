"""Regression tests for bugs found in review; every gradient is checked against finite differences."""

import numpy as np
import pytest

import srcad
from gradcheck import check_grad


# -- comprehensions: the first iterable is evaluated in the enclosing scope --------------------------

def comp_iter_shadows(x, y):
    return sum([x * y for x in [x, y, x * y]])


def comp_range_of_outer(x):
    i = 2
    return sum([x * i for i in range(i + 1)])


def comp_same_name(v):
    return sum([v * v for v in v])


def comp_later_iter_sees_target(x, y):
    # the second iterable and the condition read the comprehension's own ``a``
    return sum([a * b for a in [x, y] for b in [a, x * a] if a > 0])


def comp_nested(x):
    return sum([sum([x * x for x in x]) for x in [x, 2 * x]])


def comp_generator_expression(x):
    return sum(x * x for x in [x, 3 * x])


@pytest.mark.parametrize("fn, args, argnums", [
    (comp_iter_shadows, (1.5, 2.0), (0, 1)),
    (comp_range_of_outer, (1.5,), 0),
    (comp_same_name, (np.array([1.0, -2.0, 3.0]),), 0),
    (comp_later_iter_sees_target, (1.5, 0.7), (0, 1)),
    (comp_nested, (np.array([0.5, -1.5]),), 0),
    (comp_generator_expression, (0.8,), 0),
])
def test_comprehension_first_iterable_in_enclosing_scope(fn, args, argnums):
    check_grad(fn, list(args), argnums)
    assert srcad.value_and_grad(fn, argnums)(*args)[0] == pytest.approx(fn(*args))
