"""``np.put``, ``np.put_along_axis``, ``np.putmask``, ``np.place`` and ``np.fill_diagonal`` as
statements: differentiated (issue #16).

Pass 4 writes each as ``y[...] = put_into(y, ind, v)`` (see :mod:`srcad.passes.writing_calls`);
where each entry of the result comes from is found by NumPy's own function run on codes
(:func:`srcad.runtime.writes.sources`). Every function is checked in reverse mode against central
differences in each argument, in forward mode along a random direction and as Hessian-vector
products against differences of the gradient.
"""

from __future__ import annotations

import numpy as np
import pytest

import srcad
from gradcheck import check_grad, make_function
from rulecheck import check_hvp, check_jvp

A = np.array([[0.3, -1.2, 0.7], [2.1, -0.4, 0.9]])
B = np.array([0.5, -0.8, 1.3, 0.2])

RIGHT = {
    "put": "np.put(c, [0, 3], b[:2])",
    "put, repeated index: the last wins": "np.put(c, [0, 4, 0], b[:3])",
    "put, values repeated cyclically": "np.put(c, [0, 1, 2, 5], b[:2])",
    "put mode=wrap": "np.put(c, [0, 9, -2], b[1:4], mode='wrap')",
    "put mode=clip, keyword arguments": "np.put(c, ind=[-3, 1, 40], v=b[:3], mode='clip')",
    "put a scalar": "np.put(c, [1, 2], b[0] * b[1])",
    "put_along_axis": "np.put_along_axis(c, np.array([[0], [2]]), b[:2, None], axis=1)",
    "put_along_axis broadcast values": "np.put_along_axis(c, np.array([[1, 2]]), b[:2], axis=1)",
    "put_along_axis axis 0, negative index": "np.put_along_axis(c, np.array([[-1, 0, 1]]), b[None, :3], 0)",
    "putmask": "np.putmask(c, a > 0, b[:2])",
    "putmask values as many as the array": "np.putmask(c, a < 0.5, np.sin(a))",
    "place": "np.place(c, a > 0, b[:3])",
    "place cyclic values": "np.place(c, a > -1.0, b[:2])",
    "fill_diagonal": "np.fill_diagonal(c, b[:2])",
    "fill_diagonal scalar": "np.fill_diagonal(c, b[3] ** 2)",
}

TEMPLATE = """
def f(a, b):
    c = np.tanh(a) * 2.0
    {statement}
    return np.sum(np.sin(c) * a) + np.sum(c ** 3)
"""


@pytest.mark.parametrize("statement", RIGHT.values(), ids=RIGHT.keys())
def test_writing_calls_over_entries_are_differentiated(statement):
    f = make_function(TEMPLATE.format(statement=statement))
    args = (A.copy(), B.copy())
    for k in (0, 1):
        check_grad(f, args, argnums=k)
    check_jvp(f, args, [0, 1])
    check_hvp(f, args, 0)
    check_hvp(f, args, 1)


FILL_WRAP = """
def f(a, b):
    c = np.concatenate([a, a * b[0], a]) ** 2
    np.fill_diagonal(c, b[1:3], wrap=True)
    return np.sum(np.sin(c) * np.arange(18.0).reshape(6, 3))
"""

IN_A_LOOP = """
def f(a, b):
    c = a * 1.0
    for i in range(3):
        np.fill_diagonal(c, c[1, 2] * b[i])
        np.put(c, [5 - i], c[0, 0] * b[3])
    return np.sum(c * c * a)
"""

IN_A_BRANCH = """
def f(a, b):
    c = a * b[0]
    if b[1] > 0:
        np.putmask(c, a > 0, b * c[1, 1])
    else:
        np.place(c, a > 0, b)
    return np.sum(np.exp(c))
"""

INTO_A_PARAMETER = """
def f(a, b):
    np.put(a, [1, 2], b[:2] ** 2)
    return np.sum(a * a)
"""


@pytest.mark.parametrize("source", [FILL_WRAP, IN_A_LOOP, IN_A_BRANCH, INTO_A_PARAMETER],
                         ids=["fill_diagonal wrap", "in a loop", "in a branch", "into a parameter"])
def test_writing_calls_over_entries_in_context(source):
    f = make_function(source)
    for b in (B, -B):
        args = (A.copy(), b.copy())
        for k in (0, 1):
            check_grad(f, args, argnums=k)
        check_jvp(f, args, [0, 1])
        check_hvp(f, args, 1)


def test_the_last_of_repeated_writes_gets_the_gradient():
    def f(a, v):
        c = a * 1.0
        np.put(c, [0, 0, 0], v)
        return c[0] * 10.0 + np.sum(c)
    g = srcad.grad(f, argnums=1)(np.ones(3), np.ones(3))
    np.testing.assert_array_equal(g, [0.0, 0.0, 11.0])
    assert np.array_equal(srcad.grad(f)(np.ones(3), np.ones(3)), [0.0, 1.0, 1.0])


def test_a_value_written_into_an_integer_array_carries_no_gradient():
    def f(x):
        y = np.zeros(3, dtype=int)
        np.put(y, [0, 2], x[:2] * 10.0)  # NumPy truncates
        return np.sum(y * x)
    x = np.array([0.15, 0.27, 0.33])
    np.testing.assert_allclose(srcad.grad(f)(x), [1.0, 0.0, 2.0])


def test_the_generated_code_names_the_call():
    def f(x):
        y = x * 2.0
        np.fill_diagonal(y, 0.0)
        return np.sum(y * y)
    text = srcad.source(srcad.grad(f))
    assert "np.fill_diagonal(y, 0.0)" in text and "y[...] = " in text


def test_numpy_errors_stay_numpy_errors():
    def f(x):
        y = x * 1.0
        np.put(y, [7], 1.0)  # out of bounds with mode='raise'
        return np.sum(y)
    with pytest.raises(IndexError):
        f(np.ones(3))
    with pytest.raises(IndexError):
        srcad.grad(f)(np.ones(3))


def test_a_write_into_a_view_read_afterwards_is_refused_like_a_subscript_write():
    f = make_function("""
def f(x):
    base = x * 2.0
    y = base[1:4]
    np.put(y, [0, 2], x[:2])
    return np.sum(base * base)
""")
    with pytest.raises(srcad.AliasingError) as info:
        srcad.grad(f)(np.arange(1.0, 7.0))
    assert info.value.location.lineno == 5
