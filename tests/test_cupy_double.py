"""tests/test_cupy.py run with a CPU double of CuPy (tests/cupy_double), in a process of its own:
CI has no GPU, and the double keeps CuPy's discipline (no implicit conversion to NumPy, no NumPy
array among its functions' operands, 0-d reductions, synchronisations counted) so that a change
to srcad's runtime that would mix host arrays into a GPU gradient fails here first.

Left to the real CuPy (run where a GPU is): the Array API idiom and CuPy's own functions (the
double's functions are wrappers of NumPy's, with NumPy's signatures, which array_api_compat and
srcad's rule aliases read) and PyTorch's CUDA tensors.
"""

import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def test_the_cupy_tests_pass_on_the_double():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [os.path.join(HERE, "cupy_double"), ROOT, os.environ.get("PYTHONPATH", "")]))
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-o", "addopts=", "-q", "-W",
         "ignore", os.path.join(HERE, "test_cupy.py"), "-k",
         "not idiom and not own_functions and not pytorch"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    passed = int(re.search(r"(\d+) passed", run.stdout).group(1))
    assert passed >= 90, run.stdout[-2000:]  # (the rule table, the corpus, the six functions)
