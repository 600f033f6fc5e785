"""Pass 10, reverse: the primal sweep -- the function's statements in order, with save markers.

Accepts: the A-normal-form statements, their :class:`srcad.passes.reverse.saves.Sites`, the forms the
backward sweep chose for call statements (``rewrites``: a call -> the call of its forward function),
and the shared :class:`srcad.passes.codegen.Guards` and :class:`srcad.passes.codegen.Comments`.
Guarantees: :func:`primal_block` returns the statements in order, each preceded by its guard (a
write into an array other names may share, a call that changes an argument) and by a ``SAVE`` marker
for its sites; each ``for`` loop's body ends with a ``PUSH`` marker of the loop variable (before
``if flag: break``, where a lowered ``break`` left one).
"""

from __future__ import annotations

import gast

from ..statements import rewrap
from .saves import Marker, Step, entry


def primal_block(stmts, sites, rewrites, guards, comments, parent=None) -> list:
    """See the module docstring (``parent``: the enclosing if or loop)."""
    def block(inner, stmt):
        return primal_block(inner, sites, rewrites, guards, comments, stmt)

    pairs = []
    for stmt in stmts:
        if isinstance(stmt, gast.If):
            new = [gast.If(test=stmt.test, body=block(stmt.body, stmt),
                           orelse=block(stmt.orelse, stmt))]
        elif isinstance(stmt, gast.For):
            body = block(stmt.body, stmt)
            push = Marker(Step.PUSH, sites.of(stmt))
            if body and isinstance(body[-1], gast.If) and any(
                    isinstance(s, gast.Break) for s in body[-1].body):
                body.insert(len(body) - 1, push)  # before 'if flag: break'
            else:
                body.append(push)
            before = sites.of(entry(stmt))
            new = ([Marker(Step.SAVE, before)] if before else []) + [gast.For(
                target=stmt.target, iter=stmt.iter, body=body, orelse=[], type_comment=None)]
        elif isinstance(stmt, gast.While):
            new = [gast.While(test=stmt.test, body=block(stmt.body, stmt), orelse=[])]
        elif isinstance(stmt, (gast.With, gast.Try)):  # the same context managers, or handlers
            new = [rewrap(stmt, block(stmt.body, stmt), guards.ctx)]
        else:
            own = sites.of(stmt)
            new = guards.guard(stmt) + ([Marker(Step.SAVE, own)] if own else []) \
                + [rewrites.get(stmt, stmt)]
        pairs.append((stmt, new))
    return comments.with_comments(pairs, parent)
