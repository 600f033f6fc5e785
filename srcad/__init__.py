"""srcad: automatic differentiation (reverse and forward mode) of Python/NumPy functions by source transformation.

    >>> import srcad
    >>> def f(x, y, z):
    ...     return (x + y) * z
    >>> srcad.grad(f, argnums=(0, 1, 2))(-2.0, 5.0, -4.0)
    (-4.0, -4.0, 3.0)

``srcad.show(srcad.grad(f))`` prints the generated gradient function.
"""

from .api import grad, hessian, hvp, jacfwd, jacrev, jvp, show, source, value_and_grad, vjp
from .rules.custom import checkpoint, custom_vjp, defvjp
from .tools.check import GradientCheckError, check_grads
from .tools.export import export
from .rules import stop_gradient
from .errors import (AliasingError, NoGradientRuleError, NonFiniteError, NonScalarOutputError, SourceUnavailableError, SrcadError,
                     UndefinedNameError, UnsupportedOperationError, UnsupportedSyntaxError)

__version__ = "0.1.0"

__all__ = [
    "grad", "value_and_grad", "vjp", "jacrev", "jvp", "jacfwd", "hvp", "hessian", "source", "show", "stop_gradient", "custom_vjp", "defvjp", "checkpoint",
    "check_grads", "GradientCheckError", "export",
    "SrcadError", "UnsupportedSyntaxError", "AliasingError", "NonFiniteError", "NoGradientRuleError", "SourceUnavailableError",
    "NonScalarOutputError", "UndefinedNameError", "UnsupportedOperationError",
]
