"""Read the built documentation site in a real headless browser, as a user would.

Usage: python .ci/browse_site.py SITE_DIR SHOTS_DIR PAGE [PAGE ...]

Serves SITE_DIR over HTTP on localhost (as ``mkdocs serve`` or any web server would: a site opened
from ``file://`` runs its scripts differently), opens each PAGE in Debian's Chromium
(``/usr/bin/chromium``, driven by Playwright; no browser download), waits until it has loaded,
and fails if the page logged a console error, raised an uncaught exception, failed to load any
resource it asked for (a stylesheet, a script, a font, an image), or shows no heading. Each page is
saved as a full-page screenshot in SHOTS_DIR. Then it types "hessian" into the site's search box
and checks that the search answers with results (Material's search runs in a web worker: it breaks
without anyone noticing when its index or worker script is missing).
"""

from __future__ import annotations

import functools
import http.server
import pathlib
import sys
import threading

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"


def serve(root: pathlib.Path):
    handler = functools.partial(_Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # (the browser's view is what is checked, not the access log)
        pass


def browse(site: pathlib.Path, shots: pathlib.Path, pages: list[str]) -> list[str]:
    shots.mkdir(parents=True, exist_ok=True)
    server = serve(site)
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for page_path in pages:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            seen: list[str] = []
            page.on("console", lambda m, seen=seen: seen.append(f"console {m.type}: {m.text}")
                    if m.type == "error" else None)
            page.on("pageerror", lambda e, seen=seen: seen.append(f"uncaught exception: {e}"))
            page.on("requestfailed", lambda r, seen=seen: seen.append(
                f"failed to load {r.url}: {r.failure}"))
            page.on("response", lambda r, seen=seen: seen.append(
                f"HTTP {r.status} for {r.url}") if r.status >= 400 else None)
            page.goto(base + page_path, wait_until="networkidle")
            if page.locator("h1").count() == 0:
                seen.append("no <h1> heading")
            name = page_path.replace("/", "_").replace(".html", "") or "index"
            page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
            problems += [f"{page_path}: {s}" for s in seen]
            print(f"{page_path}: {page.title()!r}, {len(seen)} problem(s), "
                  f"screenshot {shots / (name + '.png')}")
            page.close()
        page = browser.new_page()
        page.goto(base + pages[0], wait_until="networkidle")
        page.keyboard.press("s")  # (Material's shortcut: focus the search box)
        page.locator("input.md-search__input").press_sequentially("hessian", delay=50)
        try:
            page.wait_for_selector(".md-search-result__item", timeout=15000)
            found = page.locator(".md-search-result__item").count()
            print(f"search 'hessian': {found} result(s)")
        except Exception as exc:  # noqa: BLE001 -- (reported as a problem of the site)
            problems.append(f"search for 'hessian' gave no results ({type(exc).__name__})")
        page.screenshot(path=str(shots / "search.png"))
        browser.close()
    server.shutdown()
    return problems


def main(argv: list[str]) -> int:
    site, shots, pages = pathlib.Path(argv[1]), pathlib.Path(argv[2]), argv[3:]
    problems = browse(site, shots, pages)
    for problem in problems:
        print("PROBLEM", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
