"""The public functions: ``grad``, ``value_and_grad``, ``source``, ``show``.

The pipeline, one pass per module, reads top to bottom in :func:`transform`::

    parse -> fence -> lower -> normalize -> (ops, activity) -> reverse -> emit -> load

Set the environment variable ``SRCAD_DEBUG_PASSES=1`` to print the code after each pass.

A derived function transforms its target lazily, on first call (or on ``srcad.source``), once; a lock
makes concurrent first calls transform once. Nothing is cached globally: each derived function owns its
generated code, so two functions can be transformed at once from different threads.
"""

from __future__ import annotations

import functools
import inspect
import threading
import types

import numpy as np

from .. import rules
from ..errors import NonScalarOutputError, SrcadError
from ..passes.parse import parse
from ..passes.reverse import Options
from ..pipeline import (Transformed, _jvp_transform, _positional, _vjp_transform,
                        transform, transform_derivative)
from ..runtime import plain, zero_tangent


class Derived:
    """A function derived by srcad (``grad(f)``, ``value_and_grad(f)``): call it like ``f``."""

    def __init__(self, fun, argnums, with_value: bool, options=Options()):
        if not callable(fun):
            raise TypeError(f"srcad.grad expects a function, got {fun!r}")
        if isinstance(fun, Derived) and (fun.with_value or fun.argnums_is_tuple):
            raise NonScalarOutputError(
                f"grad of {fun!r}: it returns a tuple, and grad differentiates a scalar",
                hint="differentiate srcad.grad(f) with one argnums (an int); for Hessians use "
                     "srcad.hessian or srcad.hvp")
        self.fun = fun
        self.argnums_is_tuple = not isinstance(argnums, int)
        self.argnums = tuple(argnums) if self.argnums_is_tuple else (argnums,)
        self.with_value = with_value
        self.options = options
        self._lock = threading.Lock()
        self._cache: dict = {}  # the functions held by called parameters -> Transformed
        self._last: Transformed | None = None
        self._called_params: list | None = None
        self._rule = None   # see _srcad_rule
        self._full: dict = {}
        functools.update_wrapper(self, fun, updated=())  # (not the inner Derived's own state)

    def transformed(self, args=(), kwargs=None) -> Transformed:
        """The transformation for these arguments: one per distinct set of functions passed for
        parameters the body calls (``act(x)`` with ``act=np.tanh``), made once each."""
        key = self._static_key(args, kwargs or {})
        t = self._cache.get(key)
        if t is None:
            with self._lock:
                t = self._cache.get(key)
                if t is None and isinstance(self.fun, Derived):
                    t = transform_derivative(self.fun, self.argnums, self.argnums_is_tuple, args,
                                             kwargs or {})
                    self._cache[key] = t
                elif t is None:
                    t = transform(self.fun, self.argnums, self.argnums_is_tuple, dict(key),
                                  self.options)
                    self._cache[key] = t
        self._last = t
        return t

    def _static_key(self, args, kwargs) -> tuple:
        if isinstance(self.fun, Derived):
            return self.fun._static_key(args, kwargs)
        if self._called_params is None:
            if not isinstance(self.fun, types.FunctionType):
                return ()
            try:
                self._called_params = parse(self.fun).called_parameters()
            except SrcadError:
                return ()
        if not self._called_params and not self.fun.__code__.co_flags & inspect.CO_VARARGS:
            return ()
        signature = inspect.signature(self.fun, follow_wrapped=False)
        params = list(signature.parameters)
        key = []
        if any(p.kind == p.VAR_POSITIONAL for p in signature.parameters.values()):
            named = sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                        for p in signature.parameters.values())
            key.append(("*args", max(len(args) - named, 0)))
        for name in self._called_params:
            k = params.index(name)
            value = args[k] if k < len(args) else kwargs.get(name)
            if callable(value):
                key.append((name, value))
        return tuple(key)

    def __call__(self, *args, **kwargs):
        t = self.transformed(args, kwargs)
        try:
            value, grads = t.function(*args, **kwargs)
        except NonScalarOutputError as exc:
            raise NonScalarOutputError(
                f"{self.fun.__qualname__}: {exc.message}", t.return_location, exc.hint) from None
        except SrcadError as exc:
            if exc.location is None:  # raised by generated code: say which line of the user's
                location = t.locate(exc.__traceback__)
                if location is not None:
                    raise type(exc)(exc.message, location, exc.hint).with_traceback(
                        exc.__traceback__) from None
            raise
        except Exception as exc:  # an error of the user's code or data, met in generated code
            location = t.locate(exc.__traceback__)
            if location is not None and hasattr(exc, "add_note"):
                exc.add_note(f"srcad: in the code generated for {location.filename}:"
                             f"{location.lineno}: {location.line.strip()}")
            raise
        if isinstance(self.fun, Derived) and np.ndim(value) != 0:
            raise NonScalarOutputError(
                f"grad of {self.fun!r}: the derivative it returns has shape {np.shape(value)}; "
                "grad differentiates a scalar", t.return_location,
                "for the Hessian of a function of an array use srcad.hessian or srcad.hvp")
        primals = self.primals(t, args, kwargs)
        grads = tuple(plain(g, x) for g, x in zip(grads, primals)) if self.argnums_is_tuple \
            else plain(grads, primals[0])
        return (value, grads) if self.with_value else grads

    def _srcad_rule(self):
        """The rule reverse mode uses for a call to this derived function inside a function being
        differentiated (``np.sum(grad(f)(x) ** 2)``, a gradient penalty): its VJP along ``g`` is a
        Hessian-vector product, computed by forward mode over the generated gradient code
        (``(d grad_x f / d a)^T g`` is the JVP of ``grad_a f`` along ``g`` in ``x``'s place, by the
        symmetry of second derivatives). None where that does not apply."""
        if self.with_value or self.argnums_is_tuple or not isinstance(self.fun, types.FunctionType):
            return None
        if self._rule is None:
            params = tuple(_positional(self.fun))
            self._rule = rules.Rule(f"srcad.grad({self.fun.__qualname__})", params, {},
                                    {p: "<custom>" for p in params}, custom=self._vjp)
        return self._rule

    def _vjp(self, g, ans, *args, **kwargs):
        if kwargs:
            raise SrcadError(f"differentiating through {self!r}: pass its arguments positionally")
        positions = tuple(k for k, a in enumerate(args) if _holds_floats(a))
        tangents = [None] * len(args)
        tangents[self.argnums[0]] = g
        full = self._full.get(positions)
        if full is None:
            full = self._full[positions] = Derived(self.fun, positions, False, self.options)
        _, dots = jvp(full, args, tangents)
        grads = [None] * len(args)
        for k, d in zip(positions, dots):
            grads[k] = d
        return tuple(grads)

    def _result(self, pair):
        """What this derived function returns, from its generated function's ``(value, grads)``."""
        return pair if self.with_value else pair[1]

    def primals(self, t, args, kwargs):
        """The arguments differentiated, in the order of ``argnums``."""
        values = []
        for k in self.argnums:
            if k < len(args) and k >= -len(args):
                values.append(args[k])
            else:
                name = t.params[k]
                values.append(kwargs[name] if name in kwargs else t.function.__defaults__[
                    t.params.index(name) - len(t.params)])
        return values

    def __repr__(self):
        kind = "value_and_grad" if self.with_value else "grad"
        return f"<srcad.{kind} of {self.fun.__qualname__}>"

    def __get__(self, instance, owner):  # so a decorated method binds like a function
        return self if instance is None else functools.partial(self, instance)

    def _repr_markdown_(self):  # Jupyter shows the generated code
        return f"```python\n{source(self)}```"


def _decorator(make):
    @functools.wraps(make)
    def api(fun=None, argnums=0, *, debug_nans=False, optimize=True, shapes=True, in_place=True):
        options = Options(optimize=optimize, debug_nans=debug_nans, shapes=optimize and shapes,
                          in_place=optimize and in_place)
        if fun is None:
            return lambda f: make(f, argnums, options)
        return make(fun, argnums, options)
    return api


@_decorator
def grad(fun, argnums=0, options=Options()):
    """The gradient of scalar-valued ``fun`` with respect to positional argument(s) ``argnums``.

    ``argnums`` an int: the result is one gradient, shaped like that argument; a tuple: a tuple of
    gradients. Use as ``srcad.grad(f)``, ``@srcad.grad`` or ``@srcad.grad(argnums=(0, 1))``.
    Keywords: ``debug_nans=True`` checks each adjoint as it is computed and raises
    :class:`srcad.NonFiniteError` at the first NaN or inf, naming the user's line and the values;
    ``optimize=False`` generates the raw templates (no simplification).
    """
    return Derived(fun, argnums, with_value=False, options=options)


@_decorator
def value_and_grad(fun, argnums=0, options=Options()):
    """Like :func:`grad`, but the derived function returns ``(value, gradient)``."""
    return Derived(fun, argnums, with_value=True, options=options)


def source(derived, *, mode="reverse", argnums=0, optimize=True) -> str:
    """The generated source code of a derived function (``srcad.grad(f)``, a ``vjp_fn``).
    ``source(f, mode="forward", argnums=0)`` is the JVP function of a plain function ``f`` that
    :func:`jvp` runs, with tangents for the arguments ``argnums``."""
    if mode == "forward":
        if isinstance(derived, Derived):
            derived = derived.transformed().function  # forward mode over its generated code
        elif not isinstance(derived, types.FunctionType):
            parse(derived)  # raises the error that explains why
        positions = (argnums,) if isinstance(argnums, int) else tuple(argnums)
        return _jvp_transform(derived, positions, (), Options(optimize=optimize))[2]
    if mode != "reverse":
        raise ValueError(f"mode must be 'reverse' or 'forward', not {mode!r}")
    if isinstance(derived, VJPFunction):
        return derived.source
    if not isinstance(derived, Derived):
        raise TypeError(f"srcad.source expects a function made by srcad.grad, srcad.value_and_grad "
                        f"or a vjp_fn, got {derived!r}; for a plain function use "
                        "srcad.source(f, mode='forward'), and for a Hessian-vector product "
                        "srcad.source(srcad.grad(f), mode='forward')")
    return (derived._last or derived.transformed()).source


def show(derived) -> None:
    """Print the generated source code of a derived function."""
    print(source(derived), end="")


# ---- vector-Jacobian products -------------------------------------------------------------------

def _holds_floats(value) -> bool:
    if isinstance(value, (list, tuple)):
        return any(_holds_floats(v) for v in value)
    if isinstance(value, dict):
        return any(_holds_floats(v) for v in value.values())
    return isinstance(value, float) or (isinstance(value, (np.ndarray, np.generic))
                                        and value.dtype.kind == "f")


class VJPFunction:
    """``vjp_fn`` of :func:`vjp`: call it with a cotangent shaped like the output (a tuple for a
    tuple output); it returns one gradient per primal. It may be called any number of times."""

    def __init__(self, backward, saved, primals, text):
        self._backward, self._saved, self._primals, self.source = backward, saved, primals, text

    def __call__(self, cotangent):
        grads = self._backward(self._saved, cotangent)
        return tuple(plain(g, x) for g, x in zip(grads, self._primals))

    def __repr__(self):
        return "<srcad vjp function>"


def vjp(fun, *primals):
    """``(fun(*primals), vjp_fn)``: ``vjp_fn(v)`` is v^T times the Jacobian of ``fun`` at
    ``primals``, one gradient per primal, for outputs of any shape (arrays, tuples). The forward
    sweep runs once; ``vjp_fn`` reuses what it saved."""
    if isinstance(fun, Derived):
        raise SrcadError(f"srcad.vjp/jacrev of {fun!r}: reverse mode over a derivative is not "
                         "supported", hint="use forward mode over it: srcad.jvp, srcad.jacfwd"
                                           "(srcad.grad(f)), srcad.hessian or srcad.hvp")
    if not isinstance(fun, types.FunctionType):
        parse(fun)  # raises the error that explains why
    forward, backward, text = _vjp_transform(fun, len(primals))
    out, saved = forward(*primals)
    return out, VJPFunction(backward, saved, primals, text)


def jacrev(fun, argnums=0):
    """The Jacobian of ``fun`` with respect to argument(s) ``argnums``, by reverse mode (one
    vector-Jacobian product per output entry); shaped ``out.shape + argument.shape``. A tuple output
    gives one Jacobian per part (a tuple; with several ``argnums``, a tuple per part)."""
    ks = (argnums,) if isinstance(argnums, int) else tuple(argnums)

    @functools.wraps(fun)
    def jacobian(*args):
        _check_array_args("jacrev", args, ks)
        out, f_vjp = vjp(fun, *args)
        parts = list(out) if isinstance(out, (tuple, list)) else [out]
        results = []
        for j, part in enumerate(parts):
            shape = np.shape(part)
            rows = []
            for index in np.ndindex(shape):
                cotangent = np.zeros(shape, dtype=_result_dtype(part, part))
                cotangent[index] = 1.0
                seed = cotangent if shape else cotangent[()]
                if isinstance(out, (tuple, list)):
                    seed = type(out)(seed if i == j else zero_tangent(p) for i, p in enumerate(parts))
                grads = f_vjp(seed)
                rows.append([np.asarray(grads[k], dtype=_result_dtype(grads[k], args[k]))
                             for k in ks])
            jac = tuple(np.stack([r[i] for r in rows]).reshape(shape + np.shape(args[k]))
                        if rows else np.zeros(shape + np.shape(args[k])) for i, k in enumerate(ks))
            results.append(jac[0] if isinstance(argnums, int) else jac)
        return type(out)(results) if isinstance(out, (tuple, list)) else results[0]
    return jacobian


# ---- forward mode ---------------------------------------------------------------------------------

def _target(fun, primals):
    """The plain Python function forward mode transforms for ``fun``, and how to read its result:
    a derived function (``grad(f)``) is the gradient code srcad generated for it (forward over
    reverse)."""
    if isinstance(fun, Derived):
        t = fun.transformed(primals)
        return t.function, fun._result
    if not isinstance(fun, types.FunctionType):
        parse(fun)  # raises the error that explains why
    return fun, None


def _static_key(fun, primals) -> tuple:
    code = getattr(fun, "__code__", None)
    if code is not None and code.co_flags & inspect.CO_VARARGS:
        return (("*args", max(len(primals) - code.co_argcount, 0)),)
    return ()


def _check_arity(target, primals):
    code = getattr(target, "__code__", None)
    if code is not None and not code.co_flags & inspect.CO_VARARGS:
        defaults = len(target.__defaults__ or ())
        if code.co_argcount - defaults <= len(primals) <= code.co_argcount:
            return  # (the common case, checked without building a signature)
    try:
        inspect.signature(target).bind(*primals)
    except TypeError as exc:
        raise SrcadError(f"srcad.jvp: the primals do not fit "
                         f"{getattr(target, '__qualname__', target)}: {exc}") from None


def jvp(fun, primals, tangents):
    """``(fun(*primals), tangent_out)``: the derivative of ``fun`` at ``primals`` along ``tangents``
    (one per primal, shaped like it; ``None`` for a primal held constant), by forward mode: a
    function srcad generates with each statement followed by its tangent (``srcad.source(fun,
    mode="forward")`` shows it). ``fun`` may be a function made by srcad (``srcad.grad(f)``):
    that gives Hessian-vector products (forward over reverse)."""
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise SrcadError(f"srcad.jvp: {len(primals)} primals but {len(tangents)} tangents")
    target, result = _target(fun, primals)
    _check_arity(target, primals)
    positions = tuple(k for k, t in enumerate(tangents) if t is not None)
    for k in positions:
        if not _same_structure(primals[k], tangents[k]):
            raise SrcadError(f"srcad.jvp: the tangent of argument {k} is not shaped like the "
                             f"argument ({_describe(tangents[k])} for {_describe(primals[k])})")
    function, names, _ = _jvp_transform(target, positions, _static_key(target, primals))
    out, tangent = function(*primals, **{names[j]: tangents[k] for j, k in enumerate(positions)})
    if result is not None:
        out, tangent = result(out), result(tangent)
    tangent = _plain_tangent(tangent, out)
    if any(isinstance(t, np.ndarray) and isinstance(tangent, np.ndarray)
           and np.shares_memory(t, tangent) for t in tangents):
        tangent = tangent.copy()  # never the caller's own tangent array (or a view of it)
    return out, tangent


def _same_structure(x, t) -> bool:
    if isinstance(x, dict):
        return isinstance(t, dict) and set(t) == set(x) and all(
            _same_structure(x[k], t[k]) for k in x)
    if isinstance(x, (list, tuple)):
        return isinstance(t, (list, tuple)) and len(t) == len(x) and all(
            _same_structure(a, b) for a, b in zip(x, t))
    return np.shape(t) == np.shape(x)


def _describe(value) -> str:
    if isinstance(value, (list, tuple, dict)):
        return f"a {type(value).__name__} of {len(value)}"
    return f"shape {np.shape(value)}"


def _plain_tangent(t, x):
    if isinstance(x, dict):
        return {k: _plain_tangent(t[k], v) for k, v in x.items()}
    if isinstance(x, (list, tuple)) and isinstance(t, (list, tuple)):
        return type(x)(_plain_tangent(a, b) for a, b in zip(t, x)) \
            if not hasattr(x, "_fields") else type(x)(*[_plain_tangent(a, b) for a, b in zip(t, x)])
    return plain(t, x)


def _basis(x):
    """One-hot tangents for ``x``, one per entry, in row-major order."""
    shape = np.shape(x)
    dtype = x.dtype if isinstance(x, np.ndarray) and x.dtype.kind == "f" else np.float64
    for index in np.ndindex(shape):
        e = np.zeros(shape, dtype=dtype)
        e[index] = 1
        yield e if shape else float(e)


def _stack_columns(columns, out, x):
    """Jacobian columns (one tangent of ``out`` per entry of ``x``) -> shaped out.shape + x.shape;
    a tuple output gives a tuple of Jacobians."""
    if isinstance(out, (tuple, list)):
        return type(out)(_stack_columns([c[j] for c in columns], part, x)
                         for j, part in enumerate(out))
    cols = [np.asarray(c, dtype=_result_dtype(c, x)) for c in columns]
    shape = np.shape(out) + np.shape(x)
    if not cols:
        return np.zeros(shape)
    return np.moveaxis(np.stack(cols), 0, -1).reshape(shape) if np.shape(x) else cols[0].reshape(shape)


def _result_dtype(c, x):
    kinds = [np.asarray(v).dtype for v in (c, x)]
    return np.float32 if all(k == np.float32 for k in kinds) else np.float64


def jacfwd(fun, argnums=0):
    """The Jacobian of ``fun`` with respect to argument(s) ``argnums`` by forward mode (one JVP per
    input entry), shaped ``out.shape + argument.shape``; a tuple output gives one per part (with
    several ``argnums``, a tuple per part), as :func:`jacrev`."""
    ks = (argnums,) if isinstance(argnums, int) else tuple(argnums)

    @functools.wraps(fun)
    def jacobian(*args):
        _check_array_args("jacfwd", args, ks)
        results = []
        out = None
        for k in ks:
            columns = []
            for e in _basis(args[k]):
                tangents = [None] * len(args)
                tangents[k] = e
                out, t = jvp(fun, args, tangents)
                columns.append(t)
            if out is None:
                out = fun(*args)
            results.append(_stack_columns(columns, out, args[k]))
        if isinstance(argnums, int):
            return results[0]
        if isinstance(out, (tuple, list)):  # per output part, then per argument (as jacrev)
            return type(out)(tuple(r[j] for r in results) for j in range(len(out)))
        return tuple(results)
    return jacobian


def _check_array_args(what, args, ks):
    for k in ks:
        if not isinstance(k, int) or not -len(args) <= k < len(args):
            raise SrcadError(f"srcad.{what}: argnums={k!r}, but it was called with {len(args)} "
                             "positional arguments")
        if isinstance(args[k], (list, tuple, dict)):
            raise SrcadError(f"srcad.{what}: argument {k} is a {type(args[k]).__name__}; Jacobians "
                             "are taken with respect to numbers and arrays (pass np.asarray(...))")


def hvp(fun, argnums=0):
    """``hvp(fun)(*args, v)``: the Hessian of scalar ``fun`` (with respect to argument
    ``argnums``) times ``v``, as forward mode over the generated gradient: one JVP of the gradient
    code, never forming the Hessian. Costs a small multiple of one gradient."""
    if not isinstance(argnums, int):
        raise SrcadError("srcad.hvp takes one argument number (argnums=int)")
    g = grad(fun, argnums)

    @functools.wraps(fun)
    def product(*args):
        if len(args) < 2:
            raise SrcadError("srcad.hvp(fun) is called as (*args, v): the arguments, then the "
                             "direction v")
        *primals, v = args
        if not -len(primals) <= argnums < len(primals):
            raise SrcadError(f"srcad.hvp: argnums={argnums}, but it was called with "
                             f"{len(primals)} arguments and v")
        tangents = [None] * len(primals)
        tangents[argnums] = v
        _, hv = jvp(g, primals, tangents)
        return hv
    return product


def hessian(fun, argnums=0):
    """The Hessian of scalar ``fun`` with respect to argument ``argnums``, shaped
    ``x.shape + x.shape``: one Hessian-vector product (forward over reverse) per entry of ``x``."""
    if not isinstance(argnums, int):
        raise SrcadError("srcad.hessian takes one argument number (argnums=int)")
    product = hvp(fun, argnums)

    @functools.wraps(fun)
    def hess(*args):
        _check_array_args("hessian", args, (argnums,))
        x = args[argnums]
        columns = [product(*args, e) for e in _basis(x)]
        return _stack_columns(columns, x, x)
    return hess
