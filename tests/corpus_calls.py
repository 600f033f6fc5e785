"""Calls to the user's own functions; goldens quote lines relative to each def: edit anywhere."""

import numpy as np

import corpus_calls_helpers
from corpus_calls_helpers import softsign

OFFSET = 0.5


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def layer(W, x, b=0.0):
    return sigmoid(W @ x + b)


def mlp(W1, W2, x):
    h = layer(W1, x)
    return np.sum(layer(W2, h, b=-0.2))


def stats(x):
    return np.mean(x), np.std(x)


def uses_tuple_result(x):
    m, s = stats(x)
    return m * s + s


def power(x, n):
    if n == 0:
        return 1.0
    return x * power(x, n - 1)


def in_loop_and_branch(x):
    s = 0.0
    for i in range(4):
        if i % 2 == 0:
            s = s + sigmoid(x * i)
        else:
            s = s * softsign(x)
    return s


def other_module(x):
    return softsign(x) + corpus_calls_helpers.scaled_tanh(x)


def make_scaled(k):
    def scaled(t):
        return k * t * t
    return scaled


quad = make_scaled(3.0)


def uses_closure(x):
    return quad(x) + x


cube = lambda t: t * t * t  # noqa: E731


def uses_lambda(x):
    return cube(x) * 2.0


ACTIVATIONS = {"sigmoid": sigmoid, "softsign": softsign}


def uses_dict(x):
    return ACTIVATIONS["sigmoid"](x) * ACTIVATIONS["softsign"](x)


def reads_global(x):
    return x * OFFSET


def calls_reader(x):
    return reads_global(x) * x


def keywords_and_defaults(x, y):
    return layer(np.eye(2), x, b=y) @ np.ones(2) + np.sum(layer(W=np.eye(2), x=y))


def square_chain(w):
    return sq(sq(sq(w)))


def sq(v):
    return v * v + 0.1


def mutual_even(x, n):
    if n == 0:
        return x
    return mutual_odd(x * 1.1, n - 1)


def mutual_odd(x, n):
    if n == 0:
        return np.sin(x)
    return mutual_even(x * 0.9, n - 1)


def apply_twice(f, x):
    return f(f(x))


def uses_function_argument(x, act):
    return np.sum(act(x) * x)


def passes_function_down(x):
    return apply_twice(sigmoid, x) + apply_twice(np.tanh, x)


def nested_def(x, w):
    def g(t, s=2.0):
        return np.tanh(t * w) * s + x
    y = g(x) + g(x * 2.0, s=0.5)
    return np.sum(y * y)


def nested_def_in_loop(x, n):
    scale = x * 0.5

    def step(v):
        return np.sin(v) * scale
    v = x
    for i in range(n):
        if i % 2 == 0:
            v = step(v)
        else:
            v = v + step(v * 0.5)
    return np.sum(v)


def double(fn):
    import functools

    @functools.wraps(fn)
    def wrapper(*args):
        return 2.0 * fn(*args)
    return wrapper


@double
def twice_square(v):
    return v * v


def calls_wrapped(x):
    return twice_square(x) + x


def total(*xs):
    s = 0.0
    for v in xs:
        s = s + v * v
    return s


def uses_total(x, y):
    return total(x, y, x * y) + total(x)


def head_and_rest(x, *rest):
    return x * np.sum(np.array(rest))


def scaled(x, *, scale=2.0, power=2):
    return np.sum(scale * x ** power)


def calls_keyword_only(x, s):
    return scaled(x, scale=s) + scaled(x * 2.0, power=3, scale=0.5)


def model(params, x):
    return np.tanh(params["W"] @ x + params["b"])


def dict_literal(W, b, x):
    params = {"W": W, "b": b, "scale": 2.0}
    h = model(params, x)
    return np.sum(h * h) * params["scale"]
