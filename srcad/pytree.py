"""``srcad.register_pytree``: a class whose gradients srcad builds with the user's own functions.

Accepts: a class and two functions, JAX's convention: ``flatten(obj) -> (children, aux)`` (the
values that carry gradients, and whatever else rebuilds the object, which is constant) and
``unflatten(aux, children) -> obj``.
Guarantees: after registration, the gradient with respect to an instance of the class (an argument
of ``srcad.grad``, ``srcad.vjp``, ``srcad.jvp``'s tangents and outputs) is ``unflatten(aux,
gradients of the children)``, each child's gradient shaped like the child (zeros where no gradient
reached it). Inside a differentiated function the object is read by attribute (``p.w``): an
attribute that is one of the children gets its gradient, one that is part of ``aux`` none (a
constant); any other attribute is refused where a gradient would flow through it (srcad cannot
tell how it is made from the children). Dataclasses, named tuples, ``types.SimpleNamespace`` and
other instances need no registration (see :mod:`srcad.runtime.objects`); registering one replaces
its default structure (its attributes) with the children ``flatten`` returns.
"""

from __future__ import annotations

from .runtime import objects


def register_pytree(cls, flatten, unflatten) -> None:
    """Register ``cls`` (see the module docstring): ``flatten(obj) -> (children, aux)``,
    ``unflatten(aux, children) -> obj``."""
    if not isinstance(cls, type):
        raise TypeError(f"srcad.register_pytree expects a class, got {cls!r}")
    if not (callable(flatten) and callable(unflatten)):
        raise TypeError("srcad.register_pytree(cls, flatten, unflatten): flatten and unflatten "
                        "must be functions")
    objects.register(cls, flatten, unflatten)
