"""SciPy's rules (srcad/rules/scipy_rules.py, the optional extra ``srcad[scipy]``): every rule
against central differences (reverse mode), ``srcad.jvp`` along random directions, ``srcad.hvp``
against differences of ``srcad.grad``, and autograd's SciPy wrappers as a second oracle where they
have the function; importing srcad does not import SciPy; a SciPy function without a rule (as any
installed library's) is refused at the user's line, never differentiated through its source.
Skipped only where SciPy is not installed (the ``test`` extra installs it).
"""

import math
import os
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import srcad
from gradcheck import check_grad, make_function
from rulecheck import check_hvp, check_jvp

try:
    import scipy.linalg as sl
    import scipy.signal as sg
    import scipy.special as sp
    import scipy.stats as st
except ImportError:  # pragma: no cover -- (CI installs SciPy with the test extra)
    sp = st = sl = sg = None

pytestmark = pytest.mark.skipif(sp is None, reason="SciPy is not installed")
ROOT = pathlib.Path(__file__).parent.parent


def vec(*shape, lo=-1.0, hi=1.0):
    return lambda rng: rng.uniform(lo, hi, size=shape)


def pos(*shape, lo=0.5, hi=2.5):
    return vec(*shape, lo=lo, hi=hi)


def mat(*shape):
    return lambda rng: rng.normal(size=shape)


def num(lo, hi):
    return lambda rng: float(rng.uniform(lo, hi))


SPD = "(z @ z.T + 3 * np.eye(3))"

# function -> [(expression in x, y, z; input makers)], as CASES of test_rules_numpy.py
CASES = {} if sp is None else {
    sp.gammaln: [("sp.gammaln(x)", [pos(5)])],
    sp.digamma: [("sp.digamma(x)", [pos(2, 3)])],
    sp.polygamma: [("sp.polygamma(1, x)", [pos(4)]),
                   ("sp.polygamma(np.array([0, 2]), x)", [pos(3, 2)])],
    sp.gamma: [("sp.gamma(x)", [pos(4)])],
    sp.multigammaln: [("sp.multigammaln(x, 3)", [num(2.0, 4.0)])],
    sp.betaln: [("sp.betaln(x, y)", [pos(3), pos(3)]), ("sp.betaln(x, y)", [pos(2, 3), num(1, 2)])],
    sp.erf: [("sp.erf(x)", [vec(5)])],
    sp.erfc: [("sp.erfc(x)", [vec(5)])],
    sp.erfinv: [("sp.erfinv(x)", [vec(5, lo=-0.8, hi=0.8)])],
    sp.expit: [("sp.expit(x)", [mat(5)])],
    sp.logit: [("sp.logit(x)", [vec(5, lo=0.1, hi=0.9)])],
    sp.xlogy: [("sp.xlogy(x, y)", [vec(4), pos(4)]),
               ("sp.xlogy(x * np.array([0.0, 1.0, 1.0]), y)", [vec(3), pos(2, 3)])],
    sp.xlog1py: [("sp.xlog1py(x, y)", [vec(4), vec(4, lo=-0.5, hi=2.0)]),
                 ("sp.xlog1py(x * np.array([0.0, 1.0]), y)", [vec(2), vec(2, lo=-0.5, hi=2.0)])],
    sp.i0: [("sp.i0(x)", [vec(5, lo=-2, hi=2)])],
    sp.i1: [("sp.i1(x)", [vec(5, lo=-2, hi=2)])],
    sp.i0e: [("sp.i0e(x)", [vec(5, lo=-2, hi=2)])],
    sp.i1e: [("sp.i1e(x)", [vec(5, lo=-2, hi=2)])],
    sp.logsumexp: [("sp.logsumexp(x)", [mat(2, 3)]),
                   ("sp.logsumexp(x, axis=1, keepdims=True)", [mat(2, 3)]),
                   ("sp.logsumexp(x, axis=0, b=y)", [mat(3, 2), pos(3, 2)]),
                   ("sp.logsumexp(x, b=y)", [mat(4), pos(4)]),
                   ("sp.logsumexp(x, axis=(0, 2))", [mat(2, 2, 3)])],
    sp.softmax: [("sp.softmax(x)", [mat(4)]), ("sp.softmax(x, axis=1)", [mat(2, 3)])],
    sp.log_softmax: [("sp.log_softmax(x, axis=0)", [mat(3, 2)]), ("sp.log_softmax(x)", [mat(4)])],
    st.norm.logpdf: [("st.norm.logpdf(x, y, z)", [vec(4), vec(4), pos(4)]),
                     ("st.norm.logpdf(x)", [vec(3)])],
    st.norm.pdf: [("st.norm.pdf(x, y, z)", [vec(4), num(-0.5, 0.5), pos(4)])],
    st.norm.cdf: [("st.norm.cdf(x, y, z)", [vec(4), vec(4), pos(4)])],
    st.norm.logcdf: [("st.norm.logcdf(x, 0.2, y)", [vec(4, lo=-3, hi=1), pos(4)]),
                     ("st.norm.logcdf(x, y, z)", [vec(4), vec(4), num(0.5, 1.5)])],
    st.t.logpdf: [("st.t.logpdf(x, y, 0.1, z)", [vec(4), pos(4, lo=2, hi=5), pos(4)]),
                  ("st.t.logpdf(x, 3.0, y)", [vec(4), vec(4)])],
    st.gamma.logpdf: [("st.gamma.logpdf(x, y, 0.0, z)", [pos(4), pos(4, lo=1.5), pos(4)]),
                      ("st.gamma.logpdf(x + 1.0, y, z)", [pos(3), pos(3, lo=1.5), vec(3, lo=0, hi=0.4)])],
    st.beta.logpdf: [("st.beta.logpdf(x, y, z)", [vec(4, lo=0.2, hi=0.8), pos(4), pos(4)]),
                     ("st.beta.logpdf(x, 2.0, 3.0, y, z)", [vec(3, lo=0.5, hi=1.0), vec(3, lo=0.0, hi=0.3),
                                                             pos(3, lo=1.2, hi=2.0)])],
    st.poisson.logpmf: [("st.poisson.logpmf(np.array([0, 1, 3, 2]), x)", [pos(4)]),
                        ("st.poisson.logpmf(np.array([3, 4]), x, 1)", [pos(2)])],
    st.multivariate_normal.logpdf: [
        (f"st.multivariate_normal.logpdf(x, y, {SPD})", [mat(3), mat(3), mat(3, 3)]),
        (f"st.multivariate_normal.logpdf(x, y, {SPD})", [mat(4, 3), mat(3), mat(3, 3)]),
        ("st.multivariate_normal.logpdf(x, y)", [mat(3), mat(3)])],
    sl.solve_triangular: [
        ("sl.solve_triangular(np.tril(x) + 3 * np.eye(3), y, lower=True)", [mat(3, 3), mat(3)]),
        ("sl.solve_triangular(x + 3 * np.eye(3), y, trans=1)", [mat(3, 3), mat(3, 2)]),
        ("sl.solve_triangular(x + 3 * np.eye(3), y, trans='T', lower=True, unit_diagonal=True)",
         [mat(3, 3), mat(3)])],
    sl.cho_factor: [(f"sl.cho_factor({SPD}, lower=True)[0]", [mat(3), mat(3), mat(3, 3)]),
                    (f"sl.cho_factor({SPD})[0] * x", [mat(3), mat(3), mat(3, 3)])],
    sl.cho_solve: [(f"sl.cho_solve(sl.cho_factor({SPD}), y)", [mat(3, 3), mat(3), mat(3, 3)]),
                   (f"sl.cho_solve(sl.cho_factor({SPD}, lower=True), y)", [mat(3, 3), mat(3, 2),
                                                                          mat(3, 3)])],
    sl.cholesky: [(f"sl.cholesky({SPD})", [mat(3, 3), mat(3), mat(3, 3)]),
                  (f"sl.cholesky({SPD}, lower=True)", [mat(3, 3), mat(3), mat(3, 3)])],
    sl.expm: [("sl.expm(x * 0.5)", [mat(3, 3)])],
    sl.inv: [("sl.inv(x + 3 * np.eye(3))", [mat(3, 3)])],
    sl.det: [("sl.det(x)", [mat(3, 3)])],
    sl.solve: [("sl.solve(x + 3 * np.eye(3), y)", [mat(3, 3), mat(3, 2)])],
    # (the rules of srcad/rules/scipy_more.py, added for the port of autograd's suite)
    sp.jv: [("sp.jv(2, x)", [pos(4)]), ("sp.jn(np.array([0, 1, 3]), x)", [pos(2, 3)]),
            ("sp.jv(1.5, x)", [pos(3)])],
    sp.yv: [("sp.yv(0.5, x)", [pos(3)])],
    sp.yn: [("sp.yn(np.array([1, 2]), x)", [pos(3, 2)])],
    sp.iv: [("sp.iv(np.array([0.5, 2.0]), x)", [vec(3, 2, lo=-2, hi=2)])],
    sp.ive: [("sp.ive(1, x)", [vec(4, lo=-2, hi=2)]), ("sp.ive(2.5, x * y)", [pos(3), num(1, 3)])],
    sp.j0: [("sp.j0(x)", [pos(4, hi=6)])], sp.j1: [("sp.j1(x)", [pos(4, hi=6)])],
    sp.y0: [("sp.y0(x)", [pos(4, hi=6)])], sp.y1: [("sp.y1(x)", [pos(4, hi=6)])],
    sp.rgamma: [("sp.rgamma(x)", [vec(4, lo=-1.5, hi=3)])],
    sp.erfcinv: [("sp.erfcinv(x)", [vec(4, lo=0.1, hi=1.9)])],
    sp.beta: [("sp.beta(x, y)", [pos(3), pos(2, 3)])],
    sp.betainc: [("sp.betainc(2.5, 1.5, x)", [vec(4, lo=0.1, hi=0.9)]),
                 ("sp.betainc(2.0, 3.0, x * y)", [vec(2, 3, lo=0.1, hi=0.9), vec(3, lo=0.5, hi=1.0)])],
    sp.gammainc: [("sp.gammainc(1.5, x * y)", [pos(4), pos(4)])],
    sp.gammaincc: [("sp.gammaincc(2.0, x)", [pos(2, 2)])],
    st.chi2.logpdf: [("st.chi2.logpdf(x, y, 0.1, z)", [pos(4, lo=1.0), pos(4, lo=2.5), pos(4)])],
    st.chi2.pdf: [("st.chi2.pdf(x, 3)", [pos(4)]), ("st.chi2.pdf(x, df=y)", [pos(3), pos(3, lo=2.5)])],
    st.chi2.cdf: [("st.chi2.cdf(x, 2, y, z)", [pos(3, lo=1.0), vec(3, lo=0, hi=0.4), pos(3)])],
    st.t.pdf: [("st.t.pdf(x, y, z)", [vec(4), pos(4, lo=2, hi=5), vec(4)])],
    st.t.cdf: [("st.t.cdf(x, 4.0, y, z)", [vec(4), vec(4), pos(4)])],
    st.t.logcdf: [("st.t.logcdf(x, df=3.0, loc=y, scale=z)", [vec(4), vec(4), pos(4)])],
    st.gamma.pdf: [("st.gamma.pdf(x, y, scale=z)", [pos(4), pos(4, lo=1.5), pos(4)])],
    st.gamma.cdf: [("st.gamma.cdf(x, 2.5, y, z)", [pos(3, lo=1.0), vec(3, lo=0, hi=0.4), pos(3)])],
    st.beta.pdf: [("st.beta.pdf(x, y, z)", [vec(4, lo=0.2, hi=0.8), pos(4), pos(4)])],
    st.beta.cdf: [("st.beta.cdf(x, 2.0, 3.0, y, z)", [vec(3, lo=0.5, hi=1.0), vec(3, lo=0.0, hi=0.3),
                                                      pos(3, lo=1.2, hi=2.0)])],
    st.norm.sf: [("st.norm.sf(x, y, z)", [vec(4), vec(4), pos(4)])],
    st.norm.logsf: [("st.norm.logsf(x, y, z)", [vec(2, 3), vec(3), pos(2, 1)])],
    st.poisson.pmf: [("st.poisson.pmf(np.array([0, 1, 3, 2]), x)", [pos(4)])],
    st.poisson.cdf: [("st.poisson.cdf(np.array([0, 1, 3, -1]), x)", [pos(4)]),
                     ("st.poisson.cdf(np.array([[3.5], [2.0]]), x, 1)", [pos(3)])],
    st.multivariate_normal.pdf: [
        (f"st.multivariate_normal.pdf(x, y, {SPD})", [mat(4, 3), mat(3), mat(3, 3)])],
    st.multivariate_normal.entropy: [(f"st.multivariate_normal.entropy(y, {SPD})",
                                      [mat(3), mat(3), mat(3, 3)])],
    st.dirichlet.logpdf: [("st.dirichlet.logpdf(x / np.sum(x), y)", [pos(4), pos(4, lo=1.2)])],
    st.dirichlet.pdf: [("st.dirichlet.pdf(x / np.sum(x), y)", [pos(3), pos(3, lo=1.2)])],
    sl.solve_sylvester: [("sl.solve_sylvester(x + 3 * np.eye(3), y + 3 * np.eye(3), z)",
                          [mat(3, 3), mat(3, 3), mat(3, 3)])],
    sl.sqrtm: [(f"sl.sqrtm({SPD} + x)", [mat(3, 3), mat(3), mat(3, 3)])],
    sl.solve_banded: [("sl.solve_banded((1, 2), x + np.array([[0.0], [0.0], [4.0], [0.0]]), y)",
                       [mat(4, 5), mat(5)]),
                      ("sl.solve_banded((1, 0), x + np.array([[3.0], [0.0]]), y)",
                       [mat(2, 4), mat(4, 2)])],
    sg.convolve: [("sg.convolve(x, y)", [mat(4), mat(2)]), ("sg.convolve(x, y, 'same')", [mat(3, 4), mat(2, 3)]),
                  ("sg.convolve(x, y, mode='valid')", [mat(2, 3), mat(3, 4)]),
                  ("sg.convolve(x, y, 'same', 'direct')", [mat(2, 5), mat(3, 2)])],
}
# gradients whose own derivative srcad does not have yet: Hessian-vector products are refused
# (none: i1e, cho_factor, cho_solve, cholesky, det and solve have theirs)
NO_SECOND_ORDER = set()
NAMESPACE = {"sp": sp, "st": st, "sl": sl, "sg": sg, "math": math}


def case_params():
    for fn, cases in CASES.items():
        for k, (expr, makers) in enumerate(cases):
            name = getattr(fn, "__name__", "f")
            owner = getattr(getattr(fn, "__self__", None), "name", None)
            yield pytest.param(fn, expr, makers, id=f"{owner + '.' if owner else ''}{name}-{k}")


def _setup(expr, makers, seed):
    names = ["x", "y", "z"][:len(makers)]
    rng = np.random.default_rng(seed)
    args = [make(rng) for make in makers]
    value = eval(expr, dict(NAMESPACE, np=np), dict(zip(names, args)))
    w = rng.normal(size=np.shape(value))
    f = make_function(f"""
        def f({', '.join(names)}):
            return np.sum(({expr}) * w)
        """, dict(NAMESPACE, w=w))
    return names, args, f


@pytest.mark.parametrize("fn, expr, makers", list(case_params()))
def test_reverse_against_finite_differences(fn, expr, makers):
    names, args, f = _setup(expr, makers, 21)
    check_grad(f, args, argnums=tuple(range(len(names))), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("fn, expr, makers", list(case_params()))
def test_forward_along_random_directions(fn, expr, makers):
    names = ["x", "y", "z"][:len(makers)]
    rng = np.random.default_rng(22)
    args = [make(rng) for make in makers]
    f = make_function(f"""
        def f({', '.join(names)}):
            return {expr}
        """, NAMESPACE)
    check_jvp(f, args, tuple(range(len(names))), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("fn, expr, makers", list(case_params()))
def test_hvp_against_differences_of_grad(fn, expr, makers):
    names, args, f = _setup(expr, makers, 23)
    for k in range(len(names)):
        if fn in NO_SECOND_ORDER:
            try:
                check_hvp(f, args, k, rtol=1e-4, atol=1e-4)
            except srcad.SrcadError as exc:  # refused, never a wrong number
                assert "forward-mode" in exc.message or "second-order" in exc.message
            continue
        check_hvp(f, args, k, rtol=1e-4, atol=1e-4)


def test_scipy_rules_doc_is_generated_from_the_table():
    """Set SRCAD_UPDATE_DOCS=1 to regenerate the SciPy table of docs/rules.md."""
    path = ROOT / "docs" / "rules.md"
    doc = path.read_text()
    begin, end = "<!-- scipy rules table: begin -->\n", "<!-- scipy rules table: end -->"
    embedded = doc[doc.index(begin) + len(begin):doc.index(end)]
    table = srcad.rules.coverage_markdown(scipy=True)
    if os.environ.get("SRCAD_UPDATE_DOCS"):
        path.write_text(doc.replace(begin + embedded + end, begin + table + end))
        embedded = table
    assert embedded == table, "regenerate docs/rules.md from the rule table"


# ---- autograd's SciPy wrappers as a second oracle ---------------------------------------------

AUTOGRAD = [
    ("np.sum(sp.gammaln(x) * w) + np.sum(sp.digamma(x) * w) + np.sum(sp.polygamma(1, x) * w)", "pos"),
    ("np.sum(sp.erf(x) * w) + np.sum(sp.erfc(x) * w) + np.sum(sp.erfinv(x / 3) * w)", "any"),
    ("np.sum(sp.expit(x) * w) + np.sum(sp.logit(sp.expit(x)) * w)", "any"),
    ("sp.logsumexp(x * w) + np.sum(sp.betaln(x, x + 1.0) * w)", "pos"),
    ("np.sum(sp.i0(x) * w) + np.sum(sp.i1(x) * w) + np.sum(sp.gamma(x) * w)", "pos"),
    ("sp.multigammaln(np.sum(x), 3)", "pos"),
    ("np.sum(st.norm.logpdf(x, 0.5, 2.0) * w) + np.sum(st.norm.cdf(x, 0.1, 1.5) * w)", "any"),
    ("np.sum(st.t.logpdf(x, 4.0, 0.2, 1.3) * w) + np.sum(st.gamma.logpdf(x, 2.0) * w)", "pos"),
    ("np.sum(st.beta.logpdf(x / 3, 2.0, 3.0) * w) + np.sum(st.poisson.logpmf(K, x) * w)", "pos"),
    ("st.multivariate_normal.logpdf(x, x[::-1], C)", "any"),
]


@pytest.mark.parametrize("expr, domain", AUTOGRAD, ids=[e[:40] for e, _ in AUTOGRAD])
def test_against_autograd(expr, domain):
    import autograd
    import autograd.numpy as anp
    import autograd.scipy.special as asp
    import autograd.scipy.stats as ast
    rng = np.random.default_rng(31)
    x = rng.uniform(0.5, 2.5, size=4) if domain == "pos" else rng.uniform(-1, 1, size=4)
    m = rng.normal(size=(4, 4))
    consts = {"w": rng.normal(size=4), "K": np.array([0, 1, 3, 2]), "C": m @ m.T + 4 * np.eye(4)}
    f = make_function(f"def f(x):\n    return {expr}\n", dict(NAMESPACE, **consts))
    g = make_function(f"def f(x):\n    return {expr}\n", dict(consts, np=anp, sp=asp, st=ast))
    np.testing.assert_allclose(srcad.grad(f)(x), autograd.grad(g)(x), rtol=1e-7, atol=1e-9)


# ---- SciPy is imported only by the user ---------------------------------------------------------

def test_importing_srcad_does_not_import_scipy_and_rules_come_with_it(tmp_path):
    script = tmp_path / "uses_scipy.py"
    script.write_text(textwrap.dedent("""
        import sys
        import numpy as np
        import srcad
        assert "scipy" not in sys.modules, "importing srcad imported SciPy"
        import scipy.special
        def f(x):
            return np.sum(scipy.special.gammaln(x))
        print(*[repr(float(v)) for v in srcad.grad(f)(np.array([1.5, 2.5]))])
        """))
    out = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=120)
    assert out.returncode == 0, out.stderr
    np.testing.assert_allclose(np.array(out.stdout.split(), dtype=float),
                               sp.digamma([1.5, 2.5]))


# ---- refused at the user's line: no rule, never the library's source -------------------------

@pytest.mark.parametrize("expr, name", [
    ("np.sum(sp.zeta(x, 2.0))", "scipy.special.zeta"),  # a ufunc without a rule
    ("np.sum(st.zscore(x))", "scipy.stats.zscore"),     # a Python function of SciPy's
    ("np.sum(st.norm(0.0, 1.0).logpdf(x))", "logpdf"),  # a frozen distribution's method
    ("sp.logsumexp(x, return_sign=True)[0]", "return_sign"),
    ("np.sum(np.emath.sqrt(x))", "emath"),              # NumPy's Python source is not read either
])
def test_a_library_function_without_a_rule_is_refused_at_the_users_line(expr, name):
    f = make_function(f"def f(x):\n    y = {expr}\n    return y\n", NAMESPACE)
    with pytest.raises(srcad.SrcadError, match=name) as info:
        srcad.grad(f)(np.array([0.3, 1.2, 2.0]))
    location = info.value.location
    assert location is not None and location.filename.startswith("<srcad-test")
    assert location.lineno == 2


def test_a_library_function_without_a_gradient_flowing_runs():
    # no gradient through it: it is called, not refused
    f = make_function("def f(x):\n    s = np.sum(st.zscore(np.arange(4.0)))\n    return s * np.sum(x)\n",
                      NAMESPACE)
    check_grad(f, [np.array([0.3, 1.2])])


def test_the_multivariate_normal_needs_a_full_covariance_for_its_gradient():
    f = make_function("def f(x, c):\n    return np.sum(st.multivariate_normal.logpdf(x, M, c))\n",
                      dict(NAMESPACE, M=np.zeros(2)))
    x = np.array([[0.3, -0.2], [1.0, 0.5], [0.1, 0.2]])
    check_grad(f, [x, 2.0], argnums=0)  # x's gradient with a scalar covariance
    check_grad(f, [x, np.array([2.0, 0.5])], argnums=0)  # a diagonal one
    with pytest.raises(srcad.SrcadError, match="full matrix") as info:
        srcad.grad(f, argnums=1)(x, 2.0)
    assert info.value.location.lineno == 2


def test_the_multivariate_normal_refuses_shapes_scipy_reads_otherwise():
    # mean None, cov a number: SciPy reads each entry of x as a point of dimension 1
    f = make_function("def f(x):\n    return np.sum(st.multivariate_normal.logpdf(x, None, 2.0))\n",
                      NAMESPACE)
    with pytest.raises(srcad.SrcadError, match="dimension") as info:
        srcad.grad(f)(np.array([0.3, -0.2]))
    assert info.value.location.lineno == 2


def test_export_copies_the_scipy_helpers(tmp_path):
    import importlib.util
    f = make_function("""
        def f(x):
            return np.sum(sp.gammaln(x)) + sp.logsumexp(x) + np.sum(np.abs(np.fft.rfft(x)) ** 2)
        """, NAMESPACE)
    g = srcad.grad(f)
    x = np.array([1.5, 2.5, 0.7])
    expected = g(x)
    path = tmp_path / "exported_scipy.py"
    text = srcad.export(g, str(path))
    assert "import srcad" not in text and "def special_digamma" in text
    spec = importlib.util.spec_from_file_location("exported_scipy", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    np.testing.assert_allclose(module.grad_f(x)[1], expected, rtol=1e-12)


# ---- the second order of cho_solve ------------------------------------------------------------

def test_the_tangent_of_cho_solves_factor_adjoint_against_differences():
    import scipy.linalg as sl
    from srcad.runtime.scipy_helpers import cho_solve_dc, cho_solve_dc_dc
    rng = np.random.default_rng(0)
    for lower in (True, False):
        for shape in [(4,), (4, 2)]:
            m = rng.normal(size=(4, 4))
            c, _ = sl.cho_factor(m @ m.T + 4 * np.eye(4), lower=lower)
            b, g, t = rng.normal(size=shape), rng.normal(size=shape), rng.normal(size=(4, 4))
            ans = sl.cho_solve((c, lower), b)
            e = 1e-6
            expected = (cho_solve_dc(g, c + e * t, lower, b, ans)
                        - cho_solve_dc(g, c - e * t, lower, b, ans)) / (2 * e)
            np.testing.assert_allclose(cho_solve_dc_dc(g, c, lower, ans, t), expected,
                                       rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("lower", [True, False])
def test_hessian_vector_products_through_cho_factor_and_cho_solve(lower):
    # the factor depends on a (cho_factor's adjoint and cho_solve's in the factor, to second
    # order) and the right-hand side on b
    import scipy.linalg as sl
    f = make_function(f"""
        def f(a, b):
            c = sl.cho_factor(a @ a.T + np.diag(b ** 2) + 3 * np.eye(3), lower={lower})
            x = sl.cho_solve(c, np.outer(b, b) + np.diag(b))
            return np.sum(np.sin(x)) + np.sum(sl.cho_solve(c, b) ** 2)
        """, {"sl": sl})
    rng = np.random.default_rng(4)
    args = [rng.normal(size=(3, 3)), rng.normal(size=3)]
    check_grad(f, args, argnums=(0, 1))
    for k in (0, 1):
        check_hvp(f, args, k)


def test_hessian_vector_products_through_scipy_cholesky_and_a_gp_likelihood():
    import scipy.linalg as sl
    f = make_function("""
        def f(a, b):
            L = sl.cholesky(a @ a.T + 3 * np.eye(3), lower=True)
            U = sl.cholesky(a @ a.T + np.diag(b ** 2) + np.eye(3), lower=False)
            return np.sum(np.sin(L) * U.T) + np.sum(b @ L)
        """, {"sl": sl})
    gp = make_function("""
        def gp(log_ell, log_noise, X, y):
            K = np.exp(-0.5 * (X - X.T) ** 2 / np.exp(log_ell) ** 2) + np.exp(log_noise) * np.eye(len(y))
            c, lower = sl.cho_factor(K, lower=True)
            alpha = sl.cho_solve((c, lower), y)
            return 0.5 * y @ alpha + np.sum(np.log(np.diag(c)))
        """, {"sl": sl})
    rng = np.random.default_rng(5)
    args = [rng.normal(size=(3, 3)), rng.normal(size=3)]
    for k in (0, 1):
        check_hvp(f, args, k)
    X = rng.normal(size=(6, 1))
    gp_args = [0.2, -1.5, X, np.tanh(X[:, 0])]
    check_grad(gp, gp_args, argnums=(0, 1))
    for k in (0, 1):
        check_hvp(gp, gp_args, k)
