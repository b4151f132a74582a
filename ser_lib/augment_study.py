"""How far an augmented copy stays from its original, against other recordings (chapter 3's study).

:func:`augmentation_distances` reads the paper's features of a sample of recordings and their
partners through :func:`ser_lib.features.extract` (the cache shared with the reproduction) and
measures MFCC distances with :func:`ser_lib.augment.mfcc_matrix_distance`.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from . import paper
from .augment import mfcc_matrix_distance
from .features import extract

__all__ = ["augmentation_distances"]


def augmentation_distances(table, n_pairs: int = 40, seed: int = 0, *, versions: Sequence[str] = paper.VERSIONS,
                           n_jobs: int = 2, progress: bool = False, cache: bool = True, **extract_kwargs):
    """How far each augmented copy stays from its original in MFCC space, compared with another
    recording of the same emotion by the same speaker and by another speaker.

    ``n_pairs`` recordings are drawn (``seed``) from ``table``; for each, one partner recording of
    the same emotion from the same speaker (a different ``recording_id``) and one from another
    speaker are drawn when they exist. Features come from :func:`ser_lib.features.extract`
    (``kind='mfcc'``, the cache shared with the reproduction), distances from
    :func:`ser_lib.augment.mfcc_matrix_distance` (mean per-frame Euclidean distance, same frame
    positions, as the flat vector compares them).

    Returns
    -------
    DataFrame with one row per (recording, comparison): ``recording_id, speaker, emotion,
    comparison, distance``; comparisons are the augmented versions (``'noise'``, ``'pitch'``,
    ``'pitch_noise'``) and ``'same speaker, other recording'``, ``'other speaker'``.
    """
    import pandas as pd

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
