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
from rulecheck import check_hvp, check_jvp
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
            yield pytest.param(expr, makers, id=f"{getattr(fn, '__name__', fn)}-{k}")


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
