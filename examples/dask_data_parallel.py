"""Data-parallel gradients with Dask: the gradient of a loss over a dataset sharded across a
cluster, computed where the data lives, with srcad's generated gradient.

Run:  python examples/dask_data_parallel.py      (pip install "srcad[dask]" distributed)

Two recipes, on a ``LocalCluster`` of two worker processes (the same code runs on any
``dask.distributed`` cluster):

1. **One lazy graph.** Call the gradient on Dask arrays: srcad's generated code runs on them as it
   runs on NumPy's, so the gradient is a lazy Dask array whose graph multiplies each shard of the
   data where it is and sums the shards' contributions. Nothing is computed until ``compute``.
2. **Shipped to the workers.** ``client.map`` sends the derived function itself (it pickles) to
   the workers, each computes the gradient of its shard with NumPy, and the sum is one more task.

Both give the full-batch gradient of NumPy, which the script checks.
"""

import numpy as np

import srcad

N, D, H, K = 8_000, 32, 16, 4  # examples, features, hidden units, classes
SHARDS = 4


def loss(W1, b1, W2, X, Y):
    """Softmax cross-entropy of a one-hidden-layer network, summed over the examples."""
    hidden = np.tanh(X @ W1 + b1)
    logits = hidden @ W2
    logits = logits - np.max(logits, axis=1, keepdims=True)
    logp = logits - np.log(np.sum(np.exp(logits), axis=1, keepdims=True))
    return -np.sum(Y * logp)


def make_data(rng):
    X = rng.standard_normal((N, D))
    labels = np.argmax(X[:, :K] + 0.5 * rng.standard_normal((N, K)), axis=1)
    return X, np.eye(K)[labels]


def shard_gradient(grad, params, X, Y):
    return grad(*params, X, Y)


def add(*grads):
    return tuple(sum(parts) for parts in zip(*grads))


def main():
    import dask
    import dask.array as da
    from dask.distributed import Client, LocalCluster

    rng = np.random.default_rng(0)
    X, Y = make_data(rng)
    params = (0.3 * rng.standard_normal((D, H)), np.zeros(H), 0.3 * rng.standard_normal((H, K)))
    grad = srcad.grad(loss, argnums=(0, 1, 2))
    expected = grad(*params, X, Y)  # NumPy, the whole batch in this process

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        # 1. one lazy graph over the sharded data
        rows = N // SHARDS
        Xd = da.from_array(X, chunks=(rows, D)).persist()  # the shards, on the workers
        Yd = da.from_array(Y, chunks=(rows, K)).persist()
        lazy = grad(*params, Xd, Yd)
        print("recipe 1: the gradient is", type(lazy[0]).__name__, "arrays, not computed yet")
        graph = dask.compute(*lazy)
        print("recipe 1: one compute,", len(client.nthreads()), "workers")

        # 2. the derived function shipped to the workers, one shard each
        shards = [(X[k:k + rows], Y[k:k + rows]) for k in range(0, N, rows)]
        futures = [client.submit(shard_gradient, grad, params, Xs, Ys) for Xs, Ys in shards]
        shipped = client.submit(add, *futures).result()
        print("recipe 2:", len(futures), "shard gradients summed on the cluster")

    for name, got in (("recipe 1", graph), ("recipe 2", shipped)):
        error = max(float(np.max(np.abs(g - e)) / np.max(np.abs(e))) for g, e in zip(got, expected))
        print(f"{name}: largest relative difference from NumPy's full-batch gradient: {error:.1e}")
        assert error < 1e-10


if __name__ == "__main__":
    main()
