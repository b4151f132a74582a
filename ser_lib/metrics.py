"""Metrics for speech emotion recognition and their aggregation over folds and seeds.

- :func:`uar` -- unweighted average recall (= balanced accuracy): the mean of the per-class
  recalls, the first metric to report on unbalanced corpora (EMO-DB, CREMA-D);
- :func:`accuracy` -- weighted accuracy (WA), the share of correct predictions;
- :func:`macro_f1` -- the unweighted mean of the per-class F1 scores;
- :func:`confusion` -- the confusion matrix in a fixed label order (rows: true, columns: predicted);
- :func:`summarize` -- mean and sample standard deviation (``ddof=1``; 0 for a single value);
- :func:`aggregate` -- a ``mean ± std`` table over folds and seeds;
- paired comparisons over speaker folds live in :mod:`ser_lib.stats` (one value per fold, exact tests, Holm).

All metrics are returned as fractions in [0, 1]; tables multiply by 100 for display. This module is
the one implementation of UAR, accuracy, macro-F1 and the confusion matrix: the reproduction, the
audit, the trainers (validation UAR) and the notebooks call it.

``labels``: by default :func:`uar` averages over the classes present in ``y_true`` and
:func:`macro_f1` over the classes in ``y_true`` or ``y_pred``. Given explicit ``labels``, both average
over exactly those classes, and a class with nothing to score (no true row for recall; no true and no
predicted row for F1) counts as 0 -- scikit-learn's ``recall_score`` / ``f1_score`` with
``labels=..., average="macro", zero_division=0``, which the reproduction reports.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

__all__ = ["uar", "accuracy", "macro_f1", "confusion", "all_metrics", "summarize", "fmt",
           "aggregate"]


def _check(y_true, y_pred):
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(f"y_true and y_pred must be 1-D and of equal length, got {y_true.shape} and {y_pred.shape}")
    if y_true.size == 0:
        raise ValueError("cannot score an empty prediction")
    return y_true, y_pred


def uar(y_true, y_pred, labels: Sequence | None = None) -> float:
    """Unweighted average recall (balanced accuracy) over the classes present in ``y_true``, or over
    ``labels`` when given (a label absent from ``y_true`` then has recall 0)."""
    y_true, y_pred = _check(y_true, y_pred)
    classes = np.unique(y_true) if labels is None else list(labels)
    recalls = []
    for c in classes:
        true_c = y_true == c
        recalls.append(np.mean(y_pred[true_c] == c) if true_c.any() else 0.0)
    if not recalls:
        raise ValueError("uar() got an empty list of labels")
    return float(np.mean(recalls))


def accuracy(y_true, y_pred) -> float:
    """Share of correct predictions (weighted accuracy, WA)."""
    y_true, y_pred = _check(y_true, y_pred)
    return float(np.mean(y_true == y_pred))


def macro_f1(y_true, y_pred, labels: Sequence | None = None) -> float:
    """Unweighted mean of per-class F1 over ``labels`` (default: classes in ``y_true`` or ``y_pred``).

    A class with no correct prediction scores 0, and so does a class of ``labels`` that is never
    true and never predicted (scikit-learn's ``zero_division=0``).
    """
    y_true, y_pred = _check(y_true, y_pred)
    labels = np.unique(np.r_[y_true, y_pred]) if labels is None else list(labels)
    f1s = []
    for c in labels:
        tp = np.sum((y_true == c) & (y_pred == c))
        fp = np.sum((y_true != c) & (y_pred == c))
        fn = np.sum((y_true == c) & (y_pred != c))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)
    return float(np.mean(f1s)) if f1s else 0.0


def confusion(y_true, y_pred, labels: Sequence) -> np.ndarray:
    """Confusion matrix ``C[i, j]`` = number of rows of true ``labels[i]`` predicted ``labels[j]``.

    Raises if a true or predicted value is not in ``labels``.
    """
    y_true, y_pred = _check(y_true, y_pred)
    labels = list(labels)
    pos = {lab: i for i, lab in enumerate(labels)}
    unknown = (set(y_true.tolist()) | set(y_pred.tolist())) - set(pos)
    if unknown:
        raise ValueError(f"values {sorted(map(str, unknown))} are not in labels {labels}")
    C = np.zeros((len(labels), len(labels)), dtype=np.int64)
    np.add.at(C, ([pos[v] for v in y_true.tolist()], [pos[v] for v in y_pred.tolist()]), 1)
    return C


def all_metrics(y_true, y_pred, labels: Sequence | None = None) -> dict:
    """``{"uar", "accuracy", "macro_f1", "n"}`` (+ ``"confusion"`` and ``"labels"`` when ``labels`` given,
    and then UAR and macro-F1 average over exactly ``labels``)."""
    out = {"uar": uar(y_true, y_pred, labels), "accuracy": accuracy(y_true, y_pred),
           "macro_f1": macro_f1(y_true, y_pred, labels), "n": int(len(y_true))}
    if labels is not None:
        out["labels"] = list(labels)
        out["confusion"] = confusion(y_true, y_pred, labels).tolist()
    return out


def summarize(values) -> tuple[float, float]:
    """``(mean, std)`` of finite values; std is the sample standard deviation (ddof=1), 0 for one value.

    Raises on an empty input (a missing result must not silently become 0).
    """
    v = np.asarray(values, dtype=float).ravel()
    v = v[np.isfinite(v)]
    if v.size == 0:
        raise ValueError("summarize() got no finite values")
    return float(v.mean()), float(v.std(ddof=1)) if v.size > 1 else 0.0


def fmt(mean: float, std: float, scale: float = 100.0, digits: int = 1) -> str:
    """``"71.3 ± 4.2"`` (percent by default)."""
    return f"{mean * scale:.{digits}f} ± {std * scale:.{digits}f}"


def aggregate(df: pd.DataFrame, by: Sequence[str], value: str = "uar", *, over_seeds: str = "seed",
              how: str = "pooled") -> pd.DataFrame:
    """Mean ± std of ``value`` per group ``by``.

    ``df`` has one row per (configuration, fold, seed). ``how``:

    - ``"pooled"``: mean and std over every (fold, seed) row of the group;
    - ``"seed"``: first average over folds within each seed, then mean and std over seeds
      (the spread then shows seed-to-seed variation of the corpus-level figure).

    Returns columns ``by + [mean, std, n, text]`` where ``text`` is ``"mean ± std"`` in percent.
    """
    if value not in df.columns:
        raise ValueError(f"column {value!r} not in {list(df.columns)}")
    missing = [c for c in by if c not in df.columns]
    if missing:
        raise ValueError(f"group columns {missing} not in the table")
    if how == "seed":
        if over_seeds not in df.columns:
            raise ValueError(f"how='seed' needs a {over_seeds!r} column")
        df = df.groupby(list(by) + [over_seeds], as_index=False, sort=False)[value].mean()
    elif how != "pooled":
        raise ValueError(f"how must be 'pooled' or 'seed', got {how!r}")
    rows = []
    for key, g in df.groupby(list(by), sort=False):
        key = key if isinstance(key, tuple) else (key,)
        m, s = summarize(g[value])
        rows.append({**dict(zip(by, key)), "mean": m, "std": s, "n": int(g[value].notna().sum()),
                     "text": fmt(m, s)})
    return pd.DataFrame(rows)
