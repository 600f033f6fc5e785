"""Check the built documentation site as a reader's browser would meet it (.ci/run runs it after
`mkdocs build --strict`): every HTML page parses and has a title, every link, stylesheet, script
and image inside the site names a file that exists, and every `#anchor` names an id of its page.

Usage: python .ci/check_site.py SITE_DIR [PAGE ...]  (PAGE: pages that must exist, e.g.
tutorial/index.html). Exit status 1, with each problem listed, if anything is broken.
"""

from __future__ import annotations

import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.refs: list[str] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name") if tag in ("a", "span", "div") or "id" in attrs else ("id",):
            if attrs.get(key):
                self.ids.add(attrs[key])
        for key in ("href", "src"):
            if attrs.get(key) is not None and tag in ("a", "link", "script", "img", "source"):
                self.refs.append(attrs[key])
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def read(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def target_of(site: Path, page_path: Path, ref: str) -> tuple[Path | None, str]:
    """The file a reference names inside the site (None: outside it), and its fragment."""
    parts = urlsplit(ref)
    if parts.scheme or parts.netloc or ref.startswith(("mailto:", "data:", "javascript:")):
        return None, ""
    if not parts.path:
        return page_path, unquote(parts.fragment)
    base = site if parts.path.startswith("/") else page_path.parent  # (404.html: from the root)
    target = (base / unquote(parts.path).lstrip("/")).resolve()
    if ref.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target, unquote(parts.fragment)


def check(site: Path, required: list[str]) -> list[str]:
    site = site.resolve()
    pages = {p.resolve(): read(p) for p in site.rglob("*.html")}
    problems = [f"missing page: {r}" for r in required if (site / r).resolve() not in pages]
    links = 0
    for path, page in pages.items():
        name = path.relative_to(site)
        if not page.title.strip():
            problems.append(f"{name}: no title")
        for ref in page.refs:
            target, fragment = target_of(site, path, ref)
            if target is None:
                continue
            links += 1
            if site not in target.parents and target != site:
                problems.append(f"{name}: {ref} leaves the site")
            elif not target.exists():
                problems.append(f"{name}: {ref} names a missing file")
            elif fragment and target in pages and fragment not in pages[target].ids:
                problems.append(f"{name}: {ref} names a missing anchor")
    print(f"{len(pages)} pages, {links} links inside the site checked: "
          f"{len(problems)} problem(s)")
    return problems


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    found = check(Path(sys.argv[1]), sys.argv[2:])
    for problem in found:
        print(problem)
    sys.exit(1 if found else 0)
