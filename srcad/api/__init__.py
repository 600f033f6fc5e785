"""The public functions of srcad, by family; ``srcad`` re-exports them.

* :mod:`.derived` - gradients: ``grad``, ``value_and_grad`` and the :class:`Derived` function
  they return (lazy, cached transformation; see that module for what is cached, and where);
* :mod:`.vjp` - reverse mode for any output: ``vjp`` (its :class:`VJPFunction`) and ``jacrev``;
* :mod:`.forward` - forward mode: ``jvp``, ``linearize``, ``jacfwd``; forward over reverse:
  ``hvp``, ``hessian``;
* :mod:`.batch` - per-example gradients: ``per_example_grad``;
* :mod:`.aux` - auxiliary outputs of ``vjp``/``jvp`` (``has_aux``; no public names);
* :mod:`.reading` - the generated code: ``source``, ``show``;
* :mod:`.display` - Jupyter's display of what srcad makes (``_repr_html_``), and :class:`Made`, the
  function ``jacfwd``, ``jacrev``, ``hvp``, ``hessian`` and ``per_example_grad`` return;
* :mod:`.debugging` - ``debug`` (pdb at the first generated line) and tracebacks that show
  generated lines on Python 3.10-3.12 (``install_traceback_printer``, run on import);
* :mod:`.structure` - helpers on the structure of arguments and tangents (no public names).

Every function here transforms through :mod:`srcad.pipeline`, which runs the passes in order
(``SRCAD_DEBUG_PASSES=1`` prints the code after each).
"""

from .batch import per_example_grad
from .debugging import debug
from .derived import Derived
from .display import Made
from .grads import grad, value_and_grad
from .forward import hessian, hvp, jacfwd, jvp, linearize
from .reading import show, source
from .vjp import VJPFunction, jacrev, vjp

__all__ = ["Derived", "Made", "VJPFunction", "debug", "grad", "hessian", "hvp", "jacfwd", "jacrev",
           "jvp", "linearize", "per_example_grad", "show", "source", "value_and_grad", "vjp"]
