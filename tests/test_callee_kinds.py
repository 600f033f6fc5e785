"""Callees specialized on what their caller proves (issue #17): a parameter whose argument is a
real number at every run of the call (a number, what elementwise operations make of numbers, a
real constant, a default left as it is) is a scalar in the callee's pair, which drops the
``unbroadcast`` and the saves that only served it. Each case is checked against central
differences in reverse mode and as Hessian-vector products, including callees that get numbers at
one call and arrays at another, and parameters reassigned to arrays inside the callee."""

from __future__ import annotations

import math

import numpy as np
import pytest

import srcad
from gradcheck import check_grad, make_function
from rulecheck import check_hvp

CASES = {
    "scalar loop through a helper": ("""
def step(y, x):
    return y * x + math.sin(y)

def f(x, y0, n):
    y = y0
    for i in range(n):
        y = step(y, x)
    return y
""", (0.7, 0.3, 6)),
    "a number at one call, an array at another": ("""
def scale(v, s):
    return v * s + s * s

def f(a, s):
    first = scale(a, s)
    second = scale(s, a)
    third = scale(2.0, s)
    return np.sum(first * second) + third
""", (np.array([0.5, -1.0, 2.0]), 1.3)),
    "a float default and an array passed for it": ("""
def layer(W, x, b=0.0):
    return np.tanh(W @ x + b)

def f(W, x, c):
    h = layer(W, x)
    return np.sum(layer(W, h, b=c)) + np.sum(layer(W, h, b=0.5))
""", (np.eye(3) * 0.7 + 0.1, np.array([0.3, -0.2, 0.9]), np.array([0.1, 0.2, -0.3]))),
    "a parameter made an array inside the callee": ("""
def spread(s, v):
    s = s * np.ones(3) + v
    return np.sum(s ** 2)

def f(x, v):
    return spread(x * 2.0, v) + spread(1.5, v * x)
""", (0.4, np.array([0.3, -0.2, 0.9]))),
    "an integer and a bool constant": ("""
def poly(x, k, flag):
    if flag:
        return x ** k + k
    return x * k

def f(x):
    return np.sum(poly(x, 3, True)) + np.sum(poly(x, 2, False))
""", (np.array([0.5, 1.5]),)),
}


@pytest.mark.parametrize("name", CASES)
def test_specialized_callees_give_the_right_gradients(name):
    source, args = CASES[name]
    f = make_function(source, {"math": math}, name="f")
    positions = [k for k, a in enumerate(args) if not isinstance(a, int)]
    for k in positions:
        check_grad(f, args, argnums=k)
        check_hvp(f, args, k)


def test_a_callee_of_numbers_has_no_unbroadcast_and_saves_less():
    source, args = CASES["scalar loop through a helper"]
    f = make_function(source, {"math": math}, name="f")
    df = srcad.grad(f)
    df(*args)
    text = srcad.source(df)
    backward = text[text.index("def backward_step"):]
    assert "dsin_y = unbroadcast" not in backward and "dy = dy + dy_times_x * x" in backward
    forward = text[text.index("def forward_step"):text.index("def backward_step")]
    assert "return (out, (x, y))" in forward  # (sin_y was kept for its shape only)


def test_the_default_left_and_the_constant_passed_share_one_forward_function():
    source, args = CASES["a float default and an array passed for it"]
    f = make_function(source, name="f")
    df = srcad.grad(f)
    df(*args)  # (specialized: W and x are real arrays, so 'W @ x + b' broadcasts, see shapes.py)
    text = srcad.source(df)
    assert text.count("def forward_layer") == 2  # (numbers for b, and an array for b)
