"""Benchmark harness: srcad against the hand-written gradient and its peers.

    python benchmarks/run.py            # everything (under ~10 minutes on 2 cores); rewrites docs/performance.md
    python benchmarks/run.py --quick    # a smoke run (about a minute); writes a temporary file unless --out

Runs every workload of ``workloads.py`` with every method (forward, hand-written gradient, srcad,
autograd, JAX eager, JAX jit, PyTorch eager, tangent-ad); checks each method's gradient against the
hand-written one (relative error at most 1e-8) before timing it; measures srcad's transformation time
and peak memory; profiles srcad's generated code (cProfile, and line_profiler when installed);
re-times machine-edited variants of the generated code (``ablation.py``); measures scaling with
function size (``scaling.py``, one process per size) and with the length of a loop, and float32
against float64 (``loops.py``, which also draws ``docs/loop_scaling.svg``). Writes the raw results to
``benchmarks/results.json`` (``--quick``: next to the output file) and the report (tables, then
``benchmarks/discussion.md``) to ``docs/performance.md``.

Every peer is optional: one that is not installed, or cannot run a workload, is reported as n/a
with the reason. BLAS, OpenMP, PyTorch and XLA run on ``--threads`` threads (default 1: the same
for every method, and robust to other load on a 2-core machine).
"""

from __future__ import annotations

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def _parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="a fast smoke run: short budgets, small sizes")
    p.add_argument("--out", help="the report to write (default: docs/performance.md; with --quick, "
                                 "a file in the temporary directory)")
    p.add_argument("--threads", type=int, default=1, help="threads for BLAS/OpenMP/torch/XLA (default 1)")
    p.add_argument("--budget", type=float, help="seconds per measurement (default 0.3, --quick 0.03)")
    p.add_argument("--only", help="comma-separated workload keys to run")
    p.add_argument("--no-scaling", action="store_true", help="skip the scaling measurements")
    p.add_argument("--no-peers", action="store_true", help="skip autograd, JAX, PyTorch, tangent-ad")
    p.add_argument("--render", metavar="RESULTS_JSON", nargs="?", const=os.path.join(HERE, "results.json"),
                   help="measure nothing: rewrite the report from saved results (default "
                        "benchmarks/results.json), e.g. after editing benchmarks/discussion.md")
    p.add_argument("--default-malloc", action="store_true",
                   help="keep glibc malloc's defaults (timings then depend on the process's history)")
    p.add_argument("--wait", type=float, help="before timing each workload, wait up to this many "
                                              "seconds for other processes to leave the CPU idle "
                                              "(default 60, --quick 0)")
    return p.parse_args(argv)


# glibc's malloc, told to keep the memory freed (not to give it back to the kernel, to fault it in
# again on the next call): with its defaults, the time of one call depends on what the process did
# before, by up to 2x here (malloc_effect.py measures that). Set before the process starts.
MALLOC_ENV = {"MALLOC_TRIM_THRESHOLD_": str(1 << 30), "MALLOC_MMAP_THRESHOLD_": str(1 << 25),
              "MALLOC_TOP_PAD_": str(1 << 26)}

ARGS = _parse_args() if __name__ == "__main__" else None
if ARGS is not None and not ARGS.default_malloc and not ARGS.render and any(os.environ.get(k) != v for k, v in MALLOC_ENV.items()):
    os.environ.update(MALLOC_ENV)
    os.execv(sys.executable, [sys.executable] + sys.argv)  # again, with the allocator set up
if ARGS is not None:  # before NumPy, JAX or torch are imported: they read these at import
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(ARGS.threads)
    if ARGS.threads == 1:
        os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") +
                                   " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1").strip()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

sys.path.insert(0, HERE)

import cProfile  # noqa: E402
import datetime  # noqa: E402
import gc  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import pstats  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402

import srcad  # noqa: E402

import ablation  # noqa: E402
import loops  # noqa: E402
import passes  # noqa: E402
import peers  # noqa: E402
import report  # noqa: E402
from timing import measure, measure_interleaved, peak_memory  # noqa: E402
from workloads import all_workloads  # noqa: E402

TOLERANCE = 1e-8
PEERS = (("autograd", peers.make_autograd), ("jax_eager", peers.make_jax_eager),
         ("jax_jit", peers.make_jax_jit), ("torch", peers.make_torch), ("tangent", None))


def rel_error(grads, reference) -> float:
    """max over gradients of max |g - h| / max |h|."""
    worst = 0.0
    if len(grads) != len(reference):
        return float("inf")
    for g, h in zip(grads, reference):
        g, h = np.asarray(g, dtype=float), np.asarray(h, dtype=float)
        if g.shape != h.shape:
            return float("inf")
        scale = max(float(np.max(np.abs(h))), 1e-300)
        worst = max(worst, float(np.max(np.abs(g - h))) / scale)
    return worst


def _as_tuple(g, w):
    return tuple(g) if len(w.argnums) > 1 else (g,)


def machine_info(threads: int) -> dict:
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    blas = "?"
    try:
        cfg = np.show_config(mode="dicts")
        b = cfg.get("Build Dependencies", {}).get("blas", {})
        blas = f"{b.get('name', '?')} {b.get('version', '')}".strip()
    except Exception:  # noqa: BLE001
        pass
    try:
        commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--", "srcad"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        commit = commit + (" (srcad/ modified)" if dirty else "")
    except Exception:  # noqa: BLE001
        commit = "?"
    return dict(cpu=cpu, cores=os.cpu_count(), python=platform.python_version(),
                platform=platform.platform(), numpy=np.__version__, blas=blas, threads=threads,
                srcad_commit=commit, peers=peers.versions(),
                date=datetime.datetime.now().strftime("%Y-%m-%d %H:%M"))


def busy_processes() -> list:
    """Other processes using CPU now (they disturb the timings; reported with the results)."""
    try:
        out = subprocess.run(["ps", "-eo", "pid,pcpu,args", "--sort=-pcpu"], capture_output=True,
                             text=True, timeout=10).stdout.splitlines()[1:]
    except Exception:  # noqa: BLE001
        return []
    busy = []
    for line in out:
        parts = line.split(None, 2)
        if len(parts) == 3 and int(parts[0]) != os.getpid() and float(parts[1]) >= 20:
            busy.append(f"{parts[1]}% {parts[2][:80]}")
    return busy


def load_average():
    try:
        return os.getloadavg()
    except OSError:
        return None


# ---- one workload ---------------------------------------------------------------------------------

def profile_functions(fn, seconds: float, top: int = 8) -> list:
    """cProfile: the functions with the most own time (tottime), as (share, calls, name)."""
    t0 = time.perf_counter()
    fn()
    one = max(time.perf_counter() - t0, 1e-6)
    reps = max(1, int(seconds / one))
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(reps):
        fn()
    prof.disable()
    stats = pstats.Stats(prof, stream=io.StringIO())
    total = sum(v[2] for v in stats.stats.values())
    rows = []
    for (filename, line, name), (cc, nc, tt, ct, callers) in stats.stats.items():
        rows.append((tt / total if total else 0.0, nc // reps, _short(filename, line, name)))
    rows.sort(reverse=True)
    return rows[:top]


def _short(filename, line, name):
    if filename.startswith("<srcad"):
        return f"{name} (generated code, own time)"
    if filename == "~":
        return name
    for marker in ("site-packages/", "/work/main/"):
        if marker in filename:
            filename = filename.split(marker, 1)[1]
    return f"{name} ({filename}:{line})"


def profile_lines(derived, w, seconds: float, top: int = 8):
    """line_profiler on the generated function: its most expensive lines (share of its time)."""
    try:
        import line_profiler
    except Exception:  # noqa: BLE001
        return None
    import linecache
    gen = derived.transformed(w.args).function
    prof = line_profiler.LineProfiler(gen)
    wrapped = prof(gen)
    t0 = time.perf_counter()
    wrapped(*w.args)
    reps = max(1, int(seconds / max(time.perf_counter() - t0, 1e-6)))
    for _ in range(reps):
        wrapped(*w.args)
    stats = prof.get_stats()
    rows = []
    for (filename, _, _), timings in stats.timings.items():
        total = sum(t for _, _, t in timings)
        lines = linecache.getlines(filename)
        for lineno, hits, t in timings:
            text = lines[lineno - 1].strip() if 0 < lineno <= len(lines) else "?"
            rows.append((t / total if total else 0.0, hits // (reps + 1), text))
    rows.sort(reverse=True)
    return rows[:top]


def cpu_busy_elsewhere(interval=0.5) -> float:
    """Fraction of the machine's CPU time used during ``interval`` (this process sleeps meanwhile,
    so it is what others use). None where /proc/stat cannot be read."""
    def read():
        with open("/proc/stat") as fh:
            v = [int(x) for x in fh.readline().split()[1:]]
        idle = v[3] + (v[4] if len(v) > 4 else 0)
        return sum(v[:8]), idle
    try:
        t0, i0 = read()
        time.sleep(interval)
        t1, i1 = read()
    except OSError:
        return None
    return 1.0 - (i1 - i0) / max(t1 - t0, 1)


def wait_quiet(max_wait: float, log, threshold=0.15) -> dict:
    """Wait (at most ``max_wait`` seconds) until other processes use less than ``threshold`` of
    the CPU; returns what was seen, for the report."""
    start = time.perf_counter()
    busy = cpu_busy_elsewhere()
    while busy is not None and busy > threshold and time.perf_counter() - start < max_wait:
        time.sleep(2)
        busy = cpu_busy_elsewhere()
    waited = time.perf_counter() - start
    if busy is not None and busy > threshold:
        log(f"  machine still busy ({busy:.0%} CPU used by others) after {waited:.0f} s; measuring anyway")
    return dict(busy=busy, waited=waited)


def run_workload(w, budget: float, with_peers: bool, max_wait: float, log) -> dict:
    res = dict(key=w.key, title=w.title, array=w.array, methods={}, notes=[], checks={})
    reference = w.hand(*w.args)
    argnums = w.argnums if len(w.argnums) > 1 else w.argnums[0]
    calls = {"forward": lambda: w.fn(*w.args), "hand": lambda: w.hand(*w.args)}
    if w.hand_alt is not None:
        res["hand_alt_title"] = w.hand_alt_title

    def checked(name, call, grads) -> bool:
        err = rel_error(grads, reference)
        res["checks"][name] = err
        if not err <= TOLERANCE:
            res["methods"][name] = dict(error=f"wrong gradient: relative error {err:.2e}")
            log(f"  {name}: WRONG GRADIENT ({err:.2e})")
            return False
        calls[name] = call
        return True

    if w.hand_alt is not None:
        checked("hand_alt", lambda: w.hand_alt(*w.args), w.hand_alt(*w.args))
    if len(w.argnums) == 1 and np.ndim(w.args[w.argnums[0]]) == 0:
        # one scalar input: srcad's forward mode (srcad.jvp) gives the derivative in one sweep
        tangents = tuple(1.0 if k == w.argnums[0] else None for k in range(len(w.args)))
        try:
            checked("srcad_fwd", lambda: srcad.jvp(w.fn, w.args, tangents)[1],
                    (srcad.jvp(w.fn, w.args, tangents)[1],))
        except Exception as exc:  # noqa: BLE001 - reported in the results
            res["methods"]["srcad_fwd"] = dict(error=f"{type(exc).__name__}: {exc}")

    # srcad: the first transformation of this workload in the process ("cold"), then fresh ones
    df = None
    try:
        gc.collect()
        t0 = time.perf_counter()
        df = srcad.grad(w.fn, argnums=argnums)
        g = df(*w.args)
        cold = time.perf_counter() - t0
        if not checked("srcad", lambda: df(*w.args), _as_tuple(g, w)):
            df = None
    except Exception as exc:  # noqa: BLE001 - a bug in srcad: reported in the results
        res["methods"]["srcad"] = dict(error=f"{type(exc).__name__}: {exc}")
        log(f"  srcad: ERROR {type(exc).__name__}: {exc}")
    if df is not None:
        steady = measure(lambda: df(*w.args), budget=budget / 3)
        firsts = []
        for _ in range(3):
            gc.collect()
            t0 = time.perf_counter()
            fresh = srcad.grad(w.fn, argnums=argnums)
            fresh(*w.args)
            firsts.append(time.perf_counter() - t0)
        res["transform"] = dict(cold=cold - steady.median,
                                fresh=float(np.median(firsts)) - steady.median,
                                fresh_all=[f - steady.median for f in firsts])
        gc.collect()
        res["passes"] = passes.pass_times(w.fn, argnums)

    if with_peers:
        for name, make in PEERS:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    if name == "tangent":
                        t0 = time.perf_counter()
                        call = peers.make_tangent(w, res["notes"])
                        res["tangent_transform"] = time.perf_counter() - t0
                    else:
                        call = make(w)
                    t0 = time.perf_counter()
                    grads = peers.to_numpy(call())
                    first = time.perf_counter() - t0
                    if checked(name, call, grads) and name == "jax_jit":
                        t0 = time.perf_counter()
                        call()
                        res["jit_compile"] = first - (time.perf_counter() - t0)
            except peers.NotAvailable as exc:
                res["methods"][name] = dict(na=str(exc))
                log(f"  {name}: n/a ({exc})")
            except Exception as exc:  # noqa: BLE001 - a peer that fails on a workload is n/a
                msg = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
                res["methods"][name] = dict(na=f"{type(exc).__name__}: {msg}")
                log(f"  {name}: n/a ({type(exc).__name__}: {msg})")

    # every method that passed its check, timed in turns
    res["quiet"] = wait_quiet(max_wait, log)
    timings = measure_interleaved(calls, budget=budget)
    for name, t in timings.items():
        res["methods"][name] = dict(time=t.as_dict())
        log(f"  {name}: {t.median * 1e3:.3f} ms (IQR {t.q1 * 1e3:.3f}-{t.q3 * 1e3:.3f}, "
            f"{t.samples} x {t.number})")
    if "jax_jit" in timings and "jit_compile" in res:
        res["jit_compile"] = max(res["jit_compile"], 0.0)

    if df is None:
        return res
    res["memory"] = dict(srcad=peak_memory(lambda: df(*w.args)),
                         hand=peak_memory(lambda: w.hand(*w.args)),
                         forward=peak_memory(lambda: w.fn(*w.args)))
    res["source"] = srcad.source(df)
    res["profile_functions"] = profile_functions(lambda: df(*w.args), max(budget, 0.05))
    res["profile_lines"] = profile_lines(df, w, max(budget, 0.05))
    res["ablation"] = ablation.run(
        w, res["source"], lambda fns: measure_interleaved(fns, budget=budget),
        lambda grads: rel_error(grads, reference),
        {"hand": calls["hand"], "srcad": calls["srcad"]})
    log(f"  transform {res['transform']['fresh'] * 1e3:.1f} ms, "
        f"peak memory {res['memory']['srcad'] / 2 ** 20:.2f} MiB; ablation: "
        + ", ".join(f"{r['step']} {r['time']['median'] * 1e3:.3f} ms" if "time" in r
                    else f"{r['step']} {r.get('error')}" for r in res["ablation"]))
    return res


# ---- scaling ------------------------------------------------------------------------------------------

def run_scaling(sizes, budget: float, limit: float, log) -> list:
    rows = []
    for kind in ("chain", "graph"):
        for n in sizes:
            log(f"scaling {kind} {n}")
            cmd = [sys.executable, os.path.join(HERE, "scaling.py"), kind, str(n), str(budget), str(limit)]
            records, note = {}, ""
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True, timeout=limit + 300)
                out = proc.stdout
                if proc.returncode != 0:
                    note = f"exit {proc.returncode}: {proc.stderr.strip().splitlines()[-1][:200] if proc.stderr.strip() else ''}"
            except subprocess.TimeoutExpired as exc:
                out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
                note = "stopped (took too long)"
            for line in out.splitlines():
                try:
                    r = json.loads(line)
                except ValueError:
                    continue
                records[r.pop("stage")] = r
            rows.append(dict(kind=kind, n=n, records=records, note=note))
            log(f"  {json.dumps({k: (v.get('median') or v.get('seconds') or v.get('rel') or v) for k, v in records.items()})[:300]} {note}")
            if "transform_timeout" in records:
                log(f"  transformation over {limit:.0f} s: larger sizes skipped")
                break
    return rows


def run_malloc_effect(budget: float, log) -> list:
    """malloc_effect.py with glibc's default allocator, in a fresh process, twice."""
    env = {k: v for k, v in os.environ.items() if k not in MALLOC_ENV}
    rows = []
    for first in ("nothing", "scalar_loop"):
        log(f"allocator effect, default malloc, first: {first}")
        try:
            proc = subprocess.run([sys.executable, os.path.join(HERE, "malloc_effect.py"), first,
                                   str(budget)], capture_output=True, text=True, timeout=300, env=env)
            for line in proc.stdout.splitlines():
                try:
                    rows.append(json.loads(line))
                except ValueError:
                    pass
        except subprocess.TimeoutExpired:
            log("  stopped (took too long)")
    return rows


# ---- main -------------------------------------------------------------------------------------------

def import_times(runs: int = 5) -> dict:
    """``import srcad`` in fresh processes, as a user's machine runs it: the bytecode cache
    allowed (in a temporary folder, warmed by a first run; this machine's environment may forbid
    writing it, ``PYTHONDONTWRITEBYTECODE``), NumPy imported before it or with it. Medians, s."""
    import subprocess
    import statistics
    env = dict(os.environ, PYTHONPYCACHEPREFIX=tempfile.mkdtemp(prefix="srcad_pyc_"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    probes = {"after_numpy": "import numpy, time; t = time.perf_counter(); import srcad; "
                             "print(time.perf_counter() - t)",
              "with_numpy": "import time; t = time.perf_counter(); import srcad; "
                            "print(time.perf_counter() - t)"}
    found = {}
    for key, code in probes.items():
        subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)
        found[key] = statistics.median(
            float(subprocess.run([sys.executable, "-c", code], env=env, check=True,
                                 capture_output=True, text=True).stdout)
            for _ in range(runs))
    return found


def main(args):
    if args.render:
        with open(args.render) as fh:
            data = json.load(fh)
        out = args.out or os.path.join(ROOT, "docs", "performance.md")
        with open(out, "w") as fh:
            fh.write(report.render(data, os.path.join(HERE, "discussion.md"),
                                   os.path.join(os.path.dirname(out), "loop_scaling.svg")))
        print(f"wrote {out} from {args.render}")
        return
    budget = args.budget or (0.03 if args.quick else 0.3)
    if args.wait is None:
        args.wait = 0.0 if args.quick else 60.0
    started = time.perf_counter()

    def log(msg):
        print(f"[{time.perf_counter() - started:6.1f}s] {msg}", flush=True)

    info = machine_info(args.threads)
    info["load_start"] = load_average()
    info["busy_start"] = busy_processes()
    if args.threads >= 1:
        try:
            if not args.no_peers:
                import torch
                torch.set_num_threads(args.threads)
        except Exception:  # noqa: BLE001
            pass
    log(f"machine: {info['cpu']}, Python {info['python']}, NumPy {info['numpy']}; peers {info['peers']}")
    if info["busy_start"]:
        log(f"other busy processes: {info['busy_start']}")

    only = set(args.only.split(",")) if args.only else None
    results = []
    for w in all_workloads():
        if only and w.key not in only:
            continue
        log(f"workload {w.key}: {w.title}")
        results.append(run_workload(w, budget, not args.no_peers, args.wait, log))

    scaling = []
    if not args.no_scaling:
        sizes = (10, 100) if args.quick else (10, 100, 1000, 10000)
        scaling = run_scaling(sizes, budget, 20.0 if args.quick else 60.0, log)

    loop_data = {} if args.no_scaling else loops.run(budget, log, args.quick)

    malloc_rows = [] if args.quick else run_malloc_effect(budget, log)

    info["import"] = import_times()
    log(f"import srcad: {info['import']['after_numpy'] * 1e3:.0f} ms after NumPy, "
        f"{info['import']['with_numpy'] * 1e3:.0f} ms with it")
    info["load_end"] = load_average()
    info["busy_end"] = busy_processes()
    info["elapsed"] = time.perf_counter() - started
    info["budget"] = budget
    info["quick"] = args.quick
    info["malloc"] = "default" if args.default_malloc else MALLOC_ENV
    data = dict(info=info, workloads=results, scaling=scaling, malloc_effect=malloc_rows,
                loops=loop_data)

    out = args.out or (os.path.join(tempfile.gettempdir(), "srcad_performance_quick.md") if args.quick
                       else os.path.join(ROOT, "docs", "performance.md"))
    json_path = os.path.join(HERE, "results.json") if not args.quick else os.path.splitext(out)[0] + ".json"
    with open(json_path, "w") as fh:
        json.dump(data, fh, indent=1, default=str)
    text = report.render(data, os.path.join(HERE, "discussion.md"),
                         os.path.join(os.path.dirname(out), "loop_scaling.svg"))
    with open(out, "w") as fh:
        fh.write(text)
    log(f"wrote {out} and {json_path} in {info['elapsed']:.0f} s")


if __name__ == "__main__":
    main(ARGS)
