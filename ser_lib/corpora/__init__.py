"""The six emotional-speech corpora of the paper (and a synthetic stand-in): registry and scanning.

:data:`CORPORA` holds one :class:`Corpus` per corpus (title, citation key, licence, language,
expected file count, the paper's emotion mapping, folder names, how to get it). :func:`scan`
walks a corpus folder and returns one row per audio file, with labels parsed from the file name
(official *and* common Kaggle layouts; ``.wav`` or ``.flac``; extension and folder names in any
case). No audio file is dropped silently: names that do not parse, names with a code the corpus
does not have or in another speaker's folder (*rejected*, with the reason), duplicates, dangling
links and hidden files are counted, up to five of each are named in a warning, and all are listed
in ``df.attrs``. The registry is :mod:`ser_lib.corpora.registry`, the file-name parsers
:mod:`ser_lib.corpora.parsers`. A data root that is missing or a file is reported
(:func:`data_root_problem`), and :func:`default_corpus` then says so before using the synthetic
corpus.

Common emotion labels (:data:`ser_lib.labels.EMOTIONS`): ``neutral, calm, happy, sad, angry, fear, disgust,
surprise, boredom``.
The paper's mappings are applied (RAVDESS calm -> neutral, TESS pleasant surprise -> surprise,
EMO-DB anxiety/fear -> fear, EMOVO gioia -> happy, ...); ``emotion_code`` keeps the corpus's own code.

Columns of :func:`scan`: ``path`` (str), ``corpus``, ``speaker`` (str, corpus's own id),
``gender`` (``"female"``/``"male"``, NaN when unknown), ``text`` (sentence/word id), ``emotion_code``,
``emotion``, ``intensity`` (RAVDESS ``normal``/``strong``, CREMA-D ``low``/``medium``/``high``/
``unspecified``, NaN elsewhere), ``recording_id`` (unique, e.g. ``"emodb/03a01Fa"``).

Command line (:mod:`ser_lib.corpora.cli`; it may import :mod:`ser_lib.download`, which imports this
module, so this module never imports the command line or the downloader)::

    python -m ser_lib.corpora status            # which corpora are present under the data root
    python -m ser_lib.corpora how-to savee      # how to obtain one
    python -m ser_lib.corpora download emodb    # direct download where the licence allows
    python -m ser_lib.corpora verify ravdess    # check a copy file by file against the manifest
    python -m ser_lib.corpora import tess SRC   # rebuild the official layout from any copy (by sha256)

Example
-------
>>> from ser_lib import corpora                        # doctest: +SKIP
>>> df = corpora.scan("emodb")                         # $SER_DATA_ROOT/emodb
>>> df.groupby("emotion").size()                       # doctest: +SKIP
"""
from __future__ import annotations

import os
import re
import warnings
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from .. import config, paper
from ..errors import CorpusNotFoundError, DataRootWarning
from .registry import CORPORA, SHORT_NAMES, VARIANTS, Corpus, base_corpus, short_name

__all__ = ["Corpus", "CORPORA", "SHORT_NAMES", "VARIANTS", "base_corpus", "short_name", "REAL_CORPORA", "COLUMNS", "AUDIO_SUFFIXES", "scan", "available", "locate",
           "how_to_get", "default_corpus", "parse_path", "data_root_problem", "file_info", "summarize"]

COLUMNS = ["path", "corpus", "speaker", "gender", "text", "emotion_code", "emotion", "intensity",
           "recording_id"]
AUDIO_SUFFIXES = (".wav", ".flac")
#: order in which :func:`default_corpus` looks for a real corpus
REAL_CORPORA = ("emodb", "savee", "emovo", "ravdess", "tess", "cremad")


def _norm(name: str) -> str:
    return re.sub(r"[\s_\-.]", "", name).lower()


def _check_name(name: str) -> Corpus:
    if name not in CORPORA:
        raise KeyError(f"unknown corpus {name!r}; choose from {sorted(CORPORA)}")
    return CORPORA[name]


def _hidden(name: str) -> bool:
    return name.startswith(".") or name == "__MACOSX"


def _is_audio_name(name: str) -> bool:
    return name.lower().endswith(AUDIO_SUFFIXES)


def _has_audio(folder: Path) -> bool:
    """At least one visible audio file that is a regular file (hidden files, AppleDouble ``._x.wav``,
    ``__MACOSX`` and dangling links do not make a corpus)."""
    for dirpath, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not _hidden(d)]
        if any(_is_audio_name(f) and not _hidden(f) and os.path.isfile(os.path.join(dirpath, f)) for f in files):
            return True
    return False


def data_root_problem(root: str | os.PathLike | None = None) -> str | None:
    """What is wrong with the data root, in a sentence naming it and where it came from (``root=``,
    ``$SER_DATA_ROOT`` or the default ``./data``), or None when it is a folder."""
    base = config.data_root(root)
    if root is not None and str(root) != "":
        src = "root="
    elif os.environ.get("SER_DATA_ROOT", "").strip():
        src = "$SER_DATA_ROOT"
    else:
        src = "the default data root"
    try:
        if base.is_dir():
            return None
        exists = base.exists()
    except OSError as exc:  # e.g. permission denied on a parent
        return f"{src} {base} cannot be read ({exc})"
    if exists:
        return (f"{src} {base} is a file, not a folder: point it at the folder that holds the corpus "
                f"folders (emodb/, ravdess/, ...)")
    return (f"{src} {base.absolute()} does not exist: create it and put the corpora there, or set "
            f"SER_DATA_ROOT to the folder that holds them")


def _explicit_root(root) -> bool:
    return (root is not None and str(root) != "") or bool(os.environ.get("SER_DATA_ROOT", "").strip())


def locate(name: str, root: str | os.PathLike | None = None) -> Path | None:
    """The folder holding corpus ``name`` under the data root, or None.

    Sub-folders of ``root`` (default :func:`ser_lib.config.data_root`) are matched by name
    ignoring case, spaces, ``-`` and ``_`` (``emodb``, ``EmoDB``, ``emo-db``; ``cremad``,
    ``CREMA-D``; ...) and must contain at least one visible ``.wav``/``.flac`` regular file (a
    folder of hidden files only is not a corpus). For ``"synthetic"`` the root is the cache root
    and the folder is ``<cache>/synthetic`` (not generated here). A data root that is missing or a
    file gives None (:func:`data_root_problem` says why).
    """
    corpus = _check_name(name)
    if name == "synthetic":
        folder = config.cache_root(root) / "synthetic"
        return folder if (folder / "wav").is_dir() and _has_audio(folder) else None
    base = config.data_root(root)
    if data_root_problem(root) is not None:
        return None
    wanted = set(corpus.folder_names)
    try:
        children = sorted(base.iterdir())
    except OSError:
        return None
    for child in children:
        if child.is_dir() and _norm(child.name) in wanted and _has_audio(child):
            return child
    return None


def available(root: str | os.PathLike | None = None) -> list[str]:
    """Real corpora present under the data root, in the order of :data:`REAL_CORPORA` (never 'synthetic').

    Warns (:class:`~ser_lib.errors.DataRootWarning`) when ``root`` or ``$SER_DATA_ROOT`` names a
    folder that does not exist or a file."""
    problem = data_root_problem(root)
    if problem is not None:
        if _explicit_root(root):
            warnings.warn(problem, DataRootWarning, stacklevel=2)
        return []
    return [n for n in REAL_CORPORA if locate(n, root) is not None]


def how_to_get(name: str) -> str:
    """Exact steps to obtain corpus ``name`` (registration, archive, where to unpack, expected layout)."""
    c = _check_name(name)
    return f"{c.title} [{c.access}; licence: {c.licence}; {c.n_files} files]\n{c.how_to}"


def _parse(name: str, rel: str | os.PathLike) -> dict | str | None:
    """:func:`parse_path`, but a file that follows the naming scheme with an impossible code or in
    another speaker's folder gives the reason (a string) instead of None."""
    c = _check_name(name)
    rel = PurePosixPath(Path(rel).as_posix())
    if not rel.suffix.lower() in AUDIO_SUFFIXES:
        return None
    rec = c.parser(rel)
    if rec is None or isinstance(rec, str):
        return rec
    emotion = c.emotion_map.get(rec["emotion_code"].upper())
    if emotion is None:
        return None
    rec["emotion"] = emotion
    return rec


def parse_path(name: str, rel: str | os.PathLike) -> dict | None:
    """Labels parsed from one path relative to the corpus folder (None when it does not parse, when
    a code in it does not exist in the corpus, or when it sits in another speaker's folder).

    >>> parse_path("emodb", "wav/03a01Fa.wav")["emotion"]
    'happy'
    >>> parse_path("emodb", "wav/99a01Fa.wav") is None      # EMO-DB has no speaker 99
    True
    """
    rec = _parse(name, rel)
    return rec if isinstance(rec, dict) else None


def _cremad_genders(folder: Path) -> dict[str, str]:
    for cand in (folder / "VideoDemographics.csv", folder.parent / "VideoDemographics.csv"):
        if cand.is_file():
            demo = pd.read_csv(cand)
            cols = {c.lower(): c for c in demo.columns}
            if "actorid" in cols and "sex" in cols:
                return {str(int(a)): str(s).strip().lower() for a, s in zip(demo[cols["actorid"]], demo[cols["sex"]])
                        if str(s).strip().lower() in ("male", "female")}
    return {}


def _empty_frame() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})


def _example(paths, folder: Path, n: int = 5) -> str:
    return ", ".join(str(Path(p).relative_to(folder)) for p in sorted(paths)[:n])


def scan(name: str, root: str | os.PathLike | None = None, *, calm_as_neutral: bool = True,
         warn: bool = True) -> pd.DataFrame:
    """One row per audio file of corpus ``name``, labels parsed from the file names.

    Parameters
    ----------
    name : a key of :data:`CORPORA` ('savee', 'ravdess', 'cremad', 'tess', 'emodb', 'emovo', 'synthetic')
        or of :data:`VARIANTS` ('ravdess8': RAVDESS with calm kept, i.e. ``calm_as_neutral=False``)
    root : data root holding the corpus folders (default :func:`ser_lib.config.data_root`); for
        'synthetic' the cache root (default :func:`ser_lib.config.cache_root`), where the synthetic
        corpus is generated if missing
    calm_as_neutral : RAVDESS only: map 'calm' (code 02) to 'neutral' as the paper does (default);
        False keeps 'calm' as an eighth class (EmoBox)
    warn : emit a warning naming the files left out (default True)

    Returns
    -------
    DataFrame with columns :data:`COLUMNS`, sorted by path. No audio file is left out silently;
    ``attrs`` counts each kind and the warning names up to five of each:

    - ``unparsed``: paths that are not in the table because their name did not parse, *or* was
      rejected (also listed in ``rejected``);
    - ``rejected``: ``{path: reason}`` for names that follow the scheme but cannot be right (a
      speaker, sentence or other code the corpus does not have; a file in another speaker's folder);
    - ``duplicates``: paths whose recording was already listed (e.g. the same file as .wav and
      .flac; only the first is kept);
    - ``not_files``: audio names that are not regular files (dangling symbolic links, link loops,
      FIFOs, sockets);
    - ``hidden``: hidden audio files (``.x.wav``, macOS ``._x.wav``) and audio files inside hidden
      folders or ``__MACOSX`` (never read, only counted);
    - ``corpus``, ``folder``.

    Raises
    ------
    CorpusNotFoundError (a ``FileNotFoundError``) when the corpus is not found, saying what is
    wrong with the data root if anything, with the steps to obtain the corpus.
    """
    if name in VARIANTS:
        base, kwargs = VARIANTS[name]
        return scan(base, root, warn=warn, **kwargs)
    corpus = _check_name(name)
    if name == "synthetic":
        from .. import synthetic

        folder = synthetic.ensure_corpus(root)
    else:
        folder = locate(name, root)
        if folder is None:
            problem = data_root_problem(root)
            where = problem if problem else f"not found under {config.data_root(root).resolve()}"
            raise CorpusNotFoundError(f"corpus {name!r}: {where} (set SER_DATA_ROOT or pass root=).\n"
                                      f"{how_to_get(name)}")
    rows, unparsed, duplicates, seen = [], [], [], set()
    rejected: dict[str, str] = {}
    not_files: list[str] = []
    hidden: list[str] = []
    for dirpath, dirs, files in os.walk(folder):
        for d in dirs:
            if _hidden(d):  # counted, never read
                for sub, _sd, sfiles in os.walk(os.path.join(dirpath, d)):
                    hidden += [os.path.join(sub, f) for f in sfiles if _is_audio_name(f)]
        dirs[:] = sorted(d for d in dirs if not _hidden(d))
        for f in sorted(files):
            if not _is_audio_name(f):
                continue
            path = Path(dirpath) / f
            if _hidden(f):
                hidden.append(str(path))
                continue
            if not path.is_file():  # dangling link, link loop, FIFO, socket, ...
                not_files.append(str(path))
                continue
            rec = _parse(name, path.relative_to(folder))
            if not isinstance(rec, dict):
                unparsed.append(str(path))
                if isinstance(rec, str):
                    rejected[str(path)] = rec
                continue
            rid = f"{name}/{rec.pop('stem')}"
            if rid in seen:
                duplicates.append(str(path))
                continue
            seen.add(rid)
            rows.append(dict(path=str(path), corpus=name, recording_id=rid, **rec))
    df = pd.DataFrame(rows, columns=COLUMNS) if rows else _empty_frame()
    if name == "cremad" and len(df):
        genders = _cremad_genders(folder)
        df["gender"] = [genders.get(s, np.nan) for s in df["speaker"]]
    if name == "ravdess" and not calm_as_neutral and len(df):
        df.loc[df["emotion_code"] == "02", "emotion"] = "calm"
    df = df.sort_values("path", kind="stable").reset_index(drop=True)
    df.attrs.update(corpus=name, folder=str(folder), unparsed=sorted(unparsed), duplicates=sorted(duplicates),
                    rejected=dict(sorted(rejected.items())), not_files=sorted(not_files), hidden=sorted(hidden))
    if warn:
        _warn_left_out(name, folder, corpus, df.attrs)
    return df


def _warn_left_out(name: str, folder: Path, corpus: Corpus, attrs: dict) -> None:
    unparsed, rejected = attrs["unparsed"], attrs["rejected"]
    plain = [p for p in unparsed if p not in rejected]
    if plain:
        warnings.warn(f"{name}: {len(plain)} audio file(s) under {folder} did not parse and are not in the "
                      f"table (see df.attrs['unparsed']), e.g. {_example(plain, folder)}. Expected layouts: "
                      f"{', '.join(corpus.layouts)}", stacklevel=3)
    if rejected:
        ex = "; ".join(f"{Path(p).relative_to(folder)}: {r}" for p, r in list(rejected.items())[:5])
        warnings.warn(f"{name}: {len(rejected)} audio file(s) under {folder} were rejected and are not in the "
                      f"table (see df.attrs['rejected']), e.g. {ex}. Rename or move them, or drop them.",
                      stacklevel=3)
    if attrs["duplicates"]:
        warnings.warn(f"{name}: {len(attrs['duplicates'])} file(s) repeat a recording already listed and were "
                      f"skipped (see df.attrs['duplicates']), e.g. {_example(attrs['duplicates'], folder)}",
                      stacklevel=3)
    if attrs["not_files"]:
        warnings.warn(f"{name}: {len(attrs['not_files'])} audio name(s) under {folder} are not regular files "
                      f"(dangling links, link loops, FIFOs) and are not in the table (see df.attrs['not_files']), "
                      f"e.g. {_example(attrs['not_files'], folder)}. Repair the links or remove them.", stacklevel=3)
    shown = [p for p in attrs["hidden"] if not Path(p).name.startswith("._") and "__MACOSX" not in Path(p).parts]
    if shown:  # macOS resource forks (._x.wav, __MACOSX) are expected and only counted
        warnings.warn(f"{name}: {len(attrs['hidden'])} hidden audio file(s) under {folder} were skipped (see "
                      f"df.attrs['hidden']), e.g. {_example(shown, folder)}. Rename them without the leading "
                      f"'.' if they belong to the corpus.", stacklevel=3)


def default_corpus(root: str | os.PathLike | None = None) -> tuple[str, pd.DataFrame]:
    """The first real corpus present (order :data:`REAL_CORPORA`) and its table; else the synthetic one.

    When no real corpus is found, prints a clear notice (saying what is wrong with the data root,
    if anything: see :func:`data_root_problem`) and returns ``("synthetic", table)`` with the
    synthetic corpus generated in the cache root.
    """
    for name in available(root):
        return name, scan(name, root)
    problem = data_root_problem(root)
    where = problem if problem else f"no real corpus found under {config.data_root(root).resolve()}"
    print(f"NOTICE: {where}; using the SYNTHETIC "
          f"corpus (a toy source-filter voice, not speech) from {config.cache_root()}. "
          f"Set SER_DATA_ROOT to the folder with the real corpora.")
    return "synthetic", scan("synthetic")


def file_info(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` plus header facts per file: ``duration`` (s), ``samplerate`` (Hz), ``channels``, ``format``.

    Reads headers only (``soundfile.info``), so it is fast (about 0.1 ms per file). Unreadable
    files get NaN and are listed in ``attrs['unreadable']`` (with a warning) rather than raising;
    truncated files (header longer than the data) are listed in ``attrs['truncated']`` as
    ``{path: (declared s, present s)}``, with a warning.

    >>> info = file_info(scan("emodb"))            # doctest: +SKIP
    >>> info["duration"].describe()                # doctest: +SKIP
    """
    import soundfile as sf

    from ..audio import declared_duration

    out = table.copy()
    dur, srs, chans, fmts, bad, truncated = [], [], [], [], [], {}
    for p in table["path"]:
        try:
            i = sf.info(str(p))
            declared = declared_duration(i)
            if declared is not None:
                truncated[str(p)] = (declared, i.frames / i.samplerate)
            dur.append(i.frames / i.samplerate)
            srs.append(i.samplerate)
            chans.append(i.channels)
            fmts.append(i.format)
        except Exception:  # noqa: BLE001 - reported below
            for lst, val in ((dur, np.nan), (srs, np.nan), (chans, np.nan), (fmts, None)):
                lst.append(val)
            bad.append(str(p))
    out["duration"], out["samplerate"], out["channels"], out["format"] = dur, srs, chans, fmts
    out.attrs = dict(table.attrs, unreadable=bad, truncated=truncated)
    if bad:
        warnings.warn(f"{len(bad)} file(s) could not be read, e.g. {bad[:3]}", stacklevel=2)
    if truncated:
        ex = "; ".join(f"{p}: {d:.3f} s declared, {h:.3f} s present" for p, (d, h) in list(truncated.items())[:3])
        warnings.warn(f"{len(truncated)} file(s) are truncated (the header declares more audio than the file "
                      f"holds; `duration` is what is present; see attrs['truncated']), e.g. {ex}. "
                      f"Re-download them.", stacklevel=2)
    return out


def summarize(info: pd.DataFrame, *, window_end: float = paper.OFFSET + paper.DURATION) -> dict:
    """One summary row for a :func:`file_info` table: files, speakers, emotions, hours, sample rates.

    ``short`` is the fraction of files shorter than ``window_end`` seconds (the paper reads
    0.6 s + 2.5 s = 3.1 s, so shorter files are zero-padded).
    """
    rates = sorted({int(r) for r in info["samplerate"].dropna()})
    return {"corpus": info["corpus"].iloc[0] if len(info) else "",
            "files": int(len(info)), "speakers": int(info["speaker"].nunique()),
            "emotions": int(info["emotion"].nunique()),
            "hours": float(info["duration"].sum() / 3600),
            "median s": float(info["duration"].median()) if len(info) else np.nan,
            f"shorter than {window_end:g} s": float((info["duration"] < window_end).mean()) if len(info) else np.nan,
            "sample rate (Hz)": ", ".join(str(r) for r in rates)}
