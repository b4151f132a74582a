"""Audio loading with validation.

:func:`load` reads any file libsndfile can read (WAV, FLAC, AIFF, OGG, ...), deciding the format
from the file's *content*, not its extension (a FLAC or AIFF file named ``.wav`` loads fine),
downmixes to mono by averaging the channels and resamples with soxr (``soxr_hq``) -- exactly what
``librosa.load(path, sr=sr, offset=offset, duration=duration)`` does with its defaults, so both
agree to within 1e-5. Unlike ``librosa.load`` it refuses bad input loudly, with an
:class:`AudioError` that names the file and says what to do: missing or unreadable files, zero
samples (or an offset past the end), silent-only clips, non-finite samples and samples so large
(|y| > :data:`MAX_ABS_SAMPLE`, a corrupt float file) that the features would overflow. A
*truncated* file (its header declares more audio than it holds) is loaded as far as it goes with a
:class:`~ser_lib.errors.TruncatedAudioWarning` naming it; an offset past its real end is an error
that says the file is truncated. Arguments are checked too: ``sr`` must be a whole number of Hz
in ``[MIN_SR, MAX_SR]`` (a string or ``1e9`` is refused before any memory is allocated).

:func:`load_clip` returns a fixed-length window (the paper reads 2.5 s starting at 0.6 s) zero
padded at the end when the file is shorter, and reports how much of it is real audio.

Example
-------
>>> from ser_lib import audio                                   # doctest: +SKIP
>>> y, sr = audio.load("wav/03a01Fa.wav", sr=22050)            # doctest: +SKIP
>>> clip = audio.load_clip("wav/03a01Fa.wav", offset=0.6, duration=2.5)  # doctest: +SKIP
>>> clip.y.shape, clip.padded                                  # doctest: +SKIP
((55125,), False)
"""
from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import paper
from .errors import AudioArgumentError, AudioError, TruncatedAudioWarning, check_number

__all__ = ["AudioError", "Clip", "load", "load_clip", "info", "SILENCE_THRESHOLD", "MAX_ABS_SAMPLE",
           "MIN_SR", "MAX_SR", "declared_duration"]

#: A clip whose samples all have ``|y| < SILENCE_THRESHOLD`` is considered silent.
SILENCE_THRESHOLD = 1e-8
#: Samples of a float file beyond this magnitude are refused: audio is scaled to [-1, 1] (integer
#: PCM read unscaled stays below 2^31 ~ 2e9 only in a broken writer), and at ~1e15 the float32
#: power spectrum overflows, so the features would be inf/NaN.
MAX_ABS_SAMPLE = 1e6
#: Bounds of a target sampling rate in Hz (below, no speech band survives; above, no audio format).
MIN_SR, MAX_SR = 1_000, 384_000

_CHUNK_RE = re.compile(r"^(data|SSND)\s*:\s*(\d+)\s*\(should be (\d+)\)", re.M)


@dataclass(frozen=True)
class Clip:
    """A fixed-length mono window of one file.

    Attributes
    ----------
    y : float32 array, shape ``(round(duration * sr),)``; zero-padded at the end if the file is short
    sr : sampling rate in Hz
    n_valid : number of real (not padded) samples at the start of ``y``
    padded : True when ``n_valid < len(y)``
    path : the file it came from
    """

    y: np.ndarray
    sr: int
    n_valid: int
    padded: bool
    path: Path

    @property
    def duration(self) -> float:
        """Length of ``y`` in seconds (including padding)."""
        return len(self.y) / self.sr


def _check_args(sr, offset, duration) -> None:
    if sr is not None:
        check_number(sr, "sr", low=MIN_SR, high=MAX_SR, integer=True, error=AudioArgumentError,
                     hint="a sampling rate in Hz such as 22050 (an int, not a string), or None for the file's own")
    check_number(offset, "offset", low=0, error=AudioArgumentError, hint="seconds from the start of the file")
    if duration is not None:
        check_number(duration, "duration", low=0, low_open=True, error=AudioArgumentError,
                     hint="seconds to read, or None for 'to the end'")


def declared_duration(sf_file) -> float | None:
    """Seconds of audio the header of an open ``soundfile.SoundFile`` declares when it declares
    *more* than the file holds (a truncated copy; from libsndfile's log), else None."""
    try:
        log = sf_file.extra_info
    except Exception:  # noqa: BLE001 - no log: nothing to say
        return None
    m = _CHUNK_RE.search(log or "")
    if not m:
        return None
    declared, present = int(m.group(2)), int(m.group(3))
    if present <= 0 or declared <= present:
        return None
    return sf_file.frames * declared / present / sf_file.samplerate


def _truncated_text(path, declared: float, present: float) -> str:
    return (f"{path}: truncated: its header declares {declared:.3f} s of audio but only {present:.3f} s "
            f"are present (an interrupted copy or download). Re-download it "
            f"(`python -m ser_lib.corpora verify <corpus>` lists damaged files) or drop it from the table.")


def info(path: str | os.PathLike):
    """Header information (``soundfile.info``): samplerate, channels, frames, duration, format.

    Fast (reads the header only). Raises :class:`AudioError` for missing or unreadable files.
    """
    import soundfile as sf

    path = Path(path)
    if not path.is_file():
        raise AudioError(f"{path}: no such file (or not a regular file). Check the path (and SER_DATA_ROOT).")
    try:
        return sf.info(str(path))
    except Exception as exc:  # libsndfile raises LibsndfileError / RuntimeError
        raise AudioError(f"{path}: not a readable audio file ({exc}). Re-download or re-extract it; "
                         f"supported containers are those of libsndfile (WAV, FLAC, AIFF, OGG, ...).") from exc


def load(path: str | os.PathLike, sr: int | None = paper.SR, *, offset: float = 0.0,
         duration: float | None = None) -> tuple[np.ndarray, int]:
    """Load a file as mono float32, like ``librosa.load`` (defaults), but validated.

    Parameters
    ----------
    path : audio file; the format is detected from its content, not from its extension
    sr : target sampling rate in Hz (default 22050, librosa's default); ``None`` keeps the native rate
    offset : start reading this many seconds into the file (default 0)
    duration : read at most this many seconds (default: to the end). No padding: a short file
        gives a short array (use :func:`load_clip` for a fixed length).

    Returns
    -------
    y : float32 array of shape ``(n,)``, channels averaged, resampled with soxr ``soxr_hq``
    sr : the sampling rate of ``y`` in Hz

    Raises
    ------
    AudioError
        for a missing, unreadable or empty file, an offset beyond the end (saying so when the file
        is truncated), a silent-only selection (all ``|y| < 1e-8``), non-finite samples (NaN/inf),
        samples beyond :data:`MAX_ABS_SAMPLE`, a native rate outside ``[MIN_SR, MAX_SR]``, or bad arguments (:class:`~ser_lib.errors.AudioArgumentError`).

    Warns
    -----
    TruncatedAudioWarning
        when the header declares more audio than the file holds (what is there is returned).

    Example
    -------
    >>> y, sr = load("03a01Fa.wav", sr=16000, offset=0.6, duration=2.5)  # doctest: +SKIP
    """
    import soundfile as sf

    _check_args(sr, offset, duration)
    path = Path(path)
    if not path.exists():
        raise AudioError(f"{path}: no such file. Check the path (and SER_DATA_ROOT); "
                         f"`python -m ser_lib.corpora status` lists what is found.")
    if not path.is_file():
        raise AudioError(f"{path}: is not a file (a folder?). Pass the path of one audio file.")
    try:
        with sf.SoundFile(str(path)) as f:
            sr_native = f.samplerate
            if not MIN_SR <= sr_native <= MAX_SR:
                raise AudioError(f"{path}: its header declares a sampling rate of {sr_native} Hz, outside "
                                 f"[{MIN_SR}, {MAX_SR}]: the header is corrupt. Re-download the file or drop it.")
            n_total = f.frames
            declared = declared_duration(f)
            # same frame arithmetic as librosa.load (int truncation, not rounding)
            start = int(offset * sr_native) if offset else 0
            if start > 0:
                if start >= n_total:
                    if declared is not None:
                        raise AudioError(_truncated_text(path, declared, n_total / sr_native)
                                         + f" (offset {offset} s is beyond what is present)")
                    raise AudioError(f"{path}: offset {offset} s is at or beyond the end of the file "
                                     f"({n_total / sr_native:.3f} s). Use a smaller offset.")
                f.seek(start)
            frames = min(int(duration * sr_native), n_total - start) if duration is not None else -1
            expected = frames if frames >= 0 else n_total - start
            y = f.read(frames=frames, dtype="float32", always_2d=False).T
        got = y.shape[-1] if y.ndim else 0
        short = 0 < got and expected - got > 0.01 * sr_native  # a header (e.g. FLAC's) over-counts frames
        if declared is None and short:
            declared = n_total / sr_native
    except AudioError:
        raise
    except Exception as exc:
        raise AudioError(f"{path}: not a readable audio file ({type(exc).__name__}: {exc}). "
                         f"It may be truncated, an HTML error page, or a Git LFS pointer instead of "
                         f"audio: re-download it (`python -m ser_lib.corpora verify <corpus>`).") from exc
    if declared is not None:
        present = (start + got) / sr_native if short else n_total / sr_native
        warnings.warn(_truncated_text(path, declared, present), TruncatedAudioWarning, stacklevel=2)
    if y.ndim > 1:  # (channels, n) -> mean over channels, as librosa.to_mono
        y = np.mean(y, axis=tuple(range(y.ndim - 1)))
    if y.size == 0:
        raise AudioError(f"{path}: contains zero audio samples{' after the offset' if offset else ''}. "
                         f"Re-download the file or drop it from the table.")
    if not np.all(np.isfinite(y)):
        bad = int(np.size(y) - np.count_nonzero(np.isfinite(y)))
        raise AudioError(f"{path}: {bad} non-finite samples (NaN or inf). The file is corrupt; "
                         f"re-download it or drop it from the table.")
    peak = float(np.max(np.abs(y)))
    if peak > MAX_ABS_SAMPLE:
        raise AudioError(f"{path}: samples reach {peak:.3g} in magnitude; audio should lie within [-1, 1] "
                         f"(limit {MAX_ABS_SAMPLE:g}), and such values would make the features overflow. "
                         f"The file is corrupt or holds unscaled numbers: divide by its peak and save it "
                         f"again, or drop it from the table.")
    if peak < SILENCE_THRESHOLD:
        raise AudioError(f"{path}: silent (all samples below {SILENCE_THRESHOLD:g} in magnitude"
                         f"{' in the selected window' if offset or duration else ''}). "
                         f"Check the file (or the offset/duration) and drop it if it is empty.")
    if sr is not None and int(sr) != sr_native:
        import librosa

        y = librosa.resample(y, orig_sr=sr_native, target_sr=int(sr), res_type="soxr_hq")
        sr_out = int(sr)
    else:
        sr_out = int(sr_native)
    return np.ascontiguousarray(y, dtype=np.float32), sr_out


def load_clip(path: str | os.PathLike, sr: int = paper.SR, *, offset: float = 0.0,
              duration: float) -> Clip:
    """A fixed-length window: :func:`load`, then zero padding at the end to ``round(duration * sr)``.

    Parameters
    ----------
    path : audio file
    sr : target rate in Hz (default 22050); must not be None
    offset : start in seconds (the paper uses 0.6)
    duration : window length in seconds (the paper uses 2.5); required

    Returns
    -------
    Clip with ``.y`` (float32, exactly ``round(duration * sr)`` samples), ``.sr``, ``.n_valid``,
    ``.padded``, ``.path``.

    Example
    -------
    >>> clip = load_clip("03a01Fa.wav", offset=0.6, duration=2.5)  # doctest: +SKIP
    >>> len(clip.y)                                                 # doctest: +SKIP
    55125
    """
    if sr is None:
        raise AudioArgumentError("load_clip needs an explicit sampling rate (sr), not None")
    if duration is None:
        raise AudioArgumentError("load_clip needs a duration in seconds (e.g. 2.5)")
    y, sr = load(path, sr=sr, offset=offset, duration=duration)
    n = int(round(duration * sr))
    n_valid = min(len(y), n)
    out = np.zeros(n, dtype=np.float32)
    out[:n_valid] = y[:n_valid]
    return Clip(y=out, sr=int(sr), n_valid=int(n_valid), padded=n_valid < n, path=Path(path))
