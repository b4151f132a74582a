"""The paper's own network under honest protocols: the same recipe, only the split changes.

A ``faithful`` job trains the reproduction's network (:func:`ser_lib.reproduce.make_model`, the
released settings: Keras initialisation, Adam lr 1e-5, batch 16/32, L2 1e-3 on the kernels,
dropout 0.2, four versions per training recording, ``StandardScaler`` on the training rows) on one
fold of the ``utterance`` or ``speaker`` protocol (:mod:`ser_lib.protocols`) for a fixed budget of
``E`` epochs, and reports the test score two ways:

- **last**: the weights after epoch ``E`` (what the released code reports, at a smaller budget);
- **best validation**: the epoch with the best UAR on the fold's *validation* rows (held-out
  training takes or speakers; never the test rows), restored from ``best.pt``.

Training is resumable epoch by epoch (checkpoints under ``SER_CACHE_DIR/checkpoints/faithful/``);
:func:`run_spec` returns None while the budget of a call ran out before ``E`` epochs, and writes
the results file (every setting, per-row predictions, history, leakage) once the fold is complete.
The paper protocol's figure at the same ``E`` comes from the reproduction's per-epoch history
(:func:`paper_at_epoch`).
"""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["DEFAULT_EPOCHS", "TEST_GROUPS", "faithful_spec", "fold_names", "run_spec", "paper_at_epoch", "checkpoint_dir"]

#: The fixed budget of the faithful audit (the paper: 100 epochs on the paper protocol).
DEFAULT_EPOCHS = 20

#: Speaker folds of the faithful audit where one fold per speaker costs too much (EMO-DB: 5 folds of 2
#: speakers; EMOVO: 3 of 2); other corpora keep one fold per speaker or their own folds.
TEST_GROUPS: dict[str, int] = {"emodb": 5, "emovo": 3}


def faithful_spec(corpus: str, protocol: str, fold: str | None = None, *, epochs: int = DEFAULT_EPOCHS,
                  seed: int = 0, test_groups: int | None = None, max_files: int | None = None,
                  threads: int = 2):
    """The :class:`~ser_lib.experiments.spec.JobSpec` of one faithful job (``fold`` None: every fold)."""
    from .spec import JobSpec

    params = {"test_groups": test_groups} if test_groups else {}
    return JobSpec("faithful", corpus, protocol, "paper_code", seed=seed, fold=fold, epochs=epochs,
                   max_files=max_files, threads=threads, params=params)


def fold_names(corpus: str, protocol: str, *, data_root=None, test_groups: int | None = None,
               max_files: int | None = None, seed: int = 0, prepared=None) -> list[str]:
    """Names of the folds a faithful job of ``corpus`` / ``protocol`` runs (no audio is read; with
    ``prepared``, a :class:`ser_lib.reproduce.Prepared`, not even the corpus's folder)."""
    from .. import protocols as P
    from ..reproduce import _load_table

    if prepared is not None:
        name, meta = prepared.corpus, prepared.meta
    else:
        name, table = _load_table(corpus, data_root)
        meta = P.subsample(table, max_files).assign(version="original")
    spec = faithful_spec(name, protocol, test_groups=test_groups, seed=seed)
    return [f.name for f in _folds(spec, meta)]


def checkpoint_dir(spec, fold_name: str) -> Path:
    """``SER_CACHE_DIR/checkpoints/faithful/<corpus>-<protocol>-<fold>-<spec key>``."""
    from ..config import cache_root

    return cache_root() / "checkpoints" / "faithful" / f"{spec.corpus}-{spec.protocol}-{fold_name}-{spec.key}"


def _folds(spec, meta):
    from .. import protocols as P

    if spec.protocol == "utterance":
        folds = P.utterance(meta, seed=spec.seed, augment=spec.augment)
    elif spec.protocol == "speaker":
        folds = P.speaker(meta, spec.corpus, seed=spec.seed, augment=spec.augment,
                          test_groups=dict(spec.params).get("test_groups"))
    else:
        raise ValueError(f"the faithful audit runs the utterance or speaker protocol, not {spec.protocol!r} "
                         "(the paper protocol is the reproduction)")
    if spec.fold is not None:
        folds = [f for f in folds if f.name == spec.fold]
        if not folds:
            raise ValueError(f"{spec.corpus}/{spec.protocol}: no fold named {spec.fold!r}")
    return folds


def _scores(y, pred, n_classes: int) -> dict[str, float]:
    from .. import metrics as M

    idx = list(range(n_classes))
    return {"accuracy": M.accuracy(y, pred), "uar": M.uar(y, pred, idx), "macro_f1": M.macro_f1(y, pred, idx),
            "confusion": M.confusion(y, pred, idx).tolist()}


def _run_fold(spec, fold, X, y, meta, labels, *, max_minutes, progress) -> dict | None:
    import torch
    from sklearn.preprocessing import StandardScaler

    from .. import checkpoints, paper
    from .. import protocols as P
    from ..model import variant_config
    from ..reproduce import batch_size_for, make_model
    from ..train import fit, predict_proba, resolve_device, set_seed

    P.check_fold(meta, fold, spec.protocol)
    cfg = variant_config("code")
    tr, va, te = fold.train_idx, fold.val_idx, fold.test_idx
    scaler = StandardScaler().fit(X[tr])
    Xtr, Xva, Xte = (scaler.transform(X[i]).astype(np.float32) for i in (tr, va, te))
    set_seed(spec.seed)
    model = make_model(X.shape[1], len(labels), variant="code", init="keras")
    batch = batch_size_for(spec.corpus, "code")
    ckdir = checkpoint_dir(spec, fold.name)
    hist = fit(model, Xtr, y[tr], Xva, y[va], epochs=spec.epochs, batch_size=batch, lr=cfg["lr"],
               weight_l2=cfg["weight_l2"], seed=spec.seed, checkpoint_dir=ckdir, max_minutes=max_minutes,
               select="best_val_uar", progress=progress)
    if hist.epochs_run < spec.epochs:
        return None
    proba_best = predict_proba(model, Xte)                       # fit restored the best validation epoch
    best_epoch = int(max(hist.epochs, key=lambda e: (e["val_uar"], -e["epoch"]))["epoch"])
    model.load_state_dict(checkpoints.load(ckdir / "last.pt")["model"])
    proba_last = predict_proba(model, Xte)
    yte = y[te]
    n = len(labels)
    rows = meta.iloc[te]
    preds = [{"recording_id": r, "speaker": str(s), "true": int(t), "pred_last": int(pl), "pred_best": int(pb),
              "proba_last": [round(float(v), 5) for v in p]}
             for r, s, t, pl, pb, p in zip(rows["recording_id"], rows["speaker"], yte, proba_last.argmax(1),
                                           proba_best.argmax(1), proba_last)]
    return {"fold": fold.name, "test_speakers": list(fold.test_speakers),
            "n_train": int(len(tr)), "n_val": int(len(va)), "n_test": int(len(te)),
            "val_speakers": sorted(map(str, set(meta["speaker"].iloc[va]))),
            "leakage": P.leakage(meta, fold), "take_leakage": P.take_leakage(meta, fold),
            "last": _scores(yte, proba_last.argmax(1), n),
            "best_val": {"epoch": best_epoch, "val_uar": float(max(e["val_uar"] for e in hist.epochs)),
                         **_scores(yte, proba_best.argmax(1), n)},
            "train_seconds": float(hist.seconds), "history": hist.epochs, "predictions": preds,
            "settings": {"batch_size": batch, "lr": cfg["lr"], "weight_l2": cfg["weight_l2"],
                         "dropout": cfg["dropout"], "init": "keras", "versions": list(paper.VERSIONS),
                         "scaler": "StandardScaler on the training rows", "select": "last and best_val_uar",
                         "torch_threads": torch.get_num_threads(), "device": str(resolve_device("auto"))}}


def run_spec(spec, path: str | os.PathLike, *, data_root=None, n_jobs: int = 1, progress: bool = False,
             max_minutes: float | None = None, prepared=None) -> Path | None:
    """Run (or resume) every fold of ``spec``; write ``path`` when all are complete.

    Parameters
    ----------
    spec : JobSpec with ``recipe='faithful'`` (:func:`faithful_spec`).
    path : the results file (:func:`ser_lib.experiments.runner.job_path`).
    data_root : folder with the corpora; n_jobs : feature-extraction processes.
    max_minutes : budget of this call (None: no limit); folds stop after a finished epoch.
    prepared : the corpus's rows from :func:`ser_lib.reproduce.load_prepared` (computed on another
        machine, e.g. for a GPU machine without the corpus); None: read the audio here.

    Returns
    -------
    Path of the results file, or None when the budget ran out first (call again to resume).
    """
    from .. import features, paper
    from .. import protocols as P
    from ..labels import encode_labels
    from ..reproduce import _load_table
    from ..results import data_checksum, update_results, write_results

    t0 = time.perf_counter()
    if prepared is not None:
        if (prepared.corpus, prepared.max_files, tuple(prepared.versions), prepared.feature_seed) != \
                (spec.corpus, spec.max_files, tuple(paper.VERSIONS), 0):
            raise ValueError(f"the prepared rows ({prepared.corpus}, max_files={prepared.max_files}, versions "
                             f"{list(prepared.versions)}, feature seed {prepared.feature_seed}) are not those of "
                             f"{spec.label()}: pack them with the job's corpus and max_files")
        name, X, meta = prepared.corpus, prepared.X, prepared.meta
        data = {k: prepared.data[k] for k in ("checksum", "n_files", "n_rows", "synthetic")}
    else:
        name, table = _load_table(spec.corpus, data_root)
        table = P.subsample(table, spec.max_files)
        X, meta = features.extract(table, kind="paper", versions=paper.VERSIONS, seed=0, n_jobs=n_jobs,
                                   progress=progress)
        X = np.asarray(X, np.float32)
        data = {"checksum": data_checksum(table["path"]), "n_files": int(len(table)), "n_rows": int(len(meta)),
                "synthetic": name == "synthetic"}
    y, labels = encode_labels(meta["emotion"])
    results = []
    for fold in _folds(spec, meta):
        left = None if max_minutes is None else max_minutes - (time.perf_counter() - t0) / 60
        if left is not None and left <= 0:
            return None
        res = _run_fold(spec, fold, X, y, meta, labels, max_minutes=left, progress=progress)
        if res is None:
            return None
        results.append(res)
    summary = {}
    for which in ("last", "best_val"):
        for k in ("accuracy", "uar", "macro_f1"):
            v = [r[which][k] for r in results]
            summary[f"{which}_{k}_mean"] = float(np.mean(v))
            summary[f"{which}_{k}_std"] = float(np.std(v, ddof=1)) if len(v) > 1 else None
    params = {"corpus": name, "protocol": spec.protocol, "model": "paper_code", "epochs": spec.epochs,
              "seed": spec.seed, "folds": [r["fold"] for r in results], "labels": labels,
              "test_groups": dict(spec.params).get("test_groups"), "max_files": spec.max_files,
              "std_over": "folds (one value per fold)"}
    write_results(path, params=params, metrics={**summary, "folds": results}, wall_time_s=time.perf_counter() - t0,
                  data=data, history=None)
    return update_results(path, job={**spec.to_dict(), "key": spec.key})


def paper_at_epoch(record: dict[str, Any], epoch: int) -> dict[str, Any] | None:
    """The paper-protocol run's test accuracy and UAR after ``epoch`` epochs, from a reproduction
    results record's per-epoch history (its validation data *is* the test split, as in the released
    code). None when the run has not reached ``epoch``."""
    hist = record.get("history") or []
    for e in hist:
        if int(e["epoch"]) == int(epoch):
            return {"epoch": int(epoch), "accuracy": e.get("val_acc"), "uar": e.get("val_uar")}
    return None


#: How each split is named on the pages.
SPLIT_NAMES = {"paper": "paper: rows split after augmentation", "utterance": "recordings held out (by take)",
               "speaker": "speakers held out"}


def fold_table(results_dir=None) -> "pd.DataFrame":
    """One row per finished faithful fold: corpus, protocol, fold, epochs, test speakers, and the
    test accuracy / UAR of the last epoch and of the best validation epoch (fractions)."""
    import json

    import pandas as pd

    from ..config import REPO_ROOT

    folder = Path(results_dir) if results_dir else REPO_ROOT / "results" / "faithful"
    rows = []
    for f in sorted(folder.glob("*.json")):
        rec = json.loads(f.read_text())
        if (rec.get("job") or {}).get("recipe") != "faithful":
            continue
        p = rec["params"]
        for r in rec["metrics"]["folds"]:
            rows.append({"corpus": p["corpus"], "protocol": p["protocol"], "fold": r["fold"], "epochs": p["epochs"],
                         "test_speakers": ",".join(r["test_speakers"]) or "mixed", "n_test": r["n_test"],
                         "take_leakage": r["take_leakage"], "best_epoch": r["best_val"]["epoch"],
                         "acc_last": r["last"]["accuracy"], "uar_last": r["last"]["uar"],
                         "acc_best_val": r["best_val"]["accuracy"], "uar_best_val": r["best_val"]["uar"],
                         "trained_on": trained_on(rec, r)})
    return pd.DataFrame(rows)


def trained_on(record: dict[str, Any], fold: dict[str, Any]) -> str:
    """Where a fold trained, in a few words: ``"GPU NVIDIA H200"`` or ``"CPU, 2 torch threads"``. Folds
    train on ``device='auto'``, so a file written before the device was recorded trained on the GPU that
    its provenance names, if any."""
    settings = fold.get("settings") or {}
    gpu = ((record.get("provenance") or {}).get("hardware") or {}).get("cuda")
    device = settings.get("device") or ("cuda" if gpu else "cpu")
    if device.startswith("cuda"):
        return f"GPU {gpu}" if gpu else "GPU"
    threads = settings.get("torch_threads")
    return "CPU" + (f", {threads} torch thread{'s' if threads != 1 else ''}" if threads else "")


def three_splits(results_dir=None, reproduce_dir=None, epochs: int = DEFAULT_EPOCHS) -> "pd.DataFrame":
    """The book's central table: the same network, three splits, per corpus.

    Paper protocol: the reproduction's test accuracy / UAR after ``epochs`` epochs and after its
    last epoch (one split, no ±). Utterance and speaker protocols: mean and standard deviation over
    folds (one value per fold) of the last epoch and of the best validation epoch, after ``epochs``.
    Columns: corpus, split, epochs, selection, folds, accuracy, accuracy_std, uar, uar_std (fractions).
    """
    import json

    import pandas as pd

    from ..config import REPO_ROOT

    rows = []
    rdir = Path(reproduce_dir) if reproduce_dir else REPO_ROOT / "results" / "reproduce"
    for f in sorted(rdir.glob("*.json")):
        rec = json.loads(f.read_text())
        par = rec.get("params", {})
        if par.get("protocol") != "paper" or par.get("max_files") or par.get("init") != "keras" \
                or par.get("variant") != "code":
            continue  # like with like: the faithful jobs use the released recipe (Keras init, the code's model)
        for e, sel in ((epochs, f"after {epochs} epochs"), (rec.get("epochs_run"), "last epoch run")):
            at = paper_at_epoch(rec, e) if e else None
            if at is not None:
                rows.append({"corpus": par["corpus"], "split": SPLIT_NAMES["paper"], "epochs": int(e),
                             "selection": sel, "folds": 1, "accuracy": at["accuracy"], "accuracy_std": None,
                             "uar": at["uar"], "uar_std": None})
    folds = fold_table(results_dir)
    if len(folds):
        folds = folds[folds["epochs"] == epochs]
        for (corpus, protocol), g in folds.groupby(["corpus", "protocol"], sort=False):
            for which, sel in (("last", f"after {epochs} epochs"), ("best_val", "best validation epoch")):
                a, u = g[f"acc_{which}"], g[f"uar_{which}"]
                rows.append({"corpus": corpus, "split": SPLIT_NAMES[protocol], "epochs": int(epochs),
                             "selection": sel, "folds": int(len(g)), "accuracy": float(a.mean()),
                             "accuracy_std": float(a.std(ddof=1)) if len(g) > 1 else None,
                             "uar": float(u.mean()), "uar_std": float(u.std(ddof=1)) if len(g) > 1 else None})
    return pd.DataFrame(rows, columns=["corpus", "split", "epochs", "selection", "folds", "accuracy", "accuracy_std",
                                       "uar", "uar_std"])
