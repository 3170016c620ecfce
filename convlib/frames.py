"""The book's four animations as plain data: a list of frames, each a few annotated arrays.

Nothing here draws. A frame says which arrays to show, which cells to highlight, which windows
to outline and with what label, and what the running sum is; :mod:`convlib.svg` draws a frame,
:mod:`convlib.player` turns frames into a JavaScript player for the static website, and
:mod:`convlib.widgets` into live Jupyter widgets. Keeping the logic here lets the tests check it
on its own: the last running sum is convlib's gradient, a corner pixel has one window, the
weights collected by the boxes are the flipped filter.

Single channel, stride 1, no padding, as in the lecture notes. Cells not yet computed hold NaN.
"""

from dataclasses import dataclass, field

import numpy as np

from .fast import conv2d, conv2d_grad_w, conv2d_grad_x, flip
from .shapes import check_2d, check_index
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
    "forward_frames",
    "weight_gradient_frames",
    "input_gradient_frames",
    "flip_frames",
]


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


def flip_frames(dy, w, pixels=None):
    """dL/dx as a forward pass: the flipped filter over the zero-padded dL/dy, one pixel per frame.

    Panels: dL/dy padded with k1 - 1 rows and k2 - 1 columns of zeros (padding muted) with the
    window at (r', c'); flip(w); dL/dx filled in up to (r', c'). The running sum of a frame is
    dL/dx[r', c'], which the boxes animation reaches window by window. ``pixels`` limits the
    frames to some (r', c') (default: all, row-major).
    """
    dy, w = check_2d(dy, "dy", "(N1, N2)"), check_2d(w, "w", "(k1, k2)")
    (N1, N2), (k1, k2) = dy.shape, w.shape
    H, W = N1 + k1 - 1, N2 + k2 - 1
    padded = np.pad(dy.astype(float), ((k1 - 1, k1 - 1), (k2 - 1, k2 - 1)))
    inside = np.zeros(padded.shape, dtype=bool)
    inside[k1 - 1 : k1 - 1 + N1, k2 - 1 : k2 - 1 + N2] = True
    muted = tuple(zip(*np.nonzero(~inside), strict=True))
    w_flip = flip(w)
    dx = conv2d_grad_x(dy, w)
    if pixels is None:
        pixels = list(np.ndindex(H, W))
    frames, done = [], {}
    for rp, cp in pixels:
        rp = check_index(rp, "rp", H, f"a row of dL/dx, which has {H} rows")
        cp = check_index(cp, "cp", W, f"a column of dL/dx, which has {W} columns")
        value = float(np.sum(padded[rp : rp + k1, cp : cp + k2] * w_flip))
        done[(rp, cp)] = value
        frames.append(
            Frame(
                panels=(
                    Panel(
                        "∂L/∂y padded with zeros", padded, boxes=(Box(rp, cp, k1, k2),), muted=muted
                    ),
                    Panel("flip(w)", w_flip, cells=tuple(np.ndindex(k1, k2))),
                    Panel("∂L/∂x", _partial((H, W), done), cells=((rp, cp),)),
                ),
                caption=f"∂L/∂x[{rp}, {cp}] = sum of padded ∂L/∂y · flip(w) = {fmt(value)}",
                running_sum=value,
                extra={"pixel": (rp, cp), "dx": float(dx[rp, cp])},
            )
        )
    return frames
