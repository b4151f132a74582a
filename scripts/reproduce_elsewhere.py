"""Run the paper reproduction of one corpus on a machine that does not hold the corpus (an accelerator).

The reproduction (:func:`ser_lib.reproduce.run`) is two steps: :func:`~ser_lib.reproduce.prepare` reads
the audio and computes the paper's rows; :func:`~ser_lib.reproduce.train_evaluate` splits, scales, trains
and evaluates. This script runs them on two machines:

    # here, where the corpus is: compute the rows and pack them into one file (no audio, ~half the size of the rows)
    python scripts/reproduce_elsewhere.py pack tess --out bundle/tess.npz
    # there (a GPU machine; only ser_lib and the file are needed, no librosa): train and write the results file
    python scripts/reproduce_elsewhere.py run bundle/tess.npz --device cuda --results out/tess.json
    # here again: copy out/tess.json to results/reproduce/tess.json and render the page from it
    python scripts/reproduce_all.py --corpora tess --from-results
    # the model the released notebook printed (one attention block short): --drop-attention printed there,
    # the results file to results/reproduce-printed/tess.json, and --printed-model --from-results here

The results file holds the test rows' predictions, so the page is rendered from it without the trained
weights (a checkpoint of the replica with its Adam moments is about 450 MB). The file records both
machines: ``provenance`` the one that trained, ``rows_prepared_on`` the one that computed the rows.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def pack(a) -> int:
    from ser_lib import reproduce

    prep = reproduce.prepare(a.corpus, data_root=a.data_root, max_files=a.max_files, n_jobs=a.n_jobs)
    out = reproduce.save_prepared(prep, a.out)
    print(f"{prep.corpus}: {prep.X.shape[0]} rows x {prep.X.shape[1]} values from {prep.data['n_files']} files "
          f"-> {out} ({out.stat().st_size / 1e6:.1f} MB)", flush=True)
    return 0


def run(a) -> int:
    from ser_lib import reproduce
    from ser_lib.results import update_results

    t0 = time.perf_counter()
    prep = reproduce.load_prepared(a.bundle)
    print(f"{prep.corpus}: {prep.X.shape} rows loaded in {time.perf_counter() - t0:.1f} s", flush=True)
    ckpt = None if a.checkpoint_dir.lower() == "none" else a.checkpoint_dir
    drop = None if a.drop_attention == "none" else a.drop_attention
    if drop == "printed":
        from ser_lib.paper import PRINTED_WITHOUT

        if prep.corpus not in PRINTED_WITHOUT:
            raise SystemExit(f"--drop-attention printed: the released {prep.corpus} notebook printed the full model "
                             f"(printouts short of a block: {sorted(PRINTED_WITHOUT)})")
        drop = PRINTED_WITHOUT[prep.corpus]
    r = reproduce.train_evaluate(prep, variant=a.variant, drop_attention=drop, init=a.init, epochs=a.epochs, seed=a.seed,
                                 max_minutes=a.max_minutes, device=a.device, torch_threads=a.threads,
                                 checkpoint_dir=ckpt, results_path=a.results, progress=not a.quiet, t_start=t0)
    prov = r.record.get("provenance") or {}
    if r.results_path and prep.packed_by and not (prov.get("git") or {}).get("commit"):
        import json

        rec = json.loads(Path(r.results_path).read_text())  # no git here: the commit the rows were packed at
        rec["provenance"]["git"] = prep.packed_by.get("git")
        update_results(r.results_path, provenance=rec["provenance"])
    m = r.metrics
    print(f"{prep.corpus}: {r.history.epochs_run} of {r.params['epochs']} epochs on {r.params['device']}: "
          f"accuracy {100 * m['accuracy']:.2f} %, UAR {100 * m['uar']:.2f} % -> {r.results_path}", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pack", help="compute a corpus's rows here and write them to one .npz")
    p.add_argument("corpus")
    p.add_argument("--out", required=True)
    p.add_argument("--data-root", default=None)
    p.add_argument("--max-files", type=int, default=None, help="smoke tests only")
    p.add_argument("--n-jobs", type=int, default=2)
    r = sub.add_parser("run", help="train and evaluate from a packed .npz, write the results JSON")
    r.add_argument("bundle")
    r.add_argument("--results", required=True, help="results JSON to write")
    r.add_argument("--device", default="auto")
    r.add_argument("--epochs", type=int, default=None, help="default: the paper's 100")
    r.add_argument("--max-minutes", type=float, default=None, help="training budget of this call")
    r.add_argument("--variant", default="code", choices=["code", "text"])
    r.add_argument("--init", default="keras", choices=["keras", "torch"])
    r.add_argument("--drop-attention", default="none", choices=["none", "channel", "spatial", "printed"],
                   help="leave out an attention block; printed: the one the corpus's released printout lacks")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--threads", type=int, default=None)
    r.add_argument("--checkpoint-dir", default="none",
                   help="'none' (default: a checkpoint of the replica is ~450 MB), 'auto', or a folder")
    r.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    return pack(a) if a.cmd == "pack" else run(a)


if __name__ == "__main__":
    sys.exit(main())
