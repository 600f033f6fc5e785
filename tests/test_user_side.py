"""The user's side (issue #20): true signatures of the public API, srcad.debug, tracebacks that show
generated lines, srcad.source as the way to read a derivative, check_grads never leaking an
internal error, the exported module's errors. Gradients are checked against finite differences
(tests/gradcheck.py)."""

import inspect
import io
import os
import subprocess
import sys
import textwrap
import types
import typing

import numpy as np
import pytest

import srcad
from gradcheck import check_grad, make_function, numeric_grad

F = make_function("""
    def f(x, y=2.0):
        z = np.sin(x) * y
        return np.sum(z * z)
    """)


# ---- signatures ---------------------------------------------------------------------------------

GRAD_PARAMETERS = ["fun", "argnums", "has_aux", "debug_nans", "optimize", "shapes", "in_place",
                   "holomorphic", "specialize", "jit"]


@pytest.mark.parametrize("name", ["grad", "value_and_grad"])
def test_grad_has_its_true_signature(name):
    signature = inspect.signature(getattr(srcad, name))
    assert list(signature.parameters) == GRAD_PARAMETERS
    assert "options" not in signature.parameters
    assert signature.parameters["has_aux"].kind is inspect.Parameter.KEYWORD_ONLY
    assert signature.parameters["argnums"].default == 0
    with pytest.raises(TypeError, match="options"):
        getattr(srcad, name)(F, options=None)
    assert "@srcad.grad" in (srcad.grad.__doc__ or "") and "debug_nans" in srcad.grad.__doc__


def _typed_in_stub():
    """The names srcad/_public.pyi declares (srcad.rules' and srcad.pytree's public names)."""
    import ast

    path = os.path.join(os.path.dirname(srcad.__file__), "_public.pyi")
    tree = ast.parse(open(path).read())
    return {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}


def test_every_public_function_is_fully_annotated():
    hints_missing = []
    stubbed = _typed_in_stub()
    assert stubbed == {"stop_gradient", "defvjp", "custom_vjp", "checkpoint", "register_pytree"}
    for name in srcad.__all__:
        obj = getattr(srcad, name)
        if name in stubbed:
            continue  # (typed by srcad/_public.pyi, checked by mypy in test_user_side_typing)
        if isinstance(obj, type) or not isinstance(obj, types.FunctionType):
            continue  # (classes: the errors)
        signature = inspect.signature(obj)
        for p in signature.parameters.values():
            if p.annotation is inspect.Parameter.empty:
                hints_missing.append(f"{name}({p.name})")
        if signature.return_annotation is inspect.Signature.empty:
            hints_missing.append(f"{name} -> ?")
        typing.get_type_hints(obj)  # the annotations resolve
        assert obj.__doc__, name
    assert not hints_missing
    assert os.path.isfile(os.path.join(os.path.dirname(srcad.__file__), "py.typed"))
    assert os.path.isfile(os.path.join(os.path.dirname(srcad.__file__), "_public.pyi"))


def test_decorator_forms_and_keywords_give_the_gradient():
    x = np.array([0.3, -0.8, 1.4])
    expected = numeric_grad(F, (x,), 0)
    np.testing.assert_allclose(srcad.grad(F)(x), expected, rtol=1e-6)
    np.testing.assert_allclose(srcad.grad(argnums=0, optimize=False)(F)(x), expected, rtol=1e-6)
    np.testing.assert_allclose(srcad.grad(F, 0, shapes=False, in_place=False)(x), expected,
                               rtol=1e-6)
    value, g = srcad.value_and_grad(F, debug_nans=True)(x, 3.0)
    assert value == pytest.approx(F(x, 3.0))
    np.testing.assert_allclose(g, numeric_grad(lambda a: F(a, 3.0), (x,), 0), rtol=1e-6)
    check_grad(F, (x, 1.5), argnums=(0, 1))


def test_a_derived_function_has_the_signature_not_the_source_of_the_original():
    df = srcad.grad(F)
    assert str(inspect.signature(df)) == "(x, y=2.0)"
    assert df.__name__ == "f" and not hasattr(df, "__wrapped__")
    with pytest.raises(TypeError):
        inspect.getsource(df)  # not F's source passed off as the derivative's
    df(np.ones(2))
    text = srcad.source(df)
    assert next(line for line in text.splitlines() if not line.startswith("#")).startswith(
        "def grad_f(x, y")
    # a derivative of a derivative: the signature of the innermost function
    d2 = srcad.grad(srcad.grad(make_function("""
        def g(t):
            return t ** 4
        """)))
    assert str(inspect.signature(d2)) == "(t)"
    assert d2(1.5) == pytest.approx(12 * 1.5 ** 2)


# ---- srcad.debug --------------------------------------------------------------------------------

def _first_code_line(text):
    """The first line of the generated function's body that is not a comment."""
    body = text.split("def ", 1)[1].splitlines()[1:]
    return next(line.strip() for line in body if line.strip() and not line.strip().startswith("#"))


def test_debug_stops_at_the_first_generated_line_and_returns_the_gradient():
    x = np.array([0.5, -1.0, 2.0])
    df = srcad.grad(F)
    out = io.StringIO()
    tracer = sys.gettrace()
    g = srcad.debug(df, stdin=io.StringIO("p x\nn\np sin_x\nc\n"), stdout=out)(x)
    assert sys.gettrace() is tracer  # (the debugger's tracer is gone afterwards)
    np.testing.assert_allclose(g, df(x))
    np.testing.assert_allclose(g, numeric_grad(F, (x,), 0), rtol=1e-6)
    lines = out.getvalue().splitlines()
    # the first stop is in the generated code, at its first line (no srcad frame first)
    assert lines[0].startswith("> <srcad grad_f of f at "), lines[0]
    assert lines[1] == "-> " + _first_code_line(srcad.source(df)), lines[:2]
    assert "array([ 0.5, -1. ,  2. ])" in out.getvalue()  # p x, in the generated frame
    assert repr(np.sin(x)) in out.getvalue()  # p sin_x after one step
    np.testing.assert_allclose(df(x), g)  # (the derived function unchanged)


def test_debug_of_a_method_bound_and_keywords():
    class Model:
        def __init__(self, scale):
            self.scale = scale

    loss = make_function("""
        def loss(self, w, x):
            return self.scale * np.sum((x @ w) ** 2)
        """)
    Model.loss = loss
    m = Model(0.5)
    w, x = np.array([0.1, 0.2]), np.array([[1.0, 2.0], [3.0, -1.0]])
    df = srcad.grad(m.loss)
    out = io.StringIO()
    g = srcad.debug(df, stdin=io.StringIO("c\n"), stdout=out)(w, x=x)
    np.testing.assert_allclose(g, numeric_grad(lambda a: m.loss(a, x), (w,), 0), rtol=1e-6)
    assert out.getvalue().startswith("> <srcad grad_loss of loss")


def test_debug_refuses_what_is_not_a_derived_function():
    with pytest.raises(TypeError, match="srcad.debug expects a function made by srcad.grad"):
        srcad.debug(F)


# ---- tracebacks of uncaught exceptions ------------------------------------------------------------

SCRIPT = textwrap.dedent("""
    import numpy as np
    import srcad

    def h(x):
        y = np.sin(x)
        return np.sum(y.reshape(5))

    srcad.grad(h)(np.ones(3))
    """)


def _run_script(tmp_path, env=None, prelude=""):
    path = tmp_path / "script.py"
    path.write_text(prelude + SCRIPT)
    root = os.path.dirname(os.path.dirname(os.path.abspath(srcad.__file__)))
    environment = {**os.environ, "PYTHONPATH": root, **(env or {})}
    return subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                          env=environment, timeout=120)


def test_an_uncaught_error_shows_the_generated_line_in_a_plain_script(tmp_path):
    result = _run_script(tmp_path)
    assert result.returncode == 1
    assert 'File "<srcad grad_h of h at ' in result.stderr
    assert "reshape_5 = y.reshape(5)" in result.stderr  # the generated line's text
    assert "ValueError: cannot reshape array of size 3 into shape (5,)" in result.stderr
    assert "return np.sum(y.reshape(5))" in result.stderr  # the user's line, in srcad's note


@pytest.mark.skipif(sys.version_info >= (3, 13), reason="Python's own hook reads linecache")
def test_without_the_printer_python_own_hook_shows_no_generated_line(tmp_path):
    result = _run_script(tmp_path, env={"SRCAD_EXCEPTHOOK": "0"})
    assert 'File "<srcad grad_h of h at ' in result.stderr
    assert "reshape_5 = y.reshape(5)" not in result.stderr  # (what the printer is for)


def test_a_hook_the_user_installed_is_left_alone(tmp_path):
    prelude = "import sys\nsys.excepthook = lambda *a: print('MINE', file=sys.stderr)\n"
    result = _run_script(tmp_path, prelude=prelude)
    assert result.stderr.strip() == "MINE"


# ---- check_grads never leaks an internal error -------------------------------------------------

def test_check_grads_reports_the_mismatch_when_its_search_fails(monkeypatch, restore_rules):
    from srcad.tools import localize

    wrong = make_function("""
        def wrong(x):
            return x * x
        """)
    srcad.defvjp(wrong, lambda g, ans, x: (3 * g * x,))
    f = make_function("""
        def f(x):
            return np.sum(wrong(x))
        """, {"wrong": wrong})
    x = np.array([0.3, 0.7])
    with pytest.raises(srcad.GradientCheckError, match="first line whose gradient rule"):
        srcad.check_grads(f, (x,))

    def broken(self, fun, args, ks):
        raise ValueError("tuple.index(x): x not in tuple")

    monkeypatch.setattr(localize.Localizer, "localize", broken)
    with pytest.raises(srcad.GradientCheckError) as info:
        srcad.check_grads(f, (x,))
    assert "disagrees with finite differences" in str(info.value)
    assert "the search for the line stopped (ValueError: tuple.index" in str(info.value)


def test_a_recording_function_without_a_hook_gives_a_cell():
    from srcad.tools.instrument import hook_cell

    def plain(x):
        return x

    cell = hook_cell(plain)
    cell.cell_contents = lambda k, env: None  # (what record does: harmless)


def test_check_grads_of_functions_with_nothing_to_record(restore_rules):
    # a mismatch in a callee with no line to record; the caller's line is the culprit
    wrong2 = make_function("""
        def wrong2(x):
            return x * 2.0
        """)
    srcad.defvjp(wrong2, lambda g, ans, x: (3.0 * g,))
    ident = make_function("""
        def ident(x):
            return x
        """)
    f = make_function("""
        def f(x):
            return np.sum(wrong2(ident(x)))
        """, {"wrong2": wrong2, "ident": ident})
    with pytest.raises(srcad.GradientCheckError, match="wrong2"):
        srcad.check_grads(f, (np.array([0.3, 0.7]),))


# ---- the exported module's errors ---------------------------------------------------------------

def test_the_exported_module_raises_its_errors_with_hints(tmp_path):
    module_file = tmp_path / "user_vec.py"
    module_file.write_text("import numpy as np\n\ndef vec(x):\n    return np.sin(x) * 2.0\n")
    sys.path.insert(0, str(tmp_path))
    try:
        import user_vec

        df = srcad.grad(user_vec.vec)
        with pytest.raises(srcad.NonScalarOutputError):
            df(np.ones(3))
        srcad.export(df, str(tmp_path / "exported_vec.py"))
        import exported_vec

        with pytest.raises(exported_vec.NonScalarOutputError) as info:
            exported_vec.grad_vec(np.ones(3))
        assert info.value.hint and "srcad.vjp" in info.value.hint
        assert "hint: grad differentiates a scalar" in str(info.value)
        for name in ("SrcadError", "NonScalarOutputError", "NoGradientRuleError", "AliasingError",
                     "NonFiniteError", "UnsupportedOperationError"):
            cls = getattr(exported_vec, name)
            exc = cls("message", exported_vec.Location("f.py", 3), hint="a hint")
            assert exc.hint == "a hint" and str(exc).startswith("f.py:3: message")
            assert issubclass(cls, exported_vec.SrcadError)
        # the exported gradient of a scalar function gives the same numbers
        assert float(exported_vec.grad_vec(np.float64(0.4))[1]) == pytest.approx(
            2 * np.cos(0.4))
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("user_vec", None)
        sys.modules.pop("exported_vec", None)


def test_export_refuses_two_globals_of_one_name_from_two_modules(tmp_path, monkeypatch):
    """A function of one module calling a helper of another, each reading its own global 'c':
    the exported module cannot hold both (importing one for both gave a wrong gradient)."""
    (tmp_path / "exp_helper_mod.py").write_text(
        "import numpy as np\nc = 5.0\n\ndef h(z):\n    return np.sum(z) * c\n")
    (tmp_path / "exp_main_mod.py").write_text(
        "import numpy as np\nimport exp_helper_mod\nc = {c}\n\n"
        "def f(x):\n    return np.sum(x) * c + exp_helper_mod.h(x)\n".replace("{c}", "2.0"))
    (tmp_path / "exp_same_mod.py").write_text(
        "import numpy as np\nimport exp_helper_mod\nc = 5.0\n\n"
        "def f(x):\n    return np.sum(x) * c + exp_helper_mod.h(x)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import exp_main_mod
    import exp_same_mod
    x = np.linspace(0.1, 1.0, 4)
    g = srcad.grad(exp_main_mod.f)
    np.testing.assert_allclose(g(x), np.full(4, 7.0))
    with pytest.raises(srcad.SrcadError, match="two different values named 'c'"):
        srcad.export(g, str(tmp_path / "out.py"))
    same = srcad.grad(exp_same_mod.f)  # (equal values: one global serves both)
    same(x)
    srcad.export(same, str(tmp_path / "same_out.py"))
    namespace: dict = {}
    text = (tmp_path / "same_out.py").read_text()
    exec(compile(text, str(tmp_path / "same_out.py"), "exec"), namespace)
    np.testing.assert_allclose(namespace["grad_f"](x)[1], np.full(4, 10.0))
