"""``python -m ser_lib COMMAND``: predict emotions of your own files, retrain the shipped model,
run the cross-corpus study. (Corpus management stays ``python -m ser_lib.corpora``.)

Commands
--------
predict FILE_OR_FOLDER... [--model PATH] [--format table|json|csv] [--windows] [--hop S]
        [--labels labels.csv] [--no-progress]
    Probabilities per emotion and the top label of each file (folders: every audio file under
    them, with a progress bar). ``--windows``: the per-window track of long files. ``--labels``:
    a CSV with columns ``file,emotion`` gives the confusion matrix and UAR. Exit status 0, or 2
    when no file could be scored.
train-pretrained [--epochs N] [--seed K] [--corpora C ...] [--augment]
    Retrain the shipped model on the corpora present and install it (:mod:`ser_lib.pretrain`).
cross-corpus [--corpora C ...] [--epochs N] [--patience N] [--batch-size N] [--max-per-domain N] [--max-folds N]
             [--seeds K ...] [--results-dir DIR] [--jobs N] [--augment]
    Train on one corpus, test on the others, leave one corpus out, and the within-corpus folds
    (:mod:`ser_lib.cross_corpus`); finished jobs are skipped.
"""
from __future__ import annotations

import argparse
import json
import sys

__all__ = ["main", "train_pretrained"]


def train_pretrained(domains=None, *, results_dir=None, force: bool = True, install_to=None, data_root=None,
                     progress: bool = True, **kwargs):
    """Train the shipped model through the one runner (:func:`ser_lib.experiments.run_job` of
    :func:`ser_lib.pretrain.job_spec`; ``force``: retrain even when the results file holds this
    job) and :func:`ser_lib.pretrain.install` it (default: into the package). ``kwargs`` go to
    :func:`~ser_lib.pretrain.job_spec`. Returns the installed bundle's path."""
    from .experiments import run_job
    from .pretrain import DEFAULT_RESULTS_DIR, install, job_spec

    spec = job_spec(domains, data_root=data_root, **kwargs)
    if progress:
        print(f"training {spec.label()} on {dict(spec.params)['emotions']} (key {spec.key})", flush=True)
    results = run_job(spec, results_dir or DEFAULT_RESULTS_DIR, data_root=data_root, force=force, progress=progress)
    return install(results, install_to)


def _predict(args) -> int:
    import pandas as pd

    from .predict import evaluate, predict_paths, to_frame
    from .voice_model import load

    try:
        bundle = load(args.model)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    preds = predict_paths(args.paths, bundle, hop_s=args.hop, track=args.windows, progress=not args.no_progress)
    if not preds:
        print("error: no audio file found in " + ", ".join(args.paths), file=sys.stderr)
        return 2
    report = evaluate(preds, args.labels, bundle.labels) if args.labels else None
    if args.format == "json":
        out = {"model": str(bundle.path), "labels": bundle.labels, "predictions": [p.to_dict() for p in preds]}
        if report is not None:
            out["evaluation"] = {**{k: v for k, v in report.items() if k != "confusion"},
                                 "confusion": {"true": list(report["confusion"].index),
                                               "predicted": list(report["confusion"].columns),
                                               "counts": report["confusion"].to_numpy().tolist()}}
        print(json.dumps(out, indent=1, default=float))
    else:
        df = to_frame(preds, bundle.labels)
        if args.windows:
            rows = [{"file": p.file, **w} for p in preds for w in (p.windows or [])]
            wdf = pd.DataFrame(rows)
        if args.format == "csv":
            (wdf if args.windows else df).to_csv(sys.stdout, index=False)
        else:
            show = df.copy()
            show["label"] = [(l if r else f"({l})") if l else "-" for l, r in zip(df["label"], df["reliable"])]
            show = show.drop(columns=["reliable", "note"])
            with pd.option_context("display.width", 200, "display.max_colwidth", 60, "display.max_rows", 500):
                print(show.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
                if args.windows and len(wdf):
                    print("\nper window:")
                    print(wdf.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
            notes = [(p.file, ("ERROR: " + p.error) if p.error else w) for p in preds
                     for w in ([None] if p.error else p.warnings)]
            if notes:
                print("\nnotes (a label in brackets is unreliable; '-' means no label):")
                for f, n in notes:
                    print(f"  {f}: {n}")
        if report is not None:
            print(f"\nagainst {args.labels}: UAR {100 * report['uar']:.1f} %, accuracy "
                  f"{100 * report['accuracy']:.1f} % over {report['n']} files (chance UAR "
                  f"{100 / max(1, len(report['confusion'].index)):.1f} %)", file=sys.stderr if args.format == "csv" else sys.stdout)
            if len(report["confusion"]):
                print(report["confusion"].to_string(), file=sys.stderr if args.format == "csv" else sys.stdout)
            for why, files in report["left_out"].items():
                print(f"left out ({why}): {len(files)} file(s), e.g. {files[:3]}",
                      file=sys.stderr if args.format == "csv" else sys.stdout)
    return 0 if any(p.error is None for p in preds) else 2


def _train_pretrained(args) -> int:
    import time

    import torch

    torch.set_num_threads(1)
    t0 = time.perf_counter()
    path = train_pretrained(args.corpora, epochs=args.epochs, seed=args.seed, augment=args.augment, progress=True)
    print(f"done in {time.perf_counter() - t0:.0f} s")
    print(f"installed {path}")
    return 0


def _cross_corpus(args) -> int:
    from .cross_corpus import DEFAULT_RESULTS_DIR, collect, job_specs, uar_matrix
    from .experiments import run_grid

    domains = args.corpora
    if not domains:
        from . import corpora

        domains = [c for c in ("emodb", "savee", "emovo", "ravdess", "tess", "cremad") if c in corpora.available()]
    specs = job_specs(domains, seeds=args.seeds, epochs=args.epochs, patience=args.patience, augment=args.augment,
                      max_per_domain=args.max_per_domain, max_folds=args.max_folds, batch_size=args.batch_size)
    out = args.results_dir or DEFAULT_RESULTS_DIR
    run_grid(specs, jobs=args.jobs, results_dir=out, progress=True)
    print((100 * uar_matrix(collect(out), order=domains)).round(1).to_string())
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m ser_lib", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("predict", help="emotion probabilities of audio files or folders")
    p.add_argument("paths", nargs="+", metavar="FILE_OR_FOLDER")
    p.add_argument("--model", default=None, help="model bundle (.pt); default: the shipped model")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")
    p.add_argument("--windows", action="store_true", help="also show the per-window track")
    p.add_argument("--hop", type=float, default=1.25, help="seconds between 2.5 s windows (default 1.25)")
    p.add_argument("--labels", default=None, help="CSV with columns file,emotion: confusion matrix and UAR")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=_predict)
    t = sub.add_parser("train-pretrained", help="retrain and install the shipped model")
    t.add_argument("--corpora", nargs="*", default=None)
    t.add_argument("--epochs", type=int, default=30)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--augment", action="store_true", help="train on the four versions (4x the CPU)")
    t.set_defaults(func=_train_pretrained)
    c = sub.add_parser("cross-corpus", help="train on one corpus, test on the others")
    c.add_argument("--corpora", nargs="*", default=None)
    c.add_argument("--epochs", type=int, default=25)
    c.add_argument("--patience", type=int, default=6)
    c.add_argument("--batch-size", type=int, default=32)
    c.add_argument("--max-per-domain", type=int, default=800, help="recordings per corpus at most (default 800)")
    c.add_argument("--max-folds", type=int, default=4, help="within-corpus speaker folds at most (default 4)")
    c.add_argument("--seeds", type=int, nargs="*", default=[0])
    c.add_argument("--results-dir", default=None)
    c.add_argument("--jobs", type=int, default=1)
    c.add_argument("--augment", action="store_true", help="train on the four versions (4x the CPU)")
    c.set_defaults(func=_cross_corpus)
    args = ap.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
