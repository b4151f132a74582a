"""Shared fixtures.

- ``real_root``: the folder with the real corpora (``$SER_DATA_ROOT`` or ``../shared/datasets``);
  tests that use it are skipped, with the reason, when it is absent.
- ``synthetic_table``: the synthetic corpus (generated once per session into a temporary cache).
- ``local_server``: ``local_server(folder_or_handler) -> (httpd, base_url)``, an HTTP server on
  127.0.0.1 in a thread for the test (the download tests); ``book_url`` serves the built book the same way.
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import os
import threading
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _real_root() -> Path | None:
    env = os.environ.get("SER_DATA_ROOT", "").strip()
    candidates = [Path(env)] if env else []
    candidates.append(REPO.parent / "shared" / "datasets")
    for c in candidates:
        if c.is_dir() and any(c.iterdir()):
            return c
    return None


@pytest.fixture(scope="session")
def real_root() -> Path:
    root = _real_root()
    if root is None:
        pytest.skip("real corpora not found: set SER_DATA_ROOT or place them in ../shared/datasets")
    return root


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args, **kwargs):  # no request log in the test output
        pass


@contextlib.contextmanager
def serve(folder_or_handler):
    """Serve a folder (static files) or a request-handler class on 127.0.0.1, in a daemon thread;
    yields ``(httpd, base_url)`` and shuts the server down on exit."""
    handler = folder_or_handler
    if isinstance(folder_or_handler, (str, Path)):
        handler = functools.partial(_QuietHandler, directory=str(folder_or_handler))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield httpd, f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture()
def local_server():
    """``local_server(folder_or_handler) -> (httpd, base_url)``: see :func:`serve`; stopped after the test."""
    with contextlib.ExitStack() as stack:
        yield lambda folder_or_handler: stack.enter_context(serve(folder_or_handler))


@pytest.fixture(scope="session")
def synthetic_root(tmp_path_factory) -> Path:
    from ser_lib import synthetic

    return synthetic.ensure_corpus(tmp_path_factory.mktemp("synthetic-cache"))


@pytest.fixture(scope="session")
def synthetic_table(synthetic_root):
    from ser_lib import corpora

    return corpora.scan("synthetic", synthetic_root.parent)


# --------------------------------------------------------------------------------------------
# Browser fixtures: the built book served on localhost, opened in headless Debian Chromium.
# --------------------------------------------------------------------------------------------
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def book_html() -> Path:
    html = Path(os.environ.get("BOOK_HTML", REPO / "_build" / "html"))
    if not (html / "index.html").exists():
        pytest.skip(f"built book not found at {html}: run `make book` first")
    return html


@pytest.fixture(scope="session")
def book_url(book_html):
    """Base URL of the built book, served by a local http.server thread."""
    with serve(book_html) as (_, base):
        yield base


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


class PageProblems:
    """Collects what went wrong while a page loaded: JS errors, console errors, failed or
    off-site requests, HTTP errors."""

    def __init__(self, page, base_url: str):
        self.errors: list[str] = []
        self.base = base_url
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        page.on("console", lambda msg: msg.type == "error" and self.errors.append(f"console error: {msg.text}"))
        page.on("requestfailed", lambda req: self.errors.append(f"request failed: {req.url} ({req.failure})"))
        page.on("response", lambda r: r.status >= 400 and self.errors.append(f"HTTP {r.status}: {r.url}"))
        page.on("request", self._offsite)

    def _offsite(self, req) -> None:
        url = req.url
        if not (url.startswith(self.base) or url.startswith("data:") or url.startswith("blob:")
                or url.startswith("about:")):
            self.errors.append(f"off-site request (the book must serve everything itself): {url}")


@pytest.fixture
def open_page(browser, book_url):
    """``open_page('notebooks/03_augmentation.html') -> (page, problems)``; waits for network idle."""
    contexts = []

    def _open(rel: str):
        ctx = browser.new_context()
        contexts.append(ctx)
        page = ctx.new_page()
        problems = PageProblems(page, book_url)
        page.goto(f"{book_url}/{rel}", wait_until="networkidle", timeout=60_000)
        page.wait_for_timeout(500)  # let MathJax and the widget manager finish rendering
        return page, problems

    yield _open
    for ctx in contexts:
        ctx.close()
