#!/usr/bin/env python
"""The audit CNN's learning-rate trial, decided on validation speakers only (ser_lib.experiments.lr_trial).

    python scripts/audit_lr_trial.py                                   # every corpus present -> results/audit-v2-trials/lr.json
    python scripts/audit_lr_trial.py --corpora savee --lrs 1e-3 3e-3   # a smaller trial
    python scripts/audit_lr_trial.py --lrs 3e-2 1e-1 --merge           # widen the stored grid
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main(argv=None) -> int:
    from ser_lib import corpora
    from ser_lib.experiments import lr_trial

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpora", nargs="*", default=None, help="default: every corpus present (synthetic if none)")
    ap.add_argument("--lrs", nargs="*", type=float, default=list(lr_trial.LRS))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--max-files", type=int, default=None)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--data-root", default=None)
    ap.add_argument("--merge", action="store_true",
                    help="keep the stored rows of other learning rates (widen the grid: --lrs 3e-2 1e-1 --merge)")
    ap.add_argument("--out", default=str(REPO / "results" / "audit-v2-trials" / "lr.json"))
    a = ap.parse_args(argv)
    os.environ.setdefault("MPLBACKEND", "Agg")
    names = a.corpora or [c for c in ("emodb", "savee", "emovo", "ravdess") if c in corpora.available(a.data_root)]
    names = names or ["synthetic"]
    print(f"learning-rate trial: {names}, lrs {a.lrs}, seed {a.seed}, {a.epochs} epochs -> {a.out}", flush=True)
    path = lr_trial.run(names, a.out, lrs=a.lrs, seed=a.seed, epochs=a.epochs, data_root=a.data_root,
                        max_files=a.max_files, threads=a.threads, merge=a.merge)
    import json

    rec = json.loads(Path(path).read_text())
    print(lr_trial.table(rec).to_string(), flush=True)
    from ser_lib.audit_train import TrainConfig

    print(f"chosen on validation: {rec['metrics']['chosen']} (the audit's setting: {TrainConfig().lr:g})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
