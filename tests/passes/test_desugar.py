"""Pass 4, desugar: augmented and annotated assignments, docstrings and ``pass`` rewritten away."""

import gast
import pytest

from srcad.passes.parse import own_nodes
from srcad.printer import Pass

from .support import GOLDEN_SET, check_golden, first_parameter, front_half, golden_ids, \
    whole_corpus


@pytest.mark.parametrize("fn, wrt", GOLDEN_SET, ids=golden_ids())
def test_golden(fn, wrt):
    snapshots = front_half(fn, wrt)
    check_golden("desugar", fn, snapshots[Pass.DESUGAR], before=snapshots[Pass.LOWER])


def test_no_augmented_or_annotated_assignment_and_no_pass_remains():
    for fn in whole_corpus():
        snapshot = front_half(fn, first_parameter(fn))[Pass.DESUGAR]
        tree = snapshot.program
        for node in own_nodes(tree):
            assert not isinstance(node, (gast.AugAssign, gast.AnnAssign, gast.Pass)), \
                f"{fn.__name__}: {gast.unparse(node)}"
