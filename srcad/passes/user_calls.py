"""Part of pass 6, ops: a call of the user's function, or of a nested ``def``, as an
:class:`~srcad.passes.ops.Op` of kind ``CALL`` (its arguments bound to the callee's parameters,
what its ``*args`` and ``**kwargs`` get, and the functions and objects it is specialized on), or
``UNKNOWN`` where the arguments do not bind (refused if a gradient flows). A function of an
installed library (:func:`library_function`: its code lies in ``site-packages``) is never read:
without a rule, its call is refused at the user's line. A NumPy function with a composite rule
(:mod:`srcad.rules.composites`) is a call of srcad's implementation of it (:func:`composite_call`).
"""

from __future__ import annotations

import dataclasses
import inspect
import itertools
import os
import sysconfig
import types

import gast

from . import objects as objects_pass
from . import ops as _ops
from .closures import ClosureArgument, function_value, parameter_names
from .constructors import is_user_class
from .holders import is_static, resolve_static
from .parse import ExtraArgument, Specialization


_SRCAD = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
_INSTALLED = tuple(sorted({os.path.realpath(p) for key, p in sysconfig.get_paths().items()
                           if key in ("purelib", "platlib", "stdlib", "platstdlib")}))


def library_function(fn) -> str | None:
    """The name (``scipy.special.logsumexp``) of ``fn`` if it is a Python function of an installed
    package or of the standard library -- its code lies under ``site-packages`` (or
    ``dist-packages``, or this interpreter's library directories: ``dataclasses.replace``), not in
    srcad itself -- else None. srcad differentiates the user's code,
    never a library's private source: such a call needs a rule (docs/rules.md)."""
    code = getattr(fn, "__code__", None)
    filename = getattr(code, "co_filename", None)
    if not filename or filename.startswith("<"):
        return None
    path = os.path.realpath(filename)
    if path.startswith(_SRCAD + os.sep):
        return None
    parts = path.split(os.sep)
    if "site-packages" not in parts and "dist-packages" not in parts \
            and not any(path.startswith(d + os.sep) for d in _INSTALLED):
        return None
    module = ".".join(itertools.takewhile(  # scipy.special, not ._logsumexp
        lambda part: not part.startswith("_"), (getattr(fn, "__module__", None) or "").split(".")))
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", "?")
    return f"{module}.{name}" if module else name


def user_call(targets, fn, node, keywords, what, parsed, locals_) -> _ops.Op:
    """A call to a user's function, its arguments bound to the function's parameter names (the
    argument expressions themselves are bound, so each parameter gets its expression).
    Arguments that are known functions (a global ``sigmoid``, or a specialized parameter) are
    recorded in ``Op.static``, so the callee is specialized on them in turn; so is, for a callee
    with ``*args``, the number of extra arguments it gets (each bound to an
    :class:`~srcad.passes.parse.ExtraArgument`), and for one with ``**kwargs``, the names of the
    keyword arguments it gets (each bound to the parameter of its name the callee gets)."""
    everything = {f"arg{k}": a for k, a in enumerate(node.args)}
    everything.update({f"kw_{k}": v for k, v in keywords.items()})
    try:
        signature = inspect.signature(fn, follow_wrapped=False)
        bound = signature.bind(*node.args, **keywords)
    except (TypeError, ValueError) as exc:
        return _ops.Op(_ops.OpKind.UNKNOWN, targets, args=everything, node=node, reason=f"{what}: {exc}")
    args = {}
    extra = 0
    keywords = None
    for name, value in bound.arguments.items():
        kind = signature.parameters[name].kind
        if kind == inspect.Parameter.VAR_KEYWORD:  # each a parameter of the callee, by its name
            args.update(value)
            keywords = tuple(value) or None
            continue
        if kind == inspect.Parameter.VAR_POSITIONAL:  # the k-th of the extra arguments
            for k, argument in enumerate(value):
                args[ExtraArgument(k)] = argument
            extra = len(value)
            continue
        args[name] = value
    functions = {name: p.default for name, p in signature.parameters.items()  # 'ns=np'
                 if name not in args and isinstance(p.default, types.ModuleType)}
    held = []  # (parameter, kind) of the arguments that hold objects (srcad.passes.kinds)
    for name, atom in args.items():
        kind = objects_pass.argument_kind(atom, parsed, locals_, node)
        if kind is not None:
            held.append((name, kind))
        if isinstance(name, ExtraArgument):
            continue
        if isinstance(atom, gast.Name) and atom.id in parsed.static:
            functions[name] = parsed.static[atom.id]
        elif isinstance(atom, (gast.Name, gast.Attribute)) and is_static(atom, locals_):
            obj = resolve_static(atom, parsed)
            if (callable(obj) and not isinstance(obj, type)) or isinstance(obj, types.ModuleType) \
                    or is_user_class(obj):  # (a class: 'cls(W)' in a class method)
                functions[name] = obj
    made = {}  # functions made in the caller (passes.closures): the values they carry
    for name, atom in list(args.items()):
        found = None if isinstance(name, ExtraArgument) else function_value(atom, parsed)
        if found is not None:
            functions[name] = found[0]
            made[name] = found
    if made:  # each value a function made here carries: an argument of its own, by keyword
        names = parameter_names(fn, tuple(functions.items()))
        for name, (closure, atoms) in made.items():
            for slot, atom in zip(closure.slots, atoms):
                args[ClosureArgument(name, slot, names[(name, slot)])] = atom
    has_varargs = any(p.kind == inspect.Parameter.VAR_POSITIONAL
                      for p in signature.parameters.values())
    static = Specialization(tuple(sorted(functions.items(), key=lambda item: item[0])),
                            extra if has_varargs else None,  # how many its *args gets
                            keywords, tuple(held),  # what **kwargs gets; the objects passed
                            speculated=_speculated(parsed))  # (its getters: array_namespaces)
    return _ops.Op(_ops.OpKind.CALL, targets, args=args, node=node, callee=fn, static=static)


def composite_call(targets, composite, node, keywords, what, parsed, locals_) -> _ops.Op:
    """A call of a NumPy function with a composite rule (:mod:`srcad.rules.composites`): a call of
    its implementation, as :func:`user_call`; where the arguments do not bind (an argument the
    implementation does not take), ``UNKNOWN`` saying so (refused if a gradient flows)."""
    if composite.positional is not None and len(node.args) > composite.positional:
        everything = {f"arg{k}": a for k, a in enumerate(node.args)}
        op = _ops.Op(_ops.OpKind.UNKNOWN, targets, args=everything, node=node, reason=(
            f"{what}: its positional arguments after the first {composite.positional} are not "
            f"NumPy's (pass them by keyword)"))
    else:
        op = user_call(targets, composite.implementation, node, keywords, what, parsed, locals_)
    if op.kind is _ops.OpKind.UNKNOWN:
        op.reason = (f"srcad differentiates {composite.name} through its own implementation, "
                     f"which does not take these arguments ({op.reason.split(': ', 1)[-1]})")
        op.hint = ("leave the argument out, or wrap the value in srcad.stop_gradient if no "
                   "gradient should flow (docs/rules.md, composite rules)")
    return op


def initializer_call(targets, node, keywords, parsed, locals_) -> _ops.Op:
    """``y = build(C, a, b=c)``: a call of ``C.__init__`` read as building a ``C``
    (:mod:`srcad.passes.constructors`), its ``self`` the class."""
    from .constructors import construction
    everything = {f"arg{k}": a for k, a in enumerate(node.args)}
    cls = resolve_static(node.args[0], parsed) if node.args and is_static(node.args[0], locals_) \
        else None
    found = construction(cls) if isinstance(cls, type) else "its class is not known"
    if isinstance(found, str) or found.form != "init":
        return _ops.Op(_ops.OpKind.UNKNOWN, targets, args=everything, node=node,
                       reason=f"srcad cannot build this object from its attributes ({found})")
    op = user_call(targets, found.init, node, keywords, f"'{cls.__qualname__}'", parsed, locals_)
    if op.kind is _ops.OpKind.CALL:
        op.static = dataclasses.replace(op.static, initializer=cls)
    return op


def nested_call(targets, nested, node, keywords, parsed=None, locals_=()) -> _ops.Op:
    """A call to a ``def`` inside the function: bound to its parameters (defaults filled in) and
    to the enclosing variables it reads; specialized on the modules among them (``xp``, a
    captured namespace, ``inner(np)``), as a call of a user's function is."""
    params = nested.parameters()
    defaults = nested.defaults()
    everything = {f"arg{k}": a for k, a in enumerate(node.args)}
    everything.update({f"kw_{k}": v for k, v in keywords.items()})
    args = dict(zip(params, node.args))
    for key, value in keywords.items():
        if key not in params or key in args:
            return _ops.Op(_ops.OpKind.UNKNOWN, targets, args=everything, node=node,
                      reason=f"'{nested.__name__}' got an unexpected argument '{key}'")
        args[key] = value
    for name in params:
        if name not in args:
            if name not in defaults:
                return _ops.Op(_ops.OpKind.UNKNOWN, targets, args=everything, node=node,
                          reason=f"'{nested.__name__}' is missing the argument '{name}'")
            args[name] = defaults[name]
    if len(node.args) > len(params):
        return _ops.Op(_ops.OpKind.UNKNOWN, targets, args=everything, node=node,
                  reason=f"'{nested.__name__}' takes {len(params)} arguments")
    for name in nested.captured:
        args[name] = gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None)
    modules = {}
    for name, atom in args.items() if parsed is not None else ():
        if isinstance(atom, gast.Name) and atom.id in parsed.static:
            held = parsed.static[atom.id]
        elif isinstance(atom, (gast.Name, gast.Attribute)) and is_static(atom, locals_):
            held = resolve_static(atom, parsed)
        else:
            continue
        if isinstance(held, types.ModuleType):
            modules[name] = held
    speculated = _speculated(parsed) if parsed is not None else ()
    static = Specialization(tuple(sorted(modules.items())), speculated=speculated) \
        if modules or speculated else Specialization()
    return _ops.Op(_ops.OpKind.CALL, targets, args=args, node=node, callee=nested, static=static)


def _speculated(parsed) -> tuple:
    """What the getters of the function differentiated gave (passed on to every function it
    calls, for their own ``xp = array_namespace(z)``: srcad.passes.array_namespaces)."""
    return tuple(sorted(getattr(parsed, "speculated", {}).items()))
