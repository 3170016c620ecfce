"""Figures for the book: the forward pass, both gradients, the boxes ①②③ and the flipped filter.

Arrays are drawn as grids of unit cells like matrices: cell [i, j] is the square
[j, j + 1] x [i, i + 1] with row 0 at the top, so the window of the output pixel (r, c) is the
rectangle from (c, r) of width k2 and height k1. Values are printed in the cells of small arrays.
Single channel, stride 1, no padding, as in :mod:`convlib.windows`.

Every function returns a new :class:`matplotlib.figure.Figure` that pyplot has already closed: a
notebook shows it once, as the value of the cell, and nothing needs closing. Artists carry a gid
the tests (and curious readers) can look for:
"window", "box ①", "pixel", "affected", "highlight", "padding", "inserted", "value", "label".

Colours are Okabe and Ito's palette, safe for colour-blind readers: light fills behind the digits,
the darker :data:`convlib.palette.INK` for outlines and labels; the boxes ①②③ also differ in line
style and numeral. Figures fit the page's text column
(:data:`convlib.figures.grids.MAX_WIDTH`).
"""

import numpy as np
from matplotlib.colors import to_rgb
from matplotlib.patches import Rectangle

from ..fast import conv2d, conv2d_grad_w, flip
from ..frames import full_correlation_grid
from ..shapes import as_array, check_2d, check_index, check_pair
from ..windows import (
    box_labels,
    windows_containing,
)
from .grids import (
    BOX_STYLE,
    CELL,
    DPI,
    INK,
    MAX_VALUES,
    MAX_WIDTH,
    MIN_FONT,
    OKABE_ITO,
    detached_figure,
    draw_grid,
    draw_label,
    factor,
    fmt,
    grid_layout,
    new_figure,
    outline,
    shade,
)

__all__ = [
    "OKABE_ITO",
    "MAX_VALUES",
    "plot_forward",
    "plot_weight_gradient",
    "plot_boxes",
    "plot_flip",
    "plot_full_correlation",
    "plot_training",
]


def _check_fits(w, x, w_name, x_name):
    if w.shape[0] > x.shape[0] or w.shape[1] > x.shape[1]:
        raise ValueError(
            f"{w_name} must be no larger than {x_name}: {w_name} has shape {w.shape}, "
            f"{x_name} has shape {x.shape}"
        )


def plot_forward(x, w, r, c):
    """x with the window of y[r, c] outlined, w, and y = conv2d(x, w) with y[r, c] highlighted.

    Parameters
    ----------
    x : array_like of shape (H, W)
    w : array_like of shape (k1, k2), no larger than x
    r, c : int
        The output pixel, in 0..N1 - 1 and 0..N2 - 1 with (N1, N2) = (H - k1 + 1, W - k2 + 1).

    Returns
    -------
    matplotlib.figure.Figure
        Three panels; the title writes y[r, c] as its sum of products and gives its value.

    Examples
    --------
    >>> fig = plot_forward(np.arange(12).reshape(3, 4), np.eye(2), 1, 2)
    >>> fig.get_suptitle().splitlines()[-1]
    '= 6·1 + 7·0 + 10·0 + 11·1 = 17'
    """
    x, w = check_2d(x, "x", "(H, W)"), check_2d(w, "w", "(k1, k2)")
    _check_fits(w, x, "w", "x")
    y = conv2d(x, w)
    (N1, N2), (k1, k2) = y.shape, w.shape
    r = check_index(r, "r", N1, f"a row of the output y, which has N1 = H - k1 + 1 = {N1} rows")
    c = check_index(c, "c", N2, f"a column of y, which has N2 = W - k2 + 1 = {N2} columns")
    fig, (ax_x, ax_w, ax_y) = new_figure([x.shape, w.shape, y.shape])
    fill, color = OKABE_ITO["blue"], INK["blue"]
    draw_grid(ax_x, x.shape, x, r"$x$")
    shade(ax_x, r, c, k1, k2, fill, gid="window")
    outline(ax_x, r, c, k1, k2, color)
    draw_grid(ax_w, w.shape, w, r"$w$")
    shade(ax_w, 0, 0, k1, k2, fill, gid="window")
    draw_grid(ax_y, y.shape, y, r"$y = \mathrm{conv2d}(x, w)$")
    shade(ax_y, r, c, color=fill)
    outline(ax_y, r, c, 1, 1, color, gid="highlight")
    sum_line = rf"$y[{r}, {c}] = \sum_a \sum_b\, x[{r} + a, {c} + b]\; w[a, b]$"
    products = [
        f"{factor(x[r + a, c + b])}·{factor(w[a, b])}" for a in range(k1) for b in range(k2)
    ]
    lines = [" + ".join(products[i : i + 5]) for i in range(0, len(products), 5)]
    numbers = "\n+ ".join(lines) + " " if k1 * k2 <= 9 else ""
    fig.suptitle(f"{sum_line}\n= {numbers}= {fmt(y[r, c], 6)}")
    return fig


def plot_weight_gradient(x, dy, ap, bp, *, channels=None):
    """The pixels that w[a', b'] multiplies, all of dL/dy, and dL/dw with (a', b') highlighted.

    Parameters
    ----------
    x : array_like of shape (H, W)
    dy : array_like of shape (N1, N2), no larger than x
        dL/dy; the filter is (k1, k2) = (H - N1 + 1, W - N2 + 1).
    ap, bp : int
        The weight (a', b'), in 0..k1 - 1 and 0..k2 - 1.
    channels : tuple (n, o, i) of int, optional
        When x is channel i of image n of a batch and dy channel o of that image's dL/dy, the
        titles say so: the panels show x[n, i], dL/dy[n, o] and image n's share of dL/dw[o, i],
        whose entry [a', b'] is image n's share of dL/dw[o, i, a', b'].

    Returns
    -------
    matplotlib.figure.Figure
        Panels x with the N1 x N2 block x[a' : a' + N1, b' : b' + N2] shaded and outlined, dL/dy
        fully shaded ("every output pixel") and dL/dw = conv2d_grad_w(x, dy), shape (k1, k2);
        the title gives the value of dL/dw[a', b'] (or of image n's share of dL/dw[o, i, a', b']).

    Examples
    --------
    >>> fig = plot_weight_gradient(np.arange(9).reshape(3, 3), np.ones((2, 2)), 0, 1)
    >>> fig.get_suptitle().endswith("= 12$")  # dL/dw[0, 1] = 1 + 2 + 4 + 5
    True
    >>> x, dy = np.arange(9).reshape(3, 3), np.ones((2, 2))
    >>> plot_weight_gradient(x, dy, 0, 1, channels=(0, 2, 1)).get_suptitle().split("=")[0]
    "image 0's share of $\\\\partial L/\\\\partial w[2, 1, 0, 1] "
    """
    x, dy = check_2d(x, "x", "(H, W)"), check_2d(dy, "dy", "(N1, N2)")
    if channels is not None:
        if not (
            isinstance(channels, tuple)
            and len(channels) == 3
            and all(isinstance(v, (int, np.integer)) and v >= 0 for v in channels)
        ):
            raise ValueError(
                f"channels must be a tuple (n, o, i) of three non-negative ints, got {channels!r}"
            )
    _check_fits(dy, x, "dy", "x")
    dw = conv2d_grad_w(x, dy)
    (N1, N2), (k1, k2) = dy.shape, dw.shape
    ap = check_index(ap, "ap", k1, f"a row of w, which has k1 = H - N1 + 1 = {k1} rows")
    bp = check_index(bp, "bp", k2, f"a column of w, which has k2 = W - N2 + 1 = {k2} columns")
    fig, (ax_x, ax_dy, ax_dw) = new_figure([x.shape, dy.shape, dw.shape])
    fill, color = OKABE_ITO["orange"], INK["orange"]
    if channels is None:
        share, (x_at, dy_at, w_at) = "", ("", "", "")
    else:
        n, o, i = (int(v) for v in channels)
        share, (x_at, dy_at, w_at) = (
            f"image {n}'s share of ",
            (f"{n}, {i}", f"{n}, {o}", f"{o}, {i}"),
        )
    x_name, dy_name = (
        f"x[{x_at}]" if x_at else "x",
        rf"\partial L/\partial y[{dy_at}]" if dy_at else r"\partial L/\partial y",
    )
    w_weight = f"w[{w_at}, {ap}, {bp}]" if w_at else f"w[{ap}, {bp}]"
    draw_grid(ax_x, x.shape, x, rf"${x_name}$: the pixels" + f"\n${w_weight}$ multiplies")
    shade(ax_x, ap, bp, N1, N2, fill, gid="window")
    outline(ax_x, ap, bp, N1, N2, color)
    draw_grid(ax_dy, dy.shape, dy, rf"${dy_name}$:" + "\nevery output pixel")
    shade(ax_dy, 0, 0, N1, N2, fill, gid="window")
    dw_title = r"$\partial L/\partial w$"
    if w_at:
        dw_title = f"{share}\n" + rf"$\partial L/\partial w[{w_at}]$"
    draw_grid(ax_dw, dw.shape, dw, dw_title)
    shade(ax_dw, ap, bp, color=fill)
    outline(ax_dw, ap, bp, 1, 1, color, gid="highlight")
    terms = (
        rf"\partial L/\partial y[{dy_at + ', ' if dy_at else ''}r, c]\;"
        rf"x[{x_at + ', ' if x_at else ''}r + {ap}, c + {bp}]"
    )
    fig.suptitle(
        rf"{share}$\partial L/\partial {w_weight} = \sum_r \sum_c$"
        f"\n${terms} = {fmt(dw[ap, bp], 6)}$"
    )
    return fig


def plot_boxes(x_shape, w_shape, rp, cp):
    """The windows that contain the input pixel x[r', c']: boxes ①, ② and ③, and what they reach.

    Parameters
    ----------
    x_shape : pair of int
        (H, W), the shape of the input x.
    w_shape : pair of int
        (k1, k2), the shape of the filter, no larger than x.
    rp, cp : int
        The pixel (r', c'), in 0..H - 1 and 0..W - 1.

    Returns
    -------
    matplotlib.figure.Figure
        Left, the input grid with x[r', c'] filled and the windows ① (first), ② (one in between)
        and ③ (last) of :func:`convlib.windows.windows_containing` outlined, each labelled in
        its corner farthest from the pixel. Right, the output grid (N1, N2) with every y[r, c]
        that the pixel affects shaded and (unless the grids are large) marked with the weight
        w[a, b] it meets there; the cells of ①②③ are outlined and labelled. A corner pixel has one
        window, labelled ①=③.

    Examples
    --------
    >>> fig = plot_boxes((5, 6), (3, 3), 0, 0)
    >>> [t.get_text() for t in fig.axes[1].texts]
    ['w[0,0]', '①=③']
    """
    H, W = check_pair(x_shape, "x_shape", "(H, W)")
    k1, k2 = check_pair(w_shape, "w_shape", "(k1, k2)")
    if k1 > H or k2 > W:
        raise ValueError(f"w_shape must be no larger than x_shape {(H, W)}, got {(k1, k2)}")
    N1, N2 = H - k1 + 1, W - k2 + 1
    windows = windows_containing(rp, cp, (N1, N2), (k1, k2))
    labels = box_labels(windows)
    fig, (ax_x, ax_y) = new_figure([(H, W), (N1, N2)])
    pixel = OKABE_ITO["vermillion"]
    draw_grid(ax_x, (H, W), title=r"input $x$," + f"\npixel $x[{rp}, {cp}]$")
    shade(ax_x, rp, cp, color=pixel, alpha=0.6, gid="pixel")
    n = len(windows)
    draw_grid(ax_y, (N1, N2), title=f"output $y$:\nthe {n} pixel{'s' * (n > 1)} it affects")
    cell, _ = grid_layout([(H, W), (N1, N2)])
    roomy = cell >= 0.39  # room in a cell for the weight's name under its label
    for r, c, a, b in windows:
        shade(ax_y, r, c, color=pixel, alpha=0.25, gid="affected")
        if roomy:
            ax_y.text(c + 0.5, r + 0.94, f"w[{a},{b}]", ha="center", va="bottom", fontsize=MIN_FONT)
    for i, label in labels.items():
        r, c, _, _ = windows[i]
        color, linestyle, inset = BOX_STYLE[label]
        outline(ax_x, r, c, k1, k2, color, linestyle, inset, gid=f"box {label}")
        # The corner farthest from the pixel, where the other boxes are least likely to be.
        bottom, right = r + k1 - 1 - rp > rp - r, c + k2 - 1 - cp > cp - c
        pad = inset + 0.06
        x_text = c + k2 - pad if right else c + pad
        y_text = r + k1 - pad if bottom else r + pad
        where = {"ha": "right" if right else "left", "va": "bottom" if bottom else "top"}
        draw_label(ax_x, x_text, y_text, label, color, **where)
        outline(ax_y, r, c, 1, 1, color, linestyle, gid=f"box {label}")
        draw_label(
            ax_y, c + 0.5, r + (0.4 if roomy else 0.5), label, color, ha="center", va="center"
        )
    return fig


def plot_flip(w):
    """w and flip(w) side by side, each cell named by its index in w: a 180-degree rotation.

    Parameters
    ----------
    w : array_like of shape (k1, k2)

    Returns
    -------
    matplotlib.figure.Figure
        Cell [a, b] of the left panel reads "w[a,b]", of the right panel "w[k1-1-a,k2-1-b]",
        with the value below when the filter is small; the four corners are coloured alike in
        both panels.

    Examples
    --------
    >>> fig = plot_flip(np.arange(6).reshape(2, 3))
    >>> fig.axes[1].texts[0].get_text().split()  # the top-left cell of w^flip
    ['w[1,2]', '5']
    """
    w = check_2d(w, "w", "(k1, k2)")
    k1, k2 = w.shape
    fig, (ax_w, ax_flip) = new_figure([w.shape, w.shape])
    corners = {
        (0, 0): OKABE_ITO["orange"],
        (0, k2 - 1): OKABE_ITO["bluish green"],
        (k1 - 1, 0): OKABE_ITO["reddish purple"],
        (k1 - 1, k2 - 1): OKABE_ITO["sky blue"],
    }
    draw_grid(ax_w, w.shape, title=r"$w$")
    draw_grid(ax_flip, w.shape, title=r"$w^{\mathrm{flip}}$")
    fig.suptitle(r"$w^{\mathrm{flip}}[a, b] = w[k_1 - 1 - a,\ k_2 - 1 - b]$: $w$ turned by 180°")
    small = max(k1, k2) <= MAX_VALUES
    # The right panel takes its values from flip(w) and its names from the formula: the two
    # agree only if flip is the rotation the title says.
    for ax, array, turned in ((ax_w, w, False), (ax_flip, flip(w), True)):
        for (i, j), value in np.ndenumerate(array):
            a, b = (k1 - 1 - i, k2 - 1 - j) if turned else (i, j)
            text = f"w[{a},{b}]" + (f"\n{fmt(value)}" if small else "")
            ax.text(
                j + 0.5, i + 0.5, text, ha="center", va="center", fontsize=MIN_FONT, gid="value"
            )
            if (a, b) in corners:
                shade(ax, i, j, color=corners[a, b], alpha=0.5)
    return fig


def plot_full_correlation(dy, w, rp, cp, *, stride=1, x_shape=None):
    """dL/dx[r', c'] as a window of the zero-padded dL/dy times the flipped filter.

    Parameters
    ----------
    dy : array_like of shape (N1, N2)
        dL/dy.
    w : array_like of shape (k1, k2)
    rp, cp : int
        The input pixel (r', c'), in 0..H - 1 and 0..W - 1.
    stride : int or pair of int, optional
        The layer's stride s; at s > 1, s - 1 zeros are inserted between the entries of dL/dy.
    x_shape : pair of int, optional
        (H, W), the shape of x, which a stride leaves undetermined; by default the smallest that
        gives dy, (s1 (N1 - 1) + k1, s2 (N2 - 1) + k2).

    Returns
    -------
    matplotlib.figure.Figure
        Panels: dL/dy padded with k1 - 1 rows and k2 - 1 columns of zeros on each side (padding
        cells grey, gid "padding"; at a stride, the inserted zeros light blue and hatched, gid
        "inserted"; values printed up to 12 x 12), with the k1 x k2 window that starts at
        (r', c') outlined; w^flip = flip(w); and dL/dx = conv2d_grad_x(dy, w, x_shape, stride)
        with (r', c') highlighted.

    Examples
    --------
    >>> fig = plot_full_correlation(np.ones((2, 2)), np.array([[1, 2], [3, 4]]), 1, 1)
    >>> fig.get_suptitle().endswith("= 10$")  # dL/dx[1, 1] = 4 + 3 + 2 + 1
    True
    >>> fig = plot_full_correlation(np.ones((2, 2)), np.ones((1, 1)), 1, 1, stride=2)
    >>> [p.get_gid() for p in fig.axes[0].patches].count("inserted")  # 3 x 3 grid, 4 entries
    5
    """
    dy, w = check_2d(dy, "dy", "(N1, N2)"), check_2d(w, "w", "(k1, k2)")
    g = full_correlation_grid(dy, w, stride=stride, x_shape=x_shape)
    (k1, k2), dx, padded = w.shape, g.dx, g.padded
    H, W = dx.shape
    rp = check_index(rp, "rp", H, f"a row of dL/dx, which has H = {H} rows")
    cp = check_index(cp, "cp", W, f"a column of dL/dx, which has W = {W} columns")
    fig, (ax_pad, ax_w, ax_dx) = new_figure([padded.shape, w.shape, dx.shape])
    fill, color = OKABE_ITO["bluish green"], INK["bluish green"]
    if g.stride == (1, 1):
        title = r"$\partial L/\partial y$ padded with zeros"
    else:
        title = r"$\partial L/\partial y$, zeros inserted" + f"\n(stride {g.stride[0]}), padded"
        if g.stride[0] != g.stride[1]:
            title = r"$\partial L/\partial y$, zeros inserted" + f"\n(stride {g.stride}), padded"
    draw_grid(ax_pad, padded.shape, padded, title, 12)
    for i, j in zip(*np.nonzero(g.padding), strict=True):
        shade(ax_pad, i, j, color=OKABE_ITO["grey"], alpha=0.3, gid="padding")
    for i, j in zip(*np.nonzero(g.inserted), strict=True):
        ax_pad.add_patch(
            Rectangle(
                (j, i),
                1,
                1,
                facecolor=(*to_rgb(OKABE_ITO["sky blue"]), 0.4),
                hatch="//",
                edgecolor=INK["blue"],
                lw=0,
                zorder=0.5,
                gid="inserted",
            )
        )
    shade(ax_pad, rp, cp, k1, k2, fill, alpha=0.25, gid="window")
    outline(ax_pad, rp, cp, k1, k2, color)
    draw_grid(ax_w, w.shape, flip(w), r"$w^{\mathrm{flip}}$")
    draw_grid(ax_dx, dx.shape, dx, r"$\partial L/\partial x$")
    shade(ax_dx, rp, cp, color=fill)
    outline(ax_dx, rp, cp, 1, 1, color, gid="highlight")
    grid = r"y_{\mathrm{pad}}" if g.stride == (1, 1) else r"y_{\mathrm{ins,pad}}"
    fig.suptitle(
        rf"$\partial L/\partial x[{rp}, {cp}] = \sum_a \sum_b\, \partial L/\partial "
        rf"{grid}[{rp} + a, {cp} + b]\; w^{{\mathrm{{flip}}}}[a, b]$"
        f"\n$= {fmt(dx[rp, cp], 6)}$"
    )
    return fig


def plot_training(losses, w_true, w_learned):
    """The loss during training (log scale) and the true and learned filters side by side.

    Parameters
    ----------
    losses : array_like of shape (steps,)
        Positive, finite losses, one per step.
    w_true, w_learned : array_like of shape (k1, k2)
        The filter that made the data and the one gradient descent found.

    Returns
    -------
    matplotlib.figure.Figure
        The loss curve against the step above both filters, as grids with values; the learned
        panel's title gives the largest error |w_learned - w_true|.

    Examples
    --------
    >>> fig = plot_training([1.0, 0.1, 0.01], np.eye(2), np.eye(2) + 0.001)
    >>> fig.axes[0].get_yscale(), fig.axes[2].get_title()
    ('log', 'learned $w$ (max error 0.001)')
    """
    losses = as_array(losses, "losses")
    if losses.ndim != 1:
        raise ValueError(f"losses must be 1-D (steps,), got shape {losses.shape}")
    bad = np.flatnonzero(~(np.isfinite(losses) & (losses > 0)))
    if bad.size:
        raise ValueError(
            f"losses must be finite and positive for the log axis, got {bad.size} that are not, "
            f"the first at step {bad[0]}: {float(losses[bad[0]])}"
        )
    w_true = check_2d(w_true, "w_true", "(k1, k2)")
    w_learned = check_2d(w_learned, "w_learned", "(k1, k2)")
    if w_learned.shape != w_true.shape:
        raise ValueError(
            f"w_learned must have the shape of w_true, {w_true.shape}, got {w_learned.shape}"
        )
    # The loss curve across the top, the two filters side by side below it.
    width = MAX_WIDTH / DPI
    (k1, k2) = w_true.shape
    cell = min(CELL, (width / 2 - 0.8) / k2)
    grids = k1 * cell + 1.2
    fig = detached_figure((width, 2.6 + grids))
    layout = fig.add_gridspec(2, 2, height_ratios=[2.6, grids])
    ax_loss = fig.add_subplot(layout[0, :])
    ax_true, ax_learned = fig.add_subplot(layout[1, 0]), fig.add_subplot(layout[1, 1])
    ax_loss.semilogy(np.arange(losses.size), losses, color=INK["blue"])
    ax_loss.set(xlabel="step", ylabel="loss $L$", title="training loss")
    draw_grid(ax_true, w_true.shape, w_true, r"true $w$")
    error = np.max(np.abs(w_learned - w_true))
    draw_grid(ax_learned, w_learned.shape, w_learned, f"learned $w$ (max error {fmt(error, 2)})")
    return fig
