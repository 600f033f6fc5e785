# Ported from autograd's tests/test_wrappers.py (https://github.com/HIPS/autograd, MIT license).
"""autograd's tests/test_wrappers.py: the NumPy functions its API tests differentiate, as srcad
checks; what the tests assert of autograd's API with a srcad counterpart (value_and_grad, several
argnums, hessian, Hessian-vector products, Jacobian products, has_aux) is asserted by
test_autograd_port.py's ``test_wrappers_api_counterparts``; the rest is listed as skipped."""

import numpy as np

import srcad

from .harness import Port

port = Port("test_wrappers.py", seed=1)
R = port.R

for test, reason in [
    ("test_deprecated_defgrad_wrapper", "autograd's deprecated primitive.defgrad API"),
    ("test_deprecated_defvjp_wrapper", "autograd's deprecated primitive.defvjp API"),
    ("test_deprecated_defvjp_is_zero_wrapper", "autograd's deprecated defvjp_is_zero API"),
    ("test_partial", "grad of a functools.partial is made, never called (autograd API)"),
    ("test_custom_where_dtypes", "autograd.numpy.where's result types: no gradient"),
    ("test_custom_where", "autograd.numpy.where's keyword forms: no gradient"),
    ("test_make_ggnvp", "autograd.make_ggnvp (Gauss-Newton products): no srcad counterpart"),
    ("test_make_ggnvp_nondefault_g", "autograd.make_ggnvp: no srcad counterpart"),
    ("test_wrapped_name_and_docs", "names and docstrings of autograd's wrappers"),
    ("test_tensor_jacobian_product (first definition)",
     "redefined below it in autograd's file (the 3-d one runs)"),
]:
    port.skip(test, reason)


def power(x):
    return 3.0 * x ** 3.2


def sum_of_sin_squared(x):
    return np.sum(np.sin(x) ** 2)


value_and_grad_of_sum = srcad.value_and_grad(sum_of_sin_squared)


def value_of_value_and_grad(x):
    return value_and_grad_of_sum(x)[0]


H = R(5, 5)


def quadratic(x):
    return np.dot(np.dot(x, H), x)


def complicated_fun(a, b, c, d, e, f=1.1, g=9.0):
    return a + np.sin(b) + np.cosh(c) + np.cos(d) + np.tan(e) + f + g


def complicated_fun_fg(a, b, c, d, e):
    return complicated_fun(a, b, c, d, e, f=0.6, g=-0.1)


def complicated_fun_3_1(d_b):
    d, b = d_b
    return complicated_fun(0.5, b, 0.2, d, 0.7, f=0.6, g=-0.1)


def sum_x_sin_y(x, y):
    return np.sum(x + np.sin(y))


def packed_sum_x_sin_y(xy):
    return np.sum(xy[0] + np.sin(xy[1]))


def simple_fun(a):
    return a + np.sin(a) + np.cosh(a)


def simple_fun2(a, b):
    return a + np.sin(a) + np.cosh(b)


def sum_of_sin(a):
    return np.sum(np.sin(a))


def rolled_sin(a):
    return np.roll(np.sin(a), 1)


def square_plus(x, y):
    return x ** 2 + y


def real_sum_of_squares(x):
    return np.real(np.sum(x ** 2))


A54 = R(5, 4)
A35 = R(3, 5)


def tanh_of_product(x):
    return np.tanh(np.dot(A35, x))


def sum_of_product(x):
    return np.sum(np.dot(A54, x))


port.check("test_return_both", power, 1.7)
port.check("test_value_and_grad", sum_of_sin_squared, R(5))
port.check("test_value_and_grad", value_of_value_and_grad, R(5))
port.check("test_hessian", quadratic, R(5))
port.check("test_multigrad", complicated_fun_fg, 0.5, -0.3, 0.2, -1.1, 0.7, argnums=(3, 1))
port.check("test_multigrad", complicated_fun_3_1, (-1.1, -0.3))
port.check("test_value_and_multigrad", complicated_fun_fg, 0.5, -0.3, 0.2, -1.1, 0.7,
           argnums=(3, 1))
A, B = R(3), R(3)
port.check("test_multigrad_onearg", sum_x_sin_y, A, B)
port.check("test_multigrad_onearg", packed_sum_x_sin_y, (A, B))
port.check("test_elementwise_grad", simple_fun, R(10))
port.check("test_elementwise_grad_multiple_args", simple_fun2, 0.9, R(10), argnums=(1,))
port.check("test_hessian_tensor_product", sum_of_sin, R(5))
port.check("test_hvp", sum_of_sin, R(5))
port.check("test_hessian_matrix_product", sum_of_sin, R(5, 4))
port.check("test_hessian_tensor_product_3d", sum_of_sin, R(5, 4, 3))
port.check("test_matrix_jacobian_product", rolled_sin, R(5, 4))
port.check("test_tensor_jacobian_product", rolled_sin, R(5, 4, 3))
port.check("test_deprecated_quick_grad_check_wrapper", square_plus, 1.0, 2.0)
port.check("test_dtypes", real_sum_of_squares, R(10, 10).astype(np.float32))
port.check("test_dtypes", real_sum_of_squares, R(10, 10).astype(np.float16))
port.check("test_dtypes", real_sum_of_squares, R(10, 10).astype(np.longdouble))
port.check("test_dtypes", real_sum_of_squares, (R(10, 10) + 1j * R(10, 10)).astype(np.clongdouble))
port.check("test_make_jvp", tanh_of_product, R(5))
port.check("test_grad_and_aux", sum_of_product, R(4))
