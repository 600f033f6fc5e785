"""Pass 6b, in place: gradients summed into one buffer instead of a new array per contribution.

Accepts: the backward sweep the reverse pass generated (gast statements, markers resolved), the
expressions it returns, and the names of the adjoint variables.
Guarantees: returns the sweep with ``d = d + e`` rewritten to ``d += e`` for every adjoint ``d`` that is
safe to update in place, that is, whose buffer nothing else can hold:

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

import gast

from .normalize import load


def accumulate_in_place(stmts: list, finals: list, adjoints: set) -> list:
    """See the module docstring. ``adjoints`` excludes the output's adjoint (the seed, or the caller's array in a backward
    function called from other generated code)."""
    candidates = {name for name in adjoints if _safe(name, stmts, finals)}
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


def _safe(name, stmts, finals) -> bool:
    assigned = made_here = False
    allowed_loads = set()
    for node in [n for stmt in stmts for n in gast.walk(stmt)]:
        if isinstance(node, gast.Assign):
            targets = [t for target in node.targets for t in gast.walk(target)
                       if isinstance(t, gast.Name) and t.id == name]
            if not targets:
                continue
            if len(node.targets) != 1 or not isinstance(node.targets[0], gast.Name):
                return False
            terms = _chain(node.value, name)
            if terms is None and not _is_zeros(node.value):
                return False
            made_here = made_here or terms is None
            if terms is not None:
                if any(isinstance(n, gast.Name) and n.id == name for t in terms for n in gast.walk(t)):
                    return False
                leftmost = node.value
                while isinstance(leftmost, gast.BinOp):
                    leftmost = leftmost.left
                allowed_loads.add(id(leftmost))
            assigned = True
        elif isinstance(node, gast.AugAssign) and isinstance(node.target, gast.Name) \
                and node.target.id == name:
            return False
    if not assigned or not made_here:
        return False
    for stmt in stmts:
        for node in gast.walk(stmt):
            if isinstance(node, gast.Name) and node.id == name and isinstance(node.ctx, gast.Load) \
                    and id(node) not in allowed_loads:
                return False
    return True


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
