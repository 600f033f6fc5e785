"""``jit=True`` for ``srcad.vjp`` and ``srcad.jacrev``: each ``vjp_fn`` call runs one compiled
function holding both sweeps and taking the cotangent; it gives the uncompiled numbers (to
rounding) or a located ``JitError``, never another number.
"""

import warnings

import numpy as np
import pytest

import srcad
from gradcheck import make_function
from test_jit import flat
from test_jit_forward import CASES, IDS

import numba  # noqa: F401  (the test extra installs it: a missing numba fails here, never skips)


def cotangent_for(out, rng):
    if isinstance(out, tuple):
        return tuple(cotangent_for(o, rng) for o in out)
    return rng.standard_normal(np.shape(out)) if np.ndim(out) else float(rng.standard_normal())


def vjp_agrees_or_refused(fn, args) -> bool:
    out, expected_fn = srcad.vjp(fn, *args)
    cotangent = cotangent_for(out, np.random.default_rng(2))
    expected = expected_fn(cotangent)
    before = [np.copy(a) if isinstance(a, np.ndarray) else a for a in args]
    kept = np.copy(cotangent) if isinstance(cotangent, np.ndarray) else cotangent
    try:
        out_jit, fn_jit = srcad.vjp(fn, *args, jit=True)
        got = fn_jit(cotangent)
    except srcad.JitError as exc:
        assert exc.message.startswith("jit"), exc
        return False
    np.testing.assert_allclose(flat(out_jit), flat(out), rtol=1e-12)
    np.testing.assert_allclose(flat(got), flat(expected), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(flat(fn_jit(cotangent)), flat(expected), rtol=1e-9, atol=1e-12)
    for a, b in zip(args, before):  # (the caller's arrays and cotangent untouched)
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b)
    if isinstance(cotangent, np.ndarray):
        np.testing.assert_array_equal(cotangent, kept)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", srcad.JitWarning)
        auto = srcad.vjp(fn, *args, jit="auto")[1](cotangent)
    np.testing.assert_allclose(flat(auto), flat(expected), rtol=1e-9, atol=1e-12)
    return True


# (every second case, to keep CI's time: the backward code is grad's, which test_jit.py runs
# over every case; the loops and branches of MUST_COMPILE_VJP are run below in any case)
@pytest.mark.parametrize("fn, args, argnums", CASES[::2], ids=IDS[::2])
def test_vjp_over_the_corpora_compiled(fn, args, argnums):
    try:
        srcad.vjp(fn, *args)
    except srcad.SrcadError:
        pytest.skip("reverse mode refuses it uncompiled (tested in test_api_conventions.py)")
    vjp_agrees_or_refused(fn, args)


MUST_COMPILE_VJP = ["for_range_arg", "while_data_dependent", "while_ode", "if_elif_else",
                    "nested_loops", "break_in_loop", "column_write", "rnn_rows"]


def test_the_loops_and_branches_users_write_compile_in_vjp():
    cases = {fn.__name__: (fn, args) for fn, args, _ in CASES}
    refused = [name for name in MUST_COMPILE_VJP if not vjp_agrees_or_refused(*cases[name])]
    assert not refused, refused


def test_jacrev_compiled_matches_finite_differences_and_jacfwd():
    f = make_function("""
        def f(W, x):
            h = np.tanh(W @ x)
            for i in range(3):
                h = np.sin(h) * x[0]
            return h
        """, name="f")
    W, x = np.arange(6.0).reshape(2, 3) / 10, np.array([1.0, 2.0, 3.0])
    J = srcad.jacrev(f, 1, jit=True)(W, x)
    eps = 1e-6
    fd = np.stack([(f(W, x + eps * e) - f(W, x - eps * e)) / (2 * eps) for e in np.eye(3)],
                  axis=1)
    np.testing.assert_allclose(J, fd, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(J, srcad.jacfwd(f, 1, jit=True)(W, x), rtol=1e-12)
    JW, Jx = srcad.jacrev(f, (0, 1), jit=True)(W, x)
    np.testing.assert_allclose(Jx, J, rtol=1e-12)
    np.testing.assert_allclose(JW, srcad.jacrev(f, 0)(W, x), rtol=1e-12)


def test_the_compiled_vjp_code_takes_the_cotangent_first():
    f = make_function("""
        def f(x, scale=2.0):
            return np.sin(x) * scale
        """, name="f")
    x = np.array([0.1, 0.5])
    out, fn = srcad.vjp(f, x, jit=True)
    assert "def vjp_f(cotangent, x, scale=2.0):" in fn.source
    assert "compiled with numba at the first call (jit=True)" in fn.source
    np.testing.assert_allclose(fn(np.ones(2))[0], 2.0 * np.cos(x))


def test_has_aux_with_jit_agrees_or_is_refused():
    f = make_function("""
        def f(x):
            y = np.sin(x)
            return y * 2.0, np.sum(y)
        """, name="f")
    x = np.array([0.1, 0.5, -0.3])
    out, fn, aux = srcad.vjp(f, x, has_aux=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", srcad.JitWarning)
        out2, fn2, aux2 = srcad.vjp(f, x, has_aux=True, jit="auto")
    np.testing.assert_allclose(fn2(np.ones(3))[0], fn(np.ones(3))[0])
    assert aux2 == aux


def test_jit_keyword_is_checked_in_reverse_mode():
    f = make_function("""
        def f(x):
            return x * 2.0
        """, name="f")
    with pytest.raises(ValueError):
        srcad.vjp(f, np.ones(2), jit="yes")
    with pytest.raises(ValueError):
        srcad.jacrev(f, jit="sometimes")
