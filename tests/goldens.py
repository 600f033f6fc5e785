"""Golden files of generated code, compared in a form that does not depend on where the corpus
function sits in its file.

Accepts: the text srcad generates now, and the name of a file under ``tests/golden/``.
Guarantees: ``check(name, text)`` passes when the two texts are equal once every source line number
in them is made relative (see ``keyed``); with ``SRCAD_UPDATE_GOLDEN=1`` in the environment a file
whose keyed form differs (or that is missing) is rewritten with ``text``, byte for byte, and files
that differ only in absolute line numbers are left alone, so the diff shows only real changes.

Generated code quotes line numbers of the function it was made from in two places: the header
``# srcad: gradient of f (corpus.py:11) ...`` (the function's first line) and the comments
``# line 12: q = x + y`` above each operation. ``keyed`` rewrites them per top-level generated
function (each ``def`` at column 0 starts one):

* in the first generated function, when the header names a line D, ``(corpus.py:11)`` becomes
  ``(corpus.py:def)`` and ``# line N:`` becomes ``# line def+K:`` with K = N - D;
* in every other generated function (a callee's forward/backward pair, or a function without a
  line in its header), ``# line N:`` becomes ``# line first+K:`` with K = N - (the smallest line
  that function quotes).

Moving a function, or editing the corpus above or between functions, changes no keyed text; a change
inside a function (a line added, a line of the header moved) still does.
"""

from __future__ import annotations

import os
import pathlib
import re

GOLDEN = pathlib.Path(__file__).parent / "golden"
UPDATE_VARIABLE = "SRCAD_UPDATE_GOLDEN"

_HEADER_LINE = re.compile(r"^(# srcad: .*\([^()\s]+\.py:)(\d+)(\).*)$")
_QUOTED_LINE = re.compile(r"^(\s*# line )(\d+)(:.*)$")


def _split_functions(lines: list[str]) -> list[list[str]]:
    """The lines of each top-level generated function; the header comments go with the first."""
    chunks: list[list[str]] = [[]]
    seen_def = False
    for line in lines:
        if line.startswith("def "):
            if seen_def:
                chunks.append([])
            seen_def = True
        chunks[-1].append(line)
    return chunks


def _relative(chunk: list[str], base: int, label: str) -> list[str]:
    out = []
    for line in chunk:
        match = _QUOTED_LINE.match(line)
        if match:
            line = f"{match[1]}{label}{int(match[2]) - base:+d}{match[3]}"
        out.append(line)
    return out


def _smallest_quoted_line(chunk: list[str]) -> int:
    numbers = [int(m[2]) for m in map(_QUOTED_LINE.match, chunk) if m]
    return min(numbers, default=0)


def keyed(text: str) -> str:
    """``text`` with every quoted source line number made relative (the module docstring says how)."""
    lines = text.split("\n")
    def_line = None
    header = _HEADER_LINE.match(lines[0]) if lines else None
    if header:
        def_line = int(header[2])
        lines[0] = f"{header[1]}def{header[3]}"
    out = []
    for k, chunk in enumerate(_split_functions(lines)):
        if k == 0 and def_line is not None:
            out += _relative(chunk, def_line, "def")
        else:
            out += _relative(chunk, _smallest_quoted_line(chunk), "first")
    return "\n".join(out)


def check(name: str, text: str) -> None:
    """Assert that ``text`` matches ``tests/golden/<name>.py`` up to line positions (see above)."""
    path = GOLDEN / f"{name}.py"
    golden = path.read_text() if path.exists() else None
    if os.environ.get(UPDATE_VARIABLE) and (golden is None or keyed(golden) != keyed(text)):
        path.write_text(text)
        golden = text
    assert golden is not None, f"no golden file {path}: run with {UPDATE_VARIABLE}=1 to write it"
    assert keyed(text) == keyed(golden)
