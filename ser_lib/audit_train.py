"""The audit's training recipe for its neural models (:func:`train`), and prediction.

Used instead of :func:`ser_lib.train.fit` (the Keras-like loop of the reproduction) because the
audit's models are trained with on-the-fly time masking and time shifts of the training batches
and a one-cycle learning-rate schedule, which ``fit`` does not offer. Per epoch :func:`train`
shuffles the training rows, augments each batch, minimises label-smoothed (optionally
class-balanced) cross-entropy with AdamW under a one-cycle schedule, and scores the validation
rows; the weights of the epoch with the best validation UAR are kept (validation rows come from
training speakers, see :mod:`ser_lib.protocols`). The test set is never seen here.

:func:`predict_proba` and :func:`predict` have the semantics of :mod:`ser_lib.train`'s
(probabilities, class indices), on CPU.
"""
from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .errors import TrainingDataError, check_number
from .metrics import uar
from .train import predict_proba as _predict_proba

__all__ = ["TrainConfig", "TrainResult", "train", "predict_proba", "predict"]

_PCT_START = 0.2  # share of the one-cycle schedule spent warming up


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


def predict_proba(model: nn.Module, X: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """Class probabilities ``(n, n_classes)`` float32, model in eval mode, on CPU
    (:func:`ser_lib.train.predict_proba`; the model's training mode is restored)."""
    return _predict_proba(model, X, batch_size=batch_size, device="cpu")


def predict(model: nn.Module, X: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """Predicted class indices ``(n,)``."""
    return predict_proba(model, X, batch_size).argmax(1)


def _labels(y, n: int, name: str) -> np.ndarray:
    a = np.asarray(y)
    if a.ndim != 1 or len(a) != n:
        raise TrainingDataError(f"{name} must be a 1-D array of {n} labels (one per row), got shape {a.shape}")
    if a.dtype.kind not in "iu":
        if a.dtype.kind != "f" or not np.all(np.isfinite(a)) or np.any(np.mod(a, 1) != 0):
            raise TrainingDataError(f"{name} must hold integer class indices 0..K-1 (dtype {a.dtype}); "
                                    f"encode string labels with ser_lib.labels first")
    a = a.astype(np.int64)
    if n and a.min() < 0:
        raise TrainingDataError(f"{name} has negative labels (min {a.min()}); class indices start at 0")
    return a


def _features(X, name: str) -> np.ndarray:
    try:
        a = np.asarray(X, np.float32)
    except (TypeError, ValueError) as exc:
        raise TrainingDataError(f"{name} must be a float array (n, channels, frames): {exc}") from exc
    if a.ndim != 3:
        raise TrainingDataError(f"{name} must be (n, channels, frames), got shape {a.shape}")
    bad = a.size - int(np.count_nonzero(np.isfinite(a)))
    if bad:
        rows = np.flatnonzero(~np.isfinite(a).all(axis=(1, 2)))
        raise TrainingDataError(f"{name} holds {bad} NaN/inf values in {len(rows)} rows (e.g. rows "
                                f"{rows[:5].tolist()}): training would diverge to loss nan. Drop or repair "
                                f"those rows (their features were not computed from valid audio)")
    return a


def _check_inputs(model, X_train, y_train, X_val, y_val, cfg: TrainConfig):
    """Refuse, with :class:`~ser_lib.errors.TrainingDataError` naming the argument, what cannot train.
    Returns the arrays and the model's number of outputs."""
    for name, lo in (("epochs", 1), ("batch_size", 2), ("eval_batch_size", 1)):
        check_number(getattr(cfg, name), f"TrainConfig.{name}", low=lo, integer=True, error=TrainingDataError,
                     hint="batches of one row are skipped (BatchNorm)" if name == "batch_size" else "")
    for name in ("time_mask", "time_shift"):
        check_number(getattr(cfg, name), f"TrainConfig.{name}", low=0, integer=True, hint="frames",
                     error=TrainingDataError)
    check_number(cfg.lr, "TrainConfig.lr", low=0, low_open=True, error=TrainingDataError)
    check_number(cfg.label_smoothing, "TrainConfig.label_smoothing", low=0, high=1, high_open=True,
                 error=TrainingDataError)
    X_train = _features(X_train, "X_train")
    y_train = _labels(y_train, len(X_train), "y_train")
    if len(X_train) < 2:
        raise TrainingDataError(f"X_train has {len(X_train)} rows; training needs at least 2")
    steps = int(cfg.epochs) * math.ceil(len(X_train) / int(cfg.batch_size))
    if float(_PCT_START * steps) - 1 == 0:  # torch's OneCycleLR divides by zero for exactly this count
        raise TrainingDataError(f"{cfg.epochs} epoch(s) of {math.ceil(len(X_train) / int(cfg.batch_size))} batches "
                                f"make {steps} optimiser steps, a count PyTorch's one-cycle schedule cannot run "
                                f"(its warm-up would last 0 steps): change TrainConfig.epochs or batch_size")
    classes = np.unique(y_train)
    if len(classes) < 2:
        raise TrainingDataError(f"y_train holds a single class ({classes.tolist()}): a classifier needs at "
                                f"least 2 classes in its training rows (check the split or the labels)")
    if X_val is not None and y_val is not None and len(X_val) > 0:
        X_val = _features(X_val, "X_val")
        y_val = _labels(y_val, len(X_val), "y_val")
        if X_val.shape[1] != X_train.shape[1]:
            raise TrainingDataError(f"X_val has {X_val.shape[1]} channels but X_train {X_train.shape[1]}")
    top = max(int(y_train.max()), int(y_val.max()) if y_val is not None and len(y_val) else 0)
    k = int((getattr(model, "config", None) or {}).get("n_classes", 0))
    was_training = model.training
    try:  # one forward pass on two rows (eval mode, before seeding): shapes the model cannot take
        model.eval()
        with torch.no_grad():
            out = model(torch.from_numpy(np.ascontiguousarray(X_train[:2])))
        k = k or int(out.shape[-1])
    except Exception as exc:  # noqa: BLE001 - re-raised with the shapes named
        raise TrainingDataError(f"the model cannot take X_train rows of shape {X_train.shape[1:]} "
                                f"(channels, frames): {type(exc).__name__}: {exc}. Too few frames, or the "
                                f"wrong number of channels for this model?") from exc
    finally:
        model.train(was_training)
    if top >= k:
        raise TrainingDataError(f"labels run up to {top} but the model has {k} outputs (classes 0..{k - 1}): "
                                f"encode the labels with ser_lib.labels, or build the model with n_classes={top + 1}")
    return X_train, y_train, X_val, y_val, k


def train(model: nn.Module, X_train: np.ndarray, y_train: np.ndarray, X_val: np.ndarray | None = None,
          y_val: np.ndarray | None = None, *, config: TrainConfig | None = None, seed: int = 0,
          reinitialize: bool = False, progress: bool = False) -> TrainResult:
    """Train ``model`` in place on CPU; keep the weights of the epoch with the best validation UAR.

    Parameters
    ----------
    X_train : float32 ``(n, C, T)``, already standardised; y_train : int ``(n,)`` in ``0..K-1``
    X_val, y_val : validation rows from *training* speakers/recordings; without them the last
        epoch is kept and ``patience`` is ignored
    config : :class:`TrainConfig`; seed : seeds shuffling, dropout and batch augmentation (and
        the initialisation with ``reinitialize``)
    reinitialize : first reset the parameters of every layer of ``model`` from ``seed`` (the
        audit does, so that a run depends only on its seed and not on how the model was built);
        False (default) trains ``model`` from the weights it has

    Returns :class:`TrainResult`. The test set is never seen here. Raises
    :class:`~ser_lib.errors.TrainingDataError` (naming the argument) for NaN/inf features, labels
    that are negative, not integers or beyond the model's outputs, a single class, fewer than 2
    rows, rows the model cannot take (e.g. too few frames), and settings such as ``epochs < 1`` or
    ``batch_size < 2`` (batches of one row are skipped).
    """
    cfg = config or TrainConfig()
    X_train, y_train, X_val, y_val, n_outputs = _check_inputs(model, X_train, y_train, X_val, y_val, cfg)
    has_val = X_val is not None and y_val is not None and len(X_val) > 0
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    rng = np.random.default_rng(seed)
    if reinitialize:
        for m in model.modules():
            if hasattr(m, "reset_parameters") and m is not model:
                m.reset_parameters()
    # one class weight per model output, even when the top classes are absent from these labels
    # (identical to the labels' count whenever every class is present)
    n_classes = max(int(max(y_train.max(), (y_val.max() if has_val else 0))) + 1, n_outputs)
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
                                                pct_start=_PCT_START)
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
            pv = predict(model, X_val, cfg.eval_batch_size)
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
