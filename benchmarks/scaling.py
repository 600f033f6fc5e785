"""Scaling with the size of the function: generated straight-line functions of N statements.

* ``chain``: ``v_k = np.sin(v_{k-1}) * 0.9 + 0.1``, each value used once, by the next statement;
* ``graph``: ``v_k = v_{k-1} * 0.5 + v_{k//2} * 0.25 + np.tanh(v_{max(k-3, 0)})``, each value feeding
  up to four later statements (the next one, two at twice its index, the one three later).

Each function is written to a ``.py`` file in a temporary directory and imported (srcad reads its
source). ``python scaling.py KIND N`` measures one size in its own process and prints one JSON line
per finished measurement, so that the caller keeps what was measured if it has to stop the process
(``run.py`` stops a size whose transformation runs past its limit).
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


def source(kind: str, n: int) -> str:
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
    return getattr(module, f"{kind}_{n}")


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout()


def emit(**record):
    print(json.dumps(record), flush=True)


def main(kind: str, n: int, budget: float, transform_limit: float):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
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


if __name__ == "__main__":
    kind, n = sys.argv[1], int(sys.argv[2])
    budget = float(sys.argv[3]) if len(sys.argv) > 3 else 0.3
    limit = float(sys.argv[4]) if len(sys.argv) > 4 else 60
    main(kind, n, budget, limit)
