"""Pass 12, emit: the generated functions -> one commented source text."""

import ast

import pytest

from srcad.printer import Pass

from .support import GOLDEN_SET, back_half, check_golden, golden_ids

# functions that call none of their module's others: the text shows only their own lines
EMITTED = GOLDEN_SET[:5]


@pytest.mark.parametrize("fn, wrt", EMITTED, ids=golden_ids()[:5])
def test_golden(fn, wrt):
    check_golden("emit", fn, back_half(fn, wrt)[Pass.EMIT])


def test_the_text_parses_back_and_is_the_same_every_time():
    for fn, wrt in GOLDEN_SET:
        text = back_half(fn, wrt)[Pass.EMIT].program
        assert text == back_half(fn, wrt)[Pass.EMIT].program
        assert not text.startswith("def ")  # a header first: no def on line 1
        defs = [n for n in ast.parse(text).body if isinstance(n, ast.FunctionDef)]
        assert defs[0].name == f"grad_{fn.__name__}"
