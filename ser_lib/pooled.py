"""Several corpora as one data set on their shared emotions: the data of the pretrained model and
of the cross-corpus study.

A **domain** is a corpus name (``"emodb"``) or a corpus restricted to one gender
(``"synthetic:f"``, ``"ravdess:m"``): the synthetic corpus has a single "recording set-up", so
on a machine without real speech the cross-corpus code runs between its female and male voices.

:func:`load_pooled` reads every domain through :func:`ser_lib.audit.load_corpus` (the audit's
cached features and ``(22, 108)`` frame features, four versions per recording), keeps the
recordings of the chosen emotions (by default :func:`shared_emotions`: those every domain has),
caps each domain at ``max_per_domain`` recordings (keeping every speaker and emotion, so TESS's
two actresses do not make up half of the pool) and re-encodes the labels in the order of
:data:`ser_lib.labels.EMOTIONS`. Speakers are prefixed with their domain (EMO-DB and the
synthetic corpus both have a speaker ``03``).

:func:`speaker_split` draws held-out speakers per domain; :func:`fit` and :func:`score` train
and evaluate the audit's efficient CNN on given rows (global standardisation with training
statistics only, no per-speaker normalisation).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from .labels import EMOTIONS, label_order

__all__ = ["parse_domain", "domain_table", "shared_emotions", "PooledData", "load_pooled", "speaker_split",
           "fit", "score", "DEFAULT_MAX_PER_DOMAIN"]

#: At most this many recordings per domain in a pooled data set (TESS has 2400 of two speakers).
DEFAULT_MAX_PER_DOMAIN = 1200


def parse_domain(name: str) -> tuple[str, str | None]:
    """``"emodb"`` → ``("emodb", None)``; ``"synthetic:f"`` → ``("synthetic", "f")``."""
    corpus, _, gender = str(name).partition(":")
    gender = gender.strip().lower() or None
    if gender not in (None, "f", "m"):
        raise ValueError(f"domain {name!r}: a gender suffix must be ':f' or ':m'")
    return corpus.strip().lower(), gender


def _gender_code(g) -> str:
    g = str(g).strip().lower()
    return "f" if g.startswith("f") else "m" if g.startswith("m") else "?"


def domain_table(name: str, data_root=None) -> pd.DataFrame:
    """The table of :func:`ser_lib.corpora.scan` for a domain (gender filter applied)."""
    from . import corpora

    corpus, gender = parse_domain(name)
    if corpus == "synthetic":
        from . import synthetic

        table = corpora.scan("synthetic", synthetic.ensure_corpus().parent)
    else:
        from .config import data_root as _dr

        table = corpora.scan(corpus, _dr(data_root))
    if gender is not None:
        table = table[table["gender"].map(_gender_code) == gender]
    return table.reset_index(drop=True)


def shared_emotions(domains: Iterable[str], data_root=None, *, tables: dict | None = None) -> list[str]:
    """The emotions every domain has, in the order of :data:`ser_lib.labels.EMOTIONS`.

    For EMO-DB, SAVEE, EMOVO, RAVDESS (calm counted as neutral) and TESS: neutral, happy, sad,
    angry, fear, disgust (surprise is missing from EMO-DB, boredom from the other four).
    """
    sets = []
    for d in domains:
        t = tables[d] if tables is not None and d in tables else domain_table(d, data_root)
        sets.append(set(t["emotion"].astype(str)))
    if not sets:
        raise ValueError("no domain given")
    common = set.intersection(*sets)
    return label_order(common, order=EMOTIONS)


@dataclass
class PooledData:
    """Frame features of several domains on one label list.

    Attributes
    ----------
    domains : the domains, in order
    labels : class names; ``y`` indexes them
    frames : float32 ``(rows, 22, 108)``, one row per (recording, version), unstandardised
    y : int64 ``(rows,)``
    meta : one row per frame row: ``domain``, ``speaker`` (``<domain>/<speaker>``),
        ``recording_id`` (``<domain>/<id>``), ``version``, ``emotion``, ``gender``, ``path``
    info : per domain: recordings used / available, speakers, data checksum of the files used
    """

    domains: list
    labels: list
    frames: np.ndarray
    y: np.ndarray
    meta: pd.DataFrame
    info: dict = field(default_factory=dict)

    def rows(self, domains: Sequence[str] | None = None, speakers: Iterable[str] | None = None, *,
             original_only: bool = False) -> np.ndarray:
        """Row positions (int64) of the given domains and/or speakers (``<domain>/<speaker>``)."""
        m = np.ones(len(self.meta), bool)
        if domains is not None:
            m &= self.meta["domain"].isin(list(domains)).to_numpy()
        if speakers is not None:
            m &= self.meta["speaker"].isin(list(speakers)).to_numpy()
        if original_only:
            m &= (self.meta["version"] == "original").to_numpy()
        return np.flatnonzero(m).astype(np.int64)

    def describe(self) -> dict:
        return {"domains": list(self.domains), "labels": list(self.labels), "n_rows": int(len(self.meta)),
                "per_domain": self.info,
                "checksum_of": "sorted file names and their bytes of the recordings used (ser_lib.results.data_checksum)"}


def load_pooled(domains: Sequence[str], emotions: Sequence[str] | None = None, *, data_root=None,
                max_per_domain: int | None = DEFAULT_MAX_PER_DOMAIN, seed: int = 0, n_jobs: int = 1,
                progress: bool = False) -> PooledData:
    """Load ``domains`` on ``emotions`` (default :func:`shared_emotions`) as one :class:`PooledData`.

    Features are the audit's (cached; :func:`ser_lib.audit.load_corpus`), so the first call on a
    corpus extracts them (minutes) and later calls read the cache. ``max_per_domain`` caps the
    recordings of each domain (:func:`ser_lib.protocols.subsample`, seeded; None: no cap).
    """
    from .audit import load_corpus
    from .protocols import subsample
    from .results import data_checksum

    domains = list(dict.fromkeys(domains))
    if len(domains) == 0:
        raise ValueError("no domain given")
    tables = {d: domain_table(d, data_root) for d in domains}
    for d, t in tables.items():
        if len(t) == 0:
            raise FileNotFoundError(f"domain {d!r}: no recordings found (is the corpus under SER_DATA_ROOT?)")
    labels = list(emotions) if emotions is not None else shared_emotions(domains, tables=tables)
    if len(labels) < 2:
        raise ValueError(f"need at least two emotions shared by {domains}, got {labels}")
    lookup = {e: i for i, e in enumerate(labels)}
    frames, ys, metas, info = [], [], [], {}
    for d in domains:
        corpus, _ = parse_domain(d)
        data = load_corpus(corpus, data_root, n_jobs=n_jobs, progress=progress)
        t = tables[d]
        t = t[t["emotion"].isin(labels)]
        chosen = subsample(t, max_per_domain, seed)
        keep = data.meta["recording_id"].astype(str).isin(set(chosen["recording_id"].astype(str))).to_numpy()
        rows = np.flatnonzero(keep)
        meta = data.meta.iloc[rows][["recording_id", "speaker", "emotion", "version", "path"]].copy()
        gender = dict(zip(data.table["recording_id"].astype(str), data.table["gender"].map(_gender_code)))
        meta["gender"] = meta["recording_id"].astype(str).map(gender)
        meta["domain"] = d
        meta["speaker"] = d + "/" + meta["speaker"].astype(str)
        meta["recording_id"] = d + "/" + meta["recording_id"].astype(str)
        frames.append(data.frames[rows])
        ys.append(np.array([lookup[e] for e in meta["emotion"]], np.int64))
        metas.append(meta)
        info[d] = {"corpus": corpus, "recordings": int(len(chosen)), "recordings_available": int(len(t)),
                   "speakers": int(chosen["speaker"].nunique()), "rows": int(len(rows)),
                   "class_counts": chosen["emotion"].value_counts().reindex(labels, fill_value=0).to_dict(),
                   "checksum": data_checksum(chosen["path"])}
    return PooledData(domains, labels, np.concatenate(frames), np.concatenate(ys),
                      pd.concat(metas, ignore_index=True), info)


def _interleave_by_gender(speakers: pd.DataFrame, rng: np.random.Generator) -> list[str]:
    """Speakers shuffled within each gender, then taken alternately from each gender."""
    groups = [list(rng.permutation(g["speaker"].to_numpy())) for _, g in speakers.groupby("gender", sort=True)]
    out = []
    while any(groups):
        for g in groups:
            if g:
                out.append(g.pop(0))
    return out


def speaker_split(data: PooledData, domain: str, *, test_frac: float = 0.2, val_frac: float = 0.15,
                  seed: int = 0) -> dict[str, list[str]]:
    """Held-out speakers of one domain: ``{"train": [...], "val": [...], "test": [...]}``.

    ``round(test_frac * n)`` test speakers (at least 1; none with ``test_frac=0``) and
    ``round(val_frac * n)`` validation speakers (at least 1 when 3 or more speakers remain),
    drawn with ``seed`` alternately from each gender. A domain with two speakers (TESS) gives
    one test speaker and no validation speaker. Speakers are ``<domain>/<speaker>``.
    """
    spk = data.meta.loc[data.meta["domain"] == domain, ["speaker", "gender"]].drop_duplicates("speaker")
    if len(spk) == 0:
        raise ValueError(f"no speaker of domain {domain!r}")
    rng = np.random.default_rng([seed, sum(map(ord, domain))])
    order = _interleave_by_gender(spk.sort_values("speaker"), rng)
    n = len(order)
    n_test = 0 if test_frac <= 0 else min(n - 1, max(1, int(round(test_frac * n))))
    rest = n - n_test
    n_val = 0 if val_frac <= 0 or rest < 3 else max(1, int(round(val_frac * n)))
    return {"test": sorted(order[:n_test]), "val": sorted(order[n_test:n_test + n_val]),
            "train": sorted(order[n_test + n_val:])}


def recording_split(data: PooledData, rows: np.ndarray, frac: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Split ``rows`` by recording (all versions of one recording on one side), stratified by
    emotion: ``(rows_kept, rows_held_out)`` with about ``frac`` of the recordings held out."""
    meta = data.meta.iloc[rows]
    rng = np.random.default_rng(seed)
    held = set()
    for _, g in meta.drop_duplicates("recording_id").groupby("emotion"):
        ids = g["recording_id"].to_numpy()
        k = int(round(frac * len(ids)))
        held |= set(rng.choice(ids, size=k, replace=False)) if k else set()
    out = meta["recording_id"].isin(held).to_numpy()
    return rows[~out], rows[out]


def fit(data: PooledData, train_idx: np.ndarray, val_idx: np.ndarray | None, *, model: str = "efficient",
        epochs: int = 12, patience: int | None = 4, seed: int = 0, batch_size: int = 128, progress: bool = False):
    """Standardise with the training rows' statistics and train ``model`` (a
    :data:`ser_lib.registry.MODEL_PRESETS` name) with :func:`ser_lib.audit_train.train`, keeping the
    epoch with the best validation UAR (early stop after ``patience`` epochs without a better one);
    ``batch_size`` 32 gives small corpora enough optimiser steps.

    Returns ``(model, standardizer, train_result)``.
    """
    from .audit_train import TrainConfig, train
    from .registry import build_model
    from .scaling import Standardizer

    std = Standardizer().fit(data.frames[train_idx])
    Xtr = std.transform(data.frames[train_idx])
    has_val = val_idx is not None and len(val_idx) > 0
    Xva = std.transform(data.frames[val_idx]) if has_val else None
    net = build_model(model, len(data.labels), in_channels=Xtr.shape[1])
    res = train(net, Xtr, data.y[train_idx], Xva, data.y[val_idx] if has_val else None,
                config=TrainConfig(epochs=int(epochs), patience=patience, batch_size=int(batch_size)), seed=seed,
                reinitialize=True,
                progress=progress)
    return net, std, res


def score(net, std, data: PooledData, idx: np.ndarray, *, keep_predictions: bool = False) -> dict:
    """UAR, accuracy, macro-F1, n and the confusion matrix (over ``data.labels``) of ``net`` on rows
    ``idx``; with ``keep_predictions`` also the recording ids, true and predicted class per row."""
    from . import metrics as M
    from .audit_train import predict

    pred = predict(net, std.transform(data.frames[idx]))
    yt = data.y[idx]
    out = M.all_metrics(yt, pred, list(range(len(data.labels))))
    out["labels"] = list(data.labels)
    if keep_predictions:
        out["predictions"] = {"recording_id": data.meta["recording_id"].to_numpy()[idx].tolist(),
                              "y_true": yt.tolist(), "y_pred": pred.tolist()}
    return out
