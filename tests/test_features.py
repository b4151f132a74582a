"""ser_lib.dsp: every MFCC stage against librosa; ser_lib.features: the paper vector and the cached extract;
ser_lib.augment_study."""
from __future__ import annotations

from pathlib import Path

import librosa
import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from ser_lib import augment as A
from ser_lib import augment_study
from ser_lib import dsp as D
from ser_lib import features as F
from ser_lib import paper

SR = 22050


def _speechy(n, seed=0, sr=SR):
    """A crude voiced signal: harmonics of a gliding f0 plus a little noise, with an envelope."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / sr
    f0 = 120 + 40 * np.sin(2 * np.pi * 0.7 * t + seed)
    phase = 2 * np.pi * np.cumsum(f0) / sr
    y = sum(np.sin(k * phase) / k for k in range(1, 12))
    env = 0.5 * (1 - np.cos(2 * np.pi * t / t[-1]))
    return (0.2 * env * y + 0.003 * rng.standard_normal(n)).astype(np.float32)


# ------------------------------------------------------------------ stages vs librosa
@pytest.mark.parametrize("n", [55125, 22050, 3000, 511])
def test_frame_matches_librosa(n):
    y = _speechy(n)
    fr = D.frame(y)
    ref = librosa.util.frame(np.pad(y, 1024, mode="constant"), frame_length=2048, hop_length=512)
    assert fr.shape == ref.shape == (2048, D.n_frames(n))
    assert np.array_equal(fr, ref)
    long = _speechy(4096)
    assert D.frame(long, center=False).shape == (2048, 5) == (2048, D.n_frames(4096, center=False))
    with pytest.raises(ValueError, match="shorter"):
        D.frame(long[:100], center=False)


def test_spectrogram_matches_librosa_stft():
    y = _speechy(40000, seed=1)
    ref = np.abs(librosa.stft(y)) ** 2
    ours = D.spectrogram(y)
    assert ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref, rtol=1e-4, atol=1e-6 * ref.max())
    ref_mag = np.abs(librosa.stft(y, n_fft=1024, hop_length=256, win_length=800, window="hamming"))
    ours_mag = D.spectrogram(y, 1024, 256, 800, "hamming", power=1.0)
    np.testing.assert_allclose(ours_mag, ref_mag, rtol=1e-4, atol=1e-6 * ref_mag.max())


def test_window_matches_librosa():
    for win_length in (None, 1500):
        ref = librosa.util.pad_center(librosa.filters.get_window("hann", win_length or 2048, fftbins=True), size=2048)
        np.testing.assert_allclose(D.window_function("hann", 2048, win_length), ref, atol=1e-12)


@pytest.mark.parametrize("kw", [
    dict(sr=22050, n_fft=2048),
    dict(sr=16000, n_fft=512, n_mels=40),
    dict(sr=22050, n_fft=2048, htk=True),
    dict(sr=22050, n_fft=1024, n_mels=64, fmin=80.0, fmax=7600.0),
    dict(sr=22050, n_fft=2048, norm=None),
    dict(sr=22050, n_fft=2048, norm=1.0),
])
def test_mel_filterbank_matches_librosa(kw):
    ours = D.mel_filterbank(**kw)
    ref = librosa.filters.mel(**kw)
    assert ours.shape == ref.shape and ours.dtype == np.float32
    np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-9)


def test_mel_scale_matches_librosa():
    f = np.array([0.0, 100.0, 999.0, 1000.0, 4000.0, 11025.0])
    for htk in (False, True):
        np.testing.assert_allclose(D.hz_to_mel(f, htk), librosa.hz_to_mel(f, htk=htk), rtol=1e-10)
        np.testing.assert_allclose(D.mel_to_hz(D.hz_to_mel(f, htk), htk), f, atol=1e-8)


@pytest.mark.parametrize("top_db", [80.0, 40.0, None])
def test_power_to_db_matches_librosa(top_db):
    S = D.melspectrogram(_speechy(30000, seed=2))
    S[:, :3] = 0.0  # exercise amin
    np.testing.assert_allclose(D.power_to_db(S, top_db=top_db), librosa.power_to_db(S, top_db=top_db), atol=1e-9)
    assert D.power_to_db(S, top_db=top_db).min() >= (D.power_to_db(S).max() - top_db if top_db else -100.0)


def test_dct_and_lifter_match_librosa():
    S_db = librosa.power_to_db(librosa.feature.melspectrogram(y=_speechy(30000, seed=3), sr=SR)).astype(np.float64)
    ref = librosa.feature.mfcc(S=S_db, n_mfcc=13, lifter=22)
    ours = D.lifter(D.dct(S_db, 13), 22)
    np.testing.assert_allclose(ours, ref, atol=1e-9)
    with pytest.raises(ValueError):
        D.dct(S_db, 0)
    with pytest.raises(ValueError):
        D.lifter(ours, -1)


def test_preemphasis_matches_librosa():
    y = _speechy(5000, seed=4)
    ours = D.preemphasis(y, 0.97)
    np.testing.assert_allclose(ours[1:], librosa.effects.preemphasis(y, coef=0.97)[1:], atol=1e-7)
    assert ours[0] == pytest.approx(y[0] - 0.97 * (2 * y[0] - y[1]))


def test_mfcc_matches_librosa_with_other_parameters():
    y = _speechy(30000, seed=5)
    kw = dict(n_mfcc=13, n_fft=1024, hop_length=256, n_mels=40, fmin=50.0, fmax=8000.0, lifter=22)
    np.testing.assert_allclose(D.mfcc(y, SR, **kw), librosa.feature.mfcc(y=y, sr=SR, **kw), atol=D.MFCC_ATOL)
    # a wrong stage would be caught: reflect padding (librosa < 0.10) is far off near the edges
    wrong = D.mfcc(y, SR, pad_mode="reflect")
    assert np.abs(wrong - librosa.feature.mfcc(y=y, sr=SR)).max() > 100 * D.MFCC_ATOL


def _check_mfcc(paths):
    worst = 0.0
    for p in paths:
        y = F.load_paper_clip(p)
        ours, ref = D.mfcc(y), librosa.feature.mfcc(y=y, sr=SR)
        assert ours.shape == ref.shape
        worst = max(worst, float(np.abs(ours - ref).max()))
        np.testing.assert_allclose(ours, ref, atol=D.MFCC_ATOL, err_msg=str(p))
    return worst


def test_mfcc_matches_librosa_on_real_recordings(real_root):
    picks = []
    for pattern in ("emodb/wav/*.flac", "savee/ALL/*.flac", "emovo/*/*.flac", "ravdess/*/*.flac"):
        files = sorted(Path(real_root).glob(pattern))
        picks += files[:: max(1, len(files) // 2)][:2]
    if len(picks) < 5:
        pytest.skip(f"fewer than 5 real recordings under {real_root}")
    _check_mfcc(picks)


def test_mfcc_matches_librosa_on_synthetic_corpus(synthetic_table):
    _check_mfcc(list(synthetic_table["path"][:: max(1, len(synthetic_table) // 4)][:4]))


# ------------------------------------------------------------------ paper vector
def test_paper_vector_length_and_layout():
    y = _speechy(int(round(2.5 * SR)), seed=6)
    v = F.paper_vector(y)
    assert v.shape == (2376,) and v.dtype == np.float32
    lay = F.paper_layout(108)
    assert lay.length == 2376
    np.testing.assert_allclose(v[lay.blocks["zcr"]], librosa.feature.zero_crossing_rate(y)[0], atol=1e-7)
    np.testing.assert_allclose(v[lay.blocks["rms"]], librosa.feature.rms(y=y)[0], atol=1e-7)
    with F._single_thread():  # paper_vector holds BLAS to one thread (bit-identical results)
        m = librosa.feature.mfcc(y=y, sr=SR)
    assert v[lay.mfcc_index(3, 5)] == m[5, 3]
    assert lay.describe(lay.mfcc_index(3, 5)) == ("mfcc", 3, 5)
    assert lay.describe(0) == ("zcr", 0, None) and lay.describe(108) == ("rms", 0, None)
    np.testing.assert_array_equal(F.mfcc_from_paper_vector(v), m)
    tab = lay.index_table()
    assert len(tab) == 2376 and (tab["block"] == "mfcc").sum() == 2160
    with pytest.raises(IndexError):
        lay.describe(2376)
    short = F.paper_vector(y[:22050])
    assert short.size == 22 * 44
    assert F.mfcc_from_paper_vector(short).shape == (20, 108)


# ------------------------------------------------------------------ extract + cache
@pytest.fixture()
def wav_table(tmp_path):
    rows = []
    for i, seconds in enumerate([3.4, 3.3, 1.8]):  # the last one is shorter than 0.6 + 2.5 s
        p = tmp_path / f"rec{i}.wav"
        sf.write(p, _speechy(int(seconds * SR), seed=10 + i), SR)
        rows.append({"path": str(p), "corpus": "test", "speaker": f"s{i % 2}", "emotion": "neutral",
                     "recording_id": f"test/rec{i}"})
    return pd.DataFrame(rows)


def test_extract_shapes_cache_hits_and_misses(wav_table, tmp_path, monkeypatch):
    cdir = tmp_path / "cache"
    X, meta = F.extract(wav_table, versions=("original", "noise"), n_jobs=1, cache_dir=cdir, progress=False)
    assert X.shape == (6, 2376) and X.dtype == np.float32
    assert list(meta["version"]) == ["original", "noise"] * 3
    assert list(meta["recording_id"]) == ["test/rec0"] * 2 + ["test/rec1"] * 2 + ["test/rec2"] * 2
    short_len = 22 * D.n_frames(int(1.8 * SR) - int(0.6 * SR))
    assert (X[4:, short_len:] == 0).all() and (X[4:, :short_len] != 0).any()
    # the paper vector of the original equals the vector of the loaded clip
    np.testing.assert_array_equal(X[0], F.paper_vector(F.load_paper_clip(wav_table["path"][0])))

    # warm cache: no work at all, identical arrays
    calls = []
    real_work = F._work
    monkeypatch.setattr(F, "_work", lambda t: calls.append(t) or real_work(t))
    X2, _ = F.extract(wav_table, versions=("original", "noise"), n_jobs=1, cache_dir=cdir, progress=False)
    assert calls == [] and np.array_equal(X, X2)
    # a changed parameter misses
    X3, _ = F.extract(wav_table, versions=("original", "noise"), seed=1, n_jobs=1, cache_dir=cdir, progress=False)
    assert len(calls) == 3
    assert np.array_equal(X3[0::2], X[0::2]) and not np.array_equal(X3[1::2], X[1::2])
    F.extract(wav_table.head(1), versions=("original",), n_jobs=1, cache_dir=cdir, progress=False, offset=0.5)
    assert len(calls) == 4
    # fresh computation without cache gives bit-identical vectors
    X4, _ = F.extract(wav_table, versions=("original", "noise"), n_jobs=1, cache=False, progress=False)
    assert np.array_equal(X, X4)


def test_extract_parallel_order_independent_and_mfcc_kind(wav_table, tmp_path):
    kw = dict(versions=("noise", "pitch_noise"), seed=3, progress=False)
    Xa, meta_a = F.extract(wav_table, n_jobs=2, cache_dir=tmp_path / "a", **kw)
    Xb, meta_b = F.extract(wav_table.iloc[::-1], n_jobs=1, cache_dir=tmp_path / "b", **kw)
    # Xb lists recordings in reverse order, versions in the same order
    order = [4, 5, 2, 3, 0, 1]
    assert list(meta_b["recording_id"]) == list(meta_a["recording_id"].iloc[order])
    assert np.array_equal(Xb, Xa[order])
    Xm, meta_m = F.extract(wav_table, kind="mfcc", n_jobs=1, cache_dir=tmp_path / "a", **kw)
    assert Xm.shape == (6, 20, 108) and meta_m.equals(meta_a)
    for j in range(6):
        np.testing.assert_array_equal(Xm[j], F.mfcc_from_paper_vector(Xa[j][: 22 * meta_a["n_frames"][j]]))
    assert (Xm[4:, :, meta_a["n_frames"][4]:] == 0).all()


def test_extract_versions_match_clip_versions(wav_table, tmp_path):
    X, meta = F.extract(wav_table.head(1), n_jobs=1, cache_dir=tmp_path, progress=False, seed=2)
    clips = F.clip_versions(wav_table["path"][0], "test/rec0", seed=2)
    for j, v in enumerate(paper.VERSIONS):
        np.testing.assert_array_equal(X[j], F.paper_vector(clips[v]))
    assert not np.array_equal(X[0], X[2])  # pitch differs from original


def test_extract_failure_names_file_and_keeps_cache(wav_table, tmp_path):
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF not really a wav")
    table = pd.concat([wav_table.head(2), pd.DataFrame([{"path": str(bad), "recording_id": "test/broken"}])],
                      ignore_index=True)
    cdir = tmp_path / "cache"
    with pytest.raises(F.FeatureError, match="broken.wav"):
        F.extract(table, versions=("original",), n_jobs=1, cache_dir=cdir, progress=False)
    assert len(list(cdir.rglob("*.npy"))) == 2  # the two good files were cached
    with pytest.raises(F.FeatureError, match="missing.wav"):
        F.extract(pd.DataFrame({"path": [str(tmp_path / "missing.wav")]}), n_jobs=1, progress=False,
                  cache_dir=cdir)


def test_extract_bad_arguments(wav_table):
    with pytest.raises(ValueError, match="kind"):
        F.extract(wav_table, kind="mel")
    with pytest.raises(ValueError, match="unknown version"):
        F.extract(wav_table, versions=("speed",))
    with pytest.raises(ValueError, match="path"):
        F.extract(pd.DataFrame({"file": ["x"]}))


def test_stage_bad_inputs():
    with pytest.raises(TypeError):
        D.mfcc(np.arange(100))
    with pytest.raises(ValueError):
        D.mfcc(np.zeros((2, 100), np.float32))
    with pytest.raises(ValueError):
        D.mel_filterbank(22050, 2048, fmin=12000)
    with pytest.raises(ValueError):
        F.paper_vector(np.array([], np.float32))
    with pytest.raises(ValueError, match="sr"):
        F.paper_vector(np.ones(100, np.float32), sr=0)


def test_augmentation_distances(wav_table, tmp_path):
    df = augment_study.augmentation_distances(wav_table, n_pairs=3, seed=0, n_jobs=1, cache_dir=tmp_path)
    assert set(df["comparison"]) == {"noise", "pitch", "pitch_noise", "same speaker, other recording",
                                     "other speaker"}
    assert (df.loc[df.comparison == "noise", "distance"] > 0).all()
    # rec0 and rec2 share speaker s0: their same-speaker distance is symmetric
    same = df[df.comparison == "same speaker, other recording"].set_index("recording_id")["distance"]
    assert same["test/rec0"] == pytest.approx(same["test/rec2"])
    assert "test/rec1" not in same.index  # speaker s1 has a single recording
    with pytest.raises(ValueError, match="n_pairs"):
        augment_study.augmentation_distances(wav_table, n_pairs=0)
