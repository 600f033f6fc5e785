"""``xs[i] op= e`` on a list or dict whose item something else also holds (issue #14, class 1).

Python runs ``xs[i] += e`` as ``xs[i] = xs[i].__iadd__(e)``: where the item is an array (or a
list, a dict, a set) it changes in place, and every other holder sees the change -- a shallow copy
(``list(xs)``, ``xs[:]``, ``xs.copy()``, ``dict(d)``, a comprehension over ``xs``), a name bound to
the item, another entry of the same list. srcad writes ``xs[i] = xs[i] + e`` (a new value), so it
refuses, with an ``AliasingError`` at the line, whenever the item is held by a name read
afterwards or by another entry; where nothing else holds it, it differentiates (checked against
central differences, forward mode and Hessian-vector products). Before this check looked into
copies, ``ys = list(xs); ys[0] *= 2.0`` then reading ``xs[0]`` returned a wrong gradient.
"""

from __future__ import annotations

import numpy as np
import pytest

import srcad
from gradcheck import check_grad, make_function
from rulecheck import check_hvp, check_jvp

X = np.array([0.7, -1.3, 2.1])

SHARED = {
    "a list() copy": "ys = list(xs)\n    ys[0] *= 2.0\n    return np.sum(xs[0] ** 2)",
    "a slice copy": "ys = xs[:]\n    ys[0] += 2.0 * x\n    return np.sum(xs[0] ** 2)",
    "a .copy()": "ys = xs.copy()\n    ys[1] -= x\n    return np.sum(xs[1] ** 2)",
    "a comprehension": "ys = [v for v in xs]\n    ys[0] *= 2.0\n    return np.sum(xs[0] ** 2)",
    "a tuple made a list": "ys = list(tuple(xs))\n    ys[0] *= 2.0\n    return np.sum(xs[0] ** 2)",
    "a dict() copy": "d = {'a': xs[0]}\n    e = dict(d)\n    e['a'] *= 2.0\n"
                     "    return np.sum(d['a'] ** 2)",
    "another entry": "y = x * 1.0\n    zs = [y, y]\n    zs[0] *= 2.0\n    return np.sum(zs[1] ** 2)",
    "a name for the item": "a = xs[0]\n    xs[0] *= 2.0\n    return np.sum(a ** 2)",
    "a nested list": "ys = list(xs)\n    outer = [ys]\n    ys[0] *= 2.0\n"
                     "    return np.sum(outer[0][0] ** 2) + np.sum(xs[0])",
    "in a loop, kept in one iteration": "for t in range(3):\n        if t == 1:\n"
                                        "            keep = xs[0]\n        xs[0] += x\n"
                                        "    return np.sum(keep)",
}


def _function(body):
    return make_function(f"""
def f(x):
    xs = [x * 1.0, x * 3.0]
    {body}
""", {"np": np}, name="f")


@pytest.mark.parametrize("body", SHARED.values(), ids=SHARED.keys())
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_an_item_changed_in_place_that_another_holder_reads_is_refused(body, mode):
    f = _function(body)
    with pytest.raises(srcad.AliasingError) as info:
        if mode == "reverse":
            srcad.grad(f)(X.copy())
        else:
            srcad.jvp(f, (X.copy(),), (np.ones(3),))
    assert "op= e" in info.value.location.line or "op=" in str(info.value) or "+=" in \
        info.value.location.line or "=" in info.value.location.line
    assert info.value.location.lineno > 1


def test_a_list_argument_shared_by_its_caller_is_refused():
    f = make_function("""
def f(xs):
    ys = list(xs)
    ys[0] += 1.0
    return np.sum(xs[0] ** 2)
""", {"np": np}, name="f")
    with pytest.raises(srcad.AliasingError):
        srcad.grad(f)([X.copy(), X.copy()])


UNSHARED = {
    "a list's own items": "xs[0] += np.sin(xs[1])\n    xs[1] *= 2.0\n"
                          "    return np.sum(xs[0] * xs[1])",
    "in a loop": "for t in range(4):\n        xs[t % 2] += np.sin(xs[(t + 1) % 2])\n"
                 "    return np.sum(xs[0] * xs[1])",
    "a copy changed, the original not read": "ys = list(xs)\n    ys[0] *= 2.0\n"
                                              "    return np.sum(ys[0] * ys[1])",
    "a name for the item, not read afterwards": "a = xs[0]\n    s = np.sum(a)\n"
                                                 "    xs[0] *= 2.0\n    return s * np.sum(xs[0])",
    "a dict's entries": "d = {'a': xs[0], 'b': xs[1]}\n    d['a'] += d['b'] ** 2\n"
                        "    return np.sum(d['a'] * d['b'])",
    "numbers in a copy": "ys = [np.sum(x), np.sum(x ** 2)]\n    zs = list(ys)\n    zs[0] *= 3.0\n"
                         "    return ys[0] * zs[0] + zs[1]",
}


@pytest.mark.parametrize("body", UNSHARED.values(), ids=UNSHARED.keys())
def test_an_item_nothing_else_holds_is_differentiated(body):
    f = _function(body)
    check_grad(f, (X.copy(),))
    check_jvp(f, (X.copy(),), [0])
    check_hvp(f, (X.copy(),), 0)


def test_an_array_written_by_index_gets_no_check():
    """The check runs only where a name may hold a container: not for an array NumPy made."""
    f = make_function("""
def f(x):
    y = np.zeros(3)
    for i in range(3):
        y[i] += x[i] ** 2
    return np.sum(y)
""", {"np": np}, name="f")
    assert "check_item_not_array" not in srcad.source(srcad.grad(f))
    check_grad(f, (X.copy(),))


def test_a_global_list_holding_the_item_is_compared_too():
    namespace = {"np": np, "G": [np.array([1.0, 2.0, 3.0])]}
    f = make_function("""
def f(x):
    ys = list(G)
    ys[0] += x
    return np.sum(G[0] * x)
""", namespace, name="f")
    with pytest.raises(srcad.AliasingError):
        srcad.grad(f)(X.copy())
    np.testing.assert_array_equal(namespace["G"][0], [1.0, 2.0, 3.0])
