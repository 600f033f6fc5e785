"""Regression tests for bugs found in review; every gradient is checked against finite differences."""

import numpy as np
import pytest

import srcad
from gradcheck import check_grad


# -- comprehensions: the first iterable is evaluated in the enclosing scope --------------------------

def comp_iter_shadows(x, y):
    return sum([x * y for x in [x, y, x * y]])


def comp_range_of_outer(x):
    i = 2
    return sum([x * i for i in range(i + 1)])


def comp_same_name(v):
    return sum([v * v for v in v])


def comp_later_iter_sees_target(x, y):
    # the second iterable and the condition read the comprehension's own ``a``
    return sum([a * b for a in [x, y] for b in [a, x * a] if a > 0])


def comp_nested(x):
    return sum([sum([x * x for x in x]) for x in [x, 2 * x]])


def comp_generator_expression(x):
    return sum(x * x for x in [x, 3 * x])


@pytest.mark.parametrize("fn, args, argnums", [
    (comp_iter_shadows, (1.5, 2.0), (0, 1)),
    (comp_range_of_outer, (1.5,), 0),
    (comp_same_name, (np.array([1.0, -2.0, 3.0]),), 0),
    (comp_later_iter_sees_target, (1.5, 0.7), (0, 1)),
    (comp_nested, (np.array([0.5, -1.5]),), 0),
    (comp_generator_expression, (0.8,), 0),
])
def test_comprehension_first_iterable_in_enclosing_scope(fn, args, argnums):
    check_grad(fn, list(args), argnums)
    assert srcad.value_and_grad(fn, argnums)(*args)[0] == pytest.approx(fn(*args))


# -- check_grads: structured arguments --------------------------------------------------------------

def dict_params_loss(p, x):
    return np.sum(np.tanh(p["w"] * x)) + p["b"] ** 2 + np.sum(p["layers"][0] * p["layers"][1][1])


def sequence_params_loss(ps, x):
    return np.sum(np.sin(ps[0] * x)) * ps[1]


def _params():
    rng = np.random.default_rng(0)
    return {"w": rng.normal(size=3), "b": 0.5, "n": 3,
            "layers": [rng.normal(size=2), (7, rng.normal(size=2))]}


def _fd(f, x, eps=1e-6):
    """Central differences of scalar f at float or array x (an oracle independent of srcad)."""
    x = np.asarray(x, dtype=float)
    out = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        e = np.zeros(x.shape)
        e[idx] = eps
        out[idx] = (f(x + e) - f(x - e)) / (2 * eps)
    return out


@pytest.mark.parametrize("argnums", [None, 0, (0, 1)])
def test_check_grads_checks_every_entry_of_a_dict_argument(argnums):
    p, x = _params(), np.array([0.3, -0.2, 0.9])
    grads = srcad.check_grads(dict_params_loss, [p, x], argnums=argnums)
    g = grads if argnums == 0 else grads[0]
    np.testing.assert_allclose(
        g["w"], _fd(lambda w: dict_params_loss({**p, "w": w}, x), p["w"]), rtol=1e-5)
    np.testing.assert_allclose(
        g["b"], _fd(lambda b: dict_params_loss({**p, "b": float(b)}, x), p["b"]), rtol=1e-5)
    np.testing.assert_allclose(
        g["layers"][1][1],
        _fd(lambda v: dict_params_loss({**p, "layers": [p["layers"][0], (7, v)]}, x),
            p["layers"][1][1]), rtol=1e-5)


@pytest.mark.parametrize("container", [list, tuple])
@pytest.mark.parametrize("argnums", [None, 0, (0, 1)])
def test_check_grads_checks_every_entry_of_a_sequence_argument(container, argnums):
    ps, x = container([np.array([1.0, 2.0]), 3.0]), np.array([0.3, 0.4])
    grads = srcad.check_grads(sequence_params_loss, [ps, x], argnums=argnums)
    g = grads if argnums == 0 else grads[0]
    np.testing.assert_allclose(
        g[0], _fd(lambda a: sequence_params_loss(container([a, 3.0]), x), ps[0]), rtol=1e-5)
    np.testing.assert_allclose(
        g[1], _fd(lambda s: sequence_params_loss(container([ps[0], float(s)]), x), 3.0), rtol=1e-5)


@srcad.custom_vjp
def square(x):
    return x * x


@square.defvjp
def square_vjp(g, ans, x):
    return g * 2 * np.abs(x)  # wrong on purpose where x < 0


def dict_wrong_loss(p, x):
    return np.sum(square(p["w"] * x)) + p["b"]


@pytest.mark.parametrize("argnums", [None, 0])
def test_check_grads_finds_a_wrong_gradient_inside_a_dict_argument(argnums):
    p = {"w": np.array([-1.0, 2.0]), "b": 1.0}
    with pytest.raises(srcad.GradientCheckError) as info:
        srcad.check_grads(dict_wrong_loss, [p, np.array([1.0, 3.0])], argnums=argnums)
    text = str(info.value)
    assert "argument 0['w']: srcad gives 2 at (0,), finite differences -2" in text
    assert "argument 0['b']" not in text
    assert "return np.sum(square(p[\"w\"] * x)) + p[\"b\"]" in text
    assert "the gradient rule of square" in text


def test_check_grads_refuses_a_container_without_floats():
    with pytest.raises(srcad.SrcadError, match=r"argument 0 \(a dict\) holds no float"):
        srcad.check_grads(lambda p, x: np.sum(x) * p["n"], [{"n": 3}, np.ones(2)], argnums=0)


# -- check_grads: finding the wrong line --------------------------------------------------------------

def helper(x, scale, power=1):
    return square(x) * scale ** power


def calls_with_constant(x):
    return np.sum(helper(x, 2.0))


def calls_with_int(x):
    return np.sum(helper(x, 3, 2))


def calls_with_keyword(x):
    return np.sum(helper(x, scale=2.0))


def calls_nested_def(x):
    def inner(y):
        return square(y) * 2.0
    return np.sum(inner(x))


def level5(x):
    return square(x)


def level4(x):
    return level5(x) * 1.0


def level3(x):
    return level4(x) * 1.0


def level2(x):
    return level3(x) * 1.0


def level1(x):
    return level2(x) * 1.0


def calls_five_deep(x):
    return np.sum(level1(x))


def wrong_in_third_iteration(x):
    total = 0.0
    for k in range(3):
        total = total + square(x - k)
    return total


def recursive(x, n):
    if n == 0:
        return square(x)
    return recursive(x, n - 1) * 1.0


def deep_recursion(x):
    return np.sum(recursive(x, 20))


@pytest.mark.parametrize("fn, line", [
    (calls_with_constant, "return square(x) * scale ** power"),
    (calls_with_int, "return square(x) * scale ** power"),
    (calls_with_keyword, "return square(x) * scale ** power"),
    (calls_nested_def, "return square(y) * 2.0"),
    (calls_five_deep, "return square(x)\n"),
    (wrong_in_third_iteration, "total = total + square(x - k) (at its 3rd run in this call)"),
])
def test_check_grads_names_the_wrong_line(fn, line):
    x = 1.5 if fn is wrong_in_third_iteration else np.array([-1.0, 2.0])
    with pytest.raises(srcad.GradientCheckError) as info:
        srcad.check_grads(fn, [x])
    text = str(info.value)
    assert "the first line whose gradient rule disagrees" in text
    assert f"test_regressions.py:" in text and line in text
    assert "the gradient rule of square" in text
    assert "how srcad combined" not in text


def test_check_grads_says_what_it_could_not_check_instead_of_blaming_srcad():
    with pytest.raises(srcad.GradientCheckError) as info:
        srcad.check_grads(deep_recursion, [np.array([-1.0, 2.0])])
    text = str(info.value)
    assert "could not be checked" in text
    assert "return recursive(x, n - 1) * 1.0" in text
    assert "recursion" in text
    assert "please report it" not in text


def square_twice_and_overwrite(x, y):
    y = np.tanh(y)           # the operand is overwritten by the result
    return np.sum(x * x) + np.sum(y * y)   # one operand used twice


def test_find_faulty_line_does_not_blame_a_right_rule():
    args = [np.array([0.5, -1.0]), np.array([0.3, 2.0])]
    assert srcad.tools.check.find_faulty_line(square_twice_and_overwrite, args) is None
    from srcad.tools.check import _Localizer

    localizer = _Localizer(eps=1e-6, rtol=1e-4, seed=0)
    assert localizer.localize(square_twice_and_overwrite, args, (0, 1)) is None
    assert localizer.unchecked == []


# -- export: custom VJPs the exported module cannot import ---------------------------------------------

@srcad.custom_vjp
def by_lambda(x):
    return 2.0 * np.sin(x)


by_lambda.defvjp(lambda g, ans, x: g * 2.0 * np.cos(x))


def _closure_vjp(k):
    def vjp(g, ans, x):
        return g * k * np.cos(x)
    return vjp


@srcad.custom_vjp
def by_closure(x):
    return 3.0 * np.sin(x)


by_closure.defvjp(_closure_vjp(3.0))


class _Holder:
    @staticmethod
    def vjp(g, ans, x):
        return g * 3.0 * x ** 2


@srcad.custom_vjp
def by_staticmethod(x):
    return x ** 3


by_staticmethod.defvjp(_Holder.vjp)


def uses_by_lambda(x):
    return by_lambda(x) * 1.5


def uses_by_closure(x):
    return by_closure(x) * 1.5


def uses_by_staticmethod(x):
    return by_staticmethod(x) * 1.5


@pytest.mark.parametrize("fn, words", [
    (uses_by_lambda, "the custom VJP of by_lambda is a lambda"),
    (uses_by_closure, "the custom VJP of by_closure (_closure_vjp.<locals>.vjp) is defined inside "
                      "a function"),
    (uses_by_staticmethod, "the custom VJP of by_staticmethod (_Holder.vjp) is not a module-level "
                           "name"),
])
def test_export_refuses_a_custom_vjp_it_cannot_import(fn, words, tmp_path):
    derived = srcad.grad(fn)
    check_grad(fn, [0.7])  # the gradient itself is right
    path = tmp_path / "exported.py"
    with pytest.raises(srcad.SrcadError) as info:
        srcad.export(derived, str(path))
    assert words in str(info.value)
    assert f"cannot export {fn.__name__}" in str(info.value)
    assert info.value.location is not None and info.value.location.filename == __file__
    assert not path.exists()


def test_export_of_the_custom_gradient_example_imports_its_vjp(tmp_path, monkeypatch):
    import importlib.util
    import math
    import os
    import sys

    from srcad import rules

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    monkeypatch.syspath_prepend(os.path.join(root, "examples"))
    monkeypatch.delitem(sys.modules, "custom_gradient", raising=False)
    monkeypatch.delitem(rules.RULES, math.gamma, raising=False)  # the example registers it
    import custom_gradient

    fn = custom_gradient.log_gamma_ratio
    expected = check_grad(fn, [4.5, 2.5], (0, 1))  # srcad's gradient, checked by differences
    text = srcad.export(srcad.grad(fn, argnums=(0, 1)), str(tmp_path / "lgr.py"))
    assert "from custom_gradient import gamma_vjp" in text
    spec = importlib.util.spec_from_file_location("lgr", tmp_path / "lgr.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    value, grads = module.grad_log_gamma_ratio(4.5, 2.5)
    assert grads == expected


# -- division-based rules at a Python float where the derivative is infinite ----------------------------

import math  # noqa: E402


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
    with np.errstate(divide="ignore", invalid="ignore"):
        as_float = srcad.grad(fn)(singular)                 # was ZeroDivisionError
        as_array = srcad.grad(fn)(np.array(singular))       # NumPy: inf or nan, with a warning
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


# -- a nested def calling a nested def ------------------------------------------------------------------

def nested_calls_sibling(x):
    def sq(y):
        return y * y

    def quad(y):
        return sq(y) * sq(y)
    return quad(x)


def nested_calls_itself(x):
    def r(y, n):
        if n == 0:
            return y
        return r(y * 2.0, n - 1)
    return r(x, 3)


def nested_local_shadows_sibling(x):
    def sq(y):
        return y * y

    def cube(y):
        sq = y * y          # a local of its own, not the nested function
        return sq * y
    return sq(x) + cube(x)


@pytest.mark.parametrize("fn, offset, words", [
    (nested_calls_sibling, 5, "the nested function 'quad' uses the nested function 'sq'"),
    (nested_calls_itself, 4, "the nested function 'r' uses itself (recursion)"),
])
def test_a_nested_def_calling_a_nested_def_is_a_located_unsupported_error(fn, offset, words):
    with pytest.raises(srcad.UnsupportedSyntaxError) as info:
        srcad.grad(fn)(1.5)
    assert words in str(info.value) and "is not supported" in str(info.value)
    assert not isinstance(info.value, srcad.UndefinedNameError)
    assert info.value.location.filename == __file__
    assert info.value.location.lineno == fn.__code__.co_firstlineno + offset


def test_a_nested_def_may_have_a_local_named_like_another_nested_def():
    check_grad(nested_local_shadows_sibling, [1.5], 0)


# -- messages: the place said once; debug_nans in the user's words -------------------------------------

def scales_in_place(a):
    a *= 2.0
    return a


def passes_to_a_mutating_callee(x):
    y = x * 1.0
    z = scales_in_place(y)
    return np.sum(z)


def writes_into_a_shared_array(x):
    y = x * 1.0
    z = y
    y += 1.0
    return np.sum(y * z)


@pytest.mark.parametrize("fn, offset", [(passes_to_a_mutating_callee, 2),
                                        (writes_into_a_shared_array, 3)])
def test_aliasing_error_names_its_place_once(fn, offset):
    with pytest.raises(srcad.AliasingError) as info:
        srcad.grad(fn)(np.ones(3))
    lineno = fn.__code__.co_firstlineno + offset
    assert info.value.location.lineno == lineno
    assert str(info.value).count(f"{__file__}:{lineno}") == 1, str(info.value)


def nan_in_a_part_of_the_line(x):
    return np.sum(np.sqrt(x * x))


def nan_in_a_comprehension(x):
    return sum([np.sqrt(t) for t in x])


def nan_at_a_variable(x):
    h = np.sqrt(x)
    return np.sum(np.log(h) * 2.0)


def test_debug_nans_says_which_names_are_the_users():
    with np.errstate(divide="ignore", invalid="ignore"):
        with pytest.raises(srcad.NonFiniteError) as part:
            srcad.grad(nan_in_a_part_of_the_line, debug_nans=True)(np.array([0.0, 1.0]))
        with pytest.raises(srcad.NonFiniteError) as renamed:
            srcad.grad(nan_in_a_comprehension, debug_nans=True)([1.0, 0.0])
        with pytest.raises(srcad.NonFiniteError) as variable:
            srcad.grad(nan_at_a_variable, debug_nans=True)(np.array([0.0, 4.0]))
    text = str(part.value)
    assert "the gradient dx_times_x of x_times_x (srcad's name for a part of the expression on " \
           "this line) became inf" in text
    assert "intermediate values: sqrt_x_times_x = [0. 1.]; x_times_x = [0. 1.]" in text
    text = str(renamed.value)
    assert "the gradient of t (" in text and "srcad renamed t to t_" in text
    assert "values: t (renamed t_" in text
    text = str(variable.value)
    assert "the gradient dh became inf" in text
    assert "values: h = [0. 2.]" in text and "intermediate values: log_h = [  -inf" in text
