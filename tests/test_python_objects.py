"""Objects and pytrees (issue #15): your code as you write it, classes included.

* differentiating methods (``srcad.grad(model.loss)``), callable objects (``srcad.grad(model)``),
  ``functools.partial`` and ``@srcad.grad`` on a method, in every API entry;
* attribute reads on arguments that are dataclasses, named tuples, ``types.SimpleNamespace``,
  classes registered with ``srcad.register_pytree`` or plain instances, nested in dicts, lists and
  tuples; the gradient has the argument's structure;
* calls of methods, callable objects, properties and ``super()`` inside a differentiated function
  (an MLP as a class, a ``Sequential`` of layers of several classes);
* what is refused, at the user's line; what changes between calls.

Every gradient is checked against central differences (an oracle that knows nothing of srcad: the
leaves of an object are found here, by its fields or attributes), in reverse mode, forward mode
(``srcad.jvp``) and Hessian-vector products (against differences of ``srcad.grad``).
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import types
from typing import NamedTuple

import numpy as np
import pytest

import goldens
import srcad

EPS = 1e-6


# ---- the oracle: the float leaves of a value, found without srcad ---------------------------------

def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def _children(x):
    """(key, value) pairs of a container or object, as the tests build them."""
    if isinstance(x, dict):
        return [(("item", k), v) for k, v in x.items()]
    if type(x).__name__ == "Point":  # registered: its children (label, weight are aux: constant)
        return [(("attr", "x"), x.x), (("attr", "y"), x.y)]
    if _is_namedtuple(x):
        return [(("attr", n), getattr(x, n)) for n in x._fields]
    if isinstance(x, (list, tuple)):
        return [(("item", k), v) for k, v in enumerate(x)]
    if dataclasses.is_dataclass(x):
        return [(("attr", f.name), getattr(x, f.name)) for f in dataclasses.fields(x)]
    if hasattr(x, "__dict__") and not callable(x) or isinstance(x, types.SimpleNamespace):
        return [(("attr", n), v) for n, v in vars(x).items()]
    if hasattr(x, "__dict__"):  # a callable object (a layer)
        return [(("attr", n), v) for n, v in vars(x).items()]
    return []


def leaves(x, path=()):
    """``(path, value)`` for every number or array of numbers in ``x`` (an int is a number: srcad
    differentiates it as one, as it does an int argument)."""
    if (isinstance(x, (int, float)) and not isinstance(x, bool)) or (
            isinstance(x, np.ndarray) and x.dtype.kind in "iuf"):
        yield path, x
        return
    if isinstance(x, (types.FunctionType, np.ufunc, str)) or x is None:
        return
    for key, value in _children(x):
        yield from leaves(value, path + (key,))


def get(x, path):
    for kind, key in path:
        x = x[key] if kind == "item" else getattr(x, key)
    return x


def replaced(x, path, value):
    """A copy of ``x`` with the leaf at ``path`` replaced (containers and objects copied)."""
    if not path:
        return value
    (kind, key), rest = path[0], path[1:]
    inner = replaced(get(x, [path[0]]), rest, value)
    if kind == "attr" and _is_namedtuple(x):
        return x._replace(**{key: inner})
    if kind == "attr":
        new = copy.copy(x)
        object.__setattr__(new, key, inner)
        return new
    if isinstance(x, tuple):
        return type(x)(inner if k == key else v for k, v in enumerate(x))
    new = copy.copy(x)
    new[key] = inner
    return new


def moved(x, direction, e):
    """``x + e * direction`` leaf by leaf (``direction``: path -> array)."""
    for path, leaf in leaves(x):
        x = replaced(x, path, leaf + e * direction[path])
    return x


def numeric(f, args, k, path):
    """Central differences of ``f`` with respect to the leaf ``path`` of argument ``k``."""
    leaf = np.asarray(get(args[k], path), dtype=float)
    out = np.zeros(leaf.shape)
    for index in np.ndindex(leaf.shape):
        e = np.zeros(leaf.shape)
        e[index] = EPS
        up, down = list(args), list(args)
        shape = np.shape(get(args[k], path))
        up[k] = replaced(args[k], path, (leaf + e) if shape else float(leaf + e))
        down[k] = replaced(args[k], path, (leaf - e) if shape else float(leaf - e))
        out[index] = (f(*up) - f(*down)) / (2 * EPS)
    return out


def check_tree_grad(f, args, k, g, rtol=1e-5, atol=1e-7):
    """``g`` (srcad's gradient of ``f`` with respect to argument ``k``) against differences, leaf by
    leaf; ``g`` must have the argument's structure (same classes, same paths)."""
    found = list(leaves(args[k]))
    assert found, "no float leaf to check"
    for path, leaf in found:
        assert type(g) is type(args[k]), (type(g), type(args[k]))
        mine = get(g, path)
        assert np.shape(mine) == np.shape(leaf), (path, np.shape(mine), np.shape(leaf))
        np.testing.assert_allclose(mine, numeric(f, args, k, path), rtol=rtol, atol=atol,
                                   err_msg=f"argument {k} at {path}")


def direction_for(x, seed=1):
    rng = np.random.default_rng(seed)
    return {path: rng.normal(size=np.shape(leaf)) for path, leaf in leaves(x)}


def as_tangent(x, direction):
    """``x``'s structure holding ``direction`` in its leaves (a tangent for srcad.jvp)."""
    for path, leaf in leaves(x):
        d = direction[path]
        x = replaced(x, path, d if np.shape(leaf) else float(d))
    return x


def check_forward(f, args, k, seed=1, rtol=1e-5, atol=1e-7):
    """srcad.jvp along a random direction of argument ``k`` against central differences."""
    direction = direction_for(args[k], seed)
    tangents = [None] * len(args)
    tangents[k] = as_tangent(args[k], direction) if not isinstance(args[k], (float, np.ndarray)) \
        else direction[()]
    value, tangent = srcad.jvp(f, args, tangents)
    np.testing.assert_allclose(value, f(*args), rtol=1e-12)
    up, down = list(args), list(args)
    up[k], down[k] = moved(args[k], direction, EPS), moved(args[k], direction, -EPS)
    np.testing.assert_allclose(tangent, (f(*up) - f(*down)) / (2 * EPS), rtol=rtol, atol=atol)


def check_hvp(f, args, k, seed=2, rtol=1e-4, atol=1e-6):
    """srcad.hvp along a random direction of argument ``k`` against differences of srcad.grad."""
    direction = direction_for(args[k], seed)
    v = as_tangent(args[k], direction) if not isinstance(args[k], (float, np.ndarray)) \
        else direction[()]
    hv = srcad.hvp(f, k)(*args, v)
    g = srcad.grad(f, k)
    e = 1e-5
    up, down = list(args), list(args)
    up[k], down[k] = moved(args[k], direction, e), moved(args[k], direction, -e)
    g_up, g_down = g(*up), g(*down)
    for path, _ in leaves(args[k]):
        expected = (np.asarray(get(g_up, path)) - np.asarray(get(g_down, path))) / (2 * e)
        np.testing.assert_allclose(get(hv, path) if path else hv, expected, rtol=rtol, atol=atol,
                                   err_msg=f"hvp at {path}")


def check_all(f, args, ks=(0,)):
    """Reverse mode (grad, leaf by leaf), forward mode and Hessian-vector products, for each k."""
    grads = srcad.grad(f, argnums=tuple(ks))(*args)
    for k, g in zip(ks, grads):
        check_tree_grad(f, args, k, g)
        check_forward(f, args, k)
        check_hvp(f, args, k)
    return grads


def refused_at(thunk, line_text, source_fn, error=srcad.SrcadError):
    """``thunk()`` raises ``error`` located at the line of ``source_fn``'s file holding
    ``line_text``."""
    import inspect

    with pytest.raises(error) as info:
        thunk()
    location = info.value.location
    assert location is not None, str(info.value)
    lines, first = inspect.getsourcelines(source_fn)
    expected = [first + k for k, line in enumerate(lines) if line_text in line]
    assert location.lineno in expected, (str(info.value), expected)
    return info.value


RNG = np.random.default_rng(0)
X = RNG.normal(size=3)
Y = np.array([0.3, -0.2])


# ---- the classes of the tests ---------------------------------------------------------------------

@dataclasses.dataclass
class Dense:
    W: np.ndarray
    b: np.ndarray

    def __call__(self, h):
        return self.W @ h + self.b


class Tanh:
    def __call__(self, h):
        return np.tanh(h)


@dataclasses.dataclass
class Act:
    """A layer holding a function in an attribute (``self.fn(h)``)."""
    fn: object
    scale: float = 1.0

    def __call__(self, h):
        return self.fn(h) * self.scale


def softplus(v):
    return np.log1p(np.exp(v))


class Sequential:
    def __init__(self, *layers):
        self.layers = list(layers)

    def __call__(self, x):
        h = x
        for layer in self.layers:
            h = layer(h)
        return h

    def loss(self, x, y):
        return np.sum((self(x) - y) ** 2)


class MLP:
    """An MLP as people write it: its parameters in attributes, a method per step."""

    def __init__(self, rng, sizes):
        self.weights = [rng.normal(size=(m, n)) * 0.5 for n, m in zip(sizes[:-1], sizes[1:])]
        self.biases = [rng.normal(size=m) * 0.1 for m in sizes[1:]]

    def layer(self, k, h):
        return np.tanh(self.weights[k] @ h + self.biases[k])

    def __call__(self, x):
        h = x
        for k in range(len(self.weights)):
            h = self.layer(k, h)
        return h

    def loss(self, x, y):
        return np.mean((self(x) - y) ** 2) + 0.01 * self.penalty

    @property
    def penalty(self):
        return sum(np.sum(W ** 2) for W in self.weights)


class Params(NamedTuple):
    a: float
    b: np.ndarray


def make_dense(rng, n_in, n_out):
    return Dense(rng.normal(size=(n_out, n_in)) * 0.7, rng.normal(size=n_out) * 0.2)


def sequential(seed=1):
    rng = np.random.default_rng(seed)
    return Sequential(make_dense(rng, 3, 4), Tanh(), make_dense(rng, 4, 2), Act(np.sin, 1.5),
                      make_dense(rng, 2, 2), Act(softplus))


# ---- 1. differentiating methods, callable objects, partials ---------------------------------------

def test_a_bound_method_is_differentiated_with_self_a_constant():
    model = sequential()
    g = srcad.grad(model.loss)(X, Y)
    check_tree_grad(model.loss, (X, Y), 0, g)
    check_forward(model.loss, (X, Y), 0)
    check_hvp(model.loss, (X, Y), 0)
    value, g2 = srcad.value_and_grad(model.loss)(X, Y)
    assert value == pytest.approx(model.loss(X, Y))
    np.testing.assert_allclose(g2, g)


def test_argnums_counts_the_calls_own_arguments():
    model = sequential()
    gx, gy = srcad.grad(model.loss, argnums=(0, 1))(X, Y)
    check_tree_grad(model.loss, (X, Y), 1, gy)
    np.testing.assert_allclose(gx, srcad.grad(model.loss)(X, Y))
    with pytest.raises(srcad.SrcadError, match="argnums=2"):
        srcad.grad(model.loss, argnums=2)


def test_a_callable_object_is_differentiated_as_its_call():
    model = sequential(2)

    def f(x):
        return np.sum(model(x) ** 2)
    check_tree_grad(f, (X,), 0, srcad.grad(f)(X))
    out = srcad.grad(Tanh())(np.array(0.3))  # __call__ of an object, directly
    assert out == pytest.approx(1 - np.tanh(0.3) ** 2)
    value, tangent = srcad.jvp(Act(np.sin, 2.0), (np.array([0.1, 0.7]),), (np.ones(2),))
    np.testing.assert_allclose(tangent, 2.0 * np.cos([0.1, 0.7]))
    whole = srcad.grad(lambda x: np.sum(model(x) ** 2))
    np.testing.assert_allclose(whole(X), srcad.grad(f)(X))


def test_the_gradient_with_respect_to_the_object_is_the_class_function_with_the_object_first():
    model = sequential(3)
    g = srcad.grad(Sequential.loss)(model, X, Y)
    assert type(g) is Sequential and [type(layer) for layer in g.layers] == \
        [type(layer) for layer in model.layers]
    check_tree_grad(Sequential.loss, (model, X, Y), 0, g)
    check_forward(Sequential.loss, (model, X, Y), 0)
    check_hvp(Sequential.loss, (model, X, Y), 0)


def loss_of(x, k, scale=1.0):
    return np.sum(np.sin(x * k)) * scale


def test_a_partial_binds_constants():
    f = functools.partial(loss_of, k=3.0)
    check_tree_grad(f, (X,), 0, srcad.grad(f)(X))
    check_forward(f, (X,), 0)
    check_hvp(f, (X,), 0)
    g = functools.partial(functools.partial(loss_of, X), 2.0)  # x bound: differentiate scale
    assert srcad.grad(g)(0.5) == pytest.approx(np.sum(np.sin(X * 2.0)))
    model = sequential(4)
    bound_y = functools.partial(model.loss, y=Y)  # a partial of a bound method
    check_tree_grad(bound_y, (X,), 0, srcad.grad(bound_y)(X))
    out, vjp_fn = srcad.vjp(bound_y, X)
    assert out == pytest.approx(model.loss(X, Y))
    np.testing.assert_allclose(vjp_fn(1.0)[0], srcad.grad(bound_y)(X))


def test_vjp_jacobians_and_source_of_methods():
    model = sequential(5)
    out, vjp_fn = srcad.vjp(model, X)
    np.testing.assert_allclose(out, model(X))
    J = srcad.jacrev(model)(X)
    J2 = srcad.jacfwd(model)(X)
    np.testing.assert_allclose(J, J2, rtol=1e-10)
    np.testing.assert_allclose(vjp_fn(np.array([1.0, 0.0]))[0], J[0], rtol=1e-10)
    text = srcad.source(srcad.grad(model.loss))  # before any call: the object bound is known
    assert "def grad_Sequential_loss(self, x, y):" in text
    assert "forward_Sequential_call" in text
    assert "def jvp_Sequential_loss(self, x, y, *, x_dot):" in srcad.source(model.loss,
                                                                            mode="forward")
    H = srcad.hessian(model.loss)(X, Y)
    for k, e in enumerate(np.eye(3)):
        np.testing.assert_allclose(H[:, k], srcad.hvp(model.loss)(X, Y, e), rtol=1e-10)


class Cubic:
    def __init__(self, a):
        self.a = a

    def value(self, x):
        return self.a * x ** 3


def test_derivatives_of_derivatives_of_methods_and_partials():
    cubic = Cubic(2.0)
    assert srcad.grad(srcad.grad(cubic.value))(0.5) == pytest.approx(2.0 * 6 * 0.5)
    assert srcad.hessian(cubic.value)(0.5) == pytest.approx(6.0)

    def f(a, x):
        return a ** 3 * np.sin(x)
    inner = functools.partial(srcad.grad(f), 2.0)  # d/da at a = 2, then d/dx of that
    assert srcad.grad(inner)(0.5) == pytest.approx(3 * 4.0 * np.cos(0.5))


def test_vjp_with_respect_to_an_object():
    model = sequential(15)
    out, vjp_fn = srcad.vjp(Sequential.loss, model, X, Y)
    g_model, g_x, _ = vjp_fn(1.0)
    assert type(g_model) is Sequential
    check_tree_grad(Sequential.loss, (model, X, Y), 0, g_model)
    np.testing.assert_allclose(g_x, srcad.grad(model.loss)(X, Y))


class Quadratic:
    def __init__(self, A):
        self.A = A

    @srcad.grad
    def gradient(self, x):  # with respect to self (argument 0, as with jax.grad)
        return 0.5 * x @ self.A @ x

    @functools.partial(srcad.grad, argnums=1)
    def gradient_x(self, x):
        return 0.5 * x @ self.A @ x


def test_grad_as_a_decorator_of_a_method():
    A = np.array([[2.0, 0.5], [0.5, 1.0]])
    q = Quadratic(A)
    x = np.array([0.3, -0.7])
    np.testing.assert_allclose(q.gradient_x(x), A @ x)
    g = q.gradient(x)
    assert type(g) is Quadratic
    np.testing.assert_allclose(g.A, 0.5 * np.outer(x, x))


def test_check_grads_accepts_methods_partials_and_objects():
    model = sequential(6)
    srcad.check_grads(model.loss, (X, Y), order=2, modes=("rev", "fwd"))
    srcad.check_grads(functools.partial(loss_of, k=2.0), (X,), order=2)
    g = srcad.check_grads(Sequential.loss, (model, X, Y), argnums=0)  # an object, leaf by leaf
    assert type(g) is Sequential


@srcad.custom_vjp
def wrong_square(v):
    return v ** 2


wrong_square.defvjp(lambda g, ans, v: (g * 3.0 * v,))  # wrong on purpose: 3v, not 2v


class Wrong:
    def __init__(self, w):
        self.w = w

    def __call__(self, x):
        return np.sum(wrong_square(self.w * x))


def test_check_grads_names_a_wrong_line_inside_a_method():
    with pytest.raises(srcad.GradientCheckError, match="argument 0.w") as info:
        srcad.check_grads(call_loss, (Wrong(np.array([0.5, -1.0, 2.0])), X), argnums=0)
    assert "return np.sum(wrong_square(self.w * x))" in str(info.value), str(info.value)


# ---- 2. attribute reads on parameters: pytrees ------------------------------------------------------

@dataclasses.dataclass
class Affine:
    a: float
    b: np.ndarray
    name: str = "affine"  # no gradient: left as it is
    count: int = 3        # a number: differentiated as an int argument is


@dataclasses.dataclass(frozen=True)
class Frozen:
    w: np.ndarray
    scale: float


class Point:
    """A class registered with srcad.register_pytree: children (x, y), aux (label, weight)."""

    def __init__(self, x, y, label="p", weight=2.0):
        self.x, self.y, self.label, self.weight = x, y, label, weight


srcad.register_pytree(Point, lambda p: ((p.x, p.y), (p.label, p.weight)),
                      lambda aux, children: Point(*children, *aux))


class Plain:
    """No dataclass, no registration: its attributes are its structure."""

    def __init__(self, w, c):
        self.w, self.c = w, c

    shift = 0.5  # a class attribute: a constant


def affine(p, x):
    return np.sum(np.sin(p.a * x + p.b) * p.count)


def named(p, x):
    return np.sum(p.a * np.cos(p.b * x))


def namespace(p, x):
    return np.sum(p.w @ x) * p.s ** 2


def frozen(p, x):
    return np.sum(np.tanh(p.w * x) * p.scale)


def point(p, x):
    return np.sum(p.x * x ** 2 + np.exp(p.y * x)) * p.weight


def plain(p, x):
    return np.sum((p.w + Plain.shift + p.shift) * x) * p.c ** 2


def nested(tree, x):
    inner = tree["layers"][1]
    total = tree["scale"].a * np.sum(inner.b * x)
    for q in tree["points"]:
        total = total + point(q, x)
    return total + named(tree["pair"][0], x) * tree["pair"][1]


def unread(p, x):
    return np.sum(p.b * x)  # p.a never read: its gradient is zero


PYTREE_CASES = {
    "dataclass": (affine, lambda: Affine(0.7, np.array([0.1, -0.3, 0.2]))),
    "named tuple": (named, lambda: Params(0.4, np.array([1.0, -2.0, 0.5]))),
    "SimpleNamespace": (namespace, lambda: types.SimpleNamespace(w=RNG.normal(size=(2, 3)),
                                                                s=1.3)),
    "frozen dataclass": (frozen, lambda: Frozen(np.array([0.3, 0.2, -0.1]), 2.0)),
    "registered": (point, lambda: Point(np.array([0.5, -0.5, 0.1]), 0.3)),
    "plain instance": (plain, lambda: Plain(np.array([0.2, 0.1, 0.0]), 0.9)),
    "nested and mixed": (nested, lambda: {
        "scale": Affine(1.5, np.zeros(3)),
        "layers": [Dense(np.eye(3), np.zeros(3)), Params(0.1, np.array([0.2, 0.4, -0.1]))],
        "points": (Point(np.ones(3), 0.1), Point(np.array([0.2, 0.0, -0.3]), -0.2)),
        "pair": (Params(0.3, np.array([0.5, 0.5, 1.0])), 0.8)}),
    "unread attribute": (unread, lambda: Affine(0.7, np.array([0.1, -0.3, 0.2]))),
}


@pytest.mark.parametrize("case", PYTREE_CASES, ids=list(PYTREE_CASES))
def test_gradient_with_respect_to_a_pytree_has_its_structure(case):
    f, make = PYTREE_CASES[case]
    p = make()
    gp, gx = check_all(f, (p, X), ks=(0, 1))
    assert type(gp) is type(p)


@dataclasses.dataclass
class Box:
    a: object
    b: object


class Duo(NamedTuple):
    first: object
    second: object


def _random_tree(rng, depth):
    """A random nesting of dataclasses, named tuples, namespaces, dicts, lists and tuples, with
    number and array leaves (and a string here and there)."""
    if depth == 0 or rng.uniform() < 0.25:
        return float(rng.normal()) if rng.uniform() < 0.4 else rng.normal(size=int(
            rng.integers(1, 4)))
    def child():
        return _random_tree(rng, depth - 1)
    kind = int(rng.integers(0, 6))
    if kind == 0:
        return Box(child(), child())
    if kind == 1:
        return Duo(child(), child())
    if kind == 2:
        return types.SimpleNamespace(u=child(), v=child(), tag="t")
    if kind == 3:
        return {"k": child(), "j": child()}
    if kind == 4:
        return [child(), child()]
    return (child(), child())


def _paths_as_code(x, code="p"):
    """The Python expressions that read each float leaf of ``x`` from ``p``."""
    found = []
    for path, _ in leaves(x):
        expr = code
        for kind, key in path:
            expr += f".{key}" if kind == "attr" else f"[{key!r}]"
        found.append(expr)
    return found


@pytest.mark.parametrize("seed", range(10))
def test_random_nestings_of_pytrees(seed):
    rng = np.random.default_rng(seed)
    tree = Duo(_random_tree(rng, 3), _random_tree(rng, 2))
    paths = _paths_as_code(tree)
    terms = " + ".join(f"np.sum(np.sin({e} * x[{k % 3}]) * {k + 1.0})"
                       for k, e in enumerate(paths))
    from gradcheck import make_function
    f = make_function(f"def f(p, x):\n    return {terms}\n", {})
    gp, gx = check_all(f, (tree, X), ks=(0, 1))
    assert type(gp) is type(tree)


def test_what_carries_no_gradient_is_left_as_it_is():
    p = Affine(0.7, np.array([0.1, -0.3, 0.2]), name="first", count=4)
    g = srcad.grad(affine)(p, X)
    assert g.name == "first"
    g = srcad.grad(unread)(p, X)
    assert g.a == 0.0 and g.count == 0.0 and g.name == "first"
    g = srcad.grad(point)(Point(np.ones(3), 0.5, label="q", weight=3.0), X)
    assert g.label == "q" and g.weight == 3.0  # aux data: kept, no gradient
    seq = sequential()
    g = srcad.grad(Sequential.loss)(seq, X, Y)
    assert g.layers[3].fn is np.sin and g.layers[5].fn is softplus  # functions: as they were
    assert g.layers[3].scale == pytest.approx(get(srcad.grad(Sequential.loss)(seq, X, Y),
                                                  [("attr", "layers"), ("item", 3),
                                                   ("attr", "scale")]))


def test_the_same_object_twice_gets_a_gradient_per_place():
    shared = make_dense(np.random.default_rng(7), 3, 3)
    model = Sequential(shared, Tanh(), shared)
    g = srcad.grad(Sequential.loss)(model, X, Y[:1].repeat(3))
    total = g.layers[0].W + g.layers[2].W  # one array in two places: the sum is its derivative
    expected = numeric(lambda W: Sequential.loss(
        Sequential(Dense(W, shared.b), Tanh(), Dense(W, shared.b)), X, Y[:1].repeat(3)),
        (shared.W,), 0, ())
    np.testing.assert_allclose(total, expected, rtol=1e-5, atol=1e-7)


# ---- 3. calls of methods, callable objects, properties, super() inside ------------------------------

@dataclasses.dataclass
class Scaled(Dense):
    """A subclass calling its parent's __call__ through super()."""

    scale: float = 1.0

    def __call__(self, h):
        return super().__call__(h) * self.scale

    @property
    def effective(self):
        return self.W * self.scale


class Residual:
    def __init__(self, inner):
        self.inner = inner

    def __call__(self, h):
        return h + self.inner(h)  # an attribute holding a layer


class Block(Sequential):
    """A Sequential with a method of its own, a static method and a property."""

    @staticmethod
    def squash(v):
        return v / (1.0 + v ** 2)

    def features(self, x):
        return self.squash(self(x))

    @property
    def depth(self):
        return len(self.layers)

    def loss(self, x, y):
        return np.sum((self.features(x) - y) ** 2) / self.depth + super().loss(x, y)


def mlp_loss(model, x, y):
    return model.loss(x, y)


def layers_loss(layers, x):
    h = x
    for layer in layers:
        if np.sum(h) > 0.0:
            h = layer(h)
        else:
            h = layer(h) * 0.5
    return np.sum(h ** 2)


def functions_loss(fns, x):
    total = 0.0
    for fn in fns:
        total = total + np.sum(fn(x))
    return total


def scaled_loss(layer, x):
    return np.sum(layer(x) ** 2) + np.sum(layer.effective)


def block_loss(block, x, y):
    return block.loss(x, y)


def residual_loss(model, x):
    return np.sum(model(x) ** 2)


def made_inside(x, W):
    layer = Dense(np.eye(3) * 0.5, np.ones(3))  # an object the function makes: its class is known
    return np.sum(layer(x * W[0]) ** 2)


GLOBAL_MODEL = Sequential(make_dense(np.random.default_rng(11), 3, 2), Tanh())


def global_model_loss(x):
    return np.sum(GLOBAL_MODEL(x) ** 2) + np.sum(GLOBAL_MODEL.layers[0](x))


def make_closure_loss(model):
    def loss(x):
        return np.sum(model(x) ** 2)
    return loss


def _scaled(seed=12):
    rng = np.random.default_rng(seed)
    return Scaled(rng.normal(size=(2, 3)), rng.normal(size=2), 1.7)


CALL_CASES = {
    "an MLP class (methods, a property, lists of weights)": (
        mlp_loss, lambda: (MLP(np.random.default_rng(3), [3, 4, 2]), X, Y), (0, 1)),
    "layers of several classes, in a branch": (
        layers_loss, lambda: (sequential(8).layers, X), (0, 1)),
    "a list of functions": (functions_loss, lambda: ([np.sin, softplus, np.tanh], X), (1,)),
    "super().__call__ and a property": (scaled_loss, lambda: (_scaled(), X), (0, 1)),
    "a static method, super().loss, a property": (
        block_loss, lambda: (Block(make_dense(np.random.default_rng(4), 3, 2), Tanh(),
                                   Act(np.cos, 0.5)), X, Y), (0, 1, 2)),
    "an attribute holding a layer": (
        residual_loss, lambda: (Residual(Sequential(make_dense(np.random.default_rng(5), 3, 3),
                                                    Tanh())), X), (0, 1)),
    "an object made inside": (made_inside, lambda: (X, RNG.normal(size=(3, 3))), (0, 1)),
}


@pytest.mark.parametrize("case", CALL_CASES, ids=list(CALL_CASES))
def test_calls_of_objects_inside_are_differentiated(case):
    f, make, ks = CALL_CASES[case]
    check_all(f, make(), ks)


def test_a_global_object_and_a_closure_over_one():
    check_all(global_model_loss, (X,))
    loss = make_closure_loss(sequential(9))
    check_all(loss, (X,))


def test_a_layer_called_twice_in_a_loop_and_the_same_object_in_two_places():
    layer = make_dense(np.random.default_rng(13), 3, 3)

    def f(model, x):
        h = x
        for _ in range(3):
            h = np.tanh(model(h))
        return np.sum(h)
    check_all(f, (layer, X), (0, 1))
    check_all(layers_loss, ([layer, Tanh(), layer], X), (1,))


def enumerate_zip_dict(layers, blocks, x):
    h = x
    for k, layer in enumerate(layers):
        h = layer(h) * (k + 1.0)
    for layer, w in zip(layers[:1], [2.0]):
        h = np.concatenate([h, w * np.sum(layer(x), keepdims=True)])[:2]
    return np.sum(blocks["a"](h) ** 2)


def isinstance_in_user_code(layers, x):
    h = x
    for layer in layers:
        if isinstance(layer, Dense):
            h = np.tanh(layer.W @ h) + layer.b[0]  # (layer narrowed to a Dense here)
        else:
            h = layer(h)
    return np.sum(h ** 2)


class Node:
    """A tree: a method calling itself on the children, which may be None."""

    def __init__(self, v, left=None, right=None):
        self.v, self.left, self.right = v, left, right

    def total(self, x):
        s = self.v * np.sum(np.sin(x * self.v))
        if self.left is not None:
            s = s + self.left.total(x)
        if self.right is not None:
            s = s + self.right.total(x)
        return s


@dataclasses.dataclass
class Linear:
    W: np.ndarray
    bias: object = None  # optional

    def __call__(self, h):
        h = self.W @ h
        if self.bias is not None:
            h = h + self.bias.scale * h  # (a method of None would fail: decided before running)
        return h


class Pair(NamedTuple):
    act: object
    dense: object


def namedtuple_of_layers(p, x):
    return np.sum(p.act(p.dense(x)) ** 2) + np.sum(p[1].b)


class WithClassMethod:
    def __init__(self, s):
        self.s = s

    @classmethod
    def base(cls, x):
        return np.sin(x)

    def __call__(self, x):
        return self.base(x) * self.s


def call_loss(model, x):
    return np.sum(model(x) ** 2)


def write_into_a_copy_of_an_attribute(layer, x):
    W = layer.W * 1.0
    W[0] = x
    return np.sum(W @ x)


MORE_CASES = {
    "enumerate, zip, a dict of layers": (
        enumerate_zip_dict, lambda: (sequential(3).layers,
                                     {"a": make_dense(np.random.default_rng(1), 2, 2)}, X),
        (0, 1, 2)),
    "isinstance in the user's code": (isinstance_in_user_code, lambda: (sequential(4).layers, X),
                                      (0, 1)),
    "a recursive method over a tree": (
        Node.total, lambda: (Node(1.5, Node(0.5), Node(2.0, Node(0.1))), X), (0, 1)),
    "an optional attribute, None and not": (
        call_loss, lambda: ([Linear(RNG.normal(size=(3, 3))),
                             Linear(RNG.normal(size=(3, 3)), Affine(0.5, np.zeros(3)))][0], X),
        (0, 1)),
    "an optional attribute that is set": (
        call_loss, lambda: (Linear(RNG.normal(size=(3, 3)), types.SimpleNamespace(scale=0.5)), X),
        (0, 1)),
    "a named tuple of layers": (
        namedtuple_of_layers, lambda: (Pair(Tanh(), make_dense(np.random.default_rng(2), 3, 3)),
                                       X), (0, 1)),
    "a classmethod": (call_loss, lambda: (WithClassMethod(2.0), X), (0, 1)),
    "a copy of an attribute written into": (write_into_a_copy_of_an_attribute,
                                            lambda: (make_dense(np.random.default_rng(2), 3, 3), X),
                                            (0, 1)),
}


@pytest.mark.parametrize("case", MORE_CASES, ids=list(MORE_CASES))
def test_more_ways_of_writing_objects(case):
    f, make, ks = MORE_CASES[case]
    check_all(f, make(), ks)


def test_writing_into_an_attributes_array_is_refused_or_right():
    # W is the layer's own array: writing into it changes the caller's object (srcad refuses
    # what it cannot differentiate as written, never differentiates it wrong)
    def f(layer, x):
        W = layer.W
        W[0] = x
        return np.sum(W @ x)
    layer = make_dense(np.random.default_rng(2), 3, 3)
    try:
        g = srcad.grad(f, argnums=1)(copy.deepcopy(layer), X)
    except srcad.SrcadError as error:
        assert error.location is not None
        return
    np.testing.assert_allclose(g, numeric(lambda x: f(copy.deepcopy(layer), x), (X,), 0, ()),
                               rtol=1e-5)


def test_debug_nans_and_export_with_objects(tmp_path):
    model = sequential(14)
    g = srcad.grad(Sequential.loss, debug_nans=True)
    check_tree_grad(Sequential.loss, (model, X, Y), 0, g(model, X, Y))
    bad = copy.deepcopy(model)
    bad.layers[0].W[0, 0] = np.nan
    with pytest.raises(srcad.NonFiniteError):
        g(bad, X, Y)
    # export imports only module-level functions: the methods the code calls are refused, located
    with pytest.raises(srcad.SrcadError, match="a method") as info:
        srcad.export(srcad.grad(model.loss), str(tmp_path / "exported.py"))
    assert info.value.location is not None


# ---- 4. refusals, at the user's line ---------------------------------------------------------------

def pick(layers):
    chosen = []
    chosen.append(layers[0])  # (a list changed by a method: srcad does not follow its entries)
    return chosen[0]


def unknown_class(layers, x):
    layer = pick(layers)
    return np.sum(layer(x))  # REFUSED: what a call returned


class Builtin:
    __call__ = np.tanh  # not a Python function: srcad cannot read it
    apply = staticmethod(np.exp)


def builtin_call(x):
    b = Builtin()
    return np.sum(b(x))  # REFUSED: a ufunc


def builtin_method(x):
    b = Builtin()
    return np.sum(b.apply(x))  # REFUSED: a staticmethod of a ufunc


@dataclasses.dataclass
class Derived:
    w: np.ndarray

    def __post_init__(self):
        self.w2 = self.w * 2.0  # not a field: made from one

    @property
    def doubled(self):
        return self.w * 2.0


def non_field(p, x):
    return np.sum(p.w2 * x)  # REFUSED: not a field


def property_of_unknown_class(p, x):
    q = pick([p])
    return np.sum(q.doubled * x)  # REFUSED: a property of an object srcad did not know


class Vector:
    def __init__(self, v):
        self.v = v

    def __add__(self, other):
        return Vector(self.v + other.v)

    def __radd__(self, other):
        return Vector(self.v + other)


def operator_on_object(p, x):
    q = 1.0 + p  # REFUSED: a reflected operator (an array on the left would not defer to it)
    return np.sum(q.v * x)


def method_as_value(p, x):
    m = p.loss  # REFUSED: a method as a value
    return m(x, Y)  # REFUSED: (reverse mode meets this line first)


def missing_method(p, x):
    return np.sum(p.transform(x))  # REFUSED: no such method


class Registered:
    def __init__(self, w, tag):
        self.w, self.tag, self.extra = w, tag, w * 3.0


srcad.register_pytree(Registered, lambda r: ((r.w,), r.tag),
                      lambda tag, children: Registered(children[0], tag))


def registered_extra(r, x):
    return np.sum(r.extra * x)  # REFUSED: neither a child nor aux


class Cached:
    def __init__(self, w):
        self.w = w

    @functools.cached_property
    def squared(self):
        return self.w ** 2


def cached(c, x):
    return np.sum(c.squared * x)  # REFUSED: a cached property


REFUSALS = {
    "object of unknown class": (unknown_class, lambda: ([make_dense(RNG, 3, 2)], X), 1),
    "a ufunc as __call__": (builtin_call, lambda: (X,), 0),
    "a staticmethod of a ufunc": (builtin_method, lambda: (X,), 0),
    "a dataclass attribute that is not a field": (non_field, lambda: (Derived(X.copy()), X), 0),
    "a property of an object srcad did not know": (property_of_unknown_class,
                                                  lambda: (Derived(X.copy()), X), 0),
    "an operator of a class": (operator_on_object, lambda: (Vector(X.copy()), X), 0),
    "a method as a value": (method_as_value, lambda: (sequential(), X), 1),
    "a method the class does not have": (missing_method, lambda: (sequential(), X), 1),
    "a registered class's attribute that is not a child": (
        registered_extra, lambda: (Registered(X.copy(), "t"), X), 0),
    "a cached property": (cached, lambda: (Cached(X.copy()), X), 0),
}


@pytest.mark.parametrize("case", REFUSALS, ids=list(REFUSALS))
def test_what_srcad_cannot_resolve_is_refused_at_its_line(case):
    f, make, k = REFUSALS[case]
    args = make()
    if case == "a cached property":
        args[0].squared  # (computed once: now in the object's __dict__)
    refused_at(lambda: srcad.grad(f, argnums=k)(*args), "REFUSED", f)
    tangents = [None] * len(args)
    tangents[k] = copy.deepcopy(args[k]) if not isinstance(args[k], np.ndarray) \
        else np.ones_like(args[k])
    refused_at(lambda: srcad.jvp(f, args, tangents), "REFUSED", f)


def changes_an_object(model, x):
    _ = setattr(model, "layers", [])  # REFUSED: the object changed while the function runs
    return model.loss(x, Y)


def test_changing_an_object_srcad_resolved_is_refused():
    refused_at(lambda: srcad.grad(changes_an_object, argnums=1)(sequential(), X), "REFUSED",
               changes_an_object, srcad.UnsupportedSyntaxError)


def test_no_gradient_through_an_unresolved_call_is_no_refusal():
    # (a call srcad cannot see into is refused only where a gradient would flow through it)
    def f(layers, x):
        layer = pick(layers)
        scale = np.sum(layer(srcad.stop_gradient(x)))  # (it may change what it is passed)
        return scale * np.sum(x ** 2)
    layers = [make_dense(RNG, 3, 2)]
    g = srcad.grad(f, argnums=1)(layers, X)
    scale = np.sum(layers[0](X))  # (a constant to srcad: stop_gradient)
    np.testing.assert_allclose(g, numeric(lambda x: scale * np.sum(x ** 2), (X,), 0, ()),
                               rtol=1e-5)


# ---- 5. what changes between calls ----------------------------------------------------------------

def test_layers_of_other_classes_next_call():
    g = srcad.grad(layers_loss, argnums=(0, 1))
    first = [make_dense(np.random.default_rng(1), 3, 3), Tanh()]
    second = [Tanh(), Act(np.cos, 2.0), make_dense(np.random.default_rng(2), 3, 2)]
    for layers in (first, second, first):
        gl, gx = g(layers, X)
        check_tree_grad(layers_loss, (layers, X), 0, gl)
        check_tree_grad(layers_loss, (layers, X), 1, gx)


def test_an_attribute_holding_another_function_next_call():
    layer = Act(np.sin, 1.0)
    g = srcad.grad(residual_loss, argnums=1)
    np.testing.assert_allclose(g(layer, X), numeric(residual_loss, (layer, X), 1, ()), rtol=1e-5)
    layer.fn = np.cos
    np.testing.assert_allclose(g(layer, X), numeric(residual_loss, (layer, X), 1, ()), rtol=1e-5)


def test_a_global_object_changed_and_a_method_redefined():
    g = srcad.grad(global_model_loss)
    check_tree_grad(global_model_loss, (X,), 0, g(X))
    old = GLOBAL_MODEL.layers[1]
    try:
        GLOBAL_MODEL.layers[1] = Act(np.sin, 3.0)  # another class where Tanh was
        check_tree_grad(global_model_loss, (X,), 0, g(X))
    finally:
        GLOBAL_MODEL.layers[1] = old
    original = Tanh.__call__
    try:
        Tanh.__call__ = lambda self, h: np.sin(h) * 2.0
        check_tree_grad(global_model_loss, (X,), 0, g(X))
    finally:
        Tanh.__call__ = original
    check_tree_grad(global_model_loss, (X,), 0, g(X))


# ---- 6. the generated code ---------------------------------------------------------------------------

GOLDEN_MODEL = Sequential(make_dense(np.random.default_rng(21), 3, 2), Tanh(), Act(np.sin, 2.0))


def test_golden_source_of_a_method():
    """``srcad.grad(model.loss)``: the method, the layers' calls dispatched on their classes.
    Set SRCAD_UPDATE_GOLDEN=1 to rewrite tests/golden/method_sequential_loss.py after an intended
    change, then review the diff."""
    goldens.check("method_sequential_loss", srcad.source(srcad.grad(GOLDEN_MODEL.loss)))
    check_tree_grad(GOLDEN_MODEL.loss, (X, Y), 0, srcad.grad(GOLDEN_MODEL.loss)(X, Y))
