"""Safe extraction of downloaded zip and tar archives (used by :mod:`ser_lib.download`).

:func:`safe_extract` checks every member *before* anything is written and refuses, with an
:class:`~ser_lib.errors.UnsafeArchiveError` naming the archive and the member:

- absolute paths, ``..`` components, anything that would land outside the target folder;
- symbolic and hard links, device files, FIFOs;
- archive bombs: more than ``max_members`` members, more than ``max_bytes`` bytes once unpacked
  (declared sizes, and the bytes actually written are counted too), or a member that unpacks to
  more than ``max_ratio`` times its compressed size (audio compresses about 1-3 times; a bomb of
  zeros a thousand times).

:func:`check_archive` says whether a file is a complete zip or tar archive (an interrupted
download or an HTML error page is not). macOS ``__MACOSX`` resource forks are skipped.
"""
from __future__ import annotations

import os
import stat
import tarfile
import zipfile
from pathlib import Path, PurePosixPath

from .errors import DownloadError, UnsafeArchiveError

__all__ = ["MAX_BYTES", "MAX_MEMBERS", "MAX_RATIO", "safe_extract", "check_archive"]

#: default limits of :func:`safe_extract`: unpacked bytes, members, unpacked / compressed size of a member
MAX_BYTES = 16 * 2**30
MAX_MEMBERS = 100_000
MAX_RATIO = 200
_RATIO_MIN_BYTES = 1 << 20  # tiny members (text labels) may compress well: ratio checked above 1 MiB


def _check_member(name: str, dest: Path, is_link: bool, archive: Path) -> Path:
    pure = PurePosixPath(name.replace("\\", "/"))
    if is_link:
        raise UnsafeArchiveError(f"{archive}: member {name!r} is a link; refusing to extract the archive")
    if pure.is_absolute() or name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        raise UnsafeArchiveError(f"{archive}: member {name!r} has an absolute path; refusing to extract")
    if ".." in pure.parts:
        raise UnsafeArchiveError(f"{archive}: member {name!r} points outside the target ('..'); refusing")
    target = (dest / pure).resolve()
    if dest.resolve() != target and dest.resolve() not in target.parents:
        raise UnsafeArchiveError(f"{archive}: member {name!r} would be written outside {dest}")
    return target


def _bomb(archive: Path, what: str) -> UnsafeArchiveError:
    return UnsafeArchiveError(f"{archive}: {what}; refusing to extract it (an archive bomb, or not the "
                              f"expected archive). Delete it; raise max_bytes / max_members / max_ratio only "
                              f"if you trust it.")


def _check_totals(archive: Path, n_members: int, total: int, max_members: int, max_bytes: int) -> None:
    if n_members > max_members:
        raise _bomb(archive, f"{n_members} members, more than the limit of {max_members}")
    if total > max_bytes:
        raise _bomb(archive, f"it would unpack to {total / 1e6:.1f} MB, more than the limit of "
                             f"{max_bytes / 1e6:.1f} MB")


def _copy(src, target: Path, budget: list[int], archive: Path, name: str) -> None:
    """Copy ``src`` to ``target`` counting bytes against ``budget[0]`` (what the headers declared
    may be a lie)."""
    with open(target, "wb") as out:
        while True:
            chunk = src.read(1 << 20)
            if not chunk:
                break
            budget[0] -= len(chunk)
            if budget[0] < 0:
                raise _bomb(archive, f"member {name!r} unpacks to more bytes than its header declares and "
                                     f"the limit allows")
            out.write(chunk)


def check_archive(path: str | os.PathLike) -> str | None:
    """``'zip'`` or ``'tar'`` when ``path`` is a complete archive of that kind, else None.

    Every member is read back (zip: its CRC is checked), so an interrupted download is caught."""
    path = Path(path)
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                return "zip" if zf.testzip() is None else None
        if tarfile.is_tarfile(path):
            with tarfile.open(path) as tf:
                for m in tf:
                    if m.isfile():
                        src, n = tf.extractfile(m), 0
                        while chunk := src.read(1 << 20):
                            n += len(chunk)
                        if n != m.size:
                            return None
            return "tar"
    except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError, ValueError, NotImplementedError):
        return None
    return None


def safe_extract(archive: str | os.PathLike, dest: str | os.PathLike, *, max_bytes: int = MAX_BYTES,
                 max_members: int = MAX_MEMBERS, max_ratio: float = MAX_RATIO) -> list[Path]:
    """Extract a zip or tar archive into ``dest`` after checking every member (see the module text).

    Returns the extracted file paths. Raises :class:`~ser_lib.errors.UnsafeArchiveError` for a
    dangerous archive, :class:`~ser_lib.errors.DownloadError` for a file that is neither a zip nor a tar.
    """
    archive, dest = Path(archive), Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    budget = [int(max_bytes)]
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            _check_totals(archive, len(infos), sum(i.file_size for i in infos), max_members, max_bytes)
            for info in infos:
                mode = info.external_attr >> 16
                _check_member(info.filename, dest, stat.S_ISLNK(mode), archive)
                if info.file_size > _RATIO_MIN_BYTES and info.file_size > max_ratio * max(info.compress_size, 1):
                    raise _bomb(archive, f"member {info.filename!r} unpacks to {info.file_size / 1e6:.1f} MB from "
                                         f"{info.compress_size / 1e3:.1f} kB (ratio above {max_ratio:g})")
            for info in infos:
                if info.filename.startswith("__MACOSX/") or info.is_dir():
                    continue
                target = _check_member(info.filename, dest, False, archive)
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src:
                    _copy(src, target, budget, archive, info.filename)
                written.append(target)
        return written
    if tarfile.is_tarfile(archive):
        with tarfile.open(archive) as tf:
            members = tf.getmembers()
            total = sum(m.size for m in members if m.isfile())
            _check_totals(archive, len(members), total, max_members, max_bytes)
            if total > _RATIO_MIN_BYTES and total > max_ratio * max(archive.stat().st_size, 1):
                raise _bomb(archive, f"it unpacks to {total / 1e6:.1f} MB from {archive.stat().st_size / 1e3:.1f} kB "
                                     f"(ratio above {max_ratio:g})")
            for m in members:
                _check_member(m.name, dest, m.issym() or m.islnk(), archive)
                if not (m.isfile() or m.isdir()):
                    raise UnsafeArchiveError(f"{archive}: member {m.name!r} is not a regular file or folder")
            for m in members:
                if m.isfile() and not m.name.startswith("__MACOSX/"):
                    target = _check_member(m.name, dest, False, archive)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with tf.extractfile(m) as src:
                        _copy(src, target, budget, archive, m.name)
                    written.append(target)
        return written
    raise DownloadError(f"{archive}: neither a zip nor a tar archive (an HTML error page, or an interrupted "
                        f"download?). Delete it and retry.")
