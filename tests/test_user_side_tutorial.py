"""The user's side (issue #20): the tutorial (docs/tutorial.md) and the notebook
(examples/workflow.ipynb) say what srcad does today.

The tutorial is run as a reader would run it: each ``<!-- run -->`` code block is executed in order
in one namespace (from the repository root, with examples/ importable); the ``text`` block after an
``<!-- output -->`` marker must be what it printed (numbers to 6 significant digits, so that the
last bits of a BLAS do not matter; the words exactly); the ``python`` block after a
``<!-- generated: EXPR -->`` marker must be ``srcad.source(EXPR)``, exactly, and the one after
``<!-- source: EXPR -->`` the user's function as written (``inspect.getsource``). With
``SRCAD_UPDATE_DOCS=1`` the generated and output blocks are rewritten instead (read the diff).

The notebook is executed with nbclient in a fresh kernel, and fails on any error of any cell; its
display of a derived function must be srcad's HTML. nbclient and ipykernel are in the ``test``
extra; without them (an old virtual environment) the test is skipped, unless
``SRCAD_REQUIRE_NOTEBOOK=1`` (which .ci/run sets) makes that a failure.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import os
import re
from html import unescape
from pathlib import Path

import numpy as np
import pytest

import srcad

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL = ROOT / "docs" / "tutorial.md"
NOTEBOOK = ROOT / "examples" / "workflow.ipynb"

_BLOCK = re.compile(r"<!-- (run|output|(?:generated|source): (?P<expr>.+?)) -->\n"
                    r"```(?P<lang>\w+)\n(?P<body>.*?)```", re.S)
_NUMBER = re.compile(r"-?\d+\.\d+(?:e[-+]?\d+)?|-?\d+e[-+]?\d+")


def _same_output(written: str, printed: str) -> bool:
    """The same words, and the same numbers to 6 significant digits."""
    if _NUMBER.sub("#", written) != _NUMBER.sub("#", printed):
        return False
    a = [float(x) for x in _NUMBER.findall(written)]
    b = [float(x) for x in _NUMBER.findall(printed)]
    return np.allclose(a, b, rtol=1e-6, atol=1e-9)


def test_the_tutorial_runs_and_shows_what_srcad_generates(monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.syspath_prepend(str(ROOT / "examples"))
    text = TUTORIAL.read_text()
    update = bool(os.environ.get("SRCAD_UPDATE_DOCS"))
    namespace: dict = {"__name__": "tutorial"}
    printed = ""
    pieces, last = [], 0
    kinds = []
    for block in _BLOCK.finditer(text):
        kind, body = block.group(1).split(":")[0], block.group("body")
        kinds.append(kind)
        if kind == "run":
            assert block.group("lang") == "python"
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(compile(body, f"{TUTORIAL}:{text[:block.start()].count(chr(10)) + 2}",
                             "exec"), namespace)
            printed = out.getvalue()
            continue
        if kind == "output":
            expected = printed
            same = _same_output(body, expected)
        elif kind == "source":  # the user's function, as written in examples/
            expected = inspect.getsource(eval(block.group("expr"), namespace))
            same = body == expected
        else:  # generated
            expected = srcad.source(eval(block.group("expr"), namespace))
            same = body == expected
        if update and not same:
            pieces.append(text[last:block.start("body")] + expected)
            last = block.end("body")
        else:
            assert same, f"docs/tutorial.md, {block.group(1)}: regenerate with SRCAD_UPDATE_DOCS=1"
    if update and pieces:
        TUTORIAL.write_text("".join(pieces) + text[last:])
    # the four examples the tutorial teaches, each with its generated code
    assert kinds.count("generated") >= 4 and kinds.count("output") >= 4
    for name in ("f", "two_paths", "f_of_f_of_f", "loss"):
        assert any(f"gradient of {name} " in srcad.source(v) for v in namespace.values()
                   if isinstance(v, srcad.api.Derived)), name


def test_the_tutorial_outputs_are_compared_by_their_numbers():
    assert _same_output("loss 0.1234567 (1.0, 2)", "loss 0.12345670001 (1.0, 2)")
    assert not _same_output("loss 0.1234567", "loss 0.1334567")
    assert not _same_output("loss 0.1234567", "cost 0.1234567")


def _executed(path: Path):
    """The notebook at ``path``, executed by nbclient in a fresh kernel that imports this checkout's
    srcad (from examples/, as a reader opening it there would); raises on any cell's error."""
    import nbclient
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    previous = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), previous]))
    try:
        nbclient.NotebookClient(notebook, timeout=60, kernel_name="python3",
                                resources={"metadata": {"path": str(path.parent)}}).execute()
    finally:
        if previous is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = previous
    return notebook


def _outputs(notebook) -> list[tuple[str, str]]:
    """What the cells showed, with what differs between runs made alike: the kernel's temporary
    folder and the display's ids."""
    shown = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            text = output.get("text") or data.get("text/html") or data.get("text/plain", "")
            text = re.sub(r"ipykernel_\d+", "ipykernel_N", text)
            shown.append((output.output_type, re.sub(r"srcad-[0-9a-f]{8}-\d+", "srcad-ID", text)))
    return shown


def test_the_notebook_runs_in_a_fresh_kernel_and_shows_what_is_saved_in_it():
    try:
        import nbformat
    except ImportError:
        if os.environ.get("SRCAD_REQUIRE_NOTEBOOK"):
            raise
        pytest.skip("nbclient is not installed (pip install -e '.[test]')")
    notebook = _executed(NOTEBOOK)
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    shown = [unescape(re.sub(r"<[^>]+>", "", h)) for h in html]
    assert any('class="srcad-display"' in h and "def grad_loss(w, b, X, y, l2):" in t
               for h, t in zip(html, shown))
    assert any("srcad-error" in h and "UnsupportedSyntaxError" in t and "with open(" in t
               for h, t in zip(html, shown))
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "check_grads: ok" in text and "training accuracy" in text
    # the check is against finite differences (srcad.check_grads), not srcad against itself
    assert "srcad.check_grads(" in "".join(cell.source for cell in notebook.cells)
    # the outputs saved in the file (what GitHub shows) are today's
    if os.environ.get("SRCAD_UPDATE_DOCS"):
        for cell in notebook.cells:
            cell.metadata.pop("execution", None)  # (its times: a diff at each update)
        nbformat.write(notebook, NOTEBOOK)
    saved, fresh = _outputs(nbformat.read(NOTEBOOK, as_version=4)), _outputs(notebook)
    assert [kind for kind, _ in saved] == [kind for kind, _ in fresh]
    for (kind, a), (_, b) in zip(saved, fresh):
        assert _same_output(a, b), "examples/workflow.ipynb: rerun with SRCAD_UPDATE_DOCS=1"
