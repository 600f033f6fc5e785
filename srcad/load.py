"""Pass 7, load: generated source text -> a live Python function, registered with ``linecache``.

Accepts: the text from :mod:`srcad.emit` (comment header, then one ``def``), the user's function, and
the runtime objects the text refers to by name (``Helpers.bound``).
Guarantees: the returned function

* has the user's globals as ``__globals__``, so module globals are read at call time, and the user's
  own closure cells, so closure variables are read at call time too; srcad's helpers reach it as
  closure variables of their own, never written into the user's module;
* has the user's parameter defaults;
* was compiled from exactly the text registered in ``linecache`` under ``filename``, so tracebacks,
  ``inspect.getsource`` and pdb show the generated lines. No file is written.

How: the ``def`` is compiled nested inside a scope function whose parameters are the free names, which
makes them closure variables; the inner code object is then bound to the right cells.
"""

from __future__ import annotations

import ast
import linecache
import types


def load(text: str, filename: str, user_fn, bound: dict) -> types.FunctionType:
    module = ast.parse(text, filename)
    fndef = module.body[0]
    user_cells = dict(zip(user_fn.__code__.co_freevars, user_fn.__closure__ or ()))
    free = sorted(set(bound) | set(user_cells))
    scope = ast.FunctionDef(
        name="__srcad_scope__",
        args=ast.arguments(posonlyargs=[], args=[ast.arg(arg=n) for n in free], vararg=None,
                           kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]),
        body=[fndef, ast.Return(value=ast.Name(id=fndef.name, ctx=ast.Load()))],
        decorator_list=[], returns=None, type_params=[], lineno=1, col_offset=0)
    wrapper = ast.Module(body=[scope], type_ignores=[])
    ast.fix_missing_locations(wrapper)
    code = compile(wrapper, filename, "exec")
    scope_code = _child(code, "__srcad_scope__")
    inner = _child(scope_code, fndef.name)
    cells = tuple(user_cells[name] if name in user_cells and name not in bound
                  else types.CellType(bound[name]) for name in inner.co_freevars)
    fn = types.FunctionType(inner, user_fn.__globals__, fndef.name, user_fn.__defaults__, cells)
    fn.__module__ = user_fn.__module__
    linecache.cache[filename] = (len(text), None, text.splitlines(keepends=True), filename)
    return fn


def _child(code, name):
    for const in code.co_consts:
        if isinstance(const, types.CodeType) and const.co_name == name:
            return const
    raise LookupError(name)
