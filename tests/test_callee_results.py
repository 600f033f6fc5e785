"""What a called function returns, known in its caller (issue #17, ``srcad/summaries.py``): the
shape of a call's result as a broadcast of its arguments' shapes, and whether it is real. A loop
``y = step(y, r)`` then keeps ``y`` a real number, so the callee's pair is specialized on it (no
``unbroadcast``, no ``real_operands``). Every case is checked against central differences and as
Hessian-vector products; the adversarial ones are calls whose result is *not* what the arguments
suggest (a reduction, a matrix product, a complex value, broadcasting that grows the shape,
recursion, an array default), where the caller must assume nothing."""

from __future__ import annotations

import math

import numpy as np
import pytest

import srcad
from gradcheck import check_grad, make_function
from rulecheck import check_hvp, check_jvp

CASES = {
    "a scalar loop through a helper, in a while loop": ("""
def step(y, r):
    return r * y * (1.0 - y) + 0.01 * math.cos(y)

def f(r, y0, n):
    y = y0
    k = 0
    while k < n:
        y = step(y, r)
        k += 1
    return y
""", (3.1, 0.3, 7)),
    "an array loop through a helper that keeps the shape": ("""
def step(u, a):
    return u + 0.1 * np.tanh(a * u)

def f(u, a):
    for i in range(4):
        u = step(u, a)
    return np.sum(u ** 2)
""", (np.array([0.5, -1.0, 2.0]), np.array([0.3, 0.2, -0.4]))),
    "a helper whose broadcasting grows the shape": ("""
def step(u, a):
    return u * a

def f(u, a):
    for i in range(3):
        u = step(u, a) + 0.5
    return np.sum(u)
""", (np.array([0.5, -1.0, 2.0]), np.array([[0.3], [1.2]]))),
    "a helper returning a reduction": ("""
def energy(u):
    return np.sum(u ** 2)

def f(u, c):
    e = c
    for i in range(3):
        e = e * 0.5 + energy(u * e)
    return e
""", (np.array([0.5, -1.0, 2.0]), 0.7)),
    "a helper returning a matrix product": ("""
def project(W, h):
    return W @ h

def f(W, h):
    for i in range(3):
        h = np.tanh(project(W, h)) * h
    return np.sum(h)
""", (np.array([[0.5, -0.2], [0.3, 0.8]]), np.array([0.4, -0.7]))),
    "a helper returning a complex value": ("""
def phase(x):
    return np.exp(1j * x)

def f(x):
    z = phase(x)
    return np.real(z * np.conj(z) + z)
""", (0.8,)),
    "a recursive helper": ("""
def halve(x, n):
    if n == 0:
        return x
    return halve(x * 0.5 + math.sin(x), n - 1)

def f(x):
    y = x
    for i in range(2):
        y = halve(y, 3)
    return y
""", (0.9,)),
    "a helper with a number default and one with an array default": ("""
def shift(x, c=0.5):
    return x + c

def tilt(x, v=np.array([1.0, 2.0])):
    return x * v

def f(x):
    y = x
    for i in range(2):
        y = shift(y) * y
    return np.sum(tilt(y)) + y
""", (0.4,)),
}


@pytest.mark.parametrize("name", CASES)
def test_callee_results_give_the_right_gradients(name):
    source, args = CASES[name]
    f = make_function(source, {"math": math}, name="f")
    for k, a in enumerate(args):
        if isinstance(a, int):
            continue
        check_grad(f, args, argnums=k)
        check_hvp(f, args, k)
        check_jvp(f, args, [k])


def test_forward_mode_specializes_the_callee_too():
    source, args = CASES["a scalar loop through a helper, in a while loop"]
    f = make_function(source, {"math": math}, name="f")
    from srcad.api.specialize import specialization
    from srcad.pipeline import jvp_transform

    text = jvp_transform(f, (0,), specialization(f, args, {}, True))[2]
    callee = text[text.index("def jvp_step"):]
    assert "real_operands" not in callee and "-y_dot * math.sin(y)" in callee


def test_a_loop_through_a_helper_keeps_a_real_number():
    source, args = CASES["a scalar loop through a helper, in a while loop"]
    f = make_function(source, {"math": math}, name="f")
    df = srcad.grad(f)
    df(*args)
    text = srcad.source(df)
    backward = text[text.index("def backward_step"):]
    assert "unbroadcast" not in backward and "real_operands" not in backward
    assert "dy, dr_step = backward_step(step_saved, dy)" in text  # (the gradient tuple unpacked)


def test_a_complex_result_keeps_the_run_time_check():
    source, args = CASES["a helper returning a complex value"]
    f = make_function(source, name="f")
    df = srcad.grad(f)
    df(*args)
    # f(x) = |z|^2 + cos(x) = 1 + cos(x): the caller may not treat z as real (the conjugate's
    # adjoint needs its imaginary part), else the gradient would miss -sin(x)
    assert abs(df(0.8) - (-math.sin(0.8))) < 1e-12


def test_a_helper_redefined_is_read_again():
    source = """
def helper(y, r):
    return r * y

def f(r, y0):
    y = y0
    for i in range(3):
        y = helper(y, r)
    return y
"""
    f = make_function(source, name="f")
    df = srcad.grad(f)
    assert abs(df(2.0, 0.5) - 3 * 4.0 * 0.5) < 1e-12  # d(r^3 y0)/dr = 3 r^2 y0
    f.__globals__["helper"] = make_function("""
def helper(y, r):
    return r * y * y
""", name="helper")
    # y_{k+1} = r y_k^2: y3 = r^7 y0^8, d/dr = 7 r^6 y0^8
    assert abs(df(2.0, 0.5) - 7 * 2.0 ** 6 * 0.5 ** 8) < 1e-12


def test_a_callee_that_cannot_be_read_is_no_obstacle():
    # a builtin-like callee without source: the caller's analysis assumes nothing of it
    source = """
def f(x):
    y = x
    for i in range(3):
        y = y * 0.5 + opaque(2.0)
    return y
"""
    f = make_function(source, {"opaque": abs}, name="f")
    assert abs(srcad.grad(f)(1.0) - 0.125) < 1e-12


def test_a_helper_whose_file_was_edited_is_not_read(tmp_path, monkeypatch):
    # the helper's file edited on disk, not reloaded: its text is not the code that runs, so the
    # caller's analysis must not read it (were it read, x would pass for a number: a wrong
    # gradient, since the code that runs broadcasts it against an array)
    import importlib
    import os
    import sys
    import time

    from srcad import summaries

    (tmp_path / "edited_helper.py").write_text(
        "import numpy as np\n\ndef helper(y, c):\n    return y * c\n")
    (tmp_path / "edited_caller.py").write_text(
        "from edited_helper import helper\n\n"
        "def f(x, c):\n    y = x\n    for i in range(2):\n        y = helper(y, c)\n"
        "    return y.sum() if hasattr(y, 'sum') else y\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("edited_helper", "edited_caller"):
        sys.modules.pop(name, None)
    caller = importlib.import_module("edited_caller")
    helper = importlib.import_module("edited_helper")
    assert summaries._current(helper.helper)
    later = time.time() + 5
    (tmp_path / "edited_helper.py").write_text(
        "import numpy as np\n\ndef helper(y, c):\n    return np.sum(y * c)\n")
    os.utime(tmp_path / "edited_helper.py", (later, later))
    assert not summaries._current(helper.helper)
    c = np.array([0.5, 2.0, -1.0])
    with pytest.raises(srcad.SrcadError, match="edited"):
        srcad.grad(caller.f)(0.7, c)  # (differentiated: refused, as pass 1 refuses it)
