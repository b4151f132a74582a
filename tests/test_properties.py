"""Property-based tests (hypothesis) of every edge where input enters ``ser_lib`` (issue 12).

Random and mutated bytes go into the audio loader and the feature pipeline, random folder trees
into the corpus scanner, random values into the parameters of public functions and random arrays
into the trainer. Each must either return finite data of the documented shape or raise the
package's own error (:class:`ser_lib.errors.SERError`) naming the file or the argument.

Profiles (``HYPOTHESIS_PROFILE``): ``ci`` (default: few examples, derandomised, about half a
minute on two cores) and ``long`` (many examples, random, failures stored under ``.cache/``)::

    HYPOTHESIS_PROFILE=long .venv/bin/pytest -q tests/test_properties.py
"""
from __future__ import annotations

import io
import math
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
import torch

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, event, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.database import DirectoryBasedExampleDatabase  # noqa: E402

from ser_lib import audio, augment, audit_train, corpora, errors, features, protocols  # noqa: E402
from ser_lib.efficient import EfficientSER  # noqa: E402
from ser_lib.errors import ArgumentError, AudioError, SERError, TrainingDataError  # noqa: E402

_COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("ci", max_examples=30, derandomize=True, database=None, print_blob=True, **_COMMON)
settings.register_profile("long", max_examples=600, print_blob=True,
                          database=DirectoryBasedExampleDatabase(str(Path(__file__).parents[1] / ".cache" / "hypothesis")),
                          **_COMMON)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
settings.load_profile(PROFILE)
#: examples of the slower properties, relative to the profile's max_examples
SLOW = 1 if PROFILE == "long" else 0.5


def _n(k: float) -> int:
    return max(5, int(settings.default.max_examples * k))


SR = 16000


def _bytes(y, **kw) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, y, SR, **kw)
    return buf.getvalue()


_T = np.arange(int(0.25 * SR)) / SR
_Y = (0.3 * np.sin(2 * np.pi * 220 * _T) * np.hanning(len(_T))).astype(np.float32)
BASES = {
    "pcm16.wav": _bytes(_Y, format="WAV", subtype="PCM_16"),
    "float.wav": _bytes(_Y, format="WAV", subtype="FLOAT"),
    "double.wav": _bytes(_Y.astype(np.float64), format="WAV", subtype="DOUBLE"),
    "u8.wav": _bytes(_Y, format="WAV", subtype="PCM_U8"),
    "stereo24.wav": _bytes(np.stack([_Y, -_Y], 1), format="WAV", subtype="PCM_24"),
    "flac.wav": _bytes(_Y, format="FLAC"),
    "aiff.wav": _bytes(_Y, format="AIFF"),
}
MAGIC = [b"", b"RIFF", b"RIFF\x24\x00\x00\x00WAVEfmt ", b"fLaC", b"FORM", b"OggS", b"<!DOCTYPE html>",
         b"version https://git-lfs.github.com/spec/v1\n"]


def _check_loaded(path: Path, sr):
    """audio.load: finite mono float32, or an AudioError naming the file."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # truncation warnings are allowed (and tested elsewhere)
        warnings.simplefilter("error", RuntimeWarning)  # but no numpy overflow on the way
        try:
            y, sr_out = audio.load(path, sr=sr)
        except AudioError as exc:
            assert path.name in str(exc), str(exc)
            event("loader: AudioError naming the file")
            return None, None
    event("loader: finite audio")
    assert isinstance(y, np.ndarray) and y.dtype == np.float32 and y.ndim == 1 and y.size > 0
    assert np.isfinite(y).all() and np.abs(y).max() <= audio.MAX_ABS_SAMPLE * 1.01 + 1
    assert sr_out == (sr if sr is not None else sr_out) and sr_out > 0
    return y, sr_out


def _check_vector(y, sr):
    """features.paper_vector: finite, 22 T values; or the package's own error."""
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="n_fft=.* is too large")  # librosa, on short clips
            v = features.paper_vector(y, sr)
    except SERError as exc:
        assert "not finite" in str(exc) or "must" in str(exc), str(exc)
        event(f"paper_vector: {type(exc).__name__}")
        return
    event("paper_vector: finite vector")
    assert v.dtype == np.float32 and v.ndim == 1 and v.size % 22 == 0 and v.size > 0
    assert np.isfinite(v).all()


# ================================================================ bytes into the loader and the features
@settings(max_examples=_n(1))
@given(head=st.sampled_from(MAGIC), body=st.binary(max_size=3000))
def test_random_bytes_into_the_loader(head, body):
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "random ünïcode.wav"
        p.write_bytes(head + body)
        _check_loaded(p, None)


@st.composite
def mutated(draw):
    name = draw(st.sampled_from(sorted(BASES)))
    b = bytearray(BASES[name])
    for _ in range(draw(st.integers(0, 4))):  # byte flips, biased towards the header
        pos = draw(st.one_of(st.integers(0, 63), st.integers(0, len(b) - 1)))
        b[pos] = draw(st.integers(0, 255))
    if draw(st.booleans()):  # a float sample set to an extreme value
        pos = draw(st.integers(44, len(b) - 4))
        b[pos:pos + 4] = np.array([draw(st.sampled_from([1e20, 3e38, -1e10, np.nan, np.inf, 1e-30]))],
                                  "<f4").tobytes()
    cut = draw(st.one_of(st.none(), st.integers(0, len(b))))
    if cut is not None:
        b = b[:cut]
    if draw(st.booleans()):
        pos = draw(st.integers(0, len(b)))
        b[pos:pos] = draw(st.binary(max_size=64))
    return name, bytes(b)


@settings(max_examples=_n(2))
@given(case=mutated(), sr=st.sampled_from([None, None, None, 22050]))
def test_mutated_audio_into_the_loader_and_the_feature_pipeline(case, sr):
    name, data = case
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / name
        p.write_bytes(data)
        y, sr_out = _check_loaded(p, sr)
        if y is not None:
            _check_vector(y[: int(0.3 * sr_out)], sr_out)


@settings(max_examples=_n(SLOW * 0.3))
@given(case=mutated())
def test_mutated_audio_into_extract_caches_only_finite_vectors(case):
    name, data = case
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / name
        p.write_bytes(data)
        cache = Path(d) / "cache"
        table = pd.DataFrame({"path": [str(p)]})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                X, meta = features.extract(table, versions=("original", "noise"), n_jobs=1, cache_dir=cache,
                                           progress=False, offset=0.0, duration=0.3)
            except features.FeatureError as exc:
                assert name in str(exc), str(exc)
                event("extract: FeatureError naming the file")
                X = None
        if X is not None:
            event("extract: finite features")
            assert X.shape[0] == 2 and X.shape[1] % 22 == 0 and np.isfinite(X).all()
        for f in cache.rglob("*.npy"):
            assert np.isfinite(np.load(f)).all()


# ================================================================ folder trees into the scanner
_NAMES = {
    "emodb": st.builds("{}{}{}{}".format, st.sampled_from(["03", "08", "16", "99", "00"]),
                       st.sampled_from(["a01", "b10", "a03", "c99"]), st.sampled_from(list("WLEAFTNQ")),
                       st.sampled_from("ab")),
    "ravdess": st.builds("{}-01-{}-{}-{}-{}-{}".format, st.sampled_from(["03", "03", "01"]),
                         st.sampled_from(["01", "05", "08", "09"]), st.sampled_from(["01", "02", "03"]),
                         st.sampled_from(["01", "02", "03"]), st.sampled_from(["01", "02"]),
                         st.sampled_from(["01", "07", "24", "25"])),
    "emovo": st.builds("{}-{}-{}".format, st.sampled_from(["dis", "gio", "xxx"]), st.sampled_from(["f1", "m2", "m4"]),
                       st.sampled_from(["b1", "n5", "z9"])),
    "savee": st.builds("{}{}".format, st.sampled_from(["", "DC_", "JE_", "XX_"]),
                       st.sampled_from(["a01", "n30", "sa15", "a16", "su00"])),
}
_DIRS = ["", "wav", "wav/sub", "Actor_01", "Actor_07", "f1", "m2", "DC", "ALL", ".hidden", "__MACOSX",
         "données é", "wav/.trash"]


@st.composite
def tree(draw):
    corpus = draw(st.sampled_from(sorted(_NAMES)))
    entries = draw(st.lists(st.tuples(
        st.sampled_from(_DIRS),
        st.sampled_from(["", "", "", ".", "._"]),
        st.one_of(_NAMES[corpus], st.text(alphabet="abé_-.09 XY", min_size=1, max_size=10)),
        st.sampled_from([".wav", ".WAV", ".flac", ".txt", ".wav.bak"]),
        st.sampled_from(["file", "file", "file", "file", "dangling", "loop", "dir"])), max_size=12))
    return corpus, entries


@settings(max_examples=_n(2))
@given(case=tree())
def test_random_folder_trees_into_the_scanner(case):
    corpus, entries = case
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        folder = root / corpus
        folder.mkdir()
        made: dict[str, str] = {}  # normalised path -> 'hidden' | 'not_file' | 'file'
        for sub, prefix, stem, ext, kind in entries:
            rel = Path(sub) / f"{prefix}{stem}{ext}"
            p = folder / rel
            if os.path.lexists(p) or any(os.path.lexists(q) and not q.is_dir() for q in p.parents):
                continue
            p.parent.mkdir(parents=True, exist_ok=True)
            if kind == "file":
                p.write_bytes(b"RIFF")
            elif kind == "dangling":
                os.symlink(root / "nowhere.wav", p)
            elif kind == "loop":
                os.symlink(p, p)
            else:
                p.mkdir()
                continue
            if not p.name.lower().endswith((".wav", ".flac")):
                continue
            hidden = any(part.startswith(".") or part == "__MACOSX" for part in rel.parts)
            made[os.path.normpath(p)] = "hidden" if hidden else ("file" if kind == "file" else "not_file")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                df = corpora.scan(corpus, root)
            except errors.CorpusNotFoundError as exc:
                assert "file" not in made.values(), f"{made}: {exc}"
                event("scan: CorpusNotFoundError (no visible audio file)")
                return
        event(f"scan: {len(df)} rows, {len(df.attrs['unparsed'])} unparsed, {len(df.attrs['rejected'])} rejected"
              if len(made) < 3 else "scan: a table")
        a = df.attrs
        seen = [*df["path"], *a["unparsed"], *a["duplicates"], *a["not_files"], *a["hidden"]]
        norm = sorted(os.path.normpath(p) for p in seen)
        assert norm == sorted(made), (norm, made)  # every audio name accounted for exactly once
        assert {os.path.normpath(p) for p in a["hidden"]} == {p for p, k in made.items() if k == "hidden"}
        assert {os.path.normpath(p) for p in a["not_files"]} == {p for p, k in made.items() if k == "not_file"}
        assert set(a["rejected"]) <= set(a["unparsed"])
        assert df["recording_id"].is_unique and df[["speaker", "emotion", "text"]].notna().all().all()
        for p in df["path"]:
            assert corpora.parse_path(corpus, Path(p).relative_to(folder)) is not None


# ================================================================ values into parameters
ANY = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12),
                st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=6),
                st.just([1.0]), st.builds(np.float32, st.floats(-1e6, 1e6, width=32)),
                st.builds(np.int64, st.integers(-10**6, 10**6)))


#: values a caller would plausibly pass, mixed with ANY so that the success path is exercised too
PLAUSIBLE = {"sr": st.sampled_from([None, 8000, 16000, 22050, 44100]), "offset": st.floats(0, 0.3),
             "duration": st.floats(0.01, 1.0), "n_steps": st.floats(-24, 24), "snr_db": st.floats(-120, 300),
             "factor": st.floats(0, 100), "val_frac": st.floats(0.01, 0.99)}


def _value(name):
    return st.one_of(ANY, PLAUSIBLE[name])


def _named(exc: Exception, name: str) -> None:
    assert isinstance(exc, SERError), f"{type(exc).__name__}: {exc}"
    assert name in str(exc), str(exc)
    event(f"{type(exc).__name__} naming {name}")


@pytest.fixture(scope="module")
def wav(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("props") / "tone.wav"
    sf.write(p, _Y, SR)
    return p


@settings(max_examples=_n(1))
@given(arg_value=st.sampled_from(["sr", "offset", "duration"]).flatmap(lambda a: st.tuples(st.just(a), _value(a))))
def test_random_loader_parameters(wav, arg_value):
    arg, value = arg_value
    try:
        y, sr_out = audio.load(wav, **{arg: value})
    except AudioError as exc:
        _named(exc, arg if "must be" in str(exc) else wav.name)
        return
    event(f"load({arg}=...): finite audio")
    assert y.ndim == 1 and y.size > 0 and np.isfinite(y).all() and y.dtype == np.float32


@settings(max_examples=_n(1))
@given(fn_value=st.sampled_from(["pitch_shift", "add_noise_snr", "add_noise_paper", "check_sr"]).flatmap(
    lambda f: st.tuples(st.just(f), _value({"pitch_shift": "n_steps", "add_noise_snr": "snr_db",
                                            "add_noise_paper": "factor", "check_sr": "sr"}[f]))))
def test_random_augmentation_parameters(fn_value):
    fn, value = fn_value
    y = _Y[:2048].copy()
    rng = np.random.default_rng(0)
    call, name = {
        "pitch_shift": (lambda: augment.pitch_shift(y, SR, value), "n_steps"),
        "add_noise_snr": (lambda: augment.add_noise_snr(y, value, rng), "snr_db"),
        "add_noise_paper": (lambda: augment.add_noise_paper(y, rng, factor=value), "factor"),
        "check_sr": (lambda: augment.pitch_shift(y, value, 1.0), "sr"),
    }[fn]
    try:
        out = call()
    except SERError as exc:
        _named(exc, name)
        return
    event(f"{fn}: finite output")
    assert out.shape == y.shape and out.dtype == y.dtype and np.isfinite(out).all()


@settings(max_examples=_n(1))
@given(value=_value("val_frac"))
def test_random_val_frac(value):
    meta = pd.DataFrame({"recording_id": [f"r{i}" for i in range(12)], "speaker": list("aabbccddeeff"),
                         "emotion": ["x", "y"] * 6, "version": ["original"] * 12})
    try:
        folds = protocols.speaker(meta, "emodb", val_frac=value)
    except SERError as exc:
        _named(exc, "val_frac")
        return
    event("speaker: folds")
    assert len(folds) == 6 and all(len(f.test_idx) == 2 for f in folds)


@settings(max_examples=_n(2))
@given(value=ANY, low=st.one_of(st.none(), st.integers(-5, 5)), span=st.integers(0, 10),
       integer=st.booleans(), allow_inf=st.booleans())
def test_check_number_accepts_exactly_the_numbers_in_range(value, low, span, integer, allow_inf):
    high = None if low is None else low + span
    try:
        x = errors.check_number(value, "arg", low=low, high=high, integer=integer, allow_inf=allow_inf)
    except ArgumentError as exc:
        assert str(exc).startswith("arg must be")
        return
    assert not isinstance(value, (bool, str, list)) and value is not None
    assert (low is None or x >= low) and (high is None or x <= high) and not math.isnan(x)
    assert allow_inf or math.isfinite(x)
    assert not integer or isinstance(x, int)


# ================================================================ arrays into the trainer
@st.composite
def training_data(draw):
    good = draw(st.booleans())  # half the examples are valid apart from chance, half anything goes
    n = draw(st.integers(4, 10) if good else st.integers(0, 10))
    frames = draw(st.integers(4, 12) if good else st.integers(1, 12))
    X = np.random.default_rng(draw(st.integers(0, 99))).standard_normal((n, 3, frames)).astype(np.float32)
    if n and not good and draw(st.booleans()):
        X[draw(st.integers(0, n - 1)), 0, 0] = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    labels = st.integers(0, 2) if good else st.integers(-1, 4)
    y = np.array(draw(st.lists(labels, min_size=n, max_size=n)), dtype=np.int64)
    cfg = audit_train.TrainConfig(epochs=draw(st.integers(1, 2) if good else st.integers(0, 2)),
                                  batch_size=draw(st.integers(2, 6) if good else st.integers(0, 6)),
                                  time_mask=draw(st.integers(0, 3)), time_shift=draw(st.integers(0, 3)))
    return X, y, cfg


@settings(max_examples=_n(SLOW))
@given(data=training_data())
def test_random_arrays_into_the_trainer(data):
    X, y, cfg = data
    torch.manual_seed(0)
    model = EfficientSER(3, in_channels=3, widths=(4, 4, 4, 4))
    try:
        res = audit_train.train(model, X, y, config=cfg)
    except TrainingDataError as exc:
        assert any(k in str(exc) for k in ("X_train", "y_train", "TrainConfig.", "labels")), str(exc)
        event("train: TrainingDataError")
        return
    event("train: trained")
    assert 1 <= len(res.history) <= cfg.epochs
    assert all(np.isfinite(h["loss"]) for h in res.history)
    assert all(torch.isfinite(p).all() for p in model.parameters())
