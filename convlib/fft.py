"""The forward pass through the fast Fourier transform: cheaper than direct sums for large kernels.

Correlation theorem: correlating x with w is convolving x with flip(w), and a convolution becomes a
pointwise product after a discrete Fourier transform. On a grid of S1 x S2 points the product
computes the *circular* convolution, whose indices wrap around modulo S1 and S2. Output pixel
(r, c) of the valid correlation is entry (r + k1 - 1, c + k2 - 1) of the convolution with flip(w),
and that entry reads only x[r : r + k1, c : c + k2]: nothing wraps as long as S1 >= H and
S2 >= W. So the transforms need no padding beyond the image itself; they are taken on the next
size with small prime factors, where the FFT is quickest.

Cost: about 5 H W log2(H W) operations per transform against 2 H W k1 k2 for the direct sums, so
the FFT wins once the kernel is large. Its round-off is spread over the whole image: an error of a
few float64 epsilons times log(H W) *relative to the largest output*, where direct sums err
relative to each output's own terms.
"""

import numpy as np

from .shapes import as_pair, check_conv2d_args, result_dtype

__all__ = ["conv2d_fft", "fast_size"]


def fast_size(n):
    """The smallest integer >= n whose only prime factors are 2, 3 and 5.

    NumPy's FFT is quickest on such sizes.

    >>> [fast_size(n) for n in (7, 11, 128, 257)]
    [8, 12, 128, 270]
    """
    if n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    best = n
    while True:
        m = best
        for p in (2, 3, 5):
            while m % p == 0:
                m //= p
        if m == 1:
            return best
        best += 1


def conv2d_fft(x, w, *, stride=1, padding=0, dilation=1):
    """y[r, c] = sum_a sum_b x[r + a, c + b] w[a, b], computed with numpy.fft.

    The same result as :func:`convlib.conv2d`, up to round-off, for stride 1 and dilation 1.

    Parameters
    ----------
    x : array_like of shape (H, W) or (N, C_in, H, W)
        The input image(s).
    w : array_like of shape (k1, k2) or (C_out, C_in, k1, k2)
        The filter(s); 2-D with a 2-D ``x``, 4-D with a 4-D ``x``.
    stride, dilation : int or (int, int)
        Must be 1: strides and dilations skip most of the products that the FFT computes, and
        :func:`convlib.conv2d` does them better.
    padding : int or (int, int)
        Zeros added on each side of the input before the transform.

    Returns
    -------
    y : ndarray of shape (N1, N2) or (N, C_out, N1, N2)
        N1 = H + 2 padding - k1 + 1, N2 likewise. float32 if both arguments are float32 (the
        transforms then run in single precision), float64 otherwise.

    Notes
    -----
    With several channels, y[n, o] = sum_i x[n, i] correlated with w[o, i]: the sum over i is
    taken on the transforms, so each image and each filter is transformed once. The error against
    direct summation is about 1e-15 times log2(H W) relative to max |y| in float64 (see the
    module docstring), larger than direct summation's.

    Examples
    --------
    >>> y = conv2d_fft(np.arange(12.0).reshape(3, 4), np.array([[1.0, 0.0], [0.0, -1.0]]))
    >>> np.round(y, 12) + 0.0
    array([[-5., -5., -5.],
           [-5., -5., -5.]])
    """
    x, w, g = check_conv2d_args(x, w, stride, padding, dilation)
    for name, value in (("stride", stride), ("dilation", dilation)):
        if as_pair(value, name) != (1, 1):
            raise ValueError(
                f"conv2d_fft supports {name} 1 only, got {name}={value!r}; "
                f"use convlib.conv2d for strided or dilated convolutions"
            )
    dtype = result_dtype(x, w)
    (p1, p2), k1, k2 = g.padding, g.k1, g.k2
    x4 = np.pad(g.to_4d(x).astype(dtype, copy=False), ((0, 0), (0, 0), (p1, p1), (p2, p2)))
    w4 = g.to_4d(w).astype(dtype, copy=False)
    Hp, Wp = x4.shape[2:]
    size = (fast_size(Hp), fast_size(Wp))
    x_hat = np.fft.rfft2(x4, s=size)  # (N, C_in, S1, S2 // 2 + 1)
    w_hat = np.fft.rfft2(w4[..., ::-1, ::-1], s=size)  # flip(w): correlation as convolution
    y_hat = np.einsum("nihw,oihw->nohw", x_hat, w_hat, optimize=True)
    y_full = np.fft.irfft2(y_hat, s=size)
    y = y_full[:, :, k1 - 1 : Hp, k2 - 1 : Wp]  # the valid part: no index wrapped around
    return g.from_4d(np.ascontiguousarray(y, dtype=dtype))
