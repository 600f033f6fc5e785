"""Rules, family 12: composite rules -- NumPy functions differentiated through an implementation
written with NumPy operations srcad already differentiates (issue #16).

Accepts: nothing; importing registers one entry per function in :data:`COMPOSITES` (made by
:func:`defcomposite`), mapping the NumPy function to a plain Python function of srcad's
(:mod:`srcad.rules.composite_stats`, ...) that computes what NumPy computes for every argument
combination its signature accepts.
Guarantees: pass 6 (:func:`srcad.passes.ops._call_object`) treats a call of a registered function
that has no rule as a call of its implementation, exactly as a call of a user's function: srcad
reads the implementation's source and differentiates it in every mode (reverse, forward,
Hessian-vector products, complex arguments where the operations it uses take them), and the
generated code shows it as a callee (``forward_cov``/``backward_cov``). An argument the
implementation does not take (``out=``, ``np.cov``'s ``dtype=``) makes the call not bind: it is
refused at the user's line where a gradient must flow through it, and runs as NumPy's own
function where none does. A rule in :data:`srcad.rules.RULES` always wins over a composite.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Composite:
    """The entry of one NumPy function: its ``implementation`` (a Python function of srcad's, its
    source read like a user's), the ``name`` tables and messages print, and a ``note`` for
    docs/rules.md (what the implementation does not take, conventions)."""

    name: str
    implementation: object
    note: str = ""
    positional: int | None = None  # another namespace's function: at most this many positional
    # arguments bind as the implementation's (srcad.rules.operations)


COMPOSITES: dict = {}
ALIASES: dict = {}  # another namespace's function -> the entry of its operation's NumPy function


def defcomposite(fn, implementation, note: str = "", name: str | None = None) -> Composite:
    """Register ``implementation`` as the composite rule of ``fn`` (one entry per function)."""
    from .registry import qualified
    entry = Composite(name or qualified(fn), implementation, note)
    COMPOSITES[fn] = entry
    return entry


def internal(rule=None, nondiff=()):
    """``rule`` (made by :func:`~srcad.rules.registry.defrule` for a function an implementation
    calls, not a NumPy function: ``frequency_weights``) registered as a helper's rule: named
    ``srcad.rules.composites.*``, tested through the composites that call it, not in the
    table of docs/rules.md; ``nondiff``: such functions whose results carry no gradient
    (``nan_mask``)."""
    from .registry import RULES, Rule, RuleOrigin, qualified
    for fn in [f for f, r in RULES.items() if r is rule]:
        RULES[fn] = dataclasses.replace(rule, origin=RuleOrigin.HELPER)
    for fn in nondiff:
        RULES[fn] = Rule(qualified(fn), origin=RuleOrigin.HELPER)


def lookup(fn) -> Composite | None:
    """The composite entry of the object ``fn``, or None."""
    try:
        return COMPOSITES.get(fn) or ALIASES.get(fn)
    except TypeError:  # unhashable callables
        return None


from . import (composite_stats, composite_linalg, composite_arrays, composite_nan,  # noqa: E402
               composite_select, composite_poly, composite_hist)

__all__ = ["COMPOSITES", "Composite", "defcomposite", "internal", "lookup", "composite_stats",
           "composite_linalg", "composite_arrays", "composite_nan", "composite_select",
           "composite_poly", "composite_hist"]
