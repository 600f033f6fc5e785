"""scipy.sparse matrices as constants (issue #16): ``A @ x`` with a sparse ``A`` (a global, a
closure's value, an argument not differentiated, one made in the function) is differentiated in
every mode against central differences; every other use of a sparse matrix on a path a gradient
takes is refused (for a sparse *matrix* ``*`` is a matrix product), as is an ``np.matrix``
anywhere the function reads or makes one (srcad.passes.foreign)."""

from __future__ import annotations

import numpy as np
import pytest

sps = pytest.importorskip("scipy.sparse")

import srcad  # noqa: E402
from gradcheck import check_grad, make_function  # noqa: E402
from rulecheck import check_hvp, check_jvp  # noqa: E402

A = sps.random(5, 4, density=0.5, random_state=0, format="csr")
SQUARE = sps.random(4, 4, density=0.6, random_state=1, format="csr")  # (a wrong transpose shows)
ARRAY = sps.csr_array(sps.random(4, 4, density=0.6, random_state=2))
X = np.linspace(0.3, 1.2, 4)
class _Holder:
    A = SQUARE


NAMESPACE = {"np": np, "sps": sps, "A": A, "SQUARE": SQUARE, "ARRAY": ARRAY,
             "HOLDER": _Holder(), "MATRICES": {"A": SQUARE}}

WORKS = {
    "A @ x": "np.sum(np.tanh(A @ x) ** 2)",
    "x @ A.T": "np.sum(np.sin(x @ A.T))",
    "square, both sides": "np.sum((SQUARE @ x) * (x @ SQUARE))",
    "a sparse array": "np.sum(np.exp(ARRAY @ x))",
    "A.T @ (A @ x)": "np.sum(A.T @ (A @ x) * x)",
    "a product of two sparse matrices, then @": "np.sum(np.tanh((SQUARE @ SQUARE) @ x))",
    "a batch X @ A.T": "np.sum((np.outer(x, x) @ SQUARE.T) ** 2)",
}


@pytest.mark.parametrize("expr", WORKS.values(), ids=WORKS.keys())
def test_a_sparse_constant_in_a_matrix_product(expr):
    f = make_function(f"def f(x):\n    return {expr}\n", NAMESPACE, name="f")
    check_grad(f, (X.copy(),))
    check_jvp(f, (X.copy(),), (0,))
    check_hvp(f, (X.copy(),), 0)


def test_sparse_matrices_made_in_the_function_and_passed_as_arguments():
    f = make_function("""
        def f(x, B):
            L = sps.diags(np.arange(1.0, 5.0))
            C = B.T.tocsr()
            return np.sum((L @ x) ** 2) + np.sum(np.tanh(C @ np.cos(B @ x)))
        """, NAMESPACE)
    check_grad(f, (X.copy(), A))
    check_hvp(f, (X.copy(), A), 0)


REFUSED = {
    "'*' of a sparse matrix (a matrix product)": "np.sum((SQUARE * x) ** 2)",
    "'*' of a sparse array (elementwise, sparse)": "np.sum((ARRAY * x) @ x)",
    "x * A": "np.sum((x * SQUARE) @ x)",
    "a method with a gradient": "np.sum(A.dot(x) ** 2)",
    "made in the function": "np.sum((sps.diags(np.arange(1.0, 5.0)) * x) ** 2)",
    "a product of two sparse matrices, sparse": "np.sum(((SQUARE @ SQUARE) * x) ** 2)",
    "a global object's attribute": "np.sum((HOLDER.A * x) ** 2)",
    "an entry of a global dict": "np.sum(MATRICES['A'] * x)",
}


@pytest.mark.parametrize("expr", REFUSED.values(), ids=REFUSED.keys())
def test_other_uses_of_a_sparse_matrix_are_refused(expr):
    f = make_function(f"def f(x):\n    return {expr}\n", NAMESPACE, name="f")
    with pytest.raises(srcad.SrcadError) as info:
        srcad.grad(f)(X.copy())
    assert info.value.location is not None and info.value.location.lineno == 2


def test_a_sparse_argument_differentiated_is_refused():
    f = make_function("def f(B, x):\n    return np.sum(B @ x)\n", NAMESPACE, name="f")
    with pytest.raises(srcad.SrcadError, match="sparse"):
        srcad.grad(f)(A, np.ones(4))


@pytest.mark.parametrize("body", ["np.sum(np.asarray(M * x[:, None]) ** 2)",
                                  "np.sum(np.asarray(HOLDER.M * x[:, None]) ** 2)",
                                  "np.sum(np.asarray(np.matrix(np.eye(4)) @ x))",
                                  "np.sum(np.asarray(SQUARE.todense()) @ x)"])
def test_an_np_matrix_read_or_made_is_refused(body):
    f = make_function(f"def f(x):\n    return {body}\n",
                      dict(NAMESPACE, M=np.matrix(np.eye(4)),
                           HOLDER=type("H", (), {"M": np.matrix(np.eye(4))})()), name="f")
    with pytest.raises(srcad.SrcadError, match="np.matrix") as info:
        srcad.grad(f)(X.copy())
    assert info.value.location.lineno == 2
