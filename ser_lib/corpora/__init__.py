"""The six emotional-speech corpora of the paper (and a synthetic stand-in): registry and parsers.

:data:`CORPORA` holds one :class:`Corpus` per corpus (title, citation key, licence, language,
expected file count, the paper's emotion mapping, folder names, how to get it). :func:`scan`
walks a corpus folder and returns one row per audio file, with labels parsed from the file name
(official *and* common Kaggle layouts; ``.wav`` or ``.flac``; extension and folder names in any
case). Files whose names do not parse are never dropped silently: they are counted, up to five
are named in a warning, and all are listed in ``df.attrs['unparsed']``.

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
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable

import numpy as np
import pandas as pd

from .. import config, paper

__all__ = ["Corpus", "CORPORA", "REAL_CORPORA", "COLUMNS", "AUDIO_SUFFIXES", "scan",
           "available", "locate", "how_to_get", "default_corpus", "parse_path", "file_info", "summarize"]

COLUMNS = ["path", "corpus", "speaker", "gender", "text", "emotion_code", "emotion", "intensity",
           "recording_id"]
AUDIO_SUFFIXES = (".wav", ".flac")
#: order in which :func:`default_corpus` looks for a real corpus
REAL_CORPORA = ("emodb", "savee", "emovo", "ravdess", "tess", "cremad")

_EMODB_GENDER = {"03": "male", "08": "female", "09": "female", "10": "male", "11": "male",
                 "12": "male", "13": "female", "14": "female", "15": "male", "16": "female"}


@dataclass(frozen=True)
class Corpus:
    """What we know about one corpus (an entry of :data:`CORPORA`)."""

    name: str
    title: str
    cite: str  # key in book/references.bib
    licence: str
    language: str
    n_files: int  # files in the complete official distribution (speech, audio-only)
    n_speakers: int
    emotion_map: dict[str, str]  # corpus code (upper-case) -> common label
    folder_names: tuple[str, ...]  # normalised (lower-case, no '-', '_' or spaces) folder names
    layouts: tuple[str, ...]  # example relative paths of the layouts the parser reads
    native_sr: str
    access: str  # "direct download" or "registration"
    how_to: str
    parser: Callable[[PurePosixPath], dict | None] = field(repr=False, default=None)


# --------------------------------------------------------------------------- parsers
# Each parser takes the path relative to the corpus folder and returns a dict with
# speaker, gender, text, emotion_code, intensity, stem (for recording_id) -- or None.

_EMODB_RE = re.compile(r"^(\d\d)([a-c]\d\d)([WLEAFTN])([a-z])$", re.I)


def _parse_emodb(rel: PurePosixPath) -> dict | None:
    m = _EMODB_RE.match(rel.stem)
    if not m:
        return None
    spk, text, emo, ver = m.group(1), m.group(2).lower(), m.group(3).upper(), m.group(4).lower()
    return dict(speaker=spk, gender=_EMODB_GENDER.get(spk, np.nan), text=text, emotion_code=emo,
                intensity=np.nan, stem=f"{spk}{text}{emo}{ver}")


_SAVEE_SPK = ("DC", "JE", "JK", "KL")
_SAVEE_FLAT_RE = re.compile(r"^(DC|JE|JK|KL)_(sa|su|a|d|f|h|n)(\d\d)$", re.I)
_SAVEE_NESTED_RE = re.compile(r"^(sa|su|a|d|f|h|n)(\d\d)$", re.I)


def _parse_savee(rel: PurePosixPath) -> dict | None:
    m = _SAVEE_FLAT_RE.match(rel.stem)
    if m:
        spk, code, num = m.group(1).upper(), m.group(2).lower(), m.group(3)
    else:
        m = _SAVEE_NESTED_RE.match(rel.stem)
        parent = rel.parent.name.upper()
        if not m or parent not in _SAVEE_SPK:
            return None
        spk, code, num = parent, m.group(1).lower(), m.group(2)
    return dict(speaker=spk, gender="male", text=f"{code}{num}", emotion_code=code,
                intensity=np.nan, stem=f"{spk}_{code}{num}")


_RAVDESS_RE = re.compile(r"^(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)$")


def _parse_ravdess(rel: PurePosixPath) -> dict | None:
    m = _RAVDESS_RE.match(rel.stem)
    if not m:
        return None
    modality, channel, emo, inten, statement, rep, actor = m.groups()
    if modality != "03" or channel != "01" or inten not in ("01", "02") or not 1 <= int(actor) <= 24:
        return None  # video, song, or not RAVDESS
    return dict(speaker=actor, gender="male" if int(actor) % 2 else "female", text=statement,
                emotion_code=emo, intensity={"01": "normal", "02": "strong"}[inten],
                stem=rel.stem)


_CREMAD_RE = re.compile(r"^(\d{4})_([A-Z]{3})_([A-Z]{3})_(LO|MD|HI|XX|X)$", re.I)
_CREMAD_INTENSITY = {"LO": "low", "MD": "medium", "HI": "high", "XX": "unspecified", "X": "unspecified"}


def _parse_cremad(rel: PurePosixPath) -> dict | None:
    m = _CREMAD_RE.match(rel.stem)
    if not m:
        return None
    spk, text, emo, inten = m.group(1), m.group(2).upper(), m.group(3).upper(), m.group(4).upper()
    return dict(speaker=spk, gender=np.nan, text=text, emotion_code=emo,
                intensity=_CREMAD_INTENSITY[inten], stem=f"{spk}_{text}_{emo}_{inten}")


_TESS_DIR_RE = re.compile(r"^(OAF|YAF)_(.+)$", re.I)
_TESS_FILE_RE = re.compile(r"^([A-Z]{2,3})_([A-Za-z]+)_([A-Za-z_]+)$")
_TESS_EMO = {"angry": "ANGRY", "anger": "ANGRY", "disgust": "DISGUST", "fear": "FEAR", "happy": "HAPPY",
             "neutral": "NEUTRAL", "sad": "SAD", "ps": "PS", "pleasant_surprise": "PS",
             "pleasant_surprised": "PS", "surprise": "PS", "surprised": "PS"}


def _parse_tess(rel: PurePosixPath) -> dict | None:
    m = _TESS_FILE_RE.match(rel.stem)
    if not m:
        return None
    prefix, word, emo = m.group(1).upper(), m.group(2).lower(), m.group(3).lower()
    code = _TESS_EMO.get(emo)
    if code is None:
        return None
    dir_spk = dir_code = None
    for part in reversed(rel.parent.parts):
        d = _TESS_DIR_RE.match(part)
        if d:
            dir_spk, dir_code = d.group(1).upper(), _TESS_EMO.get(d.group(2).lower())
            break
    if dir_spk is not None:
        if not dir_spk.startswith(prefix[:2]) or (dir_code is not None and dir_code != code):
            return None  # folder and file name disagree: do not guess
        spk = dir_spk
    elif prefix in ("OAF", "YAF"):
        spk = prefix
    else:
        return None
    return dict(speaker=spk, gender="female", text=word, emotion_code=code.lower(), intensity=np.nan,
                stem=f"{spk}_{word}_{code.lower()}")


_EMOVO_RE = re.compile(r"^(dis|gio|neu|pau|rab|sor|tri)-([fm][1-3])-([a-z]\d)$", re.I)


def _parse_emovo(rel: PurePosixPath) -> dict | None:
    m = _EMOVO_RE.match(rel.stem)
    if not m:
        return None
    emo, spk, sent = m.group(1).lower(), m.group(2).lower(), m.group(3).lower()
    return dict(speaker=spk, gender="female" if spk[0] == "f" else "male", text=sent,
                emotion_code=emo, intensity=np.nan, stem=f"{emo}-{spk}-{sent}")


# --------------------------------------------------------------------------- registry
_EMODB_MAP = {"W": "angry", "L": "boredom", "E": "disgust", "A": "fear", "F": "happy", "T": "sad",
              "N": "neutral"}

CORPORA: dict[str, Corpus] = {
    "savee": Corpus(
        name="savee", title="Surrey Audio-Visual Expressed Emotion (SAVEE)", cite="jackson2014savee",
        licence="free for research use, after registration", language="English (British)",
        n_files=480, n_speakers=4,
        emotion_map={"A": "angry", "D": "disgust", "F": "fear", "H": "happy", "N": "neutral", "SA": "sad",
                     "SU": "surprise"},
        folder_names=("savee",), layouts=("ALL/DC_a01.wav", "AudioData/DC/a01.wav"), native_sr="44.1 kHz",
        access="registration",
        how_to=(
            "SAVEE needs registration (research use only).\n"
            "1. Register at http://kahlan.eps.surrey.ac.uk/savee/Register.html ; you receive a login\n"
            "   for http://kahlan.eps.surrey.ac.uk/savee/Download.html\n"
            "2. Download the audio archive 'AudioData.zip' (480 WAV files, 4 male speakers DC, JE, JK, KL).\n"
            "3. Unpack it into <data root>/savee/ so that you get\n"
            "      <data root>/savee/AudioData/DC/a01.wav   (official layout)\n"
            "   The flattened Kaggle layout <data root>/savee/ALL/DC_a01.wav is read as well.\n"
            "4. Check it: python -m ser_lib.corpora verify savee   (expects 480 files)"),
        parser=_parse_savee),
    "ravdess": Corpus(
        name="ravdess", title="Ryerson Audio-Visual Database of Emotional Speech and Song (RAVDESS), speech, audio-only",
        cite="livingstone2018ravdess", licence="CC BY-NC-SA 4.0", language="English (North American)",
        n_files=1440, n_speakers=24,
        emotion_map={"01": "neutral", "02": "neutral", "03": "happy", "04": "sad", "05": "angry", "06": "fear",
                     "07": "disgust", "08": "surprise"},
        folder_names=("ravdess", "audiospeechactors0124"), layouts=("Actor_01/03-01-05-01-02-01-01.wav",),
        native_sr="48 kHz", access="direct download",
        how_to=(
            "RAVDESS is openly licensed (CC BY-NC-SA 4.0) and can be downloaded directly:\n"
            "   python -m ser_lib.corpora download ravdess\n"
            "which fetches Audio_Speech_Actors_01-24.zip (about 200 MB) from Zenodo record 1188976\n"
            "(https://zenodo.org/records/1188976), unpacks it into <data root>/ravdess/ and verifies all\n"
            "1440 files against the manifest. Layout: <data root>/ravdess/Actor_01/03-01-05-01-02-01-01.wav\n"
            "(modality 03 = audio-only, channel 01 = speech; the song files are not used)."),
        parser=_parse_ravdess),
    "cremad": Corpus(
        name="cremad", title="Crowd-sourced Emotional Multimodal Actors Dataset (CREMA-D)", cite="cao2014cremad",
        licence="Open Database License (ODbL) / Database Contents License", language="English (North American)",
        n_files=7442, n_speakers=91,
        emotion_map={"ANG": "angry", "DIS": "disgust", "FEA": "fear", "HAP": "happy", "NEU": "neutral",
                     "SAD": "sad"},
        folder_names=("cremad",), layouts=("AudioWAV/1001_DFA_ANG_XX.wav",), native_sr="16 kHz",
        access="direct download",
        how_to=(
            "CREMA-D is openly licensed (ODbL) and lives in Git LFS at\n"
            "https://github.com/CheyneyComputerScience/CREMA-D. Download it with\n"
            "   python -m ser_lib.corpora download cremad\n"
            "which fetches the 7442 files of AudioWAV/ one by one (each checked against its SHA-256)\n"
            "into <data root>/cremad/AudioWAV/1001_DFA_ANG_XX.wav. Alternatively `git lfs clone` the\n"
            "repository and link/copy its folder to <data root>/cremad.\n"
            "Speaker gender comes from VideoDemographics.csv (in the repository root): place it next to\n"
            "AudioWAV, i.e. <data root>/cremad/VideoDemographics.csv; without it the gender column is NaN\n"
            "(the downloader fetches it for you)."),
        parser=_parse_cremad),
    "tess": Corpus(
        name="tess", title="Toronto Emotional Speech Set (TESS)", cite="dupuis2010tess",
        licence="CC BY-NC-ND 4.0", language="English (Canadian)", n_files=2800, n_speakers=2,
        emotion_map={"ANGRY": "angry", "DISGUST": "disgust", "FEAR": "fear", "HAPPY": "happy",
                     "NEUTRAL": "neutral", "PS": "surprise", "SAD": "sad"},
        folder_names=("tess", "tesstorontoemotionalspeechsetdata", "torontoemotionalspeechset"),
        layouts=("OAF_angry/OAF_back_angry.wav", "YAF_pleasant_surprised/YAF_back_ps.wav",
                 "TESS Toronto emotional speech set data/OAF_Fear/OAF_back_fear.wav"),
        native_sr="24.4 kHz", access="registration",
        how_to=(
            "TESS is published by the University of Toronto on Borealis (CC BY-NC-ND 4.0):\n"
            "1. Open https://doi.org/10.5683/SP2/E8H2MF (Borealis dataverse), accept the terms and download\n"
            "   the 14 folders (or the whole dataset as one zip); the Kaggle copy 'TESS Toronto emotional\n"
            "   speech set data' has the same files.\n"
            "2. Unpack into <data root>/tess/ so that you get\n"
            "      <data root>/tess/OAF_angry/OAF_back_angry.wav\n"
            "   (folder names in any case, e.g. OAF_Fear, YAF_pleasant_surprised; one wrapper folder such as\n"
            "   'TESS Toronto emotional speech set data/' is fine).\n"
            "3. Check it: python -m ser_lib.corpora verify tess   (expects 2800 files, hashes from the manifest)\n"
            "A copy with other file names or folders (e.g. a public git mirror) is restored to this layout,\n"
            "file by file by SHA-256: python -m ser_lib.corpora import tess <folder>"),
        parser=_parse_tess),
    "emodb": Corpus(
        name="emodb", title="Berlin Database of Emotional Speech (EMO-DB)", cite="burkhardt2005emodb",
        licence="free for research use", language="German", n_files=535, n_speakers=10,
        emotion_map=_EMODB_MAP, folder_names=("emodb", "berlin", "berlinemotionalspeech"),
        layouts=("wav/03a01Fa.wav",), native_sr="16 kHz", access="direct download",
        how_to=(
            "EMO-DB is free for research and can be downloaded directly:\n"
            "   python -m ser_lib.corpora download emodb\n"
            "which fetches http://emodb.bilderbar.info/download/download.zip (about 40 MB), unpacks it into\n"
            "<data root>/emodb/ and verifies the 535 files of wav/ against the manifest.\n"
            "Layout: <data root>/emodb/wav/03a01Fa.wav (speaker 03, text a01, emotion F, version a)."),
        parser=_parse_emodb),
    "emovo": Corpus(
        name="emovo", title="EMOVO Corpus (Italian emotional speech)", cite="costantini2014emovo",
        licence="free for research use", language="Italian", n_files=588, n_speakers=6,
        emotion_map={"DIS": "disgust", "GIO": "happy", "NEU": "neutral", "PAU": "fear", "RAB": "angry",
                     "SOR": "surprise", "TRI": "sad"},
        folder_names=("emovo",), layouts=("f1/dis-f1-b1.wav", "EMOVO/f1/dis-f1-b1.wav"), native_sr="48 kHz",
        access="registration",
        how_to=(
            "EMOVO is distributed for research use by Fondazione Ugo Bordoni:\n"
            "1. Request it from http://voice.fub.it/activities/corpora/emovo/index.html (or the copy the\n"
            "   authors point to from that page); you receive an archive with folders f1 f2 f3 m1 m2 m3.\n"
            "2. Unpack into <data root>/emovo/ so that you get\n"
            "      <data root>/emovo/f1/dis-f1-b1.wav\n"
            "   (an extra wrapper folder such as EMOVO/ is fine).\n"
            "3. Check it: python -m ser_lib.corpora verify emovo   (expects 588 files: 6 speakers x 7 emotions\n"
            "   x 14 sentences)"),
        parser=_parse_emovo),
    "synthetic": Corpus(
        name="synthetic", title="Synthetic source-filter corpus (NOT speech; generated by ser_lib.synthetic)",
        cite="", licence="generated, public domain", language="none (toy voice)", n_files=210, n_speakers=6,
        emotion_map=_EMODB_MAP, folder_names=("synthetic",), layouts=("wav/03a01Fa.wav",), native_sr="16 kHz",
        access="generated",
        how_to=("Generated on demand (about 10 s) into <cache>/synthetic by ser_lib.synthetic.ensure_corpus();\n"
                "the cache is $SER_CACHE_DIR or <repository>/.cache. It is a toy voice, not speech."),
        parser=_parse_emodb),
}


def _norm(name: str) -> str:
    return re.sub(r"[\s_\-.]", "", name).lower()


def _check_name(name: str) -> Corpus:
    if name not in CORPORA:
        raise KeyError(f"unknown corpus {name!r}; choose from {sorted(CORPORA)}")
    return CORPORA[name]


def _has_audio(folder: Path) -> bool:
    for _dirpath, _dirs, files in os.walk(folder):
        if any(f.lower().endswith(AUDIO_SUFFIXES) and not f.startswith("._") for f in files):
            return True
    return False


def locate(name: str, root: str | os.PathLike | None = None) -> Path | None:
    """The folder holding corpus ``name`` under the data root, or None.

    Sub-folders of ``root`` (default :func:`ser_lib.config.data_root`) are matched by name
    ignoring case, spaces, ``-`` and ``_`` (``emodb``, ``EmoDB``, ``emo-db``; ``cremad``,
    ``CREMA-D``; ...) and must contain at least one ``.wav``/``.flac`` file. For ``"synthetic"``
    the root is the cache root and the folder is ``<cache>/synthetic`` (not generated here).
    """
    corpus = _check_name(name)
    if name == "synthetic":
        folder = config.cache_root(root) / "synthetic"
        return folder if (folder / "wav").is_dir() and _has_audio(folder) else None
    base = config.data_root(root)
    if not base.is_dir():
        return None
    wanted = set(corpus.folder_names)
    for child in sorted(base.iterdir()):
        if child.is_dir() and _norm(child.name) in wanted and _has_audio(child):
            return child
    return None


def available(root: str | os.PathLike | None = None) -> list[str]:
    """Real corpora present under the data root, in the order of :data:`REAL_CORPORA` (never 'synthetic')."""
    return [n for n in REAL_CORPORA if locate(n, root) is not None]


def how_to_get(name: str) -> str:
    """Exact steps to obtain corpus ``name`` (registration, archive, where to unpack, expected layout)."""
    c = _check_name(name)
    return f"{c.title} [{c.access}; licence: {c.licence}; {c.n_files} files]\n{c.how_to}"


def parse_path(name: str, rel: str | os.PathLike) -> dict | None:
    """Labels parsed from one path relative to the corpus folder (None when it does not parse).

    >>> parse_path("emodb", "wav/03a01Fa.wav")["emotion"]
    'happy'
    """
    c = _check_name(name)
    rel = PurePosixPath(Path(rel).as_posix())
    if not rel.suffix.lower() in AUDIO_SUFFIXES:
        return None
    rec = c.parser(rel)
    if rec is None:
        return None
    emotion = c.emotion_map.get(rec["emotion_code"].upper())
    if emotion is None:
        return None
    rec["emotion"] = emotion
    return rec


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


def scan(name: str, root: str | os.PathLike | None = None, *, calm_as_neutral: bool = True,
         warn: bool = True) -> pd.DataFrame:
    """One row per audio file of corpus ``name``, labels parsed from the file names.

    Parameters
    ----------
    name : a key of :data:`CORPORA` ('savee', 'ravdess', 'cremad', 'tess', 'emodb', 'emovo', 'synthetic')
    root : data root holding the corpus folders (default :func:`ser_lib.config.data_root`); for
        'synthetic' the cache root (default :func:`ser_lib.config.cache_root`), where the synthetic
        corpus is generated if missing
    calm_as_neutral : RAVDESS only: map 'calm' (code 02) to 'neutral' as the paper does (default);
        False keeps 'calm' as an eighth class (EmoBox)
    warn : emit a warning naming unparsed files (default True)

    Returns
    -------
    DataFrame with columns :data:`COLUMNS`, sorted by path. ``attrs``: ``corpus``, ``folder``,
    ``unparsed`` (paths that did not parse), ``duplicates`` (paths whose recording was already
    listed, e.g. the same file as .wav and .flac; only the first is kept).

    Raises
    ------
    FileNotFoundError when the corpus is not found, with the steps to obtain it.
    """
    corpus = _check_name(name)
    if name == "synthetic":
        from .. import synthetic

        folder = synthetic.ensure_corpus(root)
    else:
        folder = locate(name, root)
        if folder is None:
            raise FileNotFoundError(f"corpus {name!r} not found under {config.data_root(root).resolve()} "
                                    f"(set SER_DATA_ROOT or pass root=).\n{how_to_get(name)}")
    rows, unparsed, duplicates, seen = [], [], [], set()
    for dirpath, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d != "__MACOSX" and not d.startswith("."))
        for f in sorted(files):
            if not f.lower().endswith(AUDIO_SUFFIXES) or f.startswith("._") or f.startswith("."):
                continue
            path = Path(dirpath) / f
            rec = parse_path(name, path.relative_to(folder))
            if rec is None:
                unparsed.append(str(path))
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
    df.attrs.update(corpus=name, folder=str(folder), unparsed=sorted(unparsed), duplicates=sorted(duplicates))
    if warn and unparsed:
        ex = ", ".join(str(Path(p).relative_to(folder)) for p in sorted(unparsed)[:5])
        warnings.warn(f"{name}: {len(unparsed)} audio file(s) under {folder} did not parse and are not in the "
                      f"table (see df.attrs['unparsed']), e.g. {ex}. Expected layouts: "
                      f"{', '.join(corpus.layouts)}", stacklevel=2)
    if warn and duplicates:
        ex = ", ".join(str(Path(p).relative_to(folder)) for p in duplicates[:5])
        warnings.warn(f"{name}: {len(duplicates)} file(s) repeat a recording already listed and were skipped "
                      f"(see df.attrs['duplicates']), e.g. {ex}", stacklevel=2)
    return df


def default_corpus(root: str | os.PathLike | None = None) -> tuple[str, pd.DataFrame]:
    """The first real corpus present (order :data:`REAL_CORPORA`) and its table; else the synthetic one.

    When no real corpus is found, prints a clear notice and returns ``("synthetic", table)`` with
    the synthetic corpus generated in the cache root.
    """
    for name in available(root):
        return name, scan(name, root)
    print(f"NOTICE: no real corpus found under {config.data_root(root).resolve()}; using the SYNTHETIC "
          f"corpus (a toy source-filter voice, not speech) from {config.cache_root()}. "
          f"Set SER_DATA_ROOT to the folder with the real corpora.")
    return "synthetic", scan("synthetic")


def file_info(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` plus header facts per file: ``duration`` (s), ``samplerate`` (Hz), ``channels``, ``format``.

    Reads headers only (``soundfile.info``), so it is fast (about 0.1 ms per file). Unreadable
    files get NaN and are listed in ``attrs['unreadable']`` (with a warning) rather than raising.

    >>> info = file_info(scan("emodb"))            # doctest: +SKIP
    >>> info["duration"].describe()                # doctest: +SKIP
    """
    import soundfile as sf

    out = table.copy()
    dur, srs, chans, fmts, bad = [], [], [], [], []
    for p in table["path"]:
        try:
            i = sf.info(str(p))
            dur.append(i.frames / i.samplerate)
            srs.append(i.samplerate)
            chans.append(i.channels)
            fmts.append(i.format)
        except Exception:  # noqa: BLE001 - reported below
            for lst, val in ((dur, np.nan), (srs, np.nan), (chans, np.nan), (fmts, None)):
                lst.append(val)
            bad.append(str(p))
    out["duration"], out["samplerate"], out["channels"], out["format"] = dur, srs, chans, fmts
    out.attrs = dict(table.attrs, unreadable=bad)
    if bad:
        warnings.warn(f"{len(bad)} file(s) could not be read, e.g. {bad[:3]}", stacklevel=2)
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
