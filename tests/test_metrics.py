"""ser_lib.metrics against scikit-learn and by hand."""
import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from ser_lib import metrics as M


@pytest.fixture
def preds():
    rng = np.random.default_rng(0)
    labels = ["angry", "happy", "neutral", "sad"]
    y = rng.choice(labels, size=300, p=[0.5, 0.2, 0.2, 0.1])
    p = np.where(rng.random(300) < 0.6, y, rng.choice(labels, size=300))
    return y, p, labels


def test_against_sklearn(preds):
    y, p, labels = preds
    assert M.uar(y, p) == pytest.approx(skm.balanced_accuracy_score(y, p))
    assert M.accuracy(y, p) == pytest.approx(skm.accuracy_score(y, p))
    assert M.macro_f1(y, p) == pytest.approx(skm.f1_score(y, p, average="macro"))
    np.testing.assert_array_equal(M.confusion(y, p, labels), skm.confusion_matrix(y, p, labels=labels))


def test_explicit_labels_match_sklearn_zero_division(preds):
    """With explicit labels (what the reproduction reports), a class absent from the truth counts as 0,
    as scikit-learn's recall_score / f1_score with zero_division=0 do."""
    rng = np.random.default_rng(1)
    for k in range(200):
        K = int(rng.integers(2, 8))
        n = int(rng.integers(1, 40))
        y = rng.integers(0, K, n)
        p = np.where(rng.random(n) < 0.5, y, rng.integers(0, K, n))
        if k % 2:
            y = np.minimum(y, K - 2)  # class K-1 never true
        idx = list(range(K))
        assert M.uar(y, p, idx) == skm.recall_score(y, p, labels=idx, average="macro", zero_division=0)
        assert M.macro_f1(y, p, idx) == skm.f1_score(y, p, labels=idx, average="macro", zero_division=0)
    assert M.uar([0, 0, 1], [0, 1, 1], labels=[0, 1, 2]) == pytest.approx((0.5 + 1.0 + 0.0) / 3)
    assert M.uar([0, 0, 1], [0, 1, 1]) == pytest.approx(0.75)


def test_one_uar():
    from ser_lib import train

    assert train.uar is M.uar  # ser_lib.train.uar stays importable, as the same function
    assert M.uar([0, 1, 1], [0, 1, 0]) == pytest.approx(0.75)


def test_uar_differs_from_accuracy_on_unbalanced():
    y = np.array([0] * 90 + [1] * 10)
    p = np.zeros(100, int)  # majority class
    assert M.accuracy(y, p) == pytest.approx(0.9)
    assert M.uar(y, p) == pytest.approx(0.5)


def test_confusion_label_order_and_unknown():
    C = M.confusion(["a", "b", "b"], ["b", "b", "a"], labels=["b", "a"])
    np.testing.assert_array_equal(C, [[1, 1], [1, 0]])
    with pytest.raises(ValueError, match="not in labels"):
        M.confusion(["a"], ["z"], labels=["a"])
    with pytest.raises(ValueError):
        M.uar([0, 1], [0])


def test_summarize():
    m, s = M.summarize([0.5, 0.7, 0.9])
    assert m == pytest.approx(0.7) and s == pytest.approx(np.std([0.5, 0.7, 0.9], ddof=1))
    assert M.summarize([0.4]) == (0.4, 0.0)
    with pytest.raises(ValueError):
        M.summarize([])
    assert M.fmt(0.7, 0.05) == "70.0 ± 5.0"


def test_aggregate_pooled_and_by_seed():
    df = pd.DataFrame({"model": ["x"] * 4 + ["y"] * 4, "seed": [0, 0, 1, 1] * 2,
                       "fold": [0, 1] * 4, "uar": [0.5, 0.7, 0.6, 0.8, 0.1, 0.1, 0.3, 0.3]})
    t = M.aggregate(df, ["model"]).set_index("model")
    assert t.loc["x", "mean"] == pytest.approx(0.65)
    assert t.loc["x", "std"] == pytest.approx(np.std([0.5, 0.7, 0.6, 0.8], ddof=1))
    assert t.loc["x", "n"] == 4
    ts = M.aggregate(df, ["model"], how="seed").set_index("model")
    assert ts.loc["y", "mean"] == pytest.approx(0.2)
    assert ts.loc["y", "std"] == pytest.approx(np.std([0.1, 0.3], ddof=1))
    with pytest.raises(ValueError):
        M.aggregate(df, ["nope"])
