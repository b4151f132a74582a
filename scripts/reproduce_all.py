"""Execute notebooks/reproduce.ipynb once per corpus with the publication parameters (``make reproduce``).

For every corpus present (or those named with ``--corpora``) the notebook is executed with papermill
into ``book/reproductions/<corpus>.ipynb`` (outputs kept: the page is the published record, the book
build does not re-execute it) and writes ``results/reproduce/<corpus>.json``. Each corpus runs on its
own: a failure is reported and the others still run; a failed run leaves the previous page in place
(the failed execution is kept in ``.cache/reproduce-failed/`` for inspection). Training writes a
checkpoint after every epoch under ``.cache/checkpoints/reproduce/``, so running the command again
resumes each corpus where it stopped (with a new time budget).

Usage examples::

    python scripts/reproduce_all.py                                   # every corpus present, default budgets
    python scripts/reproduce_all.py --corpora emodb,savee --threads 1 --max-minutes emodb=15,savee=15
    python scripts/reproduce_all.py --max-minutes none                # the paper's full 100 epochs (GPU advised)
    python scripts/reproduce_all.py --corpora emodb --max-minutes 0   # re-render a page from its checkpoint, no training
    python scripts/reproduce_all.py --queue --chunk-minutes 30        # the long-run queue (below)
    python scripts/reproduce_all.py --corpora tess --from-results     # a page of a run trained elsewhere (reproduce_elsewhere.py)
    python scripts/reproduce_all.py --queue --printed-model           # the models the released notebooks printed

The long-run queue (``--queue``): corpora in order of cost (EMO-DB, SAVEE, EMOVO, RAVDESS, TESS, CREMA-D),
each trained in chunks of ``--chunk-minutes`` until its checkpoint holds ``--epochs`` epochs (the paper's
100); after every chunk the page and the results file are re-rendered from the checkpoint and history,
so they always show how far the run got. Interrupt it at any time: the next call resumes each corpus
from its last finished epoch (checkpoints under ``$SER_CACHE_DIR``, outside the work tree). After each of
EMO-DB, SAVEE and EMOVO the queue runs its faithful-audit jobs (the same network with recordings or speakers
held out, ``scripts/faithful_audit.py``) and re-renders ``book/audit/same_network.ipynb``; ``--faithful-last``
defers them until every corpus has its paper epochs, ``--no-faithful`` skips them.

A checkpoint that is behind its published record (the cache was lost, e.g. on a new machine, so the run
starts again from epoch 0) never overwrites the published page and results: the queue trains on in
staging (``$SER_CACHE_DIR/reproduce-staging/``) and publishes the new run only once it has at least as
many epochs as the record it replaces.

``--printed-model`` runs, for SAVEE, RAVDESS and TESS, the model as the released notebook printed it (its
parameter count lacks one attention block, :data:`ser_lib.paper.PRINTED_WITHOUT`) instead of the model its
code describes: results in ``results/reproduce-printed/``, pages in ``book/reproductions/printed/``, its own
checkpoints; the other corpora are skipped (their printout matches the full model).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

NOTEBOOK = REPO / "notebooks" / "reproduce.ipynb"
PAGES = REPO / "book" / "reproductions"
RESULTS = REPO / "results" / "reproduce"
#: Default training budget per corpus (minutes) on a CPU-only machine; None = no limit.
DEFAULT_MINUTES = {"emodb": 15, "savee": 15, "emovo": 15, "ravdess": 25, "tess": 25, "cremad": 40}
ORDER = ["emodb", "savee", "emovo", "ravdess", "tess", "cremad"]
#: Corpora whose faithful-audit jobs (the paper's network, recordings or speakers held out) the queue runs.
FAITHFUL_CORPORA = ("emodb", "savee", "emovo", "ravdess", "tess")


def parse_minutes(text: str | None, corpora: list[str]) -> dict[str, float | None]:
    """``'15'`` -> 15 for all; ``'emodb=15,ravdess=25'`` -> per corpus (others: defaults); ``'none'`` -> no limit."""
    out: dict[str, float | None] = {c: DEFAULT_MINUTES.get(c) for c in corpora}
    if text is None:
        return out
    text = text.strip()
    if text.lower() in ("none", "inf"):
        return {c: None for c in corpora}
    if "=" not in text:
        return {c: float(text) for c in corpora}
    for part in text.split(","):
        k, v = part.split("=")
        k = k.strip()
        if k not in out:
            raise SystemExit(f"--max-minutes names {k!r}, which is not among the corpora to run {corpora}")
        out[k] = None if v.strip().lower() == "none" else float(v)
    return out


def printed(args) -> bool:
    """Whether this run trains the printed models (``--printed-model``)."""
    return bool(getattr(args, "printed_model", False))


def results_dir(args) -> Path:
    """Folder of the results files: ``--results-dir`` (default results/reproduce), or its sibling
    ``reproduce-printed`` for the printed models."""
    base = Path(args.results_dir) if getattr(args, "results_dir", None) else RESULTS
    return base.parent / "reproduce-printed" if printed(args) else base


def pages_dir(args) -> Path:
    """Folder of the pages: ``--pages-dir`` (default book/reproductions), or its ``printed`` subfolder."""
    base = Path(args.pages_dir) if getattr(args, "pages_dir", None) else PAGES
    return base / "printed" if printed(args) else base


def drop_attention(corpus: str, args) -> str | None:
    """The attention block this run leaves out: the printout's for ``--printed-model``, else none."""
    from ser_lib import paper

    return paper.PRINTED_WITHOUT[corpus] if printed(args) else None


def retitle(path: Path, corpus: str, drop: str | None = None) -> None:
    """Give the executed page its own H1 (``Reproduction: EMO-DB``; ``Reproduction: SAVEE, the printed model
    (without channel attention)``) so the pages differ in the toc."""
    import nbformat

    from ser_lib.reproduce import CORPUS_TITLES

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith("# "):
            first, _, rest = cell.source.lstrip().partition("\n")
            title = CORPUS_TITLES.get(corpus, corpus)
            if drop:
                title += f", the printed model (without {drop} attention)"
            cell.source = f"# Reproduction: {title}\n{rest}"
            break
    nbformat.write(nb, path)


def staging_dir(args) -> Path:
    """Where a run restarted behind its published record writes its results and page until it passes it:
    ``$SER_CACHE_DIR/reproduce-staging/<results folder name>/`` (outside the work tree)."""
    from ser_lib.config import cache_root

    return cache_root() / "reproduce-staging" / results_dir(args).name


def checkpoint_epochs(corpus: str, args) -> int | None:
    """Finished epochs in the checkpoint that the published record of ``corpus`` names (``last.pt``, else
    ``last.prev.pt``, the file training resumes from): 0 when neither exists (the cache is gone, e.g. a new
    machine); None when there is nothing to compare (no record of this run, or none naming a checkpoint)."""
    import torch

    from ser_lib.config import cache_root

    path = results_dir(args) / f"{corpus}.json"
    if not epochs_done(corpus, args):
        return None
    ckdir = json.loads(path.read_text()).get("params", {}).get("checkpoint_dir")
    if not ckdir:
        return None
    ckdir = Path(ckdir.replace("$SER_CACHE_DIR", str(cache_root())))
    for name in ("last.pt", "last.prev.pt"):
        try:
            return int(torch.load(ckdir / name, map_location="cpu", weights_only=True, mmap=True)["epoch"])
        except Exception:  # noqa: BLE001 - missing or unreadable: try the previous epoch's file
            continue
    return 0


def behind(corpus: str, args) -> bool:
    """Whether the checkpoint of ``corpus`` holds fewer epochs than its published record (see
    :func:`checkpoint_epochs`): the run then goes on in :func:`staging_dir`."""
    held = checkpoint_epochs(corpus, args)
    return held is not None and held < epochs_done(corpus, args)


def promote(corpus: str, args) -> bool:
    """Publish the staged page and results of ``corpus`` once they hold at least as many epochs as the
    published record; returns whether it did."""
    stage = staging_dir(args)
    staged, published = epochs_done(corpus, args, stage), epochs_done(corpus, args)
    if staged < published or not (stage / f"{corpus}.ipynb").exists():
        print(f"=== {corpus}: staged run at {staged} epochs, the published record keeps its {published}", flush=True)
        return False
    results_dir(args).mkdir(parents=True, exist_ok=True)
    pages_dir(args).mkdir(parents=True, exist_ok=True)
    shutil.copyfile(stage / f"{corpus}.json", results_dir(args) / f"{corpus}.json")
    shutil.copyfile(stage / f"{corpus}.ipynb", pages_dir(args) / f"{corpus}.ipynb")
    print(f"=== {corpus}: staged run ({staged} epochs) published over the record of {published}", flush=True)
    refresh_readme(args)
    return True


def run_one(corpus: str, minutes: float | None, args, staged: bool = False) -> dict:
    """One papermill execution of the reproduction notebook for ``corpus`` (train up to ``minutes``, then
    render); ``staged``: results and page go to :func:`staging_dir`, published by :func:`promote`."""
    import papermill as pm

    drop = drop_attention(corpus, args)
    out_results = staging_dir(args) if staged else results_dir(args)
    params = {"corpus": corpus, "protocol": "paper", "variant": args.variant, "drop_attention": drop, "init": args.init,
              "epochs": args.epochs, "seed": args.seed, "max_minutes": minutes, "device": args.device,
              "torch_threads": args.threads, "n_jobs": args.n_jobs,
              "results_path": str(out_results / f"{corpus}.json"), "checkpoint_dir": "auto",
              "from_results": bool(getattr(args, "from_results", False)) or trained_elsewhere(corpus, args)}
    if args.data_root:
        params["data_root"] = args.data_root
    if args.max_files:
        params["max_files"] = args.max_files
    pages = staging_dir(args) if staged else pages_dir(args)
    tmp = REPO / ".cache" / "reproduce-running" / f"{corpus}{'-printed' if drop else ''}.ipynb"
    tmp.parent.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    print(f"=== {corpus}: {json.dumps(params)}", flush=True)
    try:
        pm.execute_notebook(str(NOTEBOOK), str(tmp), parameters=params, kernel_name="python3",
                            cwd=str(REPO / "notebooks"), progress_bar=False, log_output=True,
                            request_save_on_cell_execute=True)
    except Exception as exc:  # isolate: keep going with the other corpora
        failed = REPO / ".cache" / "reproduce-failed" / tmp.name
        failed.parent.mkdir(parents=True, exist_ok=True)
        if tmp.exists():
            shutil.move(str(tmp), failed)
        print(f"!!! {corpus} FAILED after {time.perf_counter() - t:.0f} s: {type(exc).__name__}: "
              f"{str(exc)[-1500:]}\n    executed notebook kept in {failed}", flush=True)
        return {"corpus": corpus, "ok": False, "seconds": time.perf_counter() - t, "error": str(exc)[-500:]}
    retitle(tmp, corpus, drop)
    from ser_lib.config import cache_root, data_root
    from ser_lib.publish import path_replacements, publish_page

    publish_page(tmp, pages / f"{corpus}.ipynb",
                 path_replacements([REPO, target_repo(args)], data_root(args.data_root), cache_root()))
    placeholder = pages / f"{corpus}.md"  # e.g. the CREMA-D page written while its data was missing
    if placeholder.exists():
        placeholder.unlink()
        print(f"=== {corpus}: removed the placeholder page {placeholder.name} (a run now exists)", flush=True)
    print(f"=== {corpus} done in {time.perf_counter() - t:.0f} s -> {pages / f'{corpus}.ipynb'}", flush=True)
    if staged:
        promote(corpus, args)
    else:
        refresh_readme(args)
    return {"corpus": corpus, "ok": True, "seconds": time.perf_counter() - t}


def refresh_readme(args=None) -> None:
    """Rewrite README.md's headline block from the results files (ser_lib.report), so that the README and
    the results written by this run stay in step (tests/test_report.py checks it). The README is the one of
    the checkout the pages go to (``--pages-dir``), which is not this script's when the queue runs from a
    second worktree."""
    try:
        from ser_lib.report import load, update_readme

        root = target_repo(args)
        results = (Path(args.results_dir) if args and args.results_dir else RESULTS).parent
        if update_readme(root / "README.md", load(results)):
            print(f"=== {root / 'README.md'}: headline updated from the results files", flush=True)
    except Exception as exc:  # noqa: BLE001 - never stop a training queue for the README
        print(f"!!! README.md headline not updated: {type(exc).__name__}: {exc}", flush=True)


def target_repo(args=None) -> Path:
    """The checkout whose pages this run renders: the one above ``--pages-dir`` (book/reproductions),
    else this script's."""
    pages = getattr(args, "pages_dir", None) if args is not None else None
    return Path(pages).resolve().parent.parent if pages else REPO


def render_audit_chapter(args) -> None:
    """Re-render the audit chapter (book/audit/audit.ipynb), whose first section shows the paper's network on
    the honest splits, from the stored results (seconds: no training). Skipped without audit results."""
    import importlib.util

    results = (Path(args.results_dir) if args.results_dir else RESULTS).parent / "audit-v2"
    if not any(results.glob("*.json")):
        return
    spec = importlib.util.spec_from_file_location("audit_all", REPO / "scripts" / "audit_all.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    out = target_repo(args) / "book" / "audit" / "audit.ipynb"
    try:
        rc = mod.render_chapter(results, None, [0, 1, 2], args.data_root, out=out)
    except Exception as exc:  # noqa: BLE001 - never stop a training queue for a page
        rc = f"{type(exc).__name__}: {exc}"
    print(f"=== audit chapter -> {out}" if rc == 0 else f"!!! audit chapter FAILED: {rc}", flush=True)


def trained_elsewhere(corpus: str, args) -> bool:
    """Whether the corpus's results file comes from a run that kept no checkpoint (trained on another
    machine by scripts/reproduce_elsewhere.py): the queue must not restart it here from epoch 0 and
    overwrite it; its page is re-rendered with ``--from-results``."""
    path = results_dir(args) / f"{corpus}.json"
    try:
        rec = json.loads(path.read_text())
    except (OSError, ValueError):
        return False
    return rec.get("params", {}).get("checkpoint_dir", "") is None and bool(rec.get("predictions"))


def epochs_done(corpus: str, args, folder: Path | None = None) -> int:
    """Epochs recorded in the corpus's results file in ``folder`` (default :func:`results_dir`); 0 when
    there is none or it is another run's."""
    path = (results_dir(args) if folder is None else Path(folder)) / f"{corpus}.json"
    try:
        rec = json.loads(path.read_text())
    except (OSError, ValueError):
        return 0
    p = rec.get("params", {})
    if (p.get("init") != args.init or p.get("variant") != args.variant or p.get("seed") != args.seed
            or p.get("drop_attention") != drop_attention(corpus, args)):
        return 0
    return int(rec.get("epochs_run") or 0)


def render_same_network(args) -> None:
    """Re-render the "same network, three splits" page from the results files (cheap: no training)."""
    import papermill as pm

    from ser_lib.config import cache_root, data_root
    from ser_lib.publish import path_replacements, publish_page

    pages = (Path(args.pages_dir) if args.pages_dir else PAGES).parent / "audit"
    results = (Path(args.results_dir) if args.results_dir else RESULTS).parent
    tmp = REPO / ".cache" / "reproduce-running" / "same_network.ipynb"
    tmp.parent.mkdir(parents=True, exist_ok=True)
    try:
        pm.execute_notebook(str(REPO / "notebooks" / "same_network.ipynb"), str(tmp), kernel_name="python3",
                            parameters={"faithful_dir": str(results / "faithful"),
                                        "reproduce_dir": str(results / "reproduce")},
                            cwd=str(REPO / "notebooks"), progress_bar=False)
    except Exception as exc:
        print(f"!!! same_network page FAILED: {type(exc).__name__}: {str(exc)[-800:]}", flush=True)
        return
    publish_page(tmp, pages / "same_network.ipynb",
                 path_replacements([REPO, target_repo(args)], data_root(args.data_root), cache_root()))
    print(f"=== same_network page -> {pages / 'same_network.ipynb'}", flush=True)
    render_audit_chapter(args)
    refresh_readme(args)


def run_faithful(corpus: str, args) -> bool:
    """Faithful-audit jobs of ``corpus`` (scripts/faithful_audit.py) in chunks until all are done;
    the page is re-rendered after every chunk. Returns True when every job finished."""
    import subprocess

    results = (Path(args.results_dir) if args.results_dir else RESULTS).parent / "faithful"
    cmd = [sys.executable, str(REPO / "scripts" / "faithful_audit.py"), corpus, "--results-dir", str(results),
           "--max-minutes", str(args.chunk_minutes), "--n-jobs", str(args.n_jobs)]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    if args.data_root:
        cmd += ["--data-root", args.data_root]
    failures = 0
    while failures < 4:
        print(f"=== faithful {corpus}: {' '.join(cmd[2:])}", flush=True)
        rc = subprocess.call(cmd, cwd=str(REPO))  # a fresh process per chunk picks up edited modules
        render_same_network(args)
        if rc == 0:
            return True
        if rc != 3:
            failures += 1
            time.sleep(60)
    return False


#: A queue chunk is long enough for at least this many epochs (see :func:`chunk_minutes`).
MIN_EPOCHS_PER_CHUNK = 3


def chunk_minutes(corpus: str, args, folder: Path | None = None) -> float:
    """Training minutes of the next chunk: ``--chunk-minutes``, or longer where the run's recent epochs
    (median of the last three in the record in ``folder``) are so slow that fewer than
    :data:`MIN_EPOCHS_PER_CHUNK` would fit: every chunk pays a start-up (features, compilation) and stops
    before an epoch that would overrun, so on a slow machine a 30-minute chunk trains one epoch."""
    import statistics

    path = (results_dir(args) if folder is None else Path(folder)) / f"{corpus}.json"
    try:
        secs = [float(h["seconds"]) for h in json.loads(path.read_text()).get("history", [])[-3:]]
    except (OSError, ValueError, KeyError, TypeError):
        secs = []
    if not secs or not epochs_done(corpus, args, folder):
        return args.chunk_minutes
    need = MIN_EPOCHS_PER_CHUNK * statistics.median(secs) / 60 + 5  # + start-up
    if need <= args.chunk_minutes:
        return args.chunk_minutes
    print(f"=== queue: {corpus}: epochs take {statistics.median(secs):.0f} s here; chunks of {need:.0f} minutes "
          f"(not {args.chunk_minutes:g}) to fit {MIN_EPOCHS_PER_CHUNK} epochs each", flush=True)
    return round(need, 1)


def run_queue(todo: list[str], args) -> list[dict]:
    """Train each corpus in chunks until it has ``args.epochs`` epochs; re-render after every chunk.
    With ``--faithful`` each corpus's faithful-audit jobs follow its paper run, or, with ``--faithful-last``,
    come after the paper runs of every corpus (the reproduction first: it is the longer critical path)."""
    summary = []
    for corpus in todo:
        failures = 0
        if trained_elsewhere(corpus, args) and epochs_done(corpus, args) < args.epochs:
            print(f"=== queue: {corpus} at {epochs_done(corpus, args)}/{args.epochs} epochs, trained on another "
                  "machine without a checkpoint: left as it is (rerun it there with scripts/reproduce_elsewhere.py)",
                  flush=True)
            continue
        while epochs_done(corpus, args) < args.epochs and failures < 4:
            staged = behind(corpus, args)
            if staged:
                print(f"=== queue: {corpus}: its checkpoint holds {checkpoint_epochs(corpus, args)} of the "
                      f"{epochs_done(corpus, args)} published epochs (the cache was lost?): training on in staging "
                      f"until the new run passes the record", flush=True)
            folder = staging_dir(args) if staged else None
            before = epochs_done(corpus, args, folder)
            res = run_one(corpus, chunk_minutes(corpus, args, folder), args, staged=staged)
            summary.append(res)
            if not res["ok"]:
                failures += 1
                time.sleep(60)  # e.g. a module being edited: try again, resuming from the checkpoint
            elif epochs_done(corpus, args, folder) <= before:
                failures += 1  # no progress (should not happen: every chunk runs >= 1 epoch)
            print(f"=== queue: {corpus} at {epochs_done(corpus, args)}/{args.epochs} epochs"
                  + (f" (staged run at {epochs_done(corpus, args, folder)})" if staged else ""), flush=True)
        if args.faithful and not args.faithful_last and corpus in FAITHFUL_CORPORA:
            summary.append(_faithful_step(corpus, args))
    if args.faithful and args.faithful_last:
        summary += [_faithful_step(c, args) for c in todo if c in FAITHFUL_CORPORA]
    return summary


def _faithful_step(corpus: str, args) -> dict:
    t = time.perf_counter()
    ok = run_faithful(corpus, args)
    return {"corpus": f"{corpus}/faithful", "ok": ok, "seconds": time.perf_counter() - t}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpora", default=None, help="comma-separated (default: every corpus present)")
    ap.add_argument("--max-minutes", default=None,
                    help="training budget: one number, 'corpus=min,...', or 'none' (defaults: "
                         + ", ".join(f"{k}={v}" for k, v in DEFAULT_MINUTES.items()) + ")")
    ap.add_argument("--threads", type=int, default=None, help="torch threads per run (default: torch's)")
    ap.add_argument("--n-jobs", type=int, default=1, help="feature-extraction processes (default 1)")
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--variant", default="code", choices=["code", "text"])
    ap.add_argument("--init", default="keras", choices=["keras", "torch"])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--data-root", default=None)
    ap.add_argument("--max-files", type=int, default=None, help="smoke tests only: files per corpus")
    ap.add_argument("--pages-dir", default=None, help=f"where the executed pages go (default {PAGES.relative_to(REPO)})")
    ap.add_argument("--results-dir", default=None, help=f"results JSON folder (default {RESULTS.relative_to(REPO)})")
    ap.add_argument("--queue", action="store_true",
                    help="long-run queue: train each corpus in chunks until --epochs, re-rendering after each chunk")
    ap.add_argument("--chunk-minutes", type=float, default=30.0, help="queue: training minutes per chunk")
    ap.add_argument("--faithful", action=argparse.BooleanOptionalAction, default=True,
                    help="queue: after each of " + ", ".join(FAITHFUL_CORPORA) + " run its faithful-audit jobs "
                         "(scripts/faithful_audit.py) and re-render book/audit/same_network.ipynb")
    ap.add_argument("--faithful-last", action="store_true",
                    help="queue: run the faithful-audit jobs only after every corpus has its --epochs paper epochs")
    ap.add_argument("--from-results", action="store_true",
                    help="render each page from its results file, no training (runs trained on another machine: "
                         "scripts/reproduce_elsewhere.py)")
    ap.add_argument("--compile", action="store_true",
                    help="train through torch.compile (SER_COMPILE=1 for every run it starts: the same function "
                         "and dropout masks, float32 rounding aside, faster on CPU (benchmarks/bench_training.py); each epoch of a "
                         "history records it)")
    ap.add_argument("--printed-model", action="store_true",
                    help="SAVEE, RAVDESS and TESS only: train the model the released notebook printed (one attention "
                         "block short) into results/reproduce-printed/ and book/reproductions/printed/; no faithful-audit jobs")
    args = ap.parse_args(argv)
    if args.compile:
        os.environ["SER_COMPILE"] = "1"  # read by ser_lib.train.fit, here and in the child processes

    from ser_lib import corpora as corp

    present = corp.available(args.data_root)
    if args.corpora:
        wanted = [c.strip() for c in args.corpora.split(",") if c.strip()]
        missing = [c for c in wanted if c not in present]
        if missing:
            print(f"not present (skipped): {missing}; present: {present}", flush=True)
        todo = [c for c in wanted if c in present]
    else:
        todo = [c for c in ORDER if c in present]
    if args.printed_model:
        from ser_lib import paper

        skipped = [c for c in todo if c not in paper.PRINTED_WITHOUT]
        if skipped:
            print(f"--printed-model: {skipped} skipped (their printed model is the full one)", flush=True)
        todo = [c for c in todo if c in paper.PRINTED_WITHOUT]
        args.faithful = False
    if not todo:
        print("no corpus to run: set SER_DATA_ROOT (present: none)", flush=True)
        return 1
    if args.queue:
        summary = run_queue(todo, args)
    else:
        minutes = parse_minutes(args.max_minutes, todo)
        summary = [run_one(c, minutes[c], args) for c in todo]
    print("\nsummary:")
    for s in summary:
        print(f"  {s['corpus']:8s} {'ok' if s['ok'] else 'FAILED':6s} {s['seconds']:7.0f} s")
    return 0 if all(s["ok"] for s in summary) else 1


if __name__ == "__main__":
    sys.exit(main())
