"""Scaling with the size of the function, and with the length of a loop.

Generated straight-line functions of N statements:

* ``chain``: ``v_k = np.sin(v_{k-1}) * 0.9 + 0.1``, each value used once, by the next statement;
* ``graph``: ``v_k = v_{k-1} * 0.5 + v_{k//2} * 0.25 + np.tanh(v_{max(k-3, 0)})``, each value feeding
  up to four later statements (the next one, two at twice its index, the one three later).

A loop of N steps (issue #17):

* ``rnn_rows``: an RNN filling the rows of an array, ``hs[t] = np.tanh(W @ hs[t - 1] + x[t])`` with
  ``hs = np.zeros((T, n))``, T = N steps of width 32 (:data:`RNN_ROWS`). Its gradient's time per
  step should not grow with T: it did while the backward sweep copied the whole gradient of ``hs``
  at every step (``dhs = zero_at(dhs, t)``) and added a whole array of zeros for each row read.

And one measurement of the floating type:

* ``mlp32``: the ``mlp`` workload (batch 256, 784-256-10) in float32 against float64, gradients
  timed in turns (N is ignored).

Each function is written to a ``.py`` file in a temporary directory and imported (srcad reads its
source). ``python scaling.py KIND N`` measures one size in its own process and prints one JSON line
per finished measurement, so that the caller keeps what was measured if it has to stop the process
(``run.py`` stops a size whose transformation runs past its limit).

``python scaling.py compare OTHER [T ...]`` measures ``rnn_rows`` with the srcad of this checkout
and with the one in the directory ``OTHER`` (holding another commit's ``srcad/``, e.g. made by
``git archive <commit> srcad | tar -x -C OTHER``), each T in its own process, the two taken in
turns, three rounds; it prints the gradient's time per step for both and their ratio per round (the
machine is shared: compare the ratios of one run, not times across runs).
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import sys
import tempfile
import time

import numpy as np

ARRAY_SIZE = 100
RNN_WIDTH = 32
RNN_ROWS = """import numpy as np


def rnn_rows(W, x):
    T, n = x.shape
    hs = np.zeros((T, n))
    for t in range(1, T):
        hs[t] = np.tanh(W @ hs[t - 1] + x[t])
    return np.sum(hs ** 2)
"""


def source(kind: str, n: int) -> str:
    if kind == "rnn_rows":
        return RNN_ROWS
    lines = ["import numpy as np", "", "", f"def {kind}_{n}(x):", "    v0 = x"]
    for k in range(1, n + 1):
        if kind == "chain":
            lines.append(f"    v{k} = np.sin(v{k - 1}) * 0.9 + 0.1")
        elif kind == "graph":
            lines.append(f"    v{k} = v{k - 1} * 0.5 + v{k // 2} * 0.25 + np.tanh(v{max(k - 3, 0)})")
        else:
            raise ValueError(kind)
    lines.append(f"    return np.sum(v{n})")
    return "\n".join(lines) + "\n"


def load(kind: str, n: int, directory: str):
    path = os.path.join(directory, f"gen_{kind}_{n}.py")
    with open(path, "w") as fh:
        fh.write(source(kind, n))
    spec = importlib.util.spec_from_file_location(f"gen_{kind}_{n}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return getattr(module, "rnn_rows" if kind == "rnn_rows" else f"{kind}_{n}")


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout()


def emit(**record):
    print(json.dumps(record), flush=True)


def main(kind: str, n: int, budget: float, transform_limit: float):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    if kind == "rnn_rows":
        return rnn_rows(n, budget)
    if kind == "mlp32":
        return mlp32(budget)
    import srcad
    from timing import measure

    rng = np.random.default_rng(1)
    x = rng.standard_normal(ARRAY_SIZE)
    with tempfile.TemporaryDirectory() as directory:
        f = load(kind, n, directory)
        emit(stage="forward", **measure(lambda: f(x), budget=budget).as_dict())

        # transformation: srcad.grad(f) and its first call, minus a steady-state call (below)
        signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(int(transform_limit))
        try:
            t0 = time.perf_counter()
            df = srcad.grad(f)
            g = df(x)
            first = time.perf_counter() - t0
        except _Timeout:
            emit(stage="transform_timeout", limit=transform_limit)
            return
        finally:
            signal.alarm(0)
        emit(stage="first_call", seconds=first)
        steady = measure(lambda: df(x), budget=budget)
        emit(stage="gradient", **steady.as_dict())
        emit(stage="transform", seconds=first - steady.median,
             generated_lines=srcad.source(df).count("\n"))

        # a second transformation of a fresh derived function, each pass timed (passes.py)
        if first < 30:
            from passes import pass_times
            emit(stage="passes", **pass_times(f))

        # check: against autograd when installed, and a central finite difference along a direction
        v = rng.standard_normal(ARRAY_SIZE)
        eps = 1e-6
        fd = (f(x + eps * v) - f(x - eps * v)) / (2 * eps)
        emit(stage="check_fd", directional=float(g @ v), fd=float(fd),
             rel=abs(float(g @ v) - fd) / max(abs(fd), 1e-300))
        try:
            import autograd
            import autograd.numpy as anp
            from peers import rebind
        except Exception:  # noqa: BLE001
            return
        fa = rebind(f, np=anp)
        da = autograd.grad(fa)
        ga = da(x)
        emit(stage="check_autograd",
             rel=float(np.max(np.abs(g - ga)) / max(np.max(np.abs(ga)), 1e-300)))
        emit(stage="autograd", **measure(lambda: da(x), budget=budget).as_dict())


def rnn_rows(steps: int, budget: float):
    """The ``rnn_rows`` kind at T = ``steps``: the function, its gradient (time per step), and a
    check of the gradient along a random direction against central differences."""
    import srcad
    from timing import measure

    rng = np.random.default_rng(1)
    W = rng.standard_normal((RNN_WIDTH, RNN_WIDTH)) * 0.3
    x = rng.standard_normal((steps, RNN_WIDTH))
    with tempfile.TemporaryDirectory() as directory:
        f = load("rnn_rows", steps, directory)
        emit(stage="forward", per_step=measure(lambda: f(W, x), budget=budget).median / steps)
        df = srcad.grad(f, argnums=(0, 1))
        gW, gx = df(W, x)
        timing = measure(lambda: df(W, x), budget=budget)
        emit(stage="gradient", per_step=timing.median / steps, **timing.as_dict())
        v = rng.standard_normal(x.shape)
        eps = 1e-6
        fd = (f(W, x + eps * v) - f(W, x - eps * v)) / (2 * eps)
        emit(stage="check_fd", rel=abs(float(np.sum(gx * v)) - fd) / max(abs(fd), 1e-300))


def mlp32(budget: float):
    """The ``mlp`` workload's gradient in float32 and in float64, timed in turns; the float32
    gradient's type and its difference from the float64 one."""
    import srcad
    from timing import measure_interleaved
    from workloads import make_mlp

    w = make_mlp(np.random.default_rng(0))
    args64 = w.args
    args32 = tuple(a.astype(np.float32) if isinstance(a, np.ndarray) else a for a in args64)
    df = srcad.grad(w.fn, argnums=w.argnums)
    g32, g64 = df(*args32), df(*args64)
    times = measure_interleaved({"float32": lambda: df(*args32), "float64": lambda: df(*args64)},
                                budget=budget)
    emit(stage="mlp32", float32=times["float32"].median, float64=times["float64"].median,
         dtypes=sorted({str(g.dtype) for g in g32}),
         rel=max(float(np.max(np.abs(a - b)) / np.max(np.abs(b))) for a, b in zip(g32, g64)))


def compare(other: str, sizes, budget: float = 1.0, rounds: int = 3):
    """See the module docstring: ``rnn_rows`` with this checkout's srcad and ``other``'s."""
    import subprocess

    from run import MALLOC_ENV

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    versions = {"before": os.path.abspath(other), "after": root}
    print(f"rnn_rows, width {RNN_WIDTH}: gradient time per step (median of each process's "
          f"samples), 'before' = {versions['before']}, 'after' = {root}")
    print("| round | T | before, per step | after, per step | before / after |")
    print("|---|---|---|---|---|")
    for k in range(rounds):
        for steps in sizes:
            per_step = {}
            for name, path in versions.items():
                env = dict(os.environ, PYTHONPATH=path, **MALLOC_ENV,
                           OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
                out = subprocess.run([sys.executable, os.path.abspath(__file__), "rnn_rows",
                                      str(steps), str(budget)], capture_output=True, text=True,
                                     env=env, timeout=1800).stdout
                records = {r.pop("stage"): r for r in map(json.loads, out.splitlines())}
                assert records["check_fd"]["rel"] < 1e-5, records["check_fd"]
                per_step[name] = records["gradient"]["per_step"]
            print(f"| {k + 1} | {steps:,} | {per_step['before'] * 1e6:.1f} µs | "
                  f"{per_step['after'] * 1e6:.1f} µs | {per_step['before'] / per_step['after']:.1f}× |",
                  flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "compare":
        compare(sys.argv[2], [int(a) for a in sys.argv[3:]] or [1000, 2000, 4000, 8000, 16000])
        sys.exit()
    kind, n = sys.argv[1], int(sys.argv[2])
    budget = float(sys.argv[3]) if len(sys.argv) > 3 else 0.3
    limit = float(sys.argv[4]) if len(sys.argv) > 4 else 60
    main(kind, n, budget, limit)
