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
    (["show", "tests/corpus_errors.py:uses_emath", "--mode", "forward"],
     "no gradient rule for 'np.emath.sqrt'"),
    (["show", "tests/corpus_errors.py:uses_emath"], "no gradient rule for 'np.emath.sqrt'"),
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


# ---- moved from test_regressions.py ----

from gradcheck import check_grad, numeric_grad  # noqa: E402


# -- check_grads: structured arguments --------------------------------------------------------------

def dict_params_loss(p, x):
    return np.sum(np.tanh(p["w"] * x)) + p["b"] ** 2 + np.sum(p["layers"][0] * p["layers"][1][1])


def sequence_params_loss(ps, x):
    return np.sum(np.sin(ps[0] * x)) * ps[1]


def _params():
    rng = np.random.default_rng(0)
    return {"w": rng.normal(size=3), "b": 0.5, "n": 3,
            "layers": [rng.normal(size=2), (7, rng.normal(size=2))]}


def _fd(f, x):
    """Central differences of scalar f at a float or array x (gradcheck.numeric_grad)."""
    return numeric_grad(f, [x], 0)


@pytest.mark.parametrize("argnums", [None, 0, (0, 1)])
def test_check_grads_checks_every_entry_of_a_dict_argument(argnums):
    p, x = _params(), np.array([0.3, -0.2, 0.9])
    grads = srcad.check_grads(dict_params_loss, [p, x], argnums=argnums)
    g = grads if argnums == 0 else grads[0]
    np.testing.assert_allclose(
        g["w"], _fd(lambda w: dict_params_loss({**p, "w": w}, x), p["w"]), rtol=1e-5)
    np.testing.assert_allclose(
        g["b"], _fd(lambda b: dict_params_loss({**p, "b": float(b)}, x), p["b"]), rtol=1e-5)
    np.testing.assert_allclose(
        g["layers"][1][1],
        _fd(lambda v: dict_params_loss({**p, "layers": [p["layers"][0], (7, v)]}, x),
            p["layers"][1][1]), rtol=1e-5)


@pytest.mark.parametrize("container", [list, tuple])
@pytest.mark.parametrize("argnums", [None, 0, (0, 1)])
def test_check_grads_checks_every_entry_of_a_sequence_argument(container, argnums):
    ps, x = container([np.array([1.0, 2.0]), 3.0]), np.array([0.3, 0.4])
    grads = srcad.check_grads(sequence_params_loss, [ps, x], argnums=argnums)
    g = grads if argnums == 0 else grads[0]
    np.testing.assert_allclose(
        g[0], _fd(lambda a: sequence_params_loss(container([a, 3.0]), x), ps[0]), rtol=1e-5)
    np.testing.assert_allclose(
        g[1], _fd(lambda s: sequence_params_loss(container([ps[0], float(s)]), x), 3.0), rtol=1e-5)


@srcad.custom_vjp
def square(x):
    return x * x


@square.defvjp
def square_vjp(g, ans, x):
    return g * 2 * np.abs(x)  # wrong on purpose where x < 0


def dict_wrong_loss(p, x):
    return np.sum(square(p["w"] * x)) + p["b"]


@pytest.mark.parametrize("argnums", [None, 0])
def test_check_grads_finds_a_wrong_gradient_inside_a_dict_argument(argnums):
    p = {"w": np.array([-1.0, 2.0]), "b": 1.0}
    with pytest.raises(srcad.GradientCheckError) as info:
        srcad.check_grads(dict_wrong_loss, [p, np.array([1.0, 3.0])], argnums=argnums)
    text = str(info.value)
    assert "argument 0['w']: srcad gives 2 at (0,), finite differences -2" in text
    assert "argument 0['b']" not in text
    assert "return np.sum(square(p[\"w\"] * x)) + p[\"b\"]" in text
    assert "the gradient rule of square" in text


def test_check_grads_refuses_a_container_without_floats():
    with pytest.raises(srcad.SrcadError, match=r"argument 0 \(a dict\) holds no float"):
        srcad.check_grads(lambda p, x: np.sum(x) * p["n"], [{"n": 3}, np.ones(2)], argnums=0)


# -- check_grads: finding the wrong line --------------------------------------------------------------

def helper(x, scale, power=1):
    return square(x) * scale ** power


def calls_with_constant(x):
    return np.sum(helper(x, 2.0))


def calls_with_int(x):
    return np.sum(helper(x, 3, 2))


def calls_with_keyword(x):
    return np.sum(helper(x, scale=2.0))


def calls_nested_def(x):
    def inner(y):
        return square(y) * 2.0
    return np.sum(inner(x))


def level5(x):
    return square(x)


def level4(x):
    return level5(x) * 1.0


def level3(x):
    return level4(x) * 1.0


def level2(x):
    return level3(x) * 1.0


def level1(x):
    return level2(x) * 1.0


def calls_five_deep(x):
    return np.sum(level1(x))


def wrong_in_third_iteration(x):
    total = 0.0
    for k in range(3):
        total = total + square(x - k)
    return total


def recursive(x, n):
    if n == 0:
        return square(x)
    return recursive(x, n - 1) * 1.0


def deep_recursion(x):
    return np.sum(recursive(x, 20))


@pytest.mark.parametrize("fn, line", [
    (calls_with_constant, "return square(x) * scale ** power"),
    (calls_with_int, "return square(x) * scale ** power"),
    (calls_with_keyword, "return square(x) * scale ** power"),
    (calls_nested_def, "return square(y) * 2.0"),
    (calls_five_deep, "return square(x)\n"),
    (wrong_in_third_iteration, "total = total + square(x - k) (at its 3rd run in this call)"),
])
def test_check_grads_names_the_wrong_line(fn, line):
    x = 1.5 if fn is wrong_in_third_iteration else np.array([-1.0, 2.0])
    with pytest.raises(srcad.GradientCheckError) as info:
        srcad.check_grads(fn, [x])
    text = str(info.value)
    assert "the first line whose gradient rule disagrees" in text
    assert "test_debugging.py:" in text and line in text
    assert "the gradient rule of square" in text
    assert "how srcad combined" not in text


def test_check_grads_says_what_it_could_not_check_instead_of_blaming_srcad():
    with pytest.raises(srcad.GradientCheckError) as info:
        srcad.check_grads(deep_recursion, [np.array([-1.0, 2.0])])
    text = str(info.value)
    assert "could not be checked" in text
    assert "return recursive(x, n - 1) * 1.0" in text
    assert "recursion" in text
    assert "please report it" not in text


def square_twice_and_overwrite(x, y):
    y = np.tanh(y)           # the operand is overwritten by the result
    return np.sum(x * x) + np.sum(y * y)   # one operand used twice


def test_find_faulty_line_does_not_blame_a_right_rule():
    args = [np.array([0.5, -1.0]), np.array([0.3, 2.0])]
    assert srcad.tools.check.find_faulty_line(square_twice_and_overwrite, args) is None
    from srcad.tools.localize import Localizer

    localizer = Localizer(eps=1e-6, rtol=1e-4, seed=0)
    assert localizer.localize(square_twice_and_overwrite, args, (0, 1)) is None
    assert localizer.unchecked == []


# -- export: custom VJPs the exported module cannot import ---------------------------------------------

@srcad.custom_vjp
def by_lambda(x):
    return 2.0 * np.sin(x)


by_lambda.defvjp(lambda g, ans, x: g * 2.0 * np.cos(x))


def _closure_vjp(k):
    def vjp(g, ans, x):
        return g * k * np.cos(x)
    return vjp


@srcad.custom_vjp
def by_closure(x):
    return 3.0 * np.sin(x)


by_closure.defvjp(_closure_vjp(3.0))


class _Holder:
    @staticmethod
    def vjp(g, ans, x):
        return g * 3.0 * x ** 2


@srcad.custom_vjp
def by_staticmethod(x):
    return x ** 3


by_staticmethod.defvjp(_Holder.vjp)


def uses_by_lambda(x):
    return by_lambda(x) * 1.5


def uses_by_closure(x):
    return by_closure(x) * 1.5


def uses_by_staticmethod(x):
    return by_staticmethod(x) * 1.5


@pytest.mark.parametrize("fn, words", [
    (uses_by_lambda, "the custom VJP of by_lambda is a lambda"),
    (uses_by_closure, "the custom VJP of by_closure (_closure_vjp.<locals>.vjp) is defined inside "
                      "a function"),
    (uses_by_staticmethod, "the custom VJP of by_staticmethod (_Holder.vjp) is not a module-level "
                           "name"),
])
def test_export_refuses_a_custom_vjp_it_cannot_import(fn, words, tmp_path):
    derived = srcad.grad(fn)
    check_grad(fn, [0.7])  # the gradient itself is right
    path = tmp_path / "exported.py"
    with pytest.raises(srcad.SrcadError) as info:
        srcad.export(derived, str(path))
    assert words in str(info.value)
    assert f"cannot export {fn.__name__}" in str(info.value)
    assert info.value.location is not None and info.value.location.filename == __file__
    assert not path.exists()


def test_export_of_the_custom_gradient_example_imports_its_vjp(tmp_path, monkeypatch,
                                                               restore_rules):
    import importlib.util
    import math
    import os
    import sys

    from srcad import rules

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    monkeypatch.syspath_prepend(os.path.join(root, "examples"))
    monkeypatch.delitem(sys.modules, "custom_gradient", raising=False)
    monkeypatch.delitem(rules.RULES, math.gamma, raising=False)  # the example registers it
    import custom_gradient

    fn = custom_gradient.log_gamma_ratio
    expected = check_grad(fn, [4.5, 2.5], (0, 1))  # srcad's gradient, checked by differences
    text = srcad.export(srcad.grad(fn, argnums=(0, 1)), str(tmp_path / "lgr.py"))
    assert "from custom_gradient import gamma_vjp" in text
    spec = importlib.util.spec_from_file_location("lgr", tmp_path / "lgr.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    value, grads = module.grad_log_gamma_ratio(4.5, 2.5)
    assert grads == expected


# -- debug_nans in the user's words ----------------------------------------------------------------

def nan_in_a_part_of_the_line(x):
    return np.sum(np.sqrt(x * x))


def nan_in_a_comprehension(x):
    return sum([np.sqrt(t) for t in x])


def nan_at_a_variable(x):
    h = np.sqrt(x)
    return np.sum(np.log(h) * 2.0)


def test_debug_nans_says_which_names_are_the_users():
    with np.errstate(divide="ignore", invalid="ignore"):
        with pytest.raises(srcad.NonFiniteError) as part:
            srcad.grad(nan_in_a_part_of_the_line, debug_nans=True)(np.array([0.0, 1.0]))
        with pytest.raises(srcad.NonFiniteError) as renamed:
            srcad.grad(nan_in_a_comprehension, debug_nans=True)([1.0, 0.0])
        with pytest.raises(srcad.NonFiniteError) as variable:
            srcad.grad(nan_at_a_variable, debug_nans=True)(np.array([0.0, 4.0]))
    text = str(part.value)
    assert "the gradient dx_times_x of x_times_x (srcad's name for a part of the expression on " \
           "this line) became inf" in text
    assert "intermediate values: sqrt_x_times_x = [0. 1.]; x_times_x = [0. 1.]" in text
    text = str(renamed.value)
    assert "the gradient of t (" in text and "srcad renamed t to t_" in text
    assert "values: t (renamed t_" in text
    text = str(variable.value)
    assert "the gradient dh became inf" in text
    assert "values: h = [0. 2.]" in text and "intermediate values: log_h = [  -inf" in text
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
    for label in ("1 parse", "2 fence", "3 lower", "4 desugar", "5 anf", "6 ops", "7 activity",
                  "8 alias", "9 shapes", "10 reverse", "11 inplace", "12 emit", "13 load"):
        assert f"---- after {label} (" in err, label
    assert "h = np.tanh(W_at_x)  # ops: rule numpy.tanh" in err
    assert "# loaded grad_loss(W, x)" in err


def test_debug_passes_annotates_activity(monkeypatch, capsys):
    from gradcheck import make_function

    from srcad import front

    monkeypatch.setenv("SRCAD_DEBUG_PASSES", "1")
    front.analyse(make_function(TANH_LOSS), ["x"])
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
    steps = ["parse", "fence", "lower", "desugar", "anf", "ops", "activity", "alias", "shapes",
             "reverse", "inplace", "emit", "load"]
    assert mine == steps and theirs == steps  # each saw its own transformation, once


def test_check_grads_prepares_functions_through_the_pipeline():
    from srcad.hooks import listening

    seen = []
    args = [np.random.default_rng(0).normal(size=(3, 2)), np.ones(2)]
    with listening(lambda snapshot: seen.append((snapshot.step.value[1], snapshot.function))):
        assert srcad.tools.check.find_faulty_line(cd.right_loss, args) is None
    steps = [step for step, function in seen if function == "right_loss"]
    assert steps == ["parse", "fence", "lower", "desugar", "anf", "ops", "activity"]


def _inner_loss(w, x):
    return np.sum(np.tanh(w * x) ** 2)


_inner_grad = srcad.grad(_inner_loss)


def gradient_penalty(w, x):
    g = _inner_grad(w, x)
    return np.sum(g ** 2) + _inner_loss(w, x)


def test_export_refuses_a_function_that_calls_a_derived_function(tmp_path):
    w, x = np.array([0.3, -0.2]), np.array([1.5, 0.5])
    check_grad(gradient_penalty, [w, x])  # srcad.grad itself is right
    path = tmp_path / "exported.py"
    with pytest.raises(srcad.SrcadError) as info:
        srcad.export(srcad.grad(gradient_penalty), str(path))
    assert "cannot export gradient_penalty: it calls <srcad.grad of _inner_loss>" in str(info.value)
    assert info.value.location.filename == __file__
    assert not path.exists()


def writes_into_a_shared_array(x):
    y = x * 1.0
    z = y
    z[0] = 2.0
    return np.sum(y * x)


def returns_an_array(x):
    return x * 2.0


@pytest.mark.parametrize("fn, error", [(writes_into_a_shared_array, "AliasingError"),
                                       (returns_an_array, "NonScalarOutputError")])
def test_an_exported_module_raises_the_errors_srcad_raises(fn, error, tmp_path):
    """The helpers copied into an exported module raise its own copies of srcad's errors (they
    imported srcad.errors relatively, which fails outside the package)."""
    path = tmp_path / f"exported_{fn.__name__}.py"
    srcad.export(srcad.grad(fn), str(path))
    module = load_module(path)
    with pytest.raises(Exception) as info:
        getattr(module, f"grad_{fn.__name__}")(np.array([0.5, -1.0]))
    assert type(info.value).__name__ == error
    assert isinstance(info.value, module.SrcadError)
