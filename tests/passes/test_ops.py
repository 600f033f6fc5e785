"""Pass 6, ops: every simple statement of the A-normal form is classified."""

import pytest

from srcad.passes.ops import OpKind
from srcad.passes.syntax import simple_statements
from srcad.printer import Pass

from .support import GOLDEN_SET, check_golden, first_parameter, front_half, golden_ids, \
    whole_corpus

KINDS = {"rule", "unpack", "setitem", "call", "append", "pop", "unknown", "effect"}


@pytest.mark.parametrize("fn, wrt", GOLDEN_SET, ids=golden_ids())
def test_golden(fn, wrt):
    snapshots = front_half(fn, wrt)
    check_golden("ops", fn, snapshots[Pass.OPS], before=snapshots[Pass.ANF],
                 facts=True)


def test_every_simple_statement_has_an_op_of_a_known_kind():
    for fn in whole_corpus():
        front = front_half(fn, first_parameter(fn))["analysed"]
        simple = list(simple_statements(front.normalized.tree.body))
        assert set(front.ops) == set(simple), fn.__name__
        for op in front.ops.values():
            assert op.kind.value in KINDS
            if op.kind is OpKind.UNKNOWN:
                assert op.reason, fn.__name__


def test_extra_positional_arguments_are_operands_with_positions_as_values():
    import corpus_calls

    from srcad.passes.parse import ExtraArgument, Specialization

    front = front_half(corpus_calls.uses_total, ["x"])["analysed"]
    calls = [op for op in front.ops.values() if op.kind is OpKind.CALL]
    assert [op.static for op in calls] == [Specialization((), 3), Specialization((), 1)]
    first = [operand.param for operand, _ in calls[0].diff_operands()]
    assert first == [ExtraArgument(0), ExtraArgument(1), ExtraArgument(2)]
    assert str(first[2]) == "*2"
