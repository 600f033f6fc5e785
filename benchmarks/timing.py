"""Timing and memory measurement: medians of repeated runs with their spread.

``measure(fn)`` calls ``fn`` in batches of ``number`` calls (``number`` chosen so one batch takes about
``budget / 10``), collects at least ``min_samples`` batches and keeps going until ``budget`` seconds have
passed (at most ``max_samples`` batches). Each batch gives one sample, the mean time per call within
that batch; the result is the median of the samples with the quartiles, minimum and maximum. The
garbage collector stays on (cleaning up the objects a method creates is part of its cost), after
one full collection before each measurement.
"""

from __future__ import annotations

import dataclasses
import gc
import statistics
import time
import tracemalloc


@dataclasses.dataclass
class Timing:
    median: float
    q1: float
    q3: float
    min: float
    max: float
    number: int   # calls per sample
    samples: int

    @property
    def iqr_rel(self) -> float:
        return (self.q3 - self.q1) / self.median if self.median else 0.0

    def as_dict(self):
        return dataclasses.asdict(self)


def _quartiles(xs):
    if len(xs) < 2:
        return xs[0], xs[0]
    q = statistics.quantiles(xs, n=4, method="inclusive")
    return q[0], q[2]


def measure(fn, budget=0.3, min_samples=5, max_samples=40, warmup=1) -> Timing:
    gc.collect()  # not the garbage of whatever ran before
    for _ in range(warmup):
        fn()
    t0 = time.perf_counter()
    fn()
    one = time.perf_counter() - t0
    if one > budget / 2:  # a slow call: a few single-call samples
        number, min_samples = 1, 3
    else:
        number = max(1, int(budget / 10 / max(one, 1e-9)))
    samples = []
    start = time.perf_counter()
    while len(samples) < max_samples and (len(samples) < min_samples
                                          or time.perf_counter() - start < budget):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - t0) / number)
    q1, q3 = _quartiles(samples)
    return Timing(statistics.median(samples), q1, q3, min(samples), max(samples), number,
                  len(samples))


def measure_interleaved(fns: dict, budget=0.3, min_samples=5, max_samples=40) -> dict:
    """Like :func:`measure` for several functions at once, their samples taken in turns (one sample
    of each per round), so that a change in the machine's speed during the measurement (other load,
    frequency) affects them alike and their ratios stay meaningful. ``fns``: name -> function;
    returns name -> :class:`Timing`. Each function gets about ``budget`` seconds of samples."""
    gc.collect()
    number, limit = {}, {}
    for name, fn in fns.items():
        fn()  # warm up
        t0 = time.perf_counter()
        fn()
        one = time.perf_counter() - t0
        if one > budget / 2:
            number[name], limit[name] = 1, 3
        else:
            number[name] = max(1, int(budget / 10 / max(one, 1e-9)))
            limit[name] = max_samples
    samples = {name: [] for name in fns}
    spent = {name: 0.0 for name in fns}
    while True:
        active = [n for n in fns if len(samples[n]) < limit[n]
                  and (len(samples[n]) < min(min_samples, limit[n]) or spent[n] < budget)]
        if not active:
            break
        for name in active:
            fn, k = fns[name], number[name]
            t0 = time.perf_counter()
            for _ in range(k):
                fn()
            elapsed = time.perf_counter() - t0
            spent[name] += elapsed
            samples[name].append(elapsed / k)
    out = {}
    for name, xs in samples.items():
        q1, q3 = _quartiles(xs)
        out[name] = Timing(statistics.median(xs), q1, q3, min(xs), max(xs), number[name], len(xs))
    return out


def peak_memory(fn) -> int:
    """Peak bytes allocated (Python objects and NumPy buffers, via tracemalloc) during one call,
    above what was allocated before it."""
    fn()  # warm: first-call caches are not part of the steady-state peak
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        result = fn()
        peak = tracemalloc.get_traced_memory()[1]
        del result
    finally:
        tracemalloc.stop()
    return peak - base


def fmt_time(seconds: float) -> str:
    if seconds is None:
        return "n/a"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def fmt_bytes(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 ** 2:
        return f"{n / 1024:.1f} KiB"
    return f"{n / 1024 ** 2:.1f} MiB"
