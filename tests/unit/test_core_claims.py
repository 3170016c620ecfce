"""The general claims chapters 1 to 4 make in their text, checked over many sizes.

Oracles: windows listed straight from their definition (window (r, c) holds x[r', c'] when
r <= r' < r + k1 and c <= c' < c + k2), and convolutions summed as plain Python loops from the
book's equations, never the functions under test.
"""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from strategies import random_arrays

import convlib
from convlib.windows import FIRST, LAST, ONLY, box_labels, windows_containing

# (N1, N2, k1, k2): the output and filter sizes; the image is (N1 + k1 - 1) x (N2 + k2 - 1).
sizes = st.tuples(st.integers(1, 6), st.integers(1, 6), st.integers(1, 5), st.integers(1, 5))


def windows_by_definition(rp, cp, N1, N2, k1, k2):
    return [(r, c) for r in range(N1) for c in range(N2) if r <= rp < r + k1 and c <= cp < c + k2]


def pixels(N1, N2, k1, k2):
    return [(rp, cp) for rp in range(N1 + k1 - 1) for cp in range(N2 + k2 - 1)]


@given(sizes)
def test_the_most_windows_a_pixel_lies_in_is_min_k_N_per_axis(size):
    # Chapter 2 (ex-dw-no-clipping) and chapter 3 (eq-most-windows): not k1 k2 when H < 2 k1 - 1.
    N1, N2, k1, k2 = size
    counts = [len(windows_by_definition(rp, cp, *size)) for rp, cp in pixels(*size)]
    assert max(counts) == min(k1, N1) * min(k2, N2)
    # Along the rows the bound is reached at r' = min(k1, N1) - 1 (and likewise for columns).
    rp = min(k1, N1) - 1
    assert sum(r <= rp < r + k1 for r in range(N1)) == min(k1, N1)
    H, W = N1 + k1 - 1, N2 + k2 - 1
    assert (max(counts) == k1 * k2) == (H >= 2 * k1 - 1 and W >= 2 * k2 - 1)
    # The counting array of chapter 3, dL/dx for dL/dy = 1 and w = 1, agrees everywhere.
    by_gradient = convlib.conv2d_grad_x(np.ones((N1, N2)), np.ones((k1, k2)))
    assert by_gradient.ravel().tolist() == counts


@given(sizes, st.data())
def test_box_1_and_box_3_are_the_first_and_last_windows_that_exist(size, data):
    # Chapter 3: box 1 = (max(0, r' - k1 + 1), max(0, c' - k2 + 1)),
    #            box 3 = (min(r', N1 - 1), min(c', N2 - 1)), at the border as in the middle.
    N1, N2, k1, k2 = size
    rp = data.draw(st.integers(0, N1 + k1 - 2))
    cp = data.draw(st.integers(0, N2 + k2 - 2))
    listed = windows_by_definition(rp, cp, *size)
    windows = windows_containing(rp, cp, (N1, N2), (k1, k2))
    assert [(w.r, w.c) for w in windows] == listed
    box_1 = (max(0, rp - k1 + 1), max(0, cp - k2 + 1))
    box_3 = (min(rp, N1 - 1), min(cp, N2 - 1))
    assert listed[0] == box_1 and listed[-1] == box_3
    labels = box_labels(windows)
    if len(listed) == 1:
        assert labels == {0: ONLY}
    else:
        assert labels[0] == FIRST and labels[len(listed) - 1] == LAST
    # The neighbourhood of affected outputs lies up and to the left of (r', c'), ending there
    # only when that output exists.
    assert all(r <= rp and c <= cp for r, c in listed)
    assert ((rp, cp) in listed) == (rp < N1 and cp < N2)


def true_convolution(x, w, r, c):
    """eq-true-convolution at (r, c): sum_a sum_b x[r - a, c - b] w[a, b], all terms inside x."""
    k1, k2 = w.shape
    return sum(x[r - a, c - b] * w[a, b] for a in range(k1) for b in range(k2))


def correlation(x, w):
    """eq-forward, valid mode, as loops."""
    (H, W), (k1, k2) = x.shape, w.shape
    return np.array(
        [
            [
                sum(x[r + a, c + b] * w[a, b] for a in range(k1) for b in range(k2))
                for c in range(W - k2 + 1)
            ]
            for r in range(H - k1 + 1)
        ]
    )


@given(sizes, st.integers(0, 2**32 - 1))
def test_correlation_with_the_flipped_filter_is_the_convolution_shifted(size, seed):
    # Chapter 1, eq-flip-shift: (x corr flip(w))[r, c] = (x * w)[r + k1 - 1, c + k2 - 1].
    N1, N2, k1, k2 = size
    x, w = random_arrays(seed, (N1 + k1 - 1, N2 + k2 - 1), (k1, k2))
    correlated = correlation(x, w[::-1, ::-1])
    for r in range(N1):
        for c in range(N2):
            expected = true_convolution(x, w, r + k1 - 1, c + k2 - 1)
            assert abs(correlated[r, c] - expected) <= 1e-12 * (1 + abs(expected))


@given(sizes, st.integers(0, 2**32 - 1))
def test_the_notes_last_line_needs_the_padding(size, seed):
    # Chapter 3: dL/dy corr w_flip is dL/dx only with dL/dy zero-padded ("full" mode); in
    # valid mode it has (N1 - k1 + 1) x (N2 - k2 + 1) entries; and with the true convolution *
    # the flip is undone: dL/dy * w_flip = pad(dL/dy) corr w.
    N1, N2, k1, k2 = size
    dy, w = random_arrays(seed, (N1, N2), (k1, k2))
    padded = np.pad(dy, ((k1 - 1, k1 - 1), (k2 - 1, k2 - 1)))
    dx = convlib.conv2d_grad_x(dy, w)
    assert np.allclose(correlation(padded, w[::-1, ::-1]), dx, rtol=1e-12, atol=1e-12)
    if N1 >= k1 and N2 >= k2:
        assert correlation(dy, w[::-1, ::-1]).shape == (N1 - k1 + 1, N2 - k2 + 1)
    full_true = np.array(
        [
            [
                true_convolution(padded, w[::-1, ::-1], rp + k1 - 1, cp + k2 - 1)
                for cp in range(N2 + k2 - 1)
            ]
            for rp in range(N1 + k1 - 1)
        ]
    )
    assert np.allclose(full_true, correlation(padded, w), rtol=1e-12, atol=1e-12)


def test_the_sobel_filter_is_antisymmetric_so_its_flipped_gradient_climbs():
    # Chapter 4: flip(w) = -w for the Sobel filter; for white-noise images the gradient of the
    # filter-recovery loss is close to (w - w_hidden), so at w = 0 the flipped gradient is
    # close to minus the gradient.
    sobel = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
    assert np.array_equal(sobel[::-1, ::-1], -sobel)
    images = np.random.default_rng(7).standard_normal((64, 16, 16))
    targets = np.array([correlation(image, sobel) for image in images])
    M = targets.size
    # At w = 0 the output is zero, so dL/dy = -targets / M, and dL/dw[a', b'] sums it against x.
    gradient = sum(
        correlation(image, -target / M) for image, target in zip(images, targets, strict=True)
    )
    flipped = gradient[::-1, ::-1]
    cosine = np.sum(flipped * gradient) / np.sum(gradient * gradient)
    assert cosine < -0.99, cosine
    assert np.allclose(gradient, -sobel, atol=0.15), gradient
