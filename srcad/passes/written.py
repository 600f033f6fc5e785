"""Part of pass 10 (code generation, both modes): facts about the values ``x[i] = v`` writes into.

Accepts: the :class:`~srcad.passes.ops.Op` of each simple statement of one function (and, for
:func:`float_arrays`, its parsed source and A-normal-form tree).
Guarantees: :func:`float_arrays`, the arrays written by ``x[i] = v`` that certainly hold floats
(into any other, the generated code asks at run time: NumPy casts ``v`` to an integer array's
dtype, and then no gradient reaches ``v``); :func:`container_names`, the locals that may hold a
list, tuple or dict the function made (``xs[i] += e`` there may change an array in place).
"""

from __future__ import annotations

import gast

from .ops import OpKind
from .. import rules


def written_arrays(ops) -> set:
    """The variables written into by ``x[i] = ...``."""
    return {op.targets[0] for op in ops.values() if op.kind is OpKind.SETITEM}


def container_names(ops) -> set:
    """The locals some assignment makes a list, tuple or dict (a display, ``list(...)``...)."""
    found = {op.targets[0] for op in ops.values() if op.targets and (
        isinstance(op.node, (gast.List, gast.Tuple, gast.Dict)) or (
            op.kind is OpKind.RULE and op.rule is not None
            and (op.rule.holds_operands or op.rule.name in ("dict", "list", "tuple"))))}
    grew = True
    while grew:  # ys = xs.copy(), ys = xs: a container too
        more = {op.targets[0] for op in ops.values() if op.kind is OpKind.RULE and op.targets
                and op.rule is not None and op.rule is rules.lookup(rules.methods.copy)
                and any(isinstance(a, gast.Name) and a.id in found for a in op.args.values())}
        grew = not more <= found
        found |= more
    return found


_FLOAT_MAKERS = {"zeros": 1, "ones": 1, "empty": 1, "full": 2}  # -> positional arguments before dtype


def float_arrays(ops, parsed, tree) -> set:
    """The variables written by ``x[i] = ...`` that hold floats whatever the inputs: every other
    assignment to them is ``np.zeros``/``ones``/``empty``/``full`` with no dtype or a float one."""
    import numpy as np

    from .holders import resolve_static

    def floats(node) -> bool:
        if not isinstance(node, gast.Call):
            return False
        try:
            fn = resolve_static(node.func, parsed)
        except Exception:  # (a method of a local: not one of NumPy's makers)
            return False
        name = getattr(fn, "__name__", None)
        if name not in _FLOAT_MAKERS or fn is not getattr(np, name):
            return False
        dtypes = [k.value for k in node.keywords if k.arg == "dtype"]
        dtypes += node.args[_FLOAT_MAKERS[name]:_FLOAT_MAKERS[name] + 1]
        if name == "full" and not dtypes:  # np.full takes the fill value's dtype: 2 is an int
            return False
        for d in dtypes:
            if isinstance(d, gast.Constant) and d.value is None:
                continue
            try:
                value = d.value if isinstance(d, gast.Constant) else resolve_static(d, parsed)
                if value is None:  # (not a dtype srcad could read: np.dtype(None) is float64)
                    return False
                kind = np.dtype(value).kind
            except Exception:  # (a local name, a dtype srcad cannot read statically)
                return False
            if kind != "f":
                return False
        return True

    made = {}
    for op in ops.values():
        if op.kind is OpKind.RULE and len(op.targets) == 1 and floats(op.node):
            made[op.targets[0]] = made.get(op.targets[0], 0) + 1
    bound = {}  # every way a name gets a value: parameters, assignments, loop targets, ...
    for node in gast.walk(tree):
        if isinstance(node, gast.Name) and isinstance(node.ctx, (gast.Store, gast.Param)):
            bound[node.id] = bound.get(node.id, 0) + 1
    return {x for x in written_arrays(ops) if made.get(x) and made[x] == bound.get(x)}
