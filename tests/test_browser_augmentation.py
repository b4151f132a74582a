"""The augmentation and MFCC pages in headless Chromium: the static (kernel-free) player's sliders switch
the visible variant, nothing is fetched from a CDN, no font or script 404s, and the page does without the
widget manager (the player is plain HTML; the live widget's output is removed from the page).

Uses the browser fixtures of ``tests/conftest.py`` (``open_page``, served from ``$BOOK_HTML``,
default ``_build/html``); skipped with a reason when the built book or Chromium is missing.
Run: ``BOOK_HTML=/tmp/feat-book/_build/html .venv/bin/pytest -m browser tests/test_browser_augmentation.py``
"""
from __future__ import annotations

import pytest

from book_measure import page_or_skip, visible_media, widget_manager_scripts

pytestmark = pytest.mark.browser

AUG = "notebooks/03_augmentation.html"
MFCC = "notebooks/02_mfcc.html"
PLAYER = ".ser-static-player"


def test_static_sliders_switch_variant(open_page, book_html):
    page_or_skip(book_html, AUG)
    page, problems = open_page(AUG)
    page.wait_for_selector(f"{PLAYER} input[type=range]", timeout=30_000)
    sliders = page.locator(f"{PLAYER} input[type=range]")
    assert sliders.count() == 2, f"expected the pitch and SNR sliders only, found {sliders.count()}"
    before = visible_media(page, PLAYER)
    assert before["n_audio"] == 1 and before["n_img"] == 1, before
    for which, key in ((0, "ArrowRight"), (1, "ArrowRight"), (1, "ArrowRight")):
        sliders.nth(which).focus()
        page.keyboard.press(key)
        page.wait_for_timeout(200)
        after = visible_media(page, PLAYER)
        assert after["n_audio"] == 1 and after["n_img"] == 1, after
        assert after["audio"] != before["audio"], f"slider {which}: audio did not change"
        assert after["img"] != before["img"], f"slider {which}: image did not change"
        assert after["labels"] != before["labels"], f"slider {which}: its value label did not change"
        before = after
    assert not problems.errors, "\n".join(problems.errors)


def test_augmentation_page_serves_everything_itself(open_page, book_html):
    page_or_skip(book_html, AUG)
    page, problems = open_page(AUG)
    page.wait_for_selector(PLAYER, timeout=30_000)
    assert not problems.errors, "\n".join(problems.errors)  # console/page errors, 404s, off-site requests
    assert page.locator("article audio").count() >= 5  # the four versions' players and the static player
    assert page.locator("article img").count() >= 3
    # no widget manager and no widget state: the static player needs neither
    assert widget_manager_scripts(page) == 0


def test_mfcc_page_has_figures_and_players(open_page, book_html):
    page_or_skip(book_html, MFCC)
    page, problems = open_page(MFCC)
    assert not problems.errors, "\n".join(problems.errors)
    assert page.locator("article img").count() >= 8
    audios = page.locator("article audio")
    assert audios.count() >= 3
    for i in range(audios.count()):
        el = audios.nth(i)
        assert el.get_attribute("src") or el.locator("source").first.get_attribute("src")
