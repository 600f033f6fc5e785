"""Instrumented copies for check_grads' fault localizer: a recording run, and one line on its own.

Accepts: a function prepared by :class:`srcad.tools.localize.Localizer` (its A-normal form, ops,
activity and helpers, from :func:`srcad.front.analyse`).
Guarantees: :func:`instrument` compiles a copy of the A-normal form that calls a hook with the
operands of each active statement before it runs (the hook is set per run through
:func:`hook_cell`); :func:`compile_check` compiles, for one statement, ``operation(names...)``
computing it and one ``vjp_k(names..., ans, g)`` per active operand giving its rule's gradient. Both
are emitted and loaded by the pipeline's own emit and load passes.
"""

from __future__ import annotations

import copy
import types

import gast

from ..passes.emit import emit
from ..passes.load import Entry, load, unique_name
from ..passes.ops import OpKind
from ..rules.template import instantiate


def instrument(prep, defaults):
    """The A-normal form with a call to the recording hook after each active statement."""
    hook = "__srcad_record__"
    normalized, ops, activity = prep.normalized, prep.ops, prep.activity

    def instrument_block(stmts):
        out = []
        for stmt in stmts:
            if isinstance(stmt, (gast.If, gast.For, gast.While, gast.With, gast.Try)):
                stmt.body = instrument_block(stmt.body)
                if not isinstance(stmt, gast.With):
                    stmt.orelse = instrument_block(stmt.orelse)
                out.append(stmt)
                continue
            op = ops.get(stmt)
            if op is None or not op.targets or op.kind not in (OpKind.RULE, OpKind.CALL) \
                    or not any(activity.is_active(n) for _, n in op.diff_operands()):
                out.append(stmt)
                continue
            k = len(prep.index)
            prep.index[k] = stmt
            # the operands, recorded *before* the statement runs (``y = np.tanh(y)`` overwrites
            # one); the checks recompute the result
            names = {n.id for n in gast.walk(stmt.value) if isinstance(n, gast.Name)
                     and n.id in normalized.locals}
            if op.kind is OpKind.CALL:  # every argument, to call the callee with
                names |= {n.id for a in list(op.args.values()) + list(op.node.args) +
                          [kw.value for kw in op.node.keywords]
                          for n in gast.walk(a) if isinstance(n, gast.Name)}
            names = sorted(names)
            prep.names[stmt] = names
            env = gast.Dict(keys=[gast.Constant(value=n, kind=None) for n in names],
                            values=[gast.Name(id=n, ctx=gast.Load(), annotation=None,
                                              type_comment=None) for n in names])
            out.append(gast.Expr(value=gast.Call(
                func=gast.Name(id=hook, ctx=gast.Load(), annotation=None, type_comment=None),
                args=[gast.Constant(value=k, kind=None), env], keywords=[])))
            out.append(stmt)
        return out

    tree = copy.copy(normalized.tree)  # its statements are instrumented in place
    tree.body = instrument_block(list(normalized.tree.body))
    tree.name = "recorded"
    text = emit([(tree, {})], "srcad: check_grads recording run")
    bound = dict(prep.helpers.bound)
    bound[hook] = None  # set for each run (see record)
    filename = f"<srcad check_grads of {prep.parsed.fn.__qualname__} at " \
               f"{prep.parsed.filename}:{prep.parsed.tree.lineno}>"
    entry = Entry("recorded", prep.user_fn, bound, defaults=defaults)
    recorded = load(text, unique_name(filename, text), [entry])["recorded"]
    return recorded


def compile_check(prep, stmt, op):
    """``operation(names...)`` computing the statement, and one ``vjp_k(names..., ans, g)``
    per active operand giving its rule's gradient."""
    helpers = prep.helpers
    names = prep.names[stmt]

    def name_node(n, ctx=None):
        return gast.Name(id=n, ctx=ctx or gast.Load(), annotation=None, type_comment=None)

    def function(fname, params, value):
        return gast.FunctionDef(
            name=fname, args=gast.arguments(
                args=[name_node(n, gast.Param()) for n in params], posonlyargs=[],
                vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]),
            body=[gast.Return(value=value)], decorator_list=[], returns=None,
            type_comment=None, type_params=[])

    results = []
    for param, name in op.diff_operands():
        if not prep.activity.is_active(name):
            continue
        bindings = dict(op.args)
        bindings["g"] = name_node("g__")
        bindings["ans"] = name_node("ans__")
        if op.rule.custom is not None:  # the user's VJP: call it as the generated code would
            if param.index is not None:
                position = len(op.rule.params) + param.index
            elif param.param in op.rule.params:
                position = op.rule.params.index(param.param)
            else:
                continue  # (not a positional parameter of the rule: its VJP gives it no gradient)
            if position >= len(op.node.args):
                continue  # passed by keyword: the VJP gives gradients of positional ones
            call = gast.Call(
                func=name_node(helpers.name("call_vjp")),
                args=[name_node(helpers.value(op.rule.custom, "vjp")),
                      bindings["g"], bindings["ans"],
                      gast.Tuple(elts=list(op.node.args), ctx=gast.Load()),
                      gast.Dict(keys=[gast.Constant(value=kw.arg, kind=None)
                                      for kw in op.node.keywords],
                                values=[kw.value for kw in op.node.keywords])], keywords=[])
            expr = gast.Subscript(value=call, slice=gast.Constant(value=position, kind=None),
                                  ctx=gast.Load())
        elif param.index is not None:
            expr = instantiate(op.rule.vjps[param.param], {**bindings, "k": gast.Constant(
                value=param.index, kind=None)}, helpers)
        else:
            expr = instantiate(op.rule.vjps[param.param], bindings, helpers)
        if expr is not None:
            results.append((param, name, expr))
    defs = [function("operation", names, op.node)] + [
        function(f"vjp_{k}", names + ["ans__", "g__"], expr)
        for k, (_, _, expr) in enumerate(results)]
    source = emit([(d, {}) for d in defs], "srcad: check_grads, one line")
    origin = prep.normalized.origin[stmt]
    entries = [Entry(d.name, prep.user_fn, helpers.bound, defaults=False) for d in defs]
    functions = load(source, unique_name(f"<srcad check of {prep.parsed.filename}:{origin.lineno}>",
                                         source), entries)
    vjps = [(param, name, functions[f"vjp_{k}"])
            for k, (param, name, _) in enumerate(results)]
    return functions["operation"], vjps, names



def hook_cell(fn):
    """The closure cell a recording function (made by :func:`instrument`) reads its hook from."""
    if "__srcad_record__" not in fn.__code__.co_freevars:
        return types.CellType()  # (nothing recorded: a function with no line to check)
    return fn.__closure__[fn.__code__.co_freevars.index("__srcad_record__")]
