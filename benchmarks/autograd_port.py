"""srcad's NumPy breadth, measured by the port of autograd's own test suite (tests/autograd_port/).

Runs every ported check (one per autograd ``check_grads`` call, one per combination of a
``combo_check``) in the three modes of autograd's default ``check_grads(fun, modes=['fwd', 'rev'],
order=2)`` (tests/autograd_port/harness.py: reverse mode against autograd and central differences,
forward mode, Hessian-vector products) and prints, per autograd test file, how many pass in each
mode and in all three, and how many are refused (a located SrcadError), wrong (a number that
disagrees with an oracle) or crash (any other exception); then each check that does not pass, with
the first line of its error, and the autograd tests the port leaves out, with the reason.

    python benchmarks/autograd_port.py                    # the table
    python benchmarks/autograd_port.py --file test_linalg.py
    python benchmarks/autograd_port.py --json results.json
    python benchmarks/autograd_port.py --write-expected   # tests/autograd_port/expected.py

``--write-expected`` rewrites the list of refusals the test suite expects (review the diff: a check
that passed before and is refused now is a regression, not an expectation).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import time
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, ROOT)

from autograd_port import harness, ports  # noqa: E402

STATUSES = ("pass", "refused", "wrong", "crash")


def run_all(only=None):
    """``{file: [Result]}`` in the order of ports.FILES."""
    results = {}
    for port in ports.ports():
        if only and port.file != only:
            continue
        results[port.file] = [harness.run(check) for check in port.checks]
    return results


def table(results) -> str:
    head = ("| autograd file | checks | reverse | forward | 2nd order | all three | pass % | "
            "refused | wrong | crash |")
    lines = [head, "|---|" + "---:|" * 9]
    totals = collections.Counter()
    for file, rs in results.items():
        row = _row(rs)
        totals.update(row)
        lines.append(_line(file, row))
    lines.append(_line("**total**", totals))
    return "\n".join(lines)


def _row(rs) -> collections.Counter:
    row = collections.Counter(checks=len(rs))
    for r in rs:
        for mode in harness.MODES:
            row[mode] += r.outcomes[mode].status == "pass"
        row["all"] += r.passed
        row[r.status] += r.status != "pass"
    return row


def _line(file, row) -> str:
    percent = f"{100 * row['all'] / row['checks']:.1f}" if row["checks"] else "-"
    return (f"| {file} | {row['checks']} | {row['rev']} | {row['fwd']} | {row['hvp']} | "
            f"{row['all']} | {percent} | {row['refused']} | {row['wrong']} | {row['crash']} |")


def failures(results) -> str:
    lines = []
    for rs in results.values():
        for r in rs:
            said = {}  # (status, first line) -> the modes that say it
            for mode, o in r.outcomes.items():
                if o.status != "pass":
                    where = "" if o.located or o.status != "refused" else " (no location)"
                    said.setdefault((o.status + where, o.first_line()), []).append(mode)
            lines += [f"- `{r.check.id}` ({', '.join(modes)}): {status}: {text}"
                      for (status, text), modes in said.items()]
    return "\n".join(lines) or "(none)"


def skipped() -> str:
    return "\n".join(f"- {s.file} `{s.test}`: {s.reason}" for s in ports.all_skipped())


def expected_source(results) -> str:
    """tests/autograd_port/expected.py: each refused check's modes and the first line of the
    refusal (what the test asserts the SrcadError says)."""
    refusals = {}
    for rs in results.values():
        for r in rs:
            modes = {m: o.first_line() for m, o in r.outcomes.items() if o.status == "refused"}
            if modes:
                refusals[r.check.id] = modes
    lines = ["EXPECTED_REFUSALS = {"]
    for check, modes in refusals.items():
        lines.append(f"    {check!r}: {{")
        lines += [f"        {mode!r}: {reason!r}," for mode, reason in modes.items()]
        lines.append("    },")
    lines.append("}")
    return ('"""The ported checks srcad refuses today, by mode, with the first line of the '
            'located SrcadError\n(written by ``python benchmarks/autograd_port.py '
            '--write-expected``; test_autograd_port.py asserts\neach is refused so, and every '
            'other check passes in all three modes). A check that passes\nagain is removed from '
            'here (the test says so)."""\n\n' + "\n".join(lines) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", help="one autograd test file (test_numpy.py, ...)")
    parser.add_argument("--json", help="write every check's outcome per mode to this file")
    parser.add_argument("--write-expected", action="store_true",
                        help="rewrite tests/autograd_port/expected.py from this run")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    start = time.time()
    results = run_all(args.file)
    print(table(results))
    print(f"\n({time.time() - start:.0f} s)\n\nChecks that do not pass:\n{failures(results)}")
    print(f"\nautograd tests not ported:\n{skipped()}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({r.check.id: {m: [o.status, o.message] for m, o in r.outcomes.items()}
                       for rs in results.values() for r in rs}, fh, indent=1)
    if args.write_expected:
        path = os.path.join(ROOT, "tests", "autograd_port", "expected.py")
        with open(path, "w") as fh:
            fh.write(expected_source(results))
        print(f"\nwrote {path}")
    wrong = sum(r.status in ("wrong", "crash") for rs in results.values() for r in rs)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
