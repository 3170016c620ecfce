"""The layers around a convolution in a small network, each as a forward/backward pair.

Every layer is two functions side by side, as ``conv2d`` and its gradients are: the forward pass,
then ``..._grad_x`` (and ``..._grad_w`` or ``..._grad_b`` where the layer has parameters), which
take the incoming gradient ``dy`` and return the gradient of the loss with respect to that
argument. Images are ``(H, W)`` or ``(N, C, H, W)`` as for :func:`convlib.conv2d`; the dense layer
and the loss take ``(N, D)`` rows, one per image. The results are float32 when every array
argument is float32, float64 otherwise; inputs are never modified. The loops that these functions
must agree with are in :mod:`convlib.reference`.

- :func:`relu` max(x, 0), and :func:`relu_grad_x`;
- :func:`max_pool2d` and :func:`avg_pool2d`, the largest or the mean value of each window, and
  their gradients (stride defaults to the window size, as in PyTorch);
- :func:`flatten` each image into one row, and back;
- :func:`dense` y = x w^T, a fully connected layer, with both gradients; :func:`add_bias`;
- :func:`softmax`, :func:`softmax_cross_entropy` (the mean over the batch) and its gradient.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .shapes import as_array, check_pool, is_int, pool_output_size, result_dtype

__all__ = [
    "relu",
    "relu_grad_x",
    "pool_output_size",
    "max_pool2d",
    "max_pool2d_grad_x",
    "avg_pool2d",
    "avg_pool2d_grad_x",
    "flatten",
    "flatten_grad_x",
    "dense",
    "dense_grad_x",
    "dense_grad_w",
    "add_bias",
    "add_bias_grad_b",
    "softmax",
    "softmax_cross_entropy",
    "softmax_cross_entropy_grad",
]


def _floats(value, name):
    array = as_array(value, name)
    return array.astype(result_dtype(array), copy=False)


def _same_shape(dy, name, shape, of):
    if dy.shape != shape:
        raise ValueError(f"{name} must have the shape of {of}, {shape}, got {dy.shape}")


# ReLU ---------------------------------------------------------------------------------------


def relu(x):
    """y = max(x, 0), entry by entry.

    >>> relu(np.array([-2.0, 0.0, 3.0]))
    array([0., 0., 3.])
    """
    x = _floats(x, "x")
    return np.maximum(x, 0)


def relu_grad_x(x, dy):
    """dL/dx = dL/dy where x > 0, and 0 elsewhere (at x = 0 too, as PyTorch does).

    ``x`` is the ReLU's input, not its output: each y[i] = max(x[i], 0) depends on x[i] alone,
    with slope 1 where x[i] > 0 and 0 where x[i] < 0.

    >>> relu_grad_x(np.array([-2.0, 0.0, 3.0]), np.array([5.0, 5.0, 5.0]))
    array([0., 0., 5.])
    """
    x, dy = as_array(x, "x"), as_array(dy, "dy")
    _same_shape(dy, "dy", x.shape, "x")
    return np.where(x > 0, dy, 0).astype(result_dtype(x, dy))


# Pooling ------------------------------------------------------------------------------------


def _pool_windows(p):
    """View of shape (N, C, N1, N2, k1, k2): window (r, c) starts at (s1 r, s2 c)."""
    return sliding_window_view(p.x4, p.k, axis=(2, 3))[:, :, :: p.stride[0], :: p.stride[1]]


def max_pool2d(x, size, stride=None):
    """y[r, c] = max over a, b of x[s1 r + a, s2 c + b], for 0 <= a < k1 and 0 <= b < k2.

    Parameters
    ----------
    x : array_like of shape (H, W) or (N, C, H, W)
    size : int or (int, int)
        The window (k1, k2).
    stride : int or (int, int), optional
        Step between windows; the window size by default, so that windows tile the image.

    Returns
    -------
    y : ndarray of shape (N1, N2) or (N, C, N1, N2)
        N1 = floor((H - k1) / s1) + 1, and the same for N2: rows and columns that no window
        reaches are left out. Each channel is pooled on its own.

    >>> max_pool2d(np.arange(16.0).reshape(4, 4), 2)
    array([[ 5.,  7.],
           [13., 15.]])
    """
    p = check_pool(x, size, stride)
    return p.back(_pool_windows(p).max(axis=(-2, -1)))


def max_pool2d_grad_x(x, dy, size, stride=None):
    """dL/dx: each dL/dy[r, c] goes to the maximum of window (r, c), every other pixel gets 0.

    Only the largest entry of a window reaches y[r, c], with slope 1: moving any other entry a
    little does not change the maximum. When several entries tie for the maximum, the gradient
    goes to the first of them in row-major order (as PyTorch does). A pixel that is the maximum
    of several overlapping windows (stride < size) adds up their gradients.

    >>> x = np.array([[1.0, 3.0], [3.0, 2.0]])
    >>> max_pool2d_grad_x(x, np.array([[10.0]]), 2)  # a tie: the first 3 gets it
    array([[ 0., 10.],
           [ 0.,  0.]])
    """
    p = check_pool(x, size, stride, dy)
    (k1, k2), (s1, s2) = p.k, p.stride
    windows = _pool_windows(p)
    # argmax over the flattened window returns the first maximum in row-major order.
    first = windows.reshape(*windows.shape[:4], k1 * k2).argmax(axis=-1)
    a, b = np.divmod(first, k2)
    n, i, r, c = np.indices(windows.shape[:4])
    dx = np.zeros(p.x4.shape, dtype=result_dtype(p.x4, p.dy4))
    np.add.at(dx, (n, i, s1 * r + a, s2 * c + b), p.dy4)  # add.at adds up a pixel's windows
    return p.back(dx)


def avg_pool2d(x, size, stride=None):
    """y[r, c] = (1 / (k1 k2)) sum_a sum_b x[s1 r + a, s2 c + b]: the mean of each window.

    Arguments and output size as for :func:`max_pool2d`. This is a correlation of every channel
    with the k1 x k2 filter of entries 1 / (k1 k2), at stride s.

    >>> avg_pool2d(np.arange(16.0).reshape(4, 4), 2)
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """
    p = check_pool(x, size, stride)
    return p.back(_pool_windows(p).mean(axis=(-2, -1)))


def avg_pool2d_grad_x(x, dy, size, stride=None):
    """dL/dx[r', c'] = (1 / (k1 k2)) sum over the windows (r, c) that hold (r', c') of dL/dy[r, c].

    Every pixel of a window moves the mean by 1 / (k1 k2). Only x's shape matters, not its
    values: the layer is linear. Pixels that no window reaches get 0.

    >>> avg_pool2d_grad_x(np.zeros((2, 4)), np.array([[4.0, 8.0]]), 2)
    array([[1., 1., 2., 2.],
           [1., 1., 2., 2.]])
    """
    p = check_pool(x, size, stride, dy)
    (k1, k2), (s1, s2) = p.k, p.stride
    rows, cols = s1 * (p.N1 - 1) + 1, s2 * (p.N2 - 1) + 1  # the span of a tap's pixels
    dx = np.zeros(p.x4.shape, dtype=result_dtype(p.x4, p.dy4))
    share = p.dy4 / (k1 * k2)
    for a in range(k1):  # tap (a, b) of every window at once: a strided slice of dx
        for b in range(k2):
            dx[:, :, a : a + rows : s1, b : b + cols : s2] += share
    return p.back(dx)


# Flatten, dense, bias -----------------------------------------------------------------------


def flatten(x):
    """Each image as one row: (N, C, H, W) -> (N, C H W), in row-major order.

    >>> flatten(np.arange(8.0).reshape(2, 1, 2, 2))
    array([[0., 1., 2., 3.],
           [4., 5., 6., 7.]])
    """
    x = _floats(x, "x")
    if x.ndim < 2:
        raise ValueError(f"x must have a batch axis and at least one more, got shape {x.shape}")
    return x.reshape(x.shape[0], -1).copy()


def flatten_grad_x(dy, x_shape):
    """dL/dx: the rows of dL/dy put back in the shape of x (flattening moves entries, no more)."""
    dy = _floats(dy, "dy")
    if not isinstance(x_shape, (tuple, list)) or not all(map(is_int, x_shape)):
        raise TypeError(f"x_shape must be a tuple of ints, got {x_shape!r}")
    x_shape = tuple(int(n) for n in x_shape)
    if len(x_shape) < 2 or min(x_shape) < 1:
        raise ValueError(f"x_shape must be (N, ...) with 2 or more positive sizes, got {x_shape}")
    expected = (x_shape[0], int(np.prod(x_shape[1:])))
    _same_shape(dy, "dy", expected, f"flatten(x) for x of shape {x_shape}")
    return dy.reshape(x_shape).copy()


def _check_dense(x, w):
    if x.ndim != 2:
        raise ValueError(f"x must be 2-D (N, D), one row per image, got shape {x.shape}")
    if w.ndim != 2 or w.shape[1] != x.shape[1]:
        raise ValueError(
            f"w must be 2-D (M, D) with D = {x.shape[1]} columns like x, got shape {w.shape}"
        )


def dense(x, w):
    """y[n, m] = sum_j x[n, j] w[m, j], that is y = x w^T: every output sees every input.

    ``x`` is (N, D), ``w`` is (M, D) (one row of weights per output, as w[o] is one filter in
    conv2d), ``y`` is (N, M).

    >>> dense(np.array([[1.0, 2.0]]), np.array([[1.0, 0.0], [3.0, -1.0]]))
    array([[1., 1.]])
    """
    x, w = as_array(x, "x"), as_array(w, "w")
    _check_dense(x, w)
    dtype = result_dtype(x, w)
    return x.astype(dtype, copy=False) @ w.astype(dtype, copy=False).T


def dense_grad_x(dy, w):
    """dL/dx[n, j] = sum_m dL/dy[n, m] w[m, j], that is dL/dx = dL/dy w."""
    dy, w = as_array(dy, "dy"), as_array(w, "w")
    if w.ndim != 2 or dy.ndim != 2 or dy.shape[1] != w.shape[0]:
        raise ValueError(
            f"dy must be 2-D (N, M) and w 2-D (M, D) with the same M, got dy {dy.shape} and "
            f"w {w.shape}"
        )
    dtype = result_dtype(dy, w)
    return dy.astype(dtype, copy=False) @ w.astype(dtype, copy=False)


def dense_grad_w(x, dy):
    """dL/dw[m, j] = sum_n dL/dy[n, m] x[n, j], that is dL/dw = dL/dy^T x: summed over the batch."""
    x, dy = as_array(x, "x"), as_array(dy, "dy")
    if x.ndim != 2 or dy.ndim != 2 or dy.shape[0] != x.shape[0]:
        raise ValueError(
            f"x must be 2-D (N, D) and dy 2-D (N, M) with the same N, got x {x.shape} and "
            f"dy {dy.shape}"
        )
    dtype = result_dtype(x, dy)
    return dy.astype(dtype, copy=False).T @ x.astype(dtype, copy=False)


def add_bias(y, b):
    """y[n, o, ...] + b[o]: one bias per channel (axis 1), for (N, C, H, W) or (N, M) outputs.

    >>> add_bias(np.zeros((1, 2, 1, 2)), np.array([1.0, -1.0]))[0]
    array([[[ 1.,  1.]],
    <BLANKLINE>
           [[-1., -1.]]])
    """
    y, b = as_array(y, "y"), as_array(b, "b")
    if y.ndim < 2 or b.shape != (y.shape[1],):
        raise ValueError(
            f"b must be 1-D with one entry per channel of y (axis 1 of a 2-D or 4-D y), "
            f"got b {b.shape} and y {y.shape}"
        )
    dtype = result_dtype(y, b)
    return y.astype(dtype) + b.astype(dtype).reshape((1, -1) + (1,) * (y.ndim - 2))


def add_bias_grad_b(dy):
    """dL/db[o] = the sum of dL/dy over every axis but the channel axis (batch and positions)."""
    dy = _floats(dy, "dy")
    if dy.ndim < 2:
        raise ValueError(f"dy must be (N, C, ...) with a channel axis 1, got shape {dy.shape}")
    return dy.sum(axis=(0, *range(2, dy.ndim)))


# Softmax cross-entropy ------------------------------------------------------------------------


def softmax(logits):
    """p[n, k] = exp(z[n, k]) / sum_j exp(z[n, j]), computed as exp(z - max z) (no overflow).

    >>> softmax(np.array([[0.0, np.log(3.0)]]))
    array([[0.25, 0.75]])
    """
    z = _floats(logits, "logits")
    if z.ndim != 2:
        raise ValueError(f"logits must be 2-D (N, K), one row of K scores per image, got {z.shape}")
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _check_labels(labels, z):
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"labels must be integer class indices, got dtype {labels.dtype}")
    if labels.shape != z.shape[:1]:
        raise ValueError(
            f"labels must be 1-D with one entry per row of logits, ({z.shape[0]},), "
            f"got shape {labels.shape}"
        )
    if labels.size and (labels.min() < 0 or labels.max() >= z.shape[1]):
        raise ValueError(
            f"labels must lie in 0..{z.shape[1] - 1} (logits has {z.shape[1]} classes), "
            f"got values from {labels.min()} to {labels.max()}"
        )
    return labels


def softmax_cross_entropy(logits, labels):
    """L = (1 / N) sum_n -log p[n, t_n], with p = softmax(logits) and t_n = labels[n].

    Computed as log sum_j exp(z[n, j] - m_n) + m_n - z[n, t_n] with m_n = max_j z[n, j], which
    neither overflows for large logits nor takes the log of 0.

    >>> round(float(softmax_cross_entropy(np.array([[0.0, np.log(3.0)]]), np.array([1]))), 6)
    0.287682
    """
    z = _floats(logits, "logits")
    p = softmax(z)  # checks the shape
    labels = _check_labels(labels, z)
    m = z.max(axis=1)
    log_sum = np.log(np.exp(z - m[:, None]).sum(axis=1)) + m
    return np.mean(log_sum - z[np.arange(len(z)), labels], dtype=p.dtype)


def softmax_cross_entropy_grad(logits, labels):
    """dL/dz[n, k] = (p[n, k] - [k = t_n]) / N: the predicted probabilities minus the one-hot
    labels, divided by the batch size because the loss is a mean.

    >>> softmax_cross_entropy_grad(np.array([[0.0, np.log(3.0)]]), np.array([1]))
    array([[ 0.25, -0.25]])
    """
    z = _floats(logits, "logits")
    p = softmax(z)
    labels = _check_labels(labels, z)
    p[np.arange(len(z)), labels] -= 1
    return p / len(z)
