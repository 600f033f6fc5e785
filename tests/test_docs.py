"""The documentation says what the code does."""

import os
import pathlib
import subprocess
import sys

from srcad import rules

ROOT = pathlib.Path(__file__).parent.parent


def test_rules_doc_is_generated_from_the_table():
    """Set SRCAD_UPDATE_DOCS=1 to regenerate the table after changing the rules."""
    path = ROOT / "docs" / "rules.md"
    doc = path.read_text()
    begin, end = "<!-- rules table: begin -->\n", "<!-- rules table: end -->"
    embedded = doc[doc.index(begin) + len(begin):doc.index(end)]
    if os.environ.get("SRCAD_UPDATE_DOCS"):
        path.write_text(doc.replace(embedded, rules.coverage_markdown()))
        embedded = rules.coverage_markdown()
    assert embedded == rules.coverage_markdown(), "regenerate docs/rules.md from the rule table"


def test_textbook_example_runs():
    out = subprocess.run([sys.executable, str(ROOT / "examples" / "textbook.py")], cwd=ROOT,
                         capture_output=True, text=True, check=True, timeout=120).stdout
    assert "(-4.0, -4.0, 3.0)" in out
    assert "(-8.0, 6.0, 2.0, 0.0)" in out
    assert "def grad_logistic_loss(w, X, y):" in out


def test_custom_gradient_example_runs():
    out = subprocess.run([sys.executable, str(ROOT / "examples" / "custom_gradient.py")], cwd=ROOT,
                         capture_output=True, text=True, check=True, timeout=120).stdout
    assert "digamma(4.5) = 1.388871" in out and "at a=4.5: 1.388871" in out
    assert "nan" not in out.split("straight-through")[0]
    assert "call_vjp(softplus_vjp" in out


def test_a_new_rule_appears_in_the_table_with_its_derived_jvp(new_primitive):
    fn, rule = new_primitive
    # (its modes from its templates: every helper they call has a forward-mode rule; np.fmod has
    # no complex loop in NumPy)
    row = ("| `numpy.fmod` | x, y | yes | yes | yes | real only | `x`: `unbroadcast(g, x)`<br>`y`: "
           "`unbroadcast(-g * np.trunc(x / y), y)` | `x`: `t`<br>`y`: `-t * np.trunc(x / y)` |")
    assert row in rules.coverage_markdown().splitlines()


def test_the_package_ships_every_subpackage():
    """pyproject's package list must take every folder of srcad/ (a wheel without srcad.passes
    would install and then fail at import)."""
    import fnmatch
    import re

    text = (ROOT / "pyproject.toml").read_text()
    include = re.search(r"\[tool\.setuptools\.packages\.find\]\s*include = \[(.*?)\]", text, re.S)
    patterns = re.findall(r'"([^"]+)"', include.group(1))
    packages = [".".join(p.relative_to(ROOT).parent.parts) for p in (ROOT / "srcad").rglob("__init__.py")]
    assert len(packages) >= 6
    for package in packages:
        assert any(fnmatch.fnmatchcase(package, pattern) for pattern in patterns), package
