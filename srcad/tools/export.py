"""``srcad.export``: the derivative as a standalone module that imports only NumPy.

Accepts: a function made by srcad (:class:`srcad.api.Derived`) and a path.
Guarantees: the module written there runs without srcad (it imports NumPy and the user's module).

The module holds the generated functions as ``srcad.source`` shows them, the source of each srcad
runtime helper they call (copied from the modules of the package :mod:`srcad.runtime`, without
the registering decorator, with the helpers, classes and constants those use), imports of the user's own globals
they read (from the user's module), and a header recording the SHA-256 of the original function's
source, so a reviewer can see that the derivative matches the code it was made from. Importing it
needs no srcad: commit it, review it, run it.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib
import inspect
import math
import sys
import textwrap
import types
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import runtime
from ..errors import SrcadError
from ..passes.load import FunctionRef

from .. import errors as _errors

# every error class of srcad.errors (a helper may raise any of them), base first
_ERRORS = ("SrcadError",) + tuple(sorted(
    name for name, cls in vars(_errors).items()
    if isinstance(cls, type) and issubclass(cls, SrcadError) and cls is not SrcadError
    and cls.__module__ == _errors.__name__))


# srcad.errors' classes as the exported module defines them: the same names and arguments
_ERROR_SOURCE = '''class Location:
    def __init__(self, filename, lineno, col_offset=0):
        self.filename, self.lineno, self.col_offset = filename, lineno, col_offset


class SrcadError(Exception):
    def __init__(self, message, location=None, hint=None):
        text = message if location is None else f"{location.filename}:{location.lineno}: {message}"
        super().__init__(text if hint is None else f"{text}\\n  hint: {hint}")
        self.message, self.location, self.hint = message, location, hint
'''


def export(derived: Callable[..., Any], path: str, *, specialize: bool = False,
           jit: bool = False) -> str:
    """Write ``derived``'s generated code to ``path`` as a standalone module; returns the text.
    The code is the general one, right for arguments of any kind (the functions and objects of
    the latest call still chosen as for it); ``specialize=True`` writes the code of the latest
    call, specialized on the kinds of its numbers and arrays (its header says which).
    ``jit=True`` (``derived`` made with ``jit``, and called): the code its latest call compiled,
    and a last line that compiles it with numba as the module is imported
    (:mod:`srcad.jit.exported`: that needs srcad's ``jit`` extra where it is imported)."""
    from .. import __version__
    from ..api import Derived

    if not isinstance(derived, Derived):
        raise TypeError(f"srcad.export expects a function made by srcad, got {derived!r}")
    if jit:
        from ..jit.exported import compiled_transformation  # (no numba imported)
        t = compiled_transformation(derived)
    else:
        t = (derived._last or derived.transformed()) if specialize else derived.general()
    fun = derived.fun
    lines = inspect.getsourcelines(fun)[0] if not hasattr(fun, "__wrapped__") else None
    source = "".join(lines) if lines else inspect.getsource(fun.__code__)
    digest = hashlib.sha256(source.encode()).hexdigest()

    helpers, imports, aliases = {}, {}, []
    held: dict = {}  # name -> the value the exported module's global of that name holds
    for entry in t.entries:
        cells = set(entry.user_fn.__code__.co_freevars)
        generated = _code_of(t.function, entry.name, t)
        if cells & set(generated.co_freevars) - set(entry.bound):
            raise SrcadError(f"cannot export {fun.__qualname__}: it reads the enclosing variables "
                             f"{sorted(cells & set(generated.co_freevars))} of a closure")
        for name, obj in entry.bound.items():
            if isinstance(obj, FunctionRef):
                if name != obj.name:
                    aliases.append(f"{name} = {obj.name}")
            elif obj is np:
                imports[name] = f"import numpy as {name}" if name != "numpy" else "import numpy"
            elif obj is math:
                imports[name] = f"import math as {name}" if name != "math" else "import math"
            elif runtime.HELPERS.get(getattr(obj, "__name__", "")) is obj:
                _collect_helper(obj, helpers)
                if name != obj.__name__:
                    aliases.append(f"{name} = {obj.__name__}")
            elif _of_srcad(obj) and obj.__name__ == name:  # (a composite rule's helper)
                _collect_helper(obj, helpers)
            elif obj in (slice, range, len) or obj is SrcadError:  # (the module defines
                if name != obj.__name__:                           # SrcadError: _ERROR_SOURCE)
                    aliases.append(f"{name} = {obj.__name__}")
            else:
                _refuse_derived(obj, fun, entry.user_fn)
                _check_importable(obj, fun)
                _one_value(held, name, obj, fun, entry.user_fn)
                imports[name] = _import_line(name, obj)
        for name in _global_names(generated):
            if name in entry.bound or hasattr(__builtins__, name) \
                    or (isinstance(__builtins__, dict) and name in __builtins__):
                continue
            if name not in entry.user_fn.__globals__:
                continue
            obj = entry.user_fn.__globals__[name]
            if name in imports:  # (another function's: the same value, or refused)
                _one_value(held, name, obj, fun, entry.user_fn)
                continue
            if _of_srcad(obj):  # (a composite rule's own helper: copied, as the runtime's are)
                _collect_helper(obj, helpers)
                continue
            if name in _ERRORS:  # (the exported module defines srcad's errors itself)
                continue
            home = entry.user_fn.__module__ or ""
            constants = _runtime_constants(sys.modules[home]) if home.startswith("srcad.") else {}
            if name in constants:  # (a constant of a composite rule's module: its assignment)
                _add_constant(sys.modules[home], name, helpers)
                continue
            _refuse_derived(obj, fun, entry.user_fn)
            _one_value(held, name, obj, fun, entry.user_fn)
            imports[name] = _import_line(name, obj, entry.user_fn)
    imports.setdefault("np", "import numpy as np")

    parts = [
        f"# Exported by srcad {__version__} from {fun.__module__}.{fun.__qualname__} "
        f"({t.files[t.main]}:{fun.__code__.co_firstlineno}).",
        f"# Source of {fun.__qualname__}: sha256 {digest}",
        "# Standalone: imports NumPy (and the user's own module for the globals it reads); "
        "not srcad.",
        "# Regenerate with srcad.export rather than editing by hand.",
        "",
        "\n".join(sorted(set(imports.values()))),
        "",
        "",
        "# ---- errors the helpers raise " + "-" * 60,
        _ERROR_SOURCE,
        "\n".join(f"class {e}(SrcadError):\n    pass\n" for e in _ERRORS if e != "SrcadError"),
        "",
        "# ---- srcad's runtime helpers, copied " + "-" * 53,
        "\n\n".join(_helper_source(h) for h in _ordered(helpers)),
        "",
        "",
        "# ---- the generated code " + "-" * 65,
        t.source.rstrip() + "\n",
    ]
    if aliases:
        parts.append("\n".join(sorted(set(aliases))) + "\n")
    if jit:
        parts += [
            "# ---- compiled with numba (jit=True) " + "-" * 53,
            f"# {t.main} becomes srcad's runner: the functions above compiled with numba at "
            "the first call,",
            "# with srcad's numba implementations of the helpers above and its checks "
            "(docs/jit.md).",
            '# This needs srcad\'s jit extra here: pip install "srcad[jit]".',
            "from srcad.jit.exported import compile_module as _compile_module  # noqa: E402",
            "",
            f"_compile_module(globals(), {t.main!r}, {dict(sorted(t.files.items()))!r}, "
            f"{derived.options.jit!r})", ""]
    text = "\n".join(parts)
    with open(path, "w") as fh:
        fh.write(text)
    return text


def _code_of(main_fn, name, t):
    """The code object of generated function ``name``."""
    if name == t.main:
        return main_fn.__code__
    for cell in main_fn.__closure__ or ():
        try:
            value = cell.cell_contents
        except ValueError:
            continue
        if isinstance(value, types.FunctionType) and value.__name__ == name:
            return value.__code__
    # reached only through other generated functions: search them too
    seen, todo = set(), [main_fn]
    while todo:
        fn = todo.pop()
        if fn.__name__ == name:
            return fn.__code__
        seen.add(fn)
        for cell in fn.__closure__ or ():
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            if isinstance(value, types.FunctionType) and value not in seen \
                    and value.__code__.co_filename == main_fn.__code__.co_filename:
                todo.append(value)
    raise LookupError(name)


def _global_names(code) -> set:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _global_names(const)
    return names


def _refuse_derived(obj, fun, user_fn):
    """Raise a SrcadError if the generated code reads a function made by srcad (``g =
    srcad.grad(inner)`` called inside the function, a gradient penalty) or a method of one: the
    exported module imports only NumPy and the user's modules, and importing ``g`` would bring in
    srcad (or, through its ``functools.wraps`` name, the wrong function)."""
    from ..api import Derived
    from ..errors import Location

    owner = obj.__self__ if isinstance(obj, types.MethodType) else obj
    if not isinstance(owner, Derived):
        return
    code = user_fn.__code__
    raise SrcadError(
        f"cannot export {fun.__qualname__}: it calls {owner!r}, a function made by srcad, and the "
        "exported module does not contain srcad", Location(code.co_filename, code.co_firstlineno, 0),
        hint="export the gradient of a function that calls only plain functions, or keep using "
             "srcad.grad for this one")


def _check_importable(obj, fun):
    """Raise a SrcadError if the Python function (or class) ``obj``, which the generated code
    reads, cannot be imported as ``from <its module> import <its name>``: a lambda, a function
    defined inside another (a closure), a staticmethod, one replaced in its module since."""
    from .. import rules
    from ..errors import Location

    target = obj.fn if type(obj).__name__ == "custom_vjp" and hasattr(obj, "fn") else obj
    if not isinstance(target, (types.FunctionType, type)):
        return
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", "")
    if "<lambda>" in qualname:
        why = "is a lambda"
    elif "<locals>" in qualname:
        why = f"({qualname}) is defined inside a function (a closure or nested def)"
    elif "." in qualname:
        why = f"({qualname}) is not a module-level name (a method or staticmethod)"
    elif module in (None, "__main__"):
        why = f"({qualname}) is defined in {module or 'an unknown module'}, which cannot be imported"
    elif module in sys.modules and getattr(sys.modules[module], qualname, None) is not obj:
        why = f"({qualname}) is not what {module}.{qualname} is now"
    else:
        return
    owner = next((rule.name for rule in list(rules.RULES.values()) if rule.custom is obj), None)
    what = f"the custom VJP of {owner}" if owner else f"the function {qualname or obj!r}"
    code = getattr(target, "__code__", None)
    location = Location(code.co_filename, code.co_firstlineno, 0) if code else None
    raise SrcadError(
        f"cannot export {fun.__qualname__}: {what} {why}, and the exported module can only import "
        "functions defined with 'def' at the top level of a module", location,
        hint="define it with 'def' at the top level of its module (or export a function that "
             "does not use it)")


def _one_value(held, name, obj, fun, user_fn):
    """Record that the exported module's global ``name`` holds ``obj`` (read by the code made
    from ``user_fn``); refuse a second, other value under the same name (two of the user's
    modules each with a global ``c``: one module cannot hold both, and importing one for both
    would compute with the wrong one)."""
    if name not in held:
        held[name] = (obj, user_fn)
        return
    known, first = held[name]
    same = known is obj or (type(known) is type(obj) and type(obj) in (int, float, str, bool)
                            and known == obj)
    if not same:
        raise SrcadError(
            f"cannot export {fun.__qualname__}: its generated functions read two different "
            f"values named {name!r} (the one {first.__qualname__} reads in {first.__module__} and "
            f"the one {user_fn.__qualname__} reads in {user_fn.__module__}), which one module "
            "cannot hold under one name", hint=f"rename one of the globals {name!r}")


def _import_line(name, obj, user_fn=None):
    if isinstance(obj, types.ModuleType):
        return f"import {obj.__name__} as {name}" if obj.__name__ != name else f"import {name}"
    module = getattr(obj, "__module__", None) or getattr(user_fn, "__module__", None)
    qualname = getattr(obj, "__qualname__", None)
    if module in (None, "__main__") or (qualname is None and user_fn is None):
        raise SrcadError(f"cannot export: the generated code reads {name!r}, which cannot be "
                         f"imported (defined in {module or 'an unknown module'})")
    if qualname and "." not in qualname and getattr(obj, "__name__", None) == qualname:
        return f"from {module} import {qualname} as {name}" if qualname != name else \
            f"from {module} import {name}"
    return f"from {module} import {name}"  # a global value of the user's module


def _of_srcad(obj) -> bool:
    """Is ``obj`` a plain function of srcad's own rule modules (the implementation of a composite
    rule calls them: ``cast`` in np.cov's), whose source the exported module copies?"""
    return isinstance(obj, types.FunctionType) and (obj.__module__ or "").startswith("srcad.rules.")


def _add_constant(module, name, helpers):
    """The module-level constant ``name`` of ``module`` (a srcad module), with the modules and
    constants its assignment reads (``functools`` in a tuple of types)."""
    if name in helpers:
        return
    source = _runtime_constants(module)[name]
    helpers[name] = _Constant(name, source)
    for read in {n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name)} - {name}:
        obj = getattr(module, read, None)
        if isinstance(obj, types.ModuleType) and obj not in (np, math) and read not in helpers:
            helpers[read] = _Constant(read, f"import {obj.__name__}" if obj.__name__ == read
                                      else f"import {obj.__name__} as {read}")
        elif read in _runtime_constants(module):
            _add_constant(module, read, helpers)


def _imported_inside(fn) -> list:
    """The functions and classes ``fn``'s body imports from srcad's own modules by a relative
    import (the copy drops the import: each is copied into the exported module instead)."""
    if not isinstance(fn, (types.FunctionType, type)):
        return []
    package = fn.__module__.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(textwrap.dedent(inspect.getsource(fn)))):
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            module = importlib.import_module("." * node.level + (node.module or ""), package)
            found += [getattr(module, a.name) for a in node.names
                      if isinstance(getattr(module, a.name, None), (types.FunctionType, type))]
    return found


def _collect_helper(fn, helpers):
    """``fn`` and every runtime helper, class or constant it uses, by name."""
    if fn.__name__ in helpers:
        return
    helpers[fn.__name__] = fn
    code = fn.__code__ if isinstance(fn, types.FunctionType) else None
    names = _global_names(code) if code else set()
    if isinstance(fn, type):
        for base in fn.__mro__[1:]:
            if _in_runtime(base):
                _collect_helper(base, helpers)
        for member in vars(fn).values():
            if isinstance(member, types.FunctionType):
                names |= _global_names(member.__code__)
    module = sys.modules[fn.__module__]  # the runtime module that defines fn: its globals
    for obj in _imported_inside(fn):  # (a lazy 'from .objects import structure' in its body)
        if obj.__module__ != _errors.__name__:  # (the module defines srcad's errors itself)
            _collect_helper(obj, helpers)
    for name in names:
        obj = getattr(module, name, None)
        if isinstance(obj, (types.FunctionType, type)) and (_in_runtime(obj) or _of_srcad(obj)) \
                and name not in _ERRORS:
            _collect_helper(obj, helpers)
        elif name in _runtime_constants(module):
            _add_constant(module, name, helpers)
        elif isinstance(obj, types.ModuleType) and obj not in (np, math):  # scipy (its helpers)
            helpers[name] = _Constant(name, f"import {obj.__name__}" if obj.__name__ == name
                                      else f"import {obj.__name__} as {name}")


def _in_runtime(obj) -> bool:
    """Is ``obj`` defined in one of the modules of the package srcad.runtime?"""
    module = getattr(obj, "__module__", None) or ""
    return module == runtime.__name__ or module.startswith(runtime.__name__ + ".")


class _Constant:
    """A module-level constant of srcad.runtime that a copied helper reads."""

    def __init__(self, name, source):
        self.__name__, self.source = name, source


@functools.lru_cache(maxsize=None)
def _runtime_constants(module) -> dict:
    """``{name: source of its assignment}`` for a srcad.runtime module's module-level constants."""
    text = inspect.getsource(module)
    found = {}
    for node in ast.parse(text).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name):
            found[node.targets[0].id] = ast.get_source_segment(text, node)
        elif isinstance(node, ast.AnnAssign) and node.value is not None \
                and isinstance(node.target, ast.Name):  # (_REGISTERED: dict = {})
            found[node.target.id] = ast.get_source_segment(text, node)
    return found


def _ordered(helpers):
    """Constants, then classes (bases before subclasses), then functions, each by name."""
    constants = sorted((h for h in helpers.values() if isinstance(h, _Constant)),  # (imports
                       key=lambda c: (not c.source.startswith("import "), c.__name__))  # first)
    classes = sorted((h for h in helpers.values() if isinstance(h, type)),
                     key=lambda c: (len(c.__mro__), c.__name__))
    functions = sorted((h for h in helpers.values() if isinstance(h, types.FunctionType)),
                       key=lambda f: f.__name__)
    return constants + classes + functions


def _helper_source(obj) -> str:
    if isinstance(obj, _Constant):
        return obj.source
    text = inspect.getsource(obj)
    # without the decorator that registers the helper (@helper(...)): the copy is plain Python
    start = ast.parse(text).body[0].lineno - 1
    kept = [line for line in text.splitlines()[start:]  # (what a relative import brought is
            if not line.strip().startswith("from .")]      # copied into the module itself)
    return "\n".join(kept)
