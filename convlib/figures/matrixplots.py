"""The pattern of a matrix drawn square by square: the convolution matrices of
:mod:`convlib.matrix` (chapter 7), with their blocks outlined.
"""

import numpy as np

from ..frames import fmt
from ..palette import INK, OKABE_ITO
from ..shapes import check_2d, check_pair
from .grids import DPI, MAX_WIDTH, MIN_FONT, detached_figure

__all__ = ["plot_matrix_pattern"]


def plot_matrix_pattern(M, title="", *, values=False, blocks=None):
    """The sparsity pattern of a matrix: one square per nonzero entry, rows downwards.

    Parameters
    ----------
    M : array_like of shape (rows, columns)
        The matrix, e.g. from :func:`convlib.matrix.conv_matrix`. Entries exactly 0 are left blank.
    title : str
        The axes' title.
    values : bool
        Print each nonzero value in its square (there is room for up to 23 columns).
    blocks : (int, int), optional
        Draw a thin line every ``blocks[0]`` rows and every ``blocks[1]`` columns; (N2, W) for a
        convolution matrix outlines its N1 x H blocks, one per (output row r, input row i).

    Returns
    -------
    matplotlib.figure.Figure
        Closed by pyplot (a notebook shows it once). The squares are one scatter collection with
        gid "nonzero", one point per nonzero entry at (column, row); values have gid "value".

    Examples
    --------
    >>> fig = plot_matrix_pattern(np.eye(3), values=True)
    >>> fig.axes[0].collections[0].get_offsets().tolist()
    [[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]]
    """
    M = check_2d(M, "M", "(rows, columns)")
    if blocks is not None:
        blocks = check_pair(blocks, "blocks", "(rows per block, columns per block)")
    rows, cols = M.shape
    room = MAX_WIDTH / DPI - 1.4  # inches for the entries, beside the axis labels
    cell = min(0.35, room / cols, 8 / rows)  # inches per entry
    if values and cell < 0.22:
        raise ValueError(
            f"values=True needs room for a number in every entry: at most {int(room / 0.22)} "
            f"columns and 36 rows, got M of shape {M.shape}"
        )
    fig = detached_figure((max(cols * cell + 1.4, 4.0), rows * cell + 1.4))
    ax = fig.add_subplot()
    ax.set(xlim=(-0.5, cols - 0.5), ylim=(rows - 0.5, -0.5), aspect="equal", title=title)
    ax.set(xlabel="input pixel (row-major)", ylabel="output pixel")
    i, j = np.nonzero(M)
    side = 0.9 * cell * 72  # points
    # Light squares behind dark numbers; their dark edge carries the pattern's contrast.
    square = {"facecolor": OKABE_ITO["sky blue"], "edgecolor": INK["blue"], "linewidths": 0.8}
    ax.scatter(j, i, s=side**2, marker="s", gid="nonzero", **square)
    if values:
        for r, c in zip(i, j, strict=True):
            text = ax.text(c, r, fmt(M[r, c], 2), ha="center", va="center")
            text.set(fontsize=MIN_FONT, gid="value")
    if blocks is not None:
        line = {"colors": INK["grey"], "linewidth": 0.6, "gid": "block"}
        ax.hlines(np.arange(blocks[0], rows, blocks[0]) - 0.5, -0.5, cols - 0.5, **line)
        ax.vlines(np.arange(blocks[1], cols, blocks[1]) - 0.5, -0.5, rows - 0.5, **line)
    step = 1 if max(rows, cols) <= 25 else 5
    ax.set_xticks(range(0, cols, step))
    ax.set_yticks(range(0, rows, step))
    ax.tick_params(labelsize=MIN_FONT)
    return fig
