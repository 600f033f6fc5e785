"""Part of pass 6, ops: what a local variable holds, where the meaning of an operation on it
depends on that (``+`` on lists, a method call).

Accepts: the A-normal-form simple statements of a function (passes 4-5), its
:class:`~srcad.passes.parse.Parsed` and its local names.
Guarantees: :func:`sequence_names` gives the locals that hold lists or tuples (a
:class:`Sequences`, which also keeps the statements, for :meth:`Sequences.holders`,
:meth:`Sequences.sharing` and :meth:`Sequences.readers`); :func:`holders` maps a local to

* a module, when every assignment to it is that module (``xp = np``; ``la = xp.linalg``; ``xp =
  array_namespace(x)``, the module the call's specialization found: see
  :mod:`srcad.passes.array_namespaces`): a method call on it is a call of that module's
  function (``xp.sum(x)`` is ``np.sum(x)``);
* :data:`OPAQUE`, when some assignment to it may give it a value that is not an array: an
  instance of a user's class, a function, whatever ``getattr``, ``globals()``, ``eval`` ... return,
  an item or attribute of such a value (unpacked too), a namespace srcad did not specialize on,
  or two different modules. Pass 6 refuses a method call on
  it if a gradient would flow through (srcad cannot see what the method does);

and leaves out every other local (parameters, results of operations with a rule, of user calls):
those are taken for arrays or numbers, whose methods have the rules of :mod:`srcad.rules.methods`.
:func:`changed_by` says which locals a call may change in place, or read without being passed them.
"""

from __future__ import annotations

import builtins
import inspect
import numbers
import types

import gast
import numpy as np

from ..rules.methods import MUTATING_METHODS
from ..rules.python import is_implicit_scope, mutated_argument
from . import array_namespaces
from .parse import dotted_name, resolve_dotted


class _Opaque:
    def __repr__(self):
        return "OPAQUE"


OPAQUE = _Opaque()

# what a static value may be and still be taken for data (its methods the ndarray's, or none)
_DATA = (np.ndarray, np.generic, numbers.Number, str, bytes, list, tuple, dict, type(None))


class Sequences(frozenset):
    """The names :func:`sequence_names` found, and the statements, for :meth:`holders`."""

    def __new__(cls, names, stmts):
        self = super().__new__(cls, names)
        self.stmts, self.found = list(stmts), None
        return self

    def holders(self, parsed, locals_) -> dict:
        """:func:`holders` of these statements, computed once."""
        if self.found is None:
            self.found = holders(self.stmts, parsed, locals_)
        return self.found

    def sharing(self, names, locals_, parsed) -> tuple:
        """``names`` and every local whose memory they may share (a value changed in place may be
        a view): the locals read where any of them is assigned a copy, an item, an attribute or
        what a call may return as a view, and so on."""
        reads = {}
        for stmt in self.stmts:
            if isinstance(stmt, gast.Assign) and _may_view(stmt.value, parsed, locals_):
                for target in gast.walk(stmt.targets[0]):
                    if isinstance(target, gast.Name):
                        reads.setdefault(target.id, set()).update(
                            n.id for n in gast.walk(stmt.value)
                            if isinstance(n, gast.Name) and n.id in locals_)
        found, todo = list(names), list(names)
        while todo:
            for name in sorted(reads.get(todo.pop(), ())):
                if name not in found:
                    found.append(name)
                    todo.append(name)
        return tuple(found)

    def readers(self, node, names, parsed) -> tuple:
        """The locals computed from ``names`` before the call ``node`` changes them in place (before
        it in the statements, or anywhere in a loop of the user's function around it): the backward
        sweep would read their operands changed, so a gradient through them must refuse ``node``."""
        index = next((k for k, s in enumerate(self.stmts) if getattr(s, "value", None) is node),
                     len(self.stmts))
        line = getattr(node, "lineno", None)
        loops = [(n.lineno, n.end_lineno or n.lineno) for n in gast.walk(parsed.tree)
                 if isinstance(n, (gast.For, gast.While)) and line is not None
                 and n.lineno <= line <= (n.end_lineno or n.lineno)]
        found = []
        for k, stmt in enumerate(self.stmts):
            if k == index or not isinstance(stmt, gast.Assign):
                continue
            at = getattr(stmt, "lineno", None) or getattr(stmt.value, "lineno", None)
            if k > index and not any(at is not None and a <= at <= b for a, b in loops):
                continue
            if any(isinstance(n, gast.Name) and n.id in names for n in gast.walk(stmt.value)):
                found += [t.id for t in gast.walk(stmt.targets[0])
                          if isinstance(t, gast.Name) and t.id not in found]
        return tuple(found)


def _may_view(value, parsed, locals_) -> bool:
    """Whether ``value`` may share memory with the locals it reads (arithmetic never does), or
    hold them (a tuple or list display: ``out=(y,)`` writes into ``y``)."""
    from .. import rules
    if isinstance(value, (gast.Name, gast.Subscript, gast.Attribute, gast.Tuple, gast.List)):
        return True
    if not isinstance(value, gast.Call):
        return False
    if is_static(value.func, locals_) and _resolvable(value.func):
        rule = rules.lookup(resolve_static(value.func, parsed))
        return rule is None or rule.view
    return True


def sequence_names(stmts, parsed=None) -> Sequences:
    """Variables that hold a list or tuple: assigned a literal one, what the builtins ``list``,
    ``tuple`` and ``sorted`` return (resolved in ``parsed``'s namespace), or what ``+``, ``*``,
    slicing and copies make of those. ``+`` and ``*`` on them concatenate and repeat."""
    names = set()
    assigned = {t.id for stmt in stmts if isinstance(stmt, gast.Assign)
                for t in gast.walk(stmt.targets[0]) if isinstance(t, gast.Name)}
    makers = {name for name in ("list", "tuple", "sorted") if name not in assigned
              and parsed is not None and parsed.namespace.lookup(name, None) is getattr(
                  builtins, name)}
    changed = True
    while changed:
        changed = False
        for stmt in stmts:
            if not isinstance(stmt, gast.Assign) or not isinstance(stmt.targets[0], gast.Name):
                continue
            value, target = stmt.value, stmt.targets[0].id
            if target in names:
                continue
            operands = []
            if isinstance(value, (gast.List, gast.Tuple)):
                hit = True
            elif isinstance(value, gast.Call):  # list(x), tuple(x), sorted(x)
                hit = isinstance(value.func, gast.Name) and value.func.id in makers
            elif isinstance(value, gast.BinOp) and isinstance(value.op, (gast.Add, gast.Mult)):
                operands = [value.left, value.right]
                hit = any(isinstance(o, gast.Name) and o.id in names for o in operands)
            elif isinstance(value, gast.Subscript) and isinstance(value.slice, gast.Slice):
                hit = isinstance(value.value, gast.Name) and value.value.id in names
            else:
                hit = isinstance(value, gast.Name) and value.id in names
            if hit:
                names.add(target)
                changed = True
    return Sequences(names, stmts)


def holders(stmts, parsed, locals_) -> dict:
    """See the module docstring."""
    found: dict = {p: v for p, v in parsed.static.items() if isinstance(v, types.ModuleType)}
    changed = True
    while changed:
        changed = False
        for stmt in stmts:
            if not isinstance(stmt, gast.Assign):
                continue
            if not isinstance(stmt.targets[0], gast.Name):  # a, b = v: what v's items are
                if _held(stmt.value, parsed, locals_, found) is OPAQUE:
                    for target in gast.walk(stmt.targets[0]):
                        if isinstance(target, gast.Name) and found.get(target.id) is not OPAQUE:
                            found[target.id] = OPAQUE
                            changed = True
                continue
            name = stmt.targets[0].id
            held = _namespace(stmt, parsed, locals_)
            if held is None:
                held = _held(stmt.value, parsed, locals_, found)
            old = found.get(name)
            if held is None or old is OPAQUE or old is held:
                continue
            new = held if old is None else OPAQUE  # two different modules: unknown
            if new is not old:
                found[name] = new
                changed = True
    # a local also assigned an array somewhere is not a module everywhere
    for stmt in stmts:
        if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name):
            name = stmt.targets[0].id
            if isinstance(found.get(name), types.ModuleType) \
                    and _namespace(stmt, parsed, locals_) is None \
                    and _held(stmt.value, parsed, locals_, found) is None:
                found[name] = OPAQUE
    return found


def _namespace(stmt, parsed, locals_):
    """For ``xp = array_namespace(x)``: the module this call's specialization found
    (:mod:`srcad.passes.array_namespaces`), else OPAQUE; None for any other statement."""
    if not array_namespaces.getter_call(stmt.value, parsed, locals_):
        return None
    return getattr(parsed, "namespaces", {}).get(stmt.targets[0].id, OPAQUE)


def _held(value, parsed, locals_, found):
    """What assigning ``value`` gives: a module, OPAQUE, or None (data, as far as srcad knows)."""
    names = [n.id for n in gast.walk(value) if isinstance(n, gast.Name)]
    local = [n for n in names if n in locals_]
    if isinstance(value, gast.Call) and not any(
            isinstance(n, gast.Name) and n.id in locals_ for n in gast.walk(value.func)):
        return _called(resolve_static(value.func, parsed) if _resolvable(value.func) else None)
    if not local:
        if not _resolvable(value):
            return None
        obj = resolve_static(value, parsed)
        return _kind(obj)
    if isinstance(value, gast.Name):
        return found.get(value.id)
    if isinstance(value, (gast.Attribute, gast.Subscript)) and isinstance(value.value, gast.Name):
        base = found.get(value.value.id)
        if isinstance(base, types.ModuleType) and isinstance(value, gast.Attribute):
            return _kind(getattr(base, value.attr, None))
        return OPAQUE if base is not None else None
    if isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute) \
            and isinstance(value.func.value, gast.Name) \
            and isinstance(found.get(value.func.value.id), types.ModuleType):
        return _called(getattr(found[value.func.value.id], value.func.attr, None))
    return None


def _resolvable(node) -> bool:
    if isinstance(node, gast.Subscript):
        return isinstance(node.slice, gast.Constant) and _resolvable(node.value)
    return dotted_name(node) is not None


def _kind(obj):
    if isinstance(obj, types.ModuleType):
        return obj
    if isinstance(obj, _DATA) or obj is None:
        return None
    return OPAQUE


def _called(fn):
    """What a call of the static ``fn`` returns, as far as method calls on it care."""
    from .. import rules
    from ..rules.python import is_implicit_scope
    if fn is None:
        return None
    if is_implicit_scope(fn) or fn in (getattr, __import__) or \
            getattr(fn, "__name__", "") == "import_module":
        return OPAQUE
    if isinstance(fn, type) and not issubclass(fn, _DATA) and rules.lookup(fn) is None:
        return OPAQUE  # an instance of a user's class
    if isinstance(fn, types.FunctionType) and array_namespaces.returns_module(fn):
        return OPAQUE  # (def get_xp(z): return array_namespace(z): never an array's methods)
    return None


def is_static(node, locals_) -> bool:
    return not any(isinstance(n, gast.Name) and n.id in locals_ for n in gast.walk(node))


def resolve_static(func, parsed):
    """The object a static callee denotes: a dotted name (``np.exp``, ``helper``) or a constant
    subscript of one (``ACTIVATIONS["relu"]``)."""
    if isinstance(func, gast.Subscript) and isinstance(func.slice, gast.Constant):
        container = resolve_static(func.value, parsed)
        try:
            found = container[func.slice.value]
        except (KeyError, IndexError, TypeError):
            return None
        _assume(parsed, func.value, container, func.slice.value, found)
        return found
    if dotted_name(func) is None:
        return None
    found = resolve_dotted(func, parsed.namespace, parsed.filename)
    if isinstance(func, gast.Attribute):
        owner = resolve_static(func.value, parsed)
        if not isinstance(owner, types.ModuleType):
            _assume(parsed, func.value, owner, func.attr, found)
    return found


def _assume(parsed, node, owner, key, found):
    """The transformation assumes ``owner[key]`` (or ``owner.key``, a class's or an object's
    attribute) is what it is now: kept in ``parsed.assumptions``, which the guard checks at every
    call (a notebook that swaps ``ACTS["act"]`` or ``Cfg.act`` gets a new derivative)."""
    if not (callable(found) or isinstance(found, types.ModuleType)) \
            or not isinstance(getattr(parsed, "assumptions", None), list):
        return
    entry = Entry(owner, key, isinstance(node, gast.Subscript) is False
                  and not isinstance(owner, (dict, list, tuple)))
    if not any(isinstance(a, Entry) and a.owner is owner and a.key == key
               for a in parsed.assumptions):
        parsed.assumptions.append(entry)


class Entry:
    """An assumption of a transformation (see :func:`_assume`): ``owner``'s entry or attribute
    ``key`` is still the object it was (compared by identity, read without calling anything)."""

    cls = name = expression = namespace = None  # (what kind_flow.assume compares assumptions by)

    def __init__(self, owner, key, attribute):
        self.owner, self.key, self.attribute = owner, key, attribute
        self.value = self.read()

    def read(self):
        if self.attribute:
            return inspect.getattr_static(self.owner, self.key, None)
        try:
            return self.owner[self.key]
        except (KeyError, IndexError, TypeError):
            return None

    def holds(self) -> bool:
        return self.read() is self.value


def changed_by(node, keywords, parsed, locals_, held, sequences):
    """For the call ``node``: ``(names, reason)`` if it changes locals in place (``y.sort()``,
    ``np.copyto(y, v)``, ``np.add.at(y, i, v)``, an ``out=`` argument: the changed local, what it
    may be a view of and what was computed from it earlier, see :class:`Sequences`) or reads
    locals it is not passed (``eval``, ``exec``, ``locals()``: every local); None otherwise."""
    func, args = node.func, list(node.args)
    out = keywords.get("out")
    receiver = func.value.id if isinstance(func, gast.Attribute) \
        and isinstance(func.value, gast.Name) and func.value.id in locals_ else None
    obj = None
    if is_static(func, locals_):
        obj = resolve_static(func, parsed)
    elif receiver is not None and held.get(receiver) not in (None, OPAQUE):
        obj = getattr(held[receiver], func.attr, None)  # xp.copyto, xp a module
    if is_implicit_scope(obj):
        return tuple(sorted(locals_)), (f"'{dotted_name(func)}' reads and may change variables it "
                                        "is not passed, which srcad cannot follow")
    if out is not None and not (isinstance(out, gast.Constant) and out.value is None):
        changed, what = out, "its 'out=' argument"
    elif receiver is not None and func.attr in MUTATING_METHODS and held.get(receiver) is None:
        changed, what = func.value, f"'.{func.attr}()'"
    elif mutated_argument(obj) is not None and len(args) > mutated_argument(obj):
        changed, what = args[mutated_argument(obj)], f"'{dotted_name(func) or func.attr}'"
    else:
        return None
    names = tuple(n.id for n in gast.walk(changed) if isinstance(n, gast.Name) and n.id in locals_)
    if not names and out is not None and not isinstance(out, gast.Constant):
        # out= a global or enclosing array: state that outlives the call
        return tuple(sorted(locals_)), (f"{what} is not a local variable: the call changes "
                                        "state that outlives the function, which srcad cannot "
                                        "differentiate; compute a new array instead")
    if not names:
        return None
    if isinstance(sequences, Sequences):  # what they may be views of, what was computed from them
        names = sequences.sharing(names, locals_, parsed)
        names += tuple(n for n in sequences.readers(node, names, parsed) if n not in names)
    return names, (f"{what} changes '{names[0]}' in place, which srcad cannot differentiate; "
                   "compute a new array instead (np.sort(y), np.where, y[i] = v)")
