"""The paper protocol: file selection, shortfall text, a tiny end-to-end run (the split and the leakage
share are tested in test_protocols.py, the label encoding in test_labels.py)."""
import json

import numpy as np
import pandas as pd
import pytest

from ser_lib import reproduce


def test_subsample_spreads_emotions_without_speakers():
    from ser_lib.protocols import subsample

    t = pd.DataFrame({"path": [f"f{i}" for i in range(40)], "emotion": ["a"] * 30 + ["b"] * 5 + ["c"] * 5})
    s = subsample(t, 9)
    assert len(s) == 9 and set(s["emotion"]) == {"a", "b", "c"}
    assert subsample(t, None).shape[0] == 40
    with pytest.raises(ValueError, match="max_files"):
        subsample(t, 1)


def test_shortfall_text():
    assert reproduce.shortfall_text(100) is None
    assert "3 of 100 epochs" in reproduce.shortfall_text(3)
    assert "`make queue` does" in reproduce.shortfall_text(3, stopped_for_time=True)
    # a checkpoint lives in one machine's cache: the text must not promise a resume elsewhere
    assert "Where that checkpoint is gone" in reproduce.shortfall_text(3, stopped_for_time=True)
    assert "`make queue-printed`" in reproduce.shortfall_text(3, stopped_for_time=True, queue="make queue-printed")
    assert "with the same parameters" in reproduce.shortfall_text(3, stopped_for_time=True, queue=None)


def test_run_end_to_end_on_synthetic(synthetic_root, tmp_path, monkeypatch):
    monkeypatch.setenv("SER_CACHE_DIR", str(synthetic_root.parent))
    out = tmp_path / "res.json"
    r = reproduce.run("synthetic", max_files=6, epochs=1, torch_threads=1, n_jobs=1, checkpoint_dir=None,
                      results_path=out, progress=False)
    assert r.history.epochs_run == 1
    assert len(r.meta) == 4 * 6 and set(r.meta["version"]) == {"original", "noise", "pitch", "pitch_noise"}
    assert r.confusion.sum() == len(r.test_idx) == r.metrics["n_test"]
    rec = json.loads(out.read_text())
    assert rec["epochs_run"] == 1 and rec["epochs_planned"] == 1
    assert rec["shortfall"] and "1 of 100" in rec["shortfall"]
    assert 0.0 <= rec["leakage"]["test_rows_with_sibling_in_train"] <= 1.0
    assert rec["params"]["protocol"] == "paper" and rec["data"]["checksum"]
    assert len(rec["history"]) == 1 and "val_acc" in rec["history"][0]


def test_run_end_to_end_on_generated_cremad_files(tmp_path, monkeypatch):
    """CREMA-D audio is not available here: the reproduction runs on a few generated WAVs in its layout."""
    import soundfile as sf

    from ser_lib.deviations import deviations

    monkeypatch.setenv("SER_CACHE_DIR", str(tmp_path / "cache"))
    audio = tmp_path / "data" / "cremad" / "AudioWAV"
    audio.mkdir(parents=True)
    rng = np.random.default_rng(0)
    t = np.arange(int(16000 * 3.2)) / 16000
    names = ["1001_DFA_ANG_XX", "1002_IEO_HAP_HI", "1003_TIE_SAD_LO", "1004_DFA_NEU_XX", "1005_IEO_ANG_MD",
             "1006_TIE_HAP_XX"]
    for i, stem in enumerate(names):
        y = 0.3 * np.sin(2 * np.pi * (120 + 40 * i) * t) + 0.01 * rng.normal(size=t.size)
        sf.write(audio / f"{stem}.wav", y.astype(np.float32), 16000)
    out = tmp_path / "cremad.json"
    r = reproduce.run("cremad", data_root=tmp_path / "data", max_files=6, epochs=1, torch_threads=1, n_jobs=1,
                      checkpoint_dir=None, results_path=out, progress=False)
    assert r.corpus == "cremad" and r.labels == ["angry", "happy", "neutral", "sad"]
    assert r.params["batch_size"] == 32 and r.params["input_length"] == 2376  # released CREMA-D batch size
    rec = json.loads(out.read_text())
    assert rec["paper_figures"]["paper"] == 89.31 and rec["data"]["n_files"] == 6
    assert "reported figure" in deviations("cremad", r.params, data=rec["data"]).index
