"""``jit=True`` for forward mode: ``srcad.jvp``, ``hvp``, ``hessian`` and ``jacfwd`` compiled with
numba give the uncompiled numbers (to rounding), or a located ``JitError``; never another number.

The uncompiled forward mode is checked against finite differences and autograd by the rest of the
suite; here the compiled code is checked against it over the control-flow and calls corpora, and
against closed forms.
"""

import warnings

import numpy as np
import pytest

import corpus_control
import srcad
from gradcheck import make_function
from test_calls import CASES as CALL_CASES
from test_jit import flat

import numba  # noqa: F401  (the test extra installs it: a missing numba fails here, never skips)

CASES = [(fn, [make(np.random.default_rng(0)) for make in makers], argnums)
         for fn, makers, argnums in corpus_control.CASES] + list(CALL_CASES)
IDS = [f"{c[0].__name__}-{k}" for k, c in enumerate(CASES)]


def tangents_for(args, argnums, rng):
    ks = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    return [(rng.standard_normal(np.shape(a)) if np.ndim(a) else float(rng.standard_normal()))
            if k in ks else None for k, a in enumerate(args)]


def jvp_agrees_or_refused(fn, args, tangents) -> bool:
    expected = srcad.jvp(fn, args, tangents)
    before = [np.copy(a) if isinstance(a, np.ndarray) else a for a in args]
    try:
        got = srcad.jvp(fn, args, tangents, jit=True)
    except srcad.JitError as exc:
        assert exc.message.startswith("jit"), exc
        return False
    np.testing.assert_allclose(flat(got), flat(expected), rtol=1e-9, atol=1e-12)
    for a, b in zip(args, before):  # (the caller's arrays untouched)
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", srcad.JitWarning)
        auto = srcad.jvp(fn, args, tangents, jit="auto")
    np.testing.assert_allclose(flat(auto), flat(expected), rtol=1e-9, atol=1e-12)
    return True


@pytest.mark.parametrize("fn, args, argnums", CASES, ids=IDS)
def test_jvp_over_the_corpora_compiled(fn, args, argnums):
    tangents = tangents_for(args, argnums, np.random.default_rng(3))
    try:
        srcad.jvp(fn, args, tangents)
    except srcad.SrcadError:
        pytest.skip("forward mode refuses it uncompiled (tested in test_forward.py)")
    jvp_agrees_or_refused(fn, args, tangents)


# (forward over the gradient code: every third case of one argument, to keep CI's time; the
# loops and branches of MUST_COMPILE_HVP are run below in any case)
HVP_CASES = [c for c in CASES if isinstance(c[2], int)][::3]


@pytest.mark.parametrize("fn, args, argnums", HVP_CASES,
                         ids=[f"{c[0].__name__}-{k}" for k, c in enumerate(HVP_CASES)])
def test_hvp_over_the_corpora_compiled(fn, args, argnums):
    v = tangents_for(args, argnums, np.random.default_rng(4))[argnums]
    try:
        expected = srcad.hvp(fn, argnums)(*args, v)
    except srcad.SrcadError:
        pytest.skip("refused uncompiled (tested in test_forward.py)")
    try:
        got = srcad.hvp(fn, argnums, jit=True)(*args, v)
    except srcad.JitError as exc:
        assert exc.message.startswith("jit"), exc
        return
    np.testing.assert_allclose(flat(got), flat(expected), rtol=1e-9, atol=1e-12)


# What compiles today, forward (jvp) and forward over reverse (hvp): leaving a list is a regression.
MUST_COMPILE_JVP = ["for_range_arg", "while_data_dependent", "while_ode", "if_elif_else",
                    "nested_loops", "break_in_loop", "column_write", "rnn_rows"]
MUST_COMPILE_HVP = ["for_range_arg", "while_data_dependent", "while_ode", "if_elif_else",
                    "nested_loops", "break_in_loop"]


def test_the_loops_and_branches_users_write_compile_forward():
    cases = {fn.__name__: (fn, args, argnums) for fn, args, argnums in CASES}
    refused = []
    for name in MUST_COMPILE_JVP:
        fn, args, argnums = cases[name]
        if not jvp_agrees_or_refused(fn, args, tangents_for(args, argnums,
                                                            np.random.default_rng(5))):
            refused.append(("jvp", name))
    for name in MUST_COMPILE_HVP:
        fn, args, argnums = cases[name]
        k = argnums if isinstance(argnums, int) else argnums[0]
        v = tangents_for(args, k, np.random.default_rng(6))[k]
        try:
            got = srcad.hvp(fn, k, jit=True)(*args, v)
        except srcad.JitError:
            refused.append(("hvp", name))
            continue
        np.testing.assert_allclose(flat(got), flat(srcad.hvp(fn, k)(*args, v)), rtol=1e-9,
                                   atol=1e-12)
    assert not refused, refused


def test_hessian_and_jacfwd_compiled_match_closed_forms():
    f = make_function("""
        def f(x):
            s = 0.0
            for i in range(x.shape[0]):
                s = s + x[i] ** 3 * np.sin(x[0])
            return s
        """, name="f")
    x = np.array([0.4, -1.3, 0.8])
    n = len(x)
    H = np.zeros((n, n))  # d2/dx2 of sum_i x_i^3 sin(x_0)
    for i in range(n):
        H[i, i] += 6 * x[i] * np.sin(x[0])
        H[i, 0] += 3 * x[i] ** 2 * np.cos(x[0])
        H[0, i] += 3 * x[i] ** 2 * np.cos(x[0])
    H[0, 0] -= np.sum(x ** 3) * np.sin(x[0])
    np.testing.assert_allclose(srcad.hessian(f, jit=True)(x), H, rtol=1e-10)
    g = make_function("""
        def g(W, x):
            return np.tanh(W @ x)
        """, name="g")
    W = np.arange(6.0).reshape(2, 3) / 10
    J = np.einsum("i,ij->ij", 1 - np.tanh(W @ x) ** 2, W)
    np.testing.assert_allclose(srcad.jacfwd(g, 1, jit=True)(W, x), J, rtol=1e-10)
    np.testing.assert_allclose(srcad.jacfwd(g, 1, jit=True)(W, x), srcad.jacfwd(g, 1)(W, x))


def test_forward_code_with_a_view_written_through_is_not_reordered():
    """The fusion of pass 11c never moves an expression past a write into an array: it may read
    a view of it (``B_item = B[:, j]`` then ``B[:, j] = ...``; found by the jvp corpus)."""
    f = make_function("""
        def f(A, v):
            B = A.copy()
            for j in range(A.shape[1]):
                B[:, j] = B[:, j] * v[j]
            return np.sum(B * B)
        """, name="f")
    rng = np.random.default_rng(7)
    A, v = rng.standard_normal((3, 4)), rng.standard_normal(4)
    tA, tv = rng.standard_normal((3, 4)), rng.standard_normal(4)
    expected = srcad.jvp(f, (A, v), (tA, tv))
    assert jvp_agrees_or_refused(f, (A, v), (tA, tv))
    eps = 1e-6  # (and a central difference, independent of srcad)
    fd = (f(A + eps * tA, v + eps * tv) - f(A - eps * tA, v - eps * tv)) / (2 * eps)
    np.testing.assert_allclose(expected[1], fd, rtol=1e-6)


def test_jit_keyword_is_checked_in_forward_mode():
    f = make_function("""
        def f(x):
            return np.sum(x ** 2)
        """, name="f")
    with pytest.raises(ValueError):
        srcad.jvp(f, (np.ones(2),), (np.ones(2),), jit="yes")
    with pytest.raises(ValueError):
        srcad.hessian(f, jit=1)
    with pytest.raises(ValueError):
        srcad.jacfwd(f, jit="sometimes")


def test_show_of_the_compiled_forward_code_says_so():
    f = make_function("""
        def f(x):
            return np.sum(np.sin(x) * x)
        """, name="f")
    from srcad.passes.reverse import Options
    from srcad.api.specialize import specialization
    from srcad.pipeline import jvp_transform
    x = np.ones(3)
    function, _, text, _ = jvp_transform(f, (0,), specialization(f, (x,), {}, True),
                                         Options(jit="on"))
    assert "compiled with numba at the first call (jit=True)" in text
    assert "axis=None" not in text and "keepdims" not in text
    np.testing.assert_allclose(function(x, x_dot=np.ones(3))[1], np.sum(np.sin(x) + x * np.cos(x)))
