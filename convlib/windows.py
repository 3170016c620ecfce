"""Which windows hold a pixel, and the sums of both gradients one term at a time.

Single channel, stride 1, no padding: x is (H, W) = (N1 + k1 - 1, N2 + k2 - 1), w is (k1, k2), y
and dL/dy are (N1, N2). Window (r, c) is the block x[r : r + k1, c : c + k2] that y[r, c] reads.

The input pixel x[r', c'] lies in window (r, c) exactly when 0 <= r' - r < k1 and
0 <= c' - c < k2; there it meets the weight w[a, b] with (a, b) = (r' - r, c' - c). The notes draw
three of these windows: box ① the first, box ② one in between and box ③ the last. Summing
dL/dy[r, c] w[a, b] over all of them gives dL/dx[r', c']:

    dL/dx[r', c'] = sum_a sum_b dL/dy[r' - a, c' - b] w[a, b].

A weight w[a', b'] is in every window ("what does this weight affect? Everything!"):

    dL/dw[a', b'] = sum_r sum_c dL/dy[r, c] x[r + a', c + b'].

These functions list the terms of both sums in order, with a running total, for the book to show.
"""

from typing import NamedTuple

import numpy as np  # noqa: F401  (the examples use it)

from .shapes import check_2d, check_index, check_pair

__all__ = [
    "Window",
    "InputTerm",
    "WeightTerm",
    "FIRST",
    "MIDDLE",
    "LAST",
    "ONLY",
    "windows_containing",
    "box_labels",
    "input_gradient_terms",
    "weight_gradient_terms",
]

FIRST, MIDDLE, LAST = "①", "②", "③"
ONLY = "①=③"  # a corner pixel with a 1 x 1 window list: its first window is also its last


class Window(NamedTuple):
    """Output window (r, c), whose input block meets the pixel at kernel offset (a, b)."""

    r: int
    c: int
    a: int
    b: int


class InputTerm(NamedTuple):
    """One term dL/dy[r, c] w[a, b] of dL/dx[r', c'], and the sum of the terms up to this one."""

    r: int
    c: int
    a: int
    b: int
    dy: float
    w: float
    running_sum: float


class WeightTerm(NamedTuple):
    """One term dL/dy[r, c] x[r + a', c + b'] of dL/dw[a', b'], and the sum up to this one."""

    r: int
    c: int
    x: float
    dy: float
    running_sum: float


def windows_containing(rp, cp, y_shape, w_shape):
    """Every output window whose input block contains the pixel x[r', c'], row-major by (r, c).

    Parameters
    ----------
    rp, cp : int
        The pixel (r', c') of the input x, of shape (H, W) = (N1 + k1 - 1, N2 + k2 - 1).
    y_shape : pair of int
        (N1, N2), the shape of the output y.
    w_shape : pair of int
        (k1, k2), the shape of the filter w.

    Returns
    -------
    list of Window
        Tuples (r, c, a, b): y[r, c] reads x[r', c'] through the weight w[a, b], with
        (a, b) = (r' - r, c' - c). The first is box ①, the last box ③. There are
        (number of valid r) x (number of valid c) of them: k1 k2 for a pixel far from the border,
        one for a corner pixel.

    Examples
    --------
    >>> windows_containing(0, 1, (2, 2), (2, 2))
    [Window(r=0, c=0, a=0, b=1), Window(r=0, c=1, a=0, b=0)]
    """
    N1, N2 = check_pair(y_shape, "y_shape", "(N1, N2)")
    k1, k2 = check_pair(w_shape, "w_shape", "(k1, k2)")
    H, W = N1 + k1 - 1, N2 + k2 - 1
    rp = check_index(rp, "rp", H, f"a row of the input x, which has H = N1 + k1 - 1 = {H} rows")
    cp = check_index(
        cp, "cp", W, f"a column of the input x, which has W = N2 + k2 - 1 = {W} columns"
    )
    # Window r covers rows r .. r + k1 - 1, so it holds row r' when r' - k1 + 1 <= r <= r';
    # near the border some of these r fall outside the output and drop out.
    rows = range(max(0, rp - k1 + 1), min(rp, N1 - 1) + 1)
    cols = range(max(0, cp - k2 + 1), min(cp, N2 - 1) + 1)
    return [Window(r, c, rp - r, cp - c) for r in rows for c in cols]


def box_labels(windows):
    """The notes' labels for a list of windows: ① the first, ② the middle one, ③ the last.

    Parameters
    ----------
    windows : sequence
        The windows in order, as returned by :func:`windows_containing` (any non-empty sequence).

    Returns
    -------
    dict of int to str
        Position in ``windows`` -> label. ② is at ``len(windows) // 2`` and appears only with three
        or more windows; with two there are ① and ③. A single window (a corner pixel, or a 1 x 1
        filter) is both the first and the last and gets the one label ``ONLY`` = "①=③".

    Examples
    --------
    >>> box_labels(["p", "q", "s", "t"])
    {0: '①', 2: '②', 3: '③'}
    >>> box_labels(["p"])
    {0: '①=③'}
    """
    n = len(windows)
    if n == 0:
        raise ValueError("windows must hold at least one window, got an empty sequence")
    if n == 1:
        return {0: ONLY}
    labels = {0: FIRST, n - 1: LAST}
    if n >= 3:
        labels[n // 2] = MIDDLE
    return dict(sorted(labels.items()))


def input_gradient_terms(dy, w, rp, cp):
    """The terms of dL/dx[r', c'] = sum_a sum_b dL/dy[r' - a, c' - b] w[a, b], box by box.

    Parameters
    ----------
    dy : array_like of shape (N1, N2)
        dL/dy, the gradient at the output.
    w : array_like of shape (k1, k2)
        The filter.
    rp, cp : int
        The input pixel (r', c'), in 0..N1 + k1 - 2 and 0..N2 + k2 - 2.

    Returns
    -------
    list of InputTerm
        Tuples (r, c, a, b, dy[r, c], w[a, b], running_sum), one per window that contains the
        pixel, in the order of :func:`windows_containing`. Terms whose window would lie outside
        the output are zero and are not listed, so the list is never empty. The last running sum
        is ``conv2d_grad_x(dy, w)[rp, cp]`` (up to round-off: the order of the sum differs).

    Examples
    --------
    >>> terms = input_gradient_terms(np.ones((2, 2)), np.array([[1.0, 2.0], [3.0, 4.0]]), 1, 1)
    >>> [(t.a, t.b) for t in terms], terms[-1].running_sum
    ([(1, 1), (1, 0), (0, 1), (0, 0)], 10.0)
    """
    dy, w = check_2d(dy, "dy", "(N1, N2)"), check_2d(w, "w", "(k1, k2)")
    total, terms = 0.0, []
    for r, c, a, b in windows_containing(rp, cp, dy.shape, w.shape):
        total += float(dy[r, c]) * float(w[a, b])
        terms.append(InputTerm(r, c, a, b, float(dy[r, c]), float(w[a, b]), total))
    return terms


def weight_gradient_terms(x, dy, ap, bp):
    """The terms of dL/dw[a', b'] = sum_r sum_c dL/dy[r, c] x[r + a', c + b'], row-major.

    Parameters
    ----------
    x : array_like of shape (H, W)
        The layer's input.
    dy : array_like of shape (N1, N2)
        dL/dy, no larger than x; the filter is then (k1, k2) = (H - N1 + 1, W - N2 + 1).
    ap, bp : int
        The weight (a', b'), in 0..k1 - 1 and 0..k2 - 1.

    Returns
    -------
    list of WeightTerm
        Tuples (r, c, x[r + a', c + b'], dy[r, c], running_sum), one per output pixel (all
        N1 N2 of them: the weight is in every window). The last running sum is
        ``conv2d_grad_w(x, dy)[ap, bp]`` (up to round-off).

    Examples
    --------
    >>> terms = weight_gradient_terms(np.arange(9.0).reshape(3, 3), np.ones((2, 2)), 0, 1)
    >>> [t.x for t in terms], terms[-1].running_sum
    ([1.0, 2.0, 4.0, 5.0], 12.0)
    """
    x, dy = check_2d(x, "x", "(H, W)"), check_2d(dy, "dy", "(N1, N2)")
    (H, W), (N1, N2) = x.shape, dy.shape
    if N1 > H or N2 > W:
        raise ValueError(
            f"dy must be no larger than x: dy is (N1, N2) = {dy.shape}, x is (H, W) = {x.shape}"
        )
    k1, k2 = H - N1 + 1, W - N2 + 1
    ap = check_index(ap, "ap", k1, f"a row of the filter, which has k1 = H - N1 + 1 = {k1} rows")
    bp = check_index(
        bp, "bp", k2, f"a column of the filter, which has k2 = W - N2 + 1 = {k2} columns"
    )
    total, terms = 0.0, []
    for r in range(N1):
        for c in range(N2):
            total += float(dy[r, c]) * float(x[r + ap, c + bp])
            terms.append(WeightTerm(r, c, float(x[r + ap, c + bp]), float(dy[r, c]), total))
    return terms
