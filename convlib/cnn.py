"""A small convolutional network for 8 x 8 images of digits, made of convlib's layers.

The network, for a batch x of shape (N, 1, 8, 8) with C1 and C2 filters:

    z1 = conv2d(x, w1, padding=1) + b1      (N, C1, 8, 8)
    a1 = relu(z1);  p1 = max_pool2d(a1, 2)  (N, C1, 4, 4)
    z2 = conv2d(p1, w2, padding=1) + b2     (N, C2, 4, 4)
    a2 = relu(z2);  p2 = max_pool2d(a2, 2)  (N, C2, 2, 2)
    f = flatten(p2)                         (N, 4 C2)
    z = dense(f, w3) + b3                   (N, 10), the logits
    L = softmax_cross_entropy(z, labels)

:func:`forward` keeps every intermediate array; :func:`backward` walks them from the loss down to
x, one chain-rule step per line, with the gradients the book derives. :func:`train` runs
mini-batch stochastic gradient descent with momentum; :func:`split_digits` splits scikit-learn's
handwritten digits (they ship inside scikit-learn: no download) into training and test images.
"""

import numpy as np

from .fast import conv2d, conv2d_grad_w, conv2d_grad_x
from .layers import (
    add_bias,
    add_bias_grad_b,
    dense,
    dense_grad_w,
    dense_grad_x,
    flatten,
    flatten_grad_x,
    max_pool2d,
    max_pool2d_grad_x,
    relu,
    relu_grad_x,
    softmax_cross_entropy,
    softmax_cross_entropy_grad,
)

__all__ = [
    "PARAMETERS",
    "init_params",
    "forward",
    "backward",
    "loss_and_gradients",
    "predict",
    "accuracy",
    "learning_rates",
    "train",
    "split_digits",
    "load_digits",
]

PARAMETERS = ("w1", "b1", "w2", "b2", "w3", "b3")
INTERMEDIATES = ("x", "z1", "a1", "p1", "z2", "a2", "p2", "f")  # what backward needs of forward


def init_params(rng, channels=(8, 16), classes=10, image_size=8):
    """Random weights, scaled by sqrt(2 / fan-in) so that ReLU layers keep the signal's size
    (He initialisation); biases start at 0.

    Returns a dict with w1 (C1, 1, 3, 3), b1 (C1,), w2 (C2, C1, 3, 3), b2 (C2,), w3 (classes,
    C2 (image_size / 4)^2) and b3 (classes,).
    """
    C1, C2 = channels
    features = C2 * (image_size // 4) ** 2

    def he(*shape):
        fan_in = int(np.prod(shape[1:]))
        return rng.standard_normal(shape) * np.sqrt(2 / fan_in)

    return {
        "w1": he(C1, 1, 3, 3),
        "b1": np.zeros(C1),
        "w2": he(C2, C1, 3, 3),
        "b2": np.zeros(C2),
        "w3": he(classes, features),
        "b3": np.zeros(classes),
    }


def forward(params, x):
    """The logits z, shape (N, classes), and a dict of every intermediate array (for backward)."""
    w1, b1, w2, b2, w3, b3 = (params[name] for name in PARAMETERS)
    z1 = add_bias(conv2d(x, w1, padding=1), b1)
    a1 = relu(z1)
    p1 = max_pool2d(a1, 2)
    z2 = add_bias(conv2d(p1, w2, padding=1), b2)
    a2 = relu(z2)
    p2 = max_pool2d(a2, 2)
    f = flatten(p2)
    z = add_bias(dense(f, w3), b3)
    return z, dict(zip(INTERMEDIATES, (x, z1, a1, p1, z2, a2, p2, f), strict=True))


def backward(params, cache, z, labels):
    """Every gradient of the loss: a dict with one entry per parameter, and "x" for dL/dx.

    Read it from the bottom of :func:`forward` up: each line takes the gradient with respect to
    one layer's output and gives those with respect to its input and its parameters.
    """
    x, z1, a1, p1, z2, a2, p2, f = (cache[name] for name in INTERMEDIATES)
    w1, w2, w3 = params["w1"], params["w2"], params["w3"]
    dz = softmax_cross_entropy_grad(z, labels)  # (p - onehot) / N
    dw3, db3 = dense_grad_w(f, dz), add_bias_grad_b(dz)
    df = dense_grad_x(dz, w3)
    dp2 = flatten_grad_x(df, p2.shape)
    da2 = max_pool2d_grad_x(a2, dp2, 2)
    dz2 = relu_grad_x(z2, da2)
    dw2, db2 = conv2d_grad_w(p1, dz2, w2.shape, padding=1), add_bias_grad_b(dz2)
    dp1 = conv2d_grad_x(dz2, w2, p1.shape, padding=1)
    da1 = max_pool2d_grad_x(a1, dp1, 2)
    dz1 = relu_grad_x(z1, da1)
    dw1, db1 = conv2d_grad_w(x, dz1, w1.shape, padding=1), add_bias_grad_b(dz1)
    dx = conv2d_grad_x(dz1, w1, x.shape, padding=1)
    return {"w1": dw1, "b1": db1, "w2": dw2, "b2": db2, "w3": dw3, "b3": db3, "x": dx}


def loss_and_gradients(params, x, labels):
    """The mean softmax cross-entropy of the batch and its gradients (see :func:`backward`)."""
    z, cache = forward(params, x)
    return softmax_cross_entropy(z, labels), backward(params, cache, z, labels)


def predict(params, x):
    """The most likely class of each image: the index of its largest logit."""
    return forward(params, x)[0].argmax(axis=1)


def accuracy(params, x, labels):
    """The fraction of images whose predicted class is their label."""
    return float(np.mean(predict(params, x) == labels))


def learning_rates(learning_rate, epochs):
    """The step size of each epoch: from ``learning_rate`` down to near 0 along half a cosine.

    Large steps first, to get anywhere; small steps last, to settle instead of jumping around.

    >>> learning_rates(0.1, 4).round(4)
    array([0.1   , 0.0854, 0.05  , 0.0146])
    """
    return learning_rate * (1 + np.cos(np.pi * np.arange(epochs) / epochs)) / 2


def train(params, x, labels, *, epochs, batch_size, learning_rate, rng, momentum=0.9, test=None):
    """Mini-batch stochastic gradient descent with momentum.

    For each batch, every parameter w takes the step v <- momentum v - eta dL/dw, w <- w + v,
    where eta is the epoch's learning rate (:func:`learning_rates`) and dL/dw is the batch's
    gradient: the velocity v is a running sum of past gradients, which smooths out the noise of
    small batches. With ``momentum=0`` this is plain SGD, w <- w - eta dL/dw. Each epoch visits
    the training images once, in a new random order drawn from ``rng``.

    ``params`` is not modified: the trained parameters are returned, with a history (one entry
    per epoch) of the mean training loss, the training accuracy and, if ``test`` = (x, labels)
    is given, the test accuracy.
    """
    params = {name: value.copy() for name, value in params.items()}
    velocity = {name: np.zeros_like(value) for name, value in params.items()}
    history = {"loss": [], "train_accuracy": [], "test_accuracy": []}
    for eta in learning_rates(learning_rate, epochs):
        order = rng.permutation(len(x))
        total = 0.0
        for start in range(0, len(x), batch_size):
            batch = order[start : start + batch_size]
            loss, grads = loss_and_gradients(params, x[batch], labels[batch])
            for name in PARAMETERS:
                velocity[name] = momentum * velocity[name] - eta * grads[name]
                params[name] += velocity[name]
            total += loss * len(batch)
        history["loss"].append(total / len(x))
        history["train_accuracy"].append(accuracy(params, x, labels))
        if test is not None:
            history["test_accuracy"].append(accuracy(params, *test))
    return params, history


def split_digits(images, labels, test_fraction=0.25, seed=0):
    """Images of shape (N, 8, 8) with pixel values 0..16 (scikit-learn's digits), scaled to [0, 1]
    and shuffled into training and test sets: (x_train, labels_train, x_test, labels_test), each
    x of shape (n, 1, 8, 8).

    Every class is split in the same proportion, so both sets hold all ten digits alike.
    """
    images, labels = np.asarray(images), np.asarray(labels)
    if images.ndim != 3 or labels.shape != images.shape[:1]:
        raise ValueError(
            f"images must be (N, H, W) with one label each, got images {images.shape} and "
            f"labels {labels.shape}"
        )
    x = images[:, np.newaxis] / 16.0  # pixel values are 0..16
    rng = np.random.default_rng(seed)
    test = np.zeros(len(x), dtype=bool)
    for digit in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == digit))
        test[members[: round(test_fraction * len(members))]] = True
    return x[~test], labels[~test], x[test], labels[test]


def load_digits(test_fraction=0.25, seed=0):
    """scikit-learn's 1,797 handwritten digits, split by :func:`split_digits`."""
    from sklearn.datasets import load_digits as sklearn_digits  # only this function needs it

    digits = sklearn_digits()
    return split_digits(digits.images, digits.target, test_fraction, seed)
