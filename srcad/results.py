"""What the pipeline hands back and keeps: :class:`Transformed`, the per-function caches, locations.

Accepts: the generated text, compiled functions and bookkeeping of one transformation
(:mod:`srcad.pipeline` builds them).
Guarantees: :class:`Transformed` maps a traceback through generated code back to the user's line;
:class:`PerFunction` keeps transformations per user function (weakly: they go with the function),
under a lock, so two threads may transform at once; :func:`user_location` maps a location in
generated code to the user's line it was generated from; :class:`Guard` says whether what a
transformation assumed of the user's functions still holds (so a stale one is made again).
"""

from __future__ import annotations

import __future__
import collections
import dataclasses
import dis
import functools
import gc
import inspect
import linecache
import os
import re
import threading
import time
import types
import weakref

from .errors import Location, SourceUnavailableError
from .rules import RULES


@dataclasses.dataclass
class Transformed:
    """The result of differentiating one function: generated text and the compiled function."""

    source: str
    function: object
    filename: str
    return_location: object
    params: list
    files: dict  # generated function name -> the file of the user function it was made from
    entries: list = dataclasses.field(default_factory=list)  # load.Entry of every function
    main: str = ""
    guard: object = None  # a Guard over the user functions it was made from (None: none)
    basis: object = None  # grad of grad: the inner derived function's Transformed it was made from

    def current(self) -> bool:
        """Whether the user's functions are still as they were when this was made."""
        return self.guard is None or self.guard.holds()

    def locate(self, traceback) -> Location | None:
        """The user's line behind the innermost generated line in ``traceback``: the ``# line N``
        comment above it names the line of the function it was generated from (a line of a
        composite rule's implementation, :mod:`srcad.rules.composites`: the line calling it)."""
        found = []
        while traceback is not None:
            code = traceback.tb_frame.f_code
            if code.co_filename == self.filename and code.co_name in self.files:
                found.append((code.co_name, traceback.tb_lineno))
            traceback = traceback.tb_next
        for name, lineno in reversed(found):
            if _in_rules(self.files[name]):
                continue
            lines = linecache.getlines(self.filename)
            for k in range(lineno - 1, -1, -1):
                text = lines[k].strip()
                if text.startswith("# line "):
                    return Location(self.files[name], int(text[7:].split(":")[0]), 0)
                if text.startswith("def "):
                    break
            return None
        return None


_MISSING = object()
_DATA = object()


def _kind(value):
    """What a guard remembers of a name's value: the object (weakly where it can) if it is code
    srcad may have resolved (a function, a class, a module, any callable), else only that it is
    data (read at call time by the generated code, so rebinding it needs no new transformation)."""
    if value is _MISSING or not (callable(value) or isinstance(value, types.ModuleType)):
        return _MISSING if value is _MISSING else _DATA
    try:
        return weakref.ref(value)
    except TypeError:  # (a builtin function, an instance without __weakref__)
        return value


def _same(kind, value) -> bool:
    if kind is _MISSING or kind is _DATA:
        return _kind(value) is kind
    return (kind() if isinstance(kind, weakref.ref) else kind) is value


def _names(code) -> set:
    """Every global name ``code`` and the code nested in it reads (not attribute names)."""
    names = {i.argval for i in dis.get_instructions(code)
             if i.opname in ("LOAD_GLOBAL", "LOAD_NAME")}
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names(const)
    return names


class Guard:
    """What a transformation assumed of the user functions it read: each one's code, defaults and
    keyword defaults, and the functions (callables, modules) its global names and closure cells
    held (the functions weakly: a cache keyed weakly by a function may keep its guard).
    :meth:`holds` checks them all by identity -- a few dictionary reads per name, cheap
    enough for every call: a helper redefined in a later notebook cell, an activation rebound, a
    module reloaded, ``__defaults__`` replaced or a rule of the table replaced make it false, and
    the caller transforms again; so does a global object whose methods srcad resolved, given
    another kind, or a class's method redefined (``assumptions``, see
    :class:`srcad.passes.objects.Assumption`)."""

    def __init__(self, functions, assumptions=()):
        self._rules = RULES.version  # a rule replaced since (srcad.defvjp(..., replace=True))
        # what the resolution of objects' methods assumed (srcad.passes.objects.Assumption)
        self._assumptions = tuple(assumptions)
        self._checks = []
        seen = set()
        for fn in functions:
            if id(fn) in seen or not isinstance(fn, types.FunctionType):
                continue
            seen.add(id(fn))
            cells = tuple(fn.__closure__ or ())
            self._checks.append((weakref.ref(fn), fn.__code__, fn.__defaults__, fn.__kwdefaults__,
                                 [(fn.__globals__, name, _kind(fn.__globals__.get(name, _MISSING)))
                                  for name in sorted(_names(fn.__code__))],
                                 [(cell, _kind(_contents(cell))) for cell in cells]))

    def holds(self) -> bool:
        if RULES.version != self._rules:
            return False
        if self._assumptions and not all(a.holds() for a in self._assumptions):
            return False
        for ref, code, defaults, kwdefaults, globals_, cells in self._checks:
            fn = ref()
            if (fn is None or fn.__code__ is not code or fn.__defaults__ is not defaults
                    or fn.__kwdefaults__ is not kwdefaults):
                return False
            for namespace, name, kind in globals_:
                if not _same(kind, namespace.get(name, _MISSING)):
                    return False
            for cell, kind in cells:
                if not _same(kind, _contents(cell)):
                    return False
        return True


def _contents(cell):
    try:
        return cell.cell_contents
    except ValueError:  # an empty cell
        return _MISSING


def source_is_current(fn) -> bool:
    """Whether the source ``linecache`` holds for ``fn``'s file is the text ``fn`` was compiled
    from (the file may have been edited since, without a reload): the file, compiled again, must
    hold a function of the same qualified name and first line with the same instructions, names
    and constants (compared as :mod:`dis` reads them, a method load and an attribute load alike:
    running code rewrites one into the other). Files that are not on disk (``<...>``: notebook
    cells, generated code) are taken as they are, and so are files not modified since srcad was
    imported (their functions were compiled from the text they hold: an import hook that
    rewrites code, as pytest's does for asserts, cannot make a valid function look stale)."""
    code = getattr(fn, "__code__", None)
    if not isinstance(fn, types.FunctionType) or code.co_filename.startswith("<"):
        return True
    try:
        if os.stat(code.co_filename).st_mtime < _IMPORTED:
            return True
    except OSError:
        return True
    lines = linecache.getlines(code.co_filename, fn.__globals__)
    if not lines:
        return True  # (no source at all: pass 1 says so)
    index = _compiled_file(code.co_filename, lines, code.co_flags & _FUTURE_FLAGS)
    key = (getattr(code, "co_qualname", code.co_name), code.co_firstlineno)
    return any(_same_code(candidate, code) for candidate in index.get(key, ()))


def fresh_source(fun):
    """Forget ``linecache``'s copy of ``fun``'s file if the file changed on disk (a module edited
    and reloaded), so pass 1 reads the source the function was compiled from, not an old one; and
    refuse a function whose file was edited but not reloaded (its code is not the text)."""
    filename = getattr(getattr(fun, "__code__", None), "co_filename", "")
    if filename and not filename.startswith("<"):
        linecache.checkcache(filename)
        if not source_is_current(fun):
            raise SourceUnavailableError(
                f"the source of {fun.__qualname__!r} in {filename} is not the code it runs: the "
                "file was edited after it was loaded",
                Location(filename, fun.__code__.co_firstlineno, 0),
                hint="reload its module (importlib.reload) or restart, then differentiate the "
                     "function as it is now")


_IMPORTED = time.time()
_compiled = {}  # file name -> (its lines as linecache held them, flags, index): the latest only
_compiled_lock = threading.Lock()


def _compiled_file(filename, lines, flags) -> dict:
    """``{(qualified name, first line): [code objects]}`` of the file's text, compiled once per
    version of the text."""
    with _compiled_lock:
        found = _compiled.get(filename)
        if found is not None and found[0] is lines and found[1] == flags:
            return found[2]
    index: dict = {}
    try:
        module = compile("".join(lines), filename, "exec", flags=flags, dont_inherit=True)
    except (SyntaxError, ValueError):
        module = None
    stack = [module] if module is not None else []
    while stack:
        code = stack.pop()
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                key = (getattr(const, "co_qualname", const.co_name), const.co_firstlineno)
                index.setdefault(key, []).append(const)
                stack.append(const)
    with _compiled_lock:
        _compiled[filename] = (lines, flags, index)
    return index


_FUTURE_FLAGS = 0
for _feature in __future__.all_feature_names:
    _FUTURE_FLAGS |= getattr(__future__, _feature).compiler_flag


def _same_code(a, b) -> bool:
    if a.co_names != b.co_names or a.co_varnames != b.co_varnames:
        return False
    ours, theirs = _instructions(a), _instructions(b)
    if len(ours) != len(theirs):
        return False
    for (op, x), (op2, y) in zip(ours, theirs):
        if op != op2:
            return False
        if isinstance(x, types.CodeType) and isinstance(y, types.CodeType):
            if not _same_code(x, y):
                return False
        elif type(x) is not type(y) or (x != y and not (x != x and y != y)):
            return False
    return True


def _instructions(code) -> list:
    return [("LOAD_ATTR" if i.opname == "LOAD_METHOD" else i.opname, i.argval)
            for i in dis.get_instructions(code)]


class Bounded(collections.OrderedDict):
    """A dict that keeps at most ``limit`` entries, forgetting the least recently used one: a cache
    of transformations keyed by what varies from call to call (functions passed in, the number of
    ``*args``) cannot grow without bound. Writers hold their owner's lock; a read may go without
    it (see :meth:`get`)."""

    def __init__(self, limit: int = 64):
        super().__init__()
        self.limit = limit

    def get(self, key, default=None):
        try:  # (read without the owner's lock: an entry forgotten meanwhile reads as absent)
            self.move_to_end(key)
            return self[key]
        except KeyError:
            return default

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        self.move_to_end(key)
        if len(self) > self.limit:
            self.popitem(last=False)


class PerFunction:
    """Transformations kept per user function (weakly: they go with the function) and per key
    (at most :class:`Bounded`'s limit per function), under a lock; idempotent, so two threads making
    the same one at once is harmless."""

    def __init__(self):
        self._lock = threading.Lock()
        self._table = weakref.WeakKeyDictionary()

    def get(self, fun, key):
        with self._lock:
            entries = self._table.get(fun)
            return None if entries is None else entries.get(key)

    def put(self, fun, key, value):
        with self._lock:
            self._table.setdefault(fun, Bounded())[key] = value
        return value


def positional(fun) -> list:
    """The names of ``fun``'s positional parameters."""
    return [p.name for p in inspect.signature(fun, follow_wrapped=False).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def has_varargs(fun) -> bool:
    return any(p.kind == p.VAR_POSITIONAL
               for p in inspect.signature(fun, follow_wrapped=False).parameters.values())


def user_location(location):
    """For a place in code srcad generated, the user's line it was generated from: the nearest
    ``# line N: ...`` comment above it, in the file the generated function's name gives (nested
    generations resolved one by one). Any other location comes back unchanged."""
    seen = 0
    while location is not None and location.filename.startswith("<srcad ") and seen < 10:
        seen += 1
        match = re.search(r" at (.*):\d+(?: wrt | along | #[0-9a-f]+>|>)", location.filename)
        lines = linecache.getlines(location.filename)
        number = None
        for k in range(min(location.lineno, len(lines)) - 1, -1, -1):
            text = lines[k].strip()
            if text.startswith("# line "):
                number = int(text[7:].split(":")[0])
                break
        if match is None or number is None:
            return location
        user_file = match.group(1)
        inner = re.match(r"<srcad \S+ of .* at (.*)", user_file)
        if inner and not linecache.getlines(user_file):  # (a generated file: resolved in turn)
            user_file = inner.group(1)
        location = Location(user_file, number, 0)
    return location


def located_error(exc, files=None):
    """A :class:`~srcad.errors.SrcadError` raised without a location by a runtime helper, in code
    srcad generated: the same error at the user's line behind the innermost generated frame of its
    traceback (:func:`user_location`) -- skipping the frames generated from the implementation of
    a composite rule (its caller's line is the user's; ``files``, a generated function's name ->
    the file of the function it was made from, tells them); None where that cannot be found (raise
    ``exc`` as it is)."""
    if getattr(exc, "location", True) is not None:
        return None
    found, tb = [], exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename.startswith("<srcad ") \
                and not _in_rules((files or {}).get(code.co_name, "")):
            found.append(Location(code.co_filename, tb.tb_lineno, 0))
        tb = tb.tb_next
    for place in reversed(found):  # (a line of a composite rule's implementation: its caller's)
        location = user_location(place)
        if location is None or location.filename.startswith("<srcad "):
            return None
        if not _in_rules(location.filename):
            return type(exc)(exc.message, location, exc.hint).with_traceback(exc.__traceback__)
    return None


_RULES_DIRECTORY = os.path.join(os.path.dirname(os.path.realpath(__file__)), "rules") + os.sep


def _in_rules(filename) -> bool:
    """Whether ``filename`` is a module of :mod:`srcad.rules` (the implementations of the
    composite rules, :mod:`srcad.rules.composites`, whose errors belong to the user's call)."""
    return os.path.realpath(filename).startswith(_RULES_DIRECTORY)


def collector_paused(transformation):
    """``transformation`` run with Python's cyclic garbage collector off (restored after, if it was
    on): a transformation allocates many tree nodes and frees them by reference counting, and each
    full collection it would trigger walks every live object, which made the transformation of a
    function of thousands of statements grow faster than its length (about a fifth of the time at
    4,000 statements). Another thread transforming at once may turn it back on: harmless."""
    @functools.wraps(transformation)
    def paused(*args, **kwargs):
        was = gc.isenabled()
        gc.disable()
        try:
            return transformation(*args, **kwargs)
        finally:
            if was:
                gc.enable()
    return paused
