"""ser_lib.hashing: byte and audio-content hashes, duplicate detection by content."""
import numpy as np
import soundfile as sf

from ser_lib import hashing


def test_duplicate_groups_finds_same_audio_across_containers(tmp_path):
    rng = np.random.default_rng(0)
    a = (0.1 * rng.standard_normal(8000)).astype(np.float32)
    b = (0.1 * rng.standard_normal(8000)).astype(np.float32)
    sf.write(tmp_path / "a.wav", a, 16000, subtype="PCM_16")
    sf.write(tmp_path / "a_copy.flac", sf.read(tmp_path / "a.wav", dtype="float32")[0], 16000, subtype="PCM_16")
    sf.write(tmp_path / "b.wav", b, 16000, subtype="PCM_16")
    sf.write(tmp_path / "a_other_rate.wav", sf.read(tmp_path / "a.wav", dtype="float32")[0], 8000, subtype="PCM_16")
    paths = sorted(tmp_path.glob("*"))
    groups = hashing.duplicate_groups(paths)
    assert len(groups) == 1
    assert sorted(p.rsplit("/", 1)[-1] for p in groups[0]) == ["a.wav", "a_copy.flac"]
    assert hashing.sha256_file(tmp_path / "a.wav") != hashing.sha256_file(tmp_path / "a_copy.flac")
    assert hashing.duplicate_groups([tmp_path / "b.wav"]) == []
