"""Results files with provenance.

Every number the book shows is read from a JSON file written by :func:`write_results`,
which records the parameters, the metrics, the git commit, library versions, hardware,
a checksum of the data that was used, and wall time.
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np

__all__ = ["provenance", "cpu_model", "hardware_summary", "training_step_summary", "epoch_threads", "epoch_throughput",
           "throughput_text", "data_checksum", "write_results", "update_results",
           "read_results", "Timer", "to_jsonable", "portable_paths"]

_PACKAGES = ("numpy", "scipy", "librosa", "soundfile", "scikit-learn", "torch", "pandas", "opensmile")


def _git_commit(cwd: Path | None = None) -> dict[str, Any]:
    cwd = cwd or Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=cwd,
                                    capture_output=True, text=True, check=True).stdout.strip())
        return {"commit": commit, "dirty": dirty}
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None}


def cpu_model(cpuinfo: str | os.PathLike = "/proc/cpuinfo") -> str | None:
    """The CPU's model name: the first ``model name`` line of ``/proc/cpuinfo`` (Linux), else
    ``platform.processor()`` (often empty on Linux), else None."""
    try:
        with open(cpuinfo, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                key, sep, value = line.partition(":")
                if sep and key.strip().lower() == "model name" and value.strip():
                    return " ".join(value.split())
    except OSError:
        pass
    return platform.processor() or None


def provenance() -> dict[str, Any]:
    """Where and with what a result was produced: git commit, versions, hardware, time (UTC)."""
    versions = {"python": sys.version.split()[0]}
    for pkg in _PACKAGES:
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    hw = {"machine": platform.machine(), "processor": platform.processor() or None, "cpu_model": cpu_model(),
          "cpu_count": os.cpu_count(), "platform": platform.platform()}
    try:
        import torch

        hw["torch_threads"] = torch.get_num_threads()
        hw["cuda"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    except ImportError:  # pragma: no cover - torch is a hard dependency
        pass
    return {"git": _git_commit(), "versions": versions, "hardware": hw,
            "written_utc": datetime.now(timezone.utc).isoformat(timespec="seconds")}


def _epochs(rec_or_epochs: Any) -> list[Mapping[str, Any]]:
    if isinstance(rec_or_epochs, Mapping):
        return list(rec_or_epochs.get("history") or [])
    return list(getattr(rec_or_epochs, "epochs", rec_or_epochs) or [])


def hardware_summary(rec: Mapping[str, Any]) -> str:
    """One line naming where a results record was computed, for tables: the GPU when the run used
    CUDA, else the CPU model (or the architecture, for files written before ``cpu_model`` was
    recorded), the logical CPU count and the torch threads, e.g. ``"Intel(R) Xeon(R) Processor, 2 CPUs,
    1 torch thread"``. The threads are those the training epochs recorded (:func:`epoch_threads`); for a
    history that records none, those of the call that wrote the file (a re-evaluation from a checkpoint
    may differ from the calls that trained). Never a path or host name."""
    hw = (rec.get("provenance") or {}).get("hardware") or {}
    params = rec.get("params") or {}
    device = str(params.get("device") or "cpu")
    threads = epoch_threads(rec) or params.get("torch_threads", hw.get("torch_threads"))
    if device.startswith("cuda") and hw.get("cuda"):
        return f"GPU {hw['cuda']}"
    cpu = hw.get("cpu_model") or hw.get("processor") or (f"{hw['machine']} CPU" if hw.get("machine") else "CPU")
    parts = [cpu]
    if hw.get("cpu_count"):
        parts.append(f"{hw['cpu_count']} CPUs")
    if threads:
        parts.append(f"{threads} torch thread" + ("s" if str(threads) != "1" else ""))
    text = ", ".join(parts)
    return text if device == "cpu" else f"{text} ({device})"


def epoch_threads(rec_or_epochs: Any) -> str | None:
    """The torch threads the epochs of a run trained with, from its history: ``"2"``, ``"1–2"`` when
    calls differed, ``None`` when no epoch recorded it (histories written before it was recorded)."""
    seen = sorted({int(e["torch_threads"]) for e in _epochs(rec_or_epochs) if e.get("torch_threads")})
    if not seen:
        return None
    return str(seen[0]) if len(seen) == 1 else f"{seen[0]}–{seen[-1]}"


def training_step_summary(rec: Mapping[str, Any]) -> str:
    """How the training steps of a results record ran, from its per-epoch history: ``"eager"``,
    ``"compiled"`` (``torch.compile``, :func:`ser_lib.speed.compile_model`) or ``"compiled k of n epochs"``
    when a resumed run mixed both. Epochs written before the history recorded it ran eager (the compiled
    step did not exist then). ``"–"`` for a record without a history."""
    hist = rec.get("history") or []
    if not hist:
        return "–"
    k = sum(bool(h.get("compiled", False)) for h in hist)
    if k == 0:
        return "eager"
    return "compiled" if k == len(hist) else f"compiled {k} of {len(hist)} epochs"


def epoch_throughput(rec_or_epochs: Any) -> dict[str, float] | None:
    """Training throughput of a run, summarised over its epochs.

    Parameters
    ----------
    rec_or_epochs : a results record (its ``"history"``), a :class:`ser_lib.train.History`, or a list of
        per-epoch dicts with ``"samples_per_s"`` (training rows per second) and ``"seconds"``.

    Returns
    -------
    ``{"epochs", "median", "min", "max", "mean", "seconds_median"}`` (rows/s; seconds per epoch), or ``None``
    when no epoch recorded its speed. The median is the machine's usual rate: the mean also counts epochs
    slowed by other work on the machine or run with an older, slower training step.
    """
    sps = np.array([e["samples_per_s"] for e in _epochs(rec_or_epochs) if e.get("samples_per_s")], dtype=float)
    if sps.size == 0:
        return None
    secs = [e["seconds"] for e in _epochs(rec_or_epochs) if e.get("seconds")]
    return {"epochs": int(sps.size), "median": float(np.median(sps)), "min": float(sps.min()),
            "max": float(sps.max()), "mean": float(sps.mean()),
            "seconds_median": float(np.median(secs)) if secs else float("nan")}


def throughput_text(rec_or_epochs: Any, *, threads: int | None = None, device: str | None = None) -> str:
    """One sentence on how fast a run trained, from :func:`epoch_throughput` (Markdown).

    ``threads`` and ``device`` name where it ran; the threads the epochs recorded (:func:`epoch_threads`)
    take precedence over ``threads`` (the setting of the call that rendered the page)."""
    t = epoch_throughput(rec_or_epochs)
    if t is None:
        return "Throughput: no epoch recorded its speed."
    threads = epoch_threads(rec_or_epochs) or threads
    if device and str(device).startswith("cuda"):
        threads = None  # the GPU trains; torch's CPU threads only feed it
    where = ", ".join(x for x in (f"{threads} torch thread" + ("s" if str(threads) != "1" else "") if threads else "",
                                  f"device `{device}`" if device else "") if x)
    text = (f"Throughput: {t['median']:.1f} training rows/s and {t['seconds_median']:.0f} s per epoch "
            f"(medians over {t['epochs']} epoch{'s' if t['epochs'] != 1 else ''}")
    text += f"; range {t['min']:.1f}–{t['max']:.1f} rows/s)" if t["epochs"] > 1 else ")"
    text += f" on the machine that ran it ({where})." if where else "."
    if t["epochs"] > 1 and t["min"] < 0.8 * t["median"]:
        sps = [e.get("samples_per_s") for e in _epochs(rec_or_epochs)]
        slow = [i for i, v in enumerate(sps) if v and v < 0.8 * t["median"]]
        if slow == [0]:
            text += (" Only the first epoch was slower: it includes the start-up (memory allocation, kernel "
                     "selection, compilation where used); each epoch's figure is in the results file.")
        else:
            text += (" The slower epochs ran while other work shared the machine, during start-up, or before a "
                     "faster training step existed; each epoch's figure is in the results file.")
    return text


def data_checksum(paths: Iterable[str | os.PathLike], *, content: bool = True) -> str:
    """SHA-256 over the sorted file names and (by default) their bytes.

    Two runs with the same checksum read exactly the same audio files.
    """
    h = hashlib.sha256()
    for p in sorted(str(x) for x in paths):
        h.update(Path(p).name.encode())
        if content:
            with open(p, "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    h.update(chunk)
    return h.hexdigest()


def to_jsonable(obj: Any) -> Any:
    """Convert numpy scalars/arrays, paths and tuples so that :mod:`json` can write them."""
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    return obj


def _machine_roots() -> list[tuple[str, str]]:
    """``(absolute root, portable name)`` of this machine: data root, cache root, repository; longest first."""
    from .config import REPO_ROOT, cache_root, data_root

    pairs = [(data_root(), "$SER_DATA_ROOT"), (cache_root(), "$SER_CACHE_DIR"), (REPO_ROOT, ".")]
    out = {str(Path(r).expanduser().resolve()): name for r, name in pairs}
    return sorted(((r, n) for r, n in out.items() if r != os.sep), key=lambda p: -len(p[0]))


def portable_paths(obj: Any, roots: Iterable[tuple[str, str]] | None = None) -> Any:
    """``obj`` with every string that is a path under a machine root rewritten in portable form.

    A results file is published with the book: ``/home/me/data/emodb`` becomes ``$SER_DATA_ROOT/emodb``,
    a checkpoint folder under the cache ``$SER_CACHE_DIR/...``, a file in the repository
    ``./results/...``. ``roots``: ``(absolute root, name)`` pairs (default: this machine's data root,
    cache root and repository). Only strings that *start* with a root followed by a separator (or equal
    it) change; text that merely mentions a path is left as it is.
    """
    roots = _machine_roots() if roots is None else sorted(roots, key=lambda p: -len(p[0]))
    if isinstance(obj, str):
        for root, name in roots:
            root = root.rstrip("/")
            if obj == root or obj.startswith(root + "/"):
                return name + obj[len(root):]
        return obj
    if isinstance(obj, Mapping):
        return {k: portable_paths(v, roots) for k, v in obj.items()}
    if isinstance(obj, list):
        return [portable_paths(v, roots) for v in obj]
    return obj


def write_results(path: str | os.PathLike, *, params: Mapping[str, Any], metrics: Mapping[str, Any],
                  wall_time_s: float, data: Mapping[str, Any] | None = None,
                  history: Any = None, extra: Mapping[str, Any] | None = None) -> Path:
    """Write one results JSON file atomically: readers and concurrent writers never see half a file.

    The JSON goes to a unique temporary file in the same folder (:func:`tempfile.mkstemp`, named
    ``.<name>.<random>.tmp``), is flushed and fsync'ed, and then renamed over ``path``
    (:func:`os.replace`, atomic on POSIX and Windows). A reader sees the old file or the new one;
    two processes writing the same ``path`` each rename their own complete file (the last one wins);
    a crash leaves at most a stray ``.tmp`` file, never a truncated ``path``.

    Parameters
    ----------
    path : destination ``.json``
    params : everything that defines the run (corpus, protocol, model, epochs, seed, ...)
    metrics : the measured numbers
    wall_time_s : seconds the run took
    data : description of the data used; include ``checksum`` from :func:`data_checksum`
    history : per-epoch history (list of dicts)
    extra : anything else worth keeping (e.g. shortfall notes)

    Paths under this machine's data root, cache root or repository are written in portable form
    (:func:`portable_paths`): a results file is published and names no machine path.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"params": params, "metrics": metrics, "data": data or {}, "history": history,
              "wall_time_s": wall_time_s, "provenance": provenance(), **(extra or {})}
    text = json.dumps(portable_paths(to_jsonable(record)), indent=1, sort_keys=False)
    _atomic_write(path, text.encode("utf-8"))
    return path


def update_results(path: str | os.PathLike, **fields: Any) -> Path:
    """Add (or replace) top-level ``fields`` of an existing results file, atomically like
    :func:`write_results`; everything else, provenance included, is kept as it is."""
    path = Path(path)
    record = json.loads(path.read_text())
    record.update(portable_paths(to_jsonable(fields)))
    _atomic_write(path, json.dumps(record, indent=1, sort_keys=False).encode("utf-8"))
    return path


def _new_file_mode() -> int:
    """The mode ``open()`` gives a new file (0o666 less the umask); mkstemp's own is 0o600."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: read the umask by setting it, and put it back
    os.umask(mask)
    return 0o666 & ~mask


def _atomic_write(path: Path, payload: bytes) -> None:
    """``payload`` to ``path`` through a unique temporary file in the same folder and ``os.replace``."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _new_file_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    try:  # make the rename itself durable (POSIX); not possible on every platform
        dfd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def read_results(pattern: str | os.PathLike = "results/*.json", root: str | os.PathLike | None = None) -> list[dict]:
    """Read every results file matching ``pattern`` (relative to ``root``, default repository root)."""
    root = Path(root) if root is not None else Path(__file__).resolve().parent.parent
    out = []
    for p in sorted(root.glob(str(pattern))):
        rec = json.loads(p.read_text())
        rec["_file"] = str(p.relative_to(root))
        out.append(rec)
    return out


class Timer:
    """Context manager measuring wall time: ``with Timer() as t: ...; t.seconds``."""

    def __enter__(self) -> "Timer":
        self.start = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.start
