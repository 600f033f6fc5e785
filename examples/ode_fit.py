"""Fit the parameters of a differential equation by gradient descent through its solver.

Run:  python examples/ode_fit.py

A damped spring, x'' = -k x - c x', is released from x = 1 at rest. `simulate` integrates it with
explicit Euler in a `while t < T:` loop and writes the position into a preallocated array every few
steps; `loss` compares that trajectory with noisy observations made with the true k and c. srcad
differentiates `loss` through the call, the loop, the branch and the array writes, so the gradient
with respect to k and c is exact for the discretized model. Gradient descent from a poor guess then
recovers the true parameters. The script prints the loss every 20 iterations and the fitted
parameters next to the true ones.
"""

import numpy as np

import srcad

TRUE_K, TRUE_C = 4.0, 0.5        # stiffness and damping that produced the observations
GUESS_K, GUESS_C = 3.0, 1.5      # where the fit starts
T = 8.0
DT = 1.0 / 64                    # a power of two, so t = 0, DT, 2 DT, ... reaches T exactly
SAMPLE_EVERY = 8                 # observe x every 8 steps, i.e. every 0.125 s
N_SAMPLES = 64                   # T / (DT * SAMPLE_EVERY)
NOISE = 0.02
ITERATIONS = 200
STEP_SIZE = 0.5
SEED = 0


def simulate(k, c, x0=1.0, v0=0.0):
    """Positions at t = 0, 0.125, ..., 7.875 by explicit Euler with step DT."""
    xs = np.zeros(N_SAMPLES)
    x = x0
    v = v0
    t = 0.0
    step = 0
    while t < T:
        if step % SAMPLE_EVERY == 0:
            xs[step // SAMPLE_EVERY] = x
        a = -k * x - c * v
        x = x + DT * v
        v = v + DT * a
        t = t + DT
        step += 1
    return xs


def loss(k, c, observed):
    """Mean squared difference between the simulated and the observed positions."""
    return np.mean((simulate(k, c) - observed) ** 2)


def make_observations(seed=SEED):
    rng = np.random.default_rng(seed)
    return simulate(TRUE_K, TRUE_C) + NOISE * rng.normal(size=N_SAMPLES)


def main():
    observed = make_observations()
    loss_and_grad = srcad.value_and_grad(loss, argnums=(0, 1))

    k, c = GUESS_K, GUESS_C
    for it in range(ITERATIONS + 1):
        value, (dk, dc) = loss_and_grad(k, c, observed)
        if it % 20 == 0:
            print(f"iteration {it:3d}  loss {value:.6f}  k {k:.4f}  c {c:.4f}")
        k = k - STEP_SIZE * dk
        c = c - STEP_SIZE * dc

    print(f"\nfitted k = {k:.4f}  (true {TRUE_K})")
    print(f"fitted c = {c:.4f}  (true {TRUE_C})")


if __name__ == "__main__":
    main()
