"""Pass 10, reverse: the locals that certainly hold a dict (so a write ``d[key] = v`` may add a key).

Accepts: the A-normal-form statements of a function, their :class:`srcad.passes.ops.Op`, its
parameters, and those given a dict at the call.
Guarantees: :func:`mapping_names` (used by :func:`srcad.passes.reverse.saves.find_sites`: such a
write is saved as an entry that may be absent, and restored by deleting it).
"""

from __future__ import annotations

import gast

from ..ops import OpKind
from ... import rules


_COPY_RULE = rules.lookup(rules.methods.copy)  # x.copy(): d.copy() of a dict is a dict


def mapping_names(stmts, ops, params, dict_params=frozenset()) -> set:
    """The locals every assignment of which is a dict display (``d = {}``, ``{'a': x}``), a
    parameter given a dict, or a copy of one of those (``e = d.copy()``, ``e = dict(d)``)."""
    made, other = set(dict_params), set(params) - set(dict_params)
    copies = []
    for op in ops.values():
        if op.kind is not OpKind.SETITEM:
            is_dict = op.kind is OpKind.RULE and (isinstance(op.node, gast.Dict) or (
                op.rule is not None and op.rule.name == "dict"))
            if op.kind is OpKind.RULE and op.rule is not None and op.rule is _COPY_RULE:
                copies.append(op)
                continue
            (made if is_dict else other).update(op.targets)
    grew = True
    while grew:  # a copy of a dict is a dict; of anything else, not known to be one
        grew = False
        for op in copies:
            source = [a.id for a in op.args.values() if isinstance(a, gast.Name)]
            target = set(op.targets)
            if source and all(n in made and n not in other for n in source):
                grew |= not target <= made
                made |= target
    for op in copies:
        if not set(op.targets) <= made:
            other.update(op.targets)
    for stmt in stmts:
        for node in gast.walk(stmt):
            if isinstance(node, gast.For):
                other.update(n.id for n in gast.walk(node.target) if isinstance(n, gast.Name))
    return made - other
