"""The cross-corpus recipe through the one runner, on tiny synthetic data (the female and the male
voices of the synthetic corpus as two "corpora"), and the pooled data it is built on."""
from __future__ import annotations

import json

import numpy as np
import pytest

from ser_lib import cross_corpus as CC
from ser_lib import pooled
from ser_lib.experiments import RECIPES, job_path, run_grid, run_job

DOMAINS = ["synthetic:f", "synthetic:m"]


@pytest.fixture(scope="module")
def pooled_data(synthetic_root):
    return pooled.load_pooled(DOMAINS, max_per_domain=42, n_jobs=1)


def test_domains_and_shared_emotions(synthetic_root):
    assert pooled.parse_domain("synthetic:f") == ("synthetic", "f")
    assert pooled.parse_domain("EMODB") == ("emodb", None)
    with pytest.raises(ValueError):
        pooled.parse_domain("emodb:x")
    t = pooled.domain_table("synthetic:m")
    assert set(t["speaker"]) == {"03", "10", "11"}
    emos = pooled.shared_emotions(DOMAINS)
    assert emos[:4] == ["neutral", "happy", "sad", "angry"] and len(emos) == 7


def test_pooled_data_and_speaker_split(pooled_data):
    d = pooled_data
    assert d.frames.shape[1:] == (22, 108) and len(d.frames) == len(d.y) == len(d.meta)
    assert set(d.meta["domain"]) == set(DOMAINS)
    assert d.meta["speaker"].str.startswith("synthetic:").all()      # speakers carry their domain
    assert all(info["recordings"] <= 42 and info["speakers"] == 3 for info in d.info.values())
    assert all(len(info["checksum"]) == 64 for info in d.info.values())
    s = pooled.speaker_split(d, "synthetic:f", test_frac=0.2, val_frac=0.15, seed=0)
    assert len(s["test"]) == 1 and s["val"] == [] and len(s["train"]) == 2    # 3 speakers
    assert not set(s["test"]) & set(s["train"])
    none = pooled.speaker_split(d, "synthetic:f", test_frac=0.0, val_frac=0.4)
    assert none["test"] == [] and len(none["val"]) == 1
    keep, held = pooled.recording_split(d, d.rows(["synthetic:m"]), 0.3, seed=1)
    rk, rh = set(d.meta["recording_id"].to_numpy()[keep]), set(d.meta["recording_id"].to_numpy()[held])
    assert rh and not rk & rh   # all versions of a recording on one side


def test_recipe_writes_results_through_the_runner(tmp_path, synthetic_root):
    assert "cross-corpus" in RECIPES and "pretrained" in RECIPES
    specs = CC.job_specs(DOMAINS, epochs=1, max_per_domain=42, patience=None)
    assert len(specs) == 6 and {s.protocol for s in specs} == set(CC.PROTOCOLS)
    paths = run_grid(specs, results_dir=tmp_path, progress=False)
    assert all(p.exists() for p in paths)
    assert job_path(specs[0], tmp_path).name == "cross__synthetic-f__efficient__seed0__noaug.json"
    rec = json.loads(paths[0].read_text())
    assert rec["job"]["recipe"] == "cross-corpus" and rec["params"]["speaker_normalization"] is False
    (test_dom, m), = rec["metrics"]["test"].items()
    assert test_dom == "synthetic:m" and len(m["predictions"]["y_pred"]) == m["n"]
    assert np.asarray(m["confusion"]).sum() == m["n"]
    assert rec["data"]["per_domain"]["synthetic:f"]["checksum"]
    df = CC.collect(tmp_path)
    assert set(df["protocol"]) == {"cross", "loco", "within"}
    M = CC.uar_matrix(df, order=DOMAINS)
    assert list(M.columns) == DOMAINS and list(M.index) == DOMAINS + [CC.LOCO_ROW]
    assert M.notna().all().all() and ((M >= 0) & (M <= 1)).all().all()
    within = json.loads((tmp_path / "within__synthetic-m__efficient__seed0__noaug.json").read_text())
    assert len(within["metrics"]["train"]["folds"]) == 3           # leave one of three speakers out
    C, labels = CC.confusion_sum(tmp_path, "cross")
    assert C.shape == (len(labels), len(labels))
    # a finished grid is skipped: nothing is rewritten
    before = [p.stat().st_mtime_ns for p in paths]
    run_job(specs[0], tmp_path)
    run_grid(specs, results_dir=tmp_path, progress=False)
    assert [p.stat().st_mtime_ns for p in paths] == before


def test_needs_two_domains():
    with pytest.raises(ValueError, match="at least two"):
        CC.job_specs(["synthetic"])
