"""ser_lib.audio: equality with librosa.load, format detection from content, validation."""
from __future__ import annotations

import shutil

import librosa
import numpy as np
import pytest
import soundfile as sf

from ser_lib import audio
from ser_lib.audio import AudioError


def _tone(sr, seconds, channels=1, f0=220.0):
    t = np.arange(int(sr * seconds)) / sr
    y = 0.3 * np.sin(2 * np.pi * f0 * t) + 0.05 * np.sin(2 * np.pi * 3.1 * f0 * t)
    if channels == 1:
        return y.astype(np.float32)
    return np.stack([y * (1 + 0.3 * c) for c in range(channels)], axis=1).astype(np.float32)


def _close(a, b):
    assert a.shape == b.shape
    assert np.max(np.abs(a - b)) <= 1e-5


@pytest.mark.parametrize("kwargs", [dict(), dict(sr=16000), dict(offset=0.6, duration=2.5),
                                    dict(sr=None, offset=0.3)])
def test_stereo_48k_wav_equals_librosa(tmp_path, kwargs):
    p = tmp_path / "stereo.wav"
    sf.write(p, _tone(48000, 3.5, channels=2), 48000, subtype="PCM_16")
    y, sr = audio.load(p, **kwargs)
    ref, ref_sr = librosa.load(p, **kwargs)
    assert sr == ref_sr and y.dtype == np.float32 and y.ndim == 1
    _close(y, ref)


def test_format_from_content_not_extension(tmp_path):
    # AIFF and FLAC bytes behind a .wav name
    aiff = tmp_path / "really_aiff.wav"
    sf.write(aiff, _tone(44100, 1.0), 44100, format="AIFF", subtype="PCM_16")
    flac = tmp_path / "really_flac.wav"
    sf.write(flac, _tone(16000, 1.0, channels=2), 16000, format="FLAC", subtype="PCM_16")
    for p in (aiff, flac):
        y, sr = audio.load(p, sr=22050)
        ref, _ = librosa.load(p, sr=22050)
        _close(y, ref)
        assert sr == 22050


@pytest.mark.real
def test_real_flac_equals_librosa(real_root):
    files = [real_root / "emodb/wav/03a01Fa.flac", real_root / "savee/ALL/DC_a01.flac",
             real_root / "ravdess/Actor_01/03-01-05-01-02-01-01.flac"]
    files = [f for f in files if f.exists()]
    if not files:
        pytest.skip("none of the sample real files present")
    for f in files:
        for kw in (dict(), dict(offset=0.6, duration=2.5), dict(sr=16000)):
            y, sr = audio.load(f, **kw)
            ref, ref_sr = librosa.load(f, **kw)
            assert sr == ref_sr
            _close(y, ref)


@pytest.mark.real
def test_real_tess_quirks_load(real_root):
    """TESS's originals: two AIFF files behind a .wav name and one 96 kHz header (skipped without TESS)."""
    from ser_lib import corpora

    folder = corpora.locate("tess", real_root)
    if folder is None:
        pytest.skip("tess absent")
    quirks = {"YAF_angry/YAF_germ_angry.wav": ("AIFF", 24414), "YAF_fear/YAF_neat_fear.wav": ("AIFF", 24414),
              "OAF_Fear/OAF_food_fear.wav": ("WAV", 96000)}
    for rel, (fmt, rate) in quirks.items():
        f = folder / rel
        assert (sf.info(f).format, sf.info(f).samplerate) == (fmt, rate)
        y, sr = audio.load(f)
        ref, ref_sr = librosa.load(f)
        assert sr == ref_sr == 22050
        _close(y, ref)


def test_load_clip_pads_and_reports(tmp_path):
    p = tmp_path / "short.wav"
    sf.write(p, _tone(16000, 1.5), 16000)
    clip = audio.load_clip(p, sr=22050, offset=0.6, duration=2.5)
    assert clip.y.shape == (round(2.5 * 22050),) and clip.y.dtype == np.float32
    assert clip.padded and clip.sr == 22050
    ref, _ = librosa.load(p, sr=22050, offset=0.6, duration=2.5)
    assert clip.n_valid == len(ref)
    _close(clip.y[:clip.n_valid], ref)
    assert np.all(clip.y[clip.n_valid:] == 0)
    long = tmp_path / "long.wav"
    sf.write(long, _tone(16000, 4.0), 16000)
    c2 = audio.load_clip(long, sr=16000, offset=0.6, duration=2.5)
    assert not c2.padded and c2.n_valid == 40000 == len(c2.y)


def test_missing_and_unreadable(tmp_path):
    with pytest.raises(AudioError, match="nope.wav.*no such file"):
        audio.load(tmp_path / "nope.wav")
    bad = tmp_path / "lfs_pointer.wav"
    bad.write_text("version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 123\n")
    with pytest.raises(AudioError, match="lfs_pointer.wav.*not a readable audio file"):
        audio.load(bad)
    with pytest.raises(AudioError, match="not a file"):
        audio.load(tmp_path)
    # a truncated file: header only
    good = tmp_path / "g.wav"
    sf.write(good, _tone(16000, 1.0), 16000)
    trunc = tmp_path / "trunc.wav"
    trunc.write_bytes(good.read_bytes()[:30])
    with pytest.raises(AudioError, match="trunc.wav"):
        audio.load(trunc)


def test_empty_silent_nonfinite(tmp_path):
    empty = tmp_path / "empty.wav"
    sf.write(empty, np.zeros(0, dtype=np.float32), 16000)
    with pytest.raises(AudioError, match="empty.wav.*zero audio samples"):
        audio.load(empty)
    silent = tmp_path / "silent.wav"
    sf.write(silent, np.zeros(16000, dtype=np.float32), 16000)
    with pytest.raises(AudioError, match="silent.wav.*silent"):
        audio.load(silent)
    nan = tmp_path / "nan.wav"
    y = _tone(16000, 1.0)
    y[100] = np.nan
    sf.write(nan, y, 16000, subtype="FLOAT")
    with pytest.raises(AudioError, match="nan.wav.*non-finite"):
        audio.load(nan)
    ok = tmp_path / "ok.wav"
    sf.write(ok, _tone(16000, 1.0), 16000)
    with pytest.raises(AudioError, match="ok.wav.*beyond the end"):
        audio.load(ok, offset=2.0)
    # silence only inside the selected window
    y = _tone(16000, 2.0)
    y[16000:] = 0
    part = tmp_path / "part.wav"
    sf.write(part, y, 16000)
    audio.load(part)  # fine as a whole
    with pytest.raises(AudioError, match="silent"):
        audio.load(part, offset=1.1)


@pytest.mark.parametrize("kwargs", [dict(sr=0), dict(sr=-8000), dict(offset=-1.0), dict(duration=-2.5),
                                    dict(duration=0), dict(sr=float("nan"))])
def test_bad_arguments(tmp_path, kwargs):
    ok = tmp_path / "ok.wav"
    sf.write(ok, _tone(16000, 1.0), 16000)
    with pytest.raises(AudioError):
        audio.load(ok, **kwargs)


def test_audio_error_is_value_error():
    assert issubclass(AudioError, ValueError)
