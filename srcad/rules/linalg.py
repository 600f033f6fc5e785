"""Rules, family 6: NumPy linear algebra (``np.linalg.inv``, ``det``, ``slogdet``, ``solve``,
``cholesky``, ``eigh``, ``eigvalsh``, ``eig``, ``eigvals``, ``pinv``, ``svd``, ``qr``, ``lstsq``,
``matrix_power``).

Accepts: nothing; importing registers the entries below in :data:`srcad.rules.RULES`.
Guarantees: one entry per function, VJP and JVP side by side; the helpers they call live in
:mod:`srcad.runtime.linalg`, :mod:`srcad.runtime.decompositions` (VJPs) and
:mod:`srcad.runtime.tangents` (JVPs), and each declares its own derivative, so Hessians go through
all of them. Stacked matrices (leading batch axes) are handled where NumPy's function handles them.
``svd`` is differentiated in its reduced form (``full_matrices=False``, or a square matrix), ``qr``
in mode ``'reduced'`` of a square or tall matrix, ``lstsq`` for a matrix of full rank (its
solution in reverse mode; every result in forward mode); ``eigh`` reads the triangle ``UPLO``
names, ``eigvalsh`` the lower one (its ``UPLO`` is not supported), ``svd``'s ``hermitian`` is not;
``svd``, ``qr``, ``eigh`` and ``eigvalsh`` of a complex matrix are refused. ``eig`` and ``eigvals``
of a general (real or complex) matrix are differentiated exactly, NumPy's normalisation of the
eigenvectors included (:mod:`srcad.runtime.eig`: norm 1, the largest component real), refused at
numerically repeated eigenvalues and where LAPACK's choice of that component could flip.
"""

from __future__ import annotations

import numpy as np

from .registry import defrule

defrule(np.linalg.inv, "a", a="-(mT(ans) @ g @ mT(ans))", jvp={"a": "-(ans @ t @ ans)"})
defrule(np.linalg.det, "a", a="det_adjoint(g, a, ans)",
        # trace(adj(a) t): finite at a singular a too (det_adjoint uses the adjugate there)
        jvp={"a": "np.sum(det_adjoint(np.ones_like(ans), a, ans) * t, axis=(-2, -1))"})
defrule(np.linalg.slogdet, "a", complex="refused", a="slogdet_adjoint(g, a)", jvp={"a": "slogdet_tangent(t, a)"})
defrule(np.linalg.solve, "a, b", a="solve_da(g, a, b, ans)", b="solve_db(g, a, b, ans)",
        jvp={"a": "solve_tangent(t, a, b, ans)", "b": "np.linalg.solve(a, t)"})
defrule(np.linalg.cholesky, "a", complex="refused", a="cholesky_adjoint(g, ans)", jvp={"a": "cholesky_tangent(t, ans)"})
# (the gradient is the symmetric one, whichever triangle UPLO reads: the same formulas)
defrule(np.linalg.eigh, "a, UPLO='L'", complex="refused", a="eigh_adjoint(g, ans)", jvp={"a": "eigh_tangent(t, ans)"})
defrule(np.linalg.eigvalsh, "a", complex="refused", a="eigvalsh_adjoint(g, a)", jvp={"a": "eigvalsh_tangent(t, a)"})
defrule(np.linalg.pinv, "a", complex="refused", a="pinv_adjoint(g, a, ans)", jvp={"a": "pinv_tangent(t, a, ans)"})
defrule(np.linalg.svd, "a, full_matrices=True, compute_uv=True", complex="refused",
        a="svd_adjoint(g, a, ans, full_matrices, compute_uv)",
        jvp={"a": "svd_tangent(t, a, ans, full_matrices, compute_uv)"})
defrule(np.linalg.qr, "a, mode='reduced'", complex="refused", a="qr_adjoint(g, a, ans, mode)",
        jvp={"a": "qr_tangent(t, a, ans, mode)"})
defrule(np.linalg.lstsq, "a, b, rcond=None", complex={"a": "refused", "b": "yes"},
        a="lstsq_da(g, a, b, ans)", b="lstsq_db(g, a, b, ans)",
        jvp={"a": "lstsq_tangent(t, None, a, b, ans)", "b": "lstsq_tangent(None, t, a, b, ans)"})
defrule(np.linalg.matrix_power, "a, n", a="matrix_power_adjoint(g, a, n)",
        jvp={"a": "matrix_power_tangent(t, a, n)"})
# (a general matrix: complex eigenvalues and eigenvectors, NumPy's normalisation of each vector)
defrule(np.linalg.eig, "a", a="eig_adjoint(g, a, ans)", jvp={"a": "eig_tangent(t, a, ans)"})
defrule(np.linalg.eigvals, "a", a="eigvals_adjoint(g, a, ans)", jvp={"a": "eigvals_tangent(t, a, ans)"})
