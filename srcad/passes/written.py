"""Part of pass 10 (code generation, both modes): facts about the values ``x[i] = v`` writes into.

Accepts: the :class:`~srcad.passes.ops.Op` of each simple statement of one function (and, for
:func:`float_arrays`, its parsed source and A-normal-form tree).
Guarantees: :func:`float_arrays`, the arrays written by ``x[i] = v`` that certainly hold floats
(into any other, the generated code asks at run time: NumPy casts ``v`` to an integer array's
dtype, and then no gradient reaches ``v``); :func:`ndarrays`, those that are certainly NumPy arrays
(whatever their dtype: their gradients are arrays too, which :mod:`srcad.passes.inplace` may change
in place); :func:`integer_names`, the locals that certainly hold Python integers (an index made of
them never repeats a position); :func:`container_names`, the locals that may hold a list, tuple or
dict (``xs[i] += e`` there may change an item in place).
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
# NumPy's functions that return a new ndarray whatever their arguments (a subclass at most)
_ARRAY_MAKERS = frozenset({"zeros", "ones", "empty", "full", "zeros_like", "ones_like", "empty_like",
                           "full_like", "array", "asarray", "copy", "eye", "identity", "arange",
                           "linspace"})


def float_arrays(ops, parsed, tree) -> set:
    """The variables written by ``x[i] = ...`` that hold floats whatever the inputs: every other
    assignment to them is ``np.zeros``/``ones``/``empty``/``full`` with no dtype or a float one."""
    import numpy as np

    def floats(node, name) -> bool:
        if name not in _FLOAT_MAKERS:
            return False
        dtypes = [k.value for k in node.keywords if k.arg == "dtype"]
        dtypes += node.args[_FLOAT_MAKERS[name]:_FLOAT_MAKERS[name] + 1]
        if name == "full" and not dtypes:  # np.full takes the fill value's dtype: 2 is an int
            return False
        for d in dtypes:
            if isinstance(d, gast.Constant) and d.value is None:
                continue
            try:
                value = d.value if isinstance(d, gast.Constant) else _resolve(d, parsed)
                if value is None:  # (not a dtype srcad could read: np.dtype(None) is float64)
                    return False
                kind = np.dtype(value).kind
            except Exception:  # (a local name, a dtype srcad cannot read statically)
                return False
            if kind != "f":
                return False
        return True

    return _made_by(ops, parsed, tree, floats)


def ndarrays(ops, parsed, tree) -> set:
    """The variables written by ``x[i] = ...`` that are NumPy arrays whatever the inputs: every
    assignment to them calls one of NumPy's functions that make an array (``np.zeros``,
    ``np.zeros_like``, ``np.array``, ``np.copy``, ...)."""
    return _made_by(ops, parsed, tree, lambda node, name: name in _ARRAY_MAKERS)


def _made_by(ops, parsed, tree, accept) -> set:
    """The written arrays every binding of which is a call of a NumPy function ``fn`` for which
    ``accept(call node, fn.__name__)`` holds."""
    import numpy as np

    def made(node) -> bool:
        if not isinstance(node, gast.Call):
            return False
        fn = _resolve(node.func, parsed)
        name = getattr(fn, "__name__", None)
        return name is not None and fn is getattr(np, name, None) and accept(node, name)

    count = {}
    for op in ops.values():
        if op.kind is OpKind.RULE and len(op.targets) == 1 and made(op.node):
            count[op.targets[0]] = count.get(op.targets[0], 0) + 1
    bound = _bindings(tree)
    return {x for x in written_arrays(ops) if count.get(x) and count[x] == bound.get(x)}


def _resolve(node, parsed):
    from .holders import resolve_static
    try:
        return resolve_static(node, parsed)
    except Exception:  # (a method of a local: not one of NumPy's functions)
        return None


def _bindings(tree) -> dict:
    """Each name -> how many times it is bound (parameters, assignments, loop targets, ...)."""
    bound = {}
    for node in gast.walk(tree):
        if isinstance(node, gast.Name) and isinstance(node.ctx, (gast.Store, gast.Param)):
            bound[node.id] = bound.get(node.id, 0) + 1
    return bound


_INTEGER_OPS = (gast.Add, gast.Sub, gast.Mult, gast.FloorDiv, gast.Mod)


def integer_names(tree) -> set:
    """The names that certainly hold Python integers: the variables of ``for ... in range(...)``
    loops, and names every binding of which is an integer constant or ``+``, ``-``, ``*``, ``//``,
    ``%`` or a negation of integer constants and such names (``t_minus_one = t - 1``)."""
    forms: dict = {}  # name -> the expressions bound to it; None: some binding of another form
    for node in gast.walk(tree):
        if isinstance(node, gast.For) and isinstance(node.target, gast.Name):
            is_range = isinstance(node.iter, gast.Call) and isinstance(node.iter.func, gast.Name) \
                and node.iter.func.id == "range"
            _add_form(forms, node.target.id, gast.Constant(value=0, kind=None) if is_range else None)
        elif isinstance(node, gast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], gast.Name):
            _add_form(forms, node.targets[0].id, node.value)
    bound = _bindings(tree)
    names = {n for n, exprs in forms.items() if exprs is not None and len(exprs) == bound.get(n)}
    changed = True
    while changed:  # the largest set closed under the forms (a counter 'i = i + 1' stays in)
        keep = {n for n in names if all(_integer_expr(e, names) for e in forms[n])}
        changed = keep != names
        names = keep
    if "range" in bound:  # (a local called range: not the builtin)
        return set()
    return names


def _add_form(forms, name, expr):
    if expr is None or forms.get(name, []) is None:
        forms[name] = None
    else:
        forms.setdefault(name, []).append(expr)


def _integer_expr(node, names) -> bool:
    if isinstance(node, gast.Constant):
        return type(node.value) is int
    if isinstance(node, gast.Name):
        return node.id in names
    if isinstance(node, gast.BinOp):
        return isinstance(node.op, _INTEGER_OPS) and _integer_expr(node.left, names) \
            and _integer_expr(node.right, names)
    if isinstance(node, gast.UnaryOp):
        return isinstance(node.op, (gast.USub, gast.UAdd)) and _integer_expr(node.operand, names)
    return False
