"""Composite rules (:mod:`srcad.rules.composites`), a special function and polynomials:
``np.i0``, ``np.kaiser``, ``np.polydiv``, ``np.polyfit``, ``np.roots``, ``np.poly``.

Accepts: nothing; importing registers the entries.
Guarantees: as :mod:`srcad.rules.composite_stats`. ``np.i0``: NumPy's Chebyshev series, each piece
evaluated where it is taken (the other piece on a value where it is finite: no NaN reaches the
gradient); its derivative is the series' own (``i1`` to the series' accuracy). ``np.polydiv``:
NumPy drops the leading coefficients of the remainder that are close to 0 (``np.allclose``):
those the division makes zero carry no gradient; a gradient with respect to one that happens to be
close to 0 is refused (the length of the remainder changes there), at run time, at the user's
line. ``np.polyfit``: least squares through ``np.linalg.lstsq`` (its rule: a matrix of full
rank), differentiable in ``x``, ``y`` and ``w``; ``full=True`` and ``cov=`` are refused at the
user's line. ``np.roots``: the eigenvalues of the companion matrix (``np.linalg.eigvals``' rule:
refused at repeated roots); NumPy strips leading and trailing zero coefficients (a trailing zero
is a root at 0): a gradient with respect to coefficients with any stripped is refused (the number
or the order of the roots changes under a perturbation of those). ``np.poly``: the product of
``(x - zero)`` over the zeros given, or over the eigenvalues of a square matrix (``eigvals``' rule:
refused where they repeat, though the characteristic polynomial is smooth there); where NumPy
keeps the real part of coefficients whose zeros come in conjugate pairs, a complex argument's
gradient is refused (a perturbation of it breaks the pairs, and the imaginary part it drops).
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


# ---- np.roots, np.poly ---------------------------------------------------------------------------

def nonzero_coefficients(p, start, stop):
    """``p[start:stop]``: the coefficients ``np.roots`` keeps (it strips leading and trailing
    zeros)."""
    return p[start:stop]


_STRIPPED = ("no_gradient('np.roots', 'p', 'coefficients with a leading or trailing zero, which NumPy "
             "strips: the number or the order of the roots changes under a perturbation of it')")
_WHOLE = "start == 0 and stop == np.size(p)"
internal(defrule(nonzero_coefficients, "p, start, stop",
                 name="srcad.rules.composites.nonzero_coefficients",
                 p=f"g if {_WHOLE} else {_STRIPPED}", jvp={"p": f"t if {_WHOLE} else {_STRIPPED}"}))


def conjugate_pairs_real(a, given_complex):
    """``a.real.copy()``: ``np.poly``'s coefficients where its zeros come in conjugate pairs;
    ``given_complex``: were the zeros (or the matrix) given complex? Then a perturbation breaks
    the pairs and the part NumPy drops varies: no gradient."""
    return a.real.copy()


_UNPAIRED = ("no_gradient('np.poly', 'seq_of_zeros', 'complex zeros in conjugate pairs, whose "
             "coefficients NumPy makes real: a perturbation breaks the pairs')")
internal(defrule(conjugate_pairs_real, "a, given_complex",
                 name="srcad.rules.composites.conjugate_pairs_real",
                 a=f"real_adjoint(g, a) if not given_complex else {_UNPAIRED}",
                 jvp={"a": f"np.real(t) if not given_complex else {_UNPAIRED}"}))


def roots(p):
    p = np.atleast_1d(p)
    if p.ndim != 1:
        raise ValueError("Input must be a rank-1 array.")
    non_zero = np.nonzero(np.ravel(p))[0]
    if len(non_zero) == 0:
        return np.array([])
    trailing_zeros = len(p) - non_zero[-1] - 1
    p = nonzero_coefficients(p, int(non_zero[0]), int(non_zero[-1]) + 1)
    if not issubclass(p.dtype.type, (np.floating, np.complexfloating)):
        p = p.astype(float)
    n = len(p)
    if n > 1:  # the companion matrix: -p[1:] / p[0] on its first row, ones below the diagonal
        companion = np.concatenate(((-p[1:] / p[0])[None, :], np.eye(n - 2, n - 1, dtype=p.dtype)))
        found = np.linalg.eigvals(companion)
    else:
        found = np.array([])
    return np.hstack((found, np.zeros(trailing_zeros, found.dtype)))


def poly(seq_of_zeros):
    seq_of_zeros = np.atleast_1d(seq_of_zeros)
    given_complex = np.iscomplexobj(seq_of_zeros)
    sh = seq_of_zeros.shape
    if len(sh) == 2 and sh[0] == sh[1] and sh[0] != 0:
        seq_of_zeros = np.linalg.eigvals(seq_of_zeros)
    elif len(sh) == 1:
        code = np.mintypecode(seq_of_zeros.dtype.char)
        if seq_of_zeros.dtype != object and seq_of_zeros.dtype.char != code:  # (integers)
            seq_of_zeros = seq_of_zeros.astype(code)
    else:
        raise ValueError("input must be 1d or non-empty square 2d array.")
    if len(seq_of_zeros) == 0:
        return 1.0
    dt = seq_of_zeros.dtype
    a = np.ones((1,), dtype=dt)
    for k in range(len(seq_of_zeros)):
        a = np.convolve(a, np.concatenate((np.ones(1, dt), -seq_of_zeros[k:k + 1])), mode="full")
    if issubclass(a.dtype.type, np.complexfloating):
        # (complex zeros in conjugate pairs make real coefficients)
        zeros = np.asarray(seq_of_zeros, complex)
        if np.all(np.sort(zeros) == np.sort(np.conj(zeros))):
            a = conjugate_pairs_real(a, given_complex)
    return a


defcomposite(np.roots, roots, note="a gradient with respect to coefficients NumPy strips zeros "
             "from (leading or trailing) is refused; repeated roots are refused (`eigvals`)")
defcomposite(np.poly, poly, note="a matrix through its eigenvalues (`eigvals`: refused where they "
             "repeat); complex zeros in conjugate pairs, whose coefficients NumPy makes real, are "
             "refused")
