"""Statistics over speakers: one value per speaker fold, exact paired tests, bootstrap intervals, Holm.

The unit of replication in a speaker-independent evaluation is the *speaker fold*: seeds of one
fold share the test speakers, so they are averaged first (:func:`per_fold`), never counted as
independent observations. With ``n`` folds an exact two-sided paired test cannot give a p-value
below ``2 / 2**n`` (0.125 for SAVEE's 4 speakers, 0.031 for EMOVO's 6, 0.002 for EMO-DB's 10):
:func:`min_p_value` says so before any test is run.
"""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

__all__ = ["per_fold", "sign_flip_test", "min_p_value", "bootstrap_ci", "holm", "paired_comparison"]


def per_fold(df: pd.DataFrame, value: str = "uar", fold: str = "fold", by=("model",)) -> pd.DataFrame:
    """Average ``value`` over seeds (and any other rows) within each fold: one value per fold and group.

    ``df`` has one row per (group..., seed, fold); returns columns ``[*by, fold, value, "n_seeds"]``.
    """
    keys = [*by, fold]
    g = df.groupby(keys, sort=True)[value]
    return pd.DataFrame({value: g.mean(), "n_seeds": g.size()}).reset_index()


def min_p_value(n: int) -> float:
    """The smallest two-sided p-value an exact paired sign-flip test can reach with ``n`` pairs."""
    if n < 1:
        raise ValueError(f"need at least one pair, got {n}")
    return min(1.0, 2.0 / 2 ** n)


def sign_flip_test(a, b) -> float:
    """Exact two-sided paired permutation (sign-flip) test of mean(a - b) = 0.

    Every one of the ``2**n`` sign patterns of the differences is enumerated (``n <= 20``); the
    p-value is the share whose |mean| is at least the observed one (ties included). ``a``, ``b``:
    arrays of shape ``(n,)``, one value per fold.
    """
    d = np.asarray(a, float) - np.asarray(b, float)
    if d.ndim != 1 or d.size == 0:
        raise ValueError(f"a and b must be 1-D of the same non-zero length, got differences of shape {d.shape}")
    if not np.all(np.isfinite(d)):
        raise ValueError("a and b must be finite")
    if d.size > 20:
        raise ValueError(f"{d.size} pairs: exact enumeration is limited to 20 (use a sampled permutation test)")
    obs = abs(d.mean())
    signs = np.array(list(itertools.product((1.0, -1.0), repeat=d.size)))
    means = np.abs(signs @ d) / d.size
    return float(np.mean(means >= obs - 1e-12))


def bootstrap_ci(values, *, n_boot: int = 10_000, level: float = 0.95, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean over folds (speakers resampled with replacement).

    ``values``: shape ``(n,)``, one value per fold. With few folds the interval is optimistic
    (it cannot be wider than the range of the values): read it as a description, not a guarantee.
    """
    v = np.asarray(values, float)
    if v.ndim != 1 or v.size == 0 or not np.all(np.isfinite(v)):
        raise ValueError("values must be a non-empty 1-D array of finite numbers")
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), got {level}")
    rng = np.random.default_rng(seed)
    means = v[rng.integers(0, v.size, size=(n_boot, v.size))].mean(axis=1)
    lo, hi = np.quantile(means, [(1 - level) / 2, 1 - (1 - level) / 2])
    return float(lo), float(hi)


def holm(pvalues) -> np.ndarray:
    """Holm–Bonferroni adjusted p-values, in the input order (family-wise error control).

    >>> holm([0.01, 0.04, 0.03]).round(3).tolist()
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(pvalues, float)
    if p.ndim != 1 or np.any((p < 0) | (p > 1)) or np.any(~np.isfinite(p)):
        raise ValueError("p-values must be a 1-D array of numbers in [0, 1]")
    m = p.size
    order = np.argsort(p, kind="stable")
    adj = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out = np.empty(m)
    out[order] = np.minimum(adj, 1.0)
    return out


def paired_comparison(per_fold_a: pd.Series, per_fold_b: pd.Series, *, seed: int = 0) -> dict:
    """Compare two models on the folds both have: mean difference, its bootstrap interval, the
    exact sign-flip p-value and the smallest p-value the number of folds allows.

    ``per_fold_a``, ``per_fold_b``: one value per fold, indexed by fold name (e.g. from :func:`per_fold`).
    """
    common = per_fold_a.index.intersection(per_fold_b.index)
    if len(common) == 0:
        raise ValueError("the two models share no fold")
    a, b = per_fold_a.loc[common].to_numpy(float), per_fold_b.loc[common].to_numpy(float)
    d = a - b
    lo, hi = bootstrap_ci(d, seed=seed)
    return {"n_folds": int(len(common)), "mean_a": float(a.mean()), "mean_b": float(b.mean()),
            "mean_diff": float(d.mean()), "ci_low": lo, "ci_high": hi, "wins_a": int((d > 0).sum()),
            "p": sign_flip_test(a, b), "min_p": min_p_value(len(common))}
