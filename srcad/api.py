"""The public functions: ``grad``, ``value_and_grad``, ``source``, ``show``.

The pipeline, one pass per module, reads top to bottom in :func:`transform`::

    parse -> fence -> lower -> normalize -> (ops, activity) -> reverse -> emit -> load

Set the environment variable ``SRCAD_DEBUG_PASSES=1`` to print the code after each pass.

A derived function transforms its target lazily, on first call (or on ``srcad.source``), once; a lock
makes concurrent first calls transform once. Nothing is cached globally: each derived function owns its
generated code, so two functions can be transformed at once from different threads.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import os
import re
import sys
import threading
import types

import gast
import numpy as np

from . import activity as activity_pass
from .emit import emit
from .errors import Location, NonScalarOutputError, SourceUnavailableError, SrcadError
from .fence import fence
from .load import Entry, load
from .lower import lower
from .naming import Namer
from .normalize import normalize
from .ops import classify, sequence_names
from .parse import NestedFunction, parse
from .reverse import Options, reverse
from .runtime import plain
from .template import Helpers


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


def derive(program, fun, wrt, *, name=None, argnums_is_tuple=False, split=None, static=None):
    """Run the passes on ``fun`` and add what they generate to ``program``; returns the parsed
    function and the name it returns. ``static`` maps parameters to the functions they hold."""
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
    parsed.tree = lower(parsed.tree, namer)
    _debug("lower", parsed.tree)
    normalized = normalize(parsed, namer)
    _debug("normalize", normalized.tree)
    helpers = Helpers(namer, parsed.namespace, normalized.locals)
    simple = list(_simple_statements(normalized.tree.body))
    sequences = sequence_names(simple)
    ops = {stmt: classify(stmt, parsed, normalized.locals, helpers, sequences) for stmt in simple}
    out = normalized.tree.body[-1].value.id
    activity = activity_pass.analyze(list(ops.values()), wrt, [out])
    generated = reverse(parsed, normalized, ops, activity, wrt, namer, helpers, program.callee,
                        name=name, argnums_is_tuple=argnums_is_tuple, split=split,
                        options=program.options)
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


def _simple_statements(stmts):
    """Every statement of an A-normal-form body that is not an if or a loop, in order."""
    for stmt in stmts:
        if isinstance(stmt, (gast.If, gast.For, gast.While)):
            yield from _simple_statements(stmt.body)
            yield from _simple_statements(stmt.orelse)
        else:
            yield stmt


class Derived:
    """A function derived by srcad (``grad(f)``, ``value_and_grad(f)``): call it like ``f``."""

    def __init__(self, fun, argnums, with_value: bool, options=Options()):
        if not callable(fun):
            raise TypeError(f"srcad.grad expects a function, got {fun!r}")
        if isinstance(fun, Derived):
            raise SrcadError(f"{fun!r} is already a derivative: derivatives of derivatives "
                             "(grad of grad, Hessians) are not supported yet")
        self.fun = fun
        self.argnums_is_tuple = not isinstance(argnums, int)
        self.argnums = tuple(argnums) if self.argnums_is_tuple else (argnums,)
        self.with_value = with_value
        self.options = options
        self._lock = threading.Lock()
        self._cache: dict = {}  # the functions held by called parameters -> Transformed
        self._last: Transformed | None = None
        self._called_params: list | None = None
        functools.update_wrapper(self, fun)

    def transformed(self, args=(), kwargs=None) -> Transformed:
        """The transformation for these arguments: one per distinct set of functions passed for
        parameters the body calls (``act(x)`` with ``act=np.tanh``), made once each."""
        key = self._static_key(args, kwargs or {})
        t = self._cache.get(key)
        if t is None:
            with self._lock:
                t = self._cache.get(key)
                if t is None:
                    t = transform(self.fun, self.argnums, self.argnums_is_tuple, dict(key),
                                  self.options)
                    self._cache[key] = t
        self._last = t
        return t

    def _static_key(self, args, kwargs) -> tuple:
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
        primals = self.primals(t, args, kwargs)
        grads = tuple(plain(g, x) for g, x in zip(grads, primals)) if self.argnums_is_tuple \
            else plain(grads, primals[0])
        return (value, grads) if self.with_value else grads

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
    def api(fun=None, argnums=0, *, debug_nans=False, optimize=True):
        options = Options(optimize=optimize, debug_nans=debug_nans)
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


def source(derived) -> str:
    """The generated source code of a derived function."""
    if isinstance(derived, VJPFunction):
        return derived.source
    if not isinstance(derived, Derived):
        raise TypeError(f"srcad.source expects a function made by srcad, got {derived!r}")
    return (derived._last or derived.transformed()).source


def show(derived) -> None:
    """Print the generated source code of a derived function."""
    print(source(derived), end="")


# ---- vector-Jacobian products -------------------------------------------------------------------

_vjp_lock = threading.Lock()
_vjp_cache: "weakref.WeakKeyDictionary" = None  # function -> {(count, static): (forward, backward, text)}


def _vjp_transform(fun, count: int):
    """The forward/backward pair of ``fun`` with respect to its first ``count`` parameters."""
    global _vjp_cache
    import weakref

    key = (count, ("*args", count - len(_positional(fun))) if _has_varargs(fun) else None)
    with _vjp_lock:
        if _vjp_cache is None:
            _vjp_cache = weakref.WeakKeyDictionary()
        found = _vjp_cache.setdefault(fun, {}).get(key)
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
    with _vjp_lock:
        _vjp_cache[fun][key] = result
    return result


def _positional(fun):
    return [p.name for p in inspect.signature(fun, follow_wrapped=False).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def _has_varargs(fun):
    return any(p.kind == p.VAR_POSITIONAL
               for p in inspect.signature(fun, follow_wrapped=False).parameters.values())


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
    if not isinstance(fun, types.FunctionType):
        parse(fun)  # raises the error that explains why
    forward, backward, text = _vjp_transform(fun, len(primals))
    out, saved = forward(*primals)
    return out, VJPFunction(backward, saved, primals, text)


def jacrev(fun, argnums=0):
    """The Jacobian of ``fun`` with respect to argument(s) ``argnums``, by reverse mode (one
    vector-Jacobian product per output entry); shaped ``out.shape + argument.shape``."""
    ks = (argnums,) if isinstance(argnums, int) else tuple(argnums)

    @functools.wraps(fun)
    def jacobian(*args):
        out, f_vjp = vjp(fun, *args)
        shape = np.shape(out)
        rows = []
        for index in np.ndindex(shape):
            cotangent = np.zeros(shape)
            cotangent[index] = 1.0
            grads = f_vjp(cotangent if shape else 1.0)
            rows.append([np.asarray(grads[k], dtype=float) for k in ks])
        jacobians = tuple(np.stack([r[j] for r in rows]).reshape(shape + np.shape(args[k]))
                          for j, k in enumerate(ks))
        return jacobians[0] if isinstance(argnums, int) else jacobians
    return jacobian
