"""File-name parsers of the six corpora (used by :mod:`ser_lib.corpora`).

Each parser takes the path relative to the corpus folder and returns

- a dict with ``speaker, gender, text, emotion_code, intensity, stem`` (``stem`` makes the
  recording id) when the name parses and every code in it exists in the corpus;
- a string, the *reason*, when the name follows the corpus's scheme but cannot be right: a code
  the corpus does not have (EMO-DB speaker ``99``, EMOVO sentence ``z9``, SAVEE ``a16``, ...), or a
  file in the folder of another speaker (RAVDESS ``Actor_05/...-07.wav``, EMOVO ``f1/dis-m2-b1.wav``);
  :func:`ser_lib.corpora.scan` lists such files as *rejected*, with the reason;
- None when the name does not follow the scheme at all (listed as *unparsed*).
"""
from __future__ import annotations

import re
from pathlib import PurePosixPath

import numpy as np

__all__ = ["PARSERS", "EMODB_SPEAKERS", "EMODB_TEXTS", "EMOVO_SENTENCES", "CREMAD_TEXTS"]

#: EMO-DB's ten speakers and their genders; its ten sentences
EMODB_SPEAKERS = {"03": "male", "08": "female", "09": "female", "10": "male", "11": "male",
                  "12": "male", "13": "female", "14": "female", "15": "male", "16": "female"}
EMODB_TEXTS = ("a01", "a02", "a04", "a05", "a07", "b01", "b02", "b03", "b09", "b10")
#: EMOVO's fourteen sentences
EMOVO_SENTENCES = ("b1", "b2", "b3", "d1", "d2", "l1", "l2", "l3", "l4", "n1", "n2", "n3", "n4", "n5")
#: CREMA-D's twelve sentences (speakers are 1001..1091)
CREMAD_TEXTS = ("DFA", "IEO", "IOM", "ITH", "ITS", "IWL", "IWW", "MTI", "TAI", "TIE", "TSI", "WSI")

_EMODB_RE = re.compile(r"^(\d\d)([a-c]\d\d)([WLEAFTN])([a-z])$", re.I)


def parse_emodb(rel: PurePosixPath) -> dict | str | None:
    m = _EMODB_RE.match(rel.stem)
    if not m:
        return None
    spk, text, emo, ver = m.group(1), m.group(2).lower(), m.group(3).upper(), m.group(4).lower()
    if spk not in EMODB_SPEAKERS:
        return f"speaker {spk!r} is not one of EMO-DB's speakers {sorted(EMODB_SPEAKERS)}"
    if text not in EMODB_TEXTS:
        return f"text {text!r} is not one of EMO-DB's sentences {list(EMODB_TEXTS)}"
    return dict(speaker=spk, gender=EMODB_SPEAKERS[spk], text=text, emotion_code=emo,
                intensity=np.nan, stem=f"{spk}{text}{emo}{ver}")


_SAVEE_SPK = ("DC", "JE", "JK", "KL")
_SAVEE_FLAT_RE = re.compile(r"^(DC|JE|JK|KL)_(sa|su|a|d|f|h|n)(\d\d)$", re.I)
_SAVEE_NESTED_RE = re.compile(r"^(sa|su|a|d|f|h|n)(\d\d)$", re.I)


def parse_savee(rel: PurePosixPath) -> dict | str | None:
    m = _SAVEE_FLAT_RE.match(rel.stem)
    parent = rel.parent.name.upper()
    if m:
        spk, code, num = m.group(1).upper(), m.group(2).lower(), m.group(3)
        if parent in _SAVEE_SPK and parent != spk:
            return f"speaker {spk} in the folder of speaker {parent}"
    else:
        m = _SAVEE_NESTED_RE.match(rel.stem)
        if not m or parent not in _SAVEE_SPK:
            return None
        spk, code, num = parent, m.group(1).lower(), m.group(2)
    if not 1 <= int(num) <= (30 if code == "n" else 15):
        return f"sentence {code}{num} does not exist (SAVEE has {code}01..{code}{30 if code == 'n' else 15})"
    return dict(speaker=spk, gender="male", text=f"{code}{num}", emotion_code=code,
                intensity=np.nan, stem=f"{spk}_{code}{num}")


_RAVDESS_RE = re.compile(r"^(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)$")
_ACTOR_DIR_RE = re.compile(r"^actor_?(\d+)$", re.I)


def parse_ravdess(rel: PurePosixPath) -> dict | str | None:
    m = _RAVDESS_RE.match(rel.stem)
    if not m:
        return None
    modality, channel, emo, inten, statement, rep, actor = m.groups()
    if modality != "03" or channel != "01":
        return None  # video or song: not part of the speech audio corpus
    if inten not in ("01", "02") or statement not in ("01", "02") or rep not in ("01", "02") \
            or not 1 <= int(actor) <= 24:
        return (f"code out of range (intensity {inten}, statement {statement}, repetition {rep} must be "
                f"01/02; actor {actor} must be 01..24)")
    for part in reversed(rel.parent.parts):
        d = _ACTOR_DIR_RE.match(part)
        if d:
            if int(d.group(1)) != int(actor):
                return f"actor {actor} (from the name) in the folder {part} of another actor"
            break
    return dict(speaker=actor, gender="male" if int(actor) % 2 else "female", text=statement,
                emotion_code=emo, intensity={"01": "normal", "02": "strong"}[inten],
                stem=rel.stem)


_CREMAD_RE = re.compile(r"^(\d{4})_([A-Z]{3})_([A-Z]{3})_(LO|MD|HI|XX|X)$", re.I)
_CREMAD_INTENSITY = {"LO": "low", "MD": "medium", "HI": "high", "XX": "unspecified", "X": "unspecified"}


def parse_cremad(rel: PurePosixPath) -> dict | str | None:
    m = _CREMAD_RE.match(rel.stem)
    if not m:
        return None
    spk, text, emo, inten = m.group(1), m.group(2).upper(), m.group(3).upper(), m.group(4).upper()
    if not 1001 <= int(spk) <= 1091:
        return f"speaker {spk} is not one of CREMA-D's speakers 1001..1091"
    if text not in CREMAD_TEXTS:
        return f"sentence {text} is not one of CREMA-D's {list(CREMAD_TEXTS)}"
    return dict(speaker=spk, gender=np.nan, text=text, emotion_code=emo,
                intensity=_CREMAD_INTENSITY[inten], stem=f"{spk}_{text}_{emo}_{inten}")


_TESS_DIR_RE = re.compile(r"^(OAF|YAF)_(.+)$", re.I)
_TESS_FILE_RE = re.compile(r"^([A-Z]{2,3})_([A-Za-z]+)_([A-Za-z_]+)$")
_TESS_EMO = {"angry": "ANGRY", "anger": "ANGRY", "disgust": "DISGUST", "fear": "FEAR", "happy": "HAPPY",
             "neutral": "NEUTRAL", "sad": "SAD", "ps": "PS", "pleasant_surprise": "PS",
             "pleasant_surprised": "PS", "surprise": "PS", "surprised": "PS"}


def parse_tess(rel: PurePosixPath) -> dict | str | None:
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
_EMOVO_DIR_RE = re.compile(r"^[fm][1-3]$", re.I)


def parse_emovo(rel: PurePosixPath) -> dict | str | None:
    m = _EMOVO_RE.match(rel.stem)
    if not m:
        return None
    emo, spk, sent = m.group(1).lower(), m.group(2).lower(), m.group(3).lower()
    if sent not in EMOVO_SENTENCES:
        return f"sentence {sent!r} is not one of EMOVO's {list(EMOVO_SENTENCES)}"
    parent = rel.parent.name
    if _EMOVO_DIR_RE.match(parent) and parent.lower() != spk:
        return f"speaker {spk} (from the name) in the folder {parent} of another speaker"
    return dict(speaker=spk, gender="female" if spk[0] == "f" else "male", text=sent,
                emotion_code=emo, intensity=np.nan, stem=f"{emo}-{spk}-{sent}")


#: corpus name -> parser (the synthetic corpus uses EMO-DB's names)
PARSERS = {"emodb": parse_emodb, "synthetic": parse_emodb, "savee": parse_savee, "ravdess": parse_ravdess,
           "cremad": parse_cremad, "tess": parse_tess, "emovo": parse_emovo}
