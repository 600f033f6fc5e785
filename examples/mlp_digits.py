"""Train a small neural network on handwritten digits, with gradients from srcad.

Run:  python examples/mlp_digits.py      (needs scikit-learn for the bundled digits data, no download)

The network has one hidden layer of ReLU units and a softmax output; the loss is the mean
cross-entropy plus L2 weight decay. `loss` below is the forward pass only, written once as ordinary
NumPy. srcad reads it and writes the backward pass (backpropagation), which this script prints
once at the start. Training is minibatch SGD with momentum. The script prints the loss of each
epoch (the mean over its minibatches) and the accuracy on held-out test digits (about 98%).
"""

import numpy as np
from sklearn.datasets import load_digits

import srcad

HIDDEN = 64
EPOCHS = 30
BATCH = 32
LEARNING_RATE = 0.05
MOMENTUM = 0.9
WEIGHT_DECAY = 1e-4
SEED = 0


def loss(W1, b1, W2, b2, X, Y, weight_decay):
    """Mean softmax cross-entropy of the network on inputs X (n, 64) and one-hot labels Y (n, 10)."""
    hidden = np.maximum(X @ W1 + b1, 0.0)
    scores = hidden @ W2 + b2
    scores = scores - np.max(scores, axis=1, keepdims=True)
    log_probs = scores - np.log(np.sum(np.exp(scores), axis=1, keepdims=True))
    data_loss = -np.mean(np.sum(Y * log_probs, axis=1))
    return data_loss + weight_decay * (np.sum(W1 ** 2) + np.sum(W2 ** 2))


def predict(W1, b1, W2, b2, X):
    hidden = np.maximum(X @ W1 + b1, 0.0)
    return np.argmax(hidden @ W2 + b2, axis=1)


def load_data(seed=SEED):
    """The 1797 8x8 digits, pixels scaled to [0, 1], split 75% / 25% at random."""
    digits = load_digits()
    X = digits.data / 16.0
    Y = np.eye(10)[digits.target]
    order = np.random.default_rng(seed).permutation(len(X))
    n_train = int(0.75 * len(X))
    train, test = order[:n_train], order[n_train:]
    return X[train], Y[train], X[test], Y[test]


def init_params(rng, n_in=64, n_hidden=HIDDEN, n_out=10):
    W1 = rng.normal(size=(n_in, n_hidden)) * np.sqrt(2.0 / n_in)
    b1 = np.zeros(n_hidden)
    W2 = rng.normal(size=(n_hidden, n_out)) * np.sqrt(1.0 / n_hidden)
    b2 = np.zeros(n_out)
    return [W1, b1, W2, b2]


def main():
    X_train, Y_train, X_test, Y_test = load_data()
    print(f"digits: {len(X_train)} for training, {len(X_test)} for testing\n")

    # The gradient with respect to the weights and biases (arguments 0-3), not the data.
    loss_and_grad = srcad.value_and_grad(loss, argnums=(0, 1, 2, 3))
    print("the backward pass srcad wrote for `loss`:\n")
    srcad.show(loss_and_grad)
    print()

    rng = np.random.default_rng(SEED)
    params = init_params(rng)
    velocity = [np.zeros_like(p) for p in params]
    for epoch in range(1, EPOCHS + 1):
        order = rng.permutation(len(X_train))
        total = 0.0
        for start in range(0, len(order), BATCH):
            batch = order[start:start + BATCH]
            value, grads = loss_and_grad(*params, X_train[batch], Y_train[batch], WEIGHT_DECAY)
            total += value * len(batch)
            for k in range(len(params)):
                velocity[k] = MOMENTUM * velocity[k] - LEARNING_RATE * grads[k]
                params[k] = params[k] + velocity[k]
        print(f"epoch {epoch:2d}  loss {total / len(X_train):.4f}")

    accuracy = np.mean(predict(*params, X_test) == np.argmax(Y_test, axis=1))
    print(f"\ntest accuracy: {accuracy:.4f}")


if __name__ == "__main__":
    main()
