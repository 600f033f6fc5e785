"""Pass 11b, tidy (:mod:`srcad.passes.tidy`): each generated function once, gradient tuples
unpacked. Each case is checked against central differences (reverse mode, and the Hessian-vector
product that runs forward mode over the tidied code) and for what the text shows."""

from __future__ import annotations

import numpy as np
import pytest

import srcad
from gradcheck import check_grad, make_function
from rulecheck import check_hvp

TWICE = """
def layer(W, x, b=0.0):
    return np.tanh(W @ x + b)

def f(W1, W2, x):
    h = layer(W1, x)
    return np.sum(layer(W2, h, b=-0.2))
"""

SAME_VARIABLE_TWICE = """
def mul(a, b):
    return a * b + np.sin(a)

def f(x, y):
    return np.sum(mul(x, x) * y) + np.sum(mul(y, x))
"""

CHECKPOINTED = """
@srcad.checkpoint
def block(W, h):
    return np.tanh(W @ h)

def plain(W, h):
    return np.tanh(W @ h)

def f(W, h):
    for _ in range(3):
        h = block(W, h)
    h2 = plain(W, h) + block(W, h)
    return np.sum(h2 * h2)
"""

RECURSIVE = """
def power(x, n):
    if n == 0:
        return x * 0.0 + 1.0
    return x * power(x, n - 1)

def f(x, y):
    return np.sum(power(x, 3) * y) + np.sum(power(y, 2))
"""


ACCUMULATED = """
def cell(h, x, W, U):
    return np.tanh(W @ h + U @ x)

def f(W, U, xs, h):
    total = 0.0
    for x in xs:
        h = cell(h, x, W, U)
        total = total + np.sum(h ** 2)
    return total
"""


def _define(source):
    return make_function(source, {"srcad": srcad}, name="f")


RNG = np.random.default_rng(3)


@pytest.mark.parametrize("source", [TWICE, SAME_VARIABLE_TWICE, CHECKPOINTED, RECURSIVE],
                         ids=["layer twice", "same variable twice", "checkpointed", "recursive"])
def test_tidied_code_computes_the_same_gradients(source):
    f = _define(source)
    if "W1" in source:
        args = (RNG.normal(size=(3, 3)), RNG.normal(size=(2, 3)), RNG.normal(size=3))
        argnums = (0, 1)
    elif "W, h" in source:
        args = (RNG.normal(size=(3, 3)) * 0.5, RNG.normal(size=3))
        argnums = (0, 1)
    else:
        args = (RNG.normal(size=4), RNG.normal(size=4))
        argnums = (0, 1)
    check_grad(f, args, argnums=argnums)
    check_hvp(f, args, 0)
    out, pullback = srcad.vjp(f, *args)
    check = srcad.grad(f, argnums=tuple(range(len(args))))(*args)
    for got, want in zip(pullback(np.ones_like(out)), check):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_a_callee_differentiated_twice_has_one_forward_function_and_unpacked_gradients():
    text = srcad.source(srcad.grad(_define(TWICE), argnums=(0, 1)))
    assert text.count("def forward_layer") == 1 and "forward_layer_2" not in text
    assert "dW2, dh = backward_layer(" in text
    assert "_args" not in text


def test_a_variable_passed_twice_keeps_its_sum():
    text = srcad.source(srcad.grad(_define(SAME_VARIABLE_TWICE), argnums=(0, 1)))
    # (x's two gradients from mul(x, x) are added: that tuple stays, read twice)
    assert "dx = dx + dmul_args_2[0] + dmul_args_2[1]" in text
    assert "dy, dx = backward_mul(" in text


def test_vjp_of_a_recursive_function_keeps_its_own_pair():
    f = _define(RECURSIVE)
    x, y = RNG.normal(size=4), RNG.normal(size=4)
    out, pullback = srcad.vjp(f, x, y)
    gx, gy = pullback(1.0)
    want = srcad.grad(f, argnums=(0, 1))(x, y)
    np.testing.assert_allclose(gx, want[0])
    np.testing.assert_allclose(gy, want[1])


def test_gradients_added_up_in_a_loop_are_unpacked_into_names_of_their_own():
    f = _define(ACCUMULATED)
    W, U = RNG.normal(size=(3, 3)) * 0.5, RNG.normal(size=(3, 2)) * 0.5
    xs, h = [RNG.normal(size=2) for _ in range(4)], RNG.normal(size=3)
    check_grad(f, (W, U, xs, h), argnums=(0, 1, 3))
    check_hvp(f, (W, U, xs, h), 0)
    text = srcad.source(srcad.grad(f, argnums=(0, 1, 3)))
    assert "dh, dW_cell, dU_cell = backward_cell(cell_saved, dh)" in text
    assert "dW += dW_cell" in text and "dU += dU_cell" in text and "_args" not in text
