"""MkDocs hooks of the documentation site (mkdocs.yml; not a page of it).

* A link from a page to a file of the repository outside docs/ (``../examples/textbook.py``,
  ``../tests/corpus_real_models.py``) reads on GitHub as it is; in the site it becomes a link to
  that file in the repository (mkdocs.yml's ``extra.repository``). A link to a file that does not exist is left alone,
  so MkDocs reports it (and ``mkdocs build --strict`` fails).
* The docstrings are reStructuredText-flavoured (``:func:`srcad.grad```); mkdocstrings renders
  them as Markdown, where the role would show as text: it is dropped, the name kept as code.
"""

from __future__ import annotations

import os
import re

_LINK = re.compile(r"\]\((\.\./[^)#\s]+)(#[^)\s]*)?\)")
_ROLE = re.compile(r":(?:func|class|mod|meth|data|attr|exc|obj|const):(?=<code>)")
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def on_page_markdown(markdown, page, config, files):
    base = os.path.dirname(os.path.join(config["docs_dir"], page.file.src_path))
    repo = (config.get("extra") or {}).get("repository", "").rstrip("/")

    def outside(match):
        path = os.path.normpath(os.path.join(base, match.group(1)))
        relative = os.path.relpath(path, _ROOT)
        if relative.startswith("..") or not os.path.exists(path) or not repo:
            return match.group(0)  # (MkDocs reports it)
        kind = "tree" if os.path.isdir(path) else "blob"
        return f"]({repo}/{kind}/main/{relative.replace(os.sep, '/')}{match.group(2) or ''})"

    return _LINK.sub(outside, markdown)


def on_page_content(html, page, config, files):
    return _ROLE.sub("", html)
