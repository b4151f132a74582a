"""Plots and widgets for the MFCC and augmentation chapters.

Figures are matplotlib (one function per figure, returning the ``Figure``). The widgets are
an ipywidgets *live* one that recomputes an augmented clip in the kernel, and a *static* player
(plain HTML and a few lines of JavaScript) whose variants are precomputed, so that it works in the
published book without a kernel and without a widget manager.
"""
from __future__ import annotations

import io
import time
from typing import Sequence

import numpy as np

from .. import augment as A
from .. import dsp as D
from .. import features as F
from .. import paper

from . import encode_audio  # noqa: E402  (shared with audio_player)
from . import style

W = style.FULL_WIDTH

__all__ = [
    "plot_waveform", "plot_framing", "plot_spectrogram", "plot_filterbank", "plot_matrix",
    "plot_mfcc_comparison", "plot_paper_vector", "plot_kernel_view", "plot_versions",
    "plot_version_differences", "plot_distances",
    "encode_audio", "variant_image", "render_variant", "live_widget", "static_player", "snr_label",
]


def _fig(*args, **kw):
    return style.pyplot().subplots(*args, **kw)


def plot_waveform(y, sr, ax=None, title=None, color="C0"):
    """Waveform ``y`` (n,) against time in seconds."""
    if ax is None:
        fig, ax = _fig(figsize=(W, 2.0))
    t = np.arange(len(y)) / sr
    ax.plot(t, y, lw=0.5, color=color)
    ax.set(xlabel="time (s)", ylabel="amplitude", xlim=(0, t[-1] if len(t) else 1))
    if title:
        ax.set_title(title)
    return ax.figure


def plot_framing(y, sr, n_fft=paper.N_FFT, hop_length=paper.HOP_LENGTH, frame_index=40, window="hann"):
    """Where frames sit on the (centre-padded) signal, and one frame before/after windowing."""
    fig, axes = _fig(2, 1, figsize=(W, 4.6))
    pad = n_fft // 2
    yp = np.pad(y, pad)
    t = (np.arange(len(yp)) - pad) / sr
    axes[0].plot(t, yp, lw=0.4, color="0.4")
    for k, i in enumerate(range(max(0, frame_index - 2), frame_index + 3)):
        start = (i * hop_length - pad) / sr
        axes[0].axvspan(start, start + n_fft / sr, color=f"C{k % 10}", alpha=0.12)
    axes[0].axvspan(-pad / sr, 0, color="k", alpha=0.08)
    axes[0].axvspan(len(y) / sr, (len(y) + pad) / sr, color="k", alpha=0.08)
    axes[0].set(xlabel="time (s)", title=f"5 of the {D.n_frames(len(y), n_fft, hop_length)} frames "
                f"({n_fft} samples, hop {hop_length}); grey: zero padding")
    fr = D.frame(y, n_fft, hop_length)[:, frame_index]
    w = D.window_function(window, n_fft)
    tt = np.arange(n_fft) / sr * 1000
    axes[1].plot(tt, fr, lw=0.6, label="frame")
    axes[1].plot(tt, fr * w, lw=0.6, label="× Hann window")
    axes[1].plot(tt, w * np.abs(fr).max(), "k--", lw=0.6, label="window (scaled)")
    axes[1].set(xlabel="ms within frame", title=f"frame {frame_index}")
    axes[1].legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    fig.tight_layout()
    return fig


def plot_spectrogram(S_db, sr, hop_length=paper.HOP_LENGTH, ax=None, title=None, y_axis="hz", cbar="dB", **kw):
    """An image of a (n_bins, T) dB matrix; ``y_axis`` 'hz' (linear bins up to sr/2) or 'index'."""
    if ax is None:
        fig, ax = _fig(figsize=(W, 2.8))
    T = S_db.shape[1]
    top = sr / 2 if y_axis == "hz" else S_db.shape[0]
    im = ax.imshow(S_db, origin="lower", aspect="auto", cmap=kw.pop("cmap", "magma"),
                   extent=(0, T * hop_length / sr, 0, top), **kw)
    ax.set(xlabel="time (s)", ylabel="frequency (Hz)" if y_axis == "hz" else "index")
    if title:
        ax.set_title(title)
    if cbar:
        ax.figure.colorbar(im, ax=ax, label=cbar, pad=0.01)
    return ax.figure


def plot_matrix(M, sr=paper.SR, hop_length=paper.HOP_LENGTH, ax=None, title=None, ylabel="coefficient", cbar="", **kw):
    """An image of a (rows, T) matrix against time (MFCCs, mel bands)."""
    if ax is None:
        fig, ax = _fig(figsize=(W, 2.6))
    T = M.shape[1]
    im = ax.imshow(M, origin="lower", aspect="auto", extent=(0, T * hop_length / sr, -0.5, M.shape[0] - 0.5),
                   cmap=kw.pop("cmap", "coolwarm" if np.nanmin(M) < 0 else "magma"), **kw)
    ax.set(xlabel="time (s)", ylabel=ylabel)
    if title:
        ax.set_title(title)
    if cbar is not None:
        ax.figure.colorbar(im, ax=ax, label=cbar, pad=0.01)
    return ax.figure


def plot_filterbank(fb, sr, n_show=None):
    """Mel filter bank rows (n_mels, n_bins) against frequency, with the mel scale beside it."""
    fig, axes = _fig(1, 2, figsize=(W, 3.0), gridspec_kw={"width_ratios": [2.4, 1]})
    n_fft = 2 * (fb.shape[1] - 1)
    f = D.fft_frequencies(sr, n_fft)
    rows = range(fb.shape[0]) if n_show is None else np.linspace(0, fb.shape[0] - 1, n_show).astype(int)
    for i in rows:
        axes[0].plot(f, fb[i], lw=0.7)
    axes[0].set(xlabel="frequency (Hz)", ylabel="weight (Slaney norm)",
                title=f"{fb.shape[0]} mel filters over {fb.shape[1]} FFT bins")
    hz = np.linspace(0, sr / 2, 400)
    axes[1].plot(hz, D.hz_to_mel(hz), label="Slaney (librosa)")
    axes[1].plot(hz, D.hz_to_mel(hz, htk=True) * D.hz_to_mel(sr / 2) / D.hz_to_mel(sr / 2, htk=True),
                 "--", label="HTK (rescaled)")
    axes[1].set(xlabel="Hz", ylabel="mel", title="mel scale")
    axes[1].legend(frameon=False)
    fig.tight_layout()
    return fig


def plot_mfcc_comparison(ours, ref, sr=paper.SR, hop_length=paper.HOP_LENGTH):
    """Our MFCC, librosa's, and the absolute difference (note its own colour scale)."""
    fig, axes = _fig(3, 1, figsize=(W, 6.0), sharex=True)
    vmin, vmax = float(min(ours.min(), ref.min())), float(max(ours.max(), ref.max()))
    plot_matrix(ours, sr, hop_length, axes[0], "ser_lib.dsp.mfcc", vmin=vmin, vmax=vmax, cmap="coolwarm")
    plot_matrix(ref, sr, hop_length, axes[1], "librosa.feature.mfcc", vmin=vmin, vmax=vmax, cmap="coolwarm")
    diff = np.abs(ours.astype(np.float64) - ref)
    plot_matrix(diff, sr, hop_length, axes[2], f"|difference| (max {diff.max():.1e})", cmap="viridis")
    for a in axes[:2]:
        a.set_xlabel("")
    fig.tight_layout()
    return fig


def plot_paper_vector(v, layout=None):
    """The flat paper vector with its three blocks shaded, and a zoom into the MFCC block."""
    layout = layout or F.paper_layout(F.paper_n_frames(v.size))
    fig, axes = _fig(2, 1, figsize=(W, 4.8))
    colors = {"zcr": "C2", "rms": "C1", "mfcc": "C0"}
    for name, sl in layout.blocks.items():
        axes[0].plot(np.arange(sl.start, sl.stop), v[sl], lw=0.5, color=colors[name])
        axes[0].axvspan(sl.start, sl.stop, color=colors[name], alpha=0.08)
        axes[0].text((sl.start + sl.stop) / 2 if name == "mfcc" else sl.start + 2,
                     np.max(v) * 0.9, f"{name} [{sl.start}, {sl.stop})", fontsize=style.MIN_FONT_SIZE + 1,
                     color=colors[name])
    axes[0].set(xlabel="index in the flat vector", ylabel="value",
                title=f"paper vector: {layout.length} values = {layout.n_frames} ZCR + {layout.n_frames} RMS\n"
                      f"+ {layout.n_mfcc}×{layout.n_frames} MFCC (frame-major)")
    s = layout.blocks["mfcc"].start
    seg = v[s:s + 4 * layout.n_mfcc]
    axes[1].bar(np.arange(s, s + seg.size), seg, color=[f"C{(i // layout.n_mfcc) % 10}" for i in range(seg.size)])
    for k in range(5):
        axes[1].axvline(s + k * layout.n_mfcc - 0.5, color="k", lw=0.6)
    axes[1].set(xlabel="index", ylabel="MFCC value",
                title="zoom: the first 4 frames of the MFCC block\n(one colour per frame: c0 … c19)")
    fig.tight_layout()
    return fig


def plot_kernel_view(layout=None, starts=(30, 2 * paper.N_FRAMES + paper.N_MFCC * 10 + 3,
                                          2 * paper.N_FRAMES + paper.N_MFCC * 10 + 16),
                     kernel=paper.KERNEL_SIZE, n_layers=paper.N_BLOCKS_CODE):
    """Which (block, frame, coefficient) cells a Conv1D window of ``kernel`` positions covers.

    Left: the ZCR/RMS rows; right: the MFCC block as a (coefficient × frame) grid, with the cells
    seen by one window (and by ``n_layers`` stacked valid convolutions) highlighted.
    """
    layout = layout or F.paper_layout(paper.N_FRAMES)
    T, K = layout.n_frames, layout.n_mfcc
    rf = n_layers * (kernel - 1) + 1
    fig, axes = _fig(2, 1, figsize=(W, 5.2), gridspec_kw={"height_ratios": [1, 2.2]})
    grid_tr = np.zeros((2, T))
    grid_m = np.zeros((K, 24))
    f0 = 8
    for n, s in enumerate(starts, start=1):
        for width, val in ((rf, 0.4), (kernel, 1.0)):
            for i in range(s, min(s + width, layout.length)):
                blk, t, c = layout.describe(i)
                if blk == "mfcc":
                    if f0 <= t < f0 + 24:
                        grid_m[c, t - f0] = max(grid_m[c, t - f0], val)
                else:
                    grid_tr[0 if blk == "zcr" else 1, t] = max(grid_tr[0 if blk == "zcr" else 1, t], val)
    axes[0].imshow(grid_tr[:, :60], aspect="auto", cmap="Greens", vmin=0, vmax=1, origin="lower")
    axes[0].set(yticks=[0, 1], yticklabels=["ZCR", "RMS"], xlabel="frame",
                title=f"window at index {starts[0]}: {kernel} consecutive frames")
    axes[1].imshow(grid_m, aspect="auto", cmap="Blues", vmin=0, vmax=1, origin="lower",
                   extent=(f0 - 0.5, f0 + 23.5, -0.5, K - 0.5))
    axes[1].set(xlabel="frame", ylabel="MFCC coefficient",
                title=f"MFCC block: a window of {kernel} covers {kernel} coefficients of one frame\n"
                      f"(or two); pale: two stacked layers ({rf} positions)")
    fig.tight_layout()
    return fig


def _mfcc_img(y, sr):
    import librosa

    return librosa.feature.mfcc(y=y, sr=sr)


def _spec_db(y, sr):
    return D.power_to_db(D.spectrogram(y), top_db=80.0)


def plot_versions(clips: dict, sr: int):
    """One row per version: waveform, spectrogram (dB, 0-8 kHz), MFCC; shared colour scales."""
    names = list(clips)
    fig, axes = _fig(len(names), 3, figsize=(W, 0.5 + 1.75 * len(names)), squeeze=False, sharex=True)
    specs = {k: _spec_db(v, sr) for k, v in clips.items()}
    mf = {k: _mfcc_img(v, sr) for k, v in clips.items()}
    smin = max(s.max() for s in specs.values()) - 80
    mmin, mmax = min(m.min() for m in mf.values()), max(m.max() for m in mf.values())
    ylim = max(np.abs(v).max() for v in clips.values())
    for i, k in enumerate(names):
        plot_waveform(clips[k], sr, axes[i, 0])
        axes[i, 0].set_ylim(-ylim, ylim)
        axes[i, 0].set_yticks([])
        axes[i, 0].set_ylabel(k, fontsize=style.FONT_SIZE, fontweight="bold")
        plot_spectrogram(specs[k], sr, ax=axes[i, 1], cbar=None, vmin=smin)
        axes[i, 1].set_ylim(0, 8000)
        axes[i, 1].set_yticks([0, 4000, 8000], ["0", "4", "8"])
        axes[i, 1].set_ylabel("kHz")
        plot_matrix(mf[k], sr, ax=axes[i, 2], cbar=None, vmin=mmin, vmax=mmax, cmap="coolwarm")
        axes[i, 2].set_ylabel("MFCC")
        for a in axes[i]:
            if i < len(names) - 1:
                a.set_xlabel("")
    for a, t in zip(axes[0], ("waveform", "spectrogram", "MFCC")):
        a.set_title(t)
    fig.tight_layout(h_pad=0.4, w_pad=0.6)
    return fig


def plot_version_differences(clips: dict, sr: int, reference: str = "original"):
    """MFCC of each version minus the reference version's MFCC, same colour scale."""
    ref = _mfcc_img(clips[reference], sr)
    others = [k for k in clips if k != reference]
    fig, axes = _fig(len(others), 1, figsize=(W, 0.4 + 1.8 * len(others)), squeeze=False, sharex=True)
    diffs = {k: _mfcc_img(clips[k], sr)[:, :ref.shape[1]] - ref[:, :min(ref.shape[1], _mfcc_img(clips[k], sr).shape[1])]
             for k in others}
    lim = max(np.abs(d).max() for d in diffs.values())
    for i, (ax, k) in enumerate(zip(axes[:, 0], others)):
        d = diffs[k]
        im = ax.imshow(d, origin="lower", aspect="auto", cmap="RdBu_r", vmin=-lim, vmax=lim,
                       extent=(0, d.shape[1] * paper.HOP_LENGTH / sr, -0.5, d.shape[0] - 0.5))
        ax.set(ylabel="MFCC", title=f"{k} − {reference} (mean |Δ| {np.abs(d).mean():.1f})")
        if i == len(others) - 1:
            ax.set_xlabel("time (s)")
    fig.colorbar(im, ax=axes[:, 0].tolist(), label="Δ MFCC", pad=0.01)
    return fig


def plot_distances(df, value="distance", by="comparison", order=None):
    """Distribution of MFCC distances per kind of comparison (box + points)."""
    fig, ax = _fig(figsize=(W, 3.2))
    order = order or list(dict.fromkeys(df[by]))
    data = [df.loc[df[by] == o, value].to_numpy() for o in order]
    ax.boxplot(data, vert=False, widths=0.5, showfliers=False)
    rng = np.random.default_rng(0)
    for i, d in enumerate(data, start=1):
        ax.scatter(d, i + rng.uniform(-0.15, 0.15, d.size), s=8, alpha=0.6)
    ax.set_yticks(range(1, len(order) + 1), order)
    ax.set(xlabel="MFCC distance to the original clip (mean per-frame Euclidean)")
    ax.invert_yaxis()
    fig.tight_layout()
    return fig


# ============================================================================ widgets
def snr_label(snr: float) -> str:
    return "∞ dB" if not np.isfinite(snr) else f"{snr:g} dB"


def variant_image(y, sr, title="", *, fmt="jpeg", size=(6.4, 3.0), dpi=style.DPI, spec_vmin=None,
                  mfcc_lim=None) -> bytes:
    """An image (JPEG or PNG bytes) of a clip's spectrogram (top, 0-8 kHz) and MFCC (bottom), at the
    book's figure standard (:mod:`ser_lib.viz.style`: 640 x 300 px by default, readable labels).

    Uses matplotlib's object API (no pyplot state), so it is safe in loops and fast (~50 ms).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=dpi)
    FigureCanvasAgg(fig)
    ax1, ax2 = fig.subplots(2, 1, sharex=True)
    S = _spec_db(y, sr)
    kmax = int(8000 / (sr / 2) * (S.shape[0] - 1))
    T = S.shape[1] * paper.HOP_LENGTH / sr
    ax1.imshow(S[:kmax], origin="lower", aspect="auto", cmap="magma", extent=(0, T, 0, 8),
               vmin=spec_vmin if spec_vmin is not None else S.max() - 80)
    ax1.set_ylabel("kHz", fontsize=style.FONT_SIZE)
    if title:
        ax1.set_title(title, fontsize=style.FONT_SIZE + 1, loc="left")
    M = _mfcc_img(y, sr)
    lim = mfcc_lim if mfcc_lim is not None else (M.min(), M.max())
    ax2.imshow(M, origin="lower", aspect="auto", cmap="coolwarm", extent=(0, T, -0.5, 19.5), vmin=lim[0], vmax=lim[1])
    ax2.set_ylabel("MFCC", fontsize=style.FONT_SIZE)
    ax2.set_xlabel("time (s)", fontsize=style.FONT_SIZE)
    for a in (ax1, ax2):
        a.tick_params(labelsize=style.FONT_SIZE - 1)
    fig.subplots_adjust(left=0.09, right=0.985, top=0.9, bottom=0.15, hspace=0.12)
    buf = io.BytesIO()
    if fmt == "jpeg":
        fig.savefig(buf, format="jpeg", facecolor="white", pil_kwargs={"quality": 55, "optimize": True})
    else:
        fig.savefig(buf, format=fmt)
    return buf.getvalue()


def render_variant(y, sr, n_steps=0.0, snr_db=np.inf, factor=0.0, seed=0, *, audio_rate=paper.SR,
                   audio_fmt="mp3", image_fmt="jpeg"):
    """Augment one clip and render it for a widget: pitch shift (semitones), then SNR noise (dB,
    ``inf`` = none), then the paper's noise with ``factor`` (0 = none).

    Returns ``(y_aug, audio_bytes, image_bytes, seconds)``.
    """
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    z = A.pitch_shift(y, sr, float(n_steps))
    if np.isfinite(snr_db):
        z = A.add_noise_snr(z, float(snr_db), rng)
    if factor > 0:
        z = A.add_noise_paper(z, rng, float(factor))
    title = f"pitch {n_steps:+g} st, SNR {snr_label(snr_db)}" + (f", paper factor {factor:g}" if factor else "")
    img = variant_image(z, sr, title, fmt=image_fmt)
    aud = encode_audio(z, sr, fmt=audio_fmt, rate=audio_rate)
    return z, aud, img, time.perf_counter() - t0


def live_widget(y, sr, seed=0):
    """Sliders (pitch in semitones, SNR in dB, the paper's noise factor) that recompute the clip
    in the kernel and update an audio player and a spectrogram + MFCC image. Needs a kernel."""
    import ipywidgets as W

    pitch = W.FloatSlider(value=0.0, min=-6, max=6, step=0.5, description="pitch (st)", continuous_update=False)
    snr = W.FloatSlider(value=40.0, min=-5, max=40, step=1, description="SNR (dB)", continuous_update=False)
    use_snr = W.Checkbox(value=False, description="add SNR noise", indent=False)
    factor = W.FloatSlider(value=0.0, min=0, max=0.2, step=0.005, readout_format=".3f",
                           description="paper factor", continuous_update=False)
    audio = W.Audio(format="mp3", autoplay=False, loop=False)
    image = W.Image(format="jpeg")
    status = W.Label()

    def update(*_):
        _, aud, img, secs = render_variant(y, sr, pitch.value, snr.value if use_snr.value else np.inf,
                                           factor.value, seed)
        audio.value, image.value = aud, img
        status.value = f"updated in {secs * 1000:.0f} ms"

    for w in (pitch, snr, use_snr, factor):
        w.observe(update, names="value")
    update()
    return W.VBox([W.HBox([pitch, factor]), W.HBox([use_snr, snr]), audio, image, status])


def static_player(y, sr, pitches: Sequence[float] = (-4, -2, 0, 2, 4),
                  snrs: Sequence[float] = (np.inf, 20, 10, 0), seed=0, *, audio_rate=11025, image_fmt="webp"):
    """A player that works without a kernel and without a widget manager: every (pitch, SNR) variant
    is precomputed, and two range sliders choose which image and sound are shown.

    Plain HTML with a few lines of JavaScript (no ipywidgets, so the published page does not load
    the 3.6 MB widget manager). The sliders are ``<input type="range">`` (keyboard and touch), one
    per line on a narrow screen. Images are ``image_fmt`` (``"webp"`` or ``"jpeg"``) at the book's
    figure width, audio is MP3 at ``audio_rate``. Returns ``(html, info)``: an
    :class:`IPython.display.HTML` and ``{"variants", "audio_bytes", "image_bytes"}``.
    """
    import base64
    import html as _html
    import json
    import uuid

    from IPython.display import HTML
    from PIL import Image

    pitches, snrs = [float(p) for p in pitches], [float(s) for s in snrs]
    if not pitches or not snrs:
        raise ValueError("pitches and snrs must be non-empty")
    if image_fmt not in ("webp", "jpeg"):
        raise ValueError(f"image_fmt must be 'webp' or 'jpeg', got {image_fmt!r}")
    clips, peaks = {}, []
    for p in pitches:
        zp = A.pitch_shift(y, sr, p)
        for j, s in enumerate(snrs):
            rng = np.random.default_rng([seed, j])
            clips[p, s] = zp if not np.isfinite(s) else A.add_noise_snr(zp, s, rng)
            peaks.append(_spec_db(clips[p, s], sr).max())
    spec_vmin = max(peaks) - 80
    ms = [_mfcc_img(z, sr) for z in clips.values()]
    lim = (min(m.min() for m in ms), max(m.max() for m in ms))
    imgs, auds = [], []
    n_audio = n_img = 0
    for p in pitches:
        row_i, row_a = [], []
        for s in snrs:
            png = variant_image(clips[p, s], sr, f"pitch {p:+g} semitones, SNR {snr_label(s)}", fmt="png",
                                spec_vmin=spec_vmin, mfcc_lim=lim)
            buf = io.BytesIO()
            Image.open(io.BytesIO(png)).convert("RGB").save(buf, format=image_fmt.upper(), quality=60)
            img, aud = buf.getvalue(), encode_audio(clips[p, s], sr, fmt="mp3", rate=audio_rate)
            n_img, n_audio = n_img + len(img), n_audio + len(aud)
            row_i.append(f"data:image/{image_fmt};base64," + base64.b64encode(img).decode())
            row_a.append("data:audio/mpeg;base64," + base64.b64encode(aud).decode())
        imgs.append(row_i)
        auds.append(row_a)
    i0 = pitches.index(0.0) if 0.0 in pitches else 0
    data = {"pitch": [f"{p:+g} st" for p in pitches], "snr": [snr_label(s) for s in snrs], "img": imgs, "audio": auds}
    uid = f"ser-sp-{uuid.uuid4().hex[:8]}"
    slider = ('<label style="display:flex;align-items:center;gap:.5em;flex:1 1 260px;min-width:0">'
              '<span style="flex:0 0 3.2em">{name}</span>'
              '<input type="range" class="ser-sp-{axis}" min="0" max="{n}" step="1" value="{v}" '
              'aria-label="{name}" style="flex:1 1 auto;min-width:150px;width:100%">'
              '<output style="flex:0 0 4.2em;text-align:right">{label}</output></label>')
    controls = (slider.format(name="pitch", axis="pitch", n=len(pitches) - 1, v=i0, label=data["pitch"][i0])
                + slider.format(name="SNR", axis="snr", n=len(snrs) - 1, v=0, label=data["snr"][0]))
    script = ("(function(){var root=document.getElementById('%s');if(!root)return;"
              "var d=JSON.parse(root.querySelector('.ser-sp-data').textContent);"
              "var p=root.querySelector('.ser-sp-pitch'),s=root.querySelector('.ser-sp-snr');"
              "var img=root.querySelector('img'),au=root.querySelector('audio'),out=root.querySelectorAll('output');"
              "function show(){var i=+p.value,j=+s.value;img.src=d.img[i][j];au.src=d.audio[i][j];"
              "img.alt='spectrogram and MFCC, pitch '+d.pitch[i]+', SNR '+d.snr[j];"
              "out[0].textContent=d.pitch[i];out[1].textContent=d.snr[j];}"
              "p.addEventListener('input',show);s.addEventListener('input',show);})();" % uid)
    page = (f'<div class="ser-static-player" id="{uid}" style="max-width:100%">'
            f'<div style="display:flex;flex-wrap:wrap;gap:.3em 1.5em;margin-bottom:.4em">{controls}</div>'
            f'<audio controls preload="none" src="{auds[i0][0]}" style="width:100%;max-width:420px"></audio>'
            f'<img src="{imgs[i0][0]}" alt="spectrogram and MFCC, pitch {_html.escape(data["pitch"][i0])}, SNR '
            f'{_html.escape(data["snr"][0])}" style="display:block;width:100%;max-width:640px;height:auto">'
            f'<script type="application/json" class="ser-sp-data">{json.dumps(data)}</script>'
            f"<script>{script}</script></div>")
    info = {"variants": len(pitches) * len(snrs), "audio_bytes": n_audio, "image_bytes": n_img}
    return HTML(page), info
