"""Both gradients against independent oracles: central differences, the adjoint identity, SciPy,
and the notes' headline result (B-PROP = convolution with the flipped filter)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal
from strategies import configs, examples, random_arrays

import convlib
from convlib.gradcheck import adjoint_gaps, check_gradient, relative_error


@settings(max_examples=examples(30))
@given(configs(max_stride=2, max_dilation=2), st.integers(0, 2**32 - 1))
def test_gradients_match_central_differences(config, seed):
    x_shape, w_shape, params = config
    x, w = random_arrays(seed, x_shape, w_shape)
    (dy,) = random_arrays(seed + 1, convlib.conv2d(x, w, **params).shape)

    def loss_of_x(v):
        return np.vdot(convlib.conv2d(v, w, **params), dy)

    def loss_of_w(v):
        return np.vdot(convlib.conv2d(x, v, **params), dy)

    # The loss is linear in x and in w, so central differences have no truncation error and a
    # large step keeps round-off small: the tolerance can be tight.
    check_gradient(
        loss_of_x,
        x,
        convlib.conv2d_grad_x(dy, w, x_shape, **params),
        eps=1e-2,
        rtol=1e-10,
        name="dL/dx",
    )
    check_gradient(
        loss_of_w,
        w,
        convlib.conv2d_grad_w(x, dy, w_shape, **params),
        eps=1e-2,
        rtol=1e-10,
        name="dL/dw",
    )


def test_gradients_of_a_nonlinear_loss():
    """Finite differences through a loss that is not linear in y (so the chain rule matters)."""
    x, w = random_arrays(3, (2, 3, 7, 6), (4, 3, 3, 2))
    params = {"stride": (2, 1), "padding": 1, "dilation": (1, 2)}

    def loss(x, w):
        return np.sum(np.tanh(convlib.conv2d(x, w, **params)) ** 2)

    y = convlib.conv2d(x, w, **params)
    dy = 2 * np.tanh(y) * (1 - np.tanh(y) ** 2)  # dL/dy of sum(tanh(y)^2)
    check_gradient(
        lambda v: loss(v, w),
        x,
        convlib.conv2d_grad_x(dy, w, x.shape, **params),
        rtol=1e-7,
        name="dL/dx",
    )
    check_gradient(
        lambda v: loss(x, v),
        w,
        convlib.conv2d_grad_w(x, dy, w.shape, **params),
        rtol=1e-7,
        name="dL/dw",
    )


@settings(max_examples=examples(200))
@given(configs(), st.integers(0, 2**32 - 1))
def test_adjoint_identity(config, seed):
    x_shape, w_shape, params = config
    x, w = random_arrays(seed, x_shape, w_shape)
    (dy,) = random_arrays(seed + 1, convlib.conv2d(x, w, **params).shape)
    gap_x, gap_w = adjoint_gaps(x, w, dy, **params)
    assert gap_x < 1e-12 and gap_w < 1e-12, (gap_x, gap_w)


@given(
    configs(batched=False, max_stride=1, max_dilation=1, max_padding=0), st.integers(0, 2**32 - 1)
)
def test_backprop_is_convolution_with_the_flipped_filter(config, seed):
    """The notes' result, stride 1: dL/dx = full correlation of zero-padded dL/dy with flip(w),
    and dL/dw = valid correlation of x with dL/dy."""
    x_shape, w_shape, _ = config
    x, w = random_arrays(seed, x_shape, w_shape)
    (dy,) = random_arrays(seed + 1, convlib.conv2d(x, w).shape)
    k1, k2 = w.shape
    dy_padded = np.pad(dy, ((k1 - 1, k1 - 1), (k2 - 1, k2 - 1)))
    dx = convlib.conv2d_grad_x(dy, w)
    assert relative_error(dx, convlib.conv2d(dy_padded, convlib.flip(w))) < 1e-13
    assert relative_error(dx, convlib.reference.conv2d(dy_padded, convlib.flip(w))) < 1e-13
    # ... which SciPy computes as a true convolution, "full" mode, without any flip:
    assert relative_error(dx, signal.convolve2d(dy, w, mode="full")) < 1e-13
    assert relative_error(dx, signal.correlate2d(dy, convlib.flip(w), mode="full")) < 1e-13

    dw = convlib.conv2d_grad_w(x, dy)
    assert relative_error(dw, convlib.conv2d(x, dy)) < 1e-13
    assert relative_error(dw, signal.correlate2d(x, dy, mode="valid")) < 1e-13


@given(configs(batched=True), st.integers(0, 2**32 - 1))
def test_forward_matches_scipy_channel_by_channel(config, seed):
    """y[n, o] = sum_i correlate(x[n, i], w[o, i]), sampled at the stride and dilation."""
    x_shape, w_shape, params = config
    (s1, s2), (p1, p2), (d1, d2) = params["stride"], params["padding"], params["dilation"]
    x, w = random_arrays(seed, x_shape, w_shape)
    y = convlib.conv2d(x, w, **params)
    xp = np.pad(x, ((0, 0), (0, 0), (p1, p1), (p2, p2)))
    # A dilated kernel is the kernel with d - 1 zeros between its taps.
    w_dilated = np.zeros(w.shape[:2] + (d1 * (w.shape[2] - 1) + 1, d2 * (w.shape[3] - 1) + 1))
    w_dilated[:, :, ::d1, ::d2] = w
    for n in range(x.shape[0]):
        for o in range(w.shape[0]):
            dense = sum(
                signal.correlate2d(xp[n, i], w_dilated[o, i], mode="valid")
                for i in range(x.shape[1])
            )
            assert relative_error(y[n, o], dense[::s1, ::s2][: y.shape[2], : y.shape[3]]) < 1e-13


def test_hand_worked_example():
    """The arithmetic written out: a 3x3 image and a 2x2 filter."""
    x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])
    w = np.array([[1.0, 0.0], [0.0, 2.0]])
    # y[r, c] = x[r, c] * 1 + x[r+1, c+1] * 2
    expected_y = np.array([[1 + 2 * 5, 2 + 2 * 6], [4 + 2 * 8, 5 + 2 * 9]], dtype=float)
    np.testing.assert_array_equal(convlib.conv2d(x, w), expected_y)
    dy = np.array([[1.0, 0.0], [0.0, 0.0]])
    # Only y[0, 0] matters: it used x[0, 0] with w[0, 0] and x[1, 1] with w[1, 1].
    np.testing.assert_array_equal(
        convlib.conv2d_grad_x(dy, w), [[1.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 0.0]]
    )
    np.testing.assert_array_equal(convlib.conv2d_grad_w(x, dy), [[1.0, 2.0], [4.0, 5.0]])
    # dy = 1 everywhere: dL/dx[r', c'] sums the weights of every window holding the pixel.
    np.testing.assert_array_equal(
        convlib.conv2d_grad_x(np.ones((2, 2)), w),
        [[1.0, 1.0, 0.0], [1.0, 3.0, 2.0], [0.0, 2.0, 2.0]],
    )


def test_stride_two_leaves_unreached_pixels_at_zero():
    """With stride 2 and a 1x1 kernel, odd rows and columns are in no window: zero gradient."""
    dy = np.arange(1.0, 5.0).reshape(2, 2)
    dx = convlib.conv2d_grad_x(dy, np.array([[3.0]]), (4, 4), stride=2)
    np.testing.assert_array_equal(dx, [[3, 0, 6, 0], [0, 0, 0, 0], [9, 0, 12, 0], [0, 0, 0, 0]])


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_nan_and_inf_propagate(value):
    x, w = random_arrays(0, (5, 5), (3, 3))
    x[2, 2] = value
    dy = np.ones((3, 3))
    # inf times a zero of the padding or of dy gives NaN, and NumPy may warn: that is documented.
    with np.errstate(invalid="ignore"):
        assert not np.isfinite(convlib.conv2d(x, w)).all()
        assert not np.isfinite(convlib.conv2d_grad_w(x, dy)).all()
        w[1, 1] = value
        assert not np.isfinite(convlib.conv2d_grad_x(dy, w)).all()
