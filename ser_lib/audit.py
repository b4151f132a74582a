"""The audit: every model × protocol × corpus × seed, one results file each, resumable.

For one corpus the runner (:func:`load_corpus`) reads the table (:func:`ser_lib.corpora.scan`),
the paper's features for all four versions of every recording (:func:`ser_lib.features.extract`,
augmentation seed 0, cached), and turns them into frame features ``(rows, 22, 108)``
(:func:`ser_lib.frames.frame_features`). :func:`evaluate` then evaluates one
(corpus, protocol, model, seed) on every fold of the protocol and writes
``<results_dir>/<corpus>__<protocol>__<model>__seed<k>[__noaug].json`` with
:func:`ser_lib.results.write_results` (per-fold UAR / accuracy / macro-F1, confusion
matrix pooled over folds, leakage, training history, data checksum, wall time). Each
configuration is one job of :mod:`ser_lib.experiments` (recipe ``"audit"``, :func:`run_job`);
grids of them (:func:`ser_lib.experiments.grids.audit_grid`) run, resume and fan out through
:func:`ser_lib.experiments.runner.run_grid`.

Models
------
- neural presets of :data:`ser_lib.registry.MODEL_PRESETS` (``efficient``, ``efficient_noatt``,
  ``efficient_channel``, ``efficient_spatial``, ``efficient_wide``, ``paper_text``): standardised
  with the fold's training statistics (:class:`ser_lib.scaling.Standardizer`), trained with
  :func:`ser_lib.audit_train.train` on the fold's training rows (all versions of training
  recordings when ``augment``), selected on validation UAR, tested on the test rows;
- ``compare_svm``: openSMILE ComParE 2016 functionals + linear SVM; ``egemaps_svm``: eGeMAPS v02 +
  RBF SVM; ``mfcc_lr``: mean and std of the 20 MFCC, ZCR and log-RMS tracks + logistic
  regression. Baselines train on the *original* versions of the training rows (functionals of
  augmented copies add little and cost 4×), choose C on the validation rows and are tested on
  exactly the test rows of the neural models.

Per-speaker normalisation (model suffix ``+spkn``, e.g. ``efficient+spkn``): every feature is
standardised with the mean and standard deviation of its speaker's original recordings
(:mod:`ser_lib.scaling`). This
uses the *unlabeled* audio of the test speaker (transductive; at deployment it needs a few
recordings of the user) and is a standard device of speaker-independent SER; results with and
without it are reported separately, and the baselines get it too. Enrolment (suffix ``+enrol``):
the statistics come from :data:`ENROL_K` recordings of each test speaker, which are then not scored (the
baselines' functionals take only each speaker's mean from them: a per-dimension std of thousands of features
cannot be estimated from a handful of rows; the frame features of the CNN give mean and std per channel).
The headline (:data:`HEADLINE_MODELS`) is inductive: no test audio is used before scoring.
Tables of the stored results: :mod:`ser_lib.audit_tables`.

Seeds: the ``paper`` split is always the released one (``random_state=42``) and the seed
changes initialisation, shuffling and batch augmentation; ``utterance`` draws its split with
the seed; ``speaker`` folds are fixed by the corpus and the seed draws the validation speakers.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from . import frames as FR
from . import metrics as M
from . import paper
from . import audit_tables as T
from . import protocols as P
from .config import REPO_ROOT
from .labels import EMOTIONS, encode_labels
from .scaling import Standardizer, enrolment_split, speaker_standardize, speaker_standardize_frames

__all__ = ["HEADLINE_MODELS", "BASELINES", "ABLATION_MODELS", "CORPORA", "TRANSDUCTIVE_MODELS", "ENROLMENT_MODELS",
           "CorpusData", "load_corpus", "result_path", "evaluate", "job_path", "matches_legacy",
           "run_job", "collect",
           "summary_means", "summary_table", "leakage_table", "normalisation_table", "DEFAULT_RESULTS_DIR"]

#: Results of the second edition (inductive headline, enrolment, same fitted rows, predictions).
DEFAULT_RESULTS_DIR = REPO_ROOT / "results" / "audit-v2"
#: The first edition's results (the published chapter until the second edition's grid has run).
FIRST_EDITION_DIR = REPO_ROOT / "results" / "audit"
CORPORA = ("emodb", "savee", "emovo", "ravdess", "cremad", "tess")
#: Second edition: the headline compares inductive models only; per-speaker normalisation (``+spkn``,
#: transductive) and enrolment (``+enrol``) are separate grids applied to every model.
HEADLINE_MODELS = ("efficient", "compare_svm", "mfcc_lr")
TRANSDUCTIVE_MODELS = ("efficient+spkn", "compare_svm+spkn", "mfcc_lr+spkn")
ENROLMENT_MODELS = ("efficient+enrol", "compare_svm+enrol", "mfcc_lr+enrol")
#: Enrolment recordings per test speaker (statistics only; not scored).
ENROL_K = 5
#: Results of the second edition carry ``params["edition"] = 2`` (the first edition's files have none).
EDITION = 2
#: C grids wide enough that the chosen value is interior (results record ``C_at_grid_edge``).
BASELINE_C_GRIDS = {"compare_svm": (1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1), "mfcc_lr": (1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0)}
BASELINES = ("compare_svm", "egemaps_svm", "mfcc_lr")
#: Ablation grid (speaker protocol, inductive like the headline): attention off / channel only / spatial only /
#: both; scripts/audit_all.py --ablation adds "efficient" without augmentation.
ABLATION_MODELS = ("efficient_noatt", "efficient_channel", "efficient_spatial", "efficient")

# --------------------------------------------------------------------------------------- data
@dataclass
class CorpusData:
    """Everything the audit needs about one corpus (rows = recording × version)."""

    corpus: str
    table: pd.DataFrame            # one row per recording
    meta: pd.DataFrame             # one row per (recording, version)
    frames: np.ndarray             # float32 (rows, 22, 108): ser_lib.frames
    labels: list                   # class names in the order of ser_lib.labels.EMOTIONS (then alphabetical)
    y: np.ndarray                  # int class index per row
    checksum: str
    root: str
    _smile: dict = field(default_factory=dict, repr=False)

    @property
    def synthetic(self) -> bool:
        return self.corpus == "synthetic"

    def describe(self) -> dict:
        return {"corpus": self.corpus, "root": self.root, "checksum": self.checksum,
                "checksum_of": "sorted file names and their bytes (ser_lib.results.data_checksum)",
                "n_recordings": int(len(self.table)), "n_rows": int(len(self.meta)),
                "n_speakers": int(self.table["speaker"].nunique()), "labels": list(self.labels),
                "class_counts": self.table["emotion"].value_counts().to_dict(),
                "versions": sorted(self.meta["version"].unique().tolist())}

    def speaker_normalized_frames(self) -> np.ndarray:
        """Frames standardised per speaker and channel (statistics over the speaker's *original*
        rows, real frames only; padded frames stay 0). Transductive: a test speaker's statistics come
        from their own unlabeled recordings."""
        if "frames_spkn" not in self._smile:
            spk = self.meta["speaker"].astype(str).to_numpy()
            orig = (self.meta["version"] == "original").to_numpy()
            self._smile["frames_spkn"] = speaker_standardize_frames(self.frames, spk, orig)
        return self._smile["frames_spkn"]

    def speaker_normalize(self, F: np.ndarray, rows: np.ndarray, stats_F: np.ndarray, stats_rows: np.ndarray,
                          *, scale: bool = True) -> np.ndarray:
        """Standardise feature rows ``F`` (of meta ``rows``) per speaker with the mean/std of
        ``stats_F`` (features of meta ``stats_rows``, normally every original row of the corpus);
        ``scale=False``: subtract the speaker's mean only (:func:`ser_lib.scaling.speaker_standardize`)."""
        spk = self.meta["speaker"].astype(str).to_numpy()
        return speaker_standardize(F, spk[rows], stats_F, spk[stats_rows], scale=scale)

    def smile(self, rows: np.ndarray, feature_set: str = "ComParE_2016", *, n_jobs: int = 2,
              progress: bool = False) -> np.ndarray:
        """openSMILE functionals for the given meta rows (originals cached per recording)."""
        from .baselines import opensmile_features, opensmile_versions

        rows = np.asarray(rows, np.int64)
        if feature_set not in self._smile:
            self._smile[feature_set] = opensmile_features(self.table["path"].tolist(), feature_set, n_jobs=n_jobs,
                                                          progress=progress)
        orig = self._smile[feature_set]
        rec_pos = {r: i for i, r in enumerate(self.table["recording_id"].astype(str))}
        sub = self.meta.iloc[rows]
        out = np.empty((len(rows), orig.shape[1]), np.float32)
        is_orig = (sub["version"] == "original").to_numpy()
        rid = sub["recording_id"].astype(str).to_numpy()
        out[is_orig] = orig[[rec_pos[r] for r in rid[is_orig]]]
        if (~is_orig).any():
            out[~is_orig] = opensmile_versions(sub["path"].to_numpy()[~is_orig], rid[~is_orig],
                                               sub["version"].to_numpy()[~is_orig], feature_set, seed=0,
                                               n_jobs=n_jobs, progress=progress)
        return out


_CACHE: dict = {}


def load_corpus(corpus: str, data_root=None, *, max_files: int | None = None, n_jobs: int = 2,
                progress: bool = True) -> CorpusData:
    """Scan ``corpus``, extract (or read cached) features of all four versions, build frame features.

    ``corpus='synthetic'`` uses :func:`ser_lib.synthetic.ensure_corpus` (no data root needed).
    Results are memoised in-process by (corpus, root, max_files).
    """
    from . import corpora, features
    from .results import data_checksum

    if corpus == "synthetic":
        from . import synthetic

        root = synthetic.ensure_corpus().parent
    else:
        from .config import data_root as _dr

        root = _dr(data_root)
    key = (corpus, str(root), max_files)
    if key in _CACHE:
        return _CACHE[key]
    table = P.subsample(corpora.scan(corpus, root), max_files)
    if len(table) == 0:
        raise FileNotFoundError(f"no files of corpus {corpus!r} under {root}")
    X, meta = features.extract(table, kind="paper", seed=0, n_jobs=n_jobs, progress=progress)
    frames = FR.frame_features(X, meta["n_frames"].to_numpy())
    y, labels = encode_labels(meta["emotion"], order=EMOTIONS)
    data = CorpusData(corpus=corpus, table=table, meta=meta.reset_index(drop=True), frames=frames, labels=labels,
                      y=y, checksum=data_checksum(table["path"]), root=str(root))
    _CACHE[key] = data
    return data


# --------------------------------------------------------------------------------------- running
def result_path(results_dir, corpus: str, protocol: str, model: str, seed: int, augment: bool = True) -> Path:
    """``<results_dir>/<corpus>__<protocol>__<model>__seed<seed>[__noaug].json``."""
    return Path(results_dir) / f"{corpus}__{protocol}__{model}__seed{int(seed)}{'' if augment else '__noaug'}.json"


def _split_seed(protocol: str, seed: int) -> int:
    return paper.RANDOM_STATE if protocol == "paper" else int(seed)


def split_model_name(model: str) -> tuple[str, str]:
    """``"efficient+spkn"`` → ``("efficient", "spkn")``; ``"mfcc_lr"`` → ``("mfcc_lr", "")``.

    Suffixes: ``+spkn`` standardises every speaker with all of their own original recordings
    (transductive: the test speaker's unlabeled test audio); ``+enrol`` takes a test speaker's
    statistics from :data:`ENROL_K` enrolment recordings that are then left out of scoring.
    """
    base, _, suffix = model.partition("+")
    if suffix not in ("", "spkn", "enrol"):
        raise ValueError(f"unknown model suffix {suffix!r} in {model!r} (only '+spkn' or '+enrol')")
    return base, suffix


def _normalisation(data: CorpusData, fold: P.Fold, norm: str, seed: int) -> tuple[np.ndarray | None, P.Fold]:
    """The rows whose statistics normalise each speaker (boolean mask over ``data.meta``, None without
    normalisation) and the fold with the test rows actually scored (enrolment rows removed)."""
    if not norm:
        return None, fold
    orig = (data.meta["version"] == "original").to_numpy()
    if norm == "spkn":
        return orig, fold
    enrol, scored = enrolment_split(data.meta, fold.test_idx, ENROL_K, seed)
    spk = data.meta["speaker"].astype(str).to_numpy()
    test_spk = np.isin(spk, np.unique(spk[fold.test_idx]))
    ref = orig & ~test_spk
    ref[enrol] = True
    return ref, P.Fold(fold.name, fold.train_idx, fold.val_idx, scored, fold.test_speakers)


def _fit_predict_neural(data: CorpusData, model_name: str, fold: P.Fold, seed: int, epochs: int, ref=None):
    from dataclasses import asdict

    from .audit_train import TrainConfig, predict, train
    from .cost import count_params
    from .registry import build_model

    model_name, norm = split_model_name(model_name)
    if norm == "spkn":
        frames = data.speaker_normalized_frames()
    elif norm:
        frames = speaker_standardize_frames(data.frames, data.meta["speaker"].astype(str).to_numpy(), ref)
    else:
        frames = data.frames
    std = Standardizer().fit(frames[fold.train_idx])
    Xtr = std.transform(frames[fold.train_idx])
    Xva = std.transform(frames[fold.val_idx]) if len(fold.val_idx) else None
    Xte = std.transform(frames[fold.test_idx])
    model = build_model(model_name, len(data.labels), in_channels=Xtr.shape[1])
    cfg = TrainConfig(epochs=int(epochs))
    res = train(model, Xtr, data.y[fold.train_idx], Xva, data.y[fold.val_idx] if Xva is not None else None,
                config=cfg, seed=seed, reinitialize=True)
    pred = predict(model, Xte)
    info = {"best_epoch": res.best_epoch, "best_val_uar": res.best_val_uar, "epochs_run": len(res.history),
            "train_seconds": res.seconds, "train_samples_per_s": res.train_samples_per_s,
            "params": count_params(model), "history": res.history,
            "settings": {**asdict(cfg), "fit_rows": "training rows of the fold; validation rows choose the epoch"}}
    return pred, fold.train_idx, info


def _baseline_features(data: CorpusData, model_name: str, rows: np.ndarray) -> np.ndarray:
    if model_name == "compare_svm":
        return data.smile(rows, "ComParE_2016")
    if model_name == "egemaps_svm":
        return data.smile(rows, "eGeMAPSv02")
    from .baselines import mfcc_stats

    f = data.frames[rows]
    nv = data.meta["n_frames"].to_numpy()[rows]
    return mfcc_stats(f[:, FR.MFCC], f[:, FR.ZCR], f[:, FR.LOG_RMS], n_valid=np.minimum(nv, f.shape[2]))


def _fit_predict_baseline(data: CorpusData, model_name: str, fold: P.Fold, seed: int, ref=None):
    from .baselines import fit_select

    model_name, norm = split_model_name(model_name)
    orig = (data.meta["version"] == "original").to_numpy()
    tr = fold.train_idx[orig[fold.train_idx]]
    va = fold.val_idx[orig[fold.val_idx]]
    kind = {"compare_svm": "linear_svm", "egemaps_svm": "rbf_svm", "mfcc_lr": "logreg"}[model_name]
    t0 = time.perf_counter()
    Xtr = _baseline_features(data, model_name, tr)
    Xva = _baseline_features(data, model_name, va) if len(va) else None
    Xte = _baseline_features(data, model_name, fold.test_idx)
    # enrolment: a test speaker gives ENROL_K functionals vectors, too few for a per-dimension std of
    # thousands of features, so every speaker is centred on its own mean and the pipeline's scaler
    # (fitted on the training rows) sets the scale
    scale = norm != "enrol"
    if norm:
        ref_rows = np.flatnonzero(ref)
        stats = _baseline_features(data, model_name, ref_rows)
        Xtr = data.speaker_normalize(Xtr, tr, stats, ref_rows, scale=scale)
        Xva = data.speaker_normalize(Xva, va, stats, ref_rows, scale=scale) if Xva is not None else None
        Xte = data.speaker_normalize(Xte, fold.test_idx, stats, ref_rows, scale=scale)
    grid = BASELINE_C_GRIDS.get(model_name)
    # like the neural models: fit on the training rows only, the validation rows only choose C
    res = fit_select(kind, Xtr, data.y[tr], Xva, data.y[va] if Xva is not None else None, C_grid=grid, seed=seed,
                     refit_on_val=False)
    pred = res.predict(Xte)
    tried = sorted(res.val_uar) if res.val_uar else []
    info = {"C": res.C, "val_uar_by_C": res.val_uar, "train_seconds": time.perf_counter() - t0,
            "train_rows": int(len(tr)), "C_at_grid_edge": bool(tried) and res.C in (tried[0], tried[-1]),
            "settings": {"classifier": kind, "C_grid": tried or None, "refit_on_val": False,
                         "speaker_statistics": None if not norm else ("mean and std" if scale else "mean only"),
                         "fit_rows": "original versions of the fold's training rows; validation rows choose C"}}
    return pred, tr, info


def evaluate(data: CorpusData, protocol: str, model: str, seed: int, *, epochs: int | None = 12,
             augment: bool = True, fold: str | None = None, progress: bool = False) -> dict:
    """Evaluate ``model`` under ``protocol`` on every fold (or only ``fold``) of ``data``.

    Returns the keyword arguments of :func:`ser_lib.results.write_results` (``params``, ``metrics``,
    ``wall_time_s``, ``data``, ``history``, ``extra``). Metrics are fractions;
    ``metrics['uar_mean']`` and ``['uar_std']`` are over folds.
    """
    from .registry import MODEL_PRESETS

    if protocol not in P.PROTOCOLS:
        raise ValueError(f"protocol must be one of {P.PROTOCOLS}, got {protocol!r}")
    base_name, norm = split_model_name(model)
    neural = base_name in MODEL_PRESETS
    if not neural and base_name not in BASELINES:
        raise ValueError(f"unknown model {model!r}; choose from {sorted(MODEL_PRESETS) + list(BASELINES)}")
    t0 = time.perf_counter()
    folds = P.build(protocol, data.meta, data.corpus, _split_seed(protocol, seed), augment=augment)
    if fold is not None:
        folds = [f for f in folds if f.name == fold]
        if not folds:
            raise ValueError(f"{data.corpus}/{protocol}: no fold named {fold!r}")
    fold_rows, histories = [], []
    y_all, p_all = [], []
    for fold_ in folds:
        P.check_fold(data.meta, fold_, protocol)
        ref, fold_ = _normalisation(data, fold_, norm, seed)
        if neural:
            pred, used_train, info = _fit_predict_neural(data, model, fold_, seed, epochs, ref)
        else:
            pred, used_train, info = _fit_predict_baseline(data, model, fold_, seed, ref)
        yt = data.y[fold_.test_idx]
        m = M.all_metrics(yt, pred)
        used = P.Fold(fold_.name, used_train, fold_.val_idx, fold_.test_idx)
        row = {"fold": fold_.name, "test_speakers": list(fold_.test_speakers), "uar": m["uar"],
               "accuracy": m["accuracy"], "macro_f1": m["macro_f1"], "n_test": m["n"],
               "n_train": int(len(used_train)), "n_val": int(len(fold_.val_idx)),
               "leakage": P.leakage(data.meta, used), "take_leakage": P.take_leakage(data.meta, used),
               "predictions": {"recording_id": data.meta["recording_id"].iloc[fold_.test_idx].astype(str).tolist(),
                               "true": yt.tolist(), "pred": np.asarray(pred).tolist()}}
        row.update({k: v for k, v in info.items() if k != "history"})
        fold_rows.append(row)
        histories.append({"fold": fold_.name, "epochs": info.get("history")})
        y_all.append(yt)
        p_all.append(pred)
        if progress:
            print(f"  {data.corpus}/{protocol}/{model}/seed{seed} {fold_.name}: UAR {m['uar']:.3f} "
                  f"acc {m['accuracy']:.3f}", flush=True)
    y_all, p_all = np.concatenate(y_all), np.concatenate(p_all)
    metrics = {"folds": fold_rows, "labels": data.labels,
               "confusion": M.confusion(y_all, p_all, list(range(len(data.labels)))).tolist()}
    for key in ("uar", "accuracy", "macro_f1", "leakage", "take_leakage"):
        mean, std = M.summarize([r[key] for r in fold_rows])
        metrics[f"{key}_mean"], metrics[f"{key}_std"] = mean, std
    metrics["pooled"] = {k: v for k, v in M.all_metrics(y_all, p_all).items()}
    params = {"corpus": data.corpus, "protocol": protocol, "model": model, "seed": int(seed),
              "augment": bool(augment), "epochs": int(epochs) if neural else None,
              "split_seed": _split_seed(protocol, seed), "n_folds": len(folds),
              "baseline_training_rows": None if neural else "original versions only",
              "speaker_normalization": norm or None, "enrol_k": ENROL_K if norm == "enrol" else None,
              "edition": EDITION}
    extra = {}
    if neural:
        from .cost import count_macs
        from .registry import build_model

        mdl = build_model(base_name, len(data.labels), data.frames.shape[1])
        extra["cost"] = {"params": fold_rows[0].get("params"), "macs": count_macs(mdl, data.frames.shape[1:])}
    return dict(params=params, metrics=metrics, wall_time_s=time.perf_counter() - t0, data=data.describe(),
                history=histories, extra=extra)


def job_path(spec, results_dir=DEFAULT_RESULTS_DIR) -> Path:
    """Results file of an audit job (a :class:`ser_lib.experiments.spec.JobSpec`): :func:`result_path`,
    with ``__<fold>`` before ``.json`` for a one-fold job."""
    path = result_path(results_dir, spec.corpus, spec.protocol, spec.model, spec.seed, spec.augment)
    return path.with_name(f"{path.stem}__{spec.fold}.json") if spec.fold else path


def matches_legacy(spec, record: dict) -> bool:
    """Whether ``record``, a results file written before jobs were stored in it, is the result of
    ``spec``: same corpus, protocol, model, seed, augmentation and epochs, every fold, no recipe
    parameters, and no more recordings than ``spec.max_files``. Thread count and data hash are not
    recorded in such files and are not compared."""
    par = record.get("params", {})
    same = all(par.get(k) == getattr(spec, k) for k in ("corpus", "protocol", "model", "seed"))
    n_rec = record.get("data", {}).get("n_recordings")
    return (same and par.get("augment", True) == spec.augment and par.get("epochs") == spec.epochs
            and spec.fold is None and not spec.params
            and (spec.max_files is None or (n_rec is not None and n_rec <= spec.max_files)))


def run_job(spec, path, *, data_root=None, n_jobs: int = 1, progress: bool = False) -> Path:
    """The audit recipe: load the corpus (memoised), :func:`evaluate` the spec, write ``path``.

    Refuses to run when ``spec.data_hash`` is set and the corpus found under ``data_root`` differs.
    The results file holds the spec under ``"job"``. Scheduling, skipping and threads are the
    runner's (:func:`ser_lib.experiments.runner.run_job`).
    """
    from .results import write_results

    if spec.params:
        raise ValueError(f"the audit recipe takes no params, got {dict(spec.params)}")
    if spec.data_hash is not None:
        from .experiments.spec import data_hash

        found = data_hash(spec.corpus, data_root)
        if found != spec.data_hash:
            raise ValueError(f"{spec.label()}: the {spec.corpus} files here (data hash {found}) are not those the "
                             f"grid was built for ({spec.data_hash}); point SER_DATA_ROOT at the same copy")
    data = load_corpus(spec.corpus, data_root, max_files=spec.max_files, n_jobs=n_jobs, progress=progress)
    rec = evaluate(data, spec.protocol, spec.model, spec.seed, epochs=spec.epochs, augment=spec.augment,
                   fold=spec.fold, progress=progress)
    rec["extra"]["job"] = {**spec.to_dict(), "key": spec.key}
    return write_results(path, **rec)


# --------------------------------------------------------------------------------------- reading
def collect(results_dir=DEFAULT_RESULTS_DIR, *, corpora: Iterable[str] | None = None) -> pd.DataFrame:
    """One row per (corpus, protocol, model, seed, augment, fold): :func:`ser_lib.audit_tables.collect`."""
    return T.collect(results_dir, corpora=corpora)


def grid_times(df: pd.DataFrame, headline_models: Sequence[str] = HEADLINE_MODELS) -> pd.DataFrame:
    """Wall time per grid and model: :func:`ser_lib.audit_tables.grid_times` (headline = ``HEADLINE_MODELS``)."""
    return T.grid_times(df, headline_models)


summary_means = T.summary_means
summary_table = T.summary_table
leakage_table = T.leakage_table
normalisation_table = T.normalisation_table
