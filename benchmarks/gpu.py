"""srcad's gradient on CuPy arrays (one GPU) against a hand-written CuPy gradient and PyTorch's
autograd on the same GPU: run by hand on a machine with a GPU, ``python benchmarks/gpu.py
[rows]``; prints a Markdown table (docs/scaling-out.md records it).

The workload is benchmarks/scaling_out.py's (issue #19): the loss of a one-hidden-layer network
with a softmax cross-entropy on a batch of ``rows`` x 784 float32 examples (default 200,000),
128 hidden units, 10 classes; the gradient with respect to the three parameters, all arrays on the
GPU. Each timed call computes the gradient and waits for the GPU (``synchronize``):

* srcad on CuPy: ``srcad.grad(loss, (0, 1, 2))`` on CuPy arrays, and the same function written in
  the Array API idiom (``xp = array_namespace(X)``);
* the hand-written backward pass on CuPy (scaling_out.hand_grad: CuPy's operations);
* PyTorch: ``torch.autograd.grad`` of the same loss written with torch's operations (eager), and
  ``torch.compile`` of it where it compiles;
* srcad on NumPy (the CPU) for scale.

Every gradient is compared with srcad's on NumPy first (relative 1e-3: float32). Times are the
median of 20 runs after 3 warm-ups, in one process.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import srcad  # noqa: E402
from scaling_out import D, H, K, check, hand_grad, loss, loss_xp  # noqa: E402


def median_time(call, sync, repeats=20):
    for _ in range(3):
        call()
    sync()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def torch_loss(W1, b1, W2, X, Y):
    import torch
    hidden = torch.clamp(X @ W1 + b1, min=0.0)
    logits = hidden @ W2
    logits = logits - torch.amax(logits, dim=1, keepdim=True)
    logp = logits - torch.log(torch.sum(torch.exp(logits), dim=1, keepdim=True))
    return -torch.sum(Y * logp) / X.shape[0]


def main(rows: int = 200_000) -> list:
    import cupy

    rng = np.random.default_rng(0)
    X = rng.standard_normal((rows, D), dtype=np.float32)
    Y = np.eye(K, dtype=np.float32)[rng.integers(0, K, rows)]
    params = (0.05 * rng.standard_normal((D, H), dtype=np.float32), np.zeros(H, np.float32),
              0.05 * rng.standard_normal((H, K), dtype=np.float32))
    grad = srcad.grad(loss, (0, 1, 2))
    reference = [np.asarray(g, dtype=np.float64) for g in grad(*params, X, Y)]
    results = []

    def run(name, call, sync, to_numpy):
        error = check([to_numpy(g) for g in call()], reference, name)
        seconds = median_time(call, sync)
        results.append((name, seconds))
        print(f"{name}: {seconds * 1e3:.2f} ms (relative error {error:.1e})", flush=True)

    cpu = (lambda: None, np.asarray)
    run("srcad, NumPy (CPU)", lambda: grad(*params, X, Y), *cpu)
    gpu = (cupy.cuda.Device().synchronize, cupy.asnumpy)
    gparams = [cupy.asarray(p) for p in params]
    gX, gY = cupy.asarray(X), cupy.asarray(Y)
    run("srcad, CuPy", lambda: grad(*gparams, gX, gY), *gpu)
    grad_xp = srcad.grad(loss_xp, (0, 1, 2))
    run("srcad, Array API idiom, CuPy", lambda: grad_xp(*gparams, gX, gY), *gpu)
    run("hand-written, CuPy", lambda: hand_grad(*gparams, gX, gY), *gpu)
    try:
        import torch
    except ImportError:
        return results
    device = torch.device("cuda")
    tparams = [torch.tensor(p, device=device, requires_grad=True) for p in params]
    tX, tY = torch.tensor(X, device=device), torch.tensor(Y, device=device)
    tsync = (torch.cuda.synchronize, lambda t: t.detach().cpu().numpy())

    def torch_grad(fn=torch_loss):
        return torch.autograd.grad(fn(*tparams, tX, tY), tparams)
    run("PyTorch autograd (eager), CUDA", torch_grad, *tsync)
    try:
        compiled = torch.compile(torch_loss)
        run("PyTorch autograd (torch.compile), CUDA", lambda: torch_grad(compiled), *tsync)
    except Exception as error:  # (no compiler there: recorded, not timed)
        print(f"torch.compile: {type(error).__name__}: {error}".splitlines()[0])
    return results


def table(results, rows):
    import cupy
    times = dict(results)
    name = cupy.cuda.runtime.getDeviceProperties(0)["name"].decode()
    lines = [f"*`python benchmarks/gpu.py`: {name}, CuPy {cupy.__version__}, NumPy "
             f"{np.__version__}, Python {platform.python_version()}; a batch of {rows:,} x {D} "
             "float32, all on the GPU; median of 20.*", "",
             "| gradient | time | / hand-written CuPy | / PyTorch eager |", "|---|---|---|---|"]
    hand = times.get("hand-written, CuPy")
    eager = times.get("PyTorch autograd (eager), CUDA")
    for what, seconds in results:
        lines.append(f"| {what} | {seconds * 1e3:.2f} ms | "
                     f"{f'{seconds / hand:.2f}×' if hand else '—'} | "
                     f"{f'{seconds / eager:.2f}×' if eager else '—'} |")
    return "\n".join(lines)


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    print(table(main(count), count))
