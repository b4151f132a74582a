"""Small display helpers shared by the chapters (players next to figures).

Chapter-specific plotting lives in submodules: :mod:`ser_lib.viz.corpora`,
:mod:`ser_lib.viz.features`, :mod:`ser_lib.viz.model`, :mod:`ser_lib.viz.audit`.
"""
from __future__ import annotations

import numpy as np

__all__ = ["audio_player", "synthetic_banner"]


def audio_player(y: np.ndarray, sr: int, *, normalize: bool = True):
    """An ``IPython.display.Audio`` player for a mono signal ``y`` (float, shape ``(n,)``) at ``sr`` Hz.

    Rendered as an ``<audio>`` element both in JupyterLab and in the built book.
    """
    from IPython.display import Audio

    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1 or y.size == 0:
        raise ValueError(f"audio_player expects a non-empty 1-D signal, got shape {y.shape}")
    return Audio(y, rate=int(sr), normalize=normalize)


def synthetic_banner(corpus: str) -> None:
    """Print (and display, in a notebook) a clear notice when a chapter runs on synthetic audio."""
    if corpus != "synthetic":
        return
    msg = ("NOTE: no real corpus was found, so this chapter runs on the SYNTHETIC corpus that "
           "ser_lib generates (a source-filter toy voice, not real speech). Set SER_DATA_ROOT to a "
           "folder with the real corpora to see real results.")
    print(msg)
    try:
        from IPython.display import Markdown, display

        display(Markdown(f"```{{warning}}\n{msg}\n```"))
    except ImportError:  # pragma: no cover
        pass
