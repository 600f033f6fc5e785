"""Rules, family 4: NumPy reductions, scans and products (``np.sum``, ``np.cumprod``, ``np.dot``,
``np.einsum`` ...).

Accepts: nothing; importing registers the entries below in :data:`srcad.rules.RULES`.
Guarantees: one entry per function, VJP and JVP side by side. Linear and multilinear functions say
which parameters they are linear in (``linear_in``): their JVP there is the function applied to the
tangent. The others differentiate a reduction's VJP helper with ``reduction_tangent``.
Conventions: ``np.max``/``np.min`` at a tie share the gradient evenly among the entries equal to
the extremum; ``np.linalg.norm`` and ``np.std`` at 0 give 0.
"""

from __future__ import annotations

import numpy as np

from .registry import defrule

# ---- reductions and scans --------------------------------------------------------------------

defrule(np.sum, "a, axis=None, keepdims=False", a="unsum(g, a, axis, keepdims)",
        linear_in="a", jvp={"a": "np.sum(t, axis=axis, keepdims=keepdims)"})
defrule(np.mean, "a, axis=None, keepdims=False", a="unmean(g, a, axis, keepdims)",
        linear_in="a", jvp={"a": "np.mean(t, axis=axis, keepdims=keepdims)"})
_EXTREMUM_JVP = {"a": "reduction_tangent(unmax(np.ones_like(ans), a, ans, axis, keepdims), t, axis, "
                      "keepdims)"}
defrule((np.max, np.amax), "a, axis=None, keepdims=False", a="unmax(g, a, ans, axis, keepdims)",
        jvp=_EXTREMUM_JVP)
defrule((np.min, np.amin), "a, axis=None, keepdims=False", a="unmax(g, a, ans, axis, keepdims)",
        jvp=_EXTREMUM_JVP)
defrule(np.prod, "a, axis=None, keepdims=False", a="unprod(g, a, ans, axis, keepdims)",
        jvp={"a": "reduction_tangent(unprod(np.ones_like(ans), a, ans, axis, keepdims), t, axis, "
                  "keepdims)"})
defrule(np.var, "a, axis=None, ddof=0, keepdims=False", a="unvar(g, a, axis, ddof, keepdims)",
        jvp={"a": "reduction_tangent(unvar(np.ones_like(ans), a, axis, ddof, keepdims), t, axis, "
                  "keepdims)"})
defrule(np.std, "a, axis=None, ddof=0, keepdims=False", a="unstd(g, a, ans, axis, ddof, keepdims)",
        jvp={"a": "reduction_tangent(unstd(np.ones_like(ans), a, ans, axis, ddof, keepdims), t, "
                  "axis, keepdims)"})
defrule(np.cumsum, "a, axis=None", a="uncumsum(g, a, axis)",
        linear_in="a", jvp={"a": "np.cumsum(t, axis=axis)"})
defrule(np.cumprod, "a, axis=None", a="uncumprod(g, a, ans, axis)",
        jvp={"a": "cumprod_tangent(t, a, ans, axis)"})
defrule(np.trace, "a, offset=0, axis1=0, axis2=1", a="untrace(g, a, offset, axis1, axis2)",
        linear_in="a")
defrule(np.linalg.norm, "x, ord=None, axis=None, keepdims=False",
        x="unnorm(g, x, ans, ord, axis, keepdims)",
        jvp={"x": "reduction_tangent(unnorm(np.ones_like(ans), x, ans, ord, axis, keepdims), t, "
                  "axis, keepdims)"})

# ---- products (bilinear) ---------------------------------------------------------------------

defrule(np.dot, "a, b", a="dot_dx(g, a, b)", b="dot_dy(g, a, b)", linear_in=("a", "b"))
defrule(np.inner, "a, b", a="inner_da(g, a, b)", b="inner_db(g, a, b)", linear_in=("a", "b"))
defrule(np.outer, "a, b", a="outer_da(g, a, b)", b="outer_db(g, a, b)", linear_in=("a", "b"))
defrule(np.tensordot, "a, b, axes=2", a="tensordot_da(g, a, b, axes)",
        b="tensordot_db(g, a, b, axes)", linear_in=("a", "b"))
defrule(np.einsum, "subscripts, *operands", operands="einsum_adjoint(g, subscripts, operands, k)",
        jvp={"operands": "einsum_tangent(t, subscripts, operands, k)"})
defrule(np.kron, "a, b", a="kron_da(g, a, b)", b="kron_db(g, a, b)", linear_in=("a", "b"))
defrule(np.cross, "a, b", a="unbroadcast(np.cross(b, g), a)", b="unbroadcast(np.cross(g, a), b)",
        linear_in=("a", "b"))
