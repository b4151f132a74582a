"""Every page of the built book as a reader sees it, at 1280 px and at 390 px (a phone), in headless
Chromium: screenshots (``$BOOK_SCREENSHOTS``, default ``_build/screenshots``), and

- no horizontal overflow of the main column: nothing sticks out of it except inside a box that
  scrolls on its own and shows it (the scroll shadows of ``_vendor/ser-book.css``), and the page never
  scrolls sideways;
- the main figures at a readable size: a figure drawn under the figure standard is shown at its
  natural size (not shrunk by the browser) and fits the column;
- page weight within budget: bytes on the wire from a server that compresses text as book hosts do
  (``tests/book_measure.py``: 2 MB per page, 5 MB for the augmentation page);
- no machine path (``/home/...``, ``/work/...``, ``/tmp/...``) in the text;
- the static player usable on a phone: its sliders keep a track of at least 150 px at 390 px.

Run after ``make book`` (``make browser-test``); skipped with a reason when the book or Chromium is
missing. Measurements as a table: ``python scripts/page_report.py``.
"""
from __future__ import annotations

import http.server
import os
import threading
from pathlib import Path

import pytest

import book_measure as bm

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.browser
PAGES = bm.toc_pages(REPO)
AUG = "notebooks/03_augmentation"
#: pages over budget, each with what would bring it under (kept here so the debt stays visible)
OVER_BUDGET: dict[str, str] = {}


@pytest.fixture(scope="module")
def gz_url(book_html):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), bm.gzip_handler(str(book_html)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def shots() -> Path:
    out = Path(os.environ.get("BOOK_SCREENSHOTS", REPO / "_build" / "screenshots"))
    out.mkdir(parents=True, exist_ok=True)
    return out


def _open(browser, url, viewport):
    ctx = browser.new_context(viewport=bm.VIEWPORTS[viewport])
    page, transfer = bm.open_measured(ctx, url)
    return ctx, page, transfer


@pytest.mark.parametrize("viewport", list(bm.VIEWPORTS))
@pytest.mark.parametrize("page_file", PAGES)
def test_page_fits_weighs_little_and_shows_no_machine_path(browser, gz_url, book_html, shots, page_file, viewport):
    rel = f"{page_file}.html"
    assert (book_html / rel).exists(), f"{rel} missing from the built book"
    ctx, page, transfer = _open(browser, f"{gz_url}/{rel}", viewport)
    try:
        page.screenshot(path=str(shots / f"{page_file.replace('/', '__')}.{viewport}.png"), full_page=True)
        over = bm.overflow(page)
        assert over["page_scroll"] <= 1, f"{rel} at {viewport}: the page scrolls sideways by {over['page_scroll']} px"
        assert not over["offenders"], f"{rel} at {viewport}: sticking out of the main column: {over['offenders']}"
        uncued = page.evaluate(bm.UNCUED_SCROLL_JS)
        assert not uncued, f"{rel} at {viewport}: boxes that scroll sideways without a visible cue: {uncued}"
        paths = bm.machine_paths(page)
        assert not paths, f"{rel}: machine paths in the text: {paths}"
        if viewport == "desktop":
            limit = bm.budget(page_file)
            if transfer.total > limit and page_file in OVER_BUDGET:
                pytest.xfail(f"{rel}: {transfer.total / 1e6:.2f} MB: {OVER_BUDGET[page_file]}")
            assert transfer.total <= limit, (f"{rel}: {transfer.total / 1e6:.2f} MB transferred (budget "
                                             f"{limit / 1e6:.1f} MB); largest: {transfer.largest(4)}")
    finally:
        ctx.close()


@pytest.mark.parametrize("page_file", PAGES)
def test_main_figures_are_shown_at_a_readable_size(browser, gz_url, book_html, page_file):
    rel = f"{page_file}.html"
    ctx, page, _ = _open(browser, f"{gz_url}/{rel}", "desktop")
    try:
        column = bm.overflow(page)["column"]
        small = []
        for f in bm.figures(page):
            if f["widget"] or not f["visible"] or f["natural_w"] < 300:
                continue  # icons, thumbnails and hidden variants
            if f["natural_w"] > bm.FIGURE_MAX_PX or f["shown_w"] < 0.95 * f["natural_w"]:
                small.append(f"{f['heading'][:40]!r}: {f['natural_w']} px drawn, {f['shown_w']} px shown")
        if small and not bm.follows_figure_standard(REPO, page_file):
            pytest.xfail(f"{page_file}: drawn before the figure standard (its next render from its template fixes "
                         f"it): {small[:2]}")
        assert not small, f"{rel}: figures shrunk below their natural size (column {column} px): {small}"
    finally:
        ctx.close()


def test_static_player_is_usable_on_a_phone(browser, gz_url, book_html):
    rel = f"{AUG}.html"
    if not (book_html / rel).exists():
        pytest.skip(f"{rel} not built")
    ctx, page, _ = _open(browser, f"{gz_url}/{rel}", "phone")
    try:
        sliders = page.locator(".ser-static-player input[type=range]")
        assert sliders.count() == 2
        for i in range(2):
            box = sliders.nth(i).bounding_box()
            assert box and box["width"] >= 150, f"slider {i} is {box and box['width']:.0f} px wide at 390 px"
        img = page.locator(".ser-static-player img").first
        before = img.get_attribute("src")
        sliders.nth(0).focus()
        page.keyboard.press("ArrowRight")
        assert img.get_attribute("src") != before, "the pitch slider did not change the image"
        w = img.bounding_box()["width"]
        assert w <= bm.VIEWPORTS["phone"]["width"], f"the player's image is {w:.0f} px wide on a 390 px screen"
    finally:
        ctx.close()


def test_contents_follow_the_reading_position_both_ways(browser, gz_url, book_html):
    """The right-hand contents highlight the section being read, scrolling down and back up (the theme
    alone left the highlight on a later section after scrolling up)."""
    rel = "notebooks/01_corpora.html"
    if not (book_html / rel).exists():
        pytest.skip(f"{rel} not built")
    ctx, page, _ = _open(browser, f"{gz_url}/{rel}", "desktop")
    try:
        long_sections = page.evaluate("""() => {
            const links = [...document.querySelectorAll('#pst-page-toc-nav a[href^="#"]')];
            const tops = links.map(a => { const t = document.getElementById(decodeURIComponent(a.hash.slice(1)));
                                          return t ? t.getBoundingClientRect().top + window.scrollY : null; });
            // sections whose next heading is far below: scrolled to, they stay the current one
            return links.map((a, i) => ({hash: a.hash, top: tops[i], next: tops[i + 1]}))
                        .filter(s => s.top !== null && s.next && s.next - s.top > 1000).map(s => [s.hash, s.top]);
        }""")
        assert len(long_sections) >= 2, long_sections
        (first, y1), (second, y2) = long_sections[0], long_sections[-1]

        def active_after_scroll(y):
            page.evaluate("y => window.scrollTo(0, y)", y - 80)
            page.wait_for_timeout(400)
            return page.evaluate("() => (document.querySelector('#pst-page-toc-nav a.active') || {}).hash")

        assert active_after_scroll(y2) == second
        # back up into the middle of an earlier section, its heading above the window
        assert active_after_scroll(y1 + 380) == first, "the highlight stayed on a later section after scrolling up"
    finally:
        ctx.close()
