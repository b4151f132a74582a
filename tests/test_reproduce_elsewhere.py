"""Training on a machine without the corpus (a lent GPU): prepared rows, results with predictions, pages
rendered from the results file (ser_lib.reproduce.prepare / save_prepared / train_evaluate / from_results,
scripts/reproduce_elsewhere.py, faithful jobs with --prepared)."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from ser_lib import reproduce

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture()
def prep(synthetic_root, monkeypatch):
    monkeypatch.setenv("SER_CACHE_DIR", str(synthetic_root.parent))
    return reproduce.prepare("synthetic", max_files=8, n_jobs=1, progress=False)


def test_prepared_rows_round_trip_bit_for_bit_without_paths(prep, tmp_path):
    prep.meta.loc[0, "text"] = None          # a missing value must stay missing (take ids depend on it)
    prep.meta["speaker"] = "03"              # a speaker id with a leading zero must stay a string
    path = reproduce.save_prepared(prep, tmp_path / "rows.npz")
    back = reproduce.load_prepared(path)
    assert back.X.dtype == np.float32 and np.array_equal(back.X.view(np.uint32), prep.X.view(np.uint32))
    assert "path" not in back.meta.columns and "path" in prep.meta.columns
    assert back.meta["speaker"].tolist() == ["03"] * len(prep.meta)
    assert pd.isna(back.meta.loc[0, "text"]) and not pd.isna(back.meta.loc[1, "text"])
    assert back.data == prep.data and back.corpus == "synthetic" and back.max_files == 8
    assert back.packed_by and back.packed_by["versions"]["numpy"]
    assert str(tmp_path) not in path.read_bytes().decode("latin-1")  # no machine path travels


def test_load_prepared_names_the_file_it_cannot_read(tmp_path):
    bad = tmp_path / "rows.npz"
    np.savez(bad, something=np.zeros(3))
    with pytest.raises(ValueError, match="rows.npz.*reproduce_elsewhere.py pack"):
        reproduce.load_prepared(bad)


def test_train_evaluate_elsewhere_and_render_from_results(prep, tmp_path):
    out = tmp_path / "res.json"
    loaded = reproduce.load_prepared(reproduce.save_prepared(prep, tmp_path / "rows.npz"))
    r = reproduce.train_evaluate(loaded, epochs=1, torch_threads=1, checkpoint_dir=None, results_path=out,
                                 progress=False, max_minutes=5)
    rec = json.loads(out.read_text())
    assert rec["rows_prepared_on"]["git"] == prep_git(loaded)
    assert len(rec["predictions"]["y_pred"]) == r.metrics["n_test"] == len(r.test_idx)
    back = reproduce.from_results(out)
    assert back.model is None and back.history.epochs_run == 1
    assert np.array_equal(back.confusion, r.confusion)
    pd.testing.assert_frame_equal(back.report, r.report)
    assert back.metrics["accuracy"] == pytest.approx(r.metrics["accuracy"])
    # the same rows give the same numbers as the one-machine run (same seed, same split, CPU)
    direct = reproduce.train_evaluate(prep, epochs=1, torch_threads=1, checkpoint_dir=None, progress=False)
    assert np.array_equal(direct.pred_test, r.pred_test)
    assert [direct.metrics[k] for k in ("accuracy", "uar", "macro_f1")] == \
        pytest.approx([r.metrics[k] for k in ("accuracy", "uar", "macro_f1")])


def prep_git(p):
    return p.packed_by["git"]


def test_from_results_refuses_files_without_or_with_edited_predictions(tmp_path):
    f = tmp_path / "old.json"
    f.write_text(json.dumps({"params": {"corpus": "emodb"}, "metrics": {"labels": ["a"], "accuracy": 1.0}}))
    with pytest.raises(ValueError, match="old.json.*no per-row predictions"):
        reproduce.from_results(f)
    f.write_text(json.dumps({"params": {"corpus": "emodb", "epochs": 1}, "history": [],
                             "metrics": {"labels": ["a", "b"], "accuracy": 1.0},
                             "predictions": {"test_row": [0, 1], "y_true": [0, 1], "y_pred": [0, 0]}}))
    with pytest.raises(ValueError, match="edited"):
        reproduce.from_results(f)


def test_shortfall_of_a_run_without_checkpoint_does_not_promise_a_resume():
    text = reproduce.shortfall_text(86, stopped_for_time=True, max_minutes=7, resumable=False)
    assert "86 of 100" in text and "cannot be continued" in text and "resumes" not in text
    assert "resumes" in reproduce.shortfall_text(86, stopped_for_time=True, max_minutes=7)


def test_exact_float32_turns_tf32_off_on_cuda_only_and_restores_it():
    from ser_lib.speed import exact_float32

    before = (torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32)
    with exact_float32(torch.device("cuda")):
        assert not torch.backends.cudnn.allow_tf32 and not torch.backends.cuda.matmul.allow_tf32
    assert (torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32) == before
    torch.backends.cudnn.allow_tf32 = True
    try:
        with exact_float32(torch.device("cpu")):
            assert torch.backends.cudnn.allow_tf32
        with exact_float32(torch.device("cuda"), enabled=False):  # mixed precision chooses its own
            assert torch.backends.cudnn.allow_tf32
    finally:
        torch.backends.cudnn.allow_tf32 = before[0]


def test_faithful_fold_from_prepared_rows_equals_the_audio_path(synthetic_root, tmp_path, monkeypatch):
    from ser_lib.experiments import faithful, job_path

    monkeypatch.setenv("SER_CACHE_DIR", str(synthetic_root.parent))
    spec = faithful.faithful_spec("synthetic", "utterance", epochs=1, max_files=24, threads=1)
    rows = reproduce.prepare("synthetic", max_files=24, n_jobs=1, progress=False)
    loaded = reproduce.load_prepared(reproduce.save_prepared(rows, tmp_path / "rows.npz"))
    assert faithful.fold_names("synthetic", "utterance", max_files=24) == \
        faithful.fold_names("synthetic", "utterance", prepared=loaded)
    a = json.loads(faithful.run_spec(spec, job_path(spec, tmp_path / "a")).read_text())
    b = json.loads(faithful.run_spec(spec, job_path(spec, tmp_path / "b"), prepared=loaded).read_text())
    assert a["data"] == b["data"] and a["params"] == b["params"]
    fa, fb = a["metrics"]["folds"][0], b["metrics"]["folds"][0]
    assert [p["pred_last"] for p in fa["predictions"]] == [p["pred_last"] for p in fb["predictions"]]
    wrong = faithful.faithful_spec("synthetic", "utterance", epochs=1, max_files=12, threads=1)
    with pytest.raises(ValueError, match="not those of"):
        faithful.run_spec(wrong, job_path(wrong, tmp_path / "c"), prepared=loaded)


def test_script_packs_and_runs_without_the_audio_libraries(synthetic_root, tmp_path):
    """`run` must work where librosa and soundfile are not installed (the GPU machine's image)."""
    env = {"SER_CACHE_DIR": str(synthetic_root.parent), "PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg"}
    bundle, out = tmp_path / "rows.npz", tmp_path / "res.json"
    subprocess.run([sys.executable, str(REPO / "scripts" / "reproduce_elsewhere.py"), "pack", "synthetic",
                    "--max-files", "6", "--n-jobs", "1", "--out", str(bundle)], check=True, env=env, cwd=tmp_path)
    block = ("import sys, runpy\n"
             "for m in ('librosa', 'soundfile', 'pooch', 'papermill', 'IPython'): sys.modules[m] = None\n"
             "sys.argv = sys.argv[1:]\nrunpy.run_path(sys.argv[0], run_name='__main__')\n")
    subprocess.run([sys.executable, "-c", block, str(REPO / "scripts" / "reproduce_elsewhere.py"), "run",
                    str(bundle), "--epochs", "1", "--threads", "1", "--device", "cpu", "--quiet",
                    "--drop-attention", "channel", "--results", str(out)], check=True, env=env, cwd=tmp_path)
    rec = json.loads(out.read_text())
    assert rec["epochs_run"] == 1 and rec["params"]["checkpoint_dir"] is None and rec["predictions"]["y_pred"]
    assert rec["params"]["drop_attention"] == "channel"
    bad = subprocess.run([sys.executable, str(REPO / "scripts" / "reproduce_elsewhere.py"), "run", str(bundle),
                          "--epochs", "1", "--drop-attention", "printed", "--results", str(out)],
                         env=env, cwd=tmp_path, capture_output=True, text=True)
    assert bad.returncode != 0 and "printed the full model" in bad.stderr  # synthetic has no printout


def test_a_faithful_fold_finished_with_other_threads_is_not_run_again(tmp_path):
    import dataclasses
    import importlib.util

    from ser_lib.experiments import faithful, job_path

    spec16 = faithful.faithful_spec("savee", "utterance", "utterance", threads=16)
    spec2 = dataclasses.replace(spec16, threads=2)
    path = job_path(spec16, tmp_path)
    path.write_text(json.dumps({"job": {**spec16.to_dict(), "key": spec16.key}}))
    mod_spec = importlib.util.spec_from_file_location("faithful_audit_under_test", REPO / "scripts" / "faithful_audit.py")
    mod = importlib.util.module_from_spec(mod_spec)
    mod_spec.loader.exec_module(mod)
    assert job_path(spec2, tmp_path) == path
    assert mod.done_with_other_threads(spec2, path)
    other = dataclasses.replace(spec2, epochs=5)  # another job, not just other threads
    assert not mod.done_with_other_threads(other, path)
    assert not mod.done_with_other_threads(spec2, tmp_path / "missing.json")


def test_a_page_from_results_says_how_its_run_trained_and_rewords_its_banner(prep, tmp_path):
    """A results file keeps the banner text of the version that wrote it; a page rendered from it says,
    in this version's words, whether the run kept a checkpoint (the queue) or not (one call elsewhere)."""
    out = tmp_path / "res.json"
    reproduce.train_evaluate(prep, epochs=1, torch_threads=1, checkpoint_dir=None, results_path=out,
                             progress=False, max_minutes=5)
    rec = json.loads(out.read_text())
    rec.update(stopped_for_time=True, shortfall="old words: it resumes from its last epoch checkpoint")
    out.write_text(json.dumps(rec))
    back = reproduce.from_results(out)
    assert "kept no checkpoint" in back.record["shortfall"] and "resumes" not in back.record["shortfall"]
    assert reproduce.from_results_note(back.record).startswith("**Trained on another machine**")
    rec["params"]["checkpoint_dir"] = "$SER_CACHE_DIR/checkpoints/reproduce/run"   # trained by the queue
    out.write_text(json.dumps(rec))
    back = reproduce.from_results(out)
    assert "Where that checkpoint is gone" in back.record["shortfall"]
    note = reproduce.from_results_note(back.record)
    assert "long-run queue" in note and "reproduce_elsewhere" not in note
    assert json.loads(out.read_text())["shortfall"].startswith("old words")   # the record itself is untouched
