"""Forward mode (jvp, jacfwd) and higher order (hvp, hessian, grad of grad), each against an oracle
that does not use srcad's forward mode: central differences of the function (for JVPs) or of srcad's
gradient (for Hessians: the gradient itself is checked against differences in the other test files),
and autograd where it applies.
"""

import math

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

import corpus_calls as cc
import srcad
from corpus_control import CASES as CONTROL_CASES
from gradcheck import make_function
from srcad import rules
from rulecheck import (case_id, check_hvp, check_hvp_arrays, check_jvp, check_jvp_arrays,
                       check_jvp_scalars, differentiable_entries, entry_id, is_python_scalar_only)
from test_calls import CASES as CALL_CASES
from test_rules_numpy import CASES as RULE_CASES

ENTRIES = [pytest.param(fn, rule, id=entry_id(fn, rule)) for fn, rule in differentiable_entries()]


# ---- JVP rules: every rule of the table ---------------------------------------------------------

@pytest.mark.parametrize("fn, rule", ENTRIES)
def test_jvp_rule_scalars(fn, rule):
    check_jvp_scalars(fn, rule)


@pytest.mark.parametrize("fn, rule", [p for p in ENTRIES if not is_python_scalar_only(p.values[0])])
def test_jvp_rule_arrays_with_broadcasting(fn, rule):
    check_jvp_arrays(fn, rule)


def _rule_cases():
    for fn, cases in RULE_CASES.items():
        for k, (expr, makers) in enumerate(cases):
            yield pytest.param(fn, expr, makers, id=case_id(fn, k))


@pytest.mark.parametrize("fn, expr, makers", list(_rule_cases()))
def test_jvp_rule_cases(fn, expr, makers):
    names = ["x", "y", "z"][:len(makers)]
    rng = np.random.default_rng(11)
    args = [make(rng) for make in makers]
    f = make_function(f"""
        def f({', '.join(names)}):
            return {expr}
        """, {"math": math})
    check_jvp(f, args, tuple(range(len(names))), rtol=1e-4, atol=1e-5)


# Rules whose gradient code uses a helper with no second-order rule yet: their Hessians are
# refused (NoGradientRuleError), never computed wrongly. (None since issue #16.)
NO_SECOND_ORDER = set()


@pytest.mark.parametrize("fn, expr, makers", list(_rule_cases()))
def test_hvp_rule_cases(fn, expr, makers):
    names = ["x", "y", "z"][:len(makers)]
    rng = np.random.default_rng(12)
    args = [make(rng) for make in makers]
    value = eval(expr, {"np": np, "math": math}, dict(zip(names, args)))
    w = rng.normal(size=np.shape(value))
    f = make_function(f"""
        def f({', '.join(names)}):
            return np.sum(({expr}) * w)
        """, {"w": w, "math": math})
    for k in range(len(names)):
        if fn in NO_SECOND_ORDER:
            try:
                check_hvp(f, args, k, rtol=1e-4, atol=1e-4)
            except srcad.SrcadError as exc:  # refused, never a wrong number
                assert "forward-mode" in exc.message or "second-order" in exc.message
            continue
        check_hvp(f, args, k, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("fn, rule", [p for p in ENTRIES if not is_python_scalar_only(p.values[0])])
def test_hvp_elementwise_with_broadcasting(fn, rule):
    check_hvp_arrays(fn, rule)


def test_a_primitive_added_with_one_entry_has_jvp_and_hvp(new_primitive):
    # np.fmod, registered by the fixture with one entry (elementwise=True): its JVP is derived, and
    # forward mode over its gradient code gives Hessian-vector products
    fn, rule = new_primitive
    assert (fn, rule) in list(differentiable_entries())
    check_jvp_scalars(fn, rule)
    check_jvp_arrays(fn, rule)
    check_hvp_arrays(fn, rule)


def test_the_second_order_column_is_what_the_hessian_checks_find():
    """docs/rules.md's second-order column comes from the templates (rules.second_order_gaps); the
    rules it says lack one are exactly those the HVP check above exempts (and so expects refused)."""
    rules.registry.load_lazy(force=True)
    gaps = {r.name for r in rules.all_rules() if r.origin is rules.RuleOrigin.PRIMITIVE
            and r.differentiable and rules.second_order_gaps(r)}
    assert gaps == {rules.lookup(fn).name for fn in NO_SECOND_ORDER}


def test_a_template_calling_a_function_without_a_forward_rule_is_reported_and_refused(
        restore_rules):
    # np.fmod's x-gradient written through np.histogram2d, which has no rule at all (nor a
    # composite): the column names the gap, and a Hessian through it is refused
    del rules.RULES[np.fmod]
    rule = rules.defrule(np.fmod, "x, y", x="unbroadcast(g + 0.0 * np.histogram2d(x, x)[1][0], x)",
                         y="unbroadcast(-g * np.trunc(x / y), y)", elementwise=True)
    assert rules.second_order_gaps(rule) == ["np.histogram2d"]
    assert rules.modes(np.fmod, rule)["second order"] == "no: np.histogram2d"
    f = make_function("""
        def f(x):
            return np.sum(np.fmod(x * x, 2.5))
        """)
    x = np.array([0.3, 0.7, 1.1])
    np.testing.assert_allclose(srcad.grad(f)(x), 2 * x)  # first order: the rule as written
    with pytest.raises(srcad.SrcadError, match="histogram2d"):
        srcad.hvp(f)(x, np.ones(3))


def test_every_helper_with_a_second_order_rule_is_exercised():
    """Each runtime helper whose JVP exists appears in the gradient code of some test above."""
    from test_rules_fft import CASES as FFT_CASES
    from test_rules_scipy import CASES as SCIPY_CASES, NAMESPACE as SCIPY_NAMESPACE
    used = set()
    for fn, cases in list(RULE_CASES.items()) + list(FFT_CASES.items()) + list(SCIPY_CASES.items()):
        for expr, makers in cases:
            names = ["x", "y", "z"][:len(makers)]
            rng = np.random.default_rng(0)
            args = [make(rng) for make in makers]
            f = make_function(f"""
                def f({', '.join(names)}):
                    return np.sum(({expr}) * w)
                """, {"w": 1.0, "math": math, **SCIPY_NAMESPACE})
            g = srcad.grad(f, argnums=tuple(range(len(names))))
            g(*args)
            used |= set(srcad.source(g).replace("(", " ").split())
    helpers = [rule.name.split(".")[-1] for rule in rules.RULES.values()
               if rule.name.startswith("srcad.runtime.") and any(rule.tangents.values())]
    generated_by_forward_mode = {"broadcast_tangent", "tangent_sum", "extremum_tangent", "exponent_tangent",
                                 "reduction_tangent", "astype_tangent", "split_tangent",
                                 "sort_tangent", "cumprod_tangent", "einsum_tangent",
                                 "einsum_adjoint_tangent", "slogdet_tangent", "cholesky_tangent",
                                 "eigh_tangent", "pinv_tangent", "solve_tangent",
                                 "svd_tangent", "eigvalsh_tangent", "qr_tangent", "lstsq_tangent",
                                 "eig_tangent", "eigvals_tangent",
                                 "matrix_power_tangent",
                                 "sorted_tangent", "dict_tangent",
                                 "to_list", "to_tuple", "abs_tangent", "abs_tangent_dx",
                                 "abs_adjoint_dx", "angle_tangent", "angle_adjoint_dz",
                                 "sign_tangent", "mvn_cov_times", "mvn_cov_tangent", "mvn_apply_inverse", "tri_apply",
                                 "expm_frechet", "expm_frechet2", "cho_solve_tangent",
                                 "cho_factor_tangent",
                                 "diff_tangent", "quantile_tangent", "append_tangent",  # numpy_more
                                 "select_tangent", "linspace_tangent", "meshgrid_tangent",
                                 # the autograd port's rules (tests/autograd_port/test_new_rules.py)
                                 "real_if_close_tangent", "real_tangent", "partition_tangent",
                                 "signal_convolve", "pad_constant_tangent", "index_concatenation_tangent",
                                 "polynomial_derivative",  # (in polyval_dx's rule)
                                 "replaced_tangent",  # (np.nan_to_num's nan=: test_rules_numpy_more)
                                 "item_tangent",  # (x.item()'s: test_rules_numpy, forward)
                                 "tangent_like"}  # (np.interp's left/right: test_rules_complex)
    other_paths = {"replaced_adjoint",  # (np.nan_to_num's nan=: tests/test_rules_numpy_more.py)
                   "private_copy", "snapshot", "zero_at", "unsetitem", "unpack_adjoint",
                   "adjoint_like", "unrepeat_sequence", "unarray", "power_dx", "log_or_zero",
                   "cast_like", "pop_extended", "unlist", "copy_lists",  # (lists: test_python_lists)
                   "copied",  # (copies of lists and dicts: test_trust_review)
                   "unattribute", "attribute_tangent",  # objects: tests/test_python_objects.py
                   "new_object", "object_part", "object_tangent",  # test_python_objects_built
                   "copied_into", "added_at", "subtracted_at", "unadd_at", "uncopyto_src",
                   "copyto_src_tangent", "add_at_tangent",  # np.add.at: test_writing_calls
                   "put_into", "put_along_axis_into", "putmask_into", "placed_into",
                   "diagonal_filled", "kept_entries", "written_values",
                   "written_values_tangent", "unblock",  # np.put ...: test_writing_calls_over
                   "tie_shared",  # np.maximum, np.minimum: the elementwise tests of test_rules
                   "cho_solve_dc",  # (written '[cho_solve_dc(...), 0.0]': tests/test_rules_scipy)
                   "entry",  # a dict's entry saved: HVPs in test_trust_review, test_review_findings
                   "zeroed_at"}  # a list or copy written by position: test_performance_paths
    missing = [h for h in helpers if h not in used and h not in generated_by_forward_mode
               and h not in other_paths]
    assert not missing, missing


# ---- whole programs -------------------------------------------------------------------------------

@pytest.mark.parametrize("fn, makers, argnums", CONTROL_CASES,
                         ids=[f"{c[0].__name__}-{k}" for k, c in enumerate(CONTROL_CASES)])
def test_jvp_and_hvp_control_flow_corpus(fn, makers, argnums):
    ks = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    rng = np.random.default_rng(5)
    args = [make(rng) for make in makers]
    before = [np.copy(a) for a in args]
    check_jvp(fn, args, ks)
    for k in ks:
        check_hvp(fn, args, k, rtol=1e-4, atol=1e-4)
    for a, b in zip(args, before):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("fn, args, argnums", CALL_CASES, ids=[c[0].__name__ for c in CALL_CASES])
def test_jvp_and_hvp_calls(fn, args, argnums):
    ks = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    check_jvp(fn, args, ks)
    for k in ks:
        check_hvp(fn, args, k, rtol=1e-4, atol=1e-4)


def test_jvp_of_tuple_output_and_list_stack():
    f = make_function("""
        def f(x, n):
            items = []
            for i in range(n):
                items.append(np.sin(x) * i)
            last = items.pop()
            return (last, np.sum(np.array(items)) + x ** 2)
        """)
    x = np.array([0.3, -0.7])
    check_jvp(f, [x, 4], (0,))
    g = make_function("""
        def g(x):
            items = []
            items.append(x * 2)
            return items[0]
        """)
    assert srcad.grad(g)(1.0) == 2.0  # (reverse mode too since issue #15: test_python_lists)


# ---- Hessians ----------------------------------------------------------------------------------------

def test_hessian_of_a_quadratic_form_is_exact():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(5, 5))
    b = rng.normal(size=5)
    f = make_function("""
        def f(x):
            return 0.5 * x @ A @ x + b @ x + 3.0
        """, {"A": A, "b": b})
    x = rng.normal(size=5)
    np.testing.assert_allclose(srcad.hessian(f)(x), (A + A.T) / 2, rtol=1e-14, atol=1e-14)
    v = rng.normal(size=5)
    np.testing.assert_allclose(srcad.hvp(f)(x, v), (A + A.T) / 2 @ v, rtol=1e-13, atol=1e-13)


def test_hessian_of_rosenbrock_against_autograd_and_the_formula():
    f = make_function("""
        def rosenbrock(x):
            return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
        """)

    def rosen_autograd(x):
        return anp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)

    x = np.array([-1.2, 1.0, 0.4, 2.0])
    H = srcad.hessian(f)(x)
    np.testing.assert_allclose(H, autograd.hessian(rosen_autograd)(x), rtol=1e-12)
    # the textbook formula for n = 2 at (x, y): [[1200x^2 - 400y + 2, -400x], [-400x, 200]]
    H2 = srcad.hessian(f)(np.array([1.5, -0.5]))
    np.testing.assert_allclose(H2, [[1200 * 2.25 + 200 + 2, -600.0], [-600.0, 200.0]])


def test_hessian_of_a_function_with_loops_and_branches_against_autograd():
    f = make_function("""
        def f(x, n):
            y = x
            for i in range(n):
                y = y * x + np.sin(y)
                if np.sum(y) > 1.0:
                    y = y / 2
            return np.sum(y ** 2)
        """)

    def f_autograd(x, n):
        y = x
        for i in range(n):
            y = y * x + anp.sin(y)
            if anp.sum(y) > 1.0:
                y = y / 2
        return anp.sum(y ** 2)

    x = np.array([0.3, -0.2, 0.5])
    np.testing.assert_allclose(srcad.hessian(f)(x, 4), autograd.hessian(f_autograd)(x, 4),
                               rtol=1e-10, atol=1e-12)


def test_jacfwd_matches_jacrev_and_autograd():
    f = make_function("""
        def f(x, W):
            return np.tanh(W @ x) * x[0]
        """)
    rng = np.random.default_rng(1)
    x, W = rng.normal(size=3), rng.normal(size=(4, 3))
    Jf = srcad.jacfwd(f, argnums=(0, 1))(x, W)
    Jr = srcad.jacrev(f, argnums=(0, 1))(x, W)
    assert Jf[0].shape == (4, 3) and Jf[1].shape == (4, 4, 3)
    for a, b in zip(Jf, Jr):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    Ja = autograd.jacobian(lambda x: anp.tanh(W @ x) * x[0])(x)
    np.testing.assert_allclose(Jf[0], Ja, rtol=1e-12, atol=1e-14)


def test_jacfwd_of_tuple_output_gives_one_jacobian_per_part():
    f = make_function("""
        def f(x):
            return (np.sum(x ** 2), x * 3.0)
        """)
    x = np.array([1.0, 2.0])
    J = srcad.jacfwd(f)(x)
    np.testing.assert_allclose(J[0], 2 * x)
    np.testing.assert_allclose(J[1], 3 * np.eye(2))


def test_float32_tangents_stay_float32():
    f = make_function("""
        def f(x):
            return np.sin(x) * x
        """)
    x = np.linspace(0.1, 0.5, 3).astype(np.float32)
    _, t = srcad.jvp(f, (x,), (np.ones(3, np.float32),))
    assert t.dtype == np.float32
    assert srcad.jacfwd(f)(x).dtype == np.float32


# ---- grad of grad --------------------------------------------------------------------------------

def _loop_branch():
    source = """
        def f(x):
            y = x
            for i in range(3):
                y = y * x + np.sin(y)
                if y > 1.5:
                    y = y / 2
                else:
                    y = y + np.exp(-y * y)
            k = 0
            while k < 2:
                y = np.tanh(y) * x
                k = k + 1
            return y
        """

    def f_autograd(x):
        y = x
        for i in range(3):
            y = y * x + anp.sin(y)
            if y > 1.5:
                y = y / 2
            else:
                y = y + anp.exp(-y * y)
        k = 0
        while k < 2:
            y = anp.tanh(y) * x
            k = k + 1
        return y
    return make_function(source), f_autograd


@pytest.mark.parametrize("x", [0.3, 0.9, 1.4])
def test_grad_of_grad_to_fourth_order_with_loops_and_branches(x):
    f, fa = _loop_branch()
    d = [srcad.grad(f)]
    da = [autograd.grad(fa)]
    for order in range(2, 5):
        d.append(srcad.grad(d[-1]))
        da.append(autograd.grad(da[-1]))
    for order, (ours, theirs) in enumerate(zip(d, da), start=1):
        np.testing.assert_allclose(ours(x), theirs(x), rtol=1e-9, err_msg=f"order {order}")
    # and each order against differences of the one below
    e = 1e-5
    for lower, higher in zip(d, d[1:]):
        np.testing.assert_allclose(higher(x), (lower(x + e) - lower(x - e)) / (2 * e), rtol=1e-5)


def test_grad_of_grad_polynomial_exact():
    f = make_function("""
        def f(x, c):
            return c * x ** 4 + np.exp(2 * x)
        """)
    d2 = srcad.grad(srcad.grad(f))
    d3 = srcad.value_and_grad(d2)
    d2c = srcad.grad(srcad.grad(f), argnums=1)
    x, c = 0.3, 1.5
    assert math.isclose(d2(x, c), 12 * c * x ** 2 + 4 * math.exp(2 * x), rel_tol=1e-14)
    value, third = d3(x, c)
    assert math.isclose(value, d2(x, c)) and math.isclose(third, 24 * c * x + 8 * math.exp(2 * x),
                                                          rel_tol=1e-14)
    assert math.isclose(d2c(x, c), 4 * x ** 3, rel_tol=1e-14)  # d/dc of df/dx
    assert "one_like" in srcad.source(d2) and "jvp_" in srcad.source(d2)


def test_grad_of_grad_through_calls():
    d2 = srcad.grad(srcad.grad(cc.in_loop_and_branch))
    e = 1e-5
    g = srcad.grad(cc.in_loop_and_branch)
    np.testing.assert_allclose(d2(0.7), (g(0.7 + e) - g(0.7 - e)) / (2 * e), rtol=1e-6)


def test_grad_of_grad_refuses_array_arguments_and_tuples():
    f = make_function("""
        def f(x):
            return np.sum(x ** 3)
        """)
    with pytest.raises(srcad.SrcadError, match="scalar arguments"):
        srcad.grad(srcad.grad(f))(np.ones(3))
    with pytest.raises(srcad.NonScalarOutputError):
        srcad.grad(srcad.value_and_grad(f))
    with pytest.raises(srcad.NonScalarOutputError):
        srcad.grad(srcad.grad(f, argnums=(0,)))


def test_forward_mode_refuses_a_custom_vjp_with_a_clear_error(restore_rules):
    @srcad.custom_vjp
    def softplus(x):
        return np.log1p(np.exp(x))

    softplus.defvjp(lambda g, ans, x: g / (1 + np.exp(-x)))
    f = make_function("""
        def f(x):
            return softplus(x) * 2
        """, {"softplus": softplus})
    with pytest.raises(srcad.NoGradientRuleError, match="custom VJP"):
        srcad.jvp(f, (0.3,), (1.0,))


def test_jvp_rejects_mismatched_tangents():
    f = make_function("""
        def f(x):
            return x * 2
        """)
    with pytest.raises(srcad.SrcadError, match="shape"):
        srcad.jvp(f, (np.ones(3),), (np.ones(2),))
    with pytest.raises(srcad.SrcadError, match="tangents"):
        srcad.jvp(f, (np.ones(3),), ())


def test_reverse_mode_through_a_gradient_gradient_penalty_against_autograd():
    """grad of a function that calls srcad.grad(f): its VJP is a Hessian-vector product (forward
    over reverse), with respect to the differentiated argument and the others (mixed partials)."""
    loss = make_function("""
        def loss(w, X):
            return np.sum(np.tanh(X @ w) ** 2) + 0.1 * np.sum(w ** 4)
        """)
    dloss = srcad.grad(loss)
    penalty = make_function("""
        def penalty(w, X):
            g = dloss(w, X)
            return np.sum(g ** 2) + np.sum(g * w)
        """, {"dloss": dloss})

    def loss_a(w, X):
        return anp.sum(anp.tanh(X @ w) ** 2) + 0.1 * anp.sum(w ** 4)

    def penalty_a(w, X):
        g = autograd.grad(loss_a)(w, X)
        return anp.sum(g ** 2) + anp.sum(g * w)

    rng = np.random.default_rng(8)
    w, X = rng.normal(size=3), rng.normal(size=(4, 3))
    ours = srcad.grad(penalty, argnums=(0, 1))(w, X)
    theirs = (autograd.grad(penalty_a, 0)(w, X), autograd.grad(penalty_a, 1)(w, X))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


# ---- found by review: each once wrong or an internal error -----------------------------------------

REVIEW = make_function("""
    def reassigned_param(x, c):
        y = c * 2.0
        c = x * c
        return y + c

    def alias_write(x, s):
        y = x.copy()
        z = y
        z[0] = s
        return y * 1.0

    def view_write(x, s):
        y = x.copy()
        v = y[1:]
        v[0] = s
        return y * 1.0

    def loop(x):
        s = 0.0
        for i in range(3):
            s = s + x ** 2
        return s

    def square_then_sin(x):
        x = x * x
        return np.sin(x)

    def returns_choice(x):
        return x ** 2 if x > 0 else x * 3

    def hypot(x, y):
        return math.hypot(x, y) * x

    def norm_squared(x):
        return np.linalg.norm(x) ** 2
    """, {"math": math}, name="reassigned_param")


def _review(name):
    return REVIEW.__globals__[name]


def test_parameter_without_tangent_reassigned_from_an_active_value():
    f = _review("reassigned_param")
    check_jvp(f, [0.5, 2.0], (0,))
    check_hvp(f, [0.5, 2.0], 0)


def test_writes_through_a_copy_or_a_view_reach_the_tangent():
    x = np.array([1.0, 2.0, 3.0])
    for name in ("alias_write", "view_write"):
        f = _review(name)
        check_jvp(f, [x, 5.0], (1,))
        check_jvp(f, [x, 5.0], (0,))
        check_jvp(f, [x, 5.0], (0, 1))


def test_third_order_through_loops_and_reassigned_parameters():
    d3 = srcad.grad(srcad.grad(srcad.grad(_review("loop"))))
    assert d3(0.5) == 0.0  # 3 x^2
    x = 0.5
    d3 = srcad.grad(srcad.grad(srcad.grad(_review("square_then_sin"))))
    expected = -12 * x * math.sin(x * x) - 8 * x ** 3 * math.cos(x * x)
    assert math.isclose(d3(x), expected, rel_tol=1e-12)


def test_return_of_a_conditional_expression():
    f = _review("returns_choice")
    assert srcad.grad(f)(-2.0) == 3.0 and srcad.grad(f)(2.0) == 4.0
    assert srcad.grad(srcad.grad(f))(2.0) == 2.0


def test_second_order_of_math_hypot():
    check_hvp(_review("hypot"), [0.6, -0.8], 0)


def test_a_missing_second_order_rule_is_reported_at_the_users_line():
    @srcad.custom_vjp
    def softplus(x):
        return np.logaddexp(0.0, x)

    @softplus.defvjp
    def softplus_vjp(g, ans, x):  # a user's VJP: no second order
        return g * np.exp(x - ans)

    f = make_function("""
        def softplus_squared(x):
            return np.sum(softplus(x) ** 2)
        """, {"softplus": softplus})
    with pytest.raises(srcad.NoGradientRuleError) as info:
        srcad.hvp(f)(np.ones(3), np.ones(3))
    location = info.value.location
    assert location.filename.startswith("<srcad-test") and "softplus(x)" in location.line


def test_hessian_of_the_euclidean_norm_against_autograd():
    f = _review("norm_squared")
    g = make_function("""
        def norm_plus(x):
            return np.linalg.norm(x) + np.linalg.norm(x.reshape(2, 2), axis=1).sum()
        """)
    x = np.array([0.3, -1.2, 0.8, 0.5])
    np.testing.assert_allclose(srcad.hessian(f)(x), 2 * np.eye(4), atol=1e-12)
    expected = autograd.hessian(lambda x: anp.linalg.norm(x) + anp.sum(
        anp.linalg.norm(anp.reshape(x, (2, 2)), axis=1)))(x)
    np.testing.assert_allclose(srcad.hessian(g)(x), expected, rtol=1e-10, atol=1e-12)


def test_api_misuse_is_a_srcad_error():
    f = _review("reassigned_param")
    with pytest.raises(srcad.SrcadError, match="argnums=5"):
        srcad.jacfwd(f, 5)(0.5, 2.0)
    with pytest.raises(srcad.SrcadError, match="do not fit"):
        srcad.jvp(f, (0.5,), (1.0,))
    with pytest.raises(srcad.SrcadError, match="argument number 3"):
        srcad.source(f, mode="forward", argnums=3)
    with pytest.raises(srcad.SrcadError, match="not shaped like"):
        srcad.jvp(_review("view_write"), ([0.5, 0.7], 1.0), ([1.0], None))


def test_the_output_tangent_is_never_the_callers_array():
    f = make_function("""
        def identity(x):
            return x
        """)
    t = np.ones(3)
    _, out = srcad.jvp(f, (np.zeros(3),), (t,))
    assert out is not t and not np.shares_memory(out, t)


def test_reverse_mode_over_a_derivative_points_to_forward_mode():
    f = _review("norm_squared")
    with pytest.raises(srcad.SrcadError, match="srcad.jacfwd"):
        srcad.jacrev(srcad.grad(f))(np.ones(3))
    H = srcad.jacfwd(srcad.grad(_review("hypot"), argnums=0))(0.6, -0.8)
    np.testing.assert_allclose(H, srcad.hessian(_review("hypot"))(0.6, -0.8))
