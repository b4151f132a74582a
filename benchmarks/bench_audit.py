#!/usr/bin/env python
"""Audit benchmark: grid times, training/inference throughput, parameters, MACs, latency per clip.

Prints
- the headline-audit and full-ablation wall time: summed from the results files in
  results/audit/ when they exist (what the grid actually took on this machine), and an estimate
  from measured training throughput and the rows each fold trains on;
- per model: training samples/s (one torch thread, batch 128, the audit's batch augmentation),
  inference samples/s (batch 512), parameters, multiply-adds per clip, CPU latency per clip
  (model only, and feature extraction).

Usage: python benchmarks/bench_audit.py [--results-dir results/audit] [--threads 1] [--rows 1024]
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parent.parent

#: corpora the audit grid runs (their sizes, speakers and emotions come from ser_lib.corpora.registry)
AUDIT_CORPORA = ("emodb", "savee", "emovo", "ravdess", "tess")


def training_rows(corpus: str) -> dict:
    """Rows trained on per protocol (all folds), from ser_lib.protocols on a synthetic table with the
    corpus's structure (files, speakers, emotions of the complete distribution, 4 versions per recording)."""
    import pandas as pd

    from ser_lib import protocols as P
    from ser_lib.corpora.registry import CORPORA

    info = CORPORA[corpus]
    n_rec, n_spk = info.n_files, info.n_speakers
    emos = sorted(set(info.emotion_map.values()))
    rows = []
    for i in range(n_rec):
        for v in ("original", "noise", "pitch", "pitch_noise"):
            rows.append({"recording_id": f"r{i}", "speaker": f"{i % n_spk + 1:02d}", "emotion": emos[i % len(emos)],
                         "version": v})
    meta = pd.DataFrame(rows)
    return {p: sum(len(f.train_idx) for f in P.build(p, meta, corpus, 0)) for p in P.PROTOCOLS}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--results-dir", default=str(REPO / "results" / "audit"))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rows", type=int, default=1024, help="rows per throughput measurement")
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--seeds", type=int, default=3)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    from ser_lib import audit, audit_train, cost, paper, registry
    from ser_lib.model import PaperNet

    print(f"torch threads: {a.threads}")
    rng = np.random.default_rng(0)
    rows = []
    T, L = paper.N_FRAMES, paper.VECTOR_LENGTH
    specs = [("efficient", registry.build_model("efficient", 7), (22, T)),
             ("efficient_noatt", registry.build_model("efficient_noatt", 7), (22, T)),
             ("efficient_channel", registry.build_model("efficient_channel", 7), (22, T)),
             ("efficient_spatial", registry.build_model("efficient_spatial", 7), (22, T)),
             ("paper_text (PaperNet, 20 MFCC channels)", registry.paper_text_model(7), (paper.N_MFCC, T)),
             (f"released PaperNet ({L}-value vector)", PaperNet(L, 7, init="torch"), (1, L))]
    train_sps = {}
    for name, model, shape in specs:
        n = a.rows if "released" not in name else max(64, a.rows // 16)
        X = rng.normal(size=(n,) + shape).astype(np.float32)
        y = rng.integers(0, 7, n)
        if "released" in name or "paper_text" in name:
            t0 = time.perf_counter()
            opt = torch.optim.Adam(model.parameters(), 1e-4)
            model.train()
            for i in range(0, n, 64):
                xb, yb = torch.from_numpy(X[i:i + 64]), torch.from_numpy(y[i:i + 64])
                loss = torch.nn.functional.cross_entropy(model(xb), yb)
                opt.zero_grad()
                loss.backward()
                opt.step()
            tr = n / (time.perf_counter() - t0)
        else:
            r = audit_train.train(model, X, y, config=audit_train.TrainConfig(epochs=1), seed=0, reinitialize=True)
            tr = r.train_samples_per_s
        train_sps[name] = tr
        t0 = time.perf_counter()
        audit_train.predict_proba(model, X)
        inf = n / (time.perf_counter() - t0)
        c = cost.cost(model, shape, repeats=20, threads=a.threads)
        rows.append((name, c["params"], c["macs"] / 1e6, tr, inf, c["model_ms"], c["features_ms"]))
    print(f"\n{'model':42s} {'params':>10s} {'MMACs':>8s} {'train/s':>9s} {'infer/s':>9s} {'ms/clip':>8s} {'feat ms':>8s}")
    for r in rows:
        print(f"{r[0]:42s} {r[1]:10d} {r[2]:8.2f} {r[3]:9.0f} {r[4]:9.0f} {r[5]:8.2f} {r[6]:8.1f}")

    # estimated grid times from measured throughput
    total_rows = {c: training_rows(c) for c in AUDIT_CORPORA}
    per_seed = sum(sum(v.values()) for v in total_rows.values())
    sp_rows = sum(v["speaker"] for v in total_rows.values())
    eff = train_sps["efficient"]
    head_est = per_seed * a.epochs * a.seeds / eff
    abl_est = sp_rows * a.epochs * a.seeds * 5.25 / eff  # 5 variants + no-augmentation (1/4 of the rows)
    print(f"\ntraining rows per seed (all corpora, all folds): {per_seed} (speaker protocol: {sp_rows})")
    print(f"estimated headline-audit neural training time ({a.seeds} seeds, {a.epochs} epochs): {head_est / 60:.1f} min "
          "(+ baselines, + validation passes)")
    print(f"estimated full-ablation time: {abl_est / 60:.1f} min")

    res = Path(a.results_dir)
    if res.is_dir():
        head, abl = 0.0, 0.0
        nh = na = 0
        for p in res.glob("*.json"):
            rec = json.loads(p.read_text())
            m, aug = rec["params"]["model"], rec["params"].get("augment", True)
            if m in audit.HEADLINE_MODELS and aug:
                head += rec["wall_time_s"]
                nh += 1
            if rec["params"]["protocol"] == "speaker" and (m in audit.ABLATION_MODELS or not aug):
                abl += rec["wall_time_s"]
                na += 1
        print(f"measured (results files in {res}): headline {nh} configurations, {head / 60:.1f} min; "
              f"ablation {na} configurations, {abl / 60:.1f} min")


if __name__ == "__main__":
    main()
