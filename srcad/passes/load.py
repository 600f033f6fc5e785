"""Pass 13, load: generated source text -> live Python functions, registered with ``linecache``.

Accepts: the text from :mod:`srcad.passes.emit` (a comment header, then one ``def`` per generated
function), the file name to register it under, and one :class:`Entry` per function to return: its
name, the user's function it was made from, the objects it reaches by name
(:attr:`srcad.rules.template.Helpers.bound`; a :class:`FunctionRef` stands for another generated
function) and whether it takes the user function's defaults.
Guarantees: each returned function

* has its user function's globals as ``__globals__``, so module globals are read at call time, and
  the user function's own closure cells, so closure variables are read at call time too; srcad's
  helpers and the other generated functions reach it as closure variables of its own, never written
  into the user's module;
* has its user function's parameter defaults (backward functions have none);
* was compiled from exactly the text registered in ``linecache`` under ``filename``, so tracebacks,
  ``inspect.getsource`` and pdb show the generated lines. No file is written. Callers name the
  file with :func:`unique_name`, so two different texts never share one entry.

How: every ``def`` is compiled nested inside a scope function whose parameters are its free names,
which makes them closure variables; the inner code objects are then bound to the right cells.
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import linecache
import types


@dataclasses.dataclass(frozen=True)
class FunctionRef:
    """Stands for the generated function of that name until it exists."""

    name: str


@dataclasses.dataclass
class Entry:
    name: str        # the def's name in the text
    user_fn: object  # the function it was made from
    bound: dict      # free name -> object (or FunctionRef)
    defaults: bool   # give it the user function's defaults


def load(text: str, filename: str, entries: list) -> dict:
    """Compile ``text``; returns ``{def name: function}`` for every entry."""
    module = ast.parse(text, filename)
    defs = {node.name: node for node in module.body if isinstance(node, ast.FunctionDef)}
    scopes = []
    for entry in entries:
        user_cells = dict(zip(entry.user_fn.__code__.co_freevars, entry.user_fn.__closure__ or ()))
        free = sorted(set(entry.bound) | set(user_cells))
        fndef = defs[entry.name]
        scopes.append(ast.FunctionDef(
            name=f"__srcad_scope_{len(scopes)}__",
            args=ast.arguments(posonlyargs=[], args=[ast.arg(arg=n) for n in free], vararg=None,
                               kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]),
            body=[fndef, ast.Return(value=ast.Name(id=fndef.name, ctx=ast.Load()))],
            decorator_list=[], returns=None, type_params=[], lineno=1, col_offset=0))
    wrapper = ast.Module(body=scopes, type_ignores=[])
    ast.fix_missing_locations(wrapper)
    code = compile(wrapper, filename, "exec")

    functions, refs = {}, []
    for k, entry in enumerate(entries):
        inner = _child(_child(code, f"__srcad_scope_{k}__"), entry.name)
        user_cells = dict(zip(entry.user_fn.__code__.co_freevars, entry.user_fn.__closure__ or ()))
        cells = []
        for name in inner.co_freevars:
            if name in entry.bound:
                value = entry.bound[name]
                cell = types.CellType()
                if isinstance(value, FunctionRef):
                    refs.append((cell, value.name))
                else:
                    cell.cell_contents = value
            else:
                cell = user_cells[name]
            cells.append(cell)
        fn = types.FunctionType(inner, entry.user_fn.__globals__, entry.name,
                                entry.user_fn.__defaults__ if entry.defaults else None, tuple(cells))
        fn.__module__ = entry.user_fn.__module__
        fn.__qualname__ = entry.name
        # the file of the code it was made from, through generations (hvp: a JVP of a gradient)
        fn.__srcad_origin__ = origin_file(entry.user_fn)
        if entry.defaults and entry.user_fn.__kwdefaults__:
            fn.__kwdefaults__ = dict(entry.user_fn.__kwdefaults__)
        functions[entry.name] = fn
    for cell, name in refs:
        cell.cell_contents = functions[name]
    linecache.cache[filename] = (len(text), None, text.splitlines(keepends=True), filename)
    return functions


def origin_file(fn) -> str:
    """The file of the user's code (or of a composite rule's implementation) ``fn`` comes from:
    its own, or, for a function srcad generated, that of the function it was made from."""
    return getattr(fn, "__srcad_origin__", fn.__code__.co_filename)


def unique_name(filename: str, text: str) -> str:
    """``filename`` (``<srcad ...>``) with a short hash of ``text`` before its closing ``>``: two
    different generated texts (``grad(f)`` and ``grad(f, debug_nans=True)``; ``f`` specialized on
    two functions passed in; two checks of one line) never share one ``linecache`` entry, so a
    traceback shows the code that ran. :func:`srcad.results.user_location` reads such names."""
    return f"{filename[:-1]} #{hashlib.sha1(text.encode()).hexdigest()[:8]}>"


def _child(code, name):
    for const in code.co_consts:
        if isinstance(const, types.CodeType) and const.co_name == name:
            return const
    raise LookupError(name)
