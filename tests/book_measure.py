"""Measuring a built page in Chromium: bytes transferred, figure sizes, overflow, machine paths.

Shared by the browser tests (``tests/test_browser_layout.py``) and by ``scripts/page_report.py``,
which prints the same measurements as a table (page weights and figure sizes, before/after a change).
Every function takes a Playwright ``page`` (sync API).
"""
from __future__ import annotations

import re
from pathlib import Path

#: bytes transferred per page (HTML + everything it loads), by page stem; DEFAULT for the others
BUDGET_BYTES = {"03_augmentation": 5_000_000}
DEFAULT_BUDGET_BYTES = 2_000_000
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
#: an absolute path of a machine (a home, a work tree, a temporary folder), never on a published page
MACHINE_PATH = re.compile(r"(?<![\w.:/])/(?:home|work|tmp|Users|root|mnt|scratch|private|var/folders)/[\w.\-]+")


def budget(page_file: str) -> int:
    return BUDGET_BYTES.get(Path(page_file).stem, DEFAULT_BUDGET_BYTES)


class Transfer:
    """Bytes received per URL while a page loads (attach before ``goto``)."""

    def __init__(self, page):
        self.sizes: dict[str, int] = {}
        page.on("requestfinished", self._done)

    def _done(self, req) -> None:
        if req.url.startswith("data:"):
            return
        try:
            s = req.sizes()
            self.sizes[req.url] = s.get("responseBodySize", 0) + s.get("responseHeadersSize", 0)
        except Exception:  # pragma: no cover - a request torn down with the page
            pass

    @property
    def total(self) -> int:
        return sum(self.sizes.values())

    def largest(self, n: int = 5) -> list[tuple[str, int]]:
        return sorted(self.sizes.items(), key=lambda kv: -kv[1])[:n]


FIGURES_JS = """() => {
  const art = document.querySelector('article.bd-article') || document.querySelector('article') || document.body;
  const out = [];
  let heading = '';
  const walker = document.createTreeWalker(art, NodeFilter.SHOW_ELEMENT);
  while (walker.nextNode()) {
    const el = walker.currentNode;
    if (/^H[1-4]$/.test(el.tagName)) heading = el.textContent.replace(/[#¶]/g, '').trim();
    if (el.tagName === 'IMG') {
      const r = el.getBoundingClientRect();
      out.push({heading, src: (el.getAttribute('src') || '').slice(0, 80), natural_w: el.naturalWidth,
                natural_h: el.naturalHeight, shown_w: Math.round(r.width), shown_h: Math.round(r.height),
                widget: !!el.closest('.jupyter-widgets'), visible: !!(r.width && r.height)});
    }
  }
  return out;
}"""

OVERFLOW_JS = """() => {
  // Elements of the main column wider than the column, that are not inside a scrollable box.
  const main = document.querySelector('article.bd-article') || document.querySelector('article');
  if (!main) return {column: 0, page_scroll: 0, offenders: []};
  const col = main.getBoundingClientRect();
  const scrollable = el => {
    for (let p = el.parentElement; p && p !== main.parentElement; p = p.parentElement) {
      const s = getComputedStyle(p);
      if ((s.overflowX === 'auto' || s.overflowX === 'scroll' || s.overflowX === 'hidden')
          && p.clientWidth <= col.width + 1) return true;
    }
    return false;
  };
  const offenders = [];
  for (const el of main.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (!r.width || getComputedStyle(el).visibility === 'hidden') continue;
    if (r.right > col.right + 2 || r.left < col.left - 2) {
      if (!scrollable(el)) offenders.push(`${el.tagName.toLowerCase()}.${[...el.classList].join('.')} `
                                         + `(${Math.round(r.left - col.left)}..${Math.round(r.right - col.left)} `
                                         + `of ${Math.round(col.width)} px)`);
    }
  }
  return {column: Math.round(col.width), page_scroll: document.documentElement.scrollWidth - window.innerWidth,
          offenders: offenders.slice(0, 8), n_offenders: offenders.length};
}"""

TEXT_JS = """() => (document.querySelector('main') || document.body).innerText"""

#: a figure drawn under the figure standard is at most this wide (ser_lib.viz.style.CONTENT_WIDTH_PX)
FIGURE_MAX_PX = 688

UNCUED_SCROLL_JS = """() => {
  // Boxes in the main column whose content is wider than the box (they scroll sideways) and that show
  // no cue: neither a gradient background (scroll shadows) nor a visible scroll bar style.
  const main = document.querySelector('article.bd-article') || document.querySelector('article');
  if (!main) return [];
  const out = [];
  for (const el of main.querySelectorAll('*')) {
    if (el.scrollWidth <= el.clientWidth + 2 || !el.clientWidth) continue;
    const s = getComputedStyle(el);
    if (!(s.overflowX === 'auto' || s.overflowX === 'scroll')) continue;
    if (s.backgroundImage.includes('gradient')) continue;
    out.push(`${el.tagName.toLowerCase()}.${[...el.classList].join('.')} (${el.scrollWidth} > ${el.clientWidth} px)`);
  }
  return out.slice(0, 6);
}"""

SLIDERS_JS = """() => [...document.querySelectorAll('.jupyter-widgets .widget-hslider, .jupyter-widgets .slider-container')]
  .map(el => { const r = el.getBoundingClientRect(); return {w: Math.round(r.width), h: Math.round(r.height)}; })"""


VISIBLE_MEDIA_JS = """root => {
  // The visible players and images under the element matched by root (a kernel-free player or switcher);
  // each src as its length and a slice from its middle (data URIs share their ends), and the value labels.
  const box = document.querySelector(root);
  if (!box) return null;
  const vis = el => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const key = s => s.length + ':' + s.slice(s.length >> 1, (s.length >> 1) + 120);
  const audios = [...box.querySelectorAll('audio')].filter(vis), imgs = [...box.querySelectorAll('img')].filter(vis);
  return {n_audio: audios.length, n_img: imgs.length, audio: audios.map(a => key(a.src)),
          img: imgs.map(i => key(i.src)), labels: [...box.querySelectorAll('output')].map(o => o.textContent)};
}"""
#: the ipywidgets manager and the widget state: a page with no widget view loads neither
WIDGET_MANAGER = 'script[src*="embed-amd"], script[type="application/vnd.jupyter.widget-state+json"]'


def figures(page) -> list[dict]:
    """Every ``<img>`` of the article: nearest heading, natural and displayed size (CSS px)."""
    return page.evaluate(FIGURES_JS)


def overflow(page) -> dict:
    """Width of the main column, horizontal page scroll, and elements sticking out of the column."""
    return page.evaluate(OVERFLOW_JS)


def machine_paths(page) -> list[str]:
    """Absolute machine paths in the visible text of the page."""
    return sorted(set(MACHINE_PATH.findall(page.evaluate(TEXT_JS))))


def sliders(page) -> list[dict]:
    return page.evaluate(SLIDERS_JS)


def visible_media(page, root: str) -> dict | None:
    """Visible players and images under the CSS selector ``root``: counts, a key per ``src``, and the
    text of its ``<output>`` labels (None when nothing matches ``root``)."""
    return page.evaluate(VISIBLE_MEDIA_JS, root)


def widget_manager_scripts(page) -> int:
    """How many widget-manager scripts (``embed-amd.js``, widget state) the page has."""
    return page.locator(WIDGET_MANAGER).count()


def page_or_skip(book_html: Path, rel: str) -> None:
    """Skip the calling test, with the reason, when page ``rel`` is not in the built book ``book_html``."""
    import pytest

    if not (book_html / rel).exists():
        pytest.skip(f"{rel} not in the built book at {book_html}")


def open_measured(context, url: str):
    """Open ``url`` in a new page of ``context`` and return ``(page, Transfer)`` after network idle."""
    page = context.new_page()
    tr = Transfer(page)
    page.goto(url, wait_until="networkidle", timeout=90_000)
    page.wait_for_timeout(500)
    return page, tr


# ------------------------------------------------------------------------------------------ serving
def gzip_handler(directory: str):
    """A static-file handler that compresses text assets (HTML, JS, CSS, JSON, SVG) with gzip when the
    browser accepts it, as the hosts that publish such books do (GitHub Pages, Read the Docs, Netlify).
    Page weights measured through it are bytes on the wire."""
    import functools
    import gzip
    import http.server
    import mimetypes
    import os

    cache: dict[str, bytes] = {}

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args, **kwargs):  # quiet
            pass

        def do_GET(self):  # noqa: N802 - http.server's name
            path = self.translate_path(self.path)
            if os.path.isdir(path):
                path = os.path.join(path, "index.html")
            text = path.endswith((".html", ".js", ".css", ".json", ".svg", ".map", ".txt", ".inv"))
            if not (text and os.path.isfile(path) and "gzip" in self.headers.get("Accept-Encoding", "")):
                return super().do_GET()
            if path not in cache:
                with open(path, "rb") as fh:
                    cache[path] = gzip.compress(fh.read(), compresslevel=6)
            body = cache[path]
            self.send_response(200)
            self.send_header("Content-Type", mimetypes.guess_type(path)[0] or "application/octet-stream")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return functools.partial(Handler, directory=directory)


def toc_pages(repo: Path) -> list[str]:
    """Every page of the book's table of contents (``_toc.yml``), as source paths without suffix."""
    import yaml

    toc = yaml.safe_load((repo / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(entries):
        for e in entries or []:
            if "file" in e:
                files.append(e["file"])
            if "glob" in e:
                files.extend(str(p.with_suffix("").relative_to(repo))
                             for p in sorted(repo.glob(e["glob"] + ".ipynb")) + sorted(repo.glob(e["glob"] + ".md")))
            for key in ("sections", "chapters", "parts"):
                walk(e.get(key))

    walk(toc.get("parts"))
    walk(toc.get("chapters"))
    return files


def follows_figure_standard(repo: Path, page_file: str) -> bool:
    """Whether the page's figures were drawn under ser_lib.viz.style: its notebook (or, for a published
    record, the executed copy) calls ``style.apply()``; pages without figures count as following it."""
    nb = repo / f"{page_file}.ipynb"
    if not nb.exists():
        return True
    return "style.apply()" in nb.read_text()
