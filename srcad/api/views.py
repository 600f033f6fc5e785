"""Arrays of libraries that NumPy's functions do not dispatch to (the Array API standard's
``array_api_strict``, PyTorch's tensors): differentiated on views of their memory.

Accepts: the arguments of a call of a function srcad made (``grad``, ``value_and_grad``,
``jvp``, ``vjp`` and its ``vjp_fn``, ``hvp``, ``linearize``, ``hessian``, ``jacrev``, ``jacfwd``,
``per_example_grad``, ``check_grads``, ``grad(..., holomorphic=True)``), any values.
Guarantees: :func:`enter` gives the arguments with each such array (in tuples, lists, named
tuples and dicts too) replaced by a view of its memory through DLPack, without a copy: a NumPy
array for one in the host's memory, a CuPy array for a PyTorch tensor on a CUDA device. srcad's
generated code and runtime then run on it as on any NumPy or CuPy array: the rule table, the
runtime's helpers, the NaN checks, the promise that arguments are never modified (which holds
for the views and so for the arrays they view). The :class:`Boundary` it returns gives back, in
the library and on the device of the viewed arrays, the function's value (and aux, and
tangents), and each gradient whose argument held a view (a gradient follows its argument: a
NumPy argument's stays NumPy's). Refused with a SrcadError: arrays of two such libraries, or on
two devices, in one call; an array DLPack cannot view; such an array in a container the views do
not reach (a dataclass: :func:`srcad.api.callables.refuse_foreign_arrays`); and, located at the
user's line, a TypeError of the generated code where a view met the library's own arrays or
functions (``xps.sum(view)``, a constant of the library). Code written against the namespace
(``xp = array_namespace(x)``) gets the namespace of the views (``array_api_compat.numpy``,
``array_api_compat.cupy``), which computes the same values by the standard.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import SrcadError
from ..runtime.namespaces import foreign_array

_DEPTH = 8  # (containers looked into)


def _library(value: Any) -> str:
    return (type(value).__module__ or "").split(".")[0]


def viewed(value: Any) -> bool:
    """Whether ``value`` is an array that srcad differentiates on a view (module docstring)."""
    if foreign_array(value):
        return not hasattr(type(value), "__array_function__")
    return _library(value) == "torch" and type(value).__name__ in ("Tensor", "Parameter")


class Boundary:
    """Gives back what the generated code returns in the library of the viewed arguments (and on
    their device): ``back`` for values of the call (the function's value), ``gradients`` for
    results that belong to one argument each (a gradient follows its argument: NumPy's for a
    NumPy argument)."""

    def __init__(self, example: Any, views: set[int]):
        self.library = _library(example)
        self.views = views  # id() of each view made (which results follow which arguments)
        self._from: Callable[[Any], Any]
        if self.library == "torch":
            import torch
            device = example.device
            self._from = lambda v: (torch.from_dlpack(v) if _library(v) == "cupy" else
                                    torch.as_tensor(v if v.flags.writeable else v.copy())
                                    ).to(device)
        else:  # (on the example's device: array_api_strict has several)
            import array_api_compat
            xp = array_api_compat.array_namespace(example)
            self._from = lambda v: xp.asarray(v, device=example.device)

    def back(self, value: Any, depth: int = 0) -> Any:
        if isinstance(value, (np.ndarray, np.generic)) and value.dtype.kind in "biufc" \
                or _library(value) == "cupy":
            try:
                return self._from(np.asarray(value) if _library(value) == "numpy" else value)
            except (TypeError, ValueError):  # (a dtype the library has not: float16, longdouble)
                return value
        if depth < _DEPTH and type(value) in (tuple, list):
            return type(value)(self.back(v, depth + 1) for v in value)
        if depth < _DEPTH and isinstance(value, tuple) and hasattr(value, "_fields"):
            return type(value)(*(self.back(v, depth + 1) for v in value))
        if depth < _DEPTH and type(value) is dict:
            return {k: self.back(v, depth + 1) for k, v in value.items()}
        if depth < _DEPTH and dataclasses.is_dataclass(value) and not isinstance(value, type):
            return dataclasses.replace(value, **{f.name: self.back(getattr(value, f.name),
                                                                   depth + 1)
                                                 for f in dataclasses.fields(value) if f.init})
        return value

    def holds(self, value: Any, depth: int = 0) -> bool:
        """Whether ``value`` (an argument as the generated code got it) holds a view."""
        if id(value) in self.views:
            return True
        if depth < _DEPTH and isinstance(value, (tuple, list)):
            return any(self.holds(v, depth + 1) for v in value)
        if depth < _DEPTH and type(value) is dict:
            return any(self.holds(v, depth + 1) for v in value.values())
        return False

    def gradients(self, grads: Any, primals: Any, several: bool) -> Any:
        """``grads`` (one per argument of ``primals``, a tuple where ``several``), each given back
        where its argument holds a view."""
        if not several:
            return self.back(grads) if self.holds(primals[0]) else grads
        return tuple(self.back(g) if self.holds(x) else g for g, x in zip(grads, primals))

    def refusal(self, error: Exception, location: Any = None) -> SrcadError:
        """The SrcadError for ``error``, a TypeError raised in the generated code where it mixed
        the views with the library's own arrays or functions."""
        return SrcadError(
            f"srcad differentiates {self.library} arrays on NumPy views of them (DLPack), and "
            f"this line mixed a view with {self.library}'s own arrays or functions: "
            f"{type(error).__name__}: {error}", location,
            hint="take the functions from the arguments' namespace (xp = array_namespace(x)) "
                 f"and pass {self.library} constants as arguments")


class mixing_refused:
    """``with mixing_refused(boundary, locate, files):`` a TypeError raised inside (by generated
    code), where ``boundary`` viewed arrays, becomes the SrcadError of
    :meth:`Boundary.refusal`, at the user's line (``locate(traceback)``, else the generated
    code's ``files``: :func:`srcad.results.located_error`). (A class: entered on every call.)"""

    def __init__(self, boundary: Boundary | None, locate: Callable[[Any], Any] | None = None,
                 files: Any = None) -> None:
        self.boundary, self.locate, self.files = boundary, locate, files

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: Any, traceback: Any) -> None:
        if self.boundary is None or not isinstance(exc, TypeError):
            return None
        from ..results import located_error
        location = self.locate(traceback) if self.locate is not None else None
        error = self.boundary.refusal(exc, location).with_traceback(traceback)
        raise (error if location is not None else located_error(error, self.files) or error) \
            from None


def _view(value: Any) -> Any:
    try:
        if _library(value) == "torch":
            value = value.detach()
            if value.device.type == "cuda":
                import cupy
                return cupy.from_dlpack(value)
        return np.from_dlpack(value)
    except Exception as error:  # (a device DLPack cannot share with NumPy or CuPy)
        raise SrcadError(
            f"srcad differentiates a {_library(value)} array on a view of its memory (DLPack), "
            f"and this one cannot be viewed: {type(error).__name__}: {error}",
            hint="give the function arrays in the host's memory (or, for PyTorch, on a CUDA "
                 "device with CuPy installed)") from None


_PLAIN = frozenset({np.ndarray, float, int, bool, complex, str, type(None), np.float64,
                    np.float32})


def _holds_viewed(value: Any, depth: int = 0) -> bool:
    """Whether ``value`` holds an array to view where :func:`_walk` looks (nothing built: the
    common call, of NumPy's arrays and numbers, pays a few type checks). An array of unknown
    size met on the way is refused (:func:`_refuse_unknown_sizes`)."""
    kind = type(value)
    if kind in _PLAIN:
        return False
    if kind in (tuple, list) or isinstance(value, tuple) and hasattr(value, "_fields"):
        return depth < _DEPTH and any(_holds_viewed(v, depth + 1) for v in value)
    if kind is dict:
        return depth < _DEPTH and any(_holds_viewed(v, depth + 1) for v in value.values())
    _refuse_unknown_sizes(value)
    return viewed(value)


def _refuse_unknown_sizes(value: Any) -> None:
    """A Dask array whose sizes are unknown (filtered by a mask: ``X[X[:, 0] > 0]``) is refused:
    the adjoints of broadcasting and reductions are shaped like the arrays they belong to."""
    shape = getattr(value, "shape", None) if foreign_array(value) else None
    if shape is not None and any(n != n for n in shape):  # (NaN: not known before computing)
        raise SrcadError(f"srcad was given a {type(value).__module__.split('.')[0]} array of "
                         f"unknown size (shape {tuple(shape)}): the backward pass shapes each "
                         "gradient like the array it belongs to",
                         hint="call x.compute_chunk_sizes() on it first (that computes the "
                              "sizes of its chunks, not the array)")


def _walk(value: Any, found: list[Any], views: set[int], depth: int = 0) -> Any:
    if viewed(value):
        found.append(value)
        view = _view(value)
        views.add(id(view))
        return view
    if depth < _DEPTH and type(value) in (tuple, list):
        return type(value)(_walk(v, found, views, depth + 1) for v in value)
    if depth < _DEPTH and isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)(*(_walk(v, found, views, depth + 1) for v in value))
    if depth < _DEPTH and type(value) is dict:
        return {k: _walk(v, found, views, depth + 1) for k, v in value.items()}
    return value


def enter(args: tuple[Any, ...], kwargs: dict[str, Any], *more: Any
          ) -> tuple[Any, ...]:
    """``(args, kwargs, *more, boundary)``: each viewed array among them (in tuples, lists, named
    tuples and dicts too) replaced by its view, and the :class:`Boundary` of the first one (None
    where there is none: the values themselves). Arrays of two such libraries, or of one on two
    devices, are refused."""
    for v in args:  # (the common call, of NumPy's arrays and numbers: a few type checks)
        if type(v) not in _PLAIN and _holds_viewed(v):
            break
    else:
        if not (kwargs and _holds_viewed(kwargs)) and not (more and _holds_viewed(more)):
            return (args, kwargs, *more, None)
    found: list[Any] = []
    views: set[int] = set()
    out = (_walk(args, found, views), _walk(kwargs, found, views),
           *(_walk(m, found, views) for m in more))
    libraries = {_library(v) for v in found}
    if len(libraries) > 1:
        raise SrcadError(f"srcad was given arrays of {' and '.join(sorted(libraries))} in one call",
                         hint="give the function the arrays of one library")
    devices = {str(getattr(v, "device", None)) for v in found}
    if len(devices) > 1:
        raise SrcadError(f"srcad was given {found[0].__class__.__module__.split('.')[0]} arrays on "
                         f"{len(devices)} devices in one call ({', '.join(sorted(devices))})",
                         hint="move the arrays to one device")
    return (*out, Boundary(found[0], views))


def viewing(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` (a Jacobian's, a Hessian's, a batch of gradients' function of the arguments) with
    its arguments viewed and its result given back in their library."""
    @functools.wraps(fn)
    def on_views(*args: Any, **kwargs: Any) -> Any:
        args, kwargs, boundary = enter(args, kwargs)
        result = fn(*args, **kwargs)
        return result if boundary is None else boundary.back(result)
    return on_views
