"""The worker processes of ``features.extract`` die with their parent (issue 12).

A child Python process runs ``extract`` with two workers on clips long enough to keep them busy;
the test kills the child (SIGKILL: no clean-up possible; SIGTERM and SIGINT: clean-up) and checks
that no worker outlives it by more than a few seconds. Linux only (reads ``/proc``).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")

CHILD = textwrap.dedent("""
    import sys
    from pathlib import Path
    import numpy as np, pandas as pd, soundfile as sf
    folder = Path(sys.argv[1])
    paths = []
    for i in range(40):
        p = folder / f"f{i}.wav"
        sf.write(p, (0.1 * np.random.default_rng(i).standard_normal(16000 * 4)).astype(np.float32), 16000)
        paths.append(str(p))
    from ser_lib import features
    print("START", flush=True)
    features.extract(pd.DataFrame({"path": paths}), n_jobs=2, cache=False, progress=False)
    print("DONE", flush=True)
""")


def _state(pid: int) -> str | None:
    """'R', 'S', 'Z', ... or None when the process is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def _children(pid: int) -> list[int]:
    out = []
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                if int(Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(p))
            except (OSError, IndexError, ValueError):
                pass
    return out


def _alive(pids) -> list[int]:
    return [p for p in pids if _state(p) not in (None, "Z")]


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_workers_do_not_outlive_their_parent(tmp_path, sig):
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONPATH=str(Path(__file__).parents[1]))
    # a shell's background job (e.g. `pytest ... &`, nohup) starts with SIGINT ignored, which the child would
    # inherit and then never see Ctrl-C: give it the default disposition, as an interactive parent would
    proc = subprocess.Popen([sys.executable, str(script), str(tmp_path)], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, env=env,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    workers: list[int] = []
    try:
        assert proc.stdout.readline().strip() == "START"
        deadline = time.time() + 60
        while time.time() < deadline and len(workers) < 2:
            workers = _children(proc.pid)
            time.sleep(0.1)
        assert len(workers) == 2, f"workers not started: {workers}"
        time.sleep(0.5)
        os.kill(proc.pid, sig)
        rc = proc.wait(timeout=30)
        assert rc != 0
        if sig == signal.SIGTERM:
            assert rc == 128 + signal.SIGTERM  # SystemExit(143) after the pool was stopped
        deadline = time.time() + 10
        while time.time() < deadline and _alive(workers):
            time.sleep(0.1)
        assert _alive(workers) == [], f"workers still running after the parent died ({sig!r})"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for w in _alive(workers):  # never leave a stray process behind, even when the test fails
            os.kill(w, signal.SIGKILL)
