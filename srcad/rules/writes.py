"""Rules, family 9: NumPy's writing calls (``np.copyto``, ``np.add.at``, ``np.subtract.at``,
``np.put``, ``np.put_along_axis``, ``np.putmask``, ``np.place``, ``np.fill_diagonal``).

Accepts: nothing; importing registers the rules below.
Guarantees: the rules of :mod:`srcad.runtime.writes`'s functions, which pass 4 puts in place of the
calls (``np.add.at(y, i, v)`` becomes ``y[...] = added_at(y, i, v)``, see
:mod:`srcad.passes.writing_calls`). The array written into gets the gradient of the places not
written over (all of it for ``.at``, which adds; where ``where`` is false for ``np.copyto``); the
values written get ``g`` read back at the places they went to, summed over repeated indices and
over broadcasting. A value written into an integer array carries no gradient (NumPy refuses the
cast by default; ``casting="unsafe"`` truncates). For the calls that write over entries, the
places come from :func:`srcad.runtime.writes.sources` (NumPy's own function run on codes), so the
last of repeated writes wins and values repeated cyclically send their gradient back summed.
"""

from __future__ import annotations

from ..runtime.writes import (added_at, copied_into, diagonal_filled, placed_into, put_along_axis_into,
                              put_into, putmask_into, subtracted_at)
from .registry import defrule

defrule(copied_into, 'dst, src, casting="same_kind", where=True',
        dst="g * np.logical_not(where)", src="uncopyto_src(g, ans, src, where)",
        jvp={"dst": "t * np.logical_not(where)", "src": "copyto_src_tangent(t, ans, src, where)"},
        fresh=True)
defrule(added_at, "a, indices, b", a="g", b="unadd_at(g, ans, indices, b)",
        jvp={"a": "copied(t)", "b": "add_at_tangent(t, ans, indices)"}, fresh=True)
defrule(subtracted_at, "a, indices, b", a="g", b="-unadd_at(g, ans, indices, b)",
        jvp={"a": "copied(t)", "b": "-add_at_tangent(t, ans, indices)"}, fresh=True)



def _overwriting(stand_in, params: str, array: str, value: str, value_at: int, rest: str):
    """The rule of a call writing ``value`` over entries of ``array``: ``rest`` the arguments after
    ``array``, in order, ``value`` the ``value_at``-th of them."""
    where = f"sources({stand_in.__name__}, {array}, {value_at}, {rest})"
    defrule(stand_in, params, fresh=True,
            **{array: f"kept_entries(g, ans, {where})",
               value: f"written_values(g, ans, {where}, {value})"},
            jvp={array: f"kept_entries(t, ans, {where})",
                 value: f"written_values_tangent(t, ans, {where}, {value})"})


_overwriting(put_into, "a, ind, v, mode='raise'", "a", "v", 1, "ind, v, mode")
_overwriting(put_along_axis_into, "arr, indices, values, axis", "arr", "values", 1,
             "indices, values, axis")
_overwriting(putmask_into, "a, mask, values", "a", "values", 1, "mask, values")
_overwriting(placed_into, "arr, mask, vals", "arr", "vals", 1, "mask, vals")
_overwriting(diagonal_filled, "a, val, wrap=False", "a", "val", 0, "val, wrap")
