"""Findings of an independent review (330 functions written from scratch, checked against finite
differences, autograd, forward mode and HVPs), kept as regression tests.

1. Forward mode over a gradient (``hvp``, ``hessian``, ``grad(grad(f))``) crashed with a
   ``NameError`` (``S_dot``) where a loop writing into an array element read a global or enclosing
   array by subscript: the variable it was read into is saved on the stack with active values, so
   the read looked active, and the global got a tangent variable that does not exist. A global or
   enclosing variable is a constant: it never has one.
2. ``for k in params`` over a dict parameter was refused (see below).
3. A nested ``def`` in a branch that did not run was called by srcad (see below).
"""

from __future__ import annotations

import numpy as np
import pytest

import srcad
from gradcheck import make_function
from rulecheck import check_hvp

LOOP_READING_A_GLOBAL = """
S = np.array([1.0, 2.0, 3.0])

def f(k):
    out = np.zeros(3)
    for i in range(3):
        out[i] = out[i] + S[i] * k[i]
    return np.sum(out ** 2)
"""

LOOP_READING_A_CLOSURE = """
def make():
    S = np.array([1.0, 2.0, 3.0])
    def f(k):
        out = np.zeros(3)
        for i in range(3):
            out[i] += S[1] * k[i] * out[i - 1]
        return np.sum(out ** 2) + np.sum(k ** 3)
    return f

f = make()
"""

SCALAR = """
S = np.array([1.0, 2.0, 3.0])

def f(t):
    out = np.zeros(3)
    for i in range(3):
        out[i] = out[i] + S[i] * t
    return np.sum(out ** 2)
"""


@pytest.mark.parametrize("source", [LOOP_READING_A_GLOBAL, LOOP_READING_A_CLOSURE],
                         ids=["global", "closure"])
def test_hvp_of_a_loop_reading_a_global_array_by_subscript(source):
    f = make_function(source, name="f")
    k = np.array([0.3, 0.5, 0.7])
    check_hvp(f, (k,), 0)
    hessian = srcad.hessian(f)(k)
    for j in range(3):
        np.testing.assert_allclose(hessian[:, j], srcad.hvp(f)(k, np.eye(3)[j]), rtol=1e-10)


def test_second_derivative_of_a_scalar_loop_reading_a_global_array():
    f = make_function(SCALAR, name="f")
    # f(t) = 14 t^2: the second derivative is 28
    np.testing.assert_allclose(srcad.grad(srcad.grad(f))(0.5), 28.0, rtol=1e-12)


# 2. 'for k in params' over a dict parameter was refused ("differentiated as a loop over a
#    sequence"): the transformation is now specialized on which iterated parameters hold a dict.

def _loop_over_keys(params, x):
    total = 0.0
    for k in params:
        total = total + np.sum(np.tanh(params[k] * x)) * len(k)
    return total


def _comprehension_over_keys(params, x):
    return sum([np.sum(params[k] ** 2 * x) for k in params])


@pytest.mark.parametrize("fn", [_loop_over_keys, _comprehension_over_keys])
def test_iterating_a_dict_parameter_goes_over_its_keys(fn):
    from gradcheck import numeric_grad
    params = {"a": np.array([0.3, -0.2, 0.5]), "bb": np.array([1.1, 0.4, -0.7])}
    x = np.array([0.9, -1.3, 0.2])
    grads = srcad.grad(fn)(params, x)
    assert set(grads) == {"a", "bb"}
    for key in params:
        def along(v, key=key):
            return fn({**params, key: v}, x)
        np.testing.assert_allclose(grads[key], numeric_grad(along, [params[key]], 0), rtol=1e-6)
    np.testing.assert_allclose(srcad.grad(fn, argnums=1)(params, x),
                               numeric_grad(lambda v: fn(params, v), [x], 0), rtol=1e-6)


def test_the_same_function_given_a_list_then_a_dict_is_transformed_for_each():
    def total(items):
        s = 0.0
        for item in items:
            s = s + (np.sum(item * item) if not isinstance(item, str) else 1.0)
        return s
    as_list = [np.array([0.5, 1.0])]
    np.testing.assert_allclose(srcad.grad(total)(as_list)[0], 2 * as_list[0])
    # a dict: the loop goes over its keys (strings), so no gradient reaches the values
    grads = srcad.grad(total)({"a": np.array([0.5, 1.0])})
    np.testing.assert_array_equal(grads["a"], [0.0, 0.0])


def test_a_called_function_iterating_a_dict_argument_is_refused_at_its_loop():
    # (the specialization is the differentiated function's: a callee is not specialized on it)
    def outer(params):
        return _loop_over_keys(params, np.ones(3))
    with pytest.raises(srcad.SrcadError) as info:
        srcad.grad(outer)({"a": np.array([0.3, -0.2, 0.5])})
    assert "for k in params" in info.value.location.line


# 3. A nested 'def' inside a branch that did not run was still called by srcad (a number where
#    Python raises UnboundLocalError): a nested function is followed only where its 'def' has run.

DEF_IN_A_BRANCH = """
def f(w):
    if w[0] > 0:
        def g(v):
            return v * 2.0
    return np.sum(g(w))
"""

DEF_IN_A_LOOP = """
def f(w):
    s = 0.0
    for i in range(3):
        def g(v):
            return np.sin(v * i)
        s = s + np.sum(g(w) * w)
    return s
"""


def test_a_nested_def_called_where_it_may_not_have_run_is_refused():
    f = make_function(DEF_IN_A_BRANCH, name="f")
    with pytest.raises(UnboundLocalError):
        f(np.array([-1.0, 2.0]))
    with pytest.raises(srcad.UnsupportedSyntaxError) as info:
        srcad.grad(f)(np.array([-1.0, 2.0]))
    assert "g(w)" in info.value.location.line


def test_a_nested_def_in_a_loop_called_in_it():
    from gradcheck import check_grad
    from rulecheck import check_jvp
    f = make_function(DEF_IN_A_LOOP, name="f")
    w = np.array([0.4, -0.3, 1.2])
    check_grad(f, (w,))
    check_jvp(f, (w,), [0])
    check_hvp(f, (w,), 0)


# 4. A second review of this session's features found silent wrong gradients, fixed here:
#    np.copyto/np.add.at in a nested def writing into the enclosing function's array; forward mode
#    sharing a tangent where the value is new ('a * 1.0' simplified to 'a_dot', then written into);
#    helpers changing their argument through names the analysis did not follow (d.get, np.real,
#    np.asanyarray, np.hsplit, np.broadcast_arrays, getattr, next(iter(...)), max with a key, a
#    name copied then rebound), or through a tuple or an object argument; a constant array read
#    before a helper changed it; a NaN inside a dataclass gradient.

NESTED_WRITING_CALL = """
def f(x):
    y = x * 1.0
    def g(v):
        np.copyto(y, v)
        return 0.0
    r = g(x[::-1] * 2.0)
    return np.sum(y * x) + r
"""


def test_a_writing_call_into_an_enclosing_array_is_refused():
    f = make_function(NESTED_WRITING_CALL, name="f")
    with pytest.raises(srcad.UnsupportedSyntaxError, match="changes 'y' of the enclosing"):
        srcad.grad(f)(np.array([0.3, -1.2, 0.7]))


TANGENT_SHARED_BY_SIMPLIFICATION = """
def one(a):
    return a * 1.0

def f(x):
    z = one(x)
    np.add.at(z, [1, 1], x[0])
    w = x + 0.0
    w[2] = 3.0 * x[1]
    return np.sum(x ** 2) + np.sum(z) + np.sum(w * w)
"""


def test_a_new_value_gets_a_new_tangent_even_where_its_template_simplifies_to_a_name():
    from gradcheck import check_grad
    from rulecheck import check_jvp
    f = make_function(TANGENT_SHARED_BY_SIMPLIFICATION, name="f")
    x = np.array([0.3, -1.2, 0.7])
    check_grad(f, (x,))
    for seed in range(3):
        check_jvp(f, (x,), [0], seed=seed)
    check_hvp(f, (x,), 0)


CHANGING_HELPERS = {
    "dict.get": "w = {'w': a}.get('w')\n    w[1] = 3.0 * x[0]",
    "np.real": "b = np.real(a)\n    b[1] = 3.0 * x[0]",
    "np.asanyarray": "b = np.asanyarray(a)\n    b[1] = 3.0 * x[0]",
    "np.hsplit": "b = np.hsplit(a, 3)[1]\n    b[0] = 3.0 * x[0]",
    "np.broadcast_arrays": "b = np.broadcast_arrays(a, x)[0]\n    b[1] = 3.0 * x[0]",
    "getattr": "b = getattr(a, 'T')\n    b[1] = 3.0 * x[0]",
    "next(iter(...))": "b = next(iter([a]))\n    b[1] = 3.0 * x[0]",
    "copied then rebound": "c = c * 1.0\n    c = a\n    c[1] = 3.0 * x[0]",
}


@pytest.mark.parametrize("body", CHANGING_HELPERS.values(), ids=CHANGING_HELPERS.keys())
def test_a_helper_changing_its_argument_through_another_name_is_refused(body):
    f = make_function(f"""
def h(a, x, c):
    {body}
    return 0.0

def f(x):
    y = x * 1.0
    r = h(y, x, np.zeros(3))
    return np.sum(y ** 2) + r
""", name="f")
    x = np.array([0.3, -1.2, 0.7])
    with pytest.raises(srcad.SrcadError, match="in place"):
        srcad.grad(f)(x)


TUPLE_AND_OBJECT_ARGUMENTS = """
class Box:
    def __init__(self, w):
        self.w = w

def through_a_tuple(pair, x):
    a, b = pair
    a[1] = 3.0 * x[0]
    return 0.0

def through_an_object(o, x):
    a = o.w
    a[1] = 3.0 * x[0]
    return 0.0

def f_tuple(x):
    y = x * 1.0
    r = through_a_tuple((y, x), x)
    return np.sum(y ** 2) + r

def f_object(x, box):
    r = through_an_object(box, x)
    return np.sum(box.w ** 2) + r
"""


def test_a_helper_changing_an_array_in_a_tuple_or_an_object_is_refused():
    f_tuple = make_function(TUPLE_AND_OBJECT_ARGUMENTS, name="f_tuple")
    f_object = make_function(TUPLE_AND_OBJECT_ARGUMENTS, name="f_object")
    box = f_object.__globals__["Box"](np.ones(3))
    x = np.array([0.3, -1.2, 0.7])
    with pytest.raises(srcad.AliasingError, match="the value passed for it"):
        srcad.grad(f_tuple)(x)
    with pytest.raises(srcad.AliasingError, match="here 'box'"):
        srcad.grad(f_object)(x, box)


CONSTANT_CHANGED_AFTER_A_READ = """
def doubles(a):
    a *= 2.0
    return 1.0

def fills(a):
    a[0] = 3.0
    return 0.0

def read_then_changed(x):
    w = np.ones(3)
    y = x * w
    r = doubles(w)
    return np.sum(y * w) + r

def filled_then_read(x):
    w = np.ones(3)
    r = fills(w)
    return np.sum(x * w * x) + r
"""


def test_a_constant_changed_by_a_helper_after_a_gradient_read_it_is_refused():
    from gradcheck import check_grad
    read_then_changed = make_function(CONSTANT_CHANGED_AFTER_A_READ, name="read_then_changed")
    filled_then_read = make_function(CONSTANT_CHANGED_AFTER_A_READ, name="filled_then_read")
    x = np.array([0.3, -1.2, 0.7])
    with pytest.raises(srcad.AliasingError, match="here 'w'"):
        srcad.grad(read_then_changed)(x)
    check_grad(filled_then_read, (x,))  # a buffer a helper fills before anything reads it


def test_a_nan_inside_a_dataclass_gradient_is_refused():
    import dataclasses

    @dataclasses.dataclass
    class P:
        a: np.ndarray

    def f(p):
        with np.errstate(all="ignore"):
            return np.sum(np.where(p.a != 0, np.sin(p.a) / p.a, 1.0))
    with pytest.raises(srcad.NonFiniteError):
        srcad.grad(f)(P(np.array([0.0, 1.0])))


# 5. A new key written into a dict parameter, or into a copy of one, crashed with KeyError in the
#    generated code (the save read the missing key): the transformation knows which parameters are
#    dicts, so a write into one saves the entry or its absence, and the backward sweep deletes a
#    key the function added (and forward mode over it, for HVPs, does the same to the tangent).

NEW_KEYS = """
def into_the_parameter(p):
    p['c'] = p['a'] * 2.0
    return np.sum(p['c'] ** 2) + np.sum(np.sin(p['a']))

def into_a_copy(x, D):
    E = D.copy()
    E['z'] = x * 3.0
    E['a'] = E['a'] * x
    return np.sum(E['z'] * E['a'])
"""


def test_a_new_key_in_a_dict_parameter_or_its_copy():
    from gradcheck import numeric_grad
    from rulecheck import check_jvp
    into_the_parameter = make_function(NEW_KEYS, name="into_the_parameter")
    into_a_copy = make_function(NEW_KEYS, name="into_a_copy")
    a, x = np.array([1.0, 2.0]), np.array([0.5, -0.3])
    g = srcad.grad(into_the_parameter)({"a": a.copy()})
    assert list(g) == ["a"]  # (the key the function added is its own)
    np.testing.assert_allclose(g["a"], numeric_grad(lambda v: into_the_parameter({"a": v}), [a], 0),
                               rtol=1e-6)
    np.testing.assert_allclose(srcad.grad(into_a_copy)(x, {"a": a}),
                               numeric_grad(lambda v: into_a_copy(v, {"a": a}), [x], 0), rtol=1e-6)
    check_jvp(into_a_copy, (x, {"a": a}), [0])
    check_hvp(into_a_copy, (x, {"a": a}), 0)  # (the backward's restore_entry, in forward mode)
    p = {"a": a.copy()}
    srcad.grad(into_the_parameter)(p)
    assert list(p) == ["a"]  # the caller's dict is not changed
