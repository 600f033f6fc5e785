"""The command line (issue #20): ``show --no-import`` reads a file without running its top-level
code; ``check`` runs check_grads at arguments given on the command line."""

import os
import pathlib
import subprocess
import sys
import textwrap

import pytest

ROOT = pathlib.Path(__file__).parent.parent

USER_FILE = textwrap.dedent("""
    import numpy as np
    import srcad

    SCALE = 3.0
    open({marker!r}, "w").write("top-level code ran")

    def f(x, y):
        return np.sum(np.sin(x) * y)

    def g(x):
        return SCALE * np.sum(x ** 2)

    @srcad.custom_vjp
    def decorated(x):
        return np.sum(np.exp(x))

    def wrong(x):
        return x * x

    srcad.defvjp(wrong, lambda g, ans, x: (3 * g * x,))

    def uses_wrong(x):
        return np.sum(wrong(x))
    """)


def run_cli(*args):
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "srcad", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env=environment)


@pytest.fixture
def user_file(tmp_path):
    marker = tmp_path / "ran.txt"
    path = tmp_path / "userfile.py"
    path.write_text(USER_FILE.format(marker=str(marker)))
    return path, marker


def test_show_no_import_runs_no_top_level_code_and_shows_the_same_code(user_file):
    path, marker = user_file
    quiet = run_cli("show", f"{path}:f", "--no-import", "--wrt", "x,y")
    assert quiet.returncode == 0, quiet.stderr
    assert not marker.exists()  # the file's own code did not run
    imported = run_cli("show", f"{path}:f", "--wrt", "x,y")
    assert imported.returncode == 0, imported.stderr
    assert marker.exists()  # (importing runs it: documented)
    assert quiet.stdout == imported.stdout
    assert "def grad_f(x, y):" in quiet.stdout
    forward = run_cli("show", f"{path}:f", "--no-import", "--mode", "forward")
    assert forward.returncode == 0 and "def jvp_f(" in forward.stdout, forward.stderr


def test_show_no_import_refuses_what_needs_the_file_globals(user_file):
    path, marker = user_file
    result = run_cli("show", f"{path}:g", "--no-import")
    assert result.returncode == 1
    assert "name 'SCALE' is not defined" in result.stderr
    assert "run without --no-import" in result.stderr
    assert not marker.exists()
    missing = run_cli("show", f"{path}:nothing", "--no-import")
    assert missing.returncode == 1 and "no top-level def 'nothing'" in missing.stderr
    module = run_cli("show", "json:dumps", "--no-import")
    assert module.returncode == 1 and "--no-import reads a file" in module.stderr
    method = run_cli("show", f"{path}:A.f", "--no-import")
    assert method.returncode == 1 and "top-level functions only" in method.stderr


def test_show_no_import_drops_decorators(user_file):
    path, marker = user_file
    result = run_cli("show", f"{path}:decorated", "--no-import")
    assert result.returncode == 0, result.stderr
    assert "def grad_decorated(x):" in result.stdout and "np.exp(x)" in result.stdout
    assert not marker.exists()


def test_check_agrees_and_says_what_it_checked(user_file):
    path, _ = user_file
    result = run_cli("check", f"{path}:f", "--args", "np.linspace(0.1, 0.9, 4), 2.0",
                     "--fwd", "--order", "2")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: the derivatives of f at these arguments agree")
    assert "forward mode" in result.stdout and "Hessian-vector products" in result.stdout
    by_name = run_cli("check", f"{path}:f", "--no-import", "--wrt", "y",
                      "--args", "np.ones(3), 2.0")
    assert by_name.returncode == 0, by_name.stderr


def test_check_reports_a_wrong_gradient_with_its_line(user_file):
    path, _ = user_file
    result = run_cli("check", f"{path}:uses_wrong", "--args", "np.array([0.3, 0.7])")
    assert result.returncode == 1
    assert "disagrees with finite differences" in result.stderr
    assert "return np.sum(wrong(x))" in result.stderr  # the line whose rule is wrong


@pytest.mark.parametrize("args, message", [
    (["--args", "np.ones(3"], "cannot evaluate --args"),
    (["--args", "undefined_name"], "NameError"),
])
def test_check_bad_arguments(user_file, args, message):
    path, _ = user_file
    result = run_cli("check", f"{path}:f", *args)
    assert result.returncode == 1 and message in result.stderr, result.stderr


def test_help_says_the_file_is_run():
    result = run_cli("--help")
    assert "runs FILE.py's top-level code" in " ".join(result.stdout.split())
    show = run_cli("show", "--help")
    assert "--no-import" in show.stdout
    check = run_cli("check", "--help")
    assert "--args" in check.stdout and "np.ones(3), 2.0" in " ".join(check.stdout.split())
    assert run_cli("check", "examples/textbook.py:f").returncode == 2  # --args is required
