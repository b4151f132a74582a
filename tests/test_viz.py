"""Shared display helpers: players carry decodable audio of the right length."""
from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ser_lib.viz import audio_player, encode_audio

REPO = Path(__file__).resolve().parent.parent


def _decode(html: str):
    m = re.search(r'src="data:(audio/[a-z]+);base64,([^"]+)"', html)
    assert m, html[:200]
    return m.group(1), sf.read(io.BytesIO(base64.b64decode(m.group(2))))


@pytest.mark.parametrize("fmt,mime", [("mp3", "audio/mpeg"), ("wav", "audio/wav")])
def test_player_embeds_decodable_audio_of_the_right_length(fmt, mime):
    sr = 22050
    y = (0.3 * np.sin(2 * np.pi * 220 * np.arange(sr) / sr)).astype(np.float32)
    got_mime, (z, zsr) = _decode(audio_player(y, sr, fmt=fmt)._repr_html_())
    assert got_mime == mime and zsr == sr
    # MP3 adds encoder delay/padding of at most a couple of frames (1152 samples each)
    assert abs(len(z) - len(y)) <= (2 * 1152 if fmt == "mp3" else 0)
    assert 0.6 < np.abs(z).max() <= 1.0  # peak-normalised, and the decoded MP3 does not clip


def test_mp3_is_much_smaller_than_wav():
    sr = 22050
    y = np.random.default_rng(0).standard_normal(2 * sr).astype(np.float32) * 0.1
    assert len(encode_audio(y, sr, rate=None)) < 0.3 * len(encode_audio(y, sr, fmt="wav", rate=None))


def test_resampling_changes_the_rate():
    y = np.random.default_rng(0).standard_normal(22050).astype(np.float32) * 0.1
    _, (z, zsr) = _decode(audio_player(y, 22050, fmt="wav", rate=16000)._repr_html_())
    assert zsr == 16000 and len(z) == 16000


@pytest.mark.parametrize("bad", [np.zeros(0, np.float32), np.zeros((2, 10), np.float32),
                                 np.array([0.1, np.nan], np.float32)])
def test_bad_signals_raise(bad):
    with pytest.raises(ValueError):
        audio_player(bad, 16000)


def test_unknown_format_raises():
    with pytest.raises(ValueError, match="fmt"):
        encode_audio(np.ones(100, np.float32), 16000, fmt="ogg")


def test_banners_are_html_and_printed(capsys):
    from IPython.core.interactiveshell import InteractiveShell  # noqa: F401  (IPython present)

    from ser_lib.viz import banner, synthetic_banner

    synthetic_banner("emodb")
    assert capsys.readouterr().out == ""          # real corpus: nothing shown
    synthetic_banner("synthetic")
    assert "SYNTHETIC" in capsys.readouterr().out
    with pytest.raises(ValueError, match="kind"):
        banner("x", kind="purple")


def test_banner_in_a_notebook_is_one_output(monkeypatch, capsys):
    """In a kernel the message is one display (HTML + its plain-text form), not also a printed copy."""
    import IPython
    import IPython.display

    from ser_lib.viz import banner

    shown = []
    monkeypatch.setattr(IPython, "get_ipython", lambda: object())
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append((obj, raw)))
    banner("only 3 of 100 epochs", title="Shortfall", kind="danger")
    assert capsys.readouterr().out == ""
    assert len(shown) == 1 and shown[0][1] is True
    assert "only 3 of 100 epochs" in shown[0][0]["text/html"]
    assert shown[0][0]["text/plain"] == "SHORTFALL: only 3 of 100 epochs"


def test_step_breakdown_draws_one_bar_pair_per_mode_and_the_target():
    import matplotlib.pyplot as plt

    from ser_lib.viz import model as vm

    m = {"compiled_step_s": 0.5, "compiled_convs_s": 0.4, "floor_step_s": 0.44, "floor_convs_s": 0.4}
    fig = vm.step_breakdown(m, target=1.3)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()][0].startswith("compiled")
    widths = sorted(round(p.get_width(), 3) for p in ax.patches)
    assert widths == [0.04, 0.1, 0.4, 0.4]  # convolutions, then the rest, per mode
    assert any("1.25 ×" in t.get_text() for t in ax.texts) and any("1.10 ×" in t.get_text() for t in ax.texts)
    target_x = [line.get_xdata()[0] for line in ax.lines]
    assert target_x == pytest.approx([0.52, 0.52])
    plt.close(fig)
    # with the bound measured: one more bar, the floor + least Adam time + mask draw, over the floor's convolutions
    fig = vm.step_breakdown({**m, "bound_adam_least_s": 0.02, "bound_mask_s": 0.02}, target=1.3)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()][-1] == vm.BOUND_LABEL
    assert sorted(round(p.get_width(), 3) for p in ax.patches) == [0.04, 0.08, 0.1, 0.4, 0.4, 0.4]
    assert any("1.20 ×" in t.get_text() for t in ax.texts)
    plt.close(fig)
    with pytest.raises(ValueError, match="bench_training"):
        vm.step_breakdown({})



def test_step_ratios_by_machine_has_one_row_per_benchmark_record():
    import json
    import math

    from ser_lib.viz import model as vm

    recs = [json.loads(p.read_text()) for p in sorted((REPO / "results").glob("bench_training*.json"))]
    assert len(recs) >= 2  # the machine the book was built on, and at least one other
    table = vm.step_ratios_by_machine(recs)
    assert len(table) == len(recs) and table["machine"].nunique() >= 2   # one row per run, several runs per machine
    for rec, (_, row) in zip(recs, table.iterrows()):
        m = rec["metrics"]
        assert row["compiled step / convolutions"] == pytest.approx(m["compiled_step_s"] / m["compiled_convs_s"])
        assert row["compiled, fastest / fastest"] == pytest.approx(min(m["compiled_step_s_all"]) / min(m["compiled_convs_s_all"]))
        assert row["lowest estimate"] >= row["lowest, free mask"] >= row["floor / convolutions"]
        blocks = m.get("compiled_step_over_convs_blocks")
        if blocks:
            assert [row["compiled, lowest block"], row["compiled, highest block"]] == [min(blocks), max(blocks)]
    partial = vm.step_ratios_by_machine([{"metrics": {"compiled_step_over_convs": 1.5, "compiled_samples_per_s": 9.0}},
                                         {"metrics": {"compiled_step_over_convs": 1.4,
                                                      "compiled_step_over_convs_blocks": [1.6, 1.2, 1.3]}}])
    assert math.isnan(partial.loc[0, "floor / convolutions"]) and partial.loc[0, "machine"] == "CPU"
    assert math.isnan(partial.loc[0, "compiled, lowest block"]) and math.isnan(partial.loc[0, "compiled, fastest / fastest"])
    assert partial.loc[1, ["compiled, lowest block", "compiled, highest block"]].tolist() == [1.2, 1.6]
    with pytest.raises(ValueError, match="bench_training"):
        vm.step_ratios_by_machine([{"metrics": {"fast_step_s": 1.0}}])


def test_curves_side_by_side_draws_one_panel_per_corpus_and_one_line_per_model():
    import matplotlib.pyplot as plt

    from ser_lib.viz import model as vm

    ep = [{"epoch": e, "val_uar": e / 10} for e in range(1, 6)]
    fig = vm.curves_side_by_side({"SAVEE": {"full": ep, "printed": ep[:3]}, "TESS": {"full": ep}})
    axes = fig.axes
    assert [a.get_title(loc="left") or a.get_title() for a in axes] == ["SAVEE", "TESS"]
    assert [len(a.lines) for a in axes] == [2, 1]
    assert list(axes[0].lines[1].get_ydata()) == pytest.approx([10, 20, 30])  # fractions drawn in %
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["full", "printed"]
    plt.close(fig)
    with pytest.raises(ValueError, match="no runs"):
        vm.curves_side_by_side({})
