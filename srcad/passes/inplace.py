"""Pass 11, in place: gradient buffers that only the generated code holds, updated in place.

Accepts: the :class:`srcad.passes.codegen.Generated` functions of the reverse pass, whose ``sweep``
(an :class:`srcad.passes.codegen.AdjointSweep`) says where the backward sweep lies, which adjoint
variables it may update (all but the output's), which of them are gradients of certain NumPy arrays,
which names certainly hold integers, and the helpers' names.
Guarantees: :func:`accumulate` returns them with the backward sweep rewritten, for each adjoint ``d``
that owns its buffer (:mod:`srcad.passes.owned`: no other variable can hold ``d``'s array or a view
of it, once the copies that analysis asks for are made):

* ``d = d + e`` becomes ``d += e`` (on an array ``d += e`` adds into ``d``'s memory, keeping its
  floating type; on a number it is ``d = d + e``; srcad's container gradients define ``+=`` as ``+``);
* ``d = zero_at(d, i)`` (the overwritten part of ``x`` in ``x[i] = v`` gets no gradient) becomes
  ``d[i] = 0.0`` where ``x`` is certainly a NumPy array, so its gradient is one; otherwise
  ``d = zeroed_at(d, i)``, which zeroes in place what it can (an array; the entry of a list's or
  dict's gradient, replaced) and copies otherwise;
* a term ``unindex(e, x, i)`` of ``d = d + ...`` (the gradient of ``x[i]``) becomes ``d[i] += e``
  where ``x`` is certainly an array, ``d`` certainly one of ``x``'s shape, and ``i`` cannot repeat a
  position (integers, slices); otherwise ``d = add_at(d, i, e, x)``, which adds in place what it can
  (an array; the entry of a list's or dict's gradient, replaced) and is ``d + unindex(e, x, i)``
  otherwise;
* the copies: ``y = snapshot(...)`` where ``y`` would share ``d``'s memory.

The values are those of the statements rewritten (in ``d``'s floating type); what goes is the new
array per statement: a copy of a whole gradient each time ``x[i] = v`` runs in a loop, or each
time ``x[i]`` is read (``unindex`` makes an array of ``x``'s shape, or a list of zeros for each
entry of a list ``x``), which made such loops take a time quadratic in their length. A name is rewritten when that costs no copy (a weight's gradient
``dW`` summed over the steps of a loop) or when it has a zeroing or a ``unindex`` term to rewrite.
"""

from __future__ import annotations

import copy
import dataclasses

import gast

from .codegen import Generated
from .owned import Ownership, chain, is_call


def accumulate(generated: Generated) -> Generated:
    """See the module docstring. The output's adjoint is never a candidate: it is the seed, or the
    caller's array in a backward function called from other generated code. The input is left as
    it was: the function rewritten is a new one (its other statements shared)."""
    sweep = generated.sweep
    if sweep is None:
        return generated
    function = generated.functions[sweep.function]
    stmts = copy.deepcopy(function.body[sweep.start:sweep.stop])
    rewritten = accumulate_in_place(stmts, sweep.adjoints, sweep.arrays, sweep.integers,
                                    sweep.helpers)
    new = copy.copy(function)
    new.body = function.body[:sweep.start] + rewritten + function.body[sweep.stop:]
    functions = list(generated.functions)
    functions[sweep.function] = new
    stop = sweep.start + len(rewritten)
    return dataclasses.replace(generated, functions=functions,
                               sweep=dataclasses.replace(sweep, stop=stop))


def accumulate_in_place(stmts: list, adjoints, arrays=frozenset(), integers=frozenset(),
                        helpers=None) -> list:
    """The statements ``stmts`` of a backward sweep, rewritten (see the module docstring)."""
    ownership = Ownership(stmts, adjoints, dict(arrays), integers, helpers)
    chosen = ownership.chosen()
    if not chosen:
        return stmts
    rewrite = _Rewrite(ownership, chosen)
    out = []
    for stmt in stmts:
        new = rewrite.visit(stmt)
        out.extend(new if isinstance(new, list) else [new])
    return out


def _name(id_, ctx):
    return gast.Name(id=id_, ctx=ctx, annotation=None, type_comment=None)


def _subscript(name, index, ctx):
    return gast.Subscript(value=_name(name, gast.Load()), slice=index, ctx=ctx)


class _Rewrite(gast.NodeTransformer):
    def __init__(self, ownership: Ownership, chosen: set):
        self.o = ownership
        self.chosen = chosen
        self.copies = ownership.copies(chosen)  # id() of the assignments whose value is copied

    def visit_Assign(self, node):
        if id(node) in self.copies:
            node.value = gast.Call(func=_name(self.o.helper("snapshot"), gast.Load()),
                                   args=[node.value], keywords=[])
            return node
        target = node.targets[0]
        if not (isinstance(target, gast.Name) and target.id in self.chosen):
            return node
        d = target.id
        terms = chain(node.value, d)
        if terms is not None:
            return [self.add(d, term) for term in terms]
        if is_call(node.value, self.o.names.get("zero_at")):
            index = node.value.args[1]
            if self.o.primal(d) is not None:
                return gast.Assign(targets=[_subscript(d, index, gast.Store())],
                                   value=gast.Constant(value=0.0, kind=None), type_comment=None)
            node.value.func = _name(self.o.helper("zeroed_at"), gast.Load())
        return node

    def add(self, d, term):
        """``d += term``, or the addition of the gradient of ``x[i]`` at ``i``."""
        read = self.o.indexed_read(d, term)
        if read is None:
            return gast.AugAssign(target=_name(d, gast.Store()), op=gast.Add(), value=term)
        g, x, index = read
        if self.o.primal(d) == x.id and self.o.certainly_shaped(d) and self.o.basic(index):
            return gast.AugAssign(target=_subscript(d, index, gast.Store()), op=gast.Add(), value=g)
        value = gast.Call(func=_name(self.o.helper("add_at"), gast.Load()),
                          args=[_name(d, gast.Load()), index, g, x], keywords=[])
        return gast.Assign(targets=[_name(d, gast.Store())], value=value, type_comment=None)
