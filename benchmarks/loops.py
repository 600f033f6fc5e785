"""Scaling with the length of a loop, and float32 kept float32 (issue #17): measured by ``run.py``,
rendered into ``docs/performance.md`` with a plot (``docs/loop_scaling.svg``).

* ``rnn_rows`` (``scaling.py``): an RNN filling the rows of an array, ``hs[t] = np.tanh(W @ hs[t -
  1] + x[t])``, T = 1,000 to 16,000 steps, each T in a process of its own: the function's and the
  gradient's time per step, and the gradient checked along a random direction against central
  differences. The gradient's time must be proportional to T (it was quadratic while the backward
  sweep copied the whole gradient of ``hs`` at every step).
* ``mlp32`` (``scaling.py``): the ``mlp`` workload's gradient in float32 and in float64, in turns.

No dependency beyond the standard library: the plot is SVG written here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from timing import fmt_time

HERE = os.path.dirname(os.path.abspath(__file__))
STEPS = (1000, 2000, 4000, 8000, 16000)


def _scaling(args, timeout, env=None) -> dict:
    """The records ``scaling.py ARGS`` prints, by stage."""
    try:
        out = subprocess.run([sys.executable, os.path.join(HERE, "scaling.py"), *map(str, args)],
                             capture_output=True, text=True, timeout=timeout, env=env).stdout
    except subprocess.TimeoutExpired:
        return {}
    records = {}
    for line in out.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        records[record.pop("stage")] = record
    return records


def run(budget: float, log, quick: bool = False) -> dict:
    """``{"rnn_rows": [{"steps", "forward", "gradient", "check"}], "mlp32": {...}}``."""
    rows = []
    for steps in STEPS[:2] if quick else STEPS:
        log(f"loop scaling: rnn_rows, T = {steps:,}")
        rec = _scaling(["rnn_rows", steps, budget], timeout=900)
        rows.append(dict(steps=steps, forward=rec.get("forward", {}).get("per_step"),
                         gradient=rec.get("gradient", {}).get("per_step"),
                         check=rec.get("check_fd", {}).get("rel")))
    log("float32: the mlp workload in float32 and float64")
    return dict(rnn_rows=rows, mlp32=_scaling(["mlp32", 0, budget], timeout=600).get("mlp32"))


def render(data, w, svg_path=None) -> None:
    """The section of ``docs/performance.md`` (written with ``w``), and the plot at ``svg_path``."""
    rows = [r for r in (data or {}).get("rnn_rows", []) if r.get("gradient")]
    if rows:
        w("## Scaling with the length of a loop\n")
        w("`rnn_rows` (`benchmarks/scaling.py`): an RNN of width 32 filling the rows of an array, "
          "`hs[t] = np.tanh(W @ hs[t - 1] + x[t])`, `hs = np.zeros((T, 32))`, the loss `np.sum(hs "
          "** 2)`; each T in a process of its own. Times per step (the median of the samples "
          "divided by T); check: the gradient along a random direction against central "
          "differences (relative difference).\n")
        w("| T | forward, per step | gradient, per step | gradient, whole | gradient / forward "
          "| per step / per step at T = {:,} | check |".format(rows[0]["steps"]))
        w("|---|---|---|---|---|---|---|")
        first = rows[0]["gradient"]
        for r in rows:
            check = "n/a" if r["check"] is None else f"{r['check']:.1e}"
            w(f"| {r['steps']:,} | {fmt_time(r['forward'])} | {fmt_time(r['gradient'])} | "
              f"{fmt_time(r['gradient'] * r['steps'])} | {r['gradient'] / r['forward']:.2f}× | "
              f"{r['gradient'] / first:.2f}× | {check} |")
        w("")
        if svg_path is not None:
            with open(svg_path, "w") as fh:
                fh.write(svg(rows))
            w(f"![the gradient's time against T, with the line through the origin and the time "
              f"at T = {rows[0]['steps']:,}]({os.path.basename(svg_path)})\n")
    m = (data or {}).get("mlp32")
    if m:
        w("## float32\n")
        w(f"The `mlp` workload's gradient with float32 arguments: {fmt_time(m['float32'])}, against "
          f"{fmt_time(m['float64'])} in float64 ({m['float64'] / m['float32']:.2f}× faster); the "
          f"gradients' dtypes: {', '.join(m['dtypes'])}; largest difference from the float64 "
          f"gradient, relative to its largest entry: {m['rel']:.1e} (`benchmarks/scaling.py "
          f"mlp32`).\n")


def svg(rows, width=560, height=340) -> str:
    """A line plot of the gradient's whole time against T, points joined, and the line through the
    origin and the first point (what proportional to T would give)."""
    left, right, top, bottom = 70, 20, 20, 50
    xs = [r["steps"] for r in rows]
    ys = [r["gradient"] * r["steps"] for r in rows]
    x_max, y_max = max(xs) * 1.05, max(max(ys), ys[0] / xs[0] * max(xs)) * 1.1

    def px(x):
        return left + (width - left - right) * x / x_max

    def py(y):
        return height - bottom - (height - top - bottom) * y / y_max

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'font-family="sans-serif" font-size="12">',
             f'<rect width="{width}" height="{height}" fill="white"/>',
             f'<line x1="{left}" y1="{py(0)}" x2="{width - right}" y2="{py(0)}" stroke="black"/>',
             f'<line x1="{left}" y1="{py(0)}" x2="{left}" y2="{top}" stroke="black"/>']
    for x in xs:
        parts.append(f'<text x="{px(x):.1f}" y="{py(0) + 16:.1f}" text-anchor="middle">'
                     f'{x:,}</text>')
    for k in range(5):
        y = y_max / 1.1 * k / 4
        parts.append(f'<text x="{left - 6}" y="{py(y) + 4:.1f}" text-anchor="end">'
                     f'{y * 1e3:.0f}</text>')
    parts.append(f'<text x="{(left + width - right) / 2}" y="{height - 10}" '
                 f'text-anchor="middle">T (steps)</text>')
    parts.append(f'<text x="16" y="{(top + height - bottom) / 2}" text-anchor="middle" '
                 f'transform="rotate(-90 16 {(top + height - bottom) / 2})">gradient (ms)</text>')
    slope = ys[0] / xs[0]
    parts.append(f'<line x1="{px(0):.1f}" y1="{py(0):.1f}" x2="{px(max(xs)):.1f}" '
                 f'y2="{py(slope * max(xs)):.1f}" stroke="#999" stroke-dasharray="5,4"/>')
    points = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in zip(xs, ys))
    parts.append(f'<polyline points="{points}" fill="none" stroke="#1f5fa8" stroke-width="2"/>')
    parts += [f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3.5" fill="#1f5fa8"/>'
              for x, y in zip(xs, ys)]
    parts.append(f'<text x="{left + 10}" y="{top + 12}">srcad gradient of rnn_rows (dots); '
                 f'dashed: proportional to T</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
