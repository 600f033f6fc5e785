"""Runtime helpers: adjoints and tangents of ``np.fft`` and of the functions that take a complex
value apart (``np.real``, ``np.imag``, ``np.conj``, ``np.angle``, ``np.abs``).

Accepts: an adjoint ``g`` (or a tangent ``t``) and the primal values the rule names.
Guarantees: complex cotangents follow JAX's convention. For a real-valued ``L`` of a complex
``z = x + iy``, the cotangent of ``z`` is ``dL/dx - 1j * dL/dy``, so that ``dL = Re(sum(ct * dz))``:
the VJP of a complex-linear map is its plain transpose (no conjugation), that of a holomorphic
function ``ct * f'(z)``, and the cotangent of a real value is the real part of what reaches it
(:func:`cotangent_like`). Every adjoint of a function with a real result of a complex argument
(an "exit": ``np.real``, ``np.abs``, ``np.irfft`` ...) first takes the real part of ``g``, and every
adjoint returned to a real operand is real: so a real input gets a real gradient. Each helper
declares its own derivative (Hessian-vector products).
"""

from __future__ import annotations

import numpy as np

from ._registry import helper
from .namespaces import as_array, foreign_array, numpy_dtype, zeros_of


def _complex(x) -> bool:
    if type(x) is np.ndarray:  # (the fast path: np.iscomplexobj costs a microsecond)
        return x.dtype.kind == "c"
    return type(x) is not float and np.iscomplexobj(x)


def cotangent_like(g, x):
    """``g`` as the cotangent of ``x``: its real part where ``x`` is real (JAX's convention: the
    gradient of a real value is real), ``g`` itself where ``x`` is complex."""
    if not _complex(g):  # (a real g: itself, whatever x is)
        return g
    return g if _complex(x) else np.real(g)


def _fit(a, length, axis):
    """``a`` cut or zero-padded to ``length`` along ``axis`` (the transpose of NumPy's ``n=``)."""
    have = a.shape[axis]
    if have == length:
        return a
    if have > length:
        return a[(slice(None),) * (axis % a.ndim) + (slice(0, length),)]
    pad = [(0, 0)] * a.ndim
    pad[axis] = (0, length - have)
    return np.pad(a, pad)


@helper(nondiff=True)
def fft_axes(x, s, axes):
    """The axes an n-dimensional transform of ``x`` runs over, as NumPy chooses them (``axes``;
    else the last ``len(s)``; else all)."""
    ndim = np.ndim(x)
    if axes is None:
        axes = tuple(range(ndim)) if s is None else tuple(range(ndim - len(s), ndim))
    return tuple(a % ndim for a in axes)


def _last_length(n, x, axis, default):
    """The length of the last transformed axis: ``n`` (an int, or the last of ``s``), else
    ``default(length of x there)``."""
    if n is None:
        return default(np.shape(x)[axis])
    return int(n) if np.ndim(n) == 0 else int(n[-1])


def _whole(a, axes):
    """``a``, in one chunk along ``axes`` where it is a Dask array (whose FFTs take only that:
    the zeros :func:`_fit` pads with are a chunk of their own)."""
    rechunk = getattr(a, "rechunk", None)
    return rechunk({axis: -1 for axis in axes}) if rechunk is not None and foreign_array(a) else a


def _fit_all(a, x, axes):
    for axis in axes:
        a = _fit(a, np.shape(x)[axis], axis)
    return a


@helper(linear_in="g")
def fft_adjoint(g, x, axes, norm, inverse):
    """Adjoint of ``np.fft.fft``/``ifft``/``fftn``/``ifftn``/``fft2``/``ifft2`` along ``axes`` (the
    axes of ``g`` the transform produced): the DFT matrix is symmetric, so the transpose of each
    transform is the same transform with the same ``norm``, applied to ``g`` (whose lengths are the
    transform's), then cut or padded back to ``x``'s lengths."""
    transform = np.fft.ifftn if inverse else np.fft.fftn
    ct = transform(_whole(as_array(g), axes), axes=axes, norm=norm)
    return cotangent_like(_fit_all(ct, x, axes), x)


@helper(linear_in="g")
def rfft_adjoint(g, x, axes, n, norm):
    """Adjoint of ``np.fft.rfft``/``rfftn``/``rfft2``: ``rfftn`` is the first ``n_last // 2 + 1``
    entries (last axis) of ``fftn`` of the real input, so its transpose pads ``g`` with zeros to
    ``n_last`` (``n``, the last of ``s``, or ``x``'s length), applies ``fftn`` and takes the real
    part (the input is read as real)."""
    n_last = _last_length(n, x, axes[-1], lambda m: m)
    g = _fit(as_array(g), n_last, axes[-1])
    ct = np.real(np.fft.fftn(_whole(g, axes), axes=axes, norm=norm))
    return cotangent_like(_fit_all(ct, x, axes), x)


@helper(linear_in="g")
def irfft_adjoint(g, y, axes, n, norm):
    """Adjoint of ``np.fft.irfft``/``irfftn``/``irfft2`` (a real-linear map from complex to real).
    ``x = irfft(y)`` is ``sum_j w_j Re(y_j e^{2 pi i jk/n})`` scaled as ``norm`` says, with ``w_j = 2``
    except ``w_0 = 1`` and, for an even ``n``, ``w_{n/2} = 1`` (NumPy reads only the real part of
    those two), so the cotangent of ``y`` is ``w * ifftn(Re g)`` cut to ``n // 2 + 1`` entries, then
    to ``y``'s lengths. ``n_last``: ``n``, the last of ``s``, or ``2 * (m - 1)`` for ``y``'s
    length ``m``."""
    n_last = _last_length(n, y, axes[-1], lambda m: 2 * (m - 1))
    g = np.real(g)
    ct = np.fft.ifftn(_whole(g, axes), axes=axes, norm=norm)
    last = axes[-1]
    half = n_last // 2 + 1
    ct = _fit(ct, half, last)
    weight = np.full(half, 2.0)
    weight[0] = 1.0
    if n_last % 2 == 0:
        weight[-1] = 1.0
    shape = [1] * ct.ndim
    shape[last] = half
    return cotangent_like(_fit_all(ct * as_array(weight.reshape(shape), like=ct), y, axes), y)


@helper(linear_in="g")
def real_adjoint(g, val):
    """Adjoint of ``np.real``: the real part of ``g`` (a complex ``val``: as a complex array)."""
    g = np.real(g)
    return g + 0j if _complex(val) else g


@helper(linear_in="g")
def real_if_close_adjoint(g, a, ans):
    """Adjoint of ``np.real_if_close``: that of ``np.real`` where it returned the real part, ``g``
    itself where it returned ``a`` unchanged."""
    return g if _complex(ans) or not _complex(a) else real_adjoint(g, a)


@helper(linear_in="t")
def real_if_close_tangent(t, ans):
    """Tangent of ``np.real_if_close``: the real part of ``t`` where the result is real."""
    return t if _complex(ans) else np.real(t)


@helper(linear_in="t")
def tangent_like(t, value):
    """``t`` as the tangent of ``value``: its real part where ``value`` is real (a complex argument
    read as real by NumPy: ``np.interp``'s ``left`` beside a real ``fp``), ``t`` where complex."""
    return t if _complex(value) else np.real(t)


@helper(linear_in="g")
def imag_adjoint(g, val):
    """Adjoint of ``np.imag``: ``-1j * Re(g)`` for a complex ``val`` (``Im(dz) = Re(-1j dz)``);
    zero for a real one (its imaginary part is always 0)."""
    if _complex(val):
        return -1j * np.real(g)
    return _zero(val)


@helper(linear_in="g")
def conj_adjoint(g, x):
    """Adjoint of ``np.conj``: ``conj(g)`` (``Re(ct conj(dz)) = Re(conj(ct) dz)``)."""
    return cotangent_like(np.conj(g), x)


def _zero(x):
    """A real zero shaped like ``x``, of its floating type (the gradient of a piecewise constant
    function)."""
    if foreign_array(x):
        return zeros_of(x, numpy_dtype(x) if numpy_dtype(x).kind == "f" else np.float64)
    dtype = getattr(x, "dtype", None)
    return np.zeros(np.shape(x), dtype=dtype if dtype is not None and dtype.kind == "f"
                    else np.float64)[()]


def _safe(x):
    """``|x|``, with 1 where it is 0 (so that the conventions below give 0 there)."""
    a = np.abs(x)
    return np.where(a == 0, 1.0, a)


@helper(linear_in="g", jvp={"x": "abs_adjoint_dx(t, g, x)"})
def abs_adjoint(g, x):
    """Adjoint of ``abs``/``np.abs``: ``g * sign(x)`` for a real ``x`` (0 at 0); for a complex
    ``x``, ``Re(g) * conj(x) / |x|`` (``d|z| = Re(conj(z) dz) / |z|``), 0 at 0."""
    if _complex(x):
        return np.real(g) * np.conj(x) / _safe(x)
    return g * np.sign(x)


@helper(linear_in="g")
def abs_adjoint_dx(t, g, x):
    """Tangent of :func:`abs_adjoint` along ``t`` in ``x``: 0 for a real ``x`` (the sign is
    piecewise constant); for a complex one, ``Re(g)`` times the derivative of ``conj(x) / |x|``:
    ``conj(t) / |x| - conj(x) Re(conj(x) t) / |x|^3``."""
    if not _complex(x) and not _complex(t):
        return 0.0 * g * t
    a = _safe(x)
    d = np.conj(t) / a - np.conj(x) * np.real(np.conj(x) * t) / a ** 3
    return np.where(np.abs(x) == 0, 0.0, np.real(g) * d)


@helper(linear_in="d", jvp={"x": "abs_tangent_dx(t, d, x)"})
def abs_tangent(d, x):
    """Tangent of ``abs``/``np.abs`` along ``d``: ``d * sign(x)`` for a real ``x``, else
    ``Re(conj(x) d) / |x|`` (0 at 0)."""
    if _complex(x):
        return np.real(np.conj(x) * d) / _safe(x)
    return d * np.sign(x)


@helper(linear_in="d")
def abs_tangent_dx(t, d, x):
    """Tangent of :func:`abs_tangent` along ``t`` in ``x`` (0 for a real ``x``)."""
    if not _complex(x) and not _complex(t):
        return 0.0 * d * t
    a = _safe(x)
    value = np.real(np.conj(t) * d) / a - np.real(np.conj(x) * d) * np.real(np.conj(x) * t) / a ** 3
    return np.where(np.abs(x) == 0, 0.0, value)


@helper(linear_in="g", jvp={"z": "angle_adjoint_dz(t, g, z, deg)"})
def angle_adjoint(g, z, deg=False):
    """Adjoint of ``np.angle``: for a complex ``z``, ``Re(g) * (-1j / z)`` (``d angle(z) =
    Im(dz / z)``), 0 at 0; for a real ``z`` (an angle of 0 or pi) 0."""
    scale = 180 / np.pi if deg else 1.0
    if not _complex(z):
        return _zero(z)
    zero = np.abs(z) == 0
    return np.where(zero, 0.0, np.real(g) * scale * -1j / np.where(zero, 1.0, z))


@helper(linear_in="g")
def angle_adjoint_dz(t, g, z, deg=False):
    """Tangent of :func:`angle_adjoint` along ``t`` in ``z``: ``Re(g) * 1j * t / z^2`` (0 at 0 and
    for a real ``z``)."""
    scale = 180 / np.pi if deg else 1.0
    if not _complex(z) and not _complex(t):
        return _zero(z)
    zero = np.abs(z) == 0
    safe = np.where(zero, 1.0, z)
    return np.where(zero, 0.0, np.real(g) * scale * 1j * t / safe ** 2)


@helper(linear_in="t", nonlinear=("z",))
def angle_tangent(t, z, deg=False):
    """Tangent of ``np.angle``: ``Im(t / z)`` for a complex ``z`` (0 at 0), 0 for a real one."""
    scale = 180 / np.pi if deg else 1.0
    if not _complex(z):
        return _zero(z)
    zero = np.abs(z) == 0
    return np.where(zero, 0.0, scale * np.imag(t / np.where(zero, 1.0, z)))


@helper(linear_in="g", jvp={"x": "sign_adjoint(g, x)"})  # (zero: its derivative is zero too)
def sign_adjoint(g, x):
    """Adjoint of ``np.sign``: 0 for a real ``x`` (piecewise constant); a complex ``x``
    (``sign(z) = z / |z|``, not constant) is refused."""
    _refuse_complex(x, "np.sign")
    return _zero(x)


@helper(linear_in="d", jvp={"x": "sign_tangent(d, x)"})
def sign_tangent(d, x):
    """Tangent of ``np.sign`` along ``d``: 0 for a real ``x``; a complex one is refused."""
    _refuse_complex(x, "np.sign")
    return _zero(x)


def _refuse_complex(x, what):
    if _complex(x):
        from ..errors import UnsupportedOperationError
        raise UnsupportedOperationError(
            f"srcad does not differentiate {what} of a complex value (its derivative is not "
            "implemented; np.abs, np.angle, np.real, np.imag and np.conj are)")
