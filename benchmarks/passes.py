"""Where srcad's transformation time goes: the time of each pass of ``srcad.pipeline.transform``.

``pass_times(fn)`` transforms ``fn`` once (``srcad.source(srcad.grad(fn, argnums))``) with a pass hook
installed (``srcad.hooks.listening``): the pipeline announces the end of every pass, and each pass is
charged the time since the previous announcement. Nothing in srcad is patched. A pass run more than
once (for called functions) is summed; "other" is what the transformation spent after the last pass.
A pass the pipeline does not announce on some path is charged to the next one that it does.
"""

from __future__ import annotations

import time

PASSES = ("parse", "fence", "lower", "desugar", "anf", "ops", "activity", "alias", "shapes", "reverse",
          "inplace", "emit", "load")


def pass_times(fn, argnums=0) -> dict:
    """{pass name: seconds, "total": seconds, "other": seconds} for one fresh transformation."""
    import srcad
    from srcad.hooks import listening

    totals = dict.fromkeys(PASSES, 0.0)
    last = [0.0]

    def charge(snapshot):
        now = time.perf_counter()
        name = snapshot.step.value[1]
        totals[name] = totals.get(name, 0.0) + now - last[0]
        last[0] = now

    with listening(charge):
        t0 = last[0] = time.perf_counter()
        srcad.source(srcad.grad(fn, argnums=argnums))
        end = time.perf_counter()
    out = dict(totals)
    out["other"] = end - last[0]
    out["total"] = end - t0
    return out
