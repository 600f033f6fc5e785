"""Realistic programs (issue #15): optimizer steps, in-place updates, stateful objects, builtins over
lists, idioms of everyday NumPy. ``CASES``, ``REFUSED``, ``BUGS``, ``AUTOGRAD`` as in
tests/corpus_real_models.py."""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import numpy as np

import srcad


def _normal(seed, *shape):
    return np.random.default_rng(seed).normal(size=shape)


@dataclasses.dataclass
class Params:
    w: np.ndarray
    b: np.ndarray


def sgd_dataclass_replace(params, x, y, lr=0.1):
    pred = x @ params.w + params.b
    gw = x.T @ (pred - y) / len(y)
    gb = np.mean(pred - y)
    new = dataclasses.replace(params, w=params.w - lr * gw, b=params.b - lr * gb)
    return np.mean((x @ new.w + new.b - y) ** 2)


def sgd_dict_inplace(params, grads, lr=0.1):
    new = dict(params)
    for name in new:
        new[name] = new[name] - lr * grads[name]
    return sum(np.sum(v ** 2) for v in new.values())


def inplace_augassign_loop(x):
    y = x.copy()
    for k in range(3):
        y *= 1.1
        y += np.sin(y)
    return np.sum(y)


def append_then_inplace(x):
    # NumPy semantics: the list holds y itself, so y += 1 changes the list's item too
    y = x * 2.0
    states = [y]
    y += 1.0
    states.append(y * x)
    return np.sum(np.stack(states))


class StatefulCell:
    def __init__(self, w):
        self.w = w
        self.h = np.zeros(w.shape[0])

    def step(self, x):
        self.h = np.tanh(self.w @ self.h + x)
        return self.h


def stateful_object_loop(w, xs):
    cell = StatefulCell(w)
    for x in xs:
        cell.step(x)
    return np.sum(cell.h ** 2)


def zip_lists(ws, bs, x):
    h = x
    for w, b in zip(ws, bs):
        h = np.tanh(h @ w + b)
    return np.sum(h)


def enumerate_items(params):
    total = 0.0
    for i, (name, value) in enumerate(params.items()):
        total = total + (i + 1.0) * np.sum(value ** 2)
    return total


def list_comprehension_features(x):
    feats = [x ** k / (k + 1) for k in range(1, 4)]
    return np.sum(np.array(feats) ** 2)


def builtin_max_of_list(x):
    parts = [np.sum(x[:2]), np.sum(x[2:] * 2.0), np.sum(x) * 0.5]
    return max(parts) + min(parts)


def reversed_list(x):
    layers = [np.sin(x), np.cos(x), x ** 2]
    out = 0.0
    for k, layer in enumerate(reversed(layers)):
        out = out * 0.5 + np.sum(layer) * (k + 1)
    return out


def newton_sqrt_while(a):
    y = a
    it = 0
    while it < 30:
        y_next = 0.5 * (y + a / y)
        if np.max(np.abs(y_next - y)) < 1e-14:
            y = y_next
            break
        y = y_next
        it += 1
    return np.sum(y)


def fibonacci_swap(x):
    a, b = x, 1.0 + 0 * x
    for _ in range(5):
        a, b = b, a + b
    return np.sum(a * b)


def relu_mlp_where(x, w):
    h = x @ w
    h = np.where(h > 0, h, 0.01 * h)
    return np.sum(h ** 2)


def clip_and_maximum(x):
    return np.sum(np.clip(x, -1.0, 1.0) ** 2) + np.sum(np.maximum(x, 0.0))


def method_calls_on_arrays(x):
    y = x.reshape(2, 3).T
    return (y.sum(axis=0) ** 2).sum() + x.mean() * x.max()


def einsum_bilinear(a, m):
    return np.einsum("i,ij,j->", a, m, a)


def boolean_mask(x, mask):
    return np.sum(x[mask] ** 2)


def concatenate_pieces(x):
    z = np.concatenate([x, x ** 2, np.array([np.sum(x)])])
    return np.sum(z * np.arange(len(z)))


def scalars_into_array(params):
    a = params[0]
    b = params[1]
    v = np.array([a * b, a + b, a ** 2])
    return np.sum(np.exp(v))


def assert_and_isinstance(x):
    assert x.ndim == 1, "x must be a vector"
    if not isinstance(x, np.ndarray):
        raise TypeError("x must be an array")
    return np.sum(x ** 3)


def copy_then_setitem(x):
    y = x.copy()
    y[0] = y[0] * 3.0
    y[-1] = np.sin(y[1])
    return np.sum(y ** 2)


def lambda_inside(x):
    sq = lambda z: z ** 2  # noqa: E731
    return np.sum(sq(x) + sq(np.sin(x)))


def early_return_in_loop(x):
    total = 0.0
    for k in range(len(x)):
        total = total + x[k] ** 2
        if total > 2.5:
            return total * 2.0
    return total


class Poly(NamedTuple):
    coeffs: np.ndarray
    shift: float


def namedtuple_replace(p, x):
    q = p._replace(shift=p.shift * 2.0)
    return horner(q, x)


def polyval_loss(coeffs, x):
    return np.sum(np.polyval(coeffs, x) ** 2)


def horner(p, x):
    y = 0.0
    for c in p.coeffs:
        y = y * (x - p.shift) + c
    return np.sum(y ** 2)


def list_of_dataclasses(layers, x):
    h = x
    for layer in layers:
        h = np.tanh(h @ layer.w + layer.b)
    return np.sum(h ** 2)


def weight_decay_dict_comprehension(params, lam):
    penalties = {k: lam * np.sum(v ** 2) for k, v in params.items()}
    return sum(penalties.values())


def float_of_active(x):
    scale = float(np.sum(x))
    return scale * np.sum(x ** 2)


def item_of_active(x):
    m = np.max(x).item()
    return np.sum(x * m)


def sum_with_start(xs):
    return sum([np.sum(x ** 2) for x in xs], 1.0)


def errstate_divide(x):
    with np.errstate(divide="ignore"):
        logs = np.log(x)
    return np.sum(logs * x)


def tuple_return_loss(w, x, y):
    def forward(w):
        return x @ w, np.sum(w ** 2)
    pred, reg = forward(w)
    return np.mean((pred - y) ** 2) + 0.01 * reg


def global_constant_scale(x):
    return np.sum(SCALE * x ** 2) + OFFSET


SCALE = np.array([1.0, 2.0, 3.0])
OFFSET = 0.5


def dict_update_inplace(params, x):
    state = {"h": x}
    for name, w in params.items():
        state["h"] = np.tanh(state["h"] @ w)
        state[name] = np.sum(state["h"])
    return state["h"].sum() + state["a"]


def pop_from_front(x):
    queue = [x, x * 2.0, np.sin(x)]
    total = 0.0
    while queue:
        item = queue.pop(0)
        total = total + np.sum(item ** 2)
    return total


def item_reassigned_broadcast_dict(w, x):
    state = {"h": x}
    state["h"] = state["h"] * w
    return np.sum(state["h"] ** 2)


def item_reassigned_broadcast_list(w, x):
    state = [x]
    state[0] = state[0] * w
    return np.sum(state[0] ** 2)


def item_reassigned_broadcast_add(w, x):
    hs = [x]
    hs[0] = hs[0] + w
    return np.sum(hs[0] ** 2)


def insert_and_index(x):
    items = [x]
    items.insert(0, x ** 2)
    items.append(np.cos(x))
    return np.sum(items[0] * items[2]) + np.sum(items[1])


def _take(names):
    return {n: EXPLORE.pop(n) for n in names}


EXPLORE = {
    "sgd_dataclass_replace": (sgd_dataclass_replace,
                              lambda: (Params(_normal(1, 3), _normal(2, 1)), _normal(3, 5, 3), _normal(4, 5)), 0),
    "sgd_dict_inplace": (sgd_dict_inplace, lambda: ({"a": _normal(5, 3), "b": _normal(6, 2)},
                                                    {"a": _normal(7, 3), "b": _normal(8, 2)}), (0, 1)),
    "inplace_augassign_loop": (inplace_augassign_loop, lambda: (_normal(9, 4),), 0),
    "append_then_inplace": (append_then_inplace, lambda: (_normal(10, 4),), 0),
    "stateful_object_loop": (stateful_object_loop, lambda: (_normal(11, 3, 3) * 0.4, _normal(12, 4, 3)), 0),
    "zip_lists": (zip_lists, lambda: ([_normal(13, 3, 3) * 0.5, _normal(14, 3, 2) * 0.5],
                                      [_normal(15, 3), _normal(16, 2)], _normal(17, 4, 3)), (0, 1)),
    "enumerate_items": (enumerate_items, lambda: ({"a": _normal(18, 3), "b": _normal(19, 2)},), 0),
    "list_comprehension_features": (list_comprehension_features, lambda: (_normal(20, 4),), 0),
    "builtin_max_of_list": (builtin_max_of_list, lambda: (np.array([0.5, 1.0, 0.2, -0.3, 0.9]),), 0),
    "reversed_list": (reversed_list, lambda: (_normal(21, 4),), 0),
    "newton_sqrt_while": (newton_sqrt_while, lambda: (np.array([2.0, 3.0, 0.7]),), 0),
    "fibonacci_swap": (fibonacci_swap, lambda: (_normal(22, 3),), 0),
    "relu_mlp_where": (relu_mlp_where, lambda: (_normal(23, 4, 3), _normal(24, 3, 2)), (0, 1)),
    "clip_and_maximum": (clip_and_maximum, lambda: (np.array([-1.7, -0.4, 0.3, 0.8, 1.6]),), 0),
    "method_calls_on_arrays": (method_calls_on_arrays, lambda: (_normal(25, 6),), 0),
    "einsum_bilinear": (einsum_bilinear, lambda: (_normal(26, 3), _normal(27, 3, 3)), (0, 1)),
    "boolean_mask": (boolean_mask, lambda: (_normal(28, 5), np.array([True, False, True, True, False])), 0),
    "concatenate_pieces": (concatenate_pieces, lambda: (_normal(29, 3),), 0),
    "scalars_into_array": (scalars_into_array, lambda: (np.array([0.3, -0.5]),), 0),
    "assert_and_isinstance": (assert_and_isinstance, lambda: (_normal(30, 4),), 0),
    "copy_then_setitem": (copy_then_setitem, lambda: (_normal(31, 4),), 0),
    "lambda_inside": (lambda_inside, lambda: (_normal(32, 4),), 0),
    "early_return_in_loop": (early_return_in_loop, lambda: (np.array([0.9, 1.1, 0.8, 1.3]),), 0),
    "namedtuple_replace": (namedtuple_replace, lambda: (Poly(np.array([0.5, -1.0, 2.0]), 0.3),
                                                        np.linspace(-1, 1, 5)), 0),
    "horner_namedtuple": (horner, lambda: (Poly(np.array([0.5, -1.0, 2.0]), 0.3), np.linspace(-1, 1, 5)), 0),
    "list_of_dataclasses": (list_of_dataclasses,
                            lambda: ([Params(_normal(33, 3, 3) * 0.5, _normal(34, 3)),
                                      Params(_normal(35, 3, 2) * 0.5, _normal(36, 2))], _normal(37, 4, 3)), 0),
    "weight_decay_dict_comprehension": (weight_decay_dict_comprehension,
                                        lambda: ({"a": _normal(38, 3), "b": _normal(39, 2)}, 0.3), (0, 1)),
    "float_of_active": (float_of_active, lambda: (_normal(40, 3),), 0),
    "item_of_active": (item_of_active, lambda: (_normal(41, 3),), 0),
    "sum_with_start": (sum_with_start, lambda: ([_normal(42, 3), _normal(43, 2)],), 0),
    "errstate_divide": (errstate_divide, lambda: (np.abs(_normal(44, 4)) + 0.3,), 0),
    "tuple_return_nested_def": (tuple_return_loss, lambda: (_normal(45, 3), _normal(46, 4, 3), _normal(47, 4)), 0),
    "global_constant_scale": (global_constant_scale, lambda: (_normal(48, 3),), 0),
    "dict_update_inplace": (dict_update_inplace, lambda: ({"a": _normal(49, 3, 3) * 0.5, "b": _normal(50, 3, 2)},
                                                          _normal(51, 3)), 0),
    "pop_from_front": (pop_from_front, lambda: (_normal(52, 3),), 0),
    "insert_and_index": (insert_and_index, lambda: (_normal(53, 3),), 0),
}

_refused = _take(["append_then_inplace", "sgd_dict_inplace", "stateful_object_loop",
                  "weight_decay_dict_comprehension"])
_mislocated = _take(["sgd_dataclass_replace", "namedtuple_replace"])
_bugs = _take(["dict_update_inplace"])
CASES = dict(EXPLORE)
CASES["sgd_dict_inplace"] = _refused["sgd_dict_inplace"]  # 'for name in new' over a dict: keys
CASES["weight_decay_dict_comprehension"] = _refused["weight_decay_dict_comprehension"]  # .values()

REFUSED = {
    "append_then_inplace": _refused["append_then_inplace"] + (srcad.AliasingError, "y += 1.0", ("y.copy()",)),
    "stateful_method_statement": _refused["stateful_object_loop"] + (srcad.UnsupportedSyntaxError,
                                                                     "cell.step(x)", ("side effects",)),
}
# (refused until np.polyval had a rule: srcad/rules/numpy_more.py)
CASES["np_polyval"] = (polyval_loss, lambda: (np.array([0.5, -1.0, 2.0]), np.linspace(-1, 1, 5)), (0, 1))

# Refused with a SrcadError located at a line of the standard library (dataclasses.py,
# collections/__init__.py) when the corpus was written; differentiated since (issue #15:
# dataclasses.replace and _replace build a new object of the class)
MISLOCATED = {}
CASES.update(_mislocated)

# srcad was wrong on these when the corpus was written (a wrong gradient, or a crash that is not a
# SrcadError); fixed since (zero_at leaves a scalar zero in a container adjoint, which takes the
# shape of the value added to it later), they are ordinary cases now: a dict or list item
# reassigned with a value of another shape (state['h'] = np.tanh(state['h'] @ w) in a loop: a
# ValueError in the backward code; d['h'] = d['h'] * w, hs[0] = hs[0] + w: a gradient of w's shape)
BUGS = {}
CASES.update({
    **_bugs,
    "item_reassigned_broadcast_add": (item_reassigned_broadcast_add,
                                      lambda: (np.array([1.0, 2.0, 3.0]), 0.5), 1),
    "item_reassigned_broadcast_dict": (item_reassigned_broadcast_dict,
                                       lambda: (np.array([1.0, 2.0, 3.0]), 0.5), 1),
    "item_reassigned_broadcast_list": (item_reassigned_broadcast_list,
                                       lambda: (np.array([1.0, 2.0, 3.0]), np.array([0.5])), 1),
})
BUG_CASES = {}


# ---- lists and dicts as scratch space ---------------------------------------------------------------

def list_item_rewritten(x):
    hs = [x]
    hs.append(np.sin(x))
    hs[-1] = hs[-1] * 2.0
    return np.sum(np.stack(hs) ** 2)


def list_slices_reversed(x):
    hs = [x * k for k in range(1, 4)]
    return np.sum(np.stack(hs[::-1]) * np.arange(3)[:, None]) + np.sum(np.stack(hs[1:]) ** 2)


def list_repeated(x):
    xs = [x] * 3
    return np.sum(np.stack(xs) * np.arange(1.0, 4.0)[:, None] ** 2)


def dict_built_sorted_keys(x):
    out = {}
    for k in sorted(["b", "a"]):
        out[k] = x * (1.0 if k == "a" else 2.0)
    return np.sum(out["a"] * np.cos(out["b"]))


def list_item_augassign(x):
    hs = []
    for k in range(3):
        hs.append(x * k)
    hs[0] += 1.0
    return np.sum(np.stack(hs) ** 2)


def loop_variable_rebound(x):
    total = 0.0
    hs = [x, x ** 2]
    for h in hs:
        h = h * 2.0
        total = total + np.sum(h)
    return total + np.sum(hs[0] ** 3)


def list_param_ragged(xs):
    y = 0.0
    for i in range(len(xs)):
        y = y + np.sum(xs[i] ** 2) * (i + 1)
    return y


def nested_lists_to_array(x):
    grid = [[x, x * 2.0], [x * 3.0, np.sin(x)]]
    return np.sum(np.array(grid) ** 2)


def while_len_of_list(x):
    acc = []
    while len(acc) < 3:
        acc.append(np.sum(x ** 2) * (len(acc) + 1))
    return sum(acc) + acc[-1] ** 2


def fill_empty_like(x):
    y = np.empty_like(x)
    for i in range(len(x)):
        y[i] = x[i] ** 2 if i % 2 == 0 else np.sin(x[i])
    return np.sum(y * x)


def dict_float_scale(params, x):
    return np.sum(params["scale"] * x ** 2 + params["shift"])


def list_alias_append(x):
    a = [x]
    b = a
    b.append(x * 3.0)
    return np.sum(np.stack(a) ** 2)


def _append_doubled(out, v):
    out.append(v * 2.0)


def callee_appends(x):
    out = [x]
    _append_doubled(out, np.sin(x))
    return np.sum(np.stack(out) ** 2)


def dict_alias_write(x):
    d = {"a": x}
    d2 = d
    d2["a"] = d2["a"] * 2.0
    return np.sum(d["a"] ** 2)


def max_with_key(x):
    parts = [x[0], x[1], x[2]]
    return max(parts, key=lambda p: p) * 2.0


_v2 = lambda: (np.array([0.3, 0.4]),)  # noqa: E731
CASES.update({
    "list_item_rewritten": (list_item_rewritten, _v2, 0),
    "list_slices_reversed": (list_slices_reversed, _v2, 0),
    "list_repeated": (list_repeated, _v2, 0),
    "dict_built_sorted_keys": (dict_built_sorted_keys, _v2, 0),
    "list_item_augassign": (list_item_augassign, _v2, 0),
    "loop_variable_rebound": (loop_variable_rebound, _v2, 0),
    "list_param_ragged": (list_param_ragged, lambda: ([np.array([0.3, 0.4]), np.array([1.0]), 0.5],), 0),
    "nested_lists_to_array": (nested_lists_to_array, _v2, 0),
    "while_len_of_list": (while_len_of_list, _v2, 0),
    "fill_empty_like": (fill_empty_like, lambda: (np.array([0.3, 0.4, 0.7]),), 0),
    "dict_float_scale": (dict_float_scale, lambda: ({"scale": 1.5, "shift": np.array([0.2])},
                                                    np.array([1.0, 2.0])), 0),
})
REFUSED.update({
    "list_alias_append": (list_alias_append, _v2, 0, srcad.AliasingError, "b.append(x * 3.0)",
                          ("b = list(b)",)),
    "callee_appends": (callee_appends, _v2, 0, srcad.UnsupportedSyntaxError,
                       "_append_doubled(out, np.sin(x))", ("side effects",)),
    "dict_alias_write": (dict_alias_write, _v2, 0, srcad.AliasingError, 'd2["a"] = d2["a"] * 2.0',
                         ("d2.copy()",)),
    "lambda_as_key": (max_with_key, lambda: (np.array([0.3, 0.9, 0.4]),), 0, srcad.UnsupportedSyntaxError,
                      "return max(parts, key=lambda p: p) * 2.0", ("lambda",)),
})

# run by autograd too (the same code with autograd.numpy for np)
AUTOGRAD = ["fibonacci_swap", "list_comprehension_features", "builtin_max_of_list", "reversed_list",
            "newton_sqrt_while", "clip_and_maximum", "concatenate_pieces", "early_return_in_loop",
            "global_constant_scale", "insert_and_index", "pop_from_front"]

# Hessian-vector products refused (the gradient is checked like any case): the line of the refusal.
# (None left: a dict item write, 'restore_entry(out, key, old)' in srcad.grad's code, is followed by
# forward mode since this session.)
HVP_REFUSED = {}
