"""The book's equations as plain Python loops: slow, short, and the readable truth.

Each single-channel function below transcribes one equation of the book, one ``for`` per sum, with
the book's letters: (r, c) an output pixel, (a, b) a kernel offset, a trailing ``p`` for a prime
(``ap`` is a', ``rp`` is r').

- ``correlate``, ``weight_gradient`` and ``input_gradient`` are the lecture notes' case, one
  channel, stride 1, no padding, as chapters 1 to 3 derive them;
- ``correlate_general``, ``weight_gradient_general`` and ``input_gradient_general`` add stride s
  and dilation d (chapter 6): the input index r + a becomes s r + d a in the zero-padded input;
- ``conv2d``, ``conv2d_grad_w`` and ``conv2d_grad_x`` take the same arguments as the fast
  functions (channels, batch, stride, padding, dilation), pad, and loop over images and channels
  calling the general single-channel functions;
- the pooling layers of :mod:`convlib.layers`, with loops.

The fast functions at the package top level must agree with these to float64 round-off.
"""

import numpy as np

from .shapes import (
    check_conv2d_args,
    check_conv2d_grad_w_args,
    check_conv2d_grad_x_args,
    check_pool,
    result_dtype,
)

__all__ = [
    "conv2d",
    "conv2d_grad_w",
    "conv2d_grad_x",
    "max_pool2d",
    "max_pool2d_grad_x",
    "avg_pool2d",
    "avg_pool2d_grad_x",
]


def correlate(x, w):
    """y[r, c] = sum_a sum_b x[r + a, c + b] w[a, b]  (the forward pass, one channel, stride 1).

    >>> correlate(np.arange(9.0).reshape(3, 3), np.ones((2, 2)))
    array([[ 8., 12.],
           [20., 24.]])
    """
    (H, W), (k1, k2) = x.shape, w.shape
    N1, N2 = H - k1 + 1, W - k2 + 1
    y = np.zeros((N1, N2))
    for r in range(N1):
        for c in range(N2):
            for a in range(k1):
                for b in range(k2):
                    y[r, c] += x[r + a, c + b] * w[a, b]
    return y


def weight_gradient(x, dy):
    """dL/dw[a', b'] = sum_r sum_c dL/dy[r, c] x[r + a', c + b']  (one channel, stride 1).

    "What does this weight affect? Everything!": every output pixel y[r, c] uses w[a', b'].
    """
    (H, W), (N1, N2) = x.shape, dy.shape
    k1, k2 = H - N1 + 1, W - N2 + 1
    dw = np.zeros((k1, k2))
    for ap in range(k1):
        for bp in range(k2):
            for r in range(N1):
                for c in range(N2):
                    dw[ap, bp] += dy[r, c] * x[r + ap, c + bp]
    return dw


def input_gradient(dy, w):
    """dL/dx[r', c'] = sum_a sum_b dL/dy[r' - a, c' - b] w[a, b]  (one channel, stride 1).

    The pixel x[r', c'] meets w[a, b] in the output window (r, c) = (r' - a, c' - b). Terms whose
    window lies outside the output count as zero: a border pixel is in fewer windows.
    """
    (N1, N2), (k1, k2) = dy.shape, w.shape
    H, W = N1 + k1 - 1, N2 + k2 - 1
    dx = np.zeros((H, W))
    for rp in range(H):
        for cp in range(W):
            for a in range(k1):
                for b in range(k2):
                    r, c = rp - a, cp - b
                    if 0 <= r < N1 and 0 <= c < N2:
                        dx[rp, cp] += dy[r, c] * w[a, b]
    return dx


# With stride s and dilation d (chapter 6), the input index r + a becomes s r + d a. --------------


def correlate_general(x, w, N1, N2, s=(1, 1), d=(1, 1)):
    """y[r, c] = sum_a sum_b x[s1 r + d1 a, s2 c + d2 b] w[a, b]  (one channel; x is padded).

    >>> correlate_general(np.arange(16.0).reshape(4, 4), np.ones((2, 2)), 2, 2, s=(2, 2))
    array([[10., 18.],
           [42., 50.]])
    """
    k1, k2 = w.shape
    y = np.zeros((N1, N2))
    for r in range(N1):
        for c in range(N2):
            for a in range(k1):
                for b in range(k2):
                    y[r, c] += x[s[0] * r + d[0] * a, s[1] * c + d[1] * b] * w[a, b]
    return y


def weight_gradient_general(x, dy, k1, k2, s=(1, 1), d=(1, 1)):
    """dL/dw[a', b'] = sum_r sum_c dL/dy[r, c] x[s1 r + d1 a', s2 c + d2 b']  (one channel)."""
    N1, N2 = dy.shape
    dw = np.zeros((k1, k2))
    for ap in range(k1):
        for bp in range(k2):
            for r in range(N1):
                for c in range(N2):
                    dw[ap, bp] += dy[r, c] * x[s[0] * r + d[0] * ap, s[1] * c + d[1] * bp]
    return dw


def input_gradient_general(dy, w, H, W, s=(1, 1), d=(1, 1)):
    """dL/dx[r', c'] = sum_a sum_b dL/dy[r, c] w[a, b] over the windows r = (r' - d1 a) / s1,
    c = (c' - d2 b) / s2 that exist: only exact quotients inside the output are windows.

    ``H, W`` is the size of the padded input (one channel).
    """
    N1, N2 = dy.shape
    k1, k2 = w.shape
    dx = np.zeros((H, W))
    for rp in range(H):
        for cp in range(W):
            for a in range(k1):
                for b in range(k2):
                    r, r_rest = divmod(rp - d[0] * a, s[0])
                    c, c_rest = divmod(cp - d[1] * b, s[1])
                    if r_rest == 0 and c_rest == 0 and 0 <= r < N1 and 0 <= c < N2:
                        dx[rp, cp] += dy[r, c] * w[a, b]
    return dx


def _padded(x, p):
    return np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))


def conv2d(x, w, *, stride=1, padding=0, dilation=1):
    """Forward pass with loops; same arguments and result as :func:`convlib.conv2d`."""
    x, w, g = check_conv2d_args(x, w, stride, padding, dilation)
    xp = _padded(g.to_4d(x).astype(np.float64), g.padding)
    w4 = g.to_4d(w).astype(np.float64)
    y = np.zeros((g.N, g.C_out, g.N1, g.N2))
    for n in range(g.N):
        for o in range(g.C_out):
            for i in range(g.C_in):
                y[n, o] += correlate_general(xp[n, i], w4[o, i], g.N1, g.N2, g.stride, g.dilation)
    return g.from_4d(y).astype(result_dtype(x, w))


def conv2d_grad_w(x, dy, w_shape=None, *, stride=1, padding=0, dilation=1):
    """dL/dw with loops; same arguments and result as :func:`convlib.conv2d_grad_w`."""
    x, dy, g = check_conv2d_grad_w_args(x, dy, w_shape, stride, padding, dilation)
    xp = _padded(g.to_4d(x).astype(np.float64), g.padding)
    dy4 = g.to_4d(dy).astype(np.float64)
    dw = np.zeros((g.C_out, g.C_in, g.k1, g.k2))
    for n in range(g.N):
        for o in range(g.C_out):
            for i in range(g.C_in):
                dw[o, i] += weight_gradient_general(
                    xp[n, i], dy4[n, o], g.k1, g.k2, g.stride, g.dilation
                )
    return g.from_4d(dw).astype(result_dtype(x, dy))


def conv2d_grad_x(dy, w, x_shape=None, *, stride=1, padding=0, dilation=1):
    """dL/dx with loops; same arguments and result as :func:`convlib.conv2d_grad_x`."""
    dy, w, g = check_conv2d_grad_x_args(dy, w, x_shape, stride, padding, dilation)
    dy4 = g.to_4d(dy).astype(np.float64)
    w4 = g.to_4d(w).astype(np.float64)
    (p1, p2), Hp, Wp = g.padding, g.H + 2 * g.padding[0], g.W + 2 * g.padding[1]
    dxp = np.zeros((g.N, g.C_in, Hp, Wp))
    for n in range(g.N):
        for i in range(g.C_in):
            for o in range(g.C_out):
                dxp[n, i] += input_gradient_general(
                    dy4[n, o], w4[o, i], Hp, Wp, g.stride, g.dilation
                )
    # The padding is not part of x: its gradient is dropped.
    dx = dxp[:, :, p1 : p1 + g.H, p2 : p2 + g.W]
    return g.from_4d(dx).astype(result_dtype(dy, w))


# The layers around the convolution (see convlib.layers) ---------------------------------------


def max_window(x, k1, k2, N1, N2, s=(1, 1)):
    """y[r, c] = max_a max_b x[s1 r + a, s2 c + b]  (max-pooling, one channel)."""
    y = np.zeros((N1, N2))
    for r in range(N1):
        for c in range(N2):
            y[r, c] = x[s[0] * r, s[1] * c]
            for a in range(k1):
                for b in range(k2):
                    y[r, c] = max(y[r, c], x[s[0] * r + a, s[1] * c + b])
    return y


def max_window_gradient(x, dy, k1, k2, s=(1, 1)):
    """dL/dx[r', c'] = sum of dL/dy[r, c] over the windows (r, c) whose first maximum is (r', c').

    Each window sends its gradient to one pixel: the first (in row-major order) where the
    window's maximum is; every other pixel of the window does not change y[r, c].
    """
    N1, N2 = dy.shape
    dx = np.zeros(x.shape)
    for r in range(N1):
        for c in range(N2):
            best = (s[0] * r, s[1] * c)
            for a in range(k1):
                for b in range(k2):
                    if x[s[0] * r + a, s[1] * c + b] > x[best]:  # ">": ties keep the first
                        best = (s[0] * r + a, s[1] * c + b)
            dx[best] += dy[r, c]
    return dx


def mean_window_gradient(dy, H, W, k1, k2, s=(1, 1)):
    """dL/dx[s1 r + a, s2 c + b] += dL/dy[r, c] / (k1 k2) for every window (r, c), tap (a, b)."""
    N1, N2 = dy.shape
    dx = np.zeros((H, W))
    for r in range(N1):
        for c in range(N2):
            for a in range(k1):
                for b in range(k2):
                    dx[s[0] * r + a, s[1] * c + b] += dy[r, c] / (k1 * k2)
    return dx


def _per_channel(p, one_channel):
    """A single-channel loop applied to every (image, channel) of a pooling layer's x."""
    N, C = p.x4.shape[:2]
    return p.back(np.array([[one_channel(n, i) for i in range(C)] for n in range(N)]))


def max_pool2d(x, size, stride=None):
    """Max-pooling with loops; same arguments and result as :func:`convlib.layers.max_pool2d`."""
    p = check_pool(x, size, stride)
    y = _per_channel(p, lambda n, i: max_window(p.x4[n, i], *p.k, p.N1, p.N2, p.stride))
    return y.astype(result_dtype(p.x4))


def max_pool2d_grad_x(x, dy, size, stride=None):
    """dL/dx of max-pooling with loops; as :func:`convlib.layers.max_pool2d_grad_x`."""
    p = check_pool(x, size, stride, dy)
    dx = _per_channel(p, lambda n, i: max_window_gradient(p.x4[n, i], p.dy4[n, i], *p.k, p.stride))
    return dx.astype(result_dtype(p.x4, p.dy4))


def avg_pool2d(x, size, stride=None):
    """Average pooling with loops: a correlation with the k1 x k2 filter of entries 1/(k1 k2)."""
    p = check_pool(x, size, stride)
    mean = np.full(p.k, 1.0 / (p.k[0] * p.k[1]))
    y = _per_channel(p, lambda n, i: correlate_general(p.x4[n, i], mean, p.N1, p.N2, p.stride))
    return y.astype(result_dtype(p.x4))


def avg_pool2d_grad_x(x, dy, size, stride=None):
    """dL/dx of average pooling with loops; as :func:`convlib.layers.avg_pool2d_grad_x`."""
    p = check_pool(x, size, stride, dy)
    H, W = p.x4.shape[2:]
    dx = _per_channel(p, lambda n, i: mean_window_gradient(p.dy4[n, i], H, W, *p.k, p.stride))
    return dx.astype(result_dtype(p.x4, p.dy4))
