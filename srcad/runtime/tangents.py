"""Runtime helpers of forward mode (``srcad.jvp``): tangents of values and of primitives.

Accepts: a tangent (``v``) and the primal values the JVP template names.
Guarantees: tangents are shaped like the values they belong to. A container's tangent is a
container of the same kind (a plain list for a list, so that ``+`` on two list tangents
concatenates as on the lists). The helpers declare their own derivatives too, so forward mode can
run over code forward mode generated.
"""

from __future__ import annotations

import numpy as np

from ._registry import helper
from .containers import ABSENT, DictAdjoint, _SequenceAdjoint, _float_dtype, zeros_like
from .objects import ObjectAdjoint, structure, zero_value
from .broadcasting import _SCALAR_TYPES, refuse_complex, refuse_complex_vectors
from .assembly import _cast_kind, partition_order
from .linalg import inverse_gaps, mT
from .products import einsum_adjoint, einsum_normal
from .namespaces import as_array, as_float_array, eye_like, foreign_array, refuse_other_library, \
    zeros_shaped


@helper(nondiff=True)
def zero_tangent(x):
    """The tangent of a value no tangent reached: zeros shaped and typed like ``x`` (floating
    point), containers of zeros for containers, ``None`` for ``None``."""
    if x is None or x is ABSENT:  # (ABSENT: a dict's entry saved before its key existed)
        return x
    if isinstance(x, (_SequenceAdjoint, DictAdjoint, ObjectAdjoint)):
        return zeros_like(x)
    if structure(x) is not None:  # an object: one of its class, zeros in its attributes
        return zero_value(x)
    if isinstance(x, dict):
        return {k: zero_tangent(v) for k, v in x.items()}
    if isinstance(x, list):
        return [zero_tangent(v) for v in x]
    if isinstance(x, tuple):
        return tuple(zero_tangent(v) for v in x)
    if isinstance(x, (str, bytes, range, slice)) or callable(x):
        return None
    return zeros_like(x)


@helper(nondiff=True)
def one_like(x, name="x"):
    """The unit tangent of a scalar argument (``grad`` of a derivative differentiates by forward
    mode, one direction per scalar argument)."""
    if np.ndim(x) != 0 or isinstance(x, (list, tuple, dict)):
        from ..errors import SrcadError
        raise SrcadError(
            f"grad of a derivative differentiates with respect to scalar arguments, but '{name}' "
            f"has shape {np.shape(x)}",
            hint="for arrays use srcad.hessian, srcad.hvp or srcad.jacfwd(srcad.grad(f))")
    return 1.0 if isinstance(x, (int, float)) else np.ones((), dtype=_float_dtype(x))[()]


@helper(linear_in="v")
def broadcast_tangent(v, ans):
    """``v`` broadcast to the shape of ``ans`` (``y = x + c`` with only a scalar ``x`` varying:
    the tangent of ``y`` is ``x``'s tangent in every entry)."""
    if type(v) in _SCALAR_TYPES and type(ans) in _SCALAR_TYPES:
        return v
    shape = np.shape(ans)
    if np.shape(v) == shape:
        return v
    return np.broadcast_to(as_array(v, like=ans), shape).copy()  # (in ans's library)


@helper(linear_in="v")
def tangent_sum(v):
    """The tangent of the builtin ``sum(iterable)``: the sum of the entries' tangents."""
    if isinstance(v, (list, tuple)):
        total = 0.0
        for item in v:
            total = total + item
        return total
    return np.sum(v, axis=0)


@helper(linear_in="v")
def extremum_tangent(v, args, k, ans):
    """Tangent of the builtin ``max``/``min`` of several values (or of one sequence): the tangent
    of the first argument equal to the result (the convention of the VJP)."""
    if len(args) == 1:
        first = next(j for j, value in enumerate(args[0]) if value == ans)
        return v[first]
    first = next(j for j, value in enumerate(args) if value == ans)
    return v if k == first else zero_tangent(args[k])


@helper(linear_in=("p", "v"))
def reduction_tangent(p, v, axis=None, keepdims=False):
    """Tangent of a reduction along ``axis`` whose partial derivatives are ``p`` (shaped like the
    input): the partials times the tangent, summed along the reduced axes."""
    product = np.multiply(p, v)
    if np.ndim(product) == 0:
        return product
    return np.sum(product, axis=axis, keepdims=keepdims)


@helper(linear_in="v")
def real_tangent(v, ans):
    """The tangent ``v`` of a real result ``ans`` (a norm, a variance of a complex value, computed
    as a sum of gradient times tangent: ``Re(sum(conj(x) t)) / |x|``): its real part."""
    return np.real(v) if np.iscomplexobj(v) and not np.iscomplexobj(ans) else v


@helper(linear_in="v")
def astype_tangent(v, dtype):
    """Tangent of ``a.astype(dtype)``: zero for a cast to integers or booleans, the real part of a
    complex tangent for a cast to a real type; ``None``: no cast."""
    if dtype is None:
        return v
    kind = _cast_kind(dtype)
    if kind in "biu":
        return zeros_shaped(np.shape(v), _float_dtype(np.real(v)), v)
    if kind == "f":
        v = np.real(v)
    return as_float_array(v, dtype) if foreign_array(v) else as_array(v).astype(dtype)


@helper(linear_in="v")
def split_tangent(v, ans, axis=0):
    """Tangent of ``np.split``/``np.array_split``: ``v`` cut where the result was cut."""
    sizes = [np.shape(part)[axis] for part in ans]
    return np.split(v, np.cumsum(sizes)[:-1].tolist(), axis)


@helper(linear_in="v")
def sort_tangent(v, a, axis=-1):
    """Tangent of ``np.sort``: the tangent entries follow their values."""
    order = np.argsort(a, axis=axis, kind="stable")
    if axis is None:
        return np.ravel(v)[order]
    return np.take_along_axis(as_array(v), order, axis=axis)


@helper(linear_in="v")
def partition_tangent(v, a, ans, kth, axis=-1):
    """Tangent of ``np.partition``: the tangent entries follow their values."""
    order, ax = partition_order(a, ans, kth, axis)
    v = np.broadcast_to(v, np.shape(a))
    return np.take_along_axis(np.ravel(v) if axis is None else v, order, axis=ax)


@helper(linear_in="v", nonlinear=("a", "ans"))
def cumprod_tangent(v, a, ans, axis=None):
    """Tangent of ``np.cumprod``: sum over i <= j of v_i times the product of the other a_k, k <= j
    (exact at zeros too)."""
    dtype = _float_dtype(a, v)  # (complex for a complex product)
    a, v = as_float_array(a, dtype), as_float_array(v, dtype)
    if axis is None:
        a, v, axis = a.ravel(), v.ravel(), 0
    if np.all(a != 0):
        return ans * np.cumsum(v / a, axis=axis)
    a, v = np.moveaxis(a, axis, -1), np.moveaxis(v, axis, -1)
    n = a.shape[-1]
    out = zeros_shaped(a.shape, dtype, a)
    for i in range(n):
        factors = a.copy()
        factors[..., i] = v[..., i]
        part = np.cumprod(factors, axis=-1)
        part[..., :i] = 0
        out += part
    return np.moveaxis(out, -1, axis)


@helper(linear_in="v", nonlinear=("subscripts", "operands"))
def einsum_tangent(v, subscripts, operands, k):
    """Tangent of ``np.einsum`` with respect to ``operands[k]`` (``k == -1``: ``subscripts``, an
    array in the sublist form): the same contraction, with the tangent in place of that operand."""
    subscripts, operands, k = einsum_normal(subscripts, operands, k)
    return np.einsum(subscripts, *operands[:k], v, *operands[k + 1:])


@helper(linear_in=("g", "v", "v_subscripts"), nonlinear=("operands",))
def einsum_adjoint_tangent(g, subscripts, operands, k, v, v_subscripts=None):
    """Tangent of ``einsum_adjoint(g, subscripts, operands, k)`` along tangents ``v`` of the
    operands and ``v_subscripts`` of ``subscripts`` (an array in the sublist form): it is linear
    in each operand other than the k-th. The sublist form is read in its string form
    (:func:`einsum_normal`), the tangents of its arrays with it."""
    if isinstance(subscripts, str):
        spec, arrays, j, tangents = subscripts, tuple(operands), k, tuple(v)
    else:
        spec, arrays, j = einsum_normal(subscripts, operands, k)
        everything = (v_subscripts, *(v if v is not None else (None,) * len(operands)))
        tangents = everything[0::2][:len(arrays)]
    total = np.zeros(np.shape(arrays[j]), dtype=_float_dtype(g, *arrays))
    for i, d in enumerate(tangents):
        if i != j and d is not None and not isinstance(d, (list, tuple)):
            changed = list(arrays[:i]) + [d] + list(arrays[i + 1:])
            total = total + einsum_adjoint(g, spec, changed, j)
    return total


@helper(linear_in="v", nonlinear=("a",))
def slogdet_tangent(v, a):
    """Tangent of ``np.linalg.slogdet``: (0, trace(a^-1 v))."""
    refuse_complex(a, "the log-determinant")
    sign, _ = np.linalg.slogdet(a)
    return (np.zeros_like(sign), np.trace(np.linalg.solve(a, v), axis1=-2, axis2=-1))


@helper(linear_in="v", nonlinear=("ans",))
def cholesky_tangent(v, ans):
    """Tangent of ``np.linalg.cholesky``: L Phi(L^-1 v L^-T), where Phi takes the lower triangle
    and halves the diagonal, for the symmetric part of ``v`` (the convention of the gradient,
    docs/rules.md: jvp along v is the gradient's inner product with v)."""
    refuse_other_library(ans, "np.linalg.cholesky", "Dask's returns the upper factor",
                         only="dask")
    L = ans
    refuse_complex(L, "the Cholesky factor")
    v = (v + mT(v)) / 2
    inner = np.linalg.solve(L, mT(np.linalg.solve(L, mT(v))))
    n = L.shape[-1]
    return L @ (np.tril(inner) - eye_like(inner, n, inner.dtype) * inner / 2)


@helper(linear_in="v", nonlinear=("ans",))
def eigh_tangent(v, ans):
    """Tangent of ``np.linalg.eigh``: eigenvalues diag(V^T v V), vectors V (F o V^T v V) with
    F_ij = 1 / (w_j - w_i) off the diagonal; for the symmetric part of ``v`` (the convention of the
    gradient, docs/rules.md); refused at repeated eigenvalues (their vectors' tangent is not
    defined there: ``np.linalg.eigvalsh`` differentiates the eigenvalues alone)."""
    w, vecs = ans
    refuse_complex_vectors(vecs, "the eigendecomposition")
    v = (v + mT(v)) / 2
    inner = mT(vecs) @ v @ vecs
    off = inverse_gaps(w, np.ones(np.shape(inner)), "np.linalg.eigh (its eigenvectors)")
    return (np.diagonal(inner, axis1=-2, axis2=-1).copy(), vecs @ (off * inner))


@helper(linear_in="v", nonlinear=("a", "ans"))
def pinv_tangent(v, a, ans):
    """Tangent of ``np.linalg.pinv`` for a matrix of constant rank (Golub and Pereyra)."""
    p = ans
    a = as_array(a)
    refuse_complex(a, "the pseudo-inverse")
    eye_m, eye_n = eye_like(p, a.shape[-2], p.dtype), eye_like(p, a.shape[-1], p.dtype)
    return (-p @ v @ p + p @ mT(p) @ mT(v) @ (eye_m - a @ p)
            + (eye_n - p @ a) @ mT(v) @ mT(p) @ p)


@helper(linear_in=("v", "scale"), jvp={"x": "v * scale * t / x"})
def exponent_tangent(v, scale, x):
    """``v * scale * log(x)``: the tangent of ``x ** y`` from the exponent's tangent ``v``; 0 where
    ``v`` is 0 (an exponent that does not vary, as in ``x ** 3`` with a negative ``x``, whose log is
    undefined) and where ``x`` is 0."""
    if np.ndim(v) == 0 and np.ndim(scale) == 0 and np.ndim(x) == 0:
        return v * scale * np.log(x) if v != 0 and x != 0 else 0.0 * v
    dtype = _float_dtype(v, scale, x)  # (x = 2, an integer, would make float32 float64)
    v, x = as_array(v), as_array(x)
    moving = (v != 0) & (x != 0)
    return np.where(moving, v * scale * np.log(np.where(moving, x, 1).astype(dtype)), 0.0)
