"""Sphinx extension: each page carries what it uses, and published records read cleanly.

Page weight (``html-page-context`` and ``build-finished``):

- MathJax (1.2 MB) only on pages with math: myst-nb asks Sphinx to put every asset on every page, so
  the MathJax scripts are dropped from pages that have no equation and no TeX delimiters;
- the ipywidgets manager (``require.js`` + ``embed-amd.js``, 3.6 MB) and the widget state only on pages
  that show a widget view (a notebook whose widgets are all in removed outputs shows none);
- the theme's ``fontawesome.js`` (1.5 MB, the SVG version of every icon) is replaced by a stub: the theme's
  stylesheet already draws its icons with the Font Awesome web font;
- ``ser-book.css`` (from ``_vendor/``): the page rules of the book (tables that fit or scroll with a
  visible cue, wrapped output lines, figures on white in dark mode, one search button);
- ``ser-toc.js`` (1 KB): the right-hand contents highlight the section being read when scrolling up too
  (the theme's observer only reacts to headings entering the top of the window).

Published records (``source-read``, only the text handed to the parser; the files are not touched):
executed notebooks under ``book/reproductions/`` and ``book/audit/`` lose papermill's injected-parameters
cell and their parameters cell (the page's own tables state what ran), show their code collapsed, print no
machine path (``ser_lib.publish``), show each message once (an output whose text already appeared on the
page is dropped), write ``–`` for a missing number in a table, and drop the "accuracy" row that
scikit-learn's classification report adds (support = all rows, not a class).
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

RECORD_DIRS = ("book/reproductions/", "book/audit/")
_MATH = re.compile(r'class="[^"]*\bmath\b|\\\(|\\\[|\$\$|\\begin\{')
_NAN_CELL = re.compile(r"(<td[^>]*>)\s*(?:NaN|nan|None|<NA>)\s*(</td>)")
_ACCURACY_ROW = re.compile(r"<tr>\s*<th[^>]*>\s*accuracy\s*</th>.*?</tr>", re.S)
_MIN_DUP = 40  # characters: shorter outputs (a number, "done") may legitimately repeat
FA_STUB = ("/* Font Awesome's JavaScript (1.5 MB) is not loaded: the theme's stylesheet draws the icons with the "
           "Font Awesome web font. Replaced at build time by book/_ext/page_assets.py. */\n")


# ------------------------------------------------------------------------------------ records
def _text_of(out: dict) -> str:
    if out.get("output_type") == "stream":
        return "".join(out.get("text", ""))
    data = out.get("data", {})
    join = lambda v: "".join(v) if isinstance(v, list) else str(v or "")  # noqa: E731
    plain = join(data.get("text/plain")) or join(data.get("text/markdown"))
    if (not plain or plain.startswith("<IPython.core.display")) and "text/html" in data:
        import html as _html

        plain = _html.unescape(re.sub(r"<[^>]+>", " ", join(data["text/html"])))
    return plain


def _key(text: str) -> str:
    """What identifies a message: its last 120 letters and digits (a banner printed as "TITLE: text" and
    shown as a box titled "Title" end the same way)."""
    return re.sub(r"[^0-9a-z]", "", text.lower())[-120:]


def _tags(cell: dict) -> list:
    return cell.setdefault("metadata", {}).setdefault("tags", [])


def _scrubber():
    try:
        from ser_lib.config import REPO_ROOT, cache_root
        from ser_lib.publish import path_replacements, scrub_text
    except ImportError:  # the package is not importable: leave paths to the generic rule below
        return lambda t: t
    roots = [REPO_ROOT]
    data = os.environ.get("SER_DATA_ROOT") or None
    pairs = path_replacements(roots, data, cache_root())
    return lambda t: scrub_text(t, pairs)


_GENERIC_PATH = re.compile(r"(?<![\w.:/$])/(?:home|work|tmp|Users|root|mnt|scratch)/(?:[\w.\-]+/)*([\w.\-]+)")


def clean_record(nb: dict) -> dict:
    """The published-record rules above, applied to a notebook (nbformat 4 JSON as a dict)."""
    scrub = _scrubber()
    seen: set[str] = set()
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        tags = _tags(cell)
        if "injected-parameters" in tags or "parameters" in tags:
            if "remove-cell" not in tags:
                tags.append("remove-cell")
            continue
        if not any(t in tags for t in ("remove-cell", "remove-input", "hide-input", "hide-cell")):
            tags.append("hide-input")
        outs = cell.get("outputs", [])
        shown = {_key(_text_of(o)) for o in outs if o.get("output_type") != "stream"}
        kept = []
        for out in outs:
            text = _text_of(out)
            key = _key(text) if len(text.strip()) >= _MIN_DUP else None
            if key and out.get("output_type") == "stream" and key in shown:
                continue  # the plain-text copy of a box shown by the same cell
            if key and key in seen:
                continue  # the same message again (a printed copy of a banner, a repeated note)
            if key:
                seen.add(key)
            kept.append(_clean_output(out, scrub))
        cell["outputs"] = kept
    return nb


def _clean_output(out: dict, scrub) -> dict:
    def fix(value, html=False):
        if isinstance(value, list):
            value = "".join(value)
        value = _GENERIC_PATH.sub(r"…/\1", scrub(value))
        if html:
            value = _NAN_CELL.sub(r"\1–\2", value)
            if "precision" in value and "recall" in value:
                value = _ACCURACY_ROW.sub("", value)
        return value

    if "text" in out:
        out["text"] = fix(out["text"])
    data = out.get("data", {})
    for mime in ("text/plain", "text/markdown"):
        if mime in data:
            data[mime] = fix(data[mime])
    if "text/html" in data:
        data["text/html"] = fix(data["text/html"], html=True)
    return out


def _source_read(app, docname, source):
    path = Path(app.env.doc2path(docname))
    rel = path.relative_to(Path(app.srcdir)).as_posix() if path.is_absolute() else str(path)
    if path.suffix != ".ipynb" or not rel.startswith(RECORD_DIRS):
        return
    try:
        nb = json.loads(source[0])
    except (ValueError, IndexError):
        return
    source[0] = json.dumps(clean_record(nb))


# ------------------------------------------------------------------------------------ assets
def _src(js) -> str:
    return str(getattr(js, "filename", None) or "")


def _attrs(js) -> dict:
    return getattr(js, "attributes", None) or {}


def _page_assets(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if scripts is None:
        return
    body = context.get("body", "") or ""
    has_math = bool(_MATH.search(body))
    try:  # the page's own equations (has_equations() also counts every page of its toctree: the root page)
        has_math = has_math or bool(app.env.get_domain("math").data.get("has_equations", {}).get(pagename))
    except Exception:  # noqa: BLE001 - no math domain: rely on the body
        pass
    has_widgets = "application/vnd.jupyter.widget-view+json" in body
    kept = []
    for js in scripts:
        src, attrs = _src(js), _attrs(js)
        body_js = str(attrs.get("body", ""))
        if not has_math and ("mathjax" in src.lower() or "MathJax" in body_js):
            continue
        if not has_widgets and ("widgets/embed-amd" in src or "widgets/require" in src
                                or attrs.get("type") == "application/vnd.jupyter.widget-state+json"):
            continue
        kept.append(js)
    scripts[:] = kept


def _stub_fontawesome(app, exc):
    if exc is not None or app.builder.format != "html":
        return
    for path in Path(app.outdir, "_static", "scripts").glob("fontawesome.js"):
        path.write_text(FA_STUB)
    for path in Path(app.outdir, "_static", "scripts").glob("fontawesome.js.map"):
        path.unlink()


def setup(app):
    app.connect("source-read", _source_read)
    app.connect("html-page-context", _page_assets, priority=950)
    app.connect("build-finished", _stub_fontawesome)
    app.add_css_file("ser-book.css")
    app.add_js_file("ser-toc.js", loading_method="defer")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
