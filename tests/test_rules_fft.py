"""``np.fft`` and the parts of complex values (srcad/rules/fft.py): real-valued functions of real
inputs through complex intermediates, in JAX's convention for complex cotangents. Each rule is
checked, through real-valued expressions, against central differences (reverse mode), along random
directions (``srcad.jvp``), and by differences of ``srcad.grad`` (``srcad.hvp``); autograd is a
second oracle where it has the function. What srcad cannot differentiate for a complex value is
refused at the user's line.
"""

import math
import warnings

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


# ---- autograd as a second oracle ------------------------------------------------------------------

AUTOGRAD = [
    ("np.sum(np.abs(np.fft.fft(x)) ** 2 * w)", (7,)),
    ("np.sum(np.real(np.fft.ifft(x, 9)) * w)", (6,)),
    ("np.sum(np.abs(np.fft.rfft(x, axis=0)) * w)", (6, 3)),
    ("np.sum(np.fft.irfft(np.fft.rfft(x) * np.fft.rfft(x[::-1])) * w)", (8,)),
    ("np.sum(np.imag(np.fft.fft2(x)) * w)", (3, 4)),
    ("np.sum(np.real(np.fft.fftn(x, axes=(0, 2)) * np.conj(np.fft.fftn(x, axes=(0, 2)))) * w)",
     (2, 3, 2)),
    ("np.sum(np.fft.fftshift(np.abs(np.fft.fft(x)), axes=0) * w)", (4, 3)),
]


@pytest.mark.parametrize("expr, shape", AUTOGRAD, ids=[e for e, _ in AUTOGRAD])
def test_against_autograd(expr, shape):
    rng = np.random.default_rng(3)
    x = rng.normal(size=shape)
    w = rng.normal(size=np.shape(eval(expr.replace("* w)", ")")[len("np.sum("):-1],
                                     {"np": np, "x": x})))
    f = make_function(f"def f(x):\n    return {expr}\n", {"w": w})
    g = make_function(f"def f(x):\n    return {expr}\n", {"w": w, "np": anp})
    np.testing.assert_allclose(srcad.grad(f)(x), autograd.grad(g)(x), rtol=1e-9, atol=1e-10)


# ---- adversarial: real parameters meeting complex values, loops, branches, views -----------------

def test_a_real_parameter_times_a_complex_value_gets_the_real_part():
    # W is real, W @ z complex: W's cotangent is the real part; np.abs's input gets Re(g) first,
    # even where its g reached it through a complex product (v @ Z)
    rng = np.random.default_rng(4)
    Z = rng.normal(size=(4, 2)) + 1j * rng.normal(size=(4, 2))
    f = make_function("""
        def f(W, x):
            z = W @ np.fft.fft(x)
            v = np.abs(z)
            return np.sum(np.real(v @ Z) ** 2) + np.sum(np.angle(z[:2]))
        """, {"Z": Z})
    args = [rng.normal(size=(4, 3)), rng.normal(size=3)]
    grads = check_grad(f, args, argnums=(0, 1), rtol=1e-5, atol=1e-6)
    assert all(not np.iscomplexobj(g) for g in grads)
    check_jvp(f, args, (0, 1), rtol=1e-5, atol=1e-6)
    check_hvp(f, args, 0, rtol=1e-4, atol=1e-4)
    check_hvp(f, args, 1, rtol=1e-4, atol=1e-4)


def test_spectra_in_a_loop_and_a_branch():
    f = make_function("""
        def f(x, k):
            total = 0.0
            for shift in range(k):
                spectrum = np.fft.rfft(np.roll(x, shift), norm="ortho")
                if shift % 2 == 0:
                    total = total + np.sum(np.abs(spectrum) ** 2 * np.arange(spectrum.size))
                else:
                    total = total + np.sum(np.fft.irfft(spectrum * spectrum, x.size) ** 2)
            return total
        """)
    rng = np.random.default_rng(5)
    for n, k in ((6, 3), (7, 4)):  # lengths and trip counts changing between calls
        x = rng.normal(size=n)
        check_grad(f, [x, k], argnums=0)
        check_jvp(f, [x, k], (0,))
        check_hvp(f, [x, k], 0, rtol=1e-4, atol=1e-4)


def test_writing_into_the_real_part_view():
    # z.real is a view of a complex z: a write into it changes z; srcad is right or refuses
    f = make_function("""
        def f(x):
            z = np.fft.fft(x)
            r = z.real
            r[0] = 0.0
            return np.sum(np.abs(z) ** 2)
        """)
    x = np.random.default_rng(6).normal(size=5)
    try:
        check_grad(f, [x])
    except srcad.SrcadError as exc:
        assert exc.location is not None and exc.location.lineno in (4, 5)


def test_builtin_abs_and_a_complex_exponential():
    f = make_function("""
        def f(x):
            z = np.sum(np.exp(1j * x) * x)
            return abs(z) + np.angle(z) + (z * z.conj()).real
        """)
    x = np.random.default_rng(7).normal(size=4)
    g = check_grad(f, [x])
    assert not np.iscomplexobj(g)
    check_jvp(f, [x], (0,))
    check_hvp(f, [x], 0, rtol=1e-4, atol=1e-4)


# ---- refused: located, never a wrong number --------------------------------------------------------

@pytest.mark.parametrize("body, line", [
    ("z = np.fft.fft(x)\n    return np.sum(np.real(np.sign(z)))", 3),
    ("z = np.fft.fft2(np.outer(x, x) + np.eye(4))\n"
     "    return np.real(np.sum(np.linalg.cholesky(z @ np.conj(z).T + 10 * np.eye(4))))", 3),
    ("z = np.fft.fft2(np.outer(x, x) + np.eye(4))\n    return np.linalg.slogdet(z)[1]", 3),
    ("return np.sum(np.abs(np.fft.fft(x, out=np.zeros(4, complex))))", 2),
])
def test_refused_at_the_users_line(body, line):
    f = make_function(f"def f(x):\n    {body}\n")
    with pytest.raises(srcad.SrcadError) as info:
        srcad.grad(f)(np.random.default_rng(8).normal(size=4))
    assert info.value.location is not None and info.value.location.lineno == line


def test_a_complex_value_of_the_function_is_refused():
    f = make_function("def f(x):\n    return np.sum(np.fft.fft(x))\n")
    with pytest.raises(srcad.SrcadError, match="complex"):
        srcad.grad(f)(np.ones(4))


def test_np_vectorize_is_refused_at_the_users_line():
    f = make_function("def f(x):\n    y = np.vectorize(np.sin)(x)\n    return np.sum(y)\n")
    with pytest.raises(srcad.SrcadError) as info:  # (what np.vectorize returns: not seen into)
        srcad.grad(f)(np.ones(3))
    assert info.value.location.filename.startswith("<srcad-test") and info.value.location.lineno == 2


# ---- every cotangent a real operand gets is real ------------------------------------------------
# A real operand of an operation with a complex result (x @ Z, np.concatenate([x, z]), ...) gets the
# real part of its cotangent; were it complex, a function that later reads only the real part of a
# complex value (a write into a real array, np.asarray(z, float)) would pass the imaginary part on:
# a silent wrong gradient. Each case ends in such a write.

_RNG = np.random.default_rng(9)
_Z = _RNG.normal(size=(4, 2)) + 1j * _RNG.normal(size=(4, 2))
_A = _RNG.normal(size=(4, 4)) + 4 * np.eye(4)


@pytest.mark.parametrize("expr", [
    "x @ Z", "np.dot(x, Z)", "np.inner(x, Z.T)", "np.outer(x, Z[:, 0])", "np.tensordot(x, Z, 1)",
    "np.einsum('i,ij->j', x, Z)", "np.kron(x, Z[:, 0])", "np.concatenate([x, Z[:, 0]])",
    "np.stack([x, Z[:, 0]])", "np.hstack([x, Z[:, 0]])", "np.vstack([x, Z[:, 0]])",
    "np.array([x[0], Z[0, 0]])", "np.linalg.solve(A * x[0], Z[:, 0])", "x * Z[:, 1]",
    "np.where(x > 0, x, Z[:, 0])", "np.asarray(np.fft.fft(x), dtype=float) @ Z",
    "np.array(np.fft.fft(x), dtype=float) @ Z", "np.fft.fft(x).astype(float) @ Z",
])
def test_a_real_operand_gets_a_real_cotangent(expr):
    f = make_function(f"""
        def f(x):
            w = {expr}
            v = np.zeros(np.shape(w))
            v[...] = w
            return np.sum(np.real(v * (1 + 2j) * v))
        """, {"Z": _Z, "A": _A})
    x = np.random.default_rng(10).normal(size=4)
    with warnings.catch_warnings():  # (NumPy's ComplexWarning: the write drops the imaginary part)
        warnings.simplefilter("ignore")
        g = check_grad(f, [x])
        check_jvp(f, [x], (0,))
        try:
            check_hvp(f, [x], 0, rtol=1e-4, atol=1e-4)
        except srcad.NoGradientRuleError as exc:  # np.linalg.solve: no second-order rule yet
            assert "solve" in expr and "forward-mode" in exc.message
    assert not np.iscomplexobj(g)
