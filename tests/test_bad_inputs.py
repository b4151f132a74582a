"""Every bad input named in issue 12 ends in the package's own error naming the file or argument,
or in a documented, counted handling; and what already worked keeps working.

Files are crafted in ``tmp_path``. Categories: audio files, parameters of public functions,
features and their cache, arrays given to the trainers. Corpora, downloads and worker processes
are in ``test_bad_corpora.py``, ``test_bad_downloads.py`` and ``test_worker_cleanup.py``; random
inputs in ``test_properties.py``.
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
import torch

from ser_lib import audio, augment, audit_train, corpora, features, protocols, train
from ser_lib.efficient import EfficientSER
from ser_lib.errors import (ArgumentError, AudioError, FeatureError, SERError, TrainingDataError,
                            TruncatedAudioWarning)
from ser_lib.model import PaperNet

SR = 16000


def _tone(seconds=1.0, sr=SR, amp=0.1):
    t = np.arange(int(seconds * sr)) / sr
    return (amp * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def _wav(path: Path, y, sr=SR, **kw) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, y, sr, **kw)
    return path


# ================================================================ audio files
@pytest.mark.parametrize("peak", [1e20, 3e38, -1e20, 2e6])
def test_huge_finite_float_samples_are_refused_with_the_file_name(tmp_path, peak):
    y = _tone(0.5)
    y[100:110] = peak
    p = _wav(tmp_path / f"huge{abs(peak):g}.wav", y, subtype="FLOAT")
    with pytest.raises(AudioError, match=rf"huge.*\.wav: samples reach .* rescale|divide by its peak"):
        audio.load(p)
    with pytest.raises(AudioError, match="huge"):
        features.load_paper_clip(p, offset=0.0)


def test_a_header_with_an_absurd_sampling_rate_is_refused(tmp_path):
    p = _wav(tmp_path / "rate.wav", _tone(0.1))
    b = bytearray(p.read_bytes())
    b[24:28] = (2_000_000_000).to_bytes(4, "little")  # fmt chunk: sample rate
    p.write_bytes(bytes(b))
    with pytest.raises(AudioError, match=r"rate\.wav: its header declares a sampling rate of 2000000000 Hz"):
        audio.load(p, sr=None)


def test_unscaled_but_moderate_float_samples_still_load(tmp_path):
    p = _wav(tmp_path / "int16_as_float.wav", _tone(0.5, amp=30000.0), subtype="FLOAT")
    y, _ = audio.load(p, sr=None)
    assert np.isfinite(y).all() and np.abs(y).max() > 1000


def test_paper_vector_refuses_to_return_non_finite_values():
    with pytest.raises(FeatureError, match="not finite"):
        features.paper_vector(np.full(SR, 1e20, np.float32), SR)
    v = features.paper_vector(_tone(0.5), SR)
    assert np.isfinite(v).all()


def _truncated(tmp_path, name="trunc.wav", declared=3.5, present=2.0) -> Path:
    full = _wav(tmp_path / "full.wav", _tone(declared), subtype="PCM_16")
    b = full.read_bytes()
    p = tmp_path / name
    p.write_bytes(b[:44 + int(present * SR) * 2])
    return p


def test_truncated_wav_loads_with_a_warning_naming_the_file(tmp_path):
    p = _truncated(tmp_path)
    with pytest.warns(TruncatedAudioWarning, match=r"trunc\.wav: truncated: .*3\.500 s.*2\.000 s"):
        y, sr = audio.load(p, sr=None)
    assert len(y) == 2 * SR
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        audio.load(tmp_path / "full.wav", sr=None)  # a complete file: no warning


def test_truncated_wav_with_offset_past_the_data_says_truncated(tmp_path):
    p = _truncated(tmp_path)
    with pytest.raises(AudioError, match=r"trunc\.wav: truncated.*offset 2\.5 s"):
        audio.load(p, offset=2.5)


def test_truncated_files_are_listed_by_file_info(tmp_path):
    root = tmp_path / "d"
    _truncated(root / "emodb" / "wav", "03a01Fa.wav")
    (root / "emodb" / "wav" / "full.wav").unlink()
    _wav(root / "emodb" / "wav" / "08a02Wb.wav", _tone(1.0))
    df = corpora.scan("emodb", root)
    with pytest.warns(UserWarning, match="1 file.*truncated.*03a01Fa"):
        info = corpora.file_info(df)
    assert list(info.attrs["truncated"]) == [df["path"][0]]
    assert info.attrs["truncated"][df["path"][0]] == pytest.approx((3.5, 2.0))


# what already worked keeps working: each of these names the file
def _crafted_bad_files(tmp_path) -> dict[str, Path]:
    good = _wav(tmp_path / "good.wav", _tone(1.0))
    files = {
        "empty": b"",
        "header_only": good.read_bytes()[:44],
        "random": np.random.default_rng(0).integers(0, 256, 4000, dtype=np.uint8).tobytes(),
        "text": b"just some text\n" * 20,
        "html": b"<!DOCTYPE html><html><body>404 Not Found</body></html>",
        "lfs_pointer": b"version https://git-lfs.github.com/spec/v1\noid sha256:" + b"a" * 64 + b"\nsize 1234\n",
    }
    out = {}
    for k, b in files.items():
        p = tmp_path / f"{k}.wav"
        p.write_bytes(b)
        out[k] = p
    y = _tone(0.5)
    y[10] = np.nan
    out["nan_samples"] = _wav(tmp_path / "nan_samples.wav", y, subtype="FLOAT")
    y = _tone(0.5)
    y[10] = np.inf
    out["inf_samples"] = _wav(tmp_path / "inf_samples.wav", y, subtype="FLOAT")
    out["silence"] = _wav(tmp_path / "silence.wav", np.zeros(SR, np.float32))
    loop = tmp_path / "loop.wav"
    os.symlink(loop, loop)
    out["symlink_loop"] = loop
    fifo = tmp_path / "fifo.wav"
    os.mkfifo(fifo)
    out["fifo"] = fifo
    out["folder"] = tmp_path / "folder.wav"
    out["folder"].mkdir()
    out["missing"] = tmp_path / "missing.wav"
    return out


def test_bad_files_keep_raising_audio_error_naming_the_file(tmp_path):
    crafted = _crafted_bad_files(tmp_path)
    assert len(crafted) == 13
    for kind, p in crafted.items():
        with pytest.raises(AudioError) as info:
            audio.load(p)
        assert p.name in str(info.value), kind


def test_good_odd_files_keep_loading(tmp_path):
    short = _wav(tmp_path / "ten_ms.wav", _tone(0.01))
    y, sr = audio.load(short)
    assert sr == 22050 and len(y) == 221 and np.isfinite(y).all()
    flac = tmp_path / "flac_inside.wav"
    sf.write(flac, _tone(0.2), SR, format="FLAC")
    assert len(audio.load(flac, sr=None)[0]) == int(0.2 * SR)
    uni = _wav(tmp_path / "données" / "ça_va_é.wav", _tone(0.2))
    assert np.isfinite(audio.load(uni)[0]).all()


# ================================================================ parameters
@pytest.mark.parametrize("kwargs", [dict(sr="22050"), dict(sr=1e9), dict(sr=22050.5), dict(sr=True), dict(sr=0),
                                    dict(sr=float("inf")), dict(offset=float("nan")), dict(offset="0.6"),
                                    dict(offset=-1), dict(duration=float("inf")), dict(duration=0),
                                    dict(duration="2.5")])
def test_load_arguments_are_named(tmp_path, kwargs):
    p = _wav(tmp_path / "ok.wav", _tone(1.0))
    name = next(iter(kwargs))
    with pytest.raises(AudioError, match=rf"^{name} must be") as info:
        audio.load(p, **kwargs)
    assert isinstance(info.value, ArgumentError)


@pytest.mark.parametrize("val_frac", [1.5, -1, 0, 1, float("nan"), "0.15", None])
def test_speaker_protocol_val_frac_is_bounded(val_frac):
    meta = pd.DataFrame({"recording_id": [f"r{i}" for i in range(8)], "speaker": list("aabbccdd"),
                         "emotion": ["x", "y"] * 4, "version": ["original"] * 8})
    with pytest.raises(ArgumentError, match="val_frac must be"):
        protocols.speaker(meta, "emodb", val_frac=val_frac)


@pytest.mark.parametrize("n_steps", [1000, -1000, 24.5, float("nan"), "2"])
def test_pitch_shift_n_steps_is_bounded(n_steps):
    with pytest.raises(ArgumentError, match="n_steps must be"):
        augment.pitch_shift(_tone(0.2), SR, n_steps)


def test_noise_settings_that_would_return_inf_are_refused():
    rng = np.random.default_rng(0)
    y = _tone(0.2)
    with pytest.raises(ArgumentError, match="snr_db must be"):
        augment.add_noise_snr(y, -1000.0, rng)
    with pytest.raises(ArgumentError, match="snr_db must be.*pass inf for no noise"):
        augment.add_noise_snr(y, 3083.0, rng)  # 10 ** 308.3 would overflow
    assert np.array_equal(augment.add_noise_snr(y, float("inf"), rng), y)
    with pytest.raises(ArgumentError, match="factor must be"):
        augment.add_noise_paper(y, rng, factor=1e40)
    loud = np.full(1000, 3e38, np.float32)
    with pytest.raises(ArgumentError, match="overflows"):
        augment.add_noise_paper(loud, rng, factor=100.0, reference="absmax")
    with pytest.raises(ArgumentError, match="overflows"):
        augment.add_noise_snr(loud, -100.0, rng)
    out = augment.add_noise_snr(y, augment.MIN_SNR_DB, rng)  # the bound itself works
    assert np.isfinite(out).all()


@pytest.mark.parametrize("kwargs,name", [(dict(n_jobs="2"), "n_jobs"), (dict(sr="x"), "sr"),
                                         (dict(noise_factor=1e40), "noise_factor"), (dict(n_steps=1000), "n_steps"),
                                         (dict(seed=1.5), "seed"), (dict(noise_reference="min"), "noise_reference"),
                                         (dict(offset=-1), "offset")])
def test_extract_settings_are_checked_before_any_work(tmp_path, kwargs, name):
    table = pd.DataFrame({"path": [str(tmp_path / "does-not-matter.wav")]})
    with pytest.raises(ArgumentError, match=rf"^{name} must be"):
        features.extract(table, cache_dir=tmp_path / "c", progress=False, **kwargs)


# ================================================================ features and the cache
def test_extract_names_the_file_and_caches_nothing_non_finite(tmp_path):
    y = _tone(3.5)
    y[20000:20010] = 1e20
    bad = _wav(tmp_path / "huge.wav", y, subtype="FLOAT")
    cache = tmp_path / "cache"
    with pytest.raises(FeatureError, match=r"huge\.wav"):
        features.extract(pd.DataFrame({"path": [str(bad)]}), versions=("original",), n_jobs=1,
                         cache_dir=cache, progress=False)
    assert not list(cache.rglob("*.npy"))


def test_a_non_finite_cache_entry_is_recomputed_not_used(tmp_path):
    good = _wav(tmp_path / "good.wav", _tone(3.5))
    table = pd.DataFrame({"path": [str(good)]})
    cache = tmp_path / "cache"
    X1, _ = features.extract(table, versions=("original",), n_jobs=1, cache_dir=cache, progress=False)
    (entry,) = list(cache.rglob("*.npy"))
    poisoned = np.load(entry)
    poisoned[5] = np.nan
    np.save(entry, poisoned)
    X2, _ = features.extract(table, versions=("original",), n_jobs=1, cache_dir=cache, progress=False)
    assert np.isfinite(X2).all() and np.array_equal(X1, X2)
    assert np.isfinite(np.load(entry)).all()  # rewritten


# ================================================================ trainers
def _frames(n=24, c=22, t=40, k=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, c, t)).astype(np.float32), np.arange(n) % k


def _net(k=3):
    torch.manual_seed(0)
    return EfficientSER(k, widths=(8, 8, 8, 8))


def _cfg(**kw):
    return audit_train.TrainConfig(**{"epochs": 1, "batch_size": 8, **kw})


def test_audit_train_refuses_nan_features():
    X, y = _frames()
    X[3, 0, 5] = np.nan
    with pytest.raises(TrainingDataError, match=r"X_train holds 1 NaN/inf values in 1 rows \(e\.g\. rows \[3\]\)"):
        audit_train.train(_net(), X, y, config=_cfg())
    X, y = _frames()
    Xv = X[:4].copy()
    Xv[0] = np.inf
    with pytest.raises(TrainingDataError, match="X_val"):
        audit_train.train(_net(), X, y, Xv, y[:4], config=_cfg())


@pytest.mark.parametrize("change,match", [
    (dict(batch_size=1), "batch_size"),
    (dict(epochs=0), "epochs"),
    (dict(epochs=2.5), "epochs"),
    (dict(lr=0), "lr"),
    (dict(time_mask=-1), "time_mask"),
])
def test_audit_train_refuses_settings(change, match):
    X, y = _frames()
    with pytest.raises(TrainingDataError, match=rf"TrainConfig\.{match} must be"):
        audit_train.train(_net(), X, y, config=_cfg(**change))


def test_audit_train_refuses_the_one_step_count_torch_cannot_schedule():
    X, y = _frames(n=10)
    with pytest.raises(TrainingDataError, match="5 optimiser steps.*TrainConfig.epochs or batch_size"):
        audit_train.train(_net(), X, y, config=_cfg(batch_size=2))
    audit_train.train(_net(), X, y, config=_cfg(batch_size=3))


def test_audit_train_refuses_bad_labels_and_shapes():
    X, y = _frames()
    with pytest.raises(TrainingDataError, match="single class"):
        audit_train.train(_net(), X, np.zeros(len(X), int), config=_cfg())
    with pytest.raises(TrainingDataError, match=r"labels run up to 5 but the model has 3 outputs"):
        audit_train.train(_net(), X, np.arange(len(X)) % 6, config=_cfg())
    with pytest.raises(TrainingDataError, match=r"y_val.*|labels run up to 7"):
        audit_train.train(_net(), X, y, X[:4], np.array([0, 1, 2, 7]), config=_cfg())
    with pytest.raises(TrainingDataError, match="negative labels"):
        audit_train.train(_net(), X, y - 1, config=_cfg())
    with pytest.raises(TrainingDataError, match="integer class indices"):
        audit_train.train(_net(), X, y + 0.5, config=_cfg())
    with pytest.raises(TrainingDataError, match="integer class indices"):
        audit_train.train(_net(), X, np.array(["a", "b", "c"] * 8), config=_cfg())
    with pytest.raises(TrainingDataError, match="1-D array of 24 labels"):
        audit_train.train(_net(), X, y[:5], config=_cfg())
    with pytest.raises(TrainingDataError, match="at least 2"):
        audit_train.train(_net(), X[:1], y[:1], config=_cfg())
    with pytest.raises(TrainingDataError, match=r"\(n, channels, frames\)"):
        audit_train.train(_net(), X[:, 0], y, config=_cfg())


def test_audit_train_refuses_too_few_frames_naming_the_shape():
    X, y = _frames(t=2)
    with pytest.raises(TrainingDataError, match=r"cannot take X_train rows of shape \(22, 2\).*Too few frames"):
        audit_train.train(_net(), X, y, config=_cfg())
    X, y = _frames(c=20)
    with pytest.raises(TrainingDataError, match="channels"):
        audit_train.train(_net(), X, y, config=_cfg())


def test_audit_train_still_trains():
    X, y = _frames()
    res = audit_train.train(_net(), X, y, X[:6], y[:6], config=_cfg(epochs=2))
    assert len(res.history) == 2 and np.isfinite(res.history[-1]["loss"])
    assert res.history[-1]["loss"] > 0  # batches were not all skipped
    res = audit_train.train(_net(), X, y % 2, config=_cfg())  # the model's class 2 absent from the labels
    assert np.isfinite(res.history[-1]["loss"])


def test_fit_names_labels_beyond_the_model_outputs():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 40)).astype(np.float32)
    model = PaperNet(40, 3, filters=8, dense_units=8)
    with pytest.raises(TrainingDataError, match=r"labels run up to 4 but the model has 3 outputs"):
        train.fit(model, X, np.arange(20) % 5, epochs=1, batch_size=8, progress=False)
    with pytest.raises(TrainingDataError, match="labels run up to 3"):
        train.fit(model, X, np.arange(20) % 3, X[:4], np.array([0, 1, 2, 3]), epochs=1, batch_size=8,
                  progress=False)
    with pytest.raises(ValueError, match="negative"):
        train.fit(model, X, np.arange(20) % 3 - 1, epochs=1, batch_size=8, progress=False)


def test_errors_are_one_family():
    for cls in (ArgumentError, AudioError, FeatureError, TrainingDataError):
        assert issubclass(cls, SERError) and issubclass(cls, ValueError)
    assert issubclass(ArgumentError, TypeError) and issubclass(FeatureError, RuntimeError)
    assert audio.AudioError is AudioError and features.FeatureError is FeatureError
