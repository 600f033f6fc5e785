"""Pass 10, reverse: the gradient function, forward sweep then backward sweep."""

import inspect

import pytest

from srcad.errors import SrcadError

from .support import GOLDEN_SET, check_golden, golden_ids, reverse_snapshot, whole_corpus


@pytest.mark.parametrize("fn, wrt", GOLDEN_SET, ids=golden_ids())
def test_golden(fn, wrt):
    check_golden("reverse", fn, reverse_snapshot(fn, wrt))


def test_the_gradient_function_takes_the_functions_parameters():
    checked = 0
    for fn in whole_corpus():
        params = inspect.signature(fn).parameters.values()
        if any(p.kind is not p.POSITIONAL_OR_KEYWORD for p in params):
            continue  # *args is specialized on the call: tested with the calls
        try:
            function = reverse_snapshot(fn, [next(iter(params)).name]).program
        except SrcadError:  # needs the functions a parameter holds: tested with the calls
            continue
        assert [a.id for a in function.args.args] == [p.name for p in params], fn.__name__
        checked += 1
    assert checked > len(whole_corpus()) // 2
