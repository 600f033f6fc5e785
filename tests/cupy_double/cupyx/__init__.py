"""The double's ``cupyx`` (tests/cupy_double/cupy): ``allow_synchronize`` and ``scatter_add``."""

import contextlib

import cupy


class DeviceSynchronized(RuntimeError):
    pass


@contextlib.contextmanager
def allow_synchronize(allow):
    before = cupy._ALLOWED[0]
    cupy._ALLOWED[0] = allow
    try:
        yield
    finally:
        cupy._ALLOWED[0] = before


def scatter_add(a, slices, value):
    cupy.add.at(a, slices, value)
