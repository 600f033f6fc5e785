"""Pass 10, reverse: the gradient function, forward sweep then backward sweep."""

import inspect

import pytest

from .support import GOLDEN_SET, check_golden, golden_ids, reverse_snapshot, whole_corpus


@pytest.mark.parametrize("fn, wrt", GOLDEN_SET, ids=golden_ids())
def test_golden(fn, wrt):
    check_golden("reverse", fn, reverse_snapshot(fn, wrt))


def test_the_gradient_function_takes_the_functions_parameters():
    for fn in whole_corpus():
        params = list(inspect.signature(fn).parameters)
        try:
            snapshot = reverse_snapshot(fn, params[:1])
        except Exception:  # noqa: BLE001 -- a function grad rejects is tested elsewhere
            continue
        function = snapshot.program
        assert [a.id for a in function.args.args] == \
            [p for p in params if p not in (function.args.vararg and [function.args.vararg.id]
                                            or [])][:len(function.args.args)], fn.__name__
