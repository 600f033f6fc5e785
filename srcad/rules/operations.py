"""Rules, family 13: the rule table keyed by operation -- other namespaces' functions (the Array
API standard's, ``array_api_compat``'s, Dask's, CuPy's) differentiated with NumPy's rules.

Code written against the Array API idiom calls ``xp.sum``, ``xp.exp``, ``xp.permute_dims`` of
whatever namespace its arrays have (``xp = array_namespace(x)``); code written for Dask calls
``da.exp``. Each of these functions computes an *operation* NumPy has too, under the same name:
NumPy 2 implements the Array API standard in its own namespace (``np.acos``, ``np.concat``,
``np.permute_dims``, ``np.linalg.diagonal`` follow the standard), and Dask and CuPy mirror NumPy's
own names. So the operation ``name`` of such a namespace is differentiated with the rule of
``numpy.name`` (``numpy.linalg.name``, ``numpy.fft.name``), with two proofs that the call means
what NumPy's does:

* only names this module lists: the Array API standard's (2024.12), looked up in NumPy's
  namespace; for Dask and CuPy (``NUMPY_MIRRORS``), NumPy's ufuncs and a list of functions whose
  documented semantics are NumPy's (not ``da.linalg.cholesky``, upper by default, nor
  ``da.percentile``, approximate);
* each call binds as NumPy's would: arguments by position only as far as the namespace function's
  parameters are NumPy's in order (by name, the first excepted) (``da.sum(a, axis, dtype, keepdims)`` differs from
  ``np.sum(a, axis, dtype, out, keepdims)`` at its fourth: a fourth positional argument does not
  fit, and is refused); a keyword NumPy's rule does not know does not fit either
  (``split_every=``, ``descending=``).

Accepts: nothing; importing makes :func:`register_namespace` run, through
:data:`srcad.rules.registry.LAZY`, for each namespace module above once it is imported.
Guarantees: :data:`srcad.rules.registry.ALIASES` maps each such function to its rules (NumPy's,
adapted), :data:`srcad.rules.composites.ALIASES` to its composite entry (NumPy's function
differentiated through srcad's implementation, at most ``positional`` arguments by position);
they are not entries of :data:`~srcad.rules.registry.RULES` (the table docs/rules.md prints and
the rule tests walk is NumPy's). A name whose NumPy function has no rule, and any name
not listed, has none: refused as an unknown call where a gradient reaches it. The functions that
return a namespace (``array_api_compat.array_namespace``, ``.get_namespace``, an array's
``__array_namespace__``) carry no gradient (pass 6 reads what they return:
:mod:`srcad.passes.array_namespaces`).
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import sys

import numpy as np

from . import composites
from .registry import ALIASES, LAZY, OVERLOADS, RULES, Rule

# the Array API standard's functions (2024.12), by namespace: NumPy >= 2 has each under its name
ARRAY_API = {
    "": """abs acos acosh add asin asinh atan atan2 atanh bitwise_and bitwise_left_shift
        bitwise_invert bitwise_or bitwise_right_shift bitwise_xor ceil clip conj copysign cos cosh
        divide equal exp expm1 floor floor_divide greater greater_equal hypot imag isfinite isinf
        isnan less less_equal log log1p log2 log10 logaddexp logical_and logical_not logical_or
        logical_xor maximum minimum multiply negative nextafter not_equal positive pow real
        reciprocal remainder round sign signbit sin sinh square sqrt subtract tan tanh trunc
        arange asarray empty empty_like eye full full_like linspace meshgrid ones ones_like tril
        triu zeros zeros_like astype can_cast finfo iinfo isdtype result_type take
        take_along_axis matmul matrix_transpose tensordot vecdot broadcast_arrays broadcast_to
        concat expand_dims flip moveaxis permute_dims repeat reshape roll squeeze stack tile
        unstack argmax argmin count_nonzero nonzero searchsorted where argsort sort
        cumulative_prod cumulative_sum max mean min prod std sum var all any diff""",
    "linalg": """cholesky cross det diagonal eigh eigvalsh inv matmul matrix_norm matrix_power
        matrix_rank matrix_transpose outer pinv qr slogdet solve svd svdvals tensordot trace vecdot
        vector_norm""",
    "fft": """fft ifft fftn ifftn rfft irfft rfftn irfftn hfft ihfft fftfreq rfftfreq fftshift
        ifftshift""",
}

# Dask's and CuPy's functions documented as NumPy's (top level: their linalg, fft and random
# differ in defaults or are approximate): NumPy's ufuncs, and these
_MIRRORED = """sum prod mean max min amax amin std var cumsum cumprod nansum nanmean nanmax nanmin
    dot matmul tensordot vdot outer inner where clip concatenate stack hstack vstack dstack
    transpose swapaxes moveaxis reshape ravel squeeze expand_dims broadcast_to broadcast_arrays
    flip fliplr flipud roll tile repeat diff trace diagonal tril triu real imag conj angle around
    round average zeros ones zeros_like ones_like full full_like empty_like eye arange linspace
    argmax argmin nonzero count_nonzero any all isclose allclose take nan_to_num"""

# namespace module -> (whose names: "array-api" or "numpy", the submodules with functions)
ARRAY_API_NAMESPACES = ("array_api_strict", "array_api_compat.numpy", "array_api_compat.dask.array",
                        "array_api_compat.cupy", "array_api_compat.torch")
NUMPY_MIRRORS = ("dask.array", "cupy")


def operations(module_name: str) -> dict:
    """``{(submodule, name): NumPy's function}`` for the operations of the namespace
    ``module_name`` (an entry of :data:`ARRAY_API_NAMESPACES` or :data:`NUMPY_MIRRORS`) that NumPy
    has."""
    found = {}
    if module_name in NUMPY_MIRRORS:
        names = set(_MIRRORED.split()) | {n for n, v in vars(np).items() if isinstance(v, np.ufunc)}
        table = {"": " ".join(sorted(names))}
    else:
        table = ARRAY_API
    for sub, names in table.items():
        owner = getattr(np, sub) if sub else np
        for name in names.split():
            fn = getattr(owner, name, None)
            if fn is not None:
                found[(sub, name)] = fn
    return found


def register_namespace(module_name: str) -> None:
    """Give each function of the namespace ``module_name`` (imported) the rules of the NumPy
    function of its operation, adapted to how it binds (module docstring)."""
    module = sys.modules.get(module_name)
    if module is None:  # (load_lazy(force=True): importing it, if it is installed)
        try:
            module = importlib.import_module(module_name)
        except Exception:  # (not installed, or its library is not: CuPy without a GPU)
            return
    for (sub, name), target in operations(module_name).items():
        owner = getattr(module, sub, None) if sub else module
        fn = getattr(owner, name, None) if owner is not None else None
        if fn is None or fn is target or RULES.get(fn) is not None:
            continue
        rule = RULES.get(target)
        if rule is None:
            entry = composites.COMPOSITES.get(target)
            if entry is not None:  # (NumPy's function differentiated through an implementation)
                count = _positional_count(entry.implementation, fn)
                if count is not None:
                    composites.ALIASES[fn] = dataclasses.replace(entry, positional=count)
            continue
        adapted = [a for a in (adapt(r, fn, target) for r in [rule] + OVERLOADS.get(target, []))
                   if a is not None]
        known = ALIASES.get(fn)  # (one function in two namespaces: np.matmul's, np.linalg's)
        if adapted and (known is None or len(adapted[0].keyword_only) < len(known[0].keyword_only)):
            ALIASES[fn] = adapted  # (each binding proven: the one binding more by position)


def adapt(rule: Rule, fn, target) -> Rule | None:
    """``rule`` (NumPy's, of ``target``) for the namespace function ``fn``: its parameters bound
    by position only as far as ``fn``'s positional parameters are NumPy's, in order (the inputs of
    a ufunc; else a positional-only one, one of the same name as ``target``'s, or the first, the
    operand of every operation listed: Dask's ``seq`` for NumPy's ``arrays``); None where ``fn``
    takes the rule's ``*operands`` otherwise."""
    if rule.params is None:
        return dataclasses.replace(rule, alias_of=rule)
    positional = [p for p in rule.params if p not in rule.keyword_only]
    theirs = _parameters(fn)
    defaults = dict(rule.defaults)
    if _applies(fn, target):  # Dask's wrapper calling NumPy's function with the same arguments
        count = len(positional)
    elif isinstance(target, np.ufunc) and rule.vararg is None:  # (inputs only by position)
        count = min(target.nin, len(positional))
        if theirs is not None and not all(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                                          for p in theirs[:count]):
            return None
    elif theirs is None:
        return None
    else:
        ours = _parameters(target)
        names = [p.name for p in ours] if ours is not None else positional
        renamed = dict(rule.renamed)
        count = _matching(theirs, names[:len(positional)], renamed)
        if rule.vararg is not None and not (count == len(positional) and any(
                p.kind is p.VAR_POSITIONAL for p in theirs)):
            return None
        for p in theirs[1:]:  # a default of theirs that differs is the one a call omitting it gets
            q = renamed.get(p.name, p.name)
            if q in rule.params and p.default is not p.empty \
                    and not _same(defaults.get(q, p.empty), p.default):
                if _literal(p.default):
                    defaults[q] = p.default  # (Dask's take: axis=0, NumPy's None)
                else:
                    defaults.pop(q, None)  # (unknown: a call must give it)
    keyword_only = tuple(p for p in rule.params if p not in positional[:count])
    return dataclasses.replace(rule, keyword_only=keyword_only, defaults=defaults, alias_of=rule)


def _applies(fn, target) -> bool:
    """Whether ``fn`` is Dask's ``wrap_elemwise`` of ``target``: it applies ``target`` to the
    arguments it is given, as they are."""
    return getattr(fn, "__qualname__", "") == "wrap_elemwise.<locals>.wrapped" \
        and any(getattr(c, "cell_contents", None) is target for c in fn.__closure__ or ())


def _literal(value) -> bool:
    if type(value) is tuple:
        return all(_literal(v) for v in value)
    return type(value) in (int, float, bool, str, type(None))


def _same(a, b) -> bool:
    return a is b or (_literal(a) and _literal(b) and type(a) is type(b) and a == b)


def _parameters(fn) -> list | None:
    """``fn``'s parameters; None where they cannot be read, or ``fn`` takes only ``*args,
    **kwargs`` (a wrapper: Dask's ufuncs)."""
    try:
        found = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return None
    return None if found and found[0].kind is inspect.Parameter.VAR_POSITIONAL else found


def _positional_count(implementation, fn) -> int | None:
    """How many positional arguments of a call of ``fn`` bind as ``implementation``'s (NumPy's
    signature): as in :func:`adapt`; None where ``fn``'s signature cannot be read, or one of its
    defaults differs from the implementation's."""
    try:
        ours = list(inspect.signature(implementation).parameters.values())
        theirs = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return None
    defaults = {p.name: p.default for p in ours}
    if any(p.name in defaults and p.default is not p.empty
           and not _same(defaults[p.name], p.default) for p in theirs[1:]):
        return None  # (a default that differs: the implementation would compute another call)
    return _matching(theirs, [p.name for p in ours if p.kind in (p.POSITIONAL_ONLY,
                                                                  p.POSITIONAL_OR_KEYWORD)], {})


def _matching(theirs, names, renamed) -> int:
    """How many of the parameters ``theirs`` (another namespace's function) mean NumPy's of
    ``names``, in order, for a positional argument: a positional-only one, the first (the
    operand), or one of the same name (``renamed``: second names of NumPy's)."""
    count = 0
    for k, (p, q) in enumerate(zip(theirs, names)):
        if p.kind is p.POSITIONAL_ONLY or (p.kind is p.POSITIONAL_OR_KEYWORD and (
                k == 0 or renamed.get(p.name, p.name) == renamed.get(q, q))):
            count += 1
        else:
            break
    return count


def _lazily(module_name: str):
    return lambda: register_namespace(module_name)


def _getters() -> None:
    """``array_api_compat``'s functions that return a namespace: no gradient."""
    compat = sys.modules.get("array_api_compat")
    if compat is None:
        return
    for name in ("array_namespace", "get_namespace"):
        fn = getattr(compat, name, None)
        if fn is not None:
            ALIASES[fn] = [Rule(f"array_api_compat.{name}")]


for _name in ARRAY_API_NAMESPACES + NUMPY_MIRRORS:
    LAZY[_name] = _lazily(_name)
LAZY["array_api_compat"] = _getters
