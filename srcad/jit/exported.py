"""A module written by ``srcad.export(df, path, jit=True)`` compiled with numba as it is imported.

Accepts: the namespace of that module (its globals, as it is being imported: the generated
functions and its copies of srcad's run-time helpers), the name of its main function, the
generated functions' user files, and the mode (``"on"`` or ``"auto"``).
Guarantees: the module's copies of the helpers get srcad's numba implementations
(:data:`srcad.jit.overloads.IMPLEMENTATIONS`), and its main function is replaced by the runner of
:mod:`srcad.jit.compile`, which compiles the generated functions at the first call, with the
same checks, refusals, disk cache and located errors as ``jit=True`` in a process that
transformed the function itself. Needs srcad's ``jit`` extra where the module is imported.
:func:`compiled_transformation` gives ``srcad.export`` the transformation to write.
"""

from __future__ import annotations

import dataclasses
import types

from ..errors import SrcadError


def compile_module(namespace: dict, main: str, files: dict, mode: str) -> None:
    """Register the helpers' numba implementations for the module's copies and put the runner
    in place of ``namespace[main]`` (see the module docstring)."""
    from numba.extending import overload

    from . import overloads
    from .compile import Compiled, Target

    home = namespace["__name__"]
    for value in list(namespace.values()):
        if not isinstance(value, types.FunctionType) or value.__module__ != home \
                or getattr(value, "__srcad_helper__", False):
            continue
        typings = overloads.IMPLEMENTATIONS.get(value.__name__)
        if typings is None:
            continue
        value.__srcad_helper__ = True  # (srcad.jit.reach leaves it to numba's overload)
        if typings == overloads.AS_WRITTEN:
            overload(value)(lambda *args, _helper=value: _helper)
        else:
            for typing in typings:
                overload(value)(typing)
    for name, filename in files.items():
        namespace[name].__srcad_origin__ = filename  # (generated: compiled with the main one)
    with open(namespace["__file__"], encoding="utf-8") as fh:
        text = fh.read()
    target = Target(namespace[main], text, namespace["__file__"], dict(files), main)
    namespace[main] = Compiled(target, mode)


def compiled_transformation(derived):
    """The transformation ``derived`` (made with ``jit``) compiled at its latest call, with its
    Python function (what the module holds); a SrcadError where there is none, or numba
    refused it."""
    if not derived.options.jit:
        raise SrcadError(f"srcad.export(..., jit=True) of {derived!r}: it was made without jit",
                         hint="make it with srcad.grad(f, jit=True), call it once, then export")
    t = derived._last
    if t is None:
        raise SrcadError(f"srcad.export(..., jit=True) of {derived!r}: it has not been called "
                         "yet, so nothing was compiled",
                         hint="call it once with the kinds of arguments it will take, then export")
    runner = t.function
    if runner._refusal is not None:
        raise runner._refusal
    return dataclasses.replace(t, function=runner.python)
