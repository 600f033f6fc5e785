"""Rules, family 4: NumPy reductions, scans and products (``np.sum``, ``np.cumprod``, ``np.dot``,
``np.einsum`` ...).

Accepts: nothing; importing registers the entries below in :data:`srcad.rules.RULES`.
Guarantees: one entry per function, VJP and JVP side by side. Linear and multilinear functions say
which parameters they are linear in (``linear_in``): their JVP there is the function applied to the
tangent. The others differentiate a reduction's VJP helper with ``reduction_tangent``.
Signatures follow NumPy's positional order (``np.sum(x, 1, float)`` passes a dtype); a ``dtype=``
of an integer type stops the gradient, a complex one is refused at run time, and a call passing
``out=`` does not fit its rule (refused where an active value reaches it). ``np.einsum`` takes the
string and the sublist form; ``np.bincount`` is differentiable in ``weights``.
Conventions: ``np.max``/``np.min`` at a tie share the gradient evenly among the entries equal to
the extremum; ``np.linalg.norm`` and ``np.std`` at 0 give 0.
"""

from __future__ import annotations

import numpy as np

from .registry import defrule

# ---- reductions and scans --------------------------------------------------------------------


def _dtyped(vjp: str, jvp: str) -> dict:
    """The VJP and JVP templates of a reduction with a ``dtype=`` argument: a cast to an integer
    type stops the gradient, one to a complex type is refused (``dtype_adjoint``,
    ``astype_tangent``). With ``dtype`` left out, the templates simplify to the plain ones."""
    return {"a": f"{vjp} if dtype is None else {vjp.replace('(g,', '(dtype_adjoint(g, dtype),', 1)}",
            "jvp": {"a": f"{jvp} if dtype is None else astype_tangent({jvp}, dtype)"}}


# the signatures follow NumPy's positional order (``np.sum(x, 1, float)`` passes a dtype);
# ``out=`` is not supported (a call passing it does not fit the rule)
_OUT = {"unsupported": ("out",)}
defrule(np.sum, "a, axis=None, dtype=None, out=None, keepdims=False", linear_in="a", **_OUT,
        **_dtyped("unsum(g, a, axis, keepdims)", "np.sum(t, axis=axis, keepdims=keepdims)"))
defrule(np.mean, "a, axis=None, dtype=None, out=None, keepdims=False", linear_in="a", **_OUT,
        **_dtyped("unmean(g, a, axis, keepdims)", "np.mean(t, axis=axis, keepdims=keepdims)"))
_EXTREMUM_JVP = {"a": "reduction_tangent(unmax(np.ones_like(ans), a, ans, axis, keepdims), t, axis, "
                      "keepdims)"}
defrule((np.max, np.amax), "a, axis=None, out=None, keepdims=False",
        a="unmax(g, a, ans, axis, keepdims)", jvp=_EXTREMUM_JVP, **_OUT)
defrule((np.min, np.amin), "a, axis=None, out=None, keepdims=False",
        a="unmax(g, a, ans, axis, keepdims)", jvp=_EXTREMUM_JVP, **_OUT)
defrule(np.prod, "a, axis=None, dtype=None, out=None, keepdims=False", **_OUT,
        **_dtyped("unprod(g, a, ans, axis, keepdims)",
                  "reduction_tangent(unprod(np.ones_like(ans), a, ans, axis, keepdims), t, axis, "
                  "keepdims)"))
defrule(np.var, "a, axis=None, dtype=None, out=None, ddof=0, keepdims=False", **_OUT,
        renamed={"correction": "ddof"},  # (NumPy >= 2.0, the Array API's name)
        **_dtyped("unvar(g, a, axis, ddof, keepdims)",
                  "real_tangent(reduction_tangent(unvar(np.ones_like(ans), a, axis, ddof, "
                  "keepdims), t, axis, keepdims), ans)"))
defrule(np.std, "a, axis=None, dtype=None, out=None, ddof=0, keepdims=False", **_OUT,
        renamed={"correction": "ddof"},  # (NumPy >= 2.0, the Array API's name)
        **_dtyped("unstd(g, a, ans, axis, ddof, keepdims)",
                  "real_tangent(reduction_tangent(unstd(np.ones_like(ans), a, ans, axis, ddof, "
                  "keepdims), t, axis, keepdims), ans)"))
defrule(np.cumsum, "a, axis=None, dtype=None, out=None", linear_in="a", **_OUT,
        **_dtyped("uncumsum(g, a, axis)", "np.cumsum(t, axis=axis)"))
defrule(np.cumprod, "a, axis=None, dtype=None, out=None", **_OUT,
        **_dtyped("uncumprod(g, a, ans, axis)", "cumprod_tangent(t, a, ans, axis)"))
defrule(np.trace, "a, offset=0, axis1=0, axis2=1, dtype=None, out=None", linear_in="a", **_OUT,
        **_dtyped("untrace(g, a, offset, axis1, axis2)",
                  "np.trace(t, offset, axis1, axis2)"))
defrule(np.linalg.norm, "x, ord=None, axis=None, keepdims=False",
        x="unnorm(g, x, ans, ord, axis, keepdims)",
        jvp={"x": "real_tangent(reduction_tangent(unnorm(np.ones_like(ans), x, ans, ord, axis, "
                  "keepdims), t, axis, keepdims), ans)"})

# np.bincount(x, weights): the weights summed into the bins of x (x itself, integers, carries none)
defrule(np.bincount, "x, weights=None, minlength=0", complex="real only", weights="np.take(g, x)", linear_in="weights")

# ---- products (bilinear) ---------------------------------------------------------------------

defrule(np.dot, "a, b", a="dot_dx(g, a, b)", b="dot_dy(g, a, b)", linear_in=("a", "b"))
defrule(np.vdot, "a, b", a="vdot_adjoint(g, a, b, True)", b="vdot_adjoint(g, b, a, False)",
        linear_in=("a", "b"))
defrule(np.inner, "a, b", a="inner_da(g, a, b)", b="inner_db(g, a, b)", linear_in=("a", "b"))
defrule(np.outer, "a, b", a="outer_da(g, a, b)", b="outer_db(g, a, b)", linear_in=("a", "b"))
defrule(np.tensordot, "a, b, axes=2", a="tensordot_da(g, a, b, axes)",
        b="tensordot_db(g, a, b, axes)", linear_in=("a", "b"))
# the sublist form np.einsum(x, [0, 1], [1]) binds its first array to ``subscripts``; with one
# operand, NumPy may return a view of it ('ij->ji', 'ii->i'); ``optimize`` changes only the order of
# the products
defrule(np.einsum, "subscripts, *operands, optimize=False", operands="einsum_adjoint(g, subscripts, operands, k)",
        subscripts="einsum_adjoint(g, subscripts, operands, -1)",
        jvp={"operands": "einsum_tangent(t, subscripts, operands, k)",
             "subscripts": "einsum_tangent(t, subscripts, operands, -1)"}, view=True)
defrule(np.kron, "a, b", a="kron_da(g, a, b)", b="kron_db(g, a, b)", linear_in=("a", "b"))
