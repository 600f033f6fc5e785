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


# ---- '+' and '*' of lists and tuples (found by this session's adversarial review) ---------------
# Pass 9 took 'x * 3' and 'x + x' for broadcasting, so the unbroadcast that refuses a list met by
# '*' or '+' at run time was dropped, and a list argument was repeated or concatenated: a wrong
# gradient ([2, 2, 2] for x = [0.5], right: [3.0]). Now such an operation broadcasts in pass 9 only
# where it cannot join sequences; srcad gives the right number or refuses.

SEQUENCES = {
    "a list parameter repeated": ("""
def f(x):
    t = x * 3
    z = np.multiply(t, x)
    return np.sum(z)
""", ([0.5],)),
    "a tuple parameter concatenated": ("""
def f(x):
    t = x + x
    z = np.multiply(t, x)
    return np.sum(z)
""", ((0.5,),)),
    "a list repeated by a callee": ("""
def rep(a, n):
    return a * n

def f(x, w):
    t = rep(x, 3)
    u = np.multiply(x, w)
    z = np.multiply(t, u)
    return np.sum(z)
""", ([0.5], 2.0)),
}


def _list_differences(f, args):
    x, rest = args[0], args[1:]
    found = []
    for i in range(len(x)):
        up, down = list(x), list(x)
        up[i] += 1e-6
        down[i] -= 1e-6
        found.append((f(type(x)(up), *rest) - f(type(x)(down), *rest)) / 2e-6)
    return found


@pytest.mark.parametrize("name", SEQUENCES)
@pytest.mark.parametrize("specialize", [True, False])
def test_lists_joined_by_operators_are_refused_or_right(name, specialize):
    source, args = SEQUENCES[name]
    f = make_function(source, name="f")
    try:
        g = srcad.grad(f, specialize=specialize)(*args)
    except srcad.SrcadError:
        return  # (refused: srcad reads '+' and '*' of a list it did not see built as an error)
    want = _list_differences(f, args)
    assert np.shape(g) == np.shape(want)
    np.testing.assert_allclose(g, want, rtol=1e-6)
