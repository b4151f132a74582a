#!/usr/bin/env python
"""Measure every page of a built book in headless Chromium: bytes transferred, figure sizes,
horizontal overflow of the main column, machine paths in the text.

The measurements are those of the browser tests (``tests/book_measure.py``); this prints them as
tables and writes them as JSON, e.g. to compare page weights before and after a change.

Usage:
    python scripts/page_report.py [BUILD_HTML_DIR] [--json OUT.json] [--screenshots DIR]
"""
from __future__ import annotations

import argparse
import http.server
import json
import os
import sys
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

import book_measure as bm  # noqa: E402


def _raw_size(html: Path, base: str, url: str) -> int:
    """Uncompressed size of a fetched URL: the size of the file it names in the build folder."""
    from urllib.parse import unquote, urlparse

    if not url.startswith(base):
        return 0
    path = html / unquote(urlparse(url).path).lstrip("/")
    if path.is_dir():
        path = path / "index.html"
    return path.stat().st_size if path.is_file() else 0


def pages_of(html: Path) -> list[str]:
    skip = {"genindex.html", "search.html", "index.html"}
    return sorted(str(p.relative_to(html)) for p in html.rglob("*.html")
                  if p.name not in skip and "_static" not in p.parts and "_sources" not in p.parts)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("html", nargs="?", default=str(REPO / "_build" / "html"))
    ap.add_argument("--json", default=None)
    ap.add_argument("--screenshots", default=None)
    a = ap.parse_args(argv)
    html = Path(a.html)
    from playwright.sync_api import sync_playwright

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), bm.gzip_handler(str(html)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    report = {}
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                              args=["--no-sandbox", "--disable-gpu"], headless=True)
        for rel in pages_of(html):
            entry = {}
            for vname, vp in bm.VIEWPORTS.items():
                ctx = b.new_context(viewport=vp)
                page, tr = bm.open_measured(ctx, f"{base}/{rel}")
                raw = sum(_raw_size(html, base, u) for u in tr.sizes)
                entry[vname] = {"bytes": tr.total, "raw_bytes": raw, "largest": tr.largest(4), "figures": bm.figures(page),
                                "overflow": bm.overflow(page), "machine_paths": bm.machine_paths(page),
                                "sliders": bm.sliders(page)}
                if a.screenshots:
                    out = Path(a.screenshots) / f"{rel.replace('/', '__')}.{vname}.png"
                    out.parent.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(out), full_page=True)
                ctx.close()
            report[rel] = entry
            d = entry["desktop"]
            print(f"{rel:42s} {d['bytes'] / 1e6:6.2f} MB on the wire ({d['raw_bytes'] / 1e6:5.2f} MB uncompressed)  column {d['overflow']['column']} px  "
                  f"overflow@1280 {d['overflow'].get('n_offenders', 0)}  "
                  f"overflow@390 {entry['phone']['overflow'].get('n_offenders', 0)}  paths {d['machine_paths'][:2]}",
                  flush=True)
            for name, size in d["largest"]:
                print(f"      {size / 1e6:6.2f} MB  {name.rsplit('/', 1)[-1][:60]}")
        b.close()
    server.shutdown()
    print("\nfigures at 1280 px (natural -> shown, CSS px):")
    for rel, entry in report.items():
        for f in entry["desktop"]["figures"]:
            if f["natural_w"] >= 200:
                print(f"  {rel:36s} {f['heading'][:44]:44s} {f['natural_w']}x{f['natural_h']} -> "
                      f"{f['shown_w']}x{f['shown_h']}{' (widget)' if f['widget'] else ''}")
    if a.json:
        Path(a.json).write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
