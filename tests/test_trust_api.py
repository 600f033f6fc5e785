"""Trust (#14) at the API: staleness (class 5), inputs to the API (class 7), errors at the wrong
place (class 8). Every gradient is checked against central finite differences (tests/gradcheck.py),
in reverse mode and in forward mode (srcad.jvp) where it applies."""

import importlib
import itertools
import linecache
import os
import sys
import textwrap
import time

import numpy as np
import pytest

import srcad
from gradcheck import check_grad, directional, numeric_grad

X = np.array([0.3, -0.2, 0.7])
_cells = itertools.count()


def cell(source: str, namespace: dict):
    """Run ``source`` as a notebook cell does: in the shared ``namespace``, under a file name of its
    own whose text ``inspect`` can read."""
    source = textwrap.dedent(source)
    filename = f"<srcad-trust-cell-{next(_cells)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    exec(compile(source, filename, "exec"), namespace)


def notebook():
    return {"np": np, "__builtins__": __builtins__}


def check_both(f, args, derived_value, k=0):
    """``derived_value`` (srcad's gradient of ``f`` wrt ``args[k]``) against central differences,
    and forward mode (srcad.jvp along a random direction) against a directional difference."""
    np.testing.assert_allclose(derived_value, numeric_grad(f, args, k), rtol=1e-5, atol=1e-6)
    v = np.random.default_rng(1).standard_normal(np.shape(args[k]))
    tangents = [None] * len(args)
    tangents[k] = v
    _, dot = srcad.jvp(f, args, tangents)
    np.testing.assert_allclose(dot, directional(f, args, k, v), rtol=1e-5, atol=1e-6)


# -- class 5: a derived function differentiates the function as it is now --------------------------

def test_global_function_rebound_in_a_later_cell():
    ns = notebook()
    cell("def act(x):\n    return np.tanh(x)\n", ns)
    cell("def loss(x):\n    return np.sum(act(x) ** 2)\n", ns)
    g = srcad.grad(ns["loss"])
    check_both(ns["loss"], (X,), g(X))
    cell("def act(x):\n    return x ** 3\n", ns)  # the notebook switches the activation
    check_both(ns["loss"], (X,), g(X))
    np.testing.assert_allclose(g(X), 6 * X ** 5)
    _, f_vjp = srcad.vjp(ns["loss"], X)
    np.testing.assert_allclose(f_vjp(1.0)[0], 6 * X ** 5)


def test_closure_rebound():
    def make():
        act = np.tanh

        def loss(x):
            return np.sum(act(x))

        def switch(new):
            nonlocal act
            act = new
        return loss, switch

    def cube(x):
        return x ** 3

    loss, switch = make()
    g = srcad.grad(loss)
    check_both(loss, (X,), g(X))
    switch(cube)
    check_both(loss, (X,), g(X))
    np.testing.assert_allclose(g(X), 3 * X ** 2)


def test_helper_redefined_keeps_neither_old_value_nor_old_gradient():
    ns = notebook()
    cell("def helper(x):\n    return x * 2.0\n", ns)
    cell("def model(x):\n    return np.sum(helper(x) * x)\n", ns)
    vg = srcad.value_and_grad(ns["model"])
    value, _ = vg(X)
    cell("def helper(x):\n    return np.sin(x)\n", ns)
    value, gradient = vg(X)
    assert value == pytest.approx(ns["model"](X))
    check_both(ns["model"], (X,), gradient)


def test_defaults_replaced():
    def u(x, a=2.0):
        return np.sum(a * x ** 2)

    g = srcad.grad(u)
    np.testing.assert_allclose(g(X), 4 * X)
    u.__defaults__ = (5.0,)
    check_both(u, (X,), g(X))
    np.testing.assert_allclose(g(X), 10 * X)
    np.testing.assert_allclose(srcad.jvp(u, (X,), (np.ones(3),))[1], np.sum(10 * X))


def test_module_edited_and_reloaded(tmp_path, monkeypatch):
    path = tmp_path / "trust_reloaded.py"
    source = "import numpy as np\n\ndef helper(x):\n    return x ** {}\n\n" \
             "def f(x):\n    return np.sum(helper(x))\n"
    path.write_text(source.format(2))
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("trust_reloaded")
    try:
        g = srcad.grad(module.f)
        np.testing.assert_allclose(g(X), 2 * X)
        path.write_text(source.format(3))
        later = time.time() + 5  # (a later time stamp, whatever the file system's resolution)
        os.utime(path, (later, later))
        importlib.reload(module)
        check_both(module.f, (X,), g(X))           # the old derived function: helper was rebound
        check_both(module.f, (X,), srcad.grad(module.f)(X))  # a new one reads the new source
        check_grad(module.f, (X,))
    finally:
        sys.modules.pop("trust_reloaded", None)


def test_module_edited_but_not_reloaded_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "trust_edited.py"
    source = "import numpy as np\n\n\ndef f(x):\n    return np.sum(x ** {})\n"
    path.write_text(source.format(2))
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("trust_edited")
    try:
        linecache.getlines(str(path))  # (an old copy in linecache must not hide the edit either)
        path.write_text(source.format(3))
        os.utime(path, (time.time() + 5, time.time() + 5))
        for derive in (lambda: srcad.grad(module.f)(X), lambda: srcad.vjp(module.f, X),
                       lambda: srcad.jvp(module.f, (X,), (X,))):
            with pytest.raises(srcad.SourceUnavailableError, match="edited") as info:
                derive()
            assert info.value.location.filename == str(path)
            assert info.value.location.lineno == 4
        importlib.reload(module)
        check_both(module.f, (X,), srcad.grad(module.f)(X))
    finally:
        sys.modules.pop("trust_edited", None)


def test_unchanged_functions_and_rebound_data_keep_the_transformation():
    ns = notebook()
    cell("scale = 2.0\ndef loss(x):\n    return np.sum(scale * np.tanh(x))\n", ns)
    g = srcad.grad(ns["loss"])
    g(X)
    first = g._last
    ns["scale"] = 3.0  # data is read at call time: no new transformation, the right number
    check_both(ns["loss"], (X,), g(X))
    assert g._last is first


def test_caches_stay_bounded_when_functions_keep_changing():
    ns = notebook()
    cell("def loss(x):\n    return np.sum(act(x))\n", ns)
    g = srcad.grad(ns["loss"])
    for k in range(80):
        ns["act"] = _scaled(k + 1.0)
        np.testing.assert_allclose(g(X), np.full(3, k + 1.0))
    assert len(g._cache) <= g._cache.limit


def _scaled(a):
    def act(x):
        return a * x
    return act


def test_grad_of_grad_follows_a_rebound_helper():
    ns = notebook()
    cell("def act(x):\n    return x ** 3\n", ns)
    cell("def f(x):\n    return act(x) * 1.0\n", ns)
    d2 = srcad.grad(srcad.grad(ns["f"]))
    assert d2(0.5) == pytest.approx(3.0)
    cell("def act(x):\n    return x ** 4\n", ns)
    assert d2(0.5) == pytest.approx(12 * 0.25)


# -- class 7: inputs to the API ------------------------------------------------------------------

def _two(w, x):
    return np.sum(w * x)


@pytest.mark.parametrize("argnums", ["w", "wx", 1.5, True, (0, "x"), None])
def test_argnums_not_positions_is_refused(argnums):
    with pytest.raises(srcad.SrcadError, match="argnums=.*expected the position"):
        srcad.grad(_two, argnums=argnums)
    with pytest.raises(srcad.SrcadError, match="expected the position"):
        srcad.jacrev(_two, argnums=argnums)
    with pytest.raises(srcad.SrcadError, match="expected the position"):
        srcad.jacfwd(_two, argnums=argnums)


def test_valid_argnums_still_work():
    w, x = np.array([1.0, 2.0]), np.array([3.0, -1.0])
    check_grad(_two, (w, x), argnums=(0, 1))
    for argnums in ([0, 1], np.int64(1)):
        gs = srcad.grad(_two, argnums=argnums)(w, x)
        np.testing.assert_allclose(np.ravel(gs)[-2:], w)


def _double(x):
    return x * 2.0


def _pair(x, y):
    return x * 2.0, y * y


@pytest.mark.parametrize("cotangent", [np.ones(2), np.ones((3, 1)), (np.ones(3),), 1.0, None])
def test_vjp_cotangent_of_the_wrong_shape(cotangent):
    _, f_vjp = srcad.vjp(_double, X)
    with pytest.raises(srcad.SrcadError, match=r"cotangent must have the output's shape \(3,\)"):
        f_vjp(cotangent)


@pytest.mark.parametrize("cotangent", [np.ones(3), (np.ones(3),), (np.ones(3), 1.0, 2.0),
                                       (np.ones(2), 1.0)])
def test_vjp_cotangent_of_the_wrong_structure(cotangent):
    _, f_vjp = srcad.vjp(_pair, X, 2.0)
    with pytest.raises(srcad.SrcadError, match="cotangent"):
        f_vjp(cotangent)


def test_vjp_right_cotangents_still_work():
    _, f_vjp = srcad.vjp(_double, X)
    np.testing.assert_allclose(f_vjp(np.arange(3.0))[0], 2 * np.arange(3.0))
    _, f_vjp = srcad.vjp(_pair, X, 2.0)
    dx, dy = f_vjp((np.ones(3), 1.0))
    np.testing.assert_allclose(dx, 2 * np.ones(3))
    assert dy == pytest.approx(4.0)
    dx, dy = f_vjp([np.ones(3), 0.5])
    assert dy == pytest.approx(2.0)


def _custom(returns):
    @srcad.custom_vjp
    def mul(x, y):
        return x * y

    @mul.defvjp
    def mul_vjp(g, ans, x, y):
        return returns(g, x, y)

    def f(x, y):
        return np.sum(mul(x, y))
    return f


@pytest.mark.parametrize("returns, message", [
    (lambda g, x, y: (g * y,), "one gradient per positional argument"),
    (lambda g, x, y: (g * y, g * x, g), "one gradient per positional argument"),
    (lambda g, x, y: (g * y, np.sum(g * x)), r"argument 1, a gradient of shape \(\)"),
    (lambda g, x, y: (np.outer(g, y), g * x), r"argument 0, a gradient of shape \(3, 3\)"),
    (lambda g, x, y: ((g * y).astype(complex), g * x), "complex gradient"),
    (lambda g, x, y: (g * y, "zero"), "not a number"),
    (lambda g, x, y: ([g * y], g * x), "argument 0, a list"),
])
def test_custom_vjp_returning_wrong_gradients(returns, message):
    f = _custom(returns)
    with pytest.raises(srcad.SrcadError, match=message) as info:
        srcad.grad(f, (0, 1))(X, X + 1)
    assert info.value.location is not None and info.value.location.filename == __file__


def test_custom_vjp_right_gradients_still_work():
    f = _custom(lambda g, x, y: (g * y, None if np.ndim(y) else np.sum(g * x)))
    gx = srcad.grad(f)(X, X + 1)
    np.testing.assert_allclose(gx, X + 1)
    gx, gy = srcad.grad(f, (0, 1))(X, 2.0)
    np.testing.assert_allclose(gx, np.full(3, 2.0))
    assert gy == pytest.approx(np.sum(X))


# -- class 8: errors at the right place ----------------------------------------------------------

def _two_returns(x, flag):
    if flag:
        return x * 2          # _two_returns: the non-scalar return
    return np.sum(x)


def _one_return(x):
    y = x * 2
    return y


def test_non_scalar_output_names_the_return_taken():
    with pytest.raises(srcad.NonScalarOutputError) as info:
        srcad.grad(_two_returns)(X, True)
    assert info.value.location.filename == __file__
    assert "the non-scalar return" in info.value.location.line
    assert srcad.grad(_two_returns)(X, False) == pytest.approx(np.ones(3))
    with pytest.raises(srcad.NonScalarOutputError) as info:
        srcad.value_and_grad(_one_return)(X)
    assert info.value.location.line.strip() == "return y"


def _loss(x):
    return np.sum(np.log(x))


def _apply(act, x):
    return np.sum(act(x))


def _negate(x):
    return -x


def test_generated_functions_never_share_a_file_name():
    plain, checked = srcad.grad(_loss), srcad.grad(_loss, debug_nans=True)
    plain(X + 1)
    checked(X + 1)
    a, b = plain.transformed(), checked.transformed()
    assert a.filename != b.filename
    assert "".join(linecache.getlines(a.filename)) == a.source
    assert "".join(linecache.getlines(b.filename)) == b.source
    g = srcad.grad(_apply, 1)
    g(np.tanh, X)
    g(_negate, X)
    first, second = g.transformed((np.tanh, X)), g.transformed((_negate, X))
    assert first.filename != second.filename
    assert "".join(linecache.getlines(second.filename)) == second.source
    with pytest.raises(srcad.NonFiniteError) as info, np.errstate(all="ignore"):
        checked(np.zeros(3))  # (located through the unique file name)
    assert info.value.location.filename == __file__


def _squares(x):
    return x * x


def _sums_squares(x):
    return np.sum(_squares(x))


def test_a_custom_vjp_replaced_after_the_first_call_is_used(restore_rules):
    """``srcad.defvjp(..., replace=True)`` after a first call: the derived function made before
    uses the new VJP (the rule table's version is part of what a transformation assumed)."""
    x = np.array([1.0, 2.0])
    srcad.defvjp(_squares, lambda g, ans, v: (g * 2 * v,))
    derived = srcad.grad(_sums_squares)
    np.testing.assert_allclose(derived(x), 2 * x)
    srcad.defvjp(_squares, lambda g, ans, v: (g * 10 * v,), replace=True)  # a deliberate change
    np.testing.assert_allclose(derived(x), 10 * x)
    first = derived.transformed((x,), {})
    assert derived.transformed((x,), {}) is first  # unchanged table: no new transformation


def _elementwise_square_sum(A):
    return np.sum(A * A)


def _product_sum(A, x):
    return np.sum(A @ x)


def test_an_np_matrix_argument_is_refused_everywhere():
    """np.matrix's '*' is a matrix product: srcad's elementwise rule would give a wrong gradient
    (found by an adversarial probe: grad(sum(A * A)) returned A @ 1 + ... instead of 2 A)."""
    A = np.matrix([[1.0, 2.0], [3.0, 4.0]])
    x = np.ones(2)
    calls = [lambda: srcad.grad(_elementwise_square_sum)(A),
             lambda: srcad.value_and_grad(_elementwise_square_sum)(A),
             lambda: srcad.vjp(_elementwise_square_sum, A),
             lambda: srcad.jvp(_elementwise_square_sum, (A,), (np.ones((2, 2)),)),
             lambda: srcad.grad(_product_sum, argnums=1)(A, x)]  # as a constant too
    for call in calls:
        with pytest.raises(srcad.SrcadError, match="np.matrix"):
            call()
    check_grad(_elementwise_square_sum, (np.asarray(A),))  # what the hint says to pass


def test_a_sparse_argument_differentiated_is_refused():
    import scipy.sparse as sparse  # (the test extra installs SciPy)
    A = sparse.csr_matrix(np.eye(2))
    with pytest.raises(srcad.SrcadError, match="scipy.sparse csr_matrix, differentiated"):
        srcad.grad(_product_sum)(A, np.ones(2))
    with pytest.raises(srcad.SrcadError, match="scipy.sparse"):
        srcad.jvp(_product_sum, (A, np.ones(2)), (A, None))
