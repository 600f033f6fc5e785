"""The gradient rules: one vector-Jacobian product (VJP, "bprop") template per primitive.

A rule gives, for each differentiable parameter of a primitive, a Python expression for that parameter's
share of the gradient, written in terms of

* ``g``   -- the adjoint of the primitive's result (the gradient arriving from above),
* ``ans`` -- the primitive's result,
* the primitive's parameters, by the names in the rule's signature,
* ``np``, ``math`` and the helpers of :mod:`srcad.runtime` (``unbroadcast``, ``unsum``, ...).

A parameter written ``*operands`` in the signature takes the remaining positional arguments as one
tuple; its template gives the gradient of ``operands[k]`` (``k`` is bound to each position in turn).

Adding a primitive is one line::

    defvjp(np.tanh, "x", x="g * (1 - ans ** 2)")

The reverse pass substitutes the statement's own variables into the template, so the generated code
reads like the rule (``dh = dy * (1 - y ** 2)``). Gradients reaching a variable by several paths are
summed by the reverse pass, not by rules. Binary elementwise rules wrap their result in ``unbroadcast``
so a broadcast operand receives a gradient of its own shape (the reverse pass drops the call where the
other operand is a scalar constant). Functions whose result carries no gradient are listed with
``defnondiff``; calling a function with no rule on a value that needs a gradient is an error.

Conventions at points where the derivative is undefined (chosen as NumPy's and autograd's users expect):

* ``abs``/``np.abs`` at 0: gradient 0 (``np.sign(0) == 0``);
* ``np.sqrt`` at 0: ``inf``, as the true one-sided derivative;
* builtins ``max(a, b)``/``min(a, b)`` at a tie: the *first* argument receives the whole gradient;
* ``np.maximum``/``np.minimum``/``np.fmax``/``np.fmin`` at a tie: each argument receives half;
* ``np.max``/``np.min`` (and ``.max()``/``.min()``) at a tie: the entries equal to the extremum
  share the gradient evenly;
* ``x ** y`` w.r.t. ``y`` at ``x == 0``: 0.
* ``hypot``, ``np.linalg.norm`` and ``np.std`` at 0: 0.
"""

from __future__ import annotations

import ast
import builtins
import dataclasses
import math
import inspect
import operator

import numpy as np

from .. import runtime

# Names a template may use besides g, ans and the rule's parameters.
TEMPLATE_NAMESPACE = {
    "np": np,
    "math": math,
    **{name: getattr(runtime, name) for name in (
        "unbroadcast", "unsum", "unmean", "matmul_dx", "matmul_dy", "dot_dx", "dot_dy",
        "unmax", "list_copy", "unsetitem", "unrepeat_sequence", "power_dx", "adjoint_like", "zero_at", "snapshot", "private_copy", "log_or_zero", "unindex",
        "unpack_adjoint", "zeros_like", "seed_scalar",
        "unprod", "unvar", "unstd", "uncumsum", "uncumprod", "undiagonal", "untrace", "unnorm",
        "tensordot_da", "tensordot_db", "einsum_adjoint", "outer_da", "outer_db", "kron_da",
        "kron_db", "inner_da", "inner_db", "unconcatenate", "unstack", "unhstack", "unvstack",
        "unsplit", "untile", "unrepeat", "unpad", "unsort", "untake", "untake_along_axis",
        "undiag", "unarray", "unastype", "unsum_sequence", "extremum_adjoint", "clip_adjoint",
        "sinc_adjoint", "mT", "det_adjoint", "slogdet_adjoint", "solve_da", "solve_db",
        "cholesky_adjoint", "eigh_adjoint", "pinv_adjoint")},
    "slice": slice,
    "range": range,
    "len": len,
    "call_vjp": runtime.call_vjp,
    "check_unshared": runtime.check_unshared,
    "check_not_array": runtime.check_not_array,
    "check_finite": runtime.check_finite,
}


@dataclasses.dataclass(frozen=True)
class Rule:
    """How to differentiate one primitive. ``params is None`` means: any arguments, no gradient."""

    name: str
    params: tuple | None = None
    defaults: dict = dataclasses.field(default_factory=dict)
    vjps: dict = dataclasses.field(default_factory=dict)
    vararg: str | None = None  # "*operands": the extra positional arguments, as one tuple
    custom: object = None      # a user's VJP function (srcad.defvjp), called instead of templates
    # forward mode: parameter -> JVP template in ``t`` (that parameter's tangent), summed over the
    # parameters that have one; or "*" -> one template in ``t_<param>`` for every parameter at once
    tangents: dict = dataclasses.field(default_factory=dict)

    @property
    def differentiable(self) -> bool:
        return bool(self.vjps) or bool(self.tangents)

    def bind(self, args: list, keywords: dict) -> dict:
        """Map a call's argument nodes to the rule's parameter names (defaults filled in as
        constants). Raises ``TypeError`` with a user-facing message if the call does not fit."""
        if self.params is None:
            return {}
        if len(args) > len(self.params) and self.vararg is None:
            raise TypeError(f"{self.name} takes at most {len(self.params)} positional arguments "
                            f"for differentiation ({', '.join(self.params)}), got {len(args)}")
        bound = dict(zip(self.params, args))
        if self.vararg is not None:
            bound[self.vararg] = list(args[len(self.params):])
        if self.custom is not None:  # a user's VJP takes the call's own arguments: no defaults
            for key, value in keywords.items():
                if key not in self.params:
                    raise TypeError(f"{self.name} has no parameter '{key}'")
                bound[key] = value
            return bound
        for key, value in keywords.items():
            if key not in self.params:
                raise TypeError(f"srcad's rule for {self.name} does not support the argument "
                                f"'{key}' (it knows: {', '.join(self.params)})")
            if key in bound:
                raise TypeError(f"{self.name} got multiple values for argument '{key}'")
            bound[key] = value
        for name in self.params:
            if name not in bound:
                if name not in self.defaults:
                    raise TypeError(f"{self.name} is missing the argument '{name}'")
                bound[name] = _DEFAULT(self.defaults[name])
        return bound


class _DEFAULT:
    """A default argument value, substituted into templates as a constant."""

    def __init__(self, value):
        self.value = value


RULES: dict = {}
OVERLOADS: dict = {}    # function -> further rules, tried in order when a call does not fit RULES
METHODS: dict = {}      # ndarray method name -> the function whose rule it uses (self first)
ATTRIBUTES: dict = {}   # ndarray attribute name -> the function whose rule it uses


def _register(fns, rule):
    for fn in fns if isinstance(fns, tuple) else (fns,):
        RULES[fn] = rule


def defvjp(fns, signature: str, overload: bool = False, **vjps: str):
    """Register the VJP templates of ``fns`` (one function or a tuple of aliases).

    ``signature`` lists the parameters as in a ``def`` (``"a, axis=None, keepdims=False"``);
    each keyword argument names a differentiable parameter and gives its template.
    ``overload=True`` adds a rule for calls that do not fit the first one (e.g. ``max(a, b, c)``).
    """
    args = ast.parse(f"def _({signature}): pass").body[0].args
    params = tuple(a.arg for a in args.args)
    defaults = {a.arg: ast.literal_eval(d) for a, d in zip(args.args[-len(args.defaults):] if
                                                           args.defaults else [], args.defaults)}
    vararg = args.vararg.arg if args.vararg else None
    unknown = set(vjps) - set(params) - {vararg}
    if unknown:
        raise ValueError(f"rule for {fns}: templates for unknown parameters {sorted(unknown)}")
    first = fns[0] if isinstance(fns, tuple) else fns
    rule = Rule(_qualified(first), params, defaults, dict(vjps), vararg)
    if overload:
        for fn in fns if isinstance(fns, tuple) else (fns,):
            OVERLOADS.setdefault(fn, []).append(rule)
    else:
        _register(fns, rule)
    return rule


def defnondiff(*fns):
    """Declare that the results of ``fns`` carry no gradient (piecewise constant, integer valued,
    shape queries, constructors): a gradient reaching them stops there."""
    for fn in fns:
        RULES[fn] = Rule(_qualified(fn))


def lookup(fn):
    """The rule for the object ``fn``, or None."""
    try:
        return RULES.get(fn)
    except TypeError:  # unhashable callables
        return None


def _qualified(fn) -> str:
    module = getattr(fn, "__module__", None) or ""
    name = getattr(fn, "__name__", None) or repr(fn)
    if isinstance(fn, np.ufunc) or module.startswith("numpy"):
        return f"numpy.{name}"
    if module in ("_operator", "operator"):
        return f"operator.{name}"
    return f"{module}.{name}" if module and module != "builtins" else name


# ---- operators (a + b, a * b, -a, a[i], ...) ---------------------------------------------------

defvjp((operator.add, np.add), "x, y", x="unbroadcast(g, x)", y="unbroadcast(g, y)")
defvjp((operator.sub, np.subtract), "x, y", x="unbroadcast(g, x)", y="unbroadcast(-g, y)")
defvjp((operator.mul, np.multiply), "x, y", x="unbroadcast(g * y, x)", y="unbroadcast(x * g, y)")
defvjp((operator.truediv, np.divide), "x, y",
       x="unbroadcast(g / y, x)", y="unbroadcast(-g * ans / y, y)")
defvjp((operator.pow, builtins.pow, np.power, math.pow), "x, y",
       x="unbroadcast(g * power_dx(x, y), x)", y="unbroadcast(g * ans * log_or_zero(x), y)")
defvjp((operator.mod, np.mod), "x, y",
       x="unbroadcast(g, x)", y="unbroadcast(-g * np.floor_divide(x, y), y)")
defvjp((operator.matmul, np.matmul), "x, y", x="matmul_dx(g, x, y)", y="matmul_dy(g, x, y)")
defvjp((operator.neg, np.negative), "x", x="-g")
defvjp((operator.pos, np.positive), "x", x="g")
defvjp(operator.getitem, "x, index", x="unindex(g, x, index)")

# ---- Python builtins ---------------------------------------------------------------------------

defvjp(builtins.max, "x, y", x="g * (x >= y)", y="g * (x < y)")  # a tie: the first one
defvjp(builtins.min, "x, y", x="g * (x <= y)", y="g * (x > y)")
defvjp(builtins.max, "*args", overload=True, args="extremum_adjoint(g, args, k, ans)")
defvjp(builtins.min, "*args", overload=True, args="extremum_adjoint(g, args, k, ans)")
defvjp(builtins.sum, "iterable, start=0", iterable="unsum_sequence(g, iterable)", start="g")
defvjp(math.fsum, "iterable", iterable="unsum_sequence(g, iterable)")
defvjp(builtins.abs, "x", x="g * np.sign(x)")
defvjp(builtins.float, "x", x="g")


def astype(a, dtype):
    """Stands for the method ``x.astype(dtype)`` in the table."""


def item(a):
    """Stands for the method ``x.item()`` in the table."""


astype.__qualname__ = astype.__name__ = "ndarray.astype"
item.__qualname__ = item.__name__ = "ndarray.item"
astype.__module__ = item.__module__ = "numpy"
defvjp(astype, "a, dtype", a="unastype(g, a, dtype)")
defvjp(item, "a", a="np.reshape(g, np.shape(a))")

# ---- math (Python floats) ----------------------------------------------------------------------

defvjp(math.exp, "x", x="g * ans")
defvjp(math.expm1, "x", x="g * (ans + 1)")
defvjp(math.log, "x, base=None",
       x="g / x if base is None else g / (x * math.log(base))",
       base="-g * ans / (base * math.log(base))")
defvjp(math.log2, "x", x="g / (x * math.log(2))")
defvjp(math.log10, "x", x="g / (x * math.log(10))")
defvjp(math.log1p, "x", x="g / (1 + x)")
defvjp(math.sqrt, "x", x="np.divide(g, 2 * ans)")
defvjp(math.sin, "x", x="g * math.cos(x)")
defvjp(math.cos, "x", x="-g * math.sin(x)")
defvjp(math.tan, "x", x="g / math.cos(x) ** 2")
defvjp(math.asin, "x", x="np.divide(g, math.sqrt(1 - x ** 2))")
defvjp(math.acos, "x", x="np.divide(-g, math.sqrt(1 - x ** 2))")
defvjp(math.atan, "x", x="g / (1 + x ** 2)")
defvjp(math.atan2, "y, x", y="np.divide(g * x, x ** 2 + y ** 2)",
       x="np.divide(-g * y, x ** 2 + y ** 2)")
defvjp(math.sinh, "x", x="g * math.cosh(x)")
defvjp(math.cosh, "x", x="g * math.sinh(x)")
defvjp(math.tanh, "x", x="g * (1 - ans ** 2)")
defvjp(math.asinh, "x", x="g / math.sqrt(x ** 2 + 1)")
defvjp(math.acosh, "x", x="np.divide(g, math.sqrt(x ** 2 - 1))")
defvjp(math.atanh, "x", x="g / (1 - x ** 2)")
defvjp(math.hypot, "x, y", x="g * x / (ans if ans != 0 else 1.0)",
       y="g * y / (ans if ans != 0 else 1.0)")
defvjp(math.fabs, "x", x="g * np.sign(x)")
defvjp(math.erf, "x", x="g * 2 / math.sqrt(math.pi) * math.exp(-x ** 2)")
defvjp(math.erfc, "x", x="-g * 2 / math.sqrt(math.pi) * math.exp(-x ** 2)")

# ---- NumPy: unary elementwise ------------------------------------------------------------------

defvjp(np.exp, "x", x="g * ans")
defvjp(np.exp2, "x", x="g * ans * math.log(2)")
defvjp(np.expm1, "x", x="g * (ans + 1)")
defvjp(np.log, "x", x="np.divide(g, x)")
defvjp(np.log2, "x", x="np.divide(g, x * math.log(2))")
defvjp(np.log10, "x", x="np.divide(g, x * math.log(10))")
defvjp(np.log1p, "x", x="np.divide(g, 1 + x)")
defvjp(np.sqrt, "x", x="g / (2 * ans)")
defvjp(np.cbrt, "x", x="g / (3 * ans ** 2)")
defvjp(np.square, "x", x="g * 2 * x")
defvjp(np.reciprocal, "x", x="-g * ans ** 2")
defvjp((np.abs, np.fabs), "x", x="g * np.sign(x)")
defvjp(np.sin, "x", x="g * np.cos(x)")
defvjp(np.cos, "x", x="-g * np.sin(x)")
defvjp(np.tan, "x", x="g / np.cos(x) ** 2")
defvjp(np.arcsin, "x", x="g / np.sqrt(1 - x ** 2)")
defvjp(np.arccos, "x", x="-g / np.sqrt(1 - x ** 2)")
defvjp(np.arctan, "x", x="g / (1 + x ** 2)")
defvjp(np.sinh, "x", x="g * np.cosh(x)")
defvjp(np.cosh, "x", x="g * np.sinh(x)")
defvjp(np.tanh, "x", x="g * (1 - ans ** 2)")
defvjp(np.arcsinh, "x", x="g / np.sqrt(x ** 2 + 1)")
defvjp(np.arccosh, "x", x="g / np.sqrt(x ** 2 - 1)")
defvjp(np.arctanh, "x", x="np.divide(g, 1 - x ** 2)")
defvjp((np.deg2rad, np.radians), "x", x="g * (np.pi / 180)")
defvjp(np.sinc, "x", x="sinc_adjoint(g, x)")
defvjp((np.rad2deg, np.degrees), "x", x="g * (180 / np.pi)")

# ---- NumPy: binary elementwise -----------------------------------------------------------------

defvjp((np.maximum, np.fmax), "x, y",
       x="unbroadcast(g * (x > y) + g * 0.5 * (x == y), x)",
       y="unbroadcast(g * (y > x) + g * 0.5 * (x == y), y)")
defvjp((np.minimum, np.fmin), "x, y",
       x="unbroadcast(g * (x < y) + g * 0.5 * (x == y), x)",
       y="unbroadcast(g * (y < x) + g * 0.5 * (x == y), y)")
defvjp(np.arctan2, "y, x",
       y="unbroadcast(np.divide(g * x, x ** 2 + y ** 2), y)",
       x="unbroadcast(np.divide(-g * y, x ** 2 + y ** 2), x)")
defvjp(np.hypot, "x, y", x="unbroadcast(g * x / np.where(ans == 0, 1, ans), x)",
       y="unbroadcast(g * y / np.where(ans == 0, 1, ans), y)")
defvjp(np.logaddexp, "x, y",
       x="unbroadcast(g * np.exp(x - ans), x)", y="unbroadcast(g * np.exp(y - ans), y)")
defvjp(np.float_power, "x, y",
       x="unbroadcast(g * power_dx(np.asarray(x, dtype=np.float64), y), x)",
       y="unbroadcast(g * ans * log_or_zero(x), y)")
defvjp(np.copysign, "x, y", x="unbroadcast(g * np.copysign(1.0, x) * np.copysign(1.0, ans), x)")
defvjp(np.clip, "a, a_min=None, a_max=None", a="clip_adjoint(g, a, a_min, a_max)",
       a_min="unbroadcast(g * (np.asarray(a) < a_min), a_min)",
       a_max="unbroadcast(g * (np.asarray(a) > a_max), a_max)")
defvjp(np.where, "condition, x, y",
       x="unbroadcast(np.where(condition, g, 0.0), x)", y="unbroadcast(np.where(condition, 0.0, g), y)")
defvjp(np.logaddexp2, "x, y",
       x="unbroadcast(g * 2 ** (x - ans), x)", y="unbroadcast(g * 2 ** (y - ans), y)")

# ---- NumPy: reductions and products ------------------------------------------------------------

defvjp(np.sum, "a, axis=None, keepdims=False", a="unsum(g, a, axis, keepdims)")
defvjp(np.mean, "a, axis=None, keepdims=False", a="unmean(g, a, axis, keepdims)")
defvjp((np.max, np.amax), "a, axis=None, keepdims=False", a="unmax(g, a, ans, axis, keepdims)")
defvjp((np.min, np.amin), "a, axis=None, keepdims=False", a="unmax(g, a, ans, axis, keepdims)")
defvjp(np.prod, "a, axis=None, keepdims=False", a="unprod(g, a, ans, axis, keepdims)")
defvjp(np.var, "a, axis=None, ddof=0, keepdims=False", a="unvar(g, a, axis, ddof, keepdims)")
defvjp(np.std, "a, axis=None, ddof=0, keepdims=False", a="unstd(g, a, ans, axis, ddof, keepdims)")
defvjp(np.cumsum, "a, axis=None", a="uncumsum(g, a, axis)")
defvjp(np.cumprod, "a, axis=None", a="uncumprod(g, a, ans, axis)")
defvjp(np.trace, "a, offset=0, axis1=0, axis2=1", a="untrace(g, a, offset, axis1, axis2)")
defvjp(np.linalg.norm, "x, ord=None, axis=None, keepdims=False",
       x="unnorm(g, x, ans, ord, axis, keepdims)")
defvjp(np.dot, "a, b", a="dot_dx(g, a, b)", b="dot_dy(g, a, b)")
defvjp(np.inner, "a, b", a="inner_da(g, a, b)", b="inner_db(g, a, b)")
defvjp(np.outer, "a, b", a="outer_da(g, a, b)", b="outer_db(g, a, b)")
defvjp(np.tensordot, "a, b, axes=2", a="tensordot_da(g, a, b, axes)", b="tensordot_db(g, a, b, axes)")
defvjp(np.einsum, "subscripts, *operands", operands="einsum_adjoint(g, subscripts, operands, k)")
defvjp(np.kron, "a, b", a="kron_da(g, a, b)", b="kron_db(g, a, b)")
defvjp(np.cross, "a, b", a="unbroadcast(np.cross(b, g), a)", b="unbroadcast(np.cross(g, a), b)")

# ---- NumPy: shape and assembly -----------------------------------------------------------------

defvjp(np.copy, "a", a="g")
defvjp(np.full, "shape, fill_value, dtype=None", fill_value="unbroadcast(g, fill_value)")
defvjp(np.full_like, "a, fill_value, dtype=None", fill_value="unbroadcast(g, fill_value)")
defvjp(np.linspace, "start, stop, num=50", start="np.sum(g * (1 - np.linspace(0.0, 1.0, num)))",
       stop="np.sum(g * np.linspace(0.0, 1.0, num))")
defvjp((np.array, np.asarray), "object, dtype=None", object="unarray(g, object)")
defvjp(np.transpose, "a, axes=None",
       a="np.transpose(g) if axes is None else np.transpose(g, np.argsort(axes))")
defvjp(np.reshape, "a, shape", a="np.reshape(g, np.shape(a))")
defvjp(np.ravel, "a", a="np.reshape(g, np.shape(a))")
defvjp(np.swapaxes, "a, axis1, axis2", a="np.swapaxes(g, axis1, axis2)")
defvjp(np.moveaxis, "a, source, destination", a="np.moveaxis(g, destination, source)")
defvjp(np.expand_dims, "a, axis", a="np.reshape(g, np.shape(a))")
defvjp(np.squeeze, "a, axis=None", a="np.reshape(g, np.shape(a))")
defvjp((np.atleast_1d, np.atleast_2d, np.atleast_3d), "a", a="np.reshape(g, np.shape(a))")
defvjp(np.broadcast_to, "array, shape", array="unbroadcast(g, array)")
defvjp(np.concatenate, "arrays, axis=0", arrays="unconcatenate(g, arrays, axis)")
defvjp(np.stack, "arrays, axis=0", arrays="unstack(g, arrays, axis)")
defvjp(np.hstack, "tup", tup="unhstack(g, tup)")
defvjp(np.vstack, "tup", tup="unvstack(g, tup)")
defvjp((np.split, np.array_split), "ary, indices_or_sections, axis=0", ary="unsplit(g, ary, ans, axis)")
defvjp(np.tile, "A, reps", A="untile(g, A, reps)")
defvjp(np.repeat, "a, repeats, axis=None", a="unrepeat(g, a, repeats, axis)")
defvjp(np.flip, "m, axis=None", m="np.flip(g, axis)")
defvjp(np.fliplr, "m", m="np.fliplr(g)")
defvjp(np.flipud, "m", m="np.flipud(g)")
defvjp(np.roll, "a, shift, axis=None", a="np.roll(g, np.negative(shift), axis)")
defvjp(np.rot90, "m, k=1, axes=(0, 1)", m="np.rot90(g, -k, axes)")
defvjp(np.pad, "array, pad_width, mode='constant', constant_values=0",
       array="unpad(g, array, pad_width, mode)")
defvjp(np.sort, "a, axis=-1", a="unsort(g, a, axis)")
defvjp(np.take, "a, indices, axis=None", a="untake(g, a, indices, axis)")
defvjp(np.take_along_axis, "arr, indices, axis", arr="untake_along_axis(g, arr, indices, axis)")
defvjp(np.diag, "v, k=0", v="undiag(g, v, k)")
defvjp(np.diagonal, "a, offset=0, axis1=0, axis2=1", a="undiagonal(g, a, offset, axis1, axis2)")
defvjp(np.tril, "m, k=0", m="np.tril(g, k)")
defvjp(np.triu, "m, k=0", m="np.triu(g, k)")

# ---- NumPy: linear algebra ---------------------------------------------------------------------

defvjp(np.linalg.inv, "a", a="-(mT(ans) @ g @ mT(ans))")
defvjp(np.linalg.det, "a", a="det_adjoint(g, a, ans)")
defvjp(np.linalg.slogdet, "a", a="slogdet_adjoint(g, a)")
defvjp(np.linalg.solve, "a, b", a="solve_da(g, a, b, ans)", b="solve_db(g, a, b, ans)")
defvjp(np.linalg.cholesky, "a", a="cholesky_adjoint(g, ans)")
defvjp(np.linalg.eigh, "a", a="eigh_adjoint(g, ans)")
defvjp(np.linalg.pinv, "a", a="pinv_adjoint(g, a, ans)")

# ---- srcad's own ------------------------------------------------------------------------------

def stop_gradient(x):
    """Return ``x`` unchanged; no gradient flows back through it (a constant to srcad)."""
    return x


# ---- no gradient -------------------------------------------------------------------------------

defnondiff(
    stop_gradient,
    # piecewise constant or integer valued
    np.sign, np.floor, np.ceil, np.round, np.rint, np.trunc, np.fix, np.floor_divide,
    operator.floordiv, builtins.round, builtins.int, builtins.bool, math.floor, math.ceil,
    math.trunc, np.argmax, np.argmin, np.argsort, np.isnan, np.isinf, np.isfinite,
    np.logical_and, np.logical_or, np.logical_not, np.logical_xor,
    np.greater, np.greater_equal, np.less, np.less_equal, np.equal, np.not_equal,
    operator.not_, operator.invert, operator.and_, operator.or_, operator.xor,
    np.invert, np.bitwise_and, np.bitwise_or, np.bitwise_xor, operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne,
    # shapes and sizes
    np.shape, np.ndim, np.size, builtins.len, builtins.range, builtins.isinstance,
    np.argwhere, np.nonzero, np.flatnonzero, np.searchsorted, np.count_nonzero, np.any, np.all,
    np.isclose, np.allclose, np.array_equal, np.heaviside, np.digitize, np.bincount,
    # constructors
    np.zeros, np.ones, np.empty, np.arange, np.eye, np.identity,
    np.zeros_like, np.ones_like, np.empty_like,
)

# ---- ndarray methods and attributes (x.sum(), x.T): the rule of the matching function ----------

METHODS.update({
    "sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min, "prod": np.prod, "var": np.var,
    "std": np.std, "cumsum": np.cumsum, "cumprod": np.cumprod, "dot": np.dot,
    "transpose": np.transpose, "reshape": np.reshape, "ravel": np.ravel, "flatten": np.ravel,
    "squeeze": np.squeeze, "copy": np.copy, "clip": np.clip, "trace": np.trace,
    "diagonal": np.diagonal, "swapaxes": np.swapaxes, "repeat": np.repeat, "take": np.take,
    "astype": astype, "item": item,
})
# Methods whose positional arguments after self form one tuple: x.reshape(2, 3), x.transpose(1, 0)
PACKED_METHODS = frozenset({"reshape", "transpose"})
ATTRIBUTES.update({"T": np.transpose})
NONDIFF_ATTRIBUTES = frozenset({"shape", "ndim", "size", "dtype"})


def coverage_markdown() -> str:
    """The rule table as Markdown (docs/rules.md embeds it; a test keeps the two in step)."""
    rows = ["| function | differentiable in | VJP template(s) | JVP template(s) |", "|---|---|---|---|"]
    nondiff = []
    seen = {}
    for fn, rule in list(RULES.items()) + [(f, r) for f, rs in OVERLOADS.items() for r in rs]:
        if rule.custom is None and not rule.name.startswith("srcad.runtime."):  # srcad's own
            seen.setdefault(id(rule), (rule, []))[1].append(fn)
    for rule, fns in seen.values():
        names = ", ".join(f"`{_qualified(f)}`" for f in fns)
        if not rule.differentiable:
            nondiff.append(names)
            continue
        templates = "<br>".join(f"`{p}`: `{t}`" for p, t in rule.vjps.items())
        params = ", ".join(f"*{p}" if p == rule.vararg else p for p in rule.vjps)
        tangents = "<br>".join(f"`{p}`: `{t}`" for p, t in rule.tangents.items())
        rows.append(f"| {names} | {params} | {templates} | {tangents} |")
    methods = ", ".join(f"`x.{m}()`" for m in METHODS) + ", " + ", ".join(
        f"`x.{a}`" for a in ATTRIBUTES)
    return "\n".join(rows) + (
        f"\n\nArray methods and attributes use the rule of the matching function: {methods}.\n"
        f"\nNo gradient (the result is treated as a constant): {', '.join(nondiff)}; "
        f"attributes {', '.join(f'`x.{a}`' for a in sorted(NONDIFF_ATTRIBUTES))}.\n")


# ---- forward mode: JVP ("tangent") templates ----------------------------------------------------
#
# Forward mode (srcad.jvp) needs, per primitive, the Jacobian applied to a tangent. A template is
# written in ``t`` (the tangent of one parameter), ``ans`` and the parameters; the forward pass sums the
# templates of the parameters that carry a tangent. Three ways to give one:
#
# * elementwise primitives (a diagonal Jacobian) reuse their VJP template: ``g`` becomes ``t`` and
#   ``unbroadcast(e, x)`` becomes ``e`` (broadcasting forward is NumPy's own);
# * linear and multilinear primitives apply themselves to the tangent: ``np.sum(t, axis=axis)``,
#   ``t @ y`` and ``x @ t``;
# * the rest have a template of their own, often a helper of srcad.runtime.
#
# srcad's own helpers (``unbroadcast``, ``matmul_dx``, ...) have JVP templates too: they appear in the
# code reverse mode generates, and forward mode over that code gives Hessian-vector products. A
# parameter given ``None`` has no JVP: a tangent reaching it is an error, never a silent zero.

def differentiable_params(rule) -> list:
    """The parameters of ``rule`` a gradient or tangent can flow through, in signature order."""
    return list(dict.fromkeys(list(rule.vjps) + [p for p in rule.tangents if p != "*"]))


class _VJPToJVP(ast.NodeTransformer):
    def visit_Call(self, node):
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id == "unbroadcast":
            return node.args[0]
        return node

    def visit_Name(self, node):
        return ast.Name(id="t", ctx=node.ctx) if node.id == "g" else node


BROADCASTING: set = set()  # id() of the rules whose operands broadcast (their VJPs unbroadcast)
ELEMENTWISE: set = set()   # id() of the rules with a diagonal Jacobian (result: the operands' broadcast)


def _elementwise(*fns):
    """Derive the JVP templates of primitives with a diagonal Jacobian from their VJP templates."""
    for fn in fns:
        for rule in [RULES[fn]] + OVERLOADS.get(fn, []):
            ELEMENTWISE.add(id(rule))
            for param, vjp in rule.vjps.items():
                if "unbroadcast" in vjp:
                    BROADCASTING.add(id(rule))
                tree = _VJPToJVP().visit(ast.parse(vjp, mode="eval"))
                rule.tangents.setdefault(param, ast.unparse(tree))


def defjvp(fns, **tangents):
    """Give the JVP templates of the already registered primitive(s) ``fns``."""
    for fn in fns if isinstance(fns, tuple) else (fns,):
        RULES[fn].tangents.update(tangents)


def defhelper(fn, signature: str, **tangents):
    """A rule for one of srcad's runtime helpers: JVP templates only (``None``: no JVP there)."""
    args = ast.parse(f"def _({signature}): pass").body[0].args
    # a helper's parameter called 'ans' (the result of the primitive it differentiates) is
    # 'result' here: in a template, 'ans' is the helper's own result
    rename = {"ans": "result"}
    params = tuple(rename.get(a.arg, a.arg) for a in args.args)
    defaults = {a.arg: ast.literal_eval(d) for a, d in zip(args.args[-len(args.defaults):] if
                                                           args.defaults else [], args.defaults)}
    tangents = {rename.get(p, p): None if t is None else ast.unparse(_Rename(rename).visit(
        ast.parse(t, mode="eval"))) for p, t in tangents.items()}
    RULES[fn] = Rule(f"srcad.runtime.{fn.__name__}", params, defaults, {}, None, None, tangents)


class _Rename(ast.NodeTransformer):
    def __init__(self, names):
        self.names = names

    def visit_Name(self, node):
        return ast.Name(id=self.names.get(node.id, node.id), ctx=node.ctx)


_elementwise(
    operator.add, operator.sub, operator.mul, operator.truediv, operator.pow, operator.mod,
    operator.neg, operator.pos, builtins.abs, builtins.float,
    math.exp, math.expm1, math.log, math.log2, math.log10, math.log1p, math.sqrt, math.sin, math.cos,
    math.tan, math.asin, math.acos, math.atan, math.atan2, math.sinh, math.cosh, math.tanh,
    math.asinh, math.acosh, math.atanh, math.hypot, math.fabs, math.erf, math.erfc,
    np.exp, np.exp2, np.expm1, np.log, np.log2, np.log10, np.log1p, np.sqrt, np.cbrt, np.square,
    np.reciprocal, np.abs, np.sin, np.cos, np.tan, np.arcsin, np.arccos, np.arctan, np.sinh,
    np.cosh, np.tanh, np.arcsinh, np.arccosh, np.arctanh, np.deg2rad, np.sinc, np.rad2deg,
    np.maximum, np.minimum, np.arctan2, np.hypot, np.logaddexp, np.float_power, np.copysign,
    np.clip, np.where, np.logaddexp2,
)
for _fn in (operator.pow, np.float_power):  # a constant exponent's zero tangent gives 0, never nan
    RULES[_fn].tangents["y"] = "exponent_tangent(t, ans, x)"
RULES[builtins.max].tangents.update(x="t * (x >= y)", y="t * (x < y)")
RULES[builtins.min].tangents.update(x="t * (x <= y)", y="t * (x > y)")
for _rule in OVERLOADS[builtins.max] + OVERLOADS[builtins.min]:
    _rule.tangents["args"] = "extremum_tangent(t, args, k, ans)"

defjvp((operator.matmul, np.matmul), x="t @ y", y="x @ t")
defjvp(operator.getitem, x="t[index]")
defjvp(builtins.sum, iterable="tangent_sum(t)", start="t")
defjvp(math.fsum, iterable="tangent_sum(t)")
defjvp(astype, a="astype_tangent(t, dtype)")
defjvp(item, a="np.asarray(t).item()")

defjvp(np.sum, a="np.sum(t, axis=axis, keepdims=keepdims)")
defjvp(np.mean, a="np.mean(t, axis=axis, keepdims=keepdims)")
defjvp((np.max, np.min),
       a="reduction_tangent(unmax(np.ones_like(ans), a, ans, axis, keepdims), t, axis, keepdims)")
defjvp(np.prod,
       a="reduction_tangent(unprod(np.ones_like(ans), a, ans, axis, keepdims), t, axis, keepdims)")
defjvp(np.var,
       a="reduction_tangent(unvar(np.ones_like(ans), a, axis, ddof, keepdims), t, axis, keepdims)")
defjvp(np.std, a="reduction_tangent(unstd(np.ones_like(ans), a, ans, axis, ddof, keepdims), t, "
                 "axis, keepdims)")
defjvp(np.cumsum, a="np.cumsum(t, axis=axis)")
defjvp(np.cumprod, a="cumprod_tangent(t, a, ans, axis)")
defjvp(np.trace, a="np.trace(t, offset, axis1, axis2)")
defjvp(np.linalg.norm, x="reduction_tangent(unnorm(np.ones_like(ans), x, ans, ord, axis, keepdims), "
                         "t, axis, keepdims)")
defjvp(np.dot, a="np.dot(t, b)", b="np.dot(a, t)")
defjvp(np.inner, a="np.inner(t, b)", b="np.inner(a, t)")
defjvp(np.outer, a="np.outer(t, b)", b="np.outer(a, t)")
defjvp(np.tensordot, a="np.tensordot(t, b, axes)", b="np.tensordot(a, t, axes)")
defjvp(np.einsum, operands="einsum_tangent(t, subscripts, operands, k)")
defjvp(np.kron, a="np.kron(t, b)", b="np.kron(a, t)")
defjvp(np.cross, a="np.cross(t, b)", b="np.cross(a, t)")

defjvp(np.copy, a="np.copy(t)")
defjvp((np.full, np.full_like), fill_value="broadcast_tangent(t, ans)")
defjvp(np.linspace, start="t * (1 - np.linspace(0.0, 1.0, num))", stop="t * np.linspace(0.0, 1.0, num)")
defjvp((np.array, np.asarray),
       object="np.array(t) if dtype is None else astype_tangent(np.array(t), dtype)")
defjvp(np.transpose, a="np.transpose(t, axes)")
defjvp(np.reshape, a="np.reshape(t, shape)")
defjvp(np.ravel, a="np.ravel(t)")
defjvp(np.swapaxes, a="np.swapaxes(t, axis1, axis2)")
defjvp(np.moveaxis, a="np.moveaxis(t, source, destination)")
defjvp((np.expand_dims, np.squeeze, np.atleast_1d, np.atleast_2d, np.atleast_3d),
       a="np.reshape(t, np.shape(ans))")
defjvp(np.broadcast_to, array="np.broadcast_to(t, shape)")
defjvp(np.concatenate, arrays="np.concatenate(t, axis)")
defjvp(np.stack, arrays="np.stack(t, axis)")
defjvp(np.hstack, tup="np.hstack(t)")
defjvp(np.vstack, tup="np.vstack(t)")
defjvp(np.split, ary="split_tangent(t, ans, axis)")
defjvp(np.tile, A="np.tile(t, reps)")
defjvp(np.repeat, a="np.repeat(t, repeats, axis)")
defjvp(np.flip, m="np.flip(t, axis)")
defjvp(np.fliplr, m="np.fliplr(t)")
defjvp(np.flipud, m="np.flipud(t)")
defjvp(np.roll, a="np.roll(t, shift, axis)")
defjvp(np.rot90, m="np.rot90(t, k, axes)")
defjvp(np.pad, array="np.pad(t, pad_width, mode)")
defjvp(np.sort, a="sort_tangent(t, a, axis)")
defjvp(np.take, a="np.take(t, indices, axis)")
defjvp(np.take_along_axis, arr="np.take_along_axis(t, indices, axis)")
defjvp(np.diag, v="np.diag(t, k)")
defjvp(np.diagonal, a="np.diagonal(t, offset, axis1, axis2)")
defjvp(np.tril, m="np.tril(t, k)")
defjvp(np.triu, m="np.triu(t, k)")

defjvp(np.linalg.inv, a="-(ans @ t @ ans)")
defjvp(np.linalg.det, a="ans * np.trace(np.linalg.solve(a, t), axis1=-2, axis2=-1)")
defjvp(np.linalg.slogdet, a="slogdet_tangent(t, a)")
defjvp(np.linalg.solve, a="-np.linalg.solve(a, t @ ans)", b="np.linalg.solve(a, t)")
defjvp(np.linalg.cholesky, a="cholesky_tangent(t, ans)")
defjvp(np.linalg.eigh, a="eigh_tangent(t, ans)")
defjvp(np.linalg.pinv, a="pinv_tangent(t, a, ans)")

# srcad's runtime helpers, as the code reverse mode generates calls them. Most are linear in the
# adjoint they are given and read the other arguments only for shapes, indices and masks
# (piecewise constant: no tangent flows there).
_LINEAR_IN_FIRST = {
    runtime.unbroadcast: "g, x", runtime.unsum: "g, x, axis=None, keepdims=False",
    runtime.unmean: "g, x, axis=None, keepdims=False",
    runtime.unmax: "g, x, ans, axis=None, keepdims=False", runtime.unindex: "g, x, index",
    runtime.unpack_adjoint: "g, x", runtime.zero_at: "g, index",
    runtime.unsetitem: "g, index, value", runtime.list_copy: "g", runtime.snapshot: "g",
    runtime.private_copy: "g", runtime.unrepeat_sequence: "g, x",
    runtime.uncumsum: "g, a, axis=None", runtime.undiagonal: "g, a, offset=0, axis1=0, axis2=1",
    runtime.untrace: "g, a, offset=0, axis1=0, axis2=1", runtime.unconcatenate: "g, arrays, axis=0",
    runtime.unstack: "g, arrays, axis=0", runtime.unhstack: "g, arrays",
    runtime.unvstack: "g, arrays", runtime.unsplit: "g, ary, ans, axis=0",
    runtime.untile: "g, a, reps", runtime.unrepeat: "g, a, repeats, axis=None",
    runtime.unpad: "g, array, pad_width, mode='constant'", runtime.unsort: "g, a, axis=-1",
    runtime.untake: "g, a, indices, axis=None",
    runtime.untake_along_axis: "g, arr, indices, axis", runtime.undiag: "g, v, k=0",
    runtime.unarray: "g, obj", runtime.unastype: "g, a, dtype", runtime.unsum_sequence: "g, iterable",
    runtime.extremum_adjoint: "g, args, k, ans", runtime.clip_adjoint: "g, a, a_min, a_max",
    runtime.mT: "g",
}
for _fn, _signature in _LINEAR_IN_FIRST.items():
    _params = [p.split("=")[0].strip() for p in _signature.split(",")]
    defhelper(_fn, _signature, g=f"{_fn.__name__}(t, {', '.join(_params[1:])})".replace(", )", ")"))
defhelper(runtime.adjoint_like, "x, parts", parts="adjoint_like(x, t)")
# linear in the adjoint and in one primal operand (bilinear), the rest only read for shapes
for _fn, _other, _which in [(runtime.matmul_dx, "y", "g, x, y"), (runtime.matmul_dy, "x", "g, x, y"),
                            (runtime.dot_dx, "y", "g, x, y"), (runtime.dot_dy, "x", "g, x, y"),
                            (runtime.outer_da, "b", "g, a, b"), (runtime.outer_db, "a", "g, a, b"),
                            (runtime.kron_da, "b", "g, a, b"), (runtime.kron_db, "a", "g, a, b"),
                            (runtime.inner_da, "b", "g, a, b"), (runtime.inner_db, "a", "g, a, b")]:
    _args = _which.split(", ")
    defhelper(_fn, _which, g=f"{_fn.__name__}(t, {_args[1]}, {_args[2]})",
              **{_other: f"{_fn.__name__}(g, " + ", ".join("t" if a == _other else a
                                                          for a in _args[1:]) + ")"})
defhelper(runtime.tensordot_da, "g, a, b, axes=2", g="tensordot_da(t, a, b, axes)",
          b="tensordot_da(g, a, t, axes)")
defhelper(runtime.tensordot_db, "g, a, b, axes=2", g="tensordot_db(t, a, b, axes)",
          a="tensordot_db(g, t, b, axes)")
defhelper(runtime.einsum_adjoint, "g, subscripts, operands, k",
          g="einsum_adjoint(t, subscripts, operands, k)",
          operands="einsum_adjoint_tangent(g, subscripts, operands, k, t)")
defhelper(runtime.unvar, "g, a, axis=None, ddof=0, keepdims=False",
          g="unvar(t, a, axis, ddof, keepdims)", a="unvar(g, t, axis, ddof, keepdims)")
defhelper(runtime.unstd, "g, a, ans, axis=None, ddof=0, keepdims=False",
          g="unstd(t, a, ans, axis, ddof, keepdims)", a="unstd(g, t, ans, axis, ddof, keepdims)",
          ans="unstd(-g * t / ans, a, ans, axis, ddof, keepdims)")
defhelper(runtime.unnorm, "g, x, ans, ord=None, axis=None, keepdims=False",
          g="unnorm(t, x, ans, ord, axis, keepdims)",
          x="unnorm_dx(g, x, ans, ord, axis, keepdims, t)",
          ans="unnorm_dans(g, x, ans, ord, axis, keepdims, t)")
defhelper(runtime.power_dx, "x, y", x="t * y * power_dx(x, y - 1)",
          y="exponent_tangent(t, power_dx(x, y), x) + t * np.where(y == 0, 1.0, power_dx(x, y) / "
            "np.where(y == 0, 1.0, y))")
defhelper(runtime.log_or_zero, "x", x="t * (x != 0) / np.where(x == 0, 1, x)")
# nonlinear in a primal operand: no second-order rule yet (an error if a tangent reaches it)
for _fn, _signature, _first, _rest in [
        (runtime.unprod, "g, a, ans, axis=None, keepdims=False", "g", ("a", "ans")),
        (runtime.uncumprod, "g, a, ans, axis=None", "g", ("a", "ans")),
        (runtime.sinc_adjoint, "g, x", "g", ("x",)),
        (runtime.det_adjoint, "g, a, ans", "g", ("a", "ans")),
        (runtime.slogdet_adjoint, "g, a", "g", ("a",)),
        (runtime.solve_da, "g, a, b, ans", "g", ("a", "b", "ans")),
        (runtime.solve_db, "g, a, b, ans", "g", ("a", "b", "ans")),
        (runtime.cholesky_adjoint, "g, ans", "g", ("ans",)),
        (runtime.eigh_adjoint, "g, ans", "g", ("ans",)),
        (runtime.pinv_adjoint, "g, a, ans", "g", ("a", "ans"))]:
    _params = [p.split("=")[0].strip() for p in _signature.split(",")]
    defhelper(_fn, _signature, g=f"{_fn.__name__}(t, {', '.join(_params[1:])})",
              **{p: None for p in _rest})
defnondiff(runtime.zeros_like, runtime.seed_scalar, runtime.zero_tangent, runtime.one_like)
RULES[runtime.call_vjp] = Rule("srcad.runtime.call_vjp", ("vjp", "g", "ans", "args", "kwargs"), {}, {},
                               None, None, {"g": None, "ans": None, "args": None})

# the helpers forward mode itself generates (so forward mode can run over its own code)
defhelper(runtime.broadcast_tangent, "v, ans", v="broadcast_tangent(t, ans)")
defhelper(runtime.exponent_tangent, "v, scale, x", v="exponent_tangent(t, scale, x)",
          scale="exponent_tangent(v, t, x)", x="v * scale * t / x")
defhelper(runtime.tangent_sum, "v", v="tangent_sum(t)")
defhelper(runtime.extremum_tangent, "v, args, k, ans", v="extremum_tangent(t, args, k, ans)")
defhelper(runtime.reduction_tangent, "p, v, axis=None, keepdims=False",
          p="reduction_tangent(t, v, axis, keepdims)", v="reduction_tangent(p, t, axis, keepdims)")
defhelper(runtime.astype_tangent, "v, dtype", v="astype_tangent(t, dtype)")
defhelper(runtime.split_tangent, "v, ans, axis=0", v="split_tangent(t, ans, axis)")
defhelper(runtime.sort_tangent, "v, a, axis=-1", v="sort_tangent(t, a, axis)")
defhelper(runtime.cumprod_tangent, "v, a, ans, axis=None", v="cumprod_tangent(t, a, ans, axis)",
          a=None, ans=None)
defhelper(runtime.einsum_tangent, "v, subscripts, operands, k",
          v="einsum_tangent(t, subscripts, operands, k)", operands=None)
defhelper(runtime.einsum_adjoint_tangent, "g, subscripts, operands, k, v",
          g="einsum_adjoint_tangent(t, subscripts, operands, k, v)",
          v="einsum_adjoint_tangent(g, subscripts, operands, k, t)", operands=None)
for _fn in (runtime.slogdet_tangent, runtime.cholesky_tangent, runtime.eigh_tangent,
            runtime.pinv_tangent):
    _params = list(inspect.signature(_fn).parameters)
    defhelper(_fn, ", ".join(_params), **{_params[0]: f"{_fn.__name__}(t, {', '.join(_params[1:])})"},
              **{p: None for p in _params[1:]})

TEMPLATE_NAMESPACE.update({name: getattr(runtime, name) for name in (
    "broadcast_tangent", "zero_tangent", "tangent_sum", "extremum_tangent", "reduction_tangent",
    "astype_tangent", "split_tangent", "sort_tangent", "cumprod_tangent", "einsum_tangent",
    "einsum_adjoint_tangent", "slogdet_tangent", "cholesky_tangent", "eigh_tangent",
    "pinv_tangent", "one_like", "exponent_tangent", "unnorm_dx", "unnorm_dans")})
