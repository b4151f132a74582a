"""Re-run a sample of committed audit results through the one runner and compare the metrics.

For one corpus and seed (default EMOVO, seed 0): every protocol (paper, utterance, speaker) x the
headline models given with ``--models`` (default: MFCC + logistic regression with and without
per-speaker normalisation, and the efficient CNN with it; add ``compare_svm compare_svm+spkn`` for the
ComParE baselines, whose openSMILE features take about 45 CPU minutes for EMOVO's 2352 clips on a
2-core machine when not cached), run with
:func:`ser_lib.experiments.run_job` into a temporary folder at the committed thread count, then
compared with ``results/audit/`` metric by metric (mean and per fold). Prints one row per job and
writes ``results/regeneration_check.json`` (with ``--out``).

Usage: python scripts/check_regeneration.py [--corpus emovo] [--seed 0] [--threads 2] [--out PATH]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

MODELS = ("mfcc_lr", "mfcc_lr+spkn", "efficient+spkn")
PROTOCOLS = ("paper", "utterance", "speaker")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default="emovo")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2, help="torch threads (the committed headline grid: 2)")
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--models", nargs="*", default=list(MODELS))
    ap.add_argument("--out", default=None)
    a = ap.parse_args(argv)

    from ser_lib.experiments import JobSpec, run_job
    from ser_lib.experiments.spec import data_hash
    from ser_lib.results import write_results

    committed = REPO / "results" / "audit"
    dh = data_hash(a.corpus)
    rows = []
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for protocol in PROTOCOLS:
            for model in a.models:
                old_path = committed / f"{a.corpus}__{protocol}__{model}__seed{a.seed}.json"
                old = json.loads(old_path.read_text())
                neural = not model.startswith(("compare", "mfcc"))
                spec = JobSpec("audit", a.corpus, protocol, model, seed=a.seed,
                               epochs=a.epochs if neural else None, threads=a.threads, data_hash=dh)
                t = time.perf_counter()
                new = json.loads(Path(run_job(spec, tmp)).read_text())
                keys = ("uar_mean", "accuracy_mean", "macro_f1_mean")
                diff = max(abs(new["metrics"][k] - old["metrics"][k]) for k in keys)
                rows.append({"protocol": protocol, "model": model, "uar_committed": old["metrics"]["uar_mean"],
                             "uar_regenerated": new["metrics"]["uar_mean"], "max_abs_diff": diff,
                             "identical": diff == 0.0, "seconds": time.perf_counter() - t})
                r = rows[-1]
                print(f"{protocol:9s} {model:18s} UAR committed {r['uar_committed']:.4f} regenerated "
                      f"{r['uar_regenerated']:.4f}  max |diff| {diff:.2e}  ({r['seconds']:.0f} s)", flush=True)
    same = sum(r["identical"] for r in rows)
    print(f"{same} of {len(rows)} jobs give identical metrics ({time.perf_counter() - t0:.0f} s)")
    if a.out:
        write_results(a.out, params=vars(a), metrics={"jobs": rows, "identical": same, "total": len(rows)},
                      wall_time_s=time.perf_counter() - t0, data={"corpus": a.corpus, "data_hash": dh})
    return 0


if __name__ == "__main__":
    sys.exit(main())
