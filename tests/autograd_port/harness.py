"""The machinery of the port of autograd's test suite: what a ported check is, and how srcad is
held to it.

A :class:`Check` is one call of autograd's ``check_grads`` (one combination of a ``combo_check``):
a function written with plain ``numpy`` (srcad reads its source), the inputs, and the arguments
differentiated. :func:`run` puts srcad through the three checks autograd's default
``check_grads(fun, modes=['fwd', 'rev'], order=2)`` stands for:

* ``rev``: ``srcad.grad`` of ``L = <w, fun(*args)>`` (``w`` a random cotangent; for a complex
  output the real and imaginary parts each get one) against autograd's gradient of the same ``L``
  (the same source, run with ``autograd.numpy``) and against central differences of ``L`` along a
  random direction;
* ``fwd``: ``srcad.jvp(fun)`` along a random direction against central differences of ``fun``;
* ``hvp``: the JVP of ``srcad.grad(L)`` along that direction (forward over reverse: second order)
  against central differences of ``srcad.grad(L)``.

Each comes back as one :class:`Outcome`: ``pass``, ``refused`` (a :class:`srcad.SrcadError`: not a
wrong number, but the check fails), ``wrong`` (a number that disagrees with an oracle) or
``crash`` (any other exception: a defect). Complex arguments: srcad and autograd both give the
gradient of a real ``L`` with respect to ``z = x + iy`` as ``dL/dx - 1j * dL/dy`` (JAX's
convention; autograd's docs/tutorial.md, "Complex numbers"), so the two are compared as they are,
and the directional derivative along ``v`` is ``Re(sum(g * v))``.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import os
import traceback
import types
import zlib

import numpy as np

import srcad
from gradcheck import make_function

EPS = 1e-6
RTOL = 1e-5
MODES = ("rev", "fwd", "hvp")
_HERE = os.path.dirname(os.path.abspath(__file__))


# ---- what a check is ----------------------------------------------------------------------------

@dataclasses.dataclass
class Check:
    """One ported ``check_grads`` call: ``fun(*args)``, differentiated in ``args[k]``, k in
    ``argnums``; ``id`` is ``<autograd file>::<autograd test>[<n>]``."""

    id: str
    file: str
    test: str
    fun: object
    args: tuple
    argnums: tuple
    note: str = ""


@dataclasses.dataclass
class Skipped:
    """An autograd test that is not a gradient check of a NumPy/SciPy function (or has no NumPy
    counterpart), with the reason."""

    file: str
    test: str
    reason: str


@dataclasses.dataclass
class Outcome:
    status: str  # pass, refused, wrong, crash
    message: str = ""
    located: bool = True  # (a refusal: whether the SrcadError names a place)

    def first_line(self):
        return self.message.splitlines()[0] if self.message else ""


@dataclasses.dataclass
class Result:
    check: Check
    outcomes: dict  # mode -> Outcome

    @property
    def passed(self):
        return all(o.status == "pass" for o in self.outcomes.values())

    @property
    def status(self):
        """The check's verdict: the worst of its modes (crash, wrong, refused, pass)."""
        for s in ("crash", "wrong", "refused"):
            if any(o.status == s for o in self.outcomes.values()):
                return s
        return "pass"


# ---- the port's registry: one Port per autograd test file ---------------------------------------

_LITERALS = (str, bool, int, float, type(None), type(Ellipsis))


def _is_literal(value):
    if isinstance(value, (tuple, list)):
        return all(_is_literal(v) for v in value)
    return isinstance(value, _LITERALS) and not isinstance(value, np.generic)


_FUNCTIONS = {}  # source text -> function (one transformation per source, whatever the shapes)


def function_from_source(source, namespace):
    key = (source, tuple(sorted((k, id(v)) for k, v in namespace.items())))
    if key not in _FUNCTIONS:
        _FUNCTIONS[key] = make_function(source, namespace)
    return _FUNCTIONS[key]


class Port:
    """The checks ported from one autograd test file, in its order; ``R``, ``C``, ``U`` draw
    inputs as autograd's tests do (``npr.randn``, a complex one, ``npr.uniform``) from a seeded
    generator of this file."""

    def __init__(self, file, seed, namespace=None):
        self.file = file
        self.checks = []
        self.skipped = []
        self.namespace = {"np": np, **(namespace or {})}
        self.rng = np.random.default_rng(seed)

    def R(self, *shape):
        return float(self.rng.normal()) if not shape else self.rng.normal(size=shape)

    def C(self, *shape):
        return self.R(*shape) + 1j * self.R(*shape)

    def U(self, lo, hi, shape=None):
        return float(self.rng.uniform(lo, hi)) if shape is None else self.rng.uniform(lo, hi, shape)

    def check(self, test, fun, *args, argnums=(0,), note=""):
        """autograd's ``check_grads(fun, argnum)(*args)`` (argnum 0 unless it says otherwise)."""
        n = sum(c.test == test for c in self.checks)
        argnums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
        self.checks.append(Check(f"{self.file}::{test}[{n}]", self.file, test, fun, tuple(args),
                                 argnums, note))

    def expr(self, test, params, body, *args, argnums=(0,), note="", namespace=None):
        """A check of a function given as source: ``def f(<params>): <body>`` (a one-line body
        without ``return`` is an expression returned)."""
        if "\n" not in body and not body.lstrip().startswith("return"):
            body = f"return {body}"
        source = f"def f({params}):\n" + "".join(f"    {line}\n" for line in body.splitlines())
        fun = function_from_source(source, {**self.namespace, **(namespace or {})})
        self.check(test, fun, *args, argnums=argnums, note=note)

    def combo(self, test, call, *arg_lists, argnums=(0,), note="", **kwarg_lists):
        """autograd's ``combo_check(fun, argnums)(*arg_lists, **kwarg_lists)``: one check per
        combination. ``call`` names the function (``"np.var"``) or is a template with ``{0}``,
        ``{1}``... for the positional arguments and ``{kw}`` for the keywords. Arguments that are
        literals and not differentiated are written into the source, as the test wrote them."""
        argnums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
        keys = list(kwarg_lists)
        for args in itertools.product(*arg_lists):
            for values in itertools.product(*(kwarg_lists[k] for k in keys)):
                params, passed, texts = [], [], []
                numbering = {}
                for k, a in enumerate(args):
                    if k in argnums or not _is_literal(a):
                        numbering[k] = len(passed)
                        name = f"a{k}"
                        params.append(name)
                        passed.append(a)
                        texts.append(name)
                    else:
                        texts.append(repr(a))
                kws = []
                for key, value in zip(keys, values):
                    if _is_literal(value):
                        kws.append(f"{key}={value!r}")
                    else:
                        params.append(key)
                        passed.append(value)
                        kws.append(f"{key}={key}")
                if "{" in call:
                    text = call.format(*texts, kw=", ".join(kws))
                else:
                    text = f"{call}({', '.join(texts + kws)})"
                self.expr(test, ", ".join(params), text, *passed,
                          argnums=tuple(numbering[k] for k in argnums), note=note)

    def skip(self, test, reason):
        self.skipped.append(Skipped(self.file, test, reason))


# ---- autograd's twin of a ported function --------------------------------------------------------

def _module_twins():
    import autograd.numpy as anp
    import numpy.fft
    import numpy.linalg
    twins = {np: anp, numpy.linalg: anp.linalg, numpy.fft: anp.fft, np.random: anp.random}
    try:
        import autograd.scipy.integrate
        import autograd.scipy.linalg
        import autograd.scipy.signal
        import autograd.scipy.special
        import autograd.scipy.stats
        import autograd.scipy.stats.multivariate_normal
        import scipy.integrate
        import scipy.linalg
        import scipy.signal
        import scipy.special
        import scipy.stats
    except ImportError:  # (no SciPy: its checks are not collected)
        return twins
    twins.update({scipy.special: autograd.scipy.special, scipy.stats: autograd.scipy.stats,
                  scipy.linalg: autograd.scipy.linalg, scipy.signal: autograd.scipy.signal,
                  scipy.integrate: autograd.scipy.integrate,
                  scipy.stats.multivariate_normal: autograd.scipy.stats.multivariate_normal})
    return twins


_TWIN_MODULES = None
_twin_globals = {}  # id of a globals dict -> its twin


def _ours(fn):
    file = fn.__code__.co_filename
    return file.startswith("<srcad-test-") or file.startswith(_HERE)


def autograd_twin(fun):
    """``fun`` with autograd's NumPy (and SciPy) in place of NumPy's: the same code object, run
    with globals whose modules (and whose functions of the port) are autograd's twins."""
    global _TWIN_MODULES
    if _TWIN_MODULES is None:
        _TWIN_MODULES = _module_twins()
    key = id(fun.__globals__)
    if key not in _twin_globals:
        g = dict(fun.__globals__)
        _twin_globals[key] = g
        for name, value in fun.__globals__.items():
            if any(value is m for m in _TWIN_MODULES):  # (modules, and scipy.stats objects)
                g[name] = _TWIN_MODULES[value]
            elif isinstance(value, types.FunctionType) and _ours(value):
                g[name] = autograd_twin(value)
    return types.FunctionType(fun.__code__, _twin_globals[key], fun.__name__, fun.__defaults__,
                              fun.__closure__)


# ---- values: structure, directions, differences -------------------------------------------------

def _is_complex(x):
    return isinstance(x, complex) or (isinstance(x, (np.ndarray, np.generic)) and np.iscomplexobj(x))


def random_like(x, rng):
    """A random value shaped like ``x`` (tuples and lists entry by entry; complex for complex)."""
    if isinstance(x, (tuple, list)):
        return type(x)(random_like(v, rng) for v in x)
    shape = np.shape(x)
    v = rng.normal(size=shape)
    if _is_complex(x):
        v = v + 1j * rng.normal(size=shape)
    if isinstance(x, np.ndarray) or isinstance(x, np.generic) and shape:
        return v
    return complex(v) if _is_complex(x) else float(v)


def axpy(x, e, v):
    """``x + e * v`` with ``x``'s structure (a Python float stays a float)."""
    if isinstance(x, (tuple, list)):
        return type(x)(axpy(a, e, b) for a, b in zip(x, v))
    if isinstance(x, np.ndarray):
        dtype = np.result_type(x.dtype, np.float64)
        return x.astype(dtype) + e * np.asarray(v)
    return x + e * v


def flat(x):
    """Every number of ``x`` (nested tuples and lists of arrays and numbers) in one vector."""
    if isinstance(x, (tuple, list)):
        parts = [flat(v) for v in x]
        return np.concatenate(parts) if parts else np.zeros(0)
    a = np.asarray(x)
    if a.dtype == object:
        return flat(list(a.ravel()))
    return np.ravel(a).astype(np.complex128 if np.iscomplexobj(a) else np.float64)


def inner(g, v):
    """``Re(sum(g * v))``: the derivative along ``v`` from a gradient ``g``."""
    return float(np.real(np.sum(flat(g) * flat(v))))


def close(a, b, rtol=RTOL):
    a, b = flat(a), flat(b)
    if a.shape != b.shape:
        return False
    scale = max(np.max(np.abs(a), initial=0.0), np.max(np.abs(b), initial=0.0), 1e-3)
    return bool(np.all(np.abs(a - b) <= rtol * scale + rtol * np.abs(b)))


def structure_matches(g, x):
    if isinstance(x, (tuple, list)):
        return isinstance(g, (tuple, list)) and len(g) == len(x) and all(
            structure_matches(a, b) for a, b in zip(g, x))
    return np.shape(g) == np.shape(x)


def copied(args):
    return tuple(np.copy(a) if isinstance(a, np.ndarray) else a for a in args)


def central(f, args, positions, directions, eps=EPS):
    def shifted(e):
        new = list(copied(args))
        for k, v in zip(positions, directions):
            new[k] = axpy(args[k], e, v)
        return f(*new)
    plus, minus = shifted(eps), shifted(-eps)
    return (flat(plus) - flat(minus)) / (2 * eps)


# ---- the scalar L = <w, fun(*args)> ---------------------------------------------------------------

def _terms(out, text, weights, rng):
    if isinstance(out, (tuple, list)):
        return [t for k, part in enumerate(out) for t in _terms(part, f"{text}[{k}]", weights, rng)]
    w = rng.normal(size=np.shape(out))
    name = f"w{len(weights)}"
    weights.append(w)
    if not _is_complex(out):
        return [f"np.sum({text} * {name})"]
    name_im = f"w{len(weights)}"
    weights.append(rng.normal(size=np.shape(out)))
    return [f"np.sum(np.real({text}) * {name})", f"np.sum(np.imag({text}) * {name_im})"]


def scalarized(check, out, rng):
    """``(L, weights)``: ``L(*args, *weights) = <weights, fun(*args)>``, a function srcad reads."""
    weights = []
    terms = _terms(out, "out", weights, rng)
    params = [f"a{k}" for k in range(len(check.args))]
    ws = [f"w{k}" for k in range(len(weights))]
    source = (f"def L({', '.join(params + ws)}):\n"
              f"    out = fun({', '.join(params)})\n"
              f"    return {' + '.join(terms) if terms else '0.0'}\n")
    return function_from_source(source, {"fun": check.fun}), weights


# ---- running one check -----------------------------------------------------------------------------

def _classify(exc):
    if isinstance(exc, srcad.SrcadError):
        return Outcome("refused", str(exc.message).strip() or str(exc), exc.location is not None)
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {os.path.basename(frames[-1].filename)}:{frames[-1].lineno}" if frames else ""
    return Outcome("crash", f"{type(exc).__name__}: {exc}{where}".strip())


def _precision(args):
    """The tolerance the arguments' precision allows: float16 and float32 arguments are computed
    in their own precision by srcad, and compared with differences taken in float64."""
    eps = max([np.finfo(a.dtype).eps for a in args
               if isinstance(a, np.ndarray) and a.dtype.kind in "fc"] or [0.0])
    return max(1e-4, 10 * eps)


def _seed(check):
    return zlib.crc32(check.id.encode())


_GRADIENTS = {}  # (L, argnums) -> srcad.grad(L, argnums): made once, as a user would


def gradient(loss, ks):
    if (loss, ks) not in _GRADIENTS:
        _GRADIENTS[loss, ks] = srcad.grad(loss, argnums=ks)
    return _GRADIENTS[loss, ks]


def _rev(check, loss, largs, directions):
    ks = check.argnums
    g = gradient(loss, ks)(*copied(largs))
    for gk, k in zip(g, ks):
        if not structure_matches(gk, check.args[k]):
            return Outcome("wrong", f"gradient of argument {k} shaped {np.shape(gk)}, argument "
                                    f"{np.shape(check.args[k])}")
    lhs = sum(inner(gk, v) for gk, v in zip(g, directions))
    rhs = float(central(loss, largs, ks, directions)[0])
    if not close(lhs, rhs, _precision(check.args)):
        return Outcome("wrong", f"directional derivative {lhs!r}, central differences {rhs!r}")
    try:
        import autograd
        twin = autograd_twin(loss)
        if not close(twin(*copied(largs)), loss(*copied(largs)), 1e-9):
            return Outcome("pass", "autograd's function of that name computes another value")
        theirs = autograd.grad(twin, ks)(*copied(largs))
    except Exception:  # (autograd has no rule, or its own limits: the differences decide)
        return Outcome("pass", "autograd gave no gradient")
    if not finite(theirs):  # (autograd's np.prod divides by the entries: NaN at a zero)
        return Outcome("pass", "autograd's gradient is not finite")
    for k, a, b in zip(ks, g, theirs):
        if not close(a, b, max(1e-6, _precision(check.args) / 100)):
            return Outcome("wrong", f"gradient of argument {k} differs from autograd's (max "
                                    f"difference {np.max(np.abs(flat(a) - flat(b))):.3g})")
    return Outcome("pass")


def _fwd(check, directions):
    ks = check.argnums
    tangents = [None] * len(check.args)
    for k, v in zip(ks, directions):
        tangents[k] = v
    out, tangent = srcad.jvp(check.fun, copied(check.args), tangents)
    if not close(out, check.fun(*copied(check.args)), 1e-10):
        return Outcome("wrong", "jvp's value differs from the function's")
    expected = central(check.fun, check.args, ks, directions)
    if not close(tangent, expected, _precision(check.args)):
        diff = np.max(np.abs(flat(tangent) - expected)) if flat(tangent).shape == expected.shape \
            else f"shapes {flat(tangent).shape} {expected.shape}"
        return Outcome("wrong", f"JVP differs from central differences (max difference {diff})")
    return Outcome("pass")


def _hvp(check, loss, largs, directions):
    ks = check.argnums
    g = gradient(loss, ks)
    tangents = [None] * len(largs)
    for k, v in zip(ks, directions):
        tangents[k] = v
    _, hv = srcad.jvp(g, copied(largs), tangents)
    expected = central(g, largs, ks, directions)
    if not close(hv, expected, _precision(check.args)):
        diff = np.max(np.abs(flat(hv) - expected)) if flat(hv).shape == expected.shape \
            else f"shapes {flat(hv).shape} {expected.shape}"
        return Outcome("wrong", f"Hessian-vector product differs from differences of the "
                                f"gradient (max difference {diff})")
    return Outcome("pass")


def run(check, modes=MODES):
    """The :class:`Result` of ``check`` in each of ``modes``."""
    rng = np.random.default_rng(_seed(check))
    out = check.fun(*copied(check.args))
    loss, weights = scalarized(check, out, rng)
    largs = tuple(check.args) + tuple(weights)
    directions = [random_like(check.args[k], rng) for k in check.argnums]
    outcomes = {}
    for mode in modes:
        try:
            if mode == "rev":
                outcomes[mode] = _rev(check, loss, largs, directions)
            elif mode == "fwd":
                outcomes[mode] = _fwd(check, directions)
            else:
                outcomes[mode] = _hvp(check, loss, largs, directions)
        except Exception as exc:  # noqa: BLE001 (every exception is classified)
            outcomes[mode] = _classify(exc)
    return Result(check, outcomes)


def finite(x):
    return all(math.isfinite(v) for v in np.abs(flat(x)))
