"""What a transformation is asked for, and the key it is made under.

Accepts: a user's function, the positions of the parameters asked for, and what it is specialized
on (``static``, a :class:`~srcad.passes.parse.Specialization`).
Guarantees: :func:`parameters` lists what a transformation of ``fun`` may differentiate (its
positional parameters, then one :class:`~srcad.passes.parse.ExtraArgument` per argument its
``*args`` gets); :func:`chosen` picks those at the positions asked for, or raises a
:class:`~srcad.errors.SrcadError` naming a position that is none; :func:`callee_key` is the key of
a called function's generated functions in a :class:`srcad.pipeline.Program` (by identity where the
function or its specialization cannot be hashed, both then kept alive while the key is used);
:func:`specialized_for` is the header line that says what a transformation specialized on the
kinds of its arguments assumed. :mod:`srcad.pipeline` runs the passes with them.
"""

from __future__ import annotations

import inspect

from .errors import SrcadError
from .passes.parse import ExtraArgument
from .passes.value_kinds import describe as describe_kinds
from .results import has_varargs, positional


def parameters(fun, extra: int | None) -> list:
    """``fun``'s positional parameters, then ``ExtraArgument(0)``, ``ExtraArgument(1)``, ... for
    ``extra`` arguments ``*args`` takes (when it has ``*args``)."""
    return positional(fun) + ([ExtraArgument(k) for k in range(extra or 0)] if has_varargs(fun)
                              else [])


def chosen(fun, params, positions, what: str) -> list:
    """The parameters at ``positions``; an error naming ``what`` for one that is not there."""
    for k in positions:
        if not isinstance(k, int) or not -len(params) <= k < len(params):
            raise SrcadError(f"{what.format(k)} does not name a positional parameter of "
                             f"{fun.__qualname__}{inspect.signature(fun, follow_wrapped=False)}")
    return [params[k] for k in positions]


def callee_key(fn, wrt, static, unhashable: list) -> tuple:
    """The key of a callee's pair: by identity where ``fn`` or ``static`` cannot be hashed (an
    object of a dataclass with ``eq=True``), kept alive in ``unhashable`` while its id is a key."""
    key = (fn, wrt, static)
    try:
        hash(key)
    except TypeError:
        unhashable.append((fn, static))
        key = (id(fn), wrt, id(static))
    return key


def specialized_for(static) -> str:
    """The header line of a transformation specialized on the kinds of the numbers and arrays
    passed (:mod:`srcad.passes.value_kinds`): what it assumed ("" for the general code)."""
    if not static.values:
        return ""
    return f"\nspecialized for: {describe_kinds(static.values)}"
