"""The long-run queue's order (scripts/reproduce_all.py): paper runs and faithful-audit jobs."""
from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts" / "reproduce_all.py"


@pytest.fixture
def queue(monkeypatch):
    spec = importlib.util.spec_from_file_location("reproduce_all_under_test", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    calls, done = [], {}

    def run_one(corpus, minutes, args, staged=False):
        calls.append(("paper", corpus))
        done[corpus] = done.get(corpus, 0) + 50  # two chunks reach 100 epochs
        return {"corpus": corpus, "ok": True, "seconds": 0.0}

    def run_faithful(corpus, args):
        calls.append(("faithful", corpus))
        return True

    monkeypatch.setattr(mod, "run_one", run_one)
    monkeypatch.setattr(mod, "run_faithful", run_faithful)
    monkeypatch.setattr(mod, "epochs_done", lambda corpus, args, folder=None: done.get(corpus, 0))
    monkeypatch.setattr(mod, "trained_elsewhere", lambda corpus, args: corpus in getattr(args, "elsewhere", ()))
    monkeypatch.setattr(mod, "behind", lambda corpus, args: False)
    monkeypatch.setattr(mod, "chunk_minutes", lambda corpus, args, folder=None: args.chunk_minutes)
    return mod, calls


def _args(**kw):
    base = dict(epochs=100, chunk_minutes=1.0, faithful=True, faithful_last=False, results_dir=None)
    base.update(kw)
    return argparse.Namespace(**base)


def test_faithful_jobs_follow_each_corpus_by_default(queue):
    mod, calls = queue
    summary = mod.run_queue(["emodb", "cremad", "savee"], _args())
    assert calls == [("paper", "emodb"), ("paper", "emodb"), ("faithful", "emodb"),
                     ("paper", "cremad"), ("paper", "cremad"),
                     ("paper", "savee"), ("paper", "savee"), ("faithful", "savee")]
    assert all(s["ok"] for s in summary)
    assert {"ravdess", "tess"} <= set(mod.FAITHFUL_CORPORA) and "cremad" not in mod.FAITHFUL_CORPORA


def test_faithful_last_runs_every_paper_run_first(queue):
    mod, calls = queue
    mod.run_queue(["emodb", "cremad", "savee"], _args(faithful_last=True))
    kinds = [k for k, _ in calls]
    assert kinds == ["paper"] * 6 + ["faithful"] * 2
    assert [c for k, c in calls if k == "faithful"] == ["emodb", "savee"]


def test_no_faithful_skips_them(queue):
    mod, calls = queue
    mod.run_queue(["emodb"], _args(faithful=False, faithful_last=True))
    assert ("faithful", "emodb") not in calls


def test_a_run_trained_elsewhere_is_not_restarted_here(queue):
    """A results file without a checkpoint (scripts/reproduce_elsewhere.py on a GPU machine) must not be
    overwritten by a fresh run from epoch 0 on this machine."""
    mod, calls = queue
    mod.run_queue(["emodb", "tess"], _args(faithful=False, elsewhere=("tess",)))
    assert calls == [("paper", "emodb"), ("paper", "emodb")]


def test_trained_elsewhere_reads_the_results_file(tmp_path):
    import json

    spec = importlib.util.spec_from_file_location("reproduce_all_elsewhere", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    args = argparse.Namespace(results_dir=str(tmp_path))
    (tmp_path / "tess.json").write_text(json.dumps({"params": {"checkpoint_dir": None},
                                                    "predictions": {"y_true": [0], "y_pred": [0]}}))
    (tmp_path / "emodb.json").write_text(json.dumps({"params": {"checkpoint_dir": "$SER_CACHE_DIR/x"},
                                                     "predictions": {"y_true": [0], "y_pred": [0]}}))
    assert mod.trained_elsewhere("tess", args)
    assert not mod.trained_elsewhere("emodb", args)
    assert not mod.trained_elsewhere("savee", args)  # no results file


def test_the_readme_names_every_corpus_whose_folds_the_queue_runs(queue):
    """The README's `make queue` row lists the corpora of FAITHFUL_CORPORA, no more, no fewer."""
    from ser_lib.corpora import short_name

    mod, _ = queue
    row = next(line for line in (REPO / "README.md").read_text().splitlines() if line.startswith("| `make queue` |"))
    listed = row.split("faithful-audit folds")[1]
    named = {c for c in ("emodb", "savee", "emovo", "ravdess", "tess", "cremad") if short_name(c) in listed}
    assert named == set(mod.FAITHFUL_CORPORA)


def test_the_readme_rewritten_is_the_one_of_the_checkout_the_pages_go_to(queue, tmp_path):
    """The queue runs from a second worktree and renders pages into the main checkout (``--pages-dir``): the
    README it rewrites is that checkout's, from the results it was given, not the worktree's own."""
    mod, _ = queue
    other = tmp_path / "main"
    (other / "book" / "reproductions").mkdir(parents=True)
    readme = other / "README.md"
    readme.write_text("# x\n<!-- headline:start -->\nSTALE BLOCK\n<!-- headline:end -->\n")
    args = argparse.Namespace(pages_dir=str(other / "book" / "reproductions"),
                              results_dir=str(tmp_path / "results" / "reproduce"), data_root=None)
    assert mod.target_repo(args) == other.resolve() and mod.target_repo(None) == REPO
    mod.refresh_readme(args)
    text = readme.read_text()
    assert "STALE BLOCK" not in text and "headline:start: generated by" in text
    mod.render_audit_chapter(args)          # no audit results there: nothing rendered, nothing written
    assert not (other / "book" / "audit").exists()


def test_printed_model_runs_keep_their_own_results_pages_and_epochs(tmp_path):
    import json

    spec = importlib.util.spec_from_file_location("reproduce_all_printed", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    kw = dict(results_dir=str(tmp_path / "results" / "reproduce"), pages_dir=str(tmp_path / "book" / "reproductions"),
              init="keras", variant="code", seed=0)
    full, printed = _args(**kw), _args(printed_model=True, **kw)
    assert mod.results_dir(full) == tmp_path / "results" / "reproduce"
    assert mod.results_dir(printed) == tmp_path / "results" / "reproduce-printed"
    assert mod.pages_dir(printed) == tmp_path / "book" / "reproductions" / "printed"
    assert mod.target_repo(printed) == tmp_path  # the README and audit pages stay those of the checkout
    assert (mod.drop_attention("savee", printed), mod.drop_attention("ravdess", printed)) == ("channel", "spatial")
    assert mod.drop_attention("savee", full) is None
    out = mod.results_dir(printed)
    out.mkdir(parents=True)
    rec = {"params": {"init": "keras", "variant": "code", "seed": 0, "drop_attention": None}, "epochs_run": 40}
    (out / "savee.json").write_text(json.dumps(rec))
    assert mod.epochs_done("savee", printed) == 0  # a full-model record does not count for the printed model
    rec["params"]["drop_attention"] = "channel"
    (out / "savee.json").write_text(json.dumps(rec))
    assert mod.epochs_done("savee", printed) == 40
    assert mod.epochs_done("savee", full) == 0  # and the full model's queue does not read it


def test_a_printed_page_rendered_into_another_checkout_names_no_machine_path(tmp_path, monkeypatch):
    """The queue runs from a second worktree and writes the printed model's page into
    ``<checkout>/book/reproductions/printed/``: the paths of that checkout in the executed notebook (its
    parameters name the results file) become repository-relative on the page."""
    import nbformat
    import papermill

    spec = importlib.util.spec_from_file_location("reproduce_all_render", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    other = tmp_path / "main"
    (other / "book" / "reproductions").mkdir(parents=True)

    def fake_execute(inp, out, parameters, **kw):  # what papermill leaves: the injected cell and its metadata
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_markdown_cell("# Reproduction\ntext"),
                    nbformat.v4.new_code_cell("# Parameters\n" + "\n".join(f"{k} = {v!r}" for k, v in parameters.items()),
                                              metadata={"tags": ["injected-parameters"]})]
        nb.metadata["papermill"] = {"parameters": parameters, "input_path": inp, "output_path": out}
        nbformat.write(nb, out)

    monkeypatch.setattr(papermill, "execute_notebook", fake_execute)
    args = argparse.Namespace(pages_dir=str(other / "book" / "reproductions"), printed_model=True,
                              results_dir=str(other / "results" / "reproduce"), variant="code", init="keras",
                              epochs=100, seed=0, device="cpu", threads=2, n_jobs=1, data_root=None, max_files=None,
                              from_results=False)
    assert mod.run_one("savee", 1.0, args)["ok"]
    page = (other / "book" / "reproductions" / "printed" / "savee.ipynb").read_text()
    assert str(tmp_path) not in page
    assert "results_path = 'results/reproduce-printed/savee.json'" in page
    assert "# Reproduction: SAVEE, the printed model (without channel attention)" in page


def test_a_run_whose_checkpoint_was_lost_trains_in_staging_and_never_overwrites_a_longer_record(tmp_path, monkeypatch):
    """The cache is gone (a new machine): the checkpoint holds 0 of the 12 published epochs. The queue trains
    from epoch 0 into staging; the published results and page stay as they are until the new run has at least
    12 epochs, then the staged ones replace them and training goes on in place."""
    import json

    import torch

    spec = importlib.util.spec_from_file_location("reproduce_all_staging", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    cache = tmp_path / "cache"
    monkeypatch.setenv("SER_CACHE_DIR", str(cache))
    monkeypatch.setattr(mod, "refresh_readme", lambda args=None: None)
    args = _args(results_dir=str(tmp_path / "results" / "reproduce"), pages_dir=str(tmp_path / "book"),
                 printed_model=True, init="keras", variant="code", seed=0, faithful=False, epochs=20)
    ckdir = cache / "checkpoints" / "reproduce" / "tess-run"

    def record(n):
        return {"params": {"init": "keras", "variant": "code", "seed": 0, "drop_attention": "channel",
                           "checkpoint_dir": "$SER_CACHE_DIR/checkpoints/reproduce/tess-run"}, "epochs_run": n}

    published, page = mod.results_dir(args) / "tess.json", mod.pages_dir(args) / "tess.ipynb"
    published.parent.mkdir(parents=True)
    page.parent.mkdir(parents=True)
    published.write_text(json.dumps(record(12)))
    page.write_text("the 12-epoch page")
    assert mod.checkpoint_epochs("tess", args) == 0 and mod.behind("tess", args)
    seen = []

    def run_one(corpus, minutes, args, staged=False):  # 5 epochs per chunk, like the trainer: checkpoint + record
        held = mod.checkpoint_epochs(corpus, args) if not staged else (
            torch.load(ckdir / "last.pt", weights_only=True)["epoch"] if (ckdir / "last.pt").exists() else 0)
        n = min(held + 5, args.epochs)
        ckdir.mkdir(parents=True, exist_ok=True)
        torch.save({"epoch": n}, ckdir / "last.pt")
        out = mod.staging_dir(args) if staged else mod.results_dir(args)
        out.mkdir(parents=True, exist_ok=True)
        (out / "tess.json").write_text(json.dumps(record(n)))
        ((mod.staging_dir(args) if staged else mod.pages_dir(args)) / "tess.ipynb").write_text(f"page of {n}")
        seen.append((staged, n, json.loads(published.read_text())["epochs_run"], page.read_text()))
        if staged:
            mod.promote(corpus, args)
        return {"corpus": corpus, "ok": True, "seconds": 0.0}

    monkeypatch.setattr(mod, "run_one", run_one)
    mod.run_queue(["tess"], args)
    # staged chunks at 5 and 10 leave the 12-epoch record alone; the one at 15 replaces it; then in place
    assert seen == [(True, 5, 12, "the 12-epoch page"), (True, 10, 12, "the 12-epoch page"),
                    (True, 15, 12, "the 12-epoch page"), (False, 20, 20, "page of 20")]
    assert mod.staging_dir(args) == cache / "reproduce-staging" / "reproduce-printed"
    assert json.loads(published.read_text())["epochs_run"] == 20 and not mod.behind("tess", args)


def test_chunks_grow_to_fit_three_epochs_on_a_slow_machine(tmp_path):
    """A chunk stops before an epoch that would overrun it: with 845-s epochs a 30-minute chunk trained one
    epoch. Chunks grow to fit MIN_EPOCHS_PER_CHUNK recent epochs (+ start-up); fast runs keep --chunk-minutes."""
    import json

    spec = importlib.util.spec_from_file_location("reproduce_all_chunks", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    args = _args(results_dir=str(tmp_path), init="keras", variant="code", seed=0, chunk_minutes=30.0)
    assert mod.chunk_minutes("tess", args) == 30.0  # no record yet

    def write(seconds):
        (tmp_path / "tess.json").write_text(json.dumps({
            "params": {"init": "keras", "variant": "code", "seed": 0, "drop_attention": None},
            "epochs_run": len(seconds), "history": [{"epoch": i + 1, "seconds": s} for i, s in enumerate(seconds)]}))

    write([290.0, 300.0, 285.0])
    assert mod.chunk_minutes("tess", args) == 30.0
    write([5000.0, 845.0, 850.0, 840.0])  # the median of the last three epochs, not a slow first one
    assert mod.chunk_minutes("tess", args) == pytest.approx(3 * 845 / 60 + 5, abs=0.1)
    assert mod.chunk_minutes("tess", args, folder=tmp_path / "elsewhere") == 30.0
