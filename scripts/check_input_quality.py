"""How often the input checks of ser_lib.input_quality fire on real recordings (they should not) and
on synthetic non-speech (they should): a sample of each corpus present, the synthetic corpus, and
generated negatives. Writes results/pretrained/input_checks.json.

Usage: python scripts/check_input_quality.py [--per-corpus N]
"""
from __future__ import annotations

import argparse
import collections
import time

import numpy as np

from ser_lib import corpora, synthetic
from ser_lib.audio import load
from ser_lib.config import REPO_ROOT
from ser_lib.input_quality import screen
from ser_lib.results import data_checksum, write_results


def negatives(sr: int = 16000) -> dict:
    rng = np.random.default_rng(0)
    t = np.arange(3 * sr) / sr
    return {"sine 440 Hz": 0.5 * np.sin(2 * np.pi * 440 * t), "square 200 Hz": 0.3 * np.sign(np.sin(2 * np.pi * 200 * t)),
            "chirp": 0.5 * np.sin(2 * np.pi * (100 + 1000 * t) * t), "white noise": 0.1 * rng.standard_normal(t.size),
            "hum + noise": 0.3 * np.sin(2 * np.pi * 50 * t) + 0.01 * rng.standard_normal(t.size),
            "clicks": np.where(rng.random(t.size) < 0.001, 0.8, 0.0) + 1e-4 * rng.standard_normal(t.size),
            "noise bursts": 0.2 * rng.standard_normal(t.size) * ((t % 0.5) < 0.25)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--per-corpus", type=int, default=60)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    out, data = {}, {}
    tables = {c: corpora.scan(c) for c in corpora.available()}
    tables["synthetic"] = corpora.scan("synthetic", synthetic.ensure_corpus().parent)
    for name, table in tables.items():
        sample = table.sample(min(args.per_corpus, len(table)), random_state=0)
        codes = collections.Counter()
        for p in sample["path"]:
            y, sr = load(p, sr=None)
            codes.update(i.code for i in screen(y, sr).issues)
        out[name] = {"files": int(len(sample)), "issues": dict(codes)}
        data[name] = data_checksum(sample["path"])
        print(name, out[name], flush=True)
    neg = {}
    for name, y in negatives().items():
        neg[name] = [i.code for i in screen(y.astype(np.float32), 16000).issues]
    out["negatives"] = neg
    print("negatives", neg)
    write_results(REPO_ROOT / "results" / "pretrained" / "input_checks.json", params={"per_corpus": args.per_corpus},
                  metrics=out, wall_time_s=time.perf_counter() - t0, data={"checksums": data})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
