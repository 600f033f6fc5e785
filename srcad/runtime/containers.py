"""Runtime helpers: adjoints of lists, tuples and dicts, zeros, copies and indexing (objects read
by attribute: :mod:`.objects`).

Accepts: the values the generated code holds (arrays, numbers, lists, tuples, dicts, None).
Guarantees: every helper returns an adjoint shaped like the primal it belongs to. Gradients reaching
a list from several places must add element by element, but ``+`` on lists concatenates: the
adjoint of a container is therefore a :class:`ListAdjoint`, :class:`TupleAdjoint` or
:class:`DictAdjoint`, whose ``+`` adds matching entries (and treats None, "no gradient", as zero).
NumPy's functions (another library's arrays: through :mod:`.namespaces`);
:func:`srcad.tools.export.export` copies these functions into standalone modules.
"""

from __future__ import annotations

import copy
import numbers
import types

import numpy as np

from ._registry import helper
from .namespaces import as_array, as_float_array, copy_array, float_copy, foreign_array, numpy_dtype, \
    scatter_add, zeros_of


def _add(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return a + b


class _SequenceAdjoint:
    def __add__(self, other):
        if isinstance(other, (list, tuple)):
            if len(self) != len(other):  # one entry per item of the same sequence: never
                from ..errors import SrcadError
                raise SrcadError(f"srcad error: adding the gradients of sequences of {len(self)} "
                                 f"and {len(other)} items (please report this)")
            return type(self)(_add(a, b) for a, b in zip(self, other))
        return NotImplemented

    __radd__ = __add__

    def __iadd__(self, other):  # 'd += e' (srcad.passes.inplace) adds entries, never extends the list
        return self + other


class ListAdjoint(_SequenceAdjoint, list):
    pass


class TupleAdjoint(_SequenceAdjoint, tuple):
    pass


class DictAdjoint(dict):
    def __add__(self, other):
        if isinstance(other, dict):
            return DictAdjoint((k, _add(v, other.get(k))) for k, v in self.items())
        return NotImplemented

    __radd__ = __add__

    def __iadd__(self, other):
        return self + other


@helper(linear_in="parts")
def adjoint_like(x, parts):
    """A container adjoint shaped like container ``x`` with entries ``parts``."""
    if isinstance(x, dict):
        return DictAdjoint(parts)
    if isinstance(x, list):
        return ListAdjoint(parts)
    return TupleAdjoint(parts)


def writable(g):
    """``g``, or a copy of it where it is a read-only array (a view ``unsum`` made)."""
    if isinstance(g, np.ndarray) and not g.flags.writeable:
        return g.copy()
    return g


@helper
def plain(g, x):
    """The gradient of argument ``x`` as the user sees it: containers become plain lists, tuples
    and dicts, and an array of floats gets the floating type of ``x`` (float32 in, float32 out); a real argument
    gets the real part of a complex gradient (JAX's convention, see :mod:`srcad.rules.fft`)."""
    if type(g) is np.ndarray and type(x) is np.ndarray and g.dtype == x.dtype \
            and g.dtype.kind == "f" and g.ndim and g.flags.writeable:
        return g  # (the common case, at once: an array of x's floating type, not a view unsum made)
    if type(g) is float and type(x) is float:
        return g
    if isinstance(g, DictAdjoint):  # (a key the function added to its own copy: not the user's)
        return {k: plain(v, x[k]) for k, v in g.items() if k in x}
    if isinstance(g, ListAdjoint):
        return [plain(v, xv) for v, xv in zip(g, x)]
    if _is_object(x):  # an object read by attribute, a named tuple: in its own structure
        from .objects import plain_object
        return plain_object(g, x, plain)
    if isinstance(g, TupleAdjoint):
        return tuple(plain(v, xv) for v, xv in zip(g, x))
    if isinstance(x, (list, tuple)) and isinstance(g, np.ndarray) and g.shape[:1] == (len(x),):
        # (a list read as an array, np.append([1.0, 2.0], b): its gradient as a list again)
        return type(x)(plain(v, xv) for v, xv in zip(g, x))
    if isinstance(x, (int, float)) and not isinstance(x, bool) and isinstance(g, np.ndarray) \
            and g.ndim == 0:
        g = g[()]  # (a number's gradient is a number, not a 0-d array)
    if np.iscomplexobj(g) and isinstance(x, (int, float, np.ndarray, np.generic)) \
            and not np.iscomplexobj(x):  # a real argument's gradient is real (srcad.rules.fft)
        g = np.real(g)
    if isinstance(x, np.ndarray) and np.ndim(g) == 0 and x.ndim > 0 and not np.any(g):
        g = np.zeros(x.shape, dtype=_float_dtype(x))  # (a scalar zero: see zero_at)
    dtype = getattr(x, "dtype", None)
    if foreign_array(g):  # (another library's gradient stays its own, lazy: never computed here)
        if isinstance(dtype, np.dtype) and dtype.kind == "f" and numpy_dtype(g) != dtype \
                and numpy_dtype(g).kind == "f":
            return as_float_array(g, dtype)
        return g
    if dtype is not None and dtype.kind == "f" and getattr(g, "dtype", dtype) != dtype \
            and getattr(g, "dtype", None) is not None and g.dtype.kind == "f":
        return np.asarray(g).astype(dtype)[()] if np.ndim(g) == 0 else np.asarray(g).astype(dtype)
    return writable(g)


@helper(nondiff=True)
def zeros_like(x):
    """A zero adjoint for ``x``: same shape, floating point (integers promote as in NumPy).
    ``None`` (a variable not assigned yet, see the reverse pass) gets 0.0; a module, a function or
    a string (what carries no gradient at all) gets ``None``."""
    if x is None:
        return 0.0
    if _is_object(x) and not isinstance(x, tuple):  # (a named tuple's is a tuple adjoint)
        from .objects import ObjectAdjoint
        return ObjectAdjoint()
    if isinstance(x, dict):
        return DictAdjoint((k, zeros_like(v)) for k, v in x.items())
    if isinstance(x, (tuple, list)):
        return adjoint_like(x, [zeros_like(v) for v in x])
    if isinstance(x, (int, float, bool)):
        return 0.0
    if isinstance(x, complex):
        return 0j
    if callable(x) or isinstance(x, (str, bytes)) or type(x).__name__ == "module":
        return None  # a function, a module, a string: what carries no gradient at all
    if foreign_array(x):
        return zeros_of(x, _float_dtype(x))
    return np.zeros(np.shape(x), dtype=_float_dtype(x))


def _is_object(x) -> bool:
    """Is ``x`` an object srcad reads by attribute, or a named tuple, or the adjoint of an object
    (see :mod:`.objects`)?"""
    if isinstance(x, (np.ndarray, float, int, list, dict)) or type(x) is tuple:
        return False  # (the common cases, decided at once)
    from .objects import ObjectAdjoint, structure
    return isinstance(x, ObjectAdjoint) or structure(x) is not None


_WEAK = (bool, int, float, complex)  # Python numbers: NumPy's arithmetic keeps an array's type


def _float_dtype(*values):
    """The type of ``values`` combined as NumPy's arithmetic combines them (a Python number does not
    widen a float32 array), or float64 where that is not a floating type (integers)."""
    values = [numpy_dtype(v) if foreign_array(v) else v for v in values]  # (never computed)
    try:
        dtype = np.result_type(*[v if isinstance(v, _WEAK + (np.ndarray, np.generic, np.dtype))
                                 else np.asarray(v).dtype for v in values])
    except (TypeError, ValueError, OverflowError):  # (a Python integer too large for NumPy)
        dtype = np.result_type(*[np.asarray(v).dtype for v in values])
    return dtype if np.issubdtype(dtype, np.inexact) else np.float64


@helper(linear_in="parts")
def unpack_adjoint(parts, x):
    """Adjoint of unpacking ``a, b, ... = x``: the adjoints of the parts (None where no gradient
    reached a part) reassembled into the structure of ``x``."""
    if isinstance(x, (tuple, list)):
        return adjoint_like(x, [zeros_like(v) if p is None else p for p, v in zip(parts, x)])
    if foreign_array(x):  # (Dask's, CuPy's: in its library, computing nothing)
        return np.stack([zeros_of(x[k], _float_dtype(x)) if p is None else as_array(p, like=x)
                         for k, p in enumerate(parts)])
    x = np.asarray(x)
    return np.stack([np.zeros(x.shape[1:], dtype=_float_dtype(x)) if p is None else p for p in parts])


@helper(linear_in="g")
def unindex(g, x, index):
    """Adjoint of ``x[index]``: ``g`` scattered into zeros shaped like ``x`` (repeated indices add up)."""
    if isinstance(x, dict):
        return DictAdjoint((k, g if k == index else zeros_like(v)) for k, v in x.items())
    if isinstance(x, (tuple, list)):
        if isinstance(index, slice):
            parts = [zeros_like(v) for v in x]
            for k, part in zip(range(*index.indices(len(x))), g):
                parts[k] = part
            return adjoint_like(x, parts)
        return adjoint_like(x, [g if k == index % len(x) else zeros_like(v) for k, v in enumerate(x)])
    if foreign_array(x) or foreign_array(g):
        return scatter_add(zeros_of(x, _float_dtype(x, g), x if foreign_array(x) else g), index, g)
    result = np.zeros(np.shape(x), dtype=_float_dtype(x, g))
    np.add.at(result, index, g)
    return result


@helper(jvp={"d": "t", "g": "unindex(t, x, index)"})
def add_at(d, index, g, x):
    """``d + unindex(g, x, index)``: the gradient ``g`` of ``x[index]`` added to ``d``, a gradient of
    ``x``, in ``d`` itself where it can hold the sum (:mod:`srcad.passes.inplace` calls it only on a
    gradient no other variable holds): an array of ``x``'s shape (keeping its floating type, as
    ``d += e`` does; repeated positions of an index array add up), or the gradient of a list or dict
    ``x`` (the entry at ``index`` replaced by the sum, a new value: the entries themselves are never
    changed, other gradients may hold them)."""
    if type(d) is np.ndarray and isinstance(x, np.ndarray) and d.shape == x.shape \
            and d.flags.writeable and d.dtype.kind in "fc" \
            and (d.dtype.kind == "c" or not np.iscomplexobj(g)):
        if _advanced(index):
            np.add.at(d, index, g)
        else:
            d[index] += g
        return d
    if type(d) is ListAdjoint and type(x) is list and len(d) == len(x) \
            and isinstance(index, (int, np.integer)) and not isinstance(index, bool) \
            and -len(x) <= index < len(x):
        d[index] = _add(d[index], g)
        return d
    if type(d) is DictAdjoint and isinstance(x, dict) and index in d and index in x:
        d[index] = _add(d[index], g)
        return d
    return d + unindex(g, x, index)


def _advanced(index) -> bool:
    """Does ``index`` use an integer array or list (which may repeat a position), NumPy's or
    another library's (a Dask or CuPy index array)?"""
    parts = index if isinstance(index, tuple) else (index,)
    return any((isinstance(p, (list, np.ndarray)) and np.asarray(p).dtype.kind in "iu")
               or (foreign_array(p) and numpy_dtype(p).kind in "iu") for p in parts)


@helper(linear_in="g")
def zero_at(g, index):
    """``g`` with ``g[index]`` set to zero, as a new array: the adjoint of the value that
    ``x[index] = ...`` overwrote (no gradient flows to it)."""
    if isinstance(g, (list, dict)):
        g = type(g)(g)
        entry = g[index]
        # an entry that is a number or an array: a scalar zero, which takes the shape of whatever
        # is added to it later (the overwritten value may have had another shape: 'd[k] = d[k] * w')
        g[index] = zeros_like(entry) if isinstance(entry, (list, tuple, dict)) else 0.0
        return g
    if foreign_array(g):
        g = float_copy(g, _float_dtype(g))
    else:
        g = np.array(g, dtype=_float_dtype(g), copy=True)
    g[index] = 0
    return g


@helper(jvp={"g": "zero_at(t, index)"})
def zeroed_at(g, index):
    """``zero_at(g, index)``, in ``g`` itself where it can be changed: an array that can be written,
    the gradient of a list or dict (:mod:`srcad.passes.inplace` calls it only on a gradient no other
    variable holds)."""
    if type(g) is np.ndarray and g.flags.writeable and g.dtype.kind in "fc" and g.ndim:
        g[index] = 0
        return g
    if type(g) in (ListAdjoint, DictAdjoint):
        entry = g[index]
        g[index] = zeros_like(entry) if isinstance(entry, (list, tuple, dict)) else 0.0
        return g
    return zero_at(g, index)


@helper(linear_in="value")
def snapshot(value):
    """A copy of ``value`` that later in-place writes cannot change (for saving ``x[index]``, and
    for a gradient :mod:`srcad.passes.inplace` changes in place: an array copied, the gradient of
    a list or dict a new one with the same entries)."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if foreign_array(value):
        return copy_array(value)
    return type(value)(value) if type(value) in (ListAdjoint, DictAdjoint) else value


@helper(nondiff=True)
def kept_value(value):
    """``value`` (``(loss, aux)`` of ``grad(f, has_aux=True)``) with every array it holds copied,
    at any depth of lists, tuples and dicts (any other object deep-copied), so that the backward
    pass, which restores arrays written in place, leaves what is returned as the function made
    it."""
    if isinstance(value, np.ndarray) or foreign_array(value):
        return snapshot(value)
    if isinstance(value, tuple) and hasattr(type(value), "_fields"):
        return type(value)(*(kept_value(v) for v in value))
    if isinstance(value, (list, tuple)):
        return type(value)(kept_value(v) for v in value)
    if isinstance(value, dict):
        return {k: kept_value(v) for k, v in value.items()}
    if value is None or isinstance(value, (numbers.Number, str, bytes, np.generic)) \
            or callable(value) or isinstance(value, types.ModuleType):
        return value
    return copy.deepcopy(value)


class _Absent:
    """What :func:`entry` saves for a key a dict did not have."""

    def __repr__(self):
        return "ABSENT"


ABSENT = _Absent()


@helper(linear_in="d")
def entry(d, key):
    """The entry ``d[key]`` of a dict about to be written (a copy of an array), or ``ABSENT``
    (anything else indexable: its item ``d[key]``, copied)."""
    if not isinstance(d, dict):
        return snapshot(d[key])
    return snapshot(d[key]) if key in d else ABSENT


@helper
def restore_entry(d, key, old):
    """Undo ``d[key] = ...``: put back the entry :func:`entry` saved, or delete a new key (forward
    mode over the gradient's code undoes its tangent alike: :mod:`srcad.passes.forward`)."""
    if old is ABSENT:
        d.pop(key, None)
    else:
        d[key] = old


@helper(linear_in="t")
def copied(t):
    """The tangent of ``x.copy()``: a copy of the tangent, an array's, a list's or a dict's (a new
    container of the same items, as the value's)."""
    if isinstance(t, np.ndarray):
        return t.copy()
    if foreign_array(t):
        return copy_array(t)
    if isinstance(t, (list, dict)):
        return type(t)(t)
    return t


@helper(linear_in="x")
def private_copy(x):
    """A copy of an argument the function writes into, so the caller's arrays are never modified:
    arrays copied, in lists, tuples and dicts at any depth (new containers, same structure)."""
    if isinstance(x, np.ndarray):
        return x.copy()
    if foreign_array(x):
        return copy_array(x)
    if isinstance(x, list):
        return [private_copy(v) for v in x]
    if isinstance(x, dict):
        return type(x)((k, private_copy(v)) for k, v in x.items())
    if isinstance(x, tuple) and any(isinstance(v, (np.ndarray, list, tuple, dict))
                                    or foreign_array(v) for v in x):
        copied = [private_copy(v) for v in x]
        return type(x)(*copied) if hasattr(x, "_fields") else type(x)(copied)
    return x


@helper(linear_in="g")
def unrepeat_sequence(g, x):
    """Adjoint of ``x * n`` for a list or tuple ``x`` (repetition): each entry's copies summed."""
    n = len(x)
    parts = [g[k] for k in range(n)]
    for start in range(n, len(g), n):
        parts = [p + q for p, q in zip(parts, g[start:start + n])]
    return adjoint_like(x, parts)
