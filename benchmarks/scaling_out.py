"""srcad's gradient on Dask arrays against a hand-written lazy Dask gradient and against srcad on
NumPy: run by hand, ``python benchmarks/scaling_out.py [rows]``; writes the results section of
docs/scaling-out.md (between its ``<!-- results -->`` markers).

The workload (issue #19): the loss of a one-hidden-layer network with a softmax cross-entropy on a
batch of ``rows`` x 784 float32 examples (default 200,000: 627 MB), 128 hidden units, 10 classes;
the gradient with respect to the three parameters. On Dask the batch is chunked by 20,000 rows
and persisted (in memory, as a cluster holds its data) before timing. Each timed call builds the
gradient and computes it (``dask.compute``, one call for the three arrays):

* srcad on NumPy: ``srcad.grad(loss, (0, 1, 2))`` on the NumPy arrays;
* srcad on Dask, the threaded scheduler (the machine's cores);
* the hand-written gradient on Dask (the backward pass written with Dask's operations);
* both again on a ``LocalCluster`` of 2 worker processes (1 thread each), the data persisted on
  the workers.

Every gradient is compared with srcad's on NumPy first (relative 1e-3: float32). Times are the
median of 5 runs after one warm-up, in one process.
"""

from __future__ import annotations

import datetime
import os
import statistics
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import srcad  # noqa: E402
from array_api_compat import array_namespace  # noqa: E402  (the dask extra installs it)

D, H, K, CHUNK = 784, 128, 10, 20_000


def loss(W1, b1, W2, X, Y):
    hidden = np.maximum(X @ W1 + b1, 0.0)
    logits = hidden @ W2
    logits = logits - np.max(logits, axis=1, keepdims=True)
    logp = logits - np.log(np.sum(np.exp(logits), axis=1, keepdims=True))
    return -np.sum(Y * logp) / X.shape[0]


def loss_xp(W1, b1, W2, X, Y):
    """``loss`` written against the Array API standard (the namespace of the batch's arrays)."""
    xp = array_namespace(X)
    hidden = xp.maximum(xp.matmul(X, W1) + b1, 0.0)
    logits = xp.matmul(hidden, W2)
    logits = logits - xp.max(logits, axis=1, keepdims=True)
    logp = logits - xp.log(xp.sum(xp.exp(logits), axis=1, keepdims=True))
    return -xp.sum(Y * logp) / X.shape[0]


def hand_grad(W1, b1, W2, X, Y):
    """The backward pass by hand, with the array's own operations (lazy on Dask)."""
    n = X.shape[0]
    pre = X @ W1 + b1
    hidden = np.maximum(pre, 0.0)
    logits = hidden @ W2
    logits = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(logits)
    p = e / e.sum(axis=1, keepdims=True)
    dlogits = (p * Y.sum(axis=1, keepdims=True) - Y) / n
    dW2 = hidden.T @ dlogits
    dpre = (dlogits @ W2.T) * (pre > 0)
    return X.T @ dpre, dpre.sum(axis=0), dW2


def median_time(call, repeats=5):
    call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def check(got, reference, what):
    error = max(float(np.max(np.abs(np.asarray(g) - r)) / np.max(np.abs(r)))
                for g, r in zip(got, reference))
    if not error < 1e-3:
        raise AssertionError(f"{what}: relative error {error:.1e}")
    return error


def main(rows: int = 200_000) -> list:
    import dask
    import dask.array as da
    from dask.distributed import Client, LocalCluster

    rng = np.random.default_rng(0)
    X = rng.standard_normal((rows, D), dtype=np.float32)
    Y = np.eye(K, dtype=np.float32)[rng.integers(0, K, rows)]
    params = (0.05 * rng.standard_normal((D, H), dtype=np.float32), np.zeros(H, np.float32),
              0.05 * rng.standard_normal((H, K), dtype=np.float32))
    grad = srcad.grad(loss, (0, 1, 2))
    grad_xp = srcad.grad(loss_xp, (0, 1, 2))
    reference = [np.asarray(g, dtype=np.float64) for g in grad(*params, X, Y)]
    results = []

    def run(name, call):
        check(call(), reference, name)
        seconds = median_time(call)
        results.append((name, seconds))
        print(f"{name}: {seconds:.2f} s", flush=True)

    run("srcad, NumPy", lambda: grad(*params, X, Y))
    Xd = da.from_array(X, chunks=(CHUNK, D)).persist()
    Yd = da.from_array(Y, chunks=(CHUNK, K)).persist()
    with dask.config.set(scheduler="threads"):
        run("srcad, Dask (threads)", lambda: dask.compute(*grad(*params, Xd, Yd)))
        run("srcad (Array API idiom), Dask (threads)",
            lambda: dask.compute(*grad_xp(*params, Xd, Yd)))
        run("hand-written, Dask (threads)", lambda: dask.compute(*hand_grad(*params, Xd, Yd)))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster):
        Xc, Yc = Xd.persist(), Yd.persist()  # (on the workers)
        run("srcad, Dask (LocalCluster, 2 workers)", lambda: dask.compute(*grad(*params, Xc, Yc)))
        run("hand-written, Dask (LocalCluster, 2 workers)",
            lambda: dask.compute(*hand_grad(*params, Xc, Yc)))
    return results


def write(results, rows):
    import dask
    times = dict(results)
    lines = [f"*Generated by `python benchmarks/scaling_out.py` on "
             f"{datetime.datetime.now():%Y-%m-%d %H:%M}; do not edit by hand.* Dask "
             f"{dask.__version__}, NumPy {np.__version__}, {os.cpu_count()} CPUs; a batch of "
             f"{rows:,} x {D} float32, chunks of {CHUNK:,} rows; median of 5.", "",
             "| gradient | time | / hand-written on Dask, same scheduler | / srcad on NumPy |",
             "|---|---|---|---|"]
    for name, seconds in results:
        where = name.split(", ", 1)[1]
        hand = times.get(f"hand-written, {where}")
        ratio = f"{seconds / hand:.2f}×" if hand and not name.startswith("hand") else "—"
        lines.append(f"| {name} | {seconds:.2f} s | {ratio} | "
                     f"{seconds / times['srcad, NumPy']:.2f}× |")
    path = os.path.join(os.path.dirname(HERE), "docs", "scaling-out.md")
    text = open(path).read()
    head, rest = text.split("<!-- results -->", 1)
    tail = rest.split("<!-- /results -->", 1)[1]
    with open(path, "w") as out:
        out.write(head + "<!-- results -->\n" + "\n".join(lines) + "\n<!-- /results -->" + tail)


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    write(main(count), count)
