"""What a transformation's compiled code reaches by name: the generated functions and the
user's functions it calls, compiled with it, and the values numba freezes into it
(:mod:`srcad.jit.compile`).

Accepts: a generated function, numba, the transformation.
Guarantees: :func:`jitted` returns the function compiled lazily by numba, every Python function
it reaches compiled with it, the values it freezes recorded as ``(where, name, value, content)``
(checked at each call by :func:`unchanged`); what numba cannot freeze safely is refused with a
located :class:`~srcad.errors.JitError`.
"""

from __future__ import annotations

import dis
import math
import inspect
import types

import numpy as np

from ..errors import JitError
from .limits import refuse_draws
from .locate import AUTO, first_line


def jitted(fn, numba, done: dict, t, frozen: list):
    """``fn`` (a generated function, or a function of the user's the generated code calls)
    compiled lazily by numba, each Python function it reaches by name (generated or the user's,
    through its closure or its globals) compiled with it; the other values it reads by name
    checked (:func:`_check_frozen`)."""
    if fn in done:
        if done[fn] is None:  # (reached again while it is being compiled)
            raise JitError("jit: recursive functions are not compiled", first_line(t, fn), AUTO)
        return done[fn]
    code = fn.__code__
    generated = hasattr(fn, "__srcad_origin__")
    if generated and code.co_kwonlyargcount and not fn.__kwdefaults__:
        code = positional(fn).__code__  # (forward mode's tangent parameters)
    if code.co_kwonlyargcount or code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS):
        raise JitError("jit: functions with keyword-only parameters, *args or **kwargs are not "
                       "compiled", first_line(t, fn), AUTO)
    done[fn] = None
    cells = []
    for name, cell in zip(code.co_freevars, fn.__closure__ or ()):
        value = _read(cell, name)
        if value is _read:
            raise JitError(f"jit: the closure variable {name!r} is not bound",
                           first_line(t, fn), AUTO)
        refuse_draws(name, value, code, first_line(t, fn))
        cells.append(types.CellType(_resolved(name, value, cell, fn, numba, done, t, frozen)))
    namespace = None
    for name in _global_names(code):
        value = fn.__globals__.get(name, _read)
        if value is _read:
            continue  # (a builtin, or a name not bound: numba says so)
        refuse_draws(name, value, code, first_line(t, fn))
        new = _resolved(name, value, fn.__globals__, fn, numba, done, t, frozen)
        if new is not value:  # (a copy of the globals: numba reads them once, at compilation)
            namespace = namespace if namespace is not None else dict(fn.__globals__)
            namespace[name] = new
    _module_attributes(fn, code, t, frozen)
    for k, value in enumerate(fn.__defaults__ or ()):  # (numba freezes a default left out)
        if _check_frozen(f"the default of {fn.__name__}", value, fn, t) or value is not None:
            frozen.append(_frozen_entry(fn, f"__defaults__[{k}]", value))
    copy = types.FunctionType(code, fn.__globals__ if namespace is None else namespace,
                              fn.__name__, _defaults(fn, code), tuple(cells))
    done[fn] = numba.njit(copy, boundscheck=True)  # (an index out of range raises, as in Python)
    return done[fn]


# modules of the environment, whose attributes a program does not change: not checked at each call
_FIXED_MODULES = frozenset({"numpy", "math", "cmath", "builtins", "numba", "scipy", "srcad"})
_READS = frozenset({"LOAD_GLOBAL", "LOAD_NAME", "LOAD_DEREF", "LOAD_CLOSURE"})
_ATTRIBUTES = frozenset({"LOAD_ATTR", "LOAD_METHOD"})


def _module_attributes(fn, code, t, frozen: list) -> None:
    """Record what ``fn`` reads as an attribute of a module of the user's (``cfg.K``,
    ``cfg.sub.W``): numba freezes it at compilation, so the runner checks it at each call like a
    global (numbers and arrays compiled again when changed; a list or an object refused)."""
    cells = dict(zip(code.co_freevars, fn.__closure__ or ()))
    instructions = list(dis.get_instructions(code))
    for k, instruction in enumerate(instructions):
        if instruction.opname not in _READS:
            continue
        name = instruction.argval
        base = _read(cells[name], name) if name in cells else fn.__globals__.get(name, _read)
        if isinstance(base, types.ModuleType) and k >= 1 \
                and instructions[k - 1].argval == "getattr" \
                and base.__name__.split(".")[0] not in _FIXED_MODULES:
            raise JitError(  # (numba keeps the first value it resolved, even compiling again)
                f"jit: getattr of the module {base.__name__}: numba freezes what it reads for "
                "good", first_line(t, fn), f"write {name}.<attribute>, which srcad checks at each "
                "call, or use jit=\"auto\"")
        j = k + 1
        while isinstance(base, types.ModuleType) and j < len(instructions) \
                and instructions[j].opname in _ATTRIBUTES \
                and base.__name__.split(".")[0] not in _FIXED_MODULES:
            attribute = instructions[j].argval
            value = getattr(base, attribute, _read)
            if value is _read:
                break
            _check_frozen(f"{base.__name__}.{attribute}", value, fn, t)
            frozen.append(_frozen_entry(vars(base), attribute, value))
            base, j = value, j + 1
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            _module_attributes(fn, const, t, frozen)


def positional(fn: types.FunctionType) -> types.FunctionType:
    """``fn`` with its keyword-only parameters (forward mode's tangents, which have no defaults)
    made positional-or-keyword, after the others: numba compiles no keyword-only parameter, and
    takes these by name as Python does. Where the others have defaults, these get None (the
    generated code always passes them)."""
    code = fn.__code__
    code = code.replace(co_argcount=code.co_argcount + code.co_kwonlyargcount,
                        co_kwonlyargcount=0)
    return types.FunctionType(code, fn.__globals__, fn.__name__, _defaults(fn, code),
                              fn.__closure__)


def _defaults(fn, code) -> tuple | None:
    """``fn``'s defaults for ``code``, which may have more positional parameters (None each)."""
    extra = code.co_argcount - fn.__code__.co_argcount
    if not fn.__defaults__ or extra <= 0:
        return fn.__defaults__
    return fn.__defaults__ + (None,) * extra


def _checked(value):
    """``math`` (or one of its functions) as compiled code gets it: :mod:`.checked_math`'s, which
    raises where Python's does; anything else as it is."""
    if value is math:
        from . import checked_math
        return checked_math
    if isinstance(value, types.BuiltinFunctionType) and getattr(math, value.__name__, None) \
            is value:
        from . import checked_math
        return getattr(checked_math, value.__name__)
    return value


def _resolved(name: str, value, where, fn, numba, done: dict, t, frozen: list):
    """What compiled code reads for ``name``: a Python function of the user's or generated,
    compiled; a number, an array, a module, a class, a function of srcad's runtime (see
    :mod:`srcad.jit.overloads`), as it is. Everything but a generated function is remembered in
    ``frozen`` (see :func:`unchanged`)."""
    if isinstance(value, types.FunctionType) and hasattr(value, "__srcad_origin__"):
        return jitted(value, numba, done, t, frozen)  # (generated: the names it reads checked)
    # numba resolves every other name once, at compilation: the runner checks at each call that
    # it still holds this object (a helper of the user's rebound, a number, an array changed)
    _check_frozen(name, value, fn, t)
    frozen.append(_frozen_entry(where, name, value))
    if isinstance(value, types.FunctionType) and not getattr(value, "__srcad_helper__", False) \
            and not (getattr(value, "__module__", None) or "").startswith("srcad."):
        return jitted(value, numba, done, t, frozen)
    return _checked(value)


def _global_names(code) -> list:
    """The global names ``code`` (and the code nested in it) reads, in order, once each."""
    names: dict = {}
    for instruction in dis.get_instructions(code):
        if instruction.opname in ("LOAD_GLOBAL", "LOAD_NAME"):
            names[instruction.argval] = None
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names.update(dict.fromkeys(_global_names(const)))
    return list(names)


def _check_frozen(name: str, value, fn, t) -> bool:
    """Whether ``value``, read by the generated code from the user's module or closure, is a
    value numba freezes into the compiled code: a number, or a real NumPy array of at most
    :data:`_ARRAY_BYTES` (the runner compiles again once the name holds another object, or the
    array holds other values: :func:`unchanged`); a module, function or class: False; anything
    else (a list, an object, a large array) is refused."""
    if value is None or isinstance(value, (types.ModuleType, types.FunctionType,
                                           types.BuiltinFunctionType, type)) or callable(value):
        return False
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)) \
            and not -_SMALL_INT < value < _SMALL_INT:
        raise JitError(
            f"jit: the generated code reads {name!r}, an integer of 2**31 or more in size: "
            "numba's integers have 64 bits (sums of it would wrap around) and it converts them "
            "to floats inexactly, where Python's are exact", first_line(t, fn),
            f"make {name} a float, or use jit=\"auto\" to run such code uncompiled")
    if isinstance(value, _NUMBERS):
        return True
    if type(value) is np.ndarray and value.dtype.kind in "fiub" and value.nbytes <= _ARRAY_BYTES:
        return True
    raise JitError(
        f"jit: the generated code reads {name!r} ({type(value).__name__}) from the module or a "
        "closure of the function; numba would freeze its value at the first call, where srcad "
        "reads it at each call", first_line(t, fn),
        f"pass {name} as an argument, or use jit=\"auto\" to run such code uncompiled")


_NUMBERS = (bool, int, float, complex, np.number, np.bool_)
_ARRAY_BYTES = 1 << 20  # the largest global array compiled in as a constant
_SMALL_INT = 1 << 31  # a global, closure or default integer at least this large is refused
CHANGES = 3  # compilations again for changed globals before the runner refuses


def unchanged(entry) -> bool:
    """Whether the name of a frozen entry ``(where, name, value, content)`` still holds
    ``value``, and (an array) the same shape, dtype and bytes as when it was compiled."""
    where, name, value, content = entry
    if _read(where, name) is not value:
        return False
    return content is None or (value.shape, value.dtype, value.tobytes()) == content


def all_unchanged(frozen: list) -> bool:
    """:func:`unchanged` of every entry, in one loop (run at each call of compiled code)."""
    for where, name, value, content in frozen:
        if type(where) is dict:
            if where.get(name, _read) is not value:
                return False
        elif type(where) is types.CellType:
            try:
                if where.cell_contents is not value:
                    return False
            except ValueError:
                return False
        elif _read(where, name) is not value:
            return False
        if content is not None and (value.shape, value.dtype, value.tobytes()) != content:
            return False
    return True


def distinct_entries(frozen: list) -> list:
    """``frozen`` without repeats of one name in one place (``np`` read by several functions)."""
    seen: set = set()
    out = []
    for entry in frozen:
        if (id(entry[0]), entry[1]) not in seen:
            seen.add((id(entry[0]), entry[1]))
            out.append(entry)
    return out


def _frozen_entry(where, name: str, value) -> tuple:
    content = (value.shape, value.dtype, value.tobytes()) if isinstance(value, np.ndarray) \
        else None
    return (where, name, value, content)


def _read(where, name):
    """What the name ``name`` holds now in ``where``, a globals dict, a closure cell, or a
    function (``name`` then ``__defaults__[k]``)."""
    if isinstance(where, dict):
        return where.get(name, _read)
    if isinstance(where, types.FunctionType):
        defaults = where.__defaults__ or ()
        k = int(name[len("__defaults__["):-1])
        return defaults[k] if k < len(defaults) else _read
    try:
        return where.cell_contents
    except ValueError:
        return _read
