"""jit=True's disk cache (srcad.jit.cache): a second process loads the compiled code instead of
compiling it, and never loads code that is stale (a global or a helper changed between
processes), tampered with, refused, or in a folder another user could write."""

import json
import os
import stat
import subprocess
import sys
import textwrap

import numpy as np
import pytest

pytest.importorskip("numba")

RUNNER = textwrap.dedent("""
    import json, sys, warnings
    import numpy as np
    sys.path.insert(0, sys.argv[1])
    import srcad, user_code
    x = np.array([0.3, -1.2, 2.5])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = srcad.grad(user_code.f, jit="auto")
        value = df(x, 7)
    runner = df.transformed((x, 7), {}).function
    dispatcher = runner._dispatcher
    from srcad.api.specialize import specialization
    from srcad.passes.reverse import Options
    from srcad.pipeline import jvp_transform
    tangent = srcad.jvp(user_code.f, (x, 7), (np.ones(3), None), jit="auto")[1]
    forward = jvp_transform(user_code.f, (0,), specialization(user_code.f, (x, 7), {}, True),
                            Options(jit="auto"))[0]._dispatcher
    print(json.dumps({
        "tangent": float(tangent),
        "tangent_python": float(srcad.jvp(user_code.f, (x, 7), (np.ones(3), None))[1]),
        "forward_hits": sum(forward.stats.cache_hits.values()) if forward is not None else 0,
        "value": value.tolist(),
        "python": srcad.grad(user_code.f)(x, 7).tolist(),
        "hits": sum(dispatcher.stats.cache_hits.values()) if dispatcher is not None else 0,
        "compiled": runner._refusal is None,
        "warnings": [str(w.message) for w in caught],
    }))
    """)

CODE = """
import numpy as np
import helpers
from helpers import helper
SCALE = {scale}

def f(x, n):
    s = 0.0
    for i in range(n):
        s = s + np.sin(x[i % 3]) * helper(x[0]) * SCALE * helpers.K
    return s
"""

HELPER = """
K = {k}

def helper(a):
    return a * {factor}
"""


def _write(folder, scale=2.0, factor=3.0, code=CODE, k=1.5):
    (folder / "user_code.py").write_text(code.format(scale=scale))
    (folder / "helpers.py").write_text(HELPER.format(factor=factor, k=k))


def _run(folder, cache, **env):
    script = folder / "runner.py"
    script.write_text(RUNNER)
    environment = dict(os.environ, SRCAD_CACHE_DIR=str(cache), **env)
    environment.pop("SRCAD_JIT_CACHE", None) if "SRCAD_JIT_CACHE" not in env else None
    done = subprocess.run([sys.executable, "-B", str(script), str(folder)], capture_output=True,
                          text=True, env=environment, timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    np.testing.assert_allclose(result["value"], result["python"], rtol=1e-12)
    np.testing.assert_allclose(result["tangent"], result["tangent_python"], rtol=1e-12)
    return result


def _numba_files(cache):
    folder = cache / "jit" / "__pycache__"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_a_second_process_loads_the_compiled_code(tmp_path):
    _write(tmp_path)
    cache = tmp_path / "cache"
    first = _run(tmp_path, cache)
    assert first["compiled"] and first["hits"] == 0
    second = _run(tmp_path, cache)
    assert second["compiled"] and second["hits"] == 1
    assert second["value"] == first["value"]
    assert first["forward_hits"] == 0 and second["forward_hits"] == 1  # (jvp's code too)
    for path in [cache / "jit", cache / "jit" / "__pycache__"]:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o700
    assert any(name.endswith(".nbi") for name in _numba_files(cache))


def test_a_global_or_a_helper_changed_between_processes_is_never_stale(tmp_path):
    cache = tmp_path / "cache"
    _write(tmp_path, scale=2.0, factor=3.0)
    first = _run(tmp_path, cache)
    _write(tmp_path, scale=5.0, factor=3.0)  # (the module's number: another key)
    second = _run(tmp_path, cache)
    assert second["hits"] == 0 and second["value"] != first["value"]
    _write(tmp_path, scale=5.0, factor=-4.0)  # (the helper's code: another key)
    third = _run(tmp_path, cache)
    assert third["hits"] == 0 and third["value"] != second["value"]
    _write(tmp_path, scale=5.0, factor=-4.0, k=0.25)  # (a module's attribute: another key)
    fourth = _run(tmp_path, cache)
    assert fourth["hits"] == 0 and fourth["value"] != third["value"]
    assert _run(tmp_path, cache)["hits"] == 1


def test_files_changed_on_disk_are_deleted_and_compiled_again(tmp_path):
    _write(tmp_path)
    cache = tmp_path / "cache"
    _run(tmp_path, cache)
    data = [cache / "jit" / "__pycache__" / n for n in _numba_files(cache) if n.endswith(".nbc")]
    assert len(data) == 2  # (grad's code and jvp's)
    for path in data:
        with open(path, "ab") as file:
            file.write(b"\0")
    again = _run(tmp_path, cache)
    assert again["compiled"] and again["hits"] == 0 and again["forward_hits"] == 0
    assert _run(tmp_path, cache)["hits"] == 1


def test_a_folder_other_users_can_write_is_not_used(tmp_path):
    _write(tmp_path)
    cache = tmp_path / "cache"
    _run(tmp_path, cache)
    os.chmod(cache / "jit", 0o777)
    result = _run(tmp_path, cache)
    assert result["compiled"] and result["hits"] == 0
    assert any("disk cache" in w and "writable by other users" in w for w in result["warnings"])


def test_the_cache_can_be_turned_off(tmp_path):
    _write(tmp_path)
    cache = tmp_path / "cache"
    assert _run(tmp_path, cache, SRCAD_JIT_CACHE="0")["compiled"]
    assert not (cache / "jit").exists()


def test_refused_code_is_not_kept(tmp_path):
    code = """
import numpy as np
from helpers import helper
SCALE = {scale}

def f(x, n):
    k = 1
    for i in range(n):
        k = k * (i + 2)
    return x[0] * k + helper(x[1]) * SCALE
"""
    _write(tmp_path, code=code)
    cache = tmp_path / "cache"
    result = _run(tmp_path, cache)
    assert not result["compiled"] and any("integer" in w for w in result["warnings"])
    assert not any(name.endswith((".nbi", ".nbc")) for name in _numba_files(cache))
    assert not _run(tmp_path, cache)["compiled"]


def test_a_refusal_is_recorded_and_the_next_process_refuses_at_once(tmp_path):
    code = """
import numpy as np
from helpers import helper
SCALE = {scale}

def f(x, n):
    return np.sum(np.max(x * helper(x[0]), axis=0, keepdims=True)) * SCALE * n
"""
    _write(tmp_path, code=code)
    cache = tmp_path / "cache"
    first = _run(tmp_path, cache)
    assert not first["compiled"]
    assert any(name.endswith(".refused.json") for name in os.listdir(cache / "jit"))
    second = _run(tmp_path, cache)
    assert not second["compiled"]
    assert any("recorded by an earlier process" in w for w in second["warnings"])
