"""Rules, family 10: Python's own forms that have no function of their own (pass 6, ops, uses them).

Accepts: nothing; importing registers nothing in :data:`~srcad.rules.registry.RULES` (these forms
are recognised by their syntax, not looked up by function).
Guarantees: :data:`COPY` (``y = x``: ``identity``, the result is the operand itself),
:data:`CONCATENATION` and :data:`REPETITION` (``+`` and ``*`` on lists and tuples),
:data:`NONDIFF` (constants, comparisons, calls without a gradient), and :func:`container` /
:func:`dictionary` (tuple, list and dict displays: ``holds_operands``, the result holds the
operands themselves; their tangent is the container of the tangents, a ``joint_jvp``). The passes
read these rules' fields, never their names. :func:`mutated_argument` says which argument a known
function changes in place (``np.copyto``, ``np.add.at``, ``operator.setitem``); :data:`IMPLICIT_SCOPE`
are the builtins that read the caller's variables without being passed them (``eval``, ``exec``,
``locals``, ``vars``, ``globals``).
"""

from __future__ import annotations

import builtins
import functools
import operator
import random

import numpy as np

from .registry import Rule

COPY = Rule("copy", ("x",), {}, {"x": "g"}, tangents={"x": "t"}, identity=True)
CONCATENATION = Rule("concatenation", ("x", "y"), {},
                     {"x": "adjoint_like(x, g[:len(x)])", "y": "adjoint_like(y, g[len(x):])"},
                     joint_jvp="t_x + t_y")
REPETITION = Rule("repetition", ("x", "n"), {}, {"x": "unrepeat_sequence(g, x)"},
                  tangents={"x": "t * n"})
NONDIFF = Rule("no gradient")


@functools.lru_cache(maxsize=256)
def container(kind: str, n: int) -> Rule:
    """The rule of a ``kind`` ("tuple" or "list") display of ``n`` operands, ``e0`` ... ."""
    joint = ", ".join(f"t_e{k}" for k in range(n))
    return Rule(kind, tuple(f"e{k}" for k in range(n)), {}, {f"e{k}": f"g[{k}]" for k in range(n)},
                joint_jvp=f"({joint},)" if kind == "tuple" else f"[{joint}]",
                holds_operands=True)


@functools.lru_cache(maxsize=256)
def dictionary(keys: tuple) -> Rule:
    """The rule of a dict display with the constant ``keys``: each value gets ``g[its key]``."""
    return Rule("dict", tuple(f"e{k}" for k in range(len(keys))), {},
                {f"e{k}": f"g[{key!r}]" for k, key in enumerate(keys)},
                joint_jvp="{" + ", ".join(f"{key!r}: t_e{k}" for k, key in enumerate(keys)) + "}",
                holds_operands=True)


# functions that change their first argument in place
MUTATING_FUNCTIONS = frozenset({
    np.copyto, np.put, np.place, np.putmask, np.put_along_axis, np.fill_diagonal,
    np.random.shuffle, random.shuffle, setattr, delattr,
    operator.setitem, operator.delitem, operator.iadd, operator.isub, operator.imul,
    operator.itruediv, operator.ifloordiv, operator.imod, operator.ipow, operator.imatmul,
    operator.iand, operator.ior, operator.ixor, operator.iconcat,
})
IMPLICIT_SCOPE = frozenset({builtins.eval, builtins.exec, builtins.locals, builtins.vars,
                            builtins.globals})


def mutated_argument(fn) -> int | None:
    """The position of the argument ``fn`` changes in place (0 for ``np.copyto``, ``np.put``,
    ``operator.setitem``, a ufunc's ``.at`` such as ``np.add.at``), or None."""
    try:
        if fn in MUTATING_FUNCTIONS:
            return 0
    except TypeError:  # unhashable
        return None
    if isinstance(getattr(fn, "__self__", None), np.ufunc) and getattr(fn, "__name__", "") == "at":
        return 0
    return None


def is_implicit_scope(fn) -> bool:
    """``eval``, ``exec``, ``locals()``, ``vars()``, ``globals()``: they read (and ``exec`` writes)
    variables no argument names."""
    try:
        return fn in IMPLICIT_SCOPE
    except TypeError:
        return False
