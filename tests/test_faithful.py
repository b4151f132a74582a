"""The faithful audit: the paper's network under honest protocols, through the one runner."""
import json

import numpy as np
import pytest

from ser_lib.experiments import faithful, job_path, run_job


@pytest.fixture()
def tiny(synthetic_root, tmp_path, monkeypatch):
    monkeypatch.setenv("SER_CACHE_DIR", str(synthetic_root.parent))
    return tmp_path / "faithful"


def test_faithful_job_speaker_folds_resume_and_table(tiny, tmp_path):
    spec = faithful.faithful_spec("synthetic", "speaker", epochs=1, max_files=36, threads=1, test_groups=2)
    path = job_path(spec, tiny)
    assert faithful.run_spec(spec, path, max_minutes=0) is None and not path.exists()  # budget spent: no file
    out = run_job(spec, tiny)
    rec = json.loads(out.read_text())
    folds = rec["metrics"]["folds"]
    assert [f["fold"] for f in folds] == faithful.fold_names("synthetic", "speaker", test_groups=2, max_files=36)
    for f in folds:
        assert f["take_leakage"] == 0.0 and f["leakage"] == 0.0
        assert not set(f["test_speakers"]) & set(f["val_speakers"])
        assert len(f["predictions"]) == f["n_test"] and {"pred_last", "pred_best", "proba_last"} <= set(f["predictions"][0])
        assert 0 <= f["last"]["uar"] <= 1 and f["best_val"]["epoch"] == 1
        assert f["settings"]["lr"] == 1e-5 and f["settings"]["init"] == "keras"
    assert rec["job"]["recipe"] == "faithful" and rec["params"]["std_over"].startswith("folds")
    assert run_job(spec, tiny) == out  # finished jobs are skipped
    table = faithful.three_splits(tiny, reproduce_dir=tmp_path / "none", epochs=1)
    row = table[(table.split == faithful.SPLIT_NAMES["speaker"]) & (table.selection == "after 1 epochs")].iloc[0]
    assert row.folds == 2
    assert row.uar == pytest.approx(np.mean([f["last"]["uar"] for f in folds]))


def test_faithful_refuses_the_paper_protocol(tiny):
    spec = faithful.faithful_spec("synthetic", "paper", epochs=1, max_files=20)
    with pytest.raises(ValueError, match="reproduction"):
        faithful.run_spec(spec, job_path(spec, tiny))


def test_paper_at_epoch_reads_the_history():
    rec = {"history": [{"epoch": 1, "val_acc": 0.5, "val_uar": 0.4}, {"epoch": 2, "val_acc": 0.7, "val_uar": 0.6}]}
    assert faithful.paper_at_epoch(rec, 2) == {"epoch": 2, "accuracy": 0.7, "uar": 0.6}
    assert faithful.paper_at_epoch(rec, 3) is None


def test_status_text_says_how_many_of_the_planned_folds_have_run():
    import pandas as pd

    from ser_lib.viz.faithful import status_text

    table = pd.DataFrame([{"corpus": "emodb", "split": "paper: rows split after augmentation", "epochs": 100}])
    folds = pd.DataFrame([{"corpus": "emodb", "protocol": "speaker", "fold": f} for f in ("a", "b")])
    text = status_text(table, folds, 20, {("emodb", "speaker"): 5, ("emodb", "utterance"): 1})
    assert "2 of 5 folds of 20 epochs finished (the rest are in the training queue)" in text
    assert "recordings held out (by take): not run yet" in text
    assert "2 folds of 20 epochs finished" in status_text(table, folds, 20)  # without the plan
    only_utt = folds.assign(protocol="utterance").head(1)
    assert "speakers held out: none of its 5 folds finished yet" in status_text(
        table, only_utt, 20, {("emodb", "speaker"): 5, ("emodb", "utterance"): 1})
    done = status_text(table, folds.assign(protocol=["utterance", "speaker"]), 20,
                       {("emodb", "speaker"): 1, ("emodb", "utterance"): 1})
    assert "recordings held out (by take): its one fold of 20 epochs finished" in done
    assert "speakers held out: both folds of 20 epochs finished." in status_text(table, folds, 20,
                                                                                 {("emodb", "speaker"): 2})
    assert "paper split run to 100 of 100 epochs" in text
    on = folds.assign(trained_on=["GPU NVIDIA H200", "CPU, 2 torch threads"])
    assert "2 folds of 20 epochs finished on GPU NVIDIA H200 and CPU, 2 torch threads" in status_text(table, on, 20)


def test_trained_on_reads_the_fold_settings_or_the_provenance():
    from ser_lib.experiments.faithful import trained_on

    gpu = {"provenance": {"hardware": {"cuda": "NVIDIA H200"}}}
    assert trained_on(gpu, {"settings": {"torch_threads": 16}}) == "GPU NVIDIA H200"  # device='auto' then
    assert trained_on(gpu, {"settings": {"device": "cpu", "torch_threads": 2}}) == "CPU, 2 torch threads"
    assert trained_on({"provenance": {"hardware": {"cuda": None}}}, {"settings": {"torch_threads": 1}}) == \
        "CPU, 1 torch thread"
