"""The worked examples of the backprop literature, and functions checked against autograd."""

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

import corpus
import srcad
from gradcheck import check_grad


def test_sum_times_at_textbook_point():
    # f(x, y, z) = (x + y) * z at (-2, 5, -4): df/dx = df/dy = z = -4, df/dz = x + y = 3
    grads = srcad.grad(corpus.textbook_sum_times, argnums=(0, 1, 2))(-2.0, 5.0, -4.0)
    assert grads == (-4.0, -4.0, 3.0)
    check_grad(corpus.textbook_sum_times, [-2.0, 5.0, -4.0], argnums=(0, 1, 2))


def test_max_example_at_textbook_point():
    # f = 2 * (x*y + max(z, w)) at x=3, y=-4, z=2, w=-1: (-8, 6, 2, 0)
    grads = srcad.grad(corpus.textbook_max, argnums=(0, 1, 2, 3))(3.0, -4.0, 2.0, -1.0)
    assert grads == (-8.0, 6.0, 2.0, 0.0)
    check_grad(corpus.textbook_max, [3.0, -4.0, 2.0, -1.0], argnums=(0, 1, 2, 3))


def test_value_and_grad():
    value, grads = srcad.value_and_grad(corpus.textbook_sum_times, argnums=(0, 2))(-2.0, 5.0, -4.0)
    assert value == -12.0
    assert grads == (-4.0, 3.0)


def _logistic_data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(20, 4))
    y = (rng.random(20) > 0.5).astype(float)
    w = rng.normal(size=4) * 0.3
    return w, X, y


def test_logistic_loss_against_autograd_and_differences():
    w, X, y = _logistic_data()

    def reference(w):
        p = 1 / (1 + anp.exp(-(X @ w)))
        return -anp.mean(y * anp.log(p) + (1 - y) * anp.log(1 - p))

    ours = check_grad(corpus.logistic_loss, [w, X, y])
    np.testing.assert_allclose(ours, autograd.grad(reference)(w), rtol=1e-12)


def test_mlp_loss_against_autograd():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(8, 5))
    labels = np.eye(3)[rng.integers(0, 3, size=8)]
    W1, W2 = rng.normal(size=(5, 6)) * 0.5, rng.normal(size=(6, 3)) * 0.5

    def reference(W1, W2):
        hidden = anp.maximum(X @ W1, 0.0)
        scores = hidden @ W2
        scores = scores - anp.max(scores, axis=1, keepdims=True)
        logp = scores - anp.log(anp.sum(anp.exp(scores), axis=1, keepdims=True))
        return -anp.mean(anp.sum(logp * labels, axis=1)) + 0.1 * (anp.sum(W1 * W1) + anp.sum(W2 * W2))

    ours = srcad.grad(corpus.mlp_loss, argnums=(0, 1))(W1, W2, X, labels, 0.1)
    theirs = autograd.grad(reference, argnum=(0, 1))(W1, W2)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    check_grad(corpus.mlp_loss, [W1, W2, X, labels, 0.1], argnums=(0, 1))


@pytest.mark.parametrize("fn, args, argnums", [
    (corpus.overwrite, [np.array([0.3, -0.7, 1.1]), np.array([0.5, 0.2, -0.4])], (0, 1)),
    (corpus.overwrite, [0.4, 1.3], (0, 1)),
    (corpus.square_itself, [0.7], 0),
    (corpus.clashing_names, [0.3, 1.2, 0.7, -0.4], (0, 1, 2, 3)),
    (corpus.plain_numpy_module, [np.array([0.1, 0.5, -0.2])], 0),
    (corpus.star_math, [0.8], 0),
    (corpus.math_module, [0.6, -1.1], (0, 1)),
    (corpus.tuple_unpack, [0.6, -1.1], (0, 1)),
    (corpus.ffw, [0.3], 0),
    (corpus.with_defaults, [1.3], 0),
    (corpus.only_second, [np.array([0.2, 0.1]), np.array([0.3, 0.9])], (0, 1)),
])
def test_corpus_against_differences(fn, args, argnums):
    check_grad(fn, args, argnums)


def test_value_survives_the_restores_of_the_backward_pass():
    # square_itself returns x, which the backward pass restores to the input: the value must not be
    value, grad = srcad.value_and_grad(corpus.square_itself)(0.7)
    assert value == pytest.approx(np.exp(0.49))
    assert grad == pytest.approx(2 * 0.7 * np.exp(0.49))
