"""The rule type and the rule table: :class:`Rule`, :func:`defrule`, :func:`defnondiff`, :func:`lookup`.

Accepts: one entry per primitive (a function, or a tuple of aliases), made by :func:`defrule` or
:func:`defnondiff` in the family modules of :mod:`srcad.rules`.
Guarantees: every :class:`Rule` is created whole (its VJP templates, JVP templates and facts) and
never changed afterwards; :data:`RULES` maps a function to its rule, :data:`OVERLOADS` to further
rules tried in order when a call does not fit the first. The JVP templates of elementwise rules are
derived from their VJP templates, those of parameters a rule is linear in from the function itself;
both can be overridden by an explicit ``jvp={...}``.
"""

from __future__ import annotations

import ast
import dataclasses
import enum
import sys

import numpy as np


class RuleOrigin(enum.Enum):
    """Where a rule comes from: a primitive of NumPy, ``math`` or Python (the table srcad ships),
    one of srcad's own runtime helpers (second order), a user's (:func:`srcad.defvjp`), or a
    function made by srcad called inside another (its VJP a Hessian-vector product)."""

    PRIMITIVE = "primitive"
    HELPER = "helper"
    CUSTOM = "custom"
    DERIVED = "derived"  # a function made by srcad.grad, called inside another differentiated one


@dataclasses.dataclass(frozen=True)
class Rule:
    """How to differentiate one primitive. ``params is None`` means: any arguments, no gradient.

    Templates: ``vjps`` maps a differentiable parameter to its VJP template (in ``g``, ``ans`` and
    the parameters); ``tangents`` to its JVP template (in ``t``, that parameter's tangent; ``None``:
    no JVP, a tangent reaching it is an error). Facts: ``elementwise`` (a diagonal Jacobian, the
    result has the operands' broadcast shape), ``broadcasts`` (the operands broadcast: the VJPs
    unbroadcast), ``view`` (the result may share memory with an argument), ``fresh`` (the result is
    a new array), ``linear_in`` (the parameters the function is linear in), ``identity`` (the
    result is the operand itself: ``y = x``), ``holds_operands`` (the result is a container holding
    the operands themselves: ``(a, b)``, ``[a, b]``). ``joint_jvp``: one JVP template for the
    whole result, in ``t_<param>`` (each parameter's tangent), used instead of ``tangents`` (a
    container's tangent is the container of the tangents). ``origin``: a :class:`RuleOrigin`.
    ``unsupported``: parameters kept in the signature so that positional arguments bind as in
    NumPy, which a call must leave out or pass as a literal ``None`` (``out=``): otherwise the
    call does not fit the rule (refused where an active value reaches it). ``complex``: what the
    rule does with complex arguments, where :func:`complex_mode` cannot derive it (``None``).
    """

    name: str
    params: tuple | None = None
    defaults: dict = dataclasses.field(default_factory=dict)
    vjps: dict = dataclasses.field(default_factory=dict)
    vararg: str | None = None  # "*operands": the extra positional arguments, as one tuple
    custom: object = None      # a user's VJP function (srcad.defvjp), called instead of templates
    tangents: dict = dataclasses.field(default_factory=dict)
    elementwise: bool = False
    broadcasts: bool = False
    view: bool = False
    fresh: bool = False
    linear_in: tuple = ()
    identity: bool = False
    holds_operands: bool = False
    joint_jvp: str | None = None
    origin: RuleOrigin = RuleOrigin.PRIMITIVE
    unsupported: tuple = ()  # parameters a call must leave out (or pass as None): ``out``
    keyword_only: tuple = ()  # parameters after ``*`` in the signature: never bound by position
    renamed: tuple = ()  # ((keyword, parameter), ...): a second name of a parameter
    # (np.clip's ``min=`` for ``a_min``, NumPy >= 2.1)
    complex: str | tuple | None = None  # "yes", "refused", "real only", "partial" or
    # ((parameter, mode), ...): see complex_mode
    alias_of: Rule | None = None  # NumPy's rule this one adapts to another namespace's function

    @property
    def differentiable(self) -> bool:
        return bool(self.vjps) or bool(self.tangents) or self.joint_jvp is not None

    def bind(self, args: list, keywords: dict) -> dict:
        """Map a call's argument nodes to the rule's parameter names (defaults filled in as
        constants). Raises ``TypeError`` with a user-facing message if the call does not fit."""
        if self.params is None:
            return {}
        positional = [p for p in self.params if p not in self.keyword_only]
        if len(args) > len(positional) and self.vararg is None:
            raise TypeError(f"{self.name} takes at most {len(positional)} positional arguments "
                            f"for differentiation ({', '.join(positional)}), got {len(args)}")
        bound = dict(zip(positional, args))
        if self.vararg is not None:
            bound[self.vararg] = list(args[len(positional):])
        if self.custom is not None:  # a user's VJP takes the call's own arguments: no defaults
            for key, value in keywords.items():
                if key not in self.params:
                    raise TypeError(f"{self.name} has no parameter '{key}'")
                bound[key] = value
            return bound
        for key, value in keywords.items():
            key = dict(self.renamed).get(key, key)
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
                bound[name] = Default(self.defaults[name])
        for name in self.unsupported:
            value = bound.get(name)
            if not isinstance(value, Default) and getattr(value, "value", 0) is not None:
                raise TypeError(f"srcad's rule for {self.name} does not support the argument "
                                f"'{name}'")
        return bound


class Default:
    """A default argument value, substituted into templates as a constant."""

    def __init__(self, value):
        self.value = value


class RuleTable(dict):
    """The rule table: a dict that counts its changes in :attr:`version`, so that a transformation
    made while one rule was registered knows when it is replaced (``srcad.defvjp(...,
    replace=True)`` after a first call) and is made again (:class:`srcad.results.Guard`)."""

    version = 0

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        self.version += 1

    def __delitem__(self, key):
        super().__delitem__(key)
        self.version += 1

    def update(self, *args, **kwargs):
        super().update(*args, **kwargs)
        self.version += 1

    def clear(self):
        super().clear()
        self.version += 1

    def pop(self, *args):
        self.version += 1
        return super().pop(*args)

    def setdefault(self, key, default=None):
        self.version += 1
        return super().setdefault(key, default)


RULES: RuleTable = RuleTable()
OVERLOADS: dict = {}    # function -> further rules, tried in order when a call does not fit RULES
# another namespace's function -> NumPy's rules of its operation, adapted, first rule first
# (srcad.rules.operations): not in RULES, which is NumPy's table
ALIASES: dict = {}
# module name -> a function registering the rules of that (optional, slow to import) library's
# functions; run the first time a lookup misses after the module was imported (srcad.rules.scipy_rules)
LAZY: dict = {}


def lookup(fn):
    """The rule for the object ``fn``, or None. A miss first registers the rules of the
    libraries of :data:`LAZY` imported since (so importing srcad imports none of them)."""
    try:
        rule = RULES.get(fn)
    except TypeError:  # unhashable callables
        return None
    if rule is None and LAZY and load_lazy():
        rule = RULES.get(fn)
    if rule is None and fn in ALIASES:
        return ALIASES[fn][0]
    return rule


def overloads_of(rule) -> list:
    """The further rules of the function whose first rule is ``rule``, tried in order when a
    call does not fit it."""
    if rule.alias_of is not None:
        return next((rules[1:] for rules in ALIASES.values() if rules[0] is rule), [])
    return [r for fn, rs in OVERLOADS.items() if RULES.get(fn) is rule for r in rs]


def load_lazy(force: bool = False) -> bool:
    """Register the rules of each library of :data:`LAZY` that is imported (``force``: importing
    it if it is installed); whether any was."""
    loaded = False
    for name in [n for n in LAZY if force or n in sys.modules]:
        LAZY.pop(name)()
        loaded = True
    return loaded


def all_rules() -> list:
    """Every rule in the table, overloads included, each once."""
    found = {id(r): r for r in RULES.values()}
    found.update((id(r), r) for rs in OVERLOADS.values() for r in rs)
    return list(found.values())


def parse_signature(signature: str):
    """``(params, defaults, vararg, keyword_only)`` of a signature written as in a ``def``; the
    keyword-only parameters (after ``*`` or ``*operands``) come last in ``params``."""
    args = ast.parse(f"def _({signature}): pass").body[0].args
    params = tuple(a.arg for a in args.args) + tuple(a.arg for a in args.kwonlyargs)
    defaults = {a.arg: ast.literal_eval(d) for a, d in zip(args.args[-len(args.defaults):] if
                                                           args.defaults else [], args.defaults)}
    defaults.update((a.arg, ast.literal_eval(d)) for a, d in zip(args.kwonlyargs, args.kw_defaults)
                    if d is not None)
    return (params, defaults, args.vararg.arg if args.vararg else None,
            tuple(a.arg for a in args.kwonlyargs))


def defrule(fns, signature: str, *, jvp: dict | None = None, elementwise: bool = False,
            broadcasts: bool | None = None, view: bool = False, fresh: bool = False,
            linear_in=(), overload: bool = False, unsupported=(), name: str | None = None,
            complex: str | dict | None = None, renamed: dict | None = None, **vjps: str) -> Rule:
    """Register the rule of ``fns`` (one function or a tuple of aliases): one entry per primitive.

    ``signature`` lists the parameters as in a ``def`` (``"a, axis=None, keepdims=False"``;
    parameters after ``*`` or ``*operands`` are keyword-only, as in NumPy's); each
    keyword argument names a differentiable parameter and gives its VJP template. JVP templates:
    ``elementwise=True`` derives them from the VJPs (``g`` becomes ``t``, ``unbroadcast(e, x)``
    becomes ``e``); ``linear_in`` names parameters whose JVP is the function applied to the tangent
    in that place (``np.transpose(t, axes)``); ``jvp`` gives the others (and overrides). ``broadcasts``
    defaults to: elementwise with a VJP that unbroadcasts. ``overload=True`` adds a rule for calls
    that do not fit the first one (e.g. ``max(a, b, c)``). ``unsupported``: see :class:`Rule`.
    ``name``: the name tables and messages print (default: :func:`qualified`). ``complex``: one
    of :data:`COMPLEX_MODES`, what the rule does with complex arguments (default: derived, see
    :func:`complex_mode`), or a dict giving one for each parameter that differs (the rule's mode
    is then ``"partial"``; docs/rules.md prints the dict). ``renamed``: second names of
    parameters, ``{"min": "a_min"}``.
    """
    told = complex.values() if isinstance(complex, dict) else [] if complex is None else [complex]
    if any(mode not in COMPLEX_MODES[:3] + (("partial",) if complex == "partial" else ())
           for mode in told):
        raise ValueError(f"rule for {fns}: complex={complex!r} is not one of {COMPLEX_MODES}")
    if isinstance(complex, dict):
        complex = tuple(complex.items())
    aliases = fns if isinstance(fns, tuple) else (fns,)
    params, defaults, vararg, keyword_only = parse_signature(signature)
    linear_in = (linear_in,) if isinstance(linear_in, str) else tuple(linear_in)
    unknown = (set(vjps) | set(jvp or {}) | set(linear_in)) - set(params) - {vararg}
    if unknown:
        raise ValueError(f"rule for {fns}: templates for unknown parameters {sorted(unknown)}")
    tangents = {}
    if elementwise:
        tangents.update((p, _vjp_to_jvp(v)) for p, v in vjps.items())
    for p in linear_in:
        applied = ", ".join(("t" if q == p else q) if q not in keyword_only else
                            f"{q}={'t' if q == p else q}" for q in params)
        tangents.setdefault(p, f"np.{aliases[0].__name__}({applied})")
    tangents.update(jvp or {})
    if broadcasts is None:
        broadcasts = elementwise and any("unbroadcast" in v for v in vjps.values())
    rule = Rule(name or qualified(aliases[0]), params, defaults, dict(vjps), vararg, None, tangents,
                elementwise, broadcasts, view, fresh, linear_in, unsupported=tuple(unsupported),
                keyword_only=keyword_only, complex=complex,
                renamed=tuple((renamed or {}).items()))
    for fn in aliases:
        if overload:
            OVERLOADS.setdefault(fn, []).append(rule)
        else:
            RULES[fn] = rule
    return rule


def defnondiff(*fns, fresh: bool = False):
    """Declare that the results of ``fns`` carry no gradient (piecewise constant, integer valued,
    shape queries, constructors): a gradient reaching them stops there. ``fresh``: each returns a
    new array."""
    for fn in fns:
        RULES[fn] = Rule(qualified(fn), fresh=fresh)


class _VJPToJVP(ast.NodeTransformer):
    def visit_Call(self, node):
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id == "unbroadcast":
            return node.args[0]
        return node

    def visit_Name(self, node):
        return ast.Name(id="t", ctx=node.ctx) if node.id == "g" else node


def _vjp_to_jvp(vjp: str) -> str:
    """An elementwise primitive's JVP from its VJP: the Jacobian is diagonal, so the same
    expression in the tangent; broadcasting forward is NumPy's own."""
    return ast.unparse(_VJPToJVP().visit(ast.parse(vjp, mode="eval")))


def differentiable_params(rule) -> list:
    """The parameters of ``rule`` a gradient or tangent can flow through, in signature order."""
    return list(dict.fromkeys(list(rule.vjps) + list(rule.tangents)))


def qualified(fn) -> str:
    """The name of ``fn`` as the rule table and messages print it (``numpy.tanh``)."""
    owner = getattr(fn, "__self__", None)
    if isinstance(owner, np.ufunc):  # a ufunc's method: np.maximum.accumulate
        return f"numpy.{owner.__name__}.{fn.__name__}"
    module = getattr(fn, "__module__", None) or ""
    name = getattr(fn, "__name__", None) or next(  # (an object NumPy names: np.r_, np.c_)
        (k for k, v in vars(np).items() if v is fn), None) or repr(fn)
    if isinstance(fn, np.ufunc) or module.startswith("numpy"):
        return f"numpy.{name}"
    if module in ("_operator", "operator"):
        return f"operator.{name}"
    return f"{module}.{name}" if module and module != "builtins" else name


# ---- complex arguments ---------------------------------------------------------------------------

COMPLEX_MODES = ("yes", "refused", "real only", "partial")
_COMPLEX_LOOP = frozenset("FDG")  # the type codes of NumPy's complex types


def complex_mode(fn, rule) -> str:
    """What ``rule`` (the rule of ``fn``, one of its aliases) does with complex arguments, one of
    :data:`COMPLEX_MODES`:

    * ``"yes"``: complex arguments are differentiated with JAX's convention (docs/complex.md);
    * ``"refused"``: a complex argument of a call whose result needs a gradient is refused at run
      time, at the user's line (``UnsupportedOperationError``), never given a wrong number;
    * ``"real only"``: NumPy (or Python, or SciPy) itself takes only real values there;
    * ``"partial"``: some parameters or modes are differentiated for complex values and the
      others refused or real only (the family's docstring says which).

    The rule's own ``complex`` fact first; else derived: ``"real only"`` for a ufunc with no complex
    loop (``fn.types``) and for ``math``'s functions (Python's ``math`` takes no complex numbers),
    ``"yes"`` otherwise. tests/test_rules_complex.py checks every differentiable rule of the table
    in its mode (a "yes" against central differences in the real and the imaginary direction of
    each entry, in reverse and forward mode) and fails for a rule with no complex case: no mode,
    derived or told, goes unchecked."""
    if isinstance(rule.complex, tuple):  # a mode for each parameter that differs
        return "partial"
    if rule.complex is not None:
        return rule.complex
    if isinstance(fn, np.ufunc):
        inputs = [t.split("->")[0] for t in fn.types]
        if not any(_COMPLEX_LOOP & set(t) for t in inputs):
            return "real only"
    if qualified(fn).startswith("math."):
        return "real only"
    return "yes"


def refusing_complex(function: str, signature: str, templates: dict) -> dict:
    """``templates`` (VJP or JVP templates of the rule of ``function``), each made to refuse a call
    with a complex argument first (:func:`srcad.runtime.broadcasting.real_operands`): for the rules
    whose formulas hold for real values only (tag them ``complex="refused"``)."""
    params = parse_signature(signature)[0]
    operands = "".join(f"{p}, " for p in params).rstrip(" ")
    return {p: f"real_operands({t}, {function!r}, ({operands}))" for p, t in templates.items()}
