"""Figures and widgets of the chapters "Try it on your own voice" and "How well it travels".

- :func:`prediction_figure`: waveform with the scored windows, MFCC image, probability bars and,
  for a model with spatial attention, where in time the top window's model attended;
- :func:`static_examples`: precomputed examples (player, figure, caption) behind a menu, in plain HTML
  (no widget manager on the published page);
- :func:`upload_widget`: JupyterLab's upload → player, figure and messages (needs a kernel);
- :func:`plot_uar_matrix`, :func:`plot_confusion`: the cross-corpus heatmap and confusion matrices.
"""
from __future__ import annotations

import html
import io
from typing import Sequence

import numpy as np

from .. import paper
from . import encode_audio

__all__ = ["window_attention", "prediction_figure", "figure_png", "static_examples",
           "upload_widget", "plot_uar_matrix", "plot_confusion"]


def window_attention(bundle, X: np.ndarray) -> np.ndarray | None:
    """Spatial attention ``(n_windows, T')`` of the bundle's model on frame features ``X (n, 22, 108)``
    (None when the model has none); ``T'`` positions cover the window's 108 frames evenly."""
    import torch

    model = bundle.model
    if getattr(model, "spatial_att", None) is None:
        return None
    model.eval()
    with torch.no_grad():
        model(torch.from_numpy(bundle.standardize(X)))
    att = model.last_attention.get("spatial")
    return None if att is None else att.numpy()


def prediction_figure(y: np.ndarray, sr: int, pred, bundle=None, *, title: str = "", attention: bool = True,
                      width: float = 6.8):
    """A matplotlib ``Figure``: waveform with the 2.5 s windows that were scored (top left), MFCC of the
    whole clip (bottom left; with the top window's spatial attention over it, when the model has
    one) and the probability of each emotion (right).

    ``y``: mono float ``(n,)`` at ``sr`` Hz; ``pred``: a :class:`ser_lib.predict.Prediction`.
    """
    import librosa
    from matplotlib.figure import Figure

    from ..predict import window_features, window_spans

    y = np.asarray(y, np.float32)
    if sr != paper.SR:
        y = librosa.resample(y, orig_sr=sr, target_sr=paper.SR, res_type="soxr_hq")
        sr = paper.SR
    fig = Figure(figsize=(width, 3.4), dpi=100, facecolor="white")
    gs = fig.add_gridspec(2, 2, width_ratios=(2.3, 1), height_ratios=(1, 1.4), hspace=0.45, wspace=0.35)
    ax_w, ax_m, ax_p = fig.add_subplot(gs[0, 0]), fig.add_subplot(gs[1, 0]), fig.add_subplot(gs[:, 1])
    t = np.arange(y.size) / sr
    ax_w.plot(t, y, lw=0.5, color="#0072B2")
    ax_w.set_xlim(0, max(t[-1] if t.size else 0, paper.DURATION))
    ax_w.set_ylabel("amplitude", fontsize=8)
    ax_w.set_title(title or "waveform", fontsize=9, loc="left")
    if pred is not None and pred.windows:
        for w in pred.windows:
            ax_w.axvspan(w["start_s"], w["end_s"], color="#E69F00" if w["used"] else "#999999", alpha=0.08)
    M = librosa.feature.mfcc(y=y, sr=sr, n_mfcc=paper.N_MFCC)
    T = M.shape[1] * paper.HOP_LENGTH / sr
    ax_m.imshow(M, origin="lower", aspect="auto", cmap="coolwarm", extent=(0, T, -0.5, paper.N_MFCC - 0.5))
    ax_m.set_ylabel("MFCC", fontsize=8)
    ax_m.set_xlabel("time (s)", fontsize=8)
    ax_m.set_xlim(ax_w.get_xlim())
    if attention and bundle is not None and pred is not None and pred.probabilities and y.size:
        X, spans, _ = window_features(y, sr, 1.25)
        att = window_attention(bundle, X)
        if att is not None:
            k = bundle.labels.index(pred.label)
            i = int(np.argmax(bundle.predict_proba(X)[:, k]))
            a, b = spans[i]
            centers = a / sr + (np.arange(att.shape[1]) + 0.5) * paper.DURATION / att.shape[1]
            keep = centers <= b / sr + 1e-9
            ax2 = ax_m.twinx()
            ax2.plot(centers[keep], att[i][keep], color="black", lw=1.2, label="attention")
            ax2.set_ylim(0, 1.05)
            ax2.set_ylabel("attention", fontsize=7)
            ax2.tick_params(labelsize=6)
    for a in (ax_w, ax_m):
        a.tick_params(labelsize=7)
    if pred is not None and pred.probabilities:
        labs = list(pred.probabilities)
        vals = [pred.probabilities[l] for l in labs]
        colors = ["#D55E00" if l == pred.label else "#0072B2" for l in labs]
        ax_p.barh(range(len(labs)), vals, color=colors)
        ax_p.set_yticks(range(len(labs)), labs, fontsize=8)
        ax_p.invert_yaxis()
        ax_p.axvline(1 / len(labs), color="#555555", ls=":", lw=1)
        ax_p.set_xlim(0, 1)
        ax_p.set_xlabel("probability", fontsize=8)
        ax_p.tick_params(labelsize=7)
        ax_p.set_title(("" if pred.reliable else "unreliable: ") + f"{pred.label}", fontsize=9, loc="left")
    else:
        ax_p.axis("off")
        ax_p.text(0, 0.5, "no label:\n" + (pred.error if pred is not None and pred.error else "")[:80], fontsize=8,
                  wrap=True)
    return fig


def figure_png(fig) -> bytes:
    """PNG bytes of a matplotlib Figure (object API, no pyplot state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", facecolor="white")
    return buf.getvalue()


def _caption(pred, note: str = "") -> str:
    lines = []
    if pred.error:
        lines.append(f"<b>no label</b>: {html.escape(pred.error)}")
    else:
        top = sorted(pred.probabilities.items(), key=lambda kv: -kv[1])[:3]
        lines.append(("<b>" if pred.reliable else "<b>unreliable</b>, best guess ") + html.escape(pred.label)
                     + ("</b>" if pred.reliable else "") + " &middot; "
                     + ", ".join(f"{html.escape(k)} {100 * v:.0f} %" for k, v in top))
        lines += [f"&#9888; {html.escape(w)}" for w in pred.warnings]
    if note:
        lines.append(html.escape(note))
    return "<br>".join(lines)


def static_examples(examples: Sequence[dict], bundle=None, *, audio_rate: int = 16000):
    """A kernel-free example browser in plain HTML: a menu and, for each example, a player,
    :func:`prediction_figure` and a caption; the menu shows one example at a time.

    No ipywidgets, so the published page does not load the widget manager (in the style of
    :func:`ser_lib.viz.features.static_player`): every example is an HTML block with its MP3 and PNG
    embedded as data URIs, and a few lines of JavaScript hide all but the chosen one.

    Parameters
    ----------
    examples : sequence of dict
        ``{"name", "y", "sr", "prediction", "note"}``: the menu entry, the mono signal at ``sr`` Hz,
        its :class:`ser_lib.predict.Prediction` and an optional note for the caption.
    bundle : model bundle, optional
        Passed to :func:`prediction_figure` (the attention curve).
    audio_rate : int
        Sample rate (Hz) of the embedded MP3s.

    Returns
    -------
    html : IPython.display.HTML
    info : dict
        ``{"examples", "audio_bytes", "image_bytes"}``.
    """
    import base64
    import uuid

    from IPython.display import HTML

    if not examples:
        raise ValueError("no example to show")
    uid = f"ser-ex-{uuid.uuid4().hex[:8]}"
    options, blocks, n_audio, n_img = [], [], 0, 0
    for i, ex in enumerate(examples):
        aud = encode_audio(ex["y"], ex["sr"], fmt="mp3", rate=audio_rate)
        img = figure_png(prediction_figure(ex["y"], ex["sr"], ex["prediction"], bundle, title=ex["name"]))
        n_audio, n_img = n_audio + len(aud), n_img + len(img)
        name = html.escape(ex["name"])
        options.append(f'<option value="{i}"{" selected" if i == 0 else ""}>{name}</option>')
        blocks.append(f'<div class="ser-ex"{"" if i == 0 else " hidden"}>'
                      f'<audio controls preload="none" src="data:audio/mpeg;base64,{base64.b64encode(aud).decode()}"'
                      ' style="width:100%;max-width:420px"></audio>'
                      f'<img src="data:image/png;base64,{base64.b64encode(img).decode()}" alt="waveform, MFCC and '
                      f'emotion probabilities: {name}" style="display:block;max-width:100%;height:auto">'
                      f'<div>{_caption(ex["prediction"], ex.get("note", ""))}</div></div>')
    script = ("(function(){var r=document.getElementById('%s');if(!r)return;var s=r.querySelector('select'),"
              "b=r.querySelectorAll('.ser-ex');s.addEventListener('change',function(){for(var k=0;k<b.length;k++)"
              "{var on=k==s.selectedIndex;b[k].hidden=!on;if(!on)b[k].querySelector('audio').pause();}});})();" % uid)
    page = (f'<div class="ser-static-examples" id="{uid}" style="max-width:100%">'
            '<label style="display:block;margin-bottom:.4em">example '
            f'<select aria-label="example" style="max-width:100%">{"".join(options)}</select></label>'
            f'{"".join(blocks)}<script>{script}</script></div>')
    return HTML(page), {"examples": len(examples), "audio_bytes": n_audio, "image_bytes": n_img}


def upload_widget(bundle=None):
    """FileUpload → player, :func:`prediction_figure` and the checks' messages (needs a kernel)."""
    import os
    import tempfile

    import ipywidgets as W
    from IPython.display import HTML, Image, display

    from ..predict import _default_bundle, predict_file
    from . import audio_player

    bundle = bundle if bundle is not None else _default_bundle()
    up = W.FileUpload(accept="audio/*,.wav,.flac,.ogg,.mp3,.aiff", multiple=False, description="audio file")
    out = W.Output()

    def on_upload(change):
        files = change["new"]
        if not files:
            return
        f = files[0]
        out.clear_output()
        with out:
            suffix = os.path.splitext(f["name"])[1] or ".wav"
            with tempfile.NamedTemporaryFile(suffix=suffix, delete=False) as tmp:
                tmp.write(bytes(f["content"]))
            try:
                pred = predict_file(tmp.name, bundle, track=True)
                pred.file = f["name"]
                if pred.error is None:
                    from ..audio import load

                    y, sr = load(tmp.name, sr=paper.SR)
                    display(audio_player(y, sr))
                    display(Image(figure_png(prediction_figure(y, sr, pred, bundle, title=f["name"]))))
                display(HTML(_caption(pred)))
            finally:
                os.unlink(tmp.name)

    up.observe(on_upload, names="value")
    return W.VBox([up, out])


def plot_uar_matrix(M, *, chance: float | None = None, ax=None, title: str = ""):
    """Heatmap of a train × test UAR matrix (:func:`ser_lib.cross_corpus.uar_matrix`, fractions) in
    percent; the diagonal (within-corpus, speaker-independent) is outlined."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6.8, 0.55 * len(M) + 1.6))
    V = 100 * M.to_numpy(dtype=float)
    im = ax.imshow(V, cmap="viridis", vmin=0 if chance is None else 100 * chance * 0.5, vmax=100, aspect="auto")
    ax.set_xticks(range(M.shape[1]), list(M.columns), rotation=0)
    ax.set_yticks(range(M.shape[0]), list(M.index))
    ax.set_xlabel("test on")
    ax.set_ylabel("train on")
    for i in range(V.shape[0]):
        for j in range(V.shape[1]):
            if np.isfinite(V[i, j]):
                ax.text(j, i, f"{V[i, j]:.0f}", ha="center", va="center", fontsize=9,
                        color="black" if V[i, j] > 60 else "white")
            if i < V.shape[1] and M.index[i] == M.columns[j]:
                ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="#D55E00", lw=2))
    cb = ax.figure.colorbar(im, ax=ax, fraction=0.04)
    cb.set_label("UAR (%)")
    if chance is not None:
        cb.ax.axhline(100 * chance, color="white", lw=1.5)
    ax.set_title(title or "UAR (%): diagonal = within corpus, held-out speakers", loc="left")
    return ax


def plot_confusion(C, labels: Sequence[str], *, ax=None, title: str = ""):
    """Row-normalised confusion matrix (true rows, predicted columns) in percent."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(3.6, 3.2))
    C = np.asarray(C, float)
    R = 100 * C / np.maximum(C.sum(1, keepdims=True), 1)
    ax.imshow(R, cmap="Blues", vmin=0, vmax=100)
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for i in range(len(labels)):
        for j in range(len(labels)):
            ax.text(j, i, f"{R[i, j]:.0f}", ha="center", va="center", fontsize=8,
                    color="white" if R[i, j] > 55 else "black")
    ax.set_title(title, loc="left")
    return ax
