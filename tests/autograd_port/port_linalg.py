# Ported from autograd's tests/test_linalg.py (https://github.com/HIPS/autograd, MIT license).
"""autograd's tests/test_linalg.py as srcad checks. autograd checks these in reverse mode only
(its forward mode has no linear algebra); the port checks both modes and second order, as every
other check. ``check_symmetric_matrix_grads`` becomes :func:`symmetrize` called first."""

import numpy as np

from .harness import Port

port = Port("test_linalg.py", seed=1)
R = port.R


def symmetrize(A):
    L = np.tril(A)
    return (L + np.swapaxes(L, -1, -2)) / 2.0


def rand_psd(D):
    mat = R(D, D)
    return mat @ mat.T


def inv(x):
    return np.linalg.inv(x)


mat = R(8, 8)
port.check("test_inv", inv, mat @ mat + np.eye(8))


def pinv(x):
    return np.linalg.pinv(x)


def pinv_low_rank(x):
    return np.linalg.pinv(np.swapaxes(x, -1, -2) @ x)


for M in range(2, 8):
    port.check("test_pinv", pinv, R(5, M))
    port.check("test_pinv", pinv, R(2, 5, M))
for M in range(2, 8):
    port.check("test_pinv", pinv_low_rank, R(5, M))
    port.check("test_pinv", pinv_low_rank, R(2, 5, M))

port.check("test_inv_3d", inv, R(4, 4, 4) + 5 * np.eye(4))
port.check("test_inv_3d", inv, R(4, 4, 4, 4) + 5 * np.eye(4))

B_SOLVE = R(8, 7)
B_SOLVE_1D = R(8)
A_SOLVE = R(6, 6) + np.eye(6)
B_SOLVE_3D = R(5, 4)
B_SOLVE_3D_3D = R(5, 4, 6)


def solve_arg1(a):
    return np.linalg.solve(a, B_SOLVE)


def solve_arg1_1d(a):
    return np.linalg.solve(a, B_SOLVE_1D)


def solve_arg2(b):
    return np.linalg.solve(A_SOLVE, b)


def solve_arg1_3d(a):
    return np.linalg.solve(a, B_SOLVE_3D[..., None])[..., 0]


def solve_arg1_3d_3d(a):
    return np.linalg.solve(a, B_SOLVE_3D_3D)


port.check("test_solve_arg1", solve_arg1, R(8, 8) + 10.0 * np.eye(8))
port.check("test_solve_arg1_1d", solve_arg1_1d, R(8, 8) + 10.0 * np.eye(8))
port.check("test_solve_arg2", solve_arg2, R(6, 5))
port.check("test_solve_arg1_3d", solve_arg1_3d, R(5, 4, 4) + 5 * np.eye(4))
port.check("test_solve_arg1_3d_3d", solve_arg1_3d_3d, R(5, 4, 4) + 5 * np.eye(4))


def det(x):
    return np.linalg.det(x)


def logdet(x):
    _sign, logdet = np.linalg.slogdet(x)
    return logdet


def sum_of_logdets(x):
    return np.sum(np.linalg.slogdet(x)[1])


port.check("test_det", det, R(6, 6))
port.check("test_det_3d", det, R(3, 3, 3))
mat = R(6, 6)
port.check("test_slogdet", logdet, mat)
port.check("test_slogdet", logdet, -mat)
port.check("test_slogdet_3d", sum_of_logdets,
           np.concatenate([(rand_psd(5) + 5 * np.eye(5))[None, ...] for _ in range(3)]))


def norm(x):
    return np.linalg.norm(x)


def norm_of_list(x):
    return np.linalg.norm([x, x + 2])


def norm_of_tuple(x):
    return np.linalg.norm((x, x + 2))


def frobenius_norm_axis(x):
    return np.linalg.norm(x, axis=(0, 1))


port.check("test_vector_2norm", norm, R(6))
port.check("test_norm_list_of_boxes", norm_of_list, 0.0)
port.check("test_norm_list_of_boxes", norm_of_tuple, 0.0)
port.check("test_vector_2norm_complex", norm, R(6) + 1j * R(6))
port.check("test_frobenius_norm", norm, R(6, 5))
port.check("test_frobenius_norm_complex", norm, R(6, 5) + 1j * R(6, 5))
port.check("test_frobenius_norm_axis", frobenius_norm_axis, R(6, 5, 4))
port.check("test_frobenius_norm_axis_complex", frobenius_norm_axis, R(6, 5, 4) + 1j * R(6, 5, 4))
for ord in range(2, 5):
    port.expr("test_vector_norm_ord", "x", f"np.linalg.norm(x, ord={ord})", R(6))
for ord in range(2, 5):
    port.expr("test_vector_norm_ord_complex", "x", f"np.linalg.norm(x, ord={ord})",
              R(6) + 1j * R(6))
for axis in range(3):
    port.expr("test_norm_axis", "x", f"np.linalg.norm(x, axis={axis})", R(6, 5, 4))
for axis in range(3):
    port.expr("test_norm_axis_complex", "x", f"np.linalg.norm(x, axis={axis})",
              R(6, 5, 4) + 1j * R(6, 5, 4))


def nuclear_norm(x):
    return np.linalg.norm(x, ord="nuc")


def nuclear_norm_axis(x):
    return np.linalg.norm(x, ord="nuc", axis=(0, 1))


port.check("test_norm_nuclear", nuclear_norm, R(6, 5))
port.check("test_norm_nuclear_complex", nuclear_norm, R(6, 5) + 1j * R(6, 5))
port.check("test_norm_nuclear_axis", nuclear_norm_axis, R(6, 5, 4))
port.check("test_norm_nuclear_axis_complex", nuclear_norm_axis, R(6, 5, 4) + 1j * R(6, 5, 4))


def eigh(x):
    w, v = np.linalg.eigh(x)
    return w, v


def eigh_upper(x):
    w, v = np.linalg.eigh(x, "U")
    return w, v


def eigh_abs(x):
    w, v = np.linalg.eigh(x)
    return w, np.abs(v)


def eigh_upper_abs(x):
    w, v = np.linalg.eigh(x, "U")
    return w, np.abs(v)


def eig_abs(x):
    w, v = np.linalg.eig(x)
    return np.abs(w), np.abs(v)


def eig_values_abs_vectors(x):
    w, v = np.linalg.eig(x)
    return w, np.abs(v)


# (autograd differentiates eigh of the matrix as given: its gradient is that of the lower
# triangle, which finite differences of the whole matrix do not see; srcad's is the symmetric one.
# The port checks eigh of a symmetric argument, as check_symmetric_matrix_grads does elsewhere.)
EIGH = "eigh of symmetrize(x): autograd checks eigh(x) of the triangle it reads"


def eigh_sym(x):
    return eigh(symmetrize(x))


def eigh_upper_sym(x):
    return eigh_upper(symmetrize(x))


def eigh_abs_sym(x):
    return eigh_abs(symmetrize(x))


def eigh_upper_abs_sym(x):
    return eigh_upper_abs(symmetrize(x))


port.check("test_eigvalh_lower", eigh_sym, R(6, 6), note=EIGH)
port.check("test_eigvalh_upper", eigh_upper_sym, R(6, 6), note=EIGH)
mat = R(2, 3, 6, 6) + 10 * np.eye(6)[None, None, ...]
hmat = np.einsum("...ij,...kj->...ik", mat, mat)
port.check("test_eigvalh_lower_broadcasting", eigh_sym, hmat, note=EIGH)
port.check("test_eigvalh_upper_broadcasting", eigh_upper_sym, hmat, note=EIGH)
port.check("test_eigvalh_lower_complex", eigh_abs_sym, R(6, 6) + 1j * R(6, 6), note=EIGH)
port.check("test_eigvalh_upper_complex", eigh_upper_abs_sym, R(6, 6) + 1j * R(6, 6), note=EIGH)
port.check("test_eig_real", eig_abs, R(8, 8))
port.check("test_eig_complex", eig_values_abs_vectors, R(8, 8) + 1j * R(8, 8))
port.check("test_eig_batched", eig_values_abs_vectors, R(5, 8, 8) + 1j * R(5, 8, 8))


def cholesky(A):
    return np.linalg.cholesky(symmetrize(A))


def cholesky_reparameterization(A):
    rng = np.random.RandomState(0)
    z = np.dot(np.linalg.cholesky(symmetrize(A)), rng.randn(A.shape[0]))
    return np.linalg.norm(z)


port.check("test_cholesky", cholesky, rand_psd(6))
port.check("test_cholesky_broadcast", cholesky,
           np.concatenate([rand_psd(6)[None, :, :] for _ in range(3)], axis=0))
port.check("test_cholesky_reparameterization_trick", cholesky_reparameterization, rand_psd(6))


def svd(x):
    u, s, v = np.linalg.svd(x, full_matrices=False)
    return u, s, v


def svd_abs(x):
    u, s, v = np.linalg.svd(x, full_matrices=False)
    return np.abs(u), s, np.abs(v)


def svd_values(x):
    s = np.linalg.svd(x, full_matrices=False, compute_uv=False)
    return s


for name, shape in [("wide_2d", (3, 5)), ("wide_3d", (4, 3, 5)), ("square_2d", (4, 4)),
                    ("square_3d", (3, 4, 4)), ("tall_2d", (5, 3)), ("tall_3d", (4, 5, 3))]:
    port.check(f"test_svd_{name}", svd, R(*shape))
    port.check(f"test_svd_{name}_complex", svd_abs, R(*shape) + 1j * R(*shape))
for name, shape in [("2d", (5, 3)), ("3d", (4, 5, 3))]:
    port.check(f"test_svd_only_s_{name}", svd_values, R(*shape))
    port.check(f"test_svd_only_s_{name}_complex", svd_values, R(*shape) + 1j * R(*shape))
