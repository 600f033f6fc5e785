"""``grad(f, holomorphic=True)``: the complex derivative of a holomorphic function (issue #16).

The oracle is central differences in both the real and the imaginary direction: for a holomorphic
``f``, ``(f(z + h) - f(z - h)) / 2h`` and ``(f(z + ih) - f(z - ih)) / 2ih`` both tend to ``f'(z)``.
A function that is not holomorphic (it uses ``conj``, ``abs``, ``real``...) is refused at each
call (a forward-mode product along a random complex direction checks the Cauchy-Riemann
equations); a real argument, a real value or an array value is refused as JAX refuses them.
"""

from __future__ import annotations

import numpy as np
import pytest

import srcad
from gradcheck import make_function

Z = np.array([0.4 + 0.3j, -0.7 + 1.1j, 1.2 - 0.5j])

HOLOMORPHIC = {
    "polynomial": "def f(z):\n    return np.sum(z ** 3 - 2.0 * z * z + 1.5j * z)",
    "exp and sin": "def f(z):\n    return np.sum(np.exp(z) * np.sin(z))",
    "log and division": "def f(z):\n    return np.sum(np.log(z * z + 2.0) / (z + 3.0))",
    "a loop": "def f(z):\n    w = z\n    for _ in range(3):\n        w = w * z + np.tanh(w)\n"
              "    return np.sum(w)",
    "a product with a matrix": "def f(z):\n    A = np.array([[1.0, 2.0j, 0.5], [0.3, -1.0, 2.0],"
                               " [1j, 0.0, 1.0]])\n    return np.sum(np.exp(A @ z))",
}


def _differences(f, z, k, step):
    e = np.zeros_like(z)
    e.flat[k] = step
    return (f(z + e) - f(z - e)) / (2 * step)


@pytest.mark.parametrize("source", HOLOMORPHIC.values(), ids=HOLOMORPHIC.keys())
def test_the_derivative_is_that_of_differences_in_both_directions(source):
    f = make_function(source, {"np": np}, name="f")
    derivative = srcad.grad(f, holomorphic=True)(Z.copy())
    assert derivative.dtype == np.complex128 and derivative.shape == Z.shape
    for k in range(Z.size):
        for step in (1e-6, 1e-6j):
            np.testing.assert_allclose(derivative[k], _differences(f, Z, k, step),
                                       rtol=1e-6, atol=1e-8)


def test_argnums_value_and_aux():
    f = make_function("""
def f(z, w, label):
    out = np.sum(np.exp(z) * w ** 2)
    return out, label
""", {"np": np}, name="f")
    w = Z[::-1].copy()
    (value, aux), (dz, dw) = srcad.value_and_grad(f, argnums=(0, 1), holomorphic=True,
                                                   has_aux=True)(Z, w, "tag")
    assert aux == "tag" and value == pytest.approx(np.sum(np.exp(Z) * w ** 2))
    np.testing.assert_allclose(dz, np.exp(Z) * w ** 2)
    np.testing.assert_allclose(dw, 2 * np.exp(Z) * w)
    scalar = srcad.grad(lambda z: z * z, holomorphic=True)(1.0 + 2.0j)
    assert scalar == pytest.approx(2.0 + 4.0j)


NOT_HOLOMORPHIC = {
    "conj": "def f(z):\n    return np.sum(np.conj(z) * z) + 0j",
    "abs": "def f(z):\n    return np.sum(np.abs(z) * z)",
    "real": "def f(z):\n    return np.sum(np.real(z) ** 2 + 1j * z)",
    "imag": "def f(z):\n    return np.sum(np.imag(z) * z)",
}


@pytest.mark.parametrize("source", NOT_HOLOMORPHIC.values(), ids=NOT_HOLOMORPHIC.keys())
def test_a_function_that_is_not_holomorphic_is_refused(source):
    f = make_function(source, {"np": np}, name="f")
    with pytest.raises(srcad.SrcadError, match="not holomorphic") as info:
        srcad.grad(f, holomorphic=True)(Z.copy())
    assert info.value.location.line.startswith("def f")


def test_real_arguments_real_values_and_arrays_are_refused():
    f = make_function("def f(z):\n    return np.sum(z * z)", {"np": np}, name="f")
    g = make_function("def g(z):\n    return z * z", {"np": np}, name="g")
    with pytest.raises(srcad.SrcadError, match="argument 0 is real"):
        srcad.grad(f, holomorphic=True)(np.array([1.0, 2.0]))
    with pytest.raises(srcad.SrcadError, match="complex scalar value"):
        srcad.grad(lambda z: np.sum(np.abs(z) ** 2), holomorphic=True)(Z)
    with pytest.raises(srcad.SrcadError, match="complex scalar value"):
        srcad.grad(g, holomorphic=True)(Z)


def test_its_code_is_the_vector_jacobian_product():
    f = make_function("def f(z):\n    return np.sum(np.exp(z) * z)", {"np": np}, name="f")
    derived = srcad.grad(f, holomorphic=True)
    with pytest.raises(srcad.SrcadError, match="call it once first"):
        srcad.source(derived)
    derived(Z)
    assert "vector-Jacobian product of f" in srcad.source(derived)
