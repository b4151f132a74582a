"""MFCC features, stage by stage, and the paper's flat feature vector with an on-disk cache.

Stages (each separately callable, librosa's parameter names and defaults)::

    y ──preemphasis (optional)──▶ frame ──▶ apply_window ──▶ power_spectrum ──▶ apply_mel
      (n,)                       (n_fft, T)   (n_fft, T)      (1 + n_fft/2, T)   (n_mels, T)
    ──▶ power_to_db ──▶ dct ──▶ lifter  =  mfcc  (n_mfcc, T)

With ``center=True`` the number of frames is ``T = 1 + n // hop_length``: 2.5 s at 22 050 Hz
(55 125 samples) gives 108 frames. :func:`mfcc` composes the stages and equals
``librosa.feature.mfcc`` up to float32 rounding (see :data:`MFCC_ATOL`).

The paper's vector (:func:`paper_vector`) is ``[ZCR track | RMS track | MFCC frame-major]``,
``T + T + 20 T`` values (2376 for 2.5 s). :func:`extract` computes it for every (recording,
augmented version) of a corpus table, in worker processes, with a content-addressed cache.

Example
-------
>>> import numpy as np
>>> from ser_lib import features
>>> y = np.random.default_rng(0).standard_normal(55125).astype(np.float32) * 0.1
>>> features.mfcc(y).shape
(20, 108)
>>> features.paper_vector(y).shape
(2376,)
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from . import paper
from .hashing import sha256_file
from .augment import check_signal, check_sr, paper_versions, version_rng

__all__ = [
    "MFCC_ATOL", "FeatureError",
    "preemphasis", "frame", "n_frames", "window_function", "apply_window", "power_spectrum",
    "hz_to_mel", "mel_to_hz", "mel_frequencies", "fft_frequencies", "mel_filterbank", "apply_mel",
    "power_to_db", "dct", "lifter", "spectrogram", "melspectrogram", "mfcc", "mfcc_stages",
    "zcr", "rms", "paper_vector", "PaperLayout", "paper_layout", "paper_n_frames",
    "mfcc_from_paper_vector", "load_paper_clip", "clip_versions",
    "file_sha256", "cache_key", "extract", "augmentation_distances",
]

#: Absolute tolerance of :func:`mfcc` against ``librosa.feature.mfcc`` (MFCC units). librosa
#: stores the STFT as complex64 and the power/mel spectrogram as float32; we compute in float64.
#: The dB values then differ by ~1e-6 dB and the 128-term DCT adds them up: measured max
#: differences are ~1e-4 on real speech, so 2e-3 leaves a margin while catching any real bug
#: (a wrong window, padding or filter moves coefficients by 0.1-10 units).
MFCC_ATOL: float = 2e-3

FEATURE_SCHEMA = 1           # bump when the meaning of a cached vector changes


class FeatureError(RuntimeError):
    """Feature extraction failed for one file; the message names the file."""


# ============================================================================ stages
def preemphasis(y: np.ndarray, coef: float = 0.97) -> np.ndarray:
    """First-order high-pass ``y'[n] = y[n] - coef * y[n-1]`` (librosa.effects.preemphasis).

    The missing ``y[-1]`` is extrapolated linearly as ``2 y[0] - y[1]``. (librosa passes that
    value as the filter *state*, so its first output sample differs; all others are equal.)
    Not part of ``librosa.feature.mfcc`` (nor of the paper's pipeline); offered for comparison.
    Input/output: float array ``(n,)``, same dtype.
    """
    check_signal(y)
    if y.size < 2:
        raise ValueError("preemphasis needs at least 2 samples")
    prev = np.empty_like(y)
    prev[0] = 2 * y[0] - y[1]
    prev[1:] = y[:-1]
    return (y - y.dtype.type(coef) * prev).astype(y.dtype, copy=False)


def n_frames(n_samples: int, n_fft: int = paper.N_FFT, hop_length: int = paper.HOP_LENGTH, center: bool = True) -> int:
    """Number of frames :func:`frame` returns for ``n_samples`` samples."""
    if center:
        return 1 + int(n_samples) // int(hop_length)
    return 1 + (int(n_samples) - int(n_fft)) // int(hop_length)


def frame(y: np.ndarray, n_fft: int = paper.N_FFT, hop_length: int = paper.HOP_LENGTH, *, center: bool = True,
          pad_mode: str = "constant") -> np.ndarray:
    """Cut ``y`` into overlapping frames, as ``librosa.stft`` does before its FFT.

    With ``center=True`` the signal is first padded by ``n_fft // 2`` samples on both sides using
    ``np.pad(..., mode=pad_mode)``; librosa 0.11's default ``pad_mode`` is ``'constant'`` (zeros;
    it was ``'reflect'`` before 0.10), so frame ``t`` is centred on sample ``t * hop_length``.

    Parameters
    ----------
    y : float array ``(n,)``
    n_fft : frame length in samples (2048 = 93 ms at 22 050 Hz)
    hop_length : step between frames in samples (512 = 23 ms)

    Returns
    -------
    frames : array ``(n_fft, T)``, one frame per column (librosa.util.frame layout), a copy.
    """
    check_signal(y)
    n_fft, hop_length = int(n_fft), int(hop_length)
    if n_fft <= 0 or hop_length <= 0:
        raise ValueError(f"n_fft and hop_length must be positive, got {n_fft}, {hop_length}")
    if center:
        y = np.pad(y, (n_fft // 2, n_fft // 2), mode=pad_mode)
    if y.size < n_fft:
        raise ValueError(f"signal of {y.size} samples is shorter than n_fft={n_fft} (use center=True)")
    view = np.lib.stride_tricks.sliding_window_view(y, n_fft)[::hop_length]
    return np.ascontiguousarray(view.T)


def window_function(window: str | tuple | np.ndarray = "hann", n_fft: int = paper.N_FFT,
                    win_length: int | None = None) -> np.ndarray:
    """The analysis window, length ``win_length`` (default ``n_fft``), zero-padded to ``n_fft``.

    Periodic ("fftbins") form, as ``librosa.filters.get_window``; for Hann:
    ``w[k] = 0.5 - 0.5 cos(2 pi k / win_length)``. Returns float64 ``(n_fft,)``.
    """
    import scipy.signal

    win_length = int(n_fft if win_length is None else win_length)
    if not 0 < win_length <= n_fft:
        raise ValueError(f"win_length must be in (0, n_fft={n_fft}], got {win_length}")
    if isinstance(window, np.ndarray):
        w = np.asarray(window, dtype=np.float64)
        if w.shape != (win_length,):
            raise ValueError(f"window array must have shape ({win_length},), got {w.shape}")
    else:
        w = scipy.signal.get_window(window, win_length, fftbins=True).astype(np.float64)
    lpad = (n_fft - win_length) // 2
    return np.pad(w, (lpad, n_fft - win_length - lpad))


def apply_window(frames: np.ndarray, window: str | tuple | np.ndarray = "hann",
                 win_length: int | None = None) -> np.ndarray:
    """Multiply every frame (column) by the window: ``(n_fft, T) -> (n_fft, T)`` float64."""
    frames = np.asarray(frames)
    if frames.ndim != 2:
        raise ValueError(f"frames must be 2-D (n_fft, T), got shape {frames.shape}")
    w = window_function(window, frames.shape[0], win_length)
    return frames.astype(np.float64) * w[:, None]


def power_spectrum(windowed: np.ndarray, power: float = 2.0) -> np.ndarray:
    """``|rfft(frame)|^power`` per column: ``(n_fft, T) -> (1 + n_fft // 2, T)``.

    ``power=2`` gives the power spectrogram (squared amplitude, linear units), ``1`` magnitude.
    Bin ``k`` is centred on ``k * sr / n_fft`` Hz.
    """
    windowed = np.asarray(windowed)
    if windowed.ndim != 2:
        raise ValueError(f"expected (n_fft, T), got shape {windowed.shape}")
    if power <= 0:
        raise ValueError(f"power must be > 0, got {power}")
    mag = np.abs(np.fft.rfft(windowed, axis=0))
    return mag ** power if power != 1 else mag


def hz_to_mel(f, htk: bool = False):
    """Hz -> mel. Slaney (default): linear below 1 kHz (``f / (200/3)``), logarithmic above,
    ``15 + ln(f/1000) / (ln 6.4 / 27)``. HTK: ``2595 log10(1 + f / 700)``."""
    f = np.asanyarray(f, dtype=np.float64)
    if htk:
        return 2595.0 * np.log10(1.0 + f / 700.0)
    f_sp, min_log_hz, logstep = 200.0 / 3, 1000.0, np.log(6.4) / 27.0
    min_log_mel = min_log_hz / f_sp
    mels = f / f_sp
    return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-300) / min_log_hz) / logstep, mels)


def mel_to_hz(m, htk: bool = False):
    """mel -> Hz, the inverse of :func:`hz_to_mel`."""
    m = np.asanyarray(m, dtype=np.float64)
    if htk:
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)
    f_sp, min_log_hz, logstep = 200.0 / 3, 1000.0, np.log(6.4) / 27.0
    min_log_mel = min_log_hz / f_sp
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), f_sp * m)


def mel_frequencies(n_mels: int = paper.N_MELS, fmin: float = 0.0, fmax: float = paper.SR / 2, htk: bool = False) -> np.ndarray:
    """``n_mels`` frequencies (Hz) equally spaced on the mel scale from ``fmin`` to ``fmax``."""
    return mel_to_hz(np.linspace(hz_to_mel(fmin, htk), hz_to_mel(fmax, htk), int(n_mels)), htk)


def fft_frequencies(sr: float = paper.SR, n_fft: int = paper.N_FFT) -> np.ndarray:
    """Centre frequency (Hz) of each rfft bin: ``k * sr / n_fft``, shape ``(1 + n_fft // 2,)``."""
    return np.fft.rfftfreq(int(n_fft), 1.0 / float(sr))


def mel_filterbank(sr: float = paper.SR, n_fft: int = paper.N_FFT, n_mels: int = paper.N_MELS, fmin: float = 0.0,
                   fmax: float | None = None, htk: bool = False, norm: str | float | None = "slaney",
                   dtype=np.float32) -> np.ndarray:
    """Triangular mel filter bank, shape ``(n_mels, 1 + n_fft // 2)`` (as ``librosa.filters.mel``).

    Filter ``i`` rises linearly from mel point ``i`` to ``i+1`` and falls to ``i+2``, where the
    ``n_mels + 2`` points are equally spaced in mel between ``fmin`` and ``fmax`` (default
    ``sr/2``). ``norm='slaney'`` divides each triangle by half its width in Hz
    (``2 / (f[i+2] - f[i])``) so each band has about the same energy; a number ``p`` normalises
    each row to unit ``p``-norm; ``None`` leaves peak height 1.
    """
    sr = check_sr(sr)
    if n_mels <= 0 or n_fft <= 0:
        raise ValueError(f"n_mels and n_fft must be positive, got {n_mels}, {n_fft}")
    fmax = sr / 2 if fmax is None else float(fmax)
    if not 0 <= fmin < fmax:
        raise ValueError(f"need 0 <= fmin < fmax, got fmin={fmin}, fmax={fmax}")
    fftfreqs = fft_frequencies(sr, n_fft)
    mel_f = mel_frequencies(n_mels + 2, fmin, fmax, htk)
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fftfreqs[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    if norm == "slaney":
        weights *= (2.0 / (mel_f[2:n_mels + 2] - mel_f[:n_mels]))[:, None]
    elif norm is None:
        pass
    elif isinstance(norm, str):
        raise ValueError(f"unsupported norm {norm!r}")
    else:
        p = float(norm)
        length = np.sum(np.abs(weights) ** p, axis=1, keepdims=True) ** (1.0 / p) if np.isfinite(p) \
            else np.max(np.abs(weights), axis=1, keepdims=True)
        weights = weights / np.where(length > 0, length, 1.0)
    return weights.astype(dtype)


def apply_mel(S: np.ndarray, filterbank: np.ndarray) -> np.ndarray:
    """Mel spectrogram ``M = W @ S``: ``(n_mels, n_bins) @ (n_bins, T) -> (n_mels, T)``, float64."""
    S, W = np.asarray(S), np.asarray(filterbank)
    if S.ndim != 2 or W.ndim != 2 or W.shape[1] != S.shape[0]:
        raise ValueError(f"filterbank {W.shape} does not match spectrogram {S.shape}")
    return W.astype(np.float64) @ S.astype(np.float64)


def power_to_db(S: np.ndarray, ref: float = 1.0, amin: float = 1e-10, top_db: float | None = 80.0) -> np.ndarray:
    """``10 log10(max(S, amin) / ref)``, floored at ``max - top_db`` (as ``librosa.power_to_db``).

    ``S`` is a power (not amplitude) spectrogram; output has ``S``'s shape, in dB. The floor is
    taken over the whole array, so the loudest cell of a clip sets the floor for all frames.
    """
    S = np.asarray(S, dtype=np.float64)
    if amin <= 0:
        raise ValueError(f"amin must be > 0, got {amin}")
    if top_db is not None and top_db < 0:
        raise ValueError(f"top_db must be >= 0, got {top_db}")
    ref_value = np.abs(ref) if not callable(ref) else ref(np.abs(S))
    log_spec = 10.0 * np.log10(np.maximum(amin, S)) - 10.0 * np.log10(np.maximum(amin, ref_value))
    if top_db is not None:
        log_spec = np.maximum(log_spec, log_spec.max() - top_db)
    return log_spec


def dct(S_db: np.ndarray, n_mfcc: int = paper.N_MFCC, dct_type: int = 2, norm: str | None = "ortho") -> np.ndarray:
    """DCT along the mel axis, first ``n_mfcc`` coefficients: ``(n_mels, T) -> (n_mfcc, T)``.

    Type II, orthonormal:
    ``c_k = s_k sum_m S[m] cos(pi k (2m + 1) / (2 M))`` with ``s_0 = sqrt(1/M)``,
    ``s_k = sqrt(2/M)``. Coefficient 0 is the (scaled) mean log energy.
    """
    import scipy.fft

    S_db = np.asarray(S_db, dtype=np.float64)
    if not 0 < n_mfcc <= S_db.shape[0]:
        raise ValueError(f"n_mfcc must be in 1..{S_db.shape[0]} (n_mels), got {n_mfcc}")
    return scipy.fft.dct(S_db, axis=0, type=dct_type, norm=norm)[:n_mfcc]


def lifter(M: np.ndarray, lifter: float = 0) -> np.ndarray:
    """Sinusoidal liftering ``M[k] *= 1 + (L/2) sin(pi (k+1) / L)`` (``L=0``: unchanged)."""
    M = np.asarray(M, dtype=np.float64)
    if lifter < 0:
        raise ValueError(f"lifter must be >= 0, got {lifter}")
    if lifter == 0:
        return M
    k = np.arange(1, 1 + M.shape[0], dtype=np.float64)
    return M * (1.0 + (lifter / 2.0) * np.sin(np.pi * k / lifter))[:, None]


# ============================================================================ compositions
def spectrogram(y: np.ndarray, n_fft: int = paper.N_FFT, hop_length: int = paper.HOP_LENGTH, win_length: int | None = None,
                window="hann", center: bool = True, pad_mode: str = "constant", power: float = 2.0) -> np.ndarray:
    """frame -> window -> ``|rfft|^power``: ``(n,) -> (1 + n_fft // 2, T)``."""
    fr = frame(y, n_fft, hop_length, center=center, pad_mode=pad_mode)
    return power_spectrum(apply_window(fr, window, win_length), power)


def melspectrogram(y: np.ndarray, sr: float = paper.SR, n_fft: int = paper.N_FFT, hop_length: int = paper.HOP_LENGTH,
                   win_length: int | None = None, window="hann", center: bool = True,
                   pad_mode: str = "constant", power: float = 2.0, n_mels: int = paper.N_MELS, fmin: float = 0.0,
                   fmax: float | None = None, htk: bool = False, norm="slaney") -> np.ndarray:
    """Power mel spectrogram ``(n_mels, T)`` (as ``librosa.feature.melspectrogram``)."""
    S = spectrogram(y, n_fft, hop_length, win_length, window, center, pad_mode, power)
    return apply_mel(S, mel_filterbank(sr, n_fft, n_mels, fmin, fmax, htk, norm))


def mfcc_stages(y: np.ndarray, sr: float = paper.SR, n_mfcc: int = paper.N_MFCC, *, n_fft: int = paper.N_FFT,
                hop_length: int = paper.HOP_LENGTH, win_length: int | None = None, window="hann", center: bool = True,
                pad_mode: str = "constant", power: float = 2.0, n_mels: int = paper.N_MELS, fmin: float = 0.0,
                fmax: float | None = None, htk: bool = False, mel_norm="slaney", top_db: float | None = 80.0,
                dct_type: int = 2, norm: str | None = "ortho", lifter: float = 0,
                preemphasis_coef: float | None = None) -> dict[str, np.ndarray]:
    """Every intermediate of :func:`mfcc`, for plotting.

    Returns a dict: ``y`` (n,), ``frames`` (n_fft, T), ``windowed`` (n_fft, T), ``power`` (1+n_fft/2, T),
    ``filterbank`` (n_mels, 1+n_fft/2), ``mel`` (n_mels, T), ``mel_db`` (n_mels, T), ``dct`` (n_mfcc, T),
    ``mfcc`` (n_mfcc, T) (after liftering).
    """
    sr = check_sr(sr)
    check_signal(y)
    st: dict[str, np.ndarray] = {}
    st["y"] = preemphasis(y, preemphasis_coef) if preemphasis_coef else y
    st["frames"] = frame(st["y"], n_fft, hop_length, center=center, pad_mode=pad_mode)
    st["windowed"] = apply_window(st["frames"], window, win_length)
    st["power"] = power_spectrum(st["windowed"], power)
    st["filterbank"] = mel_filterbank(sr, n_fft, n_mels, fmin, fmax, htk, mel_norm)
    st["mel"] = apply_mel(st["power"], st["filterbank"])
    st["mel_db"] = power_to_db(st["mel"], top_db=top_db)
    st["dct"] = dct(st["mel_db"], n_mfcc, dct_type, norm)
    st["mfcc"] = globals()["lifter"](st["dct"], lifter)
    return st


def mfcc(y: np.ndarray, sr: float = paper.SR, n_mfcc: int = paper.N_MFCC, *, n_fft: int = paper.N_FFT, hop_length: int = paper.HOP_LENGTH,
         win_length: int | None = None, window="hann", center: bool = True, pad_mode: str = "constant",
         power: float = 2.0, n_mels: int = paper.N_MELS, fmin: float = 0.0, fmax: float | None = None,
         htk: bool = False, mel_norm="slaney", top_db: float | None = 80.0, dct_type: int = 2,
         norm: str | None = "ortho", lifter: float = 0, preemphasis_coef: float | None = None) -> np.ndarray:
    """MFCCs ``(n_mfcc, T)`` from the stages; equals ``librosa.feature.mfcc(y=y, sr=sr, ...)``
    within :data:`MFCC_ATOL` for the same parameters (``norm`` is the DCT norm, ``mel_norm``
    the filter-bank norm, as in librosa). Returns float32 like librosa.

    Example
    -------
    >>> y = np.random.default_rng(1).standard_normal(22050).astype(np.float32)
    >>> mfcc(y, 22050).shape
    (20, 44)
    """
    st = mfcc_stages(y, sr, n_mfcc, n_fft=n_fft, hop_length=hop_length, win_length=win_length,
                     window=window, center=center, pad_mode=pad_mode, power=power, n_mels=n_mels,
                     fmin=fmin, fmax=fmax, htk=htk, mel_norm=mel_norm, top_db=top_db,
                     dct_type=dct_type, norm=norm, lifter=lifter, preemphasis_coef=preemphasis_coef)
    return st["mfcc"].astype(np.float32)


def zcr(y: np.ndarray, frame_length: int = paper.N_FFT, hop_length: int = paper.HOP_LENGTH) -> np.ndarray:
    """Zero-crossing-rate track ``(T,)``: fraction of sign changes per frame
    (``librosa.feature.zero_crossing_rate``, centred frames, edge padding)."""
    import librosa

    check_signal(y)
    return librosa.feature.zero_crossing_rate(y, frame_length=frame_length, hop_length=hop_length)[0]


def rms(y: np.ndarray, frame_length: int = paper.N_FFT, hop_length: int = paper.HOP_LENGTH) -> np.ndarray:
    """Root-mean-square track ``(T,)``, ``sqrt(mean(frame^2))`` of un-windowed centred frames
    (``librosa.feature.rms``, zero padding). Same units as ``y``."""
    import librosa

    check_signal(y)
    return librosa.feature.rms(y=y, frame_length=frame_length, hop_length=hop_length)[0]


_CONTROLLER = None


def _single_thread():
    """Context: BLAS limited to one thread. Matrix products (the mel projection) round
    differently with 1 or 2 OpenBLAS threads (~1e-6), so without this a vector computed in a
    worker would not be bit-identical to one computed here."""
    global _CONTROLLER
    try:
        if _CONTROLLER is None:
            from threadpoolctl import ThreadpoolController

            _CONTROLLER = ThreadpoolController()
        return _CONTROLLER.limit(limits=1, user_api="blas")
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        import contextlib

        return contextlib.nullcontext()


def paper_vector(y: np.ndarray, sr: float = paper.SR) -> np.ndarray:
    """The released code's feature vector of one clip, 1-D float32 of length ``22 T``.

    ``concat(ZCR (T,), RMS (T,), librosa.feature.mfcc(y=y, sr=sr).T.ravel() (20 T,))``: the MFCC
    block is *frame-major* (20 coefficients of frame 0, then of frame 1, ...). A 2.5 s clip at
    22 050 Hz has T = 108 frames, hence 2376 values. Uses librosa's own ``mfcc`` (what the
    released code computed; BLAS is held to one thread so the result is deterministic); :func:`mfcc` agrees with it within :data:`MFCC_ATOL`.
    See :func:`paper_layout` for which index is what.
    """
    import librosa

    check_signal(y)
    sr = check_sr(sr)
    y = y.astype(np.float32, copy=False)
    with _single_thread():  # bit-identical whatever the caller's thread settings
        m = librosa.feature.mfcc(y=y, sr=sr)
    return np.concatenate([zcr(y), rms(y), m.T.ravel()]).astype(np.float32)


@dataclass(frozen=True)
class PaperLayout:
    """Which index of the paper vector holds what (``n_frames`` T, ``n_mfcc`` coefficients).

    Blocks: ``zcr`` = ``[0, T)``, ``rms`` = ``[T, 2T)``, ``mfcc`` = ``[2T, 2T + n_mfcc T)`` with
    index ``2T + t * n_mfcc + k`` holding coefficient ``k`` of frame ``t``.
    """

    n_frames: int
    n_mfcc: int = paper.N_MFCC

    @property
    def length(self) -> int:
        return self.n_frames * (2 + self.n_mfcc)

    @property
    def blocks(self) -> dict[str, slice]:
        T = self.n_frames
        return {"zcr": slice(0, T), "rms": slice(T, 2 * T), "mfcc": slice(2 * T, self.length)}

    def describe(self, i: int) -> tuple[str, int, int | None]:
        """``(block, frame, coefficient)`` of index ``i`` (coefficient is None for zcr/rms)."""
        T = self.n_frames
        if not 0 <= i < self.length:
            raise IndexError(f"index {i} outside a vector of length {self.length}")
        if i < T:
            return ("zcr", i, None)
        if i < 2 * T:
            return ("rms", i - T, None)
        j = i - 2 * T
        return ("mfcc", j // self.n_mfcc, j % self.n_mfcc)

    def index_table(self):
        """DataFrame with one row per index: ``index, block, frame, coefficient, time_s``
        (``time_s`` = frame centre at 512-sample hops, 22 050 Hz)."""
        import pandas as pd

        T, K = self.n_frames, self.n_mfcc
        blocks = np.array(["zcr"] * T + ["rms"] * T + ["mfcc"] * (K * T))
        frames = np.concatenate([np.arange(T), np.arange(T), np.repeat(np.arange(T), K)])
        coef = np.concatenate([np.full(2 * T, -1), np.tile(np.arange(K), T)])
        return pd.DataFrame({"index": np.arange(self.length), "block": blocks, "frame": frames,
                             "coefficient": coef, "time_s": frames * paper.HOP_LENGTH / paper.SR})

    def mfcc_index(self, frame: int, coefficient: int) -> int:
        """Index of MFCC coefficient ``coefficient`` of frame ``frame``."""
        return 2 * self.n_frames + int(frame) * self.n_mfcc + int(coefficient)


def paper_layout(n_frames: int = paper.N_FRAMES, n_mfcc: int = paper.N_MFCC) -> PaperLayout:
    """Layout of a paper vector with ``n_frames`` frames (see :class:`PaperLayout`).

    >>> paper_layout(108).blocks["mfcc"]
    slice(216, 2376, None)
    """
    if int(n_frames) <= 0:
        raise ValueError(f"n_frames must be positive, got {n_frames}")
    return PaperLayout(int(n_frames), int(n_mfcc))


def paper_n_frames(length: int, n_mfcc: int = paper.N_MFCC) -> int:
    """Frames T of an (unpadded) paper vector of ``length = (2 + n_mfcc) T`` values."""
    if length % (2 + n_mfcc):
        raise ValueError(f"length {length} is not a multiple of {2 + n_mfcc}")
    return length // (2 + n_mfcc)


def mfcc_from_paper_vector(v: np.ndarray, n_mfcc: int = paper.N_MFCC, pad_to: int | None = paper.N_FRAMES) -> np.ndarray:
    """Recover the MFCC matrix ``(n_mfcc, T)`` from an unpadded paper vector; zero-pad (right)
    to ``pad_to`` frames when given (longer inputs are kept whole)."""
    v = np.asarray(v)
    T = paper_n_frames(v.size, n_mfcc)
    m = v[2 * T:].reshape(T, n_mfcc).T
    if pad_to is not None and T < pad_to:
        m = np.pad(m, ((0, 0), (0, pad_to - T)))
    return np.ascontiguousarray(m, dtype=np.float32)


# ============================================================================ loading and versions
def load_paper_clip(path, sr: int = paper.SR, offset: float = paper.OFFSET,
                    duration: float | None = paper.DURATION) -> np.ndarray:
    """Load a clip like the released code: ``librosa.load(path, duration=2.5, offset=0.6)``.

    Mono float32 at ``sr`` Hz, **no padding** (a short file gives a short clip, hence fewer frames).
    Uses :func:`ser_lib.audio.load` when available. Raises ``ValueError`` naming the file when
    nothing is left after ``offset``.
    """
    try:
        from .audio import load as _load
    except ImportError:  # pragma: no cover - ser_lib.audio is written concurrently
        _load = None
    if _load is not None:
        y, _ = _load(path, sr=sr, offset=offset, duration=duration)
    else:  # pragma: no cover
        import librosa

        y, _ = librosa.load(path, sr=sr, offset=offset, duration=duration, mono=True)
    y = np.asarray(y, dtype=np.float32)
    if y.size == 0:
        raise ValueError(f"{path}: no audio after offset {offset} s")
    return y


def clip_versions(path, recording_id: str | None = None, versions: Sequence[str] = paper.VERSIONS,
                  seed: int = 0, *, sr: int = paper.SR, offset: float = paper.OFFSET,
                  duration: float | None = paper.DURATION, n_steps: float = paper.PITCH_STEPS,
                  noise_factor: float = paper.NOISE_FACTOR, noise_reference: str = "max") -> dict[str, np.ndarray]:
    """The augmented clips :func:`extract` uses for one file: ``{version: y (n,)}``.

    Noise is drawn from :func:`ser_lib.augment.version_rng` ``(seed, recording_id, version)``
    (``recording_id`` defaults to the file name), so a chapter can listen to exactly what was fed
    to the model.
    """
    rid = str(recording_id) if recording_id is not None else Path(path).stem
    y = load_paper_clip(path, sr, offset, duration)
    rngs = {v: version_rng(seed, rid, v) for v in versions}
    return paper_versions(y, sr, rngs, n_steps, factor=noise_factor, reference=noise_reference,
                          versions=versions)


# ============================================================================ cache


def file_sha256(path) -> str:
    """SHA-256 of a file's bytes (memoised per process): :func:`ser_lib.hashing.sha256_file`."""
    return sha256_file(path)


@functools.lru_cache(maxsize=1)
def _lib_versions() -> dict[str, str | None]:
    out = {}
    for pkg in ("librosa", "numpy", "soxr", "scipy"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:  # pragma: no cover
            out[pkg] = None
    return out


def cache_key(content_sha256: str, recording_id: str, version: str, seed: int, params: dict[str, Any]) -> str:
    """Hex key of one cached paper vector: file content, recording id (seeds the noise), version,
    seed, every loading/augmentation/feature parameter, library versions and the schema number."""
    material = {"schema": FEATURE_SCHEMA, "sha256": content_sha256, "recording_id": str(recording_id),
                "version": version, "seed": int(seed), "params": params, "libs": dict(_lib_versions())}
    return hashlib.sha256(json.dumps(material, sort_keys=True, default=str).encode()).hexdigest()


def _cache_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / key[:2] / f"{key}.npy"


def _cache_read(path: Path) -> np.ndarray | None:
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError):
        return None


def _cache_write(path: Path, arr: np.ndarray) -> None:
    """Atomic write: a temporary file in the same folder, then ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".npy")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.save(fh, arr, allow_pickle=False)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _work(task: dict) -> dict:
    """Worker: compute (and cache) the missing versions of one recording. Never raises: errors
    are returned as text so the parent can name the file."""
    try:
        vecs = {}
        clips = clip_versions(task["path"], task["recording_id"], task["versions"], task["seed"],
                              **task["clip_params"])
        for v in task["versions"]:
            vec = paper_vector(clips[v], task["clip_params"]["sr"])
            if task["cache_paths"] is not None:
                _cache_write(Path(task["cache_paths"][v]), vec)
            vecs[v] = vec
        return {"index": task["index"], "vectors": vecs}
    except Exception as exc:  # noqa: BLE001 - reported with the file name by the parent
        return {"index": task["index"], "error": f"{type(exc).__name__}: {exc}"}


def _init_worker() -> None:  # pragma: no cover - runs in worker processes
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:
        pass


def extract(table, kind: str = "paper", versions: Sequence[str] = paper.VERSIONS, seed: int = 0,
            n_jobs: int = 2, cache: bool = True, progress: bool = True, *, cache_dir=None,
            sr: int = paper.SR, offset: float = paper.OFFSET, duration: float | None = paper.DURATION,
            n_steps: float = paper.PITCH_STEPS, noise_factor: float = paper.NOISE_FACTOR,
            noise_reference: str = "max"):
    """Features for every (recording, version) of a corpus table.

    Parameters
    ----------
    table : DataFrame with at least ``path`` (and normally ``recording_id``; see
        :func:`ser_lib.corpora.scan`)
    kind : ``'paper'`` -> ``X`` float32 ``(rows, L)``: paper vectors zero-padded on the right to
        the longest row (the released code's ``fillna(0)``; L = 2376 when every clip is 2.5 s);
        ``'mfcc'`` -> ``X`` float32 ``(rows, 20, 108)``: the MFCC block of the same vectors,
        reshaped frame-major -> ``(20, T)`` and zero-padded in time.
    versions : subset of ``('original', 'noise', 'pitch', 'pitch_noise')``
    seed : augmentation seed; noise for a clip depends only on ``(seed, recording_id, version)``
    n_jobs : worker processes (1 = in this process)
    cache : read/write the cache in ``cache_dir`` (default ``config.cache_root()/features``); one
        ``.npy`` per (file content, recording id, version, seed, parameters, library versions).
        Both kinds share it, so pitch shifting is done once per clip.
    progress : tqdm progress bar
    sr, offset, duration : loading (22 050 Hz, 0.6 s, 2.5 s as the paper; no padding)
    n_steps, noise_factor, noise_reference : augmentation (see :mod:`ser_lib.augment`)

    Returns
    -------
    X : ndarray (see ``kind``)
    meta : DataFrame, one row per (recording, version) in table order then ``versions`` order, with
        the table's columns plus ``version`` (and ``n_frames``: frames before padding).

    Raises
    ------
    FeatureError naming the file when one fails (work done so far stays in the cache).

    Example
    -------
    >>> from ser_lib import corpora, features            # doctest: +SKIP
    >>> name, table = corpora.default_corpus()            # doctest: +SKIP
    >>> X, meta = features.extract(table.head(8), kind="mfcc", versions=("original",))  # doctest: +SKIP
    """
    import pandas as pd
    from tqdm.auto import tqdm

    from .config import cache_root

    if kind not in ("paper", "mfcc"):
        raise ValueError(f"kind must be 'paper' or 'mfcc', got {kind!r}")
    versions = tuple(versions)
    if not versions:
        raise ValueError("versions is empty")
    bad = [v for v in versions if v not in paper.VERSIONS]
    if bad:
        raise ValueError(f"unknown version(s) {bad}; choose from {paper.VERSIONS}")
    if len(set(versions)) != len(versions):
        raise ValueError(f"duplicate versions in {versions}")
    if "path" not in getattr(table, "columns", ()):
        raise ValueError("table must be a DataFrame with a 'path' column (see ser_lib.corpora.scan)")
    if len(table) == 0:
        raise ValueError("table is empty")
    n_jobs = max(1, int(n_jobs))
    table = table.reset_index(drop=True)
    rids = (table["recording_id"].astype(str) if "recording_id" in table.columns
            else table["path"].map(lambda p: Path(p).stem))
    clip_params = {"sr": int(sr), "offset": float(offset),
                   "duration": None if duration is None else float(duration), "n_steps": float(n_steps),
                   "noise_factor": float(noise_factor), "noise_reference": str(noise_reference)}
    key_params = {**clip_params,  # the string is part of the cache key: keep it byte for byte
                  "features": f"zcr+rms+mfcc(librosa defaults) frame {paper.N_FFT} hop {paper.HOP_LENGTH}"}
    cdir = Path(cache_dir) if cache_dir is not None else cache_root() / "features"

    results: list[dict[str, np.ndarray] | None] = [None] * len(table)
    tasks = []
    bar = tqdm(total=len(table), desc=f"features ({kind})", unit="file", disable=not progress)
    try:
        for i, (path, rid) in enumerate(zip(table["path"], rids)):
            if not Path(path).is_file():
                raise FeatureError(f"{path}: file not found")
            cache_paths = None
            if cache:
                try:
                    sha = file_sha256(path)
                except OSError as exc:
                    raise FeatureError(f"{path}: cannot read ({exc})") from exc
                cache_paths = {v: str(_cache_path(cdir, cache_key(sha, rid, v, seed, key_params)))
                               for v in versions}
                hit = {v: _cache_read(Path(p)) for v, p in cache_paths.items()}
                if all(a is not None for a in hit.values()):
                    results[i] = hit
                    bar.update(1)
                    continue
            tasks.append({"index": i, "path": str(path), "recording_id": rid, "versions": versions,
                          "seed": int(seed), "clip_params": clip_params, "cache_paths": cache_paths})

        def _take(res):
            if "error" in res:
                raise FeatureError(f"{table['path'][res['index']]}: {res['error']}")
            results[res["index"]] = res["vectors"]
            bar.update(1)

        if n_jobs == 1 or len(tasks) <= 1:
            for t in tasks:
                _take(_work(t))
        else:
            import multiprocessing as mp

            method = os.environ.get("SER_MP_START", "fork" if "fork" in mp.get_all_start_methods() else "spawn")
            with ProcessPoolExecutor(max_workers=min(n_jobs, len(tasks)), mp_context=mp.get_context(method),
                                     initializer=_init_worker) as ex:
                pending = {ex.submit(_work, t) for t in tasks}
                try:
                    while pending:
                        done, pending = wait(pending, return_when=FIRST_COMPLETED)
                        for f in done:
                            _take(f.result())
                except BaseException:
                    for f in pending:
                        f.cancel()
                    raise
    finally:
        bar.close()

    rows, vecs = [], []
    records = table.to_dict("records")
    for i, rec in enumerate(records):
        for v in versions:
            vec = results[i][v]
            rows.append({**rec, "version": v, "n_frames": paper_n_frames(vec.size)})
            vecs.append(vec)
    meta = pd.DataFrame(rows)
    if kind == "paper":
        L = max(v.size for v in vecs)
        X = np.zeros((len(vecs), L), dtype=np.float32)
        for j, v in enumerate(vecs):
            X[j, :v.size] = v
    else:
        T = max(paper.N_FRAMES, max(paper_n_frames(v.size) for v in vecs))
        X = np.zeros((len(vecs), paper.N_MFCC, T), dtype=np.float32)
        for j, v in enumerate(vecs):
            m = mfcc_from_paper_vector(v, pad_to=None)
            X[j, :, :m.shape[1]] = m
    return X, meta


# ============================================================================ how far is a copy?
def augmentation_distances(table, n_pairs: int = 40, seed: int = 0, *, versions: Sequence[str] = paper.VERSIONS,
                           n_jobs: int = 2, progress: bool = False, cache: bool = True, **extract_kwargs):
    """How far each augmented copy stays from its original in MFCC space, compared with another
    recording of the same emotion by the same speaker and by another speaker.

    ``n_pairs`` recordings are drawn (``seed``) from ``table``; for each, one partner recording of
    the same emotion from the same speaker (a different ``recording_id``) and one from another
    speaker are drawn when they exist. Features come from :func:`extract` (``kind='mfcc'``, the
    cache shared with the reproduction), distances from
    :func:`ser_lib.augment.mfcc_matrix_distance` (mean per-frame Euclidean distance, same frame
    positions, as the flat vector compares them).

    Returns
    -------
    DataFrame with one row per (recording, comparison): ``recording_id, speaker, emotion,
    comparison, distance``; comparisons are the augmented versions (``'noise'``, ``'pitch'``,
    ``'pitch_noise'``) and ``'same speaker, other recording'``, ``'other speaker'``.
    """
    import pandas as pd

    from .augment import mfcc_matrix_distance

    need = {"path", "recording_id", "speaker", "emotion"}
    if not need <= set(table.columns):
        raise ValueError(f"table needs columns {sorted(need)}")
    if n_pairs <= 0:
        raise ValueError(f"n_pairs must be positive, got {n_pairs}")
    rng = np.random.default_rng(seed)
    table = table.reset_index(drop=True)
    picks = rng.choice(len(table), size=min(n_pairs, len(table)), replace=False)
    plan = []
    for i in picks:
        r = table.iloc[i]
        same = table[(table.emotion == r.emotion) & (table.speaker == r.speaker) & (table.recording_id != r.recording_id)]
        other = table[(table.emotion == r.emotion) & (table.speaker != r.speaker)]
        plan.append((i, same.index[rng.integers(len(same))] if len(same) else None,
                     other.index[rng.integers(len(other))] if len(other) else None))
    partners = sorted({j for _, a, b in plan for j in (a, b) if j is not None} - {int(i) for i in picks})
    versions = tuple(dict.fromkeys(("original", *versions)))
    sub = table.loc[sorted({int(i) for i in picks}) + partners].reset_index()
    X, meta = extract(sub, kind="mfcc", versions=versions, seed=seed, n_jobs=n_jobs, cache=cache,
                      progress=progress, **extract_kwargs)
    pos = {(int(o), v): k for k, (o, v) in enumerate(zip(meta["index"], meta["version"]))}

    def mat(i, v):
        k = pos[(int(i), v)]
        return X[k][:, : int(meta["n_frames"][k])]

    rows = []
    for i, a, b in plan:
        r = table.iloc[i]
        base = {"recording_id": r.recording_id, "speaker": r.speaker, "emotion": r.emotion}
        o = mat(i, "original")
        for v in versions:
            if v != "original":
                rows.append({**base, "comparison": v, "distance": mfcc_matrix_distance(o, mat(i, v))})
        for label, j in (("same speaker, other recording", a), ("other speaker", b)):
            if j is not None:
                rows.append({**base, "comparison": label, "distance": mfcc_matrix_distance(o, mat(j, "original"))})
    return pd.DataFrame(rows)
