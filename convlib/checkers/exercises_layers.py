"""A checker for the students' max-pooling gradient, with diagnoses that teach.

The student writes ``max_pool_grad_x(x, dy, k, s)``: x of shape (H, W), dL/dy of the pooled
output's shape, a k x k window moved s pixels at a time; it returns dL/dx. The checker runs it
on seven cases (tiling, overlapping and gapped windows, sizes the stride does not divide, ties
between equal maxima) and prints one line if all are right. Otherwise it raises
``AssertionError`` about the first failing case, naming the mistake when the result is what a
known mistake gives (each worked out here with loops, independently of the student's code).
It is re-exported by :mod:`convlib.checkers`.

>>> from convlib import layers
>>> check_max_pool_grad_x(layers.max_pool2d_grad_x)
check_max_pool_grad_x: correct on 7 cases, including overlapping windows, gaps and ties.
>>> check_max_pool_grad_x(layers.avg_pool2d_grad_x)  # doctest: +ELLIPSIS
Traceback (most recent call last):
    ...
AssertionError: averaged (x of shape (4, 6), k = 2, s = 2): your max_pool_grad_x gives every ...
"""

import numpy as np

from ..gradcheck import relative_error
from ..layers import max_pool2d_grad_x, pool_output_size
from .checking import RTOL, TIME_LIMIT, call_student, precision_problem, real_array

__all__ = ["check_max_pool_grad_x"]

# (H, W, k, s, integer values): ties are common among small integers.
CASES = (
    (4, 6, 2, 2, False),
    (5, 5, 2, 1, False),
    (7, 6, 3, 2, False),
    (5, 7, 2, 3, False),
    (4, 4, 2, 2, True),
    (6, 5, 3, 1, True),
    (3, 3, 3, 3, False),
)
SEED = 20261127
_ONE_PIXEL = "Only the window's maximum reaches y[r, c]: it gets all of dL/dy[r, c], the others 0."


def _windows(x, k, s):
    """(r, c, the window's rows, its columns) for every window."""
    N1, N2 = (pool_output_size(n, k, s) for n in x.shape)
    for r in range(N1):
        for c in range(N2):
            yield r, c, slice(s * r, s * r + k), slice(s * c, s * c + k)


def _spread(x, dy, k, s, share):
    """dL/dx if each window (r, c) gave ``share(window, dy[r, c])`` (a k x k array) to its cells."""
    dx = np.zeros(x.shape)
    for r, c, rows, cols in _windows(x, k, s):
        dx[rows, cols] += share(x[rows, cols], dy[r, c])
    return dx


def _one(window, value, last=False):
    """``value`` at the first (or last) maximum of ``window`` in row-major order, 0 elsewhere."""
    flat = window.ravel()
    i = flat.size - 1 - int(np.argmax(flat[::-1])) if last else int(np.argmax(flat))
    out = np.zeros(flat.size)
    out[i] = value
    return out.reshape(window.shape)


def _overwritten(x, dy, k, s):
    dx = np.zeros(x.shape)
    for r, c, rows, cols in _windows(x, k, s):
        a, b = np.unravel_index(np.argmax(x[rows, cols]), (k, k))
        dx[rows.start + a, cols.start + b] = dy[r, c]  # "=" where "+=" belongs
    return dx


def _no_stride(x, dy, k, s):
    dx = np.zeros(x.shape)
    for r, c, _, _ in _windows(x, k, s):
        window = x[r : r + k, c : c + k]  # the window placed at (r, c), not (s r, s c)
        dx[r : r + k, c : c + k] += _one(window, dy[r, c])
    return dx


def _mistakes(x, dy, k, s):
    """[(what the mistake gives, its name, the diagnosis)], each computed with loops."""
    return [
        (
            _spread(x, dy, k, s, lambda w, v: np.full(w.shape, v)),
            "every cell",
            "your max_pool_grad_x gives every pixel of window (r, c) all of dL/dy[r, c]. "
            + _ONE_PIXEL,
        ),
        (
            _spread(x, dy, k, s, lambda w, v: np.full(w.shape, v / w.size)),
            "averaged",
            "your max_pool_grad_x gives every pixel of window (r, c) dL/dy[r, c] / (k k), which "
            "is average pooling's gradient. " + _ONE_PIXEL,
        ),
        (
            _spread(x, dy, k, s, lambda w, v: np.where(w == w.max(), v, 0.0)),
            "every tied maximum",
            "where several pixels of a window tie for the maximum, your max_pool_grad_x gives "
            "dL/dy[r, c] to each of them, so the window passes on more gradient than it got. "
            "Give it to the first maximum in row-major order only.",
        ),
        (
            _spread(x, dy, k, s, lambda w, v: _one(w, v, last=True)),
            "last maximum",
            "where pixels tie for the maximum, your max_pool_grad_x picks the last; the rule "
            "(PyTorch's too) is the first in row-major order: replace it only when a later "
            "value is strictly larger (> rather than >=).",
        ),
        (
            _overwritten(x, dy, k, s),
            "overwritten",
            "a pixel that is the maximum of two overlapping windows should receive both their "
            "gradients, but your max_pool_grad_x keeps only the last: add (+=), do not assign.",
        ),
        (
            _no_stride(x, dy, k, s),
            "missing stride",
            f"your max_pool_grad_x places window (r, c) at row r, column c; with stride s = {s} "
            "it starts at (s r, s c).",
        ),
    ]


def _case(H, W, k, s, integers, rng):
    N1, N2 = pool_output_size(H, k, s), pool_output_size(W, k, s)
    x = rng.integers(0, 3, size=(H, W)) if integers else rng.standard_normal((H, W))
    return x.astype(float), rng.integers(1, 10, size=(N1, N2)).astype(float)


def _student_result(fn, x, dy, k, s, where, seconds):
    """The student's dL/dx on copies of the inputs, as an array; a diagnosis if anything is off."""
    args = {"x": x, "dy": dy, "k": k, "s": s}
    result = call_student(fn, args, "max_pool_grad_x", where, seconds=seconds)
    got = real_array(result, "max_pool_grad_x", where, "dL/dx")
    if precision_problem(got):
        raise AssertionError(f"imprecise dtype ({where}): {precision_problem(got)}")
    return got


def check_max_pool_grad_x(fn, time_limit=TIME_LIMIT):
    """Check ``fn(x, dy, k, s)`` against max-pooling's dL/dx; print one line or raise.

    Each call of ``fn`` may take ``time_limit`` seconds (None for no limit). Raises
    ``AssertionError`` whose message starts with the mistake's name when the result is what a
    known mistake gives, or says where the largest error is.
    """
    rng = np.random.default_rng(SEED)
    for H, W, k, s, integers in CASES:
        x, dy = _case(H, W, k, s, integers, rng)
        where = f"x of shape {x.shape}, k = {k}, s = {s}"
        got = _student_result(fn, x, dy, k, s, where, time_limit)
        expected = max_pool2d_grad_x(x, dy, k, s)
        if got.shape != expected.shape:
            hint = " That is the shape of dy: dL/dx has one entry per pixel of x." * (
                got.shape == dy.shape
            )
            raise AssertionError(
                f"wrong shape ({where}): dL/dx must have the shape of x, {x.shape}, "
                f"got {got.shape}.{hint}"
            )
        if relative_error(got, expected) <= RTOL:  # the dtype policy: float32 work passes
            continue
        for wrong, name, diagnosis in _mistakes(x, dy, k, s):
            if relative_error(wrong, expected) > RTOL and relative_error(got, wrong) <= RTOL:
                raise AssertionError(f"{name} ({where}): {diagnosis}")
        r, c = np.unravel_index(np.argmax(np.abs(got - expected)), x.shape)
        raise AssertionError(
            f"wrong values ({where}): dL/dx[{r}, {c}] should be {expected[r, c]:.6g}, yours is "
            f"{got[r, c]:.6g}. Each window (r, c) starts at (s r, s c) and sends dL/dy[r, c] "
            "to its first maximum; a pixel adds up what its windows send."
        )
    print(
        f"check_max_pool_grad_x: correct on {len(CASES)} cases, including overlapping windows, "
        "gaps and ties."
    )
