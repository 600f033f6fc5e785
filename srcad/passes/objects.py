"""Part of pass 6, ops: what the objects of a function are, and calls of their methods made calls of
the user's functions.

Accepts: the A-normal form of pass 5 (:class:`~srcad.passes.anf.Normalized`), its
:class:`~srcad.passes.parse.Parsed` (``kinds``: the kinds of the parameters that hold objects, from
the arguments of the call being differentiated, see :mod:`srcad.api.specialize`), its namer and
:class:`~srcad.rules.template.Helpers`.
Guarantees: :func:`resolve` rewrites the tree in place and returns :class:`Objects`, the
:mod:`~srcad.passes.kinds` of every local (also set as ``parsed.objects``). Where the class of an
object is known (its kind is an :class:`~srcad.passes.kinds.Instance`):

* ``y = obj(a)`` becomes ``y = C_call(obj, a)``, ``y = obj.m(a)`` ``y = C_m(obj, a)``, ``y =
  super().m(a)`` ``y = B_m(self, a)`` (the function found along the class's MRO, bound to a name of
  the generated code), and a property read ``y = obj.p`` ``y = C_p(obj)`` (its getter): calls of
  the user's functions, which pass 6 classifies like any other (``obj`` an argument, so a gradient
  reaches its attributes too). A static method is called without ``obj``;
* ``y = obj.attr(a)`` where ``attr`` is an instance attribute holding a callable becomes ``f = obj.attr``
  then ``y = f(a)`` resolved by ``f``'s kind (a layer, a function);
* where a variable may hold objects of several classes (``for layer in layers`` over layers of two
  classes, a kind :class:`~srcad.passes.kinds.Union`), the call becomes an ``if`` on
  ``isinstance(obj, C)`` per class (subclasses first; the last class is the ``else``), each branch
  calling its class's function: ordinary control flow, which both modes differentiate;
* a local only assigned ``functools.partial(F, ...)`` and only called (or passed on) is a call
  of ``F``, and so is a call of a partial object read by name, held by a parameter or an
  attribute (:mod:`srcad.passes.partials`);
* a variable holding one known function (``act = self.act``) is entered in ``parsed.static``, so
  ``act(h)`` is a call of that function;
* an object built in the function (``q = Quad(A)``, ``P(a=x)``, ``p._replace(a=v)``), an operator
  on an object (``a + b``: ``a.__add__(b)``), ``obj[i]`` (``__getitem__``): see
  :mod:`srcad.passes.constructed`;
* ``s = rng.normal(loc, scale, size)`` and ``rng.uniform`` of a ``numpy.random.Generator`` become
  the standard draws and arithmetic NumPy computes them with (:mod:`srcad.passes.draws`);
* under ``if isinstance(x, C)`` (the user's, or srcad's own in code it generated) ``x`` is known to
  be a ``C``; a test ``x.a is None`` that the kinds decide empties the branch that never runs.

The kinds come from :class:`~srcad.passes.kind_flow.KindFlow`; the calls are resolved by
:class:`~srcad.passes.object_calls.Calls` and built by
:class:`~srcad.passes.call_building.CallBuilding`.

A call srcad cannot resolve so (a method written in C, an attribute the class does not have, a
variable of unknown class) is left as it is, with the reason in ``Objects.refusals``: pass 6 refuses
it, at its line, if a gradient flows through it -- a user object's call is never a constant. What
the resolution assumed of values read by name (a global object's kind, a class's attribute) is kept
in ``parsed.assumptions`` (:class:`~srcad.passes.kind_flow.Assumption`), which the guard of the
transformation checks at every call (:class:`srcad.results.Guard`), so a changed object is
transformed again.
"""

from __future__ import annotations

import builtins
import dataclasses

import gast

from . import draws, partials
from .closures import Closure
from . import foreign
from . import kinds as K
from .constructors import is_namedtuple_class
from .holders import is_static, resolve_static
from .kind_flow import (SUPER, KindFlow, assume, attribute_kind, decided_by_none, isinstance_test,
                        narrow, static_kind)
from .constructed import Builds, loop_items
from .call_building import CallBuilding
from .object_calls import Calls
from .parse import dotted_name


@dataclasses.dataclass
class Objects:
    """The kinds of a function's locals, and what pass 6 needs of the rewriting."""

    kinds: dict                                            # local -> kind
    refined: dict = dataclasses.field(default_factory=dict)   # call node -> {name: kind}
    refusals: dict = dataclasses.field(default_factory=dict)  # statement value -> reason

    def kind(self, name, node=None):
        """The kind of the local ``name`` (at the call ``node``, inside a branch of a dispatch)."""
        refined = self.refined.get(node) if node is not None else None
        if refined and name in refined:
            return refined[name]
        return self.kinds.get(name, K.UNKNOWN)


def resolve(parsed, normalized, namer, helpers) -> Objects:
    """See the module docstring."""
    resolver = _Resolver(parsed, normalized, namer, helpers)
    resolver.run()
    parsed.objects = resolver.objects
    return resolver.objects


class _Resolver(Calls, Builds, CallBuilding):
    """Rewrites one function (see the module docstring); the calls themselves: :class:`Calls`,
    :class:`Builds`, the statements replacing them: :class:`CallBuilding`."""

    def __init__(self, parsed, normalized, namer, helpers):
        self.parsed, self.normalized, self.namer, self.helpers = parsed, normalized, namer, helpers
        self.locals = set(normalized.locals)
        self.objects = Objects({})
        self.supers: dict = {}  # local holding super() -> (class it starts after, self's name)
        self.tests: dict = {}  # 'cond = isinstance(x, C)': cond -> (x, C)
        self.refine: dict = {}  # the narrowings in force where a statement is rewritten

    def run(self):
        tree = self.normalized.tree
        self.params = [a.id for a in tree.args.posonlyargs + tree.args.args
                       + tree.args.kwonlyargs]
        partials.expand(tree, self.parsed, self.namer, self.locals, self.located)
        self.objects.kinds = KindFlow(self.parsed, tree, self.locals).run()
        self.loop_items = loop_items(tree, self.normalized.iterated)
        for name, kind in self.objects.kinds.items():
            if isinstance(kind, K.Function) and name not in self.parsed.static \
                    and not isinstance(kind.fn, Closure):  # (a caller's: only its parameter)
                self.parsed.static[name] = kind.fn  # 'act(h)' calls that function
        tree.body = self.block(tree.body)
        self.normalized.locals = frozenset(self.locals)
        for stmt in list(self.normalized.iterated):  # a loop over a known list needs no check
            if isinstance(self.objects.kind(self.normalized.iterated[stmt]), K.Sequence):
                del self.normalized.iterated[stmt]

    def static_kind(self, node):
        return static_kind(self.parsed, node)

    def assume(self, assumption):
        assume(self.parsed, assumption)

    # -- rewriting -------------------------------------------------------------------------------

    def block(self, stmts, refine=None) -> list:
        """The statements rewritten; ``refine``: the kinds ``isinstance`` tests narrowed here."""
        refine = dict(refine or {})
        out = []
        for stmt in stmts:
            if isinstance(stmt, gast.If):
                body, orelse = self.narrowed(stmt, refine)
                stmt.body = self.block(stmt.body, body)
                stmt.orelse = self.block(stmt.orelse, orelse)
                out.append(stmt)
            elif isinstance(stmt, gast.While):
                stmt.body = self.block(stmt.body, refine)
                out.append(stmt)
            elif isinstance(stmt, gast.For):
                stmt.body = self.block(stmt.body, refine)
                out.append(stmt)
            elif isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name):
                self.refine = refine
                self.note_test(stmt)
                new = draws.expand(stmt, self) or self.statement(stmt)
                for part in new:  # what the calls here are passed, narrowed (their callees')
                    for node in gast.walk(part):
                        if isinstance(node, gast.Call) and refine:
                            self.objects.refined[node] = {**refine,
                                                          **self.objects.refined.get(node, {})}
                out += new
            else:
                out.append(stmt)
        return out

    def kind(self, name):
        """The kind of ``name`` here (narrowed by an ``isinstance`` test around)."""
        return self.refine[name] if name in self.refine else self.objects.kind(name)

    def note_test(self, stmt):
        """``cond = isinstance(x, C)``: remember it, to narrow ``x`` under ``if cond``; ``cond =
        x.attr is None`` (or ``is not None``) that the kinds decide: remember the decision."""
        name = stmt.targets[0].id
        self.tests.pop(name, None)
        decided = decided_by_none(stmt.value, self.path_kind)
        test = isinstance_test(stmt.value, self.parsed, self.locals)
        if decided is not None or test is not None:
            self.tests[name] = decided if decided is not None else test

    def path_kind(self, node):
        """The kind of ``x`` or ``x.a.b`` for a local ``x`` (UNKNOWN for anything else)."""
        if isinstance(node, gast.Name) and node.id in self.locals:
            return self.kind(node.id)
        if isinstance(node, gast.Attribute):
            return attribute_kind(self.path_kind(node.value), node.attr)
        return K.UNKNOWN

    def narrowed(self, stmt, refine) -> tuple:
        """The narrowings of the body and the ``else`` of ``if cond:`` after ``cond =
        isinstance(x, C)`` (none for a name the branch assigns). A branch that a test of None
        decided never runs (``if self.bias is not None`` where the attribute is None) is emptied:
        its calls on None are never made."""
        test = self.tests.get(stmt.test.id) if isinstance(stmt.test, gast.Name) else None
        if isinstance(test, bool):
            if test:
                stmt.orelse = []
            else:
                stmt.body = [gast.Pass()]
            return refine, refine
        if test is None:
            return refine, refine
        name, cls = test
        assigned = {n.id for part in stmt.body + stmt.orelse for n in gast.walk(part)
                    if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}
        if name in assigned:
            return refine, refine
        inside, outside = narrow(refine.get(name, self.objects.kind(name)), cls)
        return ({**refine, name: inside} if inside is not None else refine,
                {**refine, name: outside} if outside is not None else refine)

    def statement(self, stmt) -> list:
        value = stmt.value
        if self.objects.kind(stmt.targets[0].id) is SUPER and isinstance(value, gast.Call) \
                and self.super_call(stmt):
            return []  # 'parent = super()': its uses are resolved statically
        if isinstance(value, (gast.BinOp, gast.UnaryOp)):
            new = self.operator(stmt)
            return [stmt] if new is None else new
        if isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name) \
                and value.value.id in self.locals:
            kind = self.kind(value.value.id)
            if isinstance(kind, K.Instance) and not issubclass(kind.cls, tuple):
                return self.item(stmt, value.value.id, kind)
        if isinstance(value, gast.Call):
            func = value.func
            self.no_change(value)
            called = partials.static_call(stmt, self)  # a functools.partial object called
            if called is not None:
                return called
            if isinstance(func, gast.Name) and isinstance(self.parsed.static.get(func.id), type):
                return self.construct(stmt, self.parsed.static[func.id], value.args,
                                      value.keywords)  # 'cls(W)' in a class method
            if isinstance(func, gast.Name) and func.id in self.locals \
                    and func.id not in self.parsed.static and func.id not in self.parsed.nested:
                return self.call(stmt, func.id, None, self.kind(func.id))
            if isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name) \
                    and func.value.id in self.locals:
                kind = self.kind(func.value.id)
                if func.attr == "_replace" and isinstance(kind, K.Instance) \
                        and is_namedtuple_class(kind.cls) and not value.args:
                    return self.replaced(stmt, func.value.id, kind, value.keywords)
                if K.is_object(kind) or kind is SUPER:
                    return self.call(stmt, func.value.id, func.attr, kind)
                return [stmt]
            if is_static(func, self.locals):
                return self.static_call(stmt)
            return [stmt]
        if isinstance(value, gast.Attribute) and isinstance(value.value, gast.Name) \
                and value.value.id in self.locals:
            kind = self.kind(value.value.id)
            if K.is_object(kind) or kind is SUPER:
                return self.read(stmt, value.value.id, value.attr, kind)
        return [stmt]

    def no_change(self, call):
        """Refuse ``setattr``/``delattr`` on an object whose kind the resolution uses: its methods
        were found from what it held when the function was called."""
        if not (call.args and isinstance(call.args[0], gast.Name)
                and is_static(call.func, self.locals)):
            return
        try:
            fn = resolve_static(call.func, self.parsed)
        except Exception:  # noqa: BLE001 -- (reported by pass 6)
            return
        if fn in (builtins.setattr, builtins.delattr, object.__setattr__, object.__delattr__) \
                and K.is_object(self.kind(call.args[0].id)):
            from ..errors import UnsupportedSyntaxError
            raise UnsupportedSyntaxError(
                f"'{dotted_name(call.func)}' changes the object '{call.args[0].id}' while the "
                "function runs; srcad resolves its methods from what it holds when the function "
                "is called", self.parsed.location(call),
                hint="compute new values instead of changing the object (or make a new one)")


def argument_kind(atom, parsed, locals_, node):
    """The kind of an argument of a user's call, if it holds objects (what the callee is
    specialized on: the classes of the objects it is passed); None otherwise."""
    if parsed.objects is None:
        return None
    if isinstance(atom, gast.Name) and atom.id in locals_:
        kind = parsed.objects.kind(atom.id, node)
    elif is_static(atom, locals_) and isinstance(atom, (gast.Name, gast.Attribute)):
        kind = static_kind(parsed, atom)  # (a global object: assumed, checked at every call)
    else:
        return None
    return kind if isinstance(kind, (K.Instance, K.Sequence, K.Mapping, K.Union)) else None


def refusal(value, objects):
    """Why pass 6 refuses ``value`` where a gradient flows through it: a call on an object this
    pass could not resolve, or an operator on an object (its class's ``__add__``, ...); or None."""
    if objects is None:
        return None
    if value in objects.refusals:
        return objects.refusals[value]
    operands = [value.left, value.right] if isinstance(value, gast.BinOp) else \
        [value.operand] if isinstance(value, gast.UnaryOp) else []
    held = [o.id for o in operands if isinstance(o, gast.Name) and K.is_object(objects.kind(o.id))
            and not foreign.is_sparse_kind(objects.kind(o.id))]  # (refused above where it is)
    if not held:
        return None
    return (f"srcad has no gradient rule for an operator on '{held[0]}', an object (its class's "
            "operator method is not differentiated); compute with its attributes instead")


def operands(value, targets, locals_) -> tuple:
    """``(changed, operands)`` of a refused ``value``: the locals it is passed or called on (the
    method may change them: a gradient through them refuses it too), and its operands by name."""
    parts = [value.func] + list(value.args) + [k.value for k in value.keywords] \
        if isinstance(value, gast.Call) else [value]
    changed = tuple(dict.fromkeys(n.id for a in parts for n in gast.walk(a)
                                  if isinstance(n, gast.Name) and n.id in locals_
                                  and n.id not in targets))
    return changed, {f"arg{k}": a for k, a in enumerate(parts)}


def read_as_object(value, objects) -> bool:
    """Is the attribute read ``value`` (``x.name``) one of an object (pass 6 gives it the rule of
    ``getattr``), rather than of an array (``x.T``, ``x.shape``)? An object's always; a value of
    unknown kind's unless the name is an array's (:mod:`srcad.runtime.objects` checks at run time
    that it is an object); data's never."""
    from .. import rules
    kind = objects.kind(value.value.id) if objects is not None \
        and isinstance(value.value, gast.Name) else K.UNKNOWN
    array_name = value.attr in rules.NONDIFF_ATTRIBUTES or value.attr in rules.ATTRIBUTES
    return K.is_object(kind) or not (array_name or kind is K.DATA)
