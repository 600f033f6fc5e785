"""Calls to the user's own functions, custom gradients and stop_gradient."""

import math

import numpy as np
import pytest

import corpus_calls as cc
import srcad
from gradcheck import check_grad, make_function

rng = np.random.default_rng(3)

CASES = [
    (cc.mlp, [rng.normal(size=(3, 2)), rng.normal(size=(2, 3)), rng.normal(size=2)], (0, 1, 2)),
    (cc.uses_tuple_result, [rng.normal(size=5)], 0),
    (cc.power, [1.3, 4], 0),
    (cc.power, [1.3, 0], 0),
    (cc.in_loop_and_branch, [0.7], 0),
    (cc.other_module, [0.3], 0),
    (cc.uses_closure, [0.4], 0),
    (cc.uses_lambda, [0.4], 0),
    (cc.uses_dict, [0.4], 0),
    (cc.calls_reader, [0.4], 0),
    (cc.keywords_and_defaults, [rng.normal(size=2), rng.normal(size=2)], (0, 1)),
    (cc.square_chain, [0.6], 0),
    (cc.mutual_even, [0.7, 5], 0),
    (cc.nested_def, [rng.normal(size=2), 0.7], (0, 1)),
    (cc.nested_def_in_loop, [rng.normal(size=2), 3], 0),
    (cc.twice_square, [0.7], 0),
    (cc.calls_wrapped, [0.7], 0),
    (cc.uses_total, [0.7, -0.3], (0, 1)),
    (cc.total, [0.7, -0.3, 0.2], (0, 1, 2)),
    (cc.head_and_rest, [0.7, -0.3, 0.2], (0, 2)),
    (cc.scaled, [rng.normal(size=2)], 0),
    (cc.calls_keyword_only, [rng.normal(size=2), 1.5], (0, 1)),
    (cc.dict_literal, [rng.normal(size=(2, 3)), rng.normal(size=2), rng.normal(size=3)], (0, 1, 2)),
]


@pytest.mark.parametrize("fn, args, argnums", CASES, ids=[c[0].__name__ for c in CASES])
def test_calls_against_differences(fn, args, argnums):
    check_grad(fn, args, argnums)


def test_each_callee_is_derived_once_per_active_arguments_and_shown():
    text = srcad.source(srcad.grad(cc.mlp, argnums=(0, 1)))
    assert text.count("def forward_sigmoid(") == 1  # sigmoid: one pair, shared by both layers
    # layer w.r.t. (W, x), and w.r.t. W alone: two backward functions, one forward (the same
    # text: pass 11b keeps one)
    assert text.count("def backward_layer") == 2 and text.count("def forward_layer") == 1
    assert text.index("def grad_mlp(") < text.index("def forward_layer")
    text = srcad.source(srcad.grad(cc.square_chain))
    assert text.count("def forward_sq(") == 1 and text.count("def backward_sq(") == 1


def test_globals_of_callees_are_read_at_call_time():
    df = srcad.grad(cc.calls_reader)
    assert df(2.0) == pytest.approx(2 * 2.0 * 0.5)
    cc.OFFSET = 1.5
    try:
        assert df(2.0) == pytest.approx(2 * 2.0 * 1.5)
    finally:
        cc.OFFSET = 0.5


def test_inactive_calls_run_the_user_function_itself():
    text = srcad.source(srcad.grad(cc.mlp, argnums=0))
    assert "forward_layer" in text  # the second layer still needs dh
    f = make_function("""
        def f(x, k):
            scale = helper(k)
            return x * scale
        """, {"helper": cc.sigmoid})
    text = srcad.source(srcad.grad(f))
    assert "scale = helper(k)" in text and "forward_" not in text


def test_function_without_source_names_it_and_points_to_custom_vjp():
    ns = {}
    exec("def secret(x):\n    return x * 2\n", ns)
    f = make_function("""
        def f(x):
            return secret(x) + x
        """, {"secret": ns["secret"]})
    with pytest.raises(srcad.SourceUnavailableError) as info:
        srcad.grad(f)(1.0)
    assert "secret" in str(info.value) and "custom_vjp" in str(info.value)
    assert info.value.location.lineno == 3


def test_builtin_without_rule_points_to_defvjp():
    f = make_function("""
        def f(x):
            return math.gamma(x)
        """, {"math": math})
    with pytest.raises(srcad.NoGradientRuleError, match="defvjp"):
        srcad.grad(f)(1.5)


def test_custom_vjp_is_used_even_when_it_differs(restore_rules):
    @srcad.custom_vjp
    def double(x):
        return 2.0 * x

    @double.defvjp
    def double_vjp(g, ans, x):
        return 100.0 * g  # deliberately not the true gradient

    f = make_function("""
        def f(x):
            return double(x) * 3.0
        """, {"double": double})
    assert srcad.grad(f)(1.0) == pytest.approx(300.0)
    # inside a callee too
    g = make_function("""
        def g(x):
            return inner(x) + x
        """, {"inner": make_function("""
        def inner(x):
            return double(x)
        """, {"double": double})})
    assert srcad.grad(g)(1.0) == pytest.approx(101.0)


def test_custom_vjp_for_numerical_stability(restore_rules):
    @srcad.custom_vjp
    def log1pexp(x):
        return np.logaddexp(0.0, x)

    @log1pexp.defvjp
    def log1pexp_vjp(g, ans, x):
        return g * (1 - np.exp(-ans))  # = sigmoid(x), without overflow

    f = make_function("""
        def f(x):
            return np.sum(log1pexp(x))
        """, {"log1pexp": log1pexp})
    x = np.array([-800.0, -3.0, 0.0, 3.0, 800.0])
    np.testing.assert_allclose(srcad.grad(f)(x), 1 / (1 + np.exp(-np.clip(x, -50, 50))), atol=1e-12)


def test_defvjp_for_a_function_without_source_with_several_arguments(restore_rules):
    srcad.defvjp(math.gamma, lambda g, ans, x: g * 7.0)
    srcad.defvjp(math.copysign, lambda g, ans, x, y: (g * 2.0, None))
    f = make_function("""
        def f(x, y):
            return math.gamma(x) + math.copysign(x, y) * y
        """, {"math": math})
    dx, dy = srcad.grad(f, argnums=(0, 1))(1.5, 2.0)
    assert dx == pytest.approx(7.0 + 2.0 * 2.0)
    assert dy == pytest.approx(math.copysign(1.5, 2.0))


def test_registering_twice_needs_replace(restore_rules):
    def vjp(g, ans, x):
        return g
    srcad.defvjp(math.gamma, vjp)
    with pytest.raises(srcad.SrcadError, match="replace=True"):
        srcad.defvjp(math.gamma, vjp)
    with pytest.raises(srcad.SrcadError, match="replace=True"):
        srcad.defvjp(np.exp, vjp)  # a built-in rule too
    srcad.defvjp(math.gamma, lambda g, ans, x: 5 * g, replace=True)
    f = make_function("""
        def f(x):
            return math.gamma(x)
        """, {"math": math})
    assert srcad.grad(f)(2.0) == 5.0


def test_vjp_returning_the_wrong_number_of_gradients(restore_rules):
    srcad.defvjp(math.copysign, lambda g, ans, x, y: g)
    f = make_function("""
        def f(x):
            return math.copysign(x, 2.0)
        """, {"math": math})
    with pytest.raises(srcad.SrcadError, match="one gradient per positional argument"):
        srcad.grad(f)(1.0)


def test_stop_gradient_in_a_callee():
    f = make_function("""
        import srcad

        def inner(x):
            return x * srcad.stop_gradient(x)

        def f(x):
            return inner(x) * 2.0
        """, name="f")
    assert srcad.grad(f)(3.0) == pytest.approx(6.0)


def test_functions_passed_as_arguments_are_resolved_at_call_time():
    x = np.array([0.3, -0.8])
    df = srcad.grad(cc.uses_function_argument)
    for act in (np.tanh, cc.sigmoid, cc.softsign, cc.cube):
        check_grad(cc.uses_function_argument, [x, act])
    df(x, np.tanh)
    assert "forward_" not in srcad.source(df)  # np.tanh has a rule: no callee to derive
    df(x, cc.sigmoid)
    assert "def forward_sigmoid(" in srcad.source(df)  # the last transformation used
    df(x, np.tanh)
    assert len(df._cache) == 2  # one transformation per function passed
    check_grad(cc.passes_function_down, [0.4])
    text = srcad.source(srcad.grad(cc.passes_function_down))
    assert text.count("def forward_apply_twice") == 2  # one per function passed down


def test_wrapped_function_is_differentiated_as_the_wrapper():
    # functools.wraps sets __wrapped__; srcad must read the wrapper, which doubles the value
    assert srcad.grad(cc.twice_square)(0.7) == pytest.approx(2.8)


def test_star_args_functions_are_specialized_per_count():
    df = srcad.grad(cc.total, argnums=0)
    assert df(1.0, 2.0) == pytest.approx(2.0)
    assert df(1.0, 2.0, 3.0) == pytest.approx(2.0)
    assert len(df._cache) == 2


def test_keyword_only_parameters_keep_their_defaults():
    x = np.array([0.3, -0.5])
    df = srcad.grad(cc.scaled)
    np.testing.assert_allclose(df(x), 4.0 * x)
    np.testing.assert_allclose(df(x, scale=1.0), 2.0 * x)
    np.testing.assert_allclose(df(x, power=3), 6.0 * x ** 2)


def test_vjp_with_a_dict_argument_gives_a_dict():
    W, b, x = rng.normal(size=(2, 3)), rng.normal(size=2), rng.normal(size=3)
    out, f_vjp = srcad.vjp(cc.model, {"W": W, "b": b}, x)
    dparams, dx = f_vjp(np.ones(2))
    assert set(dparams) == {"W", "b"}
    np.testing.assert_allclose(dparams["b"], 1 - np.tanh(W @ x + b) ** 2)


# -- nested defs: a local of one named like another nested def ------------------------------------

def nested_local_shadows_sibling(x):
    def sq(y):
        return y * y

    def cube(y):
        sq = y * y          # a local of its own, not the nested function
        return sq * y
    return sq(x) + cube(x)


def test_a_nested_def_may_have_a_local_named_like_another_nested_def():
    check_grad(nested_local_shadows_sibling, [1.5], 0)


def test_transformations_per_function_passed_are_bounded_and_stay_correct():
    from srcad.results import Bounded

    df = srcad.grad(cc.uses_function_argument)
    x = np.array([0.3, -0.8])
    scales = [1.0 + k / 10 for k in range(Bounded().limit + 6)]
    acts = [(lambda s: lambda v: s * np.tanh(v))(s) for s in scales]  # one new function each
    for s, act in zip(scales, acts):
        expected = s * (1 - np.tanh(x) ** 2) * x + s * np.tanh(x)  # d/dx sum(s tanh(x) x)
        np.testing.assert_allclose(df(x, act), expected, rtol=1e-12)
    assert len(df._cache) == Bounded().limit  # the oldest were forgotten
    np.testing.assert_allclose(df(x, acts[0]), scales[0] * (1 - np.tanh(x) ** 2) * x
                               + scales[0] * np.tanh(x), rtol=1e-12)  # made again, still right
