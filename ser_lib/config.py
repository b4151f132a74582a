"""Where data and caches live.

- Data root: ``$SER_DATA_ROOT`` if set and non-empty, else ``./data`` (relative to the
  current directory). Each corpus sits in its own sub-folder (``emodb/``, ``ravdess/``, ...).
- Cache root: ``$SER_CACHE_DIR`` if set, else ``<repository>/.cache``. The synthetic corpus
  and the feature cache are written there, never into the data root (which may be read-only).
"""
from __future__ import annotations

import os
from pathlib import Path

__all__ = ["REPO_ROOT", "data_root", "cache_root", "repo_path"]

REPO_ROOT = Path(__file__).resolve().parent.parent


def data_root(root: str | os.PathLike | None = None) -> Path:
    """Resolve the data root: explicit ``root`` > ``$SER_DATA_ROOT`` > ``./data``."""
    if root is not None and str(root) != "":
        return Path(root).expanduser()
    env = os.environ.get("SER_DATA_ROOT", "").strip()
    return Path(env).expanduser() if env else Path("data")


def cache_root(root: str | os.PathLike | None = None) -> Path:
    """Resolve (and create) the cache root: explicit ``root`` > ``$SER_CACHE_DIR`` > ``<repo>/.cache``."""
    if root is not None and str(root) != "":
        path = Path(root).expanduser()
    else:
        env = os.environ.get("SER_CACHE_DIR", "").strip()
        path = Path(env).expanduser() if env else REPO_ROOT / ".cache"
    path.mkdir(parents=True, exist_ok=True)
    return path


def repo_path(path: str | os.PathLike) -> str:
    """How a page names a file: its path inside the checkout of this repository that holds it, else its name.

    A checkout is a folder with ``_toc.yml`` and ``ser_lib/``: this one or another worktree (the long-run
    queue renders pages from a second checkout into the main one). Never returns a machine path.

    Examples: ``/x/main/results/reproduce/savee.json`` -> ``results/reproduce/savee.json``;
    ``/x/cache/results/reproduce/savee-n4.json`` (outside any checkout) -> ``savee-n4.json``.
    """
    p = Path(path).expanduser().resolve()
    for root in p.parents:
        if (root / "_toc.yml").is_file() and (root / "ser_lib").is_dir():
            return p.relative_to(root).as_posix()
    return p.name
