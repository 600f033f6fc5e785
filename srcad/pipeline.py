"""The transformation: every pass srcad runs, in order, for every kind of derivative.

    parse -> fence -> lower -> normalize -> ops -> activity -> reverse | forward -> emit -> load

``grad``, ``value_and_grad``, ``vjp``, ``jvp``/``hvp`` and ``check_grads`` all transform through this
module. Set ``SRCAD_DEBUG_PASSES=1`` to print the program after each pass.
"""

from __future__ import annotations

import dataclasses
import inspect
import os
import re
import sys
import threading
import types
import weakref

import gast

from .errors import Location, SourceUnavailableError, SrcadError
from .naming import Namer
from .passes import activity as activity_pass
from .passes import alias
from .passes.emit import emit
from .passes.fence import fence
from .passes.forward import forward, tangent_parameter_names
from .passes.load import Entry, FunctionRef, load
from .passes.lower import lower
from .passes.normalize import normalize
from .passes.ops import classify, sequence_names
from .passes.parse import NestedFunction, parse
from .passes.reverse import Options, reverse
from .passes.syntax import simple_statements
from .rules.template import Helpers
from .runtime import one_like


@dataclasses.dataclass
class Transformed:
    """The result of differentiating one function: generated text and the compiled function."""

    source: str
    function: object
    filename: str
    return_location: object
    params: list
    files: dict  # generated function name -> the file of the user function it was made from
    entries: list = dataclasses.field(default_factory=list)  # load.Entry of every function
    main: str = ""

    def locate(self, traceback) -> Location | None:
        """The user's line behind the innermost generated line in ``traceback``: the ``# line N``
        comment above it names the line of the function it was generated from."""
        import linecache

        found = None
        while traceback is not None:
            code = traceback.tb_frame.f_code
            if code.co_filename == self.filename and code.co_name in self.files:
                found = (code.co_name, traceback.tb_lineno)
            traceback = traceback.tb_next
        if found is None:
            return None
        name, lineno = found
        lines = linecache.getlines(self.filename)
        for k in range(lineno - 1, -1, -1):
            text = lines[k].strip()
            if text.startswith("# line "):
                return Location(self.files[name], int(text[7:].split(":")[0]), 0)
            if text.startswith("def "):
                break
        return None


def _debug(stage: str, tree):
    if os.environ.get("SRCAD_DEBUG_PASSES"):
        import ast

        node = gast.gast_to_ast(tree)
        ast.fix_missing_locations(node)
        print(f"---- after {stage} ----\n{ast.unparse(node)}", file=sys.stderr)


class Program:
    """Every function generated for one derived function: the main one, and a forward/backward pair
    per (called user function, parameters that need a gradient), each made once."""

    def __init__(self, options=Options()):
        self.options = options
        self.entries: list = []      # load.Entry, in order of generation
        self.generated: list = []    # (gast function, comments), in the same order
        self.pairs: dict = {}        # (function, wrt) -> (forward name, backward name)
        self.names = Namer()         # the names of the generated functions

    def fresh(self, hint: str) -> str:
        return self.names.fresh(hint)

    def callee(self, fn, wrt, location, static=()):
        """Names of the forward/backward pair of ``fn`` with respect to parameters ``wrt``
        (specialized on the functions ``static`` gives for some of its parameters)."""
        key = (fn, tuple(wrt), static)
        if key not in self.pairs:
            base = re.sub(r"\W", "", fn.__name__) or "function"  # '<lambda>' -> 'lambda'
            names = (self.fresh(f"forward_{base}"), self.fresh(f"backward_{base}"))
            self.pairs[key] = names  # before deriving: a recursive call finds it
            try:
                derive(self, fn, list(wrt), split=names, static=dict(static))
            except SourceUnavailableError as exc:
                raise SourceUnavailableError(
                    f"cannot differentiate through {fn.__qualname__!r}: {exc.message}", location,
                    hint="give it a gradient with @srcad.custom_vjp or srcad.defvjp") from None
        return self.pairs[key]


    def jvp_callee(self, fn, wrt, location, static=()):
        """Name and tangent parameters of the JVP function of ``fn`` with respect to ``wrt``."""
        key = ("jvp", fn, tuple(wrt), static)
        if key not in self.pairs:
            base = re.sub(r"\W", "", fn.__name__) or "function"
            try:
                derive_forward(self, fn, list(wrt), self.fresh(f"jvp_{base}"), static=dict(static),
                               key=key)
            except SourceUnavailableError as exc:
                raise SourceUnavailableError(
                    f"cannot differentiate through {fn.__qualname__!r}: {exc.message}",
                    location) from None
        return self.pairs[key]


def _front(fun, wrt, static):
    """The passes both modes share: parse, fence, lower, normalize, classify. Returns
    ``(parsed, fun, wrt, namer, normalized, helpers, ops, out)``; ``static`` maps parameters to the
    functions they hold (and ``"*args"`` to how many extra arguments there are)."""
    if isinstance(fun, NestedFunction):
        parsed, fun = fun.parsed(), fun.parent.fn
    else:
        parsed = parse(fun)
    static = dict(static or {})
    if "*args" in static:
        parsed.specialize_varargs(static.pop("*args"))
        varargs = [n for names in parsed.varargs.values() for n in names]
        wrt = [varargs[int(p[1:])] if p.startswith("*") else p for p in wrt]
    parsed.static = {k: v for k, v in static.items() if k in parsed.called_parameters()}
    _debug("parse", parsed.tree)
    fence(parsed)
    namer = Namer.for_function(parsed.tree)
    return parsed, fun, wrt, namer


def _middle(parsed, namer):
    parsed.tree = lower(parsed.tree, namer)
    _debug("lower", parsed.tree)
    normalized = normalize(parsed, namer)
    _debug("normalize", normalized.tree)
    helpers = Helpers(namer, parsed.namespace, normalized.locals)
    simple = list(simple_statements(normalized.tree.body))
    sequences = sequence_names(simple)
    ops = {stmt: classify(stmt, parsed, normalized.locals, helpers, sequences) for stmt in simple}
    out = normalized.tree.body[-1].value.id
    return normalized, helpers, ops, out


def _stack_constants(parsed, normalized, ops) -> frozenset:
    """In code srcad generated, the variables that hold integers or booleans: loop indices and
    trip counts, and variables assigned values with no derivative (a branch's condition) and
    otherwise only values popped from the stack. The stack gives back to a variable only values that variable
    held (srcad saves and restores each one in place), so a popped value is one of those. (In a
    user's function a list may be used otherwise: there, nothing is assumed.)"""
    from .passes.ops import OpKind

    if not parsed.filename.startswith("<srcad "):
        return frozenset()
    loops = {n.target.id for n in gast.walk(normalized.tree) if isinstance(n, gast.For)
             and isinstance(n.target, gast.Name)}
    constant, other = set(), set()
    for op in ops.values():
        if op.kind is OpKind.APPEND:
            other.add(op.targets[0])  # the stack itself holds what is pushed
        if op.kind in (OpKind.APPEND, OpKind.POP):
            continue
        for target in op.targets:
            if op.kind is OpKind.RULE and not op.rule.differentiable:
                constant.add(target)
            else:
                other.add(target)
    return frozenset(loops | (constant - other))


def derive_forward(program, fun, wrt, name, *, static=None, key=None):
    """Forward mode: add the JVP function ``name`` of ``fun`` with respect to ``wrt`` to
    ``program``; returns its tangent parameters' names (also recorded under ``key``)."""
    from .passes.ops import OpKind

    parsed, fun, wrt, namer = _front(fun, wrt, static)
    tangent_params = tangent_parameter_names(namer, wrt)
    if key is not None:
        program.pairs[key] = (name, tangent_params)  # before deriving: a recursive call finds it
    normalized, helpers, ops, out = _middle(parsed, namer)
    # A write into an array changes every name that shares it (z = y; z[0] = s changes y): the
    # value written reaches all of them, so their tangents are written alike.
    groups = alias.alias_groups(ops)
    shared = [(sorted(groups.get(op.targets[0], {op.targets[0]})), [n for _, n in op.diff_operands()])
              for op in ops.values() if op.kind is OpKind.SETITEM]
    activity = activity_pass.analyze(list(ops.values()), wrt, [out], shared,
                                     _stack_constants(parsed, normalized, ops))
    guards = alias.guards(normalized, ops)  # writes into arrays other names may share
    generated = forward(parsed, normalized, ops, activity, wrt, namer, helpers, program.jvp_callee,
                        tangent_params, guards, name=name, options=program.options)
    function = generated.functions[0]
    _debug("forward", function)
    program.generated.append((function, generated.comments))
    program.entries.append(Entry(function.name, fun, helpers.bound, defaults=True))
    return parsed, out, tangent_params


def derive(program, fun, wrt, *, name=None, argnums_is_tuple=False, split=None, static=None):
    """Run the passes on ``fun`` and add what they generate to ``program``; returns the parsed
    function and the name it returns. ``static`` maps parameters to the functions they hold."""
    from .passes import inplace, shapes

    parsed, fun, wrt, namer = _front(fun, wrt, static)
    normalized, helpers, ops, out = _middle(parsed, namer)
    activity = activity_pass.analyze(list(ops.values()), wrt, [out])
    guards = alias.guards(normalized, ops)  # writes into arrays other names may share
    facts = shapes.analyze(normalized, ops)  # variables certainly of one shape
    generated = reverse(parsed, normalized, ops, activity, wrt, namer, helpers, program.callee,
                        guards, facts, name=name, argnums_is_tuple=argnums_is_tuple, split=split,
                        options=program.options)
    if program.options.in_place:
        generated = inplace.accumulate(generated)
    for function in generated.functions:
        _debug("reverse", function)
        program.generated.append((function, generated.comments))
        program.entries.append(Entry(function.name, fun, helpers.bound,
                                     defaults=function is generated.functions[0]))
    return parsed, out


def transform(fun, argnums: tuple, argnums_is_tuple: bool, static=None,
              options=Options()) -> Transformed:
    """Differentiate ``fun`` with respect to the positional parameters ``argnums`` (specialized on
    the functions that ``static`` gives for parameters the body calls)."""
    if not isinstance(fun, types.FunctionType):
        parse(fun)  # raises the error that explains why
    signature = inspect.signature(fun, follow_wrapped=False)
    params = [p.name for p in signature.parameters.values()
              if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    extra = (static or {}).get("*args", 0)
    vararg = next((p.name for p in signature.parameters.values()
                   if p.kind == p.VAR_POSITIONAL), None)
    params = params + [f"*{k}" for k in range(extra)] if vararg else params
    for k in argnums:
        if not isinstance(k, int) or not -len(params) <= k < len(params):
            raise SrcadError(f"argnums={k!r} does not name a positional parameter of "
                             f"{fun.__qualname__}{inspect.signature(fun, follow_wrapped=False)}")
    wrt = [params[k] for k in argnums]
    if len(set(wrt)) != len(wrt):
        raise SrcadError(f"argnums={argnums!r} names a parameter twice")

    program = Program(options)
    base = re.sub(r"\W", "", fun.__name__) or "function"  # a lambda is '<lambda>'
    main = program.fresh(f"grad_{base}")
    parsed, out = derive(program, fun, wrt, name=main, argnums_is_tuple=argnums_is_tuple,
                         static=static)
    # the main function first, then the pairs of the functions it calls
    order = [len(program.generated) - 1] + list(range(len(program.generated) - 1))
    where = f"{os.path.basename(parsed.filename)}:{parsed.tree.lineno}"
    header = (f"srcad: gradient of {fun.__qualname__} ({where}) with respect to {', '.join(wrt)}\n"
              f"returns ({out}, gradient)")
    if len(program.generated) > 1:
        header += "\nfollowed by a forward/backward pair for each function it calls"
    text = emit([program.generated[k] for k in order], header)
    filename = f"<srcad {main} of {fun.__qualname__} at {parsed.filename}:" \
               f"{parsed.tree.lineno} wrt {','.join(wrt)}>"
    functions = load(text, filename, program.entries)
    files = {entry.name: entry.user_fn.__code__.co_filename for entry in program.entries}
    return Transformed(text, functions[main], filename, parsed.location(parsed.tree.body[-1]),
                       params, files, program.entries, main)


def transform_derivative(inner, argnums: tuple, argnums_is_tuple: bool, args, kwargs
                         ) -> Transformed:
    """``grad(inner)`` for a derived function ``inner`` whose value is a scalar derivative: forward
    mode over the code generated for ``inner`` (one JVP per argument asked for, along a unit
    tangent), wrapped in a generated function that returns ``(value, derivative)`` like every
    gradient function. The wrapper is plain generated Python too, so grad can be applied again."""
    t = inner.transformed(args, kwargs)
    target = t.function
    signature = inspect.signature(target)
    if any(p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
           for p in signature.parameters.values()):
        raise SrcadError(f"grad of {inner!r}: derivatives of derivatives need a function with "
                         "positional parameters only (no *args or keyword-only parameters)")
    params = list(signature.parameters)
    wrt = [params[k] for k in argnums]
    program = Program(inner.options)
    namer = Namer(params)
    name = program.fresh(f"grad_{target.__name__}")
    namer.taken.add(name)
    calls, derivatives = [], []
    unit = namer.fresh("one_like")
    bound = {unit: one_like}
    value = gradient = None
    for p in wrt:
        jvp_name, (tangent,) = program.jvp_callee(target, [p], None)
        fn_name = namer.fresh(jvp_name)
        value, gradient = namer.fresh("value"), namer.fresh("gradient")
        value_dot, derivative = namer.fresh("value_dot"), namer.fresh(f"d{p}")
        calls.append(f"    ({value}, {gradient}), ({value_dot}, {derivative}) = "
                     f"{fn_name}({', '.join(params)}, {tangent}={unit}({p}, {p!r}))")
        derivatives.append(derivative)
        bound[fn_name] = FunctionRef(jvp_name)
    result = f"({', '.join(derivatives)},)" if argnums_is_tuple else derivatives[0]
    text_fn = (f"def {name}({', '.join(params)}):\n"
               f"    # forward mode over {target.__name__}: its value differentiated along each "
               f"argument asked for ({', '.join(wrt)})\n" + "\n".join(calls) +
               f"\n    return ({gradient}, {result})\n")
    header = (f"srcad: derivative of {inner!r} with respect to {', '.join(wrt)}, by forward mode "
              f"over its generated code\nreturns (value, derivative)")
    body = emit([program.generated[k] for k in range(len(program.generated))], "")
    text = "\n".join(f"# {line}" for line in header.splitlines()) + "\n" + text_fn + "\n\n" + body
    user_fn = next(e.user_fn for e in t.entries if e.name == t.main)
    entries = program.entries + [Entry(name, user_fn, bound, defaults=True)]
    filename = f"<srcad {name} of {inner!r}>"
    functions = load(text, filename, entries)
    files = {e.name: t.files.get(t.main, "") for e in entries}
    return Transformed(text, functions[name], filename, t.return_location, t.params, files,
                       entries, name)


class _PerFunction:
    """Transformations kept per user function (weakly: they go with the function) and per key,
    under a lock; idempotent, so two threads making the same one at once is harmless."""

    def __init__(self):
        self._lock = threading.Lock()
        self._table = weakref.WeakKeyDictionary()

    def get(self, fun, key):
        with self._lock:
            return self._table.get(fun, {}).get(key)

    def put(self, fun, key, value):
        with self._lock:
            self._table.setdefault(fun, {})[key] = value
        return value


_vjp_cache = _PerFunction()  # function -> {(count, static): (forward, backward, text)}


def _vjp_transform(fun, count: int):
    """The forward/backward pair of ``fun`` with respect to its first ``count`` parameters."""
    key = (count, ("*args", count - len(_positional(fun))) if _has_varargs(fun) else None)
    found = _vjp_cache.get(fun, key)
    if found is not None:
        return found
    params = _positional(fun)
    static = {}
    if _has_varargs(fun):
        static["*args"] = max(count - len(params), 0)
        params = params + [f"*{k}" for k in range(static["*args"])]
    if count > len(params):
        raise SrcadError(f"srcad.vjp: {fun.__qualname__} takes {len(params)} positional "
                         f"arguments, got {count}")
    program = Program()
    base = re.sub(r"\W", "", fun.__name__) or "function"
    names = (program.fresh(f"forward_{base}"), program.fresh(f"backward_{base}"))
    parsed, out = derive(program, fun, params[:count], split=names + (True,), static=static)
    where = f"{os.path.basename(parsed.filename)}:{parsed.tree.lineno}"
    header = (f"srcad: vector-Jacobian product of {fun.__qualname__} ({where})\n"
              f"{names[0]}(...) returns ({out}, saved); {names[1]}(saved, d{out}) returns the "
              "gradients")
    order = list(range(len(program.generated)))
    first = len(program.generated) - 2  # the pair of fun itself was added last
    order = [first, first + 1] + [k for k in order if k not in (first, first + 1)]
    text = emit([program.generated[k] for k in order], header)
    filename = f"<srcad vjp of {fun.__qualname__} at {parsed.filename}:{parsed.tree.lineno}>"
    functions = load(text, filename, program.entries)
    result = (functions[names[0]], functions[names[1]], text)
    return _vjp_cache.put(fun, key, result)


def _positional(fun):
    return [p.name for p in inspect.signature(fun, follow_wrapped=False).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def _has_varargs(fun):
    return any(p.kind == p.VAR_POSITIONAL
               for p in inspect.signature(fun, follow_wrapped=False).parameters.values())


_jvp_cache = _PerFunction()  # function -> {(positions, static, options): (jvp, names, text)}


def _jvp_transform(fun, positions: tuple, static=(), options=Options()):
    """The JVP function of ``fun`` with tangents for the positional parameters ``positions``:
    ``(function, tangent parameter names, source)``, made once per key."""
    key = (positions, static, options)
    found = _jvp_cache.get(fun, key)
    if found is not None:
        return found
    params = _positional(fun)
    static = dict(static)
    if "*args" in static:
        params = params + [f"*{k}" for k in range(static["*args"])]
    for k in positions:
        if not isinstance(k, int) or not -len(params) <= k < len(params):
            raise SrcadError(f"argument number {k!r} does not name a positional parameter of "
                             f"{fun.__qualname__}{inspect.signature(fun, follow_wrapped=False)}")
    wrt = [params[k] for k in positions]
    program = Program(options)
    base = re.sub(r"\W", "", fun.__name__) or "function"
    name = program.fresh(f"jvp_{base}")
    try:
        parsed, out, tangent_params = derive_forward(program, fun, wrt, name, static=static)
    except SrcadError as exc:
        location = _user_location(exc.location)
        if location is exc.location:
            raise
        where = f"{exc.location.filename}:{exc.location.lineno}"
        raise type(exc)(exc.message, location,
                        (exc.hint + "; " if exc.hint else "") + f"met in code srcad generated "
                        f"({where})").with_traceback(exc.__traceback__) from None
    where = f"{os.path.basename(parsed.filename)}:{parsed.tree.lineno}" \
        if not parsed.filename.startswith("<srcad") else "code generated by srcad"
    header = (f"srcad: Jacobian-vector product of {fun.__qualname__} ({where}) along tangents of "
              f"{', '.join(wrt) or 'nothing'}\nreturns ({out}, tangent of {out})")
    order = [len(program.generated) - 1] + list(range(len(program.generated) - 1))
    text = emit([program.generated[k] for k in order], header)
    filename = f"<srcad {name} of {fun.__qualname__} at {parsed.filename}:{parsed.tree.lineno} " \
               f"along {','.join(wrt)}>"
    functions = load(text, filename, program.entries)
    result = (functions[name], tangent_params, text)
    return _jvp_cache.put(fun, key, result)


def _user_location(location):
    """For a place in code srcad generated, the user's line it was generated from: the nearest
    ``# line N: ...`` comment above it, in the file the generated function's name gives (nested
    generations resolved one by one). Any other location comes back unchanged."""
    import linecache

    seen = 0
    while location is not None and location.filename.startswith("<srcad ") and seen < 10:
        seen += 1
        match = re.search(r" at (.*):\d+(?: wrt | along |>)", location.filename)
        lines = linecache.getlines(location.filename)
        number = None
        for k in range(min(location.lineno, len(lines)) - 1, -1, -1):
            text = lines[k].strip()
            if text.startswith("# line "):
                number = int(text[7:].split(":")[0])
                break
        if match is None or number is None:
            return location
        user_file = match.group(1)
        inner = re.match(r"<srcad \S+ of .* at (.*)", user_file)
        user_file = inner.group(1) if inner else user_file
        location = Location(user_file, number, 0)
    return location
