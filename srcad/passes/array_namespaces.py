"""The Array API idiom: ``xp = array_namespace(x)``, then ``xp.sum(...)``, ``xp.exp(...)``.

Which module ``xp`` holds depends on the arrays the call gets (NumPy's, Dask's, CuPy's,
array-api-strict's), so srcad specializes the transformation on it: :func:`statements` finds, in
a function's source, the assignments ``name = GETTER(args)`` where ``GETTER`` is a library's
function that returns an array namespace (``array_api_compat.array_namespace`` or
``.get_namespace``, SciPy's ``array_namespace``) or an argument's ``__array_namespace__``, and
each argument is read from the parameters only (a parameter the body never assigns, an item at a
constant key, an attribute: ``params["W"]``, ``self.W``). :func:`evaluate` calls each getter on
the call's own arguments, as the function itself will, and gives ``(name, module)`` pairs: part of
the :class:`~srcad.passes.parse.Specialization` (the key of the transformation), so calls with
arrays of another library get another transformation. Pass 6 then reads ``xp.sum`` as that
module's function (:mod:`srcad.passes.holders`), differentiated with the rule of its operation
(:mod:`srcad.rules.operations`).

Accepts: a parsed function (:class:`~srcad.passes.parse.Parsed`) and, for :func:`evaluate`, the
values its parameters get at one call.
Guarantees: a name is given a module only where it is bound by getters alone (not a parameter,
nor assigned otherwise) and every getter assigning it returns that same module for this call; a getter whose arguments are not read from parameters alone, one that raises or
returns something else than a module, gives its name no module, so that ``xp.sum(...)`` on it is
refused (``OPAQUE``), never read as an array's method. The getters are resolved in the function's
globals at each call (a notebook that rebinds ``array_namespace`` gets it).
"""

from __future__ import annotations

import builtins
import sys
import types

import gast
import numpy as np

from ..runtime.namespaces import foreign_array

from .parse import dotted_name, own_nodes, parameter_names, resolve_dotted

# the functions that return an array namespace: (module prefix, function name)
_GETTERS = (("array_api_compat", "array_namespace"), ("array_api_compat", "get_namespace"),
            ("scipy._lib._array_api", "array_namespace"))
METHOD = "__array_namespace__"


def is_getter(fn) -> bool:
    """Whether ``fn`` is a library's function returning the array namespace of its arguments."""
    module = getattr(fn, "__module__", None) or ""
    name = getattr(fn, "__name__", None)
    return any(module.startswith(prefix) and name == fn_name for prefix, fn_name in _GETTERS)


def getter_call(value, parsed, locals_) -> bool:
    """Whether the expression ``value`` calls a namespace getter (a static one, or the
    ``__array_namespace__`` method of a local)."""
    if not isinstance(value, gast.Call):
        return False
    func = value.func
    if isinstance(func, gast.Attribute) and func.attr == METHOD:
        return True
    if dotted_name(func) is None or any(isinstance(n, gast.Name) and n.id in locals_
                                        for n in gast.walk(func)):
        return False
    try:
        return is_getter(resolve_dotted(func, parsed.namespace, parsed.filename))
    except Exception:  # (an undefined name: reported where it is used)
        return False


HINT = ("srcad specializes on the namespace of 'xp = array_namespace(x)' where x is a parameter "
        "of the function you differentiate (or an item or attribute of one) that the body never "
        "assigns, and elsewhere takes it to be what the getter gives on the arrays the function "
        "you differentiate is called with, where they are of one library; else take xp as a "
        "parameter and pass it")


def assigned_by_getter(name, parsed) -> bool:
    """Whether the function assigns ``name`` a namespace getter's result somewhere."""
    return parsed is not None and any(
        isinstance(n, gast.Assign) and any(isinstance(t, gast.Name) and t.id == name
                                           for t in n.targets)
        and getter_call(n.value, parsed, ()) for n in own_nodes(parsed.tree))


def statements(parsed) -> tuple:
    """``((name, getter, args), ...)`` for the source's assignments ``name = getter(args)``:
    ``getter`` a dotted-name node or :data:`METHOD` (then ``args[0]`` is the array), each
    argument a path ``(parameter, (("item", key) | ("attr", name), ...))``, or None for an
    argument that is not read from parameters alone."""
    tree = parsed.tree
    params = set(parameter_names(tree.args))
    assigned = {n.id for n in own_nodes(tree) if isinstance(n, gast.Name)
                and isinstance(n.ctx, (gast.Store, gast.Del))}
    readable = params - assigned
    only = bound_by_getters_only(parsed, assigned | params)
    found = []
    for node in own_nodes(tree):
        if not (isinstance(node, gast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], gast.Name) and node.targets[0].id in only
                and getter_call(node.value, parsed, assigned | params)):
            continue
        call = node.value
        if isinstance(call.func, gast.Attribute) and call.func.attr == METHOD:
            getter, args = METHOD, [call.func.value]
        else:
            getter, args = call.func, list(call.args)
        paths = tuple(_path(a, readable) for a in args) if not call.keywords else (None,)
        found.append((node.targets[0].id, getter, paths))
    return tuple(found)


def _path(node, readable):
    steps = []
    while isinstance(node, (gast.Subscript, gast.Attribute)):
        if isinstance(node, gast.Attribute):
            steps.append(("attr", node.attr))
        elif isinstance(node.slice, gast.Constant):
            steps.append(("item", node.slice.value))
        else:
            return None
        node = node.value
    if isinstance(node, gast.Name) and node.id in readable:
        return (node.id, tuple(reversed(steps)))
    return None


def evaluate(found, parsed_namespace, filename, values) -> tuple:
    """``(namespaces, speculated)`` for the statements ``found`` (of :func:`statements`) with the
    parameters' values ``values`` (a dict): ``((name, module), ...)`` sorted by name (see the
    module docstring; a name whose getters disagree, raise, or cannot be evaluated is left out),
    and ``((getter, module), ...)``, what each getter (:func:`getter_key`) returned, where it
    returned one module (for the functions this one calls: :func:`insert_checks`)."""
    modules: dict = {}
    by_getter: dict = {}
    for name, getter, paths in found:
        key, module = _one(getter, paths, parsed_namespace, filename, values)
        if modules.get(name, module) is not module:
            module = None
        modules[name] = module
        if key is not None:
            by_getter[key] = module if by_getter.get(key, module) is module else None
    return (tuple(sorted((n, m) for n, m in modules.items() if m is not None)),
            tuple(sorted((k, m) for k, m in by_getter.items() if m is not None)))


def _one(getter, paths, namespace, filename, values):
    """``(getter key, module)`` of one statement at this call (None for what is unknown)."""
    if any(p is None or p[0] not in values for p in paths):
        return None, None
    try:
        args = []
        for param, steps in paths:
            value = values[param]
            for how, key in steps:
                value = value[key] if how == "item" else getattr(value, key)
            args.append(value)
        if getter == METHOD:
            key, method = METHOD, getattr(type(args[0]), METHOD, None)
            result = method(args[0]) if method is not None else None
        else:
            fn = resolve_dotted(getter, namespace, filename)
            key, result = _key(fn), fn(*args) if is_getter(fn) else None
    except Exception:  # (the function's own call raises it again, at the user's line)
        return None, None
    return key, (result if isinstance(result, types.ModuleType) else None)


def speculate(values) -> tuple:
    """``((getter, module), ...)``: what each getter of a library the program has imported
    (:data:`_GETTERS`, and the arrays' ``__array_namespace__``) returns on the arrays among
    ``values`` (the arguments of a call of the function differentiated, and the arrays in its
    lists, tuples and dicts), where it returns one module. For a function it calls that calls
    a getter while it has none of its own: :func:`insert_checks` takes it, checked at run
    time. Empty where no such library is imported or no argument is an array."""
    libraries = [sys.modules.get(prefix) for prefix, _ in _GETTERS]
    if not any(libraries):
        return ()
    arrays, numpy_only = [], True
    for value in values:
        for v in (value.values() if type(value) is dict else value
                  if type(value) in (list, tuple) else (value,)):
            if type(v) is np.ndarray:
                arrays.append(v)
            elif foreign_array(v):
                arrays.append(v)
                numpy_only = False
    if not arrays:
        return ()
    if numpy_only:  # (the common case: what the getters give on NumPy's arrays, once a process)
        key = tuple(library is not None for library in libraries)
        if key not in _FOR_NUMPY:
            _FOR_NUMPY[key] = _speculated([np.zeros(1)], libraries)
        return _FOR_NUMPY[key]
    return _speculated(arrays, libraries)


_FOR_NUMPY: dict = {}  # which getter libraries are imported -> what they give on NumPy's arrays


def _speculated(arrays, libraries) -> tuple:
    found = {}
    for library, (_, name) in zip(libraries, _GETTERS):
        fn = getattr(library, name, None)
        if fn is not None and is_getter(fn):
            try:
                module = fn(*arrays)
            except Exception:  # (arrays of two libraries: none)
                continue
            if isinstance(module, types.ModuleType):
                found[_key(fn)] = module
    methods = {getattr(type(a), METHOD, None) for a in arrays}
    if len(methods) == 1 and None not in methods:
        try:
            modules = {getattr(type(a), METHOD)(a) for a in arrays}
        except Exception:
            modules = set()
        if len(modules) == 1 and isinstance(next(iter(modules)), types.ModuleType):
            found[METHOD] = modules.pop()
    return tuple(sorted(found.items()))


_RETURNS: dict = {}  # code object -> what its returns are, read once (bounded: cleared at 1024)


def returns_module(fn) -> bool:
    """Whether a user's function may return a module: a ``return`` of a namespace getter's
    call, of a name a getter assigns, or of a module named statically (``return np``). The
    source is read once per code object (a redefined function has a new one); the static names
    are looked up at every call (a notebook may rebind ``BACKEND = np``)."""
    found = _RETURNS.get(fn.__code__)
    if found is None:
        if len(_RETURNS) >= 1024:
            _RETURNS.clear()
        found = _RETURNS[fn.__code__] = _read_returns(fn)
    return found is True or any(isinstance(_value_of(node, fn), types.ModuleType)
                                for node in found)


def _read_returns(fn):
    """``True`` where a return is a getter's answer, else the static expressions returned."""
    from ..errors import SrcadError
    from .parse import parse
    try:
        parsed = parse(fn)
    except SrcadError:
        return ()
    static = []
    for node in own_nodes(parsed.tree):
        if not isinstance(node, gast.Return) or node.value is None:
            continue
        value = node.value
        if getter_call(value, parsed, ()) or isinstance(value, gast.Name) \
                and assigned_by_getter(value.id, parsed):
            return True
        if _static(value):
            static.append(value)
    return tuple(static)


def _value_of(node, fn):
    """What a dotted name or constant subscript denotes in ``fn``'s closure, globals or
    builtins now (``None`` where it denotes nothing)."""
    try:
        if isinstance(node, gast.Subscript):
            return _value_of(node.value, fn)[node.slice.value]
        if isinstance(node, gast.Attribute):
            return getattr(_value_of(node.value, fn), node.attr)
        code = fn.__code__
        if node.id in code.co_freevars:
            return fn.__closure__[code.co_freevars.index(node.id)].cell_contents
        if node.id in fn.__globals__:
            return fn.__globals__[node.id]
        return getattr(builtins, node.id)
    except Exception:  # (a local name, a missing key: not a module srcad can see)
        return None


def _static(node) -> bool:
    if isinstance(node, gast.Subscript):
        return isinstance(node.slice, gast.Constant) and _static(node.value)
    return dotted_name(node) is not None


def _key(fn) -> str:
    return f"{getattr(fn, '__module__', '')}.{getattr(fn, '__name__', '')}"


def getter_key(value, parsed) -> str | None:
    """Which getter the call ``value`` is (:func:`getter_call`): :data:`METHOD`, or its module
    and name."""
    func = value.func
    if isinstance(func, gast.Attribute) and func.attr == METHOD:
        return METHOD
    try:
        return _key(resolve_dotted(func, parsed.namespace, parsed.filename))
    except Exception:
        return None


def insert_checks(parsed, local_names) -> None:
    """In a function srcad did not specialize on its own getters (a function the differentiated
    one calls, or a getter of the differentiated one whose arguments are not its parameters'),
    ``xp = array_namespace(z)`` is taken to return what the same getter returned in the function
    differentiated, or else on the arrays of its call (:func:`speculate`; ``parsed.speculated``),
    and a check follows it in the code:
    ``expect_namespace(xp, "<that module's name>", "file:line")`` raises a SrcadError at run time
    where it returns another module (arrays of two libraries). Each name so assigned gets that
    module in ``parsed.namespaces``, where the getters are its only bindings (not a parameter:
    ``def h(z, xp=None)`` may be given another module); a name whose getters would give two
    modules gets none (refused)."""
    speculated = getattr(parsed, "speculated", {})
    if not speculated:
        return
    found: dict = {}
    only = bound_by_getters_only(parsed, local_names)
    for body in _bodies(parsed.tree):
        for k in range(len(body) - 1, -1, -1):
            stmt = body[k]
            if not (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1
                    and isinstance(stmt.targets[0], gast.Name)
                    and stmt.targets[0].id not in parsed.namespaces
                    and stmt.targets[0].id in only
                    and getter_call(stmt.value, parsed, local_names)):
                continue
            name, module = stmt.targets[0].id, speculated.get(getter_key(stmt.value, parsed))
            found[name] = module if found.get(name, module) is module else None
            if module is not None:
                body.insert(k + 1, _check(stmt, name, module, parsed, local_names))
    parsed.namespaces.update((n, m) for n, m in found.items() if m is not None)


def bound_by_getters_only(parsed, local_names) -> set:
    """The names the function binds only by ``name = GETTER(...)`` statements: not parameters,
    and never a target of anything else (an assignment, a loop, ``with ... as``, an import)."""
    tree = parsed.tree
    getters: dict = {}
    for node in own_nodes(tree):
        if isinstance(node, gast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], gast.Name) \
                and getter_call(node.value, parsed, local_names):
            getters[node.targets[0].id] = getters.get(node.targets[0].id, 0) + 1
    stores: dict = {}
    for node in own_nodes(tree):
        if isinstance(node, gast.Name) and isinstance(node.ctx, (gast.Store, gast.Del)):
            stores[node.id] = stores.get(node.id, 0) + 1
        elif isinstance(node, gast.alias):  # (import ... as xp)
            bound = (node.asname or node.name).split(".")[0]
            stores[bound] = stores.get(bound, 0) + 1
    params = set(parameter_names(tree.args))
    return {n for n, k in getters.items() if n not in params and stores.get(n, 0) == k}


def _bodies(tree):
    yield tree.body
    for node in own_nodes(tree):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if node is not tree and isinstance(block, list) and block \
                    and isinstance(block[0], gast.stmt):
                yield block
        for handler in getattr(node, "handlers", ()):
            yield handler.body


def _check(stmt, name, module, parsed, local_names):
    from ..runtime.namespaces import expect_namespace
    checker = _free("expect_namespace", expect_namespace, parsed, local_names)
    parsed.namespace.extra[checker] = expect_namespace
    where = f"{parsed.filename}:{stmt.lineno}"
    call = gast.Call(func=_name(checker), args=[
        _name(name), gast.Constant(value=module.__name__, kind=None),
        gast.Constant(value=where, kind=None)], keywords=[])
    check = gast.Expr(value=call)
    for node in gast.walk(check):
        gast.copy_location(node, stmt)
    return check


def _free(hint, value, parsed, local_names):
    name, k = hint, 1
    while name in local_names or (parsed.namespace.lookup(name, None) not in (None, value)):
        k += 1
        name = f"{hint}_{k}"
    return name


def _name(id_):
    return gast.Name(id=id_, ctx=gast.Load(), annotation=None, type_comment=None)
