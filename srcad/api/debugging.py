"""Debugging derived functions: :func:`debug` (pdb at the first generated line) and tracebacks that
show generated lines on every supported Python (:func:`install_traceback_printer`).

Accepts: a function made by ``grad``/``value_and_grad``. Guarantees: ``debug(df)(*args)`` returns
exactly what ``df(*args)`` returns, after stopping in pdb at the first line of the code srcad
generated for these arguments (the code :func:`srcad.source` prints; ``n``, ``s``, ``p name`` and
``c`` work as for any Python function, and the ``# line N`` comments name the user's lines).

Generated code is compiled from a string and registered with :mod:`linecache` (see
:mod:`srcad.passes.load`), which pdb, IPython and :mod:`traceback` read. The default
``sys.excepthook`` of Python 3.10 to 3.12 is written in C and reads source files from disk only,
so an uncaught exception in a plain script showed generated frames without their lines;
:func:`install_traceback_printer` (run when srcad is imported) replaces that hook, only while it is
Python's own, with :func:`traceback.print_exception`, which prints the same report and reads
``linecache``. Python 3.13 and later print through :mod:`traceback` already and are left alone; so
is a hook someone else installed. ``SRCAD_EXCEPTHOOK=0`` in the environment turns this off.
"""

from __future__ import annotations

import os
import pdb
import sys
import traceback
import types
from collections.abc import Callable
from typing import IO, Any

from .derived import Derived
from .signatures import P


def debug(derived: Derived[P], *, stdin: IO[str] | None = None,
          stdout: IO[str] | None = None) -> Callable[P, Any]:
    """``srcad.debug(df)(*args)``: call ``df(*args)`` under pdb, stopped at the first line of the
    code srcad generated for it (one step: no frame of srcad's own is shown first). Returns what
    ``df(*args)`` returns. ``stdin``/``stdout``: the debugger's streams (default: the terminal).

    ``df`` is a function made by :func:`srcad.grad` or :func:`srcad.value_and_grad` (its code,
    transformed for these arguments if it was not yet, is what :func:`srcad.source` shows).
    """
    if not isinstance(derived, Derived):
        raise TypeError(f"srcad.debug expects a function made by srcad.grad or "
                        f"srcad.value_and_grad, got {derived!r}")

    def run(*args: P.args, **kwargs: P.kwargs) -> Any:
        full_args, full_kwargs = derived.bound.call_args(args, kwargs)
        code = derived.transformed(full_args, full_kwargs).function.__code__
        debugger = pdb.Pdb(stdin=stdin, stdout=stdout, readrc=False)
        previous = sys.gettrace()

        def watch(frame: types.FrameType, event: str, arg: Any) -> Any:
            if event != "call" or frame.f_code is not code:
                return None
            debugger.set_trace(frame)  # stops at the frame's next line: its first
            return debugger.trace_dispatch

        sys.settrace(watch)
        try:
            return derived(*args, **kwargs)
        finally:
            sys.settrace(previous)

    run.__name__ = run.__qualname__ = f"debug_{getattr(derived, '__name__', 'derived')}"
    return run


def _print_exception(kind: type[BaseException], value: BaseException,
                     tb: types.TracebackType | None) -> None:
    """``sys.excepthook`` as Python's own, printed by :mod:`traceback` (which reads linecache)."""
    traceback.print_exception(kind, value, tb)


def install_traceback_printer() -> bool:
    """Replace Python's own C ``sys.excepthook`` (3.10 to 3.12) by :func:`_print_exception`; True
    where it did (see the module docstring for when it does not)."""
    if sys.version_info >= (3, 13) or os.environ.get("SRCAD_EXCEPTHOOK", "1") == "0":
        return False
    if sys.excepthook is not sys.__excepthook__:
        return False
    sys.excepthook = _print_exception
    return True
