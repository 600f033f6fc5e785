"""Control flow and stored intermediates (the tape), checked against finite differences."""

import numpy as np
import pytest

import corpus_control
import srcad
from corpus_control import CASES
from gradcheck import check_grad, make_function


@pytest.mark.parametrize("fn, makers, argnums", CASES,
                         ids=[f"{c[0].__name__}-{k}" for k, c in enumerate(CASES)])
def test_corpus(fn, makers, argnums):
    for seed in range(3):
        rng = np.random.default_rng(seed)
        args = [make(rng) for make in makers]
        before = [np.copy(a) for a in args]
        check_grad(fn, args, argnums, rtol=1e-5, atol=1e-6)
        for a, b in zip(args, before):  # the derivative never modifies its arguments
            np.testing.assert_array_equal(a, b)


def test_corpus_has_forty_functions():
    assert len({c[0] for c in CASES}) >= 40


def peak_tape(derived, *args):
    """The largest number of entries the generated function's stack held during one call."""
    import sys

    transformed = derived.transformed()
    peak = [0]

    def tracer(frame, event, arg):
        if frame.f_code.co_filename != transformed.filename:
            return None
        stack = frame.f_locals.get("stack")
        if isinstance(stack, list):
            peak[0] = max(peak[0], len(stack))
        return tracer

    sys.settrace(tracer)
    try:
        derived(*args)
    finally:
        sys.settrace(None)
    return peak[0]


def test_tape_grows_linearly_with_iterations_and_holds_only_what_is_read():
    # y = y * x + sin(y): per iteration, y, y * x and sin(y) are overwritten and read by the
    # adjoint (y by the rules of * and sin; the two temporaries by unbroadcast, for their shape)
    # in the general code (specialized for a float x, only y: tests/test_specialization_kinds.py)
    derived = srcad.grad(corpus_control.for_range_arg, specialize=False)
    per_iteration = 3
    for n in (10, 100, 1000):
        assert peak_tape(derived, 0.5, n) == per_iteration * n
    text = srcad.source(derived)
    assert text.count("stack.append(") == per_iteration  # the loop variable i is never read


def test_subscript_write_saves_only_the_overwritten_part():
    text = srcad.source(srcad.grad(corpus_control.rnn_rows, argnums=(0, 1, 2)))
    assert "stack.append(snapshot(states[t]))" in text
    assert "stack.append(states)" not in text


def test_no_save_for_values_never_overwritten_or_never_read():
    text = srcad.source(srcad.grad(corpus_control.for_rows, argnums=(0, 1)))
    forward = text[:text.index("# backward")]
    assert "stack.append(W)" not in forward and "stack.append(X)" not in forward  # never overwritten
    text = srcad.source(srcad.grad(corpus_control.while_ode))
    forward = text[:text.index("# backward")]
    assert "stack.append(t)" not in forward  # t is overwritten, but no adjoint reads it
    assert "stack.append(y)" in forward      # y is overwritten and read


def test_nested_loop_trip_counts_are_saved_once_per_outer_iteration():
    derived = srcad.grad(corpus_control.nested_loops)
    text = srcad.source(derived)
    # the inner loop is replayed over its range (issue #17): its bound, i + 1, is what is saved,
    # once per outer iteration, and no trip count
    assert "for j in reversed(range(i_plus_one)):" in text
    assert text.count("stack.append(i_plus_one)") == 1 and "iterations_2" not in text
    x = np.array([0.3, -0.2, 0.5])
    check_grad(corpus_control.nested_loops, [x])


def test_caller_arrays_are_not_modified_by_a_function_that_writes_into_its_argument():
    x = np.array([0.5, -1.5, 2.0])
    before = x.copy()
    grad = srcad.grad(corpus_control.writes_into_argument)(x)
    np.testing.assert_array_equal(x, before)
    # f(x) = (x0 x1)^2 + x1^2 + x2^2
    np.testing.assert_allclose(grad, [2 * x[0] * x[1] ** 2, 2 * x[0] ** 2 * x[1] + 2 * x[1], 2 * x[2]])


def test_arrays_made_inside_are_written_without_copying_arguments():
    text = srcad.source(srcad.grad(corpus_control.rnn_rows, argnums=(0, 1, 2)))
    assert "private_copy" not in text
    text = srcad.source(srcad.grad(corpus_control.writes_into_argument))
    assert "x = private_copy(x)" in text


def test_value_of_a_data_dependent_loop_is_the_function_value():
    value, grad = srcad.value_and_grad(corpus_control.while_data_dependent)(0.5)
    assert value == corpus_control.while_data_dependent(0.5)


def test_repeated_calls_with_different_trip_counts_shapes_and_dtypes():
    derived = srcad.grad(corpus_control.for_range_arg)
    for n in (0, 1, 7):
        check_grad(corpus_control.for_range_arg, [0.6, n])
    assert derived(0.6, 0) == 0.0
    dx = srcad.grad(corpus_control.product_loop)(np.array([1.0, 2.0, 3.0], dtype=np.float32))
    np.testing.assert_allclose(dx, [6.0, 3.0, 2.0])


ALIASING = [
    ("""
def f(x):
    y = x * 1.0
    z = y
    z[0] = 5.0
    return np.sum(y * y)
""", True),
    ("""
def f(x):
    y = x * 1.0
    v = y[0:2]
    v += 1.0
    return np.sum(y)
""", True),
    ("""
def f(x):
    y = x * 1.0
    z = y.copy()
    z[0] = 5.0
    return np.sum(y * z)
""", False),
    ("""
def f(x):
    s = np.sum(x)
    t = s
    t += 1.0
    return s * t
""", False),
    ("""
def f(x):
    states = np.zeros((3, 2))
    h = x
    for t in range(3):
        prev = states[t - 1]
        h = np.tanh(h + prev)
        states[t] = h
    return np.sum(states)
""", False),
]


@pytest.mark.parametrize("source, refused", ALIASING)
def test_writes_into_shared_arrays_are_refused_and_only_those(source, refused):
    from gradcheck import make_function
    f = make_function(source)
    x = np.array([0.3, -0.4])
    if refused:
        with pytest.raises(srcad.AliasingError, match="shares its memory"):
            srcad.grad(f)(x)
    else:
        check_grad(f, [x])


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


# -- a chained comparison computes each operand once, and stops at the first false one -------------

_calls_made = []


def _counted(v):
    _calls_made.append(v)
    return v * 2.0


def chain_in_if(x):
    t = np.sum(x)
    if 0.0 < _counted(t) < 100.0:
        return t * t
    return t


def chain_in_while(x):
    s = np.sum(x)
    while 0.0 < _counted(s) < 10.0:
        s = s * 1.5
    return s * s


def chain_in_conditional_expression(x):
    t = np.sum(x)
    return t * t if -1.0 < _counted(t) < 1.0 else t


def chain_in_comprehension(x):
    return sum([v * v for v in x if -0.5 < _counted(v) < 1.0])


def chain_short_circuits(x):
    t = np.sum(x)
    if 100.0 < t < _counted(t):  # t < 100: _counted must not run
        return t
    return t * 3.0


@pytest.mark.parametrize("fn", [chain_in_if, chain_in_while, chain_in_conditional_expression,
                                chain_in_comprehension, chain_short_circuits])
def test_chained_comparisons_run_each_operand_once_like_python(fn):
    x = np.array([0.3, 0.7, -0.2])
    _calls_made.clear()
    fn(x)
    expected = len(_calls_made)
    for derived in (srcad.grad(fn), lambda v: srcad.jvp(fn, (v,), (np.ones(3),))):
        _calls_made.clear()
        derived(x)
        assert len(_calls_made) == expected, fn.__name__
    check_grad(fn, [x])


def test_a_part_written_is_put_back_for_a_view_read_under_a_name_restored_before():
    """(A review of a reverted change: the view w = x.T, rebound, read back as w = w_old after the
    write x[0, 0] = 1.0; the part written must be put back before it is read.)"""
    f = make_function("""
        def f(x):
            w = x.T
            a = np.sum(w ** 3)
            w = None
            x[0, 0] = 1.0
            return a + np.sum(x)
        """, {})
    check_grad(f, [np.arange(2.0, 8.0).reshape(2, 3)])
