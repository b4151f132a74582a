"""ser_lib.audit end to end on a tiny synthetic configuration; units of the audit's models (registry, efficient,
cost), frame features, scaling and training recipe (audit_train)."""
import json

import numpy as np
import pandas as pd
import pytest
import torch

from ser_lib import audit_train as T
from ser_lib import cost as C
from ser_lib import frames as FR
from ser_lib import paper
from ser_lib import registry as R
from ser_lib import scaling as S


def test_efficient_model_small_and_shapes():
    m = R.build_model("efficient", 7, 22)
    assert C.count_params(m) < 1_000_000
    out = m(torch.randn(3, 22, 108))
    assert out.shape == (3, 7)
    for name in ("efficient_noatt", "efficient_channel", "efficient_spatial"):
        mm = R.build_model(name, 4, 22)
        assert mm(torch.randn(2, 22, 108)).shape == (2, 4)
    assert C.count_params(R.build_model("efficient_noatt", 7)) < C.count_params(m)
    with pytest.raises(ValueError):
        m(torch.randn(2, 20, 108))
    with pytest.raises(ValueError):
        R.build_model("nope", 7)


def test_paper_text_model_param_count():
    m = R.paper_text_model(7)
    from ser_lib.model import keras_param_count

    assert keras_param_count(m)["total"] == 2_045_221 + (20 - 1) * 7 * 256


def test_count_macs_linear_and_conv():
    net = torch.nn.Sequential(torch.nn.Conv1d(2, 4, 3, padding=1), torch.nn.Flatten(), torch.nn.Linear(40, 5))
    assert C.count_macs(net, (2, 10)) == 10 * 4 * 2 * 3 + 40 * 5
    c = C.cost(R.build_model("efficient", 7), repeats=3, include_features=False)
    assert c["params"] > 0 and c["macs"] > 0 and c["model_ms"] > 0


def test_cost_command_writes_the_chapter_table(tmp_path):
    """``python -m ser_lib.cost`` writes the audit chapter's Cost table as a results file: one row per
    compared model with its exact parameter count, the released network's 39.2 M parameters among them,
    provenance included; bad arguments are refused."""
    import json

    table = C.main(["--out", str(tmp_path / "cost.json"), "--repeats", "2"])
    rec = json.loads((tmp_path / "cost.json").read_text())
    assert rec["metrics"] == json.loads(json.dumps(table)) and rec["params"]["torch_threads"] == 1
    assert "provenance" in rec and rec["metrics"]["features_ms"] > 0
    rows = {r["model"]: r for r in rec["metrics"]["models"]}
    assert len(rows) == 4 and rows["efficient attention CNN"]["params"] == C.count_params(R.build_model("efficient", 7))
    assert rows[f"released PaperNet on the {paper.VECTOR_LENGTH}-value vector"]["params"] == 39_202_981
    assert all(r["model_ms"] > 0 and r["macs"] > 0 for r in rows.values())
    with pytest.raises(SystemExit):
        C.main(["--out", str(tmp_path / "x.json"), "--repeats", "0"])


def test_frame_features_and_standardizer():
    T = 5
    zcr, rms = np.arange(T) / 10, np.full(T, 0.1)
    mf = np.arange(20 * T, dtype=np.float32).reshape(20, T)
    v = np.r_[zcr, rms, mf.T.ravel()].astype(np.float32)
    X = np.zeros((2, 22 * 8), np.float32)
    X[0, :v.size] = v
    F = FR.frame_features(X, np.array([T, 8]), T=8)
    assert F.shape == (2, 22, 8)
    np.testing.assert_allclose(F[0, :20, :T], mf)
    np.testing.assert_allclose(F[0, 20, :T], zcr, rtol=1e-6)
    np.testing.assert_allclose(F[0, 21, :T], np.log10(rms + 1e-4), rtol=1e-5)
    assert np.all(F[0, :, T:] == 0)
    rng = np.random.default_rng(0)
    Xf = rng.normal(3, 2, size=(50, 22, 8)).astype(np.float32)
    Xf[:, :, 6:] = 0
    s = S.Standardizer().fit(Xf)
    Z = s.transform(Xf)
    assert abs(Z[:, :, :6].mean()) < 1e-4 and np.all(Z[:, :, 6:] == 0)


def test_train_learns_separable_and_selects_on_val():
    rng = np.random.default_rng(0)
    n = 240
    y = rng.integers(0, 3, n)
    X = rng.normal(size=(n, 22, 108)).astype(np.float32)
    X[:, 0, :] += (y[:, None] - 1) * 2.0
    m = R.build_model("efficient", 3)
    r = T.train(m, X[:160], y[:160], X[160:200], y[160:200], config=T.TrainConfig(epochs=6, patience=None, batch_size=32), seed=0,
                reinitialize=True)
    assert len(r.history) == 6 and 1 <= r.best_epoch <= 6
    assert r.best_val_uar == max(h["val_uar"] for h in r.history)
    pred = T.predict(m, X[200:])
    assert np.mean(pred == y[200:]) > 0.6



def test_train_starts_from_the_given_weights_unless_reinitialize():
    """train() trains the model it is given; reinitialize=True first resets it from the seed."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 22, 16)).astype(np.float32)
    y = rng.integers(0, 3, 64)
    cfg = T.TrainConfig(epochs=1, batch_size=32, lr=1e-9, weight_decay=0.0, time_mask=0, time_shift=0)

    def run(build_seed, reinitialize):
        torch.manual_seed(build_seed)
        m = R.build_model("efficient", 3)
        start = {k: v.clone() for k, v in m.state_dict().items()}
        T.train(m, X, y, config=cfg, seed=0, reinitialize=reinitialize)
        return start, m.state_dict()

    start, kept = run(1, False)
    torch.testing.assert_close(kept["out.weight"], start["out.weight"], atol=1e-6, rtol=0)
    _, a = run(1, True)
    _, b = run(2, True)
    assert not torch.allclose(a["out.weight"], start["out.weight"], atol=1e-3)
    torch.testing.assert_close(a["out.weight"], b["out.weight"], atol=0, rtol=0)  # from the seed alone


def test_predict_proba_and_predict_like_ser_lib_train():
    from ser_lib import train as keras_like

    torch.manual_seed(0)
    m = R.build_model("efficient", 4)
    X = np.random.default_rng(1).normal(size=(10, 22, 108)).astype(np.float32)
    m.train()
    p = T.predict_proba(m, X, batch_size=4)
    assert p.shape == (10, 4) and p.dtype == np.float32 and m.training
    np.testing.assert_allclose(p.sum(1), 1, rtol=1e-5)
    np.testing.assert_array_equal(T.predict(m, X), p.argmax(1))
    np.testing.assert_array_equal(p, keras_like.predict_proba(m, X, batch_size=4, device="cpu"))

@pytest.mark.slow
def test_audit_grid_synthetic(tmp_path, synthetic_root):
    from ser_lib import audit
    from ser_lib.experiments import grids

    audit._CACHE.clear()
    specs = grids.audit_grid(["synthetic"], ["paper", "speaker"], ["efficient", "mfcc_lr"], [0], epochs=2,
                             max_files=48)
    df = grids.run_audit(specs, results_dir=tmp_path, progress=False)
    files = sorted(p.name for p in tmp_path.glob("*.json"))
    assert len(files) == 4
    rec = json.loads((tmp_path / "synthetic__speaker__efficient__seed0.json").read_text())
    assert rec["metrics"]["leakage_mean"] == 0.0
    assert "checksum" in rec["data"] and rec["provenance"]["git"]
    assert "bytes" in rec["data"]["checksum_of"]  # content, not just file names
    assert rec["job"]["recipe"] == "audit" and rec["job"]["epochs"] == 2 and rec["job"]["max_files"] == 48
    assert np.asarray(rec["metrics"]["confusion"]).sum() == sum(f["n_test"] for f in rec["metrics"]["folds"])
    paper = df[(df.protocol == "paper") & (df.model == "efficient")]
    assert paper.leakage.iloc[0] > 0.5
    # resumable: a second call computes nothing new (file untouched)
    mtime = (tmp_path / files[0]).stat().st_mtime
    grids.run_audit(specs, results_dir=tmp_path, progress=False)
    assert (tmp_path / files[0]).stat().st_mtime == mtime
    tab = audit.summary_table(df)
    assert list(tab.columns) == ["paper", "speaker"]
    times = audit.grid_times(audit.collect(tmp_path), headline_models=["efficient"])
    assert times.loc[("headline", "efficient", True), "configurations"] == 2
    assert times.loc[("other", "mfcc_lr", True), "configurations"] == 2
    assert times["torch threads"].str.len().min() > 0  # the threads each run used are recorded
    assert "±" not in tab.iloc[0]["paper"]  # one split, one seed: a single value, no spread
    assert "±" in tab.iloc[0]["speaker"]    # several speaker folds: mean ± std over folds
    assert "[1 seed]" in audit.summary_table(df, with_n=True).iloc[0]["paper"]


def test_subsample_keeps_speakers_and_emotions():
    from ser_lib.protocols import subsample

    t = pd.DataFrame({"speaker": np.repeat(list("abcd"), 30), "emotion": np.tile(list("xyz"), 40),
                      "path": [f"f{i}" for i in range(120)]})
    s = subsample(t, 24, seed=0)
    assert len(s) == 24 and set(s.speaker) == set("abcd") and set(s.emotion) == set("xyz")
    assert len(subsample(t, None)) == 120


def test_second_edition_same_rows_enrolment_and_predictions(synthetic_root):
    from ser_lib import audit
    from ser_lib import protocols as P

    audit._CACHE.clear()
    data = audit.load_corpus("synthetic", max_files=60, n_jobs=1, progress=False)
    rec_cnn = audit.evaluate(data, "speaker", "efficient", 0, epochs=1)
    rec_lr = audit.evaluate(data, "speaker", "mfcc_lr", 0)
    rec_enrol = audit.evaluate(data, "speaker", "mfcc_lr+enrol", 0)
    assert rec_lr["params"]["edition"] == 2 and rec_enrol["params"]["enrol_k"] == audit.ENROL_K
    orig = (data.meta["version"] == "original").to_numpy()
    for f_cnn, f_lr, f_en, fold in zip(rec_cnn["metrics"]["folds"], rec_lr["metrics"]["folds"],
                                       rec_enrol["metrics"]["folds"], P.speaker(data.meta, "synthetic", 0)):
        # the same recordings are fitted: the baseline uses the originals of exactly the CNN's training rows,
        # and is not refit on the validation rows
        assert f_lr["n_train"] == orig[fold.train_idx].sum() and f_lr["settings"]["refit_on_val"] is False
        assert f_cnn["n_train"] == len(fold.train_idx)
        assert isinstance(f_lr["C_at_grid_edge"], bool) and len(f_lr["settings"]["C_grid"]) == 6
        # predictions are stored and add up to the metrics
        pr = f_lr["predictions"]
        assert len(pr["pred"]) == f_lr["n_test"] == len(fold.test_idx)
        assert np.mean(np.array(pr["pred"]) == np.array(pr["true"])) == pytest.approx(f_lr["accuracy"])
        # enrolment: ENROL_K recordings per test speaker calibrate and are not scored
        n_spk = len(fold.test_speakers)
        assert f_en["n_test"] == len(fold.test_idx) - audit.ENROL_K * n_spk
        assert not set(f_en["predictions"]["recording_id"]) - set(pr["recording_id"])


def test_enrolment_split_keeps_a_recording_to_score():
    import pandas as pd

    from ser_lib.scaling import enrolment_split

    meta = pd.DataFrame({"recording_id": [f"r{i}" for i in range(9)], "speaker": ["a"] * 6 + ["b"] * 3,
                         "version": "original"})
    enrol, scored = enrolment_split(meta, np.arange(9), k=5, seed=0)
    assert len(enrol) == 5 + 2 and len(scored) == 2 and not set(enrol) & set(scored)
    with pytest.raises(ValueError, match="k"):
        enrolment_split(meta, np.arange(9), k=0)


def test_speaker_standardize_with_and_without_scale():
    """Per speaker: mean 0 and std 1 with scale; only the mean removed without it (enrolment); no
    division by a near-zero std from a handful of reference rows."""
    from ser_lib.scaling import speaker_standardize

    rng = np.random.default_rng(0)
    F = np.concatenate([rng.normal(5, 2, (50, 3)), rng.normal(-1, 0.5, (50, 3))]).astype(np.float32)
    spk = np.array(["a"] * 50 + ["b"] * 50)
    z = speaker_standardize(F, spk, F, spk)
    for s in "ab":
        np.testing.assert_allclose(z[spk == s].mean(0), 0, atol=1e-5)
        np.testing.assert_allclose(z[spk == s].std(0), 1, atol=1e-4)
    c = speaker_standardize(F, spk, F, spk, scale=False)
    for s in "ab":
        np.testing.assert_allclose(c[spk == s].mean(0), 0, atol=1e-5)
        np.testing.assert_allclose(c[spk == s].std(0), F[spk == s].std(0), rtol=1e-5)
    ref = np.ones((5, 3), np.float32)  # five enrolment rows, one dimension constant among them
    ref[:, 1] = [1.0, 2.0, 3.0, 4.0, 5.0]
    far = speaker_standardize(F[:5], ["a"] * 5, ref, ["a"] * 5)
    near = speaker_standardize(F[:5], ["a"] * 5, ref, ["a"] * 5, scale=False)
    assert np.abs(far[:, 0]).max() > 1e3 and np.abs(near).max() < 20
    with pytest.raises(ValueError, match="no reference rows"):
        speaker_standardize(F[:5], ["z"] * 5, ref, ["a"] * 5)


def test_summary_means_are_the_headline_tables_and_leave_out_the_ablation_without_augmentation():
    """The summary's sentences and the headline table read the same means: speaker folds averaged over
    seeds, augmented runs only; the no-augmentation ablation of the same model is never pooled in."""
    from ser_lib import audit

    rows = []
    for augment, base in ((True, 0.60), (False, 0.40)):
        for seed in (0, 1):
            for k, fold in enumerate(("s1", "s2", "s3")):
                rows.append({"corpus": "emodb", "protocol": "speaker", "model": "efficient", "seed": seed,
                             "augment": augment, "fold": fold, "uar": base + 0.1 * k + 0.02 * seed})
    df = pd.DataFrame(rows)
    means = audit.summary_means(df, models=["efficient"])
    assert means[("emodb", "efficient", "speaker")] == pytest.approx(71.0)  # folds 61, 71, 81 after the seeds
    assert audit.summary_table(df).loc[("emodb", "efficient"), "speaker"].startswith("71.0 ±")
    assert audit.summary_means(df, augment=False)[("emodb", "efficient", "speaker")] == pytest.approx(51.0)
    assert audit.summary_means(df, models=["mfcc_lr"]).empty
