"""The errors srcad raises about what the user wrote, and :class:`Location`, a place in a file.

Every error here is a :class:`SrcadError` with a ``message``, an optional ``hint`` and, where srcad
knows it, a :class:`Location` (file, 1-based line, 0-based column, the source line). With a
location the error renders like a compiler diagnostic::

    srcad.errors.UnsupportedSyntaxError: demo.py:12:9: 'with open(...)' cannot be differentiated: ...
        with open(path) as fh:
             ^

Where they come from: the passes raise them, with the location of the construct, for code they
refuse (syntax, names, calls without a rule, aliasing); the generated code raises
:class:`NonFiniteError` and :class:`UnsupportedOperationError` at run time, and the derived
function fills in the user's line where they carry none. Misuse of the API itself (``grad(3)``)
raises ``TypeError`` or ``ValueError``; an exception of the user's own code or data propagates
unchanged, with a note naming the user's line. Any other exception escaping from srcad is a bug
in srcad.
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


class JitError(SrcadError):
    """``jit=True``: the generated code cannot be compiled with numba (a construct numba does not
    type, a global value numba would freeze at compile time, numba not installed). The message
    names the user's line and the construct; ``jit="auto"`` runs such code uncompiled instead."""


class JitWarning(UserWarning):
    """``jit="auto"``: a derived function runs uncompiled, and why (said once per function)."""
