"""The registry of runtime helpers: :func:`helper` registers one and declares its own derivative.

Accepts: plain functions of :mod:`srcad.runtime`, decorated with ``@helper`` or ``@helper(...)``.
Guarantees: :data:`HELPERS` maps each helper's name to the helper, in registration order (the
template namespace of :mod:`srcad.rules` is derived from it, so a helper is usable in a rule's
template as soon as it is registered); :data:`DERIVATIVES` maps each helper that has a rule to its
:class:`Derivative`, from which :mod:`srcad.rules.helpers` builds the helper's forward-mode rule
(the helpers appear in the code reverse mode generates, and forward mode over that code gives
Hessian-vector products). The decorator returns the function unchanged: nothing of srcad runs when
the generated code calls a helper. srcad's own helpers are registered at import; a helper registered
later (``@helper(...)`` in a user's or a test's module) is in :data:`HELPERS` at once, and the
listeners added with :func:`on_register` (:mod:`srcad.rules.helpers` adds the one that makes the
helper's rule) are called with ``(fn, derivative)`` as it is registered: no second step.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Derivative:
    """How to differentiate one helper (forward mode: the JVP of each parameter).

    ``linear_in``: the parameters the helper is linear in; the JVP of each is the helper called with
    the tangent ``t`` in that parameter's place (``unsum(t, x, axis, keepdims)``).
    ``jvp``: explicit JVP templates for other parameters, written in ``t`` (that parameter's
    tangent) and the parameters; a helper's parameter called ``ans`` is written ``ans`` here too
    and becomes ``result`` in the rule, so the helper's own result cannot be named (call the
    helper again: ``cho_solved``'s JVP).
    ``nonlinear``: parameters with no JVP yet (a tangent reaching them is an error, never a zero).
    ``nondiff``: the helper's result carries no tangent at all (zeros, seeds).
    The other parameters are read only for shapes, indices and masks: no tangent flows there.
    """

    linear_in: tuple = ()
    jvp: tuple = ()  # ((parameter, template), ...)
    nonlinear: tuple = ()
    nondiff: bool = False


HELPERS: dict = {}      # name -> helper function or class
DERIVATIVES: dict = {}  # helper -> Derivative (helpers without one have no rule)
_LISTENERS: list = []   # called with (fn, derivative) for each helper with a derivative


def on_register(listener) -> None:
    """Call ``listener(fn, derivative)`` for each helper with a :class:`Derivative`: those
    registered already, at once, and each registered later, as it is."""
    _LISTENERS.append(listener)
    for fn, derivative in list(DERIVATIVES.items()):
        listener(fn, derivative)


def helper(fn=None, *, linear_in=(), jvp=None, nonlinear=(), nondiff=False):
    """Register a runtime helper: ``@helper`` (usable in templates, no rule of its own) or
    ``@helper(linear_in=..., jvp=..., nonlinear=..., nondiff=...)`` (see :class:`Derivative`)."""
    derivative = None
    if linear_in or jvp or nonlinear or nondiff:
        derivative = Derivative((linear_in,) if isinstance(linear_in, str) else tuple(linear_in),
                                tuple((jvp or {}).items()), tuple(nonlinear), nondiff)

    def register(f):
        if f.__name__ in HELPERS:
            raise ValueError(f"two runtime helpers are named {f.__name__}")
        HELPERS[f.__name__] = f
        if derivative is not None:
            DERIVATIVES[f] = derivative
            for listener in _LISTENERS:
                listener(f, derivative)
        return f

    return register(fn) if fn is not None else register
