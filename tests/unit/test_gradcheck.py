"""The gradient checks themselves: right answers pass, typical wrong ones are caught."""

import numpy as np
import pytest
from strategies import random_arrays

import convlib
from convlib import gradcheck


def test_numerical_gradient_of_known_functions():
    x = np.array([[0.5, -1.0], [2.0, 3.0]])
    np.testing.assert_allclose(
        gradcheck.numerical_gradient(lambda v: np.sum(v**3), x), 3 * x**2, rtol=1e-7
    )
    np.testing.assert_allclose(
        gradcheck.numerical_gradient(lambda v: np.sin(v[0, 1]), x),
        [[0, np.cos(-1.0)], [0, 0]],
        atol=1e-10,
    )


def test_numerical_gradient_leaves_its_input_alone():
    x = np.arange(4.0)
    gradcheck.numerical_gradient(lambda v: np.sum(v**2), x)
    np.testing.assert_array_equal(x, np.arange(4.0))


def test_numerical_gradient_refuses_a_bad_step():
    with pytest.raises(ValueError, match="eps must be a positive step, got 0"):
        gradcheck.numerical_gradient(np.sum, np.ones(2), eps=0)


def test_relative_error():
    assert gradcheck.relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert gradcheck.relative_error([1.0, -4.0], [1.0, -3.0]) == 0.25
    with pytest.raises(ValueError, match=r"same shape, got \(2,\) and \(3,\)"):
        gradcheck.relative_error(np.ones(2), np.ones(3))


def test_check_gradient_names_the_worst_entry():
    x = np.array([1.0, 2.0, 3.0])
    wrong = 2 * x
    wrong[1] = 0.0
    with pytest.raises(
        AssertionError,
        match=r"worst at index \(1,\): analytic 0, central "
        r"differences 4",
    ):
        gradcheck.check_gradient(lambda v: np.sum(v**2), x, wrong)
    with pytest.raises(
        AssertionError, match=r"has shape \(2,\), but the variable has shape \(3,\)"
    ):
        gradcheck.check_gradient(lambda v: np.sum(v**2), x, np.ones(2))
    with pytest.raises(AssertionError, match="relative error nan"):
        gradcheck.check_gradient(lambda v: np.sum(v**2), x, np.full(3, np.nan))


def _grad_x_without_flip(dy, w):
    k1, k2 = w.shape
    return convlib.conv2d(np.pad(dy, ((k1 - 1, k1 - 1), (k2 - 1, k2 - 1))), w)


def test_checks_catch_the_missing_flip():
    """The classic mistake: back-propagating with w instead of flip(w)."""
    x, w = random_arrays(0, (6, 7), (3, 2))
    dy = np.random.default_rng(1).standard_normal(convlib.conv2d(x, w).shape)
    with pytest.raises(AssertionError, match="gradient is wrong"):
        gradcheck.check_gradient(
            lambda v: np.vdot(convlib.conv2d(v, w), dy), x, _grad_x_without_flip(dy, w)
        )
    assert abs(np.vdot(convlib.conv2d(x, w), dy) - np.vdot(x, _grad_x_without_flip(dy, w))) > 1e-3


def test_check_adjoint_catches_a_broken_gradient(monkeypatch):
    x, w = random_arrays(0, (2, 3, 6, 7), (4, 3, 3, 2))
    dy = np.random.default_rng(1).standard_normal(convlib.conv2d(x, w).shape)
    assert max(gradcheck.check_adjoint(x, w, dy)) < 1e-14
    monkeypatch.setattr(gradcheck, "conv2d_grad_w", lambda x, dy, shape, **p: np.zeros(shape))
    with pytest.raises(AssertionError, match=r"<w, dL/dw> gap"):
        gradcheck.check_adjoint(x, w, dy)
