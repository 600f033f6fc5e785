"""Pass 10, shared by reverse and forward: what both modes generate besides derivatives.

Accepts: the A-normal form of one function (:class:`srcad.passes.anf.Normalized`), its parsed
source, the :class:`srcad.passes.ops.Op` of each simple statement and their activity.
Guarantees:

* :class:`Comments`: comment markers (``__srcad_comment_N__`` statements, written out as ``#`` lines by
  :mod:`srcad.passes.emit`), among them the ``# line N: <the user's line>`` comment that precedes each
  group of generated statements (:meth:`Comments.with_comments`); :meth:`Comments.tidy` drops the
  ``# line N`` comments, ifs and backward loops whose statements all turned out to need no code.
* :class:`Guards`: the run-time checks before a statement that changes an array (or a list or dict)
  other live names may share (from :func:`srcad.passes.alias.guards`; a subscript write compares
  only the part it writes), before ``xs.extend(v)`` (``v`` must be a list, tuple or array), and
  before a call to a function that changes an argument in place.
* :func:`writes_only_fresh_arrays`: whether the function can write only into arrays it made itself;
  :func:`distinct`: the check, before arguments are copied to be written into, that no two share
  memory.
* the facts about written values it reads (:mod:`srcad.passes.written`).
* :class:`Options` (how to generate) and :class:`Generated` (what a mode returns).

Nothing here is global: each transformation makes its own objects.
"""

from __future__ import annotations

import copy
import dataclasses

import gast

from . import alias
from .mutation import mutated_parameters
from .written import container_names, written_arrays
from .lists import changed_list
from .holders import sequence_names
from .ops import OpKind
from .parse import local_names
from .syntax import call, load, simple_statements


@dataclasses.dataclass(frozen=True)
class Options:
    """How to generate. ``optimize``: simplify templates and drop ``unbroadcast`` where an operand
    is a scalar constant (off shows the raw templates, and turns off the passes below);
    ``shapes``: drop ``unbroadcast`` where :mod:`srcad.passes.shapes` proves the shapes equal (and
    with it the saves that only fed it); ``in_place``: change the gradient buffers the generated code
    owns in place (:mod:`srcad.passes.inplace`: sums, rows zeroed and added to); ``debug_nans``: check every adjoint for NaN and inf as it is
    computed, naming the user's line; ``has_aux``: the function returns ``(loss, aux)`` and only
    ``loss`` is differentiated (the seed is ``seed_aux``: 1 for ``loss``, zeros for ``aux``);
    ``specialize``: transform once per kind of the numbers and arrays passed
    (:mod:`srcad.passes.value_kinds`), which lets :mod:`srcad.passes.shapes` prove more;
    ``jit``: ``""`` (off), ``"on"`` or ``"auto"``: the code made numba-ready
    (:mod:`srcad.passes.numba_ready`) and compiled with numba (:mod:`srcad.jit.compile`);
    ``seeded``: the gradient function takes the output's cotangent as its first parameter, in
    place of the seed 1 (``srcad.vjp`` with ``jit``: the forward and backward sweeps in one
    function); ``loops``: with ``jit``, runs of elementwise statements written as loops over the
    entries (:mod:`srcad.passes.loops`; off for the gradient code ``hvp`` differentiates again,
    whose scalar operations forward mode would differentiate as Python's, not NumPy's)."""

    optimize: bool = True
    debug_nans: bool = False
    shapes: bool = True
    in_place: bool = True
    has_aux: bool = False
    specialize: bool = True
    jit: str = ""
    seeded: bool = False
    loops: bool = True


@dataclasses.dataclass(frozen=True)
class AdjointSweep:
    """Where the adjoint statements lie in a generated function: ``functions[function].body[start:
    stop]``, and what :mod:`srcad.passes.inplace` needs: the adjoint variables it may update in
    place; ``arrays``, the pairs (adjoint, variable) of the variables written by ``x[i] = v`` that are
    certainly NumPy arrays (:func:`srcad.passes.written.ndarrays`); ``integers``, the names that
    certainly hold integers (:func:`srcad.passes.written.integer_names`); ``helpers``, the
    :class:`srcad.rules.template.Helpers` of the function (the names of the helpers it calls)."""

    function: int
    start: int
    stop: int
    adjoints: frozenset
    arrays: frozenset = frozenset()
    integers: frozenset = frozenset()
    helpers: object = None


@dataclasses.dataclass
class Generated:
    """What the reverse or the forward pass returns: gast functions, the text of their comment
    markers, and (reverse mode) where the adjoint sweep lies."""

    functions: list  # gast.FunctionDef
    comments: dict   # marker name -> comment text
    sweep: AdjointSweep | None = None


@dataclasses.dataclass(frozen=True)
class Context:
    """The function being differentiated and everything the passes before found out about it."""

    parsed: object      # srcad.passes.parse.Parsed
    normalized: object  # srcad.passes.anf.Normalized
    ops: dict           # simple statement -> Op
    activity: object    # srcad.passes.activity.Activity
    namer: object       # srcad.naming.Namer
    helpers: object     # srcad.rules.template.Helpers
    options: Options

    def location(self, node):
        return self.parsed.location(node)


class Comments:
    """The comment markers of one transformation, and the ``# line N`` comments among them."""

    def __init__(self, parsed, normalized):
        self.parsed = parsed
        self.normalized = normalized
        self.texts: dict[str, str] = {}
        self.line_markers: set[str] = set()

    def comment(self, text: str, line: bool = False) -> gast.Expr:
        marker = f"__srcad_comment_{len(self.texts)}__"
        self.texts[marker] = text
        if line:
            self.line_markers.add(marker)
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

    def tidy(self, stmts, droppable_loops=frozenset()) -> list:
        """Drop ifs with no code in either branch, loops of ``droppable_loops`` with no code, and
        ``# line N`` comments left with nothing under them; give other empty blocks a ``pass``."""
        out = []
        for stmt in stmts:
            if isinstance(stmt, gast.If):
                stmt.body, stmt.orelse = self.tidy(stmt.body, droppable_loops), \
                    self.tidy(stmt.orelse, droppable_loops)
                if not has_code(stmt.body) and not has_code(stmt.orelse):
                    continue
                if not has_code(stmt.body):
                    stmt.body.append(gast.Pass())
            elif isinstance(stmt, (gast.With, gast.Try)):
                stmt.body = self.tidy(stmt.body, droppable_loops)
                if not has_code(stmt.body):
                    continue  # nothing runs under the context managers or handlers
            elif isinstance(stmt, (gast.For, gast.While)):
                stmt.body = self.tidy(stmt.body, droppable_loops)
                if not has_code(stmt.body):
                    if stmt in droppable_loops:
                        continue  # a backward loop with nothing to do
                    stmt.body.append(gast.Pass())
            out.append(stmt)
        return self._drop_dangling(out)

    def _drop_dangling(self, stmts) -> list:
        """Drop a ``# line N`` comment whose statements all turned out to need no code."""
        def is_line(stmt):
            return is_comment(stmt) and stmt.value.id in self.line_markers

        out = []
        following = None  # the next statement that is code or a line comment (walking back)
        for stmt in reversed(stmts):
            line = is_line(stmt)
            if not (line and (following is None or is_line(following))):
                out.append(stmt)
            if line or not is_comment(stmt):
                following = stmt
        return out[::-1]


class Guards:
    """Run-time checks the primal code makes before it changes memory in place."""

    def __init__(self, ctx: Context, comments: Comments, shared: dict):
        self.ctx = ctx
        self.comments = comments
        self.shared = shared  # statement -> names that may share what it writes (alias.guards)
        self._live = None  # (computed for guard_item when first needed)
        self.sequences = None  # (holders.sequence_names, when first needed)

    def guard(self, stmt) -> list:
        """For a write into an array other live names may share: check they do not (srcad.passes.alias).
        For a call to a function that changes an argument in place: check it is not an array."""
        op = self.ctx.ops.get(stmt)
        if op is not None and op.kind is OpKind.CALL:
            return self.guard_call(op)
        iterated = self.ctx.normalized.iterated.get(stmt)
        if iterated is not None:
            return self.guard_loop(stmt, iterated)
        extend = self.guard_extend(stmt, op) if op is not None and op.kind is OpKind.EXTEND else []
        extend += self.guard_item(stmt, op)
        others = self.shared.get(stmt)
        if not others:
            return extend
        var = changed_list(op) or op.targets[0]
        origin = self.ctx.normalized.origin[stmt]
        setitem = op.kind is OpKind.SETITEM
        kind = "written into" if setitem else "changed in place (+=, *=, ...)"
        advice = (f"Copy first ('{var} = {var}.copy()')"
                  + (f" or write '{var} = {var} + ...'" if not setitem else ""))
        if changed_list(op) is not None:
            kind = f"changed in place ('{var}.{op.node.func.attr}(...)')"
            advice = f"Copy the list first ('{var} = list({var})')"
        where = f"{self.ctx.parsed.filename}:{origin.lineno}: '{var}' is {kind} while "
        index = [copy.deepcopy(op.args["index"])] if setitem else []  # only the part written
        unbound = sorted(getattr(others, "unbound", ()))
        checked = [n for n in others if n not in unbound]
        out = [self.comments.comment(f"'{var}' is modified in place: check that no other variable "
                                     "shares it")]
        if checked:
            message = (where + "'{name}' shares its memory (or holds it) and is read afterwards; "
                       "srcad would differentiate as if '{name}' were unchanged. " + advice)
            out.append(self._check(load(var), [load(n) for n in checked], checked, message, index))
        if unbound:
            # a name not assigned on every path here cannot be read to compare: the write is
            # refused whenever it changes an array (compared with itself, it always shares)
            message = (where + "'{name}' may share its memory (or hold it) and is read afterwards, "
                       "but is not assigned on every path to this line, so srcad cannot check; it "
                       "would differentiate as if '{name}' were unchanged. " + advice
                       + ", or assign '{name}' on every path before this line")
            out.append(self._check(load(var), [load(var)], unbound[:1], message,
                                   [copy.deepcopy(i) for i in index]))
        return extend + out

    def _check(self, value, others, names, message, index) -> gast.Expr:
        return gast.Expr(value=call(
            self.ctx.helpers.name("check_unshared"), value,
            gast.Tuple(elts=others, ctx=gast.Load()),
            gast.Tuple(elts=[gast.Constant(value=n, kind=None) for n in names], ctx=gast.Load()),
            gast.Constant(value=message, kind=None), *index))

    def guard_item(self, stmt, op) -> list:
        """``xs[i] += e`` on a list, tuple or dict the function made: Python changes the item in
        place where it is an array, a list, a dict or a set (and so every other name for it, and
        every container holding it: a copy ``list(xs)`` holds the same arrays), which srcad,
        writing ``xs[i] = xs[i] + e``, would not: check that no name read afterwards, nor another
        entry of ``xs``, holds that item. The check reads those names from the generated
        function's frame: some may not be bound on every path here."""
        if op is None or op.kind is not OpKind.SETITEM:
            return []
        origin = self.ctx.normalized.origin.get(stmt)
        if not (isinstance(origin, gast.AugAssign) and isinstance(origin.target, gast.Subscript)):
            return []
        var = op.targets[0]
        if var not in container_names(self.ctx.ops, self.ctx.parsed):
            return []
        if self._live is None:
            ops = self.ctx.ops
            self._live = alias.live_after(
                self.ctx.normalized.tree.body,
                lambda s: s in ops and ops[s].kind is OpKind.SETITEM)
        held = sorted(n for n in self._live.get(stmt, ()) if n != var)  # read afterwards
        where = f"{self.ctx.parsed.filename}:{origin.lineno}"
        return [gast.Expr(value=call(self.ctx.helpers.name("check_item_not_array"), load(var),
                                     copy.deepcopy(op.args["index"]),
                                     gast.Constant(value=var, kind=None),
                                     gast.Constant(value=where, kind=None),
                                     gast.Tuple(elts=[gast.Constant(value=n, kind=None)
                                                      for n in held], ctx=gast.Load())))]

    def guard_loop(self, stmt, name) -> list:
        """A loop over ``name`` runs by index (``name[0], name[1], ...``): check that ``name`` is
        not a mapping, a set or an iterator, which Python iterates otherwise."""
        origin = self.ctx.normalized.origin[stmt]
        where = f"{self.ctx.parsed.filename}:{origin.lineno}"
        return [gast.Expr(value=call(self.ctx.helpers.name("check_sequence"), load(name),
                                     gast.Constant(value=name, kind=None),
                                     gast.Constant(value=where, kind=None)))]

    def guard_extend(self, stmt, op) -> list:
        """``xs.extend(v)``: check that ``v`` is a list, a tuple or an array (srcad counts its
        items), unless every assignment of ``v`` is a list or tuple display (or ``+``, ``*`` of
        them)."""
        value = op.args["value"]
        if not isinstance(value, gast.Name):
            return []
        if self.sequences is None:
            self.sequences = sequence_names(list(simple_statements(self.ctx.normalized.tree.body)))
        if value.id in self.sequences:
            return []
        origin = self.ctx.normalized.origin[stmt]
        where = f"{self.ctx.parsed.filename}:{origin.lineno}"
        return [gast.Expr(value=call(self.ctx.helpers.name("check_extend"), load(value.id),
                                     gast.Constant(value=value.id, kind=None),
                                     gast.Constant(value=where, kind=None)))]

    def guard_call(self, op) -> list:
        mutated = mutated_parameters(op.callee)
        if not mutated or op.callee.__code__.co_filename.startswith("<srcad "):
            return []  # nothing changed in place; or srcad's own backward function consuming
            # what its forward saved (its restores are undone alike in forward mode)
        varied = any(name in self.ctx.activity.varied for _, name in op.diff_operands())
        if self.sequences is None:
            self.sequences = sequence_names(list(simple_statements(self.ctx.normalized.tree.body)))
        guards = []
        filename = op.callee.__code__.co_filename
        for param, line in mutated.items():
            atom = op.args.get(param)
            if not isinstance(atom, gast.Name):
                continue
            if not varied and not self.sequences.readers(op.node, (atom.id,), self.ctx.parsed):
                continue  # a constant nothing read before the call (a buffer it fills): allowed
            here = f"here '{atom.id}'" if atom.id in local_names(self.ctx.parsed.tree) \
                else "here the value passed for it"  # (not a name of the user's)
            message = (f"{self.ctx.parsed.filename}:{op.node.lineno}: {op.callee.__qualname__} "
                       f"changes its argument '{param}' in place ({filename}:{line}), {here}"
                       f"; srcad would differentiate as if it did not. Copy inside "
                       f"{op.callee.__qualname__} (e.g. '{param} = {param}.copy()') or pass a copy; a "
                       f"function that adds to a list can return a new one ('return {param} + "
                       "[v]')")
            guards.append(gast.Expr(value=call(self.ctx.helpers.name("check_not_array"),
                                               load(atom.id),
                                               gast.Constant(value=message, kind=None))))
        if guards:
            guards.insert(0, self.comments.comment(f"{op.callee.__qualname__} changes an argument "
                                                   "in place: only numbers may be passed for it"))
        return guards


def distinct(ctx, params) -> list:
    """Before a function copies the arguments it may write into: check that no two of them share
    memory (``check_distinct``), where there are two."""
    if len(params) < 2:
        return []
    where = f"{ctx.parsed.filename}:{ctx.parsed.tree.lineno}"
    return [gast.Expr(value=call(ctx.helpers.name("check_distinct"),
                                 gast.Tuple(elts=[load(p) for p in params], ctx=gast.Load()),
                                 gast.Tuple(elts=[gast.Constant(value=p, kind=None) for p in params],
                                            ctx=gast.Load()),
                                 gast.Constant(value=where, kind=None)))]


def writes_only_fresh_arrays(normalized, ops) -> bool:
    """True if every array written by ``x[i] = ...`` is made inside the function by an operation
    that returns a new array (``np.zeros``, ``x.copy()``, arithmetic), so it cannot be one of the
    caller's arrays (or a view of one)."""
    written = written_arrays(ops)
    for op in ops.values():
        if op.kind is OpKind.SETITEM or not op.targets or op.targets[0] not in written:
            continue
        node = op.node
        if isinstance(node, (gast.BinOp, gast.UnaryOp)):
            continue
        if op.kind is OpKind.RULE and op.rule.fresh:  # as pass 6 resolved it, not by its name
            continue
        return False
    params = {a.id for a in normalized.tree.args.args}
    return not (written & params)


def is_comment(stmt) -> bool:
    return (isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Name)
            and stmt.value.id.startswith("__srcad_comment_"))


def has_code(stmts) -> bool:
    """Is any of ``stmts`` not a comment? (An unresolved save/restore marker counts as code.)"""
    return any(not is_comment(s) for s in stmts)
