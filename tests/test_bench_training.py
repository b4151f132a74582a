"""The training benchmark runs end to end at a tiny size and writes what the closing notes cite."""
import json
import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(not any(shutil.which(c) for c in ("g++", "c++", "clang++")),
                    reason="torch.compile on the CPU needs a C++ compiler")
def test_bench_training_writes_ratios(tmp_path):
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import bench_training
    finally:
        sys.path.pop(0)
    out = tmp_path / "bench.json"
    assert bench_training.main(["--threads", "1", "--batch", "4", "--length", "60", "--steps", "2",
                                "--modes", "straightforward", "compiled", "floor", "--out", str(out)]) == 0
    m = json.loads(out.read_text())["metrics"]
    for mode in ("straightforward", "compiled", "floor"):
        assert m[f"{mode}_step_s"] > 0 and m[f"{mode}_convs_s"] > 0
        assert m[f"{mode}_step_over_convs"] == pytest.approx(m[f"{mode}_step_s"] / m[f"{mode}_convs_s"])
    assert "speedup_compiled" in m and "speedup_floor" not in m
