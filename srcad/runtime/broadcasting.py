"""Runtime helpers: the adjoints of broadcasting, of reductions and of scans.

Accepts: an adjoint ``g`` and the primal values the rule names (for their shapes, masks, results).
Guarantees: the result is shaped like the primal operand it is the gradient of (``unbroadcast``
sums ``g`` down to ``x``'s shape; ``unsum``, ``unmax``, ``unnorm``, ... spread it back over the
reduced axes). Conventions where a derivative is undefined are stated where they are decided and
collected in docs/rules.md. Each helper declares its own derivative with
:func:`srcad.runtime.helper` (the rule forward mode uses for Hessian-vector products). The
derivatives of elementwise functions at their special points (``abs``, ``**``, ``np.clip``,
``np.sinc``, the builtin ``max``/``min``) are in :mod:`.elementwise`; the checks that refuse a
complex value where a rule is written for real ones (:func:`refuse_complex`) are here.
"""

from __future__ import annotations

import numpy as np

from ._registry import helper
from .containers import _advanced, _float_dtype, adjoint_like, zeros_like
from .namespaces import as_array, as_float_array, foreign_array, namespace, spread


def _normalize_axis(axis, ndim):
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(a % ndim if ndim else a for a in axes)


def _unsupported(message, hint=None):
    from ..errors import UnsupportedOperationError
    return UnsupportedOperationError(message, hint=hint)


COMPLEX_HINT = ("srcad differentiates complex values where a function's rule says so "
                "(docs/rules.md's 'complex' column, docs/complex.md); for this one, carry the real "
                "and imaginary parts as two real arrays, or give it a gradient with srcad.defvjp")


_SCALAR_TYPES = frozenset({float, int, np.float64, np.float32, np.int64})
_REAL_TYPES = frozenset({float, int, bool, np.float64, np.float32, np.int64, np.int32, np.bool_})


def refuse_complex(x, what, why="its derivative is written for real values"):
    """Refuse a complex ``x`` reaching a derivative written for real values only (``what`` and
    ``why`` say which and why, in the message)."""
    if np.iscomplexobj(x):
        raise _unsupported(f"srcad does not differentiate {what} of a complex value that needs a "
                           f"gradient ({why})", COMPLEX_HINT)


def refuse_complex_vectors(x, what):
    """Refuse a complex ``x`` reaching the derivative of a decomposition with vectors."""
    refuse_complex(x, what, "its vectors have an arbitrary phase each: a tangent in another phase "
                            "than LAPACK's would be a wrong number")


@helper(linear_in="g")
def real_operands(g, function, operands):
    """``g``, once no value of ``operands`` (the arguments of a call of ``function``) is complex:
    the rules of functions of real values only (``scipy.stats``) refuse a complex argument at run
    time, as their formulas would give a wrong number for one, never a silent one."""
    for x in operands:
        if type(x) not in _REAL_TYPES and np.iscomplexobj(x):  # (the fast path: real numbers)
            raise _unsupported(f"srcad does not differentiate {function} with a complex argument "
                               "(its derivative is written for real values)", COMPLEX_HINT)
    return g


@helper(nondiff=True)
def inverse_axes(axes, ndim):
    """The axes that undo ``np.transpose(a, axes)`` (``a`` of ``ndim`` dimensions), as a tuple of
    Python integers (what every library's transpose takes)."""
    return tuple(np.argsort(np.mod(axes, ndim)).tolist())


@helper(linear_in="g")
def unbroadcast(g, x):
    """Sum ``g`` down to the shape of ``x``: the adjoint of NumPy broadcasting ``x`` up to ``g``'s shape.
    A complex ``g`` for a real ``x`` gives its real part (the convention of :mod:`srcad.rules.fft`)."""
    tg, tx = type(g), type(x)
    if tg in _SCALAR_TYPES and tx in _SCALAR_TYPES:  # the fast paths: nothing was broadcast
        return g
    if tg is np.ndarray and tx is np.ndarray and g.shape == x.shape \
            and (g.dtype.kind != "c" or x.dtype.kind == "c"):
        return g
    if isinstance(x, (list, tuple)):
        from ..errors import SrcadError
        raise SrcadError(
            "a list or tuple met '+' or '*' where srcad expected numbers or arrays: srcad "
            "treats '+' and '*' as list concatenation and repetition only for lists it can see "
            "being built (a literal, or '+' of one); convert the argument with np.asarray, or "
            "build the list inside the function")
    if np.iscomplexobj(g) and not np.iscomplexobj(x):  # a real x: the real part (srcad.rules.fft)
        g = np.real(g)
    shape = np.shape(x)
    if np.shape(g) == shape:
        return g
    g = as_array(g)
    if g.ndim < len(shape):  # a scalar zero adjoint: it broadcasts wherever it is added
        return g[()] if g.ndim == 0 else g
    extra = g.ndim - len(shape)
    if extra > 0:
        g = g.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    if not shape:  # a Python or NumPy scalar: give back a scalar
        return g[()]
    return g


@helper(linear_in="g")
def unsetitem(g, index, value):
    """The gradient of ``value`` in ``x[index] = value``: ``g[index]`` summed to ``value``'s shape,
    where only the write that survives counts when an index array repeats a position (NumPy keeps
    the last). For a dict (or list) ``x``, ``index`` is its key (or position)."""
    if isinstance(g, (dict, list, tuple)):
        return unbroadcast(g[index], value)
    part = as_array(g)[index]
    if _advanced(index):
        parts = index if isinstance(index, tuple) else (index,)
        if any(foreign_array(p) for p in parts):
            _refuse_repeated_positions(g, index)  # (else each position is written once)
            return unbroadcast(part, value)
        ids = np.full(np.shape(g), -1)  # (the index on the host: which write survives, found there)
        order = np.arange(int(np.prod(np.shape(part)))).reshape(np.shape(part))
        ids[index] = order
        kept = ids[index] == order
        if not kept.all() and (type(part).__module__ or "").split(".")[0] == "cupy":
            _refuse_repeats("cupy", "a NumPy index array or list")
        kept = as_array(kept, like=part)
        part = np.where(kept, part, 0)  # (an infinity of a write overwritten: 0, not 0 * inf)
    return unbroadcast(part, value)


def _refuse_repeated_positions(g, index):
    """Refuse a write through another library's index array (``index``, into an array shaped like
    ``g``) that repeats a position: which of the writes survives is NumPy's last, CuPy's
    undefined, and finding them would compute a Dask index. On CuPy the positions written are
    gathered on the device and their unique count read: one synchronisation."""
    from ..errors import UnsupportedOperationError
    library = next((type(p).__module__ or "").split(".")[0]
                   for p in (index if isinstance(index, tuple) else (index,)) if foreign_array(p))
    if library == "dask":
        raise UnsupportedOperationError(
            "srcad does not differentiate a write through a Dask index array (x[idx] = v): "
            "the gradient needs to know which positions it repeats, which would compute it",
            hint="index with a NumPy array (idx.compute()) or a list")
    xp = namespace(g)
    positions = xp.reshape(xp.arange(int(np.prod(g.shape))), tuple(g.shape))[index]
    if int(np.unique(positions).size) != int(positions.size):
        _refuse_repeats(library, f"a {library} index array")


def _refuse_repeats(library, what):
    from ..errors import UnsupportedOperationError
    raise UnsupportedOperationError(
        f"srcad does not differentiate a write into a {library} array through {what} that repeats "
        f"a position (x[idx] = v): {library} keeps one of the writes, not defined which (NumPy "
        "the last)", hint="write through distinct positions, or add with np.add.at")


@helper(linear_in="g")
def cast_like(g, x):
    """The derivative of NumPy's cast of a value to ``x``'s dtype, which ``x[index] = value`` does:
    ``g`` where ``x`` holds floating point numbers (or is a list), zero where it holds integers or
    booleans (the cast truncates: a step function, whose derivative is zero)."""
    if getattr(getattr(x, "dtype", None), "kind", "f") in "biu":
        return zeros_like(g)
    return g


_REAL_SCALARS = frozenset({float, np.float64, np.float32})
_STAND_INS: dict = {}  # (shape, dtype) -> shape_only's read-only stand-in (at most 256)
_STAND_IN_BYTES = 1024  # the smallest array shape_only replaces


@helper(nondiff=True)
def shape_only(x):
    """``x`` kept for ``unbroadcast``/``unsum``/``unmean``, which read only its type, shape and
    dtype: for a NumPy array of a kilobyte or more, a read-only array of that shape and dtype
    whose entries all share one zero (no memory of its own; below a kilobyte the array's own
    header is about as large, and making the stand-in costs more than it saves); anything else
    as it is. The reverse pass saves this in a loop for a value the backward sweep reads for its
    shape only (the tape then holds no copy of it)."""
    if type(x) is np.ndarray and x.nbytes >= _STAND_IN_BYTES and x.dtype.kind in "fc":
        key = (x.shape, x.dtype)
        found = _STAND_INS.get(key)
        if found is None:  # (read-only, so one per shape and dtype serves every call)
            zero = np.zeros(1, x.dtype)
            zero.flags.writeable = False
            found = np.ndarray(x.shape, x.dtype, zero, 0, (0,) * x.ndim)
            if len(_STAND_INS) >= 256:
                _STAND_INS.clear()
            _STAND_INS[key] = found
        return found
    return x



@helper(linear_in="g")
def unsum(g, x, axis=None, keepdims=False):
    """Adjoint of ``np.sum(x, axis, keepdims)``: spread ``g`` back over the summed axes."""
    if axis is None and type(x) is np.ndarray and type(g) in _REAL_SCALARS and x.ndim \
            and x.size <= 4096:
        return np.full(x.shape, g)  # (a small array: filling it beats building a view)
    shape = np.shape(x)
    if not shape:  # NumPy lets a 0-d value be reduced along axis 0 or -1: nothing to spread
        return np.reshape(g, ())[()]
    if foreign_array(x) and not foreign_array(g):  # (a number: an array of x's library, weak)
        xp = namespace(x)
        g = xp.asarray(g, dtype=getattr(xp, np.dtype(_float_dtype(x, g)).name))
    if axis is not None and not keepdims:
        g = np.expand_dims(g, _normalize_axis(axis, len(shape)))
    # a read-only view, not a copy: the generated code writes only into buffers it owns (pass 11
    # copies any other before it changes it), and what reaches the user is made writable
    # (:func:`srcad.runtime.containers.writable`)
    return spread(g, shape, x)


@helper(linear_in="g")
def unmean(g, x, axis=None, keepdims=False):
    """Adjoint of ``np.mean(x, axis, keepdims)``: ``unsum`` divided by the number averaged."""
    shape = np.shape(x)
    if axis is None or not shape:
        count = int(np.prod(shape))
    else:
        count = int(np.prod([shape[a] for a in _normalize_axis(axis, len(shape))]))
    return unsum(g, x, axis, keepdims) / count


@helper(linear_in="g")
def unmax(g, x, ans, axis=None, keepdims=False):
    """Adjoint of ``np.max``/``np.min`` (``ans`` is the result): ``g`` goes to the entries equal to
    the extremum, split evenly between them at a tie."""
    shape = np.shape(x)
    if not shape:
        return np.reshape(g, ())[()]
    if axis is not None and not keepdims:
        axes = _normalize_axis(axis, len(shape))
        g, ans = np.expand_dims(g, axes), np.expand_dims(ans, axes)
    elif axis is None and not keepdims:
        g, ans = np.reshape(g, (1,) * len(shape)), np.reshape(ans, (1,) * len(shape))
    mask = as_array(x) == ans
    count = mask.sum(axis=axis, keepdims=True) if axis is not None else mask.sum()
    dtype = _float_dtype(g, x)  # (an integer count would make a float32 gradient float64)
    result = (g * mask).astype(dtype, copy=False) / count.astype(dtype)
    return result[()] if not shape else result


def _reduced_axes(shape, axis):
    if axis is None or not shape:
        return tuple(range(len(shape)))
    return _normalize_axis(axis, len(shape))


def _expand_reduced(g, shape, axis, keepdims):
    """``g`` of a reduction, with the reduced axes put back (size 1), ready to broadcast."""
    if keepdims:
        return as_array(g)
    return np.reshape(g, [1 if k in _reduced_axes(shape, axis) else n for k, n in enumerate(shape)])


@helper(linear_in="g", jvp={"a": "unprod_da(g, a, axis, keepdims, t)"})  # (ans: not read)
def unprod(g, a, ans, axis=None, keepdims=False):
    """Adjoint of ``np.prod``: ``g`` times the product of the *other* entries (exact with zeros)."""
    a = as_array(a)
    if a.ndim == 0:
        return g
    axes = _reduced_axes(a.shape, axis)
    g = _expand_reduced(g, a.shape, axis, keepdims)
    kept = [k for k in range(a.ndim) if k not in axes]
    moved = np.transpose(a, kept + list(axes))
    flat = moved.reshape(moved.shape[:len(kept)] + (-1,))
    ones = np.ones_like(flat[..., :1])  # (in flat's library)
    left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    right = np.flip(np.cumprod(np.concatenate([ones, np.flip(flat, -1)[..., :-1]], axis=-1), -1), -1)
    others = (left * right).reshape(moved.shape)
    others = np.transpose(others, tuple(np.argsort(kept + list(axes)).tolist()))
    return g * others


@helper(linear_in=("g", "a"))
def unvar(g, a, axis=None, ddof=0, keepdims=False):
    """Adjoint of ``np.var``: 2 conj(a - mean) / (N - ddof), times ``g`` (the variance of a complex
    ``a`` is the mean of ``|a - mean|^2``; conj is real-linear, so this is linear in ``a``)."""
    a = as_array(a)
    count = int(np.prod([a.shape[k] for k in _reduced_axes(a.shape, axis)]))
    g = _expand_reduced(g, a.shape, axis, keepdims)
    return g * 2 * np.conj(a - a.mean(axis=axis, keepdims=True)) / (count - ddof)


@helper(linear_in=("g", "a"), jvp={"ans": "unstd(-g * t / ans, a, ans, axis, ddof, keepdims)"})
def unstd(g, a, ans, axis=None, ddof=0, keepdims=False):
    """Adjoint of ``np.std``: that of ``var`` over 2 std; 0 where the std is 0 (a constant slice)."""
    ans = as_array(ans)
    safe = np.where(ans == 0, 1, ans)
    return unvar(np.where(ans == 0, 0, as_array(g) / (2 * safe)), a, axis, ddof, keepdims)


@helper(linear_in="g")
def uncumsum(g, a, axis=None):
    """Adjoint of ``np.cumsum``: a cumulative sum from the other end."""
    if axis is None:
        return np.reshape(np.flip(np.cumsum(np.flip(np.ravel(g)))), np.shape(a))
    return np.flip(np.cumsum(np.flip(g, axis), axis), axis)


@helper(linear_in="g", jvp={"a": "uncumprod_da(g, a, axis, t)"})  # (ans: not read)
def uncumprod(g, a, ans, axis=None):
    """Adjoint of ``np.cumprod`` (exact with zeros: each entry's partial products recomputed)."""
    shape = np.shape(a)
    if axis is None:
        a, g, ans, axis = np.ravel(a), np.ravel(g), np.ravel(ans), 0
    dtype = _float_dtype(a, g)  # (complex for a complex product or cotangent)
    if foreign_array(a) or foreign_array(g):  # (their own operations: nothing computed)
        a, g = np.moveaxis(as_float_array(a, dtype), axis, -1), np.moveaxis(g, axis, -1)
        k = namespace(a).arange(a.shape[-1])
        result = np.stack([np.sum(g[..., i:] * np.cumprod(np.where(k == i, 1, a), axis=-1)[..., i:],
                                  axis=-1) for i in range(a.shape[-1])], axis=-1)
        return np.reshape(np.moveaxis(result, -1, axis), shape)
    a, g = np.moveaxis(np.asarray(a, dtype=dtype), axis, -1), np.moveaxis(as_array(g), axis, -1)
    n = a.shape[-1]
    result = np.zeros(np.broadcast_shapes(a.shape, g.shape), dtype=dtype)
    for i in range(n):  # d out_j / d a_i = prod_{k <= j, k != i} a_k for j >= i
        others = a.copy()
        others[..., i] = 1
        partial = np.cumprod(others, axis=-1)[..., i:]
        result[..., i] = np.sum(g[..., i:] * partial, axis=-1)
    result = np.moveaxis(result, -1, axis)
    return np.reshape(result, shape)


@helper(linear_in="g", jvp={"x": "norm_adjoint_dx(g, x, ans, ord, axis, keepdims, t)",
                            "ans": "norm_adjoint_dans(g, x, ans, ord, axis, keepdims, t)"})
def unnorm(g, x, ans, ord=None, axis=None, keepdims=False):
    """Adjoint of ``np.linalg.norm`` for the vector and matrix norms NumPy computes. A complex
    ``x`` gets JAX's convention: each ``d|x_k| = Re(conj(x_k) dx_k) / |x_k|`` puts
    ``conj(x_k) / |x_k|`` (``conj(np.sign(x_k))``) where a real ``x_k`` has its sign, and the
    matrix norms' ``U V^T`` is ``conj(U V^H)``.

    At a point where the norm is not differentiable (x = 0 for the 2-norm, ties for the max-norms,
    0 for the 1-norm's |x|), the gradient is 0 there, or split evenly between tied entries."""
    x = as_array(x)
    sign = np.conj(np.sign(x))  # (NumPy 2: x / |x| for a complex x)
    matrix = (axis is None and x.ndim == 2 and ord is not None) or (isinstance(axis, tuple) and len(axis) == 2) \
        or ord in ("fro", "nuc")
    if axis is None and not matrix:
        ax = None
    else:
        ax = axis
    if matrix:
        ax = (0, 1) if axis is None else tuple(a % x.ndim for a in axis)
        gx = _expand_reduced(g, x.shape, ax, keepdims)
        ansx = _expand_reduced(ans, x.shape, ax, keepdims)
        if ord in (None, "fro"):
            return gx * np.conj(x) / np.where(ansx == 0, 1, ansx)
        moved = np.moveaxis(x, ax, (-2, -1))
        gm = np.moveaxis(gx, ax, (-2, -1))
        if ord == "nuc":
            u, _, vt = np.linalg.svd(moved, full_matrices=False)
            return np.moveaxis(gm * np.conj(u @ vt), (-2, -1), ax)
        if ord in (2, -2):
            u, s, vt = np.linalg.svd(moved, full_matrices=False)
            k = 0 if ord == 2 else -1
            outer = u[..., :, k, None] * vt[..., None, k, :]
            return np.moveaxis(gm * np.conj(outer), (-2, -1), ax)
        if ord in (1, -1, np.inf, -np.inf):
            sums_axis = -2 if ord in (1, -1) else -1  # column sums for 1, row sums for inf
            sums = np.sum(np.abs(moved), axis=sums_axis, keepdims=True)
            target = sums.max(axis=-1 if sums_axis == -2 else -2, keepdims=True) if ord in (1, np.inf) \
                else sums.min(axis=-1 if sums_axis == -2 else -2, keepdims=True)
            pick = (sums == target)
            pick = pick / pick.sum(axis=-1 if sums_axis == -2 else -2, keepdims=True,
                                   dtype=_float_dtype(g, x))  # (a count would widen float32)
            return np.moveaxis(gm * pick * np.conj(np.sign(moved)), (-2, -1), ax)
        raise _unsupported(f"srcad: gradient of the matrix norm ord={ord!r}")
    gx = _expand_reduced(g, x.shape, ax, keepdims)
    ansx = _expand_reduced(ans, x.shape, ax, keepdims)
    if ord is None or ord == 2:
        return gx * np.conj(x) / np.where(ansx == 0, 1, ansx)
    if ord == 1:
        return gx * sign
    if ord in (np.inf, -np.inf):
        pick = np.abs(x) == ansx
        return gx * sign * pick / np.sum(pick, axis=ax, keepdims=True, dtype=_float_dtype(g, x))
    if ord == 0:
        return np.zeros_like(x, dtype=_float_dtype(x))
    p = float(ord)
    safe = np.where(ansx == 0, 1, ansx)
    return gx * sign * np.abs(x) ** (p - 1) / safe ** (p - 1)


@helper(linear_in="g")
def unsum_sequence(g, iterable):
    """Adjoint of the builtin ``sum(iterable)``."""
    if isinstance(iterable, (list, tuple)):
        return adjoint_like(iterable, [unbroadcast(g, item) for item in iterable])
    return np.broadcast_to(g, np.shape(iterable)).copy()
