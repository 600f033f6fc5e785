"""Shared scaffolding of the rule tests: how to call a primitive of the table, where to sample it,
and the checks each elementwise entry gets (reverse mode against finite differences, forward mode
against central differences, Hessian-vector products against differences of srcad's gradient).

tests/test_rules.py, tests/test_rules_numpy.py and tests/test_forward.py parametrize these checks
over :func:`differentiable_entries` (the table as collected); a test that registers a primitive of
its own (the ``new_primitive`` fixture of conftest.py) calls them on that entry directly.
"""

import builtins
import math
import operator

import numpy as np

import srcad
from srcad import rules
from gradcheck import check_grad, make_function

def case_id(fn, k):
    """A test id for the k-th case of ``fn`` that is the same in every process (``np.r_`` is an
    object without ``__name__``: its class names it, never its address), as pytest-xdist needs."""
    return f"{getattr(fn, '__name__', None) or type(fn).__name__}-{k}"


OPERATOR_SYNTAX = {
    operator.add: "{0} + {1}", operator.sub: "{0} - {1}", operator.mul: "{0} * {1}",
    operator.truediv: "{0} / {1}", operator.pow: "{0} ** {1}", operator.mod: "{0} % {1}",
    operator.matmul: "{0} @ {1}", operator.neg: "-{0}", operator.pos: "+{0}",
    operator.getitem: "{0}[1]",
}

# Inputs inside each function's domain (default: (0.2, 0.8), inside every other domain); a test that
# adds a primitive adds its domain here for its duration (conftest.py's ``new_primitive``).
DOMAIN = {np.arccosh: (1.5, 3.0), math.acosh: (1.5, 3.0), operator.mod: (2.1, 2.9),
          np.mod: (2.1, 2.9), np.fmod: (2.1, 2.9)}

ARRAY_SHAPES = {1: [[(2, 3)]], 2: [[(2, 3), (2, 3)], [(2, 3), (3,)], [(4, 1), (1, 3)], [(), (2, 2)],
                                   [(3,), ()]]}
EPS = 1e-6


def is_elementwise(fn, rule):
    """Rules the generic tests exercise: the rule says elementwise, every parameter
    differentiable, no ``*operands``, one or two operands (what the checks sample: ARRAY_SHAPES)."""
    return rule.elementwise and rule.vararg is None and set(rule.vjps) == set(rule.params) \
        and len(rule.params) in ARRAY_SHAPES


def call_text(fn, args):
    if fn in OPERATOR_SYNTAX:
        return OPERATOR_SYNTAX[fn].format(*args)
    name = fn.__name__
    if isinstance(fn, np.ufunc) or getattr(np, name, None) is fn:
        return f"np.{name}({', '.join(args)})"
    if getattr(math, name, None) is fn:
        return f"math.{name}({', '.join(args)})"
    if getattr(builtins, name, None) is fn:
        return f"{name}({', '.join(args)})"
    raise AssertionError(f"test does not know how to call {fn!r}")


def entry_id(fn, rule):
    return rule.name if fn.__name__ in rule.name else f"{rule.name}-as-{fn.__name__}"


def differentiable_entries():
    """``(fn, rule)`` for each elementwise entry of the table as it is now (SciPy's, registered
    once SciPy is imported, are checked by tests/test_rules_scipy.py)."""
    for fn, rule in rules.RULES.items():
        if rule.differentiable and is_elementwise(fn, rule) and not rule.name.startswith("scipy."):
            yield fn, rule


def positional_arity(rule):
    return max(rule.params.index(p) for p in rule.vjps) + 1


def sample(fn, shape, rng):
    lo, hi = DOMAIN.get(fn, (0.2, 0.8))
    if shape == ():
        return float(rng.uniform(lo, hi))
    return rng.uniform(lo, hi, size=shape)


def is_python_scalar_only(fn):
    return getattr(math, getattr(fn, "__name__", ""), None) is fn or fn in (builtins.float,)


# ---- oracles of forward mode ---------------------------------------------------------------------

def _shift(args, positions, tangents, e):
    new = list(args)
    for k, v in zip(positions, tangents):
        x = args[k]
        new[k] = float(x) + e * float(v) if np.ndim(x) == 0 and not isinstance(x, np.ndarray) \
            else np.asarray(x, dtype=float) + e * np.asarray(v)
    return new


def _flat(value):
    if isinstance(value, (tuple, list)):
        return np.concatenate([_flat(v) for v in value]) if value else np.zeros(0)
    return np.ravel(np.asarray(value, dtype=float))


def check_jvp(f, args, positions, rtol=1e-5, atol=1e-6, seed=0):
    """srcad.jvp of ``f`` along random tangents of ``args[positions]`` against central differences
    along the same direction; also checks the value."""
    rng = np.random.default_rng(seed)
    directions = [rng.normal(size=np.shape(args[k])) for k in positions]
    directions = [float(d) if np.ndim(args[k]) == 0 and not isinstance(args[k], np.ndarray) else d
                  for d, k in zip(directions, positions)]
    tangents = [None] * len(args)
    for k, d in zip(positions, directions):
        tangents[k] = d
    out, tangent = srcad.jvp(f, args, tangents)
    original = f
    f = lambda *a: original(*[np.copy(x) if isinstance(x, np.ndarray) else x for x in a])  # noqa
    np.testing.assert_allclose(_flat(out), _flat(f(*args)), rtol=1e-12, atol=1e-12)
    expected = (_flat(f(*_shift(args, positions, directions, EPS)))
                - _flat(f(*_shift(args, positions, directions, -EPS)))) / (2 * EPS)
    np.testing.assert_allclose(_flat(tangent), expected, rtol=rtol, atol=atol)
    return tangent


def check_hvp(f, args, k, rtol=1e-5, atol=1e-5, seed=0):
    """srcad.hvp against central differences of srcad.grad along the same direction."""
    rng = np.random.default_rng(seed)
    v = rng.normal(size=np.shape(args[k]))
    v = float(v) if np.ndim(args[k]) == 0 and not isinstance(args[k], np.ndarray) else v
    hv = srcad.hvp(f, k)(*args, v)
    g = srcad.grad(f, k)
    expected = (np.asarray(g(*_shift(args, [k], [v], EPS)))
                - np.asarray(g(*_shift(args, [k], [v], -EPS)))) / (2 * EPS)
    assert np.shape(hv) == np.shape(args[k])
    np.testing.assert_allclose(hv, expected, rtol=rtol, atol=atol)
    return hv


# ---- the checks of one elementwise entry ---------------------------------------------------------

def _scalar_function(fn, rule):
    names = ["x", "y", "z"][:positional_arity(rule)]
    return names, make_function(f"""
        def f({', '.join(names)}):
            return {call_text(fn, names)}
        """, {"math": math})


def _position_sets(n):
    return [tuple(range(n))] + [(k,) for k in range(n)] * (n > 1)


def check_gradient_scalars(fn, rule):
    """Reverse mode on Python floats against finite differences."""
    names, f = _scalar_function(fn, rule)
    rng = np.random.default_rng(1)
    args = [sample(fn, (), rng) for _ in names]
    check_grad(f, args, argnums=tuple(range(len(names))))


def _weighted_array_cases(fn, rule, seed, place=None):
    """``(f, args)`` for each broadcasting shape combination: ``np.sum(fn(...) * w)`` (``w``
    given to ``place`` first where given: ``cupy.asarray``, a constant of the arrays' library)."""
    n = positional_arity(rule)
    names = ["x", "y"][:n]
    rng = np.random.default_rng(seed)
    for shapes in ARRAY_SHAPES[n]:
        args = [sample(fn, s, rng) for s in shapes]
        w = rng.normal(size=np.broadcast_shapes(*shapes))  # a random cotangent
        yield make_function(f"""
            def f({', '.join(names)}):
                return np.sum({call_text(fn, names)} * w)
            """, {"w": w if place is None else place(w)}), args


def check_gradient_arrays(fn, rule):
    """Reverse mode on arrays, operands broadcasting, against finite differences."""
    n = positional_arity(rule)
    for f, args in _weighted_array_cases(fn, rule, seed=2):
        check_grad(f, args, argnums=tuple(range(n)))


def check_jvp_scalars(fn, rule):
    """Forward mode on Python floats, every subset of varying operands."""
    names, f = _scalar_function(fn, rule)
    rng = np.random.default_rng(1)
    args = [sample(fn, (), rng) for _ in names]
    for positions in _position_sets(len(names)):
        check_jvp(f, args, positions)


def check_jvp_arrays(fn, rule):
    """Forward mode on arrays; with one operand varying its tangent is broadcast."""
    n = positional_arity(rule)
    names = ["x", "y"][:n]
    rng = np.random.default_rng(2)
    for shapes in ARRAY_SHAPES[n]:
        args = [sample(fn, s, rng) for s in shapes]
        f = make_function(f"""
            def f({', '.join(names)}):
                return {call_text(fn, names)}
            """)
        for positions in _position_sets(n):
            check_jvp(f, args, positions)


def check_hvp_arrays(fn, rule, refused=False):
    """Hessian-vector products (forward over reverse) with broadcasting; ``refused``: the rule's
    gradient uses a helper with no second-order rule, so srcad must refuse, never compute."""
    import pytest

    for f, args in _weighted_array_cases(fn, rule, seed=3):
        for k in range(positional_arity(rule)):
            if refused:
                with pytest.raises(srcad.NoGradientRuleError):
                    check_hvp(f, args, k)
                continue
            check_hvp(f, args, k, rtol=1e-4, atol=1e-4)
