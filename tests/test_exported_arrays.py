"""The exported module on other libraries' arrays: its code is the generated code and its helpers
srcad's own, so Dask in gives lazy Dask out (no compute), with the numbers srcad gives on NumPy;
and the Jacobian builders, which make NumPy arrays, refuse Dask's by name."""

import numpy as np
import pytest

import srcad
from daskcheck import Computes
from gradcheck import check_grad, make_function

import array_api_compat
import dask
import dask.array as da


def exported(g, tmp_path, name):
    path = tmp_path / f"{name}.py"
    srcad.export(g, str(path))
    namespace: dict = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    return namespace[f"grad_{name}"]


def test_the_exported_gradient_runs_lazily_on_dask(tmp_path):
    loss = make_function("""
        def loss(W, b, X, y):
            h = np.tanh(X @ W + b)
            h[:, 0] = h[:, 0] * 2.0
            err = np.sum(h, axis=1) - y
            return np.mean(err ** 2) + 0.1 * np.sum(W * W)
        """, {})
    rng = np.random.default_rng(7)
    args = (rng.standard_normal((4, 3)), rng.standard_normal(3),
            rng.standard_normal((10, 4)), rng.standard_normal(10))
    g = srcad.grad(loss, argnums=(0, 1))
    expected = check_grad(loss, list(args), argnums=(0, 1))
    grad_loss = exported(g, tmp_path, "loss")
    lazy = [da.from_array(a, chunks=5 if a.shape[0] == 10 else -1) for a in args]
    computes = Computes()
    with dask.config.set(scheduler=computes):
        value, (gW, gb) = grad_loss(*lazy)
        assert computes.count == 0
    assert all(isinstance(v, da.Array) for v in (value, gW, gb))
    got_value, got_W, got_b = dask.compute(value, gW, gb)
    np.testing.assert_allclose(got_value, loss(*args), rtol=1e-12)
    np.testing.assert_allclose(got_W, expected[0], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(got_b, expected[1], rtol=1e-6, atol=1e-8)


def test_exported_array_api_code_runs_on_the_arrays_it_is_given(tmp_path):
    """The code of the latest call's namespace (export's default) reads ``xp`` from the arguments
    at each call: NumPy's arrays give NumPy's gradient, Dask's a lazy Dask one."""
    f = make_function("""
        def f(x, y):
            xp = array_namespace(x, y)
            return xp.sum(xp.exp(x) * y) + xp.max(x * y)
        """, {"array_namespace": array_api_compat.array_namespace})
    x, y = np.linspace(-1.0, 1.0, 6), np.linspace(0.5, 2.0, 6)
    expected = check_grad(f, [x, y])
    g = srcad.grad(f)
    g(x, y)  # (the namespace of the latest call: NumPy's)
    grad_f = exported(g, tmp_path, "f")
    np.testing.assert_allclose(grad_f(x, y)[1], expected, rtol=1e-6, atol=1e-8)
    computes = Computes()
    with dask.config.set(scheduler=computes):
        value, gx = grad_f(da.from_array(x, chunks=4), da.from_array(y, chunks=4))
        assert computes.count == 0
    assert isinstance(gx, da.Array)
    np.testing.assert_allclose(gx.compute(), expected, rtol=1e-6, atol=1e-8)


def test_dtypes_named_after_numpys_are_read_as_numpys():
    """(torch.float32, array_api_strict.float64: the exported helpers read them without srcad's
    views.)"""
    from srcad.runtime.namespaces import numpy_dtype
    import array_api_strict as xs

    class Named:
        dtype = "torch.float32"
    assert numpy_dtype(xs.ones(2)) == np.float64
    assert numpy_dtype(xs.ones(2, dtype=xs.float32)) == np.float32
    assert numpy_dtype(Named()) == np.float32


@pytest.mark.parametrize("make", [srcad.jacrev, srcad.jacfwd, srcad.hessian])
def test_jacobians_of_dask_arrays_are_refused_by_name(make):
    def f(x):
        return np.sum(np.sin(x) * x)
    with pytest.raises(srcad.SrcadError, match=r"dask\.array\.core\.Array.*Jacobians of NumPy"):
        make(f)(da.ones(3, chunks=2))
