"""The paper's protocol, end to end: corpus -> features -> split -> scale -> train -> evaluate.

:func:`run` follows the released code step by step (spec: "Evaluation protocol in the released
code"):

1. every audio file gives four rows: original, noise, pitch, pitch + noise
   (:func:`ser_lib.features.extract` with ``kind='paper'``); rows of different lengths are
   zero-padded on the right (the released ``fillna(0)``);
2. labels are encoded as the indices of the *sorted* label names (what sklearn's
   ``LabelEncoder``/``OneHotEncoder`` do), so class 0 is the alphabetically first emotion
   (:func:`ser_lib.labels.encode_labels`);
3. ONE random split over ROWS, after augmentation:
   ``train_test_split(X, y, test_size=0.2, random_state=42, shuffle=True)``
   (:func:`ser_lib.protocols.paper_split`); augmented copies of one recording therefore land on both
   sides (:func:`ser_lib.protocols.leakage_share`);
4. ``StandardScaler`` fitted on the training rows;
5. :class:`ser_lib.model.PaperNet` (two blocks in the released code, three in the paper's text),
   Adam lr 1e-5, batch size 16 or 32 per corpus, 100 epochs, the *test set passed as validation
   data* every epoch, no early stopping, the last epoch's test accuracy reported.

We report accuracy as the paper does, and also UAR and macro-F1, the confusion matrix
(:mod:`ser_lib.metrics`), the per-class report, and the leakage of the split. Runs shorter than 100 epochs are flagged
(``shortfall``) everywhere their numbers appear.

Where a run departs from the released code (the 2376-value input vector for every corpus, the
unreleased log-mel features of RAVDESS/SAVEE/CREMA-D, the attention blocks missing from some
printouts, PyTorch instead of Keras, ...) is listed by :func:`ser_lib.deviations.deviations`, which
every reproduction page renders.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import metrics as M
from . import paper
from .labels import encode_labels
from .corpora.registry import SHORT_NAMES
from .protocols import leakage_share, paper_split, subsample

__all__ = ["CORPUS_TITLES", "make_model", "batch_size_for", "default_checkpoint_dir", "run", "prepare", "train_evaluate",
           "from_results", "from_results_note", "Prepared", "Reproduction", "queue_command",
           "record_shortfall", "shortfall_text", "INIT_NOTE"]

#: The initialisation of the reproduction and why (shown on every reproduction page).
INIT_NOTE = ("The reproduction starts from the released Keras model's initialisation: glorot-uniform kernels "
             "and zero biases, he-normal in the attention MLP and kernel. With the paper's learning rate of 1e-5 "
             "this start learns slowly in the first epochs (each reproduction page's learning curve shows how "
             "slowly, from the run's own per-epoch record), so the learning curve over the 100 epochs is part of the finding. init='torch' (PyTorch's default layer "
             "initialisation) is a documented variant; every results file records which one was used.")
CORPUS_TITLES = SHORT_NAMES  # the registry's short names, under the name the pages use


def default_checkpoint_dir(corpus: str, variant: str, init: str, drop_attention: str | None, seed: int,
                           max_files: int | None = None, lr: float = paper.LR, batch_size: int | None = None) -> Path:
    """``<cache>/checkpoints/reproduce/<corpus>-<variant>-<init>-<attention>-bs<..>-lr<..>-seed<..>[-n<..>]``."""
    from .config import cache_root

    name = (f"{corpus}-{variant}-{init}-{drop_attention or 'full'}-bs{batch_size or 'paper'}-lr{lr:g}"
            f"-seed{seed}" + (f"-n{max_files}" if max_files else ""))
    return cache_root() / "checkpoints" / "reproduce" / name


def shortfall_text(epochs_run: int, epochs_paper: int = paper.EPOCHS, *, stopped_for_time: bool = False,
                   max_minutes: float | None = None, resumable: bool = True,
                   queue: str | None = "make queue") -> str | None:
    """The banner text for a run shorter than the paper's, or None. ``resumable=False``: the run kept
    no checkpoint (e.g. one call on a lent GPU machine), so it cannot be continued. ``queue``: the command
    that resumes it (``make queue-printed`` for a printed model; None: no queue runs it)."""
    if epochs_run >= epochs_paper:
        return None
    if stopped_for_time and not resumable:
        budget = f" of {max_minutes:g} minutes" if max_minutes else ""
        why = (f"training stopped at the time budget{budget} of its one call, which kept no checkpoint, so this "
               "run cannot be continued")
    elif stopped_for_time:
        budget = f" of {max_minutes:g} minutes" if max_minutes else ""
        why = (f"training stopped at its time budget{budget}; it resumes from its last epoch checkpoint, kept in "
               "the cache folder (`SER_CACHE_DIR`) of the machine that trained it, when run again there"
               + (f", as the long-run queue `{queue}` does. Where that checkpoint is gone, the queue trains the "
                  "run again from epoch 0 beside this record, which it replaces only once the new run has "
                  "trained as many epochs" if queue else " with the same parameters"))
    else:
        why = "the run was configured with fewer epochs"
    return (f"This is NOT the paper's setting: {epochs_run} of {epochs_paper} epochs were run ({why}). "
            f"The paper's figures come from {epochs_paper} epochs.")


def queue_command(corpus: str, drop_attention: str | None) -> str | None:
    """The long-run queue that trains this run on: ``make queue`` (the model the code describes),
    ``make queue-printed`` (the model the released notebook printed), None (no queue runs it)."""
    if drop_attention is None:
        return "make queue"
    return "make queue-printed" if drop_attention == paper.PRINTED_WITHOUT.get(corpus) else None


def record_shortfall(rec: dict) -> str | None:
    """:func:`shortfall_text` for a results record, in this version's words (the record's own
    ``shortfall`` holds those of the version that wrote it): None at the paper's epochs."""
    p = rec["params"]
    return shortfall_text(int(rec["epochs_run"]), int(rec.get("epochs_paper") or paper.EPOCHS),
                          stopped_for_time=bool(rec.get("stopped_for_time")), max_minutes=p.get("max_minutes"),
                          resumable=p.get("checkpoint_dir") is not None,
                          queue=queue_command(p["corpus"], p.get("drop_attention")))


def from_results_note(rec: dict) -> str:
    """Markdown saying where a page rendered from its results file (:func:`from_results`) was trained: one
    call on another machine (``scripts/reproduce_elsewhere.py``, no checkpoint) or the long-run queue on a
    machine whose cache holds its checkpoint."""
    from .results import hardware_summary

    where = hardware_summary(rec)
    if rec["params"].get("checkpoint_dir") is None:
        return (f"**Trained on another machine** ({where}) from the rows computed here "
                "(`scripts/reproduce_elsewhere.py`); this page is rendered from that run's results file, "
                "which holds the per-epoch history and every test row's prediction.")
    return (f"**Rendered from the results file.** This run trained in the long-run queue ({where}); its "
            "checkpoint stays in the cache of that machine, so this page is rendered from the results file, "
            "which holds the per-epoch history and every test row's prediction.")


@dataclass
class Reproduction:
    """Everything :func:`run` produced (the notebook plots from it)."""

    corpus: str
    params: dict[str, Any]
    metrics: dict[str, Any]
    labels: list[str]
    history: Any                      # ser_lib.train.History
    model: Any                        # the trained PaperNet (last epoch); None when read by from_results
    meta: pd.DataFrame | None         # one row per (recording, version), with 'split'; None from from_results
    y_test: np.ndarray
    pred_test: np.ndarray
    proba_test: np.ndarray | None     # None when read by from_results
    test_idx: np.ndarray
    train_idx: np.ndarray | None
    report: pd.DataFrame              # per-class precision / recall / f1 / support
    confusion: np.ndarray
    record: dict[str, Any] = field(default_factory=dict)   # what was (or would be) written to JSON
    X_test: np.ndarray | None = None  # scaled test rows (for attention maps)
    results_path: Path | None = None


def make_model(input_length: int, n_classes: int, *, variant: str = "code", drop_attention: str | None = None,
               init: str = "keras"):
    """The faithful network of ``variant`` (:func:`ser_lib.model.variant_config`) for input vectors of
    ``input_length`` values: the one constructor of the reproduction and of the faithful audit."""
    from .model import PaperNet, variant_config

    if drop_attention not in (None, "channel", "spatial"):
        raise ValueError(f"drop_attention must be None, 'channel' or 'spatial', got {drop_attention!r}")
    cfg = variant_config(variant)
    return PaperNet(input_length, n_classes, n_blocks=cfg["n_blocks"], filters=cfg["filters"],
                    kernel_size=cfg["kernel_size"], dropout=cfg["dropout"], dense_units=cfg["dense_units"],
                    channel_attention=drop_attention != "channel", spatial_attention=drop_attention != "spatial",
                    init=init)


def batch_size_for(corpus: str, variant: str = "code") -> int:
    """The released batch size of ``corpus`` for ``variant``; a corpus the released code did not run
    gets the small corpora's 16 (code) or 64 (text)."""
    from .model import variant_config

    cfg = variant_config(variant)
    return int(cfg["batch_size"].get(corpus, min(paper.BATCH_SIZE_CODE.values()) if variant == "code"
                                     else paper.BATCH_SIZE_TEXT))


def _load_table(corpus: str, data_root) -> tuple[str, pd.DataFrame]:
    from . import corpora

    if corpus in (None, "", "auto", "default"):
        return corpora.default_corpus(data_root)
    if corpus == "synthetic":
        return "synthetic", corpora.scan("synthetic")
    return corpus, corpora.scan(corpus, data_root)


@dataclass
class Prepared:
    """A corpus as the paper's rows: everything :func:`train_evaluate` needs, and no audio.

    ``X`` is ``(n_rows, L)`` float32 (four versions per file, zero-padded on the right), ``meta`` one
    row per (recording, version) with at least ``recording_id`` and ``emotion``, ``data`` the results
    file's description of the audio read (checksum of names and bytes, counts). :func:`save_prepared`
    writes it to one file, so that training can run on a machine without the corpus (an accelerator).
    """

    corpus: str
    X: np.ndarray
    meta: pd.DataFrame
    data: dict[str, Any]
    features_s: float = 0.0
    max_files: int | None = None
    versions: tuple[str, ...] = tuple(paper.VERSIONS)
    feature_seed: int = 0
    packed_by: dict[str, Any] | None = None   # provenance of the machine that computed the rows, when loaded


def prepare(corpus: str = "auto", *, data_root: str | os.PathLike | None = None, max_files: int | None = None,
            n_jobs: int = 2, progress: bool = True, versions=paper.VERSIONS, feature_seed: int = 0) -> Prepared:
    """Step 1 of :func:`run`: read the corpus and compute the paper's rows (features cached on disk).

    Parameters are those of :func:`run`. Raises ValueError for a corpus of fewer than 2 files.
    """
    from . import features
    from .results import Timer, data_checksum

    corpus, table = _load_table(corpus, data_root)
    n_files_total = len(table)
    table = subsample(table, max_files, seed=0)
    if len(table) < 2:
        raise ValueError(f"{corpus}: only {len(table)} file(s); nothing to split")
    with Timer() as t_feat:
        X, meta = features.extract(table, kind="paper", versions=tuple(versions), seed=feature_seed,
                                   n_jobs=n_jobs, progress=progress)
    data = {"checksum": data_checksum(table["path"]), "n_files": int(len(table)),
            "n_files_in_corpus": int(n_files_total), "n_rows": int(len(meta)),
            "emotions": {k: int(v) for k, v in table["emotion"].value_counts().sort_index().items()},
            "synthetic": corpus == "synthetic"}
    return Prepared(corpus, np.asarray(X, dtype=np.float32), meta.reset_index(drop=True), data, t_feat.seconds,
                    max_files, tuple(versions), int(feature_seed))


#: Columns of ``Prepared.meta`` that :func:`save_prepared` leaves out (they name machine paths).
_PATH_COLUMNS = ("path",)


def save_prepared(prep: Prepared, path: str | os.PathLike) -> Path:
    """Write ``prep`` to one compressed ``.npz`` (no audio, no machine path).

    The bytes of ``X`` are stored plane by plane (all first bytes of the float32 values, then all
    second bytes, ...: the "shuffle" of blosc and HDF5), which zlib compresses about 11 % better than
    the plain array (TESS: 51.5 MB instead of 58.0 MB for 101.5 MB of rows). Lossless:
    :func:`load_prepared` gives back ``X`` bit for bit.
    """
    import json

    from .results import provenance, to_jsonable

    path = Path(path)
    X = np.ascontiguousarray(prep.X, dtype="<f4")
    planes = np.ascontiguousarray(X.view(np.uint8).reshape(-1, 4).T)
    meta = prep.meta.drop(columns=[c for c in _PATH_COLUMNS if c in prep.meta.columns])
    info = {"corpus": prep.corpus, "shape": list(X.shape), "data": prep.data, "features_s": prep.features_s,
            "max_files": prep.max_files, "versions": list(prep.versions), "feature_seed": prep.feature_seed,
            "packed_by": prep.packed_by or provenance()}
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        np.savez_compressed(fh, X_planes=planes, info=np.array(json.dumps(to_jsonable(info))),
                            meta=np.array(meta.to_json(orient="split", index=False)))
    return path


def load_prepared(path: str | os.PathLike) -> Prepared:
    """Read a file written by :func:`save_prepared`; ValueError naming the file when it is not one."""
    import io
    import json

    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as z:
            info = json.loads(str(z["info"]))
            X = np.ascontiguousarray(z["X_planes"].T).view("<f4").reshape(info["shape"])
            # JSON keeps missing values missing and strings strings ("03" stays "03"): the folds need both
            meta = pd.read_json(io.StringIO(str(z["meta"])), orient="split", dtype=False)
    except (OSError, KeyError, ValueError) as err:
        raise ValueError(f"{path}: not a prepared-rows file of ser_lib.reproduce.save_prepared "
                         f"({type(err).__name__}: {err}); write one with `python scripts/reproduce_elsewhere.py pack`") from err
    return Prepared(info["corpus"], X.astype(np.float32, copy=False), meta, info["data"], info["features_s"],
                    info["max_files"], tuple(info["versions"]), int(info["feature_seed"]), info.get("packed_by"))


def run(corpus: str = "auto", *, variant: str = "code", drop_attention: str | None = None,
        init: str = "keras", epochs: int | None = None, batch_size: int | None = None, seed: int = 0,
        lr: float | None = None, data_root: str | os.PathLike | None = None, max_files: int | None = None,
        max_minutes: float | None = None, device: str = "auto", torch_threads: int | None = None,
        checkpoint_dir: str | os.PathLike | None = "auto", results_path: str | os.PathLike | None = None,
        n_jobs: int = 2, progress: bool = True, versions=paper.VERSIONS,
        feature_seed: int = 0) -> Reproduction:
    """Run the paper's protocol on one corpus and return a :class:`Reproduction`:
    :func:`prepare` (features), then :func:`train_evaluate` (split, scaler, training, evaluation).

    Parameters
    ----------
    corpus : 'emodb', 'savee', 'emovo', 'ravdess', 'cremad', 'tess', 'synthetic', or 'auto'
        (the first real corpus present, else synthetic).
    variant : 'code' (released notebooks: 2 blocks, batch 16/32) or 'text' (paper text: 3 blocks,
        batch 64). See :data:`ser_lib.model.PAPER_CODE` / :data:`PAPER_TEXT`.
    drop_attention : None, 'channel' or 'spatial' (the released TESS/SAVEE and RAVDESS printouts).
    init : 'keras' (default: the released model's initialisation) or 'torch' (PyTorch's default
        layer initialisation, a documented variant). See :data:`INIT_NOTE`.
    epochs : default 100 (the paper). batch_size : default per corpus for the variant.
    seed : model initialisation, shuffling and dropout (the split is always random_state=42).
    lr : default 1e-5.
    data_root : folder with the corpora (default ``$SER_DATA_ROOT`` or ./data).
    max_files : use at most this many recordings (CI); None = all.
    max_minutes : training time budget (see :func:`ser_lib.train.fit`).
    device, torch_threads : where to train; ``torch.set_num_threads(torch_threads)`` when given.
    checkpoint_dir : 'auto' (:func:`default_checkpoint_dir`), a folder, or None (no checkpoints).
        A rerun with the same settings resumes from the last finished epoch.
    results_path : write the results JSON here (via :func:`ser_lib.results.write_results`).
    n_jobs : feature-extraction worker processes.
    versions : augmented versions per file (the paper: all four).
    feature_seed : seed of the augmentation noise.
    """
    if drop_attention not in (None, "channel", "spatial"):
        raise ValueError(f"drop_attention must be None, 'channel' or 'spatial', got {drop_attention!r}")
    t_start = time.perf_counter()
    prep = prepare(corpus, data_root=data_root, max_files=max_files, n_jobs=n_jobs, progress=progress,
                   versions=versions, feature_seed=feature_seed)
    return train_evaluate(prep, variant=variant, drop_attention=drop_attention, init=init, epochs=epochs,
                          batch_size=batch_size, seed=seed, lr=lr, max_minutes=max_minutes, device=device,
                          torch_threads=torch_threads, checkpoint_dir=checkpoint_dir, results_path=results_path,
                          progress=progress, t_start=t_start)


def train_evaluate(prep: Prepared, *, variant: str = "code", drop_attention: str | None = None,
                   init: str = "keras", epochs: int | None = None, batch_size: int | None = None, seed: int = 0,
                   lr: float | None = None, max_minutes: float | None = None, device: str = "auto",
                   torch_threads: int | None = None, checkpoint_dir: str | os.PathLike | None = "auto",
                   results_path: str | os.PathLike | None = None, progress: bool = True,
                   t_start: float | None = None) -> Reproduction:
    """Steps 2-5 of :func:`run` on prepared rows (no audio needed): labels, the paper's row split,
    the scaler, training, evaluation, and the results file (with the test rows' predictions).
    Parameters as in :func:`run`; ``t_start`` is the ``time.perf_counter()`` the wall time counts from
    (default: now)."""
    import torch
    from sklearn.preprocessing import StandardScaler

    from .model import keras_param_count, variant_config
    from .results import Timer, write_results
    from .train import fit, predict_proba, resolve_device, set_seed

    t_start = time.perf_counter() if t_start is None else t_start
    cfg = variant_config(variant)
    if drop_attention not in (None, "channel", "spatial"):
        raise ValueError(f"drop_attention must be None, 'channel' or 'spatial', got {drop_attention!r}")
    if torch_threads:
        torch.set_num_threads(int(torch_threads))
    corpus, X, meta = prep.corpus, prep.X, prep.meta
    epochs = int(cfg["epochs"] if epochs is None else epochs)
    lr = float(cfg["lr"] if lr is None else lr)
    batch_size = batch_size_for(corpus, variant) if batch_size is None else int(batch_size)
    # 2. labels: indices of the sorted names
    y, labels = encode_labels(meta["emotion"])
    # 3. one random 80/20 split over rows
    tr, te = paper_split(len(X))
    leak = leakage_share(meta["recording_id"], tr, te)
    meta = meta.copy()
    meta["split"] = "train"
    meta.loc[te, "split"] = "test"
    # 4. scaler on training rows
    scaler = StandardScaler().fit(X[tr])
    Xtr = scaler.transform(X[tr]).astype(np.float32)
    Xte = scaler.transform(X[te]).astype(np.float32)
    # 5. model and training (the test set is the validation data, as in the released code)
    set_seed(seed)
    model = make_model(Xtr.shape[1], len(labels), variant=variant, drop_attention=drop_attention, init=init)
    if checkpoint_dir == "auto":
        checkpoint_dir = default_checkpoint_dir(corpus, variant, init, drop_attention, seed, prep.max_files,
                                                lr, batch_size)
    with Timer() as t_train:
        hist = fit(model, Xtr, y[tr], Xte, y[te], epochs=epochs, batch_size=batch_size, lr=lr,
                   weight_l2=cfg["weight_l2"], seed=seed, device=device, checkpoint_dir=checkpoint_dir,
                   max_minutes=max_minutes, select="last", progress=progress)
    proba = predict_proba(model, Xte, device=device)
    pred = proba.argmax(1)
    yte = y[te]
    cm, rep, metrics = _scores(yte, pred, labels)
    metrics.update({"n_train": int(len(tr)),
        "last_epoch_val_acc": hist.epochs[-1]["val_acc"] if hist.epochs else None,
        "samples_per_s_mean": float(np.mean([e["samples_per_s"] for e in hist.epochs])) if hist.epochs else None,
        "seconds_per_epoch_mean": float(np.mean([e["seconds"] for e in hist.epochs])) if hist.epochs else None,
    })
    counts = keras_param_count(model)
    dev = resolve_device(device)
    params = {"corpus": corpus, "protocol": "paper", "variant": variant, "n_blocks": cfg["n_blocks"],
              "drop_attention": drop_attention, "init": init, "epochs": epochs, "batch_size": batch_size,
              "lr": lr, "weight_l2": cfg["weight_l2"], "seed": seed, "split_random_state": paper.RANDOM_STATE,
              "test_size": paper.TEST_SIZE, "versions": list(prep.versions), "feature_seed": prep.feature_seed,
              "max_files": prep.max_files, "max_minutes": max_minutes, "device": str(dev),
              "torch_threads": torch.get_num_threads(), "input_length": int(Xtr.shape[1]),
              "n_classes": len(labels), "params_keras": counts,
              "checkpoint_dir": None if checkpoint_dir is None else str(checkpoint_dir)}
    if dev.type == "cuda":
        params["float32_on_gpu"] = "exact float32 (TF32 off), as on the CPU (ser_lib.speed.exact_float32)"
    short = shortfall_text(hist.epochs_run, paper.EPOCHS, stopped_for_time=hist.stopped_for_time,
                           max_minutes=max_minutes, resumable=checkpoint_dir is not None,
                           queue=queue_command(corpus, drop_attention))
    # wall time of this call plus the training time of epochs run by earlier (interrupted) calls
    earlier = float(sum(e["seconds"] for e in hist.epochs[:hist.resumed_from]))
    wall = time.perf_counter() - t_start + earlier
    figures = paper.FIGURES.get(corpus, {})
    extra = {"epochs_run": hist.epochs_run, "epochs_planned": epochs, "epochs_paper": paper.EPOCHS,
             "shortfall": short, "stopped_for_time": hist.stopped_for_time,
             "leakage": {"test_rows_with_sibling_in_train": leak,
                         "definition": "share of test rows whose recording has another row (an augmented "
                                       "version) in the training set"},
             "paper_figures": {**figures, "citation": paper.CITATION},
             "timing": {"features_s": prep.features_s, "training_s_this_call": t_train.seconds,
                        "training_s_all_calls": hist.seconds, "resumed_from_epoch": hist.resumed_from,
                        "earlier_calls_training_s": earlier,
                        "reevaluated_from_checkpoint": bool(hist.resumed_from and hist.epochs_run == hist.resumed_from),
                        "note": "wall_time_s = this call + training time of epochs run by earlier calls"},
             "predictions": {"test_row": te.tolist(), "recording_id": meta["recording_id"].iloc[te].astype(str).tolist(),
                             "y_true": yte.tolist(), "y_pred": pred.tolist(),
                             "note": "test rows (indices into the corpus's rows in feature order) after the last epoch"}}
    if prep.packed_by:  # rows computed on another machine (save_prepared / load_prepared)
        extra["rows_prepared_on"] = {k: prep.packed_by.get(k) for k in ("git", "versions", "hardware", "written_utc")}
    hist_list = hist.epochs
    record = {"params": params, "metrics": metrics, "data": prep.data, "history": hist_list,
              "wall_time_s": wall, **extra}
    rpath = None
    if results_path:
        rpath = write_results(results_path, params=params, metrics=metrics, wall_time_s=wall, data=prep.data,
                              history=hist_list, extra=extra)
    return Reproduction(corpus=corpus, params=params, metrics=metrics, labels=labels, history=hist, model=model,
                        meta=meta, y_test=yte, pred_test=pred, proba_test=proba, test_idx=te, train_idx=tr,
                        report=rep, confusion=cm, record=record, X_test=Xte, results_path=rpath)


def _scores(y_true: np.ndarray, y_pred: np.ndarray, labels: list[str]) -> tuple[np.ndarray, pd.DataFrame, dict]:
    """Confusion matrix, scikit-learn's per-class report and the headline metrics of the test rows."""
    from sklearn.metrics import classification_report

    idx = list(range(len(labels)))
    cm = M.confusion(y_true, y_pred, idx)
    rep = pd.DataFrame(classification_report(y_true, y_pred, labels=idx, target_names=labels, output_dict=True,
                                             zero_division=0)).T
    metrics = {"accuracy": M.accuracy(y_true, y_pred),
               "uar": M.uar(y_true, y_pred, idx),            # over every class, 0 for one absent from the test rows
               "macro_f1": M.macro_f1(y_true, y_pred, idx),
               "n_test": int(len(y_true)), "n_train": None, "confusion": cm.tolist(), "labels": labels}
    return cm, rep, metrics


def from_results(path: str | os.PathLike) -> Reproduction:
    """A :class:`Reproduction` read back from its results file, without the model: for a page of a run
    trained on another machine (an accelerator) whose checkpoint is not here. The confusion matrix and
    the per-class report are recomputed from the test rows' predictions the file holds; ``model``,
    ``proba_test``, ``meta`` and ``train_idx`` are None. ValueError naming the file when it holds no
    predictions (files written before they were recorded: re-render those from their checkpoint)."""
    import json

    from .train import History

    path = Path(path)
    rec = json.loads(path.read_text())
    pr = rec.get("predictions")
    if not pr:
        raise ValueError(f"{path}: this results file holds no per-row predictions, so its page cannot be rendered "
                         "without the run's checkpoint; re-render it with `python scripts/reproduce_all.py "
                         "--corpora CORPUS --max-minutes 0` where the checkpoint is")
    labels = list(rec["metrics"]["labels"])
    y_true, y_pred = np.asarray(pr["y_true"], dtype=int), np.asarray(pr["y_pred"], dtype=int)
    cm, rep, scores = _scores(y_true, y_pred, labels)
    if abs(scores["accuracy"] - rec["metrics"]["accuracy"]) > 1e-9:
        raise ValueError(f"{path}: its predictions give accuracy {scores['accuracy']:.6f}, its metrics "
                         f"{rec['metrics']['accuracy']:.6f}: the file was edited; regenerate it")
    timing = rec.get("timing") or {}
    hist = History(epochs=list(rec.get("history") or []), stopped_for_time=bool(rec.get("stopped_for_time")),
                   epochs_planned=int(rec.get("epochs_planned") or rec["params"]["epochs"]),
                   resumed_from=int(timing.get("resumed_from_epoch") or 0),
                   seconds=float(timing.get("training_s_all_calls") or 0.0))
    hist.best_epoch = hist.epochs_run or None
    if "epochs_run" in rec:
        rec = {**rec, "shortfall": record_shortfall(rec)}   # the banner in this version's words
    return Reproduction(corpus=rec["params"]["corpus"], params=rec["params"], metrics=rec["metrics"], labels=labels,
                        history=hist, model=None, meta=None, y_test=y_true, pred_test=y_pred, proba_test=None,
                        test_idx=np.asarray(pr["test_row"], dtype=int), train_idx=None, report=rep, confusion=cm,
                        record=rec, results_path=path)
