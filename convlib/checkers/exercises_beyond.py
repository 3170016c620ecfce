"""Checkers for the coding exercises of chapters 5 and 6, with diagnoses that teach.

``check_batch_grad_x`` checks a student's ``batch_grad_x(dy, w)``: dL/dx of a layer with a batch
and channels, dy of shape (N, C_out, N1, N2) and w of shape (C_out, C_in, k1, k2).
``check_strided_grad_x`` checks ``strided_grad_x(dy, w, x_shape, s, p)``: dL/dx of a
single-channel layer with stride s and padding p (the same along rows and columns), which has
the shape ``x_shape`` = (H, W).

Each runs the student's function on a few cases with random float64 arrays from a fixed seed and
prints one line if every result is right. Otherwise it raises ``AssertionError`` about the first
failing case, starting with the mistake's name: the student's code raised, changed an input,
returned no array or the wrong shape (with what that shape means), or gave what a known mistake
gives (each computed here with convlib and compared); failing all of these, it says where the
largest error is. Both are re-exported by :mod:`convlib.checkers`.

>>> import convlib
>>> check_batch_grad_x(convlib.conv2d_grad_x)
check_batch_grad_x: correct on 5 cases, including C_in = C_out and a 1x1 filter.
>>> check_strided_grad_x(
...     lambda dy, w, x_shape, s, p: convlib.conv2d_grad_x(dy, w[::-1, ::-1], x_shape, stride=s)
... )  # doctest: +ELLIPSIS
Traceback (most recent call last):
    ...
AssertionError: missing flip (dy of shape (3, 3), w of shape (3, 3), x of shape (8, 8), s = 2, ...
"""

import numpy as np

from ..fast import conv2d, conv2d_grad_x, flip
from ..gradcheck import relative_error
from .checking import RTOL, TIME_LIMIT, call_student, precision_problem, real_array

__all__ = ["check_batch_grad_x", "check_strided_grad_x"]

SEED = 20261128
# (N, C_in, C_out, H, W, k1, k2). C_in = C_out in two cases: there a bank whose channel axes were
# not swapped still fits, and gives the right shape with the wrong numbers.
BATCH_CASES = (
    (2, 3, 4, 5, 6, 2, 3),
    (2, 3, 3, 4, 5, 3, 2),
    (1, 1, 2, 4, 4, 1, 1),
    (3, 2, 2, 6, 5, 3, 3),
    (1, 4, 1, 5, 7, 2, 2),
)
# (H, W, k1, k2, s, p): rows past the last window (8 x 8, stride 2), gaps between windows
# (k < s), a 1 x 1 filter, padding, and stride 1 with padding.
STRIDE_CASES = (
    (8, 8, 3, 3, 2, 0),
    (7, 9, 3, 2, 2, 1),
    (9, 10, 2, 3, 3, 0),
    (6, 7, 1, 1, 2, 0),
    (11, 9, 4, 3, 3, 2),
    (5, 6, 3, 3, 1, 1),
)
TOL = RTOL  # the dtype policy of checking.py: float32 work passes, float16 does not


def _channel_hint(err):
    if isinstance(err, ValueError) and "channel" in str(err):
        return (
            "If it is about channels: the bank that back-propagates has C_in output and "
            "C_out input channels, flip(w).transpose(1, 0, 2, 3). "
        )
    return ""


def _call(name, fn, args, where, seconds):
    """The student's dL/dx on copies of ``args``, as an array; a diagnosis if anything is off."""
    result = call_student(fn, args, name, where, seconds=seconds, hint=_channel_hint)
    array = real_array(result, name, where, "dL/dx")
    if precision_problem(array):
        raise AssertionError(f"imprecise dtype ({where}): {precision_problem(array)}")
    return array


def _diagnose(name, got, expected, mistakes, rule, shape_hints, where):
    """Raise with the first diagnosis that fits, or return if ``got`` is right."""
    if got.shape != expected.shape:
        hint = shape_hints.get(got.shape, "")
        raise AssertionError(
            f"wrong shape ({where}): dL/dx must have {rule} = {expected.shape}; your {name} "
            f"returned {got.shape}. {hint}".rstrip()
        )
    if not np.isfinite(got).all():
        i = tuple(int(v) for v in np.argwhere(~np.isfinite(got))[0])
        raise AssertionError(
            f"not a number ({where}): your {name} gives {got[i]} at {i}. Was that entry never "
            "assigned (np.empty)?"
        )
    if relative_error(got, expected) <= TOL:
        return
    for wrong, mistake, text in mistakes:
        if (
            wrong.shape == got.shape
            and relative_error(wrong, expected) > TOL
            and relative_error(got, wrong) <= TOL
        ):
            raise AssertionError(f"{mistake} ({where}): {text}")
    c = float(np.vdot(got, expected) / np.vdot(expected, expected))
    if abs(c - 1) > TOL and relative_error(got, c * expected) <= TOL:
        raise AssertionError(
            f"off by a factor of {c:.6g} ({where}): your {name} gives {c:.6g} times dL/dx. "
            "dL/dx is a plain sum: look for a division, a mean, a wrong sign or terms counted "
            "twice."
        )
    error = np.abs(got - expected)
    i = tuple(int(v) for v in np.unravel_index(np.argmax(error), got.shape))
    wrong = error > TOL * np.abs(expected).max()
    raise AssertionError(
        f"wrong values ({where}): largest error {error[i]:.3g} at {i}, where dL/dx is "
        f"{float(expected[i]):.6g} and yours {float(got[i]):.6g}; {int(wrong.sum())} of "
        f"{got.size} entries are wrong."
    )


def _batch_mistakes(dy, w):
    """[(what the mistake gives, its name, the diagnosis)] for dL/dx with channels and a batch."""
    N, C_out = dy.shape[:2]
    C_in, (k1, k2) = w.shape[1], w.shape[2:]
    P = np.pad(dy, ((0, 0), (0, 0), (k1 - 1, k1 - 1), (k2 - 1, k2 - 1)))
    right = conv2d(P, flip(w).transpose(1, 0, 2, 3))
    mistakes = [
        (
            conv2d(P, w.transpose(1, 0, 2, 3)),
            "missing flip",
            "your batch_grad_x correlates the padded dy with the unflipped filters. Each "
            "dL/dx[n, i] = sum_o P[n, o] * flip(w[o, i]): flip every filter, as in one channel.",
        ),
        (
            conv2d_grad_x(dy[:, :1], w[:1]),
            "one output channel",
            "your batch_grad_x uses output channel 0 only. Every filter reads input channel i, so "
            "dL/dx[n, i] sums over all output channels o.",
        ),
    ]
    if C_in == C_out:
        mistakes.append(
            (
                conv2d(P, flip(w)),
                "channel axes not swapped",
                "your batch_grad_x runs the flipped bank with its channel axes as in the forward "
                "pass. The sum in dL/dx[n, i] runs over o, the first axis of w, and the result "
                "is indexed by i, its second: use flip(w).transpose(1, 0, 2, 3). Here "
                "C_in = C_out, so the shapes fit and only the numbers are wrong.",
            )
        )
    if N > 1:
        mistakes.append(
            (
                np.broadcast_to(right.sum(axis=0, keepdims=True), right.shape),
                "summed over the batch",
                "every image of your dL/dx is the sum over the batch. A pixel x[n, i, r', c'] "
                "belongs to image n and affects only y[n]: dL/dx[n] needs dL/dy[n] alone (the "
                "batch is summed in dL/dw, not in dL/dx).",
            )
        )
    return mistakes


def check_batch_grad_x(fn, time_limit=TIME_LIMIT):
    """Check a student's ``fn(dy, w)``: dL/dx of a layer with a batch and channels.

    Parameters
    ----------
    fn : callable
        Called as ``fn(dy, w)`` with float64 arrays dy of shape (N, C_out, N1, N2) and w of shape
        (C_out, C_in, k1, k2), stride 1 and no padding, on five cases; must return dL/dx of shape
        (N, C_in, N1 + k1 - 1, N2 + k2 - 1).
    time_limit : float or None
        Seconds allowed for each call (None for no limit).

    Raises
    ------
    AssertionError
        Naming the mistake in the first failing case: an exception in ``fn``, an input changed,
        no array, the wrong shape (C_out channels, the shape of dy, the batch summed away), the
        filters not flipped, the channel axes not swapped, one output channel only, the batch
        summed, a constant factor, or else the largest error and where.
    TypeError
        If ``fn`` is not callable.
    """
    if not callable(fn):
        raise TypeError(f"check_batch_grad_x expects your function itself, got {type(fn).__name__}")
    rng = np.random.default_rng(SEED)
    for N, C_in, C_out, H, W, k1, k2 in BATCH_CASES:
        N1, N2 = H - k1 + 1, W - k2 + 1
        dy = rng.standard_normal((N, C_out, N1, N2))
        w = rng.standard_normal((C_out, C_in, k1, k2))
        where = f"dy of shape {dy.shape}, w of shape {w.shape}"
        got = _call("batch_grad_x", fn, {"dy": dy, "w": w}, where, time_limit)
        hints = {
            (N, C_out, H, W): "That has C_out channels: dL/dx has one channel per input channel, "
            "C_in = w.shape[1]. Swap the bank's channel axes, flip(w).transpose(1, 0, 2, 3).",
            (N, C_in, N1, N2): "That is the size of dy: pad dy with k1 - 1 rows and k2 - 1 "
            "columns of zeros on each side first ('full').",
            (N, C_in, N1 - k1 + 1, N2 - k2 + 1): "That is a 'valid' correlation of dy: pad dy "
            "with k1 - 1 rows and k2 - 1 columns of zeros on each side first ('full').",
            (C_in, H, W): "The batch axis is gone: dL/dx has one gradient per image.",
        }
        expected = conv2d_grad_x(dy, w)
        rule = "the shape of x, (N, C_in, N1 + k1 - 1, N2 + k2 - 1)"
        _diagnose("batch_grad_x", got, expected, _batch_mistakes(dy, w), rule, hints, where)
    print(
        f"check_batch_grad_x: correct on {len(BATCH_CASES)} cases, including C_in = C_out and a "
        "1x1 filter."
    )


def _through_zeros(dy, w, H, W, p, spacing):
    """dL/dx by zero insertion with ``spacing`` - 1 zeros between entries, full correlation with
    flip(w), then the padding cropped: the right answer when spacing is the stride."""
    (N1, N2), (k1, k2) = dy.shape, w.shape
    z = np.zeros((spacing * (N1 - 1) + 1, spacing * (N2 - 1) + 1))
    z[::spacing, ::spacing] = dy
    full = conv2d(np.pad(z, ((k1 - 1, k1 - 1), (k2 - 1, k2 - 1))), flip(w))
    dxp = np.zeros((H + 2 * p, W + 2 * p))
    rows, cols = min(full.shape[0], dxp.shape[0]), min(full.shape[1], dxp.shape[1])
    dxp[:rows, :cols] = full[:rows, :cols]
    return dxp


def _strided_mistakes(dy, w, H, W, s, p):
    dxp = _through_zeros(dy, w, H, W, p, s)
    mistakes = [
        (
            conv2d_grad_x(dy, flip(w), (H, W), stride=s, padding=p),
            "missing flip",
            "your strided_grad_x uses w where the full correlation needs flip(w) = w[::-1, ::-1], "
            "as at stride 1.",
        )
    ]
    if p:
        crop = "Crop p rows and columns from each side: dxp[p : p + H, p : p + W]."
        mistakes += [
            (
                dxp[:H, :W],
                "padding cropped on one side",
                f"your strided_grad_x keeps the first H rows and W columns of dL/dx_p. {crop}",
            ),
            (
                dxp[2 * p : 2 * p + H, 2 * p : 2 * p + W],
                "padding cropped on one side",
                f"your strided_grad_x drops 2p rows and columns at the top and left. {crop}",
            ),
        ]
    if s > 1:
        mistakes += [
            (
                _through_zeros(dy, w, H, W, p, 1)[p : p + H, p : p + W],
                "no zeros inserted",
                f"your strided_grad_x treats dy as if the stride were 1. Put s - 1 = {s - 1} "
                "zero(s) between neighbouring entries of dy first: z[::s, ::s] = dy.",
            ),
            (
                _through_zeros(dy, w, H, W, p, s + 1)[p : p + H, p : p + W],
                "too many zeros inserted",
                f"your strided_grad_x puts s = {s} zeros between the entries of dy; the windows "
                f"are s apart, so s - 1 = {s - 1}: z has s (N1 - 1) + 1 rows.",
            ),
        ]
    return mistakes


def check_strided_grad_x(fn, time_limit=TIME_LIMIT):
    """Check a student's ``fn(dy, w, x_shape, s, p)``: dL/dx with stride s and padding p.

    Parameters
    ----------
    fn : callable
        Called as ``fn(dy, w, x_shape, s, p)`` with float64 arrays dy of shape (N1, N2) and w of
        shape (k1, k2), x_shape = (H, W) a tuple, and ints s >= 1, p >= 0, on six cases; must
        return dL/dx of shape (H, W).
    time_limit : float or None
        Seconds allowed for each call (None for no limit).

    Raises
    ------
    AssertionError
        Naming the mistake in the first failing case: an exception in ``fn``, an input changed,
        no array, the wrong shape (the padded x, the rows past the last window left out, the
        shape of dy), the filter not flipped, the padding cropped on one side, no zeros or too
        many inserted, a constant factor, or else the largest error and where.
    TypeError
        If ``fn`` is not callable.
    """
    if not callable(fn):
        name = type(fn).__name__
        raise TypeError(f"check_strided_grad_x expects your function itself, got {name}")
    rng = np.random.default_rng(SEED + 1)
    for H, W, k1, k2, s, p in STRIDE_CASES:
        N1, N2 = (H + 2 * p - k1) // s + 1, (W + 2 * p - k2) // s + 1
        dy = rng.standard_normal((N1, N2))
        w = rng.standard_normal((k1, k2))
        where = (
            f"dy of shape {dy.shape}, w of shape {w.shape}, x of shape {(H, W)}, s = {s}, p = {p}"
        )
        args = {"dy": dy, "w": w, "x_shape": (H, W), "s": s, "p": p}
        got = _call("strided_grad_x", fn, args, where, time_limit)
        reached = (s * (N1 - 1) + k1 - 2 * p, s * (N2 - 1) + k2 - 2 * p)
        hints = {
            (H + 2 * p, W + 2 * p): "That is the padded x_p: crop p rows and columns from each "
            "side, since the padding has nothing to update.",
            (N1, N2): "That is the shape of dy: insert the zeros and pad before correlating.",
        }
        if reached != (H, W):
            hints[reached] = (
                "That stops at the last window: the rows and columns of x past it are in no "
                "window, and their gradient is 0. Make dL/dx of shape x_shape and fill it in."
            )
        expected = conv2d_grad_x(dy, w, (H, W), stride=s, padding=p)
        mistakes = _strided_mistakes(dy, w, H, W, s, p)
        _diagnose("strided_grad_x", got, expected, mistakes, "the shape of x", hints, where)
    print(
        f"check_strided_grad_x: correct on {len(STRIDE_CASES)} cases, including rows past the "
        "last window, gaps between windows and padding."
    )
