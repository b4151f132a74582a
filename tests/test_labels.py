"""ser_lib.labels: one label encoder, two class orders (alphabetical for the reproduction, the corpus
order for the audit), and the display order of the corpus figures."""
import numpy as np
import pandas as pd
import pytest

from ser_lib import labels as L


def test_encode_labels_sorted():
    y, names = L.encode_labels(["sad", "angry", "neutral", "angry"])
    assert names == ["angry", "neutral", "sad"]
    assert y.tolist() == [2, 0, 1, 0]


def test_sorted_order_is_sklearns_label_encoder():
    from sklearn.preprocessing import LabelEncoder

    lab = np.random.default_rng(0).choice(["sad", "angry", "neutral", "happy", "fear", "disgust", "surprise"], 200)
    y, names = L.encode_labels(pd.Series(lab))
    enc = LabelEncoder().fit(lab)
    assert names == list(enc.classes_) and np.array_equal(y, enc.transform(lab)) and y.dtype == np.int64


def test_corpus_order_puts_unknown_labels_last():
    y, names = L.encode_labels(["zzz", "sad", "boredom", "neutral", "calm", "sad", "aaa"], order=L.EMOTIONS)
    assert names == ["neutral", "calm", "sad", "boredom", "aaa", "zzz"]
    assert y.tolist() == [5, 2, 3, 0, 1, 2, 4]
    assert L.EMOTIONS == ("neutral", "calm", "happy", "sad", "angry", "fear", "disgust", "surprise", "boredom")


def test_display_order_is_for_figures_only():
    assert L.DISPLAY_ORDER == ("neutral", "calm", "boredom", "happy", "surprise", "angry", "fear", "disgust", "sad")
    assert set(L.DISPLAY_ORDER) == set(L.EMOTIONS)
    assert L.label_order(pd.Series(["sad", "happy", "boredom", "other"]), L.DISPLAY_ORDER) == \
        ["boredom", "happy", "sad", "other"]


def test_one_implementation_and_the_old_names():
    from ser_lib import audit, corpora, reproduce
    from ser_lib.viz import corpora as vc

    assert reproduce.encode_labels is L.encode_labels
    assert vc.EMOTION_ORDER is L.DISPLAY_ORDER  # notebooks/01_corpora.ipynb reads vc.EMOTION_ORDER
    assert vc._order(["sad", "calm", "x"]) == ["calm", "sad", "x"]
    for mod, name in ((audit, "EMOTION_ORDER"), (corpora, "EMOTIONS")):
        assert not hasattr(mod, name), f"{mod.__name__}.{name}: a second copy of the label order"


@pytest.mark.parametrize("bad", [[], ()])
def test_empty(bad):
    y, names = L.encode_labels(bad)
    assert y.size == 0 and names == []
