"""Part of pass 6, ops: ``functools.partial`` of a function srcad can see, called or passed on.

Accepts: the A-normal form of pass 5 (its tree, changed in place), its
:class:`~srcad.passes.parse.Parsed`, namer and the set of its locals (names made here are added);
called by :mod:`srcad.passes.objects` before it resolves the calls (:func:`expand`), and for each
call it meets (:func:`static_call`).
Guarantees: where a local ``p`` is only assigned ``p = functools.partial(F, a, k=v)`` (every
assignment the same function ``F`` that srcad can see by name, with the same number of bound
arguments and the same keywords) and only called (``y = p(b)``) or passed to a function
(``euler(p, y0)``), each assignment is preceded by copies of the bound arguments (``p_arg0 = a``,
``p_k = v``: the values the partial holds, taken when it is made) and each call becomes a call of
``F`` itself (``y = F(p_arg0, b, k=p_k)``, a keyword of the call replacing the partial's, as
Python's ``partial`` does), which pass 6 classifies like any call of ``F``. The assignment itself
stays only if ``p`` is passed: ``parsed.partial_values`` then says which copies hold its values,
and :mod:`srcad.passes.closures` follows it into the function it is passed to. Any other use of
``p`` (returned, stored, read in a test) leaves it as it is: a call of a computed callable,
refused where a gradient flows.

A call of a partial object srcad reads before the function runs (``act(x)`` where a global ``act =
functools.partial(leaky_relu, alpha=0.1)``, a parameter given one, an attribute holding one) is a
call of its function, its bound values read from the object when the call runs
(``act_alpha = partial_argument(act, leaky_relu, 0, 0, 'alpha')``: checked to be still a partial of
that function with those arguments) and given no gradient (they are not arguments of the
function differentiated).
"""

from __future__ import annotations

import functools

import gast

from .holders import is_static, resolve_static
from .syntax import load, store


def expand(tree, parsed, namer, locals_, located) -> None:
    """See the module docstring; ``located(new, stmt)`` places ``new`` where ``stmt`` is."""
    params = {a.id for a in tree.args.posonlyargs + tree.args.args + tree.args.kwonlyargs}
    assigned, calls, other, passed = {}, {}, set(), set()
    for stmt in _statements(tree.body):
        target = stmt.targets[0] if isinstance(stmt, gast.Assign) else None
        value = getattr(stmt, "value", None)
        skip = set()  # the names here that are a partial's holder assigned, or a callee called
        if isinstance(target, gast.Name) and isinstance(value, gast.Call):
            fn = _partial_of(value, parsed, locals_)
            if fn is not None:
                assigned.setdefault(target.id, []).append((stmt, fn))
                skip.add(target)
            if isinstance(value.func, gast.Name):
                calls.setdefault(value.func.id, []).append(stmt)
                skip.add(value.func)
        if isinstance(value, gast.Call):  # (an argument: followed into a function of the user's)
            for argument in value.args + [k.value for k in value.keywords]:
                if isinstance(argument, gast.Name):
                    passed.add(argument.id)
                    skip.add(argument)
        for node in _own_nodes(stmt):
            if isinstance(node, gast.Name) and node not in skip:
                other.add(node.id)  # read, or assigned, other than so
    for name, made in assigned.items():
        every = [s for s in _statements(tree.body) if isinstance(s, gast.Assign)
                 and any(isinstance(n, gast.Name) and n.id == name
                         for t in s.targets for n in gast.walk(t))]
        shapes = {(id(fn), len(s.value.args), tuple(k.arg for k in s.value.keywords))
                  for s, fn in made}
        if name in params or len(every) != len(made) or len(shapes) != 1 \
                or any(a is not s for a, (s, _) in zip(every, made)) \
                or name in other:
            continue
        _rewrite(tree, name, made, calls.get(name, []), namer, locals_, located,
                 parsed if name in passed else None)


def _rewrite(tree, name, made, calls, namer, locals_, located, parsed=None):
    """The rewriting of the module docstring; ``parsed`` given: ``p`` is passed too, so its
    assignments stay and ``parsed.partial_values`` records it."""
    first = made[0][0].value
    func = first.args[0]
    names = [namer.fresh(f"{name}_arg{k}") for k in range(len(first.args) - 1)]
    keywords = {k.arg: namer.fresh(f"{name}_{k.arg}") for k in first.keywords}
    locals_.update(names, keywords.values())
    replace = {}
    for stmt, _ in made:
        copies = [located(gast.Assign(targets=[store(n)], value=a, type_comment=None), stmt)
                  for n, a in zip(names, stmt.value.args[1:])]
        copies += [located(gast.Assign(targets=[store(keywords[k.arg])], value=k.value,
                                       type_comment=None), stmt) for k in stmt.value.keywords]
        replace[stmt] = copies + ([stmt] if parsed is not None else [])
    if parsed is not None:
        slots = [(f"arg{k}", n) for k, n in enumerate(names)] + list(keywords.items())
        parsed.partial_values[name] = (made[0][1], tuple(slots), len(names))
    for stmt in calls:
        value = stmt.value
        given = {k.arg for k in value.keywords}
        new = gast.Call(func=func, args=[load(n) for n in names] + list(value.args),
                        keywords=[gast.keyword(arg=k, value=load(v)) for k, v in keywords.items()
                                  if k not in given] + list(value.keywords))
        replace[stmt] = [located(gast.Assign(targets=list(stmt.targets), value=new,
                                             type_comment=None), stmt)]
    _replace(tree, replace)


def static_call(stmt, resolver):
    """``y = p(b)`` where ``p`` holds a partial object srcad reads before the function runs (see
    the module docstring), or is a parameter given a partial the caller made (its values are
    this function's parameters, :mod:`srcad.passes.closures`): the statements that replace it,
    or None."""
    from .closures import Closure, NestedFunction
    value = stmt.value
    func, parsed, locals_ = value.func, resolver.parsed, resolver.locals
    if isinstance(func, gast.Name) and func.id in locals_:
        obj = parsed.static.get(func.id)
    elif is_static(func, locals_):
        try:
            obj = resolve_static(func, parsed)
        except Exception:  # noqa: BLE001 (reported by pass 6)
            return None
    else:
        return None
    if any(isinstance(a, gast.Starred) for a in value.args) \
            or any(k.arg is None for k in value.keywords):
        return None
    if isinstance(obj, Closure) and not isinstance(obj.target, NestedFunction):
        names = [parsed.closure_arguments[(func.id, slot)] for slot in obj.slots]
        return [_call_of(stmt, resolver, obj.target, names, obj.positional,
                         obj.slots[obj.positional:])]
    if not isinstance(obj, functools.partial) or isinstance(obj.func, functools.partial):
        return None
    from ..runtime.rewritten import partial_argument
    before, holder = [], func
    hint = func.id if isinstance(func, gast.Name) else "partial"
    if not isinstance(func, gast.Name):  # ACTS["act"](x): the partial read once, as a constant
        held = resolver.namer.fresh(hint)
        resolver.locals.add(held)
        before.append(resolver.located(gast.Assign(targets=[store(held)], value=func,
                                                   type_comment=None), stmt))
        holder = load(held)
    reader = resolver.bind(partial_argument, "partial_argument")
    keys = tuple(obj.keywords)
    names = []
    for k, slot in enumerate([f"arg{k}" for k in range(len(obj.args))] + list(keys)):
        names.append(resolver.namer.fresh(f"{hint}_{slot}"))
        resolver.locals.add(names[-1])
        read = gast.Call(func=load(reader), args=[holder, load(_bound(resolver, obj.func)),
                                                  gast.Constant(value=k, kind=None),
                                                  gast.Constant(value=len(obj.args), kind=None)]
                         + [gast.Constant(value=key, kind=None) for key in keys], keywords=[])
        before.append(resolver.located(gast.Assign(targets=[store(names[-1])], value=read,
                                                   type_comment=None), stmt))
    return before + [_call_of(stmt, resolver, obj.func, names, len(obj.args), keys)]


def _bound(resolver, fn) -> str:
    return resolver.bind(fn, getattr(fn, "__name__", "function").strip("_<>") or "function")


def _call_of(stmt, resolver, fn, names, positional, keys):
    """``y = F(<names[:positional]>, b, key=<name>, ...)`` for ``y = p(b)``: the call's own
    keywords replace the partial's."""
    value = stmt.value
    given = {k.arg for k in value.keywords}
    call = gast.Call(func=load(_bound(resolver, fn)),
                     args=[load(n) for n in names[:positional]] + list(value.args),
                     keywords=[gast.keyword(arg=key, value=load(n))
                               for key, n in zip(keys, names[positional:]) if key not in given]
                     + list(value.keywords))
    return resolver.located(gast.Assign(targets=list(stmt.targets), value=call,
                                        type_comment=None), stmt)


def _partial_of(value, parsed, locals_):
    """``F`` of ``functools.partial(F, ...)`` (F a function srcad sees by name), else None."""
    if not (is_static(value.func, locals_) and value.args
            and not any(isinstance(a, gast.Starred) for a in value.args)
            and all(k.arg is not None for k in value.keywords)):
        return None
    try:
        if resolve_static(value.func, parsed) is not functools.partial:
            return None
        func = value.args[0]
        if not (isinstance(func, (gast.Name, gast.Attribute)) and is_static(func, locals_)):
            return None
        fn = resolve_static(func, parsed)
    except Exception:  # noqa: BLE001 (not a name srcad resolves: left as it is)
        return None
    return fn if callable(fn) and not isinstance(fn, functools.partial) else None


def _own_nodes(stmt):
    """The nodes of ``stmt`` itself, not of the statements in its body."""
    if isinstance(stmt, (gast.If, gast.While)):
        return gast.walk(stmt.test)
    if isinstance(stmt, gast.For):
        return [n for part in (stmt.target, stmt.iter) for n in gast.walk(part)]
    if isinstance(stmt, gast.FunctionDef):
        return [n for d in stmt.args.defaults for n in gast.walk(d)] + [
            n for s in stmt.body for n in gast.walk(s)]  # what a nested def reads
    return gast.walk(stmt)


def _statements(body):
    for stmt in body:
        yield stmt
        for field in ("body", "orelse"):
            yield from _statements(getattr(stmt, field, []) if not isinstance(
                stmt, gast.FunctionDef) else [])


def _replace(tree, replace):
    def block(body):
        out = []
        for stmt in body:
            if stmt in replace:
                out += replace[stmt]
                continue
            if not isinstance(stmt, gast.FunctionDef):
                for field in ("body", "orelse"):
                    if hasattr(stmt, field):
                        setattr(stmt, field, block(getattr(stmt, field)))
            out.append(stmt)
        return out
    tree.body = block(tree.body)
