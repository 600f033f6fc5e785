"""Where numba's Python is not Python's, found by an adversarial review of ``jit=True``: each
case gives the uncompiled number, Python's own error, or a ``JitError``; never another number."""

import math
import threading
import types
import warnings

import numpy as np
import pytest

import srcad
from gradcheck import make_function

import numba  # noqa: F401  (the test extra installs it: a missing numba fails here, never skips)


def same_as_python(f, *args, argnums=0):
    """The compiled gradient equals the uncompiled one, or both raise the same error type, or
    the compiled one is refused; returns what happened."""
    try:
        expected = srcad.grad(f, argnums)(*args)
    except Exception as exc:  # noqa: BLE001 - the uncompiled code's own error
        with pytest.raises(type(exc)):
            srcad.grad(f, argnums, jit=True)(*args)
        return "python's error"
    try:
        got = srcad.grad(f, argnums, jit=True)(*args)
    except srcad.JitError:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", srcad.JitWarning)
            auto = srcad.grad(f, argnums, jit="auto")(*args)
        np.testing.assert_array_equal(np.asarray(auto), np.asarray(expected))
        return "refused"
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(expected, dtype=float),
                               rtol=1e-12)
    return "compiled"


def fn(body: str, params: str = "x"):
    return make_function(f"def f({params}):\n" + "".join(f"    {line}\n"
                                                           for line in body.split("\n")),
                         name="f")


@pytest.mark.parametrize("body, args", [
    ("return x[i] * x[0]", (np.array([1.0, 2.0, 3.0]), 3)),
    ("return x[i] * x[0]", (np.array([1.0, 2.0, 3.0]), -4)),
    ("s = 0.0\nfor k in range(x.shape[0] + i):\n    s = s + x[k] * x[k]\nreturn s",
     (np.array([1.0, 2.0, 3.0]), 1)),
    ("y = np.zeros(3)\ny[i] = x[0]\nreturn np.sum(y * x)", (np.array([1.0, 2.0, 3.0]), 3)),
])
def test_an_index_out_of_range_raises_as_in_python(body, args):
    assert same_as_python(fn(body, "x, i"), *args) == "python's error"


@pytest.mark.parametrize("body, args, outcome", [
    ("return x * (a + b)", (1.0, 2 ** 62, 2 ** 62), "compiled"),  # (run uncompiled: big ints)
    ("return x * (a - b)", (1.0, -2 ** 62, 2 ** 62), "compiled"),
    ("return x * int(a * b)", (1.0, 1e10, 1e10), "refused"),
    ("return x * int(a * b)", (1.0, float("nan"), 1.0), "python's error"),
    ("return x * round(a, 1) + b", (1.0, 4.35, 0.0), "refused"),
])
def test_integers_numba_would_wrap_or_convert_otherwise(body, args, outcome):
    assert same_as_python(fn(body, "x, a, b"), *args) == outcome


def test_an_int32_entry_in_arithmetic_is_refused():
    f = fn("return x * (n[0] + n[0])", "x, n")
    assert same_as_python(f, 1.0, np.array([2 ** 31 - 1], np.int32)) == "refused"


@pytest.mark.parametrize("body, x", [
    ("if math.log(x) < 0:\n    return x\nreturn 2 * x", -1.0),
    ("return x * math.sqrt(x - 2.0)", 1.0),
    ("return x * math.exp(x)", 1000.0),
    ("return x * math.sin(x * y)", 1.0),
    ("return x * math.floor(x * y)", 1.0),
])
def test_math_raises_where_python_raises(body, x):
    f = make_function("import math\ny = float('inf')\n\ndef f(x):\n"
                      + "".join(f"    {line}\n" for line in body.split("\n")), name="f")
    assert same_as_python(f, x) == "python's error"


def test_math_compiles_and_agrees_where_python_gives_a_number():
    f = fn("return math.log(x) * math.sqrt(x) + math.floor(x) * x + math.pow(x, 1.5)")
    f.__globals__["math"] = math
    assert same_as_python(f, 2.5) == "compiled"


def test_float32_with_a_python_float_is_refused_and_float64_arrays_are_not():
    f = fn("return np.sum(((x + 1e-4) - x) * x)")
    assert same_as_python(f, np.array([1000.0, 2000.0], np.float32)) == "refused"
    assert same_as_python(f, np.array([1000.0, 2000.0])) == "compiled"


def test_a_module_attribute_changed_is_read_again():
    config = types.ModuleType("config_for_jit_review")
    config.K = 2.0
    f = fn("return np.sum(x * config.K)")
    f.__globals__["config"] = config
    df = srcad.grad(f, jit=True)
    assert df(1.0) == 2.0
    config.K = 5.0
    assert df(1.0) == 5.0
    config.K = np.full(300_000, 2.0)  # (over 1 MiB: numba would freeze it in)
    with pytest.raises(srcad.JitError, match="K"):
        df(1.0)


def test_a_default_array_changed_in_place_is_read_again():
    f = make_function("def f(x, w=np.array([1.0, 2.0])):\n    return np.sum(x * w)\n", name="f")
    df = srcad.grad(f, jit=True)
    np.testing.assert_array_equal(df(np.ones(2)), [1.0, 2.0])
    f.__defaults__[0][0] = 10.0
    np.testing.assert_array_equal(df(np.ones(2)), [10.0, 2.0])


def test_threads_compiling_at_once_never_return_an_unchecked_result():
    f = fn("k = 1\nfor i in range(1, n + 1):\n    k = k * i\nreturn x * k", "x, n")
    for _ in range(3):
        df = srcad.grad(f, jit=True)
        barrier = threading.Barrier(4)
        out = []

        def work():
            barrier.wait()
            try:
                out.append(df(1.0, 25))
            except srcad.JitError:
                out.append("refused")
        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert out == ["refused"] * 4, out


def test_vjp_fn_is_not_changed_by_the_caller_changing_its_primal_afterwards():
    f = fn("return np.sin(x) * x[0]")
    x = np.array([0.3, 0.7])
    expected = srcad.vjp(f, x.copy())[1](np.ones(2))[0]
    for jit in (False, True):
        y = x.copy()
        _, vjp_fn = srcad.vjp(f, y, jit=jit)
        y[0] = 100.0
        np.testing.assert_allclose(vjp_fn(np.ones(2))[0], expected, rtol=1e-12)


# ---- a second round of the review ------------------------------------------------------------

SECOND = """
import math
import numpy as np
B = 2 ** 62

def make(c):
    def closure(x):
        return x * ((c + c) > 0)
    return closure

closure_big = make(2 ** 62)

def global_big(x):
    return x * ((B + B) // 2 ** 61)

def default_big(x, k=2 ** 62):
    return x * ((k + k) > 0)

def tuple_big(x, ks):
    return x * (ks[0] + ks[1])

def pow_builtin(x, k):
    return x * (pow(k, 40) // pow(k, 39))

def invert_bool(x):
    b = x > 0.0
    return x * (~b)

def mean32(x):
    return np.mean(x * x)

def exp_of_entry(x):
    return math.exp(x[0])

def into_int_array(x):
    a = np.zeros(2, dtype=np.int64)
    a[0] = x * 1e19
    return x * (a[0] > 0)

def bool_difference(x):
    return x[0] * ((x[0] > 0) - (x[1] > 0))

def ldexp_overflow(x):
    return x * math.ldexp(x, 2000)

def negative_power(x, k):
    return x * np.power(k, -1)
"""


@pytest.fixture(scope="module")
def second(tmp_path_factory):
    import importlib.util
    path = tmp_path_factory.mktemp("second") / "second_round.py"
    path.write_text(SECOND)
    spec = importlib.util.spec_from_file_location("second_round", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name, args, outcome", [
    ("global_big", (2.0,), "refused"),
    ("closure_big", (2.0,), "refused"),
    ("default_big", (2.0,), "refused"),
    ("tuple_big", (2.0, (2 ** 62, 2 ** 62)), "compiled"),  # (run uncompiled: big ints inside)
    ("pow_builtin", (2.0, 3), "refused"),
    ("invert_bool", (2.0,), "refused"),
    ("mean32", (np.full(100_000, 1.1, dtype=np.float32),), "refused"),
    ("exp_of_entry", (np.array([1.1, 2.0], dtype=np.float32),), "compiled"),
    ("into_int_array", (2.0,), "python's error"),
    ("bool_difference", (np.array([1.0, 2.0]),), "python's error"),
    ("ldexp_overflow", (2.0,), "python's error"),
    ("negative_power", (2.0, 3), "python's error"),
])
def test_second_round(second, name, args, outcome):
    assert same_as_python(getattr(second, name), *args) == outcome


def test_getattr_of_a_module_is_refused():
    config = types.ModuleType("config_for_getattr")
    config.K = 2.0
    f = fn('return np.sum(x * getattr(config, "K"))')
    f.__globals__["config"] = config
    with pytest.raises(srcad.JitError, match="getattr"):  # (numba keeps the first value)
        srcad.grad(f, jit=True)(1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", srcad.JitWarning)
        df = srcad.grad(f, jit="auto")
        assert df(1.0) == 2.0
        config.K = 5.0
        assert df(1.0) == 5.0
