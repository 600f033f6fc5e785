"""The worked examples of backpropagation, differentiated by srcad.

Run:  python examples/textbook.py

For each example this prints the generated gradient function (plain Python you can read, step through
with pdb, or copy) and the gradient at the textbook's point.
"""

import numpy as np

import srcad


def f(x, y, z):
    """The computational-graph example: f = (x + y) * z."""
    q = x + y
    return q * z


def g(x, y, z, w):
    """Two paths and a max gate: f = 2 * (x*y + max(z, w))."""
    return 2 * (x * y + max(z, w))


def logistic_loss(w, X, y):
    """Mean cross-entropy of logistic regression."""
    p = 1 / (1 + np.exp(-(X @ w)))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def two_paths(x, y):
    """A variable used twice: x reaches the value along two paths (through q, and through sin), and
    its gradient is the sum of the two."""
    q = x * y
    return q + np.sin(x)


def squash(w):
    """The f of the next example: any differentiable function of one variable (here tanh)."""
    return np.tanh(w)


def f_of_f_of_f(w):
    """Goodfellow, Bengio and Courville, Deep Learning (2016), section 6.5.2: z = f(f(f(w))).
    Back-propagation computes each f once and keeps it for the backward pass."""
    x = squash(w)
    y = squash(x)
    z = squash(y)
    return z


def main():
    df = srcad.grad(f, argnums=(0, 1, 2))
    srcad.show(df)
    print("gradient of (x + y) * z at (-2, 5, -4):", df(-2.0, 5.0, -4.0), "\n")

    dg = srcad.grad(g, argnums=(0, 1, 2, 3))
    srcad.show(dg)
    print("gradient of 2 * (x*y + max(z, w)) at (3, -4, 2, -1):", dg(3.0, -4.0, 2.0, -1.0), "\n")

    dtwo = srcad.grad(two_paths, argnums=(0, 1))
    srcad.show(dtwo)
    print("gradient of x*y + sin(x) at (0.5, 2):", tuple(float(g) for g in dtwo(0.5, 2.0)), "\n")

    dz = srcad.grad(f_of_f_of_f)
    srcad.show(dz)
    print("derivative of tanh(tanh(tanh(w))) at w = 0.5:", dz(0.5), "\n")

    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 3))
    y = (X @ np.array([1.5, -2.0, 0.5]) + 0.3 * rng.normal(size=100) > 0).astype(float)
    dloss = srcad.value_and_grad(logistic_loss)
    srcad.show(dloss)
    w = np.zeros(3)
    for step in range(201):
        loss, dw = dloss(w, X, y)
        if step % 50 == 0:
            print(f"step {step:3d}  loss {loss:.4f}  w {np.round(w, 3)}")
        w = w - 1.0 * dw


if __name__ == "__main__":
    main()
