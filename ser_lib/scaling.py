"""Feature scaling for the audit: global statistics of a fold's training rows, or per speaker.

- :class:`Standardizer`: per-channel mean and standard deviation of frame features
  (:mod:`ser_lib.frames`) over the *training* rows of a fold, real frames only; padded frames
  stay 0. Every neural model of the audit sees its input through it.
- :func:`speaker_standardize_frames`: the same per speaker, with statistics of each speaker's
  reference rows (the audit uses their original recordings). For a test speaker that uses their
  own *unlabeled* recordings (transductive; the audit's ``+spkn`` models).
- :func:`speaker_standardize`: per speaker for feature matrices ``(n, D)`` (the baselines'
  functionals), statistics over a speaker's rows of a reference matrix.

The arithmetic is the one the committed audit results were computed with: the global statistics
in float64 with the standard deviation floored at 1e-6; the per-speaker statistics in the
features' float32 with 1e-6 added to the standard deviation.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .frames import real_frames

__all__ = ["Standardizer", "speaker_standardize_frames", "speaker_standardize"]

#: Guard against a constant channel.
EPS: float = 1e-6


def _channel_stats(X: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std of every channel of ``X (n, C, T)`` over rows and the frames where ``mask (n, T)``."""
    vals = X.transpose(1, 0, 2)[:, mask]  # (C, frames)
    return vals.mean(1), vals.std(1)


def _apply(X: np.ndarray, mean: np.ndarray, std: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``(X - mean) / std`` per channel, padded frames (``mask (n, 1, T)`` False) set to 0."""
    return (X - mean[None, :, None]) / std[None, :, None] * mask


@dataclass
class Standardizer:
    """Per-channel standardisation with statistics of training rows only.

    ``fit(X)`` on ``(n, C, T)`` computes each channel's mean and std over rows and frames (ignoring
    all-zero padded frames); ``transform`` maps padded frames to 0.
    """

    mean: np.ndarray | None = None
    std: np.ndarray | None = None

    def fit(self, X: np.ndarray) -> "Standardizer":
        X = np.asarray(X, np.float64)
        mask = real_frames(X)
        if not mask.any():
            raise ValueError("no non-padded frame to fit on")
        mean, std = _channel_stats(X, mask)
        self.mean = mean.astype(np.float32)
        self.std = np.maximum(std, EPS).astype(np.float32)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        if self.mean is None:
            raise RuntimeError("Standardizer.fit first")
        X = np.asarray(X, np.float32)
        return _apply(X, self.mean, self.std, real_frames(X, keepdims=True)).astype(np.float32)


def speaker_standardize_frames(X: np.ndarray, speakers, reference: np.ndarray) -> np.ndarray:
    """Frame features ``X (n, C, T)`` standardised per speaker and channel.

    ``speakers``: ``(n,)`` speaker of each row; ``reference``: boolean ``(n,)``, the rows whose real
    frames give a speaker's statistics (every speaker needs at least one). Returns float32, padded
    frames 0.
    """
    X = np.array(X, copy=True)
    mask = real_frames(X)
    spk = np.asarray(speakers).astype(str)
    reference = np.asarray(reference, bool)
    for s in np.unique(spk):
        r = spk == s
        ro = r & reference
        mu, sd = _channel_stats(X[ro], mask[ro])
        X[r] = _apply(X[r], mu, sd + EPS, mask[r][:, None, :])
    return X.astype(np.float32)


def speaker_standardize(F: np.ndarray, speakers, reference: np.ndarray, reference_speakers, *,
                        scale: bool = True) -> np.ndarray:
    """Feature rows ``F (n, D)`` standardised per speaker with the mean and std of that speaker's
    rows of ``reference (m, D)`` (``speakers (n,)``, ``reference_speakers (m,)``). Returns float32.

    ``scale=False`` only subtracts the speaker's mean (per-speaker mean normalisation): for statistics
    from a handful of rows, where a per-dimension std of thousands of functionals cannot be estimated
    (a near-constant dimension among 5 enrolment rows would be divided by almost 0); a later
    standardisation over all training rows then supplies the scale."""
    spk = np.asarray(speakers).astype(str)
    ref_spk = np.asarray(reference_speakers).astype(str)
    out = np.empty_like(F, dtype=np.float32)
    for s in np.unique(spk):
        ref = reference[ref_spk == s]
        if len(ref) == 0:
            raise ValueError(f"speaker {s!r} has no reference rows to take statistics from")
        mu = ref.mean(0)
        m = spk == s
        out[m] = (F[m] - mu) / (ref.std(0) + EPS) if scale else F[m] - mu
    return out


def enrolment_split(meta, test_idx: np.ndarray, k: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Pick ``k`` enrolment recordings per test speaker; return ``(enrolment_rows, scored_test_rows)``.

    ``meta``: the audit's row table (``recording_id``, ``speaker``, ``version``); ``test_idx``: the
    fold's test rows (original versions). The enrolment rows give the test speaker's normalisation
    statistics and are then *excluded from scoring*, as at deployment where a user's first few
    recordings calibrate the model (a speaker with at most ``k`` recordings keeps one for scoring).
    """
    test_idx = np.asarray(test_idx, np.int64)
    if k < 1:
        raise ValueError(f"k (enrolment recordings per speaker) must be >= 1, got {k}")
    spk = meta["speaker"].astype(str).to_numpy()[test_idx]
    rng = np.random.default_rng(seed)
    enrol = []
    for s in np.unique(spk):
        rows = test_idx[spk == s]
        take = min(k, len(rows) - 1)
        if take > 0:
            enrol.append(rng.choice(rows, size=take, replace=False))
    enrol_rows = np.sort(np.concatenate(enrol)) if enrol else np.array([], np.int64)
    return enrol_rows, np.setdiff1d(test_idx, enrol_rows)
