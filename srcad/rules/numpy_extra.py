"""Rules, family 11: more of NumPy, the functions JAX's NumPy differentiates that are neither in
the families before nor composites (issue #16): ``np.ldexp``, ``np.nextafter``, the Array API
aliases ``np.linalg.matmul`` and ``np.linalg.tensordot`` (the rules of ``np.matmul`` and
``np.tensordot``), and functions whose results carry no gradient (``np.around``, integer-valued
or bitwise functions, index and window constructors, ``np.linalg.matrix_rank``).

Accepts: nothing; importing registers the entries below in :data:`srcad.rules.RULES`.
Guarantees: one entry per function, VJP and JVP side by side. ``np.ldexp(x1, x2)`` is
differentiable in ``x1`` (``x2``, integers, carries none); ``np.nextafter(x1, x2)`` is ``x1`` moved
by one unit in the last place: derivative 1 in ``x1`` and 0 in ``x2`` (piecewise constant there).
``np.spacing`` is piecewise constant; the windows ``np.hamming``/``hanning``/``blackman``/
``bartlett`` take only a length (``np.kaiser``'s ``beta`` is differentiable: no entry).
"""

from __future__ import annotations

import numpy as np

from .registry import RULES, defnondiff, defrule

defrule(np.ldexp, "x1, x2", x1="unbroadcast(np.ldexp(g, x2), x1)", elementwise=True)
defrule(np.nextafter, "x1, x2", x1="unbroadcast(g, x1)", elementwise=True)

RULES[np.linalg.matmul] = RULES[np.matmul]
RULES[np.linalg.tensordot] = RULES[np.tensordot]

defnondiff(np.around, np.spacing, np.gcd, np.lcm, np.left_shift, np.right_shift,
           np.bitwise_left_shift, np.bitwise_right_shift, np.bitwise_count,
           np.linalg.matrix_rank, np.broadcast_shapes)
defnondiff(np.tri, np.tril_indices_from, np.triu_indices_from, np.diag_indices_from, np.hamming,
           np.hanning, np.blackman, np.bartlett, fresh=True)
