"""Composite rules (:mod:`srcad.rules.composites`), a special function and polynomials:
``np.i0``, ``np.kaiser``, ``np.polydiv``, ``np.polyfit``.

Accepts: nothing; importing registers the entries.
Guarantees: as :mod:`srcad.rules.composite_stats`. ``np.i0``: NumPy's Chebyshev series, each piece
evaluated where it is taken (the other piece on a value where it is finite: no NaN reaches the
gradient); its derivative is the series' own (``i1`` to the series' accuracy). ``np.polydiv``:
NumPy drops the leading coefficients of the remainder that are close to 0 (``np.allclose``):
those the division makes zero carry no gradient; a gradient with respect to one that happens to be
close to 0 is refused (the length of the remainder changes there), at run time, at the user's
line. ``np.polyfit``: least squares through ``np.linalg.lstsq`` (its rule: a matrix of full
rank), differentiable in ``x``, ``y`` and ``w``; ``full=True`` and ``cov=`` are refused at the
user's line.
"""

from __future__ import annotations

import warnings

import numpy as np
from numpy.lib._function_base_impl import _i0A, _i0B

from ..errors import UnsupportedOperationError
from .composite_arrays import _POLY1D
from .composite_stats import cast
from .composites import defcomposite, internal
from .registry import defrule

_I0A = list(_i0A)
_I0B = list(_i0B)


def _chbevl(x, vals):
    b0 = vals[0]
    b1 = 0.0
    b2 = 0.0
    for i in range(1, len(vals)):
        b2 = b1
        b1 = b0
        b0 = x * b1 - b2 + vals[i]
    return 0.5 * (b0 - b2)


def i0(x):
    x = np.asarray(x)
    if x.dtype.kind == "c":
        raise TypeError("i0 not supported for complex values")
    if x.dtype.kind != "f":
        x = x.astype(float)
    x = np.abs(x)
    small = x <= 8.0
    near = np.where(small, x, 0.0)
    far = np.where(small, 9.0, x)
    near_value = np.exp(near) * _chbevl(near / 2.0 - 2, _I0A)
    far_value = np.exp(far) * _chbevl(32.0 / far - 2.0, _I0B) / np.sqrt(far)
    return cast(np.where(small, near_value, far_value), x.dtype)


def remainder_coefficients(r, zeros):
    """``r`` without the leading coefficients ``np.polydiv`` drops (those ``np.allclose`` to 0,
    keeping one); the first ``zeros`` are those the division makes zero."""
    start = 0
    while np.allclose(r[start], 0, rtol=1e-14) and r.shape[-1] - start > 1:
        start = start + 1
    return r[start:]


_DROPPED = ("no_gradient('np.polydiv', 'u, v', 'a leading coefficient of the remainder close to "
            "0, which NumPy drops: the length of the remainder changes there')")
_KEPT = "np.size(r) - np.size(ans) <= zeros"
internal(defrule(remainder_coefficients, "r, zeros", name="srcad.rules.composites.remainder_coefficients",
                 r=f"np.concatenate((np.zeros(np.size(r) - np.size(ans), g.dtype), g)) if {_KEPT} "
                   f"else {_DROPPED}",
                 jvp={"r": f"t[np.size(r) - np.size(ans):] if {_KEPT} else {_DROPPED}"}))


def polydiv(u, v):
    if isinstance(u, np.poly1d) or isinstance(v, np.poly1d):
        raise UnsupportedOperationError(_POLY1D)
    u = np.atleast_1d(u) + 0.0
    v = np.atleast_1d(v) + 0.0
    w = u[0] + v[0]
    m = len(u) - 1
    n = len(v) - 1
    scale = 1.0 / v[0]
    q = np.zeros((max(m - n + 1, 1),), w.dtype)
    r = cast(u, w.dtype)
    for k in range(m - n + 1):
        d = scale * r[k]
        q[k] = d
        r[k:k + n + 1] = r[k:k + n + 1] - d * v
    return q, remainder_coefficients(r, max(m - n + 1, 0))


def polyfit(x, y, deg, rcond=None, full=False, w=None, cov=False):
    if full or cov:
        raise UnsupportedOperationError("srcad differentiates np.polyfit without full=True or "
                                        "cov= (the coefficients only)")
    order = int(deg) + 1
    x = np.asarray(x) + 0.0
    y = np.asarray(y) + 0.0
    if deg < 0:
        raise ValueError("expected deg >= 0")
    if x.ndim != 1:
        raise TypeError("expected 1D vector for x")
    if x.size == 0:
        raise TypeError("expected non-empty vector for x")
    if y.ndim < 1 or y.ndim > 2:
        raise TypeError("expected 1D or 2D array for y")
    if x.shape[0] != y.shape[0]:
        raise TypeError("expected x and y to have same length")
    if rcond is None:
        rcond = len(x) * np.finfo(x.dtype).eps
    lhs = np.vander(x, order)
    rhs = y
    if w is not None:
        w = np.asarray(w) + 0.0
        if w.ndim != 1:
            raise TypeError("expected a 1-d array for weights")
        if w.shape[0] != y.shape[0]:
            raise TypeError("expected w and y to have the same length")
        lhs = lhs * w[:, None]
        if rhs.ndim == 2:
            rhs = rhs * w[:, None]
        else:
            rhs = rhs * w
    scale = np.sqrt(np.sum(lhs * lhs, axis=0))
    lhs = lhs / scale
    c, resids, rank, s = np.linalg.lstsq(lhs, rhs, rcond)
    c = (c.T / scale).T
    if rank != order:
        warnings.warn("Polyfit may be poorly conditioned", np.exceptions.RankWarning, stacklevel=2)
    return c


def kaiser(M, beta):
    # (NumPy: np.array([0.0, M, beta]) for the type, at least float64; M a length, no gradient)
    M = float(M)
    beta = np.asarray(beta)
    beta = cast(beta, np.result_type(np.float64, beta.dtype))
    if M == 1:
        return np.ones(1, dtype=beta.dtype)
    n = np.arange(0, M)
    alpha = (M - 1) / 2.0
    return i0(beta * np.sqrt(1 - ((n - alpha) / alpha) ** 2.0)) / i0(beta)


defcomposite(np.kaiser, kaiser, note="differentiated in `beta`")
defcomposite(np.i0, i0, note="the derivative of NumPy's Chebyshev series (i1 to its accuracy)")
defcomposite(np.polydiv, polydiv, note="a gradient with respect to a coefficient of the remainder "
             "NumPy drops as close to 0 is refused")
defcomposite(np.polyfit, polyfit, note="`full=True`, `cov=` are not taken; a matrix of full rank")
