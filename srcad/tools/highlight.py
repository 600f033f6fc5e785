"""A small ANSI highlighter for generated code, for terminals (standard library only).

Accepts any text; :func:`highlight` colours the comments, keywords, strings, numbers and defined
names of Python source. Guarantees: removing the ANSI escapes gives back the input exactly, and
text that Python cannot tokenize comes back unchanged.
"""

from __future__ import annotations

import io
import keyword
import tokenize

_STYLE = {"comment": "\033[2;37m", "keyword": "\033[1;34m", "string": "\033[32m",
          "number": "\033[36m", "def": "\033[1;33m"}
_RESET = "\033[0m"


def highlight(source: str) -> str:
    """``source`` with ANSI colours for comments, keywords, strings, numbers and defined names."""
    out, last_line, last_col = [], 1, 0
    lines = source.splitlines(keepends=True)
    previous = None
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return source
    for tok in tokens:
        (srow, scol), (erow, ecol) = tok.start, tok.end
        # copy the text between tokens as it is
        while last_line < srow:
            out.append(lines[last_line - 1][last_col:])
            last_line, last_col = last_line + 1, 0
        out.append(lines[srow - 1][last_col:scol] if srow <= len(lines) else "")
        text = tok.string
        style = None
        if tok.type == tokenize.COMMENT:
            style = "comment"
        elif tok.type == tokenize.STRING:
            style = "string"
        elif tok.type == tokenize.NUMBER:
            style = "number"
        elif tok.type == tokenize.NAME and keyword.iskeyword(text):
            style = "keyword"
        elif tok.type == tokenize.NAME and previous is not None and previous.string == "def":
            style = "def"
        out.append(f"{_STYLE[style]}{text}{_RESET}" if style and text else text)
        if tok.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
            previous = tok
        last_line, last_col = erow, ecol
    return "".join(out)
