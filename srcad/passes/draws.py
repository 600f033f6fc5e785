"""Part of pass 6, ops: random draws with parameters a gradient flows to, written as the standard
draws they are made of (the pathwise, or reparameterisation, gradient).

Accepts: one A-normal-form assignment ``s = rng.normal(loc, scale, size)`` or ``s =
rng.uniform(low, high, size)`` (arguments by position or keyword, any left out), where ``rng`` is
a local or parameter that may be a ``numpy.random.Generator`` (its kind is unknown, or a
Generator), a global Generator, or the module functions ``np.random.normal`` and
``np.random.uniform``; called by :mod:`srcad.passes.objects` before it resolves the statement.
Guarantees: :func:`expand` returns the statements, in the user's names, that compute the same
numbers -- NumPy computes ``normal`` as ``loc + scale * z`` and ``uniform`` as ``low + (high - low)
* u`` from the standard draws ``z``, ``u`` of the same generator
(:mod:`srcad.runtime.draws`) -- so the sample is ordinary arithmetic in its parameters, which every
mode differentiates. A call it does not recognise (a user object's own ``normal`` method, a call
that does not bind) gives None: left as it is.
"""

from __future__ import annotations

import inspect

import gast
import numpy as np

from .. import runtime
from . import kinds as K
from .holders import is_static, resolve_static
from .syntax import load, store

_GENERATORS = (np.random.Generator, np.random.RandomState)
_DEFAULTS = {"normal": ("loc", 0.0, "scale", 1.0), "uniform": ("low", 0.0, "high", 1.0)}


def expand(stmt, resolver) -> list | None:
    """See the module docstring; ``resolver``: the :class:`srcad.passes.objects._Resolver` at
    ``stmt`` (its namer, helpers, locals, kinds and ``located``)."""
    value = stmt.value
    if not (isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute)
            and value.func.attr in _DEFAULTS):
        return None
    method = value.func.attr
    rng = _generator(value.func, resolver)
    if rng is None:
        return None
    first, first_default, second, second_default = _DEFAULTS[method]
    params = [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=d)
              for n, d in ((first, first_default), (second, second_default), ("size", None))]
    try:
        bound = inspect.Signature(params).bind(*value.args, **{k.arg: k.value
                                                               for k in value.keywords})
    except TypeError:
        return None
    args = {n: bound.arguments.get(n, gast.Constant(value=d, kind=None))
            for n, d in ((first, first_default), (second, second_default), ("size", None))}
    target = stmt.targets[0].id
    where = f"{resolver.parsed.filename}:{stmt.lineno}"
    draws = runtime.standard_normal_draws if method == "normal" else runtime.standard_uniform_draws

    def fresh(hint):
        name = resolver.namer.fresh(hint)
        resolver.locals.add(name)
        return name

    def assign(name, expr):
        return resolver.located(gast.Assign(targets=[store(name)], value=expr, type_comment=None),
                                stmt)

    noise = fresh(f"{target}_{'z' if method == 'normal' else 'u'}")
    out = [assign(noise, gast.Call(
        func=load(resolver.bind(draws, draws.__name__)),
        args=[rng, args[first], args[second], args["size"], gast.Constant(value=where, kind=None)],
        keywords=[]))]
    width = args[second]
    if method == "uniform":  # NumPy's range: high - low
        width = load(fresh(f"{target}_range"))
        out.append(assign(width.id, gast.BinOp(left=args[second], op=gast.Sub(),
                                               right=args[first])))
    scaled = fresh(f"{target}_scaled")
    out.append(assign(scaled, gast.BinOp(left=width, op=gast.Mult(), right=load(noise))))
    out.append(assign(target, gast.BinOp(left=args[first], op=gast.Add(), right=load(scaled))))
    return out


def _generator(func, resolver):
    """The expression of the generator ``func`` draws from (None: not a draw srcad rewrites)."""
    owner = func.value
    if is_static(func, resolver.locals):
        try:
            obj = resolve_static(func, resolver.parsed)
        except Exception:  # noqa: BLE001 (not resolvable: not a draw)
            return None
        holder = getattr(obj, "__self__", None)
        if not isinstance(holder, _GENERATORS) or getattr(obj, "__name__", None) != func.attr:
            return None
        if isinstance(owner, gast.Name) or isinstance(holder, np.random.Generator):
            return owner  # a global generator: read as written
        return load(resolver.bind(holder, "global_random_state"))  # np.random.normal
    if not (isinstance(owner, gast.Name) and owner.id in resolver.locals):
        return None
    kind = resolver.kind(owner.id)
    if kind is K.UNKNOWN or (isinstance(kind, K.Instance) and issubclass(kind.cls, _GENERATORS)):
        return owner
    return None
