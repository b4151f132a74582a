#!/usr/bin/env python
"""Exact duplicates by decoded audio in every corpus present -> results/duplicates.json.

Two files are duplicates when their decoded samples are identical (ser_lib.hashing.sha256_audio), whatever
their names or containers. For each group the file also records whether its members share a take
(ser_lib.protocols.take_ids): the honest protocols hold out whole takes, so such a pair can never sit on
both sides of a split there; under the paper's row split it can.

    python scripts/find_duplicates.py                 # every corpus present
    python scripts/find_duplicates.py --corpora ravdess
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main(argv=None) -> int:
    from ser_lib import corpora, protocols
    from ser_lib.hashing import duplicate_groups
    from ser_lib.results import data_checksum, write_results

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpora", nargs="*", default=None, help="default: every corpus present")
    ap.add_argument("--data-root", default=None)
    ap.add_argument("--out", default=str(REPO / "results" / "duplicates.json"))
    a = ap.parse_args(argv)
    names = a.corpora or corpora.available(a.data_root)
    t0 = time.perf_counter()
    found, data = {}, {}
    for name in names:
        table = corpora.scan(name, a.data_root)
        take = dict(zip(table["path"].astype(str), protocols.take_ids(table)))
        groups = duplicate_groups(table["path"], progress=True)
        found[name] = [{"files": [Path(p).name for p in g], "same_take": len({take[p] for p in g}) == 1}
                       for g in groups]
        data[name] = {"n_files": int(len(table)), "checksum": data_checksum(table["path"])}
        print(f"{name}: {len(table)} files, {len(groups)} group(s) of identical audio: {found[name]}", flush=True)
    write_results(a.out, params={"what": "exact duplicates by decoded audio (ser_lib.hashing.sha256_audio)",
                                 "corpora": list(names)},
                  metrics={"groups": found}, data=data, wall_time_s=time.perf_counter() - t0)
    print(f"-> {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
