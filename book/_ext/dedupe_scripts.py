"""Sphinx extension: drop duplicate <script> entries from every HTML page.

With Sphinx 7.4, sphinx-thebe 0.3.1 registers its inline configuration script twice
(registry and builder), so each page declared ``const THEBE_JS_URL`` twice and the browser
raised "Identifier 'THEBE_JS_URL' has already been declared". This keeps the first copy of each
(file, body) pair.
"""
from __future__ import annotations


def _dedupe(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for js in scripts:
        filename = getattr(js, "filename", js) or ""  # inline scripts: None from one source, "" from another
        key = (str(filename), repr(sorted((getattr(js, "attributes", None) or {}).items())))
        if key in seen:
            continue
        seen.add(key)
        unique.append(js)
    scripts[:] = unique


def setup(app):
    app.connect("html-page-context", _dedupe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
