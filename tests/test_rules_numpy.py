"""The rules that are not elementwise, each checked against finite differences on several shapes.

``CASES`` maps each such function to test expressions; ``test_every_rule_is_tested`` fails if a
differentiable rule of the table is covered neither here nor by the elementwise tests.
"""

import builtins
import math
import operator

import numpy as np
import pytest

import srcad
from srcad import rules
from gradcheck import check_grad, make_function
from rulecheck import case_id, is_elementwise


def vec(n, lo=-1.0, hi=1.0):
    return lambda rng: rng.uniform(lo, hi, size=n)


def mat(*shape):
    return lambda rng: rng.normal(size=shape)


def spd(n):
    def make(rng):
        m = rng.normal(size=(n, n))
        return m @ m.T + n * np.eye(n)
    return make


def scalar(lo=-1.0, hi=1.0):
    return lambda rng: float(rng.uniform(lo, hi))


def positive(*shape):
    return lambda rng: rng.uniform(0.5, 1.5, size=shape)


# function -> [(expression in x, y, z; input makers)]; the expression's value may be an array: the
# test contracts it with a random cotangent.
CASES = {
    np.sum: [("np.sum(x)", [mat(2, 3)]), ("np.sum(x, axis=-1)", [mat(2, 3, 4)]),
             ("np.sum(x, axis=(0, 2), keepdims=True)", [mat(2, 3, 4)]), ("np.sum(x)", [scalar()])],
    np.mean: [("np.mean(x, axis=0)", [mat(3, 2)]), ("x.mean(axis=-1, keepdims=True)", [mat(3, 2)])],
    np.max: [("np.max(x, axis=1)", [mat(3, 4)]), ("x.max()", [mat(3, 4)])],
    np.min: [("np.min(x, axis=-2, keepdims=True)", [mat(3, 4)]), ("x.min(axis=0)", [mat(3, 4)])],
    np.prod: [("np.prod(x)", [positive(4)]), ("np.prod(x, axis=1)", [mat(3, 4)]),
              ("x.prod(axis=-1, keepdims=True)", [mat(2, 3)]),
              ("np.prod(x * np.array([1.0, 0.0, 1.0]), axis=0)", [mat(2, 3)])],
    np.var: [("np.var(x)", [mat(5)]), ("np.var(x, axis=0, ddof=1)", [mat(4, 3)]),
             ("x.var(axis=-1, keepdims=True)", [mat(2, 5)])],
    np.std: [("np.std(x)", [mat(5)]), ("np.std(x, axis=1, ddof=1)", [mat(3, 4)]),
             ("x.std(axis=0)", [mat(4, 2)])],
    np.cumsum: [("np.cumsum(x)", [mat(2, 3)]), ("np.cumsum(x, axis=1)", [mat(2, 3)]),
                ("x.cumsum(axis=-2)", [mat(3, 2)])],
    np.cumprod: [("np.cumprod(x)", [mat(4)]), ("np.cumprod(x, axis=0)", [mat(3, 2)]),
                 ("np.cumprod(x * np.array([1.0, 0.0, 1.0]))", [mat(3)])],
    np.trace: [("np.trace(x)", [mat(3, 3)]), ("np.trace(x, 1)", [mat(3, 4)]),
               ("np.trace(x, -1, 1, 2)", [mat(2, 3, 3)])],
    np.linalg.norm: [("np.linalg.norm(x)", [mat(4)]), ("np.linalg.norm(x)", [mat(3, 2)]),
                     ("np.linalg.norm(x, 1)", [mat(4)]), ("np.linalg.norm(x, np.inf)", [mat(4)]),
                     ("np.linalg.norm(x, 3)", [mat(4)]), ("np.linalg.norm(x, axis=1)", [mat(3, 4)]),
                     ("np.linalg.norm(x, 'fro')", [mat(3, 3)]),
                     ("np.linalg.norm(x, 'nuc')", [mat(3, 3)]),
                     ("np.linalg.norm(x, 2)", [mat(3, 3)]), ("np.linalg.norm(x, 1)", [mat(3, 3)]),
                     ("np.linalg.norm(x, np.inf)", [mat(3, 3)]),
                     ("np.linalg.norm(x, axis=-1, keepdims=True)", [mat(2, 3)])],
    np.dot: [("np.dot(x, y)", [mat(3), mat(3)]), ("np.dot(x, y)", [mat(2, 3), mat(3, 4)]),
             ("np.dot(x, y)", [scalar(), mat(2, 2)]), ("x.dot(y)", [mat(2, 3), mat(3)])],
    np.matmul: [("x @ y", [mat(3), mat(3)]), ("x @ y", [mat(2, 3), mat(3)]),
                ("x @ y", [mat(3), mat(3, 4)]), ("np.matmul(x, y)", [mat(5, 2, 3), mat(3, 4)]),
                ("x @ y", [mat(2, 3), mat(5, 3, 4)]), ("x @ y", [mat(1, 2, 3), mat(4, 3, 2)])],
    np.inner: [("np.inner(x, y)", [mat(3), mat(3)]), ("np.inner(x, y)", [mat(2, 3), mat(4, 3)])],
    np.vdot: [("np.vdot(x, y)", [mat(3), mat(3)]), ("np.vdot(x, y)", [mat(2, 3), mat(3, 2)])],
    np.outer: [("np.outer(x, y)", [mat(3), mat(4)]), ("np.outer(x, y)", [mat(2, 2), mat(3)])],
    np.tensordot: [("np.tensordot(x, y)", [mat(2, 3, 4), mat(3, 4, 2)]),
                   ("np.tensordot(x, y, axes=1)", [mat(2, 3), mat(3, 4)]),
                   ("np.tensordot(x, y, axes=([0, 2], [2, 0]))", [mat(2, 3, 4), mat(4, 5, 2)])],
    np.einsum: [("np.einsum('ij,jk->ik', x, y)", [mat(2, 3), mat(3, 4)]),
                ("np.einsum('ij,ij->i', x, y)", [mat(2, 3), mat(2, 3)]),
                ("np.einsum('i,j', x, y)", [mat(2), mat(3)]),
                ("np.einsum('bij,bjk->bik', x, y)", [mat(2, 2, 3), mat(2, 3, 2)]),
                ("np.einsum('ij->j', x)", [mat(3, 2)]),
                ("np.einsum('ijk,k->', x, y)", [mat(2, 3, 4), mat(4)]),
                ("np.einsum('ii->i', x)", [mat(3, 3)]), ("np.einsum('ii', x)", [mat(3, 3)]),
                ("np.einsum('iij,j->i', x, y)", [mat(2, 2, 3), mat(3)]),
                ("np.einsum('...ij,...j', x, y)", [mat(2, 2, 3), mat(3)])],
    np.kron: [("np.kron(x, y)", [mat(2, 3), mat(2, 2)]), ("np.kron(x, y)", [mat(3), mat(2)])],
    np.cross: [("np.cross(x, y)", [mat(3), mat(3)]), ("np.cross(x, y)", [mat(4, 3), mat(3)]),
               ("np.cross(x, y, axisa=0, axisc=0)", [mat(3, 4), mat(4, 3)])],
    # srcad/rules/numpy_more.py (more cases in tests/test_rules_numpy_more.py)
    np.diff: [("np.diff(x, 2, axis=0, prepend=y)", [mat(4, 3), mat(1, 3)])],
    np.convolve: [("np.convolve(x, y, 'same')", [mat(5), mat(3)])],
    np.correlate: [("np.correlate(x, y, 'full')", [mat(3), mat(4)])],
    np.median: [("np.median(x, axis=-1)", [mat(2, 5)])],
    np.quantile: [("np.quantile(x, [0.2, 0.7], axis=0)", [mat(5, 2)])],
    np.percentile: [("np.percentile(x, 30, keepdims=True)", [mat(2, 3)])],
    np.average: [("np.average(x, axis=0, weights=y)", [mat(3, 2), positive(3)])],
    np.nansum: [("np.nansum(x, axis=1)", [mat(2, 3)])],
    np.nanmean: [("np.nanmean(x, axis=-1, keepdims=True)", [mat(2, 3)])],
    np.nanmax: [("np.nanmax(x, axis=0)", [mat(3, 2)])],
    np.nanmin: [("np.nanmin(x)", [mat(4)])],
    np.maximum.accumulate: [("np.maximum.accumulate(x, axis=1)", [mat(2, 4)])],
    np.minimum.accumulate: [("np.minimum.accumulate(x)", [mat(5)])],
    np.nan_to_num: [("np.nan_to_num(x)", [mat(3)])],
    np.interp: [("np.interp(x, np.array([-2.0, 0.0, 2.0]), y)", [vec(4, -3.0, 3.0), mat(3)])],
    np.polyval: [("np.polyval(x, y)", [mat(3), mat(2, 2)])],
    np.float64: [("np.float64(x[0]) * x", [mat(2)])],
    np.gradient: [("np.gradient(x, 0.5, axis=-1)", [mat(2, 4)])],
    np.column_stack: [("np.column_stack((x, y))", [mat(3), mat(3, 2)])],
    np.append: [("np.append(x, y, axis=0)", [mat(2, 2), mat(1, 2)])],
    np.select: [("np.select([x > 0], [x * y], y)", [mat(4), mat(4)])],
    np.rollaxis: [("np.rollaxis(x, 2, 1)", [mat(2, 3, 4)])],
    np.hsplit: [("np.hsplit(x, 2)[1]", [mat(2, 4)])],
    np.vsplit: [("np.vsplit(x, [1])[1]", [mat(3, 2)])],
    np.dsplit: [("np.dsplit(x, 2)[0]", [mat(1, 2, 4)])],
    # srcad/rules/numpy_extra.py (more cases, and the composites: tests/test_rules_composites.py)
    np.ldexp: [("np.ldexp(x, np.array([1, -2, 3]))", [mat(2, 3)])],
    np.nextafter: [("np.nextafter(x, y)", [mat(4), mat(4)])],
    np.meshgrid: [("np.meshgrid(x, y, indexing='ij')[0] * np.meshgrid(x, y)[1].T", [mat(3), mat(2)])],
    np.copy: [("np.copy(x) * x", [mat(3)]), ("x.copy()", [mat(2, 2)])],
    np.array: [("np.array([x, y * 2.0, x * y])", [scalar(), scalar()]),
               ("np.array([[x, y], [y, x]])", [scalar(), scalar()]),
               ("np.array([x, y])", [mat(3), mat(3)])],
    np.asarray: [("np.asarray([x, y])", [scalar(), scalar()])],
    np.transpose: [("np.transpose(x)", [mat(2, 3)]), ("np.transpose(x, (1, 2, 0))", [mat(2, 3, 4)]),
                   ("x.T", [mat(2, 3)]), ("x.transpose(1, 0)", [mat(2, 3)])],
    np.reshape: [("np.reshape(x, (3, 2))", [mat(2, 3)]), ("x.reshape(-1)", [mat(2, 3)]),
                 ("x.reshape(3, 2)", [mat(6)])],
    np.ravel: [("np.ravel(x)", [mat(2, 3)]), ("x.ravel()", [mat(2, 3)]), ("x.flatten()", [mat(3, 2)])],
    np.swapaxes: [("np.swapaxes(x, 0, 2)", [mat(2, 3, 4)]), ("x.swapaxes(0, 1)", [mat(2, 3)])],
    np.moveaxis: [("np.moveaxis(x, 0, -1)", [mat(2, 3, 4)])],
    np.expand_dims: [("np.expand_dims(x, 1)", [mat(2, 3)])],
    np.squeeze: [("np.squeeze(x)", [mat(2, 1, 3)]), ("x.squeeze(axis=1)", [mat(2, 1, 3)])],
    np.atleast_1d: [("np.atleast_1d(x)", [scalar()])],
    np.atleast_2d: [("np.atleast_2d(x)", [mat(3)])],
    np.atleast_3d: [("np.atleast_3d(x)", [mat(2, 3)])],
    np.broadcast_to: [("np.broadcast_to(x, (4, 3))", [mat(3)]),
                      ("np.broadcast_to(x, (2, 3))", [mat(2, 1)])],
    np.concatenate: [("np.concatenate((x, y))", [mat(2), mat(3)]),
                     ("np.concatenate([x, y, x], axis=1)", [mat(2, 2), mat(2, 3)]),
                     ("np.concatenate((x, y), axis=None)", [mat(2, 2), mat(3)])],
    np.stack: [("np.stack((x, y))", [mat(3), mat(3)]), ("np.stack([x, y], axis=-1)", [mat(2, 2), mat(2, 2)])],
    np.hstack: [("np.hstack((x, y))", [mat(2), mat(3)]), ("np.hstack((x, y))", [mat(2, 2), mat(2, 1)])],
    np.vstack: [("np.vstack((x, y))", [mat(3), mat(3)]), ("np.vstack([x, y])", [mat(2, 3), mat(3)])],
    np.split: [("np.split(x, 3)[1] * np.split(x, 3)[2]", [mat(6)])],
    np.array_split: [("np.array_split(x, 2, axis=1)[0]", [mat(2, 5)])],
    np.tile: [("np.tile(x, 3)", [mat(2)]), ("np.tile(x, (2, 1, 2))", [mat(2, 3)])],
    np.repeat: [("np.repeat(x, 2)", [mat(2, 2)]), ("np.repeat(x, [1, 0, 2], axis=1)", [mat(2, 3)]),
                ("x.repeat(3, axis=0)", [mat(2, 2)])],
    np.flip: [("np.flip(x)", [mat(2, 3)]), ("np.flip(x, 1)", [mat(2, 3)])],
    np.fliplr: [("np.fliplr(x)", [mat(2, 3)])],
    np.flipud: [("np.flipud(x)", [mat(2, 3)])],
    np.roll: [("np.roll(x, 2)", [mat(5)]), ("np.roll(x, (1, -1), axis=(0, 1))", [mat(3, 4)])],
    np.rot90: [("np.rot90(x)", [mat(2, 3)]), ("np.rot90(x, 3)", [mat(2, 3)])],
    np.pad: [("np.pad(x, 2)", [mat(3)]), ("np.pad(x, ((1, 0), (2, 1)))", [mat(2, 2)]),
             ("np.pad(x, 1, constant_values=y)", [mat(2, 2), scalar()])],
    np.sort: [("np.sort(x)", [mat(5)]), ("np.sort(x, axis=0)", [mat(3, 2)])],
    np.r_: [("np.r_[x, y, 1:3]", [mat(3), mat(2)]), ("np.r_[x, y]", [mat(2, 2), mat(1, 2)])],
    np.c_: [("np.c_[x, y]", [mat(3), mat(3, 2)])],
    np.partition: [("np.partition(x, 2)", [mat(5)]), ("np.partition(x, (0, 2), axis=0)", [mat(4, 3)]),
                   ("np.partition(x, 1, axis=None)", [mat(2, 3)])],
    np.real_if_close: [("np.real_if_close(x + 0j)", [mat(3)]),
                       ("np.real(np.real_if_close(x * (1 + 1j)) * y)", [mat(3), mat(3)])],
    np.take: [("np.take(x, [0, 2, 2])", [mat(2, 3)]), ("np.take(x, [1, 1], axis=1)", [mat(2, 3)]),
              ("x.take([0, 3])", [mat(4)])],
    np.take_along_axis: [("np.take_along_axis(x, np.argsort(x, axis=1), axis=1)", [mat(2, 3)])],
    np.diag: [("np.diag(x)", [mat(3)]), ("np.diag(x)", [mat(3, 4)]), ("np.diag(x, 1)", [mat(3, 3)])],
    np.diagonal: [("np.diagonal(x)", [mat(3, 3)]), ("np.diagonal(x, -1, 1, 2)", [mat(2, 3, 3)]),
                  ("x.diagonal()", [mat(2, 3)])],
    np.tril: [("np.tril(x)", [mat(3, 3)]), ("np.tril(x, -1)", [mat(3, 4)])],
    np.triu: [("np.triu(x, 1)", [mat(3, 3)])],
    np.linalg.inv: [("np.linalg.inv(x)", [spd(3)]), ("np.linalg.inv(x)", [mat(3, 3)])],
    np.linalg.det: [("np.linalg.det(x)", [mat(3, 3)]), ("np.linalg.det(x)", [spd(2)])],
    np.linalg.slogdet: [("np.linalg.slogdet(x)[1]", [spd(3)]),
                        ("np.linalg.slogdet(x)[1] * 2.0", [mat(3, 3)])],
    np.linalg.solve: [("np.linalg.solve(x, y)", [spd(3), mat(3)]),
                      ("np.linalg.solve(x, y)", [mat(3, 3), mat(3, 2)])],
    np.linalg.cholesky: [("np.linalg.cholesky((x + x.T) / 2)", [spd(3)])],
    np.linalg.eigh: [("np.linalg.eigh((x + x.T) / 2)[0]", [spd(3)]),
                     ("np.abs(np.linalg.eigh((x + x.T) / 2)[1])", [spd(3)])],
    np.linalg.pinv: [("np.linalg.pinv(x)", [mat(3, 2)]), ("np.linalg.pinv(x)", [mat(3, 3)])],
    # (more linear algebra, stacks and degenerate points: tests/test_rules_linalg_more.py)
    np.linalg.eigvalsh: [("np.linalg.eigvalsh((x + x.T) / 2)", [spd(3)])],
    # (a general matrix: complex eigenvalues and vectors; more in tests/test_rules_eig.py)
    np.linalg.eig: [("np.real(np.linalg.eig(x)[0])", [mat(3, 3)]),
                    ("np.abs(np.linalg.eig(x)[1])", [mat(4, 4)]),
                    # (v ** 2, not v: NumPy's eigenvectors of a real matrix have arbitrary signs)
                    ("np.imag(np.linalg.eig(x)[1] ** 2) * np.real(np.linalg.eig(x)[0])", [mat(3, 3)])],
    np.linalg.eigvals: [("np.imag(np.linalg.eigvals(x))", [mat(4, 4)]),
                        ("np.real(np.linalg.eigvals(x))", [mat(2, 3, 3)])],
    np.linalg.svd: [("np.linalg.svd(x, compute_uv=False)", [mat(3, 2)]),
                    ("np.linalg.svd(x, full_matrices=False)[0] ** 2", [mat(3, 2)])],
    np.linalg.qr: [("np.linalg.qr(x)[0] + np.linalg.qr(x)[1][0]", [mat(3, 2)])],
    np.linalg.lstsq: [("np.linalg.lstsq(x, y)[0]", [mat(4, 2), mat(4)])],
    np.linalg.matrix_power: [("np.linalg.matrix_power(x, 3)", [mat(3, 3)]),
                             ("np.linalg.matrix_power(x, -2)", [spd(3)])],
    np.where: [("np.where(x > 0, x * y, y)", [mat(4), mat(4)]),
               ("np.where(x > 0, x, 0.5)", [mat(2, 3)])],
    np.sinc: [("np.sinc(x)", [mat(5)])],
    np.copysign: [("np.copysign(x, y)", [mat(4), mat(4)])],
    np.float_power: [("np.float_power(x, y)", [positive(3), mat(3)]),
                     ("np.float_power(x, 2)", [mat(2, 2)])],
    builtins.max: [("max(x, y)", [scalar(0.5, 1.0), scalar(-1.0, 0.4)]),
                   ("max(x, y, x * y)", [scalar(-1.0, 0.4), scalar(0.5, 1.0)]),
                   ("max([x, y * 2.0])", [scalar(-1.0, 0.4), scalar(0.5, 1.0)])],
    builtins.min: [("min(x, y)", [scalar(0.5, 1.0), scalar(-1.0, 0.4)]),
                   ("min(x * 2.0, y, 3.0)", [scalar(-1.0, 0.4), scalar(0.5, 1.0)])],
    builtins.sum: [("sum([x, y, x * y])", [scalar(), scalar()]), ("sum((x, y))", [mat(2), mat(2)]),
                   ("sum(x)", [mat(3, 2)])],
    math.fsum: [("math.fsum([x, y * 2.0])", [scalar(), scalar()])],
    builtins.list: [("np.stack(list(x))", [mat(3, 2)]), ("list((x, y * x))[1]", [mat(2), mat(2)]),
                    ("np.stack(list([x, y * x]))", [mat(2), mat(2)]),
                    ("np.stack(list(x)) ** 2", [mat(3, 2)])],
    builtins.tuple: [("np.array(tuple(x))", [mat(3)]), ("tuple([x, y])[0] * y", [mat(2), mat(2)]),
                     ("np.stack(tuple([x, np.sin(y)]))", [mat(2), mat(2)]),
                     ("np.stack(tuple(x)) * x", [mat(2, 2)])],
    builtins.sorted: [("np.array(sorted(x))", [mat(4)]),
                      ("np.array(sorted([x, y * 2.0, x * y], reverse=True))", [scalar(), scalar()]),
                      ("np.array(sorted(x, key=abs))", [mat(4)])],
    builtins.dict: [("dict([('a', x), ('b', y * 2.0), ('a', y)])['a'] * x", [mat(2), mat(2)]),
                    ("dict({'a': x})['a'] * y", [mat(2), mat(2)])],
    rules.methods.copy: [("x.copy() * y", [mat(3), mat(3)]),
                         ("[x, y].copy()[1] * x", [mat(2), mat(2)]),
                         ("{'a': x}.copy()['a'] * y", [mat(2), mat(2)])],
    rules.methods.get: [("{'a': x, 'b': y}.get('b', x) + {'a': x}.get('b', y * 2.0)",
                         [mat(2), mat(2)])],
    operator.getitem: [("x[1]", [mat(4, 3)]), ("x[-1, ::2]", [mat(4, 3)]), ("x[None, 1:3]", [mat(4)]),
                       ("x[..., 0]", [mat(2, 3)]), ("x[[0, 0, 2]]", [mat(3, 2)]),
                       ("x[x > 0]", [mat(3, 3)]), ("x[[0, 1], 1:]", [mat(2, 3)])],
    rules.astype: [("x.astype(np.float64) * x", [mat(3)]),
                   ("x.astype(int) * x", [positive(3)])],
    rules.item: [("x.item() * x", [mat(1)]), ("x.item(1, 0) * x", [mat(2, 2)])],
    rules.flatten: [("x.flatten() * 2.0", [mat(3, 2)]), ("x.T.flatten()[::2] ** 2", [mat(2, 3)])],
    np.full: [("np.full((2, 3), x)", [scalar()]), ("np.full((2, 3), x)", [mat(3)])],
    np.full_like: [("np.full_like(y, x)", [scalar(), mat(2, 2)])],
    np.linspace: [("np.linspace(x, y, 5)", [scalar(), scalar(1.5, 2.0)])],
    np.arange: [("np.arange(x, 4.0, y)", [scalar(), scalar(0.3, 0.6)]),
                ("np.arange(x, 3.0) * x", [scalar()])],
    np.bincount: [("np.bincount(np.array([2, 0, 2, 1]), x, 4)", [mat(4)])],
    np.heaviside: [("np.heaviside(np.array([0.0, 1.0, -2.0, 0.0]), x)", [mat(4)]),
                   ("np.heaviside(x, y)", [vec(3, 0.5, 1.0), scalar()])],
    np.clip: [("np.clip(x, -0.5, 0.5)", [vec(6)]), ("x.clip(-0.3, None)", [vec(6)]),
              ("np.clip(x, None, 0.2)", [vec(6)]),
              ("np.clip(z, x, y)", [scalar(-0.5, 0.0), scalar(0.2, 0.6), vec(6)]),
              ("np.clip(y, x, 1.0)", [vec(4, -0.2, 0.2), vec(4)]),
              ("np.clip(y, min=x, max=0.3)", [scalar(-0.5, 0.0), vec(5)]),
              ("np.clip(x, max=y)", [vec(5), scalar(-0.2, 0.2)])],
}
CASES[np.block] = [("np.block([[x, y], [y, x]])", [mat(2, 2), mat(2, 2)]),
                   ("np.block([x[0], y, 2.0, x[1, 1]])", [mat(2, 3), mat(4)]),
                   ("np.block([[[x]], [[y]]])", [mat(2, 2), mat(2, 2)]),
                   ("np.block([[x, np.zeros((2, 1))], [y, 1.0]])", [mat(2, 2), mat(1, 2)]),
                   ("np.block(x)", [mat(2, 3)])]
CASES[np.einsum].append(("np.einsum('ij,jk,k->i', x, y, z, optimize=True)",
                         [mat(2, 3), mat(3, 4), mat(4)]))
if hasattr(np, "astype"):  # (NumPy >= 2.1)
    CASES[np.astype] = [("np.astype(x, np.float64) ** 2", [mat(2, 3)]),
                        ("np.astype(x, np.float64, copy=False) * x", [mat(3)]),
                        ("np.astype(x, int) * x", [vec(4)])]


def case_params():
    for fn, cases in CASES.items():
        for k, (expr, makers) in enumerate(cases):
            yield pytest.param(expr, makers, id=case_id(fn, k))


@pytest.mark.parametrize("expr, makers", list(case_params()))
def test_rule(expr, makers):
    names = ["x", "y", "z"][:len(makers)]
    rng = np.random.default_rng(11)
    args = [make(rng) for make in makers]
    value = eval(expr, {"np": np, "math": math}, dict(zip(names, args)))
    w = rng.normal(size=np.shape(value))
    f = make_function(f"""
        def f({', '.join(names)}):
            return np.sum(({expr}) * w)
        """, {"w": w, "math": math})
    check_grad(f, args, argnums=tuple(range(len(names))), rtol=1e-4, atol=1e-5)


def test_every_rule_is_tested():
    from test_rules_fft import CASES as FFT_CASES  # (families tested in files of their own)
    from test_rules_scipy import CASES as SCIPY_CASES  # (empty without SciPy)
    # (rules.lookup registers SciPy's rules lazily, as a user's first call does: alone, this test
    # may run before any other has)
    covered = {id(rules.lookup(fn)) for fn in {**CASES, **FFT_CASES, **SCIPY_CASES}} | {
        id(r) for fn in CASES for r in rules.OVERLOADS.get(fn, [])} | {
        id(rule) for fn, rule in rules.RULES.items() if rule.differentiable and is_elementwise(fn, rule)}
    covered.add(id(rules.RULES[getattr]))  # attributes of objects: tests/test_python_objects.py
    untested = [rule.name for rule in rules.RULES.values()  # built in: not users' srcad.defvjp
                if rule.differentiable and rule.custom is None and id(rule) not in covered
                and not rule.name.startswith("srcad.runtime.")  # helpers: tests/test_forward.py
                and not rule.name.startswith("srcad.rules.composites.")]  # test_rules_composites.py
    assert not untested, f"rules without a test in CASES: {untested}"


@pytest.mark.parametrize("fn, rule", [(fn, rule) for fn, rule in rules.RULES.items()
                                      if rule.differentiable and isinstance(fn, np.ufunc)
                                      and rule.name.startswith("numpy.")
                                      and len(rule.params) <= 2 and set(rule.vjps) == set(rule.params)],
                         ids=lambda v: getattr(v, "__name__", ""))
def test_float32_in_float32_out(fn, rule):
    lo, hi = (1.5, 2.0) if fn is np.arccosh else (0.3, 0.7)
    x = np.linspace(lo, hi, 4).astype(np.float32)
    args = ", ".join(["x"] * len(rule.params))
    f = make_function(f"""
        def f(x):
            return np.sum(np.{fn.__name__}({args}))
        """)
    g = srcad.grad(f)(x)
    assert g.dtype == np.float32, (fn.__name__, g.dtype)


def test_integer_inputs_promote_to_float():
    f = make_function("""
        def f(x):
            return np.sum(np.exp(x) * x)
        """)
    g = srcad.grad(f)(np.array([1, 2, 3]))
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, np.exp([1, 2, 3]) * (1 + np.array([1, 2, 3])))


def test_tuple_list_dict_arguments_get_gradients_of_the_same_structure():
    f = make_function("""
        def f(params, pair, xs):
            W = params["W"]
            b = params["b"]
            return np.sum(W @ pair[0] + b) * pair[1] + xs[0] * xs[2]
        """)
    params = {"W": np.ones((2, 3)), "b": np.array([0.5, -0.5]), "unused": np.zeros(2)}
    pair = (np.array([1.0, 2.0, 3.0]), 2.0)
    xs = [1.0, 2.0, 3.0]
    dparams, dpair, dxs = srcad.grad(f, argnums=(0, 1, 2))(params, pair, xs)
    assert type(dparams) is dict and set(dparams) == {"W", "b", "unused"}
    np.testing.assert_allclose(dparams["W"], np.tile([2.0, 4.0, 6.0], (2, 1)))
    np.testing.assert_allclose(dparams["b"], [2.0, 2.0])
    np.testing.assert_allclose(dparams["unused"], [0.0, 0.0])
    assert type(dpair) is tuple
    np.testing.assert_allclose(dpair[0], [4.0, 4.0, 4.0])
    assert dpair[1] == pytest.approx(12.0)
    assert type(dxs) is list and dxs == [3.0, 0.0, 1.0]


@pytest.mark.parametrize("expr, expected", [
    ("np.hypot(x, x)", 0.0), ("math.hypot(x, x)", 0.0), ("np.linalg.norm(np.array([x, x]))", 0.0),
    ("np.std(np.array([x, x]))", 0.0), ("np.prod(np.array([x, 2.0]))", 2.0),
    ("abs(x)", 0.0), ("np.sqrt(x)", np.inf),
])
def test_conventions_where_the_derivative_is_undefined(expr, expected):
    f = make_function(f"""
        def f(x):
            return {expr}
        """, {"math": math})
    with np.errstate(divide="ignore"):
        assert srcad.grad(f)(0.0) == expected


@pytest.mark.parametrize("reduction", ["sum", "max", "min", "prod"])  # mean, var, std: NumPy refuses
def test_reductions_of_a_scalar_along_axis_minus_one(reduction):
    # found by the fuzzer (seed 9662): NumPy reduces a 0-d value along axis 0 or -1
    f = make_function(f"""
        def f(x):
            return np.{reduction}(np.sin(x) + 2.0, axis=-1) * 3.0
        """)
    check_grad(f, [0.4])


W_GLOBAL = np.array([[1.0, 2.0], [3.0, 4.0], [0.5, -1.0]])


@pytest.mark.parametrize("source", [
    "def f(x):\n    return np.sum(W.dot(x) ** 2)\n",                  # a global array's method
    "def f(x):\n    return np.sum(np.ones((3, 2)).dot(x))\n",         # an expression's method
    "def f(x):\n    m = (x > 0) & (x < 1) | (x > 5)\n    y = x * 1.0\n    y[~m] = 0.0\n"
    "    z: float\n    return np.sum(y * y)\n",                         # masks with &, |, ~
])
def test_constant_array_methods_masks_and_annotations(source):
    # found by an adversarial review: these were refused although supported
    f = make_function(source, {"W": W_GLOBAL})
    check_grad(f, [np.array([0.3, -0.5])])
