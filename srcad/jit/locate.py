"""Where a refusal of ``jit=True`` points: the user's line behind a generated line, read from the
``# line N`` comments of the generated text (:mod:`srcad.jit.compile`'s errors).

Accepts: a transformation (its generated text and the files of its functions), numba's errors.
Guarantees: a :class:`~srcad.errors.Location` in the user's file, or None where none is known.
"""

from __future__ import annotations

import os
import re

from ..errors import JitError, Location

ANSI = re.compile(r"\x1b\[[0-9;]*m")
AUTO = 'jit="auto" runs such code uncompiled; srcad.show(df) shows the code numba compiles'


def first(text: str) -> str:
    """The first line of an error's text, at most 200 characters."""
    line = ANSI.sub("", text).strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= 200 else line[:197] + "..."


def first_line(t, fn) -> Location | None:
    """The first ``# line N`` of the generated function ``fn`` in ``t``'s text."""
    lines = t.source.splitlines()
    start = fn.__code__.co_firstlineno
    for text in lines[start:]:
        text = text.strip()
        if text.startswith("def "):
            break
        if text.startswith("# line "):
            return Location(t.files.get(fn.__name__, ""), int(text[7:].split(":")[0]), 0)
    return None


def from_numba(exc, t, files: tuple) -> JitError:
    """numba's error as a :class:`JitError` at the user's line the failing generated line comes
    from (numba names the generated file and line)."""
    text = ANSI.sub("", str(exc))
    what = first(next((line for line in text.splitlines()
                        if line.strip() and not line.startswith("Failed in ")), "numba refused it"))
    location = None
    found = re.search(r'File "(.*?)", line (\d+)', text)
    if found and same_file(found[1], files):
        location = line_of(t, int(found[2]))
    return JitError(f"jit: numba cannot compile the generated code: {what}", location, AUTO)


def same_file(name: str, files: tuple) -> bool:
    """Whether ``name`` (as numba writes it: perhaps relative) is one of ``files``."""
    return name in files or (not name.startswith("<") and os.path.realpath(name) in
                             [os.path.realpath(f) for f in files if not f.startswith("<")])


def line_of(t, lineno: int) -> Location | None:
    """The user's line behind generated line ``lineno``: the ``# line N`` comment above it, in
    the file of the generated function around it."""
    lines = t.source.splitlines()
    line = None
    for k in range(min(lineno, len(lines)) - 1, -1, -1):
        text = lines[k].strip()
        if line is None and text.startswith("# line "):
            line = int(text[7:].split(":")[0])
        if text.startswith("def "):
            name = text[4:].split("(")[0]
            return Location(t.files.get(name, ""), line, 0) if line is not None else None
    return None
