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

import dataclasses
import sys
import threading
import warnings

from ..errors import JitError, JitWarning, Location
from .limits import DIFFERENCES, LIMIT, CompileTimeout, numba_differs, within_limit
from .locate import AUTO, first, first_line, from_numba, line_of, same_file
from .reach import CHANGES, all_unchanged, distinct_entries, jitted, unchanged

_NumbaError: type = Exception  # (numba's errors and srcad.jit.overloads.JitUnsupported, once
_JitUnsupported: type = Exception  # numba is imported: see Compiled._prepare)
_INSTALL = 'pip install "srcad[jit]" (numba)'
_SMALL = 1 << 31  # Python integer arguments at least this large run uncompiled


@dataclasses.dataclass(frozen=True)
class Target:
    """What :class:`Compiled` reads of a transformation (a :class:`~srcad.results.Transformed`
    has these too): its main generated function, text, file name, files and main name."""

    function: object
    source: str
    filename: str
    files: dict
    main: str


def _large_int(values, depth: int = 0) -> bool:
    """Whether a tuple or list (nested up to 4 deep) holds a Python integer of 2**31 or more."""
    for value in values:
        if type(value) is int and not -_SMALL < value < _SMALL:
            return True
        if type(value) in (tuple, list) and depth < 4 and _large_int(value, depth + 1):
            return True
    return False


def compiled(t, mode: str):
    """``t`` with its function run compiled (see the module docstring)."""
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
        for value in (args if not kwargs else (*args, *kwargs.values())):
            if (type(value) is int and not -_SMALL < value < _SMALL) or (
                    type(value) in (tuple, list) and _large_int(value)):  # (Python's integers
                return self.python(*args, **kwargs)  # grow, numba's wrap: sums of these would)
        dispatcher = self._dispatcher
        if dispatcher is None or not all_unchanged(self._frozen):
            dispatcher = self._prepare()  # (first call, or a value it froze has changed)
            if dispatcher is None:
                return self._refused(self._refusal, args, kwargs)
        try:
            if not dispatcher.overloads:  # (the first call compiles: within a time limit)
                result = within_limit(dispatcher, args, kwargs)
            else:
                result = dispatcher(*args, **kwargs)
            if dispatcher is self._dispatcher and len(dispatcher.overloads) == self._inspected:
                return result
            if dispatcher is not self._dispatcher:  # (compiled again meanwhile, in a thread)
                return self.python(*args, **kwargs)
            self._refusal = self._inspect()  # (compiled for new types: its integers read)
            if self._refusal is None:
                return result
        except _NumbaError as exc:
            self._refusal = from_numba(exc, self.t, self._files())
            if self._entry is not None and not self._inspected:  # (the first compilation)
                self._entry.record_refusal(self._refusal)
        except CompileTimeout:
            self._refusal = JitError(f"jit: numba did not finish compiling in {LIMIT:.0f} s",
                                     first_line(self.t, self.python), AUTO)
        except _JitUnsupported as exc:
            self._refusal = JitError(f"jit: {exc} (met at run time)", None, AUTO)
        except Exception as exc:  # (the Python code raises the user's own error, located)
            result = self.python(*args, **kwargs)
            self._refusal = JitError(
                f"jit: the compiled code raised {type(exc).__name__} "
                f"({first(str(exc))}) where the uncompiled code runs", None, AUTO)
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
                changed = [entry[1] for entry in self._frozen if not unchanged(entry)]
                if not changed:
                    return self._dispatcher
                self._changes += 1
                if self._changes > CHANGES:
                    self._refusal = JitError(
                        f"jit: {changed[0]!r}, read from the module or a closure, changed "
                        f"between calls {self._changes} times: each change compiles again",
                        first_line(self.t, self.python),
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
                main = jitted(self.python, numba, done, self.t, frozen)
            except JitError as exc:
                self._refusal = exc
                return None
            frozen = distinct_entries(frozen)
            main, self._entry = self._cached(numba, done, main, frozen)
            # (published last: another thread reads self._dispatcher without the lock)
            self._frozen, self._dispatchers, self._inspected = frozen, list(done.values()), 0
            self._dispatcher = main
            return main if self._refusal is None else None

    def _cached(self, numba, done: dict, main, frozen: list) -> tuple:
        """``(main dispatcher, entry)``: one that numba caches on disk, in the entry of the
        generated text and the values frozen in (:mod:`srcad.jit.cache`), where there is one;
        else ``(main, None)``."""
        from . import cache
        module = sys.modules.get(self.python.__globals__.get("__name__"))
        if module is None or vars(module) is not self.python.__globals__:
            return main, None  # (numba's cached code names its module, imported when loaded)
        where, why = cache.folder()
        if where is None:
            if why and not self._warned_cache:
                self._warned_cache = True
                warnings.warn(f"srcad: jit compiles without its disk cache: {why}", JitWarning,
                              stacklevel=6)
            return main, None
        name = cache.key(self.t.source, frozen)
        if name is None:
            return main, None
        entry = cache.Entry(where, name)
        entry.prepare(self.t.source)
        self._refusal = entry.recorded_refusal()  # (an earlier process's numba refused it)
        main = numba.njit(entry.filed(main.py_func, self.t.source), cache=True,
                          boundscheck=True)
        done[self.python] = main
        return main, entry

    def _inspect(self) -> JitError | None:
        """A refusal if a compiled function multiplies or raises integers (numba's have 64 bits
        and wrap around, where Python's grow: ``fact = fact * k`` past 20!); None if none does."""
        with self._lock:  # (another thread's result waits for the check: see __call__)
            count = len(self._dispatcher.overloads)
            if count == self._inspected:
                return self._refusal  # (checked by another thread meanwhile)
            refusal = self._differences()
            if self._entry is not None:  # (the cache keeps only code that passed this check)
                self._entry.discard() if refusal is not None else self._entry.seal()
            self._inspected = count if refusal is None else self._inspected
            return refusal

    def _differences(self) -> JitError | None:
        for dispatcher in self._dispatchers:
            for result in list(dispatcher.overloads.values()):
                if not hasattr(result.type_annotation, "typemap"):
                    continue  # (loaded from the disk cache: checked before it was kept)
                found = numba_differs(result.type_annotation)
                if found is not None:
                    filename, lineno, kind = found
                    location = line_of(self.t, lineno) if same_file(filename, self._files()) \
                        else Location(filename, lineno, 0)
                    message, hint = DIFFERENCES[kind]
                    return JitError(f"jit: {message}", location, hint)
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
