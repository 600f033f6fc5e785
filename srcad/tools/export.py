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

import hashlib
import inspect
import math
import sys
import types
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import runtime
from ..errors import SrcadError
from ..passes.load import FunctionRef

from .copied import (ERRORS, add_constant, collect_helper, global_names, helper_source,
                     of_srcad, ordered, runtime_constants)

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
                collect_helper(obj, helpers)
                if name != obj.__name__:
                    aliases.append(f"{name} = {obj.__name__}")
            elif of_srcad(obj) and obj.__name__ == name:  # (a composite rule's helper)
                collect_helper(obj, helpers)
            elif obj in (slice, range, len) or obj is SrcadError:  # (the module defines
                if name != obj.__name__:                           # SrcadError: _ERROR_SOURCE)
                    aliases.append(f"{name} = {obj.__name__}")
            else:
                _refuse_derived(obj, fun, entry.user_fn)
                _check_importable(obj, fun)
                _one_value(held, name, obj, fun, entry.user_fn)
                imports[name] = _import_line(name, obj)
        for name in global_names(generated):
            if name in entry.bound or hasattr(__builtins__, name) \
                    or (isinstance(__builtins__, dict) and name in __builtins__):
                continue
            if name not in entry.user_fn.__globals__:
                continue
            obj = entry.user_fn.__globals__[name]
            if name in imports:  # (another function's: the same value, or refused)
                _one_value(held, name, obj, fun, entry.user_fn)
                continue
            if of_srcad(obj):  # (a composite rule's own helper: copied, as the runtime's are)
                collect_helper(obj, helpers)
                continue
            if name in ERRORS:  # (the exported module defines srcad's errors itself)
                continue
            home = entry.user_fn.__module__ or ""
            constants = runtime_constants(sys.modules[home]) if home.startswith("srcad.") else {}
            if name in constants:  # (a constant of a composite rule's module: its assignment)
                add_constant(sys.modules[home], name, helpers)
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
        "\n".join(f"class {e}(SrcadError):\n    pass\n" for e in ERRORS if e != "SrcadError"),
        "",
        "# ---- srcad's runtime helpers, copied " + "-" * 53,
        "\n\n".join(helper_source(h) for h in ordered(helpers)),
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
