"""Real-valued functions of complex arguments (issue #16): JAX's convention, ``grad(f)(z) =
df/dx - 1j * df/dy`` for ``z = x + 1j*y`` (so that ``df = Re(sum(grad * dz))``; see
docs/complex.md). The oracle is central differences in the real and in the imaginary direction of
each entry; forward mode (``srcad.jvp`` along a complex direction) is checked against the
directional difference. What srcad does not differentiate for a complex value is refused.
"""

from __future__ import annotations

import numpy as np
import pytest

import srcad
from gradcheck import make_function

Z = np.array([0.4 + 0.3j, -0.7 + 1.1j, 1.2 - 0.5j])

REAL_OF_COMPLEX = {
    "abs squared": "np.sum(np.abs(z) ** 2)",
    "abs": "np.sum(np.abs(z))",
    "real of exp": "np.sum(np.real(np.exp(z)))",
    "imag of a square": "np.sum(np.imag(z * z))",
    "angle": "np.sum(np.angle(z))",
    "conj": "np.real(np.sum(np.conj(z) * z * z))",
    "attributes": "np.sum(z.real ** 2 * z.imag)",
    "fft": "np.sum(np.abs(np.fft.fft(z)) ** 2)",
    "matrix product": "np.sum(np.abs(np.outer(z, z) @ z) ** 2)",
    "mean": "np.mean(np.abs(z - np.mean(z)))",
    "solve": "np.sum(np.abs(np.linalg.solve(np.outer(z, z) + np.eye(3), z)))",
    "a loop": "sum(np.abs(v) ** 3 for v in z)",
    "vdot": "np.real(np.vdot(z, z * z)) + np.imag(np.vdot(z * 1j, np.exp(z)))",
    "norm": "np.linalg.norm(z)",
    "var": "np.var(z)",
    "std of a product": "np.std(z * z)",
    "1-norm": "np.linalg.norm(z, 1)",
}


def _function(expr):
    return make_function(f"def f(z):\n    return {expr}\n", {"np": np}, name="f")


def _jax_gradient_by_differences(f, z, h=1e-6):
    g = np.zeros_like(z)
    for k in range(z.size):
        e = np.zeros_like(z)
        e[k] = h
        dx = (f(z + e) - f(z - e)) / (2 * h)
        dy = (f(z + 1j * e) - f(z - 1j * e)) / (2 * h)
        g[k] = dx - 1j * dy
    return g


@pytest.mark.parametrize("expr", REAL_OF_COMPLEX.values(), ids=REAL_OF_COMPLEX.keys())
def test_the_gradient_of_a_real_function_of_complex_arguments(expr):
    f = _function(expr)
    g = srcad.grad(f)(Z.copy())
    assert g.dtype == np.complex128
    np.testing.assert_allclose(g, _jax_gradient_by_differences(f, Z), rtol=1e-5, atol=1e-7)
    v = np.array([0.3 - 0.2j, 1.0 + 0.5j, -0.4 + 0.9j])
    _, t = srcad.jvp(f, (Z.copy(),), (v,))
    assert np.isreal(t)
    h = 1e-6
    np.testing.assert_allclose(t, (f(Z + h * v) - f(Z - h * v)) / (2 * h), rtol=1e-5, atol=1e-7)
    # the convention's meaning: the change of f along v is Re(sum(g * v))
    np.testing.assert_allclose(np.real(np.sum(g * v)), t, rtol=1e-6, atol=1e-9)


def test_a_real_argument_beside_a_complex_one_gets_a_real_gradient():
    f = make_function("def f(x, z):\n    return np.sum(np.abs(x * z) ** 2)\n", {"np": np},
                      name="f")
    x = np.array([0.5, -1.5, 2.0])
    gx, gz = srcad.grad(f, argnums=(0, 1))(x, Z.copy())
    assert gx.dtype == np.float64 and gz.dtype == np.complex128
    np.testing.assert_allclose(gx, 2 * x * np.abs(Z) ** 2)
    np.testing.assert_allclose(gz, _jax_gradient_by_differences(lambda z: f(x, z), Z),
                               rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("expr", ["np.sum(np.real(np.sign(z)))",
                                  "np.sum(np.linalg.svd(np.outer(z, z) + np.eye(3))[1])",
                                  "np.sum(np.linalg.eigvalsh(np.outer(z, np.conj(z))))"])
def test_what_srcad_does_not_differentiate_for_complex_values_is_refused(expr):
    with pytest.raises(srcad.SrcadError, match="complex"):
        srcad.grad(_function(expr))(Z.copy())
