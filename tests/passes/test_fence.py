"""Pass 2, fence: what srcad cannot differentiate is rejected; the rest passes unchanged."""

import gast
import pytest

from srcad.passes.fence import fence
from srcad.passes.parse import parse
from srcad.printer import Pass

from .support import GOLDEN_SET, check_golden, front_half, golden_ids, whole_corpus


@pytest.mark.parametrize("fn, wrt", GOLDEN_SET, ids=golden_ids())
def test_golden(fn, wrt):
    snapshots = front_half(fn, wrt)
    check_golden("fence", fn, snapshots[Pass.FENCE], before=snapshots[Pass.PARSE])


def test_the_corpus_passes_the_fence_unchanged():
    for fn in whole_corpus():
        parsed = parse(fn)
        before = gast.dump(parsed.tree)
        fence(parsed)
        assert gast.dump(parsed.tree) == before
