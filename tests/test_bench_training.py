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
    assert bench_training.main(["--threads", "1", "--batch", "4", "--length", "60", "--steps", "3", "--block", "2",
                                "--modes", "straightforward", "compiled", "floor", "--out", str(out)]) == 0
    m = json.loads(out.read_text())["metrics"]
    for mode in ("straightforward", "compiled", "floor"):
        assert m[f"{mode}_step_s"] > 0 and m[f"{mode}_convs_s"] > 0
        assert m[f"{mode}_step_over_convs"] == pytest.approx(m[f"{mode}_step_s"] / m[f"{mode}_convs_s"])
        # blocks of 2 and 1 (3 steps): one ratio per block, each its steps' median over its convolutions' median
        s, c, b = m[f"{mode}_step_s_all"], m[f"{mode}_convs_s_all"], m[f"{mode}_step_over_convs_blocks"]
        assert len(s) == len(c) == 3 and b == pytest.approx([(s[0] + s[1]) / (c[0] + c[1]), s[2] / c[2]])
    assert "speedup_compiled" in m and "speedup_floor" not in m and "speedup_bound" not in m
    # the bound: floor + the least Adam update of the Dense kernel (+ the mask draw), over the floor's convolutions
    assert m["bound_dense_weights"] == 64 * 256 * (60 - 12)  # Dense(64) on the flattened (256, 60 - 2 * 6) features
    assert 0 < m["bound_adam_least_s"] <= m["bound_inplace_passes_s"]
    assert m["bound_adam_least_s"] <= m["bound_fused_adam_s"] * 6 / 7 + 1e-12
    assert m["bound_lowest_without_mask_step_over_convs"] == pytest.approx(
        m["floor_step_over_convs"] + m["bound_adam_least_s"] / m["floor_convs_s"])
    assert m["bound_lowest_step_over_convs"] > m["bound_lowest_without_mask_step_over_convs"] > m["floor_step_over_convs"]
