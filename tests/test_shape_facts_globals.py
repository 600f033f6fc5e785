"""Pass 9's broadcast sets where an operand is a global array (found in this session: a silent
wrong gradient). ``y = x`` then ``y = y * G`` in a loop, ``G`` a global of shape (2, 3) and ``x``
of shape (3,): the assignment reading ``G`` has no set (a global is no variable of the analysis),
and the optimistic fixed point ignored it, so ``y`` kept ``x``'s set, the ``unbroadcast`` of
``dy`` was dropped, and the gradient came back with shape (2, 3). Every set now stands only if
every assignment of its variable gives it. Each case: central differences, and as Hessian-vector
products."""

from __future__ import annotations

import numpy as np
import pytest

import srcad
from gradcheck import check_grad, make_function
from rulecheck import check_hvp

G = np.array([[0.5, 1.0, 2.0], [1.5, -1.0, 0.3]])
ROW = np.array([[0.7], [-0.4]])

CASES = {
    "a loop multiplying by a global": """
def f(x):
    y = x
    for i in range(2):
        y = y * G
    return np.sum(y)
""",
    "a parameter reassigned with a global": """
def f(x):
    for i in range(2):
        x = x * G + 0.1
    return np.sum(np.sin(x))
""",
    "two branches, one with a global": """
def f(x):
    if np.sum(x) > 0:
        y = x * 2.0
    else:
        y = x + ROW
    return np.sum(y * y)
""",
    "a while loop adding a global column": """
def f(x):
    y = x
    k = 0
    while k < 3:
        y = np.tanh(y + ROW)
        k += 1
    return np.sum(y ** 2)
""",
    "through a helper, the global passed": """
def step(a, b):
    return a * b

def f(x):
    y = x
    for i in range(2):
        y = step(y, G) + 0.5
    return np.sum(y)
""",
    "through a helper that reads the global itself": """
def step(a):
    return a * G

def f(x):
    y = x
    for i in range(2):
        y = step(y) - 0.2
    return np.sum(np.cos(y))
""",
}


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("x", [np.array([0.1, 0.2, 0.3]), np.array([-0.4, 0.5, 0.9])])
def test_gradients_through_global_arrays(name, x):
    f = make_function(CASES[name], {"G": G, "ROW": ROW}, name="f")
    check_grad(f, (x.copy(),))
    check_hvp(f, (x.copy(),), 0)
    assert np.shape(srcad.grad(f)(x.copy())) == x.shape
    assert np.shape(srcad.grad(f, specialize=False)(x.copy())) == x.shape
