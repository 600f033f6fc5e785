"""``np.fft`` and the parts of complex values (srcad/rules/fft.py): real-valued functions of real
inputs through complex intermediates, in JAX's convention for complex cotangents. Each rule is
checked, through real-valued expressions, against central differences (reverse mode), along random
directions (``srcad.jvp``), and by differences of ``srcad.grad`` (``srcad.hvp``); autograd is a
second oracle where it has the function. What srcad cannot differentiate for a complex value is
refused at the user's line.
"""

import math

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

import srcad
from gradcheck import check_grad, make_function
from rulecheck import check_hvp, check_jvp


def mat(*shape):
    return lambda rng: rng.normal(size=shape)


# function -> [(real-valued expression in x, y; input makers)], as CASES of test_rules_numpy.py
CASES = {
    np.fft.fft: [("np.abs(np.fft.fft(x)) ** 2", [mat(6)]),
                 ("np.real(np.fft.fft(x, 8, norm='ortho'))", [mat(2, 5)]),
                 ("np.imag(np.fft.fft(x, 4, axis=0, norm='forward'))", [mat(6, 3)]),
                 ("np.angle(np.fft.fft(x) + 2.0)", [mat(5)]),
                 ("np.real(np.fft.fft(x, norm='backward') * y)", [mat(6), mat(6)])],
    np.fft.ifft: [("np.real(np.fft.ifft(np.fft.fft(x) * y))", [mat(6), mat(6)]),
                  ("np.abs(np.fft.ifft(x, n=9))", [mat(2, 6)]),
                  ("np.imag(np.fft.ifft(x * 1j + y, 5, axis=0, norm='ortho'))", [mat(7, 2), mat(7, 2)])],
    np.fft.rfft: [("np.abs(np.fft.rfft(x)) ** 2", [mat(7)]),
                  ("np.real(np.fft.rfft(x, 5, axis=0)) + np.imag(np.fft.rfft(x, 5, axis=0))",
                   [mat(7, 2)]),
                  ("np.abs(np.fft.rfft(x, 10, norm='forward'))", [mat(3, 6)])],
    np.fft.irfft: [("np.fft.irfft(np.fft.rfft(x, 8) * np.fft.rfft(y, 8), 8)", [mat(5), mat(4)]),
                   ("np.fft.irfft(np.fft.rfft(x), 7, norm='ortho')", [mat(6)]),
                   ("np.fft.irfft(x)", [mat(5)]),
                   ("np.fft.irfft(x * 1j + y, axis=0, norm='forward')", [mat(4, 3), mat(4, 3)]),
                   ("np.fft.irfft(np.fft.fft(x), 3)", [mat(6)])],
    np.fft.fft2: [("np.abs(np.fft.fft2(x)) ** 2", [mat(3, 4)]),
                  ("np.real(np.fft.fft2(x, s=(4, 2), norm='ortho'))", [mat(2, 3, 3)])],
    np.fft.ifft2: [("np.real(np.fft.ifft2(x, s=(2, 3)) * np.conj(np.fft.ifft2(y, s=(2, 3))))",
                    [mat(3, 4), mat(3, 4)]),
                   ("np.imag(np.fft.ifft2(x, axes=(0, 2), norm='forward'))", [mat(2, 2, 3)])],
    np.fft.fftn: [("np.abs(np.fft.fftn(x, axes=(0, 2)))", [mat(2, 3, 4)]),
                  ("np.real(np.fft.fftn(x, s=(3, 5), axes=(1, 2)))", [mat(2, 4, 4)])],
    np.fft.ifftn: [("np.real(np.fft.ifftn(x, s=(5, 2), axes=(0, 2)))", [mat(2, 4, 4)]),
                   ("np.abs(np.fft.ifftn(np.fft.fftn(x) * y)) ** 2", [mat(3, 3), mat(3, 3)])],
    np.fft.rfft2: [("np.abs(np.fft.rfft2(x))", [mat(4, 6)]),
                   ("np.imag(np.fft.rfft2(x, s=(3, 5), norm='ortho'))", [mat(2, 4, 6)])],
    np.fft.rfftn: [("np.real(np.fft.rfftn(x, s=(3, 5), axes=(0, 1), norm='forward'))",
                    [mat(4, 6, 2)]),
                   ("np.abs(np.fft.rfftn(x)) ** 2", [mat(3, 4)])],
    np.fft.irfft2: [("np.fft.irfft2(np.fft.rfft2(x) * np.fft.rfft2(y))", [mat(4, 6), mat(4, 6)]),
                    ("np.fft.irfft2(x, s=(3, 5))", [mat(2, 4)])],
    np.fft.irfftn: [("np.fft.irfftn(np.fft.rfftn(x), s=(4, 7), axes=(0, 1))", [mat(3, 5)]),
                    ("np.fft.irfftn(np.fft.fftn(x) * y, axes=(0,), norm='ortho')",
                     [mat(6, 3), mat(6, 3)])],
    np.fft.fftshift: [("np.fft.fftshift(x)", [mat(5)]),
                      ("np.fft.fftshift(np.abs(np.fft.fft2(x)), axes=(1,))", [mat(3, 4)])],
    np.fft.ifftshift: [("np.fft.ifftshift(x * y)", [mat(2, 5), mat(5)]),
                       ("np.real(np.fft.ifftshift(np.fft.fft(x), axes=0))", [mat(5)])],
    np.real: [("np.real(x)", [mat(3)]), ("(np.fft.fft(x) * (1 - 2j)).real", [mat(4)])],
    np.imag: [("np.imag(x * (1 + 2j))", [mat(3)]), ("np.fft.fft(x * y).imag", [mat(4), mat(4)]),
              ("np.imag(x)", [mat(3)])],
    np.conj: [("np.real(np.conj(np.fft.fft(x)) * np.fft.fft(y))", [mat(5), mat(5)]),
              ("np.imag(np.fft.fft(x).conj() ** 2)", [mat(4)]), ("np.conj(x)", [mat(3)])],
    np.angle: [("np.angle(np.fft.rfft(x) + 1.0, deg=True)", [mat(6)]),
               ("np.angle(x * (1 + 1j) + y * 1j)", [mat(4), mat(4)])],
    np.sign: [("np.sign(x) * x ** 2", [mat(5)])],
}


def case_params():
    for fn, cases in CASES.items():
        for k, (expr, makers) in enumerate(cases):
            yield pytest.param(expr, makers, id=f"{fn.__name__}-{k}")


def _setup(expr, makers, seed):
    names = ["x", "y"][:len(makers)]
    rng = np.random.default_rng(seed)
    args = [make(rng) for make in makers]
    value = eval(expr, {"np": np, "math": math}, dict(zip(names, args)))
    assert not np.iscomplexobj(value), expr
    w = rng.normal(size=np.shape(value))
    f = make_function(f"""
        def f({', '.join(names)}):
            return np.sum(({expr}) * w)
        """, {"w": w, "math": math})
    return names, args, f


@pytest.mark.parametrize("expr, makers", list(case_params()))
def test_reverse_against_finite_differences(expr, makers):
    names, args, f = _setup(expr, makers, 11)
    grads = check_grad(f, args, argnums=tuple(range(len(names))), rtol=1e-4, atol=1e-5)
    for g in grads:  # a real input gets a real gradient
        assert not np.iscomplexobj(g)


@pytest.mark.parametrize("expr, makers", list(case_params()))
def test_forward_along_random_directions(expr, makers):
    names = ["x", "y"][:len(makers)]
    rng = np.random.default_rng(12)
    args = [make(rng) for make in makers]
    f = make_function(f"""
        def f({', '.join(names)}):
            return {expr}
        """, {"math": math})
    tangent = check_jvp(f, args, tuple(range(len(names))), rtol=1e-4, atol=1e-5)
    assert not np.iscomplexobj(tangent)


@pytest.mark.parametrize("expr, makers", list(case_params()))
def test_hvp_against_differences_of_grad(expr, makers):
    names, args, f = _setup(expr, makers, 13)
    for k in range(len(names)):
        check_hvp(f, args, k, rtol=1e-4, atol=1e-4)
