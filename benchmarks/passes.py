"""Where srcad's transformation time goes: the time of each pass of ``srcad.pipeline.transform``.

``pass_times(fn)`` transforms ``fn`` once (``srcad.source(srcad.grad(fn, argnums))``) with each pass
function that ``srcad.pipeline`` calls wrapped in a timer, in this process only (srcad's files are not
touched). A pass called more than once (for called functions) is summed; "other" is what the
transformation spent outside the passes.
"""

from __future__ import annotations

import contextlib
import time

PASSES = ("parse", "fence", "lower", "normalize", "classify", "analyze", "reverse", "emit", "load")
LABELS = {"analyze": "activity", "classify": "ops"}


@contextlib.contextmanager
def _timed_passes(totals):
    import srcad.passes.activity
    import srcad.pipeline as api

    patched = []

    def wrap(module, name):
        original = getattr(module, name)

        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                totals[name] = totals.get(name, 0.0) + time.perf_counter() - t0

        setattr(module, name, timed)
        patched.append((module, name, original))

    for name in PASSES:
        if name == "analyze":
            wrap(srcad.passes.activity, name)
        else:
            wrap(api, name)
    try:
        yield
    finally:
        for module, name, original in reversed(patched):
            setattr(module, name, original)


def pass_times(fn, argnums=0) -> dict:
    """{pass label: seconds, "total": seconds, "other": seconds} for one fresh transformation."""
    import srcad

    totals: dict = {}
    with _timed_passes(totals):
        t0 = time.perf_counter()
        srcad.source(srcad.grad(fn, argnums=argnums))
        total = time.perf_counter() - t0
    out = {LABELS.get(k, k): totals.get(k, 0.0) for k in PASSES}
    out["other"] = total - sum(out.values())
    out["total"] = total
    return out
