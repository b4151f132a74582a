"""Corpus folders and data roots on bad input (issue 12): every audio name is either a row or
counted with the reason, a folder of hidden files is not a corpus, a wrong data root is reported."""
from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from ser_lib import corpora, download
from ser_lib.corpora import cli
from ser_lib.errors import CorpusNotFoundError, DataRootWarning

_TONE = (0.1 * np.sin(np.arange(1600) / 5)).astype(np.float32)


def _touch(root: Path, rel: str) -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    sf.write(p, _TONE, 16000, format="FLAC" if p.suffix.lower() == ".flac" else "WAV")
    return p


def _scan(name, root):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = corpora.scan(name, root)
    return df, [str(w.message) for w in caught]


# ----------------------------------------------------------------- impossible codes, wrong folders
@pytest.mark.parametrize("name,good,bad,reason", [
    ("ravdess", "Actor_07/03-01-05-01-02-01-07.wav", "Actor_05/03-01-05-01-02-01-07.wav",
     "actor 07 .*folder Actor_05"),
    ("ravdess", "Actor_07/03-01-05-01-02-01-07.wav", "Actor_07/03-01-05-01-03-01-07.wav", "statement 03"),
    ("ravdess", "Actor_07/03-01-05-01-02-01-07.wav", "Actor_25/03-01-05-01-02-01-25.wav", "actor 25"),
    ("emovo", "f1/dis-f1-b1.wav", "f1/dis-m2-b1.wav", "speaker m2 .*folder f1"),
    ("emovo", "f1/dis-f1-b1.wav", "f1/dis-f1-z9.wav", "sentence 'z9'"),
    ("emodb", "wav/03a01Fa.wav", "wav/99a01Fa.wav", "speaker '99'"),
    ("emodb", "wav/03a01Fa.wav", "wav/03a03Fa.wav", "text 'a03'"),
    ("savee", "ALL/DC_a01.wav", "ALL/DC_a16.wav", "sentence a16"),
    ("savee", "AudioData/DC/a01.wav", "AudioData/DC/JE_a02.wav", "speaker JE in the folder of speaker DC"),
    ("cremad", "AudioWAV/1001_DFA_ANG_XX.wav", "AudioWAV/1200_DFA_ANG_XX.wav", "speaker 1200"),
    ("cremad", "AudioWAV/1001_DFA_ANG_XX.wav", "AudioWAV/1001_QQQ_ANG_XX.wav", "sentence QQQ"),
])
def test_impossible_names_are_rejected_with_the_reason(tmp_path, name, good, bad, reason):
    _touch(tmp_path, f"{name}/{good}")
    p = _touch(tmp_path, f"{name}/{bad}")
    df, msgs = _scan(name, tmp_path)
    assert len(df) == 1 and str(p) not in set(df["path"])
    assert df.attrs["unparsed"] == [str(p)]
    assert list(df.attrs["rejected"]) == [str(p)]
    import re

    assert re.search(reason, df.attrs["rejected"][str(p)]), df.attrs["rejected"]
    assert any("1 audio file(s)" in m and "rejected" in m and Path(bad).name in m for m in msgs), msgs
    assert corpora.parse_path(name, bad) is None and corpora.parse_path(name, good) is not None


def test_rejected_files_count_as_extra_in_verify(tmp_path):
    folder = tmp_path / "emovo"
    _touch(tmp_path, "emovo/f1/dis-f1-b1.wav")
    _touch(tmp_path, "emovo/f1/dis-m2-b1.wav")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rep = download.verify("emovo", folder)
    assert rep.n_ok == 1 and rep.extra == ["f1/dis-m2-b1.wav"]


# ----------------------------------------------------------------- things that are not audio files
def test_dangling_links_loops_and_fifos_are_counted_not_rows(tmp_path):
    _touch(tmp_path, "emodb/wav/03a01Fa.wav")
    wav = tmp_path / "emodb" / "wav"
    os.symlink(tmp_path / "gone.wav", wav / "08a02Wb.wav")  # dangling
    os.symlink(wav / "09a05Nd.wav", wav / "09a05Nd.wav")  # loop
    os.mkfifo(wav / "10a07Ta.wav")
    os.symlink(wav / "03a01Fa.wav", wav / "11a01Wa.wav")  # a good link is a row
    df, msgs = _scan("emodb", tmp_path)
    assert sorted(Path(p).name for p in df["path"]) == ["03a01Fa.wav", "11a01Wa.wav"]
    assert sorted(Path(p).name for p in df.attrs["not_files"]) == ["08a02Wb.wav", "09a05Nd.wav", "10a07Ta.wav"]
    assert any("3 audio name(s)" in m and "not regular files" in m for m in msgs)


def test_hidden_files_are_counted_and_appledouble_is_quiet(tmp_path):
    _touch(tmp_path, "emodb/wav/03a01Fa.wav")
    _touch(tmp_path, "emodb/wav/._03a01Fa.wav")  # AppleDouble: counted, no warning
    _touch(tmp_path, "emodb/__MACOSX/wav/._08a02Wb.wav")
    df, msgs = _scan("emodb", tmp_path)
    assert len(df) == 1 and len(df.attrs["hidden"]) == 2 and msgs == []
    _touch(tmp_path, "emodb/wav/.08a02Wb.wav")  # a hidden file that looks like part of the corpus
    _touch(tmp_path, "emodb/.trash/09a05Nd.wav")
    df, msgs = _scan("emodb", tmp_path)
    assert len(df) == 1 and len(df.attrs["hidden"]) == 4
    assert any("4 hidden audio file(s)" in m and ".08a02Wb.wav" in m for m in msgs), msgs


def test_a_folder_of_hidden_files_only_is_not_a_corpus(tmp_path, monkeypatch, capsys):
    _touch(tmp_path, "emodb/wav/._03a01Fa.wav")
    _touch(tmp_path, "emodb/wav/.08a02Wb.wav")
    _touch(tmp_path, "emodb/.hidden/09a05Nd.wav")
    _touch(tmp_path, "emodb/__MACOSX/10a07Ta.wav")
    assert corpora.locate("emodb", tmp_path) is None and corpora.available(tmp_path) == []
    calls = []
    monkeypatch.setattr(corpora, "scan", lambda name, root=None, **kw: calls.append(name) or pd.DataFrame())
    name, _ = corpora.default_corpus(tmp_path)
    assert name == "synthetic" and calls == ["synthetic"]
    assert "SYNTHETIC" in capsys.readouterr().out


def test_odd_but_valid_names_still_work(tmp_path):
    _touch(tmp_path, "emodb/wav/03a01Fa.WAV")
    _touch(tmp_path, "emodb/données é/08a02Wb.flac")
    df, msgs = _scan("emodb", tmp_path)
    assert len(df) == 2 and msgs == []


# ----------------------------------------------------------------- the data root
def test_missing_data_root_is_reported(tmp_path, monkeypatch, capsys):
    missing = tmp_path / "no-such-folder"
    monkeypatch.setenv("SER_DATA_ROOT", str(missing))
    assert "$SER_DATA_ROOT" in corpora.data_root_problem() and "does not exist" in corpora.data_root_problem()
    with pytest.warns(DataRootWarning, match=r"\$SER_DATA_ROOT .*no-such-folder does not exist"):
        assert corpora.available() == []
    with pytest.raises(CorpusNotFoundError, match=r"corpus 'emodb': \$SER_DATA_ROOT .*no-such-folder does not exist"):
        corpora.scan("emodb")
    with pytest.raises(FileNotFoundError):  # still a FileNotFoundError for old callers
        corpora.scan("emodb")
    assert cli.main(["status"]) == 0
    assert "PROBLEM: $SER_DATA_ROOT" in capsys.readouterr().out
    monkeypatch.setattr(corpora, "scan", lambda name, root=None, **kw: pd.DataFrame())
    with pytest.warns(DataRootWarning):
        assert corpora.default_corpus()[0] == "synthetic"
    assert "does not exist" in capsys.readouterr().out


def test_data_root_that_is_a_file_is_reported(tmp_path, monkeypatch):
    f = tmp_path / "datasets.txt"
    f.write_text("not a folder")
    with pytest.warns(DataRootWarning, match="is a file, not a folder"):
        assert corpora.available(f) == []
    assert corpora.data_root_problem(f).startswith("root=")
    with pytest.raises(CorpusNotFoundError, match="is a file, not a folder"):
        corpora.scan("ravdess", f)
    monkeypatch.setenv("SER_DATA_ROOT", str(f))
    with pytest.warns(DataRootWarning, match=r"\$SER_DATA_ROOT .*is a file"):
        corpora.available()


def test_a_good_data_root_has_no_problem(tmp_path):
    assert corpora.data_root_problem(tmp_path) is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert corpora.available(tmp_path) == []
