"""The convolution as a matrix: vec(y) = W vec(x) = X vec(w), and a picture of the pattern.

Single channel: x of shape (H, W), w of shape (k1, k2), y of shape (N1, N2). ``vec`` is NumPy's
row-major ``ravel``: vec(x)[i W + j] = x[i, j] and vec(y)[r N2 + c] = y[r, c]. Built entry by
entry from the definition, for reading and for small examples; no library builds these matrices
for real layers (they are mostly zeros). The matrices need only NumPy; the picture imports
matplotlib when it is drawn.
"""

import numpy as np

from .shapes import check_2d, check_pair, conv_geometry, result_dtype

__all__ = ["conv_matrix", "window_matrix", "plot_matrix_pattern"]


def conv_matrix(x_shape, w, *, stride=1, padding=0, dilation=1):
    """The matrix W with vec(conv2d(x, w)) = W vec(x) for every x of shape ``x_shape``.

    Row r N2 + c is the window of output pixel (r, c): it holds w[a, b] in the column of pixel
    (s r + d a - p, s c + d b - p), for every tap that lands inside the image; taps that land in
    the zero padding multiply nothing and leave no entry.

    Parameters
    ----------
    x_shape : (int, int)
        The input's shape (H, W).
    w : array_like of shape (k1, k2)
        The filter.
    stride, padding, dilation : int or (int, int)
        As in :func:`convlib.conv2d`: s, p and d, for (rows, columns).

    Returns
    -------
    ndarray of shape (N1 N2, H W)
        float32 if ``w`` is float32, float64 otherwise. Its transpose maps vec(dL/dy) to
        vec(dL/dx): back-propagation, the transposed convolution.

    Examples
    --------
    >>> conv_matrix((2, 3), np.array([[1.0, 2.0]]))
    array([[1., 2., 0., 0., 0., 0.],
           [0., 1., 2., 0., 0., 0.],
           [0., 0., 0., 1., 2., 0.],
           [0., 0., 0., 0., 1., 2.]])
    """
    x_shape = check_pair(x_shape, "x_shape", "(H, W)")
    w = check_2d(w, "w", "(k1, k2)")
    g = conv_geometry(
        x_shape=x_shape, w_shape=w.shape, stride=stride, padding=padding, dilation=dilation
    )
    (s1, s2), (p1, p2), (d1, d2) = g.stride, g.padding, g.dilation
    H, W, N1, N2 = g.H, g.W, g.N1, g.N2
    M = np.zeros((N1 * N2, H * W), dtype=result_dtype(w))
    for r in range(N1):
        for c in range(N2):
            for a in range(g.k1):
                for b in range(g.k2):
                    i, j = s1 * r + d1 * a - p1, s2 * c + d2 * b - p2  # the pixel tap (a, b) meets
                    if 0 <= i < H and 0 <= j < W:
                        M[r * N2 + c, i * W + j] = w[a, b]
    return M


def window_matrix(x, w_shape, *, stride=1, padding=0, dilation=1):
    """The matrix X ("im2col") with vec(conv2d(x, w)) = X vec(w) for every w of shape ``w_shape``.

    Row r N2 + c is the window of output pixel (r, c), flattened: column a k2 + b holds the pixel
    that tap (a, b) meets, x[s r + d a - p, s c + d b - p], or 0 where that lies in the padding.

    Parameters
    ----------
    x : array_like of shape (H, W)
        The input.
    w_shape : (int, int)
        The filter's shape (k1, k2).
    stride, padding, dilation : int or (int, int)
        As in :func:`convlib.conv2d`.

    Returns
    -------
    ndarray of shape (N1 N2, k1 k2)
        float32 if ``x`` is float32, float64 otherwise. Its transpose maps vec(dL/dy) to
        vec(dL/dw).

    Examples
    --------
    >>> window_matrix(np.arange(6.0).reshape(2, 3), (2, 2))
    array([[0., 1., 3., 4.],
           [1., 2., 4., 5.]])
    """
    x = check_2d(x, "x", "(H, W)")
    w_shape = check_pair(w_shape, "w_shape", "(k1, k2)")
    g = conv_geometry(
        x_shape=x.shape, w_shape=w_shape, stride=stride, padding=padding, dilation=dilation
    )
    (s1, s2), (p1, p2), (d1, d2) = g.stride, g.padding, g.dilation
    X = np.zeros((g.N1 * g.N2, g.k1 * g.k2), dtype=result_dtype(x))
    for r in range(g.N1):
        for c in range(g.N2):
            for a in range(g.k1):
                for b in range(g.k2):
                    i, j = s1 * r + d1 * a - p1, s2 * c + d2 * b - p2
                    if 0 <= i < g.H and 0 <= j < g.W:
                        X[r * g.N2 + c, a * g.k2 + b] = x[i, j]
    return X


def plot_matrix_pattern(M, title="", *, values=False, blocks=None):
    """The sparsity pattern of a matrix: one square per nonzero entry, rows downwards.

    Parameters
    ----------
    M : array_like of shape (rows, columns)
        The matrix, e.g. from :func:`conv_matrix`. Entries exactly 0 are left blank.
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
    # matplotlib, only for the picture
    from .grids import DPI, INK, MAX_WIDTH, MIN_FONT, OKABE_ITO, detached_figure, fmt

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
