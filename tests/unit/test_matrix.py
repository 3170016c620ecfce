"""convlib.matrix: the convolution matrix W and the window matrix X against conv2d and gradients.

The matrices are built from the definition, entry by entry; conv2d, conv2d_grad_x and
conv2d_grad_w (vectorised, and tested against the reference loops elsewhere) are the oracles, and
basis images pin down every column.
"""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import configs, random_arrays

import convlib
from convlib.figures.matrixplots import plot_matrix_pattern
from convlib.matrix import conv_matrix, window_matrix


def close(a, b, tol=1e-12):
    return convlib.gradcheck.relative_error(a, b) <= tol


@given(configs(batched=False), st.integers(0, 2**32 - 1))
def test_W_times_vec_x_is_the_forward_pass(config, seed):
    x_shape, w_shape, params = config
    x, w = random_arrays(seed, x_shape, w_shape)
    W_mat = conv_matrix(x_shape, w, **params)
    y = convlib.conv2d(x, w, **params)
    assert W_mat.shape == (y.size, x.size)
    assert close(W_mat @ x.ravel(), y.ravel())


@given(configs(batched=False, max_stride=2, max_dilation=2), st.integers(0, 2**32 - 1))
def test_columns_are_the_responses_to_basis_images(config, seed):
    x_shape, w_shape, params = config
    (w,) = random_arrays(seed, w_shape)
    W_mat = conv_matrix(x_shape, w, **params)
    basis = np.eye(x_shape[0] * x_shape[1]).reshape(-1, *x_shape)
    columns = np.stack([convlib.conv2d(e, w, **params).ravel() for e in basis], axis=1)
    assert np.array_equal(W_mat, columns)  # each entry is one product w[a, b] * 1


@given(configs(batched=False), st.integers(0, 2**32 - 1))
def test_the_transpose_is_back_propagation(config, seed):
    x_shape, w_shape, params = config
    (w,) = random_arrays(seed, w_shape)
    (dy,) = random_arrays(seed + 1, convlib.conv2d(np.zeros(x_shape), w, **params).shape)
    dx = convlib.conv2d_grad_x(dy, w, x_shape, **params)
    assert close(conv_matrix(x_shape, w, **params).T @ dy.ravel(), dx.ravel())


@given(
    st.integers(1, 4), st.integers(1, 4), st.integers(0, 4), st.integers(0, 4), st.integers(0, 99)
)
def test_the_transpose_is_the_full_correlation_with_the_flipped_filter(k1, k2, e1, e2, seed):
    H, W = k1 + e1, k2 + e2
    w, v = random_arrays(seed, (k1, k2), (e1 + 1, e2 + 1))  # v has the shape of y
    W_mat = conv_matrix((H, W), w)
    full = convlib.conv2d(np.pad(v, ((k1 - 1, k1 - 1), (k2 - 1, k2 - 1))), convlib.flip(w))
    assert close(W_mat.T @ v.ravel(), full.ravel())
    # The matrix of v -> pad(v) correlated with flip(w) is W^T itself, entry for entry.
    W_full = conv_matrix(v.shape, convlib.flip(w), padding=(k1 - 1, k2 - 1))
    assert np.array_equal(W_full, W_mat.T)


@given(configs(batched=False), st.integers(0, 2**32 - 1))
def test_nonzeros_per_row(config, seed):
    x_shape, (k1, k2), params = config
    w = np.random.default_rng(seed).uniform(1, 2, (k1, k2))  # no zero weights
    W_mat = conv_matrix(x_shape, w, **params)
    per_row = np.count_nonzero(W_mat, axis=1)
    if params["padding"] == (0, 0):
        assert np.all(per_row == k1 * k2)
        assert close(W_mat.sum(axis=1), np.full(W_mat.shape[0], w.sum()))
    else:
        assert np.all(per_row <= k1 * k2)  # taps in the padding leave no entry


@given(configs(batched=False), st.integers(0, 2**32 - 1))
def test_window_matrix_gives_y_and_the_weight_gradient(config, seed):
    x_shape, w_shape, params = config
    x, w = random_arrays(seed, x_shape, w_shape)
    X = window_matrix(x, w_shape, **params)
    y = convlib.conv2d(x, w, **params)
    assert X.shape == (y.size, w.size)
    assert close(X @ w.ravel(), y.ravel())
    (dy,) = random_arrays(seed + 1, y.shape)
    dw = convlib.conv2d_grad_w(x, dy, w_shape, **params)
    assert close(X.T @ dy.ravel(), dw.ravel())
    # The same y both ways: W vec(x) = X vec(w).
    assert close(conv_matrix(x_shape, w, **params) @ x.ravel(), X @ w.ravel())


def test_a_small_case_written_out():
    w = np.array([[1.0, 2.0], [3.0, 4.0]])
    expected = np.array(
        [
            [1, 2, 0, 3, 4, 0, 0, 0, 0],
            [0, 1, 2, 0, 3, 4, 0, 0, 0],
            [0, 0, 0, 1, 2, 0, 3, 4, 0],
            [0, 0, 0, 0, 1, 2, 0, 3, 4],
        ]
    )
    assert np.array_equal(conv_matrix((3, 3), w), expected)
    # Stride 2 on a 3 x 3 input: one window. Padding 1 on 2 x 2: each window meets one pixel.
    assert np.array_equal(conv_matrix((3, 3), w, stride=2), expected[:1])
    padded = conv_matrix((2, 2), w, padding=1, stride=2)
    assert np.array_equal(padded, np.diag([4, 3, 2, 1]))
    x = np.arange(9.0).reshape(3, 3)
    assert np.array_equal(
        window_matrix(x, (2, 2)), [[0, 1, 3, 4], [1, 2, 4, 5], [3, 4, 6, 7], [4, 5, 7, 8]]
    )


def test_dtypes():
    w = np.ones((2, 2))
    assert conv_matrix((3, 3), w.astype(np.float32)).dtype == np.float32
    assert conv_matrix((3, 3), w.astype(int)).dtype == np.float64
    assert window_matrix(np.ones((3, 3), np.float32), (2, 2)).dtype == np.float32


@pytest.mark.parametrize(
    "x_shape, w, params, error, message",
    [
        (
            (3,),
            np.ones((2, 2)),
            {},
            TypeError,
            r"x_shape must be a pair of ints \(H, W\), got \(3,\)",
        ),
        ((3, 2.5), np.ones((2, 2)), {}, TypeError, "x_shape must be a pair of ints"),
        ((0, 3), np.ones((2, 2)), {}, ValueError, r"x_shape must be two positive ints .* \(0, 3\)"),
        ((3, 3), np.ones(2), {}, ValueError, r"w must be 2-D \(k1, k2\), got shape \(2,\)"),
        ((3, 3), np.ones((1, 1, 2, 2)), {}, ValueError, "w must be 2-D"),
        ((3, 3), np.ones((2, 2), complex), {}, TypeError, "w must hold real numbers"),
        ((3, 3), np.ones((4, 2)), {}, ValueError, "larger than the padded input"),
        ((3, 3), np.ones((2, 2)), {"stride": 0}, ValueError, "stride must be >= 1, got 0"),
        ((3, 3), np.ones((2, 2)), {"padding": -1}, ValueError, "padding must be >= 0"),
        ((3, 3), np.ones((2, 2)), {"dilation": 3}, ValueError, "spanning"),
    ],
)
def test_bad_input_for_conv_matrix(x_shape, w, params, error, message):
    with pytest.raises(error, match=message):
        conv_matrix(x_shape, w, **params)


def test_bad_input_for_window_matrix():
    with pytest.raises(ValueError, match=r"x must be 2-D \(H, W\)"):
        window_matrix(np.ones((1, 1, 3, 3)), (2, 2))
    with pytest.raises(TypeError, match=r"w_shape must be a pair of ints \(k1, k2\)"):
        window_matrix(np.ones((3, 3)), 2)
    with pytest.raises(ValueError, match="larger than the padded input"):
        window_matrix(np.ones((3, 3)), (2, 5))


def test_the_pattern_marks_every_nonzero_and_nothing_else():
    w = np.array([[1.0, 0.0, 3.0], [4.0, 5.0, 6.0]])  # one zero weight: its entries stay blank
    W_mat = conv_matrix((4, 5), w)
    fig = plot_matrix_pattern(W_mat, "W", values=True, blocks=(3, 5))
    (ax,) = fig.axes
    (squares,) = [c for c in ax.collections if c.get_gid() == "nonzero"]
    rows, cols = np.nonzero(W_mat)
    assert len(squares.get_offsets()) == np.count_nonzero(W_mat) == 9 * 5
    assert squares.get_offsets().tolist() == np.column_stack([cols, rows]).astype(float).tolist()
    texts = [t for t in ax.texts if t.get_gid() == "value"]
    assert len(texts) == 45 and {t.get_text() for t in texts} == {"1", "3", "4", "5", "6"}
    (hlines,) = [c for c in ax.collections if c.get_gid() == "block" and len(c.get_segments()) == 2]
    assert [s[0][1] for s in hlines.get_segments()] == [2.5, 5.5]  # between the N1 = 3 blocks
    assert ax.get_xlabel() == "input pixel (row-major)" and ax.get_ylabel() == "output pixel"
    assert ax.get_title() == "W"
    fig.canvas.draw()  # warnings are errors


def test_the_pattern_of_a_large_matrix_has_no_values():
    fig = plot_matrix_pattern(conv_matrix((12, 12), np.ones((3, 3)), stride=2))
    (ax,) = fig.axes
    assert not ax.texts and len(ax.collections[0].get_offsets()) == 25 * 9
    fig.canvas.draw()


def test_bad_input_for_the_pattern():
    with pytest.raises(ValueError, match=r"M must be 2-D \(rows, columns\)"):
        plot_matrix_pattern(np.ones(3))
    with pytest.raises(ValueError, match=r"blocks must be two positive ints"):
        plot_matrix_pattern(np.ones((3, 3)), blocks=(0, 1))
