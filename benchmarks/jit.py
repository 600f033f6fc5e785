"""``jit=True`` against the peers that compile: run by hand, ``python benchmarks/jit.py``; writes
the results section of docs/jit.md (between its ``<!-- results -->`` markers).

For each workload of benchmarks/workloads.py, in one process, measured in turns
(:func:`timing.measure_interleaved`):

* srcad uncompiled (``srcad.grad(f, argnums)``) and compiled (``jit="auto"``: where numba refuses
  the code, the row says so and the time is the uncompiled code's);
* the hand-written gradient, and the same compiled with ``numba.njit`` where numba compiles it;
* ``jax.jit(jax.grad(f))`` with the loop bounds static (benchmarks/peers.py), and, for ``ode``,
  the loop rewritten as ``jax.lax.fori_loop`` over the step count (JAX cannot differentiate a
  ``lax.while_loop`` in reverse mode).

Each gradient is compared with the hand-written one first (relative error at most 1e-8).
Compile times: srcad's first call of a fresh derived function (transformation and numba's
compilation, the disk cache off) minus a steady call; the first workload's includes numba's own
start, reported apart; JAX's first call of the jitted gradient minus a steady call. Warm starts:
the first call in a new process whose disk cache an earlier process filled (:func:`warm_start`).
"""

from __future__ import annotations

import datetime
import os
import sys
import time
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

import srcad  # noqa: E402
import peers  # noqa: E402
import workloads  # noqa: E402
from run import rel_error, _as_tuple  # noqa: E402
from timing import fmt_time, measure_interleaved  # noqa: E402

TOLERANCE = 1e-8


def ode_jax_fori(w):
    """The ODE workload with its loop as ``lax.fori_loop`` (the step count computed in Python)."""
    jax, jnp = peers._jax()
    u0, a, b, dt, T = w.args
    steps, t = 0, 0.0
    while t < T:
        steps, t = steps + 1, t + dt

    def loss(a, b, u0):
        u = jax.lax.fori_loop(0, steps, lambda i, u: u + dt * (a * u - b * u ** 3), u0)
        return jnp.sum(u ** 2)
    df = jax.jit(jax.grad(loss, argnums=(0, 1)))
    args = (jnp.asarray(a), jnp.asarray(b), jnp.asarray(u0))
    return lambda: peers._block(df(*args))


def run_workload(w, log) -> dict:
    res = dict(key=w.key, title=w.title, times={}, compile={}, notes=[], errors={})
    reference = w.hand(*w.args)
    argnums = w.argnums if len(w.argnums) > 1 else w.argnums[0]
    calls = {}

    def add(name, call, grads):
        err = rel_error(grads, reference)
        if not err <= TOLERANCE:
            res["errors"][name] = f"wrong gradient: relative error {err:.1e}"
            log(f"  {name}: WRONG GRADIENT {err:.1e}")
            return
        calls[name] = call

    add("hand", lambda: w.hand(*w.args), reference)
    try:
        import numba
        hand_jit = numba.njit(w.hand)
        hand_jit(*w.args)
        add("hand_numba", lambda: hand_jit(*w.args), hand_jit(*w.args))
    except Exception as exc:  # noqa: BLE001 - reported
        res["errors"]["hand_numba"] = f"numba refuses it: {type(exc).__name__}"
    plain = srcad.grad(w.fn, argnums)
    add("srcad", lambda: plain(*w.args), _as_tuple(plain(*w.args), w))
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always", srcad.JitWarning)
        t0 = time.perf_counter()
        jitted = srcad.grad(w.fn, argnums, jit="auto")
        g = jitted(*w.args)
        res["compile"]["srcad_first"] = time.perf_counter() - t0
    if said:
        reason = str(said[0].message).split(" jit: ", 1)[-1].splitlines()[0]
        res["notes"].append(f"`jit=\"auto\"` runs it uncompiled: {reason}")
    add("srcad_jit", lambda: jitted(*w.args), _as_tuple(g, w))
    try:
        jax_call = peers.make_jax_jit(w)
        t0 = time.perf_counter()
        jax_call()
        res["compile"]["jax_first"] = time.perf_counter() - t0
        add("jax_jit", jax_call, tuple(np.asarray(g) for g in jax_call()))
    except Exception as exc:  # noqa: BLE001
        res["errors"]["jax_jit"] = f"{type(exc).__name__}: {str(exc)[:120]}"
    if w.key == "ode":
        fori = ode_jax_fori(w)
        t0 = time.perf_counter()
        fori()
        res["compile"]["jax_fori_first"] = time.perf_counter() - t0
        add("jax_fori", fori, tuple(np.asarray(g) for g in fori()))
    log(f"  measuring {', '.join(calls)}")
    timings = measure_interleaved(calls, budget=0.5)
    res["times"] = {name: t.median for name, t in timings.items()}
    for name, key in (("srcad_first", "srcad_jit"), ("jax_first", "jax_jit"),
                      ("jax_fori_first", "jax_fori")):
        if name in res["compile"] and key in res["times"]:
            res["compile"][name] -= res["times"][key]
    # a second derived function of the same workload: numba's start already paid (the disk cache
    # off: this measures a compilation)
    os.environ["SRCAD_JIT_CACHE"] = "0"
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", srcad.JitWarning)
        srcad.grad(w.fn, argnums, jit="auto")(*w.args)
    res["compile"]["srcad_again"] = time.perf_counter() - t0 - res["times"].get("srcad_jit", 0.0)
    del os.environ["SRCAD_JIT_CACHE"]
    res["warm"] = warm_start(w.key)
    return res


WARM = """
import sys, time
t0 = time.perf_counter()
import numpy as np, numba, srcad
t1 = time.perf_counter()
sys.path.insert(0, {here!r})
import workloads
w = [w for w in workloads.all_workloads() if w.key == {key!r}][0]
argnums = w.argnums if len(w.argnums) > 1 else w.argnums[0]
t2 = time.perf_counter()
srcad.grad(w.fn, argnums, jit="auto")(*w.args)
t3 = time.perf_counter()
print(t1 - t0, t3 - t2)
"""

BASELINE = """
import sys, time
sys.path.insert(0, {folder!r})
import numba, trivial
t0 = time.perf_counter()
trivial.f(1.0)
print(time.perf_counter() - t0)
"""


def _srcad_part(m: dict) -> float:
    """A warm first call's time besides numba's start; all of it where numba did not start
    (code refused by an earlier process: its recorded refusal is read, nothing compiled)."""
    rest = m["first_call"] - m["numba_start"]
    return rest if rest > 0 else m["first_call"]


def warm_start(key: str) -> dict:
    """Seconds in a fresh process whose disk cache holds the compiled code (a first process
    compiled it): importing srcad and numba, then the first call of a new derived function
    (transformation, loading the code, numba's own start); and, for comparison, numba's first
    call of a trivial function loaded from its own cache (numba's start alone)."""
    import subprocess
    import tempfile
    folder = tempfile.mkdtemp(prefix="srcad-bench-")
    env = dict(os.environ, SRCAD_CACHE_DIR=folder)
    script = WARM.format(here=HERE, key=key)
    runs = [subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                           text=True, check=True).stdout.split() for _ in range(3)]
    with open(os.path.join(folder, "trivial.py"), "w") as fh:
        fh.write("import numba\n\n@numba.njit(cache=True)\ndef f(x):\n    return x + 1.0\n")
    base = [float(subprocess.run([sys.executable, "-c", BASELINE.format(folder=folder)],
                                 env=env, capture_output=True, text=True, check=True).stdout)
            for _ in range(3)]
    warm = sorted(runs[1:], key=lambda r: float(r[1]))[0]  # (the better of two warm runs)
    return dict(cold=float(runs[0][1]), imports=float(warm[0]), first_call=float(warm[1]),
                numba_start=min(base[1:]))


COLUMNS = [("hand", "hand-written"), ("hand_numba", "hand-written, numba"),
           ("srcad", "srcad"), ("srcad_jit", "srcad jit"), ("jax_jit", "JAX jit"),
           ("jax_fori", "JAX jit, fori_loop")]


def render(results, started) -> str:
    import jax
    import numba
    out = [f"*Generated by `python benchmarks/jit.py` on {started}; do not edit by hand.* "
           f"numba {numba.__version__}, JAX {jax.__version__}, NumPy {np.__version__}, "
           f"{os.cpu_count()} CPUs.", "", "### Times (median; float64)", "",
           "| workload | " + " | ".join(title for _, title in COLUMNS) + " |",
           "|---|" + "---|" * len(COLUMNS)]
    for r in results:
        cells = [fmt_time(r["times"][k]) if k in r["times"] else "n/a" for k, _ in COLUMNS]
        out.append(f"| `{r['key']}` | " + " | ".join(cells) + " |")
    out += ["", "### Ratios", "",
            "| workload | srcad jit / srcad | srcad jit / hand-written numba | JAX jit / srcad jit |"
            " srcad jit compile | JAX jit compile | compile, JAX / srcad |",
            "|---|---|---|---|---|---|---|"]
    for r in results:
        t, c = r["times"], r["compile"]

        def ratio(a, b):
            return f"{t[a] / t[b]:.2f}×" if a in t and b in t else "n/a"
        jax_compile = c.get("jax_fori_first", c.get("jax_first"))
        srcad_compile = c.get("srcad_again")
        peer = "jax_fori" if "jax_fori" in t else "jax_jit"
        compile_ratio = f"{jax_compile / srcad_compile:.1f}×" \
            if jax_compile and srcad_compile else "n/a"
        out.append(f"| `{r['key']}` | {ratio('srcad_jit', 'srcad')} | "
                   f"{ratio('srcad_jit', 'hand_numba')} | {ratio(peer, 'srcad_jit')} | "
                   f"{fmt_time(srcad_compile)} | "
                   f"{fmt_time(jax_compile) if jax_compile is not None else 'n/a'} | "
                   f"{compile_ratio} |")
    out += ["", "Compile: srcad's is the first call of a second derived function of the workload "
            "(transformation and numba's compilation of the generated code; the first derived "
            "function of each workload also compiled srcad's helpers for its types, and the first "
            "of the run numba's own start: "
            + ", ".join(f"`{r['key']}` {fmt_time(r['compile']['srcad_first'])}" for r in results)
            + "), minus a steady call; JAX's, the first call of the jitted gradient minus a "
            "steady call (for `ode`, of the `fori_loop` version).", ""]
    out += ["### Warm start (a second process, the compiled code in the disk cache)", "",
            "| workload | first call, cold cache | first call, warm cache | of which numba's own "
            "start | srcad's part | imports (srcad, numba) |", "|---|---|---|---|---|---|"]
    for r in results:
        m = r["warm"]
        out.append(f"| `{r['key']}` | {fmt_time(m['cold'])} | {fmt_time(m['first_call'])} | "
                   f"{fmt_time(m['numba_start'])} | "
                   f"{fmt_time(_srcad_part(m))} | "
                   f"{fmt_time(m['imports'])} |")
    out += ["", "A fresh process: its first call of a derived function made with `jit=True`, "
            "its code compiled by an earlier process (cold: none had; for code numba refuses, the "
            "earlier process recorded the refusal, and numba does not start). numba's own start is "
            "the first call of a trivial function loaded from numba's cache (numba initialises "
            "its compiler and its registries then, SciPy's BLAS included); srcad's part is the "
            "rest: transforming the function, checking and loading the cached code.", ""]
    notes = [(r["key"], n) for r in results for n in r["notes"]] + \
        [(r["key"], f"{k}: {v}") for r in results for k, v in r["errors"].items()]
    if notes:
        out += ["Notes:", ""] + [f"* `{key}`: {text}" for key, text in notes] + [""]
    return "\n".join(out)


def main():
    import tempfile
    os.environ["SRCAD_CACHE_DIR"] = tempfile.mkdtemp(prefix="srcad-bench-")  # (compiled afresh)
    started = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    results = []
    for w in workloads.all_workloads():
        print(w.key, flush=True)
        results.append(run_workload(w, print))
    text = render(results, started)
    path = os.path.join(os.path.dirname(HERE), "docs", "jit.md")
    with open(path) as fh:
        page = fh.read()
    start, end = page.index(BEGIN) + len(BEGIN), page.index(END)
    with open(path, "w") as fh:
        fh.write(page[:start] + "\n" + text + "\n" + page[end:])
    print(text)


BEGIN, END = "<!-- results -->", "<!-- /results -->"


if __name__ == "__main__":
    main()
