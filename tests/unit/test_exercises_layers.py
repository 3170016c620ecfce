"""check_max_pool_grad_x accepts right answers and names each typical mistake, written here as a
student would write it."""

import numpy as np
import pytest

from convlib import checkers


def windows(x, dy, k, s):
    for r in range(dy.shape[0]):
        for c in range(dy.shape[1]):
            yield r, c, x[s * r : s * r + k, s * c : s * c + k]


def right(x, dy, k, s):
    dx = np.zeros_like(x)
    for r, c, window in windows(x, dy, k, s):
        a, b = divmod(int(np.argmax(window)), k)
        dx[s * r + a, s * c + b] += dy[r, c]
    return dx


def every_cell(x, dy, k, s):
    dx = np.zeros_like(x)
    for r, c, _ in windows(x, dy, k, s):
        dx[s * r : s * r + k, s * c : s * c + k] += dy[r, c]
    return dx


def averaged(x, dy, k, s):
    return every_cell(x, dy, k, s) / k**2


def every_tie(x, dy, k, s):
    dx = np.zeros_like(x)
    for r, c, window in windows(x, dy, k, s):
        dx[s * r : s * r + k, s * c : s * c + k] += np.where(window == window.max(), dy[r, c], 0)
    return dx


def last_tie(x, dy, k, s):
    dx = np.zeros_like(x)
    for r, c, window in windows(x, dy, k, s):
        best = (0, 0)
        for a in range(k):
            for b in range(k):
                if window[a, b] >= window[best]:
                    best = (a, b)
        dx[s * r + best[0], s * c + best[1]] += dy[r, c]
    return dx


def overwritten(x, dy, k, s):
    dx = np.zeros_like(x)
    for r, c, window in windows(x, dy, k, s):
        a, b = divmod(int(np.argmax(window)), k)
        dx[s * r + a, s * c + b] = dy[r, c]
    return dx


def no_stride(x, dy, k, s):
    dx = np.zeros_like(x)
    for r in range(dy.shape[0]):
        for c in range(dy.shape[1]):
            a, b = divmod(int(np.argmax(x[r : r + k, c : c + k])), k)
            dx[r + a, c + b] += dy[r, c]
    return dx


def test_right_answers_pass(capsys):
    checkers.check_max_pool_grad_x(right)
    assert "correct on 7 cases" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, name, words",
    [
        (every_cell, "every cell", ["all of dL/dy[r, c]", "Only the window's maximum"]),
        (averaged, "averaged", ["average pooling's gradient"]),
        (every_tie, "every tied maximum", ["first maximum in row-major order"]),
        (last_tie, "last maximum", ["the first in row-major order", "> rather than >="]),
        (overwritten, "overwritten", ["add (+=)"]),
        (no_stride, "missing stride", ["(s r, s c)"]),
        (lambda x, dy, k, s: dy, "wrong shape", ["That is the shape of dy"]),
        (lambda x, dy, k, s: None, "returned None", ["return dx"]),
        (lambda x, dy, k, s: 1 / 0, "your max_pool_grad_x raised ZeroDivisionError", []),
        (lambda x, dy, k, s: right(x, dy, k, s) + 0.5, "wrong values", ["should be"]),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_each_mistake_is_named(wrong, name, words):
    with pytest.raises(AssertionError) as info:
        checkers.check_max_pool_grad_x(wrong)
    message = str(info.value)
    assert message.startswith(name), message
    for word in words:
        assert word in message, (word, message)


def test_a_function_that_changes_its_input_is_refused():
    def in_place(x, dy, k, s):
        x[...] = 0
        return right(x, dy, k, s)

    with pytest.raises(AssertionError, match="input modified"):
        checkers.check_max_pool_grad_x(in_place)


def test_float32_work_passes_and_float16_is_refused(capsys):
    checkers.check_max_pool_grad_x(lambda x, dy, k, s: right(x, dy, k, s).astype(np.float32))
    assert "correct on 7 cases" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="imprecise dtype.*float16"):
        checkers.check_max_pool_grad_x(lambda x, dy, k, s: right(x, dy, k, s).astype(np.float16))


def test_an_endless_loop_meets_the_time_limit():
    def forever(x, dy, k, s):
        while True:
            pass

    with pytest.raises(AssertionError, match="time limit.*did not finish within 0.5 s"):
        checkers.check_max_pool_grad_x(forever, time_limit=0.5)
