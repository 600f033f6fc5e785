"""Errors srcad raises for what the user wrote.

Every error about the user's code carries a :class:`Location` (file, line, column, the source line)
and renders like a compiler diagnostic::

    srcad.errors.UnsupportedSyntaxError: examples/demo.py:12:8: 'with' statements are not supported
        with open(path) as fh:
        ^

Errors the transformer itself could hit on bad input are converted to these at the boundary of each
pass; an internal exception escaping to the user is a bug in srcad.
"""

from __future__ import annotations

import dataclasses
import linecache


@dataclasses.dataclass(frozen=True)
class Location:
    """A position in the user's source file (1-based line, 0-based column, as Python reports)."""

    filename: str
    lineno: int
    col: int

    @property
    def line(self) -> str:
        return linecache.getline(self.filename, self.lineno).rstrip("\n")

    def render(self) -> str:
        text = self.line
        if not text:
            return ""
        stripped = text.lstrip()
        indent = len(text) - len(stripped)
        caret = " " * max(self.col - indent, 0) + "^"
        return f"\n    {stripped}\n    {caret}"

    def __str__(self) -> str:
        return f"{self.filename}:{self.lineno}:{self.col}"


class SrcadError(Exception):
    """Base class: something in the user's function that srcad cannot differentiate."""

    def __init__(self, message: str, location: Location | None = None, hint: str | None = None):
        self.message = message
        self.location = location
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        text = self.message
        if self.location is not None:
            said = f"{self.location.filename}:{self.location.lineno}: "
            if text.startswith(said):  # a message that names its place already (made at run time)
                text = text[len(said):]
            text = f"{self.location}: {text}{self.location.render()}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class UnsupportedSyntaxError(SrcadError):
    """A Python construct outside the language srcad transforms."""


class NoGradientRuleError(SrcadError):
    """A call to a function srcad has no gradient rule for, on a value that needs a gradient."""


class SourceUnavailableError(SrcadError):
    """The function's source code cannot be read (builtin, C extension, interactive prompt)."""


class NonScalarOutputError(SrcadError):
    """``grad`` was asked for the gradient of a function whose value is not a scalar."""


class UndefinedNameError(SrcadError):
    """A name in the user's function that is not bound anywhere."""


class AliasingError(SrcadError):
    """A write into an array that another variable shares: srcad would differentiate as if the
    other variable were unchanged."""


class UnsupportedOperationError(SrcadError):
    """An operation srcad has a rule for, used in a way the rule does not cover (found at run time:
    e.g. np.dot of 3-d arrays, np.pad in 'edge' mode)."""


class NonFiniteError(SrcadError):
    """``debug_nans``: an adjoint became NaN or inf (the message names the user's line)."""
