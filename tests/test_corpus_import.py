"""ser_lib.corpus_import: rebuild a corpus's official layout from renamed copies, matched by sha256."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ser_lib import corpora, corpus_import, download
from ser_lib.corpora import cli

OFFICIAL = ["OAF_angry/OAF_back_angry.wav", "OAF_Fear/OAF_bath_fear.wav", "YAF_sad/YAF_bean_sad.wav",
            "YAF_pleasant_surprised/YAF_back_ps.wav"]


def _wav(path: Path, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, (0.1 * rng.standard_normal(1200)).astype(np.float32), 24414, format="WAV", subtype="PCM_16")
    return path


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture()
def corpus(tmp_path):
    """Official files in ``tmp_path/official``, their manifest file, and a renamed, re-nested copy in ``src``."""
    official = tmp_path / "official"
    for i, rel in enumerate(OFFICIAL):
        _wav(official / rel, seed=i)
    man = tmp_path / "fake.sha256"
    man.write_text("".join(f"{_sha(official / r)}  {(official / r).stat().st_size}  {r}\n" for r in OFFICIAL))
    src = tmp_path / "src"
    (src / "train/angry").mkdir(parents=True)
    (src / "testnew").mkdir(parents=True)
    (src / "train/angry/OAF_back_angry.wav").write_bytes((official / OFFICIAL[0]).read_bytes())  # same name
    (src / "testnew/0testOAF_bath_fear.wav").write_bytes((official / OFFICIAL[1]).read_bytes())  # renamed
    (src / "testnew/x.bin").write_bytes((official / OFFICIAL[2]).read_bytes())  # renamed, other suffix
    (src / "deep/er/folder").mkdir(parents=True)
    (src / "deep/er/folder/ps.WAV").write_bytes((official / OFFICIAL[3]).read_bytes())
    return official, man, src


def _run(name, src, dest, man, **kw):
    return corpus_import.import_corpus(name, src, dest, manifest=man, progress=False, **kw)


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_renamed_files_restored_to_official_names(corpus, tmp_path):
    official, man, src = corpus
    dest = tmp_path / "data" / "tess"
    rep = _run("tess", src, dest, man)
    assert rep.restored == sorted(OFFICIAL) and rep.complete and rep.exit_code == 0
    assert rep.missing == rep.altered == rep.extra == rep.conflicts == rep.present == []
    assert _tree(dest) == _tree(official)  # exact bytes, official paths, no temporary files left
    assert download.verify("tess", dest, manifest=download.read_manifest(man)).complete
    df = corpora.scan("tess", tmp_path / "data")
    assert len(df) == 4 and set(df.emotion) == {"angry", "fear", "sad", "surprise"}
    assert sf.read(dest / OFFICIAL[0])[0].shape == (1200,)


def test_missing_altered_and_extra_reported(corpus, tmp_path):
    official, man, src = corpus
    (src / "testnew/x.bin").unlink()  # YAF_bean_sad: missing
    other = _wav(tmp_path / "other.wav", seed=99)
    (src / "train/angry/OAF_back_angry.wav").write_bytes(other.read_bytes())  # same name, other bytes
    _wav(src / "notes/unrelated.wav", seed=7)  # extra
    (src / "README.txt").write_text("not audio")  # extra
    dest = tmp_path / "dest"
    rep = _run("tess", src, dest, man)
    assert rep.restored == ["OAF_Fear/OAF_bath_fear.wav", "YAF_pleasant_surprised/YAF_back_ps.wav"]
    assert rep.missing == ["OAF_angry/OAF_back_angry.wav", "YAF_sad/YAF_bean_sad.wav"]
    assert rep.altered == ["train/angry/OAF_back_angry.wav"]
    assert rep.extra == ["README.txt", "notes/unrelated.wav"]
    assert not (dest / "OAF_angry").exists()  # the altered file was not copied
    assert not rep.complete and rep.exit_code == 1
    s = rep.summary()
    assert "missing 2" in s and "altered 1" in s and "extra 2" in s and "INCOMPLETE" in s


def test_only_extra_is_still_complete(corpus, tmp_path):
    _official, man, src = corpus
    _wav(src / "more/unrelated.wav", seed=5)
    rep = _run("tess", src, tmp_path / "dest", man)
    assert rep.extra == ["more/unrelated.wav"] and rep.complete and rep.exit_code == 0


def test_existing_destination_never_overwritten(corpus, tmp_path):
    official, man, src = corpus
    dest = tmp_path / "dest"
    wrong = _wav(dest / OFFICIAL[0], seed=42).read_bytes()
    right = dest / OFFICIAL[1]
    right.parent.mkdir(parents=True)
    right.write_bytes((official / OFFICIAL[1]).read_bytes())
    before = right.stat()
    rep = _run("tess", src, dest, man)
    assert rep.conflicts == [OFFICIAL[0]] and rep.present == [OFFICIAL[1]]
    assert sorted(rep.restored) == sorted([OFFICIAL[2], OFFICIAL[3]])
    assert (dest / OFFICIAL[0]).read_bytes() == wrong  # left as it was
    assert right.stat().st_ino == before.st_ino and right.stat().st_mtime_ns == before.st_mtime_ns
    assert rep.exit_code == 1 and "conflicts 1" in rep.summary()


def test_rerun_is_idempotent(corpus, tmp_path):
    _official, man, src = corpus
    dest = tmp_path / "dest"
    first = _run("tess", src, dest, man)
    tree, stats = _tree(dest), {p: p.stat().st_mtime_ns for p in dest.rglob("*")}
    second = _run("tess", src, dest, man)
    assert first.restored == second.present == sorted(OFFICIAL) and second.restored == []
    assert second.complete and _tree(dest) == tree
    assert {p: p.stat().st_mtime_ns for p in dest.rglob("*")} == stats


def test_link_mode(corpus, tmp_path):
    _official, man, src = corpus
    dest = tmp_path / "dest"
    rep = _run("tess", src, dest, man, link=True)
    assert rep.complete and rep.mode == "link"
    target, source = dest / OFFICIAL[1], src / "testnew/0testOAF_bath_fear.wav"
    assert os.path.samefile(target, source)  # a hard link (or a symlink) to the source file
    assert _run("tess", src, dest, man, link=True).present == sorted(OFFICIAL)


def test_identical_recordings_restore_every_manifest_entry(tmp_path):
    """RAVDESS and CREMA-D list a few byte-identical files under two names: one source file serves both."""
    a = _wav(tmp_path / "one.wav", seed=1)
    digest, size = _sha(a), a.stat().st_size
    man = {"Actor_07/03-01-03-01-02-01-07.wav": (digest, size), "Actor_07/03-01-03-01-02-02-07.wav": (digest, size)}
    src = tmp_path / "src"
    src.mkdir()
    os.replace(a, src / "whatever.wav")
    rep = _run("ravdess", src, tmp_path / "dest", man)
    assert rep.restored == sorted(man) and rep.complete


def test_unsafe_manifest_path_refused(tmp_path):
    a = _wav(tmp_path / "src" / "a.wav", seed=1)
    with pytest.raises(ValueError, match="outside"):
        _run("tess", tmp_path / "src", tmp_path / "dest", {"../evil.wav": (_sha(a), a.stat().st_size)})
    assert not (tmp_path / "evil.wav").exists()


def test_command_line_exit_codes_and_json(corpus, tmp_path, monkeypatch, capsys):
    _official, man, src = corpus
    root = tmp_path / "root"
    report = tmp_path / "report.json"
    argv = ["--root", str(root), "import", "tess", str(src), "--manifest", str(man), "--no-progress"]
    assert cli.main(argv + ["--json", str(report)]) == 0  # default dest: <root>/tess
    assert sorted(p.relative_to(root / "tess").as_posix() for p in (root / "tess").rglob("*.wav")) == sorted(OFFICIAL)
    data = json.loads(report.read_text())
    assert data["counts"] == {"restored": 4, "present": 0, "missing": 0, "extra": 0, "altered": 0, "conflicts": 0}
    assert data["complete"] is True and "restored 4" in capsys.readouterr().out
    (src / "deep/er/folder/ps.WAV").unlink()
    dest = tmp_path / "elsewhere"
    assert cli.main(argv + ["--dest", str(dest)]) == 1  # one file missing
    assert "missing 1" in capsys.readouterr().out
    assert cli.main(["--root", str(root), "import", "tess", str(tmp_path / "nowhere")]) == 2
    # the packaged manifest is used by default
    monkeypatch.setattr(download, "MANIFEST_DIR", tmp_path)
    (tmp_path / "tess.sha256").write_text(man.read_text())
    assert corpus_import.import_corpus("tess", src, tmp_path / "third", progress=False).n_expected == 4
