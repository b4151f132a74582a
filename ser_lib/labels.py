"""Emotion labels: the common label set, the class orders, and the one label encoder.

Every corpus is mapped onto the common labels :data:`EMOTIONS` (:mod:`ser_lib.corpora`). Class
indices are then given by :func:`encode_labels`, in one of two orders:

- **alphabetical** (``order=None``): what the released code does (scikit-learn's ``LabelEncoder`` /
  ``OneHotEncoder`` sort the names), so class 0 is the alphabetically first emotion. The
  reproduction (:mod:`ser_lib.reproduce`) uses it;
- **the corpus order** (``order=EMOTIONS``): the emotions of :data:`EMOTIONS` that are present, in
  that order, then any other label alphabetically. The audit (:mod:`ser_lib.audit`) uses it; every
  results file stores the names in the order of its class indices (``metrics["labels"]``).

:data:`DISPLAY_ORDER` is only the order in which figures of the corpus chapter list emotions
(:mod:`ser_lib.viz.corpora`: calm next to neutral and boredom, surprise next to happy); it never
assigns class indices.
"""
from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

__all__ = ["EMOTIONS", "DISPLAY_ORDER", "label_order", "encode_labels"]

#: The common emotion labels (the paper's mappings of the six corpora land here), and the class
#: order of the audit.
EMOTIONS: tuple[str, ...] = ("neutral", "calm", "happy", "sad", "angry", "fear", "disgust", "surprise", "boredom")

#: The order in which the corpus chapter's figures list emotions (display only).
DISPLAY_ORDER: tuple[str, ...] = ("neutral", "calm", "boredom", "happy", "surprise", "angry", "fear", "disgust",
                                  "sad")


def label_order(labels: Iterable, order: Sequence[str] | None = None) -> list[str]:
    """The distinct names in ``labels``: sorted (``order=None``), or those of ``order`` that occur,
    in that order, followed by the others sorted.

    >>> label_order(["sad", "angry", "neutral", "angry"])
    ['angry', 'neutral', 'sad']
    >>> label_order(["sad", "angry", "neutral", "zzz"], order=EMOTIONS)
    ['neutral', 'sad', 'angry', 'zzz']
    """
    present = {str(v) for v in labels}
    if order is None:
        return sorted(present)
    return [e for e in order if e in present] + sorted(present - set(order))


def encode_labels(labels, order: Sequence[str] | None = None) -> tuple[np.ndarray, list[str]]:
    """``(y, names)``: ``y[i]`` (int64) is the index of ``labels[i]`` in ``names``.

    ``names = label_order(labels, order)``: alphabetical by default, the order of scikit-learn's
    ``LabelEncoder`` and ``OneHotEncoder`` (the released code); pass ``order=EMOTIONS`` for the
    audit's class order.

    >>> y, names = encode_labels(["sad", "angry", "neutral", "angry"])
    >>> names, y.tolist()
    (['angry', 'neutral', 'sad'], [2, 0, 1, 0])
    """
    labels = np.asarray(labels).astype(str)
    names = label_order(labels, order)
    lookup = {n: i for i, n in enumerate(names)}
    return np.array([lookup[l] for l in labels.tolist()], dtype=np.int64), names
