"""ser_lib.augment: the released code's noise, pitch shift, SNR-controlled noise, versions."""
from __future__ import annotations

import librosa
import numpy as np
import pytest

from ser_lib import augment as A
from ser_lib import paper

SR = 22050


def _tone(n=SR, f=220.0, amp=0.3, dtype=np.float32):
    t = np.arange(n) / SR
    return (amp * np.sin(2 * np.pi * f * t) + 0.05 * np.sin(2 * np.pi * 3 * f * t)).astype(dtype)


@pytest.mark.parametrize("snr", [-5.0, 0.0, 5.0, 10.0, 20.0, 30.0, 47.5])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_snr_is_exact(snr, dtype):
    y = _tone(dtype=dtype)
    noisy = A.add_noise_snr(y, snr, np.random.default_rng(3))
    assert noisy.dtype == dtype and noisy.shape == y.shape
    assert abs(A.snr_db(y, noisy) - snr) < 0.01


def test_snr_inf_is_identity_and_silence_raises():
    y = _tone()
    out = A.add_noise_snr(y, np.inf, np.random.default_rng(0))
    assert np.array_equal(out, y) and out is not y
    with pytest.raises(ValueError, match="silent"):
        A.add_noise_snr(np.zeros(100, np.float32), 10.0, np.random.default_rng(0))
    with pytest.raises(ValueError):
        A.add_noise_snr(y, np.nan, np.random.default_rng(0))


def test_paper_noise_follows_released_formula():
    y = _tone()
    noisy, a = A.add_noise_paper(y, np.random.default_rng(7), return_amplitude=True)
    # the same two draws, in the released code's order
    rng = np.random.default_rng(7)
    u = rng.uniform()
    expected_a = 0.035 * u * np.amax(y)
    assert a == pytest.approx(expected_a)
    np.testing.assert_allclose(noisy, (y + expected_a * rng.normal(size=y.size)).astype(np.float32), atol=1e-7)
    # the residual is Gaussian with std a
    assert np.std(noisy.astype(np.float64) - y) == pytest.approx(a, rel=0.05)


def test_paper_noise_reference_max_vs_absmax():
    y = -np.abs(_tone())  # entirely non-positive: amax is ~0, absmax is the peak
    y[0] = -0.0
    same_max = A.add_noise_paper(y, np.random.default_rng(1), reference="max")
    assert np.allclose(same_max, y)  # released behaviour: (almost) no noise at all
    absmax = A.add_noise_paper(y, np.random.default_rng(1), reference="absmax")
    assert np.abs(absmax - y).max() > 1e-3
    with pytest.raises(ValueError, match="reference"):
        A.add_noise_paper(y, np.random.default_rng(1), reference="rms")


def test_reproducible_with_seed_and_different_across_seeds():
    y = _tone()
    a = A.paper_versions(y, SR, np.random.default_rng(5), versions=("original", "noise"))
    b = A.paper_versions(y, SR, np.random.default_rng(5), versions=("original", "noise"))
    c = A.paper_versions(y, SR, np.random.default_rng(6), versions=("original", "noise"))
    assert np.array_equal(a["noise"], b["noise"])
    assert not np.array_equal(a["noise"], c["noise"])
    assert np.array_equal(a["original"], y)


def test_version_rng_depends_only_on_its_keys():
    x1 = A.version_rng(0, "emodb/03a01Fa", "noise").uniform()
    x2 = A.version_rng(0, "emodb/03a01Fa", "noise").uniform()
    assert x1 == x2
    assert x1 != A.version_rng(1, "emodb/03a01Fa", "noise").uniform()
    assert x1 != A.version_rng(0, "emodb/03a01Fa", "pitch_noise").uniform()
    assert x1 != A.version_rng(0, "emodb/03a01Fb", "noise").uniform()


def test_pitch_shift_moves_the_fundamental_up_two_semitones():
    y = np.sin(2 * np.pi * 220.0 * np.arange(SR) / SR).astype(np.float32) * 0.5
    up = A.pitch_shift(y, SR, 2.0)
    assert up.shape == y.shape and up.dtype == y.dtype
    spec = np.abs(np.fft.rfft(up[4096:-4096] * np.hanning(up.size - 8192)))
    f_peak = np.argmax(spec) * SR / (up.size - 8192)
    assert f_peak == pytest.approx(220.0 * 2 ** (2 / 12), rel=0.01)
    assert np.array_equal(A.pitch_shift(y, SR, 0), y)


def test_paper_versions_shapes_and_mapping_rngs():
    y = _tone(n=SR // 2)
    rngs = {v: A.version_rng(0, "r", v) for v in paper.VERSIONS}
    out = A.paper_versions(y, SR, rngs)
    assert list(out) == list(paper.VERSIONS)
    assert all(v.shape == y.shape and v.dtype == y.dtype for v in out.values())
    assert not np.allclose(out["pitch"], y)
    assert not np.array_equal(out["pitch_noise"], out["pitch"])
    with pytest.raises(ValueError, match="unknown"):
        A.paper_versions(y, SR, np.random.default_rng(0), versions=("speed",))


def test_mfcc_distance():
    y = _tone()
    assert A.mfcc_distance(y, y) == 0.0
    d = [A.mfcc_distance(y, A.add_noise_snr(y, snr, np.random.default_rng(0))) for snr in (40, 20, 0)]
    assert 0 < d[0] < d[1] < d[2]  # more noise, further away
    assert A.mfcc_distance(y, y, skip_c0=True) == 0.0
    # truncate compares the common frames (they differ only near the cut); pad compares with zeros
    assert A.mfcc_distance(y, y[: SR // 2]) < A.mfcc_distance(y, y[: SR // 2], align="pad")
    with pytest.raises(ValueError, match="align"):
        A.mfcc_distance(y, y, align="dtw")
    m = librosa.feature.mfcc(y=y, sr=SR)
    assert A.mfcc_matrix_distance(m, m + 3.0) == pytest.approx(3.0 * np.sqrt(20))
    assert A.mfcc_matrix_distance(m, m + 3.0, skip_c0=True) == pytest.approx(3.0 * np.sqrt(19))
    with pytest.raises(ValueError):
        A.mfcc_matrix_distance(m, m[:13])


@pytest.mark.parametrize("bad, exc", [
    (np.array([], dtype=np.float32), ValueError),
    (np.array([0.1, np.nan], dtype=np.float32), ValueError),
    (np.array([0.1, np.inf], dtype=np.float64), ValueError),
    (np.array([1, 2, 3], dtype=np.int16), TypeError),
    (np.zeros((2, 100), dtype=np.float32), ValueError),
    ([0.1, 0.2], TypeError),
])
def test_bad_signals_raise(bad, exc):
    rng = np.random.default_rng(0)
    with pytest.raises(exc):
        A.add_noise_paper(bad, rng)
    with pytest.raises(exc):
        A.add_noise_snr(bad, 10, rng)
    with pytest.raises(exc):
        A.pitch_shift(bad, SR, 1.0)


def test_bad_sr_rng_and_lengths_raise():
    y = _tone(n=4096)
    for sr in (0, -22050, float("nan")):
        with pytest.raises(ValueError, match="sr"):
            A.pitch_shift(y, sr, 1.0)
    with pytest.raises(TypeError, match="Generator"):
        A.add_noise_paper(y, 0)
    with pytest.raises(ValueError, match="same length"):
        A.snr_db(y, y[:-1])
    with pytest.raises(ValueError):
        A.pitch_shift(y, SR, float("inf"))
