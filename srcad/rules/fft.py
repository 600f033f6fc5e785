"""Rules, family 10: ``np.fft`` and the functions that take a complex value apart (``np.real``,
``np.imag``, ``np.conj``, ``np.angle``; ``np.abs`` is in :mod:`.elementwise`), and ``np.sign``.

Accepts: nothing; importing registers the entries below in :data:`srcad.rules.RULES`.
Guarantees: one entry per function, VJP and JVP side by side; the helpers live in
:mod:`srcad.runtime.fft`.

Convention for complex values (JAX's): srcad differentiates real-valued functions of real inputs,
through complex intermediates. For a complex ``z = x + iy`` the cotangent (the ``dz`` of the
generated code) is ``dL/dx - 1j * dL/dy``, so that ``dL = Re(sum(dz * dz_primal))``. Then the VJP of
a complex-linear map (``fft``, ``ifft``, ``+``, ``*`` by a constant, ``sum``) is its plain transpose,
that of a holomorphic function (``exp``, ``*``, ``**``) is ``g * f'(z)`` (the templates written for
real values hold unchanged), and the cotangent of a real value is the real part of what reaches
it. The functions with a real result of a complex argument (``np.real``, ``np.imag``, ``np.abs``,
``np.angle``, ``irfft``, a cast to a real type) take the real part of their ``g`` first; every
adjoint returned to a real operand of an operation with a complex result is real
(:func:`srcad.runtime.fft.cotangent_like`, in ``unbroadcast``, the products, ``solve`` and the
assembly functions), and so is a gradient returned for a real argument
(:func:`srcad.runtime.plain`). Forward mode needs no convention: tangents are
complex where the values are. The derivative of a function that is not holomorphic and not one of
these (``np.sign`` of a complex value, ``np.linalg.cholesky``/``eigh``/``slogdet``/``pinv``) is
refused at run time with an ``UnsupportedOperationError`` at the user's line; each rule's
:func:`~srcad.rules.registry.complex_mode` says what it does with complex arguments
(docs/complex.md lists them). ``np.angle`` and ``np.abs`` at 0 have gradient 0.

``n``, ``s``, ``axis``, ``axes`` and ``norm`` (``None``, ``"backward"``, ``"ortho"``, ``"forward"``)
are supported as NumPy reads them; ``out=`` is not.
"""

from __future__ import annotations

import numpy as np

from .registry import defrule

_ONE = "a, n=None, axis=-1, norm=None, out=None"
_TWO = "a, s=None, axes=(-2, -1), norm=None, out=None"
_MANY = "a, s=None, axes=None, norm=None, out=None"

for _fn, _inverse in ((np.fft.fft, False), (np.fft.ifft, True)):
    defrule(_fn, _ONE, a=f"fft_adjoint(g, a, (axis,), norm, {_inverse})", unsupported=("out",),
            jvp={"a": f"np.fft.{_fn.__name__}(t, n, axis, norm)"}, fresh=True)
for _fn, _inverse, _signature in ((np.fft.fft2, False, _TWO), (np.fft.ifft2, True, _TWO),
                                  (np.fft.fftn, False, _MANY), (np.fft.ifftn, True, _MANY)):
    defrule(_fn, _signature, a=f"fft_adjoint(g, a, fft_axes(a, s, axes), norm, {_inverse})",
            jvp={"a": f"np.fft.{_fn.__name__}(t, s, axes, norm)"}, unsupported=("out",),
            fresh=True)

defrule(np.fft.rfft, _ONE, complex="real only", a="rfft_adjoint(g, a, (axis,), n, norm)", unsupported=("out",),
        jvp={"a": "np.fft.rfft(t, n, axis, norm)"}, fresh=True)
defrule(np.fft.irfft, _ONE, a="irfft_adjoint(g, a, (axis,), n, norm)", unsupported=("out",),
        jvp={"a": "np.fft.irfft(t, n, axis, norm)"}, fresh=True)
for _fn, _signature in ((np.fft.rfft2, _TWO), (np.fft.rfftn, _MANY)):
    defrule(_fn, _signature, a="rfft_adjoint(g, a, fft_axes(a, s, axes), s, norm)", complex="real only",
            jvp={"a": f"np.fft.{_fn.__name__}(t, s, axes, norm)"}, unsupported=("out",),
            fresh=True)
for _fn, _signature in ((np.fft.irfft2, _TWO), (np.fft.irfftn, _MANY)):
    defrule(_fn, _signature, a="irfft_adjoint(g, a, fft_axes(a, s, axes), s, norm)",
            jvp={"a": f"np.fft.{_fn.__name__}(t, s, axes, norm)"}, unsupported=("out",),
            fresh=True)

defrule(np.fft.fftshift, "x, axes=None", x="np.fft.ifftshift(g, axes)",
        jvp={"x": "np.fft.fftshift(t, axes)"}, fresh=True)
defrule(np.fft.ifftshift, "x, axes=None", x="np.fft.fftshift(g, axes)",
        jvp={"x": "np.fft.ifftshift(t, axes)"}, fresh=True)

# ---- taking a complex value apart ------------------------------------------------------------

defrule(np.real, "val", val="real_adjoint(g, val)", jvp={"val": "np.real(t)"}, view=True)
# the real part where every imaginary part is within tol machine epsilons of 0, else a itself
defrule(np.real_if_close, "a, tol=100", a="real_if_close_adjoint(g, a, ans)",
        jvp={"a": "real_if_close_tangent(t, ans)"})
defrule(np.imag, "val", val="imag_adjoint(g, val)", jvp={"val": "np.imag(t)"}, view=True)
defrule(np.conj, "x", x="conj_adjoint(g, x)", jvp={"x": "np.conj(t)"}, elementwise=True)
defrule(np.angle, "z, deg=False", z="angle_adjoint(g, z, deg)", jvp={"z": "angle_tangent(t, z, deg)"})
# piecewise constant for a real x; z / |z| for a complex one (refused)
defrule(np.sign, "x", complex="refused", x="sign_adjoint(g, x)", jvp={"x": "sign_tangent(t, x)"}, elementwise=True)
