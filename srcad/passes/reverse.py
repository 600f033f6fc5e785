"""Pass 6, reverse: A-normal form -> the adjoint function (primal sweep, then adjoints in reverse).

Accepts: a :class:`srcad.normalize.Normalized` function (after :mod:`srcad.lower`), the
:class:`srcad.ops.Op` of each of its simple statements, its :class:`srcad.activity.Activity`, and the
parameters to differentiate.
Guarantees: returns a :class:`Generated` function ``grad_f(<f's parameters>)`` that returns
``(value, gradients)``, whose body is

1. the primal sweep: ``f``'s statements in order. Before a statement overwrites a variable whose old
   value the reverse sweep reads, that value is saved -- only then: in a local (``a_old = a``) outside
   loops, on a stack (``stack.append(a)``) inside them; a subscript write saves only the part it
   overwrites. A loop's trip count and a branch's decision are ordinary variables, saved the same way
   when a loop overwrites them. A loop's variable is pushed once per iteration if the reverse sweep
   reads it.
2. the seed ``dout = seed_scalar(out)`` (d out / d out = 1);
3. the reverse sweep: the statements from last to first; each statement assigning an active variable
   gets one assignment per operand that needs a gradient, instantiated from the rule table. The first
   contribution to an adjoint assigns it, later ones add to it (gradients arriving by several paths
   are summed). ``if c:`` becomes ``if c:`` over the reversed branches; a loop becomes
   ``for _ in range(<trip count>):`` over its reversed body. Where control flow joins, an adjoint that
   only one path assigned is zero on the other (``dx = zeros_like(x)``). After a statement's adjoint,
   the values it overwrote are restored, so each adjoint sees the values its statement saw.
4. ``return value, dx`` (or a tuple of gradients); a parameter no gradient reached gets zeros.

Comments quoting the user's line and its number precede each group of statements in both sweeps; they
live in the side table ``Generated.comments`` and are written out by :mod:`srcad.emit`.
"""

from __future__ import annotations

import dataclasses

import gast

from . import alias

from . import inplace

from . import shapes
from ..errors import NoGradientRuleError, UnsupportedSyntaxError
from .syntax import assign as _assign, assigned as _assigned, call as _call, function as _function, is_simple as _is_simple, load, loads as _loads, renamed as _renamed, store
from .parse import NestedFunction, parameter_names
from ..rules.template import instantiate


@dataclasses.dataclass
class Generated:
    functions: list  # gast.FunctionDef
    comments: dict   # marker name -> comment text


@dataclasses.dataclass(eq=False)
class _Site:
    """A place where the primal sweep overwrites ``var`` (the whole of it, or ``var[index]``)."""

    var: str
    in_loop: bool
    predeclare: bool
    index: object = None      # for x[index] = ...: only that part is saved
    header: bool = False      # the variable of a for loop, assigned by the loop itself
    saved: str | None = None  # the name the old value is read under (allocated when first needed)


@dataclasses.dataclass(eq=False)
class _Marker:
    """A statement decided once we know what the reverse sweep reads: 'save', 'pre', 'post',
    'push' (loop variable, end of a primal iteration) or 'pop' (start of a reverse iteration)."""

    kind: str
    sites: list


@dataclasses.dataclass(frozen=True)
class Options:
    """How to generate. ``optimize``: simplify templates and drop ``unbroadcast`` where an operand
    is a scalar constant (off shows the raw templates, and turns off the passes below);
    ``shapes``: drop ``unbroadcast`` where :mod:`srcad.shapes` proves the shapes equal (and with it
    the saves that only fed it); ``in_place``: accumulate array gradients into their buffer
    (:mod:`srcad.inplace`); ``debug_nans``: check every adjoint for NaN and inf as it is computed,
    naming the user's line."""

    optimize: bool = True
    debug_nans: bool = False
    shapes: bool = True
    in_place: bool = True


def reverse(parsed, normalized, ops, activity, wrt, namer, helpers, callees, *, name=None,
            argnums_is_tuple=False, split=None, options=Options()) -> Generated:
    """Build the adjoint function (see the module docstring); ``split=(forward, backward)`` names
    builds the forward/backward pair used for calls instead. ``callees(fn, wrt, location)``
    gives the names of the pair for a called user function."""
    builder = _Reverse(parsed, normalized, ops, activity, namer, helpers, callees, options)
    if split is not None:
        return builder.run_split(wrt, *split)
    return builder.run(wrt, argnums_is_tuple, name)


class _Reverse:
    def __init__(self, parsed, normalized, ops, activity, namer, helpers, callees, options):
        self.parsed = parsed
        self.options = options
        self.guards = alias.guards(normalized, ops)  # writes into arrays other names may share
        self.shapes = shapes.analyze(normalized, ops)  # variables certainly of one shape
        self.callees = callees
        self.rewrites: dict = {}   # a call statement -> its primal form (calls the forward function)
        self.normalized = normalized
        self.ops = ops
        self.activity = activity
        self.namer = namer
        self.helpers = helpers
        self.comments: dict[str, str] = {}
        self.line_comments: set = set()  # the markers of '# line N: ...' comments
        self.sites: dict = {}      # simple statement or loop -> [_Site]
        self.statement_sites: dict = {}  # id(site) -> the sites of its statement
        self.stack: str | None = None
        self.reads: set = set()
        self.restored: set = set()      # variables the backward pass restores
        self.reverse_loops: set = set()  # the loops of the backward pass (dropped if empty)

    # -- comments ----------------------------------------------------------------------------------

    def comment(self, text: str, line: bool = False):
        marker = f"__srcad_comment_{len(self.comments)}__"
        self.comments[marker] = text
        if line:
            self.line_comments.add(marker)
        return gast.Expr(value=load(marker))

    def with_comments(self, pairs, parent=None) -> list:
        """``pairs`` of (normalized statement, generated statements) -> one list, with a comment
        quoting the user's line wherever the line changes (``parent``: the enclosing if/loop)."""
        parent_origin = self.normalized.origin.get(parent)
        out, last = [], parent_origin.lineno if parent_origin is not None else None
        for stmt, generated in pairs:
            if not generated:
                continue
            origin = self.normalized.origin.get(stmt)
            if origin is not None and origin.lineno != last:
                out.append(self.comment(f"line {origin.lineno}: "
                                        f"{self.parsed.statement_text(origin)}", line=True))
                last = origin.lineno
            out.extend(generated)
        return out

    # -- the whole function ------------------------------------------------------------------------

    def sweeps(self, wrt):
        """The two sweeps: ``(prologue + forward, backward, finals, out)``, markers resolved."""
        tree = self.normalized.tree
        out = tree.body[-1].value.id
        stmts = tree.body[:-1]
        params = parameter_names(tree.args)
        self.definite = set(params)  # assigned on every path by the end of the forward sweep
        self.find_sites(stmts, set(params), self.definite, in_loop=False)
        self.live = {}  # if/loop -> names whose adjoint the backward sweep may still read after it
        self.find_live(stmts, set(), frozenset(wrt))  # the gradients returned are read last

        defined = {}
        if self.activity.is_active(out):
            defined[out] = True
        backward = self.reverse_block(stmts, defined)
        finals = [load(self.namer.adjoint(p)) if p in defined
                  else _call(self.helpers.name("zeros_like"), load(p)) for p in wrt]

        # Now that the reverse sweep is written, decide what must be saved.
        self.reads = _loads(self.flatten(backward)) | _loads(finals)
        backward = self.resolve(backward)
        if self.options.in_place:
            adjoints = set(self.namer._adjoints.values()) - {self.namer.adjoint(out)}
            backward = inplace.accumulate_in_place(backward, finals, adjoints)
        forward = self.resolve(self.forward_block(stmts))

        prologue = []
        if self.stack is not None:
            prologue.append(self.comment("values the backward pass needs, saved as loops overwrite "
                                         "them"))
            prologue.append(_assign(self.stack, gast.List(elts=[], ctx=gast.Load())))
        predeclared = [site.var for sites in self.sites.values() for site in sites
                       if site.predeclare and self.site_needed(site)]
        if predeclared:
            names = list(dict.fromkeys(predeclared))
            prologue.append(self.comment(f"assigned later, saved before each assignment: "
                                         f"{', '.join(names)}"))
            prologue.extend(_assign(name, gast.Constant(value=None, kind=None)) for name in names)
        if self.normalized.subscript_writes and not self.writes_only_fresh_arrays():
            prologue.append(self.comment("the function writes into arrays: never into the caller's"))
            prologue.extend(_assign(p, _call(self.helpers.name("private_copy"), load(p)))
                            for p in params)
        return prologue + forward, backward, finals, out

    def run(self, wrt, argnums_is_tuple, name) -> Generated:
        """One function ``name(<f's parameters>)`` returning ``(value, gradient)``."""
        tree = self.normalized.tree
        forward, backward, finals, out = self.sweeps(wrt)
        body = [self.comment("forward: the function, one operation per line")] + forward
        value = out
        if out in self.restored:
            value = self.namer.fresh(f"{out}_value")
            body.append(self.comment(f"keep the value returned: the backward pass restores {out}"))
            body.append(_assign(value, load(out)))
        body.append(self.comment(f"backward: d<name> is the gradient of {out} with respect to "
                                 "<name>"))
        body.append(_assign(self.namer.adjoint(out),
                            _call(self.helpers.name("seed_scalar"), load(out))))
        body.extend(backward)
        grads = gast.Tuple(elts=finals, ctx=gast.Load()) if argnums_is_tuple else finals[0]
        body.append(gast.Return(value=gast.Tuple(elts=[load(value), grads], ctx=gast.Load())))
        return Generated([_function(name, tree.args, body)], self.comments)

    def run_split(self, wrt, forward_name, backward_name, reusable=False) -> Generated:
        """Two functions: ``forward_name(<f's parameters>)`` returning ``(value, saved)``, and
        ``backward_name(saved, d<value>)`` returning the gradients of ``wrt`` (a tuple), for calls
        from other generated code: ``saved`` holds exactly what the backward sweep reads.
        ``reusable``: the backward may run several times on one ``saved`` (``srcad.vjp``), so it
        copies what it would otherwise consume (the stack, arrays it restores in place)."""
        tree = self.normalized.tree
        params = parameter_names(tree.args)
        forward, backward, finals, out = self.sweeps(wrt)
        primal = set(params) | {n.id for st in forward for n in gast.walk(st)
                                if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}
        saved = sorted(_loads(backward + finals) & primal)
        saved_tuple = gast.Tuple(elts=[load(n) for n in saved], ctx=gast.Load())
        fwd_body = [self.comment(f"forward: {tree.name} as written; also returns what the "
                                 f"backward pass reads")]
        unassigned = [n for n in saved if n not in self.definite and n not in forward_predeclared(forward)]
        if unassigned:
            fwd_body.append(self.comment(f"assigned on some paths only: {', '.join(unassigned)}"))
            fwd_body.extend(_assign(n, gast.Constant(value=None, kind=None)) for n in unassigned)
        fwd_body += forward
        fwd_body.append(gast.Return(value=gast.Tuple(elts=[load(out), saved_tuple], ctx=gast.Load())))
        saved_param = self.namer.fresh("saved")
        bwd_body = [self.comment(f"backward: d<name> is the gradient of {tree.name}'s value with "
                                 "respect to <name>")]
        if saved:
            bwd_body.append(_assign(gast.Tuple(elts=[store(n) for n in saved], ctx=gast.Store()),
                                    load(saved_param)))
        if reusable:
            consumed = sorted(({self.stack} if self.stack in saved else set()) | {
                site.var for sites in self.sites.values() for site in sites
                if site.index is not None and site.var in saved})
            if consumed:
                bwd_body.append(self.comment("this backward may run again on the same saved "
                                             "values: work on copies"))
                bwd_body.extend(_assign(n, _call(self.helpers.name("snapshot"), load(n)))
                                if n != self.stack else _assign(n, _call(
                                    self.helpers.name("list_copy"), load(n))) for n in consumed)
        bwd_body.extend(backward)
        bwd_body.append(gast.Return(value=gast.Tuple(elts=finals, ctx=gast.Load())))
        bwd_args = gast.arguments(args=[store(saved_param), store(self.namer.adjoint(out))],
                                  posonlyargs=[], vararg=None, kwonlyargs=[], kw_defaults=[],
                                  kwarg=None, defaults=[])
        for arg in bwd_args.args:
            arg.ctx = gast.Param()
        return Generated([_function(forward_name, tree.args, fwd_body),
                          _function(backward_name, bwd_args, bwd_body)], self.comments)

    # -- where the primal overwrites what it may need ----------------------------------------------

    def find_sites(self, stmts, assigned: set, definite: set, in_loop: bool):
        """Record a :class:`_Site` for every assignment that may overwrite a value: any assignment
        in a loop, and outside loops any assignment to a name assigned before."""
        for stmt in stmts:
            if isinstance(stmt, gast.If):
                then_definite, else_definite = set(definite), set(definite)
                self.find_sites(stmt.body, assigned, then_definite, in_loop)
                self.find_sites(stmt.orelse, assigned, else_definite, in_loop)
                definite &= then_definite & else_definite
                definite |= then_definite & else_definite
            elif isinstance(stmt, (gast.For, gast.While)):
                if isinstance(stmt, gast.For):
                    var = stmt.target.id
                    self.sites[stmt] = [_Site(var, True, False, header=True)]
                    self.statement_sites[id(self.sites[stmt][0])] = self.sites[stmt]
                    assigned.add(var)
                    inner = set(definite) | {var}
                else:
                    inner = set(definite)
                self.find_sites(stmt.body, assigned, inner, True)
            elif isinstance(stmt, gast.Assign):
                op = self.ops[stmt]
                for var in op.targets:
                    if in_loop or var in assigned:
                        index = op.args["index"] if op.kind == "setitem" else None
                        site = _Site(var, in_loop, var not in definite, index)
                        self.sites.setdefault(stmt, []).append(site)
                        self.statement_sites[id(site)] = self.sites[stmt]
                    assigned.add(var)
                    definite.add(var)

    def writes_only_fresh_arrays(self) -> bool:
        """True if every array written by ``x[i] = ...`` is made inside the function by an
        operation that returns a new array (``np.zeros``, ``x.copy()``, arithmetic), so it cannot
        be one of the caller's arrays (or a view of one)."""
        fresh_calls = {"zeros", "ones", "full", "empty", "zeros_like", "ones_like", "full_like",
                       "empty_like", "copy", "array", "eye", "identity", "arange", "linspace"}
        written = {op.targets[0] for op in self.ops.values() if op.kind == "setitem"}
        for op in self.ops.values():
            if op.kind == "setitem" or not op.targets or op.targets[0] not in written:
                continue
            node = op.node
            if isinstance(node, (gast.BinOp, gast.UnaryOp)):
                continue
            if isinstance(node, gast.Call):
                func = node.func
                name = func.attr if isinstance(func, gast.Attribute) else getattr(func, "id", "")
                if name in fresh_calls:
                    continue
            return False
        params = {a.id for a in self.normalized.tree.args.args}
        return not (written & params)

    def operands(self, stmts) -> set:
        """Names whose adjoint the reverse of ``stmts`` may read: the differentiable operands (their
        adjoints accumulate) and the targets of operations with any (their adjoint is ``g``)."""
        names = set()
        for stmt in stmts:
            if _is_simple(stmt):
                op = self.ops.get(stmt)
                if op is not None:
                    operands = [name for _, name in op.diff_operands()]
                    names.update(operands)
                    if operands:
                        names.update(op.targets)
            else:
                names |= self.operands(stmt.body + getattr(stmt, "orelse", []))
        return names

    def find_live(self, stmts, before: set, enclosing: frozenset):
        """For each if and loop, the names used as operands before it, or anywhere in a loop around
        it (the backward sweep reaches those later). Any other adjoint is dead once the sweep has
        passed the if or loop: no zero needs to be made for it there."""
        for stmt in stmts:
            if _is_simple(stmt):
                before |= self.operands([stmt])
                continue
            inner = enclosing
            if isinstance(stmt, (gast.For, gast.While)):
                inner = enclosing | self.operands(stmt.body)
            self.live[stmt] = set(before) | inner
            for block in (stmt.body, getattr(stmt, "orelse", [])):
                self.find_live(block, set(before), inner)
            before |= self.operands(stmt.body + getattr(stmt, "orelse", []))

    def site_needed(self, site) -> bool:
        return site.var in self.reads or (site.saved is not None and site.saved in self.reads)

    def saved_name(self, site) -> str:
        if site.saved is None:
            site.saved = self.namer.fresh(f"{site.var}_old")
        return site.saved

    def stack_name(self) -> str:
        if self.stack is None:
            self.stack = self.namer.fresh("stack")
        return self.stack

    # -- the primal sweep --------------------------------------------------------------------------

    def forward_block(self, stmts, parent=None) -> list:
        pairs = []
        for stmt in stmts:
            if isinstance(stmt, gast.If):
                new = gast.If(test=stmt.test, body=self.forward_block(stmt.body, stmt),
                              orelse=self.forward_block(stmt.orelse, stmt))
            elif isinstance(stmt, gast.For):
                body = self.forward_block(stmt.body, stmt)
                push = _Marker("push", self.sites[stmt])
                if body and isinstance(body[-1], gast.If) and any(
                        isinstance(s, gast.Break) for s in body[-1].body):
                    body.insert(len(body) - 1, push)  # before 'if flag: break'
                else:
                    body.append(push)
                new = gast.For(target=stmt.target, iter=stmt.iter, body=body, orelse=[],
                               type_comment=None)
            elif isinstance(stmt, gast.While):
                new = gast.While(test=stmt.test, body=self.forward_block(stmt.body, stmt), orelse=[])
            else:
                sites = self.sites.get(stmt)
                primal = self.rewrites.get(stmt, stmt)
                pairs.append((stmt, self.guard(stmt) + ([_Marker("save", sites)] if sites else [])
                              + [primal]))
                continue
            pairs.append((stmt, [new]))
        return self.with_comments(pairs, parent)

    def guard(self, stmt) -> list:
        """For a write into an array other live names may share: check they do not (srcad.alias).
        For a call to a function that changes an argument in place: check it is not an array."""
        op = self.ops.get(stmt)
        if op is not None and op.kind == "call":
            return self.guard_call(op)
        others = self.guards.get(stmt)
        if not others:
            return []
        op = self.ops[stmt]
        var = op.targets[0]
        origin = self.normalized.origin[stmt]
        kind = "written into" if op.kind == "setitem" else "changed in place (+=, *=, ...)"
        message = (f"{self.parsed.filename}:{origin.lineno}: '{var}' is {kind} while '{{name}}' "
                   f"shares its memory and is read afterwards; srcad would differentiate as if "
                   f"'{{name}}' were unchanged. Copy first ('{var} = {var}.copy()')"
                   + (f" or write '{var} = {var} + ...'" if op.kind != "setitem" else ""))
        return [self.comment(f"'{var}' is modified in place: check that no other variable shares "
                             "it"),
                gast.Expr(value=_call(self.helpers.name("check_unshared"), load(var),
                                      gast.Tuple(elts=[load(n) for n in others], ctx=gast.Load()),
                                      gast.Tuple(elts=[gast.Constant(value=n, kind=None)
                                                       for n in others], ctx=gast.Load()),
                                      gast.Constant(value=message, kind=None)))]

    def guard_call(self, op) -> list:
        mutated = alias.mutated_parameters(op.callee)
        if not mutated or not any(name in self.activity.varied for _, name in op.diff_operands()):
            return []  # nothing changed in place, or nothing that depends on the inputs is passed
        guards = []
        filename = op.callee.__code__.co_filename
        for param, line in mutated.items():
            atom = op.args.get(param)
            if not isinstance(atom, gast.Name):
                continue
            message = (f"{self.parsed.filename}:{op.node.lineno}: {op.callee.__qualname__} changes "
                       f"its argument '{param}' in place ({filename}:{line}), here the array "
                       f"'{atom.id}'; srcad would differentiate as if it did not. Copy inside "
                       f"{op.callee.__qualname__} (e.g. '{param} = {param}.copy()') or pass a copy")
            guards.append(gast.Expr(value=_call(self.helpers.name("check_not_array"),
                                                load(atom.id), gast.Constant(value=message,
                                                                             kind=None))))
        if guards:
            guards.insert(0, self.comment(f"{op.callee.__qualname__} changes an argument in "
                                          "place: only numbers may be passed for it"))
        return guards

    # -- the reverse sweep -------------------------------------------------------------------------

    def reverse_block(self, stmts, defined, parent=None) -> list:
        pairs = []
        for stmt in reversed(stmts):
            if isinstance(stmt, gast.If):
                pairs.append((stmt, self.reverse_if(stmt, defined)))
            elif isinstance(stmt, (gast.For, gast.While)):
                pairs.append((stmt, self.reverse_loop(stmt, defined)))
            else:
                pairs.append((stmt, self.reverse_simple(stmt, defined)))
        return self.with_comments(pairs, parent)

    def zero(self, name):
        return _assign(self.namer.adjoint(name), _call(self.helpers.name("zeros_like"), load(name)))

    def reverse_if(self, stmt, defined) -> list:
        then_defined, else_defined = dict(defined), dict(defined)
        body = self.reverse_block(stmt.body, then_defined, stmt)
        orelse = self.reverse_block(stmt.orelse, else_defined, stmt)
        live = self.live[stmt]
        joined = {n: True for n in {**then_defined, **else_defined}
                  if n in live or (n in then_defined and n in else_defined)}
        body += [self.zero(n) for n in joined if n not in then_defined]
        orelse += [self.zero(n) for n in joined if n not in else_defined]
        defined.clear()
        defined.update(joined)
        if not _has_code(body) and not _has_code(orelse):
            return []  # nothing to undo or differentiate in either branch (e.g. 'if flag: break')
        return [gast.If(test=stmt.test, body=body, orelse=orelse)]

    def reverse_loop(self, stmt, defined) -> list:
        active = self.activity
        # names the loop reads or writes, also through a call's hidden arguments (a nested def's
        # captured variables)
        occurring = [n for n in _assigned([stmt]) + sorted(_loads(stmt.body) | self.operands(stmt.body))
                     if active.is_active(n)]
        local = self.iteration_local(stmt, defined)
        before = []
        for name in dict.fromkeys(occurring):
            if name not in defined and name not in local:
                before.append(self.zero(name))
                defined[name] = True
        entry = dict(defined)
        body = self.reverse_block(stmt.body, defined, stmt)
        body += [self.zero(n) for n in entry if n not in defined and n in self.live[stmt]]
        entry = {n: True for n in entry if n in defined or n in self.live[stmt]}
        defined.clear()
        defined.update(entry)
        if isinstance(stmt, gast.For):
            body.insert(0, _Marker("pop", self.sites[stmt]))
        count = self.normalized.loop_counts[stmt]
        step = "_" if "_" not in self.namer.taken else self.namer.fresh("step")
        loop = gast.For(target=store(step), iter=_call(self.helpers.name("range"), load(count)),
                        body=body, orelse=[], type_comment=None)
        self.reverse_loops.add(loop)
        return before + [loop]

    def iteration_local(self, loop, defined) -> set:
        """Active names whose adjoint starts afresh in every iteration: not yet needed after the
        loop, and first met in the body as the target of one of its top-level statements."""
        seen, local = set(), set()
        for stmt in loop.body:
            if _is_simple(stmt):
                for name in _loads([stmt]):
                    seen.add(name)
                for name in _assigned([stmt]):
                    if name not in seen and name not in defined:
                        local.add(name)
                    seen.add(name)
            else:
                for node in gast.walk(stmt):
                    if isinstance(node, gast.Name):
                        seen.add(node.id)
        return local

    def reverse_simple(self, stmt, defined) -> list:
        op = self.ops.get(stmt)
        if op is None or op.kind == "effect":
            return []
        adjoint = self.adjoint(stmt, op, defined, self.sites.get(stmt, []))
        if self.options.debug_nans:
            adjoint = self.check_finite(stmt, op, adjoint)
        sites = self.sites.get(stmt, [])  # a call may have added the site of its saved values
        loop_sites = [s for s in sites if s.in_loop]
        pre = [_Marker("pre", loop_sites)] if loop_sites else []
        return pre + adjoint + ([_Marker("post", sites)] if sites else [])

    def adjoint(self, stmt, op, defined, sites) -> list:
        active = self.activity
        if op.kind in ("append", "pop"):
            return self.adjoint_list_method(op, defined)
        if op.kind == "setitem":
            return self.adjoint_setitem(op, defined)
        if op.kind == "call":
            return self.adjoint_call(stmt, op, defined, sites)
        if op.kind == "rule" and op.rule.custom is not None:
            return self.adjoint_custom(op, defined)
        live = [t for t in op.targets if t in defined]
        for t in op.targets:  # the variables assigned here held other values before this statement
            defined.pop(t, None)
        if not live:
            return []
        if op.kind == "unknown":
            if any(active.is_active(name) for _, name in op.diff_operands()):
                raise op.error(self.parsed.location(op.node))
            return []
        old = {s.var: self.saved_name(s) for s in sites if s.var in
               {name for _, name in op.diff_operands()}}  # operands this statement overwrites
        contributions: dict[str, list] = {}
        if op.kind == "unpack":
            x = op.args["x"]
            parts = [load(self.namer.adjoint(t)) if t in live else gast.Constant(value=None, kind=None)
                     for t in op.targets]
            expr = _call(self.helpers.name("unpack_adjoint"), gast.Tuple(elts=parts, ctx=gast.Load()),
                         load(old.get(x.id, x.id)))
            if active.is_active(x.id):
                contributions[x.id] = [expr]
        else:
            target = op.targets[0]
            bindings = dict(op.args)
            for param, name in op.diff_operands():
                if name in old and param.endswith("]"):  # an overwritten *operands entry
                    base = param.split("[")[0]
                    bindings[base] = gast.Tuple(elts=[
                        load(old[e.id]) if isinstance(e, gast.Name) and e.id in old else e
                        for e in bindings[base].elts], ctx=gast.Load())
                elif name in old:
                    bindings[param] = load(old[name])
            bindings["g"] = load(self.namer.adjoint(target))
            bindings["ans"] = load(target)
            for param, name in op.diff_operands():
                if not active.is_active(name):
                    continue
                if param.split("[")[0] not in op.rule.vjps:  # a rule for forward mode only
                    raise NoGradientRuleError(
                        f"srcad has no reverse-mode rule for {op.rule.name} with respect to "
                        f"'{param}' (it has a forward-mode rule only)",
                        self.parsed.location(op.node),
                        hint="differentiate this code in forward mode (srcad.jvp, srcad.hvp)")
                if param.endswith("]"):  # operands[k] of a *operands parameter
                    base, k = param[:-1].split("[")
                    expr = instantiate(op.rule.vjps[base], {**bindings, "k": gast.Constant(
                        value=int(k), kind=None)}, self.helpers, self.options.optimize)
                else:
                    expr = instantiate(op.rule.vjps[param], bindings, self.helpers,
                                       self.options.optimize)
                if self.options.optimize:
                    expr = self.drop_unbroadcast(expr, op, param)
                contributions.setdefault(name, []).append(expr)
        # The statement's own target last: its adjoint is the ``g`` every other template reads.
        order = sorted(contributions, key=lambda name: name in op.targets)
        block = []
        for name in order:
            block.append(self.accumulate(name, contributions[name], defined))
        return block

    def adjoint_list_method(self, op, defined) -> list:
        """``items.append(x)`` and ``x = items.pop()`` are run by the primal sweep; reverse mode
        does not carry gradients through a list changed in place."""
        items = op.args["x"].id
        if self.activity.is_active(items):
            raise UnsupportedSyntaxError(
                f"reverse mode does not differentiate through '{items}.{op.kind}(...)' yet: build "
                "the list with a literal, '+' or a comprehension (forward mode, srcad.jvp, "
                "supports it)", self.parsed.location(op.node))
        for t in op.targets:
            if t != items:
                defined.pop(t, None)
        return []

    def accumulate(self, name, exprs, defined):
        adj = self.namer.adjoint(name)
        if name in defined:
            exprs = [load(adj)] + exprs
        total = exprs[0]
        for extra in exprs[1:]:
            total = gast.BinOp(left=total, op=gast.Add(), right=extra)
        defined[name] = True
        return _assign(adj, total)

    def adjoint_call(self, stmt, op, defined, sites) -> list:
        """``y = helper(a, b)``: the primal calls ``forward_helper`` instead, keeping what its
        backward pass needs; the adjoint calls ``backward_helper`` with that and ``dy``."""
        target = op.targets[0]
        live = target in defined
        defined.pop(target, None)
        operands = [(p, name) for p, name in op.diff_operands() if self.activity.is_active(name)]
        if not live or not operands:
            return []
        location = self.parsed.location(op.node)
        forward, backward = self.callees(op.callee, [p for p, _ in operands], location, op.static)
        forward, backward = self.helpers.function(forward), self.helpers.function(backward)
        callee_name = getattr(op.callee, "__name__", "callee")
        saved = self.namer.fresh(f"{callee_name}_saved")
        call = op.node
        args, keywords = call.args, call.keywords
        if isinstance(op.callee, NestedFunction):  # the lifted function takes every argument
            args = []
            keywords = [gast.keyword(arg=p, value=a) for p, a in op.args.items()]
        if op.recompute:  # srcad.checkpoint: the primal calls the function itself; the backward
            # runs its forward again from the arguments (kept, as any value the backward reads)
            names = {n.id for a in list(args) + [k.value for k in keywords]
                     for n in gast.walk(a) if isinstance(n, gast.Name)}
            old = {site.var: self.saved_name(site) for site in sites if site.var in names}
            args = [_renamed(a, old) for a in args]  # the arguments as they were at the call
            keywords = [gast.keyword(arg=k.arg, value=_renamed(k.value, old)) for k in keywords]
            again = gast.Assign(targets=[gast.Tuple(elts=[store(self.namer.fresh("unused")),
                                                          store(saved)], ctx=gast.Store())],
                                value=gast.Call(func=load(forward), args=list(args),
                                                keywords=list(keywords)), type_comment=None)
            grads = _call(backward, load(saved), load(self.namer.adjoint(target)))
            return [self.comment(f"recompute {callee_name} (srcad.checkpoint): its values were "
                                 "not kept"), again] + self.distribute(
                grads, list(enumerate(name for _, name in operands)), f"d{callee_name}_args",
                defined)
        self.rewrites[stmt] = _assign(
            gast.Tuple(elts=[store(target), store(saved)], ctx=gast.Store()),
            gast.Call(func=load(forward), args=args, keywords=keywords))
        if sites and sites[0].in_loop:  # saved afresh each iteration: keep every iteration's
            site = _Site(saved, True, True)
            self.sites[stmt].append(site)
            self.statement_sites[id(site)] = self.sites[stmt]
        grads = _call(backward, load(saved), load(self.namer.adjoint(target)))
        return self.distribute(grads, list(enumerate(name for _, name in operands)),
                               f"d{callee_name}_args", defined)

    def distribute(self, grads, positions, hint, defined) -> list:
        """``grads`` (a call returning a tuple of gradients) evaluated once; entry ``k`` added to the
        adjoint of ``name`` for each ``(k, name)`` in ``positions``."""
        block = []
        if len(positions) > 1:
            grads_name = self.namer.fresh(hint)
            block.append(_assign(grads_name, grads))
            grads = load(grads_name)
        contributions: dict[str, list] = {}
        for k, name in positions:
            contributions.setdefault(name, []).append(gast.Subscript(
                value=grads, slice=gast.Constant(value=k, kind=None), ctx=gast.Load()))
        for name, exprs in contributions.items():
            block.append(self.accumulate(name, exprs, defined))
        return block

    def check_finite(self, stmt, op, block) -> list:
        """After each adjoint the statement computes: stop at the first NaN or inf, naming the
        user's line and the values involved (``debug_nans``)."""
        adjoints = set(self.namer._adjoints.values())
        origin = self.normalized.origin[stmt]
        where = f"{self.parsed.filename}:{origin.lineno}: {self.parsed.statement_text(origin)}"
        values = list(dict.fromkeys(list(op.targets) + [n for _, n in op.diff_operands()]))
        out = []
        for item in block:
            out.append(item)
            if isinstance(item, gast.Assign) and isinstance(item.targets[0], gast.Name) \
                    and item.targets[0].id in adjoints:
                name = item.targets[0].id
                involved = gast.Dict(keys=[gast.Constant(value=v, kind=None) for v in values],
                                     values=[load(v) for v in values])
                out.append(gast.Expr(value=_call(self.helpers.name("check_finite"), load(name),
                                                 gast.Constant(value=name, kind=None),
                                                 gast.Constant(value=where, kind=None), involved)))
        return out

    def adjoint_custom(self, op, defined) -> list:
        """A function with a user's VJP (srcad.defvjp): call it once, take one gradient per
        positional argument."""
        target = op.targets[0]
        live = target in defined
        defined.pop(target, None)
        call = op.node
        positional = [(k, a.id) for k, a in enumerate(call.args)
                      if isinstance(a, gast.Name) and self.activity.is_active(a.id)]
        by_keyword = [k.arg for k in call.keywords
                      if isinstance(k.value, gast.Name) and self.activity.is_active(k.value.id)]
        if not live or not (positional or by_keyword):
            return []
        if by_keyword:
            raise UnsupportedSyntaxError(
                f"pass '{by_keyword[0]}' to {op.rule.name} positionally: its VJP gives gradients "
                "for positional arguments only", self.parsed.location(call))
        vjp = self.helpers.value(op.rule.custom, getattr(op.rule.custom, "__name__", "vjp")
                                 .replace("<lambda>", "vjp"))
        kwargs = gast.Dict(keys=[gast.Constant(value=k.arg, kind=None) for k in call.keywords],
                           values=[k.value for k in call.keywords])
        grads = _call(self.helpers.name("call_vjp"), load(vjp), load(self.namer.adjoint(target)),
                      load(target), gast.Tuple(elts=list(call.args), ctx=gast.Load()), kwargs)
        return self.distribute(grads, positional, f"d{target}_args", defined)

    def range_variables(self) -> set:
        """Variables of ``for ... in range(...)`` loops assigned nowhere else: always integers."""
        tree = self.normalized.tree
        loops = {n.target.id for n in gast.walk(tree) if isinstance(n, gast.For)
                 and isinstance(n.iter, gast.Call) and isinstance(n.iter.func, gast.Name)
                 and n.iter.func.id == "range"}
        assigned = {t.id for n in gast.walk(tree) if isinstance(n, gast.Assign)
                    for t in gast.walk(n.targets[0])
                    if isinstance(t, gast.Name) and isinstance(t.ctx, gast.Store)}
        return loops - assigned

    def adjoint_setitem(self, op, defined) -> list:
        """``x[index] = value``: the value gets ``dx[index]``; the overwritten part gets nothing."""
        x = op.targets[0]
        if x not in defined:
            return []
        dx = self.namer.adjoint(x)
        index = op.args["index"]
        block = []
        value = op.args["value"]
        if isinstance(value, gast.Name) and self.activity.is_active(value.id):
            basic = self.range_variables() | {self.helpers.name("slice")}
            if any(isinstance(n, (gast.Name, gast.List)) for n in gast.walk(index)
                   if not (isinstance(n, gast.Name) and n.id in basic)):
                # an index held in a variable may be an array that repeats a position
                expr = _call(self.helpers.name("unsetitem"), load(dx), index, load(value.id))
            else:
                part = gast.Subscript(value=load(dx), slice=index, ctx=gast.Load())
                expr = _call(self.helpers.name("unbroadcast"), part, load(value.id))
            block.append(self.accumulate(value.id, [expr], defined))
        block.append(_assign(dx, _call(self.helpers.name("zero_at"), load(dx), index)))
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
        operand = op.args.get(param)
        if self.options.shapes and isinstance(operand, gast.Name) \
                and self.shapes.same(operand.id, op.targets[0]):
            return expr.args[0]  # the shapes are equal (srcad.shapes): nothing was broadcast
        return expr

    # -- markers -> statements ---------------------------------------------------------------------

    def flatten(self, stmts):
        """The statements of ``stmts``, markers left out (to see what the reverse sweep reads)."""
        return [s for s in stmts if not isinstance(s, _Marker)]

    def resolve(self, stmts) -> list:
        """Replace markers by the saves and restores that are needed; drop what became empty."""
        out = []
        for stmt in stmts:
            if isinstance(stmt, _Marker):
                out.extend(self.expand(stmt))
            elif isinstance(stmt, gast.If):
                stmt.body, stmt.orelse = self.resolve(stmt.body), self.resolve(stmt.orelse)
                if not _has_code(stmt.body) and not _has_code(stmt.orelse):
                    continue
                if not _has_code(stmt.body):
                    stmt.body.append(gast.Pass())
                out.append(stmt)
            elif isinstance(stmt, (gast.For, gast.While)):
                stmt.body = self.resolve(stmt.body)
                if not _has_code(stmt.body):
                    if stmt in self.reverse_loops:
                        continue  # a backward loop with nothing to do
                    stmt.body.append(gast.Pass())
                out.append(stmt)
            else:
                out.append(stmt)
        return self.drop_dangling_comments(out)

    def drop_dangling_comments(self, stmts) -> list:
        """Drop a ``# line N`` comment whose statements all turned out to need no code."""
        def is_line(stmt):
            return _is_comment(stmt) and stmt.value.id in self.line_comments

        out = []
        for k, stmt in enumerate(stmts):
            if is_line(stmt):
                following = next((s for s in stmts[k + 1:] if not _is_comment(s) or is_line(s)), None)
                if following is None or is_line(following):
                    continue
            out.append(stmt)
        return out

    def expand(self, marker) -> list:
        out = []
        for site in (marker.sites if marker.kind in ("save", "push") else reversed(marker.sites)):
            if not self.site_needed(site):
                continue
            out.extend(self.expand_site(marker.kind, site))
        if out and marker.kind in ("save", "push"):
            names = ", ".join(dict.fromkeys(s.var for s in marker.sites if self.site_needed(s)))
            where = "each iteration" if marker.kind == "push" else "here"
            out.insert(0, self.comment(f"save {names} (overwritten {where}; the backward pass reads "
                                       "it)" if marker.kind == "save" else
                                       f"save {names}, the loop variable (the backward pass reads it)"))
        return out

    def expand_site(self, kind, site) -> list:
        var = site.var
        whole = load(var)
        part = whole if site.index is None else gast.Subscript(value=load(var), slice=site.index,
                                                               ctx=gast.Load())
        if site.index is not None:
            part = _call(self.helpers.name("snapshot"), part)
        restore_target = store(var) if site.index is None else gast.Subscript(
            value=load(var), slice=site.index, ctx=gast.Store())
        self_read = site.saved is not None and site.saved in self.reads
        if site.in_loop and kind in ("pre", "post"):
            # a statement's loop sites are popped in one go before its adjoint if any is read there
            self_read = any(s.saved is not None and s.saved in self.reads
                            for s in self.statement_sites[id(site)] if s.in_loop)
        if site.in_loop:
            stack = self.stack_name()
            pop = gast.Call(func=gast.Attribute(value=load(stack), attr="pop", ctx=gast.Load()),
                            args=[], keywords=[])
            if kind in ("save", "push"):
                return [gast.Expr(value=gast.Call(
                    func=gast.Attribute(value=load(stack), attr="append", ctx=gast.Load()),
                    args=[part], keywords=[]))]
            if kind == "pop":
                self.restored.add(var)
                return [_assign(store(var), pop)]
            if kind == "pre":
                return [_assign(self.saved_name(site), pop)] if self_read else []
            # post
            if self_read:
                if var not in self.reads:
                    return []
                self.restored.add(var)
                return [_assign(restore_target, load(site.saved))]
            self.restored.add(var)
            return [_assign(restore_target, pop)]
        saved = self.saved_name(site)
        if kind == "save":
            return [_assign(saved, part)]
        if kind == "post" and var in self.reads:
            self.restored.add(var)
            return [_assign(restore_target, load(saved))]
        return []


def forward_predeclared(stmts) -> set:
    """Names the prologue already sets to None."""
    return {s.targets[0].id for s in stmts if isinstance(s, gast.Assign)
            and isinstance(s.targets[0], gast.Name) and isinstance(s.value, gast.Constant)
            and s.value.value is None}


def _is_comment(stmt) -> bool:
    return (isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Name)
            and stmt.value.id.startswith("__srcad_comment_"))


def _has_code(stmts) -> bool:
    return any(not _is_comment(s) for s in stmts)
