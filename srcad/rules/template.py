"""Templates -> AST: instantiate a rule's template with the variables of one statement.

``instantiate("g * (1 - ans ** 2)", {"g": dy, "ans": y}, helpers)`` returns the gast expression
``dy * (1 - y ** 2)``. Names in a template are ``g``, ``ans``, the rule's parameters (replaced by the
statement's atoms) and the names of :data:`srcad.rules.TEMPLATE_NAMESPACE` (replaced by the name under
which the generated function sees that object; see :class:`Helpers`). The result is simplified just
enough to read as a person would write it: numeric constants folded, ``e ** 1``, ``e * 1``, ``e + 0``
dropped, ``a if <constant> else b`` chosen.

Accepts: a template string of the rule table, bindings (name -> gast expression or default value)
and the :class:`Helpers` of the function being generated.
Guarantees: a fresh gast expression each call (the cached parse is never modified); every name is
resolved, or ``NameError`` names the unknown one.
"""

from __future__ import annotations

import copy
import functools
import inspect
import numbers

import gast

from .. import runtime
from ..passes.load import FunctionRef
from .helpers import TEMPLATE_NAMESPACE
from .registry import Default


class Helpers:
    """The names under which generated code reaches numpy, math and srcad's runtime helpers.

    A helper keeps its natural name (``np``, ``unbroadcast``) when the user's function does not use
    that name, or uses it for the very same object (``import numpy as np``); otherwise it gets a fresh
    name. ``bound`` records name -> object for the names the loader must provide.
    """

    def __init__(self, namer, namespace, local_names):
        self.namer = namer
        self.namespace = namespace
        self.local_names = local_names
        self.bound: dict[str, object] = {}
        self._names: dict[str, str] = {}

    def function(self, name: str) -> str:
        """The name under which this function reaches the generated function ``name``."""
        key = ("function", name)
        if key not in self._names:
            alias = self.namer.fresh(name)
            self._names[key] = alias
            self.bound[alias] = FunctionRef(name)
        return self._names[key]

    def value(self, obj, hint: str) -> str:
        """The name under which this function reaches ``obj`` (e.g. a user's custom VJP)."""
        key = ("value", id(obj))
        if key not in self._names:
            alias = self.namer.fresh(hint)
            self._names[key] = alias
            self.bound[alias] = obj
        return self._names[key]

    def used(self, key: str) -> str | None:
        """The name under which the function reaches helper ``key`` if it does already, else None."""
        return self._names.get(key)

    def name_if_used(self, key: str) -> str | None:
        """The name of ``key`` if generated code already uses it, else None (nothing allocated)."""
        return self._names.get(key)

    def name(self, key: str) -> str:
        if key not in self._names:
            obj = TEMPLATE_NAMESPACE[key]
            user_obj = self.namespace.lookup(key, None) if key not in self.local_names else None
            if user_obj is obj and key in self.namer.taken:
                self._names[key] = key  # the user's own global is the same object
            else:
                name = self.namer.fresh(key)
                self._names[key] = name
                self.bound[name] = obj
        return self._names[key]


@functools.lru_cache(maxsize=4096)  # the table's templates, and a user's rules: bounded
def _parse(source: str):
    return gast.parse(source, mode="eval").body


def instantiate(source: str, bindings: dict, helpers: Helpers, optimize: bool = True):
    """The expression ``source`` with ``bindings`` (name -> gast expr or default) substituted;
    simplified unless ``optimize`` is false (the raw template, as ``--raw`` shows it)."""
    tree = copy.deepcopy(_parse(source))
    tree = _Substitute(bindings, helpers, optimize).visit(tree)
    return simplify(tree) if optimize else tree


def constant(value):
    return gast.Constant(value=value, kind=None)


class _Substitute(gast.NodeTransformer):
    def __init__(self, bindings, helpers, optimize=True):
        self.bindings = bindings
        self.helpers = helpers
        self.optimize = optimize

    def visit_Call(self, node):
        helper = _runtime_helper(node.func, self.bindings)
        self.generic_visit(node)
        func = node.func
        if self.optimize and helper is not None:
            _drop_defaults(node, helper)
        if self.optimize and isinstance(func, gast.Name) \
                and func.id == self.helpers.name("power_dx") and _is_number(node.args[1]):
            # a constant exponent, as in x ** 2: write the derivative out (2 * x)
            x, y = node.args[0], node.args[1].value
            if y == 0:
                return gast.BinOp(left=constant(0), op=gast.Mult(), right=x)
            power = gast.BinOp(left=x, op=gast.Pow(), right=constant(y - 1))
            return gast.BinOp(left=constant(y), op=gast.Mult(), right=power)
        return node

    def visit_Name(self, node):
        if node.id in self.bindings:
            value = self.bindings[node.id]
            if isinstance(value, Default):
                return constant(value.value)
            return copy.deepcopy(value)
        if node.id in TEMPLATE_NAMESPACE:
            return gast.Name(id=self.helpers.name(node.id), ctx=gast.Load(), annotation=None,
                             type_comment=None)
        raise NameError(f"template uses an unknown name {node.id!r}")


def _runtime_helper(func, bindings):
    """The runtime helper a template calls by name (``unsum``), or None."""
    if isinstance(func, gast.Name) and func.id not in bindings and func.id in runtime.HELPERS:
        return runtime.HELPERS[func.id]
    return None


def _drop_defaults(node, helper) -> None:
    """Leave out the trailing positional arguments of a runtime helper's call that are literals
    equal to the helper's own defaults: ``unsum(g, x, None, False)`` is ``unsum(g, x)``."""
    if node.keywords:
        return
    try:
        params = list(inspect.signature(helper).parameters.values())
    except (TypeError, ValueError):
        return
    while node.args and len(node.args) <= len(params):
        arg, param = node.args[-1], params[len(node.args) - 1]
        if param.kind is not inspect.Parameter.POSITIONAL_OR_KEYWORD \
                or param.default is inspect.Parameter.empty or not isinstance(arg, gast.Constant) \
                or type(arg.value) is not type(param.default) or arg.value != param.default:
            return
        node.args.pop()


def _is_number(node, value=None):
    if not isinstance(node, gast.Constant) or isinstance(node.value, bool):
        return False
    if not isinstance(node.value, numbers.Number):
        return False
    return value is None or node.value == value


# Exact on integers and harmless on floats; division is left alone (2 / 3 reads better than 0.666).
_FOLD = {gast.Add: lambda a, b: a + b, gast.Sub: lambda a, b: a - b, gast.Mult: lambda a, b: a * b}


def simplify(node):
    """Fold what a person would not write: ``2 - 1``, ``e ** 1``, ``e * 1``, ``e + 0``, ``--e``,
    ``a if None is None else b``. Never changes a value (no reassociation, no float tricks)."""
    return _Simplify().visit(node)


class _Simplify(gast.NodeTransformer):
    def visit_BinOp(self, node):
        self.generic_visit(node)
        left, right, op = node.left, node.right, type(node.op)
        if _is_number(left) and _is_number(right) and op in _FOLD:
            return constant(_FOLD[op](left.value, right.value))
        if op is gast.Pow and _is_number(right, 1):
            return left
        if op is gast.Mult and _is_number(right, 1):
            return left
        if op is gast.Mult and _is_number(left, 1):
            return right
        if op is gast.Div and _is_number(right, 1):
            return left
        if op in (gast.Add, gast.Sub) and _is_number(right, 0):
            return left
        if op is gast.Add and _is_number(left, 0):
            return right
        return node

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, gast.USub):
            if isinstance(node.operand, gast.UnaryOp) and isinstance(node.operand.op, gast.USub):
                return node.operand.operand
            if _is_number(node.operand):
                return constant(-node.operand.value)
        return node

    def visit_IfExp(self, node):
        # ``a if <literal> is None else b``: the rule's optional argument is known here.
        test = node.test
        if isinstance(test, gast.Compare) and len(test.ops) == 1 \
                and isinstance(test.ops[0], (gast.Is, gast.IsNot)) \
                and _is_literal(test.left) and _is_literal(test.comparators[0]):
            same = _literal_is(test.left, test.comparators[0])
            chosen = node.body if same == isinstance(test.ops[0], gast.Is) else node.orelse
            return self.visit(chosen)
        self.generic_visit(node)
        return node


def _is_literal(node) -> bool:
    if isinstance(node, gast.Constant) or (isinstance(node, gast.UnaryOp)  # -1, as in axes=(-1, 0)
                                           and isinstance(node.op, gast.USub) and _is_number(node.operand)):
        return True
    return isinstance(node, (gast.Tuple, gast.List)) and all(_is_literal(e) for e in node.elts)


def _literal_is(a, b) -> bool:
    """``a is b`` for literals, as far as a template needs it: only ``None`` is ever compared."""
    if isinstance(a, gast.Constant) and isinstance(b, gast.Constant):
        return a.value is b.value
    return False
