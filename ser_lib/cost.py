"""What a model costs: trainable parameters, multiply-adds per clip and CPU latency per clip.

:func:`cost` reports all three for one 2.5 s clip, with the time to compute the paper's features
of that clip (:func:`ser_lib.features.paper_vector`); :func:`count_params` and
:func:`count_macs` are its parts. The audit stores ``params`` and ``macs`` in every results file
of a neural model.
"""
from __future__ import annotations

import time

import numpy as np
import torch
import torch.nn as nn

from . import paper
from .frames import N_CHANNELS

__all__ = ["count_params", "count_macs", "cost"]


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
