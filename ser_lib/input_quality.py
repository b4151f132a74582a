"""Is this input something an emotion model can say anything about? Checks run before a prediction.

:func:`screen` looks at a loaded signal and returns :class:`Issue` s, each with a plain-language
message:

=================  ========  ===========================================================================
code               severity  when
=================  ========  ===========================================================================
``too_short``      error     less than :data:`MIN_DURATION_S` (0.5 s) of audio
``silent``         error     peak below :data:`SILENT_DBFS` (-60 dBFS): nothing to hear
``short``          warning   less than :data:`SHORT_WARNING_S` (1 s): the model reads 2.5 s windows
``clipped``        warning   more than :data:`CLIP_FRACTION` (0.1 %) of the samples sit in runs of
                             3 or more at the peak value (the waveform was cut off)
``not_speech``     warning   the sound is noise-like (median spectral flatness above
                             :data:`NOISE_FLATNESS`, or under :data:`MIN_VOICED` of the loud frames
                             periodic at a voice pitch) or steady (loudness range below
                             :data:`MIN_RANGE_DB`: a tone, hum or constant noise)
``mostly_silent``  warning   under :data:`MIN_ACTIVE` of the frames within 30 dB of the loudest
=================  ========  ===========================================================================

An error means no label is given; a warning means the label is shown as unreliable. The
thresholds were set on 60 recordings of each corpus of the book (EMO-DB, SAVEE, EMOVO, RAVDESS,
TESS), the synthetic corpus and generated non-speech (sine, square wave, chirp, hum, white noise,
clicks, noise bursts); ``scripts/check_input_quality.py`` measures how often each check fires on
them (``results/pretrained/input_checks.json``). None of the corpora's recordings looks like
non-speech; some SAVEE recordings *are* clipped (peaks held at full scale for up to 1 % of the
samples), and are flagged. The checks are heuristics: a whisper can look noise-like, a sung vowel
steady.

Frame statistics use the book's analysis frames (2048 samples, hop 512, at 22 050 Hz).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import paper

__all__ = ["Issue", "Screening", "screen", "frame_levels", "speech_stats", "clipped_fraction",
           "MIN_DURATION_S", "SHORT_WARNING_S", "SILENT_DBFS", "CLIP_FRACTION", "NOISE_FLATNESS", "MIN_VOICED",
           "MIN_RANGE_DB", "MIN_ACTIVE", "ACTIVE_DB"]

MIN_DURATION_S = 0.5
SHORT_WARNING_S = 1.0
SILENT_DBFS = -60.0
CLIP_FRACTION = 1e-3
CLIP_RUN = 3
NOISE_FLATNESS = 0.3
MIN_VOICED = 0.1
MIN_RANGE_DB = 6.0
MIN_ACTIVE = 0.1
#: A frame is "active" when its RMS is within this many dB of the loudest frame (and above -60 dBFS).
ACTIVE_DB = 30.0


@dataclass(frozen=True)
class Issue:
    """One finding: ``code`` (see the module table), ``severity`` (``"error"`` or ``"warning"``), ``message``."""

    code: str
    severity: str
    message: str


@dataclass
class Screening:
    """What :func:`screen` found: the issues and the statistics they were decided on."""

    issues: list = field(default_factory=list)
    stats: dict = field(default_factory=dict)

    @property
    def usable(self) -> bool:
        """No error: a prediction can be made."""
        return not any(i.severity == "error" for i in self.issues)

    @property
    def reliable(self) -> bool:
        """No issue at all."""
        return not self.issues

    def messages(self) -> list[str]:
        return [i.message for i in self.issues]


def clipped_fraction(y: np.ndarray, run: int = CLIP_RUN) -> float:
    """Share of the samples of ``y`` (1-D) lying in runs of ``run`` or more consecutive samples
    whose magnitude is within 0.1 % of the peak magnitude (flat tops of a clipped waveform)."""
    a = np.abs(np.asarray(y, np.float64))
    if a.size == 0:
        return 0.0
    peak = a.max()
    if peak <= 0:
        return 0.0
    at = a >= 0.999 * peak
    if not at.any():
        return 0.0
    # lengths of runs of True
    edges = np.diff(np.r_[0, at.astype(np.int8), 0])
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    lengths = ends - starts
    return float(lengths[lengths >= run].sum() / a.size)


def frame_levels(y: np.ndarray, n_fft: int = paper.N_FFT, hop: int = paper.HOP_LENGTH) -> np.ndarray:
    """RMS level of each analysis frame in dBFS, ``(T,)`` (librosa's centred frames)."""
    import librosa

    rms = librosa.feature.rms(y=np.asarray(y, np.float32), frame_length=n_fft, hop_length=hop)[0]
    return 20 * np.log10(rms + 1e-10)


def active_frames(db: np.ndarray) -> np.ndarray:
    """Boolean ``(T,)``: frames within :data:`ACTIVE_DB` dB of the loudest and above -60 dBFS."""
    db = np.asarray(db)
    return (db > db.max() - ACTIVE_DB) & (db > SILENT_DBFS)


def speech_stats(y: np.ndarray, sr: int = paper.SR) -> dict:
    """Frame statistics of a signal ``y`` (1-D, at ``sr`` Hz; 22 050 Hz is what they were tuned at).

    Returns ``peak_dbfs``, ``active_fraction`` (frames within 30 dB of the loudest),
    ``flatness`` (median spectral flatness of active frames; white noise ≈ 0.5, speech < 0.05),
    ``voiced_fraction`` (active frames whose normalised autocorrelation peaks above 0.5 at a lag
    of 2-16.7 ms, i.e. a pitch of 60-500 Hz), ``range_db`` (95th minus 10th percentile of frame levels).
    """
    import librosa

    y = np.asarray(y, np.float32)
    n_fft, hop = paper.N_FFT, paper.HOP_LENGTH
    S = np.abs(librosa.stft(y, n_fft=n_fft, hop_length=hop))
    db = 20 * np.log10(librosa.feature.rms(S=S, frame_length=n_fft)[0] + 1e-10)
    act = active_frames(db)
    flat = librosa.feature.spectral_flatness(S=S)[0]
    frames = librosa.util.frame(np.pad(y, (n_fft // 2, n_fft // 2)), frame_length=n_fft, hop_length=hop)[:, :len(db)]
    frames = frames - frames.mean(0)
    ac = np.fft.irfft(np.abs(np.fft.rfft(frames, n=2 * n_fft, axis=0)) ** 2, axis=0)[:n_fft]
    ac = ac / (ac[:1] + 1e-12)
    lo, hi = int(sr / 500), int(sr / 60)
    periodic = ac[lo:hi].max(0) > 0.5
    return {"peak_dbfs": float(20 * np.log10(np.abs(y).max() + 1e-12)),
            "active_fraction": float(act.mean()),
            "flatness": float(np.median(flat[act])) if act.any() else float("nan"),
            "voiced_fraction": float(periodic[act].mean()) if act.any() else 0.0,
            "range_db": float(np.percentile(db, 95) - np.percentile(db, 10))}


def screen(y: np.ndarray, sr: int, *, y_native: np.ndarray | None = None) -> Screening:
    """Check a mono signal ``y`` (float, at ``sr`` Hz) before predicting.

    ``y_native``: the same audio at the file's own rate, for the clipping check (resampling
    smooths flat tops away); default ``y``. Returns a :class:`Screening`.
    """
    y = np.asarray(y, np.float32)
    out = Screening()
    dur = y.size / float(sr)
    peak = float(np.abs(y).max()) if y.size else 0.0
    out.stats["duration_s"] = dur
    out.stats["peak_dbfs"] = float(20 * np.log10(peak + 1e-12))
    if dur < MIN_DURATION_S:
        out.issues.append(Issue("too_short", "error",
                                f"too short: {dur * 1000:.0f} ms of audio; the model needs at least "
                                f"{MIN_DURATION_S:g} s (it reads {paper.DURATION:g} s windows). Record a longer clip."))
        return out
    if out.stats["peak_dbfs"] < SILENT_DBFS:
        out.issues.append(Issue("silent", "error",
                                f"silent or nearly silent: the loudest sample is at {out.stats['peak_dbfs']:.0f} dBFS "
                                f"(below {SILENT_DBFS:g} dBFS). Check the microphone and the recording level."))
        return out
    if dur < SHORT_WARNING_S:
        out.issues.append(Issue("short", "warning",
                                f"short: {dur:.2f} s of audio, padded to the model's {paper.DURATION:g} s window; "
                                "there is little to go on."))
    cf = clipped_fraction(y if y_native is None else y_native)
    out.stats["clipped_fraction"] = cf
    if cf > CLIP_FRACTION:
        out.issues.append(Issue("clipped", "warning",
                                f"clipped: {100 * cf:.1f} % of the samples sit flat at the peak (the recording "
                                "level was too high). Clipping adds harsh overtones that can read as anger; "
                                "record again with a lower input gain."))
    st = speech_stats(y, sr)
    out.stats.update({k: v for k, v in st.items() if k != "peak_dbfs"})
    noise_like = (st["flatness"] > NOISE_FLATNESS) or (st["voiced_fraction"] < MIN_VOICED)
    steady = st["range_db"] < MIN_RANGE_DB
    if noise_like or steady:
        kind = "noise-like (no voice pitch)" if noise_like else "steady (a tone, hum or constant noise)"
        out.issues.append(Issue("not_speech", "warning",
                                f"does not look like speech: the sound is {kind} (flatness {st['flatness']:.2f}, "
                                f"voiced frames {100 * st['voiced_fraction']:.0f} %, loudness range "
                                f"{st['range_db']:.0f} dB). The model was trained on acted speech only; its "
                                "output for other sounds means nothing."))
    elif st["active_fraction"] < MIN_ACTIVE:
        out.issues.append(Issue("mostly_silent", "warning",
                                f"mostly silent: only {100 * st['active_fraction']:.0f} % of the frames are within "
                                f"{ACTIVE_DB:g} dB of the loudest."))
    return out
