"""How much the C allocator's state changes the timings (run by run.py in a process of its own).

run.py runs every other measurement with glibc's malloc told to keep freed memory
(``MALLOC_TRIM_THRESHOLD_``/``MALLOC_MMAP_THRESHOLD_``), because with the defaults the cost of the
same call depends on what the process did before: freed memory goes back to the kernel and is
faulted in again on the next call. This script shows the effect with the default allocator: it
times srcad and the hand-written gradient of two array workloads in a fresh process
(``python malloc_effect.py nothing``), or after measuring the scalar-loop gradient, which leaves
the heap in a different shape (``python malloc_effect.py scalar_loop``), and counts minor page faults
per call. Prints one JSON line per measurement.
"""

from __future__ import annotations

import json
import os
import resource
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import srcad  # noqa: E402

from timing import measure_interleaved  # noqa: E402
from workloads import all_workloads  # noqa: E402


def faults_per_call(fn, n=20):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(n):
        fn()
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / n


def main(first: str, budget: float):
    """``first``: "nothing" (a fresh process) or "scalar_loop" (its gradient is measured first)."""
    ws = {w.key: w for w in all_workloads()}
    if first == "scalar_loop":
        w = ws["scalar_loop"]
        d = srcad.grad(w.fn)
        measure_interleaved({"srcad": lambda: d(*w.args)}, budget=budget)
    for key in ("mlp", "ode"):
        w = ws[key]
        d = srcad.grad(w.fn, argnums=w.argnums)
        d(*w.args)
        calls = {"srcad": lambda: d(*w.args), "hand": lambda: w.hand(*w.args)}
        times = measure_interleaved(calls, budget=budget)
        for name, fn in calls.items():
            print(json.dumps(dict(first=first, workload=key, method=name,
                                  median=times[name].median, faults=faults_per_call(fn))),
                  flush=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "nothing",
         float(sys.argv[2]) if len(sys.argv) > 2 else 0.3)
