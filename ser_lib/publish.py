"""Publishing executed notebooks as book pages: no machine paths on a page.

A page executed by papermill carries the absolute paths of the machine that ran it: in the injected
parameters cell (``results_path = "/home/.../results/x.json"``), in printed outputs and in the
papermill metadata. :func:`scrub_paths` rewrites them to what a reader can use: paths inside the
repository become repository-relative, the data root becomes ``$SER_DATA_ROOT`` and the cache root
``$SER_CACHE_DIR``.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

__all__ = ["path_replacements", "scrub_text", "scrub_paths"]


def path_replacements(repo_roots=(), data_root=None, cache_root=None) -> list[tuple[str, str]]:
    """``(absolute prefix, replacement)`` pairs, longest prefix first.

    ``repo_roots``: checkouts whose paths become repository-relative (several when a run executes in a
    second work tree but writes into the main one).
    """
    pairs: list[tuple[str, str]] = []
    for root in repo_roots:
        pairs.append((str(Path(root).resolve()) + os.sep, ""))
        pairs.append((str(Path(root).resolve()), "."))
    if data_root:
        pairs.append((str(Path(data_root).resolve()), "$SER_DATA_ROOT"))
        pairs.append((str(Path(data_root)), "$SER_DATA_ROOT"))
    if cache_root:
        pairs.append((str(Path(cache_root).resolve()), "$SER_CACHE_DIR"))
        pairs.append((str(Path(cache_root)), "$SER_CACHE_DIR"))
    pairs = [(a, b) for a, b in pairs if a not in ("", ".", os.sep)]
    return sorted(set(pairs), key=lambda p: -len(p[0]))


def scrub_text(text: str, pairs: list[tuple[str, str]]) -> str:
    """Apply :func:`path_replacements` pairs to one string."""
    for old, new in pairs:
        text = text.replace(old, new)
    return text


def _scrub(obj: Any, pairs) -> Any:
    if isinstance(obj, str):
        return scrub_text(obj, pairs)
    if isinstance(obj, list):
        return [_scrub(o, pairs) for o in obj]
    if isinstance(obj, dict):
        return {k: _scrub(v, pairs) for k, v in obj.items()}
    return obj


def scrub_paths(path: str | os.PathLike, pairs: list[tuple[str, str]]) -> int:
    """Rewrite machine paths in a notebook file in place (sources, text outputs, metadata).

    Images and other binary outputs are left untouched. Returns the number of cells changed.
    """
    import nbformat

    nb = nbformat.read(path, as_version=4)
    changed = 0
    for cell in nb.cells:
        before = (cell.source, repr(cell.get("outputs")))
        cell.source = scrub_text(cell.source, pairs)
        for out in cell.get("outputs", []):
            if "text" in out:
                out["text"] = _scrub(out["text"], pairs)
            for mime in ("text/plain", "text/html", "text/markdown"):
                if mime in out.get("data", {}):
                    out["data"][mime] = _scrub(out["data"][mime], pairs)
        changed += before != (cell.source, repr(cell.get("outputs")))
    nb.metadata = _scrub(nb.metadata, pairs)
    nbformat.write(nb, path)
    return changed
