"""The vectorised functions agree with the reference loops, for every shape, parameter, layout."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from strategies import LAYOUTS, configs, laid_out, random_arrays

import convlib
from convlib import reference
from convlib.gradcheck import relative_error

# float64 round-off for sums of a few hundred products of standard normals.
ROUND_OFF = 1e-13


@given(configs(), st.sampled_from(LAYOUTS), st.integers(0, 2**32 - 1))
def test_forward_matches_reference(config, layout, seed):
    x_shape, w_shape, params = config
    x, w = random_arrays(seed, x_shape, w_shape)
    y = convlib.conv2d(laid_out(x, layout), laid_out(w, layout), **params)
    y_ref = reference.conv2d(x, w, **params)
    assert (
        y.shape
        == y_ref.shape
        == convlib.shapes.conv_geometry(x_shape=x_shape, w_shape=w_shape, **params).y_shape
    )
    assert relative_error(y, y_ref) < ROUND_OFF


@given(configs(), st.sampled_from(LAYOUTS), st.integers(0, 2**32 - 1))
def test_grad_w_matches_reference(config, layout, seed):
    x_shape, w_shape, params = config
    x, w = random_arrays(seed, x_shape, w_shape)
    (dy,) = random_arrays(seed + 1, convlib.conv2d(x, w, **params).shape)
    dw = convlib.conv2d_grad_w(laid_out(x, layout), laid_out(dy, layout), w_shape, **params)
    dw_ref = reference.conv2d_grad_w(x, dy, w_shape, **params)
    assert dw.shape == w_shape
    assert relative_error(dw, dw_ref) < ROUND_OFF


@given(configs(), st.sampled_from(LAYOUTS), st.integers(0, 2**32 - 1))
def test_grad_x_matches_reference(config, layout, seed):
    x_shape, w_shape, params = config
    x, w = random_arrays(seed, x_shape, w_shape)
    (dy,) = random_arrays(seed + 1, convlib.conv2d(x, w, **params).shape)
    dx = convlib.conv2d_grad_x(laid_out(dy, layout), laid_out(w, layout), x_shape, **params)
    dx_ref = reference.conv2d_grad_x(dy, w, x_shape, **params)
    assert dx.shape == x_shape
    assert relative_error(dx, dx_ref) < ROUND_OFF


@given(configs(), st.integers(0, 2**32 - 1))
def test_float32_is_kept_and_close_to_float64(config, seed):
    x_shape, w_shape, params = config
    x, w = random_arrays(seed, x_shape, w_shape)
    y64 = convlib.conv2d(x, w, **params)
    (dy,) = random_arrays(seed + 1, y64.shape)
    x32, w32, dy32 = (v.astype(np.float32) for v in (x, w, dy))
    results = {
        "y": (convlib.conv2d(x32, w32, **params), y64),
        "dw": (
            convlib.conv2d_grad_w(x32, dy32, w_shape, **params),
            convlib.conv2d_grad_w(x, dy, w_shape, **params),
        ),
        "dx": (
            convlib.conv2d_grad_x(dy32, w32, x_shape, **params),
            convlib.conv2d_grad_x(dy, w, x_shape, **params),
        ),
    }
    for name, (r32, r64) in results.items():
        assert r32.dtype == np.float32, name
        # float32 inputs are float64 inputs rounded to 24 bits: close, not equal.
        assert relative_error(r32, r64) < 1e-5, name


def test_larger_layer_matches_reference():
    """One CNN-sized case beyond hypothesis' small shapes, overlapping windows and all."""
    x, w = random_arrays(7, (2, 5, 12, 11), (4, 5, 3, 3))
    params = {"stride": 1, "padding": 1, "dilation": 1}
    (dy,) = random_arrays(8, convlib.conv2d(x, w, **params).shape)
    pairs = [
        (convlib.conv2d(x, w, **params), reference.conv2d(x, w, **params)),
        (convlib.conv2d_grad_w(x, dy, **params), reference.conv2d_grad_w(x, dy, **params)),
        (convlib.conv2d_grad_x(dy, w, **params), reference.conv2d_grad_x(dy, w, **params)),
    ]
    for fast, slow in pairs:
        assert relative_error(fast, slow) < ROUND_OFF
