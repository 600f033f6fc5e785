"""The srcad code an exported module copies: the runtime helpers the generated code calls, with
the helpers, classes, constants and modules they use in turn (:func:`collect_helper`), as source
without their registering decorators (:func:`helper_source`), in an order that defines each before
its use (:func:`ordered`); and the helpers of srcad's composite rules (:func:`of_srcad`).

Accepts: functions and classes of :mod:`srcad.runtime` and ``srcad.rules``.
Guarantees: the copies are plain Python that needs only NumPy (and the modules a helper imports,
SciPy's for its helpers); srcad's own errors are left to the exported module, which defines them.
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import math
import sys
import textwrap
import types

import numpy as np

from .. import errors as _errors
from .. import runtime
from ..errors import SrcadError

# every error class of srcad.errors (a helper may raise any of them), base first
ERRORS = ("SrcadError",) + tuple(sorted(
    name for name, cls in vars(_errors).items()
    if isinstance(cls, type) and issubclass(cls, SrcadError) and cls is not SrcadError
    and cls.__module__ == _errors.__name__))


def global_names(code) -> set:
    """The global names ``code`` (and the code nested in it) reads."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= global_names(const)
    return names


def of_srcad(obj) -> bool:
    """Is ``obj`` a plain function of srcad's own rule modules (the implementation of a composite
    rule calls them: ``cast`` in np.cov's), whose source the exported module copies?"""
    return isinstance(obj, types.FunctionType) and (obj.__module__ or "").startswith("srcad.rules.")


def add_constant(module, name, helpers):
    """The module-level constant ``name`` of ``module`` (a srcad module), with the modules and
    constants its assignment reads (``functools`` in a tuple of types)."""
    if name in helpers:
        return
    source = runtime_constants(module)[name]
    helpers[name] = Constant(name, source)
    for read in {n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name)} - {name}:
        obj = getattr(module, read, None)
        if isinstance(obj, types.ModuleType) and obj not in (np, math) and read not in helpers:
            helpers[read] = Constant(read, f"import {obj.__name__}" if obj.__name__ == read
                                      else f"import {obj.__name__} as {read}")
        elif read in runtime_constants(module):
            add_constant(module, read, helpers)


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


def collect_helper(fn, helpers):
    """``fn`` and every runtime helper, class or constant it uses, by name."""
    if fn.__name__ in helpers:
        return
    helpers[fn.__name__] = fn
    code = fn.__code__ if isinstance(fn, types.FunctionType) else None
    names = global_names(code) if code else set()
    if isinstance(fn, type):
        for base in fn.__mro__[1:]:
            if _in_runtime(base):
                collect_helper(base, helpers)
        for member in vars(fn).values():
            if isinstance(member, types.FunctionType):
                names |= global_names(member.__code__)
    module = sys.modules[fn.__module__]  # the runtime module that defines fn: its globals
    for obj in _imported_inside(fn):  # (a lazy 'from .objects import structure' in its body)
        if obj.__module__ != _errors.__name__:  # (the module defines srcad's errors itself)
            collect_helper(obj, helpers)
    for name in names:
        obj = getattr(module, name, None)
        if isinstance(obj, (types.FunctionType, type)) and (_in_runtime(obj) or of_srcad(obj)) \
                and name not in ERRORS:
            collect_helper(obj, helpers)
        elif name in runtime_constants(module):
            add_constant(module, name, helpers)
        elif isinstance(obj, types.ModuleType) and obj not in (np, math):  # scipy (its helpers)
            helpers[name] = Constant(name, f"import {obj.__name__}" if obj.__name__ == name
                                      else f"import {obj.__name__} as {name}")


def _in_runtime(obj) -> bool:
    """Is ``obj`` defined in one of the modules of the package srcad.runtime?"""
    module = getattr(obj, "__module__", None) or ""
    return module == runtime.__name__ or module.startswith(runtime.__name__ + ".")


class Constant:
    """A module-level constant of srcad.runtime that a copied helper reads."""

    def __init__(self, name, source):
        self.__name__, self.source = name, source


@functools.lru_cache(maxsize=None)
def runtime_constants(module) -> dict:
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


def ordered(helpers):
    """Constants, then classes (bases before subclasses), then functions, each by name."""
    constants = sorted((h for h in helpers.values() if isinstance(h, Constant)),  # (imports
                       key=lambda c: (not c.source.startswith("import "), c.__name__))  # first)
    classes = sorted((h for h in helpers.values() if isinstance(h, type)),
                     key=lambda c: (len(c.__mro__), c.__name__))
    functions = sorted((h for h in helpers.values() if isinstance(h, types.FunctionType)),
                       key=lambda f: f.__name__)
    return constants + classes + functions


def helper_source(obj) -> str:
    if isinstance(obj, Constant):
        return obj.source
    text = inspect.getsource(obj)
    # without the decorator that registers the helper (@helper(...)): the copy is plain Python
    start = ast.parse(text).body[0].lineno - 1
    kept = [line for line in text.splitlines()[start:]  # (what a relative import brought is
            if not line.strip().startswith("from .")]      # copied into the module itself)
    return "\n".join(kept)
