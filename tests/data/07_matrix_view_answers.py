"""Recompute every number stated in the solutions of chapter 07_matrix_view (asserts only)."""

import numpy as np

import convlib
from convlib.matrix import conv_matrix

# ex-matrix-1d: 1-D as a 2-D array with one row.
x = np.array([[2.0, 0.0, 1.0, -1.0, 3.0]])
w = np.array([[1.0, -2.0, 3.0]])
W1 = conv_matrix(x.shape, w)
assert W1.shape == (3, 5)
assert np.array_equal(W1, [[1, -2, 3, 0, 0], [0, 1, -2, 3, 0], [0, 0, 1, -2, 3]])
y = W1 @ x.ravel()
assert np.array_equal(y, [5, -5, 12]) and np.array_equal(y, convlib.conv2d(x, w).ravel())
assert np.array_equal(y, np.correlate(x[0], w[0], "valid"))
dy = np.array([1.0, 2.0, -1.0])
dx = W1.T @ dy
assert np.array_equal(dx, [1, 0, -2, 8, -3])
assert np.array_equal(dx, np.convolve(dy, w[0], "full"))
assert np.array_equal(dx, convlib.conv2d_grad_x(dy[None], w).ravel())
assert np.array_equal(W1[:, 2], [3, -2, 1])  # column 2 reads w backwards

# ex-matrix-nonzeros
rng = np.random.default_rng(0)
w3 = rng.uniform(1, 2, (3, 3))  # no zero weights
W_a = conv_matrix((6, 7), w3)
assert W_a.shape == (20, 42) and W_a.size == 840 and np.count_nonzero(W_a) == 180
assert round(100 * 180 / 840) == 21
W_b = conv_matrix((6, 7), w3, padding=1)
assert W_b.shape == (42, 42) and W_b.size == 1764
assert np.count_nonzero(W_b) == 304 == 16 * 19 == (3 * 6 - 2) * (3 * 7 - 2)
assert 42 * 9 == 378
for H, W in [(3, 3), (4, 9), (10, 5)]:  # the formula (3H - 2)(3W - 2) in general
    assert np.count_nonzero(conv_matrix((H, W), w3, padding=1)) == (3 * H - 2) * (3 * W - 2)
assert (3 * 224 - 2) ** 2 == 670**2 == 448_900
assert 224**4 == 2_517_630_976
fraction = 448_900 / 224**4
assert round(fraction, 5) == 1.8e-4 and fraction < 2e-4

# ex-matrix-not-inverse
W2 = conv_matrix((1, 3), np.array([[1.0, 1.0]]))
assert np.array_equal(W2, [[1, 1, 0], [0, 1, 1]])
WtW = W2.T @ W2
assert np.array_equal(WtW, [[1, 1, 0], [1, 2, 1], [0, 1, 1]])
assert np.array_equal(WtW @ [1.0, 0.0, 0.0], [1, 1, 0])
for shape, k in [((4, 5), (2, 3)), ((5, 5), (1, 2)), ((3, 4), (3, 1))]:
    Wk = conv_matrix(shape, rng.standard_normal(k))
    assert np.linalg.matrix_rank(Wk.T @ Wk) <= Wk.shape[0] < shape[0] * shape[1]
for w00 in (1.0, -1.0):
    W11 = conv_matrix((3, 4), np.array([[w00]]))
    assert np.array_equal(W11.T @ W11, np.eye(12))
W11 = conv_matrix((3, 4), np.array([[0.5]]))
assert np.array_equal(W11.T @ W11, 0.25 * np.eye(12))

# ex-matrix-full-flip (the code in the solution, and the sizes it states)
w = np.arange(1.0, 7.0).reshape(2, 3)
(k1, k2), (N1, N2) = w.shape, (3, 3)
assert convlib.conv2d(np.zeros((4, 5)), w).shape == (N1, N2)
F = conv_matrix((N1, N2), convlib.flip(w), padding=(k1 - 1, k2 - 1))
assert F.shape == (20, 9) and np.array_equal(F, conv_matrix((4, 5), w).T)
d = 2
assert (d * (k1 - 1) + 1, d * (k2 - 1) + 1) == (3, 5)
assert convlib.conv2d(np.zeros((5, 7)), w, dilation=d).shape == (3, 3)
F_d = conv_matrix((3, 3), convlib.flip(w), padding=(d * (k1 - 1), d * (k2 - 1)), dilation=d)
assert np.array_equal(F_d, conv_matrix((5, 7), w, dilation=d).T)

# Numbers stated in the chapter's text.
assert conv_matrix((4, 5), w).shape == (9, 20)
w_up = np.outer([0.5, 1.0, 0.5], [0.5, 1.0, 0.5])
W_up = conv_matrix((5, 5), w_up, stride=2, padding=1)
assert W_up.shape == (9, 25) and np.count_nonzero(W_up) == 49
assert round(224**4 * 8 / 1e9) == 20 and 64 * 64 == 4096

print("all numbers in the solutions of 07_matrix_view check out")
