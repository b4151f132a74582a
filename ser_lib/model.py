"""The paper's attention CNN, re-implemented in PyTorch from the released Keras model.

Faithful replica of the model in the authors' released notebooks (Lee & Nadeem 2025,
arXiv:2507.03251; spec: "Model in the released code"). Keras works on ``(length, channels)``;
PyTorch on ``(channels, length)``. Every place where that difference matters is documented.

Architecture (``PaperNet`` defaults; input ``(batch, 1, L)``)::

    [Conv1d(256, k=7, valid) -> ReLU -> BatchNorm -> MaxPool1D(1,1) (identity)]   L -> L-6
    [Conv1d(256, k=7, valid) -> ReLU -> BatchNorm -> MaxPool1D(1,1)] -> Dropout(0.2)   -> L-12
    ChannelAttention   (mean & max over length -> shared MLP 256->16->256 -> sum -> sigmoid -> scale)
    SpatialAttention   (mean & max over channels -> Conv1d(2->1, k=7, same, no bias) -> sigmoid -> scale)
    Flatten (length-major, like Keras) -> Dense(64) -> ReLU -> BatchNorm -> Dense(n_classes)

The softmax is left to the loss (``nn.CrossEntropyLoss``). Keras's BatchNormalization
(``epsilon=1e-3``, ``momentum=0.99``) becomes :class:`KerasBatchNorm1d` (``eps=1e-3, momentum=0.01``:
PyTorch's momentum is the weight of the *new* batch statistic), which also updates the moving
variance with the biased batch variance, as Keras does.

L2 regularisation: Keras adds ``1e-3 * sum(w**2)`` to the loss for every layer that has
``kernel_regularizer=l2(1e-3)`` — the Conv1D kernels and the Dense(64) kernel (not the biases,
not the attention layers, not BatchNorm, not the output layer). :meth:`PaperNet.l2_penalty`
returns that *unweighted* sum; :func:`ser_lib.train.fit` multiplies it by ``weight_l2`` (1e-3)
and adds it to the cross-entropy. PyTorch's ``Adam(weight_decay=2 * weight_l2)`` restricted to
those kernels would give the same gradient (its coupled decay adds ``weight_decay * w`` to the
gradient before the moment estimates); AdamW's decoupled decay, which shrinks the weights outside
the moment estimates, would not.

Initialisation (``init``):

- ``'keras'``: what the released Keras model starts from: ``glorot_uniform`` kernels and zero
  biases for Conv1D/Dense, ``he_normal`` (truncated normal, Keras's variant) for the
  attention MLP and the spatial-attention kernel, BatchNorm gamma=1, beta=0.
- ``'torch'``: PyTorch's default layer initialisation (Kaiming-uniform with a=sqrt(5) for the
  weights, small uniform biases).

The default is ``'keras'``, because the replica should start where the released model
starts. With lr 1e-5 it learns more slowly in the first epochs than PyTorch's default
initialisation (the reproduction pages show the learning curve from the results files); the
option exists so that this difference can be shown, and every result file records which
initialisation it used.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any

import torch
from torch import nn
import torch.nn.functional as F

from . import paper
from .keras_layers import (KerasBatchNorm1d, KerasDropout, KerasNoOpPool, glorot_uniform_, he_normal_,
                           keras_bn as _keras_bn, keras_dropout_mask)

__all__ = [
    "ChannelAttention", "SpatialAttention", "KerasDropout", "keras_dropout_mask", "KerasBatchNorm1d", "apply_attention", "PaperNet", "keras_param_count", "paper_param_formula",
    "layer_table", "PAPER_CODE", "PAPER_TEXT", "BATCH_SIZE_CODE", "variant_config",
]

#: Batch size per corpus in the released notebooks (the paper's text says 64 for all):
#: :data:`ser_lib.paper.BATCH_SIZE_CODE`.
BATCH_SIZE_CODE = paper.BATCH_SIZE_CODE

#: The model and training setting of the released code (Lee & Nadeem 2025; spec section
#: "Model in the released code"): two convolutional blocks, batch size per corpus.
PAPER_CODE: dict[str, Any] = {
    "name": "code", "n_blocks": paper.N_BLOCKS_CODE, "filters": paper.FILTERS, "kernel_size": paper.KERNEL_SIZE,
    "dropout": paper.DROPOUT, "dense_units": paper.DENSE_UNITS, "batch_size": dict(paper.BATCH_SIZE_CODE),
    "lr": paper.LR, "epochs": paper.EPOCHS, "weight_l2": paper.WEIGHT_L2,
}

#: The setting described in the paper's text: "three convolutional blocks (256 filters,
#: kernel size 7)", batch size 64 for every corpus, lr 1e-5, up to 100 epochs.
PAPER_TEXT: dict[str, Any] = {
    "name": "text", "n_blocks": paper.N_BLOCKS_TEXT, "filters": paper.FILTERS, "kernel_size": paper.KERNEL_SIZE,
    "dropout": paper.DROPOUT, "dense_units": paper.DENSE_UNITS,
    "batch_size": {k: paper.BATCH_SIZE_TEXT for k in paper.BATCH_SIZE_CODE},
    "lr": paper.LR, "epochs": paper.EPOCHS, "weight_l2": paper.WEIGHT_L2,
}


def variant_config(variant: str = "code") -> dict[str, Any]:
    """``PAPER_CODE`` (``'code'``) or ``PAPER_TEXT`` (``'text'``), as a fresh copy."""
    if variant not in ("code", "text"):
        raise ValueError(f"variant must be 'code' or 'text', got {variant!r}")
    src = PAPER_CODE if variant == "code" else PAPER_TEXT
    return {k: (dict(v) if isinstance(v, dict) else v) for k, v in src.items()}


class ChannelAttention(nn.Module):
    """CBAM channel attention for 1-D feature maps (Woo et al. 2018), as in the released model.

    Input ``(B, C, L)``. Mean and max over the length axis, each through a shared MLP
    ``C -> C // reduction (ReLU, bias) -> C (bias)``; the two outputs are summed, passed
    through a sigmoid and multiply the channels. Returns ``(scaled (B, C, L), weights (B, C))``;
    the weights are in (0, 1).
    """

    def __init__(self, channels: int, reduction: int = 16):
        super().__init__()
        if channels < 1 or reduction < 1:
            raise ValueError(f"channels and reduction must be >= 1, got {channels}, {reduction}")
        hidden = max(1, channels // reduction)
        self.fc1 = nn.Linear(channels, hidden, bias=True)
        self.fc2 = nn.Linear(hidden, channels, bias=True)

    def keras_init_(self) -> None:
        for lin in (self.fc1, self.fc2):
            he_normal_(lin.weight)
            nn.init.zeros_(lin.bias)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        avg = x.mean(dim=2)
        mx = x.amax(dim=2)
        logits = self.fc2(F.relu(self.fc1(avg))) + self.fc2(F.relu(self.fc1(mx)))
        w = torch.sigmoid(logits)
        return x * w.unsqueeze(2), w


class SpatialAttention(nn.Module):
    """CBAM spatial attention for 1-D feature maps, as in the released model.

    Input ``(B, C, L)``. Mean and max over channels are stacked as 2 channels (mean first),
    convolved by ``Conv1d(2 -> 1, kernel_size, padding='same', bias=False)``, passed through a
    sigmoid and multiply every position. Returns ``(scaled (B, C, L), weights (B, L))`` in (0, 1).
    """

    def __init__(self, kernel_size: int = 7):
        super().__init__()
        if kernel_size < 1:
            raise ValueError(f"kernel_size must be >= 1, got {kernel_size}")
        self.conv = nn.Conv1d(2, 1, kernel_size, padding="same", bias=False)

    def keras_init_(self) -> None:
        he_normal_(self.conv.weight)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        pooled = torch.cat([x.mean(dim=1, keepdim=True), x.amax(dim=1, keepdim=True)], dim=1)
        w = torch.sigmoid(self.conv(pooled)).squeeze(1)
        return x * w.unsqueeze(1), w


# --------------------------------------------------------------------------------------------
# The network
# --------------------------------------------------------------------------------------------
def apply_attention(x: torch.Tensor, channel_att: "ChannelAttention | None",
                    spatial_att: "SpatialAttention | None") -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Channel attention, then spatial attention (CBAM order), each optional.

    ``x``: (B, C, L). Returns the rescaled features and the weights that were applied
    (detached): ``'channel'`` (B, C) and ``'spatial'`` (B, L), for the attention chapter.
    """
    att: dict[str, torch.Tensor] = {}
    if channel_att is not None:
        x, w = channel_att(x)
        att["channel"] = w.detach()
    if spatial_att is not None:
        x, w = spatial_att(x)
        att["spatial"] = w.detach()
    return x, att


class PaperNet(nn.Module):
    """The released code's 1-D CNN with CBAM attention (see the module docstring).

    Parameters
    ----------
    input_length : int
        L, the length of the input sequence (2376 or 2268 for the paper's flat vector,
        108 frames for MFCC-as-channels). Must exceed ``n_blocks * (kernel_size - 1)``.
    n_classes : int
        Number of emotions (output logits).
    in_channels : int, default 1
        1 for the paper's flat vector; 20 to read MFCCs as 20 channels over 108 frames.
    n_blocks : int, default 2
        Convolutional blocks (2 in the released code, 3 in the paper's text).
    filters, kernel_size : int, default 256, 7
    dropout : float, default 0.2
        Dropout after the last convolutional block.
    channel_attention, spatial_attention : bool, default True
        Drop one to match the released TESS/SAVEE (no channel MLP) or RAVDESS (no spatial kernel)
        parameter printouts.
    head : ``'flatten'`` | ``'gap'``
        ``'flatten'``: Flatten (length-major) -> Dense(dense_units) -> ReLU -> BatchNorm -> Dense.
        ``'gap'``: global average pooling over length -> Dense(dense_units) -> ReLU -> BatchNorm
        -> Dense (``dense_units=0`` drops the hidden layer: GAP -> Dense(n_classes)).
    dense_units : int, default 64
    init : ``'keras'`` | ``'torch'``
        Initialisation (see the module docstring).

    ``forward(x)`` takes ``(B, in_channels, L)`` (or ``(B, L)`` when ``in_channels == 1``) and
    returns logits ``(B, n_classes)``. After each forward pass ``model.last_attention`` holds the
    detached attention weights: ``'channel'`` ``(B, filters)`` and ``'spatial'``
    ``(B, L - n_blocks * (kernel_size - 1))`` (absent keys for disabled blocks).
    """

    def __init__(self, input_length: int, n_classes: int, in_channels: int = 1, n_blocks: int = 2,
                 filters: int = 256, kernel_size: int = 7, dropout: float = 0.2,
                 channel_attention: bool = True, spatial_attention: bool = True,
                 head: str = "flatten", dense_units: int = 64, init: str = "keras",
                 reduction: int = 16, spatial_kernel: int = 7):
        super().__init__()
        if head not in ("flatten", "gap"):
            raise ValueError(f"head must be 'flatten' or 'gap', got {head!r}")
        if init not in ("keras", "torch"):
            raise ValueError(f"init must be 'keras' or 'torch', got {init!r}")
        if n_classes < 2:
            raise ValueError(f"n_classes must be >= 2, got {n_classes}")
        if n_blocks < 1 or filters < 1 or in_channels < 1 or kernel_size < 1:
            raise ValueError("n_blocks, filters, in_channels and kernel_size must be >= 1")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        out_len = int(input_length) - n_blocks * (kernel_size - 1)
        if out_len < 1:
            raise ValueError(f"input_length {input_length} too short for {n_blocks} valid convolutions "
                             f"of kernel {kernel_size} (needs > {n_blocks * (kernel_size - 1)})")
        if head == "flatten" and dense_units < 1:
            raise ValueError("head='flatten' needs dense_units >= 1 (the released model has 64)")
        self.config = dict(input_length=int(input_length), n_classes=int(n_classes),
                           in_channels=int(in_channels), n_blocks=int(n_blocks), filters=int(filters),
                           kernel_size=int(kernel_size), dropout=float(dropout),
                           channel_attention=bool(channel_attention),
                           spatial_attention=bool(spatial_attention), head=head,
                           dense_units=int(dense_units), init=init, reduction=int(reduction),
                           spatial_kernel=int(spatial_kernel))
        self.input_length = int(input_length)
        self.in_channels = int(in_channels)
        self.feature_length = out_len
        self.head = head

        blocks = []
        c_in = in_channels
        for i in range(n_blocks):
            layers = OrderedDict(conv=nn.Conv1d(c_in, filters, kernel_size), relu=nn.ReLU(),
                                 bn=_keras_bn(filters), pool=KerasNoOpPool())
            if i == n_blocks - 1:
                layers["dropout"] = KerasDropout(dropout)
            blocks.append(nn.Sequential(layers))
            c_in = filters
        self.blocks = nn.ModuleList(blocks)
        self.channel_att = ChannelAttention(filters, reduction) if channel_attention else None
        self.spatial_att = SpatialAttention(spatial_kernel) if spatial_attention else None
        if head == "flatten":
            self.dense = nn.Linear(filters * out_len, dense_units)
        else:
            self.dense = nn.Linear(filters, dense_units) if dense_units > 0 else None
        self.dense_bn = _keras_bn(dense_units) if self.dense is not None else None
        self.out = nn.Linear(dense_units if self.dense is not None else filters, n_classes)
        self.last_attention: dict[str, torch.Tensor] = {}
        if init == "keras":
            self.keras_init_()

    # -- initialisation -----------------------------------------------------------------------
    def keras_init_(self) -> None:
        """Re-initialise like Keras: glorot_uniform + zero bias; he_normal in the attention."""
        for m in self.modules():
            if isinstance(m, (nn.Conv1d, nn.Linear)):
                glorot_uniform_(m.weight)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm1d):
                m.reset_parameters()
        if self.channel_att is not None:
            self.channel_att.keras_init_()
        if self.spatial_att is not None:
            self.spatial_att.keras_init_()

    # -- regularisation -----------------------------------------------------------------------
    def regularized_weights(self) -> list[torch.Tensor]:
        """The kernels Keras regularises: every Conv1D kernel and the Dense(64) kernel."""
        ws = [b.conv.weight for b in self.blocks]
        if self.dense is not None:
            ws.append(self.dense.weight)
        return ws

    def l2_penalty(self) -> torch.Tensor:
        """Unweighted ``sum(w**2)`` over :meth:`regularized_weights` (a scalar tensor with grad).

        :func:`ser_lib.train.fit` adds ``weight_l2 * l2_penalty()`` (Keras: ``l2(1e-3)``).
        """
        return sum((w ** 2).sum() for w in self.regularized_weights())

    # -- forward ------------------------------------------------------------------------------
    def dropout_mask(self, x: torch.Tensor) -> torch.Tensor | None:
        """The dropout mask for a training batch ``x`` (``(B, filters, L')``, from
        :func:`keras_dropout_mask`), or None where dropout does nothing (eval mode, ``dropout == 0``)."""
        drop = getattr(self.blocks[-1], "dropout", None)
        if not (self.training and isinstance(drop, KerasDropout) and drop.rate > 0.0):
            return None
        shape = (x.shape[0], self.blocks[-1].conv.out_channels, self.feature_length)
        return keras_dropout_mask(shape, drop.rate, dtype=x.dtype, device=x.device)

    def features(self, x: torch.Tensor, dropout_mask: torch.Tensor | None = None) -> torch.Tensor:
        """Convolutional blocks and attention: ``(B, in_channels, L) -> (B, filters, L')``.

        ``dropout_mask``: see :meth:`dropout_mask` (None: the dropout layer draws its own)."""
        if x.dim() == 2 and self.in_channels == 1:
            x = x.unsqueeze(1)
        if x.dim() != 3 or x.shape[1] != self.in_channels or x.shape[2] != self.input_length:
            raise ValueError(f"expected input (batch, {self.in_channels}, {self.input_length}), "
                             f"got {tuple(x.shape)}")
        for block in self.blocks:
            for name, layer in block.named_children():
                x = layer(x, dropout_mask) if name == "dropout" and dropout_mask is not None else layer(x)
        x, self.last_attention = apply_attention(x, self.channel_att, self.spatial_att)
        return x

    def forward(self, x: torch.Tensor, dropout_mask: torch.Tensor | None = None) -> torch.Tensor:
        x = self.features(x, dropout_mask)
        if self.head == "flatten":
            # Keras flattens (length, channels) length-major: index = position * C + channel.
            x = x.transpose(1, 2).reshape(x.shape[0], -1)
        else:
            x = x.mean(dim=2)
        if self.dense is not None:
            x = self.dense_bn(F.relu(self.dense(x)))
        return self.out(x)


# --------------------------------------------------------------------------------------------
# Counting and describing
# --------------------------------------------------------------------------------------------
def keras_param_count(model: nn.Module) -> dict[str, int]:
    """Parameter counts as Keras's ``model.summary()`` prints them.

    ``trainable``: parameters with ``requires_grad``; ``non_trainable``: BatchNorm moving mean and
    variance (Keras counts them as weights; PyTorch keeps them as buffers, and its
    ``num_batches_tracked`` counter has no Keras counterpart and is not counted).
    """
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    frozen = sum(p.numel() for p in model.parameters() if not p.requires_grad)
    bn_stats = 0
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.track_running_stats:
            bn_stats += m.running_mean.numel() + m.running_var.numel()
    non_trainable = frozen + bn_stats
    return {"total": trainable + non_trainable, "trainable": trainable, "non_trainable": non_trainable}


def paper_param_formula(input_length: int, n_classes: int = 7) -> int:
    """The spec's closed form for the full released model: ``472 293 + 64 * (256 * (L - 12) + 1)``
    for 7 classes (the constant holds 64*7 + 7 output parameters; other class counts adjust it)."""
    return 472_293 - (64 * 7 + 7) + (64 * n_classes + n_classes) + 64 * (256 * (input_length - 12) + 1)


def layer_table(model: PaperNet, batch: int = 1):
    """One row per layer: name, output shape (Keras order: (length, channels)), parameters.

    Runs one forward pass on zeros in eval mode. Returns a ``pandas.DataFrame`` with columns
    ``layer, type, output_shape, params, share`` (share of the total Keras count).
    """
    import pandas as pd

    rows = []
    hooks = []

    def count(m: nn.Module) -> int:
        n = sum(p.numel() for p in m.parameters(recurse=False))
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            n += m.running_mean.numel() + m.running_var.numel()
        return n

    def shape_str(t) -> str:
        if isinstance(t, tuple):
            t = t[0]
        s = tuple(t.shape[1:])
        if len(s) == 2:  # (C, L) -> Keras (L, C)
            s = (s[1], s[0])
        return str(s)

    named = [(n, m) for n, m in model.named_modules() if n and not list(m.children())]
    named += [(n, m) for n, m in model.named_modules() if isinstance(m, (ChannelAttention, SpatialAttention))]
    for name, m in named:
        def hook(mod, inp, out, name=name):
            rows.append({"layer": name, "type": type(mod).__name__, "output_shape": shape_str(out),
                         "params": count(mod) if not isinstance(mod, (ChannelAttention, SpatialAttention))
                         else sum(count(c) for c in mod.modules())})
        hooks.append(m.register_forward_hook(hook))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(torch.zeros(batch, model.in_channels, model.input_length))
    finally:
        for h in hooks:
            h.remove()
        model.train(was_training)
    # attention sub-layers are counted in their parent row; drop the children to avoid double counts
    df = pd.DataFrame(rows)
    df = df[~df["layer"].str.match(r"^(channel_att|spatial_att)\.")].reset_index(drop=True)
    if model.head == "flatten":
        flat = pd.DataFrame([{"layer": "flatten", "type": "Flatten (length-major)",
                              "output_shape": str((model.feature_length * model.blocks[0].conv.out_channels,)),
                              "params": 0}])
        idx = df.index[df["layer"] == "dense"][0]
        df = pd.concat([df.iloc[:idx], flat, df.iloc[idx:]], ignore_index=True)
    total = keras_param_count(model)["total"]
    df["share"] = df["params"] / total
    return df
