"""Rules, family 9: NumPy's writing calls (``np.copyto``, ``np.add.at``, ``np.subtract.at``).

Accepts: nothing; importing registers the rules below.
Guarantees: the rules of :mod:`srcad.runtime.writes`'s functions, which pass 4 puts in place of the
calls (``np.add.at(y, i, v)`` becomes ``y[...] = added_at(y, i, v)``, see
:mod:`srcad.passes.writing_calls`). The array written into gets the gradient of the places not
written over (all of it for ``.at``, which adds; where ``where`` is false for ``np.copyto``); the
values written get ``g`` read back at the places they went to, summed over repeated indices and
over broadcasting. A value written into an integer array carries no gradient (NumPy refuses the
cast by default; ``casting="unsafe"`` truncates).
"""

from __future__ import annotations

from ..runtime.writes import added_at, copied_into, subtracted_at
from .registry import defrule

defrule(copied_into, 'dst, src, casting="same_kind", where=True',
        dst="g * np.logical_not(where)", src="uncopyto_src(g, ans, src, where)",
        jvp={"dst": "t * np.logical_not(where)", "src": "copyto_src_tangent(t, ans, src, where)"},
        fresh=True)
defrule(added_at, "a, indices, b", a="g", b="unadd_at(g, ans, indices, b)",
        jvp={"a": "copied(t)", "b": "add_at_tangent(t, ans, indices)"}, fresh=True)
defrule(subtracted_at, "a, indices, b", a="g", b="-unadd_at(g, ans, indices, b)",
        jvp={"a": "copied(t)", "b": "-add_at_tangent(t, ans, indices)"}, fresh=True)
