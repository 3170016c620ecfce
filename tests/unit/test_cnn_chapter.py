"""The digits chapter's accuracy assertion, tried with wrong gradients, and what its text says
about them: a slip in ReLU's gradient fails the assertion, a missing flip passes it."""

import warnings
from pathlib import Path
from unittest import mock

import matplotlib
import nbformat
import numpy as np
import pytest

import convlib
from convlib import cnn

pytestmark = pytest.mark.slow  # left out of `make unit`

CHAPTER = Path(__file__).resolve().parents[2] / "chapters" / "09_cnn_digits.ipynb"


def relu_without_mask(x, dy):
    """The slip: every gradient let through, as if ReLU had slope 1 everywhere."""
    return np.array(dy, dtype=float)


def grad_x_without_flip(dy, w, x_shape=None, **params):
    return convlib.conv2d_grad_x(dy, convlib.flip(w), x_shape, **params)


def run_chapter_to_its_training(name, wrong):
    """Run the chapter's code cells in order, with ``cnn.<name>`` replaced by ``wrong`` from the
    training cell on (the cells before it check the right gradients); stop after that cell.
    Returns the namespace and the AssertionError the training cell raised, or None."""
    matplotlib.use("Agg")
    sources = [
        c.source for c in nbformat.read(CHAPTER, as_version=4).cells if c.cell_type == "code"
    ]
    training = [i for i, source in enumerate(sources) if "cnn.train(" in source]
    assert len(training) == 1, "the chapter should train in exactly one cell"
    namespace = {}
    for source in sources[: training[0]]:
        exec(compile(source, str(CHAPTER), "exec"), namespace)
    with warnings.catch_warnings(), np.errstate(all="ignore"), mock.patch.object(cnn, name, wrong):
        warnings.simplefilter("ignore")  # a diverging run overflows on purpose
        try:
            exec(compile(sources[training[0]], str(CHAPTER), "exec"), namespace)
        except AssertionError as err:
            return namespace, err
    return namespace, None


def test_the_accuracy_assertion_fails_when_relu_lets_every_gradient_through():
    namespace, failure = run_chapter_to_its_training("relu_grad_x", relu_without_mask)
    assert failure is not None and "at least 97%" in str(failure), failure
    assert namespace["test_accuracy"] < 0.2  # "falls to chance, 10%"


def test_a_missing_flip_still_trains_past_the_accuracy_bar():
    namespace, failure = run_chapter_to_its_training("conv2d_grad_x", grad_x_without_flip)
    assert failure is None and namespace["test_accuracy"] >= 0.97, namespace["test_accuracy"]
