"""Composite rules (srcad/rules/composites.py, issue #16): NumPy functions differentiated through
srcad's own implementation of them, and the rules of srcad/rules/numpy_extra.py.

Each composite is checked for its values against NumPy's own function (many shapes and
keywords: the implementation must compute what NumPy computes), and, through srcad, in reverse
mode against central differences, in forward mode, for Hessian-vector products, for complex
arguments (against differences in the real and imaginary direction, tests/test_rules_complex.py's
helpers) where NumPy takes them, for float32 arguments, and against JAX's gradient (a sample);
what a composite does not take is refused at the user's line.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import srcad
from srcad.rules import composites
from gradcheck import check_grad, make_function
from rulecheck import case_id, check_hvp, check_jvp
import test_rules_complex as complex_checks


def mat(*shape):
    return lambda rng: rng.normal(size=shape)


def pos(*shape):
    return lambda rng: rng.uniform(0.5, 1.5, size=shape)


def nans(*shape):
    def make(rng):
        x = rng.normal(size=shape)
        x.flat[::3] = np.nan
        return x
    return make


def nan_rows(*shape):
    def make(rng):  # (NaN entries, and a first slice along the last axis all NaN)
        x = rng.normal(size=shape)
        x.flat[1::4] = np.nan
        x[(0,) * (len(shape) - 1)] = np.nan
        return x
    return make


def const(value):
    return lambda rng: complex_checks._Real(np.array(value))


# function -> [(expression in x, y, z; makers)]: the gradient cases (a _Real maker: a constant)
CASES = {
    np.ptp: [("np.ptp(x)", [mat(5)]), ("np.ptp(x, axis=0, keepdims=True)", [mat(3, 4)])],
    np.cov: [("np.cov(x)", [mat(3, 5)]), ("np.cov(x, rowvar=False, ddof=0)", [mat(5, 2)]),
             ("np.cov(x, y, bias=True)", [mat(2, 4), mat(4)]),
             ("np.cov(x, aweights=y)", [mat(2, 5), pos(5)]),
             ("np.cov(x, fweights=np.array([1, 2, 1, 3]), aweights=y, ddof=2)",
              [mat(3, 4), pos(4)])],
    np.corrcoef: [("np.corrcoef(x)", [mat(3, 6)]), ("np.corrcoef(x, y, rowvar=False)",
                                                    [mat(5, 2), mat(5)])],
    np.nanvar: [("np.nanvar(x)", [nans(7)]), ("np.nanvar(x, axis=1, ddof=1)", [nans(3, 5)]),
                ("np.nanvar(x, axis=0, keepdims=True)", [mat(4, 2)])],
    np.nanstd: [("np.nanstd(x, axis=-1)", [nans(2, 6)]), ("np.nanstd(x, ddof=1)", [mat(5)])],
    np.nanprod: [("np.nanprod(x, axis=0)", [nans(4, 3)]), ("np.nanprod(x)", [mat(5)])],
    np.nancumsum: [("np.nancumsum(x, axis=1)", [nans(3, 4)]), ("np.nancumsum(x)", [mat(2, 2)])],
    np.nancumprod: [("np.nancumprod(x)", [nans(5)]), ("np.nancumprod(x, axis=0)", [mat(3, 2)])],
    np.trapezoid: [("np.trapezoid(x)", [mat(5)]), ("np.trapezoid(x, y, axis=0)", [mat(4, 2), mat(4)]),
                   ("np.trapezoid(x, dx=y[0], axis=-1)", [mat(2, 3), pos(1)]),
                   ("np.trapezoid(x, y, axis=1)", [mat(2, 4), mat(2, 4)])],
    np.linalg.outer: [("np.linalg.outer(x, y)", [mat(3), mat(2)])],
    np.linalg.cross: [("np.linalg.cross(x, y)", [mat(2, 3), mat(3)]),
                      ("np.linalg.cross(x, y, axis=0)", [mat(3, 2), mat(3, 2)])],
    np.linalg.diagonal: [("np.linalg.diagonal(x)", [mat(2, 3, 3)]),
                         ("np.linalg.diagonal(x, offset=1)", [mat(3, 4)])],
    np.linalg.trace: [("np.linalg.trace(x)", [mat(2, 3, 3)]),
                      ("np.linalg.trace(x, offset=-1)", [mat(3, 3)])],
    np.linalg.matrix_transpose: [("np.linalg.matrix_transpose(x)", [mat(2, 3, 4)])],
    np.matrix_transpose: [("np.matrix_transpose(x)", [mat(3, 2)])],
    np.linalg.vector_norm: [("np.linalg.vector_norm(x)", [mat(2, 3)]),
                            ("np.linalg.vector_norm(x, axis=1, ord=1)", [mat(2, 3)]),
                            ("np.linalg.vector_norm(x, axis=(0, 2), keepdims=True)", [mat(2, 3, 2)]),
                            ("np.linalg.vector_norm(x, ord=np.inf)", [mat(4)])],
    np.linalg.matrix_norm: [("np.linalg.matrix_norm(x)", [mat(2, 3, 3)]),
                            ("np.linalg.matrix_norm(x, ord=1, keepdims=True)", [mat(3, 3)]),
                            ("np.linalg.matrix_norm(x, ord='nuc')", [mat(3, 2)])],
    np.linalg.vecdot: [("np.linalg.vecdot(x, y)", [mat(2, 3), mat(3)]),
                       ("np.linalg.vecdot(x, y, axis=0)", [mat(3, 2), mat(3, 2)])],
    np.vecdot: [("np.vecdot(x, y)", [mat(4), mat(2, 4)])],
    np.matvec: [("np.matvec(x, y)", [mat(2, 3, 4), mat(4)])],
    np.vecmat: [("np.vecmat(x, y)", [mat(3), mat(2, 3, 4)])],
    np.linalg.svdvals: [("np.linalg.svdvals(x)", [mat(3, 2)])],
    np.linalg.multi_dot: [("np.linalg.multi_dot([x, y])", [mat(2, 3), mat(3, 2)]),
                          ("np.linalg.multi_dot([x, y, z])", [mat(3), mat(3, 4), mat(4, 2)]),
                          ("np.linalg.multi_dot([x, y, z, x.T])", [mat(2, 3), mat(3, 5), mat(5, 3)]),
                          ("np.linalg.multi_dot([x, y, z])", [mat(4, 2), mat(2, 5), mat(5)])],
    np.linalg.cond: [("np.linalg.cond(x)", [mat(3, 3)]), ("np.linalg.cond(x, 'fro')", [mat(3, 3)]),
                     ("np.linalg.cond(x, -2)", [mat(2, 3, 3)])],
    np.linalg.tensorinv: [("np.linalg.tensorinv(x + 3 * np.eye(4).reshape(4, 2, 2), ind=1)",
                           [mat(4, 2, 2)])],
    np.linalg.tensorsolve: [("np.linalg.tensorsolve(x + 3 * np.eye(6).reshape(2, 3, 6), y)",
                             [mat(2, 3, 6), mat(2, 3)])],
    np.cumulative_sum: [("np.cumulative_sum(x)", [mat(4)]),
                        ("np.cumulative_sum(x, axis=1, include_initial=True)", [mat(2, 3)])],
    np.cumulative_prod: [("np.cumulative_prod(x, axis=0)", [mat(3, 2)]),
                         ("np.cumulative_prod(x, include_initial=True)", [mat(4)])],
    np.dstack: [("np.dstack((x, y))", [mat(2, 3), mat(2, 3)]), ("np.dstack([x, y])", [mat(3), mat(3)])],
    np.broadcast_arrays: [("np.broadcast_arrays(x, y)[0] * np.broadcast_arrays(x, y)[1]",
                           [mat(3, 1), mat(4)])],
    np.unstack: [("np.unstack(x)[1] * np.unstack(x, axis=1)[0][:2]", [mat(3, 2)])],
    np.diagflat: [("np.diagflat(x)", [mat(2, 2)]), ("np.diagflat(x, -1)", [mat(3)])],
    np.ediff1d: [("np.ediff1d(x)", [mat(2, 3)]),
                 ("np.ediff1d(x, to_end=y, to_begin=y[0])", [mat(4), mat(2)])],
    np.delete: [("np.delete(x, 1)", [mat(4)]), ("np.delete(x, [0, 2], axis=1)", [mat(2, 4)]),
                ("np.delete(x, slice(1, None, 2))", [mat(2, 3)])],
    np.insert: [("np.insert(x, 1, y)", [mat(4), mat(2)]),
                ("np.insert(x, [0, 2], y, axis=1)", [mat(2, 3), mat(2)]),
                ("np.insert(x, 1, y[0], axis=0)", [mat(2, 3), mat(3)])],
    np.resize: [("np.resize(x, (3, 3))", [mat(4)]), ("np.resize(x, 2)", [mat(2, 2)])],
    np.logspace: [("np.logspace(x[0], x[1], 5)", [mat(2)]),
                  ("np.logspace(x, y, 4, endpoint=False, base=2.0)", [mat(3), mat(3)]),
                  ("np.logspace(x[0], 1.0, 3, base=y)", [mat(1), pos(2)])],
    np.geomspace: [("np.geomspace(x[0], x[1], 5)", [pos(2)]),
                   ("np.geomspace(-x, -y, 4, axis=1)", [pos(2), pos(2)])],
    np.fft.fftfreq: [("np.fft.fftfreq(5, x[0])", [pos(1)]), ("np.fft.fftfreq(6, x[0])", [pos(1)])],
    np.fft.rfftfreq: [("np.fft.rfftfreq(7, x[0])", [pos(1)])],
    np.fft.hfft: [("np.fft.hfft(x)", [mat(4)]), ("np.fft.hfft(x, 5, norm='ortho')", [mat(3)])],
    np.fft.ihfft: [("np.real(np.fft.ihfft(x)) + np.imag(np.fft.ihfft(x, norm='forward'))", [mat(6)])],
    np.polyadd: [("np.polyadd(x, y)", [mat(3), mat(5)]), ("np.polyadd(x, y)", [mat(3), mat(2)])],
    np.polysub: [("np.polysub(x, y)", [mat(2), mat(4)]), ("np.polysub(x, y)", [mat(3), mat(3)])],
    np.polymul: [("np.polymul(x, y)", [mat(3), mat(2)])],
    np.polyder: [("np.polyder(x)", [mat(4)]), ("np.polyder(x, 2)", [mat(5)])],
    np.polyint: [("np.polyint(x)", [mat(3)]), ("np.polyint(x, 2, y)", [mat(3), mat(2)]),
                 ("np.polyint(x, 3, y[0])", [mat(2), mat(1)])],
    np.vander: [("np.vander(x)", [mat(3)]), ("np.vander(x, 4, increasing=True)", [mat(2)])],
    np.modf: [("np.modf(x * 3)[0] + np.modf(x * 3)[1]", [mat(5)])],
    np.divmod: [("np.divmod(x * 3, y)[1]", [mat(5), pos(5)])],
    np.frexp: [("np.frexp(x * 10)[0] * np.frexp(x)[1]", [mat(5)])],
    np.nanmedian: [("np.nanmedian(x)", [nans(7)]), ("np.nanmedian(x, axis=0)", [nans(3, 4)]),
                   ("np.nanmedian(x, axis=(0, 2), keepdims=True)", [nans(2, 3, 3)]),
                   ("np.nan_to_num(np.nanmedian(x, axis=-1))", [nan_rows(3, 4)])],
    np.nanquantile: [("np.nanquantile(x, 0.3)", [nans(7)]),
                     ("np.nanquantile(x, np.array([0.2, 0.9]), axis=1)", [nans(3, 5)]),
                     ("np.nanquantile(x, 0.6, axis=(1, 0), method='lower')", [nans(2, 3, 2)]),
                     ("np.nanquantile(x, 0.5, axis=0, method='midpoint', keepdims=True)",
                      [nans(4, 2)]),
                     ("np.nan_to_num(np.nanquantile(x, [0.1, 0.7], axis=1, method='nearest'))",
                      [nan_rows(2, 5)])],
    np.nanpercentile: [("np.nanpercentile(x, 40)", [nans(6)]),
                       ("np.nanpercentile(x, [10, 75], axis=0, method='higher')", [nans(5, 2)]),
                       ("np.nan_to_num(np.nanpercentile(x, 55.0, axis=-1))", [nan_rows(3, 4)])],
    np.unwrap: [("np.unwrap(x * 4)", [mat(7)]), ("np.unwrap(x * 4, axis=0, period=3.0)", [mat(5, 2)]),
                ("np.unwrap(x * 4, discont=4.0)", [mat(2, 6)]),
                ("np.unwrap(x * 4, period=y[0] + 3.0)", [mat(6), pos(1)])],
    np.trim_zeros: [("np.trim_zeros(x * np.array([0, 0, 1, 1, 0, 1, 0.0]))", [mat(7)]),
                    ("np.trim_zeros(x * np.array([0, 1, 0, 1, 0.0]), 'b')", [mat(5)]),
                    ("np.trim_zeros(x * np.array([[0, 0, 0], [0, 1, 1], [0, 1, 0]]), axis=0)",
                     [mat(3, 3)]),
                    ("np.trim_zeros(x * np.array([[0, 0, 0], [0, 1, 1], [1, 0, 0]]))", [mat(3, 3)])],
    np.extract: [("np.extract(x > 0, x)", [mat(7)]),
                 ("np.extract(np.array([[1, 0], [2, 1]]), y) * x[0]", [mat(1), mat(2, 2)])],
    np.compress: [("np.compress([True, False, True], x, axis=0)", [mat(3, 2)]),
                  ("np.compress([0, 1, 1], x)", [mat(2, 2)]),
                  ("np.compress(x[0] > 0, x, axis=1)", [mat(2, 5)])],
    np.choose: [("np.choose(np.array([0, 1, 1, 0]), [x, y])", [mat(4), mat(4)]),
                ("np.choose(np.array([[0], [1]]), [x, y[0]])", [mat(3), mat(1)]),
                ("np.choose(np.array([2, 0]), x)", [mat(3, 2)])],
    np.i0: [("np.i0(x * 6)", [mat(7)]), ("np.i0(x * 12)", [mat(2, 3)])],
    np.histogram: [("np.histogram(x, 3, weights=y)[0]", [mat(9), mat(9)]),
                   ("np.histogram(x, 4)[1]", [mat(2, 5)]),
                   ("np.histogram(x, 3, density=True)[0]", [mat(8)]),
                   ("np.histogram(x, 3, (y[0] - 3.0, y[1] + 3.0), True, y * y)[0]",
                    [mat(8), mat(8)]),
                   ("np.histogram(x, np.array([-3.0, -0.2, 0.1, 3.0]) * y[0] ** 2, density=True)[0]",
                    [mat(8), mat(1)]),
                   ("np.histogram(x, 'fd', range=(-3.0, y[0] + 3.0))[1]", [mat(20), mat(1)])],
    np.histogram_bin_edges: [("np.histogram_bin_edges(x, 5)", [mat(7)]),
                             ("np.histogram_bin_edges(x * 0.0 + y[0], 2)", [mat(3), mat(1)])],
    np.unique: [("np.unique(x)", [mat(2, 3)]), ("np.unique(x * y, return_counts=True)[0]",
                                                 [mat(5), mat(5)]),
                ("np.unique(np.stack([x, x * 2.0]), axis=1)", [mat(4)])],
    np.union1d: [("np.union1d(x, y)", [mat(3), mat(2, 2)])],
    **({np.unique_values: [("np.unique_values(x)", [mat(2, 3)])]}
       if hasattr(np, "unique_values") else {}),
    np.kaiser: [("np.kaiser(6, x[0] * 3.0)", [pos(1)]), ("np.kaiser(1, x[0]) * x", [pos(2)])],
    np.sort_complex: [("np.real(np.sort_complex(x) * (1 + 2j))", [mat(6)]),
                      ("np.abs(np.sort_complex(x * y)) ** 2", [mat(2, 4), mat(4)])],
    np.polydiv: [("np.polydiv(x, y + np.array([2.0, 0.0, 0.0]))[0]", [mat(5), mat(3)]),
                 ("np.polydiv(x, y + np.array([2.0, 0.0, 0.0]))[1]", [mat(5), mat(3)]),
                 ("np.polydiv(x, y)[1] * np.polydiv(x, y)[0]", [mat(2), pos(4)]),
                 ("np.polydiv(x * 0 + np.array([1.0, 3.0, 3.0, 1.0]) * x[0], y)[1]",
                  [pos(4), const(np.array([1.0, 1.0]))])],
    np.polyfit: [("np.polyfit(np.linspace(0, 1, 7), x, 2)", [mat(7)]),
                 ("np.polyfit(x, y, 2)", [mat(6), mat(6)]),
                 ("np.polyfit(np.linspace(-1, 1, 6), x, 1, w=y)", [mat(6, 2), pos(6)])],
    np.roots: [("np.real(np.roots(x))", [mat(4)]), ("np.abs(np.roots(x))", [mat(5)])],
    np.poly: [("np.poly(x)", [mat(3, 3)]), ("np.poly(x)", [mat(4)])],
    # srcad/rules/numpy_extra.py
    np.ldexp: [("np.ldexp(x, np.array([1, -2, 3]))", [mat(2, 3)])],
    np.nextafter: [("np.nextafter(x, y)", [mat(4), mat(4)])],
    np.linalg.matmul: [("np.linalg.matmul(x, y)", [mat(2, 3), mat(3, 4)])],
    np.linalg.tensordot: [("np.linalg.tensordot(x, y, axes=1)", [mat(2, 3), mat(3, 2)])],
}

NAMESPACE = {"np": np}


def _args(makers, seed=0):
    rng = np.random.default_rng(seed)
    made = [make(rng) for make in makers]
    return [a.value if isinstance(a, complex_checks._Real) else a for a in made]


def _scalar_function(expr, n, weights_from=None):
    names = ["x", "y", "z"][:n]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = eval(expr, NAMESPACE, dict(zip(names, weights_from)))
    c = np.random.default_rng(5).normal(size=np.shape(value))
    return make_function(f"def f({', '.join(names)}):\n    return np.sum(c * ({expr}))\n",
                         {**NAMESPACE, "c": c}, name="f")


def _cases():
    for fn, cases in CASES.items():
        for k, (expr, makers) in enumerate(cases):
            yield pytest.param(expr, makers, id=case_id(fn, k))


def _positions(args):
    return tuple(k for k, a in enumerate(args) if isinstance(a, np.ndarray) and a.dtype.kind == "f")


@pytest.mark.parametrize("expr, makers", list(_cases()))
def test_reverse_forward_and_hessian(expr, makers):
    args = _args(makers)
    f = _scalar_function(expr, len(args), args)
    positions = _positions(args)
    check_grad(f, args, argnums=positions, rtol=1e-5, atol=1e-6)
    check_jvp(f, args, list(positions))
    check_hvp(f, args, positions[0], rtol=1e-4, atol=1e-5)


def test_every_composite_is_tested():
    untested = [entry.name for fn, entry in composites.COMPOSITES.items() if fn not in CASES]
    assert not untested, f"composites without a gradient case: {untested}"
    assert not [fn for fn in VALUES if composites.lookup(fn) is None]
    assert not [e.name for fn, e in composites.COMPOSITES.items() if fn not in VALUES]


# ---- values: each implementation against NumPy's own function -----------------------------------

R = np.random.default_rng(7)
A23, A35, A4 = R.normal(size=(2, 3)), R.normal(size=(3, 5)), R.normal(size=4)
C35 = A35 + 1j * R.normal(size=(3, 5))
F32 = R.normal(size=(3, 4)).astype(np.float32)
NAN = np.array([[1.0, np.nan, 3.0, 0.5], [np.nan, np.nan, 2.0, -1.0], [4.0, 1.0, -2.0, 0.0]])
ALLNAN = np.array([[np.nan, np.nan], [1.0, 2.0]])
SQ = R.normal(size=(2, 3, 3))
INTS = np.array([[1, 4, 2], [3, 0, 5]])
NAN3 = R.normal(size=(3, 4, 5))
NAN3.flat[::4] = np.nan  # (the first slice along axis 0 all NaN)
NAN3[1, 2, :] = np.nan
LEVELS = np.array([0.1, 0.5, 1.0])
PHASE = np.cumsum(R.normal(scale=2.5, size=(3, 8)), axis=1)
ZEROS = np.array([[0, 0, 0, 0], [0, 1.5, 0, 0], [0, 0, 2, 0]])
SAMPLES = np.linspace(-1, 2, 9)

# function -> [(args, kwargs)]
VALUES = {
    np.ptp: [((A35,), {}), ((A35,), {"axis": 1}), ((A35,), {"axis": (0, 1), "keepdims": True}),
             ((INTS,), {"axis": 0}), ((F32,), {}), ((C35,), {"axis": 0})],
    np.cov: [((A35,), {}), ((A35,), {"rowvar": False}), ((A35, A35[:2]), {}),
             ((A35[0], A35[1]), {"bias": True}), ((A35,), {"ddof": 3}), ((C35,), {}),
             ((A35,), {"fweights": np.array([1, 2, 0, 1, 3])}),
             ((A35,), {"aweights": np.array([0.5, 1.0, 2.0, 0.1, 1.0])}),
             ((A35,), {"fweights": np.array([1, 2, 1, 1, 3]), "aweights": np.arange(1.0, 6.0),
                       "ddof": 1}),
             ((A35.T,), {"rowvar": False, "aweights": np.arange(1.0, 6.0), "bias": True}),
             ((A4,), {}), ((F32,), {}), ((INTS,), {}), ((A35[:, :1],), {}),
             ((A35.tolist(),), {}), ((np.zeros((0, 3)),), {})],
    np.corrcoef: [((A35,), {}), ((A35,), {"rowvar": False}), ((A35[0], A35[1]), {}),
                  ((C35,), {}), ((A4,), {}), ((F32,), {}), ((A35, A35[1:]), {})],
    np.nanvar: [((NAN,), {}), ((NAN,), {"axis": 0}), ((NAN,), {"axis": 1, "ddof": 1}),
                ((NAN,), {"axis": -1, "keepdims": True}), ((ALLNAN,), {"axis": 1}),
                ((NAN.astype(np.float32),), {"axis": 0}),
                ((NAN.astype(np.float32),), {"dtype": np.float64}), ((INTS,), {"axis": 1}),
                ((NAN + 1j * NAN[::-1],), {"axis": 1}), ((A35,), {"ddof": 2})],
    np.nanstd: [((NAN,), {}), ((NAN,), {"axis": 1, "ddof": 1}), ((ALLNAN,), {"axis": 0}),
                ((NAN.astype(np.float32),), {"axis": 1, "keepdims": True}), ((INTS,), {})],
    np.nanprod: [((NAN,), {}), ((NAN,), {"axis": 0}), ((NAN,), {"axis": 1, "keepdims": True}),
                 ((NAN.astype(np.float32),), {}), ((INTS,), {"dtype": float}), ((C35,), {})],
    np.nancumsum: [((NAN,), {}), ((NAN,), {"axis": 1}), ((NAN.astype(np.float32),), {"axis": 0}),
                   ((INTS,), {}), ((NAN,), {"dtype": np.float32})],
    np.nancumprod: [((NAN,), {}), ((NAN,), {"axis": 0}), ((INTS,), {"axis": 1}), ((C35,), {})],
    np.trapezoid: [((A35,), {}), ((A35,), {"axis": 0}), ((A35,), {"dx": 0.3}),
                   ((A35, np.linspace(0, 1, 5)), {}), ((A35, np.linspace(0, 1, 3)), {"axis": 0}),
                   ((A35, A35 ** 2), {}), ((F32,), {}), ((C35,), {"dx": 0.5}), ((A4.tolist(),), {})],
    np.linalg.outer: [((A4, A35[0]), {})],
    np.linalg.cross: [((A23, A23[::-1]), {}), ((A35[:, :3].T, A35[:, 1:4].T), {"axis": 0})],
    np.linalg.diagonal: [((SQ,), {}), ((A35,), {"offset": 2}), ((A35,), {"offset": -1})],
    np.linalg.trace: [((SQ,), {}), ((A35,), {"offset": 1}), ((INTS,), {"dtype": float})],
    np.linalg.matrix_transpose: [((SQ,), {}), ((A35,), {})],
    np.matrix_transpose: [((SQ,), {})],
    np.linalg.vector_norm: [((A35,), {}), ((A35,), {"axis": 0, "ord": 1}),
                            ((SQ,), {"axis": (0, 2), "keepdims": True}),
                            ((SQ,), {"axis": (2, 0)}), ((A35,), {"ord": np.inf, "keepdims": True}),
                            ((SQ,), {"ord": 3}), ((C35,), {"axis": 1}), ((F32,), {})],
    np.linalg.matrix_norm: [((SQ,), {}), ((SQ,), {"ord": 2}), ((A35,), {"ord": -1, "keepdims": True}),
                            ((A35,), {"ord": "nuc"}), ((C35,), {})],
    np.linalg.vecdot: [((A35, A35), {}), ((A35, A35[:, :1]), {"axis": 0}), ((C35, C35[::-1]), {}),
                       ((INTS, INTS), {})],
    np.vecdot: [((A35, A35[0]), {}), ((C35, C35), {"axis": 0})],
    np.matvec: [((SQ, A23[0]), {}), ((C35, C35[0]), {})],
    np.vecmat: [((A23, SQ), {}), ((C35[:, 0], C35), {})],
    np.linalg.svdvals: [((A35,), {}), ((SQ,), {})],
    np.linalg.multi_dot: [((A35.T, A35),), ((A4[:3], A35, A35.T),), ((A35, A35.T, A4[:3]),),
                          ((A35.T, A35[:, :2], A23, A35),), ((A4[:3], A35, A35.T, A35, A4[:1].repeat(5)),),
                          ((A35[:2], A35.T, SQ[0], A35, A35.T[:, :1]),)],
    np.linalg.cond: [((SQ,), {}), ((SQ[0],), {"p": "fro"}), ((SQ,), {"p": -2}), ((SQ,), {"p": 1}),
                     ((SQ,), {"p": -np.inf}), ((A35,), {}),
                     ((SQ[0],), {"p": "nuc"})],
    np.linalg.tensorinv: [((R.normal(size=(4, 2, 2)),), {"ind": 1}), ((R.normal(size=(2, 3, 6)),), {})],
    np.linalg.tensorsolve: [((R.normal(size=(2, 3, 6)), A23), {}),
                            ((R.normal(size=(6, 2, 3)), A23), {"axes": (0,)})],
    np.cumulative_sum: [((A4,), {}), ((A35,), {"axis": 1}), ((A35,), {"axis": 0, "include_initial": True}),
                        ((INTS,), {"axis": 1, "dtype": float}), ((F32,), {"axis": -1, "include_initial": True}),
                        ((3.0,), {})],
    np.cumulative_prod: [((A4,), {"include_initial": True}), ((A35,), {"axis": 0}), ((C35,), {"axis": 1})],
    np.dstack: [(((A23, A23),), {}), (((A4, A4),), {}), (([A35],), {}), (((2.0, 3.0),), {})],
    np.broadcast_arrays: [((A35, A35[0]), {}), ((A4[:, None], A35[0], 2.0), {}), ((A4,), {})],
    np.unstack: [((A35,), {}), ((SQ,), {"axis": 2})],
    np.diagflat: [((A4,), {}), ((A23,), {"k": 2}), ((A23,), {"k": -1}), ((INTS,), {})],
    np.ediff1d: [((A35,), {}), ((A4,), {"to_begin": 0.5}), ((A4,), {"to_end": [1.0, 2.0], "to_begin": A23}),
                 ((INTS,), {"to_end": 3}), ((A4[:1],), {}), ((F32,), {"to_begin": np.float32(1)})],
    np.delete: [((A4, 1), {}), ((A35, [0, 2], 1), {}), ((A35, slice(1, None, 2)), {}),
                ((A35, -1), {"axis": 0}), ((A4, np.array([True, False, True, False])), {}),
                ((A35, []), {"axis": 1})],
    np.insert: [((A4, 1, 9.0), {}), ((A4, [0, 2, 2], A23[0]), {}), ((A35, 1, A35[0, :3]), {"axis": 1}),
                ((A35, 2, 0.5), {"axis": 0}), ((A35, [1], [[1.0], [2.0], [3.0]]), {"axis": 1}),
                ((INTS, 1, 7.9), {}), ((A35, slice(0, 2), 1.0), {"axis": 1})],
    np.resize: [((A4, (3, 3)), {}), ((A35, 7), {}), ((A4, (2, 0)), {}), ((np.array([]), 3), {})],
    np.logspace: [((0.0, 2.0), {}), ((A4, A4 + 1, 5), {}), ((1.0, 2.0, 4), {"endpoint": False, "base": 2}),
                  ((0.5, 1.0, 3), {"base": A4}), ((A35[0], 1.0, 3), {"base": A35[:, :1]}),
                  ((np.float32(0.5), np.float32(1.0), 3), {})],
    np.geomspace: [((1.0, 1000.0, 4), {}), ((-1.0, -8.0, 4), {}), ((A4 ** 2 + 0.1, 2.0, 5), {"axis": 1}),
                   ((1.0, 10.0, 5), {"endpoint": False}), ((1j, 8j, 4), {}), ((2.0, 3.0, 1), {}),
                   ((np.float32(1), np.float32(8), 3), {})],
    np.fft.fftfreq: [((5,), {}), ((8, 0.1), {})],
    np.fft.rfftfreq: [((7,), {}), ((8, 0.25), {})],
    np.fft.hfft: [((C35,), {}), ((C35, 6, 0), {}), ((A4,), {"norm": "ortho"}), ((C35,), {"norm": "forward"})],
    np.fft.ihfft: [((A35,), {}), ((A35, 4, 0), {}), ((A4,), {"norm": "backward"})],
    np.polyadd: [((A4, A35[0]), {}), ((A35[0], A4), {}), ((A4, A4), {}), ((INTS[0], A4), {}), ((2.0, A4), {})],
    np.polysub: [((A4, A35[0]), {}), ((A35[0], A4), {}), (([1, 2], A4), {})],
    np.polymul: [((A4, A35[0]), {}), ((np.array([0.0, 0.0, 1.0, 2.0]), A4), {}),
                 ((np.zeros(3), A4), {}), ((3.0, A4), {}), ((C35[0], A4), {})],
    np.polyder: [((A4,), {}), ((A35[0], 3), {}), ((A4, 0), {}), ((A4, 5), {}), ((INTS[0],), {})],
    np.polyint: [((A4,), {}), ((A4, 2), {}), ((A4, 3, 1.5), {}), ((A4, 2, [1.0, 2.0]), {}),
                 ((A4, 0), {}), ((INTS[0], 1, 2), {})],
    np.vander: [((A4,), {}), ((A4, 2), {}), ((A4, 6), {"increasing": True}), ((INTS[0],), {}),
                ((A4, 0), {}), ((A4.astype(np.float32),), {}), ((C35[0], 3), {})],
    np.modf: [((A35 * 3,), {}), ((np.array([-2.0, np.inf, -np.inf, np.nan, 0.5, -0.0]),), {}),
              ((INTS,), {}), ((F32 * 5,), {}), ((-2.5,), {})],
    np.divmod: [((A35 * 3, 0.7), {}), ((INTS, 2), {}), ((A4, -A4[::-1]), {})],
    np.frexp: [((A35 * 100,), {}), ((np.array([0.0, np.inf, np.nan, 5e-324, -3.0]),), {}),
               ((F32,), {}), ((INTS,), {})],
    np.nanmedian: [((NAN,), {}), ((NAN,), {"axis": 0}), ((NAN,), {"axis": 1, "keepdims": True}),
                   ((NAN3,), {"axis": (0, 2)}), ((NAN3,), {"axis": -1, "keepdims": True}),
                   ((NAN3.astype(np.float32),), {"axis": 1}), ((ALLNAN,), {"axis": 1}),
                   ((ALLNAN * np.nan,), {}), ((INTS,), {"axis": 0}), ((A35,), {"axis": 1}),
                   ((np.zeros((0, 3)),), {"axis": 0}), ((NAN[0].tolist(),), {})],
    np.nanquantile: [((NAN, 0.3), {}), ((NAN, LEVELS), {"axis": 0}),
                     ((NAN, 0.25), {"axis": 1, "keepdims": True, "method": "lower"}),
                     ((NAN3, LEVELS), {"axis": (0, 2), "method": "higher"}),
                     ((NAN3, np.array([[0.0, 0.25]])), {"axis": (2, 0), "keepdims": True}),
                     ((NAN3, np.array([[0.0, 0.25]])), {"axis": 1, "method": "nearest"}),
                     ((NAN3.astype(np.float32), 0.7), {"axis": 0, "method": "midpoint"}),
                     ((NAN3.astype(np.float32), LEVELS), {"axis": 0}),
                     ((ALLNAN, [0.5, 0.9]), {"axis": 1}), ((INTS, 0.4), {"axis": 1}),
                     ((A35, 0.5), {"method": "weibull"}), ((np.zeros((0, 3)), 0.5), {"axis": 0}),
                     ((NAN3, 0.5), {"axis": (0, 1, 2)})],
    np.nanpercentile: [((NAN, 30), {}), ((NAN, [10, 50, 100]), {"axis": 1}),
                       ((NAN3.astype(np.float32), np.array([10, 50, 100])), {"axis": 0}),
                       ((NAN3, 75.0), {"axis": (1, 2), "keepdims": True, "method": "nearest"}),
                       ((ALLNAN, 50), {"axis": 0}), ((INTS, 20), {})],
    np.unwrap: [((PHASE,), {}), ((PHASE,), {"axis": 0}), ((PHASE,), {"discont": 4.0}),
                ((PHASE,), {"period": 3.0}), ((PHASE.astype(np.float32),), {}),
                ((np.array([0, 3, 7, 2, 9]),), {"period": 6}),
                ((np.array([0, 3, 7, 2, 9]),), {"period": 5}),
                ((np.array([0.0, np.pi, 0.0, -np.pi, 3 * np.pi]),), {}),
                ((np.array([-0.0, 7.0]),), {}), ((PHASE,), {"period": np.float64(2.0)}),
                ((np.zeros(0),), {}), ((PHASE[0].tolist(),), {})],
    np.trim_zeros: [((np.array([0, 0, 1.5, 2, 0, 3, 0.0]),), {}),
                    ((np.array([0, 0, 1.5, 2, 0]), "f"), {}),
                    ((np.array([0, 0, 1.5, 2, 0]),), {"trim": "b"}), ((ZEROS,), {}),
                    ((ZEROS,), {"axis": 0}), ((ZEROS,), {"axis": -1, "trim": "F"}),
                    ((ZEROS,), {"axis": ()}), ((np.zeros(3),), {}), ((np.zeros((2, 2)),), {}),
                    ((ZEROS.astype(complex),), {"axis": 1})],
    np.extract: [((PHASE > 0, PHASE), {}), ((np.array([1, 0, 2]), np.arange(6.0)), {}),
                 ((PHASE[0] > 100, PHASE[0]), {}), ((C35.real > 0, C35), {})],
    np.compress: [(([0, 1, 1], PHASE), {"axis": 0}), ((PHASE[:, 0] > 0, PHASE, 1), {}),
                  (([True, False], PHASE), {}),
                  ((np.array([0, 1, 0, 0, 0, 0, 0, 1, 0, 0]), PHASE), {"axis": 1}),
                  (([1, 0, 1], C35), {"axis": 0})],
    np.histogram: [((A35,), {}), ((A35, 4), {"weights": A35 * 2}), ((A35, "auto"), {}),
                   ((A35, 3), {"range": (-1.0, 0.5), "density": True}),
                   ((A35.astype(np.float32), 3), {"weights": A35.astype(np.float32)}),
                   ((np.array([1, 2, 2, 5]), 2), {"weights": np.array([1, 1, 2, 3])}),
                   ((A35, [-2.0, 0.0, 0.5, 3.0]), {"weights": C35}),
                   ((np.array([1.0, 1.0]),), {}), ((np.zeros(0),), {}),
                   ((np.array([0.0, np.nan, 1.0]), 2), {"range": (0.0, 1.0)}),
                   ((np.array([0.0, 1.0, 2.0, 3.0]), [0.0, 1.0, 2.0, 3.0]), {"density": True})],
    np.histogram_bin_edges: [((A35,), {}), ((A35, 3), {"range": (0, 2)}),
                             ((np.array([1, 5, 7]), 3), {}), ((A35, "sturges"), {}),
                             ((A35, [0.0, 1.0]), {})],
    np.unique: [((A35,), {}), ((np.array([3.0, 1.0, 3.0, np.nan, np.nan]),), {}),
                ((np.array([3.0, 1.0, 3.0]),), {"return_index": True, "return_inverse": True,
                                                 "return_counts": True}),
                ((np.array([[1.0, 2.0], [1.0, 2.0], [0.0, 5.0]]),), {"axis": 0,
                                                                    "return_inverse": True}),
                ((np.array([2, 2, 1]),), {"return_counts": True}), ((np.zeros(0),), {}),
                ((np.array([np.nan, np.nan]),), {"equal_nan": False}), ((C35,), {})],
    np.union1d: [((A35, A35[0]), {}), (([3, 1], [2.5]), {})],
    **({np.unique_values: [((A35,), {}), ((np.array([2.0, 2.0, 1.0]),), {})]}
       if hasattr(np, "unique_values") else {}),
    np.kaiser: [((7, 2.5), {}), ((1, 3.0), {}), ((0, 3.0), {}), ((4, np.float32(2.0)), {}),
                ((5, 0), {})],
    np.sort_complex: [((PHASE,), {}), ((C35,), {}), ((np.array([3, 1, 2], dtype=np.int16),), {}),
                      ((np.array([1 + 2j, 1 - 1j, 0.5 + 9j, 1 + 2j]),), {}),
                      ((PHASE.astype(np.float32),), {}), ((np.zeros(0),), {})],
    np.choose: [((np.array([0, 1, 2, 1]), [PHASE[0, :4], PHASE[1, :4], PHASE[2, :4]]), {}),
                ((np.array([[0], [1]]), [PHASE[0, :3], 2.5]), {}),
                ((np.array([1, 0]), PHASE[:2, :2]), {}),
                ((np.array([0, 1]), [np.array([1, 2]), np.array([1.5, 2.5])]), {}),
                ((2, [1.0, 2.0, PHASE[0]]), {}), ((np.array([1, 0]), [C35[0, :2], A4[:2]]), {}),
                ((np.array([0, 1, 1, 0]), [A4, -A4]), {"mode": "raise"})],
    np.i0: [((A35 * 6,), {}), ((0.0,), {}), ((np.array([0, 1, 2, 3]),), {}),
            ((np.array([-9.0, 8.0, 8.0001, 30, np.nan, np.inf, -0.0]),), {}),
            ((F32 * 6,), {}), ((np.float32(3),), {})],
    np.polydiv: [((np.array([3.0, 5, 2]), np.array([2.0, 1])), {}), ((A35[0], A4[:3]), {}),
                 ((A4[:2], A4), {}), (([1, 2, 3], [1, 1]), {}),
                 ((np.array([1, 3, 3, 1.0]), np.array([1, 1.0])), {}), ((C35[0], A4[:2]), {}),
                 ((2.0, A4[:1]), {}), ((np.array([1, 1, 1, 6.0]), np.array([1, 0, 1.0])), {})],
    np.polyfit: [((SAMPLES, A35.ravel()[:9], 2), {}), ((SAMPLES, np.concatenate((A35.ravel(), A4))[:18].reshape(9, 2), 3), {}),
                 ((SAMPLES, A35.ravel()[:9], 1), {"w": np.arange(1.0, 10)}),
                 ((SAMPLES, np.concatenate((A35.ravel(), A4))[:18].reshape(9, 2), 2), {"w": np.arange(1.0, 10)}),
                 ((SAMPLES, A35.ravel()[:9], 0), {}),
                 ((SAMPLES.astype(np.float32), F32.ravel()[:9], 2), {}),
                 ((SAMPLES, A35.ravel()[:9], 2), {"rcond": 1e-3}),
                 ((np.arange(9), np.arange(9) ** 2, 2), {}), ((SAMPLES, C35.ravel()[:9], 1), {})],
    np.roots: [((A4,), {}), ((np.array([0.0, 1.0, -3.0, 2.0, 0.0, 0.0]),), {}),
               ((np.array([1, 2, 3]),), {}), ((C35[0],), {}), ((F32[0],), {}),
               ((np.array([0.0, 0.0]),), {}), ((np.array([2.0]),), {})],
    np.poly: [((A35[:, :3],), {}), ((C35[:, :3],), {}), ((F32[:, :3],), {}), ((A4,), {}),
              ((np.array([1 + 1j, 1 - 1j]),), {}), ((np.array([1, 2]),), {}), ((C35[0],), {}),
              ((np.array([]),), {}), ((np.eye(3),), {}), ((np.array([1.0, 2.0], np.float32),), {})],
}


def _same(got, expected):
    if isinstance(expected, tuple):
        assert isinstance(got, tuple) and len(got) == len(expected)
        for g, e in zip(got, expected):
            _same(g, e)
        return
    assert np.shape(got) == np.shape(expected)
    assert np.result_type(got) == np.result_type(expected), (np.result_type(got),
                                                             np.result_type(expected))
    np.testing.assert_allclose(got, expected, rtol=1e-13 if np.result_type(expected) != np.float32
                               else 1e-6, atol=1e-14)
    assert np.array_equal(np.signbit(np.real(got)), np.signbit(np.real(expected))) or \
        np.result_type(expected).kind not in "fc"


def _value_cases():
    for fn, cases in VALUES.items():
        for k, case in enumerate(cases):
            args, kwargs = case if len(case) == 2 else (case[0], {})
            if fn is np.linalg.multi_dot:
                args, kwargs = (list(case[0]),), {}
            yield pytest.param(fn, args, kwargs, id=case_id(fn, k))


@pytest.mark.parametrize("fn, args, kwargs", list(_value_cases()))
def test_values_are_numpys(fn, args, kwargs):
    implementation = composites.lookup(fn).implementation
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = fn(*args, **kwargs)
        got = implementation(*args, **kwargs)
    _same(got, expected)


def test_an_invalid_choice_raises_as_numpys():
    with pytest.raises(ValueError, match="invalid entry in choice array"):
        np.choose(np.array([0, 3, 1, 0]), [A4, A4])
    with pytest.raises(ValueError, match="invalid entry in choice array"):
        composites.lookup(np.choose).implementation(np.array([0, 3, 1, 0]), [A4, A4])


def test_the_derivative_of_i0_is_i1():
    special = pytest.importorskip("scipy.special")
    x = np.array([-20.0, -8.5, -3.0, -0.2, 0.0, 0.7, 4.0, 7.99, 8.01, 15.0, 40.0])
    f = make_function("def f(x):\n    return np.sum(np.i0(x))\n", NAMESPACE, name="f")
    np.testing.assert_allclose(srcad.grad(f)(x), special.i1(x), rtol=1e-13, atol=1e-300)


def test_trim_zeros_of_a_list_gives_a_list_as_numpys():
    implementation = composites.lookup(np.trim_zeros).implementation
    assert implementation([0, 1.0, 2, 0]) == np.trim_zeros([0, 1.0, 2, 0]) == [1.0, 2]


def test_cond_of_a_singular_matrix_in_a_norm_other_than_2_raises():
    # (NumPy's cond inverts with its errors ignored and returns inf; the composite's inverse
    # raises: an error, never a different number)
    assert np.linalg.cond(np.ones((2, 2)), 1) > 1e15
    with pytest.raises(np.linalg.LinAlgError):
        composites.lookup(np.linalg.cond).implementation(np.ones((2, 2)), 1)


# ---- complex arguments: against differences in the real and the imaginary direction -------------

COMPLEX = {
    np.cov: [("np.cov(x)", [mat(2, 4)]), ("np.cov(x, y, rowvar=False)", [mat(4, 2), mat(4)])],
    np.sort_complex: [("np.real(np.sort_complex(x) * (1 - 3j))", [mat(2, 5)])],
    np.corrcoef: [("np.corrcoef(x)", [mat(3, 5)])],
    np.nanvar: [("np.nanvar(x, axis=1)", [nans(2, 4)])],
    np.nanprod: [("np.nanprod(x, axis=0)", [nans(3, 2)])],
    np.nancumsum: [("np.nancumsum(x)", [nans(4)])],
    np.nancumprod: [("np.nancumprod(x, axis=1)", [nans(2, 3)])],
    np.trapezoid: [("np.trapezoid(x, y)", [mat(4), const(np.array([0.0, 0.5, 1.5, 2.0]))])],
    np.linalg.outer: [("np.linalg.outer(x, y)", [mat(3), mat(2)])],
    np.linalg.cross: [("np.linalg.cross(x, y)", [mat(2, 3), mat(3)])],
    np.linalg.trace: [("np.linalg.trace(x)", [mat(2, 3, 3)])],
    np.linalg.diagonal: [("np.linalg.diagonal(x, offset=1)", [mat(3, 3)])],
    np.linalg.vector_norm: [("np.linalg.vector_norm(x, axis=0)", [mat(3, 2)])],
    np.linalg.matrix_norm: [("np.linalg.matrix_norm(x)", [mat(2, 3)])],
    np.linalg.vecdot: [("np.linalg.vecdot(x, y)", [mat(2, 3), mat(3)])],
    np.matvec: [("np.matvec(x, y)", [mat(2, 3), mat(3)])],
    np.vecmat: [("np.vecmat(x, y)", [mat(2), mat(2, 3)])],
    np.linalg.multi_dot: [("np.linalg.multi_dot([x, y, z])", [mat(2), mat(2, 3), mat(3, 2)])],
    np.cumulative_sum: [("np.cumulative_sum(x, include_initial=True)", [mat(3)])],
    np.cumulative_prod: [("np.cumulative_prod(x)", [mat(3)])],
    np.dstack: [("np.dstack((x, y))", [mat(2), mat(2)])],
    np.diagflat: [("np.diagflat(x, 1)", [mat(2)])],
    np.ediff1d: [("np.ediff1d(x, to_begin=y)", [mat(4), mat(1)])],
    np.delete: [("np.delete(x, [1])", [mat(3)])],
    np.insert: [("np.insert(x, 1, y)", [mat(3), mat(2)])],
    np.resize: [("np.resize(x, 5)", [mat(2)])],
    np.logspace: [("np.logspace(x[0], x[1], 3)", [mat(2)])],
    np.geomspace: [("np.geomspace(x[0], x[1], 3)", [mat(2)])],
    np.fft.hfft: [("np.fft.hfft(x)", [mat(3)])],
    np.polyadd: [("np.polyadd(x, y)", [mat(2), mat(3)])],
    np.polymul: [("np.polymul(x, y)", [mat(2), mat(3)])],
    np.polyder: [("np.polyder(x)", [mat(3)])],
    np.polyint: [("np.polyint(x)", [mat(3)])],
    np.vander: [("np.vander(x, 3)", [mat(2)])],
    np.broadcast_arrays: [("np.broadcast_arrays(x, y)[1]", [mat(2, 1), mat(3)])],
    np.trim_zeros: [("np.trim_zeros(x * np.array([0, 1, 0, 1, 0.0]))", [mat(5)])],
    np.polydiv: [("np.polydiv(x, y + np.array([2.0, 0.0]))[0]", [mat(4), mat(2)])],
    np.polyfit: [("np.polyfit(np.linspace(0, 1, 5), x, 1)", [mat(5)])],
    np.extract: [("np.extract(np.array([1, 0, 1]), x)", [mat(3)])],
    np.compress: [("np.compress([0, 1, 1], x, axis=1)", [mat(2, 3)])],
    np.choose: [("np.choose(np.array([0, 1, 1]), [x, y])", [mat(3), mat(3)])],
    # (not x alone: a real x times a complex factor gives NumPy's complex eigenvalue routine a
    # real matrix times a phase, refused: tests/test_rules_eig.py)
    np.roots: [("np.roots(x + 1j * x[::-1])", [mat(4)])],
    np.poly: [("np.poly(x + 1j * np.tril(x))", [mat(3, 3)]), ("np.poly(x)", [mat(3)])],
}


def _complex_cases():
    for fn, cases in COMPLEX.items():
        for k, (expr, makers) in enumerate(cases):
            yield pytest.param(expr, makers, id=case_id(fn, k))


# refused, at the user's line: np.sign of a complex value (a real argument cast to complex inside
# the implementation, np.cov(x, y), np.ediff1d(x, to_begin=y), np.insert(x, 1, y), was refused
# until casts to complex were differentiated: now each is checked as the others)
REFUSED_THROUGH = set()
REFUSED = {"np.geomspace(x[0], x[1], 3)"}


def _refused(f, args, positions, line):
    with pytest.raises(srcad.SrcadError) as refused, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        srcad.grad(f, argnums=tuple(positions))(*args)
    assert re.search(rf"<srcad-test-\d+>:{line}:", str(refused.value)), str(refused.value)


@pytest.mark.parametrize("expr, makers", list(_complex_cases()))
def test_complex_arguments(expr, makers):
    names, args, cargs = complex_checks._setup(expr, makers)
    positions = [k for k, a in enumerate(cargs) if np.iscomplexobj(a)]
    f = complex_checks._function(expr, names, cargs)
    if expr in REFUSED:
        _refused(f, cargs, positions, 2)
        return
    complex_checks._check_gradient_and_tangent(f, cargs, positions)
    through = complex_checks._function(expr, names, args, through=names[positions[0]])
    if expr in REFUSED_THROUGH:
        _refused(through, args, positions, 3)
        return
    complex_checks._check_gradient_and_tangent(through, args, positions)


# ---- float32, refusals, what the generated code shows, JAX ---------------------------------------

@pytest.mark.parametrize("expr", ["np.ptp(x, axis=0)", "np.nanvar(x, axis=1)", "np.nanstd(x)",
                                  "np.nanprod(x)", "np.nancumsum(x)", "np.trapezoid(x)",
                                  "np.linalg.vector_norm(x)", "np.linalg.trace(x)",
                                  "np.cumulative_sum(x, axis=0, include_initial=True)",
                                  "np.diagflat(x)", "np.delete(x, 1, axis=0)",
                                  "np.insert(x, 1, 0.5, axis=1)", "np.resize(x, 7)",
                                  "np.linalg.vecdot(x, x)",
                                  "np.modf(x)[0]", "np.frexp(x)[0]", "np.ldexp(x, 2)",
                                  "np.nanmedian(x, axis=0)", "np.nanquantile(x, 0.3, axis=1)",
                                  "np.unwrap(x * 4)", "np.i0(x * 5)", "np.trim_zeros(x[0])",
                                  "np.choose(np.array([1, 0, 1]), x)"])
def test_float32_in_float32_out(expr):
    x = (np.arange(1.0, 7.0).reshape(2, 3) * 0.3).astype(np.float32)
    f = make_function(f"def f(x):\n    return np.sum({expr})\n", NAMESPACE, name="f")
    value, g = srcad.value_and_grad(f)(x)
    assert g.dtype == np.float32 and np.result_type(value) == np.float32, (g.dtype, value)


@pytest.mark.parametrize("expr, why", [
    ("np.cov(x, dtype=np.float32)", "does not take these arguments"),
    ("np.nanvar(x, where=x > 0)", "does not take these arguments"),
    ("np.ptp(x, out=np.empty(3))", "out="),
    ("np.linalg.multi_dot([x, x.T], out=np.empty((2, 2)))", "out="),
    ("np.cov(x, fweights=x[0] * 0 + 2)", "no gradient of np.cov with respect to 'fweights'"),
    ("np.polymul(np.concatenate((np.zeros(1), x[0])), x[1])", "leading zero"),
    ("np.polyadd(np.poly1d(np.array([1.0, 2.0])), x[0])", "np.poly1d"),
    ("np.nanmedian(x, 0, np.empty(3))", "out="),
    ("np.nanquantile(x, 0.5, out=np.empty(()))", "out="),
    ("np.nanpercentile(x, 50, axis=0, method='weibull')", "weibull"),
    ("np.nanquantile(x, x[0, 0] * 0 + 0.5)", "no gradient of np.quantile with respect to 'q'"),
    ("np.choose(np.array([0, 1, 0]), x, mode='clip')", "mode='raise' only"),
    ("np.compress([1, 0], x, axis=0, out=np.empty((1, 3)))", "out="),
    ("np.polyfit(x[0], x[1], 1, full=True)[0]", "full=True"),
    ("np.polyfit(x[0], x[1], 1, cov=True)[0]", "cov="),
    ("np.polydiv(x[0, 0] * 0 + np.array([1.0, 1.0, 1.0, 6.0]), np.array([1.0, 0.0, 1.0]))[1]",
     "close to 0"),
    ("np.abs(np.roots(np.concatenate((np.zeros(1), x[0]))))", "leading or trailing zero"),
    ("np.abs(np.roots(np.concatenate((x[0], np.zeros(1)))))", "leading or trailing zero"),
    ("np.abs(np.poly(x[0, 0] * np.array([1 + 1j, 1 - 1j])))", "conjugate pairs"),
    ("np.poly(np.eye(2) * x[0, 0])", "repeated"),
])
def test_what_a_composite_does_not_take_is_refused_at_the_users_line(expr, why):
    f = make_function(f"def f(x):\n    y = x * 2\n    return np.sum({expr.replace('x', 'y')})\n",
                      NAMESPACE, name="f")
    with pytest.raises(srcad.SrcadError, match=why) as refused, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        srcad.grad(f)(np.arange(1.0, 7.0).reshape(2, 3))
    assert re.search(r"<srcad-test-\d+>:3:", str(refused.value)), str(refused.value)


def test_no_gradient_through_a_composite_runs_numpys_values():
    f = make_function("def f(x):\n    c = np.cov(np.ones((2, 3)), dtype=np.float32)\n"
                      "    return np.sum(x * c[0, 0])\n", NAMESPACE, name="f")
    assert np.allclose(srcad.grad(f)(np.ones(2)), 0.0)


def test_a_composite_in_a_loop_with_values_changing():
    f = make_function("""
        def f(x):
            total = 0.0
            for k in range(3):
                x = x * 1.5
                total = total + np.sum(np.cov(x) ** 2) + np.ptp(x[k % 2])
            return total
        """, NAMESPACE, name="f")
    x = np.random.default_rng(1).normal(size=(2, 4))
    check_grad(f, [x])
    check_hvp(f, [x], 0, rtol=1e-4)


def test_nan_order_statistics_and_selections_in_a_loop_with_nans_moving():
    f = make_function("""
        def f(x):
            total = 0.0
            for k in range(3):
                x = x * 1.3
                y = np.where(np.arange(x.size).reshape(x.shape) % 3 == k, np.nan, x)
                if k == 1:
                    total = total + np.sum(np.nanquantile(y, [0.3, 0.8], axis=1) ** 2)
                else:
                    total = total + np.nanmedian(y) * np.sum(np.trim_zeros(x[k] * (x[k] > 0)))
            return total
        """, NAMESPACE, name="f")
    x = np.random.default_rng(6).normal(size=(3, 5))
    check_grad(f, [x])
    check_jvp(f, [x], [0])
    check_hvp(f, [x], 0, rtol=1e-4)


def test_the_generated_code_shows_the_implementation_as_a_callee(tmp_path):
    f = make_function("def f(x):\n    return np.sum(np.cov(x) ** 2)\n", NAMESPACE, name="f")
    derived = srcad.grad(f)
    x = np.random.default_rng(2).normal(size=(2, 4))
    derived(x)
    text = srcad.source(derived)
    assert "forward_cov(" in text and "backward_cov(" in text
    assert "line 3" not in text.split("def forward_cov")[0]  # (the user's lines, then the callee)
    path = str(tmp_path / "exported.py")
    srcad.export(derived, path)
    namespace = {}
    exec(compile(open(path).read(), path, "exec"), namespace)
    exported = next(v for k, v in namespace.items() if k.startswith("grad_f"))
    np.testing.assert_allclose(exported(x)[1], derived(x), rtol=1e-12)
    srcad.check_grads(f, (x,))
    np.testing.assert_allclose(srcad.jvp(f, (x,), (x,))[1], np.sum(derived(x) * x), rtol=1e-10)


# a sample against JAX's gradient (x64)
JAX_SAMPLE = ["np.cov(x)", "np.corrcoef(x)", "np.ptp(x, axis=1)", "np.nanvar(x, axis=0)",
              "np.trapezoid(x, axis=0)", "np.linalg.vector_norm(x, axis=1)",
              "np.linalg.matrix_norm(x, ord='nuc')", "np.linalg.multi_dot([x, x.T, x])",
              "np.cumulative_sum(x, axis=1, include_initial=True)", "np.polyint(x[0], 2)",
              "np.vander(x[1], 3)", "np.diagflat(x)", "np.delete(x, 1, axis=1)",
              "np.geomspace(x[0, 0] + 2.0, x[1, 1] + 3.0, 4)", "np.linalg.svdvals(x)",
              "np.nanmedian(x, axis=0)", "np.nanquantile(x, np.array([0.2, 0.6]), axis=1)",
              "np.nanpercentile(x, 30, axis=(0, 1))", "np.unwrap(x * 4)", "np.i0(x * 6)",
              "np.polyfit(np.linspace(0, 1, 3), x, 2)", "np.compress(np.array([1, 0, 1]), x, axis=0)",
              "np.extract(x > 0, x)", "np.choose(np.array([2, 0, 1, 1]), x)"]


@pytest.mark.parametrize("expr", JAX_SAMPLE)
def test_against_jax(expr):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy
    x = np.random.default_rng(4).normal(size=(3, 4))
    c = np.random.default_rng(5).normal(size=np.shape(eval(expr, NAMESPACE, {"x": x})))
    f = make_function(f"def f(x):\n    return np.sum(c * {expr})\n", {**NAMESPACE, "c": c}, name="f")
    expected = jax.grad(lambda x: jnp.sum(c * eval(expr, {"np": jnp}, {"x": x})))(jnp.asarray(x))
    np.testing.assert_allclose(srcad.grad(f)(x), np.asarray(expected), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("body", [
    "return np.sum(np.cov(x, aweights=w) * 2.0)",
    # (a tuple result unpacked: the runtime's helpers that import others lazily, in their body)
    "c, r, k, s = np.linalg.lstsq(x.T, w, rcond=None)\n    return np.sum(c ** 2) + "
    "np.sum(np.linalg.matrix_transpose(x) ** 2) + np.sum(np.polyfit(w, w * w, 2) ** 2)",
])
def test_an_exported_composite_needs_no_srcad(tmp_path, body):
    # (np.cov's implementation calls helpers of srcad's own rule modules: the exported module
    # copies them, and the constants and modules they read, as it copies the runtime's, and
    # imports nothing of srcad)
    f = make_function(f"def f(x, w):\n    {body}\n", NAMESPACE, name="f")
    derived = srcad.grad(f)
    rng = np.random.default_rng(3)
    x, w = rng.normal(size=(3, 5)), rng.uniform(0.5, 1.5, size=5)
    path = tmp_path / "exported.py"
    srcad.export(derived, str(path))
    text = path.read_text()
    assert "srcad" not in "".join(line for line in text.splitlines(keepends=True)
                                  if line.startswith(("import ", "from ")))
    script = (f"import sys\nsys.modules['srcad'] = None\nsys.path.insert(0, {str(tmp_path)!r})\n"
              "import numpy as np, exported\n"
              "fn = next(getattr(exported, n) for n in dir(exported) if n.startswith('grad_f'))\n"
              f"x = np.array({x.tolist()})\nw = np.array({w.tolist()})\n"
              "print(repr(fn(x, w)[1].tolist()))\n")
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    np.testing.assert_allclose(eval(out.stdout), derived(x, w), rtol=1e-12)
