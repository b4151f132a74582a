"""Feature-extraction throughput and live-slider latency.

Prints (and, with ``--out``, writes a results JSON with provenance):
- files/s for ``features.extract(kind='paper')`` (all four versions) with a cold cache and 1
  worker, a cold cache and 2 workers, and a warm cache (2 workers), with ratios;
- the median time of one live-slider update (``viz.features.render_variant``: pitch shift +
  noise + spectrogram + MFCC + image + audio) for a 2.5 s clip.

Usage: python benchmarks/bench_features.py [--corpus NAME] [--max-files 40] [--repeats 7]
Runs on the first real corpus found (``$SER_DATA_ROOT``), else on the synthetic corpus.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("MPLBACKEND", "Agg")


def main(argv=None) -> int:
    from ser_lib import corpora, features as F, paper
    from ser_lib.results import Timer, data_checksum, write_results
    from ser_lib.viz import features as V

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=None)
    ap.add_argument("--data-root", default=None)
    ap.add_argument("--max-files", type=int, default=40)
    ap.add_argument("--repeats", type=int, default=7, help="live updates timed")
    ap.add_argument("--out", default=None, help="also write a results JSON here (e.g. results/bench_features.json)")
    a = ap.parse_args(argv)

    if a.corpus:
        name, table = a.corpus, corpora.scan(a.corpus, a.data_root)
    else:
        name, table = corpora.default_corpus(a.data_root)
    table = table.sample(n=min(a.max_files, len(table)), random_state=0).reset_index(drop=True)
    n = len(table)
    print(f"corpus {name}: {n} files x 4 versions")
    # warm up imports / JIT in this process so the 1-worker run is not charged for them
    F.paper_vector(F.load_paper_clip(table["path"][0]))

    rates = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, jobs, cdir in (("cold, 1 worker", 1, Path(tmp) / "c1"), ("cold, 2 workers", 2, Path(tmp) / "c2"),
                                  ("warm, 2 workers", 2, Path(tmp) / "c2")):
            with Timer() as t:
                F.extract(table, n_jobs=jobs, cache_dir=cdir, progress=False)
            rates[label] = n / t.seconds
            print(f"  {label:16s}: {t.seconds:7.2f} s  {rates[label]:8.1f} files/s")
    print(f"  speed-up 2 vs 1 workers: {rates['cold, 2 workers'] / rates['cold, 1 worker']:.2f}x; "
          f"warm vs cold(2): {rates['warm, 2 workers'] / rates['cold, 2 workers']:.1f}x")

    y = F.load_paper_clip(table["path"][0])
    y = np.pad(y, (0, max(0, round(paper.DURATION * paper.SR) - y.size)))
    V.render_variant(y, paper.SR, 1.0, 10.0, paper.NOISE_FACTOR)  # warm-up
    times = [V.render_variant(y, paper.SR, s, 10.0, paper.NOISE_FACTOR)[3] for s in np.linspace(-4, 4, a.repeats)]
    live = float(np.median(times))
    print(f"live slider update (2.5 s clip): median {live * 1000:.0f} ms over {len(times)} "
          f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f})")
    if a.out:
        write_results(a.out, params={"corpus": name, "files": n, "versions": 4, "repeats": a.repeats},
                      metrics={"files_per_s": rates, "live_update_median_s": live,
                               "speedup_2_vs_1": rates["cold, 2 workers"] / rates["cold, 1 worker"]},
                      wall_time_s=0.0, data={"checksum": data_checksum(table["path"], content=False)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
