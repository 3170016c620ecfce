"""Arrays drawn as grids of cells, for the book's figures and animations.

Cell [i, j] is the unit square [j, j + 1] x [i, i + 1] with row 0 at the top, like a matrix, so the
window of output pixel (r, c) is the rectangle from (c, r) of width k2 and height k1. Colours are
Okabe and Ito's palette, safe for colour-blind readers: its light colours fill cells behind dark
digits, its darker :data:`INK` draws outlines, labels and curves (see :mod:`convlib.palette`).

Figures are drawn at the size the book's pages show them: at most :data:`MAX_WIDTH` pixels wide
at :data:`DPI` dots per inch, the width of a page's text column on a laptop, with no text smaller
than :data:`MIN_FONT_PX` pixels, so that a figure is never scaled down to illegible digits.
"""

from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.font_manager import FontProperties
from matplotlib.ft2font import FT2Font
from matplotlib.patches import Rectangle

# fmt and factor live with the frames, which need them without matplotlib.
from ..frames import factor, fmt
from ..palette import BOX_STYLE, INK, OKABE_ITO, PAPER
from ..windows import FIRST, LAST, MIDDLE, ONLY

__all__ = [
    "OKABE_ITO",
    "INK",
    "MAX_VALUES",
    "CELL",
    "MIN_CELL",
    "DPI",
    "MAX_WIDTH",
    "COLUMN",
    "MIN_FONT_PX",
    "MIN_FONT",
    "BOX_STYLE",
    "fmt",
    "factor",
    "detached_figure",
    "grid_layout",
    "new_figure",
    "draw_grid",
    "shade",
    "outline",
    "draw_label",
]

MAX_VALUES = 8  # values are printed in arrays of at most this many rows and columns
DPI = 100  # pixels per inch of every figure, whatever the reader's matplotlib settings
# A page of the book (sphinx-book-theme) shows a cell's output at most COLUMN px wide in a
# 1280 px window, and scales a wider PNG down to it. Figures are at most MAX_WIDTH px wide: the
# notebook's inline backend saves them cropped to what they draw plus 0.1 in on each side.
COLUMN = 672  # pixels, measured in Chromium
MAX_WIDTH = 640  # pixels
MIN_FONT_PX = 11  # the smallest text, in pixels as shown
MIN_FONT = MIN_FONT_PX * 72 / DPI  # the same in points: 7.92
CELL = 0.5  # inches per cell, at most
MIN_CELL = 0.27  # inches per cell in a row of panels, at least: room for "-12" in MIN_FONT
STACKED_CELL = 0.36  # inches per cell, at most, when the panels stand one under the other
TITLE_WIDTH = 1.8  # inches: a panel's title has room for about 28 characters
DIGITS = {FIRST: "1", MIDDLE: "2", LAST: "3", ONLY: "1=3"}  # the fallback labels

# Fonts without the circled digits (DejaVu Serif, for one) draw an empty box and warn, so the
# labels name matplotlib's own DejaVu Sans file; were they missing there too, digits in circles
# would replace them.
LABEL_FONT = FontProperties(fname=Path(matplotlib.get_data_path(), "fonts/ttf/DejaVuSans.ttf"))
CIRCLED_DIGITS_IN_FONT = {0x2460, 0x2461, 0x2462} <= set(
    FT2Font(LABEL_FONT.get_file()).get_charmap()
)


def detached_figure(figsize):
    """A new figure that pyplot has let go of.

    Made by pyplot, so that in a notebook the inline backend knows how to show it; closed at once,
    so that it is shown once, as the value of the cell that returns it, not a second time when the
    cell ends, and is freed like any other object.

    Its size is in inches at :data:`DPI`, on white paper (also in a dark theme, and not
    transparent); wider than :data:`MAX_WIDTH` pixels is refused.
    """
    width, height = figsize
    if not (0 < width * DPI <= MAX_WIDTH + 1e-6 and height > 0):
        raise ValueError(
            f"figsize must be (width, height) in inches with width at most {MAX_WIDTH / DPI:g} "
            f"({MAX_WIDTH} px at {DPI} dpi, the page's text column), got {tuple(figsize)}"
        )
    fig = plt.figure(
        figsize=(min(width, MAX_WIDTH / DPI), height),
        dpi=DPI,
        facecolor=PAPER,
        layout="constrained",
    )
    plt.close(fig)
    return fig


def grid_layout(shapes):
    """(cell, stacked) for panels of shapes (rows, cols): inches per cell, and whether the panels
    stand one under the other.

    In one row when the cells can be at least :data:`MIN_CELL` inches there within
    :data:`MAX_WIDTH`; otherwise stacked, with cells of at most :data:`STACKED_CELL` inches.
    """
    room = MAX_WIDTH / DPI

    def width(cell):
        return sum(panel_width(s, cell) for s in shapes)

    if width(MIN_CELL) <= room + 1e-9:
        low, high = MIN_CELL, CELL  # the largest cell that fits, to a hundredth of an inch
        while high - low > 0.005:
            middle = (low + high) / 2
            low, high = (middle, high) if width(middle) <= room + 1e-9 else (low, middle)
        return low, False
    return min(STACKED_CELL, (room - 0.8) / max(s[1] for s in shapes)), True


def panel_width(shape, cell):
    """Inches for a panel of shape (rows, cols): its cells, 0.8 in for the row indices and
    margins, and at least :data:`TITLE_WIDTH` for its title."""
    return max(shape[1] * cell + 0.8, TITLE_WIDTH)


def new_figure(shapes):
    """A figure of panels for arrays of shapes (rows, cols), in a row or stacked.

    See :func:`grid_layout` for where the panels go and :func:`detached_figure`.
    """
    cell, stacked = grid_layout(shapes)
    if not stacked:
        width = sum(panel_width(s, cell) for s in shapes)
        # Room above the cells for the titles: the figure's (up to three lines) and the panels'.
        fig = detached_figure((width, max(s[0] for s in shapes) * cell + 2.0))
        # Each panel its own width, title included: a narrow array's title would otherwise run
        # over its neighbour or off the figure (its cells may then come out a little larger).
        ratios = [panel_width(s, cell) for s in shapes]
        axes = fig.subplots(1, len(shapes), width_ratios=ratios, squeeze=False)
        return fig, list(axes[0])
    heights = [s[0] * cell + 0.8 for s in shapes]
    width = max(panel_width(s, cell) for s in shapes)
    fig = detached_figure((width, sum(heights) + 1.0))
    axes = fig.subplots(len(shapes), 1, height_ratios=heights, squeeze=False)
    return fig, list(axes[:, 0])


def draw_grid(ax, shape, values=None, title="", max_values=MAX_VALUES):
    """Cell borders, row and column indices, and the values if the array is small."""
    H, W = shape
    ax.set(xlim=(0, W), ylim=(H, 0), aspect="equal")
    lines = {"colors": "0.35", "linewidth": 0.8, "zorder": 1, "clip_on": False}
    ax.hlines(range(H + 1), 0, W, **lines)
    ax.vlines(range(W + 1), 0, H, **lines)
    step = 1 if max(H, W) <= 16 else 5
    ax.set_xticks(np.arange(0, W, step) + 0.5, labels=range(0, W, step))
    ax.set_yticks(np.arange(0, H, step) + 0.5, labels=range(0, H, step))
    ax.xaxis.tick_top()
    ax.tick_params(length=0, labelsize=MIN_FONT)
    ax.spines[:].set_visible(False)
    ax.set_title(title)
    if values is not None and max(H, W) <= max_values:
        for (i, j), v in np.ndenumerate(values):
            if not np.isnan(v):  # NaN marks a cell not computed yet: left blank
                ax.text(
                    j + 0.5,
                    i + 0.5,
                    fmt(v),
                    ha="center",
                    va="center",
                    fontsize=MIN_FONT,
                    gid="value",
                )


def shade(ax, r, c, height=1, width=1, color=OKABE_ITO["grey"], alpha=0.35, gid="highlight"):
    ax.add_patch(Rectangle((c, r), width, height, facecolor=color, alpha=alpha, lw=0, zorder=0.5))
    ax.patches[-1].set_gid(gid)


def outline(ax, r, c, height, width, color, linestyle="-", inset=0.04, gid="window"):
    style = {"fill": False, "edgecolor": color, "linewidth": 2.5, "linestyle": linestyle}
    corner = (c + inset, r + inset)
    ax.add_patch(
        Rectangle(corner, width - 2 * inset, height - 2 * inset, zorder=3, gid=gid, **style)
    )


def draw_label(ax, x, y, label, color, **kwargs):
    """Draw ①, ②, ③ or ①=③ at (x, y), as glyphs or, failing those, as digits in circles."""
    if CIRCLED_DIGITS_IN_FONT:
        ax.text(x, y, label, color=color, fontproperties=LABEL_FONT, size=12, gid="label", **kwargs)
    else:
        style = "circle,pad=0.15" if len(DIGITS[label]) == 1 else "round,pad=0.15"
        bbox = {"boxstyle": style, "facecolor": "white", "edgecolor": color}
        ax.text(x, y, DIGITS[label], color=color, fontsize=9, bbox=bbox, gid="label", **kwargs)
    ax.texts[-1].set_zorder(4)
