"""What every pass promises: it returns a new program and leaves the one it was given as it was,
so the program printed after a pass (``SRCAD_DEBUG_PASSES``) stays what that pass made."""

import inspect

from srcad import pipeline
from srcad.errors import SrcadError
from srcad.hooks import listening
from srcad.printer import render

from .support import first_parameter, whole_corpus


def test_no_pass_changes_the_program_an_earlier_pass_handed_on():
    checked = 0
    for fn in whole_corpus():
        seen = []  # (snapshot, its text when its pass had just run)
        with listening(lambda s: seen.append((s, render(s)))):
            try:
                params = list(inspect.signature(fn).parameters)
                pipeline.transform(fn, (params.index(first_parameter(fn)[0]),), False)
            except SrcadError:  # needs the functions a parameter holds: tested with the calls
                continue
        for snapshot, text in seen:
            assert render(snapshot) == text, f"{fn.__name__}: {snapshot.step.label} changed later"
        checked += 1
    assert checked > len(whole_corpus()) // 2
