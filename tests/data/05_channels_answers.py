"""Recompute every number stated in the exercise solutions of chapters/05_channels.ipynb.

Run by tests/unit/test_exercise_answers.py.
Numbers copied from the solutions are recomputed independently (plain loops / NumPy) and, where
convenient, with convlib. The Python block of the depthwise solution is extracted from the
notebook and run as it stands.
"""

import re
from pathlib import Path

import nbformat
import numpy as np

import convlib

NOTEBOOK = str(Path(__file__).resolve().parents[2] / "chapters" / "05_channels.ipynb")


def forward_loops(x, w):
    """eq-chan-forward with one loop per index (stride 1, no padding)."""
    N, C_in, H, W = x.shape
    C_out, _, k1, k2 = w.shape
    y = np.zeros((N, C_out, H - k1 + 1, W - k2 + 1))
    for n, o, r, c in np.ndindex(y.shape):
        for i in range(C_in):
            for a in range(k1):
                for b in range(k2):
                    y[n, o, r, c] += x[n, i, r + a, c + b] * w[o, i, a, b]
    return y


def macs_forward(N, C_in, C_out, H, W, k1, k2):
    N1, N2 = H - k1 + 1, W - k2 + 1
    return N * C_out * N1 * N2 * C_in * k1 * k2


# ---------------------------------------------------------------------------------------------
# ex-chan-count
# ---------------------------------------------------------------------------------------------
N, C_in, C_out, H, W, k1, k2 = 8, 3, 64, 32, 32, 3, 3
weights = C_out * C_in * k1 * k2
assert weights == 1728 and weights + C_out == 1792
N1 = N2 = H - k1 + 1
assert (N1, N2) == (30, 30)
assert convlib.conv2d(np.zeros((1, 3, 32, 32)), np.zeros((64, 3, 3, 3))).shape == (1, 64, 30, 30)
assert N * C_out * N1 * N2 == 460_800 and C_in * k1 * k2 == 27
forward = macs_forward(N, C_in, C_out, H, W, k1, k2)
assert forward == 12_441_600
# dL/dw: 1728 entries, each a sum over n, r, c of 8 * 30 * 30 = 7200 products
assert N * N1 * N2 == 7200 and weights * 7200 == 12_441_600
# dL/dx by eq-chan-dx, terms with an existing window: count them literally on a small case,
# then by the formula on the exercise's sizes
counts = 0
for rp in range(H):
    for a in range(k1):
        counts += 0 <= rp - a < N1
row_terms = counts  # per (r', a) pair along rows; the columns are the same
assert row_terms == N1 * k1
dx_terms = N * C_in * C_out * row_terms * row_terms  # rows and columns independent (k1 = k2)
assert dx_terms == 12_441_600
padded = N * C_in * H * W * C_out * k1 * k2
assert N * C_in * H * W == 24_576 and C_out * k1 * k2 == 576 and padded == 14_155_776
assert padded - forward == 1_714_176
assert round(100 * (padded - forward) / padded) == 12

# ---------------------------------------------------------------------------------------------
# ex-chan-bias-batch
# ---------------------------------------------------------------------------------------------
dy = np.array(
    [
        [[[1, 0], [2, -1]], [[0, 1], [1, 1]]],  # image 0: channels 0 and 1
        [[[-1, 3], [0, 0]], [[2, 2], [-1, 1]]],  # image 1
    ],
    dtype=float,
)
db = dy.sum(axis=(0, 2, 3))
assert np.array_equal(db, [4, 7])
assert np.array_equal(dy[0, 0].sum() + dy[1, 0].sum(), 4) and dy[0, 1].sum() == 3
assert dy[1, 1].sum() == 4
assert np.array_equal(dy.sum(axis=(2, 3)), [[2, 3], [2, 4]])
assert np.array_equal((dy / 2).sum(axis=(0, 2, 3)), [2, 3.5])


# central differences: the bias gradient of L = <y + b, dy> for some x, w
def loss_bias(b):
    return np.sum((y0 + b[:, None, None]) * dy)


rng = np.random.default_rng(0)
x0 = rng.standard_normal((2, 3, 3, 4))
w0 = rng.standard_normal((2, 3, 2, 3))
y0 = convlib.conv2d(x0, w0)
assert y0.shape == dy.shape
convlib.gradcheck.check_gradient(loss_bias, np.zeros(2), db)

# ---------------------------------------------------------------------------------------------
# ex-chan-1x1
# ---------------------------------------------------------------------------------------------
M = np.array([[1, 2, 0], [-1, 0, 3]], dtype=float)
xv = np.array([1, 0, 2], dtype=float)
dyv = np.array([2, -1], dtype=float)
assert np.array_equal(M @ xv, [1, 5])
assert np.array_equal(M.T @ dyv, [3, 4, -3])
assert np.array_equal(np.outer(dyv, xv), [[2, 0, 4], [-1, 0, -2]])
assert np.dot(M @ xv, dyv) == -3 and np.dot(xv, M.T @ dyv) == -3
assert np.sum(M * np.outer(dyv, xv)) == -3
# the same with convlib: a 1 x 1 convolution of one image of one pixel
w11 = M[:, :, None, None]
x11 = xv[None, :, None, None]
dy11 = dyv[None, :, None, None]
assert np.array_equal(convlib.conv2d(x11, w11).ravel(), [1, 5])
assert np.array_equal(convlib.conv2d_grad_x(dy11, w11).ravel(), [3, 4, -3])
assert np.array_equal(convlib.conv2d_grad_w(x11, dy11)[:, :, 0, 0], [[2, 0, 4], [-1, 0, -2]])
assert np.array_equal(convlib.flip(w11).transpose(1, 0, 2, 3)[:, :, 0, 0], M.T)
try:
    M @ dyv
except ValueError:
    pass
else:
    raise AssertionError("M dL/dy should not be defined for a 2 x 3 M")
# general 1 x 1 layer: dL/dx[n, :, r, c] = M^T dL/dy[n, :, r, c]
xr = rng.standard_normal((2, 3, 4, 5))
Mr = rng.standard_normal((2, 3))
dyr = rng.standard_normal((2, 2, 4, 5))
assert np.allclose(convlib.conv2d(xr, Mr[:, :, None, None]), np.einsum("oi,nirc->norc", Mr, xr))
assert np.allclose(
    convlib.conv2d_grad_x(dyr, Mr[:, :, None, None]), np.einsum("oi,norc->nirc", Mr, dyr)
)
assert np.allclose(convlib.conv2d_grad_w(xr, dyr)[:, :, 0, 0], np.einsum("norc,nirc->oi", dyr, xr))

# ---------------------------------------------------------------------------------------------
# ex-chan-depthwise
# ---------------------------------------------------------------------------------------------
C, k = 32, 3
assert C * k * k == 288 and C * C * k * k == 9216
assert (16 - k + 1) ** 2 == 196
depthwise = C * 196 * k * k
full = macs_forward(1, C, C, 16, 16, k, k)
assert depthwise == 56_448 and full == 1_806_336 and full // depthwise == C

# the diagonal bank by loops (independent of convlib)
rng = np.random.default_rng(1)
xd = rng.standard_normal((2, 3, 5, 4))
wd = rng.standard_normal((3, 2, 2))
bank = np.zeros((3, 3, 2, 2))
for i in range(3):
    bank[i, i] = wd[i]
yd = forward_loops(xd, bank)
for n, i in np.ndindex(2, 3):
    for r, c in np.ndindex(4, 3):
        assert np.isclose(yd[n, i, r, c], np.sum(xd[n, i, r : r + 2, c : c + 2] * wd[i]))
assert np.allclose(yd, convlib.conv2d(xd, bank))
# the backward bank of a diagonal bank is diagonal, with the flipped filters
back = convlib.flip(bank).transpose(1, 0, 2, 3)
for o, i in np.ndindex(3, 3):
    expected = wd[i][::-1, ::-1] if o == i else np.zeros((2, 2))
    assert np.array_equal(back[i, o], expected)

# the solution's Python block, run as it stands
nb = nbformat.read(NOTEBOOK, as_version=4)
text = nb.cells[-1].source
depthwise = re.search(r"````\{solution\} ex-chan-depthwise\n(.*?)\n````", text, flags=re.S).group(1)
blocks = re.findall(r"```python\n(.*?)```", depthwise, flags=re.S)
assert len(blocks) == 1, len(blocks)
source = "\n".join(line[3:] if line.startswith("   ") else line for line in blocks[0].splitlines())
exec(compile(source, "depthwise-solution", "exec"), {})

# exercises: count and levels
assert len(re.findall(r"^`{3,4}\{exercise\}", text, flags=re.M)) == 5
levels = re.findall(r"\*\((routine|practice|challenge)\)\*", text)
assert levels == ["routine", "routine", "practice", "challenge", "practice"], levels

print("all exercise answers of chapter 5 check out")
