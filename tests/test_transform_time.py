"""Transformation work of recursive helpers (issue #15): a helper that calls itself twice (a
pairwise sum, a radix-2 FFT) took 30-100 s to transform, because pass 6 read what each call
returns by evaluating the callee's body again at every call of the call tree (two calls, four
rounds of a fixed point, six levels deep). It is now evaluated once per (function, kinds of the
arguments) per outermost evaluation, and derived once per (function, parameters, specialization).
These tests count that work, not the time it takes."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import srcad
import srcad.pipeline as pipeline
from srcad.passes import kind_eval
from gradcheck import check_grad, make_function
from rulecheck import check_hvp, check_jvp

BINARY = """
def pairwise(x):
    n = len(x)
    if n == 1:
        return x[0] ** 2 * w
    return pairwise(x[: n // 2]) + np.sin(pairwise(x[n // 2:]))

def f(x):
    return pairwise(x)
"""

TERNARY = """
def tree(x, depth):
    if depth == 0:
        return np.sum(np.tanh(x) * x)
    return tree(x * 0.9, depth - 1) + tree(x[::-1] * 0.8, depth - 1) - tree(x ** 2 * 0.1, depth - 1)

def f(x):
    return tree(x, 5)
"""


@dataclasses.dataclass
class Box:
    v: object


class _Counting:
    """Counts the derivations (reverse pairs, JVP functions) and kind evaluations made."""

    def __init__(self, monkeypatch):
        self.derive = self.forward = 0
        derive, forward = pipeline.derive, pipeline.derive_forward

        def counted_derive(*args, **kwargs):
            self.derive += 1
            return derive(*args, **kwargs)

        def counted_forward(*args, **kwargs):
            self.forward += 1
            return forward(*args, **kwargs)

        monkeypatch.setattr(pipeline, "derive", counted_derive)
        monkeypatch.setattr(pipeline, "derive_forward", counted_forward)
        self.start = kind_eval._memo.evaluations

    @property
    def evaluations(self):
        return kind_eval._memo.evaluations - self.start


def test_a_depth_5_binary_recursion_is_derived_and_evaluated_a_few_times(monkeypatch):
    f = make_function(BINARY, {"np": np, "w": 1.5}, name="f")
    x = np.linspace(0.3, 1.2, 32)  # 32 leaves: a call tree of depth 5
    count = _Counting(monkeypatch)
    srcad.grad(f)(x)
    assert count.derive == 2  # f, then one pair for pairwise (its recursive calls find it)
    # was 32766 evaluations of its body; pass 9 reads the callee once more (srcad/summaries.py)
    assert count.evaluations <= 12, count.evaluations
    count = _Counting(monkeypatch)
    srcad.jvp(f, (x,), (np.ones_like(x),))
    assert count.forward == 2 and count.evaluations <= 12, (count.forward, count.evaluations)


def test_a_three_way_recursion_is_evaluated_once_per_distinct_call(monkeypatch):
    f = make_function(TERNARY, {"np": np}, name="f")
    x = np.array([0.3, -0.5, 0.8])
    count = _Counting(monkeypatch)
    srcad.grad(f)(x)
    # one outermost evaluation per call site (f's, then tree's three), each of tree once or twice,
    # and the same again where pass 9 reads tree for f's call (srcad/summaries.py)
    assert count.derive == 2 and count.evaluations <= 20, (count.derive, count.evaluations)


@pytest.mark.parametrize("source, x", [(BINARY, np.linspace(0.3, 1.2, 8)),
                                       (TERNARY, np.array([0.3, -0.5, 0.8]))])
def test_recursive_helpers_differentiate_correctly_in_every_mode(source, x):
    f = make_function(source, {"np": np, "w": 1.5}, name="f")
    check_grad(f, (x.copy(),))
    check_jvp(f, (x.copy(),), [0])
    check_hvp(f, (x.copy(),), 0)


def test_mutual_recursion_returning_objects_is_still_resolved():
    """The evaluation of what a call returns still follows objects through recursion (a recursive
    call being evaluated reads as unknown; the base case decides)."""
    f = make_function("""
def build(x, n):
    if n == 0:
        return Box(x)
    return other(x * 0.5, n - 1)

def other(x, n):
    return build(np.sin(x), n)

def f(x):
    return np.sum(build(x, 3).v ** 2)
""", {"np": np, "Box": Box}, name="f")
    x = np.array([0.4, -1.1])
    check_grad(f, (x.copy(),))
    check_jvp(f, (x.copy(),), [0])
    check_hvp(f, (x.copy(),), 0)


def test_the_garbage_collector_is_paused_only_during_a_transformation():
    import gc

    def f(x):
        return np.sum(np.sin(x) ** 2)

    bad = make_function("""
def bad(x):
    yield x
""")

    assert gc.isenabled()
    srcad.grad(f)(np.ones(3))
    assert gc.isenabled()
    with pytest.raises(srcad.SrcadError):  # (refused while transforming)
        srcad.grad(bad)(np.ones(3))
    assert gc.isenabled()
    gc.disable()
    try:
        srcad.grad(lambda x: np.sum(x * 2.0))(np.ones(2))
        assert not gc.isenabled()  # (the user's choice kept)
    finally:
        gc.enable()
