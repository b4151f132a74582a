"""What a model costs: trainable parameters, multiply-adds per clip and CPU latency per clip.

:func:`cost` reports all three for one 2.5 s clip, with the time to compute the paper's features
of that clip (:func:`ser_lib.features.paper_vector`); :func:`count_params` and
:func:`count_macs` are its parts. The audit stores ``params`` and ``macs`` in every results file
of a neural model.

:func:`cost_table` measures the models the audit chapter compares; ``python -m ser_lib.cost --out
results/cost.json`` writes it as a results file (provenance included), which the chapter shows, so
that a page rendered while training runs beside it does not show the latency of a loaded machine.
Run it on an idle machine.
"""
from __future__ import annotations

import time

import numpy as np
import torch
import torch.nn as nn

from . import paper
from .frames import N_CHANNELS

__all__ = ["count_params", "count_macs", "cost", "cost_models", "cost_table", "main"]


def count_params(model: nn.Module) -> int:
    """Trainable parameters (BatchNorm running statistics not included)."""
    return int(sum(p.numel() for p in model.parameters() if p.requires_grad))


def count_macs(model: nn.Module, input_shape: tuple[int, ...]) -> int:
    """Multiply-accumulate operations of one forward pass on a single input of ``input_shape``
    (without the batch axis), counted for Conv1d and Linear layers (attention's MLP and conv
    included; element-wise operations, pooling and BatchNorm not counted)."""
    macs = [0]

    def conv_hook(m, inp, out):
        macs[0] += out.numel() // out.shape[0] * (m.in_channels // m.groups) * m.kernel_size[0]

    def lin_hook(m, inp, out):
        macs[0] += out.numel() // out.shape[0] * m.in_features

    hooks = []
    for m in model.modules():
        if isinstance(m, nn.Conv1d):
            hooks.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            hooks.append(m.register_forward_hook(lin_hook))
    was = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(torch.zeros((1,) + tuple(input_shape)))
    finally:
        for h in hooks:
            h.remove()
        model.train(was)
    return int(macs[0])


def cost(model: nn.Module, input_shape: tuple[int, ...] = (N_CHANNELS, paper.N_FRAMES), *, repeats: int = 50,
         threads: int = 1, include_features: bool = True) -> dict:
    """Parameters, multiply-adds and CPU latency for one 2.5 s clip.

    Returns ``{"params", "macs", "model_ms", "features_ms", "total_ms", "threads"}``: ``model_ms``
    is the median over ``repeats`` single-clip forward passes with ``threads`` torch threads;
    ``features_ms`` the median time of :func:`ser_lib.features.paper_vector` (ZCR, RMS, MFCC)
    on 2.5 s of audio at 22 050 Hz (when ``include_features``).
    """
    old = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        x = torch.randn((1,) + tuple(input_shape))
        model.eval()
        times = []
        with torch.no_grad():
            for _ in range(5):
                model(x)
            for _ in range(repeats):
                t0 = time.perf_counter()
                model(x)
                times.append(time.perf_counter() - t0)
        out = {"params": count_params(model), "macs": count_macs(model, input_shape),
               "model_ms": float(np.median(times) * 1e3), "threads": threads}
        out["features_ms"] = None
        if include_features:
            from .features import paper_vector

            y = np.random.default_rng(0).standard_normal(round(paper.DURATION * paper.SR)).astype(np.float32) * 0.1
            ft = []
            for _ in range(max(3, repeats // 10)):
                t0 = time.perf_counter()
                paper_vector(y)
                ft.append(time.perf_counter() - t0)
            out["features_ms"] = float(np.median(ft) * 1e3)
        out["total_ms"] = out["model_ms"] + (out["features_ms"] or 0.0)
        return out
    finally:
        torch.set_num_threads(old)


def cost_models(n_classes: int = 7) -> list[tuple[str, nn.Module, tuple[int, ...]]]:
    """``(label, model, input shape without batch)`` of the models the audit chapter's *Cost* table
    compares: the efficient attention CNN, the same without attention, the paper's text read literally
    (the released blocks over 20 MFCC channels) and the released network on its vector."""
    from .model import PaperNet
    from .registry import build_model, paper_text_model

    return [
        ("efficient attention CNN", build_model("efficient", n_classes), (N_CHANNELS, paper.N_FRAMES)),
        ("efficient, no attention", build_model("efficient_noatt", n_classes), (N_CHANNELS, paper.N_FRAMES)),
        ("paper text: PaperNet on 20 MFCC channels", paper_text_model(n_classes), (paper.N_MFCC, paper.N_FRAMES)),
        (f"released PaperNet on the {paper.VECTOR_LENGTH}-value vector",
         PaperNet(paper.VECTOR_LENGTH, n_classes, init="torch"), (1, paper.VECTOR_LENGTH)),
    ]


def cost_table(n_classes: int = 7, *, repeats: int = 10, threads: int = 1) -> dict:
    """Cost of every model of :func:`cost_models`, and of the features of one clip.

    Returns ``{"models": [{"model", "params", "macs", "model_ms"}, ...], "features_ms", "threads",
    "repeats", "n_classes"}`` (milliseconds: medians over ``repeats`` single-clip passes).
    """
    torch.manual_seed(0)
    rows = []
    for label, model, shape in cost_models(n_classes):
        c = cost(model, shape, repeats=repeats, threads=threads, include_features=False)
        rows.append({"model": label, "params": c["params"], "macs": c["macs"], "model_ms": c["model_ms"]})
    feats = cost(cost_models(n_classes)[0][1], repeats=repeats, threads=threads)["features_ms"]
    return {"models": rows, "features_ms": feats, "threads": threads, "repeats": repeats, "n_classes": n_classes}


def main(argv: list[str] | None = None) -> dict:
    """``python -m ser_lib.cost [--out results/cost.json] [--repeats 50] [--threads 1]``: measure
    :func:`cost_table` and write it as a results file (printed as a table too)."""
    import argparse

    from .results import write_results

    ap = argparse.ArgumentParser(prog="python -m ser_lib.cost", description=main.__doc__)
    ap.add_argument("--out", default="results/cost.json")
    ap.add_argument("--repeats", type=int, default=50)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--classes", type=int, default=7)
    a = ap.parse_args(argv)
    if a.repeats < 1 or a.threads < 1 or a.classes < 2:
        ap.error("--repeats and --threads must be >= 1, --classes >= 2")
    t0 = time.perf_counter()
    table = cost_table(a.classes, repeats=a.repeats, threads=a.threads)
    write_results(a.out, params={"n_classes": a.classes, "repeats": a.repeats, "torch_threads": a.threads},
                  metrics=table, wall_time_s=time.perf_counter() - t0)
    for r in table["models"]:
        print(f"{r['model']:46s} {r['params']:>12,d} params {r['macs'] / 1e6:9.2f} MMACs {r['model_ms']:8.2f} ms")
    print(f"features of one clip: {table['features_ms']:.1f} ms -> {a.out}")
    return table


if __name__ == "__main__":  # pragma: no cover
    main()
