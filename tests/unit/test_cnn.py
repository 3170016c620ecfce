"""The small network of convlib.cnn: its gradients against central differences, the training
loop, and the data split."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import examples

from convlib import cnn
from convlib.gradcheck import check_gradient


@settings(max_examples=examples(4), deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 3), st.integers(1, 3), st.integers(1, 4))
def test_every_gradient_of_the_network_matches_central_differences(seed, C1, C2, N):
    rng = np.random.default_rng(seed)
    params = cnn.init_params(rng, channels=(C1, C2))
    for name in ("b1", "b2", "b3"):  # non-zero biases, so that they matter to the check
        params[name] = 0.1 * rng.standard_normal(params[name].shape)
    x = rng.random((N, 1, 8, 8))
    labels = rng.integers(0, 10, size=N)
    _, grads = cnn.loss_and_gradients(params, x, labels)
    for name in cnn.PARAMETERS:

        def loss(value, name=name):
            return cnn.loss_and_gradients({**params, name: value}, x, labels)[0]

        check_gradient(loss, params[name], grads[name], rtol=1e-6, name=f"dL/d{name}")
    check_gradient(
        lambda v: cnn.loss_and_gradients(params, v, labels)[0], x, grads["x"], rtol=1e-6, name="x"
    )


def test_train_leaves_its_arguments_alone_and_lowers_the_loss():
    x_train, labels_train, x_test, labels_test = cnn.load_digits()
    params = cnn.init_params(np.random.default_rng(0), channels=(2, 4))
    before = {name: value.copy() for name, value in params.items()}
    x_before = x_train.copy()
    trained, history = cnn.train(
        params,
        x_train[:200],
        labels_train[:200],
        epochs=3,
        batch_size=20,
        learning_rate=0.05,
        rng=np.random.default_rng(1),
        test=(x_test, labels_test),
    )
    assert all(np.array_equal(params[n], before[n]) for n in params)
    assert np.array_equal(x_train, x_before)
    assert [len(v) for v in history.values()] == [3, 3, 3]
    assert history["loss"][-1] < history["loss"][0]
    assert not np.array_equal(trained["w1"], params["w1"])


def test_learning_rates_fall_along_half_a_cosine():
    rates = cnn.learning_rates(0.2, 5)
    assert rates[0] == 0.2 and np.all(np.diff(rates) < 0) and rates[-1] > 0
    assert np.allclose(rates, [0.2 * (1 + np.cos(np.pi * e / 5)) / 2 for e in range(5)])


def test_digits_split_into_stratified_disjoint_sets():
    x_train, labels_train, x_test, labels_test = cnn.load_digits()  # split_digits on sklearn's
    assert x_train.shape == (1347, 1, 8, 8) and x_test.shape == (450, 1, 8, 8)
    assert x_train.min() == 0 and x_train.max() == 1
    counts_test = np.bincount(labels_test)
    assert counts_test.min() >= 44 and counts_test.max() <= 46  # a quarter of each 174-183
    train_rows = {row.tobytes() for row in x_train}
    assert sum(row.tobytes() in train_rows for row in x_test) < 5  # only exact duplicate scans


def test_split_digits_refuses_images_without_their_labels():
    with pytest.raises(ValueError, match=r"images must be \(N, H, W\) with one label each"):
        cnn.split_digits(np.zeros((5, 8, 8)), np.zeros(4, dtype=int))
