"""Everything srcad refuses fails loudly, at the user's file, line and column, with a caret."""

import numpy as np
import pytest

import srcad
from gradcheck import check_grad, make_function

# (source, error type, 1-based line within the source, column, words in the message)
REJECTED = [
    ("""
def f(x):
    class A:
        pass
    return x
""", srcad.UnsupportedSyntaxError, 3, 4, "class definitions"),
    ("""
def f(x):
    def g():
        nonlocal x
        x = 1
        return x
    return g()
""", srcad.UnsupportedSyntaxError, 4, 8, "'nonlocal'"),
    ("""
def f(x):
    def g(t):
        return t * x
    h = g
    return h(x)
""", srcad.UnsupportedSyntaxError, 5, 8, "may only be called"),
    ("""
def f(x):
    y = helper(*x)
    return y
""", srcad.UnsupportedSyntaxError, 3, 15, "star-unpacking"),
    ("""
def f(x):
    y = np.sum(x, **x)
    return y
""", srcad.UnsupportedSyntaxError, 3, 20, "'**' in a call"),
    ("""
def f(x):
    s = {x[0], 1.0}
    return sum(s)
""", srcad.NoGradientRuleError, 3, 8, "no gradient rule for 'set'"),
    ("""
def f(x):
    s = {v * 2 for v in x}
    return sum(s)
""", srcad.NoGradientRuleError, 3, 8, "no gradient rule for 'set'"),
    ("""
def f(x):
    d = {**x}
    return d[0]
""", srcad.UnsupportedSyntaxError, 3, 11, "'**' in a dict display"),
    ("""
def f(x):
    g = lambda *t: t[0] * x
    return np.sum(g(x))
""", srcad.UnsupportedSyntaxError, 3, 8, "lambda"),
    ("""
def f(x):
    match x:
        case _:
            return x
""", srcad.UnsupportedSyntaxError, 3, 4, "'match'"),
    ("""
def f(x):
    yield from x
""", srcad.UnsupportedSyntaxError, 3, 4, "generators"),
    ("""
def f(x):
    if x is None:
        raise
    return x
""", srcad.UnsupportedSyntaxError, 4, 8, "bare 'raise'"),
    ("""
def f(x):
    import math
    return math.sin(x)
""", srcad.UnsupportedSyntaxError, 3, 4, "imports"),
    ("""
def f(x):
    return x << 1
""", srcad.UnsupportedSyntaxError, 3, 11, "shift operators"),
    ("""
def f(x):
    x.attr = 1.0
    return x
""", srcad.UnsupportedSyntaxError, 3, 4, "attribute"),
    ("""
def f(x):
    return
""", srcad.UnsupportedSyntaxError, 3, 4, "without a value"),
    ("""
def f(x):
    def g(t, **options):
        return t
    return g(x)
""", srcad.UnsupportedSyntaxError, 3, 15, "'**kwargs' parameters of a nested 'def'"),
    ("""
def f(x):
    for x.a in range(3):
        pass
    return x
""", srcad.UnsupportedSyntaxError, 3, 8, "loop variable"),

    ("""
def f(x):
    with open('a') as fh:
        y = x
    return y
""", srcad.UnsupportedSyntaxError, 3, 9, "'with open(...)'"),
    ("""
def f(x):
    try:
        y = x * 2
    except ValueError:
        y = x
    return y
""", srcad.UnsupportedSyntaxError, 5, 4, "lets the function go on"),
    ("""
def f(x):
    global G
    G = x
    return x
""", srcad.UnsupportedSyntaxError, 3, 4, "'global G'"),
    ("""
def f(x):
    y = x * 2
    del y
    return y
""", srcad.UnsupportedSyntaxError, 5, 11, "'del y'"),
    ("""
def f(x):
    y = x * 2
    y[0][1] = 1.0
    return y
""", srcad.UnsupportedSyntaxError, 4, 4, "nested subscript"),
    ("""
def f(x):
    return (y := x * 2)
""", srcad.UnsupportedSyntaxError, 3, 12, "':='"),
    ("""
def f(x):
    yield x
""", srcad.UnsupportedSyntaxError, 3, 4, "generators"),
    ("""
def f(x):
    y = x * 2
""", srcad.UnsupportedSyntaxError, 2, 0, "no 'return'"),
    ("""
def f(x, *rest):
    rest = (x,)
    return x * rest[0]
""", srcad.UnsupportedSyntaxError, 3, 4, "may not be reassigned"),
    ("""
def f(x):
    np.multiply.at(x, [0], 2.0)
    return x
""", srcad.UnsupportedSyntaxError, 3, 4, "in place"),
    ("""
def f(x):
    return lambda_free(x) + np.interp(x, x, x)[0]
""", srcad.UndefinedNameError, 3, 11, "'lambda_free' is not defined"),
    ("""
def f(x):
    return np.sum(np.emath.sqrt(x))
""", srcad.NoGradientRuleError, 3, 18, "no gradient rule for 'np.emath.sqrt'"),
    ("""
def f(x):
    return np.sum(x, where=x > 0)
""", srcad.NoGradientRuleError, 3, 11, "'where'"),
]


def helper(x):
    return x


@pytest.mark.parametrize("source, error, line, col, words", REJECTED,
                         ids=[r[4] for r in REJECTED])
def test_rejected_constructs_point_at_the_user_line(source, error, line, col, words):
    f = make_function(source, {"helper": helper})
    with pytest.raises(error) as info:
        srcad.grad(f)(np.array([0.5, 1.5]))
    exc = info.value
    assert isinstance(exc, srcad.SrcadError)
    assert words in exc.message
    assert exc.location.lineno == line
    assert exc.location.col == col
    text = str(exc)
    assert text.startswith(f"{exc.location.filename}:{line}:{col}: ")
    # the offending source line, and a caret under the column
    source_line = source.splitlines()[line - 1]
    rendered = text.splitlines()
    assert rendered[1].strip() == source_line.strip()
    caret_line = rendered[2]
    indent = len(source_line) - len(source_line.lstrip())
    assert caret_line.index("^") - 4 == col - indent


def test_async_function_is_refused():
    f = make_function("""
        async def f(x):
            return x
        """)
    with pytest.raises(srcad.UnsupportedSyntaxError, match="async") as info:
        srcad.grad(f)(1.0)
    assert info.value.location.lineno == 2


def test_nondifferentiable_call_is_fine_when_no_gradient_flows():
    # helper() has no rule, but it only sees a value that does not depend on x
    f = make_function("""
        def f(x, n):
            k = helper(n)
            return np.sum(x * k)
        """, {"helper": helper})
    np.testing.assert_allclose(srcad.grad(f)(np.array([1.0, 2.0]), 3.0), [3.0, 3.0])


def test_non_scalar_output_suggests_vjp():
    f = make_function("""
        def f(x):
            return x * 2
        """)
    with pytest.raises(srcad.NonScalarOutputError, match="vjp") as info:
        srcad.grad(f)(np.ones(3))
    assert info.value.location.lineno == 3


def test_builtin_function_has_no_source():
    with pytest.raises(srcad.SourceUnavailableError, match="not a Python function"):
        srcad.grad(np.sin)(1.0)


def test_function_without_readable_source():
    ns = {}
    exec("def f(x):\n    return x * x\n", ns)  # no file behind it
    with pytest.raises(srcad.SourceUnavailableError, match="cannot read the source"):
        srcad.grad(ns["f"])(1.0)


def test_bad_argnums():
    f = make_function("""
        def f(x, y):
            return x * y
        """)
    with pytest.raises(srcad.SrcadError, match="argnums=2"):
        srcad.grad(f, argnums=2)(1.0, 2.0)
    with pytest.raises(srcad.SrcadError, match="twice"):
        srcad.grad(f, argnums=(0, -2))(1.0, 2.0)


def test_error_in_real_file_names_the_file():
    import corpus_errors
    with pytest.raises(srcad.NoGradientRuleError) as info:
        srcad.grad(corpus_errors.uses_emath)(np.ones(3))
    assert info.value.location.filename.endswith("corpus_errors.py")
    assert info.value.location.lineno == corpus_errors.uses_emath.__code__.co_firstlineno + 1
    assert "np.emath.sqrt(x)" in str(info.value)


# -- a nested def calling a nested def -------------------------------------------------------------

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


# -- aliasing errors: the place said once ----------------------------------------------------------

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


# -- views under other names: the rule decides, not the name (aliased imports and assignments) ----

from numpy import transpose as tr  # noqa: E402
rs = np.reshape
swap = np.swapaxes


def writes_into_tr_view(x):
    y = x * 1.0
    z = tr(y)
    z[0] = np.sin(z[1])
    return np.sum(y * y)


def writes_into_rs_view(x):
    y = x * 1.0
    z = rs(y, (4,))
    z[0] = z[1] ** 2
    return np.sum(y * x)


def writes_into_swap_view(x):
    y = x * 1.0
    z = swap(y, 0, 1)
    z[0, 1] = np.cos(z[1, 0])
    return np.sum(y * y)


def writes_into_unbound_method_view(x):
    y = x * 1.0
    z = np.ndarray.reshape(y, (4,))  # no rule for the descriptor: srcad stays conservative
    z[0] = z[1] ** 2
    return np.sum(y * x)


def writes_into_bound_method_view(x):
    y = x * 1.0
    r = y.reshape
    z = r((4,))  # a local callable: unknown, conservative
    z[0] = z[1] ** 2
    return np.sum(y * x)


def writes_into_rs_view_of_param(p):
    z = rs(p, (4,))
    z[0] = 0.0
    return z


def passes_to_a_callee_writing_an_aliased_view(x):
    y = x * 1.0
    w = writes_into_rs_view_of_param(y)
    return np.sum(y * x) + np.sum(w)


_VIEW_WRITERS = [writes_into_tr_view, writes_into_rs_view, writes_into_swap_view,
                 writes_into_unbound_method_view, writes_into_bound_method_view]
_RESOLVED = (writes_into_tr_view, writes_into_rs_view, writes_into_swap_view,
             passes_to_a_callee_writing_an_aliased_view)


@pytest.mark.parametrize("fn", _VIEW_WRITERS + [passes_to_a_callee_writing_an_aliased_view])
def test_a_view_under_another_name_is_refused_in_reverse_mode(fn):
    """A view function under another name is an AliasingError, as under its own; what srcad
    cannot resolve is a located error too (never a silently wrong gradient)."""
    x = np.array([[0.7, -0.4], [1.3, 0.2]])
    with pytest.raises(srcad.AliasingError if fn in _RESOLVED else srcad.SrcadError) as info:
        srcad.grad(fn)(x)
    assert info.value.location.filename == __file__


@pytest.mark.parametrize("fn", _VIEW_WRITERS)
def test_a_view_under_another_name_gives_the_right_jvp_or_an_aliasing_error(fn):
    from gradcheck import directional
    x = np.array([[0.7, -0.4], [1.3, 0.2]])
    v = np.array([[1.0, 0.5], [-2.0, 0.3]])
    try:
        value, tangent = srcad.jvp(fn, (x,), (v,))
    except (srcad.AliasingError if fn in _RESOLVED else srcad.SrcadError) as error:
        assert error.location.filename == __file__
        return
    assert np.allclose(value, fn(x))
    assert np.allclose(tangent, directional(fn, [x], 0, v), rtol=1e-5, atol=1e-6)


# -- "fresh" is the rule's fact: a user's function named like a NumPy constructor is not fresh -----

def copy(a):  # named like np.copy, but returns its argument
    return a


def writes_into_a_user_copy(x):
    y = copy(x)
    y[0] = 0.0
    return np.sum(y * y)


def test_a_user_function_named_copy_is_not_taken_for_a_fresh_array():
    from gradcheck import directional
    x = np.array([0.7, -0.4, 1.3])
    kept = x.copy()
    assert np.allclose(srcad.grad(writes_into_a_user_copy)(x), [0.0, -0.8, 2.6])
    assert np.array_equal(x, kept)
    v = np.array([1.0, 0.5, -2.0])
    value, tangent = srcad.jvp(writes_into_a_user_copy, (x,), (v,))
    assert np.array_equal(x, kept)  # the caller's array is not written into
    assert np.isclose(value, writes_into_a_user_copy(kept.copy()))
    assert np.isclose(tangent, directional(writes_into_a_user_copy, [kept.copy()], 0, v))


# -- functions that return views (flip, rot90, split): a write through one is refused ----------------

def writes_through_flip(x):
    b = x * 1.0
    v = np.flip(b)
    v[0] = 100.0
    return np.sum(b * x)


def writes_through_rot90(x):
    b = x * 1.0
    v = np.rot90(b)
    v[0, 0] = 100.0
    return np.sum(b * x)


def writes_through_a_split_piece(x):
    y = x * 1.0
    a, b = np.split(y, 2)
    a[0] = 3.0
    return np.sum(y * x)


def writes_into_a_flattened_copy(x):
    b = x.copy()
    v = b.flatten()  # a new array: writing into it leaves b alone
    v[0] = 100.0
    return np.sum(b * x) + np.sum(v * x.ravel())


@pytest.mark.parametrize("fn", [writes_through_flip, writes_through_rot90,
                                writes_through_a_split_piece])
def test_a_write_through_a_view_function_is_refused_or_right(fn):
    from gradcheck import directional
    x = np.array([[0.7, -0.4], [1.3, 0.2]])
    with pytest.raises(srcad.AliasingError) as info:
        srcad.grad(fn)(x)
    assert info.value.location.filename == __file__
    v = np.array([[1.0, 0.5], [-2.0, 0.3]])
    value, tangent = srcad.jvp(fn, (x,), (v,))  # forward mode follows the write: right
    assert np.isclose(tangent, directional(fn, [x], 0, v), rtol=1e-5, atol=1e-6)


def test_a_flattened_copy_is_a_new_array_in_both_modes():
    from gradcheck import check_grad, directional
    x = np.array([[0.7, -0.4], [1.3, 0.2]])
    check_grad(writes_into_a_flattened_copy, [x])
    v = np.array([[1.0, 0.5], [-2.0, 0.3]])
    _, tangent = srcad.jvp(writes_into_a_flattened_copy, (x,), (v,))
    assert np.isclose(tangent, directional(writes_into_a_flattened_copy, [x], 0, v), rtol=1e-5)


def builds_a_list_with_append(x):
    acc = []
    for i in range(3):
        acc.append(x * i)
    return np.sum(acc[2])


def test_reverse_mode_through_append_is_differentiated():
    # (refused until issue #15; tests/test_python_lists.py tests lists built in loops)
    check_grad(builds_a_list_with_append, [np.array([0.5, -1.5])])


def returns_a_complex_number(x):
    z = x * (1 + 2j)
    return np.sum(z * z)


def test_grad_of_a_complex_valued_function_is_refused_at_its_return():
    with pytest.raises(srcad.UnsupportedOperationError) as info:
        srcad.grad(returns_a_complex_number)(np.array([0.3, 0.5]))
    assert "complex" in str(info.value)
    code = returns_a_complex_number.__code__
    assert (info.value.location.filename, info.value.location.lineno) == \
        (__file__, code.co_firstlineno + 2)


def _inner_loss(w, x):
    return np.sum(np.tanh(w * x) ** 2)


_inner_gradient = srcad.grad(_inner_loss)


def penalizes_a_gradient(w, x):
    return np.sum(_inner_gradient(w, x) ** 2)


def test_forward_mode_through_a_derived_function_says_what_it_is():
    """Reverse mode differentiates a call to a function made by srcad; forward mode refuses it at
    the call, naming it as what it is (it said: a custom VJP the user gave)."""
    from gradcheck import check_grad
    w, x = np.array([0.3, -0.2]), np.array([1.5, 0.5])
    check_grad(penalizes_a_gradient, [w, x])
    with pytest.raises(srcad.NoGradientRuleError) as info:
        srcad.jvp(penalizes_a_gradient, (w, x), (np.ones(2), None))
    assert "a function made by srcad" in str(info.value)
    assert "custom VJP" not in str(info.value)
    assert info.value.location.lineno == penalizes_a_gradient.__code__.co_firstlineno + 1
