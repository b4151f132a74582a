"""Shared fixtures.

- ``real_root``: the folder with the real corpora (``$SER_DATA_ROOT`` or ``../shared/datasets``);
  tests that use it are skipped, with the reason, when it is absent.
- ``synthetic_table``: the synthetic corpus (generated once per session into a temporary cache).
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _real_root() -> Path | None:
    env = os.environ.get("SER_DATA_ROOT", "").strip()
    candidates = [Path(env)] if env else []
    candidates.append(REPO.parent / "shared" / "datasets")
    for c in candidates:
        if c.is_dir() and any(c.iterdir()):
            return c
    return None


@pytest.fixture(scope="session")
def real_root() -> Path:
    root = _real_root()
    if root is None:
        pytest.skip("real corpora not found: set SER_DATA_ROOT or place them in ../shared/datasets")
    return root


@pytest.fixture(scope="session")
def synthetic_root(tmp_path_factory) -> Path:
    from ser_lib import synthetic

    return synthetic.ensure_corpus(tmp_path_factory.mktemp("synthetic-cache"))


@pytest.fixture(scope="session")
def synthetic_table(synthetic_root):
    from ser_lib import corpora

    return corpora.scan("synthetic", synthetic_root.parent)
