"""Pass 12, emit: the generated functions -> one commented source text.

What emit adds is the header: below it, the text is the program pass 11 (or 10) left, as the
printer shows it (checked, not stored twice). The golden files hold the header."""

import ast
import dataclasses

import pytest

from srcad.printer import Pass, render

from .support import GOLDEN_SET, back_analyses, back_half, check_golden, golden_ids

# functions that call none of their module's others: the text shows only their own lines
EMITTED = GOLDEN_SET[:5]


@pytest.mark.parametrize("fn, wrt", EMITTED, ids=golden_ids()[:5])
def test_golden(fn, wrt):
    emitted = back_half(fn, wrt)[Pass.EMIT]
    lines = emitted.program.splitlines(keepends=True)
    first_def = next(k for k, line in enumerate(lines) if line.startswith("def "))
    before = back_analyses(fn, wrt)
    last = before.get(Pass.INPLACE) or before[Pass.REVERSE]
    assert "".join(lines[first_def:]) == render(last)  # the functions as pass 11 left them
    check_golden("emit", fn, dataclasses.replace(emitted, program="".join(lines[:first_def])))


def test_the_text_parses_back_and_is_the_same_every_time():
    for fn, wrt in GOLDEN_SET:
        text = back_half(fn, wrt)[Pass.EMIT].program
        assert text == back_half(fn, wrt)[Pass.EMIT].program
        assert not text.startswith("def ")  # a header first: no def on line 1
        defs = [n for n in ast.parse(text).body if isinstance(n, ast.FunctionDef)]
        assert defs[0].name == f"grad_{fn.__name__}"
