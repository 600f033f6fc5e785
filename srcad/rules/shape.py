"""Rules, family 5: NumPy shape and assembly functions (reshape, transpose, concatenate, split,
pad, sort, take, diag, array ...).

Accepts: nothing; importing registers the entries below in :data:`srcad.rules.RULES`.
Guarantees: one entry per function, VJP and JVP side by side. All are linear in the array they
rearrange (``linear_in``: the JVP is the function applied to the tangent). ``view=True`` marks the
functions whose result may share memory with the argument (pass 8, alias, reads it: a write into
one, while the other is read later, is checked at run time), ``fresh=True`` those that always return
a new array (concatenate, stack, tile, pad ... do too, but are not marked yet: unmarked is the
conservative side). A result of an integer type (``np.array(x, dtype=int)``, ``np.full_like`` of an
integer array) passes no gradient back; ``np.arange`` is differentiable in ``start`` and ``step``.
"""

from __future__ import annotations

import numpy as np

from .registry import defrule, refusing_complex

_SAME_SHAPE = "np.reshape(g, np.shape(a))"  # the VJP of a function that only changes the shape
_RESHAPED = {"a": "np.reshape(t, np.shape(ans))"}

defrule(np.copy, "a", a="g", linear_in="a", fresh=True)
# the result's own type decides (an integer one, from dtype= or from np.full_like's ``a``: zero)
_FULL = {"fill_value": "unbroadcast(dtype_adjoint(g, np.result_type(ans)), fill_value)",
         "jvp": {"fill_value": "astype_tangent(broadcast_tangent(t, ans), np.result_type(ans))"}}
defrule(np.full, "shape, fill_value, dtype=None", linear_in="fill_value", fresh=True, **_FULL)
defrule(np.full_like, "a, fill_value, dtype=None", linear_in="fill_value", fresh=True, **_FULL)
# the samples are start * (1 - w) + stop * w, w = np.linspace(0, 1, num, endpoint), along axis 0
_STEPS = "linspace_steps(num, endpoint, ans)"
defrule(np.linspace, "start, stop, num=50, endpoint=True",
        start=f"unbroadcast(np.tensordot(1.0 - {_STEPS}, g, 1), start)",
        stop=f"unbroadcast(np.tensordot({_STEPS}, g, 1), stop)", linear_in=("start", "stop"),
        jvp={"start": f"linspace_tangent(t, 1.0 - {_STEPS}, ans)",
             "stop": f"linspace_tangent(t, {_STEPS}, ans)"},
        fresh=True)
_ARRAY_JVP = {"object": "np.array(t) if dtype is None else astype_tangent(np.array(t), dtype)"}
_ARRAY_VJP = "unarray(g, object) if dtype is None else unarray(g, object, dtype)"  # int: zero
defrule(np.array, "object, dtype=None", object=_ARRAY_VJP, linear_in="object", jvp=_ARRAY_JVP,
        fresh=True)
# np.asarray returns its argument itself when it is an array of the dtype asked for: then so is
# the tangent (a write into either changes both)
defrule(np.asarray, "object, dtype=None, copy=None", object=_ARRAY_VJP, linear_in="object",
        jvp={"object": "t if ans is object else (" + _ARRAY_JVP["object"] + ")"}, view=True)
# np.arange(start, stop, step) is start + k * step: stop only sets the length (no gradient), and
# with one argument that argument is the stop
_ARANGE = "start, stop=None, step=None, dtype=None"  # (NumPy's arange of complex values is
# empty or of a length read from complex numbers: refused)
defrule(np.arange, _ARANGE, complex="refused", **refusing_complex("numpy.arange", _ARANGE, dict(
        start="0.0 if stop is None else dtype_adjoint(np.sum(g), dtype)",
        step="dtype_adjoint(np.sum(g * np.arange(np.size(g))), dtype)")),
        jvp=refusing_complex("numpy.arange", _ARANGE, {
            "start": "np.zeros(np.shape(ans)) if stop is None else "
                     "astype_tangent(np.full(np.shape(ans), t), dtype)",
            "step": "astype_tangent(t * np.arange(np.size(ans)), dtype)"}),
        fresh=True)
defrule(np.transpose, "a, axes=None",
        a="np.transpose(g) if axes is None else np.transpose(g, inverse_axes(axes, np.ndim(g)))",
        linear_in="a", view=True)
defrule(np.reshape, "a, shape", a=_SAME_SHAPE, linear_in="a", view=True)
defrule(np.ravel, "a", a=_SAME_SHAPE, linear_in="a", view=True)
defrule(np.swapaxes, "a, axis1, axis2", a="np.swapaxes(g, axis1, axis2)", linear_in="a", view=True)
defrule(np.moveaxis, "a, source, destination", a="np.moveaxis(g, destination, source)",
        linear_in="a", view=True)
defrule(np.expand_dims, "a, axis", a=_SAME_SHAPE, linear_in="a", jvp=_RESHAPED, view=True)
defrule(np.squeeze, "a, axis=None", a=_SAME_SHAPE, linear_in="a", jvp=_RESHAPED, view=True)
defrule((np.atleast_1d, np.atleast_2d, np.atleast_3d), "a", a=_SAME_SHAPE, linear_in="a",
        jvp=_RESHAPED, view=True)
defrule(np.broadcast_to, "array, shape", array="unbroadcast(g, array)", linear_in="array",
        view=True)
defrule(np.concatenate, "arrays, axis=0", arrays="unconcatenate(g, arrays, axis)",
        linear_in="arrays")
defrule(np.stack, "arrays, axis=0", arrays="unstack(g, arrays, axis)", linear_in="arrays")
defrule(np.block, "arrays", arrays="unblock(g, arrays)", linear_in="arrays")
defrule(np.hstack, "tup", tup="unhstack(g, tup)", linear_in="tup")
defrule((np.vstack,) + ((np.row_stack,) if hasattr(np, "row_stack") else ()), "tup",
        tup="unvstack(g, tup)", linear_in="tup")  # (np.row_stack: NumPy 2 deprecates it)
defrule((np.split, np.array_split), "ary, indices_or_sections, axis=0",
        ary="unsplit(g, ary, ans, axis)", linear_in="ary", jvp={"ary": "split_tangent(t, ans, axis)"},
        view=True)
defrule(np.tile, "A, reps", A="untile(g, A, reps)", linear_in="A")
defrule(np.repeat, "a, repeats, axis=None", a="unrepeat(g, a, repeats, axis)", linear_in="a")
defrule(np.flip, "m, axis=None", m="np.flip(g, axis)", linear_in="m", view=True)
defrule(np.fliplr, "m", m="np.fliplr(g)", linear_in="m", view=True)
defrule(np.flipud, "m", m="np.flipud(g)", linear_in="m", view=True)
defrule(np.roll, "a, shift, axis=None", a="np.roll(g, negated_shift(shift), axis)", linear_in="a")
defrule(np.rot90, "m, k=1, axes=(0, 1)", m="np.rot90(g, -k, axes)", linear_in="m", view=True)
defrule(np.pad, "array, pad_width, mode='constant', constant_values=0",
        array="unpad(g, array, pad_width, mode)", linear_in="array",
        constant_values="unpad_constant(g, array, pad_width, mode, constant_values)",
        jvp={"array": "np.pad(t, pad_width, mode)",
             "constant_values": "pad_constant_tangent(t, array, pad_width, mode, constant_values)"})
defrule(np.sort, "a, axis=-1", a="unsort(g, a, axis)", jvp={"a": "sort_tangent(t, a, axis)"})
defrule(np.partition, "a, kth, axis=-1, kind='introselect', order=None",
        a="unpartition(g, a, ans, kth, axis)", jvp={"a": "partition_tangent(t, a, ans, kth, axis)"},
        unsupported=("order",))
defrule(np.take, "a, indices, axis=None", a="untake(g, a, indices, axis)", linear_in="a")
defrule(np.take_along_axis, "arr, indices, axis", arr="untake_along_axis(g, arr, indices, axis)",
        linear_in="arr")
# (the diagonal of a 2-D array is a view of it, read-only but changed by writes into the array)
defrule(np.diag, "v, k=0", v="undiag(g, v, k)", linear_in="v", view=True)
defrule(np.diagonal, "a, offset=0, axis1=0, axis2=1", a="undiagonal(g, a, offset, axis1, axis2)",
        linear_in="a", view=True)
defrule(np.tril, "m, k=0", m="np.tril(g, k)", linear_in="m")
defrule(np.triu, "m, k=0", m="np.triu(g, k)", linear_in="m")
