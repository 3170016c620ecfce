"""convlib.layers against independent oracles: the reference loops, central differences, the
adjoint identity, and values worked out by hand; and what each layer refuses."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import LAYOUTS, examples, laid_out

from convlib import layers, reference
from convlib.gradcheck import check_gradient, relative_error


@st.composite
def pools(draw):
    """x's shape (2-D or 4-D), a window and a stride: overlapping (stride < size), tiling and
    skipping (stride > size) windows, non-square sizes, and sizes the stride does not divide."""
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = draw(st.one_of(st.none(), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    s = k if stride is None else stride
    size = [s[j] * draw(st.integers(0, 3)) + k[j] + draw(st.integers(0, s[j] - 1)) for j in (0, 1)]
    if draw(st.booleans()):
        shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3)), *size)
    else:
        shape = tuple(size)
    return shape, k, stride


def arrays(seed, *shapes):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape) for shape in shapes]


seeds = st.integers(0, 2**32 - 1)


@settings(max_examples=examples(40), deadline=None)
@given(pools(), seeds)
def test_pooling_forward_matches_the_loops(pool, seed):
    shape, k, stride = pool
    (x,) = arrays(seed, shape)
    for fast, loops in [
        (layers.max_pool2d, reference.max_pool2d),
        (layers.avg_pool2d, reference.avg_pool2d),
    ]:
        y = fast(x, k, stride)
        expected = loops(x, k, stride)
        assert y.shape == expected.shape
        assert relative_error(y, expected) < 1e-14


@settings(max_examples=examples(40), deadline=None)
@given(pools(), seeds)
def test_pooling_gradients_match_the_loops_and_central_differences(pool, seed):
    shape, k, stride = pool
    (x,) = arrays(seed, shape)
    (dy,) = arrays(seed + 1, layers.max_pool2d(x, k, stride).shape)
    for forward, grad, loops in [
        (layers.max_pool2d, layers.max_pool2d_grad_x, reference.max_pool2d_grad_x),
        (layers.avg_pool2d, layers.avg_pool2d_grad_x, reference.avg_pool2d_grad_x),
    ]:
        dx = grad(x, dy, k, stride)
        assert dx.shape == x.shape
        assert relative_error(dx, loops(x, dy, k, stride)) < 1e-14
        # Random normal entries are 1e-6 apart with probability ~1, so no window's maximum
        # changes within the step: central differences see the true slope.
        check_gradient(lambda v: np.vdot(forward(v, k, stride), dy), x, dx, name="dL/dx")  # noqa: B023


@settings(max_examples=examples(40), deadline=None)
@given(pools(), seeds)
def test_pooling_adjoint_identity(pool, seed):
    """<pool(x), dy> = <x, dL/dx>: average pooling is linear, and max pooling is linear while no
    window's maximum changes (it picks one entry per window), so both pass with no step size."""
    shape, k, stride = pool
    (x,) = arrays(seed, shape)
    (dy,) = arrays(seed + 1, layers.avg_pool2d(x, k, stride).shape)
    for forward, grad in [
        (layers.avg_pool2d, layers.avg_pool2d_grad_x),
        (layers.max_pool2d, layers.max_pool2d_grad_x),
    ]:
        lhs, rhs = np.vdot(forward(x, k, stride), dy), np.vdot(x, grad(x, dy, k, stride))
        assert abs(lhs - rhs) <= 1e-12 * (np.abs(x).sum() * np.abs(dy).max())


@settings(max_examples=examples(40), deadline=None)
@given(pools(), seeds)
def test_max_pool_ties_go_to_the_first_maximum(pool, seed):
    """Small integers make ties common; the loops keep the first maximum in row-major order."""
    shape, k, stride = pool
    x = np.random.default_rng(seed).integers(0, 3, size=shape).astype(float)
    (dy,) = arrays(seed + 1, layers.max_pool2d(x, k, stride).shape)
    dx = layers.max_pool2d_grad_x(x, dy, k, stride)
    assert np.array_equal(dx, reference.max_pool2d_grad_x(x, dy, k, stride))
    # Every window hands its whole gradient to one pixel.
    assert math.isclose(dx.sum(), dy.sum(), rel_tol=1e-12, abs_tol=1e-12)


def test_max_pool_by_hand():
    x = np.array(
        [
            [1.0, 5.0, 2.0, 2.0],
            [5.0, 0.0, 2.0, 1.0],
            [0.0, 0.0, -1.0, -3.0],
            [-2.0, 0.0, -2.0, -1.0],
        ]
    )
    assert layers.max_pool2d(x, 2).tolist() == [[5.0, 2.0], [0.0, -1.0]]
    dy = np.array([[10.0, 20.0], [30.0, 40.0]])
    # Ties: 5 at (0, 1) and (1, 0); 2 at (0, 2), (0, 3), (1, 2); 0 at (2, 0), (2, 1), (3, 1).
    assert layers.max_pool2d_grad_x(x, dy, 2).tolist() == [
        [0.0, 10.0, 20.0, 0.0],
        [0.0, 0.0, 0.0, 0.0],
        [30.0, 0.0, 40.0, 0.0],
        [0.0, 0.0, 0.0, 0.0],
    ]
    # Overlapping windows (stride 1): the 5 at (0, 1) wins windows (0, 0) and (0, 1).
    assert layers.max_pool2d_grad_x(x[:2, :3], np.array([[1.0, 2.0]]), 2, 1).tolist() == [
        [0.0, 3.0, 0.0],
        [0.0, 0.0, 0.0],
    ]


def test_avg_pool_by_hand():
    x = np.arange(15.0).reshape(3, 5)  # stride 2: row 2 and column 4 are in no window
    assert layers.avg_pool2d(x, 2).tolist() == [[3.0, 5.0]]
    assert layers.avg_pool2d_grad_x(x, np.array([[4.0, 8.0]]), 2).tolist() == [
        [1.0, 1.0, 2.0, 2.0, 0.0],
        [1.0, 1.0, 2.0, 2.0, 0.0],
        [0.0, 0.0, 0.0, 0.0, 0.0],
    ]


@settings(max_examples=examples(30), deadline=None)
@given(st.tuples(st.integers(1, 4), st.integers(1, 5)), seeds)
def test_relu_and_its_gradient(shape, seed):
    x, dy = arrays(seed, shape, shape)
    x[np.abs(x) < 1e-3] = 0.5  # keep central differences off the kink
    assert np.array_equal(layers.relu(x), np.where(x > 0, x, 0.0))
    dx = layers.relu_grad_x(x, dy)
    check_gradient(lambda v: np.vdot(layers.relu(v), dy), x, dx, name="dL/dx")
    assert np.vdot(layers.relu(x), dy) == pytest.approx(np.vdot(x, dx), rel=1e-12, abs=1e-12)


def test_relu_gradient_at_zero_is_zero():
    assert layers.relu_grad_x(np.array([0.0, -0.0]), np.array([3.0, 3.0])).tolist() == [0, 0]


@settings(max_examples=examples(30), deadline=None)
@given(st.integers(1, 4), st.integers(1, 6), st.integers(1, 5), seeds)
def test_dense_gradients_and_adjoint(N, D, M, seed):
    x, w, dy = arrays(seed, (N, D), (M, D), (N, M))
    y = layers.dense(x, w)
    assert relative_error(y, np.einsum("nj,mj->nm", x, w)) < 1e-14
    dx, dw = layers.dense_grad_x(dy, w), layers.dense_grad_w(x, dy)
    assert dx.shape == x.shape and dw.shape == w.shape
    check_gradient(lambda v: np.vdot(layers.dense(v, w), dy), x, dx, name="dL/dx")
    check_gradient(lambda v: np.vdot(layers.dense(x, v), dy), w, dw, name="dL/dw")
    scale = np.abs(y).sum() * np.abs(dy).max() + 1
    assert abs(np.vdot(y, dy) - np.vdot(x, dx)) < 1e-12 * scale
    assert abs(np.vdot(y, dy) - np.vdot(w, dw)) < 1e-12 * scale


@settings(max_examples=examples(30), deadline=None)
@given(st.sampled_from([(2, 3), (2, 3, 4, 5), (1, 1, 1, 1), (3, 2, 1, 4)]), seeds)
def test_bias_and_flatten(shape, seed):
    y, dy = arrays(seed, shape, shape)
    (b,) = arrays(seed + 1, shape[1])
    out = layers.add_bias(y, b)
    for o in range(shape[1]):
        assert np.array_equal(out[:, o], y[:, o] + b[o])
    db = layers.add_bias_grad_b(dy)
    check_gradient(lambda v: np.vdot(layers.add_bias(y, v), dy), b, db, name="dL/db")
    f = layers.flatten(y)
    assert f.shape == (shape[0], int(np.prod(shape[1:])))
    assert np.array_equal(f[0], y[0].ravel())
    back = layers.flatten_grad_x(f, y.shape)
    assert np.array_equal(back, y)  # flattening only moves entries: its gradient moves them back


def softmax_cross_entropy_by_hand(z, labels):
    """-log(exp(z_t) / sum_j exp(z_j)) in exact arithmetic, row by row (math.fsum, then one log)."""
    losses = []
    for row, t in zip(z.tolist(), labels.tolist(), strict=True):
        m = max(row)
        losses.append(math.log(math.fsum(math.exp(v - m) for v in row)) + m - row[t])
    return math.fsum(losses) / len(losses)


@settings(max_examples=examples(40), deadline=None)
@given(st.integers(1, 5), st.integers(2, 6), st.floats(-1e4, 1e4), seeds)
def test_softmax_cross_entropy_and_its_gradient(N, K, shift, seed):
    rng = np.random.default_rng(seed)
    z = 3 * rng.standard_normal((N, K))
    labels = rng.integers(0, K, size=N)
    loss = layers.softmax_cross_entropy(z, labels)
    assert loss == pytest.approx(softmax_cross_entropy_by_hand(z, labels), rel=1e-12)
    # The loss is the same for logits shifted by any constant, large ones included.
    assert layers.softmax_cross_entropy(z + shift, labels) == pytest.approx(
        loss, rel=1e-9, abs=1e-10
    )
    grad = layers.softmax_cross_entropy_grad(z, labels)
    onehot = np.eye(K)[labels]
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    # p - 1 loses digits when p is near 1: an absolute error of a few units of 1e-16.
    assert np.allclose(grad, (p - onehot) / N, rtol=1e-9, atol=1e-14)
    # Central differences need a gradient well above round-off: logits of moderate size.
    z_moderate = z / 3
    check_gradient(
        lambda v: layers.softmax_cross_entropy(v, labels),
        z_moderate,
        layers.softmax_cross_entropy_grad(z_moderate, labels),
        name="dL/dz",
    )
    assert np.allclose(grad.sum(axis=1), 0, atol=1e-15)  # each row of p sums to 1, onehot too


def test_softmax_cross_entropy_of_huge_logits():
    z = np.array([[1000.0, 1000.0 + math.log(3.0)], [-1e6, 0.0]])
    loss = layers.softmax_cross_entropy(z, np.array([1, 0]))
    # Row 0: -log 0.75. Row 1: the right class is 1e6 below the other: -log p = 1e6.
    assert np.isfinite(loss)
    assert loss == pytest.approx((-math.log(0.75) + 1e6) / 2, rel=1e-12)
    grad = layers.softmax_cross_entropy_grad(z, np.array([1, 0]))
    assert np.allclose(grad, [[0.125, -0.125], [-0.5, 0.5]], atol=1e-15)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_inputs_are_never_modified_and_any_layout_works(layout):
    x, dy4, dy2 = arrays(7, (2, 3, 6, 5), (2, 3, 3, 2), (2, 4))
    w, z = arrays(8, (4, 90), (2, 4))
    labels = np.array([3, 0])
    calls = [
        (layers.relu, (x,)),
        (layers.relu_grad_x, (x, x)),
        (layers.max_pool2d, (x, 2)),
        (layers.max_pool2d_grad_x, (x, dy4, 2)),
        (layers.avg_pool2d, (x, 2)),
        (layers.avg_pool2d_grad_x, (x, dy4, 2)),
        (layers.flatten, (x,)),
        (layers.flatten_grad_x, (layers.flatten(x), x.shape)),
        (layers.dense, (layers.flatten(x), w)),
        (layers.dense_grad_x, (dy2, w)),
        (layers.dense_grad_w, (layers.flatten(x), dy2)),
        (layers.add_bias, (x, dy4[0, :, 0, 0])),
        (layers.add_bias_grad_b, (x,)),
        (layers.softmax_cross_entropy, (z, labels)),
        (layers.softmax_cross_entropy_grad, (z, labels)),
    ]
    for fn, args in calls:
        expected = fn(*args)
        views = [laid_out(a, layout) if np.ndim(a) >= 2 else a for a in args]
        copies = [a.copy() if isinstance(a, np.ndarray) else a for a in views]
        result = fn(*views)
        # Summation order may follow the memory layout: equal up to round-off.
        assert relative_error(result, expected) < 1e-14, fn.__name__
        for view, copy in zip(views, copies, strict=True):
            if isinstance(view, np.ndarray):
                assert np.array_equal(view, copy), f"{fn.__name__} changed its input"
        if isinstance(result, np.ndarray):  # writing to the result must not reach the input
            result[...] = 12345.0
            assert all(
                np.array_equal(v, c)
                for v, c in zip(views, copies, strict=True)
                if isinstance(v, np.ndarray)
            ), f"{fn.__name__} returned a view of its input"


def test_float32_stays_float32_and_integers_become_float64():
    x32 = np.ones((1, 1, 4, 4), dtype=np.float32)
    dy32 = np.ones((1, 1, 2, 2), dtype=np.float32)
    assert layers.max_pool2d(x32, 2).dtype == np.float32
    assert layers.max_pool2d_grad_x(x32, dy32, 2).dtype == np.float32
    assert layers.avg_pool2d_grad_x(x32, dy32, 2).dtype == np.float32
    assert layers.relu(x32).dtype == np.float32
    assert layers.max_pool2d(np.ones((4, 4), dtype=int), 2).dtype == np.float64
    assert layers.relu(np.array([1, -1])).dtype == np.float64
    assert layers.softmax_cross_entropy_grad(np.zeros((1, 3), np.float32), [0]).dtype == np.float32


L, ones = layers, np.ones
BAD_INPUT = [
    (lambda: L.max_pool2d(ones((3, 4, 4)), 2), ValueError, ["x must be 2-D", "(3, 4, 4)"]),
    (lambda: L.max_pool2d(ones((4, 4)), 0), ValueError, ["size must be >= 1", "0"]),
    (lambda: L.max_pool2d(ones((4, 4)), 2.0), TypeError, ["size", "2.0"]),
    (lambda: L.avg_pool2d(ones((4, 4)), 2, 0), ValueError, ["stride must be >= 1"]),
    (lambda: L.max_pool2d(ones((4, 4)), 5), ValueError, ["window (5, 5)", "(4, 4)"]),
    (lambda: L.max_pool2d(ones((4, 4), complex), 2), TypeError, ["x must hold real", "complex"]),
    (
        lambda: L.max_pool2d_grad_x(ones((4, 4)), ones((3, 3)), 2),
        ValueError,
        ["dy must have the shape of the pooled output", "(2, 2)", "(3, 3)"],
    ),
    (
        lambda: L.avg_pool2d_grad_x(ones((4, 4)), ones((2, 2, 1, 1)), 2),
        ValueError,
        ["dy must have the shape", "(2, 2)"],
    ),
    (lambda: L.relu_grad_x(ones(3), ones(4)), ValueError, ["dy must have the shape of x", "(4,)"]),
    (lambda: L.dense(ones((2, 3)), ones((4, 5))), ValueError, ["w must be 2-D (M, D)", "D = 3"]),
    (lambda: L.dense(ones(3), ones((4, 3))), ValueError, ["x must be 2-D (N, D)", "(3,)"]),
    (lambda: L.dense_grad_x(ones((2, 3)), ones((4, 5))), ValueError, ["same M", "(4, 5)"]),
    (lambda: L.dense_grad_w(ones((2, 3)), ones((3, 5))), ValueError, ["same N", "(3, 5)"]),
    (lambda: L.add_bias(ones((2, 3, 4, 4)), ones(4)), ValueError, ["b must be 1-D", "(4,)"]),
    (lambda: L.add_bias_grad_b(ones(3)), ValueError, ["dy must be (N, C, ...)", "(3,)"]),
    (lambda: L.flatten(ones(3)), ValueError, ["x must have a batch axis", "(3,)"]),
    (
        lambda: L.flatten_grad_x(ones((2, 5)), (2, 3)),
        ValueError,
        ["dy must have the shape of flatten(x)", "(2, 3)", "(2, 5)"],
    ),
    (lambda: L.flatten_grad_x(ones((2, 5)), "big"), TypeError, ["x_shape", "'big'"]),
    (lambda: L.softmax(ones(3)), ValueError, ["logits must be 2-D (N, K)", "(3,)"]),
    (
        lambda: L.softmax_cross_entropy(ones((2, 3)), [0.0, 1.0]),
        TypeError,
        ["labels must be integer", "float64"],
    ),
    (
        lambda: L.softmax_cross_entropy(ones((2, 3)), [0, 3]),
        ValueError,
        ["labels must lie in 0..2", "3 classes", "0 to 3"],
    ),
    (
        lambda: L.softmax_cross_entropy_grad(ones((2, 3)), [0]),
        ValueError,
        ["one entry per row of logits", "(2,)", "(1,)"],
    ),
    (lambda: L.softmax_cross_entropy(ones((2, 3)), [-1, 0]), ValueError, ["0..2", "-1"]),
]


@pytest.mark.parametrize("call, error, words", BAD_INPUT)
def test_bad_input_is_refused_with_a_message_naming_the_argument(call, error, words):
    with pytest.raises(error) as info:
        call()
    for word in words:
        assert word in str(info.value), (word, str(info.value))
