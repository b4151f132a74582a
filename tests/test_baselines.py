"""ser_lib.baselines: openSMILE cache, MFCC statistics, C chosen on validation only."""
import numpy as np
import pytest

from ser_lib import baselines as B


def test_mfcc_stats_ignores_padding():
    rng = np.random.default_rng(0)
    X = np.zeros((2, 20, 10), np.float32)
    X[0, :, :6] = rng.normal(size=(20, 6))
    X[1] = rng.normal(size=(20, 10))
    S = B.mfcc_stats(X)
    assert S.shape == (2, 40)
    np.testing.assert_allclose(S[0, :20], X[0, :, :6].mean(1), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(S[0, 20:], X[0, :, :6].std(1), rtol=1e-5, atol=1e-6)
    z = rng.random((2, 10))
    S2 = B.mfcc_stats(X, z, z, n_valid=np.array([6, 10]))
    assert S2.shape == (2, 44)
    assert S2[0, 20] == pytest.approx(z[0, :6].mean(), rel=1e-5)
    with pytest.raises(ValueError):
        B.mfcc_stats(X[0])


def test_fit_select_uses_validation_not_test():
    rng = np.random.default_rng(1)
    n, d = 200, 30
    X = rng.normal(size=(n, d))
    y = (X[:, 0] + 0.5 * rng.normal(size=n) > 0).astype(int)
    res = B.fit_select("logreg", X[:120], y[:120], X[120:160], y[120:160], C_grid=(1e-4, 1e-2, 1.0))
    assert set(res.val_uar) == {1e-4, 1e-2, 1.0}
    assert res.C == max(res.val_uar, key=lambda c: (res.val_uar[c], -c))
    acc = np.mean(res.predict(X[160:]) == y[160:])
    assert acc > 0.7
    # without validation: default C, no search
    r2 = B.fit_select("linear_svm", X[:120], y[:120])
    assert r2.C == 1e-2 and r2.val_uar == {}
    with pytest.raises(ValueError):
        B.make_classifier("nope")


def test_scaler_is_inside_the_pipeline():
    m = B.make_classifier("linear_svm")
    assert type(m.steps[0][1]).__name__ == "StandardScaler"


def test_opensmile_features_cached(tmp_path, monkeypatch):
    import soundfile as sf

    sr = 16000
    t = np.arange(int(3.5 * sr)) / sr
    y = (0.3 * np.sin(2 * np.pi * 180 * t) * (1 + 0.5 * np.sin(2 * np.pi * 3 * t))).astype(np.float32)
    p = tmp_path / "a.wav"
    sf.write(p, y, sr)
    X = B.opensmile_features([p], "eGeMAPSv02", cache=tmp_path / "cache", n_jobs=1, progress=False)
    assert X.shape == (1, 88) and np.isfinite(X).all()
    files = list((tmp_path / "cache" / "opensmile" / "eGeMAPSv02").glob("*.npy"))
    assert len(files) == 1
    # second call reads the cache: corrupting opensmile would not matter
    import opensmile

    monkeypatch.setattr(opensmile, "Smile", None)
    X2 = B.opensmile_features([p], "eGeMAPSv02", cache=tmp_path / "cache", n_jobs=1, progress=False)
    np.testing.assert_array_equal(X, X2)
    with pytest.raises(ValueError):
        B.opensmile_features([p], "nope")
    with pytest.raises(FileNotFoundError):
        B.opensmile_features([tmp_path / "missing.wav"], "eGeMAPSv02", cache=tmp_path / "cache")
