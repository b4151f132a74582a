"""The one runner (ser_lib.experiments): job specs, skipping, conflicts, the committed audit files,
and the same grid run locally and on a two-worker Dask cluster."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ser_lib import audit
from ser_lib.experiments import RECIPES, JobConflict, JobSpec, job_path, job_status, run_grid, run_job

REPO = Path(__file__).resolve().parent.parent


def _spec(**kw):
    base = dict(recipe="audit", corpus="synthetic", protocol="speaker", model="mfcc_lr", seed=0, max_files=48)
    return JobSpec(**{**base, **kw})


def test_spec_round_trip_and_stable_key():
    s = _spec(params={"b": 1, "a": "x"})
    d = s.to_dict()
    assert json.loads(json.dumps(d)) == d and d["params"] == {"a": "x", "b": 1}
    assert JobSpec.from_dict({**d, "key": "ignored"}) == s
    assert s.key == JobSpec.from_dict(d).key and len(s.key) == 16
    assert s.key == "1a32d0ebf2edca9d"  # the same on every machine and Python session (no hash salt)
    assert _spec(seed=1).key != s.key and hash(s) == hash(JobSpec.from_dict(d))


def test_recipes_registered():
    assert {"audit", "paper-reproduction"} <= set(RECIPES)
    assert "reproduce.run" in RECIPES["paper-reproduction"].run.__doc__
    s = _spec(recipe="paper-reproduction", protocol="paper", model="paper_code", epochs=1)
    with pytest.raises(ValueError, match="results_dir"):
        job_path(s)
    assert job_path(s, "/tmp/x").name.endswith(f"__{s.key}.json")


def test_committed_audit_files_are_found_as_done():
    """The first edition's committed files are recognised as done in their folder (the second edition
    writes to another folder, results/audit-v2, so it does not mistake them for its own)."""
    from ser_lib import audit

    assert audit.DEFAULT_RESULTS_DIR != audit.FIRST_EDITION_DIR
    files = sorted(audit.FIRST_EDITION_DIR.glob("*.json"))
    if not files:
        pytest.skip("no committed audit results")
    for f in files[:40]:
        par = json.loads(f.read_text())["params"]
        s = JobSpec("audit", par["corpus"], par["protocol"], par["model"], seed=par["seed"], epochs=par["epochs"],
                    augment=par.get("augment", True), data_hash="any")
        assert job_path(s, audit.FIRST_EDITION_DIR) == f and job_status(s, f) == "done", f.name
        assert job_status(JobSpec.from_dict({**s.to_dict(), "seed": s.seed + 100}), f) == "other"
        if par["epochs"] is not None:
            assert job_status(JobSpec.from_dict({**s.to_dict(), "epochs": 3}), f) == "other"


@pytest.mark.slow
def test_run_job_skips_refuses_conflicts_and_resumes(tmp_path):
    s = _spec()
    p = run_job(s, tmp_path)
    rec = json.loads(p.read_text())
    assert p == audit.job_path(s, tmp_path) and rec["job"]["key"] == s.key
    assert rec["provenance"]["hardware"]["torch_threads"] == 1
    mtime = p.stat().st_mtime_ns
    assert run_job(s, tmp_path) == p and p.stat().st_mtime_ns == mtime
    with pytest.raises(JobConflict, match="another job"):
        run_job(_spec(max_files=40), tmp_path)
    with pytest.raises(ValueError, match="data hash"):
        run_job(_spec(seed=1, data_hash="0" * 16), tmp_path)
    one_fold = _spec(fold=rec["metrics"]["folds"][0]["fold"])
    q = run_job(one_fold, tmp_path)
    assert q != p and len(json.loads(q.read_text())["metrics"]["folds"]) == 1


def _grid():
    from ser_lib.experiments import grids

    return (grids.audit_grid(["synthetic"], ["speaker"], ["mfcc_lr"], [0], max_files=48)
            + grids.audit_grid(["synthetic"], ["paper"], ["efficient", "mfcc_lr"], [0], epochs=1, max_files=48))


def _metrics(folder: Path) -> dict:
    out = {}
    for f in sorted(folder.glob("*.json")):
        m = json.loads(f.read_text())["metrics"]
        out[f.name] = ([{k: r[k] for k in ("fold", "uar", "accuracy", "macro_f1", "n_test", "n_train", "leakage")}
                        for r in m["folds"]], m["confusion"])
    return out


@pytest.mark.slow
def test_grid_local_twice_writes_nothing_and_dask_gives_the_same_files(tmp_path):
    distributed = pytest.importorskip("distributed")
    specs = _grid()
    local, remote = tmp_path / "local", tmp_path / "dask"
    paths = run_grid(specs, jobs=1, results_dir=local, progress=False)
    assert len(paths) == 3 and all(p.exists() for p in paths)
    mtimes = {p: p.stat().st_mtime_ns for p in paths}
    run_grid(specs, jobs=2, results_dir=local, progress=False)  # same grid again: nothing new
    assert {p: p.stat().st_mtime_ns for p in paths} == mtimes
    paths[1].unlink()  # an interrupted grid resumes: only the missing file is written
    run_grid(specs, jobs=1, results_dir=local, progress=False)
    assert paths[1].exists() and all(p.stat().st_mtime_ns == mtimes[p] for p in (paths[0], paths[2]))

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as cluster, distributed.Client(cluster) as client:
        remote_paths = run_grid(specs, scheduler=client, results_dir=remote, progress=False)
    assert [p.name for p in remote_paths] == [p.name for p in paths]
    assert _metrics(remote) == _metrics(local)
    for p in remote_paths:
        assert json.loads(p.read_text())["provenance"]["hardware"]["torch_threads"] == 1


@pytest.mark.slow
def test_paper_reproduction_recipe_calls_reproduce_run(tmp_path):
    s = JobSpec("paper-reproduction", "synthetic", "paper", "paper_code", seed=0, epochs=1, max_files=24)
    p = run_job(s, tmp_path)
    rec = json.loads(p.read_text())
    assert rec["job"]["key"] == s.key and job_status(s, p) == "done"
    assert rec["params"]["epochs"] == 1 and rec["params"]["variant"] == "code"
    mtime = p.stat().st_mtime_ns
    assert run_job(s, tmp_path) == p and p.stat().st_mtime_ns == mtime
