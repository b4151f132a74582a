"""Small display helpers shared by the chapters (players next to figures).

Chapter-specific plotting lives in submodules: :mod:`ser_lib.viz.corpora`,
:mod:`ser_lib.viz.features`, :mod:`ser_lib.viz.model`, :mod:`ser_lib.viz.audit`; every figure follows
the book's figure standard, :mod:`ser_lib.viz.style` (width, resolution, fonts, palette).
"""
from __future__ import annotations

import base64
import html
import io

import numpy as np

__all__ = ["audio_player", "encode_audio", "AudioPlayer", "banner", "synthetic_banner"]

_MIME = {"mp3": "audio/mpeg", "wav": "audio/wav"}


def encode_audio(y, sr: int, *, fmt: str = "mp3", rate: int | None = 16000, normalize: bool = True) -> bytes:
    """Encode a mono signal as small audio-file bytes that every browser plays.

    Parameters
    ----------
    y : np.ndarray, shape (n,), float
    sr : int, sample rate of ``y`` in Hz
    fmt : ``'mp3'`` (about 1 KB per 0.1 s at 16 kHz) or ``'wav'`` (16-bit PCM)
    rate : resample to this rate first (Hz); ``None`` keeps ``sr``
    normalize : peak-normalise (to 0.95 for WAV, 0.7 for MP3, whose lossy coding overshoots the
        original peak by up to ~20 % on pure tones); otherwise values outside [-1, 1] are clipped
    """
    import soundfile as sf

    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1 or y.size == 0:
        raise ValueError(f"expected a non-empty 1-D signal, got shape {y.shape}")
    if not np.all(np.isfinite(y)):
        raise ValueError("signal contains NaN or infinite samples")
    if rate is not None and rate != sr:
        import librosa

        y = librosa.resample(y, orig_sr=sr, target_sr=rate, res_type="soxr_hq")
        sr = rate
    peak = float(np.abs(y).max())
    if normalize and peak > 0:
        y = (0.7 if fmt == "mp3" else 0.95) * y / peak
    buf = io.BytesIO()
    if fmt == "mp3":
        sf.write(buf, np.clip(y, -1, 1), int(sr), format="MP3", subtype="MPEG_LAYER_III", compression_level=0.9)
    elif fmt == "wav":
        sf.write(buf, np.clip(y, -1, 1), int(sr), format="WAV", subtype="PCM_16")
    else:
        raise ValueError(f"fmt must be 'mp3' or 'wav', got {fmt!r}")
    return buf.getvalue()


class AudioPlayer:
    """An HTML ``<audio>`` player with the clip embedded (base64), shown in JupyterLab and in
    the built book alike. ``AudioPlayer(data, fmt)._repr_html_()`` gives the element."""

    def __init__(self, data: bytes, fmt: str = "mp3", title: str | None = None):
        self.data, self.fmt, self.title = data, fmt, title

    def _repr_html_(self) -> str:
        b64 = base64.b64encode(self.data).decode("ascii")
        title = f' title="{html.escape(self.title)}"' if self.title else ""
        return (f'<audio controls preload="none"{title} src="data:{_MIME[self.fmt]};base64,{b64}">'
                "Your browser does not support the audio element.</audio>")


def audio_player(y: np.ndarray, sr: int, *, normalize: bool = True, fmt: str = "mp3",
                 rate: int | None = None, title: str | None = None) -> AudioPlayer:
    """A player for a mono signal ``y`` (float, shape ``(n,)``) at ``sr`` Hz.

    Encoded as MP3 by default (a tenth of the size of WAV, so pages with many players stay
    small); ``normalize=False`` keeps relative loudness (values beyond ±1 are clipped).
    ``rate`` resamples before encoding (default: keep ``sr``).
    """
    return AudioPlayer(encode_audio(y, sr, fmt=fmt, rate=rate, normalize=normalize), fmt, title)


def banner(text: str, *, title: str = "Note", kind: str = "warning") -> None:
    """Display a prominent admonition box, once.

    Emitted as raw HTML with the theme's admonition classes, so it renders the same in
    JupyterLab and in the built book, whatever Markdown flavour the book uses for outputs; the same
    output carries a plain-text version (``TITLE: text``) for logs, papermill and terminals, so the
    page shows the message once. Outside IPython the plain text is printed.
    ``kind``: ``'warning'`` (amber) or ``'danger'`` (red).
    """
    import html as _html

    colours = {"warning": ("#f59e0b", "#fff8e1"), "danger": ("#d32f2f", "#fdecea")}
    if kind not in colours:
        raise ValueError(f"kind must be one of {sorted(colours)}, got {kind!r}")
    edge, fill = colours[kind]
    plain = f"{title.upper()}: {text}"
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover
        get_ipython = None
    if get_ipython is None or get_ipython() is None:
        print(plain)
        return
    html = (f'<div class="admonition {kind}" style="border-left:6px solid {edge};background:{fill};'
            'padding:0.6em 1em;margin:1em 0"><p class="admonition-title" style="font-weight:bold;'
            f'margin:0">{_html.escape(title)}</p><p style="margin:0.3em 0 0 0"><b>{_html.escape(text)}</b>'
            '</p></div>')
    display({"text/html": html, "text/plain": plain}, raw=True)


def synthetic_banner(corpus: str) -> None:
    """Display a clear notice when a chapter runs on synthetic audio (nothing otherwise)."""
    if corpus != "synthetic":
        return
    banner("No real corpus was found, so this chapter runs on the SYNTHETIC corpus that ser_lib "
           "generates (a source-filter toy voice, not real speech). Set SER_DATA_ROOT to a folder "
           "with the real corpora to see real results.", title="Synthetic data")
