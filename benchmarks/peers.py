"""The peers: autograd, JAX (eager and jit), PyTorch (eager) and tangent-ad, each optional.

Each ``make_*`` returns ``(callable, info)`` where ``callable()`` computes the gradient of the workload
and returns the gradients as NumPy arrays (one per differentiated argument), or raises
:class:`NotAvailable` with the reason. Conversion of inputs to the peer's array type is done once,
outside the timed call; conversion of the gradients back to NumPy is done by ``to_numpy`` outside the
timed call too (the timed callable returns the peer's own arrays).

autograd and JAX run the same source as srcad and the hand-written gradient: ``workloads.<fn>`` with
its globals ``np``/``math`` rebound to ``autograd.numpy``/``jax.numpy`` (``math.sin`` cannot take an
autograd box or a JAX tracer, so ``math`` becomes a namespace whose ``sin`` is the framework's).
PyTorch runs a line-by-line translation (below). tangent-ad reads the source like srcad.
"""

from __future__ import annotations

import types

import numpy as np

import workloads as W


class NotAvailable(Exception):
    """The peer cannot run this workload (not installed, or a construct it does not support)."""


def rebind(fn, **names):
    """``fn`` with some of its global names bound to other objects (same code, same source)."""
    g = dict(fn.__globals__)
    g.update(names)
    new = types.FunctionType(fn.__code__, g, fn.__name__, fn.__defaults__, fn.__closure__)
    new.__module__ = fn.__module__
    return new


def versions() -> dict:
    from importlib import metadata

    out = {}
    for dist in ("autograd", "jax", "jaxlib", "torch", "tangent-ad"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


# ---- autograd ----------------------------------------------------------------------------------------

def make_autograd(w):
    try:
        import autograd
        import autograd.numpy as anp
    except Exception as exc:  # noqa: BLE001
        raise NotAvailable(f"autograd not importable: {exc}") from None
    f = rebind(w.fn, np=anp, math=types.SimpleNamespace(sin=anp.sin, cos=anp.cos))
    argnum = w.argnums if len(w.argnums) > 1 else w.argnums[0]
    df = autograd.grad(f, argnum)
    args = w.args
    if len(w.argnums) > 1:
        return lambda: df(*args)
    return lambda: (df(*args),)


# ---- JAX -----------------------------------------------------------------------------------------------

_JAX_STATIC = {"scalar_loop": (2,), "ode": (3, 4)}  # Python ints/floats that steer loops


def _jax():
    try:
        import jax
        jax.config.update("jax_enable_x64", True)  # float64, as NumPy, to compare at 1e-8
        import jax.numpy as jnp
    except Exception as exc:  # noqa: BLE001
        raise NotAvailable(f"jax not importable: {exc}") from None
    return jax, jnp


def _jax_args(w, jnp):
    return tuple(jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in w.args)


def _jax_fn(w, jnp):
    return rebind(w.fn, np=jnp, math=types.SimpleNamespace(sin=jnp.sin, cos=jnp.cos))


def _block(grads):
    for g in grads:
        g.block_until_ready()
    return grads


def make_jax_eager(w):
    jax, jnp = _jax()
    df = jax.grad(_jax_fn(w, jnp), argnums=tuple(w.argnums))
    args = _jax_args(w, jnp)
    return lambda: _block(df(*args))


def make_jax_jit(w):
    """Returns the jitted gradient; the caller times its first call (trace + compile) apart."""
    jax, jnp = _jax()
    df = jax.jit(jax.grad(_jax_fn(w, jnp), argnums=tuple(w.argnums)),
                 static_argnums=_JAX_STATIC.get(w.key, ()))
    args = _jax_args(w, jnp)
    return lambda: _block(df(*args))


# ---- PyTorch -------------------------------------------------------------------------------------------
# Line-by-line translations of the workloads (float64 tensors).

def _torch():
    try:
        import torch
    except Exception as exc:  # noqa: BLE001
        raise NotAvailable(f"torch not importable: {exc}") from None
    return torch


def torch_versions(torch):
    def scalar_loop(x, y0, n):
        y = torch.tensor(y0, dtype=torch.float64)
        for i in range(n):
            y = y * x + torch.sin(y)
        return y

    def mlp_loss(W1, W2, b1, b2, X, Y, lam):
        hidden = torch.clamp(X @ W1 + b1, min=0.0)
        logits = hidden @ W2 + b2
        logits = logits - torch.amax(logits, dim=1, keepdim=True)
        logp = logits - torch.log(torch.sum(torch.exp(logits), dim=1, keepdim=True))
        data_loss = -torch.sum(Y * logp) / X.shape[0]
        return data_loss + lam * (torch.sum(W1 * W1) + torch.sum(W2 * W2))

    def rnn_loss(W_hh, W_xh, b, xs):
        h = torch.zeros(W_hh.shape[0], dtype=torch.float64)
        for t in range(xs.shape[0]):
            h = torch.tanh(W_hh @ h + W_xh @ xs[t] + b)
        return torch.sum(h ** 2)

    def ode_loss(u0, a, b, dt, T):
        u = u0
        t = 0.0
        while t < T:
            u = u + dt * (a * u - b * u ** 3)
            t = t + dt
        return torch.sum(u ** 2)

    def small_ops(x, w):
        for i in range(40):
            a = x * w
            s = torch.sin(a)
            c = s + x
            d = c * 1.5
            x = torch.tanh(d)
        return torch.sum(x)

    return {"scalar_loop": scalar_loop, "mlp": mlp_loss, "rnn": rnn_loss, "ode": ode_loss,
            "small_ops": small_ops}


def make_torch(w):
    torch = _torch()
    f = torch_versions(torch)[w.key]
    args = []
    for k, a in enumerate(w.args):
        if isinstance(a, np.ndarray) or (k in w.argnums and isinstance(a, float)):
            t = torch.tensor(a, dtype=torch.float64)  # a copy: requires_grad leaves of our own
            if k in w.argnums:
                t.requires_grad_(True)
            args.append(t)
        else:
            args.append(a)
    wrt = [args[k] for k in w.argnums]

    def call():
        out = f(*args)
        return torch.autograd.grad(out, wrt)

    return call


# ---- tangent-ad ----------------------------------------------------------------------------------------

def make_tangent(w, notes: list):
    try:
        import tangent
    except Exception as exc:  # noqa: BLE001
        raise NotAvailable(f"tangent-ad not importable: {exc}") from None
    import warnings
    fn = w.fn
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            df = tangent.grad(fn, wrt=tuple(w.argnums), verbose=0)
    except Exception as exc:  # noqa: BLE001
        if w.key != "scalar_loop":
            raise NotAvailable(f"tangent-ad: {type(exc).__name__}: {_first_line(exc)}") from None
        # tangent-ad has no rule for math.sin: the same source with math bound to numpy (np.sin on
        # Python floats) is what a tangent-ad user would write
        notes.append(f"tangent-ad refuses `math.sin` ({type(exc).__name__}: {_first_line(exc)}); "
                     "measured with `math` rebound to NumPy (np.sin on Python floats)")
        fn = rebind(fn, math=types.SimpleNamespace(sin=np.sin, cos=np.cos))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            df = tangent.grad(fn, wrt=tuple(w.argnums), verbose=0)
    args = w.args
    if len(w.argnums) == 1:
        return lambda: (df(*args),)
    return lambda: df(*args)


def _first_line(exc) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:160] if text else ""


def to_numpy(grads):
    out = []
    for g in grads:
        if hasattr(g, "detach"):
            g = g.detach().numpy()
        out.append(np.asarray(g, dtype=float))
    return out
