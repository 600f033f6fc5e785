"""Rules, family 10: more of NumPy (issue #16): differences and convolutions, order statistics
(``np.median``, ``np.percentile``, ``np.quantile``), weighted averages and NaN-ignoring reductions,
``np.interp``, ``np.polyval``, ``np.gradient``, ``np.cross`` with its axes, running extrema
(``np.maximum.accumulate``), casts by scalar type (``np.float64(x)``), and assembly functions
(``np.column_stack``, ``np.append``, ``np.select``, ``np.rollaxis``, ``np.hsplit`` ...).

Accepts: nothing; importing registers the entries below in :data:`srcad.rules.RULES`.
Guarantees: one entry per function, VJP and JVP side by side; every helper a VJP template names
declares its own derivative (:mod:`srcad.runtime.numpy_more` and
:mod:`srcad.runtime.numpy_more_arrays`), so Hessian-vector products work.
Options the rules do not differentiate are refused, at the call (``out=``, ``returned=``,
``np.quantile``'s ``weights=``: the call does not fit the rule) or at run time
(``overwrite_input=True``, an unknown quantile ``method``, ``np.gradient`` with coordinate arrays
or ``edge_order=2``, ``np.nan_to_num(x, copy=False)``, ``np.interp``'s ``period``).
Conventions where the derivative is undefined:

* ``np.median``/``np.percentile``/``np.quantile``: the gradient goes to the one or two sorted
  entries the result interpolates (weights ``1 - f`` and ``f``), each position's share split
  evenly among the entries tied with it; methods ``lower``, ``higher``, ``midpoint`` and
  ``nearest`` follow the entries they pick.
* ``np.nanmax``/``np.nanmin`` at a tie: shared evenly, as ``np.max``; NaN entries of
  ``np.nansum``/``np.nanmean``/``np.nanmax``/``np.nanmin`` get 0; ``np.nan_to_num``: 0 where a
  NaN or an infinity was replaced.
* ``np.interp`` at a knot ``xp[i]``: the slope of the interval to its right; at the last knot and
  outside ``[xp[0], xp[-1]]``: 0 with respect to ``x``; ``xp`` carries no gradient.
* ``np.fmod(x, y)`` where ``x / y`` is an integer (a jump): the derivative of the piece with
  ``trunc(x / y)`` as computed, ``-trunc(x / y)`` with respect to ``y``.
* ``np.maximum.accumulate``/``np.minimum.accumulate``: each running extremum's gradient goes to the
  last entry up to it equal to it.
"""

from __future__ import annotations

import numpy as np

import dataclasses

from .registry import RULES, defrule

# ---- differences and convolutions ------------------------------------------------------------

_DIFF = "a, n=1, axis=-1, prepend=None, append=None"
defrule(np.diff, _DIFF,
        a="undiff(g, a, n, axis, prepend, append, 1)",
        prepend="undiff(g, a, n, axis, prepend, append, 0)",
        append="undiff(g, a, n, axis, prepend, append, 2)",
        jvp={p: f"diff_tangent(t, a, n, axis, prepend, append, {k})"
             for k, p in enumerate(("prepend", "a", "append"))})
defrule(np.convolve, "a, v, mode='full'", a="unconvolve(g, a, v, mode)",
        v="unconvolve(g, v, a, mode)", linear_in=("a", "v"))
# np.correlate(a, v, mode) is np.convolve(a, np.conj(v)[::-1], mode), except that its 'same'
# result starts half an entry later when v is the longer (the gradient of conj(v) is conjugated)
_LATER = "np.size(v) > np.size(a)"
defrule(np.correlate, "a, v, mode='valid'",
        a=f"unconvolve(g, a, np.flip(np.conj(v)), mode, {_LATER})",
        v=f"np.conj(np.flip(unconvolve(g, np.flip(np.conj(v)), a, mode, {_LATER})))",
        linear_in=("a", "v"))

# ---- order statistics, averages, NaN-ignoring reductions -------------------------------------

_OUT = {"unsupported": ("out",)}
defrule(np.median, "a, axis=None, out=None, overwrite_input=False, keepdims=False",
        a="unquantile(g, a, 0.5, axis, keepdims, 'linear', overwrite_input)",
        jvp={"a": "quantile_tangent(t, a, 0.5, axis, keepdims, 'linear', overwrite_input, ans)"},
        **_OUT)
_QUANTILE = "a, q, axis=None, out=None, overwrite_input=False, method='linear', keepdims=False"
# the level q is not differentiated: a gradient there is refused, never a silent zero
_NO_Q = {"q": "no_gradient('np.quantile', 'q', 'the level is not differentiated')"}
defrule(np.quantile, _QUANTILE, complex="real only",
        a="unquantile(g, a, q, axis, keepdims, method, overwrite_input)", **_NO_Q,
        jvp={"a": "quantile_tangent(t, a, q, axis, keepdims, method, overwrite_input, ans)",
             **_NO_Q}, **_OUT)
defrule(np.percentile, _QUANTILE, complex="real only",
        a="unquantile(g, a, np.true_divide(q, 100), axis, keepdims, method, overwrite_input)",
        jvp={"a": "quantile_tangent(t, a, np.true_divide(q, 100), axis, keepdims, method, "
                  "overwrite_input, ans)", **_NO_Q}, **_NO_Q, **_OUT)

# np.average(a, axis, weights): sum(a * w) / sum(w) along axis, w as average_weights broadcasts it
_W = "average_weights(weights, a, axis)"
_SW = f"np.sum({_W}, axis, keepdims=True)"
defrule(np.average, "a, axis=None, weights=None, returned=False, *, keepdims=False",
        a="unsum(g, a, axis, keepdims) * average_share(weights, a, axis)",
        weights=f"unaverage_weights(unsum(g, a, axis, keepdims) * (a - unsum(ans, a, axis, "
                f"keepdims)) / {_SW}, weights, a, axis)",
        jvp={"a": "np.average(t, axis, weights, keepdims=keepdims)",
             "weights": f"np.sum((a - unsum(ans, a, axis, keepdims)) * average_weights(t, a, axis), "
                        f"axis, keepdims=keepdims) / np.sum({_W}, axis, keepdims=keepdims)"},
        unsupported=("returned",))

defrule(np.nansum, "a, axis=None, dtype=None, out=None, keepdims=False",
        a="np.where(np.isnan(a), 0.0, unsum(dtype_adjoint(g, dtype), a, axis, keepdims))",
        jvp={"a": "astype_tangent(np.sum(np.where(np.isnan(a), 0.0, t), axis=axis, "
                  "keepdims=keepdims), dtype)"}, **_OUT)
defrule(np.nanmean, "a, axis=None, dtype=None, out=None, keepdims=False",
        a="np.where(np.isnan(a), 0.0, unsum(dtype_adjoint(g, dtype) / nan_count(a, axis, keepdims), "
          "a, axis, keepdims))",
        jvp={"a": "astype_tangent(np.nanmean(np.where(np.isnan(a), np.nan, t), axis=axis, "
                  "keepdims=keepdims), dtype)"}, **_OUT)
# unmax sends the gradient to the entries equal to the result (never a NaN; an all-NaN slice: 0)
_EXTREMUM = {"a": "np.where(np.isnan(a), 0.0, unmax(g, a, ans, axis, keepdims))",
             "jvp": {"a": "reduction_tangent(unmax(np.ones_like(ans), a, ans, axis, keepdims), "
                          "np.where(np.isnan(a), 0.0, t), axis, keepdims)"}}
defrule(np.nanmax, "a, axis=None, out=None, keepdims=False", **_EXTREMUM, **_OUT)
defrule(np.nanmin, "a, axis=None, out=None, keepdims=False", **_EXTREMUM, **_OUT)
defrule(np.maximum.accumulate, "array, axis=0, dtype=None, out=None",
        array="untake_along_axis(g, array, accumulate_index(array, ans, axis), axis)",
        jvp={"array": "np.take_along_axis(t, accumulate_index(array, ans, axis), axis)"},
        unsupported=("out", "dtype"))
defrule(np.minimum.accumulate, "array, axis=0, dtype=None, out=None",
        array="untake_along_axis(g, array, accumulate_index(array, ans, axis), axis)",
        jvp={"array": "np.take_along_axis(t, accumulate_index(array, ans, axis), axis)"},
        unsupported=("out", "dtype"))

# ---- elementwise and pointwise ---------------------------------------------------------------

defrule(np.fmod, "x, y", x="unbroadcast(g, x)", y="unbroadcast(-g * np.trunc(x / y), y)",
        elementwise=True)
# the replacement values get the gradient of the entries they replaced
defrule(np.nan_to_num, "x, copy=True, nan=0.0, posinf=None, neginf=None",
        x="unnan_to_num(g, x, copy)",
        **{p: f"unbroadcast(replaced_adjoint(g, x, {p!r}), {p})" for p in ("nan", "posinf", "neginf")},
        jvp={"x": "unnan_to_num(t, x, copy)",
             **{p: f"replaced_tangent(t, x, {p!r})" for p in ("nan", "posinf", "neginf")}})
# xp (the knots) is not differentiated: a gradient there is refused, never a silent zero
_NO_XP = "no_gradient('np.interp', 'xp', 'the knots are not differentiated')"
defrule(np.interp, "x, xp, fp, left=None, right=None, period=None",
        complex={"x": "real only", "fp": "yes", "left": "yes", "right": "yes"},
        x="g * interp_slope(x, xp, fp)", fp="uninterp_fp(g, x, xp, fp, left, right)",
        left="np.sum(np.where(np.less(x, np.ravel(xp)[0]), g, 0.0))",
        right="np.sum(np.where(np.greater(x, np.ravel(xp)[-1]), g, 0.0))", xp=_NO_XP,
        jvp={"x": "t * interp_slope(x, xp, fp)",
             "fp": "np.interp(x, xp, t, None if left is None else 0.0, "
                   "None if right is None else 0.0)",
             # (a complex left or right beside a real fp: NumPy keeps the real part)
             "left": "tangent_like(np.where(np.less(x, np.ravel(xp)[0]), t, 0.0), ans)",
             "right": "tangent_like(np.where(np.greater(x, np.ravel(xp)[-1]), t, 0.0), ans)",
             "xp": _NO_XP},
        unsupported=("period",))
defrule(np.polyval, "p, x", p="unpolyval_p(g, p, x)", x="g * polyval_dx(p, x)",
        jvp={"p": "np.polyval(t, x)", "x": "t * polyval_dx(p, x)"})
# the scalar types as functions: a cast (a real x of a complex type gets the real part, JAX's way)
defrule((np.float64, np.float32, np.float16, np.longdouble, np.complex128, np.complex64,
         np.clongdouble), "x", x="unastype(g, x, np.result_type(ans))",
        jvp={"x": "astype_tangent(t, np.result_type(ans))"})
defrule(np.cross, "a, b, axisa=-1, axisb=-1, axisc=-1, axis=None",
        a="uncross_a(g, a, b, axisa, axisb, axisc, axis)",
        b="uncross_b(g, a, b, axisa, axisb, axisc, axis)", linear_in=("a", "b"))
_NO_SPACING = "no_gradient('np.gradient', 'varargs', 'the spacing is not differentiated')"
defrule(np.gradient, "f, *varargs, axis=None, edge_order=1",
        f="ungradient(g, f, varargs, axis, edge_order)", varargs=_NO_SPACING,
        jvp={"f": "np.gradient(t, *varargs, axis=axis, edge_order=edge_order)",
             "varargs": _NO_SPACING})

# ---- assembly --------------------------------------------------------------------------------

defrule(np.column_stack, "tup", tup="uncolumn_stack(g, tup)", linear_in="tup")
# np.r_[a, b, 1:3] and np.c_[a, b]: indexing these objects concatenates the items (the pass of
# ops reads the subscript as this rule's call); directive strings ('0,2') are refused
for _kind, _fn in enumerate((np.r_, np.c_)):
    defrule(_fn, "*items", name=f"numpy.{'c_' if _kind else 'r_'}",
            items=f"unindex_concatenation(g, items, k, {_kind})",
            jvp={"items": f"index_concatenation_tangent(t, items, k, {_kind})"}, fresh=True)
defrule(np.append, "arr, values, axis=None", arr="unappend(g, arr, values, axis, 0)",
        values="unappend(g, arr, values, axis, 1)",
        jvp={"arr": "append_tangent(t, arr, values, axis, 0)",
             "values": "append_tangent(t, arr, values, axis, 1)"})
defrule(np.select, "condlist, choicelist, default=0",
        choicelist="unselect_choices(g, condlist, choicelist)",
        default="unselect(g, condlist, choicelist, default, -1)",
        jvp={"choicelist": "select_tangent(t, condlist, choicelist, default, 0)",
             "default": "select_tangent(t, condlist, choicelist, default, -1)"})
defrule(np.rollaxis, "a, axis, start=0", a="unrollaxis(g, a, axis, start)", linear_in="a",
        view=True)
# np.meshgrid's results are a tuple: its JVP is one template for the whole (the results' tangents
# added term by term would concatenate tuples); result k depends on xi[k] alone
RULES[np.meshgrid] = dataclasses.replace(
    defrule(np.meshgrid, "*xi, copy=True, sparse=False, indexing='xy'",
            xi="unmeshgrid(g, xi, k, indexing)", view=True),
    joint_jvp="meshgrid_tangent(t_xi, xi, sparse, indexing)")
_HSPLIT_AXIS = "1 if np.ndim(ary) > 1 else 0"
for _fn, _axis in ((np.hsplit, _HSPLIT_AXIS), (np.vsplit, "0"), (np.dsplit, "2")):
    defrule(_fn, "ary, indices_or_sections", ary=f"unsplit(g, ary, ans, {_axis})",
            linear_in="ary", jvp={"ary": f"split_tangent(t, ans, {_axis})"}, view=True)
