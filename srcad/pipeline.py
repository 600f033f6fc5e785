"""The transformation: every pass srcad runs, in order, for every kind of derivative.

Accepts: a user's Python function, the parameters to differentiate, and what it is specialized on
(``static``, a :class:`~srcad.passes.parse.Specialization`: the functions its called parameters
hold, the number of extra arguments its ``*args`` gets).
Guarantees: ``grad``/``value_and_grad`` (:func:`transform`, :func:`transform_derivative`),
``vjp`` (:func:`vjp_transform`), ``jvp``/``hvp`` (:func:`jvp_transform`) and ``check_grads``
(:func:`srcad.front.analyse`) all run the same passes, in this order::

    front half, shared by every mode and check_grads (srcad.front.analyse):
      1 parse     the function's source -> a gast tree, its namespace (srcad.passes.parse)
      2 fence     reject what srcad cannot differentiate, with the user's line (passes.fence)
      3 lower     break/continue/early return -> flags (passes.lower)
      4 desugar   augmented/annotated assignments and chained comparisons rewritten (passes.desugar)
      5 anf       A-normal form: one operation per statement on atoms (passes.anf, .atoms, .control)
      6 ops       what each statement computes: its rule, its operands (passes.ops); calls on
                  objects made calls of their classes' functions (passes.objects)
      7 activity  which variables carry a derivative (passes.activity); a method of a value
                  taken for an array given a varied value refused (passes.receivers)
    back half, one mode (derive: reverse mode; derive_forward: forward mode):
      8 alias     writes into arrays another live name may share (passes.alias)
      9 shapes    variables certainly of one shape, for reverse mode (passes.shapes)
      10 reverse | forward  the derivative's gast functions (passes.reverse, passes.forward)
      11 inplace  reverse mode: gradient buffers the code owns changed in place (passes.inplace)
      11b tidy    each function once, gradient tuples unpacked (passes.tidy)
      11c numba   jit=True only: descending ranges, one tape per saved variable, fused
                  expressions, elementwise loops (passes.numba_ready, fusion, loops)
      12 emit     the functions -> one commented source text (passes.emit)
      13 load     the text -> compiled functions bound to their helpers (passes.load)

After every pass the pipeline calls :func:`srcad.hooks.after`: callbacks installed with
``srcad.hooks.listening`` see the program as it stands (benchmarks/passes.py times the passes so),
and ``SRCAD_DEBUG_PASSES=1`` prints it with :mod:`srcad.printer`, annotated with the facts of the
analyses. Each transformation runs with the cyclic garbage collector paused
(:func:`srcad.results.collector_paused`: linear time in the function's length). Per-function
caches and :class:`~srcad.results.Transformed` live in :mod:`srcad.results`;
the parameters a transformation is asked for and the keys of the callees' pairs, in :mod:`srcad.keys`.
"""

from __future__ import annotations

import dataclasses
import inspect
import os
import types

from .errors import SourceUnavailableError, SrcadError
from .front import Analysed, analyse
from .hooks import after
from .keys import callee_key, chosen, parameters, specialized_for
from .naming import Namer, function_name
from .passes import alias, inplace, shapes
from .passes.emit import emit
from .passes.forward import forward
from .passes.loops import resolver
from .passes.numba_ready import compiled_header, numba_ready
from .passes.load import Entry, FunctionRef, load, origin_file, unique_name
from .passes.parse import Specialization, parse
from .passes.reverse import Options, reverse
from .passes.tidy import tidy
from .printer import Pass
from .results import (Guard, PerFunction, Transformed, collector_paused, fresh_source,
                      has_varargs, positional, user_location)
from .runtime import one_like
from .summaries import Summaries

__all__ = ["Transformed", "Program", "derive", "derive_forward", "transform", "transform_derivative",
           "vjp_transform", "jvp_transform"]


# -- the back half: one mode, and the functions the user's function calls -------------------------

class Program:
    """Every function generated for one derived function: the main one, and a forward/backward pair
    per (called user function, parameters that need a gradient), each made once."""

    def __init__(self, options=Options()):
        self.options = options
        self.entries: list = []      # load.Entry, in order of generation
        self.generated: list = []    # (gast function, comments), in the same order
        self.pairs: dict = {}        # (function, wrt) -> (forward name, backward name)
        self.names = Namer()         # the names of the generated functions
        self.assumptions: list = []  # what resolving objects' methods assumed (passes.objects)
        self.unhashable: list = []   # callees keyed by identity (see callee)
        self.summaries = Summaries()  # what called functions return, for pass 9 (srcad.summaries)

    def fresh(self, hint: str) -> str:
        return self.names.fresh(hint)

    def callee(self, fn, wrt, location, static=Specialization()):
        """Names of the forward/backward pair of ``fn`` with respect to parameters ``wrt``
        (specialized on ``static``, a :class:`~srcad.passes.parse.Specialization`)."""
        key = callee_key(fn, tuple(wrt), static, self.unhashable)
        if key not in self.pairs:
            base = _base_name(fn)
            names = (self.fresh(f"forward_{base}"), self.fresh(f"backward_{base}"))
            self.pairs[key] = names  # before deriving: a recursive call finds it
            try:
                derive(self, fn, list(wrt), pair=names, static=static)
            except SourceUnavailableError as exc:
                raise SourceUnavailableError(
                    f"cannot differentiate through {fn.__qualname__!r}: {exc.message}", location,
                    hint="give it a gradient with @srcad.custom_vjp or srcad.defvjp") from None
        return self.pairs[key]

    def jvp_callee(self, fn, wrt, location, static=Specialization()):
        """Name and tangent parameters of the JVP function of ``fn`` with respect to ``wrt``."""
        key = ("jvp",) + callee_key(fn, tuple(wrt), static, self.unhashable)
        if key not in self.pairs:
            base = _base_name(fn)
            try:
                derive_forward(self, fn, list(wrt), self.fresh(f"jvp_{base}"), static=static,
                               key=key)
            except SourceUnavailableError as exc:
                raise SourceUnavailableError(
                    f"cannot differentiate through {fn.__qualname__!r}: {exc.message}",
                    location) from None
        return self.pairs[key]


def derive(program, fun, wrt, *, name=None, argnums_is_tuple=False, pair=None, static=None):
    """Reverse mode: run passes 1 to 11 on ``fun`` and add the functions they generate to
    ``program`` (``name``: one gradient function; ``pair``: the names of a forward/backward pair,
    see :func:`srcad.passes.reverse.reverse`). Returns the parsed
    function and the name it returns. ``static``: the
    :class:`~srcad.passes.parse.Specialization` of ``fun`` (``None``: none)."""
    fresh_source(fun)
    a = analyse(fun, wrt, static)                                              # passes 1 to 7
    program.assumptions += a.parsed.assumptions
    guards = alias.guards(a.normalized, a.ops)                                 # pass 8
    _after_analysis(Pass.ALIAS, a, alias.describe(guards))
    facts = shapes.analyze(a.normalized, a.ops, static.values if static else (),  # pass 9
                           program.summaries)
    _after_analysis(Pass.SHAPES, a, shapes.describe(facts, a.ops))
    generated = reverse(a.parsed, a.normalized, a.ops, a.activity, a.wrt, a.namer,  # pass 10
                        a.helpers, program.callee, guards, facts, name=name,
                        argnums_is_tuple=argnums_is_tuple, pair=pair,
                        options=program.options)
    _after_generation(Pass.REVERSE, generated)
    if program.options.in_place:
        generated = inplace.accumulate(generated)                              # pass 11
        _after_generation(Pass.INPLACE, generated)
    for function in generated.functions:
        program.generated.append((function, generated.comments))
        program.entries.append(Entry(function.name, a.fun, a.helpers.bound,
                                     defaults=function is generated.functions[0]))
    return a.parsed, a.out


def derive_forward(program, fun, wrt, name, *, static=None, key=None):
    """Forward mode: run passes 1 to 10 on ``fun`` (no shapes: forward mode broadcasts as NumPy
    does) and add its JVP function ``name`` (with respect to ``wrt``) to ``program``; returns the
    parsed function, the name it returns and its tangent parameters' names (also recorded under
    ``key``)."""
    fresh_source(fun)
    a = analyse(fun, wrt, static, forward=True)                                # passes 1 to 7
    program.assumptions += a.parsed.assumptions
    if key is not None:
        program.pairs[key] = (name, a.tangents)  # before its callees: a recursive call finds it
    guards = alias.guards(a.normalized, a.ops)                                 # pass 8
    _after_analysis(Pass.ALIAS, a, alias.describe(guards))
    facts = shapes.analyze(a.normalized, a.ops, static.values if static else (),  # pass 9
                           program.summaries)
    generated = forward(a.parsed, a.normalized, a.ops, a.activity, a.wrt, a.namer,  # pass 10
                        a.helpers, program.jvp_callee, a.tangents, guards, name=name,
                        reals=facts.reals, facts=facts, options=program.options)
    _after_generation(Pass.FORWARD, generated)
    function = generated.functions[0]
    program.generated.append((function, generated.comments))
    program.entries.append(Entry(function.name, a.fun, a.helpers.bound, defaults=True))
    return a.parsed, a.out, a.tangents


def _guard(program) -> Guard:
    return Guard([entry.user_fn for entry in program.entries] + program.summaries.functions,
                 program.assumptions)


def _after_analysis(step, a: Analysed, notes):
    """The hook after an analysis pass: the program, each statement annotated with ``notes``."""
    after(step, a.normalized.tree.name, a.normalized.tree, ops=a.ops, notes=notes)


def _after_generation(step, generated):
    """The hook after the reverse, forward or in-place pass: each function it generated."""
    for function in generated.functions:
        after(step, function.name, function, comments=generated.comments)


# -- the whole transformation, per kind of derivative ---------------------------------------------

def _base_name(fun) -> str:
    return function_name(fun)  # (a method: Dense_call for Dense.__call__)


def _main_first(program, kinds=()) -> list:
    """The generated functions, tidied (pass 11b), the last one made (the main one) first;
    with ``jit``, made numba-ready (pass 11c; ``kinds``: the value kinds the main function is
    specialized on)."""
    tidy(program)
    last = len(program.generated) - 1
    functions = [program.generated[last]] + program.generated[:last]
    if program.options.jit:
        main = program.entries[-1] if program.entries else None  # (made last, as its function)
        resolve = resolver(main) if program.options.loops and main is not None \
            and main.name == functions[0][0].name else None
        functions = numba_ready(functions, kinds, resolve)
    return functions


def emit_and_load(functions, header, filename, entries, who: str) -> tuple:
    """Passes 12 and 13, emit and load: ``(text, {name: compiled function}, file name)``, the file
    name ``filename`` made unique to the text (see :func:`srcad.passes.load.unique_name`)."""
    text = emit(functions, header)
    after(Pass.EMIT, who, text)
    filename = unique_name(filename, text)
    compiled = load(text, filename, entries)
    after(Pass.LOAD, who, "".join(f"# loaded {name}{inspect.signature(fn)}\n"
                                  for name, fn in compiled.items()))
    return text, compiled, filename


@collector_paused
def transform(fun, argnums: tuple, argnums_is_tuple: bool, static=None,
              options=Options()) -> Transformed:
    """Differentiate ``fun`` with respect to the positional parameters ``argnums`` (specialized on
    ``static``, a :class:`~srcad.passes.parse.Specialization`, or ``None``)."""
    if not isinstance(fun, types.FunctionType):
        parse(fun)  # raises the error that explains why
    static = static or Specialization()
    params = parameters(fun, static.extra_arguments)
    wrt = chosen(fun, params, argnums, "argnums={!r}")
    if len(set(wrt)) != len(wrt):
        raise SrcadError(f"argnums={argnums!r} names a parameter twice")

    program = Program(options)
    main = program.fresh(f"{'vjp' if options.seeded else 'grad'}_{_base_name(fun)}")
    parsed, out = derive(program, fun, wrt, name=main, argnums_is_tuple=argnums_is_tuple,
                         static=static)
    where = f"{os.path.basename(parsed.filename)}:{parsed.tree.lineno}"
    header = (f"srcad: gradient of {fun.__qualname__} ({where}) with respect to "
              f"{', '.join(map(str, wrt))}\n"
              f"returns ({out}, gradient)")
    if options.seeded:  # (srcad.vjp with jit: the cotangent comes first)
        header = (f"srcad: vector-Jacobian product of {fun.__qualname__} ({where}) with respect "
                  f"to {', '.join(map(str, wrt))}\n"
                  f"{main}(cotangent, ...) returns ({out}, the cotangent times the Jacobians)")
    if len(program.generated) > 1:
        header += "\nfollowed by a forward/backward pair for each function it calls"
    header += specialized_for(static) + compiled_header(options.jit)
    filename = f"<srcad {main} of {fun.__qualname__} at {parsed.filename}:" \
               f"{parsed.tree.lineno} wrt {','.join(map(str, wrt))}>"
    text, functions, filename = emit_and_load(_main_first(program, static.values), header, filename,
                                              program.entries, fun.__qualname__)
    files = {entry.name: origin_file(entry.user_fn) for entry in program.entries}
    return Transformed(text, functions[main], filename, parsed.location(parsed.tree.body[-1]),
                       params, files, program.entries, main, _guard(program))


@collector_paused
def transform_derivative(inner, argnums: tuple, argnums_is_tuple: bool, args=None, kwargs=None,
                         basis=None) -> Transformed:
    """``grad(inner)`` for a derived function ``inner`` whose value is a scalar derivative: forward
    mode over the code generated for ``inner`` (one JVP per argument asked for, along a unit
    tangent), wrapped in a generated function that returns ``(value, derivative)`` like every
    gradient function. The wrapper is plain generated Python too, so grad can be applied again.
    ``basis``: the transformation of ``inner`` to build on (None: the one for ``args``)."""
    t = basis if basis is not None else inner.transformed(args, kwargs)
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
    body = emit(program.generated, "")
    text = "\n".join(f"# {line}" for line in header.splitlines()) + "\n" + text_fn + "\n\n" + body
    after(Pass.EMIT, repr(inner), text)
    user_fn = next(e.user_fn for e in t.entries if e.name == t.main)
    entries = program.entries + [Entry(name, user_fn, bound, defaults=True)]
    filename = unique_name(f"<srcad {name} of {inner!r}>", text)
    functions = load(text, filename, entries)
    after(Pass.LOAD, repr(inner), "".join(f"# loaded {n}\n" for n in functions))
    files = {e.name: t.files.get(t.main, "") for e in entries}
    return Transformed(text, functions[name], filename, t.return_location, t.params, files,
                       entries, name, _guard(program), basis=t)


_vjp_cache = PerFunction()  # function -> {(count, skip, static): ((forward, backward, text), Guard)}


@collector_paused
def vjp_transform(fun, count: int, skip: int = 0, static=Specialization()):
    """The forward/backward pair of ``fun`` with respect to its first ``count`` parameters but the
    first ``skip`` (a bound method's ``self``: a constant), specialized on ``static`` (its number
    of extra arguments set here from ``count``): ``(forward, backward, source, files)``, ``files``
    as :func:`jvp_transform`'s."""
    static = dataclasses.replace(static, extra_arguments=max(count - len(positional(fun)), 0)
                                 if has_varargs(fun) else None)
    key = (count, skip, static)
    found = _vjp_cache.get(fun, key)
    if found is not None and found[1].holds():
        return found[0]
    params = parameters(fun, static.extra_arguments)
    if count > len(params):
        raise SrcadError(f"srcad.vjp: {fun.__qualname__} takes {len(params)} positional "
                         f"arguments, got {count}")
    program = Program()
    base = _base_name(fun)
    names = (program.fresh(f"forward_{base}"), program.fresh(f"backward_{base}"))
    parsed, out = derive(program, fun, params[skip:count], pair=names, static=static)
    where = f"{os.path.basename(parsed.filename)}:{parsed.tree.lineno}"
    header = (f"srcad: vector-Jacobian product of {fun.__qualname__} ({where})\n"
              f"{names[0]}(...) returns ({out}, saved); {names[1]}(saved, d{out}) returns the "
              "gradients") + specialized_for(static)
    tidy(program, keep=names)                                                  # pass 11b
    first = len(program.generated) - 2  # the pair of fun itself was added last
    functions = program.generated[first:] + program.generated[:first]
    filename = f"<srcad vjp of {fun.__qualname__} at {parsed.filename}:{parsed.tree.lineno}>"
    text, compiled, _ = emit_and_load(functions, header, filename, program.entries,
                                      fun.__qualname__)
    files = {entry.name: origin_file(entry.user_fn) for entry in program.entries}
    made = (compiled[names[0]], compiled[names[1]], text, files)
    _vjp_cache.put(fun, key, (made, _guard(program)))
    return made


_jvp_cache = PerFunction()  # function -> {(positions, static, options): ((jvp, names, text), Guard)}


@collector_paused
def jvp_transform(fun, positions: tuple, static=Specialization(), options=Options()):
    """The JVP function of ``fun`` with tangents for the positional parameters ``positions``:
    ``(function, tangent parameter names, source, files)`` (``files``: each generated function's
    name -> the file of the function it was made from), made once per key (``static``: the
    :class:`~srcad.passes.parse.Specialization` of ``fun``)."""
    key = (positions, static, options)
    found = _jvp_cache.get(fun, key)
    if found is not None and found[1].holds():
        return found[0]
    params = parameters(fun, static.extra_arguments)
    wrt = chosen(fun, params, positions, "argument number {!r}")
    program = Program(options)
    name = program.fresh(f"jvp_{_base_name(fun)}")
    try:
        parsed, out, tangent_params = derive_forward(program, fun, wrt, name, static=static)
    except SrcadError as exc:
        location = user_location(exc.location)
        if location is exc.location:
            raise
        where = f"{exc.location.filename}:{exc.location.lineno}"
        raise type(exc)(exc.message, location,
                        (exc.hint + "; " if exc.hint else "") + f"met in code srcad generated "
                        f"({where})").with_traceback(exc.__traceback__) from None
    where = f"{os.path.basename(parsed.filename)}:{parsed.tree.lineno}" \
        if not parsed.filename.startswith("<srcad") else "code generated by srcad"
    header = (f"srcad: Jacobian-vector product of {fun.__qualname__} ({where}) along tangents of "
              f"{', '.join(map(str, wrt)) or 'nothing'}\nreturns ({out}, tangent of {out})"
              ) + specialized_for(static) + compiled_header(options.jit)
    filename = f"<srcad {name} of {fun.__qualname__} at {parsed.filename}:{parsed.tree.lineno} " \
               f"along {','.join(map(str, wrt))}>"
    text, compiled, _ = emit_and_load(_main_first(program, static.values), header, filename, program.entries,
                                      fun.__qualname__)
    files = {entry.name: origin_file(entry.user_fn) for entry in program.entries}
    function = compiled[name]
    if options.jit:  # (the runner compiles at its first call: numba imported then)
        from .jit.compile import Compiled, Target
        function = Compiled(Target(function, text, filename, files, name), options.jit)
    made = (function, tangent_params, text, files)
    _jvp_cache.put(fun, key, (made, _guard(program)))
    return made

