"""Every page of the built book, in headless Chromium: it loads, with no JavaScript error,
no failed or off-site request, and shows the figures and audio players it should.

Run after `make book` (`make browser-test`); skipped with a reason when the book or Chromium
is missing.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from book_measure import toc_pages

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.browser

# Minimum number of figures (<img>) and audio players (<audio>) per page (by file stem).
EXPECTED = {
    "intro": (0, 0),
    "01_corpora": (3, 2),
    "02_mfcc": (6, 2),
    "03_augmentation": (4, 4),
    "04_attention": (3, 1),
    "results": (0, 0),
    "audit": (3, 0),
    "05_your_voice": (1, 1),
    "06_cross_corpus": (2, 0),
}
DEFAULT_REPRODUCTION = (2, 0)  # book/reproductions/<corpus>: curves + confusion matrix
TEXT_REPRODUCTION = (0, 0)     # book/reproductions/<corpus>.md: a corpus with no run (e.g. CREMA-D), text only


PAGES = toc_pages(REPO)


@pytest.mark.parametrize("page_file", PAGES)
def test_page_loads_cleanly_and_shows_its_media(open_page, book_html, page_file):
    rel = f"{page_file}.html"
    assert (book_html / rel).exists(), f"{rel} missing from the built book"
    page, problems = open_page(rel)
    stem = Path(page_file).stem
    if "reproductions" in page_file:
        text_only = not (REPO / f"{page_file}.ipynb").exists()
        n_img, n_audio = EXPECTED.get(stem, TEXT_REPRODUCTION if text_only else DEFAULT_REPRODUCTION)
    else:
        n_img, n_audio = EXPECTED.get(stem, (0, 0))
    imgs = page.locator("article img").count()
    audios = page.locator("article audio").count()
    assert not problems.errors, "\n".join(problems.errors)
    assert imgs >= n_img, f"{rel}: {imgs} figures shown, expected at least {n_img}"
    assert audios >= n_audio, f"{rel}: {audios} audio players shown, expected at least {n_audio}"
    # Every audio player must have a playable source
    for i in range(audios):
        el = page.locator("article audio").nth(i)
        src = el.get_attribute("src") or el.locator("source").first.get_attribute("src")
        assert src, f"{rel}: audio player {i} has no source"


def test_index_opens(open_page):
    page, problems = open_page("index.html")
    assert not problems.errors, "\n".join(problems.errors)
    assert page.title()
