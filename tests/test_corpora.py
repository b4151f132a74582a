"""ser_lib.corpora: parsers on real data and on generated trees in every layout."""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from ser_lib import corpora, labels
from ser_lib.corpora import cli

_TONE = (0.1 * np.sin(2 * np.pi * 200 * np.arange(1600) / 16000)).astype(np.float32)


def _touch(root: Path, rel: str) -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    fmt = "FLAC" if p.suffix.lower() == ".flac" else "WAV"
    sf.write(p, _TONE, 16000, format=fmt)
    return p


def _scan(name, root, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return corpora.scan(name, root, **kw)


# ----------------------------------------------------------------- real data
@pytest.mark.real
@pytest.mark.parametrize("name,n,n_spk,emotions", [
    ("emodb", 535, 10, {"angry", "boredom", "disgust", "fear", "happy", "neutral", "sad"}),
    ("savee", 480, 4, {"angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"}),
    ("emovo", 588, 6, {"angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"}),
    ("ravdess", 1440, 24, {"angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"}),
    ("tess", 2800, 2, {"angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"}),
])
def test_real_corpora(real_root, name, n, n_spk, emotions):
    if corpora.locate(name, real_root) is None:
        pytest.skip(f"{name} not in {real_root}")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no unparsed files in a clean corpus
        df = corpora.scan(name, real_root)
    assert list(df.columns) == corpora.COLUMNS
    assert len(df) == n and df["speaker"].nunique() == n_spk
    assert set(df["emotion"]) == emotions
    assert df["recording_id"].is_unique and df.attrs["unparsed"] == []
    assert df["path"].is_monotonic_increasing
    assert df["gender"].isin(["male", "female"]).all()
    assert all(Path(p).is_file() for p in df["path"].iloc[:5])


@pytest.mark.real
def test_real_details(real_root):
    if corpora.locate("ravdess", real_root) is None:
        pytest.skip("ravdess absent")
    rav = corpora.scan("ravdess", real_root)
    # calm (02) is merged into neutral, but its code is kept
    assert (rav.loc[rav.emotion_code == "02", "emotion"] == "neutral").all()
    assert (rav["emotion"] == "neutral").sum() == 96 + 192
    assert rav.groupby("speaker")["gender"].first()["01"] == "male"
    assert rav.groupby("speaker")["gender"].first()["02"] == "female"
    assert set(rav["intensity"]) == {"normal", "strong"}
    calm = corpora.scan("ravdess", real_root, calm_as_neutral=False)
    assert (calm["emotion"] == "calm").sum() == 192
    emodb = corpora.scan("emodb", real_root)
    g = emodb.groupby("speaker")["gender"].first().to_dict()
    assert g["03"] == "male" and g["08"] == "female" and g["16"] == "female"
    assert emodb.recording_id.iloc[0] == "emodb/03a01Fa"


# ----------------------------------------------------------------- generated layouts
def test_emodb_layout_any_case(tmp_path):
    root = tmp_path / "data"
    _touch(root, "EmoDB/wav/03a01Fa.wav")
    _touch(root, "EmoDB/wav/08b10Wb.FLAC")
    _touch(root, "EmoDB/wav/16a02La.Wav")
    _touch(root, "EmoDB/wav/99x01Qa.wav")  # does not parse
    (root / "EmoDB/wav/notes.txt").write_text("not audio")
    assert corpora.locate("emodb", root) == root / "EmoDB"
    with pytest.warns(UserWarning, match=r"emodb: 1 audio file.*99x01Qa"):
        df = corpora.scan("emodb", root)
    assert df["emotion"].tolist() == ["happy", "angry", "boredom"]
    assert df["emotion_code"].tolist() == ["F", "W", "L"]
    assert df["gender"].tolist() == ["male", "female", "female"]
    assert df["text"].tolist() == ["a01", "b10", "a02"]
    assert [Path(p).name for p in df.attrs["unparsed"]] == ["99x01Qa.wav"]


def test_savee_both_layouts(tmp_path):
    root = tmp_path / "d"
    _touch(root, "savee/ALL/DC_a01.wav")
    _touch(root, "savee/ALL/JK_sa03.flac")
    root2 = tmp_path / "d2"
    _touch(root2, "SAVEE/AudioData/KL/su15.wav")
    _touch(root2, "SAVEE/AudioData/JE/n30.WAV")
    _touch(root2, "SAVEE/AudioData/XX/n01.wav")  # unknown speaker folder
    df = _scan("savee", root)
    assert df[["speaker", "emotion_code", "emotion", "text"]].values.tolist() == [
        ["DC", "a", "angry", "a01"], ["JK", "sa", "sad", "sa03"]]
    df2 = _scan("savee", root2)
    assert df2[["speaker", "emotion"]].values.tolist() == [["JE", "neutral"], ["KL", "surprise"]]
    assert (df2.gender == "male").all()
    assert df2.recording_id.tolist() == ["savee/JE_n30", "savee/KL_su15"]
    assert len(df2.attrs["unparsed"]) == 1


def test_ravdess_layout(tmp_path):
    root = tmp_path / "d"
    _touch(root, "RAVDESS/Actor_01/03-01-02-02-01-01-01.wav")  # calm, strong
    _touch(root, "RAVDESS/Actor_02/03-01-08-01-02-02-02.flac")  # surprise, female
    _touch(root, "RAVDESS/Actor_02/03-02-05-01-01-01-02.wav")  # song: not speech -> unparsed
    _touch(root, "RAVDESS/Actor_02/01-01-05-01-01-01-02.wav")  # video modality -> unparsed
    df = _scan("ravdess", root)
    assert df[["speaker", "gender", "emotion_code", "emotion", "intensity", "text"]].values.tolist() == [
        ["01", "male", "02", "neutral", "strong", "01"], ["02", "female", "08", "surprise", "normal", "02"]]
    assert len(df.attrs["unparsed"]) == 2


def test_cremad_layout_and_demographics(tmp_path):
    root = tmp_path / "d"
    _touch(root, "CREMA-D/AudioWAV/1001_DFA_ANG_XX.wav")
    _touch(root, "CREMA-D/AudioWAV/1002_IEO_HAP_HI.wav")
    _touch(root, "CREMA-D/AudioWAV/1091_TIE_SAD_LO.flac")
    _touch(root, "CREMA-D/AudioWAV/1001_DFA_XYZ_XX.wav")  # unknown emotion -> unparsed
    assert corpora.locate("cremad", root) == root / "CREMA-D"
    df = _scan("cremad", root)
    assert df["emotion"].tolist() == ["angry", "happy", "sad"]
    assert df["intensity"].tolist() == ["unspecified", "high", "low"]
    assert df["text"].tolist() == ["DFA", "IEO", "TIE"]
    assert df["gender"].isna().all()  # no VideoDemographics.csv
    assert len(df.attrs["unparsed"]) == 1
    pd.DataFrame({"ActorID": [1001, 1002, 1091], "Age": [51, 21, 29], "Sex": ["Male", "Female", "Female"],
                  "Race": ["C"] * 3, "Ethnicity": ["N"] * 3}).to_csv(root / "CREMA-D/VideoDemographics.csv",
                                                                     index=False)
    df = _scan("cremad", root)
    assert df["gender"].tolist() == ["male", "female", "female"]


def test_tess_layouts(tmp_path):
    root = tmp_path / "d"
    wrap = "tess/TESS Toronto emotional speech set data"
    _touch(root, f"{wrap}/OAF_angry/OAF_back_angry.wav")
    _touch(root, f"{wrap}/OAF_Pleasant_surprise/OAF_bar_ps.wav")
    _touch(root, f"{wrap}/YAF_pleasant_surprised/YAF_base_ps.wav")
    _touch(root, f"{wrap}/OAF_Fear/OAF_bean_fear.flac")
    _touch(root, f"{wrap}/OAF_neutral/OA_bite_neutral.wav")  # real quirk of the official release
    _touch(root, f"{wrap}/YAF_SAD/YAF_wag_sad.WAV")
    _touch(root, f"{wrap}/YAF_sad/YAF_word_happy.wav")  # folder and file disagree -> unparsed
    df = _scan("tess", root)
    assert df[["speaker", "text", "emotion"]].values.tolist() == [
        ["OAF", "bean", "fear"], ["OAF", "bar", "surprise"], ["OAF", "back", "angry"],
        ["OAF", "bite", "neutral"], ["YAF", "wag", "sad"], ["YAF", "base", "surprise"]]
    assert (df.gender == "female").all()
    assert "tess/OAF_bite_neutral" in set(df.recording_id)
    assert [Path(p).name for p in df.attrs["unparsed"]] == ["YAF_word_happy.wav"]


def test_emovo_layout(tmp_path):
    root = tmp_path / "d"
    _touch(root, "EMOVO/f1/dis-f1-b1.wav")
    _touch(root, "EMOVO/m3/GIO-M3-n5.flac")
    _touch(root, "EMOVO/m3/pau-m3-l4.wav")
    _touch(root, "EMOVO/m3/xxx-m3-l4.wav")
    df = _scan("emovo", root)
    assert df[["speaker", "gender", "emotion", "text"]].values.tolist() == [
        ["f1", "female", "disgust", "b1"], ["m3", "male", "happy", "n5"], ["m3", "male", "fear", "l4"]]
    assert len(df.attrs["unparsed"]) == 1


def test_duplicates_reported_not_double_counted(tmp_path):
    root = tmp_path / "d"
    _touch(root, "emodb/wav/03a01Fa.wav")
    _touch(root, "emodb/wav/03a01Fa.flac")
    with pytest.warns(UserWarning, match="repeat a recording"):
        df = corpora.scan("emodb", root)
    assert len(df) == 1 and len(df.attrs["duplicates"]) == 1


def test_locate_available_missing(tmp_path, capsys):
    root = tmp_path / "d"
    (root / "emodb").mkdir(parents=True)  # empty folder: not a corpus
    assert corpora.locate("emodb", root) is None
    assert corpora.available(root) == []
    _touch(root, "Emo-DB/wav/03a01Fa.wav")
    _touch(root, "savee/ALL/DC_a01.wav")
    assert corpora.available(root) == ["emodb", "savee"]
    with pytest.raises(FileNotFoundError, match="python -m ser_lib.corpora download ravdess"):
        corpora.scan("ravdess", root)
    with pytest.raises(KeyError, match="unknown corpus"):
        corpora.scan("iemocap", root)
    name, df = corpora.default_corpus(root)
    assert name == "emodb" and len(df) == 1


def test_default_corpus_falls_back_to_synthetic(tmp_path, monkeypatch, synthetic_root, capsys):
    monkeypatch.setenv("SER_CACHE_DIR", str(synthetic_root.parent))
    name, df = corpora.default_corpus(tmp_path / "empty")
    assert name == "synthetic" and len(df) == 210
    assert "SYNTHETIC" in capsys.readouterr().out


def test_registry_and_how_to():
    assert set(corpora.CORPORA) == {"savee", "ravdess", "cremad", "tess", "emodb", "emovo", "synthetic"}
    for name, c in corpora.CORPORA.items():
        assert set(c.emotion_map.values()) <= set(labels.EMOTIONS)
        text = corpora.how_to_get(name)
        assert c.title in text
    assert corpora.CORPORA["ravdess"].emotion_map["02"] == "neutral"
    assert len(set(corpora.CORPORA["cremad"].emotion_map.values())) == 6
    for name in ("savee", "tess", "emovo"):
        assert f"<data root>/{name}/" in corpora.how_to_get(name)
    assert "VideoDemographics.csv" in corpora.how_to_get("cremad")
    assert corpora.parse_path("savee", "AudioData/DC/sa01.wav")["emotion"] == "sad"
    assert corpora.parse_path("emodb", "wav/03a01Fa.mp3") is None


def test_cli_status_and_howto(tmp_path, capsys):
    _touch(tmp_path, "emodb/wav/03a01Fa.wav")
    assert cli.main(["--root", str(tmp_path), "status"]) == 0
    out = capsys.readouterr().out
    assert "emodb" in out and "1 / 535" in out and "ravdess" in out and "absent" in out
    assert cli.main(["how-to", "emovo"]) == 0
    assert "dis-f1-b1.wav" in capsys.readouterr().out


def test_python_dash_m_runs_the_command_line():
    """``python -m ser_lib.corpora`` (the package's __main__) runs ser_lib.corpora.cli."""
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "ser_lib.corpora", "how-to", "emovo"], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    assert "dis-f1-b1.wav" in r.stdout


# ----------------------------------------------------------------- file info and chapter figures
def test_file_info_summarize_and_figures(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from ser_lib.viz import corpora as vc

    root = tmp_path / "d"
    for rel in ("emodb/wav/03a01Fa.wav", "emodb/wav/03a01Wa.wav", "emodb/wav/08a01Wa.wav", "emodb/wav/08a02Ta.wav"):
        _touch(root, rel)
    (root / "emodb/wav/08a02Ta.wav").write_bytes(b"garbage")  # unreadable header
    df = _scan("emodb", root)
    with pytest.warns(UserWarning, match="could not be read"):
        info = corpora.file_info(df)
    assert info["duration"].iloc[0] == pytest.approx(0.1) and info["samplerate"].iloc[0] == 16000
    assert np.isnan(info["duration"].iloc[3]) and len(info.attrs["unreadable"]) == 1
    s = corpora.summarize(info.dropna(subset=["duration"]))
    assert s["files"] == 3 and s["speakers"] == 2 and s["emotions"] == 2
    assert s["shorter than 3.1 s"] == 1.0 and s["sample rate (Hz)"] == "16000"
    ex1, ex2 = vc.pick_examples(df, seed=3), vc.pick_examples(df, seed=3)
    assert ex1["path"].tolist() == ex2["path"].tolist()
    assert sorted(ex1["emotion"]) == ["angry", "happy", "sad"]
    fig = vc.plot_counts(df)
    assert len(fig.axes[0].get_xticklabels()) == 2
    vc.plot_durations(info.dropna(subset=["duration"]))
    card = vc.example_card(_TONE, 16000, "a <test>")
    assert "<audio" in card.data and "data:image/png;base64" in card.data and "&lt;test&gt;" in card.data
    t = vc.absent_table(["savee", "cremad"])
    assert t["how to get it"].tolist() == ["python -m ser_lib.corpora how-to savee",
                                           "python -m ser_lib.corpora download cremad"]
    import matplotlib.pyplot as plt

    plt.close("all")


def test_ravdess8_variant_keeps_calm_and_the_actor_folds(tmp_path):
    """'ravdess8' reads the RAVDESS files with calm as an eighth class and has RAVDESS's EmoBox folds."""
    from ser_lib import protocols as P

    root = tmp_path / "data"
    for actor in (1, 2, 3):
        for emo in ("01", "02", "03"):
            _touch(root, f"ravdess/Actor_{actor:02d}/03-01-{emo}-01-01-01-{actor:02d}.wav")
    merged = corpora.scan("ravdess", root)
    kept = corpora.scan("ravdess8", root)
    assert kept["path"].tolist() == merged["path"].tolist()
    assert (merged["emotion"] == "calm").sum() == 0 and (merged["emotion"] == "neutral").sum() == 6
    assert (kept["emotion"] == "calm").sum() == 3 and (kept["emotion"] == "neutral").sum() == 3
    assert corpora.base_corpus("ravdess8") == "ravdess" and corpora.base_corpus("emodb") == "emodb"
    meta = kept.assign(version="original")
    folds = P.build("speaker", meta, "ravdess8")
    assert [f.name for f in folds] == [f.name for f in P.build("speaker", meta, "ravdess")]
    with pytest.raises(KeyError, match="unknown corpus"):
        corpora.scan("ravdess9", root)
