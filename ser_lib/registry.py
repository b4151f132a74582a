"""The audit's neural models by name: the efficient CNN and its ablations, and the paper's network read literally.

:data:`MODEL_PRESETS` names every configuration the audit trains; :func:`build_model` builds one
for a number of classes and input channels. The presets are

- ``efficient`` (:class:`ser_lib.efficient.EfficientSER`) and its ablations ``efficient_noatt``
  (no attention), ``efficient_channel`` (channel attention only), ``efficient_spatial`` (spatial
  attention only) and ``efficient_wide`` (wider layers);
- ``paper_text`` (:func:`paper_text_model`): the paper's text taken literally, MFCCs as channels
  over 108 frames through the released blocks and CBAM attention
  (:class:`ser_lib.model.PaperNet`; about 2 M parameters with the Flatten → Dense(64) head).
"""
from __future__ import annotations

from typing import Any

import torch.nn as nn

from . import paper
from .efficient import EfficientSER
from .frames import N_CHANNELS
from .model import PaperNet

__all__ = ["MODEL_PRESETS", "build_model", "paper_text_model"]


def paper_text_model(n_classes: int, *, in_channels: int = paper.N_MFCC, **kw) -> PaperNet:
    """The paper's text read literally: MFCCs as ``in_channels`` channels over 108 frames.

    ``PaperNet(input_length=108, in_channels=20, n_blocks=2, filters=256, kernel_size=7,
    head='flatten')``: 2 045 221 parameters for 7 classes (the released "without MFCC
    augmentation" printout). Keyword arguments override PaperNet's.
    """
    args = dict(input_length=paper.N_FRAMES, n_classes=n_classes, in_channels=in_channels, init="torch")
    args.update(kw)
    return PaperNet(**args)


#: Named configurations used by the audit (name → ``kind`` of constructor and its keyword arguments).
MODEL_PRESETS: dict[str, dict[str, Any]] = {
    "efficient": dict(kind="efficient"),
    "efficient_noatt": dict(kind="efficient", channel_attention=False, spatial_attention=False),
    "efficient_channel": dict(kind="efficient", spatial_attention=False),
    "efficient_spatial": dict(kind="efficient", channel_attention=False),
    "efficient_wide": dict(kind="efficient", widths=(128, 192, 256, 256)),
    "paper_text": dict(kind="paper_text"),
}


def build_model(name: str, n_classes: int, in_channels: int = N_CHANNELS) -> nn.Module:
    """A model from :data:`MODEL_PRESETS` by name."""
    if name not in MODEL_PRESETS:
        raise ValueError(f"unknown model {name!r}; choose from {sorted(MODEL_PRESETS)}")
    kw = dict(MODEL_PRESETS[name])
    kind = kw.pop("kind")
    if kind == "efficient":
        return EfficientSER(n_classes, in_channels=in_channels, **kw)
    return paper_text_model(n_classes, in_channels=in_channels, **kw)
