#!/usr/bin/env python
"""`make audit`: run the audit grid on every corpus present, then execute the audit chapter.

``ravdess8`` (RAVDESS with calm kept as an eighth class, EmoBox's task) is not run by default: name it.

Headline grid (default): models efficient+spkn, compare_svm(+spkn), mfcc_lr(+spkn), protocols paper / utterance /
speaker, seeds 0 1 2, every corpus found under the data root (SER_DATA_ROOT). Ablations
(`--ablation`): attention off / channel only / spatial only / both and "no augmentation" under the
speaker protocol. One results JSON per (corpus, protocol, model, seed) in results/audit-v2/ (second edition); existing
files are skipped, so an interrupted run resumes. Prints the time of each configuration and the total.
Every configuration is a job of ser_lib.experiments: `--jobs N` runs N at a time on this machine
(joblib), `--scheduler ADDRESS` runs them on a Dask cluster (workers need the data and the results
folder at the same paths).

Examples
--------
    python scripts/audit_all.py                       # headline grid + chapter
    python scripts/audit_all.py --ablation --no-book  # ablation grid only
    python scripts/audit_all.py --corpora savee --seeds 0 --epochs 4 --max-files 80 --results-dir /tmp/a
    python scripts/audit_all.py --jobs 2 --no-book                   # two jobs at a time
    python scripts/audit_all.py --book-only                          # re-execute the chapter from stored results
    python scripts/audit_all.py --corpora ravdess8 --protocols speaker --models efficient compare_svm mfcc_lr
    python scripts/audit_all.py --scheduler tcp://10.0.0.5:8786      # on a Dask cluster
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-root", default=None, help="folder with the corpora (default: $SER_DATA_ROOT or ./data)")
    ap.add_argument("--corpora", nargs="*", default=None, help="default: every corpus present")
    ap.add_argument("--protocols", nargs="*", default=["paper", "utterance", "speaker"])
    ap.add_argument("--models", nargs="*", default=None, help="default: audit.HEADLINE_MODELS")
    ap.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--max-files", type=int, default=None)
    ap.add_argument("--results-dir", default=str(REPO / "results" / "audit-v2"),
                    help="default results/audit-v2 (second edition); the first edition is in results/audit")
    ap.add_argument("--threads", type=int, default=1, help="torch threads inside each job (default 1)")
    ap.add_argument("--jobs", type=int, default=1, help="jobs run at a time on this machine (default 1)")
    ap.add_argument("--scheduler", default=None, help="Dask scheduler address: run the jobs on that cluster")
    ap.add_argument("--ablation", action="store_true", help="run the ablation grid instead of the headline")
    ap.add_argument("--no-book", action="store_true", help="do not execute the chapter afterwards")
    ap.add_argument("--book-only", action="store_true",
                    help="only execute the chapter from the results already stored (no training)")
    ap.add_argument("--force", action="store_true", help="recompute existing results")
    a = ap.parse_args(argv)

    os.environ.setdefault("MPLBACKEND", "Agg")
    from ser_lib import audit, corpora
    from ser_lib.config import data_root
    from ser_lib.experiments import grids

    if a.book_only:
        return render_chapter(a.results_dir, a.corpora, a.seeds, a.data_root)
    names = a.corpora or [c for c in audit.CORPORA if c in corpora.available(a.data_root)]
    if not names:
        print(f"no corpus found under {data_root(a.data_root)}; using the synthetic corpus", flush=True)
        names = ["synthetic"]
    t0 = time.perf_counter()
    common = dict(epochs=a.epochs, max_files=a.max_files, threads=a.threads, data_root=a.data_root)
    if a.ablation:
        models = a.models or list(audit.ABLATION_MODELS)
        print(f"ABLATION grid: corpora {names}, models {models} (+ efficient without augmentation), "
              f"protocol speaker, seeds {a.seeds}", flush=True)
        specs = grids.ablation_grid(names, a.seeds, models=models, **common)
    else:
        models = a.models or list(audit.HEADLINE_MODELS)
        print(f"HEADLINE grid: corpora {names}, protocols {a.protocols}, models {models}, seeds {a.seeds}", flush=True)
        specs = grids.audit_grid(names, a.protocols, models, a.seeds, **common)
        if not a.models:  # second edition: the transductive and enrolment variants of every model, speaker protocol
            norm = list(audit.TRANSDUCTIVE_MODELS) + list(audit.ENROLMENT_MODELS)
            print(f"NORMALISATION grid: corpora {names}, protocol speaker, models {norm}, seeds {a.seeds}", flush=True)
            specs += grids.audit_grid(names, ["speaker"], norm, a.seeds, **common)
    grids.run_audit(specs, results_dir=a.results_dir, jobs=a.jobs, scheduler=a.scheduler, data_root=a.data_root,
                    force=a.force)
    print(f"{'ABLATION' if a.ablation else 'HEADLINE'} grid total: {time.perf_counter() - t0:.0f} s", flush=True)
    if a.no_book:
        return 0
    return render_chapter(a.results_dir, None, a.seeds, a.data_root)  # the chapter shows every corpus with results


def render_chapter(results_dir, names, seeds, data_root, out: Path | None = None) -> int:
    """Execute notebooks/audit.ipynb on the stored results into book/audit/audit.ipynb (the published
    record; ``out``: another path), machine paths scrubbed. ``names`` None: every corpus with results in
    ``results_dir``. The chapter also shows the paper's network on the honest splits, read from the
    ``faithful/`` folder beside ``results_dir``."""
    from ser_lib.config import data_root as resolve_root

    out = Path(out) if out is not None else REPO / "book" / "audit" / "audit.ipynb"
    out.parent.mkdir(parents=True, exist_ok=True)
    # every results folder the chapter reads sits beside results_dir: named explicitly, so that a chapter
    # rendered from another checkout (the queue's worktree) reads these results, not its own copies
    results_root = Path(results_dir).resolve().parent
    cmd = [sys.executable, "-m", "papermill", str(REPO / "notebooks" / "audit.ipynb"), str(out),
           "-p", "run", "False", "-p", "results_dir", str(Path(results_dir).resolve()),
           *(arg for name, folder in (("first_edition_dir", "audit"), ("trials_dir", "audit-v2-trials"),
                                      ("faithful_dir", "faithful"), ("reproduce_dir", "reproduce"))
             for arg in ("-p", name, str(results_root / folder))),
           "-p", "cost_path", str(results_root / "cost.json"),
           "-p", "seeds", repr(list(seeds)), "-p", "data_root", str(resolve_root(data_root)),
           "--cwd", str(REPO / "notebooks")]
    if names:
        cmd += ["-p", "corpora", repr(list(names))]
    print(" ".join(cmd), flush=True)
    t1 = time.perf_counter()
    rc = subprocess.call(cmd)
    if rc == 0:
        from ser_lib.config import cache_root
        from ser_lib.publish import path_replacements, scrub_paths

        scrub_paths(out, path_replacements([REPO, out.resolve().parent.parent.parent], resolve_root(data_root),
                                           cache_root()))
    print(f"chapter executed in {time.perf_counter() - t1:.0f} s -> {out}", flush=True)
    return rc

if __name__ == "__main__":
    sys.exit(main())
