"""Run (or resume) faithful-audit jobs: the paper's network under the utterance or speaker protocol.

One job per fold, each resumable epoch by epoch (checkpoints under ``$SER_CACHE_DIR``); results in
``results/faithful/`` (see :mod:`ser_lib.experiments.faithful`). Exit status 0 when every job
asked for is complete, 3 when the time budget ran out first (run it again to resume).

    python scripts/faithful_audit.py emodb --protocols utterance,speaker --test-groups 5 --max-minutes 30
    python scripts/faithful_audit.py synthetic --epochs 2 --max-files 40 --results-dir /tmp/f   # smoke test
    python scripts/faithful_audit.py savee --prepared bundle/savee.npz     # rows packed elsewhere (reproduce_elsewhere.py pack)
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))



def done_with_other_threads(spec, path) -> bool:
    """Whether ``path`` holds this job finished with another torch thread count (e.g. on a GPU machine with
    16 CPU threads): the thread count is part of a job's identity (CPU results differ in the last bits),
    but a finished fold is not run again, and overwritten, only because this call uses other threads."""
    import dataclasses
    import json

    from ser_lib.experiments.runner import job_status

    try:
        threads = json.loads(Path(path).read_text())["job"]["threads"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return threads != spec.threads and job_status(dataclasses.replace(spec, threads=int(threads)), path) == "done"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus")
    ap.add_argument("--protocols", default="utterance,speaker")
    ap.add_argument("--epochs", type=int, default=None, help="budget E (default: faithful.DEFAULT_EPOCHS)")
    ap.add_argument("--test-groups", type=int, default=None,
                    help="speaker folds for LOSO corpora (default: faithful.TEST_GROUPS, e.g. emodb=5; "
                         "others one per speaker)")
    ap.add_argument("--max-minutes", type=float, default=None, help="budget of this call")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--n-jobs", type=int, default=1)
    ap.add_argument("--max-files", type=int, default=None, help="smoke tests only")
    ap.add_argument("--results-dir", default=None)
    ap.add_argument("--data-root", default=None)
    ap.add_argument("--prepared", default=None,
                    help="the corpus's rows packed by `scripts/reproduce_elsewhere.py pack` (no audio needed: a GPU machine)")
    a = ap.parse_args(argv)

    import torch

    from ser_lib.experiments import faithful
    from ser_lib.experiments.runner import job_path, job_status

    torch.set_num_threads(a.threads)
    prepared = None
    if a.prepared:
        from ser_lib.reproduce import load_prepared

        prepared = load_prepared(a.prepared)
    epochs = a.epochs or faithful.DEFAULT_EPOCHS
    groups = a.test_groups if a.test_groups is not None else faithful.TEST_GROUPS.get(a.corpus)
    t0 = time.perf_counter()
    for protocol in [p.strip() for p in a.protocols.split(",") if p.strip()]:
        for fold in faithful.fold_names(a.corpus, protocol, data_root=a.data_root, test_groups=groups,
                                        max_files=a.max_files, prepared=prepared):
            spec = faithful.faithful_spec(a.corpus, protocol, fold, epochs=epochs, test_groups=groups,
                                          max_files=a.max_files, threads=a.threads)
            path = job_path(spec, a.results_dir)
            if job_status(spec, path) == "done" or done_with_other_threads(spec, path):
                continue
            left = None if a.max_minutes is None else a.max_minutes - (time.perf_counter() - t0) / 60
            if left is not None and left <= 0:
                print(f"--- budget spent before {spec.label()}", flush=True)
                return 3
            print(f"=== {spec.label()} (E={epochs}) -> {path.name}", flush=True)
            out = faithful.run_spec(spec, path, data_root=a.data_root, n_jobs=a.n_jobs, max_minutes=left,
                                    prepared=prepared)
            if out is None:
                print(f"--- {spec.label()}: budget spent, resumes next call", flush=True)
                return 3
            print(f"=== {spec.label()}: done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
