"""A gradient with NaN entries where the function's value is finite is refused, located (issue #14).

Such a gradient is never the right number (0 * inf, inf - inf or 0 / 0 in the backward sweep).
srcad runs the function again transformed with ``debug_nans=True`` to name the line: see
``srcad/api/nans.py``. Found by an independent review: ``np.where(x != 0, np.sin(x) / x, 1.0)``
returned NaN at 0 where the derivative is 0.
"""

from __future__ import annotations

import numpy as np
import pytest

import srcad
from gradcheck import check_grad, make_function

SINC = """
def f(x):
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.where(x != 0, np.sin(x) / x, 1.0)
    return np.sum(y * y)
"""

SAFE_SINC = """
def f(x):
    safe = np.where(x != 0, x, 1.0)
    y = np.where(x != 0, np.sin(safe) / safe, 1.0)
    return np.sum(y * y)
"""


def test_a_nan_gradient_of_a_finite_value_is_refused_at_its_line():
    f = make_function(SINC, name="f")
    x = np.array([0.0, 0.5])
    assert np.isfinite(f(x))
    for derived in (srcad.grad(f), srcad.value_and_grad(f), srcad.grad(f, debug_nans=True)):
        with pytest.raises(srcad.NonFiniteError) as info:
            derived(x)
        assert "np.where(x != 0, np.sin(x) / x, 1.0)" in info.value.location.line
    with pytest.raises(srcad.NonFiniteError, match="np.where"):  # the hint says what to write
        srcad.grad(f)(x)


def test_away_from_the_point_and_written_safely_it_is_differentiated():
    f, safe = make_function(SINC, name="f"), make_function(SAFE_SINC, name="f")
    check_grad(f, (np.array([0.3, 0.5]),))
    check_grad(safe, (np.array([0.3, 0.5]),))
    np.testing.assert_allclose(srcad.grad(safe)(np.array([0.0, 0.5]))[0], 0.0)


def test_with_aux_the_loss_decides():
    f = make_function("""
def f(x):
    with np.errstate(divide="ignore", invalid="ignore"):
        loss = np.sum(np.where(x != 0, np.sin(x) / x, 1.0))
    return loss, {"x": x}
""", name="f")
    with pytest.raises(srcad.NonFiniteError):
        srcad.grad(f, has_aux=True)(np.array([0.0, 0.5]))


def test_an_infinite_gradient_is_returned_as_the_limit_it_is():
    def f(x):
        return np.sum(np.sqrt(x))
    with np.errstate(divide="ignore"):
        g = srcad.grad(f)(np.array([0.0, 1.0]))
    assert g[0] == np.inf and g[1] == 0.5


def test_a_nan_value_keeps_its_nan_gradient():
    def f(x):
        return np.sum(x * x)
    g = srcad.grad(f)(np.array([np.nan, 1.0]))
    assert np.isnan(g[0]) and g[1] == 2.0


VECTOR_SINC = """
def g(x):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x != 0, np.sin(x) / x, 1.0) * x
"""

KINK = """
def h(x):
    return np.sum(np.sqrt(x ** 2))
"""


def test_every_derivative_with_nan_where_the_value_is_finite_is_refused():
    """vjp_fn, jacrev, jvp, hvp and hessian: the same principle as grad, located at the
    function's definition (they do not rerun to find the line)."""
    f, g, h = make_function(SINC, name="f"), make_function(VECTOR_SINC, name="g"), \
        make_function(KINK, name="h")
    x, v = np.array([0.0, 0.5]), np.array([1.0, -1.0])
    with np.errstate(all="ignore"):
        cases = {
            "vjp": lambda: srcad.vjp(g, x)[1](v),
            "jacrev": lambda: srcad.jacrev(g)(x),
            "hvp": lambda: srcad.hvp(f)(x, v),
            "hessian": lambda: srcad.hessian(f)(x),
            "jvp": lambda: srcad.jvp(h, (x,), (v,)),
            "hvp at a kink": lambda: srcad.hvp(h)(x, v),
        }
        for what, compute in cases.items():
            with pytest.raises(srcad.NonFiniteError, match="NaN entries") as info:
                compute()
            assert info.value.location.line.startswith("def "), what


def test_a_nan_derivative_of_a_nan_value_or_direction_is_returned():
    g = make_function("""
def g(x):
    return np.log(x) * 2.0
""", name="g")
    x = np.array([-1.0, 2.0])
    with np.errstate(all="ignore"):
        out, t = srcad.jvp(g, (x,), (np.ones(2),))
        assert np.isnan(out[0]) and t[1] == pytest.approx(1.0)
        (d,) = srcad.vjp(g, np.array([0.0, 2.0]))[1](np.ones(2))  # log(0): -inf, 2 / 0: inf
        assert np.isinf(d[0]) and d[1] == pytest.approx(1.0)
        y = np.array([1.0, 2.0])
        out, t = srcad.jvp(g, (y,), (np.array([np.nan, 1.0]),))
        assert np.isnan(t[0])


def test_away_from_the_point_the_derivatives_are_those_of_the_oracle():
    from rulecheck import check_hvp, check_jvp
    f, h = make_function(SINC, name="f"), make_function(KINK, name="h")
    x = np.array([0.3, 0.5])
    for fn in (f, h):
        check_jvp(fn, (x,), [0])
        check_hvp(fn, (x,), 0)
