"""Realistic programs, as a user writes them: models as classes, parameters as dataclasses, named
tuples and dicts, training-loop inner functions (issue #15, tests/test_corpus_real.py).

``CASES``: name -> (function, args_factory, argnums). ``REFUSED``: name -> (function, args_factory,
argnums, error type, text of the line refused, words of the hint). ``BUGS``: name -> one line.
"""

from __future__ import annotations

import dataclasses
import types
from typing import NamedTuple

import numpy as np

import srcad

_rng = np.random.default_rng


def _normal(seed, *shape):
    return _rng(seed).normal(size=shape)


# ---- an MLP as a class with __call__ ---------------------------------------------------------------

class MLP:
    def __init__(self, w1, b1, w2, b2):
        self.w1 = w1
        self.b1 = b1
        self.w2 = w2
        self.b2 = b2

    def __call__(self, x):
        h = np.tanh(x @ self.w1 + self.b1)
        return h @ self.w2 + self.b2

    def loss(self, x, y):
        pred = self(x)
        return np.mean((pred - y) ** 2)


def _mlp():
    return MLP(_normal(1, 3, 4) * 0.5, _normal(2, 4) * 0.1, _normal(3, 4, 2) * 0.5, _normal(4, 2))


def mlp_loss_wrt_input(x, model, y):
    return model.loss(x, y)


def mlp_loss_method(model, x, y):
    return MLP.loss(model, x, y)


# ---- an RNN cell ------------------------------------------------------------------------------------

class RNNCell:
    def __init__(self, wx, wh, b):
        self.wx = wx
        self.wh = wh
        self.b = b

    def step(self, h, x):
        return np.tanh(x @ self.wx + h @ self.wh + self.b)


def rnn_final_state(xs, cell):
    h = np.zeros(cell.wh.shape[0])
    for t in range(xs.shape[0]):
        h = cell.step(h, xs[t])
    return np.sum(h ** 2)


def rnn_states_stacked(cell, xs):
    h = np.zeros(cell.wh.shape[0])
    states = []
    for x in xs:
        h = cell.step(h, x)
        states.append(h)
    hs = np.stack(states)
    return np.mean(hs ** 2) + np.sum(hs[-1])


def _cell():
    return RNNCell(_normal(5, 3, 4) * 0.4, _normal(6, 4, 4) * 0.3, _normal(7, 4) * 0.1)


# ---- attention --------------------------------------------------------------------------------------

def softmax(z, axis=-1):
    z = z - np.max(z, axis=axis, keepdims=True)
    e = np.exp(z)
    return e / np.sum(e, axis=axis, keepdims=True)


class Attention:
    def __init__(self, wq, wk, wv):
        self.wq = wq
        self.wk = wk
        self.wv = wv

    def __call__(self, x):
        q = x @ self.wq
        k = x @ self.wk
        v = x @ self.wv
        scores = q @ k.T / np.sqrt(q.shape[-1])
        return softmax(scores) @ v


def attention_output(x, layer):
    out = layer(x)
    return np.sum(out * out)


def attention_wrt_layer(layer, x):
    return np.sum(np.sin(layer(x)))


def _attn():
    return Attention(_normal(8, 4, 3) * 0.5, _normal(9, 4, 3) * 0.5, _normal(10, 4, 3) * 0.5)


# ---- a mixture of Gaussians -------------------------------------------------------------------------

def logsumexp(a, axis=None):
    m = np.max(a, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return np.squeeze(out, axis=axis)


class GaussianMixture:
    def __init__(self, logits, means, log_sigmas):
        self.logits = logits
        self.means = means
        self.log_sigmas = log_sigmas

    def log_weights(self):
        return self.logits - logsumexp(self.logits)

    def log_prob(self, x):
        sig = np.exp(self.log_sigmas)
        z = (x[:, None] - self.means[None, :]) / sig
        comp = -0.5 * z ** 2 - self.log_sigmas - 0.5 * np.log(2 * np.pi)
        return logsumexp(comp + self.log_weights(), axis=1)


def gmm_nll(gmm, x):
    return -np.mean(gmm.log_prob(x))


def gmm_nll_data(x, gmm):
    return -np.sum(gmm.log_prob(x))


def _gmm():
    return GaussianMixture(np.array([0.2, -0.1, 0.3]), np.array([-1.0, 0.5, 2.0]),
                           np.array([0.1, -0.2, 0.3]))


# ---- logistic regression with a dataclass of parameters --------------------------------------------

@dataclasses.dataclass
class LogRegParams:
    w: np.ndarray
    b: float


def logreg_loss(params, x, y):
    logits = x @ params.w + params.b
    return np.mean(np.logaddexp(0.0, logits) - y * logits)


def logreg_loss_l2(params, x, y, lam=0.1):
    data = logreg_loss(params, x, y)
    return data + lam * np.sum(params.w ** 2)


def _logreg():
    return LogRegParams(w=_normal(11, 3) * 0.3, b=0.1)


def _xy(seed=12, n=6, d=3):
    x = _normal(seed, n, d)
    y = (_normal(seed + 1, n) > 0).astype(float)
    return x, y


# ---- a Sequential of layers -------------------------------------------------------------------------

class Dense:
    def __init__(self, w, b):
        self.w = w
        self.b = b

    def __call__(self, x):
        return x @ self.w + self.b


class Tanh:
    def __call__(self, x):
        return np.tanh(x)


class Sequential:
    def __init__(self, layers):
        self.layers = layers

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


def sequential_loss(x, net):
    return np.sum(net(x) ** 2)


def sequential_loss_params(net, x, y):
    pred = net(x)
    return np.mean((pred[:, 0] - y) ** 2)


def _seq():
    return Sequential([Dense(_normal(13, 3, 5) * 0.4, _normal(14, 5) * 0.1), Tanh(),
                       Dense(_normal(15, 5, 2) * 0.4, np.zeros(2))])


# ---- parameters as a NamedTuple, a dict, a SimpleNamespace ----------------------------------------

class LinearParams(NamedTuple):
    w: np.ndarray
    b: np.ndarray


def namedtuple_regression(params, x, y):
    pred = x @ params.w + params.b
    return 0.5 * np.sum((pred - y) ** 2)


def dict_mlp(params, x):
    h = x
    for name in ["layer1", "layer2"]:
        layer = params[name]
        h = np.tanh(h @ layer["w"] + layer["b"])
    return np.sum(h ** 2)


def dict_l2_penalty(params):
    total = 0.0
    for name, value in params.items():
        total = total + np.sum(value ** 2)
    return total


def dict_values_sum(params, scale):
    total = 0.0
    for value in params.values():
        total = total + np.sum(np.sin(value) * scale)
    return total


def dict_keys_sorted(params):
    total = 0.0
    for k, key in enumerate(sorted(params.keys())):
        total = total + (k + 1) * np.sum(params[key] ** 3)
    return total


def dict_get_default(params, x):
    w = params.get("w")
    b = params.get("b", 0.0)
    return np.sum(np.tanh(x @ w + b))


def namespace_model(ns, x):
    return np.sum(np.exp(-ns.rate * x) * ns.amp)


def _dparams():
    return {"layer1": {"w": _normal(16, 3, 4) * 0.5, "b": _normal(17, 4) * 0.1},
            "layer2": {"w": _normal(18, 4, 2) * 0.5, "b": _normal(19, 2) * 0.1}}


# ---- training-loop inner functions ------------------------------------------------------------------

def minibatch_loss(w, x, y, batch):
    xb = x[batch]
    yb = y[batch]
    pred = xb @ w
    return np.mean((pred - yb) ** 2)


def sgd_step_loss(w, x, y, lr=0.1):
    # the loss after one gradient step: differentiating through the update
    pred = x @ w
    g = 2 * x.T @ (pred - y) / x.shape[0]
    w_new = w - lr * g
    return np.mean((x @ w_new - y) ** 2)


def momentum_unrolled(w, x, y):
    velocity = np.zeros_like(w)
    losses = []
    for step in range(3):
        pred = x @ w
        g = 2 * x.T @ (pred - y) / x.shape[0]
        velocity = 0.9 * velocity + g
        w = w - 0.05 * velocity
        losses.append(np.mean((x @ w - y) ** 2))
    return sum(losses)


def adam_update_norm(params, grads, m, v, lr=0.01):
    new_params = {}
    for name, p in params.items():
        m_new = 0.9 * m[name] + 0.1 * grads[name]
        v_new = 0.999 * v[name] + 0.001 * grads[name] ** 2
        new_params[name] = p - lr * m_new / (np.sqrt(v_new) + 1e-8)
    return sum(np.sum(q ** 2) for q in new_params.values())


def _adam_args():
    params = {"w": _normal(20, 3), "b": _normal(21, 2)}
    grads = {"w": _normal(22, 3), "b": _normal(23, 2)}
    m = {"w": _normal(24, 3) * 0.1, "b": _normal(25, 2) * 0.1}
    v = {"w": np.abs(_normal(26, 3)) + 0.5, "b": np.abs(_normal(27, 2)) + 0.5}
    return params, grads, m, v


def _adam_update_loop(params, grads, m, v, lr=0.01):
    new_params = {}
    for name, p in params.items():
        m_new = 0.9 * m[name] + 0.1 * grads[name]
        v_new = 0.999 * v[name] + 0.001 * grads[name] ** 2
        new_params[name] = p - lr * m_new / (np.sqrt(v_new) + 1e-8)
    total = 0.0
    for q in new_params.values():
        total = total + np.sum(q ** 2)
    return total


def validated_loss(w, x):
    if w.ndim != 1:
        raise ValueError("w must be a vector")
    if x.shape[1] != w.shape[0]:
        raise ValueError(f"shapes {x.shape} and {w.shape} do not match")
    return np.sum(np.log1p(np.exp(x @ w)))


def kwargs_loss(w, x, **options):
    scale = options.get("scale", 1.0)
    return scale * np.sum((x @ w) ** 2)


def kwargs_caller(w, x):
    return kwargs_loss(w, x, scale=0.5) + kwargs_loss(w, x)


def kwargs_loss_renamed(w, x, **options):
    s = options.get("scale", 1.0)
    return s * np.sum((x @ w) ** 2)


def kwargs_caller_renamed(w, x):
    return kwargs_loss_renamed(w, x, scale=0.5) + kwargs_loss_renamed(w, x)


def star_unpack(theta):
    a, b, *rest = theta
    return a * b + np.sum(np.stack(rest) ** 2)


def tuple_of_params(params, x):
    w, b = params
    return np.sum(np.tanh(x @ w + b))


def list_of_weights(weights, x):
    h = x
    for w in weights:
        h = np.tanh(h @ w)
    return np.sum(h)


CASES = {
    "mlp_loss_wrt_input": (mlp_loss_wrt_input, lambda: (_normal(30, 5, 3), _mlp(), _normal(31, 5, 2)), 0),
    "mlp_loss_method_params": (mlp_loss_method, lambda: (_mlp(), _normal(30, 5, 3), _normal(31, 5, 2)), 0),
    "mlp_bound_loss": (None, None, 0),  # filled below: srcad.grad(model.loss)
    "rnn_final_state": (rnn_final_state, lambda: (_normal(32, 4, 3), _cell()), 0),
    "rnn_states_params": (rnn_states_stacked, lambda: (_cell(), _normal(33, 4, 3)), 0),
    "attention_input": (attention_output, lambda: (_normal(34, 5, 4) * 0.5, _attn()), 0),
    "attention_params": (attention_wrt_layer, lambda: (_attn(), _normal(35, 5, 4) * 0.5), 0),
    "gmm_nll_params": (gmm_nll, lambda: (_gmm(), _normal(36, 7)), 0),
    "gmm_nll_data": (gmm_nll_data, lambda: (_normal(37, 7), _gmm()), 0),
    "logreg_dataclass": (logreg_loss, lambda: (_logreg(),) + _xy(), 0),
    "logreg_l2_dataclass": (logreg_loss_l2, lambda: (_logreg(),) + _xy(), 0),
    "sequential_input": (sequential_loss, lambda: (_normal(38, 4, 3), _seq()), 0),
    "sequential_params": (sequential_loss_params, lambda: (_seq(), _normal(39, 4, 3), _normal(40, 4)), 0),
    "namedtuple_regression": (namedtuple_regression,
                              lambda: (LinearParams(_normal(41, 3, 2), _normal(42, 2)),
                                       _normal(43, 5, 3), _normal(44, 5, 2)), 0),
    "dict_mlp": (dict_mlp, lambda: (_dparams(), _normal(45, 4, 3)), 0),
    "dict_items_penalty": (dict_l2_penalty, lambda: ({"a": _normal(46, 3), "b": _normal(47, 2, 2)},), 0),
    "dict_values_sum": (dict_values_sum, lambda: ({"a": _normal(48, 3), "b": _normal(49, 2)}, 1.5), (0, 1)),
    "dict_keys_sorted": (dict_keys_sorted, lambda: ({"z": _normal(50, 3), "a": _normal(51, 2)},), 0),
    "dict_get_default": (dict_get_default, lambda: ({"w": _normal(52, 3, 2)}, _normal(53, 4, 3)), 0),
    "namespace_model": (namespace_model,
                        lambda: (types.SimpleNamespace(rate=0.7, amp=_normal(54, 4)), np.linspace(0, 2, 4)), 0),
    "minibatch_loss": (minibatch_loss,
                       lambda: (_normal(55, 3), _normal(56, 10, 3), _normal(57, 10), np.array([1, 4, 7])), 0),
    "sgd_step_loss": (sgd_step_loss, lambda: (_normal(58, 3), _normal(59, 8, 3), _normal(60, 8)), 0),
    "momentum_unrolled": (momentum_unrolled, lambda: (_normal(61, 3), _normal(62, 8, 3), _normal(63, 8)), 0),
    "adam_update_params": (_adam_update_loop, _adam_args, 0),
    "adam_update_genexpr_sum": (adam_update_norm, _adam_args, 0),
    "validated_loss": (validated_loss, lambda: (_normal(64, 3) * 0.3, _normal(65, 5, 3)), 0),
    "kwargs_loss": (kwargs_caller_renamed, lambda: (_normal(66, 3), _normal(67, 4, 3)), 0),
    "star_unpack": (star_unpack, lambda: (_normal(68, 5),), 0),
    "tuple_of_params": (tuple_of_params, lambda: ((_normal(69, 3, 2), _normal(70, 2)), _normal(71, 4, 3)), 0),
    "list_of_weights": (list_of_weights, lambda: ([_normal(72, 3, 3) * 0.5, _normal(73, 3, 2) * 0.5],
                                                   _normal(74, 4, 3)), 0),
}

_bound_model = _mlp()
_bound_x, _bound_y = _normal(30, 5, 3), _normal(31, 5, 2)
CASES["mlp_bound_loss"] = (_bound_model.loss, lambda: (_normal(30, 5, 3), _normal(31, 5, 2)), 0)

REFUSED = {
    # a keyword argument through **options named like a local variable of the callee
    "kwargs_named_like_local": (kwargs_caller, lambda: (_normal(66, 3), _normal(67, 4, 3)), 0,
                                srcad.errors.UnsupportedSyntaxError, "def kwargs_loss(w, x, **options):",
                                ("rename",)),
}
BUGS = {}

# run by autograd too (the same code with autograd.numpy for np)
AUTOGRAD = ["star_unpack", "sgd_step_loss", "momentum_unrolled", "minibatch_loss", "list_of_weights",
            "tuple_of_params", "dict_mlp"]


# ---- a small module system: inheritance, super(), properties, static methods -----------------------

class Module:
    scale = 2.0

    def __init__(self, params):
        self.params = params

    def penalty(self):
        total = 0.0
        for name, p in self.params.items():
            total = total + np.sum(p ** 2)
        return total

    def forward(self, x):
        raise NotImplementedError

    def loss(self, x):
        return np.sum(self.forward(x) ** 2) + 0.1 * self.penalty()


class Linear(Module):
    def forward(self, x):
        return x @ self.params["w"] * self.scale + self.params["b"]


class ScaledLinear(Linear):
    def forward(self, x):
        return super().forward(x) * 0.5

    @property
    def w(self):
        return self.params["w"]

    @staticmethod
    def act(z):
        return np.tanh(z)

    @classmethod
    def make(cls, params):
        return cls(params)


def module_loss(m, x):
    return m.loss(x)


def module_super_property(m, x):
    return np.sum(ScaledLinear.act(m.forward(x))) + np.sum(m.w ** 2)


def module_from_classmethod(m, x):
    m2 = ScaledLinear.make(m.params)
    return m2.loss(x)


@dataclasses.dataclass(frozen=True)
class Normal:
    mu: np.ndarray
    log_s: float = 0.0

    def nll(self, x):
        return np.sum(0.5 * ((x - self.mu) / np.exp(self.log_s)) ** 2 + self.log_s)


@dataclasses.dataclass
class Autoencoder:
    enc: Normal
    dec: Normal
    weights: list


def frozen_dataclass_method(p, x):
    return p.nll(x)


def nested_dataclasses(o, x):
    return o.enc.nll(x) + o.dec.nll(x * 2.0) + sum(np.sum(w ** 2) for w in o.weights)


@dataclasses.dataclass
class WithPostInit:
    a: np.ndarray

    def __post_init__(self):
        self.n = len(self.a)


def post_init_attribute(p, x):
    return np.sum(p.a * x) / p.n


class Oscillator(NamedTuple):
    pos: np.ndarray
    vel: np.ndarray


def oscillator_step(s, dt):
    return Oscillator(s.pos + dt * s.vel, s.vel - dt * s.pos)


def namedtuple_built_in_loop(s):
    traj = [s]
    for _ in range(5):
        s = oscillator_step(s, 0.1)
        traj.append(s)
    return np.sum(np.stack([t.pos for t in traj]) ** 2)


def namedtuple_replace_in_loop(s):
    for _ in range(5):
        s = s._replace(pos=s.pos + 0.1 * s.vel)
    return np.sum(s.pos ** 2 * s.vel)


def namespace_attribute_write(ns):
    out = types.SimpleNamespace(y=ns.a * 2.0)
    out.z = out.y + ns.b
    return np.sum(out.z ** 2)


def write_into_model_params(m, x):
    m.params["w"] = m.params["w"] * 2.0
    return m.loss(x)


class Wave:
    def __init__(self, w):
        self.w = w

    def __call__(self, x):
        return np.sin(x * self.w)


def callable_twice(c, x):
    return np.sum(c(c(x)))


def _lin(cls=Linear):
    return cls({"w": np.array([[0.5, 1.0], [0.2, -0.3]]), "b": np.array([0.1, 0.2])})


_x12 = np.array([[1.0, 2.0], [0.3, -0.4]])
CASES.update({
    "module_inheritance_loss": (module_loss, lambda: (_lin(), _x12), 0),
    "module_super_property": (module_super_property, lambda: (_lin(ScaledLinear), _x12), 0),
    "frozen_dataclass_method": (frozen_dataclass_method, lambda: (Normal(np.array([0.5, 1.0]), 0.2),
                                                                  np.array([1.0, 2.0])), 0),
    "nested_dataclasses": (nested_dataclasses,
                           lambda: (Autoencoder(Normal(np.array([0.5, 1.0]), 0.2),
                                                Normal(np.array([0.1, 1.0]), -0.2),
                                                [np.array([1.0, 2.0]), np.array(0.5)]),
                                    np.array([1.0, 2.0])), 0),
    "callable_object_twice": (callable_twice, lambda: (Wave(np.array([0.5, 1.0])), np.array([1.0, 2.0])), 0),
})

_osc = lambda: (Oscillator(np.array([0.5, 1.0]), np.array([0.1, -0.3])),)  # noqa: E731
# objects made inside the function (issue #15, srcad/passes/constructors.py): refused when the
# corpus was written, differentiated since
CASES.update({
    "object_from_classmethod": (module_from_classmethod, lambda: (_lin(ScaledLinear), _x12), 0),
    "namedtuple_constructed": (namedtuple_built_in_loop, _osc, 0),
    "namedtuple_replace_loop": (namedtuple_replace_in_loop, _osc, 0),
})
REFUSED.update({
    "attribute_set_in_post_init": (post_init_attribute,
                                   lambda: (WithPostInit(np.array([0.5, 1.0])), np.array([1.0, 2.0])), 0,
                                   srcad.NoGradientRuleError, "return np.sum(p.a * x) / p.n",
                                   ("register_pytree",)),
    "attribute_assignment": (namespace_attribute_write,
                             lambda: (types.SimpleNamespace(a=np.array([0.5, 1.0]), b=0.3),), 0,
                             srcad.UnsupportedSyntaxError, "out.z = out.y + ns.b", ("attribute",)),
    "write_into_attribute_dict": (write_into_model_params, lambda: (_lin(), _x12), 0,
                                  srcad.UnsupportedSyntaxError, 'm.params["w"] = m.params["w"] * 2.0',
                                  ("nested subscript",)),
})
