"""The "Try it on your own voice" page in headless Chromium: the precomputed examples switch without
a kernel (the menu is jslink-ed to the Stack of examples), each shows one player and one figure, and
nothing is fetched from outside the book. The cross-corpus page shows its heatmap.

Uses the browser fixtures of ``tests/conftest.py``; skipped with a reason when the built book or
Chromium is missing. Run: ``make book && .venv/bin/pytest -m browser tests/test_browser_voice.py``
"""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

VOICE = "notebooks/05_your_voice.html"
CROSS = "notebooks/06_cross_corpus.html"


def _page_or_skip(book_html, rel):
    if not (book_html / rel).exists():
        pytest.skip(f"{rel} not in the built book at {book_html}")


def _visible(page):
    return page.evaluate("""() => {
        const vis = el => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
        const root = [...document.querySelectorAll('.jupyter-widgets')];
        const audios = [...document.querySelectorAll('.jupyter-widgets audio')].filter(vis);
        const imgs = [...document.querySelectorAll('.jupyter-widgets img')].filter(vis);
        return {n_audio: audios.length, n_img: imgs.length,
                audio: audios.map(a => a.src.slice(-200)), img: imgs.map(i => i.src.slice(-200))};
    }""")


def test_static_examples_switch_without_kernel(open_page, book_html):
    _page_or_skip(book_html, VOICE)
    page, problems = open_page(VOICE)
    page.wait_for_selector(".jupyter-widgets select", timeout=30_000)
    select = page.locator(".jupyter-widgets select").first
    n = select.locator("option").count()
    assert n >= 1
    before = _visible(page)
    assert before["n_audio"] == 1 and before["n_img"] == 1, before
    for i in range(1, n):
        select.select_option(index=i)
        page.wait_for_timeout(300)
        after = _visible(page)
        assert after["n_audio"] == 1 and after["n_img"] == 1, after
        assert after["audio"] != before["audio"] and after["img"] != before["img"], f"option {i} did not switch"
        before = after
    assert not problems.errors, "\n".join(problems.errors)


def test_cross_corpus_page_has_its_figures(open_page, book_html):
    _page_or_skip(book_html, CROSS)
    page, problems = open_page(CROSS)
    assert not problems.errors, "\n".join(problems.errors)
    assert page.locator("article img").count() >= 2
