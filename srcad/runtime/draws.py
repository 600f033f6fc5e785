"""Runtime helpers: the standard draws behind a differentiated ``rng.normal`` or ``rng.uniform``.

Accepts: the generator (a ``numpy.random.Generator``, or the ``RandomState`` behind
``np.random.normal``), the distribution's parameters and ``size``, as the user's call passed them.
Guarantees: :func:`standard_normal_draws` and :func:`standard_uniform_draws` return the standard
draws (``z``, ``u``) that NumPy's ``normal(loc, scale, size)`` and ``uniform(low, high, size)``
make, from the same generator, in the same order, of the result's shape -- NumPy computes those
samples as ``loc + scale * z`` and ``low + (high - low) * u``, so the generated code that computes
them so gets the very same numbers, and its gradient is the pathwise (reparameterisation) one.
They refuse what NumPy refuses (``scale < 0``, an infinite range, a ``size`` the parameters do not
broadcast to) with NumPy's errors (NumPy itself checks the call, on a throwaway generator), and a generator of another type with a located
:class:`srcad.errors.UnsupportedOperationError`. No gradient flows through them (the draws do
not depend on the parameters).
"""

from __future__ import annotations

import numpy as np

from ._registry import helper

_GENERATORS = (np.random.Generator, np.random.RandomState)


def _shape(where, method, rng, params, size):
    """The shape of the draws NumPy's ``method`` makes for ``params`` and ``size`` (None: a
    Python float, as NumPy returns for scalar parameters and no size). The call is made once on a
    throwaway generator of the same type, so NumPy itself refuses what it refuses (a negative
    scale, ``high < low`` where the version refuses it, an infinite range, a ``size`` the
    parameters do not broadcast to), with its own errors, and the user's generator is untouched."""
    if not isinstance(rng, _GENERATORS):
        from .checks import _refuse
        from ..errors import UnsupportedOperationError
        _refuse(f"{where}: srcad differentiates '.{method}(...)' of a numpy.random.Generator "
                f"(or np.random.{method}), but this object is a {type(rng).__name__}; give the "
                f"method a gradient with srcad.custom_vjp, or draw with a numpy.random.Generator",
                UnsupportedOperationError)
    throwaway = (np.random.default_rng(0) if isinstance(rng, np.random.Generator)
                 else np.random.RandomState(0))
    sample = getattr(throwaway, method)(*params, size)
    return np.shape(sample) if isinstance(sample, np.ndarray) else None


@helper(nondiff=True)
def standard_normal_draws(rng, loc, scale, size, where):
    """``z`` such that ``rng.normal(loc, scale, size)`` is ``loc + scale * z`` (see the module)."""
    shape = _shape(where, "normal", rng, (loc, scale), size)
    return rng.standard_normal() if shape is None else rng.standard_normal(shape)


@helper(nondiff=True)
def standard_uniform_draws(rng, low, high, size, where):
    """``u`` such that ``rng.uniform(low, high, size)`` is ``low + (high - low) * u``."""
    shape = _shape(where, "uniform", rng, (low, high), size)
    draw = rng.random if isinstance(rng, np.random.Generator) else rng.random_sample
    return draw() if shape is None else draw(shape)
