"""Download the openly licensed corpora and verify any copy file by file.

Direct downloads (where the licence allows):

- EMO-DB: ``download.zip`` from the EMO-DB site, unpacked into ``<data root>/emodb/``;
- RAVDESS: ``Audio_Speech_Actors_01-24.zip`` from Zenodo record 1188976, into ``<data root>/ravdess/``;
- CREMA-D: the 7442 files of ``AudioWAV/`` one by one from the official Git LFS media URL (each
  checked against its SHA-256 by pooch), plus ``VideoDemographics.csv``, into ``<data root>/cremad/``.

SAVEE, TESS and EMOVO need registration: :func:`ser_lib.corpora.how_to_get` prints the steps.

No archive-level hashes are published for the zips, so the archive's SHA-256 is computed and
printed (keep it to document your copy), and then every extracted file is checked against the
per-file manifests shipped in ``ser_lib/manifests/*.sha256`` (lines ``sha256  size  relpath``).
The downloaded archive is cached in ``<cache>/downloads`` *for its URL and expected hash*: another
URL (a mirror) fetches again, and an incomplete transfer is never kept (a body shorter than its
``Content-Length`` is an error; a file that is not a complete zip/tar is deleted before the error),
so a retry starts clean. Every message names the URL and the file. Extraction is safe
(:mod:`ser_lib.archive`): members with absolute paths, ``..`` or links are refused before anything
is written, as are archives that would unpack to far more bytes or members than the corpus holds
(zip bombs), and the archive is unpacked into a temporary folder that is moved into place only
when complete, so a failure never leaves half a corpus.

:func:`verify` compares a corpus folder with its manifest and returns a :class:`VerifyReport`
(ok / missing / altered / extra / transcoded = present as ``.flac`` where the manifest has ``.wav``,
so the bytes cannot be compared). For SAVEE and EMOVO, which have no manifest, it checks names
and counts (480 and 588 files).

Base URLs can be overridden (``url=`` or ``$SER_URL_EMODB``, ``$SER_URL_RAVDESS``,
``$SER_URL_CREMAD``), e.g. to use a mirror.

Example
-------
>>> from ser_lib import download                              # doctest: +SKIP
>>> download.download("emodb")                                # -> <data root>/emodb
>>> print(download.verify("emodb", "data/emodb").summary())   # doctest: +SKIP
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Mapping

from . import config
from .archive import check_archive, safe_extract
from .errors import CorpusNotFoundError, DownloadError, UnsafeArchiveError
from .hashing import sha256_file

__all__ = ["URLS", "MANIFEST_DIR", "DownloadError", "UnsafeArchiveError", "VerifyReport", "read_manifest",
           "manifest_names", "url_for", "safe_extract", "download", "download_archive", "download_cremad", "verify"]

MANIFEST_DIR = Path(__file__).resolve().parent / "manifests"

#: default download locations (override with ``url=`` or ``$SER_URL_<NAME>``)
URLS = {
    "emodb": "http://emodb.bilderbar.info/download/download.zip",
    "ravdess": "https://zenodo.org/records/1188976/files/Audio_Speech_Actors_01-24.zip",
    # CREMA-D: base URL; each file is <base>/AudioWAV/<file>
    "cremad": "https://media.githubusercontent.com/media/CheyneyComputerScience/CREMA-D/master",
}
#: CREMA-D's speaker table is a plain (non-LFS) file in the repository
CREMAD_DEMOGRAPHICS_URL = "https://raw.githubusercontent.com/CheyneyComputerScience/CREMA-D/master/VideoDemographics.csv"
_ARCHIVES = {"emodb": "emodb-download.zip", "ravdess": "Audio_Speech_Actors_01-24.zip"}
_AUDIO = (".wav", ".flac")


def url_for(name: str, url: str | None = None) -> str:
    """The download URL of ``name``: explicit ``url`` > ``$SER_URL_<NAME>`` > :data:`URLS`."""
    if url:
        return url
    env = os.environ.get(f"SER_URL_{name.upper()}", "").strip()
    if env:
        return env
    if name not in URLS:
        from .corpora import how_to_get

        raise DownloadError(f"{name} cannot be downloaded directly (its licence requires registration).\n"
                            f"{how_to_get(name)}")
    return URLS[name]


def read_manifest(name_or_path: str | os.PathLike) -> dict[str, tuple[str, int]]:
    """``{relpath: (sha256, size)}`` from a manifest (a corpus name, or a path to a ``.sha256`` file)."""
    p = Path(name_or_path)
    if not p.suffix:
        p = MANIFEST_DIR / f"{name_or_path}.sha256"
    if not p.is_file():
        raise FileNotFoundError(f"no manifest {p}; manifests exist for "
                                f"{sorted(q.stem for q in MANIFEST_DIR.glob('*.sha256'))}")
    out = {}
    for line in p.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        digest, size, rel = line.split(None, 2)
        out[rel.strip()] = (digest.lower(), int(size))
    return out


def _expected_names(name: str) -> list[str]:
    """Recording ids expected in a complete corpus without a hash manifest (SAVEE, EMOVO)."""
    if name == "savee":
        out = []
        for spk in ("DC", "JE", "JK", "KL"):
            for code in ("a", "d", "f", "h", "n", "sa", "su"):
                for i in range(1, (30 if code == "n" else 15) + 1):
                    out.append(f"savee/{spk}_{code}{i:02d}")
        return out
    if name == "emovo":
        sentences = ["b1", "b2", "b3", "d1", "d2", "l1", "l2", "l3", "l4", "n1", "n2", "n3", "n4", "n5"]
        return [f"emovo/{e}-{s}-{t}" for s in ("f1", "f2", "f3", "m1", "m2", "m3")
                for e in ("dis", "gio", "neu", "pau", "rab", "sor", "tri") for t in sentences]
    raise ValueError(f"no name list for {name!r}")


def manifest_names(name: str) -> list[str]:
    """What a complete copy of ``name`` holds: manifest paths (EMO-DB, RAVDESS, TESS, CREMA-D)
    or recording ids (SAVEE 480, EMOVO 588)."""
    if (MANIFEST_DIR / f"{name}.sha256").is_file():
        return sorted(read_manifest(name))
    return _expected_names(name)


# --------------------------------------------------------------------------- placing
def _find_base(extracted: Path, manifest: Mapping[str, tuple[str, int]]) -> Path:
    """The folder under ``extracted`` where the manifest's paths start (handles one wrapper folder)."""
    probe = sorted(manifest)[:20]
    cands = [extracted] + sorted(p for p in extracted.iterdir() if p.is_dir())
    for c in cands:
        if any((c / rel).is_file() or (c / rel).with_suffix(".flac").is_file() for rel in probe):
            return c
    return extracted


def _place(src: Path, target: Path, force: bool) -> None:
    """Move a completed folder into place (atomic rename on one file system)."""
    if target.exists():
        if not force:
            raise FileExistsError(f"{target} already exists. Check it with `python -m ser_lib.corpora verify "
                                  f"{target.name}`, or pass force=True to replace it.")
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
        os.replace(src, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(src, target)


# --------------------------------------------------------------------------- downloads
class _Fetcher:
    """A pooch downloader (``fetcher(url, output_file, pooch)``) that streams with requests and
    turns every failure into a :class:`~ser_lib.errors.DownloadError` naming the URL and the bytes
    received: HTTP errors, connection errors, and a body shorter than its ``Content-Length`` (an
    interrupted transfer). pooch writes to a temporary file and keeps nothing on an error."""

    def __init__(self, progress: bool = False, timeout: float = 60.0):
        self.progress, self.timeout = progress, timeout

    def __call__(self, url: str, output_file, pooch=None) -> None:
        import requests
        from tqdm.auto import tqdm

        got, total = 0, None
        try:
            with requests.get(url, stream=True, timeout=self.timeout) as r:
                r.raise_for_status()
                length = r.headers.get("Content-Length", "")
                total = int(length) if length.isdigit() else None
                encoded = r.headers.get("Content-Encoding", "identity").lower() not in ("", "identity")
                with open(output_file, "wb") as fh, tqdm(total=total, unit="B", unit_scale=True, desc=url[-40:],
                                                         disable=not self.progress) as bar:
                    for chunk in r.iter_content(1 << 20):
                        fh.write(chunk)
                        got += len(chunk)
                        bar.update(len(chunk))
        except requests.RequestException as exc:
            of = f" of {total}" if total is not None else ""
            raise DownloadError(f"download of {url} failed after {got}{of} bytes ({type(exc).__name__}: {exc}). "
                                f"Nothing was kept; check the URL or the network and retry.") from exc
        if total is not None and not encoded and got != total:
            raise DownloadError(f"download of {url} is incomplete: {got} of the {total} bytes announced "
                                f"(Content-Length) arrived. Nothing was kept; retry.")


def _progress(enabled: bool):
    return _Fetcher(progress=enabled)


def _retrieve(url: str, fname: str, path: Path, known_hash: str | None, progress: bool) -> Path:
    """pooch.retrieve with :class:`_Fetcher`; a hash mismatch becomes a DownloadError naming the URL."""
    import pooch

    try:
        return Path(pooch.retrieve(url, known_hash=known_hash, fname=fname, path=path,
                                   downloader=_Fetcher(progress=progress), progressbar=progress))
    except DownloadError:
        raise
    except ValueError as exc:  # pooch: "SHA256 hash of downloaded file ... does not match the known hash"
        raise DownloadError(f"download of {url}: {exc} Nothing was kept.") from exc


def _cached_archive(name: str, src_url: str, sha256: str | None, progress: bool) -> Path:
    """The archive of ``name`` in ``<cache>/downloads``, keyed by URL and expected hash.

    A cached file is used only when its record (``<file>.source.json``) names the same URL and
    expected hash and its bytes still have the recorded SHA-256; otherwise it is discarded and
    fetched again. A fetched file that is not a complete zip/tar archive (a transfer cut short
    without ``Content-Length``, an HTML page) is deleted before the error is raised, so a retry
    downloads it again."""
    downloads = config.cache_root() / "downloads"
    archive = downloads / _ARCHIVES[name]
    record = archive.with_name(archive.name + ".source.json")
    want = {"url": src_url, "expected_sha256": sha256}
    if archive.is_file():
        try:
            rec = json.loads(record.read_text())
        except (OSError, ValueError):
            rec = {}
        if {k: rec.get(k) for k in want} == want and rec.get("sha256") == sha256_file(archive):
            print(f"{name}: using {archive} (downloaded earlier from {src_url}, sha256 {rec['sha256']})")
            return archive
        why = (f"it came from {rec.get('url')}" if rec.get("url") and rec.get("url") != src_url
               else "it has no matching record of where it came from, or its bytes changed")
        print(f"{name}: discarding the cached {archive.name} ({why}); downloading {src_url}")
        archive.unlink(missing_ok=True)
    record.unlink(missing_ok=True)
    archive = _retrieve(src_url, archive.name, downloads, f"sha256:{sha256}" if sha256 else None, progress)
    size = archive.stat().st_size
    if check_archive(archive) is None:
        archive.unlink(missing_ok=True)
        raise DownloadError(f"{name}: the file fetched from {src_url} ({size} bytes) is not a complete zip or tar "
                            f"archive (the transfer was cut short, or the server sent an HTML page). It was "
                            f"deleted from {downloads}; retry, or check the URL.")
    digest = sha256_file(archive)
    record.write_text(json.dumps({**want, "sha256": digest, "size": size}, indent=1))
    print(f"{name}: downloaded {src_url}\n  -> {archive} ({size / 1e6:.1f} MB)\n"
          f"  archive sha256 = {digest}  (no published archive hash; files are checked one by one)")
    return archive


def download_archive(name: str, root: str | os.PathLike | None = None, *, url: str | None = None,
                     manifest: Mapping[str, tuple[str, int]] | str | os.PathLike | None = None,
                     progress: bool = True, force: bool = False, keep_archive: bool = True,
                     sha256: str | None = None) -> Path:
    """Download and unpack the zip of ``name`` ('emodb' or 'ravdess') into ``<root>/<name>``.

    Steps: fetch into ``<cache>/downloads`` (reused only for the same URL and expected ``sha256``,
    see :func:`_cached_archive`; no archive hash is published, so its SHA-256 is printed), extract
    safely into a temporary folder beside the target (limits: 4 x the manifest's bytes + 256 MiB,
    10 x its files + 1000 members), verify every file against the manifest, move into place.
    Returns the corpus folder. Raises ``FileExistsError`` when the target exists (unless
    ``force``), :class:`~ser_lib.errors.DownloadError` for a failed, incomplete or mismatching
    download, :class:`UnsafeArchiveError` for a malicious archive (paths, links, bombs).
    """
    if name not in _ARCHIVES:
        raise DownloadError(f"{name!r} is not distributed as one archive; use download({name!r})")
    src_url = url_for(name, url)
    if manifest is None:
        manifest = read_manifest(name)
    elif isinstance(manifest, Mapping):
        manifest = dict(manifest)
    else:
        manifest = read_manifest(manifest)
    base = config.data_root(root)
    base.mkdir(parents=True, exist_ok=True)
    target = base / name
    if target.exists() and not force:
        raise FileExistsError(f"{target} already exists. Check it with `python -m ser_lib.corpora verify {name}`, "
                              f"or pass force=True to replace it.")
    archive = _cached_archive(name, src_url, sha256.lower() if sha256 else None, progress)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}-extract-", dir=base))
    try:
        expected = sum(size for _d, size in manifest.values())
        safe_extract(archive, tmp / "x", max_bytes=4 * expected + 256 * 2**20, max_members=10 * len(manifest) + 1000)
        corpus_dir = _find_base(tmp / "x", manifest)
        report = verify(name, corpus_dir, manifest=manifest)
        print(report.summary())
        if report.altered or report.n_ok == 0:
            raise DownloadError(f"{name}: the archive fetched from {src_url} ({archive}) does not match the manifest "
                                f"({report.n_ok} ok, {len(report.altered)} altered, {len(report.missing)} missing); "
                                f"nothing was installed. Delete {archive} and retry, or report the problem.")
        _place(corpus_dir, target, force)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if not keep_archive:
        archive.unlink(missing_ok=True)
        archive.with_name(archive.name + ".source.json").unlink(missing_ok=True)
    return target


def download_cremad(root: str | os.PathLike | None = None, *, url: str | None = None,
                    manifest: Mapping[str, tuple[str, int]] | None = None, files: int | None = None,
                    workers: int = 4, progress: bool = True, demographics: bool = True) -> Path:
    """Download CREMA-D's ``AudioWAV/`` file by file into ``<root>/cremad`` (resumable).

    Each file is fetched from ``<base url>/AudioWAV/<file>`` with its manifest SHA-256 as pooch's
    ``known_hash`` (a corrupt, altered or incomplete download raises a DownloadError naming the URL
    and is not kept; files already present with the right hash are skipped). ``files`` limits the number of files (for a quick test);
    ``demographics`` also fetches ``VideoDemographics.csv`` (speaker gender). Returns the folder.
    """
    from tqdm.auto import tqdm

    base_url = url_for("cremad", url).rstrip("/")
    manifest = dict(manifest) if manifest is not None else read_manifest("cremad")
    items = sorted(manifest.items())[: files if files is not None else None]
    target = config.data_root(root) / "cremad"
    target.mkdir(parents=True, exist_ok=True)

    def one(item):
        rel, (digest, _size) = item
        dest = target / rel
        if dest.is_file() and sha256_file(dest) == digest:
            return rel
        _retrieve(f"{base_url}/{rel}", dest.name, dest.parent, f"sha256:{digest}", False)
        return rel

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for _ in tqdm(pool.map(one, items), total=len(items), desc="CREMA-D", disable=not progress):
            pass
    if demographics:
        demo_url = (CREMAD_DEMOGRAPHICS_URL if base_url == URLS["cremad"].rstrip("/")
                    else f"{base_url}/VideoDemographics.csv")
        try:
            _retrieve(demo_url, "VideoDemographics.csv", target, None, False)
        except Exception as exc:  # gender stays NaN without it
            print(f"cremad: could not fetch VideoDemographics.csv ({exc}); the gender column will be NaN")
    return target


def download(name: str, root: str | os.PathLike | None = None, *, url: str | None = None, **kwargs) -> Path:
    """Download corpus ``name`` where the licence allows ('emodb', 'ravdess', 'cremad').

    For the others (SAVEE, TESS, EMOVO) raises :class:`~ser_lib.errors.DownloadError` (a
    ``ValueError``) with the registration steps.
    Keyword arguments go to :func:`download_archive` or :func:`download_cremad`.
    """
    if name in _ARCHIVES:
        return download_archive(name, root, url=url, **kwargs)
    if name == "cremad":
        return download_cremad(root, url=url, **kwargs)
    url_for(name, url)  # raises with the how-to text
    raise AssertionError  # pragma: no cover


# --------------------------------------------------------------------------- verification
@dataclass
class VerifyReport:
    """Result of :func:`verify` (paths relative to the corpus folder, or recording ids for SAVEE/EMOVO).

    ok: present with the expected bytes (or, without a hash manifest, the expected name);
    missing: expected but absent; altered: present with another size or hash; extra: audio files
    not expected; transcoded: present only as ``.flac`` where a ``.wav`` is expected (present,
    but the bytes cannot be compared).
    """

    name: str
    folder: str
    n_expected: int
    ok: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    altered: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    transcoded: list[str] = field(default_factory=list)
    hashed: bool = True

    @property
    def n_ok(self) -> int:
        return len(self.ok)

    @property
    def complete(self) -> bool:
        """Every expected file present (ok or transcoded) and none altered."""
        return not self.missing and not self.altered

    def summary(self) -> str:
        """A few readable lines: counts and up to three examples per problem."""
        how = "sha256 + size" if self.hashed else "file names"
        lines = [f"{self.name} at {self.folder}: {self.n_expected} expected, checked by {how}",
                 f"  ok {len(self.ok)}, transcoded {len(self.transcoded)} (present as .flac, bytes not comparable), "
                 f"missing {len(self.missing)}, altered {len(self.altered)}, extra {len(self.extra)}"]
        for label, items in (("missing", self.missing), ("altered", self.altered), ("extra", self.extra)):
            if items:
                more = f" ... (+{len(items) - 3})" if len(items) > 3 else ""
                lines.append(f"  {label}: {', '.join(items[:3])}{more}")
        lines.append("  => complete" if self.complete else "  => INCOMPLETE")
        return "\n".join(lines)


def _audio_files(folder: Path) -> list[str]:
    out = []
    for dirpath, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d != "__MACOSX" and not d.startswith(".")]
        for f in files:
            if f.lower().endswith(_AUDIO) and not f.startswith("."):
                out.append((Path(dirpath) / f).relative_to(folder).as_posix())
    return sorted(out)


def verify(name: str, folder: str | os.PathLike, *, manifest: Mapping[str, tuple[str, int]] | None = None,
           hashes: bool = True) -> VerifyReport:
    """Compare a corpus folder with what a complete official copy holds.

    Parameters
    ----------
    name : corpus name ('emodb', 'ravdess', 'tess', 'cremad' use the SHA-256 manifests;
        'savee' and 'emovo' are checked by names and counts)
    folder : the corpus folder (e.g. ``corpora.locate(name)``); one wrapper folder is tolerated
    manifest : override ``{relpath: (sha256, size)}`` (default: the packaged manifest)
    hashes : compute SHA-256 (default); False checks sizes only (faster)

    Returns
    -------
    :class:`VerifyReport`; ``report.summary()`` reads well, ``report.complete`` is the verdict.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise CorpusNotFoundError(f"{folder}: no such folder (pass the corpus folder, e.g. "
                                  f"`python -m ser_lib.corpora status` shows where each corpus is)")
    if manifest is None and not (MANIFEST_DIR / f"{name}.sha256").is_file():
        return _verify_names(name, folder)
    manifest = dict(manifest) if manifest is not None else read_manifest(name)
    folder = _find_base(folder, manifest)
    present = set(_audio_files(folder))
    rep = VerifyReport(name=name, folder=str(folder), n_expected=len(manifest), hashed=hashes)
    accounted = set()
    for rel, (digest, size) in sorted(manifest.items()):
        p = folder / rel
        if rel in present:
            accounted.add(rel)
            if p.stat().st_size != size or (hashes and sha256_file(p) != digest):
                rep.altered.append(rel)
            else:
                rep.ok.append(rel)
            continue
        flac = str(PurePosixPath(rel).with_suffix(".flac"))
        if flac in present:
            accounted.add(flac)
            rep.transcoded.append(rel)
        else:
            rep.missing.append(rel)
    rep.extra = sorted(present - accounted)
    return rep


def _verify_names(name: str, folder: Path) -> VerifyReport:
    import warnings

    from . import corpora

    expected = _expected_names(name)
    rep = VerifyReport(name=name, folder=str(folder), n_expected=len(expected), hashed=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df = corpora.scan(name, folder.parent) if corpora.locate(name, folder.parent) == folder else None
    if df is None:  # folder not under a recognised name: parse it directly
        rows = []
        for rel in _audio_files(folder):
            rec = corpora.parse_path(name, rel)
            rows.append((f"{name}/{rec['stem']}", rel) if rec else (None, rel))
        found = {rid: rel for rid, rel in rows if rid}
        unparsed = [rel for rid, rel in rows if rid is None]
    else:
        found = {rid: Path(p).relative_to(folder).as_posix() for rid, p in zip(df.recording_id, df.path)}
        unparsed = [Path(p).relative_to(folder).as_posix() for p in df.attrs["unparsed"] + df.attrs["duplicates"]]
    exp = set(expected)
    for rid in expected:
        if rid not in found:
            rep.missing.append(rid)
        elif found[rid].lower().endswith(".flac"):
            rep.transcoded.append(rid)
        else:
            rep.ok.append(rid)
    rep.extra = sorted(unparsed + [rel for rid, rel in found.items() if rid not in exp])
    return rep
