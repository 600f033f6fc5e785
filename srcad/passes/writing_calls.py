"""NumPy's writing calls as subscript assignments: ``np.copyto``, ``np.add.at``, ``np.subtract.at``,
``np.put``, ``np.put_along_axis``, ``np.putmask``, ``np.place``, ``np.fill_diagonal``.

Accepts: an expression statement of the user's function (pass 2 asks whether it is one of these
calls, pass 4 rewrites it).
Guarantees: :func:`writing_call` recognises the statements ``np.copyto(y, v)`` (with
``casting=`` and ``where=``), ``np.add.at(y, indices, v)``, ``np.subtract.at(y, indices, v)``,
``np.put(y, ind, v, mode)``, ``np.put_along_axis(y, indices, values, axis)``,
``np.putmask(y, mask, values)``, ``np.place(y, mask, vals)`` and ``np.fill_diagonal(y, val, wrap)``
where ``y`` is a variable (pass 2 refuses a write into one not local, see
:func:`srcad.passes.statements.check_shared_state`) and the function is reached by a dotted name that is no local
(``np``, ``numpy``, ``from numpy import copyto``); :func:`as_write` gives the assignment that
stands for one, ``y[...] = added_at(y, indices, v)``, whose right-hand side computes, with
NumPy's own function on a copy of ``y``, what the call leaves in ``y``
(:mod:`srcad.runtime.writes`), and whose rules are in :mod:`srcad.rules.writes`. Writing into
``y[...]`` changes ``y``'s buffer in place, as the call does: views of ``y`` see the new values,
and the alias analysis (pass 8) treats it as any other write into ``y``.

Not recognised (so refused where they stand, as calls that change a value in place): another
ufunc's ``.at`` (``np.multiply.at``, ``np.maximum.at``: not linear in the array written into), a
first argument that is not a name (``np.copyto(y[2:], v)``: a fancy index would write into a
copy), ``out=``, starred arguments, and a call whose result is used.
"""

from __future__ import annotations

import gast
import numpy as np

from ..errors import UndefinedNameError
from ..runtime.writes import (added_at, copied_into, diagonal_filled, placed_into, put_along_axis_into,
                              put_into, putmask_into, subtracted_at)
from .parse import dotted_name, resolve_dotted
from .syntax import load


# NumPy's function: its stand-in, its parameters, how many of them it requires
_WRITING = {
    np.copyto: (copied_into, ("dst", "src", "casting", "where"), 2),
    np.put: (put_into, ("a", "ind", "v", "mode"), 3),
    np.put_along_axis: (put_along_axis_into, ("arr", "indices", "values", "axis"), 4),
    np.putmask: (putmask_into, ("a", "mask", "values"), 3),
    np.place: (placed_into, ("arr", "mask", "vals"), 3),
    np.fill_diagonal: (diagonal_filled, ("a", "val", "wrap"), 2),
}


def _stand_in(obj):
    try:
        if obj in _WRITING:
            return _WRITING[obj]
    except TypeError:  # (an unhashable object)
        return None
    owner = getattr(obj, "__self__", None)
    if getattr(obj, "__name__", None) == "at" and owner is np.add:
        return added_at, ("a", "indices", "b"), 3
    if getattr(obj, "__name__", None) == "at" and owner is np.subtract:
        return subtracted_at, ("a", "indices", "b"), 3
    return None


_ARRAY_PARAM = {stand_in: params[0] for stand_in, params, _ in _WRITING.values()}


def writing_call(stmt, namespace, local_names):
    """For an expression statement that is one of the calls above: ``(name, stand_in)``, ``name``
    the ``gast.Name`` written into (pass 2 refuses one that is not local); None otherwise."""
    if not (isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Call)):
        return None
    call = stmt.value
    name = dotted_name(call.func)
    if name is None or name.split(".")[0] in local_names \
            or any(isinstance(a, gast.Starred) for a in call.args) \
            or any(k.arg is None for k in call.keywords):
        return None
    try:
        found = _stand_in(resolve_dotted(call.func, namespace, "<unused>"))
    except UndefinedNameError:
        return None
    if found is None:
        return None
    stand_in, params, n_required = found
    given = dict(zip(params, call.args))
    given.update((k.arg, k.value) for k in call.keywords)
    required = params[:n_required]
    if len(call.args) > len(params) or len(given) != len(call.args) + len(call.keywords) \
            or not set(required) <= set(given) <= set(params):
        return None  # NumPy raises a TypeError here: the call is left as written, and refused
    if not isinstance(given[params[0]], gast.Name):
        return None
    return given[params[0]], stand_in


def as_write(stmt, name, stand_in, alias):
    """``name[...] = alias(name, ...)``: the assignment standing for the call ``stmt`` (``alias``
    is the name under which the generated code reaches ``stand_in``)."""
    call = stmt.value
    first = _ARRAY_PARAM.get(stand_in, "a")
    args = [load(name)] + call.args[1:]
    keywords = [k for k in call.keywords if k.arg != first]
    value = gast.copy_location(gast.Call(func=load(alias), args=args, keywords=keywords), call)
    target = gast.Subscript(value=load(name), slice=gast.Constant(value=Ellipsis, kind=None),
                            ctx=gast.Store())
    return gast.copy_location(gast.Assign(targets=[gast.copy_location(target, call)],
                                          value=value, type_comment=None), stmt)
