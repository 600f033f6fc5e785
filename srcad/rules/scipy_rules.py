"""Rules, family 11 (optional: ``pip install srcad[scipy]``): ``scipy.special``, ``scipy.stats``,
``scipy.linalg`` and ``scipy.signal`` (more of each in :mod:`srcad.rules.scipy_more`).

Accepts: nothing; importing adds to :data:`~srcad.rules.registry.LAZY` the functions that register
the entries below. Importing srcad never imports SciPy (it takes longer than srcad itself): the
entries of ``scipy.special``, ``scipy.stats`` or ``scipy.linalg`` are registered the first time
srcad looks up a function without a rule after that module was imported (by the user, or by a
library), which is always before a call of one of its functions is differentiated.
Guarantees: one entry per function, VJP and JVP side by side, named as SciPy documents them
(``scipy.special.gammaln``); the helpers live in :mod:`srcad.runtime.scipy_helpers`. Every other
function of SciPy (as of any installed library) is refused at the user's call: srcad never reads a
library's own source (:func:`srcad.passes.user_calls.library_function`).

Conventions: ``xlogy(x, y)`` and ``xlog1py(x, y)`` with respect to ``y`` at ``x == 0``: 0 (as the
function is 0 there). ``multivariate_normal.logpdf``, ``cho_factor`` and ``scipy.linalg.cholesky``
read one triangle of their matrix: their gradients with respect to it are symmetric, as
``np.linalg.cholesky``'s (docs/rules.md); ``multivariate_normal.logpdf``'s ``cov`` must be a full
matrix where it needs a gradient. ``logsumexp``'s ``return_sign`` must be left out. ``solve``,
``inv`` and ``det`` of ``scipy.linalg`` follow NumPy's rules (``assume_a``, ``lower`` and
``transposed`` of ``solve`` must be left out).

Complex values (:func:`~srcad.rules.registry.complex_mode`): the distributions of ``scipy.stats``
are of real values, and SciPy drops the imaginary part of a complex ``loc`` or ``scale``: a complex
argument of one is refused at run time (``complex="refused"``, the templates made by
:func:`~srcad.rules.registry.refusing_complex`), as are ``digamma``'s (its derivative ``polygamma``
takes no complex value), ``cholesky``'s and ``cho_factor``'s complex matrices and ``cho_solve``'s
complex factor (``partial``: a complex right-hand side is differentiated); the ufuncs without a
complex loop are real only.
"""

from __future__ import annotations

import importlib

from . import scipy_more
from .registry import LAZY, defrule, refusing_complex


def _register_helpers():
    """Import (once) :mod:`srcad.runtime.scipy_helpers` and :mod:`srcad.runtime.scipy_more`,
    which register the helpers."""
    importlib.import_module("srcad.runtime.scipy_helpers")
    importlib.import_module("srcad.runtime.scipy_more")

def _special():
    import scipy.special as sp

    _register_helpers()

    def rule(fn, signature, **kwargs):
        name = "digamma" if fn is sp.digamma else fn.__name__  # (its __name__ is 'psi')
        defrule(fn, signature, name=f"scipy.special.{name}", **kwargs)

    rule(sp.gammaln, "x", x="g * special_digamma(x)", elementwise=True)
    # (SciPy's digamma takes complex values, its derivative polygamma does not: refused before)
    rule(sp.digamma, "x", x="real_operands(g, 'scipy.special.digamma', (x,)) "
                            "* special_polygamma(1, x)", elementwise=True, complex="refused")
    rule(sp.polygamma, "n, x", complex="real only", x="unbroadcast(g * special_polygamma(n + 1, x), x)",
         elementwise=True)
    rule(sp.gamma, "x", x="g * ans * special_digamma(x)", elementwise=True)
    rule(sp.multigammaln, "a, d", complex="real only", a="g * multi_polygamma(0, a, d)",
         jvp={"a": "t * multi_polygamma(0, a, d)"})
    rule(sp.betaln, "a, b",
         a="unbroadcast(g * (special_digamma(a) - special_digamma(a + b)), a)",
         b="unbroadcast(g * (special_digamma(b) - special_digamma(a + b)), b)", elementwise=True)
    rule(sp.erf, "x", x="g * (2 / np.sqrt(np.pi)) * np.exp(-x ** 2)", elementwise=True)
    rule(sp.erfc, "x", x="g * (-2 / np.sqrt(np.pi)) * np.exp(-x ** 2)", elementwise=True)
    rule(sp.erfinv, "x", x="g * (np.sqrt(np.pi) / 2) * np.exp(ans ** 2)", elementwise=True)
    rule(sp.expit, "x", x="g * ans * (1 - ans)", elementwise=True)
    rule(sp.logit, "x", x="g / (x * (1 - x))", elementwise=True)
    rule(sp.xlogy, "x, y", x="unbroadcast(g * np.log(y), x)",
         y="unbroadcast(g * np.where(x == 0, 0.0, x / np.where(x == 0, 1.0, y)), y)",
         elementwise=True)
    rule(sp.xlog1py, "x, y", x="unbroadcast(g * np.log1p(y), x)",
         y="unbroadcast(g * np.where(x == 0, 0.0, x / np.where(x == 0, 1.0, 1 + y)), y)",
         elementwise=True)
    rule(sp.i0, "x", x="g * special_i1(x)", elementwise=True)
    rule(sp.i1, "x", x="g * i1_prime(x)", elementwise=True)
    rule(sp.i0e, "x", x="g * i0e_prime(x)", elementwise=True)
    rule(sp.i1e, "x", x="g * i1e_prime(x)", elementwise=True)
    rule(sp.logsumexp, "a, axis=None, b=None, keepdims=False, return_sign=False",
         a="unbroadcast(unsum(g, a, axis, keepdims) * lse_weights(a, ans, axis, b, keepdims), a)",
         b="unbroadcast(unsum(g, a, axis, keepdims) * lse_weights(a, ans, axis, None, keepdims), b)",
         jvp={"a": "np.sum(lse_weights(a, ans, axis, b, keepdims) * t, axis=axis, "
                   "keepdims=keepdims)",
              "b": "np.sum(lse_weights(a, ans, axis, None, keepdims) * t, axis=axis, "
                   "keepdims=keepdims)"},
         unsupported=("return_sign",))
    rule(sp.softmax, "x, axis=None", x="ans * (g - np.sum(g * ans, axis=axis, keepdims=True))",
         jvp={"x": "ans * (t - np.sum(t * ans, axis=axis, keepdims=True))"})
    rule(sp.log_softmax, "x, axis=None",
         x="g - np.exp(ans) * np.sum(g, axis=axis, keepdims=True)",
         jvp={"x": "t - np.sum(np.exp(ans) * t, axis=axis, keepdims=True)"})
    scipy_more.special_more(sp)


def _stats():
    import scipy.stats as st

    _register_helpers()

    def rule(fn, name, signature, complex="refused", **vjps):  # (of real values: complex refused)
        defrule(fn, signature, name=f"scipy.stats.{name}", elementwise=True, complex=complex,
                **refusing_complex(f"scipy.stats.{name}", signature, vjps))

    z = "((x - loc) / scale)"
    rule(st.norm.logpdf, "norm.logpdf", "x, loc=0, scale=1",
         x=f"unbroadcast(-g * {z} / scale, x)", loc=f"unbroadcast(g * {z} / scale, loc)",
         scale=f"unbroadcast(g * ({z} ** 2 - 1) / scale, scale)")
    rule(st.norm.pdf, "norm.pdf", "x, loc=0, scale=1",
         x=f"unbroadcast(-g * ans * {z} / scale, x)", loc=f"unbroadcast(g * ans * {z} / scale, loc)",
         scale=f"unbroadcast(g * ans * ({z} ** 2 - 1) / scale, scale)")
    density = f"np.exp(-{z} ** 2 / 2) / (np.sqrt(2 * np.pi) * scale)"
    rule(st.norm.cdf, "norm.cdf", "x, loc=0, scale=1",
         x=f"unbroadcast(g * {density}, x)", loc=f"unbroadcast(-g * {density}, loc)",
         scale=f"unbroadcast(-g * {density} * {z}, scale)")
    ratio = f"np.exp(-{z} ** 2 / 2 - ans) / (np.sqrt(2 * np.pi) * scale)"  # pdf / cdf, stably
    rule(st.norm.logcdf, "norm.logcdf", "x, loc=0, scale=1",
         x=f"unbroadcast(g * {ratio}, x)", loc=f"unbroadcast(-g * {ratio}, loc)",
         scale=f"unbroadcast(-g * {ratio} * {z}, scale)")
    # t: d/dz = -(df + 1) z / (df + z^2)
    dz = f"(-(df + 1) * {z} / (df + {z} ** 2))"
    rule(st.t.logpdf, "t.logpdf", "x, df, loc=0, scale=1",
         x=f"unbroadcast(g * {dz} / scale, x)", loc=f"unbroadcast(-g * {dz} / scale, loc)",
         scale=f"unbroadcast(g * (-1 - {z} * {dz}) / scale, scale)",
         df=f"unbroadcast(g * (special_digamma((df + 1) / 2) / 2 - special_digamma(df / 2) / 2 "
            f"- 1 / (2 * df) - np.log1p({z} ** 2 / df) / 2 "
            f"+ (df + 1) * {z} ** 2 / (2 * df * (df + {z} ** 2))), df)")
    rule(st.gamma.logpdf, "gamma.logpdf", "x, a, loc=0, scale=1",
         x=f"unbroadcast(g * ((a - 1) / {z} - 1) / scale, x)",
         loc=f"unbroadcast(-g * ((a - 1) / {z} - 1) / scale, loc)",
         scale=f"unbroadcast(g * ({z} - a) / scale, scale)",
         a=f"unbroadcast(g * (np.log({z}) - special_digamma(a)), a)")
    dy = f"((a - 1) / {z} - (b - 1) / (1 - {z}))"
    rule(st.beta.logpdf, "beta.logpdf", "x, a, b, loc=0, scale=1",
         x=f"unbroadcast(g * {dy} / scale, x)", loc=f"unbroadcast(-g * {dy} / scale, loc)",
         scale=f"unbroadcast(g * (-1 - {z} * {dy}) / scale, scale)",
         a=f"unbroadcast(g * (np.log({z}) - special_digamma(a) + special_digamma(a + b)), a)",
         b=f"unbroadcast(g * (np.log1p(-{z}) - special_digamma(b) + special_digamma(a + b)), b)")
    rule(st.poisson.logpmf, "poisson.logpmf", "k, mu, loc=0", complex="real only",
         mu="unbroadcast(g * ((k - loc) / mu - 1), mu)")
    mvn = "x, mean=None, cov=1, allow_singular=False"
    defrule(st.multivariate_normal.logpdf, mvn, name="scipy.stats.multivariate_normal.logpdf",
            complex="refused", **refusing_complex("scipy.stats.multivariate_normal.logpdf", mvn, dict(
                x="-np.expand_dims(g, -1) * mvn_solved(x, mean, cov)",
                mean="unbroadcast(np.expand_dims(g, -1) * mvn_solved(x, mean, cov), mean)",
                # (S S^T - cov^-1) / 2 per point, S = cov^-1 (x - mean): symmetric
                cov="0.5 * (weighted_outer(mvn_solved(x, mean, cov), mvn_solved(x, mean, cov), g) "
                    "- np.sum(g) * np.linalg.inv(full_matrix(cov)))")),
            jvp=refusing_complex("scipy.stats.multivariate_normal.logpdf", mvn, {
                "x": "-np.sum(mvn_solved(x, mean, cov) * t, axis=-1)",
                "mean": "np.sum(mvn_solved(x, mean, cov) * t, axis=-1)",
                "cov": "mvn_cov_tangent(t, x, mean, cov)"}))
    scipy_more.stats_more(st)


def _linalg():
    import scipy.linalg as sl

    _register_helpers()

    def rule(fn, signature, **kwargs):
        defrule(fn, signature, name=f"scipy.linalg.{fn.__name__}", **kwargs)

    rule(sl.solve_triangular, "a, b, trans=0, lower=False, unit_diagonal=False, "
         "overwrite_b=False, check_finite=True",
         a="solve_tri_grad(solve_tri(a, g, flipped(trans), lower, unit_diagonal), ans, trans, "
           "lower, unit_diagonal)",
         b="solve_tri(a, g, flipped(trans), lower, unit_diagonal)",
         jvp={"a": "-solve_tri(a, tri_apply(t, ans, trans, lower, unit_diagonal), trans, lower, "
                   "unit_diagonal)",
              "b": "solve_tri(a, t, trans, lower, unit_diagonal)"})
    rule(sl.cho_factor, "a, lower=False, overwrite_a=False, check_finite=True", complex="refused",
         a="cho_factor_adjoint(g, a, ans[0], lower)",
         jvp={"a": "cho_factor_tangent(t, ans[0], lower)"})
    rule(sl.cho_solve, "c_and_lower, b, overwrite_b=False, check_finite=True",
         complex={"c_and_lower": "refused", "b": "yes"},
         c_and_lower="adjoint_like(c_and_lower, [cho_solve_dc(g, c_and_lower[0], "
                     "c_and_lower[1], b, ans), 0.0])",
         # (a complex factor: A = L L^H, whose inverse's transpose is not A^-1: refused)
         b="real_operands(cho_solved(c_and_lower, g), 'scipy.linalg.cho_solve', (c_and_lower[0],))",
         jvp={"c_and_lower": "cho_solve_tangent(t, c_and_lower, ans)",
              "b": "cho_solved(c_and_lower, t)"})
    rule(sl.cholesky, "a, lower=False, overwrite_a=False, check_finite=True", complex="refused",
         a="scipy_cholesky_adjoint(g, ans, lower)",
         jvp={"a": "cholesky_tangent(t, ans) if lower else mT(cholesky_tangent(t, mT(ans)))"})
    rule(sl.expm, "A", A="expm_adjoint(g, A)", jvp={"A": "expm_frechet(A, t)"})
    rule(sl.inv, "a, overwrite_a=False, check_finite=True, assume_a=None, lower=False",
         unsupported=("assume_a",),
         a="-(mT(ans) @ g @ mT(ans))", jvp={"a": "-(ans @ t @ ans)"})
    rule(sl.det, "a, overwrite_a=False, check_finite=True", a="det_adjoint(g, a, ans)",
         jvp={"a": "np.sum(det_adjoint(np.ones_like(ans), a, ans) * t, axis=(-2, -1))"})
    rule(sl.solve, "a, b, lower=False, overwrite_a=False, overwrite_b=False, check_finite=True, "
         "assume_a=None, transposed=False", unsupported=("assume_a", "transposed"),
         a="solve_da(g, a, b, ans)", b="solve_db(g, a, b, ans)",
         jvp={"a": "-np.linalg.solve(a, t @ ans)", "b": "np.linalg.solve(a, t)"})
    scipy_more.linalg_more(sl)


def _signal():
    _register_helpers()
    scipy_more.signal_rules()


LAZY["scipy.special"] = _special
LAZY["scipy.stats"] = _stats
LAZY["scipy.linalg"] = _linalg
LAZY["scipy.signal"] = _signal
