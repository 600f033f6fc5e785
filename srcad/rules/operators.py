"""Rules, family 1: Python operators (``a + b``, ``a @ b``, ``-a``, ``a[i]``) and builtins.

Accepts: nothing; importing registers the entries below in :data:`srcad.rules.RULES`.
Guarantees: one :func:`~srcad.rules.registry.defrule` entry per primitive, VJP and JVP side by side.
The NumPy ufuncs that spell the same operation (``np.add`` for ``+``) share the rule.
Conventions: ``abs`` at 0 has gradient 0; ``max(a, b)``/``min(a, b)`` at a tie give the *first*
argument the whole gradient; ``x ** y`` w.r.t. ``y`` at ``x == 0`` is 0; ``sorted`` passes each
item's gradient through the permutation it made (ties keep their order, as the sort does).
Complex values: ``%`` is real only; ``float``, ``math.fsum`` and ``math.pow`` of NumPy complex
numbers take their real parts (with NumPy's ComplexWarning): ``float`` and ``fsum`` differentiate
that, ``math.pow`` (as the rest of ``math``) refuses them.
"""

from __future__ import annotations

import builtins
import math
import operator

import numpy as np

from .registry import defrule, refusing_complex

# ---- operators -------------------------------------------------------------------------------

defrule((operator.add, np.add), "x, y", x="unbroadcast(g, x)", y="unbroadcast(g, y)",
        elementwise=True)
defrule((operator.sub, np.subtract), "x, y", x="unbroadcast(g, x)", y="unbroadcast(-g, y)",
        elementwise=True)
defrule((operator.mul, np.multiply), "x, y", x="unbroadcast(g * y, x)",
        y="unbroadcast(x * g, y)", elementwise=True)
defrule((operator.truediv, np.divide), "x, y",
        x="unbroadcast(g / y, x)", y="unbroadcast(-g * ans / y, y)", elementwise=True)
_POW = {"x": "unbroadcast(g * power_dx(x, y), x)", "y": "unbroadcast(g * ans * log_or_zero(x), y)"}
defrule((operator.pow, builtins.pow, np.power), "x, y", **_POW,
        elementwise=True,  # a constant exponent's zero tangent gives 0, never nan:
        jvp={"y": "exponent_tangent(t, ans, x)"})
# (math.pow of a NumPy complex number takes its real part: refused, as the rest of math)
defrule(math.pow, "x, y", **refusing_complex("math.pow", "x, y", _POW), elementwise=True,
        complex="refused",
        jvp=refusing_complex("math.pow", "x, y", {"y": "exponent_tangent(t, ans, x)"}))
defrule((operator.mod, np.mod), "x, y", complex="real only",
        x="unbroadcast(g, x)", y="unbroadcast(-g * np.floor_divide(x, y), y)", elementwise=True)
defrule((operator.matmul, np.matmul), "x, y", x="matmul_dx(g, x, y)", y="matmul_dy(g, x, y)",
        linear_in=("x", "y"), jvp={"x": "t @ y", "y": "x @ t"})
defrule((operator.neg, np.negative), "x", x="-g", elementwise=True)
defrule((operator.pos, np.positive), "x", x="g", elementwise=True)
defrule(operator.getitem, "x, index", x="unindex(g, x, index)", jvp={"x": "t[index]"},
        linear_in="x")
# x.name, an attribute of an object (pass 6 reads every 'x.name' of a local that is no array so)
defrule(builtins.getattr, "x, name", x="unattribute(g, x, name)",
        jvp={"x": "attribute_tangent(t, x, name)"}, linear_in="x")

# ---- builtins --------------------------------------------------------------------------------

defrule(builtins.max, "x, y", x="g * (x >= y)", y="g * (x < y)",  # a tie: the first one
        jvp={"x": "t * (x >= y)", "y": "t * (x < y)"})
defrule(builtins.min, "x, y", x="g * (x <= y)", y="g * (x > y)",
        jvp={"x": "t * (x <= y)", "y": "t * (x > y)"})
defrule(builtins.max, "*args", overload=True, args="extremum_adjoint(g, args, k, ans)",
        jvp={"args": "extremum_tangent(t, args, k, ans)"})
defrule(builtins.min, "*args", overload=True, args="extremum_adjoint(g, args, k, ans)",
        jvp={"args": "extremum_tangent(t, args, k, ans)"})
defrule(builtins.sum, "iterable, start=0", iterable="unsum_sequence(g, iterable)", start="g",
        linear_in=("iterable", "start"), jvp={"iterable": "tangent_sum(t)", "start": "t"})
defrule(math.fsum, "iterable", iterable="unsum_sequence(g, iterable)",  # (of NumPy's complex
        linear_in="iterable", jvp={"iterable": "np.real(tangent_sum(t))"},  # numbers: real parts)
        complex="yes")
defrule(builtins.abs, "x", x="abs_adjoint(g, x)", jvp={"x": "abs_tangent(t, x)"}, elementwise=True)
defrule(builtins.sorted, "iterable, key=None, reverse=False",
        iterable="unsort_items(g, iterable, key, reverse)",
        jvp={"iterable": "sorted_tangent(t, iterable, key, reverse)"}, view=True)
defrule(builtins.dict, "pairs", pairs="unpairs(g, pairs)", jvp={"pairs": "dict_tangent(t, pairs)"},
        view=True)  # (dict(a=x, **m) is a display: srcad.passes.unpacking)
# (float of a NumPy complex number is its real part: so is the tangent)
defrule(builtins.float, "x", x="g", jvp={"x": "np.real(t)"}, elementwise=True)
# the items of a sequence (an array's rows; a dict's keys carry no gradient) in a new list or
# tuple (a new container: appending to it leaves the other alone; its items are the same)
defrule(builtins.list, "iterable", iterable="unlist(g, iterable)", linear_in="iterable",
        jvp={"iterable": "to_list(t)"}, fresh=True)
defrule(builtins.tuple, "iterable", iterable="unlist(g, iterable)", linear_in="iterable",
        jvp={"iterable": "to_tuple(t)"})
