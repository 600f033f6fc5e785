"""Part of passes 2 and 6: arrays whose operators are not NumPy's -- ``scipy.sparse`` matrices and
arrays, and ``np.matrix``.

Accepts: values and classes the function reads (a global, a closure's value, an argument's kind,
what a call returns).
Guarantees: a ``scipy.sparse`` value reaches the derivative only as a constant operand of ``@``
(``A @ x``, ``x @ A``, ``A.T @ x``), whose adjoints (:func:`srcad.runtime.products.matmul_dx`)
multiply by it; any other operator on it (``A * x`` is a matrix product for a sparse *matrix*,
an elementwise one giving a sparse result for a sparse *array*) is refused by pass 6 where a
gradient flows through it, as are its methods (``A.dot(x)``, ``A.multiply(x)``: no rule). An
``np.matrix`` (``*`` a matrix product, ``**`` a matrix power, every result two-dimensional) is
refused wherever the function reads one (:func:`check_matrix_reads`, pass 2) or makes one
(``np.matrix(...)``, ``np.asmatrix``, ``np.bmat``, ``.todense()``); srcad's rules are those of
NumPy's arrays, so with it a gradient would be wrong. (Arguments: :mod:`srcad.api.callables`.)
"""

from __future__ import annotations

import inspect
import types

import gast
import numpy as np

from . import kinds as K
from .parse import dotted_name

_MATRIX_MAKERS = ("matrix", "asmatrix", "bmat")


def is_sparse_class(cls) -> bool:
    """Is ``cls`` one of ``scipy.sparse``'s matrix or array classes?"""
    return isinstance(cls, type) and (cls.__module__ or "").startswith("scipy.sparse")


def is_sparse_kind(kind) -> bool:
    return isinstance(kind, K.Instance) and is_sparse_class(kind.cls)


def value_kind(value):
    """The kind pass 6 gives a value the function reads from outside (a global, a closure's
    value): an instance of its class for a sparse matrix (so that its operators are checked),
    else None (data, or what the kinds of :mod:`srcad.passes.kinds` say)."""
    return K.Instance(type(value), None) if is_sparse_class(type(value)) else None


def call_result_kind(obj):
    """The kind of what a call of ``obj`` (a library function) returns: a sparse matrix for a
    function of ``scipy.sparse`` (``sps.diags(c)``, ``sps.csr_matrix(a)``), else None."""
    module = getattr(obj, "__module__", None) or ""
    if isinstance(obj, type) and is_sparse_class(obj):
        return K.Instance(obj, None)
    if module.startswith("scipy.sparse") and callable(obj):
        import scipy.sparse
        return K.Instance(scipy.sparse.sparray, None)
    return None


def sparse_operator_refusal(op, left, right) -> str | None:
    """For ``left op right`` where an operand has a sparse kind: None where it is a product
    ``@`` with data (the rule of ``@`` differentiates it), else why it is refused."""
    if isinstance(op, gast.MatMult) and not (K.is_object(left) and K.is_object(right)) \
            and (left is K.DATA or right is K.DATA or is_sparse_kind(left) != is_sparse_kind(right)):
        return None
    return ("a scipy.sparse matrix is differentiated through only as a constant factor of a "
            "matrix product 'A @ x' (for a sparse matrix '*' is a matrix product, for a sparse "
            "array an elementwise one with a sparse result: srcad's rules are NumPy's)")


def product_kind(op, left, right):
    """The kind of ``left op right`` where an operand is sparse: data for a product ``@`` with a
    value not known to be sparse (an array: NumPy's result), else a sparse matrix (``A @ B`` of two
    sparse ones is sparse; so may be what another operator makes: its uses are checked again)."""
    if isinstance(op, gast.MatMult) and not (is_sparse_kind(left) and is_sparse_kind(right)):
        return K.DATA
    cls = left.cls if is_sparse_kind(left) else right.cls
    return K.Instance(cls, None)


SPARSE_HINT = "write 'A @ x' (not A.dot(x) or A * x), or convert with A.toarray()"


def check_matrix_reads(fence, fn) -> None:
    """Pass 2: refuse every read of an ``np.matrix`` the function sees (a global or a closure's
    value) and every call that makes one (``fence``: the checker, whose ``fail`` locates it)."""
    parsed = fence.parsed
    for node in gast.walk(fn):
        if isinstance(node, (gast.Name, gast.Attribute)) and isinstance(node.ctx, gast.Load) \
                and isinstance(outside_value(node, parsed, fence.local_names), np.matrix):
            text = dotted_name(node)
            fence.fail(node, f"'{text}' is an np.matrix, whose '*' is a matrix product and "
                             "'**' a matrix power; srcad differentiates NumPy arrays",
                       hint=f"use np.asarray({text}) and write '@' for a matrix product")
        if isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute) and (
                node.func.attr == "todense" or (
                    node.func.attr in _MATRIX_MAKERS and isinstance(node.func.value, gast.Name)
                    and parsed.namespace.lookup(node.func.value.id, None) is np)):
            fence.fail(node, f"'{node.func.attr}' makes an np.matrix, whose '*' is a matrix "
                             "product and '**' a matrix power; srcad differentiates NumPy arrays",
                       hint="use np.asarray(...) or .toarray(), and write '@' for a matrix product")


def outside_value(node, parsed, local_names):
    """The value a global or closure name, or a dotted name on one (``H.M``), holds (attributes
    read statically: no property runs); None for anything else."""
    text = dotted_name(node)
    if text is None or text.split(".")[0] in local_names:
        return None
    root, *attrs = text.split(".")
    value = parsed.namespace.lookup(root, None)
    for attr in attrs:
        if isinstance(value, types.ModuleType):
            return None  # (np.linalg.inv: a function, never a matrix)
        value = inspect.getattr_static(value, attr, None)
    return value
