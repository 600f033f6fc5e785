"""A CPU double of CuPy, for CI (no GPU): what CuPy refuses, it refuses.

Not CuPy: its arrays are NumPy's inside a wrapper, computed on the host. It holds CuPy's
discipline that srcad's runtime must keep on a GPU, so that a change breaking it fails in CI and
not first on a GPU machine: (1) no implicit conversion to NumPy (``np.asarray(x)`` raises, as
CuPy's ``__array__`` does); (2) no NumPy array among the operands of its functions and operators,
not even a 0-d one (``TypeError: Unsupported type``; Python's and NumPy's scalars are taken);
(3) reductions return 0-d arrays, not scalars; (4) reading a value on the host (``float``,
``bool``, ``.item()``, ``.get()``) is a device synchronisation, which raises inside
``cupyx.allow_synchronize(False)``. NumPy's functions reach it through ``__array_function__`` and
``__array_ufunc__``, as they reach CuPy. tests/test_cupy_double.py runs tests/test_cupy.py with
it; the real CuPy runs that file where a GPU is.
"""

import functools

import numpy as _np
from numpy.lib.mixins import NDArrayOperatorsMixin

from . import cuda  # noqa: F401
_ALLOWED = [True]  # (cupyx.allow_synchronize)


def _synchronise():
    if not _ALLOWED[0]:
        import cupyx
        raise cupyx.DeviceSynchronized("a device synchronisation (a value read on the host)")


def _unwrap(value):
    if isinstance(value, ndarray):
        return value._a
    if isinstance(value, _np.ndarray):
        raise TypeError(f"Unsupported type {type(value)}")
    if isinstance(value, (list, tuple)):
        return type(value)(_unwrap(v) for v in value)
    if isinstance(value, dict):
        return {k: _unwrap(v) for k, v in value.items()}
    return value


def _wrap(value):
    if isinstance(value, (_np.ndarray, _np.generic)):
        return ndarray(_np.asarray(value))
    if isinstance(value, tuple) and hasattr(type(value), "_fields"):  # (SVDResult, EighResult)
        return type(value)(*(_wrap(v) for v in value))
    if isinstance(value, (tuple, list)):
        return type(value)(_wrap(v) for v in value)
    return value


def _function(f):
    @functools.wraps(f)
    def on_arrays(*args, **kwargs):
        return _wrap(f(*_unwrap(args), **_unwrap(kwargs)))
    return on_arrays


class ndarray(NDArrayOperatorsMixin):
    __module__ = "cupy"

    def __init__(self, a):
        self._a = a

    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    T = property(lambda self: ndarray(self._a.T))
    mT = property(lambda self: ndarray(self._a.mT))
    real = property(lambda self: ndarray(self._a.real))
    imag = property(lambda self: ndarray(self._a.imag))

    def __array__(self, *args, **kwargs):
        raise TypeError("Implicit conversion to a NumPy array is not allowed. "
                        "Please use `.get()` to construct a NumPy array explicitly.")

    def __array_function__(self, func, types, args, kwargs):
        result = func(*_unwrap(args), **_unwrap(kwargs))
        if func in (_np.array_equal, _np.array_equiv, _np.allclose):  # (CuPy's: 0-d arrays)
            return ndarray(_np.asarray(result))
        return _wrap(result)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if "out" in kwargs:
            kwargs["out"] = tuple(o._a for o in kwargs["out"])
        if method == "at":
            getattr(ufunc, method)(inputs[0]._a, *_unwrap(inputs[1:]), **kwargs)
            return None
        return _wrap(getattr(ufunc, method)(*_unwrap(inputs), **kwargs))

    def __getitem__(self, index):  # (index arrays: CuPy's, or NumPy's, which CuPy copies over)
        return _wrap(self._a[_unwrap_index(index)])

    def __setitem__(self, index, value):
        self._a[_unwrap_index(index)] = value._a if isinstance(value, ndarray) else value

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        return (ndarray(_np.asarray(v)) for v in self._a)

    def __float__(self):
        _synchronise()
        return float(self._a)

    def __int__(self):
        _synchronise()
        return int(self._a)

    def __bool__(self):
        _synchronise()
        return bool(self._a)

    def __complex__(self):
        _synchronise()
        return complex(self._a)

    def __index__(self):
        _synchronise()
        return self._a.__index__()

    def item(self):
        _synchronise()
        return self._a.item()

    def tolist(self):
        _synchronise()
        return self._a.tolist()

    def get(self):
        _synchronise()
        return self._a.copy()

    def __repr__(self):
        return f"cupy double {self._a!r}"

    def __getattr__(self, name):  # (the methods: NumPy's, on the wrapped array)
        if name.startswith("__"):
            raise AttributeError(name)
        found = getattr(self._a, name)
        return _function(found) if callable(found) else _wrap(found)


def _unwrap_index(index):
    parts = index if isinstance(index, tuple) else (index,)
    parts = tuple(p._a if isinstance(p, ndarray) else p for p in parts)
    return parts if isinstance(index, tuple) else parts[0]


def asarray(a, dtype=None, **kwargs):
    if isinstance(a, ndarray):
        return a if dtype is None else ndarray(a._a.astype(dtype))
    return ndarray(_np.array(a, dtype=dtype))


array = asarray


def asnumpy(a):
    return a.get() if isinstance(a, ndarray) else _np.asarray(a)


def array_equal(a1, a2, equal_nan=False):  # (CuPy's: a 0-d array, read by a synchronisation)
    return ndarray(_np.asarray(_np.array_equal(_unwrap(a1), _unwrap(a2), equal_nan=equal_nan)))


def may_share_memory(a, b):
    return _np.may_share_memory(_unwrap(a), _unwrap(b))


class _Ufunc:
    def __init__(self, ufunc):
        self._u, self.nin, self.nout, self.__name__ = ufunc, ufunc.nin, ufunc.nout, ufunc.__name__

    def __call__(self, *args, **kwargs):
        return _wrap(self._u(*_unwrap(args), **_unwrap(kwargs)))

    def at(self, a, index, *value):
        self._u.at(a._a, _unwrap_index(index), *_unwrap(value))

    def reduce(self, *args, **kwargs):
        return _wrap(self._u.reduce(*_unwrap(args), **_unwrap(kwargs)))


from . import fft, linalg  # noqa: E402,F401


def __getattr__(name):
    found = getattr(_np, name)
    if isinstance(found, _np.ufunc):
        return _Ufunc(found)
    if callable(found) and not isinstance(found, type):
        return _function(found)
    return found
