"""Star-unpacking (``*seq``) and double-star (``**mapping``) in calls and displays: which ones
srcad expands, and into what (no pass of its own: the fence asks :func:`length` and :func:`keys`
to decide what it accepts, pass 5, anf, asks the same to expand).

Accepts: the operand of a ``*`` or ``**`` and the :class:`~srcad.passes.parse.Parsed` function it
is in (its ``varargs`` and ``kwargs`` specialized, its tree the one the calling pass reads).
Guarantees: srcad expands an unpacking only where it knows, before running the function, what it
gives, so the call or display it is in becomes an ordinary one:

* ``*seq`` (in a call, a list or tuple display): ``seq`` is a list or tuple display, the
  function's own ``*args``, or a local assigned exactly once, a tuple display or a list display
  that nothing changes (see :func:`read_only`): :func:`length` gives its length, and ``f(*seq)`` is
  ``f(seq[0], seq[1], ...)`` (``f(*args)``: ``f(args_0, args_1, ...)``; a display: its items);
* ``**mapping`` (in a call, a dict display): ``mapping`` is a dict display with constant keys,
  the function's own ``**kwargs`` that nothing changes, or a local assigned exactly once a dict
  display that nothing changes: :func:`keys` gives its keys, and ``f(**m)`` is
  ``f(a=m['a'], ...)`` (``f(**kwargs)``: ``f(a=a, ...)``, its parameters; a display: its items).

Anything else (a parameter, a value computed at run time, a list or dict that is changed) has a
length or keys srcad cannot see, and :func:`length` / :func:`keys` return None: the fence refuses
it at its line.

Pass 5 calls :func:`expand`, :func:`keywords`, :func:`display` and :func:`starred_assignment`
(with itself, for its ``atom``, ``assign`` and ``emit``) to write these forms without unpacking:
``a, *rest, z = value`` binds ``a``, ``rest`` (a list) and ``z`` to the items of a display, and
otherwise lists ``value`` (``items = list(value)``, the rule of ``list``), raises Python's
``ValueError`` where there are too few items, and binds ``items[0]``, ``items[1:-1]``,
``items[-1]``.
"""

from __future__ import annotations

import builtins

import gast

from ..errors import UnsupportedSyntaxError
from .parse import parameter_names

# builtins that only read the sequence or mapping they are given
_READERS = frozenset({"len", "list", "tuple", "sorted", "enumerate", "zip", "reversed", "sum",
                      "dict", "min", "max", "any", "all"})
_READ_METHODS = frozenset({"get", "keys", "values", "items", "copy", "index", "count"})


def length(node, parsed, tree) -> int | None:
    """The length of the sequence ``*node`` unpacks, if srcad can see it (module docstring)."""
    if isinstance(node, (gast.Tuple, gast.List)):
        total = 0
        for elt in node.elts:
            inner = length(elt.value, parsed, tree) if isinstance(elt, gast.Starred) else 1
            if inner is None:
                return None
            total += inner
        return total
    if not isinstance(node, gast.Name):
        return None
    if node.id in parsed.varargs:
        return len(parsed.varargs[node.id])
    value = _only_assignment(node.id, tree)
    if isinstance(value, gast.Tuple) or (isinstance(value, gast.List)
                                         and read_only(node.id, tree, parsed)):
        return length(value, parsed, tree)
    return None


def keys(node, parsed, tree) -> tuple | None:
    """The keys of the mapping ``**node`` unpacks, in order, if srcad can see them (module
    docstring)."""
    if isinstance(node, gast.Dict):
        found = {}
        for key, value in zip(node.keys, node.values):
            if key is None:
                inner = keys(value, parsed, tree)
                if inner is None:
                    return None
                found.update(dict.fromkeys(inner))
            elif isinstance(key, gast.Constant):
                found[key.value] = None
            else:
                return None
        return tuple(found)
    if not isinstance(node, gast.Name) or not read_only(node.id, tree, parsed):
        return None
    value = _only_assignment(node.id, tree)
    if node.id in parsed.kwargs and value is not None:  # (the 'kwargs = {...}' srcad made)
        return parsed.kwargs[node.id]
    if isinstance(value, gast.Call) and isinstance(value.func, gast.Name) \
            and value.func.id == "dict" and len(value.args) <= 1 \
            and parsed.namespace.lookup("dict", None) is builtins.dict \
            and value.func.id not in _stores(tree):  # d = dict(a=x, **m)
        value = gast.Dict(keys=[None] * len(value.args) + [
            None if k.arg is None else gast.Constant(value=k.arg, kind=None)
            for k in value.keywords], values=list(value.args) + [k.value for k in value.keywords])
    return keys(value, parsed, tree) if isinstance(value, gast.Dict) else None


def items(node, parsed, tree) -> list | None:
    """``(key, value expression)`` for each entry of the mapping ``**node`` unpacks (the last
    value of a repeated key, at the place of its first), or None (see :func:`keys`)."""
    if keys(node, parsed, tree) is None:
        return None
    found = {}
    if isinstance(node, gast.Dict):
        for key, value in zip(node.keys, node.values):
            if key is None:
                found.update(items(value, parsed, tree))
            else:
                found[key.value] = value
        return list(found.items())
    if node.id in parsed.kwargs:  # the function's own parameters, of the keywords' names
        return [(k, _load(k)) for k in parsed.kwargs[node.id]]
    return [(k, gast.Subscript(value=_load(node.id), slice=gast.Constant(value=k, kind=None),
                               ctx=gast.Load())) for k in keys(node, parsed, tree)]


def elements(node, parsed, tree) -> list | None:
    """The expressions of the items of the sequence ``*node`` unpacks, or None (see
    :func:`length`)."""
    n = length(node, parsed, tree)
    if n is None:
        return None
    if isinstance(node, (gast.Tuple, gast.List)):
        out = []
        for elt in node.elts:
            out += elements(elt.value, parsed, tree) if isinstance(elt, gast.Starred) else [elt]
        return out
    if node.id in parsed.varargs:
        return [_load(n) for n in parsed.varargs[node.id]]
    return [gast.Subscript(value=_load(node.id), slice=gast.Constant(value=k, kind=None),
                           ctx=gast.Load()) for k in range(n)]


def _stores(tree) -> set:
    return {n.id for n in gast.walk(tree) if isinstance(n, gast.Name)
            and isinstance(n.ctx, (gast.Store, gast.Param))} | set(parameter_names(tree.args))


def _load(name):
    return gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None)


def _only_assignment(name, tree):
    """The value of the one ``name = value`` of ``tree`` if that is the only way it binds
    ``name`` (no parameter, loop target, unpacking, augmented assignment, ``del``), else None."""
    if name in parameter_names(tree.args):
        return None
    values, other = [], 0
    for node in gast.walk(tree):
        if isinstance(node, gast.Assign) and any(
                isinstance(t, gast.Name) and t.id == name for t in node.targets):
            values.append(node.value)
        elif isinstance(node, gast.Name) and node.id == name \
                and isinstance(node.ctx, (gast.Store, gast.Del)):
            other += 1
    return values[0] if len(values) == 1 and other == 1 else None


def read_only(name, tree, parsed) -> bool:
    """Is every read of the local ``name`` one that cannot change it: unpacked (``*name``,
    ``**name``), indexed, a method that only reads (``get``, ``keys``, ``items`` ...), given to a
    builtin that only reads (``len``, ``list``, ``zip`` ...), iterated, or tested with ``in``?"""
    parents = {}
    for parent in gast.walk(tree):
        for child in gast.iter_child_nodes(parent):
            parents[child] = parent
    for node in gast.walk(tree):
        if not (isinstance(node, gast.Name) and node.id == name
                and isinstance(node.ctx, gast.Load)):
            continue
        parent = parents.get(node)
        if isinstance(parent, (gast.Starred, gast.comprehension, gast.For)) \
                or (isinstance(parent, gast.keyword) and parent.arg is None):
            continue
        if isinstance(parent, gast.Dict) and any(k is None and v is node for k, v in
                                                 zip(parent.keys, parent.values)):
            continue
        if isinstance(parent, gast.Subscript) and parent.value is node \
                and isinstance(parent.ctx, gast.Load):
            continue
        if isinstance(parent, gast.Attribute) and parent.attr in _READ_METHODS \
                and isinstance(parents.get(parent), gast.Call) and parents[parent].func is parent:
            continue
        if isinstance(parent, gast.Compare) and node in parent.comparators and all(
                isinstance(op, (gast.In, gast.NotIn)) for op in parent.ops):
            continue
        if isinstance(parent, gast.Call) and node in parent.args and isinstance(
                parent.func, gast.Name) and parent.func.id in _READERS \
                and parsed.namespace.lookup(parent.func.id, None) is getattr(
                    builtins, parent.func.id):
            continue
        return False
    return True


# ---- the expansions (called by pass 5, anf, with itself: its atom, assign and emit) --------------

def expand(anf, items) -> list:
    """``items`` (of a call or display) with each ``*seq`` replaced by ``seq``'s items."""
    out = []
    for item in items:
        if not isinstance(item, gast.Starred):
            out.append(item)
            continue
        found = elements(item.value, anf.parsed, anf.desugared.tree)
        if found is None:
            raise UnsupportedSyntaxError("star-unpacking ('*x') of a sequence whose length srcad "
                                         "cannot see is not supported",
                                         anf.parsed.location(item))
        out += [e if hasattr(e, "lineno") else gast.copy_location(e, item) for e in found]
    return out


def keywords(anf, kw) -> list:
    """The keyword arguments (atoms) ``kw`` stands for: itself, or one per key of ``**m``."""
    if kw.arg is not None:
        return [gast.keyword(arg=kw.arg, value=anf.atom(kw.value))]
    entries = items(kw.value, anf.parsed, anf.desugared.tree)
    if entries is None:
        raise UnsupportedSyntaxError("'**' of a mapping whose keys srcad cannot see is not "
                                     "supported", anf.parsed.location(kw.value))
    return [gast.keyword(arg=k, value=anf.atom(
        v if hasattr(v, "lineno") else gast.copy_location(v, kw.value))) for k, v in entries]


def display(anf, node) -> gast.Dict:
    """The dict display ``node`` with its ``**m`` expanded, its values atoms."""
    entries = items(node, anf.parsed, anf.desugared.tree)
    values = [anf.atom(v if hasattr(v, "lineno") else gast.copy_location(v, node))
              for _, v in entries]
    return gast.Dict(keys=[gast.Constant(value=k, kind=None) for k, _ in entries], values=values)


def starred_assignment(anf, target, value) -> None:
    """``a, *rest, z = value``: from a display, ``a``, ``rest`` (a list) and ``z`` bound to its
    items; from anything else, the items listed (``items = list(value)``), checked to be enough
    as Python does, then ``a = items[0]``, ``rest = items[1:-1]``, ``z = items[-1]``."""
    elts = target.elts
    star = next(k for k, e in enumerate(elts) if isinstance(e, gast.Starred))
    before, after = star, len(elts) - star - 1
    names = elts[:star] + [elts[star].value] + elts[star + 1:]
    plain = gast.Tuple(elts=names, ctx=gast.Store())
    if isinstance(value, (gast.Tuple, gast.List)) \
            and not any(isinstance(e, gast.Starred) for e in value.elts) \
            and len(value.elts) >= before + after:
        parts = value.elts
        middle = gast.copy_location(gast.List(elts=parts[before:len(parts) - after],
                                              ctx=gast.Load()), value)
        anf.assign(plain, gast.copy_location(gast.Tuple(
            elts=parts[:before] + [middle] + parts[len(parts) - after:], ctx=gast.Load()), value))
        return
    control = anf.control
    listed = anf.atom(gast.copy_location(gast.Call(
        func=control.builtin("list", value), args=[value], keywords=[]), value))
    count = anf.atom(gast.copy_location(gast.Call(
        func=control.builtin("len", value), args=[listed], keywords=[]), value))
    short = anf.namer.fresh("too_few")
    anf.emit_assign(short, gast.Compare(left=count, ops=[gast.Lt()], comparators=[
        gast.Constant(value=before + after, kind=None)]), value)
    message = gast.BinOp(left=gast.Constant(
        value=f"not enough values to unpack (expected at least {before + after}, got %d)",
        kind=None), op=gast.Mod(), right=count)
    error = gast.Raise(exc=gast.Call(func=control.builtin("ValueError", value), args=[message],
                                     keywords=[]), cause=None)
    gast.copy_location(error, value)
    anf.origin[error] = anf.user_stmt
    anf.emit(gast.If(test=gast.Name(id=short, ctx=gast.Load(), annotation=None,
                                    type_comment=None), body=[error], orelse=[]), value)

    def item(index):
        return gast.copy_location(gast.Subscript(value=listed, slice=index, ctx=gast.Load()),
                                  value)

    def number(k):
        return gast.Constant(value=k, kind=None)
    for k in range(before):
        anf.assign(names[k], item(number(k)))
    anf.assign(names[star], item(gast.Slice(lower=number(before),
                                            upper=number(-after) if after else None, step=None)))
    for j in range(after):
        anf.assign(names[star + 1 + j], item(number(j - after)))


def as_display(anf, node):
    """``dict(a=x, **m)``, ``dict(m)`` (the builtin, of keys srcad sees) as the dict display it
    makes (made here, nothing emitted); None for any other call."""
    if not anf.control.is_builtin_call(node, "dict", tuple(k.arg for k in node.keywords)) \
            or len(node.args) > 1:
        return None
    parts = []
    if node.args:
        if keys(node.args[0], anf.parsed, anf.desugared.tree) is None:
            return None  # dict(pairs): the rule of dict
        parts.append((None, node.args[0]))
    for kw in node.keywords:
        parts.append((None if kw.arg is None else gast.Constant(value=kw.arg, kind=None),
                      kw.value))
    built = gast.copy_location(gast.Dict(keys=[k for k, _ in parts], values=[v for _, v in parts]),
                               node)
    return built if keys(built, anf.parsed, anf.desugared.tree) is not None else None


def collection(anf, node):
    """A dict comprehension as ``dict(<list of (key, value)>)``, a set comprehension or display
    as ``set(<list>)``: the list built as a list comprehension is (see
    :func:`srcad.passes.desugar.comprehension_loop`)."""
    control = anf.control
    if isinstance(node, gast.DictComp):
        elt = gast.copy_location(gast.Tuple(elts=[node.key, node.value], ctx=gast.Load()),
                                 node.key)
        listed = gast.ListComp(elt=elt, generators=node.generators)
        kind = "dict"
    elif isinstance(node, gast.SetComp):
        listed, kind = gast.ListComp(elt=node.elt, generators=node.generators), "set"
    else:
        listed, kind = gast.List(elts=node.elts, ctx=gast.Load()), "set"
    listed = anf.atom(gast.copy_location(listed, node))
    return gast.Call(func=control.builtin(kind, node), args=[listed], keywords=[])
