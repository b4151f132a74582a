"""The learning-rate trial of the audit's CNN, decided on validation rows only.

The efficient CNN's peak learning rate (:class:`ser_lib.audit_train.TrainConfig`, ``lr``) is a choice.
This trial makes it checkable: for every corpus, every speaker fold (validation speakers drawn from the
training speakers, as in the audit) and every learning rate of a grid, the CNN is trained with the audit's
recipe and the **best validation UAR** is recorded. Test rows are never predicted here, so nothing in the
trial can be chosen on them. One results file (:func:`run`), one figure (:func:`plot`).

Command: ``python scripts/audit_lr_trial.py`` (results/audit-v2-trials/lr.json).
"""
from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path
from typing import Sequence

import pandas as pd

__all__ = ["LRS", "run", "table", "chosen", "at_edge", "plot"]

#: Peak learning rates tried (the audit's setting, 3e-3, in the middle).
LRS: tuple[float, ...] = (1e-3, 3e-3, 1e-2)


def run(corpora: Sequence[str], path, *, lrs: Sequence[float] = LRS, seed: int = 0, epochs: int = 12,
        model: str = "efficient", data_root=None, max_files: int | None = None, threads: int = 1,
        progress: bool = True, merge: bool = False) -> Path:
    """Train ``model`` on every speaker fold of each corpus for each learning rate; write ``path``.

    Parameters
    ----------
    corpora : corpus names (e.g. ``["emodb", "savee"]``); path : the results JSON
    lrs : peak learning rates; seed : split (validation speakers) and training seed
    epochs : epochs per training (the audit's 12); model : a preset of :data:`ser_lib.registry.MODEL_PRESETS`
    max_files : recordings per corpus (tests only; None: all)
    merge : keep the rows of an existing ``path`` for learning rates not in ``lrs`` (to widen a grid
        whose choice sits at its edge without recomputing it); the existing file must come from the
        same model, seed, epochs, ``max_files`` and data checksums, else ``ValueError``.

    Returns the path written. Rows (``metrics["rows"]``): corpus, fold, lr, best_val_uar, best_epoch.
    """
    import torch
    from tqdm.auto import tqdm

    from .. import audit
    from .. import protocols as P
    from ..audit_train import TrainConfig, train
    from ..registry import build_model
    from ..results import write_results
    from ..scaling import Standardizer

    import json

    torch.set_num_threads(int(threads))
    t0 = time.perf_counter()
    rows, data_info = [], {}
    prev = json.loads(Path(path).read_text()) if merge and Path(path).exists() else None
    if prev is not None:
        pp = prev["params"]
        for k, v in {"model": model, "seed": seed, "epochs": epochs, "max_files": max_files}.items():
            if pp.get(k) != v:
                raise ValueError(f"{path}: cannot merge: it has {k}={pp.get(k)!r}, this trial {v!r}")
    for corpus in corpora:
        data = audit.load_corpus(corpus, data_root, max_files=max_files, progress=False)
        data_info[corpus] = {"checksum": data.checksum, "n_recordings": int(len(data.table))}
        folds = P.build("speaker", data.meta, corpus, seed)
        jobs = [(lr, f) for lr in lrs for f in folds]
        for lr, fold in tqdm(jobs, desc=f"{corpus}: lr trial", disable=not progress):
            std = Standardizer().fit(data.frames[fold.train_idx])
            net = build_model(model, len(data.labels), in_channels=data.frames.shape[1])
            res = train(net, std.transform(data.frames[fold.train_idx]), data.y[fold.train_idx],
                        std.transform(data.frames[fold.val_idx]), data.y[fold.val_idx],
                        config=TrainConfig(epochs=int(epochs), lr=float(lr)), seed=seed, reinitialize=True)
            rows.append({"corpus": corpus, "fold": fold.name, "lr": float(lr), "best_val_uar": res.best_val_uar,
                         "best_epoch": res.best_epoch, "train_seconds": res.seconds})
    wall = time.perf_counter() - t0
    if prev is not None:
        for c, info in prev["data"].items():
            if c in data_info and info["checksum"] != data_info[c]["checksum"]:
                raise ValueError(f"{path}: cannot merge: the {c} recordings differ from those of the stored trial")
        new = {float(v) for v in lrs}
        rows = [r for r in prev["metrics"]["rows"] if float(r["lr"]) not in new] + rows
        data_info = {**prev["data"], **data_info}
        corpora = list(dict.fromkeys(list(prev["params"]["corpora"]) + list(corpora)))
        lrs = sorted(new | {float(v) for v in prev["params"]["lrs"]})
        wall += float(prev.get("wall_time_s") or 0.0)
    df = pd.DataFrame(rows)
    return write_results(path, params={"trial": "learning rate", "model": model, "protocol": "speaker", "seed": seed,
                                       "epochs": epochs, "lrs": sorted(map(float, lrs)), "corpora": list(corpora),
                                       "max_files": max_files,
                                       "selection": "best validation UAR; test rows are never predicted",
                                       "settings": asdict(TrainConfig(epochs=int(epochs)))},
                         metrics={"rows": rows, "chosen": chosen(df), "at_edge": at_edge(df)}, data=data_info,
                         wall_time_s=wall)


def table(record: dict) -> pd.DataFrame:
    """Mean ± std over speaker folds of the best validation UAR (%), corpora × learning rates."""
    df = pd.DataFrame(record["metrics"]["rows"])
    g = df.groupby(["corpus", "lr"])["best_val_uar"].agg(["mean", "std"]).mul(100)
    text = g.apply(lambda r: f"{r['mean']:.1f} ± {r['std']:.1f}", axis=1).unstack("lr")
    text.columns = [f"lr {c:g}" for c in text.columns]
    return text


def chosen(df: pd.DataFrame) -> dict[str, float]:
    """Per corpus, the learning rate with the highest mean validation UAR over folds."""
    m = df.groupby(["corpus", "lr"])["best_val_uar"].mean()
    return {c: float(m[c].idxmax()) for c in dict.fromkeys(df["corpus"])}


def at_edge(df: pd.DataFrame) -> dict[str, bool]:
    """Per corpus, whether the chosen learning rate is the smallest or largest of the grid tried."""
    ch = chosen(df)
    return {c: bool(v in (df["lr"].min(), df["lr"].max())) for c, v in ch.items()}


def plot(record: dict, default_lr: float | None = None):
    """Validation UAR (mean ± std over speaker folds) against the learning rate, one line per corpus."""
    from ..viz import style
    from ..viz.audit import corpus_label

    plt = style.pyplot()
    df = pd.DataFrame(record["metrics"]["rows"])
    fig, ax = plt.subplots(figsize=style.figsize(3.2))
    for corpus, g in df.groupby("corpus", sort=False):
        s = g.groupby("lr")["best_val_uar"].agg(["mean", "std"]).mul(100)
        ax.errorbar(s.index, s["mean"], yerr=s["std"].fillna(0), marker="o", capsize=3, label=corpus_label(corpus))
    if default_lr is not None:
        ax.axvline(default_lr, color="0.5", ls="--", lw=1, label=f"audit setting ({default_lr:g})")
    ax.set_xscale("log")
    ax.set_xticks(sorted(df["lr"].unique()), [f"{v:g}" for v in sorted(df["lr"].unique())])
    ax.set_xlabel("peak learning rate (one-cycle AdamW)")
    ax.set_ylabel("best validation UAR (%)")
    ax.set_ylim(0, 100)
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, ncol=2, fontsize=style.MIN_FONT_SIZE)
    fig.tight_layout()
    return fig
