"""Part of pass 10 (code generation, both modes): facts about the values ``x[i] = v`` writes into.

Accepts: the :class:`~srcad.passes.ops.Op` of each simple statement of one function (and, for
:func:`float_arrays`, its parsed source and A-normal-form tree).
Guarantees: :func:`float_arrays`, the arrays written by ``x[i] = v`` that certainly hold floats
(into any other, the generated code asks at run time: NumPy casts ``v`` to an integer array's
dtype, and then no gradient reaches ``v``); :func:`container_names`, the locals that may hold a
list, tuple or dict (``xs[i] += e`` there may change an item in place).
"""

from __future__ import annotations

import gast

from .ops import OpKind



def written_arrays(ops) -> set:
    """The variables written into by ``x[i] = ...``."""
    return {op.targets[0] for op in ops.values() if op.kind is OpKind.SETITEM}


def container_names(ops, parsed) -> set:
    """The names that may hold a list, tuple or dict (``xs[i] += e`` there may change an item in
    place): every name but those that certainly hold an array or a number, because every
    assignment to them is an operation of NumPy's, ``math``'s or an operator's that makes a new
    value (not a view, which ``np.split`` returns in a list, nor an item taken out of something),
    or one of NumPy's array makers (``np.zeros``...).
    A parameter (no assignment), an item, a call's result, a copy of a name: may be one."""
    assignments = {}  # name -> the ops assigning it (a write into it assigns nothing)
    for op in ops.values():
        for name in op.targets:
            assignments.setdefault(name, [])
            if op.kind is not OpKind.SETITEM:
                assignments[name].append(op)
    return {name for name, found in assignments.items()
            if not found or not all(_makes_array(op, parsed) for op in found)}


_MAKERS = frozenset({"zeros", "ones", "empty", "full", "zeros_like", "ones_like", "empty_like",
                     "full_like", "arange", "linspace", "eye", "identity"})


def _makes_array(op, parsed) -> bool:
    rule = op.rule
    if op.kind is not OpKind.RULE or rule is None or len(op.targets) != 1 \
            or isinstance(op.node, (gast.Subscript, gast.Attribute)):
        return False
    if rule.params is None:  # no gradient: which function?
        return isinstance(op.node, gast.Call) and _is_maker(op.node.func, parsed)
    return (rule.name.split(".")[0] in ("numpy", "operator", "math")
            and rule.name not in ("operator.getitem", "numpy.ndarray.copy")  # (xs.copy(): a list)
            and not (rule.view or rule.identity or rule.holds_operands))


def _is_maker(func, parsed) -> bool:
    import numpy as np

    from .holders import resolve_static
    try:
        fn = resolve_static(func, parsed)
    except Exception:  # (a method of a local, a name srcad cannot read statically)
        return False
    name = getattr(fn, "__name__", None)
    return name in _MAKERS and fn is getattr(np, name, None)


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
