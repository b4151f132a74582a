"""Emotion probabilities for your own recordings: files, folders, any length.

``python -m ser_lib predict FILE_OR_FOLDER... [--model PATH] [--format table|json|csv]``
(:mod:`ser_lib.__main__`) calls :func:`predict_paths`. For each file:

1. :func:`ser_lib.audio.load` reads it at its own rate (any format libsndfile reads, decided by
   content), refusing missing, unreadable, empty and all-zero files with a message;
2. :func:`ser_lib.input_quality.screen` checks it (too short, silent, clipped, not speech-like,
   mostly silent): an error gives no label, a warning marks the label unreliable;
3. the signal, resampled to 22 050 Hz, is cut into 2.5 s windows every ``hop_s`` seconds (one
   window, zero padded, for a file of 2.5 s or less; the last window ends at the end of the file);
   each window becomes the model's ``(22, 108)`` frame features (:func:`ser_lib.features.paper_vector`,
   :func:`ser_lib.frames.frame_features`, exactly as in training), standardised with the
   bundle's statistics;
4. the file's probabilities are the mean of the windows' probabilities, weighted by each
   window's share of active (non-silent) frames; windows with under 25 % active frames are
   left out when others remain. The per-window track is kept with ``track=True``.

With a labels CSV (columns ``file,emotion``), :func:`evaluate` gives the confusion matrix and UAR
(:mod:`ser_lib.metrics`) of a folder.

Example
-------
>>> from ser_lib import predict                                  # doctest: +SKIP
>>> p = predict.predict_file("me.wav")                           # doctest: +SKIP
>>> p.label, p.probabilities                                     # doctest: +SKIP
('neutral', {'neutral': 0.41, 'happy': 0.12, ...})
"""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from . import paper
from .audio import AudioError
from .input_quality import active_frames, frame_levels, screen

__all__ = ["AUDIO_SUFFIXES", "Prediction", "window_spans", "window_features", "predict_signal", "predict_file",
           "expand_paths", "predict_paths", "to_frame", "read_labels", "evaluate", "EMOTION_SYNONYMS"]

#: File suffixes picked up when a folder is given (a file named explicitly is tried whatever its suffix).
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aif", ".aiff", ".aifc", ".au", ".caf", ".w64")
#: Windows with a smaller share of active frames are left out of a file's summary (when others remain).
MIN_WINDOW_ACTIVE = 0.25
#: Other spellings accepted in a labels CSV.
EMOTION_SYNONYMS = {"anger": "angry", "mad": "angry", "happiness": "happy", "joy": "happy", "sadness": "sad",
                    "fearful": "fear", "afraid": "fear", "scared": "fear", "disgusted": "disgust",
                    "surprised": "surprise", "calm": "neutral", "bored": "boredom"}


@dataclass
class Prediction:
    """The model's answer for one file.

    Attributes
    ----------
    file : the file (as given or found in a folder)
    label : the most probable emotion; None when the input failed a check (``error``)
    probabilities : ``{emotion: probability}`` (sums to 1), None on error
    reliable : False when a check raised a warning (the label is shown in brackets)
    warnings : the checks' messages
    error : why there is no label (unreadable, empty, silent, too short), else None
    duration_s : length of the audio in seconds
    n_windows : 2.5 s windows scored (before leaving silent ones out)
    windows : per-window track (``start_s``, ``end_s``, ``active``, ``used``, probabilities) when asked for
    """

    file: str
    label: str | None = None
    probabilities: dict | None = None
    reliable: bool = False
    warnings: list = field(default_factory=list)
    error: str | None = None
    duration_s: float | None = None
    n_windows: int = 0
    windows: list | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def window_spans(n: int, sr: int, window_s: float = paper.DURATION, hop_s: float = 1.25) -> list[tuple[int, int]]:
    """Sample ranges ``[(start, end), ...]`` of the windows over ``n`` samples: one window when
    ``n`` fits in one, else a window every ``hop_s`` seconds, the last one ending at ``n``."""
    if hop_s <= 0:
        raise ValueError(f"hop_s must be > 0, got {hop_s}")
    w, h = int(round(window_s * sr)), max(1, int(round(hop_s * sr)))
    if n <= w:
        return [(0, n)]
    starts = list(range(0, n - w + 1, h))
    if starts[-1] + w < n:
        starts.append(n - w)
    return [(s, s + w) for s in starts]


def window_features(y: np.ndarray, sr: int = paper.SR, hop_s: float = 1.25) -> tuple[np.ndarray, list, np.ndarray]:
    """Frame features of every window of ``y`` (1-D float at ``sr`` = 22 050 Hz).

    Returns ``(X, spans, active)``: ``X`` float32 ``(n_windows, 22, 108)`` (unstandardised),
    the sample spans of :func:`window_spans`, and each window's share of active frames ``(n_windows,)``.
    """
    from .features import paper_n_frames, paper_vector
    from .frames import N_CHANNELS, frame_features

    if sr != paper.SR:
        raise ValueError(f"window_features expects {paper.SR} Hz audio, got {sr}")
    y = np.asarray(y, np.float32)
    spans = window_spans(y.size, sr, hop_s=hop_s)
    db = frame_levels(y)
    act = active_frames(db)
    X = np.zeros((len(spans), N_CHANNELS, paper.N_FRAMES), np.float32)
    share = np.zeros(len(spans))
    for i, (a, b) in enumerate(spans):
        v = paper_vector(y[a:b], sr)
        X[i] = frame_features(v[None], np.array([paper_n_frames(v.size)]))[0]
        fa, fb = a // paper.HOP_LENGTH, max(a // paper.HOP_LENGTH + 1, b // paper.HOP_LENGTH)
        share[i] = act[fa:fb].mean() if fb > fa else 0.0
    return X, spans, share


def predict_signal(y: np.ndarray, sr: int, bundle=None, *, hop_s: float = 1.25, track: bool = False,
                   y_native: np.ndarray | None = None, name: str = "<signal>") -> Prediction:
    """Predict one mono signal ``y`` (float, ``(n,)``, at ``sr`` Hz; resampled to 22 050 Hz here).

    ``bundle``: a :class:`ser_lib.voice_model.Bundle` (default: the shipped model).
    ``y_native``: the signal at its file's own rate, for the clipping check. See the module text.
    """
    bundle = bundle if bundle is not None else _default_bundle()
    y = np.asarray(y, np.float32).reshape(-1)
    if y.size == 0:
        return Prediction(name, error="empty: no audio samples", duration_s=0.0)
    if not np.all(np.isfinite(y)):
        return Prediction(name, error="corrupt: the signal holds NaN or infinite samples", duration_s=y.size / sr)
    if sr != paper.SR:
        import librosa

        y_native = y if y_native is None else y_native
        y = librosa.resample(y, orig_sr=sr, target_sr=paper.SR, res_type="soxr_hq").astype(np.float32)
    sc = screen(y, paper.SR, y_native=y_native)
    pred = Prediction(name, duration_s=round(float(y.size / paper.SR), 3), warnings=sc.messages())
    if not sc.usable:
        pred.error = next(i.message for i in sc.issues if i.severity == "error")
        pred.warnings = [m for m in pred.warnings if m != pred.error]
        return pred
    X, spans, share = window_features(y, paper.SR, hop_s)
    P = bundle.predict_proba(X)
    used = share >= MIN_WINDOW_ACTIVE
    if not used.any():
        used[:] = True
    w = np.where(used, np.maximum(share, 1e-3), 0.0)
    p = (P * w[:, None]).sum(0) / w.sum()
    pred.probabilities = {lab: round(float(v), 4) for lab, v in zip(bundle.labels, p)}
    pred.label = bundle.labels[int(np.argmax(p))]
    pred.reliable = sc.reliable
    pred.n_windows = len(spans)
    if track:
        pred.windows = [{"start_s": round(a / paper.SR, 3), "end_s": round(b / paper.SR, 3),
                         "active": round(float(s), 3), "used": bool(u),
                         "label": bundle.labels[int(np.argmax(pw))],
                         **{lab: round(float(v), 4) for lab, v in zip(bundle.labels, pw)}}
                        for (a, b), s, u, pw in zip(spans, share, used, P)]
    return pred


_BUNDLE = None


def _default_bundle():
    global _BUNDLE
    if _BUNDLE is None:
        from .voice_model import load

        _BUNDLE = load()
    return _BUNDLE


def predict_file(path: str | os.PathLike, bundle=None, *, hop_s: float = 1.25, track: bool = False) -> Prediction:
    """Predict one audio file; never raises for a bad file (the reason is in ``.error``)."""
    from .audio import load

    try:
        y, sr = load(path, sr=None)
    except AudioError as exc:
        return Prediction(str(path), error=str(exc))
    return predict_signal(y, sr, bundle, hop_s=hop_s, track=track, y_native=y, name=str(path))


def expand_paths(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """Files named explicitly, then the audio files (:data:`AUDIO_SUFFIXES`) under each folder,
    recursively and sorted. A path that does not exist is kept (its prediction reports it)."""
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in AUDIO_SUFFIXES
                          and not f.name.startswith("."))
        else:
            out.append(p)
    return out


def predict_paths(paths: Iterable[str | os.PathLike], bundle=None, *, hop_s: float = 1.25, track: bool = False,
                  progress: bool = True) -> list[Prediction]:
    """:func:`predict_file` for every file of :func:`expand_paths` ``(paths)``, with a tqdm bar
    (on stderr) when ``progress`` and there is more than one file."""
    files = expand_paths(paths)
    bundle = bundle if bundle is not None else _default_bundle()
    it = files
    if progress and len(files) > 1:
        from tqdm.auto import tqdm

        it = tqdm(files, desc="predicting", unit="file")
    return [predict_file(f, bundle, hop_s=hop_s, track=track) for f in it]


def to_frame(preds: Sequence[Prediction], labels: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per prediction: file, label, reliable, one column per emotion (probability),
    duration_s, n_windows, note (error or warnings)."""
    labels = list(labels) if labels is not None else next((list(p.probabilities) for p in preds if p.probabilities), [])
    rows = []
    for p in preds:
        row = {"file": p.file, "label": p.label, "reliable": p.reliable and p.error is None}
        for lab in labels:
            row[lab] = (p.probabilities or {}).get(lab, np.nan)
        row.update({"duration_s": p.duration_s, "n_windows": p.n_windows,
                    "note": ("ERROR: " + p.error) if p.error else " | ".join(p.warnings)})
        rows.append(row)
    return pd.DataFrame(rows, columns=["file", "label", "reliable", *labels, "duration_s", "n_windows", "note"])


def _norm_emotion(e) -> str:
    e = str(e).strip().lower()
    return EMOTION_SYNONYMS.get(e, e)


def read_labels(csv_path: str | os.PathLike) -> dict[str, str]:
    """``{resolved file path: emotion}`` from a CSV with columns ``file`` and ``emotion`` (relative
    paths are relative to the CSV's folder; emotions lower-cased, synonyms such as ``anger`` mapped)."""
    csv_path = Path(csv_path)
    df = pd.read_csv(csv_path)
    missing = {"file", "emotion"} - set(df.columns)
    if missing:
        raise ValueError(f"{csv_path}: the labels CSV needs the columns file,emotion; missing {sorted(missing)}")
    out = {}
    for f, e in zip(df["file"].astype(str), df["emotion"]):
        p = Path(f)
        p = p if p.is_absolute() else csv_path.parent / p
        out[str(p.resolve())] = _norm_emotion(e)
    return out


def evaluate(preds: Sequence[Prediction], labels_csv: str | os.PathLike, model_labels: Sequence[str]) -> dict:
    """Score predictions against a labels CSV (:func:`read_labels`).

    Files are matched by resolved path, else by unique file name. Files with no label in the
    CSV, with an emotion the model does not know, or with an error are left out and counted.
    Unreliable predictions are scored (their best guess).

    Returns ``{"uar", "accuracy", "n", "confusion" (DataFrame, rows true, columns predicted),
    "left_out" {reason: [files]}}``; UAR over the true emotions present (:func:`ser_lib.metrics.uar`).
    """
    from . import metrics as M

    truth = read_labels(labels_csv)
    by_name: dict[str, list[str]] = {}
    for k, v in truth.items():
        by_name.setdefault(Path(k).name, []).append(v)
    model_labels = list(model_labels)
    yt, yp = [], []
    left: dict[str, list[str]] = {"no label in the CSV": [], "emotion unknown to the model": [], "error": []}
    for p in preds:
        key = str(Path(p.file).resolve())
        e = truth.get(key)
        if e is None and len(by_name.get(Path(p.file).name, [])) == 1:
            e = by_name[Path(p.file).name][0]
        if e is None:
            left["no label in the CSV"].append(p.file)
        elif e not in model_labels:
            left["emotion unknown to the model"].append(f"{p.file} ({e})")
        elif p.error or not p.probabilities:
            left["error"].append(p.file)
        else:
            yt.append(e)
            yp.append(max(p.probabilities, key=p.probabilities.get))
    out = {"n": len(yt), "left_out": {k: v for k, v in left.items() if v}}
    if not yt:
        out.update(uar=float("nan"), accuracy=float("nan"), confusion=pd.DataFrame())
        return out
    out["uar"] = M.uar(np.array(yt), np.array(yp))
    out["accuracy"] = M.accuracy(np.array(yt), np.array(yp))
    C = M.confusion(np.array(yt), np.array(yp), model_labels)
    present = [i for i, lab in enumerate(model_labels) if lab in set(yt)]
    out["confusion"] = pd.DataFrame(C[present], index=pd.Index([model_labels[i] for i in present], name="true"),
                                    columns=pd.Index(model_labels, name="predicted"))
    return out
