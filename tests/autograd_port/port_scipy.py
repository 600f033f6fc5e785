# Ported from autograd's tests/test_scipy.py (https://github.com/HIPS/autograd, MIT license).
"""autograd's tests/test_scipy.py as srcad checks, calling SciPy itself (autograd's twins of the
same functions are the oracle). autograd checks most of these in reverse mode only; the port
checks both modes and second order. ``symmetrize_matrix_arg`` becomes :func:`symmetrize` called
first."""

import numpy as np
import scipy.integrate
import scipy.linalg as spla
import scipy.signal
import scipy.special as special
import scipy.stats as stats
from scipy.stats import multivariate_normal as mvn

import srcad

from .harness import Port

port = Port("test_scipy.py", seed=1, namespace={
    "special": special, "stats": stats, "spla": spla, "scipy": scipy})
R, U = port.R, port.U


def symmetrize(X):
    return 0.5 * (X + np.swapaxes(X, -1, -2))


# ---- stats -------------------------------------------------------------------------------------
port.combo("test_chi2_pdf", "stats.chi2.pdf", [R(4) ** 2 + 1.1], [1, 2, 3])
port.combo("test_chi2_cdf", "stats.chi2.cdf", [R(4) ** 2 + 1.1], [1, 2, 3])
port.combo("test_chi2_logpdf", "stats.chi2.logpdf", [R(4) ** 2 + 1.1], [1, 2, 3])
port.combo("test_beta_cdf", "stats.beta.cdf", [U(0.0, 1.0, 4)], [R(4) ** 2 + 1.1],
           [R(4) ** 2 + 1.1])
port.combo("test_beta_pdf", "stats.beta.pdf", [U(0.0, 1.0, 4)], [R(4) ** 2 + 1.1],
           [R(4) ** 2 + 1.1], argnums=(0, 1, 2))
port.combo("test_beta_logpdf", "stats.beta.logpdf", [U(0.0, 1.0, 4)], [R(4) ** 2 + 1.1],
           [R(4) ** 2 + 1.1], argnums=(0, 1, 2))
port.combo("test_gamma_cdf", "stats.gamma.cdf", [R(4) ** 2 + 1.1], [R(4) ** 2 + 1.1])
port.combo("test_gamma_pdf", "stats.gamma.pdf", [R(4) ** 2 + 1.1], [R(4) ** 2 + 1.1],
           argnums=(0, 1))
port.combo("test_gamma_logpdf", "stats.gamma.logpdf", [R(4) ** 2 + 1.1], [R(4) ** 2 + 1.1],
           argnums=(0, 1))
for name in ("pdf", "cdf", "sf", "logpdf", "logcdf", "logsf"):
    port.combo(f"test_norm_{name}", f"stats.norm.{name}", [R(4)], [R(4)], [R(4) ** 2 + 1.1],
               argnums=(0, 1, 2))
# (autograd's test_norm_sf_broadcast calls norm.cdf and test_norm_logsf_broadcast norm.logcdf)
for test, name in [("pdf", "pdf"), ("cdf", "cdf"), ("sf", "cdf"), ("logpdf", "logpdf"),
                   ("logcdf", "logcdf"), ("logsf", "logcdf")]:
    port.combo(f"test_norm_{test}_broadcast", f"stats.norm.{name}", [R(4, 3)], [R(1, 3)],
               [R(4, 1) ** 2 + 1.1], argnums=(0, 1, 2))
for name in ("cdf", "logpmf", "pmf"):
    port.combo(f"test_poisson_{name}", f"stats.poisson.{name}", [np.round(R(4) ** 2)],
               [R(4) ** 2 + 1.1], argnums=(1,))
for name in ("cdf", "logpmf", "pmf"):
    port.combo(f"test_poisson_{name}_broadcast", f"stats.poisson.{name}",
               [np.round(R(4, 3) ** 2)], [R(4, 1) ** 2 + 1.1], argnums=(1,))
for name, argnums in [("pdf", (0, 1, 2, 3)), ("cdf", (0, 2)), ("logpdf", (0, 1, 2, 3)),
                      ("logcdf", (0, 2))]:
    port.combo(f"test_t_{name}", f"stats.t.{name}", [R(4)], [R(4) ** 2 + 2.1], [R(4)],
               [R(4) ** 2 + 2.1], argnums=argnums)
for name, argnums in [("pdf", (0, 1, 2, 3)), ("cdf", (0, 2)), ("logpdf", (0, 1, 2, 3)),
                      ("logcdf", (0, 2))]:
    port.combo(f"test_t_{name}_broadcast", f"stats.t.{name}", [R(4, 3)], [R(1, 3) ** 2 + 2.1],
               [R(4, 3)], [R(4, 1) ** 2 + 2.1], argnums=argnums)


def make_psd(mat):
    return np.dot(mat.T, mat) + np.eye(mat.shape[0])


def mvn_pdf(x, mean, cov):
    return mvn.pdf(x, mean, symmetrize(cov), allow_singular=False)


def mvn_logpdf(x, mean, cov):
    return mvn.logpdf(x, mean, symmetrize(cov), allow_singular=False)


def mvn_entropy(mean, cov):
    return mvn.entropy(mean, symmetrize(cov))


def mvn_pdf_singular(x, mean, cov):
    x = np.concatenate([x[:2], mean[2:]])
    return mvn.pdf(x, mean, symmetrize(cov), allow_singular=True)


def mvn_logpdf_singular(x, mean, cov):
    x = np.concatenate([x[:2], mean[2:]])
    return mvn.logpdf(x, mean, symmetrize(cov), allow_singular=True)


def mvn_pdf_broadcast(x, mean, cov):
    return mvn.pdf(x, mean, symmetrize(cov))


def mvn_logpdf_broadcast(x, mean, cov):
    return mvn.logpdf(x, mean, symmetrize(cov))


port.check("test_mvn_pdf", mvn_pdf, R(4), R(4), make_psd(R(4, 4)), argnums=(0, 1, 2))
port.check("test_mvn_logpdf", mvn_logpdf, R(4), R(4), make_psd(R(4, 4)), argnums=(0, 1, 2))
port.check("test_mvn_entropy", mvn_entropy, 10 * R(4), make_psd(R(4, 4)), argnums=(0, 1))
SINGULAR = np.zeros((4, 4))
SINGULAR[0, 0] = SINGULAR[1, 1] = 1
port.check("test_mvn_sing_cov", mvn_pdf_singular, np.concatenate((R(2), np.zeros(2))),
           np.concatenate((R(2), np.zeros(2))), SINGULAR, argnums=(0, 1))
port.check("test_mvn_sing_cov", mvn_logpdf_singular, np.concatenate((R(2), np.zeros(2))),
           np.concatenate((R(2), np.zeros(2))), SINGULAR, argnums=(0, 1))
port.check("test_mvn_pdf_broadcast", mvn_pdf_broadcast, R(5, 4), R(4), make_psd(R(4, 4)),
           argnums=(0, 1, 2))
port.check("test_mvn_logpdf_broadcast", mvn_logpdf_broadcast, R(5, 4), R(4), make_psd(R(4, 4)),
           argnums=(0, 1, 2))

ALPHA = port.rng.random(4) ** 2 + 1.2
X_DIRICHLET = port.rng.dirichlet(ALPHA)


def normalize(x):
    return x / sum(x)


def normalized_dirichlet_pdf(x, alpha):
    return stats.dirichlet.pdf(normalize(x), alpha)


def normalized_dirichlet_logpdf(x, alpha):
    return stats.dirichlet.logpdf(normalize(x), alpha)


def dirichlet_pdf(x, alpha):
    return stats.dirichlet.pdf(x, alpha)


def dirichlet_logpdf(x, alpha):
    return stats.dirichlet.logpdf(x, alpha)


port.check("test_dirichlet_pdf_x", normalized_dirichlet_pdf, X_DIRICHLET, ALPHA)
port.check("test_dirichlet_pdf_alpha", dirichlet_pdf, X_DIRICHLET, ALPHA, argnums=(1,))
port.check("test_dirichlet_logpdf_x", normalized_dirichlet_logpdf, X_DIRICHLET, ALPHA)
port.check("test_dirichlet_logpdf_alpha", dirichlet_logpdf, X_DIRICHLET, ALPHA, argnums=(1,))

# ---- misc: logsumexp ----------------------------------------------------------------------------
port.combo("test_logsumexp1", "special.logsumexp", [np.array([1.1]), R(4), R(3, 4)],
           axis=[None, 0], keepdims=[True, False])
port.combo("test_logsumexp2", "special.logsumexp", [R(3, 4), R(4, 5, 6), R(1, 5)],
           axis=[None, 0, 1], keepdims=[True, False])
port.combo("test_logsumexp3", "special.logsumexp", [R(4)], b=[np.exp(R(4))], axis=[None, 0],
           keepdims=[True, False])
port.combo("test_logsumexp4", "special.logsumexp", [R(3, 4)], b=[np.exp(R(3, 4))],
           axis=[None, 0, 1], keepdims=[True, False])
port.combo("test_logsumexp5", "special.logsumexp", [R(2, 3, 4)], b=[np.exp(R(2, 3, 4))],
           axis=[None, 0, 1], keepdims=[True, False])


def logsumexp6(a):
    return special.logsumexp(a, axis=1, keepdims=True)


def logsumexp6_entry(a):
    return logsumexp6(a)[0, 0]


X6 = R(1, 5)
port.check("test_logsumexp6", logsumexp6, X6)
# autograd's check of grad(f); srcad.grad (as JAX's) takes a function with a 0-d value
port.check("test_logsumexp6", srcad.grad(logsumexp6_entry), X6,
           note="grad of the (1, 1) result's entry: srcad.grad wants a 0-d value, as JAX's")

# ---- signal ------------------------------------------------------------------------------------
port.skip("test_convolve_generalization",
          "asserts values of autograd's own convolve(axes=, dot_axes=) against SciPy: no gradient")
port.combo("test_convolve", "scipy.signal.convolve", [R(4), R(5), R(6)], [R(2), R(3), R(4)],
           mode=["full", "valid", "same"], argnums=(0, 1))
port.combo("test_convolve_2d", "scipy.signal.convolve", [R(4, 3), R(5, 4), R(6, 7)],
           [R(2, 2), R(3, 2), R(4, 2), R(4, 1)], mode=["full", "valid", "same"], argnums=(0, 1))
port.skip("test_convolve_ignore", "autograd's own convolve(axes=...): scipy.signal.convolve has "
                                  "no axes (a different function)")
port.skip("test_convolve_ignore_dot", "autograd's own convolve(dot_axes=...): no SciPy counterpart")

# ---- special -----------------------------------------------------------------------------------
port.combo("test_beta", "special.beta", [R(4) ** 2 + 1.1], [R(4) ** 2 + 1.1], argnums=(0, 1))
port.combo("test_betainc", "special.betainc", [R(4) ** 2 + 1.1], [R(4) ** 2 + 1.1],
           [U(0.0, 1.0, 4)], argnums=(2,))
port.combo("test_betaln", "special.betaln", [R(4) ** 2 + 1.1], [R(4) ** 2 + 1.1], argnums=(0, 1))
# (autograd passes these arrays as the lists of combo_check: one check per entry)
port.combo("test_gammainc", "special.gammainc", [1], list(R(4) ** 2 + 1.3), argnums=(1,))
port.combo("test_gammaincc", "special.gammaincc", [1], list(R(4) ** 2 + 1.3), argnums=(1,))
port.combo("test_polygamma", "special.polygamma", [0], list(R(4) ** 2 + 1.3), argnums=(1,))
port.combo("test_jn", "special.jn", [2], list(R(4) ** 2 + 1.3), argnums=(1,))
port.combo("test_yn", "special.yn", [2], list(R(4) ** 2 + 1.3), argnums=(1,))


def unary_ufunc_check(test, call, lims, test_complex=False):
    """numpy_utils.unary_ufunc_check (as in port_systematic.py)."""
    def T(x):
        return x * (lims[1] - lims[0]) + lims[0]
    port.combo(test, call, [T(0.4), T(port.rng.uniform(size=2)), T(port.rng.uniform(size=(3, 2))),
                            T(port.rng.uniform(size=(1, 2)))])
    if test_complex:
        port.combo(test, call, [T(0.4) + 0.1j * T(0.3),
                                T(port.rng.uniform(size=(3, 2))) + 0.1j * port.rng.uniform(size=(3, 2))])


for name in ("psi", "digamma", "gamma", "gammaln", "gammasgn", "rgamma"):
    unary_ufunc_check(f"test_{name}", f"special.{name}", (0.3, 2.0))
port.combo("test_multigammaln", "special.multigammaln", [U(4.0, 5.0), U(4.0, 5.0, (2, 3))],
           [1, 2, 3])
for name in ("j0", "j1", "y0", "y1", "i0", "i1"):
    unary_ufunc_check(f"test_{name}", f"special.{name}", (0.2, 20.0))
port.combo("test_iv", "special.iv", list(U(1.0, 50.0, 4)), list(R(4) ** 2 + 1.3), argnums=(1,))
port.combo("test_ive", "special.ive", list(U(1.0, 50.0, 4)), list(R(4) ** 2 + 1.3), argnums=(1,))
unary_ufunc_check("test_erf", "special.erf", (-3.0, 3.0), test_complex=True)
unary_ufunc_check("test_erfc", "special.erfc", (-3.0, 3.0), test_complex=True)
unary_ufunc_check("test_erfinv", "special.erfinv", (-0.95, 0.95))
unary_ufunc_check("test_erfcinv", "special.erfcinv", (0.05, 1.95))
unary_ufunc_check("test_logit", "special.logit", (0.10, 0.90))
unary_ufunc_check("test_expit", "special.expit", (-4.05, 4.95))


# ---- ODE integrator ----------------------------------------------------------------------------
def func(y, t, arg1, arg2):
    return -np.sqrt(t) - y + arg1 - np.mean((y + arg2) ** 2)


def odeint(y0, t, args):
    return scipy.integrate.odeint(func, y0, t, args)


port.check("test_odeint", odeint, R(3), np.linspace(0.1, 0.2, 4), (R(3), R(3)), argnums=(0, 1, 2))


# ---- linalg ------------------------------------------------------------------------------------
def sqrtm(x):
    return spla.sqrtm(symmetrize(x))


def solve_sylvester(a, b, q):
    return spla.solve_sylvester(a, b, q)


def solve_banded(ab, b):
    return spla.solve_banded((1, 1), ab, b)


port.skip("test_sqrtm (first definition)",
          "redefined below it in autograd's file (the symmetrized one runs)")
port.check("test_sqrtm", sqrtm, R(3, 3))
port.check("test_solve_sylvester", solve_sylvester, R(3, 3), R(3, 3), R(3, 3), argnums=(0, 1, 2))
port.check("test_solve_banded", solve_banded, R(3, 5), R(5), argnums=(0, 1))
