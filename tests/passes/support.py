"""What the per-pass tests share: the corpus, the program after each pass, the golden files.

Each test runs the pipeline itself (``srcad.pipeline``) with a pass hook installed and looks at the
program after one pass, printed by the printer ``SRCAD_DEBUG_PASSES=1`` uses (``srcad.printer``).
Golden files are one per (pass, function): ``tests/golden/passes/<pass>/<module>.<function>.py``,
with line numbers relative to the function's ``def`` line, so editing the corpus elsewhere does not
change them. ``SRCAD_UPDATE_GOLDEN=1`` rewrites them; otherwise they are compared.
"""

from __future__ import annotations

import difflib
import functools
import inspect
import os
import pathlib

import corpus
import corpus_calls
import corpus_control
from srcad import front, pipeline
from srcad.errors import SrcadError
from srcad.hooks import listening
from srcad.printer import Pass, Snapshot, render

GOLDEN = pathlib.Path(__file__).parent.parent / "golden" / "passes"
MODULES = (corpus, corpus_control, corpus_calls)

# The representative dozen: straight-line code, overwrites, unpacking, defaults, loops of each kind,
# branches, break, subscript writes, comprehensions, calls to user functions and closures.
GOLDEN_SET = [
    (corpus.textbook_sum_times, ["x", "z"]),
    (corpus.logistic_loss, ["w"]),
    (corpus.overwrite, ["a", "b"]),
    (corpus.tuple_unpack, ["x"]),
    (corpus.with_defaults, ["x"]),
    (corpus_control.for_rows, ["W"]),
    (corpus_control.while_data_dependent, ["x"]),
    (corpus_control.if_elif_else, ["x"]),
    (corpus_control.break_in_loop, ["x"]),
    (corpus_control.subscript_write, ["x"]),
    (corpus_control.list_comprehension, ["ws"]),
    (corpus_calls.mlp, ["W1", "W2"]),
    (corpus_calls.uses_closure, ["x"]),
]


def golden_ids():
    return [f"{fn.__module__}.{fn.__name__}" for fn, _ in GOLDEN_SET]


@functools.lru_cache(maxsize=None)
def _accepted() -> tuple:
    found = []
    for module in MODULES:
        for name, fn in vars(module).items():
            if inspect.isfunction(fn) and fn.__module__ == module.__name__ \
                    and not name.startswith("_"):
                try:
                    front.analyse(fn, first_parameter(fn))
                except SrcadError:  # a helper srcad is not meant to differentiate (a factory)
                    continue
                found.append(fn)
    return tuple(found)


def whole_corpus():
    """Every public function of the corpus modules that the front half accepts."""
    return _accepted()


def first_parameter(fn) -> list:
    return list(inspect.signature(fn).parameters)[:1]


def front_half(fn, wrt) -> dict:
    """``{Pass: Snapshot}`` of ``fn`` itself after passes 1 to 7 (``front.analyse``)."""
    seen = {}  # the front half never descends into callees: every snapshot is of fn

    with listening(lambda snapshot: seen.setdefault(snapshot.step, snapshot)):
        seen["analysed"] = front.analyse(fn, wrt)
    return seen


def reverse_snapshot(fn, wrt) -> Snapshot:
    """Pass 10 in reverse mode: ``fn``'s gradient function with its comments (before pass 11)."""
    return back_analyses(fn, wrt)[Pass.REVERSE]


def forward_snapshot(fn, wrt) -> Snapshot:
    """Pass 10 in forward mode: ``fn``'s JVP function with its comments."""
    program = pipeline.Program()
    pipeline.derive_forward(program, fn, list(wrt), f"jvp_{fn.__name__}")
    function, comments = program.generated[-1]
    return Snapshot(Pass.FORWARD, fn.__name__, function, comments=comments)


def back_half(fn, wrt) -> dict:
    """``{Pass: Snapshot}`` of the emit and load passes of ``grad`` of ``fn``."""
    seen = {}
    with listening(lambda s: seen.setdefault(s.step, s) if s.function == fn.__qualname__ else 0):
        pipeline.transform(fn, tuple(list(inspect.signature(fn).parameters).index(p)
                                     for p in wrt), False)
    return seen


def check_golden(step: str, fn, snapshot: Snapshot, before: Snapshot | None = None,
                 facts: bool = False):
    """Compare the printed ``snapshot`` with its golden file (or write it, when asked). Given the
    pass ``before`` it, the golden holds what the pass changed (a unified diff), or one line where
    it changed nothing (as ``SRCAD_DEBUG_PASSES`` prints it); for an analysis (``facts``), the lines
    it annotated: never a second copy of a program."""
    first = fn.__code__.co_firstlineno
    text = render(snapshot, first_line=first)
    if facts:  # an analysis: the statements it annotated, with what it found
        earlier = render(before, first_line=first).splitlines(keepends=True)
        found = [line for line, old in zip(text.splitlines(keepends=True), earlier) if line != old]
        text = "".join(found) or f"# nothing found: the program as {before.step.label} left it\n"
    elif before is not None:
        earlier = render(before, first_line=first)
        if earlier == text:
            text = f"# unchanged: the program as {before.step.label} left it\n"
        else:  # what the pass changed, not a second copy of the program
            text = "".join(difflib.unified_diff(earlier.splitlines(keepends=True),
                                                text.splitlines(keepends=True),
                                                before.step.label, snapshot.step.label, n=1))
    path = GOLDEN / step / f"{fn.__module__}.{fn.__name__}.py"
    if os.environ.get("SRCAD_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return
    assert path.exists(), f"no golden file {path}: run with SRCAD_UPDATE_GOLDEN=1 to write it"
    assert text == path.read_text(), f"{step} of {fn.__name__} differs from {path}"


def back_analyses(fn, wrt) -> dict:
    """``{Pass: Snapshot}`` of ``fn`` itself after passes 8 to 11 (alias, shapes, reverse, in
    place) of reverse mode (``pipeline.derive``)."""
    seen = {}

    def keep(snapshot):  # fn is analysed first; its callees are derived during its pass 10
        if snapshot.step in (Pass.ALIAS, Pass.SHAPES):
            seen.setdefault(snapshot.step, snapshot)
        else:
            seen[snapshot.step] = snapshot  # fn's own function comes last

    with listening(keep):
        pipeline.derive(pipeline.Program(), fn, list(wrt), name=f"grad_{fn.__name__}")
    return seen
