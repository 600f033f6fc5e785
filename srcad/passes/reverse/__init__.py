"""Pass 10, reverse: A-normal form -> the adjoint function (primal sweep, then adjoints in reverse).

Accepts: a :class:`srcad.passes.anf.Normalized` function (after passes 3 to 5: lower, desugar, anf), the
:class:`srcad.passes.ops.Op` of each of its simple statements, its
:class:`srcad.passes.activity.Activity`, the parameters to differentiate, and the results of the two
analyses run before this pass: the alias guards (:func:`srcad.passes.alias.guards`) and the shape
facts (:func:`srcad.passes.shapes.analyze`).
Guarantees: :func:`reverse` returns a :class:`Generated` function ``grad_f(<f's parameters>)`` that
returns ``(value, gradients)``, whose body is

1. the primal sweep: ``f``'s statements in order. Before a statement overwrites a variable whose old
   value the reverse sweep reads, that value is saved -- only then: in a local (``a_old = a``) outside
   loops, on a stack (``stack.append(a)``) inside them; a subscript write saves only the part it
   overwrites. A loop's trip count and a branch's decision are ordinary variables, saved the same way
   when a loop overwrites them; a value a loop computes the same way every iteration is not saved
   (:mod:`.invariants`). A loop's variable is pushed once per iteration if the reverse sweep reads
   it, unless the loop runs over a range its body does not change: the backward loop then runs
   over ``reversed(range(...))``.
2. the seed ``dout = seed_scalar(out)`` (d out / d out = 1; ``has_aux``: ``seed_aux(out)``, 1 for
   ``out[0]`` and zeros for the aux ``out[1]``);
3. the reverse sweep: the statements from last to first, each one's adjoint (:mod:`.sweep`,
   :mod:`.adjoints`). After a statement's adjoint, the values it overwrote are restored, so each
   adjoint sees the values its statement saw (:mod:`.saves`).
4. ``return value, dx`` (or a tuple of gradients); a parameter no gradient reached gets zeros.

With ``pair=(forward, backward)`` it returns the forward/backward pair used for calls instead
(:func:`.assemble.split_functions`; its backward consumes what its forward saved). Comments quoting the user's line and its number precede
each group of statements in both sweeps; they live in the side table ``Generated.comments`` and are
written out by :mod:`srcad.passes.emit`. Gradients are not yet accumulated in place: that is the next
pass, :mod:`srcad.passes.inplace`, which reads ``Generated.sweep``.

The modules, in the order a reader may take them: :mod:`.sweep` (the backward sweep: the heart),
:mod:`.adjoints` (one statement's adjoint, by kind: rule templates, subscript writes, calls),
:mod:`.calls` (adjoints of calls and custom VJPs), :mod:`.lists` (lists changed by their methods:
adjoints and undoing), :mod:`.loops` (range loops replayed backwards, one-line pops),
:mod:`.saves` (what is saved and restored; :mod:`.liveness`: where a restore is read,
:mod:`.invariants`: values a loop does not change, :mod:`.mappings`: dicts),
:mod:`.primal` (the primal sweep), :mod:`.assemble` (the generated functions).
"""

from __future__ import annotations

from ..codegen import AdjointSweep, Comments, Context, Generated, Guards, Options
from .assemble import split_functions, sweeps, whole_function

__all__ = ["AdjointSweep", "Generated", "Options", "reverse"]


def reverse(parsed, normalized, ops, activity, wrt, namer, helpers, callees, guards, facts, *,
            name=None, argnums_is_tuple=False, pair=None,
            options=Options()) -> Generated:
    """Build the adjoint function (see the module docstring). ``callees(fn, wrt, location,
    static)`` gives the names of the forward/backward pair for a called user function; ``guards``
    is :func:`srcad.passes.alias.guards`'s result and ``facts`` :func:`srcad.passes.shapes.analyze`'s
    for this function."""
    ctx = Context(parsed, normalized, ops, activity, namer, helpers, options)
    comments = Comments(parsed, normalized)
    both = sweeps(ctx, comments, Guards(ctx, comments, guards), facts, callees, wrt)
    if pair is not None:
        return split_functions(ctx, comments, both, *pair)
    return whole_function(ctx, comments, both, name, argnums_is_tuple)
