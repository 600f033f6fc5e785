"""Functions for the debugging tools' tests. Line numbers are tested: append only."""

import numpy as np

import srcad


@srcad.custom_vjp
def softplus(x):
    return np.logaddexp(0.0, x)


@softplus.defvjp
def softplus_vjp(g, ans, x):
    return g * np.exp(-x)  # wrong on purpose: the true one is g * exp(x - ans)


def layer(W, x):
    h = W @ x
    return softplus(h)


def wrong_loss(W, x):
    a = layer(W, x)
    b = np.tanh(a) * 2.0
    return np.sum(b * b)


def right_loss(W, x):
    h = np.tanh(W @ x)
    return np.sum(h ** 2)


def sqrt_loss(x):
    y = np.sqrt(x)
    z = y * 2.0
    return np.sum(z)


def shape_error(x, W):
    h = W @ x
    return np.sum(h * h)
