"""The benchmark workloads, written as a scientist would write them in NumPy, each with the gradient
written by hand.

srcad reads the source of these functions, so they live in this real file. The peers (autograd, JAX,
PyTorch, tangent-ad) get their own versions in ``peers.py``; autograd and JAX run *these very
functions* with ``np``/``math`` rebound to ``autograd.numpy``/``jax.numpy`` (same source, same
operations), PyTorch gets a line-by-line translation.

Every ``make_*`` function returns a :class:`Workload`: the function, its arguments, the positions
differentiated (``argnums``) and the hand-written gradient (which returns a tuple of gradients, one
per position in ``argnums``).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np


@dataclasses.dataclass
class Workload:
    key: str            # short name used in tables
    title: str          # one-line description
    fn: object          # the NumPy function (scalar output)
    args: tuple         # its arguments
    argnums: tuple      # positions differentiated
    hand: object        # hand-written gradient: hand(*args) -> tuple of gradients
    array: bool = True  # an array workload (the gradient/forward <= 3x target applies)
    hand_alt: object = None  # another hand-written gradient, faster than the one that mirrors f
    hand_alt_title: str = ""


# ---- 1. scalar loop --------------------------------------------------------------------------------

def scalar_loop(x, y0, n):
    y = y0
    for i in range(n):
        y = y * x + math.sin(y)
    return y


def scalar_loop_grad(x, y0, n):
    # forward-mode by hand: one scalar input, so carrying dy/dx along is the cheapest gradient
    y = y0
    dydx = 0.0
    for i in range(n):
        dydx = dydx * x + y + math.cos(y) * dydx
        y = y * x + math.sin(y)
    return (dydx,)


def make_scalar_loop():
    return Workload("scalar_loop", "scalar loop, 1,000 x `y = y * x + math.sin(y)`",
                    scalar_loop, (0.5, 0.3, 1000), (0,), scalar_loop_grad, array=False)


# ---- 2. MLP ----------------------------------------------------------------------------------------

def mlp_loss(W1, W2, b1, b2, X, Y, lam):
    hidden = np.maximum(X @ W1 + b1, 0.0)
    logits = hidden @ W2 + b2
    logits = logits - np.max(logits, axis=1, keepdims=True)
    logp = logits - np.log(np.sum(np.exp(logits), axis=1, keepdims=True))
    data_loss = -np.sum(Y * logp) / X.shape[0]
    return data_loss + lam * (np.sum(W1 * W1) + np.sum(W2 * W2))


def mlp_loss_grad(W1, W2, b1, b2, X, Y, lam):
    n = X.shape[0]
    pre = X @ W1 + b1
    hidden = np.maximum(pre, 0.0)
    logits = hidden @ W2 + b2
    logits = logits - np.max(logits, axis=1, keepdims=True)
    e = np.exp(logits)
    p = e / np.sum(e, axis=1, keepdims=True)
    dlogits = (p - Y) / n
    dW2 = hidden.T @ dlogits + 2 * lam * W2
    dhidden = dlogits @ W2.T
    dhidden[pre <= 0] = 0.0
    dW1 = X.T @ dhidden + 2 * lam * W1
    return (dW1, dW2)


def make_mlp(rng):
    n, d, h, k = 256, 784, 256, 10
    X = rng.standard_normal((n, d))
    labels = rng.integers(0, k, n)
    Y = np.eye(k)[labels]
    W1 = rng.standard_normal((d, h)) * 0.05
    W2 = rng.standard_normal((h, k)) * 0.05
    b1 = rng.standard_normal(h) * 0.1
    b2 = np.zeros(k)
    return Workload("mlp", "MLP 784-256-10, ReLU, softmax cross-entropy + L2, batch 256",
                    mlp_loss, (W1, W2, b1, b2, X, Y, 1e-4), (0, 1), mlp_loss_grad)


# ---- 3. RNN ----------------------------------------------------------------------------------------

def rnn_loss(W_hh, W_xh, b, xs):
    h = np.zeros(W_hh.shape[0])
    for t in range(xs.shape[0]):
        h = np.tanh(W_hh @ h + W_xh @ xs[t] + b)
    return np.sum(h ** 2)


def rnn_loss_grad(W_hh, W_xh, b, xs):
    steps = xs.shape[0]
    hs = [np.zeros(W_hh.shape[0])]
    for t in range(steps):
        hs.append(np.tanh(W_hh @ hs[-1] + W_xh @ xs[t] + b))
    dW_hh = np.zeros_like(W_hh)
    dW_xh = np.zeros_like(W_xh)
    dh = 2 * hs[-1]
    for t in range(steps - 1, -1, -1):
        da = dh * (1 - hs[t + 1] ** 2)
        dW_hh += np.outer(da, hs[t])
        dW_xh += np.outer(da, xs[t])
        dh = W_hh.T @ da
    return (dW_hh, dW_xh)


def rnn_loss_grad_batched(W_hh, W_xh, b, xs):
    # the same reverse loop, but the outer products of all the steps summed by two matrix products
    # after it (sum_t outer(da_t, h_t) = DA.T @ H): what the per-step formulation cannot reach
    steps = xs.shape[0]
    hs = [np.zeros(W_hh.shape[0])]
    for t in range(steps):
        hs.append(np.tanh(W_hh @ hs[-1] + W_xh @ xs[t] + b))
    das = np.empty((steps, W_hh.shape[0]))
    dh = 2 * hs[-1]
    for t in range(steps - 1, -1, -1):
        da = dh * (1 - hs[t + 1] ** 2)
        das[t] = da
        dh = W_hh.T @ da
    return (das.T @ np.stack(hs[:-1]), das.T @ xs)


def make_rnn(rng):
    steps, hidden, inputs = 50, 128, 32
    W_hh = rng.standard_normal((hidden, hidden)) * (0.9 / math.sqrt(hidden))
    W_xh = rng.standard_normal((hidden, inputs)) * (1 / math.sqrt(inputs))
    b = rng.standard_normal(hidden) * 0.1
    xs = rng.standard_normal((steps, inputs))
    return Workload("rnn", "vanilla RNN, 50 steps, hidden 128 (input 32), loss = sum(h_T ** 2)",
                    rnn_loss, (W_hh, W_xh, b, xs), (0, 1), rnn_loss_grad,
                    hand_alt=rnn_loss_grad_batched,
                    hand_alt_title="outer products batched into two matrix products after the loop")


# ---- 4. ODE, explicit Euler in a while loop -------------------------------------------------------

def ode_loss(u0, a, b, dt, T):
    u = u0
    t = 0.0
    while t < T:
        u = u + dt * (a * u - b * u ** 3)
        t = t + dt
    return np.sum(u ** 2)


def ode_loss_grad(u0, a, b, dt, T):
    us = []
    u = u0
    t = 0.0
    while t < T:
        us.append(u)
        u = u + dt * (a * u - b * u ** 3)
        t = t + dt
    du = 2 * u
    da = np.zeros_like(a)
    db = np.zeros_like(b)
    for u in reversed(us):
        da += dt * du * u
        db -= dt * du * u ** 3
        du = du * (1 + dt * (a - 3 * b * u ** 2))
    return (da, db)


def make_ode(rng):
    n = 1000
    u0 = rng.uniform(0.1, 1.0, n)
    a = rng.uniform(0.5, 1.5, n)
    b = rng.uniform(0.5, 1.5, n)
    return Workload("ode", "explicit Euler in `while t < T`, arrays of 1,000, 100 steps",
                    ode_loss, (u0, a, b, 0.01, 1.0), (1, 2), ode_loss_grad)


# ---- 5. many small elementwise operations ---------------------------------------------------------

def small_ops(x, w):
    for i in range(40):
        a = x * w
        s = np.sin(a)
        c = s + x
        d = c * 1.5
        x = np.tanh(d)
    return np.sum(x)


def small_ops_grad(x, w):
    xs, ss = [], []
    for i in range(40):
        xs.append(x)
        a = x * w
        s = np.sin(a)
        ss.append(a)
        x = np.tanh((s + x) * 1.5)
        xs.append(x)
    dx = np.ones_like(x)
    dw = np.zeros_like(w)
    for i in range(39, -1, -1):
        x_out = xs[2 * i + 1]
        x_in = xs[2 * i]
        a = ss[i]
        dd = dx * (1 - x_out ** 2) * 1.5
        da = dd * np.cos(a)
        dw += da * x_in
        dx = dd + da * w
    return (dx, dw)


def make_small_ops(rng):
    x = rng.standard_normal(10)
    w = rng.standard_normal(10)
    return Workload("small_ops", "200 elementwise ops on arrays of 10 (a loop of 40 x 5 ops)",
                    small_ops, (x, w), (0, 1), small_ops_grad)


def all_workloads(seed=0):
    rng = np.random.default_rng(seed)
    return [make_scalar_loop(), make_mlp(rng), make_rnn(rng), make_ode(rng), make_small_ops(rng)]
