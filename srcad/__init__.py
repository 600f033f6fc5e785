"""srcad: automatic differentiation of Python/NumPy functions by source transformation.

srcad reads a function's source, generates the source of its derivative (reverse or forward mode)
and compiles it; the generated code is plain Python and NumPy that ``srcad.show`` prints.

    >>> import srcad
    >>> def f(x, y, z):
    ...     return (x + y) * z
    >>> srcad.grad(f, argnums=(0, 1, 2))(-2.0, 5.0, -4.0)
    (-4.0, -4.0, 3.0)

The public names, all listed in ``__all__`` (see docs/api.md):

* derivatives (:mod:`srcad.api`): ``grad``, ``value_and_grad``, ``vjp``, ``jacrev``, ``jvp``,
  ``linearize``, ``jacfwd``, ``hvp``, ``hessian``, ``per_example_grad``; the generated code:
  ``source``, ``show``, and ``debug`` (pdb at the first generated line);
* the user's own gradients (:mod:`srcad.rules`): ``stop_gradient``, ``custom_vjp``, ``defvjp``,
  ``checkpoint``;
* tools (:mod:`srcad.tools`): ``check_grads`` (and ``GradientCheckError``), ``export``;
* objects (:mod:`srcad.pytree`): ``register_pytree``, a class whose gradients are built by its own
  ``flatten``/``unflatten`` (dataclasses, named tuples and other objects need none);
* errors (:mod:`srcad.errors`): ``SrcadError`` and its subclasses; ``JitWarning`` (``jit="auto"``
  running code uncompiled).

``python -m srcad show FILE.py:NAME`` prints a derivative from the command line, ``python -m srcad
check FILE.py:NAME --args ...`` checks it against finite differences (see :mod:`srcad.tools.cli`).

The public names are annotated (``srcad/py.typed``): ``mypy --strict`` checks code that uses them.

"""

from typing import TYPE_CHECKING

from .api import (debug, grad, hessian, hvp, jacfwd, jacrev, jvp, linearize, per_example_grad, show,
                  source, value_and_grad, vjp)
from .tools.check import GradientCheckError, check_grads
from .tools.export import export

if TYPE_CHECKING:  # (their types, for type checkers: see srcad/_public.pyi)
    from ._public import checkpoint, custom_vjp, defvjp, register_pytree, stop_gradient
else:
    from .rules.custom import checkpoint, custom_vjp, defvjp
    from .pytree import register_pytree
    from .rules import stop_gradient
from .errors import (AliasingError, JitError, JitWarning, NoGradientRuleError, NonFiniteError,
                     NonScalarOutputError, SourceUnavailableError, SrcadError, UndefinedNameError,
                     UnsupportedOperationError, UnsupportedSyntaxError)

__version__ = "0.1.0"  # (the one place: pyproject.toml reads it)

from .api.debugging import install_traceback_printer as _install_traceback_printer

_install_traceback_printer()  # generated lines in tracebacks on Python 3.10-3.12 (srcad.api.debugging)

__all__ = [
    "grad", "value_and_grad", "vjp", "jacrev", "jvp", "linearize", "jacfwd", "hvp", "hessian",
    "per_example_grad", "source", "show", "debug",
    "stop_gradient", "custom_vjp", "defvjp", "checkpoint",
    "check_grads", "GradientCheckError", "export", "register_pytree",
    "SrcadError", "UnsupportedSyntaxError", "AliasingError", "NonFiniteError",
    "NoGradientRuleError", "SourceUnavailableError", "NonScalarOutputError", "UndefinedNameError",
    "UnsupportedOperationError", "JitError", "JitWarning",
]
