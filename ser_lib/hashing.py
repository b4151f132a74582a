"""File hashing, in one place: cache keys, download verification and results checksums."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

__all__ = ["sha256_file", "sha256_audio", "duplicate_groups"]

_MEMO: dict[tuple[str, int, int], str] = {}


def sha256_file(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MiB chunks.

    Memoised per process on (resolved path, size, mtime), so hashing the same corpus file for
    several caches costs one read; a file changed on disk is hashed again.

    >>> import tempfile; f = tempfile.NamedTemporaryFile(delete=False); _ = f.write(b"abc"); f.close()
    >>> sha256_file(f.name)[:16]
    'ba7816bf8f01cfea'
    """
    p = Path(path)
    st = p.stat()
    key = (str(p.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _MEMO:
        h = hashlib.sha256()
        with open(p, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        _MEMO[key] = h.hexdigest()
    return _MEMO[key]


def sha256_audio(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file's decoded samples (float32, with the sample rate and channel count).

    Two files holding the same audio in different containers or encodings (a WAV and its FLAC
    transcode) get the same hash; two byte-identical recordings, of course, too.
    """
    import numpy as np
    import soundfile as sf

    y, sr = sf.read(str(path), dtype="float32", always_2d=True)
    h = hashlib.sha256(f"{sr}:{y.shape[1]}:".encode())
    h.update(np.ascontiguousarray(y).tobytes())
    return h.hexdigest()


def duplicate_groups(paths, *, progress: bool = False) -> list[list[str]]:
    """Groups of files whose decoded audio is identical (:func:`sha256_audio`), largest first.

    ``paths``: iterable of audio files. Returns a list of lists of paths (as given, as strings),
    each with at least two members; empty when every file is unique.
    """
    from collections import defaultdict

    from tqdm.auto import tqdm

    groups: dict[str, list[str]] = defaultdict(list)
    for p in tqdm(list(paths), desc="hashing audio", unit="file", disable=not progress):
        groups[sha256_audio(p)].append(str(p))
    return sorted((g for g in groups.values() if len(g) > 1), key=len, reverse=True)
