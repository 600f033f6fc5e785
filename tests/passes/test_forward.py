"""Pass 10, forward: the JVP function, a tangent for each value along the way."""

import pytest

from .support import GOLDEN_SET, check_golden, forward_snapshot, golden_ids


@pytest.mark.parametrize("fn, wrt", GOLDEN_SET, ids=golden_ids())
def test_golden(fn, wrt):
    check_golden("forward", fn, forward_snapshot(fn, wrt))


def test_tangent_parameters_are_keyword_only_one_per_parameter_asked_for():
    for fn, wrt in GOLDEN_SET:
        function = forward_snapshot(fn, wrt).program
        assert [a.id for a in function.args.kwonlyargs] == [f"{p}_dot" for p in wrt]
