"""Rebuild a corpus's official layout from any folder holding its files, matched by content.

A copy of a corpus is often renamed or re-nested (e.g. TESS's public git mirror renamed 840
files). :func:`import_corpus` hashes every file under a source folder, matches each by
``(sha256, size)`` against the corpus's per-file manifest (``ser_lib/manifests/<corpus>.sha256``)
and copies (or links) every match to ``<dest>/<manifest path>``. It never overwrites a file in
``dest``, places only files whose bytes it has verified, and writes through a temporary name in
the destination folder followed by :func:`os.replace`, so an interrupted run leaves no partial file.

Command line (wired into :mod:`ser_lib.corpora`)::

    python -m ser_lib.corpora import tess /path/to/any/copy [--dest DEST] [--link] [--json report.json]

The exit status is 0 when the destination holds every manifest file; 1 when anything is missing,
altered or in conflict (see :class:`ImportReport`).
"""
from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Mapping

from . import config
from .download import read_manifest
from .hashing import sha256_file

__all__ = ["ImportReport", "import_corpus", "add_parser", "run_cli"]


@dataclass
class ImportReport:
    """What :func:`import_corpus` did.

    Attributes
    ----------
    restored : manifest paths written to ``dest`` in this run
    present : manifest paths already in ``dest`` with the right bytes (left untouched)
    missing : manifest paths neither in ``dest`` nor found (by content) in the source
    extra : source files (relative to ``src``) that match no manifest entry
    altered : source files whose *name* is a manifest file name but whose bytes match no entry
    conflicts : manifest paths where ``dest`` already holds other bytes (left untouched)
    """

    name: str
    src: str
    dest: str
    n_expected: int
    mode: str = "copy"
    restored: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    altered: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """True when ``dest`` now holds every manifest file with the right bytes."""
        return not (self.missing or self.altered or self.conflicts)

    @property
    def exit_code(self) -> int:
        """0 when :attr:`complete`, else 1."""
        return 0 if self.complete else 1

    def to_dict(self) -> dict:
        """Counts and lists, ready for JSON."""
        out = asdict(self)
        out["counts"] = {k: len(out[k]) for k in _LISTS}
        out["complete"] = self.complete
        return out

    def summary(self) -> str:
        """A few readable lines: counts and up to three examples of each problem."""
        counts = ", ".join(f"{k.replace('present', 'already present')} {len(getattr(self, k))}" for k in _LISTS)
        lines = [f"{self.name}: {self.n_expected} expected; {self.src} -> {self.dest} ({self.mode})",
                 f"  {counts}"]
        for label in ("missing", "altered", "conflicts", "extra"):
            items = getattr(self, label)
            if items:
                more = f" ... (+{len(items) - 3})" if len(items) > 3 else ""
                lines.append(f"  {label}: {', '.join(items[:3])}{more}")
        lines.append("  => complete" if self.complete else "  => INCOMPLETE")
        return "\n".join(lines)


_LISTS = ("restored", "present", "missing", "extra", "altered", "conflicts")


def _candidates(src: Path) -> list[Path]:
    """Regular files under ``src`` (recursively), skipping hidden files/folders and ``__MACOSX``."""
    out = []
    for dirpath, dirs, files in os.walk(src):
        dirs[:] = sorted(d for d in dirs if d != "__MACOSX" and not d.startswith("."))
        out += [Path(dirpath) / f for f in sorted(files) if not f.startswith(".")]
    return [p for p in out if p.is_file()]


def _index_source(src: Path, manifest: Mapping[str, tuple[str, int]], progress: bool):
    """Hash the source files that could match; return ``({key: path}, extra, altered)``.

    A file whose size equals no manifest size cannot match, so it is not hashed.
    """
    from tqdm.auto import tqdm

    sizes = {size for _, size in manifest.values()}
    names = {PurePosixPath(rel).name for rel in manifest}
    keys = set(manifest.values())
    found, extra, altered = {}, [], []
    for p in tqdm(_candidates(src), desc="hashing", unit="file", disable=not progress):
        size = p.stat().st_size
        key = (sha256_file(p), size) if size in sizes else None
        if key in keys:
            found.setdefault(key, p)
            continue
        rel = p.relative_to(src).as_posix()
        (altered if p.name in names else extra).append(rel)
    return found, extra, altered


def _safe_rel(rel: str) -> PurePosixPath:
    pure = PurePosixPath(rel)
    if pure.is_absolute() or ".." in pure.parts:
        raise ValueError(f"manifest path {rel!r} points outside the destination")
    return pure


def _write(src: Path, target: Path, digest: str, link: bool) -> str:
    """Place ``src`` at ``target`` through a temporary name; return how ("copy", "hardlink", "symlink").

    Raises ``ValueError`` (and leaves nothing) when the copied bytes do not hash to ``digest``.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}.{uuid.uuid4().hex[:8]}.part"
    try:
        if link:
            try:
                os.link(src, tmp)
                how = "hardlink"
            except OSError:  # another file system, or no hard links: a symbolic link
                os.symlink(src.resolve(), tmp)
                how = "symlink"
        else:
            shutil.copyfile(src, tmp)
            how = "copy"
            if sha256_file(tmp) != digest:
                raise ValueError(f"{src} changed while it was copied")
        if os.path.lexists(target):  # appeared meanwhile: never overwrite
            raise FileExistsError(target)
        os.replace(tmp, target)
        return how
    finally:
        if os.path.lexists(tmp):
            tmp.unlink()


def import_corpus(name: str, src: str | os.PathLike, dest: str | os.PathLike | None = None, *,
                  manifest: Mapping[str, tuple[str, int]] | str | os.PathLike | None = None,
                  link: bool = False, root: str | os.PathLike | None = None,
                  progress: bool = True) -> ImportReport:
    """Restore corpus ``name`` into ``dest`` from the files under ``src``, matched by content.

    Parameters
    ----------
    name : corpus name (its manifest is ``ser_lib/manifests/<name>.sha256`` unless ``manifest``)
    src : folder holding the corpus's files, named and nested in any way
    dest : destination corpus folder (default ``<data root>/<name>``)
    manifest : ``{relpath: (sha256, size)}``, or the path of a ``.sha256`` manifest file
    link : hard-link each file (a symbolic link across file systems) instead of copying it
    root : data root for the default ``dest`` (default :func:`ser_lib.config.data_root`)
    progress : show a tqdm progress bar while hashing

    Returns
    -------
    ImportReport
        ``report.summary()`` reads well; ``report.exit_code`` is the command's exit status.
    """
    src = Path(src)
    if not src.is_dir():
        raise FileNotFoundError(f"{src}: no such folder")
    man = dict(manifest) if isinstance(manifest, Mapping) else read_manifest(manifest or name)
    dest = Path(dest) if dest is not None else config.data_root(root) / name
    found, extra, altered = _index_source(src, man, progress)
    rep = ImportReport(name=name, src=str(src), dest=str(dest), n_expected=len(man),
                       mode="link" if link else "copy", extra=extra, altered=altered)
    for rel, (digest, size) in sorted(man.items()):
        target = dest / _safe_rel(rel)
        if os.path.lexists(target):
            ok = target.is_file() and target.stat().st_size == size and sha256_file(target) == digest
            (rep.present if ok else rep.conflicts).append(rel)
        elif (digest, size) in found:
            try:
                _write(found[(digest, size)], target, digest, link)
                rep.restored.append(rel)
            except FileExistsError:
                rep.conflicts.append(rel)
            except ValueError:
                rep.missing.append(rel)
        else:
            rep.missing.append(rel)
    return rep


# --------------------------------------------------------------------------- command line
def add_parser(sub) -> None:
    """Add the ``import`` sub-command to an ``argparse`` sub-parsers object."""
    p = sub.add_parser("import", help="restore a corpus's official layout from any folder, matched by sha256")
    p.add_argument("name", help="corpus with a manifest (emodb, ravdess, tess, cremad)")
    p.add_argument("src", help="folder holding the corpus's files, named and nested in any way")
    p.add_argument("--dest", default=None, help="destination corpus folder (default: <data root>/<name>)")
    p.add_argument("--link", action="store_true", help="hard-link (or symlink across file systems), not copy")
    p.add_argument("--manifest", default=None, help="manifest file (default: ser_lib/manifests/<name>.sha256)")
    p.add_argument("--json", default=None, metavar="PATH", help="also write the report as JSON")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def run_cli(args) -> int:
    """Run the ``import`` sub-command from parsed arguments; return the exit status."""
    try:
        rep = import_corpus(args.name, args.src, args.dest, manifest=args.manifest, link=args.link,
                            root=args.root, progress=not args.no_progress)
    except (FileNotFoundError, ValueError) as exc:
        print(f"import failed: {exc}")
        return 2
    print(rep.summary())
    if args.json:
        Path(args.json).write_text(json.dumps(rep.to_dict(), indent=1) + "\n")
    return rep.exit_code
