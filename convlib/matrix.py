"""The convolution as a matrix: vec(y) = W vec(x) = X vec(w).

Single channel: x of shape (H, W), w of shape (k1, k2), y of shape (N1, N2). ``vec`` is NumPy's
row-major ``ravel``: vec(x)[i W + j] = x[i, j] and vec(y)[r N2 + c] = y[r, c]. Built entry by
entry from the definition, for reading and for small examples; no library builds these matrices
for real layers (they are mostly zeros). NumPy only: the picture of a matrix's pattern is
:func:`convlib.figures.matrixplots.plot_matrix_pattern`.
"""

import numpy as np

from .shapes import check_2d, check_pair, conv_geometry, result_dtype

__all__ = ["conv_matrix", "window_matrix"]


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
