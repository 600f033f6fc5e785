"""Pass 2, fence: reject every construct outside the language srcad differentiates.

Accepts: the :class:`~srcad.passes.parse.Parsed` function of pass 1, its ``varargs`` and ``static``
already set (:mod:`srcad.pipeline` does that between the two passes).
Guarantees: if ``parsed.tree`` is in the supported language, returns it unchanged and records each
nested ``def`` in ``parsed.nested`` (a :class:`~srcad.passes.parse.NestedFunction`, lifted and
differentiated on its own); otherwise raises an :class:`~srcad.errors.UnsupportedSyntaxError`
(an :class:`~srcad.errors.UndefinedNameError` for a name bound nowhere) at the first offending
node (file, line, column, caret) with a message naming the construct. The supported language:

* only the node kinds in ``_SUPPORTED``, so later passes may assume no other kind occurs;
* no ``*args``/``**kwargs`` parameters (the pipeline's ``static`` gives ``*args`` a length and
  ``**kwargs`` its keywords); ``*`` and ``**`` in calls and displays only of what
  :mod:`srcad.passes.unpacking` can expand, no keyword given twice; dict keys are constants;
* assignment targets are names, tuples/lists of them (one of which may be starred), or
  subscripts of a name; loop targets are names or tuples/lists of names;
* an expression statement is a docstring, ``print(...)``, ``warnings.warn(...)`` (and the other
  functions of ``warnings`` that set filters), ``np.random.seed(...)``, a list's ``items.append(x)``, ``.extend(xs)``,
  ``.insert(i, x)``, ``.pop()``, ``.pop(i)`` or ``.reverse()`` on a name
  (:mod:`srcad.passes.lists`), or one of srcad's own runtime checks; ``print(...)`` and
  ``assert`` (run as written, never seen by pass 6) contain no call that changes a value in place
  (``y.sort()``, ``np.copyto``, ``out=``) or reads variables it is not passed (``eval``,
  ``locals()``);
* a ``for`` loop over a list does not change that list with its methods (``xs.append`` in
  ``for v in xs``: Python's loop would see the new items);
* every name read is a parameter, a local, or bound in the function's namespace; every
  ``return`` has a value, and there is one;
* a nested ``def`` has constant defaults, no decorators and no ``def`` inside it, calls no other
  nested ``def``, and is only called (never passed, stored or rebound). A lambda written in the
  function is one of those already (:mod:`srcad.passes.lambdas`, run just before).

Whether a *call* can be differentiated is decided later, once activity is known (a call to
anything is fine if no gradient flows through it).
"""

from __future__ import annotations

import gast

from ..errors import UndefinedNameError, UnsupportedSyntaxError
from ..rules.methods import MUTATING_METHODS
from ..rules.python import is_implicit_scope, mutated_argument
from .lists import changed_in_loop, is_list_method
from .parse import dotted_name, own_nodes, parameter_names, resolve_dotted
from .statements import (check_delete, check_global, check_shared_state, check_try, check_with,
                         is_seed_call, is_warning_call)
from .unpacking import keys, length
from .foreign import check_matrix_reads
from .nested_defs import check_nested
from .writing_calls import writing_call

_UNSEEN_KEYS = ("needs a mapping whose keys srcad can see: a dict display with constant keys, "
                "the function's own '**kwargs', or a local assigned once a dict display, that "
                "nothing changes")

_UNBOUND = object()
_DICT_METHODS = frozenset({"update", "setdefault", "popitem", "clear"})

# Every node kind the rest of the pipeline handles.
_SUPPORTED = {
    # statements
    gast.FunctionDef, gast.Assign, gast.AugAssign, gast.AnnAssign, gast.Return, gast.Expr, gast.Pass,
    gast.Assert, gast.If, gast.For, gast.While, gast.Break, gast.Continue, gast.IfExp, gast.Raise,
    # expressions
    gast.BinOp, gast.UnaryOp, gast.Call, gast.Name, gast.Constant, gast.Attribute, gast.Tuple,
    gast.List, gast.Subscript, gast.Slice, gast.Compare, gast.BoolOp, gast.keyword, gast.arguments,
    gast.JoinedStr, gast.FormattedValue, gast.Dict, gast.ListComp, gast.GeneratorExp, gast.comprehension,
    gast.DictComp, gast.SetComp, gast.Set, gast.Global, gast.Delete,
    # contexts and operators
    gast.Load, gast.Store, gast.Del,
    gast.Add, gast.Sub, gast.Mult, gast.Div, gast.Pow, gast.MatMult, gast.FloorDiv, gast.Mod,
    gast.USub, gast.UAdd, gast.Not, gast.Invert, gast.BitAnd, gast.BitOr, gast.BitXor,
    gast.Eq, gast.NotEq, gast.Lt, gast.LtE, gast.Gt, gast.GtE, gast.Is, gast.IsNot, gast.In,
    gast.NotIn, gast.And, gast.Or,
}

# What to say about the constructs users most often reach for.
_MESSAGES = {
    gast.ClassDef: "class definitions inside a differentiated function are not supported",
    # (srcad.passes.lambdas, run before, makes the lambdas it follows nested defs, refuses the rest)
    gast.Lambda: "this lambda is not supported here",
    gast.Nonlocal: "'nonlocal' declarations cannot be differentiated",
    gast.Import: "imports inside a differentiated function are not supported; import at module level",
    gast.ImportFrom: "imports inside a differentiated function are not supported; import at module level",
    gast.Yield: "generators cannot be differentiated",
    gast.YieldFrom: "generators cannot be differentiated",
    gast.Await: "'await' cannot be differentiated",
    gast.AsyncFor: "'async for' cannot be differentiated",
    gast.AsyncWith: "'async with' cannot be differentiated",
    gast.NamedExpr: "assignment expressions (':=') are not supported",
    gast.Match: "'match' statements are not supported",
    gast.Starred: "star-unpacking ('*x') is only supported in calls, displays and assignments",
    gast.LShift: "shift operators are not supported",
    gast.RShift: "shift operators are not supported",
}


def fence(parsed) -> gast.FunctionDef:
    """Check ``parsed.tree`` against the supported language (see the module docstring)."""
    _Fence(parsed).check_function(parsed.tree)
    return parsed.tree


_CONSUMERS = frozenset({"sum", "min", "max", "any", "all", "list", "tuple", "sorted", "set",
                        "frozenset", "dict"})  # (they iterate their argument once)


class _Fence:
    def __init__(self, parsed):
        self.parsed = parsed
        tree = parsed.tree
        self.local_names = set(parameter_names(tree.args)) | {
            n.id for n in gast.walk(tree) if isinstance(n, gast.Name)
            and isinstance(n.ctx, gast.Store)}
        self.handlers = 0  # how many 'except' handlers the statement checked is in
        self.loops = 0  # how many loop bodies

    def fail(self, node, message, hint=None):
        raise UnsupportedSyntaxError(message, self.parsed.location(node), hint=hint)

    def check_function(self, fn: gast.FunctionDef, outer=frozenset()):
        self.tree = fn
        args = fn.args
        # (the function's own are specialized to the call: srcad.passes.parse)
        where = "of a nested 'def' " if fn is not self.parsed.tree else ""
        if args.vararg is not None:
            self.fail(args.vararg, f"'*args' parameters {where}are not supported; define the "
                                   "function at the top level of the module")
        if args.kwarg is not None:
            self.fail(args.kwarg, f"'**kwargs' parameters {where}are not supported; define the "
                                  "function at the top level of the module")
        body = fn.body
        for name in self.parsed.varargs:
            rebound = [n for n in own_nodes(fn) if isinstance(n, gast.Name) and n.id == name
                       and isinstance(n.ctx, gast.Store) and hasattr(n, "lineno")]
            if rebound:  # srcad's own 'args = (args_0, ...)' has no position in the user's file
                self.fail(rebound[0], f"'*{name}' may not be reassigned")
        for stmt in body:
            self.check_statement(stmt)
        self.check_generators(fn)
        self.check_names(fn, outer)
        check_matrix_reads(self, fn)
        returns = [n for n in gast.walk(fn) if isinstance(n, gast.Return)]
        if not returns:
            self.fail(fn, f"function '{fn.name}' has no 'return' statement: nothing to differentiate")
        for ret in returns:
            if ret.value is None:
                self.fail(ret, "'return' without a value: nothing to differentiate")

    def check_statement(self, stmt):
        if isinstance(stmt, gast.FunctionDef):
            check_nested(self, stmt)
            return
        if isinstance(stmt, (gast.If, gast.While, gast.For)):
            if isinstance(stmt, gast.For):
                self.check_loop_target(stmt.target)
                changed = changed_in_loop(stmt)
                if changed is not None:
                    name = changed.func.value.id
                    self.fail(changed, f"the loop over '{name}' changes it ('{name}."
                                       f"{changed.func.attr}(...)'): srcad runs a loop over the "
                                       "items a list has when the loop starts, Python over those "
                                       f"it has as it goes; loop over a copy ('for ... in "
                                       f"list({name})') or by index")
            self.check_node(stmt.iter if isinstance(stmt, gast.For) else stmt.test)
            self.loops += not isinstance(stmt, gast.If)
            for child in stmt.body:
                self.check_statement(child)
            self.loops -= not isinstance(stmt, gast.If)
            for child in stmt.orelse:
                self.check_statement(child)
            return
        if isinstance(stmt, gast.Global):
            check_global(self, stmt)
            return
        if isinstance(stmt, gast.Delete):
            check_delete(self, stmt)
            return
        if isinstance(stmt, gast.With):
            check_with(self, stmt)
            return
        if isinstance(stmt, gast.Try):
            check_try(self, stmt)
            return
        if isinstance(stmt, gast.Raise) and stmt.exc is None and not self.handlers:
            self.fail(stmt, "a bare 'raise' re-raises the exception being handled: it is only "
                            "supported inside an 'except' handler")
        self.check_node(stmt)
        written = writing_call(stmt, self.parsed.namespace, self.local_names)
        if written is not None:  # np.copyto(y, v), np.add.at(y, i, v): y[...] = ... (pass 4)
            check_shared_state(self, written[0])
        elif isinstance(stmt, gast.Expr):
            value = stmt.value
            is_docstring = isinstance(value, gast.Constant) and isinstance(value.value, str)
            is_print = (isinstance(value, gast.Call) and isinstance(value.func, gast.Name)
                        and value.func.id == "print")
            what = dotted_name(value.func) or getattr(value.func, 'attr', 'the call') \
                if isinstance(value, gast.Call) else ""
            if isinstance(value, gast.Call) and getattr(value.func, "attr", None) \
                    in _DICT_METHODS:
                self.fail(stmt, f"'{what}(...)' changes a value in place, which srcad cannot "
                                "differentiate here (a dict's 'update' is followed on a "
                                "parameter or local of the function only)",
                          hint="for a dict, write its keys ('d[k] = v') into a local dict, or "
                               "build a new one ('d = {**d, \"k\": v}', a dict comprehension)")
            if isinstance(value, gast.Call) and not is_list_method(value) \
                    and self.has_side_effect(value):
                self.fail(stmt, f"'{what}(...)' changes a "
                                "value in place, which srcad cannot differentiate here; compute a "
                                "new array instead (np.where, y[i] = v). (np.copyto(y, v), "
                                "np.add.at(y, i, v) and np.subtract.at(y, i, v) on a local "
                                "array y are differentiated)")
            if not (is_docstring or is_print or is_list_method(value) or self.is_check(value)
                    or is_warning_call(value, self.parsed.namespace, self.local_names)
                    or is_seed_call(value, self.parsed.namespace, self.local_names)):
                self.fail(stmt, "an expression statement may have side effects srcad cannot see; "
                                "only docstrings, print(...), warnings.warn(...) (and the "
                                "other functions of 'warnings' that set filters), "
                                "np.random.seed(...), srcad's checks "
                                "and a list's 'items.append(x)', '.extend(xs)', '.insert(i, x)', "
                                "'.pop()', '.pop(i)' and '.reverse()' are allowed as statements")
        if isinstance(stmt, (gast.Expr, gast.Assert, gast.Raise)):  # run as written: pass 6
            # never sees them
            for call in gast.walk(stmt):
                if isinstance(call, gast.Call) and call is not getattr(stmt, "value", None) \
                        and self.has_side_effect(call):
                    self.fail(call, "a call that changes a value in place or reads variables it "
                                    "is not passed cannot be part of print(...), assert or raise; "
                                    "assign its result first")
        if isinstance(stmt, (gast.Assign, gast.AugAssign, gast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, gast.Assign) else [stmt.target]
            for target in targets:
                self.check_target(target)
            if isinstance(stmt, gast.AugAssign) and isinstance(stmt.target, gast.Name):
                check_shared_state(self, stmt.target)  # (NumPy's 'y += e' changes y in place)

    def has_side_effect(self, call) -> bool:
        """``y.sort()``, ``np.copyto(y, v)``, ``f(x, out=y)``, ``eval(...)``: see the docstring."""
        if any(k.arg == "out" and not (isinstance(k.value, gast.Constant) and k.value.value is None)
               for k in call.keywords):
            return True
        local_method = isinstance(call.func, gast.Attribute) and call.func.attr in MUTATING_METHODS
        if dotted_name(call.func) is None:
            return local_method
        root = dotted_name(call.func).split(".")[0]
        if self.parsed.namespace.lookup(root, _UNBOUND) is _UNBOUND or root in self.local_names:
            return local_method  # a method of a local value
        try:
            obj = resolve_dotted(call.func, self.parsed.namespace, self.parsed.filename)
        except UndefinedNameError:
            return False  # reported by check_names
        return is_implicit_scope(obj) or mutated_argument(obj) is not None

    def is_check(self, value) -> bool:
        """A call to one of srcad's runtime checks (in code srcad generated, differentiated again)."""
        from .. import runtime
        if not (isinstance(value, gast.Call) and isinstance(value.func, gast.Name)):
            return False
        obj = self.parsed.namespace.lookup(value.func.id, None)
        return obj in (runtime.check_unshared, runtime.check_not_array, runtime.check_finite,
                       runtime.check_sequence, runtime.check_distinct, runtime.check_extend,
                       runtime.check_item_not_array, runtime.check_recomputed,
                       runtime.restore_entry,  # (and a dict's entry put back by the backward)
                       runtime.check_dict_update, runtime.check_unzip,  # (passes.idioms)
                       runtime.expect_namespace)  # (passes.array_namespaces)

    def check_target(self, target):
        if isinstance(target, gast.Name):
            return
        if isinstance(target, (gast.Tuple, gast.List)):
            starred = [e for e in target.elts if isinstance(e, gast.Starred)]
            for elt in target.elts:
                if isinstance(elt, gast.Starred) and isinstance(elt.value, gast.Name) \
                        and len(starred) == 1:
                    continue  # a, *rest = ...: desugared by anf
                self.check_target(elt)
            return
        if isinstance(target, gast.Subscript):
            if not isinstance(target.value, gast.Name):
                self.fail(target, "assignment to a nested subscript or attribute ('x[i][j] = ...', "
                                  "'a.b[i] = ...') is not supported; write 'x[i, j] = ...'")
            check_shared_state(self, target.value)
            self.check_node(target.slice)
            return
        if isinstance(target, gast.Attribute):
            self.fail(target, "assignment to an attribute ('obj.a = ...') cannot be differentiated")
        self.check_node(target)

    def check_generators(self, fn):
        """A generator expression is consumed as it is iterated, once; srcad differentiates it
        as a list, read again wherever it is read. So it must be the argument of a function that
        iterates it once, then drops it (``sum(v * v for v in xs)``)."""
        parents = {id(child): node for node in gast.walk(fn)
                   for child in gast.iter_child_nodes(node)}
        for node in gast.walk(fn):
            if not isinstance(node, gast.GeneratorExp):
                continue
            parent = parents.get(id(node))
            if isinstance(parent, gast.Call) and node in parent.args and (
                    (isinstance(parent.func, gast.Name) and parent.func.id in _CONSUMERS)
                    or (isinstance(parent.func, gast.Attribute)
                        and parent.func.attr in ("fsum", "fromiter", "join"))):
                continue
            self.fail(node, "a generator expression can be iterated once only (a second "
                            "iteration sees nothing), and srcad differentiates it as a list; "
                            "pass it straight to sum, min, max, any, all, list, tuple, sorted or "
                            "set, or write a list comprehension [...] to keep its items")

    def check_names(self, fn, outer=frozenset()):
        """Every name the function reads is a parameter, a local, or bound where it is defined
        (``outer``: the enclosing function's locals, for a nested ``def``)."""
        local = set(parameter_names(fn.args)) | set(outer)
        local |= {n.id for n in gast.walk(fn) if isinstance(n, gast.Name)
                  and isinstance(n.ctx, (gast.Store, gast.Del, gast.Param))}
        local |= {n.name for n in gast.walk(fn) if isinstance(n, gast.FunctionDef)}
        for node in gast.walk(fn):
            if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load) \
                    and node.id not in local and node.id not in self.parsed.static:
                if self.parsed.namespace.lookup(node.id, _UNBOUND) is _UNBOUND:
                    raise UndefinedNameError(f"name '{node.id}' is not defined",
                                             self.parsed.location(node))

    def check_keywords(self, call):
        """No keyword given twice once the ``**`` in ``call`` are expanded (Python would raise
        TypeError at the call; the expanded call would not compile)."""
        seen = set()
        for kw in call.keywords:
            names = [kw.arg] if kw.arg is not None else list(
                keys(kw.value, self.parsed, self.tree) or ())
            for name in names:
                if name in seen or not isinstance(name, str):
                    self.fail(kw, f"the keyword argument {name!r} is given twice (or is no name)")
                seen.add(name)

    def check_loop_target(self, target):
        if isinstance(target, gast.Name):
            return
        if isinstance(target, (gast.Tuple, gast.List)):
            for elt in target.elts:
                self.check_loop_target(elt)
            return
        self.fail(target, "a loop variable must be a name or a tuple of names")

    def check_node(self, node):
        located = {}  # node -> the nearest enclosing node that has a position (operators have none)
        parents = {}
        for parent in gast.walk(node):
            for child in gast.iter_child_nodes(parent):
                located[child] = child if hasattr(child, "lineno") else located.get(parent, parent)
                parents[child] = parent
        for child in gast.walk(node):
            kind = type(child)
            if kind is gast.keyword and child.arg is None \
                    and keys(child.value, self.parsed, self.tree) is None:
                self.fail(child.value, f"'**' in a call {_UNSEEN_KEYS}")
            if kind is gast.Call:
                self.check_keywords(child)
            if kind is gast.Dict:
                for key, value in zip(child.keys, child.values):
                    if key is None and keys(value, self.parsed, self.tree) is None:
                        self.fail(value, f"'**' in a dict display {_UNSEEN_KEYS}")
                    if key is not None and not isinstance(key, gast.Constant):
                        self.fail(key, "dict keys must be constants (a string or a number)")
            if kind is gast.Starred and isinstance(child.ctx, gast.Store):
                continue  # a, *rest = ...: see check_target
            if kind is gast.Starred and isinstance(parents.get(child), (gast.Call, gast.List,
                                                                         gast.Tuple, gast.Set)):
                if length(child.value, self.parsed, self.tree) is None:
                    self.fail(child, "star-unpacking ('*x') needs a sequence whose length srcad "
                                     "can see before the function runs: a tuple or list display "
                                     "written here ('*(a, b)'), the function's own '*args', or "
                                     "a local assigned once such a display (a list one that "
                                     "nothing changes); not a parameter or what a call returns",
                              hint="transpose with 'a, b = zip(*rows)' as a statement of its "
                                   "own (srcad follows that), or index the items ('xs = [r[0] "
                                   "for r in rows]'), or pass the values as arguments of their "
                                   "own ('*args' of the function called)")
                continue  # expanded by anf (srcad.passes.unpacking)
            if kind in _SUPPORTED and kind is not gast.FunctionDef:
                continue
            message = _MESSAGES.get(kind, f"'{kind.__name__}' is not supported")
            self.fail(located.get(child, node), message)

