"""Rules, family 3: NumPy's elementwise functions (unary and binary ufuncs, ``np.clip``,
``np.where``).

Accepts: nothing; importing registers the entries below in :data:`srcad.rules.RULES`.
Guarantees: one entry per function (or tuple of aliases), ``elementwise=True``: the JVP is derived
from the VJP, and the operands broadcast (binary VJPs ``unbroadcast`` to each operand's shape).
Conventions: ``np.abs`` at 0 has gradient 0; ``np.sqrt`` at 0 gives ``inf`` (the one-sided
derivative); ``np.maximum``/``np.minimum``/``np.fmax``/``np.fmin`` at a tie give each argument half;
``np.hypot`` at 0 gives 0.
"""

from __future__ import annotations

import numpy as np

from .registry import defrule

# ---- unary -----------------------------------------------------------------------------------

defrule(np.exp, "x", x="g * ans", elementwise=True)
defrule(np.exp2, "x", x="g * ans * math.log(2)", elementwise=True)
defrule(np.expm1, "x", x="g * (ans + 1)", elementwise=True)
defrule(np.log, "x", x="np.divide(g, x)", elementwise=True)
defrule(np.log2, "x", x="np.divide(g, x * math.log(2))", elementwise=True)
defrule(np.log10, "x", x="np.divide(g, x * math.log(10))", elementwise=True)
defrule(np.log1p, "x", x="np.divide(g, 1 + x)", elementwise=True)
defrule(np.sqrt, "x", x="g / (2 * ans)", elementwise=True)
defrule(np.cbrt, "x", x="g / (3 * ans ** 2)", elementwise=True)
defrule(np.square, "x", x="g * 2 * x", elementwise=True)
defrule(np.reciprocal, "x", x="-g * ans ** 2", elementwise=True)
defrule((np.abs, np.fabs), "x", x="abs_adjoint(g, x)", jvp={"x": "abs_tangent(t, x)"},
        elementwise=True)  # complex x: see srcad.rules.fft
defrule(np.sin, "x", x="g * np.cos(x)", elementwise=True)
defrule(np.cos, "x", x="-g * np.sin(x)", elementwise=True)
defrule(np.tan, "x", x="g / np.cos(x) ** 2", elementwise=True)
defrule(np.arcsin, "x", x="g / np.sqrt(1 - x ** 2)", elementwise=True)
defrule(np.arccos, "x", x="-g / np.sqrt(1 - x ** 2)", elementwise=True)
defrule(np.arctan, "x", x="g / (1 + x ** 2)", elementwise=True)
defrule(np.sinh, "x", x="g * np.cosh(x)", elementwise=True)
defrule(np.cosh, "x", x="g * np.sinh(x)", elementwise=True)
defrule(np.tanh, "x", x="g * (1 - ans ** 2)", elementwise=True)
defrule(np.arcsinh, "x", x="g / np.sqrt(x ** 2 + 1)", elementwise=True)
defrule(np.arccosh, "x", x="g / np.sqrt(x ** 2 - 1)", elementwise=True)
defrule(np.arctanh, "x", x="np.divide(g, 1 - x ** 2)", elementwise=True)
defrule((np.deg2rad, np.radians), "x", x="g * (np.pi / 180)", elementwise=True)
defrule(np.sinc, "x", x="sinc_adjoint(g, x)", elementwise=True)
defrule((np.rad2deg, np.degrees), "x", x="g * (180 / np.pi)", elementwise=True)

# ---- binary ----------------------------------------------------------------------------------

defrule((np.maximum, np.fmax), "x, y",
        x="unbroadcast(tie_shared(g, x > y, x == y), x)",
        y="unbroadcast(tie_shared(g, y > x, x == y), y)", elementwise=True)
defrule((np.minimum, np.fmin), "x, y",
        x="unbroadcast(tie_shared(g, x < y, x == y), x)",
        y="unbroadcast(tie_shared(g, y < x, x == y), y)", elementwise=True)
defrule(np.arctan2, "y, x",
        y="unbroadcast(np.divide(g * x, x ** 2 + y ** 2), y)",
        x="unbroadcast(np.divide(-g * y, x ** 2 + y ** 2), x)", elementwise=True)
defrule(np.hypot, "x, y", x="unbroadcast(g * x / np.where(ans == 0, 1, ans), x)",
        y="unbroadcast(g * y / np.where(ans == 0, 1, ans), y)", elementwise=True)
defrule(np.logaddexp, "x, y", x="unbroadcast(g * np.exp(x - ans), x)",
        y="unbroadcast(g * np.exp(y - ans), y)", elementwise=True)
defrule(np.float_power, "x, y",
        x="unbroadcast(g * power_dx(float64_at_least(x), y), x)",
        y="unbroadcast(g * ans * log_or_zero(x), y)",
        elementwise=True, jvp={"y": "exponent_tangent(t, ans, x)"})  # see operator.pow
defrule(np.copysign, "x, y", x="unbroadcast(g * np.copysign(1.0, x) * np.copysign(1.0, ans), x)",
        elementwise=True)
# np.heaviside(x1, x2) is x2 where x1 == 0: x2 carries the gradient there (x1, a step, none)
defrule(np.heaviside, "x1, x2", x2="unbroadcast(g * (x1 == 0), x2)", elementwise=True)
defrule(np.clip, "a, a_min=None, a_max=None", a="clip_adjoint(g, a, a_min, a_max)",
        a_min="unbroadcast(g * clip_bound_mask(a, a_min, a_max, 'a_min'), a_min)",
        a_max="unbroadcast(g * clip_bound_mask(a, a_min, a_max, 'a_max'), a_max)", elementwise=True,
        renamed={"min": "a_min", "max": "a_max"})  # (min=, max=: NumPy >= 2.1, the Array API's)
defrule(np.where, "condition, x, y", x="unbroadcast(np.where(condition, g, 0.0), x)",
        y="unbroadcast(np.where(condition, 0.0, g), y)", elementwise=True)
defrule(np.logaddexp2, "x, y", x="unbroadcast(g * 2 ** (x - ans), x)",
        y="unbroadcast(g * 2 ** (y - ans), y)", elementwise=True)
