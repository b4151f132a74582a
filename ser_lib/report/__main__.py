"""``python -m ser_lib.report``: the headline from the results files; ``--readme README.md`` rewrites the
README's copy (``--check``: exit 1 if it is out of date)."""
from __future__ import annotations

import argparse
import sys

from .tables import headline, load
from .text import run_sentences, update_readme


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m ser_lib.report", description="The book's headline from the results files.")
    ap.add_argument("--readme", default=None, help="rewrite the headline block of this README")
    ap.add_argument("--check", action="store_true", help="with --readme: exit 1 if the block is out of date")
    ap.add_argument("--results", default=None, help="results folder (default: the repository's results/)")
    a = ap.parse_args(argv)
    r = load(a.results)
    if a.readme:
        changed = update_readme(a.readme, r, check=a.check)
        print(f"{a.readme}: {'out of date' if a.check and changed else 'updated' if changed else 'up to date'}")
        return 1 if a.check and changed else 0
    print(headline(r).round(1).to_string())
    print("\n".join(run_sentences(r, here=False)))
    return 0


if __name__ == "__main__":  # pragma: no cover - command line
    sys.exit(main())
