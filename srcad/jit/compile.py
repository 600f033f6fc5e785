"""``jit=True`` and ``jit="auto"``: a transformation's generated functions compiled with numba.

Accepts: a :class:`~srcad.results.Transformed` made with ``Options(jit=...)`` (its functions
numba-ready: :mod:`srcad.passes.numba_ready`) and the mode, ``"on"`` or ``"auto"``.
Guarantees: :func:`compiled` returns the transformation with its ``function`` replaced by a
:class:`Compiled` runner. The runner calls the generated function compiled by numba's nopython
mode, each generated function it calls compiled with it; numba compiles at the first call for the
types of the arguments (and again for new types). The Python functions are not changed: they
remain what ``srcad.show`` shows and what runs where compilation is refused. A refusal is:

* numba not installed;
* a name the generated code reads from the user's module or closure whose value is not a module,
  a function, a class, a number or a real NumPy array of at most 1 MiB (a list, an object:
  numba would freeze what it holds at the first call, where srcad reads it at each call):
  refused before numba is asked, naming it. A number or an array is frozen into the compiled
  code, and the runner compiles again at a call where the name holds another object, or the
  array other values (compared byte for byte at each call: ``SCALE = 2.0`` after a first call
  at ``SCALE = 1.0``, ``G[0] = 5.0``); after three such changes it refuses. Every other name
  read from the user's module or closure (a helper function of the user's, compiled with the
  code) is checked the same way, by identity, and compiles again when rebound;
* numba's typing or lowering failing (a construct or a kind of value numba does not compile, a
  helper without a numba implementation in :mod:`srcad.jit.overloads`), named at the user's line
  that the generated line comes from;
* random draws (``np.random``, ``random``): numba's generator is not NumPy's;
* numba's compilation taking more than 30 s (its typing can take exponential time on some code;
  the limit holds in the main thread);
* an integer multiplied or raised to a power anywhere in the compiled code (read from numba's
  typed code after the first compilation for a kind of arguments; that call's result is then
  the uncompiled code's): numba's integers have 64 bits and wrap around, where Python's grow;
* a case the compiled helpers do not handle, met at run time
  (:class:`~srcad.jit.overloads.JitUnsupported`).

With ``"on"`` a refusal raises :class:`~srcad.errors.JitError` (after running the Python code
once: if that raises, its error is the one raised, as it names the real problem, e.g. a function
returning an array); with ``"auto"`` it issues one :class:`~srcad.errors.JitWarning` saying why,
and the runner runs the Python code from then on.

The main function's compiled code is kept on disk for the next process, where that is safe
(:mod:`srcad.jit.cache`: the user's own folder, keyed by the generated text and the values frozen
in, checked before it is loaded).
"""

from __future__ import annotations

import dis
import inspect
import os
import re
import threading
import types
import warnings

import numpy as np

from ..errors import JitError, JitWarning, Location
from .limits import LIMIT, CompileTimeout, integer_product, refuse_draws, within_limit

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_NumbaError: type = Exception  # (numba's errors and srcad.jit.overloads.JitUnsupported, once
_JitUnsupported: type = Exception  # numba is imported: see Compiled._prepare)
_INSTALL = 'pip install "srcad[jit]" (numba)'
_AUTO = 'jit="auto" runs such code uncompiled; srcad.show(df) shows the code numba compiles'


def compiled(t, mode: str):
    """``t`` with its function run compiled (see the module docstring)."""
    import dataclasses
    return dataclasses.replace(t, function=Compiled(t, mode))


class Compiled:
    """The runner of one transformation's compiled code (see the module docstring)."""

    def __init__(self, t, mode: str):
        self.t, self.mode = t, mode
        self.python = t.function
        self._dispatcher = None
        self._refusal: JitError | None = None
        self._lock = threading.Lock()
        self._warned = self._warned_cache = False
        self._frozen: list = []  # what numba froze: see _frozen_entry
        self._dispatchers: list = []  # the main function's and its callees', compiled
        self._inspected = 0  # how many of the main dispatcher's compilations _inspect has read
        self._changes = 0  # compilations again because a frozen value changed
        self._entry = None  # the on-disk cache's entry (srcad.jit.cache), if any
        self.__wrapped__ = t.function  # (inspect.signature: the generated function's)

    def __call__(self, *args, **kwargs):
        if self._refusal is not None:
            return self._refused(self._refusal, args, kwargs)
        dispatcher = self._dispatcher
        if dispatcher is None or (self._frozen and not all(map(_unchanged, self._frozen))):
            dispatcher = self._prepare()  # (first call, or a value it froze has changed)
            if dispatcher is None:
                return self._refused(self._refusal, args, kwargs)
        try:
            if not dispatcher.overloads:  # (the first call compiles: within a time limit)
                result = within_limit(dispatcher, args, kwargs)
            else:
                result = dispatcher(*args, **kwargs)
            if len(dispatcher.overloads) == self._inspected:
                return result
            self._refusal = self._inspect()  # (compiled for new types: its integers read)
            if self._refusal is None:
                return result
        except _NumbaError as exc:
            self._refusal = _from_numba(exc, self.t, self._files())
        except CompileTimeout:
            self._refusal = JitError(f"jit: numba did not finish compiling in {LIMIT:.0f} s",
                                     _first_line(self.t, self.python), _AUTO)
        except _JitUnsupported as exc:
            self._refusal = JitError(f"jit: {exc} (met at run time)", None, _AUTO)
        except Exception as exc:  # (the Python code raises the user's own error, located)
            result = self.python(*args, **kwargs)
            self._refusal = JitError(
                f"jit: the compiled code raised {type(exc).__name__} "
                f"({_first(str(exc))}) where the uncompiled code runs", None, _AUTO)
            if self.mode == "auto":
                self._warn(self._refusal)
                return result
            raise self._refusal from None
        return self._refused(self._refusal, args, kwargs)

    def _prepare(self):
        with self._lock:
            if self._refusal is not None:
                return None
            if self._dispatcher is not None:
                changed = [entry[1] for entry in self._frozen if not _unchanged(entry)]
                if not changed:
                    return self._dispatcher
                self._changes += 1
                if self._changes > _CHANGES:
                    self._refusal = JitError(
                        f"jit: {changed[0]!r}, read from the module or a closure, changed "
                        f"between calls {self._changes} times: each change compiles again",
                        _first_line(self.t, self.python),
                        f"pass {changed[0]} as an argument, or use jit=\"auto\"")
                    return None
            try:
                import numba
            except ImportError:
                self._refusal = JitError("jit=True needs numba, which is not installed",
                                         hint=_INSTALL)
                return None
            global _NumbaError, _JitUnsupported
            from numba.core.errors import NumbaError as _NumbaError
            from .overloads import JitUnsupported as _JitUnsupported  # (and the helpers' numba
            # implementations, registered as it is imported)
            frozen: list = []
            done: dict = {}
            try:
                self._dispatcher = _jitted(self.python, numba, done, self.t, frozen)
                self._dispatchers = list(done.values())
                self._inspected = 0
            except JitError as exc:
                self._refusal = exc
                return None
            self._frozen = frozen
            self._cached(numba, done)
            return self._dispatcher

    def _cached(self, numba, done: dict) -> None:
        """The main dispatcher replaced by one that numba caches on disk, in the entry of the
        generated text and the values frozen in (:mod:`srcad.jit.cache`), where there is one."""
        from . import cache
        self._entry = None
        where, why = cache.folder()
        if where is None:
            if why and not self._warned_cache:
                self._warned_cache = True
                warnings.warn(f"srcad: jit compiles without its disk cache: {why}", JitWarning,
                              stacklevel=6)
            return
        name = cache.key(self.t.source, self._frozen)
        if name is None:
            return
        entry = cache.Entry(where, name)
        entry.prepare(self.t.source)
        main = numba.njit(entry.filed(self._dispatcher.py_func, self.t.source), cache=True)
        done[self.python] = main
        self._dispatcher, self._dispatchers, self._entry = main, list(done.values()), entry

    def _inspect(self) -> JitError | None:
        """A refusal if a compiled function multiplies or raises integers (numba's have 64 bits
        and wrap around, where Python's grow: ``fact = fact * k`` past 20!); None if none does."""
        self._inspected = len(self._dispatcher.overloads)
        refusal = self._integer_product()
        if self._entry is not None:  # (the cache keeps only code that passed this check)
            self._entry.discard() if refusal is not None else self._entry.seal()
        return refusal

    def _integer_product(self) -> JitError | None:
        for dispatcher in self._dispatchers:
            for result in list(dispatcher.overloads.values()):
                if not hasattr(result.type_annotation, "typemap"):
                    continue  # (loaded from the disk cache: checked before it was kept)
                line = integer_product(result.type_annotation)
                if line is not None:
                    filename, lineno = line
                    location = _line_of(self.t, lineno) if _same_file(filename, self._files()) \
                        else Location(filename, lineno, 0)
                    return JitError(
                        "jit: an integer multiplied or raised to a power: numba's integers have "
                        "64 bits and wrap around where Python's grow", location,
                        "make it a float (1.0 * k), or use jit=\"auto\" to run such code "
                        "uncompiled")
        return None

    def _files(self) -> tuple:
        """The names of the file the generated code is compiled from."""
        return (self.t.filename,) + ((self._entry.path,) if self._entry is not None else ())

    def _warn(self, refusal: JitError) -> None:
        if not self._warned:
            self._warned = True
            warnings.warn(f"srcad: {self.t.main} runs uncompiled: {refusal}", JitWarning,
                          stacklevel=5)

    def _refused(self, refusal: JitError, args, kwargs):
        if self.mode == "auto":
            self._warn(refusal)
            return self.python(*args, **kwargs)
        self.python(*args, **kwargs)  # (its own error first, where the code itself fails)
        raise refusal


def _first(text: str) -> str:
    """The first line of an error's text, at most 200 characters."""
    line = _ANSI.sub("", text).strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= 200 else line[:197] + "..."


def _jitted(fn, numba, done: dict, t, frozen: list):
    """``fn`` (a generated function, or a function of the user's the generated code calls)
    compiled lazily by numba, each Python function it reaches by name (generated or the user's,
    through its closure or its globals) compiled with it; the other values it reads by name
    checked (:func:`_check_frozen`)."""
    if fn in done:
        if done[fn] is None:  # (reached again while it is being compiled)
            raise JitError("jit: recursive functions are not compiled", _first_line(t, fn), _AUTO)
        return done[fn]
    code = fn.__code__
    if code.co_kwonlyargcount or code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS):
        raise JitError("jit: functions with keyword-only parameters, *args or **kwargs are not "
                       "compiled", _first_line(t, fn), _AUTO)
    done[fn] = None
    cells = []
    for name, cell in zip(code.co_freevars, fn.__closure__ or ()):
        value = _read(cell, name)
        if value is _read:
            raise JitError(f"jit: the closure variable {name!r} is not bound",
                           _first_line(t, fn), _AUTO)
        refuse_draws(name, value, code, _first_line(t, fn))
        cells.append(types.CellType(_resolved(name, value, cell, fn, numba, done, t, frozen)))
    namespace = None
    for name in _global_names(code):
        value = fn.__globals__.get(name, _read)
        if value is _read:
            continue  # (a builtin, or a name not bound: numba says so)
        refuse_draws(name, value, code, _first_line(t, fn))
        new = _resolved(name, value, fn.__globals__, fn, numba, done, t, frozen)
        if new is not value:  # (a copy of the globals: numba reads them once, at compilation)
            namespace = namespace if namespace is not None else dict(fn.__globals__)
            namespace[name] = new
    copy = types.FunctionType(code, fn.__globals__ if namespace is None else namespace,
                              fn.__name__, fn.__defaults__, tuple(cells))
    done[fn] = numba.njit(copy)
    return done[fn]


def _resolved(name: str, value, where, fn, numba, done: dict, t, frozen: list):
    """What compiled code reads for ``name``: a Python function of the user's or generated,
    compiled; a number, an array, a module, a class, a function of srcad's runtime (see
    :mod:`srcad.jit.overloads`), as it is. Everything but a generated function is remembered in
    ``frozen`` (see :func:`_unchanged`)."""
    if isinstance(value, types.FunctionType) and hasattr(value, "__srcad_origin__"):
        return _jitted(value, numba, done, t, frozen)  # (generated: the names it reads checked)
    # numba resolves every other name once, at compilation: the runner checks at each call that
    # it still holds this object (a helper of the user's rebound, a number, an array changed)
    _check_frozen(name, value, fn, t)
    frozen.append(_frozen_entry(where, name, value))
    if isinstance(value, types.FunctionType) and \
            not (getattr(value, "__module__", None) or "").startswith("srcad."):
        return _jitted(value, numba, done, t, frozen)
    return value


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
    array holds other values: :func:`_unchanged`); a module, function or class: False; anything
    else (a list, an object, a large array) is refused."""
    if value is None or isinstance(value, (types.ModuleType, types.FunctionType,
                                           types.BuiltinFunctionType, type)) or callable(value):
        return False
    if isinstance(value, _NUMBERS):
        return True
    if type(value) is np.ndarray and value.dtype.kind in "fiub" and value.nbytes <= _ARRAY_BYTES:
        return True
    raise JitError(
        f"jit: the generated code reads {name!r} ({type(value).__name__}) from the module or a "
        "closure of the function; numba would freeze its value at the first call, where srcad "
        "reads it at each call", _first_line(t, fn),
        f"pass {name} as an argument, or use jit=\"auto\" to run such code uncompiled")


_NUMBERS = (bool, int, float, complex, np.number, np.bool_)
_ARRAY_BYTES = 1 << 20  # the largest global array compiled in as a constant
_CHANGES = 3  # compilations again for changed globals before the runner refuses


def _unchanged(entry) -> bool:
    """Whether the name of a frozen entry ``(where, name, value, content)`` still holds
    ``value``, and (an array) the same shape, dtype and bytes as when it was compiled."""
    where, name, value, content = entry
    if _read(where, name) is not value:
        return False
    return content is None or (value.shape, value.dtype, value.tobytes()) == content


def _frozen_entry(where, name: str, value) -> tuple:
    content = (value.shape, value.dtype, value.tobytes()) if isinstance(value, np.ndarray) \
        else None
    return (where, name, value, content)


def _read(where, name):
    """What the name ``name`` holds now in ``where``, a globals dict or a closure cell."""
    if isinstance(where, dict):
        return where.get(name, _read)
    try:
        return where.cell_contents
    except ValueError:
        return _read


def _first_line(t, fn) -> Location | None:
    """The first ``# line N`` of the generated function ``fn`` in ``t``'s text."""
    lines = t.source.splitlines()
    start = fn.__code__.co_firstlineno
    for text in lines[start:]:
        text = text.strip()
        if text.startswith("def "):
            break
        if text.startswith("# line "):
            return Location(t.files.get(fn.__name__, ""), int(text[7:].split(":")[0]), 0)
    return None


def _from_numba(exc, t, files: tuple) -> JitError:
    """numba's error as a :class:`JitError` at the user's line the failing generated line comes
    from (numba names the generated file and line)."""
    text = _ANSI.sub("", str(exc))
    what = _first(next((line for line in text.splitlines()
                        if line.strip() and not line.startswith("Failed in ")), "numba refused it"))
    location = None
    found = re.search(r'File "(.*?)", line (\d+)', text)
    if found and _same_file(found[1], files):
        location = _line_of(t, int(found[2]))
    return JitError(f"jit: numba cannot compile the generated code: {what}", location, _AUTO)


def _same_file(name: str, files: tuple) -> bool:
    """Whether ``name`` (as numba writes it: perhaps relative) is one of ``files``."""
    return name in files or (not name.startswith("<") and os.path.realpath(name) in
                             [os.path.realpath(f) for f in files if not f.startswith("<")])


def _line_of(t, lineno: int) -> Location | None:
    """The user's line behind generated line ``lineno``: the ``# line N`` comment above it, in
    the file of the generated function around it."""
    lines = t.source.splitlines()
    line = None
    for k in range(min(lineno, len(lines)) - 1, -1, -1):
        text = lines[k].strip()
        if line is None and text.startswith("# line "):
            line = int(text[7:].split(":")[0])
        if text.startswith("def "):
            name = text[4:].split("(")[0]
            return Location(t.files.get(name, ""), line, 0) if line is not None else None
    return None
