"""ser_lib.viz.voice: the kernel-free example switcher of "Try it on your own voice" is plain HTML
(no ipywidgets, so the published page loads no widget manager) and switches between its examples."""
from __future__ import annotations

import base64
import io
import re

import numpy as np
import pytest
import soundfile as sf
from IPython.display import HTML

from ser_lib import synthetic
from ser_lib.predict import Prediction
from ser_lib.viz import voice as VV

WIDGET_MIMES = ("application/vnd.jupyter.widget-view+json", "application/vnd.jupyter.widget-state+json")


def _examples():
    sr = synthetic.SR
    out = []
    for i, emo in enumerate(["N", "W", "T"]):
        y = synthetic.synthesize("08", "a01", emo)
        pred = Prediction(file=f"{emo}.wav", label=["neutral", "angry", "sad"][i], reliable=i != 2,
                          probabilities={"neutral": 0.5, "angry": 0.3, "sad": 0.2}, duration_s=y.size / sr,
                          warnings=[] if i != 2 else ["does not look like speech"])
        out.append({"name": f"example {i} <{emo}>", "y": y, "sr": sr, "prediction": pred, "note": f"note {i}"})
    out.append({"name": "no label", "y": np.zeros(sr, np.float32), "sr": sr,
                "prediction": Prediction(file="silent.wav", error="silent"), "note": ""})
    return out


def test_static_examples_is_plain_html_that_switches_between_examples():
    examples = _examples()
    player, info = VV.static_examples(examples)
    page = player.data
    assert isinstance(player, HTML)
    for mime in WIDGET_MIMES:
        assert mime not in page
    assert "jupyter-widgets" not in page
    n = len(examples)
    assert info["examples"] == n and info["audio_bytes"] > 0 and info["image_bytes"] > 0
    # one option per example, the first selected; names escaped
    options = re.findall(r'<option value="(\d+)"( selected)?>([^<]*)</option>', page)
    assert [int(v) for v, _, _ in options] == list(range(n))
    assert [bool(s) for _, s, _ in options] == [True] + [False] * (n - 1)
    assert options[0][2] == "example 0 &lt;N&gt;"
    # one block per example, each with its own player and figure; only the first is shown
    blocks = re.findall(r'<div class="ser-ex"( hidden)?>', page)
    assert [bool(h) for h in blocks] == [False] + [True] * (n - 1)
    audios = re.findall(r'<audio[^>]*src="data:audio/mpeg;base64,([^"]+)"', page)
    imgs = re.findall(r'<img src="data:image/png;base64,([^"]+)"', page)
    assert len(audios) == len(imgs) == n and len(set(audios)) == len(set(imgs)) == n
    y, _ = sf.read(io.BytesIO(base64.b64decode(audios[0])))
    assert y.size > 0
    assert "note 1" in page and "unreliable" in page and "no label" in page and "silent" in page
    # the menu hides every block but the chosen one (the switching itself runs in the browser:
    # tests/test_browser_voice.py)
    assert "addEventListener('change'" in page and "selectedIndex" in page


def test_static_examples_needs_an_example():
    with pytest.raises(ValueError, match="no example"):
        VV.static_examples([])
