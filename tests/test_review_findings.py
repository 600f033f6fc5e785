"""Findings of an independent review (330 functions written from scratch, checked against finite
differences, autograd, forward mode and HVPs), kept as regression tests.

1. Forward mode over a gradient (``hvp``, ``hessian``, ``grad(grad(f))``) crashed with a
   ``NameError`` (``S_dot``) where a loop writing into an array element read a global or enclosing
   array by subscript: the variable it was read into is saved on the stack with active values, so
   the read looked active, and the global got a tangent variable that does not exist. A global or
   enclosing variable is a constant: it never has one.
"""

from __future__ import annotations

import numpy as np
import pytest

import srcad
from gradcheck import make_function
from rulecheck import check_hvp

LOOP_READING_A_GLOBAL = """
S = np.array([1.0, 2.0, 3.0])

def f(k):
    out = np.zeros(3)
    for i in range(3):
        out[i] = out[i] + S[i] * k[i]
    return np.sum(out ** 2)
"""

LOOP_READING_A_CLOSURE = """
def make():
    S = np.array([1.0, 2.0, 3.0])
    def f(k):
        out = np.zeros(3)
        for i in range(3):
            out[i] += S[1] * k[i] * out[i - 1]
        return np.sum(out ** 2) + np.sum(k ** 3)
    return f

f = make()
"""

SCALAR = """
S = np.array([1.0, 2.0, 3.0])

def f(t):
    out = np.zeros(3)
    for i in range(3):
        out[i] = out[i] + S[i] * t
    return np.sum(out ** 2)
"""


@pytest.mark.parametrize("source", [LOOP_READING_A_GLOBAL, LOOP_READING_A_CLOSURE],
                         ids=["global", "closure"])
def test_hvp_of_a_loop_reading_a_global_array_by_subscript(source):
    f = make_function(source, name="f")
    k = np.array([0.3, 0.5, 0.7])
    check_hvp(f, (k,), 0)
    hessian = srcad.hessian(f)(k)
    for j in range(3):
        np.testing.assert_allclose(hessian[:, j], srcad.hvp(f)(k, np.eye(3)[j]), rtol=1e-10)


def test_second_derivative_of_a_scalar_loop_reading_a_global_array():
    f = make_function(SCALAR, name="f")
    # f(t) = 14 t^2: the second derivative is 28
    np.testing.assert_allclose(srcad.grad(srcad.grad(f))(0.5), 28.0, rtol=1e-12)
