"""Training: learns, resumes bit-exactly, respects budgets and model selection."""
import numpy as np
import pytest
import torch

from ser_lib.model import PaperNet
from ser_lib.train import History, fit, predict, predict_proba, set_seed, uar


def _toy(n=120, L=40, k=3, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    X = rng.normal(size=(n, L)).astype(np.float32)
    t = np.linspace(0, 1, L)
    for c in range(k):
        X[y == c] += 1.5 * np.sin(2 * np.pi * (c + 1) * t)
    return X, y


def _small(L=40, k=3, seed=0, **kw):
    set_seed(seed)
    return PaperNet(L, k, filters=16, dense_units=16, **kw)


def test_learns_toy_well_above_chance():
    X, y = _toy(200)
    Xv, yv = _toy(90, seed=1)
    m = _small()
    h = fit(m, X, y, Xv, yv, epochs=6, batch_size=16, lr=1e-3, progress=False)
    assert h.epochs_run == 6 and h.best_epoch == 6
    assert h.epochs[-1]["val_acc"] > 0.7
    assert set(h.epochs[0]) >= {"loss", "acc", "val_loss", "val_acc", "val_uar", "seconds", "samples_per_s"}
    assert h.epochs[0]["torch_threads"] == torch.get_num_threads()   # where each epoch ran, for the pages
    p = predict_proba(m, Xv)
    assert p.shape == (90, 3) and np.allclose(p.sum(1), 1, atol=1e-5)
    assert np.mean(predict(m, Xv) == yv) == pytest.approx(h.epochs[-1]["val_acc"])


def test_replica_learns_synthetic_corpus(synthetic_table):
    """The replica (256 filters, both attention blocks, small L: per-clip MFCC means and standard
    deviations) learns the synthetic corpus well above chance in a few epochs."""
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler
    import librosa
    from ser_lib import audio

    tab = synthetic_table
    feats = []
    for p in tab["path"]:
        yv, sr = audio.load(p, sr=16000)
        m = librosa.feature.mfcc(y=yv, sr=sr, n_mfcc=20)
        feats.append(np.r_[m.mean(1), m.std(1)])
    X = np.asarray(feats, np.float32)
    labels = sorted(tab["emotion"].unique())
    y = tab["emotion"].map({l: i for i, l in enumerate(labels)}).to_numpy()
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    sc = StandardScaler().fit(Xtr)
    set_seed(0)
    m = PaperNet(X.shape[1], len(labels), init="torch")
    h = fit(m, sc.transform(Xtr), ytr, sc.transform(Xte), yte, epochs=6, batch_size=16, lr=1e-3,
            progress=False)
    assert h.epochs[-1]["val_acc"] > 3.0 / len(labels)


def test_resume_equals_uninterrupted(tmp_path):
    X, y = _toy(64)
    Xv, yv = _toy(20, seed=3)
    kw = dict(batch_size=8, lr=1e-3, seed=5, progress=False)
    m1 = _small(seed=1)
    h1 = fit(m1, X, y, Xv, yv, epochs=4, **kw)

    m2 = _small(seed=1)
    h2a = fit(m2, X, y, Xv, yv, epochs=2, checkpoint_dir=tmp_path, **kw)
    assert h2a.epochs_run == 2
    del m2
    m3 = _small(seed=99)  # different initial weights: the checkpoint must overwrite them
    h2 = fit(m3, X, y, Xv, yv, epochs=4, checkpoint_dir=tmp_path, **kw)
    assert h2.resumed_from == 2 and h2.epochs_run == 4
    # the first epoch trained after the resume is marked (the learning curves draw it), no other
    assert [bool(e.get("resumed")) for e in h2.epochs] == [False, False, True, False]
    assert not any(e.get("resumed") for e in h1.epochs)
    for (k, a), (_, b) in zip(m1.state_dict().items(), m3.state_dict().items()):
        assert torch.equal(a, b), k
    assert [e["loss"] for e in h1.epochs] == [e["loss"] for e in h2.epochs]


def test_checkpoint_of_other_run_is_refused(tmp_path):
    X, y = _toy(40)
    fit(_small(), X, y, epochs=1, batch_size=8, checkpoint_dir=tmp_path, progress=False)
    X2, y2 = _toy(40, seed=7)
    with pytest.raises(ValueError, match="different run"):
        fit(_small(), X2, y2, epochs=2, batch_size=8, checkpoint_dir=tmp_path, progress=False)


def test_time_budget_stops_but_runs_one_epoch():
    X, y = _toy(40)
    h = fit(_small(), X, y, epochs=5, batch_size=8, max_minutes=1e-9, progress=False)
    assert h.epochs_run == 1 and h.stopped_for_time


def test_best_val_uar_selection_and_patience():
    X, y = _toy(80)
    Xv, yv = _toy(30, seed=2)
    m = _small()
    h = fit(m, X, y, Xv, yv, epochs=6, batch_size=16, lr=1e-3, select="best_val_uar", patience=2,
            progress=False)
    best = max(e["val_uar"] for e in h.epochs)
    assert h.epochs[h.best_epoch - 1]["val_uar"] == best
    assert uar(yv, predict(m, Xv)) == pytest.approx(best)
    with pytest.raises(ValueError):
        fit(_small(), X, y, epochs=1, batch_size=8, select="best_val_uar", progress=False)


def test_batch_of_one_is_merged_and_class_weights():
    X, y = _toy(17)  # 16 + 1: the single row joins the previous batch
    h = fit(_small(), X, y, epochs=1, batch_size=16, class_weight="balanced", progress=False)
    assert h.epochs_run == 1


def test_l2_is_added_to_loss():
    X, y = _toy(32)
    m = _small()
    h0 = fit(_small(), X, y, epochs=1, batch_size=32, weight_l2=0.0, lr=1e-9, progress=False)
    h1 = fit(_small(), X, y, epochs=1, batch_size=32, weight_l2=1e-3, lr=1e-9, progress=False)
    assert h1.epochs[0]["loss"] - h0.epochs[0]["loss"] == pytest.approx(1e-3 * m.l2_penalty().item(), rel=1e-3)


def test_input_validation():
    X, y = _toy(20)
    with pytest.raises(ValueError):
        fit(_small(), X, y[:-1], epochs=1, batch_size=4, progress=False)
    with pytest.raises(ValueError):
        fit(_small(), X, y.astype(float) + 0.5, epochs=1, batch_size=4, progress=False)
    Xn = X.copy(); Xn[0, 0] = np.nan
    with pytest.raises(ValueError):
        fit(_small(), Xn, y, epochs=1, batch_size=4, progress=False)


def test_history_roundtrip():
    h = History(epochs=[{"epoch": 1, "loss": 1.0}], epochs_planned=3)
    d = h.to_dict()
    assert d["epochs_run"] == 1 and History.from_dict(d).epochs_planned == 3


def test_zero_budget_reloads_checkpoint_without_training(tmp_path):
    X, y = _toy(40)
    kw = dict(batch_size=8, lr=1e-3, seed=2, progress=False, checkpoint_dir=tmp_path)
    m1 = _small(seed=1)
    h1 = fit(m1, X, y, epochs=5, max_minutes=1e-9, **kw)
    assert h1.epochs_run == 1 and h1.stopped_for_time
    m2 = _small(seed=3)
    h2 = fit(m2, X, y, epochs=5, max_minutes=0, **kw)
    assert h2.epochs_run == 1 and h2.stopped_for_time
    for a, b in zip(m1.state_dict().values(), m2.state_dict().values()):
        assert torch.equal(a, b)
