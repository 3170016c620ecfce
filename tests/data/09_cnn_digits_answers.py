"""Recompute every number stated in the exercise solutions of chapters/09_cnn_digits.ipynb, and in
its text where the text states a count.

Run by tests/unit/test_exercise_answers.py. The max-pooling answers are worked out with plain loops
written here (first and last maximum), the softmax numbers with math, the counts from the shapes
of convlib.cnn's parameters, and the receptive field by running the solution's own code and by
perturbing pixels one at a time.
"""

import math
import re
import textwrap
from pathlib import Path

import nbformat
import numpy as np

from convlib import cnn, layers

NOTEBOOK = Path(__file__).resolve().parents[2] / "chapters" / "09_cnn_digits.ipynb"


def pool_grad(x, dy, k, s, last=False):
    dx = np.zeros(x.shape)
    for r in range(dy.shape[0]):
        for c in range(dy.shape[1]):
            cells = [(s * r + a, s * c + b) for a in range(k) for b in range(k)]
            best = max(x[p] for p in cells)
            winners = [p for p in cells if x[p] == best]
            dx[winners[-1] if last else winners[0]] += dy[r, c]
    return dx


# ex-cnn-maxpool-ties
x = np.array([[2, 7, 1, 1], [7, 0, 1, 0], [4, 4, 3, 6], [4, 4, 5, 6]], dtype=float)
dy = np.array([[1.0, 2.0], [3.0, 4.0]])
assert layers.max_pool2d(x, 2).tolist() == [[7, 1], [4, 6]]
first = pool_grad(x, dy, 2, 2)
assert first.tolist() == [[0, 1, 2, 0], [0, 0, 0, 0], [3, 0, 0, 4], [0, 0, 0, 0]], first
assert np.array_equal(layers.max_pool2d_grad_x(x, dy, 2), first)
last = pool_grad(x, dy, 2, 2, last=True)
assert {tuple(map(int, p)): last[tuple(p)] for p in np.argwhere(last)} == {
    (1, 0): 1,
    (1, 2): 2,
    (3, 1): 3,
    (3, 3): 4,
}
assert first.sum() == last.sum() == 10
block = x[:3, :3]
assert block.tolist() == [[2, 7, 1], [7, 0, 1], [4, 4, 3]]
assert layers.max_pool2d(block, 2, 1).tolist() == [[7, 7], [7, 4]]
stride_one = pool_grad(block, np.ones((2, 2)), 2, 1)
assert stride_one.tolist() == [[0, 2, 0], [1, 0, 0], [0, 1, 0]], stride_one
assert np.array_equal(layers.max_pool2d_grad_x(block, np.ones((2, 2)), 2, 1), stride_one)

# ex-cnn-softmax-grad, part 4
z, t = [2.0, 0.0, 0.0], 1
S = sum(math.exp(v) for v in z)
p = [math.exp(v) / S for v in z]
assert round(math.exp(2), 3) == 7.389 and round(S, 3) == 9.389
assert [round(v, 3) for v in p] == [0.787, 0.107, 0.107]
assert round(p[t], 4) == 0.1065 and round(-math.log(p[t]), 3) == 2.240
grad = [p[k] - (k == t) for k in range(3)]
assert [round(v, 3) for v in grad] == [0.787, -0.893, 0.107]
assert np.allclose(layers.softmax_cross_entropy_grad(np.array([z]), np.array([t]))[0], grad)

# ex-cnn-count, and the count in the text
params = cnn.init_params(np.random.default_rng(0), channels=(16, 32))
sizes = {name: value.size for name, value in params.items()}
assert sizes == {"w1": 144, "b1": 16, "w2": 4608, "b2": 32, "w3": 1280, "b3": 10}
assert (160, 4640, 1290, 6090) == (
    sizes["w1"] + sizes["b1"],
    sizes["w2"] + sizes["b2"],
    sizes["w3"] + sizes["b3"],
    sum(sizes.values()),
)
_, cache = cnn.forward(params, np.zeros((1, 1, 8, 8)))
assert cache["p2"].shape == (1, 32, 2, 2) and cache["f"].shape == (1, 128)
macs = (16 * 8 * 8 * 9, 32 * 4 * 4 * 16 * 9, 10 * 128)
assert macs == (9216, 73728, 1280)
assert 0.85 < macs[1] / sum(macs) < 0.9  # "almost nine tenths of the work"
assert 0.74 < 4640 / 6090 < 0.78  # "three quarters of the parameters"
assert 10 * 32 * 4 * 4 == 5120 and 5120 - 1280 == 3840

# ex-cnn-receptive-field: by perturbation, and by the solution's own code
rng = np.random.default_rng(1)
depends = np.zeros((8, 8), dtype=bool)
for _ in range(30):
    params = cnn.init_params(rng, channels=(4, 4))
    x0 = rng.random((1, 1, 8, 8))
    base = cnn.forward(params, x0)[1]["p2"][0, 0, 0, 0]
    for r, c in np.ndindex(8, 8):
        moved = x0.copy()
        moved[0, 0, r, c] += 0.5 * rng.choice([-1, 1])
        depends[r, c] |= cnn.forward(params, moved)[1]["p2"][0, 0, 0, 0] != base
expected = np.zeros((8, 8), dtype=bool)
expected[:7, :7] = True
assert np.array_equal(depends, expected), depends.astype(int)

notebook = nbformat.read(NOTEBOOK, as_version=4)
text = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
solution = re.search(r"````\{solution\} ex-cnn-receptive-field\n(.*?)\n````", text, re.S)
code = re.search(r"```python\n(.*?)```", solution.group(1), re.S).group(1)
namespace = {}
exec(compile(textwrap.dedent(code), "ex-cnn-receptive-field", "exec"), namespace)
assert np.array_equal(namespace["seen"], expected), namespace["seen"].astype(int)
