"""Realistic programs, as users write them (issue #15): the corpus in tests/corpus_real_*.py.

For each case in ``CASES``: srcad.grad against central differences leaf by leaf (the leaves of a
dataclass, named tuple, SimpleNamespace, dict, list, tuple or plain object are found here, without
srcad), a random-direction check of the whole gradient, srcad.jvp along a random direction (all
leaves of the differentiated arguments moved at once) against differences, and, for a function of
one array argument, srcad.hvp against differences of srcad.grad. Where autograd runs the same code
(``AUTOGRAD`` in the corpus modules), srcad's gradient is compared with autograd's too.

Each case in ``REFUSED`` must raise the expected SrcadError at the named line with a hint that says
what to write. ``BUGS`` lists programs on which srcad was found wrong; they are out of the passing
set and reported (the test below checks that they are documented, not that they pass).
"""

from __future__ import annotations

import copy
import dataclasses
import linecache
import types

import numpy as np
import pytest

import corpus_real_models
import corpus_real_optim
import corpus_real_science
import srcad

MODULES = (corpus_real_models, corpus_real_science, corpus_real_optim)
CASES = {n: c for m in MODULES for n, c in m.CASES.items()}
REFUSED = {n: c for m in MODULES for n, c in m.REFUSED.items()}
BUGS = {n: d for m in MODULES for n, d in m.BUGS.items()}
HVP_REFUSED = {n: c for m in MODULES for n, c in getattr(m, "HVP_REFUSED", {}).items()}
MISLOCATED = {n: c for m in MODULES for n, c in getattr(m, "MISLOCATED", {}).items()}
BUG_CASES = {n: c for m in MODULES for n, c in getattr(m, "BUG_CASES", {}).items()}
AUTOGRAD = sorted(n for m in MODULES for n in getattr(m, "AUTOGRAD", ()))
EPS = 1e-6


# ---- the leaves of a structure, found without srcad ------------------------------------------------

def _children(x):
    if isinstance(x, dict):
        return [(("item", k), v) for k, v in x.items()]
    if isinstance(x, tuple) and hasattr(type(x), "_fields"):
        return [(("attr", n), getattr(x, n)) for n in x._fields]
    if isinstance(x, (list, tuple)):
        return [(("item", k), v) for k, v in enumerate(x)]
    if dataclasses.is_dataclass(x):
        return [(("attr", f.name), getattr(x, f.name)) for f in dataclasses.fields(x)]
    if hasattr(x, "__dict__"):
        return [(("attr", n), v) for n, v in vars(x).items()]
    return []


def leaves(x, path=()):
    """``(path, leaf)`` for every float or float array in ``x``."""
    if isinstance(x, float) or (isinstance(x, np.ndarray) and x.dtype.kind == "f"):
        yield path, x
        return
    if isinstance(x, (int, bool, str, np.ndarray, types.FunctionType)) or x is None:
        return
    for key, value in _children(x):
        yield from leaves(value, path + (key,))


def get(x, path):
    for kind, key in path:
        x = x[key] if kind == "item" else getattr(x, key)
    return x


def replaced(x, path, value):
    if not path:
        return value
    (kind, key), rest = path[0], path[1:]
    inner = replaced(get(x, [path[0]]), rest, value)
    if kind == "attr" and isinstance(x, tuple):
        return x._replace(**{key: inner})
    if kind == "attr":
        new = copy.copy(x)
        object.__setattr__(new, key, inner)
        return new
    if isinstance(x, tuple):
        return type(x)(inner if k == key else v for k, v in enumerate(x))
    new = copy.copy(x)
    new[key] = inner
    return new


def moved(x, direction, e):
    for path, leaf in leaves(x):
        x = replaced(x, path, leaf + e * direction[path])
    return x


def fresh(factory):
    return list(copy.deepcopy(factory()))


def numeric(f, factory, k, path):
    args = fresh(factory)
    leaf = np.asarray(get(args[k], path), dtype=float)
    out = np.zeros(leaf.shape)
    for index in np.ndindex(leaf.shape):
        e = np.zeros(leaf.shape)
        e[index] = EPS
        values = []
        for sign in (1, -1):
            a = fresh(factory)
            new = leaf + sign * e
            a[k] = replaced(a[k], path, new if leaf.shape else float(new))
            values.append(f(*a))
        out[index] = (values[0] - values[1]) / (2 * EPS)
    return out


def _argnums(argnums):
    return (argnums,) if isinstance(argnums, int) else tuple(argnums)


def _directions(args, ks, seed):
    rng = np.random.default_rng(seed)
    return {k: {p: rng.normal(size=np.shape(l)) for p, l in leaves(args[k])} for k in ks}


def _along(f, factory, ks, dirs, e):
    a = fresh(factory)
    for k in ks:
        a[k] = moved(a[k], dirs[k], e)
    return f(*a)


def _as_tangent(x, direction):
    for path, leaf in leaves(x):
        d = direction[path]
        x = replaced(x, path, d if np.shape(leaf) else float(d))
    return x


# ---- the checks -----------------------------------------------------------------------------------

def test_corpus_size_and_bugs_documented():
    assert len(CASES) + len(REFUSED) + len(BUGS) >= 60
    assert len(CASES) >= 57
    for name, description in BUGS.items():
        assert isinstance(description, str) and description, name
        assert name not in CASES and name in BUG_CASES


@pytest.mark.parametrize("name", sorted(CASES))
def test_grad_against_differences(name):
    f, factory, argnums = CASES[name]
    ks = _argnums(argnums)
    grads = srcad.grad(f, argnums=argnums)(*fresh(factory))
    gs = (grads,) if isinstance(argnums, int) else grads
    args = fresh(factory)
    for k, g in zip(ks, gs):
        found = list(leaves(args[k]))
        assert found, "no float leaf to check"
        for path, leaf in found:
            mine = get(g, path)
            assert np.shape(mine) == np.shape(leaf), (path, np.shape(mine), np.shape(leaf))
            np.testing.assert_allclose(mine, numeric(f, factory, k, path), rtol=1e-5, atol=1e-6,
                                       err_msg=f"argument {k} at {path}")
    # the whole gradient along a random direction
    dirs = _directions(args, ks, seed=3)
    lhs = sum(float(np.sum(np.asarray(get(g, p)) * d)) for k, g in zip(ks, gs)
              for p, d in dirs[k].items())
    rhs = (_along(f, factory, ks, dirs, EPS) - _along(f, factory, ks, dirs, -EPS)) / (2 * EPS)
    np.testing.assert_allclose(lhs, rhs, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(CASES))
def test_jvp_against_differences(name):
    f, factory, argnums = CASES[name]
    ks = _argnums(argnums)
    args = fresh(factory)
    dirs = _directions(args, ks, seed=5)
    tangents = [_as_tangent(copy.deepcopy(a), dirs[k]) if k in ks else None
                for k, a in enumerate(args)]
    out, tangent = srcad.jvp(f, fresh(factory), tangents)
    np.testing.assert_allclose(out, f(*fresh(factory)), rtol=1e-12, atol=1e-12)
    expected = (_along(f, factory, ks, dirs, EPS) - _along(f, factory, ks, dirs, -EPS)) / (2 * EPS)
    np.testing.assert_allclose(tangent, expected, rtol=1e-5, atol=1e-6)


def _single_array(name):
    f, factory, argnums = CASES[name]
    return isinstance(argnums, int) and isinstance(factory()[argnums], np.ndarray)


@pytest.mark.parametrize("name", sorted(n for n in CASES if _single_array(n) and n not in HVP_REFUSED))
def test_hvp_against_differences_of_grad(name):
    f, factory, k = CASES[name]
    args = fresh(factory)
    v = np.random.default_rng(7).normal(size=args[k].shape)
    hv = srcad.hvp(f, argnums=k)(*fresh(factory), v)
    g = srcad.grad(f, argnums=k)

    def at(e):
        a = fresh(factory)
        a[k] = a[k] + e * v
        return g(*a)
    expected = (at(1e-5) - at(-1e-5)) / 2e-5
    assert np.shape(hv) == np.shape(args[k])
    np.testing.assert_allclose(hv, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", sorted(AUTOGRAD))
def test_grad_against_autograd(name):
    autograd = pytest.importorskip("autograd")
    f, factory, argnums = CASES[name]
    # the same code with autograd.numpy for np (the function calls no other function of its module)
    f_autograd = types.FunctionType(f.__code__, {**f.__globals__, "np": autograd.numpy},
                                    f.__name__, f.__defaults__)
    mine = srcad.grad(f, argnums=argnums)(*fresh(factory))
    theirs = autograd.grad(f_autograd, argnum=argnums)(*fresh(factory))
    for path, leaf in leaves(fresh(factory)[argnums]):
        np.testing.assert_allclose(get(mine, path), get(theirs, path), rtol=1e-9, atol=1e-10,
                                   err_msg=str(path))


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_at_the_line(name):
    f, factory, argnums, error, line, words = REFUSED[name]
    with pytest.raises(error) as info:
        srcad.grad(f, argnums=argnums)(*fresh(factory))
    exc = info.value
    assert isinstance(exc, srcad.SrcadError)
    assert exc.location is not None
    text = linecache.getline(exc.location.filename, exc.location.lineno).strip()
    assert text == line, (text, line)
    assert all(w in str(exc) for w in words), str(exc)  # the message or hint says what to write


def test_no_known_bug_is_left():
    """The corpus found four srcad bugs (dict and list items reassigned with values of another
    shape); all are fixed and their programs are ordinary cases now. A bug found later goes into
    a module's BUGS and BUG_CASES, with a strict xfail test here, until it is fixed."""
    assert not BUGS and not BUG_CASES


def test_no_refusal_is_mislocated_and_every_hvp_is_differentiated():
    """Refusals once located in the standard library (``MISLOCATED``: dataclasses.replace,
    NamedTuple._replace) and Hessian-vector products once refused (``HVP_REFUSED``: a dict item
    write) are all differentiated now, checked as ordinary cases. One found later goes back into
    a module's MISLOCATED or HVP_REFUSED, with a test here (its line, as REFUSED's), until fixed."""
    assert not MISLOCATED and not HVP_REFUSED
