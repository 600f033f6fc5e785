"""per_example_grad against a plain Python loop of srcad.grad (docs/api.md quotes the ratio).

    PYTHONPATH=. python benchmarks/per_example.py
"""

import time

import numpy as np

import srcad


def loss(p, x, y):
    h = np.tanh(x @ p["W1"] + p["b1"])
    pred = h @ p["w2"]
    return (pred - y) ** 2


def best_of(fn, repeats=5):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    rng = np.random.default_rng(0)
    p = {"W1": rng.normal(size=(16, 32)), "b1": rng.normal(size=32), "w2": rng.normal(size=32)}
    X, Y = rng.normal(size=(256, 16)), rng.normal(size=256)
    per_example = srcad.per_example_grad(loss, batch_argnums=(1, 2))
    g = srcad.grad(loss)

    def loop():
        grads = [g(p, X[i], Y[i]) for i in range(len(X))]
        return {k: np.stack([gi[k] for gi in grads]) for k in p}

    per_example(p, X, Y), loop()  # (transform once, outside the timings)
    a, b = per_example(p, X, Y), loop()
    assert all(np.allclose(a[k], b[k]) for k in p)
    t_pe, t_loop = best_of(lambda: per_example(p, X, Y)), best_of(loop)
    print(f"batch of {len(X)}: per_example_grad {t_pe * 1e3:.2f} ms, Python loop of srcad.grad "
          f"{t_loop * 1e3:.2f} ms, ratio {t_pe / t_loop:.2f}")


if __name__ == "__main__":
    main()
