"""Plots for the model chapter and the reproduction pages.

Every function returns the matplotlib ``Figure`` (and draws on new axes unless ``ax`` is given).
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from . import style

__all__ = ["training_curves", "confusion_heatmap", "paper_comparison", "architecture_diagram",
           "channel_attention_heatmap", "spatial_on_input", "param_share_bar", "shortfall_banner",
           "spatial_block_bars", "spatial_range_text", "step_breakdown", "curves_side_by_side"]


def _plt():
    return style.pyplot()


def training_curves(history, *, title: str = "", val_label: str = "test (used as validation data)"):
    """Loss and accuracy per epoch. ``history``: :class:`ser_lib.train.History` or list of dicts.

    Epochs marked ``resumed`` (the first epoch a new process trained from a checkpoint) get a dotted
    grey line just before them, so a jump in the curves can be checked against the resume points.
    """
    plt = _plt()
    epochs = history.epochs if hasattr(history, "epochs") else list(history)
    if not epochs:
        raise ValueError("empty history: nothing to plot")
    ep = [e["epoch"] for e in epochs]
    fig, axes = plt.subplots(1, 2, figsize=(style.FULL_WIDTH, 3.4))
    marker = "o" if len(ep) < 30 else None
    axes[0].plot(ep, [e["loss"] for e in epochs], marker=marker, label="train")
    if epochs[0].get("val_loss") is not None:
        axes[0].plot(ep, [e["val_loss"] for e in epochs], marker=marker, label=val_label)
    axes[0].set(xlabel="epoch", ylabel="cross-entropy + L2", title="loss")
    axes[1].plot(ep, [100 * e["acc"] for e in epochs], marker=marker, label="train accuracy")
    if epochs[0].get("val_acc") is not None:
        axes[1].plot(ep, [100 * e["val_acc"] for e in epochs], marker=marker, label=f"{val_label}: accuracy")
        axes[1].plot(ep, [100 * e["val_uar"] for e in epochs], marker=marker, ls="--",
                     label=f"{val_label}: UAR")
    axes[1].set(xlabel="epoch", ylabel="%", title="accuracy and UAR", ylim=(0, 100))
    resumed = [e["epoch"] for e in epochs if e.get("resumed")]
    for a in axes:
        a.grid(alpha=0.3)
        for i, r in enumerate(resumed):  # a new process went on from the checkpoint saved after epoch r-1
            a.axvline(r - 0.5, color="0.6", lw=0.8, ls=":", zorder=0,
                      label="resumed from a checkpoint" if i == 0 else None)
        if len(ep) < 15:
            a.set_xticks(ep)
    handles = {}
    for a in axes:
        for h, lab in zip(*a.get_legend_handles_labels()):
            handles.setdefault(lab, h)
    if title:
        fig.suptitle(title, x=0.01, ha="left")
    fig.tight_layout(rect=(0, 0.16, 1, 1))
    fig.legend(list(handles.values()), list(handles), loc="lower center", ncol=2, frameon=False)
    return fig


def curves_side_by_side(runs: dict, *, metric: str = "val_uar", ylabel: str = "test UAR (%)"):
    """One panel per corpus, one line per model: ``metric`` per epoch (in %).

    ``runs``: ``{panel title: {line label: list of per-epoch dicts (History.epochs)}}``, e.g. the full and the
    printed model of each corpus. Returns the figure (panels share the y axis, 0-100 %).
    """
    plt = _plt()
    if not runs:
        raise ValueError("no runs to plot")
    fig, axes = plt.subplots(1, len(runs), figsize=(style.FULL_WIDTH, 3.2), sharey=True, squeeze=False)
    for ax, (title, lines) in zip(axes[0], runs.items()):
        for (label, epochs), color in zip(lines.items(), style.PALETTE):
            ax.plot([e["epoch"] for e in epochs], [100 * e[metric] for e in epochs], label=label, color=color)
        ax.set(title=title, xlabel="epoch", ylim=(0, 100))
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel(ylabel)
    handles = {}
    for ax in axes[0]:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(lab, h)
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    fig.legend(list(handles.values()), list(handles), loc="lower center", ncol=min(2, max(1, len(handles))),
               frameon=False)
    return fig


def confusion_heatmap(cm, labels: Sequence[str], *, normalize: bool = True, title: str = "", ax=None):
    """Confusion matrix heatmap (rows: true emotion; columns: predicted). ``normalize``: row %."""
    import seaborn as sns

    plt = _plt()
    cm = np.asarray(cm, dtype=float)
    if cm.shape != (len(labels), len(labels)):
        raise ValueError(f"confusion matrix {cm.shape} does not match {len(labels)} labels")
    data = cm
    if normalize:
        rows = cm.sum(1, keepdims=True)
        data = np.divide(100 * cm, rows, out=np.zeros_like(cm), where=rows > 0)
    if ax is None:
        n = len(labels)
        fig, ax = plt.subplots(figsize=style.figsize(0.9 + 0.6 * n, 1.6 + 0.72 * n))
    else:
        fig = ax.figure
    annot = np.array([[f"{data[i, j]:.0f}%\n({int(cm[i, j])})" if normalize else f"{int(cm[i, j])}"
                       for j in range(len(labels))] for i in range(len(labels))])
    sns.heatmap(data, annot=annot, fmt="", cmap="Blues", xticklabels=labels, yticklabels=labels, ax=ax,
                vmin=0, vmax=100 if normalize else None, cbar_kws={"label": "% of true class" if normalize else "rows"},
                annot_kws={"fontsize": style.MIN_FONT_SIZE + 1})
    ax.set(xlabel="predicted", ylabel="true", title=title or "confusion matrix (test rows)")
    fig.tight_layout()
    return fig


def paper_comparison(ours: float, paper: float | None, released: float | None, *, corpus: str = "",
                     epochs_run: int | None = None, uar: float | None = None, ax=None):
    """Bar chart: the paper's accuracy, the released notebook's, ours (all in %)."""
    plt = _plt()
    names, vals, colors = [], [], []
    if paper is not None:
        names.append("paper\n(abstract)"); vals.append(paper); colors.append("#999999")
    if released is not None:
        names.append("released\nnotebook"); vals.append(released); colors.append("#bbbbbb")
    lab = "ours: accuracy" + (f"\n({int(epochs_run)} of 100 epochs)" if epochs_run is not None else "")
    names.append(lab); vals.append(ours); colors.append(style.PALETTE[0])
    if uar is not None:
        names.append("ours: UAR"); vals.append(uar); colors.append(style.PALETTE[5])
    if ax is None:
        fig, ax = plt.subplots(figsize=style.figsize(3.2, 1.6 + 1.4 * len(names)))
    else:
        fig = ax.figure
    bars = ax.bar(names, vals, color=colors)
    for b, v in zip(bars, vals):
        ax.text(b.get_x() + b.get_width() / 2, v + 1, f"{v:.1f}", ha="center")
    ax.set(ylim=(0, 105), ylabel="test %", title=f"{corpus}: paper protocol (random row split)")
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig


def shortfall_banner(text: str | None) -> None:
    """Display a prominent red "Shortfall" box (and print it) when ``text`` is not None."""
    if text:
        from . import banner

        banner(text, title="Shortfall", kind="danger")


def param_share_bar(table, ax=None):
    """Horizontal bars: parameters per layer (log scale) from :func:`ser_lib.model.layer_table`."""
    plt = _plt()
    t = table[table["params"] > 0]
    if ax is None:
        fig, ax = plt.subplots(figsize=style.figsize(0.32 * len(t) + 1))
    else:
        fig = ax.figure
    ax.barh(t["layer"], t["params"], color=[style.PALETTE[3] if s > 0.5 else style.PALETTE[0] for s in t["share"]])
    for i, (p, s) in enumerate(zip(t["params"], t["share"])):
        ax.text(p * 1.1, i, f"{p:,} ({100 * s:.2f} %)", va="center", fontsize=style.MIN_FONT_SIZE + 1)
    ax.set_xscale("log")
    ax.invert_yaxis()
    ax.set(xlabel="parameters (log scale)", title="where the parameters are")
    ax.set_xlim(1, t["params"].max() * 40)
    fig.tight_layout()
    return fig


def architecture_diagram(table, *, title: str = "PaperNet (released code)"):
    """Boxes from top to bottom, one per layer of :func:`ser_lib.model.layer_table` with a non-trivial
    role (ReLU/pool/dropout merged into their block), annotated with the output shape and parameters."""
    plt = _plt()
    from matplotlib.patches import FancyBboxPatch

    rows = []
    for _, r in table.iterrows():
        if r["type"] in ("ReLU", "KerasNoOpPool", "Dropout", "KerasDropout", "MaxPool1d"):
            continue
        rows.append(r)
    fig, ax = plt.subplots(figsize=style.figsize(0.5 * (len(rows) + 1)))
    colors = {"Conv1d": "#aec7e8", "BatchNorm1d": "#dddddd", "KerasBatchNorm1d": "#dddddd", "ChannelAttention": "#ffbb78",
              "SpatialAttention": "#ffbb78", "Linear": "#98df8a"}
    n = len(rows) + 1
    ax.text(0.5, n - 0.5, "input  (L, 1)", ha="center", va="center", weight="bold")
    for i, r in enumerate(rows):
        yc = n - 1.5 - i
        c = colors.get(r["type"], "#c5b0d5")
        ax.add_patch(FancyBboxPatch((0.1, yc - 0.32), 0.8, 0.64, boxstyle="round,pad=0.02", fc=c, ec="k", lw=0.6))
        ax.text(0.13, yc, f"{r['layer']}  [{r['type']}]", va="center", fontsize=style.MIN_FONT_SIZE + 1)
        ax.text(0.87, yc, f"{r['output_shape']}   {int(r['params']):,} p", va="center", ha="right",
                fontsize=style.MIN_FONT_SIZE + 1)
        ax.annotate("", xy=(0.5, yc + 0.34), xytext=(0.5, yc + 0.66), arrowprops={"arrowstyle": "->", "lw": 0.6})
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.2, n)
    ax.axis("off")
    ax.set_title(title + ": shapes (length, channels), parameters")
    fig.tight_layout()
    return fig


def channel_attention_heatmap(weights, labels_of_rows, label_names: Sequence[str], *, top: int = 30, ax=None):
    """Mean channel-attention weight per emotion x filter, for the ``top`` filters whose weight varies
    most between emotions (sorted by the emotion where they peak).

    ``weights``: (n, C) array in (0, 1); ``labels_of_rows``: (n,) class index.
    Returns ``(fig, filters_shown)``.
    """
    import seaborn as sns

    plt = _plt()
    w = np.asarray(weights, dtype=float)
    lab = np.asarray(labels_of_rows)
    present = [k for k in range(len(label_names)) if np.any(lab == k)]
    means = np.stack([w[lab == k].mean(0) for k in present])  # (E, C)
    spread = means.max(0) - means.min(0)
    idx = np.argsort(spread)[::-1][:min(top, w.shape[1])]
    peak = means[:, idx].argmax(0)
    order = idx[np.lexsort((-means[peak, idx], peak))]
    if ax is None:
        fig, ax = plt.subplots(figsize=style.figsize(max(2.6, 1.4 + 0.42 * len(present))))
    else:
        fig = ax.figure
    sns.heatmap(means[:, order], ax=ax, cmap="magma", xticklabels=[str(i) for i in order],
                yticklabels=[label_names[k] for k in present], cbar_kws={"label": "mean channel weight"})
    ax.set(xlabel=f"filter (the {len(order)} that differ most between emotions)", ylabel="true emotion",
           title="channel attention: which filters each emotion turns up")
    ax.tick_params(axis="x", labelsize=style.MIN_FONT_SIZE, labelrotation=90)
    ax.tick_params(axis="y", labelrotation=0)
    fig.tight_layout()
    return fig, order


def spatial_on_input(spatial, input_length: int, layout=None, *, offset: int = 6, x=None, title: str = ""):
    """Lay a spatial-attention map (length L - 2*offset) back onto the flat input vector.

    Output position p of the two valid convolutions sees input positions [p, p + 2*offset]; we
    place it at its centre ``p + offset`` (valid convolutions shift positions by 12 = 2 x 6 in total,
    6 at each end). With a ``layout`` (:func:`ser_lib.features.paper_layout`) the figure shows the
    ZCR and RMS tracks against frames and the MFCC block as a (coefficient x frame) image.
    ``x`` (optional): the (scaled) input vector, plotted under the map.
    """
    plt = _plt()
    s = np.asarray(spatial, dtype=float)
    full = np.full(input_length, np.nan)
    full[offset:offset + s.size] = s
    if layout is None or layout.length > input_length:
        fig, ax = plt.subplots(figsize=style.figsize(2.6))
        ax.plot(full, lw=0.7)
        ax.set(xlabel="input position", ylabel="spatial weight", title=title or "spatial attention")
        fig.tight_layout()
        return fig
    T, K = layout.n_frames, layout.n_mfcc
    b = layout.blocks
    fig, axes = plt.subplots(3, 1, figsize=style.figsize(6.4), gridspec_kw={"height_ratios": [1, 1, 2.2]})
    axes[0].plot(full[b["zcr"]], label="ZCR block", color="C0")
    axes[0].plot(full[b["rms"]], label="RMS block", color="C1")
    axes[0].set(ylabel="spatial weight", title=title or "spatial attention laid back on the input")
    axes[0].legend(frameon=False)
    if x is not None:
        xv = np.asarray(x, dtype=float)
        axes[1].plot(xv[b["zcr"]], color="C0", lw=0.8, label="ZCR (scaled)")
        axes[1].plot(xv[b["rms"]], color="C1", lw=0.8, label="RMS (scaled)")
        axes[1].legend(frameon=False)
    axes[1].set(ylabel="input (scaled)", xlabel="frame")
    img = full[b["mfcc"]].reshape(T, K).T
    im = axes[2].imshow(img, aspect="auto", origin="lower", cmap="viridis", interpolation="nearest")
    axes[2].set(xlabel="frame (23 ms hop)", ylabel="MFCC coefficient", title="spatial weight on the MFCC block")
    fig.colorbar(im, ax=axes[2], label="spatial weight")
    if input_length > layout.length:
        axes[2].text(0.99, 1.02, f"{input_length - layout.length} padded positions not shown",
                     transform=axes[2].transAxes, ha="right", fontsize=style.MIN_FONT_SIZE + 1)
    fig.tight_layout()
    return fig


def spatial_range_text(spatial, *, uniform_within: float = 0.1) -> str:
    """A sentence with the range of spatial-attention weights (sigmoid outputs, any shape), and whether
    they are nearly uniform: the middle 90 % of them within an interval of ``uniform_within``."""
    w = np.asarray(spatial, dtype=float)
    w = w[np.isfinite(w)]
    if w.size == 0:
        return "No spatial-attention weight to describe."
    lo, hi, med = float(w.min()), float(w.max()), float(np.median(w))
    q05, q95 = (float(q) for q in np.quantile(w, [0.05, 0.95]))
    text = (f"The spatial weights of the {w.size:,} test positions lie between {lo:.3f} and {hi:.3f}, "
            f"90 % of them between {q05:.3f} and {q95:.3f} (median {med:.3f})")
    if q95 - q05 <= uniform_within:
        return text + (": nearly uniform. Almost every position is multiplied by about the same factor, so in this "
                       "model the spatial attention barely changes which parts of the input the network reads.")
    return text + "."


def spatial_block_bars(block_means, ax=None):
    """Mean spatial weight per block of the input (columns, e.g. zcr/rms/mfcc) and emotion (rows of
    ``block_means``, a DataFrame), as points on a y-axis zoomed to the data, which the title says:
    bars from 0 would hide the small differences between nearly uniform weights (and bars that do not
    start at 0 would exaggerate them)."""
    plt = _plt()
    if ax is None:
        fig, ax = plt.subplots(figsize=style.figsize(3.2))
    else:
        fig = ax.figure
    vals = block_means.to_numpy(dtype=float)
    lo, hi = float(np.nanmin(vals)), float(np.nanmax(vals))
    pad = max(0.15 * (hi - lo), 0.002)
    k = block_means.shape[1]
    x = np.arange(len(block_means))
    for j, (col, marker) in enumerate(zip(block_means.columns, "os^Dv")):
        ax.plot(x + (j - (k - 1) / 2) * 0.18, block_means[col], marker=marker, ls="none", ms=7,
                color=style.PALETTE[j], label=str(col))
    ax.set_xticks(x, [str(i) for i in block_means.index])
    ax.set_xlim(-0.6, len(block_means) - 0.4)
    ax.set_ylim(lo - pad, hi + pad)
    ax.grid(axis="y", alpha=0.3)
    ax.set(ylabel="mean spatial weight", xlabel="true emotion",
           title=f"spatial attention per block of the input\n(zoomed: every mean lies in {lo:.3f}–{hi:.3f})")
    ax.legend(frameon=False, ncol=k, loc="lower left", bbox_to_anchor=(0, 1.12))
    fig.tight_layout()
    return fig


#: How :func:`step_breakdown` names the modes of ``benchmarks/bench_training.py``.
STEP_MODES = {"straightforward": "textbook step", "fast": "fast path (eager)", "compiled": "compiled (training runs this)",
              "floor": "floor: no Dense(64) update,\nno dropout draws (not training)"}
#: The bar :func:`step_breakdown` adds when the benchmark measured the bound (``bound_*`` metrics).
BOUND_LABEL = "lowest estimate: floor +\nexact Adam + mask draw"


def step_breakdown(metrics: dict, *, target: float | None = None, ax=None):
    """One horizontal bar per benchmark mode: seconds per training step, split into the two
    convolutions alone and the rest of the step, with ``target * convolutions`` marked.

    ``metrics``: the ``metrics`` of ``results/bench_training.json`` (keys ``<mode>_step_s`` and
    ``<mode>_convs_s``, each a median over steps measured in the same process). Where it also holds
    the bound (``bound_adam_least_s``, ``bound_mask_s``), a last bar shows the floor plus the least
    time of an exact Adam update of the Dense(64) kernel and one dropout mask draw
    (:data:`BOUND_LABEL`), against the floor's convolutions.
    """
    plt = _plt()
    modes = [m for m in STEP_MODES if f"{m}_step_s" in metrics]
    if not modes:
        raise ValueError("no benchmark modes in these metrics: run benchmarks/bench_training.py --out ...")
    labels = [STEP_MODES[m] for m in modes]
    conv = [metrics[f"{m}_convs_s"] for m in modes]
    step = [metrics[f"{m}_step_s"] for m in modes]
    if "floor" in modes and "bound_adam_least_s" in metrics:
        labels.append(BOUND_LABEL)
        conv.append(metrics["floor_convs_s"])
        step.append(metrics["floor_step_s"] + metrics["bound_adam_least_s"] + metrics.get("bound_mask_s", 0.0))
    if ax is None:
        fig, ax = plt.subplots(figsize=style.figsize(0.62 * len(labels) + 2.0))
    else:
        fig = ax.figure
    conv, step = np.array(conv), np.array(step)
    y = np.arange(len(labels))
    ax.barh(y, conv, color=style.PALETTE[0], label="the two convolutions alone (forward + backward)")
    ax.barh(y, np.maximum(step - conv, 0), left=conv, color=style.PALETTE[1], label="everything else in the step")
    for i, (c, s_) in enumerate(zip(conv, step)):
        ax.text(max(s_, (target or 0) * c) + 0.02, i, f"{s_:.2f} s = {s_ / c:.2f} × convolutions", va="center",
                fontsize=style.MIN_FONT_SIZE + 1)
        if target:
            ax.plot([target * c] * 2, [i - 0.42, i + 0.42], color="black", ls="--", lw=1.2,
                    label=f"target: {target:g} × convolutions" if i == 0 else None)
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlim(0, step.max() * 1.75)
    ax.set(xlabel="seconds per training step", title="where a training step of the replica goes")
    ax.grid(axis="x", alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    fig.legend(handles, labels, loc="lower center", ncol=2, frameon=False, fontsize=style.MIN_FONT_SIZE + 1)
    return fig


def step_ratios_by_machine(records: list[dict]):
    """One row per run of ``benchmarks/bench_training.py`` (its results records, e.g. ``results/bench_training*.json``):
    the machine (:func:`ser_lib.results.hardware_summary`), the compiled step's samples/s and its step /
    convolutions ratio, the floor's, and the lowest estimates (with and without the mask draw) where measured;
    the compiled step's fastest step over its fastest convolution pass (from ``compiled_step_s_all`` and
    ``compiled_convs_s_all``: the timeit convention, robust where other load on a shared machine only adds
    time); the lowest and highest of its per-block ratios (``compiled_step_over_convs_blocks``: how far one
    run's median-based ratio can move on that machine) where recorded. Several runs on one machine give
    several rows.

    Returns a :class:`pandas.DataFrame` (ratios as floats; NaN where a record lacks a mode). Raises
    ``ValueError`` for a record without the compiled mode (not a training-step benchmark).
    """
    import pandas as pd

    from ..results import hardware_summary

    rows = []
    for rec in records:
        m = rec.get("metrics") or {}
        if "compiled_step_over_convs" not in m:
            raise ValueError("a benchmark record without the compiled mode: run benchmarks/bench_training.py --out ...")
        blocks = m.get("compiled_step_over_convs_blocks") or []
        steps, convs = m.get("compiled_step_s_all") or [], m.get("compiled_convs_s_all") or []
        rows.append({"machine": hardware_summary(rec),
                     "measured (UTC)": str((rec.get("provenance") or {}).get("written_utc", ""))[:16].replace("T", " "),
                     "compiled samples/s": m.get("compiled_samples_per_s"),
                     "compiled step / convolutions": m.get("compiled_step_over_convs"),
                     "compiled, fastest / fastest": min(steps) / min(convs) if steps and convs else None,
                     "compiled, lowest block": min(blocks) if blocks else None,
                     "compiled, highest block": max(blocks) if blocks else None,
                     "floor / convolutions": m.get("floor_step_over_convs"),
                     "lowest estimate": m.get("bound_lowest_step_over_convs"),
                     "lowest, free mask": m.get("bound_lowest_without_mask_step_over_convs")})
    table = pd.DataFrame(rows)
    return table.astype({c: float for c in table.columns if c not in ("machine", "measured (UTC)")})
