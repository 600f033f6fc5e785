"""Pass 1b, lambdas: each ``lambda`` written inside the function becomes a nested ``def``.

Runs between parse and fence (:mod:`srcad.front`): the fence then checks the ``def``\\ s made here
with its rules for nested functions (:func:`srcad.passes.nested_defs.check_nested`), and every
later pass sees only nested ``def``\\ s, which srcad differentiates already (each lifted and
differentiated as a function of its own that is passed, at each call, the enclosing variables it
reads: Python's late binding, the values they hold when it is *called*). It cannot run later: the
fence refuses a lambda, and lower/desugar/anf would flatten a lambda's body into the enclosing
function.

Accepts: the :class:`~srcad.passes.parse.Parsed` function of pass 1 (specialized to its call).
Guarantees: ``parsed.tree`` has no ``lambda`` left in its own statements, or an
:class:`~srcad.errors.UnsupportedSyntaxError` is raised at the first lambda srcad cannot follow
(its line and column, what to write instead). Three forms are rewritten, keeping Python's meaning:

* ``act = lambda v: e``, a name assigned once in the function, only ever called afterwards in
  the same block or in statements nested in it, or passed to a function: ``def act(v): return e``
  in its place;
* ``(lambda t: e)(a)``, a lambda called where it is written: ``def lambda_1(t): return e`` just
  before the statement that contains it (in the same block: a branch's or loop's own statement),
  the call becoming ``lambda_1(a)``. Defining a function has no effect but to bind its name (its
  defaults are constants: the fence refuses others), so the def may come before the statement;
  the variables of a comprehension around the lambda that its body reads are given to it as
  extra parameters (they are not the function's variables);
* ``newton(lambda E: e, x0)``, a lambda passed to a function: ``def lambda_1(E): return e`` just
  before the statement, passed by its name. Pass 6 follows it into the function if that is the
  user's (:mod:`srcad.passes.closures`), and refuses it otherwise.

Refused at the lambda: ``key=`` of ``sorted``/``max``/``min`` and ``map``/``filter`` (what to write
instead is said), a lambda passed to a function that reads the variables of a comprehension
around it, chosen by ``if``/``else``, ``and``/``or``, stored in a container, returned, bound to a
name assigned twice or used otherwise than called or passed; ``*args``, ``**kwargs`` or
keyword-only parameters; a lambda inside a lambda or inside a nested ``def``. (A nested ``def``
passed as a value is checked by pass 6 alike.)
"""

from __future__ import annotations

import gast

from ..errors import UnsupportedSyntaxError
from .parse import parameter_names
from .syntax import defined_before

_BLOCKS = ("body", "orelse", "finalbody")
_COMPREHENSIONS = (gast.ListComp, gast.SetComp, gast.GeneratorExp, gast.DictComp)


def rewrite_lambdas(parsed) -> gast.FunctionDef:
    """Rewrite the lambdas of ``parsed.tree`` in place (see the module docstring)."""
    _Lambdas(parsed).run()
    return parsed.tree


class _Lambdas:
    def __init__(self, parsed):
        self.parsed = parsed
        self.tree = parsed.tree
        self.parents = {}
        for parent in gast.walk(self.tree):
            for child in gast.iter_child_nodes(parent):
                self.parents[child] = parent
        self.taken = set(parameter_names(self.tree.args)) | {self.tree.name} | {
            n.id for n in gast.walk(self.tree) if isinstance(n, gast.Name)} | {
            n.name for n in gast.walk(self.tree) if isinstance(n, gast.FunctionDef)}
        self.defs = {n.name for n in gast.walk(self.tree) if isinstance(n, gast.FunctionDef)
                     and n is not self.tree}  # the nested defs the user wrote
        self.count = 0

    def fail(self, node, message, hint=None):
        raise UnsupportedSyntaxError(message, self.parsed.location(node), hint=hint)

    def run(self):
        if any(isinstance(n, gast.Lambda) for n in gast.walk(self.tree)):
            self.block(self.tree.body)

    def block(self, statements: list):
        """Rewrite the lambdas of each statement of ``statements`` (a block), then of its blocks."""
        k = 0
        while k < len(statements):
            stmt = statements[k]
            if isinstance(stmt, gast.FunctionDef):
                inner = next((n for n in gast.walk(stmt) if isinstance(n, gast.Lambda)), None)
                if inner is not None:
                    self.fail(inner, "a lambda inside a nested 'def' is not supported",
                              hint="write it as a nested 'def' at the function's own level, or "
                                   "make the enclosing 'def' a module-level function")
                k += 1
                continue
            defs = [self.rewrite(lam, stmt, statements) for lam in self.own_lambdas(stmt)]
            if statements[k] is not stmt:
                k += 1  # 'act = lambda ...' replaced in place by its def
                continue
            statements[k:k] = defs
            k += len(defs) + 1
            for field in _BLOCKS:
                if isinstance(getattr(stmt, field, None), list):
                    self.block(getattr(stmt, field))
            for handler in getattr(stmt, "handlers", None) or ():
                self.block(handler.body)

    def own_lambdas(self, stmt) -> list:
        """The lambdas in ``stmt``'s own expressions (not in the blocks it contains), outermost
        first, in the order written."""
        todo = [child for field, child in gast.iter_fields(stmt)
                if field not in _BLOCKS + ("handlers",)]
        todo += [h.type for h in getattr(stmt, "handlers", None) or () if h.type is not None]
        found = []
        for value in todo:
            for node in (value if isinstance(value, list) else [value]):
                if isinstance(node, gast.AST):
                    found += [n for n in gast.walk(node) if isinstance(n, gast.Lambda)]
        return sorted(found, key=lambda n: (n.lineno, n.col_offset))

    def rewrite(self, lam, stmt, statements):
        """The ``def`` that replaces ``lam`` (for ``act = lambda ...``: the new statement)."""
        for node in gast.walk(lam.body):
            if isinstance(node, gast.Lambda):
                self.fail(node, "a lambda inside a lambda is not supported",
                          hint="write the outer one as a nested 'def' and call the inner one "
                               "from the function itself")
        self.check_parameters(lam)
        for node in gast.walk(lam.body):
            if isinstance(node, gast.Name) and node.id in self.defs \
                    and node.id not in parameter_names(lam.args):
                self.fail(lam, f"a lambda that uses the nested function '{node.id}' is not "
                               "supported: a local function that calls another is not",
                          hint=f"call '{node.id}' from the function itself, or define both at "
                               "module level")
        parent = self.parents.get(lam)
        if isinstance(stmt, gast.Assign) and stmt.value is lam and len(stmt.targets) == 1 \
                and isinstance(stmt.targets[0], gast.Name):
            name = stmt.targets[0].id
            self.check_named(lam, name, stmt, statements)
            new = self.make_def(name, lam, [])
            statements[[id(s) for s in statements].index(id(stmt))] = new
            return new
        call = self.passed_to(lam)
        if call is not None:  # 'newton(lambda E: ..., x0)': a def, passed by its name
            self.refuse_consumer(lam, call)
            if self.comprehension_names(lam):
                self.fail(lam, "a lambda passed to a function that reads the variables of a "
                               "comprehension around it is not supported",
                          hint="write the comprehension as a 'for' loop")
            name = self.fresh()
            new_name = gast.copy_location(
                gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None), lam)
            new_name.end_lineno, new_name.end_col_offset = lam.end_lineno, lam.end_col_offset
            if isinstance(parent, gast.keyword):
                parent.value = new_name
            else:
                call.args = [new_name if a is lam else a for a in call.args]
            return self.make_def(name, lam, [])
        if isinstance(parent, gast.Call) and parent.func is lam:
            name = self.fresh()
            extra = self.comprehension_names(lam)
            if extra and lam.args.defaults:
                self.fail(lam, "a lambda with default values that reads the variables of a "
                               "comprehension around it is not supported",
                          hint="pass the defaults explicitly in the call")
            parent.func = gast.copy_location(
                gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None), lam)
            parent.func.end_lineno, parent.func.end_col_offset = lam.lineno, lam.col_offset
            parent.args = parent.args + [
                gast.copy_location(gast.Name(id=n, ctx=gast.Load(), annotation=None,
                                             type_comment=None), lam) for n in extra]
            return self.make_def(name, lam, extra)
        self.refuse_use(lam, parent)

    def fresh(self) -> str:
        """A new name ``lambda_<k>`` for a def made of a lambda written where it is used."""
        self.count += 1
        name = f"lambda_{self.count}"
        while name in self.taken:
            self.count += 1
            name = f"lambda_{self.count}"
        self.taken.add(name)
        return name

    def passed_to(self, node):
        """The call ``node`` is an argument of (by position or keyword), or None."""
        parent = self.parents.get(node)
        if isinstance(parent, gast.keyword):
            parent = self.parents.get(parent)
            return parent if isinstance(parent, gast.Call) and parent.func is not node else None
        if isinstance(parent, gast.Call) and any(a is node for a in parent.args):
            return parent
        return None

    def refuse_consumer(self, lam, call):
        """A function given to ``key=``, ``map`` or ``filter``: refused, saying what to write
        (srcad cannot read those; any other callee is checked by pass 6)."""
        parent = self.parents.get(lam)
        if isinstance(parent, gast.keyword) and parent.arg == "key":
            self.fail(lam, "a lambda given as 'key=' is not supported inside the differentiated "
                           "function (srcad would call it again in the backward pass, when the "
                           "variables it reads may have changed)",
                      hint="define the key function at module level and pass that, or compute "
                           "the keys first and sort by them ('order = np.argsort(keys)')")
        if isinstance(call.func, gast.Name) and call.func.id in ("map", "filter"):
            self.fail(lam, f"a lambda given to '{call.func.id}' is not supported inside the "
                           "differentiated function",
                      hint="write a list comprehension: '[e for v in xs]' for map, "
                           "'[v for v in xs if c]' for filter")

    def check_parameters(self, lam):
        args = lam.args
        if args.vararg is not None or args.kwarg is not None:
            self.fail(lam, "a lambda with '*args' or '**kwargs' parameters is not supported inside "
                           "the differentiated function",
                      hint="name its parameters, or define it with 'def' at module level")
        if args.kwonlyargs:
            self.fail(lam, "a lambda with keyword-only parameters is not supported inside the "
                           "differentiated function", hint="make them ordinary parameters")
        for default in args.defaults:
            if not isinstance(default, gast.Constant):
                self.fail(default, "a lambda's default values are computed where it is defined; "
                                   "srcad supports only constants there (a nested function's "
                                   "defaults must be constants)",
                          hint="read the variable in the lambda's body (it is read when the "
                               "lambda is called), or pass it as an argument")

    def check_named(self, lam, name, stmt, statements):
        """``name = lambda ...``: bound once, only called, and only where it is bound already."""
        stores = [n for n in gast.walk(self.tree) if isinstance(n, gast.Name) and n.id == name
                  and not isinstance(n.ctx, gast.Load)]
        defs = [n for n in gast.walk(self.tree) if isinstance(n, gast.FunctionDef)
                and n.name == name and n is not self.tree]
        declared = [n for n in gast.walk(self.tree) if isinstance(n, (gast.Global, gast.Nonlocal))
                    and name in n.names]
        if len(stores) > 1 or defs or declared or name in parameter_names(self.tree.args):
            self.fail(lam, f"'{name}' is bound to a lambda here and assigned elsewhere in the "
                           "function: srcad follows a lambda bound to a name assigned once",
                      hint="give each lambda its own name, or write an 'if' statement that "
                           "calls the one it needs")
        for use in gast.walk(self.tree):
            if not (isinstance(use, gast.Name) and use.id == name and isinstance(use.ctx, gast.Load)):
                continue
            line = getattr(use, "lineno", "?")
            call = self.passed_to(use)
            if call is not None:  # passed to a function (pass 6 checks that it is the user's)
                self.refuse_consumer(use, call)
            elif not (isinstance(self.parents.get(use), gast.Call)
                      and self.parents[use].func is use):
                self.fail(lam, f"the lambda bound to '{name}' is used at line {line} otherwise "
                               "than called or passed to a function (stored, returned or "
                               "compared): srcad follows a local function where it is called, "
                               "or into a function of yours it is passed to",
                          hint="call it there, or pass it to a function of yours")
            node, inside = use, None
            while node is not None and not any(node is s for s in statements):
                if isinstance(node, (gast.Lambda, gast.FunctionDef)) and node is not self.tree:
                    inside = node
                node = self.parents.get(node)
            if inside is lam:
                self.fail(lam, f"the lambda bound to '{name}' calls itself (recursion), which is "
                               "not supported inside the differentiated function",
                          hint="define it with 'def' at module level (recursion works there)")
            if inside is not None:
                self.fail(lam, f"the lambda bound to '{name}' is called at line {line} from "
                               "another local function, which is not supported",
                          hint="call it from the function itself")
            if node is None or not defined_before(self.tree, stmt, use):
                self.fail(lam, f"the lambda bound to '{name}' is called at line {line}, where it "
                               "may not be bound yet: srcad follows a lambda called after its "
                               "assignment, in the same block or in statements nested in it",
                          hint="assign the lambda before (and outside) the code that calls it")

    def comprehension_names(self, lam) -> list:
        """The variables of comprehensions around ``lam`` that its body reads, in the order read."""
        bound, child, node = set(), lam, self.parents.get(lam)
        while node is not None and not isinstance(node, gast.stmt):
            if isinstance(node, _COMPREHENSIONS):
                gens = node.generators
                upto = len(gens)
                if isinstance(child, gast.comprehension):
                    j = gens.index(child)
                    inside_iter = any(n is lam for n in gast.walk(child.iter))
                    upto = j if inside_iter else j + 1
                for gen in gens[:upto]:
                    bound |= {n.id for n in gast.walk(gen.target) if isinstance(n, gast.Name)}
            child, node = node, self.parents.get(node)
        own = set(parameter_names(lam.args))  # (a name a comprehension in the body binds too
        read = []                              # is passed: desugar gives that one its own name)
        for n in gast.walk(lam.body):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and n.id in bound \
                    and n.id not in own and n.id not in read:
                read.append(n.id)
        return read

    def refuse_use(self, lam, parent):
        """A lambda srcad does not follow: say what it is used as, and what to write."""
        if isinstance(parent, (gast.IfExp, gast.BoolOp)):
            self.fail(lam, "a lambda chosen by a conditional expression ('if'/'else', 'and', "
                           "'or') is not supported",
                      hint="write an 'if' statement, and call each function in its branch")
        if isinstance(parent, gast.Return):
            self.fail(lam, "a lambda returned from the differentiated function cannot be "
                           "differentiated", hint="return a value, not a function")
        if isinstance(parent, (gast.List, gast.Tuple, gast.Set, gast.Dict)):
            self.fail(lam, "a lambda stored in a container is not supported inside the "
                           "differentiated function",
                      hint="bind each lambda to its own name and call it")
        self.fail(lam, "this use of a lambda is not supported inside the differentiated function: "
                       "srcad follows a lambda bound to a name and called, or called where it is "
                       "written", hint="write 'name = lambda ...' and call 'name(...)'")

    def make_def(self, name, lam, extra) -> gast.FunctionDef:
        """``def name(params, *extra): return <lam's body>``, located at the lambda."""
        ret = gast.copy_location(gast.Return(value=lam.body), lam.body)
        ret.end_lineno, ret.end_col_offset = lam.body.end_lineno, lam.body.end_col_offset
        args = lam.args
        args.args = args.args + [gast.Name(id=n, ctx=gast.Param(), annotation=None,
                                           type_comment=None) for n in extra]
        new = gast.FunctionDef(name=name, args=args, body=[ret], decorator_list=[], returns=None,
                               type_comment=None, type_params=[])
        gast.copy_location(new, lam)
        new.end_lineno, new.end_col_offset = lam.end_lineno, lam.end_col_offset
        self.parsed.lambdas[name] = lam.lineno  # (messages name it "the lambda at line N")
        return new
