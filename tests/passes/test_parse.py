"""Pass 1, parse: the function's source -> a gast tree, as written."""

import gast
import pytest

from srcad.passes.parse import parse
from srcad.printer import Pass

from .support import GOLDEN_SET, check_golden, front_half, golden_ids, whole_corpus


@pytest.mark.parametrize("fn, wrt", GOLDEN_SET, ids=golden_ids())
def test_golden(fn, wrt):
    check_golden("parse", fn, front_half(fn, wrt)[Pass.PARSE])


def test_every_corpus_function_parses_to_its_own_def():
    for fn in whole_corpus():
        parsed = parse(fn)
        assert isinstance(parsed.tree, gast.FunctionDef)
        assert parsed.tree.name == fn.__name__ or not fn.__name__.isidentifier()  # a lambda
        assert parsed.tree.lineno == fn.__code__.co_firstlineno  # the user's own line numbers
