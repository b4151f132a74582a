"""ser_lib.stats on cases whose answers are known."""
import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from ser_lib import stats


def test_sign_flip_known_cases():
    assert stats.sign_flip_test([1, 2, 3, 4], [0, 0, 0, 0]) == pytest.approx(2 / 16)   # all positive, 4 folds
    assert stats.min_p_value(4) == 0.125 and stats.min_p_value(10) == pytest.approx(2 / 1024)
    assert stats.sign_flip_test([1, -1, 1, -1], [0, 0, 0, 0]) == 1.0
    with pytest.raises(ValueError, match="same non-zero length"):
        stats.sign_flip_test([], [])


def test_sign_flip_agrees_with_scipy_permutation_test():
    rng = np.random.default_rng(1)
    a, b = rng.normal(0.6, 0.1, 7), rng.normal(0.5, 0.1, 7)
    ref = sps.permutation_test((a, b), lambda x, y: np.mean(x - y), permutation_type="samples",
                               n_resamples=np.inf, alternative="two-sided").pvalue
    assert stats.sign_flip_test(a, b) == pytest.approx(ref)


def test_holm_known_case_and_order():
    np.testing.assert_allclose(stats.holm([0.01, 0.04, 0.03]), [0.03, 0.06, 0.06])
    np.testing.assert_allclose(stats.holm([0.5, 0.001]), [0.5, 0.002])
    assert stats.holm([0.6, 0.7]).max() <= 1.0
    with pytest.raises(ValueError):
        stats.holm([1.5])


def test_bootstrap_interval_brackets_the_mean_and_stays_in_range():
    v = np.array([0.2, 0.4, 0.5, 0.9])
    lo, hi = stats.bootstrap_ci(v, n_boot=4000)
    assert v.min() <= lo < v.mean() < hi <= v.max()


def test_per_fold_averages_seeds_before_testing():
    df = pd.DataFrame({"model": ["a"] * 6 + ["b"] * 6, "fold": ["f1", "f2", "f3"] * 4,
                       "seed": [0, 0, 0, 1, 1, 1] * 2, "uar": [.6, .7, .8, .62, .72, .82, .5, .6, .7, .5, .6, .7]})
    pf = stats.per_fold(df)
    assert len(pf) == 6 and (pf["n_seeds"] == 2).all()
    a = pf[pf.model == "a"].set_index("fold")["uar"]
    b = pf[pf.model == "b"].set_index("fold")["uar"]
    res = stats.paired_comparison(a, b)
    assert res["n_folds"] == 3 and res["wins_a"] == 3
    assert res["p"] == pytest.approx(0.25) == res["min_p"]   # 3 folds can never give p < 0.25
    assert res["mean_diff"] == pytest.approx(0.11)
