"""Objects built inside the differentiated function (issue #15): ``Quad(A)``, ``P(a=x, b=2*x)``,
``[Dense(W, b) for W, b in params]``, ``Model.create(W)``, operator methods (``Vec(x) + Vec(y)``),
``__getitem__``, ``p._replace(a=...)``, ``dataclasses.replace(p, a=...)``, ``super().__init__``.

Every gradient is checked against central differences (reverse mode, ``check_grad``), forward mode
along a random direction against differences of the function (``check_jvp``), and Hessian-vector
products against differences of ``srcad.grad`` (``check_hvp``); a few against autograd running the
same source. What srcad cannot prove right is refused with a SrcadError at the user's line.
"""

from __future__ import annotations

import dataclasses
import inspect
import pickle
from typing import NamedTuple

import numpy as np
import pytest

import srcad
from gradcheck import check_grad
from rulecheck import check_hvp, check_jvp

RNG = np.random.default_rng(7)
A = RNG.normal(size=(3, 3))
X = RNG.normal(size=3)
PARAMS = [(RNG.normal(size=(3, 3)) * 0.5, RNG.normal(size=3) * 0.5) for _ in range(2)]


def check_all(f, args, ks=(0,)):
    """Reverse (central differences), forward (directional differences), HVP (differences of
    srcad.grad) with respect to each of ``ks``."""
    check_grad(f, list(args), argnums=tuple(ks))
    check_jvp(f, list(args), tuple(ks))
    for k in ks:
        check_hvp(f, list(args), k)


def refused_at(thunk, fn, marker="# REFUSED", error=srcad.SrcadError):
    """``thunk()`` raises ``error`` located at the line of ``fn`` holding ``marker``."""
    with pytest.raises(error) as info:
        thunk()
    location = info.value.location
    assert location is not None, str(info.value)
    lines, first = inspect.getsourcelines(fn)
    expected = [first + k for k, line in enumerate(lines) if marker in line]
    assert location.lineno in expected, (str(info.value), expected)
    return info.value


# ---- the review's forms ---------------------------------------------------------------------------

class Quad:
    def __init__(self, A):
        self.A = A

    @property
    def sym(self):
        return 0.5 * (self.A + self.A.T)

    def energy(self, x):
        return x @ self.sym @ x


def property_loss(A, x):
    q = Quad(A)
    return q.energy(x)


class Seq:
    def __init__(self, items):
        self.items = items

    def __getitem__(self, i):
        return self.items[i]

    def __len__(self):
        return len(self.items)


def getitem_class(x):
    s = Seq([x[0], x[1] ** 2, x[2] * 3])
    return sum(s[i] * (i + 1) for i in range(len(s)))


class Vec:
    def __init__(self, v):
        self.v = v

    def __add__(self, o):
        return Vec(self.v + o.v)

    def __mul__(self, c):
        return Vec(self.v * c)

    def scaled(self, c):
        return Vec(self.v * c)  # a method returning a new object

    def norm2(self):
        return np.sum(self.v ** 2)


def vec_loss(x):
    return (Vec(x) + Vec(x * 2) * 0.5).norm2()


@dataclasses.dataclass
class Dense:
    W: np.ndarray
    b: np.ndarray

    def __call__(self, h):
        return np.tanh(h @ self.W + self.b)


def mlp(params, x):
    layers = [Dense(W, b) for W, b in params]
    h = x
    for layer in layers:
        h = layer(h)
    return np.sum(h ** 2)


def mlp_flat(W1, b1, W2, b2, x):
    return mlp([(W1, b1), (W2, b2)], x)


class Model:
    def __init__(self, W):
        self.W = W

    @classmethod
    def create(cls, W):
        return cls(W * 2.0)

    def __call__(self, x):
        return np.sum(np.sin(self.W @ x))


def classmethod_loss(W, x):
    m = Model.create(W)
    return m(x)


class P(NamedTuple):
    a: object
    b: object
    c: float = 3.0


def namedtuple_loss(x):
    p = P(a=x, b=2 * x)
    first, second, third = p
    return np.sum(p.a * p.b) + np.sum(p[0] ** 3) * p.c + np.sum(first * second) * third


@dataclasses.dataclass
class Pair:
    a: np.ndarray
    b: np.ndarray
    scale: float = 2.0


def dataclass_loss(x):
    p = Pair(x, np.sin(x))
    return np.sum(p.a * p.b) * p.scale


def replace_loss(x, y):
    p = Pair(a=x, b=x ** 2)
    q = dataclasses.replace(p, a=y * 3.0)
    return np.sum(q.a * q.b) + np.sum(p.a)


def namedtuple_replace_loss(x, y):
    p = P(x, y)
    q = p._replace(b=p.a * y)
    return np.sum(q.a * q.b * q.c)


@pytest.mark.parametrize("f, args, ks", [
    (property_loss, (A, X), (0, 1)),
    (getitem_class, (X,), (0,)),
    (vec_loss, (X,), (0,)),
    (mlp_flat, (*PARAMS[0], *PARAMS[1], X), (0, 1, 2, 3, 4)),
    (classmethod_loss, (A, X), (0, 1)),
    (namedtuple_loss, (X,), (0,)),
    (dataclass_loss, (X,), (0,)),
    (replace_loss, (X, X[::-1].copy()), (0, 1)),
    (namedtuple_replace_loss, (X, X[::-1].copy()), (0, 1)),
], ids=lambda v: getattr(v, "__name__", None))
def test_objects_built_inside_are_differentiated(f, args, ks):
    check_all(f, args, ks)


def test_the_gradient_flows_through_a_list_of_parameter_pairs():
    # the list argument itself: its gradient has its structure, each pair's entries checked
    g = srcad.grad(mlp)(PARAMS, X)
    flat = srcad.grad(mlp_flat, argnums=(0, 1, 2, 3))(*PARAMS[0], *PARAMS[1], X)
    for got, expected in zip([g[0][0], g[0][1], g[1][0], g[1][1]], flat):
        np.testing.assert_allclose(got, expected, rtol=1e-12)


AUTOGRAD_SOURCE = '''
class Quad:
    def __init__(self, A):
        self.A = A
    @property
    def sym(self):
        return 0.5 * (self.A + self.A.T)
    def energy(self, x):
        return x @ self.sym @ x

class Vec:
    def __init__(self, v):
        self.v = v
    def __add__(self, o):
        return Vec(self.v + o.v)
    def __mul__(self, c):
        return Vec(self.v * c)
    def norm2(self):
        return np.sum(self.v ** 2)

class Dense:
    def __init__(self, W, b):
        self.W, self.b = W, b
    def __call__(self, h):
        return np.tanh(np.dot(h, self.W) + self.b)

def loss(A, x):
    q = Quad(A)
    layers = [Dense(W, b) for W, b in [(A, x), (A.T, x * 2)]]
    h = x
    for layer in layers:
        h = layer(h)
    return q.energy(x) + (Vec(h) + Vec(x) * 0.5).norm2()
'''


def _define(source, np_module):
    import linecache
    name = f"<srcad-built-{np_module.__name__}>"
    linecache.cache[name] = (len(source), None, source.splitlines(keepends=True), name)
    namespace = {"np": np_module, "__name__": f"built_{np_module.__name__.replace('.', '_')}"}
    exec(compile(source, name, "exec"), namespace)
    return namespace["loss"]


def test_autograd_running_the_same_code_agrees():
    autograd = pytest.importorskip("autograd")
    import autograd.numpy as anp
    ours = srcad.grad(_define(AUTOGRAD_SOURCE, np), argnums=(0, 1))(A, X)
    theirs = autograd.grad(_define(AUTOGRAD_SOURCE, anp), argnum=[0, 1])(A, X)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


# ---- adversarial forms ----------------------------------------------------------------------------

def built_in_a_loop(x):
    v = Vec(x)
    for k in range(3):
        v = v * 0.5 + Vec(x ** 2).scaled(k + 1.0)
    return v.norm2()


def built_in_a_branch(A, x):
    if np.sum(x) > 0:
        q = Quad(A)
    else:
        q = Quad(A * A)
    return q.energy(x)


def stored_in_a_list(W, b, x):
    layers = []
    for k in range(3):
        layers.append(Dense(W * (k + 1.0), b))
    h = x
    for layer in layers:
        h = layer(h)
    return np.sum(h * x)


def from_another_objects_attributes(A, x):
    q = Quad(A)
    r = Quad(q.A @ q.A.T + q.sym)
    return r.energy(x) + q.energy(x)


def same_class_passed_in(q0, A, x):
    q = Quad(q0.A + A)
    return q.energy(x) * q0.energy(x)


class Unit:
    def __init__(self, v, scale=1.0):
        n = np.sqrt(np.sum(v ** 2))  # a local computed first
        self.u = v / n
        self.u += 0.0 * scale
        self.n = n * scale

    def dot(self, w):
        return np.sum(self.u * w) * self.n


class Base:
    def __init__(self, A, shift=0.5):
        self.A = A
        self.shift = shift


class Derived(Base):
    def __init__(self, A, c):
        super().__init__(A * c)
        self.c = c

    def value(self, x):
        return np.sum((self.A @ x) ** 2) * self.c + self.shift


def locals_and_super(A, x, c):
    u = Unit(x, scale=2.0)
    d = Derived(A, c)
    return u.dot(x[::-1]) + d.value(x)


@dataclasses.dataclass
class Act:
    fn: object
    W: np.ndarray

    def __call__(self, h):
        return self.fn(self.W @ h)


class Net:
    def __init__(self, layers):
        self.layers = layers

    def __call__(self, h):
        for layer in self.layers:
            h = layer(h)
        return h


def nested_objects(W, x):
    net = Net([Act(np.tanh, W), Act(np.sin, W.T)])
    return np.sum(net(x) ** 2)


def passed_to_a_function(A, x):
    return energy_of(Quad(A), x)


def energy_of(q, x):
    return q.energy(x) + np.sum(q.A)


class Deferring:
    __array_ufunc__ = None  # (NumPy arrays defer to the reflected methods)

    def __init__(self, v):
        self.v = v

    def __rmul__(self, c):
        return Deferring(self.v * c)

    def __neg__(self):
        return Deferring(-self.v)


def reflected_operator(x):
    d = -(2.0 * Deferring(x))
    return np.sum(d.v ** 3)


def either_class(W, x):
    if np.sum(x) > 0:
        layer = Dense(W, x)
    else:
        layer = Act(np.tanh, W)
    return np.sum(layer(x) ** 2)


def two_objects_one_array(A, x):
    q1 = Quad(A)
    q2 = Quad(A)
    return q1.energy(x) * q2.energy(x)


def objects_in_a_dict(A, x):
    d = {"q": Quad(A), "v": Vec(x)}
    return d["q"].energy(x) + d["v"].norm2()


def make_quad(A):
    return Quad(A @ A)


def built_by_a_function(A, x):
    return make_quad(A).energy(x)


class Window:
    def __init__(self, v):
        self.v = v

    def __getitem__(self, index):
        return self.v[index] * 2.0


def sliced_object(x):
    w = Window(x ** 2)
    return np.sum(w[1:] * w[:-1]) + w[0] * w[-1]


def comprehension_of_methods(x):
    vs = [Vec(x * k) for k in range(3)]
    ws = [v.scaled(2.0) for v in vs]
    return sum(w.norm2() for w in ws)


@pytest.mark.parametrize("f, args, ks", [
    (reflected_operator, (X,), (0,)),
    (either_class, (A, X), (0, 1)),
    (either_class, (A, -np.abs(X)), (0, 1)),
    (two_objects_one_array, (A, X), (0, 1)),
    (objects_in_a_dict, (A, X), (0, 1)),
    (built_by_a_function, (A, X), (0, 1)),
    (comprehension_of_methods, (X,), (0,)),
    (sliced_object, (X,), (0,)),
    (built_in_a_loop, (X,), (0,)),
    (built_in_a_branch, (A, X), (0, 1)),
    (built_in_a_branch, (A, -np.abs(X)), (0, 1)),
    (stored_in_a_list, (A * 0.3, X, X), (0, 1, 2)),
    (from_another_objects_attributes, (A, X), (0, 1)),
    (locals_and_super, (A, X, 1.5), (0, 1, 2)),
    (nested_objects, (A, X), (0, 1)),
    (passed_to_a_function, (A, X), (0, 1)),
], ids=lambda v: getattr(v, "__name__", None))
def test_adversarial_forms(f, args, ks):
    check_all(f, args, ks)


def test_the_same_class_passed_in_and_built():
    q0 = Quad(A.T.copy())
    g = srcad.grad(same_class_passed_in, argnums=(0, 1, 2))(q0, A, X)
    eps = 1e-6
    for k, arr in ((1, A), (2, X)):
        numeric = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            e = np.zeros_like(arr)
            e[idx] = eps
            args_p = [q0, A, X]
            args_m = [q0, A, X]
            args_p[k], args_m[k] = arr + e, arr - e
            numeric[idx] = (same_class_passed_in(*args_p) - same_class_passed_in(*args_m)) / (2 * eps)
        np.testing.assert_allclose(g[k], numeric, rtol=1e-5, atol=1e-6)
    numeric = np.zeros_like(A)
    for idx in np.ndindex(A.shape):
        e = np.zeros_like(A)
        e[idx] = eps
        numeric[idx] = (same_class_passed_in(Quad(q0.A + e), A, X)
                        - same_class_passed_in(Quad(q0.A - e), A, X)) / (2 * eps)
    assert isinstance(g[0], Quad)
    np.testing.assert_allclose(g[0].A, numeric, rtol=1e-5, atol=1e-6)


def test_values_changing_between_calls():
    g = srcad.grad(property_loss, argnums=(0, 1))
    for seed in range(3):
        rng = np.random.default_rng(seed)
        A_, x_ = rng.normal(size=(3, 3)), rng.normal(size=3)
        for got, k in zip(g(A_, x_), (0, 1)):
            np.testing.assert_allclose(got, check_grad(property_loss, [A_, x_], argnums=k),
                                       rtol=1e-12)
    # the object built is a fresh one at every call: the argument is never changed
    A_ = A.copy()
    srcad.grad(property_loss)(A_, X)
    np.testing.assert_array_equal(A_, A)


def test_an_object_built_without_a_gradient_is_the_classes_own():
    # no gradient flows into the constructor: the class is called as Python would
    def f(x):
        q = Quad(np.eye(3))
        return q.energy(x)
    check_all(f, (X,), (0,))


# ---- what is refused, at the user's line ----------------------------------------------------------

class CallsAMethod:
    def __init__(self, A):
        self.A = A
        self.check()

    def check(self):
        pass

    def total(self):
        return np.sum(self.A)


def r_init_calls_a_method(A):
    q = CallsAMethod(A)  # REFUSED
    return q.total()


class Slotted:
    __slots__ = ("A",)

    def __init__(self, A):
        self.A = A

    def total(self):
        return np.sum(self.A)


def r_slots(A):
    q = Slotted(A)  # REFUSED
    return q.total()


class WithNew:
    def __new__(cls, A):
        return super().__new__(cls)

    def __init__(self, A):
        self.A = A

    def total(self):
        return np.sum(self.A)


def r_new(A):
    q = WithNew(A)  # REFUSED
    return q.total()


class Guarded:
    def __init__(self, A):
        self.A = A

    def __setattr__(self, name, value):
        object.__setattr__(self, name, value * 2.0)

    def total(self):
        return np.sum(self.A)


def r_setattr(A):
    q = Guarded(A)  # REFUSED
    return q.total()


class Lazy:
    def __init__(self, A):
        self.A = A

    def __getattr__(self, name):
        return 1.0

    def total(self):
        return np.sum(self.A)


def r_getattr(A):
    q = Lazy(A)  # REFUSED
    return q.total()


class Clamped:
    def __init__(self, A):
        self.value = A  # a property with a setter: not an instance attribute

    @property
    def value(self):
        return self._value

    @value.setter
    def value(self, v):
        self._value = np.clip(v, -0.5, 0.5)

    def total(self):
        return np.sum(self.value)


def r_descriptor(A):
    q = Clamped(A)  # REFUSED
    return q.total()


@dataclasses.dataclass
class Normalized:
    v: np.ndarray

    def __post_init__(self):
        self.v = self.v / np.sum(self.v)


def r_post_init(x):
    p = Normalized(x)  # REFUSED
    return np.sum(p.v ** 2)


def r_write_after(A):
    q = Quad(A)
    q.A = A * 2.0  # REFUSED
    return q.energy(A[0])


def r_setattr_call(A):
    q = Quad(A)
    setattr(q, "A", A * 2.0)  # REFUSED
    return q.energy(A[0])


def r_escapes(A):
    q = Quad(A)
    r = pickle.loads(pickle.dumps(q))  # REFUSED
    return np.sum(r.A)


def r_reflected(x):
    v = 0.5 * Vec(x)  # REFUSED
    return np.sum(v.v)


class Careful:
    def __init__(self, v):
        self.v = v

    def __add__(self, other):
        if not isinstance(other, Careful):
            return NotImplemented
        return Careful(self.v + other.v)

    def total(self):
        return np.sum(self.v)


def r_not_implemented(x):
    v = Careful(x) + Careful(x * 2)  # REFUSED
    return np.sum(v.v)


class Bag:
    def __init__(self, items):
        self.items = items

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]

    def __iter__(self):
        return iter(self.items[::-1])


def r_iter(x):
    total = 0.0
    for v in Bag([x[0], x[1] * 2]):  # REFUSED
        total = total + v * total + v
    return total


class Branchy:
    def __init__(self, A, flag):
        if flag:
            self.A = A
        else:
            self.A = -A

    def total(self):
        return np.sum(self.A)


def r_attribute_in_branch(A):
    q = Branchy(A, True)  # REFUSED
    return q.total()


class Early:
    def __init__(self, A):
        self.A = A
        return

    def total(self):
        return np.sum(self.A)


def r_early_return(A):
    q = Early(A)  # REFUSED
    return q.total()


class ReadsFirst:
    scale = 2.0

    def __init__(self, A):
        self.A = A * self.scale

    def total(self):
        return np.sum(self.A)


def r_reads_before_set(A):
    q = ReadsFirst(A)  # REFUSED
    return q.total()


class InPlace:
    def __init__(self, v):
        self.v = v

    def __add__(self, other):
        return InPlace(self.v + other.v)

    def __iadd__(self, other):
        self.v += other.v
        return self

    def total(self):
        return np.sum(self.v)


def r_iadd(x):
    v = InPlace(x)
    v += InPlace(x * 2)  # REFUSED
    return v.total()


class Meta(type):
    pass


class WithMeta(metaclass=Meta):
    def __init__(self, A):
        self.A = A

    def total(self):
        return np.sum(self.A)


def r_metaclass(A):
    q = WithMeta(A)  # REFUSED
    return q.total()


class Mutates:
    def __init__(self, A):
        A[0] = 0.0  # changes its argument
        self.A = A

    def total(self):
        return np.sum(self.A ** 2)


def r_init_mutates(A):
    q = Mutates(A)  # REFUSED
    return q.total()


def r_write_into_an_attribute(x, B):
    q = Quad(B * 1.0)
    qa = q.A
    qa[0] = x  # REFUSED
    return q.energy(x)


def test_a_write_into_an_array_an_object_holds_is_refused():
    refused_at(lambda: srcad.grad(r_write_into_an_attribute)(X, A), r_write_into_an_attribute,
               error=srcad.AliasingError)
    refused_at(lambda: srcad.grad(r_write_into_an_attribute, 1)(X, A), r_write_into_an_attribute,
               error=srcad.AliasingError)


def r_list_filled_through_another_name(A):
    layers = []
    other = layers
    layers.append(Dense(A, A[0]))
    other.append(Act(np.tanh, A))  # (the list srcad follows is changed through 'other')
    h = A[1]
    for layer in layers:
        h = layer(h)  # REFUSED
    return np.sum(h)


REFUSED = [r_list_filled_through_another_name, r_init_mutates, r_init_calls_a_method, r_slots, r_new, r_setattr, r_getattr, r_descriptor,
           r_post_init, r_write_after, r_setattr_call, r_escapes, r_reflected, r_not_implemented,
           r_iter, r_attribute_in_branch, r_early_return, r_reads_before_set, r_iadd, r_metaclass]


@pytest.mark.parametrize("f", REFUSED, ids=lambda f: f.__name__)
@pytest.mark.parametrize("mode", ["grad", "jvp", "hvp"])
def test_what_srcad_cannot_prove_is_refused_at_the_line(f, mode):
    x = A.copy() if "x" not in inspect.signature(f).parameters else X.copy()
    if mode == "grad":
        refused_at(lambda: srcad.grad(f)(x), f)
    elif mode == "jvp":
        refused_at(lambda: srcad.jvp(f, (x,), (np.ones_like(x),)), f)
    else:
        refused_at(lambda: srcad.hvp(f)(x, np.ones_like(x)), f)
