"""A trained model as one self-describing file: weights, label list, feature settings and
normalisation statistics, loaded with ``torch.load(weights_only=True)``.

The package ships one (:data:`DEFAULT_MODEL`, trained by ``python -m ser_lib train-pretrained``,
see :mod:`ser_lib.pretrain`): the audit's efficient CNN (:class:`ser_lib.efficient.EfficientSER`,
about 50 000 parameters) on the emotions shared by the corpora it was trained on. A bundle holds
only tensors and plain data (no pickled objects), so loading one cannot run code:

- ``format``: :data:`FORMAT`;
- ``architecture``, ``config``: the :data:`ser_lib.registry.MODEL_PRESETS` name and the keyword
  arguments of :class:`~ser_lib.efficient.EfficientSER`;
- ``state_dict``: the weights;
- ``labels``: class names in the order of the output units;
- ``features``: how the input is computed (:data:`FEATURES`: 22 050 Hz, 2.5 s windows, 20 MFCC +
  ZCR + log-RMS over 108 frames of hop 512; :mod:`ser_lib.frames`);
- ``normalization``: per-channel ``mean`` and ``std`` (22 values each) of the training frames;
- ``training``: where it came from (corpora, recordings, data checksums, results file, commit).

A model card (``<name>.json``) beside the weights repeats the label list, the feature settings,
the normalisation statistics and the held-out scores in readable form, with the SHA-256 of the
weights file; :func:`load` checks it when present.
"""
from __future__ import annotations

import hashlib
import json
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from . import paper
from .frames import N_CHANNELS, RMS_FLOOR

__all__ = ["FORMAT", "FEATURES", "PRETRAINED_DIR", "DEFAULT_MODEL", "Bundle", "save", "load", "write_card"]

FORMAT = "ser_lib.voice_model/1"
#: Folder of the shipped model (package data).
PRETRAINED_DIR = Path(__file__).resolve().parent / "pretrained"
#: The shipped model.
DEFAULT_MODEL = PRETRAINED_DIR / "efficient_shared_emotions.pt"

#: How a bundle's input is computed from audio (the audit's frame features of one window).
FEATURES: dict[str, Any] = {
    "sample_rate_hz": paper.SR, "window_s": paper.DURATION, "n_fft": paper.N_FFT, "hop_length": paper.HOP_LENGTH,
    "n_mfcc": paper.N_MFCC, "n_frames": paper.N_FRAMES, "channels": N_CHANNELS, "rms_floor": RMS_FLOOR,
    "layout": "rows 0-19 MFCC (librosa.feature.mfcc defaults), 20 ZCR, 21 log10(RMS + 1e-4); 108 frames, "
              "a shorter window zero-padded on the right (ser_lib.frames)",
    "training_window": "2.5 s from 0.6 s into each recording (the paper's clip)",
}


@dataclass
class Bundle:
    """A loaded model: the network (eval mode, CPU) and what it needs to be used.

    Attributes
    ----------
    model : torch.nn.Module, input ``(B, 22, 108)`` standardised frame features, output logits ``(B, K)``
    labels : list of K class names
    mean, std : float32 ``(22,)``: standardisation of the input channels
    features : dict, see :data:`FEATURES`
    training : dict, provenance
    path : where it was loaded from (None when built in memory)
    """

    model: torch.nn.Module
    labels: list
    mean: np.ndarray
    std: np.ndarray
    features: dict = field(default_factory=lambda: dict(FEATURES))
    training: dict = field(default_factory=dict)
    path: Path | None = None

    def standardize(self, X: np.ndarray) -> np.ndarray:
        """``(n, 22, T)`` frame features → standardised float32, padded frames kept at 0
        (:class:`ser_lib.scaling.Standardizer` arithmetic)."""
        from .scaling import Standardizer

        return Standardizer(mean=self.mean, std=self.std).transform(X)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities ``(n, K)`` float32 of raw (unstandardised) frame features ``(n, 22, T)``."""
        from .audit_train import predict_proba

        return predict_proba(self.model, self.standardize(X))

    @property
    def n_params(self) -> int:
        return int(sum(p.numel() for p in self.model.parameters()))


def _plain(obj: Any) -> Any:
    """Tuples → lists, numpy scalars → Python (what ``weights_only`` loading and JSON accept)."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def save(path: str | os.PathLike, model: torch.nn.Module, labels, mean, std, *, architecture: str = "efficient",
         training: dict | None = None, features: dict | None = None) -> Path:
    """Write a bundle (atomically, :func:`ser_lib.checkpoints.save`) and return its path.

    ``model`` must have a ``config`` dict (as :class:`~ser_lib.efficient.EfficientSER` does);
    ``mean``/``std`` are the ``(22,)`` channel statistics the model was trained with.
    """
    from .checkpoints import save as _save

    config = getattr(model, "config", None)
    if not isinstance(config, dict):
        raise ValueError("the model has no `config` dict: only ser_lib.efficient.EfficientSER models can be bundled")
    labels = [str(l) for l in labels]
    if len(labels) != config["n_classes"]:
        raise ValueError(f"{len(labels)} labels for a model with {config['n_classes']} outputs")
    obj = {"format": FORMAT, "architecture": architecture, "config": _plain(config),
           "state_dict": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()},
           "labels": labels, "features": _plain(features or FEATURES),
           "normalization": {"mean": torch.as_tensor(np.asarray(mean, np.float32)),
                             "std": torch.as_tensor(np.asarray(std, np.float32))},
           "training": _plain(training or {})}
    return _save(obj, path)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load(path: str | os.PathLike | None = None) -> Bundle:
    """Load a bundle (default: the shipped :data:`DEFAULT_MODEL`) with ``weights_only=True``.

    Raises
    ------
    FileNotFoundError
        no file at ``path`` (for the shipped model: retrain it with ``python -m ser_lib train-pretrained``)
    ser_lib.checkpoints.CheckpointError
        the file is not a checkpoint, or holds objects other than tensors and plain data
    ValueError
        the file is a checkpoint but not a bundle of this format
    """
    from .checkpoints import load as _load
    from .efficient import EfficientSER

    path = Path(path) if path is not None else DEFAULT_MODEL
    if not path.exists():
        hint = " (retrain it: python -m ser_lib train-pretrained)" if path == DEFAULT_MODEL else ""
        raise FileNotFoundError(f"no model file at {path}{hint}")
    obj = _load(path)
    if obj.get("format") != FORMAT:
        raise ValueError(f"{path} is a checkpoint but not a ser_lib model bundle (format {obj.get('format')!r}, "
                         f"expected {FORMAT!r})")
    if obj.get("architecture") != "efficient":
        raise ValueError(f"{path}: unsupported architecture {obj.get('architecture')!r}")
    cfg = dict(obj["config"])
    n_classes = cfg.pop("n_classes")
    model = EfficientSER(n_classes, **cfg)
    model.load_state_dict(obj["state_dict"])
    model.eval()
    norm = obj["normalization"]
    card = path.with_suffix(".json")
    if card.exists():
        try:
            expected = json.loads(card.read_text()).get("weights_sha256")
        except (OSError, ValueError):
            expected = None
        if expected and expected != _sha256(path):
            warnings.warn(f"{path} does not match the SHA-256 in its model card {card.name}: the card describes "
                          "another version of the weights", UserWarning, stacklevel=2)
    return Bundle(model=model, labels=list(obj["labels"]), mean=norm["mean"].numpy().astype(np.float32),
                  std=norm["std"].numpy().astype(np.float32), features=dict(obj.get("features") or FEATURES),
                  training=dict(obj.get("training") or {}), path=path)


def write_card(path: str | os.PathLike, bundle: Bundle, extra: dict | None = None) -> Path:
    """Write the model card ``<weights>.json`` beside the weights file ``path``: labels, feature
    settings, normalisation statistics, parameters, provenance, the weights' SHA-256 and ``extra``
    (e.g. held-out scores)."""
    path = Path(path)
    card = {"weights_file": path.name, "weights_sha256": _sha256(path), "weights_bytes": path.stat().st_size,
            "format": FORMAT, "labels": list(bundle.labels), "parameters": bundle.n_params,
            "features": bundle.features,
            "normalization": {"mean": [round(float(v), 6) for v in bundle.mean],
                              "std": [round(float(v), 6) for v in bundle.std]},
            "training": bundle.training, **(extra or {})}
    out = path.with_suffix(".json")
    out.write_text(json.dumps(_plain(card), indent=1) + "\n")
    return out
