"""Realistic programs (issue #15): simulations with trajectory lists, Gaussian processes, physics
energies, signal processing, statistics. ``CASES``, ``REFUSED``, ``BUGS``, ``AUTOGRAD`` as in
tests/corpus_real_models.py."""

from __future__ import annotations

import dataclasses

import numpy as np


def _normal(seed, *shape):
    return np.random.default_rng(seed).normal(size=shape)


# ---- integrators with trajectory lists --------------------------------------------------------------

def euler_decay(k, y0, dt=0.1, steps=20):
    y = y0
    traj = [y]
    for _ in range(steps):
        y = y + dt * (-k * y)
        traj.append(y)
    ys = np.stack(traj)
    return np.sum(ys ** 2) * dt


def pendulum_rhs(state, g_over_l):
    theta, omega = state[0], state[1]
    return np.array([omega, -g_over_l * np.sin(theta)])


def rk4_pendulum(state0, g_over_l=9.81, dt=0.05, steps=15):
    state = state0
    states = [state]
    for _ in range(steps):
        k1 = pendulum_rhs(state, g_over_l)
        k2 = pendulum_rhs(state + 0.5 * dt * k1, g_over_l)
        k3 = pendulum_rhs(state + 0.5 * dt * k2, g_over_l)
        k4 = pendulum_rhs(state + dt * k3, g_over_l)
        state = state + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
        states.append(state)
    traj = np.stack(states)
    return np.sum(traj[:, 0] ** 2)


def lotka_volterra(params, x0, t_end=2.0, dt=0.05):
    alpha, beta, gamma, delta = params[0], params[1], params[2], params[3]
    prey, pred = x0[0], x0[1]
    t = 0.0
    prey_hist = []
    while t < t_end - 1e-12:
        dprey = alpha * prey - beta * prey * pred
        dpred = delta * prey * pred - gamma * pred
        prey = prey + dt * dprey
        pred = pred + dt * dpred
        prey_hist.append(prey)
        t = t + dt
    return np.mean(np.array(prey_hist)) + pred


@dataclasses.dataclass
class Spring:
    k: float
    damping: float
    mass: float


def spring_mass(spring, x0, v0, dt=0.02, steps=30):
    x, v = x0, v0
    positions = []
    for _ in range(steps):
        a = (-spring.k * x - spring.damping * v) / spring.mass
        v = v + dt * a
        x = x + dt * v
        positions.append(x)
    return np.sum(np.array(positions) ** 2)


def spring_chain_energy(positions, k=2.0, rest=1.0):
    energy = 0.0
    for i in range(len(positions) - 1):
        stretch = positions[i + 1] - positions[i] - rest
        energy += 0.5 * k * stretch ** 2
    return energy


def heat_equation(u0, alpha=0.2, steps=10):
    u = u0.copy()
    for _ in range(steps):
        lap = np.zeros_like(u)
        lap[1:-1] = u[2:] - 2 * u[1:-1] + u[:-2]
        u = u + alpha * lap
    return np.sum(u ** 2)


def trajectory_pop(x):
    history = [x]
    for k in range(4):
        history.append(np.sin(history[-1]) + 0.1 * k)
    last = history.pop()
    prev = history.pop()
    return np.sum(last * prev) + np.sum(np.stack(history))


def trajectory_extend(x):
    pieces = []
    for k in range(3):
        pieces.extend([x * (k + 1), np.cos(x)])
    return np.sum(np.stack(pieces) ** 2)


# ---- Gaussian processes -----------------------------------------------------------------------------

def rbf_kernel(x1, x2, lengthscale, variance):
    d = x1[:, None] - x2[None, :]
    return variance * np.exp(-0.5 * d ** 2 / lengthscale ** 2)


def gp_log_marginal(log_hypers, x, y):
    lengthscale = np.exp(log_hypers[0])
    variance = np.exp(log_hypers[1])
    noise = np.exp(log_hypers[2])
    K = rbf_kernel(x, x, lengthscale, variance) + noise * np.eye(x.shape[0])
    L = np.linalg.cholesky(K)
    alpha = np.linalg.solve(L.T, np.linalg.solve(L, y))
    return -0.5 * y @ alpha - np.sum(np.log(np.diag(L))) - 0.5 * len(x) * np.log(2 * np.pi)


def gp_slogdet(log_hypers, x, y):
    K = rbf_kernel(x, x, np.exp(log_hypers[0]), np.exp(log_hypers[1]))
    K = K + np.exp(log_hypers[2]) * np.eye(len(x))
    sign, logdet = np.linalg.slogdet(K)
    return 0.5 * y @ np.linalg.solve(K, y) + 0.5 * logdet


def gp_predictive_mean(y, x, xs):
    K = rbf_kernel(x, x, 0.8, 1.0) + 0.1 * np.eye(len(x))
    Ks = rbf_kernel(xs, x, 0.8, 1.0)
    mean = Ks @ np.linalg.solve(K, y)
    return np.sum(mean ** 2)


def kernel_matrix_loops(x, lengthscale):
    n = x.shape[0]
    K = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            K[i, j] = np.exp(-np.sum((x[i] - x[j]) ** 2) / (2 * lengthscale ** 2))
    return np.sum(K @ K)


# ---- physics energies -------------------------------------------------------------------------------

def lennard_jones(positions):
    n = positions.shape[0]
    energy = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            r2 = np.sum((positions[i] - positions[j]) ** 2)
            inv6 = 1.0 / r2 ** 3
            energy = energy + 4.0 * (inv6 ** 2 - inv6)
    return energy


def coulomb_vectorized(positions, charges):
    diff = positions[:, None, :] - positions[None, :, :]
    r = np.sqrt(np.sum(diff ** 2, axis=-1) + np.eye(len(charges)))
    pair = charges[:, None] * charges[None, :] / r
    return 0.5 * (np.sum(pair) - np.sum(np.diag(pair)))


def harmonic_bonds(coords, bonds):
    total = 0.0
    for i, j, r0 in bonds:
        d = np.linalg.norm(coords[i] - coords[j])
        total += (d - r0) ** 2
    return total


def ising_like_energy(spins, coupling):
    return -coupling * np.sum(np.tanh(spins[:-1]) * np.tanh(spins[1:])) + 0.1 * np.sum(spins ** 2)


# ---- signal processing ------------------------------------------------------------------------------

def conv1d_loops(signal, kernel):
    n, m = len(signal), len(kernel)
    out = []
    for i in range(n - m + 1):
        acc = 0.0
        for j in range(m):
            acc = acc + signal[i + j] * kernel[j]
        out.append(acc)
    return np.sum(np.array(out) ** 2)


def moving_average(x, window=3):
    smoothed = []
    for i in range(len(x) - window + 1):
        smoothed.append(np.mean(x[i:i + window]))
    return np.sum(np.array(smoothed) ** 2)


def exp_smoothing(x, alpha=0.3):
    s = x[0]
    out = [s]
    for value in x[1:]:
        s = alpha * value + (1 - alpha) * s
        out.append(s)
    return np.sum((np.array(out) - x) ** 2)


def np_convolve_loss(signal, kernel):
    return np.sum(np.convolve(signal, kernel, mode="valid") ** 2)


def fir_filter_cumsum(x):
    c = np.cumsum(x)
    return np.sum(np.diff(c) ** 2) + c[-1] ** 2


def fir_filter_slices(x):
    c = np.cumsum(x)
    return np.sum((c[1:] - c[:-1]) ** 2) + c[-1] ** 2


def spectrum_energy(x):
    n = len(x)
    t = np.arange(n)
    total = 0.0
    for freq in range(1, 4):
        re = np.sum(x * np.cos(2 * np.pi * freq * t / n))
        im = np.sum(x * np.sin(2 * np.pi * freq * t / n))
        total = total + re ** 2 + im ** 2
    return total


# ---- statistics -------------------------------------------------------------------------------------

def gaussian_loglik(params, x):
    mu, log_sigma = params[0], params[1]
    sigma = np.exp(log_sigma)
    return np.sum(-0.5 * ((x - mu) / sigma) ** 2 - log_sigma - 0.5 * np.log(2 * np.pi))


def stable_logsumexp(z):
    m = np.max(z)
    return m + np.log(np.sum(np.exp(z - m)))


def softmax_cross_entropy(logits, labels):
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return -np.mean(log_probs[np.arange(len(labels)), labels])


def kl_gaussians(mu_q, log_var_q):
    # KL(q || N(0, 1)), as in a VAE
    return 0.5 * np.sum(np.exp(log_var_q) + mu_q ** 2 - 1.0 - log_var_q)


def kl_categorical(logits_p, logits_q):
    log_p = logits_p - stable_logsumexp(logits_p)
    log_q = logits_q - stable_logsumexp(logits_q)
    return np.sum(np.exp(log_p) * (log_p - log_q))


def poisson_regression(w, x, counts):
    rate = np.exp(x @ w)
    return np.sum(rate - counts * np.log(rate))


def student_t_loglik(x, nu=4.0):
    with np.errstate(over="ignore", invalid="ignore"):
        return -0.5 * (nu + 1) * np.sum(np.log1p(x ** 2 / nu))


def weighted_variance(x, w):
    w = w / np.sum(w)
    mean = np.sum(w * x)
    return np.sum(w * (x - mean) ** 2)


def log_likelihood_early_exit(theta, data):
    if np.any(theta <= 0):
        return -np.inf
    total = 0.0
    for d in data:
        total = total + np.log(theta[0]) - theta[0] * d
        if total < -1e6:
            break
    return total + np.sum(np.log(theta))


def correlation(x, y):
    xc = x - np.mean(x)
    yc = y - np.mean(y)
    return np.sum(xc * yc) / np.sqrt(np.sum(xc ** 2) * np.sum(yc ** 2))


def try_reraise(x):
    try:
        y = np.log(x)
    except FloatingPointError:
        raise
    return np.sum(y * x)


CASES = {
    "euler_decay_rate": (euler_decay, lambda: (0.7, 1.3), (0, 1)),
    "rk4_pendulum": (rk4_pendulum, lambda: (np.array([0.4, -0.2]),), 0),
    "lotka_volterra_while": (lotka_volterra,
                             lambda: (np.array([1.1, 0.4, 0.4, 0.1]), np.array([10.0, 5.0])), (0, 1)),
    "spring_mass_dataclass": (spring_mass, lambda: (Spring(k=3.0, damping=0.3, mass=1.2), 1.0, 0.0), 0),
    "spring_chain_energy": (spring_chain_energy, lambda: (np.array([0.0, 1.2, 2.1, 3.3]),), 0),
    "heat_equation": (heat_equation, lambda: (np.sin(np.linspace(0, 3, 7)),), 0),
    "trajectory_pop": (trajectory_pop, lambda: (_normal(1, 3),), 0),
    "trajectory_extend": (trajectory_extend, lambda: (_normal(2, 3),), 0),
    "gp_log_marginal_cholesky": (gp_log_marginal,
                                 lambda: (np.array([-0.2, 0.1, -1.5]), np.linspace(0, 3, 6),
                                          np.sin(np.linspace(0, 3, 6))), 0),
    "gp_slogdet": (gp_slogdet, lambda: (np.array([-0.2, 0.1, -1.5]), np.linspace(0, 3, 6),
                                        np.cos(np.linspace(0, 3, 6))), 0),
    "gp_predictive_mean": (gp_predictive_mean, lambda: (_normal(3, 5), np.linspace(0, 2, 5),
                                                        np.array([0.3, 1.1])), 0),
    "kernel_matrix_loops": (kernel_matrix_loops, lambda: (_normal(4, 4, 2), 1.3), (0, 1)),
    "lennard_jones": (lennard_jones, lambda: (np.array([[0.0, 0.0], [1.1, 0.1], [0.3, 1.2]]),), 0),
    "coulomb_vectorized": (coulomb_vectorized, lambda: (_normal(5, 4, 3), np.array([1.0, -1.0, 0.5, 2.0])),
                           (0, 1)),
    "harmonic_bonds": (harmonic_bonds, lambda: (_normal(6, 3, 3), [(0, 1, 1.0), (1, 2, 1.5)]), 0),
    "ising_like_energy": (ising_like_energy, lambda: (_normal(7, 6), 0.8), (0, 1)),
    "conv1d_loops": (conv1d_loops, lambda: (_normal(8, 7), _normal(9, 3)), (0, 1)),
    "moving_average": (moving_average, lambda: (_normal(10, 8),), 0),
    "exp_smoothing": (exp_smoothing, lambda: (_normal(11, 6),), 0),
    "fir_filter_slices": (fir_filter_slices, lambda: (_normal(14, 6),), 0),
    "spectrum_energy": (spectrum_energy, lambda: (_normal(15, 8),), 0),
    "gaussian_loglik": (gaussian_loglik, lambda: (np.array([0.3, -0.2]), _normal(16, 9)), 0),
    "stable_logsumexp": (stable_logsumexp, lambda: (np.array([0.3, 1.7, -0.4, 0.9]),), 0),
    "softmax_cross_entropy": (softmax_cross_entropy, lambda: (_normal(17, 5, 3), np.array([0, 2, 1, 1, 0])), 0),
    "kl_vae": (kl_gaussians, lambda: (_normal(18, 4), _normal(19, 4) * 0.3), (0, 1)),
    "kl_categorical": (kl_categorical, lambda: (_normal(20, 5), _normal(21, 5)), (0, 1)),
    "poisson_regression": (poisson_regression,
                           lambda: (_normal(22, 3) * 0.3, _normal(23, 6, 3), np.array([1., 0, 3, 2, 1, 0])), 0),
    "student_t_errstate": (student_t_loglik, lambda: (_normal(24, 6),), 0),
    "weighted_variance": (weighted_variance, lambda: (_normal(25, 5), np.array([1.0, 2.0, 0.5, 1.5, 1.0])),
                          (0, 1)),
    "loglik_early_exit": (log_likelihood_early_exit, lambda: (np.array([1.3, 0.7]), np.abs(_normal(26, 5))), 0),
    "correlation": (correlation, lambda: (_normal(27, 6), _normal(28, 6)), (0, 1)),
    "try_reraise": (try_reraise, lambda: (np.abs(_normal(29, 4)) + 0.5,), 0),
    # (refused until np.convolve and np.diff had rules: srcad/rules/numpy_more.py)
    "np_convolve": (np_convolve_loss, lambda: (_normal(12, 7), _normal(13, 3)), (0, 1)),
    "np_diff": (fir_filter_cumsum, lambda: (_normal(14, 6),), 0),
}

REFUSED = {}

# Hessian-vector products refused (the gradient is checked like any case): the line of the refusal
HVP_REFUSED = {}  # (the Gaussian-process cases' Hessians go through solve, cholesky and slogdet
#                   since issue #16: tested against differences of the gradient)
BUGS = {}


# ---- a covariance matrix as the parameter (cholesky and eigh read one triangle: the documented
# convention is the gradient with respect to a symmetric matrix, so the user symmetrizes) -----------

def mvn_logpdf(cov, x):
    cov = 0.5 * (cov + cov.T)
    L = np.linalg.cholesky(cov)
    z = np.linalg.solve(L, x)
    return -0.5 * np.sum(z ** 2) - np.sum(np.log(np.diag(L)))


def spectral_penalty(cov):
    cov = 0.5 * (cov + cov.T)
    eigenvalues, _ = np.linalg.eigh(cov)
    return np.sum(eigenvalues ** 2) + np.sum(np.log(eigenvalues))


_cov = lambda: (np.array([[2.0, 0.3, 0.1], [0.3, 1.5, 0.2], [0.1, 0.2, 1.8]]),)  # noqa: E731
CASES["mvn_logpdf_cov"] = (mvn_logpdf, lambda: _cov() + (np.array([0.3, -0.7, 1.1]),), 0)
CASES["spectral_penalty"] = (spectral_penalty, _cov, 0)

# run by autograd too (the same code with autograd.numpy for np)
AUTOGRAD = ["spring_chain_energy", "exp_smoothing", "spectrum_energy", "gaussian_loglik",
            "stable_logsumexp", "softmax_cross_entropy", "poisson_regression", "lennard_jones",
            "moving_average", "conv1d_loops_signal"]
CASES["conv1d_loops_signal"] = (conv1d_loops, lambda: (_normal(8, 7), _normal(9, 3)), 0)
