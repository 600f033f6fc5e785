"""What the pipeline hands back and keeps: :class:`Transformed`, the per-function caches, locations.

Accepts: the generated text, compiled functions and bookkeeping of one transformation
(:mod:`srcad.pipeline` builds them).
Guarantees: :class:`Transformed` maps a traceback through generated code back to the user's line;
:class:`PerFunction` keeps transformations per user function (weakly: they go with the function),
under a lock, so two threads may transform at once; :func:`user_location` maps a location in
generated code to the user's line it was generated from.
"""

from __future__ import annotations

import collections
import dataclasses
import inspect
import linecache
import re
import threading
import weakref

from .errors import Location


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

    def locate(self, traceback) -> Location | None:
        """The user's line behind the innermost generated line in ``traceback``: the ``# line N``
        comment above it names the line of the function it was generated from."""
        found = None
        while traceback is not None:
            code = traceback.tb_frame.f_code
            if code.co_filename == self.filename and code.co_name in self.files:
                found = (code.co_name, traceback.tb_lineno)
            traceback = traceback.tb_next
        if found is None:
            return None
        name, lineno = found
        lines = linecache.getlines(self.filename)
        for k in range(lineno - 1, -1, -1):
            text = lines[k].strip()
            if text.startswith("# line "):
                return Location(self.files[name], int(text[7:].split(":")[0]), 0)
            if text.startswith("def "):
                break
        return None


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
        match = re.search(r" at (.*):\d+(?: wrt | along |>)", location.filename)
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
        user_file = inner.group(1) if inner else user_file
        location = Location(user_file, number, 0)
    return location
