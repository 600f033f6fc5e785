"""Pass hooks: callbacks the pipeline calls after every pass, with the program as it stands.

Accepts: callables ``callback(snapshot)`` taking a :class:`srcad.printer.Snapshot`, installed for the
duration of a ``with listening(callback):`` block.
Guarantees: :func:`after` calls every installed callback, in the order they were installed, then
(when the environment variable ``SRCAD_DEBUG_PASSES`` is set) prints the snapshot to stderr with
:func:`srcad.printer.render` (one line, "unchanged", where the program reads as the pass before
left it). Callbacks live in a context variable, not in a module global: a
callback installed in one thread (or asyncio task) never sees another one's transformations, so two
functions can be transformed at once. Callbacks must not change the program.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import sys

from .printer import Pass, Snapshot, render

_callbacks: contextvars.ContextVar[tuple] = contextvars.ContextVar("srcad_pass_callbacks",
                                                                  default=())
_silent: contextvars.ContextVar[bool] = contextvars.ContextVar("srcad_pass_silent", default=False)
# (function, text) last printed for SRCAD_DEBUG_PASSES, so a pass that changed nothing says so
_printed: contextvars.ContextVar[tuple] = contextvars.ContextVar("srcad_pass_printed",
                                                                default=(None, None))


@contextlib.contextmanager
def listening(callback):
    """Call ``callback(snapshot)`` after every pass run inside the ``with`` block."""
    token = _callbacks.set(_callbacks.get() + (callback,))
    try:
        yield callback
    finally:
        _callbacks.reset(token)


@contextlib.contextmanager
def silenced():
    """No callback and no printing inside the ``with`` block: for passes run only to read their
    facts (:mod:`srcad.summaries`), not part of the program being made."""
    token = _silent.set(True)
    try:
        yield
    finally:
        _silent.reset(token)


def after(step: Pass, function: str, program, **facts):
    """Announce that pass ``step`` has run on ``function``: ``program`` is its result, ``facts`` the
    side tables it made (see :class:`~srcad.printer.Snapshot`)."""
    if _silent.get():
        return
    callbacks = _callbacks.get()
    debug = os.environ.get("SRCAD_DEBUG_PASSES")
    if not callbacks and not debug:
        return
    snapshot = Snapshot(step, function, program, **facts)
    for callback in callbacks:
        callback(snapshot)
    if debug:
        text = render(snapshot)
        if _printed.get() == (function, text):
            print(f"---- after {step.label} ({function}): unchanged ----", file=sys.stderr)
            return
        _printed.set((function, text))
        print(f"---- after {step.label} ({function}) ----\n{text}", end="", file=sys.stderr)
