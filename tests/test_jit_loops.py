"""``jit=True``'s elementwise loops (srcad/passes/loops.py): statements over 1-d float64 arrays of
one shape written as one loop over the entries give the numbers the uncompiled code gives (which
the rest of the suite checks against finite differences and autograd), including where NumPy's
array semantics differ from scalar Python's (a zero divisor, NaN, a negative base), and leave
alone what they cannot prove (other shapes and dtypes, views, values of several kinds).

Each case says whether the compiled code must hold such a loop, so a change that stops the
rewrite (or starts it where it must not happen) fails here.
"""

import re
import textwrap
import warnings

import gast
import numpy as np
import pytest

import srcad
from gradcheck import check_grad, make_function
from srcad.passes import loop_kinds
from srcad.passes.value_kinds import ValueKind
from test_jit import ode_loss as ode

import numba  # noqa: F401  (the test extra installs it)

LOOP = re.compile(r"for i\d* in range\(len\(")


def compiled_agrees(fn, args, argnums, lowered: bool, rtol=1e-12):
    """jit=True gives the uncompiled value and gradient (NaN where it has NaN), and its code
    holds an elementwise loop exactly when ``lowered``; returns the compiled gradient."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # (NumPy's own, on inf and NaN)
        expected = srcad.value_and_grad(fn, argnums)(*args)
        df = srcad.value_and_grad(fn, argnums, jit=True)
        got = df(*args)
        again = df(*args)
    for value in (got, again):
        np.testing.assert_allclose(np.float64(value[0]), np.float64(expected[0]), rtol=rtol)
        grads = value[1] if isinstance(argnums, tuple) else (value[1],)
        wanted = expected[1] if isinstance(argnums, tuple) else (expected[1],)
        for g, e in zip(grads, wanted):
            assert np.shape(g) == np.shape(e)
            np.testing.assert_allclose(g, e, rtol=rtol, atol=1e-300)
    assert bool(LOOP.search(srcad.source(df))) == lowered, srcad.source(df)
    return got[1]


def test_a_while_loop_over_arrays_becomes_loops_over_entries():
    rng = np.random.default_rng(0)
    u0, a, b = rng.uniform(0.1, 1.0, (3, 50))
    compiled_agrees(ode, (u0, a, b, 0.05, 1.0), (1, 2), lowered=True)
    check_grad(ode, (u0, a, b, 0.05, 1.0), argnums=1)  # (the uncompiled, against differences)


def test_empty_arrays_and_one_entry():
    for n in (0, 1):
        u = np.linspace(0.2, 0.9, n)
        compiled_agrees(ode, (u, u * 0.5, u * 0.1, 0.1, 0.35), (1, 2), lowered=True)


def small_ops(x, w):
    for i in range(6):
        a = x * w
        s = np.sin(a)
        x = np.tanh((s + x) * 1.5)
    return np.sum(x)


def test_a_name_of_the_user_called_i_and_nested_loops():
    rng = np.random.default_rng(1)
    compiled_agrees(small_ops, tuple(rng.standard_normal((2, 7))), (0, 1), lowered=True)


def test_a_zero_divisor_gives_infinities_as_numpy_does():
    """Divided entry by entry, ``/`` of numbers raises where NumPy's arrays give inf: the loop
    divides as NumPy does."""
    def quotient(x, y):
        return np.sum(x / y + x * y)
    x = np.array([1.0, -2.0, 0.0, 3.0])
    y = np.array([2.0, 0.0, 0.0, 4.0])
    compiled_agrees(quotient, (x, y), (0, 1), lowered=True)


def test_nan_and_a_negative_base_as_numpy_gives_them():
    def powers(x, y):
        return np.sum(np.maximum(x, 0.0) * y + x ** 2.5 * y + np.sqrt(x) * y)
    x = np.array([1.5, -2.0, np.nan, 0.0, 4.0])
    y = np.array([2.0, 1.0, 0.5, 3.0, -1.0])
    compiled_agrees(powers, (x, y), 1, lowered=True)


@pytest.mark.parametrize("name", ["sin", "cos", "tanh", "exp", "log", "log1p", "sqrt", "abs",
                                  "arctan", "sinh", "cbrt", "square", "expm1",
                                  "negative", "reciprocal"])
def test_each_unary_function_entry_by_entry(name):
    f = make_function(f"""
        def f(x, y):
            z = np.{name}(x) * y + x
            return np.sum(z * z)
        """)
    x = np.array([0.3, 1.7, 2.5, 0.9, 1.1])
    compiled_agrees(f, (x, np.linspace(-1.0, 1.0, 5)), (0, 1), lowered=True)


@pytest.mark.parametrize("body, argnums", [
    ("np.maximum(x, 1.5) * y + np.minimum(x, 0.5) * y", 1),  # (their ties: no numba adjoint)
    ("np.arctan2(x, y) * y + 2.0 * np.arctan2(y, 1.5)", (0, 1)),
    ("np.hypot(x, y) * y + 2.0 * np.hypot(y, 1.5)", (0, 1)),
    ("np.power(x, 1.5) * y + 2.0 * np.power(y, 2)", (0, 1))])
def test_each_binary_function_entry_by_entry(body, argnums):
    f = make_function(f"""
        def f(x, y):
            return np.sum({body})
        """)
    x = np.array([0.3, 1.7, 2.5, 0.9, 1.1])
    compiled_agrees(f, (x, np.array([0.5, 2.0, 1.0, 0.9, 3.0])), argnums, lowered=True)


def test_arguments_that_are_overlapping_views_of_one_array():
    """x and y share memory (y is x shifted by one): only reads, so one entry at a time is
    right; nothing writes into them."""
    def f(x, y):
        z = x * y + np.sin(x)
        z = z * x - y
        return np.sum(z * z)
    base = np.linspace(0.1, 1.0, 9)
    compiled_agrees(f, (base[1:], base[:-1]), (0, 1), lowered=True)
    strided = np.linspace(0.1, 1.0, 10)[::2]
    compiled_agrees(f, (strided, strided[::-1]), (0, 1), lowered=True)


def test_a_users_in_place_updates_keep_their_meaning():
    def f(x, y):
        z = x * 2.0
        z += y
        z *= x
        return np.sum(z * z) + np.sum(y)
    x, y = np.linspace(0.1, 1.0, 6), np.linspace(1.0, 2.0, 6)
    compiled_agrees(f, (x, y), (0, 1), lowered=True)


def test_other_shapes_dtypes_and_ranks_are_left_as_they_are():
    def f(x, y):
        return np.sum(x * 2.0) + np.sum(y ** 2)
    compiled_agrees(f, (np.ones(3), np.ones(4)), (0, 1), lowered=True)  # (each its own base)
    compiled_agrees(f, (np.ones((3, 2)), np.ones((3, 2))), (0, 1), lowered=False)

    def g(x, k):
        return np.sum(x * k + x)
    compiled_agrees(g, (np.ones(3), np.arange(3)), 0, lowered=False)  # (an int array)

    def h(x, c):
        return np.sum(x * c)
    compiled_agrees(h, (np.ones(3), np.ones((2, 1))), 0, lowered=False)  # (broadcasting)
    compiled_agrees(h, (np.linspace(1.0, 2.0, 3), np.full(1, 3.0)), (0, 1), lowered=False)


def test_a_loop_variable_is_not_known_a_number():
    def f(x, n):
        y = x * 0.0
        for k in range(n):
            y = y + x * k
        return np.sum(y * y)
    compiled_agrees(f, (np.linspace(0.0, 1.0, 4), 3), 0, lowered=True)  # (x * 0.0 only)


def test_a_scalar_part_that_can_raise_stays_out_of_loops():
    """``x * (1.0 / s)`` on an empty array would not evaluate ``1.0 / s``: where it may raise,
    the statement is left as NumPy's."""
    def f(x, s):
        return np.sum(x * (1.0 / s))
    for x in (np.ones(3), np.ones(0)):
        with pytest.raises(ZeroDivisionError):
            srcad.grad(f, 0)(x, 0.0)
        with pytest.raises(ZeroDivisionError):
            srcad.grad(f, 0, jit=True)(x, 0.0)


def test_forward_mode_and_hessian_vector_products():
    rng = np.random.default_rng(2)
    u0, a, b = rng.uniform(0.1, 1.0, (3, 8))
    v = rng.standard_normal(8)
    want = srcad.jvp(ode, (u0, a, b, 0.1, 0.5), (None, v, None, None, None))
    got = srcad.jvp(ode, (u0, a, b, 0.1, 0.5), (None, v, None, None, None), jit=True)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-12)
    hv = srcad.hvp(ode, 1, jit=True)(u0, a, b, 0.1, 0.5, v)
    np.testing.assert_allclose(hv, srcad.hvp(ode, 1)(u0, a, b, 0.1, 0.5, v), rtol=1e-11)
    assert "jvp_grad_ode" in srcad.source(srcad.hvp(ode, 1, jit=True))


# ---- the analysis, directly -------------------------------------------------------------------------

def kinds_of(source: str, values: dict) -> dict:
    function = gast.parse(textwrap.dedent(source)).body[0]
    params = loop_kinds.parameter_kinds(function, tuple(values.items()))
    return loop_kinds.infer(function, params, frozenset({"zeros_like", "unsum", "seed_scalar"}))


ARRAY = ValueKind("array", np.dtype("float64"), 1)


def test_kinds_follow_every_assignment():
    kinds = kinds_of("""
        def f(x, y, s, n):
            a = x * y + s
            b = None
            for k in range(n):
                stack_b.append(b)
                b = np.sin(a) / n
                c = b
                c = 1.0
            b = stack_b.pop()
            d = zeros_like(x)
            e = x @ y
            g = x ** 0.5
            h = s ** 0.5
        """, {"x": ARRAY, "y": ValueKind("array", np.dtype("float64"), 1, "x"),
              "s": ValueKind("float"), "n": ValueKind("int")})
    assert kinds["a"] == ("array", "x") and kinds["d"] == ("array", "x")
    assert kinds["b"] == ("optional", "x")  # (None first, then arrays: read, it may be None)
    assert "c" not in kinds and "e" not in kinds and "h" not in kinds  # (complex: (-1) ** 0.5)
    assert kinds["g"] == ("array", "x") and kinds["s"] == "float" and kinds["n"] == "real"


def test_no_kinds_for_other_arrays():
    kinds = kinds_of("""
        def f(x, y, z, w):
            a = x + y
        """, {"x": ValueKind("array", np.dtype("float32"), 1),
              "y": ValueKind("array", np.dtype("float64"), 2),
              "z": ValueKind("array", np.dtype("int64"), 1),
              "w": ValueKind("bool")})
    assert kinds == {}


# ---- what an adversarial review found (each a wrong number or a failure before its fix) --------------

def compare_jvp(f, primals, tangents):
    want = srcad.jvp(f, primals, tangents)
    got = srcad.jvp(f, primals, tangents, jit=True)
    np.testing.assert_allclose(np.float64(got[0]), np.float64(want[0]), rtol=1e-12)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-12)


def test_a_user_name_np_len_or_range_leaves_the_code_as_it_is():
    f = make_function("""
        def f(x, range):
            return np.sum(x * range + x * x)
        """)
    x, r = np.linspace(0.1, 1.0, 5), np.linspace(-1.0, 2.0, 5)
    compiled_agrees(f, (x, r), 0, lowered=False)
    g = make_function("""
        def g(x, y):
            len = 3.0
            return np.sum(x * y * len)
        """)
    compiled_agrees(g, (x, r), (0, 1), lowered=False)


def test_a_users_list_named_stack_is_no_tape():
    f = make_function("""
        def f(x, y):
            stack = [y]
            stack.append(x * 2.0)
            a = stack.pop()
            b = stack.pop()
            c = b * x
            return np.sum(c * c) + np.sum(a)
        """)
    compare_jvp(f, (np.linspace(0.1, 1.0, 5), np.array([2.0])), (np.ones(5), np.zeros(1)))


def test_a_function_defined_inside_is_not_rewritten_with_the_outer_kinds():
    def f(x, w, z):
        def g(x, w):
            c = x * w
            return np.sum(c * c)
        d = x * w
        return np.sum(d * d) * g(z[:1], z)
    x, w, z = np.linspace(0.1, 1, 5), np.linspace(-1, 2, 5), np.linspace(1, 3, 5)
    compiled_agrees(f, (x, w, z), 0, lowered=False)


def zeros_like(a):  # (a user's function with the name of srcad's helper)
    return np.zeros(1)


def test_a_users_function_named_like_a_helper_is_not_the_helper():
    def f(x, y):
        c = zeros_like(x) + 1.0
        z = c * y
        return np.sum(z * z)
    compiled_agrees(f, (np.linspace(0.1, 1, 5), np.linspace(1, 2, 5)), 1, lowered=False)


def split(v):
    return v[:1], v


def test_parameters_rebound_by_a_tuple_target_lose_their_kinds():
    def f(x, y, w):
        z0 = x * y
        x, y = split(w)
        z = x * y
        return np.sum(z * z) + np.sum(z0)
    t = (np.ones(5), np.ones(5), np.array([1.0, -1.0]))
    compare_jvp(f, (np.linspace(0.1, 1, 5), np.linspace(1, 2, 5), np.array([2.0, 3.0])), t)


def test_hvp_at_a_zero_divisor_gives_numpys_infinities():
    """hvp differentiates the gradient code again, in forward mode: that code is not rewritten
    (its entries' '/' would be differentiated as Python's, which raises at a zero)."""
    def f(x, y):
        return np.sum(x / y * x)
    x, y, v = np.array([1.0, -2.0, 3.0]), np.array([2.0, 0.0, 4.0]), np.array([1.0, 0.5, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        np.testing.assert_array_equal(srcad.hvp(f, 0, jit=True)(x, y, v),
                                      srcad.hvp(f, 0)(x, y, v))
