"""Control flow and stored intermediates (the tape), checked against finite differences."""

import numpy as np
import pytest

import corpus_control
import srcad
from corpus_control import CASES
from gradcheck import check_grad


@pytest.mark.parametrize("fn, makers, argnums", CASES,
                         ids=[f"{c[0].__name__}-{k}" for k, c in enumerate(CASES)])
def test_corpus(fn, makers, argnums):
    for seed in range(3):
        rng = np.random.default_rng(seed)
        args = [make(rng) for make in makers]
        before = [np.copy(a) for a in args]
        check_grad(fn, args, argnums, rtol=1e-5, atol=1e-6)
        for a, b in zip(args, before):  # the derivative never modifies its arguments
            np.testing.assert_array_equal(a, b)


def test_corpus_has_forty_functions():
    assert len({c[0] for c in CASES}) >= 40
