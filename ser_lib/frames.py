"""Frame features: one ``(22, T)`` matrix per clip, the input of the audit's models. This module owns its layout.

Channels (rows), read from the paper's flat vector (:class:`ser_lib.features.PaperLayout`):

=========================  =====================================================================
:data:`MFCC` (0-19)        the 20 MFCCs of each frame (the vector's MFCC block, made time-major)
:data:`ZCR` (20)           zero-crossing rate
:data:`LOG_RMS` (21)       ``log10(rms + RMS_FLOOR)``
=========================  =====================================================================

Columns are frames (108 for 2.5 s at 22 050 Hz, hop 512); a shorter clip is zero padded on the
right, and :func:`real_frames` tells the real frames from the padding (a padded frame has all
MFCCs exactly 0).
"""
from __future__ import annotations

import numpy as np

from . import paper
from .features import paper_layout

__all__ = ["MFCC", "ZCR", "LOG_RMS", "N_CHANNELS", "RMS_FLOOR", "frame_features", "real_frames"]

#: Rows of the MFCCs, of the zero-crossing rate and of log-RMS; channels with ZCR and log-RMS.
MFCC: slice = slice(0, paper.N_MFCC)
ZCR: int = paper.N_MFCC
LOG_RMS: int = paper.N_MFCC + 1
N_CHANNELS: int = paper.N_MFCC + 2
#: Added to RMS before the logarithm (silence gives -4, not -inf).
RMS_FLOOR: float = 1e-4


def frame_features(X_paper: np.ndarray, n_frames: np.ndarray | None = None, *, include_zcr_rms: bool = True,
                   T: int = paper.N_FRAMES) -> np.ndarray:
    """Frame features ``(n, 22, T)`` (or ``(n, 20, T)``) from the paper's flat vectors.

    Parameters
    ----------
    X_paper : ``(n, L)`` rows ``[ZCR (T_i) | RMS (T_i) | MFCC frame-major (20 T_i)]`` zero padded
        on the right (:func:`ser_lib.features.extract` with ``kind='paper'``)
    n_frames : ``(n,)`` frames per row before padding (``meta['n_frames']``); default ``L // 22``
    include_zcr_rms : append ZCR and log-RMS as channels :data:`ZCR` and :data:`LOG_RMS`
    T : output frames (rows are zero padded or truncated)

    Returns float32 ``(n, 22 or 20, T)``; padded frames are 0.
    """
    X_paper = np.asarray(X_paper, np.float32)
    if X_paper.ndim != 2:
        raise ValueError(f"X_paper must be (n, L), got {X_paper.shape}")
    n = X_paper.shape[0]
    per_frame = paper_layout(1).length  # values per frame in the flat vector (ZCR, RMS, MFCCs)
    if n_frames is None:
        n_frames = np.full(n, X_paper.shape[1] // per_frame)
    n_frames = np.asarray(n_frames, int).reshape(-1)
    if n_frames.shape[0] != n or np.any(per_frame * n_frames > X_paper.shape[1]):
        raise ValueError("n_frames must have one entry per row and fit in the row length")
    out = np.zeros((n, N_CHANNELS if include_zcr_rms else paper.N_MFCC, T), np.float32)
    for Ti in np.unique(n_frames):
        if Ti == 0:
            continue
        rows = np.flatnonzero(n_frames == Ti)
        t = min(int(Ti), T)
        block = X_paper[rows]
        blocks = paper_layout(int(Ti)).blocks
        mf = block[:, blocks["mfcc"]].reshape(len(rows), Ti, paper.N_MFCC).transpose(0, 2, 1)
        out[rows, MFCC, :t] = mf[:, :, :t]
        if include_zcr_rms:
            out[rows, ZCR, :t] = block[:, blocks["zcr"]][:, :t]
            out[rows, LOG_RMS, :t] = np.log10(block[:, blocks["rms"]][:, :t] + RMS_FLOOR)
    return out


def real_frames(X: np.ndarray, keepdims: bool = False) -> np.ndarray:
    """Boolean ``(n, T)`` (``(n, 1, T)`` with ``keepdims``): the frames of ``(n, C, T)`` frame
    features that hold audio, i.e. whose MFCCs are not all exactly 0."""
    return np.any(np.asarray(X)[:, MFCC] != 0, axis=1, keepdims=keepdims)
