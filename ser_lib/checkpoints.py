"""Safe, atomic training checkpoints.

A checkpoint is a dict of tensors and plain Python values (``dict``, ``list``, ``tuple``, ``str``,
``int``, ``float``, ``bool``, ``None``), written with :func:`torch.save` and read back with
``torch.load(..., weights_only=True)``: loading never unpickles arbitrary objects, so a crafted
``.pt`` file cannot run code. RNG states are stored in that form too (:func:`get_rng`).

- :func:`save` writes to a unique temporary file in the same folder and renames it into place, so a
  reader (or a crash) never sees a half-written file; with ``keep_previous=True`` the file it
  replaces is kept as ``<name>.prev.pt`` (the previous epoch), the fallback of :func:`load_resumable`.
- :func:`load` raises :class:`CheckpointError` naming the file and saying what to do when the file
  is empty, truncated, not a checkpoint, or holds objects that are not plain data.
"""
from __future__ import annotations

import os
import random
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

__all__ = ["CheckpointError", "save", "load", "load_resumable", "previous_path", "get_rng", "set_rng"]


class CheckpointError(RuntimeError):
    """A checkpoint file that cannot be used (corrupt, foreign, or unsafe to load)."""


def previous_path(path: str | os.PathLike) -> Path:
    """``last.pt`` -> ``last.prev.pt``: where :func:`save` keeps the file it replaced."""
    path = Path(path)
    return path.with_name(path.stem + ".prev" + path.suffix)


def save(obj: dict[str, Any], path: str | os.PathLike, *, keep_previous: bool = False) -> Path:
    """Write ``obj`` to ``path`` atomically (unique temporary file + ``os.replace``).

    ``keep_previous``: first move an existing ``path`` to :func:`previous_path` (also atomic), so
    that one good checkpoint survives a crash or a corrupt write of the new one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            torch.save(obj, fh)
            fh.flush()
            os.fsync(fh.fileno())
        if keep_previous and path.exists():
            os.replace(path, previous_path(path))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load(path: str | os.PathLike) -> dict[str, Any]:
    """Read a checkpoint with ``weights_only=True`` onto the CPU.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    CheckpointError
        The file is empty, truncated, not a PyTorch checkpoint, holds non-data objects (a crafted
        pickle), or is not a dict. The message names the file and says what to do.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no checkpoint at {path}")
    if path.stat().st_size == 0:
        raise CheckpointError(f"checkpoint {path} is empty (an interrupted write?); delete it, or pass "
                              "another checkpoint_dir, and run again")
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises UnpicklingError, RuntimeError, EOFError, ... by cause
        msg = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
        unsafe = "weights_only" in str(exc) or "Unsupported global" in str(exc)
        why = ("holds objects that are not plain data and was refused (it may be crafted; only load "
               "checkpoints you wrote)") if unsafe else "is truncated or not a PyTorch checkpoint"
        raise CheckpointError(f"checkpoint {path} {why}: {msg}. Delete it, or pass another "
                              "checkpoint_dir, and run again") from exc
    if not isinstance(obj, dict):
        raise CheckpointError(f"checkpoint {path} holds a {type(obj).__name__}, not a checkpoint dict; "
                              "delete it or pass another checkpoint_dir")
    return obj


def load_resumable(path: str | os.PathLike, fingerprint: str | None) -> dict[str, Any] | None:
    """The checkpoint to resume a run from, or None to start over.

    Reads ``path``; if it is unreadable, falls back to :func:`previous_path` and then to a fresh
    start, each time with a :class:`UserWarning` naming the file. A readable checkpoint of a
    *different* run (its ``fingerprint`` differs) is never silently replaced: ``ValueError``.
    """
    path = Path(path)
    for cand in (path, previous_path(path)):
        if not cand.exists():
            continue
        try:
            ck = load(cand)
        except CheckpointError as exc:
            warnings.warn(f"{exc} -- trying the previous checkpoint", UserWarning, stacklevel=2)
            continue
        if fingerprint is not None and ck.get("fingerprint") != fingerprint:
            raise ValueError(f"checkpoint {cand} belongs to a different run (data or settings differ); "
                             "delete it or use another checkpoint_dir")
        if cand != path:
            warnings.warn(f"resuming from the previous checkpoint {cand} (epoch {ck.get('epoch')})",
                          UserWarning, stacklevel=2)
        return ck
    if path.exists() or previous_path(path).exists():
        warnings.warn(f"no usable checkpoint in {path.parent}: starting over from epoch 0", UserWarning,
                      stacklevel=2)
    return None


def get_rng() -> dict[str, Any]:
    """The ``random``, NumPy and torch CPU generator states as plain data and tensors."""
    version, internal, gauss = random.getstate()
    name, keys, pos, has_gauss, cached = np.random.get_state()
    return {"python": [int(version), list(internal), gauss],
            "numpy": {"name": str(name), "keys": torch.from_numpy(np.asarray(keys, dtype=np.int64)),
                      "pos": int(pos), "has_gauss": int(has_gauss), "cached": float(cached)},
            "torch": torch.get_rng_state()}


def set_rng(state: dict[str, Any] | None) -> None:
    """Restore what :func:`get_rng` returned (no-op for None)."""
    if not state:
        return
    version, internal, gauss = state["python"]
    random.setstate((int(version), tuple(int(i) for i in internal), gauss))
    npst = state["numpy"]
    np.random.set_state((npst["name"], npst["keys"].numpy().astype(np.uint32), npst["pos"],
                         npst["has_gauss"], npst["cached"]))
    torch.set_rng_state(state["torch"])
