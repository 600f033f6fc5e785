"""Pass 1a, idioms: two statements written as the code Python runs for them.

Runs right after parse, with :mod:`srcad.passes.reduce` (:mod:`srcad.front`).
Accepts: the :class:`~srcad.passes.parse.Parsed` function of pass 1.
Guarantees: in every block of the function (not in nested ``def``\\ s),

* ``d.update(m, k=v, **n)`` as a statement, ``d`` a parameter or a local, becomes a check that
  ``d`` is a dict (:func:`srcad.runtime.check_dict_update`: a set, a dict subclass or another
  object with an ``update`` method is refused when the function runs), the values evaluated
  first, in Python's order (``update_items = dict(m)``, ``update_k = v``, ...), then writes of
  the keys in that order (``for update_key, update_value in update_items.items(): d[update_key]
  = update_value``; ``d['k'] = update_k``), which srcad differentiates as any write into a dict;
* ``a, b = zip(*rows)`` (a tuple of names, ``rows`` any expression) becomes ``zip_rows =
  list(rows)``, a check that the rows give exactly as many sequences as there are names
  (:func:`srcad.runtime.check_unzip`, Python's ``ValueError`` otherwise), and ``a = tuple([row[0]
  for row in zip_rows])``, ``b = ...``: the transposition ``zip`` computes.

Anything else is left as written (the fence says what it refuses).
"""

from __future__ import annotations

import builtins

import gast

from ..naming import Namer
from ..runtime.rewritten import check_dict_update, check_unzip
from .parse import local_names


def rewrite_idioms(parsed) -> None:
    """Rewrite the statements of the module docstring in ``parsed.tree``."""
    tree = parsed.tree
    if not any(_update(s, ()) or _unzip(s, parsed) for s in gast.walk(tree)
               if isinstance(s, gast.stmt)):
        return
    _Idioms(parsed).block(tree.body)


def _update(stmt, locals_):
    """The call of ``d.update(...)`` that the statement ``stmt`` is, or None (``locals_`` empty:
    any name)."""
    value = getattr(stmt, "value", None)
    if isinstance(stmt, gast.Expr) and isinstance(value, gast.Call) \
            and isinstance(value.func, gast.Attribute) and value.func.attr == "update" \
            and isinstance(value.func.value, gast.Name) and len(value.args) <= 1 \
            and not any(isinstance(a, gast.Starred) for a in value.args) \
            and (not locals_ or value.func.value.id in locals_):
        return value
    return None


def _unzip(stmt, parsed):
    """``rows`` of the statement ``a, b = zip(*rows)``, or None."""
    if not (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], (gast.Tuple, gast.List))
            and all(isinstance(e, gast.Name) for e in stmt.targets[0].elts)):
        return None
    value = stmt.value
    if isinstance(value, gast.Call) and isinstance(value.func, gast.Name) \
            and value.func.id == "zip" and not value.keywords and len(value.args) == 1 \
            and isinstance(value.args[0], gast.Starred) \
            and parsed.namespace.lookup("zip", None) is builtins.zip \
            and "zip" not in local_names(parsed.tree):
        return value.args[0].value
    return None


class _Idioms:
    def __init__(self, parsed):
        self.parsed = parsed
        self.locals = local_names(parsed.tree)
        self.namer = Namer.for_function(parsed.tree)

    def block(self, statements: list):
        k = 0
        while k < len(statements):
            stmt = statements[k]
            new = None
            if _update(stmt, self.locals) is not None:
                new = self.update(stmt)
            elif _unzip(stmt, self.parsed) is not None:
                new = self.unzip(stmt)
            if new is not None:
                statements[k:k + 1] = new
                k += len(new)
                continue
            if not isinstance(stmt, gast.FunctionDef):
                for field in ("body", "orelse", "finalbody"):
                    if isinstance(getattr(stmt, field, None), list):
                        self.block(getattr(stmt, field))
                for handler in getattr(stmt, "handlers", None) or ():
                    self.block(handler.body)
            k += 1

    def bind(self, obj, hint) -> gast.Name:
        """A name the function reaches the runtime helper ``obj`` by."""
        name = self.namer.fresh(hint)
        self.parsed.namespace.extra[name] = obj
        return _name(name)

    def builtin(self, name) -> gast.Name:
        """The builtin ``name`` (``dict``, ``list``, ``tuple``), under another name where the
        function's own ``name`` is something else."""
        obj = getattr(builtins, name)
        if name not in self.locals and self.parsed.namespace.lookup(name, None) is obj:
            return _name(name)
        return self.bind(obj, f"builtin_{name}")

    def update(self, stmt) -> list:
        call = stmt.value
        target = call.func.value.id
        at = _Located(stmt)
        where = f"{self.parsed.filename}:{stmt.lineno}"
        out = [at(gast.Expr(value=gast.Call(func=self.bind(check_dict_update, "check_dict_update"),
                                            args=[_name(target), _constant(target),
                                                  _constant(where)], keywords=[])))]
        writes = []
        for source in list(call.args) + list(call.keywords):  # (values first, in Python's order)
            if isinstance(source, gast.keyword) and source.arg is not None:
                held = self.namer.fresh(f"update_{source.arg}")
                out.append(at(gast.Assign(targets=[_name(held, gast.Store())],
                                          value=source.value, type_comment=None)))
                writes.append(at(_write(target, _constant(source.arg), _name(held))))
                continue
            items = self.namer.fresh("update_items")  # a mapping, or pairs: copied first
            mapping = source.value if isinstance(source, gast.keyword) else source
            out.append(at(gast.Assign(targets=[_name(items, gast.Store())], value=gast.Call(
                func=self.builtin("dict"), args=[mapping], keywords=[]), type_comment=None)))
            key, value = self.namer.fresh("update_key"), self.namer.fresh("update_value")
            writes.append(at(gast.For(
                target=gast.Tuple(elts=[_name(key, gast.Store()), _name(value, gast.Store())],
                                  ctx=gast.Store()),
                iter=gast.Call(func=gast.Attribute(value=_name(items), attr="items",
                                                   ctx=gast.Load()), args=[], keywords=[]),
                body=[at(_write(target, _name(key), _name(value)))], orelse=[],
                type_comment=None)))
        return out + writes

    def unzip(self, stmt) -> list:
        rows_value = stmt.value.args[0].value
        at = _Located(stmt)
        rows, row = self.namer.fresh("zip_rows"), self.namer.fresh("row")
        names = [e.id for e in stmt.targets[0].elts]
        out = [at(gast.Assign(targets=[_name(rows, gast.Store())], value=gast.Call(
                   func=self.builtin("list"), args=[rows_value], keywords=[]), type_comment=None)),
               at(gast.Expr(value=gast.Call(func=self.bind(check_unzip, "check_unzip"),
                                            args=[_name(rows), _constant(len(names))],
                                            keywords=[])))]
        for k, name in enumerate(names):
            column = gast.ListComp(
                elt=gast.Subscript(value=_name(row), slice=_constant(k), ctx=gast.Load()),
                generators=[gast.comprehension(target=_name(row, gast.Store()),
                                               iter=_name(rows), ifs=[], is_async=0)])
            out.append(at(gast.Assign(targets=[_name(name, gast.Store())], value=gast.Call(
                func=self.builtin("tuple"), args=[column], keywords=[]), type_comment=None)))
        return out


def _write(target, key, value):
    return gast.Assign(targets=[gast.Subscript(value=_name(target), slice=key, ctx=gast.Store())],
                       value=value, type_comment=None)


def _name(name, ctx=None):
    return gast.Name(id=name, ctx=ctx or gast.Load(), annotation=None, type_comment=None)


def _constant(value):
    return gast.Constant(value=value, kind=None)


class _Located:
    """Places every node of a new statement at ``stmt`` (the user's line stands for it)."""

    def __init__(self, stmt):
        self.stmt = stmt

    def __call__(self, node):
        for part in gast.walk(node):
            if isinstance(part, (gast.stmt, gast.expr)) and not hasattr(part, "lineno"):
                gast.copy_location(part, self.stmt)
                part.end_lineno = getattr(self.stmt, "end_lineno", part.lineno)
                part.end_col_offset = getattr(self.stmt, "end_col_offset", part.col_offset)
        return node
