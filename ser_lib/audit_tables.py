"""Tables of the audit, read from its results files (:func:`collect`).

One fold-level table (one row per corpus, protocol, model, seed, augmentation and fold) feeds every
summary: the headline (:func:`summary_table`), leakage under two definitions (:func:`leakage_table`),
the normalisation comparison (:func:`normalisation_table`) and the compute used (:func:`grid_times`).

Spread: a summary is a mean ± standard deviation over **one value per unit**. Where a protocol has
several folds (held-out speakers) the unit is the fold, its value the mean over seeds (seeds share a
fold's test speakers, so they are not independent samples); where it has one fold (the paper's split,
held-out recordings) the unit is the seed. Every cell says which: ``[6 folds]`` or ``[3 seeds]``.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from . import metrics as M
from . import protocols as P

__all__ = ["COLUMNS", "collect", "fold_rows", "grid_times", "unit_values", "summary_means", "summary_table", "leakage_table",
           "normalisation_table"]

COLUMNS = ["corpus", "protocol", "model", "seed", "augment", "fold", "uar", "accuracy", "macro_f1", "leakage",
           "take_leakage", "n_test", "n_train", "wall_time_s", "torch_threads", "edition", "file"]


def collect(results_dir, *, corpora: Iterable[str] | None = None) -> pd.DataFrame:
    """One row per (corpus, protocol, model, seed, augment, fold) from the results files in ``results_dir``.

    Columns :data:`COLUMNS`: ``leakage`` is the share of test rows with a version of the same
    recording on the training side, ``take_leakage`` the share with a *take twin* there (same speaker,
    text, emotion and intensity; :func:`ser_lib.protocols.take_leakage`; NaN in first-edition files);
    ``wall_time_s`` is that of the whole configuration, ``torch_threads`` what the run used,
    ``edition`` the audit edition that wrote the file (1 when unrecorded).
    """
    rows = []
    keep = None if corpora is None else set(corpora)
    for p in sorted(Path(results_dir).glob("*.json")):
        rec = json.loads(p.read_text())
        if keep is not None and rec.get("params", {}).get("corpus") not in keep:
            continue
        rows += fold_rows(rec, p.name)
    return pd.DataFrame(rows, columns=COLUMNS)


def fold_rows(rec: dict, name: str) -> list[dict]:
    """The rows of one audit results file (already read), one per fold, with the keys of :data:`COLUMNS`;
    ``name`` is the file's name. Shared by :func:`collect` and the landing page's headline
    (:func:`ser_lib.report.load`)."""
    par = rec.get("params", {})
    return [{"corpus": par["corpus"], "protocol": par["protocol"], "model": par["model"],
             "seed": par.get("seed"), "augment": par.get("augment", True), "fold": f["fold"],
             "uar": f["uar"], "accuracy": f["accuracy"], "macro_f1": f.get("macro_f1", np.nan),
             "leakage": f.get("leakage", np.nan), "take_leakage": f.get("take_leakage", np.nan),
             "n_test": f.get("n_test"), "n_train": f.get("n_train"), "wall_time_s": rec.get("wall_time_s"),
             "torch_threads": rec.get("provenance", {}).get("hardware", {}).get("torch_threads"),
             "edition": par.get("edition", 1), "file": name}
            for f in rec.get("metrics", {}).get("folds", [])]


def grid_times(df: pd.DataFrame, headline_models: Sequence[str]) -> pd.DataFrame:
    """Wall time of the stored runs, per grid and model (minutes, summed over corpora, protocols, seeds).

    ``grid`` is ``"headline"`` for ``headline_models`` with augmentation, ``"other"`` for every other
    configuration (normalisation variants, ablations). Columns: configurations, torch threads (as
    recorded), wall time (min).
    """
    runs = df.drop_duplicates("file").copy()
    runs["grid"] = np.where(runs["model"].isin(list(headline_models)) & runs["augment"], "headline", "other")
    g = runs.groupby(["grid", "model", "augment"]).agg(
        configurations=("file", "count"),
        torch_threads=("torch_threads", lambda t: ",".join(str(int(x)) for x in sorted(set(t.dropna())))),
        minutes=("wall_time_s", lambda w: round(float(w.sum()) / 60.0, 1)))
    return g.rename(columns={"torch_threads": "torch threads", "minutes": "wall time (min)"})


def unit_values(df: pd.DataFrame, value: str = "uar", by: Sequence[str] = ("corpus", "model", "protocol")
                ) -> pd.DataFrame:
    """One value per unit and group: the mean over seeds per fold where a group has several folds,
    else one value per seed. Columns ``[*by, unit, value, unit_kind]`` (``unit_kind``: fold or seed)."""
    out = []
    for key, g in df.groupby(list(by), sort=False):
        key = key if isinstance(key, tuple) else (key,)
        if g["fold"].nunique() > 1:
            v = g.groupby("fold")[value].mean()
            kind = "fold"
        else:
            v = g.groupby("seed")[value].mean()
            kind = "seed"
        out.append(pd.DataFrame({**dict(zip(by, key)), "unit": v.index.astype(str), value: v.to_numpy(),
                                 "unit_kind": kind}))
    cols = [*by, "unit", value, "unit_kind"]
    return pd.concat(out, ignore_index=True)[cols] if out else pd.DataFrame(columns=cols)


def _headline_rows(df: pd.DataFrame, models: Sequence[str] | None, augment: bool) -> pd.DataFrame:
    """The rows a summary reads: one augmentation setting (the ablation without augmentation is a different
    model and never pooled with the headline's runs) and, when given, only ``models``."""
    d = df[df["augment"] == augment]
    return d[d["model"].isin(models)] if models is not None else d


def summary_means(df: pd.DataFrame, value: str = "uar", *, models: Sequence[str] | None = None,
                  augment: bool = True) -> pd.Series:
    """The means behind :func:`summary_table`, in percent, indexed by ``(corpus, model, protocol)``: the mean
    over one value per unit (speaker folds, seeds averaged first; or seeds where a protocol has one fold)."""
    d = _headline_rows(df, models, augment)
    if d.empty:
        return pd.Series(dtype=float, index=pd.MultiIndex.from_tuples([], names=["corpus", "model", "protocol"]))
    return unit_values(d, value).groupby(["corpus", "model", "protocol"], sort=False)[value].mean().mul(100)


def summary_table(df: pd.DataFrame, value: str = "uar", *, models: Sequence[str] | None = None,
                  protocols: Sequence[str] = P.PROTOCOLS, augment: bool = True, with_n: bool = False) -> pd.DataFrame:
    """Corpus × model rows, one column per protocol: ``"mean ± std"`` (percent) over one value per unit
    (speaker folds, seeds averaged first; or seeds where a protocol has one fold).

    ``with_n``: append the units, e.g. ``"81.3 ± 9.5 [10 folds]"`` or ``"64.1 ± 1.2 [3 seeds]"``.
    """
    d = _headline_rows(df, models, augment)
    if d.empty:
        return pd.DataFrame()
    u = unit_values(d, value)
    rows = []
    for (corpus, model, protocol), g in u.groupby(["corpus", "model", "protocol"], sort=False):
        m, s = M.summarize(g[value])
        text = M.fmt(m, s) if len(g) > 1 else f"{100 * m:.1f}"  # no ± from a single value
        if with_n:
            text += f" [{len(g)} {g['unit_kind'].iloc[0]}{'s' if len(g) != 1 else ''}]"
        rows.append({"corpus": corpus, "model": model, "protocol": protocol, "text": text})
    tab = pd.DataFrame(rows).pivot_table(index=["corpus", "model"], columns="protocol", values="text",
                                         aggfunc="first")
    if models is not None:  # rows in the order asked for
        order = {m: i for i, m in enumerate(models)}
        tab = tab.iloc[sorted(range(len(tab)), key=lambda i: (tab.index[i][0], order.get(tab.index[i][1], 99)))]
    return tab[[p for p in protocols if p in tab.columns]]


def leakage_table(df: pd.DataFrame, neural: Iterable[str] | None = None) -> pd.DataFrame:
    """Share of test rows (percent) with something of theirs on the training side, per corpus (rows) and
    (definition, protocol) (columns): ``recording`` = a version of the same recording, ``take`` = a take
    twin (same speaker, text, emotion, intensity). Computed on the neural models' rows (``neural``:
    base names, default every preset of :data:`ser_lib.registry.MODEL_PRESETS`), whose training side
    includes the augmented versions."""
    if neural is None:
        from .registry import MODEL_PRESETS as neural
    neural = set(neural)
    d = df[df["model"].map(lambda m: str(m).split("+")[0] in neural) & df["augment"]]
    if d.empty:
        d = df
    g = 100 * d.groupby(["corpus", "protocol"])[["leakage", "take_leakage"]].mean()
    g = g.rename(columns={"leakage": "recording", "take_leakage": "take"})
    return g.unstack("protocol")


def normalisation_table(df: pd.DataFrame, base_models: Sequence[str], value: str = "uar",
                        variants: Sequence[str] = ("", "+spkn", "+enrol")) -> pd.DataFrame:
    """Speaker protocol: each base model (rows, per corpus) plain, with transductive per-speaker
    normalisation and with enrolment (columns), ``"mean ± std [n folds]"`` over speaker folds."""
    d = df[(df["protocol"] == "speaker") & df["augment"]]
    want = {f"{b}{v}": (b, v) for b in base_models for v in variants}
    d = d[d["model"].isin(list(want))]
    if d.empty:
        return pd.DataFrame()
    u = unit_values(d, value)
    rows = []
    for (corpus, model), g in u.groupby(["corpus", "model"], sort=False):
        base, var = want[model]
        m, s = M.summarize(g[value])
        text = M.fmt(m, s) if len(g) > 1 else f"{100 * m:.1f}"
        rows.append({"corpus": corpus, "model": base, "variant": var or "none",
                     "text": f"{text} [{len(g)} {g['unit_kind'].iloc[0]}{'s' if len(g) != 1 else ''}]"})
    tab = pd.DataFrame(rows).pivot_table(index=["corpus", "model"], columns="variant", values="text",
                                         aggfunc="first")
    return tab[[v or "none" for v in variants if (v or "none") in tab.columns]]
