"""A called function that changes its argument in place through another name for it (issue #14, class 1).

``mutated_parameters`` (``srcad/passes/mutation.py``) follows, inside a called function, every name
that may share a parameter's memory: one bound by tuple unpacking, a ``for`` target iterating over
the parameter, either branch of a conditional expression, a container holding it, and what a
function returning its argument returned (``returned_parameters``). A call that passes an array
carrying a gradient to such a function is refused at the call's line; helpers that change only
their own arrays are differentiated (checked against central differences, forward mode and HVPs).
Found by the long fuzz run (seed 110306): a helper wrote ``v = helper1(a, ...); v *= c``, which
changes the caller's ``x`` through ``helper1`` returning ``a``.
"""

from __future__ import annotations

import numpy as np
import pytest

import srcad
from gradcheck import check_grad, make_function
from rulecheck import check_hvp, check_jvp

X = np.array([[0.3, -1.2, 0.7], [2.1, -0.4, 0.9]])

HELPERS = """
def ident(a, b):
    return a

def first(pair):
    return pair[0]

def scaled(a):
    return a / np.sum(a * a)

def pair(a, b):
    return (a, b)
"""

CHANGING = {
    "through a function returning its argument": "v = ident(a, 1.0)\n    v *= 0.5",
    "through a tuple unpacking": "v, w = a, 1.0\n    v *= 0.5",
    "through a for target": "for row in a:\n        row *= 0.5",
    "through a conditional expression": "v = a if a.shape[0] > 1 else a * 2.0\n    v[0] = 0.5",
    "through a dict": "d = {'w': a}\n    d['w'] *= 0.5",
    "through a list and a helper": "v = first([a, 1.0])\n    v[1] = 0.0",
    "through enumerate": "for k, row in enumerate(a):\n        row[0] = k",
}


def _caller(body):
    return make_function(HELPERS + f"""
def helper(a):
    {body}
    return 1.0

def f(x):
    y = x * 2.0
    z = helper(y)  # HERE
    return np.sum(y * y) * z
""", {"np": np}, name="f")


@pytest.mark.parametrize("body", CHANGING.values(), ids=CHANGING.keys())
def test_a_helper_changing_its_argument_through_another_name_is_refused_at_the_call(body):
    f = _caller(body)
    with pytest.raises(srcad.SrcadError) as info:
        srcad.grad(f)(X.copy())
    # at the call, or at the write inside the helper where the helper reads 'a' again after it
    assert "z = helper(y)" in info.value.location.line or "a" in str(info.value)
    assert "in place" in str(info.value) or "written into" in str(info.value)


KEEPING = {
    "a new array changed": "v = np.exp(a)\n    v *= 2.0\n    return v",
    "a helper's new array changed": "v = scaled(a)\n    v[0] = 1.0\n    return v * a",
    "a copy changed": "v = a.copy()\n    v[0] = 0.0\n    return v * a",
    "a pair unpacked": "v, w = a * 1.0, a\n    v *= 0.5\n    return v + w",
    "a helper's pair unpacked": "v, w = pair(a, a * 2.0)\n    w[0] = 1.0\n    return v + w",
}


@pytest.mark.parametrize("body", KEEPING.values(), ids=KEEPING.keys())
def test_a_helper_changing_only_its_own_arrays_is_differentiated(body):
    f = make_function(HELPERS + f"""
def helper(a):
    {body}

def f(x):
    y = x * 2.0
    z = helper(y)
    return np.sum(y * z) + np.sum(np.sin(z))
""", {"np": np}, name="f")
    check_grad(f, (X.copy(),))
    check_jvp(f, (X.copy(),), [0])
    check_hvp(f, (X.copy(),), 0)


def test_what_the_helpers_return_is_read_from_their_source():
    from srcad.passes.mutation import returned_parameters, returned_structure
    source = HELPERS + """
def view(a, b):
    return a.T[1:] if b > 0 else np.reshape(b, (1,))

def listed(a, b):
    return [p for p in zip(a, b)]
"""
    ident, first, scaled, pair, view, listed = (
        make_function(source, {"np": np}, name=n)
        for n in ("ident", "first", "scaled", "pair", "view", "listed"))
    assert returned_parameters(ident) == {"a"}
    assert returned_parameters(first) == {"pair"}
    assert returned_parameters(scaled) == set()
    assert returned_parameters(pair) == {"a", "b"}
    assert returned_structure(pair) == ({"a"}, {"b"})
    assert returned_parameters(view) == {"a", "b"}
    assert returned_parameters(listed) == {"a", "b"}
