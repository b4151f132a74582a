"""An efficient attention CNN for speech emotion recognition (:class:`EfficientSER`).

The paper's ingredients (1-D convolutions, channel attention then spatial attention,
{cite}`woo2018cbam`) rebuilt to be cheap: a small stem, depthwise-separable convolutions with
max-pooling, attention on the last feature map and a global mean+max pooling head instead of
Flatten → Dense. About 50 000 parameters and 1.9 M multiply-adds per clip, against about 2 M
parameters for the paper's network read literally on the same input
(:func:`ser_lib.registry.paper_text_model`).

Input: float32 ``(B, C, 108)`` frame features (:mod:`ser_lib.frames`: ``C = 22``, 20 MFCC + ZCR +
log-RMS), standardised (:mod:`ser_lib.scaling`). The audit builds it by name
(:func:`ser_lib.registry.build_model`), trains it with :func:`ser_lib.audit_train.train` and
reports its cost with :func:`ser_lib.cost.cost`.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from .frames import N_CHANNELS
from .model import ChannelAttention, SpatialAttention, apply_attention

__all__ = ["EfficientSER"]


class _DSConv(nn.Module):
    """Depthwise (k, same padding) then pointwise convolution, BatchNorm, ReLU, optional max-pool."""

    def __init__(self, c_in: int, c_out: int, kernel_size: int, pool: int):
        super().__init__()
        self.dw = nn.Conv1d(c_in, c_in, kernel_size, padding=kernel_size // 2, groups=c_in, bias=False)
        self.pw = nn.Conv1d(c_in, c_out, 1, bias=False)
        self.bn = nn.BatchNorm1d(c_out)
        self.pool = nn.MaxPool1d(pool) if pool > 1 else nn.Identity()

    def forward(self, x):
        return self.pool(F.relu(self.bn(self.pw(self.dw(x)))))


class EfficientSER(nn.Module):
    """Small attention CNN over frame features.

    Parameters
    ----------
    n_classes : number of emotions
    in_channels : feature channels (22 = :data:`ser_lib.frames.N_CHANNELS`: 20 MFCC + ZCR + log-RMS;
        20: MFCC only)
    widths : output channels of the stem and of each depthwise-separable block
        (default ``(64, 96, 128, 128)``: stem 64, then three blocks)
    kernel_size : temporal kernel of the stem and blocks (default 5)
    stem_pool : max-pool factor after the stem (default 2: 108 → 54 frames)
    pools : max-pool factor after each block (default ``(2, 1, 1)``: 54 → 27 frames)
    channel_attention, spatial_attention : CBAM blocks on the last feature map (both on by default)
    reduction : channel-attention MLP reduction (default 8)
    dropout : before the classifier (default 0.3)

    ``forward(x)``: ``(B, in_channels, T)`` float32 → logits ``(B, n_classes)``; any ``T`` ≥ 4 works.
    """

    def __init__(self, n_classes: int, in_channels: int = N_CHANNELS, widths=(64, 96, 128, 128), kernel_size: int = 5,
                 pools=(2, 1, 1), channel_attention: bool = True, spatial_attention: bool = True,
                 reduction: int = 8, dropout: float = 0.3, stem_pool: int = 2):
        super().__init__()
        widths = tuple(int(w) for w in widths)
        pools = tuple(int(p) for p in pools)
        if n_classes < 2:
            raise ValueError(f"n_classes must be >= 2, got {n_classes}")
        if len(widths) < 2 or len(pools) != len(widths) - 1:
            raise ValueError(f"need widths = (stem, block1, ...) and one pool per block; got {widths}, {pools}")
        if min(widths) < 1 or in_channels < 1 or kernel_size < 1:
            raise ValueError("widths, in_channels and kernel_size must be >= 1")
        self.config = dict(n_classes=int(n_classes), in_channels=int(in_channels), widths=widths,
                           kernel_size=int(kernel_size), pools=pools, channel_attention=bool(channel_attention),
                           spatial_attention=bool(spatial_attention), reduction=int(reduction),
                           dropout=float(dropout), stem_pool=int(stem_pool))
        self.in_channels = int(in_channels)
        self.stem = nn.Sequential(nn.Conv1d(in_channels, widths[0], kernel_size, padding=kernel_size // 2, bias=False),
                                  nn.BatchNorm1d(widths[0]), nn.ReLU(),
                                  nn.MaxPool1d(stem_pool) if stem_pool > 1 else nn.Identity())
        self.blocks = nn.Sequential(*[_DSConv(widths[i], widths[i + 1], kernel_size, pools[i])
                                      for i in range(len(pools))])
        c = widths[-1]
        self.channel_att = ChannelAttention(c, reduction) if channel_attention else None
        self.spatial_att = SpatialAttention(7) if spatial_attention else None
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(2 * c, n_classes)
        self.last_attention: dict[str, torch.Tensor] = {}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 3 or x.shape[1] != self.in_channels:
            raise ValueError(f"expected input (batch, {self.in_channels}, frames), got {tuple(x.shape)}")
        x = self.blocks(self.stem(x))
        x, self.last_attention = apply_attention(x, self.channel_att, self.spatial_att)
        x = torch.cat([x.mean(2), x.amax(2)], dim=1)
        return self.out(self.dropout(x))
