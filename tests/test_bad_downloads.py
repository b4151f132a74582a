"""Downloads and archives on bad input (issue 12): the cache is keyed by URL and expected hash,
incomplete transfers are never kept, archive bombs are refused, and every message names the URL."""
from __future__ import annotations

import hashlib
import http.server
import io
import tarfile
import zipfile

import numpy as np
import pytest
import soundfile as sf

from ser_lib import archive, download
from ser_lib.errors import DownloadError, UnsafeArchiveError


def _wav_bytes(seed: int) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, (0.1 * np.random.default_rng(seed).standard_normal(800)).astype(np.float32), 16000,
             format="WAV", subtype="PCM_16")
    return buf.getvalue()


def _manifest(files):
    return {rel: (hashlib.sha256(b).hexdigest(), len(b)) for rel, b in files.items()}


def _zip_bytes(members: dict[str, bytes], compression=zipfile.ZIP_STORED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as zf:
        for rel, b in members.items():
            zf.writestr(rel, b)
    return buf.getvalue()


FILES_A = {"wav/03a01Fa.wav": _wav_bytes(1), "wav/08a02Wb.wav": _wav_bytes(2)}
FILES_B = {"wav/03a01Fa.wav": _wav_bytes(3), "wav/08a02Wb.wav": _wav_bytes(4)}


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves ``server.routes[path] = (body, mode)``; mode 'ok', 'short-cl' (half the body after a
    full Content-Length), 'short-nocl' (half the body, no Content-Length); counts requests."""

    def log_message(self, *a):
        pass

    def do_GET(self):
        self.server.hits.append(self.path)
        body, mode = self.server.routes.get(self.path, (None, None))
        if body is None:
            self.send_error(404, "Not Found")
            return
        self.send_response(200)
        if mode != "short-nocl":
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body if mode == "ok" else body[: len(body) // 2])
        self.wfile.flush()
        self.close_connection = True


@pytest.fixture()
def srv(local_server):
    """``(httpd, base URL)`` of a local server (``tests/conftest.py``) with :class:`_Handler`."""
    httpd, base = local_server(_Handler)
    httpd.routes, httpd.hits = {}, []
    return httpd, base


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SER_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "downloads"


def _get(root, url, files=FILES_A, **kw):
    return download.download("emodb", root, url=url, manifest=_manifest(files), progress=False, **kw)


# ----------------------------------------------------------------- incomplete transfers
def test_truncated_transfer_with_content_length_names_the_url_and_keeps_nothing(srv, cache, tmp_path):
    httpd, base = srv
    body = _zip_bytes(FILES_A)
    httpd.routes["/download.zip"] = (body, "short-cl")
    with pytest.raises(DownloadError, match=rf"download of {base}/download\.zip failed after \d+ of {len(body)} bytes"):
        _get(tmp_path / "data", f"{base}/download.zip")
    assert not list(cache.glob("*.zip")) and not (tmp_path / "data" / "emodb").exists()
    httpd.routes["/download.zip"] = (body, "ok")  # the retry starts clean and succeeds
    assert (_get(tmp_path / "data", f"{base}/download.zip") / "wav/03a01Fa.wav").read_bytes() == FILES_A["wav/03a01Fa.wav"]


def test_truncated_transfer_without_content_length_is_deleted(srv, cache, tmp_path):
    httpd, base = srv
    body = _zip_bytes(FILES_A)
    httpd.routes["/download.zip"] = (body, "short-nocl")
    with pytest.raises(DownloadError, match=rf"fetched from {base}/download\.zip \(\d+ bytes\) is not a complete zip.*deleted"):
        _get(tmp_path / "data", f"{base}/download.zip")
    assert not list(cache.glob("*.zip"))
    httpd.routes["/download.zip"] = (body, "ok")
    _get(tmp_path / "data", f"{base}/download.zip")


@pytest.mark.parametrize("route,body,match", [
    ("/missing.zip", None, r"failed after 0 bytes \(HTTPError: 404"),
    ("/page.zip", b"<!DOCTYPE html><html><body>Please log in</body></html>", "not a complete zip or tar archive"),
])
def test_http_errors_and_html_pages_name_the_url(srv, cache, tmp_path, route, body, match):
    httpd, base = srv
    if body is not None:
        httpd.routes[route] = (body, "ok")
    with pytest.raises(DownloadError, match=match) as info:
        _get(tmp_path / "data", f"{base}{route}")
    assert f"{base}{route}" in str(info.value)
    assert not list(cache.glob("*.zip"))


def test_cremad_file_cut_short_names_its_url(srv, cache, tmp_path):
    httpd, base = srv
    files = {"AudioWAV/1001_DFA_ANG_XX.wav": _wav_bytes(6)}
    httpd.routes["/AudioWAV/1001_DFA_ANG_XX.wav"] = (files["AudioWAV/1001_DFA_ANG_XX.wav"], "short-cl")
    with pytest.raises(DownloadError, match=r"AudioWAV/1001_DFA_ANG_XX\.wav failed after"):
        download.download("cremad", tmp_path / "data", url=base, manifest=_manifest(files), progress=False,
                          workers=1, demographics=False)
    assert not (tmp_path / "data/cremad/AudioWAV/1001_DFA_ANG_XX.wav").exists()


# ----------------------------------------------------------------- the cache is keyed by URL and hash
def test_a_cached_archive_is_not_reused_for_another_url(srv, cache, tmp_path, capsys):
    httpd, base = srv
    httpd.routes["/a.zip"] = (_zip_bytes(FILES_A), "ok")
    httpd.routes["/b.zip"] = (_zip_bytes(FILES_B), "ok")
    _get(tmp_path / "d1", f"{base}/a.zip")
    capsys.readouterr()
    folder = _get(tmp_path / "d2", f"{base}/b.zip", files=FILES_B)
    out = capsys.readouterr().out
    assert (folder / "wav/03a01Fa.wav").read_bytes() == FILES_B["wav/03a01Fa.wav"]
    assert f"it came from {base}/a.zip" in out and f"downloaded {base}/b.zip" in out
    hits = len(httpd.hits)
    _get(tmp_path / "d3", f"{base}/b.zip", files=FILES_B)  # same URL: reused, not fetched
    assert len(httpd.hits) == hits and f"downloaded earlier from {base}/b.zip" in capsys.readouterr().out
    (cache / "emodb-download.zip").write_bytes(_zip_bytes(FILES_A))  # altered behind our back
    _get(tmp_path / "d4", f"{base}/b.zip", files=FILES_B)
    assert len(httpd.hits) == hits + 1


def test_expected_hash_is_part_of_the_key(srv, cache, tmp_path, capsys):
    httpd, base = srv
    body = _zip_bytes(FILES_A)
    httpd.routes["/a.zip"] = (body, "ok")
    with pytest.raises(DownloadError, match=rf"download of {base}/a\.zip: .*hash"):
        _get(tmp_path / "d1", f"{base}/a.zip", sha256="0" * 64)
    assert not list(cache.glob("*.zip"))
    _get(tmp_path / "d2", f"{base}/a.zip", sha256=hashlib.sha256(body).hexdigest())
    _get(tmp_path / "d3", f"{base}/a.zip")  # no expected hash: another key, fetched again
    assert len(httpd.hits) == 3


# ----------------------------------------------------------------- archive bombs
def test_zip_bomb_is_refused_before_writing(tmp_path):
    bomb = tmp_path / "bomb.zip"
    bomb.write_bytes(_zip_bytes({"wav/03a01Fa.wav": b"\0" * (8 << 20)}, zipfile.ZIP_DEFLATED))
    assert bomb.stat().st_size < 100_000
    with pytest.raises(UnsafeArchiveError, match=r"bomb\.zip: member 'wav/03a01Fa\.wav' unpacks to 8\.4 MB .*ratio"):
        download.safe_extract(bomb, tmp_path / "out")
    assert not list((tmp_path / "out").rglob("*.wav"))


def test_tar_bomb_is_refused(tmp_path):
    bomb = tmp_path / "bomb.tar.gz"
    with tarfile.open(bomb, "w:gz") as tf:
        info = tarfile.TarInfo("wav/03a01Fa.wav")
        info.size = 8 << 20
        tf.addfile(info, io.BytesIO(b"\0" * info.size))
    with pytest.raises(UnsafeArchiveError, match="ratio"):
        download.safe_extract(bomb, tmp_path / "out")


def test_size_and_member_limits(tmp_path):
    z = tmp_path / "many.zip"
    z.write_bytes(_zip_bytes({f"f{i}.txt": b"x" * 100 for i in range(50)}))
    with pytest.raises(UnsafeArchiveError, match="50 members, more than the limit of 10"):
        download.safe_extract(z, tmp_path / "o1", max_members=10)
    with pytest.raises(UnsafeArchiveError, match="more than the limit of 0.0 MB"):
        download.safe_extract(z, tmp_path / "o2", max_bytes=1000)
    assert len(download.safe_extract(z, tmp_path / "o3")) == 50


def test_download_limits_follow_the_manifest(srv, cache, tmp_path):
    httpd, base = srv
    members = dict(FILES_A, **{f"junk/{i}.txt": b"" for i in range(1100)})
    httpd.routes["/many.zip"] = (_zip_bytes(members), "ok")
    with pytest.raises(UnsafeArchiveError, match="1102 members, more than the limit of 1020"):
        _get(tmp_path / "data", f"{base}/many.zip")
    assert not (tmp_path / "data" / "emodb").exists()


def test_check_archive(tmp_path):
    good = tmp_path / "a.zip"
    good.write_bytes(_zip_bytes(FILES_A))
    assert archive.check_archive(good) == "zip"
    cut = tmp_path / "cut.zip"
    cut.write_bytes(good.read_bytes()[:-30])
    assert archive.check_archive(cut) is None
    tar = tmp_path / "a.tar"
    with tarfile.open(tar, "w") as tf:
        for rel, b in FILES_A.items():
            info = tarfile.TarInfo(rel)
            info.size = len(b)
            tf.addfile(info, io.BytesIO(b))
    assert archive.check_archive(tar) == "tar"
    cut_tar = tmp_path / "cut.tar"
    cut_tar.write_bytes(tar.read_bytes()[:1200])
    assert archive.check_archive(cut_tar) is None
    html = tmp_path / "page.zip"
    html.write_text("<html></html>")
    assert archive.check_archive(html) is None
    with pytest.raises(DownloadError, match=r"page\.zip: neither a zip nor a tar"):
        download.safe_extract(html, tmp_path / "o")
