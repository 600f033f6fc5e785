"""What numba would compute differently from Python, and how long it may take: the checks of
:mod:`srcad.jit.compile`.

Accepts: numba's compiled results, the names the generated code reads, a dispatcher to call.
Guarantees: :func:`integer_product` finds an integer ``*``, ``**`` or ``<<`` in numba's typed code
(numba's integers wrap around, Python's grow); :func:`refuse_draws` refuses random draws (numba's
generator is not NumPy's); :func:`within_limit` stops numba's compilation after :data:`LIMIT`
seconds.
"""

from __future__ import annotations

import dis
import operator
import os
import random
import signal
import threading
import time
import types

import numpy as np

from ..errors import JitError

LIMIT = 30.0  # seconds numba may take to compile a transformation's code (in the main thread)


class CompileTimeout(BaseException):
    """numba's compilation took longer than :data:`LIMIT` (a BaseException: numba's typing
    catches Exception while it tries candidate implementations)."""


def within_limit(dispatcher, args, kwargs):
    """``dispatcher(*args, **kwargs)``, its compilation stopped by :class:`CompileTimeout` after
    :data:`LIMIT` seconds (in the main thread, where signals are delivered: numba's typing can
    take exponential time on some code). Running the compiled code is never stopped: the alarm,
    when it fires, raises only inside numba's compiler. A timer the program had set is restored."""
    if threading.current_thread() is not threading.main_thread() or \
            not hasattr(signal, "setitimer"):
        return dispatcher(*args, **kwargs)

    def alarm(signum, frame):
        while frame is not None:
            if f"numba{os.sep}core" in frame.f_code.co_filename:
                raise CompileTimeout
            frame = frame.f_back

    started = time.monotonic()
    previous = signal.signal(signal.SIGALRM, alarm)
    left, interval = signal.setitimer(signal.ITIMER_REAL, LIMIT)
    try:
        return dispatcher(*args, **kwargs)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if left:  # (the program's own timer, less the time spent here)
            signal.setitimer(signal.ITIMER_REAL, max(left - (time.monotonic() - started), 1e-3),
                             interval)


_PRODUCTS = frozenset({operator.mul, operator.imul, operator.pow, operator.ipow,
                       operator.lshift, operator.ilshift})


def integer_product(annotation):
    """``(file, line)`` of the first integer ``*``, ``**`` or ``<<`` in a compiled function's
    typed code (both operands literals excepted: those are folded exactly), or None."""
    from numba.core import ir, types as nb
    typemap = annotation.typemap
    for block in annotation.blocks.values():
        for stmt in block.body:
            value = getattr(stmt, "value", None)
            if isinstance(stmt, ir.Assign) and isinstance(value, ir.Expr) \
                    and value.op in ("binop", "inplace_binop") and value.fn in _PRODUCTS \
                    and isinstance(typemap.get(stmt.target.name), nb.Integer):
                operands = [typemap.get(value.lhs.name), typemap.get(value.rhs.name)]
                if not all(isinstance(o, nb.IntegerLiteral) for o in operands):
                    return stmt.loc.filename, stmt.loc.line
    return None


def refuse_draws(name: str, value, code, location) -> None:
    """Refuse random draws (``np.random.normal(...)``, ``random.random()``): compiled, they would
    come from numba's own generator, not from the one the uncompiled function draws from
    (``np.random.seed`` would not reproduce them)."""
    module = getattr(value, "__name__", "") if isinstance(value, types.ModuleType) else ""
    if module in ("random", "numpy.random") or module.startswith("numpy.random.") or (
            module == "numpy" and "random" in _attributes(code)) or isinstance(
            value, (np.random.RandomState, np.random.Generator, random.Random)):
        raise JitError("jit: random draws are not compiled: numba draws from a generator of its "
                       "own, not NumPy's or Python's", location,
                       "draw the values outside the function and pass them as an argument, or "
                       "use jit=\"auto\"")


def _attributes(code) -> set:
    """The attribute names ``code`` (and the code nested in it) reads."""
    names = {i.argval for i in dis.get_instructions(code)
             if i.opname in ("LOAD_ATTR", "LOAD_METHOD")}
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _attributes(const)
    return names


