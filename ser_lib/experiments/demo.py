"""A small trained PaperNet for the attention chapter: train it once, or load it from the cache.

The chapter needs *a* trained faithful network to look inside (its channel and spatial attention),
not the paper's 100-epoch run. :func:`attention_demo` trains one on the original (unaugmented)
clips of a corpus under the ``utterance`` protocol of :mod:`ser_lib.protocols` (20 % of the
recordings held out, stratified by emotion), so the examples shown are recordings the model never
heard, and caches the weights under ``SER_CACHE_DIR/models`` keyed by everything that determines
them. Every piece is the package's one implementation: subsampling and split
(:mod:`ser_lib.protocols`), features (:mod:`ser_lib.features`), labels (:mod:`ser_lib.labels`),
the trainer (:func:`ser_lib.train.fit`), checkpoints (:mod:`ser_lib.checkpoints`), metrics.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["AttentionDemo", "attention_demo"]


@dataclass
class AttentionDemo:
    """A trained demonstration model and its held-out test clips.

    Attributes
    ----------
    corpus, title : corpus key and display name.
    model : the trained :class:`ser_lib.model.PaperNet` (eval mode).
    labels : class names, index = class (alphabetical, as the released code).
    meta : one row per clip used (original versions), with ``path``, ``speaker``, ``emotion``, ``n_frames``.
    train_idx, test_idx : row positions into ``meta``.
    X_test : ``(n_test, L)`` float32, standardised with the training rows' statistics.
    y_test, pred, proba : true and predicted classes ``(n_test,)``, probabilities ``(n_test, n_classes)``.
    history : list of per-epoch dicts (loss, accuracy, seconds, ...).
    loaded_from : the checkpoint's file name when loaded from the cache, else None.
    """

    corpus: str
    title: str
    model: Any
    labels: list[str]
    meta: pd.DataFrame
    train_idx: np.ndarray
    test_idx: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    pred: np.ndarray
    proba: np.ndarray
    history: list[dict]
    loaded_from: str | None = None

    def summary(self) -> dict[str, Any]:
        """Accuracy and UAR on the held-out recordings, with the sizes and chance level."""
        from .. import metrics

        return {"corpus": self.title, "training clips": len(self.train_idx), "test clips": len(self.test_idx),
                "emotions": ", ".join(self.labels), "epochs": len(self.history),
                "test accuracy": metrics.accuracy(self.y_test, self.pred),
                "test UAR": metrics.uar(self.y_test, self.pred, list(range(len(self.labels)))),
                "chance (uniform)": 1 / len(self.labels)}


def attention_demo(corpus: str = "auto", *, data_root: str | os.PathLike | None = None,
                   max_files: int | None = None, epochs: int = 3, lr: float = 1e-3, batch_size: int = 16,
                   init: str = "torch", seed: int = 0, checkpoint: str | os.PathLike | None = "auto",
                   progress: bool = False) -> AttentionDemo:
    """Train (or load) a PaperNet on a corpus's original clips, recordings held out.

    Parameters
    ----------
    corpus : corpus key, or 'auto' (the first real corpus present, else the synthetic one).
    data_root : folder with the corpora (default ``$SER_DATA_ROOT`` or ./data).
    max_files : at most this many recordings (:func:`ser_lib.protocols.subsample`); None: all.
    epochs, lr, batch_size, init, seed : the training recipe (a demonstration: NOT the paper's
        100 epochs at lr 1e-5). ``seed`` also fixes the split.
    checkpoint : 'auto' (``SER_CACHE_DIR/models/attention-<corpus>-<key>.pt``, reused when it
        exists), a path to a ``.pt`` file (read when present, else written), or None (always train).

    Returns
    -------
    AttentionDemo
    """
    from sklearn.preprocessing import StandardScaler

    from .. import checkpoints, features, protocols
    from ..config import cache_root
    from ..corpora.registry import short_name
    from ..labels import encode_labels
    from ..model import PaperNet
    from ..reproduce import _load_table
    from ..train import fit, predict_proba, set_seed

    name, table = _load_table(corpus, data_root)
    table = protocols.subsample(table, max_files)
    X, meta = features.extract(table, kind="paper", versions=("original",), progress=progress)
    X = np.asarray(X, np.float32)
    meta = meta.reset_index(drop=True)
    y, labels = encode_labels(meta["emotion"])
    fold = protocols.utterance(meta, seed=seed, augment=False)[0]
    tr = np.sort(np.concatenate([fold.train_idx, fold.val_idx]))  # no model selection: train on both
    te = fold.test_idx
    scaler = StandardScaler().fit(X[tr])  # as the reproduction: statistics of the training rows
    Xtr, Xte = scaler.transform(X[tr]).astype(np.float32), scaler.transform(X[te]).astype(np.float32)

    set_seed(seed)
    model = PaperNet(X.shape[1], len(labels), init=init)
    key = hashlib.sha256(json.dumps([name, list(meta["recording_id"]), te.tolist(), epochs, lr, batch_size, init,
                                     seed, X.shape[1], float(X.sum())]).encode()).hexdigest()[:16]
    path = None
    if checkpoint == "auto":
        path = cache_root() / "models" / f"attention-{name}-{key}.pt"
    elif checkpoint:
        path = Path(checkpoint)
    loaded = None
    if path is not None and path.exists():
        saved = checkpoints.load(path)  # weights_only: tensors and plain data; names the file if unusable
        model.load_state_dict(saved["model"])
        history, loaded = saved["history"], path.name
    else:
        history = fit(model, Xtr, y[tr], epochs=epochs, batch_size=batch_size, lr=lr, seed=seed,
                      progress=progress).epochs
        if path is not None:
            checkpoints.save({"model": model.state_dict(), "history": history}, path)
    model.eval()
    proba = predict_proba(model, Xte)
    return AttentionDemo(corpus=name, title=short_name(name), model=model, labels=labels, meta=meta,
                         train_idx=tr, test_idx=te, X_test=Xte, y_test=y[te], pred=proba.argmax(1), proba=proba,
                         history=history, loaded_from=loaded)
