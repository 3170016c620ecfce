"""Bad input gets a clear error naming the argument; good input is never modified."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import configs, random_arrays

import convlib
from convlib import reference

IMPLEMENTATIONS = [convlib, reference]

x2, w2 = random_arrays(0, (6, 7), (3, 2))
x4, w4 = random_arrays(1, (2, 3, 6, 7), (4, 3, 3, 2))
dy2 = np.ones((4, 6))
dy4 = np.ones((2, 4, 4, 6))

# (function name, args, kwargs, exception type, pattern the message must match)
BAD_INPUTS = [
    (
        "conv2d",
        (np.ones(5), w2),
        {},
        ValueError,
        r"x must be 2-D \(H, W\) or 4-D .*got shape \(5,\)",
    ),
    (
        "conv2d",
        (x2, w4),
        {},
        ValueError,
        r"w must be 2-D \(k1, k2\) like the other arguments, got 4-D",
    ),
    ("conv2d", (x4, w2), {}, ValueError, r"w must be 4-D \(C_out, C_in, k1, k2\).*got 2-D"),
    (
        "conv2d",
        (x4, np.ones((4, 2, 3, 3))),
        {},
        ValueError,
        r"w has 2 input channels \(w.shape\[1\]\) but x has 3",
    ),
    (
        "conv2d",
        (x2, np.ones((7, 2))),
        {},
        ValueError,
        r"kernel \(k1, k2\) = \(7, 2\).*larger than the padded input \(6, 7\)",
    ),
    (
        "conv2d",
        (x2, w2),
        {"dilation": 3},
        ValueError,
        r"spanning \(7, 4\) with dilation \(3, 3\), is larger than the padded input \(6, 7\)",
    ),
    ("conv2d", (x2, w2), {"stride": 0}, ValueError, r"stride must be >= 1, got 0"),
    ("conv2d", (x2, w2), {"stride": (1, -2)}, ValueError, r"stride must be >= 1, got \(1, -2\)"),
    ("conv2d", (x2, w2), {"dilation": 0}, ValueError, r"dilation must be >= 1, got 0"),
    ("conv2d", (x2, w2), {"padding": -1}, ValueError, r"padding must be >= 0, got -1"),
    ("conv2d", (x2, w2), {"stride": 1.5}, TypeError, r"stride must be an int or a pair of ints"),
    ("conv2d", (x2, w2), {"padding": (1, 2, 3)}, TypeError, r"padding must be an int or a pair"),
    ("conv2d", (np.ones((0, 4)), w2), {}, ValueError, r"x must not be empty, got shape \(0, 4\)"),
    ("conv2d", (x2, np.ones((2, 0))), {}, ValueError, r"w must not be empty, got shape \(2, 0\)"),
    ("conv2d", (x2 + 1j, w2), {}, TypeError, r"x must hold real numbers .*got dtype complex128"),
    (
        "conv2d",
        (np.full((6, 7), "a"), w2),
        {},
        TypeError,
        r"x must hold real numbers .*got dtype <U1",
    ),
    (
        "conv2d_grad_w",
        (x2, np.ones((5, 6))),
        {"w_shape": (3, 2)},
        ValueError,
        r"dy must have the shape of the output y, \(4, 6\) for x of shape \(6, 7\) and w of shape "
        r"\(3, 2\), got \(5, 6\)",
    ),
    (
        "conv2d_grad_w",
        (x2, dy2),
        {"stride": 2},
        ValueError,
        r"w_shape is not determined .* stride > 1 .*pass w_shape",
    ),
    (
        "conv2d_grad_w",
        (x2, np.ones((7, 2))),
        {},
        ValueError,
        r"dy of shape \(7, 2\) cannot be the output of a stride-1 convolution of x",
    ),
    ("conv2d_grad_w", (x2, np.ones((4, 6))), {"dilation": 2}, ValueError, r"no kernel size fits"),
    ("conv2d_grad_w", (x4, dy2), {}, ValueError, r"dy must be 4-D \(N, C_out, N1, N2\)"),
    (
        "conv2d_grad_w",
        (x2, dy2),
        {"w_shape": (3, 2, 1)},
        ValueError,
        r"w_shape must be 2 positive ints, got \(3, 2, 1\)",
    ),
    ("conv2d_grad_w", (x2, dy2), {"w_shape": 3}, TypeError, r"w_shape must be a tuple of ints"),
    (
        "conv2d_grad_x",
        (dy2, w2),
        {"x_shape": (6, 8)},
        ValueError,
        r"dy must have the shape of the output y, \(4, 7\) for x of shape \(6, 8\)",
    ),
    (
        "conv2d_grad_x",
        (dy4, w4),
        {"x_shape": (2, 3, 6, 8)},
        ValueError,
        r"dy must have the shape of the output y, \(2, 4, 4, 7\)",
    ),
    (
        "conv2d_grad_x",
        (np.ones((2, 5, 4, 6)), w4),
        {},
        ValueError,
        r"dy must have the shape of the output y, \(2, 4, 4, 6\) .* got \(2, 5, 4, 6\)",
    ),
    (
        "conv2d_grad_x",
        (dy2, w2),
        {"stride": (1, 2)},
        ValueError,
        r"x_shape is not determined .*pass x_shape",
    ),
    ("conv2d_grad_x", (dy2, np.ones(3)), {}, ValueError, r"w must be 2-D \(k1, k2\) or 4-D"),
    (
        "conv2d_grad_x",
        (np.ones((1, 1)), w2),
        {"padding": 3},
        ValueError,
        r"cannot be the output of a stride-1 convolution .*the input would be \(-3, -4\)",
    ),
    (
        "conv2d_grad_x",
        (dy2, w2),
        {"x_shape": (6, 0)},
        ValueError,
        r"x_shape must be 2 positive ints, got \(6, 0\)",
    ),
]


@pytest.mark.parametrize("module", IMPLEMENTATIONS, ids=["fast", "reference"])
@pytest.mark.parametrize(
    "name, args, kwargs, error, pattern", BAD_INPUTS, ids=[p[-1][:40] for p in BAD_INPUTS]
)
def test_bad_input_is_refused_with_a_clear_message(module, name, args, kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        getattr(module, name)(*args, **kwargs)


def test_flip_refuses_a_vector():
    with pytest.raises(ValueError, match=r"w must have at least 2 dimensions .*got shape \(3,\)"):
        convlib.flip(np.ones(3))


@given(configs(), st.integers(0, 2**32 - 1))
def test_inputs_are_never_modified(config, seed):
    x_shape, w_shape, params = config
    x, w = random_arrays(seed, x_shape, w_shape)
    (dy,) = random_arrays(seed + 1, convlib.conv2d(x, w, **params).shape)
    saved = [v.copy() for v in (x, w, dy)]
    for v in (x, w, dy):
        v.flags.writeable = False  # any write attempt raises
    for module in IMPLEMENTATIONS:
        module.conv2d(x, w, **params)
        module.conv2d_grad_w(x, dy, w_shape, **params)
        module.conv2d_grad_x(dy, w, x_shape, **params)
    convlib.flip(w)
    for before, after in zip(saved, (x, w, dy), strict=True):
        np.testing.assert_array_equal(before, after)


def test_flip_returns_a_new_array():
    w = np.arange(6.0).reshape(2, 3)
    flipped = convlib.flip(w)
    flipped[0, 0] = 100.0
    assert w[1, 2] == 5.0
    np.testing.assert_array_equal(convlib.flip(convlib.flip(w)), w)


@pytest.mark.parametrize("module", IMPLEMENTATIONS, ids=["fast", "reference"])
def test_dtypes(module):
    """float32 stays float32; float64, integers, booleans and lists compute in float64."""
    x, w = np.arange(20).reshape(4, 5), np.array([[1, -1], [2, 0]])
    exact = module.conv2d(x.astype(np.float64), w.astype(np.float64))
    cases = [
        (x, w, np.float64),
        (x.tolist(), w.tolist(), np.float64),
        (x.astype(bool), w, np.float64),
        (x.astype(np.float32), w.astype(np.float32), np.float32),
        (x.astype(np.float32), w, np.float64),  # an int filter counts as float64
        (x.astype(np.float16), w.astype(np.float32), np.float32),
    ]
    for x_in, w_in, dtype in cases:
        y = module.conv2d(x_in, w_in)
        assert y.dtype == dtype
        if not np.asarray(x_in).dtype == bool:
            np.testing.assert_allclose(y, exact)
    dy = np.ones((3, 4), dtype=np.float32)
    assert module.conv2d_grad_x(dy, w.astype(np.float32)).dtype == np.float32
    assert module.conv2d_grad_w(x.astype(np.float32), dy).dtype == np.float32
    assert module.conv2d_grad_x(dy, w).dtype == np.float64


def test_output_size_rule():
    assert convlib.output_size(34, 3) == 32  # the notes' N1 = H - k1 + 1
    assert convlib.output_size(32, 3, padding=1) == 32
    assert convlib.output_size(7, 3, stride=2) == 3
    assert convlib.output_size(8, 3, stride=2) == 3  # the last column is in no window
    assert convlib.output_size(9, 3, dilation=2) == 5  # the kernel spans 5 pixels
