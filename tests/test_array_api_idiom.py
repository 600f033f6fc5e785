"""Code written against the Array API idiom (``xp = array_namespace(x)``, ``xp.sum``, ``xp.exp``)
and against another library's own functions (``da.exp``): differentiated with NumPy's rules,
keyed by operation (srcad.rules.operations), specialized on the namespace the call's arrays have
(srcad.passes.array_namespaces).

Oracles: central differences with a directional check on NumPy arrays (srcad.grad of the function
as written); on Dask arrays, the same function's gradient on NumPy (and no compute before
``.compute()``). Refusals: calls that bind otherwise than NumPy's, and namespaces srcad did not
specialize on, raise a located SrcadError -- never a method of an array.
"""

from __future__ import annotations

import array_api_compat
import dask
import dask.array as da
import numpy as np
import pytest

import srcad
from daskcheck import Computes
from gradcheck import check_grad, make_function
from rulecheck import DOMAIN, check_hvp, check_jvp, sample
from srcad.rules import operations

NAMESPACE = {"array_namespace": array_api_compat.array_namespace, "da": da}


def idiom(expression: str, names=("x", "y")):
    """``sum(sin(expression))`` written against the namespace of ``x`` (sin: a cotangent that
    differs entry by entry)."""
    return make_function(f"""
        def f({', '.join(names)}):
            xp = array_namespace(x)
            return xp.sum(xp.sin({expression}))
        """, NAMESPACE)


def on_dask(f, args, argnums, computes_allowed=False, chunks=2):
    """value_and_grad of ``f`` on Dask arrays: lazy, and equal to its value and gradient on
    NumPy's (themselves checked against finite differences)."""
    expected_value, expected = srcad.value_and_grad(f, argnums)(*args)
    dargs = [da.from_array(a, chunks=chunks) for a in args]
    computes = Computes()
    with dask.config.set(scheduler=computes):
        value, grads = srcad.value_and_grad(f, argnums)(*dargs)
        assert all(isinstance(g, da.Array) for g in grads)
        if not computes_allowed:
            assert computes.count == 0, f"{computes.count} computes before .compute()"
        got = dask.compute(value, *grads)
    np.testing.assert_allclose(got[0], expected_value, rtol=1e-12)
    for g, e in zip(got[1:], expected):
        np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-13)


# ---- every elementwise operation of the standard with a NumPy rule ---------------------------------

def _elementwise():
    found = []
    for (sub, name), fn in sorted(operations.operations("array_api_strict").items()):
        rule = srcad.rules.lookup(fn)
        if sub or rule is None or not rule.differentiable or not rule.elementwise \
                or name in ("clip", "where", "real", "imag", "conj"):
            continue
        found.append((name, fn, len([p for p in rule.params if p not in rule.defaults])))
    return found


ELEMENTWISE = _elementwise()


def test_the_elementwise_table_is_the_standards():
    names = {name for name, _, _ in ELEMENTWISE}
    assert {"acos", "atan2", "pow", "exp", "logaddexp", "hypot", "maximum", "sqrt", "tanh",
            "reciprocal", "copysign"} <= names, names
    assert len(names) >= 35, len(names)


@pytest.mark.parametrize("name, fn, n", ELEMENTWISE, ids=[e[0] for e in ELEMENTWISE])
def test_elementwise_operations_in_the_idiom(name, fn, n):
    rng = np.random.default_rng(3)
    names = ("x", "y")[:n]
    f = idiom(f"xp.{name}({', '.join(names)})", names)
    shapes = [(2, 3), (3,)][:n]
    args = [np.asarray(sample(fn, s, rng)) for s in shapes]
    check_grad(f, args, tuple(range(n)))
    on_dask(f, args, tuple(range(n)))


# ---- the other operations: reductions, products, shapes, linear algebra, FFT -------------------

X, Y = (3, 4), (3, 4)
OPERATIONS = [
    "xp.sum(x, axis=0, keepdims=True) * y",
    "xp.prod(x, axis=1)",
    "xp.mean(x * y, axis=(0, 1))",
    "xp.std(x, axis=0, correction=1)",
    "xp.var(x + y, correction=1, keepdims=True)",
    "xp.max(x, axis=1) + xp.min(y)",
    "xp.cumulative_sum(x, axis=1)",
    "xp.cumulative_prod(x, axis=1)",
    "xp.matmul(x, xp.matrix_transpose(y))",
    "xp.tensordot(x, y, axes=2)",
    "xp.vecdot(x, y)",
    "xp.permute_dims(x, (1, 0)) * 2",
    "xp.reshape(x, (12,)) * xp.reshape(y, (12,))",
    "xp.squeeze(xp.expand_dims(x, axis=0), axis=0) - y",
    "xp.flip(x, axis=1) * y",
    "xp.roll(x, 1, axis=0) * y",
    "xp.stack([x, y], axis=1)",
    "xp.concat([x, y ** 2], axis=1)",
    "xp.broadcast_to(x[0], (5, 4))",
    "xp.where(x > 0.5, x, y)",
    "xp.clip(x, 0.3, 0.7) + xp.clip(y, min=0.4, max=0.6)",
    "xp.moveaxis(x, 0, 1)",
    "xp.tile(x, (2, 1))",
    "xp.repeat(x, 2, axis=0)",
    "xp.diff(x, axis=1)",
    "xp.linalg.vector_norm(x, axis=1)",
    "xp.linalg.matrix_norm(x)",
    "xp.linalg.inv(x[:, :3] + 3 * xp.eye(3))",
    "xp.linalg.det(x[:, :3] + 3 * xp.eye(3))",
    "xp.linalg.solve(x[:, :3] + 3 * xp.eye(3), y[:, :1])",
    "xp.linalg.trace(x[:, :3]) + xp.linalg.diagonal(y[:, :3])",
    "xp.linalg.outer(x[0], y[1])",
    "xp.linalg.cross(x[:, :3], y[:, 1:])",
    "xp.abs(xp.fft.rfft(x, axis=1))",
    "xp.take(x, xp.asarray([2, 0]), axis=1)",
    "xp.real(x) * xp.conj(y) + xp.imag(x)",
]
# Dask's own limits: its LU wants square chunks, its FFT one chunk along the axis (one chunk
# here); its linalg has no det and no cross (the function itself fails there); indices made
# with xp.asarray are a Dask array there, which a scatter-add would compute (refused)
ONE_CHUNK_ON_DASK = ("inv", "solve", "fft")
NOT_IN_DASK = ("det", "cross", "take")


@pytest.mark.parametrize("expression", OPERATIONS)
def test_operations_in_the_idiom(expression):
    rng = np.random.default_rng(5)
    f = idiom(expression)
    args = [rng.uniform(0.2, 0.8, X), rng.uniform(0.2, 0.8, Y)]
    check_grad(f, args, (0, 1))
    check_jvp(f, args, (0, 1))
    if not any(k in expression for k in NOT_IN_DASK):
        one = any(k in expression for k in ONE_CHUNK_ON_DASK)
        on_dask(f, args, (0, 1), chunks=-1 if one else 2)


def test_dasks_own_functions_are_differentiated_lazily():
    f = make_function("""
        def f(x, y):
            h = da.tanh(da.matmul(x, da.transpose(y)))
            return da.sum(da.exp(h) * da.arccos(x[:, :3] / 2)) + da.mean(da.maximum(x, y))
        """, NAMESPACE)
    rng = np.random.default_rng(1)
    args = [rng.uniform(0.2, 0.8, (3, 3)), rng.uniform(0.2, 0.8, (3, 3))]
    check_grad(f, args, (0, 1))  # (Dask's functions on NumPy arrays: NumPy's values)
    on_dask(f, args, (0, 1))


# ---- specialization -----------------------------------------------------------------------------

def test_one_derived_function_specializes_on_each_namespace():
    f = idiom("xp.exp(x) * xp.sum(x * y)")
    g = srcad.grad(f, argnums=(0, 1))
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    expected = check_grad(f, [x, y], (0, 1))
    for _ in range(2):  # NumPy, Dask, NumPy again: each call its own transformation
        on_numpy = g(x, y)
        on_dask = g(da.from_array(x, chunks=1), da.from_array(y, chunks=1))
        assert all(type(a) is np.ndarray for a in on_numpy)
        assert all(isinstance(a, da.Array) for a in on_dask)
        for a, b, e in zip(on_numpy, dask.compute(*on_dask), expected):
            np.testing.assert_allclose(a, e, rtol=1e-12)
            np.testing.assert_allclose(b, e, rtol=1e-12)


def test_the_namespace_of_a_parameters_item_and_the_method_form():
    f = make_function("""
        def loss(params, x):
            xp = array_namespace(params["W"])
            ns = x.__array_namespace__()
            return xp.sum(xp.tanh(xp.matmul(x, params["W"])) ** 2) + ns.sum(x * params["b"])
        """, NAMESPACE, name="loss")
    rng = np.random.default_rng(4)
    params = {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=3)}
    x = rng.normal(size=(4, 3))
    got = srcad.grad(f)(params, x)
    eps, W = 1e-6, params["W"]
    for idx in np.ndindex(W.shape):
        e = np.zeros_like(W)
        e[idx] = eps
        fd = (f({**params, "W": W + e}, x) - f({**params, "W": W - e}, x)) / (2 * eps)
        np.testing.assert_allclose(got["W"][idx], fd, rtol=1e-6)
    np.testing.assert_allclose(got["b"], x.sum(axis=0), rtol=1e-12)


def test_a_helper_given_the_namespace_is_specialized_on_it():
    helper = make_function("""
        def helper(x, xp):
            return xp.sum(xp.exp(x))
        """, NAMESPACE)
    f = make_function("""
        def f(x):
            xp = array_namespace(x)
            return helper(x, xp) + xp.sum(x)
        """, {**NAMESPACE, "helper": helper})
    x = np.linspace(0.1, 0.6, 6)
    np.testing.assert_allclose(srcad.grad(f)(x), np.exp(x) + 1, rtol=1e-12)
    on_dask(f, [x], (0,))


def test_a_namespace_captured_by_a_nested_def_or_lambda():
    """(A review found these gave zero gradients, with 'xp = np' too: the nested function took
    its captured 'xp' for an array, 'xp.sum(y)' for 'np.sum(xp, axis=y)'.)"""
    f = make_function("""
        def f(x):
            xp = array_namespace(x)
            def inner(y):
                return xp.sum(xp.sin(y))
            h = lambda y: xp.sum(xp.cos(y))
            def given(ns):
                return ns.sum(ns.exp(x))
            return inner(x) + h(x) + given(xp) + given(np)
        """, NAMESPACE)
    x = np.array([[0.3, 0.7, 0.9], [0.1, 0.45, 0.6]])
    expected = np.cos(x) - np.sin(x) + 2 * np.exp(x)
    np.testing.assert_allclose(srcad.grad(f)(x), expected, rtol=1e-12)
    check_grad(f, [x])
    on_dask(f, [x], (0,))


def test_dasks_defaults_are_its_own():
    """Dask's take defaults to axis=0 where NumPy's flattens: the rule takes Dask's default."""
    f = make_function("""
        def f(x):
            return da.sum(da.sin(da.take(x, np.array([2, 0, 2]))) * x[:3])
        """, NAMESPACE)
    x = np.random.default_rng(6).uniform(0.2, 0.8, (4, 3))
    check_grad(f, [x])
    check_jvp(f, [x], (0,))


LOG_SOFTMAX = """
def log_softmax(z):
    xp = array_namespace(z)
    m = xp.max(z, axis=-1, keepdims=True)
    return z - m - xp.log(xp.sum(xp.exp(z - m), axis=-1, keepdims=True))
"""


def test_a_helpers_own_namespace_is_the_callers_checked_at_run_time():
    """Library code calls array_namespace in every function: a helper's is taken to be what the
    same getter gave in the function differentiated, and checked where the helper runs."""
    log_softmax = make_function(LOG_SOFTMAX, NAMESPACE)
    loss = make_function("""
        def loss(W, X, y):
            xp = array_namespace(X)
            return -xp.mean(xp.sum(y * log_softmax(X @ W), axis=-1))
        """, {**NAMESPACE, "log_softmax": log_softmax})
    rng = np.random.default_rng(12)
    W, X = rng.normal(size=(4, 3)), rng.normal(size=(10, 4))
    y = np.eye(3)[rng.integers(0, 3, 10)]
    check_grad(loss, [W, X, y], (0, 1))
    on_dask(loss, [W, X, y], (0, 1))
    g = srcad.grad(loss)
    g(W, X, y)
    assert "expect_namespace(xp, 'array_api_compat.numpy'" in srcad.source(g)
    mixed = make_function("""
        def mixed(W, X):
            xp = array_namespace(X)
            return xp.sum(X @ W) + xp.sum(log_softmax(W))
        """, {**NAMESPACE, "log_softmax": log_softmax})
    with pytest.raises(srcad.SrcadError, match="here it is array_api_compat.numpy") as info:
        srcad.grad(mixed)(W, da.from_array(X, chunks=5))  # (W: NumPy's, X: Dask's)
    assert info.value.location.lineno == 3


def test_a_helpers_own_namespace_where_the_function_differentiated_has_none():
    """The usual library code: every function calls array_namespace on its own inputs, the loss
    none. The helper's namespace is taken to be what the getter gives on the arguments of the
    call differentiated (arrays in its dicts too), checked where the helper runs."""
    log_softmax = make_function(LOG_SOFTMAX, NAMESPACE)
    by_method = make_function("""
        def by_method(z):
            xp = z.__array_namespace__()
            return xp.tanh(z)
        """, NAMESPACE)
    loss = make_function("""
        def loss(params, X, y):
            h = by_method(X @ params["W"])
            return -np.mean(np.sum(y * log_softmax(h @ params["V"]), axis=-1))
        """, {**NAMESPACE, "log_softmax": log_softmax, "by_method": by_method})
    rng = np.random.default_rng(13)
    params = {"W": rng.normal(size=(4, 3)), "V": rng.normal(size=(3, 3))}
    X, y = rng.normal(size=(6, 4)), np.eye(3)[rng.integers(0, 3, 6)]
    flat = make_function("""
        def flat(W, V, X, y):
            return loss({"W": W, "V": V}, X, y)
        """, {"loss": loss})
    check_grad(flat, [params["W"], params["V"], X, y], (0, 1))
    check_jvp(flat, [params["W"], params["V"], X, y], (0, 1))
    got = srcad.grad(loss)(params, X, y)
    expected = srcad.grad(flat, (0, 1))(params["W"], params["V"], X, y)
    np.testing.assert_allclose(got["W"], expected[0], rtol=1e-13)
    on_dask_too = make_function("""
        def on_dask_too(W, X, y):
            return -np.mean(np.sum(y * log_softmax(np.tanh(X @ W)), axis=-1))
        """, {**NAMESPACE, "log_softmax": log_softmax, "np": np})  # (Dask's arrays have no
    on_dask(on_dask_too, [params["V"], X[:, :3], y], (0, 1))     # __array_namespace__)
    with pytest.raises(srcad.SrcadError, match="which array namespace"):  # (two libraries)
        srcad.grad(on_dask_too)(params["V"], da.from_array(X[:, :3], chunks=3), y)
    assigned = make_function("""
        def assigned(x):
            x = x * 2.0
            xp = array_namespace(x)
            return xp.sum(xp.exp(x))
        """, NAMESPACE)  # (its own getter reads an assigned name: the arguments', checked)
    check_grad(assigned, [X], 0)
    elsewhere = make_function("""
        def elsewhere(x, c):
            return np.sum(log_softmax(x * da.from_array(c)))
        """, {**NAMESPACE, "log_softmax": log_softmax, "np": np})
    with pytest.raises(srcad.SrcadError, match="here it is array_api_compat.dask.array"):
        srcad.grad(elsewhere)(X, X)  # (the helper given Dask's arrays, the arguments NumPy's)


def test_a_namespace_returned_by_a_helper_is_never_an_array():
    """``def get_xp(z): return array_namespace(z)``: the caller's ``xp.prod(x)`` was read as the
    method ``prod`` of an array ``xp`` (a zero gradient, silently; found by a review): a call of a
    user's function that returns a module holds no array."""
    get_xp = make_function("""
        def get_xp(z):
            return array_namespace(z)
        """, NAMESPACE)
    for body in ("xp.prod(x)", "xp.sum(x * x)"):
        f = make_function(f"""
            def f(x):
                xp = get_xp(x)
                return {body}
            """, {"get_xp": get_xp})
        with pytest.raises(srcad.SrcadError, match="may not be an array") as info:
            srcad.grad(f)(np.linspace(0.1, 0.9, 6))
        assert info.value.location.lineno == 4


def test_second_order_through_a_helpers_own_namespace():
    """(The check srcad puts after the helper's getter is code srcad differentiates again.)"""
    log_softmax = make_function(LOG_SOFTMAX, NAMESPACE)
    f = make_function("""
        def f(x):
            xp = array_namespace(x)
            return xp.sum(xp.sin(x)) + xp.sum(log_softmax(x * x) ** 2)
        """, {**NAMESPACE, "log_softmax": log_softmax})
    x = np.linspace(0.1, 1.0, 4).reshape(2, 2)
    check_hvp(f, [x], 0)
    assert srcad.hessian(f)(x).shape == (2, 2, 2, 2)


def test_a_namespace_name_bound_otherwise_too_is_not_assumed():
    """SciPy's 'xp=None' parameter: the helper may be given another module than its getter
    returns (a review found the assumed module's rules used for it, silently)."""
    helper = make_function("""
        def helper(z, xp=None):
            if xp is None:
                xp = array_namespace(z)
            return xp.sum(xp.exp(z))
        """, NAMESPACE)
    f = make_function("""
        def f(x, flag):
            xp = array_namespace(x)
            ns = np if flag else None
            return xp.sum(x) + helper(x, ns)
        """, {**NAMESPACE, "helper": helper})
    with pytest.raises(srcad.SrcadError, match="which array namespace 'xp' holds"):
        srcad.grad(f)(np.linspace(0.1, 1.0, 4), True)


def test_the_exported_code_of_helpers_with_two_getters(tmp_path):
    """(A review found one 'import ... as xp_expected' per module: the check names the module.)"""
    one = make_function("""
        def one(z):
            xp = array_namespace(z)
            return xp.sum(xp.exp(z))
        """, NAMESPACE)
    two = make_function("""
        def two(z):
            ns = z.__array_namespace__()
            return ns.sum(ns.sin(z))
        """, NAMESPACE)
    f = make_function("""
        def f(x):
            xp = array_namespace(x)
            ns = x.__array_namespace__()
            return one(x) + two(x * 2) + ns.sum(xp.cos(x))
        """, {**NAMESPACE, "one": one, "two": two})
    x = np.linspace(0.1, 1.0, 4)
    g = srcad.grad(f)
    expected = check_grad(f, [x])
    g(x)  # (export writes the code of the latest call's namespaces)
    path = tmp_path / "f_grad.py"
    srcad.export(g, str(path))
    assert "srcad" not in "".join(line for line in path.read_text().splitlines()
                                  if line.startswith(("import", "from")))
    namespace: dict = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    np.testing.assert_allclose(namespace["grad_f"](x)[1], expected, rtol=1e-12)


@pytest.mark.parametrize("body", [
    "idx = (x * 3).astype(int)\n    return np.sum(c.take(idx) * x)",
    "return np.sum(c.repeat((x * 2).astype(np.int64))) * np.sum(x)",
    "j = (x[:3] * 2).astype('int32')\n    return np.sum(x[np.array([0, 1, 2]).take(j)] ** 2)",
    "return np.sum(np.astype(x * 3, int) * x)",
])
def test_integer_casts_of_what_is_differentiated_carry_no_gradient(body):
    """(Indices binned from the input, given to a constant array's method: plain NumPy, neither
    refused nor differentiated through.)"""
    f = make_function(f"def f(x):\n    {body}\n", {"c": np.array([1.0, 2.0, 3.0, 4.0])})
    check_grad(f, [np.array([0.2, 0.55, 0.9, 0.4])])  # (no integer boundary within 1e-6)


def test_a_helpers_module_default_is_specialized_on():
    helper = make_function("""
        def helper(y, ns=np):
            return ns.sum(ns.sin(y))
        """)
    f = make_function("""
        def f(x):
            return helper(x) + helper(x, ns=np)
        """, {"helper": helper})
    x = np.array([0.2, 0.55, 0.9])
    np.testing.assert_allclose(srcad.grad(f)(x), 2 * np.cos(x), rtol=1e-12)


def test_take_on_dask():
    """Dask's own take gathers along axis 0 by default: srcad takes its default for da.take, and
    refuses np.take without an axis on a Dask matrix (NumPy would flatten it; Dask does not)."""
    rng = np.random.default_rng(11)
    x = rng.uniform(0.2, 0.8, (4, 3))
    f = make_function("""
        def f(x):
            return da.sum(da.take(x, np.array([0, 2, 2])) ** 3)
        """, NAMESPACE)
    expected = np.zeros_like(x)
    np.add.at(expected, [0, 2, 2], 3 * x[[0, 2, 2]] ** 2)
    got = srcad.grad(f)(da.from_array(x, chunks=2))
    assert isinstance(got, da.Array)
    np.testing.assert_allclose(got.compute(), expected, rtol=1e-12)
    g = make_function("""
        def g(x):
            return np.sum(np.take(x, [0, 2, 2]) ** 3)
        """)
    with pytest.raises(srcad.SrcadError, match="axis 0"):
        srcad.grad(g)(da.from_array(x, chunks=2))


# ---- refusals: never a guess ---------------------------------------------------------------------

@pytest.mark.parametrize("source, says", [
    # Dask's fourth positional parameter is keepdims, NumPy's out
    ("""
     def f(x):
         return da.sum(da.exp(x), 0, None, True).sum()
     """, "positional"),
    # keywords NumPy's rule does not know
    ("""
     def f(x):
         return da.sum(da.exp(x), split_every=2)
     """, "split_every"),
    ("""
     def f(x):
         xp = array_namespace(x)
         return xp.sum(xp.sort(x, descending=True)[:2])
     """, "descending"),
    # a closure holding a module passed to another function: taken for an array there, given a
    # value that depends on x in a parameter that carries no gradient (was a zero gradient)
    ("""
     def f(x):
         xp = np
         def inner(y):
             return xp.sum(xp.sin(y))
         return helper(x, inner)
     def helper(x, fn):
         return fn(x)
     """, "may hold a module or an object"),
])
def test_what_srcad_cannot_prove_is_refused(source, says):
    ns = dict(NAMESPACE)
    ns["helper"] = make_function(source.split("def helper")[1].join(["def helper", ""]),
                                 NAMESPACE) if "def helper" in source else None
    f = make_function(source.split("def helper")[0], ns, name="f")
    x = np.linspace(0.1, 0.6, 6)
    with pytest.raises(srcad.SrcadError, match=says) as info:
        srcad.grad(f)(da.from_array(x, chunks=3) if "da." in source else x)
    assert info.value.location is not None and info.value.location.lineno > 0


def test_namespace_aliases_are_not_numpys_table():
    """docs/rules.md and the rule tests walk NumPy's table: the aliases live beside it."""
    import array_api_compat.dask.array as cda  # noqa: F401
    srcad.rules.lookup(cda.concat)  # (registers the namespaces imported)
    assert cda.concat in srcad.rules.ALIASES
    assert all(fn not in srcad.rules.ALIASES for fn in srcad.rules.RULES)
    assert srcad.rules.lookup(cda.concat).alias_of is srcad.rules.RULES[np.concatenate]
    assert DOMAIN  # (the sampling domains of the rule tests are shared)


def test_the_standards_copy_is_differentiated():
    """(xp.asarray(x, copy=True), the Array API's copy, was refused: review 3.)"""
    f = make_function("""
        def f(x):
            xp = array_namespace(x)
            y = xp.asarray(x, copy=True)
            y[0] = 0.0
            return xp.sum(y ** 2 * x)
        """, NAMESPACE)
    x = np.array([0.3, -1.0, 2.0, 0.5])
    g = check_grad(f, [x])
    np.testing.assert_allclose(g, [0.0, 3.0, 12.0, 0.75], rtol=1e-12)
    np.testing.assert_allclose(srcad.grad(f)(da.from_array(x, chunks=2)).compute(), g)
    np.testing.assert_array_equal(x, [0.3, -1.0, 2.0, 0.5])
