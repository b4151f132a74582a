"""Data augmentation as in the released code of Lee & Nadeem (2025), plus controlled variants.

The released feature pipeline turns every clip into four *versions* (see
``reference/paper-and-released-code.md``, "Feature pipeline in the released code"):

``original``
    the 2.5 s clip as loaded;
``noise``
    ``y + a * N(0, 1)`` per sample with ``a = 0.035 * U(0, 1) * max(y)``, one ``a`` per clip;
``pitch``
    ``librosa.effects.pitch_shift(y, sr=sr, n_steps=2.0)`` (two semitones up);
``pitch_noise``
    the pitched clip, then noise as above.

All randomness goes through an explicit :class:`numpy.random.Generator` so that results are
reproducible. Signals are mono float arrays of shape ``(n,)``; sample rates are in Hz.

Example
-------
>>> import numpy as np
>>> from ser_lib import augment
>>> rng = np.random.default_rng(0)
>>> y = np.sin(2 * np.pi * 220 * np.arange(22050) / 22050).astype(np.float32)
>>> noisy = augment.add_noise_snr(y, 10.0, rng)
>>> round(augment.snr_db(y, noisy), 6)
10.0
"""
from __future__ import annotations

import hashlib
from typing import Mapping, Sequence

import numpy as np

from . import paper
from .errors import ArgumentError, check_number

__all__ = [
    "check_signal",
    "check_sr",
    "add_noise_paper",
    "paper_noise_amplitude",
    "pitch_shift",
    "add_noise_snr",
    "snr_db",
    "paper_versions",
    "version_rng",
    "mfcc_distance",
    "mfcc_matrix_distance",
    "MAX_PITCH_STEPS",
    "MAX_NOISE_FACTOR",
    "MIN_SNR_DB",
    "MAX_SNR_DB",
    "MAX_SR",
]

#: Largest pitch shift accepted, in semitones either way (two octaves; beyond, the time stretch
#: behind it needs absurd amounts of memory).
MAX_PITCH_STEPS = 24
#: Largest noise factor of :func:`add_noise_paper` (the released code uses 0.035).
MAX_NOISE_FACTOR = 100.0
#: SNR range of :func:`add_noise_snr` in dB: from noise a million times the signal's amplitude to
#: noise far below float precision (``inf`` is accepted too: no noise).
MIN_SNR_DB, MAX_SNR_DB = -120.0, 300.0
#: Highest sample rate accepted, in Hz.
MAX_SR = 384_000

# The released code's versions, noise factor and pitch shift are ser_lib.paper.VERSIONS,
# NOISE_FACTOR and PITCH_STEPS.


# ----------------------------------------------------------------------------- validation
def check_signal(y, name: str = "y") -> np.ndarray:
    """Validate a mono audio signal and return it as a numpy array (no copy).

    Raises
    ------
    ArgumentError (a ``TypeError`` and a ``ValueError``)
        ``y`` is not a numpy array of a floating dtype (integers PCM must be scaled first),
        is not 1-D, is empty, or contains NaN/inf.
    """
    if not isinstance(y, np.ndarray):
        raise ArgumentError(f"{name} must be a numpy array, got {type(y).__name__}")
    if not np.issubdtype(y.dtype, np.floating):
        raise ArgumentError(f"{name} must have a floating dtype (float32/float64), got {y.dtype}; "
                        "scale integer PCM to [-1, 1] first")
    if y.ndim != 1:
        raise ArgumentError(f"{name} must be mono, shape (n,), got shape {y.shape}")
    if y.size == 0:
        raise ArgumentError(f"{name} is empty")
    if not np.all(np.isfinite(y)):
        raise ArgumentError(f"{name} contains NaN or infinite values")
    return y


def check_sr(sr) -> float:
    """Validate a sample rate (Hz): a number in ``(0, MAX_SR]``."""
    return check_number(sr, "sr", low=0, low_open=True, high=MAX_SR, hint="a sample rate in Hz such as 22050")


def _check_finite_output(out: np.ndarray, what: str) -> np.ndarray:
    if not np.all(np.isfinite(out)):
        raise ArgumentError(f"{what} overflows {out.dtype} (the result holds inf/NaN): the signal is too "
                            f"loud for this setting. Use a smaller setting or rescale y to [-1, 1].")
    return out


def _check_rng(rng) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise ArgumentError("rng must be a numpy.random.Generator, e.g. np.random.default_rng(0); "
                        f"got {type(rng).__name__}")
    return rng


# ----------------------------------------------------------------------------- noise
def paper_noise_amplitude(y: np.ndarray, u: float, factor: float = paper.NOISE_FACTOR,
                          reference: str = "max") -> float:
    """The released code's noise amplitude ``a = factor * u * ref(y)`` for a given ``u ~ U(0, 1)``.

    ``reference='max'`` uses ``np.amax(y)`` (the released behaviour), ``'absmax'`` uses ``max|y|``.
    """
    if reference == "max":
        ref = float(np.amax(y))
    elif reference == "absmax":
        ref = float(np.max(np.abs(y)))
    else:
        raise ArgumentError(f"reference must be 'max' or 'absmax', got {reference!r}")
    return float(factor) * float(u) * ref


def add_noise_paper(y: np.ndarray, rng: np.random.Generator, factor: float = paper.NOISE_FACTOR, *,
                    reference: str = "max", return_amplitude: bool = False):
    """The released code's noise injection: ``y + a * N(0, 1)``, ``a = factor * U(0, 1) * max(y)``.

    Parameters
    ----------
    y : float array, shape ``(n,)``
    rng : numpy Generator. Two draws, in the released code's order: first ``u ~ U(0, 1)``
        (one per clip), then ``n`` standard normal samples.
    factor : float, default 0.035
    reference : ``'max'`` (default) or ``'absmax'``
        The released code scales by ``np.amax(y)``, the largest *signed* sample. For speech that
        is close to ``max|y|`` but not equal: the positive peak can be smaller than the negative
        one, and a clip that is entirely negative (or silent) gets a non-positive amplitude, i.e.
        no noise at all (a negative ``a`` only flips the sign of the noise, which has the same
        distribution). ``'absmax'`` uses the peak magnitude instead.
    return_amplitude : also return ``a``

    Returns
    -------
    noisy : array of ``y``'s dtype, shape ``(n,)`` (and ``a`` if requested)

    Example
    -------
    >>> y = np.ones(4, dtype=np.float32)
    >>> add_noise_paper(y, np.random.default_rng(0)).shape
    (4,)
    """
    check_signal(y)
    _check_rng(rng)
    factor = check_number(factor, "factor", low=0, high=MAX_NOISE_FACTOR,
                          hint=f"the noise amplitude relative to max(y) (released code: {paper.NOISE_FACTOR})")
    a = paper_noise_amplitude(y, rng.uniform(), factor, reference)
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below, by name
        noisy = (y + a * rng.normal(size=y.shape[0])).astype(y.dtype, copy=False)
    _check_finite_output(noisy, f"add_noise_paper(factor={factor})")
    return (noisy, a) if return_amplitude else noisy


def snr_db(clean: np.ndarray, noisy: np.ndarray) -> float:
    """Measured signal-to-noise ratio in dB: ``10 log10(sum clean^2 / sum (noisy - clean)^2)``.

    Computed in float64. Returns ``inf`` when the two signals are identical.
    """
    check_signal(clean, "clean")
    check_signal(noisy, "noisy")
    if clean.shape != noisy.shape:
        raise ArgumentError(f"clean and noisy must have the same length, got {clean.shape} and {noisy.shape}")
    c = clean.astype(np.float64)
    e = noisy.astype(np.float64) - c
    pn = float(np.sum(e * e))
    ps = float(np.sum(c * c))
    if pn == 0.0:
        return float("inf")
    if ps == 0.0:
        return float("-inf")
    return 10.0 * np.log10(ps / pn)


def add_noise_snr(y: np.ndarray, snr_db: float, rng: np.random.Generator) -> np.ndarray:
    """White Gaussian noise scaled so that the SNR is exactly ``snr_db`` (dB).

    The noise vector ``n ~ N(0, 1)`` is rescaled by ``sqrt(P_y / (P_n * 10^(snr/10)))`` where
    ``P`` is the mean power of the actual draw, so the measured SNR (:func:`snr_db`) equals the
    request up to float rounding (float32 output: well below 0.01 dB). ``snr_db=inf`` returns a
    copy of ``y``. A silent clip (all zeros) has no defined SNR and raises ``ValueError``.

    Parameters
    ----------
    y : float array, shape ``(n,)``
    snr_db : target SNR in dB (in ``[MIN_SNR_DB, MAX_SNR_DB]`` = [-120, 300], or ``inf``)
    rng : numpy Generator
    """
    check_signal(y)
    _check_rng(rng)
    snr = check_number(snr_db, "snr_db", low=MIN_SNR_DB, allow_inf=True,
                       hint=f"dB, at most {MAX_SNR_DB:g}; +inf returns y unchanged")
    if snr != np.inf and snr > MAX_SNR_DB:
        check_number(snr, "snr_db", low=MIN_SNR_DB, high=MAX_SNR_DB,
                     hint="beyond, the noise is below float precision: pass inf for no noise")
    if snr == np.inf:
        return y.copy()
    p_y = float(np.mean(y.astype(np.float64) ** 2))
    if p_y == 0.0:
        raise ArgumentError("y is silent (all zeros): an SNR is undefined")
    n = rng.standard_normal(y.shape[0])
    # Scale the noise to hit the target on the *output* grid: compute the float32/float64 result,
    # then correct once for the rounding of the output dtype.
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below, by name
        p_n = float(np.mean(n * n))
        noise = n * np.sqrt(p_y / (p_n * 10.0 ** (snr / 10.0)))
        out = (y.astype(np.float64) + noise).astype(y.dtype)
        err = out.astype(np.float64) - y.astype(np.float64)
        p_e = float(np.mean(err * err))
        if p_e > 0:
            out = (y.astype(np.float64) + err * np.sqrt(p_y / (p_e * 10.0 ** (snr / 10.0)))).astype(y.dtype)
    return _check_finite_output(out, f"add_noise_snr(snr_db={snr})")


# ----------------------------------------------------------------------------- pitch
def pitch_shift(y: np.ndarray, sr: float, n_steps: float, **kwargs) -> np.ndarray:
    """Shift the pitch by ``n_steps`` semitones without changing the duration.

    Thin wrapper around ``librosa.effects.pitch_shift(y, sr=sr, n_steps=n_steps)`` (phase-vocoder
    time stretch by ``2^(-n_steps/12)``, then resampling with soxr); extra keyword arguments go to
    librosa. ``n_steps=0`` returns a copy of ``y`` unchanged (librosa would still resample);
    ``|n_steps|`` is at most :data:`MAX_PITCH_STEPS` (24 semitones).
    Output: same length and dtype as ``y``.
    """
    import librosa

    check_signal(y)
    sr = check_sr(sr)
    n_steps = check_number(n_steps, "n_steps", low=-MAX_PITCH_STEPS, high=MAX_PITCH_STEPS,
                           hint="semitones (the released code shifts by 2)")
    if n_steps == 0:
        return y.copy()
    out = librosa.effects.pitch_shift(y, sr=sr, n_steps=float(n_steps), **kwargs).astype(y.dtype, copy=False)
    return _check_finite_output(out, f"pitch_shift(n_steps={n_steps})")


# ----------------------------------------------------------------------------- versions
def version_rng(seed: int, recording_id: str, version: str) -> np.random.Generator:
    """A Generator seeded by ``(seed, recording_id, version)`` only.

    Used by :func:`ser_lib.features.extract` so that the noise drawn for one clip does not depend
    on the order in which clips are processed, nor on the number of worker processes.
    """
    digest = hashlib.sha256(f"{recording_id}\x00{version}".encode()).digest()
    words = [int.from_bytes(digest[i:i + 4], "little") for i in range(0, 16, 4)]
    return np.random.default_rng([int(seed) & 0xFFFFFFFF, *words])


def paper_versions(y: np.ndarray, sr: float, rng, n_steps: float = paper.PITCH_STEPS, *,
                   factor: float = paper.NOISE_FACTOR, reference: str = "max",
                   versions: Sequence[str] = paper.VERSIONS) -> dict[str, np.ndarray]:
    """The released code's versions of one clip: ``{'original', 'noise', 'pitch', 'pitch_noise'}``.

    Parameters
    ----------
    y : float array ``(n,)``, the loaded clip (2.5 s at 22 050 Hz in the paper)
    sr : Hz
    rng : a numpy Generator (noise for ``noise`` then ``pitch_noise`` drawn from it in that order),
        or a mapping ``version -> Generator`` (what :func:`ser_lib.features.extract` passes, from
        :func:`version_rng`)
    n_steps : pitch shift in semitones (2.0 in the released code)
    factor, reference : see :func:`add_noise_paper`
    versions : which versions to return (pitch shifting is done once, only if needed)

    Returns
    -------
    dict version -> array ``(n,)``, same dtype as ``y``
    """
    check_signal(y)
    sr = check_sr(sr)
    unknown = [v for v in versions if v not in paper.VERSIONS]
    if unknown:
        raise ArgumentError(f"unknown version(s) {unknown}; choose from {paper.VERSIONS}")

    def _rng(v):
        if isinstance(rng, Mapping):
            if v not in rng:
                raise ArgumentError(f"no Generator given for version {v!r}")
            return _check_rng(rng[v])
        return _check_rng(rng)

    out: dict[str, np.ndarray] = {}
    pitched = None
    for v in versions:
        if v == "original":
            out[v] = y.copy()
        elif v == "noise":
            out[v] = add_noise_paper(y, _rng(v), factor, reference=reference)
        else:
            if pitched is None:
                pitched = pitch_shift(y, sr, n_steps)
            out[v] = pitched.copy() if v == "pitch" else add_noise_paper(pitched, _rng(v), factor,
                                                                         reference=reference)
    return out


# ----------------------------------------------------------------------------- distances
def mfcc_distance(a: np.ndarray, b: np.ndarray, sr: float = paper.SR, *, n_mfcc: int = paper.N_MFCC,
                  skip_c0: bool = False, align: str = "truncate", **mfcc_kwargs) -> float:
    """How far two clips are in MFCC space, position by position (what the flat vector sees).

    Both clips go through ``librosa.feature.mfcc`` (defaults as in the paper; extra keyword
    arguments are passed on). The distance is the mean over frames of the Euclidean distance
    between the two MFCC vectors of the same frame index, in the MFCC's units (dB-scaled DCT
    coefficients):

    .. math:: d(a, b) = \\frac{1}{T} \\sum_{t=1}^{T} \\lVert m_a[:, t] - m_b[:, t] \\rVert_2

    Frames are compared at the same *position*, not after time alignment: that is exactly the
    geometry of the paper's flat vector, where feature ``i`` of one row meets feature ``i`` of
    another. ``align='truncate'`` (default) compares the first ``T = min(T_a, T_b)`` frames;
    ``align='pad'`` zero-pads the shorter MFCC on the right (as the released ``fillna(0)`` does).
    ``skip_c0=True`` drops coefficient 0 (overall loudness).

    Example
    -------
    >>> y = np.random.default_rng(0).standard_normal(22050).astype(np.float32) * 0.1
    >>> mfcc_distance(y, y)
    0.0
    """
    import librosa

    check_signal(a, "a")
    check_signal(b, "b")
    sr = check_sr(sr)
    ma = librosa.feature.mfcc(y=a, sr=sr, n_mfcc=n_mfcc, **mfcc_kwargs).astype(np.float64)
    mb = librosa.feature.mfcc(y=b, sr=sr, n_mfcc=n_mfcc, **mfcc_kwargs).astype(np.float64)
    return mfcc_matrix_distance(ma, mb, skip_c0=skip_c0, align=align)


def mfcc_matrix_distance(ma: np.ndarray, mb: np.ndarray, *, skip_c0: bool = False, align: str = "truncate") -> float:
    """:func:`mfcc_distance` on two MFCC matrices ``(n_mfcc, T_a)`` and ``(n_mfcc, T_b)``."""
    ma, mb = np.asarray(ma, dtype=np.float64), np.asarray(mb, dtype=np.float64)
    if ma.ndim != 2 or mb.ndim != 2 or ma.shape[0] != mb.shape[0]:
        raise ArgumentError(f"expected two (n_mfcc, T) matrices with the same n_mfcc, got {ma.shape} and {mb.shape}")
    if skip_c0:
        ma, mb = ma[1:], mb[1:]
    if align == "truncate":
        t = min(ma.shape[1], mb.shape[1])
        ma, mb = ma[:, :t], mb[:, :t]
    elif align == "pad":
        t = max(ma.shape[1], mb.shape[1])
        ma = np.pad(ma, ((0, 0), (0, t - ma.shape[1])))
        mb = np.pad(mb, ((0, 0), (0, t - mb.shape[1])))
    else:
        raise ArgumentError(f"align must be 'truncate' or 'pad', got {align!r}")
    return float(np.mean(np.linalg.norm(ma - mb, axis=0)))
