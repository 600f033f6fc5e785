"""Pass 5, reverse: A-normal form -> the adjoint function (primal sweep, then adjoints in reverse).

Accepts: a :class:`srcad.normalize.Normalized` function, the :class:`srcad.ops.Op` of each statement,
its :class:`srcad.activity.Activity`, and the parameters to differentiate.
Guarantees: returns a :class:`Generated` function ``grad_f(<f's parameters>)`` that returns
``(value, gradients)``, whose body is

1. the primal sweep: ``f``'s statements in order; before a statement overwrites a variable whose old
   value the reverse sweep reads, that value is saved (``a_old = a``) -- only then;
2. the seed ``dout = seed_scalar(out)`` (d out / d out = 1);
3. the reverse sweep: for each statement assigning an active variable, from last to first, one
   assignment per operand that needs a gradient, instantiated from the rule table. The first
   contribution to an adjoint assigns it, later ones add to it (gradients from several paths are
   summed); an adjoint is computed once per variable (no re-expansion). After a statement's adjoint,
   a saved value is restored, so each adjoint sees the values its statement saw.
4. ``return out, dx`` (or a tuple of gradients); a parameter no gradient reached gets zeros.

Comments quoting the user's line and its number precede each group of statements in both sweeps;
they are kept in the side table ``Generated.comments`` and written out by :mod:`srcad.emit`.
"""

from __future__ import annotations

import dataclasses

import gast

from .normalize import load, store
from .template import instantiate


@dataclasses.dataclass
class Generated:
    tree: gast.FunctionDef
    comments: dict  # marker name -> comment text


def reverse(parsed, normalized, ops, activity, wrt, namer, helpers, argnums_is_tuple) -> Generated:
    """Build the adjoint function (see the module docstring)."""
    return _Reverse(parsed, normalized, ops, activity, namer, helpers).run(wrt, argnums_is_tuple)


def _assign(name: str, value):
    return gast.Assign(targets=[store(name)], value=value, type_comment=None)


def _loads(nodes) -> set:
    return {n.id for stmt in nodes for n in gast.walk(stmt)
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)}


class _Reverse:
    def __init__(self, parsed, normalized, ops, activity, namer, helpers):
        self.parsed = parsed
        self.normalized = normalized
        self.ops = ops
        self.activity = activity
        self.namer = namer
        self.helpers = helpers
        self.comments: dict[str, str] = {}

    def comment(self, text: str):
        marker = f"__srcad_comment_{len(self.comments)}__"
        self.comments[marker] = text
        return gast.Expr(value=load(marker))

    def line_comment(self, index: int):
        user = self.normalized.origin[self.normalized.tree.body[index]]
        return self.comment(f"line {user.lineno}: {self.parsed.statement_text(user)}")

    def run(self, wrt, argnums_is_tuple) -> Generated:
        body = self.normalized.tree.body
        out = body[-1].value.id
        stmts = body[:-1]
        params = [a.id for a in self.normalized.tree.args.args]

        # The values a statement overwrites while its own adjoint reads them (a = a * 3) are read
        # under a saved name; decided before the adjoint is generated.
        defined_before = set(params)
        self_saves = {}
        for i, stmt in enumerate(stmts):
            op = self.ops[i]
            operand_names = {name for _, name in op.diff_operands()}
            for t in op.targets:
                if t in defined_before and t in operand_names and self.activity.is_active(t):
                    self_saves[(i, t)] = self.namer.fresh(f"{t}_old")
            defined_before.update(op.targets)

        # Reverse sweep, last statement first; ``defined`` tracks which adjoints hold a value.
        defined = {}
        seed = _assign(self.namer.adjoint(out), gast.Call(
            func=load(self.helpers.name("seed_scalar")), args=[load(out)], keywords=[]))
        if self.activity.is_active(out):
            defined[out] = True
        blocks = {}
        for i in reversed(range(len(stmts))):
            blocks[i] = self.adjoint(i, self.ops[i], defined, self_saves)

        finals = []
        for p in wrt:
            if p in defined:
                finals.append(load(self.namer.adjoint(p)))
            else:
                finals.append(gast.Call(func=load(self.helpers.name("zeros_like")), args=[load(p)],
                                        keywords=[]))
        grads = gast.Tuple(elts=finals, ctx=gast.Load()) if argnums_is_tuple else finals[0]
        grads_read = _loads([grads])
        # Which saved values must be stored and restored.
        reads = {i: _loads(blocks[i]) for i in blocks}
        read_before = {}  # i -> names read by the adjoints of statements 0..i-1 and by the return
        acc = set(grads_read)
        for i in range(len(stmts)):
            read_before[i] = set(acc)
            acc |= reads[i]
        saves, restores = {}, {}
        defined_before = set(params)
        for i, stmt in enumerate(stmts):
            for t in self.ops[i].targets:
                if t not in defined_before:
                    continue
                saved = self_saves.get((i, t))
                needed_by_self = saved is not None and saved in reads[i]
                needed_before = t in read_before[i]
                if needed_by_self or needed_before:
                    if saved is None:
                        saved = self.namer.fresh(f"{t}_old")
                    saves.setdefault(i, []).append(_assign(saved, load(t)))
                    if needed_before:
                        restores.setdefault(i, []).append(_assign(t, load(saved)))
            defined_before.update(self.ops[i].targets)

        new_body = [self.comment("forward: the function, one operation per line")]
        last_origin = None
        for i, stmt in enumerate(stmts):
            origin = self.normalized.origin[stmt]
            if origin is not last_origin:
                new_body.append(self.line_comment(i))
                last_origin = origin
            if i in saves:
                names = ", ".join(s.value.id for s in saves[i])
                new_body.append(self.comment(f"save the value overwritten here ({names}): "
                                             "the backward pass reads it"))
                new_body.extend(saves[i])
            new_body.append(stmt)
        value = out
        if any(r.targets[0].id == out for rs in restores.values() for r in rs):
            value = self.namer.fresh(f"{out}_value")
            new_body.append(self.comment(f"keep the value returned: the backward pass restores {out}"))
            new_body.append(_assign(value, load(out)))
        new_body.append(self.comment(f"backward: d<name> is the gradient of {out} with respect to "
                                     "<name>"))
        new_body.append(seed)
        last_origin = None
        for i in reversed(range(len(stmts))):
            block = blocks[i] + restores.get(i, [])
            if not block:
                continue
            origin = self.normalized.origin[stmts[i]]
            if origin is not last_origin:
                new_body.append(self.line_comment(i))
                last_origin = origin
            new_body.extend(block)
        new_body.append(gast.Return(value=gast.Tuple(elts=[load(value), grads], ctx=gast.Load())))

        tree = self.normalized.tree
        fn = gast.FunctionDef(name=self.namer.fresh(f"grad_{tree.name}"), args=tree.args,
                              body=new_body, decorator_list=[], returns=None, type_comment=None,
                              type_params=[])
        return Generated(fn, self.comments)

    # -- the adjoint of one statement --------------------------------------------------------------

    def adjoint(self, i, op, defined, self_saves) -> list:
        if op.kind == "effect":
            return []
        active = self.activity
        live = [t for t in op.targets if t in defined]
        for t in op.targets:  # the variables assigned here held other values before this statement
            defined.pop(t, None)
        if not live:
            return []
        location = self.parsed.location(op.node)
        if op.kind == "unknown":
            if any(active.is_active(name) for _, name in op.diff_operands()):
                raise op.error(location)
            return []
        contributions: dict[str, list] = {}
        if op.kind == "unpack":
            x = op.args["x"]
            parts = [load(self.namer.adjoint(t)) if t in live else gast.Constant(value=None, kind=None)
                     for t in op.targets]
            source = load(self_saves.get((i, x.id), x.id))
            expr = gast.Call(func=load(self.helpers.name("unpack_adjoint")),
                             args=[gast.Tuple(elts=parts, ctx=gast.Load()), source], keywords=[])
            if active.is_active(x.id):
                contributions[x.id] = [expr]
        else:
            target = op.targets[0]
            bindings = dict(op.args)
            for param, name in op.diff_operands():
                if (i, name) in self_saves:
                    bindings[param] = load(self_saves[(i, name)])
            bindings["g"] = load(self.namer.adjoint(target))
            bindings["ans"] = load(target)
            for param, name in op.diff_operands():
                if not active.is_active(name):
                    continue
                expr = instantiate(op.rule.vjps[param], bindings, self.helpers)
                expr = self.drop_unbroadcast(expr, op, param)
                contributions.setdefault(name, []).append(expr)
        # The statement's own target last: its adjoint is the ``g`` every other template reads.
        order = sorted(contributions, key=lambda name: name in op.targets)
        block = []
        for name in order:
            total = contributions[name][0]
            for extra in contributions[name][1:]:
                total = gast.BinOp(left=total, op=gast.Add(), right=extra)
            adj = self.namer.adjoint(name)
            if name in defined:
                total = gast.BinOp(left=load(adj), op=gast.Add(), right=total)
            block.append(_assign(adj, total))
            defined[name] = True
        return block

    def drop_unbroadcast(self, expr, op, param):
        """``unbroadcast(e, x)`` is ``e`` when every other operand is a scalar constant."""
        if not (isinstance(expr, gast.Call) and isinstance(expr.func, gast.Name)
                and expr.func.id == self.helpers.name("unbroadcast")):
            return expr
        others = [v for p, v in op.args.items() if p != param]
        if all(isinstance(v, gast.Constant) and isinstance(v.value, (int, float))
               and not isinstance(v.value, bool) for v in others):
            return expr.args[0]
        return expr
