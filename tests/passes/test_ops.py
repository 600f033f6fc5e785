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
    check_golden("ops", fn, front_half(fn, wrt)[Pass.OPS])


def test_every_simple_statement_has_an_op_of_a_known_kind():
    for fn in whole_corpus():
        front = front_half(fn, first_parameter(fn))["analysed"]
        simple = list(simple_statements(front.normalized.tree.body))
        assert set(front.ops) == set(simple), fn.__name__
        for op in front.ops.values():
            assert op.kind.value in KINDS
            if op.kind is OpKind.UNKNOWN:
                assert op.reason, fn.__name__
