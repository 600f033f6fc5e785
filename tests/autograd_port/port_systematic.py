# Ported from autograd's tests/test_systematic.py and tests/numpy_utils.py (https://github.com/HIPS/autograd, MIT license).
"""autograd's tests/test_systematic.py as srcad checks: its ``combo_check`` calls, one check per
combination of arguments, and its ``stat_check``, ``unary_ufunc_check`` and
``binary_ufunc_check`` helpers (tests/numpy_utils.py) with the same inputs and limits."""

from .harness import Port

port = Port("test_systematic.py", seed=0)
R, C = port.R, port.C


def rand(*shape):
    return float(port.rng.uniform()) if not shape else port.rng.uniform(size=shape)


def transform(lims, x):
    return x * (lims[1] - lims[0]) + lims[0]


def stat_check(test, call, test_complex=True):
    x, A, B, Cm, D = 3.5, R(), R(3), R(2, 3), R(1, 3)
    port.combo(test, call, [x, A])
    port.combo(test, call, [B, Cm, D], axis=[None, 0], keepdims=[True, False])
    port.combo(test, call, [Cm, D], axis=[None, 0, 1], keepdims=[True, False])
    if test_complex:
        c = R() + 0.1j * R()
        E = R(2, 3) + 0.1j * R(2, 3)
        port.combo(test, call, [x, c, A])
        port.combo(test, call, [B, Cm, D, E], axis=[None, 0], keepdims=[True, False])


def unary_ufunc_check(test, call, lims=(-2, 2), test_complex=True):
    scalar = transform(lims, 0.4)
    vector, mat, mat2 = (transform(lims, rand(*s)) for s in [(2,), (3, 2), (1, 2)])
    port.combo(test, call, [scalar, vector, mat, mat2])
    if test_complex:
        comp = transform(lims, 0.4) + 0.1j * transform(lims, 0.3)
        matc = transform(lims, rand(3, 2)) + 0.1j * rand(3, 2)
        port.combo(test, call, [comp, matc])


def binary_ufunc_check(test, call, lims_A=(-2, 2), lims_B=(-2, 2), test_complex=True):
    def TA(x):
        return transform(lims_A, x)

    def TB(x):
        return transform(lims_B, x)
    scalar, vector, mat, mat2 = 0.6, rand(2), rand(3, 2), rand(1, 2)
    port.combo(test, call, [TA(scalar), TA(vector), TA(mat), TA(mat2)],
               [TB(scalar), TB(vector), TB(mat), TB(mat2)], argnums=(0, 1))
    if test_complex:
        comp = 0.6 + 0.3j
        matc = rand(3, 2) + 0.1j * rand(3, 2)
        port.combo(test, call, [TA(scalar), TA(comp), TA(vector), TA(matc), TA(mat2)],
                   [TB(scalar), TB(comp), TB(vector), TB(matc), TB(mat2)], argnums=(0, 1))


def binary_ufunc_check_no_same_args(test, call, lims_A=(-2, 2), lims_B=(-2, 2)):
    def TA(x):
        return transform(lims_A, x)

    def TB(x):
        return transform(lims_B, x)
    a = [0.6, rand(2), rand(3, 2), rand(1, 2)]
    b = [0.7, rand(2), rand(3, 2), rand(1, 2)]
    port.combo(test, call, [TA(v) for v in a], [TB(v) for v in b], argnums=(0, 1))


# ---- statistics --------------------------------------------------------------------------------
for name in ("max", "mean", "min", "sum", "prod", "var", "std"):
    stat_check(f"test_{name}", f"np.{name}")

# ---- unary ufuncs ------------------------------------------------------------------------------
UNARY = [
    ("sin", None, True), ("abs", (0.1, 4.0), True), ("absolute", (0.1, 4.0), True),
    ("arccosh", (1.1, 4.0), True), ("arcsinh", (-0.9, 0.9), True), ("arctanh", (-0.9, 0.9), True),
    ("ceil", (-1.5, 1.5), False), ("cos", None, True), ("cosh", None, True),
    ("deg2rad", None, False), ("exp", None, True), ("exp2", None, True), ("expm1", None, True),
    ("fabs", None, False), ("floor", (-1.5, 1.5), False), ("log", (0.2, 2.0), True),
    ("log10", (0.2, 2.0), True), ("log1p", (0.2, 2.0), True), ("log2", (0.2, 2.0), True),
    ("radians", None, False), ("sign", None, False), ("sinh", None, True),
    ("sqrt", (1.0, 3.0), True), ("square", None, False), ("tan", (-1.1, 1.1), True),
    ("tanh", None, True), ("real", None, True), ("real_if_close", None, True),
    ("imag", None, True), ("conj", None, True), ("conjugate", None, True), ("angle", None, True),
]
for name, lims, test_complex in UNARY:
    unary_ufunc_check(f"test_{name}", f"np.{name}", lims or (-2, 2), test_complex)
unary_ufunc_check("test_degrees", "np.degrees({0}) / 50.0", test_complex=False)
unary_ufunc_check("test_rad2deg", "np.rad2deg({0}) / 50.0", test_complex=False)

# ---- binary ufuncs -----------------------------------------------------------------------------
binary_ufunc_check("test_add", "np.add")
binary_ufunc_check("test_logaddexp", "np.logaddexp", test_complex=False)
binary_ufunc_check("test_logaddexp2", "np.logaddexp2", test_complex=False)
binary_ufunc_check_no_same_args("test_remainder", "np.remainder", (-0.9, 0.9), (0.7, 1.9))
binary_ufunc_check("test_true_divide", "np.true_divide", lims_B=(0.8, 1.2), test_complex=False)
binary_ufunc_check_no_same_args("test_mod", "np.mod", lims_B=(0.8, 2.1))
binary_ufunc_check("test_true_divide_neg", "np.true_divide", lims_B=(-0.3, -2.0), test_complex=False)
binary_ufunc_check_no_same_args("test_mod_neg", "np.mod", lims_B=(-0.3, -2.0))
binary_ufunc_check("test_op_mul", "{0} * {1}")
binary_ufunc_check("test_op_add", "{0} + {1}")
binary_ufunc_check("test_op_sub", "{0} - {1}")
binary_ufunc_check_no_same_args("test_op_mod", "{0} % {1}", lims_B=(0.3, 2.0))
binary_ufunc_check_no_same_args("test_op_mod_neg", "{0} % {1}", lims_B=(-0.3, -2.0))

# ---- the rest ----------------------------------------------------------------------------------
port.combo("test_transpose", "np.transpose", [R(2, 3, 4)],
           axes=[None, [0, 1, 2], [0, 2, 1], [2, 0, 1], [2, 1, 0], [1, 0, 2], [1, 2, 0]])
port.combo("test_moveaxis", "np.moveaxis", [R(2, 3, 4)], source=[0, 1, 2], destination=[0, 1, 2])
port.combo("test_repeat", "np.repeat", [R(2, 3, 4), R(3, 1)], repeats=[0, 1, 2], axis=[None, 0, 1])
port.combo("test_diff", "np.diff", [R(5, 5), R(5, 5, 5)], n=[1, 2], axis=[0, 1])
port.combo("test_diff", "np.diff", [R(1), R(1, 1)], axis=[0])
port.combo("test_diff", "np.diff", [R(1, 1), R(3, 1)], axis=[1])
port.combo("test_gradient", "np.gradient", [R(5, 5), R(5, 5, 5)], axis=[None, 0, 1, -1])
port.combo("test_gradient", "np.gradient", [R(5, 5, 5)], axis=[(0, 1), (0, -1)])
port.combo("test_tile", "np.tile", [R(2, 1, 3, 1)], reps=[(1, 4, 1, 2)])
port.combo("test_tile", "np.tile", [R(1, 2)], reps=[(1, 2), (2, 3), (3, 2, 1)])
port.combo("test_tile", "np.tile", [R(1)], reps=[(2,), 2])
port.combo("test_kron", "np.kron", [R(5, 5), R(4, 4), R(5), R(5, 1), R(1, 5), R(), C(5, 5)],
           [R(3, 3), R(2, 2), R(3), R(1, 3), R(3, 1), R(), C(3, 3)], argnums=(0, 1))
port.combo("test_inner", "np.inner", [1.5, R(3), R(2, 3)], [0.3, R(3), R(4, 3)], argnums=(0, 1))
port.combo("test_dot", "np.dot", [1.5, R(3), R(2, 3), R(2, 2, 3), C(3), C(2, 3)],
           [0.3, R(3), R(3, 4), R(2, 3, 4), C(3)], argnums=(0, 1))
port.combo("test_outer", "np.outer", [R(3), C(3)], [R(3), C(3)], argnums=(0, 1))
port.combo("test_matmul", "np.matmul", [R(3), R(2, 3), R(2, 2, 3), C(3), C(2, 3)],
           [R(3), R(3, 4), R(2, 3, 4), C(3), C(3, 4)], argnums=(0, 1))
port.combo("test_matmul_broadcast", "np.matmul", [R(1, 2, 2)], [R(3, 2, 1)], argnums=(0, 1))
port.combo("test_tensordot_1", "np.tensordot", [R(1, 3), R(2, 3, 2), C(1, 3)],
           [R(3), R(3, 1), R(3, 4, 2), C(3)], axes=[[(1,), (0,)]], argnums=(0, 1))
port.combo("test_tensordot_2", "np.tensordot", [R(3), R(3, 1), R(3, 4, 2)], [R(1, 3), R(2, 3, 2)],
           axes=[[(0,), (1,)]], argnums=(0, 1))
port.combo("test_tensordot_3", "np.tensordot", [R(2, 3), R(2, 3, 4)], [R(1, 2, 3), R(2, 2, 3, 4)],
           axes=[[(0, 1), (1, 2)], [(1, 0), (2, 1)]], argnums=(0, 1))
port.combo("test_tensordot_4", "np.tensordot", [R(2, 2), R(4, 2, 2)], [R(2, 2), R(2, 2, 4)],
           axes=[1, 2], argnums=(0, 1))
port.combo("test_tensordot_5", "np.tensordot", [R(4)], [R()], axes=[0], argnums=(0, 1))
port.combo("test_tensordot_6", "np.tensordot", [R(2, 6)], [R(6, 3)], axes=[[[-1], [0]]],
           argnums=(0, 1))
port.combo("test_tensordot_7", "np.tensordot", [R(2, 6)], [R(6, 3)], axes=[[-1, 0]], argnums=(0, 1))
port.combo("test_tensordot_8", "np.tensordot", [R(2)], [R(2, 2)], axes=[[0, 1]], argnums=(0, 1))
for name in ("maximum", "fmax", "minimum", "fmin"):
    port.combo(f"test_{name}", f"np.{name}", [R(1), R(1, 4), R(3, 4)], [R(1), R(1, 4), R(3, 4)],
               argnums=(0, 1))
port.combo("test_sort", "np.sort", [R(1), R(7)])
port.skip("test_msort", "np.msort is gone from NumPy 2 (autograd runs it on NumPy < 2 only)")
port.combo("test_partition", "np.partition", [R(7), R(14)], kth=[0, 3, 6])
port.combo("test_atleast_1d", "np.atleast_1d", [1.2, R(1), R(7), R(1, 4), R(2, 4), R(2, 4, 5)])
port.combo("test_atleast_2d", "np.atleast_2d", [1.2, R(1), R(7), R(1, 4), R(2, 4), R(2, 4, 5)])
port.combo("test_atleast_3d", "np.atleast_3d",
           [1.2, R(1), R(7), R(1, 4), R(2, 4), R(2, 4, 5), R(2, 4, 3, 5)])
port.combo("test_einsum_transpose", "np.einsum", ["ij->ji"], [R(1, 1), R(4, 4), R(3, 4)],
           argnums=(1,))
port.combo("test_einsum_matmult", "np.einsum", ["ij,jk->ik"], [R(2, 3), C(2, 3)], [R(3, 4), C(3, 4)],
           argnums=(1, 2))
port.combo("test_einsum_matmult_broadcast", "np.einsum", ["...ij,...jk->...ik"],
           [R(2, 3), R(2, 2, 3)], [R(3, 4), R(2, 3, 4)], argnums=(1, 2))
port.combo("test_einsum_matmult_broadcast_leadzero", "np.einsum", ["...ij,...jk->...ik"],
           [R(0, 2, 3)], [R(0, 3, 4)], argnums=(1, 2))
port.combo("test_einsum_covsum", "np.einsum", ["ijk,lji->lki"], [R(3, 4, 4)], [R(4, 4, 3)],
           argnums=(1, 2))
port.combo("test_einsum_ellipses", "np.einsum", ["...jk,...lj->...lk", "...,...->..."],
           [R(4, 4), R(3, 4, 4)], [R(4, 4), R(3, 4, 4)], argnums=(1, 2))
port.combo("test_einsum_ellipses_tail", "np.einsum", ["jk...,lj...->lk..."], [R(3, 2), R(3, 2, 4)],
           [R(2, 3), R(2, 3, 4)], argnums=(1, 2))
port.combo("test_einsum_ellipses_center", "np.einsum", ["j...k,lj...->lk..."],
           [R(2, 2), R(2, 2, 2)], [R(2, 2), R(2, 2, 2)], argnums=(1, 2))
port.combo("test_einsum_three_args", "np.einsum", ["ijk,lji,lli->lki"], [R(3, 4, 4)], [R(4, 4, 3)],
           [R(4, 4, 3)], argnums=(1, 2))
port.combo("test_einsum2_transpose", "np.einsum", [R(1, 1), R(4, 4), R(3, 4)], [(0, 1)], [(1, 0)])
port.combo("test_einsum2_matmult", "np.einsum", [R(2, 3)], [(0, 1)], [R(3, 4)], [(1, 2)], [(0, 2)],
           argnums=(0, 2))
port.combo("test_einsum2_matmult_broadcast", "np.einsum", [R(2, 3), R(2, 2, 3)],
           [(Ellipsis, 0, 1)], [R(3, 4), R(2, 3, 4)], [(Ellipsis, 1, 2)], [(Ellipsis, 0, 2)],
           argnums=(0, 2))
port.combo("test_einsum2_covsum", "np.einsum", [R(3, 4, 4)], [(0, 1, 2)], [R(4, 4, 3)], [(3, 1, 0)],
           [(3, 2, 0)], argnums=(0, 2))
port.combo("test_einsum2_three_args", "np.einsum", [R(3, 4, 4)], [(0, 1, 2)], [R(4, 4, 3)],
           [(3, 1, 0)], [R(4, 4, 3)], [(3, 3, 0)], [(3, 2, 0)], argnums=(0, 2))
port.combo("test_einsum_naked_sum", "np.einsum", ["k,nk->"], [R(5)], [R(10, 5)], argnums=(1, 2))
port.combo("test_einsum_naked_sum2", "np.einsum", ["abcd->bd"], [R(3, 2, 3, 2)], argnums=(1,))
port.combo("test_einsum_naked_sum_ellipsis", "np.einsum", ["...k,...nk->..."], [R(3, 5)],
           [R(3, 10, 5)], argnums=(1, 2))
port.combo("test_einsum_no_output_indices", "np.einsum", ["ij,k"], [R(3, 4)], [R(3)], argnums=(1, 2))
port.combo("test_trace", "np.trace", [R(5, 5), R(4, 5), R(5, 4), R(3, 4, 5)], offset=[-1, 0, 1])
port.combo("test_diag", "np.diag", [R(5, 5)], k=[-1, 0, 1])
port.combo("test_diag_flat", "np.diag", [R(5)], k=[-1, 0, 1])
port.combo("test_tril", "np.tril", [R(5, 5)], k=[-1, 0, 1])
port.combo("test_triu", "np.triu", [R(5, 5)], k=[-1, 0, 1])
port.combo("test_tril_3d", "np.tril", [R(5, 5, 4)], k=[-1, 0, 1])
port.combo("test_triu_3d", "np.triu", [R(5, 5, 4)], k=[-1, 0, 1])
port.combo("test_swapaxes", "np.swapaxes", [R(3, 4, 5)], axis1=[0, 1, 2], axis2=[0, 1, 2])
port.combo("test_rollaxis", "np.rollaxis", [R(2, 3, 4)], axis=[0, 1, 2], start=[0, 1, 2])
port.combo("test_cross", "np.cross", [R(3, 3)], [R(3, 3)], axisa=[-1, 0, 1], axisb=[-1, 0, 1],
           axisc=[-1, 0, 1], axis=[None, -1, 0, 1], argnums=(0, 1))
port.combo("test_vsplit_2d", "np.vsplit", [R(4, 8)], [4, [1, 2]])
port.combo("test_vsplit_3d", "np.vsplit", [R(4, 4, 4)], [2, [1, 2]])
port.combo("test_hsplit_2d", "np.hsplit", [R(4, 8)], [4, [1, 2]])
port.combo("test_hsplit_3d", "np.hsplit", [R(4, 4, 4)], [2, [1, 2]])
port.combo("test_dsplit_3d", "np.dsplit", [R(4, 4, 4)], [2, [1, 2]])
port.combo("test_split_1d", "np.split", [R(1), R(7)], [1], axis=[0])
port.combo("test_split_2d", "np.split", [R(4, 8)], [4, [1, 2]], axis=[0, 1])
port.combo("test_split_3d", "np.split", [R(4, 4, 4)], [2, [1, 2]], axis=[0, 1, 2])
port.combo("test_array_split_1d", "np.array_split", [R(1), R(7)], [1, 3], axis=[0])
port.combo("test_array_split_2d", "np.array_split", [R(7, 7)], [4, [3, 5]], axis=[0, 1])
port.combo("test_array_split_3d", "np.array_split", [R(7, 7, 7)], [4, [3, 5]], axis=[0, 1, 2])
port.combo("test_concatenate_1ist", "np.concatenate", [(R(1), R(3))], axis=[0])
port.combo("test_concatenate_tuple", "np.concatenate", [[R(1), R(3)]], axis=[0])
port.combo("test_concatenate_2d", "np.concatenate", [(R(2, 2), R(2, 2))], axis=[0, 1])
port.combo("test_concatenate_3d", "np.concatenate", [(R(2, 2, 2), R(2, 2, 2))], axis=[0, 1, 2])
port.combo("test_vstack_1d", "np.vstack", [R(2), (R(2), R(2))])
port.combo("test_vstack_2d", "np.vstack", [R(2, 3), (R(2, 4), R(1, 4))])
port.combo("test_vstack_3d", "np.vstack", [R(2, 3, 4), (R(2, 3, 4), R(5, 3, 4))])
port.combo("test_hstack_1d", "np.hstack", [R(2), (R(2), R(2))])
port.combo("test_hstack_2d", "np.hstack", [R(3, 2), (R(3, 4), R(3, 5))])
port.combo("test_hstack_3d", "np.hstack", [R(2, 3, 4), (R(2, 1, 4), R(2, 5, 4))])
port.combo("test_stack_1d", "np.stack", [(R(2),), (R(2), R(2))], axis=[0, 1])
port.combo("test_row_stack_1d", "np.row_stack", [R(2), (R(2), R(2))])
port.combo("test_row_stack_2d", "np.row_stack", [R(2, 3), (R(2, 4), R(1, 4))])
port.combo("test_column_stack_1d", "np.column_stack", [R(2), (R(2), R(2))])
port.combo("test_column_stack_2d", "np.column_stack", [R(2, 2), (R(2, 2), R(2, 2))])
port.combo("test_select", "np.select", [[R(3, 4, 5) > 0, R(3, 4, 5) > 0, R(3, 4, 5) > 0]],
           [[R(3, 4, 5), R(3, 4, 5), R(3, 4, 5)]], default=[0.0, 1.1], argnums=(1,))
port.combo("test_pad", "np.pad", [R(2, 2)],
           [0, 3, (3,), (3, 2), ((3, 2),), ((1, 2), (3, 4)), ((0, 0), (0, 0))], ["constant"])
