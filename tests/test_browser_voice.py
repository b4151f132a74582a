"""The "Try it on your own voice" page in headless Chromium: the precomputed examples switch without
a kernel (a plain-HTML menu, ``ser_lib.viz.voice.static_examples``), each shows one player and one figure,
nothing is fetched from outside the book, and the page loads no widget manager. The cross-corpus page
shows its heatmap.

Uses the browser fixtures of ``tests/conftest.py``; skipped with a reason when the built book or
Chromium is missing. Run: ``make book && .venv/bin/pytest -m browser tests/test_browser_voice.py``
"""
from __future__ import annotations

import pytest

from book_measure import page_or_skip, visible_media, widget_manager_scripts

pytestmark = pytest.mark.browser

VOICE = "notebooks/05_your_voice.html"
CROSS = "notebooks/06_cross_corpus.html"
EXAMPLES = ".ser-static-examples"


def test_static_examples_switch_without_kernel(open_page, book_html):
    page_or_skip(book_html, VOICE)
    page, problems = open_page(VOICE)
    page.wait_for_selector(f"{EXAMPLES} select", timeout=30_000)
    select = page.locator(f"{EXAMPLES} select").first
    n = select.locator("option").count()
    assert n >= 1
    assert page.locator(f"{EXAMPLES} audio").count() == n  # one player per example, all but one hidden
    before = visible_media(page, EXAMPLES)
    assert before["n_audio"] == 1 and before["n_img"] == 1, before
    for i in range(1, n):
        select.select_option(index=i)
        page.wait_for_timeout(300)
        after = visible_media(page, EXAMPLES)
        assert after["n_audio"] == 1 and after["n_img"] == 1, after
        assert after["audio"] != before["audio"] and after["img"] != before["img"], f"option {i} did not switch"
        before = after
    assert not problems.errors, "\n".join(problems.errors)
    # no widget manager and no widget state: the switcher is plain HTML, the upload widget's output removed
    assert widget_manager_scripts(page) == 0


def test_cross_corpus_page_has_its_figures(open_page, book_html):
    page_or_skip(book_html, CROSS)
    page, problems = open_page(CROSS)
    assert not problems.errors, "\n".join(problems.errors)
    assert page.locator("article img").count() >= 2
