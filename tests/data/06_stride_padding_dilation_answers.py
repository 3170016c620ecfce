"""Recompute every number stated in the solutions of chapter 06 (stride, padding, dilation)."""

import math

import numpy as np

import convlib
from convlib import output_size


def rows_read(H, k, s, p=0, d=1):
    """Rows of x (unpadded indices) that some window reads, by brute force."""
    N = output_size(H, k, s, p, d)
    read = set()
    for r in range(N):
        for a in range(k):
            i = s * r + d * a - p
            if 0 <= i < H:
                read.add(i)
    return read


def as_row(v):
    return np.asarray(v, dtype=float)[None, :]


# ex-spd-sizes ---------------------------------------------------------------------------------
assert output_size(32, 3, 1, 1, 1) == 32 and rows_read(32, 3, 1, 1) == set(range(32))
assert output_size(32, 3, 2, 1, 1) == 16 and rows_read(32, 3, 2, 1) == set(range(32))
assert 2 * (16 - 1) == 30 and 30 + 2 == 32  # last window starts at row 30 of x_p, ends at 32
assert 32 + 2 * 1 == 34
assert output_size(10, 3, 1, 2, 2) == 10 and rows_read(10, 3, 1, 2, 2) == set(range(10))
assert 2 * (3 - 1) // 2 == 2
assert output_size(227, 11, 4, 0, 1) == 55 and (227 - 10 - 1) // 4 == 54 and 216 == 4 * 54
assert 4 * 54 == 216 and 216 + 10 == 226 and rows_read(227, 11, 4) == set(range(227))
assert 2 * (3 - 1) + 1 == 5 and output_size(9, 3, 3, 0, 2) == 2
assert rows_read(9, 3, 3, 0, 2) == {0, 2, 4, 3, 5, 7}
assert set(range(9)) - rows_read(9, 3, 3, 0, 2) == {1, 6, 8}
for H in (9,):  # the same through convlib: perturbing unread rows changes nothing
    x = np.random.default_rng(0).standard_normal((H, 1))
    w = np.ones((3, 1))
    y = convlib.conv2d(x, w, stride=(3, 1), dilation=(2, 1))
    x2 = x.copy()
    x2[[1, 6, 8]] += 1.0
    assert np.array_equal(convlib.conv2d(x2, w, stride=(3, 1), dilation=(2, 1)), y)
print("ex-spd-sizes: 32, 16, 10, 55, 2 (rows 1, 6, 8 unread)")

# ex-spd-same ----------------------------------------------------------------------------------
for k in (1, 3, 5, 7):
    for d in (1, 2, 3):
        for H in range(1, 30):
            assert output_size(H, k, 1, d * (k - 1) // 2, d) == H
for k in (2, 4):  # even k, odd d: d (k - 1) is odd, no whole symmetric p
    for d in (1, 3):
        assert d * (k - 1) % 2 == 1
for k in (1, 3, 5, 7):
    for s in (1, 2, 3, 4):
        for H in range(1, 40):
            assert output_size(H, k, s, (k - 1) // 2) == math.ceil(H / s) == (H - 1) // s + 1
assert output_size(7, 5, 2, 2) == 4 == math.ceil(7 / 2) and (7 - 1) // 2 + 1 == 4
rng = np.random.default_rng(1)
for k in (3, 5):
    p = (k - 1) // 2
    assert k - 1 - p == p
    dy = rng.standard_normal((6, 7))
    w = rng.standard_normal((k, k))
    dx = convlib.conv2d_grad_x(dy, w, padding=p)
    same = convlib.conv2d(dy, convlib.flip(w), padding=p)
    assert same.shape == dy.shape == dx.shape and np.allclose(dx, same)
print("ex-spd-same: N1 = ceil(H/s), 4 for H=7 k=5 s=2; backward of 'same' is 'same'")

# ex-spd-gaps ----------------------------------------------------------------------------------
N = output_size(9, 2, 3)
assert N == 3 and (9 - 1 - 1) // 3 == 2
assert rows_read(9, 2, 3) == {0, 1, 3, 4, 6, 7}
assert set(range(9)) - rows_read(9, 2, 3) == {2, 5, 8}
counts = convlib.conv2d_grad_x(np.ones((N, N)), np.ones((2, 2)), (9, 9), stride=3)
assert int(np.sum(counts == 0)) == 45 == 81 - 6 * 6 and int(np.sum(counts > 0)) == 36
assert set(np.flatnonzero(counts.sum(axis=1) == 0)) == {2, 5, 8}
# the general rule: row r' is read iff r' mod s < k and r' < s (N - 1) + k
for H in range(1, 25):
    for k in range(1, 6):
        for s in range(1, 6):
            if k > H:
                continue
            N_ = output_size(H, k, s)
            rule = {r for r in range(H) if r % s < k and r < s * (N_ - 1) + k}
            assert rule == rows_read(H, k, s), (H, k, s)
# 1-D example
w = np.array([2.0, -1.0])
dy = np.array([1.0, -2.0, 3.0])
z = np.zeros(3 * 2 + 1)
z[::3] = dy
assert z.tolist() == [1, 0, 0, -2, 0, 0, 3]
padded = np.pad(z, 1)
assert padded.tolist() == [0, 1, 0, 0, -2, 0, 0, 3, 0]
assert convlib.flip(as_row(w))[0].tolist() == [-1, 2]
corr = convlib.conv2d(as_row(padded), convlib.flip(as_row(w)))[0]
assert corr.tolist() == [2, -1, 0, -4, 2, 0, 6, -3] and len(corr) == 8 == 3 * 2 + 2
dx = convlib.conv2d_grad_x(as_row(dy), as_row(w), (1, 9), stride=(1, 3))[0]
assert dx.tolist() == [2, -1, 0, -4, 2, 0, 6, -3, 0]
assert dx[[2, 5, 8]].tolist() == [0, 0, 0]
print("ex-spd-gaps: N1 = 3, rows 2, 5, 8 unread, 45 zero pixels; dx =", dx.tolist())

# ex-spd-transposed ----------------------------------------------------------------------------
w = np.array([1.0, 2.0, 3.0])
assert output_size(5, 3, 2) == 2 and (5 - 3) // 2 + 1 == 2
A = np.zeros((2, 5))
for r in range(2):
    for j in range(5):
        A[r, j] = convlib.conv2d(as_row(np.eye(5)[j]), as_row(w), stride=(1, 2))[0, r]
assert A.tolist() == [[1, 2, 3, 0, 0], [0, 0, 1, 2, 3]]
u = np.array([1.0, -1.0])
assert (A.T @ u).tolist() == [1, 2, 2, -2, -3]
scatter = np.zeros(2 * (2 - 1) + 3)
for r in range(2):
    scatter[2 * r : 2 * r + 3] += u[r] * w
assert scatter.tolist() == [1, 2, 2, -2, -3] and len(scatter) == 5
assert np.array_equal(
    convlib.conv2d_grad_x(as_row(u), as_row(w), (1, 5), stride=(1, 2))[0], A.T @ u
)
assert output_size(6, 3, 2) == 2
dx6 = convlib.conv2d_grad_x(as_row(u), as_row(w), (1, 6), stride=(1, 2))[0]
assert dx6.tolist() == [1, 2, 2, -2, -3, 0]  # output_padding 1: one extra zero
# part 1 in 2-D: scatter = convlib's gradient, for a stride-2 layer
rng = np.random.default_rng(2)
w2 = rng.standard_normal((3, 2))
dy2 = rng.standard_normal((3, 4))
out = np.zeros((2 * 2 + 3, 2 * 3 + 2))
for r in range(3):
    for c in range(4):
        out[2 * r : 2 * r + 3, 2 * c : 2 * c + 2] += dy2[r, c] * w2
x_shape = (out.shape[0] + 1, out.shape[1] + 1)  # one unread row and column
assert output_size(x_shape[0], 3, 2) == 3 and output_size(x_shape[1], 2, 2) == 4
dx2 = convlib.conv2d_grad_x(dy2, w2, x_shape, stride=2)
assert np.allclose(dx2[: out.shape[0], : out.shape[1]], out) and np.all(dx2[-1] == 0)
assert np.all(dx2[:, -1] == 0)
print("ex-spd-transposed: A^T [1, -1] = scatter = [1, 2, 2, -2, -3]; output_padding 0 and 1")
print("all answers check")
