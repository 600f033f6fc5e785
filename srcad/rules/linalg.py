"""Rules, family 6: NumPy linear algebra (``np.linalg.inv``, ``det``, ``slogdet``, ``solve``,
``cholesky``, ``eigh``, ``pinv``).

Accepts: nothing; importing registers the entries below in :data:`srcad.rules.RULES`.
Guarantees: one entry per function, VJP and JVP side by side; the helpers they call live in
:mod:`srcad.runtime.linalg` (VJPs) and :mod:`srcad.runtime.tangents` (JVPs). Stacked matrices
(leading batch axes) are handled where NumPy's function handles them.
"""

from __future__ import annotations

import numpy as np

from .registry import defrule

defrule(np.linalg.inv, "a", a="-(mT(ans) @ g @ mT(ans))", jvp={"a": "-(ans @ t @ ans)"})
defrule(np.linalg.det, "a", a="det_adjoint(g, a, ans)",
        # trace(adj(a) t): finite at a singular a too (det_adjoint uses the adjugate there)
        jvp={"a": "np.sum(det_adjoint(np.ones_like(ans), a, ans) * t, axis=(-2, -1))"})
defrule(np.linalg.slogdet, "a", a="slogdet_adjoint(g, a)", jvp={"a": "slogdet_tangent(t, a)"})
defrule(np.linalg.solve, "a, b", a="solve_da(g, a, b, ans)", b="solve_db(g, a, b, ans)",
        jvp={"a": "-np.linalg.solve(a, t @ ans)", "b": "np.linalg.solve(a, t)"})
defrule(np.linalg.cholesky, "a", a="cholesky_adjoint(g, ans)", jvp={"a": "cholesky_tangent(t, ans)"})
defrule(np.linalg.eigh, "a", a="eigh_adjoint(g, ans)", jvp={"a": "eigh_tangent(t, ans)"})
defrule(np.linalg.pinv, "a", a="pinv_adjoint(g, a, ans)", jvp={"a": "pinv_tangent(t, a, ans)"})
