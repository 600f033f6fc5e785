"""A small highlighter for generated code (standard library only): ANSI colours for terminals
(:func:`highlight`) and the classified pieces of the text that the notebook display
(:mod:`srcad.api.display`) turns into HTML (:func:`pieces`).

Accepts any text; the comments, keywords, strings, numbers and defined names of Python source are
told apart. Guarantees: joining the pieces (or removing the ANSI escapes) gives back the input
exactly, and text that Python cannot tokenize comes back as one unclassified piece.
"""

from __future__ import annotations

import io
import keyword
import tokenize

_STYLE = {"comment": "\033[2;37m", "keyword": "\033[1;34m", "string": "\033[32m",
          "number": "\033[36m", "def": "\033[1;33m"}
_RESET = "\033[0m"


def pieces(source: str) -> list[tuple[str | None, str]]:
    """``source`` cut into ``(kind, text)`` pieces, ``kind`` one of ``comment``, ``keyword``,
    ``string``, ``number``, ``def`` (the name a ``def`` or ``class`` defines) or None (the rest:
    names, operators, the text between tokens)."""
    out: list[tuple[str | None, str]] = []
    last_line, last_col = 1, 0
    lines = source.splitlines(keepends=True)
    previous = None
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return [(None, source)]
    for tok in tokens:
        (srow, scol), (erow, ecol) = tok.start, tok.end
        # the text between tokens, as it is
        while last_line < srow:
            out.append((None, lines[last_line - 1][last_col:]))
            last_line, last_col = last_line + 1, 0
        out.append((None, lines[srow - 1][last_col:scol] if srow <= len(lines) else ""))
        text = tok.string
        kind = None
        if tok.type == tokenize.COMMENT:
            kind = "comment"
        elif tok.type == tokenize.STRING:
            kind = "string"
        elif tok.type == tokenize.NUMBER:
            kind = "number"
        elif tok.type == tokenize.NAME and keyword.iskeyword(text):
            kind = "keyword"
        elif tok.type == tokenize.NAME and previous is not None \
                and previous.string in ("def", "class"):
            kind = "def"
        out.append((kind, text))
        if tok.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
            previous = tok
        last_line, last_col = erow, ecol
    return [(kind, text) for kind, text in out if text]


def highlight(source: str) -> str:
    """``source`` with ANSI colours for comments, keywords, strings, numbers and defined names."""
    return "".join(f"{_STYLE[kind]}{text}{_RESET}" if kind else text
                   for kind, text in pieces(source))
