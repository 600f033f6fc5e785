"""Gradients of functions of CuPy arrays: the generated gradient runs on the GPU, on CuPy's own
arrays, through the dispatch NumPy's functions offer (NEP 18) and the Array API idiom, without a
copy to the host.

Each check runs srcad on NumPy arrays (checked by the rest of the suite against finite differences
and autograd) and on the same values as CuPy arrays: the gradients must be CuPy arrays of the
argument's shape, computed without a device synchronisation (``cupyx.allow_synchronize(False)``:
a copy to the host raises there; except where the function's own control flow reads a value),
and equal to NumPy's. Runs where CuPy and a GPU are present, skipped with this reason elsewhere;
CI has no GPU and runs it with a CPU double of CuPy instead (tests/test_cupy_double.py), which
refuses what CuPy refuses (host arrays mixed in, implicit conversions, synchronisations).
"""

from __future__ import annotations

import numpy as np
import pytest

import corpus_control
import corpus_structures
import srcad
from gradcheck import make_function
from rulecases import non_elementwise_cases, weighted
from rulecheck import (_weighted_array_cases, differentiable_entries, entry_id,
                       is_python_scalar_only, positional_arity)

cupy = pytest.importorskip("cupy", reason="CuPy is not installed (it needs a GPU)")
try:
    _DEVICES = cupy.cuda.runtime.getDeviceCount()
except Exception as error:  # (CuPy installed, no driver)
    _DEVICES, _WHY = 0, f"no GPU: {error}"
else:
    _WHY = "no GPU"
if not _DEVICES:
    pytest.skip(_WHY, allow_module_level=True)
import cupyx  # noqa: E402

RTOL, ATOL = 1e-9, 1e-12  # (the GPU sums in another order)


def on_gpu(value):
    return cupy.asarray(value) if isinstance(value, np.ndarray) and value.ndim else value


def as_tuple(grads, argnums):
    return grads if isinstance(argnums, tuple) else (grads,)


def runs_on_gpu(fn, gargs):
    """Whether ``fn`` itself runs on these CuPy arrays (not where it mixes NumPy's arrays in)."""
    try:
        fn(*[a.copy() if isinstance(a, cupy.ndarray) else a for a in gargs])
    except Exception:  # noqa: BLE001 (CuPy's NotImplementedError: no maximum.accumulate; ...)
        return False
    return True


def synchronises(fn, gargs):
    """Whether ``fn`` itself reads a value of the GPU on the host (array_api_compat's ``clip`` on
    CuPy indexes with a mask, say): srcad's gradient may then do so too, and no more than that."""
    try:
        with cupyx.allow_synchronize(False):
            fn(*[a.copy() if isinstance(a, cupy.ndarray) else a for a in gargs])
    except cupyx.DeviceSynchronized:
        return True
    return False


def on_cupy(fn, args, argnums, syncs_allowed=False, fn_on_gpu=None):
    """value_and_grad on CuPy against NumPy's, with no synchronisation unless the function itself
    makes one (``fn_on_gpu``: ``fn`` with its constants on the GPU, where it has any)."""
    expected_value, expected = srcad.value_and_grad(fn, argnums)(*args)
    fn = fn if fn_on_gpu is None else fn_on_gpu
    gargs = [on_gpu(a) for a in args]
    if not runs_on_gpu(fn, gargs):
        with pytest.raises(Exception):  # noqa: B017 (the function fails on CuPy: never a number)
            srcad.value_and_grad(fn, argnums)(*gargs)
        return
    syncs_allowed = syncs_allowed or synchronises(fn, gargs)
    before = [cupy.asnumpy(a) if isinstance(a, cupy.ndarray) else None for a in gargs]
    if syncs_allowed:
        value, grads = srcad.value_and_grad(fn, argnums)(*gargs)
    else:
        with cupyx.allow_synchronize(False):
            value, grads = srcad.value_and_grad(fn, argnums)(*gargs)
    positions = argnums if isinstance(argnums, tuple) else (argnums,)
    for g, k in zip(as_tuple(grads, argnums), positions):
        if isinstance(gargs[k], cupy.ndarray):
            assert isinstance(g, cupy.ndarray), type(g)
            assert g.shape == gargs[k].shape
    for a, b in zip(gargs, before):  # (arguments are never modified)
        if b is not None:
            np.testing.assert_array_equal(cupy.asnumpy(a), b)
    np.testing.assert_allclose(cupy.asnumpy(value), expected_value, rtol=RTOL)
    for g, e in zip(as_tuple(grads, argnums), as_tuple(expected, argnums)):
        np.testing.assert_allclose(cupy.asnumpy(g), e, rtol=RTOL, atol=ATOL)


ENTRIES = [(fn, rule) for fn, rule in differentiable_entries() if not is_python_scalar_only(fn)]


@pytest.mark.parametrize("fn, rule", ENTRIES, ids=[entry_id(f, r) for f, r in ENTRIES])
def test_rule_table_on_cupy_arrays(fn, rule):
    """Every elementwise entry, operands broadcasting as the rule tests sample them."""
    n = positional_arity(rule)
    for (f, args), (f_on_gpu, _) in zip(_weighted_array_cases(fn, rule, seed=2),
                                        _weighted_array_cases(fn, rule, 2, cupy.asarray)):
        on_cupy(f, args, tuple(range(n)), fn_on_gpu=f_on_gpu)


ARRAY_CASES = [(fn, makers, argnums) for fn, makers, argnums in corpus_control.CASES
               if any(isinstance(m(np.random.default_rng(0)), np.ndarray)
                      and m(np.random.default_rng(0)).ndim for m in makers)]


@pytest.mark.parametrize("fn, makers, argnums", ARRAY_CASES,
                         ids=[f"{c[0].__name__}-{k}" for k, c in enumerate(ARRAY_CASES)])
def test_control_flow_corpus_on_cupy_arrays(fn, makers, argnums):
    """Loops, branches and writes; a branch on an array's value reads it (as it must)."""
    rng = np.random.default_rng(0)
    on_cupy(fn, [make(rng) for make in makers], argnums, syncs_allowed=True)


# ---- the rules that are not elementwise: reductions, shapes, indexing, linear algebra, FFT -------

# The cases whose gradient on CuPy is not yet on the GPU (an adjoint that still makes a NumPy array:
# CuPy's TypeError at it, never a number; docs/scaling-out.md): each is checked to be right or an error.
CUPY_GAPS = {
    'numpy-eig-0', 'numpy-eig-1', 'numpy-eig-2', 'numpy-float64-0', 'numpy-median-0',
    'numpy-partition-0', 'numpy-partition-1', 'numpy-partition-2', 'numpy-percentile-0',
    'numpy-quantile-0',
}


@pytest.mark.parametrize("expr, makers", list(non_elementwise_cases()))
def test_the_other_rules_on_cupy_arrays(expr, makers, request):
    """Each rule's expression contracted with a weight on the GPU: CuPy gradients equal to NumPy's,
    with no synchronisation the function itself does not make; where the expression mixes NumPy's
    arrays in (a constant ``np.array(...)``), it fails on CuPy and srcad must fail too."""
    fn, fn_on_gpu, args, rng = weighted(expr, makers, cupy.asarray)
    argnums = tuple(range(len(args)))
    if request.node.callspec.id not in CUPY_GAPS:
        # (the checks that refuse repeated eigenvalues and singular values read them on the host)
        on_cupy(fn, args, argnums, syncs_allowed="linalg" in expr, fn_on_gpu=fn_on_gpu)
        return
    try:  # (a gap: NumPy's gradient, or an error, never another number)
        on_cupy(fn, args, argnums, syncs_allowed=True, fn_on_gpu=fn_on_gpu)
    except AssertionError:
        raise
    except Exception:  # noqa: BLE001 (CuPy's TypeError at a NumPy array: named in CUPY_GAPS)
        pass


# The cases whose forward mode on CuPy is not on the GPU yet (as CUPY_GAPS: the quantiles, refused;
# np.linalg.eig; np.float64 of a CuPy value): each is an error, never another number.
CUPY_FORWARD_GAPS = {
    'numpy-eig-0', 'numpy-eig-1', 'numpy-eig-2', 'numpy-float64-0', 'numpy-median-0',
    'numpy-percentile-0', 'numpy-quantile-0',
}


@pytest.mark.parametrize("expr, makers", list(non_elementwise_cases()))
def test_the_other_rules_forward_on_cupy_arrays(expr, makers, request):
    """srcad.jvp of each rule's expression along random tangents: CuPy's tangent equal to NumPy's,
    on the GPU (where NumPy's forward mode refuses the expression, CuPy's must too)."""
    fn, fn_on_gpu, args, rng = weighted(expr, makers, cupy.asarray)
    tangents = [rng.standard_normal(np.shape(a)) if isinstance(a, np.ndarray) else 0.3 for a in args]
    gargs, gtangents = [on_gpu(a) for a in args], [on_gpu(t) for t in tangents]
    try:
        expected = srcad.jvp(fn, args, tangents)[1]
    except srcad.SrcadError:
        with pytest.raises(Exception):  # noqa: B017 (refused on NumPy: never a number on CuPy)
            srcad.jvp(fn_on_gpu, gargs, gtangents)
        return
    if not runs_on_gpu(fn_on_gpu, gargs):
        with pytest.raises(Exception):  # noqa: B017
            srcad.jvp(fn_on_gpu, gargs, gtangents)
        return
    try:
        syncs = any(name in expr for name in ("linalg", "cumprod", "partition")) \
            or synchronises(fn_on_gpu, gargs)
        if syncs:  # (the checks of repeated eigenvalues, of cumprod's zeros, of argpartition)
            got = srcad.jvp(fn_on_gpu, gargs, gtangents)[1]
        else:
            with cupyx.allow_synchronize(False):
                got = srcad.jvp(fn_on_gpu, gargs, gtangents)[1]
    except Exception:  # noqa: BLE001
        if request.node.callspec.id in CUPY_FORWARD_GAPS:
            return
        raise
    np.testing.assert_allclose(cupy.asnumpy(got), expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("k", range(len(corpus_structures.CASES)),
                         ids=[c[0].__name__ for c in corpus_structures.CASES])
def test_arrays_in_structures_and_rows_as_items(k):
    """Dataclasses, named tuples, dicts, lists of CuPy arrays, and an array's rows as a list's
    items: NumPy's gradients, on the GPU, zeros (not the array) where none reaches."""
    fn, make = corpus_structures.CASES[k]
    expected = srcad.grad(fn)(*make(np.random.default_rng(k), np.asarray))
    args = make(np.random.default_rng(k), cupy.asarray)
    with cupyx.allow_synchronize(False):
        got = srcad.grad(fn)(*args)
    for g, e, a in zip(corpus_structures.leaves(got), corpus_structures.leaves(expected),
                       corpus_structures.leaves(args[0])):
        if isinstance(a, cupy.ndarray):  # (a number's gradient: a number, or lazy, a 0-d array)
            assert isinstance(g, cupy.ndarray) and g.shape == a.shape, (type(g), type(a))
        np.testing.assert_allclose(cupy.asnumpy(g), e, rtol=RTOL, atol=ATOL)


def write_through(x, idx, v):
    y = x * 1.0
    y[idx] = v
    y[idx] += 2.0 * v
    return np.sum(y ** 3)


@pytest.mark.parametrize("idx", [[4, 1, 0], [4, 1, 4], [4, 1, -1]])
@pytest.mark.parametrize("where", ["host", "gpu"])
def test_writes_through_index_arrays_that_repeat_a_position(idx, where):
    """(Found by two reviews: an index repeating a position gave the overwritten write a gradient
    too, or, on a GPU, the gradient went to NumPy's last write where CuPy kept another.) NumPy's
    gradient where each position is written once; refused where one repeats (CuPy keeps one of
    the writes, not defined which), the index on the host or on the GPU."""
    rng = np.random.default_rng(0)
    x, v, idx = rng.standard_normal(5), rng.standard_normal(3), np.array(idx)
    expected = srcad.grad(write_through, (0, 2))(x, idx, v)
    gidx = idx if where == "host" else cupy.asarray(idx)
    call = srcad.grad(write_through, (0, 2))
    if len(set(idx % 5)) < len(idx):
        with pytest.raises(srcad.SrcadError, match="repeats a position"):
            call(cupy.asarray(x), gidx, cupy.asarray(v))
        return
    got = call(cupy.asarray(x), gidx, cupy.asarray(v))
    for g, e in zip(got, expected):
        assert isinstance(g, cupy.ndarray)
        np.testing.assert_allclose(cupy.asnumpy(g), e, rtol=RTOL)


def test_the_gradient_of_a_determinant_at_a_singular_matrix_is_its_adjugate():
    """(Found by a review on a GPU: CuPy's inv of a singular matrix returns inf and NaN, not an
    error: the gradient was NaN everywhere.)"""
    a = np.diag([1.0, 1.0, 0.0])
    expected = srcad.grad(determinant)(a)
    got = srcad.grad(determinant)(cupy.asarray(a))
    assert isinstance(got, cupy.ndarray)
    np.testing.assert_allclose(cupy.asnumpy(got), expected, atol=1e-12)
    np.testing.assert_allclose(expected, np.diag([0.0, 0.0, 1.0]), atol=1e-12)


def determinant(a):
    return np.linalg.det(a)


@pytest.mark.parametrize("expression", ["np.sort(x, axis=None)", "np.partition(x, 1, axis=0)",
                                        "np.partition(x, 2, axis=None)"])
def test_sorts_along_every_axis(expression):
    """(Found by a review on a GPU: the flattened sort's and the partition's adjoints made NumPy
    arrays.) np.partition's adjoint checks np.argpartition's order on the host (a synchronisation)."""
    f = make_function(f"""
        def f(x, w):
            return np.sum(({expression}) * w)
        """, {})
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 4))
    w = rng.standard_normal(np.shape(eval(expression, {"np": np, "x": x})))
    expected = srcad.grad(f)(x, w)
    got = srcad.grad(f)(cupy.asarray(x), cupy.asarray(w))
    assert isinstance(got, cupy.ndarray)
    np.testing.assert_allclose(cupy.asnumpy(got), expected, rtol=RTOL)


def two_outputs(W, x):
    h = np.tanh(W @ x)
    h2 = h * 1.0
    h2[0] = h2[1] * h2[2]
    return h2, np.sum(h ** 2)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_vjp_takes_a_python_number_as_the_cotangent_of_a_scalar_output(dtype):
    """(Found by a review: the number was spread as a NumPy array: CuPy's TypeError.) The
    gradient keeps the arguments' floating type, as NumPy's does (a Python number is weak)."""
    rng = np.random.default_rng(9)
    W, x, c = (rng.standard_normal(s).astype(dtype) for s in ((3, 3), (3,), (3,)))
    expected = srcad.vjp(two_outputs, W, x)[1]((c, 1.7))
    vjp_fn = srcad.vjp(two_outputs, cupy.asarray(W), cupy.asarray(x))[1]
    with cupyx.allow_synchronize(False):
        got = vjp_fn((cupy.asarray(c), 1.7))
    for g, e in zip(got, expected):
        assert isinstance(g, cupy.ndarray) and g.dtype == e.dtype == dtype
        np.testing.assert_allclose(cupy.asnumpy(g), e, rtol=1e-6 if dtype == np.float32 else RTOL)


def test_numpys_writing_calls_on_a_cupy_array_are_refused_at_the_line():
    """np.add.at and the other writing calls are differentiated on NumPy's arrays (their values
    computed by NumPy's own functions): on CuPy's, a located refusal, not CuPy's TypeError."""
    f = make_function("""
        def f(x, v):
            y = x * 1.0
            np.add.at(y, np.array([0, 2, 0]), v)
            return np.sum(y ** 2)
        """, {})
    x, v = cupy.asarray(np.arange(4.0)), cupy.asarray(np.ones(3))
    with pytest.raises(srcad.SrcadError, match="np.add.at writing into a numpy.ndarray") as caught:
        srcad.grad(f, (0, 1))(x, v)
    assert caught.value.location is not None


def test_the_same_array_passed_twice_to_a_function_writing_into_it_is_refused():
    """(Found by a review: on CuPy and Dask the check was skipped, and the value was wrong.)"""
    def write_one(a, b):
        a[0] = 5.0
        return np.sum(a * a * b)
    x = cupy.asarray(np.array([1.0, 2.0, 3.0]))
    for args in ((x, x), (x[:], x)):
        with pytest.raises(srcad.SrcadError, match="share memory"):
            srcad.value_and_grad(write_one, (0, 1))(*args)
    value, _ = srcad.value_and_grad(write_one, (0, 1))(x, x.copy())
    assert float(value) == 5.0 * 5.0 * 1.0 + 4.0 * 2.0 + 9.0 * 3.0


# ---- the six functions of issue #19, forward mode, second order --------------------------------

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


def writes_into_its_argument(x):
    x[0] = x[0] * 3.0
    x *= 2.0
    return np.sum(x ** 2)


def gathers(x, W):
    idx = np.array([2, 0, 2, 1])
    return np.sum(x[idx] ** 2) + np.sum(W[:, idx] * np.take(W, idx, axis=1))


def six(rng):
    X = rng.standard_normal((20, 6))
    Y = np.eye(3)[rng.integers(0, 3, 20)]
    return [(mlp_loss, (rng.standard_normal((6, 5)), rng.standard_normal(5),
                        rng.standard_normal((5, 3)), X, Y), (0, 1, 2)),
            (in_place_writes, (rng.standard_normal(6),), 0),
            (reductions, (rng.standard_normal((4, 5)),), 0),
            (broadcasting, (rng.standard_normal((4, 3)), rng.standard_normal(3)), (0, 1)),
            (matmul, (rng.standard_normal((4, 3)), rng.standard_normal((3, 5))), (0, 1)),
            (writes_into_its_argument, (rng.standard_normal(4),), 0),
            (gathers, (rng.standard_normal(3), rng.standard_normal((2, 3))), (0, 1))]


@pytest.mark.parametrize("k", range(7))
def test_the_six_functions_run_on_the_gpu(k):
    fn, args, argnums = six(np.random.default_rng(3))[k]
    on_cupy(fn, args, argnums)


def test_a_while_loop_reads_its_condition_and_is_right():
    on_cupy(while_loop, (np.random.default_rng(1).uniform(1.0, 2.0, 6),), 0, syncs_allowed=True)


@pytest.mark.parametrize("k", range(7))
def test_forward_mode_and_hessian_vector_products_on_the_gpu(k):
    fn, args, argnums = six(np.random.default_rng(4))[k]
    rng = np.random.default_rng(5)
    tangents = [rng.standard_normal(np.shape(a)) if j in as_tuple(argnums, argnums)
                else np.zeros(np.shape(a)) for j, a in enumerate(args)]
    value, tangent = srcad.jvp(fn, args, tangents)
    if not runs_on_gpu(fn, [on_gpu(a) for a in args]):
        with pytest.raises(Exception):  # noqa: B017 (never a number)
            srcad.jvp(fn, [on_gpu(a) for a in args], [on_gpu(t) for t in tangents])
        return
    with cupyx.allow_synchronize(False):
        gvalue, gtangent = srcad.jvp(fn, [on_gpu(a) for a in args],
                                     [on_gpu(t) for t in tangents])
    assert isinstance(gtangent, cupy.ndarray)
    np.testing.assert_allclose(cupy.asnumpy(gvalue), value, rtol=RTOL)
    np.testing.assert_allclose(cupy.asnumpy(gtangent), tangent, rtol=RTOL, atol=ATOL)
    first = as_tuple(argnums, argnums)[0]
    expected = srcad.hvp(fn, first)(*args, tangents[first])
    with cupyx.allow_synchronize(False):
        got = srcad.hvp(fn, first)(*[on_gpu(a) for a in args], on_gpu(tangents[first]))
    assert isinstance(got, cupy.ndarray)
    np.testing.assert_allclose(cupy.asnumpy(got), expected, rtol=RTOL, atol=ATOL)


# ---- the Array API idiom on CuPy ----------------------------------------------------------------

IDIOM = [
    "xp.exp(x) * xp.tanh(y)", "xp.sqrt(x) + xp.log1p(y)", "xp.atan2(x, y)", "xp.pow(x, y)",
    "xp.sum(x, axis=0, keepdims=True) * y", "xp.prod(x, axis=1)", "xp.std(x, axis=0, correction=1)",
    "xp.max(x, axis=1) + xp.min(y)", "xp.cumulative_sum(x, axis=1)",
    "xp.matmul(x, xp.matrix_transpose(y))", "xp.vecdot(x, y)", "xp.permute_dims(x, (1, 0)) * 2",
    "xp.concat([x, y ** 2], axis=1)", "xp.stack([x, y], axis=1)", "xp.where(x > 0.5, x, y)",
    "xp.clip(x, 0.3, 0.7) + y", "xp.linalg.inv(x[:, :3] + 3 * xp.eye(3))",
    "xp.linalg.solve(x[:, :3] + 3 * xp.eye(3), y[:, :1])", "xp.linalg.vector_norm(x, axis=1)",
    "xp.abs(xp.fft.rfft(x, axis=1))", "xp.take(x, xp.asarray([2, 0]), axis=1)",
]


@pytest.mark.parametrize("expression", IDIOM)
def test_the_array_api_idiom_on_cupy(expression):
    array_api_compat = pytest.importorskip("array_api_compat")
    f = make_function(f"""
        def f(x, y):
            xp = array_namespace(x)
            return xp.sum(xp.sin({expression}))
        """, {"array_namespace": array_api_compat.array_namespace})
    rng = np.random.default_rng(5)
    on_cupy(f, [rng.uniform(0.2, 0.8, (3, 4)), rng.uniform(0.2, 0.8, (3, 4))], (0, 1),
            syncs_allowed="take" in expression)  # (an index array made on the GPU is read)


def test_cupys_own_functions():
    f = make_function("""
        def f(x, w):
            return cp.sum(cp.exp(x) * cp.matmul(x, w)) + cp.mean(cp.tanh(x))
        """, {"cp": cupy})
    rng = np.random.default_rng(6)
    x, w = rng.standard_normal((3, 4)), rng.standard_normal((4, 4))
    got = srcad.grad(f, (0, 1))(cupy.asarray(x), cupy.asarray(w))
    expected = srcad.grad(lambda x, w: np.sum(np.exp(x) * (x @ w)) + np.mean(np.tanh(x)),
                          (0, 1))(x, w)
    for g, e in zip(got, expected):
        assert isinstance(g, cupy.ndarray)
        np.testing.assert_allclose(cupy.asnumpy(g), e, rtol=RTOL)


# ---- PyTorch's tensors: differentiated on views (srcad.api.views) --------------------------------

@pytest.mark.parametrize("device", ["cuda", "cpu"])
def test_pytorch_tensors_are_differentiated_on_views(device):
    """A CUDA tensor is viewed as a CuPy array (DLPack: no copy), a CPU one as a NumPy array; the
    gradients come back as tensors on the argument's device, equal to NumPy's and to
    torch.autograd's."""
    torch = pytest.importorskip("torch", reason="PyTorch is not installed")
    fn, args, argnums = six(np.random.default_rng(8))[0]  # (the MLP loss)
    expected_value, expected = srcad.value_and_grad(fn, argnums)(*args)
    targs = [torch.tensor(a, device=device) for a in args]
    value, grads = srcad.value_and_grad(fn, argnums)(*targs)
    assert isinstance(value, torch.Tensor) and value.device.type == device
    np.testing.assert_allclose(value.cpu().numpy(), expected_value, rtol=RTOL)
    leaves = [t.clone().requires_grad_(k in argnums) for k, t in enumerate(targs)]
    hidden = torch.clamp(leaves[3] @ leaves[0] + leaves[1], min=0.0)
    logits = hidden @ leaves[2]
    logits = logits - torch.amax(logits, dim=1, keepdim=True)
    logp = logits - torch.log(torch.sum(torch.exp(logits), dim=1, keepdim=True))
    reference = torch.autograd.grad(-torch.sum(leaves[4] * logp) / leaves[3].shape[0],
                                    [leaves[k] for k in argnums])
    for g, e, r in zip(grads, expected, reference):
        assert isinstance(g, torch.Tensor) and g.device.type == device
        np.testing.assert_allclose(g.cpu().numpy(), e, rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(g.cpu().numpy(), r.cpu().numpy(), rtol=1e-9, atol=ATOL)
