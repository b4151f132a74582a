"""The corpora command line: ``python -m ser_lib.corpora status | how-to | download | verify | import``.

It lives apart from :mod:`ser_lib.corpora` because it uses the downloader and the importer
(:mod:`ser_lib.download`, :mod:`ser_lib.corpus_import`), which themselves read the corpus registry:
the library modules then import in one direction only.
"""
from __future__ import annotations

import warnings

from .. import config, corpora, corpus_import, download

__all__ = ["main"]


def _status(root) -> int:
    base = config.data_root(root)
    print(f"data root: {base.resolve()}")
    problem = corpora.data_root_problem(root)
    if problem:
        print(f"  PROBLEM: {problem}")
    for name in corpora.REAL_CORPORA:
        folder = corpora.locate(name, root)
        c = corpora.CORPORA[name]
        if folder is None:
            print(f"  {name:8s} absent   (python -m ser_lib.corpora how-to {name})")
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            df = corpora.scan(name, root)
        left = [f"{len(df.attrs[k])} {label}" for k, label in (
            ("unparsed", "unparsed"), ("rejected", "rejected"), ("duplicates", "duplicates"),
            ("not_files", "not regular files"), ("hidden", "hidden")) if df.attrs.get(k)]
        extra = f", {', '.join(left)}" if left else ""
        print(f"  {name:8s} {len(df):5d} / {c.n_files} files, {df['speaker'].nunique()} speakers, "
              f"{df['emotion'].nunique()} emotions{extra}  [{folder}]")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command line: ``status``, ``how-to NAME``, ``download NAME``, ``verify NAME``, ``import NAME SRC``."""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m ser_lib.corpora", description=corpora.__doc__.split("\n\n")[0])
    ap.add_argument("--root", default=None, help="data root (default: $SER_DATA_ROOT or ./data)")
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("status", help="which corpora are present, with counts")
    for cmd in ("how-to", "download", "verify"):
        p = sub.add_parser(cmd)
        p.add_argument("name", choices=[n for n in corpora.CORPORA if n != "synthetic"])
    corpus_import.add_parser(sub)
    args = ap.parse_args(argv)
    if args.cmd == "import":
        return corpus_import.run_cli(args)
    if args.cmd == "status":
        return _status(args.root)
    if args.cmd == "how-to":
        print(corpora.how_to_get(args.name))
        return 0
    if args.cmd == "download":
        download.download(args.name, args.root)
        return 0
    folder = corpora.locate(args.name, args.root)
    if folder is None:
        print(f"{args.name} not found under {config.data_root(args.root).resolve()}\n{corpora.how_to_get(args.name)}")
        return 1
    report = download.verify(args.name, folder)
    print(report.summary())
    return 0 if report.complete else 1
