"""Part of pass 1, parse: the source text of a function, as :func:`srcad.passes.parse.parse`
reads it.

Accepts: a Python function whose file ``linecache`` can read.
Guarantees: :func:`source_lines` gives the lines of a ``def``'s own definition (not following
``__wrapped__``); a lambda is found in the tree of its whole file (:func:`file_tree`: it may
span lines, or sit in a dict display over several lines), else on its own line, and made
``def lambda_(...): return <body>`` (:func:`lambda_as_def`), or refused where two lambdas with
the same parameters start on its line.
"""

from __future__ import annotations

import copy
import inspect
import linecache

import gast

from ..errors import Location, SourceUnavailableError


def source_lines(fn):
    """The lines of ``fn``'s own definition. Unlike ``inspect.getsourcelines``, this does not follow
    ``__wrapped__``: a function made by ``functools.wraps`` is read as itself, not as the function
    it wraps (whose source would give the wrong derivative)."""
    code = fn.__code__
    lines = linecache.getlines(code.co_filename, fn.__globals__)
    if not lines:
        raise OSError("no source")
    start = code.co_firstlineno - 1
    if fn.__name__ == "<lambda>":
        return [lines[start]], start + 1
    return inspect.getblock(lines[start:]), start + 1


_files: dict = {}  # file name -> (its lines as linecache held them, its gast tree): the latest


def file_tree(fn):
    """A module holding the lambdas that start on the line of the lambda ``fn``, found in the tree
    of its whole file (a lambda may span lines, or sit in a dict display over several lines),
    parsed once per version of the file's text; None where the file does not parse (a fragment:
    its own line is read instead)."""
    code = fn.__code__
    lines = linecache.getlines(code.co_filename, fn.__globals__)
    found = _files.get(code.co_filename)
    if found is None or found[0] is not lines:
        try:
            found = (lines, gast.parse("".join(lines)))
        except (SyntaxError, ValueError):
            found = (lines, None)
        _files.clear()  # (one file kept: the lambdas of a table sit in one)
        _files[code.co_filename] = found
    if found[1] is None:
        return None
    wanted = [n for n in gast.walk(found[1]) if isinstance(n, gast.Lambda)
              and n.lineno == code.co_firstlineno]
    inner = {id(m) for n in wanted for m in gast.walk(n.body) if isinstance(m, gast.Lambda)}
    wanted = [n for n in wanted if id(n) not in inner]  # (each once: the module is walked)
    return gast.Module(body=[gast.Expr(value=copy.deepcopy(n)) for n in wanted], type_ignores=[])


def lambda_as_def(fn, module, filename, first_lineno):
    """The lambda ``fn`` as ``def lambda_(args): return body`` (the one lambda on its line whose
    parameters match)."""
    names = list(fn.__code__.co_varnames[:fn.__code__.co_argcount])
    line = fn.__code__.co_firstlineno - first_lineno + 1
    found = [n for n in gast.walk(module) if isinstance(n, gast.Lambda) and n.lineno == line
             and [a.id for a in n.args.args] == names]
    if len(found) != 1:
        raise SourceUnavailableError(
            f"cannot tell which lambda on this line is {fn.__qualname__!r}",
            Location(filename, fn.__code__.co_firstlineno, 0),
            hint="define it with 'def'")
    node = found[0]
    ret = gast.copy_location(gast.Return(value=node.body), node.body)
    ret.end_lineno, ret.end_col_offset = node.body.end_lineno, node.body.end_col_offset
    tree = gast.FunctionDef(name="lambda_", args=node.args, body=[ret], decorator_list=[],
                            returns=None, type_comment=None, type_params=[])
    return gast.copy_location(tree, node)


def first_code_line(text: str) -> int:
    for line in text.splitlines():
        if line.strip():
            return len(line) - len(line.lstrip())
    return 0
