"""Pass 12, emit: the generated gast functions -> one Python source text, with comments.

Accepts: ``(function, comments)`` pairs (from :class:`srcad.passes.codegen.Generated`, after pass 11
for reverse mode) and a header.
Guarantees: returns source text that parses back to the same functions, in the order given,
separated by blank lines: each tree is converted to the standard library's ``ast``
(``gast.gast_to_ast``) and printed with ``ast.unparse``; each comment marker statement becomes a ``#``
comment line at its indentation. The header comes first, so no ``def`` is on line 1 (see
:mod:`srcad.passes.load`, pass 13). The text depends only on the trees, so it is byte-identical from
run to run.
"""

from __future__ import annotations

import ast
import re

import gast

_MARKER = re.compile(r"(\s*)(__srcad_comment_\d+__)")


def emit(functions, header: str) -> str:
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    for k, (function, comments) in enumerate(functions):
        if k:
            lines += ["", ""]
        tree = gast.gast_to_ast(function)
        ast.fix_missing_locations(tree)
        for line in ast.unparse(tree).splitlines():
            match = _MARKER.fullmatch(line)
            if match:
                line = f"{match[1]}# {comments[match[2]]}"
            lines.append(line)
    return "\n".join(lines) + "\n"
