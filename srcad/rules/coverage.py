"""What each rule of the table differentiates, read from the rule itself: the modes of docs/rules.md.

Accepts: the rule table as registered (:mod:`srcad.rules`).
Guarantees: :func:`modes` gives, for one entry, reverse mode (a VJP template for each parameter a
gradient can reach), forward mode (a JVP template for each), second order (every call in its VJP
templates that a gradient or the result reaches has a forward-mode rule for that argument, so
forward mode over the generated gradient code, a Hessian-vector product, goes through; a call
without one is named) and complex arguments (:func:`srcad.rules.registry.complex_mode`). Nothing
here is a hand-kept list: a new entry's modes follow from its templates, and the tests that check
each rule in each mode (tests/test_rules_numpy.py, tests/test_forward.py,
tests/test_rules_complex.py) compare their findings with what this module reports.
:func:`coverage_markdown` is the table docs/rules.md embeds.
"""

from __future__ import annotations

import ast
import builtins

import numpy as np

from . import registry
from .helpers import TEMPLATE_NAMESPACE
from .methods import ATTRIBUTES, METHODS, NONDIFF_ATTRIBUTES
from .registry import OVERLOADS, RULES, RuleOrigin, qualified

_MISSING = object()
_ACTIVE = {"g", "ans"}  # with the rule's differentiable parameters: the values a gradient reaches


def _resolve(node):
    """The object a template's callee names (``np.linalg.solve``, a helper), or ``_MISSING``."""
    if isinstance(node, ast.Name):
        if node.id in TEMPLATE_NAMESPACE:
            return TEMPLATE_NAMESPACE[node.id]
        return getattr(builtins, node.id, _MISSING)
    if isinstance(node, ast.Attribute):
        owner = _resolve(node.value)
        return _MISSING if owner is _MISSING else getattr(owner, node.attr, _MISSING)
    return _MISSING


def _mentions(node, names) -> bool:
    return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(node))


def _callee_has_tangent(callee, param: str) -> bool:
    return callee.joint_jvp is not None or param in callee.tangents


def second_order_gaps(rule) -> list:
    """The calls in ``rule``'s VJP templates through which forward mode cannot carry a tangent (a
    callee without a rule, or without a JVP for an argument that depends on ``g``, ``ans`` or a
    differentiable parameter): empty when its Hessian-vector products go through."""
    active = _ACTIVE | set(rule.vjps) | set(rule.tangents)
    gaps = []
    for template in rule.vjps.values():
        for node in ast.walk(ast.parse(template, mode="eval")):
            if not isinstance(node, ast.Call) or not _mentions(node, active):
                continue
            fn = _resolve(node.func)
            if fn in (slice, range, len):
                continue
            callee = _MISSING if fn is _MISSING else registry.lookup(fn)
            if callee is _MISSING or callee is None:
                gaps.append(ast.unparse(node.func))
                continue
            if not callee.differentiable:
                continue
            try:
                bound = callee.bind(list(node.args), {k.arg: k.value for k in node.keywords})
            except TypeError:
                gaps.append(ast.unparse(node.func))
                continue
            for param, arg in bound.items():
                args = arg if isinstance(arg, list) else [arg]
                if any(isinstance(a, ast.AST) and _mentions(a, active) for a in args) \
                        and (param in callee.vjps or param in callee.tangents
                             or param == callee.vararg) \
                        and not _callee_has_tangent(callee, param):
                    gaps.append(f"{ast.unparse(node.func)}({param}=...)")
    return sorted(set(gaps))


def modes(fn, rule) -> dict:
    """``{"reverse", "forward", "second order", "complex"}`` for one differentiable entry: ``"yes"``,
    or what is missing (the parameters without a template, the calls without a forward rule)."""
    params = registry.differentiable_params(rule)
    reverse = [p for p in params if p not in rule.vjps] if rule.vjps else params
    forward = [] if rule.joint_jvp else [p for p in params if p not in rule.tangents]
    gaps = second_order_gaps(rule)
    return {
        "reverse": "yes" if not reverse else "no: " + ", ".join(reverse),
        "forward": "yes" if not forward else "no: " + ", ".join(forward),
        "second order": "yes" if not gaps else "no: " + ", ".join(gaps),
        "complex": registry.complex_mode(fn, rule),
    }


def _complex_cell(fns, rule) -> str:
    """The complex column: the mode, each parameter's where they differ (``partial``), each
    alias's where aliases differ (``np.abs`` takes complex values, ``np.fabs`` does not)."""
    if isinstance(rule.complex, tuple):
        return "partial: " + "; ".join(f"{p} {mode}" for p, mode in rule.complex)
    found = {}
    for fn in fns:
        found.setdefault(registry.complex_mode(fn, rule), []).append(fn)
    first, *others = found
    return first + "".join(f"; {', '.join(f'`{qualified(f)}`' for f in found[mode])}: {mode}"
                           for mode in others)


def _entries(scipy: bool) -> list:
    """``(rule, [functions])`` for srcad's own entries (not helpers' or users'), each rule once."""
    seen = {}
    for fn, rule in list(RULES.items()) + [(f, r) for f, rs in OVERLOADS.items() for r in rs]:
        if rule.origin is RuleOrigin.PRIMITIVE and rule.name.startswith("scipy.") == scipy:
            seen.setdefault(id(rule), (rule, []))[1].append(fn)
    entries = list(seen.values())
    if scipy:  # (by module, each registered when first met: the order of meeting them varies)
        families = ["scipy.special.", "scipy.stats.", "scipy.linalg.", "scipy.signal."]
        entries.sort(key=lambda e: next((k for k, f in enumerate(families)
                                         if e[0].name.startswith(f)), len(families)))
    return entries


def _shown(fn) -> str:
    """The name of ``fn`` in the table: :func:`qualified`, with ``np.linalg``'s and ``np.fft``'s
    functions under their module (``numpy.linalg.matmul`` beside ``numpy.matmul``)."""
    name = getattr(fn, "__name__", None)
    for module in ("linalg", "fft"):
        if name and getattr(getattr(np, module), name, None) is fn and getattr(np, name, None) \
                is not fn:
            return f"numpy.{module}.{name}"
    return qualified(fn)


def coverage_markdown(scipy: bool = False) -> str:
    """The rule table as Markdown (docs/rules.md embeds it; a test keeps the two in step).
    ``scipy``: the table of the optional SciPy rules instead (registered here if SciPy is
    installed; the table of srcad's own rules never depends on it)."""
    if scipy:
        registry.load_lazy(force=True)
    rows = ["| function | differentiable in | reverse | forward | second order | complex "
            "| VJP template(s) | JVP template(s) |", "|---|---|---|---|---|---|---|---|"]
    nondiff = []
    for rule, fns in _entries(scipy):
        names = ", ".join(dict.fromkeys(f"`{rule.name if scipy else _shown(f)}`" for f in fns))
        if not rule.differentiable:
            nondiff.append(names)
            continue
        templates = "<br>".join(f"`{p}`: `{t}`" for p, t in rule.vjps.items())
        params = ", ".join(f"*{p}" if p == rule.vararg else p
                           for p in registry.differentiable_params(rule))
        tangents = "<br>".join(f"`{p}`: `{t}`" for p, t in rule.tangents.items()) or (
            f"all: `{rule.joint_jvp}`" if rule.joint_jvp else "")
        m = modes(fns[0], rule)
        rows.append(f"| {names} | {params} | {m['reverse']} | {m['forward']} | "
                    f"{m['second order']} | {_complex_cell(fns, rule)} | {templates} | {tangents} |")
    if scipy:
        return "\n".join(rows) + "\n"
    methods = ", ".join(f"`x.{m}()`" for m in METHODS) + ", " + ", ".join(
        f"`x.{a}`" for a in ATTRIBUTES)
    return "\n".join(rows) + (
        f"\n\nArray methods and attributes use the rule of the matching function: {methods}.\n"
        f"\nNo gradient (the result is treated as a constant): {', '.join(nondiff)}; "
        f"attributes {', '.join(f'`x.{a}`' for a in sorted(NONDIFF_ATTRIBUTES))}.\n"
        + composites_markdown())


def composites_markdown() -> str:
    """The table of the composite rules (:mod:`srcad.rules.composites`): each function, the
    implementation srcad differentiates, and what it does not take."""
    from .composites import COMPOSITES
    rows = ["", "Composite rules (differentiated through srcad's implementation, in every mode: "
            "reverse, forward, second order, and complex values where the operations it uses "
            "take them):", "", "| function | implementation | not taken, conventions |",
            "|---|---|---|"]
    for fn, entry in COMPOSITES.items():
        impl = entry.implementation
        rows.append(f"| `{entry.name}` | `{impl.__module__}.{impl.__name__}` | {entry.note} |")
    return "\n".join(rows) + "\n"
