"""Complex arguments, rule by rule (issue #16): each differentiable rule of the table is checked in
the mode :func:`srcad.rules.complex_mode` gives it.

* ``"yes"``: a real-valued function ``Re(sum(c * EXPR))`` (``c`` a fixed complex weight) of complex
  arguments; ``srcad.grad`` against central differences in the real and the imaginary direction of
  each entry (JAX's convention: ``dL/dx - 1j dL/dy``; docs/complex.md), ``srcad.jvp`` along a
  complex direction against the directional difference (its value real), and a real argument
  made complex inside the function (``x * (1 + 0.5j)``) gets a real gradient, against differences;
* ``"refused"``: a located ``SrcadError`` at the user's line;
* ``"real only"``: NumPy (Python, SciPy) itself raises for the complex input;
* ``"partial"``: each case says which of the three it is.

The cases are those of the real rule tests (tests/test_rules_numpy.py, test_rules_fft.py,
test_rules_scipy.py and the elementwise entries of tests/rulecheck.py), their real inputs made
complex (``x + 0.3j * noise``), or, where those do not fit complex values, the cases of
``OVERRIDES``; ``test_every_differentiable_rule_has_a_complex_case`` fails for a rule with none.
"""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pytest

import srcad
from srcad import rules
from srcad.rules.registry import RuleOrigin, complex_mode, load_lazy
from gradcheck import make_function
import rulecheck
from test_rules_fft import CASES as FFT_CASES
from test_rules_numpy import CASES as NUMPY_CASES
from test_rules_scipy import CASES as SCIPY_CASES, NAMESPACE as SCIPY_NAMESPACE

load_lazy(force=True)  # (SciPy's rules, where SciPy is installed)
sp = SCIPY_NAMESPACE["sp"]
st = SCIPY_NAMESPACE["st"]
sl = SCIPY_NAMESPACE["sl"]
H = 1e-6
NAMESPACE = {"np": np, "math": math, **SCIPY_NAMESPACE}


def mat(*shape):
    return lambda rng: rng.normal(size=shape)


def pos(*shape):
    return lambda rng: rng.uniform(0.5, 1.5, size=shape)


def real(make):
    """An input kept real (a constant argument, the order of a Bessel function, knots)."""
    def made(rng):
        return _Real(make(rng))
    return made


class _Real:
    def __init__(self, value):
        self.value = value


# function -> [(expression in x, y, z; makers)] where the real rule tests' first case does not fit
# complex values (Python scalars, where NumPy's complex numbers go; real-only parameters)
OVERRIDES = {
    max: [("max(x)", [mat(4)])], min: [("min(x[0], x[1], x[2])", [mat(3)])],
    sorted: [("np.array(sorted(x))", [mat(4)])], sum: [("sum(x)", [mat(3, 2)])],
    float: [("float(x[0]) * x", [mat(3)])], math.fsum: [("math.fsum(x) * x", [mat(3)])],
    np.float64: [("np.float64(x[1]) * x", [mat(3)])], rules.item: [("x.item(1) * x", [mat(3)])],
    rules.astype: [("x.astype(np.float64) * x", [mat(3)])],
    np.array: [("np.array([x, y])", [mat(3), mat(3)])],
    np.asarray: [("np.asarray([x[0], y[1]])", [mat(2), mat(2)])],
    np.atleast_1d: [("np.atleast_1d(x)", [mat(2)])],
    np.full: [("np.full((2, 3), x[0])", [mat(2)])], np.full_like: [("np.full_like(y, x[0])", [mat(2), mat(2)])],
    np.linspace: [("np.linspace(x[0], x[1], 4)", [mat(2)])],
    np.arange: [("np.arange(x[0], 3.0, 0.5)", [mat(2)])],
    np.fft.irfft: [("np.fft.irfft(x, 6)", [mat(4)])], np.fft.irfft2: [("np.fft.irfft2(x, s=(3, 5))", [mat(2, 4)])],
    np.fft.irfftn: [("np.fft.irfftn(x, axes=(0,))", [mat(4, 3)])],
    np.angle: [("np.angle(x, deg=True)", [mat(3)])],
    np.heaviside: [("np.heaviside(x, y)", [mat(3), mat(3)])],
    np.select: [("np.select([np.abs(x) > 0.5], [x * y], y)", [mat(4), mat(4)])],
    np.where: [("np.where(np.abs(x) > 0.5, x * y, y)", [mat(4), mat(4)])],
    np.take_along_axis: [("np.take_along_axis(x, np.argsort(np.abs(x), axis=1), axis=1)", [mat(2, 3)])],
    np.linalg.cholesky: [("np.linalg.cholesky(x @ np.conj(x).T + 3 * np.eye(3))", [mat(3, 3)])],
    np.linalg.eigh: [("np.linalg.eigh(x @ np.conj(x).T)[0]", [mat(3, 3)])],
    # (a real x made complex by a factor is a real matrix times a phase, whose eigenvalues NumPy's
    # complex routine orders by a tie: refused, tests/test_rules_eig.py; 1j * np.tril(x) breaks that)
    np.linalg.eig: [("np.linalg.eig(x + 1j * np.tril(x))[1]", [mat(3, 3)])],
    np.linalg.eigvals: [("np.linalg.eigvals(x + 1j * np.tril(x))", [mat(3, 3)])],
    np.linalg.eigvalsh: [("np.linalg.eigvalsh(x @ np.conj(x).T)", [mat(3, 3)])],
    np.linalg.slogdet: [("np.linalg.slogdet(x)[1]", [mat(3, 3)])],
    np.pad: [("np.pad(x, 1, constant_values=y[0])", [mat(2, 2), mat(1)])],
    np.nan_to_num: [("np.nan_to_num(x)", [mat(3)])],
    np.sinc: [("np.sinc(x)", [mat(4)])],
    # (math of a NumPy complex number takes its real part: refused)
    **{fn: [(f"math.{fn.__name__}(x[0], x[1])" if fn in (math.atan2, math.hypot, math.pow, math.log)
             else f"math.{fn.__name__}(x[0])",
             [lambda rng, fn=fn: rng.uniform(*rulecheck.DOMAIN.get(fn, (0.2, 0.8)), size=2)])]
       for fn in vars(math).values() if callable(fn) and fn is not math.fsum
       and isinstance(rules.lookup(fn), rules.Rule)},
}
if sp is not None:
    OVERRIDES.update({
        sp.polygamma: [("sp.polygamma(1, x)", [pos(3)])],
        sp.multigammaln: [("sp.multigammaln(x[0], 2)", [pos(2)])],
        sp.jv: [("sp.jv(2, x)", [pos(3)])], sp.yv: [("sp.yv(0.5, x)", [pos(3)])],
        sp.iv: [("sp.iv(1.5, x)", [mat(3)])], sp.ive: [("sp.ive(1, x)", [mat(3)])],
        sl.cho_factor: [("sl.cho_factor(x @ np.conj(x).T + 3 * np.eye(3))[0]", [mat(3, 3)])],
        sl.cholesky: [("sl.cholesky(x @ np.conj(x).T + 3 * np.eye(3))", [mat(3, 3)])],
        sl.solve_sylvester: [("sl.solve_sylvester(x + 3 * np.eye(2), y + 3 * np.eye(2), z)",
                              [mat(2, 2), mat(2, 2), mat(2, 2)])],
        st.multivariate_normal.logpdf: [("st.multivariate_normal.logpdf(x, y)", [mat(3), mat(3)])],
        st.multivariate_normal.pdf: [("st.multivariate_normal.pdf(x, y)", [mat(3), mat(3)])],
        st.multivariate_normal.entropy: [("st.multivariate_normal.entropy(y, x @ x.T + np.eye(2))",
                                          [mat(2, 2), mat(2)])],
        st.dirichlet.logpdf: [("st.dirichlet.logpdf(np.array([0.2, 0.3, 0.5]), x)", [pos(3)])],
        st.dirichlet.pdf: [("st.dirichlet.pdf(np.array([0.2, 0.3, 0.5]), x)", [pos(3)])],
        st.dirichlet.logpdf: [("st.dirichlet.logpdf(x / np.sum(x), y)", [pos(3), real(pos(3))])],
        st.dirichlet.pdf: [("st.dirichlet.pdf(x / np.sum(x), y)", [pos(3), real(pos(3))])],
    })
    # the distributions of SciPy: a complex loc (SciPy takes it) beside a real x
    _LOC = {st.t.logpdf: "st.t.logpdf(x, 3.0, y)", st.t.pdf: "st.t.pdf(x, 3.0, y)",
            st.t.cdf: "st.t.cdf(x, 3.0, y)", st.t.logcdf: "st.t.logcdf(x, 3.0, y)",
            st.gamma.logpdf: "st.gamma.logpdf(x + 2.0, 2.0, y)", st.gamma.pdf: "st.gamma.pdf(x + 2.0, 2.0, y)",
            st.gamma.cdf: "st.gamma.cdf(x + 2.0, 2.0, y)", st.chi2.logpdf: "st.chi2.logpdf(x + 2.0, 3.0, y)",
            st.chi2.pdf: "st.chi2.pdf(x + 2.0, 3.0, y)", st.chi2.cdf: "st.chi2.cdf(x + 2.0, 3.0, y)",
            st.beta.logpdf: "st.beta.logpdf(x, 2.0, 3.0, y * 0.1)",
            st.beta.pdf: "st.beta.pdf(x, 2.0, 3.0, y * 0.1)", st.beta.cdf: "st.beta.cdf(x, 2.0, 3.0, y * 0.1)"}
    OVERRIDES.update({fn: [(expr, [real(lambda rng: rng.uniform(0.3, 0.7, 3)), mat(3)])]
                      for fn, expr in _LOC.items()})

# the rules of mode "partial": (expression, makers, the parameter given a complex value: the test
# expects the mode the rule's ``complex`` dict gives that parameter)
PARTIAL = {
    np.linalg.lstsq: [("np.linalg.lstsq(x, y)[0]", [real(mat(4, 2)), mat(4)], "b"),
                      ("np.linalg.lstsq(x, y)[0]", [mat(4, 2), real(mat(4))], "a")],
    np.interp: [("np.interp(x, np.array([-2.0, 0.0, 2.0]), y)", [real(mat(4)), mat(3)], "fp"),
                ("np.interp(x, np.array([-2.0, 0.0, 2.0]), y)", [mat(4), real(mat(3))], "x"),
                ("np.interp(x * 3.0, np.array([-2.0, 0.0, 2.0]), np.ones(3), left=y[0], "
                 "right=y[1])", [real(lambda rng: np.array([-1.0, 0.2, 0.9, -0.1])), mat(2)],
                 "left"),
                ("np.interp(x * 3.0, np.array([-2.0, 0.0, 2.0]), y[1:] * np.ones(3), right=y[0])",
                 [real(lambda rng: np.array([-0.4, 0.2, 0.9, -0.1])), mat(2)], "right")],
}
if sl is not None:
    PARTIAL[sl.cho_solve] = [
        ("sl.cho_solve(sl.cho_factor(x @ x.T + 3 * np.eye(3)), y)", [real(mat(3, 3)), mat(3)], "b"),
        ("sl.cho_solve((np.tril(x) + 3 * np.eye(3), True), y)", [mat(3, 3), real(mat(3))],
         "c_and_lower"),
        ("sl.cho_solve((x, True), y)", [real(lambda rng: np.tril(rng.normal(size=(3, 3))) + 3 * np.eye(3)),
                                        mat(3)], "b")]


# ---- the table ---------------------------------------------------------------------------------

def _entries():
    """``(rule, fn)`` for each differentiable primitive of the table, once per rule and, where
    aliases differ in what they take (``np.abs``/``np.fabs``), once per mode."""
    seen = set()
    for fn, rule in list(rules.RULES.items()) + [(f, r) for f, rs in rules.OVERLOADS.items() for r in rs]:
        if not rule.differentiable or rule.origin is not RuleOrigin.PRIMITIVE or rule.custom is not None:
            continue
        if rule.name.startswith("srcad.runtime.") or fn is getattr:  # (helpers; objects' attributes)
            continue
        key = (id(rule), complex_mode(fn, rule))
        if key not in seen:
            seen.add(key)
            yield rule, fn


def _elementwise_case(fn, rule):
    if not rulecheck.is_elementwise(fn, rule):
        return None
    n = rulecheck.positional_arity(rule)
    lo, hi = rulecheck.DOMAIN.get(fn, (0.2, 0.8))
    return (rulecheck.call_text(fn, ["x", "y"][:n]), [lambda rng: rng.uniform(lo, hi, size=3)] * n)


def _case(rule, fn):
    """``(expression, makers, outcome)`` of the rule of ``fn``, or None."""
    if fn in PARTIAL:
        return None
    aliases = [f for f, r in rules.RULES.items() if r is rule] + [fn]
    for table in (OVERRIDES, NUMPY_CASES, FFT_CASES, SCIPY_CASES):
        for f in [fn] + aliases:
            if f in table:
                expr, makers = table[f][0]
                return expr, makers, complex_mode(fn, rule)
    found = _elementwise_case(fn, rule)
    return found and (*found, complex_mode(fn, rule))


def _cases():
    for rule, fn in _entries():
        for k, (expr, makers, param) in enumerate(PARTIAL.get(fn, [])):
            outcome = dict(rule.complex)[param]
            yield pytest.param(expr, makers, outcome, id=f"{rule.name}-partial-{param}-{k}")
        case = _case(rule, fn)
        if case is not None:
            yield pytest.param(*case, id=f"{rule.name}-{getattr(fn, '__name__', '')}")


def _complex(value, rng):
    if isinstance(value, _Real):
        return value.value
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value + 0.3j * rng.normal(size=value.shape)
    if isinstance(value, float):
        return complex(value, 0.3 * rng.normal())
    return value


def _setup(expr, makers):
    rng = np.random.default_rng(11)
    args = [make(rng) for make in makers]
    cargs = [_complex(a, rng) for a in args]
    args = [a.value if isinstance(a, _Real) else a for a in args]
    names = ["x", "y", "z"][:len(args)]
    return names, args, cargs


def _function(expr, names, args, through=None):
    """``Re(sum(c * EXPR))``; ``through``: that argument made complex on the function's first line."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = eval(expr, NAMESPACE, dict(zip(names, args)))
    rng = np.random.default_rng(5)
    c = rng.normal(size=np.shape(value)) + 1j * rng.normal(size=np.shape(value))
    body = f"    return np.real(np.sum(c * ({expr})))\n"
    if through is not None:
        body = f"    {through}_c = {through} * (1 + 0.5j)\n" + re.sub(
            rf"\b{through}\b", f"{through}_c", body)
    return make_function(f"def f({', '.join(names)}):\n{body}", {**NAMESPACE, "c": c}, name="f")


def _copies(args):
    return [np.copy(a) if isinstance(a, np.ndarray) else a for a in args]


def _shifted(args, k, d):
    new = _copies(args)
    new[k] = args[k] + d
    return new


def _by_differences(f, args, k):
    """JAX's gradient, ``dL/dx - 1j dL/dy`` entry by entry (``dL/dx`` for a real argument)."""
    x = args[k]
    scalar = np.ndim(x) == 0 and not isinstance(x, np.ndarray)
    g = np.zeros(np.shape(x), dtype=complex if np.iscomplexobj(x) else float)
    for idx in np.ndindex(np.shape(x)):
        e = H if scalar else np.zeros(np.shape(x))
        if not scalar:
            e[idx] = H
        d = (f(*_shifted(args, k, e)) - f(*_shifted(args, k, -e))) / (2 * H)
        if np.iscomplexobj(x):
            d = d - 1j * (f(*_shifted(args, k, 1j * e)) - f(*_shifted(args, k, -1j * e))) / (2 * H)
        g[idx] = d
    return g[()] if scalar else g


def _check_gradient_and_tangent(f, args, positions):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        grads = srcad.grad(f, argnums=tuple(positions))(*_copies(args))
        for k, g in zip(positions, grads):
            if not np.iscomplexobj(args[k]):
                assert not np.iscomplexobj(g), f"a real argument {k} got a complex gradient"
            np.testing.assert_allclose(g, _by_differences(f, args, k), rtol=1e-4, atol=1e-5,
                                       err_msg=f"argument {k}")
        rng = np.random.default_rng(3)
        tangents = [None] * len(args)
        for k in positions:
            d = rng.normal(size=np.shape(args[k])) + (
                1j * rng.normal(size=np.shape(args[k])) if np.iscomplexobj(args[k]) else 0)
            scalar = np.ndim(args[k]) == 0 and not isinstance(args[k], np.ndarray)
            tangents[k] = (complex(d) if np.iscomplexobj(d) else float(d)) if scalar else d
        _, t = srcad.jvp(f, tuple(_copies(args)), tuple(tangents))
        moved = [(a + H * d, a - H * d) if d is not None else (a, a) for a, d in zip(args, tangents)]
        expected = (f(*[m[0] for m in moved]) - f(*[m[1] for m in moved])) / (2 * H)
    assert np.isreal(t)
    np.testing.assert_allclose(t, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("expr, makers, outcome", list(_cases()))
def test_complex_arguments_in_the_rules_mode(expr, makers, outcome):
    names, args, cargs = _setup(expr, makers)
    positions = [k for k, a in enumerate(args) if isinstance(a, (float, np.ndarray))
                 and np.asarray(a).dtype.kind == "f"]
    if outcome == "real only":
        with pytest.raises((TypeError, ValueError)), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            eval(expr, NAMESPACE, dict(zip(names, cargs)))
        return
    f = _function(expr, names, cargs)
    if outcome == "refused":
        with pytest.raises(srcad.SrcadError) as refused, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            srcad.grad(f, argnums=tuple(positions))(*_copies(cargs))
        assert re.search(r"<srcad-test-\d+>:2:", str(refused.value)), str(refused.value)
        return
    assert outcome == "yes"
    _check_gradient_and_tangent(f, cargs, positions)
    # a real argument through a complex intermediate: a real gradient
    through = next(k for k in positions if np.iscomplexobj(cargs[k]))
    _check_gradient_and_tangent(_function(expr, names, args, through=names[through]), args,
                                positions)


def test_every_differentiable_rule_has_a_complex_case():
    missing = [rule.name for rule, fn in _entries() if fn not in PARTIAL and _case(rule, fn) is None]
    assert not missing, f"rules without a complex case: {missing}"


def test_complex_mode_values_and_derivation():
    modes = {complex_mode(fn, rule) for rule, fn in _entries()}
    assert modes <= {"yes", "refused", "real only", "partial"}
    assert complex_mode(np.fabs, rules.RULES[np.fabs]) == "real only"  # (no complex loop)
    assert complex_mode(np.abs, rules.RULES[np.abs]) == "yes"
    assert complex_mode(math.sin, rules.RULES[math.sin]) == "refused"
    assert complex_mode(np.sign, rules.RULES[np.sign]) == "refused"
    assert "complex_mode" in rules.__all__
    with pytest.raises(ValueError):
        rules.defrule(np.exp, "x", x="g * ans", complex="maybe")


# ---- the defects this audit found, one by one, with the arguments mixed (some real, some complex)

Z = np.array([0.4 + 0.3j, -0.7 + 1.1j, 1.2 - 0.5j])


def _mixed(source, args, refused=False):
    f = make_function(source, NAMESPACE, name="f")
    positions = list(range(len(args)))
    if refused:
        with pytest.raises(srcad.UnsupportedOperationError, match="complex"), \
                warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (SciPy's ComplexWarning, running the function)
            srcad.grad(f, argnums=tuple(positions))(*_copies(args))
        return
    _check_gradient_and_tangent(f, args, positions)


def test_float_power_of_a_complex_base():
    # was: the base cast to float64 in the VJP (its imaginary part dropped)
    _mixed("def f(x, y):\n    return np.real(np.sum((1 - 2j) * np.float_power(x, y)))\n",
           [Z.copy(), np.array([0.5, 2.0, 1.5])])
    _mixed("def f(x):\n    return np.sum(np.abs(np.float_power(x * (1 + 0.5j), 2)))\n",
           [np.array([0.3, -0.8, 1.1])])


def test_nan_to_num_of_complex_values_replaces_each_part_apart():
    # was: a NaN real part zeroed the whole entry's gradient; the replacement values crashed
    x = np.array([np.nan + 0.4j, 0.3 + 1j * np.inf, -0.2 - 1j * np.nan, 0.5 - 0.7j])
    _mixed("def f(x, a, b):\n    v = np.nan_to_num(x, nan=a, posinf=b)\n"
           "    return np.real(np.sum((0.3 - 1.1j) * v * v))\n", [x, 0.7, 2.0])


def test_a_complex_constant_padding_a_real_array_keeps_its_real_part():
    # was: the tangent of the constant kept its imaginary part (NumPy drops it)
    _mixed("def f(x, y):\n    return np.sum(np.pad(x, 1, constant_values=y) ** 2)\n",
           [np.array([0.3, -0.4]), 0.5 - 0.2j])


def test_float_and_fsum_of_numpy_complex_numbers_take_the_real_part():
    # was: forward mode passed the imaginary part of the tangent on
    _mixed("def f(x):\n    return float(x[0]) * np.real(np.sum(x * (1 + 1j)))\n", [Z.copy()])
    _mixed("def f(x):\n    return math.fsum(x) * np.imag(x[1])\n", [Z.copy()])


@pytest.mark.parametrize("source", [
    "def f(x):\n    return math.sin(x[0])\n",                 # was: the derivative of sin(z)
    "def f(x):\n    return math.hypot(x[0], x[1])\n",          # was: a complex gradient
    "def f(x):\n    return math.pow(x[0], 2.0)\n",
])
def test_math_of_a_numpy_complex_number_is_refused(source):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _mixed(source, [Z.copy()], refused=True)


scipy_only = pytest.mark.skipif(sp is None, reason="SciPy is not installed")


@scipy_only
@pytest.mark.parametrize("source, args", [
    # was: a complex loc with a real x: wrong gradients for both (SciPy drops loc's imaginary part)
    ("def f(x, y):\n    return np.sum(st.norm.logpdf(x, y, 1.5))\n", [np.array([0.1, 0.5]), Z[:2].copy()]),
    ("def f(x, y):\n    return np.sum(st.norm.cdf(x, 0.0, y))\n", [np.array([0.1, 0.5]), Z[:2].copy()]),
    ("def f(x, y):\n    return np.sum(st.t.logpdf(x, 3.0, y))\n", [np.array([0.1, 0.5]), Z[:2].copy()]),
    ("def f(x, y):\n    return np.sum(st.multivariate_normal.logpdf(x, y))\n", [np.array([0.1, 0.5, 0.2]), Z.copy()]),
    ("def f(x):\n    return np.real(np.sum(sp.ive(1, x)))\n", [Z.copy()]),          # was wrong
    ("def f(x):\n    return np.real(np.sum(sp.digamma(x)))\n", [Z.copy()]),       # was a crash
    ("def f(x, y):\n    return np.real(np.sum(sl.solve_sylvester(x + 3 * np.eye(2), y, y)))\n",
     [np.eye(2), np.array([[3.0, 1j], [0.5, 2.0]])]),                               # was wrong
])
def test_scipy_functions_of_real_values_refuse_complex_arguments(source, args):
    _mixed(source, args, refused=True)
