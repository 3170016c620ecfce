"""The vectorised functions agree with the reference loops, for every shape, parameter, layout."""

from contextlib import contextmanager

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from strategies import LAYOUTS, configs, laid_out, random_arrays

import convlib
from convlib import fast, reference
from convlib.gradcheck import relative_error

# float64 round-off for sums of a few hundred products of standard normals.
ROUND_OFF = 1e-13

# The fast forward pass (also used by dL/dx at stride 1) picks a formulation by channel count and
# stride; the small shapes drawn here would take only some routes, so the tests force each in turn
# wherever it applies.
ROUTES = st.sampled_from(["taps", "shift", "windows"])


@contextmanager
def route(name):
    def forced(g):
        return name if name in fast.usable_routes(g) else "windows"

    saved = fast._route
    fast._route = forced
    try:
        yield
    finally:
        fast._route = saved


@given(configs(), st.sampled_from(LAYOUTS), ROUTES, st.integers(0, 2**32 - 1))
def test_forward_matches_reference(config, layout, route_name, seed):
    x_shape, w_shape, params = config
    x, w = random_arrays(seed, x_shape, w_shape)
    with route(route_name):
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


@given(configs(), st.sampled_from(LAYOUTS), ROUTES, st.integers(0, 2**32 - 1))
def test_grad_x_matches_reference(config, layout, route_name, seed):
    x_shape, w_shape, params = config
    x, w = random_arrays(seed, x_shape, w_shape)
    (dy,) = random_arrays(seed + 1, convlib.conv2d(x, w, **params).shape)
    with route(route_name):
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
    ax, aw, ady = np.abs(x), np.abs(w), np.abs(dy)
    # result in float32, result in float64, and the same sum over |terms|: float32 round-off is
    # a small multiple of 6e-8 times that sum, however much the terms cancel.
    results = {
        "y": (
            convlib.conv2d(x32, w32, **params),
            y64,
            convlib.conv2d(ax, aw, **params),
        ),
        "dw": (
            convlib.conv2d_grad_w(x32, dy32, w_shape, **params),
            convlib.conv2d_grad_w(x, dy, w_shape, **params),
            convlib.conv2d_grad_w(ax, ady, w_shape, **params),
        ),
        "dx": (
            convlib.conv2d_grad_x(dy32, w32, x_shape, **params),
            convlib.conv2d_grad_x(dy, w, x_shape, **params),
            convlib.conv2d_grad_x(ady, aw, x_shape, **params),
        ),
    }
    for name, (r32, r64, size) in results.items():
        assert r32.dtype == np.float32, name
        assert np.all(np.abs(r32 - r64) <= 1e-5 * size + 1e-30), name


def test_larger_layer_matches_reference():
    """One case with enough channels for the shift route, overlapping windows and all."""
    x, w = random_arrays(7, (2, 32, 9, 8), (32, 32, 3, 3))
    params = {"stride": 1, "padding": 1, "dilation": 1}
    (dy,) = random_arrays(8, convlib.conv2d(x, w, **params).shape)
    pairs = [
        (convlib.conv2d(x, w, **params), reference.conv2d(x, w, **params)),
        (convlib.conv2d_grad_w(x, dy, **params), reference.conv2d_grad_w(x, dy, **params)),
        (convlib.conv2d_grad_x(dy, w, **params), reference.conv2d_grad_x(dy, w, **params)),
    ]
    for vectorised, loops in pairs:
        assert relative_error(vectorised, loops) < ROUND_OFF


@given(
    st.integers(1, 4),
    st.integers(1, 4),
    st.integers(0, 3),
    st.integers(0, 3),
    st.integers(0, 2**32 - 1),
)
def test_the_notes_loops_match_the_general_loops_and_convlib(k1, k2, extra1, extra2, seed):
    """The stride-1 loops that chapters 1-3 print are the general ones at s = d = 1."""
    x, w = random_arrays(seed, (k1 + extra1, k2 + extra2), (k1, k2))
    y = reference.correlate(x, w)
    (dy,) = random_arrays(seed + 1, y.shape)
    N1, N2 = y.shape
    assert relative_error(y, reference.correlate_general(x, w, N1, N2)) < ROUND_OFF
    assert relative_error(y, convlib.conv2d(x, w)) < ROUND_OFF
    dw = reference.weight_gradient(x, dy)
    assert relative_error(dw, reference.weight_gradient_general(x, dy, k1, k2)) < ROUND_OFF
    assert relative_error(dw, convlib.conv2d_grad_w(x, dy)) < ROUND_OFF
    dx = reference.input_gradient(dy, w)
    assert relative_error(dx, reference.input_gradient_general(dy, w, *x.shape)) < ROUND_OFF
    assert relative_error(dx, convlib.conv2d_grad_x(dy, w)) < ROUND_OFF
