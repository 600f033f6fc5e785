"""``srcad.export(df, path, jit=True)``: a module holding the code ``df``'s latest call compiled,
which compiles itself with numba as it is imported (srcad's jit extra needed there), giving the
numbers ``df`` gives; refused where there is no compiled code to write."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import srcad

import numba  # noqa: F401  (the test extra installs it: a missing numba fails here, never skips)

MODEL = """
import numpy as np
SCALE = 2.0

def helper(a):
    return a * SCALE

def loss(x, n):
    s = 0.0
    for i in range(n):
        s = s + np.sin(x[i % 3]) * helper(x[0])
    return s

def factorial_loss(x, n):
    k = 1
    for i in range(n):
        k = k * (i + 2)
    return x[0] * k
"""

IMPORTER = textwrap.dedent("""
    import json, sys
    import numpy as np
    sys.path.insert(0, sys.argv[1])
    import loss_grad
    x = np.array([0.3, 1.2, -0.5])
    value, grad = loss_grad.grad_loss(x, 7)
    runner = loss_grad.grad_loss
    print(json.dumps({"value": value, "grad": grad.tolist(), "compiled": runner._refusal is None
                      and len(runner._dispatcher.overloads) == 1}))
    """)


@pytest.fixture
def model(tmp_path, monkeypatch):
    (tmp_path / "model_for_export.py").write_text(MODEL)
    monkeypatch.syspath_prepend(str(tmp_path))
    import model_for_export
    return model_for_export


def test_the_exported_module_compiles_itself_and_gives_the_same_numbers(model, tmp_path):
    df = srcad.grad(model.loss, jit=True)
    x = np.array([0.3, 1.2, -0.5])
    expected = srcad.value_and_grad(model.loss)(x, 7)
    np.testing.assert_allclose(df(x, 7), expected[1])
    text = srcad.export(df, str(tmp_path / "loss_grad.py"), jit=True)
    assert "compiled with numba at the first call (jit=True)" in text
    assert "_compile_module(globals(), 'grad_loss'" in text
    script = tmp_path / "importer.py"
    script.write_text(IMPORTER)
    env = dict(os.environ, SRCAD_CACHE_DIR=str(tmp_path / "cache"))
    done = subprocess.run([sys.executable, str(script), str(tmp_path)], capture_output=True,
                          text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["compiled"]
    np.testing.assert_allclose(result["value"], expected[0], rtol=1e-12)
    np.testing.assert_allclose(result["grad"], expected[1], rtol=1e-12)


def test_export_with_jit_needs_compiled_code(model, tmp_path):
    path = str(tmp_path / "out.py")
    with pytest.raises(srcad.SrcadError, match="made without jit"):
        srcad.export(srcad.grad(model.loss), path, jit=True)
    with pytest.raises(srcad.SrcadError, match="not been called"):
        srcad.export(srcad.grad(model.loss, jit=True), path, jit=True)
    df = srcad.grad(model.factorial_loss, jit=True)  # (an integer product: refused)
    with pytest.raises(srcad.JitError):
        df(np.array([1.0, 2.0]), 5)
    with pytest.raises(srcad.JitError, match="integer"):
        srcad.export(df, path, jit=True)
    assert not os.path.exists(path)
