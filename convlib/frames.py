"""The book's four animations as plain data: a list of frames, each a few annotated arrays.

Nothing here draws. A frame says which arrays to show, which cells to highlight, which windows
to outline and with what label, and what the running sum is; :mod:`convlib.web.svg` draws a frame,
:mod:`convlib.web.player` turns frames into a JavaScript player for the static website, and
:mod:`convlib.web.widgets` into live Jupyter widgets. Keeping the logic here lets the tests check it
on its own: the last running sum is convlib's gradient, a corner pixel has one window, the
weights collected by the boxes are the flipped filter.

Single channel, stride 1, no padding, as in the lecture notes, except that :func:`flip_frames` also
takes the stride and dilation of chapter 6. Cells not yet computed hold NaN.
"""

import re
from dataclasses import dataclass, field

import numpy as np

from .fast import conv2d, conv2d_grad_w, conv2d_grad_x, flip
from .shapes import as_pair, check_2d, check_index, check_pair, output_size
from .windows import (
    box_labels,
    input_gradient_terms,
    weight_gradient_terms,
)

__all__ = [
    "Box",
    "Panel",
    "Frame",
    "fmt",
    "factor",
    "minus_signs",
    "MINUS",
    "forward_frames",
    "weight_gradient_frames",
    "input_gradient_frames",
    "flip_frames",
    "FullCorrelationGrid",
    "full_correlation_grid",
]

MINUS = "\u2212"  # the minus sign, as the players and the explorer show a negative number
# A hyphen that is the sign of a number: before a digit (or ".5"), not after a letter, a digit or
# a closing bracket, where it is a hyphen or a subtraction.
_SIGN = re.compile(r"(?<![\w\])])-(?=\.?\d)")


@dataclass(frozen=True)
class Box:
    """An outlined rectangle of cells: rows r .. r + height - 1, columns c .. c + width - 1."""

    r: int
    c: int
    height: int
    width: int
    label: str = ""  # "①", "②", "③", "①=③" or ""


@dataclass(frozen=True)
class Panel:
    """One array of a frame, with its title, highlighted cells and outlined boxes."""

    title: str
    values: np.ndarray
    cells: tuple = ()  # (row, column) pairs to highlight
    boxes: tuple = ()  # Box instances to outline
    muted: tuple = ()  # (row, column) pairs drawn greyed out, e.g. zero padding
    inserted: tuple = ()  # (row, column) pairs of zeros inserted by a stride, drawn apart


@dataclass(frozen=True)
class Frame:
    """One step of an animation: its panels, a one-line caption and the running sum so far."""

    panels: tuple
    caption: str
    running_sum: float
    extra: dict = field(default_factory=dict)  # facts the tests and views may read


def fmt(value, digits=3):
    """Integers in full, other numbers to ``digits`` significant digits; never "-0"."""
    value = float(value) + 0.0
    if np.isfinite(value) and value == round(value) and abs(value) < 1e6:
        return str(int(value))
    return f"{value:.{digits}g}"


def minus_signs(text):
    """``text`` with the sign of every negative number written as the minus sign, U+2212.

    For display: the players and the explorer write "−3", which screen readers read as "minus
    3"; a hyphen between letters, indices or spaces ("r-1", "k1 - 1") and an exponent's sign
    stay as they are. Code and messages keep :func:`fmt`'s hyphen, which Python reads back.

    >>> minus_signs("y[0, 1] = (-1)·2 + 3·-2 = -8.5, not x[r-1] or k1 - 1 or 1e-05")
    'y[0, 1] = (−1)·2 + 3·−2 = −8.5, not x[r-1] or k1 - 1 or 1e-05'
    """
    return _SIGN.sub(MINUS, text)


def factor(value):
    """:func:`fmt`, in parentheses when negative: a factor of a written-out product."""
    text = fmt(value)
    return f"({text})" if text.startswith("-") else text


def _times(u, v):
    return f"{fmt(u)}·{factor(v)}"


def _partial(shape, done):
    """An array of ``shape`` holding NaN except at the ``done`` cells, given as {cell: value}."""
    values = np.full(shape, np.nan)
    for cell, value in done.items():
        values[cell] = value
    return values


def forward_frames(x, w):
    """y[r, c] = sum_a sum_b x[r + a, c + b] w[a, b], one output pixel per frame.

    Panels: x with the window at (r, c); w; the products x[r + a, c + b] w[a, b]; y filled in up
    to (r, c). The running sum of a frame is y[r, c], the sum of its products.
    """
    x, w = check_2d(x, "x", "(H, W)"), check_2d(w, "w", "(k1, k2)")
    y = conv2d(x, w)
    (k1, k2), (N1, N2) = w.shape, y.shape
    frames, done = [], {}
    for r in range(N1):
        for c in range(N2):
            products = x[r : r + k1, c : c + k2] * w
            done[(r, c)] = y[r, c]
            frames.append(
                Frame(
                    panels=(
                        Panel("x", x, boxes=(Box(r, c, k1, k2),)),
                        Panel("w", w, cells=tuple(np.ndindex(k1, k2))),
                        Panel("x[r+a, c+b] · w[a, b]", products, cells=tuple(np.ndindex(k1, k2))),
                        Panel("y", _partial(y.shape, done), cells=((r, c),)),
                    ),
                    caption=f"y[{r}, {c}] = sum of the {k1 * k2} products = {fmt(y[r, c])}",
                    running_sum=float(np.sum(products)),
                    extra={"window": (r, c), "y": float(y[r, c])},
                )
            )
    return frames


def weight_gradient_frames(x, dy, ap, bp):
    """dL/dw[a', b'] = sum_r sum_c dL/dy[r, c] x[r + a', c + b'], one output pixel per frame.

    Panels: x with window (r, c) outlined and x[r + a', c + b'] highlighted; dL/dy with (r, c);
    w's grid with (a', b'). "What does this weight affect? Everything!": there is a frame for
    every output pixel, and the last running sum is dL/dw[a', b'].
    """
    terms = weight_gradient_terms(x, dy, ap, bp)
    x, dy = np.asarray(x, dtype=float), np.asarray(dy, dtype=float)
    k1, k2 = x.shape[0] - dy.shape[0] + 1, x.shape[1] - dy.shape[1] + 1
    dw = conv2d_grad_w(x, dy)
    frames = []
    for t in terms:
        frames.append(
            Frame(
                panels=(
                    Panel("x", x, cells=((t.r + ap, t.c + bp),), boxes=(Box(t.r, t.c, k1, k2),)),
                    Panel("∂L/∂y", dy, cells=((t.r, t.c),)),
                    Panel(
                        "∂L/∂w", _partial((k1, k2), {(ap, bp): t.running_sum}), cells=((ap, bp),)
                    ),
                ),
                caption=(
                    f"window ({t.r}, {t.c}): ∂L/∂y[{t.r}, {t.c}] · x[{t.r + ap}, {t.c + bp}] = "
                    f"{_times(t.dy, t.x)}; running sum {fmt(t.running_sum)}"
                ),
                running_sum=t.running_sum,
                extra={"window": (t.r, t.c), "dw": float(dw[ap, bp])},
            )
        )
    return frames


def input_gradient_frames(dy, w, rp, cp):
    """dL/dx[r', c'] = sum_a sum_b dL/dy[r' - a, c' - b] w[a, b], one window (box) per frame.

    Panels: x's grid with the pixel and the current window (labelled ①, ② or ③ as in the notes);
    w with the weight w[a, b] that meets the pixel; dL/dy with the window's gradient
    dL/dy[r' - a, c' - b]; and the weights collected so far, each at its window's position
    relative to box ①, which fills in flip(w) for a pixel away from the border.
    """
    terms = input_gradient_terms(dy, w, rp, cp)
    dy, w = np.asarray(dy, dtype=float), np.asarray(w, dtype=float)
    (N1, N2), (k1, k2) = dy.shape, w.shape
    H, W = N1 + k1 - 1, N2 + k2 - 1
    labels = box_labels(terms)
    dx = conv2d_grad_x(dy, w)
    # Box 1 would start at (r' - k1 + 1, c' - k2 + 1), even where that window hangs over the edge.
    r0, c0 = rp - k1 + 1, cp - k2 + 1
    missing = k1 * k2 - len(terms)
    why = (
        f" (only {len(terms)} of k1·k2 = {k1 * k2} windows: the other {missing} would cross the "
        f"border, and their ∂L/∂y counts as 0)"
        if missing
        else ""
    )
    frames, collected = [], {}
    for i, t in enumerate(terms):
        label = labels.get(i, "")
        collected[(t.r - r0, t.c - c0)] = t.w
        frames.append(
            Frame(
                panels=(
                    Panel(
                        "x",
                        np.full((H, W), np.nan),
                        cells=((rp, cp),),
                        boxes=(Box(t.r, t.c, k1, k2, label),),
                    ),
                    Panel("w", w, cells=((t.a, t.b),)),
                    Panel("∂L/∂y", dy, cells=((t.r, t.c),)),
                    Panel(
                        "weights met, by window",
                        _partial((k1, k2), collected),
                        cells=((t.r - r0, t.c - c0),),
                    ),
                ),
                caption=(
                    f"{label + ' ' if label else ''}window ({t.r}, {t.c}): "
                    f"∂L/∂y[{t.r}, {t.c}] · w[{t.a}, {t.b}] = {_times(t.dy, t.w)}; "
                    f"running sum {fmt(t.running_sum)}" + (why if i == len(terms) - 1 else "")
                ),
                running_sum=t.running_sum,
                extra={
                    "window": (t.r, t.c),
                    "weight": (t.a, t.b),
                    "label": label,
                    "dx": float(dx[rp, cp]),
                    "windows": len(terms),
                },
            )
        )
    return frames


def flip_frames(dy, w, pixels=None, *, stride=1, dilation=1, x_shape=None):
    """dL/dx as a forward pass: the flipped filter over the zero-padded dL/dy, one pixel per frame.

    Panels: dL/dy with zeros around it (padding, muted) and, at stride s > 1, s - 1 zeros
    inserted between its entries (``inserted``, drawn apart from the padding), with the window at
    (r', c'); the flipped filter, which with dilation d > 1 is flip(w_d) = (flip w)_d, the dense
    filter with d - 1 zeros between the taps; and dL/dx filled in up to (r', c'). The running sum
    of a frame is dL/dx[r', c'], which the boxes animation reaches window by window.
    ``pixels`` limits the frames to some (r', c') (default: all, row-major). ``x_shape`` is the
    shape (H, W) of x, which a stride leaves undetermined (default: the smallest that gives dy).
    """
    g = full_correlation_grid(dy, w, stride=stride, dilation=dilation, x_shape=x_shape)
    (H, W), (K1, K2), padded, w_flip, dx = g.x_shape, g.w_flip.shape, g.padded, g.w_flip, g.dx
    (s1, s2), (d1, d2) = g.stride, g.dilation
    muted = tuple(zip(*np.nonzero(g.padding), strict=True))
    inserted = tuple(zip(*np.nonzero(g.inserted), strict=True))
    if (s1, s2) == (1, 1):
        grid_title = "∂L/∂y padded with zeros"
    else:
        grid_title = f"∂L/∂y with zeros inserted (stride {_pair_text(s1, s2)}) and padded"
    if (d1, d2) == (1, 1):
        filter_title = "flip(w)"
    else:
        filter_title = f"flip(w_d) = (flip w)_d, dilation {_pair_text(d1, d2)}"
    taps = np.zeros((K1, K2), dtype=bool)
    taps[::d1, ::d2] = True  # where the taps of w_d are; the pattern is its own 180° turn
    holes = tuple(zip(*np.nonzero(~taps), strict=True))
    if pixels is None:
        pixels = list(np.ndindex(H, W))
    frames, done = [], {}
    for rp, cp in pixels:
        rp = check_index(rp, "rp", H, f"a row of dL/dx, which has {H} rows")
        cp = check_index(cp, "cp", W, f"a column of dL/dx, which has {W} columns")
        value = float(np.sum(padded[rp : rp + K1, cp : cp + K2] * w_flip))
        done[(rp, cp)] = value
        frames.append(
            Frame(
                panels=(
                    Panel(
                        grid_title,
                        padded,
                        boxes=(Box(rp, cp, K1, K2),),
                        muted=muted,
                        inserted=inserted,
                    ),
                    Panel(filter_title, w_flip, cells=tuple(np.ndindex(K1, K2)), muted=holes),
                    Panel("∂L/∂x", _partial((H, W), done), cells=((rp, cp),)),
                ),
                caption=(
                    f"∂L/∂x[{rp}, {cp}] = sum of the window's entries · {filter_title.split()[0]}"
                    f" = {fmt(value)}"
                ),
                running_sum=value,
                extra={"pixel": (rp, cp), "dx": float(dx[rp, cp])},
            )
        )
    return frames


def _pair_text(u, v):
    return str(u) if u == v else f"({u}, {v})"


@dataclass(frozen=True)
class FullCorrelationGrid:
    """What the full correlation of a strided, dilated layer reads: see full_correlation_grid."""

    padded: np.ndarray  # (H + K1 - 1, W + K2 - 1): dL/dy, zeros inserted, zeros around
    padding: np.ndarray  # bool, same shape: the zeros around
    inserted: np.ndarray  # bool, same shape: the zeros the stride inserted between entries
    w_flip: np.ndarray  # (K1, K2): flip(w_d), the flipped dense filter
    dx: np.ndarray  # (H, W): convlib's dL/dx
    x_shape: tuple
    stride: tuple
    dilation: tuple


def full_correlation_grid(dy, w, *, stride=1, dilation=1, x_shape=None):
    """dL/dy laid out for the full correlation with the flipped filter, at any stride and dilation.

    At stride s, s - 1 zeros go between neighbouring entries of dL/dy (the z of chapter 6); then
    K - 1 rows and columns of zeros go around it, K = d (k - 1) + 1 being the size of the dense
    filter w_d, and at the bottom and right as many more as x has rows and columns past the last
    window. The window of pixel (r', c') of dL/dx then starts at (r', c') of the grid, and
    dL/dx[r', c'] is the sum of that window times flip(w_d).

    >>> g = full_correlation_grid(np.array([[1.0, 2.0]]), np.ones((1, 1)), stride=2, x_shape=(1, 4))
    >>> g.padded.tolist(), g.inserted.tolist(), g.padding.tolist()
    ([[1.0, 0.0, 2.0, 0.0]], [[False, True, False, False]], [[False, False, False, True]])
    """
    dy, w = check_2d(dy, "dy", "(N1, N2)"), check_2d(w, "w", "(k1, k2)")
    (s1, s2), (d1, d2) = as_pair(stride, "stride"), as_pair(dilation, "dilation")
    for name, pair in (("stride", (s1, s2)), ("dilation", (d1, d2))):
        if min(pair) < 1:
            raise ValueError(f"{name} must be at least 1, got {pair}")
    (N1, N2), (k1, k2) = dy.shape, w.shape
    K1, K2 = d1 * (k1 - 1) + 1, d2 * (k2 - 1) + 1  # the dense filter w_d
    M1, M2 = s1 * (N1 - 1) + 1, s2 * (N2 - 1) + 1  # dy with the zeros inserted
    smallest = (M1 + K1 - 1, M2 + K2 - 1)
    H, W = smallest if x_shape is None else check_pair(x_shape, "x_shape", "(H, W)")
    if output_size(H, K1, s1) != N1 or output_size(W, K2, s2) != N2:
        raise ValueError(
            f"x_shape must give dy's shape {(N1, N2)} with this filter, stride and dilation: "
            f"from {smallest} to {(smallest[0] + s1 - 1, smallest[1] + s2 - 1)}, got {(H, W)}"
        )
    # The window of pixel (r', c') starts at (r', c') of this grid: K - 1 zeros above and to the
    # left, as in the full correlation, and as many below and to the right as x needs.
    padded = np.zeros((H + K1 - 1, W + K2 - 1))
    padded[K1 - 1 : K1 - 1 + M1 : s1, K2 - 1 : K2 - 1 + M2 : s2] = dy
    region = np.zeros(padded.shape, dtype=bool)
    region[K1 - 1 : K1 - 1 + M1, K2 - 1 : K2 - 1 + M2] = True
    entries = np.zeros(padded.shape, dtype=bool)
    entries[K1 - 1 : K1 - 1 + M1 : s1, K2 - 1 : K2 - 1 + M2 : s2] = True
    w_dense = np.zeros((K1, K2))
    w_dense[::d1, ::d2] = w
    w_flip = flip(w_dense)
    dx = conv2d_grad_x(dy, w, (H, W), stride=(s1, s2), dilation=(d1, d2))
    return FullCorrelationGrid(
        padded=padded,
        padding=~region,
        inserted=region & ~entries,
        w_flip=w_flip,
        dx=dx,
        x_shape=(H, W),
        stride=(s1, s2),
        dilation=(d1, d2),
    )
