"""Pass 5, anf: A-normal form, one operation per statement on atoms."""

import gast
import pytest

from srcad.passes.parse import own_nodes
from srcad.printer import Pass

from .support import GOLDEN_SET, check_golden, first_parameter, front_half, golden_ids, \
    whole_corpus


@pytest.mark.parametrize("fn, wrt", GOLDEN_SET, ids=golden_ids())
def test_golden(fn, wrt):
    check_golden("anf", fn, front_half(fn, wrt)[Pass.ANF])


def _is_atom(node, local_names) -> bool:
    """A local name, a constant, or an expression with no local name and no call in it."""
    if isinstance(node, (gast.Name, gast.Constant)):
        return True
    inside = list(gast.walk(node))
    return not any(isinstance(n, gast.Call) for n in inside) and not any(
        isinstance(n, gast.Name) and n.id in local_names for n in inside)


def test_every_call_takes_atoms_and_the_function_returns_a_name():
    for fn in whole_corpus():
        front = front_half(fn, first_parameter(fn))["analysed"]
        tree, local_names = front.normalized.tree, front.normalized.locals
        last = tree.body[-1]
        assert isinstance(last, gast.Return) and isinstance(last.value, gast.Name), fn.__name__
        for node in own_nodes(tree):  # a nested def's body is normalized when it is called
            if isinstance(node, gast.Call):
                operands = list(node.args) + [kw.value for kw in node.keywords]
                assert all(_is_atom(a, local_names) for a in operands), \
                    f"{fn.__name__}: {gast.unparse(node)}"
