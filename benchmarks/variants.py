"""Variants of the five workloads, written another way (issue #17: the gains must be general, not
tuned to ``workloads.py``): helper functions, ``while`` loops, other operations, other shapes.

Each is a :class:`workloads.Workload` with its hand-written gradient. ``python
benchmarks/variants.py`` times srcad against the hand-written gradient (and autograd and JAX
eager, which run the same source with ``np`` rebound) in one run, checks every gradient against
the hand-written one first, and prints a Markdown table (``docs/performance.md`` quotes it).
"""

from __future__ import annotations

import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from workloads import Workload  # noqa: E402


# ---- 1. scalar loop: a helper function, a while loop ----------------------------------------------

def logistic_step(y, r):
    return r * y * (1.0 - y) + 0.01 * math.cos(y)


def logistic_loop(r, y0, n):
    y = y0
    k = 0
    while k < n:
        y = logistic_step(y, r)
        k += 1
    return y


def logistic_loop_grad(r, y0, n):
    y, dydr = y0, 0.0
    for _ in range(n):
        dydr = y * (1.0 - y) + (r * (1.0 - 2.0 * y) - 0.01 * math.sin(y)) * dydr
        y = r * y * (1.0 - y) + 0.01 * math.cos(y)
    return (dydr,)


# ---- 2. MLP: two tanh layers through a helper, mean squared error ---------------------------------

def dense(W, b, x):
    return np.tanh(x @ W + b)


def mlp2_loss(W1, b1, W2, b2, W3, X, Y):
    h1 = dense(W1, b1, X)
    h2 = dense(W2, b2, h1)
    err = h2 @ W3 - Y
    return np.mean(err ** 2)


def mlp2_loss_grad(W1, b1, W2, b2, W3, X, Y):
    h1 = np.tanh(X @ W1 + b1)
    h2 = np.tanh(h1 @ W2 + b2)
    err = h2 @ W3 - Y
    derr = 2.0 * err / err.size
    dW3 = h2.T @ derr
    da2 = (derr @ W3.T) * (1.0 - h2 ** 2)
    dW2, db2 = h1.T @ da2, da2.sum(axis=0)
    da1 = (da2 @ W2.T) * (1.0 - h1 ** 2)
    dW1, db1 = X.T @ da1, da1.sum(axis=0)
    return (dW1, db1, dW2, db2, dW3)


# ---- 3. RNN without bias, a cell function, the loss over every state ------------------------------

def cell(h, x, W, U):
    return np.tanh(W @ h + U @ x)


def rnn2_loss(W, U, xs, h0):
    h = h0
    total = 0.0
    for x in xs:
        h = cell(h, x, W, U)
        total = total + np.sum(h ** 2)
    return total


def rnn2_loss_grad(W, U, xs, h0):
    hs = [h0]
    for x in xs:
        hs.append(np.tanh(W @ hs[-1] + U @ x))
    dW, dU = np.zeros_like(W), np.zeros_like(U)
    dh = np.zeros_like(h0)
    for t in range(len(xs), 0, -1):
        dh = dh + 2.0 * hs[t]
        da = dh * (1.0 - hs[t] ** 2)
        dW += np.outer(da, hs[t - 1])
        dU += np.outer(da, xs[t - 1])
        dh = W.T @ da
    return (dW, dU)


# ---- 4. ODE: Lotka-Volterra in a while loop over four parameter arrays ----------------------------

def lotka_volterra(prey, pred, alpha, beta, gamma, delta, dt, T):
    t = 0.0
    while t < T:
        dprey = alpha * prey - beta * prey * pred
        dpred = delta * prey * pred - gamma * pred
        prey = prey + dt * dprey
        pred = pred + dt * dpred
        t = t + dt
    return np.sum(prey ** 2 + pred)


def lotka_volterra_grad(prey, pred, alpha, beta, gamma, delta, dt, T):
    states = []
    t = 0.0
    while t < T:
        states.append((prey, pred))
        dprey = alpha * prey - beta * prey * pred
        dpred = delta * prey * pred - gamma * pred
        prey, pred = prey + dt * dprey, pred + dt * dpred
        t = t + dt
    gx, gy = 2.0 * prey, np.ones_like(pred)
    da, db, dg, dd = (np.zeros_like(alpha), np.zeros_like(beta), np.zeros_like(gamma),
                      np.zeros_like(delta))
    for x, y in reversed(states):
        da += dt * gx * x
        db -= dt * gx * x * y
        dd += dt * gy * x * y
        dg -= dt * gy * y
        gx, gy = (gx * (1.0 + dt * (alpha - beta * y)) + gy * dt * delta * y,
                  gx * (-dt * beta * x) + gy * (1.0 + dt * (delta * x - gamma)))
    return (da, db, dg, dd)


# ---- 5. small ops: 8 x 25 mixed elementwise operations ---------------------------------------------

def mixed_ops(x, w):
    for _ in range(25):
        a = x * w
        b = np.exp(-a * a)
        c = np.log1p(b + x * x)
        d = c / (1.0 + w * w)
        e = np.sqrt(d * d + 1.0)
        f = e - a
        g = np.tanh(f)
        x = g + 0.5 * x
    return np.sum(x)


def mixed_ops_grad(x, w):
    steps = []
    for _ in range(25):
        a = x * w
        b = np.exp(-a * a)
        s = 1.0 + w * w
        c = np.log1p(b + x * x)
        d = c / s
        e = np.sqrt(d * d + 1.0)
        g = np.tanh(e - a)
        steps.append((x, a, b, c, d, e, g, s))
        x = g + 0.5 * x
    dx, dw = np.ones_like(x), np.zeros_like(w)
    for x, a, b, c, d, e, g, s in reversed(steps):
        dg = dx
        df = dg * (1.0 - g * g)
        de, da = df, -df
        dd = de * d / e
        dc = dd / s
        dw += -dd * c / (s * s) * 2.0 * w
        dlog = dc / (1.0 + b + x * x)
        db = dlog
        da += db * b * (-2.0 * a)
        dxx = 0.5 * dx + dlog * 2.0 * x + da * w
        dw += da * x
        dx = dxx
    return (dx, dw)


def all_variants(seed=1):
    rng = np.random.default_rng(seed)
    X, Y = rng.standard_normal((128, 64)), rng.standard_normal((128, 4))
    mlp_args = (rng.standard_normal((64, 64)) * 0.2, np.zeros(64), rng.standard_normal((64, 32)) * 0.2,
                np.zeros(32), rng.standard_normal((32, 4)) * 0.2, X, Y)
    rnn_args = (rng.standard_normal((64, 64)) * 0.1, rng.standard_normal((64, 16)) * 0.2,
                list(rng.standard_normal((40, 16))), np.zeros(64))
    n = 500
    lv_args = (rng.uniform(0.5, 1.5, n), rng.uniform(0.5, 1.5, n), rng.uniform(0.8, 1.2, n),
               rng.uniform(0.3, 0.6, n), rng.uniform(0.8, 1.2, n), rng.uniform(0.2, 0.5, n),
               0.01, 1.0)
    return [
        Workload("scalar_loop_v", "logistic map through a helper, `while k < n`, 1,000 steps",
                 logistic_loop, (3.2, 0.4, 1000), (0,), logistic_loop_grad, array=False),
        Workload("mlp_v", "MLP 64-64-32-4, tanh layers through `dense(W, b, x)`, MSE, batch 128",
                 mlp2_loss, mlp_args, (0, 1, 2, 3, 4), mlp2_loss_grad),
        Workload("rnn_v", "RNN without bias, `cell(h, x, W, U)`, loss over every state, 40 steps",
                 rnn2_loss, rnn_args, (0, 1), rnn2_loss_grad),
        Workload("ode_v", "Lotka-Volterra, `while t < T`, four parameter arrays of 500, 100 steps",
                 lotka_volterra, lv_args, (2, 3, 4, 5), lotka_volterra_grad),
        Workload("small_ops_v", "8 x 25 mixed elementwise operations on arrays of 10",
                 mixed_ops, (rng.standard_normal(10), rng.standard_normal(10)), (0, 1),
                 mixed_ops_grad),
    ]


def _peer(make, w, np_module, math_module):
    """The peer's gradient of ``w``, its helpers (``dense``, ``cell``, ...) rebound to the peer's
    NumPy too: one namespace where every function of this module is remade with it."""
    import dataclasses
    import types
    space = dict(globals())
    space.update(np=np_module, math=math_module)
    for name, value in list(space.items()):
        if isinstance(value, types.FunctionType) and value.__module__ == __name__:
            space[name] = types.FunctionType(value.__code__, space, value.__name__,
                                             value.__defaults__, value.__closure__)
    return make(dataclasses.replace(w, fn=space[w.fn.__name__]))


def _autograd(w):
    import types

    import autograd.numpy as anp
    from peers import make_autograd
    return _peer(make_autograd, w, anp, types.SimpleNamespace(sin=anp.sin, cos=anp.cos))


def _jax_eager(w):
    import types
    from peers import _jax, make_jax_eager
    jax, jnp = _jax()
    return _peer(make_jax_eager, w, jnp, types.SimpleNamespace(sin=jnp.sin, cos=jnp.cos))


def main():
    import srcad
    from timing import fmt_time, measure_interleaved

    rows = []
    for w in all_variants():
        hand = w.hand(*w.args)
        df = srcad.grad(w.fn, argnums=w.argnums)
        got = df(*w.args)
        got = got if isinstance(got, tuple) else (got,)
        scale = max(np.max(np.abs(h)) for h in hand)
        err = max(np.max(np.abs(np.asarray(g) - np.asarray(h))) for g, h in zip(got, hand)) / scale
        assert err < 1e-8, f"{w.key}: srcad's gradient differs from the hand-written one ({err:.1e})"
        methods = {"forward": lambda w=w: w.fn(*w.args), "hand": lambda w=w: w.hand(*w.args),
                   "srcad": lambda df=df, w=w: df(*w.args)}
        for name, make in (("autograd", _autograd), ("JAX eager", _jax_eager)):
            try:
                fn = make(w)
                fn()
                methods[name] = fn
            except Exception as exc:  # (a peer that cannot run this source: said in the table)
                print(f"{w.key}: {name}: {type(exc).__name__}: {str(exc)[:80]}", file=sys.stderr)
        times = measure_interleaved(methods, budget=0.3)
        rows.append((w, {k: t.median for k, t in times.items()}))
    print("| workload | forward | hand-written | srcad | srcad / hand | autograd / srcad | "
          "JAX eager / srcad |")
    print("|---|---|---|---|---|---|---|")
    for w, t in rows:
        peer = [f"{t[k] / t['srcad']:.2f}×" if k in t else "n/a" for k in ("autograd", "JAX eager")]
        print(f"| `{w.key}`: {w.title} | {fmt_time(t['forward'])} | {fmt_time(t['hand'])} | "
              f"{fmt_time(t['srcad'])} | **{t['srcad'] / t['hand']:.2f}×** | {peer[0]} | {peer[1]} |")


if __name__ == "__main__":
    main()
