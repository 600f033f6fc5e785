"""Breadth (issue #16), the last gaps against JAX's NumPy: ``np.unique`` at tied values (refused,
at the user's line, in every mode), the scalar types as casts, the nondifferentiable index
helpers, and the location of an error raised inside a composite rule in ``srcad.vjp`` and
``srcad.jvp`` (the user's line, not a line of the composite's implementation).
"""

from __future__ import annotations

import numpy as np
import pytest

import srcad
from gradcheck import check_grad, make_function
from rulecheck import check_hvp, check_jvp

X = np.array([0.3, -1.2, 0.7, 2.1])

TIED = """
def f(a):
    b = a * 2.0
    u = np.unique(b)
    return np.sum(u ** 2)
"""


def test_unique_at_tied_values_is_refused_at_the_users_line_in_every_mode():
    f = make_function(TIED)
    tied = np.array([1.0, 2.0, 1.0])
    with pytest.raises(srcad.SrcadError, match="two of its values are equal") as rev:
        srcad.grad(f)(tied)
    with pytest.raises(srcad.SrcadError, match="two of its values are equal") as fwd:
        srcad.jvp(f, (tied,), (np.ones(3),))
    out, pullback = srcad.vjp(f, tied)
    with pytest.raises(srcad.SrcadError, match="two of its values are equal") as vjp:
        pullback(np.ones_like(out))
    for info in (rev, fwd, vjp):
        assert info.value.location is not None and info.value.location.lineno == 4, info.value


def test_unique_of_distinct_values_is_a_permutation():
    f = make_function(TIED)
    check_grad(f, (X,))
    check_jvp(f, (X,), [0])
    check_hvp(f, (X,), 0)
    np.testing.assert_allclose(srcad.grad(f)(X), 8.0 * X)


def test_unique_of_labels_needs_no_gradient_and_is_not_refused():
    f = make_function("""
def f(w, labels):
    s = 0.0
    for c in np.unique(labels):
        s = s + np.sum(w[labels == c]) ** 2
    return s
""")
    labels = np.array([0, 1, 1, 2])
    check_grad(f, (X, labels))
    check_jvp(f, (X, labels), [0])


def test_union1d_of_a_value_in_both_is_refused():
    f = make_function("def f(a, b):\n    return np.sum(np.union1d(a, b) ** 2)\n")
    with pytest.raises(srcad.SrcadError, match="two of its values are equal") as info:
        srcad.grad(f, argnums=(0, 1))(np.array([1.0, 2.0]), np.array([2.0, 3.0]))
    assert info.value.location.lineno == 2
    check_grad(f, (np.array([1.0, 2.0]), np.array([2.5, 3.0])), argnums=(0, 1))


def test_a_composites_error_in_vjp_and_jvp_names_the_users_line():
    # (was the line of the composite's implementation, in the user's file)
    f = make_function("def f(a):\n    y = a * 2.0\n    return np.polymul(y, a) ** 2\n")
    x = np.array([0.0, 2.0, 1.0])  # a leading zero: NumPy drops it, no derivative
    out, pullback = srcad.vjp(f, x)
    with pytest.raises(srcad.SrcadError, match="leading zero") as vjp:
        pullback(np.ones_like(out))
    with pytest.raises(srcad.SrcadError, match="leading zero") as fwd:
        srcad.jvp(f, (x,), (np.ones(3),))
    assert vjp.value.location.lineno == 3 and fwd.value.location.lineno == 3


SCALAR_TYPES = """
def f(x):
    z = np.complex128(x[0]) * (1 + 2j)
    w = np.float64(x[1]) * np.float16(2.0) + np.longdouble(x[2])
    return abs(z) ** 2 + float(w) * x[3] + float(np.real(np.clongdouble(x[2]) * 1j * z))
"""


def test_the_scalar_types_are_casts():
    f = make_function(SCALAR_TYPES)
    x = np.array([0.5, 1.5, -0.7, 0.2])
    check_grad(f, (x,))
    check_jvp(f, (x,), [0])
    check_hvp(f, (x,), 0)


def test_ix_and_isdtype_carry_no_gradient():
    f = make_function("""
def f(a):
    m = np.outer(a, a)
    sub = m[np.ix_([0, 2], [1, 3])]
    if np.isdtype(sub.dtype, "real floating"):
        return np.sum(sub ** 2)
    return 0.0
""")
    check_grad(f, (X,))
    check_jvp(f, (X,), [0])


# ---- against JAX's NumPy: each function it has is in srcad's tables, or listed here with why -----

# the functions of jax.numpy (and its linalg and fft) srcad has no entry for, and why (docs/rules.md,
# "Against autograd and JAX"); a function not in NumPy, a type or a dtype is not counted
JAX_ONLY = {
    "apply_along_axis": "takes a Python function: refused at the call (write the loop)",
    "apply_over_axes": "takes a Python function: refused at the call (write the loop)",
    "piecewise": "takes Python functions: refused at the call (np.where or np.select)",
    "frompyfunc": "makes a ufunc of a Python function: refused at the call",
    "fromfunction": "calls a Python function on index arrays: refused at the call",
    "histogram2d": "no rule yet (np.histogram has one)",
    "histogramdd": "no rule yet (np.histogram has one)",
    "intersect1d": "which values survive depends on equalities between the arrays: no derivative",
    "setdiff1d": "which values survive depends on equalities between the arrays: no derivative",
    "setxor1d": "which values survive depends on equalities between the arrays: no derivative",
    "unique_all": "a named-tuple result (np.unique's return_* flags give the same values)",
    "unique_counts": "a named-tuple result (np.unique's return_* flags give the same values)",
    "unique_inverse": "a named-tuple result (np.unique's return_* flags give the same values)",
    "einsum_path": "a contraction order, no array",
}
_NOT_FUNCTIONS = {  # printing, I/O, dtype helpers and classes: nothing to differentiate
    "array_repr", "array_str", "from_dlpack", "frombuffer", "fromfile", "fromiter", "fromstring",
    "get_printoptions", "printoptions", "set_printoptions", "load", "save", "savez", "packbits",
    "unpackbits", "mask_indices",
}


def test_every_function_jax_numpy_has_an_entry_or_a_reason():
    import jax.numpy as jnp  # (the test extra installs JAX)
    import types

    from srcad.passes.writing_calls import _WRITING
    from srcad.rules import composites, registry
    missing = []
    for jm, nm in ((jnp, np), (jnp.linalg, np.linalg), (jnp.fft, np.fft)):
        for name in sorted(dir(jm)):
            f = getattr(nm, name, None)
            if name.startswith("_") or f is None or not callable(f) or isinstance(f, type) \
                    or isinstance(f, types.ModuleType):
                continue
            if registry.lookup(f) is None and composites.lookup(f) is None \
                    and f not in _WRITING and name not in JAX_ONLY and name not in _NOT_FUNCTIONS:
                missing.append(name)
    assert not missing, f"jax.numpy has these, srcad neither an entry nor a reason: {missing}"
