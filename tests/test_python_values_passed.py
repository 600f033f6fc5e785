"""Functions as values, and the idioms of issue #15 (an independent evaluation on 100 realistic
functions): a lambda, nested def or functools.partial made in the function and passed to a
function of the user's (a solver, an integrator, a quadrature), a module-level partial called,
lambdas in a module-level dict, functools.reduce, d.update on a local dict, a, b = zip(*rows),
dataclasses.replace through a helper. Each one srcad follows is checked against central
differences in reverse mode, forward mode and Hessian-vector products; each one it does not is
refused with a SrcadError at the user's line that says what to write instead."""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import Callable, NamedTuple

import numpy as np
import pytest

import srcad
from gradcheck import check_grad, make_function
from rulecheck import check_hvp, check_jvp


# -- module-level helpers the functions below call ------------------------------------------------

def euler(fn, y0, n):
    y = y0
    for _ in range(n):
        y = y + 0.1 * fn(y)
    return y


def newton(f, fprime, x0, steps=6):
    x = x0
    for _ in range(steps):
        x = x - f(x) / fprime(x)
    return x


def gauss_legendre(f, a, b, n=5):
    nodes, weights = np.polynomial.legendre.leggauss(n)
    x = 0.5 * (b - a) * nodes + 0.5 * (b + a)
    return 0.5 * (b - a) * np.sum(weights * f(x))


def integrate(f, a, b):
    return gauss_legendre(f, a, b) + 0.0 * f(a)  # (passes f on, and calls it)


def simpson(f, a, b, depth):
    m = 0.5 * (a + b)
    whole = (b - a) / 6 * (f(a) + 4 * f(m) + f(b))
    if depth == 0:
        return whole
    return simpson(f, a, m, depth - 1) + simpson(f, m, b, depth - 1)


def rhs(y, k, c=0.0):
    return -k * y + c


def leaky_relu(x, alpha=0.01):
    return np.where(x > 0, x, alpha * x)


def twice(f, x):
    return f(f(x))


def keep(f):
    return f


def apply_all(x, *fs):
    return sum(f(x) for f in fs)


ACT = functools.partial(leaky_relu, alpha=0.1)
SCALE = functools.partial(np.multiply, 3.0)
ACTS = {
    "relu": lambda z: np.maximum(z, 0),
    "gelu": lambda z: 0.5 * z * (1 + np.tanh(np.sqrt(2 / np.pi)
                                             * (z + 0.044715 * z ** 3))),
    "softplus": lambda z: np.logaddexp(0, z),
}
LAYERS = [lambda z: np.tanh(z),
          lambda z: z ** 2]


class Params(NamedTuple):
    w: np.ndarray
    act: Callable


@dataclasses.dataclass(frozen=True)
class State:
    w: np.ndarray
    sq: np.ndarray
    step: int = 0


@dataclasses.dataclass
class Plain:
    w: np.ndarray


def rms_update(state, g, lr):
    sq = 0.9 * state.sq + 0.1 * g ** 2
    return dataclasses.replace(state, w=state.w - lr * g / np.sqrt(sq + 1e-6), sq=sq,
                               step=state.step + 1)


def plain_step(state):
    return dataclasses.replace(state, w=state.w - 0.1 * state.w ** 2)


def kinematics(angles, lengths):
    x = y = total = 0.0
    points = [(x, y)]
    for q, L in zip(angles, lengths):
        total = total + q
        x = x + L * np.cos(total)
        y = y + L * np.sin(total)
        points.append((x, y))
    return points


def trajectory(rhs_fn, y0, n):
    ys = [y0]
    for _ in range(n):
        ys.append(ys[-1] + 0.05 * rhs_fn(ys[-1]))
    return np.stack(ys)


NAMESPACE = {name: value for name, value in globals().items()
             if not name.startswith("_") and name not in ("pytest", "srcad")}

NAMESPACE.update(math=math)  # (np.vectorize(math.exp) below)

X = np.array([0.4, -0.7, 1.1])


def _every_mode(f, args, positions=(0,)):
    args = tuple(np.copy(a) if isinstance(a, np.ndarray) else a for a in args)
    check_grad(f, args, positions[0] if len(positions) == 1 else tuple(positions))
    check_jvp(f, args, list(positions))
    for k in positions:
        check_hvp(f, args, k)


# -- supported: values passed, and what they read ---------------------------------------------------

SUPPORTED = {
    "a lambda passed to a Newton solver reads the enclosing variables": ("""
def f(m, e):
    E = newton(lambda E: E - e * np.sin(E) - m, lambda E: 1 - e * np.cos(E), m)
    return np.cos(E) ** 2 + E
""", (1.1, 0.3), (0, 1)),
    "a named lambda passed to a quadrature and called": ("""
def f(theta, upper):
    integrand = lambda t: np.exp(-theta[0] * t) * np.cos(theta[1] * t)
    xs = np.linspace(0.0, upper, 5)
    return gauss_legendre(integrand, 0.0, upper) ** 2 + np.sum(integrand(xs))
""", (np.array([0.7, 2.0]), 1.5), (0, 1)),
    "a nested def passed to an integrator, its variable rebound before the call": ("""
def f(k, y0):
    scale = k
    def step(y):
        return -scale * y + np.sin(y)
    scale = k * k
    return np.sum(euler(step, y0, 4) ** 2)
""", (0.8, X), (0, 1)),
    "a partial made here and passed, its values copied when it is made": ("""
def f(k, y0):
    p = functools.partial(rhs, k=k, c=0.3)
    k = k * 10.0
    return np.sum(euler(p, y0, 4)) + k
""", (0.5, X), (0, 1)),
    "a partial made in two branches, called and passed": ("""
def f(k, y0):
    if k > 0.3:
        p = functools.partial(rhs, k=k * 2.0, c=k)
    else:
        p = functools.partial(rhs, k=k, c=1.0)
    return np.sum(p(y0) * euler(p, y0, 3))
""", (0.5, X), (0, 1)),
    "a partial passed inline, with a positional value": ("""
def f(c, y0):
    return np.sum(euler(functools.partial(rhs, k=0.5, c=c), y0, 3) * y0)
""", (0.2, X), (0, 1)),
    "a partial of a NumPy function passed": ("""
def f(w, x):
    return np.sum(euler(functools.partial(np.multiply, w), x, 3) ** 2)
""", (np.array([0.3, -0.2, 0.5]), X), (0, 1)),
    "a lambda passed on by the helper, to a function that calls it": ("""
def f(a, b):
    return integrate(lambda t: np.sin(a * t) * b, 0.0, 1.0)
""", (1.3, 0.7), (0, 1)),
    "a lambda passed to a recursive helper that passes it on to itself": ("""
def f(a):
    return simpson(lambda t: np.exp(a * t) * t, 0.0, 1.0, 3)
""", (0.6,), (0,)),
    "a lambda applied twice by a helper, in a loop with the variable changing": ("""
def f(x):
    total = 0.0
    s = x[0]
    for i in range(3):
        s = s * x[1] + 1.0
        total = total + twice(lambda v: np.tanh(s * v), x[2])
    return total
""", (X,), (0,)),
    "one lambda passed to two helpers and called directly": ("""
def f(x):
    g = lambda v: v * x[0] + np.sin(v)
    return twice(g, x[1]) + gauss_legendre(g, 0.0, x[2]) + g(x[2])
""", (X,), (0,)),
    "a nested def passed from a branch": ("""
def f(x):
    def g(v):
        return v ** 2 * x[0]
    if x[1] < 0:
        out = twice(g, x[2])
    else:
        out = g(x[2])
    return out
""", (X,), (0,)),
    "a module-level partial called": ("""
def f(x):
    return np.sum(ACT(x * 2.0) * x) + np.sum(SCALE(x))
""", (X,), (0,)),
    "a module-level partial passed to a helper": ("""
def f(x):
    return np.sum(euler(ACT, x, 3)) + np.sum(twice(SCALE, x))
""", (X,), (0,)),
    "a partial held by a named tuple's field": ("""
def f(w, x):
    p = Params(w, ACT)
    return np.sum(p.act(x * p.w))
""", (np.array([1.5, -2.0, 0.5]), X), (0,)),
    "lambdas of a module-level dict over several lines, and of a list": ("""
def f(x):
    out = ACTS["gelu"](x) + ACTS["softplus"](x) + LAYERS[1](x)
    return np.sum(out * LAYERS[0](x))
""", (X,), (0,)),
    "a lambda from a dict chosen at run time": ("""
def f(x):
    total = 0.0
    for name in ["relu", "gelu", "softplus"]:
        act = ACTS[name]
        total = total + np.sum(act(x) * x)
    return total
""", (X,), (0,)),
    "functools.reduce of np.matmul with an initial value": ("""
def f(x):
    mats = [np.diag(x), np.outer(x, x), np.eye(3) + x[0]]
    return np.sum(functools.reduce(np.matmul, mats, np.eye(3)) ** 2)
""", (X,), (0,)),
    "functools.reduce of a lambda without an initial value": ("""
def f(x):
    return functools.reduce(lambda a, b: a * b + np.sin(b), list(x)) + x[0]
""", (X,), (0,)),
    "functools.reduce of a function of the user's, in a loop": ("""
def f(x):
    total = 0.0
    for i in range(2):
        total = total + functools.reduce(rhs, [x[0], x[1], x[2]], x[i])
    return total
""", (X,), (0,)),
    "d.update on a copied dict parameter": ("""
def f(params, lr):
    new = dict(params)
    new.update({k: params[k] - lr * params[k] ** 2 for k in params})
    new.update(extra=lr * 2.0)
    return np.sum(new["w"] ** 2) + new["b"] * new["extra"]
""", ({"w": np.array([0.3, -0.4]), "b": 0.7}, 0.1), (1,)),
    "d.update on a local dict, with ** and keywords, in Python's order": ("""
def f(x):
    d = {"a": x[0]}
    more = {"b": x[1] * 2.0}
    d.update([("c", x[2])], **more, a=d["a"] * 3.0)
    total = 0.0
    for k in d:
        total = total * 2.0 + d[k]
    return total
""", (X,), (0,)),
    "a, b = zip(*rows) of what a helper returns": ("""
def f(q, lengths):
    xs, ys = zip(*kinematics(q, lengths))
    pts = kinematics(q * 0.5, lengths)
    us, vs = zip(*pts)
    return (xs[-1] - 1.0) ** 2 + ys[-1] ** 2 + np.sum(np.array(us) * np.array(vs))
""", (np.array([0.3, 0.5, -0.4]), np.array([1.0, 0.8, 0.5])), (0, 1)),
    "a, b = zip(*pairs) of a list display (was refused)": ("""
def f(x):
    pairs = [(x, 1.0), (2.0 * x, 2.0)]
    a, b = zip(*pairs)
    return np.sum(a[1] * b[1] + a[0] ** 2)
""", (X,), (0,)),
    "dataclasses.replace of a frozen dataclass through a helper, twice": ("""
def f(state, g):
    for _ in range(2):
        state = rms_update(state, g * state.w, 0.05)
    return np.sum(state.w ** 2) + state.step
""", (None, np.array([0.5, -1.0])), (1,)),
    "dataclasses.replace through a helper applied twice": ("""
def f(w):
    state = plain_step(Plain(w))
    state = plain_step(state)
    return np.sum(state.w ** 2)
""", (np.array([1.0, 2.0]),), (0,)),
    "a trajectory helper that appends to a list it starts with its argument": ("""
def f(k, y0):
    return np.sum(trajectory(lambda y: -k * y + y ** 2, y0, 5))
""", (0.7, X), (0, 1)),
}


@pytest.mark.parametrize("name", sorted(SUPPORTED))
def test_supported_against_differences_in_every_mode(name):
    source, args, positions = SUPPORTED[name]
    if args[0] is None:  # (a dataclass argument: built here)
        args = (State(np.array([0.3, -0.6]), np.array([0.1, 0.2])),) + args[1:]
    f = make_function(source, NAMESPACE, name="f")
    _every_mode(f, args, positions)


def test_the_gradient_reaches_the_variables_a_passed_lambda_reads():
    """The derivative with respect to k of euler(lambda y: -k y) is not zero: the lambda's value
    carries k into the helper."""
    f = make_function("""
def f(k, y0):
    return np.sum(euler(lambda y: -k * y, y0, 5))
""", NAMESPACE, name="f")
    dk = srcad.grad(f)(0.5, np.ones(2))
    np.testing.assert_allclose(dk, 2 * 5 * 0.95 ** 4 * -0.1, rtol=1e-12)  # d/dk sum((1-0.1k)^5)
    check_grad(f, (0.5, np.ones(2)), (0, 1))


def test_the_generated_code_passes_the_values_a_function_reads_by_name():
    f = make_function("""
def f(k, y0):
    return np.sum(euler(lambda y: -k * y, y0, 5))
""", NAMESPACE, name="f")
    g = srcad.grad(f, argnums=(0, 1))
    g(0.5, np.ones(2))
    text = srcad.source(g)
    assert "forward_euler(lambda_1, y0, 5, fn_k=k)" in text
    assert "def forward_euler(fn, y0, n, *, fn_k):" in text
    assert "forward_lambda_1(y=y, k=fn_k)" in text


def test_each_call_site_sees_the_values_of_its_time():
    """A helper called twice with one lambda reading a variable that changes in between."""
    f = make_function("""
def f(x):
    a = x[0]
    g = lambda v: a * v
    first = twice(g, x[1])
    a = x[2] * 3.0
    return first + twice(g, x[1])
""", NAMESPACE, name="f")
    np.testing.assert_allclose(srcad.value_and_grad(f)(X.copy())[0], f(X.copy()), rtol=1e-14)
    _every_mode(f, (X,))


def test_a_module_partial_changed_after_the_derivative_is_made_is_refused_or_made_again():
    namespace = dict(NAMESPACE)
    namespace["act"] = functools.partial(leaky_relu, alpha=0.1)
    f = make_function("""
def f(x):
    return np.sum(act(x))
""", namespace, name="f")
    df = srcad.grad(f)
    x = np.array([1.0, -2.0])
    np.testing.assert_allclose(df(x), [1.0, 0.1])
    f.__globals__["act"] = functools.partial(leaky_relu, alpha=0.5)
    np.testing.assert_allclose(df(x), [1.0, 0.5])  # a new partial: a new derivative
    f.__globals__["act"].keywords["alpha"] = 0.25  # (the same object changed in place)
    np.testing.assert_allclose(df(x), [1.0, 0.25])
    f.__globals__["act"].keywords["beta"] = 1.0
    with pytest.raises(srcad.SrcadError, match="not the one the derivative was made for"):
        df(x)


def test_reduce_of_nothing_without_an_initial_value_raises_pythons_error():
    f = make_function("""
def f(x):
    return functools.reduce(np.add, [v for v in x if v > 10.0]) + x[0]
""", NAMESPACE, name="f")
    with pytest.raises(TypeError, match="reduce\\(\\) of empty iterable"):
        f(X.copy())
    with pytest.raises(TypeError, match="reduce\\(\\) of empty iterable"):
        srcad.grad(f)(X.copy())


@pytest.mark.parametrize("rows, error", [
    ("[]", "not enough values to unpack \\(expected 2, got 0\\)"),
    ("[(x[0], x[1], x[2])]", "too many values to unpack \\(expected 2\\)"),
    ("[(x[0],), (x[1], x[2])]", "not enough values to unpack \\(expected 2, got 1\\)"),
])
def test_unzipping_the_wrong_number_of_columns_raises_pythons_error(rows, error):
    f = make_function(f"""
def f(x):
    a, b = zip(*{rows})
    return a[0] + b[0]
""", NAMESPACE, name="f")
    with pytest.raises(ValueError, match=error):
        f(X.copy())
    with pytest.raises(ValueError, match=error):
        srcad.grad(f)(X.copy())


def test_update_of_something_else_than_a_dict_is_refused_when_it_runs():
    f = make_function("""
def f(x, d):
    d.update({"a": x[0]})
    return x[0] * 2.0
""", NAMESPACE, name="f")
    import collections
    check_grad(f, (X.copy(), {"b": 1.0}), 0)
    with pytest.raises(srcad.SrcadError, match="where 'd' is a dict") as info:
        srcad.grad(f)(X.copy(), collections.Counter())
    assert info.value.hint is None or "d" in str(info.value)


# -- refused, at the user's line, saying what to write ----------------------------------------------

REFUSED = {
    "a lambda given to a NumPy function srcad cannot read": ("""
def f(x):
    k = x[0]
    return np.sum(np.apply_along_axis(lambda r: r * k, 0, x))
""", 4, "passed to 'np.apply_along_axis', which srcad cannot read", "function of yours"),
    "a lambda a helper returns": ("""
def f(x):
    g = keep(lambda v: v * x[0])
    return g(x[1])
""", None, "used otherwise than called|which function 'g' holds",
        "call it, or pass it|srcad sees by name"),
    "a lambda passed into a helper's *args": ("""
def f(x):
    return apply_all(x[0], lambda v: v * x[1], np.sin)
""", 3, "into '\\*args'", "named parameter"),
    "a nested def stored in a list": ("""
def f(x):
    def g(v):
        return v * x[0]
    fs = [g]
    return fs[0](x[1])
""", 5, "not stored", None),
    "functools.reduce in a comprehension": ("""
def f(x):
    return sum([functools.reduce(np.multiply, [v, v, x[0]]) for v in x])
""", 3, "in a lambda, a comprehension", "for item in items"),
    "star-unpacking what a call returns, elsewhere than a, b = zip(*rows)": ("""
def f(q, lengths):
    return np.sum(np.array(list(zip(*kinematics(q, lengths)))))
""", 3, "star-unpacking", "zip\\(\\*rows\\)"),
    "np.vectorize of a math function": ("""
def f(x):
    return np.sum(np.vectorize(math.exp)(-x))
""", 3, "np.vectorize\\(math.exp\\)", "np.exp"),
    "a global dict updated": ("""
def f(x):
    TABLE.update(a=x[0])
    return x[0]
""", 3, "changes a value in place", "d\\[k\\] = v"),
}


@pytest.mark.parametrize("mode", ["grad", "jvp", "hvp"])
@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_at_the_users_line_with_what_to_write(name, mode):
    source, line, words, hint = REFUSED[name]
    namespace = dict(NAMESPACE, TABLE={})
    args = (X.copy(),) if "lengths" not in source else (X.copy(), np.ones(3))
    f = make_function(source, namespace, name="f")
    with pytest.raises(srcad.SrcadError, match=words) as info:
        if mode == "grad":
            srcad.grad(f)(*args)
        elif mode == "jvp":
            srcad.jvp(f, args, (np.ones(3),) + (None,) * (len(args) - 1))
        else:
            srcad.hvp(f)(*args, np.ones(3))
    error = info.value
    assert error.location is not None
    if line is not None:
        assert error.location.lineno == line, str(error)
    if hint is not None:
        import re
        assert error.hint and re.search(hint, error.hint), error.hint


def test_a_function_a_call_made_is_refused_in_the_helper_with_what_to_pass():
    namespace = dict(NAMESPACE, make=lambda k: (lambda y: -k * y))
    f = make_function("""
def f(k, y0):
    return np.sum(euler(make(k), y0, 3))
""", namespace, name="f")
    with pytest.raises(srcad.NoGradientRuleError, match="parameter 'fn'") as info:
        srcad.grad(f)(0.5, X.copy())
    assert "made before any call" not in str(info.value).split("\n")[0] or \
        "the caller passed" in str(info.value)
    assert "lambda" in info.value.hint and "partial" in info.value.hint


# -- adversarial: where the function made here would run unseen --------------------------------------

def apply_rows(f, x):
    return np.apply_along_axis(f, 1, x)


def stores(f, x):
    fs = [f]
    return fs[0](x)


def maybe(f, x):
    if f is None:
        return x
    return f(x)


def writes_then_calls(f, a):
    a[0] = 5.0
    return f(1.0)


@pytest.mark.parametrize("helper, words", [
    ("apply_rows", "passed to 'np.apply_along_axis', which srcad cannot read"),
    ("stores", "used otherwise than called"),
])
def test_a_helper_that_hands_the_function_on_unseen_is_refused(helper, words):
    """The lambda reads k: a helper that gives it to a library function (or stores it) would run
    it where srcad does not see it, and the gradient to k would be lost: refused, never zero."""
    f = make_function(f"""
def f(k, x):
    return np.sum({helper}(lambda r: r * k, x))
""", dict(NAMESPACE, apply_rows=apply_rows, stores=stores), name="f")
    x = np.array([[0.5, 1.0], [2.0, -1.0]])
    for run in (lambda: srcad.grad(f)(0.7, x.copy()),
                lambda: srcad.jvp(f, (0.7, x.copy()), (1.0, None))):
        with pytest.raises(srcad.SrcadError, match=words) as info:
            run()
        assert info.value.hint


def test_a_test_of_none_on_the_function_is_allowed():
    f = make_function("""
def f(k, x):
    return np.sum(maybe(lambda v: np.sin(k * v), x))
""", dict(NAMESPACE, maybe=maybe), name="f")
    _every_mode(f, (0.7, X), (0, 1))


def test_a_helper_changing_what_the_function_reads_is_refused():
    """The lambda reads the array the helper writes into: Python's lambda sees the write; srcad
    refuses (the helper changes its argument in place) rather than differentiate the old value."""
    f = make_function("""
def f(a):
    b = a * 1.0
    return writes_then_calls(lambda v: v * b[0] + b[1], b)
""", dict(NAMESPACE, writes_then_calls=writes_then_calls), name="f")
    with pytest.raises(srcad.SrcadError, match="changes its argument"):
        srcad.grad(f)(np.array([1.0, 2.0]))


def test_check_grads_says_a_call_given_a_function_made_here_was_not_checked():
    f = make_function("""
def f(k, y0):
    return np.sum(euler(lambda y: -k * y, y0, 3))
""", NAMESPACE, name="f")
    srcad.check_grads(f, (0.5, X.copy()), argnums=(0, 1))  # (the gradient is right: passes)


# -- what a helper changes: a list holding its argument is not its argument --------------------------

@pytest.mark.parametrize("body, changes", [
    ("ys = [y0]\n    ys.append(ys[-1] * 2.0)\n    return np.stack(ys)", False),
    ("ys = [y0]\n    ys.insert(0, y0 * 3.0)\n    ys.reverse()\n    return np.stack(ys)", False),
    ("ys = list([y0])\n    ys.pop()\n    ys.append(y0 + 1.0)\n    return ys[0]", False),
    ("ys = [y0]\n    ys[0] += 1.0\n    return ys[0] * 2.0", True),
    ("ys = [y0]\n    first = ys[0]\n    first *= 3.0\n    return first", True),
    ("ys = y0\n    ys += 1.0\n    return ys", True),
    ("for ys in [y0]:\n        ys *= 2.0\n    return y0", True),
])
def test_a_helper_changing_a_list_that_holds_its_argument(body, changes):
    """'ys = [y0]; ys.append(v)' changes a new list, not y0 (was refused: AliasingError); a write
    into the item itself ('ys[0] += 1') changes y0, and is still refused."""
    f = make_function(f"""
def helper(y0):
    {body}

def f(x):
    y = x * 1.5
    z = helper(y)
    return np.sum(z * y) + np.sum(np.sin(z))
""", NAMESPACE, name="f")
    if changes:
        with pytest.raises(srcad.AliasingError, match="changes its argument 'y0'"):
            srcad.grad(f)(X.copy())
    else:
        _every_mode(f, (X,))


@dataclasses.dataclass
class Layer:
    W: np.ndarray
    act: Callable


def test_a_dataclass_field_holding_a_function_passed_in():
    """The function an argument's field holds (a module-level lambda of a dict, a partial) is a
    call of that function; the gradient reaches the other fields."""
    f = make_function("""
def f(layer, x):
    return np.sum(layer.act(x @ layer.W) ** 2)
""", NAMESPACE, name="f")
    x = np.array([[0.5, -1.0], [2.0, 0.3]])
    for act in (ACTS["gelu"], ACT, np.tanh):
        W = np.array([[0.3, -0.2], [0.1, 0.4]])
        g = srcad.grad(f)(Layer(W, act), x)
        eps = 1e-6
        for idx in np.ndindex(W.shape):
            e = np.zeros_like(W)
            e[idx] = eps
            fd = (f(Layer(W + e, act), x) - f(Layer(W - e, act), x)) / (2 * eps)
            np.testing.assert_allclose(g.W[idx], fd, rtol=1e-6, atol=1e-8)
        check_grad(lambda W, x: f(Layer(W, act), x), (W, x), 0)
        check_hvp(lambda W, x: f(Layer(W, act), x), (W, x), 0)


def reads_in_a_nested_def(f, x):
    def inner(v):
        return f(1.0) * v
    return inner(x)


def reads_in_a_lambda(f, x):
    g = lambda v: f(v) * 2.0
    return g(x)


@pytest.mark.parametrize("source, words", [
    # the helper's nested def calls the function on a constant: its value depends on k, which
    # the nested def's parameter would not carry (was a zero gradient for k)
    ("return np.sum(reads_in_a_nested_def(lambda t: k * t, x))",
     "read by the nested function 'inner'"),
    ("return np.sum(reads_in_a_lambda(lambda t: k * t, x))", "read by the lambda bound to 'g'"),
    ("layer = Layer(x, lambda y: -k * y)\n    return np.sum(layer.act(layer.W))",
     "stored in an object built here"),
    ("p = functools.partial(rhs, k=k)\n    layer = Layer(x, p)\n"
     "    return np.sum(layer.act(layer.W))", "stored in an object built here"),
])
def test_a_function_made_here_read_where_srcad_cannot_follow_is_refused(source, words):
    f = make_function(f"""
def f(k, x):
    {source}
""", dict(NAMESPACE, reads_in_a_nested_def=reads_in_a_nested_def,
          reads_in_a_lambda=reads_in_a_lambda, Layer=Layer), name="f")
    for run in (lambda: srcad.grad(f, argnums=(0, 1))(0.5, np.array([1.0, 2.0])),
                lambda: srcad.jvp(f, (0.5, np.array([1.0, 2.0])), (1.0, None))):
        with pytest.raises(srcad.UnsupportedSyntaxError, match=words) as info:
            run()
        assert info.value.hint


def test_dataclasses_replace_of_an_object_of_unknown_class_says_what_to_write():
    """The standard library is never read: dataclasses.replace of an object whose class srcad
    cannot tell (what copy.copy returned) is refused at the user's line (it was refused inside
    dataclasses.py)."""
    f = make_function("""
def f(w):
    state = copy.copy(Plain(w))
    state = dataclasses.replace(state, w=state.w * 2.0)
    return np.sum(state.w ** 2)
""", dict(NAMESPACE, copy=__import__("copy")), name="f")
    with pytest.raises(srcad.SrcadError, match="dataclasses.replace") as info:
        srcad.grad(f)(np.array([1.0, 2.0]))
    assert info.value.location.filename == f.__code__.co_filename
    assert info.value.location.lineno == 4
    assert "C(a=" in info.value.hint
