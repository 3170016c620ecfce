"""The windows that hold a pixel, the ①②③ labels and the term-by-term gradient sums.

Oracles: a one-hot input pushed through convlib.conv2d shows which outputs a pixel reaches and
through which weight; convlib's gradients check the running sums; flip(w) is the notes' result.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import examples, random_arrays

import convlib
from convlib.windows import (
    FIRST,
    LAST,
    MIDDLE,
    ONLY,
    box_labels,
    input_gradient_terms,
    weight_gradient_terms,
    windows_containing,
)

sizes = st.tuples(st.integers(1, 5), st.integers(1, 5), st.integers(1, 4), st.integers(1, 4))


def every_pixel(N1, N2, k1, k2):
    return [(rp, cp) for rp in range(N1 + k1 - 1) for cp in range(N2 + k2 - 1)]


def numbered_filter(k1, k2):
    """w[a, b] = a k2 + b + 1: every weight different and non-zero, so a value names its (a, b)."""
    return np.arange(1.0, k1 * k2 + 1).reshape(k1, k2)


@settings(max_examples=examples(60))
@given(sizes)
def test_windows_are_exactly_the_outputs_the_pixel_reaches(size):
    N1, N2, k1, k2 = size
    w = numbered_filter(k1, k2)
    for rp, cp in every_pixel(N1, N2, k1, k2):
        one_hot = np.zeros((N1 + k1 - 1, N2 + k2 - 1))
        one_hot[rp, cp] = 1.0
        # y[r, c] = w[rp - r, cp - c] where window (r, c) holds the pixel, 0 elsewhere.
        y = convlib.conv2d(one_hot, w)
        windows = windows_containing(rp, cp, (N1, N2), (k1, k2))
        assert sorted((r, c) for r, c, _, _ in windows) == list(zip(*np.nonzero(y), strict=True))
        for r, c, a, b in windows:
            assert y[r, c] == w[a, b]
            assert (a, b) == (rp - r, cp - c)
            assert r <= rp < r + k1 and c <= cp < c + k2


@settings(max_examples=examples(60))
@given(sizes)
def test_number_and_order_of_windows(size):
    N1, N2, k1, k2 = size
    for rp, cp in every_pixel(N1, N2, k1, k2):
        windows = windows_containing(rp, cp, (N1, N2), (k1, k2))
        rows = [r for r in range(N1) if r <= rp < r + k1]
        cols = [c for c in range(N2) if c <= cp < c + k2]
        assert len(windows) == len(rows) * len(cols) >= 1
        assert [(r, c) for r, c, _, _ in windows] == [(r, c) for r in rows for c in cols]
        interior = k1 - 1 <= rp <= N1 - 1 and k2 - 1 <= cp <= N2 - 1
        if interior:
            assert len(windows) == k1 * k2
    H, W = N1 + k1 - 1, N2 + k2 - 1
    for corner in [(0, 0), (0, W - 1), (H - 1, 0), (H - 1, W - 1)]:
        assert len(windows_containing(*corner, (N1, N2), (k1, k2))) == 1
    assert windows_containing(0, 0, (N1, N2), (k1, k2)) == [(0, 0, 0, 0)]


@settings(max_examples=examples(60))
@given(sizes, st.integers(0, 2**32 - 1))
def test_weights_met_by_an_interior_pixel_form_the_flipped_filter(size, seed):
    N1, N2, k1, k2 = size
    N1, N2 = max(N1, k1), max(N2, k2)  # so that some pixel is in k1 k2 windows
    (w,) = random_arrays(seed, (k1, k2))
    for rp in range(k1 - 1, N1):
        for cp in range(k2 - 1, N2):
            windows = windows_containing(rp, cp, (N1, N2), (k1, k2))
            r0, c0 = windows[0].r, windows[0].c
            met = np.full((k1, k2), np.nan)
            for r, c, a, b in windows:
                met[r - r0, c - c0] = w[a, b]
            np.testing.assert_array_equal(met, convlib.flip(w))


def test_flipped_filter_in_the_notes_example():
    # A 3 x 3 filter: box ① meets the pixel with w[2, 2], box ② with w[1, 1], box ③ with w[0, 0].
    windows = windows_containing(3, 4, (5, 6), (3, 3))
    labels = box_labels(windows)
    met = {label: windows[i][2:] for i, label in labels.items()}
    assert met == {FIRST: (2, 2), MIDDLE: (1, 1), LAST: (0, 0)}
    assert windows[0][:2] == (1, 2) and windows[-1][:2] == (3, 4)


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, {0: ONLY}),
        (2, {0: FIRST, 1: LAST}),
        (3, {0: FIRST, 1: MIDDLE, 2: LAST}),
        (4, {0: FIRST, 2: MIDDLE, 3: LAST}),
        (9, {0: FIRST, 4: MIDDLE, 8: LAST}),
        (16, {0: FIRST, 8: MIDDLE, 15: LAST}),
    ],
)
def test_box_labels(n, expected):
    assert box_labels(list(range(n))) == expected
    assert ONLY == "①=③" and (FIRST, MIDDLE, LAST) == ("①", "②", "③")


def relative_gap(total, expected, terms):
    # Relative to the size of the terms: the sum may cancel to nearly zero.
    scale = max(sum(abs(t) for t in terms), np.finfo(float).tiny)
    return abs(total - expected) / scale


@settings(max_examples=examples(60))
@given(sizes, st.integers(0, 2**32 - 1))
def test_input_gradient_terms_sum_to_dx(size, seed):
    N1, N2, k1, k2 = size
    dy, w = random_arrays(seed, (N1, N2), (k1, k2))
    dx = convlib.conv2d_grad_x(dy, w)
    for rp, cp in every_pixel(N1, N2, k1, k2):
        terms = input_gradient_terms(dy, w, rp, cp)
        windows = windows_containing(rp, cp, (N1, N2), (k1, k2))
        assert [t[:4] for t in terms] == windows
        products = [t.dy * t.w for t in terms]
        for t in terms:
            assert t.dy == dy[t.r, t.c] and t.w == w[t.a, t.b]
        np.testing.assert_allclose([t.running_sum for t in terms], np.cumsum(products))
        assert relative_gap(terms[-1].running_sum, dx[rp, cp], products) <= 1e-12


@settings(max_examples=examples(60))
@given(sizes, st.integers(0, 2**32 - 1))
def test_weight_gradient_terms_sum_to_dw(size, seed):
    N1, N2, k1, k2 = size
    x, dy = random_arrays(seed, (N1 + k1 - 1, N2 + k2 - 1), (N1, N2))
    dw = convlib.conv2d_grad_w(x, dy)
    for ap in range(k1):
        for bp in range(k2):
            terms = weight_gradient_terms(x, dy, ap, bp)
            # "What does this weight affect? Everything!": one term per output pixel.
            assert [(t.r, t.c) for t in terms] == [(r, c) for r in range(N1) for c in range(N2)]
            for t in terms:
                assert t.x == x[t.r + ap, t.c + bp] and t.dy == dy[t.r, t.c]
            products = [t.x * t.dy for t in terms]
            np.testing.assert_allclose([t.running_sum for t in terms], np.cumsum(products))
            assert relative_gap(terms[-1].running_sum, dw[ap, bp], products) <= 1e-12


def test_terms_written_out():
    dy = np.array([[1.0, 2.0], [3.0, 4.0]])
    w = np.array([[1.0, 10.0], [100.0, 1000.0]])
    # x[1, 1] is in all four windows:
    # dy[0, 0] w[1, 1] + dy[0, 1] w[1, 0] + dy[1, 0] w[0, 1] + dy[1, 1] w[0, 0]
    terms = input_gradient_terms(dy, w, 1, 1)
    assert [t.running_sum for t in terms] == [1000.0, 1200.0, 1230.0, 1234.0]
    x = np.arange(9.0).reshape(3, 3)
    # dL/dw[1, 0] = 1*3 + 2*4 + 3*6 + 4*7
    terms = weight_gradient_terms(x, dy, 1, 0)
    assert [t.running_sum for t in terms] == [3.0, 11.0, 29.0, 57.0]


def test_integer_arrays_give_float_terms():
    terms = input_gradient_terms(np.ones((2, 2), dtype=int), np.ones((2, 2), dtype=int), 1, 1)
    assert all(isinstance(v, float) for t in terms for v in t[4:])


BAD_CALLS = [
    (windows_containing, (3, 0, (2, 2), (2, 2)), ValueError, r"rp must be in 0\.\.2 .*got 3"),
    (windows_containing, (0, -1, (2, 2), (2, 2)), ValueError, r"cp must be in 0\.\.2 .*got -1"),
    (windows_containing, (0, 4, (2, 3), (1, 2)), ValueError, r"cp must be in 0\.\.3 .*W = .*4"),
    (windows_containing, (1.0, 0, (2, 2), (2, 2)), TypeError, r"rp must be an int .*got 1\.0"),
    (windows_containing, (True, 0, (2, 2), (2, 2)), TypeError, r"rp must be an int .*got True"),
    (windows_containing, (0, 0, (2, 0), (2, 2)), ValueError, r"y_shape must be two positive ints"),
    (
        windows_containing,
        (0, 0, (2, 2), 3),
        TypeError,
        r"w_shape must be a pair of ints \(k1",
    ),
    (windows_containing, (0, 0, (2,), (2, 2)), TypeError, r"y_shape must be a pair of ints"),
    (box_labels, ([],), ValueError, r"windows must hold at least one window"),
    (input_gradient_terms, (np.ones(3), np.ones((2, 2)), 0, 0), ValueError, r"dy must be 2-D"),
    (input_gradient_terms, (np.ones((2, 2)), np.ones((2, 2)), 3, 0), ValueError, r"rp must be"),
    (input_gradient_terms, (np.ones((2, 2)), [[1j]], 0, 0), TypeError, r"w must hold real"),
    (weight_gradient_terms, (np.ones((2, 2)), np.ones((3, 2)), 0, 0), ValueError, r"no larger"),
    (weight_gradient_terms, (np.ones((3, 3)), np.ones((2, 2)), 0, 2), ValueError, r"bp must be in"),
    (weight_gradient_terms, (np.ones((3, 3)), np.ones((2, 2)), -1, 0), ValueError, r"ap must be"),
    (weight_gradient_terms, (np.ones((3, 3, 1)), np.ones((2, 2)), 0, 0), ValueError, r"x must be"),
]


@pytest.mark.parametrize(("function", "args", "error", "pattern"), BAD_CALLS)
def test_bad_arguments(function, args, error, pattern):
    with pytest.raises(error, match=pattern):
        function(*args)
