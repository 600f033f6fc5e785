"""Shared test functions; golden files quote lines relative to each def, so edit anywhere."""

import math
from math import *  # noqa: F401,F403  (tests that 'from math import *' names resolve)

import numpy
import numpy as np
from numpy import exp


def textbook_sum_times(x, y, z):
    q = x + y
    f = q * z
    return f


def textbook_max(x, y, z, w):
    return 2 * (x * y + max(z, w))


def logistic_loss(w, X, y):
    """Mean cross-entropy of logistic regression."""
    logits = X @ w
    p = 1 / (1 + np.exp(-logits))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def overwrite(a, b):
    a = a * 3
    a = np.sin(a) * b + a * a
    a += b
    return np.sum(a ** 2)


def square_itself(x):
    x = x * x
    x = np.exp(x)
    return x


def clashing_names(x, dx, unbroadcast, seed_scalar):
    # user variables named like generated ones
    dout = x * dx
    out = dout + unbroadcast * seed_scalar
    return out * x


def plain_numpy_module(x):
    return numpy.sum(numpy.tanh(x) * exp(x))


def star_math(x):
    return sin(x) * sqrt(x) + log(x)  # noqa: F405


def math_module(x, y):
    return math.atan2(y, x) + math.hypot(x, y) * math.exp(-x)


def tuple_unpack(x, y):
    a, b = y, x
    a, b = b * a, a + b
    return a * b


def chain_f(w):
    return np.tanh(w) * 1.5


def ffw(w):
    x = np.tanh(w) * 1.5
    y = np.tanh(x) * 1.5
    z = np.tanh(y) * 1.5
    return z


def mlp_loss(W1, W2, X, labels, reg):
    """One-hidden-layer ReLU network, softmax cross-entropy and L2 weight decay."""
    hidden = np.maximum(X @ W1, 0.0)
    scores = hidden @ W2
    scores = scores - np.max(scores, axis=1, keepdims=True)
    logp = scores - np.log(np.sum(np.exp(scores), axis=1, keepdims=True))
    data_loss = -np.mean(np.sum(logp * labels, axis=1))
    return data_loss + reg * (np.sum(W1 * W1) + np.sum(W2 * W2))


def with_defaults(x, scale=2.0, power=3):
    return scale * x ** power


def only_second(x, y):
    u = np.exp(x) * 2.0
    v = np.sin(y)
    return np.sum(u + v)
