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
    import scipy.special as sp
    import scipy.stats as st
except ImportError:  # pragma: no cover -- (CI installs SciPy with the test extra)
    sp = st = sl = None

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
}
# gradients whose own derivative srcad does not have yet: Hessian-vector products are refused
NO_SECOND_ORDER = set() if sp is None else {sp.i1e, sl.cho_factor, sl.cho_solve, sl.cholesky,
                                            sl.det, sl.solve}
NAMESPACE = {"sp": sp, "st": st, "sl": sl, "math": math}


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
