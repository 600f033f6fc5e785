"""Arrays of libraries that NumPy's functions do not dispatch to (the Array API standard's
``array_api_strict``, PyTorch's tensors): differentiated on views of their memory.

Accepts: the arguments of a call of a function srcad made (``grad``, ``value_and_grad``, ``jvp``,
``vjp`` and the functions built on them), any values.
Guarantees: :func:`enter` gives the arguments with each such array replaced by a view of its
memory through DLPack, without a copy: a NumPy array for one in the host's memory, a CuPy array
for a PyTorch tensor on a CUDA device (srcad's generated code and runtime then run on it as on
any NumPy or CuPy array: the rule table, the runtime's helpers, the promise that arguments are
never modified, which holds for the views and so for the arrays they view). The :class:`Boundary`
it returns gives back, in the library (and on the device) of the first such argument, every array (and NumPy
scalar) of what the generated code returns: gradients, values, tangents. Where there is none,
``enter`` returns the arguments themselves and ``None``. An array of such a library that DLPack
cannot view (another device of array_api_strict's, a tensor of a device CuPy cannot read) raises
a SrcadError. Code written against the namespace (``xp = array_namespace(x)``) gets the
namespace of the views (``array_api_compat.numpy``, ``array_api_compat.cupy``), which computes
the same values by the standard.
"""

from __future__ import annotations

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
    """Gives back what the generated code returns in the library of the viewed arguments."""

    def __init__(self, example: Any):
        self.library = _library(example)
        self._from: Callable[[Any], Any]
        if self.library == "torch":
            import torch
            self.device = example.device
            self._from = lambda v: torch.from_dlpack(v).to(self.device)
        else:  # (on the example's device: array_api_strict has several)
            import array_api_compat
            xp = array_api_compat.array_namespace(example)
            self._from = lambda v: xp.asarray(v, device=example.device)

    def back(self, value: Any, depth: int = 0) -> Any:
        if isinstance(value, np.ndarray) or isinstance(value, np.generic) \
                and value.dtype.kind in "biufc":
            return self._from(np.asarray(value))
        if _library(value) == "cupy":
            return self._from(value)
        if depth < _DEPTH and type(value) in (tuple, list):
            return type(value)(self.back(v, depth + 1) for v in value)
        if depth < _DEPTH and isinstance(value, tuple) and hasattr(value, "_fields"):
            return type(value)(*(self.back(v, depth + 1) for v in value))
        if depth < _DEPTH and type(value) is dict:
            return {k: self.back(v, depth + 1) for k, v in value.items()}
        return value


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


def _walk(value: Any, found: list[Any], depth: int = 0) -> Any:
    if viewed(value):
        found.append(value)
        return _view(value)
    if depth < _DEPTH and type(value) in (tuple, list):
        return type(value)(_walk(v, found, depth + 1) for v in value)
    if depth < _DEPTH and isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)(*(_walk(v, found, depth + 1) for v in value))
    if depth < _DEPTH and type(value) is dict:
        return {k: _walk(v, found, depth + 1) for k, v in value.items()}
    return value


def enter(args: tuple[Any, ...], kwargs: dict[str, Any], *more: Any
          ) -> tuple[Any, ...]:
    """``(args, kwargs, *more, boundary)``: each viewed array among them (in tuples, lists and
    dicts too) replaced by its view, and the :class:`Boundary` of the first one (None where there
    is none: the values themselves). Arrays of two such libraries are refused."""
    found: list[Any] = []
    out = (_walk(args, found), _walk(kwargs, found), *(_walk(m, found) for m in more))
    if not found:
        return (args, kwargs, *more, None)
    libraries = {_library(v) for v in found}
    if len(libraries) > 1:
        raise SrcadError(f"srcad was given arrays of {' and '.join(sorted(libraries))} in one call",
                         hint="give the function the arrays of one library")
    return (*out, Boundary(found[0]))
