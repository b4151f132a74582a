"""How well a model travels: train on one corpus, test on another, on their shared emotions.

Three kinds of job (the ``protocol`` of a :class:`ser_lib.experiments.spec.JobSpec` of recipe
``"cross-corpus"``; ``spec.corpus`` is a domain of :mod:`ser_lib.pooled`, ``spec.params`` holds
``domains`` (every domain of the study, comma-separated), ``emotions`` (likewise),
``max_per_domain``, ``patience``, ``max_folds`` and ``batch_size``):

- ``within``: the domain's own speaker-independent folds (:func:`ser_lib.protocols.speaker`:
  leave one speaker out, RAVDESS's six actor folds, TESS one actress against the other; at most
  ``max_folds`` of them, drawn with the seed), restricted to the shared emotions: the diagonal;
- ``cross``: train on the whole domain (validation: 15 % of its speakers, or of its recordings
  when it has two speakers), test on every recording of every other domain;
- ``loco`` (leave one corpus out): train on every other domain (validation: 15 % of the speakers
  of each), test on this one.

The model is the audit's efficient CNN without per-speaker normalisation (a new corpus's
speakers are not known in advance), trained with :func:`ser_lib.pooled.fit`. Each job writes
``<results_dir>/<protocol>__<domain>__<model>__seed<k>.json`` (``:`` in a domain becomes ``-``)
with, per test domain, UAR, accuracy, macro-F1, the confusion matrix and the prediction of every
test recording. :func:`collect` reads a folder back as one row per (protocol, train, test);
:func:`uar_matrix` arranges it as the train × test matrix with the within-corpus figure on the
diagonal and the leave-one-corpus-out figure as a last row.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from . import metrics as M
from .config import REPO_ROOT
from .pooled import DEFAULT_MAX_PER_DOMAIN, PooledData, fit, load_pooled, recording_split, score, speaker_split

__all__ = ["PROTOCOLS", "DEFAULT_RESULTS_DIR", "LOCO_ROW", "job_specs", "job_path", "run_job", "collect",
           "uar_matrix", "confusion_sum"]

PROTOCOLS = ("cross", "loco", "within")
DEFAULT_RESULTS_DIR = REPO_ROOT / "results" / "cross_corpus"
#: Row label of the leave-one-corpus-out figures in :func:`uar_matrix`.
LOCO_ROW = "all others (LOCO)"


def job_specs(domains: Sequence[str], *, protocols: Iterable[str] = PROTOCOLS, seeds: Iterable[int] = (0,),
              epochs: int = 12, patience: int | None = 4, model: str = "efficient",
              emotions: Sequence[str] | None = None, max_per_domain: int | None = DEFAULT_MAX_PER_DOMAIN,
              augment: bool = False, max_folds: int | None = None, batch_size: int = 128, threads: int = 1,
              data_root=None) -> list:
    """The cross-corpus grid: one job per (seed, protocol, domain), protocols in the order given.

    ``emotions`` None: those all ``domains`` share (:func:`ser_lib.pooled.shared_emotions`), fixed
    in the jobs. ``augment`` False (default): train on the original recordings only (the four
    versions cost four times the CPU; the study compares corpora, not augmentation).
    ``max_folds``: ``within`` jobs run at most this many of the corpus's speaker folds (drawn with
    the seed; None: all). Each job carries one data hash over all domains' corpora.
    """
    import hashlib

    from .experiments.spec import JobSpec, data_hash
    from .pooled import parse_domain, shared_emotions

    domains = list(dict.fromkeys(domains))
    if len(domains) < 2:
        raise ValueError(f"a cross-corpus study needs at least two domains, got {domains}")
    emotions = list(emotions) if emotions is not None else shared_emotions(domains, data_root)
    corpora = sorted({parse_domain(d)[0] for d in domains})
    h = hashlib.sha256("|".join(f"{c}:{data_hash(c, data_root)}" for c in corpora).encode()).hexdigest()[:16]
    # lists as comma-separated strings: a spec read back from JSON must equal the one built here
    params = {"domains": ",".join(domains), "emotions": ",".join(emotions), "max_per_domain": max_per_domain,
              "patience": patience, "max_folds": max_folds, "batch_size": batch_size}
    return [JobSpec("cross-corpus", d, p, model, seed=s, epochs=epochs, augment=augment, threads=threads, data_hash=h,
                    params=params)
            for s in seeds for p in protocols for d in domains]


def job_path(spec, results_dir=DEFAULT_RESULTS_DIR) -> Path:
    """``<results_dir>/<protocol>__<domain>__<model>__seed<k>[__noaug].json``."""
    dom = spec.corpus.replace(":", "-")
    return Path(results_dir) / f"{spec.protocol}__{dom}__{spec.model}__seed{spec.seed}{'' if spec.augment else '__noaug'}.json"


def _train_rows(data: PooledData, rows: np.ndarray, augment: bool) -> np.ndarray:
    return rows if augment else rows[(data.meta["version"].to_numpy()[rows] == "original")]


def _fit_on(data: PooledData, domains: Sequence[str], spec, patience, progress) -> tuple:
    """Train on ``domains`` with validation speakers drawn from each (recordings for a domain of
    two speakers); returns ``(net, std, info)``."""
    tr_parts, va_parts, val_speakers = [], [], []
    for d in domains:
        split = speaker_split(data, d, test_frac=0.0, val_frac=0.15, seed=spec.seed)
        rows = data.rows([d])
        if split["val"]:
            tr_parts.append(data.rows([d], split["train"]))
            va_parts.append(data.rows([d], split["val"], original_only=True))
            val_speakers += split["val"]
        elif len(domains) == 1:  # two speakers: hold out recordings instead
            keep, held = recording_split(data, rows, 0.15, seed=spec.seed)
            tr_parts.append(keep)
            va_parts.append(held[data.meta["version"].to_numpy()[held] == "original"])
        else:
            tr_parts.append(rows)
    tr = _train_rows(data, np.concatenate(tr_parts), spec.augment)
    va = np.concatenate(va_parts) if va_parts else np.zeros(0, np.int64)
    net, std, res = fit(data, tr, va, model=spec.model, epochs=spec.epochs, patience=patience, seed=spec.seed,
                        batch_size=dict(spec.params).get("batch_size", 128),
                        progress=progress)
    info = {"train_domains": list(domains), "n_train": int(len(tr)), "n_val": int(len(va)),
            "val_speakers": val_speakers, "best_epoch": res.best_epoch, "best_val_uar": res.best_val_uar,
            "epochs_run": len(res.history), "train_seconds": res.seconds}
    return net, std, info, res.history


def _within(data: PooledData, spec, patience, progress) -> tuple[dict, list, list]:
    from . import protocols as P
    from .pooled import parse_domain

    d = spec.corpus
    sub = data.rows([d])
    meta = data.meta.iloc[sub].reset_index(drop=True)
    folds = P.speaker(meta, parse_domain(d)[0], spec.seed, augment=spec.augment)
    k = dict(spec.params).get("max_folds")
    if k is not None and len(folds) > k:
        pick = np.random.default_rng(spec.seed).choice(len(folds), size=int(k), replace=False)
        folds = [folds[i] for i in sorted(pick)]
    fold_rows, histories, yt, yp, rids = [], [], [], [], []
    for f in folds:
        tr, va, te = sub[f.train_idx], sub[f.val_idx], sub[f.test_idx]
        net, std, res = fit(data, tr, va, model=spec.model, epochs=spec.epochs, patience=patience, seed=spec.seed,
                        batch_size=dict(spec.params).get("batch_size", 128),
                            progress=progress)
        m = score(net, std, data, te, keep_predictions=True)
        pr = m.pop("predictions")
        yt += pr["y_true"]
        yp += pr["y_pred"]
        rids += pr["recording_id"]
        fold_rows.append({"fold": f.name, "test_speakers": list(f.test_speakers), "uar": m["uar"],
                          "accuracy": m["accuracy"], "n_test": m["n"], "n_train": int(len(tr)), "n_val": int(len(va)),
                          "best_epoch": res.best_epoch, "epochs_run": len(res.history), "train_seconds": res.seconds})
        histories.append({"fold": f.name, "epochs": res.history})
        if progress:
            print(f"  within {d} {f.name}: UAR {m['uar']:.3f}", flush=True)
    pooled = M.all_metrics(np.array(yt), np.array(yp), list(range(len(data.labels))))
    pooled["labels"] = list(data.labels)
    pooled["uar_fold_mean"], pooled["uar_fold_std"] = M.summarize([r["uar"] for r in fold_rows])
    pooled["predictions"] = {"recording_id": rids, "y_true": yt, "y_pred": yp}
    return {d: pooled}, fold_rows, histories


def run_job(spec, path, *, data_root=None, n_jobs: int = 1, progress: bool = False) -> Path:
    """The ``"cross-corpus"`` recipe: load the pooled data, train, test, write ``path``.

    Refuses to run when ``spec.data_hash`` is set and the corpora found under ``data_root`` differ.
    """
    from .results import write_results

    params = dict(spec.params)
    domains = params["domains"].split(",")
    emotions = params["emotions"].split(",")
    if spec.corpus not in domains:
        raise ValueError(f"{spec.corpus!r} is not one of the study's domains {domains}")
    if spec.protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {PROTOCOLS}, got {spec.protocol!r}")
    if spec.data_hash is not None:
        check = job_specs(domains, protocols=[spec.protocol], seeds=[spec.seed], epochs=spec.epochs,
                          emotions=emotions, augment=spec.augment, max_folds=params.get("max_folds"),
                          data_root=data_root)[0]
        if check.data_hash != spec.data_hash:
            raise ValueError(f"{spec.label()}: the corpora here are not those the grid was built for; "
                             "point SER_DATA_ROOT at the same copies")
    t0 = time.perf_counter()
    data = load_pooled(domains, emotions, data_root=data_root, max_per_domain=params.get("max_per_domain"),
                       n_jobs=n_jobs, progress=progress)
    patience = params.get("patience")
    d = spec.corpus
    if spec.protocol == "within":
        tests, folds, histories = _within(data, spec, patience, progress)
        train_info = {"train_domains": [d], "folds": folds}
    else:
        train_on = [d] if spec.protocol == "cross" else [e for e in domains if e != d]
        test_on = [e for e in domains if e != d] if spec.protocol == "cross" else [d]
        net, std, train_info, history = _fit_on(data, train_on, spec, patience, progress)
        histories = [{"fold": spec.protocol, "epochs": history}]
        tests = {e: score(net, std, data, data.rows([e], original_only=True), keep_predictions=True) for e in test_on}
    uars = [m["uar"] for m in tests.values()]
    mean, sd = M.summarize(uars)
    metrics = {"test": tests, "labels": list(data.labels), "uar_mean": mean, "uar_std": sd, "leakage_mean": 0.0,
               "chance_uar": 1.0 / len(data.labels), "train": train_info}
    par = {"recipe": "cross-corpus", "protocol": spec.protocol, "domain": d, "model": spec.model,
           "speaker_normalization": False, "seed": spec.seed, "epochs": spec.epochs, "augment": spec.augment,
           **params, "domains": domains, "emotions": emotions}
    return write_results(path, params=par, metrics=metrics, wall_time_s=time.perf_counter() - t0,
                         data=data.describe(), history=histories,
                         extra={"job": {**spec.to_dict(), "key": spec.key}})


def collect(results_dir=DEFAULT_RESULTS_DIR) -> pd.DataFrame:
    """One row per (protocol, train, test, seed) of the results files in ``results_dir``.

    Columns: protocol, train (a domain, or :data:`LOCO_ROW`), test, seed, uar, accuracy,
    macro_f1, n_test, labels, file.
    """
    rows = []
    for p in sorted(Path(results_dir).glob("*.json")):
        rec = json.loads(p.read_text())
        par = rec.get("params", {})
        if par.get("recipe") != "cross-corpus":
            continue
        for test, m in rec["metrics"]["test"].items():
            train = LOCO_ROW if par["protocol"] == "loco" else par["domain"]
            rows.append({"protocol": par["protocol"], "train": train, "test": test, "seed": par["seed"],
                         "uar": m["uar"], "accuracy": m["accuracy"], "macro_f1": m["macro_f1"], "n_test": m["n"],
                         "labels": tuple(m["labels"]), "file": p.name})
    return pd.DataFrame(rows, columns=["protocol", "train", "test", "seed", "uar", "accuracy", "macro_f1", "n_test",
                                       "labels", "file"])


def uar_matrix(df: pd.DataFrame, value: str = "uar", order: Sequence[str] | None = None) -> pd.DataFrame:
    """Train (rows) × test (columns) matrix of ``value`` (mean over seeds): cross-corpus off the
    diagonal, within-corpus (speaker-independent) on it, leave-one-corpus-out as the last row."""
    if df.empty:
        return pd.DataFrame()
    doms = list(order) if order is not None else list(dict.fromkeys(df["test"]))
    g = df.groupby(["train", "test"])[value].mean()
    rows = doms + ([LOCO_ROW] if (df["protocol"] == "loco").any() else [])
    out = pd.DataFrame(np.nan, index=rows, columns=doms)
    for (tr, te), v in g.items():
        if tr in out.index and te in out.columns:
            out.loc[tr, te] = v
    out.index.name, out.columns.name = "train on", "test on"
    return out


def confusion_sum(results_dir=DEFAULT_RESULTS_DIR, protocol: str = "cross") -> tuple[np.ndarray, list]:
    """The confusion matrices of every test domain of every ``protocol`` job, added up:
    ``(C (K, K) counts, labels)``; row = true emotion, column = predicted."""
    total, labels = None, None
    for p in sorted(Path(results_dir).glob(f"{protocol}__*.json")):
        rec = json.loads(p.read_text())
        for m in rec["metrics"]["test"].values():
            C = np.asarray(m["confusion"])
            total = C if total is None else total + C
            labels = m["labels"]
    if total is None:
        raise FileNotFoundError(f"no {protocol} results in {results_dir}")
    return total, labels
