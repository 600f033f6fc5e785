"""The on-disk cache of ``jit=True``'s compiled code, so that a second process loads it instead
of compiling (numba's ``cache=True``, with srcad's own checks around it).

Accepts: a transformation's generated source text and the values numba freezes into the
compiled code (:func:`key`), then the main generated function (:meth:`Entry.filed`).
Guarantees:

* Everything lives in one folder, ``$SRCAD_CACHE_DIR/jit`` (by default
  ``$XDG_CACHE_HOME/srcad/jit``, i.e. ``~/.cache/srcad/jit``), created with mode 0700. Before
  anything in it is used, the folder and its parent must be owned by the user running the
  process and writable by nobody else, and not be symbolic links; otherwise nothing is cached
  (:func:`folder` says why) and the code is compiled in memory, as without a cache.
  ``SRCAD_JIT_CACHE=0`` turns the cache off.
* An entry is keyed by a SHA-256 (:func:`key`) over srcad's version, the source of srcad's numba
  implementations, numba's version, the generated text, and every value the compiled code froze
  in: numbers by type and value, arrays by dtype, shape and a hash of their bytes, the user's
  functions compiled with it by their code. A value that cannot be fingerprinted (no stable name)
  means no cache. A global changed between processes is another key: never stale code.
* numba's refusal of an entry's code (a typing or lowering error, the same in every process) is
  recorded (``<key>.refused.json``), so the next process refuses at once (:meth:`Entry.
  recorded_refusal`): a record can only make srcad refuse.
* numba's files for an entry (``__pycache__/<key>.*``) are loaded only if their SHA-256 match the
  entry's manifest, which srcad writes (:meth:`Entry.seal`) only after the compiled code passed
  the runner's checks (no integer product); files not matching, not regular or not the user's
  are deleted first (:meth:`Entry.prepare`), and so numba compiles again. An entry whose code was
  refused is deleted (:meth:`Entry.discard`).
"""

from __future__ import annotations

import ast
import hashlib
import json
import marshal
import os
import stat
import sys
import tempfile
import types

import numpy as np

_OFF = ("0", "off", "false", "no")


def folder() -> tuple[str | None, str]:
    """The cache folder (created if missing), or None and why not ("" when it was turned off or
    cannot be created: no need to say so; a reason when it is not safe to use)."""
    if os.environ.get("SRCAD_JIT_CACHE", "").strip().lower() in _OFF:
        return None, ""
    root = os.environ.get("SRCAD_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
        "srcad")
    path = os.path.join(os.path.abspath(root), "jit")
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
        os.makedirs(os.path.join(path, "__pycache__"), mode=0o700, exist_ok=True)
        for place in (os.path.dirname(path), path, os.path.join(path, "__pycache__")):
            why = _unsafe(place)
            if why:
                return None, f"{place} {why}"
    except OSError:
        return None, ""
    return path, ""


def _unsafe(place: str) -> str:
    """Why another user could write files in ``place``; "" when none could."""
    info = os.lstat(place)
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        return "is not a folder (a link?)"
    if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
        return "is owned by another user"
    if info.st_mode & 0o022:
        return "is writable by other users"
    return ""


def key(source: str, frozen: list) -> str | None:
    """The SHA-256 naming the entry of the generated text ``source`` compiled with the frozen
    ``(where, name, value, content)`` entries; None where a value has no stable fingerprint."""
    import numba
    digest = hashlib.sha256()
    for part in (_srcad_digest(), numba.__version__, sys.version, source):
        digest.update(part.encode() + b"\0")
    for _, name, value, _ in frozen:
        mark = _fingerprint(value)
        if mark is None:
            return None
        digest.update(f"{name}={mark}".encode() + b"\0")
    return digest.hexdigest()[:40]


_DIGEST: list = []


def _srcad_digest() -> str:
    """srcad's version and the source of its numba implementations (read once)."""
    if not _DIGEST:
        from .. import __version__
        from . import checked_math, overloads, overloads_checks, overloads_forward
        digest = hashlib.sha256(__version__.encode())
        for module in (overloads, overloads_checks, overloads_forward, checked_math):
            with open(module.__file__, "rb") as file:
                digest.update(file.read())
        _DIGEST.append(digest.hexdigest())
    return _DIGEST[0]


def _fingerprint(value) -> str | None:
    """A text that changes whenever what numba froze of ``value`` may differ; None if unknown."""
    if value is None or isinstance(value, (bool, int, float, complex, np.number, np.bool_)):
        return f"{type(value).__module__}.{type(value).__qualname__}:{value!r}"
    if isinstance(value, np.ndarray):
        return (f"ndarray:{value.dtype.str}:{value.shape}:"
                f"{hashlib.sha256(np.ascontiguousarray(value).tobytes()).hexdigest()}")
    if isinstance(value, types.ModuleType):
        return f"module:{value.__name__}"
    if isinstance(value, types.FunctionType):
        home = value.__module__ or ""
        if home.startswith("srcad."):
            return f"srcad:{home}.{value.__qualname__}"
        code = hashlib.sha256(marshal.dumps(value.__code__)).hexdigest()
        defaults = [_fingerprint(d) for d in value.__defaults__ or ()]
        if any(mark is None for mark in defaults):
            return None
        return f"function:{home}.{value.__qualname__}:{code}:{defaults}"
    if hasattr(value, "py_func") and isinstance(value.py_func, types.FunctionType):
        inner = _fingerprint(value.py_func)  # (a numba function: its Python function's code)
        return None if inner is None else "numba:" + inner
    name = getattr(value, "__qualname__", None) or getattr(value, "__name__", None)
    home = getattr(value, "__module__", None)
    if isinstance(name, str) and isinstance(home, str) and \
            getattr(sys.modules.get(home), name.split(".")[0], None) is not None:
        return f"{type(value).__name__}:{home}.{name}"  # (a class, a builtin, a NumPy ufunc)
    return None


class Entry:
    """One key's files in the cache folder: ``<key>.py`` (the generated text, the file numba's
    cache is attached to), ``<key>.json`` (the manifest) and numba's ``__pycache__/<key>.*``."""

    def __init__(self, where: str, name: str):
        self.where, self.name = where, name
        self.path = os.path.join(where, name + ".py")
        self._manifest = os.path.join(where, name + ".json")
        self._refused = os.path.join(where, name + ".refused.json")
        self._numba = os.path.join(where, "__pycache__")

    def prepare(self, source: str) -> None:
        """Write the source file unless it holds ``source``; delete numba's files of this key
        unless all of them match the manifest."""
        try:
            with open(self.path, encoding="utf-8") as file:
                current = file.read() if _owned(file.fileno()) else None
        except OSError:
            current = None
        if current != source:
            self.discard()
            _write(self.path, source.encode("utf-8"))
            return
        try:
            with open(self._manifest, encoding="utf-8") as file:
                manifest = json.load(file) if _owned(file.fileno()) else {}
        except (OSError, ValueError):
            manifest = {}
        files = self._files()
        if not files or files != manifest:
            for name in files:
                _remove(os.path.join(self._numba, name))

    def record_refusal(self, refusal) -> None:
        """Keep numba's refusal of this key's code (a typing or lowering error: the same in every
        process), so the next process refuses at once instead of compiling again."""
        where = refusal.location
        record = {"message": refusal.message, "hint": refusal.hint,
                  "filename": where.filename if where else None,
                  "lineno": where.lineno if where else None}
        _write(self._refused, json.dumps(record, sort_keys=True).encode())

    def recorded_refusal(self):
        """The :class:`~srcad.errors.JitError` an earlier process recorded for this key, or None
        (a refusal only: a record can make srcad refuse, never run other code)."""
        from ..errors import JitError, Location
        try:
            with open(self._refused, encoding="utf-8") as file:
                record = json.load(file) if _owned(file.fileno()) else None
        except (OSError, ValueError):
            return None
        if not isinstance(record, dict) or not isinstance(record.get("message"), str):
            return None
        where = Location(record["filename"], record["lineno"], 0) \
            if isinstance(record.get("lineno"), int) else None
        return JitError(record["message"] + " (recorded by an earlier process)", where,
                        record.get("hint"))

    def seal(self) -> None:
        """Record the SHA-256 of numba's files of this key: they hold only checked code."""
        _write(self._manifest, json.dumps(self._files(), sort_keys=True).encode())

    def discard(self) -> None:
        """Delete numba's files and the manifest of this key."""
        for name in self._files():
            _remove(os.path.join(self._numba, name))
        _remove(self._manifest)
        _remove(self._refused)

    def filed(self, fn: types.FunctionType, source: str) -> types.FunctionType:
        """``fn`` (a generated function whose ``def`` is in ``source``) compiled again from this
        entry's file, where numba's cache finds it, at the same lines; what it read from its
        closure now globals of its own (numba's cache keys a closure by its pickled contents,
        which differ between processes for compiled callees; the entry's key covers them)."""
        tree = ast.parse(source)
        node = next(n for n in tree.body
                    if isinstance(n, ast.FunctionDef) and n.name == fn.__name__)
        lines = source.splitlines(keepends=True)
        text = "\n" * (node.lineno - 1) + "".join(lines[node.lineno - 1:node.end_lineno])
        namespace = dict(fn.__globals__)
        for name, cell in zip(fn.__code__.co_freevars, fn.__closure__ or ()):
            namespace[name] = cell.cell_contents
        exec(compile(text, self.path, "exec"), namespace)
        function = namespace[fn.__name__]
        if function.__code__.co_kwonlyargcount:
            from .reach import positional
            function = positional(function)
        function.__defaults__ = fn.__defaults__
        return function

    def _files(self) -> dict:
        """``{file name: SHA-256}`` of numba's regular files of this key that the user owns;
        others are deleted."""
        found = {}
        try:
            names = sorted(os.listdir(self._numba))
        except OSError:
            return found
        for name in names:
            if not name.startswith(self.name + "."):
                continue
            path = os.path.join(self._numba, name)
            try:
                fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            except OSError:
                _remove(path)
                continue
            with os.fdopen(fd, "rb") as file:
                if not _owned(fd):
                    _remove(path)
                    continue
                found[name] = hashlib.sha256(file.read()).hexdigest()
        return found


def _owned(fd: int) -> bool:
    info = os.fstat(fd)
    return stat.S_ISREG(info.st_mode) and not info.st_mode & 0o022 and \
        (not hasattr(os, "geteuid") or info.st_uid == os.geteuid())


def _write(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` at once (a private file renamed into place)."""
    fd, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except OSError:
        _remove(temporary)


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass
