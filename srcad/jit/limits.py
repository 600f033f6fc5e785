"""What numba would compute differently from Python, and how long it may take: the checks of
:mod:`srcad.jit.compile`.

Accepts: numba's compiled results, the names the generated code reads, a dispatcher to call.
Guarantees: :func:`numba_differs` finds, in numba's typed code, what numba computes otherwise
than Python and NumPy: an integer ``*``, ``**`` or ``<<`` (numba's integers wrap around, Python's
grow), arithmetic on integers narrower than 64 bits, float32 values mixed with float64 numbers,
float-to-integer conversions; :func:`refuse_draws` refuses random draws (numba's
generator is not NumPy's); :func:`within_limit` stops numba's compilation after :data:`LIMIT`
seconds.
"""

from __future__ import annotations

import dis
import operator
import re
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


_ARITHMETIC = _PRODUCTS | frozenset({operator.add, operator.iadd, operator.sub, operator.isub,
                                     operator.truediv, operator.itruediv, operator.floordiv,
                                     operator.ifloordiv, operator.mod, operator.imod})

# (what numba computes differently, and the hint), by kind: see numba_differs
DIFFERENCES = {
    "integer product": ("an integer multiplied or raised to a power: numba's integers have 64 "
                        "bits and wrap around where Python's grow",
                        "make it a float (1.0 * k), or use jit=\"auto\" to run such code "
                        "uncompiled"),
    "narrow integer": ("arithmetic on an integer narrower than 64 bits (an int32 array's entry): "
                       "numba widens it to 64 bits where NumPy keeps its type and wraps around",
                       "make it a float, or use jit=\"auto\""),
    "float32": ("float32 values mixed with a float64 number (a Python float): numba computes in "
                "float64 where NumPy keeps float32",
                "use float64 arrays, or jit=\"auto\" to run float32 code uncompiled"),
    "to integer": ("a float converted to an integer (int(), round(), np.int64(), a float "
                   "written into an integer array): numba's conversion wraps around or rounds "
                   "otherwise where Python's raises or grows",
                   "keep it a float (or use math.floor, checked), or use jit=\"auto\""),
    "boolean": ("arithmetic on booleans (~ of a bool, a difference of boolean arrays): numba "
                "computes what Python or NumPy computes otherwise or refuses",
                "use `not`, or integers, or jit=\"auto\""),
    "float32 sum": ("a sum or mean of a float32 array: numba adds in order where NumPy adds "
                    "pairwise, and in float32 the two differ beyond rounding",
                    "use float64 arrays, or jit=\"auto\" to run float32 code uncompiled"),
}

_REDUCTIONS = re.compile(r"\b(sum|mean|nansum|nanmean|cumsum|var|std|average)\b")


def numba_differs(annotation):
    """``(file, line, kind)`` of the first operation in a compiled function's typed code whose
    result numba computes otherwise than Python and NumPy (a key of :data:`DIFFERENCES`), or
    None. Both operands literals are excepted (folded exactly)."""
    from numba.core import ir, types as nb
    typemap = annotation.typemap
    for block in annotation.blocks.values():
        for stmt in block.body:
            value = getattr(stmt, "value", None)
            if isinstance(stmt, (ir.SetItem, ir.StaticSetItem)) \
                    and isinstance(typemap.get(stmt.target.name), nb.Array) \
                    and isinstance(typemap[stmt.target.name].dtype, nb.Integer) \
                    and isinstance(_dtype(typemap.get(stmt.value.name), nb), nb.Float):
                return stmt.loc.filename, stmt.loc.line, "to integer"
            if not (isinstance(stmt, ir.Assign) and isinstance(value, ir.Expr)):
                continue
            kind = _difference(value, typemap.get(stmt.target.name), typemap, ir, nb)
            if kind is not None:
                return stmt.loc.filename, stmt.loc.line, kind
    return None


def _difference(value, result, typemap, ir, nb):
    if value.op in ("binop", "inplace_binop") and value.fn in _ARITHMETIC:
        operands = [typemap.get(value.lhs.name), typemap.get(value.rhs.name)]
        if all(isinstance(o, nb.IntegerLiteral) for o in operands):
            return None
        if value.fn in _PRODUCTS and isinstance(result, nb.Integer):
            return "integer product"
        if any(isinstance(o, nb.Integer) and o.bitwidth < 64 and not isinstance(
                o, nb.IntegerLiteral) for o in operands):
            return "narrow integer"
    if value.op in ("binop", "inplace_binop", "arrayexpr") and _dtype(result, nb) == nb.float64:
        operands = [typemap.get(v.name) for v in value.list_vars()]
        # (float32 with a float64 array gives float64 in NumPy too; with a float64 number, a
        # constant of the expression included, NumPy keeps float32)
        if any(_dtype(o, nb) == nb.float32 for o in operands) and not any(
                isinstance(o, nb.Array) and o.dtype == nb.float64 for o in operands):
            return "float32"
    if value.op == "unary" and value.fn is operator.invert \
            and isinstance(typemap.get(value.value.name), nb.Boolean):
        return "boolean"
    if value.op in ("binop", "inplace_binop") and value.fn in (operator.sub, operator.isub) and all(
            isinstance(o, (nb.Boolean, nb.Array)) and isinstance(getattr(o, "dtype", o), nb.Boolean)
            for o in operands):
        return "boolean"  # (NumPy refuses a difference of booleans; Python's bools are ints)
    if value.op == "call":
        function = str(typemap.get(value.func.name))
        arguments = [typemap.get(a.name) for a in value.args]
        if isinstance(result, nb.Integer) and ("pow" in function or "power" in function):
            return "integer product"
        if isinstance(result, nb.Integer) and ("<class 'int'>" in function or "round" in function
                                               or function.startswith("class(")) and any(
                isinstance(a, nb.Float) for a in arguments):
            return "to integer"
        if "round" in function and any(isinstance(a, nb.Float) for a in arguments):
            return "to integer"  # (round(x, n): numba rounds otherwise than Python)
        if _REDUCTIONS.search(function) and any(
                _dtype(a, nb) == nb.float32 for a in arguments + [_bound_array(function, nb)]):
            return "float32 sum"
    return None


def _bound_array(function: str, nb):
    """The array type of a bound method's text (``array.sum for array(float32, ...)``)."""
    return nb.Array(nb.float32, 1, "C") if "for array(float32" in function else None


def _dtype(t, nb):
    return t.dtype if isinstance(t, nb.Array) else t if isinstance(t, nb.Float) else None


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


