"""Training on one GPU with CuPy: srcad's generated gradient runs on CuPy's arrays, on the GPU.

Run:  python examples/gpu_cupy.py      (a machine with an NVIDIA GPU; pip install cupy-cuda12x)

The same loss as examples/dask_data_parallel.py, with the batch and the parameters on the GPU
(``cupy.asarray``). ``srcad.grad(loss)`` needs no change: NumPy's functions dispatch to CuPy's
(``__array_function__``), and srcad's runtime helpers compute with the arrays' own operations,
so the gradients are CuPy arrays, computed on the GPU without a copy to the host (the script
checks it with ``cupyx.allow_synchronize(False)``, where a copy to the host raises). A few steps
of gradient descent follow, all on the GPU; the first gradient is checked against srcad's on
NumPy (the CPU).
"""

import numpy as np

import srcad

N, D, H, K = 4_096, 32, 16, 4  # examples, features, hidden units, classes
STEPS, RATE = 20, 0.5


def loss(W1, b1, W2, X, Y):
    """Mean softmax cross-entropy of a one-hidden-layer network."""
    hidden = np.tanh(X @ W1 + b1)
    logits = hidden @ W2
    logits = logits - np.max(logits, axis=1, keepdims=True)
    logp = logits - np.log(np.sum(np.exp(logits), axis=1, keepdims=True))
    return -np.sum(Y * logp) / X.shape[0]


def main():
    import cupy
    import cupyx

    rng = np.random.default_rng(0)
    X = rng.standard_normal((N, D))
    Y = np.eye(K)[np.argmax(X[:, :K] + 0.5 * rng.standard_normal((N, K)), axis=1)]
    params = [0.3 * rng.standard_normal((D, H)), np.zeros(H), 0.3 * rng.standard_normal((H, K))]
    grad = srcad.value_and_grad(loss, argnums=(0, 1, 2))
    _, expected = grad(*params, X, Y)  # NumPy, on the CPU

    gX, gY = cupy.asarray(X), cupy.asarray(Y)  # the batch, on the GPU
    gparams = [cupy.asarray(p) for p in params]
    with cupyx.allow_synchronize(False):  # (a copy to the host would raise here)
        first, grads = grad(*gparams, gX, gY)
    print("the gradients are", type(grads[0]).__module__, type(grads[0]).__name__, "arrays")
    error = max(float(np.max(np.abs(cupy.asnumpy(g) - e)) / np.max(np.abs(e)))
                for g, e in zip(grads, expected))
    print(f"largest relative difference from srcad's gradient on NumPy: {error:.1e}")
    assert error < 1e-10
    for _ in range(STEPS):  # gradient descent, on the GPU
        value, grads = grad(*gparams, gX, gY)
        gparams = [p - RATE * g for p, g in zip(gparams, grads)]
    print(f"loss: {float(first):.4f} before, {float(value):.4f} after {STEPS} steps")
    assert float(value) < float(first)


if __name__ == "__main__":
    main()
