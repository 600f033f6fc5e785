"""Functions for tests/test_checkpoint.py (srcad reads their source)."""

import numpy as np

import srcad


@srcad.checkpoint
def segment(h, W, k):
    for _ in range(k):
        h = np.tanh(W @ h)
    return h


def rnn(h, W, n):
    for _ in range(n):
        h = np.tanh(W @ h)
    return np.sum(h ** 2)


def rnn_checkpointed(h, W, n, k):
    for _ in range(n // k):
        h = segment(h, W, k)
    return np.sum(h ** 2)


@srcad.checkpoint
def cell(h, x, W, U):
    a = W @ h + U @ x
    return np.tanh(a) * 0.9 + 0.1 * h


def rnn_cells(h, xs, W, U):
    total = 0.0
    for t in range(xs.shape[0]):
        h = cell(h, xs[t], W, U)
        total = total + np.sum(h * xs[t][:h.shape[0]])
    return total
