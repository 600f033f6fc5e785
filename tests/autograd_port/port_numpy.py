# Ported from autograd's tests/test_numpy.py (https://github.com/HIPS/autograd, MIT license).
"""autograd's tests/test_numpy.py as srcad checks: one module-level function per tested function,
written with plain NumPy, and the inputs autograd draws (same shapes, this file's own seed)."""

import numpy as np

from .harness import Port

port = Port("test_numpy.py", seed=1)
R = port.R

port.skip("test_numpy_version", "autograd.numpy's version string (autograd API)")
port.skip("test_scalar_array_box_attributes",
          "attributes of autograd's ArrayBox holding a Python float (a float has no .shape)")


def dot(x, y):
    return np.dot(x, y)


mat1, mat2, vect1, vect2, vect3 = R(10, 11), R(10, 11), R(10), R(11), R(11)
for a, b in [(mat1, vect2), (mat1, mat2.T), (vect1, mat1), (vect2, vect3)]:
    port.check("test_dot", dot, a, b)
float1 = R()
for a, b in [(mat1, float1), (float1, mat1), (vect1, float1), (float1, vect1)]:
    port.check("test_dot_with_floats", dot, a, b)


def outer(x, y):
    return np.outer(x, y)


for a, b in [(vect2, vect3), (vect2.T, vect3), (vect2.T, vect3.T)]:
    port.check("test_outer", outer, a, b)


def max_all(x):
    return np.max(x)


def max_axis(x):
    return np.max(x, axis=1)


def max_keepdims(x):
    return np.max(x, axis=1, keepdims=True)


def min_all(x):
    return np.min(x)


def min_axis(x):
    return np.min(x, axis=1)


def min_keepdims(x):
    return np.min(x, axis=1, keepdims=True)


port.check("test_max", max_all, R(10, 11))
port.check("test_max_axis", max_axis, R(3, 4, 5))
port.check("test_max_axis_keepdims", max_keepdims, R(3, 4, 5))
port.check("test_min", min_all, R(10, 11))
port.check("test_min_axis", min_axis, R(3, 4, 5))
port.check("test_min_axis_keepdims", min_keepdims, R(3, 4, 5))


def sum_all(x):
    return np.sum(x)


def sum_axis0(x):
    return np.sum(x, axis=0)


def sum_keepdims(x):
    return np.sum(x, axis=0, keepdims=True)


def sum_axis_tuple(x):
    return np.sum(x, axis=(1, 2))


port.check("test_sum_1", sum_all, R(10, 11))
port.check("test_sum_2", sum_axis0, R(10, 11))
port.check("test_sum_3", sum_keepdims, R(10, 11))
port.check("test_sum_with_axis_tuple", sum_axis_tuple, R(10, 11, 7))

BASE = np.abs(R(5)) + 0.5


def sum_of_exp(a):
    return np.sum(np.exp(a) * BASE)


def prod_of_exp(a):
    return np.prod(np.exp(a) * BASE)


def max_of_exp(a):
    return np.max(np.exp(a) * BASE)


def min_of_exp(a):
    return np.min(np.exp(a) * BASE)


for fun in (sum_of_exp, prod_of_exp, max_of_exp, min_of_exp):
    port.check("test_plain_numpy_reductions_on_box", fun, 0.7)


def flipud(x):
    return np.flipud(x)


def fliplr(x):
    return np.fliplr(x)


def rot90(x):
    return np.rot90(x)


port.check("test_flipud", flipud, R(10, 11))
port.check("test_fliplr", fliplr, R(10, 11))
port.check("test_rot90", rot90, R(10, 11))


def cumsum_axis0(x):
    return np.cumsum(x, axis=0)


def cumsum_axis1(x):
    return np.cumsum(x, axis=1)


def cumsum(x):
    return np.cumsum(x)


port.check("test_cumsum_axis0", cumsum_axis0, R(10, 11))
port.check("test_cumsum_axis1", cumsum_axis1, R(10, 11))
port.check("test_cumsum_1d", cumsum, R(10))
port.check("test_cumsum_no_axis", cumsum, R(10, 11))


def builtin_sum(x, y):
    return sum([x, y])


port.check("test_non_numpy_sum", builtin_sum, R(10, 11), R(10, 11))


def mean_all(x):
    return np.mean(x)


def mean_axis0(x):
    return np.mean(x, axis=0)


def mean_keepdims(x):
    return np.mean(x, axis=0, keepdims=True)


port.check("test_mean_1", mean_all, R(10, 11))
port.check("test_mean_2", mean_axis0, R(10, 11))
port.check("test_mean_3", mean_keepdims, R(10, 11))


def mean_of_list(x):
    return np.mean([x, x + 2])


def mean_of_tuple(x):
    return np.mean((x, x + 2))


def std_of_list(x):
    return np.std([x, x + 2])


def std_of_tuple(x):
    return np.std((x, x + 2))


def var_of_list(x):
    return np.var([x, x + 2])


def var_of_tuple(x):
    return np.var((x, x + 2))


port.check("test_mean_list_of_boxes", mean_of_list, 0.0)
port.check("test_mean_list_of_boxes", mean_of_tuple, 0.0)
port.check("test_std_list_of_boxes", std_of_list, 0.0)
port.check("test_std_list_of_boxes", std_of_tuple, 0.0)
port.check("test_var_list_of_boxes", var_of_list, 0.0)
port.check("test_var_list_of_boxes", var_of_tuple, 0.0)


def index_ints(x):
    return x[3, 0, 1]


def index_slice(x):
    return x[::-1, 2:4, :]


def index_lists(x):
    return x[[0, 1, 2], :, :]


def index_mixed(x):
    return x[3, 2:, [1, 3]]


def vector_slice(x):
    return x[2:4]


def index_slice_fanout(x):
    y = x[::-1, 2:4, :]
    z = x[::-1, 3:5, :]
    return y + z


def index_multiple_slices(x):
    y = x[2:6]
    z = y[1:3]
    return z


port.check("test_index_ints", index_ints, R(5, 6, 4))
port.check("test_index_slice", index_slice, R(5, 6, 4))
port.check("test_index_lists", index_lists, R(5, 6, 4))
port.check("test_index_mixed", index_mixed, R(5, 6, 4))
port.check("test_vector_slice", vector_slice, R(5))
port.check("test_index_slice_fanout", index_slice_fanout, R(5, 6, 4))
port.check("test_index_multiple_slices", index_multiple_slices, R(7))


def reshape_method(x):
    return x.reshape((5 * 4, 6))


def reshape_call(x):
    return np.reshape(x, (5 * 4, 6))


def reshape_method_nolist(x):
    return x.reshape(5 * 4, 6)


def ravel_method(x):
    return x.ravel()


def ravel_call(x):
    return np.ravel(x)


def flatten_method(x):
    return x.flatten()


port.check("test_reshape_method", reshape_method, R(5, 6, 4))
port.check("test_reshape_call", reshape_call, R(5, 6, 4))
port.check("test_reshape_method_nolist", reshape_method_nolist, R(5, 6, 4))
port.check("test_ravel_method", ravel_method, R(5, 6, 4))
port.check("test_ravel_call", ravel_call, R(5, 6, 4))
port.check("test_flatten_method", flatten_method, R(5, 6, 4))


def append(arr, values):
    return np.append(arr, values)


def append_axis0(arr, values):
    return np.append(arr, values, axis=0)


port.check("test_simple_append_list", append, [1.0, 2.0, 3.0], 4.0, argnums=(0, 1))
port.check("test_simple_append_arr", append, np.array([1.0, 2.0, 3.0]), 4.0, argnums=(0, 1))
port.check("test_simple_append_list_2D", append_axis0, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]],
           [[7.0, 8.0, 9.0]], argnums=(0, 1))

A564 = R(5, 6, 4)
B464 = R(4, 6, 4)
B564 = R(5, 6, 4)


def concatenate_after(x):
    return np.concatenate((A564, x))


def concatenate_axis0(x):
    return np.concatenate((B564, x, B564))


def concatenate_axis1(x):
    return np.concatenate((B564, x, B564), axis=1)


def concatenate_axis1_unnamed(x):
    return np.concatenate((B564, x, B564), 1)


port.check("test_simple_concatenate", concatenate_after, B464)
port.check("test_concatenate_axis_0", concatenate_axis0, R(5, 6, 4))
port.check("test_concatenate_axis_1", concatenate_axis1, R(5, 6, 4))
port.check("test_concatenate_axis_1_unnamed", concatenate_axis1_unnamed, R(5, 6, 4))

# (autograd draws the offset at random; these are draws of its ranges)
port.expr("test_trace", "x", "np.trace(x, offset=3)", R(10, 11))
port.expr("test_trace2", "x", "np.trace(x, offset=-4)", R(11, 10))
port.expr("test_trace_extradims", "x", "np.trace(x, offset=2)", R(5, 6, 4, 3))


def diag(x):
    return np.diag(x)


def transpose(x):
    return x.T


def roll(x):
    return np.roll(x, 2, axis=1)


def triu(x):
    return np.triu(x, k=2)


def tril(x):
    return np.tril(x, k=2)


def clip(x):
    return np.clip(x, a_min=0.1, a_max=1.1)


port.check("test_diag", diag, R(10, 10))
port.check("test_transpose", transpose, R(8, 8))
port.check("test_roll", roll, R(4, 5))
port.check("test_roll_no_axis", roll, R(4, 5))
port.check("test_triu", triu, R(5, 5))
port.check("test_tril", tril, R(5, 5))
port.check("test_clip", clip, R(5, 5))


def prod_all(x):
    return np.prod(x)


def prod_axis0(x):
    return np.prod(x, axis=0)


def prod_keepdims(x):
    return np.prod(x, axis=0, keepdims=True)


port.check("test_prod_1", prod_all, R(2, 3) ** 2 / 10.0 + 0.1)
port.check("test_prod_2", prod_axis0, R(2, 3) ** 2 + 0.1)
port.check("test_prod_3", prod_keepdims, R(2, 3) ** 2 + 0.1)
port.check("test_prod_4", prod_all, R(7) ** 2 + 0.1)


def array_1d(x):
    return np.array([x, x * 1.0, x + 2.5])


def array_2d(x):
    return np.array([[x, x * 1.0, x + 2.5], [x ** 2, x, x / 2.0]])


def array_1d_fanout(x):
    A = np.array([x, x * 1.0, x + 2.5])
    return A + A


def array_2d_fanout(x):
    A = np.array([[x, x * 1.0, x + 2.5], [x ** 2, x, x / 2.0]])
    return A + A


def array_from_scalar(x):
    return np.array(x)


def array_from_arrays(x):
    return np.array([x, x])


def array_from_arrays_2(x):
    return np.array([[2 * x, x + 1], [x, x]])


def length(x):
    assert len(x) == 3
    return x


port.check("test_1d_array", array_1d, 3.0)
port.check("test_2d_array", array_2d, 3.0)
port.check("test_1d_array_fanout", array_1d_fanout, 3.0)
port.check("test_2d_array_fanout", array_2d_fanout, 3.0)
port.check("test_array_from_scalar", array_from_scalar, 3.0)
port.check("test_array_from_arrays", array_from_arrays, R(3, 2))
port.check("test_array_from_arrays_2", array_from_arrays_2, R(3, 2))
port.check("test_len", length, R(3, 2))

C32 = R(3, 2)
C10 = R(10)


def r_basic(x):  # (autograd's test also draws a c it does not use)
    b = np.r_[x]
    return b


def r_double(x):
    b = np.r_[x, x]
    return b


def no_relation(x):
    return C32


def r_no_relation(x):
    b = np.r_[C32]
    return b


def r_node_and_const(x):
    b = np.r_[x, C32]
    return b


def r_mixed(x):
    b = np.r_[x, C32, x]
    return b


def r_slicing(x):
    b = np.r_[x, C10, 1:10]
    return b


def c_mixed(x):
    b = np.c_[x, C32, x]
    return b


port.check("test_r_basic", r_basic, R(3, 2))
port.check("test_r_double", r_double, R(3, 2))
port.check("test_no_relation", no_relation, R(3, 2))
port.check("test_r_no_relation", r_no_relation, R(3, 2))
port.check("test_r_node_and_const", r_node_and_const, R(3, 2))
port.check("test_r_mixed", r_mixed, R(3, 2))
port.check("test_r_slicing", r_slicing, R(10))
port.check("test_c_", c_mixed, R(3, 2))
port.check("test_c_mixed", c_mixed, R(3, 2))

B3, C34, D13 = R(3), R(3, 4), R(1, 3)
port.combo("test_var_ddof", "np.var", [B3, C34, D13], axis=[None], keepdims=[True, False],
           ddof=[0, 1])
port.combo("test_var_ddof", "np.var", [C34, D13], axis=[None, 1], keepdims=[True, False], ddof=[2])
port.combo("test_std_ddof", "np.std", [B3, C34, D13], axis=[None], keepdims=[True, False],
           ddof=[0, 1])
port.combo("test_std_ddof", "np.std", [C34, D13], axis=[None, 1], keepdims=[True, False], ddof=[2])

CONDITION = R(4, 5) > 0


def where(x, y):
    b = np.where(CONDITION, x, y)
    return b


port.check("test_where", where, R(4, 5), R(4, 5))


def squeeze_func(x):
    return np.squeeze(x)


def squeeze_method(x):
    return x.squeeze()


port.check("test_squeeze_func", squeeze_func, R(5, 1, 4))
port.check("test_squeeze_method", squeeze_method, R(5, 1, 4))

port.expr("test_repeat", "x", "np.repeat(x, 2, axis=1)", R(5, 3, 4))
port.expr("test_repeat_axis1_rep1", "x", "np.repeat(x, 1, axis=1)", R(5, 3, 4))
port.expr("test_repeat_axis0", "x", "np.repeat(x, 2, axis=0)", R(5, 3))
port.expr("test_repeat_1d_axis0", "x", "np.repeat(x, 2, axis=0)", R(5))
port.expr("test_repeat_axis0_rep1", "x", "np.repeat(x, 1, axis=0)", R(5, 1))
port.expr("test_expand_dims", "x", "np.expand_dims(x, 2)", R(5, 1, 4))


def tensordot_by_position(x):
    return np.tensordot(x * np.ones((2, 2)), x * np.ones((2, 2)), 2)


port.check("test_tensordot_kwargs_by_position", tensordot_by_position, 1.0)


def multi_index(x):
    return np.sum(x[[0, 0]])


def multi_index2(x):
    return np.sum(x[[0, 1, 0]])


def index_dot_slices(x):
    return np.dot(x[:2], x[2:])


port.check("test_multi_index", multi_index, R(3))
port.check("test_multi_index2", multi_index2, R(3))
port.check("test_index_dot_slices", index_dot_slices, R(4))

INDS = np.ones(5)[:, None]


def cast_to_int(W):
    # (autograd's test also glues W and inds together, and does not use the result)
    new_W = W[:, :-1]
    new_inds = np.int64(W[:, -1])
    assert new_inds.dtype == np.int64
    return new_W[new_inds].sum()


port.check("test_cast_to_int", cast_to_int, R(5, 10))


def make_diagonal(D):
    return D[..., :, None] * np.eye(D.shape[-1])


MAKE_DIAGONAL = "autograd's np.make_diagonal has no NumPy counterpart: written D[..., :, None] * I"
port.check("test_make_diagonal", make_diagonal, R(4), note=MAKE_DIAGONAL)
port.check("test_make_diagonal", make_diagonal, R(3, 4), note=MAKE_DIAGONAL)


def diagonal(D):
    return np.diagonal(D, axis1=-1, axis2=-2)


port.check("test_diagonal", diagonal, R(4, 4))
port.check("test_diagonal", diagonal, R(3, 4, 4))

SPECIALS = np.array([0.0, np.nan, np.inf, -np.inf])


def nan_to_num(x):
    return np.sum(np.sin(np.nan_to_num(x + SPECIALS)))


port.check("test_nan_to_num", nan_to_num, R(4))


def max_equal_values(x):
    return np.max(np.array([x, x]))


def max_equal_values_2d(x):
    return np.max(np.array([[x, x], [x, 0.5]]), axis=1)


def min_3_way_equality(x):
    return np.min(np.array([[x, x, x], [x, 0.5, 0.5], [0.5, 0.5, 0.5], [x, x, 0.5]]), axis=0)


def maximum_equal_values(x):
    return np.maximum(x, x)


def maximum_equal_values_2d(x):
    return np.maximum(np.array([x, x, 0.5]), np.array([[x, 0.5, x], [x, x, 0.5]]))


port.check("test_max_equal_values", max_equal_values, 1.0)
port.check("test_max_equal_values_2d", max_equal_values_2d, 1.0)
port.check("test_max_equal_values_2d", max_equal_values_2d, -1.0)
port.check("test_min_3_way_equality", min_3_way_equality, 1.0)
port.check("test_min_3_way_equality", min_3_way_equality, -1.0)
port.check("test_maximum_equal_values", maximum_equal_values, 1.0)
for x in (1.0, -1.0, 2.0):
    port.check("test_maximum_equal_values_2d", maximum_equal_values_2d, x)

for num in (0, 1, 5):
    for a, b in [(1.2, 3.4), (1.2, -3.4), (1.2, 1.2)]:
        port.expr("test_linspace", "x, y", f"np.linspace(x, y, {num})", a, b)


def sin_of_float64(x):
    return np.sum(np.sin(x.astype("float64")))


port.check("test_astype", sin_of_float64, np.arange(3, dtype="float32"))

port.expr("test_gradient", "x", "np.gradient(x)", R(10))
port.expr("test_gradient", "x", "np.gradient(x)", R(10, 10))
port.expr("test_gradient", "x", "np.gradient(x)", R(6, 5, 4), note="autograd: 10 x 10 x 10")
for a in [None, 0, 1, -1, (0, 1), (0, -1)]:
    port.expr("test_gradient", "x", f"np.gradient(x, axis={a!r})", R(6, 5, 4),
              note="autograd: 10 x 10 x 10")
