"""Reproducible, resumable training (Keras-like ``fit`` for PyTorch models).

What :func:`fit` does, per epoch (matching ``keras.Model.fit`` as the released code uses it):

- shuffles the training rows (a permutation drawn from ``seed`` and the epoch number), cuts
  them into batches of ``batch_size`` (a last batch of a single row is merged into the previous
  one, because BatchNorm cannot normalise a batch of one);
- minimises cross-entropy + ``weight_l2 * model.l2_penalty()`` (Keras's ``kernel_regularizer``;
  skipped for models without ``l2_penalty``) with Adam (``lr``, betas 0.9/0.999, eps 1e-7 as in
  Keras), optionally with class weights. The L2 term is not built into the autograd graph: its
  gradient ``2 * weight_l2 * w`` is added to each regularised kernel's gradient inside the fused
  Adam update (Adam's coupled ``weight_decay = 2 * weight_l2`` on those kernels only,
  :func:`make_adam`) and its value (for the reported loss) is one dot product per kernel
  (:func:`l2_penalty_value`): the same gradient as differentiating the penalty, without the
  ``pow``/``sum`` graph over ~39 M weights or another pass over them. Adam runs as PyTorch's fused
  kernel where available;
- reports the running mean of the batch losses and the running training accuracy (as Keras
  prints them), and, when validation data are given, ``val_loss`` (cross-entropy + the same L2
  term, as Keras reports it), ``val_acc`` and ``val_uar`` (unweighted average recall);
- records seconds and training throughput (samples/s), and whether the step ran compiled;
- writes a checkpoint (model, optimizer, RNG states, history) atomically after every epoch when
  ``checkpoint_dir`` is given; calling :func:`fit` again with the same arguments resumes after
  the last finished epoch and ends with exactly the weights of an uninterrupted run. Checkpoints
  hold only tensors and plain Python values and are always read with ``weights_only=True``
  (:mod:`ser_lib.checkpoints`): a crafted pickle is refused, and an unreadable ``last.pt`` falls
  back to the previous epoch's ``last.prev.pt`` or to a fresh start, with a warning.

Determinism: :func:`set_seed` fixes ``random``, ``numpy`` and ``torch``; at the start of every
epoch the torch generator is re-seeded from ``(seed, epoch)``, so dropout and shuffling do not
depend on how many epochs ran in this process. On CPU the results are bit-identical between
runs with the same thread count.
"""
from __future__ import annotations

import copy
import hashlib
import warnings
import json
import math
import os
import random
import time
from dataclasses import dataclass, field, asdict
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

from . import checkpoints
from .metrics import uar
# the optimiser and the L2 term (ser_lib.optim), re-exported here where fit uses them
from .optim import add_l2_gradient, l2_penalty_value, load_optimizer_state, make_adam
from .speed import retain_freed_memory

__all__ = ["set_seed", "fit", "predict_proba", "predict", "History", "resolve_device", "uar",
           "load_checkpoint", "add_l2_gradient", "l2_penalty_value", "make_adam", "load_optimizer_state"]


def set_seed(seed: int) -> None:
    """Seed ``random``, ``numpy`` and ``torch`` (CPU and CUDA) with ``seed``."""
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed % (2 ** 32))
    torch.manual_seed(seed)


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``'auto'`` -> CUDA when available, else CPU; anything else is passed to ``torch.device``."""
    if isinstance(device, torch.device):
        return device
    if device in (None, "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


@dataclass
class History:
    """Per-epoch record of a :func:`fit` call.

    ``epochs``: list of dicts with ``epoch`` (1-based), ``loss``, ``acc``, ``val_loss``,
    ``val_acc``, ``val_uar`` (None without validation data), ``seconds``, ``samples_per_s``,
    ``compiled`` (whether the training steps ran through ``torch.compile``); ``resumed: True`` on
    the first epoch a call trained after resuming from a checkpoint (the learning curves mark it).
    ``stopped_early``: patience ran out. ``stopped_for_time``: ``max_minutes`` would have been
    exceeded by the next epoch. ``best_epoch``: 1-based epoch whose weights the model holds at the
    end (the last one for ``select='last'``). ``epochs_planned``: the ``epochs`` argument.
    ``resumed_from``: epoch count found in the checkpoint (0 for a fresh run).
    """

    epochs: list[dict[str, Any]] = field(default_factory=list)
    stopped_early: bool = False
    stopped_for_time: bool = False
    best_epoch: int | None = None
    epochs_planned: int = 0
    resumed_from: int = 0
    select: str = "last"
    seconds: float = 0.0

    @property
    def epochs_run(self) -> int:
        return len(self.epochs)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["epochs_run"] = self.epochs_run
        return d

    def frame(self):
        """The per-epoch history as a ``pandas.DataFrame``."""
        import pandas as pd

        return pd.DataFrame(self.epochs)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "History":
        keys = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in d.items() if k in keys})


# --------------------------------------------------------------------------------------------
def _as_tensor(X: np.ndarray | torch.Tensor, name: str) -> torch.Tensor:
    if isinstance(X, torch.Tensor):
        t = X.float()
    else:
        a = np.asarray(X)
        if a.dtype != np.float32:
            a = a.astype(np.float32)
        t = torch.from_numpy(np.ascontiguousarray(a))
    if t.dim() == 2:
        t = t.unsqueeze(1)  # (n, L) -> (n, 1, L)
    if t.dim() != 3:
        raise ValueError(f"{name} must be (n, L) or (n, channels, L), got shape {tuple(t.shape)}")
    if not torch.isfinite(t).all():
        raise ValueError(f"{name} contains NaN or inf values")
    return t


def _as_labels(y, n: int, name: str) -> torch.Tensor:
    a = np.asarray(y)
    if a.ndim != 1 or a.shape[0] != n:
        raise ValueError(f"{name} must be a 1-D array of {n} integer labels, got shape {a.shape}")
    if not np.issubdtype(a.dtype, np.integer):
        if np.all(np.mod(a, 1) == 0):
            a = a.astype(np.int64)
        else:
            raise ValueError(f"{name} must hold integer class indices (encode string labels first)")
    if a.min() < 0:
        raise ValueError(f"{name} has negative labels")
    return torch.from_numpy(a.astype(np.int64))


def _batches(n: int, batch_size: int, perm: np.ndarray) -> list[np.ndarray]:
    idx = [perm[i:i + batch_size] for i in range(0, n, batch_size)]
    if len(idx) > 1 and len(idx[-1]) == 1:  # BatchNorm cannot train on a batch of one
        idx[-2] = np.concatenate([idx[-2], idx[-1]])
        idx.pop()
    return idx


def _fingerprint(model: nn.Module, X: torch.Tensor, y: torch.Tensor, cfg: dict) -> str:
    h = hashlib.sha256()
    h.update(json.dumps(cfg, sort_keys=True, default=str).encode())
    h.update(str(tuple(X.shape)).encode())
    h.update(str(type(model).__name__).encode())
    h.update(str(sum(p.numel() for p in model.parameters())).encode())
    # a cheap content hash: a strided sample of the data and all labels
    step = max(1, X.numel() // 100_000)
    h.update(X.reshape(-1)[::step].numpy().tobytes())
    h.update(y.numpy().tobytes())
    return h.hexdigest()[:16]


def load_checkpoint(checkpoint_dir: str | os.PathLike, name: str = "last.pt") -> dict[str, Any]:
    """Read a checkpoint written by :func:`fit` (a dict: ``model``, ``optimizer``, ``history``,
    ``rng``, ``fingerprint``, ``epoch``, ``model_config``) safely (``weights_only=True``)."""
    return checkpoints.load(Path(checkpoint_dir) / name)


@torch.no_grad()
def _evaluate(model: nn.Module, X: torch.Tensor, y: torch.Tensor, device: torch.device,
              batch_size: int, weight_l2: float) -> tuple[float, float, float, np.ndarray]:
    model.eval()
    total, preds = 0.0, []
    for i in range(0, X.shape[0], batch_size):
        xb = X[i:i + batch_size].to(device)
        yb = y[i:i + batch_size].to(device)
        logits = model(xb)
        total += F.cross_entropy(logits, yb, reduction="sum").item()
        preds.append(logits.argmax(1).cpu())
    pred = torch.cat(preds).numpy()
    loss = total / X.shape[0]
    if weight_l2 and hasattr(model, "l2_penalty"):
        loss += weight_l2 * float(model.l2_penalty())
    yt = y.numpy()
    return loss, float(np.mean(pred == yt)), uar(yt, pred), pred


def fit(model: nn.Module, X_train, y_train, X_val=None, y_val=None, *, epochs: int, batch_size: int,
        lr: float = 1e-5, weight_l2: float = 1e-3, seed: int = 0, device: str = "auto",
        checkpoint_dir: str | os.PathLike | None = None, max_minutes: float | None = None,
        patience: int | None = None, select: str = "last", progress: bool = True,
        class_weight: str | Sequence[float] | None = None, eval_batch_size: int = 256,
        mixed_precision: bool = False, compile: bool | None = None) -> History:
    """Train ``model`` in place and return its :class:`History`.

    Parameters
    ----------
    model : nn.Module mapping ``(B, C, L)`` float32 to logits ``(B, n_classes)``.
    X_train : array ``(n, L)`` or ``(n, C, L)``, float (already scaled).
    y_train : array ``(n,)`` of integer class indices ``0..n_classes-1``.
    X_val, y_val : optional validation data (the released code passes its test set here;
        :mod:`ser_lib.reproduce` does the same, and says so).
    epochs : planned number of epochs (the paper: 100).
    batch_size : rows per optimisation step.
    lr : Adam learning rate (paper: 1e-5).
    weight_l2 : factor on ``model.l2_penalty()`` (Keras ``l2(1e-3)``); 0 disables it.
    seed : seeds initial state, shuffling and dropout.
    device : ``'auto'`` (CUDA if available), ``'cpu'``, ``'cuda'``, ...
    checkpoint_dir : folder for ``last.pt`` (every epoch) and ``best.pt`` (with
        ``select='best_val_uar'``). An existing ``last.pt`` with the same data and settings is
        resumed; one from a different run raises ``ValueError``.
    max_minutes : wall-clock budget of this call; an epoch is not started when the slowest epoch so
        far would take it past the budget (at least one epoch always runs). Recorded as
        ``History.stopped_for_time``. ``max_minutes <= 0`` trains no further epoch: with a
        checkpoint it re-loads a finished or interrupted run for evaluation.
    patience : stop when ``val_uar`` has not improved for this many epochs (needs validation data).
    select : ``'last'`` keeps the final weights (the released code); ``'best_val_uar'`` restores the
        epoch with the best validation UAR (use a validation split, never the test set).
    progress : show a tqdm bar per epoch with loss/accuracy.
    class_weight : None, ``'balanced'`` (n / (k * count_c)) or one weight per class for the
        cross-entropy.
    eval_batch_size : batch size for validation passes.
    mixed_precision : CUDA only: forward passes in float16 autocast with loss scaling (faster on a GPU,
        not what the released code computes; off by default and off for the reproduction).
    compile : run the training forward pass through ``torch.compile``
        (:func:`ser_lib.speed.compile_model`: the same function and dropout masks, float32 rounding
        aside; faster per step on a CPU, after tens of seconds of compiling: benchmarks/bench_training.py
        measures by how much). None
        (default): the process setting, :func:`ser_lib.speed.compile_default` (environment
        ``SER_COMPILE=1``). Not part of a checkpoint's identity: a run may resume with it on or off;
        every epoch of the history records ``compiled``. If compiling fails, training goes on
        uncompiled with a warning.
    """
    if select not in ("last", "best_val_uar"):
        raise ValueError(f"select must be 'last' or 'best_val_uar', got {select!r}")
    if int(epochs) < 1 or int(batch_size) < 1:
        raise ValueError(f"epochs and batch_size must be >= 1, got {epochs}, {batch_size}")
    if lr <= 0:
        raise ValueError(f"lr must be > 0, got {lr}")
    Xt = _as_tensor(X_train, "X_train")
    yt = _as_labels(y_train, Xt.shape[0], "y_train")
    has_val = X_val is not None
    if has_val != (y_val is not None):
        raise ValueError("give both X_val and y_val, or neither")
    if has_val:
        Xv = _as_tensor(X_val, "X_val")
        yv = _as_labels(y_val, Xv.shape[0], "y_val")
        if Xv.shape[1:] != Xt.shape[1:]:
            raise ValueError(f"X_val rows {tuple(Xv.shape[1:])} differ from X_train rows {tuple(Xt.shape[1:])}")
    if (patience is not None or select == "best_val_uar") and not has_val:
        raise ValueError("patience and select='best_val_uar' need validation data (X_val, y_val)")
    n = Xt.shape[0]
    if n < 2:
        raise ValueError("need at least 2 training rows")
    dev = resolve_device(device)
    model.to(dev)
    if dev.type == "cpu":
        retain_freed_memory()  # large activations: avoid page faults (ser_lib.speed); same numbers

    n_classes = int(yt.max().item()) + 1
    if has_val:
        n_classes = max(n_classes, int(yv.max().item()) + 1)
    model_classes = int((getattr(model, "config", None) or {}).get("n_classes", 0))
    if model_classes and n_classes > model_classes:
        from .errors import TrainingDataError

        raise TrainingDataError(f"labels run up to {n_classes - 1} but the model has {model_classes} outputs "
                                f"(classes 0..{model_classes - 1}): encode the labels with ser_lib.labels, or "
                                f"build the model with n_classes={n_classes}")
    n_classes = max(n_classes, model_classes)
    weight = None
    if class_weight is not None:
        if isinstance(class_weight, str):
            if class_weight != "balanced":
                raise ValueError(f"class_weight must be None, 'balanced' or a sequence, got {class_weight!r}")
            counts = np.bincount(yt.numpy(), minlength=n_classes).astype(np.float64)
            w = np.where(counts > 0, n / (np.count_nonzero(counts) * np.maximum(counts, 1)), 0.0)
        else:
            w = np.asarray(class_weight, dtype=np.float64)
            if w.ndim != 1 or w.shape[0] < n_classes:
                raise ValueError(f"class_weight needs one weight per class ({n_classes})")
        weight = torch.tensor(w, dtype=torch.float32, device=dev)

    use_l2 = bool(weight_l2) and hasattr(model, "l2_penalty")
    # the kernels Keras regularises; models without ``regularized_weights`` fall back to the graph term
    l2_weights = list(model.regularized_weights()) if use_l2 and hasattr(model, "regularized_weights") else None
    optimizer = make_adam(model.parameters(), lr, dev, l2_weights=l2_weights, weight_l2=weight_l2 if use_l2 else 0.0)
    if mixed_precision and dev.type != "cuda":
        raise ValueError("mixed_precision needs a CUDA device (float32 is used on the CPU)")
    scaler = torch.amp.GradScaler("cuda") if mixed_precision else None
    cfg = dict(epochs=int(epochs), batch_size=int(batch_size), lr=lr, weight_l2=weight_l2, seed=int(seed),
               select=select, patience=patience, class_weight=None if class_weight is None else str(class_weight),
               model_config=getattr(model, "config", None))
    if mixed_precision:  # only when on: checkpoints of float32 runs keep their identity
        cfg["mixed_precision"] = True
    hist = History(epochs_planned=int(epochs), select=select)
    best_state, best_uar, since_best = None, -math.inf, 0

    ckdir = Path(checkpoint_dir) if checkpoint_dir is not None else None
    fp = None
    if ckdir is not None:
        ckdir.mkdir(parents=True, exist_ok=True)
        # the planned number of epochs is not part of the identity: a 2-epoch run resumes to 4
        fp = _fingerprint(model, Xt, yt, {**{k: v for k, v in cfg.items() if k != "epochs"},
                                          "val": None if not has_val else tuple(Xv.shape)})
        ck = checkpoints.load_resumable(ckdir / "last.pt", fp)
        if ck is not None:
            model.load_state_dict(ck["model"])
            model.to(dev)
            load_optimizer_state(optimizer, ck["optimizer"], list(model.parameters()))
            hist = History.from_dict(ck["history"])
            hist.resumed_from = hist.epochs_run
            best_uar = ck.get("best_uar", -math.inf)
            since_best = ck.get("since_best", 0)
            if select == "best_val_uar" and (ckdir / "best.pt").exists():
                best_state = checkpoints.load(ckdir / "best.pt")["model"]
            checkpoints.set_rng(ck.get("rng"))
        else:
            set_seed(seed)
    else:
        set_seed(seed)

    from .speed import compile_default, compile_model, exact_float32

    want_compile = compile_default() if compile is None else bool(compile)
    step_model = compile_model(model) if want_compile else model
    compiled = want_compile

    with exact_float32(dev, enabled=scaler is None):  # no TF32 on a GPU: float32 as on the CPU
        t_call = time.perf_counter()
        slowest = 0.0
        start_epoch = hist.epochs_run
        for ep in range(start_epoch, int(epochs)):
            if hist.stopped_early:
                break
            if max_minutes is not None and max_minutes <= 0:
                # evaluation of a checkpoint only: no new epoch (keeps the recorded stop reason)
                hist.stopped_for_time = hist.stopped_for_time or ep > 0
                break
            hist.stopped_for_time = False
            if max_minutes is not None and ep > start_epoch:
                elapsed = time.perf_counter() - t_call
                if elapsed + slowest > max_minutes * 60.0:
                    hist.stopped_for_time = True
                    break
            t0 = time.perf_counter()
            # epoch-keyed randomness: independent of how many epochs ran in this process
            torch.manual_seed(int(seed) * 100_003 + ep)
            perm = np.random.default_rng([int(seed), ep]).permutation(n)
            batches = _batches(n, int(batch_size), perm)
            model.train()
            run_loss, run_correct, run_n = 0.0, 0, 0
            bar = None
            if progress:
                from tqdm.auto import tqdm

                bar = tqdm(total=n, desc=f"epoch {ep + 1}/{epochs}", unit="row", leave=False, mininterval=1.0)
            for idx in batches:
                ib = torch.from_numpy(idx)
                xb = Xt.index_select(0, ib).to(dev, non_blocking=True)
                yb = yt.index_select(0, ib).to(dev, non_blocking=True)
                with torch.autocast("cuda", dtype=torch.float16, enabled=scaler is not None):
                    if compiled:
                        rng = torch.get_rng_state()
                        try:
                            logits = step_model(xb)
                        except Exception as err:  # no C++ compiler, unsupported op, ...: go on in eager mode
                            warnings.warn(f"torch.compile failed ({type(err).__name__}: {str(err)[:200]}); "
                                          "training goes on uncompiled")
                            torch.set_rng_state(rng)
                            compiled, step_model = False, model
                            logits = model(xb)
                    else:
                        logits = model(xb)
                    loss = F.cross_entropy(logits.float(), yb, weight=weight)
                if use_l2 and l2_weights is None:
                    loss = loss + weight_l2 * model.l2_penalty()
                optimizer.zero_grad(set_to_none=True)
                if scaler is None:
                    loss.backward()
                    # the L2 gradient is added by Adam (make_adam); its value, before the update, for the loss
                    penalty = l2_penalty_value(l2_weights, weight_l2) if l2_weights is not None else 0.0
                    optimizer.step()
                else:
                    scaler.scale(loss).backward()
                    scaler.unscale_(optimizer)
                    penalty = l2_penalty_value(l2_weights, weight_l2) if l2_weights is not None else 0.0
                    scaler.step(optimizer)
                    scaler.update()
                b = len(idx)
                run_loss += (loss.item() + penalty) * b
                run_correct += int((logits.detach().argmax(1) == yb).sum())
                run_n += b
                if bar is not None:
                    bar.update(b)
                    bar.set_postfix(loss=f"{run_loss / run_n:.4f}", acc=f"{run_correct / run_n:.3f}", refresh=False)
            if bar is not None:
                bar.close()
            train_s = time.perf_counter() - t0
            rec: dict[str, Any] = {"epoch": ep + 1, "loss": run_loss / run_n, "acc": run_correct / run_n,
                                   "val_loss": None, "val_acc": None, "val_uar": None, "compiled": compiled,
                                   "torch_threads": torch.get_num_threads()}
            if ep == start_epoch and hist.resumed_from:
                rec["resumed"] = True  # the first epoch of a process that resumed from the checkpoint
            if has_val:
                vl, va, vu, _ = _evaluate(model, Xv, yv, dev, eval_batch_size, weight_l2 if use_l2 else 0.0)
                rec.update(val_loss=vl, val_acc=va, val_uar=vu)
            rec["seconds"] = time.perf_counter() - t0
            rec["samples_per_s"] = n / train_s if train_s > 0 else None
            hist.epochs.append(rec)
            slowest = max(slowest, rec["seconds"])
            if progress:
                msg = f"epoch {ep + 1}/{epochs}: loss {rec['loss']:.4f} acc {rec['acc']:.3f}"
                if has_val:
                    msg += f" | val_loss {rec['val_loss']:.4f} val_acc {rec['val_acc']:.3f} val_uar {rec['val_uar']:.3f}"
                msg += f" | {rec['seconds']:.1f}s, {rec['samples_per_s']:.1f} rows/s"
                print(msg, flush=True)

            improved = False
            if has_val and rec["val_uar"] > best_uar:
                best_uar, since_best, improved = rec["val_uar"], 0, True
                if select == "best_val_uar":
                    best_state = copy.deepcopy({k: v.detach().cpu() for k, v in model.state_dict().items()})
                    hist.best_epoch = ep + 1
            elif has_val:
                since_best += 1
            if patience is not None and since_best >= patience:
                hist.stopped_early = True
            if select == "last":
                hist.best_epoch = ep + 1
            hist.seconds += rec["seconds"]
            if ckdir is not None:
                if improved and select == "best_val_uar":
                    checkpoints.save({"model": best_state, "epoch": ep + 1, "fingerprint": fp}, ckdir / "best.pt")
                checkpoints.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                                  "history": hist.to_dict(), "rng": checkpoints.get_rng(), "fingerprint": fp,
                                  "epoch": ep + 1, "best_uar": best_uar, "since_best": since_best,
                                  "model_config": getattr(model, "config", None)}, ckdir / "last.pt", keep_previous=True)
    if select == "best_val_uar" and best_state is not None:
        model.load_state_dict(best_state)
    elif select == "last" and hist.epochs_run:
        hist.best_epoch = hist.epochs_run
    return hist


@torch.no_grad()
def predict_proba(model: nn.Module, X, batch_size: int = 256, device: str = "auto") -> np.ndarray:
    """Class probabilities (softmax of the logits), ``(n, n_classes)`` float32, model in eval mode
    (full float32 on a GPU, as in training: :func:`ser_lib.speed.exact_float32`)."""
    from .speed import exact_float32

    Xt = _as_tensor(X, "X")
    dev = resolve_device(device)
    model.to(dev)
    was_training = model.training
    model.eval()
    out = []
    try:
        with exact_float32(dev):
            for i in range(0, Xt.shape[0], batch_size):
                out.append(torch.softmax(model(Xt[i:i + batch_size].to(dev)), dim=1).cpu())
    finally:
        model.train(was_training)
    return torch.cat(out).numpy().astype(np.float32) if out else np.zeros((0, 0), np.float32)


def predict(model: nn.Module, X, batch_size: int = 256, device: str = "auto") -> np.ndarray:
    """Predicted class indices ``(n,)``."""
    return predict_proba(model, X, batch_size=batch_size, device=device).argmax(1)
