"""autograd's own test suite, ported (tests/autograd_port/port_*.py), as srcad's test of breadth:
every ported check passes in reverse mode, forward mode and second order (harness.py), except the
ones expected.py lists, which must be refused with a located SrcadError saying what it lists. A
wrong number or a crash fails whatever the list says; so does a listed refusal that now passes
(remove it from the list: ``python benchmarks/autograd_port.py --write-expected``).

The figures, per autograd file, are in docs/rules.md ("autograd's test suite").
"""

import numpy as np
import pytest

import srcad

from . import port_complex, port_wrappers
from .expected import EXPECTED_REFUSALS
from .harness import MODES, run
from .ports import FILES, all_checks, all_skipped, ports

CHECKS = all_checks()


def _describe(result):
    return {m: (o.status, o.message) for m, o in result.outcomes.items()}


@pytest.mark.parametrize("check", CHECKS, ids=[c.id.replace("::", "-") for c in CHECKS])
def test_ported_check(check):
    result = run(check)
    expected = EXPECTED_REFUSALS.get(check.id, {})
    for mode in MODES:
        outcome = result.outcomes[mode]
        if mode not in expected:
            assert outcome.status == "pass", (mode, _describe(result))
            continue
        assert outcome.status == "refused", (
            f"{check.id} {mode}: listed as refused ({expected[mode]!r}) but {outcome.status}; "
            f"if it passes now, remove it from expected.py", _describe(result))
        assert outcome.located, f"{check.id} {mode}: refused without naming a place"
        assert expected[mode] in outcome.message, (expected[mode], outcome.message)


def test_the_expected_refusals_name_ported_checks_and_modes():
    ids = {c.id for c in CHECKS}
    assert set(EXPECTED_REFUSALS) <= ids, sorted(set(EXPECTED_REFUSALS) - ids)
    assert all(set(modes) <= set(MODES) and modes for modes in EXPECTED_REFUSALS.values())


def test_the_port_covers_autograds_files_and_says_what_it_leaves_out():
    assert [p.file for p in ports()] == FILES
    for port in ports():
        assert port.checks or port.skipped, port.file
        ported = {c.test for c in port.checks}
        assert not ported & {s.test for s in port.skipped}, port.file
    assert all(s.reason for s in all_skipped())
    assert len(CHECKS) > 1900 and len({c.id for c in CHECKS}) == len(CHECKS)


def test_at_least_98_percent_of_the_checks_pass():
    assert len(EXPECTED_REFUSALS) <= 0.02 * len(CHECKS), len(EXPECTED_REFUSALS)


# ---- what autograd's tests assert besides check_grads, where srcad has the counterpart -------

def test_complex_gradient_types():
    """test_complex.py's test_real_type: a real argument gets a real gradient, a complex one a
    complex gradient (both in JAX's convention, as autograd's)."""
    g = srcad.grad(port_complex.sum_of_real)
    assert np.isrealobj(g(2.0)) and np.iscomplexobj(g(1.0j))


def test_dtypes():
    """test_wrappers.py's test_dtypes and test_numpy.py's test_astype: the gradient has the
    argument's floating type."""
    f = port_wrappers.real_sum_of_squares
    for dtype in (np.float32, np.float16, np.longdouble):
        assert srcad.grad(f)(np.ones((2, 2), dtype=dtype)).dtype == dtype
    assert srcad.grad(f)(np.ones((2, 2), dtype=np.clongdouble)).dtype.kind == "c"
    from .port_numpy import sin_of_float64
    assert srcad.grad(sin_of_float64)(np.arange(3, dtype="float32")).dtype == np.float32


def test_wrappers_api_counterparts():
    """What test_wrappers.py asserts of autograd's API, with srcad's counterparts."""
    w = port_wrappers
    x = np.array([0.3, -1.2, 0.8, 0.1, 2.0])
    value, gradient = srcad.value_and_grad(w.power)(1.7)  # test_return_both
    assert value == w.power(1.7) and gradient == srcad.grad(w.power)(1.7)
    value, gradient = srcad.value_and_grad(w.sum_of_sin_squared)(x)  # test_value_and_grad
    np.testing.assert_allclose(value, w.sum_of_sin_squared(x))
    np.testing.assert_allclose(gradient, srcad.grad(w.sum_of_sin_squared)(x))
    np.testing.assert_allclose(srcad.hessian(w.quadratic)(x), w.H + w.H.T)  # test_hessian
    args = (0.5, -0.3, 0.2, -1.1, 0.7)  # test_multigrad: argnums in the order given
    wrapped = srcad.grad(w.complicated_fun_fg, argnums=(3, 1))(*args)
    explicit = srcad.grad(w.complicated_fun_3_1)((-1.1, -0.3))
    np.testing.assert_allclose(wrapped, explicit)
    value, grads = srcad.value_and_grad(w.complicated_fun_fg, argnums=(3, 1))(*args)
    assert value == w.complicated_fun_fg(*args)
    np.testing.assert_allclose(grads, wrapped)
    a, b = x[:3], x[2:]  # test_multigrad_onearg
    np.testing.assert_allclose(srcad.grad(w.sum_x_sin_y, argnums=(0,))(a, b)[0],
                               srcad.grad(w.packed_sum_x_sin_y)((a, b))[0])
    hessian = srcad.hessian(w.sum_of_sin)(x)  # test_hvp, test_hessian_tensor_product
    np.testing.assert_allclose(srcad.hvp(w.sum_of_sin)(x, x[::-1]), hessian @ x[::-1])
    a3 = np.arange(12.0).reshape(2, 3, 2) / 7  # test_hessian_tensor_product_3d
    np.testing.assert_allclose(srcad.hvp(w.sum_of_sin)(a3, a3 ** 2), np.tensordot(
        srcad.hessian(w.sum_of_sin)(a3), a3 ** 2, axes=3))
    v = np.arange(12.0).reshape(2, 3, 2)  # test_tensor_jacobian_product: a VJP
    out, vjp_fn = srcad.vjp(w.rolled_sin, a3)
    np.testing.assert_allclose(vjp_fn(v)[0], np.tensordot(v, srcad.jacrev(w.rolled_sin)(a3),
                                                          axes=3))
    x4 = x[:4]  # test_grad_and_aux: has_aux
    gradient, aux = srcad.grad(lambda_free_aux, has_aux=True)(x4)
    np.testing.assert_allclose(gradient, srcad.grad(w.sum_of_product)(x4))
    np.testing.assert_allclose(aux, x4 ** 2)
    _, tangent = srcad.jvp(w.tanh_of_product, (x,), (x[::-1],))  # test_make_jvp
    np.testing.assert_allclose(tangent, srcad.jacfwd(w.tanh_of_product)(x) @ x[::-1])


def lambda_free_aux(x):
    """test_grad_and_aux's ``lambda x: (np.sum(np.dot(A, x)), x ** 2)``."""
    return np.sum(np.dot(port_wrappers.A54, x)), x ** 2
