"""Per-example gradients: :func:`per_example_grad` (JAX users write ``vmap(grad(loss), in_axes=(None,
0, 0))``).

Accepts: a function srcad can differentiate (as :func:`srcad.grad` does: a plain function, a bound
method, a callable object, a partial), the argument(s) to differentiate (``argnums``) and the
arguments that hold a batch (``batch_argnums``: arrays, or lists, tuples and dicts of arrays, each
with the examples along its leading axis, all of one length).
Guarantees: the result is, for each example ``i``, the gradient of ``fun`` called with example
``i`` of each batched argument (``x[i]``) and the other arguments as given, stacked along a new
leading axis, leaf by leaf, in the structure of the argument(s) differentiated. It is computed by a
loop over the examples calling one :func:`srcad.grad` function, transformed once (on the first
example) and cached: the cost is the batch size times one gradient, plus the stacking. Refused
with :class:`~srcad.errors.SrcadError`: a batched argument with no leading axis (a number, a 0-d
array, an object), batched arguments of different lengths, an empty batch, and a gradient that is
an object (a dataclass ...), which it cannot stack.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

import numpy as np

from ..errors import SrcadError
from ..passes.reverse import Options
from .derived import Derived
from .display import Made
from .signatures import P
from .structure import argnums_tuple, describe
from .views import viewing


def per_example_grad(fun: Callable[P, Any], argnums: int | Sequence[int] = 0,
                     batch_argnums: int | Sequence[int] | None = None) -> Callable[P, Any]:
    """A function of ``fun``'s arguments returning the gradient of ``fun`` with respect to
    ``argnums`` for each example of the batched arguments ``batch_argnums`` (an int or a tuple of
    ints; None: every positional argument not in ``argnums``), stacked along a new leading axis.
    ``per_example_grad(loss)(params, X, Y)[i]`` is ``grad(loss)(params, X[i], Y[i])``."""
    ks = argnums_tuple("srcad.per_example_grad", argnums)
    gradient = Derived(fun, argnums, with_value=False, options=Options())
    chosen = None if batch_argnums is None else argnums_tuple("srcad.per_example_grad (batch_argnums)",
                                                             batch_argnums)

    def per_example(*args: Any, **kwargs: Any) -> Any:
        normal = {k % len(args) if -len(args) <= k < len(args) else k for k in ks}
        batched = tuple(k for k in range(len(args)) if k not in normal) if chosen is None \
            else chosen
        for k in batched:
            if not -len(args) <= k < len(args):
                raise SrcadError(f"srcad.per_example_grad: batch_argnums names argument {k}, but "
                                 f"it was called with {len(args)} positional arguments")
        if not batched:
            raise SrcadError("srcad.per_example_grad: no argument is batched",
                             hint="pass batch_argnums=(1, 2) (the arguments holding the examples)")
        lengths = {k: _length(args[k], k) for k in batched}
        if len(set(lengths.values())) > 1:
            raise SrcadError("srcad.per_example_grad: the batched arguments hold different "
                             "numbers of examples (" + ", ".join(f"argument {k}: {n}"
                                                                  for k, n in lengths.items()) + ")")
        n = next(iter(lengths.values()))
        if n == 0:
            raise SrcadError("srcad.per_example_grad: the batch is empty (0 examples)")
        results = []
        for i in range(n):
            example = list(args)
            for k in batched:
                example[k] = _example(args[k], i)
            results.append(gradient(*example, **kwargs))
        return _stack(results)
    return cast(Callable[P, Any], Made(viewing(per_example), "per_example_grad", fun,
                                       gradient.latest_source, "(one gradient per example)"))


def _length(x: Any, k: int) -> int:
    """The number of examples in batched argument ``k`` (every leaf's leading axis, all equal)."""
    if isinstance(x, dict):
        sizes = {_length(v, k) for v in x.values()}
    elif isinstance(x, (list, tuple)):
        sizes = {_length(v, k) for v in x}
    elif isinstance(x, np.ndarray) and x.ndim > 0:
        return int(x.shape[0])
    else:
        raise SrcadError(f"srcad.per_example_grad: batched argument {k} is {describe(x)}, which "
                         "has no leading axis of examples",
                         hint="batch arrays (or lists, tuples, dicts of arrays) along axis 0; leave "
                              "this argument out of batch_argnums")
    if len(sizes) != 1:
        raise SrcadError(f"srcad.per_example_grad: the leaves of batched argument {k} hold "
                         f"different numbers of examples ({sorted(sizes)})" if sizes else
                         f"srcad.per_example_grad: batched argument {k} is an empty container")
    return sizes.pop()


def _example(x: Any, i: int) -> Any:
    """Example ``i`` of a batched argument: ``x[i]`` of every leaf."""
    if isinstance(x, dict):
        return {key: _example(v, i) for key, v in x.items()}
    if isinstance(x, tuple) and hasattr(type(x), "_fields"):
        return type(x)(*(_example(v, i) for v in x))
    if isinstance(x, (list, tuple)):
        return type(x)(_example(v, i) for v in x)
    return x[i]


def _stack(grads: Sequence[Any]) -> Any:
    """One structure of stacked leaves from per-example gradients of one structure."""
    first = grads[0]
    if first is None:
        return None
    if isinstance(first, dict):
        return {key: _stack([g[key] for g in grads]) for key in first}
    if isinstance(first, tuple) and hasattr(type(first), "_fields"):
        return type(first)(*(_stack([g[j] for g in grads]) for j in range(len(first))))
    if isinstance(first, (list, tuple)):
        return type(first)(_stack([g[j] for g in grads]) for j in range(len(first)))
    if isinstance(first, (np.ndarray, np.generic, float, int)):
        return np.stack([np.asarray(g) for g in grads])
    raise SrcadError(f"srcad.per_example_grad: the gradient is {describe(first)}, which it cannot "
                     "stack (it stacks arrays, numbers, and lists, tuples and dicts of them)",
                     hint="differentiate with respect to arrays or containers of arrays, or loop "
                          "over srcad.grad yourself")
