"""The forward pass and both gradients, vectorised with NumPy.

Same arguments and results as :mod:`convlib.reference`, which these must match to round-off.
Four formulations, each used where it is fastest on a CPU:

* for one channel in and out (the lecture notes' case), the sum over the kernel's taps of scaled
  slices of the input;
* sliding windows and ``einsum`` (an implicit im2col followed by one matrix product) for the
  forward pass with few input channels or a stride;
* "shift" products at stride 1 otherwise, and for dL/dw: with the padded image flattened, the
  pixels that kernel tap (a, b) meets form one contiguous slice, so each tap is a single matrix
  product with no copy of the windows;
* dL/dx at stride 1 as the book derives it: a forward pass over the zero-padded dL/dy with the
  flipped filter (input and output channels swapped); at larger strides, a scatter of each tap's
  product back onto the input ("col2im").
"""

from dataclasses import replace

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .shapes import (
    check_conv2d_args,
    check_conv2d_grad_w_args,
    check_conv2d_grad_x_args,
    result_dtype,
)

__all__ = ["conv2d", "conv2d_grad_w", "conv2d_grad_x", "flip"]


def flip(w):
    """``w`` rotated by 180 degrees in its last two axes: flip(w)[a, b] = w[k1-1-a, k2-1-b].

    Returns a new array; ``w`` is not modified.

    >>> flip(np.array([[1, 2, 3], [4, 5, 6]]))
    array([[6, 5, 4],
           [3, 2, 1]])
    """
    w = np.asarray(w)
    if w.ndim < 2:
        raise ValueError(f"w must have at least 2 dimensions (k1, k2), got shape {w.shape}")
    return w[..., ::-1, ::-1].copy()


def _pad(x, p):
    if p == (0, 0):
        return x  # read only, never written: no copy needed
    return np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))


def _windows(xp, g):
    """View of shape (N, C_in, N1, N2, k1, k2): window (r, c) of the padded input, tap (a, b)."""
    (s1, s2), (d1, d2) = g.stride, g.dilation
    span = (d1 * (g.k1 - 1) + 1, d2 * (g.k2 - 1) + 1)
    view = sliding_window_view(xp, span, axis=(2, 3))
    return view[:, :, : s1 * (g.N1 - 1) + 1 : s1, : s2 * (g.N2 - 1) + 1 : s2, ::d1, ::d2]


def _forward_shift(xp, w, g):
    """Stride-1 forward pass with one matrix product per kernel tap (see the module docstring)."""
    N, C_in, Hp, Wp = xp.shape
    (d1, d2), N1, N2 = g.dilation, g.N1, g.N2
    x_flat = xp.reshape(N, C_in, Hp * Wp)
    # Output pixel (r, c) sits at r Wp + c of a Wp-wide grid; the columns past N2 are junk.
    last = (N1 - 1) * Wp + N2
    y_grid = np.zeros((N, g.C_out, N1 * Wp), dtype=xp.dtype)
    product = np.empty((N, g.C_out, last), dtype=xp.dtype)
    for a in range(g.k1):
        for b in range(g.k2):
            offset = d1 * a * Wp + d2 * b
            np.matmul(w[:, :, a, b], x_flat[:, :, offset : offset + last], out=product)
            y_grid[:, :, :last] += product
    return y_grid.reshape(N, g.C_out, N1, Wp)[:, :, :, :N2]


def _forward_taps(xp, w, g):
    """One channel in and out: y = sum_a sum_b w[a, b] x_p[s r + d a, s c + d b], one tap at a time.

    k1 k2 scaled slices of the input added up, with no matrix product: for a single channel that
    beats building windows by 5-8x.
    """
    (s1, s2), (d1, d2), N1, N2 = g.stride, g.dilation, g.N1, g.N2
    y = np.zeros((g.N, 1, N1, N2), dtype=xp.dtype)
    for a in range(g.k1):
        for b in range(g.k2):
            tap = xp[
                :,
                :,
                d1 * a : d1 * a + s1 * (N1 - 1) + 1 : s1,
                d2 * b : d2 * b + s2 * (N2 - 1) + 1 : s2,
            ]
            y += w[0, 0, a, b] * tap
    return y


# Shift products need no copy of the windows, but each sums over C_in only: BLAS runs such short
# products slowly, and with fewer input channels than this the copy into one long product pays off.
SHIFT_MIN_CHANNELS = 32


def usable_routes(g):
    """The formulations of the forward pass that can compute this geometry (a :class:`Geometry`):
    "windows" always, "taps" for one channel in and out, "shift" at stride 1."""
    usable = ["windows"]
    if g.C_in == 1 and g.C_out == 1:
        usable.append("taps")
    if g.stride == (1, 1):
        usable.append("shift")
    return usable


def _route(g):
    """The fastest usable formulation: "taps" if usable, else "shift" with enough channels."""
    usable = usable_routes(g)
    if "taps" in usable:
        return "taps"
    if "shift" in usable and g.C_in >= SHIFT_MIN_CHANNELS:
        return "shift"
    return "windows"


def _forward(xp, w, g):
    route = _route(g)
    if route == "taps":
        return _forward_taps(xp, w, g)
    if route == "shift":
        return _forward_shift(xp, w, g)
    # optimize=True lets einsum lay the windows out as one (C_in k1 k2, N N1 N2) matrix and make a
    # single matrix product; NumPy's default (optimize=False) runs a slow loop instead.
    return np.einsum("nihwab,oiab->nohw", _windows(xp, g), w, optimize=True)


def conv2d(x, w, *, stride=1, padding=0, dilation=1):
    """y[r, c] = sum_a sum_b x[r + a, c + b] w[a, b]: the deep-learning "convolution".

    Parameters
    ----------
    x : array_like of shape (H, W) or (N, C_in, H, W)
        The input image(s).
    w : array_like of shape (k1, k2) or (C_out, C_in, k1, k2)
        The filter(s); 2-D with a 2-D ``x``, 4-D with a 4-D ``x``.
    stride, padding, dilation : int or (int, int)
        Step between windows, zeros added on each side of the input, and spacing between the
        kernel's taps, for (rows, columns). With all three, the input index r + a becomes
        stride r + dilation a in the zero-padded input.

    Returns
    -------
    y : ndarray of shape (N1, N2) or (N, C_out, N1, N2)
        float32 if every argument is float32, float64 otherwise.

    Notes
    -----
    N1 = floor((H + 2 padding - dilation (k1 - 1) - 1) / stride) + 1, the notes' N1 = H - k1 + 1
    when stride = dilation = 1 and padding = 0; the same for N2 with W and k2. With several
    channels, y[n, o] = sum_i conv2d(x[n, i], w[o, i]). NaN and inf propagate as in any sum of
    products. Inputs are never modified.

    Examples
    --------
    >>> conv2d(np.arange(12.0).reshape(3, 4), np.array([[1.0, 0.0], [0.0, -1.0]]))
    array([[-5., -5., -5.],
           [-5., -5., -5.]])
    """
    x, w, g = check_conv2d_args(x, w, stride, padding, dilation)
    dtype = result_dtype(x, w)
    xp = _pad(g.to_4d(x).astype(dtype, copy=False), g.padding)
    return g.from_4d(_forward(xp, g.to_4d(w).astype(dtype, copy=False), g))


def _grad_w_shift(xp, dy, g):
    """dL/dw at stride 1 with one long matrix product per kernel tap (see the module docstring)."""
    N, C_in, Hp, Wp = xp.shape
    (d1, d2), N1, N2 = g.dilation, g.N1, g.N2
    # Images one after another along a single flat axis, channels first: (C_in, N Hp Wp).
    x_flat = xp.transpose(1, 0, 2, 3).reshape(C_in, N * Hp * Wp)
    # dL/dy on the same grid, zero where no window starts, so x_flat's pixel j + offset(a, b)
    # multiplies the gradient of the window that starts at pixel j.
    dy_grid = np.zeros((g.C_out, N, Hp, Wp), dtype=dy.dtype)
    dy_grid[:, :, :N1, :N2] = dy.transpose(1, 0, 2, 3)
    last = (N - 1) * Hp * Wp + (N1 - 1) * Wp + N2  # one past the last window start
    dy_flat = dy_grid.reshape(g.C_out, -1)[:, :last]
    dw = np.empty((g.C_out, C_in, g.k1, g.k2), dtype=dy.dtype)
    for a in range(g.k1):
        for b in range(g.k2):
            offset = d1 * a * Wp + d2 * b
            dw[:, :, a, b] = dy_flat @ x_flat[:, offset : offset + last].T
    return dw


def conv2d_grad_w(x, dy, w_shape=None, *, stride=1, padding=0, dilation=1):
    """dL/dw[a', b'] = sum_r sum_c dL/dy[r, c] x[r + a', c + b']: x correlated with dy, "valid".

    Parameters
    ----------
    x : array_like of shape (H, W) or (N, C_in, H, W)
        The layer's input.
    dy : array_like of shape (N1, N2) or (N, C_out, N1, N2)
        The incoming gradient dL/dy, the shape of the layer's output.
    w_shape : tuple of int, optional
        The shape of w, (k1, k2) or (C_out, C_in, k1, k2). Determined by the other shapes at
        stride 1; required with a larger stride, where several kernel sizes give the same output.
    stride, padding, dilation : int or (int, int)
        As in :func:`conv2d`.

    Returns
    -------
    dw : ndarray of the shape of w
        dw[o, i] sums over the batch: sum_n correlation of x[n, i] with dy[n, o].
        float32 if both arguments are float32, float64 otherwise.

    Examples
    --------
    >>> conv2d_grad_w(np.arange(9.0).reshape(3, 3), np.ones((2, 2)))
    array([[ 8., 12.],
           [20., 24.]])
    """
    x, dy, g = check_conv2d_grad_w_args(x, dy, w_shape, stride, padding, dilation)
    dtype = result_dtype(x, dy)
    xp = _pad(g.to_4d(x).astype(dtype, copy=False), g.padding)
    dy4 = g.to_4d(dy).astype(dtype, copy=False)
    if g.stride == (1, 1):
        dw = _grad_w_shift(xp, dy4, g)
    else:
        dw = np.einsum("nohw,nihwab->oiab", dy4, _windows(xp, g), optimize=True)
    return g.from_4d(dw)


def conv2d_grad_x(dy, w, x_shape=None, *, stride=1, padding=0, dilation=1):
    """dL/dx[r', c'] = sum_a sum_b dL/dy[r' - a, c' - b] w[a, b]: dL/dy convolved with w.

    A true convolution, that is a correlation of the zero-padded dL/dy with ``flip(w)`` ("full"
    mode): back-propagation is a convolution with the flipped filter.

    Parameters
    ----------
    dy : array_like of shape (N1, N2) or (N, C_out, N1, N2)
        The incoming gradient dL/dy, the shape of the layer's output.
    w : array_like of shape (k1, k2) or (C_out, C_in, k1, k2)
        The filter(s).
    x_shape : tuple of int, optional
        The shape of x, (H, W) or (N, C_in, H, W). Determined by the other shapes at stride 1;
        required with a larger stride, where several input sizes give the same output.
    stride, padding, dilation : int or (int, int)
        As in :func:`conv2d`.

    Returns
    -------
    dx : ndarray of the shape of x
        dx[n, i] sums over the output channels o. Input pixels that no window reaches (possible
        when stride > 1) get 0. float32 if both arguments are float32, float64 otherwise.

    Examples
    --------
    >>> conv2d_grad_x(np.ones((2, 2)), np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([[ 1.,  3.,  2.],
           [ 4., 10.,  6.],
           [ 3.,  7.,  4.]])
    """
    dy, w, g = check_conv2d_grad_x_args(dy, w, x_shape, stride, padding, dilation)
    dtype = result_dtype(dy, w)
    dy4, w4 = g.to_4d(dy).astype(dtype, copy=False), g.to_4d(w).astype(dtype, copy=False)
    (s1, s2), (d1, d2), (p1, p2) = g.stride, g.dilation, g.padding
    if g.stride == (1, 1):
        # Pad dL/dy by the kernel's span minus one (less the forward padding, which is cropped
        # away): every window that touches the input then exists, missing outputs reading as zero.
        q = (d1 * (g.k1 - 1) - p1, d2 * (g.k2 - 1) - p2)
        dy_full = _pad(dy4, (max(q[0], 0), max(q[1], 0)))
        w_back = flip(w4).transpose(1, 0, 2, 3)
        _, _, H_full, W_full = dy_full.shape
        g_back = replace(g, C_in=g.C_out, C_out=g.C_in, H=H_full, W=W_full, padding=(0, 0))
        dx = _forward(dy_full, w_back, g_back)
        # Padding larger than the span: the outer rows of dx lie in the padding, crop them.
        crop = (max(-q[0], 0), max(-q[1], 0))
        dx = dx[:, :, crop[0] : crop[0] + g.H, crop[1] : crop[1] + g.W]
    else:
        # Each tap's share of every window, scattered back onto the padded input.
        taps = np.einsum("nohw,oiab->niabhw", dy4, w4, optimize=True)
        dxp = np.zeros((g.N, g.C_in, g.H + 2 * p1, g.W + 2 * p2), dtype=dtype)
        for a in range(g.k1):
            for b in range(g.k2):
                rows = slice(d1 * a, d1 * a + s1 * (g.N1 - 1) + 1, s1)
                cols = slice(d2 * b, d2 * b + s2 * (g.N2 - 1) + 1, s2)
                dxp[:, :, rows, cols] += taps[:, :, a, b]
        dx = dxp[:, :, p1 : p1 + g.H, p2 : p2 + g.W]
    return g.from_4d(np.ascontiguousarray(dx))
