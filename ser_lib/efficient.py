"""An efficient attention CNN for speech emotion recognition, honest training, and cost reporting.

Two models read the same frame-level features of a 2.5 s clip (108 frames of 512 samples at
22 050 Hz):

- :func:`paper_text_model` -- the paper's text taken literally: MFCCs as 20 channels over
  108 frames, the released blocks and CBAM attention
  (:class:`ser_lib.model.PaperNet` ``(in_channels=20, input_length=108)``; about 2 M parameters
  with the Flatten → Dense(64) head).
- :class:`EfficientSER` -- the same ingredients (1-D convolutions, channel attention then
  spatial attention, {cite}`woo2018cbam`) rebuilt to be cheap: a small stem, depthwise-separable
  convolutions with max-pooling, attention on the last feature map and a global mean+max pooling
  head instead of Flatten → Dense. About 50 000 parameters and 1.3 M multiply-adds per clip.

Input of both: float32 ``(B, C, 108)``; :func:`frame_features` builds ``C = 22`` channels
(20 MFCC + zero-crossing rate + RMS) from the paper's flat vectors, and :class:`Standardizer`
scales each channel with statistics of the *training* rows of a fold.

:func:`train` is a lean training loop (documented below) used instead of
:func:`ser_lib.train.fit` because the efficient model is trained with on-the-fly time
masking and time shifts of the training batches and a one-cycle learning-rate schedule, which
``fit`` does not offer; model selection is by validation UAR only (validation rows come from
training speakers, see :mod:`ser_lib.protocols`). :func:`cost` reports parameters,
multiply-adds per clip and CPU latency per clip.
"""
from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from . import paper
from .model import ChannelAttention, PaperNet, SpatialAttention, apply_attention

__all__ = ["EfficientSER", "paper_text_model", "build_model", "MODEL_PRESETS", "frame_features",
           "Standardizer", "TrainConfig", "TrainResult", "train", "predict", "count_params", "count_macs",
           "cost"]


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
    in_channels : feature channels (22: 20 MFCC + ZCR + RMS; 20: MFCC only)
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

    def __init__(self, n_classes: int, in_channels: int = 22, widths=(64, 96, 128, 128), kernel_size: int = 5,
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


def paper_text_model(n_classes: int, *, in_channels: int = 20, **kw) -> PaperNet:
    """The paper's text read literally: MFCCs as ``in_channels`` channels over 108 frames.

    ``PaperNet(input_length=108, in_channels=20, n_blocks=2, filters=256, kernel_size=7,
    head='flatten')``: 2 045 221 parameters for 7 classes (the released "without MFCC
    augmentation" printout). Keyword arguments override PaperNet's.
    """
    args = dict(input_length=paper.N_FRAMES, n_classes=n_classes, in_channels=in_channels, init="torch")
    args.update(kw)
    return PaperNet(**args)


#: Named configurations used by the audit (name → (constructor, kwargs)).
MODEL_PRESETS: dict[str, dict[str, Any]] = {
    "efficient": dict(kind="efficient"),
    "efficient_noatt": dict(kind="efficient", channel_attention=False, spatial_attention=False),
    "efficient_channel": dict(kind="efficient", spatial_attention=False),
    "efficient_spatial": dict(kind="efficient", channel_attention=False),
    "efficient_wide": dict(kind="efficient", widths=(128, 192, 256, 256)),
    "paper_text": dict(kind="paper_text"),
}


def build_model(name: str, n_classes: int, in_channels: int = 22) -> nn.Module:
    """A model from :data:`MODEL_PRESETS` by name."""
    if name not in MODEL_PRESETS:
        raise ValueError(f"unknown model {name!r}; choose from {sorted(MODEL_PRESETS)}")
    kw = dict(MODEL_PRESETS[name])
    kind = kw.pop("kind")
    if kind == "efficient":
        return EfficientSER(n_classes, in_channels=in_channels, **kw)
    return paper_text_model(n_classes, in_channels=in_channels, **kw)


# ------------------------------------------------------------------------------------- features
def frame_features(X_paper: np.ndarray, n_frames: np.ndarray | None = None, *, include_zcr_rms: bool = True,
                   T: int = paper.N_FRAMES) -> np.ndarray:
    """Frame features ``(n, 22, T)`` (or ``(n, 20, T)``) from the paper's flat vectors.

    Parameters
    ----------
    X_paper : ``(n, L)`` rows ``[ZCR (T_i) | RMS (T_i) | MFCC frame-major (20 T_i)]`` zero padded
        on the right (:func:`ser_lib.features.extract` with ``kind='paper'``)
    n_frames : ``(n,)`` frames per row before padding (``meta['n_frames']``); default ``L // 22``
    include_zcr_rms : append ZCR and log-RMS (``log10(rms + 1e-4)``) as channels 20 and 21
    T : output frames (rows are zero padded or truncated)

    Returns float32 ``(n, 22 or 20, T)``; padded frames are 0.
    """
    X_paper = np.asarray(X_paper, np.float32)
    if X_paper.ndim != 2:
        raise ValueError(f"X_paper must be (n, L), got {X_paper.shape}")
    n = X_paper.shape[0]
    if n_frames is None:
        n_frames = np.full(n, X_paper.shape[1] // 22)
    n_frames = np.asarray(n_frames, int).reshape(-1)
    if n_frames.shape[0] != n or np.any(22 * n_frames > X_paper.shape[1]):
        raise ValueError("n_frames must have one entry per row and fit in the row length")
    C = 22 if include_zcr_rms else 20
    out = np.zeros((n, C, T), np.float32)
    for Ti in np.unique(n_frames):
        rows = np.flatnonzero(n_frames == Ti)
        t = min(int(Ti), T)
        block = X_paper[rows]
        mf = block[:, 2 * Ti:22 * Ti].reshape(len(rows), Ti, 20).transpose(0, 2, 1)
        out[rows, :20, :t] = mf[:, :, :t]
        if include_zcr_rms:
            out[rows, 20, :t] = block[:, :t]
            out[rows, 21, :t] = np.log10(block[:, Ti:Ti + t] + 1e-4)
    return out


@dataclass
class Standardizer:
    """Per-channel standardisation with statistics of training rows only.

    ``fit(X)`` on ``(n, C, T)`` computes each channel's mean and std over rows and frames (ignoring
    all-zero padded frames); ``transform`` maps padded frames to 0.
    """

    mean: np.ndarray | None = None
    std: np.ndarray | None = None

    def fit(self, X: np.ndarray) -> "Standardizer":
        X = np.asarray(X, np.float64)
        mask = np.any(X[:, :20] != 0, axis=1)  # (n, T) real frames
        if not mask.any():
            raise ValueError("no non-padded frame to fit on")
        vals = X.transpose(1, 0, 2)[:, mask]  # (C, frames)
        self.mean = vals.mean(1).astype(np.float32)
        self.std = np.maximum(vals.std(1), 1e-6).astype(np.float32)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        if self.mean is None:
            raise RuntimeError("Standardizer.fit first")
        X = np.asarray(X, np.float32)
        mask = np.any(X[:, :20] != 0, axis=1, keepdims=True)
        return ((X - self.mean[None, :, None]) / self.std[None, :, None] * mask).astype(np.float32)


# ------------------------------------------------------------------------------------- training
@dataclass
class TrainConfig:
    """Settings of :func:`train` (defaults are the audit's publication settings).

    epochs : epochs (default 12; the one-cycle schedule spans them all); patience : optional early
    stop after this many epochs without a better validation UAR (default None: run every epoch,
    keep the best-validation weights); batch_size : 128; lr : peak learning rate of the one-cycle AdamW
    schedule (3e-3); weight_decay : AdamW decoupled weight decay (1e-2); time_mask : maximum
    width in frames of one zeroed time band per training clip (12; 0 disables);
    time_shift : maximum circular shift in frames (8); label_smoothing : 0.1;
    class_balanced : weight the loss by inverse class frequency (True: the audit scores UAR).
    """

    epochs: int = 12
    patience: int | None = None
    batch_size: int = 128
    lr: float = 3e-3
    weight_decay: float = 1e-2
    time_mask: int = 12
    time_shift: int = 8
    label_smoothing: float = 0.1
    class_balanced: bool = True
    eval_batch_size: int = 512


@dataclass
class TrainResult:
    """What :func:`train` returns: per-epoch history, best epoch (by validation UAR), timing."""

    history: list[dict] = field(default_factory=list)
    best_epoch: int = 0
    best_val_uar: float | None = None
    seconds: float = 0.0
    train_samples_per_s: float = 0.0


def _augment_batch(xb: torch.Tensor, g: torch.Generator, time_mask: int, time_shift: int) -> torch.Tensor:
    B, C, T = xb.shape
    if time_shift > 0:
        shifts = torch.randint(-time_shift, time_shift + 1, (B,), generator=g)
        idx = (torch.arange(T)[None, :] - shifts[:, None]) % T
        xb = torch.gather(xb, 2, idx[:, None, :].expand(B, C, T))
    if time_mask > 0:
        w = torch.randint(0, time_mask + 1, (B,), generator=g)
        s = (torch.rand(B, generator=g) * (T - w).clamp(min=1)).long()
        t = torch.arange(T)[None, :]
        keep = ~((t >= s[:, None]) & (t < (s + w)[:, None]))
        xb = xb * keep[:, None, :]
    return xb


@torch.no_grad()
def predict(model: nn.Module, X: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """Class probabilities ``(n, n_classes)`` (float32) in eval mode on CPU."""
    model.eval()
    X = torch.as_tensor(np.asarray(X, np.float32))
    outs = [F.softmax(model(X[i:i + batch_size]), dim=1) for i in range(0, len(X), batch_size)]
    return torch.cat(outs).numpy() if outs else np.zeros((0, 0), np.float32)


def train(model: nn.Module, X_train: np.ndarray, y_train: np.ndarray, X_val: np.ndarray | None = None,
          y_val: np.ndarray | None = None, *, config: TrainConfig | None = None, seed: int = 0,
          progress: bool = False) -> TrainResult:
    """Train ``model`` in place on CPU; keep the weights of the epoch with the best validation UAR.

    Parameters
    ----------
    X_train : float32 ``(n, C, T)``, already standardised; y_train : int ``(n,)`` in ``0..K-1``
    X_val, y_val : validation rows from *training* speakers/recordings; without them the last
        epoch is kept and ``patience`` is ignored
    config : :class:`TrainConfig`; seed : seeds initialisation, shuffling, dropout and batch augmentation

    Returns :class:`TrainResult`. The test set is never seen here.
    """
    from .metrics import uar

    cfg = config or TrainConfig()
    X_train = np.asarray(X_train, np.float32)
    y_train = np.asarray(y_train, np.int64)
    if X_train.ndim != 3 or len(X_train) != len(y_train) or len(X_train) < 2:
        raise ValueError(f"X_train must be (n, C, T) with n >= 2 matching y_train; got {X_train.shape}, {y_train.shape}")
    has_val = X_val is not None and y_val is not None and len(X_val) > 0
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    rng = np.random.default_rng(seed)
    # re-initialise deterministically from the seed
    for m in model.modules():
        if hasattr(m, "reset_parameters") and m is not model:
            m.reset_parameters()
    n_classes = int(max(y_train.max(), (y_val.max() if has_val else 0))) + 1
    counts = np.bincount(y_train, minlength=n_classes).astype(np.float64)
    weight = None
    if cfg.class_balanced:
        weight = torch.tensor(np.where(counts > 0, len(y_train) / (n_classes * np.maximum(counts, 1)), 0.0),
                              dtype=torch.float32)
    Xt = torch.from_numpy(X_train)
    yt = torch.from_numpy(y_train)
    steps_per_epoch = math.ceil(len(Xt) / cfg.batch_size)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=cfg.epochs * steps_per_epoch,
                                                pct_start=0.2)
    res = TrainResult()
    best_state, best, since = None, -1.0, 0
    t_all = time.perf_counter()
    train_time, train_rows = 0.0, 0
    for ep in range(cfg.epochs):
        model.train()
        t0 = time.perf_counter()
        perm = torch.from_numpy(rng.permutation(len(Xt)))
        tot, correct = 0.0, 0
        for i in range(0, len(perm), cfg.batch_size):
            ib = perm[i:i + cfg.batch_size]
            if len(ib) < 2:
                continue
            xb = _augment_batch(Xt[ib], g, cfg.time_mask, cfg.time_shift)
            yb = yt[ib]
            logits = model(xb)
            loss = F.cross_entropy(logits, yb, weight=weight, label_smoothing=cfg.label_smoothing)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            tot += float(loss.detach()) * len(ib)
            correct += int((logits.argmax(1) == yb).sum())
        dt = time.perf_counter() - t0
        train_time += dt
        train_rows += len(Xt)
        rec = {"epoch": ep + 1, "loss": tot / len(Xt), "acc": correct / len(Xt), "seconds": dt,
               "lr": float(sched.get_last_lr()[0])}
        if has_val:
            pv = predict(model, X_val, cfg.eval_batch_size).argmax(1)
            rec["val_uar"] = uar(y_val, pv)
            rec["val_acc"] = float(np.mean(pv == np.asarray(y_val)))
            if rec["val_uar"] > best:
                best, since = rec["val_uar"], 0
                best_state = copy.deepcopy(model.state_dict())
                res.best_epoch = ep + 1
            else:
                since += 1
        res.history.append(rec)
        if progress:
            print(f"epoch {ep + 1}: loss {rec['loss']:.3f} acc {rec['acc']:.3f}"
                  + (f" val_uar {rec['val_uar']:.3f}" if has_val else "") + f" ({dt:.1f}s)", flush=True)
        if has_val and cfg.patience is not None and since >= cfg.patience:
            break
    if best_state is not None:
        model.load_state_dict(best_state)
        res.best_val_uar = best
    else:
        res.best_epoch = len(res.history)
    res.seconds = time.perf_counter() - t_all
    res.train_samples_per_s = train_rows / train_time if train_time > 0 else 0.0
    return res


# ------------------------------------------------------------------------------------- cost
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


def cost(model: nn.Module, input_shape: tuple[int, ...] = (22, paper.N_FRAMES), *, repeats: int = 50,
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
