"""Plots for the audit chapter: the protocol drop, leakage, confusion matrices, ablations, references.

Every function takes the fold-level table of :func:`ser_lib.audit.collect` (or one results record)
and returns the matplotlib ``Figure``.
"""
from __future__ import annotations

import re
import textwrap

import numpy as np
import pandas as pd

from . import style

__all__ = ["plot_protocol_drop", "plot_leakage", "plot_confusions", "plot_ablation", "plot_references",
           "MODEL_LABELS", "SHORT_LABELS", "model_label", "corpus_label"]

PROTOCOL_ORDER = ("paper", "utterance", "speaker")
#: the protocols as the figures name them (x axis)
PROTOCOL_SHORT = {"paper": "paper's\nsplit", "utterance": "recordings\nheld out", "speaker": "speakers\nheld out"}
MODEL_LABELS = {"efficient": "efficient attention CNN", "compare_svm": "ComParE + linear SVM",
                "egemaps_svm": "eGeMAPS + RBF SVM", "mfcc_lr": "MFCC stats + log. regression",
                "efficient_noatt": "no attention", "efficient_channel": "channel attention only",
                "efficient_spatial": "spatial attention only", "efficient_wide": "efficient (wide)",
                "paper_text": "paper text: PaperNet on 20 MFCC channels"}


#: shorter names for legends and panel titles
SHORT_LABELS = {"efficient": "efficient CNN", "compare_svm": "ComParE + SVM", "egemaps_svm": "eGeMAPS + SVM",
                "mfcc_lr": "MFCC stats + LR", "efficient_noatt": "no attention", "efficient_channel": "channel att. only",
                "efficient_spatial": "spatial att. only", "efficient_wide": "efficient CNN (wide)",
                "paper_text": "paper text (20 MFCC channels)", "paper_code": "paper's network"}


def model_label(model: str, short: bool = False) -> str:
    """Readable name of a model key (``compare_svm+spkn`` -> "ComParE + linear SVM, speaker-normalised";
    ``short``: "ComParE + SVM, spk. norm.")."""
    base, _, suffix = str(model).partition("+")
    names = SHORT_LABELS if short else MODEL_LABELS
    tail = {"spkn": ", spk. norm." if short else ", speaker-normalised",
            "enrol": ", enrol." if short else ", enrolment-normalised"}.get(suffix, "")
    return names.get(base, MODEL_LABELS.get(base, base)) + tail


def corpus_label(corpus: str) -> str:
    """The corpus as the book writes it (``emodb`` -> "EMO-DB")."""
    from ..corpora.registry import short_name

    return short_name(corpus)


def _plt():
    return style.pyplot()


def _grid(n: int, ncols: int = 2, height: float = 2.6, extra: float = 0.0):
    """``n`` panels in rows of ``ncols`` across the content width, each ``height`` inches tall."""
    plt = _plt()
    ncols = max(1, min(ncols, n))
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(style.FULL_WIDTH, height * nrows + extra), squeeze=False)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    return fig, axes.ravel()


def plot_protocol_drop(df: pd.DataFrame, models=None, value: str = "uar", paper_claims: dict | None = None):
    """UAR as the split gets honest, one panel per corpus: mean ± std over one value per unit
    (speaker folds with seeds averaged; seeds where a protocol has one split:
    :func:`ser_lib.audit_tables.unit_values`).

    ``paper_claims``: optional ``{corpus: accuracy %}`` drawn as a star at the ``paper`` position.
    """
    from ..audit_tables import unit_values

    d = df[df["augment"]] if "augment" in df else df
    if models is not None:
        d = d[d["model"].isin(models)]
    corpora = list(dict.fromkeys(d["corpus"]))
    fig, axes = _grid(len(corpora), height=2.5, extra=0.9)
    units = unit_values(d, value)
    for ax, corpus in zip(axes, corpora):
        dc = units[units["corpus"] == corpus]
        order = [m for m in (models or dict.fromkeys(dc["model"])) if m in set(dc["model"])]
        for model in order:
            g = dc[dc["model"] == model].groupby("protocol")[value].agg(["mean", "std"])
            prot = [p for p in PROTOCOL_ORDER if p in g.index]
            x = [PROTOCOL_ORDER.index(p) for p in prot]
            ax.errorbar(x, 100 * g.loc[prot, "mean"], yerr=100 * g.loc[prot, "std"].fillna(0), marker="o",
                        capsize=3, label=model_label(model, short=True))
        if paper_claims and corpus in paper_claims:
            ax.plot([0], [paper_claims[corpus]], marker="*", ms=12, color="k", ls="none",
                    label="paper's claim (accuracy)")
        ax.set_xticks(range(3), [PROTOCOL_SHORT[p] for p in PROTOCOL_ORDER])
        ax.set_xlim(-0.3, 2.3)
        ax.set_ylim(0, 105)
        ax.set_title(corpus_label(corpus))
        ax.set_ylabel(f"{value.upper() if value == 'uar' else value} (%)")
        ax.grid(alpha=0.3)
    handles, labels = {}, []
    for ax in axes:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(lab, h)
    fig.suptitle("Test score as the split gets honest\n(mean ± std over speaker folds; over seeds where there "
                 "is one split)", x=0.01, ha="left")
    n_leg = len(handles)
    fig.tight_layout(rect=(0, (0.25 * ((n_leg + 1) // 2) + 0.1) / fig.get_figheight(), 1, 1))
    fig.legend(list(handles.values()), list(handles), loc="lower center", ncol=2, frameon=False)
    return fig


def plot_leakage(leak: pd.DataFrame):
    """Bars: share (%) of test rows with something of theirs in training, per corpus and protocol.

    ``leak``: :func:`ser_lib.audit_tables.leakage_table` (columns ``(definition, protocol)``, one panel
    per definition: a version of the same recording, a take twin), or a table with protocol columns only.
    """
    plt = _plt()
    if not isinstance(leak.columns, pd.MultiIndex):
        leak = pd.concat({"recording": leak}, axis=1)
    defs = [d for d in ("recording", "take") if d in leak.columns.get_level_values(0)]
    titles = {"recording": "same recording (any version)", "take": "a take twin (same speaker,\ntext, emotion)"}
    fig, axes = plt.subplots(1, len(defs), figsize=style.figsize(3.2), sharey=True, squeeze=False)
    for ax, d in zip(axes[0], defs):
        t = leak[d]
        cols = [p for p in PROTOCOL_ORDER if p in t.columns]
        t[cols].rename(columns=lambda p: PROTOCOL_SHORT[p].replace("\n", " ")).plot.bar(ax=ax, rot=0, legend=False)
        ax.set_ylim(0, 112)
        ax.set_title(f"in training: {titles[d]}", fontsize=style.MIN_FONT_SIZE + 1)
        ax.set_xticks(range(len(t.index)), [corpus_label(c) for c in t.index], rotation=30, ha="right")
        ax.set_xlabel("")
        for c in ax.containers:
            ax.bar_label(c, labels=["" if not np.isfinite(v) else f"{v:.0f}" for v in c.datavalues],
                         fontsize=style.MIN_FONT_SIZE)
    axes[0][0].set_ylabel("share of test rows (%)")
    h, lab = axes[0][0].get_legend_handles_labels()
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    fig.legend(h, lab, loc="lower center", ncol=3, frameon=False)
    return fig


def plot_confusions(records: list[dict], normalize: bool = True):
    """Confusion matrices (rows: true, normalised per row) of results records, one panel each."""
    plt = _plt()
    fig, axes = _grid(len(records), ncols=2, height=3.5)
    for ax, rec in zip(axes, records):
        C = np.asarray(rec["metrics"]["confusion"], float)
        labels = rec["metrics"]["labels"]
        if normalize:
            C = C / np.maximum(C.sum(1, keepdims=True), 1)
        ax.imshow(C, vmin=0, vmax=1 if normalize else None, cmap="Blues")
        for i in range(C.shape[0]):
            for j in range(C.shape[1]):
                ax.text(j, i, f"{100 * C[i, j]:.0f}" if normalize else int(C[i, j]), ha="center", va="center",
                        fontsize=style.MIN_FONT_SIZE, color="white" if C[i, j] > 0.6 * C.max() else "black")
        ax.set_xticks(range(len(labels)), labels, rotation=60, fontsize=style.MIN_FONT_SIZE)
        ax.set_yticks(range(len(labels)), labels, fontsize=style.MIN_FONT_SIZE)
        p = rec["params"]
        ax.set_title(f"{corpus_label(p['corpus'])} · {model_label(p['model'], short=True)}\nseed {p['seed']}, "
                     f"UAR {100 * rec['metrics']['uar_mean']:.1f} %", fontsize=style.FONT_SIZE - 1)
        ax.set_xlabel("predicted", fontsize=style.MIN_FONT_SIZE + 1)
    fig.tight_layout()
    return fig


def plot_ablation(df: pd.DataFrame, protocol: str = "speaker"):
    """Grouped bars: UAR of the ablation variants per corpus (mean ± std over folds and seeds)."""
    plt = _plt()
    d = df[df["protocol"] == protocol].copy()
    d["variant"] = [model_label(m, short=True) + ("" if a else ", no aug.") for m, a in zip(d["model"], d["augment"])]
    g = d.groupby(["corpus", "variant"])["uar"].agg(["mean", "std"]).reset_index()
    corpora = list(dict.fromkeys(g["corpus"]))
    variants = list(dict.fromkeys(g["variant"]))
    fig, ax = plt.subplots(figsize=style.figsize(3.4 + 0.22 * len(variants)))
    w = 0.8 / max(1, len(variants))
    for k, v in enumerate(variants):
        gv = g[g["variant"] == v].set_index("corpus").reindex(corpora)
        ax.bar(np.arange(len(corpora)) + k * w, 100 * gv["mean"], w, yerr=100 * gv["std"].fillna(0), capsize=2, label=v)
    ax.set_xticks(np.arange(len(corpora)) + 0.4 - w / 2, [corpus_label(c) for c in corpora])
    ax.set_ylabel("UAR (%)")
    ax.set_title(f"Ablations under the {protocol} protocol")
    ax.set_ylim(0, 100)
    fig.tight_layout(rect=(0, (0.25 * ((len(variants) + 1) // 2) + 0.1) / fig.get_figheight(), 1, 1))
    fig.legend(*ax.get_legend_handles_labels(), loc="lower center", ncol=2, frameon=False)
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
    n_bars = max(1, max(len(ours[ours["corpus"] == c]) + sum(x["corpus"] == c for x in references) for c in corpora))
    fig, axes = _grid(len(corpora), ncols=1, height=0.6 + 0.4 * n_bars)
    for ax, corpus in zip(axes, corpora):
        o = ours[ours["corpus"] == corpus]
        r = [x for x in references if x["corpus"] == corpus and _num(x["figure"]) is not None]
        names = list(o["label"]) + [f"{x['system']}\n({x['protocol']})" for x in r]
        vals = list(o["mean"]) + [_num(x["figure"]) for x in r]
        errs = list(o["std"]) + [0] * len(r)
        bars = ax.barh(range(len(names)), vals, xerr=errs, capsize=2,
                       color=[style.PALETTE[0]] * len(o) + ["white"] * len(r), edgecolor="k")
        for b in bars[len(o):]:
            b.set_hatch("//")
        ax.set_yticks(range(len(names)), [textwrap.fill(n.replace("\n", " "), 34) for n in names],
                      fontsize=style.MIN_FONT_SIZE)
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel("UAR (%)")
        ax.set_title(f"{corpus_label(corpus)}: ours (filled) vs published (hatched)")
    fig.tight_layout()
    return fig
