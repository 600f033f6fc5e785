"""Rules, family 2: Python's ``math`` module (functions of Python floats).

Accepts: nothing; importing registers the entries below in :data:`srcad.rules.RULES`.
Guarantees: one entry per function; all are elementwise (``elementwise=True``), so each JVP is
derived from the VJP. ``math.hypot`` at 0 has gradient 0. A NumPy complex number reaching one
(Python's ``math`` takes its real part, with a ``ComplexWarning``) is refused at run time
(``complex="refused"``; ``math.pow``, in :mod:`.operators`, too).
"""

from __future__ import annotations

import math

from .registry import defrule as _defrule, qualified, refusing_complex


def defrule(fn, signature, elementwise=True, **vjps):
    """A rule of ``math``: a NumPy complex number reaching one (``math.sin(z[0])``, which takes
    its real part, with a ComplexWarning) is refused at run time, never a wrong number."""
    return _defrule(fn, signature, elementwise=elementwise, complex="refused",
                    **refusing_complex(qualified(fn), signature, vjps))


defrule(math.exp, "x", x="g * ans", elementwise=True)
defrule(math.expm1, "x", x="g * (ans + 1)", elementwise=True)
defrule(math.log, "x, base=None",
        x="g / x if base is None else g / (x * math.log(base))",
        base="-g * ans / (base * math.log(base))", elementwise=True)
defrule(math.log2, "x", x="g / (x * math.log(2))", elementwise=True)
defrule(math.log10, "x", x="g / (x * math.log(10))", elementwise=True)
defrule(math.log1p, "x", x="g / (1 + x)", elementwise=True)
defrule(math.sqrt, "x", x="np.divide(g, 2 * ans)", elementwise=True)
defrule(math.sin, "x", x="g * math.cos(x)", elementwise=True)
defrule(math.cos, "x", x="-g * math.sin(x)", elementwise=True)
defrule(math.tan, "x", x="g / math.cos(x) ** 2", elementwise=True)
defrule(math.asin, "x", x="np.divide(g, math.sqrt(1 - x ** 2))", elementwise=True)
defrule(math.acos, "x", x="np.divide(-g, math.sqrt(1 - x ** 2))", elementwise=True)
defrule(math.atan, "x", x="g / (1 + x ** 2)", elementwise=True)
defrule(math.atan2, "y, x", y="np.divide(g * x, x ** 2 + y ** 2)",
        x="np.divide(-g * y, x ** 2 + y ** 2)", elementwise=True)
defrule(math.sinh, "x", x="g * math.cosh(x)", elementwise=True)
defrule(math.cosh, "x", x="g * math.sinh(x)", elementwise=True)
defrule(math.tanh, "x", x="g * (1 - ans ** 2)", elementwise=True)
defrule(math.asinh, "x", x="g / math.sqrt(x ** 2 + 1)", elementwise=True)
defrule(math.acosh, "x", x="np.divide(g, math.sqrt(x ** 2 - 1))", elementwise=True)
defrule(math.atanh, "x", x="g / (1 - x ** 2)", elementwise=True)
defrule(math.hypot, "x, y", x="g * x / (ans if ans != 0 else 1.0)",
        y="g * y / (ans if ans != 0 else 1.0)", elementwise=True)
defrule(math.fabs, "x", x="g * real_sign(x)", elementwise=True)
defrule(math.erf, "x", x="g * 2 / math.sqrt(math.pi) * math.exp(-x ** 2)", elementwise=True)
defrule(math.erfc, "x", x="-g * 2 / math.sqrt(math.pi) * math.exp(-x ** 2)", elementwise=True)
