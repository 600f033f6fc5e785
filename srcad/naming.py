"""Naming: deterministic, readable, collision-free names for everything srcad generates (no pass of
its own: passes 3 to 11 allocate names through it).

Accepts: the function's tree (:meth:`Namer.for_function`) and hints. Guarantees what follows.
One :class:`Namer` per transformation (no global state). It first reserves every name that occurs in the
user's function (parameters, locals, globals, attributes' roots), so a generated name can never shadow
or be shadowed by one of the user's. Generated names are derived from what they stand for:

* the adjoint of ``h`` is ``dh`` (``dW1`` for ``W1``): the notation of the backprop literature;
* a temporary of the A-normal form is named after its expression: ``x_plus_y``, ``exp_z``, ``neg_a``;
* a runtime helper keeps its own name (``unbroadcast``) unless the user uses that name.

A taken name gets the first free suffix ``_2``, ``_3``, ... Names depend only on the function's text and
the order of allocation, so the generated source is byte-identical from run to run.
"""

from __future__ import annotations

import builtins
import keyword
import re

import gast

_OP_WORDS = {
    gast.Add: ("plus", "total"), gast.Sub: ("minus", "diff"), gast.Mult: ("times", "prod"),
    gast.Div: ("over", "ratio"), gast.Pow: ("pow", "power"), gast.MatMult: ("at", "matprod"),
    gast.FloorDiv: ("floordiv", "floordiv"), gast.Mod: ("mod", "mod"),
}
_MAX_HINT = 20
_NUMBER_WORDS = {0: "zero", 1: "one", 2: "two", 3: "three", 0.5: "half"}


class Namer:
    def __init__(self, reserved=()):
        # Builtins are never generated (a temporary called 'sum' would shadow sum()).
        self.taken: set[str] = set(reserved) | set(dir(builtins))
        self._adjoints: dict[str, str] = {}
        self._tangents: dict[str, str] = {}
        self._next: dict[str, int] = {}  # base -> the suffix it last got (see first_free)

    @classmethod
    def for_function(cls, tree) -> "Namer":
        names = {n.id for n in gast.walk(tree) if isinstance(n, gast.Name)}
        names.add(tree.name)
        return cls(names)

    def fresh(self, hint: str) -> str:
        """A new name based on ``hint`` that nothing else uses."""
        base = re.sub(r"\W", "_", hint).strip("_") or "tmp"
        if base[0].isdigit():
            base = "_" + base
        if keyword.iskeyword(base):
            base += "_"
        return first_free(base, self.taken, self._next)

    def adjoint(self, name: str) -> str:
        """The adjoint variable of ``name`` (the same name every time it is asked for)."""
        if name not in self._adjoints:
            self._adjoints[name] = self.fresh("d" + name)
        return self._adjoints[name]

    def adjoint_if_any(self, name: str) -> str | None:
        """The adjoint variable of ``name`` if one was allocated, else None."""
        return self._adjoints.get(name)

    def adjoint_names(self) -> set[str]:
        """The adjoint variables allocated so far."""
        return set(self._adjoints.values())

    def tangent(self, name: str) -> str:
        """The tangent variable of ``name`` in forward mode, ``<name>_dot`` (the dot of x-dot)."""
        if name not in self._tangents:
            self._tangents[name] = self.fresh(name + "_dot")
        return self._tangents[name]

    def use_tangent(self, name: str, tangent: str) -> None:
        """Make ``tangent`` the tangent variable of ``name`` (a tangent parameter given)."""
        self._tangents[name] = tangent

    def temp(self, expr) -> str:
        """A new name for a temporary holding the value of ``expr`` (an A-normal-form operation)."""
        return self.fresh(describe(expr))


def first_free(base: str, taken: set, last: dict | None = None) -> str:
    """``base``, or else the first of ``base_2``, ``base_3``, ... that ``taken`` does not hold;
    added to ``taken``. ``last`` (base -> the suffix it last got; updated): where the search
    starts, the same answer since names are only ever added to ``taken`` (without it, a base asked
    for n times costs n^2 look-ups)."""
    k = last.get(base, 1) if last is not None else 1
    name = base if k == 1 else f"{base}_{k}"
    while name in taken:
        k += 1
        name = f"{base}_{k}"
    taken.add(name)
    if last is not None:
        last[base] = k
    return name


def function_name(fn) -> str:
    """The name generated code gives what it makes of the user's function ``fn``: its own name
    (``mlp``), or for a method its class's and its own (``Dense_call`` for ``Dense.__call__``)."""
    name = re.sub(r"\W", "", fn.__name__) or "function"  # a lambda is '<lambda>'
    parts = getattr(fn, "__qualname__", "").split(".")
    if len(parts) > 1 and parts[-2] != "<locals>":
        owner = re.sub(r"\W", "", parts[-2])
        name = f"{owner}_{name.strip('_') or 'function'}"
    return name


def _atom_word(node) -> str:
    if isinstance(node, gast.Name):
        return node.id
    if isinstance(node, gast.Constant) and isinstance(node.value, (int, float)) \
            and not isinstance(node.value, bool):
        if node.value in _NUMBER_WORDS:
            return _NUMBER_WORDS[node.value]
        return str(node.value).replace(".", "_").replace("-", "neg")
    if isinstance(node, gast.Attribute):
        return node.attr
    return ""


def describe(expr) -> str:
    """A short identifier describing ``expr``: ``x_times_y``, ``exp_x``, ``neg_a``, ``x_T``."""
    if isinstance(expr, gast.BinOp):
        short, noun = _OP_WORDS.get(type(expr.op), ("op", "result"))
        left, right = _atom_word(expr.left), _atom_word(expr.right)
        hint = f"{left}_{short}_{right}"
        return hint if left and right and len(hint) <= _MAX_HINT else noun
    if isinstance(expr, gast.UnaryOp):
        word = _atom_word(expr.operand)
        kind = {gast.USub: "neg", gast.UAdd: "pos", gast.Not: "not"}.get(type(expr.op), "unary")
        hint = f"{kind}_{word}"
        return hint if word and len(hint) <= _MAX_HINT else kind
    if isinstance(expr, gast.Call):
        fname = _atom_word(expr.func) or "call"
        words = [_atom_word(a) for a in expr.args[:2]]
        hint = "_".join([fname] + [w for w in words if w])
        return hint if len(hint) <= _MAX_HINT else f"{fname}_result"
    if isinstance(expr, gast.Subscript):
        base = _atom_word(expr.value) or "item"
        index = _atom_word(expr.slice)
        hint = f"{base}_{index}" if index else f"{base}_item"
        return hint if len(hint) <= _MAX_HINT else "item"
    if isinstance(expr, gast.Attribute):
        base = _atom_word(expr.value)
        hint = f"{base}_{expr.attr}" if base else expr.attr
        return hint if len(hint) <= _MAX_HINT else expr.attr
    if isinstance(expr, (gast.Tuple, gast.List)):
        return "tup" if isinstance(expr, gast.Tuple) else "lst"
    if isinstance(expr, gast.Compare):
        return "cond"
    if isinstance(expr, gast.BoolOp):
        return "cond"
    return "tmp"
