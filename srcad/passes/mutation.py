"""Part of pass 8, alias: which parameters a user function changes in place, read from its source.

Accepts: a Python function (a callee of the function being differentiated).
Guarantees: :func:`mutated_parameters` maps each parameter the function may change in place (a
subscript write, an augmented assignment, a mutating method, an ``out=``, a call of a function
that changes that argument -- followed through calls), through any name that may share its memory
(:func:`returned_parameters`: a view, an alias, a container holding it, what a function returning
its argument returned), to the line that does it; cached per code object (bounded), so a
redefined function is read again. A write into a container, a method that changes it and an
augmented assignment to a name change what the name may *be*, not the items it holds: ``ys =
[y0]; ys.append(v)`` changes a new list, not ``y0`` (``ys[0] += v`` and ``ys[0][:] = v`` do).
"""

from __future__ import annotations

import builtins
import inspect
import threading
import types

import gast
import numpy as np

from .. import rules
from ..results import Bounded
from ..rules import python as python_rules
from ..rules.methods import MUTATING_METHODS
from .mutation_own import _PASSING, OwnRoots, _flat, _resolve
from .parse import parameter_names


# builtins whose result never holds an argument's memory
_NEW_VALUES = (len, range, print, isinstance, issubclass, type, int, float, bool, str, repr, abs,
               round, sum, hash, id, callable, divmod, pow, format, ord, chr, complex)
_MUTATION_CACHE = Bounded(256)  # code object -> mutated_parameters' answer
_MUTATION_LOCK = threading.Lock()


def _view_method(attr) -> bool:
    """Does the ndarray method or attribute ``attr`` give a view (its rule says ``view=True``, or it
    has no rule and is known to, ``x.view()``)?"""
    fn = rules.METHODS.get(attr) or rules.ATTRIBUTES.get(attr)
    return attr in rules.VIEW_ONLY_METHODS or (fn is not None and rules.RULES[fn].view)


def mutated_parameters(fn, _outer=frozenset()) -> dict:
    """``{parameter: line}`` for the parameters ``fn`` changes in place: a subscript write or an
    augmented assignment (in place for arrays) to the parameter or to a name that may share its
    memory (see :func:`returned_parameters` for what may), a mutating method called on one
    (``a.sort()``, ``a.append(v)``), or one passed to a function that changes that argument
    (``np.copyto(a, v)``, a user function that changes its own parameter: followed through calls).
    After a statement of the body itself rebinds a parameter to a new value (``a = a.copy()``,
    ``a = list(a)``), that name is the function's own. Read from ``fn``'s source (syntax only);
    cached per function (``_outer``: the functions being read around this one, for recursion)."""
    return _read(fn, _outer)[0]


def returned_parameters(fn, _outer=frozenset()) -> frozenset:
    """The parameters whose memory what ``fn`` returns may share: returned as they are, as a view
    (``a.T``, ``a[1:]``, ``np.reshape(a, ...)``), inside a tuple, list or dict, or as what a call
    returned that may itself share an argument's memory (a user function returning its argument,
    followed through calls; a callable srcad cannot resolve: any of its arguments). A name may
    share a parameter's memory when it is bound to such a value (by an assignment, a tuple
    unpacking, a ``for`` target iterating over it, either branch of a conditional expression)."""
    return _flat(returned_structure(fn, _outer))


def returned_structure(fn, _outer=frozenset()):
    """:func:`returned_parameters` by tuple element, where ``fn`` returns tuples of a known length
    (a generated forward function returns ``(value, saved)``: unpacking it, the value shares only
    what it shares): a frozenset of parameters, or a tuple of such structures."""
    return _read(fn, _outer)[1]


def _read(fn, outer) -> tuple:
    from ..errors import SrcadError
    from .parse import parse

    code = getattr(fn, "__code__", None)
    if code is None or code in outer:
        return {}, frozenset()
    found = _MUTATION_CACHE.get(code)
    if found is not None:
        return found
    try:
        tree = parse(fn).tree
    except SrcadError:
        return {}, frozenset()
    reader = _Reader(fn, tree, outer | {code})
    found = reader.mutated(), reader.returned()
    with _MUTATION_LOCK:
        _MUTATION_CACHE[code] = found
    return found


def _merge(a, b):
    """What a name bound to values of the structures ``a`` and ``b`` (either may be None) holds."""
    if a is None or b is None:
        return b if a is None else a
    if isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b):
        return tuple(_merge(x, y) for x, y in zip(a, b))
    return _flat(a) | _flat(b)


class _Reader(OwnRoots):
    """Which names of ``tree`` (``fn``'s) may share memory with which parameters (flow-insensitive,
    to a fixed point), and from that what the function changes and returns. What a value may share
    is a *structure*: a frozenset of parameters, or, for a tuple whose length is known (a display,
    what a function returning tuples returned), a tuple of structures, so that ``v, w = pair``
    shares with ``v`` only what the first element shares."""

    def __init__(self, fn, tree, outer):
        self.fn, self.tree, self.outer = fn, tree, outer
        params = parameter_names(tree.args)
        self.values = {p: frozenset({p}) for p in params}  # name -> structure
        # name -> the parameters it may be (the object itself, or a view of it), not only hold
        # as an item: a list display holding a parameter is a new list ('ys = [y0]'), which
        # 'ys.append(v)' changes without changing 'y0'
        self.own = {p: frozenset({p}) for p in params}
        # a parameter rebound by a statement of the body itself to a new value ('p = p.copy()',
        # 'p = list(p)') holds the function's own value after that statement
        self.copied, self.at = {}, {}
        stores = {}
        for node in gast.walk(tree):
            if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store):
                stores[node.id] = stores.get(node.id, 0) + 1
        for k, stmt in enumerate(tree.body):
            self.at.update((id(node), k) for node in gast.walk(stmt))
            if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name) \
                    and stmt.targets[0].id in params and _makes_new(stmt.value, fn) \
                    and stores[stmt.targets[0].id] == 1:  # (rebound later: not only its own)
                self.copied.setdefault(stmt.targets[0].id, k)
        for _ in range(8):  # to a fixed point (a later binding reaches an earlier loop)
            if not self.bind_all():
                break

    def bind_all(self) -> bool:
        changed = False
        for node in gast.walk(self.tree):
            if isinstance(node, gast.Assign):
                pairs = [(t, node.value) for t in node.targets]
            elif isinstance(node, (gast.For, gast.comprehension)):
                pairs = [(node.target, gast.Starred(value=node.iter, ctx=gast.Load()))]
            elif isinstance(node, gast.NamedExpr):
                pairs = [(node.target, node.value)]
            else:
                continue
            for target, value in pairs:
                changed |= self.bind(target, self.structure(value))
                changed |= self.bind_own(target, value, self.structure(value), node)
        return changed

    def bind(self, target, r) -> bool:
        if isinstance(target, gast.Name):
            new = _merge(self.values.get(target.id), r)
            if new != self.values.get(target.id):
                self.values[target.id] = new
                return True
            return False
        if isinstance(target, (gast.Tuple, gast.List)) and isinstance(r, tuple) \
                and len(r) == len(target.elts) \
                and not any(isinstance(e, gast.Starred) for e in target.elts):
            return any([self.bind(e, x) for e, x in zip(target.elts, r)])
        if isinstance(target, (gast.Tuple, gast.List, gast.Starred)):
            elts = target.elts if not isinstance(target, gast.Starred) else [target.value]
            return any([self.bind(e, _flat(r)) for e in elts])
        return False  # a subscript or attribute target: a write, see mutated()

    def structure(self, node, where=None):
        """What the value of the expression ``node`` may share memory with (a structure)."""
        if isinstance(node, gast.Tuple) and not any(isinstance(e, gast.Starred) for e in node.elts):
            return tuple(self.structure(e, where) for e in node.elts)
        if isinstance(node, gast.Name):
            if node.id in self.copied and where is not None \
                    and self.at.get(id(where), -1) > self.copied[node.id]:
                return frozenset()  # the function's own copy
            return self.values.get(node.id, frozenset())
        if isinstance(node, gast.Subscript) and isinstance(node.slice, gast.Constant) \
                and type(node.slice.value) is int:
            r = self.structure(node.value, where)
            if isinstance(r, tuple) and -len(r) <= node.slice.value < len(r):
                return r[node.slice.value]
            return _flat(r)
        callee = self.user_callee(node)
        if callee is not None:
            returned = returned_structure(callee, self.outer)
            params = list(inspect.signature(callee, follow_wrapped=False).parameters)
            bound = dict(zip(params, node.args))
            bound.update((k.arg, k.value) for k in node.keywords)
            return self.substitute(returned, bound, where)
        return frozenset(self.source_roots(node, where))

    def user_callee(self, node):
        """The user function ``node`` calls with plain arguments (read for what it returns)."""
        if not isinstance(node, gast.Call) or any(isinstance(a, gast.Starred) for a in node.args) \
                or any(k.arg is None for k in node.keywords):
            return None
        callee = _resolve(node.func, self.fn)
        if isinstance(callee, types.FunctionType) and rules.lookup(callee) is None:
            return callee
        return None

    def substitute(self, r, bound, where):
        """The structure ``r`` of a callee's result (in its parameters) in this function's terms."""
        if isinstance(r, tuple):
            return tuple(self.substitute(e, bound, where) for e in r)
        return frozenset().union(*(self.source_roots(bound[p], where) for p in r if p in bound))

    def source_roots(self, node, where=None) -> set:
        """The parameters the value of the expression ``node`` may share memory with."""
        if isinstance(node, (gast.Name, gast.Tuple)) or self.user_callee(node) is not None:
            return set(_flat(self.structure(node, where)))
        while isinstance(node, (gast.Subscript, gast.Attribute, gast.Starred)):
            node = node.value
        if isinstance(node, (gast.Name, gast.Tuple)) or self.user_callee(node) is not None:
            return set(_flat(self.structure(node, where)))
        if isinstance(node, gast.IfExp):
            return self.source_roots(node.body, where) | self.source_roots(node.orelse, where)
        if isinstance(node, gast.BoolOp):
            return set().union(*(self.source_roots(v, where) for v in node.values))
        if isinstance(node, (gast.List, gast.Set, gast.Tuple)):
            return set().union(set(), *(self.source_roots(e, where) for e in node.elts))
        if isinstance(node, gast.Dict):
            return set().union(set(), *(self.source_roots(v, where) for v in node.values))
        if isinstance(node, (gast.ListComp, gast.SetComp, gast.GeneratorExp)):
            return self.source_roots(node.elt, where)
        if isinstance(node, gast.DictComp):
            return self.source_roots(node.value, where)
        if isinstance(node, gast.Call):
            return self.call_roots(node, where)
        return set()

    def call_roots(self, node, where) -> set:
        func = node.func
        callee = _resolve(func, self.fn)
        if isinstance(func, gast.Attribute) and callee is None and _view_method(func.attr):
            return self.source_roots(func.value, where)  # a.reshape(...), a.T: a view of a
        if callee is None and isinstance(func, gast.Name):
            callee = getattr(builtins, func.id, None)
        if isinstance(func, gast.Attribute) and callee is None and func.attr == "get":
            return self.source_roots(func.value, where)  # d.get(k): the entry itself
        if callee is getattr and node.args:  # getattr(a, "T"): what a holds, or a view of a
            return self.source_roots(node.args[0], where)
        rule = rules.lookup(callee) if callee is not None else None
        if rule is not None:
            if rule.view and node.args:  # np.reshape(p, ...), or under another name
                return self.source_roots(node.args[0], where)
            return set()  # a rule's result is a new value (unless it says view=True)
        if isinstance(func, gast.Attribute) and callee is None \
                and func.attr in rules.METHODS:  # a method of a local array: its rule's result
            return set()
        if callee in _PASSING:  # enumerate(a), zip(a, b): their items are a's, b's
            return set().union(set(), *(self.source_roots(a, where) for a in node.args))
        if isinstance(callee, np.ufunc) or callee in _NEW_VALUES \
                or getattr(callee, "__module__", "") == "math":
            return set()  # len, range, np.exp without a rule, math.sqrt: a new value
        # a callable srcad cannot read or that may give back what it is given (an object's
        # method, a local function value, np.real or np.asanyarray of an array, getattr, next,
        # max with a key): any of its arguments (or its object) may come back
        # a callable srcad cannot read (an object's method, a local function value): any of
        # its arguments (or its object) may come back
        args = list(node.args) + [k.value for k in node.keywords]
        if isinstance(func, gast.Attribute):
            args.append(func.value)
        return set().union(set(), *(self.source_roots(a, where) for a in args))

    def mutated(self) -> dict:
        mutated = {}
        for node in gast.walk(self.tree):
            target = None
            if isinstance(node, gast.AugAssign):  # ('ys[0] += v' changes the item in place)
                target = node.target
                roots = self.own_roots(target, node) if isinstance(target, gast.Name) \
                    else self.source_roots(target, node)
            elif isinstance(node, gast.Assign) and isinstance(node.targets[0], gast.Subscript):
                target = node.targets[0]  # (the container written into)
                roots = self.own_roots(target.value, node)
            if target is not None:
                for found in sorted(roots):
                    mutated.setdefault(found, node.lineno)
            if isinstance(node, gast.Call):
                receiver = node.func.value if isinstance(node.func, gast.Attribute) else None
                for arg in _changed_arguments(node, self.fn, self.outer):
                    roots = self.own_roots(arg, node) if arg is receiver and not any(
                        k.arg == "out" for k in node.keywords) else self.source_roots(arg, node)
                    for found in sorted(roots):
                        mutated.setdefault(found, node.lineno)
        return mutated

    def returned(self):
        """The structure of what the function returns (merged over its ``return`` statements)."""
        result = None
        for node in gast.walk(self.tree):
            if isinstance(node, gast.Return) and node.value is not None:
                result = _merge(result, self.structure(node.value, node))
        return frozenset() if result is None else result


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
