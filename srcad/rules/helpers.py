"""Rules, family 9: srcad's own runtime helpers, and the template namespace.

Accepts: the registry of :mod:`srcad.runtime` (each helper registered with ``@helper``, its
derivative declared there, next to its code).
Guarantees: :data:`TEMPLATE_NAMESPACE` -- the names a template may use besides ``g``, ``t``,
``ans``, ``k`` and the rule's parameters -- is ``np``, ``math``, ``slice``, ``range``, ``reversed``,
``len`` and every registered helper: a read-only view of the registry, never a hand-kept list or a copy, so a
helper registered later is known to templates at once. Each helper with a declared
:class:`srcad.runtime.Derivative` gets a :class:`~srcad.rules.registry.Rule` named
``srcad.runtime.<name>`` (origin ``HELPER``) as it is registered, with JVP templates only: the helpers appear in the code reverse mode
generates, and forward mode over that code gives Hessian-vector products. A helper's parameter
called ``ans`` (the result of the primitive it differentiates) is ``result`` in its rule, since in a
template ``ans`` is the helper's own result.
"""

from __future__ import annotations

import ast
import collections
import inspect
import math
import types

import numpy as np

from .. import runtime
from .registry import RULES, Rule, RuleOrigin

_BASE = {"np": np, "math": math, "slice": slice, "range": range, "reversed": reversed, "len": len}
TEMPLATE_NAMESPACE = types.MappingProxyType(collections.ChainMap(_BASE, runtime.HELPERS))

_RENAME = {"ans": "result"}


class _Rename(ast.NodeTransformer):
    def visit_Name(self, node):
        return ast.Name(id=_RENAME.get(node.id, node.id), ctx=node.ctx)


def _renamed(template: str) -> str:
    return ast.unparse(_Rename().visit(ast.parse(template, mode="eval")))


def helper_rule(fn, derivative) -> Rule:
    """The rule of runtime helper ``fn`` from its declared ``derivative``."""
    name = f"srcad.runtime.{fn.__name__}"
    if derivative.nondiff:
        return Rule(name, origin=RuleOrigin.HELPER)
    signature = inspect.signature(fn).parameters.values()
    params = tuple(_RENAME.get(p.name, p.name) for p in signature)
    defaults = {p.name: p.default for p in signature if p.default is not p.empty}
    tangents = {}
    for param in derivative.linear_in:  # linear there: the helper itself, applied to the tangent
        param = _RENAME.get(param, param)
        tangents[param] = f"{fn.__name__}({', '.join('t' if q == param else q for q in params)})"
    for param, template in derivative.jvp:
        tangents[_RENAME.get(param, param)] = _renamed(template)
    for param in derivative.nonlinear:  # no second-order rule yet: an error if a tangent arrives
        tangents[_RENAME.get(param, param)] = None
    return Rule(name, params, defaults, {}, None, None, tangents,
                linear_in=tuple(_RENAME.get(p, p) for p in derivative.linear_in),
                origin=RuleOrigin.HELPER)


def _register_rule(fn, derivative) -> None:
    RULES[fn] = helper_rule(fn, derivative)


runtime.on_register(_register_rule)  # each helper's rule, now and as helpers are added
# a user's VJP, called by the generated code: no second-order rule (its parameters keep their names)
RULES[runtime.call_vjp] = Rule("srcad.runtime.call_vjp", ("vjp", "g", "ans", "args", "kwargs"), {},
                               {}, None, None, {"g": None, "ans": None, "args": None},
                               origin=RuleOrigin.HELPER)
