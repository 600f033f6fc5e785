"""Gradients of functions of Dask arrays (CuPy's: tests/test_cupy.py): the generated
gradient runs on the argument's own array type, lazily, and gives NumPy's numbers.

Each check runs srcad on NumPy arrays (checked by the rest of the suite against finite differences
and autograd) and on the same values as chunked Dask arrays, under a scheduler that counts every
compute: the gradients must be Dask arrays, nothing computed before ``.compute()`` (except where the
function's own control flow needs a value), and equal to NumPy's (the Array API standard's own
arrays: tests/test_array_api_strict.py). The test extra installs Dask, distributed,
array-api-strict and cloudpickle: a missing one fails here, never skips.
"""

import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import corpus_control
import corpus_structures
import srcad
from daskcheck import Computes
from gradcheck import check_grad, make_function
from rulecases import non_elementwise_cases, weighted
from rulecheck import (_weighted_array_cases, differentiable_entries, entry_id,
                       is_python_scalar_only, positional_arity)

import array_api_strict
import cloudpickle
import dask
import dask.array as da

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def lazy(value, chunks=2):
    return da.from_array(value, chunks=chunks) if isinstance(value, np.ndarray) and value.ndim \
        else value


def as_tuple(grads, argnums):
    return grads if isinstance(argnums, tuple) else (grads,)


def on_dask(fn, args, argnums, computes_allowed=False, numpy_allowed=False):
    """value_and_grad on Dask (counting computes) against NumPy; returns the number of computes
    (``numpy_allowed``: where the function itself computes its operands, a gradient may be
    NumPy's)."""
    expected_value, expected = srcad.value_and_grad(fn, argnums)(*args)
    dargs = [lazy(a) for a in args]
    computes = Computes()
    with dask.config.set(scheduler=computes):
        value, grads = srcad.value_and_grad(fn, argnums)(*dargs)
        counted = computes.count
        for g, a in zip(as_tuple(grads, argnums), [dargs[k] for k in
                                                  (argnums if isinstance(argnums, tuple)
                                                   else (argnums,))]):
            if isinstance(a, da.Array) and not (numpy_allowed and isinstance(g, np.ndarray)):
                assert isinstance(g, da.Array), type(g)
                assert g.shape == a.shape
        if not computes_allowed:
            assert counted == 0, f"{counted} computes before .compute()"
        got = dask.compute(value, *as_tuple(grads, argnums))
    np.testing.assert_allclose(got[0], expected_value, rtol=1e-12)
    for g, e in zip(got[1:], as_tuple(expected, argnums)):
        np.testing.assert_allclose(g, e, rtol=1e-11, atol=1e-14)
    return counted


ENTRIES = [(fn, rule) for fn, rule in differentiable_entries() if not is_python_scalar_only(fn)]


@pytest.mark.parametrize("fn, rule", ENTRIES, ids=[entry_id(f, r) for f, r in ENTRIES])
def test_rule_table_on_dask_arrays(fn, rule):
    """Every elementwise entry, operands broadcasting as the rule tests sample them."""
    n = positional_arity(rule)
    for f, args in _weighted_array_cases(fn, rule, seed=2):
        on_dask(f, args, tuple(range(n)))


ARRAY_CASES = [(fn, makers, argnums) for fn, makers, argnums in corpus_control.CASES
               if any(isinstance(m(np.random.default_rng(0)), np.ndarray)
                      and m(np.random.default_rng(0)).ndim for m in makers)]


@pytest.mark.parametrize("fn, makers, argnums", ARRAY_CASES,
                         ids=[f"{c[0].__name__}-{k}" for k, c in enumerate(ARRAY_CASES)])
def test_control_flow_corpus_on_dask_arrays(fn, makers, argnums):
    """Loops, branches and writes; a branch on an array's value computes it (as it must)."""
    rng = np.random.default_rng(0)
    on_dask(fn, [make(rng) for make in makers], argnums, computes_allowed=True)


# ---- the rules that are not elementwise: reductions, shapes, indexing, linear algebra, FFT -------

def primal_computes(fn, dargs):
    """How many computes ``fn`` itself makes on these Dask arrays (None where it fails on them)."""
    computes = Computes()
    try:
        with dask.config.set(scheduler=computes):
            fn(*dargs)
    except Exception:  # noqa: BLE001 (Dask's arrays have no .item(), no .take(), ...)
        return None
    return computes.count


def check_against_dasks_own_function(fn, args, argnums):
    """Where Dask computes another function than NumPy (its QR's signs), srcad's Dask gradient
    against central differences of the function on Dask, along a random direction."""
    rng = np.random.default_rng(3)
    grads = srcad.grad(fn, argnums)(*[lazy(a) for a in args])
    slope, moved = 0.0, []
    for k, a in enumerate(args):
        v = rng.standard_normal(np.shape(a)) if k in argnums else np.zeros(np.shape(a))
        slope += float(np.sum(np.asarray(grads[argnums.index(k)]) * v)) if k in argnums else 0.0
        moved.append(v)
    eps = 1e-6
    up = float(fn(*[lazy(a + eps * v) for a, v in zip(args, moved)]))
    down = float(fn(*[lazy(a - eps * v) for a, v in zip(args, moved)]))
    np.testing.assert_allclose(slope, (up - down) / (2 * eps), rtol=1e-5, atol=1e-7)


# The cases whose gradient on Dask is computed (NumPy's), or fails in Dask's own code (its LU needs
# square chunks, it has no .item()), or is refused (docs/scaling-out.md): each is checked to be right
# or an error, never another number.
DASK_GAPS = {
    'linalg-0', 'linalg-1', 'linalg-2', 'linalg-3', 'linalg-4', 'linalg-58', 'linalg-61',
    'linalg-68', 'linalg-75', 'numpy-block-0', 'numpy-block-1', 'numpy-block-2',
    'numpy-block-3', 'numpy-concatenate-2', 'numpy-det-0', 'numpy-getitem-6', 'numpy-interp-0',
    'numpy-lstsq-0', 'numpy-matrix_power-1', 'numpy-median-0', 'numpy-quantile-0',
    'numpy-slogdet-0', 'numpy-slogdet-1', 'numpy-sorted-0', 'numpy-sorted-2', 'numpy-svd-1',
    'numpy-vdot-1',
}


@pytest.mark.parametrize("expr, makers", list(non_elementwise_cases()))
def test_the_other_rules_on_dask_arrays(expr, makers, request):
    """Each rule's expression, contracted with a weight: on Dask, NumPy's gradient as a Dask array,
    with no compute the function itself does not make, or a refusal, never another number."""
    fn, _, args, rng = weighted(expr, makers)
    argnums = tuple(range(len(args)))
    own = primal_computes(fn, [lazy(a) for a in args])
    try:
        dasks_value = None if own is None else float(fn(*[lazy(a) for a in args]))
    except Exception:  # noqa: BLE001 (Dask's np.select of chunked arrays: at .compute())
        dasks_value = None
    if dasks_value is None:  # (the function fails on Dask: srcad too)
        with pytest.raises(Exception):  # noqa: B017
            dask.compute(srcad.value_and_grad(fn, argnums)(*[lazy(a) for a in args]))
        return
    if not np.isclose(dasks_value, float(fn(*args)), rtol=1e-9):
        check_against_dasks_own_function(fn, args, argnums)  # (another function)
        return
    if request.node.callspec.id not in DASK_GAPS:
        on_dask(fn, args, argnums, computes_allowed=own > 0, numpy_allowed=own > 0)
        return
    try:  # (a gap: NumPy's gradient, computed, or an error, never another number)
        on_dask(fn, args, argnums, computes_allowed=True, numpy_allowed=True)
    except AssertionError:
        raise
    except Exception:  # noqa: BLE001 (a located refusal, or Dask's own error: in DASK_GAPS)
        pass


@pytest.mark.parametrize("expr, makers", list(non_elementwise_cases()))
def test_the_other_rules_forward_on_dask_arrays(expr, makers):
    """srcad.jvp of each rule's expression along random tangents, on Dask: NumPy's tangent or an
    error (17 of the 399: Dask's LU wants square chunks, refusals), never another number; where
    Dask computes another function (its QR's signs), not compared."""
    fn, _, args, rng = weighted(expr, makers)
    tangents = [rng.standard_normal(np.shape(a)) if isinstance(a, np.ndarray) else 0.3 for a in args]
    try:
        expected = srcad.jvp(fn, args, tangents)[1]
        dasks_value = float(fn(*[lazy(a) for a in args]))
    except Exception:  # noqa: BLE001 (refused on NumPy, or the function fails on Dask)
        return
    if not np.isclose(dasks_value, float(fn(*args)), rtol=1e-9):
        return
    try:
        got = srcad.jvp(fn, [lazy(a) for a in args], [lazy(t) for t in tangents])[1]
        got = np.asarray(got)
    except Exception:  # noqa: BLE001 (an error: never a number)
        return
    np.testing.assert_allclose(got, expected, rtol=1e-11, atol=1e-14)


@pytest.mark.parametrize("k", range(len(corpus_structures.CASES)),
                         ids=[c[0].__name__ for c in corpus_structures.CASES])
def test_arrays_in_structures_and_rows_as_items(k):
    """Dataclasses, named tuples, dicts, lists of Dask arrays, and an array's rows as a list's
    items: NumPy's gradients, lazily, as Dask arrays, zeros (not the array) where none reaches."""
    fn, make = corpus_structures.CASES[k]
    expected = srcad.grad(fn)(*make(np.random.default_rng(k), np.asarray))
    args = make(np.random.default_rng(k), lambda a: da.from_array(a, chunks=2))
    computes = Computes()
    with dask.config.set(scheduler=computes):
        got = srcad.grad(fn)(*args)
        assert computes.count == 0, f"{computes.count} computes before .compute()"
    for g, e, a in zip(corpus_structures.leaves(got), corpus_structures.leaves(expected),
                       corpus_structures.leaves(args[0])):
        if isinstance(a, da.Array):  # (a number's gradient: a number, or lazy, a 0-d array)
            assert isinstance(g, da.Array) and g.shape == a.shape, (type(g), type(a))
        np.testing.assert_allclose(np.asarray(g), e, rtol=1e-12, atol=1e-15)


def write_through(x, idx, v):
    y = x * 1.0
    y[idx] = v
    y[idx] += 2.0 * v
    return np.sum(y ** 3)


@pytest.mark.parametrize("idx", [[4, 1, 0], [4, 1, 4], [4, 1, -1]])
def test_writes_through_index_arrays_that_may_repeat_a_position(idx):
    """(Found by a review: a Dask index array repeating a position gave the overwritten write a
    gradient too.) A NumPy index: NumPy's gradient, lazily; a Dask index: refused (which positions
    it repeats would be computed)."""
    rng = np.random.default_rng(0)
    x, v, idx = rng.standard_normal(5), rng.standard_normal(3), np.array(idx)
    expected = srcad.grad(write_through, (0, 2))(x, idx, v)
    dx, dv = da.from_array(x, chunks=2), da.from_array(v, chunks=2)
    computes = Computes()
    with dask.config.set(scheduler=computes):
        got = srcad.grad(write_through, (0, 2))(dx, idx, dv)
        assert computes.count == 0
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g.compute(), e, rtol=1e-12)
    with pytest.raises(srcad.SrcadError, match="Dask index array"):
        srcad.grad(write_through, (0, 2))(dx, da.from_array(idx, chunks=2), dv)


def test_the_same_dask_array_passed_twice_to_a_function_writing_into_it_is_refused():
    """(Found by a review: the check was skipped, and the value was wrong.)"""
    def write_one(a, b):
        a[0] = 5.0
        return np.sum(a * a * b)
    x = da.from_array(np.array([1.0, 2.0, 3.0]), chunks=2)
    for args in ((x, x), (x, x[:]), (x, x[0:])):  # (Dask gives x itself for these)
        with pytest.raises(srcad.SrcadError, match="share memory"):
            srcad.value_and_grad(write_one, (0, 1))(*args)
    value, _ = srcad.value_and_grad(write_one, (0, 1))(x, x * 1.0)  # (another array)
    assert float(value) == 5.0 * 5.0 * 1.0 + 4.0 * 2.0 + 9.0 * 3.0


# ---- the six functions of issue #19 ---------------------------------------------------------------

def mlp_loss(W1, b1, W2, X, Y):
    hidden = np.maximum(X @ W1 + b1, 0.0)
    logits = hidden @ W2
    logits = logits - np.max(logits, axis=1, keepdims=True)
    logp = logits - np.log(np.sum(np.exp(logits), axis=1, keepdims=True))
    return -np.sum(Y * logp) / X.shape[0]


def in_place_writes(x):
    y = x * 1.0
    for i in range(3):
        y[i] = y[i] * x[i + 1]
    return np.sum(y ** 2)


def reductions(x):
    return np.sum(np.max(x, axis=0)) + np.mean(x ** 2) + np.sum(np.min(x, axis=1) * 2.0)


def broadcasting(x, b):
    return np.sum(np.tanh(x * b + 1.0) + b)


def matmul(A, B):
    return np.sum((A @ B) ** 2) + np.sum(np.dot(A, B[:, 0]))


def while_loop(x):
    while np.sum(x * x) > 1.0:
        x = x * 0.5
    return np.sum(np.sin(x))


def test_the_six_functions_are_lazy_and_right():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((20, 6))
    Y = np.eye(3)[rng.integers(0, 3, 20)]
    on_dask(mlp_loss, (rng.standard_normal((6, 5)), rng.standard_normal(5),
                       rng.standard_normal((5, 3)), X, Y), (0, 1, 2))
    on_dask(in_place_writes, (rng.standard_normal(6),), 0)
    on_dask(reductions, (rng.standard_normal((4, 5)),), 0)
    on_dask(broadcasting, (rng.standard_normal((4, 3)), rng.standard_normal(3)), (0, 1))
    on_dask(matmul, (rng.standard_normal((4, 3)), rng.standard_normal((3, 5))), (0, 1))
    x = rng.uniform(1.0, 2.0, 6)
    tests, y = 1, x
    while np.sum(y * y) > 1.0:
        tests, y = tests + 1, y * 0.5
    assert on_dask(while_loop, (x,), 0, computes_allowed=True) == tests  # (the loop's tests only)


def test_vjp_and_jvp_on_dask_arrays():
    rng = np.random.default_rng(4)
    A, x = rng.standard_normal((4, 3)), rng.standard_normal(3)

    def f(A, x):
        return np.tanh(A @ x) * 2.0
    computes = Computes()
    with dask.config.set(scheduler=computes):
        out, vjp_fn = srcad.vjp(f, lazy(A), lazy(x))
        v = lazy(np.arange(4.0))
        gA, gx = vjp_fn(v)
        primal, tangent = srcad.jvp(f, (lazy(A), lazy(x)), (None, lazy(np.ones(3))))
        assert computes.count == 0
        assert all(isinstance(t, da.Array) for t in (out, gA, gx, primal, tangent))
    want_out, want_vjp = srcad.vjp(f, A, x)
    for got, want in zip(dask.compute(out, gA, gx), (want_out, *want_vjp(np.arange(4.0)))):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(tangent.compute(), srcad.jvp(f, (A, x), (None, np.ones(3)))[1],
                               rtol=1e-12)


def test_the_callers_dask_array_is_never_changed():
    def writes(x):
        x[0] = 0.0
        x[1:3] *= 2.0
        return np.sum(x * x)
    x = da.from_array(np.arange(1.0, 6.0), chunks=2)
    g = srcad.grad(writes)(x)
    np.testing.assert_array_equal(x.compute(), np.arange(1.0, 6.0))
    np.testing.assert_allclose(g.compute(), srcad.grad(writes)(np.arange(1.0, 6.0)))


def returning(expression):
    """``def f(x): return <expression>``, with its source readable."""
    return make_function(f"def f(x):\n    return {expression}\n")


GATHERS = {  # (repeated and negative indices: their gradients add up)
    "index": "np.sum(x[np.array([0, 0, -1, 2])] ** 2 * x[1:2])",
    "rows": "np.sum(np.sin(x[[2, 0, 2]]))",
    "columns": "np.sum(np.sin(x[:, np.array([1, 1, 0, 2])]))",
    "take": "np.sum(np.take(x, [0, 0, 2], axis=1) ** 3)",
}


@pytest.mark.parametrize("name", sorted(GATHERS))
def test_gradients_of_gathers_by_index_arrays_are_added_lazily(name):
    """The scatter-add of another library: a product with a constant 0/1 matrix."""
    f = returning(GATHERS[name])
    x = np.random.default_rng(9).uniform(0.5, 1.0, (4, 3))
    if name == "index":
        x = x[:, 0].copy()
    on_dask(f, [x], 0)


LAZY_NOW = {  # (their adjoints computed their operands before)
    "cumprod": "np.sum(np.sin(np.cumprod(x, axis=1)))",
    "cumprod-flat": "np.sum(np.cumprod(x * np.array([1.0, 0.0, 2.0, 1.5])) ** 2)",  # (a zero factor)
    "gradient": "np.sum(np.sin(np.gradient(x, 0.5, axis=0)))",
    "gradient-both": "np.sum(np.gradient(x)[0] * np.gradient(x, 2.0, 0.5)[1])",
    "vector_norm": "np.linalg.vector_norm(x, axis=(0, 1)) + np.sum(np.linalg.vector_norm(x, axis=1))",
    "matrix_norm": "np.linalg.matrix_norm(x) + np.linalg.matrix_norm(x, ord=1)",
}


@pytest.mark.parametrize("name", sorted(LAZY_NOW))
def test_adjoints_that_computed_their_operands_are_lazy(name):
    f = returning(LAZY_NOW[name])
    on_dask(f, [np.random.default_rng(10).uniform(0.5, 1.0, (4, 4))], 0)  # (Dask: 2 a chunk)


def test_what_a_review_of_the_lazy_adjoints_found():
    """np.gradient of a 1-d Dask array is a list of one array (NumPy's: the array), which the
    function's np.sin makes a NumPy array of shape (1, n): refused (was a wrong gradient of shape
    (2, n)); the SVD-based matrix norms on a Dask matrix chunked along both axes compute it as
    NumPy's matrix_norm does (Dask's SVD refuses it; the gradient is NumPy's array); float32 kept
    by '**' with a Python float."""
    with pytest.raises(srcad.SrcadError, match="another structure"):
        srcad.grad(returning("np.sum(np.sin(np.gradient(x)))"))(
            da.from_array(np.linspace(0.1, 1.0, 6) ** 2, chunks=3))
    x = np.random.default_rng(3).normal(size=(4, 4))
    for ord in ("nuc", 2, -2):
        f = make_function(f"def f(x):\n    return np.linalg.matrix_norm(x, ord={ord!r})\n")
        np.testing.assert_allclose(np.asarray(srcad.grad(f)(da.from_array(x, chunks=2))),
                                   srcad.grad(f)(x), rtol=1e-12)  # (computed, as NumPy's)
    x32 = np.linspace(0.5, 1.5, 4, dtype=np.float32)
    for expression in ("np.sum(x ** 1.5)", "np.sum(1.5 ** x)", "np.sum(np.power(x, 2.5))"):
        assert srcad.grad(returning(expression))(x32).dtype == np.float32
        assert srcad.grad(returning(expression))(da.from_array(x32, chunks=2)).dtype == np.float32


def test_a_scatter_add_too_large_for_its_0_1_matrix_is_refused():
    def gather(x):
        return np.sum(x[np.arange(5000) % 4000] ** 2)
    with pytest.raises(srcad.SrcadError, match="too large"):
        srcad.grad(gather)(da.from_array(np.ones(4000), chunks=1000))


# ---- shipping a derived function to another process ------------------------------------------------

def test_a_derived_function_pickles():
    g = srcad.grad(corpus_control.for_rows, (0, 1))
    W, X = np.ones((3, 4)), np.ones((5, 4))
    expected = g(W, X)
    for dumps in (pickle.dumps, cloudpickle.dumps):
        again = pickle.loads(dumps(g))
        for a, b in zip(again(W, X), expected):
            np.testing.assert_array_equal(a, b)


def test_a_script_function_shipped_by_value_runs_in_another_process(tmp_path):
    """cloudpickle ships a function of a script's __main__ by value, without its file: srcad
    ships the file's text with it, and the other process reads the source from that."""
    script = tmp_path / "ship.py"
    script.write_text(textwrap.dedent("""
        import pickle, sys
        import cloudpickle
        import numpy as np
        import srcad

        def helper(w):
            return np.sin(w) * w

        def loss(w):
            return np.sum(helper(w) ** 2)

        sys.stdout.buffer.write(cloudpickle.dumps(srcad.grad(loss)))
        """))
    env = dict(os.environ, PYTHONPATH=ROOT)
    blob = subprocess.run([sys.executable, str(script)], capture_output=True, check=True,
                          env=env, cwd=tmp_path).stdout
    script.unlink()  # (the other process cannot read it)
    reader = ("import pickle, sys, numpy as np; g = pickle.loads(sys.stdin.buffer.read()); "
              "print(repr(g(np.arange(3.0)).tolist()))")
    out = subprocess.run([sys.executable, "-c", reader], input=blob, capture_output=True,
                         check=True, env=env, cwd=tmp_path).stdout.decode()
    w = np.arange(3.0)
    want = 2 * np.sin(w) * w * (np.cos(w) * w + np.sin(w))
    np.testing.assert_allclose(eval(out), want, rtol=1e-12)


def test_which_values_are_other_libraries_arrays():
    from srcad.runtime.namespaces import foreign_array
    assert not foreign_array(np.float64(1.0)) and not foreign_array(np.ones(2))
    assert not foreign_array(1.0) and not foreign_array([np.ones(2)])
    assert foreign_array(da.ones(2)) and foreign_array(array_api_strict.ones(2))


# ---- what an adversarial review found --------------------------------------------------------------

def test_functions_whose_dask_version_computes_something_else_are_refused():
    """Dask's Cholesky factor is the upper one, its quantiles approximate across chunks: srcad's
    derivatives are NumPy's, which would belong to neither."""
    def cholesky(A):
        return np.sum(np.linalg.cholesky(A @ A.T + np.eye(2)) * np.array([[1.0, 0.0], [5.0, 2.0]]))

    def percentile(x):
        return np.percentile(x, 30.0)
    with pytest.raises(srcad.SrcadError, match="upper factor"):
        srcad.grad(cholesky)(lazy(np.array([[1.0, 0.5], [0.2, 1.5]])))
    with pytest.raises(srcad.SrcadError, match="approximate"):
        srcad.grad(percentile)(da.from_array(np.linspace(0.0, 1.0, 7) ** 2, chunks=3))
    with pytest.raises(srcad.SrcadError, match="upper factor"):
        srcad.jvp(cholesky, (lazy(np.array([[1.0, 0.5], [0.2, 1.5]])),), (lazy(np.eye(2)),))


def test_axes_given_as_arrays_new_axes_and_bounds_of_dask():
    def f(x, lo):
        y = np.transpose(x, (1, 0)) * 2.0
        z = np.tensordot(x, y, axes=1) + np.prod(x, axis=0)[:, None]
        return np.sum(np.clip(z, lo, 3.0) ** 2) + np.sum(x[None, :, 0] * x[:, None, 1])
    rng = np.random.default_rng(6)
    on_dask(f, (rng.uniform(0.5, 1.0, (3, 3)), rng.uniform(0.5, 1.0, (3, 3))), (0, 1))


def test_a_helper_redefined_in_a_later_notebook_cell_ships_as_redefined(tmp_path):
    """In a notebook each cell is a file of its own, and cloudpickle drops file names: the
    helper the worker differentiates is the one the kernel calls (the later cell's), never the
    text of the first cell."""
    kernel = textwrap.dedent('''
        import linecache, sys
        import cloudpickle
        import numpy as np
        import srcad

        def run_cell(name, text):
            fname = "/tmp/ipykernel_0/" + name + ".py"  # (IPython keeps cells in linecache only)
            linecache.cache[fname] = (len(text), None, text.splitlines(True), fname)
            exec(compile(text, fname, "exec"), globals())

        run_cell("cell1", "def helper(w):\\n    return w * 2.0\\n\\n"
                          "def loss(w):\\n    return np.sum(helper(w) ** 2)\\n")
        run_cell("cell2", "def helper(w):\\n    return w * 3.0\\n")
        sys.stdout.buffer.write(cloudpickle.dumps(srcad.value_and_grad(loss)))
        ''')
    env = dict(os.environ, PYTHONPATH=ROOT)
    blob = subprocess.run([sys.executable, "-c", kernel], capture_output=True, check=True,
                          env=env, cwd=tmp_path).stdout
    reader = ("import pickle, sys, numpy as np; g = pickle.loads(sys.stdin.buffer.read()); "
              "v, d = g(np.arange(1.0, 4.0)); print(repr((float(v), d.tolist())))")
    out = subprocess.run([sys.executable, "-c", reader], input=blob, capture_output=True,
                         check=True, env=env, cwd=tmp_path).stdout.decode()
    value, grad = eval(out)
    assert value == 126.0 and grad == [18.0, 36.0, 54.0]  # (9 w^2 summed; 18 w)


LAZY_ADJOINTS = {
    "astype": "np.sum(x.astype(np.float32) ** 2)",
    "pad": "np.sum(np.pad(x, 1) ** 2)",
    "diff": "np.sum(np.diff(x, axis=0) ** 2)",
    "fft": "np.sum(np.abs(np.fft.fft(x, axis=0)) ** 2)",
    "average": "np.sum(np.average(x ** 2, axis=0))",
    "concatenate": "np.sum(np.concatenate([x, x * 2.0], axis=0) ** 3)",
    "vstack": "np.sum(np.vstack([x, x * 2.0]) ** 3)",
    "hstack": "np.sum(np.hstack([x, x * 2.0]) ** 3)",
    "solve": "np.sum(np.linalg.solve(x[:3] + 3.0 * np.eye(3), x[3]) ** 2)",
    "trace": "np.trace(x, 1) ** 2 + np.sum(np.sin(np.diagonal(x, -1, 1, 0)))",
    "repeat": "np.sum(np.sin(np.repeat(x, 3, axis=1))) + np.sum(np.repeat(x, 2, axis=0) ** 3)",
}


@pytest.mark.parametrize("name", sorted(LAZY_ADJOINTS))
def test_adjoints_that_used_to_compute_stay_lazy(name):
    f = returning(LAZY_ADJOINTS[name])
    x = np.random.default_rng(7).uniform(0.5, 1.0, (4, 3))
    expected = srcad.grad(f)(x)
    computes = Computes()
    with dask.config.set(scheduler=computes):
        chunks = (4, 3) if name == "solve" else (4, 2)  # (Dask's FFT: one chunk along its axis;
        got = srcad.grad(f)(da.from_array(x, chunks=chunks))  # its solve: square chunks)
        assert computes.count == 0 and isinstance(got, da.Array)
    np.testing.assert_allclose(got.compute(), expected, rtol=1e-6)  # (astype: float32)


def test_another_class_with_the_protocols_stays_an_object():
    """Only libraries whose operators are elementwise are arrays to srcad: a class of the user's
    with __array_function__, shape and dtype (whose '*' may be a matrix product) is not."""
    from srcad.runtime.namespaces import foreign_array

    class Mine:
        shape, dtype = (2,), np.dtype("float64")

        def __array_function__(self, func, types, args, kwargs):
            return NotImplemented
    assert not foreign_array(Mine())


def test_the_lazy_adjoint_of_repeat_with_counts_per_entry():
    """(Dask's own np.repeat takes one count; CuPy's takes one per entry: the helper takes both.)"""
    from srcad.runtime import unrepeat
    rng = np.random.default_rng(8)
    a = rng.normal(size=(4, 3))
    for repeats, axis in (([1, 0, 3], 1), ([2, 0, 1, 1], 0), (2, None), ([0] * 11 + [3], None)):
        g = rng.normal(size=np.repeat(a, repeats, axis=axis).shape)
        got = unrepeat(da.from_array(g, chunks=2), da.from_array(a, chunks=2), repeats, axis)
        assert isinstance(got, da.Array)
        np.testing.assert_allclose(got.compute(), unrepeat(g, a, repeats, axis), rtol=1e-12)


@pytest.mark.parametrize("axis", [None, 0, 1, 2, -1])
def test_the_lazy_adjoint_of_take_along_each_axis(axis):
    """(Dask's own take wants 1-d indices; CuPy's takes any: the helper takes both.)"""
    from srcad.runtime import untake
    rng = np.random.default_rng(10)
    a, idx = rng.normal(size=(3, 4, 5)), np.array([[2, 0], [2, -1]])
    g = rng.normal(size=np.take(a, idx, axis=axis).shape)
    if axis is None:  # (np.take without an axis on a Dask matrix is Dask's take along axis 0:
        with pytest.raises(srcad.SrcadError, match="axis 0"):  # refused; CuPy's flattens)
            untake(da.from_array(g, chunks=2), da.from_array(a, chunks=2), idx, axis)
        from srcad.runtime.namespaces import gathered_adjoint
        got = gathered_adjoint(da.from_array(g, chunks=2), a.shape, idx, None, np.float64)
    else:
        got = untake(da.from_array(g, chunks=2), da.from_array(a, chunks=2), idx, axis)
    assert isinstance(got, da.Array)
    np.testing.assert_allclose(got.compute(), untake(g, a, idx, axis), rtol=1e-12)


def test_a_reductions_adjoint_is_chunked_as_its_array():
    """(The gradient of a full sum, a 0-d array, broadcast back: Dask gives one chunk, which the
    next product with the array rechunked: data moved between a cluster's workers.)"""
    def f(x, y):
        return np.mean(x * y) + np.sum(np.sum(x, axis=1) ** 2)
    rng = np.random.default_rng(5)
    x, y = rng.standard_normal((12, 3)), rng.standard_normal((12, 3))
    xd, yd = da.from_array(x, chunks=(4, 3)), da.from_array(y, chunks=(4, 3))
    g = srcad.grad(f)(xd, yd)
    assert g.chunks == xd.chunks
    layers = g.__dask_graph__().layers
    assert not [name for name in layers if name.startswith("rechunk")], list(layers)
    np.testing.assert_allclose(g.compute(), srcad.grad(f)(x, y), rtol=1e-12)


NON_FINITE = {  # (an infinite or NaN gradient at one gathered entry: NumPy's numbers elsewhere)
    "sqrt_at_zero": ("np.sum(np.sqrt(x[idx]))", [0.0, 1.0, 4.0, 9.0]),
    "log_take": ("np.sum(np.log(np.take(x, idx, axis=0)))", [0.0, 1.0, 4.0, 9.0]),
    "nan_weight": ("np.sum(x[idx] * np.array([np.nan, 1.0, 1.0, 2.0, 3.0]))", [1.0, 2.0, 3.0, 4.0]),
    "trace": ("np.sqrt(np.trace(np.reshape(x, (2, 2))) - 5.0) + np.sum(x)", [1.0, 2.0, 3.0, 4.0]),
    "float32": ("np.sum(np.sqrt(x[idx]))", np.array([0.0, 1.0, 4.0, 9.0], np.float32)),
}


@pytest.mark.parametrize("name", sorted(NON_FINITE))
def test_a_non_finite_gradient_at_a_gathered_entry_stays_there(name):
    """(Found by a review: the lazy scatter-add, a product with a 0/1 matrix, made 0 * inf = NaN
    of every other entry: a silent NaN gradient.)"""
    body, values = NON_FINITE[name]
    f = make_function(f"def f(x, idx):\n    return {body}\n", {})
    x, idx = np.asarray(values), np.array([0, 1, 2, 3, 3])
    with np.errstate(all="ignore"):
        expected = srcad.grad(f)(x, idx)
        got = srcad.grad(f)(da.from_array(x, chunks=2), idx)
        assert isinstance(got, da.Array) and got.dtype == expected.dtype
        got = got.compute()
    assert not np.isfinite(expected).all() and np.isfinite(expected).any()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    np.testing.assert_allclose(got, expected, rtol=1e-6)


@pytest.mark.parametrize("chunks", [1, 2])
def test_a_gradient_put_on_a_diagonal_by_einsum_keeps_its_infinity_there(chunks):
    """(A repeated index of np.einsum: the gradient of the diagonal put back lazily; an infinity
    there, sqrt's at 0, stays on the diagonal, zeros elsewhere.)"""
    f = make_function("""
        def f(x):
            return np.sum(np.sqrt(np.einsum('ii->i', x))) + np.einsum('ij,jj->', x, x)
        """, {})
    x = np.array([[0.0, 2.0], [3.0, 4.0]])
    with np.errstate(all="ignore"):
        expected = srcad.grad(f)(x)
        got = srcad.grad(f)(da.from_array(x, chunks=chunks))
        assert isinstance(got, da.Array)
        got = got.compute()
    assert np.isinf(expected[0, 0]) and np.isfinite(expected[1:, :]).all()
    np.testing.assert_allclose(got, expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128])
def test_the_lazy_scatter_add_sums_as_np_add_at(dtype):
    """(Both infinities at one position give NaN, as np.add.at's sum; complex parts apart.)"""
    from srcad.runtime.namespaces import gathered_adjoint
    rng = np.random.default_rng(11)
    g = rng.standard_normal((3, 6)).astype(dtype)
    if dtype == np.complex128:
        g = g + 1j * rng.standard_normal((3, 6))
        g[1, 0], g[2, 4] = complex(1.0, np.inf), complex(-np.inf, 2.0)
    g[0, 1], g[0, 2], g[1, 3], g[2, 5] = np.inf, -np.inf, np.nan, -np.inf
    idx = np.array([0, 1, 1, 2, 4, 4])  # (1 gets +inf and -inf; 3 nothing)
    expected = np.zeros((3, 5), dtype)
    np.add.at(expected, (slice(None), idx), g)
    got = gathered_adjoint(da.from_array(g, chunks=2), (3, 5), idx, 1, g.real.dtype)
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got.compute(), expected)


def test_an_array_of_unknown_size_is_refused_until_its_sizes_are_computed():
    """(Found by a review: a filtered dataset, X[X[:, 0] > 0], gave a lazy gradient that failed
    at .compute() with a raw TypeError, or a ValueError at the call.)"""
    def loss(W, X, y):
        return np.mean((np.tanh(X @ W) - y) ** 2)
    rng = np.random.default_rng(5)
    W, X = rng.standard_normal(3), rng.standard_normal((16, 3))
    Xd = da.from_array(X, chunks=4)
    Xf = Xd[Xd[:, 0] > 0]
    for call in (lambda: srcad.grad(loss)(W, Xf, Xf[:, 1]),
                 lambda: srcad.vjp(loss, W, Xf, Xf[:, 1]),
                 lambda: srcad.value_and_grad(loss, 1)(W, Xf, Xf[:, 1])):
        with pytest.raises(srcad.SrcadError, match=r"unknown size.*\n.*compute_chunk_sizes"):
            call()
    Xf.compute_chunk_sizes()
    m = X[:, 0] > 0
    np.testing.assert_allclose(srcad.grad(loss)(W, Xf, Xf[:, 1]),
                               srcad.grad(loss)(W, X[m], X[m][:, 1]), rtol=1e-12)


@pytest.mark.parametrize("axis", [0, -1])
def test_the_adjoint_of_a_sort_is_lazy(axis):
    """(Found by a review: xp.sort's adjoint computed its array twice and gave a NumPy gradient
    for a Dask argument.)"""
    from array_api_compat import array_namespace
    f = make_function(f"""
        def f(x):
            xp = array_namespace(x)
            s = xp.sort(x * x - x, axis={axis})
            return xp.sum(s * xp.reshape(xp.arange(12.0), (3, 4)) ** 2)
        """, {"array_namespace": array_namespace})
    x = np.random.default_rng(2).standard_normal((3, 4))
    computes = Computes()
    with dask.config.set(scheduler=computes):
        g = srcad.grad(f)(da.from_array(x, chunks=(2, 3)))
        assert computes.count == 0 and isinstance(g, da.Array)
    np.testing.assert_allclose(g.compute(), check_grad(f, [x]), rtol=1e-12)


COMPOSITES = {  # (srcad differentiates its copies of NumPy's code of these: np.asarray computed)
    "cov": "np.sum(np.cov(x) ** 2) + np.sum(np.cov(x, rowvar=False, ddof=0) * np.arange(4.0))",
    "cov_xy": "np.sum(np.cov(x[0], x[1] ** 2))",
    "corrcoef": "np.sum(np.corrcoef(x) * np.arange(3.0))",
    "nanvar": "np.nanvar(x, axis=0) @ np.arange(4.0) + np.sum(np.nanstd(x, axis=1, ddof=1))",
    "nanprod": "np.sum(np.nanprod(x, axis=0)) + np.sum(np.nancumprod(x, axis=0))",
    "nancumsum": "np.sum(np.nancumsum(x, axis=1) ** 2)",
    "trapezoid": "np.sum(np.trapezoid(np.sin(x), x=np.linspace(0.0, 1.0, 4), axis=1))",
    "delete": "np.sum(np.delete(x, 1, axis=1) ** 2)",
}


@pytest.mark.parametrize("name", sorted(COMPOSITES))
def test_composites_of_numpys_code_are_lazy(name):
    """(Found by a review: np.cov, np.corrcoef, the nan-reductions... computed a Dask argument
    and gave a NumPy gradient.)"""
    f = make_function(f"def f(x):\n    return {COMPOSITES[name]}\n", {})
    x = np.random.default_rng(1).uniform(0.5, 1.5, (3, 4))
    computes = Computes()
    with dask.config.set(scheduler=computes):
        g = srcad.grad(f)(da.from_array(x, chunks=2))
        assert computes.count == 0 and isinstance(g, da.Array)
    np.testing.assert_allclose(g.compute(), check_grad(f, [x]), rtol=1e-10)


def test_a_position_found_lazily_takes_its_gradient_lazily():
    """x[np.argmax(x)] on Dask: a 0-d Dask index; the gradient goes where it points, nothing
    computed (was refused as an index array, review 3). A boolean mask is refused by name."""
    f = make_function("""
        def f(x, X):
            i = np.argmax(x)
            return x[i] * 2.0 + np.sum(x) + np.sum(np.sin(X[:, np.argmin(x)]))
        """, {})
    rng = np.random.default_rng(4)
    x, X = rng.standard_normal(5), rng.standard_normal((3, 5))
    computes = Computes()
    with dask.config.set(scheduler=computes):
        gx, gX = srcad.grad(f, (0, 1))(da.from_array(x, chunks=2), da.from_array(X, chunks=2))
        assert computes.count == 0
    want = check_grad(f, [x, X], argnums=(0, 1))
    np.testing.assert_allclose(gx.compute(), want[0], rtol=1e-12)
    np.testing.assert_allclose(gX.compute(), want[1], rtol=1e-12)
    g = make_function("def g(x):\n    return np.sum(x[x > 0] ** 2)\n", {})
    with pytest.raises(srcad.SrcadError, match="through a boolean mask into a dask array"):
        srcad.grad(g)(da.from_array(x, chunks=2))
