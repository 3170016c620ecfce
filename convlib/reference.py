"""The book's equations as plain Python loops: slow, short, and the readable truth.

Each single-channel function below transcribes one equation of the book, one ``for`` per sum, with
the book's letters: (r, c) an output pixel, (a, b) a kernel offset, a trailing ``p`` for a prime
(``ap`` is a', ``rp`` is r'). With stride s, padding p and dilation d the input index r + a becomes
s r + d a in the zero-padded input. The batched functions loop over images and channels and call
the single-channel ones.

The fast functions at the package top level must agree with these to float64 round-off.
"""

import numpy as np

from .shapes import check_forward, check_grad_w, check_grad_x, result_dtype

__all__ = ["conv2d", "conv2d_grad_w", "conv2d_grad_x"]


def correlate(x, w, N1, N2, s=(1, 1), d=(1, 1)):
    """y[r, c] = sum_a sum_b x[s1 r + d1 a, s2 c + d2 b] w[a, b]  (the forward pass, one channel).

    >>> correlate(np.arange(9.0).reshape(3, 3), np.ones((2, 2)), 2, 2)
    array([[ 8., 12.],
           [20., 24.]])
    """
    k1, k2 = w.shape
    y = np.zeros((N1, N2))
    for r in range(N1):
        for c in range(N2):
            for a in range(k1):
                for b in range(k2):
                    y[r, c] += x[s[0] * r + d[0] * a, s[1] * c + d[1] * b] * w[a, b]
    return y


def weight_gradient(x, dy, k1, k2, s=(1, 1), d=(1, 1)):
    """dL/dw[a', b'] = sum_r sum_c dL/dy[r, c] x[s1 r + d1 a', s2 c + d2 b']  (one channel).

    "What does this weight affect? Everything!": every output pixel y[r, c] uses w[a', b'].
    """
    N1, N2 = dy.shape
    dw = np.zeros((k1, k2))
    for ap in range(k1):
        for bp in range(k2):
            for r in range(N1):
                for c in range(N2):
                    dw[ap, bp] += dy[r, c] * x[s[0] * r + d[0] * ap, s[1] * c + d[1] * bp]
    return dw


def input_gradient(dy, w, H, W, s=(1, 1), d=(1, 1)):
    """dL/dx[r', c'] = sum_a sum_b dL/dy[r' - a, c' - b] w[a, b]  (one channel, stride 1).

    The pixel x[r', c'] meets w[a, b] in the output window (r, c) = (r' - a, c' - b). Terms whose
    window lies outside the output count as zero: a border pixel is in fewer windows. With stride s
    and dilation d the window is r = (r' - d1 a) / s1, and only exact quotients are windows.
    ``H, W`` is the size of the (padded) input.
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
    x, w, g = check_forward(x, w, stride, padding, dilation)
    xp = _padded(g.to_4d(x).astype(np.float64), g.padding)
    w4 = g.to_4d(w).astype(np.float64)
    y = np.zeros((g.N, g.C_out, g.N1, g.N2))
    for n in range(g.N):
        for o in range(g.C_out):
            for i in range(g.C_in):
                y[n, o] += correlate(xp[n, i], w4[o, i], g.N1, g.N2, g.stride, g.dilation)
    return g.from_4d(y).astype(result_dtype(x, w))


def conv2d_grad_w(x, dy, w_shape=None, *, stride=1, padding=0, dilation=1):
    """dL/dw with loops; same arguments and result as :func:`convlib.conv2d_grad_w`."""
    x, dy, g = check_grad_w(x, dy, w_shape, stride, padding, dilation)
    xp = _padded(g.to_4d(x).astype(np.float64), g.padding)
    dy4 = g.to_4d(dy).astype(np.float64)
    dw = np.zeros((g.C_out, g.C_in, g.k1, g.k2))
    for n in range(g.N):
        for o in range(g.C_out):
            for i in range(g.C_in):
                dw[o, i] += weight_gradient(xp[n, i], dy4[n, o], g.k1, g.k2, g.stride, g.dilation)
    return g.from_4d(dw).astype(result_dtype(x, dy))


def conv2d_grad_x(dy, w, x_shape=None, *, stride=1, padding=0, dilation=1):
    """dL/dx with loops; same arguments and result as :func:`convlib.conv2d_grad_x`."""
    dy, w, g = check_grad_x(dy, w, x_shape, stride, padding, dilation)
    dy4 = g.to_4d(dy).astype(np.float64)
    w4 = g.to_4d(w).astype(np.float64)
    (p1, p2), Hp, Wp = g.padding, g.H + 2 * g.padding[0], g.W + 2 * g.padding[1]
    dxp = np.zeros((g.N, g.C_in, Hp, Wp))
    for n in range(g.N):
        for i in range(g.C_in):
            for o in range(g.C_out):
                dxp[n, i] += input_gradient(dy4[n, o], w4[o, i], Hp, Wp, g.stride, g.dilation)
    # The padding is not part of x: its gradient is dropped.
    dx = dxp[:, :, p1 : p1 + g.H, p2 : p2 + g.W]
    return g.from_4d(dx).astype(result_dtype(dy, w))
