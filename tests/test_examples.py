"""The examples in examples/: each runs as a script and does what its docstring says, and the
gradient it trains with agrees with central finite differences.

The scripts run as subprocesses from the repository root, exactly as a reader would run them; their
printed output is checked. The gradient checks import each example's loss function and compare
srcad's gradient with central differences along random directions (no srcad in the oracle).
"""

import importlib.util
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import srcad

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, "examples")
EPS = 1e-6
RTOL = 1e-5


def load_example(name):
    spec = importlib.util.spec_from_file_location(f"example_{name}", os.path.join(EXAMPLES, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_example(name, env=None):
    result = subprocess.run([sys.executable, os.path.join("examples", f"{name}.py")], cwd=ROOT,
                            capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def check_directional_derivatives(f, args, argnums, n_directions=4, seed=0):
    """srcad's gradient of f at args, projected on random directions v (one per argument in argnums,
    moved together), against (f(args + eps v) - f(args - eps v)) / (2 eps)."""
    grads = srcad.grad(f, argnums=argnums)(*args)
    rng = np.random.default_rng(seed)
    for _ in range(n_directions):
        directions = [rng.normal(size=np.shape(args[k])) for k in argnums]
        plus, minus = list(args), list(args)
        for k, v in zip(argnums, directions):
            plus[k] = args[k] + EPS * v
            minus[k] = args[k] - EPS * v
        numeric = (f(*plus) - f(*minus)) / (2 * EPS)
        analytic = sum(float(np.sum(g * v)) for g, v in zip(grads, directions))
        np.testing.assert_allclose(analytic, numeric, rtol=RTOL, atol=1e-8)
    return grads


def test_mlp_digits_gradient_matches_finite_differences():
    mlp = load_example("mlp_digits")
    X_train, Y_train, _, _ = mlp.load_data()
    rng = np.random.default_rng(1)
    params = mlp.init_params(rng, n_hidden=16)
    # biases away from zero, so the check also covers them and no ReLU sits near its kink
    params[1] = 0.1 * rng.normal(size=params[1].shape)
    params[3] = 0.1 * rng.normal(size=params[3].shape)
    args = params + [X_train[:8], Y_train[:8], 1e-2]
    grads = check_directional_derivatives(mlp.loss, args, argnums=(0, 1, 2, 3))
    assert [g.shape for g in grads] == [p.shape for p in params]


def test_mlp_digits_trains_to_95_percent():
    out = run_example("mlp_digits")
    assert "def grad_loss(W1, b1, W2, b2, X, Y, weight_decay):" in out   # the shown backward pass
    losses = [float(v) for v in re.findall(r"^epoch\s+\d+\s+loss ([0-9.]+)$", out, re.M)]
    assert len(losses) == load_example("mlp_digits").EPOCHS
    assert losses[-1] < losses[0] / 5
    assert np.mean(losses[-5:]) < np.mean(losses[:5]) / 3
    accuracy = float(re.search(r"^test accuracy: ([0-9.]+)$", out, re.M).group(1))
    assert accuracy >= 0.95


def test_ode_fit_gradient_matches_finite_differences():
    ode = load_example("ode_fit")
    observed = ode.make_observations()
    for k, c in [(ode.GUESS_K, ode.GUESS_C), (4.3, 0.7), (ode.TRUE_K, ode.TRUE_C)]:
        check_directional_derivatives(ode.loss, [k, c, observed], argnums=(0, 1))
        # and each partial derivative on its own
        dk, dc = srcad.grad(ode.loss, argnums=(0, 1))(k, c, observed)
        numeric_dk = (ode.loss(k + EPS, c, observed) - ode.loss(k - EPS, c, observed)) / (2 * EPS)
        numeric_dc = (ode.loss(k, c + EPS, observed) - ode.loss(k, c - EPS, observed)) / (2 * EPS)
        np.testing.assert_allclose([dk, dc], [numeric_dk, numeric_dc], rtol=RTOL, atol=1e-8)


def test_ode_fit_recovers_true_parameters():
    ode = load_example("ode_fit")
    out = run_example("ode_fit")
    losses = [float(v) for v in re.findall(r"^iteration\s+\d+\s+loss ([0-9.]+)", out, re.M)]
    assert len(losses) >= 5
    assert all(b <= a for a, b in zip(losses, losses[1:])), losses
    assert losses[-1] < losses[0] / 100
    fitted_k = float(re.search(r"^fitted k = ([0-9.]+)", out, re.M).group(1))
    fitted_c = float(re.search(r"^fitted c = ([0-9.]+)", out, re.M).group(1))
    # the observations are noisy, so the fit is close to the truth, not equal to it: within 2%
    assert fitted_k == pytest.approx(ode.TRUE_K, rel=0.02)
    assert fitted_c == pytest.approx(ode.TRUE_C, rel=0.02)


def test_newton_cg_gradient_and_hvp_match_finite_differences():
    ncg = load_example("newton_cg")
    X, y = ncg.load_data()
    rng = np.random.default_rng(2)
    params = 0.3 * rng.normal(size=X.shape[1] + 1)
    check_directional_derivatives(ncg.loss, [params, X, y, ncg.L2], argnums=(0,))

    # H v against central differences of the gradient, written out by hand (no srcad in the oracle):
    # grad = [X 1]^T (sigmoid(z) - y) / n + l2 [w, 0]
    def gradient(p):
        z = X @ p[:-1] + p[-1]
        r = (1.0 / (1.0 + np.exp(-z)) - y) / len(y)
        return np.append(X.T @ r + ncg.L2 * p[:-1], np.sum(r))

    np.testing.assert_allclose(srcad.grad(ncg.loss)(params, X, y, ncg.L2), gradient(params), rtol=1e-10, atol=1e-14)
    v = rng.normal(size=params.shape)
    hv = srcad.hvp(ncg.loss)(params, X, y, ncg.L2, v)
    numeric = (gradient(params + EPS * v) - gradient(params - EPS * v)) / (2 * EPS)
    np.testing.assert_allclose(hv, numeric, rtol=RTOL, atol=1e-8)


def test_newton_cg_converges_in_far_fewer_iterations_than_gradient_descent():
    ncg = load_example("newton_cg")
    results = ncg.run(verbose=False)
    x_newton, newton_history, n_hvp, _ = results["newton"]
    x_gd, gd_history, _ = results["gd"]
    newton_iters, gd_iters = len(newton_history) - 1, len(gd_history) - 1
    assert newton_history[-1][1] < ncg.TOL and gd_history[-1][1] < ncg.TOL
    assert newton_iters <= 15
    assert gd_iters >= 50 * newton_iters
    losses = [f for f, _ in newton_history]
    assert all(b <= a for a, b in zip(losses, losses[1:])), losses
    # the two methods find the same minimizer (strictly convex problem)
    np.testing.assert_allclose(x_newton, x_gd, atol=1e-4)
    # and the accuracy of the fitted classifier is sensible
    X, y = results["X"], results["y"]
    assert np.mean(((X @ x_newton[:-1] + x_newton[-1]) > 0) == y) > 0.95


def test_newton_cg_is_robust_from_a_poor_start():
    ncg = load_example("newton_cg")
    X, y = ncg.load_data()
    loss_and_grad, product = srcad.value_and_grad(ncg.loss), srcad.hvp(ncg.loss)
    x0 = 5.0 * np.random.default_rng(0).normal(size=X.shape[1] + 1)
    _, history, _ = ncg.newton_cg(lambda p: loss_and_grad(p, X, y, ncg.L2),
                                  lambda p, v: product(p, X, y, ncg.L2, v), x0, verbose=False)
    assert history[-1][1] < ncg.TOL
    assert len(history) - 1 <= 20


def test_newton_cg_script_prints_its_iterations():
    out = run_example("newton_cg")
    newton_losses = [float(v) for v in re.findall(r"^newton\s+\d+\s+loss ([0-9.]+)", out, re.M)]
    assert 3 <= len(newton_losses) <= 16
    assert all(b <= a for a, b in zip(newton_losses, newton_losses[1:]))
    newton_iters = int(re.search(r"^newton-cg: (\d+) iterations", out, re.M).group(1))
    gd_iters = int(re.search(r"^gradient descent: (\d+) iterations", out, re.M).group(1))
    assert gd_iters >= 50 * newton_iters


def test_dask_data_parallel_runs_on_a_local_cluster():
    """Both recipes on a LocalCluster of two worker processes: the lazy gradient over sharded
    data, and the derived function shipped to the workers; each equals NumPy's gradient."""
    out = run_example("dask_data_parallel")
    assert "recipe 1: the gradient is Array arrays, not computed yet" in out
    assert "recipe 2: 4 shard gradients summed on the cluster" in out
    errors = [float(e) for e in re.findall(r"gradient: ([0-9.e+-]+)$", out, re.M)]
    assert len(errors) == 2 and max(errors) < 1e-10


def test_the_gpu_recipe_runs_on_the_cupy_double():
    """examples/gpu_cupy.py wants a GPU: here it runs with the CPU double of CuPy (tests/
    cupy_double: no host array mixed in, no synchronisation inside the gradient), the gradient
    checked against NumPy's and the loss falling."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [os.path.join(ROOT, "tests", "cupy_double"), ROOT, os.environ.get("PYTHONPATH", "")]))
    out = run_example("gpu_cupy", env)
    assert "the gradients are cupy ndarray arrays" in out
    assert float(re.search(r"NumPy: ([0-9.e+-]+)$", out, re.M).group(1)) < 1e-10
    before, after = map(float, re.search(r"loss: ([0-9.]+) before, ([0-9.]+) after", out).groups())
    assert after < before
