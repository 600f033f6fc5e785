# Ported from autograd's tests/test_complex.py and tests/test_builtins.py (https://github.com/HIPS/autograd, MIT license).
"""autograd's tests/test_complex.py as srcad checks. ``check_grads(d_fun)`` with ``d_fun =
grad(fun)`` becomes a check of ``srcad.grad(fun)``: srcad differentiates its own derivatives. (tests/test_builtins.py has no gradient check: see SKIPPED below.)"""

import numpy as np

import srcad

from .harness import Port

port = Port("test_complex.py", seed=1)
rand = port.rng.uniform

builtins = Port("test_builtins.py", seed=1)
builtins.skip("test_isinstance", "autograd.builtins.isinstance on autograd's boxes (autograd API)")


def sum_of_real(x):
    return np.sum(np.real(x))


def angle(x):
    return np.angle(x)


d_angle = srcad.grad(angle)  # (autograd's d_fun = grad(fun))


def absolute(x):
    return np.abs(x)


d_absolute = srcad.grad(absolute)


port.check("test_real_type", sum_of_real, 2.0)
port.check("test_real_type", sum_of_real, 1.0j)
port.check("test_real_if_close_type", sum_of_real, 1.0)
port.check("test_real_if_close_type", sum_of_real, 1.0j)
port.check("test_angle_real", angle, float(rand()))
port.check("test_angle_real", d_angle, float(rand()))
port.check("test_angle_complex", angle, float(rand()) + 1j * float(rand()))
port.check("test_angle_complex", d_angle, float(rand()) + 1j * float(rand()))
port.check("test_abs_real", absolute, 1.1)
port.check("test_abs_real", d_absolute, 2.1)
port.check("test_abs_complex", absolute, 1.1 + 1.2j)
port.check("test_abs_complex", d_absolute, 1.1 + 1.3j)
