"""The fusion of pass 11c (:mod:`srcad.passes.numba_ready`): a temporary read once written into
the statement that reads it, so that numba computes a whole line in one loop.

Accepts: one generated function (a gast tree, changed in place) and its comments.
Guarantees: see :mod:`srcad.passes.numba_ready` ("expressions fused"): the same operations on
the same values, in the same order, so the same numbers; never past a statement that rebinds a
name the expression reads or may write into an array.
"""

from __future__ import annotations

import copy

import gast

from .tidy import blocks

TAPE = "stack"  # (the tapes' names begin with it: see numba_ready's one tape per saved variable)


_ELEMENTWISE = frozenset({
    "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "arcsinh",
    "arccosh", "arctanh", "exp", "expm1", "exp2", "log", "log1p", "log2", "log10", "sqrt",
    "cbrt", "square", "abs", "absolute", "fabs", "negative", "sign", "reciprocal", "maximum",
    "minimum", "add", "subtract", "multiply", "divide", "true_divide", "power", "asin", "acos",
    "atan", "asinh", "acosh", "atanh", "hypot", "arctan2", "atan2", "floor", "ceil"})
_OPERATORS = (gast.Add, gast.Sub, gast.Mult, gast.Div, gast.Pow, gast.FloorDiv, gast.Mod)
_PURE_HELPERS = frozenset({"shape_only", "snapshot", "unbroadcast", "unsum", "unmean", "seed_scalar",
                           "zeros_like", "matmul_dx", "matmul_dy", "cast_like", "power_dx"})


def _fusable(expr) -> bool:
    """One operation on names and constants, without side effects."""
    if isinstance(expr, gast.BinOp):
        return isinstance(expr.op, _OPERATORS) and _atoms(expr.left, expr.right)
    if isinstance(expr, gast.UnaryOp):
        return isinstance(expr.op, (gast.USub, gast.UAdd)) and _atoms(expr.operand)
    if isinstance(expr, gast.Call) and _elementwise(expr.func) and not expr.keywords:
        return _atoms(*expr.args)
    return False


def _elementwise(func) -> bool:
    return isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name) \
        and func.value.id in ("np", "math") and func.attr in _ELEMENTWISE


def _atoms(*nodes) -> bool:
    return all(isinstance(n, (gast.Name, gast.Constant)) or (_fusable(n)) for n in nodes)


def fuse(function, comments: dict) -> None:
    loads, stores = _counts(function)
    params = {a.id for a in function.args.args + function.args.kwonlyargs
              + function.args.posonlyargs if isinstance(a, gast.Name)}
    changed = True
    while changed:
        changed = False
        for stmts in blocks(function):
            k = 0
            while k < len(stmts):
                if _fuse_one(stmts, k, loads, stores, params):
                    changed = True
                    _drop_dangling_line_comment(stmts, k, comments)
                    continue  # (the next statement is now at k)
                k += 1


def _fuse_one(stmts, k, loads, stores, params) -> bool:
    stmt = stmts[k]
    if not (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], gast.Name)
            and (_fusable(stmt.value) or isinstance(stmt.value, gast.Name))):
        return False
    name = stmt.targets[0].id
    if loads.get(name) != 1 or stores.get(name) != 1 or name in params:
        return False
    reads = {n.id for n in gast.walk(stmt.value) if isinstance(n, gast.Name)}
    for j in range(k + 1, len(stmts)):
        later = stmts[j]
        use = _the_use(later, name)
        if use is not None:
            if not isinstance(later, (gast.Assign, gast.AugAssign, gast.Expr)):
                return False  # (a return keeps its names: dh0, the gradient of h0)
            parent, field, index = use
            value = copy.deepcopy(stmt.value)
            if index is None:
                setattr(parent, field, value)
            else:
                getattr(parent, field)[index] = value
            del stmts[k]
            loads[name] = 0
            return True
        if any(isinstance(n, gast.Name) and n.id == name for n in gast.walk(later)):
            return False  # (read inside a compound statement, or assigned)
        changes = _may_change(later)
        if changes & reads or (MEMORY in changes and reads):
            return False
    return False


def _drop_dangling_line_comment(stmts, k, comments: dict) -> None:
    """Remove the ``# line N: ...`` comment before position ``k`` if the statement fused away
    was the last it headed (the next is another comment, or none)."""
    if k == 0 or not _is_line_comment(stmts[k - 1], comments):
        return
    if k == len(stmts) or _is_comment(stmts[k], comments):
        del stmts[k - 1]


def _is_comment(stmt, comments: dict) -> bool:
    return isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Name) \
        and stmt.value.id in comments


def _is_line_comment(stmt, comments: dict) -> bool:
    return _is_comment(stmt, comments) and comments[stmt.value.id].startswith("line ")


def _the_use(stmt, name):
    """``(parent, field, index)`` where ``stmt`` reads ``name`` outside any conditional
    evaluation (None: it does not, or only inside one)."""
    def visit(node, lazy):
        for field, value in gast.iter_fields(node):
            items = value if isinstance(value, list) else [value]
            for index, child in enumerate(items):
                if not isinstance(child, gast.AST):
                    continue
                if isinstance(child, gast.Name) and child.id == name \
                        and isinstance(child.ctx, gast.Load):
                    return None if lazy else (node, field, index if isinstance(value, list)
                                              else None)
                if isinstance(child, (gast.stmt,)) and child is not stmt:
                    continue
                found = visit(child, lazy or isinstance(child, (
                    gast.IfExp, gast.BoolOp, gast.Lambda, gast.ListComp, gast.SetComp,
                    gast.DictComp, gast.GeneratorExp)))
                if found is not None:
                    return found
        return None
    if isinstance(stmt, (gast.Assign, gast.AugAssign, gast.Expr, gast.Return)):
        return visit(stmt, False)
    return None


MEMORY = "<memory>"  # (in what _may_change returns: any array, through a view, may change)


def _may_change(stmt) -> set:
    """The names ``stmt`` assigns, writes into, or passes to a call that may change them; with
    :data:`MEMORY` where it writes into an array or may (a subscript or attribute written, an
    augmented assignment, a call that may change its arguments): another name may be a view of
    that array (``B_item = B[:, j]`` before ``B[:, j] = ...``), so any name read may change."""
    out = set()
    for node in gast.walk(stmt):
        if isinstance(node, (gast.Name,)) and isinstance(node.ctx, (gast.Store, gast.Del)):
            out.add(node.id)
        elif isinstance(node, (gast.Subscript, gast.Attribute)) and \
                isinstance(node.ctx, (gast.Store, gast.Del)):
            out |= {n.id for n in gast.walk(node.value) if isinstance(n, gast.Name)} | {MEMORY}
        elif isinstance(node, gast.AugAssign):
            out |= {n.id for n in gast.walk(node.target) if isinstance(n, gast.Name)} | {MEMORY}
        elif isinstance(node, gast.Call) and _tape_pop(node):
            out.add(node.func.value.id)  # (the tape changes; no array does)
        elif isinstance(node, gast.Call) and not _harmless(node):
            for arg in list(node.args) + [kw.value for kw in node.keywords] + [node.func]:
                out |= {n.id for n in gast.walk(arg) if isinstance(n, gast.Name)} | {MEMORY}
    return out


def _tape_pop(call) -> bool:
    func = call.func
    return isinstance(func, gast.Attribute) and func.attr == "pop" and not call.args \
        and isinstance(func.value, gast.Name) and func.value.id.startswith(TAPE)


def _harmless(call) -> bool:
    """A call that changes none of its arguments: a tape's ``append``, an elementwise function of
    ``np``/``math``, one of srcad's helpers that only read theirs."""
    func = call.func
    if isinstance(func, gast.Attribute) and func.attr == "append" \
            and isinstance(func.value, gast.Name) and func.value.id.startswith(TAPE):
        return True
    return _elementwise(func) or (isinstance(func, gast.Name) and func.id in _PURE_HELPERS)


def _counts(function):
    loads: dict = {}
    stores: dict = {}
    for node in gast.walk(function):
        if isinstance(node, gast.Name):
            table = loads if isinstance(node.ctx, gast.Load) else stores
            table[node.id] = table.get(node.id, 0) + 1
    return loads, stores
