"""Arrays of the Array API standard that NumPy's functions do not dispatch to (``array_api_strict``,
the standard's reference library): differentiated on NumPy views of their memory (DLPack, no
copy), the results given back as the arguments' library's arrays (srcad.api.views).

Each check runs srcad on NumPy arrays (checked by the rest of the suite against finite differences
and autograd) and on the same values as array_api_strict arrays: the value, gradients, tangents
and Hessian-vector products must be array_api_strict arrays of the right shapes, equal to NumPy's,
and the arguments unchanged. The rule table's elementwise entries, the control-flow corpus, code
written in the Array API idiom, forward mode, vjp and second order.
"""

from __future__ import annotations

import dataclasses

import array_api_strict as xps
import numpy as np
import pytest

import corpus_control
import srcad
from gradcheck import make_function
from rulecheck import (_weighted_array_cases, differentiable_entries, entry_id,
                       is_python_scalar_only, positional_arity)
from test_array_api_idiom import OPERATIONS, idiom

STRICT = type(xps.asarray(1.0))


def strict(value):
    return xps.asarray(value) if isinstance(value, np.ndarray) else value


def as_tuple(grads, argnums):
    return grads if isinstance(argnums, tuple) else (grads,)


def same(got, expected, strict_expected=True):
    """``got`` an array_api_strict array (where ``strict_expected``; or a Python number where
    NumPy's is one), equal to ``expected``."""
    if strict_expected and isinstance(expected, (np.ndarray, np.generic)):
        assert isinstance(got, STRICT), type(got)
        assert tuple(got.shape) == np.shape(expected)
        got = np.from_dlpack(got)
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-15)


def on_strict(fn, args, argnums):
    """value_and_grad on array_api_strict arrays against NumPy's; the arguments unchanged."""
    expected_value, expected = srcad.value_and_grad(fn, argnums)(*args)
    sargs = [strict(a) for a in args]
    before = [np.from_dlpack(a).copy() if isinstance(a, STRICT) else None for a in sargs]
    value, grads = srcad.value_and_grad(fn, argnums)(*sargs)
    same(value, expected_value)
    for k, g, e in zip(as_tuple(argnums, argnums), as_tuple(grads, argnums),
                       as_tuple(expected, argnums)):
        same(g, e, isinstance(sargs[k], STRICT))  # (a gradient follows its argument)
        if not isinstance(sargs[k], STRICT):
            assert type(g) is type(e), (type(g), type(e))
    for a, b in zip(sargs, before):
        if b is not None:
            np.testing.assert_array_equal(np.from_dlpack(a), b)


ENTRIES = [(fn, rule) for fn, rule in differentiable_entries() if not is_python_scalar_only(fn)]


@pytest.mark.parametrize("fn, rule", ENTRIES, ids=[entry_id(f, r) for f, r in ENTRIES])
def test_rule_table_on_strict_arrays(fn, rule):
    n = positional_arity(rule)
    for f, args in _weighted_array_cases(fn, rule, seed=2):
        on_strict(f, args, tuple(range(n)))


ARRAY_CASES = [(fn, makers, argnums) for fn, makers, argnums in corpus_control.CASES
               if any(isinstance(m(np.random.default_rng(0)), np.ndarray)
                      and m(np.random.default_rng(0)).ndim for m in makers)]


@pytest.mark.parametrize("fn, makers, argnums", ARRAY_CASES,
                         ids=[f"{c[0].__name__}-{k}" for k, c in enumerate(ARRAY_CASES)])
def test_control_flow_corpus_on_strict_arrays(fn, makers, argnums):
    rng = np.random.default_rng(0)
    on_strict(fn, [make(rng) for make in makers], argnums)


@pytest.mark.parametrize("expression", OPERATIONS)
def test_the_array_api_idiom_on_strict_arrays(expression):
    rng = np.random.default_rng(5)
    on_strict(idiom(expression), [rng.uniform(0.2, 0.8, (3, 4)), rng.uniform(0.2, 0.8, (3, 4))],
              (0, 1))


def loss(W, b, X):
    h = np.tanh(X @ W + b)
    return np.sum(h ** 2) / X.shape[0]


def test_forward_mode_vjp_and_second_order_give_strict_arrays():
    rng = np.random.default_rng(7)
    W, b, X = rng.standard_normal((3, 2)), rng.standard_normal(2), rng.standard_normal((5, 3))
    V = rng.standard_normal((3, 2))
    sW, sb, sX, sV = (xps.asarray(a) for a in (W, b, X, V))
    value, tangent = srcad.jvp(loss, (W, b, X), (V, None, None))
    svalue, stangent = srcad.jvp(loss, (sW, sb, sX), (sV, None, None))
    same(svalue, value)
    same(stangent, tangent)
    out, fn = srcad.vjp(loss, W, b, X)
    sout, sfn = srcad.vjp(loss, sW, sb, sX)
    same(sout, out)
    for got, expected in zip(sfn(xps.asarray(1.0)), fn(np.float64(1.0))):
        same(got, expected)
    same(srcad.hvp(loss)(sW, sb, sX, sV), srcad.hvp(loss)(W, b, X, V))
    same(srcad.grad(srcad.grad(lambda w: np.sum(np.sin(w) ** 3)))(xps.asarray(0.4)),
         srcad.grad(srcad.grad(lambda w: np.sum(np.sin(w) ** 3)))(np.float64(0.4)))


def test_containers_of_strict_arrays_and_a_function_writing_into_its_argument():
    def f(params, x):
        x[0] = x[0] * params["w"][1]
        return np.sum(params["w"] * x) + np.sum(params["b"] ** 2)
    params = {"w": np.array([0.5, 1.5, 2.0]), "b": np.array([0.3])}
    x = np.array([1.0, 2.0, 3.0])
    expected = srcad.grad(f, (0, 1))(params, x.copy())
    sparams = {k: xps.asarray(v) for k, v in params.items()}
    sx = xps.asarray(x)
    got = srcad.grad(f, (0, 1))(sparams, sx)
    same(got[0]["w"], expected[0]["w"])
    same(got[0]["b"], expected[0]["b"])
    same(got[1], expected[1])
    np.testing.assert_array_equal(np.from_dlpack(sx), x)  # (never modified)


def test_the_gradient_is_on_the_arguments_device():
    elsewhere = xps.asarray([1.0, 2.0], device=xps.Device("device1"))
    got = srcad.grad(lambda v: np.sum(v ** 2))(elsewhere)
    assert got.device == elsewhere.device
    same(got, np.array([2.0, 4.0]))


def test_arrays_of_two_libraries_viewed_in_one_call_are_refused():
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (the benchmark extra)")
    with pytest.raises(srcad.SrcadError, match="one library"):
        srcad.grad(lambda a, b: np.sum(a * b))(xps.asarray([1.0]), torch.ones(1, dtype=torch.float64))


W_STRICT = xps.asarray([1.0, 2.0])


class Model:
    def __init__(self):
        self.W = W_STRICT

    def loss(self, x):
        return np.sum(self.W * x)


@pytest.mark.parametrize("source", ["xps.sum(xps.sin(x))", "np.sum(W_STRICT * x)"])
def test_the_library_mixed_with_the_views_is_a_located_refusal(source):
    """A function calling array_api_strict's own functions, or holding its arrays as constants,
    is handed NumPy views, which array_api_strict refuses: a located SrcadError."""
    f = make_function(f"""
        def f(x):
            return {source}
        """, {"xps": xps, "W_STRICT": W_STRICT})
    with pytest.raises(srcad.SrcadError, match="array_namespace") as info:
        srcad.grad(f)(xps.asarray([0.1, 0.2]))
    assert info.value.location is not None and info.value.location.lineno == 3
    with pytest.raises(srcad.SrcadError, match="array_namespace"):
        srcad.jvp(f, (xps.asarray([0.1, 0.2]),), (xps.asarray([1.0, 0.0]),))
    with pytest.raises(srcad.SrcadError, match="array_namespace"):
        srcad.grad(Model().loss)(xps.asarray([0.1, 0.2]))


def test_what_views_do_not_reach_is_refused():
    @dataclasses.dataclass
    class P:
        w: object
    with pytest.raises(srcad.SrcadError, match="does not look into"):
        srcad.grad(lambda p: np.sum(p.w ** 2))(P(xps.asarray([0.1, 0.2])))
    with pytest.raises(srcad.SrcadError, match="2 devices"):
        srcad.grad(lambda a, b: np.sum(a * b), (0, 1))(
            xps.asarray([1.0]), xps.asarray([2.0], device=xps.Device("device1")))


def test_results_follow_their_arguments():
    """A gradient is of its argument's library (NumPy's for a NumPy argument, a NumPy scalar for
    a Python float); the value is the viewed library's; aux too (its dataclasses walked)."""
    @dataclasses.dataclass
    class State:
        h: object
    def f(x, w, c):
        return np.sum(x * w) * c, State(x * 2.0)
    x, w = xps.asarray([0.3, 0.5]), np.array([1.0, 2.0])
    (gx, gw, gc), aux = srcad.grad(f, (0, 1, 2), has_aux=True)(x, w, 1.5)
    assert isinstance(gx, STRICT) and type(gw) is np.ndarray and isinstance(gc, (float, np.floating))
    assert isinstance(aux.h, STRICT)
    same(gx, np.array([1.5, 3.0]))
    out, t = srcad.jvp(lambda v: np.sin(v), (np.array([0.3]),), (xps.asarray([1.0]),))
    assert type(out) is np.ndarray and isinstance(t, STRICT)
    out, fn = srcad.vjp(lambda v: np.sin(v), np.array([0.3, 0.5]))
    (g,) = fn(xps.asarray([1.0, 1.0]))  # (a strict cotangent: viewed too)
    assert type(g) is np.ndarray
    np.testing.assert_allclose(g, np.cos([0.3, 0.5]))


def test_nans_linearize_holomorphic_and_the_functions_built_on_gradients():
    with pytest.raises(srcad.SrcadError, match="NaN"):  # (checked before given back)
        srcad.hvp(lambda v: np.sum(np.sqrt(v)))(xps.asarray([0.0, 1.0]), xps.asarray([0.0, 1.0]))
    xs = xps.asarray([0.3, 0.5])
    _, f_jvp = srcad.linearize(lambda v: np.sin(v), xs)
    np.from_dlpack(xs)[:] = 5.0  # (the caller changes its array: linearize kept a copy)
    same(f_jvp(xps.asarray([1.0, 1.0])), np.cos([0.3, 0.5]))
    z = xps.asarray([0.3 + 0.2j, 0.1 - 0.4j])
    got = srcad.grad(lambda v: np.sum(v ** 2), holomorphic=True)(z)
    same(got, 2 * np.array([0.3 + 0.2j, 0.1 - 0.4j]))
    x = xps.asarray([0.3, 0.5, 0.7])
    f = lambda v: np.sum(np.sin(v) * v)  # noqa: E731
    same(srcad.hessian(f)(x), srcad.hessian(f)(np.asarray([0.3, 0.5, 0.7])))
    same(srcad.jacfwd(lambda v: np.sin(v))(x), np.diag(np.cos([0.3, 0.5, 0.7])))
    same(srcad.jacrev(lambda v: np.sin(v))(x), np.diag(np.cos([0.3, 0.5, 0.7])))
    srcad.check_grads(f, (x,), modes=("rev", "fwd"), order=2)
    batch = srcad.per_example_grad(lambda wt, v: np.sum(wt * v), 0, 1)(x, xps.ones((2, 3)))
    same(batch, np.ones((2, 3)))
