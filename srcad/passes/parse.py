"""Pass 1, parse: a Python function object -> its gast ``FunctionDef`` and the namespace it runs in.

Accepts: a Python function whose source file ``linecache`` can read: defined with ``def`` (read as
itself, not as what ``functools.wraps`` says it wraps), or a ``lambda`` (it becomes
``def lambda_(...): return <body>``). Anything else -- a builtin, a function without source, an
``async def``, a lambda sharing its line with another of the same parameters -- raises
:class:`~srcad.errors.SourceUnavailableError` or :class:`~srcad.errors.UnsupportedSyntaxError`.
Guarantees:
  * ``Parsed.tree`` is a ``gast.FunctionDef`` with its decorators removed, whose nodes carry
    ``lineno``/``col_offset`` in the coordinates of the user's file (not of the dedented snippet), so
    every later pass and every error can point at the user's own line and column;
  * ``Parsed.namespace`` resolves the free names of the function (closure cells, then module
    globals, then builtins) to the objects they denote *now*; resolution is only used to choose
    gradient rules, never to freeze values: generated code reads globals and closures at call time;
  * ``Parsed.static``, ``Parsed.varargs``, ``Parsed.kwargs`` and ``Parsed.nested`` start empty:
    the pipeline (:meth:`Parsed.specialize_varargs`, :meth:`Parsed.specialize_kwargs`) and pass 2
    (:mod:`srcad.passes.fence`) fill them.

Also here: the queries on names every pass shares (:func:`parameter_names`, :func:`local_names`,
:func:`own_nodes`, :func:`resolve_dotted`), :class:`NestedFunction`, a nested ``def`` lifted
out to be differentiated on its own, and what a transformation is specialized on:
:class:`Specialization` (the functions passed for called parameters, the number of extra
arguments ``*args`` gets, the keywords ``**kwargs`` gets) and :class:`ExtraArgument` (one of
those extra arguments, as a parameter).
"""

from __future__ import annotations

import builtins
import dataclasses
import keyword
import textwrap
import types

import gast

from ..errors import Location, SourceUnavailableError, UndefinedNameError, UnsupportedSyntaxError
from .source_text import file_tree, first_code_line, lambda_as_def, source_lines

_MISSING = object()


class Namespace:
    """Where the free names of a user function live: its closure cells, its globals, the builtins."""

    def __init__(self, fn: types.FunctionType):
        self.extra: dict = {}  # names srcad binds for the generated code (a method resolved)
        self.globals = fn.__globals__
        self.cells = dict(zip(fn.__code__.co_freevars, fn.__closure__ or ()))
        gb = self.globals.get("__builtins__", builtins)
        self.builtins = gb if isinstance(gb, dict) else vars(gb)

    def lookup(self, name: str, default=_MISSING):
        """The object ``name`` denotes in the function's scope (closure, then globals, then builtins;
        first the names srcad bound itself, ``extra``)."""
        if name in self.extra:
            return self.extra[name]
        if name in self.cells:
            try:
                return self.cells[name].cell_contents
            except ValueError:  # an empty cell: the enclosing variable is not assigned yet
                pass
        if name in self.globals:
            return self.globals[name]
        if name in self.builtins:
            return self.builtins[name]
        if default is _MISSING:
            raise KeyError(name)
        return default


def parameter_names(args) -> list:
    """The names a function's parameters bind (positional, then keyword-only) from its arguments
    node; ``*args`` is bound by its own rewriting (``Parsed.specialize_varargs``)."""
    return [a.id for a in args.posonlyargs + args.args + args.kwonlyargs]


def local_names(tree: gast.FunctionDef) -> frozenset:
    """The names local to the function ``tree``: its parameters, the names it assigns and the
    nested functions it defines (not looking inside those)."""
    names = set(parameter_names(tree.args))
    names |= {n.id for n in own_nodes(tree) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}
    names |= {n.name for n in own_nodes(tree) if isinstance(n, gast.FunctionDef)}
    return frozenset(names)


def dotted_name(node) -> str | None:
    """``np.linalg.norm`` -> "np.linalg.norm"; None if ``node`` is not a chain of names."""
    parts = []
    while isinstance(node, gast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, gast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def resolve_dotted(node, namespace: Namespace, filename: str):
    """The object a dotted name (``np.exp``, ``exp``, ``math.pi``) denotes in ``namespace``."""
    name = dotted_name(node)
    if name is None:
        return _MISSING
    root, *attrs = name.split(".")
    try:
        obj = namespace.lookup(root)
    except KeyError:
        raise UndefinedNameError(
            f"name '{root}' is not defined", Location(filename, node.lineno, node.col_offset)
        ) from None
    for attr in attrs:
        try:
            obj = getattr(obj, attr)
        except AttributeError:
            raise UndefinedNameError(
                f"'{name}' does not exist ('{attr}' is not an attribute)",
                Location(filename, node.lineno, node.col_offset),
            ) from None
    return obj


@dataclasses.dataclass(frozen=True)
class ExtraArgument:
    """The ``index``-th extra positional argument a ``*args`` parameter takes: a parameter in the
    lists of parameters and of parameters to differentiate, next to the named ones. Printed
    ``*index`` (generated headers, file names)."""

    index: int

    def __str__(self) -> str:
        return f"*{self.index}"


@dataclasses.dataclass(frozen=True)
class Specialization:
    """What a transformation of a function is specialized on, besides the function: the functions
    its called parameters hold, as ``(parameter, function)`` pairs; ``extra_arguments``, how
    many extra positional arguments its ``*args`` gets (``None``: not specialized, as for a
    function without ``*args``); ``keywords``, the names of the keyword arguments its
    ``**kwargs`` gets, in the order given (``None``: none, as for a call without keywords); and
    ``objects``, the :mod:`~srcad.passes.kinds` of the parameters that hold something other than
    data (instances of the user's classes, lists of them), as ``(parameter, kind)`` pairs; and
    ``mappings``, the parameters the body iterates itself (``for k in params``) that hold a dict
    (a loop over a dict's keys is another loop than one over a sequence's items); and
    ``initializer``, for a class's ``__init__`` called to build an object of that class (see
    :mod:`srcad.passes.constructors`); and ``values``, the kinds of the numbers and arrays passed,
    as ``(parameter, kind)`` pairs (:mod:`srcad.passes.value_kinds`; empty: the general code);
    and ``namespaces``, the array namespaces the body's ``xp = array_namespace(x)`` get at the
    call, as ``(name, module)`` pairs (:mod:`srcad.passes.array_namespaces`), and
    ``speculated``, what each getter gave in the function differentiated, as ``(getter, module)``
    pairs, passed on to the functions it calls (checked there at run time).
    Hashable: a key of the caches of transformations."""

    functions: tuple = ()
    extra_arguments: int | None = None
    keywords: tuple | None = None  # the names of the keyword arguments '**kwargs' gets, in order
    objects: tuple = ()  # (parameter, kind) for parameters holding objects (srcad.passes.kinds)
    mappings: tuple = ()  # the parameters that hold a dict at the call
    initializer: type | None = None  # '__init__' read as building this class (passes.constructors)
    values: tuple = ()  # (parameter, ValueKind) of the numbers and arrays (passes.value_kinds)
    namespaces: tuple = ()  # (name, module): 'xp = array_namespace(x)' (passes.array_namespaces)
    speculated: tuple = ()  # (getter, module): what the getters gave the function differentiated


@dataclasses.dataclass
class Parsed:
    fn: types.FunctionType
    tree: gast.FunctionDef
    filename: str
    namespace: Namespace
    static: dict = dataclasses.field(default_factory=dict)  # parameter -> the function it holds
    nested: dict = dataclasses.field(default_factory=dict)  # name -> NestedFunction (def inside)
    varargs: dict = dataclasses.field(default_factory=dict)  # '*args' name -> its k parameters
    kwargs: dict = dataclasses.field(default_factory=dict)  # '**kwargs' name -> its keywords
    kinds: dict = dataclasses.field(default_factory=dict)  # parameter -> its kind (passes.kinds)
    mappings: frozenset = frozenset()  # parameters holding a dict (Specialization)
    namespaces: dict = dataclasses.field(default_factory=dict)  # name -> the array namespace
    # its getter returns at this call (Specialization.namespaces, passes.array_namespaces)
    speculated: dict = dataclasses.field(default_factory=dict)  # getter -> module (the same)
    objects: object = None  # pass 6's srcad.passes.objects.Objects: the kinds of all locals
    assumptions: list = dataclasses.field(default_factory=list)  # see passes.objects.Assumption
    # function values (srcad.passes.closures): the lambdas made defs (def name -> line), the
    # local partials passed on (name -> (function, ((slot, local), ...), positional count)), the
    # closures made of them, and this callee's parameters for the closures it is given
    lambdas: dict = dataclasses.field(default_factory=dict)
    partial_values: dict = dataclasses.field(default_factory=dict)
    closures: dict = dataclasses.field(default_factory=dict)
    closure_arguments: dict = dataclasses.field(default_factory=dict)  # (param, slot) -> name

    def specialize_varargs(self, count: int):
        """``def f(x, *args)`` called with ``count`` extra arguments becomes ``def f(x, args_0, ...,
        args_{count-1})`` whose body starts with ``args = (args_0, ...)``; ``g(*args)`` inside is
        then ``g(args_0, ...)`` (see srcad.passes.anf)."""
        vararg = self.tree.args.vararg
        if vararg is None:
            return
        taken = {n.id for n in gast.walk(self.tree) if isinstance(n, gast.Name)}
        names = []
        for k in range(count):
            name, suffix = f"{vararg.id}_{k}", 1
            while name in taken:
                suffix += 1
                name = f"{vararg.id}_{k}_{suffix}"
            taken.add(name)
            names.append(name)
        self.tree.args.args = self.tree.args.args + [
            gast.Name(id=n, ctx=gast.Param(), annotation=None, type_comment=None) for n in names]
        self.tree.args.vararg = None
        pack = gast.Assign(targets=[gast.Name(id=vararg.id, ctx=gast.Store(), annotation=None,
                                              type_comment=None)],
                           value=gast.Tuple(elts=[gast.Name(id=n, ctx=gast.Load(), annotation=None,
                                                            type_comment=None) for n in names],
                                            ctx=gast.Load()), type_comment=None)
        gast.copy_location(pack, self.tree)
        pack.end_lineno, pack.end_col_offset = pack.lineno, pack.col_offset
        self.tree.body.insert(0, pack)
        self.varargs[vararg.id] = names

    def specialize_kwargs(self, keywords: tuple):
        """``def f(x, **kwargs)`` called with the keyword arguments ``keywords`` (names) becomes
        ``def f(x, *, a, b)`` whose body starts with ``kwargs = {'a': a, 'b': b}``; ``g(**kwargs)``
        inside is then ``g(a=a, b=b)`` (see srcad.passes.anf). A keyword with the name of a
        variable the function uses is refused (its parameter must have the keyword's name)."""
        kwarg = self.tree.args.kwarg
        if kwarg is None:
            return
        taken = {n.id for n in gast.walk(self.tree) if isinstance(n, gast.Name)} | {
            self.tree.name} | set(parameter_names(self.tree.args))
        if self.tree.args.vararg is not None:
            taken.add(self.tree.args.vararg.id)
        for name in keywords:
            if not name.isidentifier() or keyword.iskeyword(name) or name in taken:
                raise UnsupportedSyntaxError(
                    f"the keyword argument {name!r} given to '**{kwarg.id}' has the name of a "
                    f"variable '{self.tree.name}' uses: srcad makes it a parameter of that name",
                    self.location(kwarg), hint="rename the keyword argument or the variable")
        self.tree.args.kwonlyargs = self.tree.args.kwonlyargs + [
            gast.Name(id=n, ctx=gast.Param(), annotation=None, type_comment=None)
            for n in keywords]
        self.tree.args.kw_defaults = self.tree.args.kw_defaults + [None] * len(keywords)
        self.tree.args.kwarg = None
        pack = gast.Assign(targets=[gast.Name(id=kwarg.id, ctx=gast.Store(), annotation=None,
                                              type_comment=None)],
                           value=gast.Dict(keys=[gast.Constant(value=n, kind=None)
                                                 for n in keywords],
                                           values=[gast.Name(id=n, ctx=gast.Load(),
                                                             annotation=None, type_comment=None)
                                                   for n in keywords]), type_comment=None)
        gast.copy_location(pack, self.tree)
        pack.end_lineno, pack.end_col_offset = pack.lineno, pack.col_offset
        self.tree.body.insert(0, pack)
        self.kwargs[kwarg.id] = tuple(keywords)

    def called_parameters(self) -> list:
        """Parameters the body calls (``act(x)``) or calls a method of (``xp.sum(x)``): srcad
        specializes on the functions and modules they hold (an array there is data, as usual)."""
        params = parameter_names(self.tree.args)
        called = {n.func.id for n in gast.walk(self.tree)
                  if isinstance(n, gast.Call) and isinstance(n.func, gast.Name)}
        called |= {n.func.value.id for n in gast.walk(self.tree)
                   if isinstance(n, gast.Call) and isinstance(n.func, gast.Attribute)
                   and isinstance(n.func.value, gast.Name)}
        return [p for p in params if p in called]

    def location(self, node) -> Location:
        return Location(self.filename, getattr(node, "lineno", 0), getattr(node, "col_offset", 0))

    def statement_text(self, node) -> str:
        """The user's source of statement ``node`` on one line (continuations joined)."""
        import linecache

        first, last = node.lineno, getattr(node, "end_lineno", None) or node.lineno
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and hasattr(body[0], "lineno"):  # if/for/while: header
            last = max(first, body[0].lineno - 1)
        lines = [linecache.getline(self.filename, n).strip() for n in range(first, last + 1)]
        return " ".join(part for part in lines if part)


def parse(fn) -> Parsed:
    """Read ``fn``'s source and parse it into a located gast tree (see the module docstring)."""
    if not isinstance(fn, types.FunctionType):
        what = getattr(fn, "__name__", type(fn).__name__)
        raise SourceUnavailableError(
            f"cannot differentiate {what!r}: it is not a Python function (srcad needs source code)",
            hint="give it a gradient with srcad.custom_vjp, or wrap it in a Python function",
        )
    filename = fn.__code__.co_filename
    try:
        lines, first_lineno = source_lines(fn)
    except (OSError, TypeError, IndexError):
        raise SourceUnavailableError(
            f"cannot read the source of {fn.__qualname__!r} (defined in {filename})",
            hint="define the function in a file, or give it a gradient with srcad.custom_vjp",
        ) from None
    source = "".join(lines)
    dedented = textwrap.dedent(source)
    indent = first_code_line(source) - first_code_line(dedented)
    module = file_tree(fn) if fn.__name__ == "<lambda>" else None
    if module is not None:  # (its whole file: a lambda may span lines, or sit in a dict)
        first_lineno, indent = 1, 0
        funcs = [lambda_as_def(fn, module, filename, first_lineno)]
    else:
        try:
            module = gast.parse(dedented)
        except SyntaxError as exc:
            raise SourceUnavailableError(
                f"cannot parse the source of {fn.__qualname__!r}: {exc.msg}",
                Location(filename, first_lineno, 0),
            ) from None
        funcs = [n for n in module.body
                 if isinstance(n, (gast.FunctionDef, gast.AsyncFunctionDef))]
        if fn.__name__ == "<lambda>":
            funcs = [lambda_as_def(fn, module, filename, first_lineno)]
    if not funcs:
        raise UnsupportedSyntaxError(
            f"{fn.__qualname__!r} is not defined with 'def'", Location(filename, first_lineno, 0)
        )
    tree = funcs[0]
    for node in gast.walk(tree):
        if hasattr(node, "lineno"):
            node.lineno += first_lineno - 1
            node.col_offset += indent
            if getattr(node, "end_lineno", None) is not None:
                node.end_lineno += first_lineno - 1
                node.end_col_offset += indent
    if isinstance(tree, gast.AsyncFunctionDef):
        raise UnsupportedSyntaxError(
            "async functions cannot be differentiated", Location(filename, tree.lineno, tree.col_offset)
        )
    tree.decorator_list = []
    return Parsed(fn=fn, tree=tree, filename=filename, namespace=Namespace(fn))


def own_nodes(tree):
    """The nodes of ``tree``, not descending into nested ``def``s or lambdas (their own scope)."""
    todo = list(gast.iter_child_nodes(tree))
    while todo:
        node = todo.pop()
        yield node
        if not isinstance(node, (gast.FunctionDef, gast.Lambda)):
            todo.extend(gast.iter_child_nodes(node))


@dataclasses.dataclass(eq=False)
class NestedFunction:
    """A ``def`` inside the function being differentiated. Calls to it are differentiated as calls
    to the function "lifted" out: its parameters, then ``captured``, the variables of the enclosing
    function it reads (so gradients reach them too)."""

    node: gast.FunctionDef
    parent: Parsed
    captured: tuple

    def __post_init__(self):  # named like a function, for messages and generated names
        self.__name__ = self.node.name
        self.__qualname__ = f"{self.parent.fn.__qualname__}.<locals>.{self.node.name}"

    def parameters(self) -> list:
        return [a.id for a in self.node.args.posonlyargs + self.node.args.args]

    def defaults(self) -> dict:
        params = self.parameters()
        return dict(zip(params[len(params) - len(self.node.args.defaults):], self.node.args.defaults))

    def parsed(self) -> Parsed:
        """The lifted function, ready for the passes (same file, globals and positions)."""
        import copy

        tree = copy.deepcopy(self.node)
        tree.args.args = tree.args.args + [
            gast.Name(id=n, ctx=gast.Param(), annotation=None, type_comment=None)
            for n in self.captured]
        tree.args.defaults = []  # a call from generated code passes every argument
        return Parsed(fn=self.parent.fn, tree=tree, filename=self.parent.filename,
                      namespace=self.parent.namespace)
