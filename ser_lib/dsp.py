"""The MFCC pipeline stage by stage (the book's chapter 2), each stage separately callable.

Librosa's parameter names and defaults::

    y ──preemphasis (optional)──▶ frame ──▶ apply_window ──▶ power_spectrum ──▶ apply_mel
      (n,)                       (n_fft, T)   (n_fft, T)      (1 + n_fft/2, T)   (n_mels, T)
    ──▶ power_to_db ──▶ dct ──▶ lifter  =  mfcc  (n_mfcc, T)

With ``center=True`` the number of frames is ``T = 1 + n // hop_length``: 2.5 s at 22 050 Hz
(55 125 samples) gives 108 frames. :func:`mfcc` composes the stages and equals
``librosa.feature.mfcc`` up to float32 rounding (see :data:`MFCC_ATOL`); :func:`mfcc_stages`
returns every intermediate for plotting. :func:`zcr` and :func:`rms` are the two other tracks of
the paper's vector (:func:`ser_lib.features.paper_vector`).

Example
-------
>>> import numpy as np
>>> from ser_lib import dsp
>>> y = np.random.default_rng(0).standard_normal(55125).astype(np.float32) * 0.1
>>> dsp.mfcc(y).shape
(20, 108)
"""
from __future__ import annotations

import numpy as np

from . import paper
from .augment import check_signal, check_sr

__all__ = [
    "MFCC_ATOL",
    "preemphasis", "frame", "n_frames", "window_function", "apply_window", "power_spectrum",
    "hz_to_mel", "mel_to_hz", "mel_frequencies", "fft_frequencies", "mel_filterbank", "apply_mel",
    "power_to_db", "dct", "lifter", "spectrogram", "melspectrogram", "mfcc", "mfcc_stages",
    "zcr", "rms",
]

#: Absolute tolerance of :func:`mfcc` against ``librosa.feature.mfcc`` (MFCC units). librosa
#: stores the STFT as complex64 and the power/mel spectrogram as float32; we compute in float64.
#: The dB values then differ by ~1e-6 dB and the 128-term DCT adds them up: measured max
#: differences are ~1e-4 on real speech, so 2e-3 leaves a margin while catching any real bug
#: (a wrong window, padding or filter moves coefficients by 0.1-10 units).
MFCC_ATOL: float = 2e-3


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

