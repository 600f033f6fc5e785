import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

if "SRCAD_CACHE_DIR" not in os.environ:  # (jit=True's disk cache: one new folder per process,
    import tempfile                        # never the user's own)
    os.environ["SRCAD_CACHE_DIR"] = tempfile.mkdtemp(prefix="srcad-test-cache-")


import pytest  # noqa: E402


@pytest.fixture
def restore_rules():
    """The rule table as it was, after a test that registers rules of its own (and the lazy
    registrations still to come: a library's rules registered during the test are taken out
    with the rest, so they must be registered again when next met). The rules of runtime helpers
    registered during the test (a library's helpers, imported by its lazy registration, which
    import only once) are made again: a helper stays registered."""
    from srcad import rules
    from srcad.rules import registry
    from srcad.runtime import _registry

    saved = dict(rules.RULES)
    saved_overloads = {fn: list(rs) for fn, rs in rules.OVERLOADS.items()}
    saved_lazy = dict(registry.LAZY)
    yield
    rules.RULES.clear()
    rules.RULES.update(saved)
    rules.OVERLOADS.clear()
    rules.OVERLOADS.update(saved_overloads)
    registry.LAZY.clear()
    registry.LAZY.update(saved_lazy)
    for fn, derivative in list(_registry.DERIVATIVES.items()):
        if rules.lookup(fn) is None:
            for listener in _registry._LISTENERS:
                listener(fn, derivative)


@pytest.fixture
def new_primitive(restore_rules, monkeypatch):
    """``(np.fmod, its rule)``: a primitive taken out of the table (srcad's own rule for it) and
    added again with ONE entry, as docs/rules.md says a primitive is added. The table is restored afterwards. The reverse, forward,
    Hessian-vector and docs-table tests take it (tests/rulecheck.py has the checks); the fixture
    gives the checks its domain itself (rulecheck.DOMAIN, for the test's duration)."""
    import numpy as np

    import rulecheck
    from srcad import rules

    monkeypatch.setitem(rulecheck.DOMAIN, np.fmod, (2.1, 2.9))  # fmod(x, y): y away from 0
    del rules.RULES[np.fmod]  # (srcad's own rule, srcad/rules/numpy_more.py; restored afterwards)
    assert rules.lookup(np.fmod) is None
    rule = rules.defrule(np.fmod, "x, y", x="unbroadcast(g, x)",
                         y="unbroadcast(-g * np.trunc(x / y), y)", elementwise=True)
    yield np.fmod, rule
