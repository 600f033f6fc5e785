"""JAX's API conventions: has_aux (grad, value_and_grad, vjp, jvp), linearize, per_example_grad.

Every gradient is checked against central finite differences (tests/gradcheck.py) or autograd;
the structure of what is returned against JAX's conventions; refusals for their SrcadError and line.
"""

from __future__ import annotations

import functools

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

import srcad
from gradcheck import directional, make_function, numeric_grad

RNG = np.random.default_rng(7)


def loss_only(f):
    """The first element of what ``f`` returns: the function has_aux differentiates."""
    return lambda *args: f(*args)[0]


# -- grad / value_and_grad with has_aux -------------------------------------------------------------

MODEL = make_function("""
def model(w, x, y):
    h = np.tanh(x @ w)
    err = h - y
    loss = np.mean(err ** 2)
    return loss, {"h": h, "err": err, "count": len(y), "name": "mse"}
""")


def test_grad_has_aux_structure_and_gradient():
    w, x, y = RNG.normal(size=3), RNG.normal(size=(5, 3)), RNG.normal(size=5)
    g, aux = srcad.grad(MODEL, has_aux=True)(w, x, y)
    np.testing.assert_allclose(g, numeric_grad(loss_only(MODEL), [w, x, y], 0), rtol=1e-6,
                               atol=1e-8)
    expected = MODEL(w, x, y)[1]
    assert set(aux) == set(expected) and aux["count"] == 5 and aux["name"] == "mse"
    np.testing.assert_array_equal(aux["h"], expected["h"])
    np.testing.assert_array_equal(aux["err"], expected["err"])


def test_value_and_grad_has_aux_is_jax_nesting():
    w, x, y = RNG.normal(size=3), RNG.normal(size=(5, 3)), RNG.normal(size=5)
    (loss, aux), g = srcad.value_and_grad(MODEL, has_aux=True)(w, x, y)
    assert loss == pytest.approx(MODEL(w, x, y)[0])
    np.testing.assert_array_equal(aux["h"], MODEL(w, x, y)[1]["h"])
    np.testing.assert_allclose(g, numeric_grad(loss_only(MODEL), [w, x, y], 0), rtol=1e-6,
                               atol=1e-8)


def test_has_aux_with_argnums_tuple_against_autograd():
    def f(a, b):
        loss = anp.sum(anp.sin(a) * b ** 2)
        return loss, (a * 2.0, "tag")
    f_np = make_function("""
def f(a, b):
    loss = np.sum(np.sin(a) * b ** 2)
    return loss, (a * 2.0, "tag")
""")
    a, b = RNG.normal(size=4), RNG.normal(size=4)
    (ga, gb), aux = srcad.grad(f_np, argnums=(0, 1), has_aux=True)(a, b)
    ea, eb = autograd.grad(lambda a, b: f(a, b)[0], (0, 1))(a, b)
    np.testing.assert_allclose(ga, ea, rtol=1e-12)
    np.testing.assert_allclose(gb, eb, rtol=1e-12)
    assert isinstance(aux, tuple) and aux[1] == "tag"
    np.testing.assert_array_equal(aux[0], a * 2.0)


def test_has_aux_aux_depends_on_the_differentiated_path_and_arrays_written_in_place():
    # aux shares arrays with the loss's path, one of them written in place after it was read:
    # the aux returned must be the final values, and the gradient that of the loss alone
    f = make_function("""
def f(x):
    y = np.zeros(3)
    y[0] = x[0]
    z = y * x
    y[1] = np.sin(x[1]) * y[0]
    y[2] = y[1] * x[2]
    loss = np.sum(z ** 2) + y[2]
    return loss, [y, z]
""")
    x = RNG.normal(size=3)
    g, aux = srcad.grad(f, has_aux=True)(x)
    np.testing.assert_allclose(g, numeric_grad(loss_only(f), [x], 0), rtol=1e-6, atol=1e-8)
    expected = f(x.copy())[1]
    assert isinstance(aux, list) and len(aux) == 2
    np.testing.assert_array_equal(aux[0], expected[0])
    np.testing.assert_array_equal(aux[1], expected[1])


def test_has_aux_is_the_value_only_of_the_loss_not_of_aux():
    # a gradient that would change if aux were differentiated too: aux = loss-like expression of x
    f = make_function("""
def f(x):
    return np.sum(x ** 2), np.sum(x ** 3)
""")
    x = RNG.normal(size=4)
    g, aux = srcad.grad(f, has_aux=True)(x)
    np.testing.assert_allclose(g, 2 * x, rtol=1e-12)  # d/dx sum x^2, checked by differences below
    np.testing.assert_allclose(g, numeric_grad(loss_only(f), [x], 0), rtol=1e-6, atol=1e-8)
    assert aux == pytest.approx(np.sum(x ** 3))


def test_has_aux_values_change_between_calls_and_in_a_loop_and_branch():
    f = make_function("""
def f(x, n):
    acc = 0.0
    trace = []
    for k in range(n):
        if x[k % 2] > 0:
            acc = acc + np.sin(x[k % 2]) * k
        else:
            acc = acc + x[k % 2] ** 2
        trace.append(acc)
    return acc, trace
""")
    dfa = srcad.grad(f, has_aux=True)
    for x in (np.array([0.4, -0.7]), np.array([-1.1, 0.3]), np.array([0.2, 0.9])):
        g, trace = dfa(x, 5)
        np.testing.assert_allclose(g, numeric_grad(lambda x: f(x, 5)[0], [x], 0), rtol=1e-6,
                                   atol=1e-8)
        assert trace == pytest.approx(f(x, 5)[1])


def test_has_aux_with_method_and_partial():
    class Model:
        def __init__(self, scale):
            self.scale = scale

        def loss(self, w, x):
            p = np.tanh(x @ w) * self.scale
            return np.sum(p ** 2), {"p": p}

    m = Model(1.5)
    w, x = RNG.normal(size=3), RNG.normal(size=(4, 3))
    g, aux = srcad.grad(m.loss, has_aux=True)(w, x)
    np.testing.assert_allclose(g, numeric_grad(lambda w, x: m.loss(w, x)[0], [w, x], 0),
                               rtol=1e-6, atol=1e-8)
    np.testing.assert_array_equal(aux["p"], m.loss(w, x)[1]["p"])

    part = functools.partial(MODEL, y=np.ones(4))
    (loss, aux), gx = srcad.value_and_grad(part, argnums=1, has_aux=True)(w, x)
    np.testing.assert_allclose(gx, numeric_grad(lambda w, x: part(w, x)[0], [w, x], 1),
                               rtol=1e-6, atol=1e-8)
    assert loss == pytest.approx(part(w, x)[0]) and aux["count"] == 4


def test_has_aux_refusals_name_the_return():
    single = make_function("""
def single(x):
    return np.sum(x)
""")
    with pytest.raises(srcad.SrcadError, match="pair") as info:
        srcad.grad(single, has_aux=True)(np.ones(2))
    assert info.value.location.lineno == 3

    branches = make_function("""
def branches(x):
    if x[0] > 0:
        return np.sum(x), 1, 2
    return np.sum(x), 1
""")
    with pytest.raises(srcad.SrcadError, match="tuple of 3") as info:
        srcad.grad(branches, has_aux=True)(np.ones(2))
    assert info.value.location.lineno == 4
    g, aux = srcad.grad(branches, has_aux=True)(-np.ones(2))  # the other return is a pair
    np.testing.assert_allclose(g, np.ones(2)) and aux == 1

    vector = make_function("""
def vector(x):
    return x * 2, None
""")
    with pytest.raises(srcad.NonScalarOutputError) as info:
        srcad.grad(vector, has_aux=True)(np.ones(2))
    assert info.value.location.lineno == 3


def test_has_aux_refused_for_derivatives_of_derivatives_and_forward_over_it():
    f = make_function("""
def f(x):
    return x ** 3, x
""")
    with pytest.raises(srcad.SrcadError, match="has_aux"):
        srcad.grad(srcad.grad(f, has_aux=True))
    with pytest.raises(srcad.SrcadError, match="has_aux"):
        srcad.jvp(srcad.grad(f, has_aux=True), (2.0,), (1.0,))
    g = srcad.grad(lambda x: x ** 3)
    with pytest.raises(srcad.SrcadError, match="has_aux"):
        srcad.grad(g, has_aux=True)


def test_has_aux_scalar_argument_and_generated_code_seeds_only_the_loss():
    f = make_function("""
def f(x):
    y = x * x
    return np.sin(y), {"y": y}
""")
    g, aux = srcad.grad(f, has_aux=True)(0.7)
    assert g == pytest.approx(numeric_grad(loss_only(f), [0.7], 0), rel=1e-7)
    assert aux["y"] == pytest.approx(0.49)
    assert "seed_aux(out)" in srcad.source(srcad.grad(f, has_aux=True))


# -- vjp / jvp with has_aux -------------------------------------------------------------------------

LAYER = make_function("""
def layer(x, w):
    y = np.sin(x) * w
    return y, {"total": np.sum(y), "k": 2}
""")


def test_vjp_has_aux():
    x, w = RNG.normal(size=3), RNG.normal(size=3)
    out, vjp_fn, aux = srcad.vjp(LAYER, x, w, has_aux=True)
    np.testing.assert_array_equal(out, LAYER(x, w)[0])
    assert aux["k"] == 2 and aux["total"] == pytest.approx(LAYER(x, w)[1]["total"])
    for _ in range(2):  # (the second call runs the forward sweep again)
        v = RNG.normal(size=3)
        gx, gw = vjp_fn(v)
        f_v = lambda x, w: float(np.dot(v, LAYER(x, w)[0]))  # noqa: E731
        np.testing.assert_allclose(gx, numeric_grad(f_v, [x, w], 0), rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(gw, numeric_grad(f_v, [x, w], 1), rtol=1e-6, atol=1e-8)
    with pytest.raises(srcad.SrcadError, match="cotangent"):
        vjp_fn((np.ones(3), {"total": 1.0, "k": 0.0}))  # a cotangent for out alone


def test_jvp_has_aux():
    x, w, v = RNG.normal(size=3), RNG.normal(size=3), RNG.normal(size=3)
    out, tangent, aux = srcad.jvp(LAYER, (x, w), (v, None), has_aux=True)
    np.testing.assert_array_equal(out, LAYER(x, w)[0])
    assert aux["k"] == 2
    np.testing.assert_allclose(tangent, directional(lambda x, w: LAYER(x, w)[0], [x, w], 0, v),
                               rtol=1e-6, atol=1e-8)
    ident = make_function("""
def ident(x):
    return x, 0
""")
    _, t, _ = srcad.jvp(ident, (x,), (v,), has_aux=True)
    np.testing.assert_array_equal(t, v)
    assert not np.shares_memory(t, v)


def test_vjp_jvp_has_aux_refusal_names_the_return():
    plain = make_function("""
def plain(x):
    y = x * 2
    return y
""")
    with pytest.raises(srcad.SrcadError, match="pair") as info:
        srcad.vjp(plain, np.ones(2), has_aux=True)
    assert info.value.location.lineno == 4
    with pytest.raises(srcad.SrcadError, match="pair") as info:
        srcad.jvp(plain, (np.ones(2),), (np.ones(2),), has_aux=True)
    assert info.value.location.lineno == 4


# -- linearize --------------------------------------------------------------------------------------

def test_linearize_matches_differences_and_keeps_the_primals():
    f = make_function("""
def f(x, w):
    return np.tanh(x * w) + x ** 2
""")
    x, w = RNG.normal(size=4), RNG.normal(size=4)
    x0, w0 = x.copy(), w.copy()
    out, f_jvp = srcad.linearize(f, x, w)
    np.testing.assert_allclose(out, f(x0, w0))
    x[:] = 100.0  # the caller changes its array: f_jvp stays at the primals given
    for _ in range(2):
        vx, vw = RNG.normal(size=4), RNG.normal(size=4)
        expected = directional(lambda a: f(x0 + a * vx, w0 + a * vw), [0.0], 0, 1.0)
        np.testing.assert_allclose(f_jvp(vx, vw), expected, rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(f_jvp(vx, None), directional(f, [x0, w0], 0, vx), rtol=1e-6,
                                   atol=1e-8)
    with pytest.raises(srcad.SrcadError, match="one tangent per primal"):
        f_jvp(vx)


def test_linearize_is_linear_and_agrees_with_autograd():
    f = make_function("""
def f(x):
    return np.sum(np.exp(x) * np.cos(x))
""")
    x = RNG.normal(size=3)
    _, f_jvp = srcad.linearize(f, x)
    u, v = RNG.normal(size=3), RNG.normal(size=3)
    g = autograd.grad(lambda x: anp.sum(anp.exp(x) * anp.cos(x)))(x)
    assert f_jvp(u) == pytest.approx(np.dot(g, u), rel=1e-12)
    assert f_jvp(2 * u + v) == pytest.approx(2 * f_jvp(u) + f_jvp(v), rel=1e-10)


# -- per_example_grad -------------------------------------------------------------------------------

LOSS = make_function("""
def loss(p, x, y):
    pred = np.tanh(x @ p["w"] + p["b"])
    return (pred - y) ** 2
""")


def test_per_example_grad_against_autograd_per_example():
    p = {"w": RNG.normal(size=3), "b": 0.3}
    X, Y = RNG.normal(size=(6, 3)), RNG.normal(size=6)
    G = srcad.per_example_grad(LOSS)(p, X, Y)
    assert set(G) == {"w", "b"} and G["w"].shape == (6, 3) and G["b"].shape == (6,)

    def loss_ag(p, x, y):
        return (anp.tanh(anp.dot(x, p["w"]) + p["b"]) - y) ** 2
    for i in range(6):
        e = autograd.grad(loss_ag)(p, X[i], Y[i])
        np.testing.assert_allclose(G["w"][i], e["w"], rtol=1e-12)
        assert G["b"][i] == pytest.approx(e["b"], rel=1e-12)


def test_per_example_grad_argnums_and_batch_argnums_explicit():
    f = make_function("""
def f(w, scale, x):
    return scale * np.sum(np.sin(w * x) ** 2)
""")
    w, X = RNG.normal(size=2), RNG.normal(size=(3, 2))
    G = srcad.per_example_grad(f, argnums=0, batch_argnums=2)(w, 1.7, X)
    for i in range(3):
        np.testing.assert_allclose(G[i], numeric_grad(f, [w, 1.7, X[i]], 0), rtol=1e-6,
                                   atol=1e-8)
    Gw, Gx = srcad.per_example_grad(f, argnums=(0, 2), batch_argnums=(2,))(w, 1.7, X)
    assert Gw.shape == (3, 2) and Gx.shape == (3, 2)
    for i in range(3):
        np.testing.assert_allclose(Gx[i], numeric_grad(f, [w, 1.7, X[i]], 2), rtol=1e-6,
                                   atol=1e-8)


def test_per_example_grad_batched_containers_and_tuple_gradients():
    f = make_function("""
def f(params, batch):
    a, b = params
    return np.sum(a * batch["x"]) + b * batch["y"] ** 2
""")
    params = (RNG.normal(size=2), 0.4)
    batch = {"x": RNG.normal(size=(4, 2)), "y": RNG.normal(size=4)}
    ga, gb = srcad.per_example_grad(f)(params, batch)
    assert ga.shape == (4, 2) and gb.shape == (4,)
    np.testing.assert_allclose(ga, batch["x"])
    np.testing.assert_allclose(gb, batch["y"] ** 2)


def test_per_example_grad_refusals():
    p = {"w": RNG.normal(size=3), "b": 0.3}
    X, Y = RNG.normal(size=(6, 3)), RNG.normal(size=5)
    with pytest.raises(srcad.SrcadError, match="different numbers of examples"):
        srcad.per_example_grad(LOSS)(p, X, Y)
    with pytest.raises(srcad.SrcadError, match="no leading axis"):
        srcad.per_example_grad(LOSS)(p, X, 1.0)
    with pytest.raises(srcad.SrcadError, match="empty"):
        srcad.per_example_grad(LOSS)(p, X[:0], Y[:0])
    with pytest.raises(srcad.SrcadError, match="batch_argnums names argument 5"):
        srcad.per_example_grad(LOSS, batch_argnums=(1, 5))(p, X, Y[:6])
    with pytest.raises(srcad.SrcadError, match="no argument is batched"):
        srcad.per_example_grad(LOSS, argnums=(0, 1, 2))(p, X[0], 1.0)


def test_per_example_grad_object_gradient_refused():
    import dataclasses

    @dataclasses.dataclass
    class P:
        w: np.ndarray

    def f(p, x):
        return np.sum(p.w * x)
    with pytest.raises(srcad.SrcadError, match="cannot stack"):
        srcad.per_example_grad(f)(P(np.ones(2)), np.ones((3, 2)))


WRITES = make_function("""
def writes(x):
    y = np.zeros(3)
    y[0] = x[0]
    z = y * x
    y[1] = np.sin(x[1]) * y[0]
    return y * 1.0, [y, z]
""")


def test_vjp_output_and_aux_unchanged_by_vjp_fn():
    # the backward restores y (written in place after z read it): what vjp gave back must not
    # change when vjp_fn runs (it did, silently, before outputs were copied)
    x = RNG.normal(size=3)
    expected = WRITES(x.copy())
    out, vjp_fn = srcad.vjp(WRITES, x)
    gx, = vjp_fn((np.ones(3), [np.zeros(3), np.zeros(3)]))
    np.testing.assert_array_equal(out[1][0], expected[1][0])
    np.testing.assert_array_equal(out[0], expected[0])
    f_v = lambda x: float(np.sum(WRITES(x)[0]))  # noqa: E731
    np.testing.assert_allclose(gx, numeric_grad(f_v, [x], 0), rtol=1e-6, atol=1e-8)

    out, vjp_fn, aux = srcad.vjp(WRITES, x, has_aux=True)
    gx, = vjp_fn(np.ones(3))
    vjp_fn(np.ones(3))  # (a second call: the forward again)
    np.testing.assert_array_equal(aux[0], expected[1][0])
    np.testing.assert_allclose(gx, numeric_grad(f_v, [x], 0), rtol=1e-6, atol=1e-8)


def test_grad_has_aux_dict_in_aux_holds_a_restored_array():
    f = make_function("""
def f(x):
    y = np.zeros(2)
    y[0] = x[0]
    z = y * x
    y[1] = x[1] * 3.0
    return np.sum(z ** 2), {"y": y, "parts": (y, z)}
""")
    x = RNG.normal(size=2)
    expected = f(x.copy())[1]
    (loss, aux), g = srcad.value_and_grad(f, has_aux=True)(x)
    np.testing.assert_array_equal(aux["y"], expected["y"])
    np.testing.assert_array_equal(aux["parts"][0], expected["y"])
    assert isinstance(aux["parts"], tuple)
    np.testing.assert_allclose(g, numeric_grad(loss_only(f), [x], 0), rtol=1e-6, atol=1e-8)
