"""Argument checking and the output-size rule, shared by every implementation.

All public functions accept either the notes' single-channel arrays (x of shape (H, W), w of shape
(k1, k2)) or batched multi-channel ones (x of shape (N, C_in, H, W), w of shape
(C_out, C_in, k1, k2)). The checks below turn both into the 4-D form, so each implementation is
written once, and remember how to give the result back in the caller's form. The pooling layers'
checks (:func:`check_pool`) are here too, for :mod:`convlib.layers` and the loops of
:mod:`convlib.reference` alike.
"""

from dataclasses import dataclass

import numpy as np

__all__ = [
    "Geometry",
    "output_size",
    "is_int",
    "as_pair",
    "as_array",
    "check_pair",
    "check_index",
    "check_2d",
    "result_dtype",
    "conv_geometry",
    "pool_output_size",
    "Pool",
    "check_pool",
]


def is_int(value):
    """A Python or NumPy integer, but not a bool (True is an int to Python, not a size to us)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def as_pair(value, name):
    """Return ``value`` as a pair of ints, accepting an int or an (h, w) pair."""
    if is_int(value):
        return int(value), int(value)
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(map(is_int, value)):
        return int(value[0]), int(value[1])
    raise TypeError(f"{name} must be an int or a pair of ints (h, w), got {value!r}")


def check_pair(shape, name, letters):
    """``shape`` as a pair of positive ints; ``letters`` names them in messages, e.g. "(k1, k2)"."""
    if not (isinstance(shape, (tuple, list)) and len(shape) == 2 and all(map(is_int, shape))):
        raise TypeError(f"{name} must be a pair of ints {letters}, got {shape!r}")
    if min(shape) < 1:
        raise ValueError(f"{name} must be two positive ints {letters}, got {tuple(shape)}")
    return int(shape[0]), int(shape[1])


def check_index(value, name, size, what):
    """``value`` as an int in 0..size-1; ``what`` says what it indexes, e.g. "a row of x"."""
    if not is_int(value):
        raise TypeError(f"{name} must be an int ({what}), got {value!r}")
    if not 0 <= value < size:
        raise ValueError(f"{name} must be in 0..{size - 1} ({what}), got {value}")
    return int(value)


def check_2d(value, name, letters):
    """``value`` as a real, non-empty 2-D array; ``letters`` names its shape, e.g. "(N1, N2)"."""
    array = as_array(value, name)
    if array.ndim != 2:
        raise ValueError(f"{name} must be 2-D {letters}, got shape {array.shape}")
    return array


def output_size(size, k, stride=1, padding=0, dilation=1):
    """Output length along one axis: floor((size + 2 padding - dilation (k - 1) - 1) / stride) + 1.

    With stride 1, no padding and no dilation this is the notes' N1 = H - k1 + 1.

    >>> output_size(6, 3)
    4
    >>> output_size(7, 3, stride=2, padding=1)
    4
    """
    return (size + 2 * padding - dilation * (k - 1) - 1) // stride + 1


def as_array(value, name):
    """``np.asarray(value)``, refusing what cannot be a real-valued, non-empty image or filter."""
    array = np.asarray(value)
    kind, size = array.dtype.kind, array.dtype.itemsize
    if kind not in "biuf" or (kind == "f" and size > 8):
        raise TypeError(
            f"{name} must hold real numbers (float32, float64, integers or booleans), "
            f"got dtype {array.dtype}"
        )
    if array.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {array.shape}")
    return array


def result_dtype(*arrays):
    """float32 if every array is float32 (or float16), else float64 (integers count as float64)."""
    if all(a.dtype.kind == "f" and a.dtype.itemsize <= 4 for a in arrays):
        return np.dtype(np.float32)
    return np.dtype(np.float64)


@dataclass(frozen=True)
class Geometry:
    """Every size of one convolution, in the book's letters.

    ``x`` is (N, C_in, H, W), ``w`` is (C_out, C_in, k1, k2) and ``y`` is (N, C_out, N1, N2);
    ``stride``, ``padding`` and ``dilation`` are (h, w) pairs. ``batched`` records whether the
    caller used 4-D arrays, so results can be given back in the caller's form.
    """

    N: int
    C_in: int
    C_out: int
    H: int
    W: int
    k1: int
    k2: int
    stride: tuple
    padding: tuple
    dilation: tuple
    batched: bool

    @property
    def N1(self):
        return output_size(self.H, self.k1, self.stride[0], self.padding[0], self.dilation[0])

    @property
    def N2(self):
        return output_size(self.W, self.k2, self.stride[1], self.padding[1], self.dilation[1])

    @property
    def x_shape(self):
        return (self.N, self.C_in, self.H, self.W) if self.batched else (self.H, self.W)

    @property
    def w_shape(self):
        return (self.C_out, self.C_in, self.k1, self.k2) if self.batched else (self.k1, self.k2)

    @property
    def y_shape(self):
        return (self.N, self.C_out, self.N1, self.N2) if self.batched else (self.N1, self.N2)

    def to_4d(self, array):
        """View a caller's array in the batched form."""
        return array if self.batched else array[np.newaxis, np.newaxis]

    def from_4d(self, array):
        """Give a batched result back in the caller's form."""
        return array if self.batched else array[0, 0]


_LAYOUTS = {
    "x": ("(H, W)", "(N, C_in, H, W)"),
    "w": ("(k1, k2)", "(C_out, C_in, k1, k2)"),
    "dy": ("(N1, N2)", "(N, C_out, N1, N2)"),
}


def _check_ndim(array, name, batched):
    expected = 4 if batched else 2
    if array.ndim != expected:
        layout = _LAYOUTS[name][batched]
        raise ValueError(
            f"{name} must be {expected}-D {layout} like the other arguments, "
            f"got {array.ndim}-D shape {array.shape}"
        )


def _check_shape(shape, name, ndim):
    try:
        shape = tuple(int(n) for n in shape)
    except TypeError:
        raise TypeError(f"{name} must be a tuple of ints, got {shape!r}") from None
    if len(shape) != ndim or min(shape) < 1:
        raise ValueError(f"{name} must be {ndim} positive ints, got {shape}")
    return shape


def _params(stride, padding, dilation):
    s, p, d = as_pair(stride, "stride"), as_pair(padding, "padding"), as_pair(dilation, "dilation")
    if min(s) < 1:
        raise ValueError(f"stride must be >= 1, got {stride!r}")
    if min(d) < 1:
        raise ValueError(f"dilation must be >= 1, got {dilation!r}")
    if min(p) < 0:
        raise ValueError(f"padding must be >= 0, got {padding!r}")
    return s, p, d


def conv_geometry(*, x_shape, w_shape, stride, padding, dilation):
    """Check one convolution's sizes and parameters; return its :class:`Geometry`.

    ``x_shape`` and ``w_shape`` are both 2-D or both 4-D. Raises ``ValueError`` or ``TypeError``
    naming the argument at fault.
    """
    s, p, d = _params(stride, padding, dilation)
    if len(x_shape) == 4:
        N, C_in, H, W = x_shape
        C_out, C_in_w, k1, k2 = w_shape
        if C_in_w != C_in:
            raise ValueError(
                f"w has {C_in_w} input channels (w.shape[1]) but x has {C_in} (x.shape[1]); "
                f"they must match: w is (C_out, C_in, k1, k2), x is (N, C_in, H, W)"
            )
    else:
        (H, W), (k1, k2), N, C_in, C_out = x_shape, w_shape, 1, 1, 1
    extent = (d[0] * (k1 - 1) + 1, d[1] * (k2 - 1) + 1)
    if extent[0] > H + 2 * p[0] or extent[1] > W + 2 * p[1]:
        raise ValueError(
            f"the kernel (k1, k2) = {(k1, k2)}, spanning {extent} with dilation {d}, is larger "
            f"than the padded input {(H + 2 * p[0], W + 2 * p[1])} (x's (H, W) = {(H, W)}, "
            f"padding {p})"
        )
    return Geometry(N, C_in, C_out, H, W, k1, k2, s, p, d, batched=len(x_shape) == 4)


def check_conv2d_args(x, w, stride, padding, dilation):
    """Arrays and geometry for ``conv2d(x, w)``."""
    x, w = as_array(x, "x"), as_array(w, "w")
    if x.ndim not in (2, 4):
        raise ValueError(f"x must be 2-D (H, W) or 4-D (N, C_in, H, W), got shape {x.shape}")
    _check_ndim(w, "w", batched=x.ndim == 4)
    g = conv_geometry(
        x_shape=x.shape, w_shape=w.shape, stride=stride, padding=padding, dilation=dilation
    )
    return x, w, g


def _check_dy(dy, g):
    if dy.shape != g.y_shape:
        raise ValueError(
            f"dy must have the shape of the output y, {g.y_shape} for x of shape {g.x_shape} "
            f"and w of shape {g.w_shape}, got {dy.shape}"
        )


def _undetermined(name, size_name):
    return ValueError(
        f"{name} is not determined by the other arguments when stride > 1 (several {size_name} "
        f"give the same output size): pass {name} explicitly"
    )


def check_conv2d_grad_w_args(x, dy, w_shape, stride, padding, dilation):
    """Arrays and geometry for ``conv2d_grad_w(x, dy)``; works out ``w_shape`` at stride 1."""
    x, dy = as_array(x, "x"), as_array(dy, "dy")
    if x.ndim not in (2, 4):
        raise ValueError(f"x must be 2-D (H, W) or 4-D (N, C_in, H, W), got shape {x.shape}")
    _check_ndim(dy, "dy", batched=x.ndim == 4)
    if w_shape is None:
        s, p, d = _params(stride, padding, dilation)
        if max(s) != 1:
            raise _undetermined("w_shape", "kernel sizes")
        # Stride 1: N1 = H + 2p - d (k1 - 1), so the kernel size follows from the output size.
        spans = [x.shape[-2 + j] + 2 * p[j] - dy.shape[-2 + j] for j in (0, 1)]
        if min(spans) < 0 or spans[0] % d[0] or spans[1] % d[1]:
            raise ValueError(
                f"dy of shape {dy.shape} cannot be the output of a stride-1 convolution of x of "
                f"shape {x.shape} with padding {p} and dilation {d}: no kernel size fits"
            )
        k = (spans[0] // d[0] + 1, spans[1] // d[1] + 1)
        w_shape = (dy.shape[1], x.shape[1], *k) if x.ndim == 4 else k
    w_shape = _check_shape(w_shape, "w_shape", x.ndim)
    g = conv_geometry(
        x_shape=x.shape, w_shape=w_shape, stride=stride, padding=padding, dilation=dilation
    )
    _check_dy(dy, g)
    return x, dy, g


def check_conv2d_grad_x_args(dy, w, x_shape, stride, padding, dilation):
    """Arrays and geometry for ``conv2d_grad_x(dy, w)``; works out ``x_shape`` at stride 1."""
    dy, w = as_array(dy, "dy"), as_array(w, "w")
    if w.ndim not in (2, 4):
        raise ValueError(
            f"w must be 2-D (k1, k2) or 4-D (C_out, C_in, k1, k2), got shape {w.shape}"
        )
    _check_ndim(dy, "dy", batched=w.ndim == 4)
    if x_shape is None:
        s, p, d = _params(stride, padding, dilation)
        if max(s) != 1:
            raise _undetermined("x_shape", "image sizes")
        # Stride 1: N1 = H + 2p - d (k1 - 1), so H follows from the output size.
        H, W = (dy.shape[-2 + j] + d[j] * (w.shape[-2 + j] - 1) - 2 * p[j] for j in (0, 1))
        if min(H, W) < 1:
            raise ValueError(
                f"dy of shape {dy.shape} cannot be the output of a stride-1 convolution with w of "
                f"shape {w.shape}, padding {p} and dilation {d}: the input would be {(H, W)}"
            )
        x_shape = (dy.shape[0], w.shape[1], H, W) if w.ndim == 4 else (H, W)
    x_shape = _check_shape(x_shape, "x_shape", w.ndim)
    g = conv_geometry(
        x_shape=x_shape, w_shape=w.shape, stride=stride, padding=padding, dilation=dilation
    )
    _check_dy(dy, g)
    return dy, w, g


# Pooling windows (convlib.layers and its loops in convlib.reference) -------------------------


def pool_output_size(size, k, stride):
    """Windows along one axis: floor((size - k) / stride) + 1, as for a convolution.

    >>> pool_output_size(8, 2, 2), pool_output_size(5, 3, 2), pool_output_size(7, 2, 2)
    (4, 2, 3)
    """
    return (size - k) // stride + 1


@dataclass(frozen=True)
class Pool:
    """A pooling layer's arrays and sizes, checked: ``x4`` (N, C, H, W) and ``dy4`` (N, C, N1, N2)
    in the 4-D form (``dy4`` None when no dy was given), the window ``k`` = (k1, k2) and the
    ``stride`` as pairs, the output size, and whether the caller's x was 4-D."""

    x4: np.ndarray
    dy4: np.ndarray | None
    k: tuple
    stride: tuple
    N1: int
    N2: int
    batched: bool

    def back(self, array):
        """A 4-D result in the caller's form."""
        return array if self.batched else array[0, 0]


def check_pool(x, size, stride=None, dy=None):
    """Check a pooling layer's arguments (``dy`` too, if given); return its :class:`Pool`.

    Raises ``ValueError`` or ``TypeError`` naming the argument at fault.
    """
    x = as_array(x, "x")
    x = x.astype(result_dtype(x), copy=False)
    if x.ndim not in (2, 4):
        raise ValueError(f"x must be 2-D (H, W) or 4-D (N, C, H, W), got shape {x.shape}")
    k = as_pair(size, "size")
    s = k if stride is None else as_pair(stride, "stride")
    if min(k) < 1:
        raise ValueError(f"size must be >= 1, got {size!r}")
    if min(s) < 1:
        raise ValueError(f"stride must be >= 1, got {stride!r}")
    if k[0] > x.shape[-2] or k[1] > x.shape[-1]:
        raise ValueError(
            f"the pooling window {k} (size) is larger than x's (H, W) = {x.shape[-2:]}"
        )
    batched = x.ndim == 4
    x4 = x if batched else x[np.newaxis, np.newaxis]
    N1, N2 = (pool_output_size(x4.shape[2 + j], k[j], s[j]) for j in (0, 1))
    dy4 = None
    if dy is not None:
        dy = as_array(dy, "dy")
        y_shape = (*x4.shape[:2], N1, N2) if batched else (N1, N2)
        if dy.shape != y_shape:
            raise ValueError(
                f"dy must have the shape of the pooled output, {y_shape} for x of shape "
                f"{x.shape}, window {k} and stride {s}, got {dy.shape}"
            )
        dy4 = dy if batched else dy[np.newaxis, np.newaxis]
    return Pool(x4, dy4, k, s, N1, N2, batched)
