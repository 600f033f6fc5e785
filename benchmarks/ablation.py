"""What would close the gap: srcad's generated code, edited by machine, re-timed.

This does not change srcad. It takes the text srcad generated for a workload (``srcad.source``),
applies edits that a smarter srcad could make, compiles the result with the same names in scope and
times it. Each step adds one edit to the previous ones; every variant's gradient is checked against
the hand-written one before it is timed, so an edit that is wrong for a workload shows up as such.

Steps:

* ``as generated``: the text unchanged, compiled here (the control: srcad's time without the
  ``Derived.__call__`` wrapper);
* ``unbroadcast fast path``: the generated text unchanged, with ``unbroadcast`` given a fast path
  (return ``g`` when both are Python floats or arrays of one shape): a change to
  ``srcad/runtime/broadcasting.py`` alone. The next steps start again from the generated text;
* ``- unbroadcast``: ``unbroadcast(g, x)`` replaced by ``g`` at every call site where, in one run
  of the code, ``g`` always had ``x``'s shape already (``unbroadcast`` returned ``g`` itself); the
  other sites keep the call (e.g. the MLP's ``max(..., keepdims=True)``, which does broadcast).
  srcad could decide this statically for most statements (shape inference; ``+``/``*`` of two
  values of one shape, a scalar constant operand), or once per call site at run time (specialize
  the generated code on the argument shapes at first call) instead of on every execution;
* ``- dead saves``: the ``stack.append(v)``/``v = stack.pop()`` pairs (and ``v_old`` saves) for
  values the backward pass no longer reads once ``unbroadcast`` is gone (they were saved only for
  their shape);
* ``+ in-place accumulation``: ``dv = dv + e`` becomes ``dv += e`` for the adjoints that start from
  ``zeros_like`` (accumulators the generated code owns), so a loop stops allocating a fresh
  gradient array per iteration;
* ``+ matmul adjoints specialized``: ``matmul_dx(g, x, y)``/``matmul_dy(g, x, y)`` replaced, at each
  call site whose operands' dimensions did not vary, by the expression for those dimensions
  (``np.outer(g, y)``, ``x.T @ g``, ``g @ y.T``), as srcad could once it knows the dimensions.
"""

from __future__ import annotations

import ast

import numpy as np


def _is_call(node, name):
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name


class _NumberUnbroadcast(ast.NodeTransformer):
    """``unbroadcast(g, x)`` -> ``__site(k, g, x)``: each call site numbered, to record shapes."""

    def __init__(self):
        self.sites = 0

    def visit_Call(self, node):
        self.generic_visit(node)
        if _is_call(node, "unbroadcast") and len(node.args) == 2:
            k = self.sites
            self.sites += 1
            return ast.Call(ast.Name("__site", ast.Load()), [ast.Constant(k)] + node.args, [])
        return node


class _DropSites(ast.NodeTransformer):
    """``__site(k, g, x)`` -> ``g`` where site ``k`` never broadcast, else back to ``unbroadcast``."""

    def __init__(self, identity):
        self.identity = identity

    def visit_Call(self, node):
        self.generic_visit(node)
        if _is_call(node, "__site"):
            if node.args[0].value in self.identity:
                return node.args[1]
            return ast.Call(ast.Name("unbroadcast", ast.Load()), node.args[1:], [])
        return node


def _identity_sites(fn_tree, user_fn, args):
    """Run the numbered code once; the sites where ``g`` always had ``x``'s shape (and so
    ``unbroadcast`` returned ``g`` itself)."""
    from srcad.runtime import unbroadcast

    seen = {}

    def site(k, g, x):
        r = unbroadcast(g, x)
        seen[k] = seen.get(k, True) and r is g
        return r

    fn = compile_variant(ast.unparse(fn_tree), user_fn, {"__site": site})
    fn(*args)
    return {k for k, same in seen.items() if same}


def _loaded_names(tree, skip):
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and id(node) not in skip:
            names[node.id] = names.get(node.id, 0) + 1
    return names


def _is_push(stmt):
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) \
        and isinstance(stmt.value.func, ast.Attribute) and stmt.value.func.attr == "append" \
        and isinstance(stmt.value.func.value, ast.Name) and stmt.value.func.value.id == "stack" \
        and len(stmt.value.args) == 1 and isinstance(stmt.value.args[0], ast.Name)


def _is_pop(stmt):
    return isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
        and isinstance(stmt.targets[0], ast.Name) and isinstance(stmt.value, ast.Call) \
        and isinstance(stmt.value.func, ast.Attribute) and stmt.value.func.attr == "pop" \
        and isinstance(stmt.value.func.value, ast.Name) and stmt.value.func.value.id == "stack"


def _drop_dead_saves(fn: ast.FunctionDef):
    """Remove the saves of values the backward pass does not read: ``stack.append(v)`` in the
    forward sweep with its ``v = stack.pop()`` in the backward sweep, when no statement of the
    backward sweep other than the pop itself reads ``v``. The backward sweep starts at the
    ``seed_scalar`` statement."""
    seed = next(k for k, s in enumerate(fn.body) if isinstance(s, ast.Assign)
                and _is_call(s.value, "seed_scalar"))
    backward = fn.body[seed:]
    read = set()
    for stmt in backward:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                read.add(node.id)
    pushed = {n.value.args[0].id for n in ast.walk(fn) if _is_push(n)}
    dead = pushed - read

    def keep(stmt):
        if _is_push(stmt) and stmt.value.args[0].id in dead:
            return False
        if _is_pop(stmt) and stmt.targets[0].id in dead:
            return False
        return True

    for node in ast.walk(fn):
        for field in ("body", "orelse"):
            body = getattr(node, field, None)
            if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
                setattr(node, field, [s for s in body if keep(s)] or [ast.Pass()])
    return fn


def _in_place(fn: ast.FunctionDef):
    """``dv = dv + e`` -> ``dv += e`` for names first bound to ``zeros_like(...)``."""
    owned = set()
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name) and _is_call(node.value, "zeros_like"):
            owned.add(node.targets[0].id)
    # a name assigned anything but zeros_like(...) or itself + e is not owned
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            v = node.value
            if name in owned and not _is_call(v, "zeros_like") and not (
                    isinstance(v, ast.BinOp) and isinstance(v.op, ast.Add)
                    and isinstance(v.left, ast.Name) and v.left.id == name):
                owned.discard(name)

    class T(ast.NodeTransformer):
        def visit_Assign(self, node):
            if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                    and node.targets[0].id in owned and isinstance(node.value, ast.BinOp) \
                    and isinstance(node.value.op, ast.Add) and isinstance(node.value.left, ast.Name) \
                    and node.value.left.id == node.targets[0].id:
                return ast.copy_location(ast.AugAssign(
                    target=ast.Name(node.targets[0].id, ast.Store()), op=ast.Add(),
                    value=node.value.right), node)
            return node

    return T().visit(fn)


class _NumberMatmul(ast.NodeTransformer):
    """``matmul_dx(g, x, y)`` -> ``__mm(k, "dx", g, x, y)`` (likewise ``matmul_dy``), to record the
    operands' dimensions at each call site."""

    def __init__(self):
        self.sites = 0

    def visit_Call(self, node):
        self.generic_visit(node)
        for which in ("matmul_dx", "matmul_dy"):
            if _is_call(node, which) and len(node.args) == 3:
                k = self.sites
                self.sites += 1
                return ast.Call(ast.Name("__mm", ast.Load()),
                                [ast.Constant(k), ast.Constant(which)] + node.args, [])
        return node


# the adjoint of x @ y for known dimensions (x.ndim, y.ndim), as a person writes it
_MATMUL = {
    ("matmul_dx", 2, 2): "g @ y.T", ("matmul_dy", 2, 2): "x.T @ g",
    ("matmul_dx", 2, 1): "np.outer(g, y)", ("matmul_dy", 2, 1): "x.T @ g",
    ("matmul_dx", 1, 2): "y @ g", ("matmul_dy", 1, 2): "np.outer(x, g)",
}


class _SpecializeMatmul(ast.NodeTransformer):
    def __init__(self, dims):
        self.dims = dims

    def visit_Call(self, node):
        self.generic_visit(node)
        if not _is_call(node, "__mm"):
            return node
        k, which = node.args[0].value, node.args[1].value
        g, x, y = node.args[2:]
        form = _MATMUL.get((which,) + self.dims.get(k, (0, 0)))
        if form is None:
            return ast.Call(ast.Name(which, ast.Load()), [g, x, y], [])
        expr = ast.parse(form, mode="eval").body

        class Sub(ast.NodeTransformer):
            def visit_Name(self, n):
                return {"g": g, "x": x, "y": y}.get(n.id, n)

        return Sub().visit(expr)


def _matmul_dims(fn_tree, user_fn, args):
    """Run the numbered code once: each matmul site's (x.ndim, y.ndim), if it never varied."""
    from srcad.runtime import matmul_dx, matmul_dy, unbroadcast

    seen = {}

    def mm(k, which, g, x, y):
        dims = (np.ndim(x), np.ndim(y))
        seen[k] = dims if seen.get(k, dims) == dims else None
        return (matmul_dx if which == "matmul_dx" else matmul_dy)(g, x, y)

    fn = compile_variant(ast.unparse(fn_tree), user_fn, {"__mm": mm, "unbroadcast": unbroadcast})
    fn(*args)
    return {k: d for k, d in seen.items() if d is not None}


STEPS = ("as generated", "unbroadcast fast path", "- unbroadcast", "- dead saves",
         "+ in-place accumulation", "+ matmul adjoints specialized")


def fast_unbroadcast():
    """``srcad.runtime.unbroadcast`` with a fast path in front: ``g`` itself when ``g`` and ``x``
    are both Python floats, or both arrays of one shape (a change to the runtime alone)."""
    from srcad.runtime import unbroadcast

    ndarray = np.ndarray

    def unbroadcast_fast(g, x):
        tx = type(x)
        if tx is float and type(g) is float:
            return g
        if tx is ndarray and type(g) is ndarray and g.shape == x.shape:
            return g
        return unbroadcast(g, x)

    return unbroadcast_fast


def variants(text: str, user_fn, args):
    """(step name, source text, extra names) for each step. The second step is the generated text
    with a faster ``unbroadcast``; the steps after it start again from the generated text and each
    adds one edit to the previous."""
    tree = ast.parse(text)
    fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef))
    out = [(STEPS[0], ast.unparse(fn), {})]
    out.append((STEPS[1], ast.unparse(fn), {"unbroadcast": fast_unbroadcast()}))
    fn = _NumberUnbroadcast().visit(fn)
    ast.fix_missing_locations(fn)
    fn = _DropSites(_identity_sites(fn, user_fn, args)).visit(fn)
    out.append((STEPS[2], ast.unparse(fn), {}))
    fn = _drop_dead_saves(fn)
    out.append((STEPS[3], ast.unparse(fn), {}))
    fn = _in_place(fn)
    ast.fix_missing_locations(fn)
    out.append((STEPS[4], ast.unparse(fn), {}))
    fn = _NumberMatmul().visit(fn)
    ast.fix_missing_locations(fn)
    fn = _SpecializeMatmul(_matmul_dims(fn, user_fn, args)).visit(fn)
    ast.fix_missing_locations(fn)
    out.append((STEPS[5], ast.unparse(fn), {}))
    return out


def compile_variant(text: str, user_fn, extra=None):
    """Compile one variant with the user's globals and srcad's helpers in scope."""
    from srcad.rules import TEMPLATE_NAMESPACE

    scope = dict(user_fn.__globals__)
    scope.update(TEMPLATE_NAMESPACE)
    scope.update(extra or {})
    code = compile(text, f"<ablation of {user_fn.__name__}>", "exec")
    exec(code, scope)
    name = next(n.name for n in ast.parse(text).body if isinstance(n, ast.FunctionDef))
    return scope[name]


def run(w, srcad_source: str, measure_all, check, reference_calls: dict):
    """Time each variant for workload ``w``, in turns with ``reference_calls`` (name -> function,
    e.g. the hand-written gradient and srcad itself, measured again alongside for the ratios).
    ``check(grads) -> rel error``; ``measure_all({name: fn}) -> {name: Timing}``."""
    rows, fns = [], dict(reference_calls)
    for step, text, extra in variants(srcad_source, w.fn, w.args):
        try:
            fn = compile_variant(text, w.fn, extra)
            grads = fn(*w.args)[1]
            if len(w.argnums) == 1 and not isinstance(grads, tuple):
                grads = (grads,)
            err = check([np.asarray(g) for g in grads])
            if not err <= 1e-8:
                rows.append(dict(step=step, error=f"gradient differs (rel. error {err:.1e})"))
                continue
            fns[step] = (lambda fn=fn: fn(*w.args))
            rows.append(dict(step=step, rel_err=err, source=text))
        except Exception as exc:  # noqa: BLE001 - reported, not fatal
            rows.append(dict(step=step, error=f"{type(exc).__name__}: {exc}"))
    timings = measure_all(fns)
    for row in rows:
        if row["step"] in timings:
            row["time"] = timings[row["step"]].as_dict()
    for name in reference_calls:
        rows.append(dict(step=f"reference: {name}", time=timings[name].as_dict()))
    return rows
