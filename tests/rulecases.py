"""The rule tests' expressions that are not elementwise -- the ``CASES`` of tests/test_rules_numpy.py,
tests/test_rules_fft.py and tests/test_rules_linalg_more.py, checked there against finite
differences on NumPy -- as test parameters, each made into a function of its operands that
contracts the expression's value with a random weight. tests/test_other_arrays.py runs them on
Dask arrays, tests/test_cupy.py on CuPy's, against srcad's numbers on NumPy.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from gradcheck import make_function
from rulecheck import case_id


def non_elementwise_cases():
    """``pytest.param(expr, makers)`` for each expression, with an id naming its family and rule."""
    from test_rules_fft import CASES as FFT
    from test_rules_linalg_more import CASES as LINALG
    from test_rules_numpy import CASES as NUMPY
    for family, cases in (("numpy", NUMPY), ("fft", FFT)):
        for fn, entries in cases.items():
            for k, (expr, makers) in enumerate(entries):
                yield pytest.param(expr, makers, id=f"{family}-{case_id(fn, k)}")
    for k, (expr, makers) in enumerate(LINALG):
        yield pytest.param(expr, makers, id=f"linalg-{k}")


def weighted(expr, makers, place=None):
    """``(f, f_placed, args, rng)``: ``f(x, y, z) = np.sum(expr * w)`` for a random weight ``w``,
    the operands ``args`` the makers draw, ``f_placed`` the same function with ``w`` given to
    ``place`` (a library's ``asarray``; None: not made), and the generator, for further draws."""
    names = ["x", "y", "z"][:len(makers)]
    rng = np.random.default_rng(11)
    args = [make(rng) for make in makers]
    value = eval(expr, {"np": np, "math": math}, dict(zip(names, args)))
    w = rng.standard_normal(np.shape(value))
    source = f"""
        def f({', '.join(names)}):
            return np.sum(({expr}) * w)
        """
    fn = make_function(source, {"w": w, "math": math})
    placed = None if place is None else make_function(
        source, {"w": place(w) if np.ndim(w) else w, "math": math})
    return fn, placed, args, rng
