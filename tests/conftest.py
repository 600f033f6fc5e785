import os
import sys

sys.path.insert(0, os.path.dirname(__file__))


import pytest  # noqa: E402


@pytest.fixture
def restore_rules():
    """The rule table as it was, after a test that registers rules of its own."""
    from srcad import rules

    saved = dict(rules.RULES)
    yield
    rules.RULES.clear()
    rules.RULES.update(saved)
