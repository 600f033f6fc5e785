"""Runtime helpers of the SciPy rules of :mod:`srcad.rules.scipy_more`: Bessel functions of any
order (each one's derivative written with its neighbours, so every order of derivative has a
rule), ``gammaln`` and ``betaln`` for the densities the templates spell out, the adjoint of
``scipy.signal.convolve``, Sylvester's equation (``solve_sylvester``, ``sqrtm``) and banded
matrices (``solve_banded``).

Accepts: an adjoint ``g`` (or a tangent ``t``) and the primal values the rule names.
Guarantees: imported only when SciPy is, with :mod:`srcad.runtime.scipy_helpers`; each helper
declares its own derivative (Hessian-vector products) or names the parameters it has none for (a
tangent reaching one is an error, never a zero).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
import scipy.signal
import scipy.special

from ._registry import helper
from .broadcasting import _unsupported
from .fft import cotangent_like


# ---- special functions ----------------------------------------------------------------------------
# (the order v, as polygamma's n, is read, not differentiated: the rules of jv, iv, ... have no
# gradient in it, so a tangent of v is refused where the user's code has one; in the code reverse
# mode generates, v's is zero, though a tuple of saved values may carry it along)

@helper(jvp={"x": "t * (special_jv(v - 1, x) - special_jv(v + 1, x)) / 2"})
def special_jv(v, x):
    """``scipy.special.jv``: J_v' = (J_{v-1} - J_{v+1}) / 2."""
    return scipy.special.jv(v, x)


@helper(jvp={"x": "t * (special_yv(v - 1, x) - special_yv(v + 1, x)) / 2"})
def special_yv(v, x):
    """``scipy.special.yv``: Y_v' = (Y_{v-1} - Y_{v+1}) / 2."""
    return scipy.special.yv(v, x)


@helper(jvp={"x": "t * (special_iv(v - 1, x) + special_iv(v + 1, x)) / 2"})
def special_iv(v, x):
    """``scipy.special.iv``: I_v' = (I_{v-1} + I_{v+1}) / 2."""
    return scipy.special.iv(v, x)


@helper(jvp={"x": "t * ((special_ive(v - 1, x) + special_ive(v + 1, x)) / 2 "
                  "- np.sign(x) * special_ive(v, x))"})
def special_ive(v, x):
    """``scipy.special.ive = iv(v, x) exp(-|x|)``: its derivative has the sign's jump at 0 taken
    as no derivative."""
    return scipy.special.ive(v, x)


@helper(jvp={"x": "t * special_digamma(x)"})
def special_gammaln(x):
    """``scipy.special.gammaln``."""
    return scipy.special.gammaln(x)


@helper(jvp={"a": "t * (special_digamma(a) - special_digamma(a + b))",
             "b": "t * (special_digamma(b) - special_digamma(a + b))"})
def special_betaln(a, b):
    """``scipy.special.betaln``."""
    return scipy.special.betaln(a, b)


@helper(linear_in="x")
def dirichlet_point(x, alpha):
    """``x`` itself, refused unless ``x`` and ``alpha`` are vectors (one point of the simplex:
    SciPy reads other shapes along its first axis)."""
    if np.ndim(x) != 1 or np.ndim(alpha) != 1:
        raise _unsupported("srcad differentiates scipy.stats.dirichlet at one point (x and alpha "
                           f"vectors; here shapes {np.shape(x)} and {np.shape(alpha)})")
    return x


# ---- scipy.signal.convolve -------------------------------------------------------------------------

@helper(linear_in=("a", "v"))
def signal_convolve(a, v, mode="full"):
    """``scipy.signal.convolve(a, v, mode)`` (bilinear: the tangents of the rule)."""
    return scipy.signal.convolve(a, v, mode)


@helper(linear_in=("g", "v"))
def convolve_adjoint(g, a, v, mode="full"):
    """Adjoint of ``scipy.signal.convolve(a, v, mode)`` with respect to ``a`` (the convolution is
    symmetric: with respect to ``v``, ``convolve_adjoint(g, v, a, mode)``). Every mode's result is
    the full one cut to the middle (SciPy's ``_centered``): ``g`` is put back there in zeros, and
    convolved with ``v`` reversed along every axis (``'valid'``: the transpose of the full
    convolution, with no conjugation for a complex ``v``). A real ``a`` gets a real cotangent."""
    g = np.asarray(g)
    full_shape = tuple(n + m - 1 for n, m in zip(np.shape(a), np.shape(v)))
    full = np.zeros(full_shape, dtype=np.result_type(g, v, float))
    start = [(n - k) // 2 for n, k in zip(full_shape, g.shape)]
    full[tuple(slice(s, s + k) for s, k in zip(start, g.shape))] = g
    flipped = np.flip(np.asarray(v), axis=tuple(range(np.ndim(v)))) if np.ndim(v) else v
    return cotangent_like(scipy.signal.convolve(full, flipped, "valid"), a)


# ---- Sylvester's equation, banded matrices --------------------------------------------------------

@helper(jvp={"a": "sylvester_solve(a, b, -t @ sylvester_solve(a, b, q))",
             "b": "sylvester_solve(a, b, -sylvester_solve(a, b, q) @ t)",
             "q": "sylvester_solve(a, b, t)"})
def sylvester_solve(a, b, q):
    """``X`` with ``a X + X b = q`` (``scipy.linalg.solve_sylvester``); its tangent along ``da``
    solves ``a dX + dX b = -da X``, along ``db`` ``= -X db`` (X recomputed: in a helper's
    templates ``ans`` names a parameter of that name, not the result)."""
    return scipy.linalg.solve_sylvester(a, b, q)


@helper(linear_in="g")
def cotangent_of(g, x):
    """``g`` as the cotangent of ``x``: its real part for a real ``x`` (``sqrtm`` of a real matrix
    may be complex; see :func:`~srcad.runtime.fft.cotangent_like`)."""
    return cotangent_like(g, x)


def _band_entries(l_and_u, n):
    """``(rows, cols, band_rows)``: the entries of an n x n matrix the band ``(l, u)`` holds, and
    the row of ``solve_banded``'s ``ab`` (``ab[u + i - j, j] = a[i, j]``) holding each."""
    lower, upper = l_and_u
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    inside = (j - i <= upper) & (i - j <= lower)
    return i[inside], j[inside], (upper + i - j)[inside]


@helper(linear_in="ab")
def banded_to_dense(l_and_u, ab):
    """The square matrix ``solve_banded(l_and_u, ab, b)`` solves with."""
    ab = np.asarray(ab)
    n = ab.shape[-1]
    rows, cols, band = _band_entries(l_and_u, n)
    dense = np.zeros((n, n), dtype=np.result_type(ab, float))
    dense[rows, cols] = ab[band, cols]
    return dense


@helper(linear_in="m")
def dense_to_banded(l_and_u, m):
    """The adjoint of :func:`banded_to_dense`: the band of ``m`` in ``solve_banded``'s layout (the
    entries of ``ab`` it never reads get 0)."""
    m = np.asarray(m)
    n = m.shape[-1]
    rows, cols, band = _band_entries(l_and_u, n)
    ab = np.zeros((l_and_u[0] + l_and_u[1] + 1, n), dtype=m.dtype)
    ab[band, cols] = m[rows, cols]
    return ab
