"""A derived function pickled and rebuilt in another process (``dask.distributed``'s workers,
``multiprocessing``): what it was made from travels, with the source text srcad reads.

Accepts: a :class:`~srcad.api.derived.Derived` being pickled (:func:`shipped_source`), and on the
other side the function it was made from, maybe pickled by value by cloudpickle (a function of a
script's ``__main__``: its code arrives with the file name ``<dynamic-code>``, whose lines no
``linecache`` holds).
Guarantees: :func:`rebuild` makes the derived function again; where the function (or a function
it reads from its globals or closure: a helper it calls) has no readable source, its source comes
from the text that was shipped with it -- the whole file it was defined in, as the pickling
process read it -- registered in ``linecache`` under a name unique to that text. A function gets
a text only if its code, file names aside, is the code that was recorded with that text (a
helper redefined in a later notebook cell is another code: it gets its own cell's text, never the
first's), and the line its code starts at defines a function of its name; otherwise it is left as
it is, and srcad refuses it for want of source, as before. Nothing is executed: the code
objects are the ones the pickle carried; only where srcad reads their source changes.
"""

from __future__ import annotations

import hashlib
import linecache
import types
from typing import Any


def shipped_source(fn: Any) -> dict[str, Any] | None:
    """What travels with a derived function of ``fn``: for ``fn`` and each function it reads
    from its globals or closure, its name and a fingerprint of its code (all but its file name,
    which cloudpickle drops), with the text of the file it was defined in, where linecache can
    read it; None where there is none."""
    records: dict[str, list[tuple[str, str]]] = {}
    files: dict[str, str] = {}
    for f in _reachable(fn):
        code = f.__code__
        lines = linecache.getlines(code.co_filename, f.__globals__)
        if not lines:
            continue
        files.setdefault(code.co_filename, "".join(lines))
        records.setdefault(f.__name__, []).append((code.co_filename, _fingerprint(code)))
    return {"records": records, "files": files} if records else None


def reduce_derived(derived: Any) -> tuple[Any, ...]:
    """``Derived.__reduce__``: pickled as what made it (the function, argnums and options; the
    function by reference, or by value with cloudpickle, with its files' text): rebuilt on the
    other side, it transforms again at its first call (``dask.distributed`` and
    ``multiprocessing`` ship it so)."""
    argnums = derived.argnums if derived.argnums_is_tuple else derived.argnums[0]
    return (rebuild, (type(derived), derived._original, argnums, derived.with_value,
                      derived.options, shipped_source(derived.bound.function)))


def rebuild(cls: type, fn: Any, argnums: Any, with_value: bool, options: Any,
            shipped: dict[str, Any] | None) -> Any:
    """The derived function ``cls(fn, argnums, with_value, options)``, its source repaired."""
    if shipped is not None and isinstance(fn, types.FunctionType):
        _repair(fn, shipped)
    return cls(fn, argnums, with_value, options)


def _reachable(fn: Any) -> list[types.FunctionType]:
    """``fn`` and the functions it reads from its globals or closure."""
    if not isinstance(fn, types.FunctionType):
        return []
    named = [fn.__globals__.get(name) for name in fn.__code__.co_names]
    cells = [c.cell_contents for c in fn.__closure__ or () if _filled(c)]
    return [fn] + [v for v in named + cells if isinstance(v, types.FunctionType) and v is not fn]


def _fingerprint(code: types.CodeType) -> str:
    """A hash of what ``code`` does and where it starts, its file name aside (its bytecode,
    constants, names, first line; nested codes likewise)."""
    def parts(c: types.CodeType) -> tuple[Any, ...]:
        consts = tuple(parts(k) if isinstance(k, types.CodeType) else (type(k).__name__, repr(k))
                       for k in c.co_consts)
        return (c.co_name, c.co_firstlineno, c.co_argcount, c.co_kwonlyargcount, c.co_code,
                consts, c.co_names, c.co_varnames, c.co_freevars, c.co_cellvars)
    return hashlib.sha256(repr(parts(code)).encode()).hexdigest()


def _repair(fn: types.FunctionType, shipped: dict[str, Any]) -> None:
    """Each unreadable function among ``fn`` and those it reads gets the text of the file its
    fingerprint was recorded with (a function whose code matches no record is left as it is:
    srcad then refuses it for want of source)."""
    records, files = shipped["records"], shipped["files"]
    for f in _reachable(fn):
        code = f.__code__
        if linecache.getlines(code.co_filename, f.__globals__):
            continue  # (its source is readable where it is)
        found = [name for name, print_ in records.get(f.__name__, ())
                 if print_ == _fingerprint(code)]
        if len(found) != 1 or found[0] not in files:
            continue
        text = files[found[0]]
        lines = text.splitlines(keepends=True)
        first = lines[code.co_firstlineno - 1] if 0 < code.co_firstlineno <= len(lines) else ""
        if not first.lstrip().startswith((f"def {f.__name__}(", f"async def {f.__name__}(")):
            continue
        name = f"<srcad: {found[0]} as shipped, {hashlib.sha256(text.encode()).hexdigest()[:12]}>"
        linecache.cache[name] = (len(text), None, lines, name)  # (no mtime: never checked)
        f.__code__ = code.replace(co_filename=name)


def _filled(cell: Any) -> bool:
    try:
        cell.cell_contents
    except ValueError:
        return False
    return True
