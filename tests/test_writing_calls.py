"""``np.add.at``, ``np.subtract.at`` and ``np.copyto`` as statements: differentiated (issue #14, class 2).

Pass 4 writes each as ``y[...] = added_at(y, i, v)`` (see :mod:`srcad.passes.writing_calls`). Every
function is checked in reverse mode against central differences, in forward mode along a random
direction, and as Hessian-vector products against differences of the gradient; what is not one of
these calls on a local array stays refused at the user's line.
"""

from __future__ import annotations

import numpy as np
import pytest

import srcad
from gradcheck import check_grad, make_function
from rulecheck import check_hvp, check_jvp

X = np.array([0.3, -1.2, 0.7, 2.1, -0.4, 0.9])

RIGHT = {
    "add.at repeated indices": """
def f(x):
    y = np.zeros(4)
    np.add.at(y, [0, 0, 2, 3, 3, 3], x * x)
    return np.sum(y * y * np.arange(1.0, 5.0))
""",
    "add.at scalar broadcast": """
def f(x):
    y = x * 1.0
    np.add.at(y, [1, 1, 4], x[0] ** 2)
    return np.sum(np.sin(y) * y)
""",
    "add.at 2-D, tuple index": """
def f(x):
    m = np.outer(x[:3], x[3:])
    np.add.at(m, ([0, 0, 2], [1, 1, 0]), x[:3] * 3.0)
    return np.sum(m ** 3)
""",
    "add.at rows of a matrix": """
def f(x):
    m = np.zeros((3, 2))
    rows = np.array([2, 0, 2])
    np.add.at(m, rows, np.reshape(x, (3, 2)))
    return np.sum(np.tanh(m) * m)
""",
    "add.at with a slice": """
def f(x):
    y = np.ones(6)
    np.add.at(y, slice(1, 4), x[:3])
    return np.sum(np.exp(y)) + np.sum(y * x)
""",
    "subtract.at": """
def f(x):
    y = x ** 2
    np.subtract.at(y, [0, 0, 5], x[1:4])
    return np.sum(y * np.cos(y))
""",
    "add.at in a loop (embedding gradient)": """
def f(x):
    table = np.zeros(3)
    for k in range(6):
        np.add.at(table, [k % 3], x[k] * table[(k + 1) % 3] + x[k])
    return np.sum(table ** 2)
""",
        "copyto": """
def f(x):
    y = np.empty(6)
    np.copyto(y, np.exp(x))
    return np.sum(y * x)
""",
    "copyto broadcast": """
def f(x):
    m = np.ones((2, 6))
    np.copyto(m, x * x)
    return np.sum(m * np.arange(12.0).reshape(2, 6))
""",
    "copyto where": """
def f(x):
    y = np.sin(x)
    np.copyto(y, x ** 3, where=x > 0)
    return np.sum(y * y)
""",
    "copyto where keyword only, casting given": """
def f(x):
    y = x * 1.0
    np.copyto(dst=y, src=x[::-1] * x, casting="same_kind", where=np.arange(6) % 2 == 0)
    return np.sum(y ** 3)
""",
    "copyto into a parameter": """
def f(x, w):
    np.copyto(w, x * 2.0)
    return np.sum(w * x)
""",
        "from numpy import copyto": """
from numpy import copyto
def f(x):
    y = np.zeros(6)
    copyto(y, x * x)
    return np.sum(y * x)
""",
}


def _define(source):
    return make_function(source, {"np": np})


@pytest.mark.parametrize("source", RIGHT.values(), ids=RIGHT.keys())
def test_writing_calls_are_differentiated(source):
    f = _define(source)
    args = (X.copy(), np.ones(6)) if "w)" in source else (X.copy(),)
    check_grad(f, args)
    check_jvp(f, args, [0])
    check_hvp(f, args, 0)


def test_the_gradient_of_add_at_sums_over_repeated_indices():
    def f(x):
        y = np.zeros(2)
        np.add.at(y, [0, 0, 0, 1], x)
        return y[0] * 10.0 + y[1]
    assert np.array_equal(srcad.grad(f)(np.ones(4)), [10.0, 10.0, 10.0, 1.0])


def test_the_generated_code_writes_into_the_array():
    def f(x):
        y = np.zeros(3)
        np.add.at(y, [0, 0], x)
        return np.sum(y)
    text = srcad.source(srcad.grad(f))
    assert "# line" in text and "np.add.at(y, [0, 0], x)" in text
    assert "added_at_y = added_at(y, [0, 0], x)" in text and "y[...] = added_at_y" in text


def test_numpy_errors_are_numpy_errors():
    def f(x):
        y = np.zeros(3, dtype=int)
        np.copyto(y, x)  # floats into integers: not a 'same_kind' cast
        return np.sum(y * x)
    with pytest.raises(TypeError):
        f(np.ones(3))
    with pytest.raises(TypeError):
        srcad.grad(f)(np.ones(3))


def test_add_at_into_an_integer_array_carries_no_gradient():
    def f(x):
        y = np.zeros(3, dtype=int)
        np.add.at(y, [0, 2, 2], x * 10.0)  # NumPy truncates: no gradient reaches x through y
        return np.sum(y * x)
    x = np.array([0.15, 0.27, 0.33])
    np.testing.assert_allclose(srcad.grad(f)(x), [1.0, 0.0, 5.0])


def test_copyto_into_an_integer_array_unsafe_carries_no_gradient():
    def f(x):
        y = np.zeros(3, dtype=np.int64)
        np.copyto(y, x * 10.0, casting="unsafe")
        return np.sum(y * x)
    x = np.array([0.15, 0.27, 0.33])
    np.testing.assert_allclose(srcad.grad(f)(x), [1.0, 2.0, 3.0])


REFUSED = {
    "multiply.at": "np.multiply.at(y, [0, 1], x[:2])",
    "maximum.at": "np.maximum.at(y, [0, 1], x[:2])",
    "copyto into a slice": "np.copyto(y[2:], x[:4])",
    "add.at missing value": "np.add.at(y, [0])",
    "copyto out of a local module": "m.copyto(y, x)",
}


@pytest.mark.parametrize("statement", REFUSED.values(), ids=REFUSED.keys())
def test_other_writing_calls_stay_refused_at_their_line(statement):
    f = _define(f"""
def f(x):
    m = np
    y = x * 1.0
    {statement}
    return np.sum(y * y)
""")
    with pytest.raises(srcad.SrcadError) as info:
        srcad.grad(f)(X.copy())
    assert info.value.location.lineno == 5


VIEWS = {"add.at": "np.add.at(y, [0, 2, 2], x[:3])", "copyto": "np.copyto(y, np.tanh(x[:3]))"}


@pytest.mark.parametrize("statement", VIEWS.values(), ids=VIEWS.keys())
def test_a_write_into_a_view_read_afterwards_is_refused_like_a_subscript_write(statement):
    # (the backward sweep of 'base * base' would read base's old values: see docs/trust.md)
    f = _define(f"""
def f(x):
    base = x * 2.0
    y = base[1:4]
    {statement}
    return np.sum(base * base)
""")
    with pytest.raises(srcad.AliasingError) as info:
        srcad.grad(f)(X.copy())
    assert info.value.location.lineno == 5


def test_writing_into_a_global_array_is_refused():
    f = _define("""
def f(x):
    np.add.at(G, [0], x[0])
    return np.sum(G * x)
""")
    f.__globals__["G"] = np.zeros(6)
    with pytest.raises(srcad.SrcadError, match="not a local variable"):
        srcad.grad(f)(X.copy())
