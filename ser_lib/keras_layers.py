"""Keras-equivalent building blocks of the replica: initialisers, dropout rule, BatchNorm update.

Each reproduces one Keras default the released model relies on, in PyTorch's ``(channels, length)``
layout, and documents where PyTorch's own default differs. :mod:`ser_lib.model` assembles them into
:class:`ser_lib.model.PaperNet` and re-exports them.
"""
from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["glorot_uniform_", "he_normal_", "KerasNoOpPool", "keras_dropout_mask", "MASK_SPLIT_MIN", "MASK_CHUNKS",
           "KerasDropout", "KerasBatchNorm1d", "keras_bn"]


# --------------------------------------------------------------------------------------------
# Keras-equivalent initialisers
# --------------------------------------------------------------------------------------------
def _fans(w: torch.Tensor) -> tuple[int, int]:
    # PyTorch Conv1d weight (out, in, k); Linear (out, in). Keras: fan_in = in*k, fan_out = out*k.
    receptive = w[0, 0].numel() if w.dim() > 2 else 1
    return w.shape[1] * receptive, w.shape[0] * receptive


def glorot_uniform_(w: torch.Tensor) -> torch.Tensor:
    """Keras ``glorot_uniform``: U(-a, a), a = sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(w)
    a = math.sqrt(6.0 / (fan_in + fan_out))
    with torch.no_grad():
        return w.uniform_(-a, a)


def he_normal_(w: torch.Tensor) -> torch.Tensor:
    """Keras ``he_normal``: truncated normal (at 2 sd), sd = sqrt(2 / fan_in) / 0.87962566."""
    fan_in, _ = _fans(w)
    std = math.sqrt(2.0 / fan_in) / 0.87962566103423978
    with torch.no_grad():
        return nn.init.trunc_normal_(w, mean=0.0, std=std, a=-2 * std, b=2 * std)


class KerasNoOpPool(nn.Identity):
    """The released code's ``MaxPool1D(pool_size=1, strides=1)``: a max over windows of one
    position is the identity, so it is kept as a named layer (for the layer table) that returns its
    input unchanged (``nn.MaxPool1d(1, 1)`` gives the same values but costs ~7 % of a training step)."""

    def extra_repr(self) -> str:
        return "MaxPool1D(pool_size=1, strides=1) == identity"


#: Masks of at least this many elements are drawn on the CPU in :data:`MASK_CHUNKS` parts.
MASK_SPLIT_MIN = 1 << 20
#: How many parts (each with its own generator) a large CPU mask is drawn in; fixed, so the mask does
#: not depend on the thread count.
MASK_CHUNKS = 2
_pool: dict = {}


def _mask_pool():
    """Two threads for the parts of a mask (created again in a forked child, whose threads are gone)."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    if _pool.get("pid") != os.getpid():
        _pool.update(pid=os.getpid(), pool=ThreadPoolExecutor(MASK_CHUNKS, thread_name_prefix="dropout-mask"))
    return _pool["pool"]


def keras_dropout_mask(shape, rate: float, *, dtype: torch.dtype = torch.float32,
                       device: torch.device | str | None = None) -> torch.Tensor:
    """Multiplicative mask of Keras's dropout rule: ``1 / (1 - rate)`` where ``U[0, 1) >= rate``, else 0.

    ``shape``: the shape of the activations it multiplies (e.g. ``(B, C, L)``). One uniform number
    per element, so ``torch.manual_seed`` fixes the mask, and :class:`KerasDropout` given this mask
    computes what it computes when it draws the mask itself. Small masks, and masks on a GPU, are one
    ``torch.rand`` from torch's global generator. A large CPU mask (at least :data:`MASK_SPLIT_MIN`
    elements, e.g. the replica's ``(16, 256, 2364)``) is drawn in :data:`MASK_CHUNKS` contiguous
    parts, each from its own generator seeded by a number drawn from the global one, on two threads
    when torch has two or more: torch's CPU generator is serial, and its draw (~37 ms for that mask on
    2 threads) is most of a training step's cost beyond the convolutions and the Adam update; in two
    parts it takes ~24 ms. The parts and seeds do not depend on the thread count, so neither does the mask.
    """
    scale = 1.0 / (1.0 - rate)
    numel = math.prod(shape)
    dev = torch.device(device) if device is not None else torch.device("cpu")
    if dev.type != "cpu" or numel < MASK_SPLIT_MIN:
        return torch.rand(shape, dtype=dtype, device=device).ge_(rate).mul_(scale)
    seeds = torch.randint(0, 2 ** 62, (MASK_CHUNKS,)).tolist()
    out = torch.empty(shape, dtype=dtype)
    flat = out.view(-1)
    bounds = [numel * i // MASK_CHUNKS for i in range(MASK_CHUNKS + 1)]

    def fill(i: int) -> None:
        part = flat[bounds[i]:bounds[i + 1]]
        part.uniform_(0.0, 1.0, generator=torch.Generator().manual_seed(seeds[i]))
        part.ge_(rate).mul_(scale)

    if torch.get_num_threads() > 1:
        list(_mask_pool().map(fill, range(MASK_CHUNKS)))
    else:
        for i in range(MASK_CHUNKS):
            fill(i)
    return out


class KerasDropout(nn.Module):
    """Keras's dropout rule: keep an element where ``U[0, 1) >= rate``, scale the kept ones by ``1 / (1 - rate)``.

    The same distribution as ``nn.Dropout(rate)`` (and as Keras, which draws a uniform tensor and
    compares it with ``rate``), but the mask comes from uniform numbers and one comparison
    (:func:`keras_dropout_mask`), which on the CPU costs about a third of ``bernoulli_`` (24 vs 73 ms
    for a ``(16, 256, 2364)`` map on 2 threads). Identity in eval mode or with ``rate == 0``. Draws from torch's global generator, so
    ``torch.manual_seed`` makes the masks reproducible. ``forward(x, mask)`` uses a mask drawn
    beforehand by :func:`keras_dropout_mask` (a float tensor of ``x``'s shape): a compiled training
    step takes the mask as an input instead of drawing it inside the graph
    (:func:`ser_lib.speed.compile_model`).
    """

    def __init__(self, rate: float):
        super().__init__()
        if not 0.0 <= rate < 1.0:
            raise ValueError(f"rate must be in [0, 1), got {rate}")
        self.rate = float(rate)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        if not self.training or self.rate == 0.0:
            return x
        if mask is None:
            mask = keras_dropout_mask(x.shape, self.rate, dtype=x.dtype, device=x.device)
        elif mask.shape != x.shape:
            raise ValueError(f"dropout mask of shape {tuple(mask.shape)} for activations {tuple(x.shape)}")
        return x * mask

    def extra_repr(self) -> str:
        return f"rate={self.rate}"


class KerasBatchNorm1d(nn.BatchNorm1d):
    """``nn.BatchNorm1d`` with Keras's moving-variance update.

    Both frameworks normalise a training batch with its *biased* variance. They differ in the moving
    variance used at test time: PyTorch updates it with the *unbiased* batch variance
    (``n / (n - 1)`` times larger, ``n`` = values per channel in the batch), Keras with the biased one.
    For the Dense(64) layer of the replica, ``n`` is the batch size (16), so PyTorch's test-time
    variance would be about 6.7 % larger than Keras's. After PyTorch's update this layer removes the
    difference: ``running_var -= (running_var - (1 - m) * old) / n``, which equals
    ``(1 - m) * old + m * biased_var`` (``m`` = momentum). The batch statistics, the output and the
    gradients are those of ``nn.BatchNorm1d``; only the buffer update differs. Keras's
    ``momentum=0.99`` is PyTorch's ``momentum=0.01``; ``eps=1e-3`` is Keras's default.
    """

    def __init__(self, num_features: int, eps: float = 1e-3, momentum: float = 0.01):
        super().__init__(num_features, eps=eps, momentum=momentum)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not (self.training and self.track_running_stats) or self.momentum is None:
            return super().forward(x)
        old = self.running_var.clone()
        y = super().forward(x)
        n = x.numel() // x.shape[1]
        if n > 1:
            # a new tensor, not an in-place update: autograd saved the buffer PyTorch just updated
            with torch.no_grad():
                self.running_var = self.running_var - (self.running_var - (1.0 - self.momentum) * old) / n
        return y


def keras_bn(num_features: int) -> nn.BatchNorm1d:
    """Keras's default ``BatchNormalization()`` for ``num_features`` channels."""
    return KerasBatchNorm1d(num_features, eps=1e-3, momentum=0.01)


# --------------------------------------------------------------------------------------------
# Attention blocks
# --------------------------------------------------------------------------------------------
