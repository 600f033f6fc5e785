"""Custom gradients: the user's own VJP for a function srcad cannot or should not transform.

Two spellings, one mechanism (a rule in :mod:`srcad.rules`, used wherever the function is called,
inside called functions too)::

    @srcad.custom_vjp
    def softplus(x):
        return np.log1p(np.exp(x))

    @softplus.defvjp
    def softplus_vjp(g, ans, x):
        return g / (1 + np.exp(-x))          # the gradient of each positional argument

    srcad.defvjp(some_c_function, lambda g, ans, x, y: (g * y, g * x))

A VJP is called as ``vjp(g, ans, *args, **kwargs)`` with ``g`` the gradient of the result, ``ans`` the
result and the call's own arguments; it returns the gradient of each positional argument: a tuple, or
the gradient itself for a one-argument function; ``None`` where an argument gets no gradient.
Keyword arguments get no gradient.

Accepts: a function (any callable) and the user's VJP.
Guarantees: the rule is created whole and registered in :data:`srcad.rules.RULES` under a lock;
registering over an existing rule needs ``replace=True``.
"""

from __future__ import annotations

import functools
import inspect
import threading

from .. import rules
from ..errors import SrcadError

_lock = threading.Lock()


def defvjp(fn, vjp, *, replace: bool = False):
    """Register ``vjp`` as the gradient of ``fn`` (see the module docstring). Registering a
    function that already has a rule (built in or custom) is an error unless ``replace=True``."""
    if not callable(vjp):
        raise TypeError(f"srcad.defvjp: the VJP must be callable, got {vjp!r}")
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)
    try:
        params = [p.name for p in inspect.signature(fn).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        variadic = any(p.kind == p.VAR_POSITIONAL for p in inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):  # builtins without a signature: any positional arguments
        params, variadic = [], True
    vjps = {p: "<custom>" for p in params + (["args"] if variadic else [])}
    rule = rules.Rule(name, tuple(params), {}, vjps, vararg="args" if variadic else None,
                      custom=vjp, origin=rules.RuleOrigin.CUSTOM)
    with _lock:
        if rules.lookup(fn) is not None and not replace:
            raise SrcadError(f"srcad already has a gradient rule for {name}; pass replace=True to "
                             "replace it")
        rules.RULES[fn] = rule
    return vjp


class custom_vjp:
    """Decorator: a function whose gradient the user gives with ``.defvjp`` (see the module
    docstring). Until a VJP is given, srcad differentiates the function's source as usual."""

    def __init__(self, fn):
        self.fn = fn
        functools.update_wrapper(self, fn)

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)

    def defvjp(self, vjp=None, *, replace: bool = False):
        """Give the VJP; usable as ``f.defvjp(vjp)`` or as the decorator ``@f.defvjp``."""
        if vjp is None:
            return lambda v: self.defvjp(v, replace=replace)
        defvjp(self, vjp, replace=replace)
        return vjp

    def __repr__(self):
        return f"<srcad.custom_vjp {self.fn.__qualname__}>"


class checkpoint:
    """Decorator: store versus recompute. In reverse mode, a call to a checkpointed function keeps
    only its arguments during the forward sweep (not the intermediate values its gradient needs),
    and runs the function again, with its tape, when the backward sweep reaches the call.

    Memory for the call drops from all its intermediates to its arguments, for the cost of running
    it twice. A loop whose body is one checkpointed call keeps one state per iteration; a
    checkpointed function that runs k iterations of a loop keeps one state per k iterations (k
    about sqrt(N) balances the two), as in::

        @srcad.checkpoint
        def segment(h, W, k):
            for _ in range(k):
                h = np.tanh(W @ h)
            return h

    Forward mode and the function's value are unaffected.
    """

    def __init__(self, fn):
        if not callable(fn):
            raise TypeError(f"srcad.checkpoint expects a function, got {fn!r}")
        self.fn = fn
        functools.update_wrapper(self, fn)

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)

    def __repr__(self):
        return f"<srcad.checkpoint {getattr(self.fn, '__qualname__', self.fn)}>"

    def _repr_html_(self):
        """Jupyter's display: the forward/backward pair the backward sweep runs (its forward run
        again from the arguments kept), or the refusal (see :mod:`srcad.api.display`)."""
        from ..api.display import render
        from ..api.vjp import vjp_source

        return render(repr(self), lambda: vjp_source(self.fn), self.fn,
                      "(reverse mode keeps only its arguments, and the backward sweep runs its "
                      "forward function again, then its backward function)")
