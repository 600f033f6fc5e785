"""An independent oracle for gradients: central finite differences in float64.

``check_grad(f, args, argnums)`` differentiates ``f`` with srcad and compares the result with

* central differences, element by element, for every argument asked for (small inputs only), and
* a random-direction test: for a random direction v, (f(x + e v) - f(x - e v)) / 2e == v . grad f(x).

Neither check uses srcad, so a wrong rule or a wrong reverse pass fails here. ``numeric_grad`` is the
one finite-difference oracle of the tests (tests/fuzz.py and the check_grads tests use it too).
``make_function`` defines a function from source text that srcad (through ``inspect``) can read.
"""

from __future__ import annotations

import itertools
import linecache
import textwrap

import numpy as np

import srcad

EPS = 1e-6


def _perturb(args, k, delta):
    # (every array a copy: a function may change its arguments in place, as NumPy lets it)
    new = [np.copy(a) if isinstance(a, np.ndarray) else a for a in args]
    x = args[k]
    if isinstance(x, float) or isinstance(x, int):
        new[k] = float(x) + float(delta)
    else:
        new[k] = np.asarray(x, dtype=float) + delta
    return new


def numeric_grad(f, args, k, eps=EPS):
    """Central differences of scalar ``f`` with respect to ``args[k]``, element by element."""
    x = args[k]
    if np.ndim(x) == 0:
        return (f(*_perturb(args, k, eps)) - f(*_perturb(args, k, -eps))) / (2 * eps)
    x = np.asarray(x, dtype=float)
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[idx] = eps
        grad[idx] = (f(*_perturb(args, k, e)) - f(*_perturb(args, k, -e))) / (2 * eps)
    return grad


def directional(f, args, k, v, eps=EPS):
    return (f(*_perturb(args, k, eps * v)) - f(*_perturb(args, k, -eps * v))) / (2 * eps)


def check_grad(f, args, argnums=0, rtol=1e-5, atol=1e-6, seed=0):
    """Check srcad's gradient of ``f`` at ``args`` against finite differences; returns it."""
    grads = srcad.grad(f, argnums=argnums)(*args)
    ks = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    gs = (grads,) if isinstance(argnums, int) else grads
    assert len(gs) == len(ks)
    rng = np.random.default_rng(seed)
    for k, g in zip(ks, gs):
        assert np.shape(g) == np.shape(args[k]), (np.shape(g), np.shape(args[k]))
        expected = numeric_grad(f, args, k)
        np.testing.assert_allclose(g, expected, rtol=rtol, atol=atol,
                                   err_msg=f"gradient with respect to argument {k}")
        v = rng.normal(size=np.shape(args[k]))
        lhs = float(np.sum(v * np.asarray(g)))
        rhs = float(directional(f, args, k, v))
        np.testing.assert_allclose(lhs, rhs, rtol=rtol, atol=atol,
                                   err_msg=f"directional derivative, argument {k}")
    return grads


_file_numbers = itertools.count(1)  # a fresh pseudo-file name for each function defined


def make_function(source: str, namespace: dict | None = None, name: str | None = None):
    """Define a function from source text whose source ``inspect`` can read (as if from a file)."""
    source = textwrap.dedent(source)
    filename = f"<srcad-test-{next(_file_numbers)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    ns = {"np": np, "__builtins__": __builtins__}
    ns.update(namespace or {})
    exec(compile(source, filename, "exec"), ns)
    if name is None:
        name = source.split("def ", 1)[1].split("(", 1)[0].strip()
    return ns[name]
