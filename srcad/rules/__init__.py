"""The rule table: for each primitive, its VJP ("bprop") and JVP ("tangent") templates and its facts.

Accepts: nothing; importing the package registers every built-in rule (the family modules below,
in this order) and the rules of srcad's runtime helpers.
Guarantees: :data:`RULES` maps a function to its :class:`Rule`, :data:`OVERLOADS` to further rules
tried when a call does not fit; :func:`lookup` finds one. Rules are created whole by
:func:`defrule` / :func:`defnondiff` and never changed afterwards.

A VJP template gives, for one differentiable parameter, that parameter's share of the gradient,
written in ``g`` (the adjoint of the result), ``ans`` (the result), the parameters by the names in
the rule's signature, and the names of :data:`TEMPLATE_NAMESPACE` (``np``, ``math`` and the helpers
of :mod:`srcad.runtime`). A parameter written ``*operands`` takes the remaining positional
arguments as one tuple; its template gives the gradient of ``operands[k]``. A JVP template is
written in ``t`` (that parameter's tangent) instead of ``g``; the forward pass sums the templates of
the parameters that carry a tangent. Adding a primitive is one entry::

    defrule(np.tanh, "x", x="g * (1 - ans ** 2)", elementwise=True)

The families: :mod:`.operators` (operators and builtins), :mod:`.pymath` (``math``),
:mod:`.elementwise` (NumPy ufuncs), :mod:`.reductions` (reductions, scans, products),
:mod:`.shape` (shape and assembly), :mod:`.linalg`, :mod:`.writes` (``np.copyto`` and a
ufunc's ``.at``, written as subscript assignments by pass 4), :mod:`.nondiff` (no gradient),
:mod:`.fft` (``np.fft``, ``np.real``/``imag``/``conj``/``angle``, ``np.sign``; the convention
for complex values), :mod:`.scipy_rules` and :mod:`.scipy_more` (``scipy.special``/``stats``/``linalg``/``signal``,
registered once SciPy is imported), :mod:`.operations` (other namespaces' functions: the Array
API standard's ``xp.sum``, Dask's ``da.exp``, with NumPy's rules of the same operations, beside
the table in ``ALIASES``), :mod:`.methods` (ndarray methods and attributes), :mod:`.helpers` (runtime helpers and the template
namespace), :mod:`.python` (Python's own forms: copies, tuple/list/dict displays, ``+`` and ``*``
on sequences; not in the table, pass 6 recognises them by syntax); :mod:`.registry` holds the Rule
type, the table and :class:`RuleOrigin`. Conventions at points where a
derivative is undefined are stated in each family's docstring and collected in docs/rules.md.
"""

from __future__ import annotations

# the families, in the order of the table (importing one registers its entries)
from . import operators
from .methods import (ATTRIBUTES, METHODS, NONDIFF_ATTRIBUTES, PACKED_METHODS, VIEW_ONLY_METHODS,
                      astype, flatten, item)
from . import pymath, elementwise, reductions, shape, linalg, python, writes
from . import numpy_more  # more of NumPy (issue #16)
from .nondiff import stop_gradient
from . import fft  # np.fft, complex parts, np.sign (after nondiff)
from . import numpy_extra  # more of NumPy: ldexp, nextafter, aliases, no-gradient functions
from . import composites  # NumPy functions differentiated through an implementation (issue #16)
from . import scipy_rules  # registered once SciPy is imported (importing srcad does not)
from . import operations  # other namespaces' functions (xp.sum, da.exp): NumPy's rules
from .helpers import TEMPLATE_NAMESPACE, helper_rule
from .coverage import coverage_markdown, modes, second_order_gaps
from .registry import (ALIASES, OVERLOADS, RULES, Rule, RuleOrigin, Default, all_rules, complex_mode,
                       defnondiff, defrule, differentiable_params, lookup, overloads_of, qualified)

__all__ = [
    "operators", "pymath", "elementwise", "reductions", "shape", "linalg", "python", "writes", "fft",
    "scipy_rules", "numpy_more", "numpy_extra", "composites",
    "ALIASES", "ATTRIBUTES", "METHODS", "NONDIFF_ATTRIBUTES", "OVERLOADS", "PACKED_METHODS", "RULES",
    "TEMPLATE_NAMESPACE", "VIEW_ONLY_METHODS", "Rule", "Default", "all_rules", "astype",
    "complex_mode", "coverage_markdown", "modes", "second_order_gaps", "defnondiff", "defrule",
    "differentiable_params", "flatten", "helper_rule",
    "item", "lookup", "overloads_of", "qualified", "operations", "RuleOrigin", "stop_gradient",
]
