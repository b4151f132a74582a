"""The book's figure standard: one width, resolution, font scale and colour-blind-safe palette.

The book's content column is :data:`CONTENT_WIDTH_PX` CSS pixels wide at a 1280 px window
(measured by ``tests/book_measure.py``). A figure of :data:`FULL_WIDTH` inches saved at :data:`DPI`
is about that many pixels wide, so the browser shows it at (nearly) its natural size and a
:data:`FONT_SIZE` point label is about 14 px tall; nothing is smaller than :data:`MIN_FONT_SIZE`
points (11 px). Figures have an opaque white background, so they stay readable in the theme's dark
mode, and draw with the Okabe-Ito palette, which readers with the common colour-vision deficiencies
can tell apart.

:func:`apply` sets matplotlib's ``rcParams`` and, inside IPython, shows figures as compact PNGs
(:func:`png_bytes`: tight bounding box, 256-colour palette). Every plotting function of
:mod:`ser_lib.viz` calls :func:`pyplot`, which applies the standard once.
"""
from __future__ import annotations

import io
from typing import Any

__all__ = ["CONTENT_WIDTH_PX", "DPI", "FULL_WIDTH", "HALF_WIDTH", "FONT_SIZE", "MIN_FONT_SIZE", "PALETTE",
           "SEQUENTIAL_CMAP", "RC", "apply", "pyplot", "figsize", "png_bytes", "figure_report"]

#: width (CSS px) of the book's content column at a 1280 px window
CONTENT_WIDTH_PX = 688
#: dots per inch of every figure (one dot = one CSS pixel at natural size)
DPI = 100
#: a figure as wide as the content column (inches); HALF_WIDTH for small side figures
FULL_WIDTH = 6.8
HALF_WIDTH = 3.4
#: body text of figures (points: 10 pt = 14 px at DPI); MIN_FONT_SIZE for tick labels and annotations
FONT_SIZE = 10
MIN_FONT_SIZE = 8
#: Okabe & Ito's colour-blind-safe qualitative palette (black last)
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
#: perceptually uniform, colour-blind-safe colour map for magnitudes
SEQUENTIAL_CMAP = "viridis"

RC: dict[str, Any] = {
    "figure.dpi": DPI, "savefig.dpi": DPI, "figure.figsize": (FULL_WIDTH, 3.0),
    "figure.facecolor": "white", "savefig.facecolor": "white", "figure.edgecolor": "white",
    "axes.facecolor": "white", "savefig.transparent": False,
    "font.size": FONT_SIZE, "axes.titlesize": FONT_SIZE + 1, "axes.labelsize": FONT_SIZE,
    "xtick.labelsize": FONT_SIZE - 1, "ytick.labelsize": FONT_SIZE - 1, "legend.fontsize": FONT_SIZE - 1,
    "figure.titlesize": FONT_SIZE + 2, "legend.title_fontsize": FONT_SIZE,
    "axes.titlelocation": "left", "axes.spines.top": False, "axes.spines.right": False,
    "axes.grid": False, "grid.alpha": 0.3, "image.cmap": SEQUENTIAL_CMAP,
    "text.color": "#222222", "axes.labelcolor": "#222222", "xtick.color": "#222222", "ytick.color": "#222222",
}

_APPLIED = {"rc": False}


def apply(*, ipython: bool = True) -> None:
    """Set the figure standard in matplotlib's ``rcParams`` (idempotent; call again after
    ``%matplotlib inline``, which resets a few of them) and, inside IPython, show figures as
    :func:`png_bytes` PNGs."""
    import matplotlib as mpl
    from cycler import cycler

    mpl.rcParams.update(RC)
    mpl.rcParams["axes.prop_cycle"] = cycler(color=list(PALETTE))
    _APPLIED["rc"] = True
    if not ipython:
        return
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return
    ip = get_ipython()
    if ip is None:
        return
    from matplotlib.figure import Figure

    formatters = ip.display_formatter.formatters
    formatters["image/png"].for_type(Figure, lambda fig: png_bytes(fig, close=False))
    for mime in ("image/svg+xml", "image/jpeg", "application/pdf"):  # one representation per figure
        if mime in formatters:
            formatters[mime].pop(Figure, None)


def pyplot():
    """``matplotlib.pyplot``, with the standard applied (once)."""
    import matplotlib.pyplot as plt

    if not _APPLIED["rc"]:
        apply()
    return plt


def figsize(height: float, width: float = FULL_WIDTH) -> tuple[float, float]:
    """``(width, height)`` in inches, ``width`` capped at :data:`FULL_WIDTH`."""
    return (min(float(width), FULL_WIDTH), float(height))


def png_bytes(fig, *, dpi: int = DPI, colors: int = 256, close: bool = True) -> bytes:
    """The figure as a small PNG: tight bounding box, white background, ``colors``-colour palette.

    Plots have few distinct colours, so a palette PNG is 2-4 times smaller than matplotlib's RGBA
    one and looks the same. ``close`` closes the figure afterwards (pyplot figures only).
    """
    from PIL import Image

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", pad_inches=0.06, facecolor="white")
    im = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    if colors:
        im = im.quantize(colors=colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    im.save(out, format="PNG", optimize=True)
    if close:
        import matplotlib.pyplot as plt

        plt.close(fig)
    return out.getvalue()


def figure_report(fig, *, dpi: int = DPI) -> dict:
    """Pixel size of ``fig`` as the book shows it (tight box at ``dpi``) and its smallest visible text.

    Returns ``{"width_px", "height_px", "min_font_pt", "min_font_px", "scale"}``, where ``scale`` is
    the factor the browser shrinks the image by in the content column (1 when it fits) and
    ``min_font_px`` the smallest text height on screen after that.
    """
    from PIL import Image
    from matplotlib.text import Text

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", pad_inches=0.06)
    w, h = Image.open(io.BytesIO(buf.getvalue())).size
    sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    min_pt = min(sizes) if sizes else float("nan")
    scale = min(1.0, CONTENT_WIDTH_PX / w)
    return {"width_px": w, "height_px": h, "min_font_pt": min_pt, "min_font_px": min_pt * dpi / 72 * scale,
            "scale": scale}
