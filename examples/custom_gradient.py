"""Tutorial: giving srcad the gradient of a new primitive.

Run:  python examples/custom_gradient.py

srcad differentiates Python by reading its source. Three situations call for a gradient of your own:

1. the function has no Python source (a C extension, a builtin): srcad cannot read it;
2. the derivative srcad would derive is correct but numerically poor (overflow, cancellation);
3. you want a different gradient on purpose (a straight-through estimator, a clipped gradient).

In each case you register a VJP ("vector-Jacobian product"): given ``g``, the gradient of the output,
it returns the gradient of each input. srcad then uses it wherever the function is called, inside
your other functions too, and shows the call in the generated code.
"""

import math

import numpy as np

import srcad


# 1. A function without Python source: the standard library's gamma function (written in C).
#    d/dx gamma(x) = gamma(x) * digamma(x); digamma by its asymptotic series after recurrence.
def digamma(x):
    shift = 0.0
    while x < 6.0:
        shift -= 1.0 / x
        x += 1.0
    return shift + math.log(x) - 1 / (2 * x) - 1 / (12 * x ** 2) + 1 / (120 * x ** 4) \
        - 1 / (252 * x ** 6)


def gamma_vjp(g, ans, x):
    return g * ans * digamma(x)


# A lambda would do for srcad.grad (srcad.defvjp(math.gamma, lambda g, ans, x: ...)); a top-level
# def can also be imported by a module written with srcad.export.
srcad.defvjp(math.gamma, gamma_vjp)


def log_gamma_ratio(a, b):
    return math.log(math.gamma(a) / math.gamma(b))


# 2. Numerically stable: softplus(x) = log(1 + exp(x)). Differentiating log1p(exp(x)) directly
#    gives exp(x) / (1 + exp(x)), which is inf / inf = nan for x > 710.
@srcad.custom_vjp
def softplus(x):
    return np.logaddexp(0.0, x)


@softplus.defvjp
def softplus_vjp(g, ans, x):
    return g * np.exp(x - ans)  # = sigmoid(x): exp(x - softplus(x)) never overflows


def softplus_loss(w, X, y):
    return np.mean(softplus(-y * (X @ w)))


# 3. On purpose: rounding has zero gradient almost everywhere; a straight-through estimator passes
#    the gradient through as if rounding were the identity (used to train quantized networks).
@srcad.custom_vjp
def round_ste(x):
    return np.round(x)


@round_ste.defvjp
def round_ste_vjp(g, ans, x):
    return g


def quantized_loss(w, x):
    return np.sum((round_ste(w * 4.0) / 4.0 * x - 1.0) ** 2)


def main():
    da, db = srcad.grad(log_gamma_ratio, argnums=(0, 1))(4.5, 2.5)
    print(f"d/da log(gamma(a)/gamma(b)) at a=4.5: {da:.6f} (digamma(4.5) = {digamma(4.5):.6f})")
    print(f"d/db at b=2.5: {db:.6f} (-digamma(2.5) = {-digamma(2.5):.6f})\n")

    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3)) * 400.0   # huge margins: exp overflows without the custom VJP
    y = np.sign(rng.normal(size=50))
    dw = srcad.grad(softplus_loss)(np.array([1.0, -2.0, 0.5]), X, y)
    print("gradient of the softplus loss with margins in the hundreds:", dw, "(finite)\n")

    print("straight-through gradient of a quantized weight:",
          srcad.grad(quantized_loss)(np.array([0.3, 0.8]), np.array([1.0, 2.0])), "\n")

    print("the generated code calls the registered VJP:")
    srcad.show(srcad.grad(softplus_loss))


if __name__ == "__main__":
    main()
