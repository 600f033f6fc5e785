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
