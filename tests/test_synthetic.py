"""ser_lib.synthetic: determinism, layout, idempotent/atomic generation, learnability."""
from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from ser_lib import corpora, synthetic


def test_layout_and_labels(synthetic_root, synthetic_table):
    df = synthetic_table
    assert len(df) == len(synthetic.SPEAKERS) * len(synthetic.TEXTS) * len(synthetic.EMOTIONS) == 210
    assert set(df["emotion"]) == {"angry", "happy", "sad", "neutral", "fear", "boredom", "disgust"}
    assert set(df["speaker"]) == {"03", "08", "09", "10", "11", "13"}
    assert df.groupby("speaker")["gender"].first().to_dict() == {
        "03": "male", "08": "female", "09": "female", "10": "male", "11": "male", "13": "female"}
    assert (synthetic_root / "wav" / "03a01Wa.wav").is_file()
    assert df["recording_id"].is_unique and df.attrs["unparsed"] == []
    assert (df["corpus"] == "synthetic").all()
    info = sf.info(str(synthetic_root / "wav" / "03a01Wa.wav"))
    assert info.samplerate == 16000 and info.channels == 1 and info.subtype == "PCM_16"


def test_clips_fit_paper_window(synthetic_table):
    from ser_lib import audio

    durations = [sf.info(p).duration for p in synthetic_table["path"]]
    assert min(durations) >= 3.1  # 0.6 s offset + 2.5 s window
    clip = audio.load_clip(synthetic_table["path"].iloc[0], sr=22050, offset=0.6, duration=2.5)
    assert not clip.padded


def test_deterministic_two_generations(tmp_path, synthetic_root):
    other = synthetic.ensure_corpus(tmp_path / "c2")
    a = json.loads((synthetic_root / "manifest.json").read_text())["files"]
    b = json.loads((other / "manifest.json").read_text())["files"]
    assert a == b
    # the manifest hashes are the files' hashes
    import hashlib

    name = "09b02Ta.wav"
    assert hashlib.sha256((other / "wav" / name).read_bytes()).hexdigest() == a[name]["sha256"]


def test_emotions_differ_in_prosody():
    import librosa

    def stats(emo):
        y = synthetic.synthesize("03", "a01", emo)
        f0 = librosa.yin(y, fmin=60, fmax=500, sr=16000, frame_length=1024, hop_length=256)
        rms = librosa.feature.rms(y=y, frame_length=1024, hop_length=256)[0]
        voiced = rms > 0.5 * rms.max()  # vowel nuclei only
        return np.sqrt(np.mean(y ** 2)), np.median(f0[voiced])

    rms_w, f0_w = stats("W")
    rms_t, f0_t = stats("T")
    assert rms_w > 1.5 * rms_t  # anger louder than sadness
    assert f0_w > 1.2 * f0_t  # and higher pitched


def test_idempotent_and_regenerates_on_change(tmp_path, monkeypatch):
    monkeypatch.setattr(synthetic, "SPEAKERS", {"03": synthetic.SPEAKERS["03"]})
    monkeypatch.setattr(synthetic, "TEXTS", {"a01": synthetic.TEXTS["a01"]})
    root = synthetic.ensure_corpus(tmp_path)
    wavs = sorted((root / "wav").iterdir())
    assert len(wavs) == 7
    mtimes = [w.stat().st_mtime_ns for w in wavs]
    assert synthetic.ensure_corpus(tmp_path) == root
    assert [w.stat().st_mtime_ns for w in sorted((root / "wav").iterdir())] == mtimes  # not rewritten
    # a damaged corpus (file missing) or another generator version is regenerated
    wavs[0].unlink()
    assert not synthetic.is_current(root)
    synthetic.ensure_corpus(tmp_path)
    assert wavs[0].is_file()
    monkeypatch.setattr(synthetic, "GENERATOR_VERSION", "0.0-test")
    assert not synthetic.is_current(root)
    synthetic.ensure_corpus(tmp_path)
    assert json.loads((root / "manifest.json").read_text())["generator_version"] == "0.0-test"
    # no temporary folders left behind
    assert [p.name for p in tmp_path.iterdir()] == ["synthetic"]


def test_bad_arguments():
    with pytest.raises(ValueError, match="speaker"):
        synthetic.synthesize("99", "a01", "W")
    with pytest.raises(ValueError, match="emotion"):
        synthetic.synthesize("03", "a01", "Q")


def test_simple_classifier_beats_chance_loso(synthetic_table):
    """MFCC mean+std + logistic regression, leave-one-speaker-out: UAR >= 2x chance."""
    import librosa
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import balanced_accuracy_score
    from sklearn.model_selection import LeaveOneGroupOut, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from ser_lib import audio

    X = []
    for p in synthetic_table["path"]:
        y, sr = audio.load(p, sr=16000, offset=0.6, duration=2.5)
        m = librosa.feature.mfcc(y=y, sr=sr, n_mfcc=20)
        X.append(np.r_[m.mean(1), m.std(1)])
    X = np.array(X)
    labels = synthetic_table["emotion"].to_numpy()
    groups = synthetic_table["speaker"].to_numpy()
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    pred = cross_val_predict(clf, X, labels, groups=groups, cv=LeaveOneGroupOut())
    uar = balanced_accuracy_score(labels, pred)
    chance = 1 / len(set(labels))
    assert uar >= 2 * chance, uar
