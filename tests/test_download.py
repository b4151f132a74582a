"""ser_lib.download: downloads from a local HTTP server, safe extraction, verification."""
from __future__ import annotations

import hashlib
import io
import stat
import zipfile
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ser_lib import corpora, download
from ser_lib.download import UnsafeArchiveError
from ser_lib.hashing import sha256_file


def _wav_bytes(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    buf = io.BytesIO()
    sf.write(buf, (0.1 * rng.standard_normal(800)).astype(np.float32), 16000, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def _manifest(files: dict[str, bytes]) -> dict[str, tuple[str, int]]:
    return {rel: (hashlib.sha256(b).hexdigest(), len(b)) for rel, b in files.items()}


@pytest.fixture()
def server(tmp_path, local_server):
    """A local HTTP server (``tests/conftest.py``) serving ``tmp_path / 'www'``; gives (folder, base URL)."""
    www = tmp_path / "www"
    www.mkdir()
    return www, local_server(www)[1]


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SER_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


EMODB_FILES = {"wav/03a01Fa.wav": _wav_bytes(1), "wav/08a02Wb.wav": _wav_bytes(2), "wav/16b10Tc.wav": _wav_bytes(3)}


def _zip(path: Path, members: dict[str, bytes], prefix: str = "") -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for rel, b in members.items():
            zf.writestr(prefix + rel, b)
        zf.writestr(prefix + "erkennung.txt", b"not audio")
    return path


def test_download_emodb_archive(server, cache, tmp_path, capsys):
    www, base = server
    _zip(www / "download.zip", EMODB_FILES)
    root = tmp_path / "data"
    folder = download.download("emodb", root, url=f"{base}/download.zip", manifest=_manifest(EMODB_FILES),
                               progress=False)
    assert folder == root / "emodb"
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.wav")) == sorted(EMODB_FILES)
    out = capsys.readouterr().out
    archive_hash = sha256_file(cache / "downloads" / "emodb-download.zip")
    assert archive_hash in out  # the archive hash is recorded and printed
    df = corpora.scan("emodb", root)
    assert df["emotion"].tolist() == ["happy", "angry", "sad"]
    # no temporary folders left in the data root
    assert [p.name for p in root.iterdir()] == ["emodb"]
    # a second download refuses to overwrite
    with pytest.raises(FileExistsError, match="verify emodb"):
        download.download("emodb", root, url=f"{base}/download.zip", manifest=_manifest(EMODB_FILES),
                          progress=False)


def test_download_with_wrapper_folder_and_env_url(server, cache, tmp_path, monkeypatch):
    www, base = server
    files = {"Actor_01/03-01-05-01-02-01-01.wav": _wav_bytes(4), "Actor_02/03-01-02-02-01-01-02.wav": _wav_bytes(5)}
    _zip(www / "rav.zip", files, prefix="Audio_Speech_Actors_01-24/")
    monkeypatch.setenv("SER_URL_RAVDESS", f"{base}/rav.zip")
    folder = download.download("ravdess", tmp_path / "data", manifest=_manifest(files), progress=False)
    assert (folder / "Actor_01/03-01-05-01-02-01-01.wav").is_file()
    assert len(corpora.scan("ravdess", tmp_path / "data")) == 2


def test_archive_not_matching_manifest_installs_nothing(server, cache, tmp_path):
    www, base = server
    tampered = dict(EMODB_FILES)
    tampered["wav/03a01Fa.wav"] = _wav_bytes(99)
    _zip(www / "download.zip", tampered)
    root = tmp_path / "data"
    with pytest.raises(RuntimeError, match="does not match the manifest"):
        download.download("emodb", root, url=f"{base}/download.zip", manifest=_manifest(EMODB_FILES),
                          progress=False)
    assert not (root / "emodb").exists()
    assert list(root.iterdir()) == []  # no half-extracted corpus


@pytest.mark.parametrize("member", ["../evil.wav", "/tmp/evil-abs.wav", "wav/../../evil.wav"])
def test_malicious_zip_refused(tmp_path, member):
    archive = tmp_path / "bad.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("wav/03a01Fa.wav", b"ok")
        zf.writestr(member, b"evil")
    dest = tmp_path / "sub" / "dest"
    with pytest.raises(UnsafeArchiveError):
        download.safe_extract(archive, dest)
    assert not (tmp_path / "sub" / "evil.wav").exists() and not (tmp_path / "evil.wav").exists()
    assert not Path("/tmp/evil-abs.wav").exists()
    assert list(dest.rglob("*")) == []  # nothing written at all: members are checked first


def test_symlink_member_refused(tmp_path):
    archive = tmp_path / "link.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        info = zipfile.ZipInfo("wav/link.wav")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(UnsafeArchiveError, match="link"):
        download.safe_extract(archive, tmp_path / "dest")


def test_malicious_archive_through_download(server, cache, tmp_path):
    www, base = server
    with zipfile.ZipFile(www / "download.zip", "w") as zf:
        zf.writestr("wav/03a01Fa.wav", EMODB_FILES["wav/03a01Fa.wav"])
        zf.writestr("../evil.wav", b"evil")
    root = tmp_path / "data"
    with pytest.raises(UnsafeArchiveError):
        download.download("emodb", root, url=f"{base}/download.zip", manifest=_manifest(EMODB_FILES),
                          progress=False)
    assert not (root / "emodb").exists() and not (root.parent / "evil.wav").exists()


def test_download_cremad_per_file(server, cache, tmp_path):
    www, base = server
    files = {"AudioWAV/1001_DFA_ANG_XX.wav": _wav_bytes(6), "AudioWAV/1002_IEO_HAP_HI.wav": _wav_bytes(7),
             "AudioWAV/1003_TIE_SAD_LO.wav": _wav_bytes(8)}
    for rel, b in files.items():
        (www / rel).parent.mkdir(parents=True, exist_ok=True)
        (www / rel).write_bytes(b)
    (www / "VideoDemographics.csv").write_text("ActorID,Age,Sex,Race,Ethnicity\n1001,51,Male,C,N\n"
                                               "1002,21,Female,C,N\n1003,29,Female,C,N\n")
    root = tmp_path / "data"
    folder = download.download("cremad", root, url=base, manifest=_manifest(files), progress=False, workers=2)
    df = corpora.scan("cremad", root)
    assert df["gender"].tolist() == ["male", "female", "female"]
    assert download.verify("cremad", folder, manifest=_manifest(files)).complete
    # a file whose served bytes differ from the manifest is refused (pooch known_hash)
    bad = dict(files)
    bad["AudioWAV/1004_DFA_FEA_XX.wav"] = _wav_bytes(9)
    (www / "AudioWAV/1004_DFA_FEA_XX.wav").write_bytes(_wav_bytes(10))
    with pytest.raises(ValueError, match="(?i)hash"):
        download.download("cremad", root, url=base, manifest=_manifest(bad), progress=False, workers=1,
                          demographics=False)
    assert not (folder / "AudioWAV/1004_DFA_FEA_XX.wav").exists()


def test_verify_reports_each_problem(tmp_path):
    files = {"wav/03a01Fa.wav": _wav_bytes(1), "wav/08a02Wb.wav": _wav_bytes(2), "wav/16b10Tc.wav": _wav_bytes(3),
             "wav/09a05Nd.wav": _wav_bytes(11)}
    man = _manifest(files)
    folder = tmp_path / "emodb"
    (folder / "wav").mkdir(parents=True)
    (folder / "wav/03a01Fa.wav").write_bytes(files["wav/03a01Fa.wav"])  # ok
    tampered = bytearray(files["wav/08a02Wb.wav"])
    tampered[-1] ^= 0xFF  # same size, different hash
    (folder / "wav/08a02Wb.wav").write_bytes(bytes(tampered))
    (folder / "wav/16b10Tc.flac").write_bytes(b"fLaC")  # transcoded
    (folder / "wav/11a01Wa.wav").write_bytes(b"x")  # extra
    rep = download.verify("emodb", folder, manifest=man)
    assert rep.ok == ["wav/03a01Fa.wav"]
    assert rep.altered == ["wav/08a02Wb.wav"]
    assert rep.transcoded == ["wav/16b10Tc.wav"]
    assert rep.missing == ["wav/09a05Nd.wav"]
    assert rep.extra == ["wav/11a01Wa.wav"]
    assert not rep.complete and rep.n_expected == 4
    assert "missing 1" in rep.summary() and "INCOMPLETE" in rep.summary()
    # sizes only: the same-size tampered file passes; a truncated one does not
    assert download.verify("emodb", folder, manifest=man, hashes=False).altered == []
    (folder / "wav/08a02Wb.wav").write_bytes(bytes(tampered[:-10]))
    assert download.verify("emodb", folder, manifest=man, hashes=False).altered == ["wav/08a02Wb.wav"]


def test_verify_by_names_savee_emovo(tmp_path):
    folder = tmp_path / "savee" / "ALL"
    folder.mkdir(parents=True)
    for rid in download.manifest_names("savee")[:-1]:
        (folder / f"{rid.split('/')[1]}.wav").write_bytes(b"")
    (folder / "XX_a01.wav").write_bytes(b"")
    rep = download.verify("savee", tmp_path / "savee")
    assert rep.n_expected == 480 and rep.n_ok == 479
    assert rep.missing == ["savee/KL_su15"] and rep.extra == ["ALL/XX_a01.wav"]
    assert len(download.manifest_names("emovo")) == 588
    assert len(download.manifest_names("tess")) == 2800


def test_packaged_manifests():
    for name, n in [("emodb", 535), ("ravdess", 1440), ("tess", 2800), ("cremad", 7442)]:
        man = download.read_manifest(name)
        assert len(man) == n == corpora.CORPORA[name].n_files
        rec = {k: corpora.parse_path(name, k) for k in man}
        assert all(v is not None for v in rec.values()), [k for k, v in rec.items() if v is None][:3]
        assert len({v["stem"] for v in rec.values()}) == n  # recording ids unique


@pytest.mark.real
def test_verify_real_transcodes(real_root):
    folder = corpora.locate("ravdess", real_root)
    if folder is None:
        pytest.skip("ravdess absent")
    rep = download.verify("ravdess", folder, hashes=False)
    assert len(rep.transcoded) == 1440 and rep.complete and not rep.extra
    rep = download.verify("emodb", corpora.locate("emodb", real_root), hashes=False)
    assert rep.n_expected == 535 and len(rep.transcoded) == 535
    assert rep.missing == [] and rep.altered == [] and rep.extra == [] and rep.complete
    assert "missing 0, altered 0" in rep.summary() and "=> complete" in rep.summary()


def test_registration_corpora_cannot_be_downloaded():
    with pytest.raises(ValueError, match="registration"):
        download.download("savee")
