"""Issue #17's first two defects: gradient buffers updated in place, and float32 kept float32.

* **In place** (srcad/passes/inplace.py, srcad/passes/owned.py): an array written row by row in a
  loop (``hs[t] = ...``) has a gradient ``dhs`` the backward sweep used to copy whole at every step
  (``dhs = zero_at(dhs, t)``), and a row read (``x[t]``) added a whole array of zeros per step
  (``dx += unindex(...)``): time quadratic in the number of steps. Now ``dhs[t] = 0.0``, ``dhs[t] +=
  e`` or ``add_at`` change a buffer the generated code owns. Each function below is checked against
  central finite differences in reverse mode, forward mode and Hessian-vector products, with the
  aliasing a wrong in-place change would turn into a silent wrong gradient: a gradient assigned
  from another, returned by a helper or a user's function, held in a list, a view of a row taken
  before the row is zeroed, values changing between calls. What is not shown to be owned keeps the
  copying path (checked too). No test here measures time: benchmarks/scaling.py does
  (docs/performance.md).
* **float32** (srcad/runtime): float32 inputs give float32 gradients, tangents and Hessian-vector
  products, and every float array the generated code holds is float32 (a run under
  ``sys.settrace`` looks at its locals); float64 stays float64; the numbers are those of float64 to
  float32's precision.
"""

import sys

import numpy as np
import pytest

import srcad
from srcad.runtime.containers import add_at, unindex, zero_at, zeroed_at, ListAdjoint, DictAdjoint
from gradcheck import check_grad, make_function, numeric_grad
from rulecheck import check_hvp, check_jvp, differentiable_entries, call_text, sample, \
    is_python_scalar_only, positional_arity


def rng_(seed=0):
    return np.random.default_rng(seed)


def backward_of(derived) -> str:
    """The backward half of the generated source of ``derived``."""
    return srcad.source(derived).split("# backward:", 1)[1]


def check_all(f, args, argnums, rtol=1e-5, atol=1e-6):
    """Reverse mode against finite differences, forward mode against central differences, HVPs
    against differences of the gradient; the arguments are not changed."""
    before = [np.copy(a) if isinstance(a, np.ndarray) else a for a in args]
    check_grad(f, args, argnums=argnums, rtol=rtol, atol=atol)
    ks = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    check_jvp(f, args, ks, rtol=max(rtol, 1e-5), atol=max(atol, 1e-6))
    for k in ks:
        check_hvp(f, args, k, rtol=1e-4, atol=1e-4)
    for a, b in zip(args, before):
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b)


# ---- an RNN filling the rows of an array ------------------------------------------------------------

RNN = make_function("""
    def rnn_rows(W, x):
        T, n = x.shape
        hs = np.zeros((T, n))
        for t in range(1, T):
            hs[t] = np.tanh(W @ hs[t - 1] + x[t])
        return np.sum(hs ** 2)
    """)


def rnn_args(T=6, n=3, seed=0, dtype=np.float64):
    rng = rng_(seed)
    return [(0.6 * rng.normal(size=(n, n))).astype(dtype), rng.normal(size=(T, n)).astype(dtype)]


def test_rnn_rows_gradient_is_right_and_changes_its_buffers_in_place():
    check_all(RNN, rnn_args(), (0, 1))
    code = backward_of(srcad.grad(RNN, (0, 1)))
    assert "zero_at" not in code and "unindex" not in code
    assert "dhs[t] = 0.0" in code  # the row written gets no gradient: zeroed in place
    assert "dhs[t_minus_one] += dhs_t_minus_one" in code  # the row read: added at its place
    assert "dx = add_at(dx, t, dx_t, x)" in code  # x may be a list: the helper decides at run time
    assert "snapshot(" in code  # the row's gradient, taken before the row is zeroed: a copy


def test_the_copying_path_is_kept_with_in_place_off_and_gives_the_same_numbers():
    args = rnn_args(T=8, seed=3)
    derived = srcad.grad(RNN, (0, 1), in_place=False)
    assert "zero_at(dhs, t)" in backward_of(derived)
    for a, b in zip(derived(*args), srcad.grad(RNN, (0, 1))(*args)):
        np.testing.assert_array_equal(a, b)


def test_values_changing_between_calls_and_calls_repeated():
    derived = srcad.grad(RNN, (0, 1))
    for T, seed in [(5, 1), (9, 2), (2, 3), (5, 1)]:
        args = rnn_args(T=T, seed=seed)
        first = derived(*args)
        second = derived(*args)  # (a buffer kept from one call to the next would show here)
        for a, b in zip(first, second):
            np.testing.assert_array_equal(a, b)
        check_grad(RNN, args, argnums=(0, 1))


def test_the_backward_loop_holds_no_whole_array_operation_per_step():
    """Structure, not time: inside the backward loop, no helper that copies or allocates a whole
    gradient (zero_at, unindex) is called, whatever the arrays are."""
    code = backward_of(srcad.grad(RNN, (0, 1)))
    loop = code.split("for t in reversed(range(", 1)[1]  # (replayed over its range: issue #17)
    for helper in ("zero_at", "unindex", "unbroadcast(dhs,", "np.zeros"):
        assert helper not in loop, helper


# ---- aliasing: where an in-place change would be a silent wrong gradient -----------------------------

CASES = {
    # the value written is iteration-local: its gradient is the row itself (a view) unless copied
    "local_value_written": ("""
        def f(W, x):
            T, n = x.shape
            hs = np.zeros((T, n))
            s = 0.0
            for t in range(T):
                v = np.tanh(x[t] * 2.0)
                hs[t] = v
                s = s + np.sum(v * W[0])
            return s + np.sum(hs ** 3)
        """, (0, 1)),
    # rows read and written in one loop, the previous row read after the current one is written
    "read_after_write": ("""
        def f(W, x):
            T, n = x.shape
            hs = np.zeros((T, n))
            for t in range(1, T):
                hs[t] = hs[t - 1] * 0.5 + np.sin(x[t] @ W)
                hs[t - 1] = hs[t - 1] * hs[t]
            return np.sum(hs)
        """, (0, 1)),
    # the gradient of the array written comes from a copy's (the copy's rule passes g itself on)
    "gradient_assigned_from_another": ("""
        def f(W, x):
            T, n = x.shape
            hs = np.zeros((T, n))
            for t in range(T):
                hs[t] = np.cos(x[t] * W[0])
            z = hs.copy()
            return np.sum(z * z) + np.sum(z[0] * hs[1])
        """, (0, 1)),
    # a helper that returns its argument (unbroadcast of equal shapes) hands on another gradient
    "gradient_returned_by_a_helper": ("""
        def f(W, x):
            T, n = x.shape
            hs = np.zeros((T, n))
            for t in range(T):
                hs[t] = x[t] * W[t % 2]
            y = hs + 0.0
            return np.sum(y * np.arange(n)) + np.sum(y ** 2)
        """, (0, 1)),
    # the array written is held in a list, read from it afterwards
    "held_in_a_list": ("""
        def f(W, x):
            T, n = x.shape
            hs = np.zeros((T, n))
            gs = np.ones((T, n))
            for t in range(T):
                hs[t] = np.tanh(x[t] + W[0])
                gs[t] = hs[t] * 2.0
            pair = [hs, gs]
            return np.sum(pair[0] * pair[1]) + np.sum(pair[0])
        """, (0, 1)),
    # a user's function returns the array it is given: its backward returns the seed itself
    "returned_by_a_user_function": ("""
        def f(W, x):
            T, n = x.shape
            hs = np.zeros((T, n))
            for t in range(T):
                hs[t] = np.sin(x[t]) * W[1]
            z = same(hs)
            z2 = same(z * 1.5)
            return np.sum(z * z2) + np.sum(hs[0])
        """, (0, 1)),
    # two-dimensional writes in nested loops, under a condition
    "nested_loops_and_branches": ("""
        def f(W, x):
            n = W.shape[0]
            A = np.zeros((n, n))
            for i in range(n):
                for j in range(n):
                    if (i + j) % 2 == 0:
                        A[i, j] = W[i, j] * x[i, 0]
                    else:
                        A[i, j] = np.sin(A[i - 1, j]) if i > 0 else x[j, 1]
            return np.sum(A @ A)
        """, (0, 1)),
    # an index array that repeats a position, read and written
    "repeated_positions": ("""
        def f(W, x):
            idx = np.array([0, 0, 2])
            hs = np.zeros(4)
            s = 0.0
            for t in range(3):
                hs[idx] = x[t, 0] * W[0, t]
                s = s + np.sum(x[idx, 1] * hs[idx])
            return s + np.sum(hs ** 2)
        """, (0, 1)),
    # a whole slice written from itself, and negative positions
    "slices_and_negative_positions": ("""
        def f(W, x):
            T, n = x.shape
            hs = np.ones((T, n))
            for t in range(T):
                hs[-1 - t] = hs[-1] * 0.5 + x[t]
                hs[:, 0] = hs[:, 0] * W[0, 0]
            hs[:] = hs
            return np.sum(hs ** 2)
        """, (0, 1)),
    # a function called in the loop fills the rows of its own array
    "called_in_a_loop": ("""
        def f(W, x):
            s = 0.0
            for t in range(2):
                s = s + fill(W, x[t:])
            return s
        """, (0, 1)),
    # the array is made again in every iteration: its gradient starts afresh each time
    "made_in_every_iteration": ("""
        def f(W, x):
            T, n = x.shape
            s = 0.0
            for t in range(T):
                row = np.zeros(n)
                for j in range(n):
                    row[j] = x[t, j] * W[j, j] + s
                s = s + np.sum(np.tanh(row))
            return s
        """, (0, 1)),
    # a list written by position (its gradient's entry replaced, zeroed in place: zeroed_at)
    "list_written_by_position": ("""
        def f(W, x):
            T = x.shape[0]
            hs = [np.zeros(W.shape[0])] * T
            for t in range(1, T):
                hs[t] = np.tanh(W @ hs[t - 1] + x[t])
            return np.sum(hs[-1] ** 2) + sum(np.sum(h * h) for h in hs[:3])
        """, (0, 1)),
    # a copy of an argument written by rows (not one of NumPy's array makers: zeroed_at)
    "copy_written_by_rows": ("""
        def f(W, x):
            hs = x.copy()
            for t in range(1, x.shape[0]):
                hs[t] = np.tanh(W @ hs[t - 1] + hs[t])
            return np.sum(hs ** 2)
        """, (0, 1)),
    # the array's rows are read through np.zeros_like's result and a Python list alike
    "zeros_like_and_list_reads": ("""
        def f(W, x):
            hs = np.zeros_like(x)
            ws = [W[0, 0], W[1, 1], W[2, 2]]
            for t in range(x.shape[0]):
                hs[t] = x[t] * ws[t % 3]
            return np.sum(hs * hs) + ws[0] * ws[2]
        """, (0, 1)),
}

SAME = make_function("""
    def same(a):
        return a
    """)
FILL = make_function("""
    def fill(W, x):
        hs = np.zeros((3, W.shape[0]))
        for t in range(3):
            hs[t] = np.tanh(W @ hs[t - 1] + x[t])
        return np.sum(hs ** 2)
    """)


@pytest.mark.parametrize("name", sorted(CASES))
def test_aliasing_cases_in_reverse_forward_and_second_order(name):
    source, argnums = CASES[name]
    f = make_function(source, {"same": SAME, "fill": FILL})
    check_all(f, rnn_args(T=5, n=3, seed=len(name)), argnums)


@pytest.mark.parametrize("name", sorted(CASES))
def test_aliasing_cases_with_the_copying_path_give_the_same_gradient(name):
    source, argnums = CASES[name]
    f = make_function(source, {"same": SAME, "fill": FILL})
    args = rnn_args(T=5, n=3, seed=len(name))
    for a, b in zip(srcad.grad(f, argnums)(*args), srcad.grad(f, argnums, in_place=False)(*args)):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("name", ["list_written_by_position", "copy_written_by_rows"])
def test_a_value_srcad_cannot_tell_is_an_array_is_zeroed_in_place_by_the_helper(name):
    f = make_function(CASES[name][0])
    code = backward_of(srcad.grad(f, (0, 1)))
    assert "dhs = zeroed_at(dhs, t)" in code and "zero_at(" not in code


def test_a_gradient_not_shown_to_be_owned_keeps_the_copying_path():
    # hs is made by np.concatenate (not one of NumPy's array makers the analysis knows), and its
    # gradient is passed on whole to concatenate's adjoint: not followed, so zero_at stays
    f = make_function("""
        def f(x):
            hs = np.concatenate([x, x * 2.0])
            for t in range(3):
                hs[t] = np.sin(hs[t + 1])
            return np.sum(hs ** 2)
        """)
    x = rng_(4).normal(size=(3, 2))
    check_all(f, [x], 0)
    assert "zero_at(dhs, t)" in backward_of(srcad.grad(f))


def test_debug_nans_checks_the_buffers_changed_in_place():
    derived = srcad.grad(RNN, (0, 1), debug_nans=True)
    assert "check_finite(dhs" in backward_of(derived)
    args = rnn_args(T=6, seed=5)
    for a, b in zip(derived(*args), srcad.grad(RNN, (0, 1))(*args)):
        np.testing.assert_allclose(a, b, rtol=1e-14)


def test_a_list_argument_read_by_position_in_a_loop():
    f = make_function("""
        def f(xs, w):
            s = 0.0
            for t in range(len(xs)):
                s = s + xs[t] ** 2 * w
            return s
        """)
    xs, w = [0.5, -1.5, 2.0], 0.7
    gx, gw = srcad.grad(f, (0, 1))(xs, w)
    np.testing.assert_allclose(gx, [2 * v * w for v in xs])
    np.testing.assert_allclose(gw, sum(v * v for v in xs))
    check_grad(f, [np.array(xs), w], argnums=(0, 1))


LIST_RNN = {
    "iterated": """
        def f(W, xs):
            h = np.zeros(W.shape[0])
            for x in xs:
                h = np.tanh(W @ h + x)
            return np.sum(h ** 2)
        """,
    "indexed": """
        def f(W, xs):
            h = np.zeros(W.shape[0])
            for t in range(len(xs)):
                h = np.tanh(W @ h + xs[t] * xs[t - 1])
            return np.sum(h ** 2)
        """,
}


@pytest.mark.parametrize("name", sorted(LIST_RNN))
def test_a_list_of_arrays_read_in_a_loop(name):
    """The gradient of a list is a list of gradients: each step replaces one entry in place (it
    made a new list with a new array per entry at every step); the arrays' gradients agree with
    those of the same function on a 2-d array (checked against finite differences)."""
    f = make_function(LIST_RNN[name])
    W, x = rnn_args(T=6, n=3, seed=11)
    xs = [row.copy() for row in x]
    derived = srcad.grad(f, (0, 1))
    assert "add_at(dxs," in backward_of(derived)
    gW, gxs = derived(W, xs)
    assert isinstance(gxs, list) and len(gxs) == len(xs)
    eW, ex = check_grad(f, [W, x], argnums=(0, 1))
    np.testing.assert_allclose(gW, eW, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(np.array(gxs), ex, rtol=1e-12, atol=1e-14)
    for a, b in zip(gxs, srcad.grad(f, (0, 1), in_place=False)(W, xs)[1]):
        np.testing.assert_allclose(a, b, rtol=1e-14, atol=1e-15)
    np.testing.assert_array_equal(np.array(xs), x)  # the argument is left alone


def test_a_dict_read_by_key_in_a_loop():
    f = make_function("""
        def f(params, x):
            s = 0.0
            for k in range(3):
                s = s + np.sum(np.tanh(params["w"] * x[k]) * params["b"]) + params["c"] * s
            return s
        """)
    rng = rng_(12)
    params = {"w": rng.normal(size=3), "b": rng.normal(size=3), "c": 0.3}
    x = rng.normal(size=(3, 3))
    g = srcad.grad(f)(params, x)
    g0 = srcad.grad(f, in_place=False)(params, x)
    for key in params:
        np.testing.assert_allclose(g[key], g0[key], rtol=1e-14, atol=1e-15)
        def flat(v, key=key):
            return f({**params, key: v}, x)
        np.testing.assert_allclose(g[key], numeric_grad(flat, [np.asarray(params[key])], 0),
                                   rtol=1e-6, atol=1e-8)


def test_vjp_leaves_the_callers_cotangent_alone_and_can_be_called_twice():
    f = make_function("""
        def f(W, x):
            T, n = x.shape
            hs = np.zeros((T, n))
            for t in range(1, T):
                hs[t] = np.tanh(W @ hs[t - 1] + x[t])
            return hs
        """)
    args = rnn_args(T=5)
    value, pullback = srcad.vjp(f, *args)
    ct = rng_(9).normal(size=value.shape)
    kept = ct.copy()
    first = pullback(ct)
    np.testing.assert_array_equal(ct, kept)
    second = pullback(ct)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    g = make_function("""
        def g(W, x):
            return np.sum(f(W, x) * ct)
        """, {"f": f, "ct": ct})
    expected = check_grad(g, args, argnums=(0, 1))
    for a, b in zip(first, expected):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_the_output_written_by_rows_is_never_the_buffer_changed():
    # the function returns the array it wrote: its gradient is the seed (or the caller's array)
    f = make_function("""
        def f(x):
            hs = np.zeros(3)
            for t in range(3):
                hs[t] = x[t] * x[t]
            return hs
        """)
    x = np.array([0.3, -1.2, 0.8])
    value, pullback = srcad.vjp(f, x)
    ct = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(pullback(ct)[0], 2 * x * ct)
    np.testing.assert_array_equal(ct, [1.0, 2.0, 3.0])


# ---- the runtime helper ----------------------------------------------------------------------------

@pytest.mark.parametrize("index", [1, -1, slice(0, 2), (1, slice(None)), np.array([0, 0, 2]),
                                   [2, 2], np.array([True, False, True, False])])
def test_add_at_adds_in_place_what_unindex_adds(index):
    rng = rng_(1)
    x = rng.normal(size=(4, 3))
    d = rng.normal(size=(4, 3))
    g = rng.normal(size=np.shape(x[index]))
    expected = d + unindex(g, x, index)
    out = add_at(d, index, g, x)
    assert out is d  # an owned array: changed in place
    np.testing.assert_allclose(out, expected, rtol=1e-15)


def test_add_at_falls_back_to_a_new_value_where_it_cannot_add_in_place():
    x = np.ones(3)
    readonly = np.broadcast_to(np.zeros(1), (3,))
    out = add_at(readonly, 1, 2.0, x)
    assert out is not readonly and list(out) == [0.0, 2.0, 0.0]
    real = np.zeros(3)
    out = add_at(real, 0, 1j, x)  # a complex gradient for a real buffer: not truncated
    assert out is not real and out[0] == 1j
    scalar = add_at(0.0, 2, 5.0, x)  # a scalar zero (a gradient no path reached yet)
    assert list(scalar) == [0.0, 0.0, 5.0]
    xs = [1.0, 2.0, 3.0]
    out = add_at(ListAdjoint([0.0, 1.0, 0.0]), 1, 2.0, xs)
    assert isinstance(out, ListAdjoint) and list(out) == [0.0, 3.0, 0.0]
    d = {"a": 1.0, "b": np.ones(2)}
    out = add_at(DictAdjoint({"a": 0.5, "b": np.zeros(2)}), "b", np.ones(2), d)
    np.testing.assert_array_equal(out["b"], np.ones(2))
    entry = np.ones(2)
    lst = ListAdjoint([entry, np.zeros(2)])
    out = add_at(lst, 0, np.ones(2), [np.ones(2), np.ones(2)])
    assert out is lst and list(out[0]) == [2.0, 2.0]
    assert list(entry) == [1.0, 1.0]  # the entry replaced, never changed: another may hold it
    f32 = np.zeros(3, np.float32)
    out = add_at(f32, 0, np.float64(1.0), np.ones(3, np.float32))
    assert out is f32 and out.dtype == np.float32  # the buffer keeps its type, as d += e does


def test_zeroed_at_zeroes_in_place_what_it_can_and_copies_otherwise():
    d = np.arange(6.0).reshape(3, 2)
    assert zeroed_at(d, 1) is d and d.tolist() == [[0.0, 1.0], [0.0, 0.0], [4.0, 5.0]]
    entry = np.ones(2)
    lst = ListAdjoint([entry, ListAdjoint([1.0, 2.0])])
    assert zeroed_at(lst, 0) is lst and lst[0] == 0.0 and list(entry) == [1.0, 1.0]
    assert zeroed_at(lst, 1) is lst and list(lst[1]) == [0.0, 0.0]  # a container: its zeros
    readonly = np.broadcast_to(np.ones(1), (3,))
    out = zeroed_at(readonly, 0)
    assert out is not readonly and list(out) == [0.0, 1.0, 1.0]
    tangent = np.ones(3)  # forward mode (Hessian-vector products) copies: its tangents may share
    rule = srcad.rules.lookup(zeroed_at)
    assert rule.tangents["g"] == "zero_at(t, index)"
    np.testing.assert_array_equal(zero_at(tangent, 2), [1.0, 1.0, 0.0])
    assert list(tangent) == [1.0, 1.0, 1.0]


# ---- float32 all the way ---------------------------------------------------------------------------

def generated_float_locals(fn, *args):
    """Call ``fn``; return its result and the dtypes of the float (or complex) arrays and NumPy
    scalars the generated code's frames held, as {(function, variable): dtype}."""
    seen = {}

    def local(frame, event, arg):
        if event in ("line", "return"):
            for name, value in frame.f_locals.items():
                if isinstance(value, (np.ndarray, np.generic)) and value.dtype.kind in "fc":
                    seen[(frame.f_code.co_name, name)] = seen.get(
                        (frame.f_code.co_name, name), set()) | {value.dtype.name}
        return local

    def calls(frame, event, arg):
        return local if frame.f_code.co_filename.startswith("<srcad ") else None

    previous = sys.gettrace()
    sys.settrace(calls)
    try:
        result = fn(*args)
    finally:
        sys.settrace(previous)
    return result, seen


def wrong_types(seen, dtype) -> dict:
    allowed = {np.dtype(dtype).name, np.result_type(dtype, 1j).name}
    return {k: v for k, v in seen.items() if v - allowed}


WORKLOADS = {
    "mlp": ("""
        def f(W1, b1, W2, b2, X, Y):
            h = np.maximum(X @ W1 + b1, 0.0)
            logits = h @ W2 + b2
            z = logits - np.max(logits, axis=1, keepdims=True)
            p = np.exp(z) / np.sum(np.exp(z), axis=1, keepdims=True)
            return -np.mean(np.sum(Y * np.log(p), axis=1)) + 0.01 * np.sum(W1 * W1)
        """, lambda rng: [rng.normal(size=(6, 5)), 0.1 * rng.normal(size=5), rng.normal(size=(5, 3)),
                          0.1 * rng.normal(size=3), rng.normal(size=(4, 6)),
                          np.eye(3)[[0, 1, 2, 0]]], (0, 1, 2, 3)),
    "relu_max_softmax": ("""
        def f(x, w):
            h = np.maximum(x * w, 0.0) + 0.1 * np.minimum(x, 0.0)
            m = np.max(h)
            e = np.exp(h - m)
            return np.sum(e / np.sum(e) * w) + np.max(x, axis=0)[1] - np.min(h)
        """, lambda rng: [rng.normal(size=(3, 4)), rng.normal(size=4)], (0, 1)),
    "logsumexp": ("""
        def f(x):
            m = np.max(x, axis=-1, keepdims=True)
            return np.sum(m[..., 0] + np.log(np.sum(np.exp(x - m), axis=-1)))
        """, lambda rng: [rng.normal(size=(3, 5))], 0),
    "rnn": ("""
        def f(W, x):
            T, n = x.shape
            hs = np.zeros((T, n), dtype=x.dtype)
            for t in range(1, T):
                hs[t] = np.tanh(W @ hs[t - 1] + x[t])
            return np.sum(hs ** 2) + np.mean(hs[-1])
        """, lambda rng: [0.5 * rng.normal(size=(3, 3)), rng.normal(size=(6, 3))], (0, 1)),
    "reductions": ("""
        def f(x):
            return (np.sum(x) + np.mean(x ** 2) + np.var(x, axis=0).sum() + np.std(x)
                    + np.linalg.norm(x) + np.linalg.norm(x, 1) + np.linalg.norm(x[0], np.inf)
                    + np.prod(x[1]) + np.sum(np.cumsum(x, axis=1) * np.cumprod(x, axis=0))
                    + np.median(x) + np.average(x, axis=1, weights=x[0] ** 2).sum())
        """, lambda rng: [rng.uniform(0.5, 1.5, size=(3, 4))], 0),
}


def _workload(name, dtype):
    source, make, argnums = WORKLOADS[name]
    f = make_function(source)
    args = [np.asarray(a, dtype=dtype) for a in make(rng_(7))]
    return f, args, argnums


def _tolerance(dtype):
    return dict(rtol=2e-4, atol=2e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(WORKLOADS))
def test_gradients_keep_the_floating_type(name, dtype):
    f, args, argnums = _workload(name, dtype)
    grads, seen = generated_float_locals(srcad.grad(f, argnums), *args)
    assert not wrong_types(seen, dtype), wrong_types(seen, dtype)
    grads = (grads,) if isinstance(argnums, int) else grads
    assert all(g.dtype == dtype for g in grads)
    f64, args64, _ = _workload(name, np.float64)
    expected = srcad.grad(f64, argnums)(*args64)
    expected = (expected,) if isinstance(argnums, int) else expected
    for g, e in zip(grads, expected):
        np.testing.assert_allclose(g, e, **_tolerance(dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(WORKLOADS))
def test_tangents_and_hessian_vector_products_keep_the_floating_type(name, dtype):
    f, args, argnums = _workload(name, dtype)
    k = argnums if isinstance(argnums, int) else argnums[0]
    tangents = [np.ones_like(a) if i == k else None for i, a in enumerate(args)]
    (value, tangent), seen = generated_float_locals(lambda *a: srcad.jvp(f, a, tangents), *args)
    assert not wrong_types(seen, dtype), wrong_types(seen, dtype)
    assert np.asarray(value).dtype == dtype and np.asarray(tangent).dtype == dtype
    v = np.cos(np.arange(args[k].size)).reshape(args[k].shape).astype(dtype)
    hv, seen = generated_float_locals(lambda *a: srcad.hvp(f, k)(*a, v), *args)
    assert not wrong_types(seen, dtype), wrong_types(seen, dtype)
    assert hv.dtype == dtype
    f64, args64, _ = _workload(name, np.float64)
    tangents64 = [None if t is None else t.astype(np.float64) for t in tangents]
    np.testing.assert_allclose(tangent, srcad.jvp(f64, args64, tangents64)[1], **_tolerance(dtype))
    np.testing.assert_allclose(hv, srcad.hvp(f64, k)(*args64, v.astype(np.float64)),
                               **_tolerance(dtype))


ELEMENTWISE = [pytest.param(fn, rule, id=rule.name) for fn, rule in differentiable_entries()
               if not is_python_scalar_only(fn) and fn is not np.float_power]  # (float64 itself)


@pytest.mark.parametrize("fn, rule", ELEMENTWISE)
def test_every_elementwise_rule_keeps_float32(fn, rule):
    names = ["x", "y"][:positional_arity(rule)]
    rng = rng_(2)
    args = [sample(fn, (2, 3), rng).astype(np.float32) for _ in names]
    f = make_function(f"""
        def f({', '.join(names)}):
            return np.sum({call_text(fn, names)} * w)
        """, {"w": rng.normal(size=(2, 3)).astype(np.float32)})
    argnums = tuple(range(len(names)))
    grads, seen = generated_float_locals(srcad.grad(f, argnums), *args)
    assert not wrong_types(seen, np.float32), wrong_types(seen, np.float32)
    assert all(g.dtype == np.float32 for g in grads)
    (_, tangent), seen = generated_float_locals(
        lambda *a: srcad.jvp(f, a, [np.ones_like(x) for x in a]), *args)
    assert not wrong_types(seen, np.float32) and np.asarray(tangent).dtype == np.float32


FIXED = ["np.cumprod(x, axis=0)", "np.linalg.norm(x, 1)", "np.linalg.norm(x, np.inf)",
         "np.linalg.norm(x[0], np.inf)", "np.convolve(x[0], x[1])", "np.correlate(x[0], x[1], 'same')",
         "np.nanmean(x, axis=1)", "np.average(x)", "np.polyval(x[0], x[1])",
         "np.cross(x[0, :3], x[1, :3])", "np.cross(x[0, :2], x[1, :2])", "np.linspace(x[0], x[1], 3)",
         "np.median(x, axis=0)", "np.quantile(x, 0.3, axis=1)", "np.diff(x, prepend=x[0, 0])",
         "np.append(x, x[0, 0])", "np.select([x > 1.0], [x], x[0, 0])",
         "np.linalg.cholesky(x[:, :3] @ x[:, :3].T + 3 * np.eye(3, dtype=x.dtype))",
         "np.linalg.eigh(x[:, :3] + x[:, :3].T)[0]", "np.linalg.pinv(x)",
         "np.linalg.svd(x, full_matrices=False)[0] ** 2", "np.linalg.qr(x.T)[1]",
         "np.linalg.lstsq(x.T, x[0])[0]", "np.linalg.matrix_power(x[:, :3], 3)",
         "np.linalg.matrix_power(x[:, :3], -2)", "np.sign(x) * x", "np.logaddexp2(x, x[0])",
         "np.einsum('ij,ij->i', x, x)", "np.prod(x, axis=1)"]


@pytest.mark.parametrize("expr", FIXED)
def test_helpers_that_used_to_widen_float32(expr):
    f = make_function(f"""
        def f(x):
            value = {expr}
            return np.sum(value * np.sin(value))
        """)
    x64 = rng_(3).uniform(0.5, 1.5, size=(3, 4))
    x32 = x64.astype(np.float32)
    g, seen = generated_float_locals(srcad.grad(f), x32)
    assert not wrong_types(seen, np.float32), wrong_types(seen, np.float32)
    assert g.dtype == np.float32
    scale = max(1.0, float(np.max(np.abs(srcad.grad(f)(x64)))))
    np.testing.assert_allclose(g, srcad.grad(f)(x64), rtol=2e-3, atol=2e-4 * scale)
    v = np.cos(np.arange(12.0)).reshape(3, 4).astype(np.float32)
    (_, t), seen = generated_float_locals(lambda a: srcad.jvp(f, (a,), (v,)), x32)
    assert not wrong_types(seen, np.float32) and np.asarray(t).dtype == np.float32
    hv, seen = generated_float_locals(lambda a: srcad.hvp(f)(a, v), x32)
    assert not wrong_types(seen, np.float32) and hv.dtype == np.float32
