"""Add a content checksum to audit results written before ser_lib.audit hashed file bytes.

Audit results written before this change recorded ``data.checksum`` over the sorted file
*names* only. For each such file this script re-scans the same corpus under the recorded root,
checks that the names-only checksum still matches (same file set), and adds
``data.checksum_content`` (names + bytes, as new runs record it) with a note saying when and
how it was added. Nothing else in the file is touched. Files whose names no longer match are
reported and left alone.

    python scripts/backfill_audit_checksums.py results/audit
"""
from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone
from pathlib import Path

from ser_lib import corpora
from ser_lib.audit import subsample
from ser_lib.results import data_checksum


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results_dir", type=Path)
    args = ap.parse_args(argv)
    cache: dict = {}
    done = skipped = bad = 0
    for path in sorted(args.results_dir.glob("*.json")):
        rec = json.loads(path.read_text())
        data = rec.get("data", {})
        if "checksum_of" in data or "checksum_content" in data or data.get("corpus") == "synthetic":
            skipped += 1
            continue
        key = (data["corpus"], data["root"], rec["params"].get("max_files"))
        if key not in cache:
            table = subsample(corpora.scan(data["corpus"], data["root"]), key[2])
            cache[key] = (data_checksum(table["path"], content=False), data_checksum(table["path"]), len(table))
        names, content, n = cache[key]
        if names != data["checksum"] or n != data["n_recordings"]:
            print(f"MISMATCH {path.name}: the file set under {data['root']} changed; left alone")
            bad += 1
            continue
        data["checksum_of"] = "sorted file names only (recorded at run time)"
        data["checksum_content"] = content
        data["checksum_content_note"] = ("names + bytes of the same files, added by "
                                         "scripts/backfill_audit_checksums.py on "
                                         + datetime.now(timezone.utc).date().isoformat())
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(rec, indent=1))
        tmp.replace(path)
        done += 1
    print(f"added content checksums to {done} files, skipped {skipped}, mismatched {bad}")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
