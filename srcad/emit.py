"""Pass 6, emit: the generated gast function -> Python source text, with comments.

Accepts: a :class:`srcad.reverse.Generated` function and a header line.
Guarantees: returns source text that parses back to the same function: the tree is converted to the
standard library's ``ast`` (``gast.gast_to_ast``) and printed with ``ast.unparse``; each comment marker
statement of ``Generated.comments`` becomes a ``#`` comment line at its indentation. The header comes
first, so the function's ``def`` is never on line 1 (see :mod:`srcad.load`). The text depends only on
the tree, so it is byte-identical from run to run.
"""

from __future__ import annotations

import ast
import re

import gast

_MARKER = re.compile(r"(\s*)(__srcad_comment_\d+__)")


def emit(generated, header: str) -> str:
    tree = gast.gast_to_ast(generated.tree)
    ast.fix_missing_locations(tree)
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    for line in ast.unparse(tree).splitlines():
        match = _MARKER.fullmatch(line)
        if match:
            line = f"{match[1]}# {generated.comments[match[2]]}"
        lines.append(line)
    return "\n".join(lines) + "\n"
