"""Plots for the audit chapter: the protocol drop, leakage, confusion matrices, ablations, references.

Every function takes the fold-level table of :func:`ser_lib.audit.collect` (or one results record)
and returns the matplotlib ``Figure``.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = ["plot_protocol_drop", "plot_leakage", "plot_confusions", "plot_ablation", "plot_references",
           "MODEL_LABELS", "model_label"]

PROTOCOL_ORDER = ("paper", "utterance", "speaker")
MODEL_LABELS = {"efficient": "efficient attention CNN", "compare_svm": "ComParE + linear SVM",
                "egemaps_svm": "eGeMAPS + RBF SVM", "mfcc_lr": "MFCC stats + log. regression",
                "efficient_noatt": "no attention", "efficient_channel": "channel attention only",
                "efficient_spatial": "spatial attention only", "efficient_wide": "efficient (wide)",
                "paper_text": "paper text: PaperNet on 20 MFCC channels"}


def model_label(model: str) -> str:
    """Readable name of a model key; ``+spkn`` becomes ", speaker-normalised"."""
    base, _, suffix = str(model).partition("+")
    return MODEL_LABELS.get(base, base) + (", speaker-normalised" if suffix == "spkn" else "")


def _plt():
    import matplotlib.pyplot as plt

    return plt


def _grid(n: int, ncols: int = 4, size=(3.6, 3.0)):
    plt = _plt()
    ncols = max(1, min(ncols, n))
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size[0] * ncols, size[1] * nrows), squeeze=False)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    return fig, axes.ravel()


def plot_protocol_drop(df: pd.DataFrame, models=None, value: str = "uar", paper_claims: dict | None = None):
    """UAR (mean ± std over folds and seeds) as the split gets honest, one panel per corpus.

    ``paper_claims``: optional ``{corpus: accuracy %}`` drawn as a star at the ``paper`` position.
    """
    d = df[df["augment"]] if "augment" in df else df
    if models is not None:
        d = d[d["model"].isin(models)]
    corpora = list(dict.fromkeys(d["corpus"]))
    fig, axes = _grid(len(corpora))
    for ax, corpus in zip(axes, corpora):
        dc = d[d["corpus"] == corpus]
        for model in dict.fromkeys(dc["model"]):
            g = dc[dc["model"] == model].groupby("protocol")[value].agg(["mean", "std"])
            prot = [p for p in PROTOCOL_ORDER if p in g.index]
            x = [PROTOCOL_ORDER.index(p) for p in prot]
            ax.errorbar(x, 100 * g.loc[prot, "mean"], yerr=100 * g.loc[prot, "std"].fillna(0), marker="o",
                        capsize=3, label=model_label(model))
        if paper_claims and corpus in paper_claims:
            ax.plot([0], [paper_claims[corpus]], marker="*", ms=12, color="k", ls="none",
                    label="paper's claim (accuracy)")
        ax.set_xticks(range(3), PROTOCOL_ORDER)
        ax.set_ylim(0, 105)
        ax.set_title(corpus)
        ax.set_ylabel(f"{value.upper() if value == 'uar' else value} (%)")
        ax.grid(alpha=0.3)
    handles, labels = {}, []
    for ax in axes:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(lab, h)
    fig.suptitle("Test score as the split gets honest (mean ± std over folds and seeds)")
    fig.tight_layout(rect=(0, 0.14 if len(corpora) <= 4 else 0.08, 1, 1))
    fig.legend(list(handles.values()), list(handles), loc="lower center", ncol=3, fontsize=7, frameon=False)
    return fig


def plot_leakage(leak: pd.DataFrame):
    """Bars: share (%) of test rows with an augmented sibling in training, per corpus and protocol."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 3))
    cols = [p for p in PROTOCOL_ORDER if p in leak.columns]
    leak[cols].plot.bar(ax=ax, rot=0)
    ax.set_ylabel("test rows with a sibling\nin training (%)")
    ax.set_ylim(0, 105)
    ax.set_title("Leakage: the same recording on both sides of the split")
    for c in ax.containers:
        ax.bar_label(c, fmt="%.0f", fontsize=7)
    fig.tight_layout()
    return fig


def plot_confusions(records: list[dict], normalize: bool = True):
    """Confusion matrices (rows: true, normalised per row) of results records, one panel each."""
    plt = _plt()
    fig, axes = _grid(len(records), ncols=min(4, len(records)), size=(3.4, 3.2))
    for ax, rec in zip(axes, records):
        C = np.asarray(rec["metrics"]["confusion"], float)
        labels = rec["metrics"]["labels"]
        if normalize:
            C = C / np.maximum(C.sum(1, keepdims=True), 1)
        ax.imshow(C, vmin=0, vmax=1 if normalize else None, cmap="Blues")
        for i in range(C.shape[0]):
            for j in range(C.shape[1]):
                ax.text(j, i, f"{C[i, j]:.2f}" if normalize else int(C[i, j]), ha="center", va="center",
                        fontsize=6, color="white" if C[i, j] > 0.6 * C.max() else "black")
        ax.set_xticks(range(len(labels)), labels, rotation=60, fontsize=7)
        ax.set_yticks(range(len(labels)), labels, fontsize=7)
        p = rec["params"]
        ax.set_title(f"{p['corpus']} · {model_label(p['model'])}\nseed {p['seed']}, "
                     f"UAR {100 * rec['metrics']['uar_mean']:.1f}", fontsize=8)
        ax.set_xlabel("predicted", fontsize=7)
    fig.tight_layout()
    return fig


def plot_ablation(df: pd.DataFrame, protocol: str = "speaker"):
    """Grouped bars: UAR of the ablation variants per corpus (mean ± std over folds and seeds)."""
    plt = _plt()
    d = df[df["protocol"] == protocol].copy()
    d["variant"] = [model_label(m) + ("" if a else ", no augmentation") for m, a in zip(d["model"], d["augment"])]
    g = d.groupby(["corpus", "variant"])["uar"].agg(["mean", "std"]).reset_index()
    corpora = list(dict.fromkeys(g["corpus"]))
    variants = list(dict.fromkeys(g["variant"]))
    fig, ax = plt.subplots(figsize=(max(6, 1.6 * len(corpora) * max(1, len(variants)) / 3), 3.4))
    w = 0.8 / max(1, len(variants))
    for k, v in enumerate(variants):
        gv = g[g["variant"] == v].set_index("corpus").reindex(corpora)
        ax.bar(np.arange(len(corpora)) + k * w, 100 * gv["mean"], w, yerr=100 * gv["std"].fillna(0), capsize=2, label=v)
    ax.set_xticks(np.arange(len(corpora)) + 0.4 - w / 2, corpora)
    ax.set_ylabel("UAR (%)")
    ax.set_title(f"Ablations under the {protocol} protocol")
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    return fig


def _num(s: str) -> float | None:
    m = re.search(r"\d+(\.\d+)?", str(s))
    return float(m.group()) if m else None


def plot_references(ours: pd.DataFrame, references: list[dict]):
    """Our speaker-independent UAR (filled) beside published figures (hatched, theirs).

    ``ours``: rows with ``corpus``, ``label``, ``mean``, ``std`` (percent).
    """
    plt = _plt()
    corpora = list(dict.fromkeys(ours["corpus"]))
    fig, axes = _grid(len(corpora), ncols=min(2, len(corpora)), size=(5.6, 3.6))
    for ax, corpus in zip(axes, corpora):
        o = ours[ours["corpus"] == corpus]
        r = [x for x in references if x["corpus"] == corpus and _num(x["figure"]) is not None]
        names = list(o["label"]) + [f"{x['system']}\n({x['protocol']})" for x in r]
        vals = list(o["mean"]) + [_num(x["figure"]) for x in r]
        errs = list(o["std"]) + [0] * len(r)
        bars = ax.barh(range(len(names)), vals, xerr=errs, capsize=2,
                       color=["tab:blue"] * len(o) + ["white"] * len(r), edgecolor="k")
        for b in bars[len(o):]:
            b.set_hatch("//")
        ax.set_yticks(range(len(names)), names, fontsize=6)
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel("UAR (%)")
        ax.set_title(f"{corpus}: ours (filled) vs published (hatched)", fontsize=8)
    fig.tight_layout()
    return fig
