"""Pass 13, load: the text -> compiled functions, their lines visible to tracebacks."""

import linecache

import pytest

from srcad import pipeline
from srcad.printer import Pass

from .support import GOLDEN_SET, back_half, check_golden, golden_ids

LOADED = GOLDEN_SET[:3] + GOLDEN_SET[-2:]


@pytest.mark.parametrize("fn, wrt", LOADED, ids=golden_ids()[:3] + golden_ids()[-2:])
def test_golden(fn, wrt):
    check_golden("load", fn, back_half(fn, wrt)[Pass.LOAD])


def test_loaded_functions_show_the_generated_text():
    for fn, wrt in GOLDEN_SET:
        argnums = tuple(list(fn.__code__.co_varnames).index(p) for p in wrt)
        t = pipeline.transform(fn, argnums, False)
        assert t.function.__name__ == t.main
        assert "".join(linecache.getlines(t.filename)) == t.source
        assert {entry.name for entry in t.entries} <= set(t.files)
