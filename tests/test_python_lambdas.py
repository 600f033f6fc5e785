"""Lambdas written inside the differentiated function (srcad.passes.lambdas): each one srcad
follows (bound to a name and called, or called where written) checked against finite differences
in reverse mode, forward mode and Hessian-vector products, with Python's own values (late
binding: a lambda reads the variables it uses when it is called); each one it does not follow
refused with a SrcadError at the lambda's line."""

from __future__ import annotations

import ast

import numpy as np
import pytest

import srcad
from gradcheck import check_grad, directional, make_function


def apply(g, x):
    return g(x)


NAMESPACE = {"apply": apply}

SUPPORTED = {
    # the example of issue #15, less the forms srcad refuses
    "named_and_immediate": """
        def f(w, x):
            act = lambda v: np.tanh(w[0] * v)
            pred = act(x) + (lambda t: t ** 2)(w[1])
            return np.sum(pred ** 2) * w[2]
    """,
    # Python's late binding: 'a' is read when g is called (3 * w), not when it is defined
    "late_binding": """
        def f(w, x):
            a = w * 2.0
            g = lambda v: np.sum(a * v)
            a = np.sin(w) * 3.0
            return g(w) + np.sum(x)
    """,
    # rebinding between two calls: each call sees the value of its time
    "late_binding_between_calls": """
        def f(w, x):
            s = w[0]
            g = lambda v: s * v
            first = g(w[1])
            s = w[2] ** 2
            return first + g(w[1]) * x[0]
    """,
    # defined and called in a loop, reading the loop's variables and a running value
    "in_loop": """
        def f(w, x):
            total = 0.0
            for i in range(3):
                scale = w[i] * x[i]
                h = lambda v: np.sin(scale * v) + i
                total = total + h(w[(i + 1) % 3])
            return total
    """,
    # an array the lambda reads, changed in place between its definition and its call
    "late_binding_in_place": """
        def f(w, x):
            a = w * 1.0
            g = lambda v: np.sum(a * v)
            a[0] = w[1] ** 2
            a += x
            return g(w)
    """,
    # called in a comprehension
    "named_called_in_comprehension": """
        def f(w, x):
            sq = lambda v: v * v * x[0]
            return sum([sq(w[i]) for i in range(3)])
    """,
    # without parameters; reading a variable assigned after the lambda, before its call
    "no_parameters_and_assigned_after": """
        def f(w, x):
            get = lambda: w[0] * x[1] * b
            b = w[2] ** 2
            return get() * (lambda: w[1])()
    """,
    # called in a loop's test and iterable, and in an assert (run as written)
    "in_loop_headers_and_assert": """
        def f(w, x):
            k = 0
            s = 0.0
            while (lambda: k < 3)():
                s = s + w[k] * w[k]
                k += 1
            for v in (lambda: [w[0], w[1] * x[0]])():
                assert (lambda t: t == t)(v)
                s = s + v ** 3
            return s
    """,
    # one bound in a branch and called in it
    "in_branch": """
        def f(w, x):
            if x[0] > 0:
                g = lambda v: v * w[0]
                y = g(w[1])
            else:
                y = w[2]
            return y ** 2
    """,
    # called where it is written, in a loop
    "immediate_in_loop": """
        def f(w, x):
            s = 0.0
            k = 0
            while k < 3:
                s = s + (lambda t, u: t * u)(w[k], x[k])
                k += 1
            return s ** 2
    """,
    # in a comprehension, reading the comprehension's variable
    "in_comprehension": """
        def f(w, x):
            return sum([(lambda t: t * i + w[i] ** 2)(x[i]) for i in range(3)])
    """,
    # a comprehension variable of the same name as a local: the comprehension's is read
    "comprehension_shadows_local": """
        def f(w, x):
            i = 10.0
            s = sum([(lambda t: t * i)(w[i]) for i in range(3)])
            return s * i
    """,
    # the comprehension's variable read in the lambda and rebound by a comprehension inside it
    "comprehension_variable_rebound_inside": """
        def f(w, x):
            return sum([(lambda: sum([w[i] * x[i] for i in range(2)]) * i)() for i in range(3)])
    """,
    # constant defaults, given or not
    "constant_default": """
        def f(w, x):
            g = lambda v, p=2.0: w[0] * v ** p
            return g(w[1]) + g(w[2], 3.0) + g(w[1], p=1.0)
    """,
    # in the test of an 'if' and in an argument of a call
    "immediate_in_test": """
        def f(w, x):
            if (lambda v: v > 0)(x[0]):
                y = np.exp((lambda v: v * w[1])(w[0]))
            else:
                y = w[2]
            return y
    """,
    # called several times, also through a nested expression
    "named_called_twice": """
        def f(w, x):
            sq = lambda v: v * v
            return sq(sq(w[0]) + w[1]) + np.sum(sq(x * w))
    """,
}


def _args():
    rng = np.random.default_rng(3)
    return [rng.normal(size=3) * 0.5, np.abs(rng.normal(size=3)) + 0.5]


@pytest.mark.parametrize("name", sorted(SUPPORTED))
def test_value_and_gradient_against_differences(name):
    f = make_function(SUPPORTED[name], NAMESPACE)
    args = _args()
    value, _ = srcad.value_and_grad(f)(*args)
    assert value == pytest.approx(f(*args), rel=1e-12, abs=1e-12)  # Python's own value
    check_grad(f, args, argnums=(0, 1))


@pytest.mark.parametrize("name", sorted(SUPPORTED))
def test_forward_mode_against_differences(name):
    f = make_function(SUPPORTED[name], NAMESPACE)
    args = _args()
    rng = np.random.default_rng(7)
    v = rng.normal(size=3)
    out, tangent = srcad.jvp(f, tuple(args), (v, None))
    assert out == pytest.approx(f(*args), rel=1e-12, abs=1e-12)
    assert tangent == pytest.approx(directional(f, args, 0, v), rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("name", sorted(SUPPORTED))
def test_hvp_against_differences_of_the_gradient(name):
    f = make_function(SUPPORTED[name], NAMESPACE)
    w, x = _args()
    v = np.random.default_rng(11).normal(size=3)
    eps = 1e-5
    g = srcad.grad(f)
    expected = (g(w + eps * v, x) - g(w - eps * v, x)) / (2 * eps)
    np.testing.assert_allclose(srcad.hvp(f)(w, x, v), expected, rtol=1e-5, atol=1e-6)


def test_late_binding_gives_pythons_value_not_the_first_one():
    f = make_function(SUPPORTED["late_binding"], NAMESPACE)
    w, x = _args()
    value, grad = srcad.value_and_grad(f)(w, x)
    assert value == pytest.approx(np.sum(np.sin(w) * 3.0 * w) + np.sum(x))
    assert value != pytest.approx(np.sum(2.0 * w * w) + np.sum(x))


def test_a_module_level_lambda_with_a_lambda_inside():
    ns = {"np": np}
    exec(compile("f = lambda w: (lambda t: np.sin(t) * t)(w) + w ** 3\n",
                 _register("f = lambda w: (lambda t: np.sin(t) * t)(w) + w ** 3\n"), "exec"), ns)
    f = ns["f"]
    check_grad(f, [0.7])
    out, tangent = srcad.jvp(f, (0.7,), (1.0,))
    assert tangent == pytest.approx(directional(f, [0.7], 0, 1.0), rel=1e-6)


def _register(source):
    import linecache
    filename = "<srcad-test-module-lambda>"
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    return filename


def test_the_generated_code_names_the_lambdas_and_shows_the_users_lines():
    f = make_function(SUPPORTED["named_and_immediate"], NAMESPACE)
    code = srcad.source(srcad.grad(f))
    assert "def forward_act(" in code and "def forward_lambda_1(" in code
    assert "# line 4: pred = act(x) + (lambda t: t ** 2)(w[1])" in code
    assert not any(isinstance(node, ast.Lambda) for node in ast.walk(ast.parse(code)))


# (source, the line of the lambda refused, a word of the message)
REFUSED = {
    "key_of_sorted": ("""
        def f(w):
            order = sorted(range(3), key=lambda i: -w[i])
            return w[order[0]]
    """, 3, "key="),
    "key_of_max": ("""
        def f(w):
            i = max(range(3), key=lambda k: w[k])
            return w[i]
    """, 3, "key="),
    "map": ("""
        def f(w):
            return sum(list(map(lambda v: v * 2.0, w)))
    """, 3, "map"),
    "filter": ("""
        def f(w):
            return sum(list(filter(lambda v: v > 0, w)))
    """, 3, "filter"),
    "conditional_expression": ("""
        def f(w):
            g = (lambda v: v * 2.0) if w.shape[0] > 2 else np.sin
            return np.sum(g(w))
    """, 3, "conditional"),
    "or": ("""
        def f(w):
            g = None or (lambda v: v * 2.0)
            return np.sum(g(w))
    """, 3, "conditional"),
    "returned": ("""
        def f(w):
            return lambda v: v * w
    """, 3, "returned"),
    "stored_in_a_list": ("""
        def f(w):
            fs = [lambda v: v * w, np.sin]
            return np.sum(fs[0](w))
    """, 3, "container"),
    "named_then_returned": ("""
        def f(w):
            g = lambda v: v * w
            return g
    """, 3, "otherwise than called"),
    "varargs": ("""
        def f(w):
            g = lambda *vs: vs[0] * w
            return np.sum(g(w))
    """, 3, "*args"),
    "kwargs": ("""
        def f(w):
            g = lambda v, **kw: v * w
            return np.sum(g(w))
    """, 3, "**kwargs"),
    "keyword_only": ("""
        def f(w):
            g = lambda v, *, k: v * k
            return np.sum(g(w, k=w))
    """, 3, "keyword-only"),
    "default_not_constant": ("""
        def f(w):
            k = w * 2.0
            g = lambda v, k=k: v * k
            return np.sum(g(w))
    """, 4, "default"),
    "assigned_twice": ("""
        def f(w):
            if w[0] > 0:
                g = lambda v: v * 2.0
            else:
                g = lambda v: v * 3.0
            return np.sum(g(w))
    """, 4, "assigned elsewhere"),
    "called_after_the_branch_that_binds_it": ("""
        def f(w):
            if w[0] > 0:
                g = lambda v: v * 2.0
            return np.sum(g(w))
    """, 4, "may not be bound"),
    "called_in_a_loop_before_it_is_bound": ("""
        def f(w):
            s = 0.0
            for i in range(3):
                if i > 0:
                    s = s + g(w[i])
                g = lambda v: v * w[0]
            return s
    """, 7, "may not be bound"),
    "lambda_in_a_lambda": ("""
        def f(w):
            g = lambda v: (lambda t: t * v)(w)
            return np.sum(g(w))
    """, 3, "inside a lambda"),
    "recursion": ("""
        def f(w):
            g = lambda v: v if v < 1 else g(v / 2)
            return g(w[0])
    """, 3, "itself"),
    "called_from_another_lambda": ("""
        def f(w):
            a = lambda v: v * w[0]
            b = lambda v: a(v) + 1.0
            return b(w[1])
    """, 3, "another local function"),
    "calls_a_nested_def": ("""
        def f(w):
            def inner(v):
                return v * 2
            return (lambda t: inner(t))(w[0])
    """, 5, "nested function 'inner'"),
    "changes_an_enclosing_list": ("""
        def f(w):
            a = [w[0]]
            (lambda: a.append(w[1]))()
            return a[0]
    """, 4, "in place"),
    "in_a_nested_def": ("""
        def f(w):
            def inner(v):
                return (lambda t: t * 2.0)(v)
            return inner(w[0])
    """, 4, "nested 'def'"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_refused_at_the_lambdas_line(name, mode):
    source, line, words = REFUSED[name]
    f = make_function(source, NAMESPACE)
    w = np.array([0.5, 1.5, 2.5])
    with pytest.raises(srcad.SrcadError) as info:
        if mode == "reverse":
            srcad.grad(f)(w)
        else:
            srcad.jvp(f, (w,), (np.ones(3),))
    assert info.value.location is not None and info.value.location.lineno == line, str(info.value)
    assert words in str(info.value), str(info.value)
    if name != "changes_an_enclosing_list":  # (the fence's refusal: its advice in its message)
        assert info.value.hint, str(info.value)
