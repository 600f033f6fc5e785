"""Loops over dicts (issues #14 and #15): ``for k in d``, ``d.keys()``, ``d.values()``,
``d.items()``, in reverse mode, forward mode and Hessian-vector products, each against central
differences; and the loops srcad runs by index refusing, at the user's line, a value Python
iterates otherwise (a dict or set passed in where srcad could not see it was one)."""

import numpy as np
import pytest

import srcad
from gradcheck import check_grad, directional, make_function, numeric_grad

LOOPS = {
    "keys of a display": """
        def f(x, y):
            d = {'a': x, 'b': np.sin(y) * x}
            s = 0.0
            for k in d:
                s = s + np.sum(d[k] ** 2)
            return s
        """,
    "keys()": """
        def f(x, y):
            d = {'a': x * y, 'b': np.tanh(x)}
            s = 0.0
            for k in d.keys():
                s = s + np.sum(d[k] * y)
            return s
        """,
    "values()": """
        def f(x, y):
            d = {'a': x * y, 'b': np.tanh(x)}
            s = 0.0
            for v in d.values():
                s = s + np.sum(np.cos(v) * y)
            return s
        """,
    "items() with the key used": """
        def f(x, y):
            d = {1.0: x * y, 2.0: np.tanh(x)}
            s = 0.0
            for k, v in d.items():
                s = s + k * np.sum(v * v)
            return s
        """,
    "dict built in a loop, then iterated": """
        def f(x, y):
            d = {}
            for i in range(3):
                d[i] = x * (i + 1.0) + y
            s = 0.0
            for k, v in d.items():
                s = s + np.sum(np.sin(v)) * (k + 1)
            return s
        """,
    "a dict rebound in the loop over it": """
        def f(x, y):
            d = {'a': x, 'b': y * x}
            s = 0.0
            for k, v in d.items():
                s = s + np.sum(v * y)
                d = {'a': v * 2.0, 'b': v}
            return s + np.sum(d['a'])
        """,
    "items() of a parameter": """
        def f(x, y):
            return g({'w': x, 'b': y})

        def g(params):
            s = 0.0
            for name, p in params.items():
                s = s + np.sum(np.tanh(p))
            return s
        """,
}


@pytest.mark.parametrize("name", sorted(LOOPS))
def test_loops_over_dicts(name):
    f = make_function(LOOPS[name], {"np": np}, name="f")
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=3), rng.normal(size=3)
    check_grad(f, [x, y], argnums=(0, 1))
    v = rng.normal(size=3)
    _, tangent = srcad.jvp(f, (x, y), (v, None))
    np.testing.assert_allclose(tangent, directional(f, [x, y], 0, v), rtol=1e-5, atol=1e-7)
    g = srcad.grad(f)
    e = 1e-5
    np.testing.assert_allclose(srcad.hvp(f)(x, y, v), (g(x + e * v, y) - g(x - e * v, y)) / (2 * e),
                               rtol=1e-4, atol=1e-6)


def test_the_gradient_of_a_dict_parameter_iterated_is_a_dict():
    f = make_function("""
        def f(params, x):
            s = 0.0
            for name, w in params.items():
                s = s + np.sum(np.tanh(w * x))
            return s
        """, {"np": np})
    params = {"w1": np.array([0.5, -1.0]), "w2": np.array([2.0, 0.1])}
    x = np.array([0.3, 0.7])
    g = srcad.grad(f)(params, x)
    assert isinstance(g, dict) and list(g) == ["w1", "w2"]
    for k in params:
        def along(w, k=k):
            return f({**params, k: w}, x)
        np.testing.assert_allclose(g[k], numeric_grad(along, [params[k]], 0), rtol=1e-6)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_loop_by_index_refuses_a_set(mode):
    f = make_function("""
        def f(p, x):
            s = 0.0
            for k in p:
                s = s + k * x
            return s
        """, {"np": np})
    with pytest.raises(srcad.SrcadError, match="the loop over 'p' .* is a set") as info:
        if mode == "reverse":
            srcad.grad(f, 1)({1.0, 2.0}, 2.0)
        else:
            srcad.jvp(f, ({1.0, 2.0}, 2.0), (None, 1.0))
    assert info.value.location.lineno == 4 and "for k in p:" in str(info.value)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_loop_over_a_dict_parameter_goes_over_its_keys_as_python_does(mode):
    f = make_function("""
        def f(p, x):
            s = 0.0
            for k in p:
                s = s + k * x * p[k]
            return s
        """, {"np": np})
    p = {2: 1.5, 3: -0.5}
    if mode == "reverse":
        np.testing.assert_allclose(srcad.grad(f, 1)(p, 2.0), 2 * 1.5 + 3 * -0.5)
        grads = srcad.grad(f)(p, 2.0)
        np.testing.assert_allclose([grads[2], grads[3]], [2 * 2.0, 3 * 2.0])
    else:
        value, tangent = srcad.jvp(f, (p, 2.0), (None, 1.0))
        np.testing.assert_allclose((value, tangent), (f(p, 2.0), 2 * 1.5 + 3 * -0.5))
    with pytest.raises(TypeError):  # string keys times a float: Python's own error
        srcad.grad(f, 1)({"a": 1.0}, 2.0)


def test_keys_listed_by_the_user_carry_no_gradient():
    f = make_function("""
        def f(x):
            d = {'a': x, 'b': 3.0 * x}
            s = 0.0
            for k in list(d.keys()):
                s = s + d[k] * x
            return s
        """)
    check_grad(f, [1.3])


VIEWS_OUTSIDE_LOOPS = """
def f(x, params):
    d = {"a": x * 2.0, "b": np.sin(x)}
    total = sum(d.values()) @ x + np.sum(np.stack(list(d.values())))
    total = total + sum(np.sum(v) * len(k) for k, v in d.items())
    vals = list(params.values())
    return total + np.sum(np.stack(vals) * x) + len(params.items()) + np.sum(tuple(params.values())[1] ** 2)
"""


def test_values_and_items_outside_a_loop_header():
    from rulecheck import check_hvp, check_jvp
    f = make_function(VIEWS_OUTSIDE_LOOPS, {"np": np})
    x = np.array([0.3, -0.2, 0.5])
    params = {"a": np.array([1.0, 0.5, -0.3]), "b": np.array([0.2, 0.1, 0.4])}
    check_grad(f, [x, params], argnums=0)
    grads = srcad.grad(f, argnums=1)(x, params)
    for key in params:
        def along(v, key=key):
            return f(x, {**params, key: v})
        np.testing.assert_allclose(grads[key], numeric_grad(along, [params[key]], 0), rtol=1e-6)
    check_jvp(f, [x, params], [0])
    check_hvp(f, [x, params], 0)


def test_values_of_a_user_object_is_its_own_method():
    class Table:
        def __init__(self, v):
            self.v = v

        def values(self):
            return [self.v * 2.0]
    f = make_function("""
        def f(x, t):
            return np.sum(np.stack(list(t.values())) * x)
        """, {"np": np})
    x, t = np.array([0.5, -1.0]), Table(np.array([3.0, 4.0]))
    np.testing.assert_allclose(srcad.grad(f)(x, t), numeric_grad(lambda v: f(v, t), [x], 0),
                               rtol=1e-6)
    np.testing.assert_allclose(srcad.grad(f, 1)(x, t).v, 2.0 * x)
