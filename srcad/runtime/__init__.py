"""Helpers the generated code calls. Small, plain NumPy; no srcad machinery at run time.

Accepts: nothing; importing the package registers every helper.
Guarantees: every registered helper is reachable here by its name (the generated code and
:mod:`srcad.tools.export` refer to them so), and :data:`HELPERS` lists them all: the template
namespace of :mod:`srcad.rules` is derived from it. The helpers are grouped by family:

* :mod:`.containers` -- adjoints of lists, tuples and dicts; zeros, copies and indexing;
* :mod:`.sequences` -- adjoints and tangents of ``list()``, ``tuple()`` and ``sorted()``;
* :mod:`.objects` -- adjoints and tangents of objects read by attribute (dataclasses, named tuples,
  registered pytrees, instances), and their gradients in the objects' own structure;
* :mod:`.broadcasting` -- unbroadcast, reductions, scans;
* :mod:`.elementwise` -- elementwise special cases (``abs``, ``**``, ``clip``, ``sinc``, ``max``);
* :mod:`.products` -- products (matmul, dot, einsum, ...); :mod:`.linalg` -- linear algebra;
* :mod:`.linalg2` -- the second order of linear algebra, ``np.prod``, ``np.cumprod``, ``np.sinc``;
* :mod:`.decompositions` -- ``svd``, ``eigvalsh``, ``qr``;
* :mod:`.eig` -- ``eig`` and ``eigvals`` (general matrices: complex eigenvalues and eigenvectors);
* :mod:`.linalg3` -- ``lstsq``, ``matrix_power``, the second order of ``np.linalg.norm``;
* :mod:`.assembly` -- shape and assembly functions;
* :mod:`.lists` -- undoing and differentiating a list's in-place methods (``append``, ``pop``, ...);
* :mod:`.draws` -- the standard draws of ``rng.normal`` and ``rng.uniform`` (pathwise gradients);
* :mod:`.writes` -- what ``np.copyto`` and ``np.add.at`` leave in an array, as a new array;
* :mod:`.fft` -- ``np.fft`` and the parts of complex values (JAX's convention for cotangents);
* :mod:`.rewritten` -- the values of a ``functools.partial`` called, the checks of ``d.update``
  and ``a, b = zip(*rows)`` written as loops;
* :mod:`.scipy_helpers`, :mod:`.scipy_more` -- the helpers of SciPy's rules: imported with them,
  once SciPy is imported (never by importing srcad; see :mod:`srcad.rules.scipy_rules`);
* :mod:`.numpy_more`, :mod:`.numpy_more_arrays` -- the helpers of :mod:`srcad.rules.numpy_more`;
* :mod:`.checks` -- run-time checks (aliasing, finiteness) and the seed of ``grad``;
* :mod:`.tangents` -- forward mode.

Every helper takes the primal values it needs (for their shapes) and returns an adjoint shaped like
the primal it belongs to. A helper is registered with :func:`helper`, which also declares the
helper's own derivative (see :mod:`._registry`).
"""

from __future__ import annotations

from . import (assembly, broadcasting, checks, containers, draws, linalg, lists,  # registers
               products,
               objects, sequences, tangents, writes)  # the helpers
from . import decompositions, linalg2, linalg3  # registers the second order, factorizations
from . import eig  # (np.linalg.eig and eigvals)
from . import fft  # (np.fft and complex values)
from . import rewritten  # (the calls srcad writes as other code: partials, update, zip)
from . import numpy_more, numpy_more_arrays  # the helpers of srcad.rules.numpy_more
from . import elementwise  # (abs, **, clip, sinc, max/min: the special points)
from ._registry import DERIVATIVES, HELPERS, Derivative, helper, on_register

# every registered helper by its name (srcad.runtime.unbroadcast, ...): derived from the registry,
# so a new helper needs no line here
globals().update(HELPERS)

__all__ = ["DERIVATIVES", "HELPERS", "Derivative", "helper", "on_register", "assembly",
           "broadcasting", "checks", "containers", "draws", "linalg", "lists", "objects", "sequences",
           "tangents", "writes", "fft", "rewritten", "numpy_more", "numpy_more_arrays", "products", *HELPERS]
__all__ += ["decompositions", "linalg2", "linalg3", "elementwise", "eig"]
