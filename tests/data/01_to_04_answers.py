"""Recompute every number stated in the exercise solutions of ch1.md to ch4.md.

Run by tests/unit/test_exercise_answers.py.
Each array below is copied from the text of a solution; the checks recompute it independently
(plain loops / NumPy) and, where convenient, with convlib.
"""

import numpy as np

import convlib

A = np.array


def eq(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    assert a.shape == b.shape, (a.shape, b.shape)
    assert np.allclose(a, b, rtol=0, atol=1e-12), (a, b)


def out_size(H, W, k1, k2):
    return (H - k1 + 1, W - k2 + 1)


def corr_valid(x, w):
    """Forward pass eq-forward, plain loops."""
    x, w = np.asarray(x, float), np.asarray(w, float)
    k1, k2 = w.shape
    N1, N2 = out_size(*x.shape, k1, k2)
    y = np.zeros((N1, N2))
    for r in range(N1):
        for c in range(N2):
            y[r, c] = sum(x[r + a, c + b] * w[a, b] for a in range(k1) for b in range(k2))
    return y


def dx_loops(dy, w, x_shape, stride=1):
    """dL/dx by scattering each window's gradient back (independent of eq-dx)."""
    dy, w = np.asarray(dy, float), np.asarray(w, float)
    dx = np.zeros(x_shape)
    k1, k2 = w.shape
    for r in range(dy.shape[0]):
        for c in range(dy.shape[1]):
            dx[stride * r : stride * r + k1, stride * c : stride * c + k2] += dy[r, c] * w
    return dx


def windows_of(rp, cp, N1, N2, k1, k2, stride=1):
    return [
        (r, c)
        for r in range(N1)
        for c in range(N2)
        if stride * r <= rp < stride * r + k1 and stride * c <= cp < stride * c + k2
    ]


def window_counts(H, W, k1, k2):
    """How many windows hold each pixel of an H x W image, by listing them (stride 1)."""
    N1, N2 = out_size(H, W, k1, k2)
    return np.array(
        [[len(windows_of(rp, cp, N1, N2, k1, k2)) for cp in range(W)] for rp in range(H)]
    )


# ---------------------------------------------------------------------------------------------
# Chapter 1
# ---------------------------------------------------------------------------------------------
# ex-forward-sizes
assert out_size(28, 28, 5, 5) == (24, 24)
assert convlib.conv2d(np.zeros((28, 28)), np.zeros((5, 5))).shape == (24, 24)
assert out_size(32, 20, 3, 5) == (30, 16)
assert convlib.conv2d(np.zeros((32, 20)), np.zeros((3, 5))).shape == (30, 16)
assert out_size(32, 20, 5, 3) == (28, 18)  # the mix-up
assert out_size(16, 10, 7, 1) == (10, 10)  # input 16 x 10 for a 10 x 10 output
assert out_size(9, 13, 1, 1) == (9, 13)  # only 1 x 1 keeps the size
x28, w5 = np.random.default_rng(0).normal(size=(28, 28)), np.ones((5, 5))
assert convlib.conv2d_grad_x(np.ones((24, 24)), w5).shape == (28, 28)
assert convlib.conv2d_grad_w(x28, np.ones((24, 24))).shape == (5, 5)

# ex-forward-by-hand
x = A([[1, 2, 0, 3], [4, 1, 2, 1], [0, 3, 1, 2]], float)
w = A([[1, -1], [2, 0]], float)
y = A([[7, 4, 1], [3, 5, 3]], float)
eq(corr_valid(x, w), y)
eq(convlib.conv2d(x, w), y)

# ex-forward-slip
assert out_size(6, 7, 3, 2) == (4, 6)
assert convlib.conv2d(np.zeros((6, 7)), np.zeros((3, 2))).shape == (4, 6)
assert convlib.conv2d_grad_x(np.ones((4, 6)), np.ones((3, 2))).shape == (6, 7)
assert convlib.conv2d_grad_w(np.ones((6, 7)), np.ones((4, 6))).shape == (3, 2)
assert 6 * 7 == 42 and 4 * 6 == 24 and 42 - 24 == 18

# ex-forward-conv-vs-corr
x1 = A([2, 0, 1, 3, 1], float)
w1d = A([1, 2, -1], float)
ycorr = A([1, -1, 6], float)
zconv = A([-1, 5, 6], float)  # indices 2, 3, 4
eq([sum(x1[r + a] * w1d[a] for a in range(3)) for r in range(3)], ycorr)
eq([sum(x1[r - a] * w1d[a] for a in range(3)) for r in range(2, 5)], zconv)
eq(np.correlate(x1, w1d, "valid"), ycorr)
eq(np.convolve(x1, w1d, "valid"), zconv)
eq(np.correlate(x1, A([-1, 2, 1], float), "valid"), zconv)
pal = A([1, 2, 1], float)
eq(np.correlate(x1, pal, "valid"), np.convolve(x1, pal, "valid"))

# ex-forward-incoming (its target differs from the incoming gradient that Chapters 2-4 give, so
# that those chapters do not print this exercise's answer)
t = A([[7, 3, 1], [4, 5, 2]], float)
eq(y - t, A([[0, 1, 0], [-1, 0, 1]], float))
assert 0.5 * ((y - t) ** 2).sum() == 1.5
assert [tuple(i) for i in np.argwhere(y - t > 0)] == [(0, 1), (1, 2)]  # too large: decrease
assert [tuple(i) for i in np.argwhere(y - t < 0)] == [(1, 0)]  # too small: increase
dy = A([[1, 0, -1], [0, 2, 0]], float)  # the incoming gradient of Chapters 2 to 4


# central difference of L with respect to y confirms dL/dy = y - t
def L(yy):
    return 0.5 * ((yy - t) ** 2).sum()


num = np.zeros_like(y)
for i in np.ndindex(y.shape):
    e = np.zeros_like(y)
    e[i] = 1e-6
    num[i] = (L(y + e) - L(y - e)) / 2e-6
assert np.allclose(num, y - t, atol=1e-6)


# ---------------------------------------------------------------------------------------------
# Chapter 2
# ---------------------------------------------------------------------------------------------
# ex-dw-local: dy[r,c]/dw[a',b'] by finite differences of the (linear) forward pass
def local_dw(r, c, ap, bp):
    e = np.zeros_like(w)
    e[ap, bp] = 1.0
    return (corr_valid(x, w + e) - corr_valid(x, w))[r, c]


assert local_dw(1, 0, 1, 1) == 3 == x[2, 1]
assert local_dw(0, 1, 0, 1) == 0 == x[0, 2]
block = A([[4, 1, 2], [0, 3, 1]], float)
eq([[local_dw(r, c, 1, 0) for c in range(3)] for r in range(2)], block)
w_new = w.copy()
w_new[1, 0] = 2.1
eq(convlib.conv2d(x, w_new), A([[7.4, 4.1, 1.2], [3, 5.3, 3.1]]))
eq(y + 0.1 * block, A([[7.4, 4.1, 1.2], [3, 5.3, 3.1]]))

# ex-dw-by-hand
dw = A([[3, 3], [8, 2]], float)
dw_loops = np.array(
    [
        [sum(dy[r, c] * x[r + ap, c + bp] for r in range(2) for c in range(3)) for bp in range(2)]
        for ap in range(2)
    ]
)
eq(dw_loops, dw)
eq(convlib.conv2d_grad_w(x, dy), dw)
eq(corr_valid(x, dy), dw)  # x correlated with dL/dy
assert (block * dy).sum() == 8
assert [1 - 0 + 2, 2 - 3 + 4, 4 - 2 + 6, 1 - 1 + 2] == [3, 3, 8, 2]

# ex-dw-bias: dL/db = sum(dL/dy) = 2, checked by a finite difference on b
assert dy.sum() == 2


def Lb(bias):
    target = y - dy  # a squared error whose incoming gradient at b = 0 is dy
    return 0.5 * ((corr_valid(x, w) + bias - target) ** 2).sum()


assert abs((Lb(1e-6) - Lb(-1e-6)) / 2e-6 - 2) < 1e-6

# ex-dw-no-clipping
assert corr_valid(np.ones((6, 7)), np.ones((4, 6))).shape == (3, 2)
assert (6 - 4 + 1, 7 - 6 + 1) == (3, 2)
# part 3: at most min(k1, N1) min(k2, N2) windows hold a pixel; k1 k2 needs H >= 2 k1 - 1
assert window_counts(6, 7, 3, 2).max() == 3 * 2 == min(3, 4) * min(2, 6)
assert out_size(4, 4, 3, 3) == (2, 2)
assert window_counts(4, 4, 3, 3).max() == 4 == min(3, 2) * min(3, 2) < 9
assert window_counts(5, 5, 3, 3).max() == 9  # 5 = 2 k1 - 1: the full k1 k2 just fits
assert window_counts(4, 5, 3, 3).max() == 2 * 3  # H = 4 < 2 k1 - 1 cuts the rows only
for H in range(1, 8):
    for W in range(1, 8):
        for k1 in range(1, H + 1):
            for k2 in range(1, W + 1):
                N1, N2 = out_size(H, W, k1, k2)
                most = window_counts(H, W, k1, k2).max()
                assert most == min(k1, N1) * min(k2, N2), (H, W, k1, k2)
                assert (most == k1 * k2) == (H >= 2 * k1 - 1 and W >= 2 * k2 - 1), (H, W, k1, k2)

# ex-dw-matrix (im2col)
X = A([[1, 2, 4, 1], [2, 0, 1, 2], [0, 3, 2, 1], [4, 1, 0, 3], [1, 2, 3, 1], [2, 1, 1, 2]], float)
X_built = np.array(
    [[x[r + a, c + b] for a in range(2) for b in range(2)] for r in range(2) for c in range(3)]
)
eq(X_built, X)
eq(X @ w.ravel(), A([7, 4, 1, 3, 5, 3]))
eq(X.T @ A([1, 0, -1, 0, 2, 0]), A([3, 3, 8, 2]))
eq((X.T @ dy.ravel()).reshape(2, 2), dw)

# ---------------------------------------------------------------------------------------------
# Chapter 3
# ---------------------------------------------------------------------------------------------
# ex-dx-windows: 5 x 6 input, 3 x 3 filter
assert out_size(5, 6, 3, 3) == (3, 4)
expected = {
    (0, 0): [(0, 0)],
    (0, 3): [(0, 1), (0, 2), (0, 3)],
    (1, 5): [(0, 3), (1, 3)],
    (3, 1): [(1, 0), (1, 1), (2, 0), (2, 1)],
    (4, 5): [(2, 3)],
    (2, 2): [(r, c) for r in range(3) for c in range(3)],
}
for (rp, cp), wins in expected.items():
    assert windows_of(rp, cp, 3, 4, 3, 3) == wins, (rp, cp)
    # eq-neighbourhood: r' - k1 + 1 <= r <= r', c' - k2 + 1 <= c <= c', window exists
    nb = [
        (r, c)
        for r in range(rp - 2, rp + 1)
        for c in range(cp - 2, cp + 1)
        if 0 <= r < 3 and 0 <= c < 4
    ]
    assert nb == wins
assert [len(v) for v in expected.values()] == [1, 3, 2, 4, 1, 9]
# the box-1 formula gives (-2, 1) for pixel (0, 3): row -2 does not exist
assert (0 - 3 + 1, 3 - 3 + 1) == (-2, 1)
# boxes 1 and 3 as defined in the text: the first and last window that exist, row by row
wins03 = expected[(0, 3)]
assert wins03[0] == (max(0, 0 - 3 + 1), max(0, 3 - 3 + 1)) == (0, 1)
assert wins03[-1] == (min(0, 3 - 1), min(3, 4 - 1)) == (0, 3)
assert wins03[1] == (0, 2)
assert out_size(5, 6, 3, 3) == (3, 4) and 3 >= 3 and 4 >= 3  # N1 >= k1, N2 >= k2
assert window_counts(5, 6, 3, 3).max() == 9

# ex-dx-counts
counts = A([[1, 2, 3, 2, 1], [2, 4, 6, 4, 2], [3, 6, 9, 6, 3], [2, 4, 6, 4, 2], [1, 2, 3, 2, 1]])
eq([[len(windows_of(rp, cp, 3, 3, 3, 3)) for cp in range(5)] for rp in range(5)], counts)
eq(np.outer([1, 2, 3, 2, 1], [1, 2, 3, 2, 1]), counts)
assert counts.sum() == 81 == 9 * 9
eq(convlib.conv2d_grad_x(np.ones((3, 3)), np.ones((3, 3))), counts)

# ex-dx-1d
w3 = A([2, -1, 3], float)
dy3 = A([1, -2, 4], float)
dx3 = A([2, -5, 13, -10, 12], float)
eq([sum(dy3[rp - a] * w3[a] for a in range(3) if 0 <= rp - a < 3) for rp in range(5)], dx3)
eq(np.convolve(dy3, w3), dx3)  # full mode
eq(np.correlate(A([0, 0, 1, -2, 4, 0, 0], float), A([3, -1, 2], float), "valid"), dx3)
eq(convlib.conv2d_grad_x(dy3[None, :], w3[None, :]), dx3[None, :])
assert 1 * 3 + (-2) * (-1) + 4 * 2 == 13
# finite-difference check: L = <x1d * w, dy3> is linear in x, so its gradient is dx3
x1d = np.random.default_rng(1).normal(size=5)
eq(
    [
        np.correlate(x1d + np.eye(5)[i], w3, "valid") @ dy3 - np.correlate(x1d, w3, "valid") @ dy3
        for i in range(5)
    ],
    dx3,
)
eq(1 * A([2, -1, 3, 0, 0]) - 2 * A([0, 2, -1, 3, 0]) + 4 * A([0, 0, 2, -1, 3]), dx3)
eq(A([0, 1, -2]) @ A([3, -1, 2]), -5)

# ex-dx-by-hand
dx = A([[1, -1, -1, 1], [2, 2, -4, 0], [0, 4, 0, 0]], float)
eq(dx_loops(dy, w, x.shape), dx)
eq(convlib.conv2d_grad_x(dy, w), dx)
wflip = A([[0, 2], [-1, 1]], float)
eq(convlib.flip(w), wflip)
P = A([[0, 0, 0, 0, 0], [0, 1, 0, -1, 0], [0, 0, 2, 0, 0], [0, 0, 0, 0, 0]], float)
eq(np.pad(dy, 1), P)
eq(corr_valid(P, wflip), dx)
eq(corr_valid(P, wflip)[1], A([2, 2, -4, 0]))
assert (A([[0, -1], [2, 0]]) * wflip).sum() == -4

# ex-dx-stride
ws = A([[1, -1], [2, 3]], float)
dys = A([[1, 2], [3, -1]], float)
dxs = A(
    [[1, -1, 2, -2, 0], [2, 3, 4, 6, 0], [3, -3, -1, 1, 0], [6, 9, -2, -3, 0], [0, 0, 0, 0, 0]],
    float,
)
assert convlib.conv2d(np.zeros((5, 5)), ws, stride=2).shape == (2, 2)
assert (5 - 2) // 2 + 1 == 2
eq(dx_loops(dys, ws, (5, 5), stride=2), dxs)
eq(convlib.conv2d_grad_x(dys, ws, (5, 5), stride=2), dxs)
# the parity formula of part 1
par = np.zeros((5, 5))
for rp in range(5):
    for cp in range(5):
        for a in range(2):
            for b in range(2):
                if (rp - a) % 2 == 0 and (cp - b) % 2 == 0:
                    r, c = (rp - a) // 2, (cp - b) // 2
                    if 0 <= r < 2 and 0 <= c < 2:
                        par[rp, cp] += dys[r, c] * ws[a, b]
eq(par, dxs)
# zero insertion, then the stride-1 rule: 4 x 4, then zeros to reach 5 x 5
D = A([[1, 0, 2], [0, 0, 0], [3, 0, -1]], float)
Dbuilt = np.zeros((3, 3))
Dbuilt[::2, ::2] = dys
eq(Dbuilt, D)
full = convlib.conv2d_grad_x(D, ws)
assert full.shape == (4, 4)
eq(full, dxs[:4, :4])
eq(corr_valid(np.pad(D, 1), convlib.flip(ws)), dxs[:4, :4])
# the strided forward pass really is linear with this gradient (adjoint check)
xr = np.random.default_rng(2).normal(size=(5, 5))
assert np.isclose((convlib.conv2d(xr, ws, stride=2) * dys).sum(), (xr * dxs).sum())
# 1 x 1 filter at stride 2 on 5 x 5
g11 = convlib.conv2d_grad_x(np.ones((3, 3)), A([[1.0]]), (5, 5), stride=2)
assert convlib.conv2d(np.zeros((5, 5)), A([[1.0]]), stride=2).shape == (3, 3)
assert (g11 != 0).sum() == 9 and (g11 == 0).sum() == 16
assert all((g11[i, j] != 0) == (i % 2 == 0 and j % 2 == 0) for i in range(5) for j in range(5))
# 3 x 3 filter at stride 2 on 5 x 5: windows holding (2, 2) and (1, 1)
assert convlib.conv2d(np.zeros((5, 5)), np.ones((3, 3)), stride=2).shape == (2, 2)
assert len(windows_of(2, 2, 2, 2, 3, 3, stride=2)) == 4
assert len(windows_of(1, 1, 2, 2, 3, 3, stride=2)) == 1
eq(
    convlib.conv2d_grad_x(np.ones((2, 2)), np.ones((3, 3)), (5, 5), stride=2),
    np.outer([1, 1, 2, 1, 1], [1, 1, 2, 1, 1]),
)

# ---------------------------------------------------------------------------------------------
# Chapter 4
# ---------------------------------------------------------------------------------------------
# ex-together-adjoint-numbers
assert (y * dy).sum() == 16 and 7 * 1 + 1 * (-1) + 5 * 2 == 16
assert (w * dw).sum() == 16
assert (x * dx).sum() == 16
assert [(x[i] * dx[i]).sum() for i in range(3)] == [2, 2, 12]
wrong = A([[0, 2, 0, -2], [-1, 1, 5, -1], [0, -2, 2, 0]], float)
eq(corr_valid(np.pad(dy, 1), w), wrong)
assert (x * wrong).sum() == 0
assert [(x[i] * wrong[i]).sum() for i in range(3)] == [-2, 6, -4]
# the cost of the check: an inner product has one multiplication per entry
assert x.size == 12 and y.size * w.size == 2 * 3 * 2 * 2 == 24
assert 28 * 28 == 784 and out_size(28, 28, 5, 5) == (24, 24) and 24 * 24 * 25 == 14400

# ex-together-adjoint-proof: random check of the identity (no numbers stated)
rng = np.random.default_rng(3)
xr, wr = rng.normal(size=(6, 7)), rng.normal(size=(3, 2))
dyr = rng.normal(size=(4, 6))
ip = (convlib.conv2d(xr, wr) * dyr).sum()
assert np.isclose(ip, (xr * convlib.conv2d_grad_x(dyr, wr)).sum())
assert np.isclose(ip, (wr * convlib.conv2d_grad_w(xr, dyr)).sum())

# ex-together-gd-step
xg = A([1, 2, -1, 3], float)
tg = A([3, 1, 2], float)


def loss_and_grad(wv):
    yv = np.correlate(xg, wv, "valid")
    d = yv - tg
    return yv, 0.5 * (d**2).sum(), d, np.correlate(xg, d, "valid")


yv, Lv, dyv, dwv = loss_and_grad(A([1, 0], float))
eq(yv, [1, 2, -1])
assert Lv == 7
eq(dyv, [-2, 1, -3])
eq(dwv, [3, -14])
eq(convlib.conv2d_grad_w(xg[None, :], dyv[None, :]), A([[3, -14]]))
w_step = A([1, 0], float) - 0.05 * dwv
eq(w_step, [0.85, 0.7])
yv, Lv, dyv, _ = loss_and_grad(w_step)
eq(yv, [2.25, 1, 1.25])
eq(dyv, [-0.75, 0, -0.75])
assert np.isclose(Lv, 0.5625)
w_big = A([1, 0], float) - 0.2 * A([3, -14], float)
eq(w_big, [0.4, 2.8])
yv, Lv, dyv, _ = loss_and_grad(w_big)
eq(yv, [6, -2, 8])
eq(dyv, [3, -3, 6])
assert np.isclose(Lv, 27)
eq(np.correlate(xg, A([1, 1], float), "valid"), tg)
wv = A([1, 0], float)
for _ in range(2000):  # "further steps with this eta converge to [1, 1]"
    wv = wv - 0.05 * loss_and_grad(wv)[3]
assert np.allclose(wv, [1, 1])

# ex-together-two-layers
w1 = A([[1, 2], [0, -1]], float)
w2 = A([[1, -1], [2, 1]], float)
v = A([[1, 1, -2], [2, 4, 3], [0, -2, -1]], float)
v_loops = np.zeros((3, 3))
for a in range(2):
    for b in range(2):
        v_loops[a : a + 2, b : b + 2] += w1[a, b] * w2  # shifted, scaled copies of w2
eq(v_loops, v)
eq(convlib.conv2d_grad_x(w1, w2), v)  # full true convolution w1 * w2
eq(corr_valid(np.pad(w1, 1), convlib.flip(w2)), v)  # padded w1 correlated with flip(w2)
eq(convlib.conv2d_grad_x(w2, w1), v)  # commutative
eq(
    A([[1, -1, 0], [2, 1, 0], [0, 0, 0]])
    + A([[0, 2, -2], [0, 4, 2], [0, 0, 0]])
    + A([[0, 0, 0], [0, -1, 1], [0, -2, -1]]),
    v,
)
xr = rng.normal(size=(7, 8))
z = convlib.conv2d(convlib.conv2d(xr, w1), w2)
eq(z, convlib.conv2d(xr, v))
assert z.shape == (7 - 2 - 2 + 2, 8 - 2 - 2 + 2)
dz = rng.normal(size=z.shape)
dy1 = convlib.conv2d_grad_x(dz, w2)
assert dy1.shape == (6, 7)
eq(dy1, corr_valid(np.pad(dz, 1), convlib.flip(w2)))
dx_two = convlib.conv2d_grad_x(dy1, w1)
eq(dx_two, convlib.conv2d_grad_x(dz, v))
eq(dx_two, corr_valid(np.pad(dz, 2), convlib.flip(v)))
eq(convlib.flip(v), convlib.conv2d_grad_x(convlib.flip(w1), convlib.flip(w2)))
assert np.isclose((z * dz).sum(), (xr * dx_two).sum())

# ex-together-size: 6 x 7 input, 3 x 2 filter
H, W_, k1, k2 = 6, 7, 3, 2
N1, N2 = out_size(H, W_, k1, k2)
wr = rng.normal(size=(k1, k2))
dyr = rng.normal(size=(N1, N2))
true_dx = dx_loops(dyr, wr, (H, W_))
Pc = np.pad(dyr, ((k1 - 1, k1 - 1), (k2 - 1, k2 - 1)))
assert Pc.shape == (8, 8)
eq(corr_valid(Pc, convlib.flip(wr)), true_dx)
assert true_dx.shape == (6, 7)
Ptl = np.pad(dyr, ((k1 - 1, 0), (k2 - 1, 0)))
assert Ptl.shape == (6, 7)
one_sided = corr_valid(Ptl, convlib.flip(wr))
assert one_sided.shape == (4, 6) == (N1, N2)
eq(one_sided, true_dx[:N1, :N2])  # the top-left block is right
assert H * W_ - N1 * N2 == 18
Pbig = np.pad(dyr, ((k1, k1), (k2, k2)))
assert Pbig.shape == (10, 10)
big = corr_valid(Pbig, convlib.flip(wr))
assert big.shape == (8, 9) == (H + 2, W_ + 2)
eq(big[1:-1, 1:-1], true_dx)  # inner block is right
frame = big.copy()
frame[1:-1, 1:-1] = 0
assert (frame == 0).all()  # the frame is zero

print("All answers check out.")
