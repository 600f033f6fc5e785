"""Pass 11b, tidy: what only the whole program of generated functions shows.

Accepts: the functions generated for one derived function (a
:class:`srcad.pipeline.Program`: ``generated``, ``(gast function, comments)`` pairs, and
``entries``, their :class:`srcad.passes.load.Entry`, in the same order), after pass 11.
Guarantees: the same program, computing the same values, with

* **each function once**: two functions made from the same user function whose text is the same
  but for their own names (``forward_layer`` for ``layer(W1, x)`` and for ``layer(W2, h)``, which
  differ only in the gradients their backward functions give) become one; calls of the second
  call the first;
* **gradient tuples unpacked**: ``dlayer_args = backward_layer(saved, dout)`` followed by
  ``dW2 = dlayer_args[0]`` and ``dh = dlayer_args[1]`` becomes ``dW2, dh = backward_layer(saved,
  dout)``, where the backward function called returns a tuple of exactly that many entries (every
  ``return`` of its text is a tuple display of that length), each entry is taken once, into
  distinct names, by the statements right after the call, and the tuple's name is read nowhere
  else; an entry added to a gradient (``dW = dW + dcell_args[1]``, ``dW += dcell_args[1]``) is
  unpacked into a name of its own (``dW_cell``), and the addition reads it.

Nothing else changes; a pattern that is not exactly one of these is left as it is.
"""

from __future__ import annotations

import collections
import copy
import dataclasses
import re

import gast

from .emit import emit
from .load import FunctionRef


def tidy(program, keep=()) -> None:
    """Replace ``program``'s generated functions by tidied copies (see the module docstring; the
    trees earlier passes handed on are not changed); the functions named in ``keep`` (those the
    caller takes from the compiled program) and the last one made (the main one) are never merged
    away."""
    _merge_identical(program, set(keep) | {program.generated[-1][0].name})
    lengths = {fn.name: _returned_length(fn) for fn, _ in program.generated}
    for k, ((function, comments), entry) in enumerate(zip(program.generated, program.entries)):
        if _unpack(function, entry.bound, lengths, apply=False):  # (copied before it changes)
            function = copy.deepcopy(function)
            _unpack(function, entry.bound, lengths, apply=True)
            program.generated[k] = (function, comments)


# ---- each function once -------------------------------------------------------------------------

def _text(function, comments) -> str:
    """The function's text, its own name replaced by a placeholder."""
    text = emit([(function, comments)], "")
    return re.sub(rf"\b{re.escape(function.name)}\b", "__srcad_self__", text)


def _merge_identical(program, keep: set) -> None:
    first: dict = {}   # (user function, text) -> the name of the first function with that text
    # (the text is made only for user functions with two pairs or more)
    merged: dict = {}  # a function's name -> the name of the one that replaces it
    made = collections.Counter(id(entry.user_fn) for entry in program.entries)
    for (function, comments), entry in zip(program.generated, program.entries):
        if made[id(entry.user_fn)] < 3:  # (a user function's one pair: nothing to compare)
            continue
        try:
            key = (entry.user_fn, entry.defaults, _text(function, comments))
            hash(key)
        except TypeError:
            continue
        if key in first and function.name not in keep:
            merged[function.name] = first[key]
        else:
            first.setdefault(key, function.name)
    if not merged:
        return
    for k, ((function, comments), entry) in enumerate(zip(program.generated, program.entries)):
        if function.name not in merged and any(
                isinstance(v, FunctionRef) and v.name in merged for v in entry.bound.values()):
            function, entry = copy.deepcopy(function), dataclasses.replace(entry,
                                                                           bound=dict(entry.bound))
            _redirect(function, entry.bound, merged)
            program.generated[k], program.entries[k] = (function, comments), entry
    kept = [k for k, (function, _) in enumerate(program.generated) if function.name not in merged]
    program.generated[:] = [program.generated[k] for k in kept]
    program.entries[:] = [program.entries[k] for k in kept]


def _redirect(function, bound: dict, merged: dict) -> None:
    """Calls in ``function`` of a merged function call the one kept instead (by its own name)."""
    renames = {}
    for alias, value in list(bound.items()):
        if isinstance(value, FunctionRef) and value.name in merged:
            kept = merged[value.name]
            if bound.get(kept, FunctionRef(kept)) != FunctionRef(kept):
                bound[alias] = FunctionRef(kept)  # (the name is taken: keep the alias)
                continue
            bound[kept] = FunctionRef(kept)
            renames[alias] = kept
    for node in gast.walk(function):
        if isinstance(node, gast.Name) and node.id in renames:
            node.id = renames[node.id]


# ---- gradient tuples unpacked -------------------------------------------------------------------

def _returned_length(function) -> int | None:
    """The length of the tuple every ``return`` of ``function`` gives, or None."""
    lengths = {len(node.value.elts) if isinstance(node.value, gast.Tuple) else None
               for node in gast.walk(function) if isinstance(node, gast.Return)}
    return lengths.pop() if len(lengths) == 1 else None


def blocks(function):
    """Every statement list of ``function``."""
    for node in gast.walk(function):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list) and block and isinstance(block[0], gast.stmt):
                yield block


def _entry(node, name):
    """``k`` for the expression ``name[k]`` (``k`` a constant int), else None."""
    if isinstance(node, gast.Subscript) and isinstance(node.value, gast.Name) \
            and node.value.id == name and isinstance(node.slice, gast.Constant) \
            and type(node.slice.value) is int:
        return node.slice.value
    return None


def _taken(stmt, name):
    """``(target, k, None)`` for a statement ``target = name[k]`` (``k`` a constant int);
    ``(target, k, where)`` for ``target = target + name[k]`` or ``target += name[k]``, ``where``
    the node that holds ``name[k]`` and its field; else None."""
    if isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 \
            and isinstance(stmt.targets[0], gast.Name):
        target = stmt.targets[0].id
        k = _entry(stmt.value, name)
        if k is not None:
            return target, k, None
        value = stmt.value
        if isinstance(value, gast.BinOp) and isinstance(value.op, gast.Add) \
                and isinstance(value.left, gast.Name) and value.left.id == target:
            k = _entry(value.right, name)
            if k is not None:
                return target, k, (value, "right")
    if isinstance(stmt, gast.AugAssign) and isinstance(stmt.op, gast.Add) \
            and isinstance(stmt.target, gast.Name):
        k = _entry(stmt.value, name)
        if k is not None:
            return stmt.target.id, k, (stmt, "value")
    return None


def _unpack(function, bound: dict, lengths: dict, apply: bool) -> int:
    """Unpack the gradient tuples of ``function`` (``apply``) or count them (not ``apply``)."""
    found = 0
    reads: dict = {}
    names = set()  # every name the function uses (a new one must be none of them)
    for node in gast.walk(function):
        if isinstance(node, gast.Name):
            names.add(node.id)
            if isinstance(node.ctx, gast.Load):
                reads[node.id] = reads.get(node.id, 0) + 1
    for block in blocks(function):
        k = 0
        while k < len(block):
            stmt = block[k]
            n = _length_of_call(stmt, bound, lengths)
            if n is not None and n > 1:
                name = stmt.targets[0].id
                taken = [_taken(s, name) for s in block[k + 1:k + 1 + n]]
                if all(taken) and sorted(i for _, i, _ in taken) == list(range(n)) \
                        and len({t for t, _, _ in taken}) == n \
                        and name not in {t for t, _, _ in taken} and reads.get(name, 0) == n:
                    found += 1
                    if not apply:
                        k += 1
                        continue
                    callee = stmt.value.func.id.removeprefix("backward_")
                    targets, kept = [None] * n, []
                    for (target, i, where), s in zip(taken, block[k + 1:k + 1 + n]):
                        if where is None:
                            targets[i] = target
                            continue
                        targets[i] = part = _fresh(f"{target}_{callee}", names)
                        setattr(where[0], where[1], gast.Name(id=part, ctx=gast.Load(),
                                                              annotation=None, type_comment=None))
                        kept.append(s)
                    stmt.targets = [gast.Tuple(elts=[gast.Name(id=t, ctx=gast.Store(),
                                                               annotation=None, type_comment=None)
                                                     for t in targets], ctx=gast.Store())]
                    block[k + 1:k + 1 + n] = kept
                    k += len(kept)
            k += 1
    return found


def _fresh(hint: str, names: set) -> str:
    """``hint``, or ``hint_2``, ``hint_3``...: the first not in ``names`` (then added to it)."""
    name, k = hint, 1
    while name in names:
        k += 1
        name = f"{hint}_{k}"
    names.add(name)
    return name


def _length_of_call(stmt, bound: dict, lengths: dict) -> int | None:
    """For ``name = f(...)``, ``f`` a generated function: the length of the tuple it returns."""
    if isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 \
            and isinstance(stmt.targets[0], gast.Name) and isinstance(stmt.value, gast.Call) \
            and isinstance(stmt.value.func, gast.Name):
        ref = bound.get(stmt.value.func.id)
        if isinstance(ref, FunctionRef):
            return lengths.get(ref.name)
    return None
