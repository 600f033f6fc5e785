"""``and``/``or`` whose value is one of their operands (``lr = lr or 0.01``, ``w = mask and x``):
written as the conditional expression Python evaluates (``a or b`` is ``a if a else b``), so the
gradient goes to the operand returned, the later operands run only where Python's short circuit
runs them, and the first runs once. Checked against central differences, in forward mode and
for Hessian-vector products (whose forward mode reads the gradient code, where a saved
condition can be such an expression)."""

import numpy as np
import pytest

import srcad
from gradcheck import check_grad, make_function
from rulecheck import check_hvp, check_jvp

CASES = [
    ("""
def f(x, s):
    lr = s or 0.5
    return lr * x ** 2
""", [(1.3, 0.0), (1.3, 2.0)]),
    ("""
def f(x, s):
    y = s and x * 3.0
    return y * x
""", [(0.7, 1.5), (0.7, 0.0)]),
    ("""
def f(x, s):
    return (s > 1 and x * x) or np.sin(x)
""", [(0.4, 2.0), (0.4, 0.5)]),
    ("""
def f(x, s):
    total = 0.0
    for k in range(3):
        step = (k and x * k) or s * x
        total = total + step * x
    return total
""", [(0.9, 1.2)]),
    ("""
def f(x, s):
    a = x * 0.0 or s * x or x ** 3
    return a * x
""", [(1.1, 0.0), (1.1, 2.0)]),
]


@pytest.mark.parametrize("source, points", CASES)
def test_gradients_forward_and_hessians(source, points):
    f = make_function(source)
    for x, s in points:
        # (where s is 0 a change of s changes which operand is returned: x alone is differentiable)
        wrt = (0, 1) if s else (0,)
        check_grad(f, [x, s], argnums=wrt, rtol=1e-5, atol=1e-6)
        check_jvp(f, [x, s], wrt)
        check_hvp(f, [x, s], 0, rtol=1e-4, atol=1e-5)


def test_the_short_circuit_is_kept():
    calls = []

    def noisy(v):
        calls.append(v)
        return v * 2.0

    f = make_function("""
def f(x, s):
    return (s or noisy(x)) * x
""", {"noisy": noisy})
    calls.clear()
    assert srcad.grad(f)(1.5, 2.0) == 2.0  # s is truthy: noisy is never called
    assert calls == []
    assert srcad.grad(f)(1.5, 0.0) == pytest.approx(6.0)  # d(2x * x)/dx
    assert calls  # (called, since s is falsy)


def test_a_saved_condition_in_the_gradient_code_has_a_hessian():
    # (the gradient code of a branch on 'n > 1 and e' inside a branch with a subscript write
    # saves 'cond = n > 1 and e', which forward mode then reads: it was refused)
    f = make_function("""
def f(x, n, e):
    y = x * 1.0
    if n > 0:
        y[0] = y[0] * 2.0
        if n > 1 and e:
            y = y * x
    return np.sum(y ** 2)
""")
    x = np.array([0.3, -0.7, 1.1])
    for e in (True, False, 0, 1.0):
        check_grad(f, [x, 2, e])
        check_hvp(f, [x, 2, e], 0, rtol=1e-4, atol=1e-5)


def test_an_array_operand_fails_as_in_python():
    f = make_function("""
def f(x):
    y = x or 1.0
    return np.sum(y)
""")
    with pytest.raises(ValueError, match="truth value"):
        srcad.grad(f)(np.array([1.0, 2.0]))
