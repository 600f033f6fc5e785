"""Rules, family 8: ndarray methods and attributes (``x.sum()``, ``x.astype(t)``, ``x.T``).

Accepts: nothing; importing registers the table below.
Guarantees: :data:`METHODS` maps a method name to the function whose rule it uses (``self`` as the
first argument), :data:`ATTRIBUTES` an attribute name likewise; :data:`PACKED_METHODS` are the
methods whose positional arguments after ``self`` form one tuple (``x.reshape(2, 3)``);
:data:`NONDIFF_ATTRIBUTES` carry no gradient; :data:`MUTATING_METHODS` change their object in place
(ndarray's and list's and dict's), so pass 6 never treats a call of one as pure. Three methods without a NumPy function of their own
(``astype``, ``item``, ``flatten``) get stand-in functions with rules of their own, and so do
a mapping's ``keys`` (no gradient) and ``get`` (the gradient goes to the entry or the default
returned). ``x.astype(t)`` (and ``np.astype``) to an integer or boolean type named in the source
carries no gradient, as ``np.floor`` does (pass 6 reads it so).
"""

from __future__ import annotations

import numpy as np

from .registry import defnondiff, defrule


def astype(a, dtype):
    """Stands for the method ``x.astype(dtype)`` in the table."""


def item(a):
    """Stands for the method ``x.item()`` in the table."""


def flatten(a):
    """Stands for the method ``x.flatten()``: ``np.ravel``'s values, always in a new array (so its
    tangent must be a new array too, never a view of ``x``'s)."""


def copy(a):
    """Stands for the method ``x.copy()``: an array's copy, or a list's or dict's (a new container
    holding the same items), whose tangent is copied alike."""


def keys(a):
    """Stands for the method ``d.keys()`` of a mapping: its keys, which carry no gradient."""


def get(d, key, default=None):
    """Stands for the method ``d.get(key, default)`` of a mapping: ``d[key]`` if it has the key,
    else ``default``; the gradient goes to the one returned."""


def array_namespace(a):
    """Stands for the method ``x.__array_namespace__()``: the module of ``x``'s operations (the
    Array API standard's), no gradient (pass 6 reads which: srcad.passes.array_namespaces)."""


array_namespace.__qualname__ = array_namespace.__name__ = "ndarray.__array_namespace__"
array_namespace.__module__ = "numpy"
astype.__qualname__ = astype.__name__ = "ndarray.astype"
keys.__qualname__ = keys.__name__ = "dict.keys"
copy.__qualname__ = copy.__name__ = "ndarray.copy"
copy.__module__ = "numpy"
get.__qualname__ = get.__name__ = "dict.get"
keys.__module__ = get.__module__ = "builtins"
item.__qualname__ = item.__name__ = "ndarray.item"
flatten.__qualname__ = flatten.__name__ = "ndarray.flatten"
astype.__module__ = item.__module__ = flatten.__module__ = "numpy"
defrule(astype, "a, dtype", a="unastype(g, a, dtype)", jvp={"a": "astype_tangent(t, dtype)"})
if hasattr(np, "astype"):  # (NumPy >= 2.1's function form of the method)
    defrule(np.astype, "x, dtype, *, copy=True, device=None", x="unastype(g, x, dtype)",
            jvp={"x": "astype_tangent(t, dtype)"}, unsupported=("device",))
defrule(item, "a, *args", a="unitem(g, a, args)", jvp={"a": "item_tangent(t, args)"})
defnondiff(keys, array_namespace)
defrule(copy, "a", a="g", jvp={"a": "copied(t)"}, fresh=True)
defrule(get, "d, key, default=None",
        d="unindex(g, d, key) if key in d else zeros_like(d)",
        default="g if key not in d else zeros_like(default)",
        jvp={"d": "t[key] if key in d else zero_tangent(ans)",
             "default": "t if key not in d else zero_tangent(ans)"})
defrule(flatten, "a", a="np.reshape(g, np.shape(a))", jvp={"a": "np.ravel(t).copy()"}, fresh=True)

METHODS = {
    "sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min, "prod": np.prod, "var": np.var,
    "std": np.std, "cumsum": np.cumsum, "cumprod": np.cumprod, "dot": np.dot,
    "transpose": np.transpose, "reshape": np.reshape, "ravel": np.ravel, "flatten": flatten,
    "squeeze": np.squeeze, "copy": copy, "clip": np.clip, "trace": np.trace,
    "diagonal": np.diagonal, "swapaxes": np.swapaxes, "repeat": np.repeat, "take": np.take,
    "astype": astype, "item": item, "keys": keys, "get": get, "conj": np.conj, "conjugate": np.conj,
    "__array_namespace__": array_namespace,
}
PACKED_METHODS = frozenset({"reshape", "transpose"})
ATTRIBUTES = {"T": np.transpose, "real": np.real, "imag": np.imag}
NONDIFF_ATTRIBUTES = frozenset({"shape", "ndim", "size", "dtype"})
# methods with no rule that return a view of ``self`` (pass 8, alias, treats them as views)
VIEW_ONLY_METHODS = frozenset({"view"})
# methods that change their object in place (ndarray, list, dict, set): a call of one on a local
# is never pure (pass 6 makes the object a target of the call, which refuses it if a gradient flows)
MUTATING_METHODS = frozenset({
    "sort", "fill", "partition", "resize", "put", "itemset", "setfield", "byteswap", "setflags",
    "append", "extend", "insert", "remove", "clear", "reverse", "update", "setdefault", "popitem",
    "pop", "add", "discard", "difference_update", "intersection_update",
    "symmetric_difference_update",
    "__setitem__", "__delitem__", "__iadd__", "__isub__", "__imul__", "__itruediv__",
    "__ifloordiv__", "__imod__", "__ipow__", "__imatmul__", "__iand__", "__ior__", "__ixor__",
})
