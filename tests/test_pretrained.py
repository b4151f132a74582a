"""The shipped model: it loads with ``weights_only=True`` with its labels, feature settings and
normalisation, its card and results file agree with it, a crafted file is refused, and on the
synthetic corpus (a toy voice it never heard) it is checked against chance on unseen speakers."""
from __future__ import annotations

import hashlib
import json
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from ser_lib import metrics as M
from ser_lib import predict as PR
from ser_lib import voice_model as VM
from ser_lib.checkpoints import CheckpointError

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "results" / "pretrained" / "efficient_shared_emotions.json"


def test_shipped_model_is_small_and_loads_weights_only():
    path = VM.DEFAULT_MODEL
    assert path.exists(), "the shipped model is missing: python -m ser_lib train-pretrained"
    assert path.stat().st_size < 3 * 2 ** 20
    raw = torch.load(path, map_location="cpu", weights_only=True)   # plain data and tensors only
    assert raw["format"] == VM.FORMAT
    for emo in ("angry", "happy", "neutral", "sad"):
        assert emo in raw["labels"]
    assert raw["normalization"]["mean"].shape == (22,) and raw["normalization"]["std"].shape == (22,)
    assert raw["features"]["sample_rate_hz"] == 22050 and raw["features"]["window_s"] == 2.5
    b = VM.load()
    assert b.labels == raw["labels"] and b.n_params < 200_000
    assert not b.model.training
    assert set(b.training["domains"]) <= {"emodb", "savee", "emovo", "ravdess", "tess", "cremad"}
    P = b.predict_proba(np.zeros((2, 22, 108), np.float32))
    assert P.shape == (2, len(b.labels)) and np.allclose(P.sum(1), 1, atol=1e-5)


def test_card_and_results_file_describe_the_shipped_weights():
    card = json.loads(VM.DEFAULT_MODEL.with_suffix(".json").read_text())
    assert card["weights_sha256"] == hashlib.sha256(VM.DEFAULT_MODEL.read_bytes()).hexdigest()
    b = VM.load()
    assert card["labels"] == b.labels
    assert np.allclose(card["normalization"]["mean"], b.mean, atol=1e-5)
    rec = json.loads(RESULTS.read_text())
    assert rec["bundle"]["sha256"] == card["weights_sha256"]
    m = rec["metrics"]
    assert set(m["held_out"]) == set(b.training["domains"])
    for d, h in m["held_out"].items():
        assert h["test_speakers"], d
        spk = b.training["per_domain"][d]
        assert not set(spk["test_speakers"]) & set(spk["val_speakers"])
        assert len(rec["data"]["per_domain"][d]["checksum"]) == 64
        assert 0 <= h["uar"] <= 1 and h["n"] > 0
    assert rec["provenance"]["git"]["commit"] and rec["provenance"]["versions"]["torch"]
    assert rec["params"]["torch_threads"] == 1 and rec["params"]["speaker_normalization"] is False


def test_a_crafted_or_foreign_file_is_refused(tmp_path):
    class Boom:
        def __reduce__(self):
            return (print, ("this would run",))

    bad = tmp_path / "evil.pt"
    bad.write_bytes(pickle.dumps({"format": VM.FORMAT, "x": Boom()}))
    with pytest.raises(CheckpointError):
        VM.load(bad)
    foreign = tmp_path / "foreign.pt"
    torch.save({"weights": torch.zeros(3)}, foreign)
    with pytest.raises(ValueError, match="not a ser_lib model bundle"):
        VM.load(foreign)
    with pytest.raises(FileNotFoundError):
        VM.load(tmp_path / "none.pt")


def _synthetic_uar(bundle, table) -> float:
    preds = [PR.predict_file(p, bundle) for p in table["path"]]
    yp = [max(p.probabilities, key=p.probabilities.get) for p in preds]
    return M.uar(table["emotion"].to_numpy(), np.array(yp))


def test_shipped_model_on_synthetic_speakers(synthetic_table):
    """The shipped (real-speech) model on the synthetic toy voice: recorded, not required above
    chance (it never heard the toy voice; see the results file's "synthetic" entry)."""
    b = VM.load()
    t = synthetic_table[synthetic_table["emotion"].isin(b.labels)]
    t = t[t["text"] == t["text"].iloc[0]]  # one text: 6 speakers x 6 emotions, quick
    u = _synthetic_uar(b, t)
    assert 0 <= u <= 1
    rec = json.loads(RESULTS.read_text())
    assert "uar" in rec["metrics"]["synthetic"]


def test_a_bundle_trained_on_synthetic_speakers_beats_chance_on_unseen_ones(tmp_path, synthetic_root):
    """The whole path (pooled data → training → bundle file → weights_only load → predict on files)
    on the synthetic corpus: trained on four speakers, tested on the two others."""
    from ser_lib.pooled import domain_table, fit, load_pooled

    torch.set_num_threads(1)
    data = load_pooled(["synthetic"], ["neutral", "happy", "sad", "angry"], max_per_domain=None)
    test_spk = ["synthetic/09", "synthetic/11"]
    train_spk = sorted(set(data.meta["speaker"]) - set(test_spk))
    tr = data.rows(speakers=train_spk)
    net, std, _ = fit(data, tr, None, epochs=8, patience=None, seed=0)
    path = VM.save(tmp_path / "synthetic.pt", net, data.labels, std.mean, std.std, training={"domains": ["synthetic"]})
    b = VM.load(path)
    t = domain_table("synthetic")
    t = t[t["speaker"].isin(["09", "11"]) & t["emotion"].isin(b.labels)]
    u = _synthetic_uar(b, t)
    assert u > 1.5 / len(b.labels), f"UAR {u:.2f} on unseen synthetic speakers (chance {1 / len(b.labels):.2f})"
