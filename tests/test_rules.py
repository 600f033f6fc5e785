"""Every entry of the rule table, checked against finite differences: scalars, arrays, broadcasting.

The test cases are generated from ``srcad.rules.RULES`` itself, so a new rule is tested by being added.
"""

import math

import numpy as np
import pytest

import srcad
from srcad import rules
from gradcheck import check_grad, make_function
from rulecheck import (check_gradient_arrays, check_gradient_scalars, differentiable_entries, entry_id,
                       is_python_scalar_only)

ENTRIES = [pytest.param(fn, rule, id=entry_id(fn, rule)) for fn, rule in differentiable_entries()]


@pytest.mark.parametrize("fn, rule", ENTRIES)
def test_rule_scalars(fn, rule):
    check_gradient_scalars(fn, rule)


@pytest.mark.parametrize("fn, rule", [p for p in ENTRIES if not is_python_scalar_only(p.values[0])])
def test_rule_arrays_with_broadcasting(fn, rule):
    check_gradient_arrays(fn, rule)


def test_a_primitive_added_with_one_entry_is_tested_like_the_others(new_primitive):
    # np.fmod, registered by the fixture with one defrule entry: the table's iteration includes it,
    # and it passes the same checks as every built-in entry (JVP and HVP: tests/test_forward.py)
    fn, rule = new_primitive
    assert (fn, rule) in list(differentiable_entries())
    check_gradient_scalars(fn, rule)
    check_gradient_arrays(fn, rule)


@pytest.mark.parametrize("reduction", ["sum", "mean", "max", "min", "amax", "amin"])
@pytest.mark.parametrize("kwargs", ["", ", axis=0", ", axis=1", ", axis=-1", ", axis=(0, 2)",
                                    ", axis=1, keepdims=True", ", axis=-2, keepdims=True",
                                    ", keepdims=True"])
def test_reductions(reduction, kwargs):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 3, 4))
    out = getattr(np, reduction)(x, **eval(f"dict({kwargs[2:]})"))
    w = rng.normal(size=np.shape(out))
    f = make_function(f"""
        def f(x):
            return np.sum(np.{reduction}(x{kwargs}) * w)
        """, {"w": w})
    check_grad(f, [x])


@pytest.mark.parametrize("reduction", ["max", "min"])
def test_max_min_split_ties_evenly(reduction):
    import srcad
    f = make_function(f"""
        def f(x):
            return np.sum(np.{reduction}(x, axis=1) * np.array([1.0, 2.0]))
        """)
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]) * (1 if reduction == "max" else -1)
    expected = np.array([[0.0, 0.5, 0.5], [2 / 3, 2 / 3, 2 / 3]])
    np.testing.assert_allclose(srcad.grad(f)(x), expected)


def test_reduction_methods_and_transpose():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(3, 4))
    w = rng.normal(size=(4, 3))
    f = make_function("""
        def f(x):
            return (x.T * w).sum() + x.mean(axis=0).sum() * 2 + np.transpose(x, (1, 0))[0].sum() \
                + x.max(axis=1).sum() - x.min()
        """, {"w": w})
    check_grad(f, [x])


MATMUL_SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
                 ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)), ((5, 2, 3), (5, 3, 4)), ((1, 2, 3), (4, 3, 2))]


# np.dot differs from matmul above two dimensions (test_dot_high_dim_refuses covers it).
PRODUCT_CASES = [(spelling, a, b) for spelling in ["a @ b", "np.matmul(a, b)", "np.dot(a, b)"]
                 for a, b in MATMUL_SHAPES
                 if not (spelling.startswith("np.dot") and (len(a) > 2 or len(b) > 2))]


@pytest.mark.parametrize("spelling, a_shape, b_shape", PRODUCT_CASES)
def test_products(spelling, a_shape, b_shape):
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=a_shape), rng.normal(size=b_shape)
    w = rng.normal(size=np.shape(np.matmul(a, b)))
    f = make_function(f"""
        def f(a, b):
            return np.sum(({spelling}) * w)
        """, {"w": w})
    check_grad(f, [a, b], argnums=(0, 1))


def test_dot_with_scalars():
    rng = np.random.default_rng(6)
    f = make_function("""
        def f(a, b):
            return np.sum(np.dot(a, b))
        """)
    check_grad(f, [2.5, rng.normal(size=(2, 3))], argnums=(0, 1))


def test_dot_of_more_dimensions():
    # np.dot of a 3-d and a 2-d array (a sum over a's last axis and b's second to last): was
    # refused, now the adjoints of tensordot; the weights make every entry of the result count
    f = make_function("""
        def f(a, b):
            return np.sum(np.dot(a, b) * np.arange(1.0, 9.0).reshape(2, 2, 2))
        """)
    rng = np.random.default_rng(3)
    check_grad(f, (rng.normal(size=(2, 2, 3)), rng.normal(size=(3, 2))), argnums=(0, 1))


@pytest.mark.parametrize("index", ["1", "-1", "1:3", "::2", "(0, 1)", "(slice(None), 1)",
                                   "[0, 0, 2]", "x0 > 0"])
def test_indexing_reads(index):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(4, 3)) + 0.1
    f = make_function(f"""
        def f(x):
            x0 = x
            y = x[{index}]
            return np.sum(y * y)
        """)
    check_grad(f, [x])


def test_nondifferentiable_functions_give_zero_gradient():
    f = make_function("""
        def f(x):
            return np.sum(np.floor(x) * x) + np.sign(x[0])
        """)
    x = np.array([0.3, 1.7, 2.2])
    check_grad(f, [x])


def test_every_rule_template_names_are_known():
    # Instantiating every template resolves every name it uses (a typo in the table fails here).
    from srcad.rules.template import _parse
    import gast
    for rule in {id(r): r for r in rules.RULES.values() if r.custom is None}.values():
        for param, template in rule.vjps.items():
            names = {n.id for n in gast.walk(_parse(template)) if isinstance(n, gast.Name)}
            unknown = names - {"g", "ans", "k", rule.vararg} - set(rule.params) \
                - set(rules.TEMPLATE_NAMESPACE)
            assert not unknown, (rule.name, param, unknown)


# ---- moved from test_regressions.py ----


# -- division-based rules at a Python float where the derivative is infinite ----------------------------

def r_log(x):
    return np.log(x)


def r_log2(x):
    return np.log2(x)


def r_log10(x):
    return np.log10(x)


def r_log1p(x):
    return np.log1p(x)


def r_arctanh(x):
    return np.arctanh(x)


def r_arctan2(x):
    return np.arctan2(x, 2.0 * x)


def r_x_log_x(x):
    return x * np.log(x)


def r_variable_power(x, y):
    return x ** y


def r_math_sqrt(x):
    return math.sqrt(x)


def r_math_asin(x):
    return math.asin(x)


def r_math_acos(x):
    return math.acos(x)


def r_math_acosh(x):
    return math.acosh(x)


def r_math_atan2(x):
    return math.atan2(x, 2.0 * x)


SINGULAR = [  # (function, where its derivative is infinite (or 0/0), a regular point)
    (r_log, 0.0, 0.7), (r_log2, 0.0, 0.7), (r_log10, 0.0, 0.7), (r_log1p, -1.0, 0.7),
    (r_arctanh, 1.0, 0.3), (r_arctan2, 0.0, 0.7), (r_x_log_x, 0.0, 0.7),
    (r_math_sqrt, 0.0, 0.7), (r_math_asin, 1.0, 0.3), (r_math_acos, -1.0, 0.3),
    (r_math_acosh, 1.0, 1.7), (r_math_atan2, 0.0, 0.7),
]


@pytest.mark.parametrize("fn, singular, regular", SINGULAR, ids=[c[0].__name__ for c in SINGULAR])
def test_a_python_float_gives_numpy_results_where_the_derivative_is_infinite(fn, singular, regular):
    check_grad(fn, [regular], 0)  # the rule, written with np.divide, is still right
    def outcome(x):
        with np.errstate(divide="ignore", invalid="ignore"):
            try:
                return srcad.grad(fn)(x)
            except srcad.NonFiniteError:  # 0/0: a NaN gradient of a finite value is refused
                return "refused"
    as_float = outcome(singular)                            # was ZeroDivisionError
    as_array = outcome(np.array(singular))                  # NumPy: inf or nan, with a warning
    if fn in (r_arctan2, r_math_atan2):  # 0/0 where the value is finite: NaN, refused
        assert as_float == as_array == "refused"
    else:  # inf (or NaN where the value is NaN too: x log x at 0)
        assert not np.isfinite(as_float)
        np.testing.assert_array_equal(as_float, as_array)


def test_a_variable_exponent_at_zero_gives_inf_like_numpy():
    check_grad(r_variable_power, [0.7, 0.5], (0, 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        dx = srcad.grad(r_variable_power)(0.0, 0.5)         # was ZeroDivisionError
        expected = srcad.grad(r_variable_power)(np.array(0.0), np.array(0.5))
    assert dx == expected == np.inf


@pytest.mark.parametrize("fn, singular", [(r_log, 0.0), (r_math_sqrt, 0.0)])
def test_debug_nans_names_the_line_of_an_infinite_rule_at_a_python_float(fn, singular):
    with np.errstate(divide="ignore", invalid="ignore"):
        with pytest.raises(srcad.NonFiniteError) as info:
            srcad.grad(fn, debug_nans=True)(singular)
    assert info.value.location.filename == __file__
    assert info.value.location.lineno == fn.__code__.co_firstlineno + 1
    assert "became inf" in str(info.value)


# -- a runtime helper registered later: known to templates and given its rule as it is registered --

def triple_power(x):  # a "primitive" of the test's: x ** 3, differentiated by its rule
    return x ** 3


def uses_triple_power(x):
    return np.sum(triple_power(x) * np.array([1.0, 2.0, 3.0]))


@pytest.fixture
def late_helper(restore_rules):
    """A helper ``triple_power_adjoint`` registered now (after import) with its derivative, and a
    rule for :func:`triple_power` whose templates use it; the registry's tables restored after."""
    from srcad import runtime

    helpers, derivatives = dict(runtime.HELPERS), dict(runtime.DERIVATIVES)

    @runtime.helper(linear_in="g", jvp={"x": "6 * g * x * t"})
    def triple_power_adjoint(g, x):
        return 3 * g * x ** 2

    rules.defrule(triple_power, "x", x="triple_power_adjoint(g, x)",
                  jvp={"x": "triple_power_adjoint(t, x)"})
    yield triple_power_adjoint
    runtime.HELPERS.clear()
    runtime.HELPERS.update(helpers)
    runtime.DERIVATIVES.clear()
    runtime.DERIVATIVES.update(derivatives)


def test_a_helper_registered_later_is_usable_in_templates_with_its_rule(late_helper):
    from gradcheck import directional
    assert rules.TEMPLATE_NAMESPACE["triple_power_adjoint"] is late_helper  # a live view
    helper_rule = rules.lookup(late_helper)  # registered with the helper: no second step
    assert helper_rule is not None and helper_rule.origin is rules.RuleOrigin.HELPER
    x = np.array([0.5, -1.2, 2.0])
    check_grad(uses_triple_power, [x])
    v = np.array([1.0, -0.5, 0.25])
    _, tangent = srcad.jvp(uses_triple_power, (x,), (v,))
    assert np.isclose(tangent, directional(uses_triple_power, [x], 0, v))
    # forward over reverse goes through the helper's own rule (its JVP in x)
    hv = srcad.hvp(uses_triple_power)(x, v)
    assert np.allclose(hv, 6 * x * np.array([1.0, 2.0, 3.0]) * v)


def test_the_template_namespace_is_read_only():
    with pytest.raises(TypeError):
        rules.TEMPLATE_NAMESPACE["np"] = None


# -- np.clip with a_min > a_max: the result is a_max (np.minimum(a_max, np.maximum(a, a_min))) -----

def clips_with_crossed_bounds(a, lo, hi):
    return np.sum(np.clip(a, lo, hi) * np.array([1.0, 2.0, 3.0]))


@pytest.mark.parametrize("lo, hi", [(0.7, 0.3), (np.array([0.7, 0.1, 0.9]), 0.5),
                                    (0.2, np.array([0.1, 0.6, 0.9]))])
def test_clip_with_a_min_above_a_max_gives_the_gradient_to_a_max(lo, hi):
    from gradcheck import directional
    a = np.array([0.5, 0.95, 0.05])
    args = [a, lo, hi]
    check_grad(clips_with_crossed_bounds, args, argnums=(0, 1, 2))
    for k in range(3):
        v = np.ones_like(np.asarray(args[k], dtype=float))
        tangents = tuple(v if j == k else np.zeros_like(np.asarray(x, dtype=float))
                         for j, x in enumerate(args))
        _, tangent = srcad.jvp(clips_with_crossed_bounds, tuple(args), tangents)
        assert np.isclose(tangent, directional(clips_with_crossed_bounds, args, k, v)), k


def test_predicates_and_index_functions_carry_no_gradient():
    # (each used to be refused as a call without a rule, np.isposinf inside np.nan_to_num's
    # gradient among them)
    f = make_function("""
        def f(x):
            mask = np.isposinf(x) | np.isneginf(x) | np.signbit(x) | np.isin(x, [2.0])
            k = np.argpartition(x, 1)[0] + np.nanargmax(x) + np.lexsort((x,))[0]
            i, j = np.triu_indices(2)
            big = (np.finfo(x.dtype).eps < 1) & np.issubdtype(np.result_type(x, 1.0), np.floating)
            return np.sum(np.where(mask, 0.0, x) * x) * (1.0 + k + np.sum(i * j)) * big
        """)
    x = np.array([0.3, -1.7, 2.2, 0.9])
    check_grad(f, [x])
    assert srcad.grad(f)(np.array([0.3, -1.7, 2.0, 0.9]))[2] == 0.0  # (masked by np.isin)
