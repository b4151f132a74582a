"""``ser_lib.predict`` and ``python -m ser_lib predict``: files and folders the test makes, long files
over windows, and bad inputs (empty, silent, 50 ms, clipped, non-audio, not speech) that must give
a clear message instead of a confident label. Uses the shipped model."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ser_lib import input_quality as Q
from ser_lib import predict as PR
from ser_lib import synthetic
from ser_lib.voice_model import DEFAULT_MODEL, load

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bundle():
    return load()


def _voice(speaker="08", text="a01", emotion="W") -> np.ndarray:
    return synthetic.synthesize(speaker, text, emotion)


def _write(path: Path, y, sr=synthetic.SR, **kw) -> Path:
    sf.write(path, np.asarray(y, np.float32), sr, **kw)
    return path


def _cli(*args, timeout=300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ser_lib", "predict", "--no-progress", *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=timeout)


def test_window_spans():
    sr = 1000
    assert PR.window_spans(2000, sr) == [(0, 2000)]          # shorter than a window: one, padded later
    spans = PR.window_spans(6000, sr, 2.5, 1.25)
    assert spans[0] == (0, 2500) and spans[-1] == (3500, 6000)
    assert all(b - a == 2500 for a, b in spans)
    with pytest.raises(ValueError):
        PR.window_spans(10, sr, hop_s=0)


def test_predict_a_generated_file(tmp_path, bundle):
    f = _write(tmp_path / "me.wav", _voice())
    p = PR.predict_file(f, bundle)
    assert p.error is None, p.error
    assert p.label in bundle.labels
    assert set(p.probabilities) == set(bundle.labels)
    assert abs(sum(p.probabilities.values()) - 1) < 1e-3
    assert p.label == max(p.probabilities, key=p.probabilities.get)
    assert p.n_windows >= 1 and p.duration_s > 3


def test_cli_file_json_and_csv(tmp_path):
    f = _write(tmp_path / "voice.flac", _voice("03", "b01", "T"), format="FLAC")  # not only WAV
    r = _cli(f, "--format", "json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    (p,) = out["predictions"]
    assert p["label"] in out["labels"] and p["error"] is None
    r = _cli(f, "--format", "csv")
    assert r.returncode == 0, r.stderr
    header = r.stdout.splitlines()[0].split(",")
    assert header[:3] == ["file", "label", "reliable"] and "angry" in header


def test_cli_folder_with_labels_gives_confusion_and_uar(tmp_path):
    folder = tmp_path / "mine"
    (folder / "sub").mkdir(parents=True)
    rows = []
    for i, (spk, emo, name) in enumerate([("08", "W", "angry"), ("09", "T", "sad"), ("10", "N", "neutral"),
                                          ("13", "F", "happy")]):
        sub = folder / "sub" if i % 2 else folder
        f = _write(sub / f"clip{i}.wav", _voice(spk, "a02", emo))
        rows.append(f"{f.relative_to(folder)},{name}")
    (folder / "notes.txt").write_text("not audio, and not picked up from a folder")
    (folder / "labels.csv").write_text("file,emotion\n" + "\n".join(rows) + "\n")
    r = _cli(folder, "--labels", folder / "labels.csv")
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("clip") >= 4
    assert "UAR" in r.stdout and "predicted" in r.stdout  # the confusion matrix
    preds = PR.predict_paths([folder], progress=False)
    assert len(preds) == 4
    rep = PR.evaluate(preds, folder / "labels.csv", load().labels)
    assert rep["n"] == 4 and 0 <= rep["uar"] <= 1
    assert int(rep["confusion"].to_numpy().sum()) == 4


def test_long_file_is_scored_over_windows(tmp_path, bundle):
    y = np.concatenate([_voice("08", t, "W") for t in ("a01", "a02", "a04")] + [np.zeros(8000, np.float32)])
    f = _write(tmp_path / "long.wav", y)
    p = PR.predict_file(f, bundle, track=True)
    assert p.error is None and p.n_windows >= 6
    assert len(p.windows) == p.n_windows
    w = p.windows[0]
    assert w["end_s"] - w["start_s"] == pytest.approx(2.5, abs=1e-3)
    assert abs(sum(w[lab] for lab in bundle.labels) - 1) < 1e-3
    r = _cli(f, "--windows")
    assert r.returncode == 0 and "per window" in r.stdout


# ------------------------------------------------------------------------------------------------ bad inputs
def test_empty_files(tmp_path, bundle):
    zero = tmp_path / "zero.wav"
    zero.write_bytes(b"")
    header_only = _write(tmp_path / "header_only.wav", np.zeros(0))
    for f, words in ((zero, "not a readable audio file"), (header_only, "zero audio samples")):
        p = PR.predict_file(f, bundle)
        assert p.label is None and p.probabilities is None
        assert words in p.error


def test_silent_file(tmp_path, bundle):
    p = PR.predict_file(_write(tmp_path / "silence.wav", np.zeros(48000)), bundle)
    assert p.label is None and "silent" in p.error
    quiet = _write(tmp_path / "quiet.wav", 1e-5 * np.random.default_rng(0).standard_normal(48000), subtype="FLOAT")
    p = PR.predict_file(quiet, bundle)
    assert p.label is None and "silent" in p.error and "dBFS" in p.error


def test_50_ms_is_too_short(tmp_path, bundle):
    f = _write(tmp_path / "blip.wav", _voice()[16000:16800])  # 50 ms at 16 kHz
    p = PR.predict_file(f, bundle)
    assert p.label is None and p.error.startswith("too short") and "50 ms" in p.error
    r = _cli(f)
    assert r.returncode == 2 and "too short" in r.stdout


def test_clipped_file_is_flagged(tmp_path, bundle):
    y = np.clip(8 * _voice(), -1, 1)
    p = PR.predict_file(_write(tmp_path / "hot.wav", y), bundle)
    assert p.error is None and p.label in bundle.labels   # still a guess ...
    assert not p.reliable and any(w.startswith("clipped") for w in p.warnings)  # ... marked unreliable
    r = _cli(tmp_path / "hot.wav")
    assert "clipped" in r.stdout and "(" in r.stdout


def test_non_audio_file(tmp_path, bundle):
    f = tmp_path / "notes.wav"
    f.write_text("these are my notes, not a recording\n" * 50)
    p = PR.predict_file(f, bundle)
    assert p.label is None and "not a readable audio file" in p.error
    missing = PR.predict_file(tmp_path / "nope.wav", bundle)
    assert "no such file" in missing.error


@pytest.mark.parametrize("kind", ["white noise", "sine"])
def test_non_speech_is_flagged(tmp_path, bundle, kind):
    sr = 16000
    t = np.arange(3 * sr) / sr
    y = 0.1 * np.random.default_rng(1).standard_normal(t.size) if kind == "white noise" else 0.5 * np.sin(2 * np.pi * 220 * t)
    p = PR.predict_file(_write(tmp_path / "x.wav", y, sr), bundle)
    assert not p.reliable and any("does not look like speech" in w for w in p.warnings)


def test_screen_accepts_voice_and_speech_like_signals():
    y = _voice("11", "b02", "N")
    sc = Q.screen(y, synthetic.SR)
    assert sc.usable and sc.reliable, sc.messages()
    assert Q.clipped_fraction(np.clip(5 * y, -0.5, 0.5)) > Q.CLIP_FRACTION
    assert Q.clipped_fraction(y) < Q.CLIP_FRACTION


def test_predict_signal_matches_file(tmp_path, bundle):
    y = _voice("09", "a04", "F")
    a = PR.predict_signal(y, synthetic.SR, bundle)
    b = PR.predict_file(_write(tmp_path / "v.wav", y, subtype="FLOAT"), bundle)
    assert a.label == b.label
    assert np.allclose(list(a.probabilities.values()), list(b.probabilities.values()), atol=2e-3)


def test_other_model_path(tmp_path):
    r = _cli(_write(tmp_path / "v.wav", _voice()), "--model", tmp_path / "missing.pt")
    assert r.returncode == 2 and "no model file" in r.stderr
    assert DEFAULT_MODEL.exists()
