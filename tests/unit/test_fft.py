"""convlib.fft: the FFT forward pass against the direct sums of convlib.conv2d.

Tolerance: the FFT forms every output from all S1 S2 frequencies, each carrying a rounding error,
so its error is a few float64 epsilons times log2(S1 S2) relative to the *largest* output (about
1e-15 here), where direct summation errs relative to each output's own terms. The tests allow
1e-12 relative to max |y| (relative_error's scale): a thousand times the expected round-off, and
a million times below any real mistake (a missing flip or a shifted crop gives errors of order 1).
float32 transforms run in single precision: 1e-5 of |x| |w|, which bounds every output.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import LAYOUTS, configs, laid_out, random_arrays

import convlib
from convlib.fft import conv2d_fft, fast_size
from convlib.gradcheck import relative_error

TOLERANCE = {np.float64: 1e-12, np.float32: 1e-5}


@given(configs(max_stride=1, max_dilation=1), st.integers(0, 2**32 - 1), st.sampled_from(LAYOUTS))
def test_agrees_with_direct_summation(config, seed, layout):
    x_shape, w_shape, params = config
    x, w = random_arrays(seed, x_shape, w_shape)
    y = conv2d_fft(laid_out(x, layout), laid_out(w, layout), padding=params["padding"])
    expected = convlib.conv2d(x, w, padding=params["padding"])
    assert y.shape == expected.shape and y.dtype == np.float64
    assert relative_error(y, expected) <= TOLERANCE[np.float64]


@given(configs(max_stride=1, max_dilation=1, max_padding=0), st.integers(0, 2**32 - 1))
def test_float32_stays_float32(config, seed):
    x_shape, w_shape, _ = config
    x, w = random_arrays(seed, x_shape, w_shape, dtype=np.float32)
    y = conv2d_fft(x, w)
    assert y.dtype == np.float32
    # Relative to the size of the terms, not of the sums: an output that cancels to almost nothing
    # keeps the absolute round-off of its terms (|y| <= |x| |w| by Cauchy-Schwarz).
    scale = np.linalg.norm(x.astype(float)) * np.linalg.norm(w.astype(float))
    error = np.max(np.abs(y - convlib.conv2d(x.astype(float), w.astype(float))))
    assert error <= 1e-5 * scale


def test_large_kernels_and_mixed_dtypes():
    x, w = random_arrays(0, (3, 2, 70, 61), (4, 2, 41, 25))
    expected = convlib.conv2d(x, w)
    assert relative_error(conv2d_fft(x, w), expected) <= TOLERANCE[np.float64]
    mixed = conv2d_fft(x.astype(np.float32), w)  # one float64 argument: float64 result
    assert mixed.dtype == np.float64
    assert relative_error(mixed, expected) <= TOLERANCE[np.float32]


def test_integers_give_float64_and_the_notes_example():
    x = np.arange(12).reshape(3, 4)
    y = conv2d_fft(x, [[1, 0], [0, -1]])
    assert y.dtype == np.float64
    np.testing.assert_allclose(y, -5 * np.ones((2, 3)), atol=1e-12)


def test_inputs_are_not_modified():
    x, w = random_arrays(1, (2, 3, 9, 8), (2, 3, 3, 4))
    x0, w0 = x.copy(), w.copy()
    conv2d_fft(x, w, padding=1)
    assert np.array_equal(x, x0) and np.array_equal(w, w0)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"stride": 2}, "supports stride 1 only, got stride=2"),
        ({"dilation": (1, 2)}, r"supports dilation 1 only, got dilation=\(1, 2\)"),
        ({"padding": -1}, "padding must be >= 0"),
    ],
)
def test_refuses_what_it_does_not_compute(kwargs, message):
    x, w = random_arrays(2, (8, 8), (3, 3))
    with pytest.raises(ValueError, match=message):
        conv2d_fft(x, w, **kwargs)


def test_bad_arrays_name_the_argument():
    x, w = random_arrays(3, (8, 8), (3, 3))
    with pytest.raises(ValueError, match="w must be 2-D"):
        conv2d_fft(x, w[None])
    with pytest.raises(ValueError, match="larger than the padded input"):
        conv2d_fft(x, np.ones((9, 2)))
    with pytest.raises(ValueError, match=r"input channels \(w.shape\[1\]\)"):
        conv2d_fft(np.ones((1, 2, 5, 5)), np.ones((1, 3, 2, 2)))
    with pytest.raises(TypeError, match="x must hold real numbers"):
        conv2d_fft(x.astype(complex), w)


def smooth(n):
    for p in (2, 3, 5):
        while n % p == 0:
            n //= p
    return n == 1


@given(st.integers(1, 5000))
def test_fast_size_is_the_next_number_with_factors_2_3_5(n):
    m = fast_size(n)
    assert m >= n and smooth(m)
    assert not any(smooth(j) for j in range(n, m))


def test_fast_size_refuses_non_positive_sizes():
    with pytest.raises(ValueError, match="n must be a positive int, got 0"):
        fast_size(0)
