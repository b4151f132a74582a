"""Figures for the "Meet the corpora" chapter (one function per figure, each returns the Figure).

- :func:`plot_counts`: files per emotion x speaker (heatmap with the counts written in);
- :func:`plot_durations`: recording lengths per emotion, with the paper's 0.6 s + 2.5 s window marked;
- :func:`plot_example`: one waveform with the paper's window shaded;
- :func:`example_card`: that waveform and an audio player side by side (one HTML output);
- :func:`pick_examples`: one recording per emotion (deterministic for a seed);
- :func:`absent_table`: corpora not found, with how to get them.
"""
from __future__ import annotations

import base64
import html

import numpy as np
import pandas as pd

from .. import paper
from ..labels import DISPLAY_ORDER, label_order
from . import style

__all__ = ["EMOTION_ORDER", "plot_counts", "plot_durations", "plot_example", "example_card", "pick_examples",
           "absent_table"]

#: display order of the common emotion labels (:data:`ser_lib.labels.DISPLAY_ORDER`; figures only, never
#: class indices)
EMOTION_ORDER = DISPLAY_ORDER


def _plt():
    return style.pyplot()


def _order(labels) -> list[str]:
    return label_order(labels, DISPLAY_ORDER)


def plot_counts(table: pd.DataFrame, title: str | None = None, ax=None, *, max_columns: int = 12):
    """Heatmap of the number of files per emotion and speaker, with the counts written in.

    Parameters
    ----------
    table : a :func:`ser_lib.corpora.scan` table (needs ``emotion``, ``speaker``; ``gender`` optional)
    title : axes title (default: the corpus name and file count)
    max_columns : with more speakers than this, speakers are the rows and emotions the columns, so
        that the labels stay readable at the book's width (RAVDESS: 24 speakers)

    Speakers are sorted by gender then id, and labelled ``id (f/m)``. Empty cells (a speaker who
    never produced an emotion) show 0 in red, so gaps in the design are visible.
    """
    import seaborn as sns

    if len(table) == 0:
        raise ValueError("plot_counts: the table is empty")
    plt = _plt()
    spk = table[["speaker", "gender"]].drop_duplicates("speaker").copy()
    spk["g"] = spk["gender"].map({"female": "f", "male": "m"}).fillna("?")
    spk = spk.sort_values(["g", "speaker"])
    table = table.assign(emotion=table["emotion"].astype(object), speaker=table["speaker"].astype(object))
    counts = pd.crosstab(table["emotion"], table["speaker"]).reindex(index=_order(table["emotion"]),
                                                                      columns=spk["speaker"], fill_value=0)
    counts.columns = [f"{s} ({g})" for s, g in zip(spk["speaker"], spk["g"])]
    transposed = counts.shape[1] > max_columns
    if transposed:
        counts = counts.T
    nrows, ncols = counts.shape
    if ax is None:
        fig, ax = plt.subplots(figsize=style.figsize(0.9 + 0.3 * nrows, 1.9 + 0.62 * ncols))
    else:
        fig = ax.figure
    annot = counts.size <= 400
    sns.heatmap(counts, annot=annot, fmt="d", cmap="Blues", cbar=False, ax=ax, linewidths=0.5,
                linecolor="white", annot_kws={"fontsize": style.MIN_FONT_SIZE + 1})
    for (i, j), v in np.ndenumerate(counts.to_numpy()):
        if v == 0:
            ax.add_patch(plt.Rectangle((j, i), 1, 1, fill=True, color="#f4a6a6", zorder=2))
    xlabel, ylabel = ("emotion", "speaker (gender)") if transposed else ("speaker (gender)", "emotion")
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title or f"{table['corpus'].iloc[0]}: {len(table)} files")
    ax.tick_params(axis="x", labelrotation=0 if transposed else 90)
    ax.tick_params(axis="y", labelrotation=0)
    if transposed:
        ax.xaxis.tick_top()
        ax.xaxis.set_label_position("top")
        ax.tick_params(axis="x", labelrotation=45)
        for lab in ax.get_xticklabels():
            lab.set_ha("left")
    fig.tight_layout()
    return fig


def plot_durations(info: pd.DataFrame, offset: float = paper.OFFSET, duration: float = paper.DURATION,
                   title: str | None = None, ax=None):
    """Recording length per emotion (box + points), with the paper's window end marked.

    Parameters
    ----------
    info : a :func:`ser_lib.corpora.file_info` table (needs ``duration`` in seconds and ``emotion``)
    offset, duration : the paper's window (0.6 s and 2.5 s): files shorter than ``offset + duration``
        are zero-padded by the paper's pipeline; the share of those is written in the legend
    """
    import seaborn as sns

    plt = _plt()
    if ax is None:
        n_emo = int(info["emotion"].nunique())
        fig, ax = plt.subplots(figsize=style.figsize(1.3 + 0.32 * n_emo))
    else:
        fig = ax.figure
    order = _order(info["emotion"])
    # object dtype: seaborn 0.13 mis-places categories of pandas' string dtype when `order` is given
    info = info.assign(emotion=info["emotion"].astype(object), duration=info["duration"].astype(float))
    sns.boxplot(data=info, x="duration", y="emotion", order=order, ax=ax, color="#cfe0f3", fliersize=0,
                width=0.6)
    sns.stripplot(data=info, x="duration", y="emotion", order=order, ax=ax, size=2, alpha=0.5,
                  color=style.PALETTE[0], jitter=0.25)
    end = offset + duration
    short = float((info["duration"] < end).mean())
    ax.axvspan(offset, end, color=style.PALETTE[1], alpha=0.15, zorder=0)
    ax.axvline(end, color=style.PALETTE[3], lw=1.5, label=f"end of the paper's window ({offset:g} s + {duration:g} s); "
                                                  f"{short:.0%} of files are shorter")
    ax.set(xlabel="duration (s)", ylabel="", xlim=(0, max(end + 0.5, float(info["duration"].quantile(0.995)) * 1.05)),
           title=title or f"{info['corpus'].iloc[0]}: recording lengths")
    ax.legend(loc="upper left", bbox_to_anchor=(0, -0.3), frameon=False)
    fig.tight_layout()
    return fig


def plot_example(y: np.ndarray, sr: int, title: str = "", offset: float = paper.OFFSET,
                 duration: float = paper.DURATION, ax=None, figsize=(3.7, 1.25)):
    """Waveform of ``y`` (shape ``(n,)``, ``sr`` Hz) against time, the paper's window shaded."""
    plt = _plt()
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
    else:
        fig = ax.figure
    t = np.arange(len(y)) / sr
    ax.axvspan(offset, min(offset + duration, max(t[-1], offset)), color=style.PALETTE[1], alpha=0.2, lw=0)
    ax.plot(t, y, lw=0.4, color=style.PALETTE[0])
    ax.set(xlim=(0, t[-1]), xlabel="time (s)", yticks=[])
    ax.set_title(title, fontsize=style.MIN_FONT_SIZE + 1, loc="left")
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return fig


def _png(fig, colors: int = 32) -> str:
    """Base64 of a small palette PNG of ``fig`` (a waveform needs few colours), closing it."""
    return base64.b64encode(style.png_bytes(fig, colors=colors)).decode()


def example_card(y: np.ndarray, sr: int, title: str, *, offset: float = paper.OFFSET,
                 duration: float = paper.DURATION, player_sr: int = 16000):
    """An HTML output: the waveform (paper's window shaded) with an audio player right next to it.

    The player plays the whole file, resampled to ``player_sr`` (16 kHz keeps the page small).
    """
    from IPython.display import HTML

    from . import audio_player

    img = _png(plot_example(y, sr, title, offset=offset, duration=duration))
    if player_sr and sr != player_sr:
        import librosa

        y_play = librosa.resample(np.asarray(y, dtype=np.float32), orig_sr=sr, target_sr=player_sr)
    else:
        y_play, player_sr = y, sr
    player = audio_player(y_play, player_sr)._repr_html_()
    return HTML('<div class="ser-example" style="display:flex;align-items:center;gap:4px 10px;flex-wrap:wrap;'
                'margin:2px 0">'
                f'<img src="data:image/png;base64,{img}" alt="waveform: {html.escape(title)}" '
                'style="flex:0 1 auto;min-width:0;max-width:100%;height:auto"/>'
                f'<div style="flex:0 1 auto;max-width:100%">{player}</div></div>')


def pick_examples(table: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """One row per emotion, drawn with ``seed`` (same seed, same files), in display order."""
    if len(table) == 0:
        return table
    rng = np.random.default_rng(seed)
    rows = [g.iloc[[int(rng.integers(len(g)))]] for _, g in table.sort_values("path").groupby("emotion", sort=True)]
    out = pd.concat(rows)
    order = {e: i for i, e in enumerate(_order(out["emotion"]))}
    return out.sort_values("emotion", key=lambda s: s.map(order)).reset_index(drop=True)


def absent_table(names) -> pd.DataFrame:
    """Corpora not found: title, access, licence, expected files and the command that gets them."""
    from ..corpora import CORPORA

    rows = []
    for n in names:
        c = CORPORA[n]
        cmd = (f"python -m ser_lib.corpora download {n}" if c.access == "direct download"
               else f"python -m ser_lib.corpora how-to {n}")
        rows.append({"corpus": n, "title": c.title, "access": c.access, "licence": c.licence,
                     "files": c.n_files, "how to get it": cmd})
    return pd.DataFrame(rows, columns=["corpus", "title", "access", "licence", "files", "how to get it"])
