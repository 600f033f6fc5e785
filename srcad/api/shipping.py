"""A derived function pickled and rebuilt in another process (``dask.distributed``'s workers,
``multiprocessing``): what it was made from travels, with the source text srcad reads.

Accepts: a :class:`~srcad.api.derived.Derived` being pickled (:func:`shipped_source`), and on the
other side the function it was made from, maybe pickled by value by cloudpickle (a function of a
script's ``__main__``: its code arrives with the file name ``<dynamic-code>``, whose lines no
``linecache`` holds).
Guarantees: :func:`rebuild` makes the derived function again; where the function (or a function
of the same file that it reads from its globals or closure: a helper it calls) has no readable
source, its source comes from the text that was shipped -- the whole file it was defined in, as
the pickling process read it -- registered in ``linecache`` under a name unique to that text,
and checked (the line the code starts at must define a function of that name, else it is left
as it is and srcad refuses it for want of source, as before). Nothing is executed: the code
objects are the ones the pickle carried; only where srcad reads their source changes.
"""

from __future__ import annotations

import hashlib
import linecache
import types
from typing import Any


def shipped_source(fn: Any) -> tuple[str, str] | None:
    """``(file name, text)`` of the file ``fn`` was defined in, where linecache can read it."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return None
    lines = linecache.getlines(code.co_filename, getattr(fn, "__globals__", None))
    return (code.co_filename, "".join(lines)) if lines else None


def rebuild(cls: type, fn: Any, argnums: Any, with_value: bool, options: Any,
            shipped: tuple[str, str] | None) -> Any:
    """The derived function ``cls(fn, argnums, with_value, options)``, its source repaired."""
    if shipped is not None and isinstance(fn, types.FunctionType):
        _repair(fn, shipped)
    return cls(fn, argnums, with_value, options)


def _repair(fn: types.FunctionType, shipped: tuple[str, str]) -> None:
    original, text = shipped
    lines = text.splitlines(keepends=True)
    name = f"<srcad: {original} as shipped, {hashlib.sha256(text.encode()).hexdigest()[:12]}>"
    candidates = [fn] + [v for v in list(fn.__globals__.values()) + [
        c.cell_contents for c in fn.__closure__ or () if _filled(c)]
        if isinstance(v, types.FunctionType)]
    for f in candidates:
        code = f.__code__
        if linecache.getlines(code.co_filename, f.__globals__) or code.co_filename == name:
            continue  # (its source is readable where it is)
        first = lines[code.co_firstlineno - 1] if 0 < code.co_firstlineno <= len(lines) else ""
        if not first.lstrip().startswith((f"def {f.__name__}(", f"async def {f.__name__}(")):
            continue
        linecache.cache[name] = (len(text), None, lines, name)  # (no mtime: never checked)
        f.__code__ = code.replace(co_filename=name)


def _filled(cell: Any) -> bool:
    try:
        cell.cell_contents
    except ValueError:
        return False
    return True
