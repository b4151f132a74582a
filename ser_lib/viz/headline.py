"""The landing page's headline, drawn: one figure (a panel per corpus) and one small card per corpus.

Both take the long table of :func:`ser_lib.report.headline` (corpus x split x model, UAR in %) and follow
the figure standard (:mod:`ser_lib.viz.style`).
"""
from __future__ import annotations

import html

import numpy as np
import pandas as pd

from .. import paper
from ..corpora.registry import VARIANTS
from ..report import (HEADLINE_MODELS, MODEL_NAMES, PROTOCOLS, ROLES, SPLIT_NAMES, corpus_title, data_note,
                      page_links)
from . import style

__all__ = ["CARD_NAMES", "headline_html", "plot_headline"]


#: column names of the cards (short: the list under the cards names each model in full)
CARD_NAMES = {"paper_code": "paper's network", "efficient": "efficient CNN", "efficient+spkn": "efficient CNN¹",
              "compare_svm": "ComParE + SVM", "compare_svm+spkn": "ComParE + SVM¹"}


def _card_cell(r) -> str:
    if r is None:
        return "–"
    out = f"<b>{r.uar:.1f}</b>"
    if r.uar_std is not None and not pd.isna(r.uar_std):
        out += f'<br><span class="ser-sub">± {r.uar_std:.1f}</span>'
    if r.model == "paper_code" and r.epochs and not pd.isna(r.epochs):
        of = f" of {int(r.epochs_of)}" if r.epochs_of is not None and not pd.isna(r.epochs_of) else ""
        folds = (f", {int(r.n)} fold{'s' if int(r.n) != 1 else ''}" if not of and r.protocol == "speaker"
                 and getattr(r, "n", None) is not None and not pd.isna(r.n) else "")
        out += f'<br><span class="ser-sub">{int(r.epochs)}{of} epochs{folds}</span>'
    if getattr(r, "at_epochs", None) is not None and not pd.isna(r.at_epochs):
        out += f'<br><span class="ser-sub">{r.uar_at:.1f} at {int(r.at_epochs)}</span>'
    return out


def headline_html(h: pd.DataFrame, *, base: str = "", suffix: str = ".html") -> str:
    """One card per corpus (title, a small table: UAR % per split and model, a data note, links to the
    pages behind the numbers) in a grid: two cards side by side on a wide screen, one on a phone."""
    cards = []
    for corpus in dict.fromkeys(h["corpus"]):
        g = h[h["corpus"] == corpus]
        # the paper's network has a column on every corpus of the paper, run or not; a label variant that
        # only the audit ran ("ravdess8") shows only what ran: no empty column, no row of dashes
        cols = [m for m in HEADLINE_MODELS if m in set(g["model"]) or (m == "paper_code" and corpus not in VARIANTS)]
        rows = {(r.protocol, r.model): r for r in g.itertuples()}
        splits = [p for p in PROTOCOLS if corpus not in VARIANTS or any((p, m) in rows for m in cols)]
        head = "".join(f'<th scope="col">{html.escape(CARD_NAMES.get(m, m))}</th>' for m in cols)
        body = "".join(f'<tr><th scope="row">{SPLIT_NAMES[p]}</th>'
                       + "".join(f"<td>{_card_cell(rows.get((p, m)))}</td>" for m in cols) + "</tr>"
                       for p in splits)
        notes = []
        if any(m.endswith("+spkn") for m in cols):
            notes.append("¹ features standardised per speaker")
        note = data_note(corpus, h)
        notes += [note[0].upper() + note[1:]] if note else []
        links = " · ".join(f'<a href="{html.escape(u)}">{html.escape(t)}</a>' for u, t in page_links(corpus, h, base, suffix))
        cards.append(f'<div class="ser-card"><p class="ser-card-title"><b>{corpus_title(corpus)}</b> · UAR (%)</p>'
                     f'<table class="ser-headline-table"><thead><tr><th></th>{head}</tr></thead><tbody>{body}</tbody>'
                     "</table>" + "".join(f'<p class="ser-card-note">{html.escape(n)}</p>' for n in notes)
                     + f'<p class="ser-card-links">{links}</p></div>')
    return ('<div class="ser-cards" style="display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,300px),1fr));'
            'gap:0.8em">' + "".join(cards) + "</div>")


def plot_headline(h: pd.DataFrame, claims: dict | None = None):
    """One panel per corpus: UAR (%) on the paper's split, with recordings held out and with speakers
    held out, for each model of ``h`` (mean ± std), with the paper's claimed accuracy as a star. The paper's
    network is drawn as points labelled with their epochs; when it also ran on an honest split, a dashed
    line joins that point to a hollow one: the paper's split after the same number of epochs."""
    plt = style.pyplot()
    claims = paper.CLAIMED_ACCURACY if claims is None else claims
    corpora = list(dict.fromkeys(h["corpus"]))
    ncols = 2 if len(corpora) > 1 else 1
    nrows = int(np.ceil(len(corpora) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(style.FULL_WIDTH, 2.3 * nrows + 0.9), squeeze=False,
                             sharey=True)
    role_of = {m: r for r, keys in ROLES.items() for m in keys}
    looks = {"paper_code": ("s", 0), "cnn": ("o", 1), "baseline": ("^", 2)}
    for ax, corpus in zip(axes.ravel(), corpora):
        g = h[h["corpus"] == corpus]
        for model in (m for m in HEADLINE_MODELS if m in set(g["model"])):
            marker, k = looks.get(role_of.get(model, "cnn"), ("o", 3))
            gm = g[g["model"] == model].set_index("protocol")
            gm = gm.reindex([p for p in PROTOCOLS if p in gm.index])
            x = [PROTOCOLS.index(p) + (0.18 if model == "paper_code" else 0) for p in gm.index]
            # the paper's network: points only, as its runs differ in epochs; a dashed line joins runs of equal length
            ax.errorbar(x, gm["uar"], yerr=gm["uar_std"].astype(float).fillna(0), marker=marker,
                        ms=6, capsize=3, color=style.PALETTE[k], label=MODEL_NAMES.get(model, model),
                        ls="-" if len(x) > 1 and model != "paper_code" else "none")
            if model == "paper_code":
                for xi, r in zip(x, gm.itertuples()):
                    if r.epochs and not pd.isna(r.epochs):
                        ax.annotate(f"{int(r.epochs)} ep.", (xi, r.uar), xytext=(6, 0), textcoords="offset points",
                                    fontsize=style.MIN_FONT_SIZE, color=style.PALETTE[k], va="center")
                    if getattr(r, "at_epochs", None) is not None and not pd.isna(r.at_epochs):
                        same = [(xj, o.uar) for xj, o in zip(x, gm.itertuples()) if o.epochs == r.at_epochs]
                        # hollow: the same run after as many epochs as the honest split's (labelled there)
                        ax.plot([xi] + [q[0] for q in same], [r.uar_at] + [q[1] for q in same], ls="--", lw=1.2,
                                marker=marker, mfc="white", ms=6, color=style.PALETTE[k], zorder=1)
        if corpus in claims:
            ax.plot([-0.14], [claims[corpus]], marker="*", ms=12, color="k", ls="none",
                    label="paper's claim (accuracy)")
        ax.set_xticks(range(3), ["paper's\nsplit", "recordings\nheld out", "speakers\nheld out"])
        ax.set_xlim(-0.35, 2.35)
        ax.set_ylim(0, 105)
        ax.set_title(corpus_title(corpus))
        ax.grid(axis="y", alpha=0.3)
    for ax in axes[:, 0]:
        ax.set_ylabel("UAR (%)")
    for ax in axes.ravel()[len(corpora):]:
        ax.set_visible(False)
    handles = {}
    for ax in axes.ravel():
        for hd, lab in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(lab, hd)
    fig.tight_layout(rect=(0, 0.75 / fig.get_figheight(), 1, 1))
    fig.legend(list(handles.values()), list(handles), loc="lower center", ncol=2, frameon=False)
    return fig
