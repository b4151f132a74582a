"""The paper's flat feature vector, its layout, the clips it is computed from, and an on-disk cache.

The paper's vector (:func:`paper_vector`) is ``[ZCR track | RMS track | MFCC frame-major]``,
``T + T + 20 T`` values (2376 for 2.5 s); :class:`PaperLayout` says which index holds what.
:func:`load_paper_clip` and :func:`clip_versions` give the clips the released code computes it
from (2.5 s from 0.6 s; original, noise, pitch, pitch + noise). :func:`extract` computes it for
every (recording, augmented version) of a corpus table, in worker processes that die with this
one (:mod:`ser_lib.workers`), with a content-addressed cache. The stages behind the MFCC block are taught in :mod:`ser_lib.dsp`.

Example
-------
>>> import numpy as np
>>> from ser_lib import features
>>> y = np.random.default_rng(0).standard_normal(55125).astype(np.float32) * 0.1
>>> features.paper_vector(y).shape
(2376,)
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from . import paper
from .augment import check_signal, check_sr, paper_versions, version_rng
from .dsp import rms, zcr
from .errors import ArgumentError, AudioError, FeatureError, check_number
from .hashing import sha256_file
from .workers import run_pool

__all__ = [
    "FeatureError", "paper_vector", "PaperLayout", "paper_layout", "paper_n_frames",
    "mfcc_from_paper_vector", "load_paper_clip", "clip_versions",
    "cache_key", "extract",
]

FEATURE_SCHEMA = 1           # bump when the meaning of a cached vector changes


# ============================================================================ the paper's vector and its layout
_CONTROLLER = None


def _single_thread():
    """Context: BLAS limited to one thread. Matrix products (the mel projection) round
    differently with 1 or 2 OpenBLAS threads (~1e-6), so without this a vector computed in a
    worker would not be bit-identical to one computed here."""
    global _CONTROLLER
    try:
        if _CONTROLLER is None:
            from threadpoolctl import ThreadpoolController

            _CONTROLLER = ThreadpoolController()
        return _CONTROLLER.limit(limits=1, user_api="blas")
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        import contextlib

        return contextlib.nullcontext()


def paper_vector(y: np.ndarray, sr: float = paper.SR) -> np.ndarray:
    """The released code's feature vector of one clip, 1-D float32 of length ``22 T``.

    ``concat(ZCR (T,), RMS (T,), librosa.feature.mfcc(y=y, sr=sr).T.ravel() (20 T,))``: the MFCC
    block is *frame-major* (20 coefficients of frame 0, then of frame 1, ...). A 2.5 s clip at
    22 050 Hz has T = 108 frames, hence 2376 values. Uses librosa's own ``mfcc`` (what the
    released code computed; BLAS is held to one thread so the result is deterministic);
    :func:`ser_lib.dsp.mfcc` agrees with it within :data:`ser_lib.dsp.MFCC_ATOL`.
    See :func:`paper_layout` for which index is what. Raises :class:`~ser_lib.errors.FeatureError`
    rather than return non-finite values (a signal far outside [-1, 1] overflows float32 spectra).
    """
    import librosa

    check_signal(y)
    sr = check_sr(sr)
    y = y.astype(np.float32, copy=False)
    with _single_thread(), np.errstate(over="ignore", invalid="ignore"):  # overflow: raised below, by name
        m = librosa.feature.mfcc(y=y, sr=sr)
        v = np.concatenate([zcr(y), rms(y), m.T.ravel()]).astype(np.float32)
    bad = v.size - int(np.count_nonzero(np.isfinite(v)))
    if bad:
        raise FeatureError(f"{bad} of {v.size} feature values are not finite (inf/NaN): the signal's peak "
                           f"{float(np.max(np.abs(y))):.3g} is too large for float32 spectra; audio should lie "
                           f"within [-1, 1] (rescale it, or drop the file)")
    return v


@dataclass(frozen=True)
class PaperLayout:
    """Which index of the paper vector holds what (``n_frames`` T, ``n_mfcc`` coefficients).

    Blocks: ``zcr`` = ``[0, T)``, ``rms`` = ``[T, 2T)``, ``mfcc`` = ``[2T, 2T + n_mfcc T)`` with
    index ``2T + t * n_mfcc + k`` holding coefficient ``k`` of frame ``t``.
    """

    n_frames: int
    n_mfcc: int = paper.N_MFCC

    @property
    def length(self) -> int:
        return self.n_frames * (2 + self.n_mfcc)

    @property
    def blocks(self) -> dict[str, slice]:
        T = self.n_frames
        return {"zcr": slice(0, T), "rms": slice(T, 2 * T), "mfcc": slice(2 * T, self.length)}

    def describe(self, i: int) -> tuple[str, int, int | None]:
        """``(block, frame, coefficient)`` of index ``i`` (coefficient is None for zcr/rms)."""
        T = self.n_frames
        if not 0 <= i < self.length:
            raise IndexError(f"index {i} outside a vector of length {self.length}")
        if i < T:
            return ("zcr", i, None)
        if i < 2 * T:
            return ("rms", i - T, None)
        j = i - 2 * T
        return ("mfcc", j // self.n_mfcc, j % self.n_mfcc)

    def index_table(self):
        """DataFrame with one row per index: ``index, block, frame, coefficient, time_s``
        (``time_s`` = frame centre at 512-sample hops, 22 050 Hz)."""
        import pandas as pd

        T, K = self.n_frames, self.n_mfcc
        blocks = np.array(["zcr"] * T + ["rms"] * T + ["mfcc"] * (K * T))
        frames = np.concatenate([np.arange(T), np.arange(T), np.repeat(np.arange(T), K)])
        coef = np.concatenate([np.full(2 * T, -1), np.tile(np.arange(K), T)])
        return pd.DataFrame({"index": np.arange(self.length), "block": blocks, "frame": frames,
                             "coefficient": coef, "time_s": frames * paper.HOP_LENGTH / paper.SR})

    def mfcc_index(self, frame: int, coefficient: int) -> int:
        """Index of MFCC coefficient ``coefficient`` of frame ``frame``."""
        return 2 * self.n_frames + int(frame) * self.n_mfcc + int(coefficient)


def paper_layout(n_frames: int = paper.N_FRAMES, n_mfcc: int = paper.N_MFCC) -> PaperLayout:
    """Layout of a paper vector with ``n_frames`` frames (see :class:`PaperLayout`).

    >>> paper_layout(108).blocks["mfcc"]
    slice(216, 2376, None)
    """
    if int(n_frames) <= 0:
        raise ValueError(f"n_frames must be positive, got {n_frames}")
    return PaperLayout(int(n_frames), int(n_mfcc))


def paper_n_frames(length: int, n_mfcc: int = paper.N_MFCC) -> int:
    """Frames T of an (unpadded) paper vector of ``length = (2 + n_mfcc) T`` values."""
    if length % (2 + n_mfcc):
        raise ValueError(f"length {length} is not a multiple of {2 + n_mfcc}")
    return length // (2 + n_mfcc)


def mfcc_from_paper_vector(v: np.ndarray, n_mfcc: int = paper.N_MFCC, pad_to: int | None = paper.N_FRAMES) -> np.ndarray:
    """Recover the MFCC matrix ``(n_mfcc, T)`` from an unpadded paper vector; zero-pad (right)
    to ``pad_to`` frames when given (longer inputs are kept whole)."""
    v = np.asarray(v)
    T = paper_n_frames(v.size, n_mfcc)
    m = v[2 * T:].reshape(T, n_mfcc).T
    if pad_to is not None and T < pad_to:
        m = np.pad(m, ((0, 0), (0, pad_to - T)))
    return np.ascontiguousarray(m, dtype=np.float32)


# ============================================================================ loading and versions
def load_paper_clip(path, sr: int = paper.SR, offset: float = paper.OFFSET,
                    duration: float | None = paper.DURATION) -> np.ndarray:
    """Load a clip like the released code: ``librosa.load(path, duration=2.5, offset=0.6)``.

    Mono float32 at ``sr`` Hz, **no padding** (a short file gives a short clip, hence fewer frames).
    Loads with :func:`ser_lib.audio.load`. Raises :class:`~ser_lib.errors.AudioError` naming the file
    when nothing is left after ``offset``.
    """
    from .audio import load

    y, _ = load(path, sr=sr, offset=offset, duration=duration)
    y = np.asarray(y, dtype=np.float32)
    if y.size == 0:
        raise AudioError(f"{path}: no audio after offset {offset} s")
    return y


def clip_versions(path, recording_id: str | None = None, versions: Sequence[str] = paper.VERSIONS,
                  seed: int = 0, *, sr: int = paper.SR, offset: float = paper.OFFSET,
                  duration: float | None = paper.DURATION, n_steps: float = paper.PITCH_STEPS,
                  noise_factor: float = paper.NOISE_FACTOR, noise_reference: str = "max") -> dict[str, np.ndarray]:
    """The augmented clips :func:`extract` uses for one file: ``{version: y (n,)}``.

    Noise is drawn from :func:`ser_lib.augment.version_rng` ``(seed, recording_id, version)``
    (``recording_id`` defaults to the file name), so a chapter can listen to exactly what was fed
    to the model.
    """
    rid = str(recording_id) if recording_id is not None else Path(path).stem
    y = load_paper_clip(path, sr, offset, duration)
    rngs = {v: version_rng(seed, rid, v) for v in versions}
    return paper_versions(y, sr, rngs, n_steps, factor=noise_factor, reference=noise_reference,
                          versions=versions)


# ============================================================================ cache
@functools.lru_cache(maxsize=1)
def _lib_versions() -> dict[str, str | None]:
    out = {}
    for pkg in ("librosa", "numpy", "soxr", "scipy"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:  # pragma: no cover
            out[pkg] = None
    return out


def cache_key(content_sha256: str, recording_id: str, version: str, seed: int, params: dict[str, Any]) -> str:
    """Hex key of one cached paper vector: file content, recording id (seeds the noise), version,
    seed, every loading/augmentation/feature parameter, library versions and the schema number."""
    material = {"schema": FEATURE_SCHEMA, "sha256": content_sha256, "recording_id": str(recording_id),
                "version": version, "seed": int(seed), "params": params, "libs": dict(_lib_versions())}
    return hashlib.sha256(json.dumps(material, sort_keys=True, default=str).encode()).hexdigest()


def _cache_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / key[:2] / f"{key}.npy"


def _cache_read(path: Path) -> np.ndarray | None:
    """A cached vector, or None when absent, unreadable or not a finite 1-D float32 vector of
    ``22 T`` values (such an entry is recomputed, never used)."""
    try:
        a = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError):
        return None
    if (a.dtype != np.float32 or a.ndim != 1 or a.size == 0 or a.size % (2 + paper.N_MFCC)
            or not np.all(np.isfinite(a))):
        return None
    return a


def _cache_write(path: Path, arr: np.ndarray) -> None:
    """Atomic write: a temporary file in the same folder, then ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".npy")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.save(fh, arr, allow_pickle=False)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _work(task: dict) -> dict:
    """Worker: compute (and cache) the missing versions of one recording. Never raises: errors
    are returned as text so the parent can name the file."""
    try:
        vecs = {}
        clips = clip_versions(task["path"], task["recording_id"], task["versions"], task["seed"],
                              **task["clip_params"])
        for v in task["versions"]:
            vec = paper_vector(clips[v], task["clip_params"]["sr"])  # raises on non-finite values
            if not np.all(np.isfinite(vec)):  # pragma: no cover - belt and braces: never cache inf/NaN
                raise FeatureError(f"non-finite features for version {v!r}")
            if task["cache_paths"] is not None:
                _cache_write(Path(task["cache_paths"][v]), vec)
            vecs[v] = vec
        return {"index": task["index"], "vectors": vecs}
    except Exception as exc:  # noqa: BLE001 - reported with the file name by the parent
        return {"index": task["index"], "error": f"{type(exc).__name__}: {exc}"}


def extract(table, kind: str = "paper", versions: Sequence[str] = paper.VERSIONS, seed: int = 0,
            n_jobs: int = 2, cache: bool = True, progress: bool = True, *, cache_dir=None,
            sr: int = paper.SR, offset: float = paper.OFFSET, duration: float | None = paper.DURATION,
            n_steps: float = paper.PITCH_STEPS, noise_factor: float = paper.NOISE_FACTOR,
            noise_reference: str = "max"):
    """Features for every (recording, version) of a corpus table.

    Parameters
    ----------
    table : DataFrame with at least ``path`` (and normally ``recording_id``; see
        :func:`ser_lib.corpora.scan`)
    kind : ``'paper'`` -> ``X`` float32 ``(rows, L)``: paper vectors zero-padded on the right to
        the longest row (the released code's ``fillna(0)``; L = 2376 when every clip is 2.5 s);
        ``'mfcc'`` -> ``X`` float32 ``(rows, 20, 108)``: the MFCC block of the same vectors,
        reshaped frame-major -> ``(20, T)`` and zero-padded in time.
    versions : subset of ``('original', 'noise', 'pitch', 'pitch_noise')``
    seed : augmentation seed; noise for a clip depends only on ``(seed, recording_id, version)``
    n_jobs : worker processes (1 = in this process)
    cache : read/write the cache in ``cache_dir`` (default ``config.cache_root()/features``); one
        ``.npy`` per (file content, recording id, version, seed, parameters, library versions).
        Both kinds share it, so pitch shifting is done once per clip.
    progress : tqdm progress bar
    sr, offset, duration : loading (22 050 Hz, 0.6 s, 2.5 s as the paper; no padding)
    n_steps, noise_factor, noise_reference : augmentation (see :mod:`ser_lib.augment`)

    Returns
    -------
    X : ndarray (see ``kind``)
    meta : DataFrame, one row per (recording, version) in table order then ``versions`` order, with
        the table's columns plus ``version`` (and ``n_frames``: frames before padding).

    Raises
    ------
    FeatureError naming the file when one fails (work done so far stays in the cache; non-finite
    vectors are never cached); ArgumentError for a bad setting, before any work. Worker processes
    die with this process and are stopped on Ctrl-C / SIGTERM.

    Example
    -------
    >>> from ser_lib import corpora, features            # doctest: +SKIP
    >>> name, table = corpora.default_corpus()            # doctest: +SKIP
    >>> X, meta = features.extract(table.head(8), kind="mfcc", versions=("original",))  # doctest: +SKIP
    """
    import pandas as pd
    from tqdm.auto import tqdm

    from .config import cache_root

    from . import audio, augment

    if kind not in ("paper", "mfcc"):
        raise ArgumentError(f"kind must be 'paper' or 'mfcc', got {kind!r}")
    versions = (versions,) if isinstance(versions, str) else tuple(versions)
    if not versions:
        raise ArgumentError("versions is empty")
    bad = [v for v in versions if v not in paper.VERSIONS]
    if bad:
        raise ArgumentError(f"unknown version(s) {bad}; choose from {paper.VERSIONS}")
    if len(set(versions)) != len(versions):
        raise ArgumentError(f"duplicate versions in {versions}")
    if "path" not in getattr(table, "columns", ()):
        raise ArgumentError("table must be a DataFrame with a 'path' column (see ser_lib.corpora.scan)")
    if len(table) == 0:
        raise ArgumentError("table is empty")
    # the loading and augmentation settings are checked here, once, not file by file in the workers
    audio._check_args(sr, offset, duration)
    check_number(n_steps, "n_steps", low=-augment.MAX_PITCH_STEPS, high=augment.MAX_PITCH_STEPS,
                 hint="semitones")
    check_number(noise_factor, "noise_factor", low=0, high=augment.MAX_NOISE_FACTOR)
    if noise_reference not in ("max", "absmax"):
        raise ArgumentError(f"noise_reference must be 'max' or 'absmax', got {noise_reference!r}")
    check_number(seed, "seed", integer=True, hint="an integer seed")
    n_jobs = max(1, check_number(n_jobs, "n_jobs", integer=True, hint="worker processes (1 = this process)"))
    table = table.reset_index(drop=True)
    rids = (table["recording_id"].astype(str) if "recording_id" in table.columns
            else table["path"].map(lambda p: Path(p).stem))
    clip_params = {"sr": int(sr), "offset": float(offset),
                   "duration": None if duration is None else float(duration), "n_steps": float(n_steps),
                   "noise_factor": float(noise_factor), "noise_reference": str(noise_reference)}
    key_params = {**clip_params,  # the string is part of the cache key: keep it byte for byte
                  "features": f"zcr+rms+mfcc(librosa defaults) frame {paper.N_FFT} hop {paper.HOP_LENGTH}"}
    cdir = Path(cache_dir) if cache_dir is not None else cache_root() / "features"

    results: list[dict[str, np.ndarray] | None] = [None] * len(table)
    tasks = []
    bar = tqdm(total=len(table), desc=f"features ({kind})", unit="file", disable=not progress)
    try:
        for i, (path, rid) in enumerate(zip(table["path"], rids)):
            if not Path(path).is_file():
                raise FeatureError(f"{path}: file not found")
            cache_paths = None
            if cache:
                try:
                    sha = sha256_file(path)
                except OSError as exc:
                    raise FeatureError(f"{path}: cannot read ({exc})") from exc
                cache_paths = {v: str(_cache_path(cdir, cache_key(sha, rid, v, seed, key_params)))
                               for v in versions}
                hit = {v: _cache_read(Path(p)) for v, p in cache_paths.items()}
                if all(a is not None for a in hit.values()):
                    results[i] = hit
                    bar.update(1)
                    continue
            tasks.append({"index": i, "path": str(path), "recording_id": rid, "versions": versions,
                          "seed": int(seed), "clip_params": clip_params, "cache_paths": cache_paths})

        def _take(res):
            if "error" in res:
                raise FeatureError(f"{table['path'][res['index']]}: {res['error']}")
            results[res["index"]] = res["vectors"]
            bar.update(1)

        if n_jobs == 1 or len(tasks) <= 1:
            for t in tasks:
                _take(_work(t))
        else:
            run_pool(_work, tasks, n_jobs, _take, stop_gently=FeatureError)
    finally:
        bar.close()

    rows, vecs = [], []
    records = table.to_dict("records")
    for i, rec in enumerate(records):
        for v in versions:
            vec = results[i][v]
            rows.append({**rec, "version": v, "n_frames": paper_n_frames(vec.size)})
            vecs.append(vec)
    meta = pd.DataFrame(rows)
    if kind == "paper":
        L = max(v.size for v in vecs)
        X = np.zeros((len(vecs), L), dtype=np.float32)
        for j, v in enumerate(vecs):
            X[j, :v.size] = v
    else:
        T = max(paper.N_FRAMES, max(paper_n_frames(v.size) for v in vecs))
        X = np.zeros((len(vecs), paper.N_MFCC, T), dtype=np.float32)
        for j, v in enumerate(vecs):
            m = mfcc_from_paper_vector(v, pad_to=None)
            X[j, :, :m.shape[1]] = m
    return X, meta

