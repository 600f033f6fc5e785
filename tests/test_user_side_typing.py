"""Types and packaging (issue #20): ``mypy --strict`` passes on srcad's public surface (the
``[tool.mypy]`` files of pyproject.toml) and on a script using every public function
(tests/typing_consumer.py), and catches a misuse; the package metadata is in one place. (The wheel
and sdist are built and checked with twine by .ci/run.)"""

import ast
import importlib.util
import os
import pathlib
import re
import subprocess
import sys
import textwrap

import pytest

import srcad

ROOT = pathlib.Path(__file__).parent.parent

needs_mypy = pytest.mark.skipif(importlib.util.find_spec("mypy") is None,
                                reason="mypy is not installed (pip install -e '.[test]')")


def mypy(*args):
    return subprocess.run([sys.executable, "-m", "mypy", f"--cache-dir={os.devnull}", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


@needs_mypy
def test_mypy_strict_passes_on_the_public_surface():
    result = mypy()  # (pyproject.toml: strict, files = srcad/__init__.py, srcad/api)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Success: no issues found")


@needs_mypy
def test_mypy_strict_passes_on_a_script_using_every_public_function():
    source = (ROOT / "tests" / "typing_consumer.py").read_text()
    called = set(re.findall(r"srcad\.(\w+)", source))
    assert set(srcad.__all__) <= called, set(srcad.__all__) - called
    result = mypy("tests/typing_consumer.py")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_typing_consumer_runs():
    result = subprocess.run([sys.executable, "tests/typing_consumer.py"], cwd=ROOT, timeout=300,
                            capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr


@needs_mypy
def test_mypy_catches_misuse_of_the_api(tmp_path):
    bad = tmp_path / "bad_consumer.py"
    bad.write_text(textwrap.dedent("""
        import numpy as np
        import srcad

        def loss(w: np.ndarray, x: np.ndarray) -> float:
            return float(np.sum(w * x))

        srcad.grad(loss)(np.ones(3))
        srcad.grad(loss, options=None)
        out, fn = srcad.vjp(loss, np.ones(3), np.ones(3), has_aux=True)
        text: int = srcad.source(srcad.grad(loss))
        """))
    result = mypy("--strict", str(bad))
    assert result.returncode == 1
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    lines = {int(line.split(":")[1]) for line in errors}
    assert lines == {8, 9, 10, 11}, result.stdout


def test_version_license_and_typed_marker_are_declared_once():
    text = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'^dynamic = \["version"\]', text, re.M)
    assert 'version = { attr = "srcad.__version__" }' in text
    assert not re.search(r'^version = "', text, re.M)  # (not written a second time)
    assert re.search(r'^license = "Apache-2.0"$', text, re.M)  # an SPDX expression
    assert (ROOT / "LICENSE").read_text().lstrip().startswith("Apache License")
    assert 'srcad = ["py.typed", "*.pyi"]' in text
    assert re.fullmatch(r"\d+\.\d+\.\d+", srcad.__version__)
    versions = re.findall(r"^## \[?(\d+\.\d+\.\d+)", (ROOT / "CHANGELOG.md").read_text(), re.M)
    assert versions and versions[0] == srcad.__version__
    tree = ast.parse((ROOT / "srcad" / "__init__.py").read_text())
    assigned = [n for n in tree.body if isinstance(n, ast.Assign)
                and any(getattr(t, "id", None) == "__version__" for t in n.targets)]
    assert len(assigned) == 1
    for extra in ("mypy", "build", "twine"):  # bounded, in the test extra
        assert re.search(rf'"{extra}>=[\d.]+,<[\d.]+"', text), extra


def test_ci_builds_and_checks_the_distributions():
    run = (ROOT / ".ci" / "run").read_text()
    assert "python -m build" in run and "twine check --strict" in run
    assert "py.typed" in run
