"""Issue #14, trust, class 1: aliasing. A write into an array (or a list or dict) that another
live name shares, or that a container holds, gives the right derivative or an AliasingError at the
user's line -- never a silently wrong number -- in reverse mode and in forward mode; valid code
(Gram-Schmidt writing columns in place, views read only by the backward sweep) is not refused.

The oracle is central finite differences (tests/gradcheck.py). Autograd does not apply: it refuses
writes into arrays.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import srcad
from gradcheck import check_grad, directional, make_function, numeric_grad
from srcad.runtime.checks import check_unshared

X = np.array([0.7, -0.4, 1.3])
V = np.array([0.3, 0.4, -0.5])


def _marked_line(fn) -> int:
    """The line of ``fn`` marked ``# <- write``: where an AliasingError must point."""
    lines, first = inspect.getsourcelines(fn)
    return first + next(k for k, line in enumerate(lines) if "# <- write" in line)


# -- an array held in a container, then written in place through its name ----------------------

def tuple_then_augmented(x):
    y = x * 2.0
    t = (y, 1.0)
    y += x  # <- write
    return np.sum(t[0] * x)


def list_then_item_write(x):
    y = x * 2.0
    lst = [y, x]
    y[0] = 5.0  # <- write
    return np.sum(lst[0] * x)


def dict_then_item_write(x):
    y = x * 2.0
    d = {"a": y}
    y[1] = 0.0  # <- write
    return np.sum(d["a"] * x)


def name_taken_out_of_a_list(x):
    lst = [x * 1.0, x * 2.0]
    a = lst[1]
    a[0] = 0.0  # <- write
    return np.sum(lst[1] * x)


def nested_containers(x):
    y = x * 2.0
    t = ([y], 1.0)
    y[0] = 5.0  # <- write
    return np.sum(t[0][0] * x)


def list_item_assigned_then_written(x):
    y = x * 2.0
    lst = [x, x]
    lst[0] = y
    y[0] = 5.0  # <- write
    return np.sum(lst[0] * x)


def concatenated_then_written(x):
    y = x * 2.0
    lst = [x] + [y]
    y[0] = 5.0  # <- write
    return np.sum(lst[1] * x)


def repeated_then_written(x):
    y = x * 2.0
    lst = [y] * 2
    y[0] = 5.0  # <- write
    return np.sum(lst[1] * x)


# -- two names for one array or list --------------------------------------------------------------

def chained_assignment(x):
    a = b = x * 1.0
    a[0] = 0.0  # <- write
    return np.sum(b * x)


def conditional_expression(x, c=True):
    y = x * 1.0
    w = x * 2.0
    z = y if c else w
    z[0] = 3.0  # <- write
    return np.sum(y * x)


def ident(v):
    return v


def user_function_returning_its_argument(x):
    y = x * 1.0
    z = ident(y)
    z[0] = 1.0  # <- write
    return np.sum(y * x)


def list_bound_to_two_names(x):
    a = [x * 1.0, x * 2.0]
    b = a
    b[0] = x * 3.0  # <- write
    return np.sum(a[0] * x)


def list_extended_in_place(x):
    a = [x * 1.0]
    b = a
    b += [x * 2.0]  # <- write
    return np.sum(a[-1] * x)


def bound_on_one_path_only(x, c=1.0):
    y = x * 1.0
    if c > 0:
        z = y
    y[0] = 5.0  # <- write
    return np.sum(z * x)


def bound_in_a_loop_on_one_path_only(x):
    y = x * 1.0
    s = 0.0
    for i in range(3):
        if i == 0:
            z = y
        y[0] = 2.0 * s  # <- write
        s = s + np.sum(z * x)
    return s


REFUSED = [tuple_then_augmented, list_then_item_write, dict_then_item_write,
           name_taken_out_of_a_list, nested_containers, list_item_assigned_then_written,
           concatenated_then_written, repeated_then_written, chained_assignment,
           conditional_expression, user_function_returning_its_argument, list_bound_to_two_names, list_extended_in_place,
           bound_on_one_path_only, bound_in_a_loop_on_one_path_only]


@pytest.mark.parametrize("fn", REFUSED, ids=lambda fn: fn.__name__)
def test_a_shared_write_is_refused_at_its_line_in_reverse_mode(fn):
    # the oracle sees that sharing matters: srcad's reading "as if unshared" would be wrong
    with pytest.raises(srcad.AliasingError) as info:
        srcad.grad(fn)(X)
    assert info.value.location.filename == __file__
    assert info.value.location.lineno == _marked_line(fn)


@pytest.mark.parametrize("fn", REFUSED, ids=lambda fn: fn.__name__)
def test_a_shared_write_is_right_or_refused_at_its_line_in_forward_mode(fn):
    try:
        value, tangent = srcad.jvp(fn, (X,), (V,))
    except srcad.AliasingError as error:
        assert error.location.filename == __file__
        assert error.location.lineno == _marked_line(fn)
        return
    np.testing.assert_allclose(value, fn(X))
    np.testing.assert_allclose(tangent, directional(fn, [X], 0, V), rtol=1e-5, atol=1e-6)


def test_the_augmented_write_into_an_array_a_tuple_holds_is_refused_in_forward_mode_too():
    """srcad computes ``y += x`` as ``y = y + x``: even the value would differ from NumPy's."""
    with pytest.raises(srcad.AliasingError) as info:
        srcad.jvp(tuple_then_augmented, (X,), (V,))
    assert info.value.location.lineno == _marked_line(tuple_then_augmented)


# -- appends and pops: forward mode follows them; reverse mode refuses a write into an array a list
# still holds (located), and differentiates one into an array popped out of it ------------------

def appended_then_written(x):
    y = x * 2.0
    items = []
    items.append(y)
    y[0] = 5.0
    return np.sum(items[0] * x)


def popped_then_written(x):
    items = [x * 2.0, x * 3.0]
    z = items.pop()
    z[0] = 5.0
    w = items[0]
    return np.sum(w * z)


@pytest.mark.parametrize("fn", [appended_then_written, popped_then_written],
                         ids=lambda fn: fn.__name__)
def test_appended_and_popped_arrays_written_into(fn):
    value, tangent = srcad.jvp(fn, (X,), (V,))
    np.testing.assert_allclose(value, fn(X))
    np.testing.assert_allclose(tangent, directional(fn, [X], 0, V), rtol=1e-5, atol=1e-6)
    if fn is popped_then_written:  # the list no longer holds the array written into
        check_grad(fn, [X])
        return
    with pytest.raises(srcad.SrcadError) as info:
        srcad.grad(fn)(X)
    assert info.value.location.filename == __file__


# -- valid code: right in both modes, never refused ------------------------------------------------

def gram_schmidt(A):
    """Modified Gram-Schmidt, columns orthonormalized in place."""
    m, n = A.shape
    q = A * 1.0
    for i in range(n):
        for j in range(i):
            c = np.dot(q[:, j], q[:, i])
            q[:, i] -= c * q[:, j]
        q[:, i] /= np.linalg.norm(q[:, i])
    return np.sum(q * np.arange(m * n).reshape(m, n))


def qr(A):
    """Classical Gram-Schmidt QR, Q and R written column by column and entry by entry."""
    m, n = A.shape
    Q = np.zeros((m, n))
    R = np.zeros((n, n))
    for j in range(n):
        v = A[:, j] * 1.0
        for i in range(j):
            R[i, j] = np.dot(Q[:, i], A[:, j])
            v -= R[i, j] * Q[:, i]
        R[j, j] = np.linalg.norm(v)
        Q[:, j] = v / R[j, j]
    return Q, R


def qr_loss(A):
    Q, R = qr(A)
    return np.sum(np.sin(Q) * np.arange(Q.size).reshape(Q.shape)) + np.sum(R * R * R)


def view_read_only_by_the_backward_sweep(x, w):
    y = x * 1.0
    s = 0.0
    for i in range(3):
        v = y[0:2]
        s = s + np.sum(v * w)
        y[0] = 2.0
    return s


def view_read_by_the_backward_sweep_outside_loops(x, w):
    y = x * 1.0
    v = y[1:3]
    s = np.sum(v * w)
    y[1] = 5.0
    return s


def item_of_a_tuple_read_by_the_backward_sweep(x, w):
    y = x * 2.0
    t = (y, 1.0)
    a = t[0]
    s = np.sum(a * w)
    y[1] = 5.0
    return s


def other_column_live(A):
    q = A * 1.0
    c = q[:, 0]
    q[:, 1] = q[:, 1] * 2.0
    return np.sum(c @ q)


def list_of_arrays_written_unshared(x):
    lst = [x * 1.0, x * 2.0]
    lst[0] = x * 3.0
    return np.sum(lst[0] * lst[1])


def rebound_every_iteration(x):
    y = x * 1.0
    s = 0.0
    z = x * 0.5
    for i in range(3):
        if i > 0:
            s = s + np.sum(z * x)
        y[0] = 2.0 * s
        z = y
    return s


A = np.array([[1.0, 0.3, 0.2], [0.5, 2.0, -0.1], [0.2, 0.1, 1.5], [0.3, -0.4, 0.9]])
W = np.array([0.5, -1.5])
RIGHT = [(gram_schmidt, [A], 0), (qr_loss, [A], 0),
         (view_read_only_by_the_backward_sweep, [X, W], 1),
         (view_read_only_by_the_backward_sweep, [X, W], (0, 1)),
         (view_read_by_the_backward_sweep_outside_loops, [X, W], 1),
         (view_read_by_the_backward_sweep_outside_loops, [X, W], (0, 1)),
         (item_of_a_tuple_read_by_the_backward_sweep, [X, np.array([1.0, 2.0, -1.0])], (0, 1)),
         (other_column_live, [A], 0), (list_of_arrays_written_unshared, [X], 0),
         (rebound_every_iteration, [X], 0)]


@pytest.mark.parametrize("fn, args, argnums", RIGHT, ids=lambda v: getattr(v, "__name__", ""))
def test_valid_writes_give_the_right_gradient(fn, args, argnums):
    check_grad(fn, args, argnums)


@pytest.mark.parametrize("fn, args, argnums", RIGHT, ids=lambda v: getattr(v, "__name__", ""))
def test_valid_writes_give_the_right_jvp(fn, args, argnums):
    rng = np.random.default_rng(1)
    tangents = tuple(rng.normal(size=np.shape(a)) for a in args)
    value, tangent = srcad.jvp(fn, tuple(args), tangents)
    np.testing.assert_allclose(value, fn(*args))
    # the directional derivative along all the tangents at once
    eps = 1e-6
    plus = fn(*[a + eps * t for a, t in zip(args, tangents)])
    minus = fn(*[a - eps * t for a, t in zip(args, tangents)])
    np.testing.assert_allclose(tangent, (plus - minus) / (2 * eps), rtol=1e-5, atol=1e-6)


def test_gram_schmidt_needs_no_run_time_check():
    """Liveness: the column views of one iteration are not read after the write (nested loops)."""
    from srcad import front
    from srcad.passes import alias
    analysed = front.analyse(gram_schmidt, ("A",))
    assert alias.guards(analysed.normalized, analysed.ops) == {}


def test_hvp_over_a_checked_column_write():
    v = np.random.default_rng(2).normal(size=A.shape)
    hv = srcad.hvp(other_column_live)(A[:3], v[:3])
    g = srcad.grad(other_column_live)
    eps = 1e-6
    expected = (g(A[:3] + eps * v[:3]) - g(A[:3] - eps * v[:3])) / (2 * eps)
    np.testing.assert_allclose(hv, expected, rtol=1e-5, atol=1e-6)


def test_qr_factors_match_numpy_up_to_signs():
    Q, R = qr(A)
    np.testing.assert_allclose(Q @ R, A, atol=1e-12)
    np.testing.assert_allclose(Q.T @ Q, np.eye(3), atol=1e-12)
    assert np.allclose(numeric_grad(qr_loss, [A], 0), check_grad(qr_loss, [A]), atol=1e-5)


# -- the run-time check itself ---------------------------------------------------------------------

MESSAGE = "{name}"


def test_check_unshared_compares_only_the_part_written():
    q = np.arange(12.0).reshape(4, 3)
    check_unshared(q, (q[:, 0], q[:, 2]), ("a", "b"), MESSAGE, (slice(None), 1))
    check_unshared(q, (q[0],), ("a",), MESSAGE, (1, 2))
    with pytest.raises(srcad.AliasingError, match="^b$"):
        check_unshared(q, (q[:, 0], q[1:3, 1]), ("a", "b"), MESSAGE, (slice(None), 1))
    with pytest.raises(srcad.AliasingError, match="^a$"):
        check_unshared(q, (q[1],), ("a",), MESSAGE, (1, 2))


def test_check_unshared_takes_the_whole_array_for_a_mask_or_index_array():
    q = np.arange(6.0)
    for index in (np.array([True, False] * 3), np.array([0, 2]), [0, 2], True):
        with pytest.raises(srcad.AliasingError):
            check_unshared(q, (q[5:],), ("a",), MESSAGE, index)


def test_check_unshared_looks_into_containers_at_any_depth():
    y, other = np.ones(3), np.ones(3)
    check_unshared(y, ((other, 1.0), [other], {"k": other}), ("t", "l", "d"), MESSAGE)
    for holder in ((1.0, y), [[y[1:]]], {"k": ({"j": y},)}):
        with pytest.raises(srcad.AliasingError, match="^h$"):
            check_unshared(y, (holder,), ("h",), MESSAGE)
    cyclic = [other]
    cyclic.append(cyclic)
    check_unshared(y, (cyclic,), ("c",), MESSAGE)


def test_check_unshared_refuses_a_list_or_dict_another_name_holds():
    lst, d = [np.ones(2)], {"a": 1.0}
    check_unshared(lst, (list(lst), dict(d)), ("a", "b"), MESSAGE, 0)
    with pytest.raises(srcad.AliasingError, match="^a$"):
        check_unshared(lst, (lst,), ("a",), MESSAGE, 0)
    with pytest.raises(srcad.AliasingError, match="^t$"):
        check_unshared(d, ((1.0, d),), ("t",), MESSAGE, "a")
    check_unshared(3.0, (3.0,), ("n",), MESSAGE)  # numbers are never shared


VIEW_READ_BY_BACKWARD = [
    """
    def f(x):
        y = x * 1.0
        v = y[0:2]
        z = np.sum(v * v * x[0:2])
        y[0] = 5.0 * x[2]
        y[1] = 2.0
        return z + np.sum(y * y)
    """,
    """
    def f(x):
        y = x * 1.0
        s = 0.0
        for i in range(3):
            v = y[i:]
            s = s + np.sum(np.sin(v) * x[i:])
            y[i] = y[i] * x[i] + 1.0
        return s + np.sum(y ** 2)
    """,
    """
    def f(x):
        y = np.outer(x, x)
        c = y[:, 0]
        t = np.sum(np.tanh(c) * x)
        y[:, 0] = x * 3.0
        return t + np.sum(y * y)
    """,
]


@pytest.mark.parametrize("source", VIEW_READ_BY_BACKWARD)
def test_vjp_and_jacrev_backward_see_views_as_grad_does(source):
    # the reusable backward (vjp, jacrev) restores into the arrays themselves, which saved views
    # see, and can run again: once a private copy was restored, and the views read the writes
    f = make_function(source, {"np": np})
    x = np.array([0.3, 0.7, 1.1])
    expected = numeric_grad(f, [x], 0)
    np.testing.assert_allclose(srcad.grad(f)(x), expected, rtol=1e-6, atol=1e-8)
    out, vjp_fn = srcad.vjp(f, x)
    for _ in range(2):  # the same saved values, twice
        np.testing.assert_allclose(vjp_fn(1.0)[0], expected, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(srcad.jacrev(f)(x), expected, rtol=1e-6, atol=1e-8)


def test_an_overwritten_write_gets_no_gradient_even_where_the_gradient_is_infinite():
    """``y[idx] = v`` with ``idx`` repeating a position: only the write NumPy keeps (the last) has
    a gradient; the overwritten one gets 0, also where the position's gradient is infinite (a
    0/1 product gave it NaN)."""
    def f(x, v):
        y = x * 1.0
        y[np.array([0, 1, 0])] = v
        return np.sum(np.sqrt(y))
    x, v = np.array([1.0, 4.0, 9.0]), np.array([1.0, 4.0, 0.0])
    with np.errstate(divide="ignore"):
        dx, dv = srcad.grad(f, (0, 1))(x, v)
    assert dv[0] == 0.0 and dv[1] == 0.25 and dv[2] == np.inf
    np.testing.assert_array_equal(dx, [0.0, 0.0, 1.0 / 6.0])
