"""Control-flow corpus: loops, branches, jumps and array writes, each checked at several inputs.

``CASES`` lists (function, input maker, argnums); inputs are drawn away from branch boundaries.
Golden files quote lines relative to each def (tests/goldens.py): functions may go anywhere.
"""

import math

import numpy as np


def for_range_arg(x, n):
    y = 1.0
    for i in range(n):
        y = y * x + np.sin(y)
    return y


def for_range_computed(x):
    total = 0.0
    start = 1
    stop = start + 6
    for k in range(start, stop, 2):
        total = total + x ** k / k
    return total


def for_rows(W, X):
    s = 0.0
    for row in X:
        s = s + np.sum(np.tanh(W @ row))
    return s


def for_list(x):
    vals = [x, x * 2.0, np.sin(x)]
    s = 0.0
    for v in vals:
        s = s + v * v
    return s


def for_tuple(x, y):
    s = 0.0
    for v in (x, y, x * y):
        s = s + np.exp(-v * v)
    return s


def for_enumerate(x):
    s = 0.0
    for i, v in enumerate(x):
        s = s + (i + 1) * v ** 2
    return s


def for_zip(x, y):
    s = 0.0
    for a, b in zip(x, y):
        s = s + a * b + np.sin(a)
    return s


def for_reversed(x):
    acc = 0.0
    for v in reversed(x):
        acc = acc * 0.5 + v
    return acc * acc


def nested_loops(x):
    s = 0.0
    for i in range(3):
        for j in range(i + 1):
            s = s + x[i] * x[j] * (j + 1)
    return s


def while_data_dependent(x):
    y = x
    steps = 0
    while y < 10.0:
        y = y * 1.7 + 0.3
        steps = steps + 1
    return y


def while_ode(k):
    t = 0.0
    y = 1.0
    dt = 0.05
    while t < 1.0:
        y = y - dt * k * y
        t = t + dt
    return y


def if_elif_else(x):
    if x > 1.0:
        y = x * x
    elif x > 0.0:
        y = np.sin(x)
    elif x > -1.0:
        y = -x * 3.0
    else:
        y = np.exp(x)
    return y * 2.0


def nested_if(x, y):
    if x > 0:
        if y > 0:
            z = x * y
        else:
            z = x - y
    else:
        if y > x:
            z = y * y
        else:
            z = x
    return z * x


def conditional_expression(x):
    y = x * x if x > 0.5 else x * 3.0
    return y + (np.cos(y) if y > 1.0 else np.sin(y))


def bool_ops_conditions(x, y):
    if x > 0 and y > 0:
        z = x * y
    elif not (x > 0) or y > 2:
        z = x + y
    else:
        z = x - y
    if 0 < x < 1:
        z = z * x
    return z


def break_in_loop(x):
    s = 0.0
    for i in range(20):
        s = s + x * i
        if s > 5.0:
            break
    return s * x


def continue_accumulator(x):
    s = 0.0
    for i in range(len(x)):
        if x[i] < 0:
            continue
        s = s + x[i] ** 2
    return s


def for_else(x):
    s = x
    for i in range(4):
        s = s * 1.1
        if s > 100.0:
            break
    else:
        s = s + x * x
    return s


def while_else(x):
    s = x
    while s < 5.0:
        s = s * 2.0
        if s > 1000.0:
            break
    else:
        s = s - x
    return s * s


def early_return_in_loop(x):
    for i in range(5):
        x = x * 1.5
        if x > 3.0:
            return x * 2.0
    return x


def several_returns(x):
    if x > 2.0:
        return np.log(x)
    y = x * x
    if y > 1.0:
        return y * 3.0
    return y + x


def break_in_nested_loop(x):
    s = 0.0
    for i in range(4):
        for j in range(4):
            s = s + x * (i + j)
            if j > i:
                break
    return s


def loop_inside_branch(x, n):
    if x > 0:
        for i in range(n):
            x = np.sin(x) + x
    else:
        x = x * 2.0
    return x


def branch_inside_loop(x):
    s = 0.0
    for i in range(6):
        if i % 2 == 0:
            s = s + x * i
        else:
            s = s * x
    return s


def while_inside_for(x):
    s = 0.0
    for i in range(3):
        t = x
        while t < 4.0:
            t = t * 2.0
        s = s + t
    return s


def subscript_write(x):
    y = np.zeros(3)
    y[0] = x[0] * 2.0
    y[1] = x[1] * x[2]
    y[2] = np.sin(x[0])
    return np.sum(y * y)


def subscript_augmented(x):
    y = x.copy()
    y[0] += x[1] * 3.0
    y[1] *= x[2]
    y[2] -= 1.0
    return np.sum(y ** 2)


def slice_write(x):
    y = np.zeros(6)
    y[1:4] = x * 2.0
    y[4:] = x[:2] * x[1:]
    return np.sum(np.sin(y))


def column_write(A, v):
    B = A.copy()
    for j in range(A.shape[1]):
        B[:, j] = B[:, j] * v[j]
    return np.sum(B * B)


def rnn_rows(W, xs, h0):
    n = xs.shape[0]
    states = np.zeros((n, h0.shape[0]))
    h = h0
    for t in range(n):
        h = np.tanh(W @ h + xs[t])
        states[t] = h
    return np.sum(states ** 2)


def copy_then_write(x):
    y = x.copy()
    y[1] = y[0] * y[2]
    return np.sum(y * x)


def writes_into_argument(x):
    x[0] = x[0] * x[1]
    return np.sum(x * x)


def float_becomes_array(x, w):
    s = 0.0
    for i in range(3):
        s = s + w * x[i]
    return np.sum(s * s)


def shape_changes(x):
    acc = 1.0
    for i in range(3):
        acc = acc * x[i:]
        acc = np.sum(acc)
    return acc


def loop_variable_used(x):
    s = 0.0
    for i in range(1, 5):
        s = s + np.sin(x * i) / i
    return s


def overwritten_in_branch(x):
    y = x * 2.0
    if x > 0:
        y = y * y
    y = np.tanh(y)
    return y


def accumulate_matrix(W, X):
    H = X
    for layer in range(3):
        H = np.maximum(H @ W, 0.0) + H * 0.1
    return np.sum(H)


def while_with_continue(x):
    i = 0
    s = 0.0
    while i < 6:
        i = i + 1
        if i % 3 == 0:
            continue
        s = s + x ** i
    return s


def early_return_from_nested(x):
    for i in range(3):
        for j in range(3):
            x = x * 1.2
            if x > 2.0:
                return x * x
    return x


def product_loop(x):
    p = 1.0
    for v in x:
        p = p * v
    return p


def max_in_loop(x):
    best = x[0]
    for i in range(1, len(x)):
        if x[i] > best:
            best = x[i]
    return best * best


def math_loop(x):
    s = 0.0
    for i in range(4):
        s = s + math.sin(x * i) * math.exp(-x)
    return s


def newton_sqrt(a):
    x = a
    for i in range(6):
        x = 0.5 * (x + a / x)
    return x


def masked_update(x):
    y = x.copy()
    for i in range(len(x)):
        if y[i] > 0:
            y[i] = y[i] * y[i]
        else:
            y[i] = -y[i]
    return np.sum(y)


def fib_like(x):
    a, b = x, x * 2.0
    for i in range(5):
        a, b = b, a + b * 0.5
    return b


def list_comprehension(ws, xs):
    return sum([w * x for w, x in zip(ws, xs)])


def nested_comprehension_with_condition(x):
    v = 3.0
    ys = [np.sin(v * k) for v in x if v > 0 for k in (1.0, 2.0)]
    return sum(ys) * v


def generator_expression(x):
    return np.sum(np.array([t * t for t in x])) + sum(np.tanh(t) for t in x)


def _vec(n, lo=-1.0, hi=1.0):
    return lambda rng: rng.uniform(lo, hi, size=n)


def _mat(shape):
    return lambda rng: rng.normal(size=shape) * 0.5


def _scalar(lo, hi):
    return lambda rng: float(rng.uniform(lo, hi))


CASES = [
    (for_range_arg, [_scalar(0.3, 0.9), lambda rng: 5], 0),
    (for_range_computed, [_scalar(0.5, 1.5)], 0),
    (for_rows, [_mat((3, 4)), _mat((5, 4))], (0, 1)),
    (for_list, [_scalar(-1, 1)], 0),
    (for_tuple, [_scalar(-1, 1), _scalar(-1, 1)], (0, 1)),
    (for_enumerate, [_vec(4)], 0),
    (for_zip, [_vec(4), _vec(3)], (0, 1)),
    (for_reversed, [_vec(5)], 0),
    (nested_loops, [_vec(3)], 0),
    (while_data_dependent, [_scalar(0.5, 2.0)], 0),
    (while_ode, [_scalar(0.5, 2.0)], 0),
    (if_elif_else, [_scalar(1.2, 2.0)], 0),
    (if_elif_else, [_scalar(0.1, 0.9)], 0),
    (if_elif_else, [_scalar(-0.9, -0.1)], 0),
    (if_elif_else, [_scalar(-3.0, -1.2)], 0),
    (nested_if, [_scalar(0.2, 1.0), _scalar(0.2, 1.0)], (0, 1)),
    (nested_if, [_scalar(0.2, 1.0), _scalar(-1.0, -0.2)], (0, 1)),
    (nested_if, [_scalar(-1.0, -0.6), _scalar(-0.4, 1.0)], (0, 1)),
    (nested_if, [_scalar(-0.5, -0.2), _scalar(-1.0, -0.6)], (0, 1)),
    (conditional_expression, [_scalar(0.6, 1.5)], 0),
    (conditional_expression, [_scalar(-0.5, 0.3)], 0),
    (bool_ops_conditions, [_scalar(0.2, 0.8), _scalar(0.2, 0.8)], (0, 1)),
    (bool_ops_conditions, [_scalar(-1.0, -0.2), _scalar(0.2, 0.8)], (0, 1)),
    (bool_ops_conditions, [_scalar(1.2, 2.0), _scalar(-1.0, -0.2)], (0, 1)),
    (break_in_loop, [_scalar(0.3, 0.45)], 0),
    (continue_accumulator, [_vec(6)], 0),
    (for_else, [_scalar(0.5, 2.0)], 0),
    (for_else, [_scalar(80.0, 90.0)], 0),
    (while_else, [_scalar(0.5, 2.0)], 0),
    (early_return_in_loop, [_scalar(0.5, 0.8)], 0),
    (early_return_in_loop, [_scalar(0.05, 0.3)], 0),
    (several_returns, [_scalar(2.5, 4.0)], 0),
    (several_returns, [_scalar(1.1, 1.4)], 0),
    (several_returns, [_scalar(0.2, 0.8)], 0),
    (break_in_nested_loop, [_scalar(-1, 1)], 0),
    (loop_inside_branch, [_scalar(0.2, 1.0), lambda rng: 4], 0),
    (loop_inside_branch, [_scalar(-1.0, -0.2), lambda rng: 4], 0),
    (branch_inside_loop, [_scalar(0.5, 1.5)], 0),
    (while_inside_for, [_scalar(0.6, 1.5)], 0),
    (subscript_write, [_vec(3)], 0),
    (subscript_augmented, [_vec(3)], 0),
    (slice_write, [_vec(3)], 0),
    (column_write, [_mat((3, 4)), _vec(4)], (0, 1)),
    (rnn_rows, [_mat((4, 4)), _mat((5, 4)), _vec(4)], (0, 1, 2)),
    (copy_then_write, [_vec(3)], 0),
    (writes_into_argument, [_vec(3)], 0),
    (float_becomes_array, [_vec(3), _vec(4)], (0, 1)),
    (shape_changes, [_vec(4, 0.5, 1.0)], 0),
    (loop_variable_used, [_scalar(-1, 1)], 0),
    (overwritten_in_branch, [_scalar(0.1, 0.8)], 0),
    (overwritten_in_branch, [_scalar(-0.8, -0.1)], 0),
    (accumulate_matrix, [_mat((3, 3)), _mat((4, 3))], (0, 1)),
    (while_with_continue, [_scalar(0.5, 1.0)], 0),
    (early_return_from_nested, [_scalar(0.3, 0.6)], 0),
    (early_return_from_nested, [_scalar(0.01, 0.05)], 0),
    (product_loop, [_vec(5, 0.5, 1.5)], 0),
    (max_in_loop, [lambda rng: rng.permutation(np.array([0.3, 1.7, 0.9, 1.2]))], 0),
    (math_loop, [_scalar(0.2, 1.0)], 0),
    (newton_sqrt, [_scalar(1.0, 4.0)], 0),
    (masked_update, [_vec(5)], 0),
    (fib_like, [_scalar(-1, 1)], 0),
    (list_comprehension, [_vec(4), _vec(4)], (0, 1)),
    (nested_comprehension_with_condition, [_vec(4)], 0),
    (generator_expression, [_vec(3)], 0),
]
