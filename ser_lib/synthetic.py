"""A small SYNTHETIC "emotional speech" corpus, so that every chapter runs without real data.

This is NOT speech and NOT emotion. It is a toy source-filter voice: a glottal pulse train whose
pitch follows a contour (declination, accents on some syllables, jitter and shimmer), shaped by
formant resonators that glide through a fixed vowel sequence per "sentence" (scaled per speaker
to mimic vocal-tract length), with noise bursts standing in for consonants and a per-syllable
loudness envelope. Each "emotion" is a set of prosodic knobs (pitch level and range, syllable
rate, loudness, spectral tilt, breathiness, jitter), loosely following the acoustic correlates
reported for acted emotions (anger: loud, fast, bright, high pitch; sadness: soft, slow, dark,
low and flat; ...). A classifier that separates these classes has learned those knobs, nothing
more: results on this corpus say that the code runs, not how well a model recognises emotion.

Layout: EMO-DB naming, ``<cache>/synthetic/wav/<speaker><text><emotion>a.wav`` (16 kHz, PCM16,
mono, 3.3-4.3 s, so the paper's 2.5 s window at 0.6 s always fits), e.g. ``03a01Wa.wav``.
Speakers 03 m, 08 f, 09 f, 10 m, 11 m, 13 f (EMO-DB ids and genders); texts a01 a02 a04 b01 b02;
emotions W (anger), L (boredom), E (disgust), A (fear), F (happiness), T (sadness), N (neutral).
6 x 5 x 7 = 210 files. ``manifest.json`` records the generator version, its parameters and a
SHA-256 per file; a changed generator (or a damaged corpus) is regenerated.

Everything is deterministic: the random generator of each file is seeded from its name, so two
generations give byte-identical files.

Example
-------
>>> from ser_lib import synthetic, corpora                 # doctest: +SKIP
>>> root = synthetic.ensure_corpus()                      # <cache>/synthetic
>>> table = corpora.scan("synthetic", root=root.parent)   # doctest: +SKIP
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import zlib
from pathlib import Path

import numpy as np

__all__ = ["GENERATOR_VERSION", "SR", "SPEAKERS", "TEXTS", "EMOTIONS", "PROSODY",
           "ensure_corpus", "synthesize", "corpus_dir", "is_current"]

GENERATOR_VERSION = "1.1"
SR = 16000

#: speaker id -> (gender, base F0 in Hz, vocal-tract scale: formants are multiplied by it)
SPEAKERS: dict[str, tuple[str, float, float]] = {
    "03": ("m", 112.0, 1.00),
    "08": ("f", 205.0, 1.16),
    "09": ("f", 228.0, 1.20),
    "10": ("m", 125.0, 0.96),
    "11": ("m", 104.0, 1.04),
    "13": ("f", 196.0, 1.13),
}

#: text id -> vowel sequence (one vowel per syllable) and consonant kinds between syllables
TEXTS: dict[str, str] = {
    "a01": "aeiouaeo",
    "a02": "oaeiaua",
    "a04": "eiaoeuai",
    "b01": "uoaeiaoe",
    "b02": "iaeoaiu",
}

#: EMO-DB emotion letter -> prosody knobs
#: f0: pitch level (x speaker base); range: accent size (semitones); rate: syllables per second;
#: gain: loudness (dB re neutral); tilt: glottal low-pass pole (higher = darker voice);
#: breath: aspiration noise relative to voicing; jitter/shimmer: period/amplitude irregularity;
#: tremor: slow F0 modulation depth (semitones); decl: declination over the sentence (semitones)
PROSODY: dict[str, dict[str, float]] = {
    "N": dict(f0=1.00, range=2.0, rate=4.4, gain=0.0, tilt=0.93, breath=0.04, jitter=0.006, shimmer=0.04, tremor=0.0, decl=3.0),
    "W": dict(f0=1.32, range=5.0, rate=5.4, gain=7.0, tilt=0.80, breath=0.02, jitter=0.010, shimmer=0.06, tremor=0.0, decl=2.0),
    "F": dict(f0=1.38, range=8.0, rate=5.0, gain=3.5, tilt=0.88, breath=0.05, jitter=0.006, shimmer=0.04, tremor=0.0, decl=1.0),
    "T": dict(f0=0.88, range=1.0, rate=3.1, gain=-6.0, tilt=0.97, breath=0.18, jitter=0.008, shimmer=0.06, tremor=0.0, decl=4.0),
    "A": dict(f0=1.55, range=3.0, rate=6.2, gain=-1.0, tilt=0.90, breath=0.12, jitter=0.020, shimmer=0.08, tremor=1.2, decl=0.0),
    "L": dict(f0=0.86, range=0.5, rate=3.6, gain=-3.0, tilt=0.955, breath=0.07, jitter=0.005, shimmer=0.03, tremor=0.0, decl=5.0),
    "E": dict(f0=0.95, range=3.5, rate=3.8, gain=1.0, tilt=0.92, breath=0.10, jitter=0.020, shimmer=0.12, tremor=0.0, decl=2.0),
}
EMOTIONS = tuple(PROSODY)

# formant targets (F1, F2, F3, F4) in Hz for an adult male and bandwidths
_VOWELS = {"a": (730, 1090, 2440, 3400), "e": (530, 1840, 2480, 3500), "i": (270, 2290, 3010, 3700),
           "o": (570, 840, 2410, 3300), "u": (300, 870, 2240, 3300)}
_BANDWIDTHS = (80.0, 100.0, 140.0, 200.0)
_BLOCK = 80  # samples per block of piecewise-constant formants (5 ms at 16 kHz)
_MIN_DURATION = 3.3  # seconds; the paper reads 0.6 s + 2.5 s


def _params() -> dict:
    return {"sr": SR, "speakers": SPEAKERS, "texts": TEXTS, "prosody": PROSODY, "vowels": _VOWELS,
            "bandwidths": _BANDWIDTHS, "block": _BLOCK, "min_duration": _MIN_DURATION}


def _rng(*keys: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32("/".join(keys).encode()))


def _resonator_sos(freq: float, bw: float, sr: int) -> np.ndarray:
    """Second-order resonator (unit gain at DC) as one SOS row."""
    r = np.exp(-np.pi * bw / sr)
    theta = 2 * np.pi * freq / sr
    a1, a2 = -2 * r * np.cos(theta), r * r
    g = 1 + a1 + a2
    return np.array([g, 0.0, 0.0, 1.0, a1, a2])


def synthesize(speaker: str, text: str, emotion: str, *, sr: int = SR) -> np.ndarray:
    """One synthetic utterance (float32 in [-1, 1], shape ``(n,)``, ``n >= 3.3 * sr``).

    Parameters
    ----------
    speaker : key of :data:`SPEAKERS` (e.g. ``"03"``)
    text : key of :data:`TEXTS` (e.g. ``"a01"``)
    emotion : EMO-DB letter, key of :data:`PROSODY` (e.g. ``"W"``)
    sr : sampling rate in Hz (default 16000)

    Deterministic: the same arguments always give the same samples.
    """
    from scipy.signal import lfilter, sosfilt

    if speaker not in SPEAKERS:
        raise ValueError(f"unknown synthetic speaker {speaker!r}; choose from {sorted(SPEAKERS)}")
    if text not in TEXTS:
        raise ValueError(f"unknown synthetic text {text!r}; choose from {sorted(TEXTS)}")
    if emotion not in PROSODY:
        raise ValueError(f"unknown synthetic emotion {emotion!r}; choose from {sorted(PROSODY)}")
    gender, base_f0, vt = SPEAKERS[speaker]
    p = PROSODY[emotion]
    rng = _rng(speaker, text, emotion)
    trng = _rng(text)  # sentence structure shared across speakers and emotions
    vowels = TEXTS[text]
    n_syl = len(vowels)
    # per-utterance variation, so the classes overlap a little
    rate = p["rate"] * rng.uniform(0.88, 1.12)
    f0_level = base_f0 * p["f0"] * 2 ** (rng.normal(0, 0.6) / 12)
    rng_st = p["range"] * rng.uniform(0.7, 1.3)
    gain_db = p["gain"] + rng.normal(0, 1.5)
    # syllable timing: each syllable = consonant (fraction of the slot) + vowel nucleus
    slot = 1.0 / rate
    slot_lens = slot * trng.uniform(0.75, 1.25, n_syl) * rng.uniform(0.9, 1.1, n_syl)
    lead = rng.uniform(0.15, 0.3)
    speech = float(slot_lens.sum())
    total = max(_MIN_DURATION, lead + speech + 0.3) + rng.uniform(0, 0.2)
    n = int(round(total * sr))
    t = np.arange(n) / sr
    starts = lead + np.concatenate([[0.0], np.cumsum(slot_lens)[:-1]])
    cons_frac = trng.uniform(0.2, 0.35, n_syl)
    accented = trng.random(n_syl) < 0.35
    accented[trng.integers(0, n_syl)] = True

    # --- F0 contour (semitones re f0_level) ---
    st = p["decl"] * (0.5 - np.clip((t - lead) / max(speech, 1e-3), 0, 1))
    for s0, L, acc in zip(starts, slot_lens, accented):
        centre = s0 + L * 0.6
        size = rng_st * (1.0 if acc else 0.25)
        st += size * np.exp(-0.5 * ((t - centre) / (0.3 * L)) ** 2)
    if p["tremor"]:
        st += p["tremor"] * np.sin(2 * np.pi * rng.uniform(5, 7) * t)
    slow = np.interp(t, np.linspace(0, total, 40), rng.normal(0, 0.3, 40))
    f0 = f0_level * 2 ** ((st + slow) / 12)
    # --- glottal source: impulses at period boundaries with jitter and shimmer ---
    phase = np.cumsum(f0 / sr)
    pulse_idx = np.flatnonzero(np.diff(np.floor(phase)) > 0) + 1
    jit = rng.normal(0, p["jitter"] * sr / np.maximum(f0[pulse_idx], 50.0))
    pulse_idx = np.clip(np.round(pulse_idx + jit).astype(int), 0, n - 1)
    src = np.zeros(n)
    np.add.at(src, pulse_idx, 1.0 + p["shimmer"] * rng.normal(0, 1, len(pulse_idx)))
    a = p["tilt"]
    src = lfilter([1.0 - a], [1.0, -a], lfilter([1.0 - a], [1.0, -a], src))  # glottal spectral tilt
    src = np.diff(src, prepend=0.0)  # lip radiation (+6 dB/oct)
    src /= np.sqrt(np.mean(src ** 2)) + 1e-12  # unit RMS: breathiness is relative to voicing

    # --- voicing / amplitude envelopes and consonant noise ---
    voice_env = np.zeros(n)
    noise_env = np.zeros(n)
    for s0, L, cf, acc in zip(starts, slot_lens, cons_frac, accented):
        c_end = s0 + cf * L
        v_len = L * (1 - cf)
        m = (t >= c_end) & (t < s0 + L)
        x = (t[m] - c_end) / v_len
        voice_env[m] = np.sin(np.pi * x) ** 0.6 * (1.3 if acc else 1.0)
        mc = (t >= s0) & (t < c_end)
        xc = (t[mc] - s0) / max(cf * L, 1e-3)
        noise_env[mc] = np.sin(np.pi * xc) * trng.uniform(0.15, 0.4)
    voiced = src * voice_env
    aspiration = rng.normal(0, 1, n) * voice_env * p["breath"]
    # --- formants: piecewise constant per 5 ms block, gliding from vowel to vowel ---
    formant_track = np.zeros((n, 4))
    mids = starts + slot_lens * (cons_frac + 1) / 2
    vt_u = vt * rng.uniform(0.98, 1.02)
    targets = np.array([_VOWELS[v] for v in vowels], dtype=float) * vt_u
    for k in range(4):
        formant_track[:, k] = np.interp(t, mids, targets[:, k])
    excitation = voiced + aspiration
    out = np.zeros(n)
    zi = np.zeros((4, 2))
    b0s = np.arange(0, n, _BLOCK)
    freqs = np.minimum(formant_track[np.minimum(b0s + _BLOCK // 2, n - 1)], 0.45 * sr)  # (blocks, 4)
    r = np.exp(-np.pi * np.asarray(_BANDWIDTHS) * (1 + 0.5 * p["breath"]) / sr)  # (4,)
    a1 = -2 * r * np.cos(2 * np.pi * freqs / sr)
    a2 = np.broadcast_to(r * r, a1.shape)
    sos_all = np.zeros((len(b0s), 4, 6))
    sos_all[..., 0] = 1 + a1 + a2  # unit gain at DC, as _resonator_sos
    sos_all[..., 3] = 1.0
    sos_all[..., 4] = a1
    sos_all[..., 5] = a2
    for b, b0 in enumerate(b0s):
        out[b0:b0 + _BLOCK], zi = sosfilt(sos_all[b], excitation[b0:b0 + _BLOCK], zi=zi)
    # consonants: band-pass noise (fricative-like), brighter/louder with vocal effort
    fric = rng.normal(0, 1, n)
    fric = np.diff(fric, prepend=0.0)  # high-pass tilt
    fric = sosfilt(_resonator_sos(min(4200 * vt, 0.45 * sr), 2500, sr)[None], fric)
    effort = 10 ** (gain_db / 40)
    out = out / (np.std(out[voice_env > 0.1]) + 1e-12) + 0.5 * effort * fric * noise_env
    # loudness: neutral RMS ~0.05, scaled by the emotion's gain; room noise floor at -60 dB
    out = out / (np.sqrt(np.mean(out ** 2)) + 1e-12) * 0.05 * 10 ** (gain_db / 20)
    out += rng.normal(0, 1e-3 * 0.05, n)
    peak = np.max(np.abs(out))
    if peak > 0.95:
        out *= 0.95 / peak
    return out.astype(np.float32)


def corpus_dir(cache: str | os.PathLike | None = None) -> Path:
    """``<cache>/synthetic`` (``cache`` defaults to :func:`ser_lib.config.cache_root`)."""
    from .config import cache_root

    return cache_root(cache) / "synthetic"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def is_current(root: str | os.PathLike) -> bool:
    """True when ``root`` (a ``synthetic`` folder) holds a complete corpus of this generator version."""
    root = Path(root)
    man = root / "manifest.json"
    if not man.is_file():
        return False
    try:
        rec = json.loads(man.read_text())
    except (OSError, ValueError):
        return False
    if rec.get("generator_version") != GENERATOR_VERSION or rec.get("params") != json.loads(json.dumps(_params())):
        return False
    files = rec.get("files", {})
    expected = len(SPEAKERS) * len(TEXTS) * len(EMOTIONS)
    if len(files) != expected:
        return False
    return all((root / "wav" / name).is_file() and (root / "wav" / name).stat().st_size == meta["size"]
               for name, meta in files.items())


def _generate_into(folder: Path) -> dict:
    import soundfile as sf

    wav = folder / "wav"
    wav.mkdir(parents=True)
    files = {}
    for spk in SPEAKERS:
        for text in TEXTS:
            for emo in EMOTIONS:
                name = f"{spk}{text}{emo}a.wav"
                y = synthesize(spk, text, emo)
                sf.write(wav / name, y, SR, subtype="PCM_16")
                files[name] = {"sha256": _sha256(wav / name), "size": (wav / name).stat().st_size}
    rec = {"generator_version": GENERATOR_VERSION, "params": _params(), "files": files,
           "note": "SYNTHETIC source-filter toy voice generated by ser_lib.synthetic; not speech."}
    (folder / "manifest.json").write_text(json.dumps(rec, indent=1, sort_keys=True))
    (folder / "README.txt").write_text(
        "SYNTHETIC corpus generated by ser_lib.synthetic (a source-filter toy voice, not real speech).\n"
        "EMO-DB naming: wav/<speaker><text><emotion><version>.wav. Safe to delete; it is regenerated.\n")
    return rec


def ensure_corpus(cache: str | os.PathLike | None = None, *, force: bool = False) -> Path:
    """Generate the synthetic corpus once and return its folder ``<cache>/synthetic``.

    Idempotent and atomic: files are written to a temporary folder next to the target and moved
    into place with a rename, so a crash never leaves half a corpus; a corpus written by another
    generator version (or damaged) is replaced. About 5 s on one core.

    Parameters
    ----------
    cache : cache root (default :func:`ser_lib.config.cache_root`, i.e. ``$SER_CACHE_DIR`` or
        ``<repo>/.cache``); never the data root
    force : regenerate even if a current corpus is present

    Returns
    -------
    Path of ``<cache>/synthetic`` (audio in ``wav/``); read it with
    ``corpora.scan("synthetic", root=<cache>)``.
    """
    target = corpus_dir(cache)
    if not force and is_current(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".synthetic-tmp-", dir=target.parent))
    try:
        _generate_into(tmp / "synthetic")
        if target.exists():
            if not force and is_current(target):  # another process finished first
                return target
            trash = Path(tempfile.mkdtemp(prefix=".synthetic-old-", dir=target.parent))
            os.replace(target, trash / "synthetic")
            shutil.rmtree(trash, ignore_errors=True)
        try:
            os.replace(tmp / "synthetic", target)
        except OSError:
            if not is_current(target):
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


if __name__ == "__main__":  # pragma: no cover
    import time

    t0 = time.perf_counter()
    print(ensure_corpus(force=True), f"{time.perf_counter() - t0:.1f} s")
