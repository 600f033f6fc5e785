"""Runtime helpers: checks the generated code makes while it runs, and the seed of reverse mode.

Accepts: the values named in the generated statement.
Guarantees: ``check_unshared``/``check_not_array`` raise :class:`srcad.errors.AliasingError` where a
write would change memory another live name shares, directly or through a tuple, list or dict that
holds it (see pass 8, alias); ``check_finite`` raises
:class:`srcad.errors.NonFiniteError` (``debug_nans``) at the first NaN or inf; ``seed_scalar``
raises :class:`srcad.errors.NonScalarOutputError` for a non-scalar output of ``grad``;
``call_vjp`` checks the shape of what a user's VJP returns.
"""

from __future__ import annotations

import numpy as np

from ..errors import NonScalarOutputError
from ._registry import helper
from .containers import _float_dtype, writable, zeros_like
from .namespaces import foreign_array, may_share, numpy_dtype, ones_scalar


@helper(nondiff=True)
def seed_scalar(out):
    """The seed of reverse mode for ``grad``: d(out)/d(out) = 1, shaped and typed like ``out``.
    A complex value is refused: srcad differentiates real functions (a complex gradient given
    for a real argument would be no gradient of it)."""
    if isinstance(out, complex) or (isinstance(out, (np.ndarray, np.generic))
                                    and np.iscomplexobj(out)) \
            or (foreign_array(out) and numpy_dtype(out).kind == "c"):
        from ..errors import UnsupportedOperationError
        raise UnsupportedOperationError(
            "grad needs a function with a real value, but it returned a complex number",
            hint="differentiate its real part, its absolute value squared, or another real "
                 "function of it (complex differentiation is not supported yet)")
    if isinstance(out, (float, int)) and not isinstance(out, bool):
        return 1.0
    if isinstance(out, (np.ndarray, np.generic)) and out.shape == ():
        return np.ones((), dtype=_float_dtype(out))[()]
    if foreign_array(out) and tuple(out.shape) == ():  # (Dask's, CuPy's: of its own type)
        return ones_scalar(out)
    shape = getattr(out, "shape", None)
    what = f"an array of shape {shape}" if shape is not None else f"a value of type {type(out).__name__}"
    raise NonScalarOutputError(
        f"grad needs a function with a scalar value, but it returned {what}",
        hint="grad differentiates a scalar: use srcad.vjp (or srcad.jacrev) for an array or tuple "
             "output")


@helper(nondiff=True)
def seed_aux(out):
    """The seed of reverse mode for ``grad(f, has_aux=True)``: ``f`` returns ``(loss, aux)``;
    ``(seed_scalar(loss), zeros for aux)`` (aux is returned as it is, and gets no gradient)."""
    if not (isinstance(out, tuple) and len(out) == 2):
        what = f"a tuple of {len(out)} values" if isinstance(out, tuple) else \
            f"a value of type {type(out).__name__}"
        raise NonScalarOutputError(
            f"has_aux=True needs a function returning a pair (loss, aux), but it returned {what}",
            hint="return loss, aux (aux may be any value: a dict, a tuple, ...), or drop has_aux")
    return seed_scalar(out[0]), zeros_like(out[1])


@helper
def call_vjp(vjp, g, ans, args, kwargs):
    """Call a user's VJP (srcad.defvjp) and check what it returns: one gradient per positional
    argument (None: no gradient, taken as zero), each, for an argument that is a number or an
    array, of that argument's shape and a numeric dtype (not complex for a real argument)."""
    grads = vjp(writable(g), ans, *args, **kwargs)
    if len(args) == 1 and not isinstance(grads, (tuple, list)):
        grads = (grads,)
    name = getattr(vjp, "__qualname__", repr(vjp))
    if not isinstance(grads, (tuple, list)) or len(grads) != len(args):
        from ..errors import SrcadError
        raise SrcadError(f"the VJP {name} must return one gradient per positional argument "
                         f"({len(args)}), as a tuple; it returned {grads!r:.80}")

    for k, (d, a) in enumerate(zip(grads, args)):
        if d is None or not isinstance(a, (float, int, complex, np.ndarray, np.generic)) \
                or isinstance(a, bool):
            continue  # (no gradient, or an argument that is not a number or an array)
        kind = "" if isinstance(d, (tuple, list, dict)) else np.asarray(d).dtype.kind
        if not kind:
            problem = f"a {type(d).__name__}, but the argument has shape {np.shape(a)}"
        elif kind not in "biufc":
            problem = f"a value of type {type(d).__name__} (dtype {np.asarray(d).dtype}), not a " \
                      "number"
        elif np.shape(d) != np.shape(a):
            problem = f"a gradient of shape {np.shape(d)}, but the argument has shape {np.shape(a)}"
        elif kind == "c" and np.asarray(a).dtype.kind != "c":
            problem = "a complex gradient, but the argument is real"
        else:
            continue
        from .. import errors  # (here only: the copy srcad.export makes runs without srcad)
        raise errors.SrcadError(f"the VJP {name} returned, for argument {k}, {problem}",
                                hint="a VJP returns, per argument, the gradient shaped and typed "
                                     "like that argument (None for no gradient)")
    return tuple(zeros_like(a) if d is None else d for d, a in zip(grads, args))


@helper(nondiff=True)
def check_recomputed(again, value, name, where):
    """Refuse, at the user's line ``where``, a ``srcad.checkpoint`` function whose forward, run again
    in the backward sweep, computed another value than at its call (it draws random numbers, or
    reads state that changed): its gradient would be that of other values."""
    if _same(again, value):
        return
    from ..errors import UnsupportedOperationError
    _refuse(f"{where}: the checkpointed function {name}, run again in the backward sweep, computed "
            "another value than at its call (it draws random numbers, or reads a global or an "
            "object that changed since), so its gradient would be that of other values; draw "
            "the numbers outside the checkpointed function and pass them in, or do not "
            "checkpoint it", UnsupportedOperationError)


def _same(a, b) -> bool:
    """Are ``a`` and ``b`` the same values (arrays equal where NaN is NaN; containers item by
    item; anything else: unknown, taken as the same)?"""
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    numbers = (np.ndarray, np.generic, float, int, complex)
    if isinstance(a, numbers) and isinstance(b, numbers):
        return np.shape(a) == np.shape(b) and bool(np.array_equal(a, b, equal_nan=np.iscomplexobj(
            a) or np.issubdtype(np.asarray(a).dtype, np.inexact)))
    return True


@helper
def check_unshared(value, others, names, message, index=None):
    """Refuse a write into an array (or a list or dict) that another live variable shares (see
    srcad.passes.alias). ``index``: for ``value[index] = e``, the part written (only it is compared,
    when basic indexing selects it as a view). An other variable shares it if its memory overlaps
    the part written (``np.shares_memory``; where NumPy cannot decide cheaply, it counts as shared),
    if it is the same list or dict, or if it is a tuple, list, dict or object (its attributes)
    holding such a value, at any depth."""
    if isinstance(value, np.ndarray):
        written = _written_part(value, index)
    elif isinstance(value, (list, dict)) or foreign_array(value):
        written = value
    else:
        return
    for other, name in zip(others, names):
        if _shares(written, other, set()):
            _refuse(message.format(name=name))


def _refuse(message, error=None):
    """Raise an AliasingError (or ``error``) located at the user's line that ``message`` begins
    with (``file:line: ...``), in every mode, whichever API called the generated code."""
    import linecache
    import re

    from ..errors import AliasingError, Location
    found = re.match(r"^(.+):(\d+): ", message)
    location = None
    if found:
        filename, lineno = found.group(1), int(found.group(2))
        text = linecache.getline(filename, lineno)
        location = Location(filename, lineno, len(text) - len(text.lstrip()) if text.strip() else 0)
    raise (error or AliasingError)(message, location)


def _written_part(array, index):
    """The view of ``array`` that ``array[index] = e`` writes into, or ``array`` itself where the
    index is not basic (a mask, an array of indices) or not given."""
    if index is None:
        return array
    key = index if isinstance(index, tuple) else (index,)
    basic = all(k is None or k is Ellipsis or isinstance(k, slice)
                or (isinstance(k, (int, np.integer)) and not isinstance(k, (bool, np.bool_)))
                for k in key)
    if not basic:
        return array
    if not any(k is Ellipsis for k in key):
        key = key + (Ellipsis,)  # a 0-d view for an element, never a copy
    try:
        part = array[key]
    except (IndexError, TypeError, ValueError):
        return array  # the write itself will raise
    return part if isinstance(part, np.ndarray) and np.shares_memory(part, array) else array


def _shares(written, other, seen) -> bool:
    if isinstance(written, np.ndarray):
        if isinstance(other, np.ndarray):
            if not np.may_share_memory(written, other):
                return False
            try:
                return bool(np.shares_memory(written, other, max_work=100_000))
            except RuntimeError:  # np.exceptions.TooHardError: the work bound was reached
                return True  # cannot tell cheaply: refuse rather than risk a wrong gradient
    elif other is written or (foreign_array(written) and may_share(written, other)):
        return True
    if isinstance(other, (tuple, list, dict)) and id(other) not in seen:
        seen.add(id(other))
        items = other.values() if isinstance(other, dict) else other
        return any(_shares(written, item, seen) for item in items)
    if id(other) not in seen and not isinstance(other, (np.ndarray, np.generic, float, int)):
        from .objects import own_attributes, structure
        if structure(other) is not None:  # an object: what its attributes hold
            seen.add(id(other))
            return any(_shares(written, getattr(other, name, None), seen)
                       for name in own_attributes(other) or ())
    return False


_IN_PLACE = ("__iadd__", "__isub__", "__imul__", "__itruediv__", "__ifloordiv__", "__imod__",
             "__ipow__", "__imatmul__", "__iand__", "__ior__", "__ixor__", "__ilshift__",
             "__irshift__")


@helper
def check_item_not_array(container, index, name, where, read):
    """Refuse ``name[index] op= e`` where ``name`` is a list, tuple or dict holding there a value
    Python changes in place (an array, a list, a dict, a set: what defines ``__iadd__`` and the
    like) that something read afterwards also holds: a name of ``read`` (a local or a global of
    the generated function calling this; one not bound holds nothing), at any depth, or another entry of
    ``name`` itself (``[y, y]``). srcad writes ``name[index] = name[index] op e``, a new value;
    the others would keep the old one."""
    if not isinstance(container, (list, tuple, dict)):
        return
    try:
        item = container[index]
    except (KeyError, IndexError, TypeError):
        return  # (the statement itself raises)
    if not any(hasattr(type(item), method) for method in _IN_PLACE):
        return
    if isinstance(container, dict):
        siblings = [v for k, v in container.items() if k != index]
    elif isinstance(index, (int, np.integer)):
        position = index % len(container)
        siblings = [v for k, v in enumerate(container) if k != position]
    else:
        return  # a slice of a list: a new list, changed as a whole
    import sys
    frame = sys._getframe(1)  # the generated function's: a local not bound here is absent
    scopes = (frame.f_locals, frame.f_globals)
    holders = [(scope[n], f"'{n}'") for n in read
               for scope in [next((s for s in scopes if n in s), None)]
               if scope is not None and _may_change(scope[n])]
    holders += [(v, f"another entry of '{name}'") for v in siblings]
    for other, who in holders:
        if _shares(item, other, set()):
            _refuse(f"{where}: '{name}[...] op= e' changes, in place, the "
                    f"{type(item).__name__} '{name}' holds there, which {who} also holds (a "
                    "copy of a list or dict holds the same items) and is read afterwards; srcad "
                    f"does not follow that change. Write '{name}[...] = {name}[...] op e'")


@helper
def check_distinct(values, names, where):
    """Refuse arguments that share memory (the same array passed twice, an array and its view)
    to a function that writes into its arguments: NumPy would change both; srcad copies each
    argument before writing, and differentiates each as its own array."""
    for i, a in enumerate(values):
        for j in range(i + 1, len(values)):
            b = values[j]
            same = a is b and isinstance(a, (list, dict))
            if same or (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)
                        and np.shares_memory(a, b)) or (foreign_array(a) and may_share(a, b)):
                _refuse(f"{where}: the arguments '{names[i]}' and '{names[j]}' share memory, and "
                        "the function writes into its arguments: NumPy would change both, srcad "
                        "differentiates each as its own array. Pass copies (f(b, b.copy()))")


@helper
def check_not_array(value, message):
    """Refuse to pass an array, a list, a dict, a set, an object or a tuple holding one to a
    function that changes that argument in place (srcad.passes.alias): the caller would see the change, which its gradient does not
    follow."""
    if _may_change(value):
        _refuse(message)


def _may_change(value, depth=0) -> bool:
    """Could a function change ``value`` (or what it holds) in place: an array, a list, a dict, a
    set, an object (its attributes), or a tuple holding one? Numbers, strings, functions: no."""
    if isinstance(value, (np.ndarray, list, dict, set, bytearray)):
        return True
    if isinstance(value, tuple):
        return depth < 32 and any(_may_change(v, depth + 1) for v in value)
    if value is None or isinstance(value, (int, float, complex, str, bytes, np.generic)):
        return False
    return not (callable(value) or isinstance(value, type(np)))


@helper
def check_sequence(value, name, where):
    """Refuse to iterate by index (``value[0], value[1], ...``, how srcad runs ``for v in name``
    at the user's line ``where``) over a value Python iterates otherwise: a mapping (its keys), a
    set, an iterator."""
    if isinstance(value, (np.ndarray, list, tuple, range)):
        return
    if hasattr(value, "keys") or not (hasattr(value, "__getitem__") and hasattr(value, "__len__")):
        from ..errors import UnsupportedSyntaxError
        _refuse(f"{where}: the loop over '{name}' is differentiated as a loop over a sequence "
                f"({name}[0], {name}[1], ...), but '{name}' is a {type(value).__name__}. Loop over "
                f"'{name}.keys()', '{name}.values()' or '{name}.items()' for a dict, or over "
                f"'list({name})'", UnsupportedSyntaxError)


def _numbers(value):
    """The numbers and arrays in an adjoint (a list, tuple, dict or object adjoint's entries)."""
    if value is None:
        return
    parts = getattr(value, "parts", None)  # an object's adjoint (srcad.runtime.objects)
    if isinstance(parts, dict):
        value = parts
    if isinstance(value, dict):
        for v in value.values():
            yield from _numbers(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _numbers(v)
    else:
        yield value


def _finite(value) -> bool:
    """Are all the numbers in ``value`` (an array, a number, containers and object adjoints of
    them at any depth) finite? Whatever holds no numbers (a key, a string) counts as finite."""
    for v in _numbers(value):
        try:
            if not bool(np.all(np.isfinite(v))):
                return False
        except (TypeError, ValueError):  # not numbers
            continue
    return True


@helper
def check_finite(value, name, where, involved):
    """``debug_nans``: stop at the first NaN or inf in an adjoint, saying where and with what."""
    if _finite(value):
        return

    def summary(v):
        a = np.asarray(v, dtype=float) if not isinstance(v, (list, tuple)) else None
        if a is None:
            return f"{type(v).__name__} of {len(v)}"
        if a.size <= 6:
            return np.array2string(a, precision=4)
        return (f"array{a.shape}: min {np.nanmin(a):.4g}, max {np.nanmax(a):.4g}, "
                f"{int(np.isnan(a).sum())} nan, {int(np.isinf(a).sum())} inf")
    # Speak of the user's variables: the names on the user's line. The others are srcad's names for
    # parts of the line's expression (log_h for np.log(h)), or a user's name renamed (t_2 for t).
    import re
    line = re.match(r"^(.+?):(\d+): (.*)$", where, re.S)
    user = set(re.findall(r"[A-Za-z_]\w*", line.group(3) if line else where))

    def own(var):  # the user's name for srcad's variable ``var``, or None
        if var in user:
            return var
        base = re.sub(r"_\d+$", "", var)
        return base if base != var and base in user else None

    of = next((v for v in involved if name == "d" + v or re.fullmatch(f"d{re.escape(v)}_\\d+",
                                                                      name)), None)
    numbers = []
    for v in _numbers(value):
        try:
            numbers.append(np.isnan(v).any())
        except (TypeError, ValueError):  # not numbers
            continue
    bad = "nan" if any(numbers) else "inf"
    if of is None or own(of) == of:
        what = f"the gradient {name}"
    elif own(of) is not None:
        what = f"the gradient of {own(of)} ({name}: srcad renamed {own(of)} to {of})"
    else:
        what = (f"the gradient {name} of {of} (srcad's name for a part of the expression on this "
                "line)")
    mine = [f"{k} = {summary(v)}" for k, v in involved.items() if own(k) == k]
    mine += [f"{own(k)} (renamed {k}) = {summary(v)}" for k, v in involved.items()
             if own(k) not in (None, k)]
    parts = [f"{k} = {summary(v)}" for k, v in involved.items() if own(k) is None]
    details = ("\n  values: " + "; ".join(mine) if mine else "") + (
        "\n  intermediate values: " + "; ".join(parts) if parts else "")
    from ..errors import NonFiniteError
    raise NonFiniteError(f"{what} became {bad} at {where}{details}")
