"""``jit=True`` over the rule table: each elementwise primitive (every third entry, to keep CI's
time), on Python floats and on arrays of the broadcasting shapes the rule tests sample, compiled
against the uncompiled gradient (which tests/test_rules*.py check against finite differences):
the same numbers to rounding, or a located ``JitError``."""

import warnings

import numpy as np
import pytest

import srcad
from rulecheck import (_scalar_function, _weighted_array_cases, differentiable_entries,
                       entry_id, is_python_scalar_only, sample)
from test_jit import flat

import numba  # noqa: F401  (the test extra installs it: a missing numba fails here, never skips)

ENTRIES = sorted(differentiable_entries(), key=lambda e: entry_id(*e))[::3]


def agrees_or_refused(f, args):
    argnums = tuple(range(len(args)))
    expected = srcad.grad(f, argnums)(*args)
    try:
        got = srcad.grad(f, argnums, jit=True)(*args)
    except srcad.JitError as exc:
        assert exc.message.startswith("jit"), exc
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", srcad.JitWarning)
            auto = srcad.grad(f, argnums, jit="auto")(*args)
        np.testing.assert_array_equal(flat(auto), flat(expected))
        return False
    np.testing.assert_allclose(flat(got), flat(expected), rtol=1e-9, atol=1e-12)
    return True


@pytest.mark.parametrize("fn, rule", ENTRIES, ids=[entry_id(*e) for e in ENTRIES])
def test_each_rule_compiled_agrees_or_is_refused(fn, rule):
    names, f = _scalar_function(fn, rule)
    rng = np.random.default_rng(3)
    agrees_or_refused(f, [sample(fn, (), rng) for _ in names])
    if not is_python_scalar_only(fn):
        for g, args in _weighted_array_cases(fn, rule, 4):
            agrees_or_refused(g, args)


def test_most_rules_compile():
    """A regression guard: the share of the sampled entries whose scalar case compiles."""
    count = 0
    for fn, rule in ENTRIES:
        names, f = _scalar_function(fn, rule)
        rng = np.random.default_rng(3)
        args = [sample(fn, (), rng) for _ in names]
        try:
            srcad.grad(f, tuple(range(len(names))), jit=True)(*args)
            count += 1
        except srcad.JitError:
            pass
    assert count >= 0.7 * len(ENTRIES), (count, len(ENTRIES))  # (22 of 29 when written)
