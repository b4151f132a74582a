"""Where data and caches live.

- Data root: ``$SER_DATA_ROOT`` if set and non-empty, else ``./data`` (relative to the
  current directory). Each corpus sits in its own sub-folder (``emodb/``, ``ravdess/``, ...).
- Cache root: ``$SER_CACHE_DIR`` if set, else ``<repository>/.cache``. The synthetic corpus
  and the feature cache are written there, never into the data root (which may be read-only).
"""
from __future__ import annotations

import os
from pathlib import Path

__all__ = ["REPO_ROOT", "data_root", "cache_root"]

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
