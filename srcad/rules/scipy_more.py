"""Rules, family 11 continued (optional, with SciPy): the functions autograd's test suite
differentiates that :mod:`srcad.rules.scipy_rules` did not have. Registered with that module's
entries (the same lazy step): ``scipy.special``'s Bessel functions (``jv``/``jn``, ``yv``, ``yn``,
``j0``, ``j1``, ``y0``, ``y1``, ``iv``, ``ive``), ``beta``, ``betainc`` and ``gammainc``/``gammaincc``
(in ``x``), ``rgamma``, ``erfcinv``, ``gammasgn`` (no gradient); ``scipy.stats``'s densities from
their logarithms (``pdf = exp(logpdf)``: ``t``, ``gamma``, ``beta``, ``chi2``, ``poisson.pmf``,
``multivariate_normal``, ``dirichlet``), distribution functions in ``x``, ``loc`` and ``scale``
(``norm.sf``/``logsf``, ``t.cdf``/``logcdf``, ``gamma.cdf``, ``beta.cdf``, ``chi2.cdf``; their
shape parameters have no closed-form derivative: a gradient there is refused at run time, never a
silent zero, as in the Bessel functions' order), ``poisson.cdf`` in ``mu``,
``multivariate_normal.entropy``; ``scipy.signal.convolve``; ``scipy.linalg.solve_sylvester``,
``sqrtm`` and ``solve_banded``. The helpers live in :mod:`srcad.runtime.scipy_more`. Complex
arguments of the distributions, of ``ive`` (not holomorphic: ``exp(-|Re z|)``) and of
``solve_sylvester`` are refused at run time (:func:`~srcad.rules.registry.refusing_complex`).
"""

from __future__ import annotations

import ast

from .registry import RULES, Rule, defrule, refusing_complex


class _TimesDensity(ast.NodeTransformer):
    def visit_Name(self, node):
        if node.id == "g":
            return ast.BinOp(ast.Name("g", ast.Load()), ast.Mult(), ast.Name("ans", ast.Load()))
        return node


def _times_density(template: str) -> str:
    """A VJP template of ``logpdf`` made one of ``pdf = exp(logpdf)``: ``g`` becomes ``g * ans``."""
    return ast.unparse(_TimesDensity().visit(ast.parse(template, mode="eval")))


def density_rule(fn, log_fn, name: str):
    """The rule of the density ``fn`` from that of its logarithm ``log_fn``: d pdf = pdf d logpdf
    (the same signature, elementwise or not as it is)."""
    log = RULES[log_fn]
    signature = ", ".join(p if p not in log.defaults else f"{p}={log.defaults[p]!r}"
                          for p in log.params)
    jvp = None if log.elementwise else {p: f"ans * ({v})" for p, v in log.tangents.items()}
    defrule(fn, signature, name=name, elementwise=log.elementwise, jvp=jvp, complex=log.complex,
            unsupported=log.unsupported, **{p: _times_density(v) for p, v in log.vjps.items()})


def _no_gradient(function: str, param: str, why: str) -> str:
    """A template refusing a gradient (or tangent) in ``param``, on which the result depends:
    never a silent zero (``no_gradient`` raises where it runs, which is only where one flows)."""
    return f"no_gradient({function!r}, {param!r}, {why!r})"


def special_more(sp):
    def rule(fn, signature, **kwargs):
        defrule(fn, signature, name=f"scipy.special.{fn.__name__}", elementwise=True, **kwargs)

    def order(fn):
        return _no_gradient(f"scipy.special.{fn.__name__}", "v", "the order is not differentiated")

    bessel = {sp.jv: "special_jv", sp.yv: "special_yv", sp.yn: "special_yv"}
    for fn, h in bessel.items():  # (sp.jn is sp.jv)
        rule(fn, "v, x", x=f"unbroadcast(g * ({h}(v - 1, x) - {h}(v + 1, x)) / 2, x)", v=order(fn))
    rule(sp.iv, "v, x", x="unbroadcast(g * (special_iv(v - 1, x) + special_iv(v + 1, x)) / 2, x)",
         v=order(sp.iv))
    # (ive(v, z) = iv(v, z) exp(-|Re z|): not holomorphic; its formula is for real values)
    rule(sp.ive, "v, x", complex="refused", **refusing_complex("scipy.special.ive", "v, x", dict(
        x="unbroadcast(g * ((special_ive(v - 1, x) + special_ive(v + 1, x)) / 2 "
          "- np.sign(x) * special_ive(v, x)), x)", v=order(sp.ive))))
    rule(sp.j0, "x", x="-g * special_jv(1, x)")
    rule(sp.j1, "x", x="g * (special_jv(0, x) - special_jv(2, x)) / 2")
    rule(sp.y0, "x", x="-g * special_yv(1, x)")
    rule(sp.y1, "x", x="g * (special_yv(0, x) - special_yv(2, x)) / 2")
    rule(sp.rgamma, "x", x="-g * ans * special_digamma(x)")
    rule(sp.erfcinv, "x", x="g * (-np.sqrt(np.pi) / 2) * np.exp(ans ** 2)")
    rule(sp.beta, "a, b", a="unbroadcast(g * ans * (special_digamma(a) - special_digamma(a + b)), a)",
         b="unbroadcast(g * ans * (special_digamma(b) - special_digamma(a + b)), b)")
    # the regularized incomplete functions in x (their parameters: no closed form, refused)
    why = "no closed form: not differentiated"
    rule(sp.betainc, "a, b, x", x="unbroadcast(g * np.exp((a - 1) * np.log(x) + (b - 1) * "
                                  "np.log1p(-x) - special_betaln(a, b)), x)",
         a=_no_gradient("scipy.special.betainc", "a", why),
         b=_no_gradient("scipy.special.betainc", "b", why))
    density = "np.exp((a - 1) * np.log(x) - x - special_gammaln(a))"
    rule(sp.gammainc, "a, x", x=f"unbroadcast(g * {density}, x)",
         a=_no_gradient("scipy.special.gammainc", "a", why))
    rule(sp.gammaincc, "a, x", x=f"unbroadcast(-g * {density}, x)",
         a=_no_gradient("scipy.special.gammaincc", "a", why))
    RULES[sp.gammasgn] = Rule("scipy.special.gammasgn")  # (the sign: no gradient; defnondiff's
    #                                                     name would be numpy's, it being a ufunc)


def _distribution(fn, name, signature, logpdf, log=False, survival=False):
    """The rule of a distribution function of ``z = (x - loc) / scale`` (``log``: its logarithm;
    ``survival``: 1 - cdf) in ``x``, ``loc`` and ``scale``, from the log-density ``logpdf``
    (written with ``z``, without the ``- log(scale)``)."""
    ratio = f"np.exp({logpdf} - ans)" if log else f"np.exp({logpdf})"  # (pdf / cdf: stably)
    sign = "-" if survival else ""
    opposite = "" if survival else "-"
    shapes = [p.strip() for p in signature.split(",")[1:] if "=" not in p]  # (df, a, b)
    refused = {p: _no_gradient(f"scipy.stats.{name}", p, "no closed form: not differentiated")
               for p in shapes}
    defrule(fn, signature, name=f"scipy.stats.{name}", elementwise=True, complex="refused",
            **refusing_complex(f"scipy.stats.{name}", signature, dict(
                **refused, x=f"unbroadcast({sign}g * {ratio} / scale, x)",
                loc=f"unbroadcast({opposite}g * {ratio} / scale, loc)",
                scale=f"unbroadcast({opposite}g * {ratio} * ((x - loc) / scale) / scale, scale)")))


def stats_more(st):
    def rule(fn, name, signature, jvp=None, elementwise=False, complex="refused", **vjps):
        # (densities of real values: a complex argument is refused)
        full = f"scipy.stats.{name}"
        defrule(fn, signature, name=full, elementwise=elementwise, complex=complex,
                jvp=jvp and refusing_complex(full, signature, jvp),
                **refusing_complex(full, signature, vjps))

    z = "((x - loc) / scale)"
    # chi2(df) is gamma(df / 2, scale=2)
    dlog = f"((df / 2 - 1) / {z} - 0.5)"
    rule(st.chi2.logpdf, "chi2.logpdf", "x, df, loc=0, scale=1", elementwise=True,
         x=f"unbroadcast(g * {dlog} / scale, x)", loc=f"unbroadcast(-g * {dlog} / scale, loc)",
         scale=f"unbroadcast(g * (-1 - {z} * {dlog}) / scale, scale)",
         df=f"unbroadcast(g * (np.log({z} / 2) - special_digamma(df / 2)) / 2, df)")
    for dist, kind in [(st.t, "pdf"), (st.gamma, "pdf"), (st.beta, "pdf"), (st.chi2, "pdf"),
                       (st.poisson, "pmf")]:
        density_rule(getattr(dist, kind), getattr(dist, f"log{kind}"),
                     f"scipy.stats.{dist.name}.{kind}")
    density_rule(st.multivariate_normal.pdf, st.multivariate_normal.logpdf,
                 "scipy.stats.multivariate_normal.pdf")
    log_t = (f"(special_gammaln((df + 1) / 2) - special_gammaln(df / 2) - np.log(df * np.pi) / 2 "
             f"- (df + 1) / 2 * np.log1p({z} ** 2 / df))")
    log_gamma = f"((a - 1) * np.log({z}) - {z} - special_gammaln(a))"
    log_beta = f"((a - 1) * np.log({z}) + (b - 1) * np.log1p(-{z}) - special_betaln(a, b))"
    log_chi2 = f"((df / 2 - 1) * np.log({z}) - {z} / 2 - df / 2 * np.log(2) - special_gammaln(df / 2))"
    log_norm = f"(-{z} ** 2 / 2 - np.log(2 * np.pi) / 2)"
    _distribution(st.t.cdf, "t.cdf", "x, df, loc=0, scale=1", log_t)
    _distribution(st.t.logcdf, "t.logcdf", "x, df, loc=0, scale=1", log_t, log=True)
    _distribution(st.gamma.cdf, "gamma.cdf", "x, a, loc=0, scale=1", log_gamma)
    _distribution(st.beta.cdf, "beta.cdf", "x, a, b, loc=0, scale=1", log_beta)
    _distribution(st.chi2.cdf, "chi2.cdf", "x, df, loc=0, scale=1", log_chi2)
    _distribution(st.norm.sf, "norm.sf", "x, loc=0, scale=1", log_norm, survival=True)
    _distribution(st.norm.logsf, "norm.logsf", "x, loc=0, scale=1", log_norm, log=True,
                  survival=True)
    # P(K <= k) = Q(floor(k - loc) + 1, mu): its derivative in mu is -pmf(floor(k - loc), mu)
    pmf = "np.exp(np.floor(k - loc) * np.log(mu) - mu - special_gammaln(np.floor(k - loc) + 1))"
    rule(st.poisson.cdf, "poisson.cdf", "k, mu, loc=0", elementwise=True, complex="real only",
         mu=f"unbroadcast(-g * np.where(np.floor(k - loc) >= 0, {pmf}, 0.0), mu)")
    # 0.5 log det(2 pi e cov): 0.5 cov^-1 (symmetric), nothing in mean
    rule(st.multivariate_normal.entropy, "multivariate_normal.entropy", "mean=None, cov=1",
         mean="zeros_like(mean)", cov="0.5 * g * np.linalg.inv(full_matrix(cov))",
         jvp={"mean": "zero_tangent(ans)",
              "cov": "0.5 * np.trace(np.linalg.solve(full_matrix(cov), t))"})
    # log Gamma(sum alpha) - sum log Gamma(alpha) + sum (alpha - 1) log x, x a point of the simplex
    dx = "(alpha - 1) / dirichlet_point(x, alpha)"
    dalpha = ("(np.log(dirichlet_point(x, alpha)) + special_digamma(np.sum(alpha)) "
              "- special_digamma(alpha))")
    rule(st.dirichlet.logpdf, "dirichlet.logpdf", "x, alpha", x=f"g * {dx}",
         alpha=f"g * {dalpha}", jvp={"x": f"np.sum({dx} * t)", "alpha": f"np.sum({dalpha} * t)"})
    density_rule(st.dirichlet.pdf, st.dirichlet.logpdf, "scipy.stats.dirichlet.pdf")


def linalg_more(sl):
    def rule(fn, signature, **kwargs):
        defrule(fn, signature, name=f"scipy.linalg.{fn.__name__}", **kwargs)

    # a X + X b = q: the adjoint Y solves a^T Y + Y b^T = g
    # (for real matrices: a complex one is refused)
    adjoint = "sylvester_solve(mT(a), mT(b), g)"
    rule(sl.solve_sylvester, "a, b, q", complex="refused", **refusing_complex(
        "scipy.linalg.solve_sylvester", "a, b, q",
        dict(q=adjoint, a=f"-{adjoint} @ mT(ans)", b=f"-mT(ans) @ {adjoint}")),
         jvp=refusing_complex("scipy.linalg.solve_sylvester", "a, b, q", {
             "q": "sylvester_solve(a, b, t)", "a": "sylvester_solve(a, b, -t @ ans)",
             "b": "sylvester_solve(a, b, -ans @ t)"}))
    # X X = A: X dX + dX X = dA
    rule(sl.sqrtm, "A, disp=None, blocksize=None", unsupported=("disp", "blocksize"),
         A="cotangent_of(sylvester_solve(mT(ans), mT(ans), g), A)",
         jvp={"A": "sylvester_solve(ans, ans, t)"})
    dense = "banded_to_dense(l_and_u, ab)"
    rule(sl.solve_banded, "l_and_u, ab, b, overwrite_ab=False, overwrite_b=False, "
         "check_finite=True", ab=f"dense_to_banded(l_and_u, solve_da(g, {dense}, b, ans))",
         b=f"solve_db(g, {dense}, b, ans)",
         jvp={"ab": f"solve_tangent(banded_to_dense(l_and_u, t), {dense}, b, ans)",
              "b": f"np.linalg.solve({dense}, t)"})


def signal_rules():
    import scipy.signal as ss

    defrule(ss.convolve, "in1, in2, mode='full', method='auto'", name="scipy.signal.convolve",
            in1="convolve_adjoint(g, in1, in2, mode)", in2="convolve_adjoint(g, in2, in1, mode)",
            jvp={"in1": "signal_convolve(t, in2, mode)", "in2": "signal_convolve(in1, t, mode)"})
