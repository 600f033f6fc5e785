# Ported from autograd's tests/test_fft.py (https://github.com/HIPS/autograd, MIT license).
"""autograd's tests/test_fft.py as srcad checks (autograd: reverse mode only; the port checks
both modes and second order). The inverse real transforms get a Hermitian input (an ``rfft`` of a
real one), as autograd's ``match_complex`` makes."""

import numpy as np

from .harness import Port

port = Port("test_fft.py", seed=1)
R = port.R

port.skip("test_rfftn_odd_not_implemented",
          "asserts autograd's own NotImplementedError (rfftn of odd length); srcad's rfftn "
          "differentiates odd lengths, and test_rfftn's checks cover rfftn")


def hermitian(name, mat):
    """autograd's match_complex: the inverse real transforms read a Hermitian input."""
    if name.startswith("ir"):
        return getattr(np.fft, name[1:])(mat)
    return mat


port.expr("test_fft", "x", "np.fft.fft(x)", R(5, 5))
port.expr("test_fft_ortho", "x", "np.fft.fft(x, norm='ortho')", R(5, 5))
port.expr("test_fft_axis", "x", "np.fft.fft(x, axis=0)", R(5, 5))
for name, D, n in [("fft", 5, -2), ("fft", 5, 2), ("ifft", 5, -2), ("ifft", 5, 2),
                   ("rfft", 4, -2), ("rfft", 4, 2), ("irfft", 4, -2), ("irfft", 4, 2)]:
    test = f"test_{name}_n_{'smaller' if n < 0 else 'bigger'}"
    port.expr(test, "x", f"np.fft.{name}(x, {D + n})", hermitian(name, R(D, D)))
for name, D in [("fft2", 5), ("ifft2", 5), ("fftn", 5), ("ifftn", 5), ("rfft2", 4), ("irfft2", 4),
                ("rfftn", 4), ("irfftn", 4)]:
    port.expr(f"test_{name}_s", "x", f"np.fft.{name}(x, s=[{D + 2}, {D - 2}], axes=[0, 2])",
              hermitian(name, R(D, D, D) / 10.0))
port.expr("test_ifft", "x", "np.fft.ifft(x)", R(5, 5))
port.expr("test_fft2", "x", "np.fft.fft2(x)", R(5, 5) / 10.0)
port.expr("test_ifft2", "x", "np.fft.ifft2(x)", R(5, 5))
port.expr("test_fftn", "x", "np.fft.fftn(x)", R(5, 5) / 10.0)
port.expr("test_ifftn", "x", "np.fft.ifftn(x)", R(5, 5))
port.expr("test_rfft", "x", "np.fft.rfft(x)", R(4, 4) / 10.0)
port.expr("test_rfft_ortho", "x", "np.fft.rfft(x, norm='ortho')", R(4, 4) / 10.0)
port.expr("test_rfft_axes", "x", "np.fft.rfft(x, axis=0)", R(4, 4) / 10.0)
port.expr("test_irfft", "x", "np.fft.irfft(x)", np.fft.rfft(R(4, 4) / 10.0))
port.expr("test_irfft_ortho", "x", "np.fft.irfft(x, norm='ortho')", np.fft.rfft(R(4, 4) / 10.0))
port.expr("test_rfft2", "x", "np.fft.rfft2(x)", R(4, 4) / 10.0)
port.expr("test_irfft2", "x", "np.fft.irfft2(x)", np.fft.rfft2(R(4, 4) / 10.0))
port.expr("test_rfftn", "x", "np.fft.rfftn(x)", R(4, 4, 4) / 10.0)
port.expr("test_rfftn_subset", "x", "np.fft.rfftn(x)[(0, 1, 0), (3, 3, 2)]", R(4, 4, 4) / 10.0)
port.expr("test_rfftn_axes", "x", "np.fft.rfftn(x, axes=(0, 2))", R(4, 4, 4) / 10.0)
port.expr("test_irfftn", "x", "np.fft.irfftn(x)", np.fft.rfftn(R(4, 4, 4) / 10.0))
port.expr("test_irfftn_subset", "x", "np.fft.irfftn(x)[(0, 1, 0), (3, 3, 2)]",
          np.fft.rfftn(R(4, 4, 4) / 10.0))
port.expr("test_fftshift", "x", "np.fft.fftshift(x)", R(5, 5) / 10.0)
port.expr("test_fftshift_even", "x", "np.fft.fftshift(x)", R(4, 4) / 10.0)
port.expr("test_fftshift_axes", "x", "np.fft.fftshift(x, axes=1)", R(5, 5) / 10.0)
port.expr("test_ifftshift", "x", "np.fft.ifftshift(x)", R(5, 5))
port.expr("test_ifftshift_even", "x", "np.fft.ifftshift(x)", R(4, 4))
port.expr("test_ifftshift_axes", "x", "np.fft.ifftshift(x, axes=1)", R(5, 5))
