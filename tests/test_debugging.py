"""The debugging tools: the command line, check_grads, debug_nans, export, tracebacks."""

import importlib.util
import os
import pathlib
import subprocess
import sys
import traceback

import numpy as np
import pytest

import corpus
import corpus_debug as cd
import srcad

ROOT = pathlib.Path(__file__).parent.parent


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "srcad", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)


def test_cli_shows_the_derivative_plain_when_piped():
    result = run_cli("show", "examples/textbook.py:f", "--wrt", "x,z")
    assert result.returncode == 0, result.stderr
    assert "def grad_f(x, y, z):" in result.stdout
    assert "with respect to x, z" in result.stdout
    assert "\033[" not in result.stdout


def test_cli_module_target_argnums_color_and_raw():
    env = dict(os.environ, PYTHONPATH=str(ROOT / "tests"))
    result = subprocess.run([sys.executable, "-m", "srcad", "show", "corpus:logistic_loss",
                             "--argnums", "0", "--color", "always", "--raw"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "\033[1;34mdef\033[0m" in result.stdout
    assert "unbroadcast(" in result.stdout
    raw = srcad.source(srcad.grad(corpus.textbook_max, argnums=(0, 1), optimize=False))
    assert "unbroadcast(2 * dout, total)" in raw  # the template as written, not simplified away


@pytest.mark.parametrize("args, message", [
    (["show", "examples/missing.py:f"], "no such file: examples/missing.py"),
    (["show", "examples/textbook.py:nope"], "no function 'nope' in examples/textbook.py"),
    (["show", "examples/textbook.py"], "FILE.py:NAME"),
    (["show", "examples/textbook.py:f", "--wrt", "q"], "no parameter 'q'"),
    (["show", "tests/corpus_errors.py:uses_interp", "--mode", "forward"],
     "no gradient rule for 'np.interp'"),
    (["show", "tests/corpus_errors.py:uses_interp"], "no gradient rule for 'np.interp'"),
])
def test_cli_errors(args, message):
    result = run_cli(*args)
    assert result.returncode != 0
    assert message in result.stderr


def test_cli_shows_forward_mode():
    result = run_cli("show", "examples/textbook.py:f", "--mode", "forward", "--wrt", "x,z")
    assert result.returncode == 0, result.stderr
    assert "def jvp_f(x, y, z, *, x_dot, z_dot):" in result.stdout
    assert "q_dot = broadcast_tangent(x_dot, q)" in result.stdout


def test_cli_help():
    result = run_cli("show", "--help")
    assert result.returncode == 0
    assert "--wrt" in result.stdout and "--raw" in result.stdout and "--mode" in result.stdout


def test_check_grads_passes_a_right_gradient():
    rng = np.random.default_rng(0)
    grads = srcad.check_grads(cd.right_loss, [rng.normal(size=(3, 2)), rng.normal(size=2)])
    assert len(grads) == 2


def test_check_grads_names_the_wrong_line_even_inside_a_called_function():
    rng = np.random.default_rng(0)
    with pytest.raises(srcad.GradientCheckError) as info:
        srcad.check_grads(cd.wrong_loss, [rng.normal(size=(3, 2)), rng.normal(size=2)])
    text = str(info.value)
    assert "disagrees with finite differences" in text
    assert "corpus_debug.py:20: return softplus(h)" in text  # the line with the wrong custom VJP
    assert "the gradient rule of softplus for 'h'" in text


def test_check_grads_options():
    with pytest.raises(srcad.SrcadError, match="order must be 1 or 2"):
        srcad.check_grads(cd.right_loss, [np.ones((2, 2)), np.ones(2)], order=3)
    with pytest.raises(srcad.SrcadError, match="modes"):
        srcad.check_grads(cd.right_loss, [np.ones((2, 2)), np.ones(2)], modes=("fwd",))


def test_check_grads_forward_mode_and_second_order():
    rng = np.random.default_rng(0)
    args = [rng.normal(size=(3, 2)), rng.normal(size=2)]
    srcad.check_grads(cd.right_loss, args, order=2, modes=("rev", "fwd"))


def test_check_grads_second_order_catches_a_wrong_jvp_of_a_rule(monkeypatch):
    from srcad import rules
    rule = rules.RULES[np.tanh]
    monkeypatch.setitem(rule.tangents, "x", "t * (1 - ans ** 3)")  # a wrong JVP
    from gradcheck import make_function
    loss = make_function("""
        def loss(W, x):
            h = np.tanh(W @ x)
            return np.sum(h ** 2)
        """)  # a function of its own: derived functions are cached per function
    rng = np.random.default_rng(0)
    args = [rng.normal(size=(3, 2)), rng.normal(size=2)]
    srcad.check_grads(loss, args)  # first order is still right
    with pytest.raises(srcad.GradientCheckError, match="forward mode"):
        srcad.check_grads(loss, args, modes=("rev", "fwd"))


def test_debug_nans_names_the_line_and_the_values():
    x = np.array([1.0, 0.0, 4.0])
    with np.errstate(divide="ignore"):
        assert np.isinf(srcad.grad(cd.sqrt_loss)(x)[1])  # without the option: an inf, silently
        with pytest.raises(srcad.NonFiniteError) as info:
            srcad.grad(cd.sqrt_loss, debug_nans=True)(x)
    error = info.value
    assert error.location.lineno == 35
    assert "the gradient dx became inf" in str(error)
    assert "x = [1. 0. 4.]" in str(error)


def test_tracebacks_name_the_user_line():
    with pytest.raises(ValueError) as info:
        srcad.grad(cd.shape_error)(np.ones(3), np.ones((2, 4)))
    text = "".join(traceback.format_exception(info.value))
    assert "h = W @ x" in text           # the generated line, shown from linecache
    if sys.version_info >= (3, 11):
        assert "srcad: in the code generated for" in text and "corpus_debug.py:41" in text


def load_module(path):
    spec = importlib.util.spec_from_file_location("exported_module", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_export_writes_a_module_without_srcad_that_gives_the_same_numbers(tmp_path):
    import corpus_calls
    import corpus_control

    rng = np.random.default_rng(1)
    cases = [
        (corpus.mlp_loss, (0, 1), [rng.normal(size=(5, 6)), rng.normal(size=(6, 3)),
                                   rng.normal(size=(8, 5)), np.eye(3)[rng.integers(0, 3, 8)], 0.1]),
        (corpus_calls.mlp, (0, 1), [rng.normal(size=(3, 2)), rng.normal(size=(2, 3)),
                                    rng.normal(size=2)]),
        (corpus_control.rnn_rows, (0, 2), [rng.normal(size=(4, 4)) * 0.5, rng.normal(size=(5, 4)),
                                           rng.normal(size=4)]),
    ]
    for k, (fn, argnums, args) in enumerate(cases):
        derived = srcad.grad(fn, argnums=argnums)
        expected = derived(*args)
        path = tmp_path / f"exported_{k}.py"
        text = srcad.export(derived, str(path))
        imports = [line for line in text.splitlines() if line.startswith(("import ", "from "))]
        assert not any("srcad" in line for line in imports), imports
        assert "sha256" in text.splitlines()[1]
        module = load_module(path)
        value, grads = getattr(module, f"grad_{fn.__name__}")(*args)
        for a, b in zip(grads, expected):
            np.testing.assert_array_equal(a, b)


def test_jupyter_shows_the_source():
    derived = srcad.grad(corpus.textbook_sum_times)
    assert derived._repr_markdown_().startswith("```python\n# srcad: gradient of")


# -- the pipeline, seen pass by pass ----------------------------------------------------------------

TANH_LOSS = """
    def loss(W, x):
        h = np.tanh(W @ x)
        return np.sum(h ** 2)
    """


def test_debug_passes_prints_the_program_after_every_pass(monkeypatch, capsys):
    from gradcheck import make_function

    monkeypatch.setenv("SRCAD_DEBUG_PASSES", "1")
    loss = make_function(TANH_LOSS)  # a function of its own: transformations are cached
    srcad.grad(loss)(np.ones((2, 2)), np.ones(2))
    err = capsys.readouterr().err
    for label in ("1 parse", "2 fence", "3 lower", "5 normalize", "6 ops", "10 reverse", "12 emit",
                  "13 load"):
        assert f"---- after {label} (" in err, label
    assert "h = np.tanh(W_at_x)  # ops: rule numpy.tanh" in err
    assert "# loaded grad_loss(W, x)" in err


def test_debug_passes_annotates_activity(monkeypatch, capsys):
    from gradcheck import make_function

    from srcad import pipeline

    monkeypatch.setenv("SRCAD_DEBUG_PASSES", "1")
    pipeline.analyse(make_function(TANH_LOSS), ["x"])
    err = capsys.readouterr().err
    assert "---- after 7 activity (loss) ----" in err
    assert "h = np.tanh(W_at_x)  # active: W_at_x, h" in err


def test_pass_hooks_see_every_pass_of_their_own_thread_only():
    import threading

    from gradcheck import make_function
    from srcad.hooks import listening

    def transform(seen):
        with listening(lambda snapshot: seen.append(snapshot.step.value[1])):
            srcad.source(srcad.grad(make_function(TANH_LOSS)))

    mine, theirs = [], []
    other = threading.Thread(target=transform, args=(theirs,))
    other.start()
    transform(mine)
    other.join()
    steps = ["parse", "fence", "lower", "normalize", "ops", "reverse", "emit", "load"]
    assert mine == steps and theirs == steps  # each saw its own transformation, once


def test_check_grads_prepares_functions_through_the_pipeline():
    from srcad.hooks import listening

    seen = []
    args = [np.random.default_rng(0).normal(size=(3, 2)), np.ones(2)]
    with listening(lambda snapshot: seen.append((snapshot.step.value[1], snapshot.function))):
        assert srcad.tools.check.find_faulty_line(cd.right_loss, args) is None
    steps = [step for step, function in seen if function == "right_loss"]
    assert steps == ["parse", "fence", "lower", "normalize", "ops", "activity"]
