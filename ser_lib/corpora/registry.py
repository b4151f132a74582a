"""The registry of the six corpora (and the synthetic stand-in): one :class:`Corpus` each.

Re-exported by :mod:`ser_lib.corpora` (``corpora.CORPORA``, ``corpora.Corpus``); the file-name
parsers live in :mod:`ser_lib.corpora.parsers`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Callable

from .parsers import PARSERS

__all__ = ["Corpus", "CORPORA"]


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
        parser=PARSERS['savee']),
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
        parser=PARSERS['ravdess']),
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
        parser=PARSERS['cremad']),
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
        parser=PARSERS['tess']),
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
        parser=PARSERS['emodb']),
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
        parser=PARSERS['emovo']),
    "synthetic": Corpus(
        name="synthetic", title="Synthetic source-filter corpus (NOT speech; generated by ser_lib.synthetic)",
        cite="", licence="generated, public domain", language="none (toy voice)", n_files=210, n_speakers=6,
        emotion_map=_EMODB_MAP, folder_names=("synthetic",), layouts=("wav/03a01Fa.wav",), native_sr="16 kHz",
        access="generated",
        how_to=("Generated on demand (about 10 s) into <cache>/synthetic by ser_lib.synthetic.ensure_corpus();\n"
                "the cache is $SER_CACHE_DIR or <repository>/.cache. It is a toy voice, not speech."),
        parser=PARSERS['emodb']),
}

#: Label variants of a corpus: the same files, speakers and folds, another label set. ``"ravdess8"``
#: keeps RAVDESS "calm" as an eighth class (EmoBox's task); plain ``"ravdess"`` merges it into neutral
#: as the paper does. Accepted by :func:`ser_lib.corpora.scan` and the protocols.
VARIANTS: dict[str, tuple[str, dict]] = {"ravdess8": ("ravdess", {"calm_as_neutral": False})}


#: Short names for tables, titles and sentences; one place for the whole package and the book.
SHORT_NAMES: dict[str, str] = {"savee": "SAVEE", "ravdess": "RAVDESS", "cremad": "CREMA-D", "tess": "TESS",
                               "emodb": "EMO-DB", "emovo": "EMOVO", "synthetic": "synthetic",
                               "ravdess8": "RAVDESS (8 classes)"}


def short_name(name: str) -> str:
    """``"emodb"`` -> ``"EMO-DB"``, ``"ravdess8"`` -> ``"RAVDESS (8 classes)"``; an unknown name unchanged."""
    return SHORT_NAMES.get(name, name)


def base_corpus(name: str) -> str:
    """The corpus whose files a name reads: ``"ravdess8"`` -> ``"ravdess"``; any other name unchanged."""
    return VARIANTS.get(name, (name, {}))[0]
