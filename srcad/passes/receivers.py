"""Part of pass 7, activity: a method call read as an array's, checked once activity is known.

Accepts: an :class:`~srcad.passes.ops.Op` of pass 6 (``op.receiver``: the name of the value a
method call's rule takes for an array, ``y = v.sum(a)`` read as ``np.sum(v, a)``) and the
*varied* names of :mod:`srcad.passes.activity`.
Guarantees: :func:`method_refusal` gives the located error for a receiver that may not be an
array (a module or an object srcad could not see, such as a module captured by a function passed
to another): a varied value reaching a parameter of the rule that carries no gradient while the
receiver itself is not varied. An array's method never takes such a value there; without the
check its gradient would be dropped. None where nothing is wrong.
"""

from __future__ import annotations

import gast

from .. import rules
from ..errors import NoGradientRuleError


def method_refusal(op, varied, location):
    """For ``y = x.sum(a)`` read as ``np.sum(x, a)`` (``x`` taken for an array): an error where a
    value that depends on the differentiated parameters reaches a parameter of the method's rule
    that carries no gradient (``axis`` here) while ``x`` itself does not. An array's method never
    takes such a value there; ``x`` may hold something else (a module captured by a function
    passed on), whose method srcad cannot see into: refused, never a gradient dropped. None where
    nothing is wrong (``x`` depending on the parameters too is data: ``x.astype(dtype)`` in a
    function differentiated with respect to all its parameters)."""
    if op.receiver is None or op.receiver in varied:  # (a varied receiver: computed as data)
        return None
    carrying = set(rules.differentiable_params(op.rule))
    for param, value in op.args.items():
        names = [n.id for n in gast.walk(value) if isinstance(n, gast.Name)] \
            if not isinstance(value, rules.Default) else []
        if param not in carrying and any(n in varied for n in names):
            return NoGradientRuleError(
                f"srcad reads '{op.receiver}.{_method_name(op)}()' as the method of an array, "
                f"whose parameter '{param}' carries no gradient, yet a value depending on what "
                f"is differentiated reaches it: '{op.receiver}' may hold a module or an object, "
                "whose method srcad cannot see into", location,
                hint=("call a module's functions by its name (np.sum), or pass the module to "
                      "the function as a parameter: srcad specializes on it"))
    return None


def _method_name(op) -> str:
    return getattr(op.node.func, "attr", "?") if isinstance(op.node, gast.Call) else "?"
