"""The generated code as a product: golden files, determinism, names, linecache, pruning.

Golden files: tests/golden/<name>.py holds the exact source srcad generates for one corpus function
(GOLDEN_CASES, FORWARD_GOLDEN_CASES below). The test compares it through ``goldens.keyed``, which
makes every quoted line number relative to the function's ``def`` line (callees: to the first line
they quote), so the corpus files can be edited anywhere, and a function moved, without touching the
goldens. After an intended change to the generated code, run
``SRCAD_UPDATE_GOLDEN=1 python -m pytest tests/test_generated.py -k golden``: it rewrites the golden
files whose keyed form differs, byte for byte; review the diff before committing it.
"""

import inspect
import os
import pathlib
import subprocess
import sys
import traceback

import numpy as np
import pytest

import corpus
import corpus_calls
import corpus_control
import corpus_real_models
import goldens
import srcad
from gradcheck import check_grad, make_function

ROOT = pathlib.Path(__file__).parent.parent

GOLDEN_CASES = {
    "textbook_sum_times": (corpus.textbook_sum_times, (0, 1, 2)),
    "textbook_max": (corpus.textbook_max, (0, 1, 2, 3)),
    "logistic_loss": (corpus.logistic_loss, 0),
    "mlp_loss": (corpus.mlp_loss, (0, 1)),
    "for_loop": (corpus_control.for_range_arg, 0),
    "while_loop": (corpus_control.while_ode, 0),
    "subscript_write": (corpus_control.rnn_rows, (0, 1, 2)),
    "early_return": (corpus_control.early_return_in_loop, 0),
    "calls": (corpus_calls.mlp, (0, 1)),
    "dataclass_logreg_loss": (corpus_real_models.logreg_loss, 0),
}


@pytest.mark.parametrize("name", sorted(GOLDEN_CASES))
def test_golden_source(name):
    """Set SRCAD_UPDATE_GOLDEN=1 to rewrite the files after an intended change, then review the diff."""
    fn, argnums = GOLDEN_CASES[name]
    goldens.check(name, srcad.source(srcad.grad(fn, argnums=argnums)))


FORWARD_GOLDEN_CASES = {
    "jvp_for_loop": lambda: srcad.source(corpus_control.for_range_arg, mode="forward"),
    "jvp_subscript_write": lambda: srcad.source(corpus_control.rnn_rows, mode="forward",
                                                argnums=(0, 1, 2)),
    "hvp_logistic_loss": lambda: srcad.source(srcad.grad(corpus.logistic_loss), mode="forward"),
}


@pytest.mark.parametrize("name", sorted(FORWARD_GOLDEN_CASES))
def test_golden_forward_source(name):
    """Forward mode, and forward over reverse (the code srcad.hvp runs); updated like the above."""
    goldens.check(name, FORWARD_GOLDEN_CASES[name]())


def test_generated_source_is_identical_across_processes():
    script = ("import sys; sys.path[:0] = ['tests', '.']; import corpus, srcad; "
              "print(srcad.source(srcad.grad(corpus.mlp_loss, argnums=(0, 1))))")
    outputs = []
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        outputs.append(subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                                      capture_output=True, text=True, check=True).stdout)
    assert outputs[0] == outputs[1]
    assert "def grad_mlp_loss" in outputs[0]


def test_adjoint_names_follow_user_names_and_comments_quote_lines():
    text = srcad.source(srcad.grad(corpus.textbook_sum_times, argnums=(0, 1, 2)))
    first = corpus.textbook_sum_times.__code__.co_firstlineno  # its def line (11 when written)
    assert "dq = " in text and "dz = " in text
    assert f"# line {first + 1}: q = x + y" in text
    assert text.count(f"# line {first + 2}: f = q * z") == 2  # once in each sweep


def test_user_names_that_look_generated_still_work():
    grads = check_grad(corpus.clashing_names, [0.3, 1.2, 0.7, -0.4], argnums=(0, 1, 2, 3))
    assert len(grads) == 4
    text = srcad.source(srcad.grad(corpus.clashing_names, argnums=(0, 1, 2, 3)))
    assert "unbroadcast_2(" in text  # srcad's helper renamed around the user's parameter


def test_linecache_inspect_and_tracebacks_show_generated_code():
    derived = srcad.grad(corpus.logistic_loss)
    transformed = derived.transformed()
    text = transformed.source
    fn = transformed.function
    assert inspect.getsource(fn) == text[text.index("def "):]
    assert inspect.getsourcefile(fn) == transformed.filename

    f = make_function("""
        def f(a, b):
            return np.sum(np.pad(a * b, 1, mode='edge'))
        """)
    with pytest.raises(srcad.UnsupportedOperationError) as info:  # (refused by a helper)
        srcad.grad(f)(np.ones((2, 3)), np.ones((2, 3)))
    assert info.value.location.lineno == 3  # the user's line, found through the generated one
    formatted = "".join(traceback.format_exception(info.value))
    assert "<srcad grad_f of f" in formatted
    assert "= unpad(" in formatted  # the generated line itself


def test_globals_are_read_at_call_time():
    ns = {"SCALE": 2.0}
    f = make_function("""
        def f(x):
            return SCALE * x * x
        """, ns)
    df = srcad.grad(f)
    assert df(3.0) == 12.0
    f.__globals__["SCALE"] = 5.0
    assert df(3.0) == 30.0


def test_closure_variables_are_read_at_call_time():
    def make(scale):
        def f(x):
            return scale * np.sin(x)
        return f
    f = make(3.0)
    assert srcad.grad(f)(0.0) == pytest.approx(3.0)


def code_lines(text):
    return [line.strip() for line in text.splitlines() if not line.strip().startswith("#")]


def backward_code(text):
    return code_lines(text[text.index("# backward"):])


def test_pruning_only_differentiates_what_lies_between_input_and_output():
    text = srcad.source(srcad.grad(corpus.only_second, argnums=1))
    assigned = [line.split(" = ")[0] for line in backward_code(text) if " = " in line]
    assert assigned == ["dout", "du_plus_v", "dv", "dy"]  # nothing for u = exp(x) * 2, or for x


def test_each_intermediate_computed_once():
    # z = f(f(f(w))): three tanh in the forward sweep, none recomputed by the backward sweep
    text = srcad.source(srcad.grad(corpus.ffw))
    assert sum(line.count("np.tanh(") for line in code_lines(text)) == 3
    assert not any("np.tanh(" in line for line in backward_code(text))
    assert len(backward_code(text)) == 8  # seed, two lines per tanh * 1.5, return
    check_grad(corpus.ffw, [0.3])


def test_only_overwritten_values_that_are_read_are_saved():
    text = srcad.source(srcad.grad(corpus.mlp_loss, argnums=(0, 1)))
    assert text.count("_old = ") == 1  # scores is overwritten and read by the adjoint of np.max
    text = srcad.source(srcad.grad(corpus.textbook_sum_times, argnums=(0, 1, 2)))
    assert "_old" not in text


def test_decorator_forms_defaults_and_keywords():
    f = make_function("""
        import srcad

        @srcad.grad
        def f(x, scale=2.0):
            return scale * x * x

        @srcad.grad(argnums=(0, 1))
        def g(x, y):
            return x * y
        """, name="f")
    assert f(3.0) == 12.0
    assert f(3.0, scale=1.0) == 6.0
    assert f(x=3.0) == 12.0
    g = f.fun.__globals__["g"]  # (a derived function has no __wrapped__: issue #20)
    assert g(2.0, 5.0) == (5.0, 2.0)
    assert repr(g).startswith("<srcad.grad of g")


def test_arguments_are_not_modified_and_shapes_dtypes_may_change():
    x = np.array([0.3, -0.5, 1.2])
    before = x.copy()
    df = srcad.grad(corpus.overwrite, argnums=(0, 1))
    df(x, x)
    np.testing.assert_array_equal(x, before)
    for shape in [(), (2,), (3, 2)]:
        check_grad(corpus.overwrite, [np.full(shape, 0.3), np.full(shape, -0.2)], argnums=(0, 1))


def test_float32_in_float32_out():
    f = make_function("""
        def f(x):
            return np.sum(np.tanh(x) * x)
        """)
    g = srcad.grad(f)(np.ones(3, dtype=np.float32))
    assert g.dtype == np.float32


def test_integer_inputs_get_float_gradients():
    f = make_function("""
        def f(x, y):
            return x * x * y
        """)
    assert srcad.grad(f, argnums=(0, 1))(3, 2) == (12, 9)
    h = make_function("""
        def h(x):
            return np.sum(x * x)
        """)
    g = srcad.grad(h)(np.array([1, 2]))
    assert g.dtype == np.float64 or g.dtype.kind == "i"
    np.testing.assert_allclose(g, [2.0, 4.0])


def test_unreached_argument_gets_zeros():
    f = make_function("""
        def f(x, y):
            return np.sum(x * 2.0)
        """)
    dx, dy = srcad.grad(f, argnums=(0, 1))(np.ones(2), np.ones((3, 3)))
    np.testing.assert_array_equal(dy, np.zeros((3, 3)))


def test_stop_gradient():
    f = make_function("""
        import srcad

        def f(x):
            return x * srcad.stop_gradient(x)
        """)
    assert srcad.grad(f)(3.0) == 3.0


def test_show_prints_the_source(capsys):
    srcad.show(srcad.grad(corpus.textbook_sum_times))
    assert "def grad_textbook_sum_times(x, y, z):" in capsys.readouterr().out


def test_a_debugger_sees_every_generated_line():
    """pdb works line by line through sys.settrace; every line it is shown must be real source."""
    import linecache

    derived = srcad.grad(corpus.logistic_loss)
    w = np.zeros(3)
    X = np.ones((4, 3))
    y = np.array([0.0, 1.0, 1.0, 0.0])
    transformed = derived.transformed((w, X, y))  # (the one the call runs: of these kinds)
    seen = []

    def tracer(frame, event, arg):
        if frame.f_code.co_filename == transformed.filename:
            if event == "line":
                seen.append(linecache.getline(transformed.filename, frame.f_lineno).strip())
            return tracer
        return None

    sys.settrace(tracer)
    try:
        derived(w, X, y)
    finally:
        sys.settrace(None)
    code = code_lines(transformed.source)
    assert seen and all(line in code for line in seen)
    assert seen[-1].startswith("return")


def test_eight_threads_calling_for_the_first_time_transform_once(monkeypatch):
    import threading
    import time

    from srcad import pipeline

    calls = []
    real = pipeline.transform

    def slow_transform(*args, **kwargs):
        calls.append(threading.get_ident())
        time.sleep(0.05)  # widen the window in which threads could race
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "transform", slow_transform)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 5))
    labels = np.eye(3)[rng.integers(0, 3, size=8)]
    W1, W2 = rng.normal(size=(5, 6)), rng.normal(size=(6, 3))
    expected = srcad.grad(corpus.mlp_loss, argnums=(0, 1))(W1, W2, X, labels, 0.1)
    calls.clear()
    derived = srcad.grad(corpus.mlp_loss, argnums=(0, 1))
    other = srcad.grad(corpus_control.rnn_rows, argnums=0)  # a second function, at the same time
    barrier = threading.Barrier(8)
    results, errors = [None] * 8, []

    def work(k):
        try:
            barrier.wait()
            if k % 4 == 3:
                results[k] = other(np.eye(3) * 0.5, np.ones((4, 3)), np.zeros(3))
            else:
                results[k] = derived(W1, W2, X, labels, 0.1)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(calls) == 2  # one transformation for each derived function
    for k, result in enumerate(results):
        if k % 4 != 3:
            for a, b in zip(result, expected):
                np.testing.assert_array_equal(a, b)
    check_grad(corpus_control.rnn_rows, [np.eye(3) * 0.5, np.ones((4, 3)), np.zeros(3)], 0)


def _corpus_functions():
    for module in (corpus, corpus_control, corpus_calls):
        for name, fn in vars(module).items():
            if inspect.isfunction(fn) and fn.__module__ == module.__name__ \
                    and not name.startswith("_"):
                yield fn


def test_no_generated_line_assigns_a_name_to_itself():
    import re

    checked = 0
    for fn in _corpus_functions():
        for make in (srcad.grad, lambda f: srcad.grad(f, in_place=False)):
            try:
                text = srcad.source(make(fn))
            except srcad.SrcadError:  # needs what its call gives (a function passed in)
                continue
            checked += 1
            assert not re.search(r"^\s*(\w+) = \1\s*$", text, flags=re.M), fn.__name__
    assert checked > 100
