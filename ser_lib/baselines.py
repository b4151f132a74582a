"""Classical baselines for the audit: openSMILE functionals + SVM, MFCC statistics + logistic regression.

Both baselines see exactly the audio the paper's model sees: the 2.5 s window that starts at
0.6 s into each file (shorter files give a shorter window; openSMILE functionals are computed
over whatever is there, no zero padding).

openSMILE ({cite}`eyben2010opensmile`) is fed **16 000 Hz** mono audio (``ser_lib.audio.load``
with soxr resampling): the ComParE 2016 ({cite}`schuller2016compare`) and eGeMAPS v02
({cite}`eyben2016gemaps`) configurations were designed and published for 16 kHz speech, and
EMO-DB is recorded at 16 kHz. Features are cached in ``cache_root()/opensmile/<feature set>/``,
one ``.npy`` per file, keyed by the SHA-256 of the file's bytes, the feature set, the opensmile
version and the window (sample rate, offset, duration), so editing a file or upgrading
opensmile invalidates the cache.

Classifiers are scikit-learn :class:`~sklearn.pipeline.Pipeline` objects
(``StandardScaler`` → classifier) fitted on the training rows of one fold only; the
regularisation constant ``C`` is chosen on the fold's *validation* rows (carved from training
speakers by :mod:`ser_lib.protocols`), never on the test rows, and the final model is refit on
train + validation with the chosen ``C``.
"""
from __future__ import annotations

import hashlib
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from . import paper
from .config import cache_root
from .hashing import sha256_file

__all__ = [
    "OPENSMILE_SR", "FEATURE_SETS",
    "opensmile_features", "opensmile_versions", "mfcc_stats", "make_classifier", "fit_select",
    "BaselineResult", "C_GRID",
]

#: Sample rate (Hz) of the audio fed to openSMILE.
OPENSMILE_SR = 16000
#: Feature sets and their dimensionality (functionals).
FEATURE_SETS = {"ComParE_2016": 6373, "eGeMAPSv02": 88}
#: Grid of the regularisation constant C searched on the validation split.
C_GRID = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)


def _opensmile_version() -> str:
    from importlib import metadata

    return metadata.version("opensmile")


def _cache_path(path, feature_set: str, cache_dir: Path) -> Path:
    key = hashlib.sha256(
        f"{sha256_file(path)}|{feature_set}|{_opensmile_version()}|{OPENSMILE_SR}|"
        f"{paper.OFFSET}|{paper.DURATION}".encode()
    ).hexdigest()[:32]
    return cache_dir / feature_set / f"{key}.npy"


_SMILE = {}


def _one(args) -> np.ndarray:
    path, feature_set, cache_dir = args
    cp = _cache_path(path, feature_set, cache_dir)
    if cp.exists():
        return np.load(cp)
    from . import audio

    y, sr = audio.load(path, sr=OPENSMILE_SR, offset=paper.OFFSET, duration=paper.DURATION)
    return _functionals(y, sr, feature_set, cp)


def _functionals(y: np.ndarray, sr: int, feature_set: str, cache_path: Path) -> np.ndarray:
    """openSMILE functionals of ``y`` (one smile extractor per feature set and process), saved
    atomically to ``cache_path``."""
    import opensmile

    if feature_set not in _SMILE:
        _SMILE[feature_set] = opensmile.Smile(feature_set=getattr(opensmile.FeatureSet, feature_set),
                                              feature_level=opensmile.FeatureLevel.Functionals)
    x = _SMILE[feature_set].process_signal(y, sr).to_numpy(dtype=np.float32).ravel()
    cache_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache_path.with_suffix(f".{os.getpid()}.tmp.npy")
    np.save(tmp, x)
    os.replace(tmp, cache_path)
    return x


def _one_version(args) -> np.ndarray:
    path, rid, version, seed, feature_set, cache_dir = args
    if version == "original":
        return _one((path, feature_set, cache_dir))
    key = hashlib.sha256(f"{sha256_file(path)}|{rid}|{version}|{seed}|{feature_set}|{_opensmile_version()}|"
                         f"{OPENSMILE_SR}|{paper.OFFSET}|{paper.DURATION}|paper-augment".encode()).hexdigest()[:32]
    cp = cache_dir / feature_set / "versions" / f"{key}.npy"
    if cp.exists():
        return np.load(cp)
    import soxr

    from .features import clip_versions

    y = clip_versions(path, rid, (version,), seed)[version]
    y = soxr.resample(np.asarray(y, np.float32), paper.SR, OPENSMILE_SR, quality="HQ").astype(np.float32)
    return _functionals(y, OPENSMILE_SR, feature_set, cp)


def opensmile_versions(paths, recording_ids, versions, feature_set: str = "ComParE_2016", *, seed: int = 0,
                       n_jobs: int = 2, cache=None, progress: bool = True) -> np.ndarray:
    """openSMILE functionals of augmented versions (row ``i``: file ``paths[i]``, ``versions[i]``).

    ``"original"`` rows are :func:`opensmile_features`; other versions are re-created exactly as
    :func:`ser_lib.features.extract` makes them (:func:`ser_lib.features.clip_versions` at
    22 050 Hz with the same ``seed``), then resampled to 16 kHz (soxr HQ). Cached under
    ``<cache>/opensmile/<feature set>/versions``. Returns float32 ``(n, dims)``.
    """
    if feature_set not in FEATURE_SETS:
        raise ValueError(f"feature_set must be one of {sorted(FEATURE_SETS)}, got {feature_set!r}")
    paths, recording_ids, versions = list(map(str, paths)), list(map(str, recording_ids)), list(versions)
    if not (len(paths) == len(recording_ids) == len(versions)):
        raise ValueError("paths, recording_ids and versions must have equal length")
    if not paths:
        return np.zeros((0, FEATURE_SETS[feature_set]), np.float32)
    cache_dir = cache_root(cache) / "opensmile"
    jobs = [(p, r, v, int(seed), feature_set, cache_dir) for p, r, v in zip(paths, recording_ids, versions)]
    from tqdm.auto import tqdm

    bar = dict(total=len(jobs), desc=f"openSMILE {feature_set} (versions)", disable=not progress, mininterval=2)
    if n_jobs <= 1 or len(jobs) < 8:
        rows = [_one_version(j) for j in tqdm(jobs, **bar)]
    else:
        with ProcessPoolExecutor(n_jobs) as ex:
            rows = list(tqdm(ex.map(_one_version, jobs, chunksize=4), **bar))
    return np.nan_to_num(np.stack(rows).astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0)


def opensmile_features(paths: Sequence[str | os.PathLike], feature_set: str = "ComParE_2016", *,
                       n_jobs: int = 2, cache: str | os.PathLike | None = None,
                       progress: bool = True) -> np.ndarray:
    """openSMILE functionals for each file, cached on disk.

    Parameters
    ----------
    paths : audio files (any format :func:`ser_lib.audio.load` reads)
    feature_set : ``"ComParE_2016"`` (6373 functionals) or ``"eGeMAPSv02"`` (88)
    n_jobs : worker processes (default 2)
    cache : cache root (default :func:`ser_lib.config.cache_root`); features go to ``<cache>/opensmile``
    progress : show a tqdm progress bar

    Returns
    -------
    float32 array, shape ``(len(paths), FEATURE_SETS[feature_set])``
    """
    if feature_set not in FEATURE_SETS:
        raise ValueError(f"feature_set must be one of {sorted(FEATURE_SETS)}, got {feature_set!r}")
    paths = [str(p) for p in paths]
    if not paths:
        return np.zeros((0, FEATURE_SETS[feature_set]), np.float32)
    missing = [p for p in paths if not Path(p).is_file()]
    if missing:
        raise FileNotFoundError(f"{len(missing)} audio files not found, e.g. {missing[0]}")
    cache_dir = cache_root(cache) / "opensmile"
    jobs = [(p, feature_set, cache_dir) for p in paths]
    from tqdm.auto import tqdm

    bar = dict(total=len(jobs), desc=f"openSMILE {feature_set}", disable=not progress, mininterval=2)
    if n_jobs <= 1 or len(jobs) < 8:
        rows = [_one(j) for j in tqdm(jobs, **bar)]
    else:
        with ProcessPoolExecutor(n_jobs) as ex:
            rows = list(tqdm(ex.map(_one, jobs, chunksize=4), **bar))
    X = np.stack(rows).astype(np.float32)
    if X.shape[1] != FEATURE_SETS[feature_set]:
        raise RuntimeError(f"expected {FEATURE_SETS[feature_set]} functionals, got {X.shape[1]}")
    return np.nan_to_num(X, nan=0.0, posinf=0.0, neginf=0.0)


def mfcc_stats(X_mfcc: np.ndarray, zcr: np.ndarray | None = None, rms: np.ndarray | None = None,
               n_valid: np.ndarray | None = None) -> np.ndarray:
    """Utterance statistics of frame tracks: mean and std over time of each row.

    Parameters
    ----------
    X_mfcc : array ``(n, 20, T)`` (MFCC, zero padded in time)
    zcr, rms : optional ``(n, T)`` tracks appended as two more rows
    n_valid : optional ``(n,)`` number of real frames per clip; statistics ignore the padding.
        Default: frames whose MFCCs are all exactly 0 are treated as padding.

    Returns
    -------
    float32 ``(n, 2 * rows)``: the means of every row, then the standard deviations.
    """
    X = np.asarray(X_mfcc, dtype=np.float64)
    if X.ndim != 3:
        raise ValueError(f"X_mfcc must be (n, coefficients, frames), got shape {X.shape}")
    parts = [X]
    for extra in (zcr, rms):
        if extra is not None:
            extra = np.asarray(extra, np.float64)
            if extra.shape != (X.shape[0], X.shape[2]):
                raise ValueError(f"frame track must have shape {(X.shape[0], X.shape[2])}, got {extra.shape}")
            parts.append(extra[:, None, :])
    F = np.concatenate(parts, axis=1)
    if n_valid is None:
        mask = np.any(X != 0, axis=1)  # (n, T)
    else:
        n_valid = np.asarray(n_valid).reshape(-1)
        mask = np.arange(X.shape[2])[None, :] < n_valid[:, None]
    cnt = np.maximum(mask.sum(1, keepdims=True), 1)  # (n, 1)
    m = (F * mask[:, None, :]).sum(2) / cnt
    v = (((F - m[:, :, None]) ** 2) * mask[:, None, :]).sum(2) / cnt
    return np.concatenate([m, np.sqrt(v)], axis=1).astype(np.float32)


def make_classifier(kind: str, C: float = 1.0, seed: int = 0):
    """A scikit-learn pipeline ``StandardScaler → classifier``.

    kind : ``"linear_svm"`` (:class:`~sklearn.svm.LinearSVC`, balanced class weights),
        ``"rbf_svm"`` (:class:`~sklearn.svm.SVC`, RBF, gamma='scale', balanced) or
        ``"logreg"`` (:class:`~sklearn.linear_model.LogisticRegression`, balanced).
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC, LinearSVC

    if kind == "linear_svm":
        clf = LinearSVC(C=C, class_weight="balanced", max_iter=5000, random_state=seed)
    elif kind == "rbf_svm":
        clf = SVC(C=C, kernel="rbf", gamma="scale", class_weight="balanced", random_state=seed)
    elif kind == "logreg":
        clf = LogisticRegression(C=C, class_weight="balanced", max_iter=2000)
    else:
        raise ValueError(f"kind must be 'linear_svm', 'rbf_svm' or 'logreg', got {kind!r}")
    return make_pipeline(StandardScaler(), clf)


@dataclass
class BaselineResult:
    """A fitted baseline: the pipeline, the chosen C and the validation UAR of every C tried."""

    model: object
    C: float
    val_uar: dict = field(default_factory=dict)

    def predict(self, X):
        return self.model.predict(X)


def fit_select(kind: str, X_train, y_train, X_val=None, y_val=None, *, C_grid: Iterable[float] | None = None,
               seed: int = 0, refit_on_val: bool = True) -> BaselineResult:
    """Fit ``make_classifier(kind, C)`` for each C, pick C by validation UAR, refit.

    The scaler is part of the pipeline, so it is fitted on training rows only. Without a
    validation split the default C (1e-2 for linear SVM, 1.0 otherwise) is used. Ties go to the
    smaller C (stronger regularisation).
    """
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    from .metrics import uar

    X_train = np.asarray(X_train)
    y_train = np.asarray(y_train)
    if len(X_train) != len(y_train) or len(X_train) == 0:
        raise ValueError(f"X_train ({len(X_train)}) and y_train ({len(y_train)}) must be non-empty and equal length")
    grid = tuple(C_grid) if C_grid is not None else (C_GRID if kind != "rbf_svm" else (0.1, 1.0, 10.0, 100.0))
    scores = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if X_val is not None and len(X_val):
            for C in grid:
                m = make_classifier(kind, C, seed).fit(X_train, y_train)
                scores[float(C)] = float(uar(y_val, m.predict(X_val)))
            best = max(scores, key=lambda c: (scores[c], -c))
            if refit_on_val:
                X_fit = np.concatenate([X_train, X_val])
                y_fit = np.concatenate([y_train, y_val])
            else:
                X_fit, y_fit = X_train, y_train
        else:
            best = 1e-2 if kind == "linear_svm" else 1.0
            X_fit, y_fit = X_train, y_train
        model = make_classifier(kind, best, seed).fit(X_fit, y_fit)
    return BaselineResult(model=model, C=best, val_uar=scores)
