"""Pass 11, in place: gradients summed into one buffer instead of a new array per contribution.

Accepts: the :class:`srcad.passes.codegen.Generated` functions of the reverse pass, whose ``sweep``
says where the backward sweep lies and which adjoint variables it may update (all but the output's).
Guarantees: :func:`accumulate` returns them with the backward sweep's ``d = d + e`` rewritten to
``d += e`` for every adjoint ``d`` that is safe to update in place, that is, whose buffer nothing else
can hold:

* every assignment to ``d`` is ``d = zeros_like(...)`` (a new array) or ``d = d + e``, so the buffer
  ``d`` holds was made by ``zeros_like`` for ``d`` alone; and
* ``d`` is read nowhere else (no template reads it as ``g``, no other adjoint is set to it), except in
  the gradients returned.

On an array ``d += e`` adds into ``d``'s memory (``e`` is a gradient for the same variable: its shape or
a smaller one that broadcasts); on a number it is ``d = d + e``; srcad's container gradients
(``ListAdjoint``, ...) define ``+=`` as ``+``. The values are those of ``d + e`` (in ``d``'s floating
type); only the allocation goes. A typical case is a weight's gradient summed over the steps of a
loop (``dW`` in an RNN).
"""

from __future__ import annotations

import copy
import dataclasses

import gast

from .codegen import Generated


def accumulate(generated: Generated) -> Generated:
    """See the module docstring. The output's adjoint is never a candidate: it is the seed, or the
    caller's array in a backward function called from other generated code. The input is left as
    it was: the function rewritten is a new one (its other statements shared)."""
    sweep = generated.sweep
    if sweep is None:
        return generated
    function = generated.functions[sweep.function]
    stmts = copy.deepcopy(function.body[sweep.start:sweep.stop])
    rewritten = accumulate_in_place(stmts, sweep.adjoints)
    new = copy.copy(function)
    new.body = function.body[:sweep.start] + rewritten + function.body[sweep.stop:]
    functions = list(generated.functions)
    functions[sweep.function] = new
    stop = sweep.start + len(rewritten)
    return dataclasses.replace(generated, functions=functions,
                               sweep=dataclasses.replace(sweep, stop=stop))


def accumulate_in_place(stmts: list, adjoints) -> list:
    """The statements ``stmts`` of a backward sweep, rewritten (see the module docstring)."""
    candidates = _safe_names(stmts, adjoints)
    if not candidates:
        return stmts
    out = []
    for stmt in stmts:
        new = _Rewrite(candidates).visit(stmt)
        out.extend(new if isinstance(new, list) else [new])
    return out


def _chain(value, name):
    """The terms ``e1, e2, ...`` if ``value`` is ``name + e1 + e2 + ...`` (left-associated)."""
    terms = []
    while isinstance(value, gast.BinOp) and isinstance(value.op, gast.Add):
        terms.insert(0, value.right)
        value = value.left
    if isinstance(value, gast.Name) and value.id == name and terms:
        return terms
    return None


def _is_zeros(value) -> bool:
    return isinstance(value, gast.Call) and isinstance(value.func, gast.Name) \
        and value.func.id.startswith("zeros_like") and len(value.args) == 1


def _safe_names(stmts, adjoints) -> set:
    """The adjoints of ``adjoints`` that satisfy the conditions of the module docstring, found in
    one walk over the sweep."""
    made, bad = set(), set()
    allowed_loads = set()  # id() of the 'd' in 'd = d + e'
    nodes = [n for stmt in stmts for n in gast.walk(stmt)]
    for node in nodes:
        if isinstance(node, gast.Assign):
            names = [t.id for target in node.targets for t in gast.walk(target)
                     if isinstance(t, gast.Name) and t.id in adjoints]
            for name in names:
                if len(node.targets) != 1 or not isinstance(node.targets[0], gast.Name):
                    bad.add(name)
                    continue
                terms = _chain(node.value, name)
                if terms is None:
                    if _is_zeros(node.value):
                        made.add(name)
                    else:
                        bad.add(name)
                    continue
                leftmost = node.value
                while isinstance(leftmost, gast.BinOp):
                    leftmost = leftmost.left
                allowed_loads.add(id(leftmost))
        elif isinstance(node, gast.AugAssign) and isinstance(node.target, gast.Name):
            bad.add(node.target.id)
    for node in nodes:
        if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load) and node.id in adjoints \
                and id(node) not in allowed_loads:
            bad.add(node.id)  # read elsewhere (also 'd = d + f(d)')
    return made - bad


class _Rewrite(gast.NodeTransformer):
    def __init__(self, names):
        self.names = names

    def visit_Assign(self, node):
        target = node.targets[0]
        if isinstance(target, gast.Name) and target.id in self.names:
            terms = _chain(node.value, target.id)
            if terms is not None:
                return [gast.AugAssign(target=gast.Name(id=target.id, ctx=gast.Store(),
                                                        annotation=None, type_comment=None),
                                       op=gast.Add(), value=term) for term in terms]
        return node
