"""The landing page's headline (ser_lib.report): read from results files, every number labelled with its
model, the sentences about what was run generated from the files, and the README's copy up to date."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from ser_lib import report
from ser_lib.results import write_results

REPO = Path(__file__).resolve().parent.parent


def _write_reproduce(root: Path, corpus="emodb", epochs_run=40, n_files=535, labels=7):
    write_results(root / "reproduce" / f"{corpus}.json",
                  params={"corpus": corpus, "protocol": "paper", "max_files": None,
                          "params_keras": {"total": 39_204_133}},
                  metrics={"accuracy": 0.97, "uar": 0.96, "macro_f1": 0.95, "labels": [f"e{i}" for i in range(labels)]},
                  wall_time_s=1.0, data={"n_files": n_files},
                  extra={"epochs_run": epochs_run, "epochs_planned": 100, "epochs_paper": 100})


def _write_audit(root: Path, corpus="emodb", n_rec=339, labels=("neutral", "happy", "sad", "angry")):
    for protocol, base in (("paper", 0.9), ("utterance", 0.8), ("speaker", 0.6)):
        for model in ("efficient+spkn", "compare_svm+spkn", "mfcc_lr"):
            for seed in (0, 1):
                folds = [{"fold": f"f{k}", "uar": base + 0.01 * k, "accuracy": base, "macro_f1": base, "leakage": 0.0,
                          "n_test": 10, "n_train": 50} for k in range(3)]
                write_results(root / "audit" / f"{corpus}__{protocol}__{model}__seed{seed}.json",
                              params={"corpus": corpus, "protocol": protocol, "model": model, "seed": seed,
                                      "augment": True, "epochs": 12 if model.startswith("efficient") else None,
                                      "baseline_training_rows": None if model.startswith("efficient")
                                      else "original versions only"},
                              metrics={"folds": folds}, wall_time_s=1.0,
                              data={"n_recordings": n_rec, "labels": list(labels)},
                              extra={"cost": {"params": 49_410} if model.startswith("efficient") else {}})


@pytest.fixture
def results(tmp_path):
    _write_reproduce(tmp_path)
    _write_audit(tmp_path)
    return report.load(tmp_path)


def test_headline_labels_every_number_with_its_model_and_split(results):
    h = report.headline(results)
    got = {(r.protocol, r.model) for r in h.itertuples()}
    assert ("paper", "paper_code") in got                      # the paper's network, from results/reproduce
    assert {("paper", "efficient+spkn"), ("utterance", "efficient+spkn"), ("speaker", "efficient+spkn")} <= got
    assert ("paper", "compare_svm+spkn") not in got            # baselines train on originals: not on the paper's split
    row = h[(h["model"] == "efficient+spkn") & (h["protocol"] == "speaker")].iloc[0]
    assert row["uar"] == pytest.approx(100 * (0.6 + 0.01), abs=1e-6) and row["n"] == 3  # 3 folds (2 seeds averaged in each)
    tab = report.corpus_table(h, "emodb")
    assert list(tab.index) == ["paper's split", "recordings held out", "speakers held out"]
    assert tab.loc["paper's split", report.MODEL_NAMES["paper_code"]] == "96.0 (40 of 100 ep.)"
    assert tab.loc["speakers held out", report.MODEL_NAMES["paper_code"]] == "–"
    assert "nan" not in tab.to_string().lower()


def test_sentences_about_what_ran_come_from_the_files(results, tmp_path):
    text = " ".join(report.run_sentences(results, tmp_path / "no-data", here=True))
    assert "for EMO-DB 40 of the paper's 100 epochs" in text
    assert "Audio of 0 of the paper's 6 corpora" in text
    assert "efficient attention CNN (49,410 parameters, 12 epochs)" in text
    assert "EMO-DB (339 recordings, 4 emotions)" in text
    assert "not yet been trained with recordings or speakers held out" in text
    h = report.headline(results)
    assert "different data" not in report.data_note("emodb", h)
    assert "535 recordings and 7 emotions" in report.data_note("emodb", h)
    assert "339 recordings and 4 emotions" in report.data_note("emodb", h)
    assert report.interpretation(h).startswith("With the same model and data (audit's efficient CNN, per-speaker "
                                               "norm.), holding out speakers moves its UAR")


def test_status_says_why_a_corpus_has_no_run(results, tmp_path):
    st = report.status(results, tmp_path / "no-data")
    assert list(st.index) == ["SAVEE", "RAVDESS", "CREMA-D", "TESS", "EMO-DB", "EMOVO"]
    assert st.loc["EMO-DB", "audio here"] == "no"
    assert "40 of 100 epochs" in st.loc["EMO-DB", "paper's split, paper's network"]
    assert st.loc["TESS", "paper's split, paper's network"].startswith("not run: no audio here")
    assert st.loc["EMO-DB", "audit (3 splits)"].startswith("3 splits, 3 models, 2 seeds")


def test_the_second_edition_of_the_audit_is_preferred(results, tmp_path):
    """When results/audit-v2 exists the headline reads it, with its inductive models."""
    v2 = tmp_path / "audit-v2"
    v2.mkdir()
    for f in (tmp_path / "audit").glob("*.json"):
        rec = json.loads(f.read_text())
        rec["params"]["model"] = rec["params"]["model"].replace("+spkn", "")
        (v2 / f.name.replace("+spkn", "")).write_text(json.dumps(rec))
    res = report.load(tmp_path)
    assert res.audit_dir == "audit-v2"
    assert set(report.headline(res)["model"]) == {"paper_code", "efficient", "compare_svm"}


def test_no_results_says_so(tmp_path):
    empty = report.load(tmp_path)
    assert empty.empty and report.headline(empty).empty
    text = " ".join(report.run_sentences(empty, tmp_path, here=True))
    assert "shows no real result" in text
    assert report.interpretation(report.headline(empty)) == ""


def test_readme_block_is_replaced_and_checked(results, tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# t\n\n<!-- headline:start -->\nold\n<!-- headline:end -->\n\nrest\n")
    assert report.update_readme(readme, results, check=True)           # out of date
    assert "old" in readme.read_text()                                  # --check does not write
    assert report.update_readme(readme, results)
    text = readme.read_text()
    assert "| EMO-DB | paper's network (replica) | 96.0 (40 of 100 ep.) | – | – |" in text
    assert text.endswith("<!-- headline:end -->\n\nrest\n")
    assert not report.update_readme(readme, results, check=True)       # now up to date


def test_readme_headline_matches_the_committed_results():
    """README.md's headline block is what the results files say (`python -m ser_lib.report --readme
    README.md` rewrites it after a run)."""
    readme = REPO / "README.md"
    if "<!-- headline:start" not in readme.read_text():
        pytest.fail("README.md has no headline block")
    assert not report.update_readme(readme, check=True), \
        "README.md's headline is out of date: run `.venv/bin/python -m ser_lib.report --readme README.md`"


def test_the_paper_network_on_an_honest_split_is_compared_at_the_same_budget(tmp_path):
    """A faithful-audit result (the paper's network, E epochs, recordings held out) appears in the headline, and
    the paper's split is also given at E epochs, from the reproduction's own per-epoch history."""
    _write_reproduce(tmp_path, epochs_run=40)
    rec = json.loads((tmp_path / "reproduce" / "emodb.json").read_text())
    rec["history"] = [{"epoch": e, "val_uar": 0.5 + 0.01 * e} for e in range(1, 41)]
    (tmp_path / "reproduce" / "emodb.json").write_text(json.dumps(rec))
    _write_audit(tmp_path)
    write_results(tmp_path / "faithful" / "emodb__utterance__paper_code__E20__seed0.json",
                  params={"corpus": "emodb", "protocol": "utterance", "model": "paper_code", "epochs": 20,
                          "labels": [f"e{i}" for i in range(7)]},
                  metrics={"last_uar_mean": 0.25, "folds": [{"last": {"uar": 0.25}}]}, wall_time_s=1.0,
                  data={"n_files": 535})
    res = report.load(tmp_path)
    h = report.headline(res)
    tab = report.corpus_table(h, "emodb")
    assert tab.loc["recordings held out", report.MODEL_NAMES["paper_code"]] == "25.0 (20 ep.)"
    assert tab.loc["paper's split", report.MODEL_NAMES["paper_code"]] == "96.0 (40 of 100 ep.); 70.0 at 20 ep."
    assert ("EMO-DB after 20 epochs: 70.0 % on the paper's split, 25.0 % with recordings held out"
            in report.interpretation(h))
    assert "also trained for 20 epochs with recordings held out on EMO-DB." in " ".join(
        report.run_sentences(res, here=False))
    note = report.data_note("emodb", h)
    assert "the reproduction and the paper's network on the honest splits used 535 recordings" in note


def test_faithful_folds_in_separate_files_are_pooled(tmp_path):
    """One results file per speaker fold (as the queue writes them): the headline gives one row, the mean
    and std over the folds, and the sentence names the number of folds."""
    _write_reproduce(tmp_path, epochs_run=40)
    rec = json.loads((tmp_path / "reproduce" / "emodb.json").read_text())
    rec["history"] = [{"epoch": e, "val_uar": 0.5 + 0.01 * e} for e in range(1, 41)]
    (tmp_path / "reproduce" / "emodb.json").write_text(json.dumps(rec))
    _write_audit(tmp_path)
    for fold, uar in (("speakers-03-12", 0.30), ("speakers-08-13", 0.40)):
        write_results(tmp_path / "faithful" / f"emodb__speaker__paper_code__E20__seed0__{fold}.json",
                      params={"corpus": "emodb", "protocol": "speaker", "model": "paper_code", "epochs": 20,
                              "labels": [f"e{i}" for i in range(7)]},
                      metrics={"last_uar_mean": uar, "folds": [{"fold": fold, "last": {"uar": uar}}]},
                      wall_time_s=1.0, data={"n_files": 535})
    h = report.headline(report.load(tmp_path))
    rows = h[(h["model"] == "paper_code") & (h["protocol"] == "speaker")]
    assert len(rows) == 1 and rows["n"].iloc[0] == 2
    assert rows["uar"].iloc[0] == pytest.approx(35.0) and rows["uar_std"].iloc[0] == pytest.approx(7.0711, abs=1e-3)
    assert "35.0 % (± 7.1 over 2 speaker folds) with speakers held out" in report.interpretation(h)
    assert report.corpus_table(h, "emodb").loc["speakers held out", report.MODEL_NAMES["paper_code"]] \
        == "35.0 ± 7.1 (20 ep., 2 folds)"
    (tmp_path / "faithful" / "emodb__speaker__paper_code__E20__seed0__speakers-08-13.json").unlink()
    h = report.headline(report.load(tmp_path))          # one fold so far: said in the cell and the sentence
    assert report.corpus_table(h, "emodb").loc["speakers held out", report.MODEL_NAMES["paper_code"]] \
        == "30.0 (20 ep., 1 fold)"
    assert "30.0 % (1 speaker fold) with speakers held out" in report.interpretation(h)


def _write_faithful(root: Path, corpus: str, protocol: str, uar: float, epochs: int = 20):
    write_results(root / "faithful" / f"{corpus}__{protocol}__paper_code__E{epochs}__seed0.json",
                  params={"corpus": corpus, "protocol": protocol, "model": "paper_code", "epochs": epochs,
                          "labels": [f"e{i}" for i in range(7)]},
                  metrics={"last_uar_mean": uar, "folds": [{"last": {"uar": uar}}]}, wall_time_s=1.0,
                  data={"n_files": 100})


def test_the_sentence_on_the_paper_network_groups_corpora_with_the_same_runs(tmp_path):
    """Corpora trained on the same splits for the same epochs share one clause, in the paper's corpus order;
    a corpus with other runs gets its own."""
    for corpus in ("emodb", "savee"):
        _write_reproduce(tmp_path, corpus=corpus)
        _write_faithful(tmp_path, corpus, "speaker", 0.3)
        _write_faithful(tmp_path, corpus, "utterance", 0.4)
    _write_faithful(tmp_path, "emovo", "utterance", 0.2, epochs=10)
    text = " ".join(report.run_sentences(report.load(tmp_path), here=False))
    assert ("The paper's network was also trained for 20 epochs with recordings held out and with speakers "
            "held out on SAVEE and EMO-DB; for 10 epochs with recordings held out on EMOVO.") in text


def test_the_readme_leaves_out_a_model_with_nothing_on_a_corpus(results, tmp_path):
    """A label variant that only the audit ran (RAVDESS with 8 classes) shows its audit rows under its
    readable name, and no row of dashes for the paper's network."""
    _write_reproduce(tmp_path)
    _write_audit(tmp_path)
    _write_audit(tmp_path, corpus="ravdess8", n_rec=1440, labels=tuple(f"e{i}" for i in range(8)))
    block = report.readme_section(report.load(tmp_path))
    rows = [line for line in block.splitlines() if line.startswith("| RAVDESS (8 classes) |")]
    assert rows and not any(report.MODEL_NAMES["paper_code"] in r for r in rows)
    assert "ravdess8" not in block
    assert any(line.startswith("| EMO-DB | " + report.MODEL_NAMES["paper_code"]) for line in block.splitlines())


def test_the_landing_cards_say_how_many_folds_and_hide_what_a_variant_never_ran(tmp_path):
    """The landing page's cards: the paper's network with speakers held out says how many folds it pools;
    a corpus of the paper keeps the paper-network column even where it has not run, but a label variant
    run by the audit alone (RAVDESS with 8 classes) shows only its runs: no empty column, no dash rows."""
    import re

    from ser_lib.viz.headline import headline_html

    _write_reproduce(tmp_path)
    _write_audit(tmp_path)
    _write_faithful(tmp_path, "emodb", "speaker", 0.3)
    _write_audit(tmp_path, corpus="ravdess8", n_rec=1440, labels=tuple(f"e{i}" for i in range(8)))
    for f in (tmp_path / "audit").glob("ravdess8__[pu]*.json"):
        f.unlink()                                  # the audit ran ravdess8 with speakers held out only
    _write_audit(tmp_path, corpus="savee", n_rec=480)  # no run of the paper's network at all
    page = headline_html(report.headline(report.load(tmp_path)))
    cards = {re.search(r"<b>([^<]+)</b>", c).group(1): c for c in page.split('<div class="ser-card">')[1:]}
    head = {t: re.search(r"<thead>(.*?)</thead>", c).group(1) for t, c in cards.items()}
    rows = {t: re.findall(r'<tr><th scope="row">([^<]+)</th>', c) for t, c in cards.items()}
    assert "20 epochs, 1 fold" in cards["EMO-DB"]
    assert "paper&#x27;s network" in head["SAVEE"] and len(rows["SAVEE"]) == 3
    assert "network" not in head["RAVDESS (8 classes)"]
    assert rows["RAVDESS (8 classes)"] == ["speakers held out"]
