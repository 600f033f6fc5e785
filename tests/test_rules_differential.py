"""A differential test of the rule table against autograd and JAX, in one go.

One test expression of each function of the rule tests (tests/test_rules_numpy.py,
test_rules_numpy_more.py, test_rules_fft.py, test_rules_linalg_more.py, test_rules_scipy.py and
the elementwise entries of tests/rulecheck.py; those files run every expression against central
differences) is evaluated the same way by srcad and, with ``np``/``sp``/``st``/``sl`` read as
``autograd.numpy``/``autograd.scipy`` or ``jax.numpy``/``jax.scipy``, by each peer that has the
function and its arguments and computes the same values as NumPy there: the gradient of
``sum(expr * w)`` (reverse mode), its JVP along a random direction (forward mode, JAX) and a
Hessian-vector product (forward over reverse) must agree to rounding. An expression a peer cannot
evaluate is not compared with that peer; the test fails if fewer cases than stated are compared,
so a peer that stops running cases cannot make it pass unnoticed. A disagreement fails the test
unless it is one of the peers' known faults (:data:`PEER_FAULTS`, each with its reason) and
srcad's own number agrees with central differences there.
"""

import math
import os
import warnings

import numpy as np
import pytest

import srcad
from gradcheck import make_function

autograd = pytest.importorskip("autograd")  # (the test extra installs autograd and JAX)
jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)

import autograd.numpy as anp  # noqa: E402
import autograd.scipy.special  # noqa: E402
import autograd.scipy.stats  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import jax.scipy.linalg  # noqa: E402
import jax.scipy.special  # noqa: E402
import jax.scipy.stats  # noqa: E402

import rulecheck  # noqa: E402
from test_rules_fft import CASES as FFT_CASES  # noqa: E402
from test_rules_linalg_more import CASES as LINALG_CASES  # noqa: E402
from test_rules_numpy import CASES as NUMPY_CASES  # noqa: E402
from test_rules_numpy_more import CASES as MORE_CASES  # noqa: E402
from test_rules_scipy import CASES as SCIPY_CASES, NAMESPACE as SCIPY_NAMESPACE  # noqa: E402


def _elementwise_cases():
    """One call of each elementwise entry on arrays, as the elementwise tests make them."""
    for fn, rule in rulecheck.differentiable_entries():
        if rulecheck.is_python_scalar_only(fn):
            continue
        try:
            text = rulecheck.call_text(fn, ["x", "y"][:len(rule.params)])
        except AssertionError:
            continue
        lo, hi = rulecheck.DOMAIN.get(fn, (0.2, 0.8))
        yield text, [(lambda rng, lo=lo, hi=hi: rng.uniform(lo, hi, size=(2, 3)))] * len(rule.params)


def _callee(expr):
    """The function an expression is a test of: its text up to the first parenthesis."""
    return expr.split("(", 1)[0]


def _all():
    cases = list(_elementwise_cases())
    for table in (NUMPY_CASES, FFT_CASES, SCIPY_CASES):
        cases += [c for cs in table.values() for c in cs]
    return cases + list(MORE_CASES) + list(LINALG_CASES)


def _sample():
    """One case of each function of each table (the first; the rule tests run them all)."""
    cases = list(_elementwise_cases())
    for table in (NUMPY_CASES, FFT_CASES, SCIPY_CASES):
        cases += [cs[0] for cs in table.values()]
    for table in (MORE_CASES, LINALG_CASES):
        first = {}
        for expr, makers in table:
            first.setdefault(_callee(expr), (expr, makers))
        cases += list(first.values())
    return cases


# SRCAD_DIFFERENTIAL=all: every expression of those files (about 700; 7 minutes) instead of one per
# function (about 330; under a minute)
ALL = os.environ.get("SRCAD_DIFFERENTIAL") == "all"
CASES = _all() if ALL else _sample()

PEERS = {
    "autograd": {"np": anp, "sp": autograd.scipy.special, "st": autograd.scipy.stats,
                 "sl": None, "sg": None, "math": math},
    "jax": {"np": jnp, "sp": jax.scipy.special, "st": jax.scipy.stats, "sl": jax.scipy.linalg,
            "sg": None, "math": math},
}

# (peer, expression fragment, modes) -> why the peer's number is not the derivative of the function
# NumPy computes there. A disagreement listed here still fails the test unless srcad's own number
# agrees with central differences at that point (so a listed case cannot hide an error of srcad's).
PEER_FAULTS = {
    ("jax", "x.item(", ("reverse", "forward", "hvp")):
        "JAX's .item() returns a constant (no gradient through it)",
    ("autograd", "np.full(", ("reverse",)): "autograd's np.full has no gradient for fill_value",
    ("autograd", "np.full_like(", ("reverse",)): "autograd's np.full_like has no gradient for fill_value",
    ("autograd", "np.linspace(", ("reverse",)): "autograd's linspace gradient has the wrong shape",
    ("autograd", "np.cross(", ("reverse",)): "autograd's np.cross gradient ignores axisa/axisb",
    ("autograd", "np.fft.rfft(", ("reverse", "hvp")): "autograd's rfft ignores norm=",
    ("autograd", "np.fft.irfft(", ("reverse", "hvp")): "autograd's irfft ignores norm=",
    ("autograd", "st.chi2.pdf(", ("reverse", "hvp")): "autograd's chi2.pdf ignores df=",
    ("autograd", "x.astype(int)", ("reverse", "hvp")): "autograd differentiates a cast to int",
    ("autograd", "np.linalg.eig(x)[1] ** 2", ("reverse", "hvp")):
        "autograd's eig gradient keeps the eigenvectors' norm, not LAPACK's phase (their largest "
        "component real): wrong for a function of their phase",
    ("autograd", "np.linalg.norm(x, axis=-1, keepdims=True)", ("reverse", "hvp")):
        "autograd's gradient of norm with keepdims=True (0.39 from central differences, srcad 1e-10)",
}

# the least number of cases each peer must compare in each mode (it runs more; fewer means a peer
# stopped evaluating expressions it used to, and the comparison would shrink unnoticed)
AT_LEAST = {("autograd", "reverse"): 200, ("autograd", "hvp"): 200,
            ("jax", "reverse"): 270, ("jax", "forward"): 270, ("jax", "hvp"): 270}


def _peer_function(expr, names, namespace, w, np_module):
    code = compile(f"lambda {', '.join(names)}: {np_module}.sum(({expr}) * w)", "<peer>", "eval")
    return eval(code, {**namespace, "w": w, "Ellipsis": Ellipsis})


def _peer_modes(peer, f, args, k, v):
    """(value, gradient, jvp along v, hvp along v) of ``f`` in argument ``k``; None where the peer
    has no such mode."""
    if peer == "autograd":
        grad = autograd.grad(f, k)
        g = grad(*args)
        hv = autograd.grad(lambda *a: anp.sum(grad(*a) * v), k)(*args)
        return f(*args), np.asarray(g), None, np.asarray(hv)
    jargs = [jnp.asarray(a, dtype=float) for a in args]
    grad = jax.grad(f, k)

    def along(fun):  # the JVP of fun in argument k along v
        return jax.jvp(lambda a: fun(*jargs[:k], a, *jargs[k + 1:]), (jargs[k],),
                       (jnp.asarray(v, dtype=float),))[1]
    # (one compiled function for the three: JAX's op-by-op mode costs seconds per case)
    value, g, jv, hv = jax.jit(lambda: (f(*jargs), grad(*jargs), along(f), along(grad)))()
    return value, np.asarray(g), np.asarray(jv), np.asarray(hv)


def _srcad_modes(f, args, k, v):
    g = srcad.grad(f, k)(*args)
    tangents = [None] * len(args)
    tangents[k] = v
    _, jv = srcad.jvp(f, args, tangents)
    hv = srcad.hvp(f, k)(*args, v)
    return np.asarray(g), np.asarray(jv), np.asarray(hv)


def _agrees_with_differences(f, args, k, v, mode, ours, eps=1e-6):
    """srcad's number in ``mode`` against central differences along ``v`` (of ``f`` for reverse
    and forward mode, of srcad's gradient for Hessian-vector products)."""
    def moved(s):
        return [a + s * v if i == k else a for i, a in enumerate(args)]
    if mode == "hvp":
        grad = srcad.grad(f, k)
        expected = (np.asarray(grad(*moved(eps))) - np.asarray(grad(*moved(-eps)))) / (2 * eps)
        return np.allclose(ours, expected, rtol=1e-4, atol=1e-5)
    along = (f(*moved(eps)) - f(*moved(-eps))) / (2 * eps)
    value = np.sum(ours * v) if mode == "reverse" else ours
    return np.allclose(value, along, rtol=1e-4, atol=1e-5)


def _compare(expr, makers, seed, counts, disagreements):
    names = ["x", "y", "z"][:len(makers)]
    rng = np.random.default_rng(seed)
    args = [make(rng) for make in makers]
    value = eval(expr, {"np": np, "math": math, "Ellipsis": Ellipsis, **SCIPY_NAMESPACE},
                 dict(zip(names, args)))
    if np.iscomplexobj(value):
        return
    w = rng.normal(size=np.shape(value))
    f = make_function(f"""
        def f({', '.join(names)}):
            return np.sum(({expr}) * w)
        """, {"w": w, "math": math, **SCIPY_NAMESPACE})
    differentiable = [k for k, a in enumerate(args)
                      if isinstance(a, (float, np.ndarray)) and np.asarray(a).dtype.kind == "f"]
    if not ALL:  # (one argument per case, each in turn across the table's cases: CI's minute)
        differentiable = differentiable[seed % len(differentiable):][:1] if differentiable else []
    for k in differentiable:
        a = args[k]
        v = rng.normal(size=np.shape(a))
        v = float(v) if not isinstance(a, np.ndarray) else v
        ours = _srcad_modes(f, args, k, v)
        for peer, namespace in PEERS.items():
            try:
                pf = _peer_function(expr, names, namespace, w, "np")
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    value, *theirs = _peer_modes(peer, pf, args, k, v)
            except Exception:  # the peer lacks the function, a keyword, or a mode for it
                continue
            if not np.allclose(np.asarray(value), f(*args), rtol=1e-9, atol=1e-12):
                continue  # (the peer computes another function: jnp.partition's order)
            for mode, a_, b_ in zip(("reverse", "forward", "hvp"), ours, theirs):
                if b_ is None or not np.all(np.isfinite(b_)):  # no such mode, or the peer's NaN
                    continue
                counts[(peer, mode)] = counts.get((peer, mode), 0) + 1
                if np.shape(a_) != np.shape(b_) or not np.allclose(a_, b_, rtol=1e-6, atol=1e-8):
                    known = [why for (p, frag, m), why in PEER_FAULTS.items()
                             if p == peer and frag in expr and mode in m]
                    if known and _agrees_with_differences(f, args, k, v, mode, a_):
                        counts.setdefault("known faults", set()).update(known)
                    else:
                        disagreements.append((peer, mode, expr, k, a_, b_))


def test_the_rule_table_agrees_with_autograd_and_jax():
    counts, disagreements = {}, []
    for n, (expr, makers) in enumerate(CASES):
        _compare(expr, makers, 5 + n, counts, disagreements)
    report = "\n".join(f"{peer} {mode}: {expr} (argument {k}): srcad {np.ravel(a)[:4]} "
                       f"peer {np.ravel(b)[:4]}" for peer, mode, expr, k, a, b in disagreements)
    assert not disagreements, f"{len(disagreements)} disagreements:\n{report}"
    short = {key: counts.get(key, 0) for key, least in AT_LEAST.items() if counts.get(key, 0) < least}
    print(f"compared: {counts}")
    assert not short, f"fewer cases compared than expected: {short} (all: {counts})"


# autograd's primitives srcad has no rule for, each for a reason: autograd's internals (its
# containers, vector spaces and the helpers of its own VJPs), its own functions that are not
# NumPy's or SciPy's, and one refused on purpose (docs/rules.md)
AUTOGRAD_ONLY = {
    "autograd.builtins", "autograd.core", "autograd.numpy.numpy_boxes", "autograd.numpy.numpy_vjps",
    "autograd.numpy.numpy_wrapper", "autograd.numpy.fft", "autograd.scipy.signal",
    "numpy.astype",  # (the method x.astype: srcad's stand-in srcad.rules.astype)
    "scipy.integrate._odepack_py.odeint",  # (a solver of the user's function)
}


def test_every_primitive_autograd_differentiates_has_a_rule():
    import autograd.numpy.fft  # noqa: F401 -- (each registers its primitives' VJPs on import)
    import autograd.numpy.linalg  # noqa: F401
    import autograd.scipy.linalg  # noqa: F401
    import autograd.scipy.signal  # noqa: F401
    for name in ("norm", "t", "gamma", "beta", "poisson", "multivariate_normal", "chi2",
                 "dirichlet"):
        __import__(f"autograd.scipy.stats.{name}")
    from autograd.core import primitive_vjps
    from srcad.rules import registry
    registry.load_lazy(force=True)
    functions = [p.fun for p in primitive_vjps if getattr(p, "fun", None) is not None]
    assert len(functions) > 200
    missing = {f"{f.__module__}.{f.__name__}" for f in functions if registry.lookup(f) is None}
    unexplained = {m for m in missing if m not in AUTOGRAD_ONLY
                   and not any(m.startswith(prefix + ".") for prefix in AUTOGRAD_ONLY)}
    assert not unexplained, f"autograd differentiates these, srcad has no rule: {sorted(unexplained)}"
