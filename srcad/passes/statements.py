"""The statements real code has around its maths: ``raise``, ``with`` and ``try`` (no pass of its own).

Accepts: statements of a user's function (or of code srcad generated, differentiated again).
Guarantees: what srcad accepts of these statements, decided once for every pass:

* ``raise E(...)`` (and ``raise E from e``; a bare ``raise`` only in an ``except`` handler) runs as
  written: the primal sweep (reverse mode) and forward mode raise the user's exception exactly
  where the function would, and there is nothing to differentiate. Its expressions may not call
  anything that changes a value in place or reads variables it is not passed (as in ``assert``).
* ``with`` over context managers that change neither values nor control flow (:data:`CONTEXTS`:
  ``np.errstate``, ``warnings.catch_warnings``, ``np.printoptions``, ``contextlib.nullcontext``),
  called with arguments that mention no local variable, and without ``as``: its body is
  differentiated as if it stood alone, and every sweep that runs the body's statements (the primal
  sweep, the backward sweep, forward mode) runs them inside the same ``with``, the context manager
  made afresh (so the backward sweep of code under ``np.errstate(divide='ignore')`` is quiet too,
  and ``np.errstate(all='raise')`` raises where the function would). In the backward sweep of a
  ``warnings.catch_warnings()`` body, the calls of ``warnings.simplefilter`` and
  ``warnings.filterwarnings`` at the top of the body are made again. ``contextlib.suppress``
  (it swallows exceptions: the values after it would depend on how far its body got), any other
  context manager (srcad cannot tell what it does on entry and exit) and ``with ... as name`` are
  refused at the ``with``.
* ``try`` whose every ``except`` handler ends by raising (a ``raise`` as its last statement; before
  it only ``print(...)``, ``warnings.warn(...)``, ``assert`` and ``pass``), with or without
  ``else``. If the function returns at all, its ``try`` bodies ran to their end: their values are
  differentiated as straight-line code; the primal sweep and forward mode run the body under the
  same handlers, so the user's exception is raised where the function raises it, and the backward
  sweep runs the reversed body as it is (not under the handlers: they are about the function's own
  errors). ``else:`` runs after the body (a handler cannot fall through into it). Refused, with
  the reason: a handler that does not raise (the values after the ``try`` would depend on how far
  the body got before the exception: test for the bad case with ``if`` instead), and ``finally``.
* ``global`` names only read (the function's globals are read as they are when it runs); one
  assigned is refused (the function would change its module);
* ``del name`` of a local not read after it (lexically), outside loops: it only frees memory, and
  srcad drops it; ``del`` of an item or attribute (a change in place), in a loop, or of a name
  read after it, is refused;
* an expression statement may call ``warnings.warn``, ``warnings.simplefilter``,
  ``warnings.filterwarnings`` or ``warnings.resetwarnings`` (:data:`WARNING_CALLS`): they change
  what is shown, never a value.

The fence (:mod:`srcad.passes.fence`) calls :func:`check_with`, :func:`check_try`,
:func:`check_global`, :func:`check_delete` and :func:`check_shared_state` (a write into
what outlives the call: a global or enclosing array, a local holding one, a default value);
:mod:`srcad.passes.desugar` drops ``global`` and ``del``; the passes after it read ``with`` and
``try`` as blocks whose body always runs to its end (:data:`BLOCKS`), and rebuild them around new
bodies with :func:`rewrap` and :func:`backward`.
"""

from __future__ import annotations

import contextlib
import copy
import warnings

import gast
import numpy as np

from ..errors import SrcadError, UndefinedNameError
from .parse import dotted_name, own_nodes, parameter_names, resolve_dotted

# Context managers that change neither values nor control flow (only warnings and printing).
CONTEXTS = {np.errstate: "np.errstate", warnings.catch_warnings: "warnings.catch_warnings",
            np.printoptions: "np.printoptions", contextlib.nullcontext: "contextlib.nullcontext"}
# Calls that change only which warnings are shown (allowed as statements).
WARNING_CALLS = frozenset({warnings.warn, warnings.simplefilter, warnings.filterwarnings,
                           warnings.resetwarnings})
SEED_CALLS = frozenset({np.random.seed})
# What the backward sweep of a 'warnings.catch_warnings()' body makes again.
_FILTERS = frozenset({warnings.simplefilter, warnings.filterwarnings})
_REFUSED = {
    contextlib.suppress: "contextlib.suppress swallows exceptions: the values after its body "
                         "would depend on how far the body got",
    contextlib.ExitStack: "srcad cannot tell what an ExitStack's callbacks do",
}
_HANDLER_STATEMENTS = (gast.Expr, gast.Raise, gast.Assert, gast.Pass)
# The statements that hold a block which always runs to its end if the function returns.
BLOCKS = (gast.With, gast.Try)


def rewrap(stmt, body, ctx=None):
    """``stmt`` (a ``with`` or ``try`` of the forms above) around ``body`` instead of its own: the
    same context managers (made afresh), or the same handlers (``else`` and ``finally`` gone).
    ``ctx`` (the :class:`srcad.passes.codegen.Context` of generated code): a ``try`` with a handler
    that would catch srcad's own run-time errors (a bare ``except``, ``except Exception``) gets a
    first handler ``except SrcadError: raise``, so that those reach the caller as they are."""
    body = body or [gast.Pass()]
    if isinstance(stmt, gast.With):
        new = gast.With(items=copy.deepcopy(stmt.items), body=body, type_comment=None)
    else:
        handlers = copy.deepcopy(stmt.handlers)
        if ctx is not None and _catches_srcad_errors(handlers, ctx.parsed.namespace):
            name = ctx.helpers.value(SrcadError, "SrcadError")
            handlers.insert(0, gast.ExceptHandler(type=gast.Name(
                id=name, ctx=gast.Load(), annotation=None, type_comment=None), name=None,
                body=[gast.Raise(exc=None, cause=None)]))
        new = gast.Try(body=body, handlers=handlers, orelse=[], finalbody=[])
    return gast.copy_location(new, stmt) if hasattr(stmt, "lineno") else new


def _catches_srcad_errors(handlers, namespace) -> bool:
    """Would one of ``handlers`` catch a :class:`~srcad.errors.SrcadError` (before any handler
    for exactly that class, which code srcad generated has)?"""
    for handler in handlers:
        if handler.type is None:
            return True
        types = handler.type.elts if isinstance(handler.type, gast.Tuple) else [handler.type]
        for node in types:
            obj = _lookup(node, namespace)
            if obj is SrcadError:
                return False
            if isinstance(obj, type) and issubclass(SrcadError, obj):
                return True
    return False


def backward(stmt, body, namespace) -> list:
    """The backward sweep ``body`` of the block ``stmt``: for a ``with``, inside the same context
    managers (with the warning filters set at the top of a ``warnings.catch_warnings()`` body made
    again); for a ``try``, as it is. ``namespace``: the function's, to recognise the filters."""
    if isinstance(stmt, gast.Try):
        return body
    filters = []
    for first in stmt.body:
        if not _is_call_of(first, _FILTERS, namespace):
            break
        filters.append(copy.deepcopy(first))
    return [rewrap(stmt, filters + body)]


def is_warning_call(value, namespace, local_names, functions=WARNING_CALLS) -> bool:
    """``warnings.warn(...)``, ``warnings.simplefilter(...)``, ... (see :data:`WARNING_CALLS`) of
    a module that is no local variable (or a call of one of ``functions`` so)."""
    return isinstance(value, gast.Call) and dotted_name(value.func) is not None \
        and dotted_name(value.func).split(".")[0] not in local_names \
        and _resolves(value.func, functions, namespace)


def is_seed_call(value, namespace, local_names) -> bool:
    """``np.random.seed(...)``: it reseeds NumPy's global generator, which the function's draws
    read after it; it runs where it is written, once, in the forward sweep (no value of the
    function flows into it, and no gradient flows through the generator's state)."""
    return is_warning_call(value, namespace, local_names, SEED_CALLS)


def _is_call_of(stmt, functions, namespace) -> bool:
    return isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Call) \
        and _resolves(stmt.value.func, functions, namespace)


def _resolves(func, functions, namespace) -> bool:
    """Does the dotted name ``func`` denote one of ``functions`` in ``namespace``?"""
    obj = _lookup(func, namespace)
    try:
        return obj is not None and obj in functions
    except TypeError:  # unhashable
        return False


def _lookup(node, namespace):
    """The object the dotted name ``node`` denotes in ``namespace`` (None if it is none)."""
    name = dotted_name(node)
    if name is None:
        return None
    obj = namespace.lookup(name.split(".")[0], None)
    for attr in name.split(".")[1:]:
        obj = getattr(obj, attr, None)
    return obj


def check_with(fence, stmt) -> None:
    """Refuse a ``with`` outside the forms of the module docstring (``fence``: the
    :class:`srcad.passes.fence._Fence` checking the function); check its body."""
    for item in stmt.items:
        expr = item.context_expr
        fence.check_node(expr)
        what = _context_manager(fence, expr)
        if what is not None:
            fence.fail(expr, what)
        if item.optional_vars is not None:
            fence.fail(item.optional_vars, "'with ... as name' is not supported: srcad runs the "
                                           "context manager again for the backward sweep, and what "
                                           "it gives is not part of the differentiated program; "
                                           "drop 'as name'")
    for child in stmt.body:
        fence.check_statement(child)


def _context_manager(fence, expr) -> str | None:
    """Why the context expression ``expr`` is refused, or None."""
    supported = ", ".join(CONTEXTS.values())
    hint = (f"only context managers that change neither values nor control flow are supported "
            f"in a differentiated function ({supported}); call the function inside the 'with' "
            "instead")
    if not isinstance(expr, gast.Call) or dotted_name(expr.func) is None \
            or dotted_name(expr.func).split(".")[0] in fence.local_names:
        return f"this 'with' cannot be differentiated: {hint}"
    try:
        obj = resolve_dotted(expr.func, fence.parsed.namespace, fence.parsed.filename)
    except UndefinedNameError:
        return None  # reported by check_names, with its location
    refused = _REFUSED.get(obj) if isinstance(obj, type) else None
    if refused is not None:
        return f"'with {dotted_name(expr.func)}(...)' cannot be differentiated: {refused}"
    try:
        known = obj in CONTEXTS
    except TypeError:
        known = False
    if not known:
        return (f"'with {dotted_name(expr.func)}(...)' cannot be differentiated: srcad cannot tell "
                f"what it does on entry and exit; {hint}")
    arguments = list(expr.args) + [k.value for k in expr.keywords]
    for argument in arguments:
        for node in gast.walk(argument):
            if isinstance(node, gast.Name) and node.id in fence.local_names:
                return ("the arguments of a context manager may not mention local variables "
                        f"('{node.id}'): srcad makes it again for the backward sweep")
            if isinstance(node, (gast.Call, gast.Starred)) or (isinstance(node, gast.keyword)
                                                               and node.arg is None):
                return ("the arguments of a context manager must be constants or global names: "
                        "srcad makes it again for the backward sweep")
    if any(k.arg is None for k in expr.keywords):
        return ("the arguments of a context manager must be constants or global names: srcad "
                "makes it again for the backward sweep")
    return None


def check_try(fence, stmt) -> None:
    """Refuse a ``try`` outside the forms of the module docstring; check its blocks."""
    if stmt.finalbody:
        fence.fail(stmt.finalbody[0], "'finally' is not supported in a differentiated function: "
                                      "its block runs whether or not the body got to its end")
    for handler in stmt.handlers:
        if handler.type is not None:
            fence.check_node(handler.type)
            for node in gast.walk(handler.type):
                if isinstance(node, gast.Name) and node.id in fence.local_names:
                    fence.fail(node, "the exception type of an 'except' must be a global name")
        _check_handler(fence, handler)
    for child in stmt.body + stmt.orelse:
        fence.check_statement(child)


def _check_handler(fence, handler) -> None:
    refusal = ("an 'except' handler that lets the function go on cannot be differentiated: the "
               "values after the 'try' would depend on how far its body got; test for the bad "
               "case with 'if' before the operation, or end the handler with 'raise'")
    if not isinstance(handler.body[-1], gast.Raise):
        fence.fail(handler, refusal)
    for child in handler.body:
        if not isinstance(child, _HANDLER_STATEMENTS):
            fence.fail(child, "an 'except' handler may only report (print(...), "
                              "warnings.warn(...), assert) and raise")
    fence.handlers += 1
    try:
        for child in handler.body:
            fence.check_statement(child)
    finally:
        fence.handlers -= 1


def check_global(fence, stmt) -> None:
    """Refuse a ``global`` declaration of a name the function assigns."""
    stored = {n.id for n in own_nodes(fence.tree) if isinstance(n, gast.Name)
              and isinstance(n.ctx, (gast.Store, gast.Del))}
    for name in stmt.names:
        if name in stored:
            fence.fail(stmt, f"'global {name}': the function assigns the global '{name}', which "
                             "changes its module; srcad cannot differentiate through that "
                             "(return the value instead)")


def check_delete(fence, stmt) -> None:
    """Refuse a ``del`` other than of local names not read after it, outside loops."""
    if fence.loops:
        fence.fail(stmt, "'del' inside a loop is not supported (the next iteration may read the "
                         "name); drop it")
    for target in stmt.targets:
        if not isinstance(target, gast.Name):
            fence.fail(target, "'del' of an item or attribute changes a value in place, which "
                               "srcad cannot differentiate")
        nested = {id(n) for d in own_nodes(fence.tree) if isinstance(d, gast.FunctionDef)
                  for n in gast.walk(d)}  # (a nested def may read it whenever it is called)
        after = [n for n in gast.walk(fence.tree) if isinstance(n, gast.Name)
                 and n.id == target.id and isinstance(n.ctx, gast.Load)
                 and (id(n) in nested or (n.lineno, n.col_offset) > (stmt.lineno,
                                                                     stmt.col_offset))]
        if after:
            fence.fail(after[0], f"'{target.id}' is read after 'del {target.id}' (line "
                                 f"{stmt.lineno}); srcad drops a 'del' only where nothing reads "
                                 "the name again")


def check_shared_state(fence, name):
    """A write into ``name[...]`` (or ``name += ...``) may not change what outlives the call: a
    global or enclosing variable, what a local took from one (``y = G``), a default value."""
    where = None
    if name.id not in fence.local_names:
        where = f"'{name.id}' is not a local variable of the function"
    elif fence.tree is fence.parsed.tree:
        fn = fence.parsed.fn
        params = parameter_names(fence.tree.args)
        defaults = dict(zip(params[len(params) - len(fn.__defaults__ or ()):],
                            fn.__defaults__ or ()))
        defaults.update(fn.__kwdefaults__ or {})
        if isinstance(defaults.get(name.id), (np.ndarray, list, dict)):
            where = f"the parameter '{name.id}' has an array, list or dict as its default"
        for node in own_nodes(fence.tree):
            if isinstance(node, gast.Assign) and any(
                    isinstance(t, gast.Name) and t.id == name.id for t in node.targets) \
                    and dotted_name(node.value) is not None \
                    and dotted_name(node.value).split(".")[0] not in fence.local_names:
                try:
                    held = resolve_dotted(node.value, fence.parsed.namespace,
                                          fence.parsed.filename)
                except UndefinedNameError:
                    continue
                if isinstance(held, (np.ndarray, list, dict)):
                    where = (f"'{name.id}' holds '{dotted_name(node.value)}' (line "
                             f"{node.lineno}), which is not a local variable")
    if where is not None:
        fence.fail(name, f"this changes '{name.id}' in place, and {where}: srcad differentiates "
                        "functions that change no state outliving the call (a second call "
                        f"would see the change). Work on a copy ('{name.id} = "
                        f"{name.id}.copy()' first)")
