"""Figures and tables of the "same network, three splits" page (:mod:`ser_lib.experiments.faithful`)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .audit import corpus_label as _title

__all__ = ["status_text", "format_three_splits", "plot_three_splits"]

_SPLIT_ORDER = ("paper", "utterance", "speaker")


def status_text(table: pd.DataFrame, folds: pd.DataFrame, epochs: int, planned: dict | None = None) -> str:
    """Markdown sentences saying which corpora and folds have results, generated from the tables
    of :func:`~ser_lib.experiments.faithful.three_splits` and :func:`~ser_lib.experiments.faithful.fold_table`.
    ``planned`` maps ``(corpus, protocol)`` to the number of folds the split has (e.g. from
    :func:`~ser_lib.experiments.faithful.fold_names`), so a partial split reads "2 of 5 folds"."""
    from ..experiments.faithful import SPLIT_NAMES
    from ..paper import EPOCHS

    if not len(table):
        return ("**No results yet.** Neither a paper-protocol reproduction nor a faithful job has written a "
                "results file (on a fresh clone without the corpora this page is empty by design).")
    lines = []
    for corpus, g in table.groupby("corpus", sort=False):
        parts = []
        paper = g[g["split"] == SPLIT_NAMES["paper"]]
        if len(paper):
            parts.append(f"paper split run to {int(paper['epochs'].max())} of {EPOCHS} epochs")
        for protocol in ("utterance", "speaker"):
            n = int(folds[(folds["corpus"] == corpus) & (folds["protocol"] == protocol)].shape[0]) if len(folds) else 0
            total = (planned or {}).get((corpus, protocol))
            count = (("its one fold" if n == 1 else "both folds" if n == 2 else f"all {n} folds") if total and n == total
                     else f"{n} of {total} folds" if total else f"{n} fold{'s' if n != 1 else ''}")
            where = ""
            if n and "trained_on" in folds.columns:
                on = folds[(folds["corpus"] == corpus) & (folds["protocol"] == protocol)]["trained_on"]
                where = " on " + " and ".join(dict.fromkeys(on.astype(str)))
            parts.append(f"{SPLIT_NAMES[protocol]}: {count} of {epochs} epochs finished{where}"
                         + (" (the rest are in the training queue)" if total and n < total else "")
                         if n else f"{SPLIT_NAMES[protocol]}: "
                         + (f"none of its {total} folds finished yet" if total and total > 1 else "not run yet"))
        lines.append(f"- **{_title(corpus)}**: " + "; ".join(parts) + ".")
    if "synthetic" in set(table["corpus"]):
        lines.append("\n**The synthetic corpus is a generated toy voice, not speech**: its numbers only show that "
                     "the pipeline runs.")
    return "\n".join(lines)


def _pm(mean, std) -> str:
    if mean is None or (isinstance(mean, float) and np.isnan(mean)):
        return "–"
    if std is None or (isinstance(std, float) and np.isnan(std)):
        return f"{100 * mean:.1f}"
    return f"{100 * mean:.1f} ± {100 * std:.1f}"


def format_three_splits(table: pd.DataFrame) -> pd.DataFrame:
    """The central table for display: one row per (corpus, split, selection), accuracy and UAR in
    per cent as ``mean ± std over folds`` (no ± for a single split)."""
    if not len(table):
        return pd.DataFrame({"": ["no results yet"]})
    out = pd.DataFrame({"corpus": table["corpus"].map(_title), "split": table["split"],
                        "epochs": table["epochs"].astype(int), "weights": table["selection"],
                        "folds": table["folds"].astype(int),
                        "accuracy %": [_pm(m, s) for m, s in zip(table["accuracy"], table["accuracy_std"])],
                        "UAR %": [_pm(m, s) for m, s in zip(table["uar"], table["uar_std"])]})
    return out.set_index(["corpus", "split", "weights"])


#: legend labels (the tables use the longer names of ``experiments.faithful.SPLIT_NAMES``)
_SHORT = {"paper": "paper's split", "utterance": "recordings held out", "speaker": "speakers held out"}


def plot_three_splits(table: pd.DataFrame, folds: pd.DataFrame, epochs: int):
    """Bars of test UAR per corpus and split after ``epochs`` epochs (last-epoch weights), with one
    dot per fold for the honest splits and the paper split's last epoch run as a marker."""
    from ..experiments.faithful import SPLIT_NAMES
    from . import style

    plt = style.pyplot()
    corpora = list(dict.fromkeys(table["corpus"]))
    fig, ax = plt.subplots(figsize=style.figsize(4.3))
    width = 0.26
    colours = {"paper": style.PALETTE[3], "utterance": style.PALETTE[0], "speaker": style.PALETTE[2]}
    for j, protocol in enumerate(_SPLIT_ORDER):
        name = SPLIT_NAMES[protocol]
        xs, ys = [], []
        for i, c in enumerate(corpora):
            row = table[(table["corpus"] == c) & (table["split"] == name) & (table["epochs"] == epochs)
                        & (table["selection"] == f"after {epochs} epochs")]
            if len(row):
                xs.append(i + (j - 1) * width)
                ys.append(100 * row["uar"].iloc[0])
            if protocol != "paper" and len(folds):
                f = folds[(folds["corpus"] == c) & (folds["protocol"] == protocol)]
                ax.scatter(np.full(len(f), i + (j - 1) * width), 100 * f["uar_last"], s=14, color="black", zorder=3)
            if protocol == "paper":
                last = table[(table["corpus"] == c) & (table["split"] == name) & (table["selection"] == "last epoch run")]
                if len(last):
                    ax.scatter([i + (j - 1) * width], [100 * last["uar"].iloc[0]], marker="_", s=200, color="black",
                               zorder=3, label="paper's split, last epoch run" if i == 0 else None)
        ax.bar(xs, ys, width, color=colours[protocol], label=f"{_SHORT[protocol]}, {epochs} epochs")
    ax.set_xticks(range(len(corpora)), [_title(c) for c in corpora])
    ax.set(ylabel="test UAR (%)", ylim=(0, 100), title="The same network, three splits (dots: one per fold)")
    # below the axes: inside, it covered the low bars of the honest splits
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.09), ncol=2, frameon=False)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig
