"""Part of pass 8, alias: which parameters a user function changes in place, read from its source.

Accepts: a Python function (a callee of the function being differentiated).
Guarantees: :func:`mutated_parameters` maps each parameter the function may change in place (a
subscript write, an augmented assignment, a mutating method, an ``out=``, a call of a function
that changes that argument -- followed through calls) to the line that does it; cached per code
object (bounded), so a redefined function is read again.
"""

from __future__ import annotations

import builtins
import inspect
import threading
import types

import gast

from .. import rules
from ..results import Bounded
from ..rules import python as python_rules
from ..rules.methods import MUTATING_METHODS
from .parse import dotted_name, parameter_names


_MUTATION_CACHE = Bounded(256)  # code object -> mutated_parameters' answer
_MUTATION_LOCK = threading.Lock()


def _view_method(attr) -> bool:
    """Does the ndarray method or attribute ``attr`` give a view (its rule says ``view=True``, or it
    has no rule and is known to, ``x.view()``)?"""
    fn = rules.METHODS.get(attr) or rules.ATTRIBUTES.get(attr)
    return attr in rules.VIEW_ONLY_METHODS or (fn is not None and rules.RULES[fn].view)


def _resolve(node, fn):
    """The object the dotted name ``node`` denotes in ``fn``'s globals or closure, or None."""
    name = dotted_name(node)
    if name is None:
        return None
    root, *attrs = name.split(".")
    closure = dict(zip(fn.__code__.co_freevars, getattr(fn, "__closure__", None) or ()))
    try:
        obj = closure[root].cell_contents if root in closure else fn.__globals__[root]
        for attr in attrs:
            obj = getattr(obj, attr)
    except (KeyError, AttributeError, ValueError):
        return None
    return obj


def mutated_parameters(fn, _outer=frozenset()) -> dict:
    """``{parameter: line}`` for the parameters ``fn`` changes in place: a subscript write or an
    augmented assignment (in place for arrays) to the parameter or to a name bound to it or to a
    view of it (a method, attribute or function whose rule says ``view=True``, whatever name the
    function is called by), a mutating method called on one (``a.sort()``, ``a.append(v)``), or
    one passed to a function that changes that argument (``np.copyto(a, v)``, a user function that
    changes its own parameter: followed through calls). After a statement of the body itself
    rebinds a parameter to a new value (``a = a.copy()``, ``a = list(a)``), that name is the
    function's own. Read from ``fn``'s source (syntax only); cached per function (``_outer``: the
    functions being read around this one, for recursion)."""
    from ..errors import SrcadError
    from .parse import parse

    code = getattr(fn, "__code__", None)
    if code is None or code in _outer:
        return {}
    found = _MUTATION_CACHE.get(code)
    if found is not None:
        return found
    try:
        tree = parse(fn).tree
    except SrcadError:
        return {}
    params = parameter_names(tree.args)
    root = {p: p for p in params}  # name -> the parameter it may share memory with
    # a parameter rebound by a statement of the body itself to a new value ('p = p.copy()',
    # 'p = list(p)') holds the function's own value after that statement
    copied, at = {}, {}
    for k, stmt in enumerate(tree.body):
        at.update((id(node), k) for node in gast.walk(stmt))
        if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name) \
                and stmt.targets[0].id in params and _makes_new(stmt.value, fn):
            copied.setdefault(stmt.targets[0].id, k)

    def source_root(node, where=None):
        while isinstance(node, (gast.Subscript, gast.Attribute)):
            node = node.value
        if isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute) \
                and _view_method(node.func.attr):
            return source_root(node.func.value, where)
        if isinstance(node, gast.Call) and node.args:
            rule = rules.lookup(_resolve(node.func, fn))
            if rule is not None and rule.view:  # np.reshape(p, ...), or under another name
                return source_root(node.args[0], where)
        if isinstance(node, gast.Name) and node.id in copied and where is not None \
                and at.get(id(where), -1) > copied[node.id]:
            return None  # the function's own copy
        return root.get(node.id) if isinstance(node, gast.Name) else None

    for _ in range(2):  # flow-insensitive: twice lets a later binding reach an earlier loop
        for node in gast.walk(tree):
            if isinstance(node, gast.Assign) and isinstance(node.targets[0], gast.Name):
                found = source_root(node.value)
                if found is not None:
                    root.setdefault(node.targets[0].id, found)
    mutated = {}
    for node in gast.walk(tree):
        target = None
        if isinstance(node, gast.AugAssign):
            target = node.target
        elif isinstance(node, gast.Assign) and isinstance(node.targets[0], gast.Subscript):
            target = node.targets[0]
        if target is not None:
            found = source_root(target, node)
            if found is not None:
                mutated.setdefault(found, node.lineno)
        if isinstance(node, gast.Call):
            for arg in _changed_arguments(node, fn, _outer | {code}):
                found = source_root(arg, node)
                if found is not None:
                    mutated.setdefault(found, node.lineno)
    with _MUTATION_LOCK:
        _MUTATION_CACHE[code] = mutated
    return mutated


def _makes_new(value, fn) -> bool:
    """Is ``value`` certainly a new object: arithmetic, a display, or a call of a function or
    method whose rule makes a new value (``p.copy()``, ``list(p)``, ``np.array(p)``)?"""
    if isinstance(value, (gast.BinOp, gast.UnaryOp, gast.List, gast.Tuple, gast.Dict,
                          gast.ListComp)):
        return True
    if not isinstance(value, gast.Call):
        return False
    func = value.func
    if isinstance(func, gast.Attribute) and _resolve(func, fn) is None:  # a method of a local
        method = rules.METHODS.get(func.attr)
        return method is not None and not rules.RULES[method].view
    obj = _resolve(func, fn)
    if obj is None and isinstance(func, gast.Name):
        obj = getattr(builtins, func.id, None)  # list(p), tuple(p)
    rule = rules.lookup(obj)
    return rule is not None and rule.differentiable and not rule.view and not rule.identity


def _changed_arguments(node, fn, outer) -> list:
    """The argument nodes the call ``node`` (in ``fn``) changes in place: an ``out=`` (or each array
    of an ``out=`` tuple), the object of a mutating method (``a.sort()``), the argument a function
    of the rule table changes (``np.copyto``), and
    the arguments for the parameters a user function changes (read the same way, recursively)."""
    func = node.func
    out = [v for k in node.keywords if k.arg == "out"
           for v in (k.value.elts if isinstance(k.value, (gast.Tuple, gast.List)) else [k.value])
           if not (isinstance(v, gast.Constant) and v.value is None)]
    if out:  # np.add(a, b, out=c), out=(c,): written whatever else the call does
        return out
    if isinstance(func, gast.Attribute) and func.attr in MUTATING_METHODS \
            and _resolve(func, fn) is None:  # a method of a local value, not a module's function
        return [func.value]
    callee = _resolve(func, fn)
    position = python_rules.mutated_argument(callee) if callee is not None else None
    if position is not None:
        return node.args[position:position + 1]
    if not isinstance(callee, types.FunctionType) or rules.lookup(callee) is not None:
        return []
    changed = mutated_parameters(callee, outer)
    if not changed:
        return []
    params = list(inspect.signature(callee, follow_wrapped=False).parameters)
    return [a for p, a in zip(params, node.args) if p in changed] + \
        [k.value for k in node.keywords if k.arg in changed]
