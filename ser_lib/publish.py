"""Publishing executed notebooks as book pages: no machine paths on a page, and notebooks that install
their own package when opened on Colab or Binder.

A page executed by papermill carries the absolute paths of the machine that ran it: in the injected
parameters cell (``results_path = "/home/.../results/x.json"``), in printed outputs and in the
papermill metadata. :func:`scrub_paths` rewrites them to what a reader can use: paths inside the
repository become repository-relative, the data root becomes ``$SER_DATA_ROOT`` and the cache root
``$SER_CACHE_DIR``. It also drops what changes from one execution to the next without the page
changing (:func:`strip_volatile`: execution timestamps and durations, the random id papermill gives the
cell it injects), so that re-rendering a page from unchanged results leaves its file unchanged.

:func:`install_cell_source` is the first cell of every notebook: it installs ``ser_lib`` from the
repository named in ``_config.yml`` (``repository.url``, :func:`repository_url`, which the book's
launch buttons use too) when the package is missing; :func:`set_install_cells` rewrites that cell in
notebook files, so that a fork changes its repository in one place (``scripts/set_repository.py``).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

__all__ = ["path_replacements", "scrub_text", "scrub_paths", "strip_volatile", "publish_page", "INSTALL_MARKER", "repository_url",
           "install_cell_source", "set_install_cells"]

#: first line of the install cell (how it is recognised)
INSTALL_MARKER = "# Colab / Binder: install ser_lib"


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


#: papermill's id-less tag for the cell it injects; the published record gives that cell this id
INJECTED_ID = "injected-parameters"
_VOLATILE_RUN_KEYS = ("start_time", "end_time", "duration", "exception")


def strip_volatile(nb) -> None:
    """Remove, in place, what differs between two executions of the same notebook on the same results:
    per-cell ``execution`` timestamps and ``papermill`` timing/status metadata, the notebook's papermill
    start/end/duration, and the random id of papermill's injected-parameters cell (which becomes
    :data:`INJECTED_ID`). Sources, outputs and the recorded parameters are kept."""
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("papermill", None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = INJECTED_ID
    run = nb.metadata.get("papermill")
    if isinstance(run, dict):
        for key in _VOLATILE_RUN_KEYS:
            run.pop(key, None)


def scrub_paths(path: str | os.PathLike, pairs: list[tuple[str, str]]) -> int:
    """Rewrite machine paths in a notebook file in place (sources, text outputs, metadata), and drop
    its volatile execution metadata (:func:`strip_volatile`).

    Images and other binary outputs are left untouched. Returns the number of cells whose sources or
    outputs changed.
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
    strip_volatile(nb)
    nbformat.write(nb, path)
    return changed


def publish_page(executed: str | os.PathLike, dest: str | os.PathLike, pairs: list[tuple[str, str]]) -> Path:
    """Publish a notebook executed elsewhere (a scratch path, so a failed run never replaces the page) as
    the page ``dest``: paths scrubbed (:func:`scrub_paths` with ``pairs``), papermill's recorded
    ``output_path`` set to the page rather than the scratch file, then moved over ``dest``."""
    import shutil

    import nbformat

    executed, dest = Path(executed), Path(dest)
    nb = nbformat.read(executed, as_version=4)
    if isinstance(nb.metadata.get("papermill"), dict):
        nb.metadata["papermill"]["output_path"] = str(dest.resolve())
        nbformat.write(nb, executed)
    scrub_paths(executed, pairs)
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(executed), dest)
    return dest


def repository_url(config: str | os.PathLike | None = None) -> str:
    """``repository.url`` of the book's ``_config.yml`` (default: the repository's), without a trailing ``/``."""
    import yaml

    path = Path(config) if config is not None else Path(__file__).resolve().parent.parent / "_config.yml"
    url = ((yaml.safe_load(path.read_text()) or {}).get("repository") or {}).get("url")
    if not url:
        raise ValueError(f"{path}: no repository.url")
    return str(url).rstrip("/")


def install_cell_source(url: str) -> str:
    """The first cell of every notebook: install ``ser_lib`` from ``url`` (a git repository) when it is
    missing (Colab, Binder without the post-build step); nothing happens where it is installed."""
    return (f"{INSTALL_MARKER} (this book's package) when it is missing; nothing happens where it is installed.\n"
            "# The repository is _config.yml's repository.url (a fork runs scripts/set_repository.py URL).\n"
            "try:\n"
            "    import ser_lib  # noqa: F401\n"
            "except ImportError:\n"
            f'    %pip install --quiet "ser_lib @ git+{url}"')


def set_install_cells(paths, url: str) -> list[str]:
    """Make the first cell of each notebook in ``paths`` the install cell for ``url`` (inserted when
    absent, rewritten when it names another repository; tagged ``remove-cell``, so the book never shows
    it). Returns the notebooks that changed."""
    import nbformat

    changed = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        src = install_cell_source(url)
        first = nb.cells[0] if nb.cells else None
        idx = 0 if first is not None and first.cell_type == "code" and first.source.startswith(INSTALL_MARKER) else None
        if idx is None and len(nb.cells) > 1 and nb.cells[1].cell_type == "code" \
                and nb.cells[1].source.startswith(INSTALL_MARKER):
            idx = 1
        if idx is not None and nb.cells[idx].source == src:
            continue
        cell = nbformat.v4.new_code_cell(src, metadata={"tags": ["remove-cell"]})
        if idx is None:
            # after the title cell when the notebook opens with one, so the page keeps its heading first
            at = 1 if first is not None and first.cell_type == "markdown" and first.source.lstrip().startswith("# ") else 0
            nb.cells.insert(at, cell)
        else:
            nb.cells[idx].source = src
        nbformat.write(nb, path)
        changed.append(str(path))
    return changed
